//! Another user of the same machine, and the user's own other processes, against what an aws-as
//! process holds (issue 18): its memory (a core file, /proc/PID/environ), the variables of the
//! programs it starts, and the lock files it opens in a directory others can write. Each attack
//! is run for real with a throwaway second user (`OtherUser`: root only, as in CI).

use crate::common;

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use common::*;

/// The children of `pid` (its main thread's), from /proc.
fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_ascii_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Issue 18, case 5: `serve` dumped core with the served keys and tokens in it. An aws-as
/// process waiting on an `mfa_process` holds the user's long-term keys; run as an ordinary user
/// with `ulimit -c unlimited`, it must be unreadable to that same user's other processes
/// (/proc/PID/environ) and leave no core when it aborts (SIGABRT: std catches a SIGSEGV sent by kill, for its stack-overflow message, and goes on).
#[test]
fn an_aws_as_process_leaves_no_core_and_its_memory_is_closed() {
    let Some(user) = OtherUser::new() else {
        return;
    };
    let home = Home::new();
    home.config(
        "[profile slow]\nmfa_serial = arn:aws:iam::111111111111:mfa/slow\nmfa_process = sleep 60\n",
    )
    .credentials(
        "[slow]\naws_access_key_id = AKIASLOWEXAMPLE00001\naws_secret_access_key = slowsecret/EXAMPLEKEY\n",
    )
    .with_endpoint(&closed_port_endpoint());
    user.own(home.path());
    let mut cmd = home.command("sh");
    cmd.args(["-c", "ulimit -c unlimited && exec aws-as slow", "sh"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = user.wrap(&cmd).spawn().unwrap();
    // setpriv, sh and aws-as exec: the pid is aws-as-sts's once the mfa_process runs under it.
    let pid = child.id();
    let mut waiting = Vec::new();
    wait_for("the mfa_process", Duration::from_secs(20), || {
        waiting = children(pid);
        !waiting.is_empty()
    });
    let environ = run(user.command("cat").arg(format!("/proc/{pid}/environ")));
    // SAFETY: kill with a pid this test started.
    unsafe { libc::kill(pid as i32, libc::SIGABRT) };
    let status = child.wait().unwrap();
    for orphan in waiting {
        // SAFETY: the mfa_process this test's aws-as started, left behind by the crash.
        unsafe { libc::kill(orphan as i32, libc::SIGKILL) };
    }
    assert_eq!(status.signal(), Some(libc::SIGABRT), "{status:?}");
    assert!(!status.core_dumped(), "aws-as dumped core: {status:?}");
    let cores: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("core"))
        .map(|e| e.path())
        .collect();
    assert!(cores.is_empty(), "core files: {cores:?}");
    assert!(
        !environ.status.success(),
        "the user's other processes read aws-as's /proc/PID/environ"
    );
}
