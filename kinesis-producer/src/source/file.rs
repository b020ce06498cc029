//! `file:PATH`: replays JSON lines or delimited lines, one record per non-empty line.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::rng::RandomKeys;
use super::time::parse_event_time;
use super::{key_from, Source, SourceConfig, SourceError, SourceRecord};

/// A field of a line: a top-level JSON field, or a 0-based column of a delimited line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FieldRef {
    Json(String),
    Column(usize),
}

fn field_ref(name: &str, delimited: bool, option: &str) -> Result<FieldRef, SourceError> {
    if !delimited {
        return Ok(FieldRef::Json(name.to_owned()));
    }
    match name.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(FieldRef::Column(n - 1)),
        _ => Err(SourceError::Config(format!(
            "{option} {name:?} is invalid for a delimited file: use a 1-based column number"
        ))),
    }
}

/// Reads records from a file.
#[derive(Debug)]
pub struct FileSource {
    path: String,
    reader: BufReader<File>,
    line_no: u64,
    delimiter: Option<String>,
    key: Option<FieldRef>,
    time: Option<FieldRef>,
    keys: RandomKeys,
}

impl FileSource {
    /// Opens `path`.
    ///
    /// # Errors
    /// [`SourceError::Open`] when it cannot be opened, [`SourceError::Config`] for a field that
    /// cannot name a column of a delimited file.
    pub fn open(path: &Path, config: &SourceConfig) -> Result<Self, SourceError> {
        let delimited = config.delimiter.is_some();
        let key = config
            .partition_key_field
            .as_deref()
            .map(|f| field_ref(f, delimited, "partition key field"))
            .transpose()?;
        let time = if config.need_event_time {
            Some(field_ref(&config.time_field, delimited, "time field")?)
        } else {
            None
        };
        let file = File::open(path).map_err(|e| SourceError::Open {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(SourceError::Open {
                path: path.display().to_string(),
                reason: "is a directory".into(),
            });
        }
        Ok(Self {
            path: path.display().to_string(),
            reader: BufReader::with_capacity(1 << 16, file),
            line_no: 0,
            delimiter: config.delimiter.clone(),
            key,
            time,
            keys: RandomKeys::new(config.seed),
        })
    }

    fn line_error(&self, reason: String) -> SourceError {
        SourceError::Line {
            path: self.path.clone(),
            line: self.line_no,
            reason,
        }
    }

    /// The text of `field` in `line`.
    fn field(
        &self,
        line: &[u8],
        json: Option<&serde_json::Map<String, serde_json::Value>>,
        field: &FieldRef,
    ) -> Result<String, SourceError> {
        match (field, json, &self.delimiter) {
            (FieldRef::Json(name), Some(obj), _) => match obj.get(name) {
                Some(serde_json::Value::String(s)) => Ok(s.clone()),
                Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                    Ok(v.to_string())
                }
                Some(other) => Err(self.line_error(format!(
                    "field {name:?} is {}, not a string, number or boolean",
                    kind(other)
                ))),
                None => Err(self.line_error(format!("field {name:?} is missing"))),
            },
            (FieldRef::Column(i), _, Some(d)) => {
                let text = std::str::from_utf8(line)
                    .map_err(|_| self.line_error("is not valid UTF-8".into()))?;
                text.split(d.as_str())
                    .nth(*i)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        self.line_error(format!(
                            "has no column {} (it has {})",
                            i + 1,
                            text.split(d.as_str()).count()
                        ))
                    })
            }
            _ => Err(self.line_error("field reference does not fit the format".into())),
        }
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
        _ => "a scalar",
    }
}

impl Source for FileSource {
    fn next_record(&mut self, _now_unix_ms: u64) -> Result<Option<SourceRecord>, SourceError> {
        loop {
            let mut line = Vec::new();
            let n = self
                .reader
                .read_until(b'\n', &mut line)
                .map_err(|e| SourceError::Read {
                    path: self.path.clone(),
                    reason: e.to_string(),
                })?;
            if n == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let json = if self.delimiter.is_none() && (self.key.is_some() || self.time.is_some()) {
                match serde_json::from_slice::<serde_json::Value>(&line) {
                    Ok(serde_json::Value::Object(obj)) => Some(obj),
                    Ok(other) => {
                        return Err(
                            self.line_error(format!("is {}, not a JSON object", kind(&other)))
                        )
                    }
                    Err(e) => return Err(self.line_error(format!("is not JSON: {e}"))),
                }
            } else {
                None
            };
            let partition_key = match &self.key {
                Some(f) => {
                    let text = self.field(&line, json.as_ref(), f)?;
                    key_from(&text)
                        .ok_or_else(|| self.line_error("has an empty partition key field".into()))?
                }
                None => self.keys.next_key(),
            };
            let event_time_ms = match &self.time {
                Some(f) => {
                    let text = self.field(&line, json.as_ref(), f)?;
                    Some(parse_event_time(&text).ok_or_else(|| {
                        self.line_error(format!(
                            "time {text:?} is not an ISO-8601 time or epoch seconds/milliseconds"
                        ))
                    })?)
                }
                None => None,
            };
            return Ok(Some(SourceRecord {
                data: line,
                partition_key,
                event_time_ms,
            }));
        }
    }
}
