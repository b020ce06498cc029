//! `streamstack produce`: the KPL-compatible producer of the `kinesis-producer` crate (the same
//! code as the `streamstack-producer` binary that runs on the patterns' EC2 instances), to
//! `--stream NAME` or to the stream of `--stack STACK`.

use clap::Args;

use crate::aws::AwsArgs;
use crate::error::UsageError;
use crate::stack_stream::{self, Target};

/// Arguments of `streamstack produce`.
#[derive(Debug, Args)]
// `--stream` is optional here (required by the producer binary): `--stack` can name the stream.
#[command(mut_arg("stream", |a| a.required(false).default_value("").hide_default_value(true)
    .help("Stream name or ARN (or use --stack)")))]
pub struct ProduceCommand {
    /// Send to the stream of this stack (its DataStreamName output) instead of --stream.
    #[arg(long, value_name = "STACK")]
    pub stack: Option<String>,
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
    let target = stack_stream::choose(args.stack.as_deref(), Some(&args.produce.stream))?;
    let mut produce = args.produce.clone();
    if let Target::Stack(s) = &target {
        // Checked with the stack's name in place of the stream's, which only the stack knows.
        produce.stream.clone_from(s);
    }
    produce.validate().map_err(into_anyhow)?;
    crate::aws::runtime()?.block_on(async {
        let config = crate::aws::sdk_config(&args.aws).await?;
        produce.stream = stack_stream::resolve(&config, &target).await?;
        kinesis_producer::cli::run(&produce, aws_sdk_kinesis::Client::new(&config))
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
