//! `streamstack diff PATTERN --stack-name NAME`: what a deploy would change on a stack, property
//! by property. The deployed template (GetTemplate) with the stack's parameter values is
//! compared with the new render with the values the deploy would send (the same resolution as
//! `deploy`: given values, the stack's values for the others, defaults for reset ones), `Ref`s to
//! parameters resolved on each side and NoEcho values hidden ([`crate::cfn::template_diff`]).
//! Which changes replace a resource comes from a change set, created like `deploy --plan` does
//! (the assets the new template names are uploaded first, as for `--plan`) and deleted again:
//! each resource's `Replacement` and its details' `Target.Name` / `RequiresRecreation`.
//!
//! Exit codes: 0 (also when something changes, unless `--exit-code`), 1 on an error, 2 for bad
//! input, and [`crate::error::CHANGES_EXIT_CODE`] (3) with `--exit-code` when something changes.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use clap::Args;

use super::{params, producer_network, stage_template, DeployArgs, Plan, TargetArgs};
use crate::cfn::change_set::{self, ChangeSetRequest, ParameterValue, Prepared};
use crate::cfn::template_diff::{self, ResourceDiff, Side};
use crate::cfn::{stack, Client, Polling};
use crate::error::{ChangesFound, UsageError};
use crate::output::{OutputArgs, OutputMode, Printer};

/// Arguments of `streamstack diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The pattern, stack, parameters, assets and profile, as `deploy` takes them.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Exit with code 3 when something would change (as `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
    /// `--output text|json`.
    #[command(flatten)]
    pub output: OutputArgs,
}

impl DiffArgs {
    /// The `deploy --plan` these arguments describe.
    pub fn deploy_args(&self) -> DeployArgs {
        DeployArgs {
            target: self.target.clone(),
            tags: vec![],
            plan: true,
            yes: false,
            replace_failed: false,
            termination_protection: false,
            start: false,
            settle: 0,
            on_failure: None,
            disable_rollback: false,
            role_arn: None,
            notification_arns: vec![],
            outputs_file: None,
            output: self.output,
        }
    }
}

/// Runs `streamstack diff`.
pub fn run(args: &DiffArgs) -> anyhow::Result<()> {
    let deploy_args = args.deploy_args();
    let plan = super::prepare(&deploy_args)?;
    let out = Printer::new(args.output.output);
    crate::aws::runtime()?.block_on(async {
        let config = crate::aws::sdk_config(&args.target.aws).await?;
        diff(args, plan, &config, &Polling::default(), &out).await
    })
}

/// Compares the stack with the prepared plan and prints the difference; with `--exit-code`,
/// fails with [`ChangesFound`] when something would change.
pub async fn diff(
    args: &DiffArgs,
    plan: Plan,
    config: &SdkConfig,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    let resources = compare(args, plan, config, polling, out)
        .await
        .map_err(|e| crate::aws::name_profile(e, &args.target.aws))?;
    print(&args.target.stack_name, &resources, out);
    if args.exit_code && !resources.is_empty() {
        return Err(ChangesFound(resources.len()).into());
    }
    Ok(())
}

async fn compare(
    args: &DiffArgs,
    mut plan: Plan,
    config: &SdkConfig,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<Vec<ResourceDiff>> {
    let cfn = Client::new(config);
    let name = args.target.stack_name.as_str();
    let Some(state) = stack::describe_stack(&cfn, name).await? else {
        return Err(UsageError(format!(
            "stack `{name}` does not exist; `streamstack deploy {} --stack-name {name} --plan` shows what a create would add",
            match (&args.target.pattern, &args.target.pattern_file) {
                (Some(pattern), _) => pattern.clone(),
                (None, Some(file)) => format!("--pattern-file {}", file.display()),
                (None, None) => "PATTERN".to_string(),
            }
        ))
        .into());
    };
    if !crate::cfn::events::is_terminal(&state.status) {
        anyhow::bail!(
            "stack `{name}` is busy ({}): follow it with `streamstack watch {name}`, then diff again",
            state.status
        );
    }
    let deployed = stack::template(&cfn, name).await?;
    if plan.producer_network {
        producer_network::complete(config, &mut plan.parameters, &state.parameters, out).await?;
    }
    let deploy_args = args.deploy_args();
    let staged = stage_template(config, &deploy_args, &plan, out).await?;
    let resolved = params::resolve(
        &staged.parameters,
        Some(&state.parameters),
        &plan.template,
        &plan.reset,
    );
    let old_values: BTreeMap<String, String> = state.parameters.iter().cloned().collect();
    let new_values: BTreeMap<String, String> = resolved
        .iter()
        .filter_map(|(k, v)| match v {
            ParameterValue::Value(v) => Some((k.clone(), v.clone())),
            ParameterValue::Previous => old_values.get(k).map(|v| (k.clone(), v.clone())),
        })
        .collect();
    let mut resources = template_diff::diff(
        Side {
            template: &deployed,
            parameters: &old_values,
        },
        Side {
            template: &plan.template,
            parameters: &new_values,
        },
    );
    let request = ChangeSetRequest {
        stack_name: name.to_string(),
        create: false,
        template_body: staged.template_body,
        template_url: staged.template_url,
        parameters: resolved,
        tags: vec![],
        capabilities: change_set::capabilities_for(&plan.template),
        role_arn: None,
        notification_arns: vec![],
    };
    if let Prepared::Ready {
        name: cs_name,
        changes,
    } = change_set::create(&cfn, &request, polling).await?
    {
        change_set::delete(&cfn, name, &cs_name).await;
        for c in &changes {
            match resources.iter_mut().find(|r| r.logical_id == c.logical_id) {
                Some(r) => template_diff::mark_replacements(r, &c.replacement, &c.details),
                // A change CloudFormation sees that the templates do not show (e.g. a dynamic
                // reference): listed without properties.
                None => resources.push(ResourceDiff {
                    action: c.action.clone(),
                    logical_id: c.logical_id.clone(),
                    resource_type: c.resource_type.clone(),
                    replacement: c.replacement.clone(),
                    properties: vec![],
                }),
            }
        }
    }
    Ok(resources)
}

/// The difference: a header, one line per resource (`+` add, `~` modify, `-` remove) and one
/// per property with `old -> new` and whether it replaces the resource; JSON lines with
/// `--output json` (one `resource` line each, then a `result`).
pub fn print(stack: &str, resources: &[ResourceDiff], out: &Printer) {
    match out.mode() {
        OutputMode::Text => {
            if resources.is_empty() {
                out.out(&format!("stack {stack}: no changes"));
                return;
            }
            out.out(&format!(
                "stack {stack}: {} resource(s) would change",
                resources.len()
            ));
            for r in resources {
                let sign = match r.action.as_str() {
                    "Add" => "+",
                    "Remove" => "-",
                    _ => "~",
                };
                let replacement = match r.replacement.as_str() {
                    "True" => "  (replaced)",
                    "Conditional" => "  (may be replaced)",
                    _ => "",
                };
                out.out(&format!(
                    "{sign} {} {} ({}){replacement}",
                    r.action, r.logical_id, r.resource_type
                ));
                for p in &r.properties {
                    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
                    let replaces = match p.replaces.as_deref() {
                        Some("Always") => "  [replaces]",
                        Some(_) => "  [may replace]",
                        None => "",
                    };
                    out.out(&format!(
                        "    {}: {} -> {}{replaces}",
                        p.path,
                        show(&p.old),
                        show(&p.new)
                    ));
                }
            }
        }
        OutputMode::Json => {
            for r in resources {
                out.out(&serde_json::json!({"type": "resource", "resource": r}).to_string());
            }
            out.out(
                &serde_json::json!({"type": "result", "stack": stack, "changes": resources.len()})
                    .to_string(),
            );
        }
    }
}
