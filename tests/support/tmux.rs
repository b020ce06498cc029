//! tmux for the tests of the terminal views (`status --watch`, `logs --follow`): each test runs
//! the binary in a detached session on its own server socket and captures the pane.

#![allow(dead_code)]

use std::process::Output;
use std::time::{Duration, Instant};

/// tmux on its own server socket (one per test), without the user's configuration.
pub fn tmux_on(socket: &str, args: &[&str]) -> Output {
    std::process::Command::new("tmux")
        .args(["-L", socket, "-f", "/dev/null"])
        .args(args)
        .output()
        .expect("tmux (apt-get install tmux)")
}

/// Polls `ready` every 200 ms; fails naming `what` after 60 s.
pub fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
