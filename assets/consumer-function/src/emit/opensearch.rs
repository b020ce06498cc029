//! `EMITTER=opensearch`: one document per record, written with `_bulk` index requests signed
//! with SigV4 (service `es`) for Amazon OpenSearch Service.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use serde_json::Value;

use super::{backoff, EmitError, Emitter, EnvCredentials};
use crate::buffer::Batch;
use crate::config::{check_index_name, IndexFrom, OpenSearchSettings};

/// Largest `_bulk` body sent at once. Amazon OpenSearch Service takes 10 MiB per request on
/// the smallest instance types (100 MiB on large ones); 5 MiB stays well inside.
pub const MAX_BULK_BYTES: usize = 5 * 1024 * 1024;

/// How long one `_bulk` request may take, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The `_id` of a document: a string field as it is, a number field as its JSON text.
fn document_id(object: &serde_json::Map<String, Value>, field: &str) -> Result<String, String> {
    match object.get(field) {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 512 => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        None => Err(format!("no id field {field}")),
        Some(_) => Err(format!(
            "id field {field} is not a string of 1 to 512 bytes or a number"
        )),
    }
}

/// The index and id of the document of one output line.
///
/// # Errors
/// Why the line cannot be a document: not a JSON object, no id, no valid index name.
pub fn target(line: &[u8], settings: &OpenSearchSettings) -> Result<(String, String), String> {
    let value: Value = serde_json::from_slice(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(object) = value else {
        return Err("not a JSON object".into());
    };
    let id = document_id(&object, &settings.id_field)?;
    let index = match &settings.index {
        IndexFrom::Fixed(index) => index.clone(),
        IndexFrom::Field(field) => match object.get(field) {
            Some(Value::String(index)) => {
                check_index_name(index).map_err(|allowed| {
                    format!("index field {field} is {index:?}, not {allowed}")
                })?;
                index.clone()
            }
            None => return Err(format!("no index field {field}")),
            Some(_) => return Err(format!("index field {field} is not a string")),
        },
    };
    Ok((index, id))
}

/// The `_bulk` body (NDJSON) for `lines` of a batch: per line an `index` action with `_index`
/// and `_id`, then the document itself, each on one line, the body ending with a newline.
#[must_use]
pub fn bulk_body(documents: &[(&(String, String), &[u8])]) -> Vec<u8> {
    let size: usize = documents.iter().map(|(_, d)| d.len() + 64).sum();
    let mut body = Vec::with_capacity(size);
    for ((index, id), document) in documents {
        let action = serde_json::json!({"index": {"_index": index, "_id": id}});
        // Serializing a `Value` into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut body, &action);
        body.push(b'\n');
        body.extend_from_slice(document);
        body.push(b'\n');
    }
    body
}

/// One item of a `_bulk` answer that was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkItemFailure {
    /// Position of the item in the request.
    pub position: usize,
    /// Its HTTP status (`429` and `5xx` are worth sending again).
    pub status: u16,
    /// `error.type: error.reason` of the item.
    pub reason: String,
}

impl BulkItemFailure {
    /// Whether sending the item again may succeed (rejected for load, or a node failure).
    #[must_use]
    pub fn retryable(&self) -> bool {
        self.status == 429 || self.status >= 500
    }
}

/// The items of a `_bulk` answer (`{"errors":..,"items":[{"index":{"status":..}}..]}`) that
/// were not written, by their position in the request of `sent` items.
///
/// # Errors
/// When the answer is not a `_bulk` answer for `sent` items.
pub fn bulk_failures(answer: &[u8], sent: usize) -> Result<Vec<BulkItemFailure>, String> {
    let value: Value =
        serde_json::from_slice(answer).map_err(|e| format!("_bulk answer is not JSON: {e}"))?;
    let items = value
        .get("items")
        .and_then(Value::as_array)
        .ok_or("_bulk answer has no items")?;
    if items.len() != sent {
        return Err(format!(
            "_bulk answer has {} items for {sent} requests",
            items.len()
        ));
    }
    let mut failures = Vec::new();
    for (position, item) in items.iter().enumerate() {
        // Each item is {"<action>": {...}}; the action is `index` here.
        let result = item
            .as_object()
            .and_then(|o| o.values().next())
            .ok_or_else(|| format!("_bulk item {position} is not an object"))?;
        let status = result
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| format!("_bulk item {position} has no status"))?;
        if (200..300).contains(&status) {
            continue;
        }
        let error = result.get("error");
        let field = |name: &str| {
            error
                .and_then(|e| e.get(name))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let reason = match error {
            Some(Value::String(s)) => s.clone(),
            Some(_) => format!("{}: {}", field("type"), field("reason")),
            None => format!("status {status}"),
        };
        failures.push(BulkItemFailure {
            position,
            status,
            reason,
        });
    }
    Ok(failures)
}

/// Writes each record of a batch as one document with `_bulk` index requests. Items the
/// domain rejects for load (`429`) or a node failure (`5xx`), and requests it throttles or
/// that fail on the way, are sent again after a [`backoff`], at most `EMIT_MAX_ATTEMPTS`
/// times; items still failing then, and items it refuses (a mapping conflict), are reported
/// as failed, so Lambda retries them (and the failure queue gets them when its retries run
/// out). The document id comes from the record, so a retry rewrites, never duplicates.
#[derive(Debug)]
pub struct OpenSearchEmitter {
    connector: aws_smithy_http_client::Connector,
    settings: OpenSearchSettings,
    region: String,
}

impl OpenSearchEmitter {
    /// An emitter for `settings` signing for `region`, over HTTPS with the rustls (`ring`)
    /// client the SDK clients use.
    #[must_use]
    pub fn new(settings: OpenSearchSettings, region: String) -> Self {
        use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
        let connector = aws_smithy_http_client::Connector::builder()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build();
        Self {
            connector,
            settings,
            region,
        }
    }

    /// An emitter for `settings` in the function's region (`AWS_REGION`).
    ///
    /// # Errors
    /// [`EmitError`] naming `AWS_REGION` when no region is set.
    pub fn from_env(settings: OpenSearchSettings) -> Result<Self, EmitError> {
        Ok(Self::new(settings, super::region("opensearch")?))
    }

    /// `POST /_bulk` with `body`, signed with the role's credentials: (status, answer).
    async fn post_bulk(&self, body: Vec<u8>) -> Result<(u16, Vec<u8>), String> {
        let url = format!("{}/_bulk", self.settings.endpoint);
        let credentials = EnvCredentials::load().map_err(|e| format!("no credentials: {e}"))?;
        let identity = credentials.into();
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
        let params = SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("es")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| format!("cannot sign: {e}"))?
            .into();
        let headers = [("content-type", "application/x-ndjson")];
        let signable = SignableRequest::new(
            "POST",
            &url,
            headers.iter().copied(),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| format!("cannot sign: {e}"))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| format!("cannot sign: {e}"))?
            .into_parts();
        let mut request = http::Request::builder()
            .method("POST")
            .uri(&url)
            .header("content-type", "application/x-ndjson")
            .header("content-length", body.len())
            .body(SdkBody::from(body))
            .map_err(|e| format!("bad request to {url}: {e}"))?;
        instructions.apply_to_request_http1x(&mut request);
        let request = HttpRequest::try_from(request).map_err(|e| format!("bad request: {e}"))?;
        let exchange = async {
            let response = self
                .connector
                .call(request)
                .await
                .map_err(|e| format!("POST {url} failed: {e}"))?;
            let status = response.status().as_u16();
            let answer = ByteStream::new(response.into_body())
                .collect()
                .await
                .map_err(|e| format!("POST {url}: cannot read the answer: {e}"))?;
            Ok::<_, String>((status, answer.to_vec()))
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("POST {url} took more than {REQUEST_TIMEOUT:?}"))?
    }

    /// Writes the documents of one chunk (`lines` of the batch, with their targets); returns
    /// the lines not written and why.
    async fn write_chunk(
        &self,
        lines: &[usize],
        targets: &[(String, String)],
        documents: &[&[u8]],
    ) -> (Vec<usize>, String) {
        let mut pending: Vec<usize> = lines.to_vec();
        let mut refused: BTreeSet<usize> = BTreeSet::new();
        let mut reason = String::new();
        for attempt in 1..=self.settings.max_attempts {
            if attempt > 1 {
                tokio::time::sleep(backoff(attempt - 1)).await;
            }
            let request: Vec<(&(String, String), &[u8])> = pending
                .iter()
                .map(|&l| (&targets[l], documents[l]))
                .collect();
            match self.post_bulk(bulk_body(&request)).await {
                Ok((200, answer)) => match bulk_failures(&answer, pending.len()) {
                    Ok(failures) => {
                        let mut again = Vec::new();
                        for f in failures {
                            let line = pending[f.position];
                            reason = format!(
                                "_bulk item {} (index {}, id {}) failed with {}: {}",
                                line, targets[line].0, targets[line].1, f.status, f.reason
                            );
                            if f.retryable() {
                                again.push(line);
                            } else {
                                refused.insert(line);
                            }
                        }
                        pending = again;
                    }
                    Err(e) => reason = e,
                },
                Ok((status, answer)) => {
                    let text = String::from_utf8_lossy(&answer);
                    reason = format!(
                        "_bulk answered {status}: {}",
                        text.chars().take(300).collect::<String>()
                    );
                    // 429 (too many requests) and 5xx may pass later; 4xx (denied, too large,
                    // bad request) will not.
                    if status != 429 && status < 500 {
                        break;
                    }
                }
                Err(e) => reason = e,
            }
            if pending.is_empty() {
                break;
            }
        }
        refused.extend(pending);
        (refused.into_iter().collect(), reason)
    }
}

impl Emitter for OpenSearchEmitter {
    fn check(&self, line: &[u8]) -> Result<(), String> {
        target(line, &self.settings).map(|_| ())
    }

    async fn emit(&self, batch: &Batch) -> Result<(), EmitError> {
        let documents: Vec<&[u8]> = batch.lines().collect();
        let mut targets = Vec::with_capacity(documents.len());
        for (i, d) in documents.iter().enumerate() {
            match target(d, &self.settings) {
                Ok(t) => targets.push(t),
                // Every line passed `check`; if one did not, it fails (Lambda retries it).
                Err(e) => {
                    return Err(EmitError {
                        message: e,
                        first_failed: i,
                        written: 0,
                    })
                }
            }
        }
        let mut written = 0;
        let mut start = 0;
        while start < documents.len() {
            let mut end = start;
            let mut size = 0;
            while end < documents.len()
                && (end == start || size + documents[end].len() + 100 <= MAX_BULK_BYTES)
            {
                size += documents[end].len() + 100;
                end += 1;
            }
            let lines: Vec<usize> = (start..end).collect();
            let (failed, reason) = self.write_chunk(&lines, &targets, &documents).await;
            if let Some(&first_failed) = failed.first() {
                return Err(EmitError {
                    message: format!(
                        "{reason} ({} of {} document(s) not written to {})",
                        failed.len(),
                        lines.len(),
                        self.settings.endpoint
                    ),
                    first_failed,
                    written: written + lines.len() - failed.len(),
                });
            }
            written += lines.len();
            start = end;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(index: IndexFrom) -> OpenSearchSettings {
        OpenSearchSettings {
            endpoint: "https://search-x.eu-west-1.es.amazonaws.com".into(),
            index,
            id_field: "id".into(),
            max_attempts: 3,
        }
    }

    #[test]
    fn targets_come_from_the_configured_fields() {
        let fixed = settings(IndexFrom::Fixed("trips".into()));
        assert_eq!(
            target(br#"{"id":"t-1","x":1}"#, &fixed).unwrap(),
            ("trips".into(), "t-1".into())
        );
        assert_eq!(
            target(br#"{"id":42}"#, &fixed).unwrap(),
            ("trips".into(), "42".into())
        );
        let by_field = settings(IndexFrom::Field("kind".into()));
        assert_eq!(
            target(br#"{"id":"a","kind":"rides-2026"}"#, &by_field).unwrap(),
            ("rides-2026".into(), "a".into())
        );
        for (line, reason) in [
            (&br#"[1]"#[..], "not a JSON object"),
            (br#"{"x":1}"#, "no id field id"),
            (
                br#"{"id":true}"#,
                "id field id is not a string of 1 to 512 bytes or a number",
            ),
            (br#"{"id":"a"}"#, "no index field kind"),
            (
                br#"{"id":"a","kind":3}"#,
                "index field kind is not a string",
            ),
        ] {
            assert_eq!(target(line, &by_field).unwrap_err(), reason);
        }
        let bad = target(br#"{"id":"a","kind":"Upper"}"#, &by_field).unwrap_err();
        assert!(
            bad.starts_with("index field kind is \"Upper\", not a lower-case"),
            "{bad}"
        );
    }

    #[test]
    fn the_bulk_body_is_ndjson_of_actions_and_documents() {
        let t1 = ("trips".to_owned(), "t-1".to_owned());
        let t2 = ("trips".to_owned(), "quote\"d ☕".to_owned());
        let body = bulk_body(&[
            (&t1, br#"{"id":"t-1","fare":9.5}"#),
            (&t2, r#"{"id":"quote\"d ☕"}"#.as_bytes()),
        ]);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "{\"index\":{\"_index\":\"trips\",\"_id\":\"t-1\"}}\n{\"id\":\"t-1\",\"fare\":9.5}\n\
             {\"index\":{\"_index\":\"trips\",\"_id\":\"quote\\\"d ☕\"}}\n{\"id\":\"quote\\\"d ☕\"}\n"
        );
    }

    /// A `_bulk` answer as Amazon OpenSearch Service writes it (shape from the OpenSearch
    /// `_bulk` API reference): item 1 refused by the mapping, item 3 rejected for load.
    const ANSWER: &str = r#"{"took":11,"errors":true,"items":[
        {"index":{"_index":"trips","_id":"a","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":201}},
        {"index":{"_index":"trips","_id":"b","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [fare] of type [float] in document with id 'b'. Preview of field's value: 'cheap'"}}},
        {"index":{"_index":"trips","_id":"c","_version":2,"result":"updated","status":200}},
        {"index":{"_index":"trips","_id":"d","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}}}
    ]}"#;

    #[test]
    fn per_item_errors_are_mapped_to_their_position() {
        let failures = bulk_failures(ANSWER.as_bytes(), 4).unwrap();
        assert_eq!(
            failures,
            vec![
                BulkItemFailure {
                    position: 1,
                    status: 400,
                    reason: "mapper_parsing_exception: failed to parse field [fare] of type [float] in document with id 'b'. Preview of field's value: 'cheap'".into()
                },
                BulkItemFailure {
                    position: 3,
                    status: 429,
                    reason: "es_rejected_execution_exception: rejected execution of coordinating operation".into()
                },
            ]
        );
        assert!(!failures[0].retryable() && failures[1].retryable());
        assert!(bulk_failures(br#"{"took":1,"errors":false,"items":[]}"#, 0)
            .unwrap()
            .is_empty());
        assert_eq!(
            bulk_failures(ANSWER.as_bytes(), 5).unwrap_err(),
            "_bulk answer has 4 items for 5 requests"
        );
        assert!(bulk_failures(b"<html>", 1).is_err());
    }
}
