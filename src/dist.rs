//! `streamstack dist`: build-s3-dist style packaging (lands with the dist issue).

use clap::Args;

/// Arguments of `streamstack dist`.
#[derive(Debug, Args)]
pub struct DistArgs {
    /// Bucket base name; templates load code from `BUCKET-${AWS::Region}`.
    #[arg(long)]
    pub bucket: Option<String>,
    /// Solution name, the first part of the asset key prefix.
    #[arg(long)]
    pub solution: Option<String>,
    /// Version, the second part of the asset key prefix.
    #[arg(long)]
    pub version: Option<String>,
}

/// Runs `streamstack dist`.
pub fn run(_args: &DistArgs) -> anyhow::Result<()> {
    Err(crate::error::NotYetAvailable("dist").into())
}
