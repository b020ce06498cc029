//! `streamstack destroy STACK`: delete a stack, optionally emptying its buckets (every version)
//! first, follow the deletion and report it.

use std::io::IsTerminal;

use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use clap::Args;

use crate::aws::{describe, AwsArgs};
use crate::deploy::events;
use crate::deploy::stack::{self, OutputMode};
use crate::error::UsageError;

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
    /// `text` (default) or `json`.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Runs `streamstack destroy`.
pub fn run(args: &DestroyArgs) -> anyhow::Result<()> {
    crate::aws::runtime()?.block_on(destroy(args))
}

async fn destroy(args: &DestroyArgs) -> anyhow::Result<()> {
    let mode = if args.output == "json" {
        OutputMode::Json
    } else {
        OutputMode::Text
    };
    let name = args.stack.as_str();
    let config = crate::aws::sdk_config(&args.aws).await?;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
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
        if !stack::confirm(&format!("Delete stack {name} ({})?", state.status))? {
            eprintln!("not deleted");
            return Ok(());
        }
    }
    if args.empty_buckets {
        let s3 = aws_sdk_s3::Client::new(&config);
        for bucket in stack::physical_ids(&cfn, name, "AWS::S3::Bucket").await? {
            let n = empty_bucket(&s3, &bucket).await?;
            eprintln!("emptied s3://{bucket} ({n} object versions and delete markers)");
        }
    }
    let (state, evs) = stack::delete_and_follow(&cfn, name, mode).await?;
    if events::is_failure(&state.status) {
        for l in stack::explain_failure(&cfn, name, &evs, &state).await {
            eprintln!("{l}");
        }
        anyhow::bail!("deletion of {name} failed: {}", state.status);
    }
    match mode {
        OutputMode::Text => println!("stack {name}: DELETE_COMPLETE"),
        OutputMode::Json => println!(
            "{}",
            serde_json::json!({"type": "result", "status": "DELETE_COMPLETE", "stack": name})
        ),
    }
    Ok(())
}

/// Deletes every object version and delete marker of `bucket`; returns how many.
pub async fn empty_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> anyhow::Result<usize> {
    let mut total = 0;
    loop {
        let page = match s3
            .list_object_versions()
            .bucket(bucket)
            .max_keys(1000)
            .send()
            .await
        {
            Ok(p) => p,
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => {
                return Ok(total)
            }
            Err(e) => anyhow::bail!("cannot list s3://{bucket}: {}", describe(&e)),
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
        total += ids.len();
        s3.delete_objects()
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
    }
}
