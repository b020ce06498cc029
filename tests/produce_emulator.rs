//! `streamstack produce` and `streamstack tail` against the emulator (moto 5.2.5): on-demand and
//! provisioned streams, every produced user record read back (de-aggregated) exactly once,
//! a loopback proxy that fails 30 % of PutRecords entries, the tail round trip, the EC2
//! producer binary from the build, and bad input.
//!
//! The records are read back by the test itself with the SDK (GetShardIterator/GetRecords and
//! the KPL de-aggregator), independently of `tail`, except in the tail test.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use aws_sdk_kinesis::types::{StreamMode, StreamModeDetails};
use serde_json::Value;
use support::moto::{block_on, moto, Moto};

fn kinesis(m: &Moto) -> aws_sdk_kinesis::Client {
    aws_sdk_kinesis::Client::new(&m.sdk_config())
}

fn create_stream(m: &Moto, name: &str, shards: Option<i32>) {
    let client = kinesis(m);
    block_on(async {
        let mut req = client.create_stream().stream_name(name);
        req = match shards {
            Some(n) => req.shard_count(n),
            None => req.stream_mode_details(
                StreamModeDetails::builder()
                    .stream_mode(StreamMode::OnDemand)
                    .build()
                    .unwrap(),
            ),
        };
        req.send().await.unwrap();
    });
}

/// Every user record in the stream: (shard id, partition key, data), de-aggregated.
fn read_back(m: &Moto, name: &str) -> Vec<(String, String, String)> {
    let client = kinesis(m);
    let records = block_on(support::kinesis::all_records(&client, name));
    records
        .into_iter()
        .flat_map(|(shard, r)| {
            kpl_aggregation::deaggregate(
                r.partition_key.as_deref().unwrap_or_default(),
                None,
                r.data.as_ref(),
                &r.sequence_number,
            )
            .into_iter()
            .map(move |u| {
                (
                    shard.clone(),
                    u.partition_key.to_string(),
                    String::from_utf8(u.data.to_vec()).unwrap(),
                )
            })
        })
        .collect()
}

/// A JSON-lines file of `n` distinct records of about 100 bytes.
fn records_file(dir: &Path, n: usize) -> (PathBuf, Vec<String>) {
    let lines: Vec<String> = (0..n)
        .map(|i| {
            let base = format!(
                r#"{{"id":{i},"EVENT_TIME":"2026-11-24T13:00:{:02}.000Z","TICKER":"AMZN","pad":""}}"#,
                i % 60
            );
            let pad = "x".repeat(100usize.saturating_sub(base.len()));
            base.replace(r#""pad":"""#, &format!(r#""pad":"{pad}""#))
        })
        .collect();
    let path = dir.join("records.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    (path, lines)
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn summary(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "produce failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON summary on stdout")
}

/// `streamstack produce --rate max --generator file:FILE` against `endpoint`, run in FILE's folder.
fn produce_file_via(
    endpoint: &str,
    stream: &str,
    file: &Path,
    extra: &[&str],
) -> std::process::Output {
    support::moto::cli_at(endpoint)
        .args(["produce", "--stream", stream, "--rate", "max"])
        .arg(format!("--generator=file:{}", file.display()))
        .args(extra)
        .current_dir(file.parent().unwrap())
        .output()
        .unwrap()
}

fn produce_file(m: &Moto, stream: &str, file: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--output", "json"];
    args.extend_from_slice(extra);
    summary(&produce_file_via(&m.endpoint, stream, file, &args))
}

#[test]
fn on_demand_stream_gets_every_record_exactly_once() {
    let m = moto();
    create_stream(&m, "on-demand", None);
    let dir = tempfile::tempdir().unwrap();
    let (file, lines) = records_file(dir.path(), 5_000);
    let s = produce_file(&m, "on-demand", &file, &[]);
    assert_eq!(s["user_records"], 5_000);
    assert_eq!(s["failed_records"], 0);
    assert!(s["kinesis_records"].as_u64().unwrap() < 100, "{s}");
    let got: Vec<String> = read_back(&m, "on-demand")
        .into_iter()
        .map(|r| r.2)
        .collect();
    assert_eq!(sorted(got), sorted(lines));
    assert!(!dir
        .path()
        .join("streamstack-produce-failures.jsonl")
        .exists());
}

#[test]
fn provisioned_stream_gets_every_record_exactly_once_on_the_right_shards() {
    let m = moto();
    create_stream(&m, "four", Some(4));
    let dir = tempfile::tempdir().unwrap();
    let (file, lines) = records_file(dir.path(), 8_000);
    let s = produce_file(&m, "four", &file, &["--partition-key-field", "id"]);
    assert_eq!(s["user_records"], 8_000);
    assert_eq!(s["shards"], 4);
    let back = read_back(&m, "four");
    // Per-shard aggregation: every user record sits on the shard that owns its key's hash.
    let client = kinesis(&m);
    let shards = block_on(async {
        client
            .list_shards()
            .stream_name("four")
            .send()
            .await
            .unwrap()
            .shards
            .unwrap()
    });
    let mut per_shard: BTreeMap<String, usize> = BTreeMap::new();
    for (shard_id, key, data) in &back {
        let v: Value = serde_json::from_str(data).unwrap();
        assert_eq!(key, &v["id"].to_string(), "partition key is the id field");
        let h = kpl_aggregation::hash_key_for(key);
        let owner = shards
            .iter()
            .find(|s| {
                let r = s.hash_key_range.as_ref().unwrap();
                r.starting_hash_key.parse::<u128>().unwrap() <= h
                    && h <= r.ending_hash_key.parse::<u128>().unwrap()
            })
            .unwrap();
        assert_eq!(&owner.shard_id, shard_id);
        *per_shard.entry(shard_id.clone()).or_default() += 1;
    }
    assert_eq!(per_shard.len(), 4, "{per_shard:?}");
    let got: Vec<String> = back.into_iter().map(|r| r.2).collect();
    assert_eq!(sorted(got), sorted(lines));
}

#[test]
fn stock_generator_produces_the_demo_schema_at_a_count() {
    let m = moto();
    create_stream(&m, "stock", Some(2));
    let out = m
        .cli()
        .args([
            "produce",
            "--stream",
            "stock",
            "--generator",
            "stock",
            "--count",
            "1500",
            "--rate",
            "max",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(summary(&out)["user_records"], 1_500);
    let back = read_back(&m, "stock");
    assert_eq!(back.len(), 1_500);
    for (_, _, data) in back {
        let v: Value = serde_json::from_str(&data).unwrap();
        assert!(["AAPL", "AMZN", "MSFT", "INTC", "TBV"].contains(&v["TICKER"].as_str().unwrap()));
        let price = v["PRICE"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&price));
        assert!(v["EVENT_TIME"].as_str().unwrap().ends_with('Z'));
    }
}

/// The fault-injecting proxy (tests/support/fault_proxy.py) in front of the emulator.
struct FaultProxy {
    endpoint: String,
    port: u16,
    _child: Child,
    _stdin: ChildStdin,
}

impl FaultProxy {
    fn start(upstream: &str, fraction: f64, seed: u64) -> Self {
        let python = support::moto::venv().join("bin/python");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(python)
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fault_proxy.py"))
            .args([
                upstream,
                &fraction.to_string(),
                &seed.to_string(),
                &port.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "READY");
        let stdin = child.stdin.take().unwrap();
        FaultProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            _child: child,
            _stdin: stdin,
        }
    }

    fn stats(&self) -> Value {
        let (code, body) = support::moto::http(self.port, "GET", "/fault-proxy/stats", "").unwrap();
        assert_eq!(code, 200);
        serde_json::from_str(&body).unwrap()
    }
}

/// Produces `n` file records through a proxy failing 30 % of the entries; returns the summary,
/// the failures the proxy injected, and the records written and read back (sorted).
fn through_fault_proxy(
    stream: &str,
    shards: i32,
    seed: u64,
    n: usize,
    extra: &[&str],
) -> (Value, u64, Vec<String>, Vec<String>) {
    let m = moto();
    create_stream(&m, stream, Some(shards));
    let proxy = FaultProxy::start(&m.endpoint, 0.3, seed);
    let dir = tempfile::tempdir().unwrap();
    let (file, lines) = records_file(dir.path(), n);
    let mut args = vec!["--output", "json", "--max-retries", "20"];
    args.extend_from_slice(extra);
    let s = summary(&produce_file_via(&proxy.endpoint, stream, &file, &args));
    let injected = proxy.stats()["failed"].as_u64().unwrap();
    let got: Vec<String> = read_back(&m, stream).into_iter().map(|r| r.2).collect();
    (s, injected, sorted(lines), sorted(got))
}

#[test]
fn thirty_percent_failed_entries_are_retried_and_every_record_arrives() {
    let (s, injected, written, read) =
        through_fault_proxy("faulty", 2, 7, 2_000, &["--no-aggregate"]);
    // 30 % of 2,000 first sends, plus failures of the retries themselves.
    assert!(injected > 500, "{injected}");
    assert_eq!(
        s["retries"].as_u64().unwrap(),
        injected,
        "every injected failure retried once"
    );
    assert!(s["throttled"].as_u64().unwrap() > 0);
    assert_eq!(s["user_records"], 2_000);
    assert_eq!(s["failed_records"], 0);
    assert_eq!(read, written, "count and content");
}

/// The scale at which the emulator's unlocked sequence numbers lost records (29,994 of 30,000
/// kept with 8 requests in flight): with the default concurrency and 30 % of the entries failed
/// by the proxy, every record arrives exactly once.
#[test]
fn thirty_thousand_unaggregated_records_at_default_concurrency_all_arrive() {
    let (s, injected, written, read) =
        through_fault_proxy("faulty-scale", 3, 13, 30_000, &["--no-aggregate"]);
    assert!(injected > 9_000, "{injected}");
    assert_eq!(s["retries"].as_u64().unwrap(), injected);
    assert_eq!(s["user_records"], 30_000);
    assert_eq!(s["kinesis_records"], 30_000);
    assert_eq!(s["failed_records"], 0);
    assert_eq!(read.len(), 30_000);
    assert_eq!(read, written, "count and content");
}

#[test]
fn aggregated_entries_survive_the_fault_proxy_too() {
    let (s, injected, written, read) = through_fault_proxy("faulty-agg", 3, 11, 20_000, &[]);
    assert!(injected > 0);
    assert_eq!(s["retries"].as_u64().unwrap(), injected);
    assert_eq!(s["user_records"], 20_000);
    assert_eq!(read, written, "count and content");
}

#[test]
fn exhausted_retries_are_written_to_the_failure_file_and_exit_nonzero() {
    let m = moto();
    create_stream(&m, "always-failing", Some(1));
    let proxy = FaultProxy::start(&m.endpoint, 1.0, 3);
    let dir = tempfile::tempdir().unwrap();
    let (file, lines) = records_file(dir.path(), 50);
    let out = produce_file_via(
        &proxy.endpoint,
        "always-failing",
        &file,
        &[
            "--no-aggregate",
            "--max-retries",
            "1",
            "--failure-file",
            "failed.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("50 records were not delivered") && err.contains("failed.jsonl"),
        "{err}"
    );
    let failed = std::fs::read_to_string(dir.path().join("failed.jsonl")).unwrap();
    let data: Vec<String> = failed
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["attempts"], 2);
            v["data"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(sorted(data), sorted(lines));
    assert!(read_back(&m, "always-failing").is_empty());
}

#[test]
fn tail_reads_back_what_produce_wrote() {
    let m = moto();
    create_stream(&m, "round-trip", Some(3));
    let out = m
        .cli()
        .args([
            "produce",
            "--stream",
            "round-trip",
            "--generator",
            "taxi",
            "--count",
            "600",
            "--rate",
            "max",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(summary(&out)["user_records"], 600);
    let tail = m
        .cli()
        .args([
            "tail",
            "--stream",
            "round-trip",
            "--from",
            "trim-horizon",
            "--no-follow",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        tail.status.success(),
        "{}",
        String::from_utf8_lossy(&tail.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(tail.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 600);
    let mut tailed: Vec<String> = lines
        .iter()
        .map(|l| {
            assert!(l["shard_id"].as_str().unwrap().starts_with("shardId-"));
            assert!(l["aggregated"].as_bool().unwrap());
            l["data"].as_str().unwrap().to_owned()
        })
        .collect();
    let direct: Vec<String> = read_back(&m, "round-trip")
        .into_iter()
        .map(|r| r.2)
        .collect();
    tailed.sort();
    assert_eq!(tailed, sorted(direct));
    let trip: Value = serde_json::from_str(&tailed[0]).unwrap();
    assert!(trip["fare_amount"].as_f64().is_some(), "{trip}");

    // Text output is the data, a line per record; --count stops early.
    let text = m
        .cli()
        .args([
            "tail",
            "--stream",
            "round-trip",
            "--from",
            "trim-horizon",
            "--count",
            "10",
        ])
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert_eq!(text.lines().count(), 10);
    for l in text.lines() {
        assert!(tailed.binary_search(&l.to_owned()).is_ok(), "{l}");
    }
}

#[test]
fn bad_input_is_one_line_exit_2_before_any_call() {
    // A closed endpoint: any API call would fail with a connection error instead.
    let m = moto();
    let cases: &[(&[&str], &str)] = &[
        (&["--rate", "0"], "rate \"0\""),
        (&["--rate", "fast"], "rate \"fast\""),
        (&["--duration", "10 parsecs"], "duration \"10 parsecs\""),
        (&["--generator", "nope"], "nope"),
        (
            &["--generator", "file:/nonexistent/records.jsonl"],
            "/nonexistent/records.jsonl",
        ),
        (&["--speedup", "10"], "--speedup"),
        (&["--delimiter", ""], "delimiter"),
        (&["--max-request-bytes", "20000000"], "20000000"),
    ];
    for (args, needle) in cases {
        let out = m
            .cli()
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .args(["produce", "--stream", "s"])
            .args(*args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        // One error line naming the value (clap adds its "try --help" hint below it).
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: ") && first.contains(needle),
            "{args:?}: {err}"
        );
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error")).count(),
            1,
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_missing_stream_is_one_line_and_exit_1() {
    let m = moto();
    let out = m
        .cli()
        .args(["produce", "--stream", "does-not-exist", "--count", "5"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("ResourceNotFoundException"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// The EC2 producer as shipped (`producer-x86_64.zip` from `cargo xtask build-functions`,
/// which the test build embeds through STREAMSTACK_ASSETS_DIR), run as the instance's systemd
/// unit would run it, against the emulator.
#[test]
fn the_shipped_ec2_producer_binary_produces() {
    let Some(assets) = option_env!("STREAMSTACK_ASSETS_DIR") else {
        eprintln!(
            "skipped: built without STREAMSTACK_ASSETS_DIR (deployment/run-all-tests.sh sets it)"
        );
        return;
    };
    let m = moto();
    create_stream(&m, "ec2", Some(2));
    let dir = tempfile::tempdir().unwrap();
    let python = support::moto::venv().join("bin/python");
    let status = Command::new(python)
        .args([
            "-c",
            "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        ])
        .arg(Path::new(assets).join("producer-x86_64.zip"))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let bin = dir.path().join("streamstack-producer");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = Command::new(&bin)
        .env("AWS_ENDPOINT_URL", &m.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args([
            "--region",
            "us-east-1",
            "--stream",
            "ec2",
            "--generator",
            "stock",
            "--rate",
            "2000",
            "--duration",
            "1s",
            "--aggregate",
            "--output",
            "json",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let s = summary(&out);
    let n = s["user_records"].as_u64().unwrap();
    assert!(
        (1_000..=2_100).contains(&n),
        "about 2,000 records in 1 s at 2,000/s: {s}"
    );
    assert_eq!(read_back(&m, "ec2").len() as u64, n);
}

/// After a split, `tail` reads the closed parent first and its children after it. The emulator
/// models a split only in part: it lists the closed parent and the two children, but keeps
/// routing every record (old and new) to the parent, whose range it still matches first; so the
/// parent-before-child order cannot be observed here. What is checked is that the children's
/// tasks wait for the parent and then finish (no wait forever), and that nothing is lost or
/// repeated.
#[test]
fn tail_reads_a_split_stream_parent_then_children() {
    let m = moto();
    create_stream(&m, "split", Some(1));
    let dir = tempfile::tempdir().unwrap();
    let (file, lines) = records_file(dir.path(), 300);
    produce_file(&m, "split", &file, &[]);
    let client = kinesis(&m);
    block_on(async {
        client
            .split_shard()
            .stream_name("split")
            .shard_to_split("shardId-000000000000")
            .new_starting_hash_key((u128::MAX / 2).to_string())
            .send()
            .await
            .unwrap();
    });
    let (more, more_lines) = {
        let d = dir.path().join("more");
        std::fs::create_dir(&d).unwrap();
        records_file(&d, 200)
    };
    produce_file(&m, "split", &more, &["--partition-key-field", "id"]);
    let tail = m
        .cli()
        .args([
            "tail",
            "--stream",
            "split",
            "--from",
            "trim-horizon",
            "--no-follow",
            "--output",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A child shard waiting forever for its parent would hang here: fail instead. The output is
    // read on another thread so that a full pipe cannot block the child.
    let pid = tail.id();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(tail.wait_with_output());
    });
    let tail = match done_rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("tail --no-follow did not finish within 60 s");
        }
    };
    assert!(
        tail.status.success(),
        "{}",
        String::from_utf8_lossy(&tail.stderr)
    );
    let listed = block_on(async {
        client
            .list_shards()
            .stream_name("split")
            .send()
            .await
            .unwrap()
            .shards
            .unwrap()
    });
    assert_eq!(listed.len(), 3, "the closed parent and its two children");
    assert_eq!(
        listed
            .iter()
            .filter(|s| s.parent_shard_id.as_deref() == Some("shardId-000000000000"))
            .count(),
        2
    );
    let got: Vec<String> = String::from_utf8(tail.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["data"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut all = lines;
    all.extend(more_lines);
    assert_eq!(sorted(got), sorted(all));
}
