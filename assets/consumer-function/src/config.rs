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
        /// `COMPRESSION` (`none` | `gzip`, default `none`).
        compression: Compression,
    },
    /// One DynamoDB item per record (`BatchWriteItem`).
    DynamoDb(DynamoDbSettings),
    /// One OpenSearch document per record (`_bulk`).
    OpenSearch(OpenSearchSettings),
}

/// How S3 objects are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Stored as written.
    None,
    /// gzip (`.gz`, `Content-Type: application/gzip`).
    Gzip,
}

/// The DynamoDB type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// A string (`S`).
    S,
    /// A number (`N`).
    N,
}

/// A key attribute of the table: the record field it comes from and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyField {
    /// Field (and attribute) name.
    pub name: String,
    /// Attribute type, as in the table's key schema.
    pub kind: KeyType,
}

/// `EMITTER=dynamodb` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoDbSettings {
    /// `DYNAMODB_TABLE`.
    pub table: String,
    /// `DYNAMODB_PARTITION_KEY` and `DYNAMODB_PARTITION_KEY_TYPE` (`S` | `N`, default `S`).
    pub partition_key: KeyField,
    /// `DYNAMODB_SORT_KEY` and `DYNAMODB_SORT_KEY_TYPE`, when the table has a sort key.
    pub sort_key: Option<KeyField>,
    /// `EMIT_MAX_ATTEMPTS`: attempts per request before its records are reported failed.
    pub max_attempts: u32,
}

/// Where each document's index comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexFrom {
    /// `OPENSEARCH_INDEX`: every document goes to this index.
    Fixed(String),
    /// `OPENSEARCH_INDEX_FIELD`: the index is the value of this (string) field.
    Field(String),
}

/// `EMITTER=opensearch` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSearchSettings {
    /// `OPENSEARCH_ENDPOINT`: `https://host[:port]` (`http://` only for a loopback host),
    /// without a trailing slash.
    pub endpoint: String,
    /// `OPENSEARCH_INDEX` or `OPENSEARCH_INDEX_FIELD` (exactly one).
    pub index: IndexFrom,
    /// `OPENSEARCH_ID_FIELD`: the document id, so a retried record rewrites its document.
    pub id_field: String,
    /// `EMIT_MAX_ATTEMPTS`: attempts per request before its records are reported failed.
    pub max_attempts: u32,
}

/// Default of `EMIT_MAX_ATTEMPTS`.
pub const DEFAULT_EMIT_MAX_ATTEMPTS: u32 = 6;

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
    /// `EMITTER` (`log` | `s3` | `dynamodb` | `opensearch`, default `log`) with the chosen
    /// emitter's own settings.
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
                compression: match get("COMPRESSION").as_deref() {
                    None | Some("none") => Compression::None,
                    Some("gzip") => Compression::Gzip,
                    Some(other) => {
                        return Err(ConfigError::Invalid {
                            name: "COMPRESSION",
                            value: other.to_owned(),
                            allowed: "none or gzip",
                        })
                    }
                },
            },
            Some(kind @ ("dynamodb" | "opensearch")) => {
                if transform != TransformKind::Json {
                    return Err(ConfigError::Invalid {
                        name: "TRANSFORM",
                        value: get("TRANSFORM").unwrap_or_default(),
                        allowed: "json with EMITTER=dynamodb or opensearch (each record is a JSON object)",
                    });
                }
                let max_attempts = u32::try_from(positive(
                    "EMIT_MAX_ATTEMPTS",
                    get("EMIT_MAX_ATTEMPTS"),
                    DEFAULT_EMIT_MAX_ATTEMPTS as usize,
                    20,
                    "an integer from 1 to 20",
                )?)
                .unwrap_or(DEFAULT_EMIT_MAX_ATTEMPTS);
                if kind == "dynamodb" {
                    EmitterKind::DynamoDb(dynamodb(&get, max_attempts)?)
                } else {
                    EmitterKind::OpenSearch(opensearch(&get, max_attempts)?)
                }
            }
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "EMITTER",
                    value: other.to_owned(),
                    allowed: "log, s3, dynamodb or opensearch",
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

fn dynamodb(
    get: &impl Fn(&str) -> Option<String>,
    max_attempts: u32,
) -> Result<DynamoDbSettings, ConfigError> {
    let key_type = |name: &'static str| match get(name).as_deref() {
        None | Some("S") => Ok(KeyType::S),
        Some("N") => Ok(KeyType::N),
        Some(other) => Err(ConfigError::Invalid {
            name,
            value: other.to_owned(),
            allowed: "S or N",
        }),
    };
    let table = get("DYNAMODB_TABLE").ok_or(ConfigError::Missing {
        name: "DYNAMODB_TABLE",
        reason: "EMITTER=dynamodb writes to this table",
    })?;
    let partition_key = KeyField {
        name: get("DYNAMODB_PARTITION_KEY").ok_or(ConfigError::Missing {
            name: "DYNAMODB_PARTITION_KEY",
            reason: "EMITTER=dynamodb takes each item's partition key from this field",
        })?,
        kind: key_type("DYNAMODB_PARTITION_KEY_TYPE")?,
    };
    let sort_key = match get("DYNAMODB_SORT_KEY") {
        Some(name) if name == partition_key.name => {
            return Err(ConfigError::Invalid {
                name: "DYNAMODB_SORT_KEY",
                value: name,
                allowed: "a field other than DYNAMODB_PARTITION_KEY, or empty for none",
            })
        }
        Some(name) => Some(KeyField {
            name,
            kind: key_type("DYNAMODB_SORT_KEY_TYPE")?,
        }),
        None => {
            key_type("DYNAMODB_SORT_KEY_TYPE")?;
            None
        }
    };
    Ok(DynamoDbSettings {
        table,
        partition_key,
        sort_key,
        max_attempts,
    })
}

fn opensearch(
    get: &impl Fn(&str) -> Option<String>,
    max_attempts: u32,
) -> Result<OpenSearchSettings, ConfigError> {
    let raw = get("OPENSEARCH_ENDPOINT").ok_or(ConfigError::Missing {
        name: "OPENSEARCH_ENDPOINT",
        reason: "EMITTER=opensearch sends documents to this domain endpoint",
    })?;
    let endpoint = raw.trim_end_matches('/').to_owned();
    let bad_endpoint = || ConfigError::Invalid {
        name: "OPENSEARCH_ENDPOINT",
        value: raw.clone(),
        allowed:
            "https://HOST[:PORT] (the domain endpoint; http:// only for 127.0.0.1 or localhost)",
    };
    let host = if let Some(rest) = endpoint.strip_prefix("https://") {
        rest
    } else if let Some(rest) = endpoint.strip_prefix("http://") {
        let host = rest.rsplit_once(':').map_or(rest, |(h, _)| h);
        if host != "127.0.0.1" && host != "localhost" {
            return Err(bad_endpoint());
        }
        rest
    } else {
        return Err(bad_endpoint());
    };
    let (name, port) = host.rsplit_once(':').unwrap_or((host, "443"));
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        || port.parse::<u16>().is_err()
    {
        return Err(bad_endpoint());
    }
    let index = match (get("OPENSEARCH_INDEX"), get("OPENSEARCH_INDEX_FIELD")) {
        (Some(index), None) => {
            if let Err(allowed) = check_index_name(&index) {
                return Err(ConfigError::Invalid {
                    name: "OPENSEARCH_INDEX",
                    value: index,
                    allowed,
                });
            }
            IndexFrom::Fixed(index)
        }
        (None, Some(field)) => IndexFrom::Field(field),
        (Some(_), Some(field)) => {
            return Err(ConfigError::Invalid {
                name: "OPENSEARCH_INDEX_FIELD",
                value: field,
                allowed: "empty when OPENSEARCH_INDEX is set (one of the two)",
            })
        }
        (None, None) => {
            return Err(ConfigError::Missing {
                name: "OPENSEARCH_INDEX",
                reason: "EMITTER=opensearch needs OPENSEARCH_INDEX or OPENSEARCH_INDEX_FIELD",
            })
        }
    };
    let id_field = get("OPENSEARCH_ID_FIELD").ok_or(ConfigError::Missing {
        name: "OPENSEARCH_ID_FIELD",
        reason:
            "EMITTER=opensearch takes each document's id from this field, so a retry rewrites it",
    })?;
    Ok(OpenSearchSettings {
        endpoint,
        index,
        id_field,
        max_attempts,
    })
}

/// Whether `name` is a valid OpenSearch index name: lower case, 1 to 255 bytes, none of
/// `\ / * ? " < > | , #`, space or `:`, not starting with `-`, `_` or `+`, not `.` or `..`.
///
/// # Errors
/// What is allowed, for the error message.
pub fn check_index_name(name: &str) -> Result<(), &'static str> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name.starts_with(['-', '_', '+'])
        && !name.chars().any(|c| {
            c.is_uppercase()
                || c.is_control()
                || matches!(
                    c,
                    '\\' | '/' | '*' | '?' | '"' | '<' | '>' | '|' | ',' | '#' | ' ' | ':'
                )
        });
    if ok {
        Ok(())
    } else {
        Err("a lower-case index name of 1 to 255 bytes without \\ / * ? \" < > | , # : or spaces, not starting with - _ +")
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
                    prefix: "out/".into(),
                    compression: Compression::None,
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
    fn dynamodb_and_opensearch_settings() {
        let c = cfg(&[
            ("EMITTER", "dynamodb"),
            ("DYNAMODB_TABLE", "items"),
            ("DYNAMODB_PARTITION_KEY", "TICKER"),
            ("DYNAMODB_SORT_KEY", "EVENT_TIME"),
            ("DYNAMODB_SORT_KEY_TYPE", "S"),
            ("EMIT_MAX_ATTEMPTS", "3"),
        ])
        .unwrap();
        assert_eq!(
            c.emitter,
            EmitterKind::DynamoDb(DynamoDbSettings {
                table: "items".into(),
                partition_key: KeyField {
                    name: "TICKER".into(),
                    kind: KeyType::S
                },
                sort_key: Some(KeyField {
                    name: "EVENT_TIME".into(),
                    kind: KeyType::S
                }),
                max_attempts: 3,
            })
        );
        // The template passes an empty sort key when the table has none.
        let c = cfg(&[
            ("EMITTER", "dynamodb"),
            ("DYNAMODB_TABLE", "items"),
            ("DYNAMODB_PARTITION_KEY", "n"),
            ("DYNAMODB_PARTITION_KEY_TYPE", "N"),
            ("DYNAMODB_SORT_KEY", ""),
        ])
        .unwrap();
        let EmitterKind::DynamoDb(d) = c.emitter else {
            panic!("dynamodb")
        };
        assert_eq!(
            (d.partition_key.kind, d.sort_key, d.max_attempts),
            (KeyType::N, None, 6)
        );

        let c = cfg(&[
            ("EMITTER", "opensearch"),
            (
                "OPENSEARCH_ENDPOINT",
                "https://search-x.eu-west-1.es.amazonaws.com/",
            ),
            ("OPENSEARCH_INDEX_FIELD", "kind"),
            ("OPENSEARCH_ID_FIELD", "trip_id"),
        ])
        .unwrap();
        assert_eq!(
            c.emitter,
            EmitterKind::OpenSearch(OpenSearchSettings {
                endpoint: "https://search-x.eu-west-1.es.amazonaws.com".into(),
                index: IndexFrom::Field("kind".into()),
                id_field: "trip_id".into(),
                max_attempts: 6,
            })
        );
        let local = cfg(&[
            ("EMITTER", "opensearch"),
            ("OPENSEARCH_ENDPOINT", "http://127.0.0.1:9200"),
            ("OPENSEARCH_INDEX", "trips"),
            ("OPENSEARCH_ID_FIELD", "id"),
        ]);
        assert!(local.is_ok(), "{local:?}");
        let gzip = cfg(&[
            ("EMITTER", "s3"),
            ("OUTPUT_BUCKET", "b"),
            ("COMPRESSION", "gzip"),
        ]);
        assert!(matches!(
            gzip.unwrap().emitter,
            EmitterKind::S3 {
                compression: Compression::Gzip,
                ..
            }
        ));
    }

    #[test]
    fn bad_values_name_variable_value_and_allowed() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("EMITTER", "kafka")],
                "invalid EMITTER=\"kafka\": allowed log, s3, dynamodb or opensearch",
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
            (
                &[("EMITTER", "s3"), ("OUTPUT_BUCKET", "b"), ("COMPRESSION", "zstd")],
                "invalid COMPRESSION=\"zstd\": allowed none or gzip",
            ),
            (
                &[("EMITTER", "dynamodb"), ("DYNAMODB_PARTITION_KEY", "id")],
                "missing DYNAMODB_TABLE: EMITTER=dynamodb writes to this table",
            ),
            (
                &[("EMITTER", "dynamodb"), ("DYNAMODB_TABLE", "t")],
                "missing DYNAMODB_PARTITION_KEY: EMITTER=dynamodb takes each item's partition key from this field",
            ),
            (
                &[
                    ("EMITTER", "dynamodb"),
                    ("DYNAMODB_TABLE", "t"),
                    ("DYNAMODB_PARTITION_KEY", "id"),
                    ("DYNAMODB_PARTITION_KEY_TYPE", "B"),
                ],
                "invalid DYNAMODB_PARTITION_KEY_TYPE=\"B\": allowed S or N",
            ),
            (
                &[
                    ("EMITTER", "dynamodb"),
                    ("DYNAMODB_TABLE", "t"),
                    ("DYNAMODB_PARTITION_KEY", "id"),
                    ("DYNAMODB_SORT_KEY", "id"),
                ],
                "invalid DYNAMODB_SORT_KEY=\"id\": allowed a field other than DYNAMODB_PARTITION_KEY, or empty for none",
            ),
            (
                &[
                    ("EMITTER", "dynamodb"),
                    ("TRANSFORM", "delimited"),
                    ("DYNAMODB_TABLE", "t"),
                    ("DYNAMODB_PARTITION_KEY", "id"),
                ],
                "invalid TRANSFORM=\"delimited\": allowed json with EMITTER=dynamodb or opensearch (each record is a JSON object)",
            ),
            (
                &[
                    ("EMITTER", "dynamodb"),
                    ("DYNAMODB_TABLE", "t"),
                    ("DYNAMODB_PARTITION_KEY", "id"),
                    ("EMIT_MAX_ATTEMPTS", "21"),
                ],
                "invalid EMIT_MAX_ATTEMPTS=\"21\": allowed an integer from 1 to 20",
            ),
            (
                &[("EMITTER", "opensearch"), ("OPENSEARCH_INDEX", "i"), ("OPENSEARCH_ID_FIELD", "id")],
                "missing OPENSEARCH_ENDPOINT: EMITTER=opensearch sends documents to this domain endpoint",
            ),
            (
                &[
                    ("EMITTER", "opensearch"),
                    ("OPENSEARCH_ENDPOINT", "http://search-x.es.amazonaws.com"),
                    ("OPENSEARCH_INDEX", "i"),
                    ("OPENSEARCH_ID_FIELD", "id"),
                ],
                "invalid OPENSEARCH_ENDPOINT=\"http://search-x.es.amazonaws.com\": allowed https://HOST[:PORT] (the domain endpoint; http:// only for 127.0.0.1 or localhost)",
            ),
            (
                &[
                    ("EMITTER", "opensearch"),
                    ("OPENSEARCH_ENDPOINT", "https://search-x.es.amazonaws.com/path"),
                    ("OPENSEARCH_INDEX", "i"),
                    ("OPENSEARCH_ID_FIELD", "id"),
                ],
                "invalid OPENSEARCH_ENDPOINT=\"https://search-x.es.amazonaws.com/path\": allowed https://HOST[:PORT] (the domain endpoint; http:// only for 127.0.0.1 or localhost)",
            ),
            (
                &[
                    ("EMITTER", "opensearch"),
                    ("OPENSEARCH_ENDPOINT", "https://search-x.es.amazonaws.com"),
                    ("OPENSEARCH_ID_FIELD", "id"),
                ],
                "missing OPENSEARCH_INDEX: EMITTER=opensearch needs OPENSEARCH_INDEX or OPENSEARCH_INDEX_FIELD",
            ),
            (
                &[
                    ("EMITTER", "opensearch"),
                    ("OPENSEARCH_ENDPOINT", "https://search-x.es.amazonaws.com"),
                    ("OPENSEARCH_INDEX", "Trips"),
                    ("OPENSEARCH_ID_FIELD", "id"),
                ],
                "invalid OPENSEARCH_INDEX=\"Trips\": allowed a lower-case index name of 1 to 255 bytes without \\ / * ? \" < > | , # : or spaces, not starting with - _ +",
            ),
            (
                &[
                    ("EMITTER", "opensearch"),
                    ("OPENSEARCH_ENDPOINT", "https://search-x.es.amazonaws.com"),
                    ("OPENSEARCH_INDEX", "trips"),
                    ("OPENSEARCH_INDEX_FIELD", "kind"),
                    ("OPENSEARCH_ID_FIELD", "id"),
                ],
                "invalid OPENSEARCH_INDEX_FIELD=\"kind\": allowed empty when OPENSEARCH_INDEX is set (one of the two)",
            ),
            (
                &[
                    ("EMITTER", "opensearch"),
                    ("OPENSEARCH_ENDPOINT", "https://search-x.es.amazonaws.com"),
                    ("OPENSEARCH_INDEX", "trips"),
                ],
                "missing OPENSEARCH_ID_FIELD: EMITTER=opensearch takes each document's id from this field, so a retry rewrites it",
            ),
        ];
        for (vars, message) in cases {
            let err = cfg(vars).unwrap_err().to_string();
            assert_eq!(&err, message);
            assert!(!err.contains('\n'));
        }
    }
}
