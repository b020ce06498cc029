//! Command-line interface definition (clap derive). Each subcommand's arguments live beside its
//! implementation; this file only wires them together.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::error::UsageError;

/// Render, package and deploy four Amazon Kinesis streaming patterns as CloudFormation stacks.
#[derive(Debug, Parser)]
#[command(name = "streamstack", version, about, long_about = None)]
pub struct Cli {
    /// Config file with named environments (default: ./streamstack.toml, when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The config file's environment ([env.NAME]) whose values are the flags' defaults
    /// (default: the file's `default-env`).
    #[arg(long, global = true, value_name = "NAME")]
    pub env: Option<String>,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// All subcommands of the tool.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render patterns to CloudFormation templates.
    Synth(crate::commands::synth::SynthArgs),
    /// Package templates and code assets in the build-s3-dist layout.
    Dist(crate::commands::dist::DistArgs),
    /// Upload code assets to an S3 asset bucket (content-addressed, skips unchanged objects).
    Upload(crate::commands::upload::UploadArgs),
    /// Deploy a pattern as a stack through a change set.
    Deploy(crate::commands::deploy::DeployArgs),
    /// Show what a deploy would change on a stack, property by property (exit 3 with --exit-code
    /// when something would change).
    Diff(crate::commands::deploy::diff::DiffArgs),
    /// Delete a stack.
    Destroy(crate::commands::destroy::DestroyArgs),
    /// Start a stack's Flink application and follow it to RUNNING.
    Start(crate::commands::start::StartArgs),
    /// Stop a stack's Flink application and follow it to READY.
    Stop(crate::commands::stop::StopArgs),
    /// Show a stack's status, outputs, last events and alarm states.
    Status(crate::commands::status::StatusArgs),
    /// Send records to a Kinesis data stream with KPL aggregation.
    Produce(crate::commands::produce::ProduceCommand),
    /// Read every shard of a stream, de-aggregate and print the records.
    Tail(crate::commands::tail::TailArgs),
    /// List the built-in patterns and the user manifests (patterns/*.yaml of the working directory).
    Patterns(crate::commands::patterns::PatternsArgs),
    /// List the building blocks with what each needs, provides and reads.
    Blocks(crate::commands::blocks::BlocksArgs),
    /// Roll back a stack a failed operation left behind (RollbackStack, ContinueUpdateRollback).
    Rollback(crate::commands::rollback::RollbackArgs),
    /// Follow a stack operation already in progress to its end (events, root cause on failure).
    Watch(crate::commands::watch::WatchArgs),
    /// Show a stack's CloudWatch logs (consumer, Flink, Firehose, API, producer), merged in time order.
    Logs(crate::commands::logs::LogsArgs),
    /// List the streamstack stacks of a region with their pattern, status and Flink application.
    Ls(crate::commands::ls::LsArgs),
    /// Print the shell completion script (bash, zsh, fish, powershell) to stdout.
    Completions(crate::commands::completions::CompletionsArgs),
}

/// Why the command line was not parsed.
#[derive(Debug)]
pub enum ParseError {
    /// clap's own error, or `--help`/`--version`: [`clap::Error::exit`] prints it.
    Clap(clap::Error),
    /// The config file or `--env`: one line, exit code 2.
    Config(UsageError),
}

impl Cli {
    /// Parses `args` (program name first) with the config file's environment as the defaults
    /// (see [`crate::config`]): the file and environment are found first (`--config`, `--env`,
    /// `cwd/streamstack.toml`), its values become the defaults of the matching arguments, then clap
    /// parses, and the environment's parameters and tags go to the commands that take them.
    pub fn parse_with_config(args: Vec<OsString>, cwd: &Path) -> Result<Cli, ParseError> {
        let root = Cli::command();
        let selection = crate::config::scan(args.get(1..).unwrap_or_default());
        let env = match crate::config::load(&selection, cwd, &root) {
            Ok(env) => env,
            // `--help` and `--version` answer whatever the file holds.
            Err(e) => {
                return Err(match root.try_get_matches_from(&args) {
                    Err(c) if is_help_or_version(&c) => ParseError::Clap(c),
                    _ => ParseError::Config(e),
                })
            }
        };
        let root = match &env {
            Some(env) => crate::config::apply(root, env),
            None => root,
        };
        let matches = root.try_get_matches_from(args).map_err(ParseError::Clap)?;
        let mut cli = Cli::from_arg_matches(&matches)
            .map_err(|e| ParseError::Clap(e.format(&mut Cli::command())))?;
        if let Some(env) = &env {
            // The commands that take --param/--tag (one arm each).
            match &mut cli.command {
                Command::Deploy(a) => a.target.config = env.inputs(),
                Command::Diff(a) => a.target.config = env.inputs(),
                _ => {}
            }
        }
        Ok(cli)
    }
}

/// Whether clap's "error" is the help or version text that was asked for.
fn is_help_or_version(e: &clap::Error) -> bool {
    use clap::error::ErrorKind;
    matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    )
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    fn parse_in(dir: &std::path::Path, args: &[&str]) -> Result<super::Cli, super::ParseError> {
        let mut v = vec!["streamstack".into()];
        v.extend(args.iter().map(std::ffi::OsString::from));
        super::Cli::parse_with_config(v, dir)
    }

    #[test]
    fn help_and_version_answer_with_a_broken_config_file() {
        use clap::error::ErrorKind;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(crate::config::FILE_NAME),
            "[env.dev]\nstak-name = \"x\"\n",
        )
        .unwrap();
        for (args, kind) in [
            (&["deploy", "--help"][..], ErrorKind::DisplayHelp),
            (&["deploy", "-h"][..], ErrorKind::DisplayHelp),
            (
                &["--env", "dev", "status", "--help"][..],
                ErrorKind::DisplayHelp,
            ),
            (
                &["--env", "dev", "--version"][..],
                ErrorKind::DisplayVersion,
            ),
        ] {
            match parse_in(dir.path(), args) {
                Err(super::ParseError::Clap(e)) => assert_eq!(e.kind(), kind, "{args:?}"),
                Err(super::ParseError::Config(e)) => {
                    panic!("{args:?}: the help is hidden behind the config file's error: {e}")
                }
                Ok(cli) => panic!("{args:?}: {cli:?}"),
            }
        }
        // Without --help the file's error is the answer.
        assert!(matches!(
            parse_in(dir.path(), &["deploy", "kds-kdf-s3", "--stack-name", "s"]),
            Err(super::ParseError::Config(_))
        ));
    }

    /// The keys of issue #22's deploy/destroy flags (`role-arn`, `notification-arn`, a list, and
    /// `on-failure`) reach every command that has the flag; a flag given wins.
    #[test]
    fn role_notification_and_on_failure_keys_reach_deploy_destroy_and_rollback() {
        use super::Command;
        let dir = tempfile::tempdir().unwrap();
        let role = "arn:aws:iam::123456789012:role/cfn-deployer";
        let topic = |n: u8| format!("arn:aws:sns:us-east-1:123456789012:t{n}");
        std::fs::write(
            dir.path().join(crate::config::FILE_NAME),
            format!(
                "default-env = \"e\"\n[env.e]\nrole-arn = \"{role}\"\nnotification-arn = [\"{}\", \"{}\"]\non-failure = \"keep\"\n",
                topic(1),
                topic(2)
            ),
        )
        .unwrap();
        let deploy = |args: &[&str]| match parse_in(
            dir.path(),
            &[&["deploy", "kds-kdf-s3", "--stack-name", "s"], args].concat(),
        ) {
            Ok(super::Cli {
                command: Command::Deploy(d),
                ..
            }) => d,
            other => panic!("{other:?}"),
        };
        let d = deploy(&[]);
        assert_eq!(d.role_arn.as_deref(), Some(role));
        assert_eq!(d.notification_arns, [topic(1), topic(2)]);
        assert_eq!(d.on_failure.as_deref(), Some("keep"));
        assert!(crate::commands::deploy::keep_on_failure(&d).unwrap());
        // Flags win: a list given replaces the file's list.
        let d = deploy(&["--notification-arn", &topic(3), "--on-failure", "rollback"]);
        assert_eq!(d.notification_arns, [topic(3)]);
        assert!(!crate::commands::deploy::keep_on_failure(&d).unwrap());
        // `--disable-rollback` is not refused as a conflict with the file's `on-failure`, and wins.
        std::fs::write(
            dir.path().join(crate::config::FILE_NAME),
            "[env.e]\non-failure = \"rollback\"\n",
        )
        .unwrap();
        let d = deploy(&["--env", "e", "--disable-rollback"]);
        assert!(crate::commands::deploy::keep_on_failure(&d).unwrap());
        std::fs::write(
            dir.path().join(crate::config::FILE_NAME),
            format!("default-env = \"e\"\n[env.e]\nrole-arn = \"{role}\"\n"),
        )
        .unwrap();
        match parse_in(dir.path(), &["destroy", "s"]).map(|c| c.command) {
            Ok(Command::Destroy(a)) => assert_eq!(a.role_arn.as_deref(), Some(role)),
            other => panic!("{other:?}"),
        }
        match parse_in(dir.path(), &["rollback", "s"]).map(|c| c.command) {
            Ok(Command::Rollback(a)) => assert_eq!(a.role_arn.as_deref(), Some(role)),
            other => panic!("{other:?}"),
        }
    }

    /// Every key of the config file reaches the real commands' arguments: a renamed field would
    /// otherwise silently stop taking the file's value.
    #[test]
    fn the_config_file_reaches_the_real_commands() {
        use super::{Cli, Command};
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(crate::config::FILE_NAME),
            r#"
[env.e]
stack-name = "s1"
pattern = "kds-kdf-s3"
region = "r1"
profile = "p1"
bucket = "b1"
prefix = "x/"
assets-dir = "a"
param-file = "p.json"
parameters = { ShardCount = 2 }
tags = { team = "t" }
"#,
        )
        .unwrap();
        let parse = |args: &[&str]| {
            let mut v = vec!["streamstack".into()];
            v.extend(args.iter().map(std::ffi::OsString::from));
            Cli::parse_with_config(v, dir.path()).unwrap()
        };
        // deploy and diff share their target arguments (pattern, stack, parameters, assets, aws).
        let target = |args: &[&str]| match parse(args).command {
            Command::Deploy(a) => a.target,
            Command::Diff(a) => a.target,
            other => panic!("{other:?}"),
        };
        for cmd in ["deploy", "diff"] {
            let d = target(&[cmd, "--env", "e"]);
            assert_eq!(
                (d.pattern.as_deref(), d.stack_name.as_str()),
                (Some("kds-kdf-s3"), "s1"),
                "{cmd}"
            );
            assert_eq!(
                (d.aws.region.as_deref(), d.aws.profile.as_deref()),
                (Some("r1"), Some("p1")),
                "{cmd}"
            );
            assert_eq!(
                (d.assets.bucket.as_deref(), d.assets.prefix.as_str()),
                (Some("b1"), "x/"),
                "{cmd}"
            );
            assert_eq!(d.assets.assets_dir, Some(dir.path().join("a")), "{cmd}");
            assert_eq!(d.param_file, Some(dir.path().join("p.json")), "{cmd}");
            assert_eq!(d.config.parameters["ShardCount"], "2", "{cmd}");
            assert_eq!(d.config.tags["team"], "t", "{cmd}");
            // Flags win.
            let d = target(&["--env", "e", cmd, "other", "--region", "r2"]);
            assert_eq!(
                (d.pattern.as_deref(), d.aws.region.as_deref()),
                (Some("other"), Some("r2")),
                "{cmd}"
            );
        }
        let stack = |args: &[&str]| match parse(args).command {
            Command::Destroy(a) => (a.stack, a.aws.region),
            Command::Status(a) => (a.stack, a.aws.region),
            Command::Start(a) => (a.stack, a.aws.region),
            Command::Stop(a) => (a.stack, a.aws.region),
            other => panic!("{other:?}"),
        };
        for cmd in ["destroy", "status", "start", "stop"] {
            assert_eq!(
                stack(&[cmd, "--env", "e"]),
                ("s1".into(), Some("r1".into())),
                "{cmd}"
            );
        }
        let Command::Upload(u) = parse(&["upload", "--env", "e"]).command else {
            panic!("upload")
        };
        assert_eq!(
            (u.patterns, u.assets.bucket),
            (vec!["kds-kdf-s3".to_string()], Some("b1".into()))
        );
        let Command::Tail(t) = parse(&["tail", "--stream", "x", "--env", "e"]).command else {
            panic!("tail")
        };
        assert_eq!(t.aws.profile.as_deref(), Some("p1"));
        let Command::Produce(p) = parse(&["produce", "--stream", "x", "--env", "e"]).command else {
            panic!("produce")
        };
        assert_eq!(p.aws.region.as_deref(), Some("r1"));
    }
}
