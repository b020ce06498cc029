//! Aggregate and de-aggregate throughput, in user records per second, for 100 B and 1 KiB
//! records.
//!
//! `cargo bench -p kpl-aggregation --bench throughput`

use std::hint::black_box;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use kpl_aggregation::{deaggregate, deaggregate_bytes, Aggregator, DEFAULT_MAX_BYTES};
use md5::Digest;

/// User records per iteration.
const RECORDS: usize = 20_000;

/// Deterministic records: partition keys from a pool of 1,000 (like random keys of a busy
/// producer), data of `size` pseudo-random bytes.
fn records(size: usize) -> Vec<(String, Vec<u8>)> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    (0..RECORDS)
        .map(|i| {
            let data = (0..size)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            (format!("partition-key-{:04}", i % 1000), data)
        })
        .collect()
}

/// The Kinesis records the KPL would send for `records`: (partition key, data).
fn aggregates(records: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let mut agg = Aggregator::new(DEFAULT_MAX_BYTES).expect("default limit is valid");
    let mut out = Vec::new();
    for (pk, data) in records {
        if let Some(r) = agg.add_parts(pk, None, data).expect("record fits") {
            out.push((r.partition_key, r.data));
        }
    }
    if let Some(r) = agg.flush() {
        out.push((r.partition_key, r.data));
    }
    out
}

fn bench(c: &mut Criterion) {
    // The ceiling: both directions hash every byte once with MD5.
    let block = vec![0x5A_u8; DEFAULT_MAX_BYTES];
    let mut group = c.benchmark_group("md5");
    group.throughput(Throughput::Bytes(block.len() as u64));
    group.bench_function("51200B", |b| {
        b.iter(|| black_box(md5::Md5::digest(black_box(&block))))
    });
    group.finish();

    for (label, size) in [("100B", 100), ("1KiB", 1024)] {
        let input = records(size);
        let mut group = c.benchmark_group(format!("aggregate/{label}"));
        group.throughput(Throughput::Elements(RECORDS as u64));
        group.bench_function("add_parts", |b| {
            let mut agg = Aggregator::new(DEFAULT_MAX_BYTES).expect("default limit is valid");
            b.iter(|| {
                for (pk, data) in &input {
                    if let Some(r) = agg.add_parts(pk, None, data).expect("record fits") {
                        black_box(r);
                    }
                }
                black_box(agg.flush());
            });
        });
        group.finish();

        let kinesis = aggregates(&input);
        let mut group = c.benchmark_group(format!("deaggregate/{label}"));
        group.throughput(Throughput::Elements(RECORDS as u64));
        // As the consumer does with a Lambda event: the event owns the decoded data, which
        // becomes the shared buffer of the user records without a copy.
        group.bench_function("deaggregate_bytes", |b| {
            b.iter_batched(
                || kinesis.clone(),
                |event| {
                    for (pk, data) in event {
                        black_box(deaggregate_bytes(&pk, None, Bytes::from(data), "seq"));
                    }
                },
                BatchSize::LargeInput,
            );
        });
        // The whole Lambda path after JSON parsing: base64 as in the event (aws_lambda_events
        // decodes it while deserializing), then de-aggregation of the owned data.
        let event: Vec<(String, String)> = kinesis
            .iter()
            .map(|(pk, data)| (pk.clone(), B64.encode(data)))
            .collect();
        group.bench_function("from_base64_event", |b| {
            b.iter(|| {
                for (pk, data) in &event {
                    let data = B64.decode(data).expect("valid base64");
                    black_box(deaggregate_bytes(pk, None, Bytes::from(data), "seq"));
                }
            });
        });
        // From borrowed data: one copy of each Kinesis record.
        group.bench_function("deaggregate", |b| {
            b.iter(|| {
                for (pk, data) in &kinesis {
                    black_box(deaggregate(pk, None, data, "seq"));
                }
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
