//! Running a process to its end with a time limit (stdin closed or fed, both outputs gathered
//! by threads of their own), asserting it succeeded without printing its stdout (which may hold
//! secrets), and waiting for a condition; starting a helper server of tests/support that prints
//! `PORT n` first.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::{Home, aws_as_bin, redact};

/// Default limit for [`run`].
pub const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_secs(90);

/// `aws-as ARGS` in `home`'s scrubbed environment, run to its end.
pub fn aws_as(home: &Home, args: &[&str]) -> Output {
    let mut cmd = home.command(aws_as_bin());
    cmd.args(args);
    run(&mut cmd)
}

/// Asserts that `out` succeeded; the failure shows its stderr with any secret redacted.
pub fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "failed ({:?}): {}",
        out.status,
        redact(&stderr_str(out))
    );
}

/// Runs `cmd` with stdin = /dev/null, captures stdout and stderr, and kills it after
/// [`DEFAULT_RUN_TIMEOUT`] (then panics).
pub fn run(cmd: &mut Command) -> Output {
    run_with_timeout(cmd, DEFAULT_RUN_TIMEOUT)
}

/// Like [`run`], but feeds `input` to the command's stdin (then closes it).
pub fn run_with_input(cmd: &mut Command, input: &[u8]) -> Output {
    let result = run_inner(cmd, Some(input), DEFAULT_RUN_TIMEOUT);
    finish(cmd, result, DEFAULT_RUN_TIMEOUT)
}

/// Like [`run`], but panics (showing only stderr; stdout may hold secrets) when `cmd` has not
/// finished within `timeout`.
pub fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Output {
    let result = run_inner(cmd, None, timeout);
    finish(cmd, result, timeout)
}

/// Runs `cmd` (stdin = /dev/null) for at most `timeout`; returns `None` if it had to be killed.
pub fn try_run_with_timeout(cmd: &mut Command, timeout: Duration) -> Option<Output> {
    let (output, timed_out) = run_inner(cmd, None, timeout);
    (!timed_out).then_some(output)
}

fn finish(cmd: &Command, (output, timed_out): (Output, bool), timeout: Duration) -> Output {
    if timed_out {
        panic!(
            "{:?} did not finish within {:?} and was killed; stderr:\n{}",
            cmd.get_program(),
            timeout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}

fn run_inner(cmd: &mut Command, input: Option<&[u8]>, timeout: Duration) -> (Output, bool) {
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {:?}: {e}", cmd.get_program()));
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("piped stdin");
        let input = input.to_vec();
        // A writer thread, so a child that does not read cannot block us.
        thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    let out_rx = drain(child.stdout.take().expect("piped stdout"));
    let err_rx = drain(child.stderr.take().expect("piped stderr"));
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait().expect("wait for child") {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().expect("wait for killed child");
            }
            None => thread::sleep(Duration::from_millis(5)),
        }
    };
    // Grandchildren may keep the pipes open; don't wait for them forever.
    let collect =
        |rx: mpsc::Receiver<Vec<u8>>| rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
    let output = Output {
        status,
        stdout: collect(out_rx),
        stderr: collect(err_rx),
    };
    (output, timed_out)
}

fn drain(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// Everything `pipe` will yield, gathered by a thread of its own as it comes (a child's stderr,
/// read while the test talks to it).
pub(super) fn collect(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let out = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&out);
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    out
}

pub fn stdout_str(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_str(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Waits until `done`, failing the test after `limit`.
pub fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

/// A helper server started by [`start_helper`]: its stdin is its lifeline (it exits when the
/// pipe closes), its stderr gathered.
pub(super) struct Helper {
    pub child: Child,
    pub stdin: ChildStdin,
    pub port: u16,
    pub stderr: Arc<Mutex<Vec<u8>>>,
}

/// Starts `cmd` (a Python helper of tests/support, `what` in messages) with its three pipes and
/// waits up to `timeout` for its first line, `PORT n`; stdout is drained after it (moto may print
/// to it). A helper that does not come up is killed, with its stderr in the panic.
pub(super) fn start_helper(mut cmd: Command, what: &str, timeout: Duration) -> Helper {
    let mut child = cmd
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = collect(child.stderr.take().expect("piped stderr"));
    let (tx, rx) = mpsc::channel::<Result<String, String>>();
    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let first = match reader.read_line(&mut line) {
            Ok(0) => Err("stdout closed before the PORT line".to_string()),
            Ok(_) => Ok(line.clone()),
            Err(e) => Err(format!("reading stdout: {e}")),
        };
        let _ = tx.send(first);
        let mut sink = Vec::new();
        let _ = reader.read_to_end(&mut sink);
    });
    let port = match rx.recv_timeout(timeout) {
        Ok(Ok(line)) => line
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse::<u16>().ok())
            .ok_or_else(|| format!("unexpected first line {line:?}")),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(format!("no PORT line within {}s", timeout.as_secs())),
    };
    match port {
        Ok(port) => Helper {
            child,
            stdin,
            port,
            stderr,
        },
        Err(why) => {
            let _ = child.kill();
            let status = child.wait();
            thread::sleep(Duration::from_millis(100)); // let the stderr reader finish
            panic!(
                "{what} failed to start: {why} (exit: {status:?}).\n\
                 Is the venv installed (scripts/install-deps.sh)? Its stderr:\n{}",
                String::from_utf8_lossy(&stderr.lock().unwrap())
            );
        }
    }
}
