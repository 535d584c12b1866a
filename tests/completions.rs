//! Tab completion the way a user gets it: bash, zsh (with compinit), fish and tcsh run
//! interactively in tmux, activated as the README says; a line is typed, TAB pressed (or the
//! shell's key for listing the choices), and the screen read back.
//!
//! What is offered is checked against clap's definition of the command line (subcommands,
//! options, `--shell` values) and against `aws-as list --names` for a config written here, so the
//! expectations follow the parser and the config instead of being copied from them.
//!
//! Hostile names cannot come from a real config (aws-config ignores a profile whose name has a
//! space, `$`, a quote… with a warning), so a second session uses a fake aws-as (AWS_AS_BIN) that
//! lists such names and records the arguments it is run with. A completed name is then run with
//! Enter: the fake must receive exactly that name, and `touch F` must never have run.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Home, aws_as_bin, run, stdout_str};

/// How long the shell may take to show what a key press should produce.
const WAIT: Duration = Duration::from_secs(15);

const CONFIG: &str = "\
[profile my-user1-dev]
region = eu-west-1
mfa_serial = arn:aws:iam::111111111111:mfa/my-user1
[profile my-role1-dev]
role_arn = arn:aws:iam::111111111111:role/my-role1
source_profile = my-user1-dev
[profile team:prod]
role_arn = arn:aws:iam::222222222222:role/prod
source_profile = my-role1-dev
[profile list]
role_arn = arn:aws:iam::222222222222:role/list
source_profile = my-user1-dev
[profile my name]
role_arn = arn:aws:iam::222222222222:role/x
source_profile = my-user1-dev
[profile x$(touch F)]
role_arn = arn:aws:iam::222222222222:role/x
source_profile = my-user1-dev
";

/// Names that are code in some shell, each with a first letter of its own (and none a
/// subcommand starts with: `s` is serve and server).
const HOSTILE: &[&str] = &[
    "plain-name",
    "my name",
    "x$(touch F)",
    "y`touch F`",
    "z;touch F",
    "a'b",
    "q\"r",
    "t$(id)",
    "u`id`",
    "v;id",
];

/// What the fake aws-as does: `list --names` prints $HOME/names; `completions SHELL` is the real
/// binary's (the activation defines completion from it at the first TAB); anything else records
/// its arguments (one per line) in $HOME/argv and fails, printing nothing to evaluate.
const FAKE: &str = r#"#!/bin/sh
if [ "$1" = list ]; then
    cat "$HOME/names"
    exit 0
fi
if [ "$1" = completions ]; then
    exec '@REAL@' "$@"
fi
printf '%s\n' "$@" >"$HOME/argv.tmp" && mv "$HOME/argv.tmp" "$HOME/argv"
exit 1
"#;

/// A command only the test's PATH has, to complete after `exec NAME`.
const COMMAND: &str = "zzqq-aws-as-test-command";
/// A file in the shell's directory, to complete as that command's argument.
const FILE: &str = "zzqq-argument-file.txt";

struct ShellKind {
    argv: &'static [&'static str],
    /// Typed before anything else: a plain prompt, then the activation.
    init: &'static str,
    /// The keys that list the choices for the word at the cursor.
    list: &'static [&'static str],
    /// tcsh splits the output of a completion command at blanks: no name with a space.
    spaces: bool,
    /// Quote characters the shell lets a word start with, to complete inside.
    quotes: &'static [char],
    /// The command after `exec NAME` is completed with its own completion (a nested
    /// `aws-as exec NAME aws-as exec …` with aws-as's); bash needs bash-completion for that.
    nested: bool,
}

const BASH: ShellKind = ShellKind {
    argv: &["bash", "--norc", "--noprofile", "-i"],
    init: r#"PS1='$ '; eval "$(aws-as-activate -s)""#,
    list: &["Tab", "Tab"],
    spaces: true,
    quotes: &['\'', '"'],
    nested: false,
};

/// bash with the bash-completion package loaded, as most distributions have it.
const BASH_COMPLETION: ShellKind = ShellKind {
    init: r#"PS1='$ '; . /usr/share/bash-completion/bash_completion; eval "$(aws-as-activate -s)""#,
    nested: true,
    ..BASH
};

const ZSH: ShellKind = ShellKind {
    argv: &["zsh", "-f", "-i"],
    init: r#"PS1='$ '; autoload -Uz compinit; compinit -u -D; eval "$(aws-as-activate -s)""#,
    list: &["Tab"],
    spaces: true,
    quotes: &['\'', '"'],
    nested: true,
};

const FISH: ShellKind = ShellKind {
    argv: &["fish", "--no-config", "-i"],
    // Autosuggestions from the history would show on the command line as if typed.
    init: "set -g fish_autosuggestion_enabled 0; aws-as-activate --shell fish | source",
    list: &["Tab"],
    spaces: true,
    quotes: &['\'', '"'],
    nested: true,
};

const TCSH: ShellKind = ShellKind {
    argv: &["tcsh", "-f", "-i"],
    init: "set prompt = '$ ' ; eval \"`aws-as-activate -c`\"",
    list: &["C-d"],
    spaces: false,
    quotes: &[],
    nested: false,
};

// ---------------------------------------------------------------------------------------------
// An interactive shell in a private tmux server.

struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    /// Starts `argv` in tmux with `home`'s environment (plus `env`), in `home`, and types `init`.
    fn start(home: &Home, argv: &[&str], env: &[(&str, &str)], init: &str) -> Tmux {
        let tmux = Tmux {
            socket: home.path().join("tmux.sock"),
        };
        let mut c = home.command("tmux");
        c.arg("-S")
            .arg(&tmux.socket)
            .args(["-f", "/dev/null", "new-session", "-d", "-s", "t"])
            .args(["-x", "200", "-y", "50", "--"])
            .args(argv)
            .env("PATH", path(home))
            .envs(env.iter().copied());
        let out = run(&mut c);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            common::stderr_str(&out)
        );
        tmux.keys(&["-l", init]);
        tmux.keys(&["Enter"]);
        // A word the echo of the typed line does not hold: the shell ran the line before it.
        tmux.keys(&["-l", "echo READY''MARK"]);
        tmux.keys(&["Enter"]);
        tmux.wait("the shell to start", |s| {
            s.lines().any(|l| l.trim_end() == "READYMARK")
        });
        tmux
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket);
        c.stdin(Stdio::null());
        c
    }

    fn keys(&self, keys: &[&str]) {
        let out = run(self.tmux().args(["send-keys", "-t", "t"]).args(keys));
        assert!(out.status.success(), "tmux send-keys {keys:?}");
    }

    fn screen(&self) -> String {
        let out = run(self.tmux().args(["capture-pane", "-p", "-t", "t"]));
        assert!(out.status.success(), "tmux capture-pane");
        stdout_str(&out)
    }

    /// Polls the screen until `ok` holds; panics with the screen after [`WAIT`].
    fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("waited {WAIT:?} for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// An empty command line on a cleared screen. The line is killed rather than interrupted:
    /// bash acts on a SIGINT from C-c late, in the next completion function, and drops the line.
    fn fresh_line(&self) {
        self.keys(&["C-e", "C-u", "C-l"]);
        self.wait("a cleared screen", |s| {
            s.lines().filter(|l| !l.trim().is_empty()).count() == 1
        });
    }

    /// The line holding the cursor, as shown.
    fn line(&self, screen: &str) -> String {
        self.cursor_line(screen).1
    }

    /// The number of the line holding the cursor (0 at the top), and that line.
    fn cursor_line(&self, screen: &str) -> (usize, String) {
        let out = run(self
            .tmux()
            .args(["display-message", "-p", "-t", "t", "#{cursor_y}"]));
        let y: usize = stdout_str(&out).trim().parse().expect("cursor_y");
        let line = screen.lines().nth(y).unwrap_or("").trim_end().to_string();
        (y, line)
    }

    /// Types `text` and TAB; returns the command line once it has changed.
    fn complete(&self, text: &str) -> String {
        self.fresh_line();
        self.keys(&["-l", text]);
        let typed = self.wait(&format!("{text:?} to be typed"), |s| {
            s.lines().any(|l| l.trim_end().ends_with(text))
        });
        let before = self.line(&typed);
        self.keys(&["Tab"]);
        let screen = self.wait(&format!("TAB to complete {text:?}"), |s| {
            self.line(s) != before
        });
        self.line(&screen)
    }

    /// Types `text`, presses the shell's listing keys and waits until every word of `want`
    /// is shown; returns the words on the screen below the command line.
    fn choices(&self, shell: &ShellKind, text: &str, want: &[String]) -> Vec<String> {
        self.fresh_line();
        self.keys(&["-l", text]);
        self.wait(&format!("{text:?} to be typed"), |s| {
            s.lines().any(|l| l.trim_end().ends_with(text.trim_end()))
        });
        for key in shell.list {
            self.keys(&[key]);
        }
        let screen = self.wait(&format!("the choices for {text:?}: {want:?}"), |s| {
            let shown = shown_words(s);
            want.iter().all(|w| shown.contains(w))
        });
        shown_words(&screen)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

/// TAB after `text` makes the command line (after the prompt) `want`, with a space after it.
fn completes(t: &Tmux, text: &str, want: impl AsRef<str>) {
    let want = want.as_ref();
    let line = t.complete(text);
    assert!(
        line.ends_with(&format!(" {want}")),
        "TAB after {text:?} made the line {line:?}, not {want:?}"
    );
}

/// The whitespace-separated words of the screen, without the lines holding the typed command
/// (fish's pager puts descriptions in parentheses after each choice).
fn shown_words(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|l| !l.contains("aws-as"))
        .flat_map(str::split_whitespace)
        .map(str::to_string)
        .collect()
}

/// PATH for the shell: a directory with [`COMMAND`], then the test PATH (aws-as first).
fn path(home: &Home) -> std::ffi::OsString {
    let bin = home.path().join("bin");
    let mut dirs = vec![bin];
    dirs.extend(std::env::split_paths(&common::test_path()));
    std::env::join_paths(dirs).unwrap()
}

fn executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A home with the config, [`COMMAND`] and [`FILE`].
fn home() -> Home {
    let home = Home::new();
    home.config(CONFIG)
        .credentials(common::STANDARD_CREDENTIALS);
    std::fs::create_dir(home.path().join("bin")).unwrap();
    executable(&home.path().join("bin").join(COMMAND), "#!/bin/sh\n");
    std::fs::write(home.path().join(FILE), "").unwrap();
    home
}

// ---------------------------------------------------------------------------------------------
// What aws-as accepts, from clap.

fn cli() -> clap::Command {
    let mut c = aws_as::cli::command();
    c.build();
    c
}

fn subcommands() -> Vec<String> {
    cli()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect()
}

fn long_options(cmd: &clap::Command) -> Vec<String> {
    cmd.get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect()
}

/// The possible values of `cmd`'s argument `id`.
fn values(cmd: &clap::Command, id: &str) -> Vec<String> {
    let arg = cmd
        .get_arguments()
        .find(|a| a.get_id() == id)
        .unwrap_or_else(|| panic!("no argument {id}"));
    arg.get_possible_values()
        .iter()
        .map(|v| v.get_name().to_string())
        .collect()
}

fn sub(name: &str) -> clap::Command {
    cli().find_subcommand(name).unwrap().clone()
}

/// `aws-as list --names` for `home`: what completion must offer.
fn names(home: &Home) -> Vec<String> {
    let out = run(home.command(aws_as_bin()).args(["list", "--names"]));
    assert!(out.status.success(), "{}", common::stderr_str(&out));
    stdout_str(&out).lines().map(str::to_string).collect()
}

// ---------------------------------------------------------------------------------------------

/// Subcommands, options, their values and identity names from the config, with the real binary.
fn offers_what_aws_as_accepts(shell: &ShellKind) {
    let home = home();
    let names = names(&home);
    // aws-config keeps the valid names and drops `my name` and `x$(touch F)`: the names the
    // completion must offer are the config's, not these.
    for n in ["my-user1-dev", "my-role1-dev", "team:prod", "list"] {
        assert!(names.contains(&n.to_string()), "{names:?}");
    }
    let t = Tmux::start(&home, shell.argv, &[], shell.init);

    let mut want = subcommands();
    want.extend(names.iter().cloned());
    want.push("-".to_string());
    let shown = t.choices(shell, "aws-as ", &want);
    assert!(!shown.iter().any(|w| w.contains("touch")), "{shown:?}");

    t.choices(shell, "aws-as --", &long_options(&cli()));
    t.choices(shell, "aws-as --shell ", &values(&cli(), "shell"));
    t.choices(
        shell,
        "aws-as completions ",
        &values(&sub("completions"), "shell"),
    );
    t.choices(shell, "aws-as exec --", &long_options(&sub("exec")));
    t.choices(shell, "aws-as list --", &long_options(&sub("list")));
    // After `--` the word is an identity, even one named like a subcommand.
    let shown = t.choices(shell, "aws-as -- ", &names);
    for s in subcommands().iter().filter(|s| !names.contains(s)) {
        assert!(!shown.contains(s), "{s} offered after `--`: {shown:?}");
    }

    completes(&t, "aws-as my-r", "aws-as my-role1-dev");
    completes(&t, "aws-as te", "aws-as team:prod");
    completes(&t, "aws-as cre", "aws-as credential-process");
    completes(&t, "aws-as --shell=fi", "aws-as --shell=fish");
    completes(&t, "aws-as exec my-u", "aws-as exec my-user1-dev");
    completes(
        &t,
        "aws-as exec --no-input my-u",
        "aws-as exec --no-input my-user1-dev",
    );
    completes(
        &t,
        "aws-as credential-process my-u",
        "aws-as credential-process my-user1-dev",
    );
    // After `exec NAME`: a command, then that command's arguments (files here).
    completes(
        &t,
        "aws-as exec my-user1-dev zzqq",
        format!("aws-as exec my-user1-dev {COMMAND}"),
    );
    completes(
        &t,
        &format!("aws-as exec my-user1-dev {COMMAND} zzqq-arg"),
        format!("aws-as exec my-user1-dev {COMMAND} {FILE}"),
    );
    if shell.nested {
        completes(
            &t,
            "aws-as exec my-user1-dev aws-as exec my-r",
            "aws-as exec my-user1-dev aws-as exec my-role1-dev",
        );
    }
    assert!(!home.path().join("F").exists());
}

/// Hostile names are offered, completed so that the shell passes them on exactly, and never run.
fn completes_hostile_names_as_data(shell: &ShellKind) {
    let home = home();
    let names: Vec<&str> = HOSTILE
        .iter()
        .copied()
        .filter(|n| shell.spaces || !n.contains(' '))
        .collect();
    std::fs::write(home.path().join("names"), names.join("\n") + "\n").unwrap();
    let fake = home.path().join("fake-aws-as");
    executable(
        &fake,
        &FAKE.replace("@REAL@", common::aws_as_bin().to_str().unwrap()),
    );
    let t = Tmux::start(
        &home,
        shell.argv,
        &[("AWS_AS_BIN", fake.to_str().unwrap())],
        shell.init,
    );

    let mut typed: Vec<String> = Vec::new();
    for name in &names {
        let first = name.chars().next().unwrap();
        typed.push(format!("aws-as {first}"));
        for q in shell.quotes {
            typed.push(format!("aws-as {q}{first}"));
        }
    }
    // `aws-as my` offers `my name` only: `my-…` are not in this list.
    for text in typed {
        let line = t.complete(&text);
        let argv = home.path().join("argv");
        let _ = std::fs::remove_file(&argv);
        t.keys(&["Enter"]);
        // The command has run when the next prompt is shown below it (the screen was cleared
        // before typing: the command is on the first line; while it runs the cursor waits on an
        // empty line).
        t.wait(&format!("{text:?}, completed to {line:?}, to run"), |s| {
            let (y, cursor_line) = t.cursor_line(s);
            y > 0 && !cursor_line.trim().is_empty() && !cursor_line.contains("aws-as")
        });
        assert!(
            argv.exists(),
            "{text:?} completed to {line:?} and did not run aws-as:\n{}",
            t.screen()
        );
        let got = std::fs::read_to_string(&argv).unwrap();
        let got = got.lines().last().unwrap_or("");
        let first = text
            .trim_start_matches("aws-as ")
            .trim_start_matches(['\'', '"']);
        let want = names.iter().find(|n| n.starts_with(first)).unwrap();
        assert_eq!(got, *want, "{text:?} completed to {line:?}");
    }
    t.choices(shell, "aws-as ", &["plain-name".to_string()]);
    assert!(!home.path().join("F").exists(), "a name was run as code");
}

#[test]
fn bash_offers_what_aws_as_accepts() {
    offers_what_aws_as_accepts(&BASH);
}

#[test]
fn bash_completes_hostile_names_as_data() {
    completes_hostile_names_as_data(&BASH);
}

#[test]
fn bash_with_bash_completion_offers_what_aws_as_accepts() {
    offers_what_aws_as_accepts(&BASH_COMPLETION);
}

#[test]
fn zsh_offers_what_aws_as_accepts() {
    offers_what_aws_as_accepts(&ZSH);
}

#[test]
fn zsh_completes_hostile_names_as_data() {
    completes_hostile_names_as_data(&ZSH);
}

#[test]
fn fish_offers_what_aws_as_accepts() {
    offers_what_aws_as_accepts(&FISH);
}

#[test]
fn fish_completes_hostile_names_as_data() {
    completes_hostile_names_as_data(&FISH);
}

#[test]
fn tcsh_offers_what_aws_as_accepts() {
    offers_what_aws_as_accepts(&TCSH);
}

#[test]
fn tcsh_completes_hostile_names_as_data() {
    completes_hostile_names_as_data(&TCSH);
}

/// zsh without the activation: `_aws-as` from completions/ in $fpath, autoloaded by compinit.
#[test]
fn zsh_autoloads_the_checked_in_function() {
    let home = home();
    let dir = common::repo_root().join("completions");
    let init = format!(
        "PS1='$ '; fpath=({} $fpath); autoload -Uz compinit; compinit -u -D",
        dir.display()
    );
    let t = Tmux::start(&home, ZSH.argv, &[], &init);
    completes(&t, "aws-as my-r", "aws-as my-role1-dev");
    completes(&t, "aws-as cre", "aws-as credential-process");
}

/// The checked-in scripts pass each shell's own checks: shellcheck, `zsh -n`,
/// `fish --no-execute`, and tcsh sourcing the file defines the completion.
#[test]
fn scripts_pass_the_shells_checks() {
    let dir = common::repo_root().join("completions");
    let home = Home::new();
    for (argv, file) in [
        (&["shellcheck", "-s", "bash"][..], "aws-as.bash"),
        (&["zsh", "-n"][..], "_aws-as"),
        (&["fish", "--no-execute"][..], "aws-as.fish"),
    ] {
        let out = run(home.command(argv[0]).args(&argv[1..]).arg(dir.join(file)));
        assert!(
            out.status.success(),
            "{argv:?} {file}:\n{}{}",
            stdout_str(&out),
            common::stderr_str(&out)
        );
    }
    let source = format!(
        "source {} ; complete aws-as",
        dir.join("aws-as.tcsh").display()
    );
    let out = run(home.command("tcsh").args(["-f", "-c", &source]));
    assert!(
        out.status.success() && stdout_str(&out).contains("p/1/"),
        "tcsh: {}{}",
        stdout_str(&out),
        common::stderr_str(&out)
    );
}

/// Deactivation takes the completion away with the rest: nothing of aws-as is left defined.
#[test]
fn deactivation_removes_the_completion() {
    let home = home();
    let act = common::aws_as_activate_bin();
    let act = act.to_str().unwrap();
    let cases: [(&str, Vec<&str>, String); 4] = [
        (
            "bash",
            vec!["bash", "--norc", "-c"],
            format!(
                "eval \"$('{act}' --shell bash)\"; complete -p aws-as >/dev/null && echo before; \
                 aws-as-deactivate; complete -p aws-as 2>/dev/null || echo gone; \
                 declare -F | grep -c ' _aws_as' || :"
            ),
        ),
        (
            "zsh",
            vec!["zsh", "-f", "-c"],
            format!(
                "autoload -Uz compinit; compinit -u -D; eval \"$('{act}' --shell zsh)\"; \
                 [[ -n ${{_comps[aws-as]-}} ]] && echo before; aws-as-deactivate; \
                 [[ -z ${{_comps[aws-as]-}} ]] && echo gone; print ${{#${{(k)functions[(I)_aws-as*]}}}}"
            ),
        ),
        (
            "fish",
            vec!["fish", "--no-config", "-c"],
            format!(
                "'{act}' --shell fish | source; complete -c aws-as | count >/dev/null; and echo before; \
                 aws-as-deactivate; test (complete -c aws-as | count) -eq 0; and echo gone; \
                 functions -a | string match -r '^__aws_as' | count"
            ),
        ),
        (
            // csh expands aliases when it reads a line: one statement per line, from a file.
            "tcsh",
            vec!["tcsh", "-f"],
            format!(
                "eval \"`'{act}' --shell tcsh`\"\ncomplete | grep -c aws-as\naws-as-deactivate\ncomplete | grep -c aws-as\n"
            ),
        ),
    ];
    for (shell, argv, script) in cases {
        let mut cmd: Command = home.command(argv[0]);
        cmd.args(&argv[1..]);
        if shell == "tcsh" {
            let file = home.path().join("deactivate.csh");
            std::fs::write(&file, &script).unwrap();
            cmd.arg(file);
        } else {
            cmd.arg(&script);
        }
        let out = run(&mut cmd);
        let text = stdout_str(&out);
        let want = if shell == "tcsh" {
            "1\n0\n"
        } else {
            "before\ngone\n0\n"
        };
        assert_eq!(text, want, "{shell}: {}", common::stderr_str(&out));
    }
}
