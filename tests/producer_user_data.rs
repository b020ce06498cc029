//! The user data of the demo producer instance (patterns 2 and 4), run for real under bash with
//! stub `aws`, `dnf`, `unzip`, `systemctl` and `sleep` commands and its paths moved into a temp
//! folder. Issue #11: the script downloaded the binary once under `set -e`, so one transient S3
//! or IAM-propagation error left the instance idle forever, silently. No EC2 instance runs in the
//! emulator, so this is how the script's behaviour is tested.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use streamstack::render::{render_pattern, RenderOptions};

/// The rendered script with the `Fn::Sub` variables resolved and its absolute paths under `root`.
fn user_data(pattern: &str, root: &Path) -> String {
    let t = render_pattern(pattern, &RenderOptions::default()).unwrap();
    let text = t["Resources"]["ProducerInstance"]["Properties"]["UserData"]["Fn::Base64"]
        ["Fn::Sub"]
        .as_str()
        .unwrap();
    let mut text = shell_part(text).to_string();
    for (var, value) in [
        ("${AWS::Region}", "eu-west-1"),
        ("${DataStream}", "orders-stream"),
        ("${ProducerRate}", "100"),
        ("${ProducerDurationSeconds}", "3600"),
        ("${AssetBucket}", "assets-bucket"),
        ("${AssetPrefix}", "prefix/"),
    ] {
        text = text.replace(var, value);
    }
    assert!(!text.contains("${"), "unresolved Fn::Sub variable:\n{text}");
    let root = root.display();
    text.replace("/opt/streamstack", &format!("{root}/opt/streamstack"))
        .replace("/etc/systemd/system", &format!("{root}/etc"))
        .replace("/dev/console", &format!("{root}/console"))
}

/// The `text/x-shellscript` part of the multipart user data.
fn shell_part(user_data: &str) -> &str {
    let start = user_data
        .find("Content-Type: text/x-shellscript")
        .expect("a text/x-shellscript part");
    let body = &user_data[start..];
    let body = &body[body.find("\n\n").unwrap() + 2..];
    &body[..body.find("--//streamstack-boundary--").unwrap()]
}

fn write_stub(bin: &Path, name: &str, body: &str) {
    let path = bin.join(name);
    std::fs::write(&path, format!("#!/bin/bash\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

struct Run {
    code: Option<i32>,
    stdout: String,
    console: String,
    calls: String,
    root: tempfile::TempDir,
}

/// Runs the user data of `pattern` where `aws s3 cp` fails `aws_failures` times before it works
/// and `unzip` is not installed (the stub `dnf` installs it).
fn run(pattern: &str, aws_failures: u32) -> Run {
    let root = tempfile::tempdir().unwrap();
    prepare(pattern, root.path(), aws_failures);
    run_in(root)
}

/// Lays out the stubs and the script of `pattern` under `root`.
fn prepare(pattern: &str, root: &Path, aws_failures: u32) {
    let bin = root.join("bin");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    // Only these commands exist: the script's own tools, and the stubs.
    for tool in ["install", "chmod", "cat", "rm", "mv"] {
        let real = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| PathBuf::from(d).join(tool))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("no {tool} on this machine"));
        std::os::unix::fs::symlink(real, bin.join(tool)).unwrap();
    }
    let calls = root.join("calls");
    let calls_q = calls.display();
    let bin_q = bin.display();
    write_stub(
        &bin,
        "aws",
        &format!(
            "echo \"aws $*\" >> {calls_q}\n\
             n=$(cat {calls_q}.aws 2>/dev/null || echo 0); echo $((n + 1)) > {calls_q}.aws\n\
             if [ \"$n\" -lt {aws_failures} ]; then echo 'fatal error: An error occurred (AccessDenied)' >&2; exit 1; fi\n\
             echo zip > \"$4\""
        ),
    );
    write_stub(
        &bin,
        "dnf",
        &format!(
            "echo \"dnf $*\" >> {calls_q}\n\
             printf '#!/bin/bash\\necho \"unzip $*\" >> {calls_q}\\necho binary > \"$5/streamstack-producer\"\\n' > {bin_q}/unzip\n\
             chmod 0755 {bin_q}/unzip"
        ),
    );
    write_stub(
        &bin,
        "systemctl",
        &format!("echo \"systemctl $*\" >> {calls_q}"),
    );
    write_stub(&bin, "sleep", &format!("echo \"sleep $*\" >> {calls_q}"));

    std::fs::write(root.join("user-data"), user_data(pattern, root)).unwrap();
}

/// Runs the script laid out under `root` once (as one boot does); `calls` and `console` are
/// what this run added.
fn run_in(root: tempfile::TempDir) -> Run {
    let bin = root.path().join("bin");
    let script = root.path().join("user-data");
    let calls = root.path().join("calls");
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
    let (calls_before, console_before) = (
        read(calls.clone()).len(),
        read(root.path().join("console")).len(),
    );
    let out = Command::new("/bin/bash")
        .arg(&script)
        .env_clear()
        .env("PATH", &bin)
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        console: read(root.path().join("console"))[console_before..].to_string(),
        calls: read(calls)[calls_before..].to_string(),
        root,
    }
}

fn sleeps(calls: &str) -> Vec<u32> {
    calls
        .lines()
        .filter_map(|l| l.strip_prefix("sleep "))
        .map(|s| s.parse().unwrap())
        .collect()
}

#[test]
fn a_transient_download_error_is_retried_and_the_producer_starts() {
    for pattern in ["kpl-kds-kda", "kds-kda-apigw"] {
        let r = run(pattern, 3);
        assert_eq!(
            r.code,
            Some(0),
            "{pattern}: three failed downloads (S3 error, instance profile not yet usable) must not \
             leave the instance idle forever\nstdout:\n{}\ncalls:\n{}",
            r.stdout,
            r.calls
        );
        assert!(r.calls.contains("dnf -y install unzip"), "{}", r.calls);
        assert_eq!(
            r.calls
                .matches("aws s3 cp s3://assets-bucket/prefix/producer-x86_64.zip")
                .count(),
            4,
            "{}",
            r.calls
        );
        assert_eq!(sleeps(&r.calls), [5, 10, 20], "backoff");
        assert!(r
            .calls
            .contains("systemctl enable streamstack-producer.service\nsystemctl restart streamstack-producer.service"), "{}", r.calls);
        let unit = std::fs::read_to_string(r.root.path().join("etc/streamstack-producer.service"))
            .unwrap();
        assert!(unit.contains("--stream orders-stream"), "{unit}");
        // Every step is on the console, and the last line says how it ended.
        assert!(
            r.console
                .contains("streamstack-producer-setup: download s3://assets-bucket/prefix/producer-x86_64.zip (attempt 4 of 10)"),
            "{}",
            r.console
        );
        assert!(
            r.console
                .lines()
                .last()
                .is_some_and(|l| l.starts_with("streamstack-producer-setup: OK")),
            "{}",
            r.console
        );
        assert_eq!(r.stdout, r.console);
    }
}

#[test]
fn a_download_that_never_works_fails_loudly() {
    let r = run("kpl-kds-kda", u32::MAX);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert_eq!(r.calls.matches("aws s3 cp").count(), 10, "{}", r.calls);
    assert_eq!(
        sleeps(&r.calls),
        [5, 10, 20, 40, 80, 120, 120, 120, 120],
        "about 10 minutes of attempts"
    );
    assert!(!r.calls.contains("systemctl"), "{}", r.calls);
    assert_eq!(
        r.console.lines().last(),
        Some(
            "streamstack-producer-setup: FAILED: cannot download the producer binary from the asset bucket"
        ),
        "{}",
        r.console
    );
}

#[test]
fn the_setup_runs_on_every_boot_and_a_second_run_changes_nothing() {
    let t = render_pattern("kpl-kds-kda", &RenderOptions::default()).unwrap();
    let ud = t["Resources"]["ProducerInstance"]["Properties"]["UserData"]["Fn::Base64"]["Fn::Sub"]
        .as_str()
        .unwrap();
    // Multipart user data whose cloud-config makes cloud-init run the script on every boot.
    assert!(
        ud.contains("#cloud-config\n")
            && ud.contains("cloud_final_modules:\n- [scripts-user, always]\n"),
        "defect 7: the producer setup runs only on the first boot, so a stop/start with a new \
         producer key keeps the old binary"
    );
    assert!(
        ud.starts_with("Content-Type: multipart/mixed; boundary=\"//streamstack-boundary\"\n"),
        "{ud}"
    );
    assert!(
        ud.len() < 16 * 1024,
        "EC2 user data is at most 16 KB: {}",
        ud.len()
    );

    let first = run("kpl-kds-kda", 0);
    assert_eq!(first.code, Some(0), "{}", first.stdout);
    let root = first.root;
    let unit =
        std::fs::read_to_string(root.path().join("etc/streamstack-producer.service")).unwrap();
    // The second boot: nothing is downloaded or rewritten, the service is only started.
    let second = run_in(root);
    assert_eq!(second.code, Some(0), "{}", second.stdout);
    assert_eq!(
        second.calls,
        "systemctl daemon-reload\nsystemctl enable streamstack-producer.service\nsystemctl start streamstack-producer.service\n",
        "defect 7: a second run of the setup must be idempotent"
    );
    assert!(
        second.stdout.contains("already installed"),
        "{}",
        second.stdout
    );
    assert_eq!(
        std::fs::read_to_string(second.root.path().join("etc/streamstack-producer.service"))
            .unwrap(),
        unit
    );

    // A boot after CloudFormation changed the producer key: the new binary is fetched and the
    // service restarted.
    let root = second.root;
    let script = root.path().join("user-data");
    let text = std::fs::read_to_string(&script).unwrap().replace(
        "producer-x86_64.zip",
        "producer-x86_64-0123456789abcdef.zip",
    );
    std::fs::write(&script, text).unwrap();
    let third = run_in(root);
    assert_eq!(third.code, Some(0), "{}", third.stdout);
    assert!(
        third
            .calls
            .contains("aws s3 cp s3://assets-bucket/prefix/producer-x86_64-0123456789abcdef.zip"),
        "{}",
        third.calls
    );
    assert!(
        third
            .calls
            .ends_with("systemctl restart streamstack-producer.service\n"),
        "{}",
        third.calls
    );
}
