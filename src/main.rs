//! The `streamstack` command-line tool.

use std::process::ExitCode;

use clap::Parser;
use streamstack::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Synth(args) => streamstack::synth::run(&args),
        Command::Dist(args) => streamstack::dist::run(&args),
        Command::Upload(args) => streamstack::upload::run(&args),
        Command::Deploy(args) => streamstack::deploy::run(&args),
        Command::Destroy(args) => streamstack::destroy::run(&args),
        Command::Start(args) => streamstack::start::run(&args),
        Command::Stop(args) => streamstack::stop::run(&args),
        Command::Status(args) => streamstack::status::run(&args),
        Command::Produce(args) => streamstack::produce::run(&args),
        Command::Tail(args) => streamstack::tail::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the outermost message with its causes joined.
            streamstack::output::stderr_line(&format!("error: {err:#}"));
            ExitCode::from(streamstack::error::exit_code(&err))
        }
    }
}
