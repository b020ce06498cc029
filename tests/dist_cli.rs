//! `streamstack dist`: the build-s3-dist layout, content-hashed assets referenced by the baked
//! templates, determinism, and bad input (one line, exit 2, nothing written).

mod support;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use support::assets::{stand_in_assets, ASSET_NAMES};

fn dist(out: &Path, assets: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "dist",
        "--bucket",
        "my-bucket",
        "--solution",
        "streaming-data-solution",
        "--version",
        "v1.2.0",
    ];
    args.extend_from_slice(extra);
    Command::cargo_bin("streamstack")
        .unwrap()
        .args(&args)
        .arg("--out")
        .arg(out)
        .arg("--assets-dir")
        .arg(assets)
        .output()
        .unwrap()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walk(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.map(|e| e.unwrap()) {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn layout_templates_and_content_hashed_assets_agree() {
    let assets = stand_in_assets();
    let out = tempfile::tempdir().unwrap();
    let o = dist(out.path(), assets.path(), &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files = listing(out.path());
    let templates: Vec<&String> = files
        .iter()
        .filter(|f| f.starts_with("global-s3-assets/"))
        .collect();
    assert_eq!(templates.len(), 5, "{files:?}");
    let regional: Vec<&String> = files
        .iter()
        .filter(|f| f.starts_with("regional-s3-assets/"))
        .collect();
    assert_eq!(regional.len(), ASSET_NAMES.len(), "{files:?}");
    for r in &regional {
        let name = r.trim_start_matches("regional-s3-assets/");
        // <stem>-<16 hex>.zip or .jar
        let hash = name
            .rsplit('-')
            .next()
            .unwrap()
            .trim_end_matches(".zip")
            .trim_end_matches(".jar");
        assert_eq!(hash.len(), 16, "{name}");
    }
    let t: Value = serde_json::from_slice(
        &std::fs::read(
            out.path()
                .join("global-s3-assets/apigw-kds-lambda.template"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(t["Parameters"].get("AssetBucket").is_none());
    let code = &t["Resources"]["ConsumerFunction"]["Properties"]["Code"];
    assert_eq!(code["S3Bucket"]["Fn::Sub"], "my-bucket-${AWS::Region}");
    for arm in [1, 2] {
        // Baked keys are constants: no Fn::Sub without variables.
        let key = code["S3Key"]["Fn::If"][arm].as_str().unwrap();
        let file = key
            .strip_prefix("streaming-data-solution/v1.2.0/")
            .expect(key);
        assert!(
            regional.iter().any(|r| r.ends_with(file)),
            "{key} not shipped"
        );
    }
    // Pattern 5 ships the third jar, and its template points at that content-hashed copy.
    let etl: Value = serde_json::from_slice(
        &std::fs::read(out.path().join("global-s3-assets/streaming-etl.template")).unwrap(),
    )
    .unwrap();
    let key = etl["Resources"]["Application"]["Properties"]["ApplicationConfiguration"]
        ["ApplicationCodeConfiguration"]["CodeContent"]["S3ContentLocation"]["FileKey"]
        .to_string();
    let jar = regional
        .iter()
        .map(|r| r.trim_start_matches("regional-s3-assets/"))
        .find(|r| r.starts_with("streaming-etl-flink-") && r.ends_with(".jar"))
        .unwrap_or_else(|| panic!("dist does not ship streaming-etl-flink.jar: {files:?}"));
    assert!(
        key.contains(jar),
        "streaming-etl's FileKey {key} is not {jar}"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("aws s3 sync")
            && stdout.contains("s3://my-bucket/streaming-data-solution/v1.2.0"),
        "{stdout}"
    );
    // Every referenced asset is built: no "not built" warning is left.
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn two_runs_give_byte_identical_output_and_a_rerun_replaces_the_layout() {
    let assets = stand_in_assets();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    assert!(dist(a.path(), assets.path(), &[]).status.success());
    assert!(dist(b.path(), assets.path(), &[]).status.success());
    let la = listing(a.path());
    assert_eq!(la, listing(b.path()));
    for f in &la {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f}"
        );
    }
    // A changed asset gets a new name; the old one does not linger.
    std::fs::write(assets.path().join(ASSET_NAMES[0]), b"new bytes").unwrap();
    assert!(dist(a.path(), assets.path(), &[]).status.success());
    let after = listing(a.path());
    assert_eq!(after.len(), la.len(), "{after:?}");
    assert_ne!(after, la);
}

fn assert_refused(extra_args: &[&str], needles: &[&str]) {
    let assets = stand_in_assets();
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["dist"];
    args.extend_from_slice(extra_args);
    let o = Command::cargo_bin("streamstack")
        .unwrap()
        .args(&args)
        .arg("--out")
        .arg(out.path())
        .arg("--assets-dir")
        .arg(assets.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in {err}");
    }
    assert!(
        listing(out.path()).is_empty(),
        "written: {:?}",
        listing(out.path())
    );
}

#[test]
fn bad_bucket_solution_and_version_are_refused() {
    assert_refused(
        &[
            "--bucket",
            "Bad_Bucket",
            "--solution",
            "s",
            "--version",
            "v1",
        ],
        &["`Bad_Bucket`", "allowed:"],
    );
    assert_refused(
        &["--bucket", "ab", "--solution", "s", "--version", "v1"],
        &["`ab`"],
    );
    assert_refused(
        &["--bucket", "my-bucket", "--solution", "", "--version", "v1"],
        &["solution name", "allowed:"],
    );
    assert_refused(
        &[
            "--bucket",
            "my-bucket",
            "--solution",
            "s",
            "--version",
            "v1/2",
        ],
        &["version `v1/2`", "contains `/`"],
    );
    assert_refused(
        &[
            "--bucket",
            "my-bucket",
            "--solution",
            "s",
            "--version",
            "v 1",
        ],
        &["version `v 1`"],
    );
}

#[test]
fn missing_function_assets_say_how_to_get_them() {
    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = dist(out.path(), empty.path(), &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("consumer-function-arm64.zip") && err.contains("cargo xtask build-functions"),
        "{err}"
    );
    assert!(listing(out.path()).is_empty());
}

/// A binary built with `STREAMSTACK_ASSETS_DIR` (as `cargo xtask build-cli` and
/// `deployment/run-all-tests.sh` do) carries the zips: `dist` needs no folder and ships exactly
/// those bytes. A build without them refuses with the hint instead.
#[test]
fn embedded_assets_are_shipped_without_any_folder() {
    let out = tempfile::tempdir().unwrap();
    let o = Command::cargo_bin("streamstack")
        .unwrap()
        .args([
            "dist",
            "--bucket",
            "my-bucket",
            "--solution",
            "s",
            "--version",
            "v1",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    match option_env!("STREAMSTACK_ASSETS_DIR") {
        Some(dir) => {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            for f in ASSET_NAMES {
                let want = std::fs::read(Path::new(dir).join(f)).unwrap();
                let stem = f.trim_end_matches(".zip").trim_end_matches(".jar");
                let shipped = listing(out.path())
                    .into_iter()
                    .find(|p| p.starts_with(&format!("regional-s3-assets/{stem}-")))
                    .unwrap_or_else(|| panic!("{f} not shipped"));
                assert_eq!(
                    std::fs::read(out.path().join(shipped)).unwrap(),
                    want,
                    "{f}"
                );
            }
        }
        None => {
            assert_eq!(o.status.code(), Some(2));
            assert!(String::from_utf8_lossy(&o.stderr).contains("cargo xtask build-cli"));
            assert!(listing(out.path()).is_empty());
        }
    }
}
