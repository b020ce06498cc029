//! A local stand-in for API Gateway in front of the real fare-endpoint `bootstrap`, for the
//! pattern 4 Flink job's end-to-end tests.
//!
//! `GET /<stage>/predictFare?...` is checked like the REST API of the template checks it: an
//! `x-api-key` header equal to the stack's key (else 403 `{"message":"Forbidden"}`), and an
//! AWS Signature Version 4 `Authorization` header for the `execute-api` service that verifies
//! with the given secret key (else 403 with the reason). An accepted request becomes an API
//! Gateway REST proxy event, is run by the real `bootstrap` on the local Lambda Runtime API
//! ([`crate::harness`]), and its proxy response is returned. Every `fail_every`-th request is
//! answered `fail_status` without running the function, and every `slow_every`-th is delayed by
//! `slow`, so tests can inject throttling, 5xx and timeouts deterministically. `GET /stats`
//! returns the counters as JSON.
//!
//! What it does not do: API Gateway's own throttling, usage plans and request validation (the
//! function validates every field itself, and the template's validator is checked by cfn-lint).

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::functions::Arch;
use crate::harness::{FunctionConfig, HarnessError, LocalLambda, Outcome};
use crate::http::{serve_connection, Request, Response};

/// How the front behaves.
#[derive(Debug, Clone)]
pub struct FrontConfig {
    /// The fare endpoint's `bootstrap`.
    pub bootstrap: PathBuf,
    /// Its architecture (arm64 runs under qemu).
    pub arch: Arch,
    /// The API key every request must carry in `x-api-key`.
    pub api_key: String,
    /// The secret access key the SigV4 signatures must verify with; `None` checks only the
    /// header's shape.
    pub secret_key: Option<String>,
    /// The stage in the path (`prod`).
    pub stage: String,
    /// Answer every N-th API request with `fail_status`, without running the function.
    pub fail_every: Option<u64>,
    /// The status of injected failures (503).
    pub fail_status: u16,
    /// Delay every N-th API request by `slow`.
    pub slow_every: Option<u64>,
    /// How long a slow request waits before it is answered.
    pub slow: Duration,
}

impl FrontConfig {
    /// A front for `bootstrap` that checks `api_key`, injects nothing, stage `prod`.
    pub fn new(bootstrap: PathBuf, api_key: &str) -> Self {
        Self {
            bootstrap,
            arch: Arch::X86_64,
            api_key: api_key.to_owned(),
            secret_key: None,
            stage: "prod".to_owned(),
            fail_every: None,
            fail_status: 503,
            slow_every: None,
            slow: Duration::ZERO,
        }
    }
}

/// The counters `GET /stats` reports.
#[derive(Debug, Default)]
pub struct Stats {
    /// API requests received (not counting `/stats`).
    pub requests: AtomicU64,
    /// Answered by the function with a 2xx.
    pub ok: AtomicU64,
    /// Refused for the API key or the signature.
    pub forbidden: AtomicU64,
    /// Answered with the injected failure status.
    pub injected_failures: AtomicU64,
    /// Delayed on purpose.
    pub injected_slow: AtomicU64,
}

impl Stats {
    fn to_json(&self) -> Value {
        let get = |c: &AtomicU64| c.load(Ordering::SeqCst);
        json!({
            "requests": get(&self.requests),
            "ok": get(&self.ok),
            "forbidden": get(&self.forbidden),
            "injected_failures": get(&self.injected_failures),
            "injected_slow": get(&self.injected_slow),
        })
    }
}

/// A running front.
pub struct FareFront {
    addr: SocketAddr,
    stats: Arc<Stats>,
}

impl FareFront {
    /// Starts the function and the front on `127.0.0.1:<free port>`.
    pub fn start(config: FrontConfig) -> Result<Self, HarnessError> {
        let mut function = FunctionConfig::new("fare-endpoint");
        function.timeout = Duration::from_secs(30);
        let lambda = LocalLambda::spawn(&config.bootstrap, config.arch, &function)?;
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|source| HarnessError::Io {
            context: "binding the fare front".into(),
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| HarnessError::Io {
            context: "reading the fare front's address".into(),
            source,
        })?;
        let stats = Arc::new(Stats::default());
        let shared = Arc::new(Shared {
            config,
            lambda: Mutex::new(lambda),
            stats: Arc::clone(&stats),
            counter: AtomicU64::new(0),
        });
        thread::Builder::new()
            .name("fare-front".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    let shared = Arc::clone(&shared);
                    let _ = thread::Builder::new()
                        .name("fare-front-conn".into())
                        .spawn(move || serve_connection(stream, |req| Some(shared.handle(req))));
                }
            })
            .map_err(|source| HarnessError::Io {
                context: "starting the fare front".into(),
                source,
            })?;
        Ok(Self { addr, stats })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

struct Shared {
    config: FrontConfig,
    /// One function instance; invocations take turns, as one Lambda execution environment does.
    lambda: Mutex<LocalLambda>,
    stats: Arc<Stats>,
    /// API requests so far, for the deterministic injections.
    counter: AtomicU64,
}

fn json_response(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: Vec::new(),
        body: body.to_string().into_bytes(),
    }
}

impl Shared {
    fn handle(&self, req: &Request) -> Response {
        let (path, query) = req.path.split_once('?').unwrap_or((req.path.as_str(), ""));
        if req.method == "GET" && path == "/stats" {
            return json_response(200, &self.stats.to_json());
        }
        let resource = path
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(self.config.stage.as_str()))
            .unwrap_or("");
        if resource != "/predictFare" {
            return json_response(404, &json!({"message": "Not Found"}));
        }
        self.stats.requests.fetch_add(1, Ordering::SeqCst);
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;

        if req.header("x-api-key") != Some(self.config.api_key.as_str()) {
            self.stats.forbidden.fetch_add(1, Ordering::SeqCst);
            return json_response(403, &json!({"message": "Forbidden"}));
        }
        let identity = match verify_sigv4(req, path, query, self.config.secret_key.as_deref()) {
            Ok(identity) => identity,
            Err(reason) => {
                self.stats.forbidden.fetch_add(1, Ordering::SeqCst);
                return json_response(403, &json!({"message": reason}));
            }
        };
        if self.config.slow_every.is_some_and(|k| k > 0 && n % k == 0) {
            self.stats.injected_slow.fetch_add(1, Ordering::SeqCst);
            thread::sleep(self.config.slow);
        }
        if self.config.fail_every.is_some_and(|k| k > 0 && n % k == 0) {
            self.stats.injected_failures.fetch_add(1, Ordering::SeqCst);
            return json_response(
                self.config.fail_status,
                &json!({"message": "injected failure"}),
            );
        }
        let event = proxy_event(req, &self.config.stage, query, &identity);
        let received = {
            let mut lambda = self.lambda.lock().unwrap_or_else(|e| e.into_inner());
            lambda.invoke(event.to_string().as_bytes())
        };
        let response = match received.map(|r| r.outcome) {
            Ok(Outcome::Response { body }) => serde_json::from_slice::<Value>(&body).ok(),
            _ => None,
        };
        let Some(response) = response else {
            return json_response(502, &json!({"message": "Internal server error"}));
        };
        let status = response["statusCode"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(502);
        if (200..300).contains(&status) {
            self.stats.ok.fetch_add(1, Ordering::SeqCst);
        }
        Response {
            status,
            headers: Vec::new(),
            body: response["body"].as_str().unwrap_or("").as_bytes().to_vec(),
        }
    }
}

/// Who signed a request: the access key id and the credential scope's region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBy {
    /// Access key id of the credential.
    pub access_key: String,
    /// Region of the credential scope.
    pub region: String,
}

fn proxy_event(req: &Request, stage: &str, query: &str, identity: &SignedBy) -> Value {
    let params: BTreeMap<String, String> = query_pairs(query).into_iter().collect();
    let headers: BTreeMap<&str, &str> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    json!({
        "resource": "/predictFare",
        "path": "/predictFare",
        "httpMethod": req.method,
        "headers": headers,
        "multiValueHeaders": {},
        "queryStringParameters": if params.is_empty() { Value::Null } else { json!(params) },
        "multiValueQueryStringParameters": {},
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "resourcePath": "/predictFare",
            "httpMethod": req.method,
            "path": format!("/{stage}/predictFare"),
            "stage": stage,
            "requestId": "local-fare-front",
            "accountId": "123456789012",
            "apiId": "local",
            "identity": {"sourceIp": "127.0.0.1", "accessKey": identity.access_key},
        },
        "body": null,
        "isBase64Encoded": false
    })
}

/// Decodes `%XX` and `+` of a query component (a `%` without two hex digits stays as it is).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex_digit = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                if let (Some(h), Some(l)) = (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2])) {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// SigV4's URI encoding: every byte but the unreserved characters as `%XX` (upper case).
fn sigv4_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Checks the request's SigV4 `Authorization` header: its shape always, its signature when
/// `secret_key` is given. Returns who signed it, or why it is refused.
pub(crate) fn verify_sigv4(
    req: &Request,
    path: &str,
    query: &str,
    secret_key: Option<&str>,
) -> Result<SignedBy, String> {
    verify_sigv4_for(req, path, query, secret_key, "execute-api")
}

/// Checks the SigV4 `Authorization` of a request made for `service` (e.g. `es` for Amazon
/// OpenSearch Service) and its signature with `secret_key`: for local stand-ins of AWS
/// endpoints in tests. `target` is the request target as sent (path and query string).
///
/// # Errors
/// Why the request is refused, as the service would say it.
pub fn verify_signed_request(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
    service: &str,
    secret_key: &str,
) -> Result<SignedBy, String> {
    let req = Request {
        method: method.to_owned(),
        path: target.to_owned(),
        headers: headers.to_vec(),
        body: body.to_vec(),
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    verify_sigv4_for(&req, path, query, Some(secret_key), service)
}

fn verify_sigv4_for(
    req: &Request,
    path: &str,
    query: &str,
    secret_key: Option<&str>,
    expected_service: &str,
) -> Result<SignedBy, String> {
    let auth = req
        .header("authorization")
        .ok_or("Missing Authentication Token")?;
    let rest = auth
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or("Authorization is not AWS4-HMAC-SHA256")?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part
            .trim()
            .split_once('=')
            .ok_or("malformed Authorization")?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed_headers = Some(v),
            "Signature" => signature = Some(v),
            _ => return Err(format!("unexpected Authorization field {k}")),
        }
    }
    let credential = credential.ok_or("Authorization lacks Credential")?;
    let signed_headers = signed_headers.ok_or("Authorization lacks SignedHeaders")?;
    let signature = signature.ok_or("Authorization lacks Signature")?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key, date, region, service, terminator] = scope[..] else {
        return Err(format!(
            "Credential {credential} is not AKID/date/region/service/aws4_request"
        ));
    };
    if service != expected_service || terminator != "aws4_request" {
        return Err(format!(
            "Credential scope {credential} is not for {expected_service}"
        ));
    }
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("Signature is not 64 hex digits".into());
    }
    let amz_date = req.header("x-amz-date").ok_or("missing X-Amz-Date")?;
    if amz_date.len() != 16 || !amz_date.starts_with(date) {
        return Err(format!(
            "X-Amz-Date {amz_date} does not match the scope's date {date}"
        ));
    }
    let signed: Vec<&str> = signed_headers.split(';').collect();
    for required in ["host", "x-amz-date"] {
        if !signed.contains(&required) {
            return Err(format!("SignedHeaders {signed_headers} lacks {required}"));
        }
    }
    let who = SignedBy {
        access_key: access_key.to_owned(),
        region: region.to_owned(),
    };
    let Some(secret_key) = secret_key else {
        return Ok(who);
    };

    let expected = signature_for(
        secret_key,
        req,
        path,
        query,
        &signed,
        &Scope {
            amz_date,
            date,
            region,
            service,
        },
    )?;
    if expected != signature.to_ascii_lowercase() {
        return Err(
            "The request signature we calculated does not match the signature you provided".into(),
        );
    }
    Ok(who)
}

/// The date and credential scope a signature is made for.
struct Scope<'a> {
    amz_date: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

/// The SigV4 signature of `req` for `scope` with `secret_key` (services other than S3: each path
/// segment is encoded once more), over the headers named in `signed`.
fn signature_for(
    secret_key: &str,
    req: &Request,
    path: &str,
    query: &str,
    signed: &[&str],
    scope: &Scope<'_>,
) -> Result<String, String> {
    let canonical_uri = path
        .split('/')
        .map(|segment| sigv4_encode(&sigv4_encode(&percent_decode(segment))))
        .collect::<Vec<_>>()
        .join("/");
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .into_iter()
        .map(|(k, v)| (sigv4_encode(&k), sigv4_encode(&v)))
        .collect();
    pairs.sort();
    let canonical_query = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for name in signed {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return Err(format!("signed header {name} is not in the request"));
        }
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload_hash = req
        .header("x-amz-content-sha256")
        .map_or_else(|| hex(&Sha256::digest(&req.body)), str::to_owned);
    let canonical_request = format!(
        "{}\n{canonical_uri}\n{canonical_query}\n{canonical_headers}\n{}\n{payload_hash}",
        req.method,
        signed.join(";")
    );
    let Scope {
        amz_date,
        date,
        region,
        service,
    } = scope;
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/{service}/aws4_request\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let k_date = hmac_sha256(format!("AWS4{secret_key}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"aws4_request");
    Ok(hex(&hmac_sha256(&k_signing, string_to_sign.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)]) -> Request {
        Request {
            method: "GET".into(),
            path: "/".into(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn suite_scope() -> Scope<'static> {
        Scope {
            amz_date: "20150830T123600Z",
            date: "20150830",
            region: "us-east-1",
            service: "service",
        }
    }

    /// `get-vanilla` and `get-vanilla-query-order-key-case` of the AWS SigV4 test suite.
    #[test]
    fn the_aws_sigv4_test_suite_signatures() {
        let req = request(&[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
        ]);
        let signed = ["host", "x-amz-date"];
        assert_eq!(
            signature_for(SUITE_SECRET, &req, "/", "", &signed, &suite_scope()).unwrap(),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(
            signature_for(
                SUITE_SECRET,
                &req,
                "/",
                "Param2=value2&Param1=value1",
                &signed,
                &suite_scope()
            )
            .unwrap(),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
    }

    #[test]
    fn a_signed_request_verifies_and_a_changed_one_does_not() {
        let amz_date = "20261201T101500Z";
        let path = "/prod/predictFare";
        let query = "id=ride-1&pickup_time=2026-11-24T17%3A30%3A00Z";
        let mut req = request(&[("Host", "127.0.0.1:8080"), ("X-Amz-Date", amz_date)]);
        let scope = Scope {
            amz_date,
            date: "20261201",
            region: "us-east-1",
            service: "execute-api",
        };
        let sig = signature_for(
            "testing",
            &req,
            path,
            query,
            &["host", "x-amz-date"],
            &scope,
        )
        .unwrap();
        req.headers.push((
            "Authorization".into(),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature={sig}"),
        ));
        let who = verify_sigv4(&req, path, query, Some("testing")).unwrap();
        assert_eq!(who.access_key, "AKID");
        assert_eq!(who.region, "us-east-1");
        let reordered = "pickup_time=2026-11-24T17%3A30%3A00Z&id=ride-1";
        assert!(verify_sigv4(&req, path, reordered, Some("testing")).is_ok());
        assert!(verify_sigv4(&req, path, "id=ride-2", Some("testing")).is_err());
        assert!(verify_sigv4(&req, path, query, Some("wrong")).is_err());
    }

    #[test]
    fn malformed_authorization_is_refused_with_the_reason() {
        let cases = [
            (vec![], "Missing Authentication Token"),
            (vec![("Authorization", "Basic abc")], "not AWS4-HMAC-SHA256"),
            (
                vec![
                    ("Authorization", "AWS4-HMAC-SHA256 Credential=A/20261201/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"),
                    ("X-Amz-Date", "20261201T000000Z"),
                ],
                "not for execute-api",
            ),
            (
                vec![
                    ("Authorization", "AWS4-HMAC-SHA256 Credential=A/20261201/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000"),
                    ("X-Amz-Date", "20261201T000000Z"),
                ],
                "lacks x-amz-date",
            ),
        ];
        for (headers, reason) in cases {
            let err = verify_sigv4(&request(&headers), "/prod/predictFare", "", None).unwrap_err();
            assert!(err.contains(reason), "{err} should mention {reason}");
        }
    }

    #[test]
    fn query_components_decode() {
        assert_eq!(
            query_pairs("pickup_time=2026-11-24T17%3A30%3A00Z&a=b+c"),
            vec![
                ("pickup_time".to_owned(), "2026-11-24T17:30:00Z".to_owned()),
                ("a".to_owned(), "b c".to_owned())
            ]
        );
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
