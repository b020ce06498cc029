//! `streamstack deploy PATTERN --stack-name NAME`: render, upload the assets and the template,
//! create a change set (see [`change_set`]), show the plan, execute it, follow the events, and on
//! failure name the root cause.

pub mod change_set;
pub mod changes_table;
pub mod events;
pub mod params;
pub mod root_cause;
pub mod stack;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use crate::aws::{describe, AwsArgs};
use crate::error::UsageError;
use crate::pattern::{parse_override, Manifest};
use crate::render::{render_manifest, RenderOptions};
use change_set::{ChangeSetRequest, Prepared};
use stack::OutputMode;

/// CloudFormation's limit for an inline template body; larger templates go through S3.
pub const TEMPLATE_BODY_LIMIT: usize = 51_200;

/// Arguments of `streamstack deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Pattern to deploy: apigw-kds-lambda, kpl-kds-kda, kds-kdf-s3, kds-kda-apigw.
    pub pattern: String,
    /// Stack name.
    #[arg(long)]
    pub stack_name: String,
    /// Parameter value NAME=VALUE (repeatable; wins over --param-file).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// JSON parameter file: {"Name": "value"}, CodePipeline {"Parameters", "Tags"}, or [{"ParameterKey", "ParameterValue"}].
    #[arg(long, value_name = "FILE")]
    pub param_file: Option<PathBuf>,
    /// Stack tag KEY=VALUE (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// Show the change set and stop without executing it.
    #[arg(long)]
    pub plan: bool,
    /// Execute without asking.
    #[arg(long)]
    pub yes: bool,
    /// Delete a stack left in ROLLBACK_COMPLETE by a failed first create, then create it again.
    #[arg(long)]
    pub replace_failed: bool,
    /// Turn on termination protection after a successful deployment.
    #[arg(long)]
    pub termination_protection: bool,
    /// Write the stack outputs to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub outputs_file: Option<PathBuf>,
    /// `text` (default) or `json` (JSON lines on stdout, for CI).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
    /// Where the code assets come from and where they are uploaded.
    #[command(flatten)]
    pub assets: crate::upload::AssetArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Everything checked before the first API call.
struct Plan {
    template: serde_json::Value,
    parameters: BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
    assets: Vec<crate::assets::Asset>,
    mode: OutputMode,
}

fn check_stack_name(name: &str) -> Result<(), UsageError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(UsageError(format!(
            "stack name `{name}` is not allowed; allowed: 1-128 letters, digits and hyphens, starting with a letter"
        )))
    }
}

fn prepare(args: &DeployArgs) -> anyhow::Result<Plan> {
    check_stack_name(&args.stack_name)?;
    crate::upload::check_prefix(&args.assets.prefix)?;
    let manifest = Manifest::load(&args.pattern, None)?;
    let mut inputs = match &args.param_file {
        Some(f) => params::read_file(f)?,
        None => params::StackInputs::default(),
    };
    for p in &args.params {
        let (k, v) = parse_override(p)?;
        inputs.parameters.insert(k, v);
    }
    for t in &args.tags {
        let (k, v) = params::parse_pair(t, "--tag")?;
        inputs.tags.insert(k, v);
    }
    for managed in ["AssetBucket", "AssetPrefix"] {
        if inputs.parameters.contains_key(managed) {
            return Err(UsageError(format!(
                "parameter `{managed}` is set by deploy from --bucket/--prefix; do not pass it"
            ))
            .into());
        }
    }
    let overrides: Vec<(String, String)> = inputs.parameters.clone().into_iter().collect();
    manifest.check_overrides(&overrides)?;
    let uses_assets = manifest.parameter("AssetBucket").is_some();
    let missing: Vec<&str> = manifest
        .parameters
        .iter()
        .filter(|p| p.default.is_none() && !inputs.parameters.contains_key(&p.name))
        .filter(|p| !(uses_assets && ["AssetBucket", "AssetPrefix"].contains(&p.name.as_str())))
        .map(|p| p.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(UsageError(format!(
            "pattern {} needs a value for {} (no default); pass --param NAME=VALUE",
            manifest.id,
            missing.join(", ")
        ))
        .into());
    }
    if !args.yes && !args.plan && !std::io::stdin().is_terminal() {
        return Err(UsageError(format!(
            "refusing to deploy `{}` without --yes: stdin is not a terminal, so nobody can confirm the change set (use --yes to execute, or --plan to only show it)",
            args.stack_name
        ))
        .into());
    }
    let rendered = render_manifest(&manifest, &RenderOptions::default())?;
    let ids = [manifest.id.clone()];
    let assets = if rendered.assets.is_empty() {
        Vec::new()
    } else {
        crate::upload::assets_for(&ids, args.assets.assets_dir.as_deref())?
    };
    Ok(Plan {
        template: rendered.template,
        parameters: inputs.parameters,
        tags: inputs.tags,
        assets,
        mode: if args.output == "json" {
            OutputMode::Json
        } else {
            OutputMode::Text
        },
    })
}

fn say(mode: OutputMode, kind: &str, text: &str, extra: serde_json::Value) {
    match mode {
        OutputMode::Text => eprintln!("{text}"),
        OutputMode::Json => {
            let mut v = serde_json::json!({"type": kind, "message": text});
            if let (Some(m), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
                m.extend(e);
            }
            println!("{v}");
        }
    }
}

/// Runs `streamstack deploy`.
pub fn run(args: &DeployArgs) -> anyhow::Result<()> {
    let plan = prepare(args)?;
    crate::aws::runtime()?.block_on(deploy(args, plan))
}

async fn deploy(args: &DeployArgs, plan: Plan) -> anyhow::Result<()> {
    let mode = plan.mode;
    let name = args.stack_name.as_str();
    let config = crate::aws::sdk_config(&args.aws).await?;
    let cfn = aws_sdk_cloudformation::Client::new(&config);

    let mut existing = stack::describe_stack(&cfn, name).await?;
    if let Some(s) = &existing {
        if s.status == "ROLLBACK_COMPLETE" {
            if !args.replace_failed {
                return Err(UsageError(format!(
                    "stack `{name}` is in ROLLBACK_COMPLETE from a failed first create; rerun with --replace-failed to delete and recreate it"
                ))
                .into());
            }
            say(
                mode,
                "info",
                &format!("deleting {name} (ROLLBACK_COMPLETE) before creating it again"),
                serde_json::json!({}),
            );
            let (state, _) = stack::delete_and_follow(&cfn, name, mode).await?;
            if state.status != "DELETE_COMPLETE" {
                anyhow::bail!("stack `{name}` could not be deleted: {}", state.status);
            }
            existing = None;
        } else if s.status == "REVIEW_IN_PROGRESS" {
            // A stack that only ever had a change set (e.g. a --plan): still a CREATE.
            existing = None;
        } else if !events::is_terminal(&s.status) {
            anyhow::bail!(
                "stack `{name}` is busy ({}); wait for it to finish and try again",
                s.status
            );
        }
    }

    let mut parameters: Vec<(String, String)> = plan.parameters.into_iter().collect();
    let needs_bucket = !plan.assets.is_empty();
    let body = crate::render::to_json(&plan.template);
    let mut template_url = None;
    if needs_bucket || body.len() > TEMPLATE_BODY_LIMIT {
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        let (location, report) = crate::upload::upload(
            &config,
            args.assets.bucket.as_deref(),
            &args.assets.prefix,
            &plan.assets,
        )
        .await?;
        say(
            mode,
            "assets",
            &format!(
                "assets: {} uploaded, {} unchanged in s3://{}/{}",
                report.uploaded.len(),
                report.unchanged.len(),
                location.bucket,
                location.prefix
            ),
            serde_json::json!({"uploaded": report.uploaded.len(), "unchanged": report.unchanged.len(), "bucket": location.bucket, "prefix": location.prefix}),
        );
        if needs_bucket {
            parameters.push(("AssetBucket".into(), location.bucket.clone()));
            parameters.push(("AssetPrefix".into(), location.prefix.clone()));
        }
        if body.len() > TEMPLATE_BODY_LIMIT {
            let digest = crate::assets::Asset::new("t", body.clone().into_bytes()).sha256;
            let key = format!(
                "{}templates/{}-{}.json",
                args.assets.prefix,
                args.pattern,
                &digest[..16]
            );
            let s3 = aws_sdk_s3::Client::new(&config);
            crate::upload::objects::put_if_absent(&s3, &location.bucket, &key, body.as_bytes())
                .await?;
            template_url = Some(format!(
                "https://{}.s3.{region}.{}/{key}",
                location.bucket,
                url_suffix(&region)
            ));
        }
    }
    let request = ChangeSetRequest {
        stack_name: name.to_string(),
        create: existing.is_none(),
        template_body: template_url.is_none().then(|| body.clone()),
        template_url,
        parameters,
        tags: plan.tags.into_iter().collect(),
        capabilities: change_set::capabilities_for(&plan.template),
    };
    let prepared = change_set::create(&cfn, &request).await?;
    let (cs_name, changes) = match prepared {
        Prepared::NoChanges => {
            say(
                mode,
                "result",
                &format!("stack {name} is up to date: no changes"),
                serde_json::json!({"status": "UP_TO_DATE", "stack": name}),
            );
            return Ok(());
        }
        Prepared::Ready { name, changes } => (name, changes),
    };
    match mode {
        OutputMode::Text => {
            eprintln!(
                "{} stack {name}: {} change(s)",
                if request.create { "create" } else { "update" },
                changes.len()
            );
            eprintln!("{}", changes_table::render(&changes));
            let broad = changes.iter().filter(|c| c.security).count();
            if broad > 0 {
                eprintln!("! {broad} change(s) add or modify IAM, key, policy or network access resources");
            }
        }
        OutputMode::Json => {
            for c in &changes {
                println!("{}", serde_json::json!({"type": "change", "change": c}));
            }
        }
    }
    if args.plan {
        change_set::delete(&cfn, name, &cs_name).await;
        if request.create {
            // CreateChangeSet made an empty stack in REVIEW_IN_PROGRESS; a plan leaves nothing.
            let _ = cfn.delete_stack().stack_name(name).send().await;
        }
        say(
            mode,
            "result",
            &format!("plan only: change set {cs_name} was not executed"),
            serde_json::json!({"status": "PLANNED", "stack": name, "changes": changes.len()}),
        );
        return Ok(());
    }
    if !args.yes && !stack::confirm(&format!("Execute these changes on stack {name}?"))? {
        change_set::delete(&cfn, name, &cs_name).await;
        say(
            mode,
            "result",
            "not executed",
            serde_json::json!({"status": "DECLINED"}),
        );
        return Ok(());
    }
    let since = stack::now_rfc3339();
    cfn.execute_change_set()
        .stack_name(name)
        .change_set_name(&cs_name)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot execute change set {cs_name}: {}", describe(&e)))?;
    let (state, events) = stack::follow(&cfn, name, &since, mode).await?;
    if events::is_failure(&state.status) {
        let lines = stack::explain_failure(&cfn, name, &events, &state).await;
        match mode {
            OutputMode::Text => lines.iter().for_each(|l| eprintln!("{l}")),
            OutputMode::Json => println!(
                "{}",
                serde_json::json!({"type": "result", "status": state.status, "stack": name, "rootCause": lines})
            ),
        }
        anyhow::bail!("deployment of {name} failed: {}", state.status);
    }
    if args.termination_protection && !state.termination_protection {
        cfn.update_termination_protection()
            .stack_name(name)
            .enable_termination_protection(true)
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "stack {name} deployed, but termination protection could not be turned on: {}",
                    describe(&e)
                )
            })?;
    }
    let outputs: BTreeMap<String, String> = state.outputs.iter().cloned().collect();
    if let Some(f) = &args.outputs_file {
        let text = serde_json::to_string_pretty(&outputs)? + "\n";
        crate::fsutil::write_atomic(f, text.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write outputs file `{}`: {e}", f.display()))?;
    }
    match mode {
        OutputMode::Text => {
            eprintln!("stack {name}: {}", state.status);
            if outputs.is_empty() {
                println!("(no outputs reported)");
            }
            for (k, v) in &outputs {
                println!("{k} = {v}");
            }
        }
        OutputMode::Json => println!(
            "{}",
            serde_json::json!({"type": "result", "status": state.status, "stack": name, "outputs": outputs})
        ),
    }
    Ok(())
}

/// `amazonaws.com`, or `amazonaws.com.cn` in the China regions.
fn url_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names_follow_cloudformation_rules() {
        assert!(check_stack_name("orders-prod-1").is_ok());
        for bad in ["", "1abc", "a_b", "a b", &"a".repeat(129)] {
            assert!(check_stack_name(bad).is_err(), "{bad}");
        }
    }
}
