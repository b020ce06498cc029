//! The `produce` command line, shared by `streamstack produce` and `streamstack-producer`:
//! argument parsing and validation, the run (source thread + engine + Ctrl-C), the live
//! progress line and the summary.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use tokio::sync::{mpsc, watch};

use crate::engine::{Engine, EngineConfig, StopSignal, DEFAULT_MAX_REQUEST_BYTES};
use crate::failure_log::FailureLog;
use crate::kinesis::{KinesisSink, StreamRef};
use crate::pace::{self, Limits, Pace};
use crate::source::{self, GeneratorSpec, SourceConfig};
use crate::stats::{Progress, Snapshot, Summary};
use crate::ProduceError;

/// `--rate`: records per second or `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// As fast as possible.
    Max,
    /// Records per second.
    PerSecond(f64),
}

/// Parses `--rate`: `100`, `100/s`, `2.5`, or `max`.
///
/// # Errors
/// One line naming the value when it is not a positive finite number or `max`.
pub fn parse_rate(s: &str) -> Result<Rate, String> {
    if s.eq_ignore_ascii_case("max") {
        return Ok(Rate::Max);
    }
    let n = s.strip_suffix("/s").unwrap_or(s);
    match n.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 1e9 => Ok(Rate::PerSecond(v)),
        _ => Err(format!(
            "rate {s:?} is invalid: use records per second (a number above 0, up to 1e9, optionally followed by /s) or max"
        )),
    }
}

/// Parses a duration: `90` (seconds), `500ms`, `60s`, `5m`, `2h`.
///
/// # Errors
/// One line naming the value when it is not a positive duration of at most 365 days.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let err = || {
        format!("duration {s:?} is invalid: use a positive number with ms, s, m or h (e.g. 60s, 5m), at most 365 days")
    };
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let v: f64 = num.parse().map_err(|_| err())?;
    let secs = match unit {
        "ms" => v / 1000.0,
        "s" => v,
        "m" => v * 60.0,
        "h" => v * 3600.0,
        _ => return Err(err()),
    };
    if !(secs.is_finite() && secs > 0.0 && secs <= 365.0 * 86_400.0) {
        return Err(err());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses `--generator`.
///
/// # Errors
/// The source module's one-line message.
pub fn parse_generator(s: &str) -> Result<GeneratorSpec, String> {
    s.parse::<GeneratorSpec>().map_err(|e| e.to_string())
}

/// Summary format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Output {
    /// Progress line on a terminal and a readable summary.
    #[default]
    Text,
    /// The summary as one JSON object on stdout (for CI); no progress line.
    Json,
}

/// Arguments of `produce`.
#[derive(Debug, Clone, Args)]
pub struct ProduceArgs {
    /// Stream name or ARN.
    #[arg(long)]
    pub stream: String,
    /// Records per second, or `max`.
    #[arg(long, default_value = "100", value_parser = parse_rate)]
    pub rate: Rate,
    /// Stop after this long (e.g. 60s, 5m). Without --duration or --count, generators run
    /// until Ctrl-C and files until their end.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Stop after this many records.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// `stock`, `taxi`, or `file:PATH` (JSON lines, or delimited lines with --delimiter).
    #[arg(long, default_value = "stock", value_parser = parse_generator)]
    pub generator: GeneratorSpec,
    /// Write (generators) or read (files) delimited lines with this delimiter instead of JSON.
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Pack records into KPL aggregates per shard (the default).
    #[arg(long, overrides_with = "no_aggregate")]
    pub aggregate: bool,
    /// Send every record as its own Kinesis record.
    #[arg(long, overrides_with = "aggregate")]
    pub no_aggregate: bool,
    /// Field whose value is the partition key (a 1-based column for delimited files).
    /// Default: a random key per record, which spreads records over all shards.
    #[arg(long)]
    pub partition_key_field: Option<String>,
    /// Replay a file at its records' event-time pace, this many times faster (instead of --rate).
    #[arg(long, conflicts_with = "rate")]
    pub speedup: Option<f64>,
    /// Field holding the event time for --speedup (a 1-based column for delimited files).
    #[arg(long, default_value = "EVENT_TIME")]
    pub time_field: String,
    /// Longest a record waits for its batch (like the KPL's RecordMaxBufferedTime).
    #[arg(long, default_value = "100ms", value_parser = parse_duration)]
    pub buffer_time: Duration,
    /// Retries of a failed record before it goes to the failure file.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub max_retries: u32,
    /// Where records that could not be delivered are written (JSON lines; only created on failure).
    #[arg(long, default_value = "streamstack-produce-failures.jsonl")]
    pub failure_file: PathBuf,
    /// Concurrent PutRecords requests.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_in_flight: u16,
    /// Memory for records waiting to be sent, MiB; input pauses above it (backpressure).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_buffered_mib: u32,
    /// PutRecords request-size limit in bytes (5 MiB by default; 10 MiB is the documented maximum).
    #[arg(long, default_value_t = DEFAULT_MAX_REQUEST_BYTES)]
    pub max_request_bytes: usize,
    /// Seed of the generators, random partition keys and retry jitter.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Summary format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

impl ProduceArgs {
    /// Checks what clap cannot; every message is one line naming the bad value.
    ///
    /// # Errors
    /// [`ProduceError::Config`].
    pub fn validate(&self) -> Result<(), ProduceError> {
        let bad = |m: String| Err(ProduceError::Config(m));
        if self.stream.trim().is_empty() {
            return bad("stream name is empty: pass --stream NAME or --stream ARN".into());
        }
        if let Some(s) = self.speedup {
            if !(s.is_finite() && s > 0.0) {
                return bad(format!("speedup {s} is invalid: use a number above 0"));
            }
            if !matches!(self.generator, GeneratorSpec::File(_)) {
                return bad("--speedup replays a file at its event-time pace: use it with --generator file:PATH".into());
            }
        }
        if self
            .partition_key_field
            .as_deref()
            .is_some_and(|f| f.trim().is_empty())
        {
            return bad("partition key field is empty: name a field or leave the option out for random keys".into());
        }
        if self.buffer_time > Duration::from_secs(60) {
            return bad(format!(
                "buffer time {:?} is invalid: allowed 1ms to 60s",
                self.buffer_time
            ));
        }
        if !(crate::engine::MAX_RECORD_BYTES..=crate::engine::MAX_REQUEST_BYTES)
            .contains(&self.max_request_bytes)
        {
            return bad(format!(
                "max request bytes {} is invalid: allowed {} to {}",
                self.max_request_bytes,
                crate::engine::MAX_RECORD_BYTES,
                crate::engine::MAX_REQUEST_BYTES
            ));
        }
        Ok(())
    }

    fn engine_config(&self) -> EngineConfig {
        EngineConfig {
            aggregate: !self.no_aggregate,
            random_keys: self.partition_key_field.is_none(),
            buffer_time: self.buffer_time,
            max_retries: self.max_retries,
            max_in_flight: usize::from(self.max_in_flight),
            max_buffered_bytes: usize::try_from(self.max_buffered_mib)
                .unwrap_or(4096)
                .saturating_mul(1024 * 1024),
            max_request_bytes: self.max_request_bytes,
            seed: self.seed,
            ..EngineConfig::default()
        }
    }

    fn pace(&self) -> Pace {
        match (self.speedup, self.rate) {
            (Some(s), _) => Pace::Speedup(s),
            (None, Rate::Max) => Pace::Max,
            (None, Rate::PerSecond(r)) => Pace::PerSecond(r),
        }
    }
}

/// Produces to Kinesis as `args` say, printing progress (stderr) and the summary (stdout).
///
/// # Errors
/// [`ProduceError::Config`] / [`ProduceError::Source`] for bad input (checked before any
/// record is sent where possible), [`ProduceError::Sink`] when the stream cannot be read,
/// [`ProduceError::Incomplete`] when records ended in the failure file or the run stopped early
/// (after the summary is printed).
pub async fn run(
    args: &ProduceArgs,
    client: aws_sdk_kinesis::Client,
) -> Result<Summary, ProduceError> {
    args.validate()?;
    let source = source::open(
        &args.generator,
        &SourceConfig {
            delimiter: args.delimiter.clone(),
            partition_key_field: args.partition_key_field.clone(),
            time_field: args.time_field.clone(),
            need_event_time: args.speedup.is_some(),
            seed: args.seed,
        },
    )?;
    let sink = Arc::new(KinesisSink::new(client, StreamRef::parse(&args.stream)));
    let progress = Arc::new(Progress::default());
    let engine = Engine::new(
        sink,
        args.engine_config(),
        Arc::clone(&progress),
        FailureLog::new(&args.failure_file),
    )
    .await?;
    let shards = engine.shard_count();

    let (tx, rx) = mpsc::channel(64);
    let stop_source = Arc::new(AtomicBool::new(false));
    let (stop_tx, stop_rx) = watch::channel(StopSignal::Run);
    let limits = Limits {
        count: args.count,
        duration: args.duration,
    };
    let source_thread = pace::spawn(source, args.pace(), limits, tx, Arc::clone(&stop_source))
        .map_err(|e| ProduceError::Config(format!("cannot start the source thread: {e}")))?;
    let interrupts = tokio::spawn(watch_interrupts(Arc::clone(&stop_source), stop_tx));
    let show_progress = args.output == Output::Text;
    let ticker = show_progress.then(|| tokio::spawn(progress_line(Arc::clone(&progress))));
    if show_progress {
        eprintln!(
            "producing to {} ({shards} open shard{}), {}; Ctrl-C stops (twice: abandon)",
            args.stream,
            if shards == 1 { "" } else { "s" },
            if args.no_aggregate {
                "one Kinesis record per record"
            } else {
                "KPL aggregation"
            },
        );
    }
    let result = engine.run(rx, stop_rx).await;
    interrupts.abort();
    if let Some(t) = ticker {
        t.abort();
        if std::io::stderr().is_terminal() {
            eprint!("\r\x1b[2K");
        }
    }
    let source_result = source_thread
        .join()
        .map_err(|_| ProduceError::Config("the source thread panicked".into()))?;
    let mut summary = result?;
    let source_error = match source_result {
        Ok((_, pace::Ended::Stopped)) if summary.stopped_early.is_none() => {
            summary.stopped_early = Some("interrupted".into());
            None
        }
        Ok(_) => None,
        Err(e) => Some(e),
    };
    print_summary(&summary, args)?;
    if let Some(e) = source_error {
        return Err(e.into());
    }
    if let Some(why) = &summary.stopped_early {
        return Err(ProduceError::Incomplete(format!(
            "stopped early: {why}{}",
            failure_note(&summary)
        )));
    }
    if summary.failed_records > 0 {
        return Err(ProduceError::Incomplete(format!(
            "{} records were not delivered{}",
            summary.failed_records,
            failure_note(&summary)
        )));
    }
    Ok(summary)
}

fn failure_note(s: &Summary) -> String {
    s.failure_file
        .as_deref()
        .map(|f| format!("; {} records are in {f}", s.failed_records))
        .unwrap_or_default()
}

/// First Ctrl-C: stop producing and deliver what is buffered. Second: abandon.
async fn watch_interrupts(stop_source: Arc<AtomicBool>, stop_engine: watch::Sender<StopSignal>) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    stop_source.store(true, Ordering::Relaxed);
    eprintln!("\nstopping: sending what is buffered (Ctrl-C again to abandon it)");
    if tokio::signal::ctrl_c().await.is_ok() {
        let _ = stop_engine.send(StopSignal::Abandon);
    }
}

/// Every second on a terminal (every 10 s otherwise): records/s, MiB/s, retries, in flight.
async fn progress_line(progress: Arc<Progress>) {
    let tty = std::io::stderr().is_terminal();
    let period = if tty {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(10)
    };
    let mut last = Snapshot::default();
    let mut interval = tokio::time::interval(period);
    interval.tick().await;
    loop {
        interval.tick().await;
        let now = progress.snapshot();
        let secs = period.as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        let line = format!(
            "{:>10.0} records/s  {:>7.2} MiB/s  sent {}  retries {}  failed {}  in flight {}  pending {}",
            (now.user_records - last.user_records) as f64 / secs,
            (now.user_bytes - last.user_bytes) as f64 / secs / 1_048_576.0,
            now.user_records,
            now.retries,
            now.failures,
            now.in_flight,
            now.pending_user_records,
        );
        if tty {
            eprint!("\r\x1b[2K{line}");
            let _ = std::io::stderr().flush();
        } else {
            eprintln!("{line}");
        }
        last = now;
    }
}

fn print_summary(s: &Summary, args: &ProduceArgs) -> Result<(), ProduceError> {
    let mut out = std::io::stdout().lock();
    let io = |e: std::io::Error| ProduceError::Config(format!("cannot write the summary: {e}"));
    match args.output {
        Output::Json => {
            serde_json::to_writer(&mut out, s)
                .map_err(|e| ProduceError::Config(format!("cannot write the summary: {e}")))?;
            writeln!(out).map_err(io)?;
        }
        Output::Text => {
            #[allow(clippy::cast_precision_loss)]
            let mib = s.user_bytes as f64 / 1_048_576.0;
            writeln!(
                out,
                "{} records ({mib:.2} MiB) in {} Kinesis records to {} in {:.2} s: {:.0} records/s",
                s.user_records,
                s.kinesis_records,
                args.stream,
                s.elapsed_seconds,
                s.records_per_second
            )
            .map_err(io)?;
            writeln!(
                out,
                "retries {}, throttled {}, failed {}; {} PutRecords calls, latency p50 {:.1} ms, p99 {:.1} ms",
                s.retries, s.throttled, s.failed_records, s.put_records_calls, s.p50_latency_ms, s.p99_latency_ms
            )
            .map_err(io)?;
        }
    }
    out.flush().map_err(io)
}

/// The SDK configuration for the producer binary: default credential and region chains
/// (environment, profile, IMDSv2 on EC2), one rustls client.
pub async fn load_sdk_config(region: Option<String>) -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http);
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r));
    }
    loader.load().await
}
