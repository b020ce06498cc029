//! Sample events for the harness tests and the benchmark.

use base64::Engine as _;
use md5::{Digest, Md5};
use serde_json::{json, Value};

use crate::functions::Function;
use crate::harness::FunctionConfig;

/// The KPL aggregated-record magic prefix.
pub const KPL_MAGIC: [u8; 4] = [0xF3, 0x89, 0x9A, 0xC2];

/// A valid fare query (JFK -> Times Square, Tuesday 17:30 UTC).
pub const FARE_QUERY: [(&str, &str); 7] = [
    ("id", "ride-42"),
    ("pickup_lat", "40.6413"),
    ("pickup_lon", "-73.7781"),
    ("dropoff_lat", "40.7580"),
    ("dropoff_lon", "-73.9855"),
    ("passengers", "2"),
    ("pickup_time", "2026-11-24T17:30:00Z"),
];

/// An API Gateway REST proxy event for `GET /predictFare` with `query`.
pub fn fare_proxy_event(query: &[(&str, &str)]) -> Value {
    let params: serde_json::Map<String, Value> = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    json!({
        "resource": "/predictFare",
        "path": "/predictFare",
        "httpMethod": "GET",
        "headers": {"Accept": "application/json", "Host": "abc123.execute-api.us-east-1.amazonaws.com"},
        "multiValueHeaders": {},
        "queryStringParameters": params,
        "multiValueQueryStringParameters": {},
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "resourcePath": "/predictFare",
            "httpMethod": "GET",
            "path": "/prod/predictFare",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "accountId": "123456789012",
            "apiId": "abc123",
            "identity": {"sourceIp": "203.0.113.10"},
            "requestTimeEpoch": 1795509000000u64
        },
        "body": null,
        "isBase64Encoded": false
    })
}

/// The valid fare event as bytes.
pub fn fare_event_bytes() -> Vec<u8> {
    fare_proxy_event(&FARE_QUERY).to_string().into_bytes()
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn len_delimited(field: u32, bytes: &[u8], out: &mut Vec<u8>) {
    varint(u64::from(field << 3 | 2), out);
    varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// Builds a KPL aggregated record by hand from the documented format:
/// `F3 89 9A C2` + protobuf `AggregatedRecord` + MD5 of the protobuf bytes.
///
/// ```text
/// message AggregatedRecord { repeated string partition_key_table = 1;
///                            repeated string explicit_hash_key_table = 2;
///                            repeated Record records = 3; }
/// message Record { required uint64 partition_key_index = 1;
///                  optional uint64 explicit_hash_key_index = 2;
///                  required bytes data = 3; }
/// ```
pub fn kpl_aggregate(records: &[(&str, &[u8])]) -> Vec<u8> {
    let mut keys: Vec<&str> = Vec::new();
    let mut pb = Vec::new();
    let mut record_msgs = Vec::new();
    for (key, data) in records {
        let index = match keys.iter().position(|k| k == key) {
            Some(i) => i,
            None => {
                keys.push(key);
                keys.len() - 1
            }
        };
        let mut rec = Vec::new();
        varint(1 << 3, &mut rec);
        varint(index as u64, &mut rec);
        len_delimited(3, data, &mut rec);
        record_msgs.push(rec);
    }
    for key in &keys {
        len_delimited(1, key.as_bytes(), &mut pb);
    }
    for rec in &record_msgs {
        len_delimited(3, rec, &mut pb);
    }
    let mut out = KPL_MAGIC.to_vec();
    out.extend_from_slice(&pb);
    out.extend_from_slice(&Md5::digest(&pb));
    out
}

/// A taxi-trip JSON record like the producers write.
pub fn trip_record(trip_id: u32) -> Vec<u8> {
    json!({
        "trip_id": format!("trip-{trip_id:06}"),
        "vendor_id": 1 + trip_id % 2,
        "pickup_datetime": "2026-11-24T08:30:00Z",
        "dropoff_datetime": "2026-11-24T08:52:13Z",
        "passenger_count": 1 + trip_id % 4,
        "pickup_longitude": -73.9855,
        "pickup_latitude": 40.7580,
        "dropoff_longitude": -73.7781,
        "dropoff_latitude": 40.6413,
        "trip_distance_km": 21.77,
        "total_amount": 73.76 + f64::from(trip_id % 10)
    })
    .to_string()
    .into_bytes()
}

/// One Kinesis record of a Lambda event source mapping batch.
pub fn kinesis_record(partition_key: &str, data: &[u8], sequence: u64) -> Value {
    let seq = format!("4965{sequence:052}");
    json!({
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": seq,
            "data": base64::engine::general_purpose::STANDARD.encode(data),
            "approximateArrivalTimestamp": 1795509000.123 + sequence as f64
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("shardId-000000000000:{seq}"),
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/streamstack-consumer",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/streamstack-stream"
    })
}

/// A realistic consumer batch: three plain JSON trip records and one KPL
/// aggregated record holding three more.
pub fn kinesis_event() -> Value {
    let mut records: Vec<Value> = (1..=3)
        .map(|i| kinesis_record(&format!("trip-{i}"), &trip_record(i), u64::from(i)))
        .collect();
    let inner: Vec<(String, Vec<u8>)> = (4..=6)
        .map(|i| (format!("trip-{}", i % 2), trip_record(i)))
        .collect();
    let inner_refs: Vec<(&str, &[u8])> = inner
        .iter()
        .map(|(k, d)| (k.as_str(), d.as_slice()))
        .collect();
    records.push(kinesis_record("trip-agg", &kpl_aggregate(&inner_refs), 4));
    json!({ "Records": records })
}

/// The consumer batch as bytes.
pub fn kinesis_event_bytes() -> Vec<u8> {
    kinesis_event().to_string().into_bytes()
}

/// The consumer's environment, as in its CloudFormation template.
pub fn consumer_env() -> Vec<(String, String)> {
    [
        ("EMITTER", "log"),
        ("TRANSFORM", "json"),
        ("DELIMITER", "|"),
        ("BUFFER_MAX_RECORDS", "500"),
        ("BUFFER_MAX_BYTES", "1048576"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// The sample invocation for a function of the table: its config
/// (environment and memory as in its template) and a realistic event.
pub fn sample_invocation(function: Function) -> (FunctionConfig, Vec<u8>) {
    let mut config = FunctionConfig::new(function.package);
    match function.package {
        "consumer-function" => {
            config.memory_mb = 256;
            config.env = consumer_env();
            (config, kinesis_event_bytes())
        }
        _ => (config, fare_event_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpl_record_layout() {
        let agg = kpl_aggregate(&[("a", b"x"), ("b", b"yz"), ("a", b"")]);
        assert_eq!(agg[..4], KPL_MAGIC);
        let (pb, md5) = agg[4..].split_at(agg.len() - 4 - 16);
        assert_eq!(md5, Md5::digest(pb).as_slice());
        // keys "a", "b"; records (0,"x"), (1,"yz"), (0,"").
        let expected = [
            0x0A, 1, b'a', 0x0A, 1, b'b', //
            0x1A, 5, 0x08, 0, 0x1A, 1, b'x', //
            0x1A, 6, 0x08, 1, 0x1A, 2, b'y', b'z', //
            0x1A, 4, 0x08, 0, 0x1A, 0,
        ];
        assert_eq!(pb, expected);
    }

    #[test]
    fn kinesis_event_has_four_records() {
        let ev = kinesis_event();
        assert_eq!(ev["Records"].as_array().map(Vec::len), Some(4));
    }
}
