//! `streamstack produce`: the KPL-compatible producer of the `kinesis-producer` crate (the same
//! code as the `streamstack-producer` binary that runs on the patterns' EC2 instances).

use clap::Args;

use crate::aws::AwsArgs;
use crate::error::UsageError;

/// Arguments of `streamstack produce`.
#[derive(Debug, Args)]
pub struct ProduceCommand {
    /// The stream, the records (generator or file), the rate and when to stop.
    #[command(flatten)]
    pub produce: kinesis_producer::cli::ProduceArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Runs `streamstack produce`.
pub fn run(args: &ProduceCommand) -> anyhow::Result<()> {
    // Bad arguments fail before any AWS configuration is loaded.
    args.produce.validate().map_err(into_anyhow)?;
    crate::aws::runtime()?.block_on(async {
        let config = crate::aws::sdk_config(&args.aws).await?;
        kinesis_producer::cli::run(&args.produce, aws_sdk_kinesis::Client::new(&config))
            .await
            .map(drop)
            .map_err(into_anyhow)
    })
}

fn into_anyhow(e: kinesis_producer::ProduceError) -> anyhow::Error {
    if e.is_usage() {
        UsageError(e.to_string()).into()
    } else {
        e.into()
    }
}
