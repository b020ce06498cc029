//! The [`Sink`] of the real service: `PutRecords` and `ListShards` with the AWS SDK for Rust.

use aws_sdk_kinesis::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::PutRecordsRequestEntry;
use aws_sdk_kinesis::Client;
use kpl_aggregation::KinesisRecord;

use crate::shard_map::ShardRange;
use crate::sink::{EntryOutcome, Sink, SinkError};

/// A stream named by name or ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamRef {
    /// `--stream my-stream`.
    Name(String),
    /// `--stream arn:aws:kinesis:...:stream/my-stream`.
    Arn(String),
}

impl StreamRef {
    /// An ARN when `s` starts with `arn:`, a name otherwise.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        if s.starts_with("arn:") {
            Self::Arn(s.to_owned())
        } else {
            Self::Name(s.to_owned())
        }
    }

    /// The `StreamName` parameter: set for a name, `None` for an ARN.
    #[must_use]
    pub fn name(&self) -> Option<String> {
        match self {
            Self::Name(n) => Some(n.clone()),
            Self::Arn(_) => None,
        }
    }

    /// The `StreamARN` parameter: set for an ARN, `None` for a name.
    #[must_use]
    pub fn arn(&self) -> Option<String> {
        match self {
            Self::Arn(a) => Some(a.clone()),
            Self::Name(_) => None,
        }
    }
}

/// Kinesis through the SDK.
#[derive(Debug, Clone)]
pub struct KinesisSink {
    client: Client,
    stream: StreamRef,
}

impl KinesisSink {
    /// A sink writing to `stream`.
    #[must_use]
    pub fn new(client: Client, stream: StreamRef) -> Self {
        Self { client, stream }
    }
}

/// Service error codes that will not go away by retrying.
const FATAL_CODES: &[&str] = &[
    "ResourceNotFoundException",
    "AccessDeniedException",
    "InvalidArgumentException",
    "ValidationException",
    "KMSDisabledException",
    "KMSInvalidStateException",
    "KMSNotFoundException",
    "KMSOptInRequired",
    "KMSAccessDeniedException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
];

/// One line for an SDK error, and whether retrying may help.
pub fn classify<E>(err: &SdkError<E>) -> SinkError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let code = e.code().unwrap_or("UnknownError");
            let status = se.raw().status().as_u16();
            let message = match e.message() {
                Some(m) => format!("{code}: {m}"),
                None => format!("{code} (HTTP {status})"),
            };
            SinkError {
                retryable: !FATAL_CODES.contains(&code)
                    && (status >= 500
                        || status == 429
                        || code.contains("Throttl")
                        || code.contains("LimitExceeded")
                        || code == crate::sink::THROTTLED),
                message,
            }
        }
        SdkError::ConstructionFailure(_) => SinkError {
            retryable: false,
            message: one_line(err),
        },
        _ => SinkError {
            retryable: true,
            message: one_line(err),
        },
    }
}

fn one_line<E: std::error::Error + 'static>(err: &SdkError<E>) -> String {
    let text = format!("{}", DisplayErrorContext(err));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Sink for KinesisSink {
    async fn put_records(&self, entries: &[KinesisRecord]) -> Result<Vec<EntryOutcome>, SinkError> {
        let mut request = self
            .client
            .put_records()
            .set_stream_name(self.stream.name())
            .set_stream_arn(self.stream.arn());
        for e in entries {
            let entry = PutRecordsRequestEntry::builder()
                .partition_key(&e.partition_key)
                .set_explicit_hash_key(e.explicit_hash_key.clone())
                .data(Blob::new(e.data.clone()))
                .build()
                .map_err(|err| SinkError {
                    retryable: false,
                    message: err.to_string(),
                })?;
            request = request.records(entry);
        }
        let out = request.send().await.map_err(|e| classify(&e))?;
        Ok(out
            .records
            .into_iter()
            .map(|r| match (r.error_code, r.shard_id) {
                (Some(code), _) => EntryOutcome::Failed {
                    code,
                    message: r.error_message.unwrap_or_default(),
                },
                (None, Some(shard_id)) => EntryOutcome::Stored { shard_id },
                (None, None) => EntryOutcome::Failed {
                    code: "InvalidResponse".into(),
                    message: "result without shard id or error code".into(),
                },
            })
            .collect())
    }

    async fn list_open_shards(&self) -> Result<Vec<ShardRange>, SinkError> {
        let mut shards = Vec::new();
        let mut next: Option<String> = None;
        loop {
            // The stream goes with the first page only; the token names it afterwards.
            let req = match &next {
                Some(token) => self.client.list_shards().next_token(token),
                None => self
                    .client
                    .list_shards()
                    .set_stream_name(self.stream.name())
                    .set_stream_arn(self.stream.arn()),
            };
            let out = req.send().await.map_err(|e| classify(&e))?;
            for s in out.shards.unwrap_or_default() {
                let closed = s
                    .sequence_number_range
                    .as_ref()
                    .and_then(|r| r.ending_sequence_number.as_ref())
                    .is_some();
                if closed {
                    continue;
                }
                let range = s.hash_key_range.as_ref();
                let parse = |v: Option<&str>, what: &str| {
                    v.and_then(|v| v.parse::<u128>().ok())
                        .ok_or_else(|| SinkError {
                            retryable: false,
                            message: format!("ListShards gave {} a bad {what}", s.shard_id),
                        })
                };
                shards.push(ShardRange {
                    start: parse(
                        range.map(|r| r.starting_hash_key.as_str()),
                        "StartingHashKey",
                    )?,
                    end: parse(range.map(|r| r.ending_hash_key.as_str()), "EndingHashKey")?,
                    shard_id: s.shard_id,
                });
            }
            next = out.next_token;
            if next.is_none() {
                break;
            }
        }
        Ok(shards)
    }
}
