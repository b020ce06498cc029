//! Events of several log groups in one time order ([`merge`]), and what a follow has already
//! shown ([`Cursor`]). Pure: the tests give the events.

use std::collections::HashMap;

use super::Event;

/// The events of every group in time order. Events of the same millisecond keep the order of
/// the source ([`super::Source::ALL`]), then of the group name, then the order the service gave
/// them in (which is the log's own order within a stream), so the result does not depend on
/// which group was read first.
pub fn merge(groups: Vec<Vec<Event>>) -> Vec<Event> {
    let mut all: Vec<Event> = groups.into_iter().flatten().collect();
    // A stable sort: equal keys keep the service's order.
    all.sort_by(|a, b| (a.time_ms, a.source, &a.group).cmp(&(b.time_ms, b.source, &b.group)));
    all
}

/// How far back each poll of a follow reads again before the newest event shown: CloudWatch
/// Logs may make an event searchable a little after a newer one of another stream of the same
/// group, and such an event must not be skipped.
pub const LATE_MS: i64 = 5_000;

/// What a follow has shown of one log group: where the next FilterLogEvents starts
/// ([`Cursor::start`]) and which events of the overlap were already shown, so each event is shown
/// once ([`Cursor::admit`]).
#[derive(Debug, Clone)]
pub struct Cursor {
    since: i64,
    newest: Option<i64>,
    /// Event id -> its time, for the events at or after [`Cursor::start`].
    seen: HashMap<String, i64>,
}

impl Cursor {
    /// A cursor that starts at `since_ms`.
    pub fn new(since_ms: i64) -> Self {
        Cursor {
            since: since_ms,
            newest: None,
            seen: HashMap::new(),
        }
    }

    /// Where the next read starts: `--since`, or [`LATE_MS`] before the newest event shown.
    pub fn start(&self) -> i64 {
        match self.newest {
            Some(n) => self.since.max(n - LATE_MS),
            None => self.since,
        }
    }

    /// The events of `read` not shown before, in the order given; remembers them.
    pub fn admit(&mut self, read: Vec<Event>) -> Vec<Event> {
        let fresh: Vec<Event> = read
            .into_iter()
            .filter(|e| e.time_ms >= self.since && !self.seen.contains_key(&e.id))
            .collect();
        for e in &fresh {
            self.seen.insert(e.id.clone(), e.time_ms);
            self.newest = Some(self.newest.map_or(e.time_ms, |n| n.max(e.time_ms)));
        }
        let start = self.start();
        self.seen.retain(|_, t| *t >= start);
        fresh
    }

    /// How many event ids are remembered (bounded by the events of the last [`LATE_MS`]).
    pub fn remembered(&self) -> usize {
        self.seen.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::Source;

    fn ev(t: i64, source: Source, group: &str, id: &str) -> Event {
        Event {
            time_ms: t,
            source,
            group: group.into(),
            stream: "s".into(),
            id: id.into(),
            message: format!("{group} {id}"),
        }
    }

    fn ids(events: &[Event]) -> Vec<&str> {
        events.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn merge_orders_by_time_then_source_then_group_keeping_the_log_order() {
        let consumer = vec![
            ev(10, Source::Consumer, "c", "c1"),
            ev(30, Source::Consumer, "c", "c2"),
            ev(30, Source::Consumer, "c", "c3"),
        ];
        let api = vec![
            ev(5, Source::Api, "b", "a1"),
            ev(30, Source::Api, "a", "a2"),
        ];
        let flink = vec![
            ev(20, Source::Flink, "f", "f1"),
            ev(30, Source::Flink, "f", "f2"),
        ];
        let expected = ["a1", "c1", "f1", "c2", "c3", "f2", "a2"];
        let merged = merge(vec![consumer.clone(), api.clone(), flink.clone()]);
        assert_eq!(ids(&merged), expected);
        // Whatever order the groups were read in.
        assert_eq!(ids(&merge(vec![flink, api, consumer])), expected);
        assert!(merge(vec![vec![], vec![]]).is_empty());
    }

    #[test]
    fn a_cursor_shows_each_event_once_and_rereads_a_late_window() {
        let mut c = Cursor::new(1_000);
        assert_eq!(c.start(), 1_000);
        let first = c.admit(vec![
            ev(500, Source::Api, "g", "old"),
            ev(1_000, Source::Api, "g", "e1"),
            ev(20_000, Source::Api, "g", "e2"),
        ]);
        assert_eq!(
            ids(&first),
            ["e1", "e2"],
            "events before --since are not shown"
        );
        assert_eq!(c.start(), 20_000 - LATE_MS);
        // The next read overlaps: e2 again, and an event that became searchable late.
        let second = c.admit(vec![
            ev(16_000, Source::Api, "g", "late"),
            ev(20_000, Source::Api, "g", "e2"),
            ev(21_000, Source::Api, "g", "e3"),
        ]);
        assert_eq!(ids(&second), ["late", "e3"]);
        assert!(c.admit(vec![ev(21_000, Source::Api, "g", "e3")]).is_empty());
        // Ids older than the window are forgotten: memory stays bounded.
        c.admit(vec![ev(100_000, Source::Api, "g", "e4")]);
        assert_eq!(c.remembered(), 1);
    }
}
