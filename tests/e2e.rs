//! End to end: the aws-as binary against a real STS-compatible server (moto) on loopback, its
//! output evaluated by a real shell, and the resulting environment used by real clients (boto3,
//! the AWS CLI, the Go SDK). Failures come from the fault-injecting stub.

use crate::common;

use std::collections::BTreeMap;
use std::process::{Command, Output};

use common::*;

/// Variables of the simulated shell that the harness sets itself: not aws-as's to change.
const HARNESS_VARS: [&str; 5] = [
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_AS_CACHE_DIR",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_ENDPOINT_URL_STS",
];

/// A shell session: the AWS_* variables it holds, carried from one `aws-as` to the next exactly
/// as an interactive shell would carry them.
struct Shell<'a> {
    home: &'a Home,
    vars: BTreeMap<String, String>,
}

impl<'a> Shell<'a> {
    fn new(home: &'a Home) -> Self {
        Shell {
            home,
            vars: BTreeMap::new(),
        }
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = self.home.command(program);
        cmd.envs(&self.vars);
        cmd
    }

    /// `out=$(aws-as ARGS) || exit; eval "$out"` in dash; on success the shell's AWS_* variables
    /// become what the eval left.
    fn aws_as(&mut self, args: &[&str]) -> Output {
        let mut cmd = self.command("dash");
        cmd.args([
            "-euc",
            r#"out=$(aws-as "$@") || exit $?; eval "$out"; exec env -0"#,
            "dash",
        ])
        .args(args);
        let out = run(&mut cmd);
        assert_no_secret_in(&stderr_str(&out), &self.secrets());
        if out.status.success() {
            self.vars = String::from_utf8(out.stdout.clone())
                .expect("utf-8 env")
                .split('\0')
                .filter_map(|kv| kv.split_once('='))
                .filter(|(k, _)| k.starts_with("AWS_") && !HARNESS_VARS.contains(k))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        }
        out
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    fn secrets(&self) -> Vec<String> {
        let mut s = vec![USER_SECRET_ACCESS_KEY.to_string()];
        s.extend(self.var("AWS_SECRET_ACCESS_KEY").map(str::to_string));
        s.extend(self.var("AWS_SESSION_TOKEN").map(str::to_string));
        s
    }
}

fn assert_no_secret_in(text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret appeared in stderr: {text}"
        );
    }
}

/// The caller ARN as each real client sees it with the shell's variables, after checking that the
/// client really signed with the exported key and sent the exported session token.
fn caller_arns(shell: &Shell, sts: &Sts) -> Vec<String> {
    let clients = caller_arn_clients(|p| shell.command(p), None);
    clients
        .into_iter()
        .map(|(name, mut cmd)| {
            let out = run(&mut cmd);
            assert!(out.status.success(), "{name} failed: {}", stderr_str(&out));
            let call = sts
                .calls_of("GetCallerIdentity")
                .pop()
                .expect("client reached STS");
            assert_eq!(
                call.access_key_id.as_deref(),
                shell.var("AWS_ACCESS_KEY_ID"),
                "{name}"
            );
            assert_eq!(
                call.security_token.as_deref(),
                shell.var("AWS_SESSION_TOKEN"),
                "{name}"
            );
            stdout_str(&out).trim().to_string()
        })
        .collect()
}

#[test]
fn user_then_roles_then_back_then_clean_with_real_clients() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let mut shell = Shell::new(&home);
    // A stale profile selection and a user-chosen region that aws-as must respect.
    shell
        .vars
        .insert("AWS_PROFILE".into(), "something-else".into());

    // The user: one GetSessionToken with the MFA device and code, 12 hours by default.
    ok(&shell.aws_as(&["--mfa-code", "123456", USER_PROFILE]));
    let calls = sts.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let gst = &calls[0];
    assert_eq!(gst.action, "GetSessionToken");
    assert_eq!(gst.access_key_id.as_deref(), Some(USER_ACCESS_KEY_ID));
    assert_eq!(gst.serial_number.as_deref(), Some(MFA_SERIAL));
    assert_eq!(gst.token_code.as_deref(), Some("123456"));
    assert_eq!(gst.duration_seconds, Some(43200));
    assert_eq!(shell.var("AWS_AS_IDENTITY"), Some(USER_PROFILE));
    assert_eq!(shell.var("AWS_REGION"), Some("eu-west-1"));
    assert_eq!(shell.var("AWS_DEFAULT_REGION"), Some("eu-west-1"));
    assert_eq!(
        shell.var("AWS_PROFILE"),
        None,
        "AWS_PROFILE would compete with the credentials"
    );
    let expiration = shell
        .var("AWS_CREDENTIAL_EXPIRATION")
        .expect("expiration")
        .to_string();
    assert!(
        expiration.len() == 20 && expiration.ends_with('Z') && expiration.as_bytes()[10] == b'T',
        "RFC 3339 UTC: {expiration}"
    );
    let user_key = shell.var("AWS_ACCESS_KEY_ID").expect("key").to_string();
    let user_token = shell.var("AWS_SESSION_TOKEN").expect("token").to_string();
    assert_ne!(
        user_key, USER_ACCESS_KEY_ID,
        "session credentials, not the long-term keys"
    );
    let arns = caller_arns(&shell, &sts);
    assert!(
        arns.iter().all(|a| a == &arns[0]),
        "clients disagree: {arns:?}"
    );

    // A role: AssumeRole signed with the user's MFA session; no second MFA.
    sts.reset();
    ok(&shell.aws_as(&[ROLE1_PROFILE]));
    let calls = sts.calls();
    assert_eq!(calls.len(), 1, "only AssumeRole: {calls:?}");
    assert_eq!(calls[0].action, "AssumeRole");
    assert_eq!(calls[0].access_key_id.as_deref(), Some(user_key.as_str()));
    assert_eq!(
        calls[0].security_token.as_deref(),
        Some(user_token.as_str())
    );
    assert_eq!(calls[0].role_arn.as_deref(), Some(ROLE1_ARN));
    assert_eq!(
        calls[0].role_session_name.as_deref(),
        Some(ROLE1_SESSION_NAME)
    );
    assert_eq!(
        shell.var("AWS_REGION"),
        Some("eu-west-1"),
        "inherited from the source user"
    );
    let role1 = format!("arn:aws:sts::{ACCOUNT}:assumed-role/my-role1/{ROLE1_SESSION_NAME}");
    assert_eq!(caller_arns(&shell, &sts), vec![role1.clone(); 3]);
    let role1_key = shell.var("AWS_ACCESS_KEY_ID").unwrap().to_string();

    // A role of a role, in another account and region.
    sts.reset();
    ok(&shell.aws_as(&[ROLE2_PROFILE]));
    let calls = sts.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].action, "AssumeRole");
    assert_eq!(calls[0].access_key_id.as_deref(), Some(role1_key.as_str()));
    assert_eq!(calls[0].role_arn.as_deref(), Some(ROLE2_ARN));
    assert_eq!(shell.var("AWS_REGION"), Some("us-west-2"));
    let arns = caller_arns(&shell, &sts);
    let prefix = format!("arn:aws:sts::{ACCOUNT2}:assumed-role/my-role2/aws-as-");
    assert!(arns.iter().all(|a| a.starts_with(&prefix)), "{arns:?}");

    // Back to the user and to the first role: from the cache, no STS call, same credentials.
    sts.reset();
    ok(&shell.aws_as(&[USER_PROFILE]));
    assert_eq!(shell.var("AWS_ACCESS_KEY_ID"), Some(user_key.as_str()));
    ok(&shell.aws_as(&[ROLE1_PROFILE]));
    assert_eq!(shell.var("AWS_ACCESS_KEY_ID"), Some(role1_key.as_str()));
    assert_eq!(sts.calls(), vec![], "cache hits must not reach STS");

    // `aws-as -`: nothing aws-as set is left, and the profile the switch replaced is back.
    ok(&shell.aws_as(&["-"]));
    let mut before = BTreeMap::new();
    before.insert("AWS_PROFILE".to_string(), "something-else".to_string());
    assert_eq!(shell.vars, before);
}

#[test]
fn region_the_user_set_is_left_alone() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(&format!(
        "{STANDARD_CONFIG}[profile no-region]\nrole_arn = arn:aws:iam::111111111111:role/r\nsource_profile = plain\n[profile plain]\n"
    ))
    .credentials(&format!(
        "{STANDARD_CREDENTIALS}[plain]\naws_access_key_id = AKIAPLAIN\naws_secret_access_key = plainsecret\n"
    ));
    let mut shell = Shell::new(&home);
    shell.vars.insert("AWS_REGION".into(), "ap-south-1".into());
    ok(&shell.aws_as(&["no-region"]));
    assert_eq!(shell.var("AWS_REGION"), Some("ap-south-1"));
    // GetSessionToken without MFA for a user without mfa_serial, signed for the user's region.
    let gst = &sts.calls_of("GetSessionToken")[0];
    assert_eq!(gst.serial_number, None);
    assert_eq!(gst.token_code, None);
    ok(&shell.aws_as(&["-"]));
    assert_eq!(
        shell.var("AWS_REGION"),
        Some("ap-south-1"),
        "`aws-as -` removes only its own"
    );

    // An identity's region replaces the user's while it is active; leaving it (for an identity
    // without a region, or with `-`) puts the user's back, and removes what the user never had.
    ok(&shell.aws_as(&["--mfa-code", "123456", USER_PROFILE]));
    assert_eq!(shell.var("AWS_REGION"), Some("eu-west-1"));
    assert_eq!(shell.var("AWS_DEFAULT_REGION"), Some("eu-west-1"));
    ok(&shell.aws_as(&[ROLE2_PROFILE]));
    assert_eq!(shell.var("AWS_REGION"), Some("us-west-2"));
    ok(&shell.aws_as(&["no-region"]));
    assert_eq!(shell.var("AWS_REGION"), Some("ap-south-1"));
    assert_eq!(shell.var("AWS_DEFAULT_REGION"), None);
    ok(&shell.aws_as(&[USER_PROFILE]));
    ok(&shell.aws_as(&["-"]));
    assert_eq!(shell.var("AWS_REGION"), Some("ap-south-1"));
    assert_eq!(shell.var("AWS_DEFAULT_REGION"), None);
    // A region the user changes by hand while an identity is active is theirs and stays.
    ok(&shell.aws_as(&[USER_PROFILE]));
    shell.vars.insert("AWS_REGION".into(), "sa-east-1".into());
    ok(&shell.aws_as(&["-"]));
    assert_eq!(shell.var("AWS_REGION"), Some("sa-east-1"));
    assert_eq!(
        shell
            .vars
            .keys()
            .filter(|k| k.starts_with("AWS_AS_"))
            .count(),
        0,
        "{:?}",
        shell.vars
    );
}

#[test]
fn credentials_the_user_exported_are_theirs() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let mut shell = Shell::new(&home);
    shell
        .vars
        .insert("AWS_ACCESS_KEY_ID".into(), "AKIAMINE".into());
    shell
        .vars
        .insert("AWS_SECRET_ACCESS_KEY".into(), "minesecret".into());
    let before = shell.vars.clone();
    let out = aws_as_env(&home, &shell.vars, &["-"]);
    ok(&out);
    assert_eq!(stdout_str(&out), "", "nothing of aws-as's to remove");
    ok(&shell.aws_as(&["-"]));
    assert_eq!(shell.vars, before);
}

fn aws_as_env(home: &Home, vars: &BTreeMap<String, String>, args: &[&str]) -> Output {
    let mut cmd = home.command(aws_as_bin());
    cmd.envs(vars).args(args);
    run(&mut cmd)
}

#[test]
fn text_for_humans_never_reaches_a_captured_stdout() {
    let home = Home::standard(&Sts::moto());
    // With --shell (what the activation's wrapper passes) stdout is being eval'd.
    for args in [
        &["--shell", "bash", "x", "--help"][..],
        &["--shell", "zsh", "--mfa-code", "1", "-V"],
        &["--shell=fish", "-h"],
        &["--shell", "sh"],
    ] {
        let mut vars = BTreeMap::new();
        vars.insert("AWS_AS_IDENTITY".to_string(), "x".to_string());
        let out = aws_as_env(&home, &vars, args);
        assert!(out.status.success(), "{args:?}");
        assert_eq!(stdout_str(&out), "", "{args:?}");
        assert!(
            !stderr_str(&out).is_empty(),
            "{args:?}: the text goes to stderr"
        );
    }
    // Standalone, help is ordinary output.
    let out = aws_as(&home, &["--help"]);
    assert!(stdout_str(&out).contains("Usage"));
    assert_fails_cleanly(&aws_as(&home, &["--bogus"]), &["--bogus", "aws-as --help"]);
}

#[test]
fn out_of_range_settings_are_errors_not_crashes() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let mut cmd = home.command(aws_as_bin());
    cmd.env("AWS_AS_STS_TIMEOUT", "1e300")
        .args(["--mfa-code", "123456", USER_PROFILE]);
    ok(&run(&mut cmd));
    home.config(&STANDARD_CONFIG.replace(
        "role_session_name",
        "duration_seconds = 4294967295
role_session_name",
    ));
    assert_fails_cleanly(
        &aws_as(&home, &[ROLE1_PROFILE]),
        &["duration_seconds", "900 to 129600"],
    );
    assert_fails_cleanly(
        &aws_as(&home, &["--duration", "60", ROLE1_PROFILE]),
        &["--duration"],
    );
}

fn assert_fails_cleanly(out: &Output, expect: &[&str]) {
    let err = stderr_str(out);
    assert!(!out.status.success(), "should fail");
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for e in expect {
        assert!(err.contains(e), "{e:?} not in: {err}");
    }
    assert_no_secret_in(&err, &[USER_SECRET_ACCESS_KEY.to_string()]);
}

#[test]
fn bad_input_is_one_line_naming_the_problem() {
    let home = Home::new();
    home.with_endpoint(&closed_port_endpoint());
    home.config(
        "[profile loop-a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop-b\n\
         [profile loop-b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop-a\n\
         [profile nothing]\nregion = eu-west-1\n\
         [profile orphan]\nrole_arn = arn:aws:iam::1:role/o\nsource_profile = missing\n\
         [profile half]\naws_access_key_id = AKIAHALF\n",
    );
    assert_fails_cleanly(
        &aws_as(&home, &["nope"]),
        &["unknown identity \"nope\"", "\"loop-a\", \"loop-b\""],
    );
    assert_fails_cleanly(&aws_as(&home, &["loop-a"]), &["loop-a", "loops back"]);
    assert_fails_cleanly(
        &aws_as(&home, &["nothing"]),
        &["neither a user", "role_arn"],
    );
    assert_fails_cleanly(&aws_as(&home, &["orphan"]), &["\"missing\" does not exist"]);
    assert_fails_cleanly(&aws_as(&home, &["half"]), &["half of its keys"]);
    assert_fails_cleanly(&aws_as(&home, &["x$(touch pwned)"]), &["unknown identity"]);
    assert!(!home.path().join("pwned").exists());
    assert_fails_cleanly(
        &aws_as(&home, &["--mfa-code", "12345", "half"]),
        &["half of its keys"],
    );

    home.config("[profile broken\naws_access_key_id = x\n");
    assert_fails_cleanly(
        &aws_as(&home, &["broken"]),
        &["cannot read the AWS config files"],
    );
}

#[test]
fn mfa_needs_a_terminal_or_a_code() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    // setsid: no controlling terminal, as under cron or CI.
    let mut cmd = home.command("setsid");
    cmd.args(["-w"]).arg(aws_as_bin()).arg(USER_PROFILE);
    let out = run(&mut cmd);
    assert_fails_cleanly(&out, &[MFA_SERIAL, "--mfa-code"]);
    assert_eq!(sts.calls(), vec![]);
    assert_fails_cleanly(
        &aws_as(&home, &["--mfa-code", "12a456", USER_PROFILE]),
        &["6 digits"],
    );
}

#[test]
fn sts_failures_name_the_profile_and_the_code_and_change_nothing() {
    let cases: [(&str, &str, &[&str]); 6] = [
        (
            "wrong-mfa",
            USER_PROFILE,
            &[
                "GetSessionToken",
                "my-user1-dev",
                "AccessDenied",
                "wrong or reused MFA code",
            ],
        ),
        (
            "expired-keys",
            USER_PROFILE,
            &["InvalidClientTokenId", "rotate them"],
        ),
        (
            "access-denied",
            USER_PROFILE,
            &["AccessDenied", "my-user1-dev"],
        ),
        (
            "http500",
            USER_PROFILE,
            &["GetSessionToken", "my-user1-dev"],
        ),
        (
            "malformed",
            USER_PROFILE,
            &["GetSessionToken", "my-user1-dev"],
        ),
        ("expired-token", USER_PROFILE, &["ExpiredToken"]),
    ];
    for (mode, profile, expect) in cases {
        let sts = Sts::fault(mode);
        let home = Home::standard(&sts);
        let mut shell = Shell::new(&home);
        shell
            .vars
            .insert("AWS_ACCESS_KEY_ID".into(), "AKIABEFORE".into());
        let before = shell.vars.clone();
        let out = aws_as(&home, &["--mfa-code", "123456", profile]);
        assert_fails_cleanly(&out, expect);
        assert!(
            !shell
                .aws_as(&["--mfa-code", "123456", profile])
                .status
                .success()
        );
        assert_eq!(
            shell.vars, before,
            "{mode}: the environment must not change"
        );
        let cached = std::fs::read_dir(home.cache_dir())
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                    .count()
            })
            .unwrap_or(0);
        assert_eq!(cached, 0, "{mode}: nothing cached from a failure");
    }
}

/// The credentials tests/support/sts.py's cut-short answer holds.
const CUT_SHORT_SECRET: &str = "cutShortSecret/EXAMPLE0123456789abcdefGHIJ";
const CUT_SHORT_TOKEN: &str =
    "FwoGZXIvYXdzCUTSHORTtoken0123456789+abcdefghijklmnopqrstuvwxyz/ABCDEFGH";

#[test]
fn sts_errors_show_the_status_and_what_came_back_with_advice_for_the_call() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    // role1's source session in the cache: AssumeRole is signed with its token.
    ok(&aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]));
    let entries = cache_entries(&home);
    let user_session = &entry_of(&entries, USER_PROFILE).1;
    let token = user_session["session_token"].as_str().unwrap().to_string();
    let session_secret = user_session["secret_access_key"]
        .as_str()
        .unwrap()
        .to_string();
    let secrets = [
        USER_SECRET_ACCESS_KEY.to_string(),
        token.clone(),
        session_secret,
        CUT_SHORT_SECRET.to_string(),
        CUT_SHORT_TOKEN.to_string(),
    ];
    // (fault, GetSessionToken or AssumeRole, what the line holds, what it must not say)
    let cases: [(&str, &str, &[&str], &[&str]); 8] = [
        (
            "http500",
            USER_PROFILE,
            &[
                "GetSessionToken",
                "HTTP 500",
                "\"InternalFailure\"",
                "try again",
            ],
            &["Unknown", "see the message"],
        ),
        (
            "malformed",
            USER_PROFILE,
            &["HTTP 200", "\"<<<not xml\"", "AWS_ENDPOINT_URL_STS"],
            &["Unknown", "see the message"],
        ),
        (
            "access-denied",
            USER_PROFILE,
            &[
                "HTTP 403 AccessDenied",
                "sts:GetSessionToken",
                "without MFA",
            ],
            &["trust policy", "role"],
        ),
        (
            "access-denied",
            ROLE1_PROFILE,
            &["AssumeRole", "HTTP 403 AccessDenied", "trust policy"],
            &["without MFA"],
        ),
        (
            "expired-keys",
            ROLE1_PROFILE,
            &[
                "AssumeRole",
                "HTTP 403 InvalidClientTokenId",
                "source session",
            ],
            &["rotate"],
        ),
        (
            "echo",
            ROLE1_PROFILE,
            &[
                "AssumeRole",
                "HTTP 502",
                "502 Bad Gateway",
                "upstream failed",
            ],
            &["\u{1b}", "X-Amz-Security-Token: F"],
        ),
        (
            // The echoed form holds the MFA code: a secret for its minute, never shown.
            "echo",
            USER_PROFILE,
            &["GetSessionToken", "HTTP 502", "502 Bad Gateway"],
            &["TokenCode=123456", "=123456&", "123456&"],
        ),
        (
            "cut-short",
            USER_PROFILE,
            &[
                "GetSessionToken",
                "incomplete credentials",
                "nothing was kept",
            ],
            &["cutShort", "CUTSHORT"],
        ),
    ];
    for (mode, profile, expect, never) in cases {
        sts.set_fault(Some(mode));
        // A user's GetSessionToken from a home with nothing cached; a role's AssumeRole with the
        // user's session cached.
        let cold = Home::standard(&sts);
        let out = if profile == USER_PROFILE {
            aws_as(&cold, &["--mfa-code", "123456", profile])
        } else {
            aws_as(&home, &[profile])
        };
        let kept = std::fs::read_dir(cold.cache_dir())
            .map(|d| {
                d.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                    .count()
            })
            .unwrap_or(0);
        assert_eq!(kept, 0, "{mode}: nothing cached from a failure");
        assert_fails_cleanly(&out, expect);
        let err = stderr_str(&out);
        assert!(err.len() < 700, "{mode}: bounded: {err}");
        for n in never {
            assert!(!err.contains(n), "{mode}: {n:?} in: {err}");
        }
        assert!(
            !err.chars().any(|c| c.is_control() && c != '\n'),
            "{mode}: {err:?}"
        );
        assert_no_secret_in(&err, &secrets);
        if mode == "echo" {
            let sent = sts.calls_of("AssumeRole");
            assert_eq!(
                sent.last().unwrap().security_token.as_deref(),
                Some(token.as_str())
            );
        }
    }
    sts.set_fault(None);
}

#[test]
fn unreachable_sts_and_throttling() {
    let home = Home::standard(&Sts::moto());
    home.with_endpoint(&closed_port_endpoint());
    assert_fails_cleanly(
        &aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]),
        &["could not connect", "127.0.0.1"],
    );

    // Throttling is retried with backoff by the SDK; the switch then succeeds.
    let sts = Sts::fault("throttle-then-ok:2");
    home.with_sts(&sts);
    let out = aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]);
    ok(&out);
    assert_eq!(
        sts.count("GetSessionToken"),
        3,
        "two throttled attempts, then one answered"
    );
}

#[test]
fn a_hanging_sts_is_given_up_on_within_the_timeout() {
    let sts = Sts::fault("hang");
    let home = Home::standard(&sts);
    let mut cmd = home.command(aws_as_bin());
    cmd.env("AWS_AS_STS_TIMEOUT", "2")
        .args(["--mfa-code", "123456", USER_PROFILE]);
    let started = std::time::Instant::now();
    let out = run(&mut cmd);
    assert_fails_cleanly(&out, &["timed out", "AWS_AS_STS_TIMEOUT"]);
    assert!(
        started.elapsed().as_secs() < 20,
        "gave up after {:?}",
        started.elapsed()
    );
}

#[test]
fn twenty_terminals_switching_to_one_cold_role_make_one_call_each() {
    // The delay widens the race: every process is started before the first answer arrives.
    let sts = Sts::moto_with_delay(1.0);
    let home = Home::standard(&sts);
    let children: Vec<_> = (0..20)
        .map(|_| {
            let mut cmd = home.command(aws_as_bin());
            cmd.args(["--mfa-code", "123456", ROLE1_PROFILE])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().expect("spawn aws-as")
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outputs {
        ok(out);
    }
    assert_eq!(sts.count("GetSessionToken"), 1, "{:?}", sts.calls());
    assert_eq!(sts.count("AssumeRole"), 1, "{:?}", sts.calls());
    assert!(
        outputs.iter().all(|o| o.stdout == outputs[0].stdout),
        "every process got the same credentials"
    );
    for entry in std::fs::read_dir(home.cache_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            serde_json::from_str::<serde_json::Value>(&text).expect("valid cache entry");
        }
        assert!(
            !path.to_string_lossy().ends_with(".tmp"),
            "leftover temp file {path:?}"
        );
    }
}

fn cache_entries(home: &Home) -> Vec<(std::path::PathBuf, serde_json::Value)> {
    let mut v: Vec<_> = std::fs::read_dir(home.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let json = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p, json)
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn entry_of<'h>(
    entries: &'h [(std::path::PathBuf, serde_json::Value)],
    name: &str,
) -> &'h (std::path::PathBuf, serde_json::Value) {
    entries
        .iter()
        .find(|(_, j)| j["identity"] == name)
        .expect("entry for identity")
}

#[test]
fn cache_is_private_keyed_by_profile_and_renewed_before_expiry() {
    use std::os::unix::fs::PermissionsExt;
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&home.cache_dir()), 0o700);
    let entries = cache_entries(&home);
    assert_eq!(entries.len(), 2, "the user's session and the role's");
    for (p, _) in &entries {
        assert_eq!(mode(p), 0o600, "{p:?}");
    }

    // A role session about to expire is renewed from the cached MFA session: no MFA code needed.
    let (role_path, mut role) = entry_of(&entries, ROLE1_PROFILE).clone();
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(2)).to_rfc3339();
    role["expiration"] = soon.clone().into();
    std::fs::write(&role_path, role.to_string()).unwrap();
    sts.reset();
    ok(&aws_as(&home, &[ROLE1_PROFILE]));
    assert_eq!(
        (sts.count("AssumeRole"), sts.count("GetSessionToken")),
        (1, 0)
    );

    // An expired MFA session asks for a code again (none given, no terminal: a clear error).
    let entries = cache_entries(&home);
    let (user_path, mut user) = entry_of(&entries, USER_PROFILE).clone();
    user["expiration"] = soon.into();
    std::fs::write(&user_path, user.to_string()).unwrap();
    let (role_path, mut role) = entry_of(&entries, ROLE1_PROFILE).clone();
    role["expiration"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&role_path, role.to_string()).unwrap();
    let mut cmd = home.command("setsid");
    cmd.arg("-w").arg(aws_as_bin()).arg(ROLE1_PROFILE);
    assert_fails_cleanly(&run(&mut cmd), &["MFA code", "--mfa-code"]);

    // A changed profile never gets the old profile's credentials.
    sts.reset();
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    home.config(&STANDARD_CONFIG.replace("role/my-role1", "role/my-role1-new"));
    sts.reset();
    ok(&aws_as(&home, &[ROLE1_PROFILE]));
    let calls = sts.calls_of("AssumeRole");
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].role_arn.as_deref(),
        Some("arn:aws:iam::111111111111:role/my-role1-new")
    );
}

#[test]
fn a_corrupt_entry_is_a_miss_and_a_writable_cache_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    let entries = cache_entries(&home);
    let (role_path, _) = entry_of(&entries, ROLE1_PROFILE);
    let (user_path, user_before) = entry_of(&entries, USER_PROFILE).clone();
    let text = std::fs::read_to_string(role_path).unwrap();
    std::fs::write(role_path, &text[..text.len() / 2]).unwrap();
    sts.reset();
    let out = aws_as(&home, &[ROLE1_PROFILE]);
    ok(&out);
    let err = stderr_str(&out);
    assert!(err.contains("warning") && err.contains("corrupt"), "{err}");
    assert_eq!(
        (sts.count("AssumeRole"), sts.count("GetSessionToken")),
        (1, 0)
    );
    let user_after: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&user_path).unwrap()).unwrap();
    assert_eq!(user_after, user_before, "other entries untouched");

    // An entry filed under another key (a hash collision, a copied file) is a miss, not a hit.
    let (role_path, _) = entry_of(&cache_entries(&home), ROLE1_PROFILE).clone();
    let saved_user = std::fs::read(&user_path).unwrap();
    std::fs::copy(&role_path, &user_path).unwrap();
    sts.reset();
    ok(&aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]));
    assert_eq!(
        sts.count("GetSessionToken"),
        1,
        "the role's credentials were not served as the user's"
    );
    std::fs::write(&user_path, saved_user).unwrap();
    let role_path = &role_path;

    std::fs::set_permissions(role_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_fails_cleanly(
        &aws_as(&home, &[ROLE1_PROFILE]),
        &["refusing", "others can read", "chmod 600"],
    );
    std::fs::set_permissions(role_path, std::fs::Permissions::from_mode(0o666)).unwrap();
    assert_fails_cleanly(
        &aws_as(&home, &[ROLE1_PROFILE]),
        &["refusing", "others can read or write", "chmod"],
    );
    std::fs::set_permissions(role_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(home.cache_dir(), std::fs::Permissions::from_mode(0o777)).unwrap();
    assert_fails_cleanly(
        &aws_as(&home, &[ROLE1_PROFILE]),
        &["refusing the cache directory"],
    );
}

#[test]
fn every_dialect_carries_the_same_switch() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE2_PROFILE]));
    let printenv = |shell: &str, script: &str| {
        let mut cmd = home.command(shell);
        cmd.args(["-c", script]);
        let out = run(&mut cmd);
        ok(&out);
        stdout_str(&out)
    };
    let bin = aws_as_bin().display().to_string();
    // `printenv` in every shell: the same question asked the same way of each.
    let show = "printenv AWS_AS_IDENTITY; printenv AWS_REGION; printenv AWS_ACCESS_KEY_ID";
    let posix = printenv(
        "dash",
        &format!("eval \"$('{bin}' {ROLE2_PROFILE})\"; {show}"),
    );
    let fish = printenv(
        "fish",
        &format!("'{bin}' --shell fish {ROLE2_PROFILE} | source; {show}"),
    );
    let csh = printenv(
        "tcsh",
        &format!("eval \"`'{bin}' --shell csh {ROLE2_PROFILE}`\"; {show}"),
    );
    assert_eq!(posix.lines().count(), 3, "{posix}");
    assert_eq!(fish, posix);
    assert_eq!(csh, posix);
}

#[test]
fn profile_settings_reach_sts() {
    let sts = Sts::moto();
    let home = Home::new();
    home.with_sts(&sts);
    home.config(
        "[profile plain]\n\
         [profile partner]\nrole_arn = arn:aws:iam::333333333333:role/partner\nsource_profile = plain\n\
         external_id = ext-42\nduration_seconds = 1800\nmfa_serial = arn:aws:iam::111111111111:mfa/plain\n",
    )
    .credentials("[plain]\naws_access_key_id = AKIAPLAIN\naws_secret_access_key = plainsecret\n");

    // The role names an MFA device its source user does not: the user's session is made with it.
    ok(&aws_as(
        &home,
        &["--mfa-code", "654321", "--duration", "7200", "partner"],
    ));
    let gst = &sts.calls_of("GetSessionToken")[0];
    assert_eq!(
        gst.serial_number.as_deref(),
        Some("arn:aws:iam::111111111111:mfa/plain")
    );
    assert_eq!(gst.token_code.as_deref(), Some("654321"));
    assert_eq!(
        gst.duration_seconds,
        Some(43200),
        "--duration applies to the identity named"
    );
    let role = &sts.calls_of("AssumeRole")[0];
    assert_eq!(role.external_id.as_deref(), Some("ext-42"));
    assert_eq!(role.duration_seconds, Some(7200));
    assert!(
        role.role_session_name
            .as_deref()
            .unwrap()
            .starts_with("aws-as-")
    );

    let mut shell = Shell::new(&home);
    ok(&shell.aws_as(&["partner"]));
    assert_eq!(shell.var("AWS_AS_IDENTITY"), Some("partner"));
    assert_eq!(
        shell.var("AWS_REGION"),
        None,
        "no region anywhere in the chain"
    );
    assert_eq!(sts.calls().len(), 2, "the second switch is a cache hit");
}

/// The real binary through activation in each real shell, under the strictest options that shell
/// allows: switch user → role → role chain → back → `-` → deactivate, reading the variables at
/// each step as the shell holds them.
#[test]
fn activation_with_the_real_binary_in_every_shell() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    // Prime the MFA session so every shell below switches without a code.
    ok(&aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]));
    let posix_steps = format!(
        "aws-as {USER_PROFILE}; echo \"1 $AWS_AS_IDENTITY $AWS_REGION\"; \
         aws-as {ROLE1_PROFILE}; echo \"2 $AWS_AS_IDENTITY $AWS_REGION\"; \
         aws-as {ROLE2_PROFILE}; echo \"3 $AWS_AS_IDENTITY $AWS_REGION\"; \
         if aws-as nope 2>/dev/null; then echo bad; fi; echo \"4 $AWS_AS_IDENTITY\"; \
         aws-as -; echo \"5 ${{AWS_ACCESS_KEY_ID-none}}\"; \
         aws-as {ROLE1_PROFILE}; aws-as-deactivate --keep-creds; echo \"6 ${{AWS_AS_IDENTITY-}}\"; \
         aws-as-deactivate 2>/dev/null || echo 7 gone\n"
    );
    let expected = format!(
        "1 {USER_PROFILE} eu-west-1\n2 {ROLE1_PROFILE} eu-west-1\n3 {ROLE2_PROFILE} us-west-2\n\
         4 {ROLE2_PROFILE}\n5 none\n6 {ROLE1_PROFILE}\n7 gone\n"
    );
    let activate = "eval \"$(aws-as-activate -s)\"\n";
    let cases: Vec<(&str, Vec<&str>, String)> = vec![
        (
            "bash",
            vec!["-euo", "pipefail", "-c"],
            format!("{activate}{posix_steps}"),
        ),
        (
            "bash",
            vec!["--posix", "-eu", "-c"],
            format!("{activate}{posix_steps}"),
        ),
        (
            "zsh",
            vec!["-eu", "-o", "ksh_arrays", "-c"],
            format!("{activate}{posix_steps}"),
        ),
        (
            "dash",
            vec!["-eu", "-c"],
            format!("{activate}{posix_steps}"),
        ),
        (
            "fish",
            vec!["--no-config", "-c"],
            format!(
                "aws-as-activate --shell fish | source\n{}",
                posix_steps
                    .replace("; ", "\n")
                    .replace(
                        "if aws-as nope 2>/dev/null\nthen echo bad\nfi",
                        "aws-as nope 2>/dev/null; and echo bad"
                    )
                    .replace(
                        "${AWS_ACCESS_KEY_ID-none}",
                        "$(set -q AWS_ACCESS_KEY_ID; and echo set; or echo none)"
                    )
                    .replace("${AWS_AS_IDENTITY-}", "$AWS_AS_IDENTITY")
                    .replace("|| echo", "; or echo")
            ),
        ),
        // csh expands aliases when it parses a line, so the alias the activation defines is only
        // seen on later lines: one statement per line, from a file, as in a .tcshrc.
        (
            "tcsh",
            vec!["-f"],
            format!(
                "eval \"`aws-as-activate -c`\"\naws-as {USER_PROFILE}\necho \"1 $AWS_AS_IDENTITY $AWS_REGION\"\n\
                 aws-as {ROLE1_PROFILE}\necho \"2 $AWS_AS_IDENTITY $AWS_REGION\"\n\
                 aws-as {ROLE2_PROFILE}\necho \"3 $AWS_AS_IDENTITY $AWS_REGION\"\n\
                 aws-as nope >& /dev/null\necho \"4 $AWS_AS_IDENTITY\"\n\
                 aws-as -\nif (! $?AWS_ACCESS_KEY_ID) echo 5 none\n\
                 aws-as {ROLE1_PROFILE}\naws-as-deactivate --keep-creds\necho \"6 $AWS_AS_IDENTITY\"\n\
                 if (\"`alias aws-as-deactivate`\" == \"\") echo 7 gone\n"
            ),
        ),
    ];
    for (shell, args, script) in cases {
        let mut cmd = home.command(shell);
        cmd.args(&args);
        if args.last() == Some(&"-c") {
            cmd.arg(&script);
        } else {
            let file = home.path().join(format!("steps.{shell}"));
            std::fs::write(&file, &script).unwrap();
            cmd.arg(file);
        }
        let out = run(&mut cmd);
        assert_eq!(
            stdout_str(&out),
            expected,
            "{shell} {args:?}: stderr: {}",
            stderr_str(&out)
        );
        assert!(
            out.status.success(),
            "{shell} {args:?}: {}",
            stderr_str(&out)
        );
    }
    assert_eq!(
        sts.count("GetSessionToken"),
        1,
        "one MFA session served every shell"
    );
}

/// The MFA prompt goes to the terminal, re-asks for anything but 6 digits, and never reaches the
/// captured stdout.
#[test]
fn mfa_prompt_on_the_terminal() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    // `script` gives the command a pseudo-terminal as its controlling terminal; what is typed is
    // fed through it.
    let mut cmd = home.command("script");
    cmd.args([
        "-qec",
        &format!("out=$(aws-as {USER_PROFILE}) && eval \"$out\" && echo \"now: $AWS_AS_IDENTITY\""),
        "/dev/null",
    ]);
    let out = run_with_input(&mut cmd, b"12ab\n123456\n");
    let screen = stdout_str(&out);
    ok(&out);
    let prompt = format!("Enter MFA code for {MFA_SERIAL}:");
    assert_eq!(screen.matches(&prompt).count(), 2, "{screen}");
    assert!(screen.contains("an MFA code is 6 digits"), "{screen}");
    assert!(screen.contains(&format!("now: {USER_PROFILE}")), "{screen}");
    let gst = sts.calls_of("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert_eq!(gst[0].token_code.as_deref(), Some("123456"));
}
