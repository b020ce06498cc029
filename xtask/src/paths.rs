//! Where things are: the workspace, its target directory and the assets.

use crate::functions::{Arch, Function};
use std::env;
use std::path::{Path, PathBuf};

/// The workspace root (the parent of the `xtask` crate).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cargo target directory: `CARGO_TARGET_DIR` if set (relative paths are
/// taken relative to the current directory, as cargo does), else
/// `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                env::current_dir().map(|cwd| cwd.join(&dir)).unwrap_or(dir)
            }
        }
        None => workspace_root().join("target"),
    }
}

/// `<target>/streamstack-assets`, where the zips are written.
pub fn assets_dir() -> PathBuf {
    target_dir().join("streamstack-assets")
}

/// `<target>/streamstack-assets/<function>-<arch>.zip`.
pub fn zip_path(function: Function, arch: Arch) -> PathBuf {
    assets_dir().join(format!("{}-{}.zip", function.package, arch.lambda_name()))
}

/// `<target>/streamstack-assets/<function>-<arch>/bootstrap`, the unzipped copy.
pub fn bootstrap_path(function: Function, arch: Arch) -> PathBuf {
    assets_dir()
        .join(format!("{}-{}", function.package, arch.lambda_name()))
        .join("bootstrap")
}

/// Where cargo puts a function's binary in a `--target <triple> --profile lambda` build. The
/// binary is named after its package (two binaries called `bootstrap` in one workspace would
/// overwrite each other in `target/debug`); the zip stores it as `bootstrap`.
pub fn cargo_output(target_dir: &Path, function: Function, arch: Arch) -> PathBuf {
    target_dir
        .join(arch.triple())
        .join("lambda")
        .join(function.package)
}
