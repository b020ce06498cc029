//! Reading one Kinesis shard for `streamstack tail`: where to start ([`StartAt`], `--from`), and
//! the GetRecords loop ([`read`]), paced so that a shard is asked at most once per
//! [`MIN_INTERVAL`] (one second): a shard serves 5 GetRecords calls per second in all, shared
//! with the stack's own consumer (the Lambda event source mapping, Firehose or the Flink job),
//! which must keep its share. Throttling doubles the pause (up to [`MAX_BACKOFF`]).
//!
//! The loop reads through the [`Shard`] trait, so the tests drive it with a simulated shard on
//! tokio's paused clock and count the calls.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// The shortest time between two GetRecords calls on one shard.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The longest pause after throttling.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Where `tail` starts reading (`--from`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartAt {
    /// Only records written from now on (`latest`).
    Latest,
    /// The oldest record still in the stream (`trim-horizon`).
    TrimHorizon,
    /// Records that arrived at or after this time, ms since the epoch (`at:TIMESTAMP`).
    At(i64),
    /// Records after this sequence number of one shard (`after:SEQUENCE`).
    After(String),
}

impl StartAt {
    /// Parses `--from`: `latest`, `trim-horizon`, `at:TIMESTAMP` (RFC 3339) or
    /// `after:SEQUENCE` (the digits of a sequence number).
    ///
    /// # Errors
    /// One line naming the value and what is allowed.
    pub fn parse(text: &str) -> Result<StartAt, String> {
        let bad = || {
            format!(
                "--from `{text}` is invalid: use latest, trim-horizon, at:TIMESTAMP (RFC 3339, e.g. at:2026-12-05T01:00:00Z) or after:SEQUENCE (a sequence number, with --shard)"
            )
        };
        match text.trim() {
            "latest" => Ok(StartAt::Latest),
            "trim-horizon" => Ok(StartAt::TrimHorizon),
            t => {
                if let Some(at) = t.strip_prefix("at:") {
                    crate::logs::time::parse_rfc3339(at)
                        .map(StartAt::At)
                        .map_err(|_| bad())
                } else if let Some(seq) = t.strip_prefix("after:") {
                    if !seq.is_empty()
                        && seq.len() <= 128
                        && seq.bytes().all(|b| b.is_ascii_digit())
                    {
                        Ok(StartAt::After(seq.to_string()))
                    } else {
                        Err(bad())
                    }
                } else {
                    Err(bad())
                }
            }
        }
    }

    /// Whether closed shards (the parents of a reshard) can still hold records to read.
    pub fn reads_closed_shards(&self) -> bool {
        !matches!(self, StartAt::Latest)
    }
}

/// One record of a GetRecords answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Partition key.
    pub partition_key: String,
    /// Sequence number.
    pub sequence_number: String,
    /// When Kinesis received it (ms since the epoch), if it says.
    pub arrival_ms: Option<i64>,
    /// The data (a KPL aggregate or one user record).
    pub data: bytes::Bytes,
}

/// One GetRecords answer.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The records.
    pub records: Vec<Record>,
    /// The iterator for the next call; `None` once a closed shard is read to its end.
    pub next: Option<String>,
    /// How far behind the tip of the shard this answer is.
    pub millis_behind: i64,
}

/// Why a GetRecords call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Throttled (`ProvisionedThroughputExceededException` and the like): wait and retry.
    Throttled,
    /// Anything else, as one line.
    Other(String),
}

/// A shard to read from: GetRecords with an iterator.
pub trait Shard {
    /// One GetRecords call.
    fn get_records(&self, iterator: &str) -> impl Future<Output = Result<Page, Failure>> + Send;
}

/// When a shard's reading ends.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stop {
    /// End once caught up with the tip of the shard (`--no-follow`).
    pub when_caught_up: bool,
    /// End at the first record that arrived after this time (ms), and once caught up after it
    /// (`--until`).
    pub until_ms: Option<i64>,
}

/// Reads the shard from `iterator` until it ends (a closed shard read to its end), [`Stop`]
/// says so, or `deliver` answers `false`; hands each answer's records to `deliver`. `now_ms`
/// gives the wall-clock time for `--until`.
///
/// # Errors
/// A GetRecords failure other than throttling.
pub async fn read<S: Shard, F: Future<Output = bool>>(
    shard: &S,
    iterator: String,
    stop: Stop,
    now_ms: impl Fn() -> i64,
    mut deliver: impl FnMut(Vec<Record>) -> F,
) -> Result<(), String> {
    let mut iterator = Some(iterator);
    let mut last_call: Option<Instant> = None;
    let mut pause = MIN_INTERVAL;
    while let Some(it) = iterator.take() {
        if let Some(last) = last_call {
            tokio::time::sleep_until(last + pause).await;
        }
        last_call = Some(Instant::now());
        let page = match shard.get_records(&it).await {
            Ok(p) => p,
            Err(Failure::Throttled) => {
                pause = (pause * 2).min(MAX_BACKOFF);
                iterator = Some(it);
                continue;
            }
            Err(Failure::Other(e)) => return Err(e),
        };
        pause = MIN_INTERVAL;
        let caught_up = page.records.is_empty() && page.millis_behind == 0;
        let mut records = page.records;
        let mut past_until = false;
        if let Some(until) = stop.until_ms {
            if let Some(i) = records
                .iter()
                .position(|r| r.arrival_ms.is_some_and(|t| t > until))
            {
                records.truncate(i);
                past_until = true;
            }
        }
        if !records.is_empty() && !deliver(records).await {
            return Ok(());
        }
        if past_until
            || (caught_up && stop.when_caught_up)
            || (caught_up && stop.until_ms.is_some_and(|u| now_ms() > u))
        {
            return Ok(());
        }
        iterator = page.next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A shard that always has more records (it never catches up), throttling the calls whose
    /// numbers are in `throttle`, and recording when each call came.
    #[derive(Clone, Default)]
    struct Busy {
        calls: Arc<Mutex<Vec<Instant>>>,
        throttle: Vec<usize>,
        arrival_step_ms: i64,
    }

    impl Shard for Busy {
        fn get_records(
            &self,
            iterator: &str,
        ) -> impl Future<Output = Result<Page, Failure>> + Send {
            let n = {
                let mut c = self.calls.lock().unwrap();
                c.push(Instant::now());
                c.len() - 1
            };
            let throttled = self.throttle.contains(&n);
            let next: usize = iterator.parse().unwrap();
            let step = self.arrival_step_ms;
            async move {
                if throttled {
                    return Err(Failure::Throttled);
                }
                let records = (0..100)
                    .map(|i| Record {
                        partition_key: "k".into(),
                        sequence_number: format!("{}", next * 100 + i),
                        arrival_ms: Some((next * 100 + i) as i64 * step),
                        data: bytes::Bytes::from_static(b"x"),
                    })
                    .collect();
                Ok(Page {
                    records,
                    next: Some((next + 1).to_string()),
                    millis_behind: 60_000,
                })
            }
        }
    }

    fn gaps(calls: &[Instant]) -> Vec<Duration> {
        calls.windows(2).map(|w| w[1] - w[0]).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_shard_is_asked_at_most_once_per_second() {
        let shard = Busy::default();
        let mut delivered = 0;
        // 30 simulated seconds of a shard that always has more to read.
        let _ = tokio::time::timeout(
            Duration::from_secs(30),
            read(
                &shard,
                "0".into(),
                Stop::default(),
                || 0,
                |r| {
                    delivered += r.len();
                    std::future::ready(true)
                },
            ),
        )
        .await;
        let calls = shard.calls.lock().unwrap().clone();
        assert!(
            calls.len() >= 25,
            "the reader kept reading: {} calls",
            calls.len()
        );
        assert!(
            calls.len() <= 31,
            "at most one GetRecords per second per shard: {} calls in 30 s",
            calls.len()
        );
        for g in gaps(&calls) {
            assert!(
                g >= MIN_INTERVAL,
                "GetRecords calls on one shard {g:?} apart: the shard's 5 reads/s are shared with the stack's consumer"
            );
        }
        assert_eq!(delivered, 100 * calls.len());
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_doubles_the_pause_and_success_restores_it() {
        let shard = Busy {
            throttle: vec![1, 2, 3],
            ..Busy::default()
        };
        let _ = tokio::time::timeout(
            Duration::from_secs(30),
            read(
                &shard,
                "0".into(),
                Stop::default(),
                || 0,
                |_| std::future::ready(true),
            ),
        )
        .await;
        let calls = shard.calls.lock().unwrap().clone();
        let secs: Vec<u64> = gaps(&calls)[..6].iter().map(Duration::as_secs).collect();
        // call 0 ok, 1-3 throttled (pause 2, 4, 8 s after them), 4 ok, then 1 s again.
        assert_eq!(secs, [1, 2, 4, 8, 1, 1]);
    }

    #[tokio::test(start_paused = true)]
    async fn until_stops_at_the_first_record_that_arrived_later() {
        let shard = Busy {
            arrival_step_ms: 10,
            ..Busy::default()
        };
        let mut got = Vec::new();
        let stop = Stop {
            until_ms: Some(2_500),
            ..Stop::default()
        };
        read(
            &shard,
            "0".into(),
            stop,
            || 0,
            |r| {
                got.extend(r);
                std::future::ready(true)
            },
        )
        .await
        .unwrap();
        // Arrival times 0, 10, ..., 2500: 251 records.
        assert_eq!(got.len(), 251);
        assert_eq!(got.last().unwrap().arrival_ms, Some(2_500));
    }

    #[test]
    fn from_values() {
        assert_eq!(StartAt::parse("latest"), Ok(StartAt::Latest));
        assert_eq!(StartAt::parse("trim-horizon"), Ok(StartAt::TrimHorizon));
        assert_eq!(
            StartAt::parse("at:2026-12-05T01:00:00Z"),
            Ok(StartAt::At(1_796_432_400_000))
        );
        assert_eq!(
            StartAt::parse("after:49590338271490256608559692538361571095921575989136588898"),
            Ok(StartAt::After(
                "49590338271490256608559692538361571095921575989136588898".into()
            ))
        );
        for bad in [
            "",
            "LATEST",
            "at:",
            "at:yesterday",
            "after:",
            "after:12a",
            "from:1",
        ] {
            let e = StartAt::parse(bad).unwrap_err();
            assert!(
                e.starts_with(&format!("--from `{bad}`")) && !e.contains('\n'),
                "{e}"
            );
        }
    }
}
