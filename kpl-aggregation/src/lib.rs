//! The Kinesis Producer Library (KPL) aggregated record format.
//!
//! An aggregated Kinesis record packs many *user records* into one Kinesis record:
//!
//! ```text
//! F3 89 9A C2 | protobuf AggregatedRecord | MD5(protobuf) (16 bytes)
//! ```
//!
//! with the proto2 schema
//!
//! ```text
//! message AggregatedRecord {
//!   repeated string partition_key_table     = 1;
//!   repeated string explicit_hash_key_table = 2;
//!   repeated Record records                 = 3;
//! }
//! message Record {
//!   required uint64 partition_key_index     = 1;
//!   optional uint64 explicit_hash_key_index = 2;
//!   required bytes  data                    = 3;
//!   repeated Tag    tags                    = 4;
//! }
//! message Tag { required string key = 1; optional string value = 2; }
//! ```
//!
//! * [`Aggregator`] packs user records into [`KinesisRecord`]s no larger than a configurable
//!   limit (counted like Kinesis counts it: data plus partition key).
//! * [`deaggregate`] / [`deaggregate_bytes`] split a Kinesis record back into
//!   [`DeaggregatedRecord`]s with the semantics of the Kinesis Client Library (KCL): anything
//!   that is not a well-formed aggregate is passed through unchanged.
//! * [`hash_key_for`] / [`hash_key_string`] compute the 128-bit hash key Kinesis derives from a
//!   partition key (the big-endian integer of its MD5 digest).

mod aggregate;
mod deaggregate;
mod proto;

pub use aggregate::{Aggregator, KinesisRecord, UserRecord};
pub use deaggregate::{deaggregate, deaggregate_bytes, DeaggregatedRecord};

use md5::{Digest, Md5};

/// The four bytes every aggregated record starts with.
pub const MAGIC: [u8; 4] = [0xF3, 0x89, 0x9A, 0xC2];

/// Length of the MD5 digest that ends every aggregated record.
pub const DIGEST_LEN: usize = 16;

/// Default size limit of an aggregated record, the KPL's `AggregationMaxSize` default.
pub const DEFAULT_MAX_BYTES: usize = 51_200;

/// The largest record Kinesis accepts: 1 MiB of data plus partition key.
pub const KINESIS_MAX_BYTES: usize = 1_048_576;

/// Longest partition key Kinesis accepts, in Unicode scalar values.
pub const MAX_PARTITION_KEY_CHARS: usize = 256;

/// Errors of the aggregation side. De-aggregation never fails: malformed input is passed
/// through as a single user record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The configured size limit is outside `1..=KINESIS_MAX_BYTES`.
    #[error("aggregation limit of {limit} bytes is invalid: it must be between 1 and {max} bytes")]
    InvalidLimit {
        /// The limit that was asked for.
        limit: usize,
        /// The largest allowed limit ([`KINESIS_MAX_BYTES`]).
        max: usize,
    },
    /// A single user record (data plus partition key) is larger than the limit, so it cannot
    /// be sent even on its own.
    #[error(
        "user record of {size} bytes (data + partition key) exceeds the limit of {limit} bytes"
    )]
    RecordTooLarge {
        /// Data length plus partition key length of the record, in bytes.
        size: usize,
        /// The aggregator's limit, in bytes.
        limit: usize,
    },
    /// The partition key is empty or longer than [`MAX_PARTITION_KEY_CHARS`] characters.
    #[error("partition key of {chars} characters is invalid: Kinesis accepts 1 to 256 characters")]
    InvalidPartitionKey {
        /// Length of the rejected key in Unicode scalar values.
        chars: usize,
    },
    /// The explicit hash key is not the decimal form of an integer in `0..=2^128-1`.
    #[error("explicit hash key {0:?} is invalid: it must be a decimal integer from 0 to 2^128-1 without leading zeros")]
    InvalidExplicitHashKey(String),
}

/// The 128-bit hash key Kinesis assigns to `partition_key`: the MD5 digest of its UTF-8
/// bytes read as a big-endian unsigned integer.
#[must_use]
pub fn hash_key_for(partition_key: &str) -> u128 {
    let digest: [u8; 16] = Md5::digest(partition_key.as_bytes()).into();
    u128::from_be_bytes(digest)
}

/// [`hash_key_for`] in the decimal form the Kinesis `ExplicitHashKey` parameter takes.
#[must_use]
pub fn hash_key_string(partition_key: &str) -> String {
    hash_key_for(partition_key).to_string()
}

/// Checks that `key` is a valid Kinesis explicit hash key: the canonical decimal form of an
/// integer in `0..=2^128-1` (no sign, no leading zeros).
///
/// # Errors
/// [`Error::InvalidExplicitHashKey`] when it is not.
pub fn validate_explicit_hash_key(key: &str) -> Result<u128, Error> {
    let bytes = key.as_bytes();
    let canonical = !bytes.is_empty()
        && bytes.iter().all(u8::is_ascii_digit)
        && (bytes.len() == 1 || bytes[0] != b'0');
    match key.parse::<u128>() {
        Ok(value) if canonical => Ok(value),
        _ => Err(Error::InvalidExplicitHashKey(key.to_owned())),
    }
}

/// MD5 digest of `bytes`.
pub(crate) fn md5(bytes: &[u8]) -> [u8; DIGEST_LEN] {
    Md5::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_key_matches_known_md5() {
        // MD5("") = d41d8cd98f00b204e9800998ecf8427e
        assert_eq!(hash_key_for(""), 0xd41d8cd98f00b204e9800998ecf8427e);
        assert_eq!(
            hash_key_string(""),
            0xd41d8cd98f00b204e9800998ecf8427e_u128.to_string()
        );
    }

    #[test]
    fn explicit_hash_key_validation() {
        assert_eq!(validate_explicit_hash_key("0"), Ok(0));
        assert_eq!(
            validate_explicit_hash_key("340282366920938463463374607431768211455"),
            Ok(u128::MAX)
        );
        for bad in [
            "",
            "00",
            "01",
            "+1",
            "-1",
            "1.0",
            " 1",
            "340282366920938463463374607431768211456",
        ] {
            assert_eq!(
                validate_explicit_hash_key(bad),
                Err(Error::InvalidExplicitHashKey(bad.to_owned())),
                "{bad:?}"
            );
        }
    }
}
