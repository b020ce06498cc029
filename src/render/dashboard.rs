//! Lays out the dashboard sections that fragments contribute into one `AWS::CloudWatch::Dashboard`.
//!
//! A fragment contributes `"Dashboard": [{"header": "...", "widgets": [...]}]`. Each section gets a
//! 24x1 markdown header; its widgets (6x6 unless they say otherwise) flow left to right, four per row.
//! The body is a `Fn::Sub` string, so widgets may name `${Resource}` and `${AWS::Region}`.
//!
//! A section may also bring `"variables": {"Name": <value>}`: the body then becomes the list form
//! `{"Fn::Sub": [body, {variables}]}` and its widgets may name `${Name}`. A dashboard widget cannot
//! carry a CloudFormation condition, so a value such as
//! `{"Fn::If": ["HasX", {"Ref": "X"}, "-"]}` lets a widget name a resource that exists only under a
//! condition (when it does not, the widget shows no data). Without variables the body stays a plain
//! string.

use serde_json::{json, Value};

const GRID_WIDTH: u64 = 24;
const DEFAULT_SIZE: u64 = 6;

/// Builds the dashboard resource from the sections, in order.
pub fn resource(sections: &[Value]) -> Result<Value, String> {
    let mut widgets = Vec::new();
    let mut variables = serde_json::Map::new();
    let mut y = 0;
    for section in sections {
        let header = section
            .get("header")
            .and_then(Value::as_str)
            .ok_or("a dashboard section has no `header` string")?;
        match section.get("variables") {
            None => {}
            Some(Value::Object(vars)) => {
                for (name, value) in vars {
                    if variables.insert(name.clone(), value.clone()).is_some() {
                        return Err(format!(
                            "dashboard section `{header}` declares variable `{name}` again"
                        ));
                    }
                }
            }
            Some(_) => {
                return Err(format!(
                    "dashboard section `{header}` has `variables` that are not an object"
                ))
            }
        }
        let items = section
            .get("widgets")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("dashboard section `{header}` has no `widgets` list"))?;
        widgets.push(json!({
            "type": "text", "x": 0, "y": y, "width": GRID_WIDTH, "height": 1,
            "properties": {"markdown": format!("## {header}")}
        }));
        y += 1;
        let (mut x, mut row_height) = (0, 0);
        for item in items {
            let mut w = item.clone();
            let obj = w
                .as_object_mut()
                .ok_or_else(|| format!("a widget of `{header}` is not an object"))?;
            let width = obj
                .get("width")
                .and_then(Value::as_u64)
                .unwrap_or(DEFAULT_SIZE);
            let height = obj
                .get("height")
                .and_then(Value::as_u64)
                .unwrap_or(DEFAULT_SIZE);
            if width == 0 || width > GRID_WIDTH || height == 0 {
                return Err(format!("a widget of `{header}` has size {width}x{height}"));
            }
            if x + width > GRID_WIDTH {
                y += row_height;
                x = 0;
                row_height = 0;
            }
            obj.insert("x".into(), json!(x));
            obj.insert("y".into(), json!(y));
            obj.insert("width".into(), json!(width));
            obj.insert("height".into(), json!(height));
            x += width;
            row_height = row_height.max(height);
            widgets.push(w);
        }
        y += row_height;
    }
    let body = serde_json::to_string(&json!({"widgets": widgets})).map_err(|e| e.to_string())?;
    let body = if variables.is_empty() {
        json!(body)
    } else {
        json!([body, variables])
    };
    Ok(json!({
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {
            "DashboardName": {"Fn::Sub": "${AWS::StackName}-${AWS::Region}"},
            "DashboardBody": {"Fn::Sub": body}
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widgets_flow_four_per_row_under_their_header() {
        let section = json!({"header": "S", "widgets": [{}, {}, {}, {}, {}]});
        let r = resource(&[section]).unwrap();
        let body: Value = serde_json::from_str(
            r["Properties"]["DashboardBody"]["Fn::Sub"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        let w = body["widgets"].as_array().unwrap();
        assert_eq!(w.len(), 6);
        assert_eq!(
            (w[0]["width"].as_u64(), w[0]["height"].as_u64()),
            (Some(24), Some(1))
        );
        let pos: Vec<(u64, u64)> = w[1..]
            .iter()
            .map(|w| (w["x"].as_u64().unwrap(), w["y"].as_u64().unwrap()))
            .collect();
        assert_eq!(pos, vec![(0, 1), (6, 1), (12, 1), (18, 1), (0, 7)]);
    }

    #[test]
    fn section_variables_make_the_list_form_and_clash_is_an_error() {
        let plain = resource(&[json!({"header": "S", "widgets": []})]).unwrap();
        assert!(plain["Properties"]["DashboardBody"]["Fn::Sub"].is_string());
        let v = json!({"header": "S", "variables": {"N": {"Ref": "X"}}, "widgets": []});
        let r = resource(std::slice::from_ref(&v)).unwrap();
        let sub = &r["Properties"]["DashboardBody"]["Fn::Sub"];
        assert!(sub[0].is_string());
        assert_eq!(sub[1], json!({"N": {"Ref": "X"}}));
        assert!(resource(&[v.clone(), v]).is_err());
        assert!(resource(&[json!({"header": "S", "variables": 1, "widgets": []})]).is_err());
    }

    #[test]
    fn a_section_without_header_is_an_error() {
        assert!(resource(&[json!({"widgets": []})]).is_err());
    }
}
