//! A local Lambda Runtime API and a runner for real `bootstrap` binaries.
//!
//! [`RuntimeApi`] is a small HTTP/1.1 server on `127.0.0.1:<free port>`
//! (std threads, no async runtime) implementing the endpoints a custom
//! runtime uses:
//!
//! * `GET  /2018-06-01/runtime/invocation/next` (long poll; answers with the
//!   event and `Lambda-Runtime-Aws-Request-Id`, `Lambda-Runtime-Deadline-Ms`,
//!   `Lambda-Runtime-Invoked-Function-Arn`, `Lambda-Runtime-Trace-Id`),
//! * `POST /2018-06-01/runtime/invocation/{id}/response`,
//! * `POST /2018-06-01/runtime/invocation/{id}/error`,
//! * `POST /2018-06-01/runtime/init/error`.
//!
//! [`LocalLambda`] starts a `bootstrap` against it with the environment
//! Lambda sets (`AWS_LAMBDA_RUNTIME_API`, `AWS_LAMBDA_FUNCTION_NAME`, ...),
//! arm64 binaries under `qemu-aarch64-static`, and invokes it.

use crate::deps;
use crate::functions::Arch;
use crate::http::{serve_connection, status_response, Request, Response};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use thiserror::Error;

const PREFIX: &str = "/2018-06-01/runtime";

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The function posted a response.
    Response {
        /// The response body.
        body: Vec<u8>,
    },
    /// The function posted an invocation error.
    Error {
        /// `Lambda-Runtime-Function-Error-Type` header, if any.
        error_type: Option<String>,
        /// The error body.
        body: Vec<u8>,
    },
}

impl Outcome {
    /// The body as (lossy) UTF-8.
    pub fn body_text(&self) -> String {
        match self {
            Outcome::Response { body } | Outcome::Error { body, .. } => {
                String::from_utf8_lossy(body).into_owned()
            }
        }
    }
}

/// An outcome and when the harness received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// What the function posted.
    pub outcome: Outcome,
    /// When the harness had read the whole post.
    pub at: Instant,
}

/// Harness failures (the function misbehaving or the harness itself).
#[derive(Debug, Error)]
pub enum HarnessError {
    /// I/O while setting up the server or the process.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: io::Error,
    },
    /// A required tool (e.g. qemu) is missing.
    #[error("{0}")]
    Missing(String),
    /// The function reported an init error.
    #[error(
        "function reported an init error ({error_type:?}): {body}\n--- function output ---\n{logs}"
    )]
    InitError {
        /// Error type header.
        error_type: Option<String>,
        /// Error body.
        body: String,
        /// Function stdout/stderr.
        logs: String,
    },
    /// The process exited before answering.
    #[error("bootstrap exited ({status}) before answering the invocation{hint}\n--- function output ---\n{logs}")]
    Exited {
        /// Exit status.
        status: ExitStatus,
        /// Extra hint.
        hint: String,
        /// Function stdout/stderr.
        logs: String,
    },
    /// No answer within the timeout.
    #[error("no answer within {timeout:?}\n--- function output ---\n{logs}")]
    Timeout {
        /// The timeout.
        timeout: Duration,
        /// Function stdout/stderr.
        logs: String,
    },
}

#[derive(Default)]
struct State {
    pending: VecDeque<(String, Vec<u8>)>,
    in_flight: HashSet<String>,
    outcomes: HashMap<String, Received>,
    init_error: Option<(Option<String>, Vec<u8>)>,
    shutdown: bool,
}

struct Shared {
    state: Mutex<State>,
    cond: Condvar,
    function_arn: String,
    timeout: Duration,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking connection thread must not take the harness down.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The local Lambda Runtime API server. Stops when dropped.
pub struct RuntimeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

static REQUEST_COUNTER: AtomicU64 = AtomicU64::new(1);

fn request_id() -> String {
    let n = REQUEST_COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{nanos:08x}-{:04x}-4{:03x}-8{:03x}-{n:012x}",
        std::process::id() & 0xffff,
        (n >> 12) & 0xfff,
        n & 0xfff
    )
}

impl RuntimeApi {
    /// Binds `127.0.0.1:0` and starts serving. Invocations get a deadline of
    /// now + `timeout`.
    pub fn start(function_name: &str, timeout: Duration) -> Result<Self, HarnessError> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|source| HarnessError::Io {
            context: "binding 127.0.0.1:0".into(),
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| HarnessError::Io {
            context: "local_addr".into(),
            source,
        })?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            cond: Condvar::new(),
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{function_name}"),
            timeout,
        });
        let accept_shared = Arc::clone(&shared);
        thread::Builder::new()
            .name("runtime-api-accept".into())
            .spawn(move || accept_loop(listener, accept_shared))
            .map_err(|source| HarnessError::Io {
                context: "spawning the accept thread".into(),
                source,
            })?;
        Ok(Self { addr, shared })
    }

    /// `127.0.0.1:<port>`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues an event for the next `/invocation/next` and returns its request id.
    pub fn enqueue(&self, payload: Vec<u8>) -> String {
        let id = request_id();
        self.shared.lock().pending.push_back((id.clone(), payload));
        self.shared.cond.notify_all();
        id
    }

    /// Waits up to `wait` for the outcome of `id`.
    pub fn wait_outcome(&self, id: &str, wait: Duration) -> Option<Received> {
        let deadline = Instant::now() + wait;
        let mut state = self.shared.lock();
        loop {
            if let Some(r) = state.outcomes.remove(id) {
                return Some(r);
            }
            let now = Instant::now();
            if now >= deadline || state.init_error.is_some() {
                return None;
            }
            state = self
                .shared
                .cond
                .wait_timeout(state, deadline - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    /// The init error the function posted, if any.
    pub fn init_error(&self) -> Option<(Option<String>, Vec<u8>)> {
        self.shared.lock().init_error.clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.shared.lock().shutdown = true;
        self.shared.cond.notify_all();
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.lock().shutdown {
            break;
        }
        let Ok(stream) = stream else { continue };
        let conn_shared = Arc::clone(&shared);
        let _ = thread::Builder::new()
            .name("runtime-api-conn".into())
            .spawn(move || {
                let _ = serve_connection(stream, |req| route(req, &conn_shared));
            });
    }
}

fn route(req: &Request, shared: &Shared) -> Option<Response> {
    let path = req.path.split('?').next().unwrap_or("");
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Some(status_response(404, r#"{"errorMessage":"not found"}"#));
    };
    const ACCEPTED: &str = r#"{"status":"OK"}"#;
    match (req.method.as_str(), rest) {
        ("GET", "/invocation/next") => next_invocation(shared),
        ("POST", "/init/error") => {
            shared.lock().init_error = Some((
                req.header("lambda-runtime-function-error-type")
                    .map(str::to_owned),
                req.body.clone(),
            ));
            shared.cond.notify_all();
            Some(status_response(202, ACCEPTED))
        }
        ("POST", rest) => {
            let Some(tail) = rest.strip_prefix("/invocation/") else {
                return Some(status_response(404, r#"{"errorMessage":"not found"}"#));
            };
            let Some((id, kind)) = tail.split_once('/') else {
                return Some(status_response(404, r#"{"errorMessage":"not found"}"#));
            };
            let outcome = match kind {
                "response" => Outcome::Response {
                    body: req.body.clone(),
                },
                "error" => Outcome::Error {
                    error_type: req
                        .header("lambda-runtime-function-error-type")
                        .map(str::to_owned),
                    body: req.body.clone(),
                },
                _ => return Some(status_response(404, r#"{"errorMessage":"not found"}"#)),
            };
            let mut state = shared.lock();
            if !state.in_flight.remove(id) {
                return Some(status_response(
                    400,
                    r#"{"errorMessage":"unknown or already answered request id","errorType":"InvalidRequestID"}"#,
                ));
            }
            state.outcomes.insert(
                id.to_owned(),
                Received {
                    outcome,
                    at: Instant::now(),
                },
            );
            drop(state);
            shared.cond.notify_all();
            Some(status_response(202, ACCEPTED))
        }
        _ => Some(status_response(404, r#"{"errorMessage":"not found"}"#)),
    }
}

fn next_invocation(shared: &Shared) -> Option<Response> {
    let mut state = shared.lock();
    let (id, payload) = loop {
        if state.shutdown {
            return None;
        }
        if let Some(next) = state.pending.pop_front() {
            break next;
        }
        state = shared.cond.wait(state).unwrap_or_else(|e| e.into_inner());
    };
    state.in_flight.insert(id.clone());
    drop(state);
    let deadline_ms = (SystemTime::now() + shared.timeout)
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let trace = format!(
        "Root=1-{:08x}-{:0>24};Parent={:0>16};Sampled=0",
        (deadline_ms / 1000) & 0xffff_ffff,
        id.replace('-', "").chars().take(24).collect::<String>(),
        id.replace('-', "")
            .chars()
            .rev()
            .take(16)
            .collect::<String>()
    );
    Some(Response {
        status: 200,
        headers: vec![
            ("Lambda-Runtime-Aws-Request-Id", id),
            ("Lambda-Runtime-Deadline-Ms", deadline_ms.to_string()),
            (
                "Lambda-Runtime-Invoked-Function-Arn",
                shared.function_arn.clone(),
            ),
            ("Lambda-Runtime-Trace-Id", trace),
        ],
        body: payload,
    })
}

/// How to run a function locally.
#[derive(Debug, Clone)]
pub struct FunctionConfig {
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub name: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` in MB.
    pub memory_mb: u32,
    /// Function timeout (invocation deadline and how long the harness waits).
    pub timeout: Duration,
    /// The function's own environment variables (as in its template).
    pub env: Vec<(String, String)>,
}

impl FunctionConfig {
    /// A config with 128 MB, a 30 s timeout and no extra environment.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            memory_mb: 128,
            timeout: Duration::from_secs(30),
            env: Vec::new(),
        }
    }
}

/// A running `bootstrap` attached to its own [`RuntimeApi`]. Killed on drop.
pub struct LocalLambda {
    api: RuntimeApi,
    child: Child,
    logs: Arc<Mutex<Vec<u8>>>,
    spawned_at: Instant,
    timeout: Duration,
    emulated: bool,
}

fn collect_output(mut from: impl Read + Send + 'static, into: Arc<Mutex<Vec<u8>>>) {
    let _ = thread::Builder::new()
        .name("function-output".into())
        .spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 {
                    break;
                }
                into.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(&buf[..n]);
            }
        });
}

/// The command that runs `bootstrap` for `arch` on this host: the binary
/// itself, or `qemu-aarch64-static <bootstrap>` for a foreign arm64 binary.
pub fn run_command(bootstrap: &Path, arch: Arch) -> Result<Command, HarnessError> {
    if arch.is_native() {
        return Ok(Command::new(bootstrap));
    }
    let qemu = deps::qemu_aarch64();
    let qemu_path = deps::which(&qemu).ok_or_else(|| {
        HarnessError::Missing(format!(
            "{qemu} is needed to run arm64 bootstraps: apt-get install -y qemu-user-static"
        ))
    })?;
    let mut cmd = Command::new(qemu_path);
    cmd.arg(bootstrap);
    Ok(cmd)
}

impl LocalLambda {
    /// Starts a Runtime API and the `bootstrap` against it.
    pub fn spawn(
        bootstrap: &Path,
        arch: Arch,
        config: &FunctionConfig,
    ) -> Result<Self, HarnessError> {
        let api = RuntimeApi::start(&config.name, config.timeout)?;
        let mut cmd = run_command(bootstrap, arch)?;
        let task_root = bootstrap
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/var/task"));
        cmd.env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("LANG", "en_US.UTF-8")
            .env("TZ", ":UTC")
            .env("AWS_LAMBDA_RUNTIME_API", api.addr().to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &config.name)
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                config.memory_mb.to_string(),
            )
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_EXECUTION_ENV", "AWS_Lambda_rapid")
            .env("_HANDLER", "bootstrap")
            .env("LAMBDA_TASK_ROOT", &task_root)
            .env("LAMBDA_RUNTIME_DIR", &task_root)
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", config.name),
            )
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/11/24/[$LATEST]00000000000000000000000000000000",
            )
            // Credentials as Lambda provides them; nothing here calls AWS.
            .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .env(
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            )
            .env("AWS_SESSION_TOKEN", "local-harness")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(config.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(&task_root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let spawned_at = Instant::now();
        let mut child = cmd.spawn().map_err(|source| HarnessError::Io {
            context: format!("starting {}", bootstrap.display()),
            source,
        })?;
        let logs = Arc::new(Mutex::new(Vec::new()));
        if let Some(out) = child.stdout.take() {
            collect_output(out, Arc::clone(&logs));
        }
        if let Some(err) = child.stderr.take() {
            collect_output(err, Arc::clone(&logs));
        }
        Ok(Self {
            api,
            child,
            logs,
            spawned_at,
            timeout: config.timeout,
            emulated: !arch.is_native(),
        })
    }

    /// When the process was spawned (the start of a cold start).
    pub fn spawned_at(&self) -> Instant {
        self.spawned_at
    }

    /// Whether it runs under an emulator.
    pub fn emulated(&self) -> bool {
        self.emulated
    }

    /// The function's stdout and stderr so far.
    pub fn logs(&self) -> String {
        String::from_utf8_lossy(&self.logs.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// Invokes the function with `payload` and waits for its answer.
    pub fn invoke(&mut self, payload: &[u8]) -> Result<Received, HarnessError> {
        let id = self.api.enqueue(payload.to_vec());
        let start = Instant::now();
        loop {
            if let Some(r) = self.api.wait_outcome(&id, Duration::from_millis(10)) {
                return Ok(r);
            }
            if let Some((error_type, body)) = self.api.init_error() {
                return Err(HarnessError::InitError {
                    error_type,
                    body: String::from_utf8_lossy(&body).into_owned(),
                    logs: self.logs(),
                });
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Give the output readers a moment to drain.
                thread::sleep(Duration::from_millis(20));
                let hint = if status.success() {
                    " (exited cleanly without polling: is it still a placeholder `fn main() {}`?)"
                } else {
                    ""
                };
                return Err(HarnessError::Exited {
                    status,
                    hint: hint.to_owned(),
                    logs: self.logs(),
                });
            }
            if start.elapsed() > self.timeout {
                return Err(HarnessError::Timeout {
                    timeout: self.timeout,
                    logs: self.logs(),
                });
            }
        }
    }
}

impl Drop for LocalLambda {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
