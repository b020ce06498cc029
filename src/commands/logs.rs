//! `streamstack logs STACK`: the CloudWatch logs of a stack's consumer, Flink application,
//! Firehose delivery stream, APIs and producer, merged in time order with the source in front
//! (the library: [`crate::logs`]).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::Args;

use crate::aws::AwsArgs;
use crate::cfn::{stack, Client};
use crate::error::UsageError;
use crate::logs::discovery::{self, LogGroup};
use crate::logs::follow::{self, Update};
use crate::logs::{time, Event, Source};
use crate::output::{OutputArgs, OutputMode};
use crate::poll::Backoff;

/// Arguments of `streamstack logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Stack name.
    pub stack: String,
    /// Whose logs: consumer, flink, firehose, api, producer or all (several separated by commas).
    #[arg(long, default_value = "all")]
    pub source: String,
    /// From this long ago (e.g. 90s, 10m, 2h, 1d) or this RFC 3339 time (e.g.
    /// 2026-12-05T01:00:00Z).
    #[arg(long, default_value = "10m")]
    pub since: String,
    /// Keep reading new events until Ctrl-C (FilterLogEvents every 2 s, up to every 10 s while
    /// nothing arrives).
    #[arg(long)]
    pub follow: bool,
    /// A CloudWatch Logs filter pattern (e.g. ERROR, or "\"Access Denied\"").
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// `--output json` prints one JSON object per event; so does any output that is not a
    /// terminal.
    #[command(flatten)]
    pub output: OutputArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Pauses between the rounds of `--follow`: 2 s, doubled while nothing arrives, at most 10 s
/// (FilterLogEvents has an account-wide quota of a few calls per second, and a round reads each
/// group once).
pub const FOLLOW_BACKOFF: Backoff = Backoff {
    first: Duration::from_secs(2),
    max: Duration::from_secs(10),
};

/// The longest `--filter` CloudWatch Logs accepts.
const MAX_FILTER_CHARS: usize = 1024;

/// The checked arguments: the sources, the start time (milliseconds) and the filter.
pub fn check(args: &LogsArgs, now_ms: i64) -> Result<(Vec<Source>, i64), UsageError> {
    if args.stack.trim().is_empty() {
        return Err(UsageError(
            "stack name is empty: pass the name of a stack".into(),
        ));
    }
    let sources = Source::parse_selection(&args.source).map_err(UsageError)?;
    let since = time::parse_since(&args.since, now_ms).map_err(UsageError)?;
    if let Some(f) = &args.filter {
        if f.trim().is_empty() || f.chars().count() > MAX_FILTER_CHARS || f.contains('\n') {
            return Err(UsageError(format!(
                "--filter {f:?} is invalid: use a CloudWatch Logs filter pattern of 1 to {MAX_FILTER_CHARS} characters on one line"
            )));
        }
    }
    Ok((sources, since))
}

/// Runs `streamstack logs`.
pub fn run(args: &LogsArgs) -> anyhow::Result<()> {
    // Bad arguments fail before any AWS call.
    let (sources, since_ms) = check(args, time::now_ms())?;
    let json = args.output.output == OutputMode::Json || !std::io::stdout().is_terminal();
    crate::aws::runtime()?.block_on(async {
        let config = crate::aws::sdk_config(&args.aws).await?;
        logs(args, &config, &sources, since_ms, json)
            .await
            .map_err(|e| crate::aws::name_profile(e, &args.aws))
    })
}

/// The log groups of the stack for `sources`; a stack without any is a usage error naming what
/// it has.
pub async fn groups_of(
    config: &aws_config::SdkConfig,
    name: &str,
    sources: &[Source],
) -> anyhow::Result<Vec<LogGroup>> {
    let cfn = Client::new(config);
    if stack::describe_stack(&cfn, name).await?.is_none() {
        return Err(UsageError(format!("stack `{name}` does not exist")).into());
    }
    let resources = stack::resources(&cfn, name).await?;
    let found = discovery::discover(config, &resources).await;
    let chosen: Vec<LogGroup> = found
        .groups
        .iter()
        .filter(|g| sources.contains(&g.source))
        .cloned()
        .collect();
    if chosen.is_empty() {
        let asked: Vec<&str> = sources.iter().map(|s| s.name()).collect();
        let has: Vec<&str> = found.sources().iter().map(|s| s.name()).collect();
        let journal = match found.journal_producers.first() {
            Some(i) if sources.contains(&Source::Producer) => format!(
                "; the producer (instance {i}) logs to its systemd journal, not CloudWatch Logs: `journalctl -u streamstack-producer` in `aws ssm start-session --target {i}`"
            ),
            _ => String::new(),
        };
        return Err(UsageError(format!(
            "stack `{name}` has no log group for --source {}{journal}; its sources: {}",
            asked.join(","),
            if has.is_empty() {
                "none".to_string()
            } else {
                has.join(", ")
            }
        ))
        .into());
    }
    Ok(chosen)
}

async fn logs(
    args: &LogsArgs,
    config: &aws_config::SdkConfig,
    sources: &[Source],
    since_ms: i64,
    json: bool,
) -> anyhow::Result<()> {
    let groups = groups_of(config, &args.stack, sources).await?;
    let client = aws_sdk_cloudwatchlogs::Client::new(config);
    let opts = follow::Options {
        since_ms,
        filter: args.filter.clone(),
        follow: args.follow,
        backoff: FOLLOW_BACKOFF,
    };
    let stdout = std::io::stdout();
    let emit = |u: Update<'_>| match u {
        Update::Events(events) => {
            let mut out = stdout.lock();
            events
                .iter()
                .all(|e| writeln!(out, "{}", line(e, json)).is_ok())
                && out.flush().is_ok()
        }
        Update::Missing(g) => {
            crate::output::stderr_line(&format!(
                "log group {} ({}) does not exist yet",
                g.name, g.origin
            ));
            true
        }
        Update::Throttled(why) => {
            crate::output::stderr_line(&format!("throttled, reading less often: {why}"));
            true
        }
    };
    let result = tokio::select! {
        r = follow::run(&client, &groups, &opts, emit) => r,
        _ = tokio::signal::ctrl_c() => Ok(()),
    };
    match result {
        Ok(()) => Ok(()),
        Err(follow::ReadError::FilterRefused { pattern, detail }) => Err(UsageError(format!(
            "--filter `{pattern}` was refused by CloudWatch Logs: {detail}"
        ))
        .into()),
        Err(follow::ReadError::Other(e)) => Err(e),
    }
}

const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// The colour of a source's name on a terminal.
pub fn color(source: Source) -> &'static str {
    match source {
        Source::Consumer => "\x1b[36m",
        Source::Flink => "\x1b[35m",
        Source::Firehose => "\x1b[33m",
        Source::Api => "\x1b[32m",
        Source::Producer => "\x1b[34m",
    }
}

/// One event as printed: a JSON object (`time`, `timestamp`, `source`, `log_group`,
/// `log_stream`, `event_id`, `message`), or for a terminal the time (dim), the source (in its
/// colour) and the message, its further lines indented under the first.
pub fn line(e: &Event, json: bool) -> String {
    if json {
        return serde_json::json!({
            "time": time::format_ms(e.time_ms),
            "timestamp": e.time_ms,
            "source": e.source.name(),
            "log_group": e.group,
            "log_stream": e.stream,
            "event_id": e.id,
            "message": e.message,
        })
        .to_string();
    }
    let message = e.message.replace('\n', &format!("\n{}", " ".repeat(34)));
    format!(
        "{DIM}{}{RESET} {}{:<8}{RESET} {message}",
        time::format_ms(e.time_ms),
        color(e.source),
        e.source.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(source: &str, since: &str, filter: Option<&str>) -> LogsArgs {
        LogsArgs {
            stack: "s".into(),
            source: source.into(),
            since: since.into(),
            follow: false,
            filter: filter.map(str::to_string),
            output: OutputArgs::default(),
            aws: AwsArgs::default(),
        }
    }

    #[test]
    fn arguments_are_checked_with_one_line_naming_the_value() {
        let now = 1_796_432_400_000;
        assert_eq!(
            check(&args("all", "10m", None), now).unwrap(),
            (Source::ALL.to_vec(), now - 600_000)
        );
        for (a, says) in [
            (args("lambda", "10m", None), "--source `lambda`"),
            (args("all", "ten minutes", None), "--since `ten minutes`"),
            (args("all", "10m", Some(" ")), "--filter"),
            (args("all", "10m", Some(&"x".repeat(1025))), "--filter"),
        ] {
            let e = check(&a, now).unwrap_err().0;
            assert!(e.contains(says) && !e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn lines_for_a_terminal_and_for_json() {
        let e = Event {
            time_ms: 1_796_432_400_250,
            source: Source::Flink,
            group: "g".into(),
            stream: "st".into(),
            id: "1".into(),
            message: "first\nsecond".into(),
        };
        assert_eq!(
            line(&e, false),
            format!(
                "\x1b[2m2026-12-05T01:00:00.250Z\x1b[0m \x1b[35mflink   \x1b[0m first\n{}second",
                " ".repeat(34)
            )
        );
        let v: serde_json::Value = serde_json::from_str(&line(&e, true)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"time": "2026-12-05T01:00:00.250Z", "timestamp": 1_796_432_400_250_i64,
                "source": "flink", "log_group": "g", "log_stream": "st", "event_id": "1",
                "message": "first\nsecond"})
        );
    }
}
