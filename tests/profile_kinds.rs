//! Every kind of profile the AWS CLI accepts, against moto (issue 22): aws-vault's role settings
//! as they reach STS; web identity (the token read at each call, a missing, empty or unreadable
//! file); credential_process (sessions cached, keys never; a process that hangs, prints garbage,
//! fails, prints an expired credential or a secret on stderr: one line, nothing cached; aws-as
//! itself read directly, loops); credential_source (Environment, in a switched shell too;
//! Ec2InstanceMetadata and EcsContainer from aws-as's own server); each through the switch and
//! another output or two, and boto3 and the AWS CLI v1 for one.

use crate::common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::*;

fn fails(out: &Output, expect: &[&str]) -> String {
    let err = stderr_str(out);
    assert!(!out.status.success(), "succeeded: {}", redact(&err));
    assert!(out.stdout.is_empty());
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    for e in expect {
        assert!(err.contains(e), "{e:?} not in: {err}");
    }
    err
}

/// The value the switch's output sets `var` to.
fn exported(out: &Output, var: &str) -> String {
    let text = stdout_str(out);
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("export {var}=")))
        .unwrap_or_else(|| panic!("{var} not set"));
    line.split_once('=')
        .unwrap()
        .1
        .trim_end_matches(';')
        .trim_matches('\'')
        .to_string()
}

/// The cache's session entries.
fn cached_entries(home: &Home) -> usize {
    std::fs::read_dir(home.cache_dir())
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.ends_with(".json") && !name.starts_with("index")
                })
                .count()
        })
        .unwrap_or(0)
}

fn write_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

const PLAIN_USER: &str = "\
[plain]
aws_access_key_id = AKIAPLAINEXAMPLE0001
aws_secret_access_key = plainsecret/EXAMPLEKEY+abc
";

#[test]
fn role_settings_reach_sts_and_shape_the_cache_key() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.credentials(&format!("{STANDARD_CREDENTIALS}{PLAIN_USER}"));
    let config = |tags: &str| {
        format!(
            "{STANDARD_CONFIG}[profile plain]\n[profile tagged]\nrole_arn = arn:aws:iam::111111111111:role/tagged\nsource_profile = plain\n\
             session_tags = {tags}\ntransitive_session_tags = team, project\nsource_identity = alice\nexternal_id = ext-1\n"
        )
    };
    home.config(&config("team=blue, project = x=y ,cost=1"));
    ok(&aws_as(&home, &["tagged"]));
    let calls = sts.calls_of("AssumeRole");
    assert_eq!(calls.len(), 1, "{calls:?}");
    let c = &calls[0];
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        c.tags,
        [
            pair("team", "blue"),
            pair("project", "x=y"),
            pair("cost", "1")
        ]
    );
    assert_eq!(c.transitive_tag_keys, ["team", "project"]);
    assert_eq!(c.source_identity.as_deref(), Some("alice"));
    assert_eq!(c.external_id.as_deref(), Some("ext-1"));
    // Cached: the same settings call STS no more.
    ok(&aws_as(&home, &["exec", "tagged", "--", "true"]));
    assert_eq!(sts.count("AssumeRole"), 1);
    // Other tags are another session.
    std::thread::sleep(Duration::from_millis(1100));
    home.config(&config("team=red"));
    ok(&aws_as(&home, &["tagged"]));
    assert_eq!(sts.count("AssumeRole"), 2);
    assert_eq!(sts.calls_of("AssumeRole")[1].tags, [pair("team", "red")]);
    // A tag that is not key=value is one line, and changes nothing.
    home.config(&config("team"));
    fails(
        &aws_as(&home, &["tagged"]),
        &["session_tags", "key1=value1,key2=value2"],
    );
    assert_eq!(sts.count("AssumeRole"), 2);
}

const WEB_ROLE: &str = "arn:aws:iam::111111111111:role/ci-deploy";

#[test]
fn web_identity_reads_the_token_at_each_call_and_caches_the_session() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let token_file = home.path().join("token");
    home.config(&format!(
        "{STANDARD_CONFIG}[profile ci]\nrole_arn = {WEB_ROLE}\nweb_identity_token_file = {}\nrole_session_name = ci-run\nregion = eu-central-1\n",
        token_file.display()
    ));
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
    std::fs::write(&token_file, format!("{token}\n")).unwrap();

    let out = aws_as(&home, &["ci"]);
    ok(&out);
    assert_eq!(exported(&out, "AWS_REGION"), "eu-central-1");
    let calls = sts.calls_of("AssumeRoleWithWebIdentity");
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].role_arn.as_deref(), Some(WEB_ROLE));
    assert_eq!(calls[0].role_session_name.as_deref(), Some("ci-run"));
    assert!(!calls[0].signed, "AssumeRoleWithWebIdentity is unsigned");
    let sha = {
        let out = run(std::process::Command::new(python()).args([
            "-c",
            &format!("import hashlib; print(hashlib.sha256(b'{token}').hexdigest())"),
        ]));
        stdout_str(&out).trim().to_string()
    };
    assert_eq!(calls[0].web_identity_token_sha256.as_deref(), Some(&*sha));

    // The session is cached; the token is read again only for the next session.
    let out = aws_as(&home, &["credential-process", "ci"]);
    ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["Version"], 1);
    assert_eq!(sts.count("AssumeRoleWithWebIdentity"), 1);
    // Real clients use what the switch hands out.
    let out = run(home.command(aws_as_bin()).args([
        "exec",
        "ci",
        "--",
        &python().to_string_lossy(),
        "-c",
        BOTO3_CALLER_ARN,
    ]));
    ok(&out);
    assert!(
        stdout_str(&out).contains("assumed-role/ci-deploy/ci-run"),
        "{}",
        stdout_str(&out)
    );
    let list = stdout_str(&aws_as(&home, &["list"]));
    assert!(
        list.lines()
            .any(|l| l[2..].starts_with("ci ") && l.contains("web-identity")),
        "{list}"
    );

    // Missing, empty, unreadable: one line each, no call, nothing cached.
    std::fs::remove_dir_all(home.cache_dir()).unwrap();
    sts.reset();
    std::fs::remove_file(&token_file).unwrap();
    fails(
        &aws_as(&home, &["ci"]),
        &["web_identity_token_file", "does not exist"],
    );
    std::fs::write(&token_file, "\n").unwrap();
    fails(
        &aws_as(&home, &["ci"]),
        &["web_identity_token_file", "is empty"],
    );
    std::fs::remove_file(&token_file).unwrap();
    std::fs::create_dir(&token_file).unwrap();
    fails(
        &aws_as(&home, &["ci"]),
        &["web_identity_token_file", "cannot be read"],
    );
    assert_eq!(sts.count("AssumeRoleWithWebIdentity"), 0);
    assert_eq!(cached_entries(&home), 0);
}

/// A credential_process script printing the given JSON, counting its runs in `runs`.
fn process_printing(home: &Home, name: &str, json: &str) -> std::path::PathBuf {
    let path = home.path().join(name);
    let runs = home.path().join(format!("{name}.runs"));
    write_script(
        &path,
        &format!(
            "echo run >> '{}'\ncat <<'EOF'\n{json}\nEOF\n",
            runs.display()
        ),
    );
    path
}

fn runs(home: &Home, name: &str) -> usize {
    std::fs::read_to_string(home.path().join(format!("{name}.runs")))
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[test]
fn a_credential_process_session_is_cached_and_its_keys_never_are() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let later = "2099-01-01T00:00:00Z";
    let session = process_printing(
        &home,
        "session",
        &format!(
            r#"{{"Version": 1, "AccessKeyId": "ASIAPROCESSSESSION01", "SecretAccessKey": "processSessionSecret0001", "SessionToken": "processSessionToken0001", "Expiration": "{later}"}}"#
        ),
    );
    let keys = process_printing(
        &home,
        "keys",
        r#"{"Version": 1, "AccessKeyId": "AKIAPROCESSKEYS00001", "SecretAccessKey": "processLongTermSecret001"}"#,
    );
    home.config(&format!(
        "{STANDARD_CONFIG}[profile from-session]\ncredential_process = '{}' --flag \"two words\"\n\
         [profile from-keys]\ncredential_process = {}\n\
         [profile over-keys]\nrole_arn = arn:aws:iam::111111111111:role/over\nsource_profile = from-keys\n",
        session.display(),
        keys.display()
    ));

    // A session: handed out as it is, cached until it expires; STS is not called.
    let out = aws_as(&home, &["from-session"]);
    ok(&out);
    assert_eq!(exported(&out, "AWS_ACCESS_KEY_ID"), "ASIAPROCESSSESSION01");
    assert_eq!(exported(&out, "AWS_CREDENTIAL_EXPIRATION"), later);
    ok(&aws_as(&home, &["exec", "from-session", "--", "true"]));
    assert_eq!(runs(&home, "session"), 1);
    assert!(sts.calls().is_empty(), "{:?}", sts.calls());

    // Long-term keys: a switch gets a session made of them (GetSessionToken); the keys are in
    // no cache file.
    let out = aws_as(&home, &["from-keys"]);
    ok(&out);
    assert!(exported(&out, "AWS_ACCESS_KEY_ID").starts_with("ASIA"));
    let gst = sts.calls_of("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert_eq!(
        gst[0].access_key_id.as_deref(),
        Some("AKIAPROCESSKEYS00001")
    );
    // As a role's source they sign the AssumeRole themselves, as the SDKs use them (a session
    // made of them for a switch, while it lasts, would be used instead).
    std::fs::remove_dir_all(home.cache_dir()).unwrap();
    let out = aws_as(&home, &["over-keys"]);
    ok(&out);
    let ar = sts.calls_of("AssumeRole");
    assert_eq!(ar.len(), 1);
    assert_eq!(ar[0].access_key_id.as_deref(), Some("AKIAPROCESSKEYS00001"));
    assert_eq!(ar[0].security_token, None);
    for entry in std::fs::read_dir(home.cache_dir()).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        assert!(
            !text.contains("processLongTermSecret001"),
            "{:?}",
            entry.path()
        );
    }
    let list = stdout_str(&aws_as(&home, &["list"]));
    assert!(
        list.lines()
            .any(|l| l[2..].starts_with("from-keys ") && l.contains("credential-process")),
        "{list}"
    );
    let names = stdout_str(&aws_as(&home, &["list", "--names"]));
    for name in ["from-session", "from-keys", "over-keys"] {
        assert!(names.lines().any(|l| l == name), "{name} not in {names}");
    }
}

#[test]
fn a_failing_credential_process_is_one_line_and_nothing_is_cached() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let dir = home.path();
    let script = |name: &str, body: &str| {
        let path = dir.join(name);
        write_script(&path, body);
        path.display().to_string()
    };
    let cases = [
        (
            "hangs",
            script("hangs", "sleep 30\n"),
            "did not finish within",
        ),
        (
            "garbage",
            script("garbage", &format!("echo 'oops {secret} <html>'\n")),
            "not JSON",
        ),
        (
            "fails",
            script(
                "fails",
                &format!(
                    "echo 'AccessKeyId AKIAX secret {secret}' >&2\necho 'not signed in: run op signin' >&2\nexit 3\n"
                ),
            ),
            "exited with status 3: \"not signed in: run op signin\"",
        ),
        (
            "fails-with-secret",
            script(
                "fails-with-secret",
                &format!("echo '{secret}' >&2\nexit 1\n"),
            ),
            "exited with status 1",
        ),
        (
            "expired",
            script(
                "expired",
                &format!(
                    "echo '{{\"Version\":1,\"AccessKeyId\":\"ASIAEXPIRED\",\"SecretAccessKey\":\"{secret}\",\"SessionToken\":\"t\",\"Expiration\":\"2020-01-01T00:00:00Z\"}}'\n"
                ),
            ),
            "expired at 2020-01-01T00:00:00Z",
        ),
        (
            "version-2",
            script(
                "version-2",
                &format!(
                    "echo '{{\"Version\":2,\"AccessKeyId\":\"AKIA\",\"SecretAccessKey\":\"{secret}\"}}'\n"
                ),
            ),
            "\"Version\": 1",
        ),
        (
            "missing",
            dir.join("no-such").display().to_string(),
            "cannot be started",
        ),
    ];
    let mut config = STANDARD_CONFIG.to_string();
    for (name, command, _) in &cases {
        config.push_str(&format!(
            "[profile {name}]\ncredential_process = {command}\n"
        ));
    }
    home.config(&config);
    for (name, _, want) in &cases {
        let mut cmd = home.command(aws_as_bin());
        cmd.arg(name).env("AWS_AS_CREDENTIAL_PROCESS_TIMEOUT", "1");
        let started = std::time::Instant::now();
        let out = run(&mut cmd);
        assert!(started.elapsed() < Duration::from_secs(10), "{name}");
        let err = fails(&out, &[want, "credential_process", name]);
        assert!(!err.contains(secret), "{name}: the secret in {err}");
    }
    // A secret on stderr beside good output: the switch works and says nothing of it.
    let good = script(
        "chatty",
        &format!(
            "echo 'debug: secret is {secret}' >&2\necho '{{\"Version\":1,\"AccessKeyId\":\"ASIACHATTY\",\"SecretAccessKey\":\"{secret}\",\"SessionToken\":\"tok\",\"Expiration\":\"2099-01-01T00:00:00Z\"}}'\n"
        ),
    );
    config.push_str(&format!("[profile chatty]\ncredential_process = {good}\n"));
    home.config(&config);
    assert_eq!(cached_entries(&home), 0);
    let out = aws_as(&home, &["chatty"]);
    ok(&out);
    assert!(!stderr_str(&out).contains(secret));
    assert!(sts.calls().is_empty());
}

#[test]
fn aws_as_as_its_own_credential_process_is_read_directly() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let bin = aws_as_bin();
    home.config(&format!(
        "{STANDARD_CONFIG}\
[profile alias]
credential_process = {} credential-process --mfa-code 123456 my-role1-dev
[profile alias-of-alias]
credential_process = aws-as credential-process alias
[profile over-alias]
role_arn = arn:aws:iam::222222222222:role/over
source_profile = alias
[profile loop-a]
credential_process = aws-as credential-process loop-b
[profile loop-b]
credential_process = aws-as-sts credential-process loop-a
[profile wrapped]
credential_process = sh -c 'aws-as credential-process wrapped'
",
        bin.display()
    ));
    let out = aws_as(&home, &["--mfa-code", "123456", "alias"]);
    ok(&out);
    assert_eq!(exported(&out, "AWS_AS_IDENTITY"), "alias");
    assert_eq!(sts.count("GetSessionToken"), 1);
    assert_eq!(sts.count("AssumeRole"), 1);
    ok(&aws_as(&home, &["alias-of-alias"]));
    ok(&aws_as(&home, &["over-alias"]));
    assert_eq!(sts.count("GetSessionToken"), 1, "the user's session, once");
    fails(&aws_as(&home, &["loop-a"]), &["loops back"]);
    let out = run_with_timeout(
        home.command(aws_as_bin()).arg("wrapped"),
        Duration::from_secs(30),
    );
    fails(&out, &["credential_process", "wrapped"]);
}

#[test]
fn credential_source_environment_is_the_users_own_even_in_a_switched_shell() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(&format!(
        "{STANDARD_CONFIG}[profile from-env]\nrole_arn = arn:aws:iam::111111111111:role/env\ncredential_source = Environment\n"
    ));
    let out = run(home
        .command(aws_as_bin())
        .arg("from-env")
        .env("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001")
        .env("AWS_SECRET_ACCESS_KEY", "envSecret0001"));
    ok(&out);
    let ar = sts.calls_of("AssumeRole");
    assert_eq!(ar[0].access_key_id.as_deref(), Some("AKIAENVIRONMENT00001"));
    assert_eq!(
        ar[0].role_arn.as_deref(),
        Some("arn:aws:iam::111111111111:role/env")
    );

    // In a shell switched to another identity, AWS_* are aws-as's: the user's own were kept.
    std::fs::remove_dir_all(home.cache_dir()).unwrap();
    let out = run(home
        .command(aws_as_bin())
        .arg("from-env")
        .env("AWS_AS_IDENTITY", "my-role1-dev")
        .env("AWS_ACCESS_KEY_ID", "ASIASWITCHEDIDENTITY")
        .env("AWS_SECRET_ACCESS_KEY", "switchedSecret")
        .env("AWS_SESSION_TOKEN", "switchedToken")
        .env("AWS_AS_SAVED_ACCESS_KEY_ID", "AKIAUSERSOWNKEY00001")
        .env("AWS_AS_SAVED_SECRET_ACCESS_KEY", "usersOwnSecret"));
    ok(&out);
    let ar = sts.calls_of("AssumeRole");
    assert_eq!(ar[1].access_key_id.as_deref(), Some("AKIAUSERSOWNKEY00001"));
    // None kept: none to use.
    std::fs::remove_dir_all(home.cache_dir()).unwrap();
    let out = run(home
        .command(aws_as_bin())
        .arg("from-env")
        .env("AWS_AS_IDENTITY", "my-role1-dev")
        .env("AWS_ACCESS_KEY_ID", "ASIASWITCHEDIDENTITY")
        .env("AWS_SECRET_ACCESS_KEY", "switchedSecret"));
    fails(
        &out,
        &["credential_source = Environment", "before the switch"],
    );
    let list = stdout_str(&aws_as(&home, &["list"]));
    assert!(
        list.lines()
            .any(|l| l[2..].starts_with("from-env ") && l.contains("Environment")),
        "{list}"
    );
}

#[test]
fn credential_source_instance_and_container_from_aws_as_own_server() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(&format!(
        "{STANDARD_CONFIG}\
[profile on-ec2]
role_arn = arn:aws:iam::111111111111:role/ec2
credential_source = Ec2InstanceMetadata
[profile on-ecs]
role_arn = arn:aws:iam::111111111111:role/ecs
credential_source = EcsContainer
"
    ));
    terminal_session(&home);
    let server = home.serve(&[ROLE1_PROFILE]);
    server.wait_for_log("Ctrl-C stops it");
    let served = {
        let out = aws_as(&home, &["credential-process", ROLE1_PROFILE]);
        ok(&out);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["AccessKeyId"].as_str().unwrap().to_string()
    };

    // Nothing there: one line naming where it looked.
    let out = aws_as(&home, &["on-ec2"]);
    fails(
        &out,
        &[
            "credential_source = Ec2InstanceMetadata",
            "AWS_EC2_METADATA",
        ],
    );

    let out = run(home
        .command(aws_as_bin())
        .arg("on-ec2")
        .env("AWS_EC2_METADATA_DISABLED", "false")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()));
    ok(&out);
    let ar = sts.calls_of("AssumeRole");
    let last = ar.last().unwrap();
    assert_eq!(
        last.role_arn.as_deref(),
        Some("arn:aws:iam::111111111111:role/ec2")
    );
    assert_eq!(last.access_key_id.as_deref(), Some(&*served));
    assert!(last.security_token.is_some());

    let env = run(home.command(aws_as_bin()).args([
        "server",
        "env",
        ROLE1_PROFILE,
        "--server",
        &server.addr(),
    ]));
    ok(&env);
    let mut cmd = home.command(aws_as_bin());
    cmd.args(["exec", "on-ecs", "--", "true"]);
    for line in stdout_str(&env).lines() {
        let (k, v) = line
            .strip_prefix("export ")
            .unwrap()
            .split_once('=')
            .unwrap();
        cmd.env(k, v.trim_matches('\''));
    }
    ok(&run(&mut cmd));
    let last = sts.calls_of("AssumeRole").pop().unwrap();
    assert_eq!(
        last.role_arn.as_deref(),
        Some("arn:aws:iam::111111111111:role/ecs")
    );
    assert_eq!(last.access_key_id.as_deref(), Some(&*served));
}

#[test]
fn kinds_aws_as_does_not_support_are_named_without_advice_to_add_keys() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(&format!(
        "{STANDARD_CONFIG}[profile console]\nlogin_session = arn:aws:iam::111111111111:user/me\n\
         [profile saml]\nsaml.idp_arn = arn:aws:iam::111111111111:saml-provider/okta\n"
    ));
    for (name, what) in [("console", "console sign-in"), ("saml", "SAML")] {
        let err = fails(&aws_as(&home, &[name]), &[what, "does not support"]);
        assert!(!err.contains("aws_access_key_id"), "{err}");
    }
    let names = stdout_str(&aws_as(&home, &["list", "--names"]));
    assert!(
        !names.contains("console") && !names.contains("saml"),
        "{names}"
    );
}

const ADHOC_ARN: &str = "arn:aws:iam::222222222222:role/adhoc";

#[test]
fn a_role_by_arn_with_no_profile_is_cached_like_one() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let name = format!("{ROLE1_PROFILE}>{ADHOC_ARN}");
    let out = aws_as(
        &home,
        &[
            "--mfa-code",
            "123456",
            "--role-arn",
            ADHOC_ARN,
            ROLE1_PROFILE,
        ],
    );
    ok(&out);
    assert_eq!(exported(&out, "AWS_AS_IDENTITY"), name);
    let roles: Vec<Option<String>> = sts
        .calls_of("AssumeRole")
        .into_iter()
        .map(|c| c.role_arn)
        .collect();
    assert_eq!(
        roles,
        [Some(ROLE1_ARN.to_string()), Some(ADHOC_ARN.to_string())]
    );
    // Every output finds the session under the same name; the name itself is one too.
    ok(&aws_as(
        &home,
        &["exec", "--role-arn", ADHOC_ARN, ROLE1_PROFILE, "--", "true"],
    ));
    ok(&aws_as(
        &home,
        &["credential-process", "--role-arn", ADHOC_ARN, ROLE1_PROFILE],
    ));
    ok(&aws_as(
        &home,
        &["export", "--role-arn", ADHOC_ARN, ROLE1_PROFILE],
    ));
    ok(&aws_as(&home, &[&name]));
    let out = run(home
        .command(aws_as_bin())
        .args([
            "exec",
            "--role-arn",
            ADHOC_ARN,
            ROLE1_PROFILE,
            "--",
            &aws_cli().to_string_lossy(),
        ])
        .args(CLI_CALLER_ARN));
    ok(&out);
    assert!(
        stdout_str(&out).contains("assumed-role/adhoc/"),
        "{}",
        stdout_str(&out)
    );
    assert_eq!(sts.count("AssumeRole"), 2);
    assert_eq!(sts.count("GetSessionToken"), 1);
    // Not a role's ARN: one line, nothing asked of STS.
    fails(
        &aws_as(
            &home,
            &["--role-arn", "arn:aws:iam::1:user/x", ROLE1_PROFILE],
        ),
        &["not a role's ARN", "--role-arn"],
    );
    assert_eq!(sts.count("AssumeRole"), 2);
}

#[test]
fn the_new_kinds_through_serve_exec_server_and_write() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let token_file = home.path().join("token");
    std::fs::write(&token_file, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjaSJ9.").unwrap();
    let process = process_printing(
        &home,
        "session",
        r#"{"Version": 1, "AccessKeyId": "ASIAPROCESSSESSION01", "SecretAccessKey": "processSessionSecret0001", "SessionToken": "processSessionToken0001", "Expiration": "2099-01-01T00:00:00Z"}"#,
    );
    home.config(&format!(
        "{STANDARD_CONFIG}[profile ci]\nrole_arn = {WEB_ROLE}\nweb_identity_token_file = {}\nrole_session_name = ci-run\n\
         [profile from-process]\ncredential_process = {}\n",
        token_file.display(),
        process.display()
    ));

    // Web identity served on the IMDS path, to boto3 and the AWS CLI v1.
    let server = home.serve(&["ci"]);
    server.wait_for_log("ci is ready: a session until ");
    for program in [python(), aws_cli()] {
        let mut cmd = home.command(&program);
        if program == python() {
            cmd.args(["-c", BOTO3_CALLER_ARN]);
        } else {
            cmd.args(CLI_CALLER_ARN);
        }
        cmd.env_remove("AWS_EC2_METADATA_DISABLED")
            .env("AWS_DEFAULT_REGION", "eu-west-1")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url());
        let out = run(&mut cmd);
        ok(&out);
        assert!(
            stdout_str(&out).contains("assumed-role/ci-deploy/ci-run"),
            "{}",
            stdout_str(&out)
        );
    }
    drop(server);
    assert_eq!(sts.count("AssumeRoleWithWebIdentity"), 1);

    // A process's session through exec --server: boto3 gets it from the ECS endpoint.
    let out = run(home
        .command(aws_as_bin())
        .args(["exec", "--server", "from-process", "--"])
        .arg(python())
        .args([
            "-c",
            "import boto3; c = boto3.session.Session().get_credentials(); print(c.method, c.access_key)",
        ])
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_DEFAULT_REGION", "eu-west-1"));
    ok(&out);
    assert_eq!(
        stdout_str(&out).trim(),
        "container-role ASIAPROCESSSESSION01"
    );

    // Written into a section of the credentials file, which boto3 then reads.
    ok(&aws_as(&home, &["write", "ci", "--profile", "ci-section"]));
    let out = run(home
        .command(python())
        .args(["-c", BOTO3_CALLER_ARN])
        .env("AWS_PROFILE", "ci-section")
        .env("AWS_DEFAULT_REGION", "eu-west-1"));
    ok(&out);
    assert!(stdout_str(&out).contains("assumed-role/ci-deploy/ci-run"));
    assert_eq!(
        sts.count("AssumeRoleWithWebIdentity"),
        1,
        "the cached session"
    );
    assert_eq!(runs(&home, "session"), 1);
}
