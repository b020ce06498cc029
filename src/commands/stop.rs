//! `streamstack stop STACK`: stop the stack's Flink application and follow it to `READY` (see
//! [`crate::flink::lifecycle`]).

use aws_config::SdkConfig;
use clap::Args;

use crate::aws::AwsArgs;
use crate::cfn::Polling;
use crate::output::{OutputArgs, Printer};

/// Arguments of `streamstack stop`.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// Stack name (a kpl-kds-kda, kds-kda-apigw or streaming-etl stack).
    pub stack: String,
    /// Stop at once, without a snapshot (for a job that does not stop cleanly).
    #[arg(long)]
    pub force: bool,
    /// `--output text|json`.
    #[command(flatten)]
    pub output: OutputArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Runs `streamstack stop`.
pub fn run(args: &StopArgs) -> anyhow::Result<()> {
    let out = Printer::new(args.output.output);
    super::with_aws(&args.aws, async |config| {
        stop(args, config, &Polling::default(), &out).await
    })
}

/// Stops the application with the clients of `config`. Expired credentials fail with one line
/// naming the profile.
pub async fn stop(
    args: &StopArgs,
    config: &SdkConfig,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    crate::flink::lifecycle::stop(config, &args.stack, args.force, polling, out)
        .await
        .map_err(|e| crate::aws::name_profile(e, &args.aws))
}
