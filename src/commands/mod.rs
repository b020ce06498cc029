//! The commands: one module per subcommand, each with its clap arguments beside its
//! implementation. Commands use the libraries (`pattern`, `render`, `cfn`, `flink`,
//! `asset_bucket`, `aws`, `poll`, `output` ...) and never each other; only [`crate::cli`] and
//! `main` see every command.

pub mod blocks;
pub mod completions;
pub mod deploy;
pub mod destroy;
pub mod dist;
pub mod logs;
pub mod ls;
pub mod patterns;
pub mod produce;
pub mod rollback;
pub mod start;
pub mod status;
pub mod stop;
pub mod synth;
pub mod tail;
pub mod upload;
pub mod watch;

/// Runs `command` on a fresh runtime with the SDK configuration of `--profile`/`--region`: the
/// `run` of every command that calls AWS.
pub fn with_aws(
    aws: &crate::aws::AwsArgs,
    command: impl AsyncFnOnce(&aws_config::SdkConfig) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    crate::aws::runtime()?.block_on(async {
        let config = crate::aws::sdk_config(aws).await?;
        command(&config).await
    })
}
