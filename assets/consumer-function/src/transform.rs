//! Turning one user record's data into one output line, and the filter step after it.

use kpl_aggregation::DeaggregatedRecord;
use thiserror::Error;

use crate::config::TransformKind;

/// Why a record was rejected by the transform. Rejected records are counted and logged, never
/// retried: a poison record must not block its shard.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransformError {
    /// The data is not a JSON document.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// The data is not UTF-8 text.
    #[error("not UTF-8 text: {0}")]
    Utf8(String),
}

/// The transform step: data in, one line (without its newline) out.
#[derive(Debug, Clone)]
pub struct Transformer {
    kind: TransformKind,
}

impl Transformer {
    /// A transformer of the given kind.
    #[must_use]
    pub fn new(kind: TransformKind) -> Self {
        Self { kind }
    }

    /// File name extension that suits the output of this transform.
    #[must_use]
    pub fn extension(&self) -> &'static str {
        match self.kind {
            TransformKind::Json | TransformKind::Delimited(_) => "jsonl",
            TransformKind::Raw => "txt",
        }
    }

    /// Appends the output line for `data` to `out` (no newline).
    ///
    /// * JSON: validated, then written without insignificant whitespace (keys keep their
    ///   order, numbers their spelling), so each document is one line.
    /// * Delimited: UTF-8 text without its trailing line break, split on the delimiter,
    ///   written as a JSON array of strings.
    /// * Raw: the bytes unchanged.
    ///
    /// # Errors
    /// [`TransformError`] when the data does not have the expected form; `out` is then
    /// unchanged.
    pub fn apply(&self, data: &[u8], out: &mut Vec<u8>) -> Result<(), TransformError> {
        match &self.kind {
            TransformKind::Json => {
                serde_json::from_slice::<serde::de::IgnoredAny>(data)
                    .map_err(|e| TransformError::Json(e.to_string()))?;
                minify_json(data, out);
            }
            TransformKind::Delimited(delimiter) => {
                let text =
                    std::str::from_utf8(data).map_err(|e| TransformError::Utf8(e.to_string()))?;
                let line = text
                    .strip_suffix('\n')
                    .map_or(text, |l| l.strip_suffix('\r').unwrap_or(l));
                let fields: Vec<&str> = line.split(delimiter.as_str()).collect();
                // Serializing strings into a Vec cannot fail.
                if let Err(e) = serde_json::to_writer(&mut *out, &fields) {
                    return Err(TransformError::Utf8(e.to_string()));
                }
            }
            TransformKind::Raw => out.extend_from_slice(data),
        }
        Ok(())
    }
}

/// Copies valid JSON without whitespace outside strings.
fn minify_json(json: &[u8], out: &mut Vec<u8>) {
    out.reserve(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for &b in json {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            if b == b'"' {
                in_string = true;
            }
            out.push(b);
        }
    }
}

/// The filter step: whether a transformed record goes on to the buffer. Records dropped here
/// are neither rejected nor written.
pub trait Filter {
    /// Whether to keep `record`, whose output line is `line`.
    fn keep(&self, record: &DeaggregatedRecord, line: &[u8]) -> bool;
}

/// The default filter: keeps every record.
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAll;

impl Filter for AcceptAll {
    fn keep(&self, _record: &DeaggregatedRecord, _line: &[u8]) -> bool {
        true
    }
}

impl<F: Fn(&DeaggregatedRecord, &[u8]) -> bool> Filter for F {
    fn keep(&self, record: &DeaggregatedRecord, line: &[u8]) -> bool {
        self(record, line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: TransformKind, data: &[u8]) -> Result<String, TransformError> {
        let mut out = b"prefix:".to_vec();
        let r = Transformer::new(kind).apply(data, &mut out);
        match r {
            Ok(()) => Ok(String::from_utf8(out).unwrap()),
            Err(e) => {
                assert_eq!(out, b"prefix:", "output changed on error");
                Err(e)
            }
        }
    }

    #[test]
    fn json_is_validated_and_put_on_one_line() {
        let pretty = b"{\n  \"b\": 1.50,\n  \"a\": \"x y\\\" \\\\\",\n  \"c\": [1, 2]\n}\n";
        assert_eq!(
            run(TransformKind::Json, pretty).unwrap(),
            "prefix:{\"b\":1.50,\"a\":\"x y\\\" \\\\\",\"c\":[1,2]}"
        );
        assert_eq!(run(TransformKind::Json, b"42").unwrap(), "prefix:42");
        for bad in [&b"{"[..], b"", b"{\"a\":1} x", b"\xff"] {
            assert!(
                matches!(run(TransformKind::Json, bad), Err(TransformError::Json(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn delimited_lines_become_json_arrays() {
        let d = || TransformKind::Delimited("|".into());
        assert_eq!(
            run(d(), b"a|b||\"c\"\r\n").unwrap(),
            "prefix:[\"a\",\"b\",\"\",\"\\\"c\\\"\"]"
        );
        assert_eq!(run(d(), b"").unwrap(), "prefix:[\"\"]");
        assert_eq!(
            run(TransformKind::Delimited("::".into()), b"x::y\n").unwrap(),
            "prefix:[\"x\",\"y\"]"
        );
        assert!(matches!(run(d(), b"a|\xff"), Err(TransformError::Utf8(_))));
    }

    #[test]
    fn raw_is_unchanged() {
        assert_eq!(
            run(TransformKind::Raw, b"any thing").unwrap(),
            "prefix:any thing"
        );
    }

    #[test]
    fn extensions() {
        assert_eq!(Transformer::new(TransformKind::Json).extension(), "jsonl");
        assert_eq!(Transformer::new(TransformKind::Raw).extension(), "txt");
    }
}
