//! `streamstack tail`: reads every shard of a stream, de-aggregates KPL records and prints the
//! user records, to check a pipeline end to end.
//!
//! One task per shard: `GetShardIterator` then `GetRecords` in a loop (at most 5 calls per
//! second per shard, the service limit), following the shard until it is closed. With
//! `--no-follow` a shard's task ends once it has caught up (an empty answer with
//! `MillisBehindLatest` 0). Records of one shard are printed in order; shards interleave. After a
//! reshard, a child shard is read only once its parents (those still in the stream) have been
//! read to their end, so the records of one partition key keep their order, as the KCL does.

use std::io::Write;
use std::time::Duration;

use aws_sdk_kinesis::types::ShardIteratorType;
use aws_sdk_kinesis::Client;
use base64::Engine as _;
use clap::{Args, ValueEnum};
use kinesis_producer::kinesis::StreamRef;
use kpl_aggregation::{deaggregate_bytes, DeaggregatedRecord};
use tokio::sync::{mpsc, watch};

use crate::aws::{describe, AwsArgs, AwsError};
use crate::output::{OutputArgs, OutputMode};

/// Where to start reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum From {
    /// The oldest record still in the stream.
    TrimHorizon,
    /// Only records written from now on.
    Latest,
}

/// Arguments of `streamstack tail`.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// Stream name or ARN.
    #[arg(long)]
    pub stream: String,
    /// Start at the oldest record (trim-horizon) or at new records only (latest).
    #[arg(long, value_enum, default_value_t = From::Latest)]
    pub from: From,
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

/// Runs `streamstack tail`.
pub fn run(args: &TailArgs) -> anyhow::Result<()> {
    if args.stream.trim().is_empty() {
        return Err(crate::error::UsageError(
            "stream name is empty: pass --stream NAME or --stream ARN".into(),
        )
        .into());
    }
    crate::aws::runtime()?.block_on(tail(args))
}

async fn tail(args: &TailArgs) -> anyhow::Result<()> {
    let config = crate::aws::sdk_config(&args.aws).await?;
    let client = Client::new(&config);
    let shards = list_shards(&client, &args.stream, args.from).await?;
    let (tx, mut rx) = mpsc::channel::<Result<(String, Vec<DeaggregatedRecord>), String>>(64);
    // A "done" signal per shard, which its children wait for.
    let done: std::collections::HashMap<String, watch::Sender<bool>> = shards
        .iter()
        .map(|s| (s.id.clone(), watch::channel(false).0))
        .collect();
    for shard in shards {
        let (client, tx) = (client.clone(), tx.clone());
        let (stream, from, follow) = (args.stream.clone(), args.from, !args.no_follow);
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
            if let Err(e) = read_shard(&client, &stream, &shard.id, from, follow, &tx).await {
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
        let msg = tokio::select! {
            m = rx.recv() => m,
            _ = tokio::signal::ctrl_c() => None,
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

/// Shards to read: all (closed parents too) from the trim horizon, open ones for latest.
async fn list_shards(
    client: &Client,
    stream: &str,
    from: From,
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
            if !(closed && from == From::Latest) {
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

/// Follows one shard, sending its de-aggregated records.
async fn read_shard(
    client: &Client,
    stream: &str,
    shard: &str,
    from: From,
    follow: bool,
    tx: &mpsc::Sender<Result<(String, Vec<DeaggregatedRecord>), String>>,
) -> Result<(), String> {
    let kind = match from {
        From::TrimHorizon => ShardIteratorType::TrimHorizon,
        From::Latest => ShardIteratorType::Latest,
    };
    let s = StreamRef::parse(stream);
    let req = client
        .get_shard_iterator()
        .set_stream_name(s.name())
        .set_stream_arn(s.arn());
    let mut iterator = req
        .shard_id(shard)
        .shard_iterator_type(kind)
        .send()
        .await
        .map_err(|e| format!("cannot read {shard}: {}", describe(&e)))?
        .shard_iterator;
    let mut pause = Duration::from_millis(200);
    while let Some(it) = iterator {
        let out = match client
            .get_records()
            .shard_iterator(&it)
            .limit(10_000)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let e = AwsError::new(format!("cannot read {shard}"), &e);
                if e.is_throttling() {
                    pause = (pause * 2).min(Duration::from_secs(5));
                    tokio::time::sleep(pause).await;
                    iterator = Some(it);
                    continue;
                }
                return Err(e.to_string());
            }
        };
        pause = Duration::from_millis(200);
        let empty = out.records.is_empty();
        let mut users = Vec::new();
        for r in out.records {
            users.extend(deaggregate_bytes(
                r.partition_key.as_deref().unwrap_or_default(),
                None,
                bytes::Bytes::from(r.data.into_inner()),
                &r.sequence_number,
            ));
        }
        if !users.is_empty() && tx.send(Ok((shard.to_owned(), users))).await.is_err() {
            return Ok(());
        }
        iterator = out.next_shard_iterator;
        if empty && out.millis_behind_latest.unwrap_or(0) == 0 {
            if !follow {
                return Ok(());
            }
            // Caught up: poll once a second (well inside 5 GetRecords calls/s per shard).
            tokio::time::sleep(Duration::from_secs(1)).await;
        } else {
            tokio::time::sleep(pause).await;
        }
    }
    Ok(())
}
