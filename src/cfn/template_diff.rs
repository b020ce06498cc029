//! The property-level difference between a stack's deployed template and a new one: for each
//! resource added, removed or modified, the properties that change with their old and new values.
//! `Ref`s to parameters are resolved with each side's parameter values (so a parameter change
//! shows where it lands), and a NoEcho parameter's value is never shown (`****`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

/// The value shown for a NoEcho parameter.
pub const HIDDEN: &str = "****";

/// One template and the parameter values it is deployed with.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The template (JSON).
    pub template: &'a Value,
    /// Parameter values; a parameter missing here takes its template default.
    pub parameters: &'a BTreeMap<String, String>,
}

/// One property that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PropertyChange {
    /// The property's path, e.g. `ShardCount` or `StreamModeDetails.StreamMode`.
    pub path: String,
    /// The deployed value (compact JSON); `None` when the property is added.
    pub old: Option<String>,
    /// The new value (compact JSON); `None` when the property is removed.
    pub new: Option<String>,
    /// Whether the change replaces the resource (from the change set: `Always`, `Conditionally`),
    /// `None` when the change set does not say.
    pub replaces: Option<String>,
}

/// One resource that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceDiff {
    /// `Add`, `Modify` or `Remove`.
    pub action: String,
    /// Logical id.
    #[serde(rename = "logicalId")]
    pub logical_id: String,
    /// Resource type.
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    /// The change set's `Replacement` (True, False, Conditional) for a modified resource.
    pub replacement: String,
    /// The properties that change (empty for an added or removed resource).
    pub properties: Vec<PropertyChange>,
}

/// The resources that differ between `old` and `new`, in logical id order.
pub fn diff(old: Side, new: Side) -> Vec<ResourceDiff> {
    let hidden: BTreeSet<String> = [old.template, new.template]
        .iter()
        .flat_map(|t| parameters_of(t))
        .filter(|(_, p)| {
            p.get("NoEcho")
                .is_some_and(|v| v == &Value::Bool(true) || v.as_str() == Some("true"))
        })
        .map(|(k, _)| k.clone())
        .collect();
    let resources = |t: &Value| {
        t.get("Resources")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (before, after) = (resources(old.template), resources(new.template));
    let ids: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut out = Vec::new();
    for id in ids {
        let kind = |r: &Value| {
            r.get("Type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        match (before.get(id), after.get(id)) {
            (None, Some(r)) => out.push(resource(id, "Add", kind(r), vec![])),
            (Some(r), None) => out.push(resource(id, "Remove", kind(r), vec![])),
            (Some(b), Some(a)) => {
                let props = |r: &Value, side: Side| {
                    resolve(r.get("Properties").unwrap_or(&Value::Null), side, &hidden)
                };
                let mut changes = Vec::new();
                compare("", &props(b, old), &props(a, new), &mut changes);
                if kind(b) != kind(a) {
                    changes.insert(
                        0,
                        change(
                            "Type",
                            Some(&Value::from(kind(b))),
                            Some(&Value::from(kind(a))),
                        ),
                    );
                }
                if !changes.is_empty() {
                    out.push(resource(id, "Modify", kind(a), changes));
                }
            }
            (None, None) => {}
        }
    }
    out
}

fn resource(
    id: &str,
    action: &str,
    resource_type: String,
    properties: Vec<PropertyChange>,
) -> ResourceDiff {
    ResourceDiff {
        action: action.into(),
        logical_id: id.into(),
        resource_type,
        replacement: String::new(),
        properties,
    }
}

fn parameters_of(t: &Value) -> Vec<(&String, &Value)> {
    t.get("Parameters")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default()
}

/// `value` with every `{"Ref": PARAMETER}` replaced by the parameter's value on `side` (its
/// default when the side has none), [`HIDDEN`] for a NoEcho parameter.
fn resolve(value: &Value, side: Side, hidden: &BTreeSet<String>) -> Value {
    match value {
        Value::Object(m) => {
            if let (1, Some(Value::String(name))) = (m.len(), m.get("Ref")) {
                let declared = side.template.pointer(&format!("/Parameters/{name}"));
                if let Some(p) = declared {
                    if hidden.contains(name) {
                        return Value::from(HIDDEN);
                    }
                    let v = side
                        .parameters
                        .get(name)
                        .map(|v| Value::from(v.as_str()))
                        .or_else(|| p.get("Default").cloned());
                    if let Some(v) = v {
                        return v;
                    }
                }
            }
            Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), resolve(v, side, hidden)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| resolve(v, side, hidden)).collect()),
        other => other.clone(),
    }
}

fn change(path: &str, old: Option<&Value>, new: Option<&Value>) -> PropertyChange {
    PropertyChange {
        path: path.to_string(),
        old: old.map(Value::to_string),
        new: new.map(Value::to_string),
        replaces: None,
    }
}

/// Adds the changes between `old` and `new` under `path`: objects key by key, anything else
/// (arrays included) as a whole.
fn compare(path: &str, old: &Value, new: &Value, out: &mut Vec<PropertyChange>) {
    if old == new {
        return;
    }
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
            for k in keys {
                match (o.get(k), n.get(k)) {
                    (Some(a), Some(b)) => compare(&join(k), a, b, out),
                    (a, b) => out.push(change(&join(k), a, b)),
                }
            }
        }
        (Value::Null, n) => out.push(change(path, None, Some(n))),
        (o, Value::Null) => out.push(change(path, Some(o), None)),
        (o, n) => out.push(change(path, Some(o), Some(n))),
    }
}

/// Marks the properties the change set says replace the resource: `details` are the change
/// set's (property name, RequiresRecreation) of the resource; a property whose path starts with
/// a named property gets its RequiresRecreation unless it is `Never`.
pub fn mark_replacements(
    resource: &mut ResourceDiff,
    replacement: &str,
    details: &[(String, String)],
) {
    resource.replacement = replacement.to_string();
    for p in &mut resource.properties {
        let top = p.path.split('.').next().unwrap_or("");
        if let Some((_, how)) = details
            .iter()
            .find(|(name, how)| name == top && how != "Never")
        {
            p.replaces = Some(how.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: &[(&str, &str)]) -> BTreeMap<String, String> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn changed_properties_show_resolved_old_and_new_values_and_never_a_secret() {
        let old_t = json!({
            "Parameters": {"ShardCount": {"Type": "Number", "Default": 2}, "Key": {"Type": "String", "NoEcho": true}},
            "Resources": {
                "DataStream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": {"Ref": "ShardCount"}, "StreamModeDetails": {"StreamMode": "PROVISIONED"}, "Name": "s"}},
                "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {"SecretString": {"Ref": "Key"}}},
                "Old": {"Type": "AWS::SNS::Topic"}
            }
        });
        let new_t = json!({
            "Parameters": {"ShardCount": {"Type": "Number", "Default": 2}, "Key": {"Type": "String", "NoEcho": true}},
            "Resources": {
                "DataStream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": {"Ref": "ShardCount"}, "StreamModeDetails": {"StreamMode": "ON_DEMAND"}}},
                "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {"SecretString": {"Ref": "Key"}}},
                "New": {"Type": "AWS::SQS::Queue"}
            }
        });
        let (op, np) = (
            params(&[("ShardCount", "2"), ("Key", "hunter2")]),
            params(&[("ShardCount", "4"), ("Key", "swordfish")]),
        );
        let d = diff(
            Side {
                template: &old_t,
                parameters: &op,
            },
            Side {
                template: &new_t,
                parameters: &np,
            },
        );
        let summary: Vec<(&str, &str)> = d
            .iter()
            .map(|r| (r.action.as_str(), r.logical_id.as_str()))
            .collect();
        assert_eq!(
            summary,
            [("Modify", "DataStream"), ("Add", "New"), ("Remove", "Old")]
        );
        let props: Vec<(String, Option<String>, Option<String>)> = d[0]
            .properties
            .iter()
            .map(|p| (p.path.clone(), p.old.clone(), p.new.clone()))
            .collect();
        assert_eq!(
            props,
            [
                ("Name".to_string(), Some("\"s\"".to_string()), None),
                (
                    "ShardCount".to_string(),
                    Some("\"2\"".to_string()),
                    Some("\"4\"".to_string())
                ),
                (
                    "StreamModeDetails.StreamMode".to_string(),
                    Some("\"PROVISIONED\"".to_string()),
                    Some("\"ON_DEMAND\"".to_string())
                ),
            ]
        );
        let text = format!("{d:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("swordfish"),
            "a NoEcho value is shown: {text}"
        );
        let mut r = d[0].clone();
        mark_replacements(
            &mut r,
            "True",
            &[
                ("StreamModeDetails".into(), "Always".into()),
                ("ShardCount".into(), "Never".into()),
            ],
        );
        assert_eq!(r.properties[2].replaces.as_deref(), Some("Always"));
        assert_eq!(r.properties[1].replaces, None);
    }
}
