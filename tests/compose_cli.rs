//! The CLI side of composition (issue #23): `--pattern-file FILE` and user manifests by name in
//! `synth` and `dist`, the synth-time warning of several readers sharing the stream, a bad manifest
//! refused with exit 2 and one line and nothing written, and the `patterns` and `blocks` commands.
//! A user manifest by name is also found in the `patterns/` folder of the config file's project
//! (`--config FILE`, and its environment's `pattern`). (`deploy`, `diff` and `upload` of user
//! manifests run against the emulator in tests/compose_deploy.rs.)

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::moto::ok;

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_streamstack"))
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("patterns/examples")
        .join(format!("{name}.yaml"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exit 2, exactly one line on stderr, nothing on stdout; returns the line.
fn refused(o: &Output) -> String {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "exit 2 expected; stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line expected: {err}");
    assert!(
        o.stdout.is_empty(),
        "nothing on stdout: {}",
        text(&o.stdout)
    );
    err.trim_end().to_string()
}

#[test]
fn synth_takes_a_pattern_file_and_warns_once_about_readers_sharing_the_stream() {
    let out = tempfile::tempdir().unwrap();
    let o = cli()
        .args(["synth", "--pattern-file"])
        .arg(example("api-lambda-archive"))
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    ok(&o);
    let written = out.path().join("api-lambda-archive.template");
    assert_eq!(text(&o.stdout).trim(), written.display().to_string());
    let t: Value = serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    assert!(t["Resources"]["DeliveryStream"].is_object());
    let err = text(&o.stderr);
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        ["warning: api-lambda-archive: 2 readers share the stream's 5 reads per second per shard (consumer, delivery-stream); give the consumer `options: {enhanced_fan_out: true}` for its own 2 MB/s per shard"]
    );
    // With enhanced fan-out, no warning; a pattern file and a built-in pattern in one run.
    let o = cli()
        .args(["synth", "kds-kdf-s3", "--pattern-file"])
        .arg(example("dynamodb-firehose"))
        .arg("--out")
        .arg(out.path())
        .args(["--param", "BatchSize=50"])
        .output()
        .unwrap();
    ok(&o);
    assert!(o.stderr.is_empty(), "{}", text(&o.stderr));
    let t: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("dynamodb-firehose.template")).unwrap(),
    )
    .unwrap();
    assert_eq!(t["Parameters"]["BatchSize"]["Default"], "50");
    assert!(out.path().join("kds-kdf-s3.template").is_file());
}

#[test]
fn a_user_manifest_is_found_by_name_in_the_working_directory() {
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir(project.path().join("patterns")).unwrap();
    std::fs::copy(
        example("flink-firehose-backup"),
        project.path().join("patterns/flink-firehose-backup.yaml"),
    )
    .unwrap();
    let o = cli()
        .current_dir(project.path())
        .args(["synth", "flink-firehose-backup", "--out", "out"])
        .output()
        .unwrap();
    ok(&o);
    assert!(project
        .path()
        .join("out/flink-firehose-backup.template")
        .is_file());
}

#[test]
fn a_user_manifest_is_found_by_name_in_the_config_file_s_project() {
    // A project folder `other/` with its streamstack.toml and patterns/; the command runs from
    // its parent, whose own patterns/ does not exist.
    let root = tempfile::tempdir().unwrap();
    let other = root.path().join("other");
    std::fs::create_dir_all(other.join("patterns")).unwrap();
    std::fs::copy(
        example("flink-firehose-backup"),
        other.join("patterns/flink-firehose-backup.yaml"),
    )
    .unwrap();
    std::fs::write(
        other.join("streamstack.toml"),
        "[env.e]\npattern = \"flink-firehose-backup\"\n",
    )
    .unwrap();
    let synth = |config: &[&str]| {
        cli()
            .current_dir(root.path())
            .args(["synth", "flink-firehose-backup", "--out", "out"])
            .args(config)
            .output()
            .unwrap()
    };
    let line = refused(&synth(&[]));
    assert!(
        line.contains("unknown pattern `flink-firehose-backup`")
            && line.contains("beside the config file"),
        "{line}"
    );
    let o = synth(&["--config", "other/streamstack.toml"]);
    ok(&o);
    assert!(
        root.path()
            .join("out/flink-firehose-backup.template")
            .is_file(),
        "issue #23: a manifest in the config file's patterns/ folder is found by name"
    );
    let o = cli()
        .current_dir(root.path())
        .args(["patterns", "--config", "other/streamstack.toml"])
        .output()
        .unwrap();
    ok(&o);
    let listed = text(&o.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("flink-firehose-backup")
                && l.contains("other/patterns/flink-firehose-backup.yaml")),
        "patterns lists the project's manifests: {listed}"
    );

    // The environment's `pattern` names it: upload sends the assets it loads.
    let m = support::moto::moto();
    let assets = support::assets::stand_in_assets();
    let o = m
        .cli()
        .current_dir(root.path())
        .args(["upload", "--config", "other/streamstack.toml", "--env", "e"])
        .arg("--assets-dir")
        .arg(assets.path())
        .args(["--output", "json"])
        .output()
        .unwrap();
    ok(&o);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut sent: Vec<String> = v["uploaded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().rsplit('/').next().unwrap().to_string())
        .collect();
    sent.sort();
    assert!(
        sent.len() == 2
            && sent[0].starts_with("kpl-kds-kda-flink-")
            && sent[1].starts_with("producer-x86_64-"),
        "the assets of flink-firehose-backup: {sent:?}"
    );
}

#[test]
fn a_bad_manifest_is_refused_with_exit_2_one_line_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cases = [
        (
            "unknown-key",
            "id: unknown-key\ndescription: d\nblocks: [alarm-topic, stream]\noutput: {}\n",
            "error: pattern unknown-key: unknown-key.yaml: unknown field `output`",
        ),
        (
            "named-twice",
            "id: named-twice\ndescription: d\nblocks: [alarm-topic, stream, lambda-architecture, output-bucket, {block: consumer, name: A}, {block: consumer, name: A}]\n",
            "error: pattern named-twice: block `consumer` is named `A` twice",
        ),
        (
            "missing",
            "id: missing\ndescription: d\nblocks: [alarm-topic, stream, delivery-stream]\n",
            "error: pattern missing: block `delivery-stream` needs output-bucket, which no block of the pattern provides; add block `output-bucket`",
        ),
    ];
    for (name, manifest, expected) in cases {
        let file = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&file, manifest).unwrap();
        let o = cli()
            .args(["synth", "kds-kdf-s3", "--pattern-file"])
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let line = refused(&o);
        assert!(line.starts_with(expected), "{name}: {line}");
        assert!(
            !out.exists(),
            "{name}: nothing is written, not even the good pattern"
        );
    }
    // A cycle of needs, with a block table of one's own (--templates DIR).
    let tables = tempfile::tempdir().unwrap();
    std::fs::write(
        tables.path().join("blocks.yaml"),
        "blocks:\n  stream: {description: s, needs: [alarm-topic], provides: [stream]}\n  alarm-topic: {description: a, needs: [stream], provides: [alarm-topic]}\n",
    )
    .unwrap();
    let file = dir.path().join("cycle.yaml");
    std::fs::write(
        &file,
        "id: cycle\ndescription: d\nblocks: [alarm-topic, stream]\n",
    )
    .unwrap();
    let o = cli()
        .args(["synth", "--pattern-file"])
        .arg(&file)
        .arg("--templates")
        .arg(tables.path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        refused(&o),
        "error: pattern cycle: a cycle of needs: alarm-topic -> stream -> alarm-topic (a block cannot need, through others, what it provides)"
    );
    // A missing file, a file that is not a manifest name.
    let o = cli()
        .args(["synth", "--pattern-file", "/nonexistent/x.yaml"])
        .output()
        .unwrap();
    assert!(refused(&o).contains("/nonexistent/x.yaml"));
    let o = cli()
        .args(["synth", "--pattern-file"])
        .arg(example("fan-out").with_file_name("Fan Out.yaml"))
        .output()
        .unwrap();
    assert!(refused(&o).contains("is not a user pattern id"));
}

#[test]
fn dist_packages_a_pattern_file_beside_the_built_in_patterns() {
    let assets = support::assets::stand_in_assets();
    let out = tempfile::tempdir().unwrap();
    let o = cli()
        .args([
            "dist",
            "--bucket",
            "solutions",
            "--solution",
            "streamstack",
            "--version",
            "v1.0.0",
            "--pattern-file",
        ])
        .arg(example("fan-out"))
        .arg("--out")
        .arg(out.path())
        .arg("--assets-dir")
        .arg(assets.path())
        .output()
        .unwrap();
    ok(&o);
    let t: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("global-s3-assets/fan-out.template")).unwrap(),
    )
    .unwrap();
    assert!(
        t["Parameters"].get("AssetBucket").is_none(),
        "dist bakes the asset location in"
    );
    assert!(out
        .path()
        .join("global-s3-assets/kds-kdf-s3.template")
        .is_file());
}

#[test]
fn patterns_lists_built_in_and_user_patterns_in_text_and_json() {
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir(project.path().join("patterns")).unwrap();
    std::fs::copy(
        example("fan-out"),
        project.path().join("patterns/fan-out.yaml"),
    )
    .unwrap();
    std::fs::write(
        project.path().join("patterns/broken.yaml"),
        "id: broken\ndescription: d\nblocks: [stream-alarms]\n",
    )
    .unwrap();
    let o = cli()
        .current_dir(project.path())
        .arg("patterns")
        .output()
        .unwrap();
    ok(&o);
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 7, "{out}");
    assert!(lines[0].starts_with("apigw-kds-lambda") && lines[0].contains("built-in"));
    // User manifests in file name order.
    assert!(
        lines[5].starts_with("broken ")
            && lines[5].contains("error: pattern broken: block `stream-alarms` needs stream"),
        "{}",
        lines[5]
    );
    assert!(lines[6].starts_with("fan-out") && lines[6].contains("patterns/fan-out.yaml"));
    let o = cli()
        .current_dir(project.path())
        .args(["patterns", "--output", "json"])
        .output()
        .unwrap();
    ok(&o);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v["patterns"].as_array().unwrap();
    assert_eq!(list.len(), 7);
    assert_eq!(list[0]["source"], "built-in");
    assert_eq!(list[6]["id"], "fan-out");
    assert_eq!(list[6]["source"], "user");
    assert!(list[6]["blocks"]
        .as_array()
        .unwrap()
        .contains(&Value::from("consumer (name Audit)")));
    assert_eq!(list[6]["warnings"].as_array().unwrap().len(), 1);
    assert!(list[5]["error"].as_str().unwrap().contains("needs stream"));
}

#[test]
fn blocks_lists_needs_provides_and_reads_in_text_and_json() {
    let o = cli().arg("blocks").output().unwrap();
    ok(&o);
    let out = text(&o.stdout);
    assert!(
        out.contains("delivery-stream: Amazon Data Firehose"),
        "{out}"
    );
    assert!(
        out.contains(
            "  needs     stream (stream), stack-key (alarm-topic), output-bucket (output-bucket)"
        ),
        "{out}"
    );
    assert!(out.contains("  option    enhanced_fan_out: "), "{out}");
    let o = cli().args(["blocks", "--output", "json"]).output().unwrap();
    ok(&o);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let consumer = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["block"] == "consumer")
        .unwrap();
    assert_eq!(consumer["nameable"], true);
    assert_eq!(consumer["readsStream"], true);
    assert!(consumer["reads"]
        .as_array()
        .unwrap()
        .contains(&Value::from("BatchSize")));
    assert_eq!(
        consumer["needs"][3],
        serde_json::json!({"capability": "output-bucket", "providedBy": ["output-bucket"]})
    );
}
