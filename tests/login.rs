//! `aws-as login`: the console sign-in against moto (AssumeRole, GetFederationToken) and the
//! federation stand-in of tests/support/federation.py (getSigninToken, login), with a fake
//! browser that records what it was given, fetches it as a browser would, and follows the
//! redirect to the stand-in.
//!
//! The sign-in token is the secret here: it must reach the browser only through the one-time
//! local address, and be in no process's command line (every /proc/*/cmdline is polled while
//! the command runs), no stderr, and no file under HOME; only `--print` shows it, on stdout.

use crate::common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use common::*;

// ---------------------------------------------------------------------------------------------
// The fake browser and the /proc watch
// ---------------------------------------------------------------------------------------------

/// What a browser does with the address it is given, in Python: wait a little (so aws-as is
/// seen waiting), GET it without following the redirect, GET it again (it must be gone), then
/// follow the first redirect to the sign-in stand-in. It reports to a JSON file what it saw; the
/// Location itself (the secret) is not written, only facts about it.
const BROWSER: &str = r#"
import http.client, json, os, sys, time, urllib.parse
report, argv = sys.argv[1], sys.argv[2:]
address = argv[-1]
time.sleep(float(os.environ.get("FAKE_BROWSER_DELAY", "0.5")))
u = urllib.parse.urlsplit(address)
def get(host, port, target):
    c = http.client.HTTPConnection(host, port, timeout=10)
    c.request("GET", target)
    r = c.getresponse()
    r.read()
    return r.status, r.getheader("Location")
out = {"argv": argv}
status, location = get(u.hostname, u.port, u.path)
out["status"] = status
out["location_prefix_ok"] = bool(location) and location.startswith(os.environ["EXPECTED_PREFIX"])
try:
    out["second"] = get(u.hostname, u.port, u.path)[0]
except OSError as e:
    out["second"] = type(e).__name__
if location:
    l = urllib.parse.urlsplit(location)
    out["followed"] = get(l.hostname, l.port, l.path + "?" + l.query)[0]
with open(report, "w") as f:
    json.dump(out, f)
"#;

struct FakeBrowser {
    script: PathBuf,
    report: PathBuf,
}

impl FakeBrowser {
    fn new(home: &Home) -> FakeBrowser {
        let script = home.path().join("browser.py");
        std::fs::write(&script, BROWSER).unwrap();
        FakeBrowser {
            script,
            report: home.path().join("browser-report.json"),
        }
    }

    /// The `$BROWSER` command line.
    fn command(&self) -> String {
        format!(
            "{} {} {}",
            python().display(),
            self.script.display(),
            self.report.display()
        )
    }

    fn report(&self) -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(&self.report).ok()?;
        Some(serde_json::from_str(&text).unwrap())
    }
}

/// Every command line seen in /proc while it runs (all processes: a browser may leave the
/// process tree it was started in).
struct Watch {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<HashSet<Vec<u8>>>>,
}

impl Watch {
    fn start() -> Watch {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            let mut seen = HashSet::new();
            while !flag.load(Ordering::Relaxed) {
                if let Ok(entries) = std::fs::read_dir("/proc") {
                    for entry in entries.flatten() {
                        let name = entry.file_name();
                        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
                            continue;
                        }
                        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
                            seen.insert(cmdline);
                        }
                    }
                }
                thread::sleep(Duration::from_millis(2));
            }
            seen
        });
        Watch {
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> HashSet<Vec<u8>> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

fn executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn contains(hay: &[u8], needle: &str) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Files under `dir` holding `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if std::fs::read(&path).is_ok_and(|b| contains(&b, needle)) {
            found.push(path);
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Running it
// ---------------------------------------------------------------------------------------------

fn login(home: &Home, sts: &Sts, args: &[&str]) -> Command {
    let mut cmd = home.command(aws_as_bin());
    cmd.arg("login")
        .args(args)
        .env("AWS_AS_FEDERATION_ENDPOINT", sts.federation_endpoint())
        .env(
            "EXPECTED_PREFIX",
            format!("{}?Action=login&", sts.federation_endpoint()),
        );
    cmd
}

/// The credentials aws-as holds for `name` now (from its cache), as credential_process JSON.
fn cached(home: &Home, name: &str) -> serde_json::Value {
    let out =
        run(home
            .command(aws_as_bin())
            .args(["export", "--no-input", "--format", "json", name]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn session_of(credentials: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "sessionId": credentials["AccessKeyId"],
        "sessionKey": credentials["SecretAccessKey"],
        "sessionToken": credentials["SessionToken"],
    })
}

fn sign_ins(sts: &Sts) -> Vec<FederationCall> {
    sts.federation_calls()
        .into_iter()
        .filter(|c| c.action.as_deref() == Some("getSigninToken"))
        .collect()
}

fn logins(sts: &Sts) -> Vec<FederationCall> {
    sts.federation_calls()
        .into_iter()
        .filter(|c| c.action.as_deref() == Some("login"))
        .collect()
}

fn one_line(out: &Output) -> String {
    let err = stderr_str(out);
    assert_eq!(err.lines().count(), 1, "one line: {}", redact(&err));
    err
}

// ---------------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------------

#[test]
fn a_role_signs_in_through_a_one_time_address() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let browser = FakeBrowser::new(&home);
    let watch = Watch::start();
    let out = run(login(&home, &sts, &["--mfa-code", "123456", ROLE1_PROFILE])
        .env("BROWSER", browser.command()));
    let cmdlines = watch.finish();
    let err = stderr_str(&out);
    assert!(out.status.success(), "{}", redact(&err));
    assert!(out.stdout.is_empty(), "nothing on stdout without --print");
    assert!(
        err.starts_with("aws-as: opened the AWS console as my-role1-dev in the browser; the console session ends in "),
        "{}",
        redact(&err)
    );

    // The sign-in token was bought with the role's session, and nothing else was sent.
    let role = cached(&home, ROLE1_PROFILE);
    let sign_ins = sign_ins(&sts);
    assert_eq!(sign_ins.len(), 1, "{sign_ins:?}");
    let sign_in = &sign_ins[0];
    assert_eq!(sign_in.method, "GET");
    assert_eq!(sign_in.session.as_ref(), Some(&session_of(&role)));
    assert_eq!(
        sign_in.session_duration, None,
        "no SessionDuration for a role assumed from a session"
    );
    assert!(
        sign_in.unknown.is_empty() && sign_in.repeated.is_empty(),
        "{sign_in:?}"
    );
    let token = sign_in.issued_token.clone().unwrap();
    assert_eq!(sts.count("AssumeRole"), 1);

    // The browser got a one-time local address, which redirected once to the sign-in URL.
    let report = browser.report().expect("the fake browser ran and reported");
    let argv: Vec<String> = serde_json::from_value(report["argv"].clone()).unwrap();
    assert_eq!(argv.len(), 1, "{argv:?}");
    let address = &argv[0];
    let path = address
        .strip_prefix("http://127.0.0.1:")
        .and_then(|r| r.split_once('/'))
        .map(|(_, p)| p)
        .unwrap_or_else(|| panic!("not a loopback address: {address}"));
    assert!(
        path.len() == 64 && path.bytes().all(|b| b.is_ascii_hexdigit()),
        "{address}"
    );
    assert_eq!(report["status"], 302);
    assert_eq!(report["location_prefix_ok"], true);
    assert_eq!(
        report["second"], "ConnectionRefusedError",
        "the address works once: {report}"
    );
    assert_eq!(report["followed"], 200);
    let logins = logins(&sts);
    assert_eq!(logins.len(), 1, "{logins:?}");
    assert_eq!(logins[0].known_token, Some(true));
    assert_eq!(logins[0].signin_token.as_deref(), Some(token.as_str()));
    assert_eq!(logins[0].issuer.as_deref(), Some("aws-as"));
    assert_eq!(
        logins[0].destination.as_deref(),
        Some("https://console.aws.amazon.com/console/home?region=eu-west-1")
    );

    // The token (and the session it was bought with) is nowhere it should not be.
    let secret = role["SecretAccessKey"].as_str().unwrap();
    for (what, needle) in [("token", token.as_str()), ("role secret", secret)] {
        assert!(!err.contains(needle), "the {what} is in stderr");
        let on_cmdline: Vec<_> = cmdlines.iter().filter(|c| contains(c, needle)).collect();
        assert!(on_cmdline.is_empty(), "the {what} is on a command line");
    }
    let files = files_holding(home.path(), &token);
    assert!(files.is_empty(), "the token is in {files:?}");
    // The watch saw what it had to: the browser's command line, address and all.
    assert!(
        cmdlines
            .iter()
            .any(|c| contains(c, "browser.py") && contains(c, address)),
        "the /proc watch did not see the browser"
    );
}

/// Another user of the machine, polling every process's command line for a one-time address (on
/// the command line that holds its second argument: this test's browser, not another test's) and
/// fetching it, over and over until its port closes. A line on stdout per attempt:
/// what came back (the status, whether it carried a Location), never the Location itself.
const THIEF: &str = r#"
import http.client, json, os, re, sys, time
pattern = re.compile(rb"http://127\.0\.0\.1:(\d+)(/[0-9a-f]+)")
print("ready", flush=True)
end = time.time() + float(sys.argv[1])
found = None
while time.time() < end:
    if found is None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
                m = sys.argv[2].encode() in cmdline and pattern.search(cmdline)
            except OSError:
                continue
            if m:
                found = (int(m.group(1)), m.group(2).decode())
                break
        continue
    port, path = found
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        out = {"status": r.status, "location": r.getheader("Location") is not None}
    except ConnectionRefusedError:
        print(json.dumps({"closed": True}), flush=True)
        break
    except Exception as e:
        out = {"error": type(e).__name__}
    print(json.dumps(out), flush=True)
"#;

/// Issue 18, case 1: the address is on the browser's command line, which every user can read;
/// another user who fetches it first gets nothing (the connection is closed unread), and the
/// user's browser still signs in.
#[test]
fn another_user_who_reads_the_address_gets_nothing() {
    use std::io::{BufRead, BufReader};
    let Some(thief) = OtherUser::new() else {
        return;
    };
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let browser = FakeBrowser::new(&home);
    let mut attacker = thief
        .command("/usr/bin/python3")
        .args(["-c", THIEF, "60"])
        .arg(&browser.script)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(attacker.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let out = run(login(&home, &sts, &["--mfa-code", "123456", ROLE1_PROFILE])
        .env("BROWSER", browser.command())
        // Time for the thief to find the address and try it before the browser comes.
        .env("FAKE_BROWSER_DELAY", "1.5"));
    let _ = attacker.kill();
    let _ = attacker.wait();
    let attempts: Vec<serde_json::Value> = lines
        .map_while(|l| l.ok())
        .map(|l| serde_json::from_str(&l).unwrap())
        .collect();
    let err = stderr_str(&out);
    assert!(out.status.success(), "{}", redact(&err));
    let served: Vec<_> = attempts
        .iter()
        .filter(|a| a.get("status").is_some())
        .collect();
    assert!(served.is_empty(), "another user was answered: {served:?}");
    assert!(
        attempts.iter().any(|a| a.get("error").is_some()),
        "the thief found the address and tried it: {attempts:?}"
    );
    assert!(
        err.contains(&format!(
            "aws-as: refused a connection to the one-time address from another user (uid {})",
            thief.uid
        )),
        "{}",
        redact(&err)
    );
    let report = browser.report().expect("the fake browser ran and reported");
    assert_eq!(report["status"], 302, "{report}");
    assert_eq!(report["followed"], 200, "{report}");
    assert_eq!(logins(&sts).len(), 1);
}

#[test]
fn print_prints_the_url_and_starts_no_browser() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let browser = FakeBrowser::new(&home);
    let out = run(login(
        &home,
        &sts,
        &[
            "--print",
            "--mfa-code",
            "123456",
            "--destination",
            "ec2/home",
            ROLE2_PROFILE,
        ],
    )
    .env("BROWSER", browser.command()));
    let err = stderr_str(&out);
    assert!(out.status.success(), "{}", redact(&err));
    assert!(browser.report().is_none(), "--print starts no browser");
    let token = sign_ins(&sts)[0].issued_token.clone().unwrap();
    // my-role2-dev is in us-west-2: the destination says so.
    let want = format!(
        "{}?Action=login&Issuer=aws-as&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fec2%2Fhome%3Fregion%3Dus-west-2&SigninToken={}\n",
        sts.federation_endpoint(),
        percent(&token)
    );
    assert!(stdout_str(&out) == want, "stdout is the sign-in URL");
    assert!(err.contains("keep it secret"), "{}", redact(&err));
    assert!(!err.contains(&token));
    let files = files_holding(home.path(), &token);
    assert!(files.is_empty(), "the token is in {files:?}");
    assert_eq!(
        sign_ins(&sts)[0].session.as_ref(),
        Some(&session_of(&cached(&home, ROLE2_PROFILE)))
    );
}

/// The query-component encoding the sign-in URL uses (RFC 3986 unreserved characters bare).
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn a_short_role_session_is_renewed_for_the_console() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let out = run(home.command(aws_as_bin()).args([
        "--mfa-code",
        "123456",
        "--duration",
        "1200",
        ROLE1_PROFILE,
    ]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    let short = cached(&home, ROLE1_PROFILE);

    // Longer than AWS lets a chained role session last: refused before anything is asked.
    sts.reset();
    let out = run(&mut login(
        &home,
        &sts,
        &["--print", "--duration", "7200", ROLE1_PROFILE],
    ));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(one_line(&out).contains("3600"), "{}", stderr_str(&out));
    assert!(sts.calls().is_empty() && sign_ins(&sts).is_empty());

    // Without --duration a session with 15 minutes or more left is good enough.
    let out = run(&mut login(
        &home,
        &sts,
        &["--print", "--no-input", ROLE1_PROFILE],
    ));
    assert!(out.status.success(), "{}", stderr_str(&out));
    assert_eq!(sts.count("AssumeRole"), 0, "the cached session served");
    assert!(
        stderr_str(&out).contains("the console session ends in 19m"),
        "{}",
        redact(&stderr_str(&out))
    );

    // --duration 3600: renewed first, from the cached MFA session (no code needed).
    let out = run(&mut login(
        &home,
        &sts,
        &["--print", "--no-input", "--duration", "3600", ROLE1_PROFILE],
    ));
    assert!(out.status.success(), "{}", stderr_str(&out));
    let assumed = sts.calls_of("AssumeRole");
    assert_eq!(assumed.len(), 1, "{assumed:?}");
    assert_eq!(assumed[0].duration_seconds, Some(3600));
    let renewed = cached(&home, ROLE1_PROFILE);
    assert_ne!(renewed["SessionToken"], short["SessionToken"]);
    let sign_ins = sign_ins(&sts);
    assert_eq!(
        sign_ins.last().unwrap().session.as_ref(),
        Some(&session_of(&renewed))
    );
    assert!(
        stderr_str(&out).contains("the console session ends in 59m")
            || stderr_str(&out).contains("the console session ends in 1h00m"),
        "{}",
        redact(&stderr_str(&out))
    );
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

/// What moto's GetFederationToken answers, asked by boto3 (moto gives the same every time).
fn moto_federation_credentials(sts: &Sts) -> serde_json::Value {
    let script = format!(
        "import boto3, json\n\
         c = boto3.client('sts', endpoint_url={endpoint:?}, region_name='eu-west-1',\n\
             aws_access_key_id={key:?}, aws_secret_access_key={secret:?})\n\
         r = c.get_federation_token(Name='boto3')['Credentials']\n\
         print(json.dumps({{'AccessKeyId': r['AccessKeyId'], 'SecretAccessKey': r['SecretAccessKey'], 'SessionToken': r['SessionToken']}}))\n",
        endpoint = sts.endpoint(),
        key = USER_ACCESS_KEY_ID,
        secret = USER_SECRET_ACCESS_KEY,
    );
    let out = run(Command::new(python()).args(["-c", &script]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_user_signs_in_with_a_federation_token() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let browser = FakeBrowser::new(&home);
    let watch = Watch::start();
    // --no-input: no MFA code is needed, or asked for.
    let out =
        run(login(&home, &sts, &["--no-input", USER_PROFILE]).env("BROWSER", browser.command()));
    let cmdlines = watch.finish();
    let err = stderr_str(&out);
    assert!(out.status.success(), "{}", redact(&err));
    assert!(out.stdout.is_empty());
    assert!(
        err.lines()
            .next()
            .unwrap()
            .contains("is not MFA-authenticated"),
        "the user is told: {}",
        redact(&err)
    );
    assert_eq!(err.lines().count(), 2, "{}", redact(&err));

    // GetFederationToken, signed with the long-term keys, with an allow-everything policy.
    assert_eq!(sts.count("GetSessionToken"), 0);
    let calls = sts.calls_of("GetFederationToken");
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call.access_key_id.as_deref(), Some(USER_ACCESS_KEY_ID));
    assert_eq!(call.security_token, None);
    assert_eq!(call.name.as_deref(), Some(USER_PROFILE));
    assert_eq!(call.duration_seconds, Some(43200));
    let policy: serde_json::Value = serde_json::from_str(call.policy.as_deref().unwrap()).unwrap();
    assert_eq!(
        policy,
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    );

    // Its session bought the token, with no SessionDuration (the endpoint refuses one here).
    let federation = moto_federation_credentials(&sts);
    let sign_ins = sign_ins(&sts);
    assert_eq!(sign_ins.len(), 1);
    assert_eq!(sign_ins[0].session.as_ref(), Some(&session_of(&federation)));
    assert_eq!(sign_ins[0].session_duration, None);
    let token = sign_ins[0].issued_token.clone().unwrap();

    let report = browser.report().expect("the fake browser ran");
    assert_eq!(report["status"], 302);
    assert_eq!(report["second"], "ConnectionRefusedError");
    assert_eq!(logins(&sts)[0].known_token, Some(true));
    assert_eq!(
        logins(&sts)[0].destination.as_deref(),
        Some("https://console.aws.amazon.com/console/home?region=eu-west-1")
    );
    let secret = federation["SecretAccessKey"].as_str().unwrap();
    for needle in [token.as_str(), secret, USER_SECRET_ACCESS_KEY] {
        assert!(!err.contains(needle), "a secret is in stderr");
        assert!(
            !cmdlines.iter().any(|c| contains(c, needle)),
            "a secret is on a command line"
        );
    }
    assert!(files_holding(home.path(), &token).is_empty());
    assert!(
        files_holding(home.path(), secret).is_empty(),
        "the federation session is not cached"
    );

    // --duration is the federation token's length.
    let out = run(&mut login(
        &home,
        &sts,
        &["--print", "--duration", "3600", USER_PROFILE],
    ));
    assert!(out.status.success(), "{}", stderr_str(&out));
    let calls: Vec<Call> = sts
        .calls_of("GetFederationToken")
        .into_iter()
        .filter(|c| c.name.as_deref() == Some(USER_PROFILE))
        .collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[1].duration_seconds, Some(3600), "{calls:?}");
}

// ---------------------------------------------------------------------------------------------
// Failures: one line, nothing on stdout, no browser
// ---------------------------------------------------------------------------------------------

#[test]
fn a_refused_session_is_one_line_and_opens_nothing() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let browser = FakeBrowser::new(&home);
    sts.federation_refuse();
    let out = run(login(&home, &sts, &["--mfa-code", "123456", ROLE1_PROFILE])
        .env("BROWSER", browser.command()));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = one_line(&out);
    assert!(err.contains("HTTP 400"), "{}", redact(&err));
    assert!(
        err.contains(&sts.federation_endpoint()),
        "names the endpoint: {}",
        redact(&err)
    );
    assert!(!err.contains("Session="), "no query in the message");
    let role = cached(&home, ROLE1_PROFILE);
    assert!(!err.contains(role["SessionToken"].as_str().unwrap()));
    assert!(browser.report().is_none(), "no browser was started");
}

#[test]
fn a_404_names_the_address_not_the_credentials() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let browser = FakeBrowser::new(&home);
    sts.federation_answer(404);
    let out = run(login(&home, &sts, &["--mfa-code", "123456", ROLE1_PROFILE])
        .env("BROWSER", browser.command()));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = one_line(&out);
    assert!(err.contains("HTTP 404"), "{}", redact(&err));
    assert!(
        err.contains("no sign-in service at that address")
            && err.contains("AWS_AS_FEDERATION_ENDPOINT"),
        "says what is wrong and what to do: {}",
        redact(&err)
    );
    assert!(
        !err.contains("expired"),
        "not the credentials: {}",
        redact(&err)
    );
    assert!(!err.contains("Session="), "no query in the message");
    assert!(browser.report().is_none(), "no browser was started");
}

#[test]
fn a_browser_that_fails_or_never_comes_ends_the_login() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let failing = home.path().join("failing-browser");
    std::fs::write(&failing, "#!/bin/sh\nexit 3\n").unwrap();
    executable(&failing);
    let out = run_with_timeout(
        login(&home, &sts, &["--mfa-code", "123456", ROLE1_PROFILE]).env("BROWSER", &failing),
        Duration::from_secs(60),
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        one_line(&out).contains("failed (exit status: 3)"),
        "{}",
        redact(&stderr_str(&out))
    );

    // A browser that takes the address and never comes: the address stops working.
    let record = home.path().join("lazy-argv");
    let lazy = home.path().join("lazy-browser");
    std::fs::write(
        &lazy,
        format!("#!/bin/sh\nprintf %s \"$1\" > {}\n", record.display()),
    )
    .unwrap();
    executable(&lazy);
    let out = run(login(&home, &sts, &["--no-input", ROLE1_PROFILE])
        .env("BROWSER", &lazy)
        .env("AWS_AS_BROWSER_TIMEOUT", "1"));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        one_line(&out).contains("AWS_AS_BROWSER_TIMEOUT"),
        "{}",
        redact(&stderr_str(&out))
    );
    let address = std::fs::read_to_string(&record).unwrap();
    let host = address
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap();
    assert!(
        std::net::TcpStream::connect(host).is_err(),
        "the address is closed after the wait"
    );

    // No browser at all.
    let out =
        run(login(&home, &sts, &["--no-input", ROLE1_PROFILE])
            .env("BROWSER", "/nonexistent/browser"));
    assert!(!out.status.success());
    assert!(one_line(&out).contains("--print"), "{}", stderr_str(&out));
}

#[test]
fn partitions_destinations_and_endpoints() {
    let sts = Sts::moto();
    let home = Home::new();
    home.config(&format!(
        "{STANDARD_CONFIG}\
         [profile cn-role]\n\
         role_arn = arn:aws-cn:iam::333333333333:role/cn\n\
         source_profile = cn-user\n\
         region = cn-north-1\n\
         [profile cn-user]\n\
         region = cn-north-1\n"
    ))
    .credentials(&format!(
        "{STANDARD_CREDENTIALS}[cn-user]\naws_access_key_id = AKIACNUSER0000000001\naws_secret_access_key = cnsecret\n"
    ))
    .with_sts(&sts);
    let print = |args: &[&str]| {
        run(&mut login(
            &home,
            &sts,
            &[&["--print", "--no-input"], args].concat(),
        ))
    };

    let out = print(&["cn-role"]);
    assert!(out.status.success(), "{}", stderr_str(&out));
    assert_eq!(
        logins_in(&stdout_str(&out)),
        "https://console.amazonaws.cn/console/home?region=cn-north-1"
    );
    let out = print(&[
        "--destination",
        "https://cn-north-1.console.amazonaws.cn/s3/home",
        "cn-role",
    ]);
    assert!(out.status.success(), "{}", stderr_str(&out));
    assert_eq!(
        logins_in(&stdout_str(&out)),
        "https://cn-north-1.console.amazonaws.cn/s3/home"
    );

    // Refused before any session is made: a region of another partition, a page elsewhere, an
    // endpoint the credentials would travel to in clear.
    sts.reset();
    let sent = sign_ins(&sts).len();
    let cases: [(&[&str], Option<&str>, &str); 4] = [
        (
            &["--region", "eu-west-1", "cn-role"],
            None,
            "aws-cn partition",
        ),
        (
            &[
                "--destination",
                "https://console.aws.amazon.com/",
                "cn-role",
            ],
            None,
            "--destination",
        ),
        (
            &["--destination", "https://evil.example/", ROLE1_PROFILE],
            None,
            "--destination",
        ),
        (
            &[ROLE1_PROFILE],
            Some("http://example.com/federation"),
            "AWS_AS_FEDERATION_ENDPOINT",
        ),
    ];
    for (args, endpoint, says) in cases {
        let mut cmd = login(&home, &sts, &[&["--print", "--no-input"], args].concat());
        if let Some(e) = endpoint {
            cmd.env("AWS_AS_FEDERATION_ENDPOINT", e);
        }
        let out = run(&mut cmd);
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(
            one_line(&out).contains(says),
            "{args:?}: {}",
            stderr_str(&out)
        );
    }
    assert!(sts.calls().is_empty(), "nothing was asked of STS");
    assert_eq!(
        sign_ins(&sts).len(),
        sent,
        "nothing was sent to the endpoint"
    );
}

/// The Destination of a printed sign-in URL, decoded.
fn logins_in(url: &str) -> String {
    let query = url.trim_end().split_once('?').unwrap().1;
    let value = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("Destination="))
        .unwrap();
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&value[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
