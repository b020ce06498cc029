//! The producer engine: user records in, `PutRecords` calls out.
//!
//! One task owns all state (no locks): it routes each user record to the open shard its hash
//! key belongs to, packs records per shard into KPL aggregates, and sends `PutRecords` batches
//! of at most [`MAX_BATCH_ENTRIES`] entries and `max_request_bytes` bytes when a batch is full
//! or its oldest record has waited `buffer_time`. Entries a response marks as failed are sent
//! again after an exponential backoff with jitter; a shard that answers
//! `ProvisionedThroughputExceededException` is paused for a growing interval, so throttled
//! shards slow down while the others keep going. An entry that fails more than `max_retries`
//! times is written to the failure file. Memory is bounded: the engine stops reading input
//! while `max_buffered_bytes` are waiting (backpressure reaches the source through the bounded
//! input channel), and at most `max_in_flight` requests are in flight.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use kpl_aggregation::{hash_key_for, Aggregator, KinesisRecord, UserRecord};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::backoff;
use crate::failure_log::FailureLog;
use crate::shard_map::{ShardMap, ShardRange};
use crate::sink::{EntryOutcome, Sink, SinkError, THROTTLED};
use crate::source::SplitMix64;
use crate::stats::{Latencies, Progress, Summary};
use crate::ProduceError;

/// Most entries in one `PutRecords` request (service limit).
pub const MAX_BATCH_ENTRIES: usize = 500;
/// Largest Kinesis record (data plus partition key) on a stream with the default maximum
/// record size.
pub const MAX_RECORD_BYTES: usize = kpl_aggregation::KINESIS_MAX_BYTES;
/// Default request-size limit: 5 MiB, data plus partition keys. The SDK documents 10 MiB since
/// Kinesis raised its record size limit, but streams created with the default 1 MiB record
/// size, older regions and the emulator refuse more than 5 MiB, and a 5 MiB request already
/// carries a shard's full second of writes.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 5 * 1024 * 1024;
/// Room for the aggregate framing around a lone record (magic, digest, protobuf tags and
/// lengths, an explicit hash key): a record closer than this to the aggregation limit is sent
/// on its own.
const AGGREGATE_OVERHEAD: usize = 128;
/// Largest request-size limit accepted (what the SDK documents).
pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

/// Tuning of the engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Pack user records into KPL aggregates (per shard).
    pub aggregate: bool,
    /// The partition keys are random (no key field): with aggregation, spread records over the
    /// shards round-robin instead of by the hash of their key, and give each aggregate its
    /// shard's first hash key as explicit hash key so that it lands there. Saves an MD5 per
    /// record; a random key has no placement to respect.
    pub random_keys: bool,
    /// Largest aggregate, bytes (KPL `AggregationMaxSize`, default 51,200).
    pub aggregation_max_bytes: usize,
    /// Longest a record waits for its batch to fill (KPL `RecordMaxBufferedTime`, 100 ms).
    pub buffer_time: Duration,
    /// Retries of a failed entry before it goes to the failure file.
    pub max_retries: u32,
    /// Concurrent `PutRecords` requests.
    pub max_in_flight: usize,
    /// Bytes waiting to be sent (aggregating, ready or retrying) above which input pauses.
    pub max_buffered_bytes: usize,
    /// Request-size limit, bytes.
    pub max_request_bytes: usize,
    /// First retry delay (doubles per attempt, with jitter).
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_cap: Duration,
    /// Seed of the jitter.
    pub seed: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            aggregate: true,
            random_keys: false,
            aggregation_max_bytes: kpl_aggregation::DEFAULT_MAX_BYTES,
            buffer_time: Duration::from_millis(100),
            max_retries: 10,
            max_in_flight: 8,
            max_buffered_bytes: 64 * 1024 * 1024,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(5),
            seed: 0,
        }
    }
}

/// Bookkeeping of one entry (one Kinesis record) while it is not acknowledged.
#[derive(Debug, Clone, Copy)]
struct Meta {
    /// Hash key that routes it (of its first user record): decides its shard.
    hash: u128,
    /// User records inside.
    users: u64,
    /// User data bytes inside.
    user_bytes: u64,
    /// Sends so far.
    attempts: u32,
    /// When it should be sent at the latest (its first record's arrival + buffer time).
    due: Instant,
}

#[derive(Debug)]
struct Entry {
    record: KinesisRecord,
    meta: Meta,
}

/// Per-shard state.
#[derive(Debug)]
struct ShardState {
    id: String,
    /// First hash key of the shard, and its decimal form (an explicit hash key landing here).
    start: u128,
    start_key: String,
    agg: Aggregator,
    agg_users: u64,
    agg_user_bytes: u64,
    agg_hash: u128,
    agg_due: Option<Instant>,
    ready: VecDeque<Entry>,
    /// Sum of `record.size()` over `ready`.
    ready_bytes: usize,
    throttled_until: Option<Instant>,
    throttle_streak: u32,
}

impl ShardState {
    fn new(range: &ShardRange, limit: usize) -> Result<Self, ProduceError> {
        Ok(Self {
            id: range.shard_id.clone(),
            start: range.start,
            start_key: range.start.to_string(),
            agg: Aggregator::new(limit).map_err(|e| ProduceError::Config(e.to_string()))?,
            agg_users: 0,
            agg_user_bytes: 0,
            agg_hash: 0,
            agg_due: None,
            ready: VecDeque::new(),
            ready_bytes: 0,
            throttled_until: None,
            throttle_streak: 0,
        })
    }

    /// Counts a record just added to the aggregate in progress; the first one of an aggregate
    /// gives it its routing hash and its deadline.
    fn count_added(&mut self, hash: u128, due: Instant, data_len: u64) {
        if self.agg_users == 0 {
            self.agg_hash = hash;
            self.agg_due = Some(due);
        }
        self.agg_users += 1;
        self.agg_user_bytes += data_len;
    }

    /// Queues a completed aggregate (of the records counted in `agg_*`) and resets the counts.
    fn queue_aggregate(&mut self, record: KinesisRecord, now: Instant) {
        let meta = Meta {
            hash: self.agg_hash,
            users: self.agg_users,
            user_bytes: self.agg_user_bytes,
            attempts: 0,
            due: self.agg_due.unwrap_or(now),
        };
        self.push_back(Entry { record, meta });
        self.agg_users = 0;
        self.agg_user_bytes = 0;
        self.agg_due = None;
    }

    fn push_back(&mut self, entry: Entry) {
        self.ready_bytes += entry.record.size();
        self.ready.push_back(entry);
    }

    fn push_front(&mut self, entry: Entry) {
        self.ready_bytes += entry.record.size();
        self.ready.push_front(entry);
    }

    fn pop_front(&mut self) -> Option<Entry> {
        let entry = self.ready.pop_front()?;
        self.ready_bytes -= entry.record.size();
        Some(entry)
    }

    fn drain_ready(&mut self) -> impl Iterator<Item = Entry> + '_ {
        self.ready_bytes = 0;
        self.ready.drain(..)
    }

    /// Bytes waiting here: the aggregate in progress and the ready queue.
    fn buffered_bytes(&self) -> usize {
        let agg = if self.agg.is_empty() {
            0
        } else {
            self.agg.size_bytes()
        };
        agg + self.ready_bytes
    }

    fn eligible(&self, now: Instant) -> bool {
        !self.ready.is_empty() && self.throttled_until.is_none_or(|t| t <= now)
    }
}

/// A retry waiting for its time.
#[derive(Debug)]
struct Retry {
    at: Instant,
    seq: u64,
    entry: Entry,
}

impl PartialEq for Retry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Retry {}
impl PartialOrd for Retry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Retry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// What a finished `PutRecords` call sends back to the engine.
struct Completion {
    records: Vec<KinesisRecord>,
    metas: Vec<Meta>,
    result: Result<Vec<EntryOutcome>, SinkError>,
    latency: Duration,
}

/// How the run is asked to stop early (a watch channel the caller flips).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StopSignal {
    /// Keep going.
    #[default]
    Run,
    /// Stop now: buffered and in-flight records go to the failure file.
    Abandon,
}

/// The engine. Build with [`Engine::new`], drive with [`Engine::run`].
pub struct Engine<S: Sink> {
    sink: Arc<S>,
    cfg: EngineConfig,
    map: ShardMap,
    shards: Vec<ShardState>,
    retries: BinaryHeap<Reverse<Retry>>,
    retry_seq: u64,
    /// Bytes of the entries in `retries`.
    retry_bytes: usize,
    in_flight: usize,
    rr: usize,
    /// Next shard for a record with a random key (round-robin).
    spread: usize,
    rng: SplitMix64,
    latencies: Latencies,
    progress: Arc<Progress>,
    failures: FailureLog,
    done_tx: mpsc::UnboundedSender<Completion>,
    done_rx: mpsc::UnboundedReceiver<Completion>,
    summary: Summary,
    refresh_wanted: bool,
    last_refresh: Option<Instant>,
    fatal: Option<String>,
}

impl<S: Sink> Engine<S> {
    /// Reads the stream's shard map and sets up per-shard aggregation.
    ///
    /// # Errors
    /// [`ProduceError::Config`] for bad settings, [`ProduceError::Sink`] when `ListShards`
    /// fails, [`ProduceError::ShardMap`] when the shards do not cover the hash key space.
    pub async fn new(
        sink: Arc<S>,
        cfg: EngineConfig,
        progress: Arc<Progress>,
        failures: FailureLog,
    ) -> Result<Self, ProduceError> {
        if cfg.max_in_flight == 0 {
            return Err(ProduceError::Config(
                "max in-flight requests must be at least 1".into(),
            ));
        }
        if !(MAX_RECORD_BYTES..=MAX_REQUEST_BYTES).contains(&cfg.max_request_bytes) {
            return Err(ProduceError::Config(format!(
                "request size limit {} is invalid: allowed {MAX_RECORD_BYTES} to {MAX_REQUEST_BYTES} bytes",
                cfg.max_request_bytes
            )));
        }
        let map = ShardMap::new(
            sink.list_open_shards()
                .await
                .map_err(|e| ProduceError::Sink(e.message))?,
        )?;
        let shards = map
            .shards()
            .iter()
            .map(|s| ShardState::new(s, cfg.aggregation_max_bytes))
            .collect::<Result<Vec<_>, _>>()?;
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        Ok(Self {
            rng: SplitMix64::new(cfg.seed ^ 0x6a09_e667_f3bc_c908),
            sink,
            map,
            shards,
            retries: BinaryHeap::new(),
            retry_seq: 0,
            retry_bytes: 0,
            in_flight: 0,
            rr: 0,
            spread: 0,
            latencies: Latencies::default(),
            progress,
            failures,
            done_tx,
            done_rx,
            summary: Summary::default(),
            refresh_wanted: false,
            last_refresh: None,
            fatal: None,
            cfg,
        })
    }

    /// Number of open shards in the current map.
    #[must_use]
    pub fn shard_count(&self) -> usize {
        self.map.len()
    }

    /// Sends every user record received on `input` until it closes (the sender is dropped) and
    /// everything is acknowledged or written to the failure file; returns the summary.
    ///
    /// `stop` switched to [`StopSignal::Abandon`] ends the run at once: records not yet
    /// acknowledged are written to the failure file (records in flight may still have been
    /// stored: at-least-once).
    ///
    /// # Errors
    /// [`ProduceError::FailureLog`] when the failure file cannot be written. A non-retryable
    /// service error (missing stream, access denied) is not an error here: the run stops,
    /// unsent records go to the failure file, and [`Summary::stopped_early`] says why.
    pub async fn run(
        mut self,
        mut input: mpsc::Receiver<Vec<UserRecord>>,
        mut stop: watch::Receiver<StopSignal>,
    ) -> Result<Summary, ProduceError> {
        let started = Instant::now();
        let mut input_open = true;
        let mut stop_live = true;
        let mut chunk = Vec::new();
        loop {
            let now = Instant::now();
            if *stop.borrow() == StopSignal::Abandon {
                self.fatal.get_or_insert_with(|| {
                    "interrupted: unsent records written to the failure file".into()
                });
            }
            if self.fatal.is_some() {
                input_open = false;
                self.abandon_buffered()?;
                if self.in_flight == 0 {
                    break;
                }
                if *stop.borrow() == StopSignal::Abandon {
                    // Do not wait for requests in flight: their records may or may not be
                    // stored (at-least-once); say so.
                    let n = self.in_flight;
                    if let Some(why) = self.fatal.as_mut() {
                        why.push_str(&format!(
                            "; {n} PutRecords request{} still in flight were not awaited",
                            if n == 1 { "" } else { "s" }
                        ));
                    }
                    break;
                }
            } else {
                self.promote_retries(now);
                if self.refresh_wanted && self.in_flight == 0 {
                    self.refresh_map(now).await;
                }
                self.flush_due_aggregates(now, !input_open);
                self.dispatch(now, !input_open);
                if !input_open && self.idle() {
                    break;
                }
            }
            let wake = if self.fatal.is_some() {
                None
            } else {
                self.next_wake(now)
            };
            let accept = input_open && self.buffered_bytes() < self.cfg.max_buffered_bytes;
            tokio::select! {
                biased;
                changed = stop.changed(), if stop_live => {
                    // An error means the caller dropped the sender without asking to stop.
                    stop_live = changed.is_ok();
                }
                Some(done) = self.done_rx.recv(), if self.in_flight > 0 => {
                    self.complete(done, Instant::now())?;
                }
                n = input.recv_many(&mut chunk, 64), if accept => {
                    if n == 0 {
                        input_open = false;
                    } else {
                        let now = Instant::now();
                        for records in chunk.drain(..) {
                            for record in records {
                                self.add(record, now)?;
                            }
                        }
                    }
                }
                () = sleep_until_opt(wake) => {}
            }
        }
        self.failures.flush()?;
        let elapsed = started.elapsed().as_secs_f64();
        let mut s = std::mem::take(&mut self.summary);
        s.failed_records = self.failures.records();
        s.failure_file = (s.failed_records > 0).then(|| self.failures.path().display().to_string());
        s.put_records_calls = self.latencies.len();
        s.p50_latency_ms = self.latencies.quantile_ms(0.50);
        s.p99_latency_ms = self.latencies.quantile_ms(0.99);
        s.shards = self.map.len();
        s.elapsed_seconds = elapsed;
        #[allow(clippy::cast_precision_loss)]
        let rate = s.user_records as f64 / elapsed.max(1e-9);
        s.records_per_second = rate;
        s.stopped_early = self.fatal.take();
        Ok(s)
    }

    /// Bytes waiting to be sent: aggregates in progress, ready queues, retries.
    fn buffered_bytes(&self) -> usize {
        self.retry_bytes
            + self
                .shards
                .iter()
                .map(ShardState::buffered_bytes)
                .sum::<usize>()
    }

    fn idle(&self) -> bool {
        self.in_flight == 0
            && self.retries.is_empty()
            && self
                .shards
                .iter()
                .all(|s| s.ready.is_empty() && s.agg.is_empty())
    }

    /// Routes one user record into its shard's aggregate (or ready queue).
    fn add(&mut self, record: UserRecord, now: Instant) -> Result<(), ProduceError> {
        // A record too big to share an aggregate is sent on its own, like the KPL does.
        let aggregate = self.cfg.aggregate
            && record.data.len() + record.partition_key.len() + AGGREGATE_OVERHEAD
                <= self.cfg.aggregation_max_bytes;
        if aggregate && self.cfg.random_keys && record.explicit_hash_key.is_none() {
            return self.add_spread(record, now);
        }
        let hash = match record.explicit_hash_key.as_deref() {
            Some(ehk) => match kpl_aggregation::validate_explicit_hash_key(ehk) {
                Ok(h) => h,
                Err(e) => return self.reject(&record, "InvalidExplicitHashKey", &e.to_string()),
            },
            None => hash_key_for(&record.partition_key),
        };
        let idx = self.map.index_of(hash);
        let len = record.data.len() as u64;
        let due = now + self.cfg.buffer_time;
        if !aggregate {
            let chars = record.partition_key.chars().count();
            if chars == 0 || chars > kpl_aggregation::MAX_PARTITION_KEY_CHARS {
                return self.reject(
                    &record,
                    "InvalidPartitionKey",
                    &format!("partition key of {chars} characters: Kinesis accepts 1 to 256"),
                );
            }
            let size = record.data.len() + record.partition_key.len();
            if size > MAX_RECORD_BYTES {
                return self.reject(
                    &record,
                    "RecordTooLarge",
                    &format!("{size} bytes (data + partition key) exceeds {MAX_RECORD_BYTES}"),
                );
            }
            self.shards[idx].push_back(Entry {
                record: KinesisRecord {
                    partition_key: record.partition_key,
                    explicit_hash_key: record.explicit_hash_key,
                    data: record.data,
                },
                meta: Meta {
                    hash,
                    users: 1,
                    user_bytes: len,
                    attempts: 0,
                    due,
                },
            });
            Progress::add(&self.progress.pending_user_records, 1);
            return Ok(());
        }
        let shard = &mut self.shards[idx];
        match shard.agg.add_parts(
            &record.partition_key,
            record.explicit_hash_key.as_deref(),
            &record.data,
        ) {
            Ok(completed) => {
                if let Some(full) = completed {
                    shard.queue_aggregate(full, now);
                }
                shard.count_added(hash, due, len);
                Progress::add(&self.progress.pending_user_records, 1);
                Ok(())
            }
            Err(e) => self.reject(&record, code_of(&e), &e.to_string()),
        }
    }

    /// Adds a record with a random key to the next shard's aggregate (round-robin). The first
    /// record of every aggregate carries the shard's first hash key as explicit hash key, which
    /// makes it the aggregate's: the aggregate lands on that shard.
    fn add_spread(&mut self, record: UserRecord, now: Instant) -> Result<(), ProduceError> {
        let idx = self.spread % self.shards.len();
        self.spread = idx + 1;
        let len = record.data.len() as u64;
        let shard = &mut self.shards[idx];
        let ehk = shard.agg.is_empty().then_some(shard.start_key.as_str());
        match shard
            .agg
            .add_parts(&record.partition_key, ehk, &record.data)
        {
            Ok(None) => {}
            Ok(Some(full)) => {
                shard.queue_aggregate(full, now);
                // The record did not fit and now opens the next aggregate, without the key:
                // add it again with it (or send it alone, keyed, if the key makes it too big).
                if let Some(lone) = shard.agg.flush() {
                    let again = shard.agg.add_parts(
                        &lone.partition_key,
                        Some(&shard.start_key),
                        &lone.data,
                    );
                    if again.is_err() {
                        shard.push_back(Entry {
                            record: KinesisRecord {
                                explicit_hash_key: Some(shard.start_key.clone()),
                                ..lone
                            },
                            meta: Meta {
                                hash: shard.start,
                                users: 1,
                                user_bytes: len,
                                attempts: 0,
                                due: now + self.cfg.buffer_time,
                            },
                        });
                        Progress::add(&self.progress.pending_user_records, 1);
                        return Ok(());
                    }
                }
            }
            Err(e) => return self.reject(&record, code_of(&e), &e.to_string()),
        }
        shard.count_added(shard.start, now + self.cfg.buffer_time, len);
        Progress::add(&self.progress.pending_user_records, 1);
        Ok(())
    }

    /// A user record Kinesis would refuse: straight to the failure file.
    fn reject(&mut self, record: &UserRecord, code: &str, msg: &str) -> Result<(), ProduceError> {
        self.failures
            .write_user_record(&record.partition_key, &record.data, code, msg, 0)?;
        Progress::add(&self.progress.failures, 1);
        Ok(())
    }

    /// Closes the aggregates whose oldest record has waited `buffer_time` (all when `all`).
    fn flush_due_aggregates(&mut self, now: Instant, all: bool) {
        for shard in &mut self.shards {
            if shard.agg_due.is_some_and(|d| all || d <= now) {
                match shard.agg.flush() {
                    Some(record) => shard.queue_aggregate(record, now),
                    None => shard.agg_due = None,
                }
            }
        }
    }

    /// Moves retries whose time has come to the front of their shard's queue.
    fn promote_retries(&mut self, now: Instant) {
        while self.retries.peek().is_some_and(|r| r.0.at <= now) {
            if let Some(Reverse(retry)) = self.retries.pop() {
                let mut entry = retry.entry;
                self.retry_bytes -= entry.record.size();
                entry.meta.due = now;
                let idx = self.map.index_of(entry.meta.hash);
                self.shards[idx].push_front(entry);
            }
        }
    }

    /// Starts `PutRecords` calls while there is room in flight and a batch is full or due.
    fn dispatch(&mut self, now: Instant, draining: bool) {
        while self.in_flight < self.cfg.max_in_flight {
            let mut count = 0usize;
            let mut bytes = 0usize;
            let mut due = draining;
            for s in self.shards.iter().filter(|s| s.eligible(now)) {
                count += s.ready.len();
                bytes += s.ready_bytes;
                due |= s.ready.front().is_some_and(|e| e.meta.due <= now);
                if count >= MAX_BATCH_ENTRIES || bytes >= self.cfg.max_request_bytes {
                    break;
                }
            }
            if count == 0
                || !(due || count >= MAX_BATCH_ENTRIES || bytes >= self.cfg.max_request_bytes)
            {
                return;
            }
            let mut records = Vec::with_capacity(count.min(MAX_BATCH_ENTRIES));
            let mut metas = Vec::with_capacity(count.min(MAX_BATCH_ENTRIES));
            let mut size = 0usize;
            let n = self.shards.len();
            'fill: for k in 0..n {
                let shard = &mut self.shards[(self.rr + k) % n];
                if !shard.eligible(now) {
                    continue;
                }
                while let Some(front) = shard.ready.front() {
                    let s = front.record.size();
                    if records.len() == MAX_BATCH_ENTRIES || size + s > self.cfg.max_request_bytes {
                        break 'fill;
                    }
                    if let Some(entry) = shard.pop_front() {
                        size += s;
                        records.push(entry.record);
                        metas.push(entry.meta);
                    }
                }
            }
            self.rr = (self.rr + 1) % n.max(1);
            self.send(records, metas);
        }
    }

    fn send(&mut self, records: Vec<KinesisRecord>, mut metas: Vec<Meta>) {
        for m in &mut metas {
            m.attempts += 1;
        }
        self.in_flight += 1;
        Progress::add(&self.progress.in_flight, 1);
        let sink = Arc::clone(&self.sink);
        let tx = self.done_tx.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let result = sink.put_records(&records).await;
            let latency = started.elapsed();
            // The engine owns the receiver for as long as anything is in flight.
            let _ = tx.send(Completion {
                records,
                metas,
                result,
                latency,
            });
        });
    }

    /// Applies a finished call: acknowledgements, retries, throttling, failures.
    fn complete(&mut self, done: Completion, now: Instant) -> Result<(), ProduceError> {
        self.in_flight -= 1;
        Progress::sub(&self.progress.in_flight, 1);
        self.latencies.push(done.latency);
        let outcomes = match done.result {
            Ok(o) if o.len() == done.records.len() => o,
            Ok(o) => {
                let msg = format!(
                    "PutRecords answered {} results for {} entries",
                    o.len(),
                    done.records.len()
                );
                return self.retry_all(done.records, done.metas, "InvalidResponse", &msg, now);
            }
            Err(e) if e.retryable => {
                return self.retry_all(done.records, done.metas, "RequestFailed", &e.message, now);
            }
            Err(e) => {
                self.fatal.get_or_insert_with(|| e.message.clone());
                for (record, meta) in done.records.into_iter().zip(done.metas) {
                    self.fail(&record, meta, "RequestFailed", &e.message)?;
                }
                return Ok(());
            }
        };
        for ((record, meta), outcome) in done.records.into_iter().zip(done.metas).zip(outcomes) {
            let idx = self.map.index_of(meta.hash);
            match outcome {
                EntryOutcome::Stored { shard_id } => {
                    let shard = &mut self.shards[idx];
                    shard.throttle_streak = 0;
                    if shard.id != shard_id {
                        // The stream was resharded since the map was read.
                        self.refresh_wanted = true;
                    }
                    self.summary.user_records += meta.users;
                    self.summary.user_bytes += meta.user_bytes;
                    self.summary.kinesis_records += 1;
                    self.summary.kinesis_bytes += record.size() as u64;
                    let p = &self.progress;
                    Progress::add(&p.user_records, meta.users);
                    Progress::add(&p.user_bytes, meta.user_bytes);
                    Progress::add(&p.kinesis_records, 1);
                    Progress::sub(&p.pending_user_records, meta.users);
                }
                EntryOutcome::Failed { code, message } => {
                    if code == THROTTLED {
                        self.summary.throttled += 1;
                        let shard = &mut self.shards[idx];
                        shard.throttle_streak = shard.throttle_streak.saturating_add(1);
                        let pause = backoff::delay(
                            shard.throttle_streak,
                            self.cfg.backoff_base,
                            self.cfg.backoff_cap,
                            &mut self.rng,
                        );
                        shard.throttled_until = Some(now + pause);
                    }
                    self.retry_or_fail(record, meta, &code, &message, now)?;
                }
            }
        }
        Ok(())
    }

    fn retry_all(
        &mut self,
        records: Vec<KinesisRecord>,
        metas: Vec<Meta>,
        code: &str,
        msg: &str,
        now: Instant,
    ) -> Result<(), ProduceError> {
        for (record, meta) in records.into_iter().zip(metas) {
            self.retry_or_fail(record, meta, code, msg, now)?;
        }
        Ok(())
    }

    fn retry_or_fail(
        &mut self,
        record: KinesisRecord,
        meta: Meta,
        code: &str,
        msg: &str,
        now: Instant,
    ) -> Result<(), ProduceError> {
        if meta.attempts > self.cfg.max_retries {
            return self.fail(&record, meta, code, msg);
        }
        let wait = backoff::delay(
            meta.attempts,
            self.cfg.backoff_base,
            self.cfg.backoff_cap,
            &mut self.rng,
        );
        self.summary.retries += 1;
        Progress::add(&self.progress.retries, 1);
        self.retry_bytes += record.size();
        self.retry_seq += 1;
        self.retries.push(Reverse(Retry {
            at: now + wait,
            seq: self.retry_seq,
            entry: Entry { record, meta },
        }));
        Ok(())
    }

    fn fail(
        &mut self,
        record: &KinesisRecord,
        meta: Meta,
        code: &str,
        msg: &str,
    ) -> Result<(), ProduceError> {
        let n = self
            .failures
            .write_kinesis_record(record, code, msg, meta.attempts)?;
        Progress::add(&self.progress.failures, n);
        Progress::sub(&self.progress.pending_user_records, meta.users);
        Ok(())
    }

    /// After a fatal error or an interrupt: everything not yet sent goes to the failure file.
    fn abandon_buffered(&mut self) -> Result<(), ProduceError> {
        let reason = self.fatal.clone().unwrap_or_default();
        self.flush_due_aggregates(Instant::now(), true);
        let mut entries: Vec<Entry> = self
            .shards
            .iter_mut()
            .flat_map(ShardState::drain_ready)
            .collect();
        entries.extend(self.retries.drain().map(|r| r.0.entry));
        self.retry_bytes = 0;
        for e in entries {
            self.fail(&e.record, e.meta, "NotSent", &reason)?;
        }
        Ok(())
    }

    /// Re-reads the shard map after a record landed on an unexpected shard, at most once a
    /// second, and re-routes what is waiting. Runs with nothing in flight, so every entry is
    /// in a queue owned here.
    async fn refresh_map(&mut self, now: Instant) {
        if self
            .last_refresh
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
        {
            return;
        }
        self.last_refresh = Some(now);
        self.refresh_wanted = false;
        let Ok(ranges) = self.sink.list_open_shards().await else {
            // Keep the old map: records still land (Kinesis routes them), only less packed.
            return;
        };
        let Ok(map) = ShardMap::new(ranges) else {
            return;
        };
        self.flush_due_aggregates(now, true);
        let waiting: Vec<Entry> = self
            .shards
            .iter_mut()
            .flat_map(ShardState::drain_ready)
            .collect();
        let limit = self.cfg.aggregation_max_bytes;
        let Ok(shards) = map
            .shards()
            .iter()
            .map(|s| ShardState::new(s, limit))
            .collect::<Result<Vec<_>, _>>()
        else {
            return;
        };
        self.map = map;
        self.shards = shards;
        for e in waiting {
            let idx = self.map.index_of(e.meta.hash);
            self.shards[idx].push_back(e);
        }
        self.rr = 0;
        self.summary.shard_map_refreshes += 1;
    }

    /// The next instant something becomes due, if any.
    fn next_wake(&self, now: Instant) -> Option<Instant> {
        let room = self.in_flight < self.cfg.max_in_flight;
        let mut wake: Option<Instant> = self.retries.peek().map(|r| r.0.at);
        let mut consider = |t: Instant| {
            if t > now || room {
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
        };
        for s in &self.shards {
            if let Some(d) = s.agg_due {
                consider(d);
            }
            if let Some(front) = s.ready.front() {
                match s.throttled_until {
                    Some(t) if t > now => consider(t),
                    _ => consider(front.meta.due),
                }
            }
        }
        if self.refresh_wanted && self.in_flight == 0 {
            consider(now + Duration::from_secs(1));
        }
        wake.map(|w| w.max(now))
    }
}

/// Failure-file error code of a record the aggregator refused.
fn code_of(e: &kpl_aggregation::Error) -> &'static str {
    match e {
        kpl_aggregation::Error::RecordTooLarge { .. } => "RecordTooLarge",
        kpl_aggregation::Error::InvalidPartitionKey { .. } => "InvalidPartitionKey",
        _ => "InvalidRecord",
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
