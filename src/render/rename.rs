//! Gives a named block instance its own logical ids: every resource and condition its fragments
//! define (`map`: old id -> new id) is renamed where it is defined and wherever the fragment names
//! it (`Ref`, `Fn::GetAtt`, `${X}` in `Fn::Sub`, `Fn::If`, `Condition`, `DependsOn`, and the
//! `${X}` of dashboard sections), so two instances of one block coexist in a template.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Renames the ids of `map` in a rendered fragment (`Resources`, `Conditions`, `Dashboard`).
pub fn rename_piece(piece: &mut Map<String, Value>, map: &BTreeMap<String, String>) {
    for (key, value) in piece.iter_mut() {
        match (key.as_str(), value) {
            ("Resources" | "Conditions", Value::Object(m)) => {
                let old = std::mem::take(m);
                for (id, mut v) in old {
                    rename_value(&mut v, map);
                    m.insert(map.get(&id).cloned().unwrap_or(id), v);
                }
            }
            ("Dashboard", v) => rename_text_everywhere(v, map),
            (_, v) => rename_value(v, map),
        }
    }
}

fn rename_id(s: &mut String, map: &BTreeMap<String, String>) {
    if let Some(new) = map.get(s.as_str()) {
        *s = new.clone();
    }
}

/// Renames `${X}` and `${X.Attr}` in `text` (not `${!X}`, not names in `locals`).
fn rename_sub(text: &str, map: &BTreeMap<String, String>, locals: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i + 2]);
        rest = &rest[i + 2..];
        let Some(end) = rest.find('}') else { break };
        let inner = &rest[..end];
        let (head, tail) = match inner.find('.') {
            Some(d) => (&inner[..d], &inner[d..]),
            None => (inner, ""),
        };
        match map.get(head) {
            Some(new) if !inner.starts_with('!') && !locals.iter().any(|l| l == head) => {
                out.push_str(new);
                out.push_str(tail);
            }
            _ => out.push_str(inner),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn rename_value(v: &mut Value, map: &BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match (k.as_str(), x) {
                    ("Ref" | "Condition", Value::String(s)) => rename_id(s, map),
                    ("DependsOn", Value::String(s)) => rename_id(s, map),
                    ("DependsOn", Value::Array(a)) => {
                        for d in a.iter_mut() {
                            if let Value::String(s) = d {
                                rename_id(s, map);
                            }
                        }
                    }
                    ("Fn::GetAtt", Value::Array(a)) => {
                        if let Some(Value::String(s)) = a.first_mut() {
                            rename_id(s, map);
                        }
                        a.iter_mut().skip(1).for_each(|x| rename_value(x, map));
                    }
                    ("Fn::GetAtt", Value::String(s)) => {
                        let (head, tail) = s.split_once('.').unwrap_or((s.as_str(), ""));
                        if let Some(new) = map.get(head) {
                            *s = if tail.is_empty() {
                                new.clone()
                            } else {
                                format!("{new}.{tail}")
                            };
                        }
                    }
                    ("Fn::Sub", Value::String(s)) => *s = rename_sub(s, map, &[]),
                    ("Fn::Sub", Value::Array(a)) => {
                        let locals: Vec<String> = match a.get(1) {
                            Some(Value::Object(vars)) => vars.keys().cloned().collect(),
                            _ => Vec::new(),
                        };
                        if let Some(Value::String(s)) = a.first_mut() {
                            *s = rename_sub(s, map, &locals);
                        }
                        a.iter_mut().skip(1).for_each(|x| rename_value(x, map));
                    }
                    ("Fn::If", Value::Array(a)) => {
                        if let Some(Value::String(s)) = a.first_mut() {
                            rename_id(s, map);
                        }
                        a.iter_mut().skip(1).for_each(|x| rename_value(x, map));
                    }
                    (_, x) => rename_value(x, map),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rename_value(x, map)),
        _ => {}
    }
}

/// Dashboard sections become one `Fn::Sub` body: every string may name `${X}`; a section's
/// `variables` are CloudFormation expressions.
fn rename_text_everywhere(v: &mut Value, map: &BTreeMap<String, String>) {
    match v {
        Value::String(s) => *s = rename_sub(s, map, &[]),
        Value::Array(a) => a.iter_mut().for_each(|x| rename_text_everywhere(x, map)),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "variables" {
                    rename_value(x, map);
                } else {
                    rename_text_everywhere(x, map);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_of_reference_is_renamed() {
        let map: BTreeMap<String, String> = [("Fn", "XFn"), ("IsOn", "XIsOn")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let mut piece = json!({
            "Conditions": {"IsOn": {"Fn::Equals": ["a", "a"]}},
            "Resources": {"Fn": {"Type": "T", "Condition": "IsOn", "DependsOn": ["Fn", "Other"],
                "Properties": {"A": {"Ref": "Fn"}, "B": {"Fn::GetAtt": ["Fn", "Arn"]},
                "C": {"Fn::GetAtt": "Fn.Arn"}, "D": {"Fn::Sub": "${Fn}/${Fn.Arn}/${!Fn}/${Other}"},
                "E": {"Fn::Sub": ["${Fn}-${V}", {"V": {"Ref": "Fn"}}]},
                "F": {"Fn::If": ["IsOn", {"Ref": "Fn"}, "x"]}}}},
            "Dashboard": [{"header": "h ${Fn}", "widgets": [{"m": ["${Fn.Arn}"]}]}]
        });
        let Value::Object(m) = &mut piece else {
            unreachable!()
        };
        rename_piece(m, &map);
        assert_eq!(
            piece,
            json!({
                "Conditions": {"XIsOn": {"Fn::Equals": ["a", "a"]}},
                "Resources": {"XFn": {"Type": "T", "Condition": "XIsOn", "DependsOn": ["XFn", "Other"],
                    "Properties": {"A": {"Ref": "XFn"}, "B": {"Fn::GetAtt": ["XFn", "Arn"]},
                    "C": {"Fn::GetAtt": "XFn.Arn"}, "D": {"Fn::Sub": "${XFn}/${XFn.Arn}/${!Fn}/${Other}"},
                    "E": {"Fn::Sub": ["${XFn}-${V}", {"V": {"Ref": "XFn"}}]},
                    "F": {"Fn::If": ["XIsOn", {"Ref": "XFn"}, "x"]}}}},
                "Dashboard": [{"header": "h ${XFn}", "widgets": [{"m": ["${XFn.Arn}"]}]}]
            })
        );
    }
}
