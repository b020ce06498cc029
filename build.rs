//! Embeds every pattern manifest and template fragment in the binary, so that a forgotten
//! `include_str!` can never drop a file: the list is generated from the folders themselves.

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
}
