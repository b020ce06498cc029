//! Recorded AWS responses for the tests of what the emulator cannot produce: an SDK
//! configuration whose HTTP client is a `StaticReplayClient` ([`Replay`]), which serves the
//! responses in order whatever service asks, and builders of the responses as the API
//! references document them (CloudFormation's awsQuery XML, the JSON of the awsJson services).

#![allow(dead_code)]

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudformation::config::Credentials;
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use clap::Parser;
use serde_json::Value;
use streamstack::cfn::Polling;
use streamstack::cli::{Cli, Command};
use streamstack::output::{Captured, OutputMode, Printer};

pub const NS: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
pub const STACK_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/orders/5f6e7d80";

pub fn xml(status: u16, body: String) -> HttpResponse {
    let mut r = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
    r.headers_mut().insert("content-type", "text/xml");
    r
}

/// A successful `<ActionResponse><ActionResult>...` answer.
pub fn ok(action: &str, result: &str) -> HttpResponse {
    xml(
        200,
        format!(
            "<{action}Response xmlns=\"{NS}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>7a1b2c3d-0000-4000-8000-000000000001</RequestId></ResponseMetadata></{action}Response>"
        ),
    )
}

/// An error answer: `<ErrorResponse><Error><Code>...`.
pub fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    xml(
        status,
        format!(
            "<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>7a1b2c3d-0000-4000-8000-000000000002</RequestId></ErrorResponse>"
        ),
    )
}

pub fn stack(name: &str, status: &str, protected: bool, outputs: &[(&str, &str)]) -> HttpResponse {
    let outputs: String = outputs
        .iter()
        .map(|(k, v)| {
            format!("<member><OutputKey>{k}</OutputKey><OutputValue>{v}</OutputValue></member>")
        })
        .collect();
    ok(
        "DescribeStacks",
        &format!(
            "<Stacks><member><StackId>{STACK_ID}</StackId><StackName>{name}</StackName><CreationTime>2026-01-05T10:00:00Z</CreationTime><StackStatus>{status}</StackStatus><EnableTerminationProtection>{protected}</EnableTerminationProtection><Outputs>{outputs}</Outputs></member></Stacks>"
        ),
    )
}

/// What DescribeStacks answers for a stack that does not exist.
pub fn no_stack(name: &str) -> HttpResponse {
    error(
        400,
        "ValidationError",
        &format!("Stack with id {name} does not exist"),
    )
}

/// ListStackResources (one page) with these (logical id, physical id, type), all
/// CREATE_COMPLETE.
pub fn stack_resources(resources: &[(&str, &str, &str)]) -> HttpResponse {
    let members: String = resources
        .iter()
        .map(|(logical, physical, kind)| {
            format!("<member><LogicalResourceId>{logical}</LogicalResourceId><PhysicalResourceId>{physical}</PhysicalResourceId><ResourceType>{kind}</ResourceType><LastUpdatedTimestamp>2026-01-05T10:00:00Z</LastUpdatedTimestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>")
        })
        .collect();
    ok(
        "ListStackResources",
        &format!("<StackResourceSummaries>{members}</StackResourceSummaries>"),
    )
}

/// An answer of an awsJson 1.1 service (Kinesis Analytics, CloudWatch Logs).
pub fn json(status: u16, body: &Value) -> HttpResponse {
    let mut r = HttpResponse::new(
        StatusCode::try_from(status).unwrap(),
        SdkBody::from(body.to_string()),
    );
    r.headers_mut()
        .insert("content-type", "application/x-amz-json-1.1");
    r
}

/// An awsJson error answer: HTTP 400, `{"__type": code, "message": message}`.
pub fn json_error(code: &str, message: &str) -> HttpResponse {
    json(
        400,
        &serde_json::json!({"__type": code, "message": message}),
    )
}

/// An SDK configuration whose every client is answered by the recorded responses, in order,
/// and the handle that shows what was sent.
pub struct Replay {
    pub http: StaticReplayClient,
    pub config: SdkConfig,
}

impl Replay {
    /// The SDK's standard retry (3 attempts) with millisecond backoffs, so a retried call is
    /// sent again at once, as many times as against AWS.
    pub async fn new(responses: Vec<HttpResponse>) -> Self {
        let http = StaticReplayClient::new(
            responses
                .into_iter()
                .map(|r| ReplayEvent::new(HttpRequest::new(SdkBody::empty()), r))
                .collect(),
        );
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(
                "AKIAREPLAYTEST",
                "replay-secret",
                Some("replay-session".into()),
                None,
                "replay",
            ))
            .endpoint_url("https://cloudformation.us-east-1.amazonaws.com")
            .retry_config(
                RetryConfig::standard()
                    .with_initial_backoff(Duration::from_millis(1))
                    .with_max_backoff(Duration::from_millis(5)),
            )
            .http_client(http.clone())
            .load()
            .await;
        Replay { http, config }
    }

    /// Runs a command's entry point (`deploy`, `destroy`, `watch`, ...) against the recorded
    /// responses: with this SDK configuration, polling without waits and a printer that
    /// captures what it prints in `mode`.
    pub async fn run(
        &self,
        mode: OutputMode,
        command: impl AsyncFnOnce(&SdkConfig, &Polling, &Printer) -> anyhow::Result<()>,
    ) -> (anyhow::Result<()>, Captured) {
        let (out, captured) = Printer::capture(mode);
        let result = command(&self.config, &Polling::immediate(), &out).await;
        (result, captured)
    }

    /// The request bodies sent (form-encoded awsQuery or JSON), in order.
    pub fn bodies(&self) -> Vec<String> {
        self.http
            .actual_requests()
            .map(|r| String::from_utf8_lossy(r.body().bytes().unwrap_or_default()).into_owned())
            .collect()
    }

    /// The operation of each request sent, in order: for the awsJson services the part of the
    /// `x-amz-target` header after the dot (`KinesisAnalytics_20180523.StartApplication`), for
    /// awsQuery the `Action` of the form body; `?` when a request has neither.
    pub fn operations(&self) -> Vec<String> {
        self.http
            .actual_requests()
            .map(|r| {
                if let Some(target) = r.headers().get("x-amz-target") {
                    return target
                        .split_once('.')
                        .map_or(target, |(_, op)| op)
                        .to_string();
                }
                let body = String::from_utf8_lossy(r.body().bytes().unwrap_or_default());
                body.split('&')
                    .find_map(|kv| kv.strip_prefix("Action="))
                    .unwrap_or("?")
                    .to_string()
            })
            .collect()
    }
}

/// The command of `streamstack ARGS...`.
pub fn parse(args: &[&str]) -> Command {
    Cli::try_parse_from([&["streamstack"], args].concat())
        .unwrap()
        .command
}

/// Each line of `text` read as JSON.
pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
