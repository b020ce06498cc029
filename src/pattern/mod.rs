//! Pattern manifests: the data that describes each pattern (parameters, building blocks,
//! conditions, outputs). Manifests are YAML files under `patterns/`, embedded in the binary;
//! `--templates DIR` can override any of them.

pub mod compose;
mod params;
pub mod sources;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

pub use compose::{BlockRef, BlockSpec, Catalog};
pub use params::{parse_override, ParamOverride};

/// The pattern ids, in the order the product lists them.
pub const PATTERN_IDS: [&str; 5] = [
    "apigw-kds-lambda",
    "kpl-kds-kda",
    "kds-kdf-s3",
    "kds-kda-apigw",
    "streaming-etl",
];

/// The stack tag `deploy` sets to the pattern's id, by which `streamstack ls` finds the stacks
/// streamstack made.
pub const STACK_TAG: &str = "streamstack:pattern";

/// The tags of a stack deployed from `pattern`: the user's `tags` and [`STACK_TAG`] (which
/// replaces a user tag of that key), in key order.
pub fn stack_tags(
    tags: std::collections::BTreeMap<String, String>,
    pattern: &str,
) -> Vec<(String, String)> {
    let mut tags = tags;
    tags.insert(STACK_TAG.to_string(), pattern.to_string());
    tags.into_iter().collect()
}

/// Errors of loading manifests and template sources and of checking `--param` overrides.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A pattern id that does not exist.
    #[error("unknown pattern `{name}`; allowed: {}, a manifest patterns/{name}.yaml in the working directory or beside the config file, or --pattern-file FILE", PATTERN_IDS.join(", "))]
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
    /// A manifest that does not parse or is inconsistent.
    #[error("manifest {file}: {message}")]
    Manifest {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A manifest whose blocks do not compose: a need without provider, a block twice, a cycle,
    /// a parameter no block reads... (one line naming the block and what it lacks).
    #[error("pattern {pattern}: {message}")]
    Composition {
        /// Pattern id.
        pattern: String,
        /// What is wrong, naming the block.
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
}

impl Error {
    /// Whether this error is the user's bad input (exit code 2) rather than a broken manifest
    /// (exit code 1).
    pub fn is_usage(&self) -> bool {
        match self {
            Error::UnknownPattern { .. }
            | Error::BadParameterSyntax { .. }
            | Error::UnknownParameter { .. }
            | Error::BadParameterValue { .. }
            | Error::MissingSource { .. }
            | Error::Composition { .. }
            | Error::Io { .. } => true,
            Error::Manifest { .. } => false,
        }
    }
}

/// One CloudFormation parameter with its constraints and console metadata.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Logical name of the parameter (filled from the shared table key when omitted).
    #[serde(default)]
    pub name: String,
    /// CloudFormation parameter type (`String`, `Number`, `CommaDelimitedList`, AWS-specific types).
    #[serde(rename = "type")]
    pub kind: String,
    /// Default value, as CloudFormation stores it (a string).
    #[serde(default, deserialize_with = "string_or_number")]
    pub default: Option<String>,
    /// Description shown in the console.
    pub description: String,
    /// Allowed values, if restricted.
    #[serde(default)]
    pub allowed_values: Vec<String>,
    /// Minimum numeric value.
    pub min_value: Option<f64>,
    /// Maximum numeric value.
    pub max_value: Option<f64>,
    /// Minimum string length.
    pub min_length: Option<u64>,
    /// Maximum string length.
    pub max_length: Option<u64>,
    /// Regular expression the whole value must match.
    pub allowed_pattern: Option<String>,
    /// Message shown when a constraint fails.
    pub constraint_description: Option<String>,
    /// Label in the console (`AWS::CloudFormation::Interface`).
    pub label: String,
    /// Parameter group in the console.
    pub group: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ParamRef {
    Shared(String),
    Own(Box<Parameter>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SharedFile {
    parameters: BTreeMap<String, Parameter>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    id: String,
    description: String,
    /// Parameters a block reads and the manifest does not list come from `shared.yaml`.
    #[serde(default)]
    parameters: Vec<ParamRef>,
    /// New defaults for parameters of the pattern (e.g. `Emitter: dynamodb`), checked against
    /// their constraints.
    #[serde(default, deserialize_with = "string_map")]
    defaults: BTreeMap<String, String>,
    blocks: Vec<compose::BlockEntry>,
    #[serde(default)]
    vars: serde_json::Map<String, Value>,
    #[serde(default)]
    conditions: serde_json::Map<String, Value>,
    #[serde(default)]
    rules: serde_json::Map<String, Value>,
    #[serde(default)]
    outputs: BTreeMap<String, OutputFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputFile {
    description: String,
    value: Value,
    #[serde(default)]
    export: bool,
    condition: Option<String>,
}

/// A stack output declared by a manifest.
#[derive(Debug, Clone)]
pub struct Output {
    /// Logical name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Value (any CloudFormation expression).
    pub value: Value,
    /// Whether to export it as `${AWS::StackName}-<name>`.
    pub export: bool,
    /// Condition under which the output exists.
    pub condition: Option<String>,
}

/// A fully resolved pattern manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Pattern id (CLI name and file stem).
    pub id: String,
    /// Template description naming the flow.
    pub description: String,
    /// Parameters in display order.
    pub parameters: Vec<Parameter>,
    /// Building block kinds (template fragments) in render order, one entry per instance.
    pub blocks: Vec<String>,
    /// The block instances in render order: kind, optional name and options.
    pub instances: Vec<BlockRef>,
    /// Composition warnings to show at synth time (e.g. several readers sharing the stream).
    pub warnings: Vec<String>,
    /// Pattern-specific values passed to the fragments.
    pub vars: serde_json::Map<String, Value>,
    /// Extra conditions declared by the pattern itself.
    pub conditions: serde_json::Map<String, Value>,
    /// CloudFormation `Rules`: parameter assertions checked before any resource is touched.
    pub rules: serde_json::Map<String, Value>,
    /// Outputs in name order.
    pub outputs: Vec<Output>,
}

impl Manifest {
    /// Loads pattern `id`, resolving shared parameters. `templates_dir` overrides embedded files.
    /// An id that is not built in names a user manifest: the first `<id>.yaml` of
    /// [`manifest_dirs`] (`templates_dir`, `./patterns/`, the config file's `patterns/`).
    pub fn load(id: &str, templates_dir: Option<&Path>) -> Result<Manifest, Error> {
        if PATTERN_IDS.contains(&id) {
            let text = sources::manifest(&format!("{id}.yaml"), templates_dir)?;
            return Manifest::parse_in(id, &text, templates_dir);
        }
        let unknown = || Error::UnknownPattern {
            name: id.to_string(),
        };
        if !user_id_allowed(id) {
            return Err(unknown());
        }
        for dir in manifest_dirs(templates_dir) {
            let path = dir.join(format!("{id}.yaml"));
            if path.is_file() {
                return Manifest::load_file(&path, templates_dir);
            }
        }
        Err(unknown())
    }

    /// Loads the user manifest at `path` (`--pattern-file`): its `id` must be the file's stem.
    pub fn load_file(path: &Path, templates_dir: Option<&Path>) -> Result<Manifest, Error> {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if !path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            return Err(Error::Io {
                path: path.display().to_string(),
                message: "a pattern file is a .yaml manifest".to_string(),
            });
        }
        if !user_id_allowed(&stem) {
            return Err(Error::Io {
                path: path.display().to_string(),
                message: format!(
                    "the file name `{stem}` is not a user pattern id: lower-case letters, digits and -, neither a built-in pattern nor shared or blocks"
                ),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Manifest::parse_in(&stem, &text, templates_dir)
    }

    fn parse_in(id: &str, text: &str, templates_dir: Option<&Path>) -> Result<Manifest, Error> {
        let shared = sources::manifest("shared.yaml", templates_dir)?;
        let blocks = sources::manifest("blocks.yaml", templates_dir)?;
        Manifest::parse_with(id, &shared, &blocks, text)
    }

    /// Parses manifest text for pattern `id` against the shared parameter table text and the
    /// embedded block table.
    pub fn parse(id: &str, shared_text: &str, text: &str) -> Result<Manifest, Error> {
        let blocks = sources::manifest("blocks.yaml", None)?;
        Manifest::parse_with(id, shared_text, &blocks, text)
    }

    /// Parses manifest text for pattern `id` against the shared parameter table and the block
    /// table (`blocks.yaml`), and checks its composition. A user manifest's errors are usage
    /// errors (exit 2, one line); a built-in one's are broken sources (exit 1).
    pub fn parse_with(
        id: &str,
        shared_text: &str,
        blocks_text: &str,
        text: &str,
    ) -> Result<Manifest, Error> {
        let file = format!("{id}.yaml");
        let shared: SharedFile =
            serde_yaml_ng::from_str(shared_text).map_err(|e| Error::Manifest {
                file: "shared.yaml".to_string(),
                message: e.to_string(),
            })?;
        let catalog = Catalog::parse(blocks_text).map_err(|message| Error::Manifest {
            file: "blocks.yaml".to_string(),
            message,
        })?;
        let user = !PATTERN_IDS.contains(&id);
        let bad = |message: String| {
            if user {
                Error::Composition {
                    pattern: id.to_string(),
                    message,
                }
            } else {
                Error::Manifest {
                    file: file.clone(),
                    message,
                }
            }
        };
        let raw: ManifestFile = serde_yaml_ng::from_str(text)
            .map_err(|e| bad(format!("{file}: {}", one_line(&e.to_string()))))?;
        if raw.id != id {
            return Err(bad(format!("id `{}` does not match the file name", raw.id)));
        }
        let composition = |message: String| Error::Composition {
            pattern: id.to_string(),
            message,
        };
        let instances: Vec<BlockRef> = raw.blocks.into_iter().map(BlockRef::from).collect();
        let warnings = compose::check_blocks(&instances, &catalog).map_err(composition)?;
        let mut parameters = Vec::with_capacity(raw.parameters.len());
        for p in raw.parameters {
            let param = match p {
                ParamRef::Shared(name) => {
                    let mut param =
                        shared.parameters.get(&name).cloned().ok_or_else(|| {
                            bad(format!("shared parameter `{name}` does not exist"))
                        })?;
                    param.name = name;
                    param
                }
                ParamRef::Own(param) => *param,
            };
            if param.name.is_empty() {
                return Err(bad("a parameter has no name".to_string()));
            }
            if parameters.iter().any(|q: &Parameter| q.name == param.name) {
                return Err(bad(format!("parameter `{}` is declared twice", param.name)));
            }
            if let Some(default) = &param.default {
                params::check_value(&param, default)
                    .map_err(|reason| bad(format!("default of `{}`: {reason}", param.name)))?;
            }
            parameters.push(param);
        }
        // Parameters the blocks read and the manifest does not list: from the shared table.
        let read = compose::parameters_read(&instances, &catalog);
        for (name, block) in &read {
            if parameters.iter().any(|p| &p.name == name) {
                continue;
            }
            let mut param = shared.parameters.get(name).cloned().ok_or_else(|| {
                composition(format!(
                    "block `{block}` reads parameter `{name}`, which the manifest does not declare and shared.yaml does not define"
                ))
            })?;
            param.name = name.clone();
            parameters.push(param);
        }
        for (name, value) in &raw.defaults {
            let param = parameters
                .iter_mut()
                .find(|p| &p.name == name)
                .ok_or_else(|| {
                    composition(format!(
                        "defaults: `{name}` is not a parameter of the pattern (no block reads it)"
                    ))
                })?;
            params::check_value(param, value).map_err(|reason| {
                composition(format!(
                    "defaults: `{name}` value `{value}` is not allowed: {reason}"
                ))
            })?;
            param.default = Some(value.clone());
        }
        // Every parameter is read by a block or by the manifest's own expressions.
        let mut used: BTreeSet<String> = read.into_iter().map(|(n, _)| n).collect();
        for v in raw
            .vars
            .values()
            .chain(raw.conditions.values())
            .chain(raw.rules.values())
        {
            compose::referenced_names(v, &mut used);
        }
        for o in raw.outputs.values() {
            compose::referenced_names(&o.value, &mut used);
        }
        if let Some(p) = parameters.iter().find(|p| !used.contains(&p.name)) {
            return Err(composition(format!(
                "parameter `{}` is read by no block (nor by the manifest's vars, conditions, rules or outputs); remove it",
                p.name
            )));
        }
        let outputs = raw
            .outputs
            .into_iter()
            .map(|(name, o)| Output {
                name,
                description: o.description,
                value: o.value,
                export: o.export,
                condition: o.condition,
            })
            .collect();
        Ok(Manifest {
            id: raw.id,
            description: raw.description,
            parameters,
            blocks: instances.iter().map(|b| b.block.clone()).collect(),
            instances,
            warnings,
            vars: raw.vars,
            conditions: raw.conditions,
            rules: raw.rules,
            outputs,
        })
    }

    /// The parameter called `name`, if the pattern has it.
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// Checks `--param` overrides against this manifest: the name must exist and the value must
    /// satisfy the parameter's constraints.
    pub fn check_overrides(&self, overrides: &[(String, String)]) -> Result<(), Error> {
        for (name, value) in overrides {
            let param = self
                .parameter(name)
                .ok_or_else(|| Error::UnknownParameter {
                    name: name.clone(),
                    pattern: self.id.clone(),
                    allowed: self
                        .parameters
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            params::check_value(param, value).map_err(|reason| Error::BadParameterValue {
                name: name.clone(),
                value: value.clone(),
                reason,
            })?;
        }
        Ok(())
    }
}

/// Checks that every `--param` override names a parameter of at least one of `manifests` (an
/// override applies to each pattern that has the parameter); `ids` names the patterns in the error.
pub fn check_override_names(
    manifests: &[Manifest],
    ids: &[String],
    overrides: &[(String, String)],
) -> Result<(), Error> {
    for (name, _) in overrides {
        if !manifests.iter().any(|m| m.parameter(name).is_some()) {
            let mut allowed: Vec<&str> = manifests
                .iter()
                .flat_map(|m| m.parameters.iter().map(|p| p.name.as_str()))
                .collect();
            allowed.sort_unstable();
            allowed.dedup();
            return Err(Error::UnknownParameter {
                name: name.clone(),
                pattern: ids.join(", "),
                allowed: allowed.join(", "),
            });
        }
    }
    Ok(())
}

/// Whether `id` may name a user manifest: a file stem of lower-case letters, digits and `-`, not
/// a built-in pattern nor one of the tables.
fn user_id_allowed(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !PATTERN_IDS.contains(&id)
        && !matches!(id, "shared" | "blocks")
}

/// A YAML error message on one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn string_map<'de, D>(de: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let m = BTreeMap::<String, serde_yaml_ng::Value>::deserialize(de)?;
    m.into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_yaml_ng::Value::String(s) => s,
                serde_yaml_ng::Value::Number(n) => n.to_string(),
                serde_yaml_ng::Value::Bool(b) => b.to_string(),
                _ => {
                    return Err(serde::de::Error::custom(format!(
                        "default of `{k}` must be a string, number or boolean"
                    )))
                }
            };
            Ok((k, text))
        })
        .collect()
}

fn string_or_number<'de, D>(de: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let v = Option::<serde_yaml_ng::Value>::deserialize(de)?;
    Ok(match v {
        None | Some(serde_yaml_ng::Value::Null) => None,
        Some(serde_yaml_ng::Value::String(s)) => Some(s),
        Some(serde_yaml_ng::Value::Number(n)) => Some(n.to_string()),
        Some(serde_yaml_ng::Value::Bool(b)) => Some(b.to_string()),
        Some(_) => {
            return Err(serde::de::Error::custom(
                "default must be a string, number or boolean",
            ))
        }
    })
}

/// One pattern `streamstack patterns` lists.
#[derive(Debug, Clone)]
pub struct PatternEntry {
    /// Pattern id (what `synth` and `deploy` take).
    pub id: String,
    /// `None` for a built-in pattern, else the user manifest's file.
    pub file: Option<std::path::PathBuf>,
    /// The loaded manifest, or the one-line reason it does not load.
    pub manifest: Result<Manifest, String>,
}

/// The folder of the config file in use, set once by the CLI ([`set_config_file`]).
static PROJECT_DIR: OnceLock<PathBuf> = OnceLock::new();

/// Makes the `patterns/` folder beside `config_file` (the `streamstack.toml` project, `--config
/// FILE`) a place where user manifests are found by name, after `--templates DIR` and the
/// working directory's `patterns/`. The CLI calls it once, when it has read the config file; a
/// later call changes nothing.
pub fn set_config_file(config_file: &Path) {
    if let Some(dir) = config_file.parent() {
        let _ = PROJECT_DIR.set(dir.to_path_buf());
    }
}

/// The folders searched for user manifests by name, in order: `templates_dir`, `./patterns/`,
/// then `patterns/` of the config file's folder ([`set_config_file`]) when it is another one.
pub fn manifest_dirs(templates_dir: Option<&Path>) -> Vec<PathBuf> {
    search_dirs(templates_dir, PROJECT_DIR.get().map(PathBuf::as_path))
}

fn search_dirs(templates_dir: Option<&Path>, project: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = templates_dir.map(Path::to_path_buf).into_iter().collect();
    let here = PathBuf::from("patterns");
    let beside_config = project.map(|p| p.join("patterns"));
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    let duplicate = beside_config.as_deref().is_some_and(|b| same(b, &here));
    dirs.push(here);
    dirs.extend(beside_config.filter(|_| !duplicate));
    dirs
}

/// The user manifests by name: `*.yaml` of each of [`manifest_dirs`], whose stem is a user
/// pattern id (not a built-in pattern, `shared` or `blocks`); the first of one id wins.
pub fn user_manifest_files(templates_dir: Option<&Path>) -> Vec<std::path::PathBuf> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for dir in manifest_dirs(templates_dir) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<std::path::PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for f in files {
            let stem = f
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            if user_id_allowed(&stem) && seen.insert(stem) {
                out.push(f);
            }
        }
    }
    out
}

/// The built-in patterns, then the user manifests of [`user_manifest_files`], each loaded.
pub fn list_patterns(templates_dir: Option<&Path>) -> Vec<PatternEntry> {
    let mut out: Vec<PatternEntry> = PATTERN_IDS
        .iter()
        .map(|id| PatternEntry {
            id: id.to_string(),
            file: None,
            manifest: Manifest::load(id, templates_dir).map_err(|e| e.to_string()),
        })
        .collect();
    for f in user_manifest_files(templates_dir) {
        out.push(PatternEntry {
            id: f
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string(),
            manifest: Manifest::load_file(&f, templates_dir).map_err(|e| e.to_string()),
            file: Some(f),
        });
    }
    out
}

/// The block table (`blocks.yaml`, embedded or from `templates_dir`).
pub fn catalog(templates_dir: Option<&Path>) -> Result<Catalog, Error> {
    let text = sources::manifest("blocks.yaml", templates_dir)?;
    Catalog::parse(&text).map_err(|message| Error::Manifest {
        file: "blocks.yaml".to_string(),
        message,
    })
}

/// The manifests a command was given: patterns by name ([`Manifest::load`]), then `--pattern-file`
/// files ([`Manifest::load_file`]); one pattern id may be given once.
pub fn load_selection(
    names: &[String],
    files: &[std::path::PathBuf],
    templates_dir: Option<&Path>,
) -> Result<Vec<Manifest>, Error> {
    let mut out: Vec<Manifest> = Vec::with_capacity(names.len() + files.len());
    let loaded = names
        .iter()
        .map(|n| Manifest::load(n, templates_dir))
        .chain(files.iter().map(|f| Manifest::load_file(f, templates_dir)));
    for m in loaded {
        let m = m?;
        if out.iter().any(|o| o.id == m.id) {
            return Err(Error::Composition {
                pattern: m.id.clone(),
                message: "given twice (by name or --pattern-file)".to_string(),
            });
        }
        out.push(m);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_manifests_are_looked_for_beside_the_config_file_after_the_working_directory() {
        let project = tempfile::tempdir().unwrap();
        let t = Path::new("tpl");
        assert_eq!(
            search_dirs(Some(t), Some(project.path())),
            [
                t.to_path_buf(),
                PathBuf::from("patterns"),
                project.path().join("patterns")
            ]
        );
        assert_eq!(search_dirs(None, None), [PathBuf::from("patterns")]);
        // A config file in the working directory adds no second search of the same folder.
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(search_dirs(None, Some(&cwd)), [PathBuf::from("patterns")]);
    }
}
