//! API Gateway proxy-integration responses.

use crate::fare::FareQuote;
use crate::request::FieldError;
use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{header, HeaderValue};
use serde_json::json;

fn json_response(status: i64, body: String) -> ApiGatewayProxyResponse {
    let mut resp = ApiGatewayProxyResponse::default();
    resp.status_code = status;
    resp.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.body = Some(Body::Text(body));
    resp
}

/// 200 with the quote as JSON.
pub fn ok(quote: &FareQuote) -> ApiGatewayProxyResponse {
    match serde_json::to_string(quote) {
        Ok(body) => json_response(200, body),
        // Serializing a struct of strings and finite floats cannot fail; answer
        // with a 500 rather than panicking if it ever does.
        Err(e) => json_response(500, json!({ "error": e.to_string() }).to_string()),
    }
}

/// 400 with `{"error": "...", "field": "<name>"}`.
pub fn bad_request(err: &FieldError) -> ApiGatewayProxyResponse {
    json_response(
        400,
        json!({ "error": err.to_string(), "field": err.field }).to_string(),
    )
}
