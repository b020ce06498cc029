//! `cargo xtask bench-cold-start`: cold start of each `bootstrap` on the
//! local Runtime API harness.
//!
//! One sample is the time from spawning the process to the harness having
//! received the first invocation's response (so it includes exec, runtime
//! init, the `/next` poll, the handler and the response post). Each sample
//! gets a fresh process and a fresh Runtime API server. One warm-up run
//! (page cache) is discarded. arm64 binaries run under qemu user-mode
//! emulation on an x86_64 host, so their figures are labelled emulated and
//! say nothing about Graviton.

use crate::events;
use crate::functions::{Arch, Function};
use crate::harness::{HarnessError, LocalLambda, Outcome};
use crate::paths;
use std::time::Duration;

/// Cold-start statistics of one function on one architecture.
#[derive(Debug, Clone)]
pub struct ColdStart {
    /// The function.
    pub function: Function,
    /// The architecture.
    pub arch: Arch,
    /// Whether it ran under an emulator.
    pub emulated: bool,
    /// The measured samples, sorted.
    pub samples: Vec<Duration>,
}

impl ColdStart {
    /// Median of the samples.
    pub fn median(&self) -> Duration {
        percentile(&self.samples, 50)
    }

    /// 90th percentile (nearest rank).
    pub fn p90(&self) -> Duration {
        percentile(&self.samples, 90)
    }
}

/// Nearest-rank percentile of sorted samples; the median of an even count is
/// the mean of the two middle samples.
pub fn percentile(sorted: &[Duration], pct: usize) -> Duration {
    let n = sorted.len();
    if n == 0 {
        return Duration::ZERO;
    }
    if pct == 50 && n % 2 == 0 {
        return (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
    let rank = (pct * n).div_ceil(100).clamp(1, n);
    sorted[rank - 1]
}

/// Benchmark failures.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The bootstrap has not been built.
    #[error("{0} is missing: run `cargo xtask build-functions` first")]
    NotBuilt(String),
    /// The function failed on the harness.
    #[error(transparent)]
    Harness(#[from] HarnessError),
    /// The function answered with an invocation error.
    #[error("the function answered with an error: {0}")]
    FunctionError(String),
}

/// One cold start: spawn, invoke once, return spawn-to-response time.
pub fn cold_start_once(function: Function, arch: Arch) -> Result<(Duration, bool), BenchError> {
    let bootstrap = paths::bootstrap_path(function, arch);
    if !bootstrap.is_file() {
        return Err(BenchError::NotBuilt(bootstrap.display().to_string()));
    }
    let (config, event) = events::sample_invocation(function);
    let mut lambda = LocalLambda::spawn(&bootstrap, arch, &config)?;
    let received = lambda.invoke(&event)?;
    match received.outcome {
        Outcome::Response { .. } => Ok((
            received.at.saturating_duration_since(lambda.spawned_at()),
            lambda.emulated(),
        )),
        Outcome::Error { .. } => Err(BenchError::FunctionError(received.outcome.body_text())),
    }
}

/// Measures `runs` cold starts (after one discarded warm-up).
pub fn measure(function: Function, arch: Arch, runs: usize) -> Result<ColdStart, BenchError> {
    let (_, emulated) = cold_start_once(function, arch)?;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        samples.push(cold_start_once(function, arch)?.0);
    }
    samples.sort();
    Ok(ColdStart {
        function,
        arch,
        emulated,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        let s = ms(&(1..=20).collect::<Vec<_>>());
        assert_eq!(percentile(&s, 50), Duration::from_micros(10_500));
        assert_eq!(percentile(&s, 90), Duration::from_millis(18));
        assert_eq!(percentile(&ms(&[5]), 90), Duration::from_millis(5));
        assert_eq!(percentile(&ms(&[1, 2, 3]), 50), Duration::from_millis(2));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }
}
