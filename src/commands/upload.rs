//! `streamstack upload`: uploads the code assets of the patterns and prints where they are
//! (`AssetBucket`, `AssetPrefix`).

use std::path::PathBuf;

use clap::Args;

use crate::asset_bucket::{assets_for_manifests, check_prefix, upload, AssetArgs};
use crate::aws::AwsArgs;
use crate::pattern::{load_selection, PATTERN_IDS};

/// Arguments of `streamstack upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// Patterns whose assets to upload (default: all five; a user manifest by name too).
    #[arg(value_name = "PATTERN")]
    pub patterns: Vec<String>,
    /// A user pattern manifest whose assets to upload. Repeatable.
    #[arg(long = "pattern-file", value_name = "FILE")]
    pub pattern_files: Vec<PathBuf>,
    /// Where the code assets come from and where they are uploaded.
    #[command(flatten)]
    pub assets: AssetArgs,
    /// `--output text|json`.
    #[command(flatten)]
    pub output: crate::output::OutputArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Runs `streamstack upload`.
pub fn run(args: &UploadArgs) -> anyhow::Result<()> {
    check_prefix(&args.assets.prefix)?;
    let ids: Vec<String> = if args.patterns.is_empty() && args.pattern_files.is_empty() {
        PATTERN_IDS.iter().map(|s| s.to_string()).collect()
    } else {
        args.patterns.clone()
    };
    let manifests = load_selection(&ids, &args.pattern_files, None)?;
    let assets = assets_for_manifests(&manifests, args.assets.assets_dir.as_deref())?;
    crate::aws::runtime()?.block_on(async {
        let config = crate::aws::sdk_config(&args.aws).await?;
        let (location, report) = upload(
            &config,
            args.assets.bucket.as_deref(),
            &args.assets.prefix,
            &assets,
        )
        .await?;
        if args.output.output == crate::output::OutputMode::Json {
            crate::output::stdout_line(
                &serde_json::json!({
                    "AssetBucket": location.bucket,
                    "AssetPrefix": location.prefix,
                    "uploaded": report.uploaded,
                    "unchanged": report.unchanged,
                    "bytesSent": report.bytes_sent,
                })
                .to_string(),
            );
        } else {
            crate::output::stdout_line(&format!(
                "{} uploaded ({} bytes), {} unchanged\nAssetBucket={}\nAssetPrefix={}",
                report.uploaded.len(),
                report.bytes_sent,
                report.unchanged.len(),
                location.bucket,
                location.prefix
            ));
        }
        Ok(())
    })
}
