//! A stack operation followed to its end and shown as `deploy` shows it: each new event as it
//! comes ([`super::events::print`]), and, when the operation fails, its root cause
//! ([`super::root_cause::print_failure`]). Used by `deploy`, `watch` and `rollback`.

use super::stack::StackState;
use super::{events, follow, root_cause, Client, Polling};
use crate::output::{OutputMode, Printer};

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
    follow_and_explain_if(cfn, name, since, polling, out, events::is_failure).await
}

/// [`follow_and_explain`] for an operation whose failure statuses are those `failed` says (a
/// rollback ends well in `ROLLBACK_COMPLETE`, which [`events::is_failure`] counts as failed).
pub async fn follow_and_explain_if(
    cfn: &Client,
    name: &str,
    since: &str,
    polling: &Polling,
    out: &Printer,
    failed: impl Fn(&str) -> bool,
) -> anyhow::Result<StackState> {
    let (state, evs) = follow::follow(cfn, name, since, polling, |e| events::print(out, e)).await?;
    if failed(&state.status) {
        root_cause::print_failure(cfn, name, &evs, &state, out).await;
    }
    Ok(state)
}

/// Prints the status an operation on stack `name` ended in: a line on stderr, or the JSON
/// `result` object on stdout.
pub fn print_result(out: &Printer, name: &str, status: &str) {
    match out.mode() {
        OutputMode::Text => out.err(&format!("stack {name}: {status}")),
        OutputMode::Json => out.out(
            &serde_json::json!({"type": "result", "status": status, "stack": name}).to_string(),
        ),
    }
}
