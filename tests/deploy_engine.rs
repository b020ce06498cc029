//! The deploy engine against the AWS API emulator (moto 5.2.5, see tests/support/moto.rs).
//! What the emulator cannot do is listed in README's testing section and tested elsewhere
//! (root-cause extraction on recorded event sequences: src/cfn/root_cause.rs).

mod support;

use std::process::Output;

use serde_json::Value;
use support::assets::stand_in_assets;
use support::moto::{block_on, deploy_args, moto, ok, stderr, Moto};

fn run(m: &Moto, args: &[&str]) -> Output {
    m.cli().args(args).output().unwrap()
}

fn stack_status(m: &Moto, name: &str) -> Option<String> {
    let cfn = aws_sdk_cloudformation::Client::new(&m.sdk_config());
    block_on(async move {
        match cfn.describe_stacks().stack_name(name).send().await {
            Ok(o) => o
                .stacks()
                .first()
                .and_then(|s| s.stack_status())
                .map(|s| s.as_str().to_string()),
            Err(_) => None,
        }
    })
}

/// (key, number of versions) of every object in a bucket.
fn versions(m: &Moto, bucket: &str) -> Vec<(String, usize)> {
    let s3 = aws_sdk_s3::Client::new(&m.sdk_config());
    let bucket = bucket.to_string();
    block_on(async move {
        let out = s3
            .list_object_versions()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        let mut counts = std::collections::BTreeMap::new();
        for v in out.versions() {
            *counts.entry(v.key().unwrap_or("").to_string()).or_insert(0) += 1;
        }
        counts.into_iter().collect()
    })
}

const MANAGED: &str = "streamstack-assets-123456789012-us-east-1";

#[test]
fn upload_creates_a_secured_managed_bucket_and_a_second_upload_sends_no_bodies() {
    let m = moto();
    let assets = stand_in_assets();
    let dir = assets.path().to_str().unwrap();
    let first = run(
        &m,
        &[
            "upload",
            "apigw-kds-lambda",
            "--assets-dir",
            dir,
            "--output",
            "json",
        ],
    );
    ok(&first);
    let report: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(report["AssetBucket"], MANAGED);
    assert_eq!(report["uploaded"].as_array().unwrap().len(), 2, "{report}");
    let prefix = report["AssetPrefix"].as_str().unwrap().to_string();
    assert!(prefix.starts_with("streamstack/assets/") && prefix.ends_with('/'));

    let second = run(
        &m,
        &[
            "upload",
            "apigw-kds-lambda",
            "--assets-dir",
            dir,
            "--output",
            "json",
        ],
    );
    ok(&second);
    let report: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(report["uploaded"].as_array().unwrap().len(), 0, "{report}");
    assert_eq!(report["unchanged"].as_array().unwrap().len(), 2);
    assert_eq!(report["bytesSent"], 0);
    // The bucket is versioned: a second PUT of any body would have added a version.
    let v = versions(&m, MANAGED);
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(v.iter().all(|(_, n)| *n == 1), "{v:?}");

    // The managed bucket is encrypted, versioned, private and TLS-only.
    let s3 = aws_sdk_s3::Client::new(&m.sdk_config());
    block_on(async move {
        let enc = s3
            .get_bucket_encryption()
            .bucket(MANAGED)
            .send()
            .await
            .unwrap();
        assert!(enc.server_side_encryption_configuration().is_some());
        // Versioning: objects carry real version ids (moto's GetBucketVersioning answer uses an
        // XML root the SDK rejects, so the effect is checked instead).
        let v = s3
            .list_object_versions()
            .bucket(MANAGED)
            .send()
            .await
            .unwrap();
        assert!(v
            .versions()
            .iter()
            .all(|o| o.version_id().is_some_and(|id| id != "null")));
        let pab = s3
            .get_public_access_block()
            .bucket(MANAGED)
            .send()
            .await
            .unwrap();
        assert_eq!(
            pab.public_access_block_configuration()
                .and_then(|c| c.block_public_policy()),
            Some(true)
        );
        let policy = s3.get_bucket_policy().bucket(MANAGED).send().await.unwrap();
        assert!(policy.policy().unwrap().contains("aws:SecureTransport"));
    });
}

#[test]
fn a_changed_asset_is_uploaded_under_a_new_key_and_the_others_keep_theirs() {
    let m = moto();
    let assets = stand_in_assets();
    let dir = assets.path().to_str().unwrap();
    let upload = || {
        let o = run(
            &m,
            &[
                "upload",
                "apigw-kds-lambda",
                "--assets-dir",
                dir,
                "--output",
                "json",
            ],
        );
        ok(&o);
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let first = upload();
    let keys = |r: &Value, field: &str| -> Vec<String> {
        r[field]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    };
    let before = keys(&first, "uploaded");
    std::fs::write(
        assets.path().join("consumer-function-x86_64.zip"),
        b"rebuilt",
    )
    .unwrap();
    let second = upload();
    assert_eq!(
        second["AssetPrefix"], first["AssetPrefix"],
        "defect 7: one shared prefix hashed over every asset changes every key"
    );
    assert_eq!(first["AssetPrefix"], "streamstack/assets/");
    let (uploaded, unchanged) = (keys(&second, "uploaded"), keys(&second, "unchanged"));
    assert_eq!(
        uploaded.len(),
        1,
        "defect 7: only the changed asset is new: {second}"
    );
    assert!(uploaded[0].starts_with("streamstack/assets/consumer-function-x86_64-"));
    assert!(!before.contains(&uploaded[0]));
    let arm = before.iter().find(|k| k.contains("arm64")).unwrap();
    assert_eq!(
        unchanged,
        std::slice::from_ref(arm),
        "the unchanged asset keeps its key"
    );
}

#[test]
fn assets_above_8_mib_go_up_in_parts() {
    let m = moto();
    let assets = stand_in_assets();
    let big = vec![7u8; 9 * 1024 * 1024];
    std::fs::write(assets.path().join("consumer-function-arm64.zip"), &big).unwrap();
    let o = run(
        &m,
        &[
            "upload",
            "apigw-kds-lambda",
            "--assets-dir",
            assets.path().to_str().unwrap(),
            "--output",
            "json",
        ],
    );
    ok(&o);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let key = report["uploaded"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|k| k.contains("consumer-function-arm64-"))
        .unwrap()
        .to_string();
    let s3 = aws_sdk_s3::Client::new(&m.sdk_config());
    let head = block_on(async move {
        s3.head_object()
            .bucket(MANAGED)
            .key(key)
            .send()
            .await
            .unwrap()
    });
    assert_eq!(head.content_length(), Some(big.len() as i64));
    // A multipart ETag ends with -<number of parts>.
    assert!(
        head.e_tag().unwrap().trim_matches('"').ends_with("-2"),
        "{:?}",
        head.e_tag()
    );
}

#[test]
fn create_update_no_op_and_outputs_file() {
    let m = moto();
    let dir = tempfile::tempdir().unwrap();
    let outputs = dir.path().join("outputs.json");
    let o = run(
        &m,
        &[
            "deploy",
            "kds-kdf-s3",
            "--stack-name",
            "ingest",
            "--yes",
            "--outputs-file",
            outputs.to_str().unwrap(),
            "--tag",
            "team=data",
        ],
    );
    ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("create stack ingest") && err.contains("AWS::KinesisFirehose::DeliveryStream"),
        "{err}"
    );
    assert!(
        err.contains("! broadens access"),
        "IAM changes are marked: {err}"
    );
    assert_eq!(
        stack_status(&m, "ingest").as_deref(),
        Some("CREATE_COMPLETE")
    );
    // Outputs: moto reports them after ExecuteChangeSet thanks to patch 5 of moto_server.py.
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&outputs).unwrap()).unwrap();
    assert!(
        written["DataStreamName"]
            .as_str()
            .unwrap()
            .starts_with("ingest-DataStream"),
        "{written}"
    );
    assert!(written["OutputBucketName"].is_string(), "{written}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("DataStreamName = "));

    let o = run(
        &m,
        &[
            "deploy",
            "kds-kdf-s3",
            "--stack-name",
            "ingest",
            "--yes",
            "--param",
            "BufferingInterval=120",
        ],
    );
    ok(&o);
    assert!(stderr(&o).contains("update stack ingest"), "{}", stderr(&o));
    assert_eq!(
        stack_status(&m, "ingest").as_deref(),
        Some("UPDATE_COMPLETE")
    );

    let o = run(
        &m,
        &[
            "deploy",
            "kds-kdf-s3",
            "--stack-name",
            "ingest",
            "--yes",
            "--param",
            "BufferingInterval=120",
        ],
    );
    ok(&o);
    assert!(stderr(&o).contains("up to date"), "{}", stderr(&o));
}

#[test]
fn plan_only_shows_changes_and_executes_nothing() {
    let m = moto();
    let o = run(
        &m,
        &["deploy", "kds-kdf-s3", "--stack-name", "planned", "--plan"],
    );
    ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("ACTION") && err.contains("DataStream") && err.contains("plan only"),
        "{err}"
    );
    assert_eq!(
        stack_status(&m, "planned"),
        None,
        "a plan leaves no stack behind"
    );
    // JSON lines for CI: one per change, then a result.
    let o = run(
        &m,
        &[
            "deploy",
            "kds-kdf-s3",
            "--stack-name",
            "planned",
            "--plan",
            "--output",
            "json",
        ],
    );
    ok(&o);
    let lines: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().filter(|l| l["type"] == "change").count() >= 20);
    assert_eq!(lines.last().unwrap()["status"], "PLANNED");
}

#[test]
fn without_a_terminal_and_without_yes_it_refuses_to_execute() {
    let m = moto();
    let o = run(&m, &["deploy", "kds-kdf-s3", "--stack-name", "careful"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("without --yes"), "{}", stderr(&o));
    assert_eq!(stack_status(&m, "careful"), None, "nothing may be created");
}

#[test]
fn every_pattern_reaches_create_complete_and_is_destroyed() {
    let m = moto();
    let assets = stand_in_assets();
    let ec2 = m.free_subnet();
    for (pattern, stack) in [
        ("apigw-kds-lambda", "p1"),
        ("kpl-kds-kda", "p2"),
        ("kds-kdf-s3", "p3"),
        ("kds-kda-apigw", "p4"),
    ] {
        let args = deploy_args(pattern, stack, assets.path(), &ec2);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&m, &args);
        ok(&o);
        let last: Value =
            serde_json::from_str(String::from_utf8_lossy(&o.stdout).lines().last().unwrap())
                .unwrap();
        assert_eq!(last["status"], "CREATE_COMPLETE", "{pattern}: {last}");
        assert_eq!(
            stack_status(&m, stack).as_deref(),
            Some("CREATE_COMPLETE"),
            "{pattern}"
        );
        let status = run(&m, &["status", stack, "--output", "json"]);
        ok(&status);
        let s: Value = serde_json::from_slice(&status.stdout).unwrap();
        assert_eq!(s["status"], "CREATE_COMPLETE");
        assert!(
            s["alarms"].as_array().unwrap().len() >= 7,
            "{pattern}: alarms {}",
            s["alarms"]
        );
        let before = m.stack_resources(stack);
        let o = run(&m, &["destroy", stack, "--yes"]);
        ok(&o);
        assert_eq!(stack_status(&m, stack), None, "{pattern}");
        // What `destroy` keeps (README, "What destroy keeps"): buckets, log groups, the key the log
        // groups are encrypted with, and the API Gateway logging role; the rest goes.
        let exists = still_there(&m, &before);
        let mut checked = 0;
        for (logical, kind, physical) in &before {
            let Some(there) = exists.get(physical) else {
                continue;
            };
            checked += 1;
            let kept = matches!(
                kind.as_str(),
                "AWS::S3::Bucket" | "AWS::Logs::LogGroup" | "AWS::KMS::Key"
            ) || logical == "ApiGatewayCloudWatchRole";
            assert_eq!(
                *there,
                kept,
                "{pattern}: {logical} ({kind}) {} after destroy",
                if *there { "is still there" } else { "is gone" }
            );
        }
        assert!(checked >= 4, "{pattern}: only {checked} resources checked");
    }
}

/// Whether each bucket, log group, KMS key, IAM role and stream of
/// `resources` still exists in the emulator, by physical id (other types are not looked up).
fn still_there(
    m: &Moto,
    resources: &[(String, String, String)],
) -> std::collections::BTreeMap<String, bool> {
    let wanted: Vec<(&str, &str)> = resources
        .iter()
        .map(|(_, kind, physical)| (kind.as_str(), physical.as_str()))
        .collect();
    let script = r#"
import json, sys, boto3
from botocore.exceptions import ClientError
endpoint, wanted = sys.argv[1], json.loads(sys.argv[2])
def client(name):
    return boto3.client(name, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")
def there(kind, physical):
    try:
        if kind == "AWS::S3::Bucket":
            client("s3").head_bucket(Bucket=physical)
        elif kind == "AWS::Logs::LogGroup":
            groups = client("logs").describe_log_groups(logGroupNamePrefix=physical)["logGroups"]
            return any(g["logGroupName"] == physical for g in groups)
        elif kind == "AWS::KMS::Key":
            # ListKeys: moto's DescribeKey fails on keys created from CloudFormation (it parses
            # their policy as text), and moto removes a deleted key from the list at once.
            keys = client("kms").list_keys()["Keys"]
            return any(k["KeyId"] == physical for k in keys)
        elif kind == "AWS::IAM::Role":
            client("iam").get_role(RoleName=physical)
        elif kind == "AWS::Kinesis::Stream":
            client("kinesis").describe_stream_summary(StreamName=physical)
        else:
            return None
        return True
    except ClientError:
        return False
out = {}
for kind, physical in wanted:
    t = there(kind, physical)
    if t is not None:
        out[physical] = t
print(json.dumps(out))
"#;
    let out = std::process::Command::new(support::moto::python())
        .args([
            "-c",
            script,
            &m.endpoint,
            &serde_json::to_string(&wanted).unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn destroy_empties_every_version_of_the_stacks_buckets() {
    let m = moto();
    ok(&run(
        &m,
        &["deploy", "kds-kdf-s3", "--stack-name", "withdata", "--yes"],
    ));
    let cfn = aws_sdk_cloudformation::Client::new(&m.sdk_config());
    let s3 = aws_sdk_s3::Client::new(&m.sdk_config());
    let buckets: Vec<String> = block_on(async {
        let r = cfn
            .list_stack_resources()
            .stack_name("withdata")
            .send()
            .await
            .unwrap();
        r.stack_resource_summaries()
            .iter()
            .filter(|r| r.resource_type() == Some("AWS::S3::Bucket"))
            .map(|r| r.physical_resource_id().unwrap().to_string())
            .collect()
    });
    assert_eq!(buckets.len(), 2);
    let out = buckets[1].clone();
    block_on(async {
        s3.put_bucket_versioning()
            .bucket(&out)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        for body in ["v1", "v2"] {
            s3.put_object()
                .bucket(&out)
                .key("data/x.json")
                .body(body.as_bytes().to_vec().into())
                .send()
                .await
                .unwrap();
        }
        s3.delete_object()
            .bucket(&out)
            .key("data/x.json")
            .send()
            .await
            .unwrap();
    });
    let o = run(&m, &["destroy", "withdata", "--yes", "--empty-buckets"]);
    ok(&o);
    assert!(
        stderr(&o).contains(&format!(
            "emptied s3://{out} (3 object versions and delete markers)"
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(stack_status(&m, "withdata"), None);
}

#[test]
fn bad_parameters_are_refused_before_any_api_call() {
    // No emulator at all: an API call would fail with a connection error instead.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_streamstack"))
            .args(args)
            .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{closed}"))
            .env("AWS_ACCESS_KEY_ID", "x")
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .env("AWS_REGION", "us-east-1")
            .output()
            .unwrap()
    };
    let params = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(params.path(), r#"{"Parameters": {"ShardCount": "500"}}"#).unwrap();
    for (args, needle) in [
        (
            vec![
                "deploy",
                "kds-kdf-s3",
                "--stack-name",
                "s",
                "--param",
                "ShardCount=0",
            ],
            "between 1 and 200",
        ),
        (
            vec![
                "deploy",
                "kds-kdf-s3",
                "--stack-name",
                "s",
                "--param",
                "Nope=1",
            ],
            "unknown parameter `Nope`",
        ),
        (
            vec![
                "deploy",
                "kds-kdf-s3",
                "--stack-name",
                "s",
                "--param-file",
                params.path().to_str().unwrap(),
            ],
            "`500`",
        ),
        (
            vec!["deploy", "kds-kdf-s3", "--stack-name", "bad_name"],
            "stack name `bad_name`",
        ),
        (
            vec!["deploy", "kds-kdf-s3", "--stack-name", "s", "--start"],
            "--start: pattern kds-kdf-s3 has no Flink application",
        ),
        (
            vec!["deploy", "nope", "--stack-name", "s"],
            "unknown pattern `nope`",
        ),
        (
            vec![
                "deploy",
                "kds-kdf-s3",
                "--stack-name",
                "s",
                "--tag",
                "novalue",
            ],
            "KEY=VALUE",
        ),
        (
            vec![
                "deploy",
                "kds-kdf-s3",
                "--stack-name",
                "s",
                "--reset-param",
                "Nope",
            ],
            "--reset-param: unknown parameter `Nope` for pattern kds-kdf-s3; allowed: ShardCount,",
        ),
        (
            vec![
                "deploy",
                "kds-kdf-s3",
                "--stack-name",
                "s",
                "--reset-param",
                "ShardCount",
                "--param",
                "ShardCount=3",
            ],
            "parameter `ShardCount` is both given a value and reset",
        ),
    ] {
        let o = cli(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: `{needle}` not in {err}");
        assert!(
            !err.contains("cannot reach"),
            "{args:?} made an API call: {err}"
        );
    }
    // A valid request does try to reach the endpoint, and says so in one line.
    let o = cli(&["deploy", "kds-kdf-s3", "--stack-name", "s", "--plan"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot reach the AWS endpoint") && err.contains("connection refused"),
        "{err}"
    );
}

#[test]
fn wrong_credentials_give_a_one_line_error() {
    // moto checks credentials against its IAM when INITIAL_NO_AUTH_ACTION_COUNT is 0: the dummy
    // key is unknown there, as a revoked key is unknown to AWS.
    let strict = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]);
    let o = strict
        .cli()
        .args(["deploy", "kds-kdf-s3", "--stack-name", "s", "--plan"])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("InvalidClientTokenId") || err.contains("security token"),
        "{err}"
    );
}

/// (open shard count, retention hours) of the stack's data stream, and the stack's parameters.
fn stream_and_parameters(
    m: &Moto,
    stack: &str,
) -> (i32, i32, std::collections::BTreeMap<String, String>) {
    let cfn = aws_sdk_cloudformation::Client::new(&m.sdk_config());
    let kinesis = aws_sdk_kinesis::Client::new(&m.sdk_config());
    let stack = stack.to_string();
    block_on(async move {
        let s = cfn
            .describe_stacks()
            .stack_name(&stack)
            .send()
            .await
            .unwrap();
        let s = &s.stacks()[0];
        let params = s
            .parameters()
            .iter()
            .map(|p| {
                (
                    p.parameter_key().unwrap().to_string(),
                    p.parameter_value().unwrap_or("").to_string(),
                )
            })
            .collect();
        let stream = s
            .outputs()
            .iter()
            .find(|o| o.output_key() == Some("DataStreamName"))
            .and_then(|o| o.output_value())
            .unwrap()
            .to_string();
        let d = kinesis
            .describe_stream_summary()
            .stream_name(stream)
            .send()
            .await
            .unwrap();
        let d = d.stream_description_summary().unwrap();
        (d.open_shard_count(), d.retention_period_hours(), params)
    })
}

#[test]
fn an_update_keeps_the_parameters_it_was_not_given_and_reset_param_restores_a_default() {
    let m = moto();
    let deploy = |extra: &[&str]| {
        let mut args = vec!["deploy", "kds-kdf-s3", "--stack-name", "keep", "--yes"];
        args.extend_from_slice(extra);
        let o = run(&m, &args);
        ok(&o);
        o
    };
    deploy(&["--param", "ShardCount=4", "--param", "RetentionHours=168"]);
    let (shards, retention, params) = stream_and_parameters(&m, "keep");
    assert_eq!((shards, retention), (4, 168));
    assert_eq!(params["ShardCount"], "4");

    // Another parameter only: nothing else may go back to its default.
    let o = deploy(&["--param", "BufferingInterval=120"]);
    let (shards, retention, params) = stream_and_parameters(&m, "keep");
    assert_eq!(
        (
            shards,
            retention,
            params["ShardCount"].as_str(),
            params["RetentionHours"].as_str()
        ),
        (4, 168, "4", "168"),
        "defect 1: an update that did not name ShardCount/RetentionHours reset them to their \
         defaults (resharded the stream, cut retention)"
    );
    assert_eq!(params["BufferingInterval"], "120");
    // The plan shows the one parameter that changes, old -> new, and nothing else.
    let err = stderr(&o);
    assert!(
        err.contains("PARAMETER          OLD -> NEW\nBufferingInterval  300 -> 120\n"),
        "{err}"
    );
    assert!(!err.contains("ShardCount "), "{err}");

    // --reset-param puts one parameter back to its default, and says so first.
    let o = deploy(&["--reset-param", "RetentionHours"]);
    let (shards, retention, params) = stream_and_parameters(&m, "keep");
    assert_eq!((shards, retention), (4, 24));
    assert_eq!(
        (
            params["RetentionHours"].as_str(),
            params["BufferingInterval"].as_str()
        ),
        ("24", "120")
    );
    let err = stderr(&o);
    assert!(err.contains("RetentionHours  168 -> 24 (default)"), "{err}");

    // JSON plan: one line per parameter change.
    let o = run(
        &m,
        &[
            "deploy",
            "kds-kdf-s3",
            "--stack-name",
            "keep",
            "--plan",
            "--output",
            "json",
            "--param",
            "ShardCount=3",
        ],
    );
    ok(&o);
    let lines: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let changed: Vec<&Value> = lines.iter().filter(|l| l["type"] == "parameter").collect();
    assert_eq!(changed.len(), 1, "{lines:?}");
    assert_eq!(
        changed[0]["parameter"],
        serde_json::json!({"name": "ShardCount", "old": "4", "new": "3", "default": false})
    );
}

#[test]
fn the_stack_policy_of_a_codepipeline_parameter_file_is_applied() {
    let m = moto();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.json");
    let write = |deny: &str| {
        let policy = serde_json::json!({"Statement": [
            {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": deny, "Principal": "*", "Resource": "LogicalResourceId/DataStream"}
        ]});
        let config = serde_json::json!({"Parameters": {"ShardCount": "3"}, "Tags": {"team": "data"}, "StackPolicy": policy});
        std::fs::write(&file, config.to_string()).unwrap();
    };
    let policy = || {
        let cfn = aws_sdk_cloudformation::Client::new(&m.sdk_config());
        block_on(async move {
            let p = cfn
                .get_stack_policy()
                .stack_name("guarded")
                .send()
                .await
                .unwrap();
            p.stack_policy_body()
                .map(|b| serde_json::from_str::<Value>(b).unwrap())
        })
    };
    write("Update:Replace");
    let deploy = || {
        let o = run(
            &m,
            &[
                "deploy",
                "kds-kdf-s3",
                "--stack-name",
                "guarded",
                "--yes",
                "--param-file",
                file.to_str().unwrap(),
            ],
        );
        ok(&o);
    };
    deploy();
    let p =
        policy().expect("defect 2: the StackPolicy of the parameter file was dropped on create");
    assert_eq!(p["Statement"][1]["Action"], "Update:Replace");
    // An update with a changed policy (and nothing else changed) applies it too.
    write("Update:*");
    deploy();
    assert_eq!(policy().unwrap()["Statement"][1]["Action"], "Update:*");
}

// Issue #22 item 1: `diff` against a deployed stack. moto 5.2.5's change sets carry no
// Replacement and no Details (its Change has only Action, LogicalResourceId, ResourceType) and
// DescribeChangeSet ignores IncludePropertyValues, so which property replaces a resource is
// tested in src/cfn/template_diff.rs; the property values themselves come from GetTemplate and
// DescribeStacks, which moto serves.
#[test]
fn diff_shows_the_changed_properties_of_a_deployed_stack_and_exit_code_3_with_exit_code() {
    let m = moto();
    ok(&run(
        &m,
        &["deploy", "kds-kdf-s3", "--stack-name", "lake", "--yes"],
    ));

    let o = run(
        &m,
        &["diff", "kds-kdf-s3", "--stack-name", "lake", "--exit-code"],
    );
    ok(&o);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "stack lake: no changes\n"
    );

    // `diff` of a longer buffering interval than the deployed one, with `extra` flags.
    let changed = |extra: &[&str]| {
        let head = [
            "diff",
            "kds-kdf-s3",
            "--stack-name",
            "lake",
            "--param",
            "BufferingInterval=120",
        ];
        run(&m, &[&head[..], extra].concat())
    };
    let o = changed(&["--exit-code"]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(3), "{text}{}", stderr(&o));
    assert!(
        text.contains("~ Modify DeliveryStream (AWS::KinesisFirehose::DeliveryStream)"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.contains("BufferingHints.IntervalInSeconds:"))
        .unwrap_or_else(|| panic!("issue #22 item 1: the changed property is not shown: {text}"));
    assert!(
        line.contains("300") && line.ends_with("-> \"120\""),
        "old and new values: {line}"
    );
    // Without --exit-code a difference is not a failure.
    let o = changed(&["--output", "json"]);
    ok(&o);
    let lines: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let resource = lines
        .iter()
        .find(|l| l["type"] == "resource" && l["resource"]["logicalId"] == "DeliveryStream")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!(
        resource["resource"]["properties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["path"]
                .as_str()
                .unwrap()
                .ends_with("BufferingHints.IntervalInSeconds")
                && p["new"] == "\"120\""),
        "{resource}"
    );
    assert_eq!(lines.last().unwrap()["type"], "result");
    // Nothing was deployed.
    assert_eq!(stack_status(&m, "lake").as_deref(), Some("CREATE_COMPLETE"));

    let o = run(&m, &["diff", "kds-kdf-s3", "--stack-name", "nolake"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("stack `nolake` does not exist"), "{err}");
}
