//! The local IAM Identity Center: tests/support/sso.py on 127.0.0.1, the OIDC service
//! (sso-oidc) and the access portal (sso) on one port, minting role credentials through the
//! [`Sts`] it is started against (moto's AssumeRole). Moto implements neither service.
//!
//! Clients reach it through [`Sso::env`] (`AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL_SSO`);
//! Debian's AWS CLI v2 (2.9.19) predates those variables and reaches it through
//! [`Sso::cli_v2_data_path`] (AWS_DATA_PATH with endpoint rule sets naming the stand-in). The
//! test acts as the person who signs in: [`Sso::approve`] a device code, or let `/authorize`
//! answer a browser with its redirect. The calls it saw ([`SsoCall`]) never hold a token, only
//! its [`token_hash`].

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::process::start_helper;
use super::{Home, Sts, python, redact, repo_root};

const SSO_STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The start URL the stand-in accepts by default. Never resolved: all traffic goes to the
/// stand-in through the endpoint variables.
pub const SSO_START_URL: &str = "https://d-standin.awsapps.com/start";
/// The region the written profiles name for Identity Center (`sso_region`) and for themselves.
pub const SSO_REGION: &str = "eu-west-1";
/// The scope a sso-session registers (`sso_registration_scopes`); with it the client gets
/// refresh tokens.
pub const SSO_SCOPE: &str = "sso:account:access";
/// The default directory: the user's session name and the accounts and roles it holds.
pub const SSO_USER: &str = "standin-user";
pub const SSO_DEV_ACCOUNT: &str = "111111111111";
pub const SSO_PROD_ACCOUNT: &str = "222222222222";
/// Roles of the dev account; the prod account has only [`SSO_READ_ONLY`].
pub const SSO_ADMIN: &str = "AdministratorAccess";
pub const SSO_READ_ONLY: &str = "ReadOnlyAccess";
/// The access key id the stand-in's own AssumeRole calls are signed with (sts.py records them).
pub const SSO_STANDIN_KEY_ID: &str = "AKIASSOSTANDIN000001";
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub fn sso_script() -> PathBuf {
    repo_root().join("tests/support/sso.py")
}

/// How the stand-in logs a token: the first 16 hex digits of its SHA-256.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(token.as_bytes()))[..16].to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `~/.aws/sso/cache/<sha1 of key>.json`: the token cache file of a sso-session (key = the
/// session's name) or of a legacy profile (key = its start URL).
pub fn sso_cache_file(home: &Home, key: &str) -> PathBuf {
    use sha1::{Digest, Sha1};
    home.path()
        .join(".aws/sso/cache")
        .join(format!("{}.json", hex(&Sha1::digest(key.as_bytes()))))
}

/// One request to the stand-in's services, as it recorded it. Fields an operation does not
/// have are `None`. No token, secret, code or verifier: hashes ([`token_hash`]) only.
#[allow(dead_code)] // the whole record as sso.py sends it: each test reads what it needs
#[derive(Clone, Debug, serde::Deserialize)]
pub struct SsoCall {
    /// RegisterClient, StartDeviceAuthorization, CreateToken, Authorize (the browser's
    /// /authorize), VerifyDevice (the person's /device), GetRoleCredentials, ListAccounts,
    /// ListAccountRoles, Logout; Unknown for another path.
    pub operation: String,
    pub method: String,
    pub path: String,
    /// Seconds since the epoch the request arrived at.
    pub time: f64,
    /// The HTTP status answered (0: the connection was closed, the `down: close` fault).
    pub status: Option<u16>,
    /// The error type answered (`InvalidGrantException`), or for Authorize the `error` of the
    /// redirect or the page (`access_denied`, `invalid_client`, `invalid_redirect_uri`).
    pub error: Option<String>,
    pub user_agent: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_name: Option<String>,
    #[serde(default)]
    pub client_type: Option<String>,
    /// RegisterClient's scopes (a list); Authorize's `scopes` parameter (a string).
    #[serde(default)]
    pub scopes: Option<Value>,
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    #[serde(default)]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(default)]
    pub issuer_url: Option<String>,
    #[serde(default)]
    pub start_url: Option<String>,
    #[serde(default)]
    pub grant_type: Option<String>,
    #[serde(default)]
    pub user_code: Option<String>,
    /// CreateToken (authorization_code) and Authorize: the redirect URI given.
    #[serde(default)]
    pub redirect_uri: Option<String>,
    #[serde(default)]
    pub state_present: Option<bool>,
    #[serde(default)]
    pub code_challenge_method: Option<String>,
    /// CreateToken (authorization_code): whether a PKCE verifier was checked, and whether it
    /// matched the challenge.
    #[serde(default)]
    pub pkce_checked: Option<bool>,
    #[serde(default)]
    pub pkce_ok: Option<bool>,
    #[serde(default)]
    pub device_code_hash: Option<String>,
    #[serde(default)]
    pub code_hash: Option<String>,
    /// CreateToken: the tokens issued; the portal: the bearer token used.
    #[serde(default)]
    pub access_token_hash: Option<String>,
    #[serde(default)]
    pub refresh_token_hash: Option<String>,
    /// CreateToken (refresh_token): the refresh token presented.
    #[serde(default)]
    pub refresh_token_used_hash: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub role_name: Option<String>,
    /// GetRoleCredentials: the access key id of the role credentials answered.
    #[serde(default)]
    pub access_key_id: Option<String>,
    #[serde(default)]
    pub max_result: Option<String>,
    #[serde(default)]
    pub next_token: Option<String>,
    /// ListAccounts, ListAccountRoles: how many items the page held.
    #[serde(default)]
    pub returned: Option<usize>,
}

/// An account of the stand-in's directory.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SsoAccount {
    #[serde(rename = "accountId")]
    pub account_id: String,
    #[serde(rename = "accountName")]
    pub account_name: String,
    #[serde(rename = "emailAddress")]
    pub email_address: String,
    pub roles: Vec<String>,
}

impl SsoAccount {
    pub fn new(account_id: &str, account_name: &str, roles: &[&str]) -> SsoAccount {
        SsoAccount {
            account_id: account_id.to_string(),
            account_name: account_name.to_string(),
            email_address: format!("aws+{account_id}@example.com"),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }
}

#[derive(Clone, Debug, serde::Deserialize)]
pub struct SsoDirectory {
    pub user: String,
    pub accounts: Vec<SsoAccount>,
}

/// Settings to change ([`Sso::settings`]); `None` leaves one as it is. Lifetimes in seconds.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SsoSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token_lifetime: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token_lifetime: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_lifetime: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_code_lifetime: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_code_lifetime: Option<f64>,
    /// DurationSeconds of the stand-in's AssumeRole (the role credentials' lifetime).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_session_lifetime: Option<u32>,
    /// The device code polling interval the service gives (default 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<u32>,
    /// What a slow_down adds to the interval the stand-in requires (default 5, as RFC 8628).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slow_down_increment: Option<f64>,
    /// How many polls of a device code sooner than the interval are let through before
    /// slow_down (default 1: botocore's fetcher polls twice back to back at the start; 0:
    /// strict).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub early_polls_allowed: Option<u32>,
    /// `Some(Some(n))`: each device code is approved after n polls answered pending;
    /// `Some(None)`: only a person approves (the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_approve_after: Option<Option<u32>>,
    /// The page size of ListAccounts/ListAccountRoles without max_result (default 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// The start URLs StartDeviceAuthorization accepts (default [`SSO_START_URL`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_urls: Option<Vec<String>>,
}

/// How the service is down (the `down` fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SsoDown {
    /// 503 Service Unavailable, text body.
    Unavailable,
    /// The connection closed with no answer.
    Close,
}

/// Faults ([`Sso::set_faults`]); the default is none.
#[derive(Clone, Debug, Default)]
pub struct SsoFaults {
    pub down: Option<SsoDown>,
    /// Seconds every affected request waits before it is answered.
    pub delay: Option<f64>,
    /// The operations `down`, `delay`, `throttle` and `not_found` affect (names as in
    /// [`SsoCall::operation`]); empty: all.
    pub operations: Vec<String>,
    /// Portal: 429 TooManyRequestsException; OIDC: SlowDownException.
    pub throttle: bool,
    /// Portal: 404 ResourceNotFoundException.
    pub not_found: bool,
    /// Every portal request: 401 UnauthorizedException.
    pub unauthorized: bool,
    /// /authorize redirects with error=access_denied.
    pub deny_authorize: bool,
    /// /device denies: the next poll gets AccessDeniedException.
    pub deny_device: bool,
    /// The first poll of each device code gets SlowDownException (and the interval grows).
    pub slow_down_first: bool,
}

impl SsoFaults {
    fn to_json(&self) -> Value {
        let mut faults = serde_json::Map::new();
        match self.down {
            Some(SsoDown::Unavailable) => {
                faults.insert("down".into(), json!("503"));
            }
            Some(SsoDown::Close) => {
                faults.insert("down".into(), json!("close"));
            }
            None => {}
        }
        if let Some(delay) = self.delay {
            faults.insert("delay".into(), json!(delay));
        }
        if !self.operations.is_empty() {
            faults.insert("operations".into(), json!(self.operations));
        }
        for (key, on) in [
            ("throttle", self.throttle),
            ("not_found", self.not_found),
            ("unauthorized", self.unauthorized),
            ("deny_authorize", self.deny_authorize),
            ("deny_device", self.deny_device),
            ("slow_down_first", self.slow_down_first),
        ] {
            if on {
                faults.insert(key.into(), json!(true));
            }
        }
        Value::Object(faults)
    }
}

/// A device authorization the stand-in holds.
#[allow(dead_code)] // as sso.py sends it
#[derive(Clone, Debug, serde::Deserialize)]
pub struct SsoDevice {
    pub user_code: String,
    pub client_id: String,
    /// pending, approved, denied or issued (its tokens were taken).
    pub status: String,
    pub polls: u32,
    pub expired: bool,
}

/// What the stand-in knows of a token ([`Sso::token_status`]).
#[allow(dead_code)] // as sso.py sends it
#[derive(Clone, Debug, serde::Deserialize)]
pub struct SsoTokenStatus {
    pub known: bool,
    /// Known, not revoked and not expired.
    pub valid: bool,
    #[serde(default)]
    pub revoked: Option<bool>,
    #[serde(default)]
    pub expired: Option<bool>,
    /// Seconds since the epoch.
    #[serde(default)]
    pub expires_at: Option<f64>,
    #[serde(default)]
    pub client_id: Option<String>,
}

/// Counts of what the stand-in holds.
#[allow(dead_code)] // as sso.py sends it
#[derive(Clone, Debug, serde::Deserialize)]
pub struct SsoState {
    pub registrations: usize,
    /// Live (not revoked, not expired) access and refresh tokens.
    pub access_tokens: usize,
    pub refresh_tokens: usize,
    pub device_authorizations: usize,
}

/// tests/support/sso.py running on 127.0.0.1; killed on drop (and it exits by itself when this
/// test process dies: it watches its stdin).
pub struct Sso {
    child: Child,
    _stdin: ChildStdin,
    port: u16,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Sso {
    /// The stand-in with the default directory (see [`SSO_DEV_ACCOUNT`]), minting role
    /// credentials through `sts` (which must be in moto mode).
    pub fn start(sts: &Sts) -> Sso {
        Sso::start_with(sts, &[])
    }

    /// With sso.py's flags: `--interval S`, `--auto-approve N`, `--accounts N`,
    /// `--start-url URL` (repeatable).
    pub fn start_with(sts: &Sts, args: &[&str]) -> Sso {
        let mut cmd = Command::new(python());
        cmd.arg(sso_script())
            .arg("--sts")
            .arg(sts.endpoint())
            .args(args);
        let helper = start_helper(cmd, "tests/support/sso.py", SSO_STARTUP_TIMEOUT);
        Sso {
            child: helper.child,
            _stdin: helper.stdin,
            port: helper.port,
            stderr: helper.stderr,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`: both services' endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `<endpoint>/authorize`, what a PKCE client derives from the OIDC endpoint.
    pub fn authorize_url(&self) -> String {
        format!("{}/authorize", self.endpoint())
    }

    /// The person's page for a device code (verificationUriComplete).
    pub fn verification_url(&self, user_code: &str) -> String {
        format!("{}/device?user_code={user_code}", self.endpoint())
    }

    /// The endpoint variables that send a client's sso-oidc and sso traffic here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL_SSO_OIDC", self.endpoint()),
            ("AWS_ENDPOINT_URL_SSO", self.endpoint()),
        ]
    }

    /// `home.command(program)` with [`Sso::env`] too.
    pub fn command(&self, home: &Home, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = home.command(program);
        cmd.envs(self.env());
        cmd
    }

    /// For Debian's AWS CLI v2 (2.9.19), which predates the endpoint variables: writes, under
    /// `dir`, endpoint rule sets for sso-oidc and sso that name the stand-in, and returns the
    /// directory to give it as AWS_DATA_PATH (botocore searches it before its own data).
    pub fn cli_v2_data_path(&self, dir: &Path) -> PathBuf {
        let root = dir.join("aws-data-path");
        let rules = json!({
            "version": "1.0",
            "parameters": {
                "Region": {"builtIn": "AWS::Region", "required": false, "type": "String"},
                "UseDualStack": {"builtIn": "AWS::UseDualStack", "required": true,
                                 "default": false, "type": "Boolean"},
                "UseFIPS": {"builtIn": "AWS::UseFIPS", "required": true, "default": false,
                            "type": "Boolean"},
                "Endpoint": {"builtIn": "SDK::Endpoint", "required": false, "type": "String"}
            },
            "rules": [{"conditions": [], "type": "endpoint",
                       "endpoint": {"url": self.endpoint(), "properties": {}, "headers": {}}}]
        });
        for service in ["sso-oidc", "sso"] {
            let version = root.join(service).join("2019-06-10");
            std::fs::create_dir_all(&version).expect("create the AWS_DATA_PATH directory");
            std::fs::write(
                version.join("endpoint-rule-set-1.json"),
                serde_json::to_string_pretty(&rules).unwrap(),
            )
            .expect("write an endpoint rule set");
        }
        root
    }

    /// What the server wrote to stderr so far (tracebacks; never a token).
    pub fn stderr_output(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Every request to the services so far, in arrival order.
    pub fn calls(&self) -> Vec<SsoCall> {
        let body = self.control("GET", "/__sso/calls", None);
        serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("bad /__sso/calls JSON ({e}): {}", redact(&body)))
    }

    /// The recorded calls of this operation.
    pub fn calls_of(&self, operation: &str) -> Vec<SsoCall> {
        self.calls()
            .into_iter()
            .filter(|c| c.operation == operation)
            .collect()
    }

    pub fn count(&self, operation: &str) -> usize {
        self.calls_of(operation).len()
    }

    /// Forget the recorded calls.
    pub fn reset(&self) {
        self.control("POST", "/__sso/reset", None);
    }

    pub fn directory(&self) -> SsoDirectory {
        let body = self.control("GET", "/__sso/directory", None);
        serde_json::from_str(&body).expect("directory JSON")
    }

    /// Replaces the directory.
    pub fn set_directory(&self, accounts: &[SsoAccount]) {
        self.control(
            "POST",
            "/__sso/directory",
            Some(&json!({ "accounts": accounts })),
        );
    }

    /// The session name the role credentials carry (`assumed-role/ROLE/USER`).
    pub fn set_user(&self, user: &str) {
        let accounts = self.directory().accounts;
        self.control(
            "POST",
            "/__sso/directory",
            Some(&json!({ "accounts": accounts, "user": user })),
        );
    }

    /// `count` accounts (ids 100000000000 + i, names `account-NNN`) with `roles`; with
    /// `hostile`, every third name is one a shell must not run (metacharacters, quotes, line
    /// breaks, escapes, unicode, an empty name). Returns them.
    pub fn generate_accounts(
        &self,
        count: usize,
        roles: &[&str],
        hostile: bool,
    ) -> Vec<SsoAccount> {
        let body = self.control(
            "POST",
            "/__sso/generate",
            Some(&json!({ "count": count, "roles": roles, "hostile": hostile })),
        );
        serde_json::from_str::<SsoDirectory>(&body)
            .expect("directory JSON")
            .accounts
    }

    pub fn settings(&self, settings: &SsoSettings) {
        self.control(
            "POST",
            "/__sso/settings",
            Some(&serde_json::to_value(settings).unwrap()),
        );
    }

    /// Replaces the faults (`SsoFaults::default()` clears them).
    pub fn set_faults(&self, faults: &SsoFaults) {
        self.control("POST", "/__sso/faults", Some(&faults.to_json()));
    }

    pub fn clear_faults(&self) {
        self.set_faults(&SsoFaults::default());
    }

    /// The person approves the device code `user_code` (panics if unknown or expired).
    pub fn approve(&self, user_code: &str) {
        self.control(
            "POST",
            &format!("/__sso/approve?user_code={user_code}"),
            None,
        );
    }

    /// The person denies it: the next poll gets AccessDeniedException.
    pub fn deny(&self, user_code: &str) {
        self.control("POST", &format!("/__sso/deny?user_code={user_code}"), None);
    }

    pub fn devices(&self) -> Vec<SsoDevice> {
        let body = self.control("GET", "/__sso/device", None);
        serde_json::from_str(&body).expect("device JSON")
    }

    /// Waits (up to `limit`) for a device authorization and approves it, as the person does
    /// once the client showed the code; returns its user code.
    pub fn approve_next_device(&self, limit: Duration) -> String {
        let mut code = None;
        super::wait_for("a device authorization", limit, || {
            code = self
                .devices()
                .into_iter()
                .find(|d| d.status == "pending")
                .map(|d| d.user_code);
            code.is_some()
        });
        let code = code.unwrap();
        self.approve(&code);
        code
    }

    /// Every access and refresh token issued so far is revoked.
    pub fn revoke_all(&self) {
        self.control("POST", "/__sso/revoke", None);
    }

    /// Every access token issued so far is expired (refresh tokens stay valid).
    pub fn expire_access_tokens(&self) {
        self.control("POST", "/__sso/expire", None);
    }

    pub fn token_status(&self, access_token: &str) -> SsoTokenStatus {
        let body = self.control(
            "POST",
            "/__sso/token",
            Some(&json!({ "access_token": access_token })),
        );
        serde_json::from_str(&body).expect("token JSON")
    }

    pub fn refresh_token_status(&self, refresh_token: &str) -> SsoTokenStatus {
        let body = self.control(
            "POST",
            "/__sso/token",
            Some(&json!({ "refresh_token": refresh_token })),
        );
        serde_json::from_str(&body).expect("token JSON")
    }

    pub fn state(&self) -> SsoState {
        let body = self.control("GET", "/__sso/state", None);
        serde_json::from_str(&body).expect("state JSON")
    }

    /// A request to a control endpoint; returns the body of its 200 answer.
    fn control(&self, method: &str, path: &str, body: Option<&Value>) -> String {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))
            .unwrap_or_else(|e| panic!("connect to sso.py on port {}: {e}", self.port));
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .expect("write HTTP request");
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .unwrap_or_else(|e| panic!("{method} {path}: reading response: {e}"));
        let response = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = response
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("{method} {path}: malformed HTTP response"));
        let status = head.lines().next().unwrap_or("");
        if status.split_whitespace().nth(1) != Some("200") {
            panic!("{method} {path}: {status}\n{}", redact(body));
        }
        body.to_string()
    }
}

impl Drop for Sso {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A profile of an Identity Center account and role.
#[derive(Clone, Copy, Debug)]
pub struct SsoProfile<'a> {
    pub name: &'a str,
    pub account_id: &'a str,
    pub role_name: &'a str,
}

/// `~/.aws/config` text as `aws configure sso` writes it: `[sso-session SESSION]` (start URL
/// [`SSO_START_URL`], region [`SSO_REGION`], scope [`SSO_SCOPE`]) and a profile per entry
/// naming it.
pub fn sso_session_config(session: &str, profiles: &[SsoProfile]) -> String {
    let mut text = format!(
        "[sso-session {session}]\nsso_start_url = {SSO_START_URL}\nsso_region = {SSO_REGION}\n\
         sso_registration_scopes = {SSO_SCOPE}\n"
    );
    for p in profiles {
        let _ = write!(
            text,
            "\n[profile {}]\nsso_session = {session}\nsso_account_id = {}\nsso_role_name = {}\n\
             region = {SSO_REGION}\n",
            p.name, p.account_id, p.role_name
        );
    }
    text
}

/// `~/.aws/config` text of legacy SSO profiles: `sso_start_url` and `sso_region` in each
/// profile, no sso-session (no refresh token: the client registers without scopes).
pub fn legacy_sso_config(profiles: &[SsoProfile]) -> String {
    let mut text = String::new();
    for p in profiles {
        let _ = write!(
            text,
            "[profile {}]\nsso_start_url = {SSO_START_URL}\nsso_region = {SSO_REGION}\n\
             sso_account_id = {}\nsso_role_name = {}\nregion = {SSO_REGION}\n\n",
            p.name, p.account_id, p.role_name
        );
    }
    text
}

/// Writes `home`'s `~/.aws/config` with the sso-session `session` and its `profiles`, then the
/// `legacy` profiles.
pub fn write_sso_config(
    home: &Home,
    session: &str,
    profiles: &[SsoProfile],
    legacy: &[SsoProfile],
) {
    let mut text = sso_session_config(session, profiles);
    if !legacy.is_empty() {
        text.push('\n');
        text.push_str(&legacy_sso_config(legacy));
    }
    home.config(&text);
}
