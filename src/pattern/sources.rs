//! Where manifests and fragments come from: the embedded copies, or a `--templates DIR` override
//! holding files with the same names (`<block>.json.hbs`, `<pattern>.yaml`, `shared.yaml`).

use std::path::Path;

use super::Error;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_sources.rs"));
}

/// All embedded files as (relative path, contents).
pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
    embedded::FILES
}

fn load(folder: &str, name: &str, dir: Option<&Path>) -> Result<String, Error> {
    if let Some(dir) = dir {
        let path = dir.join(name);
        if path.is_file() {
            return std::fs::read_to_string(&path).map_err(|e| Error::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            });
        }
    }
    let key = format!("{folder}/{name}");
    embedded::FILES
        .iter()
        .find(|(path, _)| *path == key)
        .map(|(_, text)| (*text).to_string())
        .ok_or(Error::MissingSource { name: key })
}

/// The text of manifest file `name` (e.g. `kds-kdf-s3.yaml`).
pub fn manifest(name: &str, dir: Option<&Path>) -> Result<String, Error> {
    load("patterns", name, dir)
}

/// The handlebars text of building block `block` (file `<block>.json.hbs`).
pub fn fragment(block: &str, dir: Option<&Path>) -> Result<String, Error> {
    load("templates", &format!("{block}.json.hbs"), dir)
}
