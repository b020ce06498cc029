//! The deploy engine against recorded CloudFormation responses (awsQuery XML, as the API
//! reference documents them), for what the emulator cannot produce: a stack left in
//! ROLLBACK_COMPLETE, termination protection, an update that rolls back, a throttled
//! DescribeStackEvents, expired credentials. The real `deploy`, `destroy` and `status` run with
//! an SDK configuration whose HTTP client is a `StaticReplayClient` (tests/support/replay.rs);
//! each test checks the requests sent (by their `Action`) and what was printed.

mod support;

use std::time::{Duration, SystemTime};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::date_time::Format;
use serde_json::Value;
use streamstack::cli::Command;
use streamstack::error::exit_code;
use streamstack::output::{Captured, OutputMode, Printer};
use support::replay::{
    error, json_lines, no_stack, ok, parse, stack, stack_resources, xml, Replay, STACK_ID,
};

/// One stack event: (event id, logical id, type, status, reason); `at` seconds from now, so it
/// is newer than the moment the operation started.
struct Ev(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u64,
);

/// DescribeStackEvents with `evs` newest first, as the API returns them.
fn events(name: &str, evs: &[Ev]) -> HttpResponse {
    let members: String = evs
        .iter()
        .map(|Ev(id, logical, kind, status, reason, at)| {
            let ts = aws_smithy_types::DateTime::from(SystemTime::now() + Duration::from_secs(*at))
                .fmt(Format::DateTime)
                .unwrap();
            format!(
                "<member><StackId>{STACK_ID}</StackId><EventId>{id}</EventId><StackName>{name}</StackName><LogicalResourceId>{logical}</LogicalResourceId><PhysicalResourceId>{logical}-1</PhysicalResourceId><ResourceType>{kind}</ResourceType><Timestamp>{ts}</Timestamp><ResourceStatus>{status}</ResourceStatus><ResourceStatusReason>{reason}</ResourceStatusReason></member>"
            )
        })
        .collect();
    ok(
        "DescribeStackEvents",
        &format!("<StackEvents>{members}</StackEvents>"),
    )
}

fn change_set_created() -> HttpResponse {
    ok(
        "CreateChangeSet",
        &format!("<Id>{STACK_ID}:changeSet/streamstack-1/0a1b</Id><StackId>{STACK_ID}</StackId>"),
    )
}

fn change_set_ready(action: &str) -> HttpResponse {
    ok(
        "DescribeChangeSet",
        &format!(
            "<ChangeSetName>streamstack-1</ChangeSetName><StackId>{STACK_ID}</StackId><StackName>orders</StackName><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member><Type>Resource</Type><ResourceChange><Action>{action}</Action><LogicalResourceId>DeliveryStream</LogicalResourceId><ResourceType>AWS::KinesisFirehose::DeliveryStream</ResourceType><Replacement>False</Replacement></ResourceChange></member></Changes>"
        ),
    )
}

/// The responses up to and including ExecuteChangeSet of an update of `orders`.
fn update_until_execute() -> Vec<HttpResponse> {
    vec![
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        change_set_created(),
        change_set_ready("Modify"),
        ok("ExecuteChangeSet", ""),
    ]
}

const STACK_TYPE: &str = "AWS::CloudFormation::Stack";
const FIREHOSE: &str = "AWS::KinesisFirehose::DeliveryStream";

async fn deploy(
    replay: &Replay,
    args: &[&str],
    mode: OutputMode,
) -> (anyhow::Result<()>, Captured) {
    let Command::Deploy(args) = parse(&[&["deploy", "kds-kdf-s3", "--yes"], args].concat()) else {
        unreachable!()
    };
    let plan = streamstack::commands::deploy::prepare(&args).unwrap();
    replay
        .run(mode, async |config, polling, out| {
            streamstack::commands::deploy::deploy(&args, plan, config, polling, out).await
        })
        .await
}

#[tokio::test]
async fn a_stack_in_rollback_complete_is_refused_without_replace_failed() {
    let replay = Replay::new(vec![stack("ingest", "ROLLBACK_COMPLETE", false, &[])]).await;
    let (result, _) = deploy(&replay, &["--stack-name", "ingest"], OutputMode::Text).await;
    let err = result.unwrap_err();
    let line = format!("{err:#}");
    assert_eq!(
        line,
        "stack `ingest` is in ROLLBACK_COMPLETE from a failed first create; rerun with --replace-failed to delete and recreate it"
    );
    assert_eq!(exit_code(&err), 2);
    assert_eq!(replay.operations(), ["DescribeStacks"], "no mutating call");
}

#[tokio::test]
async fn replace_failed_deletes_the_stack_then_creates_it_again() {
    let replay = Replay::new(vec![
        stack("ingest", "ROLLBACK_COMPLETE", false, &[]),
        ok("DeleteStack", ""),
        no_stack("ingest"),
        events(
            "ingest",
            &[
                Ev("d2", "ingest", STACK_TYPE, "DELETE_COMPLETE", "", 2),
                Ev(
                    "d1",
                    "ingest",
                    STACK_TYPE,
                    "DELETE_IN_PROGRESS",
                    "User Initiated",
                    1,
                ),
            ],
        ),
        change_set_created(),
        change_set_ready("Add"),
        ok("ExecuteChangeSet", ""),
        stack(
            "ingest",
            "CREATE_COMPLETE",
            false,
            &[("DeliveryStreamName", "ingest-delivery")],
        ),
        events(
            "ingest",
            &[
                Ev("c3", "ingest", STACK_TYPE, "CREATE_COMPLETE", "", 5),
                Ev("c2", "DeliveryStream", FIREHOSE, "CREATE_COMPLETE", "", 4),
                Ev(
                    "c1",
                    "ingest",
                    STACK_TYPE,
                    "CREATE_IN_PROGRESS",
                    "User Initiated",
                    3,
                ),
            ],
        ),
    ])
    .await;
    let (result, out) = deploy(
        &replay,
        &["--stack-name", "ingest", "--replace-failed"],
        OutputMode::Text,
    )
    .await;
    result.unwrap();
    assert_eq!(
        replay.operations(),
        [
            "DescribeStacks",
            "DeleteStack",
            "DescribeStacks",
            "DescribeStackEvents",
            "CreateChangeSet",
            "DescribeChangeSet",
            "ExecuteChangeSet",
            "DescribeStacks",
            "DescribeStackEvents",
        ]
    );
    let create = &replay.bodies()[4];
    assert!(create.contains("ChangeSetType=CREATE"), "{create}");
    let err = out.stderr();
    assert!(
        err.contains("deleting ingest (ROLLBACK_COMPLETE) before creating it again"),
        "{err}"
    );
    assert!(err.contains("create stack ingest: 1 change(s)"), "{err}");
    assert!(err.contains("stack ingest: CREATE_COMPLETE"), "{err}");
    assert_eq!(out.stdout(), "DeliveryStreamName = ingest-delivery\n");
}

#[tokio::test]
async fn termination_protection_is_turned_on_after_a_deploy_that_asks_for_it() {
    let mut responses = update_until_execute();
    responses.extend([
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        events(
            "orders",
            &[Ev("u1", "orders", STACK_TYPE, "UPDATE_COMPLETE", "", 1)],
        ),
        ok(
            "UpdateTerminationProtection",
            &format!("<StackId>{STACK_ID}</StackId>"),
        ),
    ]);
    let replay = Replay::new(responses).await;
    let (result, out) = deploy(
        &replay,
        &[
            "--stack-name",
            "orders",
            "--termination-protection",
            "--output",
            "json",
        ],
        OutputMode::Json,
    )
    .await;
    result.unwrap();
    let actions = replay.operations();
    assert_eq!(actions.last().unwrap(), "UpdateTerminationProtection");
    let body = replay.bodies().pop().unwrap();
    assert!(
        body.contains("EnableTerminationProtection=true") && body.contains("StackName=orders"),
        "{body}"
    );
    let lines = json_lines(&out.stdout());
    let result = lines.last().unwrap();
    assert_eq!(result["type"], "result");
    assert_eq!(result["status"], "UPDATE_COMPLETE");
}

/// `streamstack destroy orders --yes ARGS` against the recorded responses, text output.
async fn destroy(replay: &Replay, args: &[&str]) -> (anyhow::Result<()>, Captured) {
    let Command::Destroy(args) = parse(&[&["destroy", "orders", "--yes"], args].concat()) else {
        unreachable!()
    };
    replay
        .run(OutputMode::Text, async |config, polling, out| {
            streamstack::commands::destroy::destroy(&args, config, polling, out).await
        })
        .await
}

#[tokio::test]
async fn destroy_is_refused_for_a_protected_stack() {
    let replay = Replay::new(vec![stack("orders", "UPDATE_COMPLETE", true, &[])]).await;
    let (result, captured) = destroy(&replay, &[]).await;
    let err = result.unwrap_err();
    assert!(
        format!("{err:#}")
            .starts_with("stack `orders` has termination protection on; turn it off first"),
        "{err:#}"
    );
    assert_eq!(exit_code(&err), 1);
    assert_eq!(
        replay.operations(),
        ["DescribeStacks"],
        "no DeleteStack sent"
    );
    assert!(captured.stdout().is_empty());
}

#[tokio::test]
async fn an_update_that_rolls_back_prints_its_root_cause_and_fails() {
    let mut responses = update_until_execute();
    responses.extend([
        stack("orders", "UPDATE_ROLLBACK_COMPLETE", false, &[]),
        events(
            "orders",
            &[
                Ev("r5", "orders", STACK_TYPE, "UPDATE_ROLLBACK_COMPLETE", "", 5),
                Ev("r4", "DeliveryStream", FIREHOSE, "UPDATE_COMPLETE", "", 4),
                Ev("r3", "orders", STACK_TYPE, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [DeliveryStream].", 3),
                Ev("r2", "DeliveryStream", FIREHOSE, "UPDATE_FAILED", "Resource handler returned message: \"Role arn:aws:iam::123456789012:role/x is not authorized to perform: glue:GetTable\" (RequestToken: 1f2e, HandlerErrorCode: InvalidRequest)", 2),
                Ev("r1", "orders", STACK_TYPE, "UPDATE_IN_PROGRESS", "User Initiated", 1),
            ],
        ),
    ]);
    let replay = Replay::new(responses).await;
    let (result, out) = deploy(&replay, &["--stack-name", "orders"], OutputMode::Text).await;
    let err = result.unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "deployment of orders failed: UPDATE_ROLLBACK_COMPLETE"
    );
    assert_eq!(exit_code(&err), 1);
    let text = out.stderr();
    assert!(
        text.contains("root cause: DeliveryStream (AWS::KinesisFirehose::DeliveryStream) UPDATE_FAILED: Role arn:aws:iam::123456789012:role/x is not authorized to perform: glue:GetTable [InvalidRequest]\nstack orders is UPDATE_ROLLBACK_COMPLETE\n"),
        "{text}"
    );
    assert_eq!(text.matches("root cause:").count(), 1, "{text}");
}

#[tokio::test]
async fn a_throttled_describe_stack_events_is_retried_and_no_event_is_printed_twice() {
    let mut responses = update_until_execute();
    responses.extend([
        stack("orders", "UPDATE_IN_PROGRESS", false, &[]),
        events(
            "orders",
            &[
                Ev(
                    "e2",
                    "DeliveryStream",
                    FIREHOSE,
                    "UPDATE_IN_PROGRESS",
                    "",
                    2,
                ),
                Ev(
                    "e1",
                    "orders",
                    STACK_TYPE,
                    "UPDATE_IN_PROGRESS",
                    "User Initiated",
                    1,
                ),
            ],
        ),
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        error(400, "Throttling", "Rate exceeded"),
        events(
            "orders",
            &[
                Ev("e3", "orders", STACK_TYPE, "UPDATE_COMPLETE", "", 3),
                Ev(
                    "e2",
                    "DeliveryStream",
                    FIREHOSE,
                    "UPDATE_IN_PROGRESS",
                    "",
                    2,
                ),
                Ev(
                    "e1",
                    "orders",
                    STACK_TYPE,
                    "UPDATE_IN_PROGRESS",
                    "User Initiated",
                    1,
                ),
            ],
        ),
    ]);
    let replay = Replay::new(responses).await;
    let (result, out) = deploy(
        &replay,
        &["--stack-name", "orders", "--output", "json"],
        OutputMode::Json,
    )
    .await;
    result.unwrap();
    let actions = replay.operations();
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "DescribeStackEvents")
            .count(),
        3,
        "the throttled call is sent again: {actions:?}"
    );
    let lines = json_lines(&out.stdout());
    let ids: Vec<&str> = lines
        .iter()
        .filter(|l| l["type"] == "event")
        .map(|l| l["event"]["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["e1", "e2", "e3"]);
    assert_eq!(lines.last().unwrap()["status"], "UPDATE_COMPLETE");
}

#[tokio::test]
async fn expired_credentials_fail_with_one_line_naming_the_profile() {
    let replay = Replay::new(vec![error(
        400,
        "ExpiredToken",
        "The security token included in the request is expired",
    )])
    .await;
    let (result, out) = deploy(
        &replay,
        &["--stack-name", "orders", "--profile", "ci-deployer"],
        OutputMode::Text,
    )
    .await;
    let err = result.unwrap_err();
    let line = format!("{err:#}");
    assert_eq!(
        line,
        "the AWS credentials of profile `ci-deployer` have expired (ExpiredToken); refresh them (e.g. `aws sso login --profile ci-deployer`) and try again"
    );
    assert_eq!(exit_code(&err), 1);
    assert_eq!(replay.operations(), ["DescribeStacks"]);
    assert!(out.stdout().is_empty() && out.stderr().is_empty());

    // The same for `status`, with the code some services use.
    let replay = Replay::new(vec![error(
        400,
        "ExpiredTokenException",
        "The security token included in the request is expired",
    )])
    .await;
    let Command::Status(args) = parse(&["status", "orders", "--profile", "ci-deployer"]) else {
        unreachable!()
    };
    let (out, _) = Printer::capture(OutputMode::Text);
    let err = streamstack::commands::status::status(&args, &replay.config, &out)
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").starts_with(
            "the AWS credentials of profile `ci-deployer` have expired (ExpiredTokenException)"
        ),
        "{err:#}"
    );
    assert_eq!(exit_code(&err), 1);
}

const MONITORING_NS: &str = "http://monitoring.amazonaws.com/doc/2010-08-01/";

fn monitoring_ok(action: &str, result: &str) -> HttpResponse {
    xml(
        200,
        format!(
            "<{action}Response xmlns=\"{MONITORING_NS}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>7a1b2c3d-0000-4000-8000-000000000003</RequestId></ResponseMetadata></{action}Response>"
        ),
    )
}

#[tokio::test]
async fn a_throttled_get_metric_data_does_not_end_the_watch_and_the_next_refresh_reads() {
    let minute = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        / 60
        * 60
        - 300;
    let at = aws_smithy_types::DateTime::from_secs(minute)
        .fmt(Format::DateTime)
        .unwrap();
    let result = |id: &str, value: f64| {
        format!("<member><Id>{id}</Id><Label>{id}</Label><Timestamps><member>{at}</member></Timestamps><Values><member>{value}</member></Values><StatusCode>Complete</StatusCode></member>")
    };
    let throttled = || error(400, "Throttling", "Rate exceeded");
    let replay = Replay::new(vec![
        stack("orders", "CREATE_COMPLETE", false, &[]),
        stack_resources(&[
            ("DataStream", "orders-DataStream-1", "AWS::Kinesis::Stream"),
            ("DeliveryStream", "orders-DeliveryStream-1", FIREHOSE),
            (
                "FreshnessAlarm",
                "orders-FreshnessAlarm-1",
                "AWS::CloudWatch::Alarm",
            ),
        ]),
        // Refresh 1: throttled on every attempt the SDK makes.
        throttled(),
        throttled(),
        throttled(),
        // Refresh 2.
        monitoring_ok(
            "GetMetricData",
            &format!(
                "<MetricDataResults>{}{}</MetricDataResults>",
                result("inRecords", 600.0),
                result("outRecords", 120.0)
            ),
        ),
        monitoring_ok(
            "DescribeAlarms",
            "<MetricAlarms><member><AlarmName>orders-FreshnessAlarm-1</AlarmName><StateValue>ALARM</StateValue></member></MetricAlarms>",
        ),
    ])
    .await;
    let Command::Status(args) = parse(&[
        "status", "orders", "--watch", "--output", "json", "--period", "1", "--count", "2",
    ]) else {
        unreachable!()
    };
    let (printer, out) = Printer::capture(OutputMode::Json);
    streamstack::commands::status::status(&args, &replay.config, &printer)
        .await
        .unwrap();
    let lines: Vec<Value> = out
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout());
    assert!(
        lines[0]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("cannot read metrics: Throttling: Rate exceeded")),
        "{}",
        lines[0]
    );
    assert_eq!(lines[0]["in"]["records_per_s"], Value::Null);
    assert_eq!(lines[0]["alarms"], serde_json::json!({}));
    assert_eq!(lines[1]["error"], Value::Null, "{}", lines[1]);
    assert_eq!(lines[1]["in"]["records_per_s"], 10.0);
    assert_eq!(lines[1]["out"]["records_per_s"], 2.0);
    assert_eq!(lines[1]["totals"]["in_records"], 600.0);
    assert_eq!(lines[1]["in"]["bytes_per_s"], Value::Null);
    assert_eq!(
        lines[1]["alarms"],
        serde_json::json!({"orders-FreshnessAlarm-1": "ALARM"})
    );
    assert_eq!(
        replay.operations(),
        [
            "DescribeStacks",
            "ListStackResources",
            "GetMetricData",
            "GetMetricData",
            "GetMetricData",
            "GetMetricData",
            "DescribeAlarms"
        ]
    );
    // One batched call per refresh: every query of the pattern is in the one request.
    let bodies = replay.bodies();
    let batch = &bodies[5];
    for id in [
        "inRecords",
        "inBytes",
        "outRecords",
        "outBytes",
        "lag",
        "freshness",
        "readThrottles",
        "writeThrottles",
    ] {
        assert!(batch.contains(&format!("Id={id}&")), "{id}: {batch}");
    }
    assert!(
        batch.contains("MetricName=DeliveryToS3.Records&"),
        "{batch}"
    );
}

/// DescribeStacks of `orders` (UPDATE_COMPLETE) with these parameters.
fn stack_with_parameters(params: &[(&str, &str)]) -> HttpResponse {
    let members: String = params
        .iter()
        .map(|(k, v)| {
            format!("<member><ParameterKey>{k}</ParameterKey><ParameterValue>{v}</ParameterValue></member>")
        })
        .collect();
    ok(
        "DescribeStacks",
        &format!(
            "<Stacks><member><StackId>{STACK_ID}</StackId><StackName>orders</StackName><CreationTime>2026-01-05T10:00:00Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus><EnableTerminationProtection>false</EnableTerminationProtection><Parameters>{members}</Parameters><Outputs></Outputs></member></Stacks>"
        ),
    )
}

/// The form fields of an awsQuery body, URL-decoded, in order.
fn form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let decode = |s: &str| {
                let s = s.replace('+', " ");
                let bytes = s.as_bytes();
                let mut out = Vec::new();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%' && i + 2 < bytes.len() {
                        let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                        out.push(u8::from_str_radix(hex, 16).unwrap());
                        i += 3;
                    } else {
                        out.push(bytes[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).unwrap()
            };
            (decode(k), decode(v))
        })
        .collect()
}

/// The parameters of a CreateChangeSet body: (key, value or `<previous>`).
fn change_set_parameters(body: &str) -> Vec<(String, String)> {
    let fields = form(body);
    let get = |k: String| fields.iter().find(|(f, _)| *f == k).map(|(_, v)| v.clone());
    (1..)
        .map_while(|n| {
            let key = get(format!("Parameters.member.{n}.ParameterKey"))?;
            let value = match get(format!("Parameters.member.{n}.UsePreviousValue")) {
                Some(p) if p == "true" => "<previous>".to_string(),
                _ => get(format!("Parameters.member.{n}.ParameterValue")).unwrap_or_default(),
            };
            Some((key, value))
        })
        .collect()
}

#[tokio::test]
async fn an_update_sends_use_previous_value_for_every_parameter_not_given() {
    let responses = || {
        let mut r = vec![stack_with_parameters(&[
            ("AlarmEmail", "ops@example.com"),
            ("BufferingInterval", "300"),
            ("BufferingSize", "5"),
            ("CompressionFormat", "GZIP"),
            ("EnableEnhancedMonitoring", "false"),
            ("RemovedByTheNewTemplate", "x"),
            ("RetentionHours", "168"),
            ("ShardCount", "4"),
            (
                "StreamKmsKeyArn",
                "arn:aws:kms:us-east-1:123456789012:key/1",
            ),
            ("StreamMode", "PROVISIONED"),
        ])];
        r.extend(update_until_execute().into_iter().skip(1));
        r.extend([
            stack("orders", "UPDATE_COMPLETE", false, &[]),
            events(
                "orders",
                &[Ev("u1", "orders", STACK_TYPE, "UPDATE_COMPLETE", "", 1)],
            ),
        ]);
        r
    };
    let sent_with = |extra: &'static [&'static str]| {
        let responses = responses();
        async move {
            let replay = Replay::new(responses).await;
            let mut args = vec!["--stack-name", "orders", "--param", "BufferingInterval=120"];
            args.extend_from_slice(extra);
            let (result, out) = deploy(&replay, &args, OutputMode::Text).await;
            result.unwrap();
            assert_eq!(replay.operations()[1], "CreateChangeSet");
            (change_set_parameters(&replay.bodies()[1]), out)
        }
    };
    let expected = |reset: bool| {
        let mut e = vec![
            ("AlarmEmail", "<previous>"),
            ("BufferingInterval", "120"),
            ("BufferingSize", "<previous>"),
            ("CompressionFormat", "<previous>"),
            ("EnableEnhancedMonitoring", "<previous>"),
            ("RetentionHours", "<previous>"),
            ("ShardCount", "<previous>"),
            ("StreamKmsKeyArn", "<previous>"),
            ("StreamMode", "<previous>"),
        ];
        if reset {
            e.retain(|(k, _)| *k != "RetentionHours");
        }
        e.into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let (sent, _) = sent_with(&[]).await;
    assert_eq!(
        sent,
        expected(false),
        "defect 1: an update must keep (UsePreviousValue) every parameter the stack has and this \
         run does not set, and drop those the template no longer has"
    );
    // --reset-param leaves the parameter out, so the template default applies.
    let (sent, out) = sent_with(&["--reset-param", "RetentionHours"]).await;
    assert_eq!(sent, expected(true));
    let err = out.stderr();
    assert!(
        err.contains(
            "PARAMETER                OLD -> NEW\n\
             BufferingInterval        300 -> 120\n\
             RemovedByTheNewTemplate  x -> (removed)\n\
             RetentionHours           168 -> 24 (default)\n"
        ),
        "{err}"
    );
}

fn policy_file(dir: &tempfile::TempDir) -> String {
    let p = dir.path().join("config.json");
    std::fs::write(
        &p,
        r#"{"Parameters": {"BufferingInterval": "120"}, "Tags": {"team": "data"},
            "StackPolicy": {"Statement": [
              {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
              {"Effect": "Deny", "Action": "Update:Replace", "Principal": "*", "Resource": "LogicalResourceId/DataStream"}]}}"#,
    )
    .unwrap();
    p.to_str().unwrap().to_string()
}

#[tokio::test]
async fn the_stack_policy_of_a_codepipeline_file_is_set_before_an_update_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = policy_file(&dir);
    let mut responses = update_until_execute();
    responses.insert(3, ok("SetStackPolicy", ""));
    responses.extend([
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        events(
            "orders",
            &[Ev("u1", "orders", STACK_TYPE, "UPDATE_COMPLETE", "", 1)],
        ),
    ]);
    let replay = Replay::new(responses).await;
    let (result, _) = deploy(
        &replay,
        &["--stack-name", "orders", "--param-file", &file],
        OutputMode::Text,
    )
    .await;
    let ops = replay.operations();
    assert_eq!(
        &ops[..5],
        [
            "DescribeStacks",
            "CreateChangeSet",
            "DescribeChangeSet",
            "SetStackPolicy",
            "ExecuteChangeSet"
        ],
        "defect 2: the StackPolicy of the parameter file was dropped"
    );
    result.unwrap();
    let fields = form(&replay.bodies()[3]);
    let body = &fields
        .iter()
        .find(|(k, _)| k == "StackPolicyBody")
        .unwrap()
        .1;
    let policy: Value = serde_json::from_str(body).unwrap();
    assert_eq!(policy["Statement"][1]["Action"], "Update:Replace");
    assert!(fields
        .iter()
        .any(|(k, v)| k == "StackName" && v == "orders"));
}

#[tokio::test]
async fn the_stack_policy_of_a_codepipeline_file_is_set_once_a_new_stack_exists() {
    let dir = tempfile::tempdir().unwrap();
    let file = policy_file(&dir);
    let replay = Replay::new(vec![
        no_stack("orders"),
        change_set_created(),
        change_set_ready("Add"),
        ok("ExecuteChangeSet", ""),
        stack("orders", "CREATE_COMPLETE", false, &[]),
        events(
            "orders",
            &[Ev("c1", "orders", STACK_TYPE, "CREATE_COMPLETE", "", 1)],
        ),
        ok("SetStackPolicy", ""),
    ])
    .await;
    let (result, out) = deploy(
        &replay,
        &["--stack-name", "orders", "--param-file", &file],
        OutputMode::Text,
    )
    .await;
    result.unwrap();
    assert_eq!(
        replay.operations().last().map(String::as_str),
        Some("SetStackPolicy"),
        "defect 2: the StackPolicy of the parameter file was dropped"
    );
    assert!(replay.bodies().last().unwrap().contains("StackPolicyBody="));
    assert!(
        out.stderr()
            .contains("stack policy of orders set from the parameter file"),
        "{}",
        out.stderr()
    );
}

const S3_NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

fn s3_xml(body: String) -> HttpResponse {
    let mut r = xml(
        200,
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{body}"),
    );
    r.headers_mut().insert("content-type", "application/xml");
    r
}

/// ListObjectVersions of `keys` (one version each, `v1`).
fn versions_page(bucket: &str, keys: &[String]) -> HttpResponse {
    let members: String = keys
        .iter()
        .map(|k| format!("<Version><Key>{k}</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest><LastModified>2026-01-05T10:00:00.000Z</LastModified><ETag>\"e\"</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Version>"))
        .collect();
    s3_xml(format!("<ListVersionsResult xmlns=\"{S3_NS}\"><Name>{bucket}</Name><Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{members}</ListVersionsResult>"))
}

/// DeleteObjects (quiet) answering AccessDenied for each of `keys`.
fn delete_errors(keys: &[String]) -> HttpResponse {
    let members: String = keys
        .iter()
        .map(|k| format!("<Error><Key>{k}</Key><VersionId>v1</VersionId><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"))
        .collect();
    s3_xml(format!(
        "<DeleteResult xmlns=\"{S3_NS}\">{members}</DeleteResult>"
    ))
}

#[tokio::test]
async fn destroy_empty_buckets_reports_per_key_errors_and_stops_after_bounded_rounds() {
    let bucket = "orders-outputbucket-1";
    let keys: Vec<String> = (1..=7).map(|i| format!("results/part-{i}.json")).collect();
    let mut responses = vec![
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        stack_resources(&[("OutputBucket", bucket, "AWS::S3::Bucket")]),
    ];
    // S3 keeps refusing the same versions (a bucket policy denying s3:DeleteObjectVersion) for
    // three rounds; the answers after them (the bucket empty, the stack deleted) are only reached
    // by code that ignores the errors and goes on.
    for _ in 0..3 {
        responses.push(versions_page(bucket, &keys));
        responses.push(delete_errors(&keys));
    }
    responses.extend([
        versions_page(bucket, &[]),
        ok("DeleteStack", ""),
        no_stack("orders"),
        events(
            "orders",
            &[Ev("d1", "orders", STACK_TYPE, "DELETE_COMPLETE", "", 1)],
        ),
    ]);
    let replay = Replay::new(responses).await;
    let run = destroy(&replay, &["--empty-buckets"]);
    let (result, captured) = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("item 9: destroy --empty-buckets loops forever on DeleteObjects per-key errors");
    let err = result.expect_err(
        "item 9: destroy --empty-buckets ignored DeleteObjects' per-key errors and went on",
    );
    assert_eq!(
        format!("{err:#}"),
        format!("cannot empty s3://{bucket}: 7 object versions still not deleted after 3 rounds; first: s3://{bucket}/results/part-1.json (version v1): AccessDenied: Access Denied")
    );
    assert_eq!(exit_code(&err), 1);
    let text = captured.stderr();
    assert_eq!(
        text.matches(&format!("cannot delete s3://{bucket}/results/part-1.json (version v1): AccessDenied: Access Denied\n")).count(),
        3,
        "{text}"
    );
    assert!(!text.contains("part-6.json"), "capped at 5 a round: {text}");
    assert_eq!(
        text.matches(&format!(
            "... and 2 more object versions of s3://{bucket} not deleted"
        ))
        .count(),
        3,
        "{text}"
    );
    assert!(
        !replay.operations().iter().any(|o| o == "DeleteStack"),
        "the stack is not deleted with its bucket still full"
    );
}

/// The form body of an awsQuery request with `%3A` and `%2F` decoded, to read ARNs in it.
fn decoded(body: &str) -> String {
    body.replace("%3A", ":").replace("%2F", "/")
}

// Issue #22 item 6. The emulator (moto 5.2.5) stores CreateChangeSet's RoleARN and
// NotificationARNs but never uses either (no role is assumed, no event is published through it
// for a change set's stack), so the requests sent are what is checked here.
#[tokio::test]
async fn the_service_role_and_notification_topics_are_sent_with_the_change_set_and_the_deletion() {
    let mut responses = update_until_execute();
    responses.extend([
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        events(
            "orders",
            &[Ev("u1", "orders", STACK_TYPE, "UPDATE_COMPLETE", "", 1)],
        ),
    ]);
    let replay = Replay::new(responses).await;
    let role = "arn:aws:iam::123456789012:role/cfn-deployer";
    let (result, _) = deploy(
        &replay,
        &[
            "--stack-name",
            "orders",
            "--role-arn",
            role,
            "--notification-arn",
            "arn:aws:sns:us-east-1:123456789012:ops",
            "--notification-arn",
            "arn:aws:sns:us-east-1:123456789012:audit",
        ],
        OutputMode::Text,
    )
    .await;
    result.unwrap();
    let create = decoded(&replay.bodies()[1]);
    assert!(create.contains("Action=CreateChangeSet"), "{create}");
    assert!(
        create.contains(&format!("RoleARN={role}")),
        "issue #22 item 6: --role-arn is not sent with CreateChangeSet: {create}"
    );
    assert!(
        create.contains("NotificationARNs.member.1=arn:aws:sns:us-east-1:123456789012:ops")
            && create
                .contains("NotificationARNs.member.2=arn:aws:sns:us-east-1:123456789012:audit"),
        "issue #22 item 6: --notification-arn is not sent with CreateChangeSet: {create}"
    );

    let replay = Replay::new(vec![
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        ok("DeleteStack", ""),
        no_stack("orders"),
        events(
            "orders",
            &[Ev("d1", "orders", STACK_TYPE, "DELETE_COMPLETE", "", 1)],
        ),
    ])
    .await;
    destroy(&replay, &["--role-arn", role]).await.0.unwrap();
    let delete = decoded(&replay.bodies()[1]);
    assert!(
        delete.contains("Action=DeleteStack") && delete.contains(&format!("RoleARN={role}")),
        "issue #22 item 6: --role-arn is not sent with DeleteStack: {delete}"
    );
}

/// Runs the binary with an endpoint nobody listens on: a request sent would fail with exit 1
/// ("cannot reach the AWS endpoint"), so exit 2 with one line proves nothing was sent.
fn run_offline(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_streamstack"))
        .args(args)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIAOFFLINE")
        .env("AWS_SECRET_ACCESS_KEY", "offline")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_role_and_notification_arns_are_refused_before_any_call() {
    let topic = |t: &str| format!("arn:aws:sns:us-east-1:123456789012:{t}");
    let six: Vec<String> = (0..6).map(|i| topic(&format!("t{i}"))).collect();
    let mut too_many = vec!["deploy", "kds-kdf-s3", "--stack-name", "orders", "--yes"];
    for t in &six {
        too_many.extend(["--notification-arn", t.as_str()]);
    }
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "deploy",
                "kds-kdf-s3",
                "--stack-name",
                "orders",
                "--yes",
                "--role-arn",
                "cfn-deployer",
            ],
            "--role-arn `cfn-deployer` is not an IAM role ARN",
        ),
        (
            vec![
                "deploy",
                "kds-kdf-s3",
                "--stack-name",
                "orders",
                "--yes",
                "--notification-arn",
                "arn:aws:sqs:us-east-1:123456789012:q",
            ],
            "--notification-arn `arn:aws:sqs:us-east-1:123456789012:q` is not an SNS topic ARN",
        ),
        (
            too_many,
            "--notification-arn given 6 times; allowed: at most 5 topics",
        ),
        (
            vec![
                "destroy",
                "orders",
                "--yes",
                "--role-arn",
                "arn:aws:iam::123456789012:user/me",
            ],
            "--role-arn `arn:aws:iam::123456789012:user/me` is not an IAM role ARN",
        ),
    ];
    for (args, message) in cases {
        let (code, err) = run_offline(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

async fn watch(replay: &Replay, mode: OutputMode) -> (anyhow::Result<()>, Captured) {
    let Command::Watch(args) = parse(&["watch", "orders"]) else {
        unreachable!()
    };
    replay
        .run(mode, async |config, polling, out| {
            streamstack::commands::watch::watch(&args, config, polling, out).await
        })
        .await
}

// Issue #22 item 5. The emulator runs every operation to its end within the call that starts it,
// so a stack is never UPDATE_IN_PROGRESS there: re-attaching is tested on replayed responses.
#[tokio::test]
async fn watch_re_attaches_to_an_update_in_progress_and_ends_with_its_root_cause() {
    let before = [
        Ev(
            "u2",
            "DeliveryStream",
            FIREHOSE,
            "UPDATE_IN_PROGRESS",
            "",
            2,
        ),
        Ev(
            "u1",
            "orders",
            STACK_TYPE,
            "UPDATE_IN_PROGRESS",
            "User Initiated",
            1,
        ),
        Ev("c9", "orders", STACK_TYPE, "CREATE_COMPLETE", "", 0),
    ];
    let replay = Replay::new(vec![
        stack("orders", "UPDATE_IN_PROGRESS", false, &[]),
        events("orders", &before),
        stack("orders", "UPDATE_IN_PROGRESS", false, &[]),
        events("orders", &before),
        stack("orders", "UPDATE_ROLLBACK_COMPLETE", false, &[]),
        events(
            "orders",
            &[
                Ev("u5", "orders", STACK_TYPE, "UPDATE_ROLLBACK_COMPLETE", "", 5),
                Ev("u4", "orders", STACK_TYPE, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [DeliveryStream].", 4),
                Ev("u3", "DeliveryStream", FIREHOSE, "UPDATE_FAILED", "Resource handler returned message: \"Access denied\" (RequestToken: 1, HandlerErrorCode: AccessDenied)", 3),
                Ev("u2", "DeliveryStream", FIREHOSE, "UPDATE_IN_PROGRESS", "", 2),
                Ev("u1", "orders", STACK_TYPE, "UPDATE_IN_PROGRESS", "User Initiated", 1),
                Ev("c9", "orders", STACK_TYPE, "CREATE_COMPLETE", "", 0),
            ],
        ),
    ])
    .await;
    let (result, out) = watch(&replay, OutputMode::Text).await;
    let err = result.unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "operation on orders failed: UPDATE_ROLLBACK_COMPLETE"
    );
    assert_eq!(exit_code(&err), 1);
    assert!(
        replay
            .operations()
            .iter()
            .all(|o| o == "DescribeStacks" || o == "DescribeStackEvents"),
        "watch only reads: {:?}",
        replay.operations()
    );
    let text = out.stderr();
    // The operation's events from its start (before the watch began), each once, not the
    // create before it.
    assert_eq!(text.matches("User Initiated").count(), 1, "{text}");
    assert!(!text.contains("CREATE_COMPLETE"), "{text}");
    assert!(
        text.contains("root cause: DeliveryStream (AWS::KinesisFirehose::DeliveryStream) UPDATE_FAILED: Access denied [AccessDenied]"),
        "issue #22 item 5: watch does not end with the root cause: {text}"
    );
}

#[tokio::test]
async fn watch_of_a_settled_stack_says_so_and_deploy_on_a_busy_stack_names_watch() {
    let replay = Replay::new(vec![stack("orders", "UPDATE_COMPLETE", false, &[])]).await;
    let (result, out) = watch(&replay, OutputMode::Text).await;
    result.unwrap();
    assert_eq!(
        out.stderr(),
        "stack orders: UPDATE_COMPLETE (no operation in progress)\n"
    );

    let replay = Replay::new(vec![stack("orders", "UPDATE_IN_PROGRESS", false, &[])]).await;
    let (result, _) = deploy(&replay, &["--stack-name", "orders"], OutputMode::Text).await;
    let line = format!("{:#}", result.unwrap_err());
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.starts_with("stack `orders` is busy (UPDATE_IN_PROGRESS)")
            && line.contains("`streamstack watch orders`"),
        "issue #22 item 5: deploy on a busy stack does not name `streamstack watch`: {line}"
    );
    assert_eq!(replay.operations(), ["DescribeStacks"], "nothing else sent");
}

async fn rollback(replay: &Replay, args: &[&str]) -> (anyhow::Result<()>, Captured) {
    let Command::Rollback(args) = parse(&[&["rollback", "orders"], args].concat()) else {
        unreachable!()
    };
    replay
        .run(OutputMode::Text, async |config, polling, out| {
            streamstack::commands::rollback::rollback(&args, config, polling, out).await
        })
        .await
}

// Issue #22 item 2. moto 5.2.5 has neither RollbackStack nor ContinueUpdateRollback (no handler
// in moto/cloudformation/responses.py) and ignores ExecuteChangeSet's DisableRollback (a failed
// resource there never leaves a stack in UPDATE_FAILED), so rollback control is tested here.
#[tokio::test]
async fn on_failure_keep_disables_rollback_and_rollback_then_rolls_the_stack_back() {
    let failed_update = || {
        let mut responses = update_until_execute();
        responses.extend([
            stack("orders", "UPDATE_FAILED", false, &[]),
            events(
                "orders",
                &[
                    Ev("k3", "orders", STACK_TYPE, "UPDATE_FAILED", "The following resource(s) failed to update: [DeliveryStream].", 3),
                    Ev("k2", "DeliveryStream", FIREHOSE, "UPDATE_FAILED", "Resource handler returned message: \"Access denied\" (RequestToken: 1, HandlerErrorCode: AccessDenied)", 2),
                    Ev("k1", "orders", STACK_TYPE, "UPDATE_IN_PROGRESS", "User Initiated", 1),
                ],
            ),
        ]);
        responses
    };
    for flags in [&["--on-failure", "keep"][..], &["--disable-rollback"][..]] {
        let replay = Replay::new(failed_update()).await;
        let (result, out) = deploy(
            &replay,
            &[&["--stack-name", "orders"], flags].concat(),
            OutputMode::Text,
        )
        .await;
        let err = result.unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "deployment of orders failed: UPDATE_FAILED"
        );
        let execute = &replay.bodies()[3];
        assert!(
            execute.contains("Action=ExecuteChangeSet") && execute.contains("DisableRollback=true"),
            "issue #22 item 2: {flags:?} does not disable the rollback: {execute}"
        );
        let text = out.stderr();
        assert!(
            text.contains("root cause: DeliveryStream (AWS::KinesisFirehose::DeliveryStream) UPDATE_FAILED: Access denied [AccessDenied]")
                && text.contains("`streamstack rollback orders` rolls the stack back"),
            "{text}"
        );
    }
    // The default still rolls back: no DisableRollback sent.
    let mut responses = update_until_execute();
    responses.extend([
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        events(
            "orders",
            &[Ev("d1", "orders", STACK_TYPE, "UPDATE_COMPLETE", "", 1)],
        ),
    ]);
    let replay = Replay::new(responses).await;
    deploy(&replay, &["--stack-name", "orders"], OutputMode::Text)
        .await
        .0
        .unwrap();
    assert!(
        !replay.bodies()[3].contains("DisableRollback"),
        "{}",
        replay.bodies()[3]
    );

    // Then `rollback`: RollbackStack for UPDATE_FAILED, followed to its end.
    let role = "arn:aws:iam::123456789012:role/cfn-deployer";
    let replay = Replay::new(vec![
        stack("orders", "UPDATE_FAILED", false, &[]),
        ok("RollbackStack", &format!("<StackId>{STACK_ID}</StackId>")),
        stack("orders", "UPDATE_ROLLBACK_COMPLETE", false, &[]),
        events(
            "orders",
            &[
                Ev(
                    "b2",
                    "orders",
                    STACK_TYPE,
                    "UPDATE_ROLLBACK_COMPLETE",
                    "",
                    2,
                ),
                Ev(
                    "b1",
                    "orders",
                    STACK_TYPE,
                    "UPDATE_ROLLBACK_IN_PROGRESS",
                    "User Initiated",
                    1,
                ),
            ],
        ),
    ])
    .await;
    let (result, out) = rollback(&replay, &["--role-arn", role]).await;
    result.unwrap();
    assert_eq!(
        replay.operations(),
        [
            "DescribeStacks",
            "RollbackStack",
            "DescribeStacks",
            "DescribeStackEvents"
        ]
    );
    let sent = decoded(&replay.bodies()[1]);
    assert!(
        sent.contains("StackName=orders") && sent.contains(&format!("RoleARN={role}")),
        "{sent}"
    );
    let text = out.stderr();
    assert!(
        text.contains("UPDATE_ROLLBACK_IN_PROGRESS"),
        "followed live: {text}"
    );
    assert!(
        text.ends_with("stack orders: UPDATE_ROLLBACK_COMPLETE\n"),
        "{text}"
    );
}

#[tokio::test]
async fn rollback_continues_an_update_rollback_that_failed_skipping_the_named_resources() {
    let replay = Replay::new(vec![
        stack("orders", "UPDATE_ROLLBACK_FAILED", false, &[]),
        ok("ContinueUpdateRollback", ""),
        stack("orders", "UPDATE_ROLLBACK_COMPLETE", false, &[]),
        events(
            "orders",
            &[
                Ev(
                    "s3",
                    "orders",
                    STACK_TYPE,
                    "UPDATE_ROLLBACK_COMPLETE",
                    "",
                    3,
                ),
                Ev(
                    "s2",
                    "DeliveryStream",
                    FIREHOSE,
                    "UPDATE_COMPLETE",
                    "Resource skipped during rollback",
                    2,
                ),
                Ev(
                    "s1",
                    "orders",
                    STACK_TYPE,
                    "UPDATE_ROLLBACK_IN_PROGRESS",
                    "",
                    1,
                ),
            ],
        ),
    ])
    .await;
    let (result, out) = rollback(
        &replay,
        &["--skip", "DeliveryStream", "--skip", "Nested.Queue"],
    )
    .await;
    result.unwrap();
    assert_eq!(replay.operations()[1], "ContinueUpdateRollback");
    let sent = decoded(&replay.bodies()[1]);
    assert!(
        sent.contains("ResourcesToSkip.member.1=DeliveryStream")
            && sent.contains("ResourcesToSkip.member.2=Nested.Queue"),
        "issue #22 item 2: --skip is not sent as ResourcesToSkip: {sent}"
    );
    assert!(
        out.stderr()
            .contains("skipping DeliveryStream, Nested.Queue"),
        "{}",
        out.stderr()
    );

    // A failed rollback: root cause, exit 1.
    let replay = Replay::new(vec![
        stack("orders", "UPDATE_FAILED", false, &[]),
        ok("RollbackStack", &format!("<StackId>{STACK_ID}</StackId>")),
        stack("orders", "UPDATE_ROLLBACK_FAILED", false, &[]),
        events(
            "orders",
            &[
                Ev("f3", "orders", STACK_TYPE, "UPDATE_ROLLBACK_FAILED", "The following resource(s) failed to update: [DeliveryStream].", 3),
                Ev("f2", "DeliveryStream", FIREHOSE, "UPDATE_FAILED", "Resource handler returned message: \"Bucket gone\" (RequestToken: 2, HandlerErrorCode: NotFound)", 2),
                Ev("f1", "orders", STACK_TYPE, "UPDATE_ROLLBACK_IN_PROGRESS", "", 1),
            ],
        ),
    ])
    .await;
    let (result, out) = rollback(&replay, &[]).await;
    let err = result.unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "rollback of orders failed: UPDATE_ROLLBACK_FAILED"
    );
    assert_eq!(exit_code(&err), 1);
    assert!(
        out.stderr().contains("Bucket gone [NotFound]"),
        "{}",
        out.stderr()
    );

    // --skip for a stack not in UPDATE_ROLLBACK_FAILED, and a stack with nothing to roll back:
    // exit 2, one line, nothing but DescribeStacks sent.
    for (status, args, message) in [
        (
            "UPDATE_FAILED",
            &["--skip", "DeliveryStream"][..],
            "--skip is only for a stack in UPDATE_ROLLBACK_FAILED; stack `orders` is UPDATE_FAILED",
        ),
        (
            "UPDATE_COMPLETE",
            &[][..],
            "stack `orders` is UPDATE_COMPLETE: nothing to roll back",
        ),
    ] {
        let replay = Replay::new(vec![stack("orders", status, false, &[])]).await;
        let err = rollback(&replay, args).await.0.unwrap_err();
        let line = format!("{err:#}");
        assert!(
            line.starts_with(message) && line.lines().count() == 1,
            "{line}"
        );
        assert_eq!(exit_code(&err), 2);
        assert_eq!(replay.operations(), ["DescribeStacks"]);
    }
}

#[test]
fn bad_rollback_and_on_failure_values_are_refused_before_any_call() {
    for (args, message) in [
        (
            &["rollback", "orders", "--skip", "Delivery Stream"][..],
            "--skip `Delivery Stream` is not a logical resource id",
        ),
        (
            &["rollback", "orders", "--skip", "Nested."][..],
            "--skip `Nested.` is not a logical resource id",
        ),
        (
            &["rollback", "orders", "--role-arn", "admin"][..],
            "--role-arn `admin` is not an IAM role ARN",
        ),
        (
            &[
                "deploy",
                "kds-kdf-s3",
                "--stack-name",
                "orders",
                "--yes",
                "--on-failure",
                "ignore",
            ][..],
            "--on-failure `ignore` is not allowed; allowed: rollback, keep",
        ),
    ] {
        let (code, err) = run_offline(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

// Issue #22 item 1: which property replaces a resource comes from the change set's Replacement
// and Details (Target.Name, RequiresRecreation), which moto's change sets do not carry.
#[tokio::test]
async fn diff_marks_the_properties_the_change_set_says_replace_the_resource() {
    let deployed = streamstack::render::render_pattern(
        "kds-kdf-s3",
        &streamstack::render::RenderOptions::default(),
    )
    .unwrap();
    let body = deployed
        .to_string()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let replay = Replay::new(vec![
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        ok("GetTemplate", &format!("<TemplateBody>{body}</TemplateBody>")),
        change_set_created(),
        ok(
            "DescribeChangeSet",
            &format!(
                "<ChangeSetName>streamstack-1</ChangeSetName><StackId>{STACK_ID}</StackId><StackName>orders</StackName><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member><Type>Resource</Type><ResourceChange><Action>Modify</Action><LogicalResourceId>DataStream</LogicalResourceId><ResourceType>AWS::Kinesis::Stream</ResourceType><Replacement>True</Replacement><Details><member><Target><Attribute>Properties</Attribute><Name>StreamModeDetails</Name><RequiresRecreation>Always</RequiresRecreation></Target><Evaluation>Static</Evaluation><ChangeSource>DirectModification</ChangeSource></member></Details></ResourceChange></member></Changes>"
            ),
        ),
        ok("DeleteChangeSet", ""),
    ])
    .await;
    let Command::Diff(args) = parse(&[
        "diff",
        "kds-kdf-s3",
        "--stack-name",
        "orders",
        "--param",
        "StreamMode=ON_DEMAND",
        "--exit-code",
    ]) else {
        unreachable!()
    };
    let plan = streamstack::commands::deploy::prepare(&args.deploy_args()).unwrap();
    let (result, captured) = replay
        .run(OutputMode::Text, async |config, polling, out| {
            streamstack::commands::deploy::diff::diff(&args, plan, config, polling, out).await
        })
        .await;
    let err = result.unwrap_err();
    assert_eq!(exit_code(&err), 3, "--exit-code with changes");
    assert_eq!(
        replay.operations(),
        [
            "DescribeStacks",
            "GetTemplate",
            "CreateChangeSet",
            "DescribeChangeSet",
            "DeleteChangeSet"
        ],
        "nothing executed"
    );
    let text = captured.stdout();
    assert!(
        text.contains("~ Modify DataStream (AWS::Kinesis::Stream)  (replaced)\n")
            && text.contains(
                "    StreamModeDetails.StreamMode: \"PROVISIONED\" -> \"ON_DEMAND\"  [replaces]\n"
            ),
        "issue #22 item 1: the replacing property is not marked: {text}"
    );
}

// Issue #22 item 1, the plan of `deploy`: the change set is read with IncludePropertyValues, and
// the values AWS gives (Details' Target Path, BeforeValue, AfterValue, RequiresRecreation; moto
// gives none and ignores the flag) are shown under the table.
#[tokio::test]
async fn the_plan_of_deploy_shows_the_changed_properties_the_change_set_gives() {
    let with_values = || {
        ok(
            "DescribeChangeSet",
            &format!(
                "<ChangeSetName>streamstack-1</ChangeSetName><StackId>{STACK_ID}</StackId><StackName>orders</StackName><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member><Type>Resource</Type><ResourceChange><Action>Modify</Action><LogicalResourceId>DataStream</LogicalResourceId><ResourceType>AWS::Kinesis::Stream</ResourceType><Replacement>True</Replacement><Details><member><Target><Attribute>Properties</Attribute><Name>StreamModeDetails</Name><RequiresRecreation>Always</RequiresRecreation><Path>/Properties/StreamModeDetails/StreamMode</Path><BeforeValue>PROVISIONED</BeforeValue><AfterValue>ON_DEMAND</AfterValue><AttributeChangeType>Modify</AttributeChangeType></Target><Evaluation>Static</Evaluation><ChangeSource>DirectModification</ChangeSource></member><member><Target><Attribute>Properties</Attribute><Name>RetentionPeriodHours</Name><RequiresRecreation>Never</RequiresRecreation><Path>/Properties/RetentionPeriodHours</Path><BeforeValue>24</BeforeValue><AfterValue>48</AfterValue><AttributeChangeType>Modify</AttributeChangeType></Target></member></Details></ResourceChange></member></Changes>"
            ),
        )
    };
    let replay = Replay::new(vec![
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        change_set_created(),
        with_values(),
        ok("DeleteChangeSet", ""),
    ])
    .await;
    let (result, out) = deploy(
        &replay,
        &["--stack-name", "orders", "--plan"],
        OutputMode::Text,
    )
    .await;
    result.unwrap();
    let describe = &replay.bodies()[2];
    assert!(
        describe.contains("Action=DescribeChangeSet")
            && describe.contains("IncludePropertyValues=true"),
        "{describe}"
    );
    let text = out.stderr();
    assert!(
        text.contains("  DataStream.StreamModeDetails.StreamMode: PROVISIONED -> ON_DEMAND  [replaces]\n  DataStream.RetentionPeriodHours: 24 -> 48\n"),
        "issue #22 item 1: the plan of deploy does not show the changed properties: {text}"
    );

    let replay = Replay::new(vec![
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        change_set_created(),
        with_values(),
        ok("DeleteChangeSet", ""),
    ])
    .await;
    let (result, out) = deploy(
        &replay,
        &["--stack-name", "orders", "--plan", "--output", "json"],
        OutputMode::Json,
    )
    .await;
    result.unwrap();
    let lines = json_lines(&out.stdout());
    let change = lines.iter().find(|l| l["type"] == "change").unwrap();
    assert_eq!(
        change["change"]["properties"][0],
        serde_json::json!({"path": "StreamModeDetails.StreamMode", "before": "PROVISIONED", "after": "ON_DEMAND", "requiresRecreation": "Always"})
    );
}

// Issue #22 "make room": every wait is one throttling-aware poller, so a throttled
// DescribeChangeSet (after the SDK's own 3 attempts) is polled again instead of ending the deploy.
#[tokio::test]
async fn a_throttled_describe_change_set_is_polled_again() {
    let throttled = || error(400, "Throttling", "Rate exceeded");
    let replay = Replay::new(vec![
        stack("orders", "UPDATE_COMPLETE", false, &[]),
        change_set_created(),
        throttled(),
        throttled(),
        throttled(),
        change_set_ready("Modify"),
        ok("DeleteChangeSet", ""),
    ])
    .await;
    let (result, out) = deploy(
        &replay,
        &["--stack-name", "orders", "--plan"],
        OutputMode::Text,
    )
    .await;
    result.unwrap_or_else(|e| panic!("a throttled DescribeChangeSet ended the deploy: {e:#}"));
    assert_eq!(
        replay
            .operations()
            .iter()
            .filter(|o| *o == "DescribeChangeSet")
            .count(),
        4,
        "{:?}",
        replay.operations()
    );
    assert!(
        out.stderr().contains("update stack orders: 1 change(s)"),
        "{}",
        out.stderr()
    );
}
