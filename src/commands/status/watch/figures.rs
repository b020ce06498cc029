//! The figures of one refresh, computed from each query's points ([`super::series`]), and
//! their JSON form.

use std::collections::BTreeMap;

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

use super::queries::{
    ERRORS, FN_THROTTLES, FRESHNESS, IN_BYTES, IN_RECORDS, LAG, OUT_BYTES, OUT_RECORDS,
    READ_THROTTLES, WRITE_THROTTLES,
};
use super::series::{self, Point};
use super::sources::Sources;

/// The figures of one refresh.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// End of the window read (seconds since the epoch).
    pub end: i64,
    /// Records/s and bytes/s in (newest minute).
    pub in_rates: (Option<f64>, Option<f64>),
    /// Records/s and bytes/s out.
    pub out_rates: (Option<f64>, Option<f64>),
    /// Sparklines of in records, in bytes, out records, out bytes.
    pub sparks: [String; 4],
    /// Totals since `since`: in records, in bytes, out records, out bytes.
    pub totals: [Option<f64>; 4],
    /// Iterator age or millisBehindLatest, milliseconds.
    pub lag_ms: Option<f64>,
    /// Throttled requests in the newest minute.
    pub throttles: Option<f64>,
    /// Consumer errors in the newest minute.
    pub errors: Option<f64>,
    /// Firehose data freshness, seconds.
    pub freshness_s: Option<f64>,
}

/// Computes the figures from each query's points.
pub fn compute(points: &BTreeMap<String, Vec<Point>>, end: i64, since: i64) -> Figures {
    let p = |id: &str| points.get(id).map(Vec::as_slice).unwrap_or(&[]);
    let ids = [IN_RECORDS, IN_BYTES, OUT_RECORDS, OUT_BYTES];
    Figures {
        end,
        in_rates: (
            series::latest_rate(p(IN_RECORDS)),
            series::latest_rate(p(IN_BYTES)),
        ),
        out_rates: (
            series::latest_rate(p(OUT_RECORDS)),
            series::latest_rate(p(OUT_BYTES)),
        ),
        sparks: ids.map(|id| series::sparkline(&series::spark_series(p(id), end))),
        totals: ids.map(|id| series::total_since(p(id), since)),
        lag_ms: series::latest(p(LAG)),
        throttles: series::sum_latest(&[p(READ_THROTTLES), p(WRITE_THROTTLES), p(FN_THROTTLES)]),
        errors: series::latest(p(ERRORS)),
        freshness_s: series::latest(p(FRESHNESS)),
    }
}

/// RFC 3339 of seconds since the epoch.
pub(super) fn rfc3339(secs: i64) -> String {
    DateTime::from_secs(secs)
        .fmt(Format::DateTime)
        .unwrap_or_default()
}

/// One refresh as JSON (the shape the README documents).
pub fn json(
    now: i64,
    since: i64,
    sources: &Sources,
    f: Option<&Figures>,
    alarms: &[(String, String)],
    error: Option<&str>,
) -> serde_json::Value {
    let get = |g: fn(&Figures) -> Option<f64>| f.and_then(g);
    serde_json::json!({
        "time": rfc3339(now),
        "pattern": sources.pattern(),
        "in": {"records_per_s": get(|f| f.in_rates.0), "bytes_per_s": get(|f| f.in_rates.1)},
        "out": {"records_per_s": get(|f| f.out_rates.0), "bytes_per_s": get(|f| f.out_rates.1)},
        "totals": {
            "since": rfc3339(since),
            "in_records": get(|f| f.totals[0]),
            "in_bytes": get(|f| f.totals[1]),
            "out_records": get(|f| f.totals[2]),
            "out_bytes": get(|f| f.totals[3]),
        },
        "lag_ms": get(|f| f.lag_ms),
        "throttles": get(|f| f.throttles),
        "errors": get(|f| f.errors),
        "freshness_s": get(|f| f.freshness_s),
        "alarms": alarms
            .iter()
            .map(|(n, s)| (n.clone(), serde_json::Value::String(s.clone())))
            .collect::<serde_json::Map<_, _>>(),
        "error": error,
    })
}
