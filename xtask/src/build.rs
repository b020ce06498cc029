//! `cargo xtask build-functions`: cross-build and package every function.
//!
//! For each function of [`FUNCTIONS`] this runs, as a child process,
//!
//! ```text
//! cargo build --profile lambda -p <package> --target x86_64-unknown-linux-musl --target aarch64-unknown-linux-musl
//! ```
//!
//! in the workspace, into the normal target directory (`CARGO_TARGET_DIR` is
//! honoured), with the cross toolchain set through the environment only:
//!
//! * `CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=rust-lld` (rustc's own
//!   lld, links against rustc's self-contained musl CRT),
//! * `CC_<triple>` / `AR_<triple>` for C code such as `ring`:
//!   `aarch64-linux-gnu-gcc` / `aarch64-linux-gnu-ar` for arm64 and
//!   `musl-gcc` / `ar` for x86_64 (each only when not already set),
//! * `CARGO_TARGET_<TRIPLE>_RUSTFLAGS` += `--remap-path-prefix` for the
//!   workspace and `CARGO_HOME`, so the binaries (and hence the zips) do not
//!   depend on where the checkout or the registry lives.
//!
//! It then checks that each `bootstrap` is a static ELF for the right
//! machine, copies it to `<target>/streamstack-assets/<function>-<arch>/bootstrap`
//! and writes `<target>/streamstack-assets/<function>-<arch>.zip`.

pub use crate::artifact::{Artifact, BuildError};
use crate::deps;
use crate::functions::{Arch, Function, FUNCTIONS};
use crate::package::{self, PackageError};
use crate::paths;
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Timing and results of a build.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// The packaged zips.
    pub artifacts: Vec<Artifact>,
    /// Wall time of the whole build.
    pub elapsed: Duration,
}

fn cargo_home() -> Option<PathBuf> {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// The environment the child `cargo build` gets for `arches`.
pub fn cross_env(arches: &[Arch], workspace: &Path) -> Vec<(String, String)> {
    let mut vars = Vec::new();
    let mut set_default = |key: String, value: String| {
        if env::var_os(&key).is_none() {
            vars.push((key, value));
        }
    };
    for &arch in arches {
        let t = arch.triple_env();
        set_default(format!("CC_{t}"), deps::c_compiler(arch));
        set_default(format!("AR_{t}"), deps::archiver(arch));
        if let Some(linker) = deps::linker_override(arch) {
            set_default(format!("CARGO_TARGET_{}_LINKER", t.to_uppercase()), linker);
        }
    }
    let mut remaps = Vec::new();
    for (from, to) in [
        (Some(workspace.to_path_buf()), "/streamstack"),
        (cargo_home(), "/cargo"),
    ] {
        if let Some(from) = from.map(|p| p.display().to_string()) {
            if !from.contains(char::is_whitespace) {
                remaps.push(format!("--remap-path-prefix={from}={to}"));
            }
        }
    }
    for &arch in arches {
        let key = format!(
            "CARGO_TARGET_{}_RUSTFLAGS",
            arch.triple_env().to_uppercase()
        );
        let mut flags = env::var(&key).unwrap_or_default();
        for r in &remaps {
            if !flags.is_empty() {
                flags.push(' ');
            }
            flags.push_str(r);
        }
        vars.push((key, flags));
    }
    vars
}

/// Builds and packages `functions` for `arches` (see the module docs).
pub fn build_functions(functions: &[Function], arches: &[Arch]) -> Result<BuildReport, BuildError> {
    deps::require_build(arches)?;
    let start = Instant::now();
    let workspace = paths::workspace_root();
    let target_dir = paths::target_dir();
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut artifacts = Vec::new();
    for &function in functions {
        cargo_build(
            &cargo,
            function.package,
            None,
            arches,
            &workspace,
            &target_dir,
        )?;
        for &arch in arches {
            let built = paths::cargo_output(&target_dir, function, arch);
            let copy = paths::bootstrap_path(function, arch);
            let zip = paths::zip_path(function, arch);
            let artifact = package_binary(
                function.package,
                arch,
                &built,
                package::ENTRY_NAME,
                &copy,
                &zip,
            )
            .map_err(|source| BuildError::Package {
                function: function.package.to_owned(),
                arch,
                source,
            })?;
            artifacts.push(artifact);
        }
    }
    Ok(BuildReport {
        artifacts,
        elapsed: start.elapsed(),
    })
}

/// Builds every function of [`FUNCTIONS`], the Flink jobs and, when x86_64 is asked for, the
/// EC2 producer.
pub fn build_all(arches: &[Arch]) -> Result<BuildReport, BuildError> {
    build_selected(FUNCTIONS, arches, true, true)
}

/// Builds `functions` for `arches`; when `producer` is set and x86_64 is asked for, the EC2
/// producer (which exists for x86_64 only); when `flink` is set, the Flink jobs (Maven).
pub fn build_selected(
    functions: &[Function],
    arches: &[Arch],
    producer: bool,
    flink: bool,
) -> Result<BuildReport, BuildError> {
    if flink {
        deps::require_java()?;
    }
    let mut report = build_functions(functions, arches)?;
    let start = Instant::now();
    if producer && arches.contains(&Arch::X86_64) {
        report.artifacts.push(build_producer()?);
    }
    if flink {
        report.artifacts.extend(crate::flink::build_jobs()?);
    }
    report.elapsed += start.elapsed();
    Ok(report)
}

/// Package of the producer that runs on the EC2 instances of patterns 2 and 4.
pub const PRODUCER_PACKAGE: &str = "kinesis-producer";
/// Its binary, and the name of the only entry of its zip.
pub const PRODUCER_BINARY: &str = "streamstack-producer";
/// Its zip in the assets folder: the templates download `producer-x86_64.zip` (the instances
/// are x86_64, so there is no arm64 build).
pub const PRODUCER_ZIP: &str = "producer-x86_64.zip";

/// Builds the producer (static x86_64 musl, profile `lambda`) and writes
/// `<target>/streamstack-assets/producer-x86_64.zip` holding `streamstack-producer`.
pub fn build_producer() -> Result<Artifact, BuildError> {
    let arch = Arch::X86_64;
    deps::require_build(&[arch])?;
    let workspace = paths::workspace_root();
    let target_dir = paths::target_dir();
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    cargo_build(
        &cargo,
        PRODUCER_PACKAGE,
        Some(PRODUCER_BINARY),
        &[arch],
        &workspace,
        &target_dir,
    )?;
    let built = target_dir
        .join(arch.triple())
        .join("lambda")
        .join(PRODUCER_BINARY);
    let assets = paths::assets_dir();
    package_binary(
        "producer",
        arch,
        &built,
        PRODUCER_BINARY,
        &assets.join("producer-x86_64").join(PRODUCER_BINARY),
        &assets.join(PRODUCER_ZIP),
    )
    .map_err(|source| BuildError::Package {
        function: "producer".into(),
        arch,
        source,
    })
}

/// `cargo build --profile lambda -p <package> [--bin <bin>] --target ...` with the cross
/// toolchain environment.
fn cargo_build(
    cargo: &str,
    package: &str,
    bin: Option<&str>,
    arches: &[Arch],
    workspace: &Path,
    target_dir: &Path,
) -> Result<(), BuildError> {
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace)
        .args(["build", "--profile", "lambda", "-p", package]);
    if let Some(bin) = bin {
        cmd.args(["--bin", bin]);
    }
    for arch in arches {
        cmd.args(["--target", arch.triple()]);
    }
    cmd.env("CARGO_TARGET_DIR", target_dir)
        .envs(cross_env(arches, workspace));
    eprintln!(
        "==> cargo build --profile lambda -p {package}{} {}",
        bin.map(|b| format!(" --bin {b}")).unwrap_or_default(),
        arches
            .iter()
            .map(|a| format!("--target {}", a.triple()))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let status = cmd.status().map_err(BuildError::Spawn)?;
    if !status.success() {
        return Err(BuildError::Cargo {
            package: package.to_owned(),
            status,
        });
    }
    Ok(())
}

/// Checks that `built` is a static ELF for `arch`, copies it to `copy` and zips it as the
/// only entry `entry` into `zip_path` (atomically).
fn package_binary(
    name: &str,
    arch: Arch,
    built: &Path,
    entry: &str,
    copy: &Path,
    zip_path: &Path,
) -> Result<Artifact, PackageError> {
    let binary = std::fs::read(built).map_err(|source| PackageError::Io {
        path: built.display().to_string(),
        source,
    })?;
    package::check_static_elf(&binary, arch.elf_machine())?;
    if let Some(dir) = copy.parent() {
        std::fs::create_dir_all(dir).map_err(|source| PackageError::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    package::write_executable(copy, &binary)?;
    let zip = package::zip_executable(entry, &binary)?;
    let tmp = zip_path.with_extension("zip.tmp");
    std::fs::write(&tmp, &zip)
        .and_then(|()| std::fs::rename(&tmp, zip_path))
        .map_err(|source| PackageError::Io {
            path: zip_path.display().to_string(),
            source,
        })?;
    Ok(Artifact {
        name: name.to_owned(),
        arch: Some(arch),
        zip: zip_path.to_path_buf(),
        zip_size: zip.len() as u64,
        binary_size: binary.len() as u64,
        sha256: package::sha256_hex(&zip),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_env_sets_linker_compiler_and_path_remaps() {
        let vars = cross_env(&Arch::ALL, Path::new("/work/checkout"));
        let get = |k: &str| {
            vars.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        for arch in Arch::ALL {
            let t = arch.triple_env();
            let rustflags = get(&format!("CARGO_TARGET_{}_RUSTFLAGS", t.to_uppercase()));
            assert!(
                rustflags
                    .is_some_and(|f| f.contains("--remap-path-prefix=/work/checkout=/streamstack")),
                "{rustflags:?}"
            );
            // Only defaults are filled in; a variable set by the caller is left alone.
            let cc = format!("CC_{t}");
            assert_eq!(get(&cc).is_some(), env::var_os(&cc).is_none());
        }
        let linker = "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER";
        if env::var_os(linker).is_none() {
            assert_eq!(get(linker), Some("rust-lld"));
        }
    }
}
