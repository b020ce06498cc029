//! `streamstack start STACK`: start the stack's Flink application and follow it to `RUNNING`
//! (see [`crate::flink::lifecycle`]); a failed start prints its root cause.

use std::time::Duration;

use aws_config::SdkConfig;
use clap::Args;

use crate::aws::AwsArgs;
use crate::cfn::Polling;
use crate::error::UsageError;
use crate::flink::lifecycle::{self, StartRequest};
use crate::output::{OutputArgs, Printer};

/// Arguments of `streamstack start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// Stack name (a kpl-kds-kda, kds-kda-apigw or streaming-etl stack).
    pub stack: String,
    /// State to restore: `latest` (the default when snapshots are on), `none`, or a snapshot name.
    #[arg(long, value_name = "latest|none|SNAPSHOT")]
    pub restore: Option<String>,
    /// Return once the start is asked for, without following it to RUNNING.
    #[arg(long)]
    pub no_wait: bool,
    /// Seconds to watch the job's log for restarts once it is RUNNING.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub settle: u64,
    /// `--output text|json`.
    #[command(flatten)]
    pub output: OutputArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// The checked start request of `args` (an empty `--restore` is a usage error).
pub fn request(args: &StartArgs) -> anyhow::Result<StartRequest> {
    if args.restore.as_deref().is_some_and(|r| r.trim().is_empty()) {
        return Err(UsageError(
            "--restore needs a value; allowed: latest, none, or a snapshot name".into(),
        )
        .into());
    }
    Ok(StartRequest {
        restore: args.restore.clone(),
        wait: !args.no_wait,
        settle: Duration::from_secs(args.settle),
    })
}

/// Runs `streamstack start`.
pub fn run(args: &StartArgs) -> anyhow::Result<()> {
    let request = request(args)?;
    let out = Printer::new(args.output.output);
    super::with_aws(&args.aws, async |config| {
        start(args, &request, config, &Polling::default(), &out).await
    })
}

/// Starts the application with the clients of `config`. Expired credentials fail with one
/// line naming the profile.
pub async fn start(
    args: &StartArgs,
    request: &StartRequest,
    config: &SdkConfig,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    lifecycle::start(config, &args.stack, request, polling, out)
        .await
        .map_err(|e| crate::aws::name_profile(e, &args.aws))
}
