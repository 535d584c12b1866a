//! The activation scripts in real shells: bash, zsh, dash, fish and tcsh.
//!
//! Most tests use tests/shells/fake-aws-as.sh instead of the real binary (through AWS_AS_BIN):
//! same output contract, no STS. It is copied into a directory whose name holds a space, a quote,
//! a `$` and a `!`, so every dialect's quoting of the binary's path is exercised too.
//!
//! Scripts run with a scrubbed environment (PATH, HOME = a temp dir, TERM=dumb). Prompts are
//! checked as the shell really prints them: the interactive shell runs under a pty (util-linux
//! `script`), PS1 is the marker `<P>` (typed as `'<''P>'`, so the echo of the input never holds
//! it), and the text in front of each marker is the aws-as prefix.

use crate::common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::strip_escapes;

const ACTIVATE: &str = env!("CARGO_BIN_EXE_aws-as-activate");
const FAKE: &str = include_str!("shells/fake-aws-as.sh");
const MARK: &str = "<P>";

/// Identity names that are code in some shell or prompt: they must come out as text.
const HOSTILE: &[&str] = &["x$(touch F)", "`touch F`", "a'b", "%n", "\\w", "!!"];

/// A throwaway HOME with the fake binary; removed on drop.
struct Env {
    home: PathBuf,
    fake: PathBuf,
}

impl Env {
    fn new() -> Env {
        static N: AtomicUsize = AtomicUsize::new(0);
        let home = std::env::temp_dir().join(format!(
            "aws-as-shells-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&home);
        let bin = home.join("b i'n$x!");
        std::fs::create_dir_all(&bin).unwrap();
        let fake = bin.join("aws-as");
        std::fs::write(&fake, FAKE).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        Env { home, fake }
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("TERM", "dumb")
            .env("AWS_AS_BIN", &self.fake)
            .env("ACT", ACTIVATE)
            .current_dir(&self.home)
            .stdin(Stdio::null());
        c
    }

    /// Runs `argv... SCRIPT-FILE`; returns (stdout, stderr, exit code).
    fn script(&self, argv: &[&str], text: &str) -> (String, String, i32) {
        let file = self.home.join("script");
        std::fs::write(&file, text).unwrap();
        let mut c = self.command(argv[0]);
        c.args(&argv[1..]).arg(&file);
        let out = run(c, Duration::from_secs(30));
        (out.0, out.1, out.2)
    }

    /// Runs `cmdline` (an interactive shell) under a pty fed with `input`; returns what the
    /// terminal showed, without escape sequences.
    fn interactive(&self, cmdline: &str, input: &str) -> String {
        let file = self.home.join("input");
        std::fs::write(&file, input).unwrap();
        let mut c = self.command("script");
        c.args(["-qec", cmdline, "/dev/null"])
            .stdin(std::fs::File::open(&file).unwrap());
        let (out, _, _) = run(c, Duration::from_secs(30));
        strip_escapes(&out)
    }

    fn exists(&self, name: &str) -> bool {
        self.home.join(name).exists()
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.home.join("calls")).unwrap_or_default()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if std::env::var_os("AWS_AS_KEEP_TEST_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.home);
        }
    }
}

fn run(mut c: Command, limit: Duration) -> (String, String, i32) {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {c:?}: {e}"));
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t1 = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = so.read_to_end(&mut s);
        s
    });
    let t2 = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = se.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{c:?} did not finish in {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let so = String::from_utf8_lossy(&t1.join().unwrap()).into_owned();
    let se = String::from_utf8_lossy(&t2.join().unwrap()).into_owned();
    (so, se, status.code().unwrap_or(-1))
}

/// The text in front of each `<P>` (up to the previous marker or line break), consecutive
/// duplicates removed (line editors redraw the prompt).
fn prompts(screen: &str, mark: &str) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for line in screen.split(['\r', '\n']) {
        let pieces: Vec<&str> = line.split(mark).collect();
        for p in &pieces[..pieces.len() - 1] {
            if all.last().map(String::as_str) != Some(p) {
                all.push(p.to_string());
            }
        }
    }
    all
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Single-quotes for sh, bash, zsh (and tcsh, where `!` is handled by the caller).
fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn fish_sq(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

/// tcsh input: single quotes, and `!` escaped even inside them.
fn csh_sq(s: &str) -> String {
    sq(s).replace('!', r"\!")
}

// ---------------------------------------------------------------------------------------------
// Switch, clear, fail, deactivate: bash, zsh, dash, with the options users have.

const BOURNE_SCRIPT: &str = r#"alias aws-as='echo HIJACKED'
alias aws-as-deactivate='echo HIJACKED'
eval "$("$ACT" -s)"
aws-as dev
echo "1 id=${AWS_AS_IDENTITY-unset} key=${AWS_ACCESS_KEY_ID-unset} secret=${AWS_SECRET_ACCESS_KEY-unset}"
aws-as bad || echo "2 failed=$? id=${AWS_AS_IDENTITY-unset} token=${AWS_SESSION_TOKEN-unset}"
aws-as
aws-as --version
aws-as list
aws-as export dev --format json
aws-as login dev
aws-as -- list
echo "3 evaled=${AWS_AS_EVALED-no} id=${AWS_AS_IDENTITY-unset}"
aws-as -
echo "4 id=${AWS_AS_IDENTITY-unset} key=${AWS_ACCESS_KEY_ID-unset}"
aws-as --mfa-code 123456 dev2
echo "5 id=${AWS_AS_IDENTITY-unset}"
aws-as-deactivate
echo "6 id=${AWS_AS_IDENTITY-unset} key=${AWS_ACCESS_KEY_ID-unset}"
for c in aws-as aws-as-deactivate __aws_as __aws_as_deactivate __aws_as_prompt; do
    if command -v "$c" >/dev/null 2>&1; then echo "left: $c"; fi
done
eval "$("$ACT" -s)"
aws-as dev
aws-as-deactivate --keep-creds
echo "7 id=${AWS_AS_IDENTITY-unset} key=${AWS_ACCESS_KEY_ID-unset}"
for c in aws-as aws-as-deactivate __aws_as __aws_as_deactivate __aws_as_prompt; do
    if command -v "$c" >/dev/null 2>&1; then echo "left: $c"; fi
done
set | grep '^__aws_as' || :
echo "8 done"
"#;

fn bourne_expected(env: &Env) -> String {
    let human = format!(
        "fake aws-as status; export AWS_AS_EVALED=1; touch {}/evaled\n",
        env.home.display()
    );
    format!(
        "1 id=dev key=AKIAFAKE secret=secret with spaces and 'quotes'\n\
         2 failed=1 id=dev token=token-dev\n\
         {human}{human}{human}{human}{human}\
         3 evaled=no id=list\n\
         4 id=unset key=unset\n\
         5 id=dev2\n\
         6 id=unset key=unset\n\
         7 id=dev key=AKIAFAKE\n\
         8 done\n"
    )
}

fn check_bourne(argv: &[&str]) {
    if !have(argv[0]) {
        println!("skipped: {} is not installed", argv[0]);
        return;
    }
    let env = Env::new();
    let (out, err, code) = env.script(argv, BOURNE_SCRIPT);
    assert_eq!(
        err, "aws-as: no such identity: 'bad'\n",
        "stderr of {argv:?}"
    );
    assert_eq!(out, bourne_expected(&env), "stdout of {argv:?}");
    assert_eq!(code, 0, "{argv:?}");
    assert!(!env.exists("evaled"));
    let calls = env.calls();
    // `aws-as list` is the command, passed through; `aws-as -- list` the identity named list.
    assert!(calls.contains("\n--version\n"), "{calls}");
    assert!(calls.contains("\nlist\n"), "{calls}");
    assert!(
        calls.contains("\nexport dev --format json\nlogin dev\n"),
        "{calls}"
    );
    assert!(
        calls
            .lines()
            .any(|l| l.starts_with("--shell ") && l.ends_with(" -- list")),
        "{calls}"
    );
}

#[test]
fn bash_plain() {
    check_bourne(&["bash"]);
}
#[test]
fn bash_strict() {
    check_bourne(&["bash", "-eu", "-o", "pipefail"]);
}
#[test]
fn bash_posix_strict() {
    check_bourne(&["bash", "--posix", "-eu", "-o", "pipefail"]);
}
#[test]
fn zsh_plain() {
    check_bourne(&["zsh", "-f"]);
}
#[test]
fn zsh_strict() {
    check_bourne(&["zsh", "-f", "-eu", "-o", "pipefail"]);
}
#[test]
fn zsh_ksh_arrays_no_unset() {
    check_bourne(&["zsh", "-f", "-o", "ksh_arrays", "-o", "no_unset"]);
}
#[test]
fn zsh_word_split_prompt_subst_err_exit() {
    check_bourne(&[
        "zsh",
        "-f",
        "-o",
        "sh_word_split",
        "-o",
        "prompt_subst",
        "-o",
        "err_exit",
        "-o",
        "pipefail",
    ]);
}
#[test]
fn dash_plain() {
    check_bourne(&["dash"]);
}
#[test]
fn dash_strict() {
    check_bourne(&["dash", "-eu"]);
}

// ---------------------------------------------------------------------------------------------
// The user's own tracing (`set -x`, `set -v`, fish_trace, tcsh `set echo verbose`) must never
// print the credentials, and must be the same after a switch (or a failed one) as before.

/// Pieces of what the fake binary prints (key, secret, token), that a trace would show.
const LEAKS: &[&str] = &["AKIAFAKE", "secret with spaces", "token-"];

fn assert_no_leak(what: &str, err: &str) {
    for leak in LEAKS {
        assert!(
            !err.contains(leak),
            "{what}: {leak:?} traced on stderr:\n{err}"
        );
    }
}

const BOURNE_TRACE_SCRIPT: &str = r#"flags() {
    f=
    case $- in *x*) f=x ;; esac
    case $- in *v*) f=${f}v ;; esac
    echo "$1 id=${AWS_AS_IDENTITY-unset} flags=$f"
}
eval "$("$ACT" -s)"
set -xv
aws-as dev
flags 1
aws-as bad || flags "2 failed=$?"
aws-as -- list
flags 3
set +v
aws-as dev2
flags 4
set +x
set -v
aws-as dev
flags 5
set +v
aws-as-deactivate
flags 6
"#;

fn check_bourne_trace(argv: &[&str]) {
    if !have(argv[0]) {
        println!("skipped: {} is not installed", argv[0]);
        return;
    }
    let env = Env::new();
    let (out, err, code) = env.script(argv, BOURNE_TRACE_SCRIPT);
    assert_eq!(
        out,
        "1 id=dev flags=xv\n2 failed=1 id=dev flags=xv\n3 id=list flags=xv\n\
         4 id=dev2 flags=x\n5 id=dev flags=v\n6 id=unset flags=\n",
        "stdout of {argv:?}, stderr:\n{err}"
    );
    assert_eq!(code, 0, "{argv:?}:\n{err}");
    assert_no_leak(&format!("{argv:?}"), &err);
    // The trace was really on: the calls around the switches are in it.
    assert!(err.contains("flags 4"), "{argv:?}:\n{err}");
    assert!(err.contains("no such identity: 'bad'"), "{argv:?}:\n{err}");
}

#[test]
fn bash_trace_hides_credentials() {
    check_bourne_trace(&["bash"]);
    check_bourne_trace(&["bash", "-eu", "-o", "pipefail"]);
    check_bourne_trace(&["bash", "--posix"]);
}
#[test]
fn zsh_trace_hides_credentials() {
    check_bourne_trace(&["zsh", "-f"]);
    check_bourne_trace(&["zsh", "-f", "-eu", "-o", "ksh_arrays"]);
}
#[test]
fn dash_trace_hides_credentials() {
    check_bourne_trace(&["dash"]);
    check_bourne_trace(&["dash", "-eu"]);
}

#[test]
fn fish_trace_hides_credentials() {
    if !have("fish") {
        println!("skipped: fish is not installed");
        return;
    }
    let env = Env::new();
    let script = r#"function flags
    set -l id unset
    set -q AWS_AS_IDENTITY; and set id $AWS_AS_IDENTITY
    echo "$argv[1] id=$id trace=$fish_trace"
end
$ACT --shell fish | source
set fish_trace 1
aws-as dev
flags 1
aws-as bad; or flags "2 failed=$status"
aws-as -- list
flags 3
set -e fish_trace
flags 4
"#;
    let (out, err, code) = env.script(&["fish", "--no-config"], script);
    assert_eq!(
        out, "1 id=dev trace=1\n2 failed=1 id=dev trace=1\n3 id=list trace=1\n4 id=list trace=\n",
        "stderr:\n{err}"
    );
    assert_eq!(code, 0, "{err}");
    assert_no_leak("fish", &err);
    assert!(err.contains("flags 3"), "{err}");
}

#[test]
fn tcsh_echo_verbose_hide_credentials() {
    if !have("tcsh") {
        println!("skipped: tcsh is not installed");
        return;
    }
    let env = Env::new();
    let script = r#"eval "`$ACT:q -c`"
set echo verbose
aws-as dev
echo "1 id=$AWS_AS_IDENTITY echo=$?echo verbose=$?verbose"
aws-as bad
echo "2 id=$AWS_AS_IDENTITY echo=$?echo verbose=$?verbose"
aws-as -- list
echo "3 id=$AWS_AS_IDENTITY echo=$?echo verbose=$?verbose"
unset verbose
aws-as dev2
echo "4 id=$AWS_AS_IDENTITY echo=$?echo verbose=$?verbose"
unset echo
set verbose
aws-as dev
echo "5 id=$AWS_AS_IDENTITY echo=$?echo verbose=$?verbose"
"#;
    let (out, err, code) = env.script(&["tcsh", "-f"], script);
    assert_eq!(
        out,
        "1 id=dev echo=1 verbose=1\n2 id=dev echo=1 verbose=1\n3 id=list echo=1 verbose=1\n\
         4 id=dev2 echo=1 verbose=0\n5 id=dev echo=0 verbose=1\n",
        "stderr:\n{err}"
    );
    assert_eq!(code, 0, "{err}");
    assert_no_leak("tcsh", &err);
    assert!(err.contains("aws-as dev2"), "{err}");
}

/// `--shell bash` etc. print the full script, and `-s` picks it from the running shell.
#[test]
fn dispatcher_and_errors() {
    let env = Env::new();
    for (argv, want) in [
        (vec!["--shell", "bash"], "aws-as activation for bash"),
        (vec!["--shell", "zsh"], "aws-as activation for zsh"),
        (vec!["--shell", "sh"], "aws-as activation for POSIX sh"),
        (vec!["--shell", "fish"], "aws-as activation for fish"),
        (vec!["--shell", "tcsh"], "set __aws_as_bin = "),
        (vec!["-c"], "set __aws_as_bin = "),
        (vec!["-s"], "BASH_VERSION"),
    ] {
        let mut c = env.command(ACTIVATE);
        c.args(&argv);
        let (out, err, code) = run(c, Duration::from_secs(10));
        assert_eq!((code, err.as_str()), (0, ""), "{argv:?}");
        assert!(out.contains(want), "{argv:?}: {out}");
    }
    for (shell, want) in [
        ("/bin/bash", "BASH_VERSION"),
        ("/usr/bin/fish", "activation for fish"),
        ("/bin/tcsh", "set __aws_as_bin"),
        ("/opt/unknown", "BASH_VERSION"),
    ] {
        let mut c = env.command(ACTIVATE);
        c.env("SHELL", shell);
        let (out, _, code) = run(c, Duration::from_secs(10));
        assert_eq!(code, 0);
        assert!(out.contains(want), "SHELL={shell}");
    }
    for argv in [vec!["--shell", "pwsh"], vec!["-s", "-c"], vec!["extra"]] {
        let mut c = env.command(ACTIVATE);
        c.args(&argv);
        let (out, err, code) = run(c, Duration::from_secs(10));
        assert_eq!(code, 2, "{argv:?}");
        assert_eq!(out, "", "{argv:?}");
        assert_eq!(err.lines().count(), 1, "{argv:?}: {err}");
        assert!(err.starts_with("aws-as-activate: "), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// bash: hooks and prompt restored exactly, double activation, bash-preexec.

#[test]
fn bash_restores_prompt_command_and_ps1_exactly() {
    let env = Env::new();
    for setup in [
        "PS1='\\u@\\h \\$ '",
        "PS1='> '; PROMPT_COMMAND='history -a # a comment'",
        "unset PS1; PROMPT_COMMAND=''",
        "PS1='$ '; PROMPT_COMMAND=('echo a' 'echo b')",
        "__bp_imported=defined; precmd_functions=(__bp_x); PROMPT_COMMAND='__bp_precmd_invoke_cmd'",
    ] {
        let script = format!(
            r#"{setup}
before=$(declare -p PS1 PROMPT_COMMAND precmd_functions 2>/dev/null)
eval "$("$ACT" -s)"
eval "$("$ACT" -s)"
active=$(declare -p PS1 PROMPT_COMMAND precmd_functions 2>/dev/null)
aws-as-deactivate --keep-creds
after=$(declare -p PS1 PROMPT_COMMAND precmd_functions 2>/dev/null)
printf '%s\n=====\n%s\n' "$active" "$after"
[ "$before" = "$after" ] && echo SAME
"#
        );
        let (out, err, _) = env.script(&["bash", "-u"], &script);
        assert_eq!(err, "", "{setup}");
        assert!(out.ends_with("SAME\n"), "{setup}:\n{out}");
        let active = out.split("=====").next().unwrap();
        assert_eq!(
            active.matches("__aws_as_prompt").count(),
            1,
            "{setup}:\n{out}"
        );
        assert_eq!(active.matches("{AWS_AS_IDENTITY:--}").count(), 1, "{out}");
        if setup.contains("__bp_imported") {
            assert!(active.contains("precmd_functions=([0]=\"__bp_x\" [1]=\"__aws_as_prompt\")"));
        }
    }
}

/// With promptvars off the name is text in PS1, decoded by bash's `\` rules: still inert.
#[test]
fn bash_promptvars_off() {
    let env = Env::new();
    let mut script = String::from("shopt -u promptvars\nPS1='> '\neval \"$(\"$ACT\" -s)\"\n");
    for name in HOSTILE {
        script.push_str(&format!(
            "aws-as {}\nprintf '%s\\n' \"${{PS1@P}}\"\n",
            sq(name)
        ));
    }
    let (out, err, _) = env.script(&["bash", "-eu"], &script);
    assert_eq!(err, "");
    let want: String = HOSTILE.iter().map(|n| format!("({n}) > \n")).collect();
    assert_eq!(out, want);
    assert!(!env.exists("F"));
}

#[test]
fn bash_interactive_prompt() {
    let env = Env::new();
    let mut input = String::from(
        "PS1='<''P>'; echo\n__pc() { local s=$?; echo \"pc-saw-$s\"; return $s; }\n\
         PROMPT_COMMAND=__pc\neval \"$($ACT -s)\"\n\
         PROMPT_COMMAND+=$'\\n''echo \"after-saw-$?\"'\nfalse\naws-as dev\n",
    );
    for name in HOSTILE {
        input.push_str(&format!("aws-as {}\n", sq(name)));
    }
    input.push_str("eval \"$($ACT -s)\"\naws-as-deactivate\necho \"PC=[$PROMPT_COMMAND]\"\nexit\n");
    let screen = env.interactive("bash --norc --noprofile -i", &input);
    let mut want: Vec<String> = vec!["".into(), "(-) ".into(), "(dev) ".into()];
    want.extend(HOSTILE.iter().map(|n| format!("({n}) ")));
    want.push("".into());
    assert_eq!(prompts(&screen, MARK), want, "{screen}");
    assert!(screen.contains("pc-saw-1\r\nafter-saw-1\r\n"), "{screen}");
    assert!(
        screen.contains("PC=[__pc\r\necho \"after-saw-$?\"]"),
        "{screen}"
    );
    assert!(!env.exists("F"));
}

#[test]
fn bash_interactive_prompt_command_array() {
    let env = Env::new();
    let input = "PS1='<''P>'; echo\nPROMPT_COMMAND=('echo \"a-saw-$?\"')\neval \"$($ACT -s)\"\n\
                 PROMPT_COMMAND+=('echo \"b-saw-$?\"')\nfalse\naws-as dev\naws-as-deactivate\n\
                 declare -p PROMPT_COMMAND\nexit\n";
    let screen = env.interactive("bash --norc --noprofile -i", input);
    assert_eq!(
        prompts(&screen, MARK),
        ["", "(-) ", "(dev) ", ""],
        "{screen}"
    );
    assert!(screen.contains("a-saw-1\r\nb-saw-1\r\n"), "{screen}");
    assert!(
        screen.contains("declare -a PROMPT_COMMAND=([0]=\"echo \\\"a-saw-\\$?\\\"\" [2]="),
        "{screen}"
    );
}

// ---------------------------------------------------------------------------------------------
// zsh

#[test]
fn zsh_interactive_prompt() {
    let env = Env::new();
    let mut input = String::from(
        "PS1='<''P>'; echo\nfunction __t1 { echo \"t1-saw-$?\" }\nprecmd_functions=(__t1)\n\
         eval \"$($ACT -s)\"\nfunction __t2 { echo \"t2-saw-$?\" }\nprecmd_functions+=(__t2)\n\
         false\naws-as dev\n",
    );
    for name in HOSTILE {
        input.push_str(&format!("aws-as {}\n", sq(name)));
    }
    input.push_str("setopt prompt_subst prompt_bang\n");
    for name in HOSTILE {
        input.push_str(&format!("aws-as {}\n", sq(name)));
    }
    input.push_str(
        "eval \"$($ACT -s)\"\naws-as-deactivate\necho \"PF=[$precmd_functions]\"\nexit\n",
    );
    let screen = env.interactive("zsh -f -i", &input);
    let mut want: Vec<String> = vec!["".into(), "(-) ".into(), "(dev) ".into()];
    want.extend(HOSTILE.iter().map(|n| format!("({n}) ")));
    want.extend(HOSTILE.iter().map(|n| format!("({n}) ")));
    want.push("".into());
    // PROMPT_SP prints a line of spaces before each prompt; keep the prompts themselves.
    let mut got = prompts(&screen, MARK);
    got.retain(|p| !p.trim().is_empty() || p.is_empty());
    got.dedup();
    assert_eq!(got, want, "{screen}");
    assert!(screen.contains("t1-saw-1\r\nt2-saw-1\r\n"), "{screen}");
    assert!(screen.contains("PF=[__t1 __t2]"), "{screen}");
    assert!(!env.exists("F"));
}

// ---------------------------------------------------------------------------------------------
// dash (sh): PS1 is expanded by Debian's dash; the prompt holds a reference, never the name.

#[test]
fn dash_interactive_prompt() {
    if !have("dash") {
        println!("skipped: dash is not installed");
        return;
    }
    let env = Env::new();
    let mut input = String::from("PS1='<''P>'; echo\neval \"$($ACT -s)\"\naws-as dev\n");
    for name in HOSTILE {
        input.push_str(&format!("aws-as {}\n", sq(name)));
    }
    input.push_str("eval \"$($ACT -s)\"\naws-as-deactivate\necho\nexit\n");
    let screen = env.interactive("dash -i", &input);
    let mut want: Vec<String> = vec!["".into(), "(-) ".into(), "(dev) ".into()];
    want.extend(HOSTILE.iter().map(|n| format!("({n}) ")));
    want.push("".into());
    assert_eq!(prompts(&screen, MARK), want, "{screen}");
    assert!(!env.exists("F"));
}

// ---------------------------------------------------------------------------------------------
// fish

const FISH_SCRIPT: &str = r#"function aws-as; echo HIJACKED; end
function v; if set -q $argv[1]; echo $$argv[1]; else; echo unset; end; end
$ACT --shell fish | source
aws-as dev
echo "1 id="(v AWS_AS_IDENTITY)" key="(v AWS_ACCESS_KEY_ID)" secret="(v AWS_SECRET_ACCESS_KEY)
aws-as bad; or begin; set -l s $status; echo "2 failed=$s id="(v AWS_AS_IDENTITY); end
aws-as
aws-as --version
aws-as list
aws-as export dev --format json
aws-as login dev
aws-as -- list
echo "3 evaled="(v AWS_AS_EVALED)" id="(v AWS_AS_IDENTITY)
aws-as -
echo "4 id="(v AWS_AS_IDENTITY)" key="(v AWS_ACCESS_KEY_ID)
aws-as --mfa-code 123456 dev2; and echo "5 ok id="(v AWS_AS_IDENTITY)
aws-as-deactivate
echo "6 id="(v AWS_AS_IDENTITY)" key="(v AWS_ACCESS_KEY_ID)
functions -q aws-as aws-as-deactivate __aws_as_status __aws_as_orig_fish_prompt; and echo left
$ACT --shell fish | source
aws-as dev
aws-as-deactivate --keep-creds
echo "7 id="(v AWS_AS_IDENTITY)" key="(v AWS_ACCESS_KEY_ID)
functions -q aws-as aws-as-deactivate __aws_as_status __aws_as_orig_fish_prompt; and echo left
set -n | string match -q '__aws_as*'; and echo left-vars
echo "8 done"
"#;

#[test]
fn fish_switch_and_deactivate() {
    if !have("fish") {
        println!("skipped: fish is not installed");
        return;
    }
    let env = Env::new();
    let (out, err, code) = env.script(&["fish", "--no-config"], FISH_SCRIPT);
    assert_eq!(err, "aws-as: no such identity: 'bad'\n");
    let human = format!(
        "fake aws-as status; export AWS_AS_EVALED=1; touch {}/evaled\n",
        env.home.display()
    );
    let want = format!(
        "1 id=dev key=AKIAFAKE secret=secret with spaces and 'quotes'\n\
         2 failed=1 id=dev\n{human}{human}{human}{human}{human}3 evaled=unset id=list\n4 id=unset key=unset\n\
         5 ok id=dev2\n6 id=unset key=unset\n7 id=dev key=AKIAFAKE\n8 done\n"
    );
    assert_eq!(out, want);
    assert_eq!(code, 0);
    assert!(env.calls().contains("--shell fish -- list\n"));
    assert!(env.calls().contains("\nlist\n"));
    assert!(
        env.calls()
            .contains("\nexport dev --format json\nlogin dev\n")
    );
}

#[test]
fn fish_interactive_prompt() {
    if !have("fish") {
        println!("skipped: fish is not installed");
        return;
    }
    let env = Env::new();
    let mut input = String::from(
        "function fish_prompt; echo -n \"<\"\"P$status>\"; end\n$ACT --shell fish | source\n\
         false\naws-as dev\n",
    );
    for name in HOSTILE {
        input.push_str(&format!("aws-as {}\n", fish_sq(name)));
    }
    input.push_str("$ACT --shell fish | source\naws-as-deactivate\nfunctions fish_prompt\nexit\n");
    let screen = env.interactive("fish --no-config -i", &input);
    let mut got = prompts(&screen, "<P");
    got.retain(|p| !p.trim().is_empty() || p.is_empty());
    got.dedup();
    let mut want: Vec<String> = vec!["".into(), "(-) ".into(), "(dev) ".into()];
    want.extend(HOSTILE.iter().map(|n| format!("({n}) ")));
    want.push("".into());
    assert_eq!(got, want, "{screen}");
    // The old prompt still sees the status of the command: 1 after `false`, 0 after a switch.
    assert!(screen.contains("(-) <P1>"), "{screen}");
    assert!(screen.contains("(dev) <P0>"), "{screen}");
    // The old fish_prompt is back.
    assert!(screen.contains("echo -n \"<\"\"P$status>\""), "{screen}");
    assert!(!env.exists("F"));
}

// ---------------------------------------------------------------------------------------------
// tcsh

#[test]
fn tcsh_switch_and_deactivate() {
    if !have("tcsh") {
        println!("skipped: tcsh is not installed");
        return;
    }
    let env = Env::new();
    let script = r#"alias aws-as 'echo HIJACKED'
eval "`$ACT:q -c`"
aws-as dev
echo "1 id=$AWS_AS_IDENTITY key=$AWS_ACCESS_KEY_ID secret=$AWS_SECRET_ACCESS_KEY:q"
aws-as bad
echo "2 id=$AWS_AS_IDENTITY"
aws-as
aws-as --version
aws-as list
aws-as export dev --format json
aws-as login dev
aws-as -- list
echo "3 evaled=$?AWS_AS_EVALED id=$AWS_AS_IDENTITY"
aws-as -
echo "4 id=$?AWS_AS_IDENTITY key=$?AWS_ACCESS_KEY_ID"
aws-as --mfa-code 123456 dev2
echo "5 id=$AWS_AS_IDENTITY"
aws-as 'x$(touch F)`touch F`'"'"'%n\w\!\!'
printenv AWS_AS_IDENTITY
aws-as-deactivate
echo "6 id=$?AWS_AS_IDENTITY key=$?AWS_ACCESS_KEY_ID"
alias
set | grep __aws_as
eval "`$ACT:q -c`"
aws-as dev
aws-as-deactivate --keep-creds
echo "7 id=$AWS_AS_IDENTITY key=$AWS_ACCESS_KEY_ID"
alias
echo "8 done"
"#;
    let (out, err, code) = env.script(&["tcsh", "-f"], script);
    assert_eq!(err, "aws-as: no such identity: 'bad'\n");
    let human = format!(
        "fake aws-as status; export AWS_AS_EVALED=1; touch {}/evaled\n",
        env.home.display()
    );
    let want = format!(
        "1 id=dev key=AKIAFAKE secret=secret with spaces and 'quotes'\n2 id=dev\n\
         {human}{human}{human}{human}{human}3 evaled=0 id=list\n4 id=0 key=0\n5 id=dev2\n\
         x$(touch F)`touch F`'%n\\w!!\n6 id=0 key=0\n7 id=dev key=AKIAFAKE\n8 done\n"
    );
    assert_eq!(out, want);
    assert_eq!(code, 0);
    assert!(!env.exists("F"));
    assert!(env.calls().contains("--shell tcsh -- list\n"));
    assert!(env.calls().contains("\nlist\n"));
    assert!(
        env.calls()
            .contains("\nexport dev --format json\nlogin dev\n")
    );
}

#[test]
fn tcsh_interactive_prompt_and_precmd() {
    if !have("tcsh") {
        println!("skipped: tcsh is not installed");
        return;
    }
    let env = Env::new();
    let mut input = String::from(
        "set prompt = '<''P>' ; echo\nalias precmd 'echo old-precmd'\neval \"`$ACT:q -c`\"\naws-as dev\n",
    );
    for name in HOSTILE {
        input.push_str(&format!("aws-as {}\n", csh_sq(name)));
    }
    input.push_str(
        "eval \"`$ACT:q -c`\"\naws-as-deactivate\nalias precmd\n\
         if ( \"$prompt\" == '<''P>' ) echo restored\nexit\n",
    );
    let screen = env.interactive("tcsh -f -i", &input);
    let mut want: Vec<String> = vec!["".into(), "(-) ".into(), "(dev) ".into()];
    want.extend(HOSTILE.iter().map(|n| format!("({n}) ")));
    want.push("".into());
    assert_eq!(prompts(&screen, MARK), want, "{screen}");
    // The old precmd ran before every prompt while aws-as was active, and is back alone.
    assert_eq!(screen.matches("old-precmd\r\n(").count(), 9, "{screen}");
    assert!(screen.contains(">echo old-precmd\r\n"), "{screen}");
    assert!(screen.contains(">restored\r\n"), "{screen}");
    assert!(!env.exists("F"));
}

// ---------------------------------------------------------------------------------------------
// AWS_AS_PROMPT=0, and the linters.

#[test]
fn prompt_can_be_turned_off() {
    let env = Env::new();
    let (out, err, _) = env.script(
        &["bash", "-eu"],
        "PS1='> '\nAWS_AS_PROMPT=0\neval \"$(\"$ACT\" -s)\"\naws-as dev\n\
         declare -p PS1\necho \"[${PROMPT_COMMAND-}]\"\n",
    );
    assert_eq!(err, "");
    assert_eq!(out, "declare -- PS1=\"> \"\n[]\n");
    let (out, err, _) = env.script(
        &["zsh", "-f"],
        "PS1='> '\nAWS_AS_PROMPT=0\neval \"$(\"$ACT\" -s)\"\naws-as dev\n\
         echo \"[$PS1] [$precmd_functions]\"\n",
    );
    assert_eq!(err, "");
    assert_eq!(out, "[> ] []\n");
}

fn template(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/output/shell/activate")
        .join(name)
}

#[test]
fn shellcheck_templates() {
    if !have("shellcheck") {
        println!("skipped: shellcheck is not installed");
        return;
    }
    let loader =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/output/shell/completions/loader.bash");
    for (dialect, file) in [
        ("sh", template("posix.sh")),
        ("sh", template("dispatch.sh")),
        ("bash", template("bash.bash")),
        ("bash", loader),
    ] {
        let out = Command::new("shellcheck")
            .args(["-s", dialect])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "shellcheck {}:\n{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn zsh_templates_parse() {
    let loader =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/output/shell/completions/loader.zsh");
    for file in [template("zsh.zsh"), loader] {
        let out = Command::new("zsh").arg("-n").arg(&file).output().unwrap();
        assert!(
            out.status.success(),
            "zsh -n {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn fish_template_parses() {
    if !have("fish") {
        println!("skipped: fish is not installed");
        return;
    }
    let out = Command::new("fish")
        .arg("--no-execute")
        .arg(template("fish.fish"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
