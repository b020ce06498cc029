//! Every CloudFormation call of the tool, used by `deploy`, `destroy` and `status`:
//!
//! - [`arns`]: the service role and notification topic ARNs an operation may name, checked;
//! - [`change_set`]: where the change set is created (CreateChangeSet, waiting for it, reading
//!   its changes), executed (ExecuteChangeSet) and deleted;
//! - [`stack`]: a stack's state (DescribeStacks), deleting it, its resources, termination
//!   protection;
//! - [`events`]: stack events (DescribeStackEvents) and how they are shown;
//! - [`follow`]: an operation followed live until the stack settles (above `stack` and
//!   `events`, which do not know each other), returning each new event for the caller to show;
//! - [`operation`]: an operation followed to its end and shown (events, root cause on failure);
//! - [`template_diff`]: the property-level difference between the deployed template and a new one;
//! - [`root_cause`]: the root cause of a failed operation, following nested stacks.
//!
//! The functions take a client built by the caller, so tests can give one that replays recorded
//! responses, and a [`Polling`] so they can poll without waiting ([`crate::poll`]).

pub mod arns;
pub mod change_set;
pub mod events;
pub mod follow;
pub mod operation;
pub mod root_cause;
pub mod stack;
pub mod template_diff;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub use crate::poll::{Backoff, Polling};
pub use aws_sdk_cloudformation::Client;

use crate::aws::AwsError;

/// The error of a failed call, as one line: `context: Code: message` (an [`AwsError`]).
fn fail<E>(context: impl std::fmt::Display, err: &SdkError<E, HttpResponse>) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    crate::aws::sdk_error(context, err)
}

/// The error of a failed call about stack `name`, or `None` when the stack does not exist
/// ([`AwsError::is_stack_missing`]).
fn unless_missing<E>(
    context: impl std::fmt::Display,
    err: &SdkError<E, HttpResponse>,
) -> Option<anyhow::Error>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let e = AwsError::new(context, err);
    (!e.is_stack_missing()).then(|| e.into())
}
