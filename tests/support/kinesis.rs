//! Reading a stream back with the SDK, for the tests' own checks (independent of `tail`).

#![allow(dead_code)]

use aws_sdk_kinesis::types::{Record, ShardIteratorType};

/// Every Kinesis record of every shard of `stream`, from TRIM_HORIZON to the first empty page,
/// with the id of its shard.
pub async fn all_records(client: &aws_sdk_kinesis::Client, stream: &str) -> Vec<(String, Record)> {
    let shards = client
        .list_shards()
        .stream_name(stream)
        .send()
        .await
        .unwrap()
        .shards
        .unwrap_or_default();
    let mut out = Vec::new();
    for shard in shards {
        let mut it = client
            .get_shard_iterator()
            .stream_name(stream)
            .shard_id(&shard.shard_id)
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .unwrap()
            .shard_iterator;
        while let Some(i) = it {
            let page = client.get_records().shard_iterator(i).send().await.unwrap();
            if page.records.is_empty() {
                break;
            }
            out.extend(
                page.records
                    .into_iter()
                    .map(|r| (shard.shard_id.clone(), r)),
            );
            it = page.next_shard_iterator;
        }
    }
    out
}
