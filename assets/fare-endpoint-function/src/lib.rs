//! Pattern 4 fare prediction endpoint.
//!
//! API Gateway (REST API, Lambda proxy integration) calls this function for
//! `GET /predictFare?id=..&pickup_lat=..&pickup_lon=..&dropoff_lat=..&dropoff_lon=..&passengers=..&pickup_time=..`.
//! The same fields are also accepted as a JSON object in the request body
//! (the Flink application posts them that way).
//!
//! The logic lives here so it can be unit-tested without the Lambda runtime:
//! [`request`] validates the input, [`fare`] computes the deterministic fare
//! and [`response`] builds the proxy-integration responses. `main.rs` only
//! wires [`handle`] into `lambda_runtime`.

pub mod fare;
pub mod request;
pub mod response;

use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use serde_json::Value;

/// Handles one API Gateway proxy event and always produces a proxy response:
/// 200 with the quote, or 400 naming the offending field for malformed input.
/// It never panics and never reports a function error for bad input.
pub fn handle(event: &Value) -> ApiGatewayProxyResponse {
    match request::FareRequest::from_proxy_event(event) {
        Ok(req) => response::ok(&fare::quote(&req)),
        Err(err) => response::bad_request(&err),
    }
}
