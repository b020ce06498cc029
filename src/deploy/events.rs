//! Stack events: a plain model of CloudFormation's events, and how they are shown (one line
//! each on a pipe, JSON lines with `--output json`, colored status on a TTY).

use serde::{Deserialize, Serialize};

/// One CloudFormation stack event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackEvent {
    /// Unique event id.
    pub event_id: String,
    /// RFC 3339 timestamp.
    pub timestamp: String,
    /// Logical id of the resource (the stack name for stack-level events).
    pub logical_id: String,
    /// Resource type (`AWS::CloudFormation::Stack` for stack-level events).
    pub resource_type: String,
    /// Resource status, e.g. `CREATE_FAILED`.
    pub status: String,
    /// Status reason, if any.
    #[serde(default)]
    pub reason: Option<String>,
    /// Physical id, if any.
    #[serde(default)]
    pub physical_id: Option<String>,
}

/// Statuses in which a stack stays until someone acts.
pub fn is_terminal(status: &str) -> bool {
    !status.ends_with("_IN_PROGRESS")
}

/// Terminal statuses that mean the requested operation did not succeed.
pub fn is_failure(status: &str) -> bool {
    status.ends_with("_FAILED") || status.contains("ROLLBACK")
}

fn color(status: &str) -> &'static str {
    if status.ends_with("_FAILED") || status.contains("ROLLBACK") {
        "\x1b[31m"
    } else if status.ends_with("_COMPLETE") {
        "\x1b[32m"
    } else {
        "\x1b[33m"
    }
}

/// One line for a terminal or a log: time, status, type, logical id, reason.
pub fn line(e: &StackEvent, tty: bool) -> String {
    let time = e.timestamp.get(11..19).unwrap_or(&e.timestamp);
    let status = if tty {
        format!("{}{:<28}\x1b[0m", color(&e.status), e.status)
    } else {
        format!("{:<28}", e.status)
    };
    let mut s = format!("{time}  {status} {:<42} {}", e.resource_type, e.logical_id);
    if let Some(r) = e.reason.as_deref().filter(|r| !r.is_empty()) {
        s.push_str("  ");
        s.push_str(&r.replace('\n', " "));
    }
    s
}

/// The event as one JSON line.
pub fn json_line(e: &StackEvent) -> String {
    serde_json::json!({"type": "event", "event": e}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(status: &str, reason: Option<&str>) -> StackEvent {
        StackEvent {
            event_id: "1".into(),
            timestamp: "2026-11-24T09:30:01.123Z".into(),
            logical_id: "DataStream".into(),
            resource_type: "AWS::Kinesis::Stream".into(),
            status: status.into(),
            reason: reason.map(str::to_string),
            physical_id: None,
        }
    }

    #[test]
    fn lines_show_time_status_type_id_and_reason_on_one_line() {
        let l = line(&ev("CREATE_FAILED", Some("Rate exceeded\nretry")), false);
        assert_eq!(l.lines().count(), 1);
        assert!(l.starts_with("09:30:01  CREATE_FAILED"), "{l}");
        assert!(
            l.contains("AWS::Kinesis::Stream") && l.ends_with("DataStream  Rate exceeded retry"),
            "{l}"
        );
        assert!(line(&ev("CREATE_COMPLETE", None), true).contains("\x1b[32m"));
        let j: serde_json::Value =
            serde_json::from_str(&json_line(&ev("CREATE_COMPLETE", None))).unwrap();
        assert_eq!(j["event"]["status"], "CREATE_COMPLETE");
    }

    #[test]
    fn terminal_and_failure_statuses() {
        assert!(is_terminal("CREATE_COMPLETE") && !is_terminal("UPDATE_ROLLBACK_IN_PROGRESS"));
        assert!(
            is_failure("ROLLBACK_COMPLETE")
                && is_failure("UPDATE_ROLLBACK_COMPLETE")
                && is_failure("DELETE_FAILED")
        );
        assert!(!is_failure("UPDATE_COMPLETE") && !is_failure("DELETE_COMPLETE"));
    }
}
