//! Splitting aggregated Kinesis records into user records, with KCL semantics.

use std::sync::Arc;

use bytes::Bytes;
use prost::Message;

use crate::{md5, proto, DIGEST_LEN, MAGIC};

/// One user record recovered from a Kinesis record.
///
/// The text fields are `Arc<str>` and the data is [`Bytes`] so that the user records of one
/// aggregate share their keys, sequence number and buffer instead of allocating per record:
/// [`deaggregate_bytes`] allocates nothing per user record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeaggregatedRecord {
    /// Partition key of the user record (of the Kinesis record when not aggregated).
    pub partition_key: Arc<str>,
    /// Explicit hash key of the user record, when it has one.
    pub explicit_hash_key: Option<Arc<str>>,
    /// The user record's data.
    pub data: Bytes,
    /// Sequence number of the Kinesis record that carried this user record.
    pub sequence_number: Arc<str>,
    /// Position of the user record in its aggregate: 0, 1, 2... (0 when not aggregated).
    pub sub_sequence_number: u64,
    /// Whether the user record came out of an aggregate.
    pub aggregated: bool,
}

/// De-aggregates one Kinesis record; copies `data` once into a shared buffer.
///
/// See [`deaggregate_bytes`] for the semantics; use it directly when you own the data.
#[must_use]
pub fn deaggregate(
    partition_key: &str,
    explicit_hash_key: Option<&str>,
    data: &[u8],
    sequence_number: &str,
) -> Vec<DeaggregatedRecord> {
    deaggregate_bytes(
        partition_key,
        explicit_hash_key,
        Bytes::copy_from_slice(data),
        sequence_number,
    )
}

/// De-aggregates one Kinesis record without copying its data: the user records' data are
/// slices of `data` (a `Vec<u8>` converts into [`Bytes`] without a copy).
///
/// Semantics are those of the Kinesis Client Library:
/// * a record that does not start with the magic bytes, is not longer than magic plus digest,
///   whose MD5 digest does not match, whose protobuf does not parse (including missing
///   required fields), or that refers to a key table entry that does not exist is returned
///   unchanged as one user record with `aggregated: false` and sub-sequence number 0;
/// * otherwise each sub-record becomes a user record with the parent's sequence number and
///   sub-sequence numbers 0, 1, 2... in order; its explicit hash key is set only when the
///   sub-record has an explicit hash key index. A well-formed aggregate without sub-records
///   yields no user record.
///
/// Never panics, whatever the input.
#[must_use]
pub fn deaggregate_bytes(
    partition_key: &str,
    explicit_hash_key: Option<&str>,
    data: Bytes,
    sequence_number: &str,
) -> Vec<DeaggregatedRecord> {
    match split_aggregate(&data) {
        Some(pb) => match unpack(data.slice(pb), sequence_number) {
            Some(records) => records,
            None => pass_through(partition_key, explicit_hash_key, data, sequence_number),
        },
        None => pass_through(partition_key, explicit_hash_key, data, sequence_number),
    }
}

/// The range of the protobuf inside `data` when magic and digest check out.
fn split_aggregate(data: &[u8]) -> Option<std::ops::Range<usize>> {
    if data.len() <= MAGIC.len() + DIGEST_LEN || data[..MAGIC.len()] != MAGIC {
        return None;
    }
    let end = data.len() - DIGEST_LEN;
    let range = MAGIC.len()..end;
    (md5(&data[range.clone()])[..] == data[end..]).then_some(range)
}

fn unpack(pb: Bytes, sequence_number: &str) -> Option<Vec<DeaggregatedRecord>> {
    let message = proto::AggregatedRecord::decode(pb).ok()?;
    if !message.is_initialized() {
        return None;
    }
    let pks: Vec<Arc<str>> = message
        .partition_key_table
        .into_iter()
        .map(Arc::from)
        .collect();
    let ehks: Vec<Arc<str>> = message
        .explicit_hash_key_table
        .into_iter()
        .map(Arc::from)
        .collect();
    let sequence_number: Arc<str> = Arc::from(sequence_number);
    let mut out = Vec::with_capacity(message.records.len());
    for (sub, record) in (0u64..).zip(message.records) {
        let partition_key = table_entry(&pks, record.partition_key_index?)?;
        let explicit_hash_key = match record.explicit_hash_key_index {
            Some(i) => Some(table_entry(&ehks, i)?),
            None => None,
        };
        out.push(DeaggregatedRecord {
            partition_key,
            explicit_hash_key,
            data: record.data?,
            sequence_number: Arc::clone(&sequence_number),
            sub_sequence_number: sub,
            aggregated: true,
        });
    }
    Some(out)
}

fn table_entry(table: &[Arc<str>], index: u64) -> Option<Arc<str>> {
    usize::try_from(index)
        .ok()
        .and_then(|i| table.get(i))
        .map(Arc::clone)
}

fn pass_through(
    partition_key: &str,
    explicit_hash_key: Option<&str>,
    data: Bytes,
    sequence_number: &str,
) -> Vec<DeaggregatedRecord> {
    vec![DeaggregatedRecord {
        partition_key: Arc::from(partition_key),
        explicit_hash_key: explicit_hash_key.map(Arc::from),
        data,
        sequence_number: Arc::from(sequence_number),
        sub_sequence_number: 0,
        aggregated: false,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Aggregator, UserRecord};

    fn frame(pb: &[u8]) -> Vec<u8> {
        let mut v = MAGIC.to_vec();
        v.extend_from_slice(pb);
        v.extend_from_slice(&md5(pb));
        v
    }

    fn assert_pass_through(data: &[u8]) {
        let out = deaggregate(
            "outer",
            Some("5"),
            data,
            "49590338271490256608559692538361571095921575989136588898",
        );
        assert_eq!(out.len(), 1, "{data:?}");
        let r = &out[0];
        assert!(!r.aggregated);
        assert_eq!(&*r.partition_key, "outer");
        assert_eq!(r.explicit_hash_key.as_deref(), Some("5"));
        assert_eq!(&r.data[..], data);
        assert_eq!(r.sub_sequence_number, 0);
    }

    #[test]
    fn plain_records_pass_through() {
        assert_pass_through(b"");
        assert_pass_through(b"{\"a\":1}");
        assert_pass_through(&MAGIC);
        // Exactly magic + digest of an empty protobuf: too short to be an aggregate (KCL).
        assert_pass_through(&frame(b""));
    }

    #[test]
    fn bad_digest_or_protobuf_passes_through() {
        let mut agg = Aggregator::default();
        for i in 0..3 {
            agg.add(UserRecord {
                partition_key: format!("k{i}"),
                explicit_hash_key: None,
                data: vec![i; 10],
            })
            .unwrap();
        }
        let good = agg.flush().unwrap().data;
        let mut bad_digest = good.clone();
        let n = bad_digest.len();
        bad_digest[n - 1] ^= 1;
        assert_pass_through(&bad_digest);
        // Valid digest over bytes that are not a protobuf (truncated varint).
        assert_pass_through(&frame(&[0x1A, 0xFF]));
        // Wrong wire type for field 1.
        assert_pass_through(&frame(&[0x08, 0x01]));
    }

    #[test]
    fn missing_required_fields_pass_through() {
        // Record with data but no partition_key_index: [3: {3: "x"}]
        assert_pass_through(&frame(&[0x0A, 0x01, b'k', 0x1A, 0x03, 0x1A, 0x01, b'x']));
        // Record with partition_key_index but no data: [3: {1: 0}]
        assert_pass_through(&frame(&[0x0A, 0x01, b'k', 0x1A, 0x02, 0x08, 0x00]));
        // Tag without key: [3: {1:0, 3:"x", 4:{2:"v"}}]
        assert_pass_through(&frame(&[
            0x0A, 0x01, b'k', 0x1A, 0x09, 0x08, 0x00, 0x1A, 0x01, b'x', 0x22, 0x03, 0x12, 0x01,
            b'v',
        ]));
    }

    #[test]
    fn out_of_range_indexes_pass_through() {
        // pk index 1 with a one-entry table.
        assert_pass_through(&frame(&[
            0x0A, 0x01, b'k', 0x1A, 0x05, 0x08, 0x01, 0x1A, 0x01, b'x',
        ]));
        // ehk index 0 with an empty ehk table.
        assert_pass_through(&frame(&[
            0x0A, 0x01, b'k', 0x1A, 0x07, 0x08, 0x00, 0x10, 0x00, 0x1A, 0x01, b'x',
        ]));
        // Index 2^64-1.
        assert_pass_through(&frame(&[
            0x0A, 0x01, b'k', 0x1A, 0x0E, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFF, 0x01, 0x1A, 0x01, b'x',
        ]));
    }

    #[test]
    fn aggregate_without_records_yields_nothing() {
        // Only a partition key table: well formed, no user records (KCL semantics).
        assert!(deaggregate("p", None, &frame(&[0x0A, 0x01, b'k']), "1").is_empty());
    }

    #[test]
    fn sub_records_get_keys_sequence_and_sub_sequence_numbers() {
        let mut agg = Aggregator::default();
        let inputs = [("a", None, "x"), ("b", Some("0"), ""), ("a", None, "zz")];
        for (pk, ehk, d) in inputs {
            agg.add_parts(pk, ehk, d.as_bytes()).unwrap();
        }
        let out = agg.flush().unwrap();
        let recs = deaggregate(
            &out.partition_key,
            out.explicit_hash_key.as_deref(),
            &out.data,
            "42",
        );
        assert_eq!(recs.len(), 3);
        for (i, (r, (pk, ehk, d))) in recs.iter().zip(inputs).enumerate() {
            assert!(r.aggregated);
            assert_eq!(&*r.partition_key, pk);
            // No table-entry-0 default: only records with an index get an explicit hash key.
            assert_eq!(r.explicit_hash_key.as_deref(), ehk);
            assert_eq!(&r.data[..], d.as_bytes());
            assert_eq!(&*r.sequence_number, "42");
            assert_eq!(r.sub_sequence_number, i as u64);
        }
    }

    #[test]
    fn owned_input_is_not_copied() {
        let mut agg = Aggregator::default();
        agg.add_parts("a", None, &[7; 100]).unwrap();
        agg.add_parts("b", None, &[8; 100]).unwrap();
        let out = agg.flush().unwrap();
        let data = Bytes::from(out.data);
        let range = data.as_ptr() as usize..data.as_ptr() as usize + data.len();
        let recs = deaggregate_bytes("a", None, data.clone(), "1");
        assert_eq!(recs.len(), 2);
        for r in &recs {
            assert!(
                range.contains(&(r.data.as_ptr() as usize)),
                "sub-record data was copied"
            );
        }
    }
}
