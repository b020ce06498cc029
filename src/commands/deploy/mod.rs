//! `streamstack deploy PATTERN --stack-name NAME`: check the inputs ([`prepare`]), then
//! [`deploy`]: resolve the stack, complete the producer's network ([`producer_network`]), stage
//! the template (and the assets, each under its own content-hashed key), decide what each
//! parameter gets (on an update, the stack's value for every one not given: [`params::resolve`]),
//! plan (a change set, see [`crate::cfn::change_set`], shown with the parameters whose value
//! changes), set the stack policy of a CodePipeline parameter file, execute the change set and
//! follow the events, report, and with `--start` start the Flink application
//! ([`crate::flink::lifecycle`]). The CloudFormation calls are in [`crate::cfn`].

pub mod changes_table;
pub mod diff;
pub mod params;
pub mod producer_network;

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::PathBuf;

use aws_config::SdkConfig;
use clap::Args;

use crate::aws::AwsArgs;
use crate::cfn::change_set::{self, Change, ChangeSetRequest, Prepared};
use crate::cfn::stack::{self, StackState};
use crate::cfn::{events, follow, operation, Client, Polling};
use crate::error::UsageError;
use crate::flink::lifecycle::StartRequest;
use crate::output::{OutputArgs, OutputMode, Printer};
use crate::pattern::{parse_override, Manifest};
use crate::render::{render_manifest, RenderOptions};

/// CloudFormation's limit for an inline template body; larger templates go through S3.
pub const TEMPLATE_BODY_LIMIT: usize = 51_200;

/// What `deploy` and `diff` both take: the pattern, the stack, its parameter values, the code
/// assets and the AWS profile. Flattened into both, so the clap ids (the field names, which
/// [`crate::config`] matches the file's keys against) are the same in both commands.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Pattern: apigw-kds-lambda, kpl-kds-kda, kds-kdf-s3, kds-kda-apigw, streaming-etl, or a
    /// user manifest by name (`patterns/NAME.yaml` of the working directory).
    #[arg(
        required_unless_present = "pattern_file",
        conflicts_with = "pattern_file"
    )]
    pub pattern: Option<String>,
    /// A user pattern manifest (same schema as patterns/*.yaml; its file name is its id).
    #[arg(long = "pattern-file", value_name = "FILE")]
    pub pattern_file: Option<PathBuf>,
    /// Stack name.
    #[arg(long)]
    pub stack_name: String,
    /// Parameter value NAME=VALUE (repeatable; wins over --param-file).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// JSON parameter file: {"Name": "value"}, CodePipeline {"Parameters", "Tags", "StackPolicy"}, or [{"ParameterKey", "ParameterValue"}].
    #[arg(long, value_name = "FILE")]
    pub param_file: Option<PathBuf>,
    /// On an update, put parameter NAME back to its template default (repeatable). Without it an
    /// update keeps the value the stack has for every parameter not given (UsePreviousValue).
    #[arg(long = "reset-param", value_name = "NAME")]
    pub reset_params: Vec<String>,
    /// Where the code assets come from and where they are uploaded.
    #[command(flatten)]
    pub assets: crate::asset_bucket::AssetArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// The config file environment's `parameters` and `tags`: the lowest layer, under
    /// `--param-file` and `--param`/`--tag` (filled by [`crate::cli::Cli::parse_with_config`]).
    #[arg(skip)]
    pub config: crate::config::Inputs,
}

/// Arguments of `streamstack deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The pattern, stack, parameters, assets and profile (shared with `diff`).
    #[command(flatten)]
    pub target: TargetArgs,
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
    /// After the deployment, start the Flink application and follow it to RUNNING (kpl-kds-kda,
    /// kds-kda-apigw; a running application that the update restarted is only waited for).
    #[arg(long, conflicts_with = "plan")]
    pub start: bool,
    /// With --start: seconds to watch the job's log for restarts once it is RUNNING.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, requires = "start")]
    pub settle: u64,
    /// What a failed deployment does: `rollback` (the default: back to the last stable state) or
    /// `keep` (rollback disabled: the failed resources stay for inspection; `streamstack
    /// rollback STACK` rolls back later).
    #[arg(long, value_name = "rollback|keep")]
    pub on_failure: Option<String>,
    /// The same as `--on-failure keep`.
    #[arg(long, conflicts_with = "on_failure")]
    pub disable_rollback: bool,
    /// The service role CloudFormation assumes to deploy (an IAM role ARN); without it,
    /// CloudFormation uses your credentials.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// An SNS topic that gets the stack's events (repeatable, at most 5).
    #[arg(long = "notification-arn", value_name = "ARN")]
    pub notification_arns: Vec<String>,
    /// Write the stack outputs to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub outputs_file: Option<PathBuf>,
    /// `--output text|json`.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Everything checked before the first API call: the rendered template, the parameter values
/// and tags, and the code assets to upload.
#[derive(Debug)]
pub struct Plan {
    template: serde_json::Value,
    parameters: BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
    /// `--reset-param` names: left out of an update, so the template default applies.
    reset: BTreeSet<String>,
    /// Stack policy body from a CodePipeline `--param-file`.
    stack_policy: Option<String>,
    assets: Vec<crate::assets::Asset>,
    /// Whether the pattern has the producer instance, whose network `deploy` completes.
    producer_network: bool,
    /// The pattern's id (a user manifest's file name).
    pattern_id: String,
    /// Composition warnings (e.g. several readers sharing the stream), shown before the plan.
    warnings: Vec<String>,
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

/// Whether a failed deployment keeps its failed resources: `--on-failure keep` or
/// `--disable-rollback`; an `--on-failure` value other than `rollback` and `keep` is a usage
/// error. `--disable-rollback` wins over an `on-failure` from the config file (clap refuses it
/// beside an `--on-failure` flag).
pub fn keep_on_failure(args: &DeployArgs) -> Result<bool, UsageError> {
    let keep = match args.on_failure.as_deref() {
        None | Some("rollback") => false,
        Some("keep") => true,
        Some(other) => {
            return Err(UsageError(format!(
                "--on-failure `{other}` is not allowed; allowed: rollback, keep"
            )))
        }
    };
    Ok(keep || args.disable_rollback)
}

/// Checks the `--reset-param` names: parameters of the pattern that have a default, not set by
/// deploy itself nor given a value in the same run.
fn check_resets(
    manifest: &Manifest,
    names: &[String],
    given: &BTreeMap<String, String>,
) -> Result<BTreeSet<String>, UsageError> {
    let mut out = BTreeSet::new();
    for name in names {
        let Some(p) = manifest.parameter(name) else {
            let allowed: Vec<&str> = manifest
                .parameters
                .iter()
                .filter(|p| p.default.is_some())
                .map(|p| p.name.as_str())
                .collect();
            return Err(UsageError(format!(
                "--reset-param: unknown parameter `{name}` for pattern {}; allowed: {}",
                manifest.id,
                allowed.join(", ")
            )));
        };
        if p.default.is_none() {
            return Err(UsageError(format!(
                "--reset-param: parameter `{name}` has no default to go back to; pass --param {name}=VALUE"
            )));
        }
        if given.contains_key(name) {
            return Err(UsageError(format!(
                "parameter `{name}` is both given a value and reset; pass one of --param {name}=VALUE and --reset-param {name}"
            )));
        }
        out.insert(name.clone());
    }
    Ok(out)
}

/// Checks the arguments and renders the pattern, before any AWS call; every failure is a usage
/// error (exit code 2) or a render error.
pub fn prepare(args: &DeployArgs) -> anyhow::Result<Plan> {
    check_stack_name(&args.target.stack_name)?;
    keep_on_failure(args)?;
    if let Some(role) = &args.role_arn {
        crate::cfn::arns::check_role_arn(role)?;
    }
    crate::cfn::arns::check_notification_arns(&args.notification_arns)?;
    crate::asset_bucket::check_prefix(&args.target.assets.prefix)?;
    let manifest = match (&args.target.pattern, &args.target.pattern_file) {
        (_, Some(file)) => Manifest::load_file(file, None)?,
        (Some(name), None) => Manifest::load(name, None)?,
        (None, None) => {
            return Err(
                UsageError("name a pattern, or give --pattern-file FILE".to_string()).into(),
            )
        }
    };
    // Parameters and tags, each layer winning name by name: the config file, --param-file, flags.
    let mut inputs = params::StackInputs {
        parameters: args.target.config.parameters.clone(),
        tags: args.target.config.tags.clone(),
        stack_policy: None,
    };
    if let Some(f) = &args.target.param_file {
        let file = params::read_file(f)?;
        inputs.parameters.extend(file.parameters);
        inputs.tags.extend(file.tags);
        inputs.stack_policy = file.stack_policy;
    }
    for p in &args.target.params {
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
    let reset = check_resets(&manifest, &args.target.reset_params, &inputs.parameters)?;
    if args.start && !manifest.blocks.iter().any(|b| b == "flink-app") {
        return Err(UsageError(format!(
            "--start: pattern {} has no Flink application; allowed with kpl-kds-kda, kds-kda-apigw and streaming-etl",
            manifest.id
        ))
        .into());
    }
    let uses_assets = manifest.parameter("AssetBucket").is_some();
    let producer_network = manifest.parameter(producer_network::VPC).is_some();
    let found_later = [producer_network::VPC, producer_network::SUBNET];
    let missing: Vec<&str> = manifest
        .parameters
        .iter()
        .filter(|p| p.default.is_none() && !inputs.parameters.contains_key(&p.name))
        .filter(|p| !(uses_assets && ["AssetBucket", "AssetPrefix"].contains(&p.name.as_str())))
        .filter(|p| !(producer_network && found_later.contains(&p.name.as_str())))
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
            args.target.stack_name
        ))
        .into());
    }
    let mut rendered = render_manifest(&manifest, &RenderOptions::default())?;
    let assets = if rendered.assets.is_empty() {
        Vec::new()
    } else {
        let assets = crate::asset_bucket::assets_for_manifests(
            std::slice::from_ref(&manifest),
            args.target.assets.assets_dir.as_deref(),
        )?;
        // Each asset is loaded from its own content-hashed key (see
        // `asset_bucket::objects::asset_key`), so the template names each by its hash.
        let opts = RenderOptions {
            asset_names: assets
                .iter()
                .map(|a| (a.name.clone(), a.published_name()))
                .collect(),
            ..RenderOptions::default()
        };
        rendered = render_manifest(&manifest, &opts)?;
        assets
    };
    Ok(Plan {
        template: rendered.template,
        parameters: inputs.parameters,
        tags: inputs.tags,
        reset,
        stack_policy: inputs.stack_policy,
        assets,
        producer_network,
        warnings: rendered.warnings,
        pattern_id: manifest.id,
    })
}

/// Runs `streamstack deploy`.
pub fn run(args: &DeployArgs) -> anyhow::Result<()> {
    let plan = prepare(args)?;
    let out = Printer::new(args.output.output);
    crate::aws::runtime()?.block_on(async {
        let config = crate::aws::sdk_config(&args.target.aws).await?;
        deploy(args, plan, &config, &Polling::default(), &out).await
    })
}

/// Deploys a prepared plan with the clients of `config`: resolve the stack, stage the template,
/// plan, execute and follow, report; with `--start`, start the Flink application of a stack that
/// was deployed or is up to date. Expired credentials fail with one line naming the profile.
pub async fn deploy(
    args: &DeployArgs,
    plan: Plan,
    config: &SdkConfig,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    for w in &plan.warnings {
        out.say(
            "warning",
            &format!("warning: {}: {w}", plan.pattern_id),
            serde_json::json!({"pattern": plan.pattern_id}),
        );
    }
    async {
        let outcome = steps(args, plan, config, polling, out).await?;
        if args.start && outcome != Outcome::NotExecuted {
            let request = StartRequest {
                restore: None,
                wait: true,
                settle: std::time::Duration::from_secs(args.settle),
            };
            crate::flink::lifecycle::start(config, &args.target.stack_name, &request, polling, out)
                .await?;
        }
        Ok(())
    }
    .await
    .map_err(|e| crate::aws::name_profile(e, &args.target.aws))
}

/// How the deployment steps ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The change set was executed and the stack settled in a success status.
    Deployed,
    /// Nothing to change.
    UpToDate,
    /// A plan only, or declined.
    NotExecuted,
}

async fn steps(
    args: &DeployArgs,
    mut plan: Plan,
    config: &SdkConfig,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<Outcome> {
    let cfn = Client::new(config);
    let name = args.target.stack_name.as_str();
    let existing = resolve_stack(&cfn, args, out, polling).await?;
    if plan.producer_network {
        let previous = existing
            .as_ref()
            .map_or(&[][..], |s| s.parameters.as_slice());
        producer_network::complete(config, &mut plan.parameters, previous, out).await?;
    }
    let staged = stage_template(config, args, &plan, out).await?;
    let previous = existing.as_ref().map(|s| s.parameters.as_slice());
    let parameters = params::resolve(&staged.parameters, previous, &plan.template, &plan.reset);
    let param_changes = previous
        .map(|p| params::changes(&parameters, p, &plan.template))
        .unwrap_or_default();
    let request = ChangeSetRequest {
        stack_name: name.to_string(),
        create: existing.is_none(),
        template_body: staged.template_body,
        template_url: staged.template_url,
        parameters,
        tags: crate::pattern::stack_tags(plan.tags, &plan.pattern_id),
        capabilities: change_set::capabilities_for(&plan.template),
        role_arn: args.role_arn.clone(),
        notification_arns: args.notification_arns.clone(),
    };
    let Some((cs_name, changes)) = plan_changes(
        &cfn,
        &request,
        &param_changes,
        &secrets(&plan.template, &plan.parameters),
        polling,
        out,
    )
    .await?
    else {
        if let (Some(policy), false) = (&plan.stack_policy, args.plan) {
            // Nothing to execute, but the stack policy of the file still applies (not on a plan).
            stack::set_policy(&cfn, name, policy).await?;
            out.say(
                "info",
                &format!("stack policy of {name} set from the parameter file"),
                serde_json::json!({"stackPolicy": "SET"}),
            );
        }
        return Ok(Outcome::UpToDate);
    };
    if !approve(&cfn, args, &request, &cs_name, changes.len(), out).await? {
        return Ok(Outcome::NotExecuted);
    }
    // The stack policy of a CodePipeline parameter file. A change set takes no stack policy
    // (CreateChangeSet and ExecuteChangeSet have no StackPolicyBody, unlike CreateStack and
    // UpdateStack), so it is set with SetStackPolicy: on an UPDATE before the change set is
    // executed, so the policy the user gives already guards this update (a stack policy "applies
    // only during stack updates": AWS CloudFormation User Guide, "Prevent updates to stack
    // resources"), and on a CREATE once the stack exists (the new stack has no update to guard
    // before then, and a stack in REVIEW_IN_PROGRESS is not yet created).
    if let (Some(policy), false) = (&plan.stack_policy, request.create) {
        stack::set_policy(&cfn, name, policy).await?;
    }
    let keep = keep_on_failure(args)?;
    let state = execute_and_follow(&cfn, name, &cs_name, keep, polling, out).await?;
    if let (Some(policy), true) = (&plan.stack_policy, request.create) {
        stack::set_policy(&cfn, name, policy).await?;
    }
    if plan.stack_policy.is_some() {
        out.say(
            "info",
            &format!("stack policy of {name} set from the parameter file"),
            serde_json::json!({"stackPolicy": "SET"}),
        );
    }
    report(&cfn, args, &state, out).await?;
    Ok(Outcome::Deployed)
}

/// The stack as it is: `None` when a change set must CREATE it. A stack left in
/// ROLLBACK_COMPLETE is refused, or with `--replace-failed` deleted first; a busy stack is refused.
async fn resolve_stack(
    cfn: &Client,
    args: &DeployArgs,
    out: &Printer,
    polling: &Polling,
) -> anyhow::Result<Option<StackState>> {
    let name = args.target.stack_name.as_str();
    let Some(s) = stack::describe_stack(cfn, name).await? else {
        return Ok(None);
    };
    if s.status == "ROLLBACK_COMPLETE" {
        if !args.replace_failed {
            return Err(UsageError(format!(
                "stack `{name}` is in ROLLBACK_COMPLETE from a failed first create; rerun with --replace-failed to delete and recreate it"
            ))
            .into());
        }
        out.say(
            "info",
            &format!("deleting {name} (ROLLBACK_COMPLETE) before creating it again"),
            serde_json::json!({}),
        );
        let (state, _) =
            follow::delete_and_follow(cfn, name, args.role_arn.as_deref(), polling, |e| {
                events::print(out, e)
            })
            .await?;
        if state.status != "DELETE_COMPLETE" {
            anyhow::bail!("stack `{name}` could not be deleted: {}", state.status);
        }
        return Ok(None);
    }
    if s.status == "REVIEW_IN_PROGRESS" {
        // A stack that only ever had a change set (e.g. a --plan): still a CREATE.
        return Ok(None);
    }
    if !events::is_terminal(&s.status) {
        anyhow::bail!(
            "stack `{name}` is busy ({}): another operation is running; follow it to its end with `streamstack watch {name}`, then deploy again",
            s.status
        );
    }
    Ok(Some(s))
}

/// Where the change set gets its template and parameters from.
struct Staged {
    parameters: Vec<(String, String)>,
    template_body: Option<String>,
    template_url: Option<String>,
}

/// Uploads the assets (and a template over [`TEMPLATE_BODY_LIMIT`]) when needed, and adds the
/// asset bucket and prefix to the parameters.
async fn stage_template(
    config: &SdkConfig,
    args: &DeployArgs,
    plan: &Plan,
    out: &Printer,
) -> anyhow::Result<Staged> {
    let mut parameters: Vec<(String, String)> = plan.parameters.clone().into_iter().collect();
    let needs_bucket = !plan.assets.is_empty();
    let body = crate::render::to_json(&plan.template);
    let mut template_url = None;
    if needs_bucket || body.len() > TEMPLATE_BODY_LIMIT {
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        let (location, report) = crate::asset_bucket::upload(
            config,
            args.target.assets.bucket.as_deref(),
            &args.target.assets.prefix,
            &plan.assets,
        )
        .await?;
        out.say(
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
                args.target.assets.prefix,
                plan.pattern_id,
                &digest[..16]
            );
            let s3 = aws_sdk_s3::Client::new(config);
            crate::asset_bucket::objects::put_if_absent(
                &s3,
                &location.bucket,
                &key,
                body.as_bytes(),
            )
            .await?;
            template_url = Some(format!(
                "https://{}.s3.{region}.{}/{key}",
                location.bucket,
                url_suffix(&region)
            ));
        }
    }
    Ok(Staged {
        parameters,
        template_body: template_url.is_none().then_some(body),
        template_url,
    })
}

/// Creates the change set and shows its changes; `None` when nothing would change.
async fn plan_changes(
    cfn: &Client,
    request: &ChangeSetRequest,
    param_changes: &[params::ParamChange],
    secrets: &[String],
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<Option<(String, Vec<Change>)>> {
    let name = request.stack_name.as_str();
    let (cs_name, changes) = match change_set::create(cfn, request, polling).await? {
        Prepared::NoChanges => {
            out.say(
                "result",
                &format!("stack {name} is up to date: no changes"),
                serde_json::json!({"status": "UP_TO_DATE", "stack": name}),
            );
            return Ok(None);
        }
        Prepared::Ready { name, changes } => (name, changes),
    };
    match out.mode() {
        OutputMode::Text => {
            out.err(&format!(
                "{} stack {name}: {} change(s)",
                if request.create { "create" } else { "update" },
                changes.len()
            ));
            out.err(&changes_table::render(&changes));
            let properties = changes_table::render_properties(&changes, secrets);
            if !properties.is_empty() {
                out.err(&properties);
            }
            if !param_changes.is_empty() {
                out.err(&changes_table::render_parameters(param_changes));
            }
            let broad = changes.iter().filter(|c| c.security).count();
            if broad > 0 {
                out.err(&format!(
                    "! {broad} change(s) add or modify IAM, key, policy or network access resources"
                ));
            }
        }
        OutputMode::Json => {
            for c in &changes {
                out.out(&serde_json::json!({"type": "change", "change": c}).to_string());
            }
            for p in param_changes {
                out.out(&serde_json::json!({"type": "parameter", "parameter": p}).to_string());
            }
        }
    }
    Ok(Some((cs_name, changes)))
}

/// The NoEcho parameter values this run sends (never printed).
fn secrets(template: &serde_json::Value, parameters: &BTreeMap<String, String>) -> Vec<String> {
    parameters
        .iter()
        .filter(|(name, _)| {
            template
                .pointer(&format!("/Parameters/{name}/NoEcho"))
                .is_some_and(|v| v == &serde_json::Value::Bool(true) || v.as_str() == Some("true"))
        })
        .map(|(_, v)| v.clone())
        .collect()
}

/// Whether to execute the change set: not with `--plan`, and without `--yes` only when confirmed.
/// A change set that will not run is deleted (with the empty stack a CREATE made).
async fn approve(
    cfn: &Client,
    args: &DeployArgs,
    request: &ChangeSetRequest,
    cs_name: &str,
    changes: usize,
    out: &Printer,
) -> anyhow::Result<bool> {
    let name = request.stack_name.as_str();
    if args.plan {
        change_set::delete(cfn, name, cs_name).await;
        if request.create {
            // CreateChangeSet made an empty stack in REVIEW_IN_PROGRESS; a plan leaves nothing.
            stack::delete_review_stack(cfn, name).await;
        }
        out.say(
            "result",
            &format!("plan only: change set {cs_name} was not executed"),
            serde_json::json!({"status": "PLANNED", "stack": name, "changes": changes}),
        );
        return Ok(false);
    }
    if !args.yes && !crate::output::confirm(&format!("Execute these changes on stack {name}?"))? {
        change_set::delete(cfn, name, cs_name).await;
        out.say(
            "result",
            "not executed",
            serde_json::json!({"status": "DECLINED"}),
        );
        return Ok(false);
    }
    Ok(true)
}

/// Executes the change set and follows the stack until it settles; on failure prints the root
/// cause and fails.
async fn execute_and_follow(
    cfn: &Client,
    name: &str,
    cs_name: &str,
    keep: bool,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<StackState> {
    let since = events::now_rfc3339();
    change_set::execute(cfn, name, cs_name, keep).await?;
    let state = operation::follow_and_explain(cfn, name, &since, polling, out).await?;
    if events::is_failure(&state.status) {
        if keep {
            out.say(
                "info",
                &format!("rollback disabled: the failed resources stay for inspection; `streamstack rollback {name}` rolls the stack back"),
                serde_json::json!({"rollback": "DISABLED"}),
            );
        }
        anyhow::bail!("deployment of {name} failed: {}", state.status);
    }
    Ok(state)
}

/// After a successful deployment: termination protection, the outputs file, the result.
async fn report(
    cfn: &Client,
    args: &DeployArgs,
    state: &StackState,
    out: &Printer,
) -> anyhow::Result<()> {
    let name = args.target.stack_name.as_str();
    if args.termination_protection && !state.termination_protection {
        stack::enable_termination_protection(cfn, name).await?;
    }
    let outputs: BTreeMap<String, String> = state.outputs.iter().cloned().collect();
    if let Some(f) = &args.outputs_file {
        let text = serde_json::to_string_pretty(&outputs)? + "\n";
        crate::fsutil::write_atomic(f, text.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write outputs file `{}`: {e}", f.display()))?;
    }
    match out.mode() {
        OutputMode::Text => {
            out.err(&format!("stack {name}: {}", state.status));
            if outputs.is_empty() {
                out.out("(no outputs reported)");
            }
            for (k, v) in &outputs {
                out.out(&format!("{k} = {v}"));
            }
        }
        OutputMode::Json => out.out(
            &serde_json::json!({"type": "result", "status": state.status, "stack": name, "outputs": outputs})
                .to_string(),
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
