//! `streamstack watch STACK`: follow a stack operation already in progress (a deploy left after
//! Ctrl-C, one started by CI or the console, a rollback) to its end, with the live view of
//! `deploy` (the operation's events from its start, then each new one) and, when it fails, the
//! root cause.

use aws_config::SdkConfig;
use clap::Args;

use crate::aws::AwsArgs;
use crate::cfn::{events, operation, stack, Client, Polling};
use crate::output::{OutputArgs, Printer};

/// Arguments of `streamstack watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Stack name.
    pub stack: String,
    /// `--output text|json`.
    #[command(flatten)]
    pub output: OutputArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Runs `streamstack watch`.
pub fn run(args: &WatchArgs) -> anyhow::Result<()> {
    let out = Printer::new(args.output.output);
    super::with_aws(&args.aws, async |config| {
        watch(args, config, &Polling::default(), &out).await
    })
}

/// Follows the operation in progress on the stack to its end: exit 0 when it succeeds (or
/// when nothing is in progress: the stack's status is said), 1 when it fails (after the root
/// cause). Expired credentials fail with one line naming the profile.
pub async fn watch(
    args: &WatchArgs,
    config: &SdkConfig,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    let cfn = Client::new(config);
    follow_operation(&cfn, &args.stack, polling, out)
        .await
        .map_err(|e| crate::aws::name_profile(e, &args.aws))
}

/// Follows the operation in progress on stack `name` (see [`watch`]).
pub async fn follow_operation(
    cfn: &Client,
    name: &str,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    let Some(state) = stack::describe_stack(cfn, name).await? else {
        anyhow::bail!("stack `{name}` does not exist");
    };
    if events::is_terminal(&state.status) {
        out.say(
            "result",
            &format!("stack {name}: {} (no operation in progress)", state.status),
            serde_json::json!({"status": state.status, "stack": name, "inProgress": false}),
        );
        return Ok(());
    }
    let recent = events::stack_events(cfn, name, 500).await?;
    // From the operation's first event, so its earlier events are shown and count for the root
    // cause; a stack whose start is not among its recent events is followed from now.
    let since = events::operation_start(&recent, name)
        .map(|e| e.timestamp.clone())
        .unwrap_or_else(events::now_rfc3339);
    out.say(
        "info",
        &format!("following {name} ({}) from {since}", state.status),
        serde_json::json!({}),
    );
    let state = operation::follow_and_explain(cfn, name, &since, polling, out).await?;
    if events::is_failure(&state.status) {
        anyhow::bail!("operation on {name} failed: {}", state.status);
    }
    operation::print_result(out, name, &state.status);
    Ok(())
}
