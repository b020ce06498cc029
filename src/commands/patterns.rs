//! `streamstack patterns`: the built-in patterns and the user manifests (`patterns/*.yaml` of the
//! working directory, or of `--templates DIR`), each with its flow, or why it does not load.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::output::{stdout_line, OutputArgs, OutputMode};
use crate::pattern::{list_patterns, Manifest};

/// Arguments of `streamstack patterns`.
#[derive(Debug, Args)]
pub struct PatternsArgs {
    /// Directory whose `<pattern>.yaml`, `shared.yaml` and `blocks.yaml` files come first.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// `--output text|json`.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The flow part of a description (`streamstack ID: FLOW`).
fn flow(m: &Manifest) -> &str {
    m.description
        .strip_prefix(&format!("streamstack {}: ", m.id))
        .unwrap_or(&m.description)
}

/// Runs `streamstack patterns`.
pub fn run(args: &PatternsArgs) -> anyhow::Result<()> {
    let entries = list_patterns(args.templates.as_deref());
    if args.output.output == OutputMode::Json {
        let list: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                let mut v = json!({
                    "id": e.id,
                    "source": if e.file.is_some() { "user" } else { "built-in" },
                });
                if let Some(f) = &e.file {
                    v["file"] = json!(f.display().to_string());
                }
                match &e.manifest {
                    Ok(m) => {
                        v["description"] = json!(flow(m));
                        v["blocks"] =
                            json!(m.instances.iter().map(|b| b.label()).collect::<Vec<_>>());
                        v["parameters"] = json!(m
                            .parameters
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>());
                        v["warnings"] = json!(m.warnings);
                    }
                    Err(e) => v["error"] = json!(e),
                }
                v
            })
            .collect();
        stdout_line(&json!({ "patterns": list }).to_string());
        return Ok(());
    }
    let width = entries.iter().map(|e| e.id.len()).max().unwrap_or(0);
    for e in &entries {
        let source = match &e.file {
            Some(f) => f.display().to_string(),
            None => "built-in".to_string(),
        };
        let text = match &e.manifest {
            Ok(m) => flow(m).to_string(),
            Err(err) => format!("error: {err}"),
        };
        stdout_line(&format!("{:width$}  {source}  {text}", e.id));
    }
    Ok(())
}
