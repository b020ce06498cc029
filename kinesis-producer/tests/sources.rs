//! The record sources: generator schemas and determinism, delimited output, partition key
//! fields, file replay (CRLF, no final newline, empty lines, errors with file and line), and
//! property-based fuzzing of every parser that sees user input (no panic on any input).

use std::io::Write;

use kinesis_producer::cli::{parse_duration, parse_rate, Rate};
use kinesis_producer::source::{
    haversine_miles, open, parse_event_time, GeneratorSpec, SourceConfig, SourceError,
    SourceRecord, TICKERS,
};
use proptest::prelude::*;
use serde_json::Value;

fn config() -> SourceConfig {
    SourceConfig {
        delimiter: None,
        partition_key_field: None,
        time_field: "EVENT_TIME".into(),
        need_event_time: false,
        seed: 7,
    }
}

fn take(spec: &GeneratorSpec, cfg: &SourceConfig, n: usize) -> Vec<SourceRecord> {
    let mut s = open(spec, cfg).unwrap();
    (0..n)
        .map_while(|i| s.next_record(1_795_527_600_000 + i as u64).unwrap())
        .collect()
}

fn json(r: &SourceRecord) -> Value {
    serde_json::from_slice(&r.data).unwrap()
}

#[test]
fn stock_records_follow_the_demo_schema_and_the_seed() {
    let a = take(&GeneratorSpec::Stock, &config(), 2_000);
    assert_eq!(a, take(&GeneratorSpec::Stock, &config(), 2_000));
    let other = SourceConfig {
        seed: 8,
        ..config()
    };
    assert_ne!(a, take(&GeneratorSpec::Stock, &other, 2_000));
    let mut tickers = std::collections::BTreeSet::new();
    for r in &a {
        let v = json(r);
        assert_eq!(v.as_object().unwrap().len(), 3);
        // The schema order, in the text itself (serde_json's map order depends on its features).
        let text = std::str::from_utf8(&r.data).unwrap();
        let at = |k: &str| text.find(&format!("\"{k}\":")).unwrap();
        assert!(
            text.starts_with("{\"EVENT_TIME\":") && at("TICKER") < at("PRICE"),
            "{text}"
        );
        assert!(v["EVENT_TIME"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-24T13:40:0"));
        let t = v["TICKER"].as_str().unwrap();
        assert!(TICKERS.contains(&t));
        tickers.insert(t.to_owned());
        let p = v["PRICE"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&p));
        let text = std::str::from_utf8(&r.data).unwrap();
        let price_text = text
            .rsplit("\"PRICE\":")
            .next()
            .unwrap()
            .trim_end_matches('}');
        assert_eq!(price_text.split('.').nth(1).unwrap().len(), 2, "{text}");
        assert_eq!(r.partition_key.len(), 16, "random hex key by default");
        assert_eq!(
            r.event_time_ms,
            Some(parse_event_time(v["EVENT_TIME"].as_str().unwrap()).unwrap())
        );
    }
    assert_eq!(tickers.len(), 5);
}

#[test]
fn taxi_trips_are_consistent() {
    let trips = take(&GeneratorSpec::Taxi, &config(), 2_000);
    assert_eq!(trips, take(&GeneratorSpec::Taxi, &config(), 2_000));
    let mut ids = std::collections::HashSet::new();
    for r in &trips {
        let v = json(r);
        assert!(
            ids.insert(v["trip_id"].as_str().unwrap().to_owned()),
            "unique ids"
        );
        let pickup = parse_event_time(v["pickup_datetime"].as_str().unwrap()).unwrap();
        let dropoff = parse_event_time(v["dropoff_datetime"].as_str().unwrap()).unwrap();
        let minutes = (dropoff - pickup) as f64 / 60_000.0;
        assert!((2.0..=60.0).contains(&minutes), "{v}");
        assert_eq!(r.event_time_ms, Some(pickup));
        let f = |k: &str| v[k].as_f64().unwrap();
        for k in ["pickup_longitude", "dropoff_longitude"] {
            assert!((-74.05..=-73.75).contains(&f(k)), "{v}");
        }
        for k in ["pickup_latitude", "dropoff_latitude"] {
            assert!((40.60..=40.90).contains(&f(k)), "{v}");
        }
        let straight = haversine_miles(
            f("pickup_longitude"),
            f("pickup_latitude"),
            f("dropoff_longitude"),
            f("dropoff_latitude"),
        );
        assert!(f("trip_distance") + 1e-9 >= straight, "{v}");
        let fare = 3.0 + 2.5 * f("trip_distance") + 0.5 * minutes;
        assert!((f("fare_amount") - fare).abs() < 0.02, "{v}: {fare}");
        assert!((1..=6).contains(&v["passenger_count"].as_u64().unwrap()));
        assert!([1, 2].contains(&v["vendor_id"].as_u64().unwrap()));
        assert!(["CRD", "CSH"].contains(&v["payment_type"].as_str().unwrap()));
    }
}

#[test]
fn delimited_generators_and_key_fields() {
    let cfg = SourceConfig {
        delimiter: Some("|".into()),
        partition_key_field: Some("TICKER".into()),
        ..config()
    };
    let json_twin = SourceConfig {
        partition_key_field: Some("TICKER".into()),
        ..config()
    };
    let lines = take(&GeneratorSpec::Stock, &cfg, 100);
    let objects = take(&GeneratorSpec::Stock, &json_twin, 100);
    for (line, obj) in lines.iter().zip(&objects) {
        let text = std::str::from_utf8(&line.data).unwrap();
        let parts: Vec<&str> = text.split('|').collect();
        let v = json(obj);
        assert_eq!(parts[0], v["EVENT_TIME"]);
        assert_eq!(parts[1], v["TICKER"]);
        assert_eq!(
            parts[2].parse::<f64>().unwrap(),
            v["PRICE"].as_f64().unwrap()
        );
        assert_eq!(line.partition_key, parts[1]);
        assert_eq!(obj.partition_key, parts[1]);
    }
    let bad = SourceConfig {
        partition_key_field: Some("SYMBOL".into()),
        ..config()
    };
    let err = open(&GeneratorSpec::Stock, &bad).err().unwrap().to_string();
    assert!(
        err.contains("\"SYMBOL\"") && err.contains("EVENT_TIME, TICKER, PRICE"),
        "{err}"
    );
    let empty = SourceConfig {
        delimiter: Some(String::new()),
        ..config()
    };
    assert!(open(&GeneratorSpec::Taxi, &empty).is_err());
}

fn file_with(contents: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(contents).unwrap();
    f
}

fn read_all(
    f: &tempfile::NamedTempFile,
    cfg: &SourceConfig,
) -> Result<Vec<SourceRecord>, SourceError> {
    let mut s = open(&GeneratorSpec::File(f.path().to_owned()), cfg)?;
    let mut out = Vec::new();
    while let Some(r) = s.next_record(0)? {
        out.push(r);
    }
    Ok(out)
}

#[test]
fn files_replay_lines_as_they_are() {
    let f = file_with(b"{\"a\":1}\r\n\n   \n{\"a\":2}\n{\"a\":3}");
    let got = read_all(&f, &config()).unwrap();
    let data: Vec<&[u8]> = got.iter().map(|r| r.data.as_slice()).collect();
    assert_eq!(data, [&b"{\"a\":1}"[..], b"{\"a\":2}", b"{\"a\":3}"]);
    // Without a key field, nothing is parsed: any bytes go through.
    let raw = file_with(b"\xff\xfe not json\n");
    assert_eq!(
        read_all(&raw, &config()).unwrap()[0].data,
        b"\xff\xfe not json"
    );
}

#[test]
fn file_key_and_time_fields() {
    let f = file_with(
        b"{\"id\":\"a\",\"t\":\"2026-11-24T13:40:00Z\"}\n{\"id\":42,\"t\":1795527601}\n{\"id\":true,\"t\":\"2026-11-24 13:40:02.5\"}\n",
    );
    let cfg = SourceConfig {
        partition_key_field: Some("id".into()),
        time_field: "t".into(),
        need_event_time: true,
        ..config()
    };
    let got = read_all(&f, &cfg).unwrap();
    let keys: Vec<&str> = got.iter().map(|r| r.partition_key.as_str()).collect();
    assert_eq!(keys, ["a", "42", "true"]);
    let times: Vec<i64> = got.iter().map(|r| r.event_time_ms.unwrap()).collect();
    assert_eq!(
        times,
        [1_795_527_600_000, 1_795_527_601_000, 1_795_527_602_500]
    );

    let delimited = file_with(b"x|2026-11-24T13:40:00Z|k1\ny|2026-11-24T13:40:01Z|k2\n");
    let dcfg = SourceConfig {
        delimiter: Some("|".into()),
        partition_key_field: Some("3".into()),
        time_field: "2".into(),
        need_event_time: true,
        ..config()
    };
    let got = read_all(&delimited, &dcfg).unwrap();
    assert_eq!(got[1].partition_key, "k2");
    assert_eq!(got[1].event_time_ms, Some(1_795_527_601_000));
    let by_name = SourceConfig {
        partition_key_field: Some("name".into()),
        ..dcfg.clone()
    };
    let err = read_all(&delimited, &by_name).err().unwrap().to_string();
    assert!(
        err.contains("\"name\"") && err.contains("column number"),
        "{err}"
    );

    // A long key is cut at 256 characters.
    let long = file_with(format!("{{\"id\":\"{}\"}}\n", "é".repeat(300)).as_bytes());
    let got = read_all(
        &long,
        &SourceConfig {
            partition_key_field: Some("id".into()),
            ..config()
        },
    )
    .unwrap();
    assert_eq!(got[0].partition_key.chars().count(), 256);
}

#[test]
fn bad_lines_name_the_file_and_line() {
    let cases: &[(&[u8], &str)] = &[
        (b"{\"id\":1}\n\n{\"id\":\n", "line 3 is not JSON"),
        (
            b"{\"id\":1}\n[1,2]\n",
            "line 2 is an array, not a JSON object",
        ),
        (
            b"{\"id\":1}\n{\"other\":1}\n",
            "line 2 field \"id\" is missing",
        ),
        (b"{\"id\":null}\n", "line 1 field \"id\" is null"),
        (
            b"{\"id\":\"\"}\n",
            "line 1 has an empty partition key field",
        ),
    ];
    for (contents, needle) in cases {
        let f = file_with(contents);
        let err = read_all(
            &f,
            &SourceConfig {
                partition_key_field: Some("id".into()),
                ..config()
            },
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains(needle), "{err}");
        assert!(err.contains(&f.path().display().to_string()), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let f = file_with(b"{\"EVENT_TIME\":\"yesterday\"}\n");
    let err = read_all(
        &f,
        &SourceConfig {
            need_event_time: true,
            ..config()
        },
    )
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("line 1 time \"yesterday\""), "{err}");
    let missing = open(
        &GeneratorSpec::File("/nonexistent/x.jsonl".into()),
        &config(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        missing.starts_with("cannot open /nonexistent/x.jsonl"),
        "{missing}"
    );
}

#[test]
fn generator_spec_values() {
    assert_eq!(
        "stock".parse::<GeneratorSpec>().unwrap(),
        GeneratorSpec::Stock
    );
    assert_eq!(
        "taxi".parse::<GeneratorSpec>().unwrap(),
        GeneratorSpec::Taxi
    );
    assert_eq!(
        "file:a b.jsonl".parse::<GeneratorSpec>().unwrap(),
        GeneratorSpec::File("a b.jsonl".into())
    );
    for bad in ["", "Stock", "file:", "files:x", "kpl"] {
        let err = bad.parse::<GeneratorSpec>().unwrap_err().to_string();
        assert!(
            err.contains("stock, taxi or file:PATH") || err.contains("no path"),
            "{err}"
        );
    }
}

#[test]
fn rate_and_duration_values() {
    assert_eq!(parse_rate("max").unwrap(), Rate::Max);
    assert_eq!(parse_rate("250/s").unwrap(), Rate::PerSecond(250.0));
    assert_eq!(parse_rate("0.5").unwrap(), Rate::PerSecond(0.5));
    for bad in ["0", "-1", "NaN", "inf", "1e10", "", "fast"] {
        assert!(parse_rate(bad).is_err(), "{bad}");
    }
    assert_eq!(parse_duration("90").unwrap().as_secs(), 90);
    assert_eq!(parse_duration("500ms").unwrap().as_millis(), 500);
    assert_eq!(parse_duration("5m").unwrap().as_secs(), 300);
    assert_eq!(parse_duration("2h").unwrap().as_secs(), 7_200);
    for bad in ["0s", "-5s", "5 parsecs", "", "s", "400d", "1e9h"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn text_parsers_never_panic(s in "\\PC{0,40}") {
        let _ = parse_event_time(&s);
        let _ = s.parse::<GeneratorSpec>();
        let _ = parse_rate(&s);
        let _ = parse_duration(&s);
    }

    #[test]
    fn near_valid_times_never_panic(
        y in 0u32..10_000, mo in 0u32..14, d in 0u32..33, h in 0u32..26, mi in 0u32..62,
        sec in 0u32..62, frac in "[0-9]{0,12}", off in "(Z|[+-][0-9]{2}:[0-9]{2}|)",
    ) {
        let s = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}.{frac}{off}");
        if let Some(ms) = parse_event_time(&s) {
            // Whatever parses lands within a day of the calendar date it names.
            prop_assert!(ms > -62_200_000_000_000 && ms < 253_500_000_000_000);
        }
    }

    #[test]
    fn files_of_any_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        delimited in any::<bool>(),
        key in any::<bool>(),
        time in any::<bool>(),
    ) {
        let f = file_with(&bytes);
        let cfg = SourceConfig {
            delimiter: delimited.then(|| ",".to_owned()),
            partition_key_field: key.then(|| if delimited { "2".to_owned() } else { "k".to_owned() }),
            time_field: if delimited { "1".into() } else { "t".into() },
            need_event_time: time,
            ..config()
        };
        let _ = read_all(&f, &cfg);
    }
}
