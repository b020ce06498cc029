//! Records per second through the consumer's pipeline: de-aggregate (KPL) -> transform (json)
//! -> buffer -> emit, per emitter, on one thread (the `bootstrap` runs a current-thread
//! runtime).
//!
//! The workload: 200,000 taxi-trip JSON records (about 250 bytes each) in KPL aggregates of
//! 100, delivered as Kinesis events of 100 Kinesis records (the template's `BatchSize`), so
//! each invocation carries 10,000 user records. Every emitter writes to a local sink:
//! `log` to `std::io::sink()`, the others through their real client (the AWS SDK, SigV4
//! signing, HTTP/1.1) to a loopback HTTP server on another thread that answers each request
//! with success at once (S3 `PutObject` 200, DynamoDB `BatchWriteItem` with no
//! `UnprocessedItems`, OpenSearch `_bulk` with a 201 per item). The figures are the
//! pipeline's own cost plus the client's, not a service's latency: a real table or domain
//! answers in milliseconds, and DynamoDB takes 25 items per call, so on AWS those two are
//! bound by round trips, not by this CPU.
//!
//! Run: `cargo bench -p consumer-function --bench pipeline`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

use aws_lambda_events::event::kinesis::KinesisEvent;
use base64::Engine;
use consumer_function::config::{
    Compression, Config, DynamoDbSettings, IndexFrom, KeyField, KeyType, OpenSearchSettings,
    TransformKind,
};
use consumer_function::emit::{DynamoDbEmitter, Emitter, LogEmitter, OpenSearchEmitter, S3Emitter};
use consumer_function::Pipeline;
use kpl_aggregation::Aggregator;
use serde_json::json;

const USER_RECORDS: usize = 200_000;
const PER_AGGREGATE: usize = 100;
const KINESIS_PER_EVENT: usize = 100;

fn trip(i: usize) -> Vec<u8> {
    json!({
        "trip_id": format!("trip-{i:07}"),
        "vendor_id": 1 + i % 2,
        "pickup_datetime": "2026-11-24T08:30:00Z",
        "dropoff_datetime": "2026-11-24T08:52:13Z",
        "passenger_count": 1 + i % 4,
        "pickup_longitude": -73.9855,
        "pickup_latitude": 40.7580,
        "dropoff_longitude": -73.7781,
        "dropoff_latitude": 40.6413,
        "trip_distance_km": 21.77,
        "total_amount": 73.76 + (i % 10) as f64
    })
    .to_string()
    .into_bytes()
}

fn events() -> Vec<KinesisEvent> {
    let mut kinesis_records = Vec::new();
    let mut agg = Aggregator::default();
    for i in 0..USER_RECORDS {
        let full = agg
            .add_parts(&format!("trip-{i}"), None, &trip(i))
            .expect("record fits");
        assert!(full.is_none(), "aggregates are flushed by count");
        if (i + 1) % PER_AGGREGATE == 0 {
            kinesis_records.push(agg.flush().expect("not empty").data);
        }
    }
    kinesis_records
        .chunks(KINESIS_PER_EVENT)
        .enumerate()
        .map(|(e, chunk)| {
            let records: Vec<_> = chunk
                .iter()
                .enumerate()
                .map(|(r, data)| {
                    let seq = format!("4965{:052}", e * KINESIS_PER_EVENT + r);
                    json!({
                        "kinesis": {
                            "kinesisSchemaVersion": "1.0",
                            "partitionKey": "agg",
                            "sequenceNumber": seq,
                            "data": base64::engine::general_purpose::STANDARD.encode(data),
                            "approximateArrivalTimestamp": 1_795_509_000.123
                        },
                        "eventSource": "aws:kinesis",
                        "eventVersion": "1.0",
                        "eventID": format!("shardId-000000000000:{seq}"),
                        "eventName": "aws:kinesis:record",
                        "awsRegion": "us-east-1",
                        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/s"
                    })
                })
                .collect();
            serde_json::from_value(json!({ "Records": records })).expect("event")
        })
        .collect()
}

/// A loopback HTTP/1.1 server answering every request with `answer(request line, body)`.
fn sink_server(answer: fn(&str, &[u8]) -> (u16, String)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream, answer));
        }
    });
    url
}

fn serve(stream: TcpStream, answer: fn(&str, &[u8]) -> (u16, String)) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (status, text) = answer(&line, &body);
        let response = format!(
            "HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

fn config() -> Config {
    Config {
        transform: TransformKind::Json,
        ..Config::default()
    }
}

fn run<E: Emitter>(name: &str, emitter: E, events: &[KinesisEvent]) -> f64 {
    let pipeline = Pipeline::new(&config(), emitter);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // One warm-up invocation (connections, allocations).
    rt.block_on(pipeline.handle(events[0].clone()));
    let start = Instant::now();
    let mut written = 0;
    for event in events {
        let outcome = rt.block_on(pipeline.handle(event.clone()));
        assert!(
            outcome.response.batch_item_failures.is_empty(),
            "{name}: {:?}",
            outcome.response
        );
        written += outcome.metrics.records_written;
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(written, USER_RECORDS as u64, "{name}: every record emitted");
    let rate = written as f64 / secs;
    println!("{name:<12} {rate:>12.0} records/s  ({written} records in {secs:.3} s)");
    rate
}

fn main() {
    let events = events();
    println!(
        "consumer pipeline: {USER_RECORDS} JSON records, KPL aggregates of {PER_AGGREGATE}, \
         {KINESIS_PER_EVENT} Kinesis records per event, default buffer (500 records / 1 MiB)"
    );
    run("log", LogEmitter::new(std::io::sink()), &events);

    let s3 = sink_server(|_, _| (200, String::new()));
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDBENCH");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "secret");
    std::env::set_var("AWS_ENDPOINT_URL_S3", &s3);
    std::env::set_var(
        "AWS_ENDPOINT_URL_DYNAMODB",
        sink_server(|_, _| (200, "{\"UnprocessedItems\":{}}".into())),
    );
    for compression in [Compression::None, Compression::Gzip] {
        let client = S3Emitter::default_client().expect("client");
        run(
            match compression {
                Compression::None => "s3",
                Compression::Gzip => "s3 gzip",
            },
            S3Emitter::new(client, "bench".into(), "out/".into(), "jsonl", compression),
            &events,
        );
    }
    run(
        "dynamodb",
        DynamoDbEmitter::new(
            DynamoDbEmitter::default_client().expect("client"),
            DynamoDbSettings {
                table: "bench".into(),
                partition_key: KeyField {
                    name: "trip_id".into(),
                    kind: KeyType::S,
                },
                sort_key: None,
                max_attempts: 6,
            },
        ),
        &events,
    );
    let search = sink_server(|_, body| {
        // One 201 item per action line (every other line of the NDJSON body).
        let items = body
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
            / 2;
        let item = r#"{"index":{"_index":"trips","_id":"x","result":"created","status":201}}"#;
        let all = vec![item; items].join(",");
        (
            200,
            format!(r#"{{"took":1,"errors":false,"items":[{all}]}}"#),
        )
    });
    run(
        "opensearch",
        OpenSearchEmitter::new(
            OpenSearchSettings {
                endpoint: search,
                index: IndexFrom::Fixed("trips".into()),
                id_field: "trip_id".into(),
                max_attempts: 6,
            },
            "us-east-1".into(),
        ),
        &events,
    );
}
