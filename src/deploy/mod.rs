//! `streamstack deploy`: render, upload, change set, execute, follow events (lands with the deploy issue).

use clap::Args;

/// Arguments of `streamstack deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Pattern to deploy.
    pub pattern: String,
    /// Stack name.
    #[arg(long)]
    pub stack_name: String,
}

/// Runs `streamstack deploy`.
pub fn run(_args: &DeployArgs) -> anyhow::Result<()> {
    Err(crate::error::NotYetAvailable("deploy").into())
}
