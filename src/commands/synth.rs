//! `streamstack synth`: render patterns to CloudFormation templates and write them atomically.
//! Everything is rendered and checked in memory first; files are written only when every
//! requested pattern rendered cleanly, each through a temp file and a rename.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::Value;

use crate::error::UsageError;
use crate::pattern::{check_override_names, load_selection, parse_override, Manifest, PATTERN_IDS};
use crate::render::{render_manifest, to_json, to_yaml, AssetMode, RenderOptions};

/// Output format of the templates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JSON, 2-space indented.
    #[default]
    Json,
    /// YAML.
    Yaml,
}

/// Arguments of `streamstack synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Patterns to render: apigw-kds-lambda, kpl-kds-kda, kds-kdf-s3, kds-kda-apigw, streaming-etl,
    /// or a user manifest by name (`patterns/NAME.yaml` of the working directory or `--templates`).
    #[arg(
        value_name = "PATTERN",
        required_unless_present_any = ["all", "pattern_files"],
        conflicts_with = "all"
    )]
    pub patterns: Vec<String>,
    /// A user pattern manifest (same schema as patterns/*.yaml; its file name is its id). Repeatable.
    #[arg(long = "pattern-file", value_name = "FILE")]
    pub pattern_files: Vec<PathBuf>,
    /// Render all five patterns.
    #[arg(long)]
    pub all: bool,
    /// Output directory; one `<pattern>.template` per pattern.
    #[arg(long, default_value = "deployment/global-s3-assets")]
    pub out: PathBuf,
    /// Template format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Override a parameter's default: NAME=VALUE (checked against its constraints). Repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Directory whose `<block>.json.hbs` and `<pattern>.yaml` files replace the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// Renders the given patterns; `--param` overrides apply to every pattern that has the parameter
/// and must exist in at least one of them.
pub fn render_all(
    ids: &[String],
    overrides: &[(String, String)],
    templates_dir: Option<&Path>,
    assets: &AssetMode,
    asset_names: &BTreeMap<String, String>,
) -> Result<Vec<(String, Value)>, crate::render::Error> {
    let manifests = ids
        .iter()
        .map(|id| Manifest::load(id, templates_dir))
        .collect::<Result<Vec<_>, _>>()?;
    render_manifests(&manifests, overrides, templates_dir, assets, asset_names)
        .map(|r| r.into_iter().map(|(id, t, _)| (id, t)).collect())
}

/// Renders loaded manifests (built-in or user) as [`render_all`] does; each template comes with
/// its composition warnings.
pub fn render_manifests(
    manifests: &[Manifest],
    overrides: &[(String, String)],
    templates_dir: Option<&Path>,
    assets: &AssetMode,
    asset_names: &BTreeMap<String, String>,
) -> Result<Vec<(String, Value, Vec<String>)>, crate::render::Error> {
    let ids: Vec<String> = manifests.iter().map(|m| m.id.clone()).collect();
    check_override_names(manifests, &ids, overrides)?;
    manifests
        .iter()
        .map(|m| {
            let opts = RenderOptions {
                overrides: overrides
                    .iter()
                    .filter(|(n, _)| m.parameter(n).is_some())
                    .cloned()
                    .collect(),
                templates_dir: templates_dir.map(Path::to_path_buf),
                assets: assets.clone(),
                asset_names: asset_names.clone(),
            };
            render_manifest(m, &opts).map(|r| (m.id.clone(), r.template, r.warnings))
        })
        .collect()
}

/// The text of each rendered template in `format`, with its pattern id.
pub fn to_text(
    templates: &[(String, Value)],
    format: Format,
) -> Result<Vec<(String, String)>, crate::render::Error> {
    templates
        .iter()
        .map(|(id, t)| {
            let text = match format {
                Format::Json => to_json(t),
                Format::Yaml => to_yaml(t)?,
            };
            Ok((id.clone(), text))
        })
        .collect()
}

/// Writes template texts into `out` as `<pattern>.template`, atomically; returns the paths.
pub fn write_templates(out: &Path, texts: &[(String, String)]) -> Result<Vec<PathBuf>, UsageError> {
    let dir_err = |reason: String| {
        UsageError(format!(
            "cannot write to output directory `{}`: {reason}",
            out.display()
        ))
    };
    if out.exists() && !out.is_dir() {
        return Err(dir_err("it exists and is not a directory".to_string()));
    }
    std::fs::create_dir_all(out).map_err(|e| dir_err(e.to_string()))?;
    let mut paths = Vec::new();
    for (id, text) in texts {
        let path = out.join(format!("{id}.template"));
        crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| dir_err(e.to_string()))?;
        paths.push(path);
    }
    Ok(paths)
}

/// The content-hashed name of each asset embedded in this binary (none in a plain `cargo build`):
/// a CLI that carries the assets names each by its hash, as `upload` and `deploy` store them
/// (`AssetPrefix` + `<stem>-<sha256 16 hex>.<ext>`), so its templates load what its `upload` put
/// in the bucket; without them each asset keeps its logical name.
fn embedded_asset_names() -> BTreeMap<String, String> {
    crate::assets::load(None)
        .map(|a| {
            a.values()
                .map(|a| (a.name.clone(), a.published_name()))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `streamstack synth`.
pub fn run(args: &SynthArgs) -> anyhow::Result<()> {
    let ids: Vec<String> = if args.all {
        PATTERN_IDS.iter().map(|s| s.to_string()).collect()
    } else {
        args.patterns.clone()
    };
    let overrides = args
        .params
        .iter()
        .map(|p| parse_override(p))
        .collect::<Result<Vec<_>, _>>()?;
    let manifests = load_selection(&ids, &args.pattern_files, args.templates.as_deref())?;
    let rendered = render_manifests(
        &manifests,
        &overrides,
        args.templates.as_deref(),
        &AssetMode::Parameters,
        &embedded_asset_names(),
    )?;
    let mut templates = Vec::with_capacity(rendered.len());
    for (id, template, warnings) in rendered {
        for w in warnings {
            crate::output::stderr_line(&format!("warning: {id}: {w}"));
        }
        templates.push((id, template));
    }
    let texts = to_text(&templates, args.format)?;
    for path in write_templates(&args.out, &texts)? {
        crate::output::stdout_line(&path.display().to_string());
    }
    Ok(())
}
