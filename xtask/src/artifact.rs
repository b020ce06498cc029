//! What a build produces ([`Artifact`]) and why it fails ([`BuildError`]): shared by
//! [`crate::build`] (functions, producer) and [`crate::flink`] (jars), which call each other
//! neither way through it (`build` uses `flink`, both use this module).

use crate::deps::MissingTool;
use crate::functions::Arch;
use crate::package::PackageError;
use std::path::PathBuf;
use thiserror::Error;

/// Why a build failed.
#[derive(Debug, Error)]
pub enum BuildError {
    /// A toolchain piece is missing; the message is the one-line install hint.
    #[error(transparent)]
    Missing(#[from] MissingTool),
    /// `cargo build` could not be started.
    #[error("could not run cargo: {0}")]
    Spawn(std::io::Error),
    /// Maven failed to build the Flink jobs.
    #[error("mvn package of the Flink jobs (assets/flink-jobs) failed ({status}); `cargo xtask check-deps` checks the JDK and Maven")]
    Maven {
        /// Its exit status.
        status: std::process::ExitStatus,
    },
    /// Reading or writing a build output failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// `cargo build` failed.
    #[error("cargo build -p {package} failed ({status}); if a linker or C compiler is missing, `cargo xtask check-deps` says what to install")]
    Cargo {
        /// The package being built.
        package: String,
        /// Its exit status.
        status: std::process::ExitStatus,
    },
    /// Packaging failed or the binary is not a static ELF.
    #[error("{function} ({arch}): {source}")]
    Package {
        /// Function package name.
        function: String,
        /// Architecture.
        arch: Arch,
        /// What went wrong.
        source: PackageError,
    },
}

/// One packaged asset (a function's `bootstrap`, the EC2 producer, a Flink job's jar).
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Function package name, `producer`, or the Flink job's Maven module.
    pub name: String,
    /// The architecture (`None` for a jar).
    pub arch: Option<Arch>,
    /// The zip (or jar) written.
    pub zip: PathBuf,
    /// Size of the zip in bytes.
    pub zip_size: u64,
    /// Size of the unzipped `bootstrap` in bytes (of the jar itself for a Flink job).
    pub binary_size: u64,
    /// Hex SHA-256 of the zip.
    pub sha256: String,
}
