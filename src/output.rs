//! `--output text|json`, shared by every command that has it ([`OutputArgs`], flattened like
//! [`crate::aws::AwsArgs`]), and the [`Printer`] the deploy engine writes through: readable lines
//! on stderr in text mode, JSON lines on stdout in JSON mode, or buffers in tests.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use clap::{Args, ValueEnum};

/// How a command shows its progress and result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputMode {
    /// Readable lines (colored on a terminal).
    #[default]
    Text,
    /// JSON on stdout, one object per line, for scripts and CI.
    Json,
}

/// `--output`, flattened into every command that has it.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct OutputArgs {
    /// `text` (default) or `json` (JSON lines on stdout, for CI).
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputMode,
}

/// Where a [`Printer`] writes one of its two streams.
#[derive(Debug, Clone)]
enum Sink {
    Stdout,
    Stderr,
    Buffer(Arc<Mutex<Vec<u8>>>),
}

impl Sink {
    fn line(&self, text: &str) {
        match self {
            Sink::Stdout => stdout_line(text),
            Sink::Stderr => stderr_line(text),
            Sink::Buffer(b) => {
                let mut b = b.lock().unwrap_or_else(|p| p.into_inner());
                b.extend_from_slice(text.as_bytes());
                b.push(b'\n');
            }
        }
    }
}

/// Exit code when the reader of stdout or stderr went away (`streamstack ... | head`): 128 +
/// SIGPIPE, what a shell reports for a tool that a closed pipe ends.
pub const CLOSED_PIPE_EXIT: i32 = 141;

fn write_line(mut w: impl std::io::Write, text: &str) {
    if let Err(e) = writeln!(w, "{text}").and_then(|()| w.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // Nobody reads any more: end quietly, as Unix tools do, instead of panicking as
            // `println!` does.
            std::process::exit(CLOSED_PIPE_EXIT);
        }
    }
}

/// One line on stdout; a closed pipe ends the process with [`CLOSED_PIPE_EXIT`].
pub fn stdout_line(text: &str) {
    write_line(std::io::stdout().lock(), text);
}

/// One line on stderr; a closed pipe ends the process with [`CLOSED_PIPE_EXIT`].
pub fn stderr_line(text: &str) {
    write_line(std::io::stderr().lock(), text);
}

/// Writes a command's lines in its [`OutputMode`]: messages go to stderr in text mode and become
/// `{"type": KIND, "message": TEXT, ...}` lines on stdout in JSON mode.
#[derive(Debug, Clone)]
pub struct Printer {
    mode: OutputMode,
    tty: bool,
    stdout: Sink,
    stderr: Sink,
}

/// What a [`Printer::capture`] printer wrote, for tests.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Captured {
    /// Everything written to stdout so far.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap_or_else(|p| p.into_inner())).into()
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap_or_else(|p| p.into_inner())).into()
    }
}

impl Printer {
    /// A printer on the process's stdout and stderr; colors when stderr is a terminal.
    pub fn new(mode: OutputMode) -> Self {
        Printer {
            mode,
            tty: std::io::stderr().is_terminal(),
            stdout: Sink::Stdout,
            stderr: Sink::Stderr,
        }
    }

    /// A printer that writes into buffers (never colored), and the handle to read them.
    pub fn capture(mode: OutputMode) -> (Self, Captured) {
        let captured = Captured::default();
        let printer = Printer {
            mode,
            tty: false,
            stdout: Sink::Buffer(captured.stdout.clone()),
            stderr: Sink::Buffer(captured.stderr.clone()),
        };
        (printer, captured)
    }

    /// The output mode.
    pub fn mode(&self) -> OutputMode {
        self.mode
    }

    /// Whether stderr is a terminal (text lines may be colored).
    pub fn tty(&self) -> bool {
        self.tty
    }

    /// One line on stdout.
    pub fn out(&self, line: &str) {
        self.stdout.line(line);
    }

    /// One line on stderr.
    pub fn err(&self, line: &str) {
        self.stderr.line(line);
    }

    /// A message: `text` on stderr in text mode; in JSON mode `{"type": kind, "message": text}`
    /// with the members of `extra` on stdout.
    pub fn say(&self, kind: &str, text: &str, extra: serde_json::Value) {
        match self.mode {
            OutputMode::Text => self.err(text),
            OutputMode::Json => {
                let mut v = serde_json::json!({"type": kind, "message": text});
                if let (Some(m), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
                    m.extend(e);
                }
                self.out(&v.to_string());
            }
        }
    }
}

/// Asks `question` on the terminal; true for y/yes. Callers make sure stdin is a terminal.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, Write};
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_stderr_lines_in_text_and_json_lines_on_stdout_in_json() {
        let (p, c) = Printer::capture(OutputMode::Text);
        p.say("info", "hello", serde_json::json!({"n": 1}));
        assert_eq!((c.stdout(), c.stderr()), (String::new(), "hello\n".into()));
        let (p, c) = Printer::capture(OutputMode::Json);
        p.say("info", "hello", serde_json::json!({"n": 1}));
        assert_eq!(
            c.stdout(),
            "{\"type\":\"info\",\"message\":\"hello\",\"n\":1}\n"
        );
        assert!(c.stderr().is_empty());
    }
}
