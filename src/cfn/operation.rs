//! A stack operation followed to its end and shown as `deploy` shows it: each new event as it
//! comes ([`super::events::print`]), and, when the operation fails, its root cause
//! ([`super::root_cause::print_failure`]). Used by `deploy`, `watch` and `rollback`.

use super::stack::StackState;
use super::{events, follow, root_cause, Client, Polling};
use crate::output::Printer;

/// Follows stack `name` from `since` (RFC 3339) until it settles, printing each event; prints
/// the root cause when it settles in a failure status ([`events::is_failure`]). Returns the
/// final state; the caller decides what a failure means for its exit code.
pub async fn follow_and_explain(
    cfn: &Client,
    name: &str,
    since: &str,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<StackState> {
    let (state, evs) = follow::follow(cfn, name, since, polling, |e| events::print(out, e)).await?;
    if events::is_failure(&state.status) {
        root_cause::print_failure(cfn, name, &evs, &state, out).await;
    }
    Ok(state)
}
