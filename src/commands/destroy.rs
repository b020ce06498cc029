//! `streamstack destroy STACK`: delete a stack, optionally emptying its buckets (every version)
//! first, follow the deletion and report it.

use std::io::IsTerminal;

use aws_config::SdkConfig;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use clap::Args;

use crate::aws::{describe, AwsArgs, AwsError};
use crate::cfn::{events, follow, root_cause, stack, Client, Polling};
use crate::error::UsageError;
use crate::output::{OutputArgs, OutputMode, Printer};

/// Arguments of `streamstack destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Stack name.
    pub stack: String,
    /// Delete without asking.
    #[arg(long)]
    pub yes: bool,
    /// Empty the stack's S3 buckets (all object versions) before deleting; retained buckets stay, empty.
    #[arg(long)]
    pub empty_buckets: bool,
    /// The service role CloudFormation assumes to delete the stack (an IAM role ARN). DeleteStack
    /// takes no notification topics: the stack's own (`deploy --notification-arn`) get its
    /// deletion events.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// `--output text|json`.
    #[command(flatten)]
    pub output: OutputArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Runs `streamstack destroy`.
pub fn run(args: &DestroyArgs) -> anyhow::Result<()> {
    check(args)?;
    let out = Printer::new(args.output.output);
    super::with_aws(&args.aws, async |config| {
        destroy(args, config, &Polling::default(), &out).await
    })
}

/// Checks the arguments before any call (a bad `--role-arn` is a usage error).
pub fn check(args: &DestroyArgs) -> Result<(), UsageError> {
    args.role_arn
        .as_deref()
        .map_or(Ok(()), crate::cfn::arns::check_role_arn)
}

/// Deletes the stack with the clients of `config`: refused when it does not exist or has
/// termination protection on; optionally empties its buckets first; follows the deletion.
/// Expired credentials fail with one line naming the profile.
pub async fn destroy(
    args: &DestroyArgs,
    config: &SdkConfig,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    delete(args, config, polling, out)
        .await
        .map_err(|e| crate::aws::name_profile(e, &args.aws))
}

async fn delete(
    args: &DestroyArgs,
    config: &SdkConfig,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    check(args)?;
    let name = args.stack.as_str();
    let cfn = Client::new(config);
    let Some(state) = stack::describe_stack(&cfn, name).await? else {
        anyhow::bail!("stack `{name}` does not exist");
    };
    if state.termination_protection {
        anyhow::bail!("stack `{name}` has termination protection on; turn it off first (aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name {name})");
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(UsageError(format!(
                "refusing to delete stack `{name}` without --yes: stdin is not a terminal"
            ))
            .into());
        }
        if !crate::output::confirm(&format!("Delete stack {name} ({})?", state.status))? {
            out.err("not deleted");
            return Ok(());
        }
    }
    if args.empty_buckets {
        let s3 = aws_sdk_s3::Client::new(config);
        for bucket in stack::physical_ids(&cfn, name, "AWS::S3::Bucket").await? {
            let n = empty_bucket(&s3, &bucket, out).await?;
            out.err(&format!(
                "emptied s3://{bucket} ({n} object versions and delete markers)"
            ));
        }
    }
    let (state, evs) =
        follow::delete_and_follow(&cfn, name, args.role_arn.as_deref(), polling, |e| {
            events::print(out, e)
        })
        .await?;
    if events::is_failure(&state.status) {
        for l in root_cause::explain_failure(&cfn, name, &evs, &state).await {
            out.err(&l);
        }
        anyhow::bail!("deletion of {name} failed: {}", state.status);
    }
    match out.mode() {
        OutputMode::Text => out.out(&format!("stack {name}: DELETE_COMPLETE")),
        OutputMode::Json => out.out(
            &serde_json::json!({"type": "result", "status": "DELETE_COMPLETE", "stack": name})
                .to_string(),
        ),
    }
    Ok(())
}

/// Rounds in a row whose DeleteObjects answered per-key errors before emptying a bucket gives up.
pub const MAX_FAILED_ROUNDS: usize = 3;
/// Per-key errors printed per round; the rest are counted.
pub const SHOWN_ERRORS: usize = 5;

/// Deletes every object version and delete marker of `bucket`; returns how many were deleted.
/// DeleteObjects answers some keys with an error (AccessDenied, a bucket policy or Object Lock
/// protecting a version) without failing the call: each is reported on one line (at most
/// [`SHOWN_ERRORS`] a round), and after [`MAX_FAILED_ROUNDS`] rounds in a row with errors (the
/// listing keeps returning the versions that cannot go) it fails naming the bucket and the first
/// error, instead of listing and deleting the same versions forever.
pub async fn empty_bucket(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    out: &Printer,
) -> anyhow::Result<usize> {
    let mut total = 0;
    let mut failed_rounds = 0;
    loop {
        let page = match s3
            .list_object_versions()
            .bucket(bucket)
            .max_keys(1000)
            .send()
            .await
        {
            Ok(p) => p,
            Err(e) => {
                let e = AwsError::new(format!("cannot list s3://{bucket}"), &e);
                if e.is_not_found() {
                    return Ok(total);
                }
                return Err(e.into());
            }
        };
        let mut ids = Vec::new();
        for v in page.versions() {
            ids.push(
                ObjectIdentifier::builder()
                    .set_key(v.key().map(str::to_string))
                    .set_version_id(v.version_id().map(str::to_string))
                    .build()?,
            );
        }
        for m in page.delete_markers() {
            ids.push(
                ObjectIdentifier::builder()
                    .set_key(m.key().map(str::to_string))
                    .set_version_id(m.version_id().map(str::to_string))
                    .build()?,
            );
        }
        if ids.is_empty() {
            return Ok(total);
        }
        let sent = ids.len();
        let answer = s3
            .delete_objects()
            .bucket(bucket)
            .delete(
                Delete::builder()
                    .set_objects(Some(ids))
                    .quiet(true)
                    .build()?,
            )
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot empty s3://{bucket}: {}", describe(&e)))?;
        let errors = answer.errors();
        total += sent.saturating_sub(errors.len());
        if errors.is_empty() {
            failed_rounds = 0;
            continue;
        }
        failed_rounds += 1;
        let line = |e: &aws_sdk_s3::types::Error| {
            format!(
                "s3://{bucket}/{} (version {}): {}: {}",
                e.key().unwrap_or("?"),
                e.version_id().unwrap_or("null"),
                e.code().unwrap_or("?"),
                e.message().unwrap_or("")
            )
        };
        for e in errors.iter().take(SHOWN_ERRORS) {
            out.err(&format!("cannot delete {}", line(e)));
        }
        if errors.len() > SHOWN_ERRORS {
            out.err(&format!(
                "... and {} more object versions of s3://{bucket} not deleted",
                errors.len() - SHOWN_ERRORS
            ));
        }
        if failed_rounds >= MAX_FAILED_ROUNDS {
            anyhow::bail!(
                "cannot empty s3://{bucket}: {} object versions still not deleted after {MAX_FAILED_ROUNDS} rounds; first: {}",
                errors.len(),
                line(&errors[0])
            );
        }
    }
}
