//! Pulls records from a [`Source`] at the requested pace and hands them to the engine in
//! chunks, on its own thread (sources may block on file reads). The bounded channel to the
//! engine is where backpressure lands: when the engine stops reading, `blocking_send` waits.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kpl_aggregation::UserRecord;
use tokio::sync::mpsc;

use crate::source::{Source, SourceError};

/// Records per chunk sent to the engine (fewer when the pace leaves time between records).
pub const CHUNK: usize = 512;

/// Records between two clock reads at [`Pace::Max`].
const CLOCK_EVERY: u64 = 32;

/// How fast records are produced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// As fast as the engine accepts them.
    Max,
    /// This many records per second (> 0).
    PerSecond(f64),
    /// File replay at the records' own event-time pace, this many times faster (> 0).
    Speedup(f64),
}

/// When to stop (the first limit reached wins; a file source also stops at its end).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Records to produce.
    pub count: Option<u64>,
    /// Time to produce for.
    pub duration: Option<Duration>,
}

/// Why the source stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// `--count` records were produced.
    Count,
    /// `--duration` elapsed.
    Duration,
    /// The file ended.
    EndOfInput,
    /// Interrupted (Ctrl-C) or the engine went away.
    Stopped,
}

/// Runs `source` until a limit, its end, `stop`, or the engine closing the channel.
/// Returns how many records it handed over and why it ended.
///
/// # Errors
/// The source's error (bad file content), after handing over what came before it.
pub fn run(
    mut source: Box<dyn Source>,
    pace: Pace,
    limits: Limits,
    tx: &mpsc::Sender<Vec<UserRecord>>,
    stop: &AtomicBool,
) -> Result<(u64, Ended), SourceError> {
    let start = Instant::now();
    let deadline = limits.duration.map(|d| start + d);
    let mut produced: u64 = 0;
    let mut chunk: Vec<UserRecord> = Vec::with_capacity(CHUNK);
    let mut first_event: Option<i64> = None;
    let send = |chunk: &mut Vec<UserRecord>| -> bool {
        if chunk.is_empty() {
            return true;
        }
        let full = std::mem::replace(chunk, Vec::with_capacity(CHUNK));
        tx.blocking_send(full).is_ok()
    };
    let mut now = start;
    let mut unix_ms = unix_millis();
    let ended = loop {
        if stop.load(Ordering::Relaxed) {
            break Ended::Stopped;
        }
        if limits.count.is_some_and(|c| produced >= c) {
            break Ended::Count;
        }
        // At full speed the clocks are read every CLOCK_EVERY records (well under a millisecond
        // apart); a paced source reads them for every record.
        if pace != Pace::Max || produced.is_multiple_of(CLOCK_EVERY) {
            now = Instant::now();
            unix_ms = unix_millis();
        }
        if deadline.is_some_and(|d| now >= d) {
            break Ended::Duration;
        }
        if let Pace::PerSecond(rate) = pace {
            #[allow(clippy::cast_precision_loss)]
            let target = start + Duration::from_secs_f64(produced as f64 / rate);
            if target > now {
                if !send(&mut chunk) {
                    break Ended::Stopped;
                }
                sleep_until(target, deadline);
                continue;
            }
        }
        let Some(record) = source.next_record(unix_ms)? else {
            break Ended::EndOfInput;
        };
        if let (Pace::Speedup(factor), Some(event)) = (pace, record.event_time_ms) {
            let first = *first_event.get_or_insert(event);
            let offset_ms = event.saturating_sub(first).max(0);
            #[allow(clippy::cast_precision_loss)]
            let target = start + Duration::from_secs_f64(offset_ms as f64 / 1000.0 / factor);
            if target > Instant::now() {
                if !send(&mut chunk) {
                    break Ended::Stopped;
                }
                sleep_until(target, deadline);
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break Ended::Duration;
                }
            }
        }
        chunk.push(UserRecord {
            partition_key: record.partition_key,
            explicit_hash_key: None,
            data: record.data,
        });
        produced += 1;
        if chunk.len() >= CHUNK && !send(&mut chunk) {
            break Ended::Stopped;
        }
    };
    // Whatever was produced is handed over even when stopping: the engine decides its fate.
    send(&mut chunk);
    Ok((produced, ended))
}

/// Sleeps until `target`, but not past `deadline`, in slices short enough to notice a stop.
fn sleep_until(target: Instant, deadline: Option<Instant>) {
    let until = deadline.map_or(target, |d| d.min(target));
    let now = Instant::now();
    if until > now {
        std::thread::sleep((until - now).min(Duration::from_millis(200)));
    }
}

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Spawns [`run`] on a thread named `source`.
///
/// # Errors
/// When the thread cannot be spawned.
pub fn spawn(
    source: Box<dyn Source>,
    pace: Pace,
    limits: Limits,
    tx: mpsc::Sender<Vec<UserRecord>>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<Result<(u64, Ended), SourceError>>> {
    std::thread::Builder::new()
        .name("source".into())
        .spawn(move || run(source, pace, limits, &tx, &stop))
}
