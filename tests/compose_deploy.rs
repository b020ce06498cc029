//! The composed examples of `patterns/examples/` deployed on the emulator (moto 5.2.5, see
//! tests/support/moto.rs) by the CLI, as a user runs them: a user manifest found by name in the
//! `patterns/` folder of the working directory, or given as `--pattern-file`; each reaching
//! CREATE_COMPLETE with every reader of its stream, and destroyed. `upload --pattern-file` too.

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use support::assets::stand_in_assets;
use support::moto::{block_on, moto, Moto};

fn ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what}: exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// (logical id, type) of every resource of a stack.
fn resources(m: &Moto, stack: &str) -> Vec<(String, String)> {
    let cfn = aws_sdk_cloudformation::Client::new(&m.sdk_config());
    let stack = stack.to_string();
    block_on(async move {
        let out = cfn
            .describe_stack_resources()
            .stack_name(stack)
            .send()
            .await
            .unwrap();
        out.stack_resources()
            .iter()
            .map(|r| {
                (
                    r.logical_resource_id().unwrap_or("").to_string(),
                    r.resource_type().unwrap_or("").to_string(),
                )
            })
            .collect()
    })
}

#[test]
fn every_example_deploys_on_the_emulator_with_each_reader_and_is_destroyed() {
    let m = moto();
    let assets = stand_in_assets();
    let ec2 = m.free_subnet();
    // A project folder with the examples under patterns/, as a user keeps their manifests.
    let project = tempfile::tempdir().unwrap();
    let patterns = project.path().join("patterns");
    std::fs::create_dir(&patterns).unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns/examples");
    for (i, (name, readers)) in [
        (
            "api-lambda-archive",
            &["ConsumerEventSourceMapping", "DeliveryStream"][..],
        ),
        (
            "flink-firehose-backup",
            &["Application", "DeliveryStream"][..],
        ),
        (
            "dynamodb-firehose",
            &[
                "ConsumerStreamConsumer",
                "ConsumerEventSourceMapping",
                "DeliveryStream",
                "OutputTable",
            ][..],
        ),
        (
            "fan-out",
            &[
                "ConsumerStreamConsumer",
                "ConsumerEventSourceMapping",
                "AuditConsumerEventSourceMapping",
                "DeliveryStream",
                "Application",
            ][..],
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let stack = format!("ex-{name}");
        let mut cmd = m.cli();
        cmd.current_dir(project.path()).arg("deploy");
        if i % 2 == 0 {
            // By name, from the working directory's patterns/ folder.
            std::fs::copy(
                examples.join(format!("{name}.yaml")),
                patterns.join(format!("{name}.yaml")),
            )
            .unwrap();
            cmd.arg(name);
        } else {
            cmd.arg("--pattern-file")
                .arg(examples.join(format!("{name}.yaml")));
        }
        cmd.args([
            "--stack-name",
            &stack,
            "--yes",
            "--assets-dir",
            assets.path().to_str().unwrap(),
            "--output",
            "json",
        ]);
        if name == "flink-firehose-backup" {
            cmd.args([
                "--param",
                &format!("ProducerVpcId={}", ec2.0),
                "--param",
                &format!("ProducerSubnetId={}", ec2.1),
            ]);
        }
        let o = cmd.output().unwrap();
        ok(&o, name);
        let last: Value =
            serde_json::from_str(String::from_utf8_lossy(&o.stdout).lines().last().unwrap())
                .unwrap();
        assert_eq!(last["status"], "CREATE_COMPLETE", "{name}: {last}");
        let have = resources(&m, &stack);
        for reader in readers {
            assert!(
                have.iter().any(|(id, _)| id == reader),
                "{name}: {reader} was not created; the stack has {have:?}"
            );
        }
        let o = m
            .cli()
            .current_dir(project.path())
            .args(["destroy", &stack, "--yes"])
            .output()
            .unwrap();
        ok(&o, name);
    }
}

#[test]
fn upload_takes_a_pattern_file_and_sends_the_assets_it_loads() {
    let m = moto();
    let assets = stand_in_assets();
    let o = m
        .cli()
        .args(["upload", "--pattern-file"])
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("patterns/examples/flink-firehose-backup.yaml"),
        )
        .arg("--assets-dir")
        .arg(assets.path())
        .args(["--output", "json"])
        .output()
        .unwrap();
    ok(&o, "upload --pattern-file");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut sent: Vec<String> = v["uploaded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().rsplit('/').next().unwrap().to_string())
        .collect();
    sent.sort();
    // The producer and the Flink job: what this pattern loads, nothing else.
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[0].starts_with("kpl-kds-kda-flink-") && sent[1].starts_with("producer-x86_64-"),
        "{sent:?}"
    );
}

/// `diff` of a user manifest (issue #23 asks `diff` to take them like `deploy`): an example
/// deployed with `--pattern-file`, then compared by `--pattern-file` and by name (the working
/// directory's patterns/). moto serves GetTemplate and DescribeStacks, from which the property
/// values come (its change sets carry no Replacement: see tests/deploy_engine.rs).
#[test]
fn diff_compares_a_deployed_example_by_pattern_file_and_by_name() {
    let m = moto();
    let assets = stand_in_assets();
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns/examples/dynamodb-firehose.yaml");
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir(project.path().join("patterns")).unwrap();
    std::fs::copy(
        &file,
        project.path().join("patterns/dynamodb-firehose.yaml"),
    )
    .unwrap();
    let run = |args: &[&str], pattern: &[&str]| {
        m.cli()
            .current_dir(project.path())
            .args(args)
            .args(pattern)
            .args(["--stack-name", "exdiff", "--assets-dir"])
            .arg(assets.path())
            .output()
            .unwrap()
    };
    let by_file = ["--pattern-file", file.to_str().unwrap()];
    let by_name = ["dynamodb-firehose"];
    ok(&run(&["deploy", "--yes"], &by_file), "deploy");

    for pattern in [&by_file[..], &by_name[..]] {
        let o = run(&["diff", "--exit-code"], pattern);
        ok(&o, "diff of the deployed manifest");
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "stack exdiff: no changes\n",
            "{pattern:?}"
        );

        let o = run(
            &["diff", "--exit-code", "--param", "BufferingInterval=120"],
            pattern,
        );
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        assert_eq!(
            o.status.code(),
            Some(3),
            "{pattern:?}: a changed parameter is a difference (exit 3 with --exit-code): {text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            text.starts_with("stack exdiff: 1 resource(s) would change\n")
                && text.contains("~ Modify DeliveryStream (AWS::KinesisFirehose::DeliveryStream)"),
            "{pattern:?}: {text}"
        );
        let line = text
            .lines()
            .find(|l| l.contains("BufferingHints.IntervalInSeconds:"))
            .unwrap_or_else(|| panic!("{pattern:?}: the changed property is not shown: {text}"));
        assert!(
            line.contains("300") && line.ends_with("-> \"120\""),
            "old and new values: {line}"
        );
    }
}
