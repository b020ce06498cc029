//! The real cause of a failed deployment: the first resources that failed on their own, not the
//! ones CloudFormation cancelled because of them, nor the stack-level summary; nested stacks are
//! followed into (their events read with DescribeStackEvents).

use super::events::{stack_events, StackEvent};
use super::stack::StackState;
use super::Client;
use crate::output::{OutputMode, Printer};

/// Reasons that only say "something else failed".
const CONSEQUENCES: [&str; 6] = [
    "Resource creation cancelled",
    "Resource update cancelled",
    "Resource deletion cancelled",
    "The following resource(s) failed to",
    "Resource creation Initiated",
    "User Initiated",
];

/// The failing resources of an operation, earliest first. `events` are the events of one
/// operation in chronological order; `stack_name` is the stack's own logical id.
pub fn root_causes<'a>(events: &'a [StackEvent], stack_name: &str) -> Vec<&'a StackEvent> {
    let failed: Vec<&StackEvent> = events
        .iter()
        .filter(|e| e.status.ends_with("_FAILED"))
        .filter(|e| {
            !(e.logical_id == stack_name && e.resource_type == "AWS::CloudFormation::Stack")
        })
        .collect();
    let own: Vec<&StackEvent> = failed
        .iter()
        .copied()
        .filter(|e| {
            let r = e.reason.as_deref().unwrap_or("");
            !CONSEQUENCES.iter().any(|c| r.starts_with(c))
        })
        .collect();
    if own.is_empty() {
        // Only consequences (or none): show the stack-level reason instead.
        return events
            .iter()
            .filter(|e| {
                e.logical_id == stack_name
                    && (e.status.ends_with("_FAILED") || e.status.contains("ROLLBACK_IN_PROGRESS"))
            })
            .take(1)
            .collect();
    }
    // Resources that failed in the same moment as the first one are causes too (parallel creates).
    let first_time = own[0].timestamp.get(..19).unwrap_or("").to_string();
    own.into_iter()
        .filter(|e| e.timestamp.get(..19).unwrap_or("") == first_time)
        .collect()
}

/// A reason without handler boilerplate: the message of `Resource handler returned message:
/// "..."`, plus the handler error code when there is one.
pub fn clean_reason(reason: &str) -> String {
    let prefix = "Resource handler returned message: \"";
    let Some(start) = reason.find(prefix) else {
        return reason.trim().to_string();
    };
    let rest = &reason[start + prefix.len()..];
    let message = match rest.rfind("\" (RequestToken") {
        Some(end) => &rest[..end],
        None => rest.trim_end_matches('"'),
    };
    let code = reason
        .split("HandlerErrorCode: ")
        .nth(1)
        .map(|c| c.trim_end_matches(')').trim().to_string());
    match code {
        Some(c) if !c.is_empty() => format!("{message} [{c}]"),
        _ => message.to_string(),
    }
}

/// Prints the root cause of a failed operation (see [`explain_failure`]): its lines on stderr,
/// or one JSON result line with `rootCause` with `--output json`.
pub async fn print_failure(
    cfn: &Client,
    stack: &str,
    events: &[StackEvent],
    state: &StackState,
    out: &Printer,
) {
    let lines = explain_failure(cfn, stack, events, state).await;
    match out.mode() {
        OutputMode::Text => lines.iter().for_each(|l| out.err(l)),
        OutputMode::Json => out.out(
            &serde_json::json!({"type": "result", "status": state.status, "stack": stack, "rootCause": lines})
                .to_string(),
        ),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str) -> Vec<StackEvent> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn update_rollback_names_the_failing_function_not_the_cancelled_ones() {
        let events = load("update-rollback-complete.json");
        let causes = root_causes(&events, "orders");
        assert_eq!(causes.len(), 1, "{causes:?}");
        assert_eq!(causes[0].logical_id, "ConsumerFunction");
        assert_eq!(
            clean_reason(causes[0].reason.as_deref().unwrap()),
            "Uploaded file must be a non-empty zip (Service: Lambda, Status Code: 400, Request ID: 5b1c7c2e-5f0e-4a8b-9d52-0f6c1a2b3c4d) [InvalidRequest]"
        );
    }

    #[test]
    fn a_failed_first_create_names_both_resources_that_failed_together() {
        let events = load("rollback-complete-first-create.json");
        let causes = root_causes(&events, "ingest");
        let ids: Vec<&str> = causes.iter().map(|e| e.logical_id.as_str()).collect();
        assert_eq!(ids, ["OutputBucket", "DeliveryRole"]);
    }

    #[test]
    fn a_nested_stack_failure_is_the_cause_with_its_embedded_reason() {
        let events = load("nested-stack-failure.json");
        let causes = root_causes(&events, "parent");
        assert_eq!(causes.len(), 1);
        assert_eq!(causes[0].resource_type, "AWS::CloudFormation::Stack");
        assert!(causes[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("Embedded stack"));
    }

    #[test]
    fn only_cancellations_fall_back_to_the_stack_reason() {
        let events = load("only-cancellations.json");
        let causes = root_causes(&events, "s");
        assert_eq!(causes.len(), 1);
        assert_eq!(causes[0].logical_id, "s");
    }

    #[test]
    fn plain_reasons_are_kept() {
        assert_eq!(
            clean_reason(" Bucket already exists "),
            "Bucket already exists"
        );
        assert_eq!(
            clean_reason("Resource handler returned message: \"x\""),
            "x"
        );
    }
}
