//! Benchmark of `synth --all`: prints figures, asserts nothing about time.
//! Run: `cargo bench --bench synth`.
//!
//! 1. in-process: render + serialize all four patterns (the work `synth --all` does);
//! 2. whole command: `streamstack synth --all --out DIR` as a child process, wall time and the
//!    child's peak resident memory (`wait4` rusage `ru_maxrss`).

use std::process::Command;
use std::time::{Duration, Instant};

use streamstack::pattern::PATTERN_IDS;
use streamstack::render::{render_pattern, to_json, RenderOptions};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

// The child is reaped by `wait4` below, which also reports its peak memory.
#[allow(clippy::zombie_processes)]
fn run_child(bin: &str, out: &std::path::Path) -> (Duration, u64) {
    let start = Instant::now();
    let child = Command::new(bin)
        .args(["synth", "--all", "--out"])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert_eq!(r, pid);
    assert_eq!(status, 0, "synth failed");
    (elapsed, usage.ru_maxrss as u64) // KiB on Linux
}

fn main() {
    let opts = RenderOptions::default();
    for _ in 0..3 {
        for id in PATTERN_IDS {
            std::hint::black_box(to_json(&render_pattern(id, &opts).unwrap()));
        }
    }
    let mut inproc = Vec::new();
    for _ in 0..50 {
        let start = Instant::now();
        for id in PATTERN_IDS {
            std::hint::black_box(to_json(&render_pattern(id, &opts).unwrap()));
        }
        inproc.push(start.elapsed());
    }
    println!(
        "in-process render+serialize of all four: median {:.2} ms, min {:.2} ms (50 runs)",
        median(inproc.clone()).as_secs_f64() * 1e3,
        inproc.iter().min().unwrap().as_secs_f64() * 1e3
    );

    let bin = env!("CARGO_BIN_EXE_streamstack");
    let dir = tempfile::tempdir().unwrap();
    let mut walls = Vec::new();
    let mut peak = 0;
    for _ in 0..20 {
        let (wall, rss) = run_child(bin, dir.path());
        walls.push(wall);
        peak = peak.max(rss);
    }
    println!("`streamstack synth --all` process: median wall {:.2} ms, max {:.2} ms, peak RSS {:.1} MiB (20 runs)",
        median(walls.clone()).as_secs_f64() * 1e3, walls.iter().max().unwrap().as_secs_f64() * 1e3, peak as f64 / 1024.0);
    println!("targets: < 50 ms and < 20 MiB for all four");
}
