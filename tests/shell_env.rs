//! The switch as a shell runs it, with the real binary against moto, in the five shell families:
//! a one-line activation either switches or refuses in one line (never the keys on stdout, a
//! CI log), the bare binary prints no credential on a terminal.

mod common;

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
        assert!(
            !text.contains("AWS_SECRET_ACCESS_KEY"),
            "{what}: a credential statement reached {stream}"
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
