//! `streamstack tail`: read all shards, de-aggregate, print (lands with the produce issue).

use clap::Args;

/// Arguments of `streamstack tail`.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// Stream name.
    #[arg(long)]
    pub stream: String,
}

/// Runs `streamstack tail`.
pub fn run(_args: &TailArgs) -> anyhow::Result<()> {
    Err(crate::error::NotYetAvailable("tail").into())
}
