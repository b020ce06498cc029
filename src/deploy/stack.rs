//! Reading a stack: its status and outputs, its events (followed live until the stack settles),
//! and the root cause of a failure, following nested stacks.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::time::Duration;

use aws_sdk_cloudformation::Client;
use aws_smithy_types::date_time::Format;

use super::events::{self, StackEvent};
use super::root_cause::{clean_reason, root_causes};
use crate::aws::{describe, error_message};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// Human lines (colored on a TTY).
    Text,
    /// JSON lines on stdout.
    Json,
}

/// A stack's current state.
#[derive(Debug, Clone)]
pub struct StackState {
    /// Status, e.g. `UPDATE_COMPLETE`.
    pub status: String,
    /// Status reason.
    pub reason: Option<String>,
    /// Outputs (key, value), in key order.
    pub outputs: Vec<(String, String)>,
    /// Whether termination protection is on.
    pub termination_protection: bool,
}

/// The stack's state, or `None` when it does not exist.
pub async fn describe_stack(cfn: &Client, name: &str) -> anyhow::Result<Option<StackState>> {
    match cfn.describe_stacks().stack_name(name).send().await {
        Ok(out) => Ok(out.stacks().first().map(|s| {
            let mut outputs: Vec<(String, String)> = s
                .outputs()
                .iter()
                .map(|o| {
                    (
                        o.output_key().unwrap_or("").to_string(),
                        o.output_value().unwrap_or("").to_string(),
                    )
                })
                .collect();
            outputs.sort();
            StackState {
                status: s
                    .stack_status()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                reason: s.stack_status_reason().map(str::to_string),
                outputs,
                termination_protection: s.enable_termination_protection().unwrap_or(false),
            }
        })),
        Err(e) if error_message(&e).is_some_and(|m| m.contains("does not exist")) => Ok(None),
        Err(e) => anyhow::bail!("cannot read stack `{name}`: {}", describe(&e)),
    }
}

/// All events of a stack (newest first as the API returns them), up to `limit`.
pub async fn stack_events(
    cfn: &Client,
    name: &str,
    limit: usize,
) -> anyhow::Result<Vec<StackEvent>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = cfn
            .describe_stack_events()
            .stack_name(name)
            .set_next_token(token.take())
            .send()
            .await;
        let page = match page {
            Ok(p) => p,
            // A stack deleted a moment ago has no events to read any more.
            Err(e) if error_message(&e).is_some_and(|m| m.contains("does not exist")) => {
                return Ok(out)
            }
            Err(e) => anyhow::bail!("cannot read events of stack `{name}`: {}", describe(&e)),
        };
        for e in page.stack_events() {
            out.push(StackEvent {
                event_id: e.event_id().unwrap_or("").to_string(),
                timestamp: e
                    .timestamp()
                    .and_then(|t| t.fmt(Format::DateTime).ok())
                    .unwrap_or_default(),
                logical_id: e.logical_resource_id().unwrap_or("").to_string(),
                resource_type: e.resource_type().unwrap_or("").to_string(),
                status: e
                    .resource_status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                reason: e.resource_status_reason().map(str::to_string),
                physical_id: e.physical_resource_id().map(str::to_string),
            });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() || out.len() >= limit {
            return Ok(out);
        }
    }
}

fn instant(ts: &str) -> Option<(i64, u32)> {
    aws_smithy_types::DateTime::from_str(ts, Format::DateTime)
        .ok()
        .map(|t| (t.secs(), t.subsec_nanos()))
}

/// Follows the stack's events from `since` (RFC 3339) until its status settles; prints each new
/// event; returns the final state and the events of this operation in chronological order.
pub async fn follow(
    cfn: &Client,
    name: &str,
    since: &str,
    mode: OutputMode,
) -> anyhow::Result<(StackState, Vec<StackEvent>)> {
    let since = instant(since).unwrap_or((0, 0));
    let tty = std::io::stderr().is_terminal();
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    let mut delay = Duration::from_millis(250);
    loop {
        let state = describe_stack(cfn, name).await?;
        let mut fresh: Vec<StackEvent> = stack_events(cfn, name, 200)
            .await?
            .into_iter()
            .filter(|e| {
                instant(&e.timestamp).is_some_and(|t| t >= since) && seen.insert(e.event_id.clone())
            })
            .collect();
        fresh.reverse();
        for e in &fresh {
            match mode {
                OutputMode::Json => println!("{}", events::json_line(e)),
                OutputMode::Text => eprintln!("{}", events::line(e, tty)),
            }
        }
        all.extend(fresh);
        match state {
            None => {
                // A deleted stack disappears from DescribeStacks.
                return Ok((
                    StackState {
                        status: "DELETE_COMPLETE".into(),
                        reason: None,
                        outputs: vec![],
                        termination_protection: false,
                    },
                    all,
                ));
            }
            Some(s) if events::is_terminal(&s.status) => return Ok((s, all)),
            Some(_) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Deletes the stack and follows the deletion until the stack settles or disappears.
pub async fn delete_and_follow(
    cfn: &Client,
    name: &str,
    mode: OutputMode,
) -> anyhow::Result<(StackState, Vec<StackEvent>)> {
    let since = now_rfc3339();
    cfn.delete_stack()
        .stack_name(name)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot delete stack `{name}`: {}", describe(&e)))?;
    follow(cfn, name, &since, mode).await
}

/// Physical ids of the stack's resources of `resource_type` (e.g. every `AWS::S3::Bucket`).
pub async fn physical_ids(
    cfn: &Client,
    name: &str,
    resource_type: &str,
) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = cfn
            .list_stack_resources()
            .stack_name(name)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot list resources of `{name}`: {}", describe(&e)))?;
        out.extend(
            page.stack_resource_summaries()
                .iter()
                .filter(|r| r.resource_type() == Some(resource_type))
                .filter_map(|r| r.physical_resource_id().map(str::to_string)),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Asks `question` on the terminal; true for y/yes. Callers make sure stdin is a terminal.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, Write};
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES"))
}

/// Lines naming the root cause of a failed operation, following nested stacks (3 levels).
pub async fn explain_failure(
    cfn: &Client,
    stack: &str,
    events: &[StackEvent],
    state: &StackState,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut causes: Vec<StackEvent> = root_causes(events, stack).into_iter().cloned().collect();
    for _ in 0..3 {
        let Some(nested) = causes
            .iter()
            .find(|c| c.resource_type == "AWS::CloudFormation::Stack" && c.logical_id != stack)
            .and_then(|c| c.physical_id.clone())
        else {
            break;
        };
        let Ok(mut inner) = stack_events(cfn, &nested, 500).await else {
            break;
        };
        inner.reverse();
        let inner_name = inner
            .first()
            .map(|e| e.logical_id.clone())
            .unwrap_or_default();
        let deeper: Vec<StackEvent> = root_causes(&inner, &inner_name)
            .into_iter()
            .cloned()
            .collect();
        if deeper.is_empty() {
            break;
        }
        causes = deeper;
    }
    for c in &causes {
        lines.push(format!(
            "root cause: {} ({}) {}: {}",
            c.logical_id,
            c.resource_type,
            c.status,
            clean_reason(c.reason.as_deref().unwrap_or("no reason given"))
        ));
    }
    if causes.is_empty() {
        lines.push(format!(
            "root cause: not reported by CloudFormation{}",
            state
                .reason
                .as_deref()
                .map(|r| format!(" (stack reason: {r})"))
                .unwrap_or_default()
        ));
    }
    lines.push(format!("stack {stack} is {}", state.status));
    lines
}

/// The current time as RFC 3339 (to select the events of the operation about to start), a
/// second early to absorb clock skew with the service.
pub fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now() - Duration::from_secs(1);
    aws_smithy_types::DateTime::from(now)
        .fmt(Format::DateTime)
        .unwrap_or_default()
}
