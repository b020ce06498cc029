//! Embeds every pattern manifest and template fragment in the binary, so that a forgotten
//! `include_str!` can never drop a file: the list is generated from the folders themselves.
//!
//! Also embeds the code assets (function zips, producer zip, Flink jars) when `STREAMSTACK_ASSETS_DIR` names a
//! folder of them: `cargo xtask build-cli` builds them first and sets it. This script never runs
//! cargo itself (a nested cargo on the same target dir deadlocks); it only copies files.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut out = String::from("/// Embedded sources: (path relative to the repository, contents).\npub static FILES: &[(&str, &str)] = &[\n");
    for dir in ["patterns", "templates"] {
        println!("cargo:rerun-if-changed={dir}");
        let mut names: Vec<String> = std::fs::read_dir(Path::new(&root).join(dir))
            .expect("folder exists")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".hbs"))
            .collect();
        names.sort();
        for name in names {
            let path = Path::new(&root).join(dir).join(&name);
            writeln!(
                out,
                "    ({:?}, include_str!({:?})),",
                format!("{dir}/{name}"),
                path.display().to_string()
            )
            .expect("write to string");
        }
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("embedded_sources.rs");
    std::fs::write(dest, out).expect("write embedded_sources.rs");
    embed_assets();
}

fn embed_assets() {
    println!("cargo:rerun-if-env-changed=STREAMSTACK_ASSETS_DIR");
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let copy_dir = out_dir.join("assets");
    let _ = std::fs::remove_dir_all(&copy_dir);
    std::fs::create_dir_all(&copy_dir).expect("create OUT_DIR/assets");
    let mut names = Vec::new();
    if let Some(dir) = std::env::var_os("STREAMSTACK_ASSETS_DIR") {
        let dir = std::path::PathBuf::from(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        match std::fs::read_dir(&dir) {
            Ok(entries) => {
                for e in entries.filter_map(|e| e.ok()) {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.ends_with(".zip") || name.ends_with(".jar") {
                        std::fs::copy(e.path(), copy_dir.join(&name)).expect("copy asset");
                        names.push(name);
                    }
                }
            }
            Err(e) => println!(
                "cargo:warning=STREAMSTACK_ASSETS_DIR={} cannot be read ({e}); no assets embedded",
                dir.display()
            ),
        }
    }
    names.sort();
    if names.is_empty() {
        println!("cargo:warning=no code assets embedded: dist/upload/deploy need --assets-dir; `cargo xtask build-cli` builds a CLI with them inside");
    }
    let mut out = String::from(
        "/// Embedded code assets: (file name, bytes).\npub static ASSETS: &[(&str, &[u8])] = &[\n",
    );
    for name in names {
        writeln!(
            out,
            "    ({name:?}, include_bytes!({:?})),",
            copy_dir.join(&name).display().to_string()
        )
        .expect("write to string");
    }
    out.push_str("];\n");
    std::fs::write(out_dir.join("embedded_assets.rs"), out).expect("write embedded_assets.rs");
}
