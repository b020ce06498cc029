//! `streamstack destroy`: delete a stack (lands with the deploy issue).

use clap::Args;

/// Arguments of `streamstack destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Stack name.
    pub stack: String,
}

/// Runs `streamstack destroy`.
pub fn run(_args: &DestroyArgs) -> anyhow::Result<()> {
    Err(crate::error::NotYetAvailable("destroy").into())
}
