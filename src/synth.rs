//! `streamstack synth`.
use clap::Args;
use thiserror::Error;

/// Arguments of `streamstack synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {}

/// Errors of synth.
#[derive(Debug, Error)]
pub enum SynthError {
    /// Bad input.
    #[error("{0}")]
    Usage(String),
}
impl SynthError {
    /// Whether this error is the user's bad input (exit 2).
    pub fn is_usage(&self) -> bool {
        matches!(self, SynthError::Usage(_))
    }
}

/// Runs synth.
pub fn run(_args: &SynthArgs) -> anyhow::Result<()> {
    Ok(())
}
