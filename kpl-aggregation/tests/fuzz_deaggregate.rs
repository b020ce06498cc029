//! The de-aggregator fuzz target on stable Rust: its body over the committed corpus
//! (`fuzz/corpus/deaggregate`), over random bytes, and over mutated real aggregates.
//!
//! The seed corpus is written by `cargo test -p kpl-aggregation --test fuzz_deaggregate --
//! --ignored write_seed_corpus`.

#[path = "../fuzz/body.rs"]
mod body;

use std::path::PathBuf;

use kpl_aggregation::{Aggregator, UserRecord};
use proptest::prelude::*;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/deaggregate")
}

#[test]
fn corpus_inputs_keep_the_invariants() {
    let mut entries: Vec<_> = std::fs::read_dir(corpus_dir())
        .expect("the fuzz corpus is committed")
        .map(|e| e.expect("corpus entry").path())
        .collect();
    entries.sort();
    assert!(
        entries.len() >= 20,
        "corpus has only {} inputs",
        entries.len()
    );
    for path in entries {
        let input = std::fs::read(&path).expect("read corpus input");
        body::deaggregate_body(&input);
    }
}

/// The protobuf of an aggregate of `records` (without magic and digest).
fn aggregate_pb(records: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut agg = Aggregator::default();
    for (pk, ehk, data) in records {
        assert!(agg.add_parts(pk, *ehk, data).expect("fits").is_none());
    }
    let data = agg.flush().expect("not empty").data;
    data[4..data.len() - 16].to_vec()
}

fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let framed = |pb: &[u8]| [&[1_u8][..], pb].concat();
    let plain = |data: &[u8]| [&[0_u8][..], data].concat();
    let two = aggregate_pb(&[("a", None, b"x"), ("b", None, b"yy")]);
    let keys = aggregate_pb(&[
        ("日本", Some("0"), b""),
        (
            "🦀",
            Some("340282366920938463463374607431768211455"),
            b"\x00\xff",
        ),
        ("日本", None, b"{\"k\":1}"),
        ("🦀", Some("0"), b"z"),
    ]);
    let many_records: Vec<(String, Vec<u8>)> = (0..40)
        .map(|i| (format!("pk-{}", i % 5), vec![i as u8; i]))
        .collect();
    let many_refs: Vec<(&str, Option<&str>, &[u8])> = many_records
        .iter()
        .map(|(k, d)| (k.as_str(), None, d.as_slice()))
        .collect();
    let many = aggregate_pb(&many_refs);
    let full_two = body::frame(&two);
    let mut bad_digest = full_two.clone();
    let last = bad_digest.len() - 1;
    bad_digest[last] ^= 0xFF;
    vec![
        ("plain-empty", plain(b"")),
        ("plain-json", plain(b"{\"id\":1,\"name\":\"x\"}")),
        ("plain-magic-only", plain(&kpl_aggregation::MAGIC)),
        (
            "plain-magic-and-digest-of-nothing",
            plain(&body::frame(b"")),
        ),
        ("plain-delimited", plain(b"a|b|c\n")),
        ("plain-ehk", [&[2_u8][..], b"data"].concat()),
        ("agg-two", framed(&two)),
        ("agg-two-prebuilt", plain(&full_two)),
        ("agg-two-bad-digest", plain(&bad_digest)),
        ("agg-two-truncated", plain(&full_two[..full_two.len() - 3])),
        ("agg-unicode-keys-ehks", framed(&keys)),
        ("agg-many", framed(&many)),
        ("agg-many-outer-ehk", [&[3_u8][..], &many].concat()),
        (
            "pb-tables-only",
            framed(&[0x0A, 0x01, b'k', 0x12, 0x01, b'0']),
        ),
        (
            "pb-missing-pk-index",
            framed(&[0x0A, 0x01, b'k', 0x1A, 0x03, 0x1A, 0x01, b'x']),
        ),
        (
            "pb-missing-data",
            framed(&[0x0A, 0x01, b'k', 0x1A, 0x02, 0x08, 0x00]),
        ),
        (
            "pb-pk-index-out-of-range",
            framed(&[0x0A, 0x01, b'k', 0x1A, 0x05, 0x08, 0x01, 0x1A, 0x01, b'x']),
        ),
        (
            "pb-ehk-index-out-of-range",
            framed(&[
                0x0A, 0x01, b'k', 0x1A, 0x07, 0x08, 0x00, 0x10, 0x03, 0x1A, 0x01, b'x',
            ]),
        ),
        (
            "pb-huge-index",
            framed(&[
                0x0A, 0x01, b'k', 0x1A, 0x0E, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                0xFF, 0x01, 0x1A, 0x01, b'x',
            ]),
        ),
        (
            "pb-tag-without-key",
            framed(&[
                0x0A, 0x01, b'k', 0x1A, 0x09, 0x08, 0x00, 0x1A, 0x01, b'x', 0x22, 0x03, 0x12, 0x01,
                b'v',
            ]),
        ),
        (
            "pb-tag-with-key",
            framed(&[
                0x0A, 0x01, b'k', 0x1A, 0x0C, 0x08, 0x00, 0x1A, 0x01, b'x', 0x22, 0x06, 0x0A, 0x01,
                b't', 0x12, 0x01, b'v',
            ]),
        ),
        (
            "pb-invalid-utf8-key",
            framed(&[0x0A, 0x01, 0xFF, 0x1A, 0x05, 0x08, 0x00, 0x1A, 0x01, b'x']),
        ),
        ("pb-truncated-varint", framed(&[0x1A, 0xFF])),
        ("pb-wrong-wire-type", framed(&[0x08, 0x01])),
        (
            "pb-unknown-fields",
            framed(&[
                0x0A, 0x01, b'k', 0x28, 0x05, 0x1A, 0x07, 0x08, 0x00, 0x1A, 0x01, b'x', 0x30, 0x01,
            ]),
        ),
        ("pb-length-past-end", framed(&[0x0A, 0x7F, b'k'])),
        ("pb-zero-length-record", framed(&[0x1A, 0x00])),
        (
            "pb-interleaved-tables",
            framed(&[0x1A, 0x05, 0x08, 0x00, 0x1A, 0x01, b'x', 0x0A, 0x01, b'k']),
        ),
    ]
}

/// Writes the seed corpus. Run after changing `seeds()`.
#[test]
#[ignore = "writes the seed corpus into the source tree"]
fn write_seed_corpus() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).expect("create corpus dir");
    for (name, input) in seeds() {
        std::fs::write(dir.join(format!("seed-{name}")), input).expect("write seed");
    }
}

#[test]
fn seeds_are_committed() {
    for (name, input) in seeds() {
        let path = corpus_dir().join(format!("seed-{name}"));
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run the write_seed_corpus test", path.display()));
        assert_eq!(
            committed, input,
            "{name} changed: run the write_seed_corpus test"
        );
    }
}

fn mutated_aggregate() -> impl Strategy<Value = Vec<u8>> {
    let base = prop::collection::vec(
        (
            "[a-cé🦀]{1,3}",
            prop::option::of(prop_oneof![Just(0_u128), Just(u128::MAX), any::<u128>()]),
            prop::collection::vec(any::<u8>(), 0..20),
        ),
        2..8,
    )
    .prop_map(|records| {
        let mut agg = Aggregator::default();
        for (pk, ehk, data) in records {
            let record = UserRecord {
                partition_key: pk,
                explicit_hash_key: ehk.map(|k| k.to_string()),
                data,
            };
            assert!(agg.add(record).expect("fits").is_none());
        }
        let data = agg.flush().expect("not empty").data;
        data[4..data.len() - 16].to_vec()
    });
    (
        base,
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3_u8), 0..6),
    )
        .prop_map(|(mut pb, edits)| {
            for (at, byte, op) in edits {
                match op {
                    0 if !pb.is_empty() => {
                        let i = at.index(pb.len());
                        pb[i] = byte;
                    }
                    1 => {
                        let i = at.index(pb.len() + 1);
                        pb.insert(i, byte);
                    }
                    _ if !pb.is_empty() => {
                        let i = at.index(pb.len());
                        pb.remove(i);
                    }
                    _ => {}
                }
            }
            [&[1_u8][..], &pb].concat()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn random_bytes_keep_the_invariants(input in prop::collection::vec(any::<u8>(), 0..512)) {
        body::deaggregate_body(&input);
    }

    #[test]
    fn mutated_aggregates_keep_the_invariants(input in mutated_aggregate()) {
        body::deaggregate_body(&input);
    }
}
