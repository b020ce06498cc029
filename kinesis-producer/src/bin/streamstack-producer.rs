//! `streamstack-producer`: the producer that runs on the EC2 instance of patterns 2 and 4
//! (as a systemd service started by the instance's user data). Same options as
//! `streamstack produce`, plus `--region`; credentials and region come from the instance
//! profile through IMDSv2 when not set in the environment.

use std::process::ExitCode;

use clap::Parser;
use kinesis_producer::cli::{load_sdk_config, run, ProduceArgs};

/// Produce records to a Kinesis data stream (KPL-compatible aggregation).
#[derive(Debug, Parser)]
#[command(name = "streamstack-producer", version)]
struct Cli {
    #[command(flatten)]
    produce: ProduceArgs,
    /// Region (default: AWS_REGION, then the instance's region from IMDSv2).
    #[arg(long)]
    region: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let config = load_sdk_config(cli.region.clone()).await;
        if config.region().is_none() {
            return Err(kinesis_producer::ProduceError::Config(
                "no AWS region: pass --region or set AWS_REGION".into(),
            ));
        }
        run(&cli.produce, aws_sdk_kinesis::Client::new(&config)).await
    });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_usage() { 2 } else { 1 })
        }
    }
}
