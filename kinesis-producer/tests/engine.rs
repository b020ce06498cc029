//! The engine against an in-process sink that behaves like Kinesis: routes entries to shards by
//! explicit hash key or partition key hash, enforces the request limits, and fails entries on
//! demand. Checks delivery (every user record exactly once when the sink stores each entry at
//! most once), per-shard aggregation, batch limits, retries, throttling, the failure file,
//! buffering time (on tokio's paused clock, so no timing flakiness), backpressure, fatal errors
//! and resharding.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kinesis_producer::engine::{Engine, EngineConfig, StopSignal, MAX_BATCH_ENTRIES};
use kinesis_producer::failure_log::FailureLog;
use kinesis_producer::shard_map::ShardRange;
use kinesis_producer::sink::{EntryOutcome, Sink, SinkError, THROTTLED};
use kinesis_producer::stats::{Progress, Summary};
use kpl_aggregation::{deaggregate, hash_key_for, KinesisRecord, UserRecord};
use tokio::sync::{mpsc, watch};

#[derive(Default)]
struct State {
    shards: Vec<ShardRange>,
    /// (shard id, record) of every stored entry.
    stored: Vec<(String, KinesisRecord)>,
    calls: u64,
    call_times: Vec<tokio::time::Instant>,
    violations: Vec<String>,
    rng: u64,
    /// Split the single shard in two after this many calls.
    split_after_calls: Option<u64>,
}

struct FakeKinesis {
    state: Mutex<State>,
    fail_fraction: f64,
    fail_code: &'static str,
    fatal: bool,
    hang: bool,
    max_request_bytes: usize,
}

fn even_shards(n: u128) -> Vec<ShardRange> {
    let step = u128::MAX / n;
    (0..n)
        .map(|i| ShardRange {
            shard_id: format!("shardId-{i:012}"),
            start: i * step,
            end: if i == n - 1 {
                u128::MAX
            } else {
                (i + 1) * step - 1
            },
        })
        .collect()
}

fn fix_ranges(mut shards: Vec<ShardRange>) -> Vec<ShardRange> {
    // Make consecutive ranges meet exactly.
    for i in 1..shards.len() {
        shards[i].start = shards[i - 1].end + 1;
    }
    shards
}

impl FakeKinesis {
    fn new(shards: u128) -> Self {
        Self {
            state: Mutex::new(State {
                shards: even_shards(shards),
                rng: 42,
                ..State::default()
            }),
            fail_fraction: 0.0,
            fail_code: "InternalFailure",
            fatal: false,
            hang: false,
            max_request_bytes: kinesis_producer::engine::DEFAULT_MAX_REQUEST_BYTES,
        }
    }

    fn user_records(&self) -> Vec<(String, Vec<u8>)> {
        self.user_records_checked_from(0)
    }

    /// The stored user records; those of entries from `check_from` on must be aggregated
    /// per shard.
    fn user_records_checked_from(&self, check_from: usize) -> Vec<(String, Vec<u8>)> {
        let st = self.state.lock().unwrap();
        let mut out = Vec::new();
        for (i, (shard_id, r)) in st.stored.iter().enumerate() {
            let range = st.shards.iter().find(|s| &s.shard_id == shard_id).cloned();
            for u in deaggregate(
                &r.partition_key,
                r.explicit_hash_key.as_deref(),
                &r.data,
                "1",
            ) {
                if let (Some(range), true, true) = (&range, u.aggregated, i >= check_from) {
                    // Per-shard aggregation: every user record of an aggregate belongs to the
                    // shard the aggregate was stored on.
                    let h = hash_key_for(&u.partition_key);
                    assert!(
                        range.start <= h && h <= range.end,
                        "user record {} aggregated into {shard_id}, which does not own its hash",
                        u.partition_key
                    );
                }
                out.push((u.partition_key.to_string(), u.data.to_vec()));
            }
        }
        out
    }
}

impl Sink for FakeKinesis {
    async fn put_records(&self, entries: &[KinesisRecord]) -> Result<Vec<EntryOutcome>, SinkError> {
        if self.hang {
            std::future::pending::<()>().await;
        }
        let mut st = self.state.lock().unwrap();
        st.calls += 1;
        st.call_times.push(tokio::time::Instant::now());
        if self.fatal {
            return Err(SinkError {
                retryable: false,
                message: "ResourceNotFoundException: Stream s not found".into(),
            });
        }
        let total: usize = entries.iter().map(KinesisRecord::size).sum();
        if entries.len() > MAX_BATCH_ENTRIES || total > self.max_request_bytes {
            st.violations
                .push(format!("{} entries, {total} bytes", entries.len()));
        }
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            st.rng = st
                .rng
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            #[allow(clippy::cast_precision_loss)]
            let roll = (st.rng >> 11) as f64 / (1u64 << 53) as f64;
            if roll < self.fail_fraction {
                out.push(EntryOutcome::Failed {
                    code: self.fail_code.into(),
                    message: "injected".into(),
                });
                continue;
            }
            let h = match &e.explicit_hash_key {
                Some(k) => k.parse::<u128>().unwrap(),
                None => hash_key_for(&e.partition_key),
            };
            let shard = st
                .shards
                .iter()
                .find(|s| s.start <= h && h <= s.end)
                .unwrap()
                .shard_id
                .clone();
            st.stored.push((shard.clone(), e.clone()));
            out.push(EntryOutcome::Stored { shard_id: shard });
        }
        if st.split_after_calls.is_some_and(|c| st.calls >= c) {
            st.split_after_calls = None;
            // Reshard: the one shard becomes two new ones.
            st.shards = fix_ranges(vec![
                ShardRange {
                    shard_id: "shardId-000000000001".into(),
                    start: 0,
                    end: u128::MAX / 2,
                },
                ShardRange {
                    shard_id: "shardId-000000000002".into(),
                    start: 0,
                    end: u128::MAX,
                },
            ]);
        }
        Ok(out)
    }

    async fn list_open_shards(&self) -> Result<Vec<ShardRange>, SinkError> {
        Ok(self.state.lock().unwrap().shards.clone())
    }
}

fn records(n: usize, size: usize) -> Vec<UserRecord> {
    (0..n)
        .map(|i| UserRecord {
            partition_key: format!("key-{i}"),
            explicit_hash_key: None,
            data: format!("{i:0size$}").into_bytes(),
        })
        .collect()
}

fn fast_retries() -> EngineConfig {
    EngineConfig {
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(20),
        ..EngineConfig::default()
    }
}

struct Run {
    summary: Summary,
    failures: tempfile::TempDir,
}

impl Run {
    fn failure_lines(&self) -> Vec<serde_json::Value> {
        match std::fs::read_to_string(self.failures.path().join("failures.jsonl")) {
            Ok(text) => text
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

async fn run(sink: Arc<FakeKinesis>, cfg: EngineConfig, input: Vec<UserRecord>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(
        sink,
        cfg,
        Arc::new(Progress::default()),
        FailureLog::new(dir.path().join("failures.jsonl")),
    )
    .await
    .unwrap();
    let (tx, rx) = mpsc::channel(8);
    let (_stop_tx, stop_rx) = watch::channel(StopSignal::Run);
    let feeder = tokio::spawn(async move {
        let mut it = input.into_iter().peekable();
        while it.peek().is_some() {
            let chunk: Vec<_> = it.by_ref().take(512).collect();
            tx.send(chunk).await.unwrap();
        }
    });
    let summary = engine.run(rx, stop_rx).await.unwrap();
    feeder.await.unwrap();
    Run {
        summary,
        failures: dir,
    }
}

fn sorted(v: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let mut v = v;
    v.sort();
    v
}

fn expected(input: &[UserRecord]) -> Vec<(String, Vec<u8>)> {
    sorted(
        input
            .iter()
            .map(|r| (r.partition_key.clone(), r.data.clone()))
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_arrives_once_aggregated_per_shard_within_batch_limits() {
    let sink = Arc::new(FakeKinesis::new(4));
    let input = records(20_000, 100);
    let r = run(Arc::clone(&sink), EngineConfig::default(), input.clone()).await;
    assert_eq!(sorted(sink.user_records()), expected(&input));
    let s = &r.summary;
    assert_eq!(s.user_records, 20_000);
    assert_eq!(s.failed_records, 0);
    assert_eq!(s.retries, 0);
    assert_eq!(s.shards, 4);
    assert!(
        s.kinesis_records < 100,
        "100-byte records pack ~400 per aggregate: {}",
        s.kinesis_records
    );
    assert!(sink.state.lock().unwrap().violations.is_empty());
    assert!(r.failure_lines().is_empty());
    assert!(!r.failures.path().join("failures.jsonl").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_keys_are_spread_round_robin_and_each_aggregate_lands_on_its_shard() {
    let sink = Arc::new(FakeKinesis::new(4));
    let input = records(40_000, 100);
    let cfg = EngineConfig {
        random_keys: true,
        ..EngineConfig::default()
    };
    let r = run(Arc::clone(&sink), cfg, input.clone()).await;
    // Sub-records are not placed by their key's hash here: check delivery only.
    assert_eq!(
        sorted(sink.user_records_checked_from(usize::MAX)),
        expected(&input)
    );
    assert_eq!(
        r.summary.shard_map_refreshes, 0,
        "every aggregate landed where expected"
    );
    let st = sink.state.lock().unwrap();
    let mut per_shard = std::collections::BTreeMap::<&str, usize>::new();
    for (shard, rec) in &st.stored {
        *per_shard.entry(shard.as_str()).or_default() += 1;
        let ehk: u128 = rec.explicit_hash_key.as_deref().unwrap().parse().unwrap();
        let range = st.shards.iter().find(|s| &s.shard_id == shard).unwrap();
        assert_eq!(
            ehk, range.start,
            "an aggregate carries its shard's first hash key"
        );
    }
    assert_eq!(per_shard.len(), 4);
    let (lo, hi) = (
        per_shard.values().min().unwrap(),
        per_shard.values().max().unwrap(),
    );
    assert!(hi - lo <= 1, "round-robin: {per_shard:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_bigger_than_an_aggregate_are_sent_alone() {
    for random_keys in [false, true] {
        let sink = Arc::new(FakeKinesis::new(2));
        let mut input = records(100, 10);
        input.push(UserRecord {
            partition_key: "big".into(),
            explicit_hash_key: None,
            data: vec![b'y'; 200_000],
        });
        let cfg = EngineConfig {
            random_keys,
            ..EngineConfig::default()
        };
        let r = run(Arc::clone(&sink), cfg, input.clone()).await;
        assert_eq!(r.summary.failed_records, 0);
        assert_eq!(
            sorted(sink.user_records_checked_from(usize::MAX)),
            expected(&input)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_aggregation_each_record_is_an_entry_and_batches_stay_within_500() {
    let sink = Arc::new(FakeKinesis::new(2));
    let input = records(3_000, 50);
    let cfg = EngineConfig {
        aggregate: false,
        ..EngineConfig::default()
    };
    let r = run(Arc::clone(&sink), cfg, input.clone()).await;
    assert_eq!(sorted(sink.user_records()), expected(&input));
    assert_eq!(r.summary.kinesis_records, 3_000);
    assert!(r.summary.put_records_calls >= 6);
    assert!(sink.state.lock().unwrap().violations.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_request_limit_is_respected() {
    let mut fake = FakeKinesis::new(3);
    fake.max_request_bytes = 1_048_576;
    let sink = Arc::new(fake);
    let input = records(30_000, 200);
    let cfg = EngineConfig {
        max_request_bytes: 1_048_576,
        ..EngineConfig::default()
    };
    run(Arc::clone(&sink), cfg, input.clone()).await;
    assert_eq!(sorted(sink.user_records()), expected(&input));
    assert!(sink.state.lock().unwrap().violations.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_percent_failed_entries_are_retried_until_all_arrive() {
    let mut fake = FakeKinesis::new(4);
    fake.fail_fraction = 0.3;
    let sink = Arc::new(fake);
    let input = records(10_000, 100);
    let cfg = EngineConfig {
        max_retries: 30,
        aggregate: false,
        ..fast_retries()
    };
    let r = run(Arc::clone(&sink), cfg, input.clone()).await;
    assert_eq!(sorted(sink.user_records()), expected(&input));
    let s = &r.summary;
    assert_eq!(s.user_records, 10_000);
    assert_eq!(s.failed_records, 0);
    // About 0.3/(1-0.3) = 43 % extra sends.
    assert!((3_000..6_000).contains(&s.retries), "retries {}", s.retries);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_entries_are_counted_retried_and_delivered() {
    let mut fake = FakeKinesis::new(2);
    fake.fail_fraction = 0.5;
    fake.fail_code = THROTTLED;
    let sink = Arc::new(fake);
    let input = records(20_000, 100);
    let cfg = EngineConfig {
        max_retries: 40,
        ..fast_retries()
    };
    let r = run(Arc::clone(&sink), cfg, input.clone()).await;
    assert_eq!(sorted(sink.user_records()), expected(&input));
    assert!(r.summary.throttled > 0);
    assert_eq!(r.summary.throttled, r.summary.retries);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_that_exhaust_their_retries_land_in_the_failure_file() {
    let mut fake = FakeKinesis::new(2);
    fake.fail_fraction = 1.0;
    let sink = Arc::new(fake);
    let input = records(2_000, 30);
    let cfg = EngineConfig {
        max_retries: 2,
        ..fast_retries()
    };
    let r = run(Arc::clone(&sink), cfg, input.clone()).await;
    assert!(sink.user_records().is_empty());
    assert_eq!(r.summary.user_records, 0);
    assert_eq!(r.summary.failed_records, 2_000);
    let lines = r.failure_lines();
    assert_eq!(lines.len(), 2_000);
    let got = sorted(
        lines
            .iter()
            .map(|l| {
                assert_eq!(l["error_code"], "InternalFailure");
                assert_eq!(l["attempts"], 3, "first send + 2 retries");
                (
                    l["partition_key"].as_str().unwrap().to_owned(),
                    l["data"].as_str().unwrap().as_bytes().to_vec(),
                )
            })
            .collect(),
    );
    assert_eq!(got, expected(&input));
    assert!(r.summary.failure_file.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_kinesis_would_refuse_go_to_the_failure_file_not_the_stream() {
    let sink = Arc::new(FakeKinesis::new(1));
    let mut input = records(10, 10);
    input.push(UserRecord {
        partition_key: "big".into(),
        explicit_hash_key: None,
        data: vec![b'x'; 1_048_576],
    });
    input.push(UserRecord {
        partition_key: String::new(),
        explicit_hash_key: None,
        data: b"no key".to_vec(),
    });
    let r = run(Arc::clone(&sink), EngineConfig::default(), input.clone()).await;
    assert_eq!(sorted(sink.user_records()), expected(&input[..10]));
    let codes: Vec<_> = r
        .failure_lines()
        .iter()
        .map(|l| l["error_code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, ["RecordTooLarge", "InvalidPartitionKey"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_retryable_error_stops_the_run_and_keeps_the_records() {
    let mut fake = FakeKinesis::new(1);
    fake.fatal = true;
    let sink = Arc::new(fake);
    let input = records(1_000, 20);
    let r = run(Arc::clone(&sink), EngineConfig::default(), input.clone()).await;
    let why = r.summary.stopped_early.clone().unwrap();
    assert!(why.contains("ResourceNotFoundException"), "{why}");
    assert_eq!(r.failure_lines().len(), 1_000);
    assert_eq!(
        sink.state.lock().unwrap().calls,
        1,
        "no retry of a fatal error"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reshard_is_noticed_and_the_shard_map_refreshed() {
    let mut fake = FakeKinesis::new(1);
    fake.state.get_mut().unwrap().split_after_calls = Some(1);
    let sink = Arc::new(fake);
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(
        Arc::clone(&sink),
        EngineConfig::default(),
        Arc::new(Progress::default()),
        FailureLog::new(dir.path().join("f.jsonl")),
    )
    .await
    .unwrap();
    let (tx, rx) = mpsc::channel(8);
    let (_stop, stop_rx) = watch::channel(StopSignal::Run);
    let input = records(9_000, 100);
    let chunks: Vec<Vec<UserRecord>> = input.chunks(3_000).map(<[UserRecord]>::to_vec).collect();
    let probe = Arc::clone(&sink);
    let feeder = tokio::spawn(async move {
        let calls = |n| {
            let probe = Arc::clone(&probe);
            async move {
                while probe.state.lock().unwrap().calls < n {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        };
        let mut chunks = chunks.into_iter();
        // Sent with the old one-shard map: lands on the old shard, then the stream splits.
        tx.send(chunks.next().unwrap()).await.unwrap();
        calls(1).await;
        // Still packed for one shard: lands on the new shards, which reveals the reshard.
        tx.send(chunks.next().unwrap()).await.unwrap();
        calls(2).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let refreshed_at = probe.state.lock().unwrap().stored.len();
        // Packed with the refreshed map.
        tx.send(chunks.next().unwrap()).await.unwrap();
        refreshed_at
    });
    let summary = engine.run(rx, stop_rx).await.unwrap();
    let refreshed_at = feeder.await.unwrap();
    assert_eq!(
        sorted(sink.user_records_checked_from(refreshed_at)),
        expected(&input)
    );
    assert!(summary.shard_map_refreshes >= 1, "{summary:?}");
    assert_eq!(summary.shards, 2);
}

#[tokio::test(start_paused = true)]
async fn a_lone_record_waits_exactly_the_buffer_time() {
    let sink = Arc::new(FakeKinesis::new(2));
    let dir = tempfile::tempdir().unwrap();
    let cfg = EngineConfig {
        buffer_time: Duration::from_millis(250),
        ..EngineConfig::default()
    };
    let engine = Engine::new(
        Arc::clone(&sink),
        cfg,
        Arc::new(Progress::default()),
        FailureLog::new(dir.path().join("f.jsonl")),
    )
    .await
    .unwrap();
    let (tx, rx) = mpsc::channel(8);
    let (_stop, stop_rx) = watch::channel(StopSignal::Run);
    let start = tokio::time::Instant::now();
    let probe = Arc::clone(&sink);
    let feeder = tokio::spawn(async move {
        tx.send(records(1, 10)).await.unwrap();
        // Keep the input open well past the buffer time: only the timer can send it.
        while probe.state.lock().unwrap().calls == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(tx);
    });
    engine.run(rx, stop_rx).await.unwrap();
    feeder.await.unwrap();
    let times = sink.state.lock().unwrap().call_times.clone();
    assert_eq!(times.len(), 1);
    assert_eq!(times[0] - start, Duration::from_millis(250));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backpressure_bounds_memory_and_abandon_keeps_what_was_buffered() {
    let mut fake = FakeKinesis::new(1);
    fake.hang = true;
    let sink = Arc::new(fake);
    let dir = tempfile::tempdir().unwrap();
    let progress = Arc::new(Progress::default());
    let cfg = EngineConfig {
        max_in_flight: 1,
        max_buffered_bytes: 1_048_576,
        ..EngineConfig::default()
    };
    let engine = Engine::new(
        Arc::clone(&sink),
        cfg,
        Arc::clone(&progress),
        FailureLog::new(dir.path().join("f.jsonl")),
    )
    .await
    .unwrap();
    let (tx, rx) = mpsc::channel(4);
    let (stop_tx, stop_rx) = watch::channel(StopSignal::Run);
    let run = tokio::spawn(engine.run(rx, stop_rx));
    // Offer far more than fits: 200,000 records of 100 bytes (20 MB).
    let mut offered = 0usize;
    let mut refused = 0;
    let mut next = 0usize;
    while offered < 200_000 && refused < 50 {
        let chunk = records(512, 100)
            .into_iter()
            .map(|mut r| {
                r.partition_key = format!("{next}-{}", r.partition_key);
                r
            })
            .collect();
        next += 1;
        match tx.try_send(chunk) {
            Ok(()) => offered += 512,
            Err(mpsc::error::TrySendError::Full(_)) => {
                refused += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    let pending = progress.snapshot().pending_user_records;
    // Accepted: at most the 1 MiB buffer + one 5 MiB request in flight + one read of the
    // channel (64 chunks of 512), in 100-byte records (+ key bytes): far below the 200,000 offered.
    assert!(offered < 200_000, "the channel stopped taking records");
    assert!(
        pending <= (6 * 1_048_576 / 100) + 64 * 512,
        "pending {pending}"
    );
    assert!(pending > 0);
    stop_tx.send(StopSignal::Abandon).unwrap();
    let summary = run.await.unwrap().unwrap();
    let why = summary.stopped_early.unwrap();
    assert!(
        why.contains("1 PutRecords request still in flight"),
        "{why}"
    );
    // Everything accepted but not in the hung request is in the failure file.
    let lines = std::fs::read_to_string(dir.path().join("f.jsonl")).unwrap();
    assert!(lines.lines().count() > 0);
}
