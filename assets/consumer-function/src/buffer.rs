//! The buffer step: output lines collected until a count or byte limit, then emitted together.

/// What the buffer hands to the emitter: newline-terminated output lines of whole Kinesis
/// records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The output lines, each ending in `\n`.
    pub body: Vec<u8>,
    /// Number of user records (lines) in `body`.
    pub records: usize,
    /// Sequence number of the first Kinesis record in the batch: where Lambda must retry from
    /// when the batch cannot be emitted.
    pub first_sequence_number: String,
    /// Sequence number of the last Kinesis record in the batch.
    pub last_sequence_number: String,
    /// Shard of the records (from the event's `eventID`), when known.
    pub shard_id: Option<String>,
    /// `approximateArrivalTimestamp` of the first Kinesis record, in milliseconds since the
    /// Unix epoch: the S3 emitter's time folders (the same on every retry of the batch).
    pub arrival_ms: i64,
    /// Each Kinesis record of the batch in order: its sequence number and how many lines of
    /// `body` it holds. Maps a line that could not be written back to the record Lambda must
    /// retry from.
    pub sources: Vec<(String, usize)>,
}

impl Batch {
    /// The output lines without their newlines. The JSON transform never writes a newline
    /// inside a line, so with it line `i` is user record `i` of the batch.
    pub fn lines(&self) -> impl Iterator<Item = &[u8]> {
        self.body
            .strip_suffix(b"\n")
            .unwrap_or(&self.body)
            .split(|&b| b == b'\n')
            .filter(move |_| !self.body.is_empty())
    }

    /// The sequence number of the Kinesis record that holds line `line` (0-based); the last
    /// record's for an index past the end.
    #[must_use]
    pub fn sequence_number_of_line(&self, line: usize) -> &str {
        let mut end = 0;
        for (sequence_number, lines) in &self.sources {
            end += lines;
            if line < end {
                return sequence_number;
            }
        }
        &self.last_sequence_number
    }
}

/// Collects the output of whole Kinesis records.
///
/// The user records of one Kinesis record (an aggregate) are never split across two batches:
/// a failed batch then starts at a Kinesis record boundary, and Lambda's retry from that
/// record's sequence number neither skips nor repeats user records. A batch is therefore
/// closed *before* a Kinesis record that would take it past either limit, and a single Kinesis
/// record whose output exceeds a limit makes a batch of its own, larger than the limit.
#[derive(Debug)]
pub struct Buffer {
    max_records: usize,
    max_bytes: usize,
    current: Option<Batch>,
}

impl Buffer {
    /// A buffer closed at `max_records` lines or `max_bytes` bytes of output.
    #[must_use]
    pub fn new(max_records: usize, max_bytes: usize) -> Self {
        Self {
            max_records,
            max_bytes,
            current: None,
        }
    }

    /// Whether a Kinesis record with `records` lines of `bytes` bytes can join the current
    /// batch without passing a limit (always true when the buffer is empty).
    #[must_use]
    pub fn fits(&self, records: usize, bytes: usize) -> bool {
        self.current.as_ref().is_none_or(|b| {
            b.records + records <= self.max_records && b.body.len() + bytes <= self.max_bytes
        })
    }

    /// Adds the lines (`\n`-terminated) of the Kinesis record `sequence_number`.
    /// `arrival_ms` is the record's `approximateArrivalTimestamp` in milliseconds.
    pub fn push(
        &mut self,
        sequence_number: &str,
        shard_id: Option<&str>,
        arrival_ms: i64,
        lines: &[u8],
        records: usize,
    ) {
        let batch = self.current.get_or_insert_with(|| Batch {
            body: Vec::new(),
            records: 0,
            first_sequence_number: sequence_number.to_owned(),
            last_sequence_number: String::new(),
            shard_id: shard_id.map(str::to_owned),
            arrival_ms,
            sources: Vec::new(),
        });
        batch.body.extend_from_slice(lines);
        batch.records += records;
        sequence_number.clone_into(&mut batch.last_sequence_number);
        batch.sources.push((sequence_number.to_owned(), records));
    }

    /// Whether a limit is reached.
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|b| b.records >= self.max_records || b.body.len() >= self.max_bytes)
    }

    /// Takes the current batch, if any.
    pub fn take(&mut self) -> Option<Batch> {
        self.current.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closes_before_a_record_that_does_not_fit() {
        let mut buf = Buffer::new(3, 10);
        assert!(buf.fits(100, 100), "an empty buffer takes anything");
        assert!(buf.take().is_none());
        buf.push("1", Some("shardId-0"), 1_000, b"ab\n", 1);
        assert!(buf.fits(2, 7) && !buf.fits(3, 1) && !buf.fits(1, 8));
        buf.push("2", Some("shardId-0"), 2_000, b"c\nd\n", 2);
        assert!(buf.is_full(), "3 records");
        let batch = buf.take().unwrap();
        assert_eq!(
            batch,
            Batch {
                body: b"ab\nc\nd\n".to_vec(),
                records: 3,
                first_sequence_number: "1".into(),
                last_sequence_number: "2".into(),
                shard_id: Some("shardId-0".into()),
                arrival_ms: 1_000,
                sources: vec![("1".into(), 1), ("2".into(), 2)],
            }
        );
        assert_eq!(
            batch.lines().collect::<Vec<_>>(),
            vec![&b"ab"[..], b"c", b"d"]
        );
        let seqs: Vec<_> = (0..4).map(|i| batch.sequence_number_of_line(i)).collect();
        assert_eq!(seqs, ["1", "2", "2", "2"]);
        assert!(!buf.is_full() && buf.take().is_none());
    }

    #[test]
    fn byte_limit_and_oversized_record() {
        let mut buf = Buffer::new(100, 4);
        buf.push("1", None, 0, b"abcdefgh\n", 1);
        assert!(
            buf.is_full(),
            "one record over the byte limit is a batch of its own"
        );
        assert_eq!(buf.take().unwrap().body.len(), 9);
        buf.push("2", None, 0, b"abc\n", 1);
        assert!(buf.is_full(), "exactly at the limit");
    }
}
