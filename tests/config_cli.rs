//! `streamstack.toml` and `--env` end to end with the built binary (the emulator: see
//! tests/support/moto.rs), and `streamstack completions`.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use support::moto::{block_on, cli_at, moto, ok, stderr, Moto};

/// The binary on the emulator, run in `dir` (where it looks for streamstack.toml).
fn run_in(m: &Moto, dir: &Path, args: &[&str]) -> Output {
    m.cli().current_dir(dir).args(args).output().unwrap()
}

/// (status, parameters, tags) of a stack in `region`, or `None` when it does not exist there.
type StackSummary = (String, BTreeMap<String, String>, BTreeMap<String, String>);

fn stack(m: &Moto, region: &str, name: &str) -> Option<StackSummary> {
    let conf = aws_sdk_cloudformation::config::Builder::from(&m.sdk_config())
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let cfn = aws_sdk_cloudformation::Client::from_conf(conf);
    let name = name.to_string();
    block_on(async move {
        let out = cfn.describe_stacks().stack_name(name).send().await.ok()?;
        let s = out.stacks().first()?;
        let params = s
            .parameters()
            .iter()
            .map(|p| {
                (
                    p.parameter_key().unwrap_or("").to_string(),
                    p.parameter_value().unwrap_or("").to_string(),
                )
            })
            .collect();
        let tags = s
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or("").to_string(),
                    t.value().unwrap_or("").to_string(),
                )
            })
            .collect();
        Some((s.stack_status()?.as_str().to_string(), params, tags))
    })
}

const CONFIG: &str = r#"
[env.dev]
pattern = "kds-kdf-s3"
stack-name = "cfg-dev"
region = "eu-west-1"
parameters = { ShardCount = 3, RetentionHours = 48 }
tags = { team = "data", env = "dev" }
"#;

#[test]
fn deploy_env_alone_is_a_complete_command_and_flags_win_over_the_file() {
    let m = moto();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("streamstack.toml"), CONFIG).unwrap();

    // Pattern, stack name, region (over AWS_REGION=us-east-1), parameters and tags from the file;
    // --tag beats the file's tag of the same key.
    let o = run_in(
        &m,
        dir.path(),
        &["deploy", "--env", "dev", "--yes", "--tag", "env=test"],
    );
    ok(&o);
    assert!(
        stderr(&o).contains("create stack cfg-dev"),
        "{}",
        stderr(&o)
    );
    let (status, params, tags) = stack(&m, "eu-west-1", "cfg-dev")
        .expect("the file's stack name in the file's region (the config file was not applied)");
    assert_eq!(status, "CREATE_COMPLETE");
    assert_eq!(
        (
            params["ShardCount"].as_str(),
            params["RetentionHours"].as_str()
        ),
        ("3", "48"),
        "the file's parameters"
    );
    assert_eq!(
        (
            tags.get("team").map(String::as_str),
            tags.get("env").map(String::as_str)
        ),
        (Some("data"), Some("test")),
        "precedence: file tags < --tag"
    );
    assert!(
        stack(&m, "us-east-1", "cfg-dev").is_none(),
        "region from the file"
    );

    // --param beats --param-file, which beats the file's parameters. (Tags are checked on the
    // create above: the emulator does not change a stack's tags on an update.)
    let pf = dir.path().join("p.json");
    std::fs::write(&pf, r#"{"ShardCount": "4", "RetentionHours": "72"}"#).unwrap();
    let o = run_in(
        &m,
        dir.path(),
        &[
            "deploy",
            "--yes",
            "--param-file",
            pf.to_str().unwrap(),
            "--param",
            "ShardCount=5",
            "--env",
            "dev",
        ],
    );
    ok(&o);
    let (status, params, _) = stack(&m, "eu-west-1", "cfg-dev").unwrap();
    assert_eq!(status, "UPDATE_COMPLETE");
    assert_eq!(
        (
            params["ShardCount"].as_str(),
            params["RetentionHours"].as_str()
        ),
        ("5", "72"),
        "precedence: file parameters < --param-file < --param"
    );

    // The STACK argument of status comes from the file; a --region flag wins over the file's.
    let o = run_in(
        &m,
        dir.path(),
        &["status", "--env", "dev", "--output", "json"],
    );
    ok(&o);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("cfg-dev"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = run_in(
        &m,
        dir.path(),
        &["status", "--env", "dev", "--region", "us-east-1"],
    );
    assert!(
        o.status.code() == Some(2) && stderr(&o).contains("stack `cfg-dev` does not exist"),
        "the --region flag (no such stack in us-east-1): {}",
        stderr(&o)
    );

    // A flag naming another stack wins over the file's stack name.
    let o = run_in(
        &m,
        dir.path(),
        &[
            "deploy",
            "--env",
            "dev",
            "--stack-name",
            "cfg-other",
            "--yes",
        ],
    );
    ok(&o);
    assert!(stack(&m, "eu-west-1", "cfg-other").is_some());

    // --config from elsewhere, and destroy's STACK from it.
    let elsewhere = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("streamstack.toml");
    let o = run_in(
        &m,
        elsewhere.path(),
        &[
            "destroy",
            "--config",
            cfg.to_str().unwrap(),
            "--env",
            "dev",
            "--yes",
        ],
    );
    ok(&o);
    assert!(
        stack(&m, "eu-west-1", "cfg-dev").is_none_or(|(s, _, _)| s == "DELETE_COMPLETE"),
        "destroyed"
    );
}

/// A closed port: an API call fails with a connection error (exit 1), so exit 2 means nothing
/// was sent.
fn offline(dir: &Path, args: &[&str]) -> Output {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    cli_at(&format!("http://127.0.0.1:{port}"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn assert_usage_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
}

#[test]
fn bad_config_input_is_one_line_exit_2_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("streamstack.toml");

    // --env without any file.
    let o = offline(d, &["deploy", "--env", "dev", "--yes"]);
    assert_usage_error(&o, &["--env dev", "streamstack.toml not found"]);
    // --config naming a missing file.
    let o = offline(d, &["status", "s", "--config", "nope.toml"]);
    assert_usage_error(&o, &["cannot read config file `nope.toml`"]);

    std::fs::write(
        &file,
        "[env.dev]\npattern = \"kds-kdf-s3\"\nstak-name = \"x\"\n",
    )
    .unwrap();
    let o = offline(d, &["deploy", "--env", "dev", "--yes"]);
    assert_usage_error(
        &o,
        &[
            "streamstack.toml:3",
            "`stak-name`",
            "`stack-name`",
            "`parameters`",
            "[env.dev]",
        ],
    );
    // Also when the command names everything itself: the file in the folder is read.
    let o = offline(d, &["status", "s"]);
    assert_usage_error(&o, &["streamstack.toml:3", "`stak-name`"]);
    // ... but not by a command that does not use it.
    let out = tempfile::tempdir().unwrap();
    let o = offline(
        d,
        &["synth", "kds-kdf-s3", "--out", out.path().to_str().unwrap()],
    );
    ok(&o);

    std::fs::write(&file, "[env.dev]\npattern = \"kds-kdf-s3\n").unwrap();
    let o = offline(d, &["deploy", "--env", "dev", "--yes"]);
    assert_usage_error(&o, &["streamstack.toml:2"]);

    std::fs::write(&file, "default-env = \"dev\"\n[env.prod]\n[env.test]\n").unwrap();
    let o = offline(d, &["deploy", "--yes"]);
    assert_usage_error(&o, &["default-env `dev`", "allowed: prod, test"]);

    std::fs::write(&file, CONFIG).unwrap();
    let o = offline(d, &["deploy", "--env", "prod", "--yes"]);
    assert_usage_error(&o, &["no environment `prod`", "allowed: dev"]);
    // A parameter value from the file is checked like a flag's, before any call.
    std::fs::write(&file, CONFIG.replace("ShardCount = 3", "ShardCount = 0")).unwrap();
    let o = offline(d, &["deploy", "--env", "dev", "--yes"]);
    assert_usage_error(&o, &["ShardCount", "between 1 and 200"]);
    // `--help` answers whatever the file holds (it showed the file's error before).
    std::fs::write(&file, "[env.dev]\nstak-name = \"x\"\n").unwrap();
    let o = offline(d, &["deploy", "--help"]);
    ok(&o);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(
        help.contains("Usage: streamstack deploy") && help.contains("--stack-name"),
        "issue #22: deploy --help with a broken streamstack.toml does not show the help: {help}{}",
        stderr(&o)
    );
    std::fs::write(&file, CONFIG).unwrap();
    // Without --env nor default-env nothing comes from the file: PATTERN is still required.
    let o = offline(d, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("<PATTERN>"), "{}", stderr(&o));
}

fn completions(shell: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_streamstack"))
        .args(["completions", shell])
        .output()
        .unwrap()
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    use clap::CommandFactory;
    let root = streamstack::cli::Cli::command();
    let names: Vec<&str> = root.get_subcommands().map(|c| c.get_name()).collect();
    assert!(names.len() >= 11, "{names:?}");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = completions(shell);
        ok(&o);
        let script = String::from_utf8_lossy(&o.stdout);
        for name in &names {
            assert!(script.contains(name), "{shell}: `{name}` missing");
        }
        let (env, config) = if shell == "fish" {
            ("-l env", "-l config")
        } else {
            ("--env", "--config")
        };
        assert!(
            script.contains(env) && script.contains(config),
            "{shell}: the global flags"
        );
    }
    // bash accepts the bash script.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("streamstack.bash");
    std::fs::write(&f, completions("bash").stdout).unwrap();
    let o = Command::new("bash").arg("-n").arg(&f).output().unwrap();
    ok(&o);

    let o = completions("tcsh");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bash, zsh, fish, powershell"),
        "{}",
        stderr(&o)
    );
}
