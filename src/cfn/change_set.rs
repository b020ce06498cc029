//! Where the change set is created, executed and deleted: CreateChangeSet (CREATE or UPDATE),
//! waiting for it, reading its changes, and recognising "no changes" in both the way AWS says it
//! (a FAILED change set whose reason says it contains no changes) and the way moto says it (an
//! error at creation); ExecuteChangeSet; DeleteChangeSet.

use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter, Tag};

use super::{fail, Client, Polling};
use crate::aws::{is_no_changes_reason, AwsError};
use crate::poll::Poller;

/// What the stack will see.
#[derive(Debug, Clone)]
pub struct ChangeSetRequest {
    /// Stack name.
    pub stack_name: String,
    /// CREATE for a new stack, UPDATE otherwise.
    pub create: bool,
    /// Template body (small templates) ...
    pub template_body: Option<String>,
    /// ... or an S3 URL (templates over 51,200 bytes).
    pub template_url: Option<String>,
    /// Parameters: a value, or (on an UPDATE) the stack's current value.
    pub parameters: Vec<(String, ParameterValue)>,
    /// Stack tags.
    pub tags: Vec<(String, String)>,
    /// Capabilities the template needs.
    pub capabilities: Vec<Capability>,
    /// The service role CloudFormation assumes for the operation (`--role-arn`).
    pub role_arn: Option<String>,
    /// SNS topics that get the stack's events (`--notification-arn`).
    pub notification_arns: Vec<String>,
}

/// What a change set says about one parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterValue {
    /// This value.
    Value(String),
    /// The value the stack has now (`UsePreviousValue=true`, UPDATE only): what `aws
    /// cloudformation deploy`, rain, SAM and CDK send for a parameter the user did not set, so an
    /// update never resets it to the template default.
    Previous,
}

/// One planned change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// Add, Modify, Remove, Import, Dynamic.
    pub action: String,
    /// Logical id.
    pub logical_id: String,
    /// Resource type.
    pub resource_type: String,
    /// True, False, Conditional, or empty.
    pub replacement: String,
    /// Whether the change adds or widens permissions or network access.
    pub security: bool,
    /// The change set's details for a modified resource: (property name, RequiresRecreation:
    /// Never, Conditionally, Always), for the properties it names.
    #[serde(skip)]
    pub details: Vec<(String, String)>,
    /// The properties that change with their old and new values, when CloudFormation gives
    /// them (DescribeChangeSet with IncludePropertyValues; the emulator gives none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<PropertyValue>,
}

/// One property of a modified resource with its old and new value, from the change set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PropertyValue {
    /// The property's path, e.g. `ShardCount` or `StreamModeDetails.StreamMode`.
    pub path: String,
    /// The value before, if any.
    pub before: Option<String>,
    /// The value after, if any.
    pub after: Option<String>,
    /// Never, Conditionally or Always.
    #[serde(rename = "requiresRecreation")]
    pub requires_recreation: String,
}

/// The property values of a resource change's details (see [`PropertyValue`]): the path with
/// `/Properties/` dropped and `/` as `.`.
fn property_values(rc: &aws_sdk_cloudformation::types::ResourceChange) -> Vec<PropertyValue> {
    rc.details()
        .iter()
        .filter_map(|d| d.target())
        .filter(|t| t.before_value().is_some() || t.after_value().is_some())
        .map(|t| {
            let path = t.path().or(t.name()).unwrap_or("");
            PropertyValue {
                path: path
                    .trim_start_matches("/Properties/")
                    .trim_start_matches('/')
                    .replace('/', "."),
                before: t.before_value().map(str::to_string),
                after: t.after_value().map(str::to_string),
                requires_recreation: t
                    .requires_recreation()
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The outcome of preparing a change set.
#[derive(Debug, Clone)]
pub enum Prepared {
    /// Nothing would change.
    NoChanges,
    /// A change set ready to execute.
    Ready {
        /// Change set name.
        name: String,
        /// Its changes.
        changes: Vec<Change>,
    },
}

/// Resource types whose addition or modification can broaden who may do what.
pub fn is_security_sensitive(resource_type: &str) -> bool {
    resource_type.starts_with("AWS::IAM::")
        || resource_type == "AWS::KMS::Key"
        || resource_type.ends_with("Policy")
        || resource_type.starts_with("AWS::EC2::SecurityGroup")
        || resource_type == "AWS::Lambda::Permission"
        || resource_type == "AWS::SecretsManager::ResourcePolicy"
}

/// Capabilities a template needs (IAM resources, named IAM resources, macros).
pub fn capabilities_for(template: &serde_json::Value) -> Vec<Capability> {
    let mut caps = Vec::new();
    let resources = template.get("Resources").and_then(|r| r.as_object());
    let named = [
        ("AWS::IAM::Role", "RoleName"),
        ("AWS::IAM::User", "UserName"),
        ("AWS::IAM::Group", "GroupName"),
        ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"),
        ("AWS::IAM::InstanceProfile", "InstanceProfileName"),
    ];
    let mut iam = false;
    let mut named_iam = false;
    for r in resources.into_iter().flat_map(|m| m.values()) {
        let kind = r.get("Type").and_then(|t| t.as_str()).unwrap_or("");
        if kind.starts_with("AWS::IAM::") {
            iam = true;
        }
        if named
            .iter()
            .any(|(t, p)| *t == kind && r.pointer(&format!("/Properties/{p}")).is_some())
        {
            named_iam = true;
        }
    }
    if iam {
        caps.push(Capability::CapabilityIam);
    }
    if named_iam {
        caps.push(Capability::CapabilityNamedIam);
    }
    if template.get("Transform").is_some() {
        caps.push(Capability::CapabilityAutoExpand);
    }
    caps
}

/// Creates the change set, waits until it is ready, and returns its changes.
pub async fn create(
    cfn: &Client,
    req: &ChangeSetRequest,
    polling: &Polling,
) -> anyhow::Result<Prepared> {
    let name = format!(
        "streamstack-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    let mut call = cfn
        .create_change_set()
        .stack_name(&req.stack_name)
        .change_set_name(&name)
        .change_set_type(if req.create {
            ChangeSetType::Create
        } else {
            ChangeSetType::Update
        })
        .set_capabilities(Some(req.capabilities.clone()))
        .set_template_body(req.template_body.clone())
        .set_template_url(req.template_url.clone())
        .set_role_arn(req.role_arn.clone())
        .description("created by streamstack deploy");
    for (k, v) in &req.parameters {
        let p = Parameter::builder().parameter_key(k);
        call = call.parameters(match v {
            ParameterValue::Value(v) => p.parameter_value(v).build(),
            ParameterValue::Previous => p.use_previous_value(true).build(),
        });
    }
    for arn in &req.notification_arns {
        call = call.notification_arns(arn);
    }
    for (k, v) in &req.tags {
        call = call.tags(Tag::builder().key(k).value(v).build());
    }
    if let Err(e) = call.send().await {
        let e = AwsError::new(
            format!("cannot create a change set for stack `{}`", req.stack_name),
            &e,
        );
        if e.is_no_changes() {
            return Ok(Prepared::NoChanges);
        }
        return Err(e.into());
    }
    let mut poller = Poller::new(polling.change_set);
    loop {
        let d = cfn
            .describe_change_set()
            .stack_name(&req.stack_name)
            .change_set_name(&name)
            .include_property_values(true)
            .send()
            .await
            .map_err(|e| fail(format!("cannot read change set {name}"), &e));
        let d = match d {
            Ok(d) => {
                poller.answered();
                d
            }
            Err(e) if poller.retry_throttled(&e) => {
                poller.wait().await;
                continue;
            }
            Err(e) => return Err(e),
        };
        match d.status() {
            Some(ChangeSetStatus::CreateComplete) => {
                let mut changes = Vec::new();
                let mut page = Some(d);
                while let Some(p) = page.take() {
                    changes.extend(p.changes().iter().filter_map(|c| c.resource_change()).map(
                        |rc| {
                            let action = rc
                                .action()
                                .map(|a| a.as_str().to_string())
                                .unwrap_or_default();
                            let resource_type = rc.resource_type().unwrap_or("").to_string();
                            let security = matches!(action.as_str(), "Add" | "Modify")
                                && is_security_sensitive(&resource_type);
                            Change {
                                action,
                                logical_id: rc.logical_resource_id().unwrap_or("").to_string(),
                                resource_type,
                                replacement: rc
                                    .replacement()
                                    .map(|r| r.as_str().to_string())
                                    .unwrap_or_default(),
                                security,
                                details: rc
                                    .details()
                                    .iter()
                                    .filter_map(|d| d.target())
                                    .filter_map(|t| {
                                        Some((
                                            t.name()?.to_string(),
                                            t.requires_recreation()
                                                .map(|r| r.as_str().to_string())
                                                .unwrap_or_default(),
                                        ))
                                    })
                                    .collect(),
                                properties: property_values(rc),
                            }
                        },
                    ));
                    if let Some(token) = p.next_token() {
                        page = Some(
                            cfn.describe_change_set()
                                .stack_name(&req.stack_name)
                                .change_set_name(&name)
                                .include_property_values(true)
                                .next_token(token)
                                .send()
                                .await
                                .map_err(|e| fail(format!("cannot read change set {name}"), &e))?,
                        );
                    }
                }
                return Ok(Prepared::Ready { name, changes });
            }
            Some(ChangeSetStatus::Failed) => {
                let reason = d.status_reason().unwrap_or("").to_string();
                if is_no_changes_reason(&reason) {
                    delete(cfn, &req.stack_name, &name).await;
                    return Ok(Prepared::NoChanges);
                }
                anyhow::bail!("change set for stack `{}` failed: {reason}", req.stack_name);
            }
            _ => {
                poller.wait().await;
            }
        }
    }
}

/// Executes the change set `name` of `stack_name`; with `disable_rollback`, a failure leaves the
/// stack as it is (CREATE_FAILED, UPDATE_FAILED) instead of rolling back, for inspection.
pub async fn execute(
    cfn: &Client,
    stack_name: &str,
    name: &str,
    disable_rollback: bool,
) -> anyhow::Result<()> {
    cfn.execute_change_set()
        .stack_name(stack_name)
        .change_set_name(name)
        .set_disable_rollback(disable_rollback.then_some(true))
        .send()
        .await
        .map_err(|e| fail(format!("cannot execute change set {name}"), &e))?;
    Ok(())
}

/// Deletes a change set; a failure only matters to nobody (the emulator does not implement it,
/// and AWS removes unexecuted change sets with the stack), so it is ignored.
pub async fn delete(cfn: &Client, stack_name: &str, name: &str) {
    let _ = cfn
        .delete_change_set()
        .stack_name(stack_name)
        .change_set_name(name)
        .send()
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_follow_the_template() {
        let t =
            serde_json::json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {}}}});
        assert_eq!(capabilities_for(&t), vec![Capability::CapabilityIam]);
        let t = serde_json::json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "x"}}}});
        assert_eq!(
            capabilities_for(&t),
            vec![Capability::CapabilityIam, Capability::CapabilityNamedIam]
        );
        let t = serde_json::json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}});
        assert!(capabilities_for(&t).is_empty());
    }

    #[test]
    fn no_change_reasons_of_aws_and_moto_are_recognised() {
        assert!(is_no_changes_reason("The submitted information didn't contain changes. Submit different information to create a change set."));
        assert!(is_no_changes_reason("No updates are to be performed."));
        assert!(!is_no_changes_reason("Template format error"));
    }

    #[test]
    fn security_sensitive_types() {
        for t in [
            "AWS::IAM::Role",
            "AWS::IAM::Policy",
            "AWS::SNS::TopicPolicy",
            "AWS::S3::BucketPolicy",
            "AWS::EC2::SecurityGroup",
            "AWS::KMS::Key",
            "AWS::Lambda::Permission",
        ] {
            assert!(is_security_sensitive(t), "{t}");
        }
        assert!(!is_security_sensitive("AWS::Kinesis::Stream"));
    }
}
