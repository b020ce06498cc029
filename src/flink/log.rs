//! The application's CloudWatch log since a start (FilterLogEvents on its log stream), the Flink
//! job's restarts read from it, and the root cause of a failed start: the first error lines and
//! the exception with its causes.
//!
//! Managed Service for Apache Flink writes one JSON object per event (`messageType`, `logger`,
//! `message`, `throwableInformation`, ...); other lines are read as plain text.

use aws_smithy_types::date_time::Format;
use serde_json::Value;

use crate::aws::sdk_error;

/// A log stream, from the ARN the application's logging option names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStream {
    /// Log group name.
    pub group: String,
    /// Log stream name.
    pub stream: String,
}

impl LogStream {
    /// `arn:PARTITION:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM`; `None` for anything else.
    pub fn from_arn(arn: &str) -> Option<Self> {
        let rest = arn.split_once(":log-group:")?.1;
        let (group, stream) = rest.split_once(":log-stream:")?;
        (!group.is_empty() && !stream.is_empty()).then(|| LogStream {
            group: group.to_string(),
            stream: stream.to_string(),
        })
    }
}

/// One event of the application's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When it was logged (milliseconds since the Unix epoch).
    pub time_ms: i64,
    /// `ERROR`, `WARN`, `INFO`, ... (empty when the line does not say).
    pub level: String,
    /// The logger (class) that wrote it, if known.
    pub logger: String,
    /// The message's first line.
    pub message: String,
    /// The exception's lines (`Class: message`, `\tat ...`, `Caused by: ...`), if any.
    pub throwable: Vec<String>,
}

const LEVELS: [&str; 6] = ["FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"];

/// Reads one log event: the service's JSON layout, or a plain line.
pub fn parse(time_ms: i64, raw: &str) -> LogLine {
    if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(raw.trim()) {
        let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let message = text("message");
        let mut lines = message.lines();
        let first = lines.next().unwrap_or("").to_string();
        let mut throwable: Vec<String> = match m.get("throwableInformation") {
            Some(Value::String(s)) => s.lines().map(str::to_string).collect(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .flat_map(str::lines)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        if throwable.is_empty() {
            throwable = lines.map(str::to_string).collect();
        }
        return LogLine {
            time_ms,
            level: text("messageType").to_ascii_uppercase(),
            logger: text("logger"),
            message: first,
            throwable,
        };
    }
    let mut lines = raw.lines();
    let first = lines.next().unwrap_or("").trim_end().to_string();
    let level = first
        .split_whitespace()
        .find(|w| LEVELS.contains(w))
        .unwrap_or("")
        .to_string();
    LogLine {
        time_ms,
        level,
        logger: String::new(),
        message: first,
        throwable: lines.map(|l| l.trim_end().to_string()).collect(),
    }
}

/// The events of `stream` since `since_ms`, in time order, at most `limit`.
pub async fn read_since(
    logs: &aws_sdk_cloudwatchlogs::Client,
    stream: &LogStream,
    since_ms: i64,
    limit: usize,
) -> anyhow::Result<Vec<LogLine>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = logs
            .filter_log_events()
            .log_group_name(&stream.group)
            .log_stream_names(&stream.stream)
            .start_time(since_ms)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| {
                sdk_error(
                    format!("cannot read the application log {}", stream.group),
                    &e,
                )
            })?;
        out.extend(page.events().iter().map(|e| {
            parse(
                e.timestamp().unwrap_or(since_ms),
                e.message().unwrap_or_default(),
            )
        }));
        token = page.next_token().map(str::to_string);
        if token.is_none() || out.len() >= limit {
            out.truncate(limit);
            out.sort_by_key(|l| l.time_ms);
            return Ok(out);
        }
    }
}

/// How often the Flink job restarted or failed: the job's own state changes, as Flink logs them
/// (`Job NAME (ID) switched from state RUNNING to RESTARTING.`).
pub fn restarts(lines: &[LogLine]) -> usize {
    lines
        .iter()
        .filter(|l| {
            l.message.contains("switched from state")
                && (l.message.contains("to RESTARTING") || l.message.contains("to FAILED"))
        })
        .count()
}

fn clock(time_ms: i64) -> String {
    aws_smithy_types::DateTime::from_millis(time_ms)
        .fmt(Format::DateTime)
        .ok()
        .and_then(|t| t.get(11..19).map(str::to_string))
        .unwrap_or_default()
}

fn is_error(l: &LogLine) -> bool {
    matches!(l.level.as_str(), "ERROR" | "FATAL")
}

/// The exception's summary: its first line and every `Caused by:` line, without stack frames.
fn exception_summary(throwable: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for l in throwable.iter().map(|l| l.trim()) {
        if out.is_empty() && !l.is_empty() && !l.starts_with("at ") {
            out.push(l.to_string());
        } else if let Some(cause) = l.strip_prefix("Caused by:") {
            out.push(format!("caused by: {}", cause.trim()));
        }
    }
    out
}

/// Most error lines shown.
pub const ERROR_LINES: usize = 5;

/// The root cause as lines to print: the first [`ERROR_LINES`] error lines (`HH:MM:SS LEVEL
/// logger: message`), then the first exception (`exception: ...`, `caused by: ...`, the last
/// cause being the deepest). Empty when the log holds no error.
pub fn root_cause(lines: &[LogLine]) -> Vec<String> {
    let errors: Vec<&LogLine> = lines.iter().filter(|l| is_error(l)).collect();
    let mut out: Vec<String> = errors
        .iter()
        .take(ERROR_LINES)
        .map(|l| {
            let logger = l.logger.rsplit('.').next().unwrap_or("");
            if !logger.is_empty() {
                format!("{} {} {logger}: {}", clock(l.time_ms), l.level, l.message)
            } else if l.message.contains(&l.level) {
                // A plain line names its level itself.
                format!("{} {}", clock(l.time_ms), l.message)
            } else {
                format!("{} {} {}", clock(l.time_ms), l.level, l.message)
            }
        })
        .collect();
    // The first error's exception, else the first exception logged at any level.
    let thrown = errors
        .iter()
        .copied()
        .chain(lines.iter())
        .find(|l| !l.throwable.is_empty());
    if let Some(l) = thrown {
        let summary = exception_summary(&l.throwable);
        if let Some((first, causes)) = summary.split_first() {
            out.push(format!("exception: {first}"));
            out.extend(causes.iter().map(|c| format!("  {c}")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const JOB_FAILED: &str = r#"{"locationInformation":"org.apache.flink.runtime.entrypoint.ClusterEntrypoint.runClusterEntrypoint(ClusterEntrypoint.java:750)","logger":"org.apache.flink.runtime.jobmaster.JobMaster","message":"Could not start the JobMaster.","throwableInformation":"org.apache.flink.runtime.client.JobInitializationException: Could not start the JobMaster.\n\tat org.apache.flink.runtime.jobmaster.DefaultJobMasterServiceProcess.lambda$new$0(DefaultJobMasterServiceProcess.java:97)\nCaused by: java.lang.IllegalArgumentException: InputStreamArn is not a Kinesis stream ARN: orders\n\tat com.streamstack.flink.common.Properties.streamArn(Properties.java:41)\n\t... 12 more","threadName":"main","applicationARN":"arn:aws:kinesisanalytics:us-east-1:123456789012:application/demo","applicationVersionId":"1","messageSchemaVersion":"1","messageType":"ERROR"}"#;

    #[test]
    fn log_stream_arns_give_group_and_stream() {
        let s = LogStream::from_arn(
            "arn:aws:logs:us-east-1:123456789012:log-group:demo-ApplicationLogGroup-AB12:log-stream:kinesis-analytics-log-stream",
        )
        .unwrap();
        assert_eq!(s.group, "demo-ApplicationLogGroup-AB12");
        assert_eq!(s.stream, "kinesis-analytics-log-stream");
        for bad in [
            "",
            "arn:aws:logs:us-east-1:1:log-group:g",
            "log-group::log-stream:s",
        ] {
            assert_eq!(LogStream::from_arn(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_services_json_lines_give_level_logger_message_and_exception() {
        let l = parse(1_764_000_000_000, JOB_FAILED);
        assert_eq!(l.level, "ERROR");
        assert_eq!(l.logger, "org.apache.flink.runtime.jobmaster.JobMaster");
        assert_eq!(l.message, "Could not start the JobMaster.");
        assert_eq!(l.throwable.len(), 5);
        let cause = root_cause(&[parse(1_764_000_000_000, "plain INFO line"), l]);
        assert_eq!(
            cause,
            [
                "16:00:00 ERROR JobMaster: Could not start the JobMaster.",
                "exception: org.apache.flink.runtime.client.JobInitializationException: Could not start the JobMaster.",
                "  caused by: java.lang.IllegalArgumentException: InputStreamArn is not a Kinesis stream ARN: orders",
            ]
        );
    }

    #[test]
    fn plain_lines_and_arrays_of_throwable_lines_are_read_too() {
        let l = parse(
            0,
            "2026-12-02 10:00:00,123 WARN  some.Logger - slow\nat x\nCaused by: y: z",
        );
        assert_eq!(l.level, "WARN");
        assert_eq!(l.throwable, ["at x", "Caused by: y: z"]);
        let a = parse(
            0,
            r#"{"messageType":"ERROR","message":"boom","throwableInformation":["java.io.IOException: disk","\tat a.b(C.java:1)"]}"#,
        );
        assert_eq!(
            root_cause(&[a]),
            [
                "00:00:00 ERROR boom",
                "exception: java.io.IOException: disk"
            ]
        );
        assert!(
            root_cause(&[parse(0, "{\"messageType\":\"INFO\",\"message\":\"ok\"}")]).is_empty()
        );
    }

    #[test]
    fn restarts_count_the_jobs_own_state_changes() {
        let lines: Vec<LogLine> = [
            r#"{"messageType":"INFO","message":"Job StockMaxPrice (3fd1) switched from state RUNNING to RESTARTING."}"#,
            r#"{"messageType":"INFO","message":"Job StockMaxPrice (3fd1) switched from state RESTARTING to RUNNING."}"#,
            r#"{"messageType":"INFO","message":"Source: Kinesis (1/1) switched from RUNNING to FAILED on host."}"#,
            r#"{"messageType":"INFO","message":"Job StockMaxPrice (3fd1) switched from state RUNNING to RESTARTING."}"#,
        ]
        .iter()
        .map(|r| parse(0, r))
        .collect();
        assert_eq!(restarts(&lines), 2);
    }

    #[test]
    fn no_input_makes_parse_panic() {
        for raw in [
            "",
            "{",
            "[]",
            "{\"message\": 3}",
            "null",
            "\u{0}",
            "{\"throwableInformation\": {}}",
        ] {
            let _ = root_cause(&[parse(i64::MIN, raw), parse(i64::MAX, raw)]);
        }
    }
}
