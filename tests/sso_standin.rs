//! The IAM Identity Center stand-in (tests/support/sso.py) against real clients: what the rest of
//! issue 20 is tested against must speak what boto3 and the AWS CLI v2 speak.
//!
//! Checked against the service models botocore 1.44.18 ships (sso-oidc 2019-06-10 and sso
//! 2019-06-10, in the venv): operations, methods, paths, shapes, statuses and error types.
//! Errors reach clients through the `x-amzn-ErrorType` header, which botocore's RestJSONParser
//! and the Rust SDK's generated `parse_error_metadata` (aws-sdk-ssooidc 1.121.0) both read
//! before the body.
//!
//! - boto3 (venv): the device code flow, PKCE (authorization code, with a urllib "browser"
//!   following /authorize's redirect to a loopback callback), refresh-token rotation,
//!   GetRoleCredentials checked at moto's GetCallerIdentity, ListAccounts/ListAccountRoles
//!   through botocore's paginators over hostile account names, Logout, and every documented
//!   error as botocore parses it.
//! - Debian's AWS CLI v2 (2.9.19, /usr/bin/aws): `aws sso login --no-browser` for an sso-session
//!   and a legacy profile, the test approving the code the CLI printed; then
//!   `aws sts get-caller-identity` and boto3's own SSO provider with the token the CLI wrote to
//!   ~/.aws/sso/cache; and the CLI honouring a slow_down. 2.9.19 predates the endpoint
//!   variables, so it reaches the stand-in through AWS_DATA_PATH endpoint rule sets
//!   (`Sso::cli_v2_data_path`). It also predates `--use-device-code` and the PKCE flow (AWS CLI
//!   2.22): the CLI's own PKCE flow (a fake BROWSER following the redirect to its callback) is
//!   not tested here; the PKCE test drives the same requests with botocore's sso-oidc client.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

/// What every script below starts with: botocore's sso-oidc and sso clients (unsigned, as the
/// SDKs send these operations; one attempt, so an error is the stand-in's answer and not a
/// retry's), and `error_of`, an error as botocore parsed it.
const PRELUDE: &str = r#"
import base64, hashlib, json, os, secrets, sys, threading, time
import http.server, urllib.error, urllib.parse, urllib.request
import boto3, botocore.exceptions
from botocore import UNSIGNED
from botocore.config import Config

CFG = Config(signature_version=UNSIGNED, retries={"max_attempts": 1, "mode": "standard"})
session = boto3.Session(region_name="eu-west-1")
oidc = session.client("sso-oidc", config=CFG)
portal = session.client("sso", config=CFG)
ENDPOINT = os.environ["AWS_ENDPOINT_URL_SSO_OIDC"]
START = os.environ["START_URL"]
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
out = {}

def h(token):
    return hashlib.sha256(token.encode()).hexdigest()[:16]

def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return {"class": type(e).__name__, "code": e.response["Error"]["Code"],
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                "error": e.response.get("error"), "message": e.response["Error"].get("Message")}
    except botocore.exceptions.BotoCoreError as e:
        return {"class": type(e).__name__}
    return None

def control(path, body=None):
    data = json.dumps(body or {}).encode()
    with urllib.request.urlopen(urllib.request.Request(ENDPOINT + "/__sso/" + path, data=data)) as r:
        return json.loads(r.read() or b"{}")
"#;

/// A Python script (after [`PRELUDE`]) run with the stand-in's endpoints; its last stdout line
/// is the JSON it printed. Stdout is never shown: it may hold what a token looks like.
fn boto3(sso: &Sso, home: &Home, script: &str) -> Value {
    let out = run_with_timeout(
        sso.command(home, python())
            .env("START_URL", SSO_START_URL)
            .args(["-c", &format!("{PRELUDE}\n{script}")]),
        Duration::from_secs(90),
    );
    assert!(
        out.status.success(),
        "the boto3 script failed ({}): {}",
        out.status,
        redact(&stderr_str(&out))
    );
    let stdout = stdout_str(&out);
    let line = stdout.lines().last().unwrap_or("");
    serde_json::from_str(line).unwrap_or_else(|e| panic!("the script printed no JSON ({e})"))
}

/// An error as botocore parsed it: (exception class, code, HTTP status, the body's `error`).
fn parsed(v: &Value) -> (String, String, u64, Option<String>) {
    assert!(!v.is_null(), "expected an error, the call succeeded");
    (
        v["class"].as_str().unwrap_or("").to_string(),
        v["code"].as_str().unwrap_or("").to_string(),
        v["status"].as_u64().unwrap_or(0),
        v["error"].as_str().map(str::to_string),
    )
}

/// A modeled OIDC error: botocore raises the exception class of that name, with the body's
/// `error`.
fn assert_oidc_error(v: &Value, error_type: &str, status: u64, error: &str) {
    assert_eq!(
        parsed(v),
        (
            error_type.to_string(),
            error_type.to_string(),
            status,
            Some(error.to_string())
        ),
        "{v}"
    );
}

/// A portal error: botocore raises `class` (the modeled exception, or ClientError for the
/// unmodeled ForbiddenException) with `code`.
fn assert_portal_error(v: &Value, class: &str, code: &str, status: u64) {
    assert_eq!(
        parsed(v),
        (class.to_string(), code.to_string(), status, None),
        "{v}"
    );
}

fn stand_in() -> (Sts, Sso, Home) {
    let sts = Sts::moto();
    let sso = Sso::start(&sts);
    let home = Home::new();
    home.with_sts(&sts);
    (sts, sso, home)
}

#[test]
fn boto3_device_code_flow_role_credentials_paginated_directory_and_logout() {
    let (sts, sso, home) = stand_in();
    let accounts = sso.generate_accounts(23, &[SSO_ADMIN, SSO_READ_ONLY, "Billing"], true);
    // Account 1 has a hostile name: `$(touch /tmp/pwned-by-sso)`.
    let account = &accounts[1];
    assert!(account.account_name.contains("$("), "{account:?}");
    let v = boto3(
        &sso,
        &home,
        &format!(
            r#"
ACCOUNT = "{account_id}"
reg = oidc.register_client(clientName="standin-test", clientType="public",
                           scopes=["sso:account:access"])
out["registration"] = {{"expires_in": reg["clientSecretExpiresAt"] - reg["clientIdIssuedAt"]}}
auth = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                       startUrl=START)
out["auth"] = {{k: auth[k] for k in ("userCode", "verificationUri", "verificationUriComplete",
                                    "expiresIn", "interval")}}
poll = lambda: oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                 grantType=DEVICE, deviceCode=auth["deviceCode"])
out["first_poll"] = error_of(poll)
with urllib.request.urlopen(auth["verificationUriComplete"]) as page:  # the person approves
    out["verify_status"] = page.status
time.sleep(auth["interval"])
tok = poll()
at = tok["accessToken"]
out["token"] = {{"hash": h(at), "type": tok["tokenType"], "expires_in": tok["expiresIn"],
                "refresh": "refreshToken" in tok}}
time.sleep(auth["interval"])
out["second_use"] = error_of(poll)

creds = portal.get_role_credentials(roleName="AdministratorAccess", accountId=ACCOUNT,
                                    accessToken=at)["roleCredentials"]
out["expiration_ms"] = creds["expiration"]
out["now"] = time.time()
out["key_prefix"] = creds["accessKeyId"][:4]
sts = boto3.Session(region_name="us-east-1", aws_access_key_id=creds["accessKeyId"],
                    aws_secret_access_key=creds["secretAccessKey"],
                    aws_session_token=creds["sessionToken"]).client("sts")
out["arn"] = sts.get_caller_identity()["Arn"]
out["not_assigned"] = error_of(lambda: portal.get_role_credentials(
    roleName="NotARole", accountId=ACCOUNT, accessToken=at))
out["no_account"] = error_of(lambda: portal.get_role_credentials(
    roleName="AdministratorAccess", accountId="999999999999", accessToken=at))
out["bad_next_token"] = error_of(lambda: portal.list_accounts(accessToken=at, nextToken="%%%"))

pages = list(portal.get_paginator("list_accounts").paginate(
    accessToken=at, PaginationConfig={{"PageSize": 7}}))
out["pages"] = [len(p["accountList"]) for p in pages]
out["accounts"] = [a for p in pages for a in p["accountList"]]
out["default_page"] = len(portal.list_accounts(accessToken=at)["accountList"])
role_pages = list(portal.get_paginator("list_account_roles").paginate(
    accessToken=at, accountId=ACCOUNT, PaginationConfig={{"PageSize": 2}}))
out["role_pages"] = [[r["roleName"] for r in p["roleList"]] for p in role_pages]
out["role_accounts"] = sorted({{r["accountId"] for p in role_pages for r in p["roleList"]}})

with urllib.request.urlopen(ENDPOINT + "/__sso/calls") as r:
    out["token_in_calls"] = at in r.read().decode()
portal.logout(accessToken=at)
out["after_logout"] = error_of(lambda: portal.list_accounts(accessToken=at))
out["refresh_after_logout"] = error_of(lambda: oidc.create_token(
    clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="refresh_token",
    refreshToken=tok["refreshToken"]))
out["no_token"] = error_of(lambda: portal.list_accounts(accessToken=""))
print(json.dumps(out))
"#,
            account_id = account.account_id
        ),
    );

    // Registration: 90 days, as AWS gives.
    assert_eq!(v["registration"]["expires_in"], 90 * 86400);
    let port = sso.port();
    let code = v["auth"]["userCode"].as_str().unwrap();
    assert!(
        code.len() == 9 && code.as_bytes()[4] == b'-',
        "user code {code:?}"
    );
    assert_eq!(
        v["auth"]["verificationUri"],
        format!("http://127.0.0.1:{port}/device")
    );
    assert_eq!(
        v["auth"]["verificationUriComplete"],
        format!("http://127.0.0.1:{port}/device?user_code={code}")
    );
    assert_eq!(v["auth"]["interval"], 1);
    assert_eq!(v["auth"]["expiresIn"], 600);
    assert_oidc_error(
        &v["first_poll"],
        "AuthorizationPendingException",
        400,
        "authorization_pending",
    );
    assert_eq!(v["verify_status"], 200);
    assert_eq!(v["token"]["type"], "Bearer");
    assert_eq!(v["token"]["expires_in"], 3600);
    assert_eq!(v["token"]["refresh"], true, "a client with scopes gets one");
    assert_oidc_error(
        &v["second_use"],
        "InvalidGrantException",
        400,
        "invalid_grant",
    );

    // Role credentials from moto's AssumeRole: the account and role asked, expiration in ms.
    assert_eq!(
        v["arn"],
        format!(
            "arn:aws:sts::{}:assumed-role/{SSO_ADMIN}/{SSO_USER}",
            account.account_id
        )
    );
    assert_eq!(v["key_prefix"], "ASIA");
    let expiration_ms = v["expiration_ms"].as_f64().unwrap();
    let now = v["now"].as_f64().unwrap();
    let left = expiration_ms / 1000.0 - now;
    assert!(
        (3500.0..=3700.0).contains(&left),
        "expiration {expiration_ms} is not epoch milliseconds an hour ahead of {now}"
    );
    let assumed = sts.calls_of("AssumeRole");
    assert_eq!(assumed.len(), 1, "{assumed:?}");
    assert_eq!(
        assumed[0].access_key_id.as_deref(),
        Some(SSO_STANDIN_KEY_ID)
    );
    assert_eq!(
        assumed[0].role_arn.as_deref(),
        Some(format!("arn:aws:iam::{}:role/{SSO_ADMIN}", account.account_id).as_str())
    );
    assert_eq!(assumed[0].role_session_name.as_deref(), Some(SSO_USER));

    // AWS answers a role not assigned with ForbiddenException, which the model does not list.
    assert_portal_error(&v["not_assigned"], "ClientError", "ForbiddenException", 403);
    assert_portal_error(&v["no_account"], "ClientError", "ForbiddenException", 403);
    assert_portal_error(
        &v["bad_next_token"],
        "InvalidRequestException",
        "InvalidRequestException",
        400,
    );

    // botocore's paginator walks every page; the names come back byte for byte.
    assert_eq!(v["pages"], serde_json::json!([7, 7, 7, 2]));
    assert_eq!(v["default_page"], 20);
    let listed: Vec<(String, String, String)> = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["accountId"].as_str().unwrap().to_string(),
                a["accountName"].as_str().unwrap().to_string(),
                a["emailAddress"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = accounts
        .iter()
        .map(|a| {
            (
                a.account_id.clone(),
                a.account_name.clone(),
                a.email_address.clone(),
            )
        })
        .collect();
    assert_eq!(listed, expected);
    assert!(
        listed.iter().any(|a| a.1.contains('\n')) && listed.iter().any(|a| a.1.contains('\u{1b}')),
        "the hostile names include a line break and an escape"
    );
    assert_eq!(
        v["role_pages"],
        serde_json::json!([[SSO_ADMIN, SSO_READ_ONLY], ["Billing"]])
    );
    assert_eq!(v["role_accounts"], serde_json::json!([account.account_id]));

    // Logout revokes the access token and its refresh token.
    assert_portal_error(
        &v["after_logout"],
        "UnauthorizedException",
        "UnauthorizedException",
        401,
    );
    assert_oidc_error(
        &v["refresh_after_logout"],
        "InvalidGrantException",
        400,
        "invalid_grant",
    );
    assert_portal_error(
        &v["no_token"],
        "UnauthorizedException",
        "UnauthorizedException",
        401,
    );

    // The log: the token's hash only, and the calls asked for.
    assert_eq!(v["token_in_calls"], false);
    let hash = v["token"]["hash"].as_str().unwrap();
    let calls = sso.calls();
    let created: Vec<_> = calls
        .iter()
        .filter(|c| c.operation == "CreateToken")
        .collect();
    let grants: Vec<_> = created
        .iter()
        .map(|c| (c.grant_type.as_deref(), c.status))
        .collect();
    assert_eq!(
        grants,
        [
            (Some(DEVICE_CODE_GRANT), Some(400)),
            (Some(DEVICE_CODE_GRANT), Some(200)),
            (Some(DEVICE_CODE_GRANT), Some(400)),
            (Some("refresh_token"), Some(400)),
        ]
    );
    assert_eq!(created[1].access_token_hash.as_deref(), Some(hash));
    let role_calls = sso.calls_of("GetRoleCredentials");
    assert_eq!(role_calls[0].access_token_hash.as_deref(), Some(hash));
    assert_eq!(
        role_calls[0].account_id.as_deref(),
        Some(account.account_id.as_str())
    );
    assert_eq!(role_calls[0].role_name.as_deref(), Some(SSO_ADMIN));
    assert_eq!(role_calls[0].status, Some(200));
    let logout = sso.calls_of("Logout");
    assert_eq!(logout.len(), 1);
    assert_eq!(logout[0].access_token_hash.as_deref(), Some(hash));
    assert_eq!(sso.state().access_tokens, 0);
    assert_eq!(sso.stderr_output(), "", "the stand-in wrote to stderr");
}

#[test]
fn boto3_pkce_authorization_code_flow_verifier_redirect_replay_and_refresh() {
    let (_sts, sso, home) = stand_in();
    let v = boto3(
        &sso,
        &home,
        r#"
got = []

class Callback(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        parts = urllib.parse.urlsplit(self.path)
        got.append({"path": parts.path,
                    **{k: v[-1] for k, v in urllib.parse.parse_qs(parts.query).items()}})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"signed in")

    def log_message(self, *args):
        pass

listener = http.server.HTTPServer(("127.0.0.1", 0), Callback)
threading.Thread(target=listener.serve_forever, daemon=True).start()
REDIRECT = f"http://127.0.0.1:{listener.server_port}/oauth/callback"

reg = oidc.register_client(clientName="botocore-client-standin", clientType="public",
                           scopes=["sso:account:access"],
                           grantTypes=["authorization_code", "refresh_token"],
                           redirectUris=["http://127.0.0.1/oauth/callback"], issuerUrl=START)
out["endpoints"] = [reg.get("authorizationEndpoint"), reg.get("tokenEndpoint")]
verifier = secrets.token_urlsafe(64)
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()

def authorize(state, redirect=REDIRECT, method="S256", client=None):
    """The browser: opens /authorize and follows its redirect to the callback."""
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client or reg["clientId"],
        "redirect_uri": redirect, "state": state, "code_challenge_method": method,
        "scopes": "sso:account:access", "code_challenge": challenge})
    got.clear()
    try:
        with urllib.request.urlopen(ENDPOINT + "/authorize?" + query) as page:
            status = page.status
    except urllib.error.HTTPError as e:
        status = e.code
    return status, (got[0] if got else None)

def token(code, verifier=verifier, redirect=REDIRECT):
    return oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                             grantType="authorization_code", code=code, codeVerifier=verifier,
                             redirectUri=redirect)

status, callback = authorize("state-1")
out["callback"] = {"status": status, "path": callback["path"], "state": callback["state"],
                   "code": "code" in callback}
code = callback["code"]
out["wrong_verifier"] = error_of(lambda: token(code, secrets.token_urlsafe(64)))
out["spent_code"] = error_of(lambda: token(code))
_, callback = authorize("state-2")
out["wrong_redirect"] = error_of(lambda: token(callback["code"], redirect=REDIRECT + "x"))
_, callback = authorize("state-3")
out["no_verifier"] = error_of(lambda: oidc.create_token(
    clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="authorization_code",
    code=callback["code"], redirectUri=REDIRECT))

_, callback = authorize("state-4")
tok = token(callback["code"])
out["token"] = {"hash": h(tok["accessToken"]), "refresh": "refreshToken" in tok}
out["accounts"] = len(portal.list_accounts(accessToken=tok["accessToken"])["accountList"])
out["replay"] = error_of(lambda: token(callback["code"]))
out["after_replay"] = error_of(lambda: portal.list_accounts(accessToken=tok["accessToken"]))

_, callback = authorize("state-5")
tok = token(callback["code"])
new = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                        grantType="refresh_token", refreshToken=tok["refreshToken"])
out["rotated"] = new["refreshToken"] != tok["refreshToken"]
out["refreshed_hash"] = h(new["accessToken"])
out["old_refresh"] = error_of(lambda: oidc.create_token(
    clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="refresh_token",
    refreshToken=tok["refreshToken"]))
out["refreshed_works"] = len(portal.list_accounts(accessToken=new["accessToken"])["accountList"])
out["device_grant"] = error_of(lambda: oidc.start_device_authorization(
    clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=START))

port = listener.server_port
out["bad_path"] = authorize("s", f"http://127.0.0.1:{port}/elsewhere")
out["no_port"] = authorize("s", "http://127.0.0.1/oauth/callback")
out["other_host"] = authorize("s", f"http://localhost:{port}/oauth/callback")
out["bad_client"] = authorize("s", client="nobody")
out["plain"] = authorize("state-plain", method="plain")
control("faults", {"deny_authorize": True})
out["denied"] = authorize("state-denied")
print(json.dumps(out))
"#,
    );
    let port = sso.port();
    assert_eq!(
        v["endpoints"],
        serde_json::json!([
            format!("http://127.0.0.1:{port}/authorize"),
            format!("http://127.0.0.1:{port}/token")
        ])
    );
    assert_eq!(
        v["callback"],
        serde_json::json!({"status": 200, "path": "/oauth/callback", "state": "state-1", "code": true})
    );
    assert_oidc_error(
        &v["wrong_verifier"],
        "InvalidGrantException",
        400,
        "invalid_grant",
    );
    assert_oidc_error(
        &v["spent_code"],
        "InvalidGrantException",
        400,
        "invalid_grant",
    );
    assert_oidc_error(
        &v["wrong_redirect"],
        "InvalidGrantException",
        400,
        "invalid_grant",
    );
    assert_oidc_error(
        &v["no_verifier"],
        "InvalidGrantException",
        400,
        "invalid_grant",
    );
    assert_eq!(v["token"]["refresh"], true);
    assert_eq!(v["accounts"], 2);
    assert_oidc_error(&v["replay"], "InvalidGrantException", 400, "invalid_grant");
    // A replayed code revokes what it gave.
    assert_portal_error(
        &v["after_replay"],
        "UnauthorizedException",
        "UnauthorizedException",
        401,
    );
    assert_eq!(v["rotated"], true);
    assert_oidc_error(
        &v["old_refresh"],
        "InvalidGrantException",
        400,
        "invalid_grant",
    );
    assert_eq!(v["refreshed_works"], 2);
    assert_oidc_error(
        &v["device_grant"],
        "UnauthorizedClientException",
        400,
        "unauthorized_client",
    );
    // Redirect URIs the client may not use: a 400 page, nothing sent to the callback.
    for case in ["bad_path", "no_port", "other_host", "bad_client"] {
        assert_eq!(v[case], serde_json::json!([400, null]), "{case}");
    }
    let redirected = |case: &str, error: &str, state: &str| {
        assert_eq!(v[case][0], 200, "{case}");
        assert_eq!(v[case][1]["error"], error, "{case}");
        assert_eq!(v[case][1]["state"], state, "{case}");
        assert!(v[case][1].get("code").is_none(), "{case}");
    };
    redirected("plain", "invalid_request", "state-plain");
    redirected("denied", "access_denied", "state-denied");

    let created = sso.calls_of("CreateToken");
    let checked: Vec<_> = created
        .iter()
        .map(|c| (c.pkce_checked, c.pkce_ok, c.error.as_deref()))
        .collect();
    assert_eq!(
        checked[..6],
        [
            (Some(true), Some(false), Some("InvalidGrantException")),
            (None, None, Some("InvalidGrantException")), // spent before the verifier
            (None, None, Some("InvalidGrantException")), // the redirect URI, before it
            (Some(true), Some(false), Some("InvalidGrantException")),
            (Some(true), Some(true), None),
            (None, None, Some("InvalidGrantException")),
        ]
    );
    let refreshed = created
        .iter()
        .find(|c| c.grant_type.as_deref() == Some("refresh_token") && c.error.is_none())
        .expect("a refresh");
    assert_eq!(
        refreshed.access_token_hash.as_deref(),
        v["refreshed_hash"].as_str()
    );
    let authorize = sso.calls_of("Authorize");
    assert!(
        authorize
            .iter()
            .all(|c| c.code_hash.as_deref().is_none_or(|h| h.len() == 16)),
        "{authorize:?}"
    );
    assert_eq!(sso.stderr_output(), "");
}

#[test]
fn boto3_sees_each_documented_error_as_botocore_parses_it() {
    let (_sts, sso, home) = stand_in();
    sso.settings(&SsoSettings {
        early_polls_allowed: Some(0),
        slow_down_increment: Some(1.0),
        ..SsoSettings::default()
    });
    let v = boto3(
        &sso,
        &home,
        r#"
def register(**extra):
    return oidc.register_client(clientName="errors", clientType="public",
                                scopes=["sso:account:access"], **extra)

def device(reg):
    return oidc.start_device_authorization(clientId=reg["clientId"],
                                           clientSecret=reg["clientSecret"], startUrl=START)

def poll(reg, auth):
    return oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                             grantType=DEVICE, deviceCode=auth["deviceCode"])

reg = register()
auth = device(reg)
out["pending"] = error_of(lambda: poll(reg, auth))
out["too_fast"] = error_of(lambda: poll(reg, auth))
time.sleep(auth["interval"] + 1)  # the interval, grown by the slow_down
out["honoured"] = error_of(lambda: poll(reg, auth))
control("deny?user_code=" + auth["userCode"])
time.sleep(auth["interval"] + 1)
out["denied"] = error_of(lambda: poll(reg, auth))

out["bad_secret"] = error_of(lambda: oidc.start_device_authorization(
    clientId=reg["clientId"], clientSecret="wrong", startUrl=START))
out["bad_start_url"] = error_of(lambda: oidc.start_device_authorization(
    clientId=reg["clientId"], clientSecret=reg["clientSecret"],
    startUrl="https://d-other.awsapps.com/start"))
out["bad_grant"] = error_of(lambda: oidc.create_token(
    clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="password"))
out["bad_device_code"] = error_of(lambda: oidc.create_token(
    clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType=DEVICE,
    deviceCode="nope"))
out["bad_client_type"] = error_of(lambda: oidc.register_client(clientName="x",
                                                               clientType="confidential"))
out["bad_redirect"] = error_of(lambda: register(
    grantTypes=["authorization_code"], redirectUris=["https://evil.example/cb"],
    issuerUrl=START))

control("settings", {"device_code_lifetime": 0})
auth = device(reg)
out["expired_device_code"] = error_of(lambda: poll(reg, auth))
control("settings", {"registration_lifetime": 0})
old = register()
out["expired_registration"] = error_of(lambda: device(old))
control("settings", {"registration_lifetime": 7776000, "device_code_lifetime": 600,
                     "auto_approve_after": 0})
auth = device(reg)
at = poll(reg, auth)["accessToken"]
get = lambda: portal.get_role_credentials(roleName="ReadOnlyAccess", accountId="222222222222",
                                          accessToken=at)
out["works"] = error_of(get)
control("faults", {"throttle": True, "operations": ["GetRoleCredentials"]})
out["throttled"] = error_of(get)
out["others_not_throttled"] = error_of(lambda: portal.list_accounts(accessToken=at))
control("faults", {"not_found": True})
out["not_found"] = error_of(get)
control("faults", {"unauthorized": True})
out["unauthorized"] = error_of(get)
control("faults", {"down": "503"})
out["down"] = error_of(get)
control("faults", {"down": "close", "operations": ["GetRoleCredentials"]})
out["closed"] = error_of(get)
control("faults", {"delay": 1.5})
started = time.time()
out["slow"] = error_of(get)
out["slow_seconds"] = time.time() - started
control("faults", {})
control("expire")
out["expired_token"] = error_of(get)
auth = device(reg)
at = poll(reg, auth)["accessToken"]
control("revoke")
out["revoked"] = error_of(get)
print(json.dumps(out))
"#,
    );
    assert_oidc_error(
        &v["pending"],
        "AuthorizationPendingException",
        400,
        "authorization_pending",
    );
    assert_oidc_error(&v["too_fast"], "SlowDownException", 400, "slow_down");
    assert_oidc_error(
        &v["honoured"],
        "AuthorizationPendingException",
        400,
        "authorization_pending",
    );
    assert_oidc_error(&v["denied"], "AccessDeniedException", 400, "access_denied");
    assert_oidc_error(
        &v["bad_secret"],
        "InvalidClientException",
        401,
        "invalid_client",
    );
    assert_oidc_error(
        &v["bad_start_url"],
        "InvalidRequestException",
        400,
        "invalid_request",
    );
    assert_oidc_error(
        &v["bad_grant"],
        "UnsupportedGrantTypeException",
        400,
        "unsupported_grant_type",
    );
    assert_oidc_error(
        &v["bad_device_code"],
        "InvalidGrantException",
        400,
        "invalid_grant",
    );
    assert_oidc_error(
        &v["bad_client_type"],
        "InvalidClientMetadataException",
        400,
        "invalid_client_metadata",
    );
    assert_oidc_error(
        &v["bad_redirect"],
        "InvalidRedirectUriException",
        400,
        "invalid_redirect_uri",
    );
    assert_oidc_error(
        &v["expired_device_code"],
        "ExpiredTokenException",
        400,
        "expired_token",
    );
    assert_oidc_error(
        &v["expired_registration"],
        "InvalidClientException",
        401,
        "invalid_client",
    );
    assert!(v["works"].is_null(), "{}", v["works"]);
    assert_portal_error(
        &v["throttled"],
        "TooManyRequestsException",
        "TooManyRequestsException",
        429,
    );
    assert!(v["others_not_throttled"].is_null());
    assert_portal_error(
        &v["not_found"],
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        404,
    );
    for case in ["unauthorized", "expired_token", "revoked"] {
        assert_portal_error(
            &v[case],
            "UnauthorizedException",
            "UnauthorizedException",
            401,
        );
    }
    // No protocol error for botocore to parse: the status, and a dropped connection.
    assert_eq!(
        (v["down"]["class"].as_str(), v["down"]["status"].as_u64()),
        (Some("ClientError"), Some(503)),
        "{}",
        v["down"]
    );
    assert_eq!(
        v["closed"]["class"], "ConnectionClosedError",
        "{}",
        v["closed"]
    );
    assert!(v["slow"].is_null());
    assert!(v["slow_seconds"].as_f64().unwrap() >= 1.5);
    let down: Vec<_> = sso
        .calls_of("GetRoleCredentials")
        .into_iter()
        .map(|c| c.status)
        .collect();
    assert!(
        down.contains(&Some(503)) && down.contains(&Some(0)),
        "{down:?}"
    );
    assert_eq!(sso.stderr_output(), "");
}

/// `aws sso login --no-browser --profile PROFILE` from Debian's CLI v2; with `approve`, the test
/// approves the user code it printed as the person would (else the stand-in must, by
/// `auto_approve_after`). Returns its stdout and exit status.
fn cli_v2_sso_login(
    sso: &Sso,
    home: &Home,
    data_path: &Path,
    profile: &str,
    approve: bool,
) -> (String, ExitStatus) {
    let mut child = sso
        .command(home, aws_cli_v2())
        .args(["sso", "login", "--no-browser", "--profile", profile])
        .env("AWS_DATA_PATH", data_path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start /usr/bin/aws");
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let stderr_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = String::new();
    let mut printed_code = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let code = line.trim();
                let is_code = code.len() == 9
                    && code.char_indices().all(|(i, c)| {
                        if i == 4 {
                            c == '-'
                        } else {
                            c.is_ascii_uppercase()
                        }
                    });
                if is_code && !printed_code {
                    if approve {
                        sso.approve(code);
                    }
                    printed_code = true;
                }
                seen.push_str(&line);
                seen.push('\n');
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("aws sso login did not finish in 60 s; it printed:\n{seen}");
            }
        }
    }
    let status = child.wait().expect("wait for aws");
    let stderr = stderr_reader.join().unwrap();
    assert!(
        printed_code,
        "aws sso login printed no user code:\n{seen}\n{}",
        redact(&stderr)
    );
    assert!(
        status.success(),
        "aws sso login failed ({status}):\n{seen}\n{}",
        redact(&stderr)
    );
    (seen, status)
}

fn cache_json(home: &Home, key: &str) -> Value {
    let path = sso_cache_file(home, key);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("the token cache file is JSON")
}

#[test]
fn aws_cli_v2_device_login_then_the_cli_and_boto3_use_the_cached_token() {
    let (_sts, sso, home) = stand_in();
    let dev = SsoProfile {
        name: "dev",
        account_id: SSO_DEV_ACCOUNT,
        role_name: SSO_ADMIN,
    };
    let legacy = SsoProfile {
        name: "legacy-ro",
        account_id: SSO_PROD_ACCOUNT,
        role_name: SSO_READ_ONLY,
    };
    write_sso_config(&home, "standin", &[dev], &[legacy]);
    let data_path = sso.cli_v2_data_path(home.path());

    let (printed, _) = cli_v2_sso_login(&sso, &home, &data_path, "dev", true);
    let devices = sso.devices();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].status, "issued");
    assert!(
        printed.contains(&sso.verification_url(&devices[0].user_code)),
        "{printed}"
    );
    assert!(
        printed.contains(&format!(
            "Successfully logged into Start URL: {SSO_START_URL}"
        )),
        "{printed}"
    );
    let registered = sso.calls_of("RegisterClient");
    assert_eq!(registered.len(), 1);
    assert_eq!(
        registered[0].client_name.as_deref(),
        Some("botocore-client-standin")
    );
    assert_eq!(registered[0].client_type.as_deref(), Some("public"));
    assert_eq!(registered[0].scopes, Some(serde_json::json!([SSO_SCOPE])));
    let started = sso.calls_of("StartDeviceAuthorization");
    assert_eq!(started[0].start_url.as_deref(), Some(SSO_START_URL));
    let issued: Vec<_> = sso
        .calls_of("CreateToken")
        .into_iter()
        .filter(|c| c.status == Some(200))
        .collect();
    assert_eq!(issued.len(), 1);
    assert!(
        sso.calls_of("CreateToken")
            .iter()
            .all(|c| c.error.as_deref() != Some("SlowDownException")),
        "the CLI's two polls back to back at the start are let through"
    );

    // The token cache as the CLI wrote it, under the SHA-1 of the session name.
    let cached = cache_json(&home, "standin");
    let token = cached["accessToken"].as_str().expect("accessToken");
    assert_eq!(
        issued[0].access_token_hash.as_deref(),
        Some(token_hash(token).as_str())
    );
    assert_eq!(cached["startUrl"], SSO_START_URL);
    assert_eq!(cached["region"], SSO_REGION);
    assert!(cached["refreshToken"].is_string());
    assert_eq!(
        cached["clientId"].as_str(),
        registered[0].client_id.as_deref()
    );
    assert!(cached["expiresAt"].as_str().unwrap().ends_with('Z'));
    assert!(sso.token_status(token).valid);

    // The CLI and boto3 use it: role credentials for the profile's account and role.
    let arn = |account: &str, role: &str| {
        format!("arn:aws:sts::{account}:assumed-role/{role}/{SSO_USER}")
    };
    let sts_endpoint = home.endpoint().unwrap();
    let cli_arn = |profile: &str| {
        let out = run(sso
            .command(&home, aws_cli_v2())
            .args(CLI_CALLER_ARN)
            .args(["--profile", profile, "--endpoint-url", &sts_endpoint])
            .env("AWS_DATA_PATH", &data_path));
        assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
        stdout_str(&out).trim().to_string()
    };
    assert_eq!(cli_arn("dev"), arn(SSO_DEV_ACCOUNT, SSO_ADMIN));
    let boto3_arn = |profile: &str| {
        let out = run(sso.command(&home, python()).args([
            "-c",
            &format!(
                "import boto3; s = boto3.Session(profile_name='{profile}'); c = s.get_credentials(); \
                 print(c.method, s.client('sts').get_caller_identity()['Arn'])"
            ),
        ]));
        assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
        stdout_str(&out).trim().to_string()
    };
    assert_eq!(
        boto3_arn("dev"),
        format!("sso {}", arn(SSO_DEV_ACCOUNT, SSO_ADMIN))
    );
    let role_calls = sso.calls_of("GetRoleCredentials");
    assert_eq!(role_calls.len(), 2, "{role_calls:?}");
    for call in &role_calls {
        assert_eq!(call.access_token_hash, issued[0].access_token_hash);
        assert_eq!(call.account_id.as_deref(), Some(SSO_DEV_ACCOUNT));
        assert_eq!(call.role_name.as_deref(), Some(SSO_ADMIN));
    }
    assert!(role_calls.iter().any(|c| {
        c.user_agent
            .as_deref()
            .is_some_and(|a| a.starts_with("aws-cli/2."))
    }));

    // A legacy profile: the token cached under the SHA-1 of the start URL, without a refresh
    // token (its client registered no scopes).
    sso.reset();
    cli_v2_sso_login(&sso, &home, &data_path, "legacy-ro", true);
    let registered = sso.calls_of("RegisterClient");
    assert_eq!(
        registered.len(),
        1,
        "a legacy profile registers its own client"
    );
    assert_eq!(registered[0].scopes, Some(serde_json::json!([])));
    let legacy_cached = cache_json(&home, SSO_START_URL);
    assert!(legacy_cached.get("refreshToken").is_none());
    assert_eq!(cli_arn("legacy-ro"), arn(SSO_PROD_ACCOUNT, SSO_READ_ONLY));
    assert_eq!(
        boto3_arn("legacy-ro"),
        format!("sso {}", arn(SSO_PROD_ACCOUNT, SSO_READ_ONLY))
    );

    // A token the stand-in revoked: the CLI sees the portal's 401 as UnauthorizedException
    // (once the role credentials it cached in ~/.aws/cli/cache are gone).
    sso.revoke_all();
    std::fs::remove_dir_all(home.path().join(".aws/cli/cache")).expect("the CLI's cache");
    let out = run(sso
        .command(&home, aws_cli_v2())
        .args(CLI_CALLER_ARN)
        .args(["--profile", "dev", "--endpoint-url", &sts_endpoint])
        .env("AWS_DATA_PATH", &data_path));
    assert!(!out.status.success());
    let err = stderr_str(&out);
    // botocore's SSO provider turns exactly a parsed UnauthorizedException into this
    // (UnauthorizedSSOTokenError).
    assert!(
        err.contains(
            "The SSO session associated with this profile has expired or is otherwise invalid"
        ),
        "{}",
        redact(&err)
    );
    let last = sso.calls_of("GetRoleCredentials").pop().unwrap();
    assert_eq!(
        (last.status, last.error.as_deref()),
        (Some(401), Some("UnauthorizedException"))
    );
    assert_eq!(sso.stderr_output(), "");
}

#[test]
fn aws_cli_v2_honours_a_slow_down() {
    let (_sts, sso, home) = stand_in();
    write_sso_config(
        &home,
        "standin",
        &[SsoProfile {
            name: "dev",
            account_id: SSO_DEV_ACCOUNT,
            role_name: SSO_ADMIN,
        }],
        &[],
    );
    sso.set_faults(&SsoFaults {
        slow_down_first: true,
        ..SsoFaults::default()
    });
    // The first poll is slowed down, the second (the CLI's, back to back) let through as
    // pending, the third approved: if it came sooner than 1 + 5 s after the first, it would be
    // slowed down too. No approval from the test, which could come before the second.
    sso.settings(&SsoSettings {
        auto_approve_after: Some(Some(2)),
        ..SsoSettings::default()
    });
    let data_path = sso.cli_v2_data_path(home.path());
    cli_v2_sso_login(&sso, &home, &data_path, "dev", false);
    let polls = sso.calls_of("CreateToken");
    assert_eq!(
        polls[0].error.as_deref(),
        Some("SlowDownException"),
        "{polls:?}"
    );
    let slowed = polls
        .iter()
        .filter(|c| c.error.as_deref() == Some("SlowDownException"))
        .count();
    assert_eq!(
        slowed, 1,
        "the CLI polled sooner than the grown interval: {polls:?}"
    );
    let last = polls.last().unwrap();
    assert_eq!(last.status, Some(200));
    // The interval (1 s) plus the 5 s a slow_down adds.
    assert!(
        last.time - polls[0].time >= 5.9,
        "the token was asked for {:.2} s after the slow_down",
        last.time - polls[0].time
    );
    assert!(sso_cache_file(&home, "standin").exists());
}

/// The harness's controls do what tests/common/sso.rs says, seen by a client: the directory and
/// the user, a device code approved and denied by the test, tokens' status after a refresh and
/// an expiry, and the service down in both ways.
#[test]
fn the_harness_controls_reach_the_stand_in() {
    let sts = Sts::moto();
    let sso = Sso::start_with(&sts, &["--interval", "2", "--accounts", "5"]);
    let home = Home::new();
    home.with_sts(&sts);
    let directory = sso.directory();
    assert_eq!(directory.user, SSO_USER);
    assert_eq!(directory.accounts.len(), 5);
    assert_eq!(directory.accounts[4].account_name, "account-004");
    let hostile = "it's \"prod\"; $(id)\n";
    sso.set_directory(&[SsoAccount::new("333333333333", hostile, &["Dev"])]);
    sso.set_user("someone@example.com");
    assert_eq!(sso.directory().accounts[0].account_name, hostile);
    assert_eq!(sso.authorize_url(), format!("{}/authorize", sso.endpoint()));

    // A client polls until the test approves; it keeps its tokens in a file for the test.
    let tokens = home.path().join("tokens.json");
    let script = format!(
        r#"{PRELUDE}
reg = oidc.register_client(clientName="harness", clientType="public", scopes=["sso:account:access"])
auth = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                       startUrl=START)
out["interval"] = auth["interval"]
while True:
    try:
        tok = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                grantType=DEVICE, deviceCode=auth["deviceCode"])
        break
    except oidc.exceptions.AuthorizationPendingException:
        time.sleep(auth["interval"])
new = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                        grantType="refresh_token", refreshToken=tok["refreshToken"])
c = portal.get_role_credentials(roleName="Dev", accountId="333333333333",
                                accessToken=new["accessToken"])["roleCredentials"]
out["arn"] = boto3.Session(region_name="us-east-1", aws_access_key_id=c["accessKeyId"],
                           aws_secret_access_key=c["secretAccessKey"],
                           aws_session_token=c["sessionToken"]).client("sts").get_caller_identity()["Arn"]
out["accounts"] = [a["accountName"] for a in portal.list_accounts(accessToken=new["accessToken"])["accountList"]]
fd = os.open({tokens:?}, os.O_WRONLY | os.O_CREAT, 0o600)
os.write(fd, json.dumps({{"old": tok, "new": new}}).encode())
os.close(fd)
auth = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                       startUrl=START)
print(json.dumps(out), flush=True)
sys.stdin.read()  # the test denies this one, then lets the script go on
time.sleep(auth["interval"])
out["denied"] = error_of(lambda: oidc.create_token(
    clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType=DEVICE,
    deviceCode=auth["deviceCode"]))
print(json.dumps(out))
"#
    );
    let mut child = sso
        .command(&home, python())
        .env("START_URL", SSO_START_URL)
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    let code = sso.approve_next_device(Duration::from_secs(30));
    let device = sso
        .devices()
        .into_iter()
        .find(|d| d.user_code == code)
        .unwrap();
    assert_eq!(device.status, "approved");
    assert!(!device.expired);
    wait_for(
        "the second device authorization",
        Duration::from_secs(30),
        || sso.devices().len() == 2,
    );
    let second = sso
        .devices()
        .into_iter()
        .find(|d| d.user_code != code)
        .unwrap();
    sso.deny(&second.user_code);
    drop(child.stdin.take()); // the script goes on
    let out = child.wait_with_output().expect("wait for python");
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    let stdout = stdout_str(&out);
    let v: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(v["interval"], 2);
    assert_eq!(
        v["arn"],
        "arn:aws:sts::333333333333:assumed-role/Dev/someone@example.com"
    );
    assert_eq!(v["accounts"], serde_json::json!([hostile]));
    assert_oidc_error(&v["denied"], "AccessDeniedException", 400, "access_denied");
    assert!(sso.count("CreateToken") >= 3);

    let kept: Value = serde_json::from_str(&std::fs::read_to_string(&tokens).unwrap()).unwrap();
    let text = |v: &Value| v.as_str().unwrap().to_string();
    let (old_access, old_refresh) = (
        text(&kept["old"]["accessToken"]),
        text(&kept["old"]["refreshToken"]),
    );
    let (new_access, new_refresh) = (
        text(&kept["new"]["accessToken"]),
        text(&kept["new"]["refreshToken"]),
    );
    assert!(
        sso.token_status(&old_access).valid,
        "a refresh leaves the old access token"
    );
    let spent = sso.refresh_token_status(&old_refresh);
    assert_eq!(
        (spent.known, spent.valid, spent.revoked),
        (true, false, Some(true))
    );
    assert!(sso.refresh_token_status(&new_refresh).valid);
    assert!(!sso.token_status("aoa-never-issued").known);
    let state = sso.state();
    assert_eq!((state.access_tokens, state.refresh_tokens), (2, 1));
    sso.expire_access_tokens();
    let expired = sso.token_status(&new_access);
    assert_eq!((expired.valid, expired.expired), (false, Some(true)));
    assert!(sso.refresh_token_status(&new_refresh).valid);
    assert_eq!(sso.state().access_tokens, 0);

    // Down: a 503, then a connection closed with no answer; cleared, a 401 for no token.
    let addr = format!("127.0.0.1:{}", sso.port());
    let request = b"GET /assignment/accounts HTTP/1.0\r\nHost: x\r\n\r\n";
    sso.set_faults(&SsoFaults {
        down: Some(SsoDown::Unavailable),
        ..SsoFaults::default()
    });
    assert_eq!(http(&addr, request).map(|h| h.status), Some(503));
    sso.set_faults(&SsoFaults {
        down: Some(SsoDown::Close),
        operations: vec!["ListAccounts".into()],
        ..SsoFaults::default()
    });
    assert!(
        http(&addr, request).is_none(),
        "the connection was answered"
    );
    sso.clear_faults();
    let answer = http(&addr, request).expect("an answer");
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer
            .header("x-amzn-errortype")
            .map(|t| t.split(':').next().unwrap()),
        Some("UnauthorizedException")
    );
    assert_eq!(sso.stderr_output(), "");
}
