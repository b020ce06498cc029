//! Interop with the Python `aws-kinesis-agg` package (the library AWS ships for Lambda).
//!
//! Needs a virtualenv with `aws-kinesis-agg` and `six`: `$STREAMSTACK_VENV`, by default
//! `<workspace root>/.venv`. The tests fail (they do not skip) when it is missing.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use kpl_aggregation::{deaggregate, hash_key_string, Aggregator, KinesisRecord, UserRecord};
use serde_json::{json, Value};

fn python() -> PathBuf {
    let venv = std::env::var_os("STREAMSTACK_VENV").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv"),
        PathBuf::from,
    );
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "no Python interpreter at {}: create the venv with `python3 -m venv {} && {} -m pip install aws-kinesis-agg==1.2.3 six`, or point STREAMSTACK_VENV at one",
        python.display(),
        venv.display(),
        python.display(),
    );
    python
}

/// Runs `interop.py <command>` with `input` on stdin and returns its JSON output.
fn run(command: &str, input: &Value) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/interop.py");
    let mut child = Command::new(python())
        .arg(&script)
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write to python");
    let out = child.wait_with_output().expect("python output");
    assert!(
        out.status.success(),
        "interop.py {command} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("interop.py prints JSON")
}

/// Deterministic user records: ASCII and non-ASCII keys, repeated keys, empty data, binary
/// data, explicit hash keys including 0 and 2^128-1.
fn records() -> Vec<UserRecord> {
    let keys = ["alpha", "βeta", "日本語キー", "🦀-crab", "k"];
    let ehks = [
        None,
        Some("0"),
        None,
        Some("340282366920938463463374607431768211455"),
        Some("12345"),
    ];
    (0..60_usize)
        .map(|i| UserRecord {
            partition_key: format!("{}-{}", keys[i % keys.len()], i % 7),
            explicit_hash_key: ehks[i % ehks.len()].map(str::to_owned),
            data: (0..(i * 37) % 300)
                .map(|j| (i * 31 + j * 7) as u8)
                .collect(),
        })
        .collect()
}

fn aggregate_all(records: &[UserRecord], limit: usize) -> Vec<KinesisRecord> {
    let mut agg = Aggregator::new(limit).expect("valid limit");
    let mut out: Vec<KinesisRecord> = records
        .iter()
        .filter_map(|r| agg.add(r.clone()).expect("record fits"))
        .collect();
    out.extend(agg.flush());
    out
}

fn b64(data: &[u8]) -> String {
    B64.encode(data)
}

#[test]
fn python_deaggregates_what_we_aggregate() {
    let input = records();
    let kinesis = aggregate_all(&input, 2_000);
    assert!(
        kinesis.len() > 3,
        "the limit should make several aggregates"
    );
    let request: Vec<Value> = kinesis
        .iter()
        .enumerate()
        .map(|(i, r)| json!({"pk": r.partition_key, "data": b64(&r.data), "seq": i.to_string()}))
        .collect();
    let users = run("deaggregate", &Value::Array(request));
    let users = users.as_array().expect("list");
    assert_eq!(users.len(), input.len());

    // Expected per aggregate, including the Python library's known bug: a sub-record without
    // an explicit hash key index gets entry 0 of the table when the table is not empty.
    let mut i = 0;
    for (seq, k) in kinesis.iter().enumerate() {
        let ours = deaggregate(
            &k.partition_key,
            k.explicit_hash_key.as_deref(),
            &k.data,
            "x",
        );
        let table_first = ours.iter().find_map(|u| u.explicit_hash_key.clone());
        for (sub, u) in ours.iter().enumerate() {
            let py = &users[i];
            let expected = &input[i];
            i += 1;
            assert_eq!(py["pk"], json!(expected.partition_key), "record {i}");
            assert_eq!(py["data"], json!(b64(&expected.data)), "record {i}");
            assert_eq!(py["seq"], json!(seq.to_string()));
            if u.aggregated {
                assert_eq!(py["aggregated"], json!(true));
                assert_eq!(py["sub"], json!(sub));
                let python_ehk = expected
                    .explicit_hash_key
                    .clone()
                    .or_else(|| table_first.as_deref().map(str::to_owned));
                // Only right when the table's first entry is the first one used, which holds
                // because keys enter the table in record order.
                assert_eq!(py["ehk"], json!(python_ehk), "record {i}");
            } else {
                // A single-record "aggregate" is sent plain; Python passes it through.
                assert_eq!(py["aggregated"], json!(false));
            }
        }
    }
}

#[test]
fn we_deaggregate_what_python_aggregates() {
    let input = records();
    let request = json!({
        "max_size": 2_000,
        "records": input.iter().map(|r| json!({
            "pk": r.partition_key, "ehk": r.explicit_hash_key, "data": b64(&r.data)
        })).collect::<Vec<_>>(),
    });
    let kinesis = run("aggregate", &request);
    let kinesis = kinesis.as_array().expect("list");
    assert!(kinesis.len() > 3);
    let mut users = Vec::new();
    for (seq, k) in kinesis.iter().enumerate() {
        let data = B64
            .decode(k["data"].as_str().expect("data"))
            .expect("base64");
        let out = deaggregate(
            k["pk"].as_str().expect("pk"),
            k["ehk"].as_str(),
            &data,
            &seq.to_string(),
        );
        for (sub, u) in out.iter().enumerate() {
            assert!(u.aggregated, "Python aggregates every record");
            assert_eq!(u.sub_sequence_number, sub as u64);
            assert_eq!(&*u.sequence_number, seq.to_string());
        }
        users.extend(out);
    }
    assert_eq!(users.len(), input.len());
    for (u, expected) in users.iter().zip(&input) {
        assert_eq!(&*u.partition_key, expected.partition_key);
        assert_eq!(
            u.explicit_hash_key.as_deref(),
            expected.explicit_hash_key.as_deref()
        );
        assert_eq!(&u.data[..], &expected.data[..]);
    }
}

#[test]
fn one_aggregate_is_byte_identical_to_pythons() {
    let input = records();
    let ours = aggregate_all(&input, 1_048_576);
    assert_eq!(ours.len(), 1);
    let request = json!({
        "max_size": 1_048_576,
        "records": input.iter().map(|r| json!({
            "pk": r.partition_key, "ehk": r.explicit_hash_key, "data": b64(&r.data)
        })).collect::<Vec<_>>(),
    });
    let theirs = run("aggregate", &request);
    assert_eq!(theirs.as_array().expect("list").len(), 1);
    assert_eq!(theirs[0]["data"], json!(b64(&ours[0].data)));
    assert_eq!(theirs[0]["pk"], json!(ours[0].partition_key));
    // Python leaves the outer explicit hash key unset when the first record has none; ours
    // pins the aggregate to the shard of its first record either way.
    let first = &input[0];
    assert_eq!(first.explicit_hash_key, None);
    assert_eq!(theirs[0]["ehk"], Value::Null);
    assert_eq!(
        ours[0].explicit_hash_key,
        Some(hash_key_string(&first.partition_key))
    );
}
