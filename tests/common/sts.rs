//! The local STS: tests/support/sts.py on 127.0.0.1, in moto mode (with delays, short session
//! lifetimes, faults switched on and off) or in a fault mode, with what it was asked
//! (`Call`, `FederationCall`; their `Debug` never shows a token), and an address where nothing
//! listens.

use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command};
use std::time::Duration;

use super::process::start_helper;
use super::{python, redact, repo_root};

/// How long `Sts` startup may take (importing moto is slow on a cold machine).
const STS_STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

pub fn sts_script() -> PathBuf {
    repo_root().join("tests/support/sts.py")
}

/// One STS request as recorded by tests/support/sts.py.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Call {
    /// The query-protocol Action ("GetSessionToken", "AssumeRole", ...); "" if none was sent.
    #[serde(deserialize_with = "null_as_empty")]
    pub action: String,
    /// From the SigV4 Authorization header's Credential=.
    pub access_key_id: Option<String>,
    /// The region the request was signed for (the Credential= scope).
    pub region: Option<String>,
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
    /// AssumeRole's session tags (key, value), in the order sent.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    #[serde(default)]
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
    /// The SHA-256 (hex) of AssumeRoleWithWebIdentity's token.
    pub web_identity_token_sha256: Option<String>,
    /// Whether the request was signed (AssumeRoleWithWebIdentity is not).
    #[serde(default)]
    pub signed: bool,
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
            .field("tags", &self.tags)
            .field("transitive_tag_keys", &self.transitive_tag_keys)
            .field("source_identity", &self.source_identity)
            .field("web_identity_token_sha256", &self.web_identity_token_sha256)
            .field("signed", &self.signed)
            .finish()
    }
}

/// tests/support/sts.py running on 127.0.0.1; killed on drop. It also exits by itself when
/// this test process dies (it watches its stdin for EOF).
pub struct Sts {
    child: Child,
    _stdin: ChildStdin,
    port: u16,
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

    /// moto, but every answer's `Date` header is `seconds` off (a server whose clock is wrong).
    pub fn moto_with_date_offset(seconds: i64) -> Sts {
        Sts::start(&["moto", "--date-offset", &seconds.to_string()])
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
        let mut cmd = Command::new(python());
        cmd.arg(sts_script()).args(args);
        let what = format!("tests/support/sts.py {}", args.join(" "));
        let helper = start_helper(cmd, &what, STS_STARTUP_TIMEOUT);
        Sts {
            child: helper.child,
            _stdin: helper.stdin,
            port: helper.port,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
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
