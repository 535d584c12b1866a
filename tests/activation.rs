//! What the activation costs a new shell, held in place (the times are in bench/run): `-s`
//! prints the script of the shell that evaluates it (one process, not the dispatcher's two), the
//! activation itself forks nothing else, the functions bash and zsh define at first use load and
//! work from a path that needs quoting, and a deactivation before any use leaves nothing behind.

use crate::common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

/// aws-as-activate copied into a directory whose name needs quoting in every dialect, beside a
/// fake aws-as (the activation finds the aws-as next to itself) that prints a switch.
struct Install {
    home: Home,
    dir: PathBuf,
}

const FAKE: &str = r#"#!/bin/sh
if [ "$1" = --shell ]; then
    printf 'export AWS_AS_IDENTITY=%s;\n' "'$3'"
    exit 0
fi
echo "fake aws-as $*"
"#;

impl Install {
    fn new() -> Install {
        use std::os::unix::fs::PermissionsExt;
        let home = Home::new();
        let dir = home.path().join("b i'n $x`y`!");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(aws_as_activate_bin(), dir.join("aws-as-activate")).unwrap();
        std::fs::write(dir.join("aws-as"), FAKE).unwrap();
        std::fs::set_permissions(dir.join("aws-as"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        Install { home, dir }
    }

    fn activate(&self) -> String {
        let path = self.dir.join("aws-as-activate").display().to_string();
        format!("eval \"$('{}' -s)\"", path.replace('\'', r"'\''"))
    }

    fn shell(&self, argv: &[&str], script: &str) -> (String, String, bool) {
        let mut cmd = Command::new(argv[0]);
        cmd.args(&argv[1..])
            .arg(script)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("HOME", self.home.path())
            .env("TERM", "dumb")
            .stdin(Stdio::null());
        let out = run_with_timeout(&mut cmd, Duration::from_secs(20));
        (stdout_str(&out), stderr_str(&out), out.status.success())
    }
}

fn first_line(argv: &[&str]) -> String {
    let mut cmd = Command::new(argv[0]);
    cmd.args(&argv[1..])
        .arg(format!("'{}' -s; :", aws_as_activate_bin().display()));
    let out = run(&mut cmd);
    stdout_str(&out)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn dash_s_prints_the_script_of_the_shell_that_runs_it() {
    assert!(first_line(&["bash", "-c"]).contains("activation for bash"));
    assert!(first_line(&["zsh", "-f", "-c"]).contains("activation for zsh"));
    assert!(first_line(&["dash", "-c"]).contains("activation for POSIX sh"));
    // A parent that is not a shell: the dispatcher, which asks the shell itself.
    let mut cmd = Command::new("timeout");
    cmd.arg("10").arg(aws_as_activate_bin()).arg("-s");
    let out = stdout_str(&run(&mut cmd));
    assert!(out.contains("BASH_VERSION"), "{out}");
}

/// The processes an activation starts: the shell, and aws-as-activate in the substitution.
fn processes(argv: &[&str], install: &Install) -> Vec<String> {
    let log = install.home.path().join("strace.log");
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-e", "trace=execve", "-o"])
        .arg(&log)
        .args(argv)
        .arg(install.activate())
        .env("HOME", install.home.path())
        .stdin(Stdio::null());
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}", stderr_str(&out));
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| l.contains("execve(") && !l.contains("ENOENT"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_activation_starts_one_process() {
    let install = Install::new();
    for argv in [&["bash", "-c"][..], &["zsh", "-f", "-c"][..]] {
        let started = processes(argv, &install);
        assert_eq!(started.len(), 2, "{argv:?}: {started:#?}");
        assert!(started[1].contains("aws-as-activate"), "{started:#?}");
    }
}

#[test]
fn functions_defined_at_first_use_work_and_deactivation_before_use_leaves_nothing() {
    let install = Install::new();
    let act = install.activate();
    let bash = format!(
        "{act}\naws-as team:prod\necho \"id=$AWS_AS_IDENTITY\"\naws-as-deactivate --keep-creds\n\
         declare -F | grep -c aws_as || :\nalias | grep -c aws-as || :\n\
         {act}\naws-as-deactivate --keep-creds\ndeclare -F | grep -c aws_as || :\n\
         declare -p | grep -v BASH_EXECUTION_STRING | grep -c __aws_as || :\n"
    );
    let (out, err, ok) = install.shell(&["bash", "-eu", "-c"], &bash);
    assert!(ok, "{err}");
    assert_eq!(out, "id=team:prod\n0\n0\n0\n0\n", "stderr: {err}");

    let zsh = format!(
        "{act}\naws-as team:prod\necho \"id=$AWS_AS_IDENTITY\"\naws-as-deactivate --keep-creds\n\
         print -l ${{(k)functions}} | grep -c aws || :\n\
         {act}\naws-as-deactivate --keep-creds\nprint -l ${{(k)functions}} | grep -c aws || :\n\
         typeset + | grep -c __aws_as || :\n"
    );
    let (out, err, ok) = install.shell(&["zsh", "-f", "-eu", "-c"], &zsh);
    assert!(ok, "{err}");
    assert_eq!(out, "id=team:prod\n0\n0\n0\n", "stderr: {err}");
}

#[test]
fn the_printed_scripts_carry_no_comment_but_their_first_line() {
    for argv in [
        &["bash", "-c"][..],
        &["zsh", "-f", "-c"][..],
        &["dash", "-c"][..],
    ] {
        let mut cmd = Command::new(argv[0]);
        cmd.args(&argv[1..])
            .arg(format!("'{}' -s; :", aws_as_activate_bin().display()));
        let out = stdout_str(&run(&mut cmd));
        let comments = out
            .lines()
            .skip(1)
            .filter(|l| l.trim_start().starts_with('#'))
            .count();
        assert_eq!(comments, 0, "{argv:?}");
        assert!(
            !out.lines().any(|l| l.starts_with(' ')),
            "{argv:?}: indented"
        );
    }
}
