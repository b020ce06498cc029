//! Where batches go: the `PutRecords` / `ListShards` calls the producer needs, as a trait so
//! the AWS SDK client ([`crate::kinesis`]) and in-process test sinks are interchangeable.

use std::future::Future;

use kpl_aggregation::KinesisRecord;

use crate::shard_map::ShardRange;

/// What happened to one entry of a `PutRecords` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome {
    /// Stored: the shard it landed on.
    Stored {
        /// Shard id from the response.
        shard_id: String,
    },
    /// Not stored (the response's `ErrorCode` and `ErrorMessage`).
    Failed {
        /// `ProvisionedThroughputExceededException`, `InternalFailure`, ...
        code: String,
        /// The service's message.
        message: String,
    },
}

/// Error code Kinesis gives an entry of a throttled shard.
pub const THROTTLED: &str = "ProvisionedThroughputExceededException";

/// A whole `PutRecords` / `ListShards` call that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SinkError {
    /// Worth retrying (throttling, 5xx, timeouts, connection errors) or not (missing stream,
    /// access denied, validation).
    pub retryable: bool,
    /// One line.
    pub message: String,
}

/// The two Kinesis calls the producer makes.
pub trait Sink: Send + Sync + 'static {
    /// `PutRecords`: one outcome per entry, in order.
    fn put_records(
        &self,
        entries: &[KinesisRecord],
    ) -> impl Future<Output = Result<Vec<EntryOutcome>, SinkError>> + Send;

    /// `ListShards`: the stream's open shards (all pages).
    fn list_open_shards(&self) -> impl Future<Output = Result<Vec<ShardRange>, SinkError>> + Send;
}
