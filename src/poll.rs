//! The one poll-with-backoff helper every wait of the tool uses (a change set being created, a
//! stack operation followed, a Flink application starting, stopping or settling): a delay that
//! doubles up to a maximum, an optional deadline, and throttled polls repeated rather than
//! failed (recognised from the error's code, [`crate::aws::AwsError::is_throttling`]).
//!
//! The caller keeps its own loop (it decides what a poll means and what it prints); a
//! [`Poller`] only says how long to wait before the next poll and whether a failed poll may be
//! repeated.

use std::time::{Duration, Instant};

use crate::aws::AwsError;

/// How often to poll while waiting: the first delay, doubled after each poll up to the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first poll.
    pub first: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Backoff {
    /// The delay after `delay`: doubled, at most [`Backoff::max`].
    pub fn next(&self, delay: Duration) -> Duration {
        (delay * 2).min(self.max)
    }

    /// The same delay every time.
    pub fn fixed(delay: Duration) -> Self {
        Backoff {
            first: delay,
            max: delay,
        }
    }
}

/// Poll intervals for change sets, stack operations and Flink applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polling {
    /// While a change set is being created.
    pub change_set: Backoff,
    /// While a stack operation runs (its events are followed).
    pub stack: Backoff,
    /// While a Flink application starts or stops (see [`crate::flink::lifecycle`]).
    pub application: Backoff,
}

impl Default for Polling {
    /// 200 ms up to 3 s for change sets, 250 ms up to 5 s for stack operations, 1 s up to 5 s
    /// for Flink applications.
    fn default() -> Self {
        Polling {
            change_set: Backoff {
                first: Duration::from_millis(200),
                max: Duration::from_secs(3),
            },
            stack: Backoff {
                first: Duration::from_millis(250),
                max: Duration::from_secs(5),
            },
            application: Backoff {
                first: Duration::from_secs(1),
                max: Duration::from_secs(5),
            },
        }
    }
}

impl Polling {
    /// Polls with no pause (tests against recorded responses).
    pub fn immediate() -> Self {
        let none = Backoff::fixed(Duration::ZERO);
        Polling {
            change_set: none,
            stack: none,
            application: none,
        }
    }
}

/// Consecutive throttled polls tolerated (each already retried by the SDK) before failing.
pub const THROTTLED_POLLS: u32 = 10;

/// The state of one wait: the next delay, the deadline, the throttled polls in a row.
#[derive(Debug, Clone)]
pub struct Poller {
    backoff: Backoff,
    delay: Duration,
    started: Instant,
    limit: Option<Duration>,
    throttled: u32,
}

impl Poller {
    /// A wait with `backoff` and no deadline.
    pub fn new(backoff: Backoff) -> Self {
        Poller {
            backoff,
            delay: backoff.first,
            started: Instant::now(),
            limit: None,
            throttled: 0,
        }
    }

    /// The same wait, which ends `limit` after now (see [`Poller::wait`]).
    pub fn until(mut self, limit: Duration) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Time since the wait began.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// A poll was answered: the count of throttled polls in a row starts again.
    pub fn answered(&mut self) {
        self.throttled = 0;
    }

    /// A poll failed with `err`: whether to poll again (after [`Poller::wait`]) rather than fail,
    /// which is when the service throttled it ([`AwsError::is_throttling`], found anywhere in the
    /// error's chain) fewer than [`THROTTLED_POLLS`] times in a row.
    pub fn retry_throttled(&mut self, err: &anyhow::Error) -> bool {
        let throttled = err
            .chain()
            .filter_map(|e| e.downcast_ref::<AwsError>())
            .any(AwsError::is_throttling);
        if throttled && self.throttled < THROTTLED_POLLS {
            self.throttled += 1;
            true
        } else {
            false
        }
    }

    /// Sleeps before the next poll (never past the deadline) and doubles the delay; `false`,
    /// without sleeping, once the deadline has passed.
    pub async fn wait(&mut self) -> bool {
        let pause = match self.limit {
            Some(limit) => {
                let left = limit.saturating_sub(self.started.elapsed());
                if left.is_zero() {
                    return false;
                }
                self.delay.min(left)
            }
            None => self.delay,
        };
        tokio::time::sleep(pause).await;
        self.delay = self.backoff.next(self.delay);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_the_maximum() {
        let b = Backoff {
            first: Duration::from_millis(200),
            max: Duration::from_secs(3),
        };
        assert_eq!(
            b.next(Duration::from_millis(200)),
            Duration::from_millis(400)
        );
        assert_eq!(b.next(Duration::from_secs(2)), Duration::from_secs(3));
    }

    #[tokio::test]
    async fn a_wait_ends_at_its_deadline_and_tolerates_throttling_a_few_times() {
        let mut p = Poller::new(Backoff::fixed(Duration::from_millis(1))).until(Duration::ZERO);
        assert!(!p.wait().await, "a wait past its deadline must end");
        let mut p = Poller::new(Backoff::fixed(Duration::ZERO));
        assert!(p.wait().await);
        let throttled: anyhow::Error =
            AwsError::service("cannot read", "ThrottlingException", "Rate exceeded").into();
        let other: anyhow::Error =
            AwsError::service("cannot read", "ValidationError", "bad").into();
        assert!(!p.retry_throttled(&other));
        for _ in 0..THROTTLED_POLLS {
            assert!(p.retry_throttled(&throttled));
        }
        assert!(
            !p.retry_throttled(&throttled),
            "throttled too often in a row"
        );
        p.answered();
        assert!(p.retry_throttled(&throttled.context("outer")));
    }
}
