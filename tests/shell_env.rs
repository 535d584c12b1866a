//! The switch as a shell runs it, with the real binary against moto, in the five shell families:
//! a one-line activation either switches or refuses in one line (never the keys on stdout, a
//! CI log), the bare binary prints no credential on a terminal.

use crate::common;

use std::process::Output;

use common::*;

/// The secret and token of `name`'s cached session, read with `export` (a cache hit).
fn session_secrets(home: &Home, name: &str) -> Vec<String> {
    let out = aws_as(home, &["export", name, "--format", "json"]);
    ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("export's JSON");
    let mut secrets = vec![USER_SECRET_ACCESS_KEY.to_string()];
    for key in ["SecretAccessKey", "SessionToken"] {
        secrets.push(json[key].as_str().expect(key).to_string());
    }
    secrets
}

fn assert_no_secret(what: &str, out: &Output, secrets: &[String]) {
    for (stream, text) in [("stdout", stdout_str(out)), ("stderr", stderr_str(out))] {
        let statement = text.lines().find(|l| l.contains("AWS_SECRET_ACCESS_KEY="));
        assert!(
            statement.is_none(),
            "{what}: a credential statement reached {stream}: {}",
            redact(statement.unwrap_or_default())
        );
        for s in secrets {
            assert!(
                !text.contains(s.as_str()),
                "{what}: a secret reached {stream}"
            );
        }
    }
}

/// A home whose MFA session and role session are cached, so every switch below is a hit.
fn primed() -> (Sts, Home, Vec<String>) {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    let secrets = session_secrets(&home, ROLE1_PROFILE);
    (sts, home, secrets)
}

/// Issue 19, case 2: `sh -c 'eval "$(aws-as-activate -s)"; aws-as NAME; …'`. Shells that read
/// an alias only from the next line on (dash, bash --posix, tcsh) ran the bare binary, which
/// printed the keys on stdout. Each one-line form now switches (a function, defined at run time)
/// or refuses in one line that says what to write, and prints no credential, whatever stdout is.
#[test]
fn a_one_line_activation_switches_or_refuses_and_never_prints_the_keys() {
    let (_sts, home, secrets) = primed();
    let role = ROLE1_PROFILE;
    let sh = format!("eval \"$(aws-as-activate -s)\"; aws-as {role}; printenv AWS_AS_IDENTITY");
    let sh_last =
        format!("eval \"$(aws-as-activate -s)\"; printenv HOME >/dev/null; aws-as {role}");
    let sh_pipe = format!("eval \"$(aws-as-activate -s)\"; aws-as {role} | tee log");
    let sh_redirect = format!("eval \"$(aws-as-activate -s)\"; aws-as {role} >log; cat log");
    let sh_subst = format!("eval \"$(aws-as-activate -s)\"; echo \"$(aws-as {role})\"");
    let fish =
        format!("aws-as-activate --shell fish | source; aws-as {role}; printenv AWS_AS_IDENTITY");
    let tcsh = format!("eval \"`aws-as-activate -c`\"; aws-as {role}; printenv AWS_AS_IDENTITY");
    let tcsh_pipe = format!("eval \"`aws-as-activate -c`\"; aws-as {role} | tee log");
    // (shell and options, line, whether the shell defines a function and so switches)
    let cases: Vec<(Vec<&str>, &str, bool)> = vec![
        (vec!["dash", "-c"], &sh, false),
        (vec!["dash", "-c"], &sh_last, false),
        (vec!["dash", "-c"], &sh_pipe, false),
        (vec!["dash", "-c"], &sh_redirect, false),
        (vec!["dash", "-c"], &sh_subst, false),
        (vec!["sh", "-c"], &sh, false),
        (vec!["bash", "--posix", "-c"], &sh, false),
        (vec!["bash", "--posix", "-c"], &sh_last, false),
        (vec!["bash", "--posix", "-c"], &sh_pipe, false),
        (vec!["bash", "-c"], &sh, true),
        (vec!["bash", "-c"], &sh_pipe, true),
        (vec!["zsh", "-f", "-c"], &sh, true),
        (vec!["zsh", "-f", "-c"], &sh_pipe, true),
        (vec!["fish", "--no-config", "-c"], &fish, true),
        (vec!["tcsh", "-f", "-c"], &tcsh, false),
        (vec!["tcsh", "-f", "-c"], &tcsh_pipe, false),
    ];
    for (argv, line, switches) in cases {
        let what = format!("{argv:?} {line}");
        let mut cmd = home.command(argv[0]);
        cmd.args(&argv[1..]).arg(line);
        let out = run(&mut cmd);
        assert_no_secret(&what, &out, &secrets);
        let log = std::fs::read_to_string(home.path().join("log")).unwrap_or_default();
        for s in &secrets {
            assert!(
                !log.contains(s.as_str()),
                "{what}: a secret reached the log"
            );
        }
        let _ = std::fs::remove_file(home.path().join("log"));
        let stderr = stderr_str(&out);
        if switches {
            if line.contains("printenv") {
                assert_eq!(stdout_str(&out), format!("{role}\n"), "{what}: {stderr}");
            }
            assert_eq!(stderr, "", "{what}");
        } else {
            let refusals: Vec<&str> = stderr
                .lines()
                .filter(|l| l.starts_with("aws-as:"))
                .collect();
            assert_eq!(refusals.len(), 1, "{what}: {stderr}");
            assert!(
                refusals[0].contains(&format!("put aws-as {role} on a line after the activation"))
                    && refusals[0].contains(&format!("aws-as exec {role} -- COMMAND")),
                "{what}: {stderr}"
            );
            assert!(!stdout_str(&out).contains(role), "{what}: switched?");
        }
    }
}

/// The same line with the switch on the next line switches in every shell that refused above,
/// and the form without activation, `eval "$(aws-as NAME)"`, works in a script started from an
/// activated shell (another pid than the one that activated).
#[test]
fn on_the_next_line_or_without_activation_the_switch_works() {
    let (_sts, home, secrets) = primed();
    let role = ROLE1_PROFILE;
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["dash", "-c"],
            format!("eval \"$(aws-as-activate -s)\"\naws-as {role}; printenv AWS_AS_IDENTITY"),
        ),
        (
            vec!["bash", "--posix", "-c"],
            format!("eval \"$(aws-as-activate -s)\"\naws-as {role}; printenv AWS_AS_IDENTITY"),
        ),
        (
            vec!["tcsh", "-f", "-c"],
            format!("eval \"`aws-as-activate -c`\"\naws-as {role}; printenv AWS_AS_IDENTITY"),
        ),
        (
            vec!["dash", "-c"],
            format!(
                "eval \"$(aws-as-activate -s)\"; \
                 dash -c 'eval \"$(aws-as {role})\"; printenv AWS_AS_IDENTITY'"
            ),
        ),
        (
            vec!["dash", "-c"],
            format!("eval \"$(aws-as {role})\"; printenv AWS_AS_IDENTITY"),
        ),
    ];
    for (argv, line) in cases {
        let what = format!("{argv:?} {line}");
        let mut cmd = home.command(argv[0]);
        cmd.args(&argv[1..]).arg(&line);
        let out = run(&mut cmd);
        assert_no_secret(&what, &out, &secrets);
        assert_eq!(
            stdout_str(&out),
            format!("{role}\n"),
            "{what}: {}",
            stderr_str(&out)
        );
    }
}

/// On a terminal the bare binary prints no credential (nor `-`'s code), with or without
/// `--shell`, and says what to type; the activation's command, which captures, switches.
#[test]
fn the_bare_binary_prints_no_credential_on_a_terminal() {
    let (_sts, home, secrets) = primed();
    let role = ROLE1_PROFILE;
    for line in [
        format!("aws-as {role}"),
        format!("aws-as --shell bash {role}"),
        "aws-as -".to_string(),
        format!("eval \"$(aws-as-activate -s)\"\naws-as {role}\necho \"id=$AWS_AS_IDENTITY\""),
    ] {
        let mut cmd = home.command("script");
        cmd.args(["-qec", &format!("dash -c '{line}'"), "/dev/null"]);
        let out = run(&mut cmd);
        let screen = stdout_str(&out);
        assert_no_secret(&line, &out, &secrets);
        if line.contains("activate") {
            assert!(screen.contains(&format!("id={role}")), "{line}: {screen}");
        } else {
            assert!(
                screen.contains("on a terminal: activate aws-as in this shell"),
                "{line}: {screen}"
            );
            assert_eq!(screen.trim().lines().count(), 1, "{line}: {screen}");
            assert!(!out.status.success(), "{line}");
        }
    }
}

/// What `show STEP` prints (a script every shell runs alike): whose each variable is.
const SHOW: &str = r#"#!/bin/sh
whose() {
    eval "v=\${$1-}; set=\${$1+x}"
    if [ -z "$set" ]; then echo unset; elif [ "$v" = "$2" ]; then echo mine; else echo ours; fi
}
echo "$1 profile=${AWS_PROFILE-unset} default=${AWS_DEFAULT_PROFILE-unset}" \
    "key=$(whose AWS_ACCESS_KEY_ID AKIAMINE0000EXAMPLE)" \
    "secret=$(whose AWS_SECRET_ACCESS_KEY 'my/own+secret')" \
    "token=$(whose AWS_SESSION_TOKEN 'my-own-token')" \
    "kept=$(env | grep -c '^AWS_AS_SAVED_')"
"#;

/// Issue 19, case 5: `export AWS_PROFILE=sso-dev; aws-as dev-admin; aws-as -` left AWS_PROFILE
/// unset, and keys the user exported were gone. A switch keeps what it replaces (AWS_PROFILE,
/// AWS_DEFAULT_PROFILE, the user's keys and token); `aws-as -` and the deactivation give it
/// back, `--keep-creds` keeps it for a later `aws-as -`; a profile the user sets while an
/// identity is active is theirs. In the five shell families, with a trace on, and no secret on
/// stdout or stderr.
#[test]
fn what_a_switch_replaces_comes_back() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE2_PROFILE]));
    let mut secrets = session_secrets(&home, ROLE1_PROFILE);
    secrets.extend(session_secrets(&home, ROLE2_PROFILE));
    secrets.extend(["my/own+secret".to_string(), "my-own-token".to_string()]);
    let show = home.path().join("bin/show");
    std::fs::create_dir_all(show.parent().unwrap()).unwrap();
    std::fs::write(&show, SHOW).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&show, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        show.parent().unwrap().display(),
        test_path().to_string_lossy()
    );

    let (r1, r2) = (ROLE1_PROFILE, ROLE2_PROFILE);
    // The steps, in POSIX sh; each family's text is made from it below.
    let steps = format!(
        "export AWS_PROFILE=sso-dev\n\
         export AWS_DEFAULT_PROFILE=sso-default\n\
         export AWS_ACCESS_KEY_ID=AKIAMINE0000EXAMPLE\n\
         export AWS_SECRET_ACCESS_KEY='my/own+secret'\n\
         export AWS_SESSION_TOKEN='my-own-token'\n\
         ACTIVATE\n\
         TRACE_ON\n\
         aws-as {r1}\nshow 1\n\
         aws-as {r2}\nshow 2\n\
         aws-as -\nshow 3\n\
         aws-as {r1}\nexport AWS_PROFILE=later\naws-as {r2}\nshow 4\n\
         aws-as-deactivate\nshow 5\n\
         export AWS_PROFILE=sso-dev\n\
         ACTIVATE\n\
         aws-as {r1}\naws-as-deactivate --keep-creds\nshow 6\n\
         TRACE_OFF\n\
         CLEAR\nshow 7\n"
    );
    let expected = "\
1 profile=unset default=unset key=ours secret=ours token=ours kept=5
2 profile=unset default=unset key=ours secret=ours token=ours kept=5
3 profile=sso-dev default=sso-default key=mine secret=mine token=mine kept=0
4 profile=unset default=unset key=ours secret=ours token=ours kept=5
5 profile=later default=sso-default key=mine secret=mine token=mine kept=0
6 profile=unset default=unset key=ours secret=ours token=ours kept=5
7 profile=sso-dev default=sso-default key=mine secret=mine token=mine kept=0
";
    let posix = |activate: &str| {
        steps
            .replace("ACTIVATE", activate)
            .replace("TRACE_ON", "set -x")
            .replace("TRACE_OFF", "set +x")
            .replace("CLEAR", "eval \"$(aws-as -)\"")
    };
    let sh = posix("eval \"$(aws-as-activate -s)\"");
    let fish = steps
        .replace("ACTIVATE", "aws-as-activate --shell fish | source")
        .replace("TRACE_ON", "set fish_trace 1")
        .replace("TRACE_OFF", "set -e fish_trace")
        .replace("CLEAR", "aws-as --shell fish - | source")
        .replace("export ", "set -gx ")
        .replace('=', " ");
    let tcsh = steps
        .replace("ACTIVATE", "eval \"`aws-as-activate -c`\"")
        .replace("TRACE_ON", "set echo verbose")
        .replace("TRACE_OFF", "unset echo verbose")
        .replace("CLEAR", "eval \"`aws-as --shell tcsh -`\"")
        .replace("export ", "setenv ")
        .replace('=', " ");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["bash", "-euo", "pipefail"], &sh),
        (vec!["bash", "--posix", "-eu"], &sh),
        (vec!["zsh", "-eu", "-o", "ksh_arrays"], &sh),
        (vec!["dash", "-eu"], &sh),
        (vec!["fish", "--no-config"], &fish),
        (vec!["tcsh", "-f"], &tcsh),
    ];
    for (argv, script) in cases {
        let file = home.path().join("steps");
        std::fs::write(&file, script).unwrap();
        let mut cmd = home.command(argv[0]);
        cmd.args(&argv[1..]).arg(&file).env("PATH", &path);
        let out = run(&mut cmd);
        let what = format!("{argv:?}");
        assert_no_secret(&what, &out, &secrets);
        assert_eq!(stdout_str(&out), expected, "{what}: {}", stderr_str(&out));
        assert!(out.status.success(), "{what}: {}", stderr_str(&out));
    }
}

/// A command `aws-as exec` starts from a shell where a switch kept the user's own credentials
/// gets the identity's alone: nothing kept, no user key under any name.
#[test]
fn exec_gives_a_command_none_of_what_a_switch_kept() {
    let (_sts, home, _) = primed();
    let script = format!(
        "export AWS_ACCESS_KEY_ID=AKIAMINE0000EXAMPLE AWS_SECRET_ACCESS_KEY='my/own+secret' AWS_PROFILE=mine\n\
         eval \"$(aws-as-activate -s)\"\n\
         aws-as {ROLE1_PROFILE}\n\
         env | grep -c '^AWS_AS_SAVED_'\n\
         aws-as exec {ROLE1_PROFILE} -- env | grep -c -e '^AWS_AS_SAVED_' -e 'my/own' -e AKIAMINE -e mine || :\n"
    );
    let mut cmd = home.command("dash");
    cmd.arg("-c").arg(script);
    let out = run(&mut cmd);
    assert_eq!(stdout_str(&out), "3\n0\n", "{}", stderr_str(&out));
}
