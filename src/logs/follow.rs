//! Reading a stack's log groups with FilterLogEvents: once (every event since `--since`, all
//! pages), or followed (`--follow`): the groups are read one after the other, then again after a
//! pause that starts at [`Options::backoff`]'s first delay, doubles while nothing new arrives or
//! the service throttles, and goes back to the first delay when events arrive. Each group keeps a
//! [`Cursor`], so every event is handed over once, and the events of a round are [`merge`]d.
//!
//! FilterLogEvents, not the live-tail API (StartLiveTail): the emulator's StartLiveTail (moto
//! 5.2.5) answers one JSON document with every stored event instead of the service's event
//! stream, and never sends later events, so live tail could not be tested; polling works the
//! same against both.

use aws_sdk_cloudwatchlogs::Client;

use super::discovery::LogGroup;
use super::merge::{merge, Cursor};
use super::Event;
use crate::poll::Backoff;

/// What to read and how often.
#[derive(Debug, Clone)]
pub struct Options {
    /// Events from this time on (milliseconds since the Unix epoch).
    pub since_ms: i64,
    /// A CloudWatch Logs filter pattern (`--filter`).
    pub filter: Option<String>,
    /// Keep reading after the first round.
    pub follow: bool,
    /// Pauses between rounds of a follow.
    pub backoff: Backoff,
}

/// What [`run`] hands to its caller.
#[derive(Debug)]
pub enum Update<'a> {
    /// New events, in time order.
    Events(Vec<Event>),
    /// The group does not exist (yet): API Gateway creates its execution log group on first
    /// use, Lambda a function's on its first invocation. Said once per group.
    Missing(&'a LogGroup),
    /// The service throttled a read; the follow waits longer and goes on.
    Throttled(String),
}

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The service refused the `--filter` pattern.
    #[error("--filter `{pattern}` was refused by CloudWatch Logs: {detail}")]
    FilterRefused {
        /// The pattern.
        pattern: String,
        /// The service's message.
        detail: String,
    },
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

enum Read {
    Events(Vec<Event>),
    Missing,
    Throttled(String),
}

/// Every event of `group` from `start_ms` on (all pages), in the service's order.
async fn read_group(
    logs: &Client,
    group: &LogGroup,
    start_ms: i64,
    filter: Option<&str>,
) -> Result<Read, ReadError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = logs
            .filter_log_events()
            .log_group_name(&group.name)
            .start_time(start_ms)
            .set_filter_pattern(filter.map(str::to_string))
            .set_next_token(token.take())
            .send()
            .await;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                let e = crate::aws::AwsError::new(
                    format!("cannot read log group {} ({})", group.name, group.origin),
                    &e,
                );
                if e.is_not_found() {
                    return Ok(Read::Missing);
                }
                if e.is_throttling() {
                    return Ok(Read::Throttled(e.detail().to_string()));
                }
                if let (Some(pattern), Some("InvalidParameterException")) = (filter, e.code()) {
                    return Err(ReadError::FilterRefused {
                        pattern: pattern.to_string(),
                        detail: e.detail().to_string(),
                    });
                }
                return Err(ReadError::Other(e.into()));
            }
        };
        out.extend(page.events().iter().map(|e| Event {
            time_ms: e.timestamp().unwrap_or(start_ms),
            source: group.source,
            group: group.name.clone(),
            stream: e.log_stream_name().unwrap_or_default().to_string(),
            id: e.event_id().unwrap_or_default().to_string(),
            message: e.message().unwrap_or_default().trim_end().to_string(),
        }));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(Read::Events(out));
        }
    }
}

/// Reads `groups` as `opts` say, handing each round's new events (and notes) to `emit`, which
/// returns `false` to stop (e.g. the reader of stdout went away). Without [`Options::follow`] it
/// returns after the first round; with it, it runs until `emit` stops it (the caller ends it on
/// Ctrl-C).
///
/// # Errors
/// A read that failed for another reason than a missing group or throttling.
pub async fn run<'a>(
    logs: &Client,
    groups: &'a [LogGroup],
    opts: &Options,
    mut emit: impl FnMut(Update<'a>) -> bool,
) -> Result<(), ReadError> {
    let mut cursors: Vec<Cursor> = groups.iter().map(|_| Cursor::new(opts.since_ms)).collect();
    let mut missing_said = vec![false; groups.len()];
    let mut delay = opts.backoff.first;
    loop {
        let mut round = Vec::new();
        let mut throttled = None;
        for (i, group) in groups.iter().enumerate() {
            match read_group(logs, group, cursors[i].start(), opts.filter.as_deref()).await? {
                Read::Events(events) => {
                    missing_said[i] = false;
                    round.push(cursors[i].admit(events));
                }
                Read::Missing => {
                    if !missing_said[i] {
                        missing_said[i] = true;
                        if !emit(Update::Missing(group)) {
                            return Ok(());
                        }
                    }
                }
                Read::Throttled(why) => throttled = Some(why),
            }
        }
        let events = merge(round);
        let any = !events.is_empty();
        if any && !emit(Update::Events(events)) {
            return Ok(());
        }
        if !opts.follow && throttled.is_none() {
            return Ok(());
        }
        if let Some(why) = throttled {
            delay = opts.backoff.next(delay.max(opts.backoff.first));
            if !emit(Update::Throttled(why)) {
                return Ok(());
            }
        } else if any {
            delay = opts.backoff.first;
        } else {
            delay = opts.backoff.next(delay);
        }
        tokio::time::sleep(delay).await;
    }
}
