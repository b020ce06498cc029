//! Stack events: reading them (DescribeStackEvents), a plain model of them, and how they are
//! shown (one line each on a pipe, JSON lines with `--output json`, colored status on a TTY).
//! Following an operation live is [`super::follow`].

use std::time::Duration;

use aws_smithy_types::date_time::Format;
use serde::{Deserialize, Serialize};

use super::{unless_missing, Client};
use crate::output::{OutputMode, Printer};

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

/// The first event of the operation in progress, from a stack's events (newest first, as
/// [`stack_events`] returns them): the oldest stack-level event after the stack's last settled
/// (not `_IN_PROGRESS`) stack-level status; `None` when no operation is in progress.
pub fn operation_start<'a>(events: &'a [StackEvent], stack: &str) -> Option<&'a StackEvent> {
    let mut start = None;
    for e in events
        .iter()
        .filter(|e| e.logical_id == stack && e.resource_type == "AWS::CloudFormation::Stack")
    {
        if is_terminal(&e.status) {
            break;
        }
        start = Some(e);
    }
    start
}

/// The event as one JSON line.
pub fn json_line(e: &StackEvent) -> String {
    serde_json::json!({"type": "event", "event": e}).to_string()
}

/// All events of a stack (newest first as the API returns them), up to `limit`.
pub async fn stack_events(
    cfn: &Client,
    name: &str,
    limit: usize,
) -> anyhow::Result<Vec<StackEvent>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = cfn
            .describe_stack_events()
            .stack_name(name)
            .set_next_token(token.take())
            .send()
            .await;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                return match unless_missing(format!("cannot read events of stack `{name}`"), &e) {
                    Some(err) => Err(err),
                    // A stack deleted a moment ago has no events to read any more.
                    None => Ok(out),
                };
            }
        };
        for e in page.stack_events() {
            out.push(StackEvent {
                event_id: e.event_id().unwrap_or("").to_string(),
                timestamp: e
                    .timestamp()
                    .and_then(|t| t.fmt(Format::DateTime).ok())
                    .unwrap_or_default(),
                logical_id: e.logical_resource_id().unwrap_or("").to_string(),
                resource_type: e.resource_type().unwrap_or("").to_string(),
                status: e
                    .resource_status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                reason: e.resource_status_reason().map(str::to_string),
                physical_id: e.physical_resource_id().map(str::to_string),
            });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() || out.len() >= limit {
            return Ok(out);
        }
    }
}

/// The instant of an RFC 3339 timestamp (seconds, nanoseconds), to compare event times.
pub fn instant(ts: &str) -> Option<(i64, u32)> {
    aws_smithy_types::DateTime::from_str(ts, Format::DateTime)
        .ok()
        .map(|t| (t.secs(), t.subsec_nanos()))
}

/// Shows one event of an operation being followed: a JSON line on stdout with `--output json`,
/// else a line on stderr (colored on a terminal).
pub fn print(out: &Printer, e: &StackEvent) {
    match out.mode() {
        OutputMode::Json => out.out(&json_line(e)),
        OutputMode::Text => out.err(&line(e, out.tty())),
    }
}

/// The current time as RFC 3339 (to select the events of the operation about to start), a
/// second early to absorb clock skew with the service.
pub fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now() - Duration::from_secs(1);
    aws_smithy_types::DateTime::from(now)
        .fmt(Format::DateTime)
        .unwrap_or_default()
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
    fn an_operation_starts_after_the_last_settled_stack_status() {
        let stack = |id: &str, status: &str| StackEvent {
            event_id: id.into(),
            logical_id: "orders".into(),
            resource_type: "AWS::CloudFormation::Stack".into(),
            ..ev(status, None)
        };
        // Newest first: an update that is rolling back, after a completed create.
        let evs = [
            stack("5", "UPDATE_ROLLBACK_IN_PROGRESS"),
            ev("UPDATE_FAILED", Some("denied")),
            stack("3", "UPDATE_IN_PROGRESS"),
            stack("2", "CREATE_COMPLETE"),
            stack("1", "CREATE_IN_PROGRESS"),
        ];
        assert_eq!(
            operation_start(&evs, "orders").map(|e| e.event_id.as_str()),
            Some("3")
        );
        assert!(operation_start(&evs[3..], "orders").is_none());
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
