//! Stack parameters and tags from `--param K=V`, `--tag K=V` and `--param-file FILE` (a plain
//! `{"Name": "value"}` object, the CodePipeline template configuration `{"Parameters": {...},
//! "Tags": {...}}`, or the CloudFormation CLI list `[{"ParameterKey", "ParameterValue"}]`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::UsageError;

/// Parameters and tags, in name order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackInputs {
    /// Parameter values.
    pub parameters: BTreeMap<String, String>,
    /// Stack tags.
    pub tags: BTreeMap<String, String>,
}

fn scalar(v: &Value, what: &str, file: &Path) -> Result<String, UsageError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(UsageError(format!(
            "{}: {what} must be a string, number or boolean",
            file.display()
        ))),
    }
}

fn object(v: &Value, what: &str, file: &Path) -> Result<BTreeMap<String, String>, UsageError> {
    let m = v.as_object().ok_or_else(|| {
        UsageError(format!(
            "{}: `{what}` must be an object of names to values",
            file.display()
        ))
    })?;
    m.iter()
        .map(|(k, v)| Ok((k.clone(), scalar(v, &format!("`{k}`"), file)?)))
        .collect()
}

/// Reads a parameter file.
pub fn read_file(path: &Path) -> Result<StackInputs, UsageError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        UsageError(format!(
            "cannot read parameter file `{}`: {e}",
            path.display()
        ))
    })?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        UsageError(format!(
            "parameter file `{}` is not JSON ({e}); allowed: {{\"Name\": \"value\"}}, {{\"Parameters\": {{...}}, \"Tags\": {{...}}}} or [{{\"ParameterKey\": ..., \"ParameterValue\": ...}}]",
            path.display()
        ))
    })?;
    let mut out = StackInputs::default();
    match &v {
        Value::Array(items) => {
            for item in items {
                let key = item
                    .get("ParameterKey")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        UsageError(format!(
                            "{}: every list item needs ParameterKey and ParameterValue",
                            path.display()
                        ))
                    })?;
                let value = item.get("ParameterValue").ok_or_else(|| {
                    UsageError(format!("{}: `{key}` has no ParameterValue", path.display()))
                })?;
                out.parameters
                    .insert(key.to_string(), scalar(value, &format!("`{key}`"), path)?);
            }
        }
        Value::Object(m) if m.contains_key("Parameters") || m.contains_key("Tags") => {
            for k in m.keys() {
                if !["Parameters", "Tags", "StackPolicy"].contains(&k.as_str()) {
                    return Err(UsageError(format!(
                        "{}: unknown key `{k}`; allowed: Parameters, Tags, StackPolicy",
                        path.display()
                    )));
                }
            }
            if let Some(p) = m.get("Parameters") {
                out.parameters = object(p, "Parameters", path)?;
            }
            if let Some(t) = m.get("Tags") {
                out.tags = object(t, "Tags", path)?;
            }
        }
        Value::Object(_) => out.parameters = object(&v, "the file", path)?,
        _ => {
            return Err(UsageError(format!(
                "{}: expected a JSON object or list",
                path.display()
            )))
        }
    }
    Ok(out)
}

/// Parses `K=V` (for `--tag`).
pub fn parse_pair(arg: &str, flag: &str) -> Result<(String, String), UsageError> {
    match arg.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(UsageError(format!("`{flag} {arg}` is not KEY=VALUE"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("params.json");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    #[test]
    fn three_formats_are_read() {
        let (_d, p) = file(r#"{"ShardCount": 4, "StreamMode": "ON_DEMAND"}"#);
        assert_eq!(read_file(&p).unwrap().parameters["ShardCount"], "4");
        let (_d, p) = file(r#"{"Parameters": {"ShardCount": "3"}, "Tags": {"team": "data"}}"#);
        let i = read_file(&p).unwrap();
        assert_eq!(
            (i.parameters["ShardCount"].as_str(), i.tags["team"].as_str()),
            ("3", "data")
        );
        let (_d, p) = file(r#"[{"ParameterKey": "BatchSize", "ParameterValue": "50"}]"#);
        assert_eq!(read_file(&p).unwrap().parameters["BatchSize"], "50");
    }

    #[test]
    fn bad_files_are_one_line_errors() {
        for text in [
            "not json",
            r#"{"Parameters": [1]}"#,
            r#"[{"ParameterValue": "x"}]"#,
            r#"{"Parameters": {}, "Extra": 1}"#,
            r#"{"A": {"b": 1}}"#,
            "3",
        ] {
            let (_d, p) = file(text);
            let e = read_file(&p).unwrap_err().0;
            assert_eq!(e.lines().count(), 1, "{e}");
        }
        assert!(read_file(Path::new("/nonexistent/p.json")).is_err());
    }
}
