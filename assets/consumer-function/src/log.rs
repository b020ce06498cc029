//! Structured log lines: one JSON object per line on stdout, which Lambda sends to CloudWatch
//! Logs (`{"level":"WARN","message":"record rejected",...}`). A dozen lines instead of a tracing
//! subscriber keep the `bootstrap` small.

use serde_json::{Map, Value};

/// Writes `{"level": level, "message": message, ...fields}` as one line to stdout.
pub fn log(level: &str, message: &str, fields: &[(&str, Value)]) {
    println!("{}", line(level, message, fields));
}

/// The log line [`log`] writes.
#[must_use]
pub fn line(level: &str, message: &str, fields: &[(&str, Value)]) -> String {
    let mut object = Map::new();
    object.insert("level".into(), level.into());
    object.insert("message".into(), message.into());
    for (k, v) in fields {
        object.insert((*k).to_owned(), v.clone());
    }
    Value::Object(object).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_json_object_per_line() {
        let l = super::line(
            "WARN",
            "record rejected",
            &[("records", 3.into()), ("error", "bad\nline".into())],
        );
        assert!(!l.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["level"], "WARN");
        assert_eq!(v["message"], "record rejected");
        assert_eq!(v["records"], 3);
        assert_eq!(v["error"], "bad\nline");
    }
}
