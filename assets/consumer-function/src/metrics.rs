//! Per-invocation counters, written as a CloudWatch embedded metric format (EMF) log line.

use serde_json::json;

/// CloudWatch namespace of the metrics.
pub const NAMESPACE: &str = "streamstack";

/// What one invocation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    /// User records read (after de-aggregation).
    pub records_read: u64,
    /// Data bytes of the user records read.
    pub bytes_read: u64,
    /// User records the transform rejected (logged and skipped).
    pub records_rejected: u64,
    /// User records emitted.
    pub records_written: u64,
    /// Bytes emitted (output lines including their newlines).
    pub bytes_written: u64,
    /// User records the emitter could not write (reported as batch item failures, so Lambda
    /// retries them): the metric of the `ConsumerEmitFailuresAlarm`.
    pub records_failed: u64,
}

impl Metrics {
    /// The EMF log line (without newline) for these counters, with dimension `FunctionName`,
    /// stamped `timestamp_ms` (milliseconds since the Unix epoch).
    #[must_use]
    pub fn emf_line(&self, function_name: &str, timestamp_ms: u64) -> String {
        json!({
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["FunctionName"]],
                    "Metrics": [
                        {"Name": "RecordsRead", "Unit": "Count"},
                        {"Name": "BytesRead", "Unit": "Bytes"},
                        {"Name": "RecordsRejected", "Unit": "Count"},
                        {"Name": "RecordsWritten", "Unit": "Count"},
                        {"Name": "BytesWritten", "Unit": "Bytes"},
                        {"Name": "RecordsFailed", "Unit": "Count"},
                    ],
                }],
            },
            "FunctionName": function_name,
            "RecordsRead": self.records_read,
            "BytesRead": self.bytes_read,
            "RecordsRejected": self.records_rejected,
            "RecordsWritten": self.records_written,
            "BytesWritten": self.bytes_written,
            "RecordsFailed": self.records_failed,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_line_declares_every_metric_with_its_value() {
        let m = Metrics {
            records_read: 5,
            bytes_read: 50,
            records_rejected: 1,
            records_written: 4,
            bytes_written: 44,
            records_failed: 3,
        };
        let line = m.emf_line("my-fn", 1_700_000_000_000);
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["_aws"]["Timestamp"], 1_700_000_000_000_u64);
        let decl = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(decl["Namespace"], "streamstack");
        assert_eq!(decl["Dimensions"], json!([["FunctionName"]]));
        assert_eq!(v["FunctionName"], "my-fn");
        let expected = [
            ("RecordsRead", 5),
            ("BytesRead", 50),
            ("RecordsRejected", 1),
            ("RecordsWritten", 4),
            ("BytesWritten", 44),
            ("RecordsFailed", 3),
        ];
        let names: Vec<_> = decl["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, expected.map(|(n, _)| n.to_owned()));
        for (name, value) in expected {
            assert_eq!(v[name], value, "{name}");
        }
    }
}
