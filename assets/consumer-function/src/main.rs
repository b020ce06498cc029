//! Lambda entry point (`bootstrap`): reads the settings, builds the pipeline and serves
//! Kinesis events. All logic is in the library part of the crate.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_lambda_events::event::streams::KinesisEventResponse;
use consumer_function::config::{Config, EmitterKind};
use consumer_function::emit::{AnyEmitter, LogEmitter, S3Emitter};
use consumer_function::transform::Transformer;
use consumer_function::Pipeline;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            // One line naming the variable, the value and what is allowed; Lambda reports the
            // init failure with it.
            eprintln!("{error}");
            std::process::exit(1);
        }
    };
    let function_name =
        std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "unknown".to_owned());
    let emitter = match &config.emitter {
        EmitterKind::Log => AnyEmitter::Log(LogEmitter::stdout()),
        EmitterKind::S3 { bucket, prefix } => AnyEmitter::S3(S3Emitter::new(
            S3Emitter::default_client().unwrap_or_else(|error| {
                eprintln!("{error}");
                std::process::exit(1);
            }),
            bucket.clone(),
            prefix.clone(),
            Transformer::new(config.transform.clone()).extension(),
        )),
    };
    let pipeline = Pipeline::new(&config, emitter);
    let pipeline = &pipeline;
    let function_name = function_name.as_str();

    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<KinesisEvent>| async move {
            let outcome = pipeline.handle(event.payload).await;
            let now_ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            println!("{}", outcome.metrics.emf_line(function_name, now_ms));
            Ok::<KinesisEventResponse, lambda_runtime::Error>(outcome.response)
        },
    ))
    .await
}
