//! Deterministic packaging of a `bootstrap` into a Lambda deployment zip.
//!
//! The zip holds exactly one entry, `bootstrap`, deflated at level 9, with
//! unix mode 0755 (regular file) and the DOS epoch 1980-01-01 00:00:00 as its
//! timestamp, and no extra fields: the same binary always gives the same
//! bytes, so the zip's SHA-256 can name the asset.

use sha2::{Digest, Sha256};
use std::io::{Cursor, Read, Write};
use std::path::Path;
use thiserror::Error;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipArchive, ZipWriter};

/// Name of the only entry in a function zip.
pub const ENTRY_NAME: &str = "bootstrap";
/// Unix mode of the entry.
pub const ENTRY_MODE: u32 = 0o755;

/// Errors while writing, reading or checking a function package.
#[derive(Debug, Error)]
pub enum PackageError {
    /// The zip library failed.
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The binary is not what a `provided.al2023` function can run.
    #[error("{0}")]
    BadBinary(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PackageError + '_ {
    move |source| PackageError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Zips `bootstrap` (the binary's bytes) deterministically and returns the zip bytes.
pub fn zip_bootstrap(bootstrap: &[u8]) -> Result<Vec<u8>, PackageError> {
    zip_executable(ENTRY_NAME, bootstrap)
}

/// Zips one executable as the only entry `name`, with the same deterministic settings as
/// [`zip_bootstrap`] (used for the EC2 producer, whose entry is `streamstack-producer`).
pub fn zip_executable(name: &str, bytes: &[u8]) -> Result<Vec<u8>, PackageError> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .unix_permissions(ENTRY_MODE)
        .large_file(false);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file(name, options)?;
    writer.write_all(bytes).map_err(|source| PackageError::Io {
        path: name.into(),
        source,
    })?;
    Ok(writer.finish()?.into_inner())
}

/// The `bootstrap` entry of a function zip.
#[derive(Debug, Clone)]
pub struct BootstrapEntry {
    /// The uncompressed binary.
    pub bytes: Vec<u8>,
    /// Its unix mode (file type and permission bits), if recorded.
    pub mode: Option<u32>,
    /// Its timestamp, if recorded.
    pub modified: Option<DateTime>,
}

/// Reads the only entry, `bootstrap`, of a function zip.
pub fn read_bootstrap(zip: &[u8]) -> Result<BootstrapEntry, PackageError> {
    read_entry(zip, ENTRY_NAME)
}

/// Reads the only entry of a single-executable zip, which must be called `name`.
pub fn read_entry(zip: &[u8], name: &str) -> Result<BootstrapEntry, PackageError> {
    let mut archive = ZipArchive::new(Cursor::new(zip))?;
    if archive.len() != 1 {
        return Err(PackageError::BadBinary(format!(
            "expected exactly one entry ({name}), found {}",
            archive.len()
        )));
    }
    let mut entry = archive.by_name(name)?;
    let mode = entry.unix_mode();
    let modified = entry.last_modified();
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|source| PackageError::Io {
            path: name.into(),
            source,
        })?;
    Ok(BootstrapEntry {
        bytes,
        mode,
        modified,
    })
}

/// Extracts the `bootstrap` of the zip at `zip_path` into `dir` (mode 0755)
/// and returns its path.
pub fn extract_bootstrap(zip_path: &Path, dir: &Path) -> Result<std::path::PathBuf, PackageError> {
    let zip = std::fs::read(zip_path).map_err(io_err(zip_path))?;
    let entry = read_bootstrap(&zip)?;
    let out = dir.join(ENTRY_NAME);
    write_executable(&out, &entry.bytes)?;
    if let Some(mode) = entry.mode {
        set_mode(&out, mode & 0o7777)?;
    }
    Ok(out)
}

/// Writes `bytes` to `path` with mode 0755 (replacing it atomically).
pub fn write_executable(path: &Path, bytes: &[u8]) -> Result<(), PackageError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(io_err(&tmp))?;
    set_mode(&tmp, ENTRY_MODE)?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), PackageError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io_err(path))
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks that `elf` is a 64-bit little-endian executable for `machine`
/// without a program interpreter (i.e. statically linked, runnable on
/// `provided.al2023` without any shared library).
pub fn check_static_elf(elf: &[u8], machine: u16) -> Result<(), PackageError> {
    let bad = |why: &str| Err(PackageError::BadBinary(why.to_owned()));
    if elf.len() < 64 || elf[..4] != *b"\x7fELF" {
        return bad("not an ELF file");
    }
    if elf[4] != 2 || elf[5] != 1 {
        return bad("not a 64-bit little-endian ELF");
    }
    let u16_at = |o: usize| elf.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u64_at = |o: usize| {
        elf.get(o..o + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    let found = u16_at(18).unwrap_or(0);
    if found != machine {
        return Err(PackageError::BadBinary(format!(
            "ELF machine is {found:#x}, expected {machine:#x}"
        )));
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(32), u16_at(54), u16_at(56)) else {
        return bad("truncated ELF header");
    };
    for i in 0..usize::from(phnum) {
        let off = usize::try_from(phoff).unwrap_or(usize::MAX);
        let entry = off.saturating_add(i.saturating_mul(usize::from(phentsize)));
        let Some(p_type) = elf
            .get(entry..entry + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
        else {
            return bad("truncated program headers");
        };
        if p_type == 3 {
            return bad("dynamically linked (has a PT_INTERP program interpreter); expected a static musl binary");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_is_byte_identical_with_mode_0755_and_dos_epoch() {
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let a = zip_bootstrap(&payload).unwrap();
        let b = zip_bootstrap(&payload).unwrap();
        assert_eq!(sha256_hex(&a), sha256_hex(&b));
        assert_eq!(a, b);
        assert!(a.len() < payload.len(), "deflate should shrink it");

        let BootstrapEntry {
            bytes,
            mode,
            modified,
        } = read_bootstrap(&a).unwrap();
        assert_eq!(bytes, payload);
        assert_eq!(mode.map(|m| m & 0o777), Some(0o755));
        assert_eq!(mode.map(|m| m & 0o170000), Some(0o100000), "regular file");
        let modified = modified.unwrap();
        assert_eq!(
            (
                modified.year(),
                modified.month(),
                modified.day(),
                modified.hour(),
                modified.minute(),
                modified.second()
            ),
            (1980, 1, 1, 0, 0, 0)
        );
        // Local header: method 8 (deflate), DOS time 0, DOS date 0x0021 (1980-01-01).
        assert_eq!(&a[..4], b"PK\x03\x04");
        assert_eq!(u16::from_le_bytes([a[8], a[9]]), 8);
        assert_eq!(u16::from_le_bytes([a[10], a[11]]), 0);
        assert_eq!(u16::from_le_bytes([a[12], a[13]]), 0x21);
    }

    #[test]
    fn different_content_gives_different_zip() {
        assert_ne!(zip_bootstrap(b"a").unwrap(), zip_bootstrap(b"b").unwrap());
    }

    #[test]
    fn static_elf_check() {
        // The test binary itself is dynamically linked on a gnu host.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        if cfg!(all(target_env = "gnu", target_arch = "x86_64")) {
            assert!(check_static_elf(&me, 0x3e).is_err());
        }
        assert!(check_static_elf(b"not an elf", 0x3e).is_err());
        assert!(check_static_elf(&me, 0x1234).is_err());
    }
}
