//! Secrets never leak. Every command path of aws-as runs (switches cold, with MFA, from the cache,
//! down a role chain, `-`, the status, the bash activation under `set -x`, and each failure:
//! every STS fault, an unknown name, a closed port, a bad MFA code, a corrupt cache entry,
//! malformed files) with RUST_LOG=trace and RUST_BACKTRACE=full set. Afterwards the long-term
//! secret key and every session secret and token aws-as obtained (read back from its cache) must
//! be nowhere but where they belong:
//!
//! - not in stderr, nor in any stdout other than a switch's (which the shell evals);
//! - not in any file under the test homes (TMPDIR points inside them), except `.aws/credentials`
//!   for the long-term key and for the sessions `aws-as write` puts there, the credentials file's
//!   backups for the long-term key (never a session: aws-as keeps none of its sections in them),
//!   and the cache's `*.json` entries for sessions; not in any file written
//!   to /tmp during the test (checked for the role sessions, whose secrets moto makes unique: its
//!   GetSessionToken answer and our long-term key are the same in every test's fixture);
//! - not on the command line of any process started under this test, polled from /proc while
//!   the commands run (moto answers slowly, so every switch is alive long enough to be seen).
//!
//! Each detector is shown to work: the polled command lines hold a planted marker, the secrets are
//! found in a switch's stdout and in the cache files, and the fault servers saw the tokens.

use crate::common;

use std::collections::{BTreeSet, HashSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::thread;
use std::time::{Duration, SystemTime};

use common::*;

/// Seconds moto takes to answer GetSessionToken and AssumeRole: the time each switch is visible.
const STS_DELAY: f64 = 0.4;

// ---------------------------------------------------------------------------------------------
// What is secret, and where it may be
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Kind {
    /// The long-term secret access key: only in `.aws/credentials`.
    LongTerm,
    /// A session's secret or token: only in the cache's `*.json` entries (and a switch's stdout).
    Session,
    /// A TOTP secret (`aws_as_mfa_totp_secret`): only in `.aws/config`.
    Totp,
}

/// A secret and its label; `Debug` shows only the label.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Secret {
    label: String,
    value: String,
    kind: Kind,
    /// Made for this test alone, so it can be looked for in the shared /tmp.
    unique: bool,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} chars)", self.label, self.value.len())
    }
}

impl Secret {
    /// The whole value, and each half of a long one: a truncated copy is a leak too.
    fn needles(&self) -> Vec<&[u8]> {
        let v = self.value.as_bytes();
        let mut n = vec![v];
        if v.len() >= 24 {
            n.push(&v[..v.len() / 2]);
            n.push(&v[v.len() / 2..]);
        }
        n
    }

    fn found_in(&self, hay: &[u8]) -> bool {
        self.needles()
            .iter()
            .any(|needle| hay.windows(needle.len()).any(|w| w == *needle))
    }
}

/// The labels of the secrets in `hay` (never the values: this ends up in panic messages).
fn found(hay: &[u8], secrets: &[Secret]) -> Vec<String> {
    secrets
        .iter()
        .filter(|s| s.found_in(hay))
        .map(|s| s.label.clone())
        .collect()
}

/// The long-term key, and every session secret and token in the homes' caches and in what the
/// STS servers were sent.
fn all_secrets(homes: &[&Home], servers: &[&Sts]) -> Vec<Secret> {
    let mut secrets = vec![Secret {
        label: "the long-term secret access key".into(),
        value: USER_SECRET_ACCESS_KEY.into(),
        kind: Kind::LongTerm,
        unique: false,
    }];
    let mut push = |label: String, value: &str, unique: bool| {
        if !secrets.iter().any(|s| s.value == value) {
            secrets.push(Secret {
                label,
                value: value.to_string(),
                kind: Kind::Session,
                unique,
            });
        }
    };
    for home in homes {
        for path in cache_entries(home) {
            let text = std::fs::read_to_string(&path).unwrap();
            // A deliberately corrupted entry is not JSON; its secrets are those of an entry
            // read before the corruption.
            let Ok(entry) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let identity = entry["identity"].as_str().unwrap_or("?").to_string();
            let unique = entry["kind"] == "role";
            for field in ["secret_access_key", "session_token"] {
                if let Some(v) = entry[field].as_str() {
                    push(format!("{identity}'s session {field}"), v, unique);
                }
            }
        }
    }
    for sts in servers {
        for call in sts.calls() {
            if let Some(token) = &call.security_token {
                push(
                    format!("the session token sent with {}", call.action),
                    token,
                    false,
                );
            }
        }
    }
    assert!(
        secrets.iter().filter(|s| s.kind == Kind::Session).count() >= 2,
        "no session secrets were collected: {secrets:?}"
    );
    secrets
}

fn cache_entries(home: &Home) -> Vec<PathBuf> {
    std::fs::read_dir(home.cache_dir())
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Command lines, polled from /proc
// ---------------------------------------------------------------------------------------------

/// Polls the command lines of every process descended from this test process until stopped.
struct Watch {
    stop: Arc<AtomicBool>,
    thread: thread::JoinHandle<(BTreeSet<Vec<u8>>, usize)>,
}

/// Child pids of `pid`, from each of its threads' `children` file.
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

impl Watch {
    fn start() -> Watch {
        let me = std::process::id();
        assert!(
            Path::new(&format!("/proc/{me}/task/{me}/children")).exists(),
            "this kernel has no /proc/PID/task/TID/children: the watch cannot see children"
        );
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let mut seen = BTreeSet::new();
                let mut polls = 0;
                loop {
                    let last = stop.load(Ordering::SeqCst);
                    let mut todo = children(me);
                    let mut visited = HashSet::new();
                    while let Some(pid) = todo.pop() {
                        if !visited.insert(pid) {
                            continue;
                        }
                        if let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline"))
                            && !cmdline.is_empty()
                        {
                            seen.insert(cmdline);
                        }
                        todo.extend(children(pid));
                    }
                    polls += 1;
                    if last {
                        return (seen, polls);
                    }
                    thread::sleep(Duration::from_millis(3));
                }
            })
        };
        Watch { stop, thread }
    }

    /// Every distinct command line seen (arguments joined by NUL).
    fn stop(self) -> BTreeSet<Vec<u8>> {
        self.stop.store(true, Ordering::SeqCst);
        let (seen, polls) = self.thread.join().expect("watch thread");
        assert!(polls > 10, "the watch polled only {polls} times");
        seen
    }
}

/// A process that lives a while with `marker` as an argument: the watch must see it.
fn plant(marker: &str) {
    let status = Command::new("sh")
        .args(["-c", "sleep 0.3", "sh", marker])
        .status()
        .unwrap();
    assert!(status.success());
}

fn saw(cmdlines: &BTreeSet<Vec<u8>>, words: &[&str]) -> bool {
    cmdlines.iter().any(|c| {
        let args: Vec<&[u8]> = c.split(|b| *b == 0).collect();
        words.iter().all(|w| args.contains(&w.as_bytes()))
    })
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/// Every regular file under `root` (links are not followed), skipping the directories in `skip`
/// and files older than `since` or larger than `max`.
fn files_under(root: &Path, skip: &[&Path], since: Option<SystemTime>, max: u64) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                if !skip.iter().any(|s| *s == path) {
                    todo.push(path);
                }
            } else if meta.is_file()
                && meta.len() <= max
                && since.is_none_or(|t| meta.modified().is_ok_and(|m| m >= t))
            {
                out.push(path);
            }
        }
    }
    out
}

/// Where each secret may be stored: the long-term key in a home's `.aws/credentials`, sessions
/// in a home's cache entries.
fn allowed(path: &Path, secret: &Secret, homes: &[&Home]) -> bool {
    homes.iter().any(|home| match secret.kind {
        Kind::LongTerm => {
            path == home.credentials_path()
                || path
                    .to_string_lossy()
                    .strip_prefix(&*home.credentials_path().to_string_lossy())
                    .and_then(|rest| rest.strip_prefix(".aws-as."))
                    .is_some_and(|n| n.parse::<u8>().is_ok())
        }
        Kind::Totp => path == home.config_path(),
        Kind::Session => {
            path == home.credentials_path()
                || (path.parent() == Some(home.cache_dir().as_path())
                    && path.extension().is_some_and(|x| x == "json"))
        }
    })
}

/// Checks every file of the homes and the new files of /tmp; returns how many times a secret was
/// found where it belongs (the detector's proof of work).
fn check_files(homes: &[&Home], secrets: &[Secret], since: SystemTime) -> usize {
    let mut leaks = Vec::new();
    let mut legit = 0;
    for home in homes {
        for path in files_under(home.path(), &[], None, u64::MAX) {
            let bytes = std::fs::read(&path).unwrap();
            for secret in secrets.iter().filter(|s| s.found_in(&bytes)) {
                if allowed(&path, secret, homes) {
                    legit += 1;
                } else {
                    leaks.push(format!("{} in {}", secret.label, path.display()));
                }
            }
        }
    }
    let homes_paths: Vec<&Path> = homes.iter().map(|h| h.path()).collect();
    let unique: Vec<Secret> = secrets.iter().filter(|s| s.unique).cloned().collect();
    assert!(!unique.is_empty(), "no role session was made");
    for path in files_under(&std::env::temp_dir(), &homes_paths, Some(since), 16 << 20) {
        if let Ok(bytes) = std::fs::read(&path) {
            for label in found(&bytes, &unique) {
                leaks.push(format!("{label} in {}", path.display()));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "secrets stored where they do not belong: {leaks:?}"
    );
    legit
}

// ---------------------------------------------------------------------------------------------
// Running aws-as
// ---------------------------------------------------------------------------------------------

/// A home whose TMPDIR is inside it, so whatever aws-as or a shell writes there is scanned too.
fn home_for(sts: &Sts) -> Home {
    let home = Home::standard(sts);
    std::fs::create_dir(home.path().join("tmp")).unwrap();
    home
}

/// `home.command(program)` with the variables that make Rust programs verbose, if anything can.
fn command(home: &Home, program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = home.command(program);
    cmd.env("RUST_LOG", "trace")
        .env("RUST_BACKTRACE", "full")
        .env("RUST_LIB_BACKTRACE", "1")
        .env("AWS_LOG_LEVEL", "trace")
        .env("TMPDIR", home.path().join("tmp"));
    cmd
}

/// Everything run, to be checked once the secrets are known.
#[derive(Default)]
struct Runs {
    runs: Vec<Run>,
}

struct Run {
    what: String,
    out: Output,
    /// A switch's stdout is shell code holding the credentials; every other stdout must not.
    secrets_on_stdout: bool,
    /// What stderr may hold besides `aws-as: ` lines (a shell's trace, a status line).
    free_stderr: bool,
}

impl Runs {
    fn run(&mut self, what: &str, cmd: &mut Command, expect: Expect) -> &Output {
        let started = std::time::Instant::now();
        let out = run(cmd);
        eprintln!("{what}: {:.1?}", started.elapsed());
        let err = redact(&stderr_str(&out));
        assert!(
            !err.contains("panicked") && out.status.code() != Some(101),
            "{what}: a panic: {err}"
        );
        let free_stderr = matches!(expect, Expect::ShellOk);
        match expect {
            Expect::Switch | Expect::Ok => {
                assert!(out.status.success(), "{what}: {err}");
                assert!(err.is_empty(), "{what}: stderr must stay empty: {err}");
            }
            Expect::Warned => {
                assert!(out.status.success(), "{what}: {err}");
                assert!(
                    err.lines().all(|l| l.starts_with("aws-as: warning: ")),
                    "{what}: {err}"
                );
            }
            Expect::Fails => {
                assert!(!out.status.success(), "{what}: should fail");
                assert!(out.stdout.is_empty(), "{what}: stdout must stay empty");
                assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
                assert!(err.starts_with("aws-as: "), "{what}: {err}");
            }
            Expect::ShellOk => assert!(out.status.success(), "{what}: {err}"),
        }
        self.runs.push(Run {
            what: what.to_string(),
            out,
            secrets_on_stdout: matches!(expect, Expect::Switch | Expect::Warned),
            free_stderr,
        });
        &self.runs.last().unwrap().out
    }

    /// No secret in any stderr, nor in a stdout that is not a switch's.
    fn check(&self, secrets: &[Secret]) {
        for run in &self.runs {
            let leaked = found(&run.out.stderr, secrets);
            assert!(
                leaked.is_empty(),
                "{}: {leaked:?} in stderr (stderr not shown: it holds them)",
                run.what
            );
            if !run.free_stderr {
                let err = redact(&stderr_str(&run.out));
                assert!(
                    err.lines().all(|l| l.starts_with("aws-as: ")),
                    "{}: stderr holds more than aws-as's messages: {err}",
                    run.what
                );
            }
            if !run.secrets_on_stdout {
                let leaked = found(&run.out.stdout, secrets);
                assert!(leaked.is_empty(), "{}: {leaked:?} on stdout", run.what);
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Expect {
    /// Success, credentials on stdout, nothing on stderr.
    Switch,
    /// Success, nothing on stderr, no credentials on stdout.
    Ok,
    /// A switch (credentials on stdout) after `aws-as: warning:` lines.
    Warned,
    /// Exit 1, empty stdout, one `aws-as: ` line.
    Fails,
    /// A shell script that succeeded; its stderr is its own (a trace).
    ShellOk,
}

fn aws_as(home: &Home, args: &[&str]) -> Command {
    let mut cmd = command(home, aws_as_bin());
    cmd.args(args);
    cmd
}

/// A base32 TOTP secret made for this run (so it can be looked for in the shared /tmp too).
fn totp_secret() -> String {
    const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut x = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        ^ u64::from(std::process::id()) << 32;
    (0..32)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(BASE32[(x % 32) as usize])
        })
        .collect()
}

fn marker() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("planted-marker-{}-{nanos}", std::process::id())
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

#[test]
fn success_paths_leak_nothing() {
    let since = SystemTime::now();
    let sts = Sts::moto_with_delay(STS_DELAY);
    let home = home_for(&sts);
    let bash_home = home_for(&sts);
    let totp_home = home_for(&sts);
    let watch = Watch::start();
    let planted = marker();
    plant(&planted);
    let mut runs = Runs::default();

    let cold = runs
        .run(
            "cold switch with MFA",
            &mut aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]),
            Expect::Switch,
        )
        .clone();
    runs.run(
        "role from the cached MFA session",
        &mut aws_as(&home, &[ROLE1_PROFILE]),
        Expect::Switch,
    );
    runs.run(
        "role chain",
        &mut aws_as(&home, &[ROLE2_PROFILE]),
        Expect::Switch,
    );
    runs.run(
        "cache hit",
        &mut aws_as(&home, &[USER_PROFILE]),
        Expect::Switch,
    );
    for shell in ["bash", "zsh", "fish", "csh", "tcsh"] {
        runs.run(
            &format!("cache hit, --shell {shell}"),
            &mut aws_as(&home, &["--shell", shell, ROLE2_PROFILE]),
            Expect::Switch,
        );
    }
    runs.run(
        "credential-process",
        &mut aws_as(&home, &["credential-process", ROLE1_PROFILE]),
        Expect::Switch,
    );
    for format in [
        "env",
        "env-no-export",
        "powershell",
        "windows-cmd",
        "json",
        "ini",
    ] {
        // Its stdout carries the credentials, as a switch's does.
        runs.run(
            &format!("export --format {format}"),
            &mut aws_as(&home, &["export", "--format", format, ROLE2_PROFILE]),
            Expect::Switch,
        );
    }
    runs.run(
        "exec",
        &mut aws_as(&home, &["exec", ROLE2_PROFILE, "--", "sleep", "0.3"]),
        Expect::Ok,
    );
    runs.run("list", &mut aws_as(&home, &["list"]), Expect::Ok);
    runs.run(
        "write into the credentials file",
        &mut aws_as(&home, &["write", ROLE1_PROFILE, "--profile", "dbeaver"]),
        Expect::Ok,
    );
    runs.run(
        "write again, with a backup",
        &mut aws_as(&home, &["write", ROLE2_PROFILE, "--profile", "dbeaver"]),
        Expect::Ok,
    );
    runs.run(
        "a refused write",
        &mut aws_as(&home, &["write", ROLE2_PROFILE, "--profile", USER_PROFILE]),
        Expect::Fails,
    );
    // The daemon until SIGTERM (its stderr is its log: one line per renewal).
    let mut daemon = command(&home, "timeout");
    daemon
        .args(["--preserve-status", "-s", "TERM", "3"])
        .arg(aws_as_bin())
        .args(["refresh", "my-role2-dev=daemon"]);
    runs.run("the refresh daemon", &mut daemon, Expect::ShellOk);
    runs.run(
        "write --remove",
        &mut aws_as(&home, &["write", "--remove", "dbeaver"]),
        Expect::Ok,
    );

    // The status and `-` need the environment a switch leaves: a shell evals one first. stdout is
    // then the status and the `unset`s; stderr the status that --shell sends there.
    let mut sh = command(&home, "dash");
    sh.args([
        "-euc",
        &format!(
            "out=$(aws-as {ROLE2_PROFILE}); eval \"$out\"; aws-as; aws-as --shell bash; \
             aws-as -; aws-as --shell bash -"
        ),
    ]);
    let status = runs.run("status and -", &mut sh, Expect::ShellOk).clone();
    assert!(
        stdout_str(&status).starts_with(ROLE2_PROFILE),
        "the status was shown: {}",
        redact(&stdout_str(&status))
    );

    // The activation in bash, traced, from a cold cache: the trace must hold no credential.
    let script = format!(
        "eval \"$(aws-as-activate -s)\"\n\
         aws-as --mfa-code 123456 {ROLE2_PROFILE}\n\
         aws-as\n\
         aws-as {USER_PROFILE}\n\
         aws-as {ROLE1_PROFILE}\n\
         aws-as -\n\
         aws-as-deactivate\n\
         echo \"done ${{AWS_SECRET_ACCESS_KEY-unset}}\"\n"
    );
    let mut bash = command(&bash_home, "bash");
    bash.args(["-x", "-c", &script]);
    let traced = runs
        .run("bash activation under set -x", &mut bash, Expect::ShellOk)
        .clone();
    assert!(
        stdout_str(&traced).ends_with("done unset\n"),
        "{}",
        redact(&stderr_str(&traced))
    );
    assert!(
        stderr_str(&traced).contains("+ aws-as --mfa-code 123456"),
        "the trace was on"
    );

    // MFA codes from a TOTP secret in the config: the secret is as long-lived as the keys.
    let totp = totp_secret();
    totp_home.config(&STANDARD_CONFIG.replace(
        "[profile my-role1-dev]",
        &format!("aws_as_mfa_totp_secret = {totp}\n[profile my-role1-dev]"),
    ));
    std::fs::set_permissions(
        totp_home.config_path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    // No terminal (setsid) and no --mfa-code: the code can only come from the secret.
    let mut cmd = command(&totp_home, "setsid");
    cmd.arg("-w").arg(aws_as_bin()).arg(ROLE1_PROFILE);
    runs.run("cold switch with a TOTP secret", &mut cmd, Expect::Switch);

    let cmdlines = watch.stop();
    let mut secrets = all_secrets(&[&home, &bash_home, &totp_home], &[&sts]);
    secrets.push(Secret {
        label: "the TOTP secret".into(),
        value: totp,
        kind: Kind::Totp,
        unique: true,
    });
    let codes: Vec<_> = sts
        .calls_of("GetSessionToken")
        .into_iter()
        .filter_map(|c| c.token_code)
        .collect();
    assert!(
        codes.len() == 3 && codes.iter().all(|c| c.len() == 6),
        "three MFA sessions, the third with a code computed from the TOTP secret: {codes:?}"
    );

    // The detectors work: the watch saw the planted process and the slow switches; the secrets
    // are found on a switch's stdout and in the files where they belong.
    assert!(
        saw(&cmdlines, &[&planted]),
        "the watch missed the planted process"
    );
    assert!(
        saw(&cmdlines, &["--mfa-code", USER_PROFILE]),
        "the watch missed the cold switch"
    );
    assert!(
        saw(&cmdlines, &["--shell", "bash", "--mfa-code", ROLE2_PROFILE]),
        "the watch missed the activated switch"
    );
    let on_stdout = found(&cold.stdout, &secrets);
    assert!(
        on_stdout.iter().any(|l| l.starts_with(USER_PROFILE)),
        "the user's session is not found in the switch's stdout: {on_stdout:?}"
    );
    assert_eq!(
        sts.count("AssumeRole"),
        5,
        "two roles in two homes, one in the third"
    );

    runs.check(&secrets);
    for cmdline in &cmdlines {
        let leaked = found(cmdline, &secrets);
        assert!(leaked.is_empty(), "{leaked:?} on a command line");
    }
    let legit = check_files(&[&home, &bash_home, &totp_home], &secrets, since);
    assert!(
        legit >= secrets.len(),
        "the file scan found only {legit} stored secrets"
    );
}

/// A TCP relay on 127.0.0.1 whose destination can change: the cache is keyed by the endpoint, so
/// sessions made through the relay from moto are then sent, by AssumeRole, to a fault server.
struct Relay {
    port: u16,
    target: Arc<AtomicU16>,
}

impl Relay {
    fn start(to: &Sts) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let target = Arc::new(AtomicU16::new(to.port()));
        let dest = Arc::clone(&target);
        thread::spawn(move || {
            for client in listener.incoming().filter_map(Result::ok) {
                let Ok(server) = TcpStream::connect(("127.0.0.1", dest.load(Ordering::SeqCst)))
                else {
                    continue;
                };
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    thread::spawn(move || {
                        let mut buf = [0u8; 16384];
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 || to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                }
            }
        });
        Relay { port, target }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn point_at(&self, sts: &Sts) {
        self.target.store(sts.port(), Ordering::SeqCst);
    }
}

#[test]
fn failure_paths_leak_nothing() {
    let since = SystemTime::now();
    let moto = Sts::moto_with_delay(STS_DELAY);
    let relay = Relay::start(&moto);
    let relayed = |sts: &Sts| {
        let home = home_for(sts);
        home.with_endpoint(&relay.endpoint());
        home
    };
    let home = relayed(&moto);
    let watch = Watch::start();
    let planted = marker();
    plant(&planted);
    let mut runs = Runs::default();
    runs.run(
        "priming",
        &mut aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]),
        Expect::Switch,
    );

    // Through the activation, traced, against a fault.
    let denied = Sts::fault("access-denied");
    relay.point_at(&denied);
    let mut bash = command(&home, "bash");
    bash.args([
        "-x",
        "-c",
        &format!(
            "eval \"$(aws-as-activate -s)\"\nif aws-as {ROLE2_PROFILE}; then exit 1; fi\n\
             if aws-as nope; then exit 1; fi\necho \"done ${{AWS_SECRET_ACCESS_KEY-unset}}\"\n"
        ),
    ]);
    let traced = runs
        .run(
            "bash activation, failing, under set -x",
            &mut bash,
            Expect::ShellOk,
        )
        .clone();
    assert!(stdout_str(&traced).ends_with("done unset\n"));
    relay.point_at(&moto);

    // Every fault: GetSessionToken signed with the long-term key (a home with no cache), and
    // AssumeRole signed with my-role1-dev's cached session (the chain to my-role2-dev).
    let mut homes = vec![];
    let mut faulted = vec![denied];
    for mode in [
        "wrong-mfa",
        "access-denied",
        "expired-keys",
        "expired-token",
        "http500",
        "malformed",
        "echo",
        "cut-short",
        "hang",
        "throttle-then-ok:2",
    ] {
        let fault = Sts::fault(mode);
        relay.point_at(&fault);
        let expect = if mode.starts_with("throttle") {
            Expect::Switch
        } else {
            Expect::Fails
        };
        let cold = relayed(&moto);
        let timeout = if mode == "hang" { "2" } else { "30" };
        let mut cmd = aws_as(&cold, &["--mfa-code", "123456", USER_PROFILE]);
        cmd.env("AWS_AS_STS_TIMEOUT", timeout);
        runs.run(&format!("{mode}: GetSessionToken"), &mut cmd, expect);
        // The code is there in case renewing an expired source asks for one.
        let mut cmd = aws_as(&home, &["--mfa-code", "123456", ROLE2_PROFILE]);
        cmd.env("AWS_AS_STS_TIMEOUT", timeout);
        runs.run(&format!("{mode}: AssumeRole"), &mut cmd, expect);
        assert!(
            fault
                .calls()
                .iter()
                .any(|c| c.action == "AssumeRole" && c.security_token.is_some()),
            "{mode}: a session token was sent to the fault server"
        );
        homes.push(cold);
        faulted.push(fault);
    }
    relay.point_at(&moto);

    let fresh = relayed(&moto);
    runs.run(
        "unknown identity",
        &mut aws_as(&home, &["nope"]),
        Expect::Fails,
    );
    runs.run(
        "bad --mfa-code",
        &mut aws_as(&fresh, &["--mfa-code", "12a456", USER_PROFILE]),
        Expect::Fails,
    );
    let mut cmd = command(&fresh, "setsid");
    cmd.arg("-w").arg(aws_as_bin()).arg(USER_PROFILE);
    runs.run("MFA needed, no terminal", &mut cmd, Expect::Fails);
    let mut cmd = aws_as(&home, &["--mfa-code", "123456", ROLE2_PROFILE]);
    cmd.env("AWS_ENDPOINT_URL_STS", closed_port_endpoint());
    runs.run("closed port", &mut cmd, Expect::Fails);
    runs.run(
        "--duration out of range",
        &mut aws_as(&home, &["--duration", "60", ROLE2_PROFILE]),
        Expect::Fails,
    );

    // Corrupt cache entries: cut in half, and with the token where the expiry should be. Both
    // are misses with a warning, and the switch goes on.
    let secrets_so_far = all_secrets(&[&home], &[&moto]);
    let role1 = cache_entries(&home)
        .into_iter()
        .find(|p| {
            let entry: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            entry["identity"] == ROLE1_PROFILE
        })
        .expect("my-role1-dev's entry");
    let text = std::fs::read_to_string(&role1).unwrap();
    std::fs::write(&role1, &text[..text.len() / 2]).unwrap();
    runs.run(
        "cache entry cut in half",
        &mut aws_as(&home, &[ROLE1_PROFILE]),
        Expect::Warned,
    );
    let mut entry: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&role1).unwrap()).unwrap();
    entry["expiration"] = entry["session_token"].clone();
    std::fs::write(&role1, entry.to_string()).unwrap();
    runs.run(
        "cache entry with the token as its expiry",
        &mut aws_as(&home, &[ROLE1_PROFILE]),
        Expect::Warned,
    );

    // Malformed credentials, with the secret on the line that is wrong.
    let bad_credentials = [
        format!(
            "[my-user1-dev]\naws_access_key_id = {USER_ACCESS_KEY_ID}\naws_secret_access_key: {USER_SECRET_ACCESS_KEY}\n"
        ),
        format!("aws_secret_access_key = {USER_SECRET_ACCESS_KEY}\n{STANDARD_CREDENTIALS}"),
        format!("{STANDARD_CREDENTIALS}[{USER_SECRET_ACCESS_KEY}\n"),
        format!(
            "{STANDARD_CREDENTIALS}[my-user1-dev]\naws_secret_access_key = {USER_SECRET_ACCESS_KEY}\n"
        ),
        format!("[my-user1-dev]\naws_secret_access_key = {USER_SECRET_ACCESS_KEY}\n"),
        format!("{STANDARD_CREDENTIALS}\u{0}{USER_SECRET_ACCESS_KEY}\u{1}"),
    ];
    for (i, text) in bad_credentials.iter().enumerate() {
        fresh.credentials(text);
        runs.run(
            &format!("malformed credentials #{i}"),
            &mut aws_as(&fresh, &["--mfa-code", "123456", USER_PROFILE]),
            Expect::Fails,
        );
    }
    let mut garbage = STANDARD_CREDENTIALS.as_bytes().to_vec();
    garbage.extend([0xff, 0xfe, 0]);
    garbage.extend(USER_SECRET_ACCESS_KEY.as_bytes());
    std::fs::write(fresh.credentials_path(), garbage).unwrap();
    runs.run(
        "binary credentials",
        &mut aws_as(&fresh, &["--mfa-code", "123456", USER_PROFILE]),
        Expect::Fails,
    );
    fresh.config("[profile my-user1-dev\nregion = eu-west-1\n");
    runs.run(
        "malformed config",
        &mut aws_as(&fresh, &["--mfa-code", "123456", USER_PROFILE]),
        Expect::Fails,
    );
    fresh.credentials(STANDARD_CREDENTIALS);

    let cmdlines = watch.stop();
    let mut all_homes: Vec<&Home> = vec![&home, &fresh];
    all_homes.extend(homes.iter());
    let mut servers: Vec<&Sts> = vec![&moto];
    servers.extend(faulted.iter());
    let mut secrets = all_secrets(&all_homes, &servers);
    for s in secrets_so_far {
        if !secrets.contains(&s) {
            secrets.push(s);
        }
    }

    assert!(
        saw(&cmdlines, &[&planted]),
        "the watch missed the planted process"
    );
    assert!(
        saw(&cmdlines, &["--mfa-code", ROLE1_PROFILE]),
        "the watch missed the priming switch"
    );
    runs.check(&secrets);
    for cmdline in &cmdlines {
        let leaked = found(cmdline, &secrets);
        assert!(leaked.is_empty(), "{leaked:?} on a command line");
    }
    let legit = check_files(&all_homes, &secrets, since);
    assert!(legit > 0, "the file scan found no stored secret");
}
