//! The `streamstack` command-line tool.

use std::process::ExitCode;

use clap::Parser;
use streamstack::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Synth(args) => streamstack::commands::synth::run(&args),
        Command::Dist(args) => streamstack::commands::dist::run(&args),
        Command::Upload(args) => streamstack::commands::upload::run(&args),
        Command::Deploy(args) => streamstack::commands::deploy::run(&args),
        Command::Diff(args) => streamstack::commands::deploy::diff::run(&args),
        Command::Destroy(args) => streamstack::commands::destroy::run(&args),
        Command::Start(args) => streamstack::commands::start::run(&args),
        Command::Stop(args) => streamstack::commands::stop::run(&args),
        Command::Status(args) => streamstack::commands::status::run(&args),
        Command::Produce(args) => streamstack::commands::produce::run(&args),
        Command::Tail(args) => streamstack::commands::tail::run(&args),
        Command::Patterns(args) => streamstack::commands::patterns::run(&args),
        Command::Blocks(args) => streamstack::commands::blocks::run(&args),
        Command::Rollback(args) => streamstack::commands::rollback::run(&args),
        Command::Watch(args) => streamstack::commands::watch::run(&args),
        Command::Logs(args) => streamstack::commands::logs::run(&args),
        Command::Ls(args) => streamstack::commands::ls::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err)
            if err
                .downcast_ref::<streamstack::error::ChangesFound>()
                .is_some() =>
        {
            ExitCode::from(streamstack::error::CHANGES_EXIT_CODE)
        }
        Err(err) => {
            // One line: the outermost message with its causes joined.
            streamstack::output::stderr_line(&format!("error: {err:#}"));
            ExitCode::from(streamstack::error::exit_code(&err))
        }
    }
}
