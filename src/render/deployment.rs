//! API Gateway deployments are snapshots. An `AWS::ApiGateway::Deployment` is created once and
//! never changes when the methods, models or integrations of its API change, so with a fixed
//! logical id an update leaves the stage serving the old API. Each deployment's logical id is
//! therefore suffixed with a hash of the rendered resources it snapshots: a changed API gives a
//! new id (CloudFormation creates a new deployment, points the stage at it and deletes the old
//! one), an unchanged API keeps its id (no redeployment).

use std::collections::BTreeSet;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Resource types that belong to a REST API's snapshot, next to the `AWS::ApiGateway::RestApi`
/// itself and the deployment's own properties. Stages are not part of it (they point at the
/// deployment).
const SNAPSHOT_TYPES: [&str; 6] = [
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Model",
    "AWS::ApiGateway::RequestValidator",
    "AWS::ApiGateway::Resource",
];

/// Hex digits of the hash appended to a deployment's logical id.
pub const SUFFIX_LEN: usize = 10;

/// Renames every `AWS::ApiGateway::Deployment` of `template` to its logical id followed by
/// [`SUFFIX_LEN`] hex digits of the SHA-256 of the resources it snapshots (see the module docs),
/// and rewrites every reference to it (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn`).
pub fn suffix_deployment_ids(template: &mut Value) {
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return;
    };
    let renames: Vec<(String, String)> = resources
        .iter()
        .filter(|(_, r)| {
            r.get("Type").and_then(Value::as_str) == Some("AWS::ApiGateway::Deployment")
        })
        .map(|(id, r)| {
            (
                id.clone(),
                format!("{id}{}", &snapshot_hash(id, r, resources)[..SUFFIX_LEN]),
            )
        })
        .collect();
    for (old, new) in renames {
        if let Some(Value::Object(resources)) = template.get_mut("Resources") {
            // Same place in the template, new name.
            *resources = std::mem::take(resources)
                .into_iter()
                .map(|(k, r)| if k == old { (new.clone(), r) } else { (k, r) })
                .collect();
        }
        rename_references(template, &old, &new);
    }
}

/// SHA-256 (hex) over the deployment and everything it snapshots, each as `id` + canonical JSON
/// (sorted keys), in logical id order.
fn snapshot_hash(id: &str, deployment: &Value, resources: &Map<String, Value>) -> String {
    let api = deployment.pointer("/Properties/RestApiId").cloned();
    let api_name = api
        .as_ref()
        .and_then(|a| a.get("Ref"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let depends_on: BTreeSet<&str> = match deployment.get("DependsOn") {
        Some(Value::String(s)) => [s.as_str()].into(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => BTreeSet::new(),
    };
    let mut members: BTreeSet<&str> = BTreeSet::from([id]);
    for (rid, r) in resources {
        let kind = r.get("Type").and_then(Value::as_str).unwrap_or("");
        let same_api = api.is_some() && r.pointer("/Properties/RestApiId") == api.as_ref();
        if (same_api && SNAPSHOT_TYPES.contains(&kind))
            || api_name.as_deref() == Some(rid.as_str())
            || (depends_on.contains(rid.as_str()) && kind != "AWS::ApiGateway::Stage")
        {
            members.insert(rid.as_str());
        }
    }
    let mut hasher = Sha256::new();
    for m in members {
        if let Some(r) = resources.get(m) {
            hasher.update(m.as_bytes());
            hasher.update(b"\n");
            hasher.update(canonical(r).as_bytes());
            hasher.update(b"\n");
        }
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// JSON text with every object's keys sorted, so the hash does not depend on key order.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&m[k])))
                .collect();
            format!("{{{}}}", items.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        scalar => scalar.to_string(),
    }
}

fn rename_references(v: &mut Value, old: &str, new: &str) {
    match v {
        Value::Object(m) => {
            if m.len() == 1 {
                if let Some(Value::String(target)) = m.get_mut("Ref") {
                    if target == old {
                        *target = new.to_string();
                    }
                }
                match m.get_mut("Fn::GetAtt") {
                    Some(Value::Array(a)) => {
                        if let Some(Value::String(target)) = a.first_mut() {
                            if target == old {
                                *target = new.to_string();
                            }
                        }
                    }
                    Some(Value::String(s)) => {
                        if let Some(attr) = s.strip_prefix(old).and_then(|r| r.strip_prefix('.')) {
                            *s = format!("{new}.{attr}");
                        }
                    }
                    _ => {}
                }
                let sub = match m.get_mut("Fn::Sub") {
                    Some(Value::String(s)) => Some(s),
                    Some(Value::Array(a)) => match a.first_mut() {
                        Some(Value::String(s)) => Some(s),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(s) = sub {
                    *s = s
                        .replace(&format!("${{{old}}}"), &format!("${{{new}}}"))
                        .replace(&format!("${{{old}."), &format!("${{{new}."));
                }
            }
            match m.get_mut("DependsOn") {
                Some(Value::String(s)) if s == old => *s = new.to_string(),
                Some(Value::Array(a)) => {
                    for d in a.iter_mut() {
                        if d.as_str() == Some(old) {
                            *d = Value::String(new.to_string());
                        }
                    }
                }
                _ => {}
            }
            m.values_mut().for_each(|c| rename_references(c, old, new));
        }
        Value::Array(a) => a.iter_mut().for_each(|c| rename_references(c, old, new)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(max_length: u64) -> Value {
        json!({"Resources": {
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "a"}},
            "Model": {"Type": "AWS::ApiGateway::Model", "Properties": {"RestApiId": {"Ref": "Api"}, "Schema": {"maxLength": max_length, "type": "string"}}},
            "Method": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"}, "HttpMethod": "POST"}},
            "Other": {"Type": "AWS::ApiGateway::Model", "Properties": {"RestApiId": {"Ref": "OtherApi"}}},
            "Deployment": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": ["Method"], "Properties": {"RestApiId": {"Ref": "Api"}}},
            "Stage": {"Type": "AWS::ApiGateway::Stage", "DependsOn": "Deployment", "Properties": {
                "DeploymentId": {"Ref": "Deployment"}, "A": {"Fn::GetAtt": ["Deployment", "X"]},
                "B": {"Fn::GetAtt": "Deployment.X"}, "C": {"Fn::Sub": "${Deployment}-${Deployment.X}-${DeploymentY}"}}}
        }})
    }

    fn deployment_id(t: &Value) -> String {
        let ids: Vec<&String> = t["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with("Deployment"))
            .collect();
        assert_eq!(ids.len(), 1, "{ids:?}");
        ids[0].clone()
    }

    #[test]
    fn every_reference_follows_the_new_id() {
        let mut t = template(256);
        suffix_deployment_ids(&mut t);
        let id = deployment_id(&t);
        assert_eq!(id.len(), "Deployment".len() + SUFFIX_LEN);
        let stage = &t["Resources"]["Stage"];
        assert_eq!(stage["DependsOn"], json!(id));
        let p = &stage["Properties"];
        assert_eq!(p["DeploymentId"], json!({"Ref": id}));
        assert_eq!(p["A"], json!({"Fn::GetAtt": [id, "X"]}));
        assert_eq!(p["B"], json!({"Fn::GetAtt": format!("{id}.X")}));
        assert_eq!(
            p["C"],
            json!({"Fn::Sub": format!("${{{id}}}-${{{id}.X}}-${{DeploymentY}}")})
        );
    }

    #[test]
    fn the_id_changes_with_the_api_and_only_with_it() {
        let id = |t: Value| {
            let mut t = t;
            suffix_deployment_ids(&mut t);
            deployment_id(&t)
        };
        let base = id(template(256));
        assert_eq!(base, id(template(256)));
        assert_ne!(base, id(template(255)), "a model change must redeploy");
        // Key order does not matter.
        let mut reordered = template(256);
        let schema = reordered
            .pointer_mut("/Resources/Model/Properties/Schema")
            .unwrap();
        *schema = serde_json::from_str(r#"{"type": "string", "maxLength": 256}"#).unwrap();
        assert_eq!(base, id(reordered));
        // Neither does a resource of another API, nor the stage.
        let mut t = template(256);
        t["Resources"]["Other"]["Properties"]["Schema"] = json!({"x": 1});
        t["Resources"]["Stage"]["Properties"]["Extra"] = json!(1);
        assert_eq!(base, id(t));
        let mut t = template(256);
        t["Resources"]["Method"]["Properties"]["HttpMethod"] = json!("PUT");
        assert_ne!(base, id(t), "a method change must redeploy");
    }
}
