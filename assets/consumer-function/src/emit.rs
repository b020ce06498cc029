//! The emit step: where batches go.

use std::future::Future;
use std::io::Write;
use std::sync::Mutex;

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use thiserror::Error;

use crate::buffer::Batch;

/// A batch could not be emitted; Lambda retries from the batch's first Kinesis record.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct EmitError(pub String);

/// Sends a batch somewhere. Emitting the same batch twice must be harmless (Lambda retries).
pub trait Emitter {
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
    /// The writer itself inside the error when a writer panicked while holding it.
    pub fn into_inner(self) -> Result<W, EmitError> {
        self.out
            .into_inner()
            .map_err(|_| EmitError("log writer poisoned".into()))
    }
}

impl<W: Write + Send> Emitter for LogEmitter<W> {
    fn emit(&self, batch: &Batch) -> impl Future<Output = Result<(), EmitError>> + Send {
        let result = match self.out.lock() {
            Ok(mut out) => out
                .write_all(&batch.body)
                .and_then(|()| out.flush())
                .map_err(|e| EmitError(format!("cannot write to the log: {e}"))),
            Err(_) => Err(EmitError("log writer poisoned".into())),
        };
        std::future::ready(result)
    }
}

/// The S3 object key of a batch: `{prefix}{shard}/{first}-{last}.{extension}` (without the
/// shard folder when the shard is unknown). It depends only on the batch's records, so a batch
/// that is emitted again overwrites its object instead of adding a duplicate.
#[must_use]
pub fn object_key(prefix: &str, batch: &Batch, extension: &str) -> String {
    let shard = batch
        .shard_id
        .as_deref()
        .map(|s| format!("{s}/"))
        .unwrap_or_default();
    format!(
        "{prefix}{shard}{}-{}.{extension}",
        batch.first_sequence_number, batch.last_sequence_number
    )
}

/// Writes each batch as one S3 object (`PutObject`), key from [`object_key`].
#[derive(Debug, Clone)]
pub struct S3Emitter {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
    extension: &'static str,
}

impl S3Emitter {
    /// An emitter using `client`.
    #[must_use]
    pub fn new(
        client: aws_sdk_s3::Client,
        bucket: String,
        prefix: String,
        extension: &'static str,
    ) -> Self {
        Self {
            client,
            bucket,
            prefix,
            extension,
        }
    }

    /// An S3 client configured from the function's environment, as Lambda sets it: region from
    /// `AWS_REGION`, credentials from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
    /// `AWS_SESSION_TOKEN` (read on first use, then cached by the SDK: Lambda does not change
    /// them during an execution environment's life), `AWS_ENDPOINT_URL_S3` or
    /// `AWS_ENDPOINT_URL` when set; rustls with the `ring` provider. (No aws-config: its
    /// provider chain - profiles, SSO, STS, IMDS - is dead weight in a Lambda `bootstrap`.)
    ///
    /// # Errors
    /// [`EmitError`] naming `AWS_REGION` when no region is set.
    pub fn default_client() -> Result<aws_sdk_s3::Client, EmitError> {
        use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .ok_or_else(|| {
                EmitError("missing AWS_REGION: EMITTER=s3 needs the region (Lambda sets it)".into())
            })?;
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(region))
            .credentials_provider(EnvCredentials)
            .http_client(http);
        if let Some(url) = env("AWS_ENDPOINT_URL_S3").or_else(|| env("AWS_ENDPOINT_URL")) {
            // A custom endpoint is a local emulator or a proxy: path-style addressing.
            config = config.endpoint_url(url).force_path_style(true);
        }
        Ok(aws_sdk_s3::Client::from_conf(config.build()))
    }
}

/// Credentials from the environment variables Lambda sets for the function's role.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvCredentials;

impl EnvCredentials {
    fn load() -> aws_credential_types::provider::Result {
        use aws_credential_types::provider::error::CredentialsError;
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
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

impl Emitter for S3Emitter {
    fn emit(&self, batch: &Batch) -> impl Future<Output = Result<(), EmitError>> + Send {
        let key = object_key(&self.prefix, batch, self.extension);
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(if self.extension == "jsonl" {
                "application/x-ndjson"
            } else {
                "text/plain"
            })
            .body(ByteStream::from(batch.body.clone()));
        let bucket = self.bucket.clone();
        async move {
            request.send().await.map(|_| ()).map_err(|e| {
                EmitError(format!(
                    "PutObject s3://{bucket}/{key} failed: {}",
                    DisplayErrorContext(&e)
                ))
            })
        }
    }
}

/// The emitter chosen by `EMITTER`.
#[derive(Debug)]
pub enum AnyEmitter {
    /// `EMITTER=log`.
    Log(LogEmitter<std::io::Stdout>),
    /// `EMITTER=s3`.
    S3(S3Emitter),
}

impl Emitter for AnyEmitter {
    async fn emit(&self, batch: &Batch) -> Result<(), EmitError> {
        match self {
            Self::Log(e) => e.emit(batch).await,
            Self::S3(e) => e.emit(batch).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(shard: Option<&str>) -> Batch {
        Batch {
            body: b"{\"a\":1}\n{\"a\":2}\n".to_vec(),
            records: 2,
            first_sequence_number: "100".into(),
            last_sequence_number: "200".into(),
            shard_id: shard.map(str::to_owned),
        }
    }

    #[test]
    fn keys_come_from_shard_and_sequence_numbers() {
        assert_eq!(
            object_key("out/", &batch(Some("shardId-000000000001")), "jsonl"),
            "out/shardId-000000000001/100-200.jsonl"
        );
        assert_eq!(object_key("", &batch(None), "txt"), "100-200.txt");
    }

    #[tokio::test]
    async fn log_emitter_writes_the_lines() {
        let emitter = LogEmitter::new(Vec::new());
        emitter.emit(&batch(None)).await.unwrap();
        assert_eq!(emitter.into_inner().unwrap(), b"{\"a\":1}\n{\"a\":2}\n");
    }

    fn s3_client(
        http: aws_smithy_http_client::test_util::StaticReplayClient,
    ) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("eu-west-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "AKID", "SECRET", None, None, "test",
            ))
            .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
            .http_client(http)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    fn replay(status: u16) -> aws_smithy_http_client::test_util::StaticReplayClient {
        use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
        use aws_smithy_types::body::SdkBody;
        let request = http::Request::builder()
            .method("PUT")
            .uri("https://output-bucket.s3.eu-west-1.amazonaws.com/out/shardId-1/100-200.jsonl?x-id=PutObject")
            .body(SdkBody::from("{\"a\":1}\n{\"a\":2}\n"))
            .unwrap();
        let response = http::Response::builder()
            .status(status)
            .body(SdkBody::from(if status == 200 {
                ""
            } else {
                "<Error><Code>AccessDenied</Code><Message>denied</Message></Error>"
            }))
            .unwrap();
        StaticReplayClient::new(vec![ReplayEvent::new(request, response)])
    }

    #[tokio::test]
    async fn s3_emitter_puts_one_object_per_batch() {
        let http = replay(200);
        let emitter = S3Emitter::new(
            s3_client(http.clone()),
            "output-bucket".into(),
            "out/".into(),
            "jsonl",
        );
        emitter.emit(&batch(Some("shardId-1"))).await.unwrap();
        let requests = http.actual_requests().collect::<Vec<_>>();
        assert_eq!(requests.len(), 1);
        let put = requests[0];
        assert_eq!(put.method(), "PUT");
        assert_eq!(
            put.uri(),
            "https://output-bucket.s3.eu-west-1.amazonaws.com/out/shardId-1/100-200.jsonl?x-id=PutObject"
        );
        assert_eq!(
            put.headers().get("content-type"),
            Some("application/x-ndjson")
        );
        assert_eq!(put.body().bytes(), Some(&b"{\"a\":1}\n{\"a\":2}\n"[..]));
    }

    #[tokio::test]
    async fn s3_errors_are_emit_errors() {
        let emitter = S3Emitter::new(
            s3_client(replay(403)),
            "output-bucket".into(),
            "out/".into(),
            "jsonl",
        );
        let err = emitter.emit(&batch(Some("shardId-1"))).await.unwrap_err();
        assert!(
            err.0
                .contains("s3://output-bucket/out/shardId-1/100-200.jsonl"),
            "{err}"
        );
        assert!(err.0.contains("AccessDenied"), "{err}");
    }
}
