//! Exponential backoff with jitter for retried entries and throttled shards.

use std::time::Duration;

use crate::source::SplitMix64;

/// `base * 2^(attempt-1)`, capped at `cap`, then "equal jitter": half of it fixed, the other
/// half uniformly random, so that retries of many entries spread out instead of arriving
/// together.
#[must_use]
pub fn delay(attempt: u32, base: Duration, cap: Duration, rng: &mut SplitMix64) -> Duration {
    let exp = attempt.saturating_sub(1).min(30);
    let full = base.saturating_mul(1u32 << exp).min(cap);
    let half = full / 2;
    let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    let jitter = if nanos == 0 {
        0
    } else {
        rng.next_u64() % (nanos + 1)
    };
    half + Duration::from_nanos(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_caps_and_jitters() {
        let mut rng = SplitMix64::new(1);
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(5);
        for attempt in 1..40 {
            let full = base.saturating_mul(1 << (attempt - 1).min(30)).min(cap);
            let d = delay(attempt, base, cap, &mut rng);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
        let spread: std::collections::HashSet<_> =
            (0..50).map(|_| delay(3, base, cap, &mut rng)).collect();
        assert!(spread.len() > 40, "jitter spreads retries");
        assert_eq!(delay(0, Duration::ZERO, cap, &mut rng), Duration::ZERO);
    }
}
