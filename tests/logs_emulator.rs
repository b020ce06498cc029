//! `logs`, `ls`, and `produce`/`tail` by stack name against the AWS API emulator (moto 5.2.5,
//! see tests/support/moto.rs): patterns deployed with stand-in assets, log events put into the
//! log groups the stacks create (as the consumer, the Flink application or API Gateway would
//! write them), then read back through the command; `logs --follow` on a terminal in tmux.
//!
//! What the emulator lacks: nothing writes to the log groups (functions and jobs do not run), so
//! the tests put the events; API Gateway never creates its execution log group, so a test
//! creates it under the name API Gateway uses; StartLiveTail answers one JSON document instead of
//! an event stream (moto/logs/responses.py), which is why `logs --follow` polls FilterLogEvents.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::assets::deploy;
use support::moto::{block_on, moto, ok, silent_endpoint, Moto};
use support::tmux::{tmux_on, wait_for};

/// logical id -> (type, physical id) of every resource of the stack.
fn resources(m: &Moto, stack: &str) -> BTreeMap<String, (String, String)> {
    m.stack_resources(stack)
        .into_iter()
        .map(|(id, kind, physical)| (id, (kind, physical)))
        .collect()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Puts `(time, message)` events into `group`/`stream` (both created when missing).
fn put_events(m: &Moto, group: &str, stream: &str, events: &[(i64, &str)]) {
    let logs = aws_sdk_cloudwatchlogs::Client::new(&m.sdk_config());
    let (group, stream) = (group.to_string(), stream.to_string());
    let events: Vec<_> = events
        .iter()
        .map(|(t, msg)| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(*t)
                .message(*msg)
                .build()
                .unwrap()
        })
        .collect();
    block_on(async move {
        let _ = logs.create_log_group().log_group_name(&group).send().await;
        let _ = logs
            .create_log_stream()
            .log_group_name(&group)
            .log_stream_name(&stream)
            .send()
            .await;
        logs.put_log_events()
            .log_group_name(&group)
            .log_stream_name(&stream)
            .set_log_events(Some(events))
            .send()
            .await
            .unwrap();
    });
}

fn json_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// (source, message) of each JSON event line.
fn pairs(lines: &[Value]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|v| {
            (
                v["source"].as_str().unwrap().to_string(),
                v["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn p(source: &str, message: &str) -> (String, String) {
    (source.to_string(), message.to_string())
}

#[test]
fn logs_merges_the_groups_of_a_deployed_stack_in_time_order() {
    let m = moto();
    deploy(&m, "apigw-kds-lambda", "orders");
    let res = resources(&m, "orders");
    let consumer = &res["ConsumerLogGroup"].1;
    let access = &res["ProxyApiAccessLogs"].1;
    let t = now_ms() - 120_000;
    put_events(
        &m,
        consumer,
        "2026/12/05/[$LATEST]abc",
        &[
            (t + 1_000, "START RequestId: 1\n"),
            (t + 3_000, "ERROR emit failed for 2 records"),
            (t + 5_000, "END RequestId: 1"),
        ],
    );
    put_events(
        &m,
        access,
        "access",
        &[
            (t + 2_000, r#"{"status":"200","resourcePath":"/records"}"#),
            (t + 4_000, r#"{"status":"500","resourcePath":"/record"}"#),
        ],
    );
    // An old event, before --since.
    put_events(&m, consumer, "old", &[(t - 3_600_000, "long ago")]);
    // The emulator creates no API stage (moto 5.2.5 has no AWS::ApiGateway::Stage model), so the
    // execution log group `API-Gateway-Execution-Logs_<api id>/prod` is not discovered here; its
    // name is tested in src/logs/discovery.rs. A group that does not exist is said on stderr.
    let o = m
        .cli()
        .args(["logs", "orders", "--since", "10m", "--output", "json"])
        .output()
        .unwrap();
    ok(&o);
    let lines = json_lines(&o);
    let expected = vec![
        p("consumer", "START RequestId: 1"),
        p("api", r#"{"status":"200","resourcePath":"/records"}"#),
        p("consumer", "ERROR emit failed for 2 records"),
        p("api", r#"{"status":"500","resourcePath":"/record"}"#),
        p("consumer", "END RequestId: 1"),
    ];
    assert_eq!(
        pairs(&lines),
        expected,
        "events of every group merged in time order"
    );
    assert_eq!(lines[0]["log_group"], consumer.as_str());
    assert_eq!(lines[1]["log_group"], access.as_str());
    assert_eq!(lines[0]["timestamp"], t + 1_000);
    assert!(lines[0]["time"].as_str().unwrap().ends_with('Z'));
    // Without a terminal, JSON lines too.
    let piped = m
        .cli()
        .args(["logs", "orders", "--since", "10m"])
        .output()
        .unwrap();
    ok(&piped);
    assert_eq!(json_lines(&piped), lines);

    // One source, a filter, an RFC 3339 --since.
    let o = m
        .cli()
        .args(["logs", "orders", "--source", "consumer", "--since"])
        .arg(streamstack::logs::time::format_ms(t + 2_000))
        .output()
        .unwrap();
    ok(&o);
    assert_eq!(
        pairs(&json_lines(&o)),
        [
            p("consumer", "ERROR emit failed for 2 records"),
            p("consumer", "END RequestId: 1")
        ]
    );
    let o = m
        .cli()
        .args(["logs", "orders", "--filter", "ERROR", "--since", "1h"])
        .output()
        .unwrap();
    ok(&o);
    assert_eq!(
        pairs(&json_lines(&o)),
        [p("consumer", "ERROR emit failed for 2 records")]
    );
    // A source the stack does not have: one line naming what it has, exit 2.
    let o = m
        .cli()
        .args(["logs", "orders", "--source", "flink"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.trim(),
        "error: stack `orders` has no log group for --source flink; its sources: consumer, api"
    );
}

#[test]
fn flink_logs_come_from_the_applications_logging_option_and_the_producer_is_named() {
    let m = moto();
    deploy(&m, "kpl-kds-kda", "demo");
    let res = resources(&m, "demo");
    let group = &res["ApplicationLogGroup"].1;
    let t = now_ms() - 60_000;
    put_events(
        &m,
        group,
        "kinesis-analytics-log-stream",
        &[
            (
                t,
                r#"{"messageType":"INFO","message":"Job switched from state CREATED to RUNNING."}"#,
            ),
            (t + 10, r#"{"messageType":"ERROR","message":"boom"}"#),
        ],
    );
    let o = m
        .cli()
        .args(["logs", "demo", "--source", "flink", "--output", "json"])
        .output()
        .unwrap();
    ok(&o);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 2);
    assert!(lines
        .iter()
        .all(|l| l["source"] == "flink" && l["log_group"] == group.as_str()));
    assert_eq!(lines[0]["log_stream"], "kinesis-analytics-log-stream");
    // The producer logs to its journal: the line says where, exit 2.
    let o = m
        .cli()
        .args(["logs", "demo", "--source", "producer"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let instance = &res["ProducerInstance"].1;
    assert!(
        err.contains(&format!(
            "the producer (instance {instance}) logs to its systemd journal"
        )) && err.contains("its sources: flink"),
        "{err}"
    );
}

#[test]
fn logs_follow_shows_new_events_once_as_json_lines() {
    let m = moto();
    deploy(&m, "kds-kdf-s3", "ingest");
    let group = resources(&m, "ingest")["DeliveryLogGroup"].1.clone();
    let t = now_ms() - 30_000;
    put_events(&m, &group, "S3Delivery", &[(t, "first error")]);
    let mut child = m
        .cli()
        .args(["logs", "ingest", "--follow", "--since", "5m"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&out.next().unwrap().unwrap()).unwrap();
    assert_eq!(
        (first["source"].as_str(), first["message"].as_str()),
        (Some("firehose"), Some("first error"))
    );
    // Two more events, one of them older than the newest shown (ingested late).
    let t2 = now_ms();
    put_events(&m, &group, "S3Delivery", &[(t2, "second error")]);
    put_events(&m, &group, "late", &[(t2 - 2_000, "late error")]);
    let start = Instant::now();
    let mut got = Vec::new();
    while got.len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "follow showed {got:?}"
        );
        let line = out.next().unwrap().unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        got.push(v["message"].as_str().unwrap().to_string());
    }
    got.sort();
    assert_eq!(got, ["late error", "second error"]);
    // Nothing shown twice over the next rounds.
    put_events(&m, &group, "S3Delivery", &[(now_ms(), "third error")]);
    let next: Value = serde_json::from_str(&out.next().unwrap().unwrap()).unwrap();
    assert_eq!(next["message"], "third error", "an event was shown twice");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// tmux on this test's server socket.
fn tmux(args: &[&str]) -> Output {
    tmux_on("streamstack-logs-follow", args)
}

#[test]
fn logs_follow_on_a_terminal_is_coloured_text_until_ctrl_c() {
    let m = moto();
    deploy(&m, "apigw-kds-lambda", "tv");
    let res = resources(&m, "tv");
    let (consumer, access) = (
        res["ConsumerLogGroup"].1.clone(),
        res["ProxyApiAccessLogs"].1.clone(),
    );
    let t = now_ms() - 60_000;
    put_events(&m, &consumer, "c", &[(t, "consumer says hello")]);
    put_events(&m, &access, "a", &[(t + 1, "api says hello")]);
    let dir = tempfile::tempdir().unwrap();
    let (script, done) = (dir.path().join("run.sh"), dir.path().join("done"));
    std::fs::write(
        &script,
        format!(
            "#!/bin/bash\nexport AWS_ENDPOINT_URL={} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent\n'{}' logs tv --follow --since 5m\necho $? > '{}'\nsleep 60\n",
            m.endpoint,
            env!("CARGO_BIN_EXE_streamstack"),
            done.display()
        ),
    )
    .unwrap();
    let _ = tmux(&["kill-server"]);
    ok(&tmux(&[
        "new-session",
        "-d",
        "-s",
        "w",
        "-x",
        "120",
        "-y",
        "20",
        &format!("bash {}", script.display()),
    ]));
    let screen = |escapes: bool| {
        let mut a = vec!["capture-pane", "-p", "-t", "w"];
        if escapes {
            a.push("-e");
        }
        String::from_utf8_lossy(&tmux(&a).stdout).to_string()
    };
    wait_for("the first events", || {
        screen(false).contains("api says hello")
    });
    put_events(&m, &consumer, "c", &[(now_ms(), "consumer says more")]);
    wait_for("the followed event", || {
        screen(false).contains("consumer says more")
    });
    let plain = screen(false);
    let coloured = screen(true);
    ok(&tmux(&["send-keys", "-t", "w", "C-c"]));
    wait_for("the exit after Ctrl-C", || done.exists());
    let _ = tmux(&["kill-server"]);
    let rows: Vec<&str> = plain.lines().filter(|l| l.contains("says")).collect();
    assert_eq!(rows.len(), 3, "{plain}");
    assert!(
        rows[0].ends_with(" consumer consumer says hello"),
        "{plain}"
    );
    assert!(rows[1].ends_with(" api      api says hello"), "{plain}");
    assert!(rows[2].ends_with(" consumer consumer says more"), "{plain}");
    assert!(
        rows.iter()
            .all(|r| r.len() > 25 && r.as_bytes()[10] == b'T'),
        "{plain}"
    );
    // Each source in its colour (cyan consumer, green api), the time dimmed.
    assert!(coloured.contains("\x1b[36mconsumer"), "{coloured:?}");
    assert!(coloured.contains("\x1b[32mapi"), "{coloured:?}");
    assert!(coloured.contains("\x1b[2m"), "{coloured:?}");
    assert!(
        !plain.contains('{'),
        "text, not JSON, on a terminal: {plain}"
    );
    assert_eq!(
        std::fs::read_to_string(&done).unwrap().trim(),
        "0",
        "Ctrl-C ends with exit 0"
    );
}

/// Records of `tail --output json`, by shard and sequence number (shards interleave).
fn tailed(m: &Moto, args: &[&str]) -> Vec<Value> {
    let o = m
        .cli()
        .arg("tail")
        .args(args)
        .args(["--output", "json"])
        .output()
        .unwrap();
    ok(&o);
    let mut records = json_lines(&o);
    let key = |v: &Value| {
        let seq = v["sequence_number"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (
            v["shard_id"].as_str().unwrap_or_default().to_string(),
            seq.len(),
            seq,
        )
    };
    records.sort_by_key(key);
    records
}

#[test]
fn produce_and_tail_find_the_stream_by_stack_name() {
    let m = moto();
    deploy(&m, "kds-kdf-s3", "ingest");
    let before = streamstack::logs::time::format_ms(now_ms() - 2_000);
    ok(&m
        .cli()
        .args([
            "produce",
            "--stack",
            "ingest",
            "--count",
            "40",
            "--rate",
            "max",
            "--seed",
            "7",
            "--no-aggregate",
            "--output",
            "json",
        ])
        .output()
        .unwrap());
    let all = tailed(
        &m,
        &["--stack", "ingest", "--from", "trim-horizon", "--no-follow"],
    );
    assert_eq!(all.len(), 40);
    // The same records by the stream's name.
    let stream = resources(&m, "ingest")["DataStream"].1.clone();
    assert_eq!(
        tailed(
            &m,
            &["--stream", &stream, "--from", "trim-horizon", "--no-follow"]
        ),
        all
    );
    // at:TIMESTAMP before the records: all of them.
    assert_eq!(
        tailed(
            &m,
            &[
                "--stack",
                "ingest",
                "--from",
                &format!("at:{before}"),
                "--no-follow"
            ]
        )
        .len(),
        40
    );
    // --until before the records: none.
    assert!(tailed(
        &m,
        &[
            "--stack",
            "ingest",
            "--from",
            "trim-horizon",
            "--until",
            &before
        ]
    )
    .is_empty());
    // One shard, after one of its sequence numbers.
    let shard = all[0]["shard_id"].as_str().unwrap().to_string();
    let of_shard: Vec<&Value> = all
        .iter()
        .filter(|r| r["shard_id"] == shard.as_str())
        .collect();
    let after = tailed(
        &m,
        &[
            "--stack",
            "ingest",
            "--shard",
            &shard,
            "--from",
            &format!("after:{}", of_shard[0]["sequence_number"].as_str().unwrap()),
            "--no-follow",
        ],
    );
    let later: Vec<&Value> = of_shard
        .iter()
        .copied()
        .filter(|r| r["sequence_number"] != of_shard[0]["sequence_number"])
        .collect();
    assert!(!later.is_empty(), "the shard has more than one record");
    assert_eq!(after.iter().collect::<Vec<_>>(), later);
    // --timeout ends a follow, exit 0.
    let start = Instant::now();
    let o = m
        .cli()
        .args(["tail", "--stack", "ingest", "--timeout", "3s"])
        .output()
        .unwrap();
    ok(&o);
    assert!(start.elapsed() < Duration::from_secs(30));
    // A shard the stream does not have: one line listing those it has.
    let o = m
        .cli()
        .args([
            "tail",
            "--stack",
            "ingest",
            "--shard",
            "shardId-000000000099",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("shardId-000000000099") && err.contains(&shard),
        "{err}"
    );
}

/// A stack made without streamstack: no tag, no DataStreamName output.
fn bare_stack(m: &Moto, name: &str) {
    let cfn = aws_sdk_cloudformation::Client::new(&m.sdk_config());
    let name = name.to_string();
    block_on(async move {
        cfn.create_stack()
            .stack_name(name)
            .template_body(r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"QueueUrl": {"Value": {"Ref": "Q"}}}}"#)
            .send()
            .await
            .unwrap();
    });
}

#[test]
fn a_stack_without_a_stream_output_or_unknown_is_one_line_and_exit_2() {
    let m = moto();
    bare_stack(&m, "bare");
    let commands: [&[&str]; 2] = [&["produce", "--count", "1"], &["tail", "--no-follow"]];
    for cmd in commands {
        for (stack, says) in [
            ("bare", "--stack: stack `bare` (CREATE_COMPLETE) has no DataStreamName output (its outputs: QueueUrl); pass --stream NAME"),
            ("nope", "--stack: stack `nope` does not exist"),
        ] {
            let o = m.cli().args(&cmd[..1]).args(["--stack", stack]).args(&cmd[1..]).output().unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{cmd:?} {stack}: {err}");
            assert_eq!(err.trim(), format!("error: {says}"), "{cmd:?}");
        }
    }
}

#[test]
fn ls_lists_the_streamstack_stacks_by_their_tag() {
    let m = moto();
    deploy(&m, "kds-kdf-s3", "ingest");
    deploy(&m, "kpl-kds-kda", "demo");
    bare_stack(&m, "bare");
    // deploy tags the stack with its pattern.
    let cfn = aws_sdk_cloudformation::Client::new(&m.sdk_config());
    let tags = block_on(async move {
        cfn.describe_stacks()
            .stack_name("ingest")
            .send()
            .await
            .unwrap()
            .stacks()[0]
            .tags()
            .iter()
            .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
            .collect::<Vec<_>>()
    });
    assert!(
        tags.contains(&("streamstack:pattern".into(), "kds-kdf-s3".into())),
        "{tags:?}"
    );

    let o = m.cli().args(["ls", "--output", "json"]).output().unwrap();
    ok(&o);
    let rows = json_lines(&o);
    let app = resources(&m, "demo")["Application"].1.clone();
    assert_eq!(rows.len(), 2, "only the stacks deploy made: {rows:?}");
    assert_eq!(
        (
            rows[0]["stack"].as_str(),
            rows[0]["pattern"].as_str(),
            rows[0]["status"].as_str()
        ),
        (Some("demo"), Some("kpl-kds-kda"), Some("CREATE_COMPLETE"))
    );
    assert_eq!(
        rows[0]["flink"],
        serde_json::json!({"application": app, "status": "READY"})
    );
    assert_eq!(
        (
            rows[1]["stack"].as_str(),
            rows[1]["pattern"].as_str(),
            &rows[1]["flink"]
        ),
        (Some("ingest"), Some("kds-kdf-s3"), &Value::Null)
    );
    let updated = rows[1]["last_update"].as_str().unwrap();
    let at = streamstack::logs::time::parse_rfc3339(updated).unwrap();
    assert!((now_ms() - at).abs() < 600_000, "{updated}");
    // The table.
    let o = m.cli().args(["ls"]).output().unwrap();
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("STACK   PATTERN      STATUS           LAST UPDATE"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("demo    kpl-kds-kda  CREATE_COMPLETE  ")
            && lines[1].ends_with("  READY"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("ingest  kds-kdf-s3   CREATE_COMPLETE  ") && lines[2].ends_with("  -"),
        "{text}"
    );
}

#[test]
fn ls_of_an_empty_region_says_so() {
    let m = moto();
    let o = m.cli().args(["ls"]).output().unwrap();
    ok(&o);
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("no streamstack stacks in us-east-1"));
    let o = m.cli().args(["ls", "--output", "json"]).output().unwrap();
    ok(&o);
    assert!(o.stdout.is_empty());
}

#[test]
fn bad_input_for_every_new_flag_is_one_line_exit_2_and_nothing_sent() {
    let (listener, url) = silent_endpoint();
    let cases: &[(&[&str], &str)] = &[
        (
            &["logs", "s", "--source", "lambda"],
            "--source `lambda` is invalid: allowed consumer, flink, firehose, api, producer or all",
        ),
        (
            &["logs", "s", "--since", "yesterday"],
            "--since `yesterday` is invalid",
        ),
        (&["logs", "s", "--since", "0m"], "--since `0m` is invalid"),
        (
            &["logs", "s", "--since", "2999-01-01T00:00:00Z"],
            "--since `2999-01-01T00:00:00Z` is in the future",
        ),
        (&["logs", "s", "--filter", ""], "--filter \"\" is invalid"),
        (&["logs", "", "--follow"], "stack name is empty"),
        (
            &["tail", "--stack", "s", "--from", "beginning"],
            "--from `beginning` is invalid: use latest, trim-horizon, at:TIMESTAMP",
        ),
        (
            &["tail", "--stack", "s", "--from", "at:noon"],
            "--from `at:noon` is invalid",
        ),
        (
            &["tail", "--stack", "s", "--from", "after:123"],
            "--from after:123: a sequence number belongs to one shard",
        ),
        (
            &["tail", "--stack", "s", "--until", "soon"],
            "--until `soon` is invalid",
        ),
        (
            &[
                "tail",
                "--stack",
                "s",
                "--from",
                "at:2026-12-05T02:00:00Z",
                "--until",
                "2026-12-05T01:00:00Z",
            ],
            "is before --from",
        ),
        (
            &["tail", "--stack", "s", "--timeout", "0s"],
            "--timeout `0s` is invalid",
        ),
        (
            &["tail", "--stack", "s", "--timeout", "forever"],
            "--timeout `forever` is invalid",
        ),
        (
            &["tail", "--stack", "s", "--shard", " "],
            "--shard ` ` is invalid",
        ),
        (
            &["tail", "--stack", "s", "--stream", "x"],
            "--stack `s` and --stream `x` both name the stream",
        ),
        (&["tail"], "no stream: pass --stack STACK"),
        (
            &["produce", "--stack", "s", "--stream", "x"],
            "--stack `s` and --stream `x` both name the stream",
        ),
        (&["produce"], "no stream: pass --stack STACK"),
        (&["produce", "--stack", "s", "--rate", "0"], "rate \"0\""),
    ];
    for (args, says) in cases {
        let o = support::moto::cli_at(&url).args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: ") && first.contains(says),
            "{args:?}: {err}"
        );
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error")).count(),
            1,
            "{args:?}: {err}"
        );
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    assert!(
        listener.accept().is_err(),
        "an argument error must not call AWS"
    );
}
