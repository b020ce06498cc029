//! Times on the command line and on screen: `--since 10m` or an RFC 3339 time
//! ([`parse_since`]), RFC 3339 times ([`parse_rfc3339`], also used by `tail --from at:` and
//! `--until`) and the time printed in front of each event ([`format_ms`]). Pure functions, all
//! in milliseconds since the Unix epoch, UTC.

/// Parses `--since`: a duration back from `now_ms` (`90s`, `10m`, `2h`, `1d`, `1w`, or several
/// parts such as `1h30m`) or an RFC 3339 time (`2026-12-05T01:00:00Z`,
/// `2026-12-05T02:00:00.5+01:00`). A time after `now_ms` is refused.
///
/// # Errors
/// One line naming the value and what is allowed.
pub fn parse_since(text: &str, now_ms: i64) -> Result<i64, String> {
    let bad = || {
        format!(
            "--since `{text}` is invalid: use a duration back from now (e.g. 90s, 10m, 2h, 1d, 1h30m) or an RFC 3339 time (e.g. 2026-12-05T01:00:00Z)"
        )
    };
    let t = text.trim();
    if t.contains('T') || t.contains('t') {
        let at = parse_rfc3339(t).map_err(|_| bad())?;
        if at > now_ms {
            return Err(format!(
                "--since `{text}` is in the future: use a past time or a duration (e.g. 10m)"
            ));
        }
        return Ok(at);
    }
    let secs = parse_duration_secs(t).ok_or_else(bad)?;
    secs.checked_mul(1000)
        .and_then(|ms| now_ms.checked_sub(ms))
        .filter(|at| *at >= 0)
        .ok_or_else(bad)
}

/// Parses a duration such as `90s`, `10m`, `2h`, `1d`, `1w` or `1h30m` into seconds; `None` for
/// zero, a missing unit or anything else.
pub fn parse_duration_secs(text: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        let n: i64 = digits.parse().ok()?;
        digits.clear();
        total = n.checked_mul(unit).and_then(|s| total.checked_add(s))?;
    }
    (digits.is_empty() && total > 0).then_some(total)
}

/// Parses an RFC 3339 time: `YYYY-MM-DDTHH:MM:SS`, optional fraction (milliseconds kept), then
/// `Z` or an offset `+HH:MM` / `-HH:MM`.
///
/// # Errors
/// A short reason (the callers name the value).
pub fn parse_rfc3339(text: &str) -> Result<i64, String> {
    let b = text.trim().as_bytes();
    let num = |from: usize, len: usize| -> Result<i64, String> {
        let s = b.get(from..from + len).ok_or("too short")?;
        if !s.iter().all(u8::is_ascii_digit) {
            return Err("not a number".into());
        }
        Ok(s.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let sep = |at: usize, chars: &[u8]| -> Result<(), String> {
        match b.get(at) {
            Some(c) if chars.contains(c) => Ok(()),
            _ => Err("bad separator".into()),
        }
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    sep(4, b"-")?;
    sep(7, b"-")?;
    sep(10, b"Tt ")?;
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    sep(13, b":")?;
    sep(16, b":")?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err("out of range".into());
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                millis = millis * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return Err("empty fraction".into());
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let offset_s = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() => {
            sep(i + 3, b":")?;
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return Err("bad offset".into());
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return Err("needs Z or an offset such as +01:00".into()),
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_s;
    Ok(secs * 1000 + millis)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC) of a time in milliseconds since the Unix epoch.
pub fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_432_400_000; // 2026-12-05T01:00:00Z

    #[test]
    fn durations_count_back_from_now() {
        assert_eq!(format_ms(NOW), "2026-12-05T01:00:00.000Z");
        assert_eq!(parse_since("10m", NOW), Ok(NOW - 600_000));
        assert_eq!(parse_since("2h", NOW), Ok(NOW - 7_200_000));
        assert_eq!(parse_since("1d", NOW), Ok(NOW - 86_400_000));
        assert_eq!(parse_since("1h30m", NOW), Ok(NOW - 5_400_000));
        assert_eq!(parse_since(" 90s ", NOW), Ok(NOW - 90_000));
    }

    #[test]
    fn rfc3339_times_with_zone_and_fraction() {
        assert_eq!(parse_since("2026-12-05T00:50:00Z", NOW), Ok(NOW - 600_000));
        assert_eq!(parse_rfc3339("2026-12-05T02:00:00+01:00"), Ok(NOW));
        assert_eq!(parse_rfc3339("2026-12-04T19:30:00-05:30"), Ok(NOW));
        assert_eq!(parse_rfc3339("2026-12-05T01:00:00.5Z"), Ok(NOW + 500));
        assert_eq!(parse_rfc3339("2026-12-05T01:00:00.123456Z"), Ok(NOW + 123));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Ok(1_709_164_800_000));
        assert_eq!(format_ms(1_709_164_800_123), "2024-02-29T00:00:00.123Z");
        for t in [0, 1, 951_782_400_000, NOW, 4_102_444_800_000] {
            assert_eq!(parse_rfc3339(&format_ms(t)), Ok(t), "round trip of {t}");
        }
    }

    #[test]
    fn bad_values_are_named_with_what_is_allowed() {
        for bad in [
            "",
            "10",
            "10x",
            "0m",
            "m",
            "-5m",
            "yesterday",
            "2026-12-05",
            "2026-12-05T01:00:00",
            "2026-02-30T00:00:00Z",
            "2026-12-05T25:00:00Z",
            "2026-12-05T01:00:00.Z",
            "2026-12-05T01:00:00+1:00",
            "99999999999999999999m",
        ] {
            let e = parse_since(bad, NOW).unwrap_err();
            assert!(e.starts_with(&format!("--since `{bad}`")), "{bad}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
        let e = parse_since("2026-12-05T01:00:01Z", NOW).unwrap_err();
        assert!(e.contains("in the future"), "{e}");
        assert!(parse_since("100000w", NOW).is_err(), "before the epoch");
    }
}
