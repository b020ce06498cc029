//! AWS SDK configuration shared by the commands that call AWS: the standard credential and region
//! chain (`--profile`, `--region`, environment, config files, `AWS_ENDPOINT_URL`), one rustls
//! HTTP client, and [`AwsError`]: a failed call kept as data (context, code, message), shown as
//! one line.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use clap::Args;

/// `--profile` and `--region`, flattened into every command that calls AWS.
#[derive(Debug, Clone, Default, Args)]
pub struct AwsArgs {
    /// Named profile from the AWS config files (default: AWS_PROFILE or `default`).
    #[arg(long, global = false)]
    pub profile: Option<String>,
    /// Region (default: AWS_REGION or the profile's region).
    #[arg(long)]
    pub region: Option<String>,
}

/// Loads the SDK configuration; fails with one line when no region can be found.
pub async fn sdk_config(args: &AwsArgs) -> anyhow::Result<SdkConfig> {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http);
    if let Some(p) = &args.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &args.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(crate::error::UsageError(
            "no AWS region: pass --region, set AWS_REGION, or set a region in your profile"
                .to_string(),
        )
        .into());
    }
    Ok(config)
}

/// One line describing an SDK error: `Code: message` for service errors (or the HTTP status when
/// the service sent no error body), a plain reason for connection and credential problems.
pub fn describe<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let SdkError::ServiceError(se) = err {
        let e = se.err();
        return match (e.code(), e.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.to_string(),
            (None, Some(m)) => m.to_string(),
            (None, None) => {
                // An error body the SDK could not parse (e.g. another XML layout): read it plainly.
                let body = se
                    .raw()
                    .body()
                    .bytes()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                match (xml_text(&body, "Code"), xml_text(&body, "Message")) {
                    (Some(c), Some(m)) => format!("{c}: {m}"),
                    (Some(c), None) => c,
                    _ => format!("HTTP {} from the service", se.raw().status().as_u16()),
                }
            }
        };
    }
    let text = format!("{}", DisplayErrorContext(err));
    let line = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    simplify(&line)
}

/// A failed AWS call, kept as data: what was being done, the service's error code and message
/// (when the service sent them), the HTTP status, and the one-line text shown to the user
/// (`context: Code: message`, see [`describe`]). Errors are recognised from the code, never from
/// the text, so a reworded message cannot silently break a retry.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{context}: {detail}")]
pub struct AwsError {
    context: String,
    code: Option<String>,
    message: Option<String>,
    status: Option<u16>,
    detail: String,
}

/// Codes that mean "slow down": across the services the tool calls (CloudFormation and STS
/// `Throttling`, Managed Flink and CloudWatch `ThrottlingException`/`TooManyRequestsException`,
/// Kinesis `ProvisionedThroughputExceededException`, S3 `SlowDown`, EC2 `RequestLimitExceeded`).
/// `LimitExceededException` is not one: in Managed Flink and Kinesis it means a quota is reached.
const THROTTLING_CODES: [&str; 9] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "ProvisionedThroughputExceededException",
    "SlowDown",
];

/// Codes that mean "no such thing".
const NOT_FOUND_CODES: [&str; 6] = [
    "ResourceNotFoundException",
    "NotFound",
    "NoSuchKey",
    "NoSuchBucket",
    "NoSuchEntity",
    "NotFoundException",
];

const EXPIRED_CODES: [&str; 2] = ["ExpiredToken", "ExpiredTokenException"];

impl AwsError {
    /// The error of a failed call made while doing `context`.
    pub fn new<E>(context: impl std::fmt::Display, err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = match err {
            SdkError::ServiceError(se) => se.err().code().map(str::to_string).or_else(|| {
                // An error body the SDK could not parse (e.g. another XML layout).
                let body = se.raw().body().bytes().map(String::from_utf8_lossy);
                body.and_then(|b| xml_text(&b, "Code"))
            }),
            // A credential provider's error (e.g. an expired SSO token) is not a service error
            // and carries no code: the provider's own text is all there is to recognise.
            _ => {
                let text = format!("{}", DisplayErrorContext(err));
                EXPIRED_CODES
                    .iter()
                    .rev()
                    .find(|c| text.contains(*c))
                    .map(|c| c.to_string())
            }
        };
        AwsError {
            context: context.to_string(),
            code,
            message: error_message(err).map(str::to_string),
            status: err.raw_response().map(|r| r.status().as_u16()),
            detail: describe(err),
        }
    }

    /// A service error made of its parts (what a service would have answered), for tests and
    /// for callers that recognise an error before it is one.
    pub fn service(
        context: impl std::fmt::Display,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let (code, message) = (code.into(), message.into());
        AwsError {
            context: context.to_string(),
            detail: format!("{code}: {message}"),
            code: Some(code),
            message: Some(message),
            status: Some(400),
        }
    }

    /// What was being done, e.g. ``cannot read stack `orders` ``.
    pub fn context(&self) -> &str {
        &self.context
    }

    /// The service's error code, e.g. `ValidationError`.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The service's error message.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The error as one line without its context (see [`describe`]).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Whether the service asked to slow down (a poll is then repeated, not failed).
    pub fn is_throttling(&self) -> bool {
        self.code().is_some_and(|c| THROTTLING_CODES.contains(&c))
    }

    /// Whether the thing asked for does not exist: a not-found code, or an HTTP 404 without an
    /// error body (S3's HeadObject and HeadBucket answer so).
    pub fn is_not_found(&self) -> bool {
        self.code()
            .is_some_and(|c| NOT_FOUND_CODES.contains(&c) || c.ends_with(".NotFound"))
            || self.status == Some(404)
    }

    /// Whether the credentials have expired (`ExpiredToken`, `ExpiredTokenException`).
    pub fn is_expired_credentials(&self) -> bool {
        self.code().is_some_and(|c| EXPIRED_CODES.contains(&c))
    }

    /// Whether CloudFormation refused the call because the stack does not exist. CloudFormation
    /// has no code for it: it answers `ValidationError` (the code of every bad request) with the
    /// message "Stack with id NAME does not exist", so this one place reads the message.
    pub fn is_stack_missing(&self) -> bool {
        self.code().is_none_or(|c| c == "ValidationError")
            && self.message().is_some_and(|m| m.contains("does not exist"))
    }

    /// Whether CloudFormation refused a change set because it would change nothing. There is no
    /// code for it either (`ValidationError`; moto answers so at CreateChangeSet, AWS with a
    /// FAILED change set whose reason says the same): see [`is_no_changes_reason`].
    pub fn is_no_changes(&self) -> bool {
        self.message().is_some_and(is_no_changes_reason)
    }
}

/// Whether a CloudFormation message or change set status reason says that nothing would
/// change ("The submitted information didn't contain changes", "No updates are to be
/// performed"): CloudFormation gives no code for it, only these words.
pub fn is_no_changes_reason(reason: &str) -> bool {
    reason.contains("didn't contain changes")
        || reason.contains("No updates are to be performed")
        || reason.contains("does not contain changes")
}

/// The error of a failed call: an [`AwsError`] (`context: ` and the [`describe`] line).
pub fn sdk_error<E>(
    context: impl std::fmt::Display,
    err: &SdkError<E, HttpResponse>,
) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    AwsError::new(context, err).into()
}

/// The profile the credentials come from: `--profile`, else `AWS_PROFILE`, else `default`.
pub fn profile_name(args: &AwsArgs) -> String {
    args.profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_string())
}

/// Replaces an [`AwsError`] of expired credentials with one line naming the profile and how to
/// refresh it; other errors are returned as they are.
pub fn name_profile(err: anyhow::Error, args: &AwsArgs) -> anyhow::Error {
    let Some(expired) = err
        .chain()
        .filter_map(|e| e.downcast_ref::<AwsError>())
        .find(|e| e.is_expired_credentials())
    else {
        return err;
    };
    let profile = profile_name(args);
    anyhow::anyhow!(
        "the AWS credentials of profile `{profile}` have expired ({}); refresh them (e.g. `aws sso login --profile {profile}`) and try again",
        expired.code().unwrap_or_default()
    )
}

/// The text of the first `<tag>...</tag>` in `xml`.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].trim().to_string()).filter(|s| !s.is_empty())
}

fn simplify(line: &str) -> String {
    if line.contains("dispatch failure") {
        let hint = if line.contains("Connection refused") || line.contains("ConnectionRefused") {
            "connection refused"
        } else if line.contains("dns error") || line.contains("failed to lookup") {
            "host not found"
        } else if line.contains("timed out") || line.contains("Timeout") {
            "timed out"
        } else {
            "connection failed"
        };
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        return format!("cannot reach the AWS endpoint{endpoint}: {hint}");
    }
    if line.contains("no credentials") || line.contains("the credential provider was not enabled") {
        return "no AWS credentials found: set AWS_PROFILE/--profile, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or log in with `aws sso login`".to_string();
    }
    line.to_string()
}

/// A service error's message, if the error is one.
fn error_message<E, R>(err: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    err.as_service_error().and_then(|e| e.message())
}

/// Builds a tokio runtime for a command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_errors_become_one_readable_line() {
        let s = simplify("dispatch failure: io error: client error (Connect): tcp connect error: Connection refused (os error 111)");
        assert!(s.starts_with("cannot reach the AWS endpoint"), "{s}");
        assert!(s.ends_with("connection refused"), "{s}");
        assert_eq!(simplify("ValidationError: x"), "ValidationError: x");
        let body = "<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>bad token</Message></Error></Errors></ErrorResponse>";
        assert_eq!(
            xml_text(body, "Code").as_deref(),
            Some("InvalidClientTokenId")
        );
        assert_eq!(xml_text(body, "Message").as_deref(), Some("bad token"));
        assert_eq!(xml_text("<Code></Code>", "Code"), None);
        assert_eq!(xml_text("<Code>x", "Code"), None);
    }

    #[test]
    fn errors_are_recognised_from_their_code_not_their_text() {
        let e = AwsError::service(
            "cannot read application `a`",
            "ThrottlingException",
            "Rate exceeded",
        );
        assert_eq!(
            e.to_string(),
            "cannot read application `a`: ThrottlingException: Rate exceeded"
        );
        assert!(e.is_throttling() && !e.is_not_found());
        for code in [
            "Throttling",
            "TooManyRequestsException",
            "ProvisionedThroughputExceededException",
            "SlowDown",
        ] {
            assert!(AwsError::service("x", code, "m").is_throttling(), "{code}");
        }
        // A message that merely mentions throttling is not throttling (the old text search was).
        assert!(!AwsError::service("x", "ValidationError", "x: Throttling: y").is_throttling());
        assert!(
            !AwsError::service("x", "LimitExceededException", "quota").is_throttling(),
            "LimitExceededException is a quota, not a slow-down"
        );
        assert!(AwsError::service("x", "ResourceNotFoundException", "m").is_not_found());
        assert!(AwsError::service("x", "InvalidSubnetID.NotFound", "m").is_not_found());
        assert!(AwsError::service("x", "ExpiredToken", "m").is_expired_credentials());
        let missing =
            AwsError::service("x", "ValidationError", "Stack with id demo does not exist");
        assert!(missing.is_stack_missing());
        assert!(
            !AwsError::service("x", "AccessDenied", "Stack with id demo does not exist")
                .is_stack_missing()
        );
        assert!(
            AwsError::service("x", "ValidationError", "No updates are to be performed.")
                .is_no_changes()
        );
    }
}
