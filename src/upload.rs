//! `streamstack upload`: content-addressed upload of code assets (lands with the deploy issue).

use clap::Args;

/// Arguments of `streamstack upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// Asset bucket; default: a managed `streamstack-assets-<account>-<region>` bucket.
    #[arg(long)]
    pub bucket: Option<String>,
}

/// Runs `streamstack upload`.
pub fn run(_args: &UploadArgs) -> anyhow::Result<()> {
    Err(crate::error::NotYetAvailable("upload").into())
}
