//! Issue 19, case 8: the everyday friction of the command line, as a user meets it: `help`,
//! aws-vault's `NAME -- COMMAND`, usage errors pointing at the right help, no option offered that
//! is then refused, the nearest names for a typo, and an identity picked from a list on the
//! terminal (through the activation, in the five shell families).

use crate::common;

use common::*;

/// One refusal: status 2 (a usage error) or 1, nothing on stdout, one line on stderr.
fn one_line(out: &std::process::Output) -> String {
    assert!(!out.status.success());
    assert_eq!(stdout_str(out), "");
    let err = stderr_str(out);
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

#[test]
fn help_is_a_command() {
    let home = Home::standard(&Sts::moto());
    let out = aws_as(&home, &["help"]);
    ok(&out);
    assert!(
        stdout_str(&out).contains("Usage: aws-as"),
        "{}",
        stdout_str(&out)
    );
    let out = aws_as(&home, &["help", "exec"]);
    ok(&out);
    assert!(stdout_str(&out).contains("Usage: aws-as exec"));
    // Through the activation it is passed through, as --help is.
    let mut cmd = home.command("dash");
    cmd.arg("-c")
        .arg("eval \"$(aws-as-activate -s)\"\naws-as help | grep -c '^Usage: aws-as'");
    assert_eq!(stdout_str(&run(&mut cmd)), "1\n");
}

#[test]
fn a_command_after_the_name_gets_the_line_to_type() {
    let home = Home::standard(&Sts::moto());
    let out = aws_as(&home, &[ROLE1_PROFILE, "--", "touch", "ran here"]);
    let err = one_line(&out);
    assert!(
        err.contains(&format!(
            "type: aws-as exec {ROLE1_PROFILE} -- touch 'ran here'"
        )),
        "{err}"
    );
    assert!(!home.path().join("ran here").exists());
    let out = aws_as(
        &home,
        &[
            "--shell",
            "bash",
            "--region",
            "eu-west-2",
            "--mfa-code",
            "314159",
            "x",
            "--",
            "aws",
            "s3",
            "ls",
        ],
    );
    let err = one_line(&out);
    assert!(
        err.contains("type: aws-as exec --region eu-west-2 --mfa-code CODE x -- aws s3 ls"),
        "{err}"
    );
    // An MFA code is a secret for its minute: never in the line a CI log keeps.
    assert!(!err.contains("314159"), "{err}");
}

#[test]
fn a_usage_error_points_once_at_the_help_of_its_command() {
    let home = Home::standard(&Sts::moto());
    for (args, help) in [
        (&["--duration", "5", "x"][..], "(see aws-as --help)"),
        (&["exec", "x"], "(see aws-as exec --help)"),
        (&["server", "switch"], "(see aws-as server switch --help)"),
        (&["list", "--bogus"], "(see aws-as list --help)"),
        (
            &["export", "x", "--duration", "1"],
            "(see aws-as export --help)",
        ),
    ] {
        let err = one_line(&aws_as(&home, args));
        assert!(err.trim_end().ends_with(help), "{args:?}: {err}");
        assert_eq!(err.matches("help").count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn credential_process_offers_no_region() {
    let home = Home::standard(&Sts::moto());
    let out = aws_as(&home, &["credential-process", "--help"]);
    ok(&out);
    assert!(
        !stdout_str(&out).contains("--region"),
        "{}",
        stdout_str(&out)
    );
}

#[test]
fn a_typo_gets_the_nearest_names() {
    let home = Home::standard(&Sts::moto());
    let mut config = STANDARD_CONFIG.to_string();
    for i in 0..170 {
        config.push_str(&format!("[profile team{i}-readonly]\nregion = eu-west-1\n"));
    }
    home.config(&config);
    let err = one_line(&aws_as(&home, &["my-role1-dve"]));
    assert!(
        err.contains("unknown identity \"my-role1-dve\": did you mean \"my-role1-dev\""),
        "{err}"
    );
    assert!(err.contains("aws-as list shows all 173"), "{err}");
    let err = one_line(&aws_as(&home, &["role"]));
    assert!(
        err.contains("did you mean \"my-role1-dev\" or \"my-role2-dev\"?"),
        "{err}"
    );
    let err = one_line(&aws_as(&home, &["zzzzzz"]));
    assert!(err.contains("no identity is named like it"), "{err}");
    assert!(!err.contains("team1-readonly"), "{err}");
}

/// `aws-as -i` in each shell family through the activation, on a terminal: the list, narrowed
/// by typing, a number picks, and the calling shell is switched. The role is not cached, so the
/// session is made by aws-as-sts, which must not ask to pick again.
#[test]
fn an_identity_is_picked_from_a_list_on_the_terminal() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    ok(&aws_as(&home, &["--mfa-code", "123456", USER_PROFILE]));
    let secrets = vec![USER_SECRET_ACCESS_KEY.to_string()];
    let posix = "eval \"$(aws-as-activate -s)\"\naws-as -i\nprintenv AWS_AS_IDENTITY\n";
    let cases: Vec<(&str, String)> = vec![
        ("bash", format!("bash --norc -c '{posix}'")),
        ("zsh", format!("zsh -f -c '{posix}'")),
        ("dash", format!("dash -c '{posix}'")),
        (
            "fish",
            "fish --no-config -c 'aws-as-activate --shell fish | source\naws-as -i\nprintenv AWS_AS_IDENTITY'"
                .to_string(),
        ),
        (
            "tcsh",
            "tcsh -f -c 'eval \"`aws-as-activate -c`\"\naws-as -i\nprintenv AWS_AS_IDENTITY'"
                .to_string(),
        ),
    ];
    for (shell, line) in cases {
        let mut cmd = home.command("script");
        cmd.args(["-qec", &line, "/dev/null"]);
        let out = run_with_input(&mut cmd, b"role\n2\n");
        let screen = stdout_str(&out);
        for s in &secrets {
            assert!(
                !screen.contains(s.as_str()),
                "{shell}: a secret on the screen"
            );
        }
        assert!(
            !screen.contains("AWS_SECRET_ACCESS_KEY"),
            "{shell}: {screen}"
        );
        assert_eq!(
            screen.matches("Pick an identity").count(),
            1,
            "{shell}: {screen}"
        );
        assert!(screen.contains("2 hold \"role\":"), "{shell}: {screen}");
        assert!(
            screen.trim_end().ends_with(ROLE2_PROFILE),
            "{shell}: {screen}"
        );
    }

    // An empty line gives up and changes nothing; the bare binary on a terminal refuses before
    // showing any list.
    let mut cmd = home.command("script");
    cmd.args([
        "-qec",
        &format!("dash -c '{posix}echo rc=$?'").replace("printenv AWS_AS_IDENTITY\n", ""),
        "/dev/null",
    ]);
    let screen = stdout_str(&run_with_input(&mut cmd, b"\n"));
    assert!(
        screen.contains("no identity picked: nothing changed"),
        "{screen}"
    );
    let mut cmd = home.command("script");
    cmd.args(["-qec", "aws-as -i", "/dev/null"]);
    let screen = stdout_str(&run_with_input(&mut cmd, b"1\n"));
    assert!(!screen.contains("Pick an identity"), "{screen}");
    assert!(screen.contains("not printing the picked identity's credentials on a terminal"));
}
