//! KPL-compatible Kinesis producer. So far: the seeded `stock` generator of the seed's demo
//! schema; shard map, aggregation, PutRecords batching and retries land with the produce issue.

#![warn(missing_docs)]

pub mod generator;
