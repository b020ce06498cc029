//! Test vectors for the Flink jobs' Java de-aggregator, made by this crate.
//!
//! `assets/flink-jobs/common/src/test/resources/kpl-vectors/` holds, per case, `NAME.bin` (the
//! data of one Kinesis record: an aggregate made by [`Aggregator`], a plain record, or a damaged
//! one) and `NAME.json` (`{"partition_key", "records": [{"partition_key", "explicit_hash_key",
//! "data_base64"}]}`: what [`deaggregate`] makes of it, in order). The Java tests de-aggregate
//! every `.bin` with their own code and with the KCL's and compare both with the `.json`, so the
//! two independent implementations must agree record for record.
//!
//! This test fails when the files differ from what the crate makes now; after an intended change
//! run `UPDATE_GOLDEN=1 cargo test -p kpl-aggregation --test java_vectors`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use kpl_aggregation::{deaggregate, Aggregator, UserRecord};
use serde_json::{json, Value};

/// A small deterministic generator (no dependency, same bytes on every machine).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() & 0xff) as u8).collect()
    }
}

fn aggregate(records: Vec<UserRecord>) -> (String, Vec<u8>) {
    let mut agg = Aggregator::new(1_000_000).unwrap();
    for r in records {
        assert!(agg.add(r).unwrap().is_none(), "one aggregate per case");
    }
    let out = agg.flush().unwrap();
    (out.partition_key, out.data)
}

fn user(key: &str, ehk: Option<&str>, data: &[u8]) -> UserRecord {
    UserRecord {
        partition_key: key.to_owned(),
        explicit_hash_key: ehk.map(str::to_owned),
        data: data.to_vec(),
    }
}

/// Every case: name -> (the Kinesis record's partition key, its data).
fn cases() -> BTreeMap<&'static str, (String, Vec<u8>)> {
    let mut rng = Lcg(20_261_201);
    let mut c = BTreeMap::new();
    c.insert(
        "plain-json",
        (
            "key-1".to_owned(),
            br#"{"TICKER":"AMZN","PRICE":12.5}"#.to_vec(),
        ),
    );
    c.insert(
        "three-records",
        aggregate(vec![
            user("a", None, b"first"),
            user("b", None, b"second"),
            user("c", None, b"third"),
        ]),
    );
    c.insert(
        "shared-keys-and-explicit-hash-keys",
        aggregate(vec![
            user("same", None, b"1"),
            user("same", Some("0"), b"2"),
            user(
                "other",
                Some("340282366920938463463374607431768211455"),
                b"3",
            ),
            user("same", Some("0"), b"4"),
            user("other", None, b"5"),
        ]),
    );
    c.insert(
        "unicode-keys-and-empty-data",
        aggregate(vec![
            user("clé-é", None, b""),
            user("键", None, "données ✓".as_bytes()),
            user("'quote\"", None, b"\x00\x01\xff"),
        ]),
    );
    let stock: Vec<UserRecord> = (0..500)
        .map(|i| {
            let data = format!(
                r#"{{"EVENT_TIME":"2026-11-24T13:{:02}:{:02}.000Z","TICKER":"{}","PRICE":{}.{:02}}}"#,
                (i / 60) % 60,
                i % 60,
                ["AAPL", "AMZN", "MSFT", "INTC", "TBV"][i % 5],
                rng.next() % 100,
                rng.next() % 100
            );
            user(&format!("{}", rng.next()), None, data.as_bytes())
        })
        .collect();
    c.insert("five-hundred-stock-records", aggregate(stock));
    let binary: Vec<UserRecord> = (0..20)
        .map(|i| {
            let n = (rng.next() % 300) as usize;
            user(&format!("bin-{i}"), None, &rng.bytes(n))
        })
        .collect();
    c.insert("binary-payloads", aggregate(binary));

    // Damaged aggregates: the KCL passes each through as one plain record.
    let (key, good) = aggregate(vec![user("x", None, b"one"), user("y", None, b"two")]);
    let mut bad_digest = good.clone();
    *bad_digest.last_mut().unwrap() ^= 0x01;
    c.insert("bad-digest", (key.clone(), bad_digest));
    c.insert("truncated", (key.clone(), good[..good.len() - 5].to_vec()));
    c.insert("magic-only", (key.clone(), good[..4].to_vec()));
    let mut bad_protobuf = good[..4].to_vec();
    let garbage = vec![0xff, 0xff, 0xff, 0xff, 0x0f];
    bad_protobuf.extend_from_slice(&garbage);
    bad_protobuf.extend_from_slice(&md5_of(&garbage));
    c.insert("bad-protobuf-good-digest", (key.clone(), bad_protobuf));
    c.insert("random-binary", ("rand".to_owned(), rng.bytes(512)));
    c
}

/// The MD5 digest that ends an aggregate (the md-5 crate the library itself uses).
fn md5_of(data: &[u8]) -> Vec<u8> {
    use md5::{Digest, Md5};
    Md5::digest(data).to_vec()
}

fn expected(key: &str, data: &[u8]) -> Value {
    let records: Vec<Value> = deaggregate(key, None, data, "1")
        .into_iter()
        .map(|r| {
            // Keys in alphabetical order: the same bytes whether serde_json keeps insertion order
            // (its `preserve_order` feature, on in a workspace build) or sorts.
            json!({
                "data_base64": B64.encode(&r.data),
                "explicit_hash_key": r.explicit_hash_key.as_deref(),
                "partition_key": r.partition_key.as_ref(),
            })
        })
        .collect();
    json!({ "partition_key": key, "records": records })
}

#[test]
fn java_vectors_are_what_this_crate_makes() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../assets/flink-jobs/common/src/test/resources/kpl-vectors");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let cases = cases();
    let mut stale = Vec::new();
    for (name, (key, data)) in &cases {
        let json = serde_json::to_string_pretty(&expected(key, data)).unwrap() + "\n";
        for (file, bytes) in [
            (format!("{name}.bin"), data.clone()),
            (format!("{name}.json"), json.into_bytes()),
        ] {
            let path = dir.join(&file);
            if update {
                std::fs::write(&path, &bytes).unwrap();
            } else if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
                stale.push(file);
            }
        }
    }
    // No file left over from a case that no longer exists.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries {
            let name = e.unwrap().file_name().into_string().unwrap();
            let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
            if !cases.contains_key(stem) {
                if update {
                    std::fs::remove_file(dir.join(&name)).unwrap();
                } else {
                    stale.push(name);
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from what kpl-aggregation makes: run UPDATE_GOLDEN=1 cargo test -p kpl-aggregation --test java_vectors"
    );
}

#[test]
fn the_vectors_cover_aggregates_and_pass_through() {
    let cases = cases();
    let aggregated = cases
        .values()
        .filter(|(k, d)| deaggregate(k, None, d, "1").iter().any(|r| r.aggregated))
        .count();
    let passed_through = cases.len() - aggregated;
    assert!(
        aggregated >= 5 && passed_through >= 5,
        "{aggregated} / {passed_through}"
    );
}
