//! `aws-as serve` with real clients: boto3, the AWS CLI v1 and v2, and the Go SDK get the served
//! identity through the EC2 metadata endpoint (IMDSv2, and again with IMDSv1 disabled) and
//! every identity through the ECS endpoint, each reporting the ARN moto's GetCallerIdentity
//! gives. Also: as on EC2 (169.254.169.254 on `lo` in a network namespace, no variable set),
//! 100 concurrent cold requests, an MFA code nobody can type, the control commands.
//! The Rust SDK's own providers are in tests/server_rust.rs; attacks in tests/server_security.rs.

use crate::common;

use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::*;

const ROLE1_CALLER: &str = "arn:aws:sts::111111111111:assumed-role/my-role1/my-user1@dev";
const ROLE2_CALLER_PREFIX: &str = "arn:aws:sts::222222222222:assumed-role/my-role2/";

/// `program` in the home's environment, with no credentials of its own and nothing that would
/// stop it from asking an endpoint.
fn client(home: &Home, program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = home.command(program);
    cmd.env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_DEFAULT_REGION", "eu-west-1");
    cmd
}

/// Each client's answer (one line: what it printed), under `env`.
fn every_client(home: &Home, sts: &Sts, env: &[(&str, String)]) -> Vec<(String, String)> {
    let mut answers = Vec::new();
    let mut clients: Vec<(&str, Command)> = Vec::new();
    let mut boto = client(home, python());
    boto.args(["-c", BOTO3_PROVIDER_AND_ARN]);
    clients.push(("boto3", boto));
    for (name, cli) in [("aws cli v1", aws_cli()), ("aws cli v2", aws_cli_v2())] {
        let mut c = client(home, cli);
        c.args(CLI_CALLER_ARN)
            .args(["--endpoint-url", &sts.endpoint()]);
        clients.push((name, c));
    }
    clients.push(("go v1", client(home, go_endpoint_client())));
    for (name, mut cmd) in clients {
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        let out = run_with_timeout(&mut cmd, Duration::from_secs(60));
        assert!(
            out.status.success(),
            "{name}: {}",
            redact(&stderr_str(&out))
        );
        answers.push((name.to_string(), stdout_str(&out).trim().to_string()));
    }
    answers
}

/// Secrets of every session in the cache: none may appear in `text`.
fn assert_no_cached_secret(home: &Home, text: &str) {
    let Ok(entries) = std::fs::read_dir(home.cache_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for field in ["secret_access_key", "session_token"] {
                let secret = v[field].as_str().unwrap();
                assert!(
                    !text.contains(secret),
                    "{field} of {} leaked",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn every_client_gets_the_served_identity_through_imds() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    terminal_session(&home);
    let server = home.serve(&[ROLE1_PROFILE]);
    assert_eq!(
        server.stdout,
        format!(
            "export AWS_EC2_METADATA_SERVICE_ENDPOINT={}\n",
            server.url()
        )
    );
    // The served identity's session is made at start, before any SDK asks (botocore gives IMDS
    // one second): the role is assumed with no request at all.
    server.wait_for_log(&format!("{ROLE1_PROFILE} is ready: a session until "));
    assert_eq!(sts.count("AssumeRole"), 1);
    for v1_disabled in ["false", "true"] {
        let env = [
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()),
            ("AWS_EC2_METADATA_V1_DISABLED", v1_disabled.to_string()),
        ];
        for (client, answer) in every_client(&home, &sts, &env) {
            let want = match client.as_str() {
                "boto3" => format!("iam-role {ROLE1_CALLER}"),
                "go v1" => format!("EC2RoleProvider {ROLE1_CALLER}"),
                _ => ROLE1_CALLER.to_string(),
            };
            assert_eq!(answer, want, "{client}, v1 disabled: {v1_disabled}");
        }
    }
    // One MFA session, made in the terminal; one AssumeRole, shared by every client since.
    assert_eq!(sts.count("GetSessionToken"), 1);
    assert_eq!(sts.count("AssumeRole"), 1);

    // Switched from a terminal while it runs.
    let out = run(home.command(aws_as_bin()).args([
        "server",
        "--server",
        &server.addr(),
        "switch",
        ROLE2_PROFILE,
    ]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    assert!(stdout_str(&out).starts_with("serving my-role2-dev on the IMDS path"));
    // The switch makes the new identity's session (from my-role1-dev's), before any SDK asks.
    server.wait_for_log(&format!("{ROLE2_PROFILE} is ready: a session until "));
    assert_eq!(sts.count("AssumeRole"), 2);
    let mut boto = client(&home, python());
    boto.args(["-c", BOTO3_PROVIDER_AND_ARN])
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url());
    let out = run(&mut boto);
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    assert!(
        stdout_str(&out).starts_with(&format!("iam-role {ROLE2_CALLER_PREFIX}")),
        "{}",
        stdout_str(&out)
    );
    let out =
        run(home
            .command(aws_as_bin())
            .args(["server", "status", "--server", &server.addr()]));
    let status = stdout_str(&out);
    assert!(
        status.starts_with(&format!(
            "serving my-role2-dev on the IMDS path at {}: session 0h5",
            server.addr()
        )),
        "{status}"
    );

    let log = server.log();
    assert!(log.contains(&format!(
        "GET /latest/meta-data/iam/security-credentials/{ROLE1_PROFILE} 200 {ROLE1_PROFILE}"
    )));
    assert_no_cached_secret(&home, &log);
    assert_no_cached_secret(&home, &status);
}

/// The `export` lines of `aws-as server env NAME`, as (name, value) pairs.
fn server_env(home: &Home, server: &Server, name: &str, extra: &[&str]) -> Vec<(String, String)> {
    let out = run(home
        .command(aws_as_bin())
        .args(["server", "env", name, "--server", &server.addr()])
        .args(extra));
    assert!(out.status.success(), "{}", stderr_str(&out));
    stdout_str(&out)
        .lines()
        .map(|l| {
            let (k, v) = l
                .strip_prefix("export ")
                .and_then(|l| l.split_once('='))
                .unwrap_or_else(|| panic!("not an export line: {l:?}"));
            (k.to_string(), v.trim_matches('\'').to_string())
        })
        .collect()
}

/// A client with a default profile takes it before any endpoint: `serve` and `server env` say
/// so at start, in one line with the fix, and say nothing when there is none.
#[test]
fn a_default_profile_that_would_win_is_warned_about_with_the_fix() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let warning = "takes other credentials before this endpoint";
    let env = |server: &Server, extra: &[(&str, &str)]| {
        let out = run(home
            .command(aws_as_bin())
            .args(["server", "env", ROLE1_PROFILE, "--server", &server.addr()])
            .envs(extra.iter().copied()));
        assert!(out.status.success(), "{}", stderr_str(&out));
        stderr_str(&out)
    };
    let server = home.serve(&[ROLE1_PROFILE]);
    server.wait_for_log("Ctrl-C stops it");
    assert_eq!(env(&server, &[]), "");
    assert!(!server.log().contains(warning), "{}", server.log());
    drop(server);

    home.credentials(&format!(
        "{STANDARD_CREDENTIALS}[default]\naws_access_key_id = AKIADEFAULTUSER00000\n\
         aws_secret_access_key = defaultsecret\n"
    ));
    let server = home.serve(&[ROLE1_PROFILE]);
    server.wait_for_log(warning);
    let fix = "run it with aws-as exec --server NAME -- CMD, or with AWS_PROFILE, \
               AWS_DEFAULT_PROFILE and AWS_ACCESS_KEY_ID unset and AWS_CONFIG_FILE=/dev/null \
               AWS_SHARED_CREDENTIALS_FILE=/dev/null";
    let line = format!(
        "aws-as: warning: a client started here {warning} (the default profile has \
         aws_access_key_id): {fix}"
    );
    assert_eq!(
        server.log().lines().filter(|l| l.contains(warning)).count(),
        1
    );
    assert!(server.log().contains(&line), "{}", server.log());
    assert_eq!(env(&server, &[]), format!("{line}\n"));
    home.credentials(STANDARD_CREDENTIALS);
    assert_eq!(
        env(&server, &[("AWS_PROFILE", USER_PROFILE)]),
        format!("aws-as: warning: a client started here {warning} (AWS_PROFILE is set): {fix}\n")
    );
}

#[test]
fn every_client_gets_each_identity_through_ecs() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    // A name with every character a profile name may hold besides letters and digits.
    home.config(&format!(
        "{STANDARD_CONFIG}[profile team/x@y:z+w%v.q_r]\nrole_arn = arn:aws:iam::111111111111:role/odd\nsource_profile = my-user1-dev\n"
    ));
    terminal_session(&home);
    // No identity on the IMDS path: the ECS path serves any, each with its own token.
    let server = home.serve(&[]);
    let env = server_env(&home, &server, ROLE1_PROFILE, &[]);
    assert_eq!(env[0].0, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    assert_eq!(env[0].1, format!("{}ecs/{ROLE1_PROFILE}", server.url()));
    assert_eq!(env[1].0, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    for (client, answer) in every_client(&home, &sts, &env) {
        let want = match client.as_str() {
            "boto3" => format!("container-role {ROLE1_CALLER}"),
            "go v1" => format!("CredentialsEndpointProvider {ROLE1_CALLER}"),
            _ => ROLE1_CALLER.to_string(),
        };
        assert_eq!(answer, want, "{client}");
    }

    // The token in a file instead (0600, no newline): boto3 reads it at every fetch.
    let file = home.path().join("ecs-token");
    let odd = "team/x@y:z+w%v.q_r";
    let env = server_env(
        &home,
        &server,
        odd,
        &["--token-file", file.to_str().unwrap()],
    );
    assert_eq!(env[1].0, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    assert_eq!(env[1].1, file.to_str().unwrap());
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let token = std::fs::read(&file).unwrap();
    assert_eq!(token.len(), 64, "hex, and no newline");
    let mut boto = client(&home, python());
    boto.args(["-c", BOTO3_PROVIDER_AND_ARN])
        .envs(env.iter().map(|(k, v)| (k, v)));
    let out = run(&mut boto);
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    assert!(
        stdout_str(&out).starts_with("container-role arn:aws:sts::111111111111:assumed-role/odd/"),
        "{}",
        stdout_str(&out)
    );
    assert_no_cached_secret(&home, &server.log());
}

/// No region anywhere on the client's side (no variable, no `[default]`): the served identity's
/// region (my-role2-dev's us-west-2) reaches the AWS CLI v2 and the Go SDK through IMDS, and
/// boto3, both CLIs and the Go SDK through `server env`; each signs its STS call for it.
#[test]
fn the_served_identitys_region_reaches_clients_that_have_none() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    terminal_session(&home);
    let server = home.serve(&[ROLE2_PROFILE]);
    let bare = |program: &std::path::Path| {
        let mut cmd = home.command(program);
        cmd.env_remove("AWS_EC2_METADATA_DISABLED");
        cmd
    };
    let signed_for = |name: &str, cmd: &mut Command| {
        sts.reset();
        let out = run_with_timeout(cmd, Duration::from_secs(60));
        assert!(
            out.status.success(),
            "{name}: {}",
            redact(&stderr_str(&out))
        );
        assert!(
            stdout_str(&out).contains(ROLE2_CALLER_PREFIX),
            "{name}: {}",
            stdout_str(&out)
        );
        let calls = sts.calls_of("GetCallerIdentity");
        assert_eq!(calls.len(), 1, "{name}");
        calls[0].region.clone().unwrap_or_default()
    };

    let imds = ("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url());
    let mut v2 = bare(&aws_cli_v2());
    v2.args(CLI_CALLER_ARN)
        .args(["--endpoint-url", &sts.endpoint()])
        .env(imds.0, &imds.1);
    assert_eq!(signed_for("aws cli v2 through IMDS", &mut v2), "us-west-2");
    let mut go = bare(&go_endpoint_client());
    go.arg("-region-from-imds").env(imds.0, &imds.1);
    assert_eq!(signed_for("go v1 through IMDS", &mut go), "us-west-2");

    // server env: the endpoint, its token and the region, as a shell that evals them gets them.
    let exports = server_env(&home, &server, ROLE2_PROFILE, &[]);
    let value = |var: &str| {
        exports
            .iter()
            .find(|(k, _)| k == var)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(value("AWS_REGION").as_deref(), Some("us-west-2"));
    assert_eq!(value("AWS_DEFAULT_REGION").as_deref(), Some("us-west-2"));
    let mut clients: Vec<(&str, Command)> = Vec::new();
    let mut boto = bare(&python());
    boto.args(["-c", BOTO3_CALLER_ARN]);
    clients.push(("boto3", boto));
    for (name, cli) in [("aws cli v1", aws_cli()), ("aws cli v2", aws_cli_v2())] {
        let mut c = bare(&cli);
        c.args(CLI_CALLER_ARN)
            .args(["--endpoint-url", &sts.endpoint()]);
        clients.push((name, c));
    }
    clients.push(("go v1", bare(&go_endpoint_client())));
    for (name, mut cmd) in clients {
        cmd.envs(exports.iter().map(|(k, v)| (k, v)));
        assert_eq!(signed_for(name, &mut cmd), "us-west-2", "{name}");
    }

    // An identity with no region: 404 with the fix on every region path, none exported.
    let out = run(home.command(aws_as_bin()).args([
        "server",
        "switch",
        ROLE1_PROFILE,
        "--server",
        &server.addr(),
    ]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    home.config(&STANDARD_CONFIG.replace("region = eu-west-1\n", ""));
    let token = server.imds_token();
    for path in [
        "/latest/meta-data/placement/region",
        "/latest/meta-data/placement/availability-zone/",
        "/latest/dynamic/instance-identity/document",
    ] {
        let answer = server.get(path, &[("X-aws-ec2-metadata-token", &token)]);
        assert_eq!(answer.status, 404, "{path}");
        assert!(
            answer.body.contains("set region in it"),
            "{path}: {}",
            answer.body
        );
    }
    let exports = server_env(&home, &server, ROLE1_PROFILE, &[]);
    assert!(
        !exports.iter().any(|(k, _)| k.contains("REGION")),
        "{exports:?}"
    );
}

#[test]
fn a_hundred_cold_requests_make_one_sts_call_per_identity() {
    // Slow STS answers keep every request waiting while the first resolution runs.
    let sts = Sts::moto_with_delay(0.4);
    let home = Home::standard(&sts);
    home.config(&STANDARD_CONFIG.replace(
        "mfa_serial = arn:aws:iam::111111111111:mfa/my-user1\n[profile my-role1-dev]",
        "mfa_serial = arn:aws:iam::111111111111:mfa/my-user1\nmfa_process = echo 123456\n[profile my-role1-dev]",
    ));
    let server = home.serve(&[ROLE2_PROFILE]);
    let env = server_env(&home, &server, ROLE1_PROFILE, &[]);
    let ecs_token = env[1].1.clone();
    let imds_token = server.imds_token();
    let addr = server.addr();
    let barrier = Arc::new(Barrier::new(100));
    let threads: Vec<_> = (0..100)
        .map(|i| {
            let (barrier, addr) = (Arc::clone(&barrier), addr.clone());
            let request = if i % 2 == 0 {
                format!(
                    "GET /latest/meta-data/iam/security-credentials/{ROLE2_PROFILE} HTTP/1.1\r\n\
                     Host: {addr}\r\nX-aws-ec2-metadata-token: {imds_token}\r\nConnection: close\r\n\r\n"
                )
            } else {
                format!(
                    "GET /ecs/{ROLE1_PROFILE} HTTP/1.1\r\nHost: {addr}\r\n\
                     Authorization: {ecs_token}\r\nConnection: close\r\n\r\n"
                )
            };
            std::thread::spawn(move || {
                barrier.wait();
                let answer = http(&addr, request.as_bytes()).expect("an answer");
                assert_eq!(answer.status, 200, "{}", answer.body);
                let v: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
                (i % 2, v["AccessKeyId"].as_str().unwrap().to_string())
            })
        })
        .collect();
    let keys: Vec<(usize, String)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    for kind in [0, 1] {
        let mut ids: Vec<&String> = keys.iter().filter(|k| k.0 == kind).map(|k| &k.1).collect();
        ids.dedup();
        assert_eq!(ids.len(), 1, "one session per identity: {ids:?}");
    }
    assert_eq!(sts.count("GetSessionToken"), 1, "{:?}", sts.calls());
    let roles: Vec<Option<String>> = sts
        .calls_of("AssumeRole")
        .into_iter()
        .map(|c| c.role_arn)
        .collect();
    assert_eq!(roles.len(), 2, "{roles:?}");
    assert!(roles.contains(&Some(ROLE1_ARN.to_string())));
    assert!(roles.contains(&Some(ROLE2_ARN.to_string())));
}

#[test]
fn an_mfa_code_nobody_can_type_fails_at_once_and_a_terminal_session_then_serves() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let server = home.serve(&[ROLE1_PROFILE]);
    let token = server.imds_token();
    let started = Instant::now();
    let answer = server.get(
        &format!("/latest/meta-data/iam/security-credentials/{ROLE1_PROFILE}"),
        &[("X-aws-ec2-metadata-token", &token)],
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "SDKs give IMDS a second"
    );
    assert_eq!(answer.status, 404, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("run `aws-as my-user1-dev` in a terminal"),
        "{}",
        answer.body
    );
    assert!(!answer.body.contains("AccessKeyId"));
    let mut boto = client(&home, python());
    boto.args(["-c", BOTO3_PROVIDER_AND_ARN])
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url());
    let out = run(&mut boto);
    assert!(!out.status.success());
    assert_eq!(stderr_str(&out), "boto3: no credentials\n");
    // The start's attempt to get the session ready says why it could not; each request says so
    // again on its own line.
    server.wait_for_log(&format!("{ROLE1_PROFILE} has no session yet: "));
    let log = server.log();
    assert!(
        log.lines().any(|l| l.contains(&format!(
            "GET /latest/meta-data/iam/security-credentials/{ROLE1_PROFILE} 404"
        )) && l.contains("run `aws-as my-user1-dev` in a terminal")),
        "{log}"
    );
    assert_eq!(
        sts.count("GetSessionToken"),
        0,
        "nobody was asked, nothing was sent"
    );

    // The person runs the command the message names, in any terminal: the server sees the new
    // MFA session within a second and assumes the role before the SDK asks again.
    terminal_session(&home);
    server.wait_for_log(&format!("{ROLE1_PROFILE} is ready: a session until "));
    assert_eq!(sts.count("AssumeRole"), 1);
    let out = run(&mut boto);
    assert!(out.status.success(), "{}", redact(&stderr_str(&out)));
    assert_eq!(stdout_str(&out).trim(), format!("iam-role {ROLE1_CALLER}"));
    assert_eq!(sts.count("GetSessionToken"), 1);
}

#[test]
fn one_server_a_port_and_one_line_when_there_is_none() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let server = home.serve(&[]);
    let out = run(home
        .command(aws_as_bin())
        .args(["serve", "--listen", &server.addr()]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr_str(&out),
        format!(
            "aws-as: an aws-as server is already running on {}: see aws-as server status, or start another with --listen 127.0.0.1:PORT\n",
            server.addr()
        )
    );
    assert!(stdout_str(&out).is_empty());
    // Not loopback: refused, one line.
    for addr in ["0.0.0.0:9254", "192.0.2.1:80", "169.254.169.254:1"] {
        let out = run(home.command(aws_as_bin()).args(["serve", "--listen", addr]));
        assert_eq!(out.status.code(), Some(1), "{addr}");
        assert_eq!(
            stderr_str(&out).lines().count(),
            1,
            "{addr}: {}",
            stderr_str(&out)
        );
        assert!(stderr_str(&out).starts_with(&format!("aws-as: refusing to listen on {addr}")));
    }

    let mut server = server;
    let out = run(home
        .command(aws_as_bin())
        .args(["server", "stop", "--server", &server.addr()]));
    assert!(out.status.success(), "{}", stderr_str(&out));
    let status = server.wait_exit(Duration::from_secs(10)).expect("it stops");
    assert_eq!(status.code(), Some(0));
    for args in [
        &["status"][..],
        &["switch", ROLE1_PROFILE],
        &["stop"],
        &["env", ROLE1_PROFILE],
    ] {
        let out = run(home
            .command(aws_as_bin())
            .arg("server")
            .args(args)
            .args(["--server", &server.addr()]));
        assert_eq!(out.status.code(), Some(1), "{args:?}");
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
}

/// Control commands find a server started on another address without `--server`: the one
/// running (with its own token file), `AWS_AS_SERVER`; several running, one line naming them;
/// a server killed and its port taken by another user: that port gets no management token.
#[test]
fn control_commands_find_the_server_and_send_its_token_only_to_it() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let status = |args: &[&str], env: &[(&str, &str)]| {
        run(home
            .command(aws_as_bin())
            .args(["server", "status"])
            .args(args)
            .envs(env.iter().copied()))
    };
    let first = home.serve(&[ROLE1_PROFILE]);
    let out = status(&[], &[]);
    assert!(out.status.success(), "{}", stderr_str(&out));
    assert!(
        stdout_str(&out).contains(&format!("at {}:", first.addr())),
        "{}",
        stdout_str(&out)
    );
    let out = status(&[], &[("AWS_AS_SERVER", &first.addr())]);
    assert!(out.status.success(), "{}", stderr_str(&out));
    let out = status(&[], &[("AWS_AS_SERVER", "localhost")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr_str(&out),
        "aws-as: AWS_AS_SERVER=\"localhost\" is not an address: set it to ADDR:PORT, e.g. 127.0.0.1:9254\n"
    );

    // A second server, with a token file of its own: named, it is found with that file.
    let mut second = home.serve(&["--token-file", "second-token"]);
    let out = status(&["--server", &second.addr()], &[]);
    assert!(out.status.success(), "{}", stderr_str(&out));
    let out = status(&[], &[]);
    assert_eq!(out.status.code(), Some(1));
    let mut both = [first.addr(), second.addr()];
    both.sort_by_key(|a| a.parse::<std::net::SocketAddr>().unwrap());
    assert_eq!(
        stderr_str(&out),
        format!(
            "aws-as: 2 aws-as servers are running ({}): name one with --server ADDR:PORT or AWS_AS_SERVER=ADDR:PORT\n",
            both.join(", ")
        )
    );

    // Killed, it leaves its record; another user takes its port.
    second.signal("KILL");
    second.wait_exit(Duration::from_secs(10)).expect("killed");
    // Bound to the address itself, or to every address (a wildcard socket takes a connection
    // to 127.0.0.1 just as well).
    for host in ["'127.0.0.1'", "''"] {
        let squatter = r"import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen()
print('ready', flush=True)
s.settimeout(8)
try:
    c, _ = s.accept()
    c.settimeout(2)
    print(c.recv(65536).decode(errors='replace'), flush=True)
    c.sendall(b'HTTP/1.1 200 OK\r\nServer: aws-as\r\nContent-Length: 2\r\n\r\n{}')
except OSError:
    pass
"
        .replace("PORT", &second.port().to_string())
        .replace("HOST", host);
        let mut squatter = Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "/usr/bin/python3",
                "-c",
            ])
            .arg(&squatter)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("setpriv");
        let mut stdout = std::io::BufReader::new(squatter.stdout.take().unwrap());
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        assert_eq!(line, "ready\n");
        // Not a running server of this user's: the one left is found.
        let out = status(&[], &[]);
        assert!(out.status.success(), "{}", stderr_str(&out));
        assert!(stdout_str(&out).contains(&format!("at {}:", first.addr())));
        // Named, it is refused before anything is sent.
        for env in [&[][..], &[("AWS_AS_SERVER", second.addr().as_str())]] {
            let args: &[&str] = if env.is_empty() {
                &["--server", &second.addr()]
            } else {
                &[]
            };
            let out = status(args, env);
            assert_eq!(out.status.code(), Some(1));
            assert_eq!(
                stderr_str(&out),
                format!(
                    "aws-as: what listens on {} belongs to another user (uid 65534): refusing to send it the management token; name your server with --server ADDR:PORT\n",
                    second.addr()
                )
            );
        }
        let _ = squatter.kill();
        let _ = squatter.wait();
        let mut received = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut received).unwrap();
        assert!(!received.contains("Bearer"), "the squatter got the token");
    }
    drop(first);
}

/// `server switch` to a name nobody knows says what to type (aws-as list), not the API's route.
#[test]
fn server_switch_to_an_unknown_name_points_at_aws_as_list() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    // The server reads a config without my-role2-dev; this terminal's has it.
    let other = home.path().join("server-config");
    std::fs::write(
        &other,
        STANDARD_CONFIG
            .split("[profile my-role2-dev]")
            .next()
            .unwrap(),
    )
    .unwrap();
    let server = home.serve_with(&[], &[("AWS_CONFIG_FILE", other.to_str().unwrap())]);
    for (name, says) in [
        ("nosuch", "unknown identity \"nosuch\""),
        (
            ROLE2_PROFILE,
            "there is no profile \"my-role2-dev\" (aws-as list shows them)",
        ),
    ] {
        let out = run(home.command(aws_as_bin()).args([
            "server",
            "switch",
            name,
            "--server",
            &server.addr(),
        ]));
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = stderr_str(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!err.contains("/manage/"), "{err}");
    }
}

/// The activated `aws-as` runs `serve` and `server` as they are, like `exec` and `list`: their
/// output is for a person, never evaluated.
#[test]
fn the_activated_function_runs_the_server_commands_as_they_are() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let server = home.serve(&[ROLE1_PROFILE]);
    let addr = server.addr();
    let status = format!("aws-as server status --server {addr}");
    for (shell, args) in [
        (
            "bash",
            vec![
                "-c".to_string(),
                format!("eval \"$(aws-as-activate --shell bash)\"; {status}"),
            ],
        ),
        (
            "zsh",
            vec![
                "-f".into(),
                "-c".into(),
                format!("eval \"$(aws-as-activate --shell zsh)\"; {status}"),
            ],
        ),
        (
            "dash",
            vec![
                "-c".into(),
                format!("eval \"$(aws-as-activate --shell sh)\"; {status}"),
            ],
        ),
        (
            "fish",
            vec![
                "--no-config".into(),
                "-c".into(),
                format!("aws-as-activate --shell fish | source; {status}"),
            ],
        ),
        (
            "tcsh",
            vec![
                "-f".into(),
                "-c".into(),
                format!("eval \"`aws-as-activate -c`\"; {status}"),
            ],
        ),
    ] {
        let out = run(home
            .command(shell)
            .args(&args)
            .env("AWS_AS_BIN", aws_as_bin()));
        assert!(out.status.success(), "{shell}: {}", stderr_str(&out));
        assert!(
            stdout_str(&out).starts_with("serving my-role1-dev on the IMDS path"),
            "{shell}: {}",
            stdout_str(&out)
        );
    }
}

#[test]
fn sigint_and_sigterm_stop_it_with_status_0() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    for signal in ["INT", "TERM"] {
        let mut server = home.serve(&[]);
        assert_eq!(server.get("/latest/meta-data/instance-id", &[]).status, 401);
        server.signal(signal);
        let status = server.wait_exit(Duration::from_secs(10)).expect("it stops");
        assert_eq!(status.code(), Some(0), "SIG{signal}");
    }
}

#[test]
fn state_files_others_can_read_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let server = home.serve(&[]);
    drop(server);
    let dir = home.path().join(".local/state/aws-as");
    let meta = std::fs::metadata(&dir).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    for file in ["ecs-secret", "manage-token"] {
        let path = dir.join(file);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600,
            "{file}"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = run(home.command(aws_as_bin()).args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
        ]));
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert_eq!(
            stderr_str(&out),
            format!(
                "aws-as: refusing the {} {}: others can read or write it (mode 644); run chmod 600 on it\n",
                if file == "ecs-secret" {
                    "server secret"
                } else {
                    "management token file"
                },
                path.display()
            )
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// As on EC2: in a network namespace with 169.254.169.254 on `lo`, boto3 and the AWS CLI find
/// the credentials with no endpoint variable at all. Needs root (CI runs as root).
#[test]
fn as_on_ec2_with_no_variable_in_a_network_namespace() {
    if unsafe { libc_geteuid() } != 0 {
        eprintln!("skipped: needs root for a network namespace");
        return;
    }
    let home = Home::standard(&Sts::moto());
    // Everything runs inside the namespace: its own loopback, its own STS.
    let script = format!(
        r#"set -eu
ip link set lo up
ip addr add 169.254.169.254/32 dev lo
mkfifo sts.in
{py} {sts_py} moto <sts.in >sts.out 2>sts.err &
exec 3>sts.in
for _ in $(seq 300); do grep -q '^PORT ' sts.out 2>/dev/null && break; sleep 0.1; done
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$(sed -n 's/^PORT //p' sts.out)
aws-as --mfa-code 123456 my-user1-dev >/dev/null
aws-as serve --listen 169.254.169.254:80 my-role1-dev >serve.out 2>serve.err &
server=$!
for _ in $(seq 100); do [ -s serve.out ] && break; sleep 0.1; done
# botocore gives IMDS one second: on a loaded machine a cold AssumeRole can take longer, so the
# clients start once the server says the session is ready (it gets it at start).
for _ in $(seq 300); do grep -q ' is ready: ' serve.err && break; sleep 0.1; done
grep -q ' is ready: ' serve.err || {{ echo "the server never got ready:" >&2; cat serve.err >&2; exit 1; }}
unset AWS_EC2_METADATA_DISABLED
export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
echo "serve: $(head -n 1 serve.out)"
echo "boto3: $({py} -c "$BOTO3")"
echo "cli v1: $({aws} sts get-caller-identity --query Arn --output text --endpoint-url "$AWS_ENDPOINT_URL_STS")"
echo "cli v2: $(/usr/bin/aws sts get-caller-identity --query Arn --output text --endpoint-url "$AWS_ENDPOINT_URL_STS")"
kill "$server"
"#,
        py = python().display(),
        sts_py = sts_script().display(),
        aws = aws_cli().display(),
    );
    let out = run_with_timeout(
        home.command("unshare")
            .args(["--net", "bash", "-c", &script])
            .env("BOTO3", BOTO3_PROVIDER_AND_ARN),
        Duration::from_secs(120),
    );
    let text = stdout_str(&out);
    assert!(
        out.status.success(),
        "{text}\n{}",
        redact(&stderr_str(&out))
    );
    assert_eq!(
        text,
        format!(
            "serve: export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://169.254.169.254/\n\
             boto3: iam-role {ROLE1_CALLER}\ncli v1: {ROLE1_CALLER}\ncli v2: {ROLE1_CALLER}\n"
        ),
        "{}",
        redact(&stderr_str(&out))
    );
}

unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}
