//! `streamstack blocks`: every building block with what it needs (and which blocks provide it),
//! what it provides, the parameters it reads and its options, so a manifest can be written without
//! reading the templates.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::output::{stdout_line, OutputArgs, OutputMode};
use crate::pattern::catalog;

/// Arguments of `streamstack blocks`.
#[derive(Debug, Args)]
pub struct BlocksArgs {
    /// Directory whose `blocks.yaml` replaces the embedded one.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// `--output text|json`.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `streamstack blocks`.
pub fn run(args: &BlocksArgs) -> anyhow::Result<()> {
    let catalog = catalog(args.templates.as_deref())?;
    let need = |n: &String| format!("{n} ({})", catalog.providers_of(n).join(" or "));
    if args.output.output == OutputMode::Json {
        let list: Vec<serde_json::Value> = catalog
            .blocks
            .iter()
            .map(|(name, s)| {
                json!({
                    "block": name,
                    "description": s.description,
                    "needs": s.needs.iter().map(|n| json!({"capability": n, "providedBy": catalog.providers_of(n)})).collect::<Vec<_>>(),
                    "provides": s.provides,
                    "reads": s.reads,
                    "nameable": s.nameable,
                    "readsStream": s.reads_stream,
                    "options": s.options,
                })
            })
            .collect();
        stdout_line(&json!({ "blocks": list }).to_string());
        return Ok(());
    }
    let mut first = true;
    for (name, s) in &catalog.blocks {
        if !first {
            stdout_line("");
        }
        first = false;
        stdout_line(&format!("{name}: {}", s.description));
        let list = |v: &[String]| {
            if v.is_empty() {
                "-".to_string()
            } else {
                v.join(", ")
            }
        };
        let needs: Vec<String> = s.needs.iter().map(need).collect();
        stdout_line(&format!("  needs     {}", list(&needs)));
        stdout_line(&format!("  provides  {}", list(&s.provides)));
        stdout_line(&format!("  reads     {}", list(&s.reads)));
        for (k, v) in &s.options {
            stdout_line(&format!("  option    {k}: {v}"));
        }
        let mut notes = Vec::new();
        if s.nameable {
            notes.push("may appear again with `name:` (its logical ids get the name as prefix)");
        }
        if s.reads_stream {
            notes.push("polls the stream (shares its 5 reads/s per shard)");
        }
        if !notes.is_empty() {
            stdout_line(&format!("  note      {}", notes.join("; ")));
        }
    }
    Ok(())
}
