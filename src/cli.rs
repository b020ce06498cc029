//! Command-line interface definition (clap derive). Each subcommand's arguments live beside its
//! implementation; this file only wires them together.

use clap::{Parser, Subcommand};

/// Render, package and deploy four Amazon Kinesis streaming patterns as CloudFormation stacks.
#[derive(Debug, Parser)]
#[command(name = "streamstack", version, about, long_about = None)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// All subcommands of the tool.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render patterns to CloudFormation templates.
    Synth(crate::commands::synth::SynthArgs),
    /// Package templates and code assets in the build-s3-dist layout.
    Dist(crate::commands::dist::DistArgs),
    /// Upload code assets to an S3 asset bucket (content-addressed, skips unchanged objects).
    Upload(crate::commands::upload::UploadArgs),
    /// Deploy a pattern as a stack through a change set.
    Deploy(crate::commands::deploy::DeployArgs),
    /// Show what a deploy would change on a stack, property by property (exit 3 with --exit-code
    /// when something would change).
    Diff(crate::commands::deploy::diff::DiffArgs),
    /// Delete a stack.
    Destroy(crate::commands::destroy::DestroyArgs),
    /// Start a stack's Flink application and follow it to RUNNING.
    Start(crate::commands::start::StartArgs),
    /// Stop a stack's Flink application and follow it to READY.
    Stop(crate::commands::stop::StopArgs),
    /// Show a stack's status, outputs, last events and alarm states.
    Status(crate::commands::status::StatusArgs),
    /// Send records to a Kinesis data stream with KPL aggregation.
    Produce(crate::commands::produce::ProduceCommand),
    /// Read every shard of a stream, de-aggregate and print the records.
    Tail(crate::commands::tail::TailArgs),
    /// List the built-in patterns and the user manifests (patterns/*.yaml of the working directory).
    Patterns(crate::commands::patterns::PatternsArgs),
    /// List the building blocks with what each needs, provides and reads.
    Blocks(crate::commands::blocks::BlocksArgs),
    /// Roll back a stack a failed operation left behind (RollbackStack, ContinueUpdateRollback).
    Rollback(crate::commands::rollback::RollbackArgs),
    /// Follow a stack operation already in progress to its end (events, root cause on failure).
    Watch(crate::commands::watch::WatchArgs),
    /// Show a stack's CloudWatch logs (consumer, Flink, Firehose, API, producer), merged in time order.
    Logs(crate::commands::logs::LogsArgs),
    /// List the streamstack stacks of a region with their pattern, status and Flink application.
    Ls(crate::commands::ls::LsArgs),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
