//! The metric queries of `status --watch`, as one declarative table ([`QUERIES`]): for each
//! figure, which namespace, metric, dimension and statistic it reads, for which sink, from which
//! resource; and the one `GetMetricData` call that reads them all.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use aws_smithy_types::DateTime;

use super::series::{Point, PERIOD_S};
use super::sources::{Sink, Sources};
use crate::aws::describe;

pub(super) const IN_RECORDS: &str = "inRecords";
pub(super) const IN_BYTES: &str = "inBytes";
pub(super) const OUT_RECORDS: &str = "outRecords";
pub(super) const OUT_BYTES: &str = "outBytes";
pub(super) const LAG: &str = "lag";
pub(super) const READ_THROTTLES: &str = "readThrottles";
pub(super) const WRITE_THROTTLES: &str = "writeThrottles";
pub(super) const FN_THROTTLES: &str = "functionThrottles";
pub(super) const ERRORS: &str = "errors";
pub(super) const FRESHNESS: &str = "freshness";

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

/// The resource of a stack a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    /// The Kinesis data stream.
    Stream,
    /// Pattern 1's consumer function.
    Consumer,
    /// Pattern 3's delivery stream.
    Delivery,
    /// The Flink application.
    Application,
    /// Pattern 4's fare endpoint function.
    Fare,
}

impl Of {
    fn value(self, s: &Sources) -> Option<&String> {
        match self {
            Of::Stream => s.stream.as_ref(),
            Of::Consumer => s.consumer.as_ref(),
            Of::Delivery => s.delivery.as_ref(),
            Of::Application => s.application.as_ref(),
            Of::Fare => s.fare.as_ref(),
        }
    }
}

/// One row of [`QUERIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// Query id (also the key of its points).
    pub id: &'static str,
    /// The sink whose stacks read it; `None`: every stack.
    pub sink: Option<Sink>,
    /// CloudWatch namespace.
    pub namespace: &'static str,
    /// Metric name.
    pub metric: &'static str,
    /// Dimension name.
    pub dimension: &'static str,
    /// The resource whose physical id is the dimension's value.
    pub of: Of,
    /// Statistic (`Sum` or `Maximum`).
    pub stat: &'static str,
    /// Each value read is divided by this.
    pub divide_by: u32,
}

const fn row(
    id: &'static str,
    sink: Option<Sink>,
    namespace: &'static str,
    metric: &'static str,
    dimension: &'static str,
    of: Of,
    stat: &'static str,
) -> Row {
    Row {
        id,
        sink,
        namespace,
        metric,
        dimension,
        of,
        stat,
        divide_by: 1,
    }
}

const K: &str = "AWS/Kinesis";
const L: &str = "AWS/Lambda";
const F: &str = "AWS/Firehose";
const A: &str = "AWS/KinesisAnalytics";
const STREAM: &str = "StreamName";
const FUNCTION: &str = "FunctionName";
const DELIVERY: &str = "DeliveryStreamName";
const APPLICATION: &str = "Application";
const CONSUMER: Option<Sink> = Some(Sink::Consumer);
const FIREHOSE: Option<Sink> = Some(Sink::Firehose);
const FLINK: Option<Sink> = Some(Sink::Flink);

/// Every query `--watch` may send, in the order sent; a stack gets the rows of every stack and
/// of its sink whose resource it has (see the module's table for why each is read).
#[rustfmt::skip]
pub const QUERIES: &[Row] = &[
    //  id               sink      ns metric                                 dimension  of               stat
    row(IN_RECORDS,      None,     K, "IncomingRecords",                     STREAM,    Of::Stream,      "Sum"),
    row(IN_BYTES,        None,     K, "IncomingBytes",                       STREAM,    Of::Stream,      "Sum"),
    row(READ_THROTTLES,  None,     K, "ReadProvisionedThroughputExceeded",   STREAM,    Of::Stream,      "Sum"),
    row(WRITE_THROTTLES, None,     K, "WriteProvisionedThroughputExceeded",  STREAM,    Of::Stream,      "Sum"),
    // Pattern 1: the consumer's event source mapping is the stream's only reader.
    row(OUT_RECORDS,     CONSUMER, K, "GetRecords.Records",                  STREAM,    Of::Stream,      "Sum"),
    row(OUT_BYTES,       CONSUMER, K, "GetRecords.Bytes",                    STREAM,    Of::Stream,      "Sum"),
    row(LAG,             CONSUMER, K, "GetRecords.IteratorAgeMilliseconds",  STREAM,    Of::Stream,      "Maximum"),
    row(FN_THROTTLES,    CONSUMER, L, "Throttles",                           FUNCTION,  Of::Consumer,    "Sum"),
    row(ERRORS,          CONSUMER, L, "Errors",                              FUNCTION,  Of::Consumer,    "Sum"),
    // Pattern 3: what Firehose delivered.
    row(OUT_RECORDS,     FIREHOSE, F, "DeliveryToS3.Records",                DELIVERY,  Of::Delivery,    "Sum"),
    row(OUT_BYTES,       FIREHOSE, F, "DeliveryToS3.Bytes",                  DELIVERY,  Of::Delivery,    "Sum"),
    row(FRESHNESS,       FIREHOSE, F, "DeliveryToS3.DataFreshness",          DELIVERY,  Of::Delivery,    "Maximum"),
    row(LAG,             FIREHOSE, K, "GetRecords.IteratorAgeMilliseconds",  STREAM,    Of::Stream,      "Maximum"),
    // Patterns 2, 4, 5: Managed Flink takes 4 metric snapshots a minute, so a minute's Sum of
    // numRecordsOut counts its records 4 times: the MSF metrics page says to divide it by 4
    // ("m1/4 where m1 is the SUM statistic over a period").
    Row { divide_by: FLINK_REPORTS_PER_MINUTE,
      ..row(OUT_RECORDS,     FLINK,    A, "numRecordsOut",                       APPLICATION, Of::Application, "Sum") },
    // The job's Kinesis source publishes millisBehindLatest per shard, with stream and shard
    // dimensions next to Application, which one GetMetricData query by Application alone does
    // not match; its GetRecords calls give the stream's iterator age, the same lag as seen by
    // Kinesis.
    row(LAG,             FLINK,    K, "GetRecords.IteratorAgeMilliseconds",  STREAM,    Of::Stream,      "Maximum"),
    row(ERRORS,          FLINK,    L, "Errors",                              FUNCTION,  Of::Fare,        "Sum"),
];

impl Sources {
    /// The `GetMetricData` queries of one refresh: the rows of [`QUERIES`] for this stack.
    pub fn queries(&self) -> Vec<Query> {
        let sink = self.sink();
        QUERIES
            .iter()
            .filter(|r| r.sink.is_none() || r.sink == sink)
            .filter_map(|r| {
                Some(Query {
                    id: r.id,
                    namespace: r.namespace,
                    metric: r.metric,
                    dimension: r.dimension,
                    value: r.of.value(self)?.clone(),
                    stat: r.stat,
                    divide_by: r.divide_by,
                })
            })
            .collect()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::stack::Resource;

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
}
