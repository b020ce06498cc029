//! `streamstack status STACK --watch` against the AWS API emulator (moto 5.2.5, see
//! tests/support/moto.rs): each pattern deployed with stand-in assets, metric data with known
//! values put over a known time range, alarm states set with SetAlarmState, then the JSON refreshes
//! checked exactly; the terminal view is run in tmux and its screen captured.

mod support;

use std::collections::BTreeMap;
use std::process::Output;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StateValue};
use serde_json::{json, Value};
use support::assets::deploy;
use support::moto::{block_on, moto, ok, silent_endpoint, Moto};
use support::tmux::{tmux_on, wait_for};

/// (logical id, physical id) of every resource of the stack.
fn resources(m: &Moto, stack: &str) -> BTreeMap<String, String> {
    m.stack_resources(stack)
        .into_iter()
        .map(|(id, _, physical)| (id, physical))
        .collect()
}

fn alarm_names(m: &Moto, stack: &str) -> Vec<String> {
    let cfn = aws_sdk_cloudformation::Client::new(&m.sdk_config());
    let stack = stack.to_string();
    let mut names: Vec<String> = block_on(async move {
        cfn.list_stack_resources()
            .stack_name(stack)
            .send()
            .await
            .unwrap()
            .stack_resource_summaries()
            .iter()
            .filter(|r| r.resource_type() == Some("AWS::CloudWatch::Alarm"))
            .map(|r| r.physical_resource_id().unwrap().to_string())
            .collect()
    });
    names.sort();
    names
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Puts `values` of `namespace` `metric` (`dimension` = `value`), one per minute starting at `at`.
fn put(m: &Moto, namespace: &str, metric: &str, dim: (&str, &str), at: i64, values: &[f64]) {
    let cw = aws_sdk_cloudwatch::Client::new(&m.sdk_config());
    let data: Vec<MetricDatum> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            MetricDatum::builder()
                .metric_name(metric)
                .dimensions(Dimension::builder().name(dim.0).value(dim.1).build())
                .timestamp(aws_smithy_types::DateTime::from_secs(
                    at + 60 * i as i64 + 5,
                ))
                .value(*v)
                .build()
        })
        .collect();
    let namespace = namespace.to_string();
    block_on(async move {
        cw.put_metric_data()
            .namespace(namespace)
            .set_metric_data(Some(data))
            .send()
            .await
            .unwrap();
    });
}

/// Sets the first alarm to ALARM and every other one to OK; returns the expected `alarms` map.
fn set_alarms(m: &Moto, names: &[String]) -> Value {
    let cw = aws_sdk_cloudwatch::Client::new(&m.sdk_config());
    let names = names.to_vec();
    block_on(async move {
        let mut expected = serde_json::Map::new();
        for (i, n) in names.iter().enumerate() {
            let state = if i == 0 {
                StateValue::Alarm
            } else {
                StateValue::Ok
            };
            cw.set_alarm_state()
                .alarm_name(n)
                .state_value(state.clone())
                .state_reason("set by the test")
                .send()
                .await
                .unwrap();
            expected.insert(n.clone(), json!(state.as_str()));
        }
        Value::Object(expected)
    })
}

fn watch_json(m: &Moto, stack: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "status", stack, "--watch", "--output", "json", "--period", "1", "--count", "2",
    ];
    args.extend(extra);
    let o = m.cli().args(&args).output().unwrap();
    ok(&o);
    let lines: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "--count 2: {lines:?}");
    lines
}

/// What a pattern's sink and lag are read from (module docs of src/commands/status/watch/mod.rs).
struct Expect {
    pattern: &'static str,
    out: (
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
    ),
    lag: (&'static str, &'static str, &'static str),
}

#[test]
fn every_pattern_shows_its_rates_totals_lag_and_alarms() {
    let m = moto();
    for (stack, logical_sink, e) in [
        (
            "w1",
            "DataStream",
            Expect {
                pattern: "apigw-kds-lambda",
                out: (
                    "AWS/Kinesis",
                    "GetRecords.Records",
                    Some("GetRecords.Bytes"),
                    "StreamName",
                ),
                lag: (
                    "AWS/Kinesis",
                    "GetRecords.IteratorAgeMilliseconds",
                    "StreamName",
                ),
            },
        ),
        (
            "w2",
            "Application",
            Expect {
                pattern: "kpl-kds-kda",
                out: ("AWS/KinesisAnalytics", "numRecordsOut", None, "Application"),
                lag: (
                    "AWS/Kinesis",
                    "GetRecords.IteratorAgeMilliseconds",
                    "StreamName",
                ),
            },
        ),
        (
            "w3",
            "DeliveryStream",
            Expect {
                pattern: "kds-kdf-s3",
                out: (
                    "AWS/Firehose",
                    "DeliveryToS3.Records",
                    Some("DeliveryToS3.Bytes"),
                    "DeliveryStreamName",
                ),
                lag: (
                    "AWS/Kinesis",
                    "GetRecords.IteratorAgeMilliseconds",
                    "StreamName",
                ),
            },
        ),
        (
            "w4",
            "Application",
            Expect {
                pattern: "kds-kda-apigw",
                out: ("AWS/KinesisAnalytics", "numRecordsOut", None, "Application"),
                lag: (
                    "AWS/Kinesis",
                    "GetRecords.IteratorAgeMilliseconds",
                    "StreamName",
                ),
            },
        ),
    ] {
        deploy(&m, e.pattern, stack);
        let res = resources(&m, stack);
        let stream = res["DataStream"].clone();
        let sink = res[logical_sink].clone();
        let alarms = alarm_names(&m, stack);
        assert!(alarms.len() >= 7, "{stack}: {alarms:?}");

        // A new stack: no data yet, every figure null (not zero); alarms as moto starts them.
        let fresh = watch_json(&m, stack, &[]);
        for line in &fresh {
            assert_eq!(line["pattern"], e.pattern);
            for key in ["records_per_s", "bytes_per_s"] {
                assert_eq!(line["in"][key], Value::Null, "{stack}: {line}");
                assert_eq!(line["out"][key], Value::Null, "{stack}: {line}");
            }
            for key in ["in_records", "in_bytes", "out_records", "out_bytes"] {
                assert_eq!(line["totals"][key], Value::Null, "{stack}: {line}");
            }
            assert_eq!(line["lag_ms"], Value::Null);
            assert_eq!(line["error"], Value::Null);
            assert_eq!(line["alarms"].as_object().unwrap().len(), alarms.len());
        }

        // Three whole minutes, ten minutes ago, and one point two hours ago (before --since 1h).
        let at = (now() / 60) * 60 - 600;
        let s = ("StreamName", stream.as_str());
        put(
            &m,
            "AWS/Kinesis",
            "IncomingRecords",
            s,
            at,
            &[600.0, 1200.0, 1800.0],
        );
        put(
            &m,
            "AWS/Kinesis",
            "IncomingRecords",
            s,
            at - 7200,
            &[99_999.0],
        );
        put(
            &m,
            "AWS/Kinesis",
            "IncomingBytes",
            s,
            at,
            &[60_000.0, 120_000.0, 180_000.0],
        );
        let d = (e.out.3, sink.as_str());
        // Managed Flink reports numRecordsOut 4 times a minute, each report carrying the
        // minute's count (MSF "Metrics and dimensions": a minute's Sum is 4 times the records,
        // divide it by 4); the other sinks' metrics are one point a minute.
        let reports = if e.out.0 == "AWS/KinesisAnalytics" {
            4
        } else {
            1
        };
        for r in 0..reports {
            put(&m, e.out.0, e.out.1, d, at + 15 * r, &[300.0, 600.0, 900.0]);
        }
        if let Some(bytes) = e.out.2 {
            put(&m, e.out.0, bytes, d, at, &[30_000.0, 60_000.0, 120_000.0]);
        }
        let lag_dim = if e.lag.2 == "StreamName" { s } else { d };
        put(
            &m,
            e.lag.0,
            e.lag.1,
            lag_dim,
            at,
            &[100.0, 5_000.0, 2_000.0],
        );
        put(
            &m,
            "AWS/Kinesis",
            "ReadProvisionedThroughputExceeded",
            s,
            at,
            &[9.0, 1.0],
        );
        put(
            &m,
            "AWS/Kinesis",
            "WriteProvisionedThroughputExceeded",
            s,
            at + 60,
            &[2.0],
        );
        if e.pattern == "kds-kdf-s3" {
            put(
                &m,
                "AWS/Firehose",
                "DeliveryToS3.DataFreshness",
                d,
                at,
                &[30.0, 120.0],
            );
        }
        let expected_alarms = set_alarms(&m, &alarms);

        let lines = watch_json(&m, stack, &["--since", "1h"]);
        for line in &lines {
            assert_eq!(line["error"], Value::Null, "{stack}: {line}");
            assert_eq!(
                line["in"],
                json!({"records_per_s": 30.0, "bytes_per_s": 3000.0}),
                "{stack}"
            );
            let out_bytes = e.out.2.map(|_| 2000.0);
            assert_eq!(
                line["out"],
                json!({"records_per_s": 15.0, "bytes_per_s": out_bytes}),
                "{stack}: issue #19 defect 6: Managed Flink reports numRecordsOut 4 times a minute, \
                 so the minute's Sum counts every record 4 times"
            );
            let totals = &line["totals"];
            assert_eq!(totals["in_records"], json!(3600.0), "{stack}: {totals}");
            assert_eq!(totals["in_bytes"], json!(360_000.0), "{stack}");
            assert_eq!(
                totals["out_records"],
                json!(1800.0),
                "{stack}: issue #19 defect 6: numRecordsOut counted 4 times a minute"
            );
            assert_eq!(
                totals["out_bytes"],
                json!(e.out.2.map(|_| 210_000.0)),
                "{stack}"
            );
            assert_eq!(line["lag_ms"], json!(2000.0), "{stack}");
            assert_eq!(line["throttles"], json!(3.0), "{stack}");
            let freshness = (e.pattern == "kds-kdf-s3").then_some(120.0);
            assert_eq!(line["freshness_s"], json!(freshness), "{stack}");
            assert_eq!(line["alarms"], expected_alarms, "{stack}");
        }
        let t0 = lines[0]["time"].as_str().unwrap();
        let t1 = lines[1]["time"].as_str().unwrap();
        assert!(t0 < t1, "a refresh every second: {t0} then {t1}");
    }
}

#[test]
fn bad_arguments_are_one_line_and_exit_2_without_an_api_call() {
    let (listener, url) = silent_endpoint();
    for (args, says) in [
        (vec!["--period", "0"], "--period"),
        (vec!["--since", "yesterday"], "--since"),
        (vec!["--since", "0m"], "--since"),
    ] {
        let mut all = vec!["status", "s", "--watch"];
        all.extend(&args);
        let o = support::moto::cli_at(&url).args(&all).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
        assert!(o.stdout.is_empty());
    }
    assert!(
        listener.accept().is_err(),
        "an argument error must not call AWS"
    );
    // --period without --watch is refused by the parser.
    let o = support::moto::cli_at(&url)
        .args(["status", "s", "--period", "5"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_unknown_stack_is_one_line_and_exit_2() {
    let m = moto();
    let o = m
        .cli()
        .args(["status", "nope", "--watch", "--count", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim(), "error: stack `nope` does not exist");
}

fn tmux(args: &[&str]) -> Output {
    tmux_on("streamstack-status-watch", args)
}

/// A script that runs `streamstack ARGS` against the emulator, then writes its exit code to
/// `done` and waits, so the pane stays for the capture. bash, not sh: after Ctrl-C, bash goes on
/// with the script when the child handled SIGINT and exited normally; dash dies with it.
fn watch_script(
    m: &Moto,
    dir: &std::path::Path,
    args: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let script = dir.join("run.sh");
    let done = dir.join("done");
    std::fs::write(
        &script,
        format!(
            "#!/bin/bash\nexport AWS_ENDPOINT_URL={} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent\n'{}' {args}\necho $? > '{}'\nsleep 60\n",
            m.endpoint,
            env!("CARGO_BIN_EXE_streamstack"),
            done.display()
        ),
    )
    .unwrap();
    (script, done)
}

#[test]
fn ctrl_c_ends_the_watch_with_the_cursor_shown() {
    let m = moto();
    deploy(&m, "apigw-kds-lambda", "cc");
    let dir = tempfile::tempdir().unwrap();
    let (script, done) = watch_script(&m, dir.path(), "status cc --watch --period 1");
    let t = |args: &[&str]| tmux_on("streamstack-status-watch-ctrl-c", args);
    let _ = t(&["kill-server"]);
    ok(&t(&[
        "new-session",
        "-d",
        "-s",
        "c",
        "-x",
        "90",
        "-y",
        "30",
        &format!("bash {}", script.display()),
    ]));
    let pane =
        || String::from_utf8_lossy(&t(&["capture-pane", "-p", "-t", "c"]).stdout).to_string();
    wait_for("the first frame", || {
        pane().contains("cc (apigw-kds-lambda)")
    });
    let hidden =
        String::from_utf8_lossy(&t(&["display", "-p", "-t", "c", "#{cursor_flag}"]).stdout)
            .to_string();
    ok(&t(&["send-keys", "-t", "c", "C-c"]));
    wait_for("the watch to end", || done.exists());
    let shown = String::from_utf8_lossy(&t(&["display", "-p", "-t", "c", "#{cursor_flag}"]).stdout)
        .to_string();
    let screen = pane();
    let _ = t(&["kill-server"]);
    assert_eq!(hidden.trim(), "0", "the cursor is hidden while watching");
    assert_eq!(shown.trim(), "1", "Ctrl-C shows the cursor again: {screen}");
    assert_eq!(
        std::fs::read_to_string(&done).unwrap().trim(),
        "0",
        "{screen}"
    );
    assert!(
        screen.contains("cc (apigw-kds-lambda)"),
        "the last frame stays: {screen}"
    );
}

#[test]
fn the_terminal_view_refreshes_in_place_and_restores_the_cursor() {
    let m = moto();
    deploy(&m, "kds-kdf-s3", "tv");
    let res = resources(&m, "tv");
    let at = (now() / 60) * 60 - 600;
    let s = ("StreamName", res["DataStream"].as_str());
    put(
        &m,
        "AWS/Kinesis",
        "IncomingRecords",
        s,
        at,
        &[600.0, 1200.0, 1800.0],
    );
    put(
        &m,
        "AWS/Kinesis",
        "IncomingBytes",
        s,
        at,
        &[60_000.0, 120_000.0, 180_000.0],
    );
    let alarms = alarm_names(&m, "tv");
    set_alarms(&m, &alarms);

    let dir = tempfile::tempdir().unwrap();
    let (script, done) = watch_script(
        &m,
        dir.path(),
        "status tv --watch --period 1 --count 3 --since 1h",
    );
    let _ = tmux(&["kill-server"]);
    ok(&tmux(&[
        "new-session",
        "-d",
        "-s",
        "w",
        "-x",
        "90",
        "-y",
        "30",
        &format!("bash {}", script.display()),
    ]));
    wait_for("the watch to end", || done.exists());
    let screen =
        String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "w"]).stdout).to_string();
    let history =
        String::from_utf8_lossy(&tmux(&["display", "-p", "-t", "w", "#{history_size}"]).stdout)
            .to_string();
    let cursor =
        String::from_utf8_lossy(&tmux(&["display", "-p", "-t", "w", "#{cursor_flag}"]).stdout)
            .to_string();
    let _ = tmux(&["kill-server"]);
    assert_eq!(
        std::fs::read_to_string(&done).unwrap().trim(),
        "0",
        "{screen}"
    );
    let lines: Vec<&str> = screen.lines().collect();
    assert!(
        lines[0].starts_with("tv (kds-kdf-s3)  every 1s  "),
        "{screen}"
    );
    let row = |label: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no `{label}` row:\n{screen}"))
            .to_string()
    };
    let in_records = row("in  records");
    assert!(in_records.contains("30 rec/s"), "{screen}");
    assert!(in_records.ends_with("3.6k"), "{screen}");
    assert!(in_records.contains("▃▆█"), "the sparkline: {screen}");
    let in_bytes = row("in  bytes");
    assert!(
        in_bytes.contains("3.0k B/s") && in_bytes.ends_with("360.0k B"),
        "{screen}"
    );
    assert!(row("out records").contains("no data yet"), "{screen}");
    assert!(row("lag ").contains("lag no data yet"), "{screen}");
    assert!(
        screen.contains(&format!("ALARM             {}", alarms[0])),
        "{screen}"
    );
    assert_eq!(
        screen.matches(" every 1s ").count(),
        1,
        "one frame on the screen: {screen}"
    );
    assert_eq!(
        history.trim(),
        "0",
        "nothing scrolled into the history: {screen}"
    );
    assert_eq!(cursor.trim(), "1", "the cursor is shown again");
}
