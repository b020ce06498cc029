//! streamstack: render, package and deploy Amazon Kinesis streaming patterns.
//!
//! Where things are:
//! - [`commands`]: one module per subcommand (`synth`, `dist`, `upload`, `deploy` with `diff`,
//!   `destroy`, `rollback`, `watch`, `status`, `start`, `stop`, `produce`, `tail`, `logs`, `ls`,
//!   `patterns`, `blocks`); [`cli`] wires them together;
//! - [`pattern`]: pattern manifests (parameters, conditions, building blocks, outputs), built-in
//!   or the user's, where they and the fragments are loaded from (embedded, or `--templates DIR`),
//!   `--param` checks, and [`pattern::compose`]: what each block needs, provides and reads, and
//!   the checks of a manifest's blocks;
//! - [`render`]: handlebars fragments merged into one CloudFormation template, checked, and
//!   written as JSON or YAML text;
//! - [`cfn`]: every CloudFormation call (change sets, stacks, events, following an operation,
//!   root cause); [`flink`]: every Managed Flink call, the application lifecycle (start, stop,
//!   follow, settle) and its log; [`asset_bucket`]: the code assets' upload to S3;
//! - [`aws`]: SDK configuration and [`aws::AwsError`], an AWS error kept as data (context, code,
//!   message; `is_throttling()`, `is_not_found()` ...); [`poll`]: the one poll-with-backoff
//!   helper every wait uses; [`output`]: `--output text|json` and printing;
//! - [`logs`]: a stack's log groups, read with FilterLogEvents and merged in time order (for
//!   `logs`); [`shard_reader`]: one shard's paced GetRecords loop (for `tail`);
//!   [`stack_stream`]: `--stack` to the stack's stream (for `produce` and `tail`).
//!
//! Each layer has its own error type ([`pattern::Error`], [`render::Error`], [`aws::AwsError`])
//! and [`error::exit_code`] maps them to exit codes. `render` uses `pattern`, the commands use the
//! libraries, and only `cli` and `main` use the commands; no library imports a command.

pub mod asset_bucket;
pub mod assets;
pub mod aws;
pub mod cfn;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod flink;
pub mod fsutil;
pub mod logs;
pub mod output;
pub mod pattern;
pub mod poll;
pub mod render;
pub mod shard_reader;
pub mod stack_stream;
