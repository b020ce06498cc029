//! Packing user records into aggregated Kinesis records.

use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use prost::encoding::{encode_key, encode_varint, encoded_len_varint, WireType};

use crate::{
    hash_key_string, md5, validate_explicit_hash_key, Error, DEFAULT_MAX_BYTES, DIGEST_LEN,
    KINESIS_MAX_BYTES, MAGIC, MAX_PARTITION_KEY_CHARS,
};

/// One record as the application produces it, before aggregation.
///
/// `data` is a plain `Vec<u8>`: the aggregator copies it into its buffer either way, so a
/// shared buffer type would not save a copy. [`Aggregator::add_parts`] takes borrowed parts
/// for callers that do not own their data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserRecord {
    /// Partition key (1 to 256 characters).
    pub partition_key: String,
    /// Optional explicit hash key: a decimal integer in `0..=2^128-1`.
    pub explicit_hash_key: Option<String>,
    /// The payload.
    pub data: Vec<u8>,
}

/// One record ready for Kinesis `PutRecord(s)`: either an aggregate of several user records or,
/// when only one user record was buffered, that user record unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KinesisRecord {
    /// Partition key: the one of the first user record in the aggregate.
    pub partition_key: String,
    /// Explicit hash key. For an aggregate this is always set, to the first user record's
    /// explicit hash key or else to the hash of its partition key, so that the aggregate lands
    /// on the shard of its first user record. For a plain (single) record it is the user
    /// record's own explicit hash key.
    pub explicit_hash_key: Option<String>,
    /// The record's data: magic + protobuf + MD5 for an aggregate, the user data otherwise.
    pub data: Vec<u8>,
}

impl KinesisRecord {
    /// The size Kinesis counts against its 1 MiB record limit: data plus partition key bytes.
    #[must_use]
    pub fn size(&self) -> usize {
        self.data.len() + self.partition_key.len()
    }
}

/// The first user record of the aggregate in progress, which gives the aggregate its keys and
/// which is emitted unchanged when it stays alone.
#[derive(Debug)]
struct First {
    partition_key: String,
    explicit_hash_key: Option<String>,
    /// Where its data starts in `Aggregator::records`.
    data_start: usize,
}

/// Packs user records into aggregated Kinesis records of at most `max_bytes` each.
///
/// The size of an aggregated record is counted exactly as Kinesis counts it: the serialized
/// aggregate (magic, protobuf and MD5 digest) plus the bytes of its partition key. Partition
/// keys and explicit hash keys are stored once per aggregate in its key tables. An aggregate
/// that holds a single user record is emitted as that plain user record.
///
/// The protobuf is built incrementally: key table entries and records are encoded as they are
/// added, so a flush only concatenates the buffers and computes the digest.
#[derive(Debug)]
pub struct Aggregator {
    limit: usize,
    /// `partition_key_table` (field 1).
    pk_table: KeyTable,
    /// `explicit_hash_key_table` (field 2).
    ehk_table: KeyTable,
    /// Encoded `records` entries (field 3).
    records: Vec<u8>,
    count: usize,
    first: Option<First>,
}

impl Default for Aggregator {
    /// An aggregator with the KPL's default limit of [`DEFAULT_MAX_BYTES`].
    fn default() -> Self {
        Self::with_limit(DEFAULT_MAX_BYTES)
    }
}

/// Where a key stands in a key table: already present, or to be appended.
#[derive(Clone, Copy)]
struct KeySlot {
    hash: u64,
    index: u64,
    /// Encoded size of the table entry to add, 0 when the key is already in the table.
    added_bytes: usize,
}

/// One key table (`partition_key_table` or `explicit_hash_key_table`), kept encoded.
///
/// The keys live only in the encoded table: the hash index stores byte ranges into it, so
/// adding a key allocates nothing once the buffers have grown.
#[derive(Debug)]
struct KeyTable {
    tag: u32,
    /// Encoded table entries (field `tag`, length-delimited).
    encoded: Vec<u8>,
    /// Byte range of each key in `encoded`, by table index.
    keys: Vec<(usize, usize)>,
    /// Table indexes, hashed by key.
    index: HashTable<u32>,
    hasher: FixedState,
}

impl KeyTable {
    fn new(tag: u32) -> Self {
        Self {
            tag,
            encoded: Vec::new(),
            keys: Vec::new(),
            index: HashTable::new(),
            // A fixed seed: the hash only picks buckets, output never depends on it.
            hasher: FixedState::with_seed(0x5EED),
        }
    }

    fn key(encoded: &[u8], (start, len): (usize, usize)) -> &[u8] {
        &encoded[start..start + len]
    }

    fn slot(&self, key: &str) -> KeySlot {
        let hash = self.hasher.hash_one(key.as_bytes());
        let found = self.index.find(hash, |&i| {
            Self::key(&self.encoded, self.keys[i as usize]) == key.as_bytes()
        });
        match found {
            Some(&i) => KeySlot {
                hash,
                index: u64::from(i),
                added_bytes: 0,
            },
            None => KeySlot {
                hash,
                index: self.keys.len() as u64,
                added_bytes: 1 + encoded_len_varint(key.len() as u64) + key.len(),
            },
        }
    }

    fn push(&mut self, key: &str, slot: KeySlot) {
        if slot.added_bytes == 0 {
            return;
        }
        encode_key(self.tag, WireType::LengthDelimited, &mut self.encoded);
        encode_varint(key.len() as u64, &mut self.encoded);
        self.keys.push((self.encoded.len(), key.len()));
        self.encoded.extend_from_slice(key.as_bytes());
        // At most KINESIS_MAX_BYTES / 2 keys fit in an aggregate, far below u32::MAX.
        let i = slot.index as u32;
        let Self {
            index,
            encoded,
            keys,
            hasher,
            ..
        } = self;
        index.insert_unique(slot.hash, i, |&j| {
            hasher.hash_one(Self::key(encoded, keys[j as usize]))
        });
    }

    fn clear(&mut self) {
        self.encoded.clear();
        self.keys.clear();
        self.index.clear();
    }
}

impl Aggregator {
    /// An aggregator that emits records of at most `max_bytes` (data plus partition key).
    ///
    /// # Errors
    /// [`Error::InvalidLimit`] unless `1 <= max_bytes <= KINESIS_MAX_BYTES` (1 MiB).
    pub fn new(max_bytes: usize) -> Result<Self, Error> {
        if max_bytes == 0 || max_bytes > KINESIS_MAX_BYTES {
            return Err(Error::InvalidLimit {
                limit: max_bytes,
                max: KINESIS_MAX_BYTES,
            });
        }
        Ok(Self::with_limit(max_bytes))
    }

    fn with_limit(limit: usize) -> Self {
        Self {
            limit,
            pk_table: KeyTable::new(1),
            ehk_table: KeyTable::new(2),
            records: Vec::new(),
            count: 0,
            first: None,
        }
    }

    /// The size limit in bytes (data plus partition key).
    #[must_use]
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Number of user records in the aggregate in progress.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no user record is buffered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Size (data plus partition key) of the record [`flush`](Self::flush) would return now,
    /// or 0 when empty.
    #[must_use]
    pub fn size_bytes(&self) -> usize {
        match (&self.first, self.count) {
            (None, _) | (_, 0) => 0,
            (Some(first), 1) => first.partition_key.len() + self.records.len() - first.data_start,
            (Some(first), _) => self.aggregated_size(first.partition_key.len(), 0),
        }
    }

    fn pb_len(&self) -> usize {
        self.pk_table.encoded.len() + self.ehk_table.encoded.len() + self.records.len()
    }

    fn aggregated_size(&self, partition_key_len: usize, extra: usize) -> usize {
        MAGIC.len() + self.pb_len() + extra + DIGEST_LEN + partition_key_len
    }

    /// Adds a user record. Returns the completed record when `record` did not fit into the
    /// aggregate in progress (which then holds only `record`).
    ///
    /// # Errors
    /// [`Error::RecordTooLarge`] when the record alone (data plus partition key) exceeds the
    /// limit, [`Error::InvalidPartitionKey`] and [`Error::InvalidExplicitHashKey`] for keys
    /// Kinesis would refuse. The aggregator is unchanged after an error.
    pub fn add(&mut self, record: UserRecord) -> Result<Option<KinesisRecord>, Error> {
        self.add_parts(
            &record.partition_key,
            record.explicit_hash_key.as_deref(),
            &record.data,
        )
    }

    /// [`add`](Self::add) with borrowed parts.
    ///
    /// # Errors
    /// As [`add`](Self::add).
    pub fn add_parts(
        &mut self,
        partition_key: &str,
        explicit_hash_key: Option<&str>,
        data: &[u8],
    ) -> Result<Option<KinesisRecord>, Error> {
        if partition_key.is_empty()
            || (partition_key.len() > MAX_PARTITION_KEY_CHARS
                && partition_key.chars().count() > MAX_PARTITION_KEY_CHARS)
        {
            return Err(Error::InvalidPartitionKey {
                chars: partition_key.chars().count(),
            });
        }
        if let Some(ehk) = explicit_hash_key {
            validate_explicit_hash_key(ehk)?;
        }
        let size = data.len() + partition_key.len();
        if size > self.limit {
            return Err(Error::RecordTooLarge {
                size,
                limit: self.limit,
            });
        }
        if self.try_append(partition_key, explicit_hash_key, data) {
            return Ok(None);
        }
        let done = self.flush();
        // An empty aggregate takes any record that fits on its own (checked above).
        self.try_append(partition_key, explicit_hash_key, data);
        Ok(done)
    }

    /// Appends the record if the aggregate then stays within the limit, or if the aggregate is
    /// empty. Returns whether it appended.
    fn try_append(
        &mut self,
        partition_key: &str,
        explicit_hash_key: Option<&str>,
        data: &[u8],
    ) -> bool {
        let pk = self.pk_table.slot(partition_key);
        let ehk = explicit_hash_key.map(|k| (k, self.ehk_table.slot(k)));

        let mut inner = 1
            + encoded_len_varint(pk.index)
            + 1
            + encoded_len_varint(data.len() as u64)
            + data.len();
        if let Some((_, s)) = ehk {
            inner += 1 + encoded_len_varint(s.index);
        }
        let record_bytes = 1 + encoded_len_varint(inner as u64) + inner;

        if let Some(first) = &self.first {
            let added = pk.added_bytes + ehk.map_or(0, |(_, s)| s.added_bytes) + record_bytes;
            if self.aggregated_size(first.partition_key.len(), added) > self.limit {
                return false;
            }
        }

        self.pk_table.push(partition_key, pk);
        if let Some((key, s)) = ehk {
            self.ehk_table.push(key, s);
        }
        let r = &mut self.records;
        encode_key(3, WireType::LengthDelimited, r);
        encode_varint(inner as u64, r);
        encode_key(1, WireType::Varint, r);
        encode_varint(pk.index, r);
        if let Some((_, s)) = ehk {
            encode_key(2, WireType::Varint, r);
            encode_varint(s.index, r);
        }
        encode_key(3, WireType::LengthDelimited, r);
        encode_varint(data.len() as u64, r);
        let data_start = r.len();
        r.extend_from_slice(data);

        if self.first.is_none() {
            self.first = Some(First {
                partition_key: partition_key.to_owned(),
                explicit_hash_key: explicit_hash_key.map(str::to_owned),
                data_start,
            });
        }
        self.count += 1;
        true
    }

    /// Completes the record in progress, if any, and empties the aggregator.
    pub fn flush(&mut self) -> Option<KinesisRecord> {
        let first = self.first.take()?;
        let out = if self.count == 1 {
            KinesisRecord {
                partition_key: first.partition_key,
                explicit_hash_key: first.explicit_hash_key,
                data: self.records[first.data_start..].to_vec(),
            }
        } else {
            let mut data = Vec::with_capacity(MAGIC.len() + self.pb_len() + DIGEST_LEN);
            data.extend_from_slice(&MAGIC);
            data.extend_from_slice(&self.pk_table.encoded);
            data.extend_from_slice(&self.ehk_table.encoded);
            data.extend_from_slice(&self.records);
            let digest = md5(&data[MAGIC.len()..]);
            data.extend_from_slice(&digest);
            let explicit_hash_key = first
                .explicit_hash_key
                .unwrap_or_else(|| hash_key_string(&first.partition_key));
            KinesisRecord {
                partition_key: first.partition_key,
                explicit_hash_key: Some(explicit_hash_key),
                data,
            }
        };
        self.pk_table.clear();
        self.ehk_table.clear();
        self.records.clear();
        self.count = 0;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto;
    use prost::Message;

    fn rec(pk: &str, ehk: Option<&str>, data: &[u8]) -> UserRecord {
        UserRecord {
            partition_key: pk.to_owned(),
            explicit_hash_key: ehk.map(str::to_owned),
            data: data.to_vec(),
        }
    }

    #[test]
    fn limits_are_checked() {
        assert_eq!(
            Aggregator::new(0).unwrap_err(),
            Error::InvalidLimit {
                limit: 0,
                max: KINESIS_MAX_BYTES
            }
        );
        assert!(Aggregator::new(KINESIS_MAX_BYTES + 1).is_err());
        assert!(Aggregator::new(KINESIS_MAX_BYTES).is_ok());
        assert_eq!(Aggregator::default().limit(), 51_200);
    }

    #[test]
    fn single_record_is_emitted_plain() {
        let mut agg = Aggregator::default();
        assert_eq!(agg.add(rec("pk", None, b"hello")).unwrap(), None);
        assert_eq!(agg.size_bytes(), 7);
        let out = agg.flush().unwrap();
        assert_eq!(
            out,
            KinesisRecord {
                partition_key: "pk".into(),
                explicit_hash_key: None,
                data: b"hello".to_vec()
            }
        );
        assert!(agg.flush().is_none());
        assert!(agg.is_empty());
    }

    #[test]
    fn aggregate_dedups_keys_and_matches_prost_encoding() {
        let mut agg = Aggregator::default();
        agg.add(rec("a", None, b"1")).unwrap();
        agg.add(rec("b", Some("7"), b"22")).unwrap();
        agg.add(rec("a", Some("7"), b"")).unwrap();
        let expected_size = agg.size_bytes();
        let out = agg.flush().unwrap();
        assert_eq!(out.size(), expected_size);
        assert_eq!(out.partition_key, "a");
        assert_eq!(out.explicit_hash_key, Some(hash_key_string("a")));
        assert_eq!(&out.data[..4], &MAGIC);
        let pb = &out.data[4..out.data.len() - 16];
        assert_eq!(&out.data[out.data.len() - 16..], &md5(pb));
        let decoded = proto::AggregatedRecord::decode(pb).unwrap();
        assert_eq!(decoded.partition_key_table, vec!["a", "b"]);
        assert_eq!(decoded.explicit_hash_key_table, vec!["7"]);
        let idx: Vec<_> = decoded
            .records
            .iter()
            .map(|r| {
                (
                    r.partition_key_index,
                    r.explicit_hash_key_index,
                    r.data.as_deref().map(<[u8]>::to_vec),
                )
            })
            .collect();
        assert_eq!(
            idx,
            vec![
                (Some(0), None, Some(b"1".to_vec())),
                (Some(1), Some(0), Some(b"22".to_vec())),
                (Some(0), Some(0), Some(Vec::new())),
            ]
        );
        // Re-encoding with prost gives the same bytes as the incremental encoder.
        assert_eq!(decoded.encode_to_vec(), pb);
    }

    #[test]
    fn first_records_explicit_hash_key_is_the_aggregates() {
        let mut agg = Aggregator::default();
        agg.add(rec("a", Some("0"), b"1")).unwrap();
        agg.add(rec("b", None, b"2")).unwrap();
        let out = agg.flush().unwrap();
        assert_eq!(out.explicit_hash_key.as_deref(), Some("0"));
    }

    #[test]
    fn too_large_record_is_an_error_naming_size_and_limit() {
        let mut agg = Aggregator::new(100).unwrap();
        let err = agg.add(rec("pk", None, &[0; 99])).unwrap_err();
        assert_eq!(
            err,
            Error::RecordTooLarge {
                size: 101,
                limit: 100
            }
        );
        let msg = err.to_string();
        assert!(msg.contains("101") && msg.contains("100"), "{msg}");
        assert!(agg.is_empty());
        // Exactly at the limit is fine, and emitted plain.
        assert_eq!(agg.add(rec("pk", None, &[0; 98])).unwrap(), None);
        let out = agg.add(rec("pk", None, b"x")).unwrap().unwrap();
        assert_eq!(out.size(), 100);
        assert_eq!(out.data, vec![0; 98]);
    }

    #[test]
    fn invalid_keys_are_refused() {
        let mut agg = Aggregator::default();
        assert_eq!(
            agg.add(rec("", None, b"")).unwrap_err(),
            Error::InvalidPartitionKey { chars: 0 }
        );
        let long: String = "é".repeat(257);
        assert_eq!(
            agg.add(rec(&long, None, b"")).unwrap_err(),
            Error::InvalidPartitionKey { chars: 257 }
        );
        // 256 two-byte characters are 512 bytes but a valid key.
        assert!(agg.add(rec(&"é".repeat(256), None, b"")).is_ok());
        assert!(matches!(
            agg.add(rec("a", Some("x"), b"")),
            Err(Error::InvalidExplicitHashKey(_))
        ));
        assert_eq!(agg.len(), 1);
    }
}
