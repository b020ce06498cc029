//! The real consumer `bootstrap` (the zip `cargo xtask build-functions` writes) on the local
//! Lambda Runtime API harness, with each emitter against a real endpoint:
//!
//! * S3 and DynamoDB against the AWS API emulator (moto 5.2.5 through
//!   `tests/support/moto_server.py`, from the venv of `deployment/run-all-tests.sh`); what the
//!   function wrote is read back with boto3 and compared record for record;
//! * DynamoDB throttling and `UnprocessedItems` through `tests/support/fault_proxy.py`;
//! * OpenSearch against a small HTTP server in this test that checks each request's SigV4
//!   signature and answers `_bulk` with per-item errors. No OpenSearch node runs on this
//!   machine (none is packaged for Debian or PyPI, and the JVM runner another issue may try is
//!   not set up), so the answers are written here in the shape the OpenSearch `_bulk` API
//!   reference documents (`{"took", "errors", "items": [{"index": {"_index", "_id",
//!   "status", "error": {"type", "reason"}}}]}`), not recorded from a node.
//!
//! The events hold KPL aggregates made by the `kpl-aggregation` crate, as the producer sends
//! them. Like the other harness tests, these fail (never skip) when the zips, the venv or qemu
//! are missing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use kpl_aggregation::Aggregator;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use xtask::functions::{self, Arch};
use xtask::harness::{FunctionConfig, LocalLambda, Outcome};
use xtask::{package, paths};

const SHARD: &str = "shardId-000000000000";

fn repo() -> PathBuf {
    paths::workspace_root()
}

fn python() -> PathBuf {
    let venv = std::env::var_os("STREAMSTACK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv"));
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "{} not found: run deployment/run-all-tests.sh (it installs moto 5.2.5), or set STREAMSTACK_VENV",
        python.display()
    );
    python
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A helper process that exits when its stdin closes (when this test ends).
struct Helper {
    url: String,
    _child: Child,
    _stdin: ChildStdin,
}

fn wait_for(port: u16, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The emulator, on a free port.
fn moto() -> Helper {
    let port = free_port();
    let mut child = Command::new(python())
        .arg(repo().join("tests/support/moto_server.py"))
        .args([
            "--exit-with-stdin",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto");
    let stdin = child.stdin.take().expect("stdin");
    wait_for(port, "moto");
    // The port answers before the app is ready: wait for a real answer.
    let start = Instant::now();
    while boto(
        &format!("http://127.0.0.1:{port}"),
        "s3.list_buckets(); print('ok')",
    )
    .trim()
        != "ok"
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "moto never answered"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    Helper {
        url: format!("http://127.0.0.1:{port}"),
        _child: child,
        _stdin: stdin,
    }
}

/// The fault proxy in front of `upstream`, failing `fraction` of the DynamoDB calls and items
/// (its sixth argument; the fifth, GetRecords throttling, stays 0).
fn fault_proxy(upstream: &str, fraction: f64, seed: u64) -> Helper {
    let port = free_port();
    let mut child = Command::new(python())
        .arg(repo().join("tests/support/fault_proxy.py"))
        .args([
            upstream,
            "0",
            &seed.to_string(),
            &port.to_string(),
            "0",
            &fraction.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the fault proxy");
    let stdin = child.stdin.take().expect("stdin");
    let mut ready = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut ready)
        .expect("READY");
    assert_eq!(ready.trim(), "READY");
    Helper {
        url: format!("http://127.0.0.1:{port}"),
        _child: child,
        _stdin: stdin,
    }
}

fn proxy_stats(proxy: &Helper) -> Value {
    let port = proxy.url.rsplit(':').next().expect("port");
    let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect");
    write!(
        s,
        "GET /fault-proxy/stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).expect("stats JSON")
}

/// Runs `script` with boto3 clients `s3` and `ddb` on `endpoint`; returns its stdout.
fn boto(endpoint: &str, script: &str) -> String {
    let prelude = format!(
        "import boto3, json, base64, gzip\n\
         kw = dict(endpoint_url='{endpoint}', region_name='us-east-1', \
         aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         s3 = boto3.client('s3', **kw)\nddb = boto3.client('dynamodb', **kw)\n"
    );
    let out = Command::new(python())
        .args(["-c", &format!("{prelude}{script}")])
        .output()
        .expect("run boto3");
    assert!(
        out.status.success() || script.contains("list_buckets"),
        "boto3 script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The consumer's `bootstrap` for `arch`, extracted from its zip.
fn bootstrap(arch: Arch) -> (TempDir, PathBuf) {
    let function = functions::function("consumer-function").expect("in the table");
    let zip = paths::zip_path(function, arch);
    assert!(
        zip.is_file(),
        "{} is missing: run `cargo xtask build-functions` first",
        zip.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = package::extract_bootstrap(&zip, dir.path()).expect("extract bootstrap");
    (dir, path)
}

fn start(arch: Arch, env: &[(&str, &str)]) -> (TempDir, LocalLambda) {
    let (dir, path) = bootstrap(arch);
    let mut config = FunctionConfig::new("consumer");
    config.memory_mb = 256;
    config.timeout = Duration::from_secs(120);
    config.env = [
        ("TRANSFORM", "json"),
        ("BUFFER_MAX_RECORDS", "40"),
        ("BUFFER_MAX_BYTES", "1048576"),
    ]
    .iter()
    .chain(env)
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let lambda = LocalLambda::spawn(&path, arch, &config).unwrap_or_else(|e| panic!("{e}"));
    (dir, lambda)
}

/// Invokes and returns the response (the `batchItemFailures` object).
fn invoke(lambda: &mut LocalLambda, event: &Value) -> Value {
    let received = lambda
        .invoke(event.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    match received.outcome {
        Outcome::Response { body } => serde_json::from_slice(&body).expect("JSON response"),
        other => panic!("function error: {}\n{}", other.body_text(), lambda.logs()),
    }
}

fn failures(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .expect("batchItemFailures")
        .iter()
        .map(|f| f["itemIdentifier"].as_str().expect("id").to_owned())
        .collect()
}

/// User record `i`: nested objects, arrays, unicode, null, booleans, integers and decimals.
fn record(i: usize) -> Value {
    json!({
        "trip_id": format!("trip-{i:04}"),
        "fare": 12.5 + i as f64,
        "passengers": i % 4,
        "paid": i % 2 == 0,
        "tip": null,
        "vendor": {"name": "Yellow ☕ Cab 日本", "ids": [i, "x", null, {"deep": true}]},
        "note": format!("\"quoted\" \\ line {i}")
    })
}

fn seq(n: usize) -> String {
    format!("4965{n:052}")
}

/// A Kinesis event of `kinesis` records, each a KPL aggregate of `per` user records (made by
/// the `kpl-aggregation` crate), starting at user record `first`; the first half arrived at
/// 08:59:59 UTC, the rest at 09:00:01, so S3 objects fall into two hour folders.
fn event(first: usize, kinesis: usize, per: usize) -> (Value, Vec<Value>) {
    let mut records = Vec::new();
    let mut users = Vec::new();
    for k in 0..kinesis {
        let mut agg = Aggregator::default();
        for u in 0..per {
            let i = first + k * per + u;
            let r = record(i);
            let full = agg
                .add_parts(&format!("pk-{i}"), None, r.to_string().as_bytes())
                .expect("fits");
            assert!(full.is_none());
            users.push(r);
        }
        let data = agg.flush().expect("not empty").data;
        let n = first / per + k;
        let arrival = if k < kinesis / 2 {
            1_795_510_799.5
        } else {
            1_795_510_801.25
        };
        records.push(json!({
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": format!("pk-{n}"),
                "sequenceNumber": seq(n),
                "data": base64::engine::general_purpose::STANDARD.encode(&data),
                "approximateArrivalTimestamp": arrival
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": format!("{SHARD}:{}", seq(n)),
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/consumer",
            "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/s"
        }));
    }
    (json!({ "Records": records }), users)
}

/// The event with only the records from sequence number `from` on: what Lambda sends again
/// after a batch item failure at `from`.
fn retry_from(event: &Value, from: &str) -> Value {
    let records: Vec<Value> = event["Records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["kinesis"]["sequenceNumber"].as_str() >= Some(from))
        .cloned()
        .collect();
    json!({ "Records": records })
}

/// Waits (output reaches the harness through a pipe) until the function's output holds
/// `needle`; false after 5 s.
fn logs_contain(lambda: &LocalLambda, needle: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !lambda.logs().contains(needle) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// The last EMF line of the function's output.
fn last_emf(lambda: &LocalLambda) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let logs = lambda.logs();
        if let Some(line) = logs.lines().rev().find(|l| l.contains("\"_aws\"")) {
            return serde_json::from_str(line).expect("EMF JSON");
        }
        assert!(Instant::now() < deadline, "no EMF line:\n{logs}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

const READ_OBJECTS: &str = "
out = []
for page in s3.get_paginator('list_objects_v2').paginate(Bucket='lake'):
    for o in page.get('Contents', []):
        got = s3.get_object(Bucket='lake', Key=o['Key'])
        raw = got['Body'].read()
        out.append({'key': o['Key'], 'content_type': got['ContentType'],
                    'gzip': raw[:2] == b'\\x1f\\x8b', 'mtime': int.from_bytes(raw[4:8], 'little'),
                    'text': gzip.decompress(raw).decode('utf-8')})
print(json.dumps(out))
";

fn s3_lake(arch: Arch) {
    let moto = moto();
    boto(&moto.url, "s3.create_bucket(Bucket='lake')");
    let (_dir, mut lambda) = start(
        arch,
        &[
            ("EMITTER", "s3"),
            ("OUTPUT_BUCKET", "lake"),
            ("OUTPUT_PREFIX", "data/"),
            ("COMPRESSION", "gzip"),
            ("AWS_ENDPOINT_URL_S3", &moto.url),
        ],
    );
    let (ev, users) = event(0, 20, 10);
    let response = invoke(&mut lambda, &ev);
    assert_eq!(
        failures(&response),
        Vec::<String>::new(),
        "{}",
        lambda.logs()
    );
    let first: Vec<Value> =
        serde_json::from_str(&boto(&moto.url, READ_OBJECTS)).expect("objects JSON");
    // 200 records in buffers of 40 user records (4 aggregates of 10): 5 objects.
    assert_eq!(first.len(), 5, "{first:#?}");
    let mut lines = Vec::new();
    for (n, o) in first.iter().enumerate() {
        let key = o["key"].as_str().expect("key");
        // Objects list in key order; the first 10 aggregates arrived at 08:59:59.
        let hour = if key.contains("hour=08/") { 8 } else { 9 };
        let (from, to) = (n * 4, n * 4 + 3);
        assert_eq!(
            key,
            format!(
                "data/year=2026/month=11/day=24/hour={hour:02}/{SHARD}-{}-{}.jsonl.gz",
                seq(from),
                seq(to)
            ),
            "lake layout: time folder of the first record's arrival, shard, first and last sequence numbers"
        );
        assert_eq!(hour, if from < 10 { 8 } else { 9 }, "{key}");
        assert_eq!(o["content_type"], "application/gzip");
        assert_eq!(o["gzip"], true);
        assert_eq!(o["mtime"], 0, "deterministic gzip: no modification time");
        lines.extend(o["text"].as_str().expect("text").lines().map(str::to_owned));
    }
    let read: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(
        read, users,
        "every record exactly once, in order, unchanged"
    );

    // The same event again (a Lambda retry): the same objects, none added.
    let response = invoke(&mut lambda, &ev);
    assert_eq!(failures(&response), Vec::<String>::new());
    let again: Vec<Value> =
        serde_json::from_str(&boto(&moto.url, READ_OBJECTS)).expect("objects JSON");
    assert_eq!(
        again, first,
        "a retried batch overwrites its objects, never a second copy"
    );
}

#[test]
fn s3_objects_are_lake_ready_and_a_retry_rewrites_them_x86_64() {
    s3_lake(Arch::X86_64);
}

#[test]
fn s3_objects_are_lake_ready_and_a_retry_rewrites_them_arm64_under_qemu() {
    s3_lake(Arch::Arm64);
}

const CREATE_TABLE: &str = "
ddb.create_table(TableName='trips', BillingMode='PAY_PER_REQUEST',
    AttributeDefinitions=[{'AttributeName': 'trip_id', 'AttributeType': 'S'}],
    KeySchema=[{'AttributeName': 'trip_id', 'KeyType': 'HASH'}])
";

const SCAN: &str = "
items = []
for page in ddb.get_paginator('scan').paginate(TableName='trips'):
    items.extend(page['Items'])
print(json.dumps(items))
";

/// A DynamoDB item (the low-level JSON, `{\"S\": ..}`) back as the JSON it was written from.
fn plain(attribute: &Value) -> Value {
    let (kind, v) = attribute
        .as_object()
        .and_then(|o| o.iter().next())
        .expect("typed attribute");
    match kind.as_str() {
        "S" => v.clone(),
        "N" => serde_json::from_str(v.as_str().expect("N text")).expect("number"),
        "BOOL" => v.clone(),
        "NULL" => Value::Null,
        "L" => Value::Array(v.as_array().expect("L").iter().map(plain).collect()),
        "M" => Value::Object(
            v.as_object()
                .expect("M")
                .iter()
                .map(|(k, x)| (k.clone(), plain(x)))
                .collect(),
        ),
        other => panic!("unexpected attribute type {other}"),
    }
}

fn table(moto: &Helper) -> Vec<Value> {
    let items: Vec<Value> = serde_json::from_str(&boto(&moto.url, SCAN)).expect("scan JSON");
    let mut items: Vec<Value> = items.iter().map(|i| plain(&json!({"M": i}))).collect();
    items.sort_by(|a, b| a["trip_id"].as_str().cmp(&b["trip_id"].as_str()));
    items
}

#[test]
fn dynamodb_items_read_back_record_for_record_and_a_retry_adds_none() {
    let moto = moto();
    boto(&moto.url, CREATE_TABLE);
    let (_dir, mut lambda) = start(
        Arch::X86_64,
        &[
            ("EMITTER", "dynamodb"),
            ("DYNAMODB_TABLE", "trips"),
            ("DYNAMODB_PARTITION_KEY", "trip_id"),
            ("AWS_ENDPOINT_URL_DYNAMODB", &moto.url),
        ],
    );
    let (ev, users) = event(0, 12, 10);
    let response = invoke(&mut lambda, &ev);
    assert_eq!(
        failures(&response),
        Vec::<String>::new(),
        "{}",
        lambda.logs()
    );
    let items = table(&moto);
    assert_eq!(
        items, users,
        "one item per record: numbers as N, strings (unicode intact) as S, booleans, nulls, maps and lists"
    );
    let response = invoke(&mut lambda, &ev);
    assert_eq!(failures(&response), Vec::<String>::new());
    assert_eq!(
        table(&moto),
        users,
        "the same event twice: the same items, no duplicate"
    );
}

#[test]
fn throttled_dynamodb_writes_are_retried_then_failed_from_their_record_and_none_is_lost() {
    let moto = moto();
    boto(&moto.url, CREATE_TABLE);
    let (ev, users) = event(0, 12, 10);

    // Every call throttled: the bounded retries end, and the batch item failure is the first
    // record not written, so Lambda retries it (and the failure queue gets it in the end).
    let throttle_all = fault_proxy(&moto.url, 1.0, 1);
    let (_dir, mut lambda) = start(
        Arch::X86_64,
        &[
            ("EMITTER", "dynamodb"),
            ("DYNAMODB_TABLE", "trips"),
            ("DYNAMODB_PARTITION_KEY", "trip_id"),
            ("EMIT_MAX_ATTEMPTS", "3"),
            ("AWS_ENDPOINT_URL_DYNAMODB", &throttle_all.url),
        ],
    );
    let response = invoke(&mut lambda, &ev);
    assert_eq!(failures(&response), vec![seq(0)], "{}", lambda.logs());
    let emf = last_emf(&lambda);
    assert_eq!(
        emf["RecordsFailed"], 40,
        "the first buffer's records, reported failed"
    );
    assert_eq!(emf["RecordsWritten"], 0);
    let stats = proxy_stats(&throttle_all);
    assert_eq!(
        stats["ddb_calls"], 3,
        "EMIT_MAX_ATTEMPTS calls, then no more: {stats}"
    );
    assert_eq!(stats["ddb_throttled"], 3);
    assert!(table(&moto).is_empty());
    drop(lambda);

    // A fifth of the calls throttled and a fifth of the items left unprocessed: retried with
    // backoff; what still fails is retried by "Lambda" (the event again from the reported
    // record, as the event source mapping does) until every record is in, each exactly once.
    let flaky = fault_proxy(&moto.url, 0.2, 7);
    let (_dir, mut lambda) = start(
        Arch::X86_64,
        &[
            ("EMITTER", "dynamodb"),
            ("DYNAMODB_TABLE", "trips"),
            ("DYNAMODB_PARTITION_KEY", "trip_id"),
            ("EMIT_MAX_ATTEMPTS", "4"),
            ("AWS_ENDPOINT_URL_DYNAMODB", &flaky.url),
        ],
    );
    let mut delivery = ev.clone();
    let mut lambda_retries = 0;
    loop {
        let response = invoke(&mut lambda, &delivery);
        let failed = failures(&response);
        if failed.is_empty() {
            break;
        }
        assert_eq!(
            failed.len(),
            1,
            "one failure: Lambda retries from the lowest"
        );
        lambda_retries += 1;
        assert!(lambda_retries < 40, "no progress: {}", lambda.logs());
        delivery = retry_from(&ev, &failed[0]);
    }
    let stats = proxy_stats(&flaky);
    assert!(
        stats["ddb_throttled"].as_u64() > Some(0) && stats["ddb_unprocessed"].as_u64() > Some(0),
        "the proxy throttled calls and held items back: {stats}"
    );
    assert_eq!(
        table(&moto),
        users,
        "none lost, none duplicated, content unchanged"
    );
    eprintln!("flaky DynamoDB: {stats}, {lambda_retries} Lambda retries");
}

/// What the OpenSearch stand-in saw: per `_bulk` request, the (index, id) of each action.
type Seen = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// Serves `POST /_bulk` on 127.0.0.1: checks the SigV4 signature (service `es`, region
/// us-east-1, the harness's secret key, the body hash), then answers per item with
/// `answer(request number, item number, id)` as the status.
fn opensearch_stand_in(answer: fn(usize, usize, &str) -> u16) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().expect("clone");
                let mut reader = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or("").to_owned();
                    let target = parts.next().unwrap_or("").to_owned();
                    let mut headers = Vec::new();
                    let mut length = 0;
                    loop {
                        let mut h = String::new();
                        reader.read_line(&mut h).expect("header");
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        let (k, v) = h.split_once(':').expect("header");
                        if k.eq_ignore_ascii_case("content-length") {
                            length = v.trim().parse().expect("length");
                        }
                        headers.push((k.to_owned(), v.trim().to_owned()));
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).expect("body");
                    let (status, text) = bulk(&method, &target, &headers, &body, &log, answer);
                    let response = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
                        text.len()
                    );
                    if writer.write_all(response.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

fn bulk(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
    seen: &Seen,
    answer: fn(usize, usize, &str) -> u16,
) -> (u16, String) {
    if let Err(e) = xtask::fare_front::verify_signed_request(
        method,
        target,
        headers,
        body,
        "es",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ) {
        return (403, json!({"message": e}).to_string());
    }
    let hash = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-content-sha256"))
        .map(|(_, v)| v.clone());
    let digest: String = Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if hash.as_deref() != Some(digest.as_str()) || (method, target) != ("POST", "/_bulk") {
        return (400, json!({"message": "bad request"}).to_string());
    }
    let text = String::from_utf8_lossy(body);
    let lines: Vec<&str> = text.lines().collect();
    let mut actions = Vec::new();
    let mut items = Vec::new();
    let request = {
        let mut s = seen.lock().expect("lock");
        s.push(Vec::new());
        s.len() - 1
    };
    for (n, pair) in lines.chunks(2).enumerate() {
        let action: Value = serde_json::from_str(pair[0]).expect("action line");
        let doc: Value = serde_json::from_str(pair[1]).expect("document line");
        let index = action["index"]["_index"]
            .as_str()
            .expect("_index")
            .to_owned();
        let id = action["index"]["_id"].as_str().expect("_id").to_owned();
        assert_eq!(
            doc["trip_id"],
            id.as_str(),
            "the _id is the record's id field"
        );
        let status = answer(request, n, &id);
        items.push(match status {
            201 => json!({"index": {"_index": index, "_id": id, "_version": 1, "result": "created",
                "_shards": {"total": 2, "successful": 1, "failed": 0}, "_seq_no": n, "_primary_term": 1, "status": 201}}),
            400 => json!({"index": {"_index": index, "_id": id, "status": 400, "error": {
                "type": "mapper_parsing_exception",
                "reason": format!("failed to parse field [fare] of type [float] in document with id '{id}'")}}}),
            _ => json!({"index": {"_index": index, "_id": id, "status": 429, "error": {
                "type": "es_rejected_execution_exception",
                "reason": "rejected execution of coordinating operation"}}}),
        });
        actions.push((index, id));
    }
    seen.lock().expect("lock")[request] = actions;
    let errors = items.iter().any(|i| i["index"]["status"] != 201);
    (
        200,
        json!({"took": 3, "errors": errors, "items": items}).to_string(),
    )
}

#[test]
fn opensearch_bulk_per_item_errors_become_batch_item_failures_of_their_records() {
    // First request: trip-0002 rejected for load (429, retried by the function), trip-0006
    // refused by the mapping (400: a batch item failure at its Kinesis record, 1). Later
    // requests: everything created.
    let (url, seen) = opensearch_stand_in(|request, _, id| match (request, id) {
        (0, "trip-0002") => 429,
        (0, "trip-0006") => 400,
        _ => 201,
    });
    let (_dir, mut lambda) = start(
        Arch::X86_64,
        &[
            ("EMITTER", "opensearch"),
            ("OPENSEARCH_ENDPOINT", &url),
            ("OPENSEARCH_INDEX", "trips"),
            ("OPENSEARCH_ID_FIELD", "trip_id"),
        ],
    );
    let (ev, _) = event(0, 3, 4);
    let response = invoke(&mut lambda, &ev);
    assert_eq!(
        failures(&response),
        vec![seq(1)],
        "the refused document's own Kinesis record: {}",
        lambda.logs()
    );
    let emf = last_emf(&lambda);
    assert_eq!(
        (emf["RecordsWritten"].clone(), emf["RecordsFailed"].clone()),
        (json!(11), json!(1))
    );
    {
        let s = seen.lock().expect("lock");
        assert_eq!(s.len(), 2, "the bulk, then the 429 item alone: {s:?}");
        let ids: Vec<String> = (0..12).map(|i| format!("trip-{i:04}")).collect();
        assert_eq!(
            s[0],
            ids.iter()
                .map(|id| ("trips".to_owned(), id.clone()))
                .collect::<Vec<_>>()
        );
        assert_eq!(s[1], vec![("trips".to_owned(), "trip-0002".to_owned())]);
    }
    assert!(
        logs_contain(&lambda, "mapper_parsing_exception"),
        "the item's error is logged: {}",
        lambda.logs()
    );

    // Lambda retries from record 1: its documents are written again under the same ids.
    let response = invoke(&mut lambda, &retry_from(&ev, &seq(1)));
    assert_eq!(failures(&response), Vec::<String>::new());
    let s = seen.lock().expect("lock");
    let ids: Vec<String> = (4..12).map(|i| format!("trip-{i:04}")).collect();
    assert_eq!(
        s[2],
        ids.iter()
            .map(|id| ("trips".to_owned(), id.clone()))
            .collect::<Vec<_>>(),
        "a retry rewrites the same documents (same _id), never new ones"
    );
}

#[test]
fn a_request_signed_with_another_key_is_refused_by_the_stand_in() {
    // The stand-in's signature check can fail: a request signed with another secret is a 403,
    // and the function reports its records failed.
    let (url, seen) = opensearch_stand_in(|_, _, _| 201);
    let (_dir, mut lambda) = start(
        Arch::X86_64,
        &[
            ("EMITTER", "opensearch"),
            ("OPENSEARCH_ENDPOINT", &url),
            ("OPENSEARCH_INDEX", "trips"),
            ("OPENSEARCH_ID_FIELD", "trip_id"),
            ("AWS_SECRET_ACCESS_KEY", "not-the-harness-secret"),
            ("EMIT_MAX_ATTEMPTS", "1"),
        ],
    );
    let (ev, _) = event(0, 2, 3);
    let response = invoke(&mut lambda, &ev);
    assert_eq!(failures(&response), vec![seq(0)]);
    assert!(
        logs_contain(&lambda, "does not match"),
        "the 403 is logged: {}",
        lambda.logs()
    );
    assert!(seen.lock().expect("lock").is_empty());
}
