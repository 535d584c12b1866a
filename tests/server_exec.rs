//! `aws-as exec --server NAME -- CMD`: CMD gets an ECS endpoint (and no static keys) from a
//! server that lives exactly as long as it; real clients use it; a run crosses a renewal with
//! exactly one STS call; exit status and signals pass through.

use crate::common;

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

const ROLE1_CALLER: &str = "arn:aws:sts::111111111111:assumed-role/my-role1/my-user1@dev";

fn exec_server(home: &Home, command: &[&str]) -> Command {
    let mut cmd = home.command(aws_as_bin());
    cmd.args([
        "exec",
        "--server",
        "--mfa-code",
        "123456",
        ROLE1_PROFILE,
        "--",
    ])
    .args(command)
    .env_remove("AWS_EC2_METADATA_DISABLED")
    .env("AWS_DEFAULT_REGION", "eu-west-1");
    cmd
}

#[test]
fn the_command_gets_an_endpoint_instead_of_keys_and_every_client_uses_it() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let out = run(exec_server(&home, &["env"])
        // What the caller had: static keys and another endpoint, which SDKs would take first.
        .env("AWS_ACCESS_KEY_ID", "AKIACALLERKEY0000000")
        .env("AWS_SECRET_ACCESS_KEY", "callersecret")
        .env("AWS_SESSION_TOKEN", "callertoken")
        .env(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials/x",
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent"));
    assert!(out.status.success(), "{}", stderr_str(&out));
    let env = stdout_str(&out);
    let var = |name: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(str::to_string)
    };
    let uri = var("AWS_CONTAINER_CREDENTIALS_FULL_URI").expect("the endpoint");
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    assert!(uri.ends_with("/ecs/my-role1-dev"), "{uri}");
    assert_eq!(var("AWS_CONTAINER_AUTHORIZATION_TOKEN").unwrap().len(), 64);
    for gone in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    ] {
        assert_eq!(var(gone), None, "{gone}");
    }
    assert_eq!(var("AWS_AS_IDENTITY").as_deref(), Some(ROLE1_PROFILE));
    assert_eq!(var("AWS_REGION").as_deref(), Some("eu-west-1"));
    assert!(var("AWS_CREDENTIAL_EXPIRATION").is_some());

    // The server is gone with the command.
    let port: u16 = uri
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());

    for (name, command, want) in clients(&sts) {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        let out = run(&mut exec_server(&home, &args));
        assert!(
            out.status.success(),
            "{name}: {}",
            redact(&stderr_str(&out))
        );
        assert_eq!(stdout_str(&out).trim(), want, "{name}");
    }
    assert_eq!(sts.count("GetSessionToken"), 1);
    assert_eq!(sts.count("AssumeRole"), 1);
}

/// Keys a user keeps in `[default]`: moto answers GetCallerIdentity for keys it never issued
/// with its own user, so a client that took them prints that user's ARN.
const DEFAULT_KEYS: &str = "\
[default]
aws_access_key_id = AKIADEFAULTUSER00000
aws_secret_access_key = defaultsecret
";

#[test]
fn a_default_profile_never_wins_over_the_endpoint() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let process = home.path().join("other-identity");
    std::fs::write(
        &process,
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESS000000000\", \
         \"SecretAccessKey\": \"processsecret\"}'\n",
    )
    .unwrap();
    std::fs::set_permissions(
        &process,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    // Keys in [default] of the credentials file, then a [default] of the config file that gets
    // credentials another way (Go reads it only with AWS_SDK_LOAD_CONFIG, which users set).
    let setups = [
        (
            "keys in [default]",
            format!("{STANDARD_CREDENTIALS}{DEFAULT_KEYS}"),
            STANDARD_CONFIG.to_string(),
        ),
        (
            "credential_process in [default]",
            STANDARD_CREDENTIALS.to_string(),
            format!(
                "{STANDARD_CONFIG}[default]\nregion = eu-west-1\ncredential_process = {}\n",
                process.display()
            ),
        ),
    ];
    let mut wrong = Vec::new();
    for (setup, credentials, config) in setups {
        home.credentials(&credentials).config(&config);
        for (name, command, want) in clients(&sts) {
            let args: Vec<&str> = command.iter().map(String::as_str).collect();
            let out = run(exec_server(&home, &args).env("AWS_SDK_LOAD_CONFIG", "1"));
            let got = stdout_str(&out).trim().to_string();
            if !out.status.success() || got != want {
                wrong.push(format!(
                    "{setup}, {name}: {got:?} {}",
                    redact(&stderr_str(&out))
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // Only the command's environment changed: the user's files are as they were.
    assert!(
        std::fs::read_to_string(home.config_path())
            .unwrap()
            .contains("credential_process")
    );

    // What the command still needs from the default profile it no longer sees: its region (when
    // the identity has none and the environment neither), and its CA bundle.
    home.config(&format!(
        "{STANDARD_CONFIG}[default]\nregion = ap-south-1\nca_bundle = /etc/ssl/certs/ca-certificates.crt\n"
    ));
    // No region in the environment: the default profile's is then the fallback to check.
    let out = run(exec_server(&home, &["env"])
        .env_remove("AWS_DEFAULT_REGION")
        .env("AWS_PROFILE", "my-user1-dev")
        .env("AWS_DEFAULT_PROFILE", "my-user1-dev")
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent")
        .env("AWS_ROLE_ARN", ROLE1_ARN));
    assert!(out.status.success(), "{}", stderr_str(&out));
    let env = stdout_str(&out);
    let var = |name: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(str::to_string)
    };
    for file in [
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "BOTO_CONFIG",
    ] {
        assert_eq!(var(file).as_deref(), Some("/dev/null"), "{file}");
    }
    for gone in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ] {
        assert_eq!(var(gone), None, "{gone}");
    }
    // my-role1-dev's chain gives eu-west-1; the default profile's region is only a fallback.
    assert_eq!(var("AWS_REGION").as_deref(), Some("eu-west-1"));
    assert_eq!(
        var("AWS_CA_BUNDLE").as_deref(),
        Some("/etc/ssl/certs/ca-certificates.crt")
    );
}

/// Every client as exec --server's command, printing the caller's ARN (boto3 and the Go SDK
/// also the provider that gave the credentials), and what each must print.
fn clients(sts: &Sts) -> Vec<(&'static str, Vec<String>, String)> {
    let boto = "import boto3; s = boto3.session.Session(); \
                print(s.get_credentials().method, s.client('sts').get_caller_identity()['Arn'])";
    let endpoint = sts.endpoint();
    let py = python().to_string_lossy().into_owned();
    let (v1, v2) = (
        aws_cli().to_string_lossy().into_owned(),
        "/usr/bin/aws".to_string(),
    );
    let go = go_endpoint_client().to_string_lossy().into_owned();
    let cli = |aws: &str| {
        vec![
            aws.to_string(),
            "sts".into(),
            "get-caller-identity".into(),
            "--query".into(),
            "Arn".into(),
            "--output".into(),
            "text".into(),
            "--endpoint-url".into(),
            endpoint.clone(),
        ]
    };
    vec![
        (
            "boto3",
            vec![py.clone(), "-c".into(), boto.into()],
            format!("container-role {ROLE1_CALLER}"),
        ),
        ("aws cli v1", cli(&v1), ROLE1_CALLER.to_string()),
        ("aws cli v2", cli(&v2), ROLE1_CALLER.to_string()),
        (
            "go v1",
            vec![go.clone()],
            format!("CredentialsEndpointProvider {ROLE1_CALLER}"),
        ),
    ]
}

/// With no region on the caller's side, the command gets the identity's (my-role2-dev's
/// us-west-2), or `--region`'s: boto3 and the AWS CLI v2 sign their STS call for it.
#[test]
fn the_command_gets_the_identitys_region() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    terminal_session(&home);
    let py = python().to_string_lossy().into_owned();
    let v2 = aws_cli_v2().to_string_lossy().into_owned();
    let endpoint = sts.endpoint();
    for (region, want) in [(None, "us-west-2"), (Some("eu-central-1"), "eu-central-1")] {
        for (name, command) in [
            ("boto3", vec![py.as_str(), "-c", BOTO3_CALLER_ARN]),
            ("aws cli v2", {
                let mut c = vec![v2.as_str()];
                c.extend(CLI_CALLER_ARN);
                c.extend(["--endpoint-url", endpoint.as_str()]);
                c
            }),
        ] {
            sts.reset();
            let mut cmd = home.command(aws_as_bin());
            cmd.args(["exec", "--server"]);
            if let Some(region) = region {
                cmd.args(["--region", region]);
            }
            cmd.args([ROLE2_PROFILE, "--"]).args(&command);
            let out = run(&mut cmd);
            assert!(
                out.status.success(),
                "{name}: {}",
                redact(&stderr_str(&out))
            );
            let calls = sts.calls_of("GetCallerIdentity");
            assert_eq!(calls.len(), 1, "{name}");
            assert_eq!(calls[0].region.as_deref(), Some(want), "{name}");
        }
    }
}

#[test]
fn a_run_longer_than_the_session_renews_it_with_one_sts_call() {
    // Role sessions that last 340 s, renewed 330 s before they end: a renewal every 10 s.
    let sts = Sts::moto_with_lifetimes(&[("AssumeRole", 340)]);
    let home = Home::standard(&sts);
    let script = "\
import sys, time, boto3
session = boto3.session.Session()
sts = session.client('sts')
keys = []
deadline = time.time() + 60
while time.time() < deadline and len(keys) < 2:
    key = session.get_credentials().get_frozen_credentials().access_key
    arn = sts.get_caller_identity()['Arn']
    if key not in keys:
        keys.append(key)
        print(len(keys), arn, flush=True)
    time.sleep(0.3)
";
    let py = python().to_string_lossy().into_owned();
    let out = run_with_timeout(
        exec_server(&home, &[&py, "-c", script]).env("AWS_AS_SERVER_RENEW_BEFORE", "330"),
        Duration::from_secs(90),
    );
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    assert_eq!(
        stdout_str(&out),
        format!("1 {ROLE1_CALLER}\n2 {ROLE1_CALLER}\n"),
        "new credentials, the same identity"
    );
    // The first session and exactly one renewal, from the cached MFA session.
    assert_eq!(sts.count("AssumeRole"), 2, "{:?}", sts.calls());
    assert_eq!(sts.count("GetSessionToken"), 1);
}

#[test]
fn exit_status_and_signals_pass_through() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let out = run(&mut exec_server(&home, &["sh", "-c", "exit 7"]));
    assert_eq!(out.status.code(), Some(7));
    let out = run(&mut exec_server(&home, &["sh", "-c", "kill -TERM $$"]));
    assert_eq!(
        out.status.signal(),
        Some(libc_sigterm()),
        "killed as the command was"
    );
    let out = run(&mut exec_server(&home, &["no-such-command-here"]));
    assert_eq!(out.status.code(), Some(127));

    // Signals sent to aws-as reach the command.
    for (signal, code) in [("TERM", 42), ("HUP", 43), ("INT", 44)] {
        let script =
            format!("trap 'exit {code}' {signal}; echo ready; while :; do sleep 0.1; done");
        let mut child = exec_server(&home, &["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "ready\n");
        Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "SIG{signal}");
    }

    // No session, no command: one line, and the command never ran.
    let marker = home.path().join("ran");
    let out = run(home.command(aws_as_bin()).args([
        "exec",
        "--server",
        "no-such-profile",
        "--",
        "touch",
        marker.to_str().unwrap(),
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr_str(&out).lines().count(), 1, "{}", stderr_str(&out));
    assert!(!marker.exists());
}

fn libc_sigterm() -> i32 {
    15
}
