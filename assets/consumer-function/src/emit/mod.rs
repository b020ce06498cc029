//! The emit step: where batches go.
//!
//! * [`LogEmitter`]: the function's log (stdout).
//! * [`S3Emitter`]: one object per batch in `year=/month=/day=/hour=` folders, optionally gzip.
//! * [`DynamoDbEmitter`]: one item per record, `BatchWriteItem` in chunks of 25.
//! * [`OpenSearchEmitter`]: one document per record, `_bulk` signed with SigV4.
//!
//! Every emitter is idempotent: a batch emitted again (Lambda retries from the first record
//! that failed) overwrites what the first attempt wrote instead of adding copies.

mod dynamodb;
mod opensearch;
mod s3;

use std::future::Future;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use thiserror::Error;

use crate::buffer::Batch;

pub use dynamodb::{attribute_value, chunks, item_key, DynamoDbEmitter, MAX_BATCH_WRITE_ITEMS};
pub use opensearch::{bulk_body, bulk_failures, BulkItemFailure, OpenSearchEmitter};
pub use s3::{object_key, time_folder, S3Emitter};

/// A batch could not be emitted completely. Lambda retries from the Kinesis record that holds
/// line `first_failed` of the batch (and the records after it): nothing failed is skipped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct EmitError {
    /// What went wrong, one line.
    pub message: String,
    /// Index (0-based) of the first line of the batch that was not written.
    pub first_failed: usize,
    /// Lines of the batch that were written all the same.
    pub written: usize,
}

impl EmitError {
    /// Nothing of the batch was written (a whole-batch emitter failed).
    pub fn whole(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            first_failed: 0,
            written: 0,
        }
    }
}

/// Sends a batch somewhere. Emitting the same batch twice must be harmless (Lambda retries).
pub trait Emitter {
    /// Whether this emitter can write the output line of one record. A record it refuses
    /// (e.g. a JSON document without the key field) is rejected like a record the transform
    /// refuses: logged and counted, never retried, because no retry could write it.
    ///
    /// # Errors
    /// Why the record cannot be written, one line.
    fn check(&self, line: &[u8]) -> Result<(), String> {
        let _ = line;
        Ok(())
    }

    /// Emits `batch`.
    fn emit(&self, batch: &Batch) -> impl Future<Output = Result<(), EmitError>> + Send;
}

/// Writes each batch's lines to a writer: the function's log (stdout) by default.
#[derive(Debug)]
pub struct LogEmitter<W> {
    out: Mutex<W>,
}

impl LogEmitter<std::io::Stdout> {
    /// A log emitter that writes to stdout, which Lambda sends to CloudWatch Logs.
    #[must_use]
    pub fn stdout() -> Self {
        Self::new(std::io::stdout())
    }
}

impl<W: Write + Send> LogEmitter<W> {
    /// A log emitter writing to `out`.
    pub fn new(out: W) -> Self {
        Self {
            out: Mutex::new(out),
        }
    }

    /// The writer back.
    ///
    /// # Errors
    /// [`EmitError`] when a writer panicked while holding it.
    pub fn into_inner(self) -> Result<W, EmitError> {
        self.out
            .into_inner()
            .map_err(|_| EmitError::whole("log writer poisoned"))
    }
}

impl<W: Write + Send> Emitter for LogEmitter<W> {
    fn emit(&self, batch: &Batch) -> impl Future<Output = Result<(), EmitError>> + Send {
        let result = match self.out.lock() {
            Ok(mut out) => out
                .write_all(&batch.body)
                .and_then(|()| out.flush())
                .map_err(|e| EmitError::whole(format!("cannot write to the log: {e}"))),
            Err(_) => Err(EmitError::whole("log writer poisoned")),
        };
        std::future::ready(result)
    }
}

/// Credentials from the environment variables Lambda sets for the function's role
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), read on each use.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvCredentials;

impl EnvCredentials {
    /// The credentials now in the environment.
    ///
    /// # Errors
    /// When `AWS_ACCESS_KEY_ID` or `AWS_SECRET_ACCESS_KEY` is not set.
    pub fn load() -> aws_credential_types::provider::Result {
        use aws_credential_types::provider::error::CredentialsError;
        let var = |k: &str| env(k);
        let id = var("AWS_ACCESS_KEY_ID")
            .ok_or_else(|| CredentialsError::not_loaded("AWS_ACCESS_KEY_ID is not set"))?;
        let secret = var("AWS_SECRET_ACCESS_KEY")
            .ok_or_else(|| CredentialsError::not_loaded("AWS_SECRET_ACCESS_KEY is not set"))?;
        Ok(aws_credential_types::Credentials::new(
            id,
            secret,
            var("AWS_SESSION_TOKEN"),
            None,
            "Environment",
        ))
    }
}

impl aws_credential_types::provider::ProvideCredentials for EnvCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Self::load())
    }
}

/// A non-empty environment variable.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The region Lambda sets (`AWS_REGION`, else `AWS_DEFAULT_REGION`).
///
/// # Errors
/// One line naming `AWS_REGION` for `emitter` when neither is set.
pub fn region(emitter: &str) -> Result<String, EmitError> {
    env("AWS_REGION")
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .ok_or_else(|| {
            EmitError::whole(format!(
                "missing AWS_REGION: EMITTER={emitter} needs the region (Lambda sets it)"
            ))
        })
}

/// `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` (emulators, proxies).
fn endpoint_url(service_variable: &str) -> Option<String> {
    env(service_variable).or_else(|| env("AWS_ENDPOINT_URL"))
}

/// The one HTTP client of the SDK clients: hyper with rustls and the `ring` provider.
fn sdk_http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The wait before attempt `attempt + 1` (1-based `attempt`) of a request whose records were
/// throttled or not processed: 100 ms doubling to at most 5 s, with "equal jitter" (half
/// fixed, half random) so concurrent invocations do not retry in step.
#[must_use]
pub fn backoff(attempt: u32) -> Duration {
    let ceiling = 100u64
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(16))
        .min(5_000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    let half = ceiling / 2;
    Duration::from_millis(half + nanos % (half + 1))
}

/// The emitter chosen by `EMITTER`.
#[derive(Debug)]
pub enum AnyEmitter {
    /// `EMITTER=log`.
    Log(LogEmitter<std::io::Stdout>),
    /// `EMITTER=s3`.
    S3(S3Emitter),
    /// `EMITTER=dynamodb`.
    DynamoDb(DynamoDbEmitter),
    /// `EMITTER=opensearch`.
    OpenSearch(OpenSearchEmitter),
}

impl Emitter for AnyEmitter {
    fn check(&self, line: &[u8]) -> Result<(), String> {
        match self {
            Self::Log(e) => e.check(line),
            Self::S3(e) => e.check(line),
            Self::DynamoDb(e) => e.check(line),
            Self::OpenSearch(e) => e.check(line),
        }
    }

    async fn emit(&self, batch: &Batch) -> Result<(), EmitError> {
        match self {
            Self::Log(e) => e.emit(batch).await,
            Self::S3(e) => e.emit(batch).await,
            Self::DynamoDb(e) => e.emit(batch).await,
            Self::OpenSearch(e) => e.emit(batch).await,
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::buffer::Batch;

    /// A batch of `lines` (each gets its own Kinesis record `100`, `101`, ...).
    pub fn batch_of(lines: &[&str]) -> Batch {
        let mut body = Vec::new();
        for l in lines {
            body.extend_from_slice(l.as_bytes());
            body.push(b'\n');
        }
        let sources: Vec<(String, usize)> = (0..lines.len())
            .map(|i| ((100 + i).to_string(), 1))
            .collect();
        Batch {
            body,
            records: lines.len(),
            first_sequence_number: "100".into(),
            last_sequence_number: (100 + lines.len().saturating_sub(1)).to_string(),
            shard_id: Some("shardId-000000000001".into()),
            arrival_ms: 1_795_509_000_123,
            sources,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn log_emitter_writes_the_lines() {
        let emitter = LogEmitter::new(Vec::new());
        let batch = test_support::batch_of(&[r#"{"a":1}"#, r#"{"a":2}"#]);
        emitter.emit(&batch).await.unwrap();
        assert_eq!(emitter.into_inner().unwrap(), b"{\"a\":1}\n{\"a\":2}\n");
    }

    #[test]
    fn backoff_doubles_to_a_ceiling_with_jitter() {
        for (attempt, ceiling) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (6, 3_200),
            (7, 5_000),
            (40, 5_000),
        ] {
            let d = backoff(attempt).as_millis();
            assert!(
                (ceiling / 2..=ceiling).contains(&d),
                "attempt {attempt}: {d} ms"
            );
        }
    }
}
