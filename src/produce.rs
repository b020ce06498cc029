//! `streamstack produce`: KPL-compatible producer (lands with the produce issue).

use clap::Args;

/// Arguments of `streamstack produce`.
#[derive(Debug, Args)]
pub struct ProduceArgs {
    /// Target stream name.
    #[arg(long)]
    pub stream: String,
}

/// Runs `streamstack produce`.
pub fn run(_args: &ProduceArgs) -> anyhow::Result<()> {
    Err(crate::error::NotYetAvailable("produce").into())
}
