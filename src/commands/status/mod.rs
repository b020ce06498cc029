//! `streamstack status STACK`: status (and the Flink application's), outputs, the last events and
//! the state of the stack's alarms; with `--watch`, live figures from CloudWatch ([`watch`]).

pub mod watch;

use std::io::IsTerminal;

use aws_config::SdkConfig;
use clap::Args;

use crate::aws::{describe, AwsArgs};
use crate::cfn::{events, stack, Client};
use crate::error::UsageError;
use crate::output::{OutputArgs, OutputMode, Printer};

/// Arguments of `streamstack status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Stack name.
    pub stack: String,
    /// How many recent events to show.
    #[arg(long, default_value_t = 10)]
    pub events: usize,
    /// Watch the stack's throughput, lag and alarms from CloudWatch, refreshed in place (one JSON
    /// object per refresh without a terminal or with `--output json`).
    #[arg(long)]
    pub watch: bool,
    /// Seconds between refreshes of `--watch`.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, requires = "watch")]
    pub period: u64,
    /// Totals of `--watch` since this long ago (e.g. 15m, 2h, 1d; default: since the stack was
    /// created).
    #[arg(long, value_name = "DURATION", requires = "watch")]
    pub since: Option<String>,
    /// Stop `--watch` after N refreshes.
    #[arg(long, value_name = "N", requires = "watch")]
    pub count: Option<u64>,
    /// `--output text|json`.
    #[command(flatten)]
    pub output: OutputArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Runs `streamstack status`.
pub fn run(args: &StatusArgs) -> anyhow::Result<()> {
    let out = Printer::new(args.output.output);
    // Argument errors before any API call.
    watch_options(args)?;
    crate::aws::runtime()?.block_on(async {
        let config = crate::aws::sdk_config(&args.aws).await?;
        status(args, &config, &out).await
    })
}

/// The checked `--watch` options of `args` (`--period 0` and a bad `--since` are usage errors).
pub fn watch_options(args: &StatusArgs) -> anyhow::Result<watch::Options> {
    if args.period == 0 {
        return Err(UsageError("--period must be at least 1 second".into()).into());
    }
    let since_secs = args
        .since
        .as_deref()
        .map(watch::series::parse_duration)
        .transpose()
        .map_err(|e| UsageError(format!("--since: {e}")))?;
    Ok(watch::Options {
        period: args.period,
        since_secs,
        count: args.count,
        json: args.output.output == OutputMode::Json || !std::io::stdout().is_terminal(),
    })
}

/// Shows the stack's status, outputs, last events and alarm states with the clients of `config`
/// (or watches it with `--watch`). Expired credentials fail with one line naming the profile.
pub async fn status(args: &StatusArgs, config: &SdkConfig, out: &Printer) -> anyhow::Result<()> {
    show(args, config, out)
        .await
        .map_err(|e| crate::aws::name_profile(e, &args.aws))
}

async fn show(args: &StatusArgs, config: &SdkConfig, out: &Printer) -> anyhow::Result<()> {
    let name = args.stack.as_str();
    let cfn = Client::new(config);
    let Some(state) = stack::describe_stack(&cfn, name).await? else {
        return Err(UsageError(format!("stack `{name}` does not exist")).into());
    };
    let resources = stack::resources(&cfn, name).await?;
    if args.watch {
        let opts = watch_options(args)?;
        let sources = watch::Sources::from_resources(&resources);
        return watch::run(config, name, &sources, state.created, &opts, out).await;
    }
    let mut recent = events::stack_events(&cfn, name, args.events).await?;
    recent.truncate(args.events);
    recent.reverse();
    let of_type = |t: &str| -> Vec<String> {
        resources
            .iter()
            .filter(|r| r.resource_type == t)
            .map(|r| r.physical_id.clone())
            .collect()
    };
    let alarms = alarm_states(config, &of_type("AWS::CloudWatch::Alarm")).await?;
    let application = match of_type(crate::flink::application::RESOURCE_TYPE).first() {
        Some(app) => Some((app.clone(), application_status(config, app).await)),
        None => None,
    };
    if out.mode() == OutputMode::Json {
        out.out(
            &serde_json::json!({
                "stack": name,
                "status": state.status,
                "reason": state.reason,
                "application": application.as_ref().map(|(n, s)| serde_json::json!({"name": n, "status": s})),
                "outputs": state.outputs.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
                "events": recent,
                "alarms": alarms.iter().map(|(n, s)| serde_json::json!({"name": n, "state": s})).collect::<Vec<_>>(),
            })
            .to_string(),
        );
        return Ok(());
    }
    out.out(&format!("stack   {name}"));
    out.out(&format!(
        "status  {}{}",
        state.status,
        state
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    ));
    if let Some((app, status)) = &application {
        out.out(&format!("flink   {status}  (application {app})"));
    }
    out.out("\noutputs");
    if state.outputs.is_empty() {
        out.out("  (none reported)");
    }
    for (k, v) in &state.outputs {
        out.out(&format!("  {k} = {v}"));
    }
    out.out("\nlast events");
    for e in &recent {
        out.out(&format!("  {}", events::line(e, false)));
    }
    out.out("\nalarms");
    if alarms.is_empty() {
        out.out("  (none reported)");
    }
    for (n, s) in &alarms {
        out.out(&format!("  {s:<17} {n}"));
    }
    Ok(())
}

/// The Flink application's status (`RUNNING`, `READY`, ...), or why it could not be read.
async fn application_status(config: &SdkConfig, name: &str) -> String {
    let client = crate::flink::Client::new(config);
    match crate::flink::application::describe(&client, name).await {
        Ok(app) => app.status,
        Err(e) => format!("unknown ({e:#})"),
    }
}

/// (alarm name, state) for each alarm, in name order.
pub async fn alarm_states(
    config: &aws_config::SdkConfig,
    names: &[String],
) -> anyhow::Result<Vec<(String, String)>> {
    let cw = aws_sdk_cloudwatch::Client::new(config);
    let mut out = Vec::new();
    for chunk in names.chunks(100) {
        let page = cw
            .describe_alarms()
            .set_alarm_names(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot read alarm states: {}", describe(&e)))?;
        out.extend(page.metric_alarms().iter().map(|a| {
            (
                a.alarm_name().unwrap_or("").to_string(),
                a.state_value()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            )
        }));
    }
    out.sort();
    Ok(out)
}
