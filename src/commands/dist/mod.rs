//! `streamstack dist`: build-s3-dist packaging.
//!
//! Produces `<out>/global-s3-assets/<pattern>.template` (asset locations baked in as bucket
//! `BUCKET-${AWS::Region}` and keys `SOLUTION/VERSION/<asset>`) and
//! `<out>/regional-s3-assets/<asset>` (every code artifact the templates reference, named by
//! content hash). Everything is built in a temp folder inside `<out>` and renamed into place, so
//! a failure never leaves a half-written layout.

mod names;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::assets::{self, Asset};
use crate::error::UsageError;
use crate::output::stdout_line;
use crate::pattern::{load_selection, PATTERN_IDS};
use crate::render::{render_manifest, to_json, AssetMode, RenderOptions};

pub use names::{check_bucket, check_key_segment};

/// Arguments of `streamstack dist`.
#[derive(Debug, Args)]
pub struct DistArgs {
    /// Bucket base name; templates load code from `BUCKET-${AWS::Region}`.
    #[arg(long)]
    pub bucket: String,
    /// Solution name: the first segment of the asset keys.
    #[arg(long)]
    pub solution: String,
    /// Version: the second segment of the asset keys.
    #[arg(long)]
    pub version: String,
    /// Output folder that receives global-s3-assets/ and regional-s3-assets/.
    #[arg(long, default_value = "deployment")]
    pub out: PathBuf,
    /// Read code assets from this folder instead of the ones embedded in the binary.
    #[arg(long, value_name = "DIR")]
    pub assets_dir: Option<PathBuf>,
    /// A user pattern manifest packaged beside the five built-in patterns. Repeatable.
    #[arg(long = "pattern-file", value_name = "FILE")]
    pub pattern_files: Vec<PathBuf>,
}

/// One file `dist` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFile {
    /// Path relative to the output folder.
    pub path: String,
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// Size in bytes.
    pub size: usize,
}

/// What `dist` produced.
#[derive(Debug, Clone)]
pub struct DistReport {
    /// Files written, templates first.
    pub files: Vec<DistFile>,
}

/// Packages all five patterns and the `--pattern-file` ones; see the module documentation.
pub fn package(args: &DistArgs) -> anyhow::Result<DistReport> {
    check_bucket(&args.bucket).map_err(UsageError)?;
    check_key_segment("solution name", &args.solution).map_err(UsageError)?;
    check_key_segment("version", &args.version).map_err(UsageError)?;
    let available = assets::load(args.assets_dir.as_deref())?;

    let opts = RenderOptions {
        assets: AssetMode::Baked {
            bucket: args.bucket.clone(),
            solution: args.solution.clone(),
            version: args.version.clone(),
        },
        asset_names: available
            .values()
            .map(|a| (a.name.clone(), a.published_name()))
            .collect(),
        ..RenderOptions::default()
    };
    let mut templates = Vec::new();
    let mut referenced: BTreeMap<String, ()> = BTreeMap::new();
    let ids: Vec<String> = PATTERN_IDS.iter().map(|s| s.to_string()).collect();
    for manifest in load_selection(&ids, &args.pattern_files, None)? {
        let rendered = render_manifest(&manifest, &opts)?;
        for w in &rendered.warnings {
            crate::output::stderr_line(&format!("warning: {}: {w}", manifest.id));
        }
        referenced.extend(rendered.assets.iter().map(|a| (a.clone(), ())));
        templates.push((manifest.id, to_json(&rendered.template)));
    }
    let (mut shipped, mut missing): (Vec<&Asset>, Vec<String>) = (Vec::new(), Vec::new());
    for name in referenced.keys() {
        match available.get(name) {
            Some(a) => shipped.push(a),
            None => missing.push(name.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(UsageError(assets::missing_hint(&missing, args.assets_dir.as_deref())).into());
    }

    std::fs::create_dir_all(&args.out).map_err(|e| {
        UsageError(format!(
            "cannot create output folder `{}`: {e}",
            args.out.display()
        ))
    })?;
    let staging = tempfile::Builder::new()
        .prefix(".dist-")
        .tempdir_in(&args.out)
        .map_err(|e| UsageError(format!("cannot write to `{}`: {e}", args.out.display())))?;
    let global = staging.path().join("global-s3-assets");
    let regional = staging.path().join("regional-s3-assets");
    std::fs::create_dir_all(&global)?;
    std::fs::create_dir_all(&regional)?;
    let mut files = Vec::new();
    for (id, text) in &templates {
        let name = format!("{id}.template");
        std::fs::write(global.join(&name), text)?;
        files.push(DistFile {
            path: format!("global-s3-assets/{name}"),
            sha256: Asset::new(&name, text.as_bytes().to_vec()).sha256,
            size: text.len(),
        });
    }
    for a in shipped {
        let name = a.published_name();
        std::fs::write(regional.join(&name), &a.bytes)?;
        files.push(DistFile {
            path: format!("regional-s3-assets/{name}"),
            sha256: a.sha256.clone(),
            size: a.bytes.len(),
        });
    }
    for dir in ["global-s3-assets", "regional-s3-assets"] {
        replace_dir(&staging.path().join(dir), &args.out.join(dir))?;
    }
    Ok(DistReport { files })
}

/// Moves `from` to `to`, replacing a previous `to` only once the new one is complete.
fn replace_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    if to.exists() {
        let parent = to.parent().unwrap_or(Path::new("."));
        let old = tempfile::Builder::new()
            .prefix(".old-")
            .tempdir_in(parent)?;
        let old_path = old.path().join("previous");
        std::fs::rename(to, &old_path)?;
        std::fs::rename(from, to)?;
        drop(old);
    } else {
        std::fs::rename(from, to)?;
    }
    Ok(())
}

/// Runs `streamstack dist`.
pub fn run(args: &DistArgs) -> anyhow::Result<()> {
    let report = package(args)?;
    for f in &report.files {
        stdout_line(&format!(
            "{}  {:>9}  {}",
            f.sha256,
            f.size,
            args.out.join(&f.path).display()
        ));
    }
    let (b, s, v) = (&args.bucket, &args.solution, &args.version);
    let out = args.out.display();
    stdout_line(&format!(
        "\nPublish with:\n  aws s3 sync {out}/global-s3-assets s3://{b}/{s}/{v}\n  aws s3 sync {out}/regional-s3-assets s3://{b}-<REGION>/{s}/{v}"
    ));
    Ok(())
}
