//! `streamstack synth`: render patterns to CloudFormation templates and write them atomically.
//! Everything is rendered and checked in memory first; files are written only when every
//! requested pattern rendered cleanly, each through a temp file and a rename.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::Value;
use thiserror::Error;

use crate::pattern::{parse_override, Manifest, PATTERN_IDS};
pub use crate::render::{render_pattern, AssetMode, RenderOptions};

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
    /// Patterns to render: apigw-kds-lambda, kpl-kds-kda, kds-kdf-s3, kds-kda-apigw.
    #[arg(
        value_name = "PATTERN",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub patterns: Vec<String>,
    /// Render all four patterns.
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

/// Errors of rendering and writing templates.
#[derive(Debug, Error)]
pub enum SynthError {
    /// A pattern id that does not exist.
    #[error("unknown pattern `{name}`; allowed: {}", PATTERN_IDS.join(", "))]
    UnknownPattern {
        /// The bad name.
        name: String,
    },
    /// `--param` without `NAME=VALUE`.
    #[error("`--param {arg}` is not NAME=VALUE")]
    BadParameterSyntax {
        /// The bad argument.
        arg: String,
    },
    /// A parameter the pattern does not have.
    #[error("unknown parameter `{name}` for pattern {pattern}; allowed: {allowed}")]
    UnknownParameter {
        /// The bad name.
        name: String,
        /// The pattern(s) checked.
        pattern: String,
        /// The parameter names allowed.
        allowed: String,
    },
    /// A parameter value outside its constraints.
    #[error("parameter `{name}` value `{value}` is not allowed: {reason}")]
    BadParameterValue {
        /// Parameter name.
        name: String,
        /// The bad value.
        value: String,
        /// What is allowed.
        reason: String,
    },
    /// The output directory cannot be created or written.
    #[error("cannot write to output directory `{path}`: {reason}")]
    OutputDir {
        /// The directory.
        path: String,
        /// Why.
        reason: String,
    },
    /// A manifest that does not parse or is inconsistent.
    #[error("manifest {file}: {message}")]
    Manifest {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A fragment that does not render to valid JSON.
    #[error("template fragment {file}: {message}")]
    Fragment {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A file that is neither embedded nor in `--templates`.
    #[error("no such template source `{name}`")]
    MissingSource {
        /// The missing file.
        name: String,
    },
    /// Reading a source file failed.
    #[error("cannot read `{path}`: {message}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The rendered template failed its checks.
    #[error("rendered template of {pattern} is invalid: {}", problems.join("; "))]
    InvalidTemplate {
        /// Pattern id.
        pattern: String,
        /// Every problem found.
        problems: Vec<String>,
    },
}

impl SynthError {
    /// Whether this error is the user's bad input (exit code 2) rather than a broken template.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            SynthError::UnknownPattern { .. }
                | SynthError::BadParameterSyntax { .. }
                | SynthError::UnknownParameter { .. }
                | SynthError::BadParameterValue { .. }
                | SynthError::OutputDir { .. }
                | SynthError::MissingSource { .. }
                | SynthError::Io { .. }
        )
    }
}

/// The template as JSON text: 2-space indentation, trailing newline.
pub fn to_json(template: &Value) -> String {
    let mut s = serde_json::to_string_pretty(template).unwrap_or_default();
    s.push('\n');
    s
}

/// The template as YAML text.
pub fn to_yaml(template: &Value) -> Result<String, SynthError> {
    serde_yaml_ng::to_string(template).map_err(|e| SynthError::Fragment {
        file: "yaml output".to_string(),
        message: e.to_string(),
    })
}

/// Renders the given patterns; `--param` overrides apply to every pattern that has the parameter
/// and must exist in at least one of them.
pub fn render_all(
    ids: &[String],
    overrides: &[(String, String)],
    templates_dir: Option<&Path>,
    assets: &AssetMode,
) -> Result<Vec<(String, Value)>, SynthError> {
    let manifests = ids
        .iter()
        .map(|id| Manifest::load(id, templates_dir))
        .collect::<Result<Vec<_>, _>>()?;
    for (name, _) in overrides {
        if !manifests.iter().any(|m| m.parameter(name).is_some()) {
            let mut allowed: Vec<&str> = manifests
                .iter()
                .flat_map(|m| m.parameters.iter().map(|p| p.name.as_str()))
                .collect();
            allowed.sort_unstable();
            allowed.dedup();
            return Err(SynthError::UnknownParameter {
                name: name.clone(),
                pattern: ids.join(", "),
                allowed: allowed.join(", "),
            });
        }
    }
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
                asset_names: Default::default(),
            };
            crate::render::render_manifest(m, &opts).map(|r| (m.id.clone(), r.template))
        })
        .collect()
}

/// Writes rendered templates into `out` as `<pattern>.template`, atomically; returns the paths.
pub fn write_templates(
    out: &Path,
    templates: &[(String, Value)],
    format: Format,
) -> Result<Vec<PathBuf>, SynthError> {
    let texts = templates
        .iter()
        .map(|(id, t)| {
            let text = match format {
                Format::Json => to_json(t),
                Format::Yaml => to_yaml(t)?,
            };
            Ok((id, text))
        })
        .collect::<Result<Vec<_>, SynthError>>()?;
    let dir_err = |reason: String| SynthError::OutputDir {
        path: out.display().to_string(),
        reason,
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
    let templates = render_all(
        &ids,
        &overrides,
        args.templates.as_deref(),
        &AssetMode::Parameters,
    )?;
    for path in write_templates(&args.out, &templates, args.format)? {
        println!("{}", path.display());
    }
    Ok(())
}
