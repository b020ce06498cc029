//! KPL-compatible Kinesis producer: record sources (seeded `stock` and `taxi` generators, file
//! replay), routing to shards from `ListShards`, per-shard KPL aggregation, `PutRecords`
//! batching, retries with backoff and jitter, backpressure, a failure file and run statistics.
//!
//! The engine ([`engine::Engine`]) talks to Kinesis through the [`sink::Sink`] trait; with the
//! default `sdk` feature, [`kinesis::KinesisSink`] implements it with the AWS SDK for Rust and
//! [`cli`] holds the `produce` command line shared by `streamstack produce` and the
//! `streamstack-producer` binary that runs on the patterns' EC2 instances.

pub mod backoff;
#[cfg(feature = "sdk")]
pub mod cli;
pub mod engine;
pub mod failure_log;
#[cfg(feature = "sdk")]
pub mod kinesis;
pub mod pace;
pub mod shard_map;
pub mod sink;
pub mod source;
pub mod stats;

/// Errors of the producer.
#[derive(Debug, thiserror::Error)]
pub enum ProduceError {
    /// A bad setting or argument (exit code 2 at the command line).
    #[error("{0}")]
    Config(String),
    /// The record source failed (bad file content, unreadable file).
    #[error(transparent)]
    Source(#[from] source::SourceError),
    /// The shards reported by `ListShards` cannot route records.
    #[error("cannot route records: {0}")]
    ShardMap(String),
    /// A Kinesis call failed before any record was sent (e.g. `ListShards`).
    #[error("{0}")]
    Sink(String),
    /// The run ended but not every record was delivered (failure file, early stop).
    #[error("{0}")]
    Incomplete(String),
    /// The failure file cannot be written.
    #[error("cannot write the failure file {path}: {reason}")]
    FailureLog {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

impl ProduceError {
    /// Whether the error is the user's input (exit code 2) rather than a runtime failure.
    #[must_use]
    pub fn is_usage(&self) -> bool {
        matches!(self, Self::Config(_) | Self::Source(_))
    }
}
