//! `EMITTER=dynamodb`: one item per record, written with `BatchWriteItem`.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use serde_json::Value;

use super::{backoff, EmitError, Emitter, EnvCredentials};
use crate::buffer::Batch;
use crate::config::{DynamoDbSettings, KeyField, KeyType};

/// Most write requests one `BatchWriteItem` call takes (the DynamoDB API reference).
pub const MAX_BATCH_WRITE_ITEMS: usize = 25;

/// A JSON value as a DynamoDB attribute: numbers `N` (their shortest exact spelling), strings
/// `S`, booleans `BOOL`, null `NULL`, objects `M`, arrays `L`.
#[must_use]
pub fn attribute_value(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(a) => AttributeValue::L(a.iter().map(attribute_value).collect()),
        Value::Object(o) => AttributeValue::M(
            o.iter()
                .map(|(k, v)| (k.clone(), attribute_value(v)))
                .collect(),
        ),
    }
}

fn key_attribute(object: &serde_json::Map<String, Value>, key: &KeyField) -> Result<(), String> {
    match (object.get(&key.name), key.kind) {
        (Some(Value::String(s)), KeyType::S) if !s.is_empty() => {
            if s.len() > 2048 {
                Err(format!("key field {} is longer than 2048 bytes", key.name))
            } else {
                Ok(())
            }
        }
        (Some(Value::Number(_)), KeyType::N) => Ok(()),
        (None, _) => Err(format!("no key field {}", key.name)),
        (Some(_), KeyType::S) => Err(format!("key field {} is not a non-empty string", key.name)),
        (Some(_), KeyType::N) => Err(format!("key field {} is not a number", key.name)),
    }
}

/// The item of one output line: the JSON object's fields as attributes.
///
/// # Errors
/// Why the line cannot be an item of the table: not a JSON object, a key field missing or of
/// the wrong type.
pub fn item(
    line: &[u8],
    settings: &DynamoDbSettings,
) -> Result<HashMap<String, AttributeValue>, String> {
    let value: Value = serde_json::from_slice(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(object) = value else {
        return Err("not a JSON object".into());
    };
    key_attribute(&object, &settings.partition_key)?;
    if let Some(sort) = &settings.sort_key {
        key_attribute(&object, sort)?;
    }
    Ok(object
        .into_iter()
        .map(|(k, v)| {
            let a = attribute_value(&v);
            (k, a)
        })
        .collect())
}

/// The key of an item as one string (`S`/`N` tag and value of each key attribute): two items
/// with the same key write the same DynamoDB item.
#[must_use]
pub fn item_key(item: &HashMap<String, AttributeValue>, settings: &DynamoDbSettings) -> String {
    let mut key = String::new();
    for field in std::iter::once(&settings.partition_key).chain(settings.sort_key.as_ref()) {
        match item.get(&field.name) {
            Some(AttributeValue::S(s)) => {
                key.push('S');
                key.push_str(s);
            }
            Some(AttributeValue::N(n)) => {
                key.push('N');
                key.push_str(n);
            }
            _ => key.push('-'),
        }
        key.push('\u{0}');
    }
    key
}

/// One write request of a `BatchWriteItem` call and the lines it stands for: the line whose
/// item is sent (the last) and earlier lines of the same chunk with the same key, which it
/// supersedes (DynamoDB refuses a call that writes one key twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkEntry {
    /// The lines, in order; the last one's item is sent.
    pub lines: Vec<usize>,
}

/// Splits items (given by their keys, in line order) into `BatchWriteItem` calls of at most
/// 25 distinct keys. A key seen again in the same chunk replaces the earlier item (the later
/// record wins, as with two writes in a row); across chunks, order is kept because chunks are
/// written one after the other.
#[must_use]
pub fn chunks(keys: &[String]) -> Vec<Vec<ChunkEntry>> {
    let mut out: Vec<Vec<ChunkEntry>> = Vec::new();
    let mut current: Vec<ChunkEntry> = Vec::new();
    let mut positions: HashMap<&str, usize> = HashMap::new();
    for (line, key) in keys.iter().enumerate() {
        if let Some(&at) = positions.get(key.as_str()) {
            current[at].lines.push(line);
            continue;
        }
        if current.len() == MAX_BATCH_WRITE_ITEMS {
            out.push(std::mem::take(&mut current));
            positions.clear();
        }
        positions.insert(key, current.len());
        current.push(ChunkEntry { lines: vec![line] });
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Writes each record of a batch as one item (`BatchWriteItem`, 25 at a time). Items DynamoDB
/// leaves unprocessed, and calls it throttles, are sent again after a [`backoff`], at most
/// `EMIT_MAX_ATTEMPTS` times; records still not written then are reported as failed, so
/// Lambda retries them (and sends them to the failure queue when its retries run out).
#[derive(Debug, Clone)]
pub struct DynamoDbEmitter {
    client: aws_sdk_dynamodb::Client,
    settings: DynamoDbSettings,
}

/// Whether a failed call may succeed when sent again.
fn retryable<R>(
    error: &SdkError<aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemError, R>,
) -> bool {
    match error {
        SdkError::ServiceError(e) => matches!(
            e.err().code(),
            Some(
                "ProvisionedThroughputExceededException"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "InternalServerError"
                    | "ServiceUnavailable"
                    | "LimitExceededException"
            )
        ),
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        _ => false,
    }
}

impl DynamoDbEmitter {
    /// An emitter writing to `settings.table` with `client`.
    #[must_use]
    pub fn new(client: aws_sdk_dynamodb::Client, settings: DynamoDbSettings) -> Self {
        Self { client, settings }
    }

    /// A DynamoDB client from the function's environment, like
    /// [`super::S3Emitter::default_client`] (`AWS_ENDPOINT_URL_DYNAMODB` or
    /// `AWS_ENDPOINT_URL` for an emulator). The SDK's own retries are off: this emitter
    /// retries throttled calls and unprocessed items itself, within one bounded budget.
    ///
    /// # Errors
    /// [`EmitError`] naming `AWS_REGION` when no region is set.
    pub fn default_client() -> Result<aws_sdk_dynamodb::Client, EmitError> {
        let mut config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new(super::region(
                "dynamodb",
            )?))
            .credentials_provider(EnvCredentials)
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .timeout_config(
                aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                    .connect_timeout(std::time::Duration::from_secs(5))
                    .operation_attempt_timeout(std::time::Duration::from_secs(30))
                    .build(),
            )
            .http_client(super::sdk_http_client());
        if let Some(url) = super::endpoint_url("AWS_ENDPOINT_URL_DYNAMODB") {
            config = config.endpoint_url(url);
        }
        Ok(aws_sdk_dynamodb::Client::from_conf(config.build()))
    }

    /// Writes one chunk; returns the lines not written and why.
    async fn write_chunk(
        &self,
        chunk: &[ChunkEntry],
        items: &[Option<HashMap<String, AttributeValue>>],
        keys: &[String],
    ) -> (Vec<usize>, String) {
        // key -> entry of this chunk, to map unprocessed items back to their lines.
        let by_key: HashMap<&str, &ChunkEntry> = chunk
            .iter()
            .filter_map(|e| e.lines.last().map(|&l| (keys[l].as_str(), e)))
            .collect();
        let mut pending: Vec<WriteRequest> = Vec::with_capacity(chunk.len());
        for entry in chunk {
            let Some(&line) = entry.lines.last() else {
                continue;
            };
            let Some(item) = items[line].clone() else {
                // Every line passed `check`, so this does not happen; if it did, the record
                // is failed (Lambda retries it), never skipped.
                let mut all: Vec<usize> =
                    chunk.iter().flat_map(|e| e.lines.iter().copied()).collect();
                all.sort_unstable();
                return (all, "a record is not a valid item".into());
            };
            match PutRequest::builder().set_item(Some(item)).build() {
                Ok(put) => pending.push(WriteRequest::builder().put_request(put).build()),
                Err(e) => {
                    let mut all: Vec<usize> =
                        chunk.iter().flat_map(|e| e.lines.iter().copied()).collect();
                    all.sort_unstable();
                    return (all, e.to_string());
                }
            }
        }
        let mut reason = String::new();
        for attempt in 1..=self.settings.max_attempts {
            if attempt > 1 {
                tokio::time::sleep(backoff(attempt - 1)).await;
            }
            let result = self
                .client
                .batch_write_item()
                .request_items(&self.settings.table, pending.clone())
                .send()
                .await;
            match result {
                Ok(output) => {
                    pending = output
                        .unprocessed_items
                        .and_then(|mut m| m.remove(&self.settings.table))
                        .unwrap_or_default();
                    if pending.is_empty() {
                        return (Vec::new(), String::new());
                    }
                    reason = format!(
                        "BatchWriteItem left {} item(s) unprocessed after {attempt} attempt(s)",
                        pending.len()
                    );
                }
                Err(e) => {
                    reason = format!("BatchWriteItem failed: {}", DisplayErrorContext(&e));
                    if !retryable(&e) {
                        break;
                    }
                }
            }
        }
        let mut failed: Vec<usize> = pending
            .iter()
            .filter_map(|w| w.put_request.as_ref())
            .filter_map(|p| by_key.get(item_key(&p.item, &self.settings).as_str()))
            .flat_map(|e| e.lines.iter().copied())
            .collect();
        if failed.is_empty() {
            // An answer whose items cannot be matched: count the whole chunk as failed.
            failed = chunk.iter().flat_map(|e| e.lines.iter().copied()).collect();
        }
        failed.sort_unstable();
        (failed, reason)
    }
}

impl Emitter for DynamoDbEmitter {
    fn check(&self, line: &[u8]) -> Result<(), String> {
        item(line, &self.settings).map(|_| ())
    }

    async fn emit(&self, batch: &Batch) -> Result<(), EmitError> {
        let items: Vec<Option<HashMap<String, AttributeValue>>> = batch
            .lines()
            .map(|l| item(l, &self.settings).ok())
            .collect();
        let keys: Vec<String> = items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                it.as_ref()
                    .map_or_else(|| format!("!{i}"), |it| item_key(it, &self.settings))
            })
            .collect();
        let mut written = 0;
        for chunk in chunks(&keys) {
            let lines: usize = chunk.iter().map(|e| e.lines.len()).sum();
            let (failed, reason) = self.write_chunk(&chunk, &items, &keys).await;
            if let Some(&first_failed) = failed.first() {
                return Err(EmitError {
                    message: format!(
                        "{reason} (table {}; {} record(s) not written)",
                        self.settings.table,
                        failed.len()
                    ),
                    first_failed,
                    written: written + lines - failed.len(),
                });
            }
            written += lines;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
    use aws_smithy_types::body::SdkBody;
    use serde_json::json;

    use super::*;
    use crate::emit::test_support::batch_of;

    fn settings(sort: bool) -> DynamoDbSettings {
        DynamoDbSettings {
            table: "items".into(),
            partition_key: KeyField {
                name: "id".into(),
                kind: KeyType::S,
            },
            sort_key: sort.then(|| KeyField {
                name: "n".into(),
                kind: KeyType::N,
            }),
            max_attempts: 3,
        }
    }

    #[test]
    fn items_keep_every_json_type() {
        let line = r#"{"id":"a-1","n":12.50,"big":18446744073709551615,"neg":-3,"exp":1e3,"s":"naïve ☕ 日本","t":true,"f":false,"z":null,"empty":"","o":{"x":[1,"two",null,{"y":false}],"e":{}},"l":[]}"#;
        let got = item(line.as_bytes(), &settings(true)).unwrap();
        let expected: HashMap<String, AttributeValue> = [
            ("id", AttributeValue::S("a-1".into())),
            ("n", AttributeValue::N("12.5".into())),
            ("big", AttributeValue::N("18446744073709551615".into())),
            ("neg", AttributeValue::N("-3".into())),
            ("exp", AttributeValue::N("1000.0".into())),
            ("s", AttributeValue::S("naïve ☕ 日本".into())),
            ("t", AttributeValue::Bool(true)),
            ("f", AttributeValue::Bool(false)),
            ("z", AttributeValue::Null(true)),
            ("empty", AttributeValue::S(String::new())),
            (
                "o",
                AttributeValue::M(
                    [
                        (
                            "x".to_owned(),
                            AttributeValue::L(vec![
                                AttributeValue::N("1".into()),
                                AttributeValue::S("two".into()),
                                AttributeValue::Null(true),
                                AttributeValue::M(
                                    [("y".to_owned(), AttributeValue::Bool(false))].into(),
                                ),
                            ]),
                        ),
                        ("e".to_owned(), AttributeValue::M(HashMap::new())),
                    ]
                    .into(),
                ),
            ),
            ("l", AttributeValue::L(Vec::new())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn records_that_cannot_be_items_are_refused_with_the_reason() {
        let s = settings(true);
        for (line, reason) in [
            ("[1,2]", "not a JSON object"),
            ("42", "not a JSON object"),
            (r#"{"n":1}"#, "no key field id"),
            (r#"{"id":"a"}"#, "no key field n"),
            (
                r#"{"id":7,"n":1}"#,
                "key field id is not a non-empty string",
            ),
            (
                r#"{"id":"","n":1}"#,
                "key field id is not a non-empty string",
            ),
            (r#"{"id":"a","n":"1"}"#, "key field n is not a number"),
        ] {
            assert_eq!(item(line.as_bytes(), &s).unwrap_err(), reason, "{line}");
        }
        assert!(item(br#"{"id":"a","n":1}"#, &s).is_ok());
    }

    fn keys(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn chunks_hold_at_most_25_distinct_keys_and_the_later_record_wins() {
        let many: Vec<String> = (0..60).map(|i| format!("k{i}")).collect();
        let c = chunks(&many);
        assert_eq!(c.iter().map(Vec::len).collect::<Vec<_>>(), vec![25, 25, 10]);
        assert_eq!(c[1][0].lines, vec![25]);
        assert_eq!(c[2][9].lines, vec![59]);

        // "a" twice in one chunk: one request, for the later line, standing for both.
        let c = chunks(&keys(&["a", "b", "a", "c"]));
        assert_eq!(
            c,
            vec![vec![
                ChunkEntry { lines: vec![0, 2] },
                ChunkEntry { lines: vec![1] },
                ChunkEntry { lines: vec![3] },
            ]]
        );
        // A key of a full chunk seen again while that chunk is open still joins it.
        let mut ks: Vec<String> = (0..25).map(|i| format!("k{i}")).collect();
        ks.push("k0".into());
        let c = chunks(&ks);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0][0], ChunkEntry { lines: vec![0, 25] });
        // The same key in two chunks: two requests, in order.
        let mut ks: Vec<String> = (0..26).map(|i| format!("k{i}")).collect();
        ks.push("k0".into());
        let c = chunks(&ks);
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[1],
            vec![
                ChunkEntry { lines: vec![25] },
                ChunkEntry { lines: vec![26] }
            ]
        );
        assert!(chunks(&[]).is_empty());
    }

    fn client(http: StaticReplayClient) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("eu-west-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "AKID", "SECRET", None, None, "test",
            ))
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .http_client(http)
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    fn event(status: u16, body: serde_json::Value) -> ReplayEvent {
        let request = http::Request::builder()
            .method("POST")
            .uri("https://dynamodb.eu-west-1.amazonaws.com/")
            .body(SdkBody::empty())
            .unwrap();
        let response = http::Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.0")
            .body(SdkBody::from(body.to_string()))
            .unwrap();
        ReplayEvent::new(request, response)
    }

    fn put(id: &str) -> serde_json::Value {
        json!({"PutRequest": {"Item": {"id": {"S": id}, "v": {"N": "1"}}}})
    }

    fn sent_ids(http: &StaticReplayClient) -> Vec<Vec<String>> {
        http.actual_requests()
            .map(|r| {
                let body: serde_json::Value =
                    serde_json::from_slice(r.body().bytes().unwrap()).unwrap();
                assert_eq!(
                    r.headers().get("x-amz-target"),
                    Some("DynamoDB_20120810.BatchWriteItem")
                );
                body["RequestItems"]["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|w| {
                        w["PutRequest"]["Item"]["id"]["S"]
                            .as_str()
                            .unwrap()
                            .to_owned()
                    })
                    .collect()
            })
            .collect()
    }

    fn lines(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!(r#"{{"id":"r{i}","v":1}}"#))
            .collect()
    }

    #[tokio::test]
    async fn a_batch_is_written_in_chunks_of_25_and_unprocessed_items_are_sent_again() {
        let ok = json!({"UnprocessedItems": {}});
        let http = StaticReplayClient::new(vec![
            event(200, ok.clone()),
            // The second chunk: two items left unprocessed, then written on the retry.
            event(
                200,
                json!({"UnprocessedItems": {"items": [put("r27"), put("r30")]}}),
            ),
            event(200, ok.clone()),
            event(200, ok),
        ]);
        let emitter = DynamoDbEmitter::new(client(http.clone()), settings(false));
        let ls = lines(60);
        let refs: Vec<&str> = ls.iter().map(String::as_str).collect();
        emitter.emit(&batch_of(&refs)).await.unwrap();
        let sent = sent_ids(&http);
        assert_eq!(
            sent.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![25, 25, 2, 10]
        );
        assert_eq!(sent[2], vec!["r27", "r30"]);
    }

    #[tokio::test]
    async fn items_still_unprocessed_after_the_attempts_fail_from_their_first_record() {
        let left = json!({"UnprocessedItems": {"items": [put("r31"), put("r27")]}});
        let http = StaticReplayClient::new(vec![
            event(200, json!({"UnprocessedItems": {}})),
            event(200, left.clone()),
            event(200, left.clone()),
            event(200, left),
        ]);
        let emitter = DynamoDbEmitter::new(client(http.clone()), settings(false));
        let ls = lines(60);
        let refs: Vec<&str> = ls.iter().map(String::as_str).collect();
        let batch = batch_of(&refs);
        let err = emitter.emit(&batch).await.unwrap_err();
        // 3 attempts for the second chunk (EMIT_MAX_ATTEMPTS), then no third chunk.
        assert_eq!(sent_ids(&http).len(), 4);
        assert_eq!(err.first_failed, 27, "{err}");
        assert_eq!(err.written, 48, "25 + 23 of the second chunk");
        assert_eq!(batch.sequence_number_of_line(err.first_failed), "127");
        assert!(err.message.contains("unprocessed"), "{err}");
        assert!(err.message.contains("2 record(s) not written"), "{err}");
    }

    #[tokio::test]
    async fn throttled_calls_are_retried_and_refused_calls_are_not() {
        let throttled = json!({
            "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "message": "The level of configured provisioned throughput for the table was exceeded."
        });
        let http = StaticReplayClient::new(vec![
            event(400, throttled.clone()),
            event(400, throttled),
            event(200, json!({"UnprocessedItems": {}})),
        ]);
        let emitter = DynamoDbEmitter::new(client(http.clone()), settings(false));
        emitter
            .emit(&batch_of(&[r#"{"id":"a"}"#, r#"{"id":"b"}"#]))
            .await
            .unwrap();
        assert_eq!(sent_ids(&http).len(), 3);

        let denied = json!({
            "__type": "com.amazon.coral.validate#ValidationException",
            "message": "One or more parameter values were invalid: Type mismatch for key id"
        });
        let http = StaticReplayClient::new(vec![event(400, denied)]);
        let emitter = DynamoDbEmitter::new(client(http.clone()), settings(false));
        let err = emitter
            .emit(&batch_of(&[r#"{"id":"a"}"#, r#"{"id":"b"}"#]))
            .await
            .unwrap_err();
        assert_eq!(
            sent_ids(&http).len(),
            1,
            "a ValidationException is not retried"
        );
        assert_eq!((err.first_failed, err.written), (0, 0));
        assert!(err.message.contains("ValidationException"), "{err}");
    }

    #[tokio::test]
    async fn duplicate_keys_in_a_chunk_are_sent_once_with_the_later_record() {
        let http = StaticReplayClient::new(vec![event(200, json!({"UnprocessedItems": {}}))]);
        let emitter = DynamoDbEmitter::new(client(http.clone()), settings(false));
        emitter
            .emit(&batch_of(&[
                r#"{"id":"a","v":1}"#,
                r#"{"id":"b","v":1}"#,
                r#"{"id":"a","v":2}"#,
            ]))
            .await
            .unwrap();
        let request = http.actual_requests().next().unwrap();
        let body: serde_json::Value =
            serde_json::from_slice(request.body().bytes().unwrap()).unwrap();
        let items = body["RequestItems"]["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["PutRequest"]["Item"]["v"]["N"], "2");
    }
}
