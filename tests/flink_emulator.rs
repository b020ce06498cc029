//! One-command launch of the Flink patterns against the emulator: `deploy --start` with no
//! parameter (the producer goes into the region's default VPC), `status`, `stop`, `start` again
//! (restoring the snapshot the stop took), an update of the running application, `destroy`.
//! moto creates the application from the template and moves it through the service's statuses
//! only with patch 9 of tests/support/moto_server.py; the failures it cannot produce (a start
//! that falls back to READY, errors in the log, throttling) are in tests/flink_replay.rs.

mod support;

use std::process::Output;

use aws_sdk_kinesisanalyticsv2::types::OperationStatus;
use serde_json::Value;
use support::assets::stand_in_assets;
use support::moto::{block_on, moto, ok, Moto};

fn run(m: &Moto, args: &[&str]) -> Output {
    m.cli().args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json_lines(o: &Output) -> Vec<Value> {
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `deploy PATTERN --stack-name STACK --yes --start` with stand-in assets, JSON output and a
/// one-second settle, plus `extra`.
fn launch(
    m: &Moto,
    pattern: &str,
    stack: &str,
    assets: &std::path::Path,
    extra: &[&str],
) -> Output {
    let mut args = vec![
        "deploy",
        pattern,
        "--stack-name",
        stack,
        "--yes",
        "--start",
        "--settle",
        "1",
        "--assets-dir",
        assets.to_str().unwrap(),
        "--output",
        "json",
    ];
    args.extend(extra);
    run(m, &args)
}

fn flink(m: &Moto) -> aws_sdk_kinesisanalyticsv2::Client {
    aws_sdk_kinesisanalyticsv2::Client::new(&m.sdk_config())
}

/// The application's status and restore type of its last start, as the service reports them.
fn application(m: &Moto, name: &str) -> (String, Option<String>) {
    let c = flink(m);
    let d = block_on(c.describe_application().application_name(name).send()).unwrap();
    let d = d.application_detail().unwrap();
    let restore = d
        .application_configuration_description()
        .and_then(|c| c.run_configuration_description())
        .and_then(|r| r.application_restore_configuration_description())
        .map(|r| r.application_restore_type().as_str().to_string());
    (d.application_status().as_str().to_string(), restore)
}

/// The start, stop and update operations the service recorded for the application, oldest first.
fn operations(m: &Moto, name: &str) -> Vec<String> {
    let c = flink(m);
    let out = block_on(
        c.list_application_operations()
            .application_name(name)
            .send(),
    )
    .unwrap();
    let mut ops: Vec<String> = out
        .application_operation_info_list()
        .iter()
        .inspect(|o| assert_ne!(o.operation_status(), Some(&OperationStatus::Failed)))
        .filter_map(|o| o.operation().map(str::to_string))
        // Adding the logging option is an operation too; these are the ones that run the job.
        .filter(|o| {
            ["StartApplication", "StopApplication", "UpdateApplication"].contains(&o.as_str())
        })
        .collect();
    ops.reverse();
    ops
}

fn default_network(m: &Moto) -> String {
    let ec2 = aws_sdk_ec2::Client::new(&m.sdk_config());
    let vpcs = block_on(
        ec2.describe_vpcs()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("is-default")
                    .values("true")
                    .build(),
            )
            .send(),
    )
    .unwrap();
    vpcs.vpcs()[0].vpc_id().unwrap().to_string()
}

/// The application's name from a result line of `deploy --start` (`{"type": "result", "status":
/// "RUNNING", "application": NAME}`), the last line of its output.
fn running_application(o: &Output) -> String {
    let lines = json_lines(o);
    let last = lines.last().unwrap();
    assert_eq!(
        (last["type"].as_str(), last["status"].as_str()),
        (Some("result"), Some("RUNNING")),
        "{last}"
    );
    let seen: Vec<&str> = lines
        .iter()
        .filter(|l| l["type"] == "application")
        .filter_map(|l| l["status"].as_str())
        .collect();
    assert_eq!(seen.first(), Some(&"STARTING"), "{seen:?}");
    assert_eq!(seen.last(), Some(&"RUNNING"), "{seen:?}");
    last["application"].as_str().unwrap().to_string()
}

#[test]
fn kpl_kds_kda_runs_from_one_command_and_stops_starts_updates_and_goes() {
    let m = moto();
    let assets = stand_in_assets();
    let o = launch(&m, "kpl-kds-kda", "x", assets.path(), &[]);
    ok(&o);
    let lines = json_lines(&o);
    let network = lines
        .iter()
        .find(|l| l.get("ProducerVpcId").is_some())
        .expect("a line saying which network the producer got");
    assert_eq!(network["ProducerVpcId"], default_network(&m), "{network}");
    assert!(network["ProducerSubnetId"]
        .as_str()
        .unwrap()
        .starts_with("subnet-"));
    assert!(lines
        .iter()
        .any(|l| l["type"] == "result" && l["status"] == "CREATE_COMPLETE"));
    let app = running_application(&o);
    // A new application has no snapshot: the first start runs without state.
    assert_eq!(
        application(&m, &app),
        ("RUNNING".into(), Some("SKIP_RESTORE_FROM_SNAPSHOT".into()))
    );
    assert_eq!(operations(&m, &app), ["StartApplication"]);

    let s = run(&m, &["status", "x", "--output", "json"]);
    ok(&s);
    let s: Value = serde_json::from_slice(&s.stdout).unwrap();
    assert_eq!(s["application"]["status"], "RUNNING", "{s}");
    let s = run(&m, &["status", "x"]);
    ok(&s);
    assert!(
        text(&s.stdout).contains(&format!("flink   RUNNING  (application {app})")),
        "{}",
        text(&s.stdout)
    );

    // The stop takes a snapshot (snapshots are on by default); a second stop has nothing to do.
    let o = run(&m, &["stop", "x"]);
    ok(&o);
    let err = text(&o.stderr);
    assert!(err.contains("the service takes a snapshot first"), "{err}");
    assert!(
        err.contains("STOPPING") && err.contains("application") && err.ends_with("READY\n"),
        "{err}"
    );
    assert_eq!(application(&m, &app).0, "READY");
    let o = run(&m, &["stop", "x"]);
    ok(&o);
    assert!(
        text(&o.stderr).contains("is already stopped"),
        "{}",
        text(&o.stderr)
    );

    // A snapshot that does not exist: exit 2, nothing started.
    let o = run(&m, &["start", "x", "--restore", "nightly"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("snapshot `nightly` does not exist"), "{err}");
    assert_eq!(
        operations(&m, &app),
        ["StartApplication", "StopApplication"]
    );

    // The default restore is the latest snapshot: the one the stop took.
    let o = run(&m, &["start", "x", "--settle", "1", "--output", "json"]);
    ok(&o);
    assert_eq!(running_application(&o), app);
    assert_eq!(
        application(&m, &app),
        (
            "RUNNING".into(),
            Some("RESTORE_FROM_LATEST_SNAPSHOT".into())
        )
    );
    let o = run(&m, &["start", "x"]);
    ok(&o);
    assert!(
        text(&o.stderr).contains("is already running"),
        "{}",
        text(&o.stderr)
    );

    // An update of the running application: the service restarts it; deploy --start waits for
    // RUNNING and does not start it a second time. The producer keeps its network.
    let o = launch(
        &m,
        "kpl-kds-kda",
        "x",
        assets.path(),
        &["--param", "LogLevel=WARN"],
    );
    ok(&o);
    let lines = json_lines(&o);
    assert!(lines
        .iter()
        .any(|l| l["type"] == "result" && l["status"] == "UPDATE_COMPLETE"));
    assert!(
        lines.iter().all(|l| l.get("ProducerVpcId").is_none()),
        "the update keeps the stack's network"
    );
    let last = lines.last().unwrap();
    assert_eq!(last["status"], "RUNNING", "{last}");
    assert_eq!(
        operations(&m, &app),
        [
            "StartApplication",
            "StopApplication",
            "StartApplication",
            "UpdateApplication"
        ]
    );

    let o = run(&m, &["destroy", "x", "--yes"]);
    ok(&o);
    let gone = block_on(
        flink(&m)
            .describe_application()
            .application_name(&app)
            .send(),
    );
    assert!(gone.is_err(), "the application goes with the stack");
}

#[test]
fn kds_kda_apigw_runs_from_one_command() {
    let m = moto();
    let assets = stand_in_assets();
    let o = launch(&m, "kds-kda-apigw", "y", assets.path(), &[]);
    ok(&o);
    let app = running_application(&o);
    assert_eq!(application(&m, &app).0, "RUNNING");
    let o = run(&m, &["stop", "y", "--force", "--output", "json"]);
    ok(&o);
    let last = json_lines(&o).pop().unwrap();
    assert_eq!(
        (last["type"].as_str(), last["status"].as_str()),
        (Some("result"), Some("READY"))
    );
    ok(&run(&m, &["destroy", "y", "--yes"]));
}

#[test]
fn without_a_default_vpc_deploy_names_both_parameters_and_creates_nothing() {
    let m = moto();
    let assets = stand_in_assets();
    let ec2 = aws_sdk_ec2::Client::new(&m.sdk_config());
    let vpc = default_network(&m);
    let subnets = block_on(
        ec2.describe_subnets()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("vpc-id")
                    .values(&vpc)
                    .build(),
            )
            .send(),
    )
    .unwrap();
    for s in subnets.subnets() {
        block_on(ec2.delete_subnet().subnet_id(s.subnet_id().unwrap()).send()).unwrap();
    }
    block_on(ec2.delete_vpc().vpc_id(&vpc).send()).unwrap();
    let o = run(
        &m,
        &[
            "deploy",
            "kpl-kds-kda",
            "--stack-name",
            "x",
            "--yes",
            "--assets-dir",
            assets.path().to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(
        err,
        "error: region us-east-1 has no default VPC: pass --param ProducerVpcId=VPC_ID --param ProducerSubnetId=SUBNET_ID\n"
    );
    let cfn = aws_sdk_cloudformation::Client::new(&m.sdk_config());
    assert!(block_on(cfn.describe_stacks().stack_name("x").send()).is_err());
}

#[test]
fn start_stop_and_deploy_start_refuse_bad_input_with_exit_2() {
    let m = moto();
    for (args, says) in [
        (vec!["start", "nope"], "stack `nope` does not exist"),
        (vec!["stop", "nope"], "stack `nope` does not exist"),
        (
            vec!["start", "nope", "--restore", ""],
            "--restore needs a value",
        ),
        (
            vec![
                "deploy",
                "kpl-kds-kda",
                "--stack-name",
                "s",
                "--plan",
                "--start",
            ],
            "cannot be used with",
        ),
        (
            vec!["start", "nope", "--settle", "soon"],
            "invalid value 'soon'",
        ),
    ] {
        let o = run(&m, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(says),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
}

/// Issue #20, pattern 5: `deploy streaming-etl --start` ends RUNNING, and the application the
/// service created carries the property group the job reads: the stack's stream as the one
/// source, the bucket, the output stream the stack created (enabled here), and no property of a
/// disabled input or sink (the template drops them with `AWS::NoValue`).
#[test]
fn streaming_etl_runs_from_one_command_with_its_enabled_sinks_only() {
    let m = moto();
    let assets = stand_in_assets();
    let o = launch(
        &m,
        "streaming-etl",
        "etl",
        assets.path(),
        &["--param", "EnableOutputStream=true"],
    );
    ok(&o);
    let app = running_application(&o);
    assert_eq!(application(&m, &app).0, "RUNNING");
    let c = flink(&m);
    let d = block_on(c.describe_application().application_name(&app).send()).unwrap();
    let groups = d
        .application_detail()
        .and_then(|d| d.application_configuration_description())
        .and_then(|c| c.environment_property_descriptions())
        .map(|e| e.property_group_descriptions().to_vec())
        .unwrap_or_default();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0].property_group_id(), "FlinkApplicationProperties");
    let props = groups[0].property_map();
    let mut keys: Vec<&str> = props.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "EventTimeField",
            "IdleTimeoutSeconds",
            "InitialPosition",
            "InputStreamArn",
            "MaxOutOfOrdernessSeconds",
            "OutputFormat",
            "OutputPath",
            "OutputStreamArn",
        ],
        "{props:?}"
    );
    let (input, output) = (&props["InputStreamArn"], &props["OutputStreamArn"]);
    assert!(
        input.starts_with("arn:aws:kinesis:") && input.contains(":stream/"),
        "{input}"
    );
    assert!(
        output.starts_with("arn:aws:kinesis:") && output != input,
        "{output}"
    );
    assert!(props["OutputPath"].starts_with("s3://"), "{props:?}");
    assert_eq!(props["OutputFormat"], "parquet");
    assert_eq!(props["EventTimeField"], "pickup_datetime");
    ok(&run(&m, &["destroy", "etl", "--yes"]));
}

/// Issue #20, pattern 5 with a Kafka source and sink in a VPC and MSK IAM access control: the
/// stack deploys and the job starts, the application runs in the given subnet and security group,
/// and its properties name the Kafka clients (with `KafkaAuth=IAM`) instead of the stack's stream.
/// (moto has no MSK: the bootstrap string is never dialled here; what is checked is what the
/// service is asked to run.)
#[test]
fn streaming_etl_reads_and_writes_kafka_from_the_given_vpc() {
    let m = moto();
    let assets = stand_in_assets();
    let ec2 = aws_sdk_ec2::Client::new(&m.sdk_config());
    let vpc = default_network(&m);
    let vpc_filter = aws_sdk_ec2::types::Filter::builder()
        .name("vpc-id")
        .values(&vpc)
        .build();
    let subnets = block_on(ec2.describe_subnets().filters(vpc_filter.clone()).send()).unwrap();
    let subnet = subnets.subnets()[0].subnet_id().unwrap().to_string();
    let groups = block_on(ec2.describe_security_groups().filters(vpc_filter).send()).unwrap();
    let group = groups.security_groups()[0].group_id().unwrap().to_string();
    let bootstrap = "b-1.demo.abcd12.c2.kafka.us-east-1.amazonaws.com:9098";
    let params = [
        format!("ApplicationSubnetIds={subnet}"),
        format!("ApplicationSecurityGroupIds={group}"),
        format!("InputKafkaBootstrapServers={bootstrap}"),
        "InputKafkaTopic=rides".to_string(),
        format!("OutputKafkaBootstrapServers={bootstrap}"),
        "OutputKafkaTopic=rides-clean".to_string(),
        "KafkaAuth=IAM".to_string(),
        "KafkaClusterArn=arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd1234-ab12-cd34-ef56-abcdef123456-2".to_string(),
    ];
    let mut extra: Vec<&str> = Vec::new();
    for p in &params {
        extra.extend(["--param", p.as_str()]);
    }
    let o = launch(&m, "streaming-etl", "etl-kafka", assets.path(), &extra);
    ok(&o);
    let app = running_application(&o);
    let c = flink(&m);
    let d = block_on(c.describe_application().application_name(&app).send()).unwrap();
    let config = d
        .application_detail()
        .and_then(|d| d.application_configuration_description())
        .unwrap();
    let vpcs = config.vpc_configuration_descriptions();
    assert_eq!(vpcs.len(), 1, "the application is not in the VPC: {vpcs:?}");
    assert_eq!(vpcs[0].subnet_ids(), [subnet.as_str()]);
    assert_eq!(vpcs[0].security_group_ids(), [group.as_str()]);
    let groups = config
        .environment_property_descriptions()
        .map(|e| e.property_group_descriptions().to_vec())
        .unwrap_or_default();
    let props = groups[0].property_map();
    assert!(
        !props.contains_key("InputStreamArn"),
        "a Kafka source must be the only source: {props:?}"
    );
    for (key, want) in [
        ("InputKafkaBootstrapServers", bootstrap),
        ("InputKafkaTopic", "rides"),
        ("OutputKafkaBootstrapServers", bootstrap),
        ("OutputKafkaTopic", "rides-clean"),
        ("KafkaAuth", "IAM"),
    ] {
        assert_eq!(
            props.get(key).map(String::as_str),
            Some(want),
            "{key}: {props:?}"
        );
    }
    ok(&run(&m, &["destroy", "etl-kafka", "--yes"]));
}
