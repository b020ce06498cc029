//! Unit tests of the fare endpoint logic, without the Lambda runtime.

use aws_lambda_events::encodings::Body;
use fare_endpoint_function::{fare, handle, request};
use proptest::prelude::*;
use serde_json::{json, Value};

const VALID: [(&str, &str); 7] = [
    ("id", "ride-42"),
    ("pickup_lat", "40.6413"),
    ("pickup_lon", "-73.7781"),
    ("dropoff_lat", "40.7580"),
    ("dropoff_lon", "-73.9855"),
    ("passengers", "2"),
    ("pickup_time", "2026-11-24T17:30:00Z"),
];

fn event_with(overrides: &[(&str, Option<&str>)]) -> Value {
    let mut q = serde_json::Map::new();
    for (k, v) in VALID {
        q.insert(k.into(), json!(v));
    }
    for (k, v) in overrides {
        match v {
            Some(v) => q.insert((*k).into(), json!(v)),
            None => q.remove(*k),
        };
    }
    json!({"resource": "/predictFare", "path": "/predictFare", "httpMethod": "GET",
           "queryStringParameters": q, "body": null, "isBase64Encoded": false})
}

fn body_json(resp: &aws_lambda_events::apigw::ApiGatewayProxyResponse) -> Value {
    match &resp.body {
        Some(Body::Text(t)) => serde_json::from_str(t).expect("JSON body"),
        other => panic!("unexpected body {other:?}"),
    }
}

#[test]
fn valid_get_request_gives_deterministic_fare() {
    let resp = handle(&event_with(&[]));
    assert_eq!(resp.status_code, 200);
    assert_eq!(
        resp.headers.get("content-type").map(|v| v.to_str().ok()),
        Some(Some("application/json"))
    );
    // JFK -> Times Square, Tuesday 17:30 UTC: 21.773 km at 18 km/h, surge 1.25.
    assert_eq!(
        body_json(&resp),
        json!({"id": "ride-42", "fare": 96.74, "currency": "USD",
               "distance_km": 21.773, "duration_min": 72.6, "surge": 1.25})
    );
}

#[test]
fn time_of_day_factors() {
    let fare_at = |t: &str| body_json(&handle(&event_with(&[("pickup_time", Some(t))])));
    let morning = fare_at("2026-11-24T08:00:00Z");
    assert_eq!(
        (morning["fare"].clone(), morning["surge"].clone()),
        (json!(73.76), json!(1.0))
    );
    let night = fare_at("2026-11-24T22:00:00Z");
    assert_eq!(
        (night["fare"].clone(), night["surge"].clone()),
        (json!(67.67), json!(1.1))
    );
    // Saturday evening: no weekday rush surcharge, but rush-hour speed.
    let saturday = fare_at("2026-11-28T17:30:00Z");
    assert_eq!(
        (saturday["fare"].clone(), saturday["surge"].clone()),
        (json!(77.39), json!(1.0))
    );
    // An offset is converted to UTC: 12:30-05:00 is 17:30Z.
    assert_eq!(
        fare_at("2026-11-24T12:30:00.250-05:00")["fare"],
        json!(96.74)
    );
}

#[test]
fn json_body_is_accepted_with_numbers() {
    let body = json!({"id": "flink-1", "pickup_lat": 40.6413, "pickup_lon": -73.7781,
                      "dropoff_lat": 40.7580, "dropoff_lon": -73.9855, "passengers": 2,
                      "pickup_time": "2026-11-24T17:30:00Z"});
    let ev = json!({"httpMethod": "POST", "body": body.to_string(), "isBase64Encoded": false});
    let resp = handle(&ev);
    assert_eq!(resp.status_code, 200);
    assert_eq!(body_json(&resp)["fare"], json!(96.74));
    // Base64-encoded body.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(body.to_string());
    let ev = json!({"httpMethod": "POST", "body": b64, "isBase64Encoded": true});
    assert_eq!(body_json(&handle(&ev))["id"], json!("flink-1"));
}

#[test]
fn each_malformed_field_is_a_400_naming_it() {
    let cases: &[(&str, Option<&str>)] = &[
        ("id", None),
        ("id", Some("")),
        ("id", Some(&"x".repeat(65))),
        ("id", Some("bad\nid")),
        ("pickup_lat", None),
        ("pickup_lat", Some("91")),
        ("pickup_lat", Some("north")),
        ("pickup_lat", Some("NaN")),
        ("pickup_lon", Some("-180.5")),
        ("pickup_lon", Some("inf")),
        ("dropoff_lat", Some("-90.0001")),
        ("dropoff_lat", Some("1e2")),
        ("dropoff_lon", Some("181")),
        ("dropoff_lon", Some("")),
        ("passengers", None),
        ("passengers", Some("0")),
        ("passengers", Some("10")),
        ("passengers", Some("2.5")),
        ("passengers", Some("99999999999999999999999")),
        ("pickup_time", None),
        ("pickup_time", Some("yesterday")),
        ("pickup_time", Some("2026-02-29T10:00:00Z")),
        ("pickup_time", Some("2026-11-24T24:00:00Z")),
        ("pickup_time", Some("2026-11-24T10:00:00")),
        ("pickup_time", Some("2026-11-24T10:00:00+25:00")),
    ];
    for (field, value) in cases {
        let resp = handle(&event_with(&[(field, *value)]));
        assert_eq!(resp.status_code, 400, "{field}={value:?}");
        let body = body_json(&resp);
        assert_eq!(body["field"], json!(field), "{field}={value:?}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(field)),
            "{body}"
        );
    }
}

#[test]
fn malformed_requests_are_400_not_500() {
    for (ev, field) in [
        (json!("not an object"), "event"),
        (json!({"httpMethod": "DELETE"}), "httpMethod"),
        (json!({"httpMethod": "POST", "body": "{not json"}), "body"),
        (json!({"httpMethod": "POST", "body": "[1,2]"}), "body"),
        (
            json!({"httpMethod": "POST", "body": "%%%", "isBase64Encoded": true}),
            "body",
        ),
        (json!({"httpMethod": "POST", "body": "{\"id\": {}}"}), "id"),
        (
            json!({"httpMethod": "GET", "queryStringParameters": null}),
            "id",
        ),
        (json!({}), "id"),
    ] {
        let resp = handle(&ev);
        assert_eq!(resp.status_code, 400, "{ev}");
        assert_eq!(body_json(&resp)["field"], json!(field), "{ev}");
    }
}

#[test]
fn rfc3339_parser_converts_to_utc() {
    let t = request::parse_rfc3339("2024-03-01T00:30:00+01:00").expect("valid");
    assert_eq!(
        (t.year, t.month, t.day, t.hour, t.minute),
        (2024, 2, 29, 23, 30)
    );
    assert_eq!(t.weekday, 3); // Thursday
    let t = request::parse_rfc3339("1999-12-31t23:59:60.999z").expect("valid");
    assert_eq!((t.year, t.hour, t.weekday), (1999, 23, 4));
    assert!(request::parse_rfc3339("2024-03-01T00:30:00+01").is_none());
    assert!(request::parse_rfc3339("2024-03-01T00:30:00.Z").is_none());
}

#[test]
fn haversine_known_distance() {
    // One degree of latitude is about 111.2 km.
    let d = fare::haversine_km(0.0, 0.0, 1.0, 0.0);
    assert!((d - 111.195).abs() < 0.01, "{d}");
    assert_eq!(fare::haversine_km(10.0, 20.0, 10.0, 20.0), 0.0);
}

proptest! {
    #[test]
    fn arbitrary_query_strings_never_panic(values in proptest::collection::vec(".{0,80}", 7)) {
        let params: Vec<(&str, &str)> = VALID.iter().map(|(k, _)| *k).zip(values.iter().map(String::as_str)).collect();
        let _ = request::FareRequest::from_query(params);
    }

    #[test]
    fn arbitrary_single_field_gives_200_or_400(idx in 0usize..7, value in "\\PC{0,40}|[-+0-9.:TZ]{0,30}") {
        let field = VALID[idx].0;
        let resp = handle(&event_with(&[(field, Some(&value))]));
        prop_assert!(resp.status_code == 200 || resp.status_code == 400);
        if resp.status_code == 400 {
            prop_assert_eq!(body_json(&resp)["field"].clone(), json!(field));
        }
    }

    #[test]
    fn arbitrary_bodies_never_panic(body in ".{0,200}", b64 in any::<bool>()) {
        let resp = handle(&json!({"httpMethod": "POST", "body": body, "isBase64Encoded": b64}));
        prop_assert!(resp.status_code == 200 || resp.status_code == 400);
    }

    #[test]
    fn arbitrary_timestamps_never_panic(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?([Zz]|[+-][0-9]{2}:[0-9]{2})") {
        if let Some(t) = request::parse_rfc3339(&s) {
            prop_assert!(t.hour < 24 && t.minute < 60 && t.weekday < 7 && (1..=12).contains(&t.month));
        }
    }

    #[test]
    fn valid_coordinates_give_finite_fares(a in -90.0f64..=90.0, b in -180.0f64..=180.0, c in -90.0f64..=90.0, d in -180.0f64..=180.0, h in 0u8..24) {
        let t = format!("2026-11-24T{h:02}:00:00Z");
        let (a, b, c, d) = (a.to_string(), b.to_string(), c.to_string(), d.to_string());
        let resp = handle(&event_with(&[("pickup_lat", Some(&a)), ("pickup_lon", Some(&b)),
            ("dropoff_lat", Some(&c)), ("dropoff_lon", Some(&d)), ("pickup_time", Some(&t))]));
        prop_assert_eq!(resp.status_code, 200);
        let fare = body_json(&resp)["fare"].as_f64().unwrap_or(f64::NAN);
        prop_assert!(fare.is_finite() && fare >= 3.0);
    }
}
