//! The asset bucket: content-addressed upload of the code assets the patterns load (used by the
//! `upload` and `deploy` commands): the managed bucket (`bucket`), the objects (`objects`: HeadObject
//! first, multipart above 8 MiB), and the asset set of a list of patterns.

pub mod bucket;
pub mod objects;

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::Args;

use crate::assets::{self, Asset};
use crate::aws::describe;
use crate::error::UsageError;
use crate::pattern::Manifest;
use crate::render::{render_manifest, RenderOptions};
pub use objects::{AssetLocation, UploadReport};

/// Where code assets come from and where they are uploaded (shared by `upload` and `deploy`).
#[derive(Debug, Clone, Args)]
pub struct AssetArgs {
    /// Asset bucket; default: the managed `streamstack-assets-<account>-<region>`, created on first use.
    #[arg(long)]
    pub bucket: Option<String>,
    /// Key prefix in the bucket for assets and large templates.
    #[arg(long, default_value = "streamstack/")]
    pub prefix: String,
    /// Read code assets from this folder instead of the ones embedded in the binary.
    #[arg(long, value_name = "DIR")]
    pub assets_dir: Option<PathBuf>,
}

/// Checks a user-given key prefix: empty, or safe key characters ending with `/`.
pub fn check_prefix(prefix: &str) -> Result<(), UsageError> {
    let ok = prefix.is_empty()
        || (prefix.ends_with('/')
            && !prefix.starts_with('/')
            && !prefix.contains("//")
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!_.*'()-/".contains(c)));
    if ok {
        Ok(())
    } else {
        Err(UsageError(format!(
            "prefix `{prefix}` is not allowed; allowed: empty, or letters, digits and ! _ . * ' ( ) - / ending with /"
        )))
    }
}

/// The assets the given patterns load, checked to be available (before any API call).
pub fn assets_for(ids: &[String], dir: Option<&std::path::Path>) -> anyhow::Result<Vec<Asset>> {
    let manifests = ids
        .iter()
        .map(|id| Manifest::load(id, None))
        .collect::<Result<Vec<_>, _>>()?;
    assets_for_manifests(&manifests, dir)
}

/// The assets the given manifests (built-in or user patterns) load, checked to be available.
pub fn assets_for_manifests(
    manifests: &[Manifest],
    dir: Option<&std::path::Path>,
) -> anyhow::Result<Vec<Asset>> {
    let available = assets::load(dir)?;
    let mut wanted = BTreeSet::new();
    for manifest in manifests {
        let rendered = render_manifest(manifest, &RenderOptions::default())?;
        wanted.extend(rendered.assets);
    }
    let missing: Vec<String> = wanted
        .iter()
        .filter(|n| !available.contains_key(*n))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(UsageError(assets::missing_hint(&missing, dir)).into());
    }
    Ok(wanted
        .iter()
        .filter_map(|n| available.get(n).cloned())
        .collect())
}

/// The account id of the caller (for the managed bucket name).
pub async fn account_id(config: &aws_config::SdkConfig) -> anyhow::Result<String> {
    let sts = aws_sdk_sts::Client::new(config);
    let me = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot identify the AWS account: {}", describe(&e)))?;
    me.account()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("GetCallerIdentity returned no account"))
}

/// Resolves the bucket (managed default when `None`), creates the managed one if needed, and
/// uploads `assets`.
pub async fn upload(
    config: &aws_config::SdkConfig,
    bucket: Option<&str>,
    prefix: &str,
    assets: &[Asset],
) -> anyhow::Result<(AssetLocation, UploadReport)> {
    let region = config.region().map(|r| r.to_string()).unwrap_or_default();
    let s3 = aws_sdk_s3::Client::new(config);
    let (name, managed) = match bucket {
        Some(b) => (b.to_string(), false),
        None => (
            bucket::managed_bucket_name(&account_id(config).await?, &region),
            true,
        ),
    };
    if bucket::ensure(&s3, &name, &region, managed).await? {
        eprintln!("created asset bucket s3://{name} (encrypted, versioned, public access blocked, TLS only)");
    }
    let refs: Vec<&Asset> = assets.iter().collect();
    objects::upload_assets(&s3, &name, prefix, &refs).await
}
