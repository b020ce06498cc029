//! The `streamstack` command-line tool.

use std::process::ExitCode;

use clap::CommandFactory;
use streamstack::cli::{Cli, Command, ParseError};

fn main() -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let cli = match Cli::parse_with_config(std::env::args_os().collect(), &cwd) {
        Ok(cli) => cli,
        Err(ParseError::Clap(e)) => e.exit(),
        Err(ParseError::Config(e)) => {
            streamstack::output::stderr_line(&format!("error: {e}"));
            return ExitCode::from(2);
        }
    };
    // User manifests by name are also found in the `patterns/` folder of the config file's
    // project (issue #23); `./streamstack.toml`'s folder is the working directory, searched anyway.
    if let Some(file) = &cli.config {
        streamstack::pattern::set_config_file(&cwd.join(file));
    }
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
        Command::Completions(args) => {
            streamstack::commands::completions::run(&args, Cli::command())
        }
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
