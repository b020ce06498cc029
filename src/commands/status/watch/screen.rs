//! Drawing: the lines of the terminal view (fitted to the terminal, never scrolling) and the
//! screen they are drawn on.

use std::io::Write;

use super::figures::{rfc3339, Figures};
use super::series;
use super::sources::Sources;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// What one screen shows.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Stack name.
    pub stack: &'a str,
    /// Refresh period, seconds.
    pub period: u64,
    /// Now, seconds since the epoch.
    pub now: i64,
    /// Start of the totals.
    pub since: i64,
    /// The watched resources.
    pub sources: &'a Sources,
    /// The figures of the last refresh that read them.
    pub figures: Option<&'a Figures>,
    /// (alarm, state) of the last refresh that read them.
    pub alarms: &'a [(String, String)],
    /// The error of this refresh, if any.
    pub error: Option<&'a str>,
}

/// The lines of the terminal view, at most `height` lines of at most `width` columns (colour
/// codes do not count), so the screen never scrolls.
pub fn screen(frame: &Frame, color: bool, width: usize, height: usize) -> Vec<String> {
    let paint = |code: &str, text: String| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text
        }
    };
    let f = frame.figures;
    let s = frame.sources;
    let mut lines = vec![
        paint(
            BOLD,
            clip(
                &format!(
                    "{} ({})  every {}s  {}",
                    frame.stack,
                    s.pattern(),
                    frame.period,
                    rfc3339(frame.now)
                ),
                width,
            ),
        ),
        format!(
            "stream {}  sink {}",
            s.stream.as_deref().unwrap_or("-"),
            s.consumer
                .as_deref()
                .or(s.delivery.as_deref())
                .or(s.application.as_deref())
                .unwrap_or("-")
        ),
    ];
    if let Some(api) = &s.api {
        lines.push(format!("api    {api}"));
    }
    lines.push(format!("totals since {}", rfc3339(frame.since)));
    lines.push(format!(
        "{:<12}{:<16}{:<32}total",
        "", "rate", "last 30 min"
    ));
    let rows = [
        ("in  records", f.and_then(|f| f.in_rates.0), " rec/s", ""),
        ("in  bytes", f.and_then(|f| f.in_rates.1), " B/s", " B"),
        ("out records", f.and_then(|f| f.out_rates.0), " rec/s", ""),
        ("out bytes", f.and_then(|f| f.out_rates.1), " B/s", " B"),
    ];
    for (i, (label, rate, unit, total_unit)) in rows.into_iter().enumerate() {
        let spark = f.map(|f| f.sparks[i].clone()).unwrap_or_default();
        let total = f.and_then(|f| f.totals[i]);
        lines.push(format!(
            "{label:<12}{:<16}{:<32}{}",
            series::human(rate, unit),
            spark,
            series::human(total, total_unit)
        ));
    }
    lines.push(format!(
        "lag {}   freshness {}",
        series::human(f.and_then(|f| f.lag_ms), " ms"),
        series::human(f.and_then(|f| f.freshness_s), " s"),
    ));
    lines.push(format!(
        "throttles {}   errors {}",
        series::human(f.and_then(|f| f.throttles), ""),
        series::human(f.and_then(|f| f.errors), ""),
    ));
    lines.push("alarms".into());
    if frame.alarms.is_empty() {
        lines.push("  (none reported)".into());
    }
    let room = height.saturating_sub(lines.len() + 1).max(1);
    let shown = if frame.alarms.len() > room {
        room - 1
    } else {
        frame.alarms.len()
    };
    for (name, state) in &frame.alarms[..shown] {
        let code = match state.as_str() {
            "ALARM" => RED,
            "OK" => GREEN,
            _ => YELLOW,
        };
        let name = clip(name, width.saturating_sub(20));
        lines.push(format!("  {} {name}", paint(code, format!("{state:<17}"))));
    }
    if shown < frame.alarms.len() {
        lines.push(format!("  ... {} more", frame.alarms.len() - shown));
    }
    let status = match frame.error {
        Some(e) => paint(RED, clip(&format!("error: {e} (retrying)"), width)),
        None => "ok".to_string(),
    };
    lines.push(status);
    lines
        .into_iter()
        .take(height.max(1))
        .map(|l| {
            if l.contains('\x1b') {
                l
            } else {
                clip(&l, width)
            }
        })
        .collect()
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        text.chars()
            .take(width.saturating_sub(1))
            .chain(['~'])
            .collect()
    }
}

/// Hides the cursor and clears the screen; shows the cursor again when dropped (also on an error
/// or Ctrl-C), leaving the last frame on the screen.
pub(super) struct Screen;

impl Screen {
    pub(super) fn open() -> Screen {
        let mut o = std::io::stdout();
        let _ = write!(o, "\x1b[?25l\x1b[2J");
        let _ = o.flush();
        Screen
    }

    /// Redraws in place from the top left: each line is cleared to its end, the rest of the
    /// screen below, and the last line has no newline, so nothing scrolls.
    pub(super) fn draw(&self, lines: &[String]) {
        let mut o = std::io::stdout();
        let _ = write!(o, "\x1b[H{}\x1b[K\x1b[J", lines.join("\x1b[K\r\n"));
        let _ = o.flush();
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let mut o = std::io::stdout();
        let _ = write!(o, "\r\n\x1b[?25h");
        let _ = o.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_screen_fits_the_terminal_and_says_no_data_yet() {
        let sources = Sources {
            stream: Some("orders-DataStream-1".into()),
            delivery: Some("orders-DeliveryStream-1".into()),
            ..Sources::default()
        };
        let alarms: Vec<(String, String)> = (0..40)
            .map(|i| {
                (
                    format!("orders-Alarm-{i:02}-with-a-long-name-{}", "x".repeat(60)),
                    "OK".into(),
                )
            })
            .collect();
        let frame = Frame {
            stack: "orders",
            period: 10,
            now: 1_800_000_000,
            since: 1_799_996_400,
            sources: &sources,
            figures: None,
            alarms: &alarms,
            error: Some("cannot read metrics: Throttling: Rate exceeded"),
        };
        let lines = screen(&frame, false, 80, 24);
        assert_eq!(lines.len(), 24, "{lines:#?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{lines:#?}");
        assert!(
            lines[4].starts_with("in  records no data yet"),
            "{lines:#?}"
        );
        assert_eq!(lines[8], "lag no data yet   freshness no data yet");
        assert_eq!(lines[9], "throttles no data yet   errors no data yet");
        assert!(lines[22].starts_with("  ... "), "{lines:#?}");
        assert_eq!(
            lines[23],
            "error: cannot read metrics: Throttling: Rate exceeded (retrying)"
        );
    }
}
