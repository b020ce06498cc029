//! Checks the zips written by `cargo xtask build-functions`: one `bootstrap`
//! entry, mode 0755, DOS-epoch timestamp, a static ELF for the right machine,
//! and byte-identical when the same binary is zipped again.

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
