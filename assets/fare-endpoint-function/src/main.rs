//! Lambda entry point (`bootstrap`) of the fare endpoint: wires
//! [`fare_endpoint_function::handle`] into `lambda_runtime`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(fare_endpoint_function::handle(&event.payload))
    }))
    .await
}
