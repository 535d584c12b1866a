//! The commands besides the switch, used the way people and tools use them: `aws-as exec` with
//! exit codes, signals and nesting; `aws-as credential-process` read by boto3 and the AWS CLI
//! (including a refresh in the middle of a long run, and the MFA prompt on the terminal while
//! the SDK captures stdout); `aws-as list`; the status line; `--region`.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn role_arn_of_session(account: &str, role: &str, session_prefix: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/{role}/{session_prefix}")
}

// ---------------------------------------------------------------------------------------------
// exec

#[test]
fn exec_gives_the_command_the_identity_and_its_exit_status() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);

    // A real client inside exec sees the role; the calling shell sees nothing.
    let mut cmd = home.command("dash");
    cmd.args([
        "-euc",
        r#"aws-as exec --mfa-code 123456 my-role1-dev -- "$1" -c 'import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])'
echo "after: ${AWS_ACCESS_KEY_ID-unset} ${AWS_AS_IDENTITY-unset}""#,
        "dash",
    ])
    .arg(python());
    let out = run(&mut cmd);
    ok(&out);
    assert_eq!(
        stdout_str(&out),
        format!(
            "{}\nafter: unset unset\n",
            role_arn_of_session(ACCOUNT, "my-role1", ROLE1_SESSION_NAME)
        )
    );
    assert_eq!(stderr_str(&out), "");

    // The exit status is the command's; a cache hit makes no STS call.
    sts.reset();
    let out = aws_as(&home, &["exec", ROLE1_PROFILE, "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(sts.calls().len(), 0);

    // Options after NAME, and a command whose own options look like aws-as's.
    let out = aws_as(
        &home,
        &[
            "exec",
            ROLE2_PROFILE,
            "--",
            "sh",
            "-c",
            "printf '%s %s %s\\n' \"$AWS_AS_IDENTITY\" \"$AWS_REGION\" \"$1\"",
            "sh",
            "--help",
        ],
    );
    ok(&out);
    assert_eq!(stdout_str(&out), "my-role2-dev us-west-2 --help\n");

    // Nested: the inner identity wins, the outer's region gives way to the inner's.
    let out = aws_as(
        &home,
        &[
            "exec",
            ROLE2_PROFILE,
            "--",
            "aws-as",
            "exec",
            ROLE1_PROFILE,
            "--",
            "sh",
            "-c",
            "echo \"$AWS_AS_IDENTITY $AWS_REGION\"",
        ],
    );
    ok(&out);
    assert_eq!(stdout_str(&out), "my-role1-dev eu-west-1\n");

    // --region overrides for this command only.
    let out = aws_as(
        &home,
        &[
            "exec",
            "--region",
            "ap-south-1",
            ROLE1_PROFILE,
            "--",
            "sh",
            "-c",
            "echo \"$AWS_REGION $AWS_DEFAULT_REGION\"",
        ],
    );
    ok(&out);
    assert_eq!(stdout_str(&out), "ap-south-1 ap-south-1\n");

    // A command that does not exist: 127 and one line, as a shell would say.
    let out = aws_as(&home, &["exec", ROLE1_PROFILE, "no-such-command-xyz"]);
    assert_eq!(out.status.code(), Some(127));
    let err = stderr_str(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot run no-such-command-xyz"), "{err}");
    assert_eq!(stdout_str(&out), "");

    // An unknown identity: nothing is run.
    let out = aws_as(&home, &["exec", "nope", "touch", "ran"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_str(&out).contains("unknown identity"));
    assert!(!home.path().join("ran").exists());
}

#[test]
fn exec_passes_signals_to_the_command() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    for (signal, code) in [(libc::SIGTERM, 42), (libc::SIGINT, 43)] {
        let mut cmd = home.command(aws_as_bin());
        cmd.args([
            "exec",
            ROLE1_PROFILE,
            "--",
            "sh",
            "-c",
            "trap 'exit 42' TERM; trap 'exit 43' INT; echo ready; while :; do sleep 0.05; done",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "ready\n");
        // The signal goes to the pid the caller started: aws-as's, which the command now holds.
        // SAFETY: kill has no memory-safety preconditions.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let started = Instant::now();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "signal {signal}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

// ---------------------------------------------------------------------------------------------
// credential-process

fn sdk_config(home: &Home, extra: &str) {
    let bin = aws_as_bin();
    home.config(&format!(
        "{STANDARD_CONFIG}[profile sdk-role1]\nregion = eu-west-1\ncredential_process = {} credential-process my-role1-dev{extra}\n",
        bin.display()
    ));
}

#[test]
fn credential_process_serves_boto3_and_the_aws_cli_from_the_shared_cache() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    sdk_config(&home, "");
    // One MFA for the shell...
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    sts.reset();

    // ...covers the SDKs too: both read the role's cached session, no STS call for credentials.
    let want = role_arn_of_session(ACCOUNT, "my-role1", ROLE1_SESSION_NAME);
    let mut boto = home.command(python());
    boto.args([
        "-c",
        "import boto3; print(boto3.Session(profile_name='sdk-role1').client('sts').get_caller_identity()['Arn'])",
    ]);
    let out = run(&mut boto);
    ok(&out);
    assert_eq!(stdout_str(&out).trim(), want);
    let mut cli = home.command(aws_cli());
    cli.args([
        "sts",
        "get-caller-identity",
        "--profile",
        "sdk-role1",
        "--query",
        "Arn",
        "--output",
        "text",
    ]);
    let out = run(&mut cli);
    ok(&out);
    assert_eq!(stdout_str(&out).trim(), want);
    assert_eq!(sts.count("AssumeRole") + sts.count("GetSessionToken"), 0);

    // The JSON itself, as the SDK contract has it.
    let out = aws_as(&home, &["credential-process", ROLE1_PROFILE]);
    ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["Version"], 1);
    for key in [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ] {
        assert!(json[key].as_str().is_some_and(|v| !v.is_empty()), "{key}");
    }
    assert!(
        chrono::DateTime::parse_from_rfc3339(json["Expiration"].as_str().unwrap()).is_ok(),
        "Expiration is RFC 3339"
    );

    // A failure is the SDK's to report: nothing on stdout, one line on stderr.
    let out = aws_as(&home, &["credential-process", "nope"]);
    assert!(!out.status.success());
    assert_eq!(stdout_str(&out), "");
    assert!(stderr_str(&out).contains("unknown identity"));
}

/// A long run (terraform, say) outlives the credentials it started with: the SDK asks
/// credential_process again near expiry and gets a renewed session.
#[test]
fn credential_process_renews_for_a_long_running_sdk() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    sdk_config(&home, "");
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    // The cached role session now has 15 minutes and 8 seconds left: handed out as it is, then
    // within botocore's 15-minute refresh window a few seconds later.
    let dir = home.cache_dir();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let mut json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if json["identity"] == ROLE1_PROFILE {
                let soon = chrono::Utc::now() + chrono::Duration::seconds(15 * 60 + 8);
                json["expiration"] = soon.to_rfc3339().into();
                std::fs::write(&path, json.to_string()).unwrap();
            }
        }
    }
    sts.reset();
    let mut boto = home.command(python());
    boto.args([
        "-c",
        "import boto3, time\n\
         sts = boto3.Session(profile_name='sdk-role1').client('sts')\n\
         print(sts.get_caller_identity()['Arn'])\n\
         time.sleep(10)\n\
         print(sts.get_caller_identity()['Arn'])\n",
    ]);
    let out = run(&mut boto);
    ok(&out);
    let calls = sts.calls_of("GetCallerIdentity");
    assert_eq!(calls.len(), 2);
    assert_ne!(
        calls[0].access_key_id, calls[1].access_key_id,
        "the second call used renewed credentials"
    );
    assert_eq!(
        sts.count("AssumeRole"),
        1,
        "renewed once, from the MFA session"
    );
    assert_eq!(sts.count("GetSessionToken"), 0);
}

#[test]
fn credential_process_asks_for_mfa_on_the_terminal_while_the_sdk_captures_stdout() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    sdk_config(&home, "");
    // `script` gives the AWS CLI a terminal; the CLI runs aws-as with stdout captured.
    let mut cmd = home.command("script");
    cmd.args([
        "-qec",
        &format!(
            "{} sts get-caller-identity --profile sdk-role1 --query Arn --output text",
            aws_cli().display()
        ),
        "/dev/null",
    ]);
    let out = run_with_input(&mut cmd, b"123456\n");
    let screen = stdout_str(&out);
    ok(&out);
    assert!(
        screen.contains(&format!("Enter MFA code for {MFA_SERIAL}:")),
        "{screen}"
    );
    assert!(
        screen.contains(&role_arn_of_session(
            ACCOUNT,
            "my-role1",
            ROLE1_SESSION_NAME
        )),
        "{screen}"
    );
    let gst = sts.calls_of("GetSessionToken");
    assert_eq!(gst.len(), 1);
    assert_eq!(gst[0].token_code.as_deref(), Some("123456"));
}

// ---------------------------------------------------------------------------------------------
// list and status

#[test]
fn list_shows_every_identity_its_chain_and_its_session() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let out = aws_as(&home, &["list", "--names"]);
    ok(&out);
    assert_eq!(
        stdout_str(&out),
        "my-role1-dev\nmy-role2-dev\nmy-user1-dev\n"
    );

    let out = aws_as(&home, &["list"]);
    ok(&out);
    let text = stdout_str(&out);
    let row = |name: &str| -> Vec<String> {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{text}"))
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    };
    assert!(text.starts_with("  NAME"), "{text}");
    assert_eq!(
        row(ROLE2_PROFILE),
        [
            "my-role2-dev",
            "role",
            "-",
            "my-role1-dev < my-user1-dev",
            "us-west-2",
            "none"
        ]
    );
    // KEYS: where a user's long-term keys are (a role has none of its own).
    assert_eq!(
        row(USER_PROFILE),
        ["my-user1-dev", "user", "file", "-", "eu-west-1", "none"]
    );

    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    let mut cmd = home.command(aws_as_bin());
    cmd.arg("list").env("AWS_AS_IDENTITY", ROLE1_PROFILE);
    let out = run(&mut cmd);
    ok(&out);
    let text = stdout_str(&out);
    let line = |name: &str| {
        text.lines()
            .find(|l| l[2..].starts_with(&format!("{name} ")))
            .unwrap()
            .to_string()
    };
    assert!(line(ROLE1_PROFILE).starts_with("* "), "{text}");
    assert!(
        line(ROLE1_PROFILE).contains("cached, 59m left")
            || line(ROLE1_PROFILE).contains("cached, 1h00m left"),
        "{text}"
    );
    assert!(
        line(USER_PROFILE).contains("cached, 11h59m left")
            || line(USER_PROFILE).contains("cached, 12h00m left"),
        "{text}"
    );
    assert!(line(ROLE2_PROFILE).ends_with("none"), "{text}");
    assert_eq!(sts.calls().len(), 2, "list calls no STS");
}

#[test]
fn profiles_aws_as_cannot_use_yet_are_named_for_what_they_are() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(&format!(
        "{STANDARD_CONFIG}\
[profile ci-deploy]
role_arn = arn:aws:iam::111111111111:role/deploy
web_identity_token_file = /var/run/token
[profile from-process]
credential_process = /usr/bin/saml-helper --account prod
[profile on-ec2]
role_arn = arn:aws:iam::111111111111:role/ec2
credential_source = Ec2InstanceMetadata
[profile console]
login_session = arn:aws:iam::111111111111:user/me
[profile okta]
saml.idp_arn = arn:aws:iam::111111111111:saml-provider/okta
[profile over-console]
role_arn = arn:aws:iam::111111111111:role/over
source_profile = console
[profile over-process]
role_arn = arn:aws:iam::111111111111:role/over
source_profile = from-process
"
    ));
    let cases: [(&str, &str, &str, &str); 3] = [
        ("console", "console sign-in", "login_session", "login"),
        ("okta", "a SAML sign-in profile", "saml.idp_arn", "saml"),
        // A role whose source is such a profile: the line names the source and what it is.
        (
            "over-console",
            "\"console\" is a console sign-in",
            "login_session",
            "-",
        ),
    ];
    for (name, what, key, _) in cases {
        let out = aws_as(&home, &[name]);
        assert!(!out.status.success(), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        let err = stderr_str(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: one line: {err}");
        for want in [what, key, "does not support such profiles yet"] {
            assert!(err.contains(want), "{name}: {want:?} not in {err}");
        }
        // Not the advice for another kind of profile.
        for wrong in [
            "aws_access_key_id",
            "add source_profile",
            "use source_profile",
        ] {
            assert!(!err.contains(wrong), "{name}: {wrong:?} in {err}");
        }
    }

    let out = aws_as(&home, &["list"]);
    ok(&out);
    let text = stdout_str(&out);
    let row = |name: &str| {
        text.lines()
            .find(|l| l[2..].starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row for {name}:\n{text}"))
            .to_string()
    };
    for (name, _, _, kind) in cases {
        let line = row(name);
        if kind == "-" {
            assert!(line.contains("not usable (aws-as NAME says why)"), "{line}");
        } else {
            assert!(
                line.contains(&format!("{kind} (not supported yet)")),
                "{line}"
            );
            assert!(!line.contains("not usable"), "{line}");
        }
    }
    // Issue 22's kinds are identities, each listed as its kind.
    for (name, kind) in [
        ("ci-deploy", "web-identity"),
        ("from-process", "credential-process"),
        ("on-ec2", "role"),
        ("over-process", "role"),
    ] {
        assert!(row(name).contains(kind), "{}", row(name));
    }

    // Completion offers only what a switch can use, from a parse and again once the profile
    // index may answer.
    for _ in 0..2 {
        let out = aws_as(&home, &["list", "--names"]);
        ok(&out);
        assert_eq!(
            stdout_str(&out),
            "ci-deploy\nfrom-process\nmy-role1-dev\nmy-role2-dev\nmy-user1-dev\non-ec2\nover-process\n"
        );
        std::thread::sleep(Duration::from_millis(1100));
    }
}

#[test]
fn status_names_the_identity_its_arn_and_time_left() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let mut cmd = home.command("dash");
    cmd.args([
        "-euc",
        r#"out=$(aws-as --mfa-code 123456 my-role1-dev); eval "$out"; aws-as; aws-as --shell sh >/dev/null 2>&1; aws-as - >/dev/null; eval "$(aws-as -)"; aws-as"#,
    ]);
    let out = run(&mut cmd);
    ok(&out);
    let text = stdout_str(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let arn = role_arn_of_session(ACCOUNT, "my-role1", ROLE1_SESSION_NAME);
    assert!(
        lines[0].starts_with(&format!("my-role1-dev ({arn}): "))
            && lines[0].contains("m left (expires "),
        "{text}"
    );
    assert!(lines[1].starts_with("no identity active"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// --region

#[test]
fn region_option_overrides_the_profile_and_is_checked() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let mut cmd = home.command("dash");
    cmd.args([
        "-euc",
        r#"export AWS_REGION=sa-east-1
eval "$(aws-as --mfa-code 123456 --region ap-south-1 my-role1-dev)"
echo "1 $AWS_REGION $AWS_DEFAULT_REGION"
eval "$(aws-as my-role2-dev)"
echo "2 $AWS_REGION"
eval "$(aws-as -)"
echo "3 $AWS_REGION ${AWS_DEFAULT_REGION-unset}""#,
    ]);
    let out = run(&mut cmd);
    ok(&out);
    assert_eq!(
        stdout_str(&out),
        "1 ap-south-1 ap-south-1\n2 us-west-2\n3 sa-east-1 unset\n"
    );

    let out = aws_as(&home, &["--region", "eu-west-1;touch x", ROLE1_PROFILE]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout_str(&out), "");
    let err = stderr_str(&out);
    assert!(err.contains("is not an AWS region name"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

/// An identity without a region leaves the user's AWS_REGION as it was.
#[test]
fn an_identity_without_a_region_keeps_the_users() {
    let sts = Sts::moto();
    let home = Home::new();
    home.config(
        "[profile plain]\n\n[profile plain-role]\nrole_arn = arn:aws:iam::111111111111:role/r\nsource_profile = plain\n",
    )
    .credentials(STANDARD_CREDENTIALS.replace("my-user1-dev", "plain").as_str())
    .with_sts(&sts);
    let mut cmd: Command = home.command("dash");
    cmd.args([
        "-euc",
        r#"export AWS_REGION=sa-east-1
eval "$(aws-as plain-role)"
echo "$AWS_REGION ${AWS_DEFAULT_REGION-unset} ${AWS_AS_REGION-unset}""#,
    ]);
    let out = run(&mut cmd);
    ok(&out);
    assert_eq!(stdout_str(&out), "sa-east-1 unset unset\n");
}

/// `--no-input` (what a prompt hook renews with) never asks on the terminal and never starts an
/// `mfa_process`, which could wait unseen for a key touch; it fails in one line instead.
#[test]
fn no_input_never_asks_nor_runs_the_mfa_process() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let ran = home.path().join("ran");
    home.config(&STANDARD_CONFIG.replace(
        "[profile my-user1-dev]\n",
        &format!(
            "[profile my-user1-dev]\nmfa_process = sh -c 'touch {}; echo 123456'\n",
            ran.display()
        ),
    ));
    // `script` gives it a terminal it could have asked on (stdout captured, as for an eval).
    let mut cmd = home.command("script");
    cmd.args([
        "-qec",
        &format!("out=$(aws-as --no-input {ROLE1_PROFILE}); echo \"exit=$?\""),
        "/dev/null",
    ]);
    let out = run(&mut cmd);
    let screen = stdout_str(&out);
    assert!(screen.contains("--no-input forbids asking"), "{screen}");
    assert!(screen.contains("exit=1"), "{screen}");
    assert!(!screen.contains("Enter MFA code"), "{screen}");
    assert!(!ran.exists(), "the mfa_process was not started");
    assert_eq!(sts.calls().len(), 0);

    // Without it the same profile gets its code from the process.
    ok(&aws_as(&home, &[ROLE1_PROFILE]));
    assert!(ran.exists());
}

/// A name the AWS profile parser cannot hold is explained, not just called unknown.
#[test]
fn a_name_no_profile_can_have_is_explained() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    home.config(&format!(
        "{STANDARD_CONFIG}[profile with space]\nregion = eu-west-1\n"
    ));
    let out = aws_as(&home, &["with space"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_str(&out), "");
    let err = stderr_str(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("unknown identity \"with space\"") && err.contains("rename the profile"),
        "{err}"
    );
    // A plain typo gets the nearest names.
    let err = stderr_str(&aws_as(&home, &["my-role9-dev"]));
    assert!(err.contains("did you mean \"my-role1-dev\""), "{err}");
}

/// The lean `aws-as` serves a cache hit by itself: copied alone into a directory (no
/// `aws-as-sts` beside it) it still switches to cached identities, lists and clears, and only
/// a new session fails, in one line naming what is missing.
#[test]
fn a_cache_hit_runs_without_the_sts_binary() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    let lone = home.path().join("lone");
    std::fs::create_dir(&lone).unwrap();
    std::fs::copy(aws_as_bin(), lone.join("aws-as")).unwrap();
    let lone_run = |args: &[&str]| {
        let mut cmd = home.command(lone.join("aws-as"));
        cmd.args(args);
        run(&mut cmd)
    };
    sts.reset();
    let out = lone_run(&[ROLE1_PROFILE]);
    ok(&out);
    assert!(stdout_str(&out).contains("export AWS_AS_IDENTITY='my-role1-dev'"));
    ok(&lone_run(&["list"]));
    ok(&lone_run(&["-"]));
    let out = lone_run(&["credential-process", ROLE1_PROFILE]);
    ok(&out);
    assert_eq!(sts.calls().len(), 0);

    let out = lone_run(&["--mfa-code", "123456", ROLE2_PROFILE]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_str(&out), "");
    let err = stderr_str(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("aws-as-sts") && err.contains("reinstall"),
        "{err}"
    );
    assert_eq!(sts.calls().len(), 0);
}

/// Found in review: what used to loop, repeat itself or break a line.
#[test]
fn delegation_and_messages_stay_one_line() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);

    // A copy of the lean binary posing as aws-as-sts: one line, not an exec loop.
    let lone = home.path().join("lone");
    std::fs::create_dir(&lone).unwrap();
    for name in ["aws-as", "aws-as-sts"] {
        std::fs::copy(aws_as_bin(), lone.join(name)).unwrap();
    }
    let mut cmd = home.command(lone.join("aws-as"));
    cmd.args(["--mfa-code", "123456", ROLE1_PROFILE]);
    let out = run_with_timeout(&mut cmd, Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_str(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is a copy of aws-as"), "{err}");

    // Nested misses: the inner aws-as (lean) delegates too; the mark the outer one set for its
    // aws-as-sts is not inherited by the command.
    let out = aws_as(
        &home,
        &[
            "exec",
            "--mfa-code",
            "123456",
            USER_PROFILE,
            "--",
            "aws-as",
            "exec",
            ROLE2_PROFILE,
            "--",
            "sh",
            "-c",
            "echo \"$AWS_AS_IDENTITY ${AWS_AS_DELEGATED-unset}\"",
        ],
    );
    ok(&out);
    assert_eq!(stdout_str(&out), "my-role2-dev unset\n");

    // A corrupt entry is read before its lock and under it: warned about once.
    let dir = home.cache_dir();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            std::fs::write(&path, "garbage").unwrap();
        }
    }
    let out = aws_as(&home, &["--mfa-code", "123456", ROLE2_PROFILE]);
    ok(&out);
    let err = stderr_str(&out);
    let warnings: Vec<&str> = err.lines().collect();
    let unique: std::collections::BTreeSet<&str> = warnings.iter().copied().collect();
    assert_eq!(warnings.len(), unique.len(), "{err}");
    assert!(
        !warnings.is_empty() && warnings.iter().all(|l| l.contains("corrupt")),
        "{err}"
    );

    // A command name with a newline, and a profile region that is not one.
    let out = aws_as(&home, &["exec", ROLE1_PROFILE, "no\nsuch"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(stderr_str(&out).lines().count(), 1);
    home.config(&STANDARD_CONFIG.replace("region = us-west-2", "region = US-West-2\x1b[31m"));
    let out = aws_as(&home, &[ROLE2_PROFILE]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_str(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("is not an AWS region name") && !err.contains('\x1b'),
        "{err}"
    );
    let out = aws_as(&home, &["list"]);
    ok(&out);
    assert!(!stdout_str(&out).contains('\x1b'));
}
