//! Checks a rendered template before it is written: every `Ref`, `Fn::GetAtt`, `Fn::Sub`,
//! `Fn::If`, `Condition` and `DependsOn` target exists; every parameter and condition is used;
//! no custom resources; IAM Allow statements never use `*` in actions, and use `*` resources only
//! with a written justification in the resource's Metadata (`StarResourceJustification`,
//! keyed by statement Sid), or in KMS key policies, which only accept `*`.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

const PSEUDO: [&str; 8] = [
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

struct Names<'a> {
    params: BTreeSet<&'a str>,
    resources: BTreeSet<&'a str>,
    conditions: BTreeSet<&'a str>,
}

#[derive(Default)]
struct Uses {
    params: BTreeSet<String>,
    conditions: BTreeSet<String>,
}

fn keys<'a>(template: &'a Value, section: &str) -> BTreeSet<&'a str> {
    template
        .get(section)
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Returns every problem found in `template`; `Ok` when there is none.
pub fn check(template: &Value) -> Result<(), Vec<String>> {
    let names = Names {
        params: keys(template, "Parameters"),
        resources: keys(template, "Resources"),
        conditions: keys(template, "Conditions"),
    };
    let mut problems = Vec::new();
    let mut uses = Uses::default();
    for dup in names.params.intersection(&names.resources) {
        problems.push(format!("`{dup}` is both a parameter and a resource"));
    }
    for section in ["Rules", "Conditions", "Resources", "Outputs"] {
        if let Some(Value::Object(items)) = template.get(section) {
            for (id, item) in items {
                let at = format!("{section}.{id}");
                walk(item, &at, &names, &mut uses, &mut problems);
                if section == "Resources" || section == "Outputs" {
                    attribute_refs(item, &at, &names, &mut uses, &mut problems);
                }
                if section == "Resources" {
                    resource_rules(id, item, &mut problems);
                }
            }
        }
    }
    for p in &names.params {
        if !uses.params.contains(*p) {
            problems.push(format!("parameter `{p}` is never used"));
        }
    }
    for c in &names.conditions {
        if !uses.conditions.contains(*c) {
            problems.push(format!("condition `{c}` is never used"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn target_ref(name: &str, at: &str, names: &Names, uses: &mut Uses, problems: &mut Vec<String>) {
    if PSEUDO.contains(&name) || names.resources.contains(name) {
        return;
    }
    if names.params.contains(name) {
        uses.params.insert(name.to_string());
        return;
    }
    problems.push(format!(
        "{at}: `{name}` is not a parameter, resource or pseudo parameter"
    ));
}

fn use_condition(name: &str, at: &str, names: &Names, uses: &mut Uses, problems: &mut Vec<String>) {
    if names.conditions.contains(name) {
        uses.conditions.insert(name.to_string());
    } else {
        problems.push(format!("{at}: condition `{name}` does not exist"));
    }
}

/// Resource/output-level `Condition` and `DependsOn`.
fn attribute_refs(
    item: &Value,
    at: &str,
    names: &Names,
    uses: &mut Uses,
    problems: &mut Vec<String>,
) {
    if let Some(c) = item.get("Condition").and_then(Value::as_str) {
        use_condition(c, at, names, uses, problems);
    }
    let deps: Vec<&str> = match item.get("DependsOn") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    for d in deps {
        if !names.resources.contains(d) {
            problems.push(format!("{at}: DependsOn `{d}` is not a resource"));
        }
    }
}

fn walk(v: &Value, at: &str, names: &Names, uses: &mut Uses, problems: &mut Vec<String>) {
    match v {
        Value::Array(items) => items
            .iter()
            .for_each(|i| walk(i, at, names, uses, problems)),
        Value::Object(m) => {
            if m.len() == 1 {
                intrinsic(m, at, names, uses, problems);
            }
            for (k, child) in m {
                // A condition function's `{"Condition": "X"}` is handled in `intrinsic`; a
                // resource-level `Condition` key never reaches here with a string child only.
                if k == "Condition" && child.is_string() {
                    continue;
                }
                walk(child, at, names, uses, problems);
            }
        }
        _ => {}
    }
}

fn intrinsic(
    m: &Map<String, Value>,
    at: &str,
    names: &Names,
    uses: &mut Uses,
    problems: &mut Vec<String>,
) {
    let Some((k, arg)) = m.iter().next() else {
        return;
    };
    match (k.as_str(), arg) {
        ("Ref", Value::String(name)) => target_ref(name, at, names, uses, problems),
        ("Condition", Value::String(name)) => use_condition(name, at, names, uses, problems),
        ("Fn::GetAtt", Value::Array(a)) => {
            if let Some(r) = a.first().and_then(Value::as_str) {
                getatt(r, at, names, problems);
            }
        }
        ("Fn::GetAtt", Value::String(s)) => {
            getatt(s.split('.').next().unwrap_or(""), at, names, problems);
        }
        ("Fn::If", Value::Array(a)) => {
            if let Some(c) = a.first().and_then(Value::as_str) {
                use_condition(c, at, names, uses, problems);
            }
        }
        ("Fn::Sub", Value::String(s)) => sub(s, &BTreeSet::new(), at, names, uses, problems),
        ("Fn::Sub", Value::Array(a)) => {
            let vars: BTreeSet<String> = a
                .get(1)
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            if let Some(s) = a.first().and_then(Value::as_str) {
                sub(s, &vars, at, names, uses, problems);
            }
        }
        _ => {}
    }
}

fn getatt(resource: &str, at: &str, names: &Names, problems: &mut Vec<String>) {
    if !names.resources.contains(resource) {
        problems.push(format!(
            "{at}: Fn::GetAtt target `{resource}` is not a resource"
        ));
    }
}

/// Every `${Name}` / `${Resource.Attr}` in a `Fn::Sub` string; `${!Literal}` is skipped.
pub fn sub_variables(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = after[..end].trim();
        if !name.starts_with('!') {
            out.push(name);
        }
        rest = &after[end + 1..];
    }
    out
}

fn sub(
    s: &str,
    vars: &BTreeSet<String>,
    at: &str,
    names: &Names,
    uses: &mut Uses,
    problems: &mut Vec<String>,
) {
    for name in sub_variables(s) {
        if vars.contains(name) || PSEUDO.contains(&name) {
            continue;
        }
        match name.split_once('.') {
            Some((resource, _)) => getatt(resource, at, names, problems),
            None => target_ref(name, at, names, uses, problems),
        }
    }
}

fn resource_rules(id: &str, resource: &Value, problems: &mut Vec<String>) {
    let kind = resource.get("Type").and_then(Value::as_str).unwrap_or("");
    if kind.is_empty() {
        problems.push(format!("resource `{id}` has no Type"));
    }
    if kind.starts_with("Custom::") || kind == "AWS::CloudFormation::CustomResource" {
        problems.push(format!(
            "resource `{id}` is a custom resource ({kind}); none are allowed"
        ));
    }
    let justified: BTreeSet<&str> = resource
        .pointer("/Metadata/StarResourceJustification")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let is_key_policy = kind == "AWS::KMS::Key";
    let mut statements = Vec::new();
    collect_statements(
        resource.get("Properties").unwrap_or(&Value::Null),
        &mut statements,
    );
    for st in statements {
        if st.get("NotAction").is_some() || st.get("NotResource").is_some() {
            problems.push(format!(
                "resource `{id}`: NotAction/NotResource are not allowed"
            ));
        }
        let allow = st.get("Effect").and_then(Value::as_str) != Some("Deny");
        for action in strings(st.get("Action")) {
            // A Deny may cover every action (e.g. `s3:*` without TLS); an Allow never may.
            if allow && action.contains('*') {
                problems.push(format!(
                    "resource `{id}`: IAM action `{action}` contains `*`"
                ));
            }
        }
        let star = strings(st.get("Resource")).contains(&"*");
        let sid = st.get("Sid").and_then(Value::as_str).unwrap_or("");
        if allow && star && !is_key_policy && !justified.contains(sid) {
            problems.push(format!(
                "resource `{id}`: statement `{sid}` uses Resource `*` without a StarResourceJustification in Metadata"
            ));
        }
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// Statements of every policy document (PolicyDocument, KeyPolicy, AssumeRolePolicyDocument...).
fn collect_statements<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(st)) = m.get("Statement") {
                out.extend(st.iter());
            } else if let Some(st @ Value::Object(_)) = m.get("Statement") {
                out.push(st);
            }
            m.values().for_each(|c| collect_statements(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_statements(c, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base(resources: Value) -> Value {
        json!({"Parameters": {"P": {"Type": "String"}}, "Conditions": {"C": {"Fn::Equals": ["a", "b"]}}, "Resources": resources})
    }

    #[test]
    fn unknown_targets_are_reported() {
        let t = base(
            json!({"R": {"Type": "AWS::SNS::Topic", "Condition": "C", "Properties": {
            "A": {"Ref": "Nope"}, "B": {"Fn::GetAtt": ["Gone", "Arn"]}, "D": {"Fn::Sub": "${Missing}-${R.Arn}-${!Lit}"},
            "E": {"Fn::If": ["NoCond", 1, 2]}}}}),
        );
        let p = check(&t).unwrap_err();
        assert!(p.iter().any(|s| s.contains("`Nope`")), "{p:?}");
        assert!(p.iter().any(|s| s.contains("`Gone`")), "{p:?}");
        assert!(p.iter().any(|s| s.contains("`Missing`")), "{p:?}");
        assert!(p.iter().any(|s| s.contains("`NoCond`")), "{p:?}");
        assert!(!p.iter().any(|s| s.contains("Lit")), "{p:?}");
    }

    #[test]
    fn unused_parameters_and_conditions_are_reported() {
        let t = base(json!({"R": {"Type": "AWS::SNS::Topic"}}));
        let p = check(&t).unwrap_err();
        assert!(p.contains(&"parameter `P` is never used".to_string()));
        assert!(p.contains(&"condition `C` is never used".to_string()));
    }

    #[test]
    fn a_clean_template_passes() {
        let t = base(
            json!({"R": {"Type": "AWS::SNS::Topic", "Condition": "C", "Properties": {"TopicName": {"Fn::Sub": "${P}-${AWS::Region}"}}}}),
        );
        assert_eq!(check(&t), Ok(()));
    }

    #[test]
    fn iam_wildcards_and_custom_resources_are_refused() {
        let t = json!({"Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyDocument": {"Statement": [
                {"Sid": "S", "Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}]}}]}},
            "Custom": {"Type": "Custom::Thing"}
        }});
        let p = check(&t).unwrap_err();
        assert!(p.iter().any(|s| s.contains("`s3:*` contains `*`")), "{p:?}");
        assert!(
            p.iter()
                .any(|s| s.contains("without a StarResourceJustification")),
            "{p:?}"
        );
        assert!(p.iter().any(|s| s.contains("custom resource")), "{p:?}");
    }

    #[test]
    fn justified_star_resources_pass() {
        let t = json!({"Resources": {"Role": {"Type": "AWS::IAM::Role",
            "Metadata": {"StarResourceJustification": {"XRay": "X-Ray has no resource-level permissions"}},
            "Properties": {"Policies": [{"PolicyDocument": {"Statement": [
                {"Sid": "XRay", "Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": "*"}]}}]}}}});
        assert_eq!(check(&t), Ok(()));
    }
}
