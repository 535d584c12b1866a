//! Shared harness for the integration tests: a throwaway HOME with AWS config files, a local
//! STS on loopback (moto, or the fault-injecting stub), real AWS clients, and commands with a
//! scrubbed environment. Standard library only (plus `serde`/`serde_json`, which the crate
//! already depends on). Everything listens on / talks to 127.0.0.1 only.
//!
//! Prerequisites come from `scripts/install-deps.sh` (the `.venv` with moto, boto3 and the AWS
//! CLI; Go and Debian's aws-sdk-go for [`go_client`]).
//!
//! - `Sts::moto()`            start tests/support/sts.py in moto mode on 127.0.0.1:<free port>
//! - `Sts::moto_with_delay(s)` same, but GetSessionToken/AssumeRole answer after `s` seconds
//! - `Sts::moto_with_lifetimes(&[("AssumeRole", 6)])` moto whose sessions of those actions
//!   expire that many seconds after they are issued (sessions that expire within a test);
//!   `sts.set_fault(Some(mode))` answers every request with a fault mode until `set_fault(None)`
//! - `Sts::fault(mode)`       start it in fault mode (wrong-mfa, wrong-mfa-unless:CODE,
//!   access-denied, expired-keys, expired-token, throttle-then-ok:N, http500, malformed, hang,
//!   token-suffix:HEX)
//! - `sts.endpoint()`         "http://127.0.0.1:PORT"
//! - `sts.calls()`            every STS request the server saw, in order (`Call`);
//!   `sts.count("AssumeRole")`, `sts.calls_of(action)`, `sts.reset()`;
//!   `sts.expire_sessions()` makes the sessions issued so far answer ExpiredToken
//! - `sts.federation_endpoint()` the console sign-in stand-in (tests/support/federation.py) on
//!   the same port, for AWS_AS_FEDERATION_ENDPOINT; `sts.federation_calls()` what it saw
//!   (`FederationCall`), `sts.federation_refuse()` makes it refuse every session from now on
//! - `closed_port_endpoint()` an http://127.0.0.1:PORT nobody listens on (connection refused)
//! - `Home::new()`            temp dir (removed on drop unless AWS_AS_KEEP_TEST_DIRS is set)
//!   with an empty `.aws/`; the cache dir `<home>/cache/aws-as` is NOT created (aws-as must)
//! - `Home::standard(&sts)`   the standard fixture: profiles my-user1-dev (MFA user),
//!   my-role1-dev (role in 111111111111 via my-user1-dev with MFA), my-role2-dev (role in
//!   222222222222 chained from my-role1-dev), credentials for my-user1-dev; endpoint = sts
//! - `home.config(text)` / `home.credentials(text)` write the files
//! - `home.with_sts(&sts)` / `home.with_endpoint(url)` / `home.without_endpoint()`
//! - `home.command(program)`  a `std::process::Command` with env cleared except PATH (with the
//!   directory of the aws-as binaries prepended), with HOME, AWS_CONFIG_FILE,
//!   AWS_SHARED_CREDENTIALS_FILE, AWS_AS_CACHE_DIR, AWS_EC2_METADATA_DISABLED=true, TERM=dumb,
//!   LANG=C.UTF-8 set, current dir = home, and AWS_ENDPOINT_URL_STS set when an endpoint was
//!   given. Never inherits the caller's AWS_* variables.
//! - `run(cmd)` / `run_with_timeout(cmd, d)` / `run_with_input(cmd, bytes)` /
//!   `try_run_with_timeout(cmd, d)` run it (stdin = /dev/null unless input), kill it on timeout;
//!   `stdout_str(&out)` / `stderr_str(&out)`
//! - `aws_as_bin()` / `aws_as_activate_bin()` paths of the built binaries
//! - `python()`, `aws_cli()`: the venv's interpreter (boto3) and AWS CLI v1; `go_client()`:
//!   tests/support/goclient built once per test process (aws-sdk-go v1; prints the caller ARN)
//!
//! - `Sts::moto_with(args)`  moto with more of sts.py's options (`--role-expires-in S`);
//!   `sts.set_fault(mode)` switches a running moto to a fault mode (`"none"`: back)
//! - `aws_cli_v2()`: Debian's AWS CLI v2 (/usr/bin/aws); `go_endpoint_client()`:
//!   tests/support/goendpoint (aws-sdk-go v1's default chain; prints provider and ARN)
//! - `Home::serve(args)`      `aws-as serve --listen 127.0.0.1:<free> ARGS…` in the background,
//!   waited for until it prints its export line (`Server`: `addr()`, `url()`, `log()`, `raw()`,
//!   `get(path, headers)`, `imds_token()`, `login_url`, `manage_token()`, `manage(method, path,
//!   body)` a bearer request to the management API; SIGTERM on drop); `free_port()`;
//!   `http(addr, bytes)` one raw request, its answer parsed (`Http`: status, headers, body)
//!
//! Secrets: `Call`'s `Debug` redacts the session token, and nothing here prints stdout of a
//! child (which may hold `export AWS_SECRET_ACCESS_KEY=...`) in a panic message.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Account of the standard fixture's user and first role.
pub const ACCOUNT: &str = "111111111111";
/// Account of the standard fixture's second (chained) role.
pub const ACCOUNT2: &str = "222222222222";
pub const USER_PROFILE: &str = "my-user1-dev";
pub const ROLE1_PROFILE: &str = "my-role1-dev";
pub const ROLE2_PROFILE: &str = "my-role2-dev";
pub const MFA_SERIAL: &str = "arn:aws:iam::111111111111:mfa/my-user1";
pub const ROLE1_ARN: &str = "arn:aws:iam::111111111111:role/my-role1";
pub const ROLE2_ARN: &str = "arn:aws:iam::222222222222:role/my-role2";
pub const ROLE1_SESSION_NAME: &str = "my-user1@dev";
pub const USER_ACCESS_KEY_ID: &str = "AKIAUSER1EXAMPLE0001";
pub const USER_SECRET_ACCESS_KEY: &str = "user1secret/EXAMPLEKEY+abc";

pub const STANDARD_CONFIG: &str = "\
[profile my-user1-dev]
region = eu-west-1
mfa_serial = arn:aws:iam::111111111111:mfa/my-user1
[profile my-role1-dev]
role_arn = arn:aws:iam::111111111111:role/my-role1
source_profile = my-user1-dev
mfa_serial = arn:aws:iam::111111111111:mfa/my-user1
role_session_name = my-user1@dev
[profile my-role2-dev]
role_arn = arn:aws:iam::222222222222:role/my-role2
source_profile = my-role1-dev
region = us-west-2
";

pub const STANDARD_CREDENTIALS: &str = "\
[my-user1-dev]
aws_access_key_id = AKIAUSER1EXAMPLE0001
aws_secret_access_key = user1secret/EXAMPLEKEY+abc
";

/// How long `Sts` startup may take (importing moto is slow on a cold machine).
const STS_STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// Default limit for [`run`].
pub const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_secs(90);

// ---------------------------------------------------------------------------------------------
// Paths and binaries
// ---------------------------------------------------------------------------------------------

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target directory (CARGO_TARGET_DIR if set, else `<repo>/target`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                repo_root().join(dir)
            }
        }
        _ => repo_root().join("target"),
    }
}

pub fn aws_as_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_aws-as"))
}

pub fn aws_as_activate_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_aws-as-activate"))
}

/// The Python with moto and boto3: `$AWS_AS_TEST_PYTHON`, else `<repo>/.venv/bin/python`.
pub fn python() -> PathBuf {
    let path = match std::env::var_os("AWS_AS_TEST_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => repo_root().join(".venv/bin/python"),
    };
    if !path.exists() {
        panic!(
            "{} is missing: run scripts/install-deps.sh first",
            path.display()
        );
    }
    path
}

/// A program from the venv's bin directory (next to [`python`]), e.g. `venv_bin("aws")`.
pub fn venv_bin(name: &str) -> PathBuf {
    let py = python();
    let path = py.parent().expect("python has a parent dir").join(name);
    if !path.exists() {
        panic!(
            "{} is missing: run scripts/install-deps.sh first",
            path.display()
        );
    }
    path
}

/// The AWS CLI v1 from the venv (it honours AWS_ENDPOINT_URL_STS).
pub fn aws_cli() -> PathBuf {
    venv_bin("aws")
}

/// Debian's AWS CLI v2 (2.9.19 on Debian 12). It predates AWS_ENDPOINT_URL_STS: pass
/// `--endpoint-url`.
pub fn aws_cli_v2() -> PathBuf {
    let path = PathBuf::from("/usr/bin/aws");
    if !path.exists() {
        panic!("/usr/bin/aws (Debian's awscli) is missing: run scripts/install-deps.sh first");
    }
    path
}

/// tests/support/goendpoint, built once per test process: aws-sdk-go v1's default credential
/// chain (environment, then the ECS endpoint or EC2 metadata), printing the provider that gave
/// the credentials and the caller's ARN.
pub fn go_endpoint_client() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| build_go("goendpoint")).clone()
}

fn build_go(name: &str) -> PathBuf {
    let out_dir = target_dir().join(format!("test-{name}"));
    std::fs::create_dir_all(&out_dir).expect("create the Go output directory");
    let dest = out_dir.join(name);
    // Build to a private name, then rename: other test binaries may build concurrently.
    let tmp = out_dir.join(format!("{name}.{}.tmp", std::process::id()));
    let output = Command::new("go")
        .args(["build", "-o"])
        .arg(&tmp)
        .arg(".")
        .current_dir(repo_root().join("tests/support").join(name))
        .env("GOPATH", "/usr/share/gocode")
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .env("CGO_ENABLED", "0")
        .env("GOCACHE", target_dir().join("go-cache"))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `go` ({e}): run scripts/install-deps.sh first"));
    if !output.status.success() {
        let _ = std::fs::remove_file(&tmp);
        panic!(
            "building tests/support/{name} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::rename(&tmp, &dest).expect("rename the Go client into place");
    dest
}

pub fn sts_script() -> PathBuf {
    repo_root().join("tests/support/sts.py")
}

/// Builds tests/support/goclient once per test process into `<target>/test-goclient/goclient`
/// (aws-sdk-go v1 from /usr/share/gocode, GOPATH mode) and returns its path. The client reads
/// credentials from the environment, honours AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL and
/// AWS_REGION, calls GetCallerIdentity and prints the ARN; on error it exits 1.
pub fn go_client() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| build_go("goclient")).clone()
}

/// The arguments that make an AWS CLI print the caller's ARN.
pub const CLI_CALLER_ARN: [&str; 6] = [
    "sts",
    "get-caller-identity",
    "--query",
    "Arn",
    "--output",
    "text",
];

/// boto3 printing the caller's ARN, credentials from its default chain.
pub const BOTO3_CALLER_ARN: &str =
    "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])";

/// boto3 printing which provider of its default chain gave the credentials, then the caller's
/// ARN ("container-role arn:…", "iam-role arn:…"): what a program that never sees the shell
/// gets from the credentials server.
pub const BOTO3_PROVIDER_AND_ARN: &str = "\
import sys, boto3
session = boto3.session.Session()
credentials = session.get_credentials()
if credentials is None:
    sys.exit('boto3: no credentials')
print(credentials.method, session.client('sts').get_caller_identity()['Arn'])
";

/// Waits until `done`, failing the test after `limit`.
pub fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

/// The user's MFA session, made in a terminal as a person would (a server then never needs a
/// code for it).
pub fn terminal_session(home: &Home) {
    let out = run(home
        .command(aws_as_bin())
        .args(["--mfa-code", "123456", USER_PROFILE]));
    assert!(out.status.success(), "{}", stderr_str(&out));
}

/// A `notify-send` that appends its arguments, one per line, and `---` to `file`.
pub fn fake_notify_send(bin: &Path, file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(bin).unwrap();
    let script = bin.join("notify-send");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\necho --- >> '{}'\n",
            file.display(),
            file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// What the fake `notify-send` was given, one notification (its arguments, a line each) per item.
pub fn notifications(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .split("---\n")
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// The real clients that print the caller's ARN with their credentials from their environment:
/// boto3, the AWS CLI v1, Debian's AWS CLI v2 when given the STS endpoint (2.9 predates
/// AWS_ENDPOINT_URL_STS), and the Go SDK. `command` makes each in the caller's environment.
pub fn caller_arn_clients(
    command: impl Fn(&Path) -> Command,
    v2_endpoint: Option<&str>,
) -> Vec<(&'static str, Command)> {
    let mut boto = command(&python());
    boto.args(["-c", BOTO3_CALLER_ARN]);
    let mut v1 = command(&aws_cli());
    v1.args(CLI_CALLER_ARN);
    let mut clients = vec![("boto3", boto), ("aws-cli-v1", v1)];
    if let Some(endpoint) = v2_endpoint {
        let mut v2 = command(&aws_cli_v2());
        v2.args(CLI_CALLER_ARN).args(["--endpoint-url", endpoint]);
        clients.push(("aws-cli-v2", v2));
    }
    clients.push(("go", command(&go_client())));
    clients
}

// ---------------------------------------------------------------------------------------------
// Local STS
// ---------------------------------------------------------------------------------------------

/// One STS request as recorded by tests/support/sts.py.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Call {
    /// The query-protocol Action ("GetSessionToken", "AssumeRole", ...); "" if none was sent.
    #[serde(deserialize_with = "null_as_empty")]
    pub action: String,
    /// From the SigV4 Authorization header's Credential=.
    pub access_key_id: Option<String>,
    /// The X-Amz-Security-Token header, if any. Redacted in `Debug`.
    pub security_token: Option<String>,
    pub serial_number: Option<String>,
    pub token_code: Option<String>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration_seconds: Option<i64>,
    /// GetFederationToken's Name and Policy.
    pub name: Option<String>,
    pub policy: Option<String>,
}

/// One request to the federation stand-in. `Debug` shows the tokens' lengths only.
#[derive(Clone, serde::Deserialize)]
pub struct FederationCall {
    pub method: String,
    /// "getSigninToken", "login", or what else was sent.
    pub action: Option<String>,
    /// Parameters sent more than once, and ones the endpoint does not know.
    pub repeated: Vec<String>,
    pub unknown: Vec<String>,
    pub session_duration: Option<String>,
    /// getSigninToken's Session, parsed when it is JSON (else the string sent).
    pub session: Option<serde_json::Value>,
    /// The token a getSigninToken was answered with.
    pub issued_token: Option<String>,
    pub issuer: Option<String>,
    pub destination: Option<String>,
    pub signin_token: Option<String>,
    /// login: whether its SigninToken is one the stand-in issued.
    pub known_token: Option<bool>,
}

impl fmt::Debug for FederationCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = |t: &Option<String>| t.as_ref().map(|t| format!("<{} chars>", t.len()));
        f.debug_struct("FederationCall")
            .field("action", &self.action)
            .field("session_duration", &self.session_duration)
            .field("issuer", &self.issuer)
            .field("destination", &self.destination)
            .field("issued_token", &len(&self.issued_token))
            .field("signin_token", &len(&self.signin_token))
            .field("known_token", &self.known_token)
            .finish()
    }
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::Deserialize;
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = self
            .security_token
            .as_ref()
            .map(|t| format!("<redacted, {} chars>", t.len()));
        f.debug_struct("Call")
            .field("action", &self.action)
            .field("access_key_id", &self.access_key_id)
            .field("security_token", &token)
            .field("serial_number", &self.serial_number)
            .field("token_code", &self.token_code)
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("external_id", &self.external_id)
            .field("duration_seconds", &self.duration_seconds)
            .field("name", &self.name)
            .field("policy", &self.policy)
            .finish()
    }
}

/// tests/support/sts.py running on 127.0.0.1; killed on drop. It also exits by itself when
/// this test process dies (it watches its stdin for EOF).
pub struct Sts {
    child: Child,
    _stdin: ChildStdin,
    port: u16,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Sts {
    /// moto's STS. Any role ARN can be assumed; GetCallerIdentity with role credentials
    /// returns `arn:aws:sts::<role account>:assumed-role/<role name>/<session name>`.
    pub fn moto() -> Sts {
        Sts::start(&["moto"])
    }

    /// moto, but GetSessionToken and AssumeRole answer only after `secs` seconds.
    pub fn moto_with_delay(secs: f64) -> Sts {
        Sts::start(&["moto", "--delay", &secs.to_string()])
    }

    /// moto, but the sessions `action` issues ("GetSessionToken", "AssumeRole") expire `seconds`
    /// after they are issued, whatever DurationSeconds asked for.
    pub fn moto_with_lifetimes(lifetimes: &[(&str, u32)]) -> Sts {
        let mut args = vec!["moto".to_string()];
        for (action, seconds) in lifetimes {
            args.push("--lifetime".to_string());
            args.push(format!("{action}={seconds}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Sts::start(&args)
    }

    /// moto mode: every STS request gets fault `mode` (as for [`Sts::fault`]) from now on;
    /// `None` goes back to moto.
    pub fn set_fault(&self, mode: Option<&str>) {
        match mode {
            Some(mode) => self.http("POST", &format!("/__fault?mode={mode}")),
            None => self.http("POST", "/__fault"),
        };
    }

    /// Fault mode: wrong-mfa, wrong-mfa-unless:CODE, access-denied, expired-keys, expired-token,
    /// throttle-then-ok:N, http500, malformed, hang. See tests/support/sts.py.
    pub fn fault(mode: &str) -> Sts {
        Sts::start(&["fault", mode])
    }

    fn start(args: &[&str]) -> Sts {
        let mut child = Command::new(python())
            .arg(sts_script())
            .args(args)
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start tests/support/sts.py: {e}"));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr_pipe = child.stderr.take().expect("piped stderr");

        let stderr = collect(stderr_pipe);

        // Read the `PORT n` line, then keep draining stdout (moto may print to it).
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

        let mut sts = Sts {
            child,
            _stdin: stdin,
            port: 0,
            stderr,
        };
        let port = match rx.recv_timeout(STS_STARTUP_TIMEOUT) {
            Ok(Ok(line)) => line
                .strip_prefix("PORT ")
                .and_then(|p| p.trim().parse::<u16>().ok())
                .ok_or_else(|| format!("unexpected first line {line:?}")),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(format!(
                "no PORT line within {}s",
                STS_STARTUP_TIMEOUT.as_secs()
            )),
        };
        match port {
            Ok(port) => {
                sts.port = port;
                sts
            }
            Err(why) => {
                let _ = sts.child.kill();
                let status = sts.child.wait();
                thread::sleep(Duration::from_millis(100)); // let the stderr reader finish
                panic!(
                    "tests/support/sts.py {} failed to start: {why} (exit: {status:?}).\n\
                     Is the venv installed (scripts/install-deps.sh)? Its stderr:\n{}",
                    args.join(" "),
                    sts.stderr_output()
                );
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What the server wrote to stderr so far (tracebacks; never request contents).
    pub fn stderr_output(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Every STS request seen so far, in arrival order.
    pub fn calls(&self) -> Vec<Call> {
        let body = self.http("GET", "/__calls");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("bad /__calls JSON ({e}): {body}"))
    }

    /// The recorded calls with this Action.
    pub fn calls_of(&self, action: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.action == action)
            .collect()
    }

    /// How many requests with this Action were seen.
    pub fn count(&self, action: &str) -> usize {
        self.calls_of(action).len()
    }

    /// The console sign-in stand-in, for AWS_AS_FEDERATION_ENDPOINT.
    pub fn federation_endpoint(&self) -> String {
        format!("{}/federation", self.endpoint())
    }

    /// Every request the sign-in stand-in saw, in arrival order.
    pub fn federation_calls(&self) -> Vec<FederationCall> {
        let body = self.http("GET", "/__federation/calls");
        serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("bad /__federation/calls JSON ({e}): {}", redact(&body)))
    }

    /// From now on the sign-in stand-in refuses every session (400).
    pub fn federation_refuse(&self) {
        self.http("POST", "/__federation/refuse");
    }

    /// From now on the sign-in stand-in answers every getSigninToken with HTTP `status`.
    pub fn federation_answer(&self, status: u16) {
        self.http("POST", &format!("/__federation/refuse?status={status}"));
    }

    /// Forget the recorded calls.
    pub fn reset(&self) {
        self.http("POST", "/__reset");
    }

    /// moto mode: every session token issued so far is answered with ExpiredToken from now on,
    /// while aws-as's cache still holds it as valid.
    pub fn expire_sessions(&self) {
        self.http("POST", "/__expire");
    }

    /// Minimal HTTP/1.0 request to the control endpoints; returns the body of a 200 answer.
    fn http(&self, method: &str, path: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))
            .unwrap_or_else(|e| panic!("connect to sts.py on port {}: {e}", self.port));
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .expect("write HTTP request");
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .unwrap_or_else(|e| panic!("{method} {path}: reading response: {e}"));
        let response = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = response
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("{method} {path}: malformed HTTP response: {response:?}"));
        let status = head.lines().next().unwrap_or("");
        if status.split_whitespace().nth(1) != Some("200") {
            panic!("{method} {path}: {status}\n{body}");
        }
        body.to_string()
    }
}

impl Drop for Sts {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `http://127.0.0.1:PORT` where nothing listens: binds a free port and closes it again.
pub fn closed_port_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

// ---------------------------------------------------------------------------------------------
// Throwaway HOME
// ---------------------------------------------------------------------------------------------

/// A temporary home directory with `.aws/config`, `.aws/credentials` and an STS endpoint.
/// Methods take `&self`, so both `home.with_sts(&sts);` and chaining work.
pub struct Home {
    dir: PathBuf,
    endpoint: Mutex<Option<String>>,
}

impl Home {
    pub fn new() -> Home {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir();
        loop {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let dir = base.join(format!(
                "aws-as-test-{}-{}-{nanos:08x}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    std::fs::create_dir(dir.join(".aws")).expect("create .aws");
                    return Home {
                        dir,
                        endpoint: Mutex::new(None),
                    };
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!("create {}: {e}", dir.display()),
            }
        }
    }

    /// The standard fixture (see [`STANDARD_CONFIG`], [`STANDARD_CREDENTIALS`]) talking to `sts`.
    pub fn standard(sts: &Sts) -> Home {
        let home = Home::new();
        home.config(STANDARD_CONFIG)
            .credentials(STANDARD_CREDENTIALS)
            .with_sts(sts);
        home
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join(".aws/config")
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.dir.join(".aws/credentials")
    }

    /// Writes `.aws/config`.
    pub fn config(&self, text: &str) -> &Self {
        std::fs::write(self.config_path(), text).expect("write .aws/config");
        self
    }

    /// Writes `.aws/credentials`.
    pub fn credentials(&self, text: &str) -> &Self {
        std::fs::write(self.credentials_path(), text).expect("write .aws/credentials");
        self
    }

    /// `<home>/cache/aws-as` (AWS_AS_CACHE_DIR). Not created here: aws-as must create it.
    pub fn cache_dir(&self) -> PathBuf {
        self.dir.join("cache/aws-as")
    }

    /// Commands will get AWS_ENDPOINT_URL_STS = `sts.endpoint()`.
    pub fn with_sts(&self, sts: &Sts) -> &Self {
        self.with_endpoint(&sts.endpoint())
    }

    /// Commands will get AWS_ENDPOINT_URL_STS = `url`.
    pub fn with_endpoint(&self, url: &str) -> &Self {
        *self.endpoint.lock().unwrap() = Some(url.to_string());
        self
    }

    /// Commands will get no AWS_ENDPOINT_URL_STS.
    pub fn without_endpoint(&self) -> &Self {
        *self.endpoint.lock().unwrap() = None;
        self
    }

    pub fn endpoint(&self) -> Option<String> {
        self.endpoint.lock().unwrap().clone()
    }

    /// The environment [`Home::command`] sets (besides PATH).
    pub fn env(&self) -> HashMap<String, String> {
        let mut env = HashMap::new();
        let s = |p: PathBuf| p.to_string_lossy().into_owned();
        env.insert("HOME".into(), s(self.dir.clone()));
        env.insert("AWS_CONFIG_FILE".into(), s(self.config_path()));
        env.insert(
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            s(self.credentials_path()),
        );
        env.insert("AWS_AS_CACHE_DIR".into(), s(self.cache_dir()));
        env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
        env.insert("TERM".into(), "dumb".into());
        env.insert("LANG".into(), "C.UTF-8".into());
        if let Some(url) = self.endpoint() {
            env.insert("AWS_ENDPOINT_URL_STS".into(), url);
        }
        env
    }

    /// `program` with a scrubbed environment: only PATH (with the aws-as binaries' directory
    /// first) and [`Home::env`]; current directory = home. Add more with `.env(..)`.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear();
        cmd.env("PATH", test_path());
        cmd.envs(self.env());
        cmd.current_dir(&self.dir);
        cmd
    }
}

impl Default for Home {
    fn default() -> Self {
        Home::new()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        if std::env::var_os("AWS_AS_KEEP_TEST_DIRS").is_some() {
            eprintln!("AWS_AS_KEEP_TEST_DIRS: keeping {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// PATH for test commands: the directory holding aws-as / aws-as-activate, then the caller's PATH.
pub fn test_path() -> std::ffi::OsString {
    let bin_dir = aws_as_bin()
        .parent()
        .expect("binary has a parent dir")
        .to_path_buf();
    let mut dirs = vec![bin_dir];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("join PATH")
}

// ---------------------------------------------------------------------------------------------
// Running processes
// ---------------------------------------------------------------------------------------------

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

pub fn stdout_str(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_str(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Reading what a terminal showed, and panic messages without secrets
// ---------------------------------------------------------------------------------------------

/// Removes CSI (`ESC [ … letter`), OSC (`ESC ] … BEL`) and two-character escape sequences.
pub fn strip_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('[') => {
                for c in it.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                for c in it.by_ref() {
                    if c == '\x07' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `text` with every run of 20 or more base64 characters masked, for panic messages: those runs
/// are what secret keys and session tokens look like, and what this test does not know yet (the
/// sessions are read back at the end) it cannot mask by value. Paths, ARNs and messages survive.
pub fn redact(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once('\n')) {
        if c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=') {
            run.push(c);
            continue;
        }
        if run.len() >= 20 {
            out.push_str(&format!("<{} chars redacted>", run.len()));
        } else {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}

// ---------------------------------------------------------------------------------------------
// The credentials server
// ---------------------------------------------------------------------------------------------

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().unwrap().port()
}

/// One HTTP answer, as read off the socket.
#[derive(Debug)]
pub struct Http {
    pub status: u16,
    /// Header lines, names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Http {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` (raw bytes) to `addr` and reads the answer to the end (`Connection: close`
/// belongs in the request). `None` when the server closed without answering.
pub fn http(addr: &str, request: &[u8]) -> Option<Http> {
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_http(&raw)
}

pub fn parse_http(raw: &[u8]) -> Option<Http> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Http {
        status,
        headers,
        body: body.to_string(),
    })
}

/// `aws-as serve` running in the background (SIGTERM on drop).
pub struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<u8>>>,
    /// What it printed on stdout (the export line).
    pub stdout: String,
    /// The management page's one-time login address it printed next (`aws-as serve`).
    pub login_url: Option<String>,
    /// Where its management token is (see [`Server::manage_token`]).
    pub token_file: PathBuf,
}

impl Home {
    /// `aws-as serve --listen 127.0.0.1:<free port> ARGS…` with this home's environment (plus
    /// `extra`), once it has printed its export line.
    pub fn serve(&self, args: &[&str]) -> Server {
        self.serve_with(args, &[])
    }

    pub fn serve_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Server {
        let port = free_port();
        let mut cmd = self.command(aws_as_bin());
        cmd.arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .args(args)
            .envs(extra.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut server = Server::start(cmd, port);
        let state = extra
            .iter()
            .find(|(k, _)| *k == "AWS_AS_STATE_DIR")
            .map(|(_, v)| PathBuf::from(v))
            .unwrap_or_else(|| self.path().join(".local/state/aws-as"));
        server.token_file = args
            .iter()
            .position(|a| *a == "--token-file")
            .map(|i| PathBuf::from(args[i + 1]))
            .map(|p| {
                if p.is_absolute() {
                    p
                } else {
                    self.path().join(p)
                }
            })
            .unwrap_or_else(|| state.join("manage-token"));
        server
    }
}

/// Everything `pipe` will yield, gathered by a thread of its own as it comes (a child's stderr,
/// read while the test talks to it).
fn collect(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
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

impl Server {
    pub fn start(mut cmd: Command, port: u16) -> Server {
        let mut child = cmd.spawn().expect("start aws-as serve");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let log = collect(stderr);
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // `aws-as serve` prints the page's one-time login address next.
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest);
        });
        let stdout = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        let login = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
        let login_url = login
            .trim_end()
            .rsplit_once(": ")
            .map(|(_, url)| url.to_string())
            .filter(|url| url.contains("/manage?code="));
        let mut server = Server {
            child,
            port,
            log,
            stdout,
            login_url,
            token_file: PathBuf::new(),
        };
        if server.stdout.is_empty() {
            let _ = server.child.kill();
            let _ = server.child.wait();
            thread::sleep(Duration::from_millis(100));
            panic!("aws-as serve did not start:\n{}", server.log());
        }
        server
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT/`, as the export line gives it.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// What it logged on stderr so far.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap()).into_owned()
    }

    /// Waits (up to 10 s) until the log holds `text`.
    pub fn wait_for_log(&self, text: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !self.log().contains(text) {
            assert!(
                std::time::Instant::now() < deadline,
                "{text}\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// One request in raw bytes.
    pub fn raw(&self, request: &[u8]) -> Option<Http> {
        http(&self.addr(), request)
    }

    /// `GET path` with the right Host and `headers`.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Http {
        self.request("GET", path, headers)
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Http {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr()
        );
        for (name, value) in headers {
            req.push_str(&format!("{name}: {value}\r\n"));
        }
        req.push_str("\r\n");
        self.raw(req.as_bytes())
            .unwrap_or_else(|| panic!("{method} {path}: no answer"))
    }

    /// The management API's bearer token: in `manage-token` of the state directory
    /// (`AWS_AS_STATE_DIR`, else `~/.local/state/aws-as` of the home it was started with).
    pub fn manage_token(&self) -> String {
        std::fs::read_to_string(&self.token_file).expect("the management token file")
    }

    /// `METHOD path` to the management API with the bearer token, a JSON body when given.
    pub fn manage(&self, method: &str, path: &str, body: Option<&str>) -> Http {
        let body = body.unwrap_or("");
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr(),
            self.manage_token(),
            body.len()
        );
        self.raw(req.as_bytes())
            .unwrap_or_else(|| panic!("{method} {path}: no answer"))
    }

    /// A fresh IMDSv2 session token.
    pub fn imds_token(&self) -> String {
        let answer = self.request(
            "PUT",
            "/latest/api/token",
            &[
                ("X-aws-ec2-metadata-token-ttl-seconds", "300"),
                ("Content-Length", "0"),
            ],
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    }

    /// Whether the process has exited, waiting up to `timeout`; its status then.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.signal("TERM");
            if self.wait_exit(Duration::from_secs(5)).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}
