//! The AWS API emulator for the tests: moto 5.2.5 in server mode from the venv that
//! `deployment/run-all-tests.sh` installs (`STREAMSTACK_VENV`, default `<repo>/.venv`), started
//! through `tests/support/moto_server.py` (small patches that make it answer like AWS, each
//! documented there), bound to 127.0.0.1 on a free port. One server per test binary; every test
//! takes the lock, which resets the emulator (`POST /moto-api/reset`). The server exits with the
//! test process (it watches its stdin).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// A running emulator.
pub struct Moto {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    port: u16,
    _child: Child,
    _stdin: ChildStdin,
}

/// The venv's Python interpreter.
pub fn python() -> PathBuf {
    venv().join("bin/python")
}

/// The venv with the pinned Python tools (`STREAMSTACK_VENV`, default `<repo>/.venv`).
pub fn venv() -> PathBuf {
    std::env::var_os("STREAMSTACK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"))
}

/// Sends one HTTP/1.0 request to the emulator and returns the status code and body.
pub fn http(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let code = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((code, body))
}

impl Moto {
    /// Starts a server with extra environment variables (e.g. moto's auth switch).
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let python = python();
        assert!(
            python.is_file(),
            "{} not found: run deployment/run-all-tests.sh (it installs moto 5.2.5), or set STREAMSTACK_VENV",
            python.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/moto_server.py");
        let mut child = Command::new(python)
            .arg(script)
            .args([
                "--exit-with-stdin",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let stdin = child.stdin.take().unwrap();
        let start = Instant::now();
        while http(port, "GET", "/moto-api/", "").map(|(c, _)| c).ok() != Some(200) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "moto did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            _child: child,
            _stdin: stdin,
        }
    }

    /// A new VPC and subnet for the producer instance (the emulator checks that the subnet
    /// exists), made with boto3 from the venv: `(vpc id, subnet id)`.
    pub fn free_subnet(&self) -> (String, String) {
        let out = Command::new(python())
            .args(["-c", &format!(
                "import boto3;c=boto3.client('ec2',endpoint_url='{}',region_name='us-east-1',aws_access_key_id='testing',aws_secret_access_key='testing');v=c.create_vpc(CidrBlock='10.0.0.0/16')['Vpc']['VpcId'];s=c.create_subnet(VpcId=v,CidrBlock='10.0.1.0/24')['Subnet']['SubnetId'];print(v,s)",
                self.endpoint
            )])
            .output()
            .expect("run boto3");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let mut parts = text.split_whitespace();
        (
            parts.next().expect("vpc id").to_string(),
            parts.next().expect("subnet id").to_string(),
        )
    }

    /// Process id of the emulator (the benchmark reads its CPU time).
    pub fn pid(&self) -> u32 {
        self._child.id()
    }

    /// Forgets every resource.
    pub fn reset(&self) {
        let (code, _) = http(self.port, "POST", "/moto-api/reset", "").expect("reset moto");
        assert_eq!(code, 200);
    }

    /// The `streamstack` binary with the emulator's endpoint, dummy credentials and a region.
    pub fn cli(&self) -> Command {
        cli_at(&self.endpoint)
    }

    /// (logical id, type, physical id) of every resource of stack `name`.
    pub fn stack_resources(&self, name: &str) -> Vec<(String, String, String)> {
        let cfn = aws_sdk_cloudformation::Client::new(&self.sdk_config());
        let name = name.to_string();
        block_on(async move {
            let r = cfn
                .list_stack_resources()
                .stack_name(name)
                .send()
                .await
                .unwrap();
            r.stack_resource_summaries()
                .iter()
                .map(|r| {
                    (
                        r.logical_resource_id().unwrap_or("").to_string(),
                        r.resource_type().unwrap_or("").to_string(),
                        r.physical_resource_id().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
    }

    /// An SDK configuration for checks made by the tests themselves.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let endpoint = self.endpoint.clone();
        rt.block_on(async move {
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .endpoint_url(endpoint)
                .region(aws_config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_s3::config::Credentials::new(
                    "testing", "testing", None, None, "tests",
                ))
                .http_client(
                    aws_smithy_http_client::Builder::new()
                        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                        ))
                        .build_https(),
                )
                .load()
                .await
        })
    }
}

/// The `streamstack` binary with `endpoint` as `AWS_ENDPOINT_URL`, dummy credentials and a
/// region, and no AWS config files.
pub fn cli_at(endpoint: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_streamstack"));
    c.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .stdin(Stdio::null());
    c
}

/// The emulator of this test binary, reset and locked for the calling test.
pub fn moto() -> MutexGuard<'static, Moto> {
    static SERVER: OnceLock<Mutex<Moto>> = OnceLock::new();
    let guard = SERVER
        .get_or_init(|| Mutex::new(Moto::start_with(&[])))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    guard.reset();
    guard
}

/// Runs a future on a fresh runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The arguments of `streamstack deploy PATTERN --stack-name STACK --yes` with stand-in assets
/// from `assets` and JSON output; the Flink patterns' producer instance goes into `subnet`
/// (`(vpc id, subnet id)`, from [`Moto::free_subnet`]).
pub fn deploy_args(
    pattern: &str,
    stack: &str,
    assets: &Path,
    subnet: &(String, String),
) -> Vec<String> {
    let mut args: Vec<String> = [
        "deploy",
        pattern,
        "--stack-name",
        stack,
        "--yes",
        "--assets-dir",
        assets.to_str().unwrap(),
        "--output",
        "json",
    ]
    .map(String::from)
    .to_vec();
    if pattern.contains("kda") {
        args.extend([
            "--param".into(),
            format!("ProducerVpcId={}", subnet.0),
            "--param".into(),
            format!("ProducerSubnetId={}", subnet.1),
        ]);
    }
    args
}

/// A command's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that a command succeeded; else fails with its exit code, stdout and stderr.
pub fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        stderr(o)
    );
}

/// A listener that accepts no request (non-blocking, never read), and its URL: a command
/// pointed at it that fails before any API call proves that nothing was sent.
pub fn silent_endpoint() -> (std::net::TcpListener, String) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    (l, url)
}
