//! Parsing and validation of fare requests.
//!
//! Input comes either from the query string parameters of an API Gateway
//! REST proxy event, or from a JSON object in its body (when a non-empty body
//! is present it is used instead of the query string). Every rejection names
//! the field and what is allowed, so the caller gets a useful 400.

use base64::Engine as _;
use serde_json::{Map, Value};
use thiserror::Error;

/// Maximum length of the `id` field, in characters.
pub const MAX_ID_CHARS: usize = 64;
/// Smallest accepted passenger count.
pub const MIN_PASSENGERS: u8 = 1;
/// Largest accepted passenger count.
pub const MAX_PASSENGERS: u8 = 9;

/// A validated fare request.
#[derive(Debug, Clone, PartialEq)]
pub struct FareRequest {
    /// Caller's ride identifier, echoed back (1..=64 characters, no control characters).
    pub id: String,
    /// Pickup latitude, decimal degrees in [-90, 90].
    pub pickup_lat: f64,
    /// Pickup longitude, decimal degrees in [-180, 180].
    pub pickup_lon: f64,
    /// Drop-off latitude, decimal degrees in [-90, 90].
    pub dropoff_lat: f64,
    /// Drop-off longitude, decimal degrees in [-180, 180].
    pub dropoff_lon: f64,
    /// Number of passengers, 1..=9.
    pub passengers: u8,
    /// Pickup time, converted to UTC.
    pub pickup_time: UtcTime,
}

/// A point in time in UTC, as far as the tariff needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// Calendar year.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of month, 1..=31.
    pub day: u8,
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Day of the week, 0 = Monday .. 6 = Sunday.
    pub weekday: u8,
}

/// Why a request was rejected: the field and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// Name of the offending field (as in the query string / JSON body), or
    /// `body` / `httpMethod` / `event` for problems with the request itself.
    pub field: &'static str,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Where the raw field values come from.
enum Source<'a> {
    /// Query string parameters: every value is a string.
    Query(&'a Map<String, Value>),
    /// JSON body: values may be strings or numbers.
    Body(Map<String, Value>),
}

impl Source<'_> {
    fn get(&self, field: &str) -> Option<&Value> {
        match self {
            Source::Query(map) => map.get(field),
            Source::Body(map) => map.get(field),
        }
        .filter(|v| !v.is_null())
    }
}

impl FareRequest {
    /// Extracts and validates a request from an API Gateway REST proxy event.
    ///
    /// Only `httpMethod`, `queryStringParameters`, `body` and
    /// `isBase64Encoded` are read, so a minimal event (as sent by a test or a
    /// direct invoke) works as well as a full one.
    pub fn from_proxy_event(event: &Value) -> Result<Self, FieldError> {
        let event = event.as_object().ok_or_else(|| {
            FieldError::new(
                "event",
                "expected an API Gateway proxy event (a JSON object)",
            )
        })?;
        if let Some(method) = event.get("httpMethod").and_then(Value::as_str) {
            if !method.eq_ignore_ascii_case("GET") && !method.eq_ignore_ascii_case("POST") {
                return Err(FieldError::new(
                    "httpMethod",
                    format!("method {method} is not allowed; use GET (query string) or POST (JSON body)"),
                ));
            }
        }
        let body = match event.get("body") {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                let base64 = event
                    .get("isBase64Encoded")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                Some(decode_body(s, base64)?)
            }
            _ => None,
        };
        match body {
            Some(map) => Self::from_source(&Source::Body(map)),
            None => {
                let empty = Map::new();
                let query = match event.get("queryStringParameters") {
                    Some(Value::Object(map)) => map,
                    _ => &empty,
                };
                Self::from_source(&Source::Query(query))
            }
        }
    }

    /// Validates a JSON object of fields (the POST body form).
    pub fn from_json_fields(fields: Map<String, Value>) -> Result<Self, FieldError> {
        Self::from_source(&Source::Body(fields))
    }

    /// Validates query-string style fields (all values strings).
    pub fn from_query<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FieldError> {
        let map: Map<String, Value> = params
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
            .collect();
        Self::from_source(&Source::Query(&map))
    }

    fn from_source(src: &Source<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            id: parse_id(src.get("id"))?,
            pickup_lat: parse_coord(src.get("pickup_lat"), "pickup_lat", 90.0)?,
            pickup_lon: parse_coord(src.get("pickup_lon"), "pickup_lon", 180.0)?,
            dropoff_lat: parse_coord(src.get("dropoff_lat"), "dropoff_lat", 90.0)?,
            dropoff_lon: parse_coord(src.get("dropoff_lon"), "dropoff_lon", 180.0)?,
            passengers: parse_passengers(src.get("passengers"))?,
            pickup_time: parse_time_field(src.get("pickup_time"))?,
        })
    }
}

fn decode_body(body: &str, base64: bool) -> Result<Map<String, Value>, FieldError> {
    let bytes = if base64 {
        base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|_| {
                FieldError::new(
                    "body",
                    "isBase64Encoded is true but the body is not valid base64",
                )
            })?
    } else {
        body.as_bytes().to_vec()
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(FieldError::new(
            "body",
            "expected a JSON object with the request fields",
        )),
        Err(e) => Err(FieldError::new("body", format!("not valid JSON: {e}"))),
    }
}

fn missing(field: &'static str, allowed: &str) -> FieldError {
    FieldError::new(field, format!("missing; required: {allowed}"))
}

fn parse_id(v: Option<&Value>) -> Result<String, FieldError> {
    const ALLOWED: &str = "a string of 1 to 64 characters without control characters";
    let id = match v {
        None => return Err(missing("id", ALLOWED)),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => n.to_string(),
        Some(_) => {
            return Err(FieldError::new(
                "id",
                format!("wrong type; expected {ALLOWED}"),
            ))
        }
    };
    let chars = id.chars().count();
    if chars == 0 || chars > MAX_ID_CHARS || id.chars().any(char::is_control) {
        return Err(FieldError::new(
            "id",
            format!("invalid ({chars} characters); expected {ALLOWED}"),
        ));
    }
    Ok(id)
}

fn parse_coord(v: Option<&Value>, field: &'static str, limit: f64) -> Result<f64, FieldError> {
    let allowed = format!("decimal degrees between -{limit} and {limit}");
    let value = match v {
        None => return Err(missing(field, &allowed)),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => parse_decimal(s),
        Some(_) => None,
    };
    match value {
        Some(x) if x.is_finite() && (-limit..=limit).contains(&x) => Ok(x),
        Some(x) if x.is_finite() => Err(FieldError::new(
            field,
            format!("{x} is out of range; expected {allowed}"),
        )),
        _ => Err(FieldError::new(
            field,
            format!("not a number; expected {allowed}"),
        )),
    }
}

/// Parses a plain decimal number (`-73.98`, `40`; `1.5e1` is rejected):
/// optional sign, digits, optional fraction. Rejects `inf`, `NaN`, hex,
/// exponents and surrounding garbage, which `f64::from_str` would partly accept.
fn parse_decimal(s: &str) -> Option<f64> {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let mut parts = digits.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let ok = all_digits(int)
        && frac.is_none_or(all_digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    if ok {
        t.parse().ok()
    } else {
        None
    }
}

fn parse_passengers(v: Option<&Value>) -> Result<u8, FieldError> {
    let allowed = format!("an integer from {MIN_PASSENGERS} to {MAX_PASSENGERS}");
    let value: Option<i64> = match v {
        None => return Err(missing("passengers", &allowed)),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => {
            let t = s.trim();
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            if !digits.is_empty()
                && digits.len() <= 18
                && digits.bytes().all(|b| b.is_ascii_digit())
            {
                t.parse().ok()
            } else {
                None
            }
        }
        Some(_) => None,
    };
    match value {
        Some(n) if (i64::from(MIN_PASSENGERS)..=i64::from(MAX_PASSENGERS)).contains(&n) => {
            u8::try_from(n).map_err(|_| FieldError::new("passengers", allowed))
        }
        Some(n) => Err(FieldError::new(
            "passengers",
            format!("{n} is out of range; expected {allowed}"),
        )),
        None => Err(FieldError::new(
            "passengers",
            format!("not an integer; expected {allowed}"),
        )),
    }
}

const TIME_ALLOWED: &str =
    "an RFC 3339 timestamp such as 2026-11-24T08:30:00Z (offsets like +01:00 are converted to UTC)";

fn parse_time_field(v: Option<&Value>) -> Result<UtcTime, FieldError> {
    match v {
        None => Err(missing("pickup_time", TIME_ALLOWED)),
        Some(Value::String(s)) => parse_rfc3339(s.trim()).ok_or_else(|| {
            FieldError::new(
                "pickup_time",
                format!("not a valid timestamp; expected {TIME_ALLOWED}"),
            )
        }),
        Some(_) => Err(FieldError::new(
            "pickup_time",
            format!("wrong type; expected {TIME_ALLOWED}"),
        )),
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` and converts it to UTC.
/// `t`/`z` in lower case and a space separator are accepted, as RFC 3339 allows.
pub fn parse_rfc3339(s: &str) -> Option<UtcTime> {
    let b = s.as_bytes();
    if b.len() < 20 || !s.is_ascii() {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let sep = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let year = num(0..4)?;
    let month = num(5..7)?;
    let day = num(8..10)?;
    let hour = num(11..13)?;
    let minute = num(14..16)?;
    let second = num(17..19)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset_min: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let oh = i64::from(h1 - b'0') * 10 + i64::from(h2 - b'0');
            let om = i64::from(m1 - b'0') * 10 + i64::from(m2 - b'0');
            if oh > 23 || om > 59 {
                return None;
            }
            let total = oh * 60 + om;
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    // Local time minus offset = UTC, in minutes since 1970-01-01.
    let minutes = days_from_civil(year, month, day) * 1440 + hour * 60 + minute - offset_min;
    let days = minutes.div_euclid(1440);
    let min_of_day = minutes.rem_euclid(1440);
    let (y, m, d) = civil_from_days(days);
    Some(UtcTime {
        year: i32::try_from(y).ok()?,
        month: u8::try_from(m).ok()?,
        day: u8::try_from(d).ok()?,
        hour: u8::try_from(min_of_day / 60).ok()?,
        minute: u8::try_from(min_of_day % 60).ok()?,
        // 1970-01-01 was a Thursday (3 with Monday = 0).
        weekday: u8::try_from((days + 3).rem_euclid(7)).ok()?,
    })
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
