//! Live counters (read by the progress line while the producer runs) and the end-of-run summary.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

/// Counters the engine updates as it goes; cheap to read from another task.
#[derive(Debug, Default)]
pub struct Progress {
    /// User records acknowledged by Kinesis.
    pub user_records: AtomicU64,
    /// Bytes of user data acknowledged.
    pub user_bytes: AtomicU64,
    /// Kinesis records (aggregates or plain records) acknowledged.
    pub kinesis_records: AtomicU64,
    /// Entries sent again after a failure.
    pub retries: AtomicU64,
    /// User records written to the failure file.
    pub failures: AtomicU64,
    /// `PutRecords` requests in flight.
    pub in_flight: AtomicU64,
    /// User records accepted but not yet acknowledged (buffered, retrying or in flight).
    pub pending_user_records: AtomicU64,
}

/// A copy of [`Progress`] at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// See [`Progress::user_records`].
    pub user_records: u64,
    /// See [`Progress::user_bytes`].
    pub user_bytes: u64,
    /// See [`Progress::kinesis_records`].
    pub kinesis_records: u64,
    /// See [`Progress::retries`].
    pub retries: u64,
    /// See [`Progress::failures`].
    pub failures: u64,
    /// See [`Progress::in_flight`].
    pub in_flight: u64,
    /// See [`Progress::pending_user_records`].
    pub pending_user_records: u64,
}

impl Progress {
    /// Reads every counter.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Snapshot {
            user_records: get(&self.user_records),
            user_bytes: get(&self.user_bytes),
            kinesis_records: get(&self.kinesis_records),
            retries: get(&self.retries),
            failures: get(&self.failures),
            in_flight: get(&self.in_flight),
            pending_user_records: get(&self.pending_user_records),
        }
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn sub(counter: &AtomicU64, n: u64) {
        counter.fetch_sub(n, Ordering::Relaxed);
    }
}

/// The end-of-run summary (`--output json` prints it as is).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// User records acknowledged by Kinesis.
    pub user_records: u64,
    /// Kinesis records (aggregates or plain records) acknowledged.
    pub kinesis_records: u64,
    /// Bytes of user data acknowledged.
    pub user_bytes: u64,
    /// Bytes sent in acknowledged Kinesis records (aggregate framing and partition keys included).
    pub kinesis_bytes: u64,
    /// Entries sent again after a failure.
    pub retries: u64,
    /// Entries that failed with `ProvisionedThroughputExceededException`.
    pub throttled: u64,
    /// User records written to the failure file.
    pub failed_records: u64,
    /// The failure file, when something was written to it.
    pub failure_file: Option<String>,
    /// `PutRecords` requests made.
    pub put_records_calls: u64,
    /// Median `PutRecords` latency, milliseconds.
    pub p50_latency_ms: f64,
    /// 99th percentile `PutRecords` latency, milliseconds.
    pub p99_latency_ms: f64,
    /// Open shards of the stream (at the last shard map refresh).
    pub shards: usize,
    /// Shard map refreshes after a record landed on an unexpected shard (a reshard).
    pub shard_map_refreshes: u64,
    /// Wall-clock seconds from start to the last acknowledgement.
    pub elapsed_seconds: f64,
    /// User records per second over `elapsed_seconds`.
    pub records_per_second: f64,
    /// Set when the run stopped early: why.
    pub stopped_early: Option<String>,
}

/// Latency samples of the `PutRecords` calls (one per call: bounded by the number of calls).
#[derive(Debug, Default)]
pub(crate) struct Latencies(Vec<u32>);

impl Latencies {
    pub(crate) fn push(&mut self, d: Duration) {
        self.0
            .push(u32::try_from(d.as_micros()).unwrap_or(u32::MAX));
    }

    /// The `q` quantile (0..=1) in milliseconds, nearest-rank; 0 without samples.
    pub(crate) fn quantile_ms(&mut self, q: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        self.0.sort_unstable();
        let n = self.0.len();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        f64::from(self.0[rank - 1]) / 1000.0
    }

    pub(crate) fn len(&self) -> u64 {
        self.0.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let mut l = Latencies::default();
        assert!(l.quantile_ms(0.5).abs() < f64::EPSILON);
        for ms in 1..=100 {
            l.push(Duration::from_millis(ms));
        }
        assert!((l.quantile_ms(0.5) - 50.0).abs() < 1e-9);
        assert!((l.quantile_ms(0.99) - 99.0).abs() < 1e-9);
        assert!((l.quantile_ms(1.0) - 100.0).abs() < 1e-9);
        assert_eq!(l.len(), 100);
    }
}
