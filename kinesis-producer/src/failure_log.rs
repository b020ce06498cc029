//! The local failure file: user records that could not be delivered (retries exhausted, too
//! large, invalid key, abandoned at exit), one JSON object per line, so that nothing is dropped
//! silently.
//!
//! The file is created on the first failure and appended to as failures happen (so a killed
//! process still leaves what it had written); a run without failures leaves no file.
//! Each line: `{"partition_key": ..., "data": <UTF-8 text> | "data_base64": <base64>,
//! "error_code": ..., "error_message": ..., "attempts": N}`.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use kpl_aggregation::{deaggregate, KinesisRecord};

use crate::ProduceError;

/// Appends failed user records to a JSON-lines file.
#[derive(Debug)]
pub struct FailureLog {
    path: PathBuf,
    file: Option<BufWriter<File>>,
    records: u64,
}

impl FailureLog {
    /// A log that will write to `path` on the first failure.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            file: None,
            records: 0,
        }
    }

    /// Where failures go.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// User records written so far.
    #[must_use]
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Writes the user records of `record` (de-aggregated when it is a KPL aggregate) with the
    /// reason. Returns how many user records were written.
    ///
    /// # Errors
    /// [`ProduceError::FailureLog`] when the file cannot be created or written.
    pub fn write_kinesis_record(
        &mut self,
        record: &KinesisRecord,
        code: &str,
        message: &str,
        attempts: u32,
    ) -> Result<u64, ProduceError> {
        let users = deaggregate(
            &record.partition_key,
            record.explicit_hash_key.as_deref(),
            &record.data,
            "",
        );
        let mut n = 0;
        for user in &users {
            self.write_user_record(&user.partition_key, &user.data, code, message, attempts)?;
            n += 1;
        }
        Ok(n)
    }

    /// Writes one user record with the reason.
    ///
    /// # Errors
    /// [`ProduceError::FailureLog`] when the file cannot be created or written.
    pub fn write_user_record(
        &mut self,
        partition_key: &str,
        data: &[u8],
        code: &str,
        message: &str,
        attempts: u32,
    ) -> Result<(), ProduceError> {
        let mut line = serde_json::Map::new();
        line.insert("partition_key".into(), partition_key.into());
        match std::str::from_utf8(data) {
            Ok(text) => line.insert("data".into(), text.into()),
            Err(_) => line.insert(
                "data_base64".into(),
                base64::engine::general_purpose::STANDARD
                    .encode(data)
                    .into(),
            ),
        };
        line.insert("error_code".into(), code.into());
        line.insert("error_message".into(), message.into());
        line.insert("attempts".into(), attempts.into());
        let path = self.path.clone();
        let err = |e: std::io::Error| ProduceError::FailureLog {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        if self.file.is_none() {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(err)?;
            self.file = Some(BufWriter::new(file));
        }
        if let Some(file) = self.file.as_mut() {
            serde_json::to_writer(&mut *file, &line).map_err(|e| err(e.into()))?;
            file.write_all(b"\n").map_err(err)?;
        }
        self.records += 1;
        Ok(())
    }

    /// Flushes the file to disk.
    ///
    /// # Errors
    /// [`ProduceError::FailureLog`] when the flush fails.
    pub fn flush(&mut self) -> Result<(), ProduceError> {
        if let Some(file) = self.file.as_mut() {
            file.flush()
                .and_then(|()| file.get_ref().sync_all())
                .map_err(|e| ProduceError::FailureLog {
                    path: self.path.display().to_string(),
                    reason: e.to_string(),
                })?;
        }
        Ok(())
    }
}
