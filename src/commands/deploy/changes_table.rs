//! The plan as a table: action, logical id, type, replacement, and a mark on changes that add or
//! widen permissions or network access.

use crate::cfn::change_set::Change;
use crate::commands::deploy::params::ParamChange;

/// Renders the parameters an update changes: `NAME  OLD -> NEW`, `-` for a parameter the stack
/// does not have yet, `(removed)` for one the new template no longer has, `(default)` after a
/// template default; NoEcho values arrive as `****` (see [`crate::commands::deploy::params::changes`]).
pub fn render_parameters(changes: &[ParamChange]) -> String {
    let width = changes
        .iter()
        .map(|c| c.name.len())
        .chain(["PARAMETER".len()])
        .max()
        .unwrap_or(0);
    let mut out = vec![format!("{:<width$}  OLD -> NEW", "PARAMETER")];
    for c in changes {
        let old = c.old.as_deref().map_or("-".to_string(), quote);
        let new = match &c.new {
            None => "(removed)".to_string(),
            Some(v) if c.default => format!("{} (default)", quote(v)),
            Some(v) => quote(v),
        };
        out.push(format!("{:<width$}  {old} -> {new}", c.name));
    }
    out.join("\n")
}

/// A value as shown: `""` for the empty string, so it is not mistaken for nothing.
fn quote(v: &str) -> String {
    if v.is_empty() {
        "\"\"".to_string()
    } else {
        v.to_string()
    }
}

/// The changed properties of each modified resource with their old and new values, when the
/// change set gives them: `  LOGICAL_ID.PATH: OLD -> NEW` (`[replaces]` / `[may replace]` from
/// RequiresRecreation); any value equal to one of `secrets` (the NoEcho values of this run) is
/// shown as `****`. Empty when no change carries values.
pub fn render_properties(changes: &[Change], secrets: &[String]) -> String {
    let show = |v: &Option<String>| match v {
        None => "(none)".to_string(),
        Some(v)
            if secrets
                .iter()
                .any(|s| !s.is_empty() && v.contains(s.as_str())) =>
        {
            "****".to_string()
        }
        Some(v) => v.clone(),
    };
    let mut lines = Vec::new();
    for c in changes {
        for p in &c.properties {
            let replaces = match p.requires_recreation.as_str() {
                "Always" => "  [replaces]",
                "Conditionally" => "  [may replace]",
                _ => "",
            };
            lines.push(format!(
                "  {}.{}: {} -> {}{replaces}",
                c.logical_id,
                p.path,
                show(&p.before),
                show(&p.after)
            ));
        }
    }
    lines.join("\n")
}

/// Renders the changes as an aligned table (one header line, one line per change).
pub fn render(changes: &[Change]) -> String {
    let headers = ["ACTION", "LOGICAL ID", "TYPE", "REPLACEMENT", "SECURITY"];
    let rows: Vec<[String; 5]> = changes
        .iter()
        .map(|c| {
            [
                c.action.clone(),
                c.logical_id.clone(),
                c.resource_type.clone(),
                if c.replacement.is_empty() {
                    "-".into()
                } else {
                    c.replacement.clone()
                },
                if c.security {
                    "! broadens access".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let mut widths = headers.map(str::len);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(cell.len());
        }
    }
    let fmt = |cells: [&str; 5]| {
        let mut line = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths.iter()).enumerate() {
            if i == 4 {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        line.trim_end().to_string()
    };
    let mut out = vec![fmt(headers)];
    out.extend(
        rows.iter()
            .map(|r| fmt([&r[0], &r[1], &r[2], &r[3], &r[4]])),
    );
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_lines_show_old_and_new_values() {
        let c = |name: &str, old: Option<&str>, new: Option<&str>, default: bool| ParamChange {
            name: name.into(),
            old: old.map(str::to_string),
            new: new.map(str::to_string),
            default,
        };
        let t = render_parameters(&[
            c("AlarmEmail", Some(""), Some("ops@example.com"), false),
            c("Gone", Some("x"), None, false),
            c("RetentionHours", Some("168"), Some("24"), true),
            c("Secret", Some("****"), Some("****"), false),
        ]);
        assert_eq!(
            t,
            "PARAMETER       OLD -> NEW\n\
             AlarmEmail      \"\" -> ops@example.com\n\
             Gone            x -> (removed)\n\
             RetentionHours  168 -> 24 (default)\n\
             Secret          **** -> ****"
        );
    }

    #[test]
    fn table_aligns_columns_and_marks_security_changes() {
        let changes = vec![
            Change {
                action: "Add".into(),
                logical_id: "DataStream".into(),
                resource_type: "AWS::Kinesis::Stream".into(),
                replacement: String::new(),
                security: false,
                details: vec![],
                properties: vec![],
            },
            Change {
                action: "Modify".into(),
                logical_id: "ConsumerRole".into(),
                resource_type: "AWS::IAM::Role".into(),
                replacement: "False".into(),
                security: true,
                details: vec![],
                properties: vec![],
            },
        ];
        let t = render(&changes);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("ACTION  LOGICAL ID"));
        let col = lines[0].find("TYPE").unwrap();
        assert_eq!(&lines[1][col..col + 20], "AWS::Kinesis::Stream");
        assert!(lines[2].ends_with("! broadens access"));
        assert!(!lines[1].contains("broadens"));
    }

    #[test]
    fn property_values_are_listed_and_a_secret_is_never_shown() {
        let change = Change {
            action: "Modify".into(),
            logical_id: "Api".into(),
            resource_type: "AWS::ApiGateway::ApiKey".into(),
            replacement: "False".into(),
            security: false,
            details: vec![],
            properties: vec![crate::cfn::change_set::PropertyValue {
                path: "Value".into(),
                before: Some("old-hunter2-x".into()),
                after: Some("new".into()),
                requires_recreation: "Conditionally".into(),
            }],
        };
        let t = render_properties(&[change], &["hunter2".into()]);
        assert_eq!(t, "  Api.Value: **** -> new  [may replace]");
        assert!(render_properties(&[], &[]).is_empty());
    }
}
