//! Event-time parsing (for `--speedup`) and ISO-8601 formatting.

use std::fmt::Write as _;

/// Formats milliseconds since the Unix epoch as ISO-8601 UTC (`YYYY-MM-DDTHH:MM:SS.mmmZ`).
#[must_use]
pub fn iso8601_utc(unix_millis: u64) -> String {
    let mut s = String::with_capacity(24);
    write_iso8601_utc(&mut s, unix_millis);
    s
}

/// Appends [`iso8601_utc`] of `unix_millis` to `out` (no allocation beyond `out`'s growth).
pub fn write_iso8601_utc(out: &mut String, unix_millis: u64) {
    let secs = unix_millis / 1000;
    let millis = unix_millis % 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    );
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Parses an event time to Unix milliseconds: RFC 3339 / ISO-8601 (`2026-11-24T13:40:00Z`, an
/// optional fraction of 1 to 9 digits, `Z` or `+HH:MM`/`-HH:MM`, `T` or a space between date and
/// time, no offset meaning UTC), or a number: seconds since the epoch below 1e11, milliseconds
/// from there (an integer or decimal, as JSON number text or a digit string).
/// `None` when it is neither. Never panics.
#[must_use]
pub fn parse_event_time(s: &str) -> Option<i64> {
    let s = s.trim().trim_matches('"');
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let v: f64 = s.parse().ok()?;
        if !v.is_finite() || v > 1e15 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        let ms = if v < 1e11 { v * 1000.0 } else { v };
        #[allow(clippy::cast_possible_truncation)]
        return Some(ms.round() as i64);
    }
    parse_rfc3339(s.as_bytes())
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = b.get(at..at + n)?;
    let mut v: u32 = 0;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

fn parse_rfc3339(b: &[u8]) -> Option<i64> {
    let year = i64::from(digits(b, 0, 4)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let n = i - start;
        if n == 0 || n > 9 {
            return None;
        }
        for (k, &c) in b[start..i].iter().take(3).enumerate() {
            millis += i64::from(c - b'0') * [100, 10, 1][k];
        }
    }
    let offset_secs: i64 = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b.get(i + 3) == Some(&b':') => {
            let h = i64::from(digits(b, i + 1, 2)?);
            let m = i64::from(digits(b, i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let v = h * 3600 + m * 60;
            if sign == b'+' {
                v
            } else {
                -v
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days
        .checked_mul(86_400)?
        .checked_add(i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))?
        .checked_sub(offset_secs)?;
    secs.checked_mul(1000)?.checked_add(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_utc(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601_utc(1_700_000_000_000), "2023-11-14T22:13:20.000Z");
    }

    #[test]
    fn parses_what_it_formats_and_common_forms() {
        for ms in [0u64, 951_782_400_123, 1_700_000_000_000, 4_102_444_799_999] {
            assert_eq!(parse_event_time(&iso8601_utc(ms)), Some(ms as i64));
        }
        assert_eq!(
            parse_event_time("2026-11-24T13:40:00Z"),
            Some(1_795_527_600_000)
        );
        assert_eq!(
            parse_event_time("2026-11-24 13:40:00"),
            Some(1_795_527_600_000)
        );
        assert_eq!(
            parse_event_time("2026-11-24T14:40:00.5+01:00"),
            Some(1_795_527_600_500)
        );
        assert_eq!(
            parse_event_time("2026-11-24T08:40:00.123456789-05:00"),
            Some(1_795_527_600_123)
        );
        assert!(parse_event_time("2024-02-29T00:00:00Z").is_some());
        assert_eq!(parse_event_time("1795527600"), Some(1_795_527_600_000));
        assert_eq!(parse_event_time("1795527600123"), Some(1_795_527_600_123));
        assert_eq!(parse_event_time("1795527600.25"), Some(1_795_527_600_250));
    }

    #[test]
    fn rejects_impossible_dates_and_junk() {
        for bad in [
            "",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T23:60:00Z",
            "2026-11-24T12:00:00.Z",
            "2026-11-24T12:00:00.1234567890Z",
            "2026-11-24T12:00:00+1:00",
            "2026-11-24",
            "yesterday",
            "1e400",
        ] {
            assert_eq!(parse_event_time(bad), None, "{bad}");
        }
    }
}
