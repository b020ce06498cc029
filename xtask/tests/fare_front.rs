//! The local API Gateway front (`cargo xtask fare-front`) in front of the real fare-endpoint
//! `bootstrap`: the API key and the `Authorization` header are checked before the function runs,
//! an accepted request reaches the function as a proxy event and its answer comes back, and
//! injected failures are deterministic. Signature verification itself is unit-tested in
//! `src/fare_front.rs` (AWS SigV4 test-suite vectors) and end to end by the pattern 4 Flink job's
//! tests, whose requests are signed by the AWS SDK for Java.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;
use xtask::fare_front::{FareFront, FrontConfig};
use xtask::functions::{self, Arch};
use xtask::{package, paths};

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const QUERY: &str = "id=ride-7&pickup_lat=40.6413&pickup_lon=-73.7781&dropoff_lat=40.7580&dropoff_lon=-73.9855&passengers=2&pickup_time=2026-11-24T17%3A30%3A00Z";

fn front(configure: impl FnOnce(&mut FrontConfig)) -> (tempfile::TempDir, FareFront) {
    let function = functions::function("fare-endpoint-function").expect("in the table");
    let zip = paths::zip_path(function, Arch::X86_64);
    assert!(
        zip.is_file(),
        "{} is missing: run `cargo xtask build-functions` first",
        zip.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let bootstrap = package::extract_bootstrap(&zip, dir.path()).unwrap();
    let mut config = FrontConfig::new(bootstrap, "the-key");
    configure(&mut config);
    let front = FareFront::start(config).unwrap_or_else(|e| panic!("{e}"));
    (dir, front)
}

/// One GET with the given headers; returns the status and the JSON body.
fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    // The front keeps the connection open (keep-alive): read the declared length.
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).unwrap();
        out.push_str(&String::from_utf8_lossy(&buf[..n]));
        if let Some((head, body)) = out.split_once("\r\n\r\n") {
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if body.len() >= len || n == 0 {
                let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
                return (status, serde_json::from_str(body).unwrap_or(Value::Null));
            }
        }
        assert!(n > 0, "connection closed early: {out}");
    }
}

#[test]
fn an_authorized_request_reaches_the_real_function() {
    let (_dir, front) = front(|_| {});
    let path = format!("/prod/predictFare?{QUERY}");
    let headers = [
        ("x-api-key", "the-key"),
        ("Authorization", AUTH),
        ("X-Amz-Date", "20261201T101500Z"),
    ];
    let (status, body) = get(front.addr(), &path, &headers);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], "ride-7");
    assert!(body["fare"].as_f64().unwrap() > 0.0, "{body}");
    // The function's own validation answers through the front too.
    let (status, body) = get(
        front.addr(),
        "/prod/predictFare?id=ride-8&passengers=2",
        &headers,
    );
    assert_eq!(status, 400, "{body}");
    let (_, stats) = get(front.addr(), "/stats", &[]);
    assert_eq!(stats["requests"], 2);
    assert_eq!(stats["ok"], 1);
    assert_eq!(stats["forbidden"], 0);
}

#[test]
fn a_wrong_key_or_a_missing_signature_is_forbidden_before_the_function_runs() {
    let (_dir, front) = front(|_| {});
    let path = format!("/prod/predictFare?{QUERY}");
    let (status, body) = get(
        front.addr(),
        &path,
        &[
            ("x-api-key", "other"),
            ("Authorization", AUTH),
            ("X-Amz-Date", "20261201T101500Z"),
        ],
    );
    assert_eq!((status, body["message"].as_str()), (403, Some("Forbidden")));
    let (status, body) = get(front.addr(), &path, &[("x-api-key", "the-key")]);
    assert_eq!(status, 403);
    assert_eq!(body["message"], "Missing Authentication Token");
    let (status, _) = get(front.addr(), "/prod/other", &[]);
    assert_eq!(status, 404);
    let (_, stats) = get(front.addr(), "/stats", &[]);
    assert_eq!(
        (stats["forbidden"].as_u64(), stats["ok"].as_u64()),
        (Some(2), Some(0))
    );
}

#[test]
fn every_nth_request_fails_as_injected() {
    let (_dir, front) = front(|c| {
        c.fail_every = Some(3);
        c.fail_status = 503;
    });
    let path = format!("/prod/predictFare?{QUERY}");
    let headers = [
        ("x-api-key", "the-key"),
        ("Authorization", AUTH),
        ("X-Amz-Date", "20261201T101500Z"),
    ];
    let statuses: Vec<u16> = (0..6)
        .map(|_| get(front.addr(), &path, &headers).0)
        .collect();
    assert_eq!(statuses, [200, 200, 503, 200, 200, 503]);
    let (_, stats) = get(front.addr(), "/stats", &[]);
    assert_eq!(stats["injected_failures"], 2);
    assert_eq!(stats["ok"], 4);
}
