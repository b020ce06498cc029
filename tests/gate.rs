//! The validation gate: every template `synth --all` and `dist` write must pass cfn-lint (0 errors,
//! 0 warnings) and checkov (0 failed checks; every skip justified in the resource's Metadata).
//! The pinned validators live in the venv that `deployment/run-all-tests.sh` creates
//! (`STREAMSTACK_VENV`, default `<repo>/.venv`). This test fails, never skips, without them.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::gate::{cfn_lint, checkov};

/// The templates users get: `synth --all` (asset parameters) and `dist` (asset locations baked in,
/// content-hashed names; the zips and jars are stand-ins since only the templates are checked here).
fn rendered() -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let synth_out = dir.path().join("synth");
    let out = Command::new(env!("CARGO_BIN_EXE_streamstack"))
        .args(["synth", "--all", "--out"])
        .arg(&synth_out)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let assets = support::assets::stand_in_assets();
    let dist_out = dir.path().join("dist");
    let out = Command::new(env!("CARGO_BIN_EXE_streamstack"))
        .args([
            "dist",
            "--bucket",
            "solutions",
            "--solution",
            "streamstack",
            "--version",
            "v1.0.0",
            "--out",
        ])
        .arg(&dist_out)
        .arg("--assets-dir")
        .arg(assets.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<PathBuf> = Vec::new();
    for d in [synth_out, dist_out.join("global-s3-assets")] {
        files.extend(std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()));
    }
    // Pattern 1 once more per non-default `Emitter` (the default, log, is in `synth --all`):
    // each value creates other resources and grants the role other permissions.
    for (emitter, extra) in [
        ("s3", &[][..]),
        ("dynamodb", &["DynamoDbSortKey=EVENT_TIME"][..]),
        (
            "opensearch",
            &[
                "OpenSearchDomainEndpoint=https://search-orders-abc.eu-west-1.es.amazonaws.com",
                "OpenSearchDomainArn=arn:aws:es:eu-west-1:123456789012:domain/orders",
            ][..],
        ),
    ] {
        let emitter_out = dir.path().join(format!("emitter-{emitter}"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_streamstack"));
        cmd.args(["synth", "apigw-kds-lambda", "--out"])
            .arg(&emitter_out)
            .args(["--param", &format!("Emitter={emitter}")]);
        for p in extra {
            cmd.args(["--param", p]);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "Emitter={emitter}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        files.push(emitter_out.join("apigw-kds-lambda.template"));
    }
    // Pattern 5 once more with every optional input and sink on: a Kafka source and sink (in a
    // VPC, Amazon MSK IAM access control), the output stream and an OpenSearch domain (other
    // resources, other role statements).
    let etl_out = dir.path().join("etl-all-sinks");
    let out = Command::new(env!("CARGO_BIN_EXE_streamstack"))
        .args(["synth", "streaming-etl", "--out"])
        .arg(&etl_out)
        .args([
            "--param",
            "InputKafkaBootstrapServers=b-1.etl.abc123.c2.kafka.eu-west-1.amazonaws.com:9098",
            "--param",
            "InputKafkaTopic=trips",
            "--param",
            "OutputKafkaBootstrapServers=b-1.etl.abc123.c2.kafka.eu-west-1.amazonaws.com:9098",
            "--param",
            "OutputKafkaTopic=trips-clean",
            "--param",
            "KafkaAuth=IAM",
            "--param",
            "KafkaClusterArn=arn:aws:kafka:eu-west-1:123456789012:cluster/etl/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2",
            "--param",
            "ApplicationSubnetIds=subnet-0123456789abcdef0",
            "--param",
            "ApplicationSecurityGroupIds=sg-0123456789abcdef0",
            "--param",
            "EnableOutputStream=true",
            "--param",
            "OpenSearchDomainEndpoint=https://search-trips-abc.eu-west-1.es.amazonaws.com",
            "--param",
            "OpenSearchDomainArn=arn:aws:es:eu-west-1:123456789012:domain/trips",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "streaming-etl with every sink: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    files.push(etl_out.join("streaming-etl.template"));
    files.sort();
    assert_eq!(files.len(), 14);
    (dir, files)
}

#[test]
fn cfn_lint_reports_nothing() {
    let (_dir, files) = rendered();
    let out = cfn_lint(&files);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "cfn-lint found problems (exit {:?}):\n{report}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn checkov_fails_no_check_and_every_skip_is_justified() {
    let (dir, files) = rendered();
    // One full run: its report holds the failed, skipped and passed checks.
    let report = checkov(&files);
    let summary = &report["summary"];
    assert_eq!(
        summary["failed"],
        0,
        "checkov failed checks:\n{}",
        serde_json::to_string_pretty(&report["results"]["failed_checks"]).unwrap()
    );
    assert_eq!(
        summary["parsing_errors"], 0,
        "checkov could not parse a template: {summary}"
    );
    for skipped in report["results"]["skipped_checks"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let comment = skipped["check_result"]["suppress_comment"]
            .as_str()
            .unwrap_or("");
        assert!(
            comment.len() > 20,
            "skip of {} on {} has no real justification",
            skipped["check_id"],
            skipped["resource"]
        );
    }

    // Every template was really scanned: each file has passed checks.
    let passed = report["results"]["passed_checks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let n = passed
            .iter()
            .filter(|c| c["file_path"].as_str().is_some_and(|p| p.ends_with(&name)))
            .count();
        assert!(n >= 10, "checkov ran only {n} checks on {name}");
    }
    drop(dir);
}
