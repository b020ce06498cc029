//! Stack parameters and tags from `--param K=V`, `--tag K=V` and `--param-file FILE` (a plain
//! `{"Name": "value"}` object, the CodePipeline template configuration `{"Parameters": {...},
//! "Tags": {...}, "StackPolicy": {...}}`, or the CloudFormation CLI list `[{"ParameterKey",
//! "ParameterValue"}]`); what an UPDATE sends for each parameter ([`resolve`]) and which values
//! change ([`changes`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::cfn::change_set::ParameterValue;
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
    /// Stack policy body (JSON text), from the CodePipeline format's `StackPolicy`.
    pub stack_policy: Option<String>,
}

/// CloudFormation's limit for a stack policy body (SetStackPolicy, CreateStack).
pub const STACK_POLICY_LIMIT: usize = 16_384;

/// The CodePipeline format's `StackPolicy`: an object with a `Statement` list (the stack policy
/// document), sent as JSON text.
fn stack_policy(v: &Value, file: &Path) -> Result<String, UsageError> {
    let ok = v
        .as_object()
        .is_some_and(|m| m.get("Statement").is_some_and(Value::is_array));
    if !ok {
        return Err(UsageError(format!(
            "{}: `StackPolicy` must be a stack policy document, an object with a `Statement` list",
            file.display()
        )));
    }
    let text = v.to_string();
    if text.len() > STACK_POLICY_LIMIT {
        return Err(UsageError(format!(
            "{}: `StackPolicy` is {} bytes; allowed: at most {STACK_POLICY_LIMIT}",
            file.display(),
            text.len()
        )));
    }
    Ok(text)
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
            if let Some(p) = m.get("StackPolicy") {
                out.stack_policy = Some(stack_policy(p, path)?);
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

/// The value NoEcho parameters have in DescribeStacks, and how the plan shows any NoEcho value.
pub const MASK: &str = "****";

/// What a change set sends for each parameter of `template` (the rendered template):
/// `explicit` values (this run's `--param`/`--param-file`, plus what deploy fills in itself: the
/// asset bucket and prefix, the producer network) as values; on an UPDATE (`previous` is the
/// stack's current parameters) every other parameter the stack already has as
/// `UsePreviousValue`, except those in `reset`, which are left out so the template default
/// applies. A parameter the stack has and the new template no longer has is not sent (it is
/// dropped); one the stack does not have yet is not sent (its default applies).
pub fn resolve(
    explicit: &[(String, String)],
    previous: Option<&[(String, String)]>,
    template: &Value,
    reset: &BTreeSet<String>,
) -> Vec<(String, ParameterValue)> {
    let mut out: BTreeMap<String, ParameterValue> = explicit
        .iter()
        .map(|(k, v)| (k.clone(), ParameterValue::Value(v.clone())))
        .collect();
    if let Some(previous) = previous {
        let declared = template.get("Parameters").and_then(Value::as_object);
        for (name, _) in declared.into_iter().flatten() {
            if out.contains_key(name) || reset.contains(name) {
                continue;
            }
            if previous.iter().any(|(k, _)| k == name) {
                out.insert(name.clone(), ParameterValue::Previous);
            }
        }
    }
    out.into_iter().collect()
}

/// One parameter whose value an UPDATE changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ParamChange {
    /// Parameter name.
    pub name: String,
    /// The stack's value now; `None` for a parameter the stack does not have yet.
    pub old: Option<String>,
    /// The value after the update; `None` for a parameter the new template no longer has.
    pub new: Option<String>,
    /// Whether `new` is the template default (not sent: a new parameter, or `--reset-param`).
    pub default: bool,
}

/// The parameters whose value `resolved` changes on a stack whose parameters are `previous`;
/// NoEcho values (the template's `NoEcho`, or `****` in DescribeStacks) are shown as `****`, and
/// a NoEcho value that is sent again is listed, as it cannot be compared.
pub fn changes(
    resolved: &[(String, ParameterValue)],
    previous: &[(String, String)],
    template: &Value,
) -> Vec<ParamChange> {
    let declared = template.get("Parameters").and_then(Value::as_object);
    let no_echo = |name: &str| {
        declared
            .and_then(|d| d.get(name))
            .and_then(|p| p.get("NoEcho"))
            .is_some_and(|v| v == &Value::Bool(true) || v.as_str() == Some("true"))
    };
    let old_of = |name: &str| previous.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let mut out = Vec::new();
    for (name, spec) in declared.into_iter().flatten() {
        let old = old_of(name);
        let (new, default) = match resolved.iter().find(|(k, _)| k == name).map(|(_, v)| v) {
            Some(ParameterValue::Previous) => continue,
            Some(ParameterValue::Value(v)) => (v.clone(), false),
            None => match spec.get("Default") {
                Some(Value::String(d)) => (d.clone(), true),
                Some(d) => (d.to_string(), true),
                None => continue,
            },
        };
        let masked = no_echo(name) || old.is_some_and(|o| o == MASK);
        if masked {
            out.push(ParamChange {
                name: name.clone(),
                old: old.map(|_| MASK.to_string()),
                new: Some(MASK.to_string()),
                default,
            });
        } else if old != Some(&new) {
            out.push(ParamChange {
                name: name.clone(),
                old: old.cloned(),
                new: Some(new),
                default,
            });
        }
    }
    for (name, old) in previous {
        if declared.is_none_or(|d| !d.contains_key(name)) {
            out.push(ParamChange {
                name: name.clone(),
                old: Some(if old == MASK || no_echo(name) {
                    MASK.to_string()
                } else {
                    old.clone()
                }),
                new: None,
                default: false,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
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
    fn the_codepipeline_stack_policy_is_kept_not_dropped() {
        let (_d, p) = file(
            r#"{"Parameters": {}, "StackPolicy": {"Statement": [{"Effect": "Deny", "Action": "Update:Replace", "Principal": "*", "Resource": "LogicalResourceId/DataStream"}]}}"#,
        );
        let policy = read_file(&p).unwrap().stack_policy;
        let policy: Value = serde_json::from_str(
            policy
                .as_deref()
                .expect("defect 2: StackPolicy of the CodePipeline format was dropped"),
        )
        .unwrap();
        assert_eq!(policy["Statement"][0]["Action"], "Update:Replace");
        for bad in [
            r#"{"Parameters": {}, "StackPolicy": "x"}"#,
            r#"{"Parameters": {}, "StackPolicy": {"Effect": "Deny"}}"#,
        ] {
            let (_d, p) = file(bad);
            let e = read_file(&p).unwrap_err().0;
            assert!(e.contains("`StackPolicy` must be"), "{e}");
        }
    }

    fn template() -> Value {
        serde_json::json!({"Parameters": {
            "ShardCount": {"Type": "Number", "Default": "2"},
            "RetentionHours": {"Type": "Number", "Default": "24"},
            "AlarmEmail": {"Type": "String", "Default": ""},
            "Secret": {"Type": "String", "Default": "d", "NoEcho": true},
            "NewOne": {"Type": "String", "Default": "n"},
        }})
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_update_keeps_every_parameter_it_was_not_given() {
        let previous = pairs(&[
            ("ShardCount", "4"),
            ("RetentionHours", "168"),
            ("AlarmEmail", ""),
            ("Secret", "****"),
            ("Gone", "x"),
        ]);
        let explicit = pairs(&[("AlarmEmail", "ops@example.com")]);
        let reset = BTreeSet::from(["RetentionHours".to_string()]);
        let r = resolve(&explicit, Some(&previous), &template(), &reset);
        let v = |s: &str| ParameterValue::Value(s.into());
        assert_eq!(
            r,
            vec![
                ("AlarmEmail".to_string(), v("ops@example.com")),
                ("Secret".to_string(), ParameterValue::Previous),
                ("ShardCount".to_string(), ParameterValue::Previous),
            ],
            "defect 1: an update must send UsePreviousValue for what it was not given, \
             leave out reset and new parameters, and drop those the template no longer has"
        );
        // A CREATE sends only the values given.
        assert_eq!(
            resolve(&explicit, None, &template(), &reset),
            vec![("AlarmEmail".to_string(), v("ops@example.com"))]
        );
        let c = changes(&r, &previous, &template());
        let shown: Vec<(&str, Option<&str>, Option<&str>, bool)> = c
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.old.as_deref(),
                    c.new.as_deref(),
                    c.default,
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("AlarmEmail", Some(""), Some("ops@example.com"), false),
                ("Gone", Some("x"), None, false),
                ("NewOne", None, Some("n"), true),
                ("RetentionHours", Some("168"), Some("24"), true),
            ]
        );
        // A NoEcho value given again is listed, masked on both sides.
        let r = resolve(
            &pairs(&[("Secret", "hunter2")]),
            Some(&previous),
            &template(),
            &BTreeSet::new(),
        );
        let c = changes(&r, &previous, &template());
        let secret = c.iter().find(|c| c.name == "Secret").unwrap();
        assert_eq!(
            (secret.old.as_deref(), secret.new.as_deref()),
            (Some("****"), Some("****"))
        );
        assert!(!format!("{c:?}").contains("hunter2"));
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
