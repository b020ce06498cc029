//! `streamstack rollback STACK`: roll back a stack a failed operation left behind, and follow the
//! rollback live like a deploy. A stack in CREATE_FAILED or UPDATE_FAILED (a deploy with
//! `--on-failure keep`) goes back to its last stable state (RollbackStack); a stack in
//! UPDATE_ROLLBACK_FAILED has its rollback continued (ContinueUpdateRollback), skipping the
//! resources named with `--skip` (which CloudFormation marks rolled back without touching them).

use aws_config::SdkConfig;
use clap::Args;

use crate::aws::AwsArgs;
use crate::cfn::{events, operation, stack, Client, Polling};
use crate::error::UsageError;
use crate::output::{OutputArgs, Printer};

/// Arguments of `streamstack rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Stack name.
    pub stack: String,
    /// For a stack in UPDATE_ROLLBACK_FAILED: a resource that cannot be rolled back, to skip
    /// (logical id; `NestedStack.Resource` in a nested stack; repeatable).
    #[arg(long = "skip", value_name = "RESOURCE")]
    pub skip: Vec<String>,
    /// The service role CloudFormation assumes for the rollback (an IAM role ARN).
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// `--output text|json`.
    #[command(flatten)]
    pub output: OutputArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Checks the arguments before any call: `--skip` logical ids and `--role-arn`.
pub fn check(args: &RollbackArgs) -> Result<(), UsageError> {
    for id in &args.skip {
        let ok = !id.is_empty()
            && id.len() <= 255
            && id
                .split('.')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
        if !ok {
            return Err(UsageError(format!(
                "--skip `{id}` is not a logical resource id; allowed: letters and digits, NestedStack.Resource for a nested stack's resource"
            )));
        }
    }
    args.role_arn
        .as_deref()
        .map_or(Ok(()), crate::cfn::arns::check_role_arn)
}

/// Runs `streamstack rollback`.
pub fn run(args: &RollbackArgs) -> anyhow::Result<()> {
    check(args)?;
    let out = Printer::new(args.output.output);
    super::with_aws(&args.aws, async |config| {
        rollback(args, config, &Polling::default(), &out).await
    })
}

/// Rolls the stack back and follows it: exit 0 when the rollback completes, 1 when it fails
/// (after the root cause), 2 when the stack is in no state to roll back or `--skip` is given for
/// a stack that is not in UPDATE_ROLLBACK_FAILED. Expired credentials fail with one line naming
/// the profile.
pub async fn rollback(
    args: &RollbackArgs,
    config: &SdkConfig,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    check(args)?;
    let cfn = Client::new(config);
    roll_back(&cfn, args, polling, out)
        .await
        .map_err(|e| crate::aws::name_profile(e, &args.aws))
}

async fn roll_back(
    cfn: &Client,
    args: &RollbackArgs,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    let name = args.stack.as_str();
    let role = args.role_arn.as_deref();
    let Some(state) = stack::describe_stack(cfn, name).await? else {
        anyhow::bail!("stack `{name}` does not exist");
    };
    if !events::is_terminal(&state.status) {
        anyhow::bail!(
            "stack `{name}` is busy ({}): follow it with `streamstack watch {name}`",
            state.status
        );
    }
    let since = events::now_rfc3339();
    match state.status.as_str() {
        "UPDATE_ROLLBACK_FAILED" => {
            stack::continue_update_rollback(cfn, name, &args.skip, role).await?;
            let skipped = if args.skip.is_empty() {
                String::new()
            } else {
                format!(", skipping {}", args.skip.join(", "))
            };
            out.say(
                "info",
                &format!("continuing the rollback of {name}{skipped}"),
                serde_json::json!({"skipped": args.skip}),
            );
        }
        "CREATE_FAILED" | "UPDATE_FAILED" if args.skip.is_empty() => {
            stack::rollback(cfn, name, role).await?;
            out.say(
                "info",
                &format!("rolling {name} back from {}", state.status),
                serde_json::json!({}),
            );
        }
        status if !args.skip.is_empty() => {
            return Err(UsageError(format!(
                "--skip is only for a stack in UPDATE_ROLLBACK_FAILED; stack `{name}` is {status}"
            ))
            .into());
        }
        status => {
            return Err(UsageError(format!(
                "stack `{name}` is {status}: nothing to roll back; allowed: CREATE_FAILED, UPDATE_FAILED (RollbackStack), UPDATE_ROLLBACK_FAILED (ContinueUpdateRollback, --skip)"
            ))
            .into());
        }
    }
    // A rollback succeeds in ROLLBACK_COMPLETE or UPDATE_ROLLBACK_COMPLETE (or DELETE_COMPLETE:
    // RollbackStack deletes a stack that never had a stable state); it fails in *_FAILED.
    let failed = |status: &str| status.ends_with("_FAILED");
    let state = operation::follow_and_explain_if(cfn, name, &since, polling, out, failed).await?;
    if failed(&state.status) {
        anyhow::bail!("rollback of {name} failed: {}", state.status);
    }
    operation::print_result(out, name, &state.status);
    Ok(())
}
