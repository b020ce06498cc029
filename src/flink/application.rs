//! A stack's Flink application: which one it is (ListStackResources), its state
//! (DescribeApplication), its snapshots (ListApplicationSnapshots), StartApplication,
//! StopApplication, and the service's own error for an operation that failed
//! (DescribeApplicationOperation).

use aws_sdk_kinesisanalyticsv2::types::{
    ApplicationRestoreConfiguration, ApplicationRestoreType, FlinkRunConfiguration,
    OperationStatus, RunConfiguration, SnapshotStatus,
};

use super::Client;
use crate::aws::sdk_error;
use crate::cfn::stack;
use crate::error::UsageError;

/// The CloudFormation type of a Flink application.
pub const RESOURCE_TYPE: &str = "AWS::KinesisAnalyticsV2::Application";

/// Statuses the service moves through on its own; every other status stays until someone acts.
pub const TRANSITIONAL: [&str; 8] = [
    "STARTING",
    "STOPPING",
    "FORCE_STOPPING",
    "UPDATING",
    "AUTOSCALING",
    "ROLLING_BACK",
    "MAINTENANCE",
    "DELETING",
];

/// Whether the application settles in `status` without anyone acting.
pub fn is_transitional(status: &str) -> bool {
    TRANSITIONAL.contains(&status)
}

/// What DescribeApplication says of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// Application name (the stack resource's physical id).
    pub name: String,
    /// Status, e.g. `READY` or `RUNNING`.
    pub status: String,
    /// Version id; every update adds one.
    pub version: i64,
    /// Whether snapshots are on (the service snapshots on stop and can restore on start).
    pub snapshots_enabled: bool,
    /// ARN of the CloudWatch log stream the application logs to, if it has one.
    pub log_stream_arn: Option<String>,
}

/// The name of the Flink application of `stack_name`. An unknown stack and a stack without one
/// are usage errors (exit code 2), found before any call that changes anything.
pub async fn of_stack(cfn: &crate::cfn::Client, stack_name: &str) -> anyhow::Result<String> {
    if stack::describe_stack(cfn, stack_name).await?.is_none() {
        return Err(UsageError(format!("stack `{stack_name}` does not exist")).into());
    }
    stack::physical_ids(cfn, stack_name, RESOURCE_TYPE)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            UsageError(format!(
                "stack `{stack_name}` has no Flink application; only the kpl-kds-kda, kds-kda-apigw and streaming-etl patterns run one"
            ))
            .into()
        })
}

/// The application's state.
pub async fn describe(client: &Client, name: &str) -> anyhow::Result<Application> {
    let out = client
        .describe_application()
        .application_name(name)
        .send()
        .await
        .map_err(|e| sdk_error(format!("cannot read Flink application `{name}`"), &e))?;
    let d = out
        .application_detail()
        .ok_or_else(|| anyhow::anyhow!("cannot read Flink application `{name}`: empty answer"))?;
    Ok(Application {
        name: d.application_name().to_string(),
        status: d.application_status().as_str().to_string(),
        version: d.application_version_id(),
        snapshots_enabled: d
            .application_configuration_description()
            .and_then(|c| c.application_snapshot_configuration_description())
            .is_some_and(|s| s.snapshots_enabled()),
        log_stream_arn: d
            .cloud_watch_logging_option_descriptions()
            .first()
            .map(|o| o.log_stream_arn().to_string()),
    })
}

/// One snapshot of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Snapshot name.
    pub name: String,
    /// `READY` once it can be restored.
    pub status: String,
    /// When it was taken (seconds since the Unix epoch).
    pub created: i64,
}

/// Every snapshot of the application, newest first.
pub async fn snapshots(client: &Client, name: &str) -> anyhow::Result<Vec<Snapshot>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_application_snapshots()
            .application_name(name)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error(format!("cannot list snapshots of `{name}`"), &e))?;
        out.extend(page.snapshot_summaries().iter().map(|s| Snapshot {
            name: s.snapshot_name().to_string(),
            status: s.snapshot_status().as_str().to_string(),
            created: s.snapshot_creation_timestamp().map_or(0, |t| t.secs()),
        }));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            out.sort_by(|a, b| b.created.cmp(&a.created).then(a.name.cmp(&b.name)));
            return Ok(out);
        }
    }
}

/// Which application state a start restores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restore {
    /// Start without state.
    Skip,
    /// The latest snapshot.
    Latest,
    /// This snapshot.
    Snapshot(String),
}

impl Restore {
    /// How it is shown: `without state`, `from the latest snapshot`, `from snapshot NAME`.
    pub fn describe(&self) -> String {
        match self {
            Restore::Skip => "without state".into(),
            Restore::Latest => "from the latest snapshot".into(),
            Restore::Snapshot(s) => format!("from snapshot {s}"),
        }
    }
}

/// Chooses what a start restores, from `--restore` (`latest`, `none` or a snapshot name; `None`
/// means the default: the latest snapshot when snapshots are on and one exists). A snapshot that
/// does not exist, or a restore asked of an application without snapshots, is a usage error.
pub async fn choose_restore(
    client: &Client,
    app: &Application,
    asked: Option<&str>,
) -> anyhow::Result<Restore> {
    let name = app.name.as_str();
    match asked {
        Some("none") => return Ok(Restore::Skip),
        Some(other) if !app.snapshots_enabled => {
            return Err(UsageError(format!(
                "--restore {other}: application `{name}` has snapshots turned off (stack parameter EnableSnapshots); allowed: --restore none"
            ))
            .into())
        }
        None if !app.snapshots_enabled => return Ok(Restore::Skip),
        _ => {}
    }
    let ready: Vec<Snapshot> = snapshots(client, name)
        .await?
        .into_iter()
        .filter(|s| s.status == SnapshotStatus::Ready.as_str())
        .collect();
    match asked {
        None | Some("latest") if ready.is_empty() => Ok(Restore::Skip),
        None | Some("latest") => Ok(Restore::Latest),
        Some(wanted) if ready.iter().any(|s| s.name == wanted) => {
            Ok(Restore::Snapshot(wanted.to_string()))
        }
        Some(wanted) => {
            let names: Vec<&str> = ready.iter().map(|s| s.name.as_str()).collect();
            Err(UsageError(format!(
                "snapshot `{wanted}` does not exist for application `{name}`; allowed: latest, none{}{}",
                if names.is_empty() { "" } else { ", " },
                names.join(", ")
            ))
            .into())
        }
    }
}

/// StartApplication; the operation id, when the service gives one.
pub async fn start(
    client: &Client,
    name: &str,
    restore: &Restore,
) -> anyhow::Result<Option<String>> {
    let (kind, snapshot) = match restore {
        Restore::Skip => (ApplicationRestoreType::SkipRestoreFromSnapshot, None),
        Restore::Latest => (ApplicationRestoreType::RestoreFromLatestSnapshot, None),
        Restore::Snapshot(s) => (
            ApplicationRestoreType::RestoreFromCustomSnapshot,
            Some(s.clone()),
        ),
    };
    let restore = ApplicationRestoreConfiguration::builder()
        .application_restore_type(kind)
        .set_snapshot_name(snapshot)
        .build()?;
    let run = RunConfiguration::builder()
        .application_restore_configuration(restore)
        .flink_run_configuration(
            FlinkRunConfiguration::builder()
                .allow_non_restored_state(false)
                .build(),
        )
        .build();
    let out = client
        .start_application()
        .application_name(name)
        .run_configuration(run)
        .send()
        .await
        .map_err(|e| sdk_error(format!("cannot start Flink application `{name}`"), &e))?;
    Ok(out.operation_id().map(str::to_string))
}

/// StopApplication (`force`: without a snapshot and without waiting for running operations);
/// the operation id, when the service gives one.
pub async fn stop(client: &Client, name: &str, force: bool) -> anyhow::Result<Option<String>> {
    let out = client
        .stop_application()
        .application_name(name)
        .force(force)
        .send()
        .await
        .map_err(|e| sdk_error(format!("cannot stop Flink application `{name}`"), &e))?;
    Ok(out.operation_id().map(str::to_string))
}

/// The service's own words on a failed operation (`OperationFailureDetails.ErrorInfo`), or
/// `None` when it gives none or cannot be asked.
pub async fn operation_error(client: &Client, name: &str, operation_id: &str) -> Option<String> {
    let out = client
        .describe_application_operation()
        .application_name(name)
        .operation_id(operation_id)
        .send()
        .await
        .ok()?;
    let d = out.application_operation_info_details()?;
    let error = d
        .operation_failure_details()
        .and_then(|f| f.error_info())
        .and_then(|e| e.error_string())
        .map(str::to_string);
    match (d.operation_status(), error) {
        (_, Some(e)) => Some(e),
        (OperationStatus::Failed, None) => Some(format!("{} failed", d.operation())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_choices_read_as_sentences() {
        assert_eq!(Restore::Skip.describe(), "without state");
        assert_eq!(
            Restore::Snapshot("nightly".into()).describe(),
            "from snapshot nightly"
        );
        assert!(is_transitional("STARTING") && !is_transitional("READY"));
        assert!(!is_transitional("RUNNING"));
    }
}
