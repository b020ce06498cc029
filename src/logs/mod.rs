//! The CloudWatch logs of a stack, for `streamstack logs`: which log groups the stack's resources
//! write to ([`discovery`]), the `--since` time ([`time`]), events of several groups merged in
//! time order ([`merge`]), and reading them once or following them with FilterLogEvents
//! ([`follow`]).
//!
//! The command line and the printing are in the `logs` command; this module returns events and
//! never prints.

pub mod discovery;
pub mod follow;
pub mod merge;
pub mod time;

/// Which part of a pattern wrote a log event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// Pattern 1's Lambda consumer.
    Consumer,
    /// The Managed Flink application (patterns 2, 4, 5).
    Flink,
    /// Pattern 3's Firehose delivery stream (its error log).
    Firehose,
    /// A REST API's access and execution logs, and pattern 4's fare endpoint function behind its
    /// API.
    Api,
    /// The demo producer, when the stack gives it a log group.
    Producer,
}

impl Source {
    /// Every source, in the order they are shown.
    pub const ALL: [Source; 5] = [
        Source::Consumer,
        Source::Flink,
        Source::Firehose,
        Source::Api,
        Source::Producer,
    ];

    /// The name on the command line and in front of each event.
    pub fn name(self) -> &'static str {
        match self {
            Source::Consumer => "consumer",
            Source::Flink => "flink",
            Source::Firehose => "firehose",
            Source::Api => "api",
            Source::Producer => "producer",
        }
    }

    /// Parses `--source`: one name, `all`, or several names separated by commas. The result is
    /// in [`Source::ALL`] order, without repeats.
    ///
    /// # Errors
    /// One line naming the bad value and the allowed ones.
    pub fn parse_selection(text: &str) -> Result<Vec<Source>, String> {
        let bad = || {
            format!(
                "--source `{text}` is invalid: allowed consumer, flink, firehose, api, producer or all (several separated by commas)"
            )
        };
        let mut chosen = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            if part == "all" {
                chosen.extend(Source::ALL);
                continue;
            }
            let s = Source::ALL
                .into_iter()
                .find(|s| s.name() == part)
                .ok_or_else(bad)?;
            chosen.push(s);
        }
        chosen.sort();
        chosen.dedup();
        Ok(chosen)
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One log event, from one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When it was logged (milliseconds since the Unix epoch).
    pub time_ms: i64,
    /// Who wrote it.
    pub source: Source,
    /// Its log group.
    pub group: String,
    /// Its log stream.
    pub stream: String,
    /// The service's event id (unique within the group).
    pub id: String,
    /// The message, without its trailing line break.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_selections() {
        assert_eq!(
            Source::parse_selection("all").unwrap(),
            Source::ALL.to_vec()
        );
        assert_eq!(
            Source::parse_selection("flink,consumer,flink").unwrap(),
            vec![Source::Consumer, Source::Flink]
        );
        let e = Source::parse_selection("lambda").unwrap_err();
        assert!(
            e.contains("`lambda`") && e.contains("consumer, flink"),
            "{e}"
        );
        assert!(Source::parse_selection("").is_err());
        assert!(Source::parse_selection("api,").is_err());
    }
}
