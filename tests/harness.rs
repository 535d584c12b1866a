//! Self-test of the test harness (tests/common, tests/support): the local STS really serves
//! and records what real clients (boto3, AWS CLI v1, aws-sdk-go v1) send, fault modes surface
//! as the right STS errors, and test commands are isolated from the caller's environment.
//! Does not exercise aws-as itself.

use crate::common;

use common::*;
use std::process::Command;
use std::time::Duration;

/// Runs a boto3 snippet with the venv's Python inside `home` (endpoint from AWS_ENDPOINT_URL_STS).
fn boto3(home: &Home, script: &str) -> Command {
    let mut cmd = home.command(python());
    cmd.arg("-c").arg(script);
    cmd
}

/// boto3 snippet: MFA session for my-user1-dev, then AssumeRole into my-role1; prints the role
/// credentials as JSON on stdout (never stderr).
const ASSUME_ROLE1: &str = r#"
import boto3, json
s = boto3.Session(profile_name="my-user1-dev")
sts = s.client("sts")
c = sts.get_session_token(SerialNumber="arn:aws:iam::111111111111:mfa/my-user1",
                          TokenCode="123456", DurationSeconds=3600)["Credentials"]
sts2 = boto3.client("sts", region_name="eu-west-1", aws_access_key_id=c["AccessKeyId"],
                    aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
r = sts2.assume_role(RoleArn="arn:aws:iam::111111111111:role/my-role1",
                     RoleSessionName="my-user1@dev")["Credentials"]
print(json.dumps({"id": r["AccessKeyId"], "secret": r["SecretAccessKey"], "token": r["SessionToken"]}))
"#;

fn assume_role1(home: &Home) -> (String, String, String) {
    let out = run(&mut boto3(home, ASSUME_ROLE1));
    assert!(out.status.success(), "boto3 failed: {}", stderr_str(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON credentials");
    let field = |k: &str| v[k].as_str().expect("string field").to_string();
    (field("id"), field("secret"), field("token"))
}

#[test]
fn moto_records_get_session_token_from_boto3() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let out = run(&mut boto3(
        &home,
        r#"
import boto3
sts = boto3.Session(profile_name="my-user1-dev").client("sts")
sts.get_session_token(SerialNumber="arn:aws:iam::111111111111:mfa/my-user1",
                      TokenCode="123456", DurationSeconds=900)
print("ok")
"#,
    ));
    assert!(out.status.success(), "boto3 failed: {}", stderr_str(&out));
    assert_eq!(stdout_str(&out).trim(), "ok");

    let calls = sts.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call.action, "GetSessionToken");
    assert_eq!(call.access_key_id.as_deref(), Some(USER_ACCESS_KEY_ID));
    assert!(call.security_token.is_none(), "no session token expected");
    assert_eq!(call.serial_number.as_deref(), Some(MFA_SERIAL));
    assert_eq!(call.token_code.as_deref(), Some("123456"));
    assert_eq!(call.duration_seconds, Some(900));
    assert_eq!(call.role_arn, None);
    assert_eq!(sts.count("GetSessionToken"), 1);
    assert_eq!(sts.count("AssumeRole"), 0);

    sts.reset();
    assert!(sts.calls().is_empty());
}

#[test]
fn moto_records_assume_role_with_session_token() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let (id, _secret, _token) = assume_role1(&home);
    assert!(id.starts_with("ASIA"), "role access key id {id}");

    let calls = sts.calls();
    let actions: Vec<&str> = calls.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, ["GetSessionToken", "AssumeRole"]);
    let assume = &calls[1];
    assert_eq!(assume.role_arn.as_deref(), Some(ROLE1_ARN));
    assert_eq!(
        assume.role_session_name.as_deref(),
        Some(ROLE1_SESSION_NAME)
    );
    assert!(
        assume.security_token.is_some(),
        "AssumeRole was signed with the MFA session"
    );
    assert_ne!(assume.access_key_id.as_deref(), Some(USER_ACCESS_KEY_ID));
    // Debug output never shows the token itself.
    let debug = format!("{assume:?}");
    assert!(debug.contains("redacted"));
    assert!(!debug.contains(assume.security_token.as_deref().unwrap()));
}

#[test]
fn fault_wrong_mfa_makes_boto3_fail_with_access_denied() {
    let sts = Sts::fault("wrong-mfa");
    let home = Home::standard(&sts);
    let out = run(&mut boto3(
        &home,
        r#"
import boto3, botocore.exceptions
sts = boto3.Session(profile_name="my-user1-dev").client("sts")
try:
    sts.get_session_token(SerialNumber="arn:aws:iam::111111111111:mfa/my-user1", TokenCode="000000")
    print("no error")
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
    print(e.response["Error"]["Message"])
"#,
    ));
    assert!(out.status.success(), "python failed: {}", stderr_str(&out));
    let stdout = stdout_str(&out);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("AccessDenied 403"));
    assert!(
        lines
            .next()
            .unwrap_or("")
            .contains("MultiFactorAuthentication failed"),
        "{stdout}"
    );
    assert_eq!(sts.count("GetSessionToken"), 1);
}

#[test]
fn fault_modes_surface_sts_error_codes_in_boto3() {
    let script = r#"
import boto3, botocore.config, botocore.exceptions
sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="AKIAUSER1EXAMPLE0001",
                   aws_secret_access_key="x",
                   config=botocore.config.Config(retries={"total_max_attempts": 1}))
try:
    sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/my-role1", RoleSessionName="abc")
    print("ok")
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
except Exception as e:
    print(type(e).__name__)
"#;
    for (mode, expected) in [
        ("access-denied", "AccessDenied 403"),
        ("expired-keys", "InvalidClientTokenId 403"),
        ("expired-token", "ExpiredToken 400"),
        ("throttle-then-ok:1", "Throttling 400"),
        ("malformed", "ResponseParserError"),
    ] {
        let sts = Sts::fault(mode);
        let home = Home::new();
        home.with_sts(&sts);
        let out = run(&mut boto3(&home, script));
        assert!(out.status.success(), "{mode}: {}", stderr_str(&out));
        assert_eq!(stdout_str(&out).trim(), expected, "mode {mode}");
        if mode.starts_with("throttle") {
            // The second request goes through to moto.
            let out = run(&mut boto3(&home, script));
            assert_eq!(stdout_str(&out).trim(), "ok", "mode {mode}, 2nd request");
            assert_eq!(sts.count("AssumeRole"), 2);
        }
    }
}

#[test]
fn go_client_prints_assumed_role_arn() {
    let go = go_client();
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let (id, secret, token) = assume_role1(&home);
    sts.reset();

    let out = run(home
        .command(&go)
        .env("AWS_ACCESS_KEY_ID", &id)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .env("AWS_SESSION_TOKEN", &token)
        .env("AWS_REGION", "eu-west-1"));
    assert!(
        out.status.success(),
        "goclient failed: {}",
        stderr_str(&out)
    );
    assert_eq!(
        stdout_str(&out).trim(),
        "arn:aws:sts::111111111111:assumed-role/my-role1/my-user1@dev"
    );
    let calls = sts.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].action, "GetCallerIdentity");
    assert_eq!(calls[0].access_key_id.as_deref(), Some(id.as_str()));
    // Not assert_eq!: a failure must not print the session token.
    assert!(
        calls[0].security_token.as_deref() == Some(token.as_str()),
        "GetCallerIdentity was not signed with the role's session token"
    );
}

#[test]
fn aws_cli_honours_endpoint_url_sts() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let (id, secret, token) = assume_role1(&home);
    sts.reset();

    let out = run(home
        .command(aws_cli())
        .args(CLI_CALLER_ARN)
        .env("AWS_ACCESS_KEY_ID", &id)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .env("AWS_SESSION_TOKEN", &token)
        .env("AWS_DEFAULT_REGION", "eu-west-1"));
    assert!(out.status.success(), "aws cli failed: {}", stderr_str(&out));
    assert_eq!(
        stdout_str(&out).trim(),
        "arn:aws:sts::111111111111:assumed-role/my-role1/my-user1@dev"
    );
    assert_eq!(sts.count("GetCallerIdentity"), 1);
}

#[test]
fn go_client_fails_on_connection_refused() {
    let home = Home::new();
    home.with_endpoint(&closed_port_endpoint());
    let out = run(home
        .command(go_client())
        .env("AWS_ACCESS_KEY_ID", USER_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", "x"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_str(&out).contains("connection refused"),
        "{}",
        stderr_str(&out)
    );
}

#[test]
fn hang_mode_does_not_answer() {
    let sts = Sts::fault("hang");
    let home = Home::new();
    home.with_sts(&sts);
    let mut cmd = boto3(
        &home,
        r#"
import boto3
boto3.client("sts", region_name="us-east-1", aws_access_key_id="AKIAUSER1EXAMPLE0001",
             aws_secret_access_key="x").get_caller_identity()
"#,
    );
    assert!(try_run_with_timeout(&mut cmd, Duration::from_secs(3)).is_none());
    assert_eq!(sts.count("GetCallerIdentity"), 1);
}

#[test]
fn home_command_is_isolated() {
    let home = Home::new();
    home.with_endpoint("http://127.0.0.1:9");
    // env_clear: whatever AWS_* the test process has (e.g. a developer's AWS_PROFILE) must not
    // show up; only the harness's own variables and ones added explicitly.
    let out = run(home
        .command("sh")
        .args(["-c", "env | sort"])
        .env("AWS_PROFILE_FROM_TEST", "kept"));
    let env = stdout_str(&out);
    let names: Vec<&str> = env.lines().filter_map(|l| l.split('=').next()).collect();
    for name in [
        "HOME",
        "PATH",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_AS_CACHE_DIR",
        "AWS_ENDPOINT_URL_STS",
        "AWS_EC2_METADATA_DISABLED",
        "TERM",
        "LANG",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    for line in env.lines() {
        let name = line.split('=').next().unwrap();
        if name.starts_with("AWS_") {
            assert!(
                [
                    "AWS_CONFIG_FILE",
                    "AWS_SHARED_CREDENTIALS_FILE",
                    "AWS_AS_CACHE_DIR",
                    "AWS_ENDPOINT_URL_STS",
                    "AWS_EC2_METADATA_DISABLED",
                    "AWS_PROFILE_FROM_TEST",
                ]
                .contains(&name),
                "unexpected {name}"
            );
        }
    }
    assert!(env.contains(&format!("HOME={}\n", home.path().display())));
    assert!(env.contains("AWS_ENDPOINT_URL_STS=http://127.0.0.1:9\n"));
    assert!(
        !home.cache_dir().exists(),
        "the harness must not create the cache dir"
    );
    let path_first = env
        .lines()
        .find_map(|l| l.strip_prefix("PATH="))
        .and_then(|p| p.split(':').next())
        .unwrap()
        .to_string();
    assert_eq!(
        std::path::Path::new(&path_first),
        aws_as_bin().parent().unwrap()
    );

    let dir = home.path().to_path_buf();
    drop(home);
    if std::env::var_os("AWS_AS_KEEP_TEST_DIRS").is_none() {
        assert!(!dir.exists(), "Home is removed on drop");
    }
}
