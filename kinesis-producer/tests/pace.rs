//! The pace of the source thread: `--rate`, `--speedup` (event-time replay), `--count`,
//! `--duration`, the stop flag, and backpressure from a full channel. Only lower bounds on time
//! are asserted (a sleep never ends early), so these tests cannot flake on a slow machine.

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use kinesis_producer::pace::{run, Ended, Limits, Pace};
use kinesis_producer::source::{open, GeneratorSpec, SourceConfig};
use tokio::sync::mpsc;

fn config(need_event_time: bool) -> SourceConfig {
    SourceConfig {
        delimiter: None,
        partition_key_field: None,
        time_field: "t".into(),
        need_event_time,
        seed: 1,
    }
}

/// Runs the pace loop on this thread while a collector drains the channel.
fn drive(
    spec: &GeneratorSpec,
    cfg: &SourceConfig,
    pace: Pace,
    limits: Limits,
) -> (u64, Ended, usize, Duration) {
    let (tx, mut rx) = mpsc::channel::<Vec<kpl_aggregation::UserRecord>>(4);
    let collector = std::thread::spawn(move || {
        let mut n = 0;
        while let Some(chunk) = rx.blocking_recv() {
            n += chunk.len();
        }
        n
    });
    let stop = AtomicBool::new(false);
    let start = Instant::now();
    let (produced, ended) = run(open(spec, cfg).unwrap(), pace, limits, &tx, &stop).unwrap();
    let took = start.elapsed();
    drop(tx);
    (produced, ended, collector.join().unwrap(), took)
}

#[test]
fn rate_spaces_records_and_count_stops() {
    let (produced, ended, received, took) = drive(
        &GeneratorSpec::Stock,
        &config(false),
        Pace::PerSecond(200.0),
        Limits {
            count: Some(60),
            duration: None,
        },
    );
    assert_eq!((produced, ended, received), (60, Ended::Count, 60));
    // Record i is due at i/200 s: the 60th at 295 ms.
    assert!(took >= Duration::from_millis(295), "{took:?}");
}

#[test]
fn duration_stops_a_generator() {
    let (produced, ended, received, took) = drive(
        &GeneratorSpec::Taxi,
        &config(false),
        Pace::PerSecond(100.0),
        Limits {
            count: None,
            duration: Some(Duration::from_millis(300)),
        },
    );
    assert_eq!(ended, Ended::Duration);
    assert_eq!(produced as usize, received);
    assert!(took >= Duration::from_millis(300));
    assert!(
        (1..=31).contains(&produced),
        "at most 100/s for 0.3 s: {produced}"
    );
}

#[test]
fn speedup_replays_at_the_event_time_pace() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    for (i, t) in [
        "2026-11-24T13:40:00Z",
        "2026-11-24T13:40:01Z",
        "2026-11-24T13:40:03Z",
    ]
    .iter()
    .enumerate()
    {
        writeln!(f, r#"{{"i":{i},"t":"{t}"}}"#).unwrap();
    }
    let (produced, ended, received, took) = drive(
        &GeneratorSpec::File(f.path().to_owned()),
        &config(true),
        Pace::Speedup(10.0),
        Limits::default(),
    );
    assert_eq!((produced, ended, received), (3, Ended::EndOfInput, 3));
    // 3 s of event time at 10x: the last record is due 300 ms after the first.
    assert!(took >= Duration::from_millis(300), "{took:?}");
}

#[test]
fn max_pace_blocks_on_a_full_channel_and_a_stop_ends_it() {
    let (tx, mut rx) = mpsc::channel(2);
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let stopper = std::sync::Arc::clone(&stop);
    let source = open(&GeneratorSpec::Stock, &config(false)).unwrap();
    let handle =
        std::thread::spawn(move || run(source, Pace::Max, Limits::default(), &tx, &stopper));
    // Nobody reads: the source fills 2 chunks, then waits in blocking_send (backpressure).
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !handle.is_finished(),
        "a generator at max pace must wait, not buffer"
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut chunks = 0;
    while rx.blocking_recv().is_some() {
        chunks += 1;
    }
    let (produced, ended) = handle.join().unwrap().unwrap();
    assert_eq!(ended, Ended::Stopped);
    // What it produced is what was handed over: 2 queued chunks, the one it was sending, and the
    // partial one flushed at the stop.
    assert!(chunks <= 4, "{chunks}");
    assert!(
        produced <= 4 * kinesis_producer::pace::CHUNK as u64,
        "{produced}"
    );
}
