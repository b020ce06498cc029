//! One invocation: a Kinesis event through the pipeline.

use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_lambda_events::event::streams::KinesisEventResponse;
use bytes::Bytes;
use kpl_aggregation::deaggregate_bytes;

use crate::buffer::{Batch, Buffer};
use crate::config::Config;
use crate::emit::Emitter;
use crate::metrics::Metrics;
use crate::transform::{AcceptAll, Filter, Transformer};

/// What an invocation returns to Lambda, and what it counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `batchItemFailures`: empty on success, else the sequence number of the first Kinesis
    /// record holding a user record that could not be emitted (Lambda retries from it).
    pub response: KinesisEventResponse,
    /// Counters for the EMF metrics line.
    pub metrics: Metrics,
}

/// De-aggregate -> transform -> filter -> buffer -> emit.
#[derive(Debug)]
pub struct Pipeline<E, F = AcceptAll> {
    transformer: Transformer,
    filter: F,
    emitter: E,
    max_records: usize,
    max_bytes: usize,
}

impl<E: Emitter> Pipeline<E, AcceptAll> {
    /// A pipeline for `config` that keeps every transformed record.
    pub fn new(config: &Config, emitter: E) -> Self {
        Self::with_filter(config, emitter, AcceptAll)
    }
}

impl<E: Emitter, F: Filter> Pipeline<E, F> {
    /// A pipeline for `config` with a custom filter step.
    pub fn with_filter(config: &Config, emitter: E, filter: F) -> Self {
        Self {
            transformer: Transformer::new(config.transform.clone()),
            filter,
            emitter,
            max_records: config.buffer_max_records,
            max_bytes: config.buffer_max_bytes,
        }
    }

    /// The emitter.
    pub fn emitter(&self) -> &E {
        &self.emitter
    }

    /// Processes one event. Records the transform rejects are logged, counted and skipped.
    /// Batches are emitted in order; at the first batch that cannot be emitted processing
    /// stops and the batch's first Kinesis sequence number is reported as the batch item
    /// failure, so Lambda retries from there (nothing before it is emitted again).
    pub async fn handle(&self, event: KinesisEvent) -> Outcome {
        let mut metrics = Metrics::default();
        let mut response = KinesisEventResponse::default();
        let mut buffer = Buffer::new(self.max_records, self.max_bytes);
        let mut line = Vec::new();
        let mut lines = Vec::new();

        for record in event.records {
            let shard_id = record
                .event_id
                .as_deref()
                .and_then(|id| id.split_once(':'))
                .map(|(shard, _)| shard.to_owned());
            let kinesis = record.kinesis;
            let arrival_ms = kinesis.approximate_arrival_timestamp.timestamp_millis();
            let data = Bytes::from(kinesis.data.0);
            lines.clear();
            let mut count = 0;
            for user in
                deaggregate_bytes(&kinesis.partition_key, None, data, &kinesis.sequence_number)
            {
                metrics.records_read += 1;
                metrics.bytes_read += user.data.len() as u64;
                line.clear();
                if let Err(error) = self.transformer.apply(&user.data, &mut line) {
                    metrics.records_rejected += 1;
                    crate::log::log(
                        "WARN",
                        "record rejected",
                        &[
                            ("sequence_number", (*user.sequence_number).into()),
                            ("sub_sequence_number", user.sub_sequence_number.into()),
                            ("partition_key", (*user.partition_key).into()),
                            ("error", error.to_string().into()),
                        ],
                    );
                    continue;
                }
                if !self.filter.keep(&user, &line) {
                    continue;
                }
                if let Err(reason) = self.emitter.check(&line) {
                    metrics.records_rejected += 1;
                    crate::log::log(
                        "WARN",
                        "record rejected",
                        &[
                            ("sequence_number", (*user.sequence_number).into()),
                            ("sub_sequence_number", user.sub_sequence_number.into()),
                            ("partition_key", (*user.partition_key).into()),
                            ("error", reason.into()),
                        ],
                    );
                    continue;
                }
                lines.extend_from_slice(&line);
                lines.push(b'\n');
                count += 1;
            }
            if count == 0 {
                continue;
            }
            if !buffer.fits(count, lines.len()) {
                if let Some(batch) = buffer.take() {
                    if !self.emit(&batch, &mut metrics, &mut response).await {
                        return Outcome { response, metrics };
                    }
                }
            }
            buffer.push(
                &kinesis.sequence_number,
                shard_id.as_deref(),
                arrival_ms,
                &lines,
                count,
            );
            if buffer.is_full() {
                if let Some(batch) = buffer.take() {
                    if !self.emit(&batch, &mut metrics, &mut response).await {
                        return Outcome { response, metrics };
                    }
                }
            }
        }
        if let Some(batch) = buffer.take() {
            self.emit(&batch, &mut metrics, &mut response).await;
        }
        Outcome { response, metrics }
    }

    /// Emits `batch`; on failure records the batch item failure (the Kinesis record of the
    /// first user record not written) and returns false.
    async fn emit(
        &self,
        batch: &Batch,
        metrics: &mut Metrics,
        response: &mut KinesisEventResponse,
    ) -> bool {
        match self.emitter.emit(batch).await {
            Ok(()) => {
                metrics.records_written += batch.records as u64;
                metrics.bytes_written += batch.body.len() as u64;
                true
            }
            Err(error) => {
                let retry_from = batch.sequence_number_of_line(error.first_failed);
                let written = error.written.min(batch.records);
                metrics.records_written += written as u64;
                metrics.records_failed += (batch.records - written) as u64;
                crate::log::log(
                    "ERROR",
                    "emit failed; Lambda retries from the first record not written",
                    &[
                        ("retry_from_sequence_number", retry_from.into()),
                        (
                            "first_sequence_number",
                            batch.first_sequence_number.as_str().into(),
                        ),
                        ("records", batch.records.into()),
                        ("records_written", written.into()),
                        ("error", error.to_string().into()),
                    ],
                );
                response.add_failure(retry_from.to_owned());
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use base64::Engine;
    use kpl_aggregation::Aggregator;
    use serde_json::json;

    use super::*;
    use crate::config::TransformKind;
    use crate::emit::EmitError;

    /// Remembers the batches it emitted; fails its `fail_at`-th call (1-based), from line
    /// `fail_line` of the batch on (0: the whole batch); refuses lines containing `refuse`.
    #[derive(Default)]
    struct Recording {
        calls: AtomicUsize,
        fail_at: Option<usize>,
        fail_line: usize,
        refuse: Option<&'static str>,
        emitted: Mutex<Vec<Batch>>,
    }

    impl Emitter for Recording {
        fn check(&self, line: &[u8]) -> Result<(), String> {
            match self.refuse {
                Some(r) if String::from_utf8_lossy(line).contains(r) => {
                    Err(format!("no key field in {}", String::from_utf8_lossy(line)))
                }
                _ => Ok(()),
            }
        }

        fn emit(&self, batch: &Batch) -> impl Future<Output = Result<(), EmitError>> + Send {
            let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            let result = if Some(call) == self.fail_at {
                Err(EmitError {
                    message: "PutObject failed: SlowDown".into(),
                    first_failed: self.fail_line,
                    written: self.fail_line,
                })
            } else {
                self.emitted.lock().unwrap().push(batch.clone());
                Ok(())
            };
            std::future::ready(result)
        }
    }

    fn seq(n: u32) -> String {
        format!("4959033827149025660855969253836157109592157598913658{n:04}")
    }

    fn aggregated(records: &[&str]) -> Vec<u8> {
        let mut agg = Aggregator::default();
        for (i, r) in records.iter().enumerate() {
            assert!(agg
                .add_parts(&format!("user-{i}"), None, r.as_bytes())
                .unwrap()
                .is_none());
        }
        agg.flush().unwrap().data
    }

    fn record(n: u32, data: &[u8]) -> serde_json::Value {
        json!({
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": format!("pk-{n}"),
                "sequenceNumber": seq(n),
                "data": base64::engine::general_purpose::STANDARD.encode(data),
                "approximateArrivalTimestamp": 1_545_084_650.987
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": format!("shardId-000000000006:{}", seq(n)),
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/consumer",
            "awsRegion": "eu-west-1",
            "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/streamstack"
        })
    }

    /// Seven Kinesis records: plain, aggregated, poison, plain, aggregated, plain, plain.
    fn event() -> KinesisEvent {
        let records = vec![
            record(1, br#"{"id":1}"#),
            record(2, &aggregated(&[r#"{"id":2}"#, "{\n \"id\": 3\n}"])),
            record(3, b"not json"),
            record(4, br#"{"id":4}"#),
            record(5, &aggregated(&[r#"{"id":5}"#, r#"{"id":6}"#])),
            record(6, br#"{"id":7}"#),
            record(7, br#"{"id":8}"#),
        ];
        serde_json::from_value(json!({ "Records": records })).unwrap()
    }

    fn pipeline(fail_at: Option<usize>) -> Pipeline<Recording> {
        let config = Config {
            transform: TransformKind::Json,
            buffer_max_records: 3,
            ..Config::default()
        };
        Pipeline::new(
            &config,
            Recording {
                fail_at,
                ..Recording::default()
            },
        )
    }

    fn lines(ids: &[u32]) -> Vec<u8> {
        ids.iter()
            .flat_map(|i| format!("{{\"id\":{i}}}\n").into_bytes())
            .collect()
    }

    #[tokio::test]
    async fn all_batches_emitted() {
        let p = pipeline(None);
        let outcome = p.handle(event()).await;
        assert!(outcome.response.batch_item_failures.is_empty());
        assert_eq!(
            outcome.metrics,
            Metrics {
                records_read: 9,
                bytes_read: 7 * 8 + 12 + 8, // 7 compact, 1 pretty-printed, "not json"
                records_rejected: 1,
                records_written: 8,
                bytes_written: 8 * 9,
                records_failed: 0,
            }
        );
        let emitted = p.emitter().emitted.lock().unwrap().clone();
        let summary: Vec<_> = emitted
            .iter()
            .map(|b| {
                (
                    b.body.clone(),
                    b.records,
                    b.first_sequence_number.clone(),
                    b.last_sequence_number.clone(),
                    b.shard_id.as_deref().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let shard = "shardId-000000000006".to_owned();
        assert_eq!(
            summary,
            vec![
                (lines(&[1, 2, 3]), 3, seq(1), seq(2), shard.clone()),
                (lines(&[4, 5, 6]), 3, seq(4), seq(5), shard.clone()),
                (lines(&[7, 8]), 2, seq(6), seq(7), shard),
            ]
        );
    }

    #[tokio::test]
    async fn third_buffer_fails_so_lambda_retries_from_its_first_record() {
        let p = pipeline(Some(3));
        let outcome = p.handle(event()).await;
        let failures: Vec<_> = outcome
            .response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        assert_eq!(failures, vec![Some(seq(6))]);
        assert_eq!(outcome.metrics.records_written, 6);
        assert_eq!(outcome.metrics.records_failed, 2);
        assert_eq!(outcome.metrics.records_rejected, 1);
        assert_eq!(p.emitter().emitted.lock().unwrap().len(), 2);
        // The response Lambda reads.
        assert_eq!(
            serde_json::to_value(&outcome.response).unwrap(),
            json!({"batchItemFailures": [{"itemIdentifier": seq(6)}]})
        );
    }

    #[tokio::test]
    async fn a_record_failed_inside_a_batch_is_retried_from_its_own_kinesis_record() {
        // The first batch holds ids 1 (Kinesis record 1), 2 and 3 (both in the aggregate,
        // record 2). The emitter writes id 1 and fails from id 2 on: Lambda must retry from
        // record 2, not from the batch's first record.
        let config = Config {
            buffer_max_records: 3,
            ..Config::default()
        };
        let p = Pipeline::new(
            &config,
            Recording {
                fail_at: Some(1),
                fail_line: 1,
                ..Recording::default()
            },
        );
        let outcome = p.handle(event()).await;
        assert_eq!(
            serde_json::to_value(&outcome.response).unwrap(),
            json!({"batchItemFailures": [{"itemIdentifier": seq(2)}]})
        );
        assert_eq!(outcome.metrics.records_written, 1);
        assert_eq!(outcome.metrics.records_failed, 2);

        // A record in the middle of an aggregate: line 2 of the batch is id 3, the second
        // user record of Kinesis record 2.
        let p = Pipeline::new(
            &config,
            Recording {
                fail_at: Some(1),
                fail_line: 2,
                ..Recording::default()
            },
        );
        let outcome = p.handle(event()).await;
        assert_eq!(
            outcome.response.batch_item_failures[0].item_identifier,
            Some(seq(2))
        );
        assert_eq!(outcome.metrics.records_written, 2);
        assert_eq!(outcome.metrics.records_failed, 1);
    }

    #[tokio::test]
    async fn records_the_emitter_refuses_are_rejected_not_retried() {
        let config = Config {
            buffer_max_records: 3,
            ..Config::default()
        };
        let p = Pipeline::new(
            &config,
            Recording {
                refuse: Some("\"id\":5"),
                ..Recording::default()
            },
        );
        let outcome = p.handle(event()).await;
        assert!(outcome.response.batch_item_failures.is_empty());
        assert_eq!(
            outcome.metrics.records_rejected, 2,
            "the poison record and id 5"
        );
        assert_eq!(outcome.metrics.records_written, 7);
        let bodies: Vec<u8> = p
            .emitter()
            .emitted
            .lock()
            .unwrap()
            .iter()
            .flat_map(|b| b.body.clone())
            .collect();
        assert_eq!(bodies, lines(&[1, 2, 3, 4, 6, 7, 8]));
    }

    #[tokio::test]
    async fn processing_stops_at_the_first_failed_buffer() {
        let p = pipeline(Some(2));
        let outcome = p.handle(event()).await;
        assert_eq!(
            outcome.response.batch_item_failures[0].item_identifier,
            Some(seq(4))
        );
        assert_eq!(outcome.response.batch_item_failures.len(), 1);
        // Records 6 and 7 were not read: Lambda sends them again with the retry.
        assert_eq!(outcome.metrics.records_read, 7);
        assert_eq!(outcome.metrics.records_written, 3);
        assert_eq!(p.emitter().calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_retry_rebuilds_the_failed_batch_with_the_same_object_key() {
        use crate::config::Compression;
        use crate::emit::object_key;
        let keys = |p: &Pipeline<Recording>| -> Vec<String> {
            p.emitter()
                .emitted
                .lock()
                .unwrap()
                .iter()
                .map(|b| object_key("out/", b, "jsonl", Compression::Gzip))
                .collect()
        };
        let complete = pipeline(None);
        complete.handle(event()).await;
        let all_keys = keys(&complete);
        assert_eq!(
            all_keys[1],
            format!(
                "out/year=2018/month=12/day=17/hour=22/shardId-000000000006-{}-{}.jsonl.gz",
                seq(4),
                seq(5)
            )
        );

        // The second batch fails; Lambda retries from its first record with the rest of
        // the batch, and the batches of the retry are exactly the ones that were missing.
        let failing = pipeline(Some(2));
        let outcome = failing.handle(event()).await;
        let retry_from = outcome.response.batch_item_failures[0]
            .item_identifier
            .clone()
            .unwrap();
        let mut retry = event();
        retry
            .records
            .retain(|r| r.kinesis.sequence_number >= retry_from);
        let retried = pipeline(None);
        retried.handle(retry).await;
        let mut combined = keys(&failing);
        combined.extend(keys(&retried));
        assert_eq!(combined, all_keys);
    }

    #[tokio::test]
    async fn a_poison_only_event_succeeds_and_the_filter_can_drop_records() {
        let poison: KinesisEvent =
            serde_json::from_value(json!({"Records": [record(1, b"\xff\xfe")]})).unwrap();
        let p = pipeline(Some(1));
        let outcome = p.handle(poison).await;
        assert!(outcome.response.batch_item_failures.is_empty());
        assert_eq!(outcome.metrics.records_rejected, 1);
        assert_eq!(p.emitter().calls.load(Ordering::SeqCst), 0);

        let config = Config {
            buffer_max_records: 3,
            ..Config::default()
        };
        let odd_only = |_: &kpl_aggregation::DeaggregatedRecord, line: &[u8]| {
            line.ends_with(b"1}") || line.ends_with(b"3}") || line.ends_with(b"5}")
        };
        let p = Pipeline::with_filter(&config, Recording::default(), odd_only);
        let outcome = p.handle(event()).await;
        assert_eq!(outcome.metrics.records_written, 3);
        let bodies: Vec<_> = p
            .emitter()
            .emitted
            .lock()
            .unwrap()
            .iter()
            .map(|b| b.body.clone())
            .collect();
        assert_eq!(bodies, vec![lines(&[1, 3, 5])]);
    }
}
