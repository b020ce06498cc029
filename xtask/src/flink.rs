//! The Flink jobs of patterns 2, 4 and 5: built with Maven from `assets/flink-jobs/` and copied
//! into `<target>/streamstack-assets/` under the names the templates reference.
//!
//! ```text
//! mvn -B -q -Dstyle.color=never -f assets/flink-jobs/pom.xml -DskipTests package
//! ```
//!
//! Batch mode, every plugin version pinned, so once the dependencies are in the local Maven
//! repository the build needs no network. The jars are reproducible: the build sets
//! `project.build.outputTimestamp`, so the same sources give the same bytes. The unit and
//! end-to-end tests of the jobs run in `deployment/run-all-tests.sh` (`mvn verify`), not here.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::artifact::{Artifact, BuildError};
use crate::deps;
use crate::package;
use crate::paths;

/// One Flink job: its Maven module and the asset name the pattern's template references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlinkJob {
    /// Maven module (folder under `assets/flink-jobs/`, also the artifact id).
    pub module: &'static str,
    /// File name in the assets folder (`<pattern>-flink.jar`).
    pub asset: &'static str,
    /// The job's main class (the jar's `Main-Class`).
    pub main_class: &'static str,
}

/// Every Flink job, one per Flink pattern.
pub const FLINK_JOBS: &[FlinkJob] = &[
    FlinkJob {
        module: "stock-max-price",
        asset: "kpl-kds-kda-flink.jar",
        main_class: "io.streamstack.flink.stock.StockMaxPriceJob",
    },
    FlinkJob {
        module: "taxi-fare-enrich",
        asset: "kds-kda-apigw-flink.jar",
        main_class: "io.streamstack.flink.taxi.TaxiFareEnrichJob",
    },
    FlinkJob {
        module: "streaming-etl",
        asset: "streaming-etl-flink.jar",
        main_class: "io.streamstack.flink.etl.StreamingEtlJob",
    },
];

/// The Maven build of the jobs (parent pom).
pub fn maven_project() -> PathBuf {
    paths::workspace_root().join("assets/flink-jobs")
}

/// The version of the Maven project (`<version>` of the parent pom), which names the jars.
pub const MAVEN_VERSION: &str = "0.1.0";

/// The jar Maven writes for `job`.
pub fn maven_jar(job: FlinkJob) -> PathBuf {
    maven_project()
        .join(job.module)
        .join("target")
        .join(format!("{}-{MAVEN_VERSION}.jar", job.module))
}

/// Builds every job with Maven (tests skipped) and copies the jars into the assets folder.
pub fn build_jobs() -> Result<Vec<Artifact>, BuildError> {
    deps::require_java()?;
    let project = maven_project();
    eprintln!(
        "==> mvn -B -q -f {}/pom.xml -DskipTests package",
        project.display()
    );
    let status = maven(&project)
        .args(["-DskipTests", "package"])
        .status()
        .map_err(BuildError::Spawn)?;
    if !status.success() {
        return Err(BuildError::Maven { status });
    }
    let assets = paths::assets_dir();
    std::fs::create_dir_all(&assets).map_err(|source| io_error("creating", &assets, source))?;
    FLINK_JOBS
        .iter()
        .map(|&job| {
            let built = maven_jar(job);
            let bytes =
                std::fs::read(&built).map_err(|source| io_error("reading", &built, source))?;
            let dest = assets.join(job.asset);
            write_atomically(&dest, &bytes)?;
            let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
            Ok(Artifact {
                name: job.module.to_owned(),
                arch: None,
                zip: dest,
                zip_size: size,
                binary_size: size,
                sha256: package::sha256_hex(&bytes),
            })
        })
        .collect()
}

/// `mvn -B -q -f <project>/pom.xml` (the caller adds goals and properties).
pub fn maven(project: &Path) -> Command {
    let mut cmd = Command::new("mvn");
    cmd.arg("-B")
        .arg("-q")
        .arg("-Dstyle.color=never")
        .arg("-f")
        .arg(project.join("pom.xml"))
        .current_dir(project);
    cmd
}

fn io_error(what: &str, path: &Path, source: std::io::Error) -> BuildError {
    BuildError::Io {
        context: format!("{what} {}", path.display()),
        source,
    }
}

/// Writes through a temp file in the same folder and a rename: never a half-written jar.
fn write_atomically(dest: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    let tmp = dest.with_extension("jar.tmp");
    std::fs::write(&tmp, bytes).map_err(|source| io_error("writing", &tmp, source))?;
    std::fs::rename(&tmp, dest).map_err(|source| io_error("renaming into", dest, source))
}
