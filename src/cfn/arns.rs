//! The ARNs a stack operation may name, checked before any call: the CloudFormation service role
//! (`--role-arn`, an IAM role CloudFormation assumes for the operation) and the SNS topics that
//! get the stack's events (`--notification-arn`, at most [`MAX_NOTIFICATION_ARNS`]).

use std::sync::OnceLock;

use regex::Regex;

use crate::error::UsageError;

/// CloudFormation's limit on a stack's notification topics ("Maximum number of 5 items": AWS
/// CloudFormation API Reference, CreateChangeSet, NotificationARNs).
pub const MAX_NOTIFICATION_ARNS: usize = 5;

const PARTITION: &str = r"aws(?:-[a-z]+)*";

fn role_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        // IAM: a path of `/`-separated segments and a name of letters, digits and `+=,.@_-`.
        Regex::new(&format!(
            r"^arn:{PARTITION}:iam::[0-9]{{12}}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{{1,64}}$"
        ))
        .ok()
    })
    .as_ref()
}

fn topic_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r"^arn:{PARTITION}:sns:[a-z]{{2}}(?:-[a-z]+)+-[0-9]:[0-9]{{12}}:[A-Za-z0-9_-]{{1,256}}(?:\.fifo)?$"
        ))
        .ok()
    })
    .as_ref()
}

/// Checks `--role-arn`: an IAM role ARN (at most 2048 characters).
pub fn check_role_arn(arn: &str) -> Result<(), UsageError> {
    if arn.len() <= 2048 && role_re().is_some_and(|r| r.is_match(arn)) {
        Ok(())
    } else {
        Err(UsageError(format!(
            "--role-arn `{arn}` is not an IAM role ARN; allowed: arn:aws:iam::ACCOUNT:role/NAME (12-digit account, optional path)"
        )))
    }
}

/// Checks the `--notification-arn` values: SNS topic ARNs, no repeats, at most
/// [`MAX_NOTIFICATION_ARNS`].
pub fn check_notification_arns(arns: &[String]) -> Result<(), UsageError> {
    if arns.len() > MAX_NOTIFICATION_ARNS {
        return Err(UsageError(format!(
            "--notification-arn given {} times; allowed: at most {MAX_NOTIFICATION_ARNS} topics",
            arns.len()
        )));
    }
    for (i, arn) in arns.iter().enumerate() {
        if !topic_re().is_some_and(|r| r.is_match(arn)) {
            return Err(UsageError(format!(
                "--notification-arn `{arn}` is not an SNS topic ARN; allowed: arn:aws:sns:REGION:ACCOUNT:TOPIC"
            )));
        }
        if arns[..i].contains(arn) {
            return Err(UsageError(format!(
                "--notification-arn `{arn}` is given twice; allowed: each topic once"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_and_topic_arns_are_checked() {
        for ok in [
            "arn:aws:iam::123456789012:role/cfn-deployer",
            "arn:aws-cn:iam::123456789012:role/service-role/cfn.deployer@x",
            "arn:aws-us-gov:iam::123456789012:role/a",
        ] {
            assert!(check_role_arn(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "cfn-deployer",
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:sns:us-east-1:123456789012:topic",
            "arn:aws:iam::123456789012:role/a b",
        ] {
            let e = check_role_arn(bad).unwrap_err().to_string();
            assert!(
                e.contains(&format!("`{bad}`")) && e.contains("allowed:"),
                "{e}"
            );
            assert_eq!(e.lines().count(), 1);
        }
        let ok = |v: &[&str]| {
            check_notification_arns(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert!(ok(&[]).is_ok());
        assert!(ok(&[
            "arn:aws:sns:eu-west-1:123456789012:ops",
            "arn:aws:sns:us-gov-west-1:123456789012:a.fifo"
        ])
        .is_ok());
        assert!(ok(&["arn:aws:sns:eu-west-1:123456789012:"]).is_err());
        assert!(ok(&["arn:aws:sqs:eu-west-1:123456789012:q"]).is_err());
        assert!(ok(&[
            "arn:aws:sns:eu-west-1:123456789012:a",
            "arn:aws:sns:eu-west-1:123456789012:a"
        ])
        .is_err());
        let six: Vec<String> = (0..6)
            .map(|i| format!("arn:aws:sns:eu-west-1:123456789012:t{i}"))
            .collect();
        assert!(check_notification_arns(&six)
            .unwrap_err()
            .to_string()
            .contains("at most 5"));
    }
}
