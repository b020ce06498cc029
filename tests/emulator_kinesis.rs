//! The emulator harness itself: Kinesis keeps every acknowledged record under concurrent writers.
//!
//! moto 5.2.5 computes a shard's next sequence number as max + 1 without a lock, so two
//! PutRecords requests in flight at once could give two records one number and keep only one
//! (both acknowledged). `tests/support/moto_server.py` (patch 7) serialises writes per shard. This
//! test sends tens of thousands of records from several clients at once, without aggregation, and
//! checks that every acknowledged record is read back exactly once, under the sequence number it
//! was acknowledged with, and that sequence numbers are unique per shard. Without the patch
//! (`STREAMSTACK_MOTO_SKIP_PATCHES=kinesis-shard-lock`) it fails.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::PutRecordsRequestEntry;
use support::moto::moto;

const CLIENTS: usize = 8;
const BATCHES_PER_CLIENT: usize = 10;
const RECORDS_PER_BATCH: usize = 500;
const SHARDS: i32 = 3;

/// (shard id, sequence number) -> data, as acknowledged by PutRecords.
type Acked = BTreeMap<(String, String), String>;

async fn send_all(
    config: &aws_config::SdkConfig,
    stream: &str,
    client_no: usize,
) -> Vec<(String, String, String)> {
    // A client of its own per writer: its own connections, as separate producers have.
    let client = aws_sdk_kinesis::Client::new(config);
    let mut acked = Vec::new();
    for batch in 0..BATCHES_PER_CLIENT {
        let entries: Vec<PutRecordsRequestEntry> = (0..RECORDS_PER_BATCH)
            .map(|i| {
                let data = format!("client {client_no} batch {batch} record {i}");
                PutRecordsRequestEntry::builder()
                    .partition_key(format!("key-{client_no}-{batch}-{i}"))
                    .data(Blob::new(data.into_bytes()))
                    .build()
                    .unwrap()
            })
            .collect();
        let datas: Vec<String> = entries
            .iter()
            .map(|e| String::from_utf8(e.data.as_ref().to_vec()).unwrap())
            .collect();
        let out = client
            .put_records()
            .stream_name(stream)
            .set_records(Some(entries))
            .send()
            .await
            .unwrap();
        assert_eq!(out.failed_record_count, Some(0));
        assert_eq!(out.records.len(), RECORDS_PER_BATCH);
        for (entry, data) in out.records.iter().zip(datas) {
            acked.push((
                entry.shard_id.clone().unwrap(),
                entry.sequence_number.clone().unwrap(),
                data,
            ));
        }
    }
    acked
}

#[test]
fn concurrent_put_records_keep_every_acknowledged_record_exactly_once() {
    let m = moto();
    let config = m.sdk_config();
    let stream = "concurrent-writers";
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let (acked, read) = runtime.block_on(async {
        let client = aws_sdk_kinesis::Client::new(&config);
        client
            .create_stream()
            .stream_name(stream)
            .shard_count(SHARDS)
            .send()
            .await
            .unwrap();

        let writers = (0..CLIENTS).map(|c| {
            let config = config.clone();
            tokio::spawn(async move { send_all(&config, stream, c).await })
        });
        let mut acked = Acked::new();
        let mut per_shard: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for writer in futures::future::join_all(writers).await {
            for (shard, seq, data) in writer.unwrap() {
                assert!(
                    per_shard
                        .entry(shard.clone())
                        .or_default()
                        .insert(seq.clone()),
                    "sequence number {seq} acknowledged twice on {shard}"
                );
                acked.insert((shard, seq), data);
            }
        }

        // Read every shard back from TRIM_HORIZON.
        let read: Vec<((String, String), String)> = support::kinesis::all_records(&client, stream)
            .await
            .into_iter()
            .map(|(shard, r)| {
                (
                    (shard, r.sequence_number),
                    String::from_utf8(r.data.into_inner()).unwrap(),
                )
            })
            .collect();
        (acked, read)
    });

    let total = CLIENTS * BATCHES_PER_CLIENT * RECORDS_PER_BATCH;
    assert_eq!(acked.len(), total, "every record acknowledged once");
    let distinct: BTreeSet<&String> = read.iter().map(|(_, d)| d).collect();
    assert_eq!(
        read.len(),
        total,
        "records read back: {} of {total} acknowledged ({} distinct)",
        read.len(),
        distinct.len()
    );
    assert_eq!(distinct.len(), total, "each record read back exactly once");
    let read: BTreeMap<(String, String), String> = read.into_iter().collect();
    assert_eq!(
        read, acked,
        "each record stored under the shard and sequence number it was acknowledged with"
    );
}
