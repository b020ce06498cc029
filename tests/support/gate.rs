//! The template gate's two validators from the test venv, run the same way by every suite that
//! gates templates (tests/gate.rs on the built-in patterns, tests/compose.rs on the examples):
//! cfn-lint in parseable form, checkov's JSON report over CloudFormation files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A tool of the pinned test venv (`STREAMSTACK_VENV`, else `.venv`); fails, never skips, when
/// it is missing.
pub fn venv_tool(name: &str) -> PathBuf {
    let venv = std::env::var_os("STREAMSTACK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    let tool = venv.join("bin").join(name);
    assert!(
        tool.is_file(),
        "{} not found: run deployment/run-all-tests.sh (it installs the pinned validators), or set STREAMSTACK_VENV",
        tool.display()
    );
    tool
}

/// cfn-lint over `files`, parseable output.
pub fn cfn_lint(files: &[PathBuf]) -> Output {
    Command::new(venv_tool("cfn-lint"))
        .args(["--format", "parseable"])
        .args(files)
        .output()
        .unwrap()
}

/// checkov's JSON report over `files` (one run: failed, skipped and passed checks).
pub fn checkov(files: &[PathBuf]) -> Value {
    let mut cmd = Command::new(venv_tool("checkov"));
    cmd.args([
        "--framework",
        "cloudformation",
        "--skip-download",
        "--output",
        "json",
        "--compact",
    ]);
    for f in files {
        cmd.arg("-f").arg(f);
    }
    let out = cmd.env("BC_SKIP_MAPPING", "TRUE").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("checkov output is not JSON ({e}):\n{text}"))
}
