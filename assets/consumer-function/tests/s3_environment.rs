//! The S3 emitter as `bootstrap` builds it (`S3Emitter::default_client`): region, credentials
//! and endpoint from the environment Lambda sets, checked on the wire against a loopback HTTP
//! server that records the request (the SigV4 `Authorization` header names the access key, the
//! session token travels in `x-amz-security-token`, the body is the batch).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use consumer_function::buffer::Batch;
use consumer_function::config::Compression;
use consumer_function::emit::{Emitter, S3Emitter};

/// Accepts one request, answers 200, returns (request line, headers lowercased, body).
fn one_request(listener: TcpListener) -> std::thread::JoinHandle<(String, Vec<String>, Vec<u8>)> {
    std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(conn.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut headers = Vec::new();
        let mut length = 0;
        loop {
            let mut l = String::new();
            reader.read_line(&mut l).unwrap();
            let l = l.trim_end().to_owned();
            if l.is_empty() {
                break;
            }
            let lower = l.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            headers.push(lower);
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut conn = conn;
        conn.write_all(b"HTTP/1.1 200 OK\r\nETag: \"x\"\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
        (request_line.trim_end().to_owned(), headers, body)
    })
}

// One test touches the process environment, so nothing races on it.
#[tokio::test]
async fn region_credentials_and_endpoint_come_from_the_environment() {
    for k in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        std::env::remove_var(k);
    }
    let err = S3Emitter::default_client().unwrap_err().to_string();
    assert!(err.contains("AWS_REGION"), "{err}");

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::env::set_var("AWS_REGION", "eu-west-1");
    std::env::set_var("AWS_ENDPOINT_URL_S3", &endpoint);
    std::env::remove_var("AWS_ACCESS_KEY_ID");
    let batch = Batch {
        body: b"{\"a\":1}\n".to_vec(),
        records: 1,
        first_sequence_number: "100".into(),
        last_sequence_number: "200".into(),
        shard_id: Some("shardId-1".into()),
        arrival_ms: 1_795_509_000_123,
        sources: vec![("100".into(), 1)],
    };
    let unsigned = S3Emitter::new(
        S3Emitter::default_client().unwrap(),
        "output-bucket".into(),
        "out/".into(),
        "jsonl",
        Compression::None,
    );
    let err = unsigned.emit(&batch).await.unwrap_err().to_string();
    assert!(
        err.contains("AWS_ACCESS_KEY_ID"),
        "no request without credentials: {err}"
    );

    let server = one_request(listener);
    std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDFROMENV");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "secret");
    std::env::set_var("AWS_SESSION_TOKEN", "token-from-env");
    let emitter = S3Emitter::new(
        S3Emitter::default_client().unwrap(),
        "output-bucket".into(),
        "out/".into(),
        "jsonl",
        Compression::None,
    );
    emitter.emit(&batch).await.unwrap();
    let (line, headers, body) = server.join().unwrap();
    assert!(
        line.starts_with(
            "PUT /output-bucket/out/year%3D2026/month%3D11/day%3D24/hour%3D08/shardId-1-100-200.jsonl"
        ),
        "{line}"
    );
    let auth = headers
        .iter()
        .find(|h| h.starts_with("authorization:"))
        .unwrap();
    assert!(auth.contains("credential=akidfromenv/"), "{auth}");
    assert!(auth.contains("/eu-west-1/s3/aws4_request"), "{auth}");
    assert!(
        headers.contains(&"x-amz-security-token: token-from-env".to_owned()),
        "{headers:?}"
    );
    assert_eq!(body, batch.body);
}
