//! streamstack: render, package and deploy four Amazon Kinesis streaming patterns.
//!
//! Where things are:
//! - [`pattern`]: pattern manifests (parameters, conditions, building blocks, outputs), where they
//!   and the fragments are loaded from (embedded, or `--templates DIR`), and `--param` checks;
//! - [`render`]: handlebars fragments merged into one CloudFormation template, checked, and
//!   written as JSON or YAML text;
//! - [`synth`]: the `synth` command (render every requested pattern, write atomically);
//! - [`deploy`], [`upload`], [`destroy`], [`status`]: the deploy commands; [`cfn`]: every
//!   CloudFormation call they make; [`asset_bucket`]: the code assets' upload to S3;
//!   [`output`]: `--output text|json` and printing;
//! - [`start`], [`stop`]: the stack's Flink application; [`flink`]: every Managed Flink call
//!   they (and `deploy --start`, `status`) make, and the application's log;
//! - [`dist`]: build-s3-dist packaging; [`produce`], [`tail`]: the KPL producer and reader.
//!
//! Each layer has its own error type ([`pattern::Error`], [`render::Error`]) that says whether it
//! is a usage error; [`error::exit_code`] maps them to exit codes. `render` uses `pattern`, the
//! commands use both, and only `cli` and `main` use the commands.

pub mod asset_bucket;
pub mod assets;
pub mod aws;
pub mod cfn;
pub mod cli;
pub mod deploy;
pub mod destroy;
pub mod dist;
pub mod error;
pub mod flink;
pub mod fsutil;
pub mod output;
pub mod pattern;
pub mod produce;
pub mod render;
pub mod start;
pub mod status;
pub mod stop;
pub mod synth;
pub mod tail;
pub mod upload;
