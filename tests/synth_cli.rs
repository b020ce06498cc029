//! The `synth` command as a user runs it: outputs, determinism, overrides and bad input.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

fn synth(args: &[&str]) -> Output {
    Command::cargo_bin("streamstack")
        .unwrap()
        .arg("synth")
        .args(args)
        .output()
        .unwrap()
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A usage error: exit 2, exactly one line on stderr that contains every `needle`, no file written.
fn assert_usage_error(out: &Output, dir: &Path, needles: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
    assert!(files(dir).is_empty(), "files written: {:?}", files(dir));
}

#[test]
fn all_writes_five_templates_and_is_byte_identical_across_runs() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        let out = synth(&["--all", "--out", d.path().to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let names = files(a.path());
    assert_eq!(
        names,
        [
            "apigw-kds-lambda.template",
            "kds-kda-apigw.template",
            "kds-kdf-s3.template",
            "kpl-kds-kda.template",
            "streaming-etl.template"
        ]
    );
    for n in &names {
        let x = std::fs::read(a.path().join(n)).unwrap();
        assert_eq!(
            x,
            std::fs::read(b.path().join(n)).unwrap(),
            "{n} differs between runs"
        );
        let t: Value = serde_json::from_slice(&x).unwrap();
        assert_eq!(t["AWSTemplateFormatVersion"], "2010-09-09");
    }
}

#[test]
fn yaml_output_holds_the_same_template() {
    let j = tempfile::tempdir().unwrap();
    let y = tempfile::tempdir().unwrap();
    assert!(synth(&["kds-kdf-s3", "--out", j.path().to_str().unwrap()])
        .status
        .success());
    assert!(synth(&[
        "kds-kdf-s3",
        "--format",
        "yaml",
        "--out",
        y.path().to_str().unwrap()
    ])
    .status
    .success());
    let from_json: Value =
        serde_json::from_slice(&std::fs::read(j.path().join("kds-kdf-s3.template")).unwrap())
            .unwrap();
    let from_yaml: Value =
        serde_yaml_ng::from_slice(&std::fs::read(y.path().join("kds-kdf-s3.template")).unwrap())
            .unwrap();
    assert_eq!(from_json, from_yaml);
}

#[test]
fn param_overrides_the_default_of_every_pattern_that_has_it() {
    let d = tempfile::tempdir().unwrap();
    let out = synth(&[
        "apigw-kds-lambda",
        "kds-kdf-s3",
        "--param",
        "ShardCount=8",
        "--param",
        "BatchSize=500",
        "--out",
        d.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |n: &str| -> Value {
        serde_json::from_slice(&std::fs::read(d.path().join(n)).unwrap()).unwrap()
    };
    let p1 = read("apigw-kds-lambda.template");
    assert_eq!(p1["Parameters"]["ShardCount"]["Default"], "8");
    assert_eq!(p1["Parameters"]["BatchSize"]["Default"], "500");
    let p3 = read("kds-kdf-s3.template");
    assert_eq!(p3["Parameters"]["ShardCount"]["Default"], "8");
    assert!(p3["Parameters"].get("BatchSize").is_none());
}

#[test]
fn unknown_pattern_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let out = synth(&["kds-lambda", "--out", d.path().to_str().unwrap()]);
    assert_usage_error(
        &out,
        d.path(),
        &[
            "kds-lambda",
            "apigw-kds-lambda, kpl-kds-kda, kds-kdf-s3, kds-kda-apigw, streaming-etl",
        ],
    );
}

#[test]
fn unknown_parameter_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let out = synth(&[
        "kds-kdf-s3",
        "--param",
        "ShardCont=3",
        "--out",
        d.path().to_str().unwrap(),
    ]);
    assert_usage_error(&out, d.path(), &["ShardCont", "allowed:", "ShardCount"]);
}

#[test]
fn out_of_range_number_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let out = synth(&[
        "--all",
        "--param",
        "ShardCount=201",
        "--out",
        d.path().to_str().unwrap(),
    ]);
    assert_usage_error(&out, d.path(), &["ShardCount", "201", "between 1 and 200"]);
    let out = synth(&[
        "--all",
        "--param",
        "ShardCount=lots",
        "--out",
        d.path().to_str().unwrap(),
    ]);
    assert_usage_error(&out, d.path(), &["lots", "must be a number"]);
}

#[test]
fn value_not_in_allowed_values_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let out = synth(&[
        "kds-kdf-s3",
        "--param",
        "CompressionFormat=BZIP2",
        "--out",
        d.path().to_str().unwrap(),
    ]);
    assert_usage_error(
        &out,
        d.path(),
        &["BZIP2", "GZIP, HADOOP_SNAPPY, Snappy, UNCOMPRESSED, ZIP"],
    );
}

#[test]
fn param_without_equals_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let out = synth(&[
        "kds-kdf-s3",
        "--param",
        "ShardCount",
        "--out",
        d.path().to_str().unwrap(),
    ]);
    assert_usage_error(&out, d.path(), &["ShardCount", "NAME=VALUE"]);
}

#[test]
fn unwritable_out_dir_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let blocker = d.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let target = blocker.join("sub");
    let out = synth(&["--all", "--out", target.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(target.to_str().unwrap()), "{err}");
    assert_eq!(files(d.path()), ["file"]);
    // A path that is an existing file.
    let out = synth(&["--all", "--out", blocker.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a directory"));
}

#[test]
fn nothing_is_written_when_any_pattern_fails() {
    let d = tempfile::tempdir().unwrap();
    // BatchSize exists only in apigw-kds-lambda; 0 is out of its range, so even the other pattern
    // must not be written.
    let out = synth(&[
        "kds-kdf-s3",
        "apigw-kds-lambda",
        "--param",
        "BatchSize=0",
        "--out",
        d.path().to_str().unwrap(),
    ]);
    assert_usage_error(&out, d.path(), &["BatchSize", "between 1 and 10000"]);
}

#[test]
fn templates_dir_overrides_a_fragment_and_a_broken_override_is_caught() {
    let d = tempfile::tempdir().unwrap();
    let custom = tempfile::tempdir().unwrap();
    // Customise the stream fragment: a different retention expression.
    let embedded = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/stream.json.hbs"),
    )
    .unwrap();
    let changed = embedded
        .replace(
            "\"DeletionPolicy\": \"Delete\"",
            "\"DeletionPolicy\": \"Retain\"",
        )
        .replace(
            "\"UpdateReplacePolicy\": \"Delete\"",
            "\"UpdateReplacePolicy\": \"Retain\"",
        );
    assert_ne!(embedded, changed);
    std::fs::write(custom.path().join("stream.json.hbs"), &changed).unwrap();
    let out = synth(&[
        "kds-kdf-s3",
        "--templates",
        custom.path().to_str().unwrap(),
        "--out",
        d.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t: Value =
        serde_json::from_slice(&std::fs::read(d.path().join("kds-kdf-s3.template")).unwrap())
            .unwrap();
    assert_eq!(t["Resources"]["DataStream"]["DeletionPolicy"], "Retain");

    // A fragment that refers to a resource that does not exist: refused, nothing written.
    let d2 = tempfile::tempdir().unwrap();
    std::fs::write(
        custom.path().join("stream.json.hbs"),
        embedded.replace(
            "{\"Ref\": \"RetentionHours\"}",
            "{\"Ref\": \"RetentionHourz\"}",
        ),
    )
    .unwrap();
    let out = synth(&[
        "kds-kdf-s3",
        "--templates",
        custom.path().to_str().unwrap(),
        "--out",
        d2.path().to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("RetentionHourz") && err.contains("parameter `RetentionHours` is never used"),
        "{err}"
    );
    assert!(files(d2.path()).is_empty());
}

/// `streamstack synth | head -0`: the reader is gone before the first line. The command ends
/// quietly with 141 (128 + SIGPIPE, as a shell reports it) instead of panicking in `println!`.
#[test]
fn a_closed_stdout_ends_the_command_quietly_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_streamstack"))
        .args(["synth", "--all", "--out", dir.path().to_str().unwrap()])
        .stdout(writer)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
