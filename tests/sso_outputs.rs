//! IAM Identity Center identities through every output, against the stand-in
//! (tests/support/sso.py, role credentials from moto's AssumeRole): a token put into
//! `~/.aws/sso/cache` as botocore writes it (a device-code sign-in made with boto3's sso-oidc
//! client, saved with botocore's own `SSOTokenLoader`), config with an `[sso-session]` and its
//! profiles, a legacy profile, a role above an SSO profile and an `include_profile` of SSO
//! settings. Then the switch, `exec`, `credential-process` (boto3, the AWS CLI v1), `write`
//! (boto3 through AWS_PROFILE), `export`, `list` and completion names, checked at moto's
//! GetCallerIdentity; a hit that makes no portal call and (strace) opens nothing under
//! `~/.aws/sso` and starts no `aws-as-sts`; a refresh with no browser; a revoked token, a
//! forbidden role, the portal down and slow, bad config and bad token files, each one line with
//! nothing cached; hostile names; `serve` with nobody at the terminal (one notification, the
//! page's `signInsNeeded`, served after a sign-in made in a terminal). No token in any stderr,
//! command line or file but the token cache.

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;
use serde_json::Value;

const SESSION: &str = "corp";
const ADMIN: &str = "corp-admin";
const READ: &str = "corp-read";
const LEGACY: &str = "legacy-admin";
const ABOVE: &str = "above-sso";
const INCLUDED: &str = "included-read";
const ABOVE_ROLE_ARN: &str = "arn:aws:iam::111111111111:role/deploy";

/// The config of every test here: the sso-session and its two profiles, a legacy profile, a
/// role above an SSO profile, and a profile that takes its SSO settings from another.
fn config() -> String {
    let mut text = write_config_text();
    text.push_str(&format!(
        "\n[profile {ABOVE}]\nrole_arn = {ABOVE_ROLE_ARN}\nsource_profile = {ADMIN}\n\
         region = {SSO_REGION}\n\n[profile sso-base]\nsso_session = {SESSION}\n\
         sso_account_id = {SSO_DEV_ACCOUNT}\n\n[profile {INCLUDED}]\ninclude_profile = sso-base\n\
         sso_role_name = {SSO_READ_ONLY}\nregion = {SSO_REGION}\n"
    ));
    text
}

fn write_config_text() -> String {
    let mut text = sso_session_config(
        SESSION,
        &[
            SsoProfile {
                name: ADMIN,
                account_id: SSO_DEV_ACCOUNT,
                role_name: SSO_ADMIN,
            },
            SsoProfile {
                name: READ,
                account_id: SSO_PROD_ACCOUNT,
                role_name: SSO_READ_ONLY,
            },
        ],
    );
    text.push('\n');
    text.push_str(&legacy_sso_config(&[SsoProfile {
        name: LEGACY,
        account_id: SSO_DEV_ACCOUNT,
        role_name: SSO_ADMIN,
    }]));
    text
}

/// moto, the stand-in against it, and a home with the config above.
fn stand_in() -> (Sts, Sso, Home) {
    let sts = Sts::moto();
    let sso = Sso::start(&sts);
    let home = Home::new();
    home.with_sts(&sts);
    home.config(&config());
    (sts, sso, home)
}

/// A device-code sign-in made with boto3's sso-oidc client, the test approving the code as the
/// person would, saved with botocore's own `SSOTokenLoader` into `~/.aws/sso/cache` (the file
/// named by the sso-session, else by the start URL) with the fields the AWS CLI writes. As
/// `aws sso login` (or a sign-in from any terminal) leaves it.
const SIGN_IN: &str = r#"
import datetime, json, os, urllib.request
import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.utils import JSONFileCache, SSOTokenLoader

ENDPOINT = os.environ["AWS_ENDPOINT_URL_SSO_OIDC"]
START = os.environ["START_URL"]
NAME = os.environ.get("SSO_SESSION_NAME") or None
oidc = boto3.Session(region_name="eu-west-1").client("sso-oidc", config=Config(signature_version=UNSIGNED))
register = dict(clientName="botocore-client-" + (NAME or "legacy"), clientType="public")
if NAME:
    register["scopes"] = ["sso:account:access"]
client = oidc.register_client(**register)
device = oidc.start_device_authorization(clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=START)
urllib.request.urlopen(urllib.request.Request(ENDPOINT + "/__sso/approve?user_code=" + device["userCode"], data=b"{}")).read()
token = oidc.create_token(grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=device["deviceCode"],
                          clientId=client["clientId"], clientSecret=client["clientSecret"])
now = datetime.datetime.now(datetime.timezone.utc)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
saved = {"startUrl": START, "region": "eu-west-1", "accessToken": token["accessToken"],
         "expiresAt": fmt(now + datetime.timedelta(seconds=token["expiresIn"]))}
if NAME:
    saved.update(clientId=client["clientId"], clientSecret=client["clientSecret"],
                 registrationExpiresAt=fmt(datetime.datetime.fromtimestamp(client["clientSecretExpiresAt"], datetime.timezone.utc)))
    if token.get("refreshToken"):
        saved["refreshToken"] = token["refreshToken"]
SSOTokenLoader(JSONFileCache(os.path.expanduser("~/.aws/sso/cache"))).save_token(START, saved, session_name=NAME)
print("signed in")
"#;

/// Signs in to the sso-session `session` (`None`: the legacy start URL) as a person would.
fn sign_in(sso: &Sso, home: &Home, session: Option<&str>) {
    let out = run_with_timeout(
        sso.command(home, python())
            .env("START_URL", SSO_START_URL)
            .env("SSO_SESSION_NAME", session.unwrap_or(""))
            .args(["-c", SIGN_IN]),
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
}

fn token_file(home: &Home, session: Option<&str>) -> PathBuf {
    sso_cache_file(home, session.unwrap_or(SSO_START_URL))
}

fn token_json(home: &Home, session: Option<&str>) -> Value {
    serde_json::from_slice(&std::fs::read(token_file(home, session)).unwrap()).unwrap()
}

/// `aws-as ARGS` with the stand-in's endpoints.
fn aws_as_sso(sso: &Sso, home: &Home, args: &[&str]) -> Output {
    run_with_timeout(
        sso.command(home, aws_as_bin()).args(args),
        Duration::from_secs(60),
    )
}

/// The `export NAME='value';` statements of a switch in `--shell bash`.
fn exports(out: &Output) -> Vec<(String, String)> {
    stdout_str(out)
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            (
                k.to_string(),
                v.trim_end_matches(';').trim_matches('\'').to_string(),
            )
        })
        .collect()
}

/// boto3's caller ARN with `env` as its only credentials.
fn caller_arn(home: &Home, env: &[(String, String)]) -> String {
    let mut cmd = home.command(python());
    cmd.args(["-c", BOTO3_PROVIDER_AND_ARN])
        .env("AWS_REGION", SSO_REGION)
        .env("AWS_DEFAULT_REGION", SSO_REGION)
        .envs(env.iter().map(|(k, v)| (k, v)));
    let out = run_with_timeout(&mut cmd, Duration::from_secs(60));
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    stdout_str(&out).trim().to_string()
}

fn role_arn(account: &str, role: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/{role}/{SSO_USER}")
}

/// The tokens a test has seen in the token cache: none may be anywhere else.
#[derive(Default)]
struct Tokens(BTreeSet<String>);

impl Tokens {
    fn note(&mut self, home: &Home, session: Option<&str>) {
        let json = token_json(home, session);
        for key in ["accessToken", "refreshToken", "clientSecret"] {
            if let Some(v) = json[key].as_str() {
                self.0.insert(v.to_string());
            }
        }
    }

    fn assert_not_in(&self, what: &str, text: &[u8]) {
        for t in &self.0 {
            assert!(
                !text.windows(t.len()).any(|w| w == t.as_bytes()),
                "a token of the sign-in is in {what}"
            );
        }
    }

    /// No file under the home but the token cache's holds one.
    fn assert_only_in_token_cache(&self, home: &Home) {
        let sso_cache = home.path().join(".aws/sso/cache");
        let mut stack = vec![home.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
                let path = entry.path();
                let meta = std::fs::symlink_metadata(&path).unwrap();
                if meta.is_dir() {
                    if path != sso_cache {
                        stack.push(path);
                    }
                } else if meta.is_file() && meta.len() < 50 << 20 {
                    self.assert_not_in(&path.display().to_string(), &std::fs::read(&path).unwrap());
                }
            }
        }
    }
}

/// Polls every process's command line while it runs; `stop()` gives what was seen.
struct CmdlineWatch {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<BTreeSet<Vec<u8>>>,
}

impl CmdlineWatch {
    fn start() -> CmdlineWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut seen = BTreeSet::new();
            while !flag.load(Ordering::Relaxed) {
                if let Ok(dir) = std::fs::read_dir("/proc") {
                    for e in dir.filter_map(Result::ok) {
                        if let Ok(c) = std::fs::read(e.path().join("cmdline")) {
                            seen.insert(c);
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            seen
        });
        CmdlineWatch { stop, handle }
    }

    fn stop(self) -> BTreeSet<Vec<u8>> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

#[test]
fn every_output_gives_the_sso_role_and_a_hit_calls_no_portal() {
    let (sts, sso, home) = stand_in();
    sign_in(&sso, &home, Some(SESSION));
    sign_in(&sso, &home, None);
    let mut tokens = Tokens::default();
    tokens.note(&home, Some(SESSION));
    tokens.note(&home, None);
    let watch = CmdlineWatch::start();
    let mut stderr = Vec::new();
    let mut check = |out: &Output| {
        ok(out);
        stderr.extend_from_slice(&out.stderr);
    };
    let admin = role_arn(SSO_DEV_ACCOUNT, SSO_ADMIN);

    // The switch: the shell's statements, read at moto's GetCallerIdentity.
    let out = aws_as_sso(&sso, &home, &["--shell", "bash", ADMIN]);
    check(&out);
    let env = exports(&out);
    assert!(
        env.iter()
            .any(|(k, v)| k == "AWS_AS_IDENTITY" && v == ADMIN)
    );
    assert_eq!(caller_arn(&home, &env), format!("env {admin}"));
    assert_eq!(sso.count("GetRoleCredentials"), 1);
    // Again: a hit, no portal call, the same session.
    let again = aws_as_sso(&sso, &home, &["--shell", "bash", ADMIN]);
    check(&again);
    assert_eq!(exports(&again), env);
    assert_eq!(sso.count("GetRoleCredentials"), 1, "a hit calls no portal");

    // exec, from the same cached session.
    let out = run_with_timeout(
        sso.command(&home, aws_as_bin())
            .args(["exec", ADMIN, "--"])
            .arg(python())
            .args(["-c", BOTO3_PROVIDER_AND_ARN]),
        Duration::from_secs(60),
    );
    check(&out);
    assert_eq!(stdout_str(&out).trim(), format!("env {admin}"));

    // credential-process, read by boto3 and the AWS CLI v1 (a cold one: the other account).
    let bin = aws_as_bin();
    let mut cp = config();
    cp.push_str(&format!(
        "\n[profile via-process]\ncredential_process = {} credential-process {READ}\nregion = {SSO_REGION}\n",
        bin.display()
    ));
    home.config(&cp);
    let read = role_arn(SSO_PROD_ACCOUNT, SSO_READ_ONLY);
    let mut boto = sso.command(&home, python());
    boto.args(["-c", BOTO3_PROVIDER_AND_ARN])
        .env("AWS_PROFILE", "via-process");
    let out = run_with_timeout(&mut boto, Duration::from_secs(60));
    check(&out);
    assert_eq!(stdout_str(&out).trim(), format!("custom-process {read}"));
    let mut cli = sso.command(&home, aws_cli());
    cli.args(CLI_CALLER_ARN).env("AWS_PROFILE", "via-process");
    let out = run_with_timeout(&mut cli, Duration::from_secs(60));
    check(&out);
    assert_eq!(stdout_str(&out).trim(), read);
    assert_eq!(sso.count("GetRoleCredentials"), 2);

    // write: a section boto3 reads through AWS_PROFILE.
    let out = aws_as_sso(&sso, &home, &["write", ADMIN, "--profile", "sso-section"]);
    check(&out);
    let mut boto = sso.command(&home, python());
    boto.args(["-c", BOTO3_PROVIDER_AND_ARN])
        .env("AWS_PROFILE", "sso-section")
        .env("AWS_REGION", SSO_REGION)
        .env("AWS_DEFAULT_REGION", SSO_REGION);
    let out = run_with_timeout(&mut boto, Duration::from_secs(60));
    check(&out);
    assert_eq!(
        stdout_str(&out).trim(),
        format!("shared-credentials-file {admin}")
    );

    // export: the same session in sh statements.
    let out = aws_as_sso(&sso, &home, &["export", ADMIN]);
    check(&out);
    let exported: Vec<_> = exports(&out)
        .into_iter()
        .filter(|(k, _)| k.starts_with("AWS_") && k != "AWS_AS_IDENTITY")
        .collect();
    assert_eq!(caller_arn(&home, &exported), format!("env {admin}"));

    // The legacy profile, with the token of its start URL.
    let out = aws_as_sso(&sso, &home, &["--shell", "bash", LEGACY]);
    check(&out);
    assert_eq!(caller_arn(&home, &exports(&out)), format!("env {admin}"));

    // include_profile with SSO settings.
    let out = aws_as_sso(&sso, &home, &["--shell", "bash", INCLUDED]);
    check(&out);
    assert_eq!(
        caller_arn(&home, &exports(&out)),
        format!("env {}", role_arn(SSO_DEV_ACCOUNT, SSO_READ_ONLY))
    );

    // A role above an SSO profile: AssumeRole at moto, signed with the SSO role's session.
    let sso_key = env
        .iter()
        .find(|(k, _)| k == "AWS_ACCESS_KEY_ID")
        .map(|(_, v)| v.clone())
        .unwrap();
    let out = aws_as_sso(&sso, &home, &["--shell", "bash", ABOVE]);
    check(&out);
    let arn = caller_arn(&home, &exports(&out));
    assert!(
        arn.starts_with("env arn:aws:sts::111111111111:assumed-role/deploy/"),
        "{arn}"
    );
    let assumed: Vec<_> = sts
        .calls_of("AssumeRole")
        .into_iter()
        .filter(|c| c.role_arn.as_deref() == Some(ABOVE_ROLE_ARN))
        .collect();
    assert_eq!(assumed.len(), 1);
    assert_eq!(assumed[0].access_key_id.as_deref(), Some(sso_key.as_str()));
    assert_eq!(
        sso.count("GetRoleCredentials"),
        4,
        "the role above used the cached SSO session"
    );

    // list: kind sso, the chain, the sign-in's time left; completion's names.
    let out = aws_as_sso(&sso, &home, &["list"]);
    check(&out);
    let list = stdout_str(&out);
    assert!(list.lines().next().unwrap().contains("SIGN-IN"), "{list}");
    let line = |name: &str| {
        list.lines()
            .find(|l| l[2..].starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {list}"))
            .to_string()
    };
    let admin_line = line(ADMIN);
    assert!(admin_line.contains(" sso "), "{admin_line}");
    assert!(admin_line.contains("cached, "), "{admin_line}");
    // The stand-in's tokens last an hour.
    assert!(admin_line.ends_with("corp, 59m left"), "{admin_line}");
    assert!(
        line(LEGACY).contains(&format!("{SSO_START_URL}, ")),
        "{list}"
    );
    assert!(line(ABOVE).contains(&format!("{ADMIN}  ")), "{list}");
    assert!(line(ABOVE).contains(" role "), "{list}");
    let out = aws_as_sso(&sso, &home, &["list", "--names"]);
    check(&out);
    let names: Vec<String> = stdout_str(&out).lines().map(str::to_string).collect();
    for name in [ADMIN, READ, LEGACY, ABOVE, INCLUDED] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }

    // The status line: the session's time left and the sign-in's.
    let mut status = sso.command(&home, aws_as_bin());
    status.env("AWS_AS_IDENTITY", ADMIN);
    let out = run(&mut status);
    check(&out);
    assert!(
        stdout_str(&out).contains("; sign-in corp: "),
        "{}",
        stdout_str(&out)
    );

    // No token anywhere but the token cache.
    let cmdlines = watch.stop();
    for c in &cmdlines {
        tokens.assert_not_in("a process's command line", c);
    }
    tokens.assert_not_in("stderr", &stderr);
    tokens.assert_only_in_token_cache(&home);
}

/// The files a command opens and the programs it execs, as strace saw them.
fn traced(sso: &Sso, home: &Home, args: &[&str]) -> (Vec<String>, Vec<String>) {
    let log = home.path().join("strace.log");
    let mut cmd = sso.command(home, "strace");
    cmd.args([
        "-f",
        "-e",
        "trace=open,openat,execve,stat,newfstatat,statx",
        "-o",
    ])
    .arg(&log)
    .arg(aws_as_bin())
    .args(args);
    let out = run(&mut cmd);
    ok(&out);
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    let path = |l: &str| l.split('"').nth(1).map(str::to_string);
    let opened = text
        .lines()
        .filter(|l| !l.contains("execve("))
        .filter_map(path)
        .collect();
    let execs = text
        .lines()
        .filter(|l| l.contains("execve("))
        .filter_map(path)
        .collect();
    (opened, execs)
}

#[test]
fn a_hit_of_an_sso_identity_opens_no_token_and_starts_no_network_binary() {
    let (_sts, sso, home) = stand_in();
    sign_in(&sso, &home, Some(SESSION));
    ok(&aws_as_sso(&sso, &home, &["--shell", "bash", ADMIN]));
    ok(&aws_as_sso(&sso, &home, &["--shell", "bash", ABOVE]));
    for name in [ADMIN, ABOVE] {
        let (opened, execs) = traced(&sso, &home, &["--shell", "bash", name]);
        assert!(
            !opened.iter().any(|p| p.contains(".aws/sso")),
            "{name}: a hit looked under ~/.aws/sso: {opened:?}"
        );
        assert_eq!(execs.len(), 1, "{name}: a hit execs nothing: {execs:?}");
        // Completion's names read neither.
        let (opened, _) = traced(&sso, &home, &["list", "--names"]);
        assert!(!opened.iter().any(|p| p.contains(".aws/sso")), "{opened:?}");
    }
    assert_eq!(sso.count("GetRoleCredentials"), 1);
}

#[test]
fn a_token_about_to_expire_is_refreshed_with_no_browser() {
    let (_sts, sso, home) = stand_in();
    // Ten minutes: inside the fifteen-minute margin at once.
    sso.settings(&SsoSettings {
        access_token_lifetime: Some(600.0),
        ..Default::default()
    });
    sign_in(&sso, &home, Some(SESSION));
    let before = token_json(&home, Some(SESSION));
    let browser = home.path().join("browser-opened");
    let fake = home.path().join("fake-browser");
    std::fs::write(&fake, format!("#!/bin/sh\ntouch '{}'\n", browser.display())).unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = run_with_timeout(
        sso.command(&home, aws_as_bin())
            .args(["--no-input", "--shell", "bash", ADMIN])
            .env("BROWSER", &fake),
        Duration::from_secs(60),
    );
    ok(&out);
    let after = token_json(&home, Some(SESSION));
    assert_ne!(after["accessToken"], before["accessToken"], "refreshed");
    let grants: Vec<_> = sso
        .calls_of("CreateToken")
        .into_iter()
        .filter_map(|c| c.grant_type)
        .collect();
    assert_eq!(
        grants.iter().filter(|g| *g == "refresh_token").count(),
        1,
        "{grants:?}"
    );
    assert_eq!(sso.count("StartDeviceAuthorization"), 1, "no new sign-in");
    assert!(!browser.exists(), "no browser was opened");
    let calls = sso.calls_of("GetRoleCredentials");
    assert_eq!(calls.len(), 1);
}

/// One line on stderr, nothing on stdout, nothing cached.
fn one_line_failure(out: &Output, home: &Home, wanted: &[&str]) -> String {
    assert!(!out.status.success());
    assert_eq!(stdout_str(out), "", "nothing for the shell");
    let err = stderr_str(out);
    assert_eq!(err.lines().count(), 1, "{err}");
    for w in wanted {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
    assert_eq!(home.cached_sessions(), 0, "nothing cached");
    err
}

#[test]
fn refused_tokens_roles_and_a_portal_down_or_slow_fail_in_one_line_caching_nothing() {
    let (_sts, sso, home) = stand_in();
    sign_in(&sso, &home, Some(SESSION));

    // The portal down, then slow: one line, nothing cached, the token kept.
    sso.set_faults(&SsoFaults {
        down: Some(SsoDown::Unavailable),
        operations: vec!["GetRoleCredentials".into()],
        ..Default::default()
    });
    let out = aws_as_sso(&sso, &home, &["--no-input", "--shell", "bash", ADMIN]);
    one_line_failure(&out, &home, &["GetRoleCredentials"]);
    sso.set_faults(&SsoFaults {
        delay: Some(5.0),
        operations: vec!["GetRoleCredentials".into()],
        ..Default::default()
    });
    let out = run_with_timeout(
        sso.command(&home, aws_as_bin())
            .args(["--no-input", "--shell", "bash", ADMIN])
            .env("AWS_AS_STS_TIMEOUT", "2"),
        Duration::from_secs(30),
    );
    one_line_failure(&out, &home, &["GetRoleCredentials", "AWS_AS_STS_TIMEOUT"]);
    sso.clear_faults();
    assert!(token_file(&home, Some(SESSION)).exists());

    // A role the user is not assigned: the account, the role and the fix.
    let mut text = config();
    text.push_str(&format!(
        "\n[profile not-mine]\nsso_session = {SESSION}\nsso_account_id = {SSO_PROD_ACCOUNT}\nsso_role_name = {SSO_ADMIN}\n"
    ));
    home.config(&text);
    let out = aws_as_sso(&sso, &home, &["--no-input", "--shell", "bash", "not-mine"]);
    one_line_failure(
        &out,
        &home,
        &[
            "ForbiddenException",
            SSO_PROD_ACCOUNT,
            SSO_ADMIN,
            "sso_role_name",
        ],
    );

    // A revoked token: 401, dropped, and with nobody to sign in, the command to run.
    let mut tokens = Tokens::default();
    tokens.note(&home, Some(SESSION));
    sso.revoke_all();
    let out = aws_as_sso(&sso, &home, &["--no-input", "--shell", "bash", ADMIN]);
    let err = one_line_failure(&out, &home, &["sign in with aws-as sso login corp"]);
    tokens.assert_not_in("stderr", err.as_bytes());
    assert!(
        !token_file(&home, Some(SESSION)).exists(),
        "the refused token is dropped"
    );
    assert_eq!(
        sso.count("StartDeviceAuthorization"),
        1,
        "no sign-in started"
    );
}

#[test]
fn bad_config_and_token_files_are_one_line_each() {
    let home = Home::new();
    let lean = |args: &[&str]| run(home.command(aws_as_bin()).args(args));
    for (config, wanted) in [
        (
            "[profile p]\nsso_session = nope\nsso_account_id = 111111111111\nsso_role_name = R\n",
            "sso_session = nope, which does not exist",
        ),
        (
            "[sso-session s]\nsso_start_url = https://x.awsapps.com/start\n\n[profile p]\nsso_session = s\nsso_account_id = 111111111111\nsso_role_name = R\n",
            "has no sso_region",
        ),
        (
            "[profile p]\nsso_start_url = https://x.awsapps.com/start\nsso_account_id = 111111111111\nsso_role_name = R\n",
            "has no sso_region",
        ),
        (
            "[sso-session s]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n\n[profile p]\nsso_session = s\nsso_role_name = R\n",
            "names no account and role: add sso_account_id and sso_role_name",
        ),
    ] {
        home.config(config);
        let out = lean(&["--no-input", "--shell", "bash", "p"]);
        one_line_failure(&out, &home, &[wanted]);
    }

    // A token file that is a link, or that others can read: refused, whatever it holds.
    let (_sts, sso, home) = stand_in();
    sign_in(&sso, &home, Some(SESSION));
    let file = token_file(&home, Some(SESSION));
    let perms =
        |mode| std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(mode));
    perms(0o644).unwrap();
    let out = aws_as_sso(&sso, &home, &["--no-input", "--shell", "bash", ADMIN]);
    one_line_failure(&out, &home, &[&file.display().to_string()]);
    perms(0o600).unwrap();
    let real = home.path().join("elsewhere.json");
    std::fs::rename(&file, &real).unwrap();
    std::os::unix::fs::symlink(&real, &file).unwrap();
    let out = aws_as_sso(&sso, &home, &["--no-input", "--shell", "bash", ADMIN]);
    one_line_failure(&out, &home, &[&file.display().to_string()]);
    assert_eq!(sso.count("GetRoleCredentials"), 0);
}

#[test]
fn hostile_names_from_the_config_stay_inert_in_list_errors_and_the_shell() {
    let (_sts, sso, home) = stand_in();
    sign_in(&sso, &home, Some(SESSION));
    // The profile parser drops names a shell would run (tests/hostile.rs): what stays is
    // prompt escapes and option look-alikes; the role name holds a terminal escape and `$( )`.
    // Relative: the commands run in the home.
    let pwned = home.path().join("pwned");
    let evil = "%n%/%@%%".to_string();
    let mut text = config();
    text.push_str(&format!(
        "\n[profile {evil}]\nsso_session = {SESSION}\nsso_account_id = {SSO_DEV_ACCOUNT}\nsso_role_name = {SSO_ADMIN}\n\
         \n[profile evil-role]\nsso_session = {SESSION}\nsso_account_id = {SSO_DEV_ACCOUNT}\nsso_role_name = R\x1b]0;owned\x07$(touch pwned)\n"
    ));
    home.config(&text);
    let out = aws_as_sso(&sso, &home, &["list"]);
    ok(&out);
    assert!(
        !stdout_str(&out).contains('\x1b'),
        "no escape reaches the terminal"
    );
    assert!(stdout_str(&out).contains(&evil), "{}", stdout_str(&out));
    // The role the portal refuses: its name in the message, made printable.
    let out = aws_as_sso(&sso, &home, &["--no-input", "--shell", "bash", "evil-role"]);
    assert!(!out.status.success());
    assert!(!stderr_str(&out).contains('\x1b'), "{}", stderr_str(&out));
    // The hostile profile name through the switch, evaluated by bash with its prompt.
    let out = aws_as_sso(&sso, &home, &["--shell", "bash", &evil]);
    ok(&out);
    let script = home.path().join("switch.sh");
    std::fs::write(&script, &out.stdout).unwrap();
    let bash = run(home
        .command("bash")
        .args(["-ec", r#". "$1"; printf '%s' "$AWS_AS_IDENTITY""#, "bash"])
        .arg(&script));
    ok(&bash);
    assert_eq!(stdout_str(&bash), evil);
    assert!(!pwned.exists(), "nothing ran");
}

#[test]
fn the_server_with_nobody_to_sign_in_says_so_once_and_serves_after_a_terminal_sign_in() {
    let (_sts, sso, home) = stand_in();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let notes = home.path().join("notifications");
    fake_notify_send(&bin, &notes);
    let path = format!("{}:{}", bin.display(), test_path().to_string_lossy());
    let mut extra: Vec<(&str, &str)> = vec![("PATH", &path)];
    let env = sso.env();
    extra.extend(env.iter().map(|(k, v)| (*k, v.as_str())));
    let server = home.serve_with(&[ADMIN], &extra);
    let token = server.imds_token();
    let creds_path = format!("/latest/meta-data/iam/security-credentials/{ADMIN}");
    for _ in 0..3 {
        let answer = server.get(&creds_path, &[("X-aws-ec2-metadata-token", &token)]);
        assert_eq!(answer.status, 404, "{}", answer.body);
        assert!(
            answer.body.contains("aws-as sso login corp"),
            "{}",
            answer.body
        );
        assert!(!answer.body.contains("AccessKeyId"));
    }
    // The management API and the page's data: the sign-in needed, with the command.
    let mut exchanges = Vec::new();
    let mut manage = |path: &str| {
        let answer = server.manage("GET", path, None);
        exchanges.push(serde_json::json!({
            "method": "GET", "path": path, "status": answer.status,
            "contentType": answer.header("content-type").unwrap_or(""), "body": answer.body,
        }));
        answer
    };
    manage("/manage/session");
    let profiles = manage("/manage/profiles");
    assert_eq!(profiles.status, 200, "{}", profiles.body);
    let v: Value = serde_json::from_str(&profiles.body).unwrap();
    let needed = v["signInsNeeded"].as_array().unwrap();
    assert_eq!(needed.len(), 1, "{v}");
    assert_eq!(needed[0]["identity"], ADMIN);
    assert_eq!(needed[0]["command"], "aws-as sso login corp");
    assert_eq!(needed[0]["requests"], 3);
    let profile = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == ADMIN)
        .unwrap();
    assert_eq!(profile["kind"], "sso");
    assert_eq!(profile["signIn"]["needed"], true, "{profile}");
    assert_eq!(profile["signIn"]["expiration"], Value::Null);
    // One notification, naming the command.
    wait_for("the notification", Duration::from_secs(5), || {
        !notifications(&notes).is_empty()
    });
    std::thread::sleep(Duration::from_millis(300));
    let sent = notifications(&notes);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("aws-as sso login corp"), "{sent:?}");

    // The person signs in from a terminal: the next request is served.
    sign_in(&sso, &home, Some(SESSION));
    let mut boto = home.command(python());
    boto.args(["-c", BOTO3_PROVIDER_AND_ARN])
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_REGION", SSO_REGION)
        .env("AWS_DEFAULT_REGION", SSO_REGION)
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url());
    let out = run_with_timeout(&mut boto, Duration::from_secs(60));
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    assert_eq!(
        stdout_str(&out).trim(),
        format!("iam-role {}", role_arn(SSO_DEV_ACCOUNT, SSO_ADMIN))
    );
    let v: Value = serde_json::from_str(&manage("/manage/profiles").body).unwrap();
    manage(&format!("/manage/profiles/{ADMIN}"));
    assert_eq!(v["signInsNeeded"].as_array().unwrap().len(), 0, "{v}");
    let profile = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == ADMIN)
        .unwrap()
        .clone();
    assert_eq!(profile["signIn"]["needed"], false);
    assert!(profile["signIn"]["secondsLeft"].as_i64().unwrap() > 3000);
    assert_eq!(notifications(&notes).len(), 1);
    // Every answer as docs/manage-api.yaml describes it.
    let file = home.path().join("exchanges.json");
    std::fs::write(&file, Value::Array(exchanges).to_string()).unwrap();
    let out = run(std::process::Command::new(python())
        .arg(repo_root().join("tests/support/openapi_check.py"))
        .arg(repo_root().join("docs/manage-api.yaml"))
        .arg(&file)
        .arg("--described-only"));
    assert!(
        out.status.success(),
        "{}{}",
        stdout_str(&out),
        stderr_str(&out)
    );

    // ECS too, read by the AWS CLI v1.
    let mut env_cmd = sso.command(&home, aws_as_bin());
    env_cmd.args(["server", "env", READ, "--server", &server.addr()]);
    let out = run(&mut env_cmd);
    ok(&out);
    let ecs: Vec<(String, String)> = stdout_str(&out)
        .lines()
        .filter_map(|l| l.strip_prefix("export ")?.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect();
    let mut cli = home.command(aws_cli());
    cli.args(CLI_CALLER_ARN)
        .env("AWS_REGION", SSO_REGION)
        .env("AWS_DEFAULT_REGION", SSO_REGION)
        .envs(ecs.iter().map(|(k, v)| (k, v)));
    let out = run_with_timeout(&mut cli, Duration::from_secs(60));
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    assert_eq!(
        stdout_str(&out).trim(),
        role_arn(SSO_PROD_ACCOUNT, SSO_READ_ONLY)
    );
}

/// Where the portal's sign-in page sends the browser: its redirect, not followed.
fn redirect_of(address: &str) -> String {
    let out = run(std::process::Command::new("curl").args([
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{redirect_url}",
        address,
    ]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    stdout_str(&out)
}

#[test]
fn a_sign_in_started_from_the_page_ends_at_the_server_which_then_serves() {
    let (_sts, sso, home) = stand_in();
    let env = sso.env();
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = home.serve_with(&[ADMIN], &extra);
    let token = server.imds_token();
    let creds_path = format!("/latest/meta-data/iam/security-credentials/{ADMIN}");
    let imds = || server.get(&creds_path, &[("X-aws-ec2-metadata-token", &token)]);
    assert_eq!(imds().status, 404, "not signed in yet");

    let started = server.manage("POST", "/manage/signin", Some(r#"{"session":"corp"}"#));
    assert_eq!(started.status, 200, "{}", started.body);
    let started: Value = serde_json::from_str(&started.body).unwrap();
    let address = started["address"].as_str().unwrap().to_string();
    assert!(address.starts_with(&sso.authorize_url()), "{address}");
    // The person signs in at the portal, which sends the browser to the server's callback.
    let location = redirect_of(&address);
    let prefix = format!("http://127.0.0.1:{}/oauth/callback?", server.port());
    assert!(location.starts_with(&prefix), "{location}");
    let path = &location[prefix.len() - "/oauth/callback?".len()..];
    let navigate = [
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Mode", "navigate"),
        ("Sec-Fetch-Dest", "document"),
    ];
    // Another page's script cannot end it (not a navigation), nor a callback of another state.
    let fetched = server.get(
        path,
        &[
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Mode", "cors"),
            ("Sec-Fetch-Dest", "empty"),
        ],
    );
    assert_eq!(fetched.status, 403, "{}", fetched.body);
    let forged = path.replace("state=", "state=x");
    let answer = server.get(&forged, &navigate);
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(
        answer.body.contains("No sign-in is waiting"),
        "{}",
        answer.body
    );
    assert!(!token_file(&home, Some(SESSION)).exists());

    let answer = server.get(path, &navigate);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("Signed in"), "{}", answer.body);
    let written = token_json(&home, Some(SESSION));
    assert!(written["refreshToken"].is_string(), "{written}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(token_file(&home, Some(SESSION)))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let grants: Vec<_> = sso
        .calls_of("CreateToken")
        .into_iter()
        .filter_map(|c| c.grant_type)
        .collect();
    assert_eq!(grants, ["authorization_code"], "one code, exchanged once");
    // The same callback again ends nothing.
    let again = server.get(path, &navigate);
    assert_eq!(again.status, 400, "{}", again.body);

    wait_for("the identity served", Duration::from_secs(10), || {
        imds().status == 200
    });
    let answer = imds();
    assert!(answer.body.contains("AccessKeyId"), "{}", answer.body);
    // Nothing of the callback's code, nor the token, in the server's log.
    let log = server.log();
    let code = location
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("code="))
        .unwrap();
    assert!(!log.contains(code), "{log}");
    assert!(!log.contains(written["accessToken"].as_str().unwrap()));
    assert!(
        log.contains("signed in to IAM Identity Center (corp) from the page"),
        "{log}"
    );
}
