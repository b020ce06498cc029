//! Code assets (Lambda function zips, the producer zip, the Flink jobs' jars): embedded in a
//! release CLI built by `cargo xtask build-cli`, or read from a folder (`--assets-dir`).

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::UsageError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_assets.rs"));
}

/// One code asset.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Logical file name, as templates reference it (e.g. `consumer-function-arm64.zip`,
    /// `kpl-kds-kda-flink.jar`).
    pub name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
}

impl Asset {
    /// Builds an asset, computing its digest.
    pub fn new(name: &str, bytes: Vec<u8>) -> Asset {
        let sha256 = hex(&Sha256::digest(&bytes));
        Asset {
            name: name.to_string(),
            bytes,
            sha256,
        }
    }

    /// The content-addressed file name: `<stem>-<first 16 hex of SHA-256>.<zip|jar>`.
    pub fn published_name(&self) -> String {
        let (stem, ext) = self.name.rsplit_once('.').unwrap_or((&self.name, "zip"));
        format!("{stem}-{}.{ext}", &self.sha256[..16])
    }
}

/// Whether a file name is a code asset: a zip (functions, producer) or a jar (Flink jobs).
pub fn is_asset_name(name: &str) -> bool {
    name.ends_with(".zip") || name.ends_with(".jar")
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Names of the assets embedded in this binary (empty in a plain `cargo build`).
pub fn embedded_names() -> Vec<&'static str> {
    embedded::ASSETS.iter().map(|(n, _)| *n).collect()
}

/// The available assets by name: from `dir` when given, else the embedded ones.
pub fn load(dir: Option<&Path>) -> Result<BTreeMap<String, Asset>, UsageError> {
    let mut out = BTreeMap::new();
    match dir {
        Some(dir) => {
            let entries = std::fs::read_dir(dir).map_err(|e| {
                UsageError(format!(
                    "cannot read assets directory `{}`: {e}",
                    dir.display()
                ))
            })?;
            for e in entries.filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy().into_owned();
                if !is_asset_name(&name) || !e.path().is_file() {
                    continue;
                }
                let bytes = std::fs::read(e.path()).map_err(|err| {
                    UsageError(format!("cannot read asset `{}`: {err}", e.path().display()))
                })?;
                out.insert(name.clone(), Asset::new(&name, bytes));
            }
        }
        None => {
            for (name, bytes) in embedded::ASSETS {
                out.insert((*name).to_string(), Asset::new(name, bytes.to_vec()));
            }
        }
    }
    Ok(out)
}

/// The one-line hint for a build without the assets a command needs.
pub fn missing_hint(missing: &[String], dir: Option<&Path>) -> String {
    let source = match dir {
        Some(d) => format!("in `{}`", d.display()),
        None => "embedded in this binary".to_string(),
    };
    format!(
        "code assets not {source}: {}; build them with `cargo xtask build-functions` and pass --assets-dir target/streamstack-assets, or use a CLI built by `cargo xtask build-cli`",
        missing.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_names_carry_the_content_hash() {
        let a = Asset::new("consumer-function-arm64.zip", b"abc".to_vec());
        assert_eq!(
            a.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            a.published_name(),
            "consumer-function-arm64-ba7816bf8f01cfea.zip"
        );
    }

    #[test]
    fn a_folder_of_zips_loads_and_other_files_are_ignored() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("x.zip"), b"1").unwrap();
        std::fs::write(d.path().join("notes.txt"), b"2").unwrap();
        std::fs::write(d.path().join("job.jar"), b"3").unwrap();
        std::fs::write(d.path().join("job.jar.tmp"), b"4").unwrap();
        let a = load(Some(d.path())).unwrap();
        assert_eq!(a.keys().collect::<Vec<_>>(), ["job.jar", "x.zip"]);
        assert!(a["job.jar"].published_name().ends_with(".jar"));
        assert!(load(Some(&d.path().join("nope"))).is_err());
    }
}
