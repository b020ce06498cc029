//! `start` and `stop` of a stack's Managed Flink application against recorded responses
//! (CloudFormation's awsQuery XML; Kinesis Analytics and CloudWatch Logs JSON, as the API
//! references document them), for what the emulator cannot produce: moto never fails a start,
//! has no DescribeApplicationOperation error details, no application log, no restarting job and
//! no throttling. The real `start` and `stop` run with an SDK configuration whose HTTP client
//! is a `StaticReplayClient` (tests/support/replay.rs); each test checks the operations sent,
//! what was printed (the root cause of a failed start in particular) and the exit code.

mod support;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use serde_json::{json, Value};
use streamstack::cli::Command;
use streamstack::error::exit_code;
use streamstack::output::{Captured, OutputMode};
use support::replay::{
    json as json_response, json_error, json_lines, no_stack, parse, stack, stack_resources, Replay,
};

const STACK: &str = "demo";
/// The application's name: the physical id of the stack's application resource.
const APP: &str = "demo-app";
const APP_ARN: &str = "arn:aws:kinesisanalytics:us-east-1:123456789012:application/demo-app";
const LOG_GROUP: &str = "demo-ApplicationLogGroup-AB12";
const LOG_STREAM_ARN: &str = "arn:aws:logs:us-east-1:123456789012:log-group:demo-ApplicationLogGroup-AB12:log-stream:kinesis-analytics-log-stream";
const JOB_ID: &str = "3fd1c0de9b1a4e6f8d2c7b5a4e3f2a10";

/// The service's words for the failed start of the recorded cases.
const SERVICE_ERROR: &str = "The Flink job failed to start: org.apache.flink.runtime.client.JobInitializationException: Could not start the JobMaster. Check the application's CloudWatch logs.";

/// DescribeStacks and ListStackResources of `demo`, whose resources include the application.
fn flink_stack() -> Vec<HttpResponse> {
    vec![
        stack(STACK, "CREATE_COMPLETE", false, &[]),
        stack_resources(&[
            ("InputStream", "demo-InputStream-1", "AWS::Kinesis::Stream"),
            ("ApplicationLogGroup", LOG_GROUP, "AWS::Logs::LogGroup"),
            ("Application", APP, "AWS::KinesisAnalyticsV2::Application"),
        ]),
    ]
}

/// DescribeApplication of `demo-app` in `status`.
fn application(status: &str, snapshots: bool) -> HttpResponse {
    json_response(
        200,
        &json!({"ApplicationDetail": {
            "ApplicationARN": APP_ARN,
            "ApplicationName": APP,
            "RuntimeEnvironment": "FLINK-2_2",
            "ApplicationStatus": status,
            "ApplicationVersionId": 1,
            "ApplicationConfigurationDescription": {
                "ApplicationSnapshotConfigurationDescription": {"SnapshotsEnabled": snapshots}
            },
            "CloudWatchLoggingOptionDescriptions": [
                {"CloudWatchLoggingOptionId": "1.1", "LogStreamARN": LOG_STREAM_ARN}
            ]
        }}),
    )
}

/// StartApplication or StopApplication: the operation id.
fn operation_started(id: &str) -> HttpResponse {
    json_response(200, &json!({"OperationId": id}))
}

/// DescribeApplicationOperation of the start: `FAILED` with the service's error, or
/// `SUCCESSFUL`.
fn start_operation(error: Option<&str>) -> HttpResponse {
    let mut details = json!({
        "Operation": "StartApplication",
        "StartTime": 1.7e9,
        "EndTime": 1.7e9 + 95.0,
        "OperationStatus": if error.is_some() { "FAILED" } else { "SUCCESSFUL" },
    });
    if let Some(e) = error {
        details["OperationFailureDetails"] = json!({"ErrorInfo": {"ErrorString": e}});
    }
    json_response(200, &json!({"ApplicationOperationInfoDetails": details}))
}

/// ListApplicationSnapshots (one page) with these (name, status), newest first.
fn snapshot_list(snapshots: &[(&str, &str)]) -> HttpResponse {
    let summaries: Vec<Value> = snapshots
        .iter()
        .enumerate()
        .map(|(i, (name, status))| {
            json!({
                "SnapshotName": name,
                "SnapshotStatus": status,
                "ApplicationVersionId": 1,
                "SnapshotCreationTimestamp": 1.7e9 - 86_400.0 * i as f64,
                "RuntimeEnvironment": "FLINK-2_2",
            })
        })
        .collect();
    json_response(200, &json!({"SnapshotSummaries": summaries}))
}

fn throttled() -> HttpResponse {
    json_error("ThrottlingException", "Rate exceeded")
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// `HH:MM:SS` (UTC) of a log event's timestamp, as the root cause shows it.
fn hms(ms: i64) -> String {
    let s = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// One line of the application's log in the service's JSON layout (`throwable` empty: none).
fn log_line(level: &str, logger: &str, message: &str, throwable: &str) -> String {
    let mut line = json!({
        "locationInformation": format!("{logger}.run({}.java:120)", logger.rsplit('.').next().unwrap()),
        "logger": logger,
        "message": message,
        "threadName": "flink-pekko.actor.default-dispatcher-5",
        "applicationARN": APP_ARN,
        "applicationVersionId": "1",
        "messageSchemaVersion": "1",
        "messageType": level,
    });
    if !throwable.is_empty() {
        line["throwableInformation"] = json!(throwable);
    }
    line.to_string()
}

/// FilterLogEvents (one page) with these (timestamp in ms, message).
fn log_events(lines: &[(i64, String)]) -> HttpResponse {
    let events: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (at, message))| {
            json!({
                "logStreamName": "kinesis-analytics-log-stream",
                "timestamp": at,
                "message": message,
                "ingestionTime": at + 300,
                "eventId": format!("3837{i:04}"),
            })
        })
        .collect();
    json_response(200, &json!({"events": events}))
}

/// The Flink log line of the job's own switch to RESTARTING.
fn restarting() -> String {
    log_line(
        "INFO",
        "org.apache.flink.runtime.executiongraph.ExecutionGraph",
        &format!("Job StockMaxPrice ({JOB_ID}) switched from state RUNNING to RESTARTING."),
        "",
    )
}

async fn start(replay: &Replay, args: &[&str], mode: OutputMode) -> (anyhow::Result<()>, Captured) {
    let output: &[&str] = match mode {
        OutputMode::Text => &[],
        OutputMode::Json => &["--output", "json"],
    };
    let Command::Start(args) = parse(&[&["start", STACK], args, output].concat()) else {
        unreachable!()
    };
    let request = streamstack::commands::start::request(&args).unwrap();
    replay
        .run(mode, async |config, polling, out| {
            streamstack::commands::start::start(&args, &request, config, polling, out).await
        })
        .await
}

async fn stop(replay: &Replay, mode: OutputMode) -> (anyhow::Result<()>, Captured) {
    let output: &[&str] = match mode {
        OutputMode::Text => &[],
        OutputMode::Json => &["--output", "json"],
    };
    let Command::Stop(args) = parse(&[&["stop", STACK], output].concat()) else {
        unreachable!()
    };
    replay
        .run(mode, async |config, polling, out| {
            streamstack::commands::stop::stop(&args, config, polling, out).await
        })
        .await
}

/// What a failed start printed in text mode, from its `did not start` line to the end.
fn failure_block(stderr: &str) -> Vec<&str> {
    let lines: Vec<&str> = stderr.lines().collect();
    let from = lines
        .iter()
        .position(|l| l.starts_with(&format!("application {APP} did not start: ")))
        .unwrap_or_else(|| panic!("no failure line in:\n{stderr}"));
    lines[from..].to_vec()
}

/// The statuses shown in JSON mode, in order.
fn statuses(lines: &[Value]) -> Vec<&str> {
    lines
        .iter()
        .filter(|l| l["type"] == "application")
        .map(|l| l["status"].as_str().unwrap())
        .collect()
}

fn count(operations: &[String], name: &str) -> usize {
    operations.iter().filter(|o| *o == name).count()
}

/// `RunConfiguration.ApplicationRestoreConfiguration` of the StartApplication request sent.
fn restore_sent(replay: &Replay) -> Value {
    let operations = replay.operations();
    let i = operations
        .iter()
        .position(|o| o == "StartApplication")
        .expect("StartApplication sent");
    let body: Value = serde_json::from_str(&replay.bodies()[i]).unwrap();
    assert_eq!(body["ApplicationName"], APP, "{body}");
    assert_eq!(
        body["RunConfiguration"]["FlinkRunConfiguration"]["AllowNonRestoredState"], false,
        "{body}"
    );
    body["RunConfiguration"]["ApplicationRestoreConfiguration"].clone()
}

#[tokio::test]
async fn a_start_that_falls_back_to_ready_prints_the_service_error_and_the_first_log_errors() {
    let t = now_ms() + 1_000;
    let init_failed = "org.apache.flink.runtime.client.JobInitializationException: Could not start the JobMaster.\n\
         \tat org.apache.flink.runtime.jobmaster.DefaultJobMasterServiceProcess.lambda$new$0(DefaultJobMasterServiceProcess.java:97)\n\
         \tat java.base/java.util.concurrent.CompletableFuture.uniWhenComplete(CompletableFuture.java:863)\n\
         Caused by: java.util.concurrent.CompletionException: java.lang.IllegalArgumentException: InputStreamArn is not a Kinesis stream ARN: orders\n\
         \tat java.base/java.util.concurrent.CompletableFuture.encodeThrowable(CompletableFuture.java:315)\n\
         Caused by: java.lang.IllegalArgumentException: InputStreamArn is not a Kinesis stream ARN: orders\n\
         \tat com.streamstack.flink.common.Properties.streamArn(Properties.java:41)\n\
         \t... 12 more";
    let dispatcher = "org.apache.flink.runtime.dispatcher.StandaloneDispatcher";
    let mut log = vec![
        (
            t,
            log_line(
                "INFO",
                dispatcher,
                &format!("Received JobGraph submission 'StockMaxPrice' ({JOB_ID})."),
                "",
            ),
        ),
        // An exception logged below ERROR before the errors: the root cause shows the first
        // error's exception, not this one.
        (
            t + 1_000,
            log_line(
                "WARN",
                "org.apache.flink.runtime.checkpoint.CheckpointCoordinator",
                "No checkpoint found to restore from.",
                "java.io.FileNotFoundException: s3://demo-app-state/checkpoints\n\tat org.apache.flink.fs.s3.common.FlinkS3FileSystem.open(FlinkS3FileSystem.java:88)",
            ),
        ),
        (
            t + 2_000,
            log_line(
                "ERROR",
                "com.streamstack.flink.common.Properties",
                "InputStreamArn is not a Kinesis stream ARN: orders",
                "",
            ),
        ),
        (
            t + 3_000,
            log_line(
                "ERROR",
                "org.apache.flink.runtime.jobmaster.JobMaster",
                "Could not start the JobMaster.",
                init_failed,
            ),
        ),
    ];
    // Five more errors: seven in all, of which only the first five are shown.
    for n in 1..=5 {
        log.push((
            t + 3_000 + n * 1_000,
            log_line(
                "ERROR",
                dispatcher,
                &format!("Failed to submit job {JOB_ID} (attempt {n})."),
                "",
            ),
        ));
    }
    log.push((
        t + 9_000,
        log_line("INFO", dispatcher, "Shutting down the dispatcher.", ""),
    ));
    let mut responses = flink_stack();
    responses.extend([
        application("READY", false),
        operation_started("op-1"),
        application("STARTING", false),
        application("STARTING", false),
        application("READY", false),
        start_operation(Some(SERVICE_ERROR)),
        log_events(&log),
    ]);
    let replay = Replay::new(responses).await;
    let (result, out) = start(&replay, &[], OutputMode::Text).await;
    let err = result.unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "Flink application demo-app did not start: it went back to READY"
    );
    assert_eq!(exit_code(&err), 1);
    assert_eq!(
        replay.operations(),
        [
            "DescribeStacks",
            "ListStackResources",
            "DescribeApplication",
            "StartApplication",
            "DescribeApplication",
            "DescribeApplication",
            "DescribeApplication",
            "DescribeApplicationOperation",
            "FilterLogEvents",
        ]
    );
    let text = out.stderr();
    assert!(
        text.contains("starting application demo-app without state\n"),
        "{text}"
    );
    // A status is shown when it changes, not at every poll.
    assert_eq!(
        text.lines()
            .filter(|l| l.ends_with("  STARTING       demo-app"))
            .count(),
        1,
        "{text}"
    );
    let expected = [
        "application demo-app did not start: it went back to READY".to_string(),
        format!("  service: {SERVICE_ERROR}"),
        format!("  application log {LOG_GROUP}:"),
        format!(
            "    {} ERROR Properties: InputStreamArn is not a Kinesis stream ARN: orders",
            hms(t + 2_000)
        ),
        format!(
            "    {} ERROR JobMaster: Could not start the JobMaster.",
            hms(t + 3_000)
        ),
        format!(
            "    {} ERROR StandaloneDispatcher: Failed to submit job {JOB_ID} (attempt 1).",
            hms(t + 4_000)
        ),
        format!(
            "    {} ERROR StandaloneDispatcher: Failed to submit job {JOB_ID} (attempt 2).",
            hms(t + 5_000)
        ),
        format!(
            "    {} ERROR StandaloneDispatcher: Failed to submit job {JOB_ID} (attempt 3).",
            hms(t + 6_000)
        ),
        "    exception: org.apache.flink.runtime.client.JobInitializationException: Could not start the JobMaster.".to_string(),
        "      caused by: java.util.concurrent.CompletionException: java.lang.IllegalArgumentException: InputStreamArn is not a Kinesis stream ARN: orders".to_string(),
        "      caused by: java.lang.IllegalArgumentException: InputStreamArn is not a Kinesis stream ARN: orders".to_string(),
    ];
    assert_eq!(failure_block(&text), expected, "{text}");
    assert!(out.stdout().is_empty(), "{}", out.stdout());
}

#[tokio::test]
async fn a_log_group_that_cannot_be_read_is_one_line_after_the_service_error() {
    let failed_start = |log: HttpResponse| {
        let mut responses = flink_stack();
        responses.extend([
            application("READY", false),
            operation_started("op-1"),
            application("STARTING", false),
            application("READY", false),
            start_operation(Some(SERVICE_ERROR)),
            log,
        ]);
        responses
    };
    let operations = [
        "DescribeStacks",
        "ListStackResources",
        "DescribeApplication",
        "StartApplication",
        "DescribeApplication",
        "DescribeApplication",
        "DescribeApplicationOperation",
        "FilterLogEvents",
    ];

    // No permission to read it (text mode).
    let denied = format!("User: arn:aws:sts::123456789012:assumed-role/deployer/ci is not authorized to perform: logs:FilterLogEvents on resource: {LOG_STREAM_ARN} because no identity-based policy allows the logs:FilterLogEvents action");
    let replay = Replay::new(failed_start(json_error("AccessDeniedException", &denied))).await;
    let (result, out) = start(&replay, &[], OutputMode::Text).await;
    let err = result.unwrap_err();
    assert_eq!(exit_code(&err), 1);
    assert_eq!(replay.operations(), operations);
    let text = out.stderr();
    assert_eq!(
        failure_block(&text),
        [
            "application demo-app did not start: it went back to READY".to_string(),
            format!("  service: {SERVICE_ERROR}"),
            format!(
                "  (cannot read the application log {LOG_GROUP}: AccessDeniedException: {denied})"
            ),
        ],
        "{text}"
    );

    // The log group is gone (JSON mode: the result object carries the root cause).
    let replay = Replay::new(failed_start(json_error(
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )))
    .await;
    let (result, out) = start(&replay, &[], OutputMode::Json).await;
    let err = result.unwrap_err();
    assert_eq!(exit_code(&err), 1);
    assert_eq!(replay.operations(), operations);
    let lines = json_lines(&out.stdout());
    let results: Vec<&Value> = lines.iter().filter(|l| l["type"] == "result").collect();
    assert_eq!(results.len(), 1, "{}", out.stdout());
    assert_eq!(
        *results[0],
        json!({
            "type": "result",
            "status": "READY",
            "application": APP,
            "reason": "it went back to READY",
            "rootCause": [
                format!("service: {SERVICE_ERROR}"),
                format!("(cannot read the application log {LOG_GROUP}: ResourceNotFoundException: The specified log group does not exist.)"),
            ],
        })
    );
    assert_eq!(statuses(&lines), ["STARTING", "READY"]);
    assert!(out.stderr().is_empty(), "{}", out.stderr());
}

#[tokio::test]
async fn a_job_that_restarts_in_a_loop_after_running_is_a_failed_start() {
    let t = now_ms() + 1_000;
    let task = "org.apache.flink.runtime.taskmanager.Task";
    let log = vec![
        (
            t,
            log_line(
                "ERROR",
                task,
                "Source: Kinesis orders -> Map (1/1) switched from RUNNING to FAILED.",
                "java.lang.RuntimeException: Record could not be parsed\n\tat com.streamstack.flink.StockMaxPrice.map(StockMaxPrice.java:57)\nCaused by: com.fasterxml.jackson.core.JsonParseException: Unexpected character ('x' (code 120))\n\tat com.fasterxml.jackson.core.JsonParser._constructError(JsonParser.java:2477)",
            ),
        ),
        (t + 1_000, restarting()),
        (
            t + 11_000,
            log_line(
                "INFO",
                "org.apache.flink.runtime.executiongraph.ExecutionGraph",
                &format!("Job StockMaxPrice ({JOB_ID}) switched from state RESTARTING to RUNNING."),
                "",
            ),
        ),
        (t + 12_000, restarting()),
    ];
    let mut responses = flink_stack();
    responses.extend([
        application("READY", false),
        operation_started("op-1"),
        application("STARTING", false),
        application("RUNNING", false),
        // The settle period's one check.
        log_events(&log),
        // The root cause: the start operation itself succeeded.
        start_operation(None),
        log_events(&log),
    ]);
    let replay = Replay::new(responses).await;
    let (result, out) = start(&replay, &["--settle", "0"], OutputMode::Json).await;
    let err = result.unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "Flink application demo-app did not start: the job restarted 2 times since the start"
    );
    assert_eq!(exit_code(&err), 1);
    assert_eq!(
        replay.operations(),
        [
            "DescribeStacks",
            "ListStackResources",
            "DescribeApplication",
            "StartApplication",
            "DescribeApplication",
            "DescribeApplication",
            "FilterLogEvents",
            "DescribeApplicationOperation",
            "FilterLogEvents",
        ]
    );
    let lines = json_lines(&out.stdout());
    assert_eq!(statuses(&lines), ["STARTING", "RUNNING"]);
    let result = lines.last().unwrap();
    assert_eq!(
        *result,
        json!({
            "type": "result",
            "status": "RUNNING",
            "application": APP,
            "reason": "the job restarted 2 times since the start",
            "rootCause": [
                format!("application log {LOG_GROUP}:"),
                // JSON lines carry no indentation (the text view indents the log's lines).
                format!("{} ERROR Task: Source: Kinesis orders -> Map (1/1) switched from RUNNING to FAILED.", hms(t)),
                "exception: java.lang.RuntimeException: Record could not be parsed",
                "caused by: com.fasterxml.jackson.core.JsonParseException: Unexpected character ('x' (code 120))",
            ],
        })
    );
}

#[tokio::test]
async fn throttled_polls_are_repeated_and_the_start_ends_running() {
    let mut responses = flink_stack();
    responses.extend([
        application("READY", false),
        operation_started("op-1"),
        // Two polls throttled on every attempt the SDK makes (3 each), then one that passes.
        throttled(),
        throttled(),
        throttled(),
        throttled(),
        throttled(),
        throttled(),
        application("STARTING", false),
        application("RUNNING", false),
        // The settle period's one check: a log without restarts, still RUNNING.
        log_events(&[(
            now_ms() + 1_000,
            log_line(
                "INFO",
                "org.apache.flink.runtime.executiongraph.ExecutionGraph",
                &format!("Job StockMaxPrice ({JOB_ID}) switched from state CREATED to RUNNING."),
                "",
            ),
        )]),
        application("RUNNING", false),
    ]);
    let replay = Replay::new(responses).await;
    let (result, out) = start(&replay, &["--settle", "0"], OutputMode::Text).await;
    result.unwrap();
    let operations = replay.operations();
    assert_eq!(
        count(&operations, "DescribeApplication"),
        1 + 6 + 2 + 1,
        "{operations:?}"
    );
    assert_eq!(
        operations[operations.len() - 2..],
        ["FilterLogEvents", "DescribeApplication"]
    );
    let text = out.stderr();
    assert_eq!(
        text.matches(
            "(throttled: cannot read Flink application `demo-app`: ThrottlingException: Rate exceeded; polling again)\n"
        )
        .count(),
        2,
        "{text}"
    );
    assert!(text.ends_with("application demo-app: RUNNING\n"), "{text}");
}

#[tokio::test]
async fn usage_errors_exit_2_with_one_line_and_no_start_or_stop_sent() {
    struct Case {
        what: &'static str,
        args: &'static [&'static str],
        responses: Vec<HttpResponse>,
        message: &'static str,
        operations: &'static [&'static str],
    }
    let only_streams = || {
        vec![
            stack(STACK, "CREATE_COMPLETE", false, &[]),
            stack_resources(&[
                ("DataStream", "demo-DataStream-1", "AWS::Kinesis::Stream"),
                (
                    "DeliveryStream",
                    "demo-DeliveryStream-1",
                    "AWS::KinesisFirehose::DeliveryStream",
                ),
            ]),
        ]
    };
    let with = |more: Vec<HttpResponse>| {
        let mut r = flink_stack();
        r.extend(more);
        r
    };
    let cases = [
        Case {
            what: "unknown stack",
            args: &[],
            responses: vec![no_stack(STACK)],
            message: "stack `demo` does not exist",
            operations: &["DescribeStacks"],
        },
        Case {
            what: "no Flink application",
            args: &[],
            responses: only_streams(),
            message: "stack `demo` has no Flink application; only the kpl-kds-kda, kds-kda-apigw and streaming-etl patterns run one",
            operations: &["DescribeStacks", "ListStackResources"],
        },
        Case {
            what: "unknown snapshot",
            args: &["--restore", "nightly"],
            responses: with(vec![
                application("READY", true),
                snapshot_list(&[("weekly", "READY")]),
            ]),
            message: "snapshot `nightly` does not exist for application `demo-app`; allowed: latest, none, weekly",
            operations: &[
                "DescribeStacks",
                "ListStackResources",
                "DescribeApplication",
                "ListApplicationSnapshots",
            ],
        },
        Case {
            what: "snapshots off",
            args: &["--restore", "latest"],
            responses: with(vec![application("READY", false)]),
            message: "--restore latest: application `demo-app` has snapshots turned off (stack parameter EnableSnapshots); allowed: --restore none",
            operations: &["DescribeStacks", "ListStackResources", "DescribeApplication"],
        },
    ];
    for case in cases {
        let replay = Replay::new(case.responses).await;
        let (result, out) = start(&replay, case.args, OutputMode::Text).await;
        let err = result.unwrap_err();
        assert_eq!(format!("{err:#}"), case.message, "{}", case.what);
        assert_eq!(exit_code(&err), 2, "{}", case.what);
        assert_eq!(replay.operations(), case.operations, "{}", case.what);
        assert!(
            out.stdout().is_empty() && out.stderr().is_empty(),
            "{}: nothing printed before the error line: {}{}",
            case.what,
            out.stdout(),
            out.stderr()
        );
    }

    // `stop` finds the application the same way.
    let replay = Replay::new(only_streams()).await;
    let (result, _) = stop(&replay, OutputMode::Text).await;
    let err = result.unwrap_err();
    assert_eq!(exit_code(&err), 2);
    assert!(
        format!("{err:#}").starts_with("stack `demo` has no Flink application"),
        "{err:#}"
    );
    assert_eq!(
        replay.operations(),
        ["DescribeStacks", "ListStackResources"]
    );
}

#[tokio::test]
async fn a_running_application_is_not_started_again_and_an_updating_one_is_waited_for() {
    let mut responses = flink_stack();
    responses.push(application("RUNNING", true));
    let replay = Replay::new(responses).await;
    let (result, out) = start(&replay, &[], OutputMode::Text).await;
    result.unwrap();
    assert_eq!(
        replay.operations(),
        [
            "DescribeStacks",
            "ListStackResources",
            "DescribeApplication"
        ]
    );
    assert_eq!(out.stderr(), "application demo-app is already running\n");

    let mut responses = flink_stack();
    responses.extend([
        application("UPDATING", true),
        application("UPDATING", true),
        application("RUNNING", true),
        log_events(&[]),
        application("RUNNING", true),
    ]);
    let replay = Replay::new(responses).await;
    let (result, out) = start(&replay, &["--settle", "0"], OutputMode::Json).await;
    result.unwrap();
    assert_eq!(
        replay.operations(),
        [
            "DescribeStacks",
            "ListStackResources",
            "DescribeApplication",
            "DescribeApplication",
            "DescribeApplication",
            "FilterLogEvents",
            "DescribeApplication",
        ],
        "no ListApplicationSnapshots or StartApplication"
    );
    let lines = json_lines(&out.stdout());
    assert_eq!(
        lines[0],
        json!({"type": "info", "message": "application demo-app is UPDATING: waiting for RUNNING (not starting it twice)"})
    );
    assert_eq!(statuses(&lines), ["UPDATING", "RUNNING"]);
    assert_eq!(
        *lines.last().unwrap(),
        json!({"type": "result", "message": "application demo-app: RUNNING", "status": "RUNNING", "application": APP})
    );
}

#[tokio::test]
async fn stop_says_already_stopped_or_stops_and_follows_to_ready() {
    let mut responses = flink_stack();
    responses.push(application("READY", true));
    let replay = Replay::new(responses).await;
    let (result, out) = stop(&replay, OutputMode::Text).await;
    result.unwrap();
    assert_eq!(
        replay.operations(),
        [
            "DescribeStacks",
            "ListStackResources",
            "DescribeApplication"
        ],
        "no StopApplication"
    );
    assert_eq!(out.stderr(), "application demo-app is already stopped\n");

    let mut responses = flink_stack();
    responses.extend([
        application("RUNNING", true),
        operation_started("op-2"),
        application("STOPPING", true),
        application("READY", true),
    ]);
    let replay = Replay::new(responses).await;
    let (result, out) = stop(&replay, OutputMode::Json).await;
    result.unwrap();
    assert_eq!(
        replay.operations(),
        [
            "DescribeStacks",
            "ListStackResources",
            "DescribeApplication",
            "StopApplication",
            "DescribeApplication",
            "DescribeApplication",
        ]
    );
    let body: Value = serde_json::from_str(&replay.bodies()[3]).unwrap();
    assert_eq!(body, json!({"ApplicationName": APP, "Force": false}));
    let lines = json_lines(&out.stdout());
    assert_eq!(
        lines[0],
        json!({"type": "info", "message": "stopping application demo-app (the service takes a snapshot first)"})
    );
    assert_eq!(statuses(&lines), ["STOPPING", "READY"]);
    assert_eq!(
        *lines.last().unwrap(),
        json!({"type": "result", "message": "application demo-app: READY", "status": "READY", "application": APP})
    );
}

#[tokio::test]
async fn the_restore_sent_is_the_latest_snapshot_none_yet_or_the_one_asked_for() {
    let operations = [
        "DescribeStacks",
        "ListStackResources",
        "DescribeApplication",
        "ListApplicationSnapshots",
        "StartApplication",
    ];
    let asked = |args: &'static [&'static str], snapshots: &[(&str, &str)]| {
        let mut responses = flink_stack();
        responses.extend([
            application("READY", true),
            snapshot_list(snapshots),
            operation_started("op-1"),
        ]);
        (args, responses)
    };

    // The default, with snapshots: the latest (`--no-wait`: nothing polled after the start).
    let (args, responses) = asked(&["--no-wait"], &[("nightly", "READY"), ("weekly", "READY")]);
    let replay = Replay::new(responses).await;
    let (result, out) = start(&replay, args, OutputMode::Text).await;
    result.unwrap();
    assert_eq!(replay.operations(), operations);
    assert_eq!(
        restore_sent(&replay),
        json!({"ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT"})
    );
    assert_eq!(
        out.stderr(),
        "starting application demo-app from the latest snapshot\napplication demo-app is starting (not waiting)\n"
    );

    // The default, with no snapshot yet (one still being taken does not count).
    let (args, responses) = asked(&["--no-wait"], &[("first", "CREATING")]);
    let replay = Replay::new(responses).await;
    let (result, out) = start(&replay, args, OutputMode::Text).await;
    result.unwrap();
    assert_eq!(replay.operations(), operations);
    assert_eq!(
        restore_sent(&replay),
        json!({"ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"})
    );
    let text = out.stderr();
    assert!(
        text.starts_with("application demo-app has no snapshot yet\nstarting application demo-app without state\n"),
        "{text}"
    );

    // A snapshot by name.
    let (args, responses) = asked(
        &["--restore", "weekly", "--no-wait"],
        &[("nightly", "READY"), ("weekly", "READY")],
    );
    let replay = Replay::new(responses).await;
    let (result, out) = start(&replay, args, OutputMode::Text).await;
    result.unwrap();
    assert_eq!(replay.operations(), operations);
    assert_eq!(
        restore_sent(&replay),
        json!({"ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT", "SnapshotName": "weekly"})
    );
    assert!(
        out.stderr()
            .starts_with("starting application demo-app from snapshot weekly\n"),
        "{}",
        out.stderr()
    );
}

/// A start asked while the application stops waits for READY, then chooses the restore again:
/// the stop's own snapshot, still being taken when the start was asked, is the latest one then.
#[tokio::test]
async fn a_start_during_a_stop_restores_the_snapshot_the_stop_took() {
    let mut responses = flink_stack();
    responses.extend([
        application("STOPPING", true),
        snapshot_list(&[("stop-1", "CREATING")]),
        application("STOPPING", true),
        application("READY", true),
        snapshot_list(&[("stop-1", "READY")]),
        operation_started("op-1"),
    ]);
    let replay = Replay::new(responses).await;
    let (result, out) = start(&replay, &["--no-wait"], OutputMode::Text).await;
    result.unwrap();
    assert_eq!(
        replay.operations(),
        [
            "DescribeStacks",
            "ListStackResources",
            "DescribeApplication",
            "ListApplicationSnapshots",
            "DescribeApplication",
            "DescribeApplication",
            "ListApplicationSnapshots",
            "StartApplication",
        ]
    );
    assert_eq!(
        restore_sent(&replay),
        json!({"ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT"})
    );
    assert!(
        out.stderr().starts_with(
            "application demo-app is STOPPING: waiting for READY before starting it\n"
        ),
        "{}",
        out.stderr()
    );
}

/// The service may still say READY just after StartApplication: that is not a failed start
/// until it has had time to change (`lifecycle::TRANSITION_GRACE`).
#[tokio::test]
async fn ready_just_after_the_start_is_not_yet_a_failure() {
    let mut responses = flink_stack();
    responses.extend([
        application("READY", false),
        operation_started("op-1"),
        application("READY", false),
        application("STARTING", false),
        application("RUNNING", false),
        log_events(&[]),
        application("RUNNING", false),
    ]);
    let replay = Replay::new(responses).await;
    let (result, out) = start(&replay, &["--settle", "0"], OutputMode::Json).await;
    result.unwrap();
    let lines = json_lines(&out.stdout());
    assert_eq!(statuses(&lines), ["STARTING", "RUNNING"]);
    assert_eq!(lines.last().unwrap()["status"], "RUNNING");
    assert_eq!(count(&replay.operations(), "DescribeApplication"), 5);
}
