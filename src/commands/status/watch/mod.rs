//! `streamstack status STACK --watch`: live figures of a stack from CloudWatch, refreshed in
//! place on a terminal, one JSON object per refresh otherwise.
//!
//! Each refresh sends one `GetMetricData` call with every query of the stack (and one
//! `DescribeAlarms` call per 100 alarms, as `status` does). What is read for each pattern:
//!
//! | figure | pattern 1 (Lambda consumer) | pattern 3 (Firehose) | patterns 2, 4 (Flink) |
//! |---|---|---|---|
//! | in | `AWS/Kinesis` `IncomingRecords`, `IncomingBytes` (`StreamName`) | same | same |
//! | out | `AWS/Kinesis` `GetRecords.Records`, `GetRecords.Bytes`: what the consumer's event source mapping reads (the stream's only reader) | `AWS/Firehose` `DeliveryToS3.Records`, `DeliveryToS3.Bytes` | `AWS/KinesisAnalytics` `numRecordsOut` (`Application`), the minute's `Sum` divided by 4 ([`FLINK_REPORTS_PER_MINUTE`]); Flink publishes no bytes-out metric, so bytes out is always `null` |
//! | lag | `GetRecords.IteratorAgeMilliseconds` (Maximum) | same | same: the Flink source's own GetRecords calls (its per-shard `millisBehindLatest` carries stream and shard dimensions one query by `Application` cannot match) |
//! | throttles | `Read`/`WriteProvisionedThroughputExceeded` + the consumer's `AWS/Lambda` `Throttles` | `Read`/`Write...` | `Read`/`Write...` |
//! | errors | the consumer's `AWS/Lambda` `Errors` | none (`null`) | pattern 4: the fare endpoint's `Errors`; pattern 2: none |
//! | freshness | none | `DeliveryToS3.DataFreshness` (Maximum, seconds) | none |
//!
//! The modules: [`sources`] (which resources are read), [`queries`] (the metric queries, one
//! declarative table, and the `GetMetricData` call), [`series`] (rates, totals, sparklines: pure
//! functions), [`figures`] (one refresh's figures and their JSON), [`screen`] (drawing), and here
//! the refresh loop.

pub mod figures;
pub mod queries;
pub mod screen;
pub mod series;
pub mod sources;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::SdkConfig;

pub use figures::{compute, json, Figures};
pub use queries::{read_metrics, Query, FLINK_REPORTS_PER_MINUTE, QUERIES};
pub use screen::{screen, Frame};
pub use sources::{Sink, Sources};

use screen::Screen;

/// The checked `--watch` options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Seconds between refreshes (at least 1).
    pub period: u64,
    /// `--since` in seconds before the start; `None`: since the stack's creation.
    pub since_secs: Option<i64>,
    /// Stop after this many refreshes.
    pub count: Option<u64>,
    /// One JSON object per refresh instead of the terminal view.
    pub json: bool,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// An interrupt (Ctrl-C) listener, registered at once so the first Ctrl-C is never the default
/// one that would leave the cursor hidden.
struct Interrupt(#[cfg(unix)] tokio::signal::unix::Signal);

impl Interrupt {
    fn new() -> anyhow::Result<Interrupt> {
        #[cfg(unix)]
        {
            let s = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
            Ok(Interrupt(s))
        }
        #[cfg(not(unix))]
        Ok(Interrupt())
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        self.0.recv().await;
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs the watch until `--count` refreshes are done or Ctrl-C. API errors do not end it: they are
/// shown (a status line, or the JSON `error` field) and the next refresh tries again.
pub async fn run(
    config: &SdkConfig,
    stack: &str,
    sources: &Sources,
    created: Option<i64>,
    opts: &Options,
    out: &crate::output::Printer,
) -> anyhow::Result<()> {
    let cw = aws_sdk_cloudwatch::Client::new(config);
    let queries = sources.queries();
    let started = now_secs();
    let since = match opts.since_secs {
        Some(s) => started - s,
        None => created.unwrap_or(started),
    };
    let mut interrupt = Interrupt::new()?;
    let screen = (!opts.json).then(Screen::open);
    let mut figures: Option<Figures> = None;
    let mut alarms: Vec<(String, String)> = Vec::new();
    let mut done = 0u64;
    loop {
        let now = now_secs();
        let (start, end) = series::window(now, since);
        let read = async {
            let points = read_metrics(&cw, &queries, start, end).await?;
            let states = super::alarm_states(config, &sources.alarms).await?;
            anyhow::Ok((points, states))
        };
        let result = tokio::select! {
            r = read => r,
            () = interrupt.wait() => break,
        };
        let error = match result {
            Ok((points, states)) => {
                figures = Some(compute(&points, end, since));
                alarms = states;
                None
            }
            Err(e) => Some(format!("{e:#}")),
        };
        match &screen {
            None => {
                let fresh = figures.as_ref().filter(|_| error.is_none());
                let shown: &[(String, String)] = if error.is_none() { &alarms } else { &[] };
                out.out(&json(now, since, sources, fresh, shown, error.as_deref()).to_string());
            }
            Some(screen) => {
                let (height, width) = console::Term::stdout().size();
                let frame = Frame {
                    stack,
                    period: opts.period,
                    now,
                    since,
                    sources,
                    figures: figures.as_ref(),
                    alarms: &alarms,
                    error: error.as_deref(),
                };
                screen.draw(&screen_lines(&frame, width as usize, height as usize));
            }
        }
        done += 1;
        if opts.count.is_some_and(|c| done >= c) {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(opts.period)) => {}
            () = interrupt.wait() => break,
        }
    }
    drop(screen);
    Ok(())
}

fn screen_lines(frame: &Frame, width: usize, height: usize) -> Vec<String> {
    screen(frame, true, width.max(20), height.max(3))
}
