//! `--stack STACK` for `produce` and `tail`: the stream named by the stack's `DataStreamName`
//! output, instead of `--stream NAME` copied out of `status`.

use crate::cfn::{stack, Client};
use crate::error::UsageError;

/// The stack output that names a pattern's data stream (every pattern has it).
pub const STREAM_OUTPUT: &str = "DataStreamName";

/// Where the stream comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `--stream NAME` or ARN.
    Stream(String),
    /// `--stack STACK`.
    Stack(String),
}

/// Exactly one of `--stack` and `--stream` (an empty value counts as none given).
///
/// # Errors
/// One line when both or neither are given.
pub fn choose(stack: Option<&str>, stream: Option<&str>) -> Result<Target, UsageError> {
    let given = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    match (given(stack), given(stream)) {
        (Some(s), None) => Ok(Target::Stack(s)),
        (None, Some(s)) => Ok(Target::Stream(s)),
        (Some(stack), Some(stream)) => Err(UsageError(format!(
            "--stack `{stack}` and --stream `{stream}` both name the stream: pass only one"
        ))),
        (None, None) => Err(UsageError(
            "no stream: pass --stack STACK (its DataStreamName output) or --stream NAME".into(),
        )),
    }
}

/// The stream of `target`: its name, or the stack's [`STREAM_OUTPUT`] output.
///
/// # Errors
/// A usage error (exit 2) for a stack that does not exist or has no such output (naming the
/// outputs it has); a failed call otherwise.
pub async fn resolve(config: &aws_config::SdkConfig, target: &Target) -> anyhow::Result<String> {
    let name = match target {
        Target::Stream(s) => return Ok(s.clone()),
        Target::Stack(s) => s,
    };
    let cfn = Client::new(config);
    let Some(state) = stack::describe_stack(&cfn, name).await? else {
        return Err(UsageError(format!("--stack: stack `{name}` does not exist")).into());
    };
    if let Some((_, v)) = state.outputs.iter().find(|(k, _)| k == STREAM_OUTPUT) {
        return Ok(v.clone());
    }
    let has: Vec<&str> = state.outputs.iter().map(|(k, _)| k.as_str()).collect();
    Err(UsageError(format!(
        "--stack: stack `{name}` ({}) has no {STREAM_OUTPUT} output (its outputs: {}); pass --stream NAME",
        state.status,
        if has.is_empty() { "none".to_string() } else { has.join(", ") }
    ))
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_of_stack_and_stream() {
        assert_eq!(choose(Some("s"), None).unwrap(), Target::Stack("s".into()));
        assert_eq!(choose(None, Some("x")).unwrap(), Target::Stream("x".into()));
        assert_eq!(
            choose(Some(" "), Some("x")).unwrap(),
            Target::Stream("x".into())
        );
        let both = choose(Some("s"), Some("x")).unwrap_err().0;
        assert!(both.contains("`s`") && both.contains("`x`"), "{both}");
        assert!(choose(None, Some(""))
            .unwrap_err()
            .0
            .contains("--stack STACK"));
    }
}
