//! The plan as a table: action, logical id, type, replacement, and a mark on changes that add or
//! widen permissions or network access.

use crate::cfn::change_set::Change;

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
    fn table_aligns_columns_and_marks_security_changes() {
        let changes = vec![
            Change {
                action: "Add".into(),
                logical_id: "DataStream".into(),
                resource_type: "AWS::Kinesis::Stream".into(),
                replacement: String::new(),
                security: false,
            },
            Change {
                action: "Modify".into(),
                logical_id: "ConsumerRole".into(),
                resource_type: "AWS::IAM::Role".into(),
                replacement: "False".into(),
                security: true,
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
}
