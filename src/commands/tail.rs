//! `streamstack tail`: reads the shards of a stream (`--stream`, or the stream of `--stack`),
//! de-aggregates KPL records and prints the user records, to check a pipeline end to end.
//!
//! One task per shard (every shard, or those of `--shard`): `GetShardIterator` at `--from`, then
//! the paced GetRecords loop of [`crate::shard_reader`] (at most one call per second per shard,
//! since the shard's 5 reads/s are shared with the stack's own consumer), following the shard
//! until it is closed, `--until` is passed, or (`--no-follow`) it has caught up. `--timeout` ends
//! the whole command. Records of one shard are printed in order; shards interleave. After a
//! reshard, a child shard is read only once its parents (those being read) have been read to
//! their end, so the records of one partition key keep their order, as the KCL does.

use std::future::Future;
use std::io::Write;
use std::time::Duration;

use aws_sdk_kinesis::types::ShardIteratorType;
use aws_sdk_kinesis::Client;
use base64::Engine as _;
use clap::Args;
use kinesis_producer::kinesis::StreamRef;
use kpl_aggregation::{deaggregate_bytes, DeaggregatedRecord};
use tokio::sync::{mpsc, watch};

use crate::aws::{describe, AwsArgs, AwsError};
use crate::error::UsageError;
use crate::output::{OutputArgs, OutputMode};
use crate::shard_reader::{self, Failure, Page, Record, StartAt, Stop};
use crate::stack_stream::{self, Target};

/// Arguments of `streamstack tail`.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// Stream name or ARN (or use --stack).
    #[arg(long)]
    pub stream: Option<String>,
    /// Read the stream of this stack (its DataStreamName output) instead of --stream.
    #[arg(long, value_name = "STACK")]
    pub stack: Option<String>,
    /// Where to start: latest (new records only), trim-horizon (the oldest record),
    /// at:TIMESTAMP (RFC 3339) or after:SEQUENCE (with --shard).
    #[arg(long, value_name = "WHERE", default_value = "latest")]
    pub from: String,
    /// Read only this shard (repeatable; default: every shard).
    #[arg(long = "shard", value_name = "ID")]
    pub shards: Vec<String>,
    /// Stop at the records that arrived after this RFC 3339 time.
    #[arg(long, value_name = "TIMESTAMP")]
    pub until: Option<String>,
    /// Stop after this long (e.g. 30s, 5m, 1h), exit 0.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Stop after printing this many user records.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Stop once every shard has been read up to its latest record instead of following it.
    #[arg(long)]
    pub no_follow: bool,
    /// `--output text` prints the data, a line per record; `json` a JSON object per record
    /// (shard, sequence and sub-sequence numbers, partition key, data).
    #[command(flatten)]
    pub output: OutputArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// The checked arguments of `tail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The stream, or the stack that names it.
    pub target: Target,
    /// Where to start.
    pub from: StartAt,
    /// `--until`, ms since the epoch.
    pub until_ms: Option<i64>,
    /// `--timeout`.
    pub timeout: Option<Duration>,
}

/// Checks the arguments, before any AWS call; each failure is one line naming the value.
///
/// # Errors
/// A [`UsageError`].
pub fn check(args: &TailArgs) -> Result<Plan, UsageError> {
    let target = stack_stream::choose(args.stack.as_deref(), args.stream.as_deref())?;
    let from = StartAt::parse(&args.from).map_err(UsageError)?;
    if let Some(bad) = args.shards.iter().find(|s| s.trim().is_empty()) {
        return Err(UsageError(format!(
            "--shard `{bad}` is invalid: use a shard id such as shardId-000000000000"
        )));
    }
    if matches!(from, StartAt::After(_)) && args.shards.len() != 1 {
        return Err(UsageError(format!(
            "--from {}: a sequence number belongs to one shard; name it with one --shard ID",
            args.from
        )));
    }
    let until_ms = args
        .until
        .as_deref()
        .map(|u| {
            crate::logs::time::parse_rfc3339(u).map_err(|_| {
                UsageError(format!(
                    "--until `{u}` is invalid: use an RFC 3339 time (e.g. 2026-12-05T01:00:00Z)"
                ))
            })
        })
        .transpose()?;
    if let (StartAt::At(at), Some(until)) = (&from, until_ms) {
        if until < *at {
            return Err(UsageError(format!(
                "--until {} is before --from {}: nothing to read",
                args.until.as_deref().unwrap_or_default(),
                args.from
            )));
        }
    }
    let timeout = args
        .timeout
        .as_deref()
        .map(|t| {
            crate::logs::time::parse_duration_secs(t)
                .map(|s| Duration::from_secs(u64::try_from(s).unwrap_or(u64::MAX)))
                .ok_or_else(|| {
                    UsageError(format!(
                        "--timeout `{t}` is invalid: use a duration above 0 (e.g. 30s, 5m, 1h)"
                    ))
                })
        })
        .transpose()?;
    Ok(Plan {
        target,
        from,
        until_ms,
        timeout,
    })
}

/// Runs `streamstack tail`.
pub fn run(args: &TailArgs) -> anyhow::Result<()> {
    let plan = check(args)?;
    crate::aws::runtime()?.block_on(tail(args, plan))
}

async fn tail(args: &TailArgs, plan: Plan) -> anyhow::Result<()> {
    let config = crate::aws::sdk_config(&args.aws).await?;
    let stream = stack_stream::resolve(&config, &plan.target).await?;
    let client = Client::new(&config);
    let deadline = plan.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut shards = list_shards(&client, &stream, &plan.from).await?;
    if !args.shards.is_empty() {
        if let Some(unknown) = args
            .shards
            .iter()
            .find(|s| !shards.iter().any(|x| &x.id == *s))
        {
            let ids: Vec<&str> = shards.iter().map(|s| s.id.as_str()).collect();
            return Err(UsageError(format!(
                "--shard `{unknown}` is not a shard of stream {stream} to read from {}; its shards: {}",
                args.from,
                ids.join(", ")
            ))
            .into());
        }
        shards.retain(|s| args.shards.contains(&s.id));
    }
    let (tx, mut rx) = mpsc::channel::<Result<(String, Vec<DeaggregatedRecord>), String>>(64);
    // A "done" signal per shard, which its children wait for.
    let done: std::collections::HashMap<String, watch::Sender<bool>> = shards
        .iter()
        .map(|s| (s.id.clone(), watch::channel(false).0))
        .collect();
    let stop = Stop {
        when_caught_up: args.no_follow,
        until_ms: plan.until_ms,
    };
    for shard in shards {
        let (client, tx) = (client.clone(), tx.clone());
        let (stream, from) = (stream.clone(), plan.from.clone());
        let parents: Vec<watch::Receiver<bool>> = shard
            .parents
            .iter()
            .filter_map(|p| done.get(p).map(watch::Sender::subscribe))
            .collect();
        let finished = done.get(&shard.id).cloned();
        tokio::spawn(async move {
            for mut parent in parents {
                // An error means the parent's task is gone: read on.
                let _ = parent.wait_for(|d| *d).await;
            }
            if let Err(e) = read_shard(&client, &stream, &shard.id, &from, stop, &tx).await {
                let _ = tx.send(Err(e)).await;
            }
            if let Some(f) = finished {
                f.send_replace(true);
            }
        });
    }
    drop(tx);
    let mut printed = 0u64;
    let stdout = std::io::stdout();
    loop {
        let timeout = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        let msg = tokio::select! {
            m = rx.recv() => m,
            _ = tokio::signal::ctrl_c() => None,
            () = timeout => None,
        };
        let Some(msg) = msg else { break };
        let (shard, records) = msg.map_err(anyhow::Error::msg)?;
        let mut out = stdout.lock();
        for r in records {
            if args.count.is_some_and(|c| printed >= c) {
                break;
            }
            if print(&mut out, &shard, &r, args.output.output).is_err() {
                // The reader went away (e.g. `| head`): stop quietly.
                return Ok(());
            }
            printed += 1;
        }
        if out.flush().is_err() || args.count.is_some_and(|c| printed >= c) {
            return Ok(());
        }
    }
    Ok(())
}

fn print(
    out: &mut impl Write,
    shard: &str,
    r: &DeaggregatedRecord,
    format: OutputMode,
) -> std::io::Result<()> {
    match format {
        OutputMode::Text => {
            out.write_all(&r.data)?;
            out.write_all(b"\n")
        }
        OutputMode::Json => {
            let mut o = serde_json::Map::new();
            o.insert("shard_id".into(), shard.into());
            o.insert("sequence_number".into(), (*r.sequence_number).into());
            o.insert("sub_sequence_number".into(), r.sub_sequence_number.into());
            o.insert("partition_key".into(), (*r.partition_key).into());
            if let Some(ehk) = &r.explicit_hash_key {
                o.insert("explicit_hash_key".into(), (**ehk).into());
            }
            o.insert("aggregated".into(), r.aggregated.into());
            match std::str::from_utf8(&r.data) {
                Ok(t) => o.insert("data".into(), t.into()),
                Err(_) => o.insert(
                    "data_base64".into(),
                    base64::engine::general_purpose::STANDARD
                        .encode(&r.data)
                        .into(),
                ),
            };
            serde_json::to_writer(&mut *out, &o)?;
            out.write_all(b"\n")
        }
    }
}

/// A shard to read and the shards it was split or merged from.
struct ShardToRead {
    id: String,
    parents: Vec<String>,
}

/// Shards to read: all (closed parents too) when older records are asked for, open ones for
/// latest.
async fn list_shards(
    client: &Client,
    stream: &str,
    from: &StartAt,
) -> anyhow::Result<Vec<ShardToRead>> {
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let req = match &next {
            Some(token) => client.list_shards().next_token(token),
            None => {
                let s = StreamRef::parse(stream);
                client
                    .list_shards()
                    .set_stream_name(s.name())
                    .set_stream_arn(s.arn())
            }
        };
        let out = req
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot list the shards of {stream}: {}", describe(&e)))?;
        for s in out.shards.unwrap_or_default() {
            let closed = s
                .sequence_number_range
                .as_ref()
                .is_some_and(|r| r.ending_sequence_number.is_some());
            if !closed || from.reads_closed_shards() {
                ids.push(ShardToRead {
                    id: s.shard_id,
                    parents: s
                        .parent_shard_id
                        .into_iter()
                        .chain(s.adjacent_parent_shard_id)
                        .collect(),
                });
            }
        }
        next = out.next_token;
        if next.is_none() {
            return Ok(ids);
        }
    }
}

/// GetRecords on the Kinesis API, for [`shard_reader::read`].
struct KinesisShard {
    client: Client,
}

impl shard_reader::Shard for KinesisShard {
    fn get_records(&self, iterator: &str) -> impl Future<Output = Result<Page, Failure>> + Send {
        let req = self
            .client
            .get_records()
            .shard_iterator(iterator)
            .limit(10_000);
        async move {
            let out = req.send().await.map_err(|e| {
                let e = AwsError::new("GetRecords", &e);
                if e.is_throttling() {
                    Failure::Throttled
                } else {
                    Failure::Other(e.detail().to_string())
                }
            })?;
            Ok(Page {
                records: out
                    .records
                    .into_iter()
                    .map(|r| Record {
                        partition_key: r.partition_key.unwrap_or_default(),
                        sequence_number: r.sequence_number,
                        arrival_ms: r
                            .approximate_arrival_timestamp
                            .and_then(|t| t.to_millis().ok()),
                        data: bytes::Bytes::from(r.data.into_inner()),
                    })
                    .collect(),
                next: out.next_shard_iterator,
                millis_behind: out.millis_behind_latest.unwrap_or(0),
            })
        }
    }
}

/// Follows one shard from `from`, sending its de-aggregated records.
async fn read_shard(
    client: &Client,
    stream: &str,
    shard: &str,
    from: &StartAt,
    stop: Stop,
    tx: &mpsc::Sender<Result<(String, Vec<DeaggregatedRecord>), String>>,
) -> Result<(), String> {
    let s = StreamRef::parse(stream);
    let mut req = client
        .get_shard_iterator()
        .set_stream_name(s.name())
        .set_stream_arn(s.arn())
        .shard_id(shard);
    req = match from {
        StartAt::Latest => req.shard_iterator_type(ShardIteratorType::Latest),
        StartAt::TrimHorizon => req.shard_iterator_type(ShardIteratorType::TrimHorizon),
        StartAt::At(ms) => req
            .shard_iterator_type(ShardIteratorType::AtTimestamp)
            .timestamp(aws_smithy_types::DateTime::from_millis(*ms)),
        StartAt::After(seq) => req
            .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
            .starting_sequence_number(seq),
    };
    let Some(iterator) = req
        .send()
        .await
        .map_err(|e| format!("cannot read {shard}: {}", describe(&e)))?
        .shard_iterator
    else {
        return Ok(());
    };
    let reader = KinesisShard {
        client: client.clone(),
    };
    let deliver = |batch: Vec<Record>| {
        let (tx, shard) = (tx.clone(), shard.to_owned());
        async move {
            let mut users = Vec::new();
            for r in batch {
                users.extend(deaggregate_bytes(
                    &r.partition_key,
                    None,
                    r.data,
                    &r.sequence_number,
                ));
            }
            // The printer's channel is bounded: a slow printer holds the reader back.
            users.is_empty() || tx.send(Ok((shard, users))).await.is_ok()
        }
    };
    let result =
        shard_reader::read(&reader, iterator, stop, crate::logs::time::now_ms, deliver).await;
    result.map_err(|e| format!("cannot read {shard}: {e}"))
}
