//! The de-aggregator fuzz target body, shared by the libFuzzer target
//! (`fuzz_targets/deaggregate.rs`) and the stable-Rust test (`tests/fuzz_deaggregate.rs`).
//!
//! Input layout: one mode byte, then the record data. Mode bit 0 frames the data as an
//! aggregate (magic + data + valid MD5), so that most inputs reach the protobuf parser instead
//! of stopping at the digest check; bit 1 gives the Kinesis record an explicit hash key.
//!
//! Checks, besides "no panic": a pass-through is the whole record unchanged and alone;
//! sub-records carry the parent sequence number and sub-sequence numbers 0, 1, 2...; and the
//! user records of an aggregate, aggregated again, de-aggregate to the same user records.

use kpl_aggregation::{deaggregate, Aggregator, KINESIS_MAX_BYTES, MAGIC, MAX_PARTITION_KEY_CHARS};
use md5::{Digest, Md5};

/// Magic + `pb` + MD5(`pb`).
pub fn frame(pb: &[u8]) -> Vec<u8> {
    let mut data = Vec::with_capacity(pb.len() + 20);
    data.extend_from_slice(&MAGIC);
    data.extend_from_slice(pb);
    data.extend_from_slice(&Md5::digest(pb));
    data
}

/// Runs the de-aggregator on `input` and checks its invariants (panics when one is broken).
pub fn deaggregate_body(input: &[u8]) {
    let (mode, rest) = input.split_first().map_or((0, input), |(m, r)| (*m, r));
    let framed;
    let data: &[u8] = if mode & 1 == 1 {
        framed = frame(rest);
        &framed
    } else {
        rest
    };
    let outer_ehk = (mode & 2 == 2).then_some("42");
    let out = deaggregate("outer-key", outer_ehk, data, "seq-1");

    if out.iter().any(|r| !r.aggregated) {
        assert_eq!(out.len(), 1, "a pass-through is alone");
        let r = &out[0];
        assert_eq!(&r.data[..], data, "a pass-through is unchanged");
        assert_eq!(&*r.partition_key, "outer-key");
        assert_eq!(r.explicit_hash_key.as_deref(), outer_ehk);
        assert_eq!(r.sub_sequence_number, 0);
        assert_eq!(&*r.sequence_number, "seq-1");
        return;
    }
    for (i, r) in out.iter().enumerate() {
        assert_eq!(r.sub_sequence_number, i as u64);
        assert_eq!(&*r.sequence_number, "seq-1");
    }

    // Re-aggregate when Kinesis would take the keys, and compare.
    let valid = out.iter().all(|r| {
        let chars = r.partition_key.chars().count();
        (1..=MAX_PARTITION_KEY_CHARS).contains(&chars)
            && r.explicit_hash_key
                .as_deref()
                .is_none_or(|k| kpl_aggregation::validate_explicit_hash_key(k).is_ok())
    });
    if !valid || out.len() < 2 || data.len() > KINESIS_MAX_BYTES / 2 {
        return;
    }
    let mut agg = match Aggregator::new(KINESIS_MAX_BYTES) {
        Ok(agg) => agg,
        Err(e) => panic!("{e}"),
    };
    let mut again = Vec::new();
    for r in &out {
        match agg.add_parts(&r.partition_key, r.explicit_hash_key.as_deref(), &r.data) {
            Ok(Some(k)) => again.push(k),
            Ok(None) => {}
            Err(e) => panic!("re-aggregation failed: {e}"),
        }
    }
    again.extend(agg.flush());
    let round: Vec<_> = again
        .iter()
        .flat_map(|k| {
            deaggregate(
                &k.partition_key,
                k.explicit_hash_key.as_deref(),
                &k.data,
                "seq-1",
            )
        })
        .collect();
    assert_eq!(round.len(), out.len());
    for (a, b) in round.iter().zip(&out) {
        assert_eq!(a.partition_key, b.partition_key);
        assert_eq!(a.explicit_hash_key, b.explicit_hash_key);
        assert_eq!(a.data, b.data);
    }
}
