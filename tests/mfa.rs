//! MFA codes from somewhere other than a person: `mfa_process` (a fake `ykman`), a TOTP secret in
//! the profile, and what happens when STS rejects a code: a person at the terminal is asked
//! again, up to 3 codes; every other source is an error at once. Against the local STS.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;

const YKMAN_PROCESS: &str =
    r#"mfa_process = ykman oath accounts code --single "Amazon Web Services:user@111111111111""#;

/// A code no fixture spells out: the TokenCode STS receives can only have come from the source
/// under test.
fn fresh_code() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{:06}", (nanos / 7 + std::process::id()) % 1_000_000)
}

/// `<home>/bin/NAME`: an executable sh script.
fn script(home: &Home, name: &str, body: &str) -> PathBuf {
    let dir = home.path().join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The standard config with `extra` lines added to the profile `[header]`.
fn config_with(profile_header: &str, extra: &str) -> String {
    let header = format!("[{profile_header}]\n");
    assert!(STANDARD_CONFIG.contains(&header), "{header}");
    STANDARD_CONFIG.replace(&header, &format!("{header}{extra}\n"))
}

/// aws-as without a controlling terminal (as under cron or CI): a source that fell back to the
/// prompt fails at once instead of waiting for a person. `<home>/bin` leads PATH.
fn no_tty(home: &Home, args: &[&str]) -> Command {
    let mut cmd = home.command("setsid");
    let mut path = vec![home.path().join("bin")];
    path.extend(std::env::split_paths(&test_path()));
    cmd.env("PATH", std::env::join_paths(path).unwrap())
        .arg("-w")
        .arg(aws_as_bin())
        .args(args);
    cmd
}

/// Failed with nothing to eval and one line on stderr holding every `expect`, and no `secrets`.
fn fails_with(out: &Output, expect: &[&str], secrets: &[&str]) {
    let err = stderr_str(out);
    assert!(!out.status.success(), "succeeded; stderr: {err}");
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for e in expect {
        assert!(err.contains(e), "{e:?} not in: {err}");
    }
    for s in secrets {
        assert!(!err.contains(s), "a secret appeared in stderr: {err}");
    }
}

fn token_codes(sts: &Sts) -> Vec<Option<String>> {
    sts.calls_of("GetSessionToken")
        .into_iter()
        .map(|c| c.token_code)
        .collect()
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn ykman_as_mfa_process_gives_the_code_sts_receives() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(&config_with("profile my-user1-dev", YKMAN_PROCESS));
    let code = fresh_code();
    // Records how it was run: its arguments, which credential variables it could see, its stdin
    // and its parent (aws-as itself when no shell was started).
    script(
        &home,
        "ykman",
        &format!(
            r#"printf '%s\n' "$@" > "$HOME/ykman.args"
env | grep -E '^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|SECURITY_TOKEN|AS_SAVED_[A-Z_]*)=' | cut -d= -f1 > "$HOME/ykman.env"
readlink /proc/self/fd/0 > "$HOME/ykman.stdin"
cat /proc/$PPID/comm > "$HOME/ykman.parent"
echo "Touch your YubiKey..." >&2
echo "Amazon Web Services:user@111111111111  {code}"
"#
        ),
    );
    let previous = [
        ("AWS_ACCESS_KEY_ID", "ASIAPREVIOUSIDENTITY"),
        ("AWS_SECRET_ACCESS_KEY", "previous/identity/secret"),
        ("AWS_SESSION_TOKEN", "previous-identity-session-token"),
        // The user's own keys, as a switch keeps them for `aws-as -`.
        ("AWS_AS_SAVED_ACCESS_KEY_ID", "AKIAUSERSOWNKEY00001"),
        (
            "AWS_AS_SAVED_SECRET_ACCESS_KEY",
            "users/own/long-term/secret",
        ),
    ];
    let mut cmd = no_tty(&home, &[USER_PROFILE]);
    cmd.envs(previous);
    let out = run(&mut cmd);
    ok(&out);
    let err = stderr_str(&out);
    for secret in [
        USER_SECRET_ACCESS_KEY,
        previous[1].1,
        previous[2].1,
        previous[4].1,
    ] {
        assert!(!err.contains(secret), "a secret appeared in stderr: {err}");
    }

    let gst = sts.calls_of("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert_eq!(gst[0].serial_number.as_deref(), Some(MFA_SERIAL));
    assert_eq!(gst[0].token_code.as_deref(), Some(code.as_str()));
    assert_eq!(
        read(home.path().join("ykman.args")),
        "oath\naccounts\ncode\n--single\nAmazon Web Services:user@111111111111\n",
        "the quoted account name is one argument"
    );
    assert_eq!(
        read(home.path().join("ykman.env")),
        "",
        "the shell's credentials are not the code command's"
    );
    assert_eq!(read(home.path().join("ykman.stdin")).trim(), "/dev/null");
    assert_eq!(
        read(home.path().join("ykman.parent")).trim(),
        "aws-as-sts",
        "plain words are run without a shell (by aws-as-sts, which makes new sessions)"
    );

    // The MFA session is cached: a role above it needs no code, so ykman is not run again.
    std::fs::remove_file(home.path().join("ykman.args")).unwrap();
    ok(&run(&mut no_tty(&home, &[ROLE1_PROFILE])));
    assert_eq!(sts.count("GetSessionToken"), 1);
    assert!(!home.path().join("ykman.args").exists());

    // --mfa-code comes first: with an empty cache it is the code sent, and ykman is not run.
    let mut cmd = no_tty(&home, &["--mfa-code", "000111", USER_PROFILE]);
    cmd.env("AWS_AS_CACHE_DIR", home.path().join("other-cache"));
    ok(&run(&mut cmd));
    assert_eq!(
        token_codes(&sts).last().cloned().flatten().as_deref(),
        Some("000111")
    );
    assert!(!home.path().join("ykman.args").exists());
}

/// A role's mfa_process is lent to the user at the root of its chain, as its mfa_serial is; one
/// with shell syntax runs in /bin/sh.
#[test]
fn mfa_process_lent_by_a_role_and_run_by_a_shell_when_it_needs_one() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(&config_with(
        "profile my-role1-dev",
        r#"mfa_process = printf 'Touch your key\n%s\n' "$AWS_AS_TEST_CODE" | tail -n 1"#,
    ));
    let code = fresh_code();
    let mut cmd = no_tty(&home, &[ROLE2_PROFILE]);
    cmd.env("AWS_AS_TEST_CODE", &code);
    ok(&run(&mut cmd));
    assert_eq!(token_codes(&sts), [Some(code)]);
    assert_eq!(sts.count("AssumeRole"), 2);
}

#[test]
fn mfa_process_failures_are_one_line_with_its_stderr() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(&config_with("profile my-user1-dev", YKMAN_PROCESS));
    let cases: [(&str, &[&str]); 3] = [
        (
            "echo 'ERROR: No YubiKey detected!' >&2\necho 'second line' >&2\nexit 2\n",
            &[
                "mfa_process",
                USER_PROFILE,
                "exit status 2",
                "No YubiKey detected!",
            ],
        ),
        (
            "echo 'WARNING: no account matched' >&2\necho 'Amazon Web Services:user@111111111111'\n",
            &[
                "mfa_process",
                USER_PROFILE,
                "no 6-digit code",
                "no account matched",
            ],
        ),
        ("kill -9 $$\n", &["mfa_process", "signal 9"]),
    ];
    for (body, expect) in cases {
        script(&home, "ykman", body);
        let out = run(&mut no_tty(&home, &[USER_PROFILE]));
        fails_with(&out, expect, &[USER_SECRET_ACCESS_KEY]);
        assert!(
            !stderr_str(&out).contains("second line"),
            "the first line only"
        );
    }
    home.config(&config_with(
        "profile my-user1-dev",
        "mfa_process = no-such-ykman-here oath accounts code",
    ));
    fails_with(
        &run(&mut no_tty(&home, &[USER_PROFILE])),
        &["mfa_process", "could not be started", "no-such-ykman-here"],
        &[],
    );
    home.config(&config_with(
        "profile my-user1-dev",
        "mfa_process = ykman 'unterminated",
    ));
    fails_with(
        &run(&mut no_tty(&home, &[USER_PROFILE])),
        &["mfa_process", "quot"],
        &[],
    );
    assert_eq!(sts.calls(), vec![], "no code, no STS call");
    assert_eq!(home.cached_sessions(), 0);
}

/// A hardware key that is never touched: the command (and what it started) is killed at
/// AWS_AS_MFA_PROCESS_TIMEOUT.
#[test]
fn a_hanging_mfa_process_is_killed_at_the_timeout() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(&config_with("profile my-user1-dev", YKMAN_PROCESS));
    script(
        &home,
        "ykman",
        "sleep 30 &\necho $! > \"$HOME/sleep.pid\"\nwait\n",
    );
    let mut cmd = no_tty(&home, &[USER_PROFILE]);
    cmd.env("AWS_AS_MFA_PROCESS_TIMEOUT", "1");
    let started = Instant::now();
    let out = run(&mut cmd);
    let took = started.elapsed();
    fails_with(
        &out,
        &[
            "mfa_process",
            "did not finish within 1s",
            "AWS_AS_MFA_PROCESS_TIMEOUT",
        ],
        &[],
    );
    assert!(took < Duration::from_secs(10), "gave up after {took:?}");
    let pid = read(home.path().join("sleep.pid")).trim().to_string();
    let alive = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| !stat.contains(") Z "))
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(), "the command's child {pid} outlived the timeout");
    assert_eq!(sts.calls(), vec![]);
}

// ---------------------------------------------------------------------------------------------
// TOTP
// ---------------------------------------------------------------------------------------------

/// A secret of 16 bytes nobody wrote down, base32 as Python encodes it (upper case, `=` padded).
fn fresh_totp_secret() -> String {
    let seed = format!(
        "{:032x}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ u128::from(std::process::id())
    );
    let out = run(Command::new(python()).args([
        "-c",
        "import base64, sys; print(base64.b32encode(bytes.fromhex(sys.argv[1])).decode())",
        &seed,
    ]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    stdout_str(&out).trim().to_string()
}

/// The codes of the current and the previous 30-second step, by Python's hmac (RFC 6238
/// computed independently of aws-as). Called right after a switch that took well under 30 s,
/// the code it sent is one of the two.
fn totp_codes_now(secret: &str) -> [String; 2] {
    let out = run(Command::new(python()).args([
        "-c",
        r#"
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1])
step = int(time.time()) // 30
for s in (step, step - 1):
    mac = hmac.new(key, struct.pack(">Q", s), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    print("%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000))
"#,
        secret,
    ]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    let codes: Vec<String> = stdout_str(&out).lines().map(str::to_string).collect();
    [codes[0].clone(), codes[1].clone()]
}

/// How people paste a secret: lower case, in groups.
fn as_pasted(secret: &str) -> String {
    let lower = secret.to_lowercase();
    let (a, b) = lower.split_at(8);
    format!("{a} {b}")
}

fn assert_totp_code(sts: &Sts, secret: &str, took: Duration) {
    assert!(took < Duration::from_secs(25), "the switch took {took:?}");
    let sent = token_codes(sts)
        .pop()
        .flatten()
        .expect("a TokenCode was sent");
    let expected = totp_codes_now(secret);
    assert!(
        expected.contains(&sent),
        "sent {sent}, expected one of {expected:?}"
    );
}

#[test]
fn a_totp_secret_in_the_profile_gives_the_current_code() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let secret = fresh_totp_secret();
    home.config(&config_with(
        "profile my-user1-dev",
        &format!("aws_as_mfa_totp_secret = {}", as_pasted(&secret)),
    ));
    chmod(&home.config_path(), 0o600);
    // The credentials file holds no TOTP secret: its mode is not this feature's business.
    chmod(&home.credentials_path(), 0o644);
    let started = Instant::now();
    let out = run(&mut no_tty(&home, &[USER_PROFILE]));
    let took = started.elapsed();
    ok(&out);
    assert_totp_code(&sts, &secret, took);
    let err = stderr_str(&out);
    assert!(!err.contains(&secret) && !err.contains(&as_pasted(&secret)));

    // --mfa-code still comes first.
    let mut cmd = no_tty(&home, &["--mfa-code", "000222", USER_PROFILE]);
    cmd.env("AWS_AS_CACHE_DIR", home.path().join("other-cache"));
    ok(&run(&mut cmd));
    assert_eq!(token_codes(&sts).pop().flatten().as_deref(), Some("000222"));
}

/// A secret on a role (here in the credentials file) is lent to the user at the root of its
/// chain; a file that others can read is refused, whichever file it is.
#[test]
fn a_totp_secret_others_can_read_is_refused() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let secret = fresh_totp_secret();
    home.credentials(&format!(
        "{STANDARD_CREDENTIALS}[{ROLE1_PROFILE}]\naws_as_mfa_totp_secret = {secret}\n"
    ));
    let credentials = home.credentials_path().display().to_string();
    for mode in [0o640, 0o604, 0o644] {
        chmod(&home.credentials_path(), mode);
        fails_with(
            &run(&mut no_tty(&home, &[ROLE1_PROFILE])),
            &[
                "aws_as_mfa_totp_secret",
                ROLE1_PROFILE,
                &credentials,
                "chmod 600",
            ],
            &[&secret],
        );
    }
    assert_eq!(sts.calls(), vec![], "a refused secret makes no code");

    chmod(&home.credentials_path(), 0o600);
    let started = Instant::now();
    ok(&run(&mut no_tty(&home, &[ROLE1_PROFILE])));
    assert_totp_code(&sts, &secret, started.elapsed());

    // AWS_CONFIG_FILE names the file that is checked.
    let elsewhere = home.path().join("elsewhere.ini");
    std::fs::write(
        &elsewhere,
        config_with(
            "profile my-user1-dev",
            &format!("aws_as_mfa_totp_secret = {secret}"),
        ),
    )
    .unwrap();
    chmod(&elsewhere, 0o604);
    let mut cmd = no_tty(&home, &[USER_PROFILE]);
    cmd.env("AWS_CONFIG_FILE", &elsewhere)
        .env("AWS_AS_CACHE_DIR", home.path().join("other-cache"));
    fails_with(
        &run(&mut cmd),
        &[USER_PROFILE, &elsewhere.display().to_string(), "chmod 600"],
        &[&secret],
    );

    // A secret that is not base32 is named, never shown.
    home.config(&config_with(
        "profile my-user1-dev",
        "aws_as_mfa_totp_secret = not-base32-1890",
    ));
    chmod(&home.config_path(), 0o600);
    let mut cmd = no_tty(&home, &[USER_PROFILE]);
    cmd.env("AWS_AS_CACHE_DIR", home.path().join("third-cache"));
    fails_with(
        &run(&mut cmd),
        &[USER_PROFILE, "aws_as_mfa_totp_secret", "base32"],
        &["not-base32-1890"],
    );
}

// ---------------------------------------------------------------------------------------------
// Rejected codes
// ---------------------------------------------------------------------------------------------

/// STS accepts only this code (tests/support/sts.py's `wrong-mfa-unless:`).
const GOOD_CODE: &str = "246810";

/// What a person sees when the switch runs on a pseudo-terminal (`script`) and `typed` is typed.
fn on_a_terminal(home: &Home, typed: &str) -> (Output, String) {
    let mut cmd = home.command("script");
    cmd.args([
        "-qec",
        &format!("out=$(aws-as {USER_PROFILE}) && eval \"$out\" && echo \"now: $AWS_AS_IDENTITY\""),
        "/dev/null",
    ]);
    let out = run_with_input(&mut cmd, typed.as_bytes());
    let screen = stdout_str(&out);
    (out, screen)
}

#[test]
fn a_rejected_code_from_the_terminal_is_asked_again() {
    let sts = Sts::fault(&format!("wrong-mfa-unless:{GOOD_CODE}"));
    let home = Home::standard(&sts);
    let (out, screen) = on_a_terminal(&home, &format!("111111\n222222\n{GOOD_CODE}\n"));
    assert!(out.status.success(), "{screen}");
    let prompt = format!("Enter MFA code for {MFA_SERIAL}:");
    assert_eq!(screen.matches(&prompt).count(), 3, "{screen}");
    assert_eq!(
        screen.matches("STS rejected that code").count(),
        2,
        "{screen}"
    );
    assert!(screen.contains(&format!("now: {USER_PROFILE}")), "{screen}");
    assert_eq!(
        token_codes(&sts),
        ["111111", "222222", GOOD_CODE].map(|c| Some(c.to_string()))
    );
    assert_eq!(home.cached_sessions(), 1);
}

#[test]
fn three_rejected_codes_from_the_terminal_end_the_switch() {
    let sts = Sts::fault(&format!("wrong-mfa-unless:{GOOD_CODE}"));
    let home = Home::standard(&sts);
    let (out, screen) = on_a_terminal(&home, &format!("111111\n222222\n333333\n{GOOD_CODE}\n"));
    assert!(!out.status.success(), "{screen}");
    let prompt = format!("Enter MFA code for {MFA_SERIAL}:");
    assert_eq!(screen.matches(&prompt).count(), 3, "{screen}");
    assert!(
        screen.contains("3 codes from the terminal were rejected"),
        "{screen}"
    );
    assert!(!screen.contains("now:"), "{screen}");
    assert_eq!(
        token_codes(&sts),
        ["111111", "222222", "333333"].map(|c| Some(c.to_string()))
    );
    assert_eq!(home.cached_sessions(), 0, "nothing cached");
}

/// A code nobody typed would be just as wrong the second time: one call, then an error naming
/// where the code came from.
#[test]
fn a_rejected_code_from_anywhere_else_is_an_error_at_once() {
    let sts = Sts::fault(&format!("wrong-mfa-unless:{GOOD_CODE}"));
    let home = Home::standard(&sts);
    fails_with(
        &run(&mut no_tty(&home, &["--mfa-code", "111111", USER_PROFILE])),
        &["GetSessionToken", USER_PROFILE, "wrong or reused MFA code"],
        &[],
    );
    assert_eq!(token_codes(&sts), [Some("111111".to_string())]);

    sts.reset();
    home.config(&config_with("profile my-user1-dev", YKMAN_PROCESS));
    script(&home, "ykman", "echo 'Amazon Web Services:user  111111'\n");
    fails_with(
        &run(&mut no_tty(&home, &[USER_PROFILE])),
        &["wrong or reused MFA code", "mfa_process", USER_PROFILE],
        &[],
    );
    assert_eq!(token_codes(&sts), [Some("111111".to_string())]);

    sts.reset();
    let secret = fresh_totp_secret();
    home.config(&config_with(
        "profile my-user1-dev",
        &format!("aws_as_mfa_totp_secret = {secret}"),
    ));
    chmod(&home.config_path(), 0o600);
    let out = run(&mut no_tty(&home, &[USER_PROFILE]));
    // One in a million: the secret's current code is the one STS accepts.
    if out.status.success() {
        assert_eq!(token_codes(&sts), [Some(GOOD_CODE.to_string())]);
        return;
    }
    fails_with(
        &out,
        &[
            "aws_as_mfa_totp_secret",
            USER_PROFILE,
            "already used",
            "clock",
        ],
        &[&secret],
    );
    assert_eq!(sts.count("GetSessionToken"), 1);
    assert_eq!(home.cached_sessions(), 0);
}

/// An mfa_process that asks on the terminal (ykman with a password on its OATH applet) gets the
/// terminal: it is not stopped as a background job, and reads what the person types.
#[test]
fn an_mfa_process_can_ask_on_the_terminal() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    script(
        &home,
        "ykman-pin",
        "printf 'PIN for the key: ' >/dev/tty\nread pin </dev/tty\n[ \"$pin\" = 4321 ] && echo 'Amazon Web Services:user  135790'\n",
    );
    home.config(&config_with(
        "profile my-user1-dev",
        &format!(
            "mfa_process = {}",
            home.path().join("bin/ykman-pin").display()
        ),
    ));
    let mut cmd = home.command("script");
    cmd.env("AWS_AS_MFA_PROCESS_TIMEOUT", "10").args([
        "-qec",
        &format!("out=$(aws-as {USER_PROFILE}) && eval \"$out\" && echo \"now: $AWS_AS_IDENTITY\""),
        "/dev/null",
    ]);
    let started = std::time::Instant::now();
    let out = run_with_input(&mut cmd, b"4321\n");
    let screen = stdout_str(&out);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("PIN for the key: "), "{screen}");
    assert!(screen.contains(&format!("now: {USER_PROFILE}")), "{screen}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "not stopped until the timeout"
    );
    let gst = sts.calls_of("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert_eq!(gst[0].token_code.as_deref(), Some("135790"));
}

/// Authenticator apps show a code as `246 810`: typed on the terminal, given to --mfa-code or
/// sent to the management API that way (or with a hyphen), it is the six digits STS gets. Two
/// spaces, or digits split otherwise, are still refused with one line; no form of the code
/// reaches stderr or the server's log.
#[test]
fn a_code_shown_as_two_groups_of_three_is_taken_from_every_source() {
    let sts = Sts::fault(&format!("wrong-mfa-unless:{GOOD_CODE}"));
    let forms = ["246 810", "246-810"];

    for typed in forms {
        sts.reset();
        let home = Home::standard(&sts);
        let (out, screen) = on_a_terminal(&home, &format!("{typed}\n"));
        assert!(out.status.success(), "{typed:?}: {screen}");
        assert_eq!(screen.matches("Enter MFA code").count(), 1, "{screen}");
        assert!(screen.contains(&format!("now: {USER_PROFILE}")), "{screen}");
        assert_eq!(token_codes(&sts), [Some(GOOD_CODE.to_string())]);
    }

    for given in forms {
        sts.reset();
        let home = Home::standard(&sts);
        let out = run(&mut no_tty(&home, &["--mfa-code", given, USER_PROFILE]));
        assert!(out.status.success(), "{given:?}: {}", stderr_str(&out));
        assert_eq!(token_codes(&sts), [Some(GOOD_CODE.to_string())]);
        assert!(!stderr_str(&out).contains("810"), "{}", stderr_str(&out));
    }
    let home = Home::standard(&sts);
    sts.reset();
    for bad in ["246  810", "24 6810", "246_810"] {
        let out = run(&mut no_tty(&home, &["--mfa-code", bad, USER_PROFILE]));
        assert_eq!(out.status.code(), Some(1), "{bad:?}");
        assert_eq!(
            stderr_str(&out),
            "aws-as: --mfa-code takes the 6 digits your MFA device shows (123456 or 123 456)\n"
        );
    }
    assert!(token_codes(&sts).is_empty());

    // The management API (the page sends what was typed as `token`).
    let server = home.serve(&[]);
    for (i, code) in forms.iter().enumerate() {
        sts.reset();
        let body = if i == 0 {
            format!(r#"{{"token":"{code}"}}"#)
        } else {
            format!(r#"{{"token":" {code} "}}"#)
        };
        let answer = server.manage(
            "POST",
            &format!("/manage/profiles/{USER_PROFILE}/session"),
            Some(&body),
        );
        assert_eq!(answer.status, 200, "{code:?}: {}", answer.body);
        assert_eq!(token_codes(&sts), [Some(GOOD_CODE.to_string())]);
        // Each form makes a session anew.
        let answer = server.manage(
            "DELETE",
            &format!("/manage/profiles/{USER_PROFILE}/session"),
            None,
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let answer = server.manage(
        "POST",
        &format!("/manage/profiles/{USER_PROFILE}/session"),
        Some(r#"{"token":"246  810"}"#),
    );
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("123 456"), "{}", answer.body);
    let log = server.log();
    for form in ["246810", "246 810", "246-810", "246  810"] {
        assert!(!log.contains(form), "the code in the log:\n{log}");
    }
}
