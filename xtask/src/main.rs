//! `cargo xtask <command>`: build and package the Lambda functions, check the
//! cross toolchain, benchmark cold starts. See `cargo xtask help`.

use anyhow::{bail, Context, Result};
use std::time::Duration;
use xtask::functions::{self, Arch, FUNCTIONS};
use xtask::{bench, build, deps};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  build-functions [--arch x86_64|arm64|all] [--function <package>|producer]
      build every Lambda bootstrap (static musl, profile `lambda`) and write
      <target>/streamstack-assets/<function>-<arch>.zip, and the EC2 producer
      (x86_64 only) as producer-x86_64.zip (prints SHA-256 and sizes)
  build-cli
      build-functions for both architectures, then a release `streamstack` with every
      zip embedded (STREAMSTACK_ASSETS_DIR), so dist/upload/deploy work from the one binary
  check-deps [--arch x86_64|arm64|all]
      check rustup targets, linker, C cross compilers and qemu; print one-line install hints
  bench-cold-start [--arch x86_64|arm64|all] [--runs N]
      cold start (spawn -> first response) of each built bootstrap on the local
      Lambda Runtime API harness; median and p90
";

/// Target for the x86_64 median cold start.
const COLD_START_TARGET: Duration = Duration::from_millis(15);

struct Args {
    arches: Vec<Arch>,
    functions: Vec<functions::Function>,
    /// Also build the EC2 producer (x86_64).
    producer: bool,
    runs: usize,
}

fn parse_args(rest: &[String]) -> Result<Args> {
    let mut args = Args {
        arches: Arch::ALL.to_vec(),
        functions: FUNCTIONS.to_vec(),
        producer: true,
        runs: 20,
    };
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .with_context(|| format!("{name} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--arch" => args.arches = functions::parse_arches(&value("--arch")?)?,
            "--function" => {
                let name = value("--function")?;
                if name == "producer" {
                    args.functions = Vec::new();
                    args.producer = true;
                    continue;
                }
                let f = functions::function(&name).with_context(|| {
                    let known: Vec<_> = FUNCTIONS.iter().map(|f| f.package).collect();
                    format!(
                        "unknown function {name}; known: {}, producer",
                        known.join(", ")
                    )
                })?;
                args.functions = vec![f];
                args.producer = false;
            }
            "--runs" => {
                args.runs = value("--runs")?.parse().context("--runs takes a number")?;
                if args.runs == 0 {
                    bail!("--runs must be at least 1");
                }
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    Ok(args)
}

fn build_functions(args: &Args) -> Result<()> {
    let report = build::build_selected(&args.functions, &args.arches, args.producer)?;
    println!(
        "{:<40} {:>10} {:>10}  sha256",
        "zip", "zip bytes", "bootstrap"
    );
    for a in &report.artifacts {
        println!(
            "{:<40} {:>10} {:>10}  {}",
            a.zip
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            a.zip_size,
            a.binary_size,
            a.sha256
        );
    }
    if let Some(dir) = report.artifacts.first().and_then(|a| a.zip.parent()) {
        println!("written to {}", dir.display());
    }
    println!("build-functions took {:.1} s", report.elapsed.as_secs_f64());
    Ok(())
}

/// Builds the function zips, then the release CLI with them embedded by its build script.
fn build_cli() -> Result<()> {
    let report = build::build_all(&Arch::ALL)?;
    let assets = xtask::paths::assets_dir();
    println!(
        "{} function zips in {}",
        report.artifacts.len(),
        assets.display()
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!(
        "==> STREAMSTACK_ASSETS_DIR={} cargo build --release -p streamstack",
        assets.display()
    );
    let status = std::process::Command::new(cargo)
        .current_dir(xtask::paths::workspace_root())
        .args(["build", "--release", "-p", "streamstack"])
        .env("CARGO_TARGET_DIR", xtask::paths::target_dir())
        .env("STREAMSTACK_ASSETS_DIR", &assets)
        .status()
        .context("run cargo")?;
    if !status.success() {
        bail!("cargo build --release -p streamstack failed ({status})");
    }
    println!(
        "{}",
        xtask::paths::target_dir()
            .join("release/streamstack")
            .display()
    );
    Ok(())
}

fn check_deps(args: &Args) -> Result<()> {
    let checks = deps::check(&args.arches, true);
    for c in &checks {
        println!("{}", c.line());
    }
    let missing = checks.iter().filter(|c| c.missing.is_some()).count();
    if missing > 0 {
        bail!("{missing} toolchain piece(s) missing; see the hints above");
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn bench_cold_start(args: &Args) -> Result<()> {
    println!(
        "cold start = process spawn -> first response received by the local Runtime API ({} runs after 1 warm-up)",
        args.runs
    );
    println!(
        "{:<24} {:<18} {:>10} {:>10} {:>10}",
        "function", "arch", "median", "p90", "max"
    );
    let mut failures = Vec::new();
    let mut target_missed = false;
    for &function in &args.functions {
        for &arch in &args.arches {
            match bench::measure(function, arch, args.runs) {
                Ok(r) => {
                    let label = if r.emulated {
                        format!("{arch} (emulated)")
                    } else {
                        arch.to_string()
                    };
                    println!(
                        "{:<24} {:<18} {:>10} {:>10} {:>10}",
                        function.package,
                        label,
                        ms(r.median()),
                        ms(r.p90()),
                        ms(r.samples.last().copied().unwrap_or_default())
                    );
                    if !r.emulated && r.median() > COLD_START_TARGET {
                        target_missed = true;
                    }
                }
                Err(e) => {
                    println!(
                        "{:<24} {:<18} failed: {}",
                        function.package,
                        arch,
                        first_line(&e.to_string())
                    );
                    failures.push(format!("{} ({arch}): {e}", function.package));
                }
            }
        }
    }
    println!(
        "target: median <= {} for native runs: {}",
        ms(COLD_START_TARGET),
        if target_missed { "MISSED" } else { "met" }
    );
    if !failures.is_empty() {
        bail!("{}", failures.join("\n"));
    }
    Ok(())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Prints errors as one line (`error: <what>: <cause>`), without a backtrace,
/// so a missing tool shows up as its install hint.
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = argv.split_first() else {
        print!("{USAGE}");
        return Ok(());
    };
    match command.as_str() {
        "build-functions" => build_functions(&parse_args(rest)?),
        "check-deps" => check_deps(&parse_args(rest)?),
        "build-cli" => build_cli(),
        "bench-cold-start" => bench_cold_start(&parse_args(rest)?),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other}\n{USAGE}"),
    }
}
