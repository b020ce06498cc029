//! AWS SDK configuration shared by the commands that call AWS: the standard credential and region
//! chain (`--profile`, `--region`, environment, config files, `AWS_ENDPOINT_URL`), one rustls
//! HTTP client, and error messages that fit on one line.

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

/// A call refused because the credentials have expired (`ExpiredToken`,
/// `ExpiredTokenException`). [`name_profile`] turns it into one line naming the profile.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {detail}")]
pub struct ExpiredCredentials {
    /// What was being done, e.g. ``cannot read stack `orders` ``.
    pub context: String,
    /// The error code the service or the credential provider gave.
    pub code: String,
    /// The error as one line (see [`describe`]).
    pub detail: String,
}

const EXPIRED_CODES: [&str; 2] = ["ExpiredToken", "ExpiredTokenException"];

/// The error of a failed call: `context: ` and the [`describe`] line; an [`ExpiredCredentials`]
/// when the credentials have expired.
pub fn sdk_error<E>(
    context: impl std::fmt::Display,
    err: &SdkError<E, HttpResponse>,
) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let detail = describe(err);
    let code = error_code(err)
        .filter(|c| EXPIRED_CODES.contains(c))
        .map(str::to_string)
        .or_else(|| {
            // A credential provider's error (e.g. an expired SSO token) is not a service error.
            let text = format!("{}", DisplayErrorContext(err));
            EXPIRED_CODES
                .iter()
                .rev()
                .find(|c| text.contains(*c))
                .map(|c| c.to_string())
        });
    match code {
        Some(code) => ExpiredCredentials {
            context: context.to_string(),
            code,
            detail,
        }
        .into(),
        None => anyhow::anyhow!("{context}: {detail}"),
    }
}

/// The profile the credentials come from: `--profile`, else `AWS_PROFILE`, else `default`.
pub fn profile_name(args: &AwsArgs) -> String {
    args.profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_string())
}

/// Replaces an [`ExpiredCredentials`] error with one line naming the profile and how to refresh
/// it; other errors are returned as they are.
pub fn name_profile(err: anyhow::Error, args: &AwsArgs) -> anyhow::Error {
    let Some(expired) = err
        .chain()
        .find_map(|e| e.downcast_ref::<ExpiredCredentials>())
    else {
        return err;
    };
    let profile = profile_name(args);
    anyhow::anyhow!(
        "the AWS credentials of profile `{profile}` have expired ({}); refresh them (e.g. `aws sso login --profile {profile}`) and try again",
        expired.code
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

/// A service error's code, if the error is one (e.g. `ValidationError`).
pub fn error_code<E, R>(err: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    err.as_service_error().and_then(|e| e.code())
}

/// A service error's message, if the error is one.
pub fn error_message<E, R>(err: &SdkError<E, R>) -> Option<&str>
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
}
