//! Pattern manifests: the data that describes each pattern (parameters, building blocks,
//! conditions, outputs). Manifests are YAML files under `patterns/`, embedded in the binary;
//! `--templates DIR` can override any of them.

mod params;
pub mod sources;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

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
    /// A manifest that does not parse or is inconsistent.
    #[error("manifest {file}: {message}")]
    Manifest {
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
    parameters: Vec<ParamRef>,
    blocks: Vec<String>,
    #[serde(default)]
    vars: serde_json::Map<String, Value>,
    #[serde(default)]
    conditions: serde_json::Map<String, Value>,
    #[serde(default)]
    rules: serde_json::Map<String, Value>,
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
    /// Building blocks (template fragments) in render order.
    pub blocks: Vec<String>,
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
    pub fn load(id: &str, templates_dir: Option<&Path>) -> Result<Manifest, Error> {
        if !PATTERN_IDS.contains(&id) {
            return Err(Error::UnknownPattern {
                name: id.to_string(),
            });
        }
        let shared = sources::manifest("shared.yaml", templates_dir)?;
        let file = format!("{id}.yaml");
        let text = sources::manifest(&file, templates_dir)?;
        Manifest::parse(id, &shared, &text)
    }

    /// Parses manifest text for pattern `id` against the shared parameter table text.
    pub fn parse(id: &str, shared_text: &str, text: &str) -> Result<Manifest, Error> {
        let file = format!("{id}.yaml");
        let shared: SharedFile =
            serde_yaml_ng::from_str(shared_text).map_err(|e| Error::Manifest {
                file: "shared.yaml".to_string(),
                message: e.to_string(),
            })?;
        let raw: ManifestFile = serde_yaml_ng::from_str(text).map_err(|e| Error::Manifest {
            file: file.clone(),
            message: e.to_string(),
        })?;
        let bad = |message: String| Error::Manifest {
            file: file.clone(),
            message,
        };
        if raw.id != id {
            return Err(bad(format!("id `{}` does not match the file name", raw.id)));
        }
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
            blocks: raw.blocks,
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
