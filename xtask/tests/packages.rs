//! Checks the zips written by `cargo xtask build-functions`: one `bootstrap`
//! entry, mode 0755, DOS-epoch timestamp, a static ELF for the right machine,
//! and byte-identical when the same binary is zipped again; the Flink jars: their main class, the
//! connector inside, Flink itself left out, and the same bytes from a rebuild elsewhere.

use xtask::functions::{Arch, FUNCTIONS};
use xtask::{package, paths};

#[test]
fn built_zips_are_deterministic_static_bootstraps() {
    for &function in FUNCTIONS {
        for arch in Arch::ALL {
            let zip_path = paths::zip_path(function, arch);
            let zip = std::fs::read(&zip_path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}: run `cargo xtask build-functions` first",
                    zip_path.display()
                )
            });
            let entry = package::read_bootstrap(&zip).expect("readable zip");
            assert_eq!(entry.mode, Some(0o100755), "{}", zip_path.display());
            let t = entry.modified.expect("timestamp");
            assert_eq!((t.year(), t.month(), t.day()), (1980, 1, 1));
            package::check_static_elf(&entry.bytes, arch.elf_machine())
                .unwrap_or_else(|e| panic!("{}: {e}", zip_path.display()));
            let again = package::zip_bootstrap(&entry.bytes).expect("zip");
            assert_eq!(
                package::sha256_hex(&again),
                package::sha256_hex(&zip),
                "{} is not reproducible",
                zip_path.display()
            );
        }
    }
}

#[test]
fn producer_zip_is_a_deterministic_static_x86_64_binary() {
    let zip_path = paths::assets_dir().join(xtask::build::PRODUCER_ZIP);
    let zip = std::fs::read(&zip_path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: run `cargo xtask build-functions` first",
            zip_path.display()
        )
    });
    let entry = package::read_entry(&zip, xtask::build::PRODUCER_BINARY)
        .expect("one streamstack-producer entry");
    assert_eq!(entry.mode, Some(0o100755));
    package::check_static_elf(&entry.bytes, Arch::X86_64.elf_machine()).expect("static x86_64");
    let again = package::zip_executable(xtask::build::PRODUCER_BINARY, &entry.bytes).expect("zip");
    assert_eq!(package::sha256_hex(&again), package::sha256_hex(&zip));
}

/// Names of every entry of a jar, and the text of its manifest.
fn jar_contents(jar: &[u8]) -> (Vec<String>, String) {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(jar)).expect("a jar is a zip");
    let names: Vec<String> = (0..archive.len())
        .map(|i| {
            archive
                .by_index(i)
                .expect("entry")
                .name()
                .expect("entry name")
                .into_owned()
        })
        .collect();
    let mut manifest = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("META-INF/MANIFEST.MF").expect("a manifest"),
        &mut manifest,
    )
    .expect("UTF-8 manifest");
    (names, manifest)
}

/// Each shipped jar starts its job, carries its Kinesis source, and leaves Flink itself to the
/// service (`provided`): no Flink class inside but the two connectors streaming-etl must bring
/// (see `bundled_flink_connector`). The source is the project's own
/// (`io.streamstack.flink.common.kinesis`): the Flink Kinesis connector 6.x is not served by the
/// package registry this project builds from (see the README).
#[test]
fn flink_jars_hold_their_job_and_kinesis_source_but_no_flink() {
    for job in xtask::flink::FLINK_JOBS {
        let path = paths::assets_dir().join(job.asset);
        let jar = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}: run `cargo xtask build-functions` first",
                path.display()
            )
        });
        let (names, manifest) = jar_contents(&jar);
        assert!(
            manifest
                .lines()
                .any(|l| l.trim() == format!("Main-Class: {}", job.main_class)),
            "{}: manifest {manifest}",
            job.asset
        );
        let class = |c: &str| format!("{}.class", c.replace('.', "/"));
        for wanted in [
            class(job.main_class),
            class("io.streamstack.flink.common.kinesis.KinesisStreamsSource"),
            class("io.streamstack.flink.common.KplDeaggregator"),
        ] {
            assert!(names.contains(&wanted), "{} lacks {wanted}", job.asset);
        }
        let flink: Vec<&String> = names
            .iter()
            .filter(|n| {
                n.starts_with("org/apache/flink/")
                    && !n.ends_with('/')
                    && !bundled_flink_connector(job, n)
            })
            .collect();
        assert!(flink.is_empty(), "{} shades Flink in: {flink:?}", job.asset);
        assert!(
            !names.iter().any(|n| n.starts_with("META-INF/")
                && (n.ends_with(".SF") || n.ends_with(".RSA") || n.ends_with(".DSA"))),
            "{} keeps signature files of a shaded dependency",
            job.asset
        );
    }
}

/// The Flink classes a job may carry: only the streaming-etl job's, and only the connectors and
/// formats Managed Service for Apache Flink does not put on the class path (the runtime provides
/// Flink's core, streaming, runtime, connector-base and connector-files modules, not
/// `flink-connector-kafka` nor `flink-parquet`, so the job must bring them). The Kafka
/// connector's artifact also holds its legacy `org/apache/flink/streaming/connectors/kafka` and
/// `org/apache/flink/streaming/util/serialization` packages. Everything else under
/// `org/apache/flink/` is still a defect (a provided module shaded in by mistake).
fn bundled_flink_connector(job: &xtask::flink::FlinkJob, entry: &str) -> bool {
    job.module == "streaming-etl"
        && [
            "org/apache/flink/connector/kafka/",
            "org/apache/flink/formats/parquet/",
            "org/apache/flink/streaming/connectors/kafka/",
            "org/apache/flink/streaming/util/serialization/JSONKeyValueDeserializationSchema",
        ]
        .iter()
        .any(|p| entry.starts_with(p))
}

fn copy_sources(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_sources(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// The same sources give the same jar bytes: a second build, from a copy of the Maven project in
/// another folder (offline: the first build resolved everything), matches what was shipped.
#[test]
fn flink_jars_rebuild_to_the_same_bytes_elsewhere() {
    let copy = tempfile::tempdir().unwrap();
    copy_sources(&xtask::flink::maven_project(), copy.path());
    let status = xtask::flink::maven(copy.path())
        .args(["-o", "-DskipTests", "package"])
        .status()
        .expect("run mvn");
    assert!(status.success(), "offline rebuild of the Flink jobs failed");
    for job in xtask::flink::FLINK_JOBS {
        let shipped = std::fs::read(paths::assets_dir().join(job.asset)).unwrap_or_else(|e| {
            panic!(
                "{}: {e}: run `cargo xtask build-functions` first",
                job.asset
            )
        });
        let rebuilt = std::fs::read(copy.path().join(job.module).join("target").join(format!(
            "{}-{}.jar",
            job.module,
            xtask::flink::MAVEN_VERSION
        )))
        .unwrap();
        assert_eq!(
            package::sha256_hex(&rebuilt),
            package::sha256_hex(&shipped),
            "{} is not reproducible",
            job.asset
        );
    }
}
