//! The management page of `aws-as serve` in a real browser: Debian's headless Chromium driven by
//! playwright-core (tests/browser/manage.mjs), against the server on moto. A person logs in with
//! the one-time address, sees the identities, enters an MFA code for a request waiting for one
//! (a code STS rejects first; the typed codes reach moto), serves another identity with the
//! keyboard, clears a session, reads it at 400 px, and sees the server go. A page on another
//! loopback port in the same browser tries to read and change it, a form posts to it, what that
//! port receives is replayed, and a rebound DNS name opens it: all refused, nothing read.
//!
//! `AWS_AS_BLESS=1` copies the screenshots it takes to docs/ (docs/manage-page.png at 1280 px,
//! docs/manage-page-400.png at 400 px).

use crate::common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

/// STS (the fault stub in front of moto) rejects every MFA code but this one.
const RIGHT: &str = "246810";
const WRONG: &str = "135791";

fn node() -> std::path::PathBuf {
    std::path::PathBuf::from("node")
}

#[test]
fn the_page_in_a_browser_and_the_attacks_of_another_page() {
    let sts = Sts::fault(&format!("wrong-mfa-unless:{RIGHT}"));
    let home = Home::standard(&sts);
    let notified = home.path().join("notified");
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    fake_notify_send(&bin, &notified);
    let path = format!("{}:{}", bin.display(), test_path().to_string_lossy());
    let server = home.serve_with(&[ROLE1_PROFILE], &[("PATH", &path)]);
    let login = server
        .login_url
        .clone()
        .expect("serve prints a login address");
    assert!(
        login.starts_with(&format!("{}manage?code=", server.url())),
        "{login}"
    );

    let mut env: HashMap<String, String> = home.env();
    env.remove("AWS_EC2_METADATA_DISABLED");
    env.insert("PATH".into(), test_path().to_string_lossy().into_owned());
    env.insert("AWS_REGION".into(), "eu-west-1".into());
    env.insert("AWS_DEFAULT_REGION".into(), "eu-west-1".into());
    env.insert("AWS_EC2_METADATA_SERVICE_ENDPOINT".into(), server.url());
    let shots = home.path().join("shots");
    std::fs::create_dir_all(&shots).unwrap();
    let config = json!({
        "base": server.url().trim_end_matches('/'),
        "login": login,
        "pid": server.pid(),
        "served": ROLE1_PROFILE,
        "other": ROLE2_PROFILE,
        "user": USER_PROFILE,
        "wrong": WRONG,
        "right": RIGHT,
        "sdk": { "program": python(), "args": ["-c", BOTO3_PROVIDER_AND_ARN], "env": env },
        "screenshots": shots,
    });
    let config_path = home.path().join("browser.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let mut cmd = std::process::Command::new(node());
    cmd.arg(repo_root().join("tests/browser/manage.mjs"))
        .arg(&config_path)
        .current_dir(repo_root().join("tests/browser"));
    let out = run_with_timeout(&mut cmd, Duration::from_secs(180));
    let found: Value = serde_json::from_str(stdout_str(&out).trim()).unwrap_or(Value::Null);
    let log = server.log();
    assert!(
        out.status.success(),
        "{}\nfound: {found:#}\nserver log:\n{}",
        stderr_str(&out),
        redact(&log)
    );

    // Logged in: the code left the address bar; the cookie is out of the page's reach.
    assert_eq!(found["address"], format!("{}manage", server.url()));
    assert_eq!(
        found["cookie"],
        json!({ "httpOnly": true, "sameSite": "Strict", "path": "/manage" })
    );
    assert_eq!(found["scriptSeesCookie"], false);
    assert_eq!(found["replayedLogin"]["status"], 403);
    assert!(
        found["replayedLogin"]["text"]
            .as_str()
            .unwrap()
            .contains("used already"),
        "{found:#}"
    );

    // No external assets: the page asked its own server for everything.
    let requests = found["pageRequests"].as_array().unwrap();
    assert!(requests.len() > 5, "{requests:?}");
    for r in requests {
        assert!(
            r.as_str().unwrap().starts_with(&server.url()),
            "the page loaded {r}"
        );
    }

    // Every identity, with kind, chain, region and session, and which one is served.
    let rows: Vec<Vec<String>> = serde_json::from_value(found["rows"].clone()).unwrap();
    let rows: Vec<Vec<String>> = rows.into_iter().map(|r| r[..5].to_vec()).collect();
    assert_eq!(
        rows,
        vec![
            row(
                ROLE1_PROFILE,
                true,
                "role",
                USER_PROFILE,
                "eu-west-1",
                "none"
            ),
            row(
                ROLE2_PROFILE,
                false,
                "role",
                "my-role1-dev < my-user1-dev",
                "us-west-2",
                "none"
            ),
            row(USER_PROFILE, false, "user", "-", "eu-west-1", "none"),
        ]
    );
    assert_eq!(found["servedRow"], format!("{ROLE1_PROFILE} served"));

    // The SDK's request waited for a code, and the page showed it within 2 s.
    assert_eq!(found["sdkBefore"]["stderr"], "boto3: no credentials");
    assert!(found["pendingAfterMs"].as_u64().unwrap() <= 2000);
    let pending = found["pendingText"].as_str().unwrap();
    assert!(
        pending.starts_with(&format!(
            "{ROLE1_PROFILE} needs a new MFA session of {USER_PROFILE} ({MFA_SERIAL})"
        )),
        "{pending}"
    );
    assert!(
        found["rejected"]
            .as_str()
            .unwrap()
            .contains("STS rejected the MFA code"),
        "{found:#}"
    );
    // Both typed codes reached STS, in order; then the role was assumed from the new session.
    let codes: Vec<Option<String>> = sts
        .calls_of("GetSessionToken")
        .into_iter()
        .map(|c| c.token_code)
        .collect();
    assert_eq!(
        codes,
        vec![Some(WRONG.to_string()), Some(RIGHT.to_string())]
    );
    assert!(
        sts.calls_of("GetSessionToken")
            .iter()
            .all(|c| c.serial_number.as_deref() == Some(MFA_SERIAL))
    );
    assert_eq!(
        found["sdkAfter"]["stdout"],
        format!("iam-role arn:aws:sts::{ACCOUNT}:assumed-role/my-role1/{ROLE1_SESSION_NAME}")
    );

    // Served another with the keyboard; Tab went on to the next control.
    assert_eq!(
        found["servedAfterSwitch"],
        format!("{ROLE2_PROFILE} served")
    );
    // Its Serve button went off: the focus went to the message saying what happened, and Tab
    // goes on to the first control.
    assert_eq!(
        found["focusAfterSwitch"],
        json!(["banner", format!("Now serving {ROLE2_PROFILE}.")])
    );
    assert_eq!(
        found["focusAfterTab"],
        format!("Serve {ROLE1_PROFILE} on the IMDS path")
    );
    assert_eq!(
        found["clearedRow"].as_array().unwrap()[..5],
        row(USER_PROFILE, false, "user", "-", "eu-west-1", "none")[..]
    );
    assert_eq!(found["narrow"]["scrollWidth"], 400, "{found:#}");
    assert_eq!(found["narrow"]["buttonsVisible"], true);

    // The other port's page read nothing and changed nothing.
    let attacks = found["attacks"].as_array().unwrap();
    assert_eq!(attacks.len(), 11, "{attacks:#?}");
    for attack in attacks {
        let name = attack["name"].as_str().unwrap();
        match attack["outcome"].as_str().unwrap() {
            "blocked" => {}
            "opaque" => assert_eq!(attack["body"], "", "{name}"),
            other => panic!("{name}: {other}: {attack}"),
        }
    }
    for (what, answer) in [
        ("a form posted from the other port", &found["forgedForm"]),
        (
            "the cookie replayed without the CSRF token",
            &found["replays"]["get"],
        ),
        (
            "a POST with the cookie and no CSRF token",
            &found["replays"]["post"],
        ),
        (
            "a POST with a wrong CSRF token",
            &found["replays"]["wrongCsrf"],
        ),
        ("a rebound DNS name", &found["rebound"]),
    ] {
        assert_eq!(answer["status"], 403, "{what}: {answer}");
        let text = answer["body"].as_str().or(answer["text"].as_str()).unwrap();
        assert!(!text.contains(ROLE1_PROFILE), "{what}: {text}");
        assert!(!text.contains("ASIA"), "{what}: {text}");
    }
    assert_eq!(
        found["cookieReachedOtherPort"], true,
        "the browser sends the cookie to another port: the CSRF token is what stops its use"
    );
    assert_eq!(found["servedAtEnd"], format!("{ROLE2_PROFILE} served"));
    assert!(
        !log.contains(&format!("now serving {USER_PROFILE}")),
        "{log}"
    );
    for refused in [
        "POST /manage/session 403 - (refused: a request from another origin",
        "GET /manage/profiles 403 - (refused: a request with the page's cookie but without its CSRF token",
        "OPTIONS /latest/api/token 403 - (refused: a browser request",
        "GET /latest/meta-data/iam/security-credentials/my-role2-dev 403 - (refused: a browser request",
        "GET /manage 403 - (refused: a request from another site or frame",
        "GET /manage 403 - (refused: the Host header must be the server's own address",
    ] {
        assert!(log.contains(refused), "{refused}\n{}", redact(&log));
    }

    // The server went, and the page said so within a poll or two, its controls off.
    assert!(found["goneAfterMs"].as_u64().unwrap() <= 6000);
    assert!(
        found["goneBanner"]
            .as_str()
            .unwrap()
            .starts_with("The aws-as server at"),
        "{found:#}"
    );
    assert_eq!(found["buttonsDisabled"], true);

    // One notification for the one request that waited, with no secret in it.
    let notes = std::fs::read_to_string(&notified).unwrap_or_default();
    assert_eq!(notes.matches("\n---\n").count(), 1, "{notes}");
    assert!(
        notes.contains(&format!("{}manage", server.url())),
        "{notes}"
    );
    assert!(!notes.contains("code="), "{notes}");

    // No secret in what the browser saw, in the log, or in the notification.
    for text in [stdout_str(&out), log.clone(), notes] {
        assert!(!text.contains(USER_SECRET_ACCESS_KEY));
        assert!(!text.contains("SecretAccessKey"));
        assert!(!text.contains(login.rsplit_once('=').unwrap().1));
        for c in sts.calls() {
            if let Some(token) = c.security_token {
                assert!(!text.contains(&token));
            }
        }
    }

    if std::env::var_os("AWS_AS_BLESS").is_some() {
        for shot in ["manage-page.png", "manage-page-400.png"] {
            std::fs::copy(shots.join(shot), repo_root().join("docs").join(shot)).unwrap();
        }
    }
}

fn row(name: &str, served: bool, kind: &str, chain: &str, region: &str, left: &str) -> Vec<String> {
    let name = if served {
        format!("{name} served")
    } else {
        name.to_string()
    };
    vec![
        name,
        kind.to_string(),
        chain.to_string(),
        region.to_string(),
        left.to_string(),
    ]
}
