//! Following a stack operation live until the stack settles: the stack's status
//! (DescribeStacks, [`super::stack`]) and its new events (DescribeStackEvents, [`super::events`])
//! polled with backoff ([`crate::poll`]). Each new event is handed to the caller, who shows it
//! (usually [`super::events::print`]); this module prints nothing.

use std::collections::HashSet;

use super::events::{self, StackEvent};
use super::stack::{self, describe_stack, StackState};
use super::{Client, Polling};
use crate::poll::Poller;

/// Follows the stack's events from `since` (RFC 3339) until its status settles; hands each new
/// event to `on_event` once, oldest first; returns the final state and the events of this
/// operation in chronological order. Throttled polls are repeated.
pub async fn follow(
    cfn: &Client,
    name: &str,
    since: &str,
    polling: &Polling,
    mut on_event: impl FnMut(&StackEvent),
) -> anyhow::Result<(StackState, Vec<StackEvent>)> {
    let since = events::instant(since).unwrap_or((0, 0));
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    let mut poller = Poller::new(polling.stack);
    loop {
        let polled = async {
            let state = describe_stack(cfn, name).await?;
            let evs = events::stack_events(cfn, name, 200).await?;
            anyhow::Ok((state, evs))
        }
        .await;
        let (state, evs) = match polled {
            Ok(p) => {
                poller.answered();
                p
            }
            Err(e) if poller.retry_throttled(&e) => {
                poller.wait().await;
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut fresh: Vec<StackEvent> = evs
            .into_iter()
            .filter(|e| {
                events::instant(&e.timestamp).is_some_and(|t| t >= since)
                    && seen.insert(e.event_id.clone())
            })
            .collect();
        fresh.reverse();
        fresh.iter().for_each(&mut on_event);
        all.extend(fresh);
        match state {
            // A deleted stack disappears from DescribeStacks.
            None => return Ok((StackState::deleted(), all)),
            Some(s) if events::is_terminal(&s.status) => return Ok((s, all)),
            Some(_) => {
                poller.wait().await;
            }
        }
    }
}

/// Deletes the stack (with the service role `role_arn` when given) and follows the deletion
/// until the stack settles or disappears.
pub async fn delete_and_follow(
    cfn: &Client,
    name: &str,
    role_arn: Option<&str>,
    polling: &Polling,
    on_event: impl FnMut(&StackEvent),
) -> anyhow::Result<(StackState, Vec<StackEvent>)> {
    let since = events::now_rfc3339();
    stack::delete(cfn, name, role_arn).await?;
    follow(cfn, name, &since, polling, on_event).await
}
