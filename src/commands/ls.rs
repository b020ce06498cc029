//! `streamstack ls`: the streamstack stacks of a region (those with the
//! [`crate::pattern::STACK_TAG`] tag `deploy` sets), with their pattern, status, last update and
//! the Flink application's status.

use aws_smithy_types::date_time::Format;
use clap::Args;

use crate::aws::AwsArgs;
use crate::cfn::{stack, Client};
use crate::output::{OutputArgs, OutputMode};

/// Arguments of `streamstack ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// `--output text` prints a table; `json` one JSON object per stack.
    #[command(flatten)]
    pub output: OutputArgs,
    /// `--profile` and `--region`.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// One streamstack stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Stack name.
    pub stack: String,
    /// Pattern id (the tag's value).
    pub pattern: String,
    /// Stack status.
    pub status: String,
    /// Last update, or creation when never updated (RFC 3339).
    pub updated: String,
    /// The Flink application and its status (`RUNNING`, `READY`, or `unknown (why)`).
    pub flink: Option<(String, String)>,
}

/// Runs `streamstack ls`.
pub fn run(args: &LsArgs) -> anyhow::Result<()> {
    crate::aws::runtime()?.block_on(async {
        let config = crate::aws::sdk_config(&args.aws).await?;
        let rows = list(&config)
            .await
            .map_err(|e| crate::aws::name_profile(e, &args.aws))?;
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        print(&rows, args.output.output, &region);
        Ok(())
    })
}

/// The streamstack stacks of the region of `config`, by name.
pub async fn list(config: &aws_config::SdkConfig) -> anyhow::Result<Vec<Row>> {
    let cfn = Client::new(config);
    let mut rows = Vec::new();
    let mut apps = Vec::new();
    let mut token = None;
    loop {
        let page = cfn
            .describe_stacks()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| crate::aws::sdk_error("cannot list the stacks", &e))?;
        for s in page.stacks() {
            let Some(pattern) = s
                .tags()
                .iter()
                .find(|t| t.key() == Some(crate::pattern::STACK_TAG))
                .and_then(|t| t.value())
            else {
                continue;
            };
            let status = s.stack_status().map(|x| x.as_str()).unwrap_or_default();
            if status == "DELETE_COMPLETE" {
                continue;
            }
            let name = s.stack_name().unwrap_or_default().to_string();
            let app = s
                .outputs()
                .iter()
                .find(|o| o.output_key() == Some("ApplicationName"))
                .and_then(|o| o.output_value())
                .map(str::to_string);
            apps.push(app);
            rows.push(Row {
                stack: name,
                pattern: pattern.to_string(),
                status: status.to_string(),
                updated: s
                    .last_updated_time()
                    .or(s.creation_time())
                    .and_then(|t| t.fmt(Format::DateTime).ok())
                    .unwrap_or_default(),
                flink: None,
            });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let flink = crate::flink::Client::new(config);
    for (row, app) in rows.iter_mut().zip(apps) {
        // The application output of patterns 2, 4 and 5; else the stack's resources, for a
        // stack of one of those patterns whose outputs are not there (e.g. a failed create).
        let app = match app {
            Some(a) => Some(a),
            None if has_flink(&row.pattern) => {
                stack::physical_ids(&cfn, &row.stack, crate::flink::application::RESOURCE_TYPE)
                    .await
                    .ok()
                    .and_then(|ids| ids.into_iter().next())
            }
            None => None,
        };
        if let Some(app) = app {
            let status = match crate::flink::application::describe(&flink, &app).await {
                Ok(a) => a.status,
                Err(e) => format!("unknown ({e:#})"),
            };
            row.flink = Some((app, status));
        }
    }
    rows.sort_by(|a, b| a.stack.cmp(&b.stack));
    Ok(rows)
}

/// Whether a pattern runs a Flink application.
fn has_flink(pattern: &str) -> bool {
    matches!(pattern, "kpl-kds-kda" | "kds-kda-apigw" | "streaming-etl")
}

/// The table (text) or JSON lines on stdout; an empty region is said on stderr.
pub fn print(rows: &[Row], mode: OutputMode, region: &str) {
    if mode == OutputMode::Json {
        for r in rows {
            crate::output::stdout_line(
                &serde_json::json!({
                    "stack": r.stack,
                    "pattern": r.pattern,
                    "status": r.status,
                    "last_update": r.updated,
                    "flink": r.flink.as_ref().map(|(a, s)| serde_json::json!({"application": a, "status": s})),
                })
                .to_string(),
            );
        }
        return;
    }
    if rows.is_empty() {
        crate::output::stderr_line(&format!(
            "no streamstack stacks in {region} (stacks are found by their `{}` tag, which deploy sets)",
            crate::pattern::STACK_TAG
        ));
        return;
    }
    for line in table(rows) {
        crate::output::stdout_line(&line);
    }
}

/// The text table: a header and one line per stack, columns aligned.
pub fn table(rows: &[Row]) -> Vec<String> {
    let cells: Vec<[String; 5]> =
        std::iter::once(["STACK", "PATTERN", "STATUS", "LAST UPDATE", "FLINK"].map(String::from))
            .chain(rows.iter().map(|r| {
                [
                    r.stack.clone(),
                    r.pattern.clone(),
                    r.status.clone(),
                    r.updated.clone(),
                    r.flink.as_ref().map_or("-".to_string(), |(_, s)| s.clone()),
                ]
            }))
            .collect();
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    cells
        .iter()
        .map(|c| {
            let mut line = String::new();
            for (i, cell) in c.iter().enumerate() {
                if i == 4 {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_aligns_its_columns() {
        let rows = [
            Row {
                stack: "ingest".into(),
                pattern: "kds-kdf-s3".into(),
                status: "CREATE_COMPLETE".into(),
                updated: "2026-12-05T01:00:00Z".into(),
                flink: None,
            },
            Row {
                stack: "demo".into(),
                pattern: "kpl-kds-kda".into(),
                status: "UPDATE_COMPLETE".into(),
                updated: "2026-12-05T01:02:00Z".into(),
                flink: Some(("demo-app".into(), "RUNNING".into())),
            },
        ];
        assert_eq!(
            table(&rows),
            [
                "STACK   PATTERN      STATUS           LAST UPDATE           FLINK",
                "ingest  kds-kdf-s3   CREATE_COMPLETE  2026-12-05T01:00:00Z  -",
                "demo    kpl-kds-kda  UPDATE_COMPLETE  2026-12-05T01:02:00Z  RUNNING",
            ]
        );
    }
}
