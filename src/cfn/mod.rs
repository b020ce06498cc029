//! Every CloudFormation call of the tool, used by `deploy`, `destroy` and `status`:
//!
//! - [`change_set`]: where the change set is created (CreateChangeSet, waiting for it, reading
//!   its changes), executed (ExecuteChangeSet) and deleted;
//! - [`stack`]: a stack's state (DescribeStacks), deleting it, its resources, termination
//!   protection;
//! - [`events`]: stack events (DescribeStackEvents), followed live until the stack settles, and how
//!   they are shown;
//! - [`root_cause`]: the root cause of a failed operation, following nested stacks.
//!
//! The functions take a client built by the caller, so tests can give one that replays recorded
//! responses, and a [`Polling`] so they can poll without waiting.

pub mod change_set;
pub mod events;
pub mod root_cause;
pub mod stack;

use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub use aws_sdk_cloudformation::Client;

/// How often to poll while waiting: the first delay, doubled after each poll up to the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first poll.
    pub first: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Backoff {
    /// The delay after `delay`: doubled, at most [`Backoff::max`].
    pub fn next(&self, delay: Duration) -> Duration {
        (delay * 2).min(self.max)
    }
}

/// Poll intervals for change sets, stack operations and Flink applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polling {
    /// While a change set is being created.
    pub change_set: Backoff,
    /// While a stack operation runs (its events are followed).
    pub stack: Backoff,
    /// While a Flink application starts or stops (see [`crate::flink::run`]).
    pub application: Backoff,
}

impl Default for Polling {
    /// 200 ms up to 3 s for change sets, 250 ms up to 5 s for stack operations, 1 s up to 5 s
    /// for Flink applications.
    fn default() -> Self {
        Polling {
            change_set: Backoff {
                first: Duration::from_millis(200),
                max: Duration::from_secs(3),
            },
            stack: Backoff {
                first: Duration::from_millis(250),
                max: Duration::from_secs(5),
            },
            application: Backoff {
                first: Duration::from_secs(1),
                max: Duration::from_secs(5),
            },
        }
    }
}

impl Polling {
    /// Polls with no pause (tests against recorded responses).
    pub fn immediate() -> Self {
        let none = Backoff {
            first: Duration::ZERO,
            max: Duration::ZERO,
        };
        Polling {
            change_set: none,
            stack: none,
            application: none,
        }
    }
}

/// The error of a failed call, as one line: `context: Code: message` (see
/// [`crate::aws::sdk_error`]; expired credentials are recognised there).
fn fail<E>(context: impl std::fmt::Display, err: &SdkError<E, HttpResponse>) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    crate::aws::sdk_error(context, err)
}

/// Whether the call failed because the stack does not exist.
fn does_not_exist<E, R>(err: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    crate::aws::error_message(err).is_some_and(|m| m.contains("does not exist"))
}
