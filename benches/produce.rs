//! Benchmark of `streamstack produce`: prints figures, asserts nothing about time.
//! Run: `cargo bench --bench produce` (needs the venv of deployment/run-all-tests.sh: moto,
//! boto3, aws-kinesis-agg).
//!
//! 1. End to end against the emulator (moto 5.2.5 on 127.0.0.1, a 4-shard stream), 100-byte
//!    records from a JSON-lines file: `streamstack produce --rate max` (the whole process: start,
//!    ListShards, file read, aggregation, PutRecords) vs the Python path
//!    (benches/python_producer.py: boto3 PutRecords with aws-kinesis-agg aggregation, timed after
//!    its imports and file read) on the same emulator in the same run.
//! 2. The producer's own ceiling: the same command against a loopback sink in this process that
//!    answers every PutRecords at once (64 shards), with the producer's CPU time, so records per
//!    CPU-second is the figure per core.

#[path = "../tests/support/moto.rs"]
mod moto;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

const RECORD_BYTES: usize = 100;

fn records_file(dir: &Path, n: usize) -> std::path::PathBuf {
    let path = dir.join(format!("records-{n}.jsonl"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..n {
        // Padded so that every line is RECORD_BYTES long.
        let base = format!(r#"{{"id":{i},"TICKER":"AMZN","PRICE":42.17,"pad":""}}"#);
        let pad = "x".repeat(RECORD_BYTES.saturating_sub(base.len()));
        writeln!(
            out,
            r#"{{"id":{i},"TICKER":"AMZN","PRICE":42.17,"pad":"{pad}"}}"#
        )
        .unwrap();
    }
    out.flush().unwrap();
    path
}

/// CPU seconds (user + system) of the waited-for children so far.
fn children_cpu() -> f64 {
    // SAFETY: rusage is plain old data filled by getrusage.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

struct Figure {
    records: u64,
    wall: Duration,
    cpu: f64,
    summary: Value,
}

fn ours(endpoint: &str, stream: &str, file: &Path, extra: &[&str]) -> Figure {
    let cpu0 = children_cpu();
    let start = Instant::now();
    let out = moto::cli_at(endpoint)
        .args([
            "produce", "--stream", stream, "--rate", "max", "--output", "json",
        ])
        .arg(format!("--generator=file:{}", file.display()))
        .args(extra)
        .current_dir(file.parent().unwrap())
        .output()
        .unwrap();
    let wall = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    Figure {
        records: summary["user_records"].as_u64().unwrap(),
        wall,
        cpu: children_cpu() - cpu0,
        summary,
    }
}

fn python(endpoint: &str, stream: &str, file: &Path) -> Figure {
    let cpu0 = children_cpu();
    let start = Instant::now();
    let out = Command::new(moto::venv().join("bin/python"))
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/benches/python_producer.py"
        ))
        .args([stream, &file.display().to_string(), endpoint])
        .output()
        .unwrap();
    let wall = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    Figure {
        records: summary["records"].as_u64().unwrap(),
        // The whole process, like `ours`; its own timer (after the imports and the file read,
        // the Python path at its best) is in the summary.
        wall,
        cpu: children_cpu() - cpu0,
        summary,
    }
}

fn create_stream(m: &moto::Moto, name: &str, shards: i32) {
    let client = aws_sdk_kinesis::Client::new(&m.sdk_config());
    moto::block_on(async {
        client
            .create_stream()
            .stream_name(name)
            .shard_count(shards)
            .send()
            .await
            .unwrap();
    });
}

/// A loopback "Kinesis" that stores nothing and answers every request at once: ListShards with
/// `shards` even hash ranges, PutRecords with success for every entry on the shard its explicit
/// hash key (or partition key hash) belongs to.
fn start_sink(shards: u128) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || serve(conn, shards));
        }
    });
    format!("http://{addr}")
}

#[derive(Deserialize)]
struct PutRecords {
    #[serde(rename = "Records")]
    records: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "PartitionKey")]
    partition_key: String,
    #[serde(rename = "ExplicitHashKey")]
    explicit_hash_key: Option<String>,
}

fn serve(conn: TcpStream, shards: u128) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut writer = conn;
    let step = u128::MAX / shards;
    loop {
        let mut target = String::new();
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    "x-amz-target" => target = v.trim().to_owned(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer = if target.ends_with(".ListShards") {
            let list: Vec<Value> = (0..shards)
                .map(|i| {
                    let end = if i == shards - 1 { u128::MAX } else { (i + 1) * step - 1 };
                    serde_json::json!({
                        "ShardId": format!("shardId-{i:012}"),
                        "HashKeyRange": {"StartingHashKey": (i * step).to_string(), "EndingHashKey": end.to_string()},
                        "SequenceNumberRange": {"StartingSequenceNumber": "1"}
                    })
                })
                .collect();
            serde_json::json!({ "Shards": list }).to_string()
        } else {
            let req: PutRecords = serde_json::from_slice(&body).unwrap();
            let results: Vec<Value> = req
                .records
                .iter()
                .map(|e| {
                    let h = e
                        .explicit_hash_key
                        .as_deref()
                        .and_then(|k| k.parse::<u128>().ok())
                        .unwrap_or_else(|| kpl_aggregation::hash_key_for(&e.partition_key));
                    let shard = (h / step).min(shards - 1);
                    serde_json::json!({"SequenceNumber": "1", "ShardId": format!("shardId-{shard:012}")})
                })
                .collect();
            serde_json::json!({"FailedRecordCount": 0, "Records": results}).to_string()
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        if writer.write_all(head.as_bytes()).is_err()
            || writer.write_all(answer.as_bytes()).is_err()
        {
            return;
        }
    }
}

fn rate(records: u64, d: Duration) -> f64 {
    records as f64 / d.as_secs_f64()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let n_emulator = 500_000;
    let n_sink = 2_000_000;
    let file = records_file(dir.path(), n_emulator);
    let big = records_file(dir.path(), n_sink);
    println!("produce benchmark: {RECORD_BYTES}-byte records, KPL aggregation, --rate max");

    let m = moto::Moto::start_with(&[]);
    let mut ours_rates = Vec::new();
    let mut python_rates = Vec::new();
    let mut python_best_rates = Vec::new();
    let moto_cpu = || {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", m.pid())).unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let ticks: f64 = fields.get(11..13).map_or(0.0, |f| {
            f.iter().filter_map(|v| v.parse::<f64>().ok()).sum()
        });
        ticks / 100.0
    };
    for run in 0..3 {
        let s = format!("bench-rust-{run}");
        create_stream(&m, &s, 4);
        let moto0 = moto_cpu();
        let f = ours(&m.endpoint, &s, &file, &[]);
        let moto_used = moto_cpu() - moto0;
        assert_eq!(f.records, n_emulator as u64);
        println!(
            "  emulator, streamstack produce: {n_emulator} records in {:.2} s wall = {:>9.0} records/s (producer cpu {:.2} s, emulator cpu {moto_used:.2} s; {} PutRecords, p50 {} ms)",
            f.wall.as_secs_f64(),
            rate(f.records, f.wall),
            f.cpu,
            f.summary["put_records_calls"],
            f.summary["p50_latency_ms"]
        );
        ours_rates.push(rate(f.records, f.wall));
        let s = format!("bench-python-{run}");
        create_stream(&m, &s, 4);
        let moto0 = moto_cpu();
        let p = python(&m.endpoint, &s, &file);
        let moto_used = moto_cpu() - moto0;
        assert_eq!(p.records, n_emulator as u64);
        let best = Duration::from_secs_f64(p.summary["seconds"].as_f64().unwrap());
        println!(
            "  emulator, boto3 + aws-kinesis-agg: {n_emulator} records in {:.2} s wall = {:>9.0} records/s; its own timer {:.2} s = {:>9.0} records/s (emulator cpu {moto_used:.2} s; {} PutRecords)",
            p.wall.as_secs_f64(),
            rate(p.records, p.wall),
            best.as_secs_f64(),
            rate(p.records, best),
            p.summary["calls"]
        );
        python_rates.push(rate(p.records, p.wall));
        python_best_rates.push(rate(p.records, best));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (o, p, pb) = (
        median(ours_rates),
        median(python_rates),
        median(python_best_rates),
    );
    println!(
        "emulator, median of 3, whole processes: streamstack {o:.0} records/s, Python {p:.0} records/s: {:.1}x (target >= 5x)",
        o / p
    );
    println!(
        "emulator, median of 3, against the Python path's own timer (no start-up, no file read): {pb:.0} records/s: {:.1}x",
        o / pb
    );

    let sink = start_sink(64);
    let mut sink_rates = Vec::new();
    for _ in 0..3 {
        let f = ours(&sink, "sink", &big, &[]);
        assert_eq!(f.records, n_sink as u64);
        println!(
            "  loopback sink (64 shards): {n_sink} records in {:.2} s wall = {:>9.0} records/s; producer cpu {:.2} s = {:.0} records per cpu-second",
            f.wall.as_secs_f64(),
            rate(f.records, f.wall),
            f.cpu,
            f.records as f64 / f.cpu
        );
        sink_rates.push(f.records as f64 / f.cpu);
    }
    println!(
        "loopback sink, median of 3: {:.0} records per cpu-second (one shard takes 1,000 records/s; 1 MiB/s = ~10,000 aggregated 100-byte records/s)",
        median(sink_rates)
    );
}
