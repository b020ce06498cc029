//! A stack: its state, parameters and outputs (DescribeStacks), deleting it (DeleteStack), its resources (ListStackResources), termination protection
//! (UpdateTerminationProtection) and its stack policy (SetStackPolicy).

use super::{fail, unless_missing, Client};

/// A stack's current state.
#[derive(Debug, Clone)]
pub struct StackState {
    /// Status, e.g. `UPDATE_COMPLETE`.
    pub status: String,
    /// Status reason.
    pub reason: Option<String>,
    /// Outputs (key, value), in key order.
    pub outputs: Vec<(String, String)>,
    /// Whether termination protection is on.
    pub termination_protection: bool,
    /// When the stack was created (seconds since the Unix epoch), when CloudFormation says.
    pub created: Option<i64>,
    /// Parameter values (key, value), in key order.
    pub parameters: Vec<(String, String)>,
}

impl StackState {
    /// The state of a stack that is gone: DescribeStacks no longer knows a deleted stack.
    pub fn deleted() -> Self {
        StackState {
            status: "DELETE_COMPLETE".into(),
            reason: None,
            outputs: vec![],
            termination_protection: false,
            created: None,
            parameters: vec![],
        }
    }
}

/// The stack's state, or `None` when it does not exist.
pub async fn describe_stack(cfn: &Client, name: &str) -> anyhow::Result<Option<StackState>> {
    match cfn.describe_stacks().stack_name(name).send().await {
        Ok(out) => Ok(out.stacks().first().map(|s| {
            let mut outputs: Vec<(String, String)> = s
                .outputs()
                .iter()
                .map(|o| {
                    (
                        o.output_key().unwrap_or("").to_string(),
                        o.output_value().unwrap_or("").to_string(),
                    )
                })
                .collect();
            outputs.sort();
            let mut parameters: Vec<(String, String)> = s
                .parameters()
                .iter()
                .map(|p| {
                    (
                        p.parameter_key().unwrap_or("").to_string(),
                        p.parameter_value().unwrap_or("").to_string(),
                    )
                })
                .collect();
            parameters.sort();
            StackState {
                status: s
                    .stack_status()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                reason: s.stack_status_reason().map(str::to_string),
                outputs,
                termination_protection: s.enable_termination_protection().unwrap_or(false),
                created: s.creation_time().map(|t| t.secs()),
                parameters,
            }
        })),
        Err(e) => match unless_missing(format!("cannot read stack `{name}`"), &e) {
            Some(err) => Err(err),
            None => Ok(None),
        },
    }
}

/// Deletes the stack (DeleteStack), with the service role `role_arn` when given;
/// [`super::follow::delete_and_follow`] follows the deletion.
pub async fn delete(cfn: &Client, name: &str, role_arn: Option<&str>) -> anyhow::Result<()> {
    cfn.delete_stack()
        .stack_name(name)
        .set_role_arn(role_arn.map(str::to_string))
        .send()
        .await
        .map_err(|e| fail(format!("cannot delete stack `{name}`"), &e))?;
    Ok(())
}

/// The stack's deployed template as JSON (GetTemplate, the original template as submitted).
pub async fn template(cfn: &Client, name: &str) -> anyhow::Result<serde_json::Value> {
    let out = cfn
        .get_template()
        .stack_name(name)
        .send()
        .await
        .map_err(|e| fail(format!("cannot read the template of stack `{name}`"), &e))?;
    let body = out.template_body().unwrap_or("{}");
    serde_json::from_str(body)
        .or_else(|_| serde_yaml_ng::from_str(body))
        .map_err(|e| {
            anyhow::anyhow!("the deployed template of stack `{name}` is neither JSON nor YAML: {e}")
        })
}

/// Rolls a stack left in CREATE_FAILED or UPDATE_FAILED (a change set executed with rollback
/// disabled) back to its last stable state (RollbackStack).
pub async fn rollback(cfn: &Client, name: &str, role_arn: Option<&str>) -> anyhow::Result<()> {
    cfn.rollback_stack()
        .stack_name(name)
        .set_role_arn(role_arn.map(str::to_string))
        .send()
        .await
        .map_err(|e| fail(format!("cannot roll back stack `{name}`"), &e))?;
    Ok(())
}

/// Continues the rollback of a stack in UPDATE_ROLLBACK_FAILED (ContinueUpdateRollback),
/// skipping the resources `skip` (logical ids; `Nested.Resource` in a nested stack), which
/// CloudFormation then marks as rolled back without touching them.
pub async fn continue_update_rollback(
    cfn: &Client,
    name: &str,
    skip: &[String],
    role_arn: Option<&str>,
) -> anyhow::Result<()> {
    cfn.continue_update_rollback()
        .stack_name(name)
        .set_resources_to_skip((!skip.is_empty()).then(|| skip.to_vec()))
        .set_role_arn(role_arn.map(str::to_string))
        .send()
        .await
        .map_err(|e| {
            fail(
                format!("cannot continue the rollback of stack `{name}`"),
                &e,
            )
        })?;
    Ok(())
}

/// Deletes the empty stack (REVIEW_IN_PROGRESS) that CreateChangeSet made for a new stack;
/// nothing was deployed, so a failure is ignored.
pub async fn delete_review_stack(cfn: &Client, name: &str) {
    let _ = cfn.delete_stack().stack_name(name).send().await;
}

/// Turns termination protection on.
pub async fn enable_termination_protection(cfn: &Client, name: &str) -> anyhow::Result<()> {
    cfn.update_termination_protection()
        .stack_name(name)
        .enable_termination_protection(true)
        .send()
        .await
        .map_err(|e| {
            fail(
                format!("stack {name} deployed, but termination protection could not be turned on"),
                &e,
            )
        })?;
    Ok(())
}

/// Sets the stack policy (SetStackPolicy with a policy body).
pub async fn set_policy(cfn: &Client, name: &str, body: &str) -> anyhow::Result<()> {
    cfn.set_stack_policy()
        .stack_name(name)
        .stack_policy_body(body)
        .send()
        .await
        .map_err(|e| fail(format!("cannot set the stack policy of `{name}`"), &e))?;
    Ok(())
}

/// One resource of a stack (ListStackResources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Logical id in the template, e.g. `DataStream`.
    pub logical_id: String,
    /// Resource type, e.g. `AWS::Kinesis::Stream`.
    pub resource_type: String,
    /// Physical id, e.g. the stream's name.
    pub physical_id: String,
}

/// Every resource of the stack that has a physical id, in the order CloudFormation lists them.
pub async fn resources(cfn: &Client, name: &str) -> anyhow::Result<Vec<Resource>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = cfn
            .list_stack_resources()
            .stack_name(name)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| fail(format!("cannot list resources of `{name}`"), &e))?;
        out.extend(page.stack_resource_summaries().iter().filter_map(|r| {
            Some(Resource {
                logical_id: r.logical_resource_id().unwrap_or("").to_string(),
                resource_type: r.resource_type().unwrap_or("").to_string(),
                physical_id: r.physical_resource_id()?.to_string(),
            })
        }));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Physical ids of the stack's resources of `resource_type` (e.g. every `AWS::S3::Bucket`).
pub async fn physical_ids(
    cfn: &Client,
    name: &str,
    resource_type: &str,
) -> anyhow::Result<Vec<String>> {
    Ok(resources(cfn, name)
        .await?
        .into_iter()
        .filter(|r| r.resource_type == resource_type)
        .map(|r| r.physical_id)
        .collect())
}
