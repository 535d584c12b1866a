//! The management API of `aws-as serve` as programs use it, against moto: every path refuses a
//! request without the bearer token (401); each status it documents, from the request that
//! gets it; the answers checked against docs/manage-api.yaml both ways (every exchange
//! described by it, every route and status in it seen: tests/support/openapi_check.py);
//! schemathesis fuzzing it finds no 5xx and no answer outside the document; a token file others
//! can read is refused; one desktop notification per request waiting for an MFA code, none with
//! a secret; the control commands through it; the systemd unit through `systemd-analyze verify`.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

const RIGHT: &str = "246810";
const WRONG: &str = "135791";

/// The routes of docs/manage-api.yaml, with the methods each takes.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/manage/profiles"),
    ("GET", "/manage/profiles/my-role1-dev"),
    ("POST", "/manage/profiles/my-role1-dev/session"),
    ("DELETE", "/manage/profiles/my-role1-dev/session"),
    ("GET", "/manage/session"),
    ("POST", "/manage/session"),
    ("DELETE", "/manage/session"),
    ("POST", "/manage/login"),
    ("POST", "/manage/stop"),
    ("POST", "/manage/signin"),
];

/// A profile whose sessions need no MFA code.
const PLAIN_CONFIG: &str = "[profile plain-user]\nregion = eu-central-1\n";
const PLAIN_CREDENTIALS: &str = "[plain-user]\naws_access_key_id = AKIAPLAIN00000000001\naws_secret_access_key = plainsecret/EXAMPLE\n";

fn standard_with_plain(sts: &Sts) -> Home {
    let home = Home::standard(sts);
    home.config(&format!("{STANDARD_CONFIG}{PLAIN_CONFIG}"));
    home.credentials(&format!("{STANDARD_CREDENTIALS}{PLAIN_CREDENTIALS}"));
    home
}

/// Who is asking.
#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Bearer(&'a str),
}

/// What a test sent and got, for the document check.
struct Exchanges(Vec<Value>);

impl Exchanges {
    fn send(
        &mut self,
        server: &Server,
        method: &str,
        path: &str,
        auth: Auth,
        body: Option<(&str, &str)>,
    ) -> Http {
        let answer = send(server, method, path, auth, body);
        self.0.push(json!({
            "method": method,
            "path": path,
            "status": answer.status,
            "contentType": answer.header("content-type").unwrap_or(""),
            "body": answer.body,
        }));
        answer
    }

    /// As `send`, with the server's token.
    fn call(
        &mut self,
        server: &Server,
        method: &str,
        path: &str,
        body: Option<(&str, &str)>,
    ) -> Http {
        let token = server.manage_token();
        self.send(server, method, path, Auth::Bearer(&token), body)
    }
}

/// One request; `body` is (content type, text).
fn send(server: &Server, method: &str, path: &str, auth: Auth, body: Option<(&str, &str)>) -> Http {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        server.addr()
    );
    if let Auth::Bearer(token) = auth {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let (ctype, text) = body.unwrap_or(("", ""));
    if !ctype.is_empty() {
        head.push_str(&format!("Content-Type: {ctype}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{text}", text.len()));
    server
        .raw(head.as_bytes())
        .unwrap_or_else(|| panic!("{method} {path}: no answer"))
}

fn json_body(answer: &Http) -> Value {
    serde_json::from_str(&answer.body).unwrap_or_else(|e| panic!("{e}: {}", answer.body))
}

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// No secret of any session or of the user's keys in `text`.
fn no_secret(sts: &Sts, text: &str) {
    assert!(!text.contains(USER_SECRET_ACCESS_KEY), "{text}");
    assert!(!text.contains("plainsecret"), "{text}");
    assert!(!text.contains("SecretAccessKey"), "{text}");
    assert!(!text.contains("secretKey"), "{text}");
    assert!(!text.contains("sessionToken"), "{text}");
    for call in sts.calls() {
        if let Some(token) = call.security_token {
            assert!(!text.contains(&token), "a session token in {text}");
        }
    }
}

#[test]
fn every_path_without_the_token_is_401() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let server = home.serve(&[ROLE1_PROFILE]);
    let token = server.manage_token();
    // The token with its last digit changed.
    let last = if token.ends_with('0') { '1' } else { '0' };
    let near = format!("{}{last}", &token[..token.len() - 1]);
    for (method, path) in ROUTES {
        let text = "session=my-role2-dev&token=123456";
        for (what, headers) in [
            ("no Authorization", vec![]),
            (
                "another token",
                vec![format!("Authorization: Bearer {near}")],
            ),
            (
                "the token as Basic",
                vec![format!("Authorization: Basic {token}")],
            ),
            ("the token alone", vec![format!("Authorization: {token}")]),
            (
                "a lower-case scheme",
                vec![format!("Authorization: bearer {token}")],
            ),
            (
                "a cookie made up",
                vec![format!("Cookie: aws-as-manage-{}={token}", server.port())],
            ),
            (
                "an ECS token",
                vec![format!("Authorization: {}", "0".repeat(64))],
            ),
        ] {
            let mut head = format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: {FORM}\r\n",
                server.addr()
            );
            for h in &headers {
                head.push_str(&format!("{h}\r\n"));
            }
            head.push_str(&format!("Content-Length: {}\r\n\r\n{text}", text.len()));
            let answer = server.raw(head.as_bytes()).unwrap();
            assert_eq!(
                answer.status, 401,
                "{method} {path}, {what}: {}",
                answer.body
            );
            assert_eq!(answer.header("content-type"), Some(JSON), "{method} {path}");
            assert!(!answer.body.contains(ROLE1_PROFILE), "{}", answer.body);
            assert!(!answer.body.contains("ASIA"), "{}", answer.body);
        }
    }
    // Nothing changed: the same identity is served, the server still runs, no code went to STS.
    let session = json_body(&server.manage("GET", "/manage/session", None));
    assert_eq!(session["identity"], ROLE1_PROFILE);
    assert_eq!(sts.count("GetSessionToken"), 0);
    assert!(server.log().contains("POST /manage/stop 401 -"));
}

#[test]
fn statuses_as_listed_and_the_server_matches_its_openapi_document() {
    let sts = Sts::moto();
    let home = standard_with_plain(&sts);
    let server = home.serve(&[ROLE1_PROFILE]);
    let mut x = Exchanges(Vec::new());

    // Nothing cached yet: every identity is listed, none has a session.
    let profiles = json_body(&x.call(&server, "GET", "/manage/profiles", None));
    let names: Vec<&str> = profiles["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [ROLE1_PROFILE, ROLE2_PROFILE, USER_PROFILE, "plain-user"]
    );
    assert_eq!(profiles["served"], ROLE1_PROFILE);
    assert_eq!(
        profiles["profiles"][1],
        json!({
            "name": ROLE2_PROFILE, "kind": "role", "chain": [ROLE1_PROFILE, USER_PROFILE],
            "region": "us-west-2", "roleArn": ROLE2_ARN, "mfaSerial": MFA_SERIAL,
            "accessKey": null, "tokenDuration": 3600, "served": false, "session": null, "signIn": null,
            "problem": null,
        })
    );
    assert_eq!(profiles["profiles"][2]["accessKey"], USER_ACCESS_KEY_ID);
    assert_eq!(profiles["profiles"][2]["tokenDuration"], 43200);
    assert_eq!(profiles["profiles"][3]["mfaSerial"], Value::Null);

    // An SDK asks for the served role: it needs an MFA code nobody can type, so it waits.
    let token = server.imds_token();
    let creds = format!("/latest/meta-data/iam/security-credentials/{ROLE1_PROFILE}");
    assert_eq!(
        server
            .get(&creds, &[("X-aws-ec2-metadata-token", &token)])
            .status,
        404
    );
    assert_eq!(
        server
            .get(&creds, &[("X-aws-ec2-metadata-token", &token)])
            .status,
        404
    );
    let session = json_body(&x.call(&server, "GET", "/manage/session", None));
    assert_eq!(session["identity"], ROLE1_PROFILE);
    assert_eq!(session["session"], Value::Null);
    assert_eq!(session["listen"], server.addr());
    assert_eq!(session["page"], format!("{}manage", server.url()));
    let pending = &session["pending"];
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending[0]["identity"], ROLE1_PROFILE);
    assert_eq!(pending[0]["user"], USER_PROFILE);
    assert_eq!(pending[0]["mfaSerial"], MFA_SERIAL);
    assert_eq!(pending[0]["requests"], 2);

    // 400: a code that is not 6 digits, an unknown profile, neither field, nothing with a code.
    for (ctype, body, says) in [
        (FORM, "token=12345", "6 digits"),
        (FORM, "token=1234567", "6 digits"),
        (JSON, r#"{"token":"12a456"}"#, "6 digits"),
        (
            FORM,
            "session=no-such-profile",
            "there is no profile \"no-such-profile\"",
        ),
        (
            JSON,
            r#"{"session":"no-such-profile","token":"123456"}"#,
            "there is no profile",
        ),
        (FORM, "other=1", "give session=NAME"),
        (FORM, "", "give session=NAME"),
        (JSON, "{}", "give session=NAME"),
        (FORM, "session=&token=123456", "names no identity"),
        (JSON, r#"{"session":""}"#, "names no identity"),
        (JSON, r#"{"session": 5}"#, "session must be a string"),
        (
            JSON,
            r#"{"session": null, "token": "123456"}"#,
            "session must be a string",
        ),
        (JSON, "[]", "not an object"),
        (JSON, "not json", "the JSON body"),
        (FORM, "session=plain-user&token=123456", "needs no MFA code"),
    ] {
        let answer = x.call(&server, "POST", "/manage/session", Some((ctype, body)));
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert!(
            json_body(&answer)["message"]
                .as_str()
                .unwrap()
                .contains(says),
            "{body}: {}",
            answer.body
        );
    }
    assert_eq!(
        sts.count("GetSessionToken"),
        0,
        "no bad request reached STS"
    );

    // 403: STS rejects the code (wrong-mfa-unless: every code but RIGHT), and nothing changes.
    sts.set_fault(Some(&format!("wrong-mfa-unless:{RIGHT}")));
    let answer = x.call(
        &server,
        "POST",
        "/manage/session",
        Some((FORM, &format!("token={WRONG}"))),
    );
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(
        answer.body.contains("STS rejected the MFA code"),
        "{}",
        answer.body
    );
    let answer = x.call(
        &server,
        "POST",
        &format!("/manage/profiles/{ROLE2_PROFILE}/session"),
        Some((JSON, &format!(r#"{{"token":"{WRONG}"}}"#))),
    );
    assert_eq!(answer.status, 403, "{}", answer.body);
    let user = json_body(&x.call(
        &server,
        "GET",
        &format!("/manage/profiles/{USER_PROFILE}"),
        None,
    ));
    assert_eq!(
        user["profile"]["session"],
        Value::Null,
        "a rejected code makes no session"
    );

    // 502: STS refusing for another reason than the code.
    sts.set_fault(Some("access-denied"));
    let answer = x.call(
        &server,
        "POST",
        "/manage/session",
        Some((FORM, &format!("token={RIGHT}"))),
    );
    assert_eq!(answer.status, 502, "{}", answer.body);
    let answer = x.call(
        &server,
        "POST",
        &format!("/manage/profiles/{ROLE1_PROFILE}/session"),
        Some((FORM, &format!("token={RIGHT}"))),
    );
    assert_eq!(answer.status, 502, "{}", answer.body);

    // 200: the right code makes the MFA session; the waiting request is then served.
    sts.set_fault(Some(&format!("wrong-mfa-unless:{RIGHT}")));
    let answer = x.call(
        &server,
        "POST",
        "/manage/session",
        Some((JSON, &format!(r#"{{"token":"{RIGHT}"}}"#))),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let served = json_body(&answer);
    assert_eq!(served["identity"], ROLE1_PROFILE);
    assert_eq!(served["pending"], json!([]));
    let codes: Vec<_> = sts
        .calls_of("GetSessionToken")
        .into_iter()
        .map(|c| c.token_code)
        .collect();
    assert_eq!(codes.last().unwrap().as_deref(), Some(RIGHT));
    let started = std::time::Instant::now();
    let answer = server.get(&creds, &[("X-aws-ec2-metadata-token", &token)]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(started.elapsed() < Duration::from_secs(1));
    let user = json_body(&x.call(
        &server,
        "GET",
        &format!("/manage/profiles/{USER_PROFILE}"),
        None,
    ));
    let session = &user["profile"]["session"];
    // moto's GetSessionToken gives one fixed access key id; it is the session's, not the user's.
    let key = session["accessKey"].as_str().unwrap();
    assert!(key.len() == 20 && key != USER_ACCESS_KEY_ID, "{user}");
    let left = session["secondsLeft"].as_i64().unwrap();
    assert!((43_000..=43_200).contains(&left), "{left}");
    assert_eq!(session["left"], "11h59m");
    // The role's session, with its ARN, in the served identity's description.
    let served = json_body(&x.call(&server, "GET", "/manage/session", None));
    assert_eq!(
        served["session"]["arn"],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/my-role1/{ROLE1_SESSION_NAME}")
    );

    // A code for another identity, which does not change what is served; then serve it.
    let answer = x.call(
        &server,
        "POST",
        &format!("/manage/profiles/{ROLE2_PROFILE}/session"),
        Some((FORM, "token=111111")),
    );
    assert_eq!(
        answer.status, 403,
        "a used code or a wrong one: STS says no"
    );
    let answer = x.call(
        &server,
        "POST",
        &format!("/manage/profiles/{ROLE2_PROFILE}/session"),
        Some((FORM, &format!("token={RIGHT}"))),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(json_body(&answer)["profile"]["served"], false);
    let answer = x.call(
        &server,
        "POST",
        "/manage/session",
        Some((FORM, &format!("session={ROLE2_PROFILE}"))),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(json_body(&answer)["identity"], ROLE2_PROFILE);
    assert_eq!(
        server
            .get(
                &format!("{}/", "/latest/meta-data/iam/security-credentials"),
                &[("X-aws-ec2-metadata-token", &token)]
            )
            .body,
        ROLE2_PROFILE
    );

    // 400 on the per-profile route: no code, a bad one, an identity that needs none.
    for (path, body) in [
        (format!("/manage/profiles/{ROLE1_PROFILE}/session"), ""),
        (
            format!("/manage/profiles/{ROLE1_PROFILE}/session"),
            "token=abcdef",
        ),
        (
            "/manage/profiles/plain-user/session".to_string(),
            "token=123456",
        ),
    ] {
        let answer = x.call(&server, "POST", &path, Some((FORM, body)));
        assert_eq!(answer.status, 400, "{path} {body}: {}", answer.body);
    }
    // 404 for a profile that does not exist, on every route with a name; names are percent-encoded.
    for (method, path) in [
        ("GET", "/manage/profiles/no-such-profile"),
        ("GET", "/manage/profiles/a%2Fb"),
        ("POST", "/manage/profiles/no-such-profile/session"),
        ("DELETE", "/manage/profiles/no-such-profile/session"),
    ] {
        let answer = x.call(&server, method, path, Some((FORM, "token=123456")));
        assert_eq!(answer.status, 404, "{method} {path}: {}", answer.body);
    }
    let answer = x.call(&server, "GET", "/manage/profiles/%FF", None);
    assert_eq!(answer.status, 400, "{}", answer.body);
    // 413: a body larger than the API takes, refused before it is read.
    let big = "session=".to_string() + &"a".repeat(20_000);
    for path in ["/manage/session", "/manage/profiles/my-role1-dev/session"] {
        let answer = x.call(&server, "POST", path, Some((FORM, &big)));
        assert_eq!(answer.status, 413, "{path}");
    }

    // DELETE drops the cache entry (and the server's copy): the session goes from the list.
    let answer = x.call(&server, "DELETE", "/manage/session", None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(json_body(&answer)["session"], Value::Null);
    let answer = x.call(
        &server,
        "DELETE",
        &format!("/manage/profiles/{USER_PROFILE}/session"),
        None,
    );
    assert_eq!(answer.status, 200);
    assert_eq!(json_body(&answer)["profile"]["session"], Value::Null);
    let answer = x.call(
        &server,
        "DELETE",
        &format!("/manage/profiles/{USER_PROFILE}/session"),
        None,
    );
    assert_eq!(answer.status, 200, "none left: still 200");
    // aws-as list in a terminal says the same.
    let list = run(home.command(aws_as_bin()).arg("list"));
    let line = stdout_str(&list)
        .lines()
        .find(|l| l.trim_start().starts_with(USER_PROFILE))
        .unwrap()
        .to_string();
    assert!(line.ends_with("  none"), "{line}");

    // 502 on DELETE: an entry the cache cannot remove (a directory where the file should be).
    let answer = x.call(
        &server,
        "POST",
        &format!("/manage/profiles/{ROLE1_PROFILE}/session"),
        Some((FORM, &format!("token={RIGHT}"))),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let entry = cache_entry_of(&home, USER_PROFILE);
    std::fs::remove_file(&entry).unwrap();
    std::fs::create_dir(&entry).unwrap();
    std::fs::write(entry.join("x"), "").unwrap();
    let answer = x.call(
        &server,
        "DELETE",
        &format!("/manage/profiles/{USER_PROFILE}/session"),
        None,
    );
    assert_eq!(answer.status, 502, "{}", answer.body);
    std::fs::remove_dir_all(&entry).unwrap();
    let answer = x.call(
        &server,
        "POST",
        "/manage/session",
        Some((FORM, &format!("session={USER_PROFILE}"))),
    );
    assert_eq!(answer.status, 200);
    std::fs::create_dir(&entry).unwrap();
    std::fs::write(entry.join("x"), "").unwrap();
    let answer = x.call(&server, "DELETE", "/manage/session", None);
    assert_eq!(answer.status, 502, "{}", answer.body);
    std::fs::remove_dir_all(&entry).unwrap();

    // A login address for the page.
    let answer = x.call(&server, "POST", "/manage/login", None);
    assert_eq!(answer.status, 200);
    let url = json_body(&answer)["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}manage?code=", server.url())),
        "{url}"
    );

    // 400 on every route that reads the profile files, when they are broken.
    home.config("[profile my-role1-dev\nrole_arn = x\n");
    for (method, path) in [
        ("GET", "/manage/profiles"),
        ("GET", "/manage/profiles/my-role1-dev"),
        ("DELETE", "/manage/profiles/my-role1-dev/session"),
        ("GET", "/manage/session"),
        ("DELETE", "/manage/session"),
    ] {
        let answer = x.call(&server, method, path, None);
        assert_eq!(answer.status, 400, "{method} {path}: {}", answer.body);
        assert!(
            answer
                .body
                .contains(&home.config_path().display().to_string()),
            "{}",
            answer.body
        );
    }
    // 401 on every route.
    for (method, path) in ROUTES {
        let answer = x.send(&server, method, path, Auth::None, None);
        assert_eq!(answer.status, 401);
    }
    // The proof, without the token: HMAC-SHA256(token, label, Host, nonce); 400 without a nonce.
    let nonce = "0123456789abcdef".repeat(4);
    let answer = x.send(
        &server,
        "GET",
        &format!("/manage/proof?nonce={nonce}"),
        Auth::None,
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        json_body(&answer)["proof"],
        expected_proof(&server.manage_token(), &server.addr(), &nonce)
    );
    for path in [
        "/manage/proof".to_string(),
        format!("/manage/proof?nonce={}", nonce.to_uppercase()),
        format!("/manage/proof?nonce={}", &nonce[2..]),
    ] {
        let answer = x.send(&server, "GET", &path, Auth::None, None);
        assert_eq!(answer.status, 400, "{path}: {}", answer.body);
    }
    // An IAM Identity Center sign-in started for the page: none of that name; then one whose
    // client registration is cached, so the answer needs no network (the whole sign-in is in
    // tests/sso_outputs.rs, against the stand-in).
    // (The profile files were broken above on purpose: a config with the one sso-session.)
    std::fs::write(
        home.config_path(),
        "[sso-session corp]\nsso_start_url = https://d-standin.awsapps.com/start\nsso_region = eu-west-1\n",
    )
    .unwrap();
    let answer = x.call(
        &server,
        "POST",
        "/manage/signin",
        Some((FORM, "session=nope")),
    );
    assert_eq!(answer.status, 400, "{}", answer.body);
    let message = json_body(&answer)["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("no sso-session or profile is named \"nope\""),
        "{message}"
    );
    let sign_in = aws_as::identity::SsoSignIn {
        session: Some("corp".into()),
        start_url: "https://d-standin.awsapps.com/start".into(),
        region: "eu-west-1".into(),
        scopes: vec![aws_as::identity::DEFAULT_SCOPE.into()],
    };
    let registration = aws_as::session::sso::token::registration_path(&sign_in, true).unwrap();
    let cache = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let file = cache.join(registration.file_name().unwrap());
    std::fs::write(
        &file,
        r#"{"clientId":"standin-client","clientSecret":"standin-secret","expiresAt":"2099-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let answer = x.call(
        &server,
        "POST",
        "/manage/signin",
        Some((FORM, "session=corp")),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let started = json_body(&answer);
    assert_eq!(started["session"], "corp");
    let address = started["address"].as_str().unwrap();
    assert!(address.contains("/authorize?response_type=code&client_id=standin-client&redirect_uri=http%3A%2F%2F127.0.0.1%3A"), "{address}");
    assert!(!address.contains("standin-secret"), "{address}");
    let answer = x.call(&server, "POST", "/manage/stop", None);
    assert_eq!(answer.status, 200);
    let mut server = server;
    assert_eq!(
        server.wait_exit(Duration::from_secs(10)).unwrap().code(),
        Some(0)
    );

    for e in &x.0 {
        no_secret(&sts, e["body"].as_str().unwrap());
    }
    no_secret(&sts, &server.log());
    let file = home.path().join("exchanges.json");
    std::fs::write(&file, Value::Array(x.0).to_string()).unwrap();
    let out = run(Command::new(python())
        .arg(repo_root().join("tests/support/openapi_check.py"))
        .arg(repo_root().join("docs/manage-api.yaml"))
        .arg(&file));
    assert!(
        out.status.success(),
        "the server and docs/manage-api.yaml differ:\n{}{}",
        stdout_str(&out),
        stderr_str(&out)
    );
}

/// What the server must answer to `GET /manage/proof?nonce=NONCE` sent with `Host: HOST`, as
/// docs/manage-api.yaml describes it.
fn expected_proof(token: &str, host: &str, nonce: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(b"aws-as manage proof\0");
    mac.update(host.as_bytes());
    mac.update(b"\0");
    mac.update(nonce.as_bytes());
    let bytes = mac.finalize().into_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cache file holding `name`'s session.
fn cache_entry_of(home: &Home, name: &str) -> std::path::PathBuf {
    std::fs::read_dir(home.cache_dir())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .find(|p| {
            std::fs::read_to_string(p)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .is_some_and(|v| v["identity"] == name)
        })
        .unwrap_or_else(|| panic!("no cache entry of {name}"))
}

#[test]
fn schemathesis_finds_no_5xx_and_no_answer_outside_the_document() {
    let sts = Sts::moto();
    let home = standard_with_plain(&sts);
    // A session to start from, so that some requests succeed.
    terminal_session(&home);
    let server = home.serve(&[ROLE1_PROFILE]);
    let token = server.manage_token();
    let work = home.path().join("schemathesis");
    std::fs::create_dir_all(&work).unwrap();
    let run_st = |auth: &str| {
        let mut cmd = Command::new(venv_bin("st"));
        // It writes .hypothesis/ and .schemathesis/ into the current directory.
        cmd.current_dir(&work)
            .env("HOME", home.path())
            .env("PATH", test_path())
            .arg("--config-file")
            .arg(repo_root().join("tests/support/schemathesis.toml"))
            .arg("run")
            .arg(repo_root().join("docs/manage-api.yaml"))
            .args(["--url", server.url().trim_end_matches('/')])
            .args(["-H", auth])
            .args(["--checks", "all"])
            // Stopping the server would end the run (the stop route is in the document test).
            .args(["--exclude-operation-id", "stop"])
            .args([
                "--max-examples",
                "25",
                "--seed",
                "1",
                "--workers",
                "1",
                "--no-color",
            ]);
        run_with_timeout(&mut cmd, Duration::from_secs(240))
    };
    let out = run_st(&format!("Authorization: Bearer {token}"));
    let text = format!("{}{}", stdout_str(&out), stderr_str(&out));
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("Failures:"), "{text}");
    assert!(!text.contains("Authentication failed"), "{text}");
    assert!(text.contains("Tested: 10"), "{text}");
    // A wrong token still exits 0, with only a warning: what shows that the run above was let in.
    let out = run_st("Authorization: Bearer wrong");
    let text = format!("{}{}", stdout_str(&out), stderr_str(&out));
    assert!(
        text.contains("Authentication failed: 9 operations returned only 401/403 responses"),
        "{text}"
    );
    let log = server.log();
    assert!(!log.contains(" 500 ") && !log.contains(" 502 "), "{log}");
    no_secret(&sts, &log);
}

#[test]
fn a_token_file_others_can_read_is_refused_and_one_of_its_own_is_used() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let dir = home.path().join("tokens");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let file = dir.join("manage");
    // Made on the first start, 0600, and the only token the API takes.
    let server = home.serve(&["--token-file", file.to_str().unwrap()]);
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    server.wait_for_log(&format!("management token in {}", file.display()));
    let token = std::fs::read_to_string(&file).unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(server.manage("GET", "/manage/session", None).status, 200);
    assert!(
        !home
            .path()
            .join(".local/state/aws-as/manage-token")
            .exists()
    );
    drop(server);
    for mode in [0o644, 0o640, 0o604, 0o660] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = run(home.command(aws_as_bin()).args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
            "--token-file",
            file.to_str().unwrap(),
        ]));
        assert_eq!(out.status.code(), Some(1), "{mode:o}");
        assert_eq!(
            stderr_str(&out),
            format!(
                "aws-as: refusing the management token file {}: others can read or write it (mode {mode:o}); run chmod 600 on it\n",
                file.display()
            )
        );
        assert!(
            stdout_str(&out).is_empty(),
            "no login address, no export line"
        );
    }
}

#[test]
fn one_notification_per_waiting_request_and_the_control_commands() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let notified = home.path().join("notified");
    fake_notify_send(&bin, &notified);
    let path = format!("{}:{}", bin.display(), test_path().to_string_lossy());
    let server = home.serve_with(&[ROLE1_PROFILE], &[("PATH", &path)]);
    let token = server.imds_token();
    let creds = format!("/latest/meta-data/iam/security-credentials/{ROLE1_PROFILE}");
    // Three requests for the served role, two for another through ECS: two waiting requests.
    for _ in 0..3 {
        assert_eq!(
            server
                .get(&creds, &[("X-aws-ec2-metadata-token", &token)])
                .status,
            404
        );
    }
    let env = run(home.command(aws_as_bin()).args([
        "server",
        "env",
        ROLE2_PROFILE,
        "--server",
        &server.addr(),
    ]));
    let ecs_token = stdout_str(&env)
        .lines()
        .find_map(|l| l.strip_prefix("export AWS_CONTAINER_AUTHORIZATION_TOKEN="))
        .map(|t| t.trim_matches('\''))
        .unwrap()
        .to_string();
    for _ in 0..2 {
        let answer = server.get(
            &format!("/ecs/{ROLE2_PROFILE}"),
            &[("Authorization", &ecs_token)],
        );
        assert_eq!(answer.status, 400, "{}", answer.body);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while notifications(&notified).len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let notes = notifications(&notified);
    assert_eq!(notes.len(), 2, "{notes:?}");
    let page = format!("{}manage", server.url());
    for (note, identity) in notes.iter().zip([ROLE1_PROFILE, ROLE2_PROFILE]) {
        assert_eq!(
            note,
            &format!(
                "--app-name=aws-as\n--urgency=normal\naws-as: an MFA code is needed\n{identity} needs a new MFA session of {USER_PROFILE} ({MFA_SERIAL}). Enter a code at {page}, or run aws-as {USER_PROFILE} in a terminal.\n"
            )
        );
    }

    // status: what is served, the address, the requests waiting.
    let status =
        run(home
            .command(aws_as_bin())
            .args(["server", "status", "--server", &server.addr()]));
    assert!(status.status.success(), "{}", stderr_str(&status));
    let text = stdout_str(&status);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(
        lines[0],
        format!(
            "serving {ROLE1_PROFILE} on the IMDS path at {}: no session served yet",
            server.addr()
        )
    );
    assert!(lines[1].starts_with(&format!("waiting for an MFA code: {ROLE1_PROFILE} needs a new MFA session of {USER_PROFILE} ({MFA_SERIAL}), 3 request(s) since ")), "{text}");
    assert!(
        lines[1].ends_with(&format!(
            ": enter a code at {page}, or run aws-as {USER_PROFILE} in a terminal"
        )),
        "{text}"
    );
    assert!(lines[2].starts_with(&format!("waiting for an MFA code: {ROLE2_PROFILE} needs a new MFA session of {USER_PROFILE} ({MFA_SERIAL}), 2 request(s) since ")), "{text}");
    assert_eq!(
        lines[3],
        format!("management page: {page} (aws-as server page prints a login address)")
    );

    // A session made in a terminal satisfies both: nothing waits, the next requests are served,
    // and no further notification comes.
    terminal_session(&home);
    let session =
        serde_json::from_str::<Value>(&server.manage("GET", "/manage/session", None).body).unwrap();
    assert_eq!(session["pending"], json!([]));
    assert_eq!(
        server
            .get(&creds, &[("X-aws-ec2-metadata-token", &token)])
            .status,
        200
    );
    assert_eq!(
        server
            .get(
                &format!("/ecs/{ROLE2_PROFILE}"),
                &[("Authorization", &ecs_token)]
            )
            .status,
        200
    );
    let status =
        run(home
            .command(aws_as_bin())
            .args(["server", "status", "--server", &server.addr()]));
    let text = stdout_str(&status);
    assert!(
        text.starts_with(&format!(
            "serving {ROLE1_PROFILE} on the IMDS path at {}: session 0h5",
            server.addr()
        )),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
    assert_eq!(notifications(&notified).len(), 2);

    // switch through the API, and page: a login address that works once.
    let out = run(home.command(aws_as_bin()).args([
        "server",
        "switch",
        ROLE2_PROFILE,
        "--server",
        &server.addr(),
    ]));
    assert!(
        stdout_str(&out).starts_with(&format!("serving {ROLE2_PROFILE} on the IMDS path")),
        "{}",
        stdout_str(&out)
    );
    let out = run(home
        .command(aws_as_bin())
        .args(["server", "page", "--server", &server.addr()]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    let url = stdout_str(&out);
    let url = url.trim_end();
    let path = url
        .strip_prefix(&server.url())
        .map(|p| format!("/{p}"))
        .unwrap_or_else(|| panic!("{url}"));
    let first = server.get(&path, &[]);
    assert_eq!(first.status, 303, "{}", first.body);
    assert!(
        first
            .header("location")
            .unwrap()
            .starts_with("/manage#csrf=")
    );
    let cookie = first.header("set-cookie").unwrap();
    assert!(
        cookie.starts_with(&format!("aws-as-manage-{}=", server.port())),
        "{cookie}"
    );
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Strict; Path=/manage; Max-Age=86400"),
        "{cookie}"
    );
    assert_eq!(server.get(&path, &[]).status, 403, "a code works once");
    assert!(
        !server.log().contains(url.rsplit_once('=').unwrap().1),
        "the code is not logged"
    );

    // stop, and then every control command is one line saying none runs.
    let mut server = server;
    let out = run(home
        .command(aws_as_bin())
        .args(["server", "stop", "--server", &server.addr()]));
    assert!(out.status.success());
    assert_eq!(
        server.wait_exit(Duration::from_secs(10)).unwrap().code(),
        Some(0)
    );
    for args in [&["status"][..], &["page"], &["switch", ROLE1_PROFILE]] {
        let out = run(home
            .command(aws_as_bin())
            .arg("server")
            .args(args)
            .args(["--server", &server.addr()]));
        assert_eq!(out.status.code(), Some(1));
        let err = stderr_str(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!(
                "aws-as: no aws-as server is running on {}",
                server.addr()
            )),
            "{err}"
        );
    }
    for note in notifications(&notified) {
        no_secret(&sts, &note);
        assert!(!note.contains("code="));
        assert!(!note.contains(&server.manage_token()));
    }
}

#[test]
fn a_restart_loses_nothing() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    terminal_session(&home);
    let server = home.serve(&[ROLE1_PROFILE]);
    let port = server.port().to_string();
    let switched = server.manage(
        "POST",
        "/manage/session",
        Some(&json!({ "session": ROLE2_PROFILE }).to_string()),
    );
    assert_eq!(switched.status, 200, "{}", switched.body);
    let token = server.imds_token();
    let creds = format!("/latest/meta-data/iam/security-credentials/{ROLE2_PROFILE}");
    let first = server.get(&creds, &[("X-aws-ec2-metadata-token", &token)]);
    assert_eq!(first.status, 200);
    let ecs_before = std::fs::read(home.path().join(".local/state/aws-as/ecs-secret")).unwrap();
    let manage_before = server.manage_token();
    drop(server);
    let calls = sts.calls().len();

    // --resume on the same address: the identity switched to, its session from the cache (no
    // STS call), the same ECS secret and API token.
    let listen = format!("127.0.0.1:{port}");
    let server = serve_at(&home, &listen, &["--resume"]);
    let token = server.imds_token();
    assert_eq!(
        server
            .get(
                "/latest/meta-data/iam/security-credentials/",
                &[("X-aws-ec2-metadata-token", &token)]
            )
            .body,
        ROLE2_PROFILE
    );
    let again = server.get(&creds, &[("X-aws-ec2-metadata-token", &token)]);
    assert_eq!(again.status, 200);
    let key = |body: &str| serde_json::from_str::<Value>(body).unwrap()["AccessKeyId"].clone();
    assert_eq!(key(&again.body), key(&first.body));
    assert_eq!(sts.calls().len(), calls, "served from the cache");
    assert_eq!(
        std::fs::read(home.path().join(".local/state/aws-as/ecs-secret")).unwrap(),
        ecs_before
    );
    assert_eq!(server.manage_token(), manage_before);
    drop(server);

    // A profile gone since: nothing is served, and the log says why.
    home.config(&STANDARD_CONFIG.replace("[profile my-role2-dev]", "[profile renamed]"));
    let server = serve_at(&home, &listen, &["--resume"]);
    server.wait_for_log(&format!("not serving {ROLE2_PROFILE} as last time: "));
    server.wait_for_log("serving no identity on the IMDS path");
    drop(server);
    home.config(STANDARD_CONFIG);
    // Without --resume or a NAME it serves nothing, and remembers that.
    let server = serve_at(&home, &listen, &[]);
    server.wait_for_log("serving no identity on the IMDS path");
    drop(server);
    let server = serve_at(&home, &listen, &["--resume"]);
    server.wait_for_log("serving no identity on the IMDS path");
}

/// `aws-as serve --listen LISTEN ARGS…`, once it has printed its export line.
fn serve_at(home: &Home, listen: &str, args: &[&str]) -> Server {
    let mut cmd = home.command(aws_as_bin());
    cmd.args(["serve", "--listen", listen])
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let port = listen.rsplit_once(':').unwrap().1.parse().unwrap();
    let mut server = Server::start(cmd, port);
    server.token_file = home.path().join(".local/state/aws-as/manage-token");
    server
}

fn unit_file() -> std::path::PathBuf {
    repo_root().join("contrib/systemd/aws-as-serve.service")
}

/// `systemd-analyze --user verify --man=no UNIT` as it works without systemd as PID 1 (see
/// scripts/install-deps.sh): a fresh XDG_RUNTIME_DIR, HOME for %h; stderr must be empty too,
/// since some mistakes are only warnings.
fn verify(home: &Path, unit: &Path) -> std::process::Output {
    let runtime = home.join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    run(Command::new("systemd-analyze")
        .args(["--user", "verify", "--man=no"])
        .arg(unit)
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("SYSTEMD_LOG_COLOR", "0"))
}

#[test]
fn the_systemd_unit_verifies_and_a_broken_copy_does_not() {
    let home = Home::new();
    let units = home.path().join("units");
    std::fs::create_dir_all(&units).unwrap();
    let text = std::fs::read_to_string(unit_file()).unwrap();
    std::fs::write(units.join("aws-as-serve.service"), &text).unwrap();
    let bin = home.path().join(".cargo/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(aws_as_bin(), bin.join("aws-as")).unwrap();
    let out = verify(home.path(), &units.join("aws-as-serve.service"));
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{:?}\n{}",
        out.status,
        stderr_str(&out)
    );
    assert!(
        text.contains("\nExecStart=%h/.cargo/bin/aws-as serve --resume\n"),
        "{text}"
    );
    // The verification can fail: a misspelt key, and a binary that is not there.
    for (what, broken) in [
        ("a misspelt key", text.replace("ExecStart=", "ExecStrat=")),
        (
            "no binary",
            text.replace("%h/.cargo/bin/aws-as", "%h/.cargo/bin/aws-as-missing"),
        ),
    ] {
        std::fs::write(units.join("aws-as-serve.service"), &broken).unwrap();
        let out = verify(home.path(), &units.join("aws-as-serve.service"));
        assert!(
            !(out.status.success() && out.stderr.is_empty()),
            "{what}: passed"
        );
    }
}

/// A switch makes the new identity's session at once; one cleared (DELETE) while that is under
/// way stays cleared: the session being made is not put back.
#[test]
fn a_session_cleared_while_the_switch_makes_it_stays_cleared() {
    // A slow STS keeps the switch's AssumeRole under way while the DELETE is sent.
    let sts = Sts::moto_with_delay(1.5);
    let home = Home::standard(&sts);
    terminal_session(&home);
    let server = home.serve(&[]);
    let mut x = Exchanges(Vec::new());
    let answer = x.call(
        &server,
        "POST",
        "/manage/session",
        Some((FORM, &format!("session={ROLE1_PROFILE}"))),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    wait_for("AssumeRole", Duration::from_secs(10), || {
        sts.count("AssumeRole") > 0
    });
    let answer = x.call(&server, "DELETE", "/manage/session", None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(json_body(&answer)["session"], Value::Null);
    // The DELETE waited for the cache entry's lock, which the AssumeRole held; whichever of the
    // two then reaches the server's memory first, the session stays cleared.
    let answer = x.call(&server, "GET", "/manage/session", None);
    assert_eq!(json_body(&answer)["identity"], ROLE1_PROFILE);
    assert_eq!(
        json_body(&answer)["session"],
        Value::Null,
        "{}",
        answer.body
    );
    let list = run(home.command(aws_as_bin()).arg("list"));
    let row = stdout_str(&list)
        .lines()
        .find(|l| l.trim_start().starts_with(ROLE1_PROFILE))
        .map(str::to_string)
        .unwrap_or_default();
    assert!(row.ends_with("  none"), "{}", stdout_str(&list));
    assert_eq!(sts.count("AssumeRole"), 1);
}
