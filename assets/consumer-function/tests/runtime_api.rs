//! `bootstrap` against a minimal Lambda Runtime API on 127.0.0.1: one Kinesis event in, the
//! response, the emitted lines and the EMF metrics line out.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;
use kpl_aggregation::Aggregator;
use serde_json::{json, Value};

/// Reads one HTTP/1.1 request: (request line, body). None at end of stream.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((line.trim_end().to_owned(), body))
}

/// Serves one invocation of `event`, then holds further `next` calls; sends every request
/// it sees to `seen`.
fn serve(listener: TcpListener, event: Value, seen: mpsc::Sender<(String, Vec<u8>)>) {
    let mut served = false;
    for stream in listener.incoming() {
        let Ok(stream) = stream else { return };
        let mut writer = stream.try_clone().expect("clone stream");
        let mut reader = BufReader::new(stream);
        while let Some((line, body)) = read_request(&mut reader) {
            let _ = seen.send((line.clone(), body));
            let response = if line.starts_with("GET /2018-06-01/runtime/invocation/next") {
                if served {
                    // Keep the runtime waiting until the test ends it.
                    std::thread::sleep(Duration::from_secs(60));
                    return;
                }
                served = true;
                let body = event.to_string();
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Lambda-Runtime-Aws-Request-Id: req-1\r\n\
                     Lambda-Runtime-Deadline-Ms: 99999999999999\r\n\
                     Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:eu-west-1:123456789012:function:consumer\r\n\
                     Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n".to_owned()
            };
            if writer.write_all(response.as_bytes()).is_err() {
                break;
            }
        }
    }
}

fn kinesis_record(n: u32, data: &[u8]) -> Value {
    json!({
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": format!("pk-{n}"),
            "sequenceNumber": format!("4959{n:04}"),
            "data": base64::engine::general_purpose::STANDARD.encode(data),
            "approximateArrivalTimestamp": 1_545_084_650.987
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("shardId-000000000000:4959{n:04}"),
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/consumer",
        "awsRegion": "eu-west-1",
        "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/s"
    })
}

#[test]
fn one_invocation_through_the_runtime_api() {
    let mut agg = Aggregator::default();
    agg.add_parts("a", None, br#"{"id": 2}"#).expect("fits");
    agg.add_parts("b", None, br#"{"id":3}"#).expect("fits");
    let aggregated = agg.flush().expect("not empty").data;
    let event = json!({"Records": [
        kinesis_record(1, br#"{"id":1}"#),
        kinesis_record(2, &aggregated),
        kinesis_record(3, b"poison"),
    ]});

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("address");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || serve(listener, event, tx));

    let mut child = Command::new(env!("CARGO_BIN_EXE_consumer-function"))
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "consumer")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("EMITTER", "log")
        .env("TRANSFORM", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bootstrap");

    let response = loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok((line, body)) if line.starts_with("POST /2018-06-01/runtime/invocation/req-1/") => {
                break (line, body);
            }
            Ok(_) => {}
            Err(e) => {
                let _ = child.kill();
                let out = child.wait_with_output().expect("output");
                panic!(
                    "no response from bootstrap ({e}); stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    };
    // Give the runtime a moment to flush stdout, then end it.
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);

    assert!(response.0.ends_with("/response HTTP/1.1"), "{}", response.0);
    let body: Value = serde_json::from_slice(&response.1).expect("JSON response");
    assert_eq!(body, json!({"batchItemFailures": []}));

    let lines: Vec<&str> = stdout.lines().collect();
    for expected in [r#"{"id":1}"#, r#"{"id":2}"#, r#"{"id":3}"#] {
        assert!(
            lines.contains(&expected),
            "{expected} not in stdout:\n{stdout}"
        );
    }
    let emf: Value = lines
        .iter()
        .find(|l| l.contains("\"_aws\""))
        .map(|l| serde_json::from_str(l).expect("EMF JSON"))
        .unwrap_or_else(|| panic!("no EMF line in stdout:\n{stdout}"));
    assert_eq!(emf["FunctionName"], "consumer");
    assert_eq!(emf["RecordsRead"], 4);
    assert_eq!(emf["RecordsRejected"], 1);
    assert_eq!(emf["RecordsWritten"], 3);
    assert!(
        stdout.contains("record rejected"),
        "the poison record is logged:\n{stdout}"
    );
}
