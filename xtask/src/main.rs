//! `cargo xtask <command>`: build and package the Lambda functions, check the
//! cross toolchain, benchmark cold starts. See `cargo xtask help`.

use anyhow::{bail, Context, Result};
use std::time::Duration;
use xtask::functions::{self, Arch, FUNCTIONS};
use xtask::{bench, build, deps};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  build-functions [--arch x86_64|arm64|all] [--function <package>|producer|flink]
      build every Lambda bootstrap (static musl, profile `lambda`) and write
      <target>/streamstack-assets/<function>-<arch>.zip, the EC2 producer
      (x86_64 only) as producer-x86_64.zip, and the Flink jobs with Maven as
      <pattern>-flink.jar (prints SHA-256 and sizes)
  build-cli
      build-functions for both architectures, then a release `streamstack` with every
      zip embedded (STREAMSTACK_ASSETS_DIR), so dist/upload/deploy work from the one binary
  check-deps [--arch x86_64|arm64|all]
      check rustup targets, linker, C cross compilers and qemu; print one-line install hints
  bench-cold-start [--arch x86_64|arm64|all] [--runs N]
      cold start (spawn -> first response) of each built bootstrap on the local
      Lambda Runtime API harness; median and p90
  fare-front --bootstrap PATH --api-key KEY [--secret-key S] [--arch x86_64|arm64]
             [--fail-every N] [--fail-status CODE] [--slow-every N] [--slow-ms MS]
      a local API Gateway front for the fare endpoint (API key + SigV4 checks, proxy
      events to the real bootstrap, injected failures); prints `LISTENING <url>`, serves
      until stdin closes (for the Flink job's end-to-end tests)
";

/// Target for the x86_64 median cold start.
const COLD_START_TARGET: Duration = Duration::from_millis(15);

struct Args {
    arches: Vec<Arch>,
    functions: Vec<functions::Function>,
    /// Also build the EC2 producer (x86_64).
    producer: bool,
    /// Also build the Flink jobs (Maven).
    flink: bool,
    runs: usize,
}

fn parse_args(rest: &[String]) -> Result<Args> {
    let mut args = Args {
        arches: Arch::ALL.to_vec(),
        functions: FUNCTIONS.to_vec(),
        producer: true,
        flink: true,
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
                if name == "producer" || name == "flink" {
                    args.functions = Vec::new();
                    args.producer = name == "producer";
                    args.flink = name == "flink";
                    continue;
                }
                let f = functions::function(&name).with_context(|| {
                    let known: Vec<_> = FUNCTIONS.iter().map(|f| f.package).collect();
                    format!(
                        "unknown function {name}; known: {}, producer, flink",
                        known.join(", ")
                    )
                })?;
                args.functions = vec![f];
                args.producer = false;
                args.flink = false;
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
    let report = build::build_selected(&args.functions, &args.arches, args.producer, args.flink)?;
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
    let mut checks = deps::check(&args.arches, true);
    checks.extend(deps::check_java());
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
fn fare_front(rest: &[String]) -> Result<()> {
    use std::io::{Read, Write};
    use xtask::fare_front::{FareFront, FrontConfig};

    let mut bootstrap = None;
    let mut api_key = None;
    let mut config = FrontConfig::new(std::path::PathBuf::new(), "");
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = |v: &str| -> Result<u64> {
            v.parse()
                .with_context(|| format!("{flag} takes a whole number, not `{v}`"))
        };
        match flag.as_str() {
            "--bootstrap" => bootstrap = Some(std::path::PathBuf::from(value)),
            "--api-key" => api_key = Some(value.clone()),
            "--secret-key" => config.secret_key = Some(value.clone()),
            "--arch" => config.arch = value.parse()?,
            "--stage" => config.stage = value.clone(),
            "--fail-every" => config.fail_every = Some(number(value)?),
            "--fail-status" => {
                config.fail_status = u16::try_from(number(value)?)
                    .ok()
                    .filter(|s| (100..600).contains(s))
                    .with_context(|| {
                        format!("--fail-status takes an HTTP status, not `{value}`")
                    })?;
            }
            "--slow-every" => config.slow_every = Some(number(value)?),
            "--slow-ms" => config.slow = Duration::from_millis(number(value)?),
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    config.bootstrap = bootstrap.context("fare-front needs --bootstrap PATH")?;
    config.api_key = api_key.context("fare-front needs --api-key KEY")?;
    let front = FareFront::start(config)?;
    let mut out = std::io::stdout();
    writeln!(out, "LISTENING http://{}", front.addr())?;
    out.flush()?;
    // Serve until whoever started us closes our stdin (or exits).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    Ok(())
}

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
        "fare-front" => fare_front(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other}\n{USAGE}"),
    }
}
