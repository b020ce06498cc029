//! Runs the real `bootstrap` binaries (both architectures; arm64 under
//! `qemu-aarch64-static`) on the local Lambda Runtime API harness.
//!
//! These tests need the zips written by `cargo xtask build-functions`; when
//! they are missing the tests fail and say so (they never skip silently).

use serde_json::{json, Value};
use std::path::PathBuf;
use tempfile::TempDir;
use xtask::events;
use xtask::functions::{self, Arch};
use xtask::harness::{FunctionConfig, LocalLambda, Outcome};
use xtask::{package, paths};

/// Extracts the function's `bootstrap` from its zip into a temp dir.
fn bootstrap(package_name: &str, arch: Arch) -> (TempDir, PathBuf) {
    let function = functions::function(package_name).expect("function in the table");
    let zip = paths::zip_path(function, arch);
    assert!(
        zip.is_file(),
        "{} is missing: run `cargo xtask build-functions` first (needs `cargo xtask check-deps` clean)",
        zip.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = package::extract_bootstrap(&zip, dir.path()).expect("extract bootstrap");
    (dir, path)
}

fn start(package_name: &str, arch: Arch) -> (TempDir, LocalLambda) {
    let (dir, path) = bootstrap(package_name, arch);
    let function = functions::function(package_name).expect("function in the table");
    let (config, _) = events::sample_invocation(function);
    let lambda = LocalLambda::spawn(&path, arch, &config).unwrap_or_else(|e| panic!("{e}"));
    (dir, lambda)
}

fn response_json(lambda: &mut LocalLambda, event: &Value) -> Value {
    let received = lambda
        .invoke(event.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    match received.outcome {
        Outcome::Response { body } => serde_json::from_slice(&body).expect("JSON response"),
        other => panic!("function error: {}\n{}", other.body_text(), lambda.logs()),
    }
}

fn fare_valid_and_malformed(arch: Arch) {
    let (_dir, mut lambda) = start("fare-endpoint-function", arch);
    let resp = response_json(&mut lambda, &events::fare_proxy_event(&events::FARE_QUERY));
    assert_eq!(resp["statusCode"], json!(200), "{resp}");
    assert_eq!(
        resp["headers"]["content-type"],
        json!("application/json"),
        "{resp}"
    );
    let body: Value =
        serde_json::from_str(resp["body"].as_str().expect("text body")).expect("JSON body");
    assert_eq!(
        body,
        json!({"id": "ride-42", "fare": 96.74, "currency": "USD",
               "distance_km": 21.773, "duration_min": 72.6, "surge": 1.25})
    );

    let malformed = [
        ("id", ""),
        ("pickup_lat", "91"),
        ("pickup_lon", "east"),
        ("dropoff_lat", "-90.5"),
        ("dropoff_lon", "180.01"),
        ("passengers", "12"),
        ("pickup_time", "24/11/2026 08:30"),
    ];
    for (field, bad) in malformed {
        let query: Vec<(&str, &str)> = events::FARE_QUERY
            .iter()
            .map(|&(k, v)| (k, if k == field { bad } else { v }))
            .collect();
        let resp = response_json(&mut lambda, &events::fare_proxy_event(&query));
        assert_eq!(resp["statusCode"], json!(400), "{field}={bad}: {resp}");
        let body: Value =
            serde_json::from_str(resp["body"].as_str().expect("text body")).expect("JSON body");
        assert_eq!(body["field"], json!(field), "{body}");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{body}"
        );
    }
    // A missing field is a 400 too, and so is a garbage event.
    let resp = response_json(
        &mut lambda,
        &events::fare_proxy_event(&events::FARE_QUERY[1..]),
    );
    assert_eq!(resp["statusCode"], json!(400));
    let resp = response_json(&mut lambda, &json!(["not", "an", "event"]));
    assert_eq!(resp["statusCode"], json!(400));
}

#[test]
fn fare_endpoint_x86_64() {
    fare_valid_and_malformed(Arch::X86_64);
}

#[test]
fn fare_endpoint_arm64_under_qemu() {
    fare_valid_and_malformed(Arch::Arm64);
}

fn consumer_batch(arch: Arch) {
    let (_dir, mut lambda) = start("consumer-function", arch);
    let resp = response_json(&mut lambda, &events::kinesis_event());
    assert_eq!(
        resp["batchItemFailures"],
        json!([]),
        "{resp}\n{}",
        lambda.logs()
    );
    // The log emitter wrote all six trips: three plain and three de-aggregated
    // from the KPL record (output reaches the harness through a pipe, so poll).
    let wanted: Vec<String> = (1..=6).map(|i| format!("\"trip-{i:06}\"")).collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !wanted.iter().all(|w| lambda.logs().contains(w.as_str()))
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let logs = lambda.logs();
    for w in &wanted {
        assert!(logs.contains(w.as_str()), "{w} not emitted:\n{logs}");
    }
    // A second batch on the same (now warm) process works too.
    let resp = response_json(&mut lambda, &events::kinesis_event());
    assert_eq!(resp["batchItemFailures"], json!([]), "{resp}");
}

#[test]
fn consumer_x86_64() {
    consumer_batch(Arch::X86_64);
}

#[test]
fn consumer_arm64_under_qemu() {
    consumer_batch(Arch::Arm64);
}

#[test]
fn harness_reports_a_process_that_never_polls() {
    // `true` exits at once without talking to the Runtime API.
    let path = xtask::deps::which("true").expect("true on PATH");
    let mut lambda = LocalLambda::spawn(&path, Arch::X86_64, &FunctionConfig::new("t"))
        .unwrap_or_else(|e| panic!("{e}"));
    let err = lambda.invoke(b"{}").expect_err("must fail");
    assert!(err.to_string().contains("exited"), "{err}");
}
