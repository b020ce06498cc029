//! The pure computations behind `status --watch`: the time window one refresh reads, rates,
//! totals, latest values and sparklines from CloudWatch data points, and `--since` durations.
//!
//! Every rate metric is read as a `Sum` over [`PERIOD_S`]-second buckets (CloudWatch's standard
//! resolution), so a bucket's value divided by [`PERIOD_S`] is its per-second rate.

/// Seconds per CloudWatch bucket.
pub const PERIOD_S: i64 = 60;

/// Points in a sparkline (the last 30 minutes at [`PERIOD_S`]).
pub const SPARK_POINTS: usize = 30;

/// One data point: (bucket start, seconds since the Unix epoch; value).
pub type Point = (i64, f64);

/// The window one refresh reads: `[start, end)`, both on bucket boundaries. `end` is `now`
/// rounded down (the current, incomplete minute is left out); `start` is `since` rounded down, or
/// [`SPARK_POINTS`] buckets before `end` when that is earlier, so the sparkline is always full.
pub fn window(now: i64, since: i64) -> (i64, i64) {
    let end = now.div_euclid(PERIOD_S) * PERIOD_S;
    let since = since.div_euclid(PERIOD_S) * PERIOD_S;
    let spark_start = end - PERIOD_S * SPARK_POINTS as i64;
    (since.min(spark_start), end)
}

/// The per-second rate of the newest bucket that has a point (its `Sum` / [`PERIOD_S`]); `None`
/// when there is no point at all (no data yet).
pub fn latest_rate(points: &[Point]) -> Option<f64> {
    latest(points).map(|v| v / PERIOD_S as f64)
}

/// The value of the newest point; `None` when there is none.
pub fn latest(points: &[Point]) -> Option<f64> {
    points.iter().max_by_key(|(t, _)| *t).map(|(_, v)| *v)
}

/// The sum of the points whose bucket starts at or after `since` (rounded down to a bucket);
/// `None` when there is no such point (no data yet, not zero).
pub fn total_since(points: &[Point], since: i64) -> Option<f64> {
    let since = since.div_euclid(PERIOD_S) * PERIOD_S;
    let mut inside = points.iter().filter(|(t, _)| *t >= since).peekable();
    inside.peek()?;
    Some(inside.map(|(_, v)| v).sum())
}

/// The sum of the newest point of each series that has one; `None` when none has a point.
pub fn sum_latest(series: &[&[Point]]) -> Option<f64> {
    let values: Vec<f64> = series.iter().filter_map(|p| latest(p)).collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

/// The per-second rates of the [`SPARK_POINTS`] buckets before `end`, oldest first; `None` for a
/// bucket without a point.
pub fn spark_series(points: &[Point], end: i64) -> Vec<Option<f64>> {
    (0..SPARK_POINTS as i64)
        .map(|i| {
            let t = end - PERIOD_S * (SPARK_POINTS as i64 - i);
            points
                .iter()
                .find(|(pt, _)| *pt == t)
                .map(|(_, v)| v / PERIOD_S as f64)
        })
        .collect()
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline: one bar per value scaled to the largest (0 is the lowest bar), a space for a
/// missing point; all spaces when no point exists.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let max = values.iter().flatten().fold(0.0_f64, |m, v| m.max(*v));
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if max <= 0.0 => BARS[0],
            Some(v) => {
                let step = ((v.max(0.0) / max) * (BARS.len() - 1) as f64).round() as usize;
                BARS[step.min(BARS.len() - 1)]
            }
        })
        .collect()
}

/// Parses a `--since` duration into seconds: one or more `<number><unit>` parts with units `s`,
/// `m`, `h`, `d`, `w` (e.g. `90s`, `15m`, `1h30m`, `2d`). Zero, a missing unit or anything
/// else is refused.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let bad = || format!("invalid duration `{text}`: use e.g. 90s, 15m, 1h30m, 2d");
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
    }
    if !digits.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(total)
}

/// A figure for the screen: `no data yet` for `None`, else the value with a unit suffix
/// (`1.5k`, `2.0M`) and `unit`.
pub fn human(value: Option<f64>, unit: &str) -> String {
    let Some(v) = value else {
        return "no data yet".into();
    };
    let (n, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let number = if suffix.is_empty() && n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n:.1}")
    };
    format!("{number}{suffix}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minute boundary (1,800,000,000 is a multiple of 60).
    const END: i64 = 1_800_000_000;

    #[test]
    fn the_window_ends_at_the_last_whole_minute_and_covers_the_sparkline_and_since() {
        assert_eq!(window(END + 59, END - 100), (END - 1800, END));
        assert_eq!(window(END + 1, END - 7200 - 30), (END - 7260, END));
    }

    #[test]
    fn rates_come_from_the_newest_point_and_missing_data_is_not_zero() {
        let points = [(END - 180, 600.0), (END - 60, 1200.0), (END - 120, 60.0)];
        assert_eq!(latest_rate(&points), Some(20.0));
        assert_eq!(latest(&points), Some(1200.0));
        assert_eq!(latest_rate(&[]), None);
        assert_eq!(latest_rate(&[(END - 60, 0.0)]), Some(0.0));
    }

    #[test]
    fn totals_count_only_points_since_and_none_without_one() {
        let points = [(END - 600, 100.0), (END - 300, 30.0), (END - 240, 12.5)];
        assert_eq!(total_since(&points, END - 300), Some(42.5));
        // `since` inside a bucket counts that bucket.
        assert_eq!(total_since(&points, END - 250), Some(42.5));
        assert_eq!(total_since(&points, END - 239), Some(12.5));
        assert_eq!(total_since(&points, END - 301), Some(42.5));
        assert_eq!(total_since(&points, END - 10_000), Some(142.5));
        assert_eq!(total_since(&points, END), None);
        assert_eq!(total_since(&[], 0), None);
    }

    #[test]
    fn throttles_sum_the_newest_point_of_each_series() {
        let read = [(END - 120, 1.0), (END - 60, 2.0)];
        let write = [(END - 60, 5.0)];
        assert_eq!(sum_latest(&[&read, &write, &[]]), Some(7.0));
        assert_eq!(sum_latest(&[&[], &[]]), None);
    }

    #[test]
    fn the_sparkline_has_thirty_points_with_gaps_for_missing_ones() {
        let points = [(END - 60, 600.0), (END - 120, 300.0), (END - 1800, 0.0)];
        let s = spark_series(&points, END);
        assert_eq!(s.len(), 30);
        assert_eq!(s[0], Some(0.0));
        assert_eq!(s[28], Some(5.0));
        assert_eq!(s[29], Some(10.0));
        assert!(s[1..28].iter().all(Option::is_none));
        let line = sparkline(&s);
        assert_eq!(line.chars().count(), 30);
        assert_eq!(line, format!("▁{}▅█", " ".repeat(27)));
        assert_eq!(sparkline(&[None, None]), "  ");
        assert_eq!(sparkline(&[Some(0.0), Some(0.0)]), "▁▁");
        assert_eq!(
            sparkline(&(0..8).map(|i| Some(f64::from(i))).collect::<Vec<_>>()),
            "▁▂▃▄▅▆▇█"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("2d"), Ok(172_800));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        for bad in [
            "",
            "0m",
            "10",
            "m",
            "1x",
            "-5m",
            "1.5h",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn figures_for_the_screen() {
        assert_eq!(human(None, "/s"), "no data yet");
        assert_eq!(human(Some(0.0), "/s"), "0/s");
        assert_eq!(human(Some(10.0), " rec/s"), "10 rec/s");
        assert_eq!(human(Some(2.5), "/s"), "2.5/s");
        assert_eq!(human(Some(1536.0), "B/s"), "1.5kB/s");
        assert_eq!(human(Some(2_000_000.0), ""), "2.0M");
    }
}
