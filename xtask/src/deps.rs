//! Checks for the toolchain pieces the cross build, the harness and the
//! benchmark need. Each missing piece comes with a one-line install hint.

use crate::functions::Arch;
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a tool is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// `cargo xtask build-functions`.
    Build,
    /// The harness tests and `cargo xtask bench-cold-start` (arm64 only).
    Run,
}

/// One checked toolchain piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked, e.g. `rustup target aarch64-unknown-linux-musl`.
    pub what: String,
    /// Which architecture needs it (`None`: not architecture-specific, e.g. the JDK).
    pub arch: Option<Arch>,
    /// Whether it is needed to build or only to run the binaries.
    pub need: Need,
    /// `None` when present, else the one-line install hint.
    pub missing: Option<String>,
}

impl Check {
    /// `ok   <what>` or `MISSING <what>: <hint>`.
    pub fn line(&self) -> String {
        let arch = self.arch.map(|a| format!(" ({a})")).unwrap_or_default();
        match &self.missing {
            None => format!("ok       {}{arch}", self.what),
            Some(hint) => format!("MISSING  {}{arch}: {hint}", self.what),
        }
    }
}

/// The C compiler used for C code (e.g. `ring`) of `arch`: the
/// `CC_<triple>` override if set, else the default below.
pub fn c_compiler(arch: Arch) -> String {
    env::var(format!("CC_{}", arch.triple_env())).unwrap_or_else(|_| {
        match arch {
            Arch::X86_64 => "musl-gcc",
            Arch::Arm64 => "aarch64-linux-gnu-gcc",
        }
        .to_owned()
    })
}

/// The archiver for `arch`'s C code: `AR_<triple>` if set, else the default.
pub fn archiver(arch: Arch) -> String {
    env::var(format!("AR_{}", arch.triple_env())).unwrap_or_else(|_| {
        match arch {
            Arch::X86_64 => "ar",
            Arch::Arm64 => "aarch64-linux-gnu-ar",
        }
        .to_owned()
    })
}

/// The linker for `arch`: `CARGO_TARGET_<TRIPLE>_LINKER` if set, else
/// `rust-lld` for arm64 (shipped with rustc) and cargo's default (`cc`, which
/// links with rustc's self-contained musl CRT) for x86_64.
pub fn linker_override(arch: Arch) -> Option<String> {
    let var = format!("CARGO_TARGET_{}_LINKER", arch.triple_env().to_uppercase());
    match env::var(var) {
        Ok(v) => Some(v),
        Err(_) => match arch {
            Arch::Arm64 => Some("rust-lld".to_owned()),
            Arch::X86_64 => None,
        },
    }
}

/// The `qemu-aarch64-static` used to run arm64 binaries on an x86_64 host
/// (`QEMU_AARCH64` overrides the name).
pub fn qemu_aarch64() -> String {
    env::var("QEMU_AARCH64").unwrap_or_else(|_| "qemu-aarch64-static".to_owned())
}

/// Finds an executable by name on `PATH` (or checks an explicit path).
pub fn which(name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    if p.components().count() > 1 {
        return is_executable(p).then(|| p.to_path_buf());
    }
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|c| is_executable(c))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn rustc() -> String {
    env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned())
}

fn rustc_print(args: &[&str]) -> Option<String> {
    let out = Command::new(rustc()).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Whether the Rust standard library for `triple` is installed.
pub fn target_installed(triple: &str) -> bool {
    rustc_print(&["--print", "target-libdir", "--target", triple])
        .map(PathBuf::from)
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .is_some_and(|mut entries| {
            entries.any(|e| {
                e.map(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
                    .unwrap_or(false)
            })
        })
}

/// Whether rustc's bundled `rust-lld` is there.
pub fn rust_lld_available() -> bool {
    let Some(sysroot) = rustc_print(&["--print", "sysroot"]) else {
        return false;
    };
    let host = rustc_print(&["-vV"]).and_then(|v| {
        v.lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
    });
    host.is_some_and(|host| {
        Path::new(&sysroot)
            .join("lib/rustlib")
            .join(host)
            .join("bin/rust-lld")
            .is_file()
    }) || which("rust-lld").is_some()
}

/// Runs every check for `arches`; build checks first.
pub fn check(arches: &[Arch], include_run: bool) -> Vec<Check> {
    let mut checks = Vec::new();
    for &arch in arches {
        let triple = arch.triple();
        checks.push(Check {
            what: format!("rustup target {triple}"),
            arch: Some(arch),
            need: Need::Build,
            missing: (!target_installed(triple)).then(|| format!("rustup target add {triple}")),
        });
        if let Some(linker) = linker_override(arch) {
            let present = if linker == "rust-lld" {
                rust_lld_available()
            } else {
                which(&linker).is_some()
            };
            checks.push(Check {
                what: format!("linker {linker}"),
                arch: Some(arch),
                need: Need::Build,
                missing: (!present).then(|| {
                    if linker == "rust-lld" {
                        "rust-lld ships with rustc: reinstall the toolchain (rustup toolchain install stable --force)".to_owned()
                    } else {
                        format!("install {linker} or unset CARGO_TARGET_{}_LINKER", arch.triple_env().to_uppercase())
                    }
                }),
            });
        }
        let cc = c_compiler(arch);
        let package = match arch {
            Arch::X86_64 => "musl-tools",
            Arch::Arm64 => "gcc-aarch64-linux-gnu",
        };
        checks.push(Check {
            what: format!("C compiler {cc} (for C code such as ring)"),
            arch: Some(arch),
            need: Need::Build,
            missing: which(&cc)
                .is_none()
                .then(|| format!("apt-get install -y {package}")),
        });
        let ar = archiver(arch);
        checks.push(Check {
            what: format!("archiver {ar}"),
            arch: Some(arch),
            need: Need::Build,
            missing: which(&ar).is_none().then(|| match arch {
                Arch::X86_64 => "apt-get install -y binutils".to_owned(),
                Arch::Arm64 => "apt-get install -y binutils-aarch64-linux-gnu".to_owned(),
            }),
        });
        if include_run && !arch.is_native() && arch == Arch::Arm64 {
            let qemu = qemu_aarch64();
            checks.push(Check {
                what: format!("emulator {qemu} (harness tests and benchmark only)"),
                arch: Some(arch),
                need: Need::Run,
                missing: which(&qemu)
                    .is_none()
                    .then(|| "apt-get install -y qemu-user-static".to_owned()),
            });
        }
    }
    checks
}

/// The first missing build prerequisite for `arches` as a one-line error.
pub fn require_build(arches: &[Arch]) -> Result<(), MissingTool> {
    match check(arches, false)
        .into_iter()
        .find(|c| c.need == Need::Build && c.missing.is_some())
    {
        Some(c) => Err(MissingTool(c.line())),
        None => Ok(()),
    }
}

/// The Debian packages that bring a JDK 17 and Maven.
pub const JAVA_INSTALL: &str = "apt-get install -y openjdk-17-jdk-headless maven";

/// The major version `javac -version` reports (`javac 17.0.15` -> 17).
pub fn javac_major(version_output: &str) -> Option<u32> {
    let version = version_output.split_whitespace().nth(1)?;
    let major = version.split(['.', '-', '+']).next()?;
    match major.parse::<u32>().ok()? {
        1 => version.split('.').nth(1)?.parse().ok(), // 1.8 style
        m => Some(m),
    }
}

/// JDK 17 or newer and Maven, which build the Flink jobs of patterns 2 and 4.
pub fn check_java() -> Vec<Check> {
    let javac = which("javac").and_then(|p| Command::new(p).arg("-version").output().ok());
    let major = javac.as_ref().and_then(|o| {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        javac_major(text.trim())
    });
    let jdk_missing = match major {
        Some(m) if m >= 17 => None,
        Some(m) => Some(format!(
            "javac {m} is too old (the Flink jobs need 17+): {JAVA_INSTALL}"
        )),
        None => Some(JAVA_INSTALL.to_owned()),
    };
    vec![
        Check {
            what: "JDK 17+ (javac) for the Flink jobs".into(),
            arch: None,
            need: Need::Build,
            missing: jdk_missing,
        },
        Check {
            what: "Maven (mvn) for the Flink jobs".into(),
            arch: None,
            need: Need::Build,
            missing: which("mvn").is_none().then(|| JAVA_INSTALL.to_owned()),
        },
    ]
}

/// The first missing piece of the Java build as a one-line error.
pub fn require_java() -> Result<(), MissingTool> {
    match check_java().into_iter().find(|c| c.missing.is_some()) {
        Some(c) => Err(MissingTool(c.line())),
        None => Ok(()),
    }
}

/// A missing toolchain piece, with its install hint.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MissingTool(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javac_versions_parse_old_and_new_styles() {
        assert_eq!(javac_major("javac 17.0.15"), Some(17));
        assert_eq!(javac_major("javac 21"), Some(21));
        assert_eq!(javac_major("javac 25-ea"), Some(25));
        assert_eq!(javac_major("javac 1.8.0_292"), Some(8));
        assert_eq!(javac_major("Picked up JAVA_TOOL_OPTIONS"), None);
        assert_eq!(javac_major(""), None);
    }

    #[test]
    fn a_missing_jdk_or_maven_is_one_line_with_its_install_command() {
        let missing = Check {
            what: "Maven (mvn) for the Flink jobs".into(),
            arch: None,
            need: Need::Build,
            missing: Some(JAVA_INSTALL.to_owned()),
        };
        assert_eq!(
            missing.line(),
            "MISSING  Maven (mvn) for the Flink jobs: apt-get install -y openjdk-17-jdk-headless maven"
        );
        // On this machine both are there (the build of the jobs needs them).
        for c in check_java() {
            assert_eq!(c.missing, None, "{}", c.line());
        }
    }
}
