//! Record sources of `produce`: the seeded `stock` and `taxi` generators and file replay.

mod file;
mod rng;
mod stock;
mod taxi;
mod time;
mod writer;

use std::path::PathBuf;

pub use file::FileSource;
pub use rng::{RandomKeys, SplitMix64};
pub use stock::{StockGenerator, TICKERS};
pub use taxi::{haversine_miles, TaxiGenerator};
pub use time::{iso8601_utc, parse_event_time, write_iso8601_utc};
pub use writer::{Generator, RecordWriter};

/// Which records to produce: the `--generator` value `stock`, `taxi` or `file:PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeneratorSpec {
    /// Stock ticks (the seed's demo schema).
    Stock,
    /// Synthetic NYC taxi trips.
    Taxi,
    /// Lines of a file.
    File(PathBuf),
}

impl std::str::FromStr for GeneratorSpec {
    type Err = SourceError;

    fn from_str(s: &str) -> Result<Self, SourceError> {
        match s {
            "stock" => Ok(Self::Stock),
            "taxi" => Ok(Self::Taxi),
            _ => match s.strip_prefix("file:") {
                Some("") => Err(SourceError::Config(
                    "generator \"file:\" has no path: use file:PATH".into(),
                )),
                Some(path) => Ok(Self::File(PathBuf::from(path))),
                None => Err(SourceError::Config(format!(
                    "generator {s:?} is unknown: use stock, taxi or file:PATH"
                ))),
            },
        }
    }
}

/// How records are rendered (generators) or read (files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceConfig {
    /// `None`: JSON lines; `Some(d)`: delimited lines (non-empty delimiter).
    pub delimiter: Option<String>,
    /// Field whose value is the partition key (a 1-based column for delimited files);
    /// `None`: a seeded random key per record.
    pub partition_key_field: Option<String>,
    /// Field holding the event time (files with `need_event_time`).
    pub time_field: String,
    /// Read event times (for `--speedup`).
    pub need_event_time: bool,
    /// Seed of the generators and random keys.
    pub seed: u64,
}

/// One record to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    /// The record bytes, without a line ending.
    pub data: Vec<u8>,
    /// Its partition key (1 to 256 characters).
    pub partition_key: String,
    /// Its event time in Unix milliseconds, when known.
    pub event_time_ms: Option<i64>,
}

/// A stream of records.
pub trait Source: Send {
    /// The next record (`Ok(None)` at the end of a file; generators never end).
    ///
    /// # Errors
    /// [`SourceError`] for content that cannot be read as asked (with file and line).
    fn next_record(&mut self, now_unix_ms: u64) -> Result<Option<SourceRecord>, SourceError>;
}

/// Errors of the sources; every message is one line.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A bad setting (generator name, field, delimiter).
    #[error("{0}")]
    Config(String),
    /// The file cannot be opened.
    #[error("cannot open {path}: {reason}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file cannot be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A line does not have what was asked of it.
    #[error("{path} line {line} {reason}")]
    Line {
        /// The file.
        path: String,
        /// 1-based line number.
        line: u64,
        /// What is wrong ("is not JSON: ...", "field \"id\" is missing").
        reason: String,
    },
}

/// A partition key from a field value: at most 256 characters; `None` when empty.
pub(crate) fn key_from(value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    Some(match value.char_indices().nth(256) {
        Some((cut, _)) => value[..cut].to_owned(),
        None => value.to_owned(),
    })
}

/// A generator with its rendering and keys.
struct GeneratorSource<G: Generator> {
    generator: G,
    writer: RecordWriter,
    keys: Option<RandomKeys>,
}

impl<G: Generator> Source for GeneratorSource<G> {
    fn next_record(&mut self, now_unix_ms: u64) -> Result<Option<SourceRecord>, SourceError> {
        let (data, key) = self.writer.record(&mut self.generator, now_unix_ms);
        let partition_key = match (&mut self.keys, key) {
            (Some(keys), _) => keys.next_key(),
            (None, Some(k)) => key_from(&k).unwrap_or_else(|| "-".to_owned()),
            (None, None) => "-".to_owned(),
        };
        Ok(Some(SourceRecord {
            data,
            partition_key,
            event_time_ms: i64::try_from(now_unix_ms).ok(),
        }))
    }
}

fn generator_source<G: Generator + 'static>(
    generator: G,
    name: &str,
    config: &SourceConfig,
) -> Result<Box<dyn Source>, SourceError> {
    if let Some(f) = &config.partition_key_field {
        if !generator.fields().contains(&f.as_str()) {
            return Err(SourceError::Config(format!(
                "partition key field {f:?} is not a field of the {name} generator: use one of {}",
                generator.fields().join(", ")
            )));
        }
    }
    Ok(Box::new(GeneratorSource {
        writer: RecordWriter::new(config.delimiter.clone(), config.partition_key_field.clone()),
        keys: config
            .partition_key_field
            .is_none()
            .then(|| RandomKeys::new(config.seed)),
        generator,
    }))
}

/// Opens the source `spec` describes (a file is opened here).
///
/// # Errors
/// [`SourceError`] for a bad delimiter or field, or a file that cannot be opened.
pub fn open(spec: &GeneratorSpec, config: &SourceConfig) -> Result<Box<dyn Source>, SourceError> {
    if config.delimiter.as_deref() == Some("") {
        return Err(SourceError::Config(
            "delimiter is empty: pass one or more characters, e.g. --delimiter '|'".into(),
        ));
    }
    match spec {
        GeneratorSpec::Stock => generator_source(StockGenerator::new(config.seed), "stock", config),
        GeneratorSpec::Taxi => generator_source(TaxiGenerator::new(config.seed), "taxi", config),
        GeneratorSpec::File(path) => Ok(Box::new(FileSource::open(path, config)?)),
    }
}
