//! `streamstack status STACK --watch`: live figures of a stack from CloudWatch, refreshed in
//! place on a terminal, one JSON object per refresh otherwise.
//!
//! Each refresh sends one `GetMetricData` call with every query of the stack (and one
//! `DescribeAlarms` call per 100 alarms, as `status` does). What is read for each pattern:
//!
//! | figure | pattern 1 (Lambda consumer) | pattern 3 (Firehose) | patterns 2, 4 (Flink) |
//! |---|---|---|---|
//! | in | `AWS/Kinesis` `IncomingRecords`, `IncomingBytes` (`StreamName`) | same | same |
//! | out | `AWS/Kinesis` `GetRecords.Records`, `GetRecords.Bytes`: what the consumer's event source mapping reads (the stream's only reader) | `AWS/Firehose` `DeliveryToS3.Records`, `DeliveryToS3.Bytes` | `AWS/KinesisAnalytics` `numRecordsOut` (`Application`), the minute's `Sum` divided by 4 ([`FLINK_REPORTS_PER_MINUTE`]); Flink publishes no bytes-out metric, so bytes out is always `null` |
//! | lag | `GetRecords.IteratorAgeMilliseconds` (Maximum) | same | same: the Flink source's own GetRecords calls (its per-shard `millisBehindLatest` carries stream and shard dimensions one query by `Application` cannot match) |
//! | throttles | `Read`/`WriteProvisionedThroughputExceeded` + the consumer's `AWS/Lambda` `Throttles` | `Read`/`Write...` | `Read`/`Write...` |
//! | errors | the consumer's `AWS/Lambda` `Errors` | none (`null`) | pattern 4: the fare endpoint's `Errors`; pattern 2: none |
//! | freshness | none | `DeliveryToS3.DataFreshness` (Maximum, seconds) | none |

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::SdkConfig;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

use super::figures::{self, Point, PERIOD_S};
use crate::aws::describe;
use crate::cfn::stack::Resource;

/// How the pattern's records leave the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// Pattern 1: a Lambda function reads the stream.
    Consumer,
    /// Pattern 3: a Firehose delivery stream writes to S3.
    Firehose,
    /// Patterns 2, 4 and 5: a Flink application.
    Flink,
}

/// The resources of a stack that `--watch` reads, found by logical id and type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// The Kinesis stream's name.
    pub stream: Option<String>,
    /// Pattern 1's consumer function.
    pub consumer: Option<String>,
    /// Pattern 3's delivery stream.
    pub delivery: Option<String>,
    /// The Flink application (patterns 2, 4 and 5).
    pub application: Option<String>,
    /// Pattern 4's fare endpoint function.
    pub fare: Option<String>,
    /// The REST API's id (patterns 1 and 4).
    pub api: Option<String>,
    /// Every alarm's name.
    pub alarms: Vec<String>,
}

impl Sources {
    /// Picks the watched resources out of a stack's resources.
    pub fn from_resources(resources: &[Resource]) -> Sources {
        let mut s = Sources::default();
        for r in resources {
            let id = Some(r.physical_id.clone());
            match (r.resource_type.as_str(), r.logical_id.as_str()) {
                // The stack's data stream; pattern 5 may also have an output stream, which is
                // not the one whose records in, lag and throttles `--watch` shows.
                ("AWS::Kinesis::Stream", "DataStream") => s.stream = id,
                ("AWS::Kinesis::Stream", _) if s.stream.is_none() => s.stream = id,
                ("AWS::Lambda::Function", "ConsumerFunction") => s.consumer = id,
                ("AWS::Lambda::Function", "FareFunction") => s.fare = id,
                ("AWS::KinesisFirehose::DeliveryStream", _) => s.delivery = id,
                ("AWS::KinesisAnalyticsV2::Application", _) => s.application = id,
                ("AWS::ApiGateway::RestApi", _) => s.api = id,
                ("AWS::CloudWatch::Alarm", _) => s.alarms.push(r.physical_id.clone()),
                _ => {}
            }
        }
        s.alarms.sort();
        s
    }

    /// Where records go out; `None` for a stack that is none of the five patterns.
    pub fn sink(&self) -> Option<Sink> {
        if self.delivery.is_some() {
            Some(Sink::Firehose)
        } else if self.application.is_some() {
            Some(Sink::Flink)
        } else if self.consumer.is_some() {
            Some(Sink::Consumer)
        } else {
            None
        }
    }

    /// The pattern's id.
    pub fn pattern(&self) -> &'static str {
        match self.sink() {
            Some(Sink::Consumer) => "apigw-kds-lambda",
            Some(Sink::Firehose) => "kds-kdf-s3",
            Some(Sink::Flink) if self.fare.is_some() => "kds-kda-apigw",
            Some(Sink::Flink) => "kpl-kds-kda",
            None => "unknown",
        }
    }

    /// The `GetMetricData` queries of one refresh.
    pub fn queries(&self) -> Vec<Query> {
        let mut q = Vec::new();
        let mut add = |id, ns, metric, dim: &'static str, value: &Option<String>, stat| {
            if let Some(v) = value {
                q.push(Query {
                    id,
                    namespace: ns,
                    metric,
                    dimension: dim,
                    value: v.clone(),
                    stat,
                    divide_by: 1,
                });
            }
        };
        const K: &str = "AWS/Kinesis";
        let stream = &self.stream;
        add(
            IN_RECORDS,
            K,
            "IncomingRecords",
            "StreamName",
            stream,
            "Sum",
        );
        add(IN_BYTES, K, "IncomingBytes", "StreamName", stream, "Sum");
        add(
            READ_THROTTLES,
            K,
            "ReadProvisionedThroughputExceeded",
            "StreamName",
            stream,
            "Sum",
        );
        add(
            WRITE_THROTTLES,
            K,
            "WriteProvisionedThroughputExceeded",
            "StreamName",
            stream,
            "Sum",
        );
        match self.sink() {
            Some(Sink::Consumer) => {
                add(
                    OUT_RECORDS,
                    K,
                    "GetRecords.Records",
                    "StreamName",
                    stream,
                    "Sum",
                );
                add(
                    OUT_BYTES,
                    K,
                    "GetRecords.Bytes",
                    "StreamName",
                    stream,
                    "Sum",
                );
                add(
                    LAG,
                    K,
                    "GetRecords.IteratorAgeMilliseconds",
                    "StreamName",
                    stream,
                    "Maximum",
                );
                let f = &self.consumer;
                add(
                    FN_THROTTLES,
                    "AWS/Lambda",
                    "Throttles",
                    "FunctionName",
                    f,
                    "Sum",
                );
                add(ERRORS, "AWS/Lambda", "Errors", "FunctionName", f, "Sum");
            }
            Some(Sink::Firehose) => {
                let d = &self.delivery;
                const F: &str = "AWS/Firehose";
                add(
                    OUT_RECORDS,
                    F,
                    "DeliveryToS3.Records",
                    "DeliveryStreamName",
                    d,
                    "Sum",
                );
                add(
                    OUT_BYTES,
                    F,
                    "DeliveryToS3.Bytes",
                    "DeliveryStreamName",
                    d,
                    "Sum",
                );
                add(
                    FRESHNESS,
                    F,
                    "DeliveryToS3.DataFreshness",
                    "DeliveryStreamName",
                    d,
                    "Maximum",
                );
                add(
                    LAG,
                    K,
                    "GetRecords.IteratorAgeMilliseconds",
                    "StreamName",
                    stream,
                    "Maximum",
                );
            }
            Some(Sink::Flink) => {
                let a = &self.application;
                const A: &str = "AWS/KinesisAnalytics";
                add(OUT_RECORDS, A, "numRecordsOut", "Application", a, "Sum");
                // The job's Kinesis source publishes millisBehindLatest per shard, with stream and
                // shard dimensions next to Application, which one GetMetricData query by
                // Application alone does not match; its GetRecords calls give the stream's
                // iterator age, the same lag as seen by Kinesis.
                add(
                    LAG,
                    K,
                    "GetRecords.IteratorAgeMilliseconds",
                    "StreamName",
                    stream,
                    "Maximum",
                );
                add(
                    ERRORS,
                    "AWS/Lambda",
                    "Errors",
                    "FunctionName",
                    &self.fare,
                    "Sum",
                );
            }
            None => {}
        }
        // Managed Flink takes 4 metric snapshots a minute, so a minute's Sum of numRecordsOut
        // counts its records 4 times: the MSF metrics page says to divide it by 4 ("m1/4 where m1
        // is the SUM statistic over a period").
        for query in &mut q {
            if query.namespace == "AWS/KinesisAnalytics" && query.metric == "numRecordsOut" {
                query.divide_by = FLINK_REPORTS_PER_MINUTE;
            }
        }
        q
    }
}

const IN_RECORDS: &str = "inRecords";
const IN_BYTES: &str = "inBytes";
const OUT_RECORDS: &str = "outRecords";
const OUT_BYTES: &str = "outBytes";
const LAG: &str = "lag";
const READ_THROTTLES: &str = "readThrottles";
const WRITE_THROTTLES: &str = "writeThrottles";
const FN_THROTTLES: &str = "functionThrottles";
const ERRORS: &str = "errors";
const FRESHNESS: &str = "freshness";

/// How many times a minute Managed Service for Apache Flink reports `numRecordsIn`/`numRecordsOut`
/// (and their per-second rates): "As Managed Service for Apache Flink takes 4 metric snapshots per
/// minute, the following metric math should be used: m1/4 where m1 is the SUM statistic over a
/// period" (Managed Service for Apache Flink Developer Guide, "Metrics and dimensions in Managed
/// Service for Apache Flink", <https://docs.aws.amazon.com/managed-flink/latest/java/metrics-dimensions.html>).
pub const FLINK_REPORTS_PER_MINUTE: u32 = 4;

/// One metric query: `namespace` `metric` with one dimension, one statistic over [`PERIOD_S`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Query id (also the key of its points).
    pub id: &'static str,
    /// CloudWatch namespace.
    pub namespace: &'static str,
    /// Metric name.
    pub metric: &'static str,
    /// Dimension name.
    pub dimension: &'static str,
    /// Dimension value.
    pub value: String,
    /// Statistic (`Sum` or `Maximum`).
    pub stat: &'static str,
    /// Each value read is divided by this (1 for most metrics; [`FLINK_REPORTS_PER_MINUTE`] for
    /// a Flink count reported several times a minute).
    pub divide_by: u32,
}

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
            figures::latest_rate(p(IN_RECORDS)),
            figures::latest_rate(p(IN_BYTES)),
        ),
        out_rates: (
            figures::latest_rate(p(OUT_RECORDS)),
            figures::latest_rate(p(OUT_BYTES)),
        ),
        sparks: ids.map(|id| figures::sparkline(&figures::spark_series(p(id), end))),
        totals: ids.map(|id| figures::total_since(p(id), since)),
        lag_ms: figures::latest(p(LAG)),
        throttles: figures::sum_latest(&[p(READ_THROTTLES), p(WRITE_THROTTLES), p(FN_THROTTLES)]),
        errors: figures::latest(p(ERRORS)),
        freshness_s: figures::latest(p(FRESHNESS)),
    }
}

/// RFC 3339 of seconds since the epoch.
fn rfc3339(secs: i64) -> String {
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

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// What one screen shows.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Stack name.
    pub stack: &'a str,
    /// Refresh period, seconds.
    pub period: u64,
    /// Now, seconds since the epoch.
    pub now: i64,
    /// Start of the totals.
    pub since: i64,
    /// The watched resources.
    pub sources: &'a Sources,
    /// The figures of the last refresh that read them.
    pub figures: Option<&'a Figures>,
    /// (alarm, state) of the last refresh that read them.
    pub alarms: &'a [(String, String)],
    /// The error of this refresh, if any.
    pub error: Option<&'a str>,
}

/// The lines of the terminal view, at most `height` lines of at most `width` columns (colour
/// codes do not count), so the screen never scrolls.
pub fn screen(frame: &Frame, color: bool, width: usize, height: usize) -> Vec<String> {
    let paint = |code: &str, text: String| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text
        }
    };
    let f = frame.figures;
    let s = frame.sources;
    let mut lines = vec![
        paint(
            BOLD,
            clip(
                &format!(
                    "{} ({})  every {}s  {}",
                    frame.stack,
                    s.pattern(),
                    frame.period,
                    rfc3339(frame.now)
                ),
                width,
            ),
        ),
        format!(
            "stream {}  sink {}",
            s.stream.as_deref().unwrap_or("-"),
            s.consumer
                .as_deref()
                .or(s.delivery.as_deref())
                .or(s.application.as_deref())
                .unwrap_or("-")
        ),
    ];
    if let Some(api) = &s.api {
        lines.push(format!("api    {api}"));
    }
    lines.push(format!("totals since {}", rfc3339(frame.since)));
    lines.push(format!(
        "{:<12}{:<16}{:<32}total",
        "", "rate", "last 30 min"
    ));
    let rows = [
        ("in  records", f.and_then(|f| f.in_rates.0), " rec/s", ""),
        ("in  bytes", f.and_then(|f| f.in_rates.1), " B/s", " B"),
        ("out records", f.and_then(|f| f.out_rates.0), " rec/s", ""),
        ("out bytes", f.and_then(|f| f.out_rates.1), " B/s", " B"),
    ];
    for (i, (label, rate, unit, total_unit)) in rows.into_iter().enumerate() {
        let spark = f.map(|f| f.sparks[i].clone()).unwrap_or_default();
        let total = f.and_then(|f| f.totals[i]);
        lines.push(format!(
            "{label:<12}{:<16}{:<32}{}",
            figures::human(rate, unit),
            spark,
            figures::human(total, total_unit)
        ));
    }
    lines.push(format!(
        "lag {}   freshness {}",
        figures::human(f.and_then(|f| f.lag_ms), " ms"),
        figures::human(f.and_then(|f| f.freshness_s), " s"),
    ));
    lines.push(format!(
        "throttles {}   errors {}",
        figures::human(f.and_then(|f| f.throttles), ""),
        figures::human(f.and_then(|f| f.errors), ""),
    ));
    lines.push("alarms".into());
    if frame.alarms.is_empty() {
        lines.push("  (none reported)".into());
    }
    let room = height.saturating_sub(lines.len() + 1).max(1);
    let shown = if frame.alarms.len() > room {
        room - 1
    } else {
        frame.alarms.len()
    };
    for (name, state) in &frame.alarms[..shown] {
        let code = match state.as_str() {
            "ALARM" => RED,
            "OK" => GREEN,
            _ => YELLOW,
        };
        let name = clip(name, width.saturating_sub(20));
        lines.push(format!("  {} {name}", paint(code, format!("{state:<17}"))));
    }
    if shown < frame.alarms.len() {
        lines.push(format!("  ... {} more", frame.alarms.len() - shown));
    }
    let status = match frame.error {
        Some(e) => paint(RED, clip(&format!("error: {e} (retrying)"), width)),
        None => "ok".to_string(),
    };
    lines.push(status);
    lines
        .into_iter()
        .take(height.max(1))
        .map(|l| {
            if l.contains('\x1b') {
                l
            } else {
                clip(&l, width)
            }
        })
        .collect()
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        text.chars()
            .take(width.saturating_sub(1))
            .chain(['~'])
            .collect()
    }
}

/// The checked `--watch` options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Seconds between refreshes (at least 1).
    pub period: u64,
    /// `--since` in seconds before the start; `None`: since the stack's creation.
    pub since_secs: Option<i64>,
    /// Stop after this many refreshes.
    pub count: Option<u64>,
    /// One JSON object per refresh instead of the terminal view.
    pub json: bool,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Reads every query's points over `[start, end)` with one `GetMetricData` call (more pages only
/// when the window holds more than the 100,800 points one answer may carry).
pub async fn read_metrics(
    cw: &aws_sdk_cloudwatch::Client,
    queries: &[Query],
    start: i64,
    end: i64,
) -> anyhow::Result<BTreeMap<String, Vec<Point>>> {
    let mut out = BTreeMap::new();
    if queries.is_empty() {
        return Ok(out);
    }
    let mut request = cw
        .get_metric_data()
        .start_time(DateTime::from_secs(start))
        .end_time(DateTime::from_secs(end))
        .scan_by(ScanBy::TimestampAscending);
    for q in queries {
        let metric = Metric::builder()
            .namespace(q.namespace)
            .metric_name(q.metric)
            .dimensions(
                Dimension::builder()
                    .name(q.dimension)
                    .value(&q.value)
                    .build(),
            )
            .build();
        let stat = MetricStat::builder()
            .metric(metric)
            .period(PERIOD_S as i32)
            .stat(q.stat)
            .build();
        request = request.metric_data_queries(
            MetricDataQuery::builder()
                .id(q.id)
                .metric_stat(stat)
                .return_data(true)
                .build(),
        );
    }
    let mut token = None;
    loop {
        let page = request
            .clone()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot read metrics: {}", describe(&e)))?;
        for r in page.metric_data_results() {
            let id = r.id().unwrap_or("");
            let divide_by = queries
                .iter()
                .find(|q| q.id == id)
                .map_or(1.0, |q| f64::from(q.divide_by.max(1)));
            let points: &mut Vec<Point> = out.entry(id.to_string()).or_default();
            points.extend(
                r.timestamps()
                    .iter()
                    .zip(r.values())
                    .map(|(t, v)| (t.secs(), *v / divide_by)),
            );
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Hides the cursor and clears the screen; shows the cursor again when dropped (also on an error
/// or Ctrl-C), leaving the last frame on the screen.
struct Screen;

impl Screen {
    fn open() -> Screen {
        let mut o = std::io::stdout();
        let _ = write!(o, "\x1b[?25l\x1b[2J");
        let _ = o.flush();
        Screen
    }

    /// Redraws in place from the top left: each line is cleared to its end, the rest of the
    /// screen below, and the last line has no newline, so nothing scrolls.
    fn draw(&self, lines: &[String]) {
        let mut o = std::io::stdout();
        let _ = write!(o, "\x1b[H{}\x1b[K\x1b[J", lines.join("\x1b[K\r\n"));
        let _ = o.flush();
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let mut o = std::io::stdout();
        let _ = write!(o, "\r\n\x1b[?25h");
        let _ = o.flush();
    }
}

/// An interrupt (Ctrl-C) listener, registered at once so the first Ctrl-C is never the default
/// one that would leave the cursor hidden.
struct Interrupt(#[cfg(unix)] tokio::signal::unix::Signal);

impl Interrupt {
    fn new() -> anyhow::Result<Interrupt> {
        #[cfg(unix)]
        {
            let s = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
            Ok(Interrupt(s))
        }
        #[cfg(not(unix))]
        Ok(Interrupt())
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        self.0.recv().await;
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs the watch until `--count` refreshes are done or Ctrl-C. API errors do not end it: they are
/// shown (a status line, or the JSON `error` field) and the next refresh tries again.
pub async fn run(
    config: &SdkConfig,
    stack: &str,
    sources: &Sources,
    created: Option<i64>,
    opts: &Options,
    out: &crate::output::Printer,
) -> anyhow::Result<()> {
    let cw = aws_sdk_cloudwatch::Client::new(config);
    let queries = sources.queries();
    let started = now_secs();
    let since = match opts.since_secs {
        Some(s) => started - s,
        None => created.unwrap_or(started),
    };
    let mut interrupt = Interrupt::new()?;
    let screen = (!opts.json).then(Screen::open);
    let mut figures: Option<Figures> = None;
    let mut alarms: Vec<(String, String)> = Vec::new();
    let mut done = 0u64;
    loop {
        let now = now_secs();
        let (start, end) = figures::window(now, since);
        let read = async {
            let points = read_metrics(&cw, &queries, start, end).await?;
            let states = super::alarm_states(config, &sources.alarms).await?;
            anyhow::Ok((points, states))
        };
        let result = tokio::select! {
            r = read => r,
            () = interrupt.wait() => break,
        };
        let error = match result {
            Ok((points, states)) => {
                figures = Some(compute(&points, end, since));
                alarms = states;
                None
            }
            Err(e) => Some(format!("{e:#}")),
        };
        match &screen {
            None => {
                let fresh = figures.as_ref().filter(|_| error.is_none());
                let shown: &[(String, String)] = if error.is_none() { &alarms } else { &[] };
                out.out(&json(now, since, sources, fresh, shown, error.as_deref()).to_string());
            }
            Some(screen) => {
                let (height, width) = console::Term::stdout().size();
                let frame = Frame {
                    stack,
                    period: opts.period,
                    now,
                    since,
                    sources,
                    figures: figures.as_ref(),
                    alarms: &alarms,
                    error: error.as_deref(),
                };
                screen.draw(&screen_lines(&frame, width as usize, height as usize));
            }
        }
        done += 1;
        if opts.count.is_some_and(|c| done >= c) {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(opts.period)) => {}
            () = interrupt.wait() => break,
        }
    }
    drop(screen);
    Ok(())
}

fn screen_lines(frame: &Frame, width: usize, height: usize) -> Vec<String> {
    screen(frame, true, width.max(20), height.max(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(logical: &str, kind: &str, physical: &str) -> Resource {
        Resource {
            logical_id: logical.into(),
            resource_type: kind.into(),
            physical_id: physical.into(),
        }
    }

    fn ids(s: &Sources) -> Vec<(&'static str, &'static str, String)> {
        s.queries()
            .into_iter()
            .map(|q| (q.id, q.metric, q.value))
            .collect()
    }

    #[test]
    fn each_pattern_is_found_from_its_resources_and_reads_its_own_sink() {
        let stream = res("DataStream", "AWS::Kinesis::Stream", "s");
        let p1 = Sources::from_resources(&[
            stream.clone(),
            res("ConsumerFunction", "AWS::Lambda::Function", "f"),
            res("ProxyApi", "AWS::ApiGateway::RestApi", "api1"),
            res("B", "AWS::CloudWatch::Alarm", "b"),
            res("A", "AWS::CloudWatch::Alarm", "a"),
        ]);
        assert_eq!(p1.pattern(), "apigw-kds-lambda");
        assert_eq!(p1.api.as_deref(), Some("api1"));
        assert_eq!(p1.alarms, ["a", "b"]);
        let q = ids(&p1);
        assert!(q.contains(&(OUT_RECORDS, "GetRecords.Records", "s".into())));
        assert!(q.contains(&(ERRORS, "Errors", "f".into())));
        assert!(q.contains(&(FN_THROTTLES, "Throttles", "f".into())));

        let p3 = Sources::from_resources(&[
            stream.clone(),
            res(
                "DeliveryStream",
                "AWS::KinesisFirehose::DeliveryStream",
                "d",
            ),
        ]);
        assert_eq!(p3.pattern(), "kds-kdf-s3");
        let q = ids(&p3);
        assert!(q.contains(&(OUT_BYTES, "DeliveryToS3.Bytes", "d".into())));
        assert!(q.contains(&(FRESHNESS, "DeliveryToS3.DataFreshness", "d".into())));
        assert!(!q.iter().any(|(id, ..)| *id == ERRORS));

        let app = res("Application", "AWS::KinesisAnalyticsV2::Application", "app");
        let p2 = Sources::from_resources(&[stream.clone(), app.clone()]);
        assert_eq!(p2.pattern(), "kpl-kds-kda");
        let q = ids(&p2);
        assert!(q.contains(&(OUT_RECORDS, "numRecordsOut", "app".into())));
        let divisors: Vec<(&str, u32)> = p2.queries().iter().map(|q| (q.id, q.divide_by)).collect();
        assert!(
            divisors
                .iter()
                .all(|(id, d)| *d == if *id == OUT_RECORDS { 4 } else { 1 }),
            "issue #19 defect 6: numRecordsOut is reported 4 times a minute, so its Sum is divided by 4: {divisors:?}"
        );
        assert!(p1.queries().iter().all(|q| q.divide_by == 1));
        assert!(q.contains(&(LAG, "GetRecords.IteratorAgeMilliseconds", "s".into())));
        assert!(!q.iter().any(|(id, ..)| *id == OUT_BYTES || *id == ERRORS));

        let p4 = Sources::from_resources(&[
            stream,
            app,
            res("FareFunction", "AWS::Lambda::Function", "fare"),
        ]);
        assert_eq!(p4.pattern(), "kds-kda-apigw");
        assert!(ids(&p4).contains(&(ERRORS, "Errors", "fare".into())));

        // Pattern 5 with its output stream: the data stream is watched whichever comes first.
        for resources in [
            [
                res("DataStream", "AWS::Kinesis::Stream", "data"),
                res("OutputStream", "AWS::Kinesis::Stream", "out"),
            ],
            [
                res("OutputStream", "AWS::Kinesis::Stream", "out"),
                res("DataStream", "AWS::Kinesis::Stream", "data"),
            ],
        ] {
            let p5 = Sources::from_resources(&resources);
            assert_eq!(
                p5.stream.as_deref(),
                Some("data"),
                "issue #20: status --watch of a streaming-etl stack with EnableOutputStream watched the output stream"
            );
        }
        assert!(Sources::default().queries().is_empty());
    }

    #[test]
    fn the_screen_fits_the_terminal_and_says_no_data_yet() {
        let sources = Sources {
            stream: Some("orders-DataStream-1".into()),
            delivery: Some("orders-DeliveryStream-1".into()),
            ..Sources::default()
        };
        let alarms: Vec<(String, String)> = (0..40)
            .map(|i| {
                (
                    format!("orders-Alarm-{i:02}-with-a-long-name-{}", "x".repeat(60)),
                    "OK".into(),
                )
            })
            .collect();
        let frame = Frame {
            stack: "orders",
            period: 10,
            now: 1_800_000_000,
            since: 1_799_996_400,
            sources: &sources,
            figures: None,
            alarms: &alarms,
            error: Some("cannot read metrics: Throttling: Rate exceeded"),
        };
        let lines = screen(&frame, false, 80, 24);
        assert_eq!(lines.len(), 24, "{lines:#?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{lines:#?}");
        assert!(
            lines[4].starts_with("in  records no data yet"),
            "{lines:#?}"
        );
        assert_eq!(lines[8], "lag no data yet   freshness no data yet");
        assert_eq!(lines[9], "throttles no data yet   errors no data yet");
        assert!(lines[22].starts_with("  ... "), "{lines:#?}");
        assert_eq!(
            lines[23],
            "error: cannot read metrics: Throttling: Rate exceeded (retrying)"
        );
    }
}
