//! `aws-as refresh`, the daemon that keeps sections of the credentials file fresh, against a
//! local STS whose sessions expire within seconds (tests/support/sts.py `--lifetime`): roles
//! renewed across their expiry from the cached MFA session; new MFA sessions from a fake ykman
//! as `mfa_process`; with no code source, one notification through a fake `notify-send` and a
//! wait (without using the CPU) until a terminal makes the session; STS failures backed off;
//! SIGTERM taken only between writes; one daemon per section; the systemd unit template through
//! `systemd-analyze verify`.

use crate::common;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

/// `<home>/bin/NAME`: an executable sh script (`<home>/bin` leads the daemon's PATH).
fn script(home: &Home, name: &str, body: &str) {
    let dir = home.path().join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn path_with_bin(home: &Home) -> std::ffi::OsString {
    let mut path = vec![home.path().join("bin")];
    path.extend(std::env::split_paths(&test_path()));
    std::env::join_paths(path).unwrap()
}

/// A running `aws-as refresh`, its stderr collected line by line with the time each arrived.
struct Daemon {
    child: Child,
    lines: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl Daemon {
    fn start(home: &Home, args: &[&str]) -> Daemon {
        let mut cmd = home.command(aws_as_bin());
        cmd.env("PATH", path_with_bin(home))
            .arg("refresh")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&lines);
        std::thread::spawn(move || {
            let mut pending = String::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                pending.push_str(&String::from_utf8_lossy(&buf[..n]));
                while let Some(i) = pending.find('\n') {
                    let line: String = pending.drain(..=i).collect();
                    shared
                        .lock()
                        .unwrap()
                        .push((Instant::now(), line.trim_end().to_string()));
                }
            }
        });
        Daemon { child, lines }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .map(|(_, l)| l.clone())
            .collect()
    }

    fn timed_lines(&self) -> Vec<(Instant, String)> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits until `count` lines contain `what`; panics after `timeout`.
    fn wait_for(&self, what: &str, count: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let n = self.lines().iter().filter(|l| l.contains(what)).count();
            if n >= count {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no {count} lines with {what:?} within {timeout:?}; stderr so far:\n{}",
                redact(&self.lines().join("\n"))
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, and the exit status (within `timeout`).
    fn term(&mut self, timeout: Duration) -> ExitStatus {
        // SAFETY: kill has no memory preconditions.
        unsafe { libc::kill(self.pid(), libc::SIGTERM) };
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(50)); // the last line
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running {timeout:?} after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// CPU seconds the process has used (user + system), from /proc.
    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap();
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command.
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        // SAFETY: sysconf has no memory preconditions.
        ticks as f64 / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The section's `key` values as the file has them now, if the section is there.
fn section_value(home: &Home, section: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(home.credentials_path()).ok()?;
    let doc = aws_as::output::ini::model::parse(&text);
    let s = doc.section(section)?;
    doc.value(s, key).map(str::to_string)
}

fn cached_sessions(home: &Home) -> Vec<serde_json::Value> {
    std::fs::read_dir(home.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

fn cached(home: &Home, identity: &str) -> serde_json::Value {
    cached_sessions(home)
        .into_iter()
        .find(|e| e["identity"] == identity)
        .unwrap_or_else(|| panic!("no cached session of {identity}"))
}

fn no_secret_in(lines: &[String], home: &Home) {
    let text = lines.join("\n");
    for e in cached_sessions(home) {
        for k in ["secret_access_key", "session_token"] {
            assert!(
                !text.contains(e[k].as_str().unwrap()),
                "a {k} in the daemon's log"
            );
        }
    }
    assert!(!text.contains(USER_SECRET_ACCESS_KEY));
}

// ---------------------------------------------------------------------------------------------

#[test]
fn roles_are_renewed_across_their_expiry_from_the_cached_mfa_session() {
    let sts = Sts::moto_with_lifetimes(&[("AssumeRole", 8)]);
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]));
    let user_token = cached(&home, USER_PROFILE)["session_token"]
        .as_str()
        .unwrap()
        .to_string();
    sts.reset();

    let mut daemon = Daemon::start(&home, &["my-role1-dev=dbeaver"]);
    let mut tokens: Vec<String> = Vec::new();
    let started = Instant::now();
    while tokens.len() < 4 {
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "{} sessions in 40 s; stderr:\n{}",
            tokens.len(),
            redact(&daemon.lines().join("\n"))
        );
        if let (Some(token), Some(expiration)) = (
            section_value(&home, "dbeaver", "aws_session_token"),
            section_value(&home, "dbeaver", "expiration"),
        ) {
            // A tool reading the file at any moment finds credentials that are still good.
            let expiration = chrono::DateTime::parse_from_rfc3339(&expiration).unwrap();
            assert!(
                expiration.timestamp() > chrono::Utc::now().timestamp(),
                "the file held expired credentials"
            );
            if tokens.last() != Some(&token) {
                tokens.push(token);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = daemon.term(Duration::from_secs(5));
    assert!(status.success(), "{status:?}");

    // Silently: no new MFA session, every AssumeRole signed with the cached one.
    assert_eq!(sts.count("GetSessionToken"), 0);
    let roles = sts.calls_of("AssumeRole");
    assert!(roles.len() >= 4, "{}", roles.len());
    for call in &roles {
        assert_eq!(call.security_token.as_deref(), Some(user_token.as_str()));
    }
    let lines = daemon.lines();
    assert!(
        lines[0].contains("keeping [dbeaver] (my-role1-dev)"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.last().unwrap(), "aws-as refresh: stopped (SIGTERM)");
    for line in &lines[1..lines.len() - 1] {
        assert!(
            line.starts_with(
                "aws-as refresh: [dbeaver] holds my-role1-dev's credentials, valid until "
            ),
            "one line per renewal: {line}"
        );
    }
    no_secret_in(&lines, &home);
    // Renewals change only aws-as's section: no backup for any of them.
    assert!(!home.path().join(".aws/credentials.aws-as.2").exists());
}

/// Issue 18, case 4: one of the sections `--all` keeps turned into an IAM user's long-term keys
/// (`aws configure set`, aws-as's marker left in): the daemon leaves it alone with one line and
/// goes on renewing the other.
#[test]
fn a_section_that_now_holds_long_term_keys_is_left_alone_and_the_others_renewed() {
    const KEY_ID: &str = LONG_TERM_KEY_ID;
    const SECRET: &str = LONG_TERM_SECRET;
    let sts = Sts::moto_with_lifetimes(&[("AssumeRole", 8)]);
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]));
    ok(&aws_as(
        &home,
        &["write", ROLE1_PROFILE, "--profile", "dbeaver"],
    ));
    ok(&aws_as(
        &home,
        &["write", ROLE2_PROFILE, "--profile", "other"],
    ));
    configure_set_long_term_keys(&home, "dbeaver");
    let dbeaver = || -> Vec<Option<String>> {
        [
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
            "aws_as_identity",
        ]
        .iter()
        .map(|k| section_value(&home, "dbeaver", k))
        .collect()
    };
    let before = dbeaver();
    assert_eq!(before[0].as_deref(), Some(KEY_ID));

    let mut daemon = Daemon::start(&home, &["--all"]);
    daemon.wait_for(
        "[other] holds my-role2-dev's credentials",
        3,
        Duration::from_secs(40),
    );
    let status = daemon.term(Duration::from_secs(5));
    assert!(status.success(), "{status:?}");
    let after = dbeaver();
    // Compared without printing: the values are secrets.
    assert!(after == before, "[dbeaver] is not as the user left it");
    let lines = daemon.lines();
    let about: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("[dbeaver]") && !l.contains("keeping"))
        .collect();
    assert_eq!(
        about.len(),
        1,
        "one line about [dbeaver]: {}",
        redact(&lines.join("\n"))
    );
    for e in ["left alone", "long-term keys", "AKIA", "aws_as_identity"] {
        assert!(about[0].contains(e), "{e:?} not in: {}", about[0]);
    }
    assert!(!lines.join("\n").contains(SECRET));
    no_secret_in(&lines, &home);
}

#[test]
fn renewals_write_the_region_and_keep_one_changed_by_hand() {
    let sts = Sts::moto_with_lifetimes(&[("AssumeRole", 6)]);
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]));
    // A section an aws-as that wrote no region left: the first renewal adds role1's.
    home.credentials(&format!(
        "{STANDARD_CREDENTIALS}\n[dbeaver]\naws_as_identity = {ROLE1_PROFILE}\n"
    ));
    let mut daemon = Daemon::start(&home, &["dbeaver"]);
    let token = || section_value(&home, "dbeaver", "aws_session_token");
    let wait = |what: &str, done: &dyn Fn() -> bool| {
        let started = Instant::now();
        while !done() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{what}; stderr:\n{}",
                redact(&daemon.lines().join("\n"))
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait("no region written", &|| {
        section_value(&home, "dbeaver", "region").as_deref() == Some("eu-west-1")
    });
    // The user changes the region by hand: the renewals keep it.
    let first = token();
    let text = std::fs::read_to_string(home.credentials_path()).unwrap();
    home.credentials(&text.replace("region = eu-west-1", "region = sa-east-1"));
    wait("no renewal", &|| token().is_some() && token() != first);
    let second = token();
    wait("no second renewal", &|| token() != second);
    assert_eq!(
        section_value(&home, "dbeaver", "region").as_deref(),
        Some("sa-east-1")
    );
    assert!(daemon.term(Duration::from_secs(5)).success());
}

#[test]
fn a_new_mfa_session_takes_its_code_from_mfa_process() {
    let sts = Sts::moto_with_lifetimes(&[("GetSessionToken", 8), ("AssumeRole", 6)]);
    let home = Home::standard(&sts);
    home.config(&STANDARD_CONFIG.replace(
        "[profile my-user1-dev]\n",
        "[profile my-user1-dev]\nmfa_process = ykman oath accounts code --single \"Amazon Web Services:user@111111111111\"\n",
    ));
    // A fake ykman: a new code each run, and a record of each run.
    script(
        &home,
        "ykman",
        r#"n=$(cat "$HOME/ykman.count" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$HOME/ykman.count"
echo "Touch your YubiKey..." >&2
printf 'Amazon Web Services:user@111111111111  %06d\n' "$((424200 + n))"
"#,
    );
    let mut daemon = Daemon::start(&home, &["my-role1-dev=dbeaver"]);
    daemon.wait_for(
        "holds my-role1-dev's credentials",
        3,
        Duration::from_secs(40),
    );
    assert!(daemon.term(Duration::from_secs(5)).success());

    let runs: u32 = std::fs::read_to_string(home.path().join("ykman.count"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let codes: Vec<String> = sts
        .calls_of("GetSessionToken")
        .into_iter()
        .map(|c| c.token_code.unwrap_or_default())
        .collect();
    assert!(codes.len() >= 2, "{codes:?}");
    assert_eq!(codes.len() as u32, runs, "one ykman run per MFA session");
    for (i, code) in codes.iter().enumerate() {
        assert_eq!(
            code,
            &format!("{:06}", 424_201 + i),
            "the code ykman printed"
        );
    }
    no_secret_in(&daemon.lines(), &home);
}

#[test]
fn without_a_code_source_it_notifies_once_and_waits_for_a_session_from_a_terminal() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    fake_notify_send(&home.path().join("bin"), &home.path().join("notified"));
    let mut daemon = Daemon::start(&home, &["my-role1-dev=dbeaver"]);
    daemon.wait_for(
        "waits for a new MFA session of my-role1-dev",
        1,
        Duration::from_secs(20),
    );
    let line = daemon
        .lines()
        .into_iter()
        .find(|l| l.contains("waits for"))
        .unwrap();
    assert!(
        line.contains("run aws-as my-role1-dev in a terminal"),
        "{line}"
    );

    // Waiting costs nothing: a stat every 2 s, no STS call, no second notification.
    let cpu = daemon.cpu_seconds();
    std::thread::sleep(Duration::from_secs(5));
    let used = daemon.cpu_seconds() - cpu;
    assert!(used < 0.2, "{used} CPU seconds while waiting");
    assert_eq!(sts.calls().len(), 0);
    let notified = std::fs::read_to_string(home.path().join("notified")).unwrap();
    assert_eq!(notified.matches("---").count(), 1, "{notified}");
    assert!(
        notified.contains("--app-name=aws-as")
            && notified.contains("aws-as my-role1-dev")
            && notified.contains("[dbeaver]"),
        "{notified}"
    );
    assert_eq!(section_value(&home, "dbeaver", "aws_as_identity"), None);

    // Someone makes the session in a terminal: the daemon carries on from the shared cache.
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    daemon.wait_for(
        "holds my-role1-dev's credentials",
        1,
        Duration::from_secs(10),
    );
    let role = cached(&home, ROLE1_PROFILE);
    assert_eq!(
        section_value(&home, "dbeaver", "aws_access_key_id").as_deref(),
        role["access_key_id"].as_str()
    );
    assert_eq!(sts.count("GetSessionToken"), 1, "only the terminal's");
    assert!(daemon.term(Duration::from_secs(5)).success());
    let notified = std::fs::read_to_string(home.path().join("notified")).unwrap();
    assert_eq!(notified.matches("---").count(), 1);
    assert!(!notified.contains(role["session_token"].as_str().unwrap()));
    no_secret_in(&daemon.lines(), &home);
}

#[test]
fn sts_failures_are_retried_later_and_later() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]));
    sts.set_fault(Some("access-denied"));
    let mut daemon = Daemon::start(&home, &["my-role1-dev=dbeaver"]);
    daemon.wait_for("not renewed", 3, Duration::from_secs(20));
    sts.set_fault(None);
    daemon.wait_for(
        "holds my-role1-dev's credentials",
        1,
        Duration::from_secs(15),
    );
    assert!(daemon.term(Duration::from_secs(5)).success());

    let failures: Vec<(Instant, String)> = daemon
        .timed_lines()
        .into_iter()
        .filter(|(_, l)| l.contains("not renewed"))
        .collect();
    for (line, wait) in failures.iter().zip(["2s", "4s", "8s"]) {
        assert!(line.1.contains("AccessDenied"), "{}", line.1);
        assert!(
            line.1.ends_with(&format!("trying again in {wait}")),
            "{}",
            line.1
        );
    }
    let gap1 = failures[1].0 - failures[0].0;
    let gap2 = failures[2].0 - failures[1].0;
    assert!(
        gap1 >= Duration::from_millis(1800) && gap2 >= Duration::from_millis(3600) && gap2 > gap1,
        "{gap1:?} then {gap2:?}"
    );
}

#[test]
fn sigterm_waits_for_the_renewal_under_way() {
    // Every session takes 2 s from STS: the signal arrives in the middle of a renewal.
    let sts = Sts::moto_with_delay(2.0);
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]));
    let mut daemon = Daemon::start(&home, &["my-role1-dev=dbeaver"]);
    daemon.wait_for("keeping [dbeaver]", 1, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(sts.count("AssumeRole"), 1, "the renewal is under way");
    let status = daemon.term(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    let lines = daemon.lines();
    assert!(
        lines[1].contains("holds my-role1-dev's credentials"),
        "{lines:?}"
    );
    assert_eq!(lines[2], "aws-as refresh: stopped (SIGTERM)");
    assert_eq!(lines.len(), 3);
    assert!(section_value(&home, "dbeaver", "aws_session_token").is_some());
    let aws_dir: Vec<String> = std::fs::read_dir(home.path().join(".aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!aws_dir.iter().any(|n| n.ends_with(".tmp")), "{aws_dir:?}");
}

#[test]
fn one_daemon_per_section_and_bad_arguments_fail_before_it_starts() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE2_PROFILE]));
    let before = std::fs::read(home.credentials_path()).unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["refresh"], "NAME=SECTION"),
        (&["refresh", "nobody=x"], "unknown identity"),
        (&["refresh", "never-written"], "was not written by aws-as"),
        (&["refresh", "my-role1-dev=my-user1-dev"], "made from"),
        (&["refresh", "my-role1-dev=a b"], "letters, digits"),
        (
            &["refresh", "my-role1-dev=x", "my-role2-dev=x"],
            "named twice",
        ),
        (&["refresh", "--all"], "no section of"),
    ];
    for (args, expect) in cases {
        let out = aws_as(&home, args);
        assert!(!out.status.success(), "{args:?}");
        let err = stderr_str(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert_eq!(std::fs::read(home.credentials_path()).unwrap(), before);
    }

    let mut first = Daemon::start(&home, &["my-role1-dev=dbeaver"]);
    first.wait_for(
        "holds my-role1-dev's credentials",
        1,
        Duration::from_secs(15),
    );
    let out = aws_as(&home, &["refresh", "dbeaver"]);
    assert!(!out.status.success());
    assert!(
        stderr_str(&out).contains("another aws-as refresh keeps [dbeaver] fresh already"),
        "{}",
        stderr_str(&out)
    );
    assert!(first.term(Duration::from_secs(5)).success());

    // --all: every section aws-as wrote, each with the identity written there.
    ok(&aws_as(
        &home,
        &["write", ROLE2_PROFILE, "--profile", "other"],
    ));
    let mut all = Daemon::start(&home, &["--all"]);
    all.wait_for("holds", 2, Duration::from_secs(15));
    assert!(all.term(Duration::from_secs(5)).success());
    let lines = all.lines().join("\n");
    assert!(lines.contains("keeping [dbeaver], [other] of"), "{lines}");
    assert!(
        lines.contains("[dbeaver] holds my-role1-dev's credentials"),
        "{lines}"
    );
    assert!(
        lines.contains("[other] holds my-role2-dev's credentials"),
        "{lines}"
    );
}

// ---------------------------------------------------------------------------------------------
// The systemd unit

fn unit_template() -> PathBuf {
    repo_root().join("contrib/systemd/aws-as-refresh@.service")
}

/// `systemd-analyze --user verify --man=no UNIT` as it works without systemd as PID 1: a fresh
/// XDG_RUNTIME_DIR (without one, --user fails for every unit), HOME for %h.
fn verify(home: &Path, unit: &Path) -> Output {
    let runtime = home.join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut cmd = Command::new("systemd-analyze");
    cmd.args(["--user", "verify", "--man=no"])
        .arg(unit)
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("SYSTEMD_LOG_COLOR", "0");
    run(&mut cmd)
}

#[test]
fn the_systemd_unit_template_verifies_and_a_broken_one_does_not() {
    let home = Home::new();
    let units = home.path().join("units");
    std::fs::create_dir_all(&units).unwrap();
    let text = std::fs::read_to_string(unit_template()).unwrap();
    std::fs::write(units.join("aws-as-refresh@.service"), &text).unwrap();
    // %h/.cargo/bin/aws-as, where `cargo install` puts it.
    let bin = home.path().join(".cargo/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(aws_as_bin(), bin.join("aws-as")).unwrap();

    for unit in ["aws-as-refresh@.service", "aws-as-refresh@dbeaver.service"] {
        let out = verify(home.path(), &units.join(unit));
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{unit}: {:?}\n{}",
            out.status,
            stderr_str(&out)
        );
    }
    assert!(text.contains("ExecStart=%h/.cargo/bin/aws-as refresh %I\n"));

    // The check is real: a missing binary is an error, an unknown key a warning.
    let nobin = Home::new();
    let out = verify(nobin.path(), &units.join("aws-as-refresh@dbeaver.service"));
    assert!(!out.status.success(), "a missing aws-as passed");
    assert!(
        stderr_str(&out).contains("not executable"),
        "{}",
        stderr_str(&out)
    );
    let broken = home.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(
        broken.join("aws-as-refresh@.service"),
        text.replace("Restart=on-failure", "Restrat=on-failure"),
    )
    .unwrap();
    let out = verify(home.path(), &broken.join("aws-as-refresh@dbeaver.service"));
    assert!(stderr_str(&out).contains("Restrat"), "{}", stderr_str(&out));
}
