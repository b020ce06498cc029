//! `EMITTER=s3`: one object per batch, in folders a data lake partitions by.

use std::future::Future;
use std::io::Write;

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;

use super::{EmitError, Emitter, EnvCredentials};
use crate::buffer::Batch;
use crate::config::Compression;

/// The time folder of an arrival time (milliseconds since the Unix epoch, UTC):
/// `year=YYYY/month=MM/day=DD/hour=HH/`, the Hive-style partitions Athena, Glue and Firehose's
/// default prefix use.
#[must_use]
pub fn time_folder(arrival_ms: i64) -> String {
    let seconds = arrival_ms.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let hour = seconds.rem_euclid(86_400) / 3600;
    // Days since 1970-01-01 to a civil date (H. Hinnant's `civil_from_days`).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("year={year:04}/month={month:02}/day={day:02}/hour={hour:02}/")
}

/// The S3 object key of a batch:
/// `{prefix}year=YYYY/month=MM/day=DD/hour=HH/{shard}-{first}-{last}.{extension}[.gz]`, the
/// time from the arrival of the batch's first record, the name from its shard and its first
/// and last Kinesis sequence numbers (no shard part when the shard is unknown). It depends only
/// on the batch's records, so a batch that is emitted again overwrites its object instead of
/// adding a second copy.
#[must_use]
pub fn object_key(
    prefix: &str,
    batch: &Batch,
    extension: &str,
    compression: Compression,
) -> String {
    let shard = batch
        .shard_id
        .as_deref()
        .map(|s| format!("{s}-"))
        .unwrap_or_default();
    let gz = match compression {
        Compression::None => "",
        Compression::Gzip => ".gz",
    };
    format!(
        "{prefix}{}{shard}{}-{}.{extension}{gz}",
        time_folder(batch.arrival_ms),
        batch.first_sequence_number,
        batch.last_sequence_number
    )
}

/// gzip of `data` with no file name and a zero modification time, so the same batch always
/// gives the same bytes (an overwrite by a retry leaves an identical object).
fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::GzBuilder::new().mtime(0).write(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::default(),
    );
    encoder.write_all(data)?;
    encoder.finish()
}

/// Writes each batch as one S3 object (`PutObject`), key from [`object_key`].
#[derive(Debug, Clone)]
pub struct S3Emitter {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
    extension: &'static str,
    compression: Compression,
}

impl S3Emitter {
    /// An emitter using `client`.
    #[must_use]
    pub fn new(
        client: aws_sdk_s3::Client,
        bucket: String,
        prefix: String,
        extension: &'static str,
        compression: Compression,
    ) -> Self {
        Self {
            client,
            bucket,
            prefix,
            extension,
            compression,
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
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(super::region("s3")?))
            .credentials_provider(EnvCredentials)
            .http_client(super::sdk_http_client());
        if let Some(url) = super::endpoint_url("AWS_ENDPOINT_URL_S3") {
            // A custom endpoint is a local emulator or a proxy: path-style addressing.
            config = config.endpoint_url(url).force_path_style(true);
        }
        Ok(aws_sdk_s3::Client::from_conf(config.build()))
    }

    fn content_type(&self) -> &'static str {
        match (self.compression, self.extension) {
            (Compression::Gzip, _) => "application/gzip",
            (Compression::None, "jsonl") => "application/x-ndjson",
            (Compression::None, _) => "text/plain; charset=utf-8",
        }
    }
}

impl Emitter for S3Emitter {
    fn emit(&self, batch: &Batch) -> impl Future<Output = Result<(), EmitError>> + Send {
        let key = object_key(&self.prefix, batch, self.extension, self.compression);
        let body = match self.compression {
            Compression::None => Ok(batch.body.clone()),
            Compression::Gzip => gzip(&batch.body),
        };
        let request = body.map(|body| {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&key)
                .content_type(self.content_type())
                .body(ByteStream::from(body))
        });
        let bucket = self.bucket.clone();
        async move {
            let request =
                request.map_err(|e| EmitError::whole(format!("cannot gzip the batch: {e}")))?;
            request.send().await.map(|_| ()).map_err(|e| {
                EmitError::whole(format!(
                    "PutObject s3://{bucket}/{key} failed: {}",
                    DisplayErrorContext(&e)
                ))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::emit::test_support::batch_of;

    #[test]
    fn time_folders_are_utc_hours_of_the_arrival() {
        for (ms, folder) in [
            (0, "year=1970/month=01/day=01/hour=00/"),
            (1_795_509_000_123, "year=2026/month=11/day=24/hour=08/"),
            // 2024-02-29T23:59:59.999Z, a leap day, and the next millisecond.
            (1_709_251_199_999, "year=2024/month=02/day=29/hour=23/"),
            (1_709_251_200_000, "year=2024/month=03/day=01/hour=00/"),
            // 2000-12-31T13:00:00Z (day 366 of a leap year), 2100-03-01 (no leap day).
            (978_267_600_000, "year=2000/month=12/day=31/hour=13/"),
            (4_107_542_400_000, "year=2100/month=03/day=01/hour=00/"),
            // Before the epoch (a clock that was never right): still a valid folder.
            (-1, "year=1969/month=12/day=31/hour=23/"),
        ] {
            assert_eq!(time_folder(ms), folder, "{ms}");
        }
    }

    #[test]
    fn keys_come_from_arrival_shard_and_sequence_numbers() {
        let mut batch = batch_of(&[r#"{"a":1}"#, r#"{"a":2}"#]);
        assert_eq!(
            object_key("out/", &batch, "jsonl", Compression::None),
            "out/year=2026/month=11/day=24/hour=08/shardId-000000000001-100-101.jsonl"
        );
        assert_eq!(
            object_key("", &batch, "jsonl", Compression::Gzip),
            "year=2026/month=11/day=24/hour=08/shardId-000000000001-100-101.jsonl.gz"
        );
        batch.shard_id = None;
        assert_eq!(
            object_key("p/", &batch, "txt", Compression::None),
            "p/year=2026/month=11/day=24/hour=08/100-101.txt"
        );
    }

    #[test]
    fn a_retried_batch_gets_the_same_key_whatever_the_clock() {
        // A retry arrives later, but the key comes from the records, not from the time of
        // the invocation: the same records give the same key, never a second object.
        let first = batch_of(&[r#"{"a":1}"#, r#"{"a":2}"#]);
        let retry = first.clone();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(
            object_key("out/", &first, "jsonl", Compression::Gzip),
            object_key("out/", &retry, "jsonl", Compression::Gzip)
        );
        let mut other = first.clone();
        other.last_sequence_number = "102".into();
        assert_ne!(
            object_key("out/", &first, "jsonl", Compression::None),
            object_key("out/", &other, "jsonl", Compression::None),
            "a batch with other records gets another object"
        );
    }

    #[test]
    fn gzip_is_deterministic_and_round_trips() {
        let data = b"{\"a\":1}\n{\"a\":2}\n".repeat(100);
        let one = gzip(&data).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1_100));
        let two = gzip(&data).unwrap();
        assert_eq!(one, two, "no modification time in the header");
        assert_eq!(&one[..4], &[0x1f, 0x8b, 8, 0], "gzip, deflate, no flags");
        assert_eq!(&one[4..8], &[0, 0, 0, 0], "mtime 0");
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&one[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
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

    const KEY: &str = "out/year=2026/month=11/day=24/hour=08/shardId-000000000001-100-101.jsonl";

    fn replay(status: u16, key: &str) -> aws_smithy_http_client::test_util::StaticReplayClient {
        use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
        use aws_smithy_types::body::SdkBody;
        let request = http::Request::builder()
            .method("PUT")
            .uri(format!(
                "https://output-bucket.s3.eu-west-1.amazonaws.com/{key}?x-id=PutObject"
            ))
            .body(SdkBody::empty())
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
        let batch = batch_of(&[r#"{"a":1}"#, r#"{"a":2}"#]);
        for (compression, key, content_type) in [
            (Compression::None, KEY.to_owned(), "application/x-ndjson"),
            (Compression::Gzip, format!("{KEY}.gz"), "application/gzip"),
        ] {
            let http = replay(200, &key);
            let emitter = S3Emitter::new(
                s3_client(http.clone()),
                "output-bucket".into(),
                "out/".into(),
                "jsonl",
                compression,
            );
            emitter.emit(&batch).await.unwrap();
            let requests = http.actual_requests().collect::<Vec<_>>();
            assert_eq!(requests.len(), 1);
            let put = requests[0];
            assert_eq!(put.method(), "PUT");
            // The SDK percent-encodes `=` in the path.
            assert_eq!(
                put.uri(),
                format!(
                    "https://output-bucket.s3.eu-west-1.amazonaws.com/{}?x-id=PutObject",
                    key.replace('=', "%3D")
                )
            );
            assert_eq!(put.headers().get("content-type"), Some(content_type));
            let sent = put.body().bytes().unwrap().to_vec();
            let body = match compression {
                Compression::None => sent,
                Compression::Gzip => {
                    let mut back = Vec::new();
                    flate2::read::GzDecoder::new(&sent[..])
                        .read_to_end(&mut back)
                        .unwrap();
                    back
                }
            };
            assert_eq!(body, b"{\"a\":1}\n{\"a\":2}\n");
        }
    }

    #[tokio::test]
    async fn s3_errors_are_emit_errors_of_the_whole_batch() {
        let emitter = S3Emitter::new(
            s3_client(replay(403, KEY)),
            "output-bucket".into(),
            "out/".into(),
            "jsonl",
            Compression::None,
        );
        let batch = batch_of(&[r#"{"a":1}"#, r#"{"a":2}"#]);
        let err = emitter.emit(&batch).await.unwrap_err();
        assert!(
            err.message.contains(&format!("s3://output-bucket/{KEY}")),
            "{err}"
        );
        assert!(err.message.contains("AccessDenied"), "{err}");
        assert_eq!((err.first_failed, err.written), (0, 0));
    }
}
