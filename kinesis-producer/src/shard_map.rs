//! Which open shard a hash key lands on, from the hash key ranges `ListShards` reports.

use crate::ProduceError;

/// One open shard and the hash keys it owns (inclusive bounds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardRange {
    /// Shard id, e.g. `shardId-000000000000`.
    pub shard_id: String,
    /// First hash key of the shard.
    pub start: u128,
    /// Last hash key of the shard.
    pub end: u128,
}

/// The open shards of a stream sorted by hash key, for routing records to per-shard aggregates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardMap {
    shards: Vec<ShardRange>,
}

impl ShardMap {
    /// Builds the map from the open shards of a stream.
    ///
    /// # Errors
    /// [`ProduceError::ShardMap`] when there is no shard or the ranges overlap or leave a gap in
    /// `0..=2^128-1` (a stream in the middle of a reshard can briefly look like that: retry).
    pub fn new(mut shards: Vec<ShardRange>) -> Result<Self, ProduceError> {
        shards.sort_by_key(|s| s.start);
        let Some(first) = shards.first() else {
            return Err(ProduceError::ShardMap(
                "the stream has no open shard".into(),
            ));
        };
        if first.start != 0 {
            return Err(ProduceError::ShardMap(format!(
                "no open shard owns hash key 0 (the first range starts at {})",
                first.start
            )));
        }
        for pair in shards.windows(2) {
            if pair[0].end.checked_add(1) != Some(pair[1].start) {
                return Err(ProduceError::ShardMap(format!(
                    "hash key ranges of {} and {} do not meet",
                    pair[0].shard_id, pair[1].shard_id
                )));
            }
        }
        if shards.last().map(|s| s.end) != Some(u128::MAX) {
            return Err(ProduceError::ShardMap(
                "no open shard owns hash key 2^128-1".into(),
            ));
        }
        Ok(Self { shards })
    }

    /// Index (into [`shards`](Self::shards)) of the shard that owns `hash_key`.
    #[must_use]
    pub fn index_of(&self, hash_key: u128) -> usize {
        // The ranges cover 0..=MAX without gaps (checked in `new`), so the last range whose start
        // is <= hash_key owns it.
        self.shards
            .partition_point(|s| s.start <= hash_key)
            .saturating_sub(1)
    }

    /// The shards, sorted by hash key.
    #[must_use]
    pub fn shards(&self) -> &[ShardRange] {
        &self.shards
    }

    /// Number of open shards.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shards.len()
    }

    /// Always false: a map has at least one shard.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.shards.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(id: &str, start: u128, end: u128) -> ShardRange {
        ShardRange {
            shard_id: id.into(),
            start,
            end,
        }
    }

    #[test]
    fn routes_by_range() {
        let half = u128::MAX / 2;
        let map = ShardMap::new(vec![range("b", half + 1, u128::MAX), range("a", 0, half)])
            .expect("valid");
        assert_eq!(map.shards()[map.index_of(0)].shard_id, "a");
        assert_eq!(map.shards()[map.index_of(half)].shard_id, "a");
        assert_eq!(map.shards()[map.index_of(half + 1)].shard_id, "b");
        assert_eq!(map.shards()[map.index_of(u128::MAX)].shard_id, "b");
    }

    #[test]
    fn rejects_gaps_overlaps_and_empty() {
        assert!(ShardMap::new(vec![]).is_err());
        assert!(ShardMap::new(vec![range("a", 1, u128::MAX)]).is_err());
        assert!(ShardMap::new(vec![range("a", 0, 10), range("b", 12, u128::MAX)]).is_err());
        assert!(ShardMap::new(vec![range("a", 0, 10), range("b", 10, u128::MAX)]).is_err());
        assert!(ShardMap::new(vec![range("a", 0, 10)]).is_err());
        assert!(ShardMap::new(vec![range("a", 0, u128::MAX)]).is_ok());
    }
}
