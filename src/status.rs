//! `streamstack status`: a stack's status, outputs, events and alarms (lands with the deploy issue).

use clap::Args;

/// Arguments of `streamstack status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Stack name.
    pub stack: String,
}

/// Runs `streamstack status`.
pub fn run(_args: &StatusArgs) -> anyhow::Result<()> {
    Err(crate::error::NotYetAvailable("status").into())
}
