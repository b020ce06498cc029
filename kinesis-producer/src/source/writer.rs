//! Rendering generated records as JSON or delimited lines, and picking their partition key.

/// A record generator: writes one record's fields, in schema order.
pub trait Generator: Send {
    /// The field names, in the order they are written.
    fn fields(&self) -> &'static [&'static str];
    /// Writes the next record stamped with `unix_millis`.
    fn write(&mut self, unix_millis: u64, w: &mut RecordWriter);
}

/// Renders fields into a JSON object or a delimited line and captures the partition key field.
#[derive(Debug)]
pub struct RecordWriter {
    delimiter: Option<String>,
    key_field: Option<String>,
    buf: Vec<u8>,
    /// Length of the last record, to size the next one's buffer.
    hint: usize,
    key: Option<String>,
    first: bool,
}

impl RecordWriter {
    /// JSON when `delimiter` is `None`; `key_field` names the partition key field.
    #[must_use]
    pub fn new(delimiter: Option<String>, key_field: Option<String>) -> Self {
        Self {
            delimiter,
            key_field,
            buf: Vec::new(),
            hint: 128,
            key: None,
            first: true,
        }
    }

    fn begin(&mut self) {
        self.buf = Vec::with_capacity(self.hint + 16);
        self.key = None;
        self.first = true;
        if self.delimiter.is_none() {
            self.buf.push(b'{');
        }
    }

    fn field(&mut self, name: &str, value: &str, quoted: bool) {
        if self.key_field.as_deref() == Some(name) {
            self.key = Some(value.to_owned());
        }
        match &self.delimiter {
            Some(d) => {
                if !self.first {
                    self.buf.extend_from_slice(d.as_bytes());
                }
                self.buf.extend_from_slice(value.as_bytes());
            }
            None => {
                if !self.first {
                    self.buf.push(b',');
                }
                push_json_string(&mut self.buf, name);
                self.buf.push(b':');
                if quoted {
                    push_json_string(&mut self.buf, value);
                } else {
                    self.buf.extend_from_slice(value.as_bytes());
                }
            }
        }
        self.first = false;
    }

    /// A string field.
    pub fn text(&mut self, name: &str, value: &str) {
        self.field(name, value, true);
    }

    /// A number field (`value` is its JSON text).
    pub fn number(&mut self, name: &str, value: &str) {
        self.field(name, value, false);
    }

    /// Runs `g` for one record and returns its bytes and the captured key (if a key field is set).
    pub fn record(&mut self, g: &mut dyn Generator, unix_millis: u64) -> (Vec<u8>, Option<String>) {
        self.begin();
        g.write(unix_millis, self);
        if self.delimiter.is_none() {
            self.buf.push(b'}');
        }
        self.hint = self.buf.len();
        (std::mem::take(&mut self.buf), self.key.take())
    }
}

/// Appends `s` as a JSON string literal.
fn push_json_string(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            0..=0x1f => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[usize::from(b >> 4)]);
                buf.push(HEX[usize::from(b & 0xf)]);
            }
            _ => buf.push(b),
        }
    }
    buf.push(b'"');
}
