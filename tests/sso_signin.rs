//! `aws-as sso login` and `aws-as sso logout` against the IAM Identity Center stand-in
//! (tests/support/sso.py): the authorization code with PKCE through a fake `$BROWSER` that
//! fetches the authorize address and follows its redirect to aws-as's callback, the device code
//! approved by the test as the person would, and the token aws-as wrote used by the AWS CLI v1
//! and boto3 (botocore's own SSO provider); attacks on the callback; nobody at the terminal.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

const SESSION: &str = "corp";
const DEV: SsoProfile = SsoProfile {
    name: "dev",
    account_id: SSO_DEV_ACCOUNT,
    role_name: SSO_ADMIN,
};

/// The fake browser: given the authorize address, it (per `FAKE_BROWSER_MODE`) first tries the
/// attacks a local process could, then does what a browser does: GET the authorize address, and
/// follow its redirect to the callback; then brings the same callback again. One JSON line per
/// run in `FAKE_BROWSER_LOG` (never the code: only statuses and the page's words).
const BROWSER: &str = r#"
import sys, os, json, time, subprocess, http.client, urllib.parse
url = sys.argv[1]
mode = os.environ.get("FAKE_BROWSER_MODE", "")
q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
redirect, state = q["redirect_uri"], q["state"]
def get(u):
    p = urllib.parse.urlsplit(u)
    c = http.client.HTTPConnection(p.hostname, p.port, timeout=20)
    try:
        c.request("GET", p.path + ("?" + p.query if p.query else ""))
        r = c.getresponse()
        return [r.status, r.getheader("Location"), r.read().decode()]
    except Exception as e:
        return [None, None, type(e).__name__]
out = {"query": q}
time.sleep(float(os.environ.get("FAKE_BROWSER_DELAY", "0")))
if "attacks" in mode:
    out["wrong_state"] = get(redirect + "?code=forged&state=wrong")[0]
    out["no_state"] = get(redirect + "?code=forged")[0]
    out["other_path"] = get(redirect.replace("/oauth/callback", "/other") + "?code=forged&state=" + urllib.parse.quote(state))[0]
if "other_user" in mode:
    uid = os.environ["OTHER_UID"]
    r = subprocess.run(["setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                        "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                        redirect + "?code=forged&state=" + urllib.parse.quote(state)],
                       capture_output=True, text=True)
    out["other_user"] = [r.returncode, r.stdout]
status, location, _ = get(url)
out["authorize"] = status
if location:
    out["to_callback"] = location.startswith(redirect + "?")
    s, _, page = get(location)
    out["callback"] = [s, page]
    again = get(location)
    out["again"] = again[2] if again[0] is None else "answered"
with open(os.environ["FAKE_BROWSER_LOG"], "a") as f:
    f.write(json.dumps(out) + "\n")
"#;

struct Setup {
    _sts: Sts,
    sso: Sso,
    home: Home,
    log: PathBuf,
    browser: PathBuf,
}

fn setup() -> Setup {
    let sts = Sts::moto();
    let sso = Sso::start(&sts);
    let home = Home::new();
    home.with_sts(&sts);
    write_sso_config(&home, SESSION, &[DEV], &[]);
    let browser = home.path().join("fake-browser");
    std::fs::write(&browser, format!("#!{}\n{BROWSER}", python().display())).unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let log = home.path().join("browser.log");
    Setup {
        _sts: sts,
        sso,
        home,
        log,
        browser,
    }
}

impl Setup {
    /// `aws-as ARGS` with the stand-in's endpoints and the fake browser.
    fn aws_as(&self, args: &[&str]) -> Command {
        let mut cmd = self.sso.command(&self.home, aws_as_bin());
        cmd.args(args)
            .env("BROWSER", &self.browser)
            .env("FAKE_BROWSER_LOG", &self.log)
            .env("AWS_AS_SSO_SIGNIN_TIMEOUT", "60");
        cmd
    }

    /// Each run of the fake browser.
    fn browsed(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn token_file(&self) -> PathBuf {
        sso_cache_file(&self.home, SESSION)
    }

    fn token(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.token_file()).unwrap()).unwrap()
    }
}

/// Runs `cmd` in a session of its own: no controlling terminal.
fn without_terminal(cmd: &mut Command) -> &mut Command {
    // SAFETY: setsid is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    cmd
}

/// Every command line seen under /proc while `running` holds.
fn watch_cmdlines(running: Arc<AtomicBool>) -> std::thread::JoinHandle<BTreeSet<Vec<u8>>> {
    std::thread::spawn(move || {
        let mut seen = BTreeSet::new();
        while running.load(Ordering::Relaxed) {
            for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                if let Ok(line) = std::fs::read(entry.path().join("cmdline")) {
                    seen.insert(line);
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        seen
    })
}

fn contains(hay: &[u8], needle: &str) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn pkce_sign_in_writes_the_token_the_cli_and_boto3_use_and_the_switch_makes_one_call() {
    let s = setup();
    let running = Arc::new(AtomicBool::new(true));
    let watcher = watch_cmdlines(running.clone());
    let out = run(&mut s.aws_as(&["sso", "login", SESSION]));
    running.store(false, Ordering::Relaxed);
    let cmdlines = watcher.join().unwrap();
    ok(&out);
    let stderr = stderr_str(&out);
    assert!(stdout_str(&out).is_empty(), "nothing on stdout");
    assert!(stderr.contains("signed in to sso-session corp"), "{stderr}");

    // The browser: the authorize address as the CLI builds it, the redirect followed, the page.
    let browsed = s.browsed();
    assert_eq!(browsed.len(), 1, "{browsed:?}");
    let b = &browsed[0];
    let q = &b["query"];
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["scopes"], SSO_SCOPE);
    let redirect = q["redirect_uri"].as_str().unwrap();
    assert!(
        redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/oauth/callback"),
        "{redirect}"
    );
    assert!(
        stderr.contains(&s.sso.authorize_url()),
        "the address on the terminal: {stderr}"
    );
    assert_eq!(b["authorize"], 302);
    assert_eq!(b["to_callback"], true);
    assert_eq!(b["callback"][0], 200, "{b}");
    assert!(
        b["callback"][1]
            .as_str()
            .unwrap()
            .contains("signed in to corp"),
        "{b}"
    );
    assert_eq!(
        b["again"], "ConnectionRefusedError",
        "a second callback finds nobody"
    );

    // The service: registered as the CLI registers, CreateToken with the verifier and the port.
    let registered = s.sso.calls_of("RegisterClient");
    assert_eq!(registered.len(), 1);
    let r = &registered[0];
    assert_eq!(r.client_name.as_deref(), Some("botocore-client-corp"));
    assert_eq!(
        r.grant_types.as_deref(),
        Some(
            &[
                "authorization_code".to_string(),
                "refresh_token".to_string()
            ][..]
        )
    );
    assert_eq!(
        r.redirect_uris.as_deref(),
        Some(&["http://127.0.0.1/oauth/callback".to_string()][..])
    );
    assert_eq!(r.issuer_url.as_deref(), Some(SSO_START_URL));
    let created = s.sso.calls_of("CreateToken");
    assert_eq!(created.len(), 1);
    let c = &created[0];
    assert_eq!(c.grant_type.as_deref(), Some("authorization_code"));
    assert_eq!((c.pkce_checked, c.pkce_ok), (Some(true), Some(true)));
    assert_eq!(c.redirect_uri.as_deref(), Some(redirect));

    // The file, as the CLI writes it, 0600.
    let file = s.token_file();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let t = s.token();
    let access = t["accessToken"].as_str().unwrap().to_string();
    let refresh = t["refreshToken"].as_str().unwrap().to_string();
    assert_eq!(
        c.access_token_hash.as_deref(),
        Some(token_hash(&access).as_str())
    );
    assert_eq!(t["startUrl"], SSO_START_URL);
    assert_eq!(t["region"], SSO_REGION);
    assert_eq!(t["clientId"].as_str(), r.client_id.as_deref());
    assert!(t["clientSecret"].is_string());
    assert!(t["expiresAt"].as_str().unwrap().ends_with('Z'));
    assert!(t["registrationExpiresAt"].as_str().unwrap().ends_with('Z'));

    // No secret on stderr or on any command line; the browser had only the challenge.
    let client_secret = t["clientSecret"].as_str().unwrap();
    for secret in [access.as_str(), refresh.as_str(), client_secret] {
        assert!(!stderr.contains(secret), "a secret on stderr");
        assert!(
            !cmdlines.iter().any(|l| contains(l, secret)),
            "a secret on a command line"
        );
    }
    assert!(
        cmdlines
            .iter()
            .any(|l| contains(l, "code_challenge=") && contains(l, "fake-browser")),
        "the watcher saw the browser's command line"
    );
    // The processes that knew this sign-in (their command line holds its state): none had the
    // code or the verifier. (Other processes of the machine are other tests'.)
    let state = q["state"].as_str().unwrap();
    let ours: Vec<&Vec<u8>> = cmdlines.iter().filter(|l| contains(l, state)).collect();
    assert!(!ours.is_empty());
    for l in ours {
        for word in ["?code=", "&code=", "code_verifier"] {
            assert!(!contains(l, word), "{word} on a command line");
        }
    }

    // The AWS CLI v1 and boto3 use the token aws-as wrote (botocore's own SSO provider).
    let arn = format!("arn:aws:sts::{SSO_DEV_ACCOUNT}:assumed-role/{SSO_ADMIN}/{SSO_USER}");
    let cli = run(s
        .sso
        .command(&s.home, aws_cli())
        .args(CLI_CALLER_ARN)
        .args(["--profile", "dev"]));
    assert!(cli.status.success(), "{}", redact(&stderr_str(&cli)));
    assert_eq!(stdout_str(&cli).trim(), arn);
    let boto3 = run(s.sso.command(&s.home, python()).args([
        "-c",
        "import boto3; s = boto3.Session(profile_name='dev'); c = s.get_credentials(); \
         print(c.method, s.client('sts').get_caller_identity()['Arn'])",
    ]));
    assert!(boto3.status.success(), "{}", redact(&stderr_str(&boto3)));
    assert_eq!(stdout_str(&boto3).trim(), format!("sso {arn}"));
    assert_eq!(s.sso.count("CreateToken"), 1, "neither signed in again");

    // The switch: one GetRoleCredentials, no sign-in; then a hit makes none.
    s.sso.reset();
    ok(&run(&mut s.aws_as(&["dev"])));
    assert_eq!(s.sso.count("GetRoleCredentials"), 1);
    assert_eq!(
        s.sso.count("CreateToken") + s.sso.count("RegisterClient"),
        0
    );
    ok(&run(&mut s.aws_as(&["dev"])));
    assert_eq!(s.sso.count("GetRoleCredentials"), 1);
    assert_eq!(s.browsed().len(), 1);

    // A second sign-in reuses the cached registration.
    ok(&run(&mut s.aws_as(&["sso", "login", "dev"])));
    assert_eq!(s.sso.count("RegisterClient"), 0);
    assert_eq!(s.browsed().len(), 2);

    // Sign-out: the portal's Logout, the token file and the cached role session gone.
    let before = s.home.cached_sessions();
    assert!(before >= 1, "a role session is cached");
    let out = run(&mut s.aws_as(&["sso", "logout", SESSION]));
    ok(&out);
    assert_eq!(s.sso.count("Logout"), 1);
    assert!(!file.exists());
    let said = stderr_str(&out);
    assert!(
        said.contains("removed its token and 1 cached session"),
        "{said}"
    );
    let out = run(&mut s.aws_as(&["sso", "logout", SESSION]));
    ok(&out);
    assert!(
        stderr_str(&out).contains("nothing to remove"),
        "{}",
        stderr_str(&out)
    );
}

#[test]
fn the_callback_refuses_a_wrong_state_another_path_another_user_and_a_second_callback() {
    let s = setup();
    let other = OtherUser::new();
    let mut cmd = s.aws_as(&["sso", "login"]);
    match &other {
        Some(u) => cmd
            .env("FAKE_BROWSER_MODE", "attacks other_user")
            .env("OTHER_UID", u.uid.to_string()),
        None => cmd.env("FAKE_BROWSER_MODE", "attacks"),
    };
    let out = run(&mut cmd);
    ok(&out);
    let b = &s.browsed()[0];
    assert_eq!(b["wrong_state"], 400, "{b}");
    assert_eq!(b["no_state"], 400, "{b}");
    assert_eq!(b["other_path"], 404, "{b}");
    assert_eq!(
        b["callback"][0], 200,
        "the real callback still came through: {b}"
    );
    assert_eq!(b["again"], "ConnectionRefusedError");
    let stderr = stderr_str(&out);
    assert!(stderr.contains("its state differs"), "{stderr}");
    if other.is_some() {
        assert_ne!(b["other_user"][1], "200", "{b}");
        assert!(stderr.contains("from another user"), "{stderr}");
    }
    // Only the real code reached CreateToken.
    assert_eq!(s.sso.count("CreateToken"), 1);
}

#[test]
fn an_error_callback_ends_the_sign_in_with_one_line_and_nothing_written() {
    let s = setup();
    s.sso.set_faults(&SsoFaults {
        deny_authorize: true,
        ..SsoFaults::default()
    });
    let out = run(&mut s.aws_as(&["sso", "login", SESSION]));
    assert!(!out.status.success());
    let stderr = stderr_str(&out);
    assert!(stderr.contains("access_denied"), "{stderr}");
    assert_eq!(
        stderr
            .trim()
            .lines()
            .last()
            .map(|l| l.starts_with("aws-as")),
        Some(true)
    );
    assert!(!s.token_file().exists());
    assert_eq!(s.sso.count("CreateToken"), 0);
    assert_eq!(s.browsed()[0]["callback"][0], 400);
}

#[test]
fn two_logins_at_once_open_one_browser() {
    let s = setup();
    let spawn = || {
        s.aws_as(&["sso", "login", SESSION])
            .env("FAKE_BROWSER_DELAY", "1.5")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    ok(&a);
    ok(&b);
    assert_eq!(s.browsed().len(), 1, "one browser");
    assert_eq!(s.sso.count("CreateToken"), 1);
    let said = format!("{}{}", stderr_str(&a), stderr_str(&b));
    assert!(
        said.contains("signed in meanwhile by another aws-as"),
        "{said}"
    );
}

/// `aws-as sso login --device-code`, the test approving the code as the person would once it
/// was shown.
fn device_login(s: &Setup, args: &[&str], approve: bool) -> Output {
    let child = s
        .aws_as(args)
        .env_remove("BROWSER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if approve {
        s.sso.approve_next_device(Duration::from_secs(30));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn device_code_without_a_browser_polls_until_approved() {
    let s = setup();
    // No BROWSER and no display: the device code on its own.
    let out = device_login(&s, &["sso", "login", SESSION], true);
    ok(&out);
    let stderr = stderr_str(&out);
    let devices = s.sso.devices();
    assert_eq!(devices.len(), 1);
    assert!(stderr.contains(&devices[0].user_code), "{stderr}");
    assert!(
        stderr.contains(&s.sso.verification_url(&devices[0].user_code)),
        "{stderr}"
    );
    let t = s.token();
    let access = t["accessToken"].as_str().unwrap();
    assert!(!stderr.contains(access));
    assert!(t["refreshToken"].is_string());
    let created = s.sso.calls_of("CreateToken");
    assert!(
        created
            .iter()
            .all(|c| c.grant_type.as_deref() == Some(DEVICE_CODE_GRANT))
    );
    let registered = s.sso.calls_of("RegisterClient");
    assert_eq!(
        registered[0].grant_types, None,
        "a device-code registration"
    );
    assert!(s.browsed().is_empty());
}

#[test]
fn device_code_honours_slow_down() {
    let s = setup();
    s.sso.set_faults(&SsoFaults {
        slow_down_first: true,
        ..SsoFaults::default()
    });
    let out = device_login(&s, &["sso", "login", "--device-code", SESSION], true);
    ok(&out);
    let polls = s.sso.calls_of("CreateToken");
    assert!(polls.len() >= 2, "{polls:?}");
    assert_eq!(polls[0].error.as_deref(), Some("SlowDownException"));
    let gap = polls[1].time - polls[0].time;
    assert!(
        gap >= 5.5,
        "the interval grew by 5 s after slow_down: {gap}"
    );
    assert!(
        polls
            .iter()
            .all(|c| c.error.as_deref() != Some("SlowDownException") || std::ptr::eq(c, &polls[0])),
        "{polls:?}"
    );
}

#[test]
fn device_code_stops_at_expiry_with_one_line() {
    let s = setup();
    s.sso.settings(&SsoSettings {
        device_code_lifetime: Some(3.0),
        ..SsoSettings::default()
    });
    let started = Instant::now();
    let out = device_login(&s, &["sso", "login", "--device-code", SESSION], false);
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(20));
    let stderr = stderr_str(&out);
    let last = stderr.trim().lines().last().unwrap_or("");
    assert!(
        last.contains("expired before the sign-in was approved")
            || last.contains("not approved in time"),
        "{stderr}"
    );
    assert!(!s.token_file().exists());
}

#[test]
fn a_legacy_profile_signs_in_with_the_device_code_and_no_scopes() {
    let s = setup();
    s.home.config(&legacy_sso_config(&[SsoProfile {
        name: "old",
        account_id: SSO_DEV_ACCOUNT,
        role_name: SSO_ADMIN,
    }]));
    // Even with a browser: the CLI signs legacy profiles in with the device code.
    let child = s
        .aws_as(&["sso", "login", "old"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    s.sso.approve_next_device(Duration::from_secs(30));
    let out = child.wait_with_output().unwrap();
    ok(&out);
    let registered = s.sso.calls_of("RegisterClient");
    assert!(
        registered[0]
            .scopes
            .as_ref()
            .is_none_or(|v| v == &Value::Array(vec![])),
        "{registered:?}"
    );
    let t: Value = serde_json::from_str(
        &std::fs::read_to_string(sso_cache_file(&s.home, SSO_START_URL)).unwrap(),
    )
    .unwrap();
    assert!(t["accessToken"].is_string());
    assert!(
        t.get("refreshToken").is_none(),
        "as the CLI writes a legacy token"
    );
    s.sso.reset();
    ok(&run(&mut s.aws_as(&["old"])));
    assert_eq!(s.sso.count("GetRoleCredentials"), 1);
}

#[test]
fn nobody_at_the_terminal_gets_one_line_and_nothing_cached() {
    let s = setup();
    for args in [&["--no-input", "dev"][..], &["dev"][..]] {
        let out = run(without_terminal(&mut s.aws_as(args)));
        assert!(!out.status.success());
        let stderr = stderr_str(&out);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("sign in with aws-as sso login corp"),
            "{stderr}"
        );
    }
    assert!(s.browsed().is_empty());
    assert_eq!(
        s.sso.count("RegisterClient") + s.sso.count("StartDeviceAuthorization"),
        0
    );
    assert!(!s.token_file().exists());
    assert_eq!(s.home.cached_sessions(), 0);
}

#[test]
fn a_token_file_that_is_a_link_or_others_can_read_is_refused() {
    let s = setup();
    let file = s.token_file();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::set_permissions(
        file.parent().unwrap(),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    let elsewhere = s.home.path().join("elsewhere.json");
    std::fs::write(&elsewhere, "{}").unwrap();
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &file).unwrap();
    let check = |what: &str| {
        for args in [&["sso", "login", SESSION][..], &["dev"][..]] {
            let out = run(&mut s.aws_as(args));
            assert!(!out.status.success(), "{what}: {args:?}");
            let stderr = stderr_str(&out);
            assert!(stderr.contains("refusing"), "{what}: {stderr}");
        }
        assert!(s.browsed().is_empty(), "{what}");
    };
    check("a link");
    std::fs::remove_file(&file).unwrap();
    std::fs::write(
        &file,
        r#"{"accessToken":"x","expiresAt":"2099-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    check("readable by others");
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "{}");
}

#[test]
fn a_forgotten_registration_is_replaced_once() {
    let s = setup();
    let login = || device_login(&s, &["sso", "login", "--device-code", SESSION], true);
    ok(&login());
    // The cached registration names a client the service does not know.
    let dir = s.token_file().parent().unwrap().to_path_buf();
    let mut changed = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path == s.token_file() {
            continue;
        }
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        v["clientId"] = "forgotten".into();
        std::fs::write(&path, v.to_string()).unwrap();
        changed += 1;
    }
    assert_eq!(changed, 1, "one registration cached");
    s.sso.reset();
    let out = login();
    ok(&out);
    assert_eq!(s.sso.count("RegisterClient"), 1);
    assert!(
        stderr_str(&out).contains("registering again"),
        "{}",
        stderr_str(&out)
    );
}

#[test]
fn a_sign_in_by_the_aws_cli_is_used_without_a_new_one() {
    let s = setup();
    s.sso.settings(&SsoSettings {
        auto_approve_after: Some(Some(0)),
        ..SsoSettings::default()
    });
    let data: &Path = &s.home.path().join("cli-data");
    std::fs::create_dir_all(data).unwrap();
    let data_path = s.sso.cli_v2_data_path(data);
    let out = run(s
        .sso
        .command(&s.home, aws_cli_v2())
        .args(["sso", "login", "--no-browser", "--profile", "dev"])
        .env("AWS_DATA_PATH", &data_path));
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    s.sso.reset();
    ok(&run(&mut s.aws_as(&["dev"])));
    assert_eq!(s.sso.count("GetRoleCredentials"), 1);
    assert_eq!(
        s.sso.count("CreateToken") + s.sso.count("RegisterClient"),
        0,
        "no new sign-in"
    );
    assert!(s.browsed().is_empty());
}

/// The browser sign-in in a real browser: headless Chromium (tests/browser/smoke.mjs, which prints
/// the title of the page it ends on) opens the authorize address, follows the portal's redirect
/// to aws-as's one-time listener, and is shown the page saying it worked.
#[test]
fn headless_chromium_follows_the_redirect_to_the_one_time_listener() {
    let s = setup();
    let chromium = s.home.path().join("chromium-browser");
    let titles = s.home.path().join("chromium.log");
    std::fs::write(
        &chromium,
        format!(
            "#!/bin/sh\nexec node {} \"$1\" >>{} 2>&1\n",
            repo_root().join("tests/browser/smoke.mjs").display(),
            titles.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&chromium, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(s
        .aws_as(&["sso", "login", SESSION])
        .env("BROWSER", &chromium)
        .env("AWS_AS_SSO_SIGNIN_TIMEOUT", "90"));
    ok(&out);
    // The browser prints the title once the page has loaded, after aws-as has its token.
    let shown = || std::fs::read_to_string(&titles).unwrap_or_default();
    wait_for("Chromium's page", Duration::from_secs(30), || {
        shown().ends_with('\n')
    });
    assert_eq!(shown().trim(), "aws-as: Signed in", "{}", shown());
    assert!(s.token()["accessToken"].is_string());
    let grants: Vec<_> = s
        .sso
        .calls_of("CreateToken")
        .into_iter()
        .filter_map(|c| c.grant_type)
        .collect();
    assert_eq!(grants, ["authorization_code"]);
}
