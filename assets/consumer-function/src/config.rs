//! Settings from environment variables, checked once at init.

use thiserror::Error;

/// Default of `BUFFER_MAX_RECORDS`.
pub const DEFAULT_BUFFER_MAX_RECORDS: usize = 500;
/// Default of `BUFFER_MAX_BYTES` (1 MiB).
pub const DEFAULT_BUFFER_MAX_BYTES: usize = 1_048_576;
/// Largest accepted `BUFFER_MAX_RECORDS`.
pub const MAX_BUFFER_MAX_RECORDS: usize = 1_000_000;
/// Largest accepted `BUFFER_MAX_BYTES` (128 MiB: a buffer is held in memory).
pub const MAX_BUFFER_MAX_BYTES: usize = 134_217_728;

/// A setting that cannot be used. Its message is one line naming the variable, the value and
/// what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// A variable holds a value outside its allowed set.
    #[error("invalid {name}={value:?}: allowed {allowed}")]
    Invalid {
        /// Variable name.
        name: &'static str,
        /// The value found.
        value: String,
        /// What the variable accepts.
        allowed: &'static str,
    },
    /// A variable that the chosen settings need is not set.
    #[error("missing {name}: {reason}")]
    Missing {
        /// Variable name.
        name: &'static str,
        /// Why it is needed.
        reason: &'static str,
    },
}

/// Where buffers go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmitterKind {
    /// Write the records to the function's log (stdout).
    Log,
    /// One S3 object per buffer.
    S3 {
        /// `OUTPUT_BUCKET`.
        bucket: String,
        /// `OUTPUT_PREFIX` (may be empty).
        prefix: String,
    },
}

/// How each user record's data is turned into an output line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransformKind {
    /// Parse as JSON; the output line is the compact JSON.
    Json,
    /// Split a UTF-8 line on the delimiter; the output line is a JSON array of the fields.
    Delimited(String),
    /// Keep the bytes as they are.
    Raw,
}

/// The function's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `EMITTER` (`log` | `s3`, default `log`) with `OUTPUT_BUCKET` / `OUTPUT_PREFIX`.
    pub emitter: EmitterKind,
    /// `TRANSFORM` (`json` | `delimited` | `raw`, default `json`) with `DELIMITER`
    /// (default `|`).
    pub transform: TransformKind,
    /// `BUFFER_MAX_RECORDS` (default 500).
    pub buffer_max_records: usize,
    /// `BUFFER_MAX_BYTES` (default 1048576).
    pub buffer_max_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            emitter: EmitterKind::Log,
            transform: TransformKind::Json,
            buffer_max_records: DEFAULT_BUFFER_MAX_RECORDS,
            buffer_max_bytes: DEFAULT_BUFFER_MAX_BYTES,
        }
    }
}

impl Config {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    /// A [`ConfigError`] for the first unusable variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `var`, which returns a variable's value if set. An empty
    /// value counts as unset for the variables that have defaults.
    ///
    /// # Errors
    /// A [`ConfigError`] for the first unusable variable.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| var(name).filter(|v| !v.is_empty());

        let transform = match get("TRANSFORM").as_deref() {
            None | Some("json") => TransformKind::Json,
            Some("raw") => TransformKind::Raw,
            Some("delimited") => {
                TransformKind::Delimited(get("DELIMITER").unwrap_or_else(|| "|".to_owned()))
            }
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "TRANSFORM",
                    value: other.to_owned(),
                    allowed: "json, delimited or raw",
                })
            }
        };
        // DELIMITER is checked whatever the transform, so a typo shows before it is used.
        if let Some(d) = var("DELIMITER") {
            if d.is_empty() || d.contains('\n') {
                return Err(ConfigError::Invalid {
                    name: "DELIMITER",
                    value: d,
                    allowed: "a non-empty string without a newline",
                });
            }
        }

        let emitter = match get("EMITTER").as_deref() {
            None | Some("log") => EmitterKind::Log,
            Some("s3") => EmitterKind::S3 {
                bucket: get("OUTPUT_BUCKET").ok_or(ConfigError::Missing {
                    name: "OUTPUT_BUCKET",
                    reason: "EMITTER=s3 writes to this bucket",
                })?,
                prefix: var("OUTPUT_PREFIX").unwrap_or_default(),
            },
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "EMITTER",
                    value: other.to_owned(),
                    allowed: "log or s3",
                })
            }
        };

        let buffer_max_records = positive(
            "BUFFER_MAX_RECORDS",
            get("BUFFER_MAX_RECORDS"),
            DEFAULT_BUFFER_MAX_RECORDS,
            MAX_BUFFER_MAX_RECORDS,
            "an integer from 1 to 1000000",
        )?;
        let buffer_max_bytes = positive(
            "BUFFER_MAX_BYTES",
            get("BUFFER_MAX_BYTES"),
            DEFAULT_BUFFER_MAX_BYTES,
            MAX_BUFFER_MAX_BYTES,
            "an integer from 1 to 134217728",
        )?;

        Ok(Self {
            emitter,
            transform,
            buffer_max_records,
            buffer_max_bytes,
        })
    }
}

fn positive(
    name: &'static str,
    value: Option<String>,
    default: usize,
    max: usize,
    allowed: &'static str,
) -> Result<usize, ConfigError> {
    let Some(value) = value else {
        return Ok(default);
    };
    match value.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) && !value.starts_with('+') => Ok(n),
        _ => Err(ConfigError::Invalid {
            name,
            value,
            allowed,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        assert_eq!(cfg(&[]).unwrap(), Config::default());
        // The template's values are the defaults.
        let template = cfg(&[
            ("EMITTER", "log"),
            ("TRANSFORM", "json"),
            ("DELIMITER", "|"),
            ("BUFFER_MAX_RECORDS", "500"),
            ("BUFFER_MAX_BYTES", "1048576"),
        ]);
        assert_eq!(template.unwrap(), Config::default());
    }

    #[test]
    fn s3_and_delimited() {
        let c = cfg(&[
            ("EMITTER", "s3"),
            ("OUTPUT_BUCKET", "b"),
            ("OUTPUT_PREFIX", "out/"),
            ("TRANSFORM", "delimited"),
            ("DELIMITER", ","),
            ("BUFFER_MAX_RECORDS", "10"),
            ("BUFFER_MAX_BYTES", "2048"),
        ])
        .unwrap();
        assert_eq!(
            c,
            Config {
                emitter: EmitterKind::S3 {
                    bucket: "b".into(),
                    prefix: "out/".into()
                },
                transform: TransformKind::Delimited(",".into()),
                buffer_max_records: 10,
                buffer_max_bytes: 2048,
            }
        );
        assert_eq!(
            cfg(&[("TRANSFORM", "delimited")]).unwrap().transform,
            TransformKind::Delimited("|".into())
        );
    }

    #[test]
    fn bad_values_name_variable_value_and_allowed() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("EMITTER", "kafka")],
                "invalid EMITTER=\"kafka\": allowed log or s3",
            ),
            (
                &[("TRANSFORM", "xml")],
                "invalid TRANSFORM=\"xml\": allowed json, delimited or raw",
            ),
            (
                &[("DELIMITER", "")],
                "invalid DELIMITER=\"\": allowed a non-empty string without a newline",
            ),
            (
                &[("BUFFER_MAX_RECORDS", "0")],
                "invalid BUFFER_MAX_RECORDS=\"0\": allowed an integer from 1 to 1000000",
            ),
            (
                &[("BUFFER_MAX_RECORDS", "ten")],
                "invalid BUFFER_MAX_RECORDS=\"ten\": allowed an integer from 1 to 1000000",
            ),
            (
                &[("BUFFER_MAX_BYTES", "-1")],
                "invalid BUFFER_MAX_BYTES=\"-1\": allowed an integer from 1 to 134217728",
            ),
            (
                &[("BUFFER_MAX_BYTES", "+5")],
                "invalid BUFFER_MAX_BYTES=\"+5\": allowed an integer from 1 to 134217728",
            ),
            (
                &[("BUFFER_MAX_BYTES", "134217729")],
                "invalid BUFFER_MAX_BYTES=\"134217729\": allowed an integer from 1 to 134217728",
            ),
            (
                &[("EMITTER", "s3")],
                "missing OUTPUT_BUCKET: EMITTER=s3 writes to this bucket",
            ),
        ];
        for (vars, message) in cases {
            let err = cfg(vars).unwrap_err().to_string();
            assert_eq!(&err, message);
            assert!(!err.contains('\n'));
        }
    }
}
