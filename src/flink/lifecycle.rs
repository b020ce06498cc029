//! The application lifecycle: starting and stopping a stack's Flink application and following its status until it settles
//! (`STARTING` -> `RUNNING`, `STOPPING` -> `READY`): a live line on a terminal, one line per
//! change in a log, JSON lines with `--output json`. After a start reaches `RUNNING`, the job's
//! log is watched for a settle period: a job that restarts in a loop is a failed start. A failed
//! start prints the root cause (the service's own error, the first error lines and the exception
//! from the application's log since the start) and fails.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;

use super::application::{self, Application, Restore};
use super::log::{self, LogStream};
use super::Client;
use crate::output::{OutputMode, Printer};
use crate::poll::{Poller, Polling};

/// How a start is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    /// `--restore`: `latest`, `none` or a snapshot name; `None` for the default (the latest
    /// snapshot when snapshots are on and one exists).
    pub restore: Option<String>,
    /// Follow the start until `RUNNING` (`--no-wait` turns it off).
    pub wait: bool,
    /// How long to watch the job's log for restarts once it is `RUNNING`.
    pub settle: Duration,
}

/// The longest a start or a stop is followed before giving up (the application goes on).
pub const FOLLOW_LIMIT: Duration = Duration::from_secs(30 * 60);

/// How long a start or stop may take to show in the application's status before the old status
/// counts as the answer.
pub const TRANSITION_GRACE: Duration = Duration::from_secs(10);

/// Restarts in the settle period that make a start a failure: the job restarts in a loop.
pub const RESTART_LOOP: usize = 2;

/// Most log events read for the root cause and the restart count.
const LOG_EVENTS: usize = 10_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The time of day, `HH:MM:SS` (UTC, as the stack events show it).
fn clock() -> String {
    aws_smithy_types::DateTime::from(std::time::SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .ok()
        .and_then(|t| t.get(11..19).map(str::to_string))
        .unwrap_or_default()
}

/// Shows the application's status as it changes.
struct StatusView<'a> {
    out: &'a Printer,
    name: &'a str,
    started: Instant,
    last: Option<String>,
    spinner: Option<indicatif::ProgressBar>,
}

impl<'a> StatusView<'a> {
    fn new(out: &'a Printer, name: &'a str) -> Self {
        let spinner = (out.mode() == OutputMode::Text && out.tty()).then(|| {
            let pb = indicatif::ProgressBar::new_spinner();
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg}  {elapsed}")
            {
                pb.set_style(style);
            }
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        });
        StatusView {
            out,
            name,
            started: Instant::now(),
            last: None,
            spinner,
        }
    }

    fn show(&mut self, status: &str) {
        let elapsed = self.started.elapsed().as_secs();
        if let Some(pb) = &self.spinner {
            // The spinner's template adds the time elapsed, kept current between polls.
            pb.set_message(format!("{status:<14} {}", self.name));
        }
        if self.last.as_deref() == Some(status) {
            return;
        }
        self.last = Some(status.to_string());
        match self.out.mode() {
            OutputMode::Json => self.out.out(
                &serde_json::json!({"type": "application", "application": self.name, "status": status, "elapsed_s": elapsed})
                    .to_string(),
            ),
            OutputMode::Text if self.spinner.is_none() => {
                self.out
                    .err(&format!("{}  {status:<14} {}", clock(), self.name));
            }
            OutputMode::Text => {}
        }
    }

    fn note(&self, text: &str) {
        match &self.spinner {
            Some(pb) => pb.println(text),
            None => self.out.say("info", text, serde_json::json!({})),
        }
    }

    fn finish(&mut self) {
        if let Some(pb) = self.spinner.take() {
            pb.finish_and_clear();
        }
    }
}

impl Drop for StatusView<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Polls the application until its status is no longer transitional, showing each change;
/// throttled polls are repeated. `leaving` is the status a start or stop just asked to leave:
/// until another one shows (at most [`TRANSITION_GRACE`]), it is not the answer yet.
async fn follow(
    client: &Client,
    name: &str,
    polling: &Polling,
    view: &mut StatusView<'_>,
    leaving: Option<&str>,
) -> anyhow::Result<Application> {
    let mut poller = Poller::new(polling.application).until(FOLLOW_LIMIT);
    let mut moved = false;
    loop {
        match application::describe(client, name).await {
            Ok(app) => {
                poller.answered();
                let before_the_change = !moved
                    && leaving == Some(app.status.as_str())
                    && poller.elapsed() < TRANSITION_GRACE;
                if !before_the_change {
                    moved = true;
                    view.show(&app.status);
                    if !application::is_transitional(&app.status) {
                        return Ok(app);
                    }
                }
            }
            Err(e) if poller.retry_throttled(&e) => {
                view.note(&format!("(throttled: {e:#}; polling again)"));
            }
            Err(e) => return Err(e),
        }
        if !poller.wait().await {
            anyhow::bail!(
                "application {name} is still {} after {} minutes; it goes on: see `streamstack status`",
                view.last.as_deref().unwrap_or("changing"),
                FOLLOW_LIMIT.as_secs() / 60
            );
        }
    }
}

/// Starts the Flink application of `stack` (see [`start_application`]).
pub async fn start(
    config: &SdkConfig,
    stack: &str,
    request: &StartRequest,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    let name = application::of_stack(&crate::cfn::Client::new(config), stack).await?;
    start_application(config, &name, request, polling, out).await
}

/// Starts the application and follows it to `RUNNING`. Already running: says so. Starting or
/// updating (an update of a running application is restarted by the service): waits for
/// `RUNNING` without starting it twice. Stopping: waits for `READY`, then starts. A start that
/// falls back to `READY`, or whose job restarts in a loop, prints the root cause and fails.
pub async fn start_application(
    config: &SdkConfig,
    name: &str,
    request: &StartRequest,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    let client = Client::new(config);
    let mut app = application::describe(&client, name).await?;
    let mut view = StatusView::new(out, name);
    let mut since_ms = now_ms() - 1_000;
    let mut operation = None;
    let mut started = false;
    match app.status.as_str() {
        "RUNNING" => {
            view.finish();
            out.say(
                "result",
                &format!("application {name} is already running"),
                serde_json::json!({"status": "RUNNING", "application": name}),
            );
            return Ok(());
        }
        "STARTING" | "UPDATING" | "AUTOSCALING" => {
            view.note(&format!(
                "application {name} is {}: waiting for RUNNING (not starting it twice)",
                app.status
            ));
        }
        "READY" | "STOPPING" | "FORCE_STOPPING" => {
            // Chosen first, so that a bad --restore is refused before any wait.
            let mut restore =
                application::choose_restore(&client, &app, request.restore.as_deref()).await?;
            if app.status != "READY" {
                view.note(&format!(
                    "application {name} is {}: waiting for READY before starting it",
                    app.status
                ));
                app = follow(&client, name, polling, &mut view, None).await?;
                if app.status != "READY" {
                    anyhow::bail!(
                        "application {name} is {}, not READY: cannot start it",
                        app.status
                    );
                }
                // The stop's own snapshot was still being taken: choose again now that it is there.
                restore =
                    application::choose_restore(&client, &app, request.restore.as_deref()).await?;
            }
            if restore == Restore::Skip && app.snapshots_enabled && request.restore.is_none() {
                view.note(&format!("application {name} has no snapshot yet"));
            }
            // The root cause reads the log from here: not the lines of a stop waited for above.
            since_ms = now_ms() - 1_000;
            operation = application::start(&client, name, &restore).await?;
            started = true;
            view.note(&format!(
                "starting application {name} {}",
                restore.describe()
            ));
        }
        other => anyhow::bail!("application {name} is {other}; it can be started only from READY"),
    }
    if !request.wait {
        view.finish();
        out.say(
            "result",
            &format!("application {name} is starting (not waiting)"),
            serde_json::json!({"status": "STARTING", "application": name}),
        );
        return Ok(());
    }
    // Right after StartApplication the service may still say READY for a moment.
    let leaving = started.then_some("READY");
    let app = follow(&client, name, polling, &mut view, leaving).await?;
    if app.status != "RUNNING" {
        view.finish();
        let why = format!("it went back to {}", app.status);
        return Err(explain(config, &app, operation.as_deref(), since_ms, &why, out).await);
    }
    settle(
        config,
        &app,
        operation.as_deref(),
        since_ms,
        request,
        polling,
        &mut view,
    )
    .await?;
    view.finish();
    out.say(
        "result",
        &format!("application {name}: RUNNING"),
        serde_json::json!({"status": "RUNNING", "application": name}),
    );
    Ok(())
}

/// Watches a job that just reached `RUNNING` for `request.settle`: a job that restarts
/// [`RESTART_LOOP`] times, or an application that leaves `RUNNING`, is a failed start.
async fn settle(
    config: &SdkConfig,
    app: &Application,
    operation: Option<&str>,
    since_ms: i64,
    request: &StartRequest,
    polling: &Polling,
    view: &mut StatusView<'_>,
) -> anyhow::Result<()> {
    let client = Client::new(config);
    let logs = aws_sdk_cloudwatchlogs::Client::new(config);
    let stream = app.log_stream_arn.as_deref().and_then(LogStream::from_arn);
    if !request.settle.is_zero() {
        view.note(&format!(
            "watching the job's log for restarts for {} s (--settle)",
            request.settle.as_secs()
        ));
    }
    let pause = polling.application.max.max(Duration::from_millis(500));
    let mut poller = Poller::new(crate::poll::Backoff::fixed(pause)).until(request.settle);
    let mut log_error_shown = false;
    loop {
        if let Some(stream) = &stream {
            match log::read_since(&logs, stream, since_ms, LOG_EVENTS).await {
                Ok(lines) => {
                    let n = log::restarts(&lines);
                    if n >= RESTART_LOOP {
                        view.finish();
                        let why = format!("the job restarted {n} times since the start");
                        return Err(explain(config, app, operation, since_ms, &why, view.out).await);
                    }
                }
                Err(e) if !log_error_shown => {
                    log_error_shown = true;
                    view.note(&format!("(restarts not checked: {e:#})"));
                }
                Err(_) => {}
            }
        }
        let now = application::describe(&client, &app.name).await;
        match now {
            Ok(a) if a.status != "RUNNING" && !application::is_transitional(&a.status) => {
                view.show(&a.status);
                view.finish();
                let why = format!("it went back to {}", a.status);
                return Err(explain(config, &a, operation, since_ms, &why, view.out).await);
            }
            Ok(a) => {
                poller.answered();
                view.show(&a.status);
            }
            Err(e) if poller.retry_throttled(&e) => {}
            Err(e) => return Err(e),
        }
        if !poller.wait().await {
            return Ok(());
        }
    }
}

/// Prints why a start failed and returns the error to exit with (code 1).
async fn explain(
    config: &SdkConfig,
    app: &Application,
    operation: Option<&str>,
    since_ms: i64,
    why: &str,
    out: &Printer,
) -> anyhow::Error {
    let lines = root_cause_lines(config, app, operation, since_ms).await;
    let name = app.name.as_str();
    match out.mode() {
        OutputMode::Text => {
            out.err(&format!("application {name} did not start: {why}"));
            lines.iter().for_each(|l| out.err(&format!("  {l}")));
        }
        OutputMode::Json => {
            // The text's indentation only shows nesting on a terminal.
            let lines: Vec<&str> = lines.iter().map(|l| l.trim_start()).collect();
            out.out(
                &serde_json::json!({"type": "result", "status": app.status, "application": name, "reason": why, "rootCause": lines})
                    .to_string(),
            )
        }
    }
    anyhow::anyhow!("Flink application {name} did not start: {why}")
}

/// The root cause of a failed start: the service's error for the operation, then what the
/// application's log says since the start (or why it could not be read).
pub async fn root_cause_lines(
    config: &SdkConfig,
    app: &Application,
    operation: Option<&str>,
    since_ms: i64,
) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(op) = operation {
        if let Some(e) = application::operation_error(&Client::new(config), &app.name, op).await {
            lines.push(format!("service: {e}"));
        }
    }
    let Some(stream) = app.log_stream_arn.as_deref().and_then(LogStream::from_arn) else {
        lines.push("(the application has no CloudWatch log stream to read)".into());
        return lines;
    };
    let logs = aws_sdk_cloudwatchlogs::Client::new(config);
    match log::read_since(&logs, &stream, since_ms, LOG_EVENTS).await {
        Ok(events) => {
            let cause = log::root_cause(&events);
            if cause.is_empty() {
                lines.push(format!(
                    "(no error in the application log {} since the start)",
                    stream.group
                ));
            } else {
                lines.push(format!("application log {}:", stream.group));
                lines.extend(cause.into_iter().map(|l| format!("  {l}")));
            }
        }
        Err(e) => lines.push(format!("({e:#})")),
    }
    lines
}

/// Stops the Flink application of `stack` and follows it to `READY` (`force`: without a
/// snapshot). Already stopped: says so.
pub async fn stop(
    config: &SdkConfig,
    stack: &str,
    force: bool,
    polling: &Polling,
    out: &Printer,
) -> anyhow::Result<()> {
    let name = application::of_stack(&crate::cfn::Client::new(config), stack).await?;
    let client = Client::new(config);
    let app = application::describe(&client, &name).await?;
    let mut view = StatusView::new(out, &name);
    let mut leaving = None;
    match app.status.as_str() {
        "READY" => {
            view.finish();
            out.say(
                "result",
                &format!("application {name} is already stopped"),
                serde_json::json!({"status": "READY", "application": name}),
            );
            return Ok(());
        }
        "STOPPING" | "FORCE_STOPPING" if !force => {
            view.note(&format!(
                "application {name} is {}: waiting for READY",
                app.status
            ));
        }
        _ => {
            application::stop(&client, &name, force).await?;
            // Right after StopApplication the service may still show the old status for a moment.
            leaving = Some(app.status.clone());
            let how = if force {
                " (forced: no snapshot)"
            } else if app.snapshots_enabled {
                " (the service takes a snapshot first)"
            } else {
                ""
            };
            view.note(&format!("stopping application {name}{how}"));
        }
    }
    let app = follow(&client, &name, polling, &mut view, leaving.as_deref()).await?;
    view.finish();
    if app.status != "READY" {
        anyhow::bail!(
            "Flink application {name} did not stop: it is {}{}",
            app.status,
            if force { "" } else { "; try --force" }
        );
    }
    out.say(
        "result",
        &format!("application {name}: READY"),
        serde_json::json!({"status": "READY", "application": name}),
    );
    Ok(())
}
