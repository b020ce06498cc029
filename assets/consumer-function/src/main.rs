//! Lambda entry point (`bootstrap`): reads the settings, builds the pipeline and serves
//! Kinesis events. All logic is in the library part of the crate.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_lambda_events::event::streams::KinesisEventResponse;
use consumer_function::config::{Config, EmitterKind};
use consumer_function::emit::{
    AnyEmitter, DynamoDbEmitter, EmitError, LogEmitter, OpenSearchEmitter, S3Emitter,
};
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
    let emitter = match emitter(&config) {
        Ok(emitter) => emitter,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
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

/// The emitter `EMITTER` chose, with its client built from the environment Lambda sets.
fn emitter(config: &Config) -> Result<AnyEmitter, EmitError> {
    Ok(match &config.emitter {
        EmitterKind::Log => AnyEmitter::Log(LogEmitter::stdout()),
        EmitterKind::S3 {
            bucket,
            prefix,
            compression,
        } => AnyEmitter::S3(S3Emitter::new(
            S3Emitter::default_client()?,
            bucket.clone(),
            prefix.clone(),
            Transformer::new(config.transform.clone()).extension(),
            *compression,
        )),
        EmitterKind::DynamoDb(settings) => AnyEmitter::DynamoDb(DynamoDbEmitter::new(
            DynamoDbEmitter::default_client()?,
            settings.clone(),
        )),
        EmitterKind::OpenSearch(settings) => {
            AnyEmitter::OpenSearch(OpenSearchEmitter::from_env(settings.clone())?)
        }
    })
}
