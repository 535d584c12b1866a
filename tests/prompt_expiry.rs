//! Expiry in the prompt and `AWS_AS_AUTO_RENEW=1`, in real interactive shells under a pty
//! (util-linux `script`): bash, zsh, fish and tcsh.
//!
//! Most tests use tests/shells/fake-aws-as-expiry.sh instead of the binary (through AWS_AS_BIN):
//! the test chooses each session's lifetime ($HOME/ttl, may be negative) and whether a switch
//! fails ($HOME/fail), and reads every call the shell made ($HOME/calls). One test drives the
//! real binary against moto.
//!
//! Reading the screen: the prompt is `<P>` (typed `'<''P>'`, so the terminal's echo of the input
//! never holds it) and the aws-as prefix is the text in front of it on its line. Lines the test
//! looks at end in `echo T''n …`: the output `Tn …` starts a line, and the echo of the typed
//! input (which shows `T''n`) never matches it.
//!
//! "Starts no process" is measured with `strace -f` on the shell: no execve/clone/fork between
//! two marker lines that enclose 100 prompts.

use crate::common;

use std::path::PathBuf;
use std::process::Output;

use common::{Home, ROLE1_ARN, Sts, run_with_input, stderr_str, stdout_str, strip_escapes};

const FAKE: &str = include_str!("shells/fake-aws-as-expiry.sh");
const MARK: &str = "<P>";
const RENEW_FAILED: &str = "aws-as: could not renew dev in the background (an MFA code is \
                            needed, or STS is unreachable); run: aws-as dev";
/// What the fake prints as secret key and session token (numbered), that a trace could show.
const SECRETS: &[&str] = &["fakesecret", "faketoken"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sh {
    Bash,
    Zsh,
    Fish,
    Tcsh,
}

impl Sh {
    fn dialect(self) -> &'static str {
        match self {
            Sh::Bash => "bash",
            Sh::Zsh => "zsh",
            Sh::Fish => "fish",
            Sh::Tcsh => "tcsh",
        }
    }

    fn cmdline(self) -> &'static str {
        match self {
            Sh::Bash => "bash --norc --noprofile -i",
            Sh::Zsh => "zsh -f -i",
            Sh::Fish => "fish --no-config -i",
            Sh::Tcsh => "tcsh -f -i",
        }
    }

    /// Prompt `<P>`, then activation.
    fn setup(self) -> &'static str {
        match self {
            Sh::Bash | Sh::Zsh => "PS1='<''P>'; echo\neval \"$($ACT -s)\"\n",
            Sh::Fish => "function fish_prompt; echo -n '<''P>'; end\n$ACT --shell fish | source\n",
            Sh::Tcsh => "set prompt = '<''P>' ; echo\neval \"`$ACT:q -c`\"\n",
        }
    }

    fn auto_renew(self) -> &'static str {
        match self {
            Sh::Bash | Sh::Zsh => "export AWS_AS_AUTO_RENEW=1",
            Sh::Fish => "set -gx AWS_AS_AUTO_RENEW 1",
            Sh::Tcsh => "setenv AWS_AS_AUTO_RENEW 1",
        }
    }

    /// A line whose output is `T99` and the number of aws-as variables and functions (aliases)
    /// left in the shell.
    fn leftovers(self) -> &'static str {
        match self {
            Sh::Bash => "echo T''99 $(set | grep -c '^__aws_as')",
            Sh::Zsh => "echo T''99 $(set | grep -c '^__aws_as') $(functions | grep -c '^__aws_as')",
            Sh::Fish => {
                "echo T''99 (set -n | string match '__aws_as*' | count) \
                 (functions -a | string split , | string match '__aws_as*' | count)"
            }
            Sh::Tcsh => "echo T''99 `set | grep -c '^__aws_as'` `alias | grep -c __aws_as`",
        }
    }

    fn installed(self) -> bool {
        have(self.dialect())
    }
}

/// The terminal's text: stdout of `script` without CSI/OSC escape sequences. It holds no secret
/// (the tests never print one, and the switches are captured), so it may go into a panic message.
fn screen(out: &Output) -> String {
    strip_escapes(&stdout_str(out))
}

fn have(program: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A throwaway HOME holding the fake binary, in a directory whose name a shell would misparse.
struct Fake {
    home: Home,
    bin: PathBuf,
}

impl Fake {
    fn new() -> Fake {
        let home = Home::new();
        let dir = home.path().join("b i'n$x!");
        std::fs::create_dir_all(&dir).unwrap();
        let bin = dir.join("aws-as");
        std::fs::write(&bin, FAKE).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        Fake { home, bin }
    }

    /// Runs `cmdline` under a pty fed with `input`; returns the screen without escape sequences.
    fn interactive(&self, cmdline: &str, input: &str) -> String {
        let mut c = self.home.command("script");
        c.args(["-qec", cmdline, "/dev/null"])
            .env("AWS_AS_BIN", &self.bin)
            .env("ACT", common::aws_as_activate_bin());
        screen(&run_with_input(&mut c, input.as_bytes()))
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.home.path().join("calls")).unwrap_or_default()
    }
}

/// Where the output `tag` (followed by a space or the end of the line) is: at the start of a
/// line, or right after a prompt (tcsh does not echo input it reads ahead of time).
fn find_tag(screen: &str, tag: &str) -> usize {
    for (i, _) in screen.match_indices(tag) {
        let before = &screen[..i];
        let after = &screen[i + tag.len()..];
        if (before.ends_with('\n') || before.ends_with(MARK))
            && after.starts_with([' ', '\r', '\n'])
        {
            return i;
        }
    }
    panic!("no output {tag:?} on the screen:\n{screen}")
}

/// The rest of the output line starting with `tag`.
fn line_of(screen: &str, tag: &str) -> String {
    let rest = &screen[find_tag(screen, tag) + tag.len()..];
    rest.split(['\r', '\n']).next().unwrap().trim().to_string()
}

/// The aws-as prefix of the first prompt drawn after the output line `tag`.
fn prompt_after(screen: &str, tag: &str) -> String {
    let rest = &screen[find_tag(screen, tag)..];
    let end = rest
        .find(MARK)
        .unwrap_or_else(|| panic!("no prompt after {tag:?}:\n{screen}"));
    rest[..end].rsplit(['\r', '\n']).next().unwrap().to_string()
}

/// The text between the output lines `from` and `to`.
fn between<'a>(screen: &'a str, from: &str, to: &str) -> &'a str {
    &screen[find_tag(screen, from)..find_tag(screen, to)]
}

// ---------------------------------------------------------------------------------------------
// The mark, renewal, a renewal that fails: the whole story in each shell.

/// Input lines, each with the prefix expected on the prompt that follows it.
fn story(sh: Sh) -> Vec<(String, &'static str)> {
    let renew = sh.auto_renew();
    let fail_then_probe = match sh {
        // A status the hook must hand on: the probe hook (set up below) prints what it saw.
        Sh::Bash | Sh::Zsh => "; ! true",
        Sh::Fish | Sh::Tcsh => "",
    };
    vec![
        ("aws-as dev; echo T''1".into(), "(dev) "),
        (
            "echo -60 > ~/ttl; aws-as dev; echo T''2".into(),
            "(dev expired) ",
        ),
        ("echo 3600 > ~/ttl; aws-as dev; echo T''3".into(), "(dev) "),
        // Two minutes left: not expired, and without AWS_AS_AUTO_RENEW nothing renews it.
        (
            "echo 120 > ~/ttl; aws-as --region eu-west-3 dev; echo T''4".into(),
            "(dev) ",
        ),
        ("".into(), "(dev) "),
        ("echo T''5 k=$AWS_ACCESS_KEY_ID".into(), "(dev) "),
        // The next prompt renews (the fake now gives an hour), once.
        (
            format!("{renew}; echo 3600 > ~/ttl; echo T''6{fail_then_probe}"),
            "(dev) ",
        ),
        ("echo T''7 k=$AWS_ACCESS_KEY_ID".into(), "(dev) "),
        ("".into(), "(dev) "),
        ("echo T''8 k=$AWS_ACCESS_KEY_ID".into(), "(dev) "),
        // Expired, and the renewal fails (as with an expired MFA session): one line, once; the
        // mark stays, and so do the credentials.
        (
            "echo -60 > ~/ttl; aws-as dev; echo > ~/fail; echo T''9".into(),
            "(dev expired) ",
        ),
        ("echo T''10 k=$AWS_ACCESS_KEY_ID".into(), "(dev expired) "),
        ("".into(), "(dev expired) "),
        ("echo T''11".into(), "(dev expired) "),
        (
            "rm ~/fail; echo 3600 > ~/ttl; aws-as dev; echo T''12 k=$AWS_ACCESS_KEY_ID".into(),
            "(dev) ",
        ),
        ("aws-as-deactivate; echo T''13".into(), ""),
        (sh.leftovers().into(), ""),
    ]
}

fn check_story(sh: Sh, options: &str) {
    if !sh.installed() {
        println!("skipped: {} is not installed", sh.dialect());
        return;
    }
    let fake = Fake::new();
    let mut input = String::from(sh.setup());
    input.push_str(options);
    match sh {
        Sh::Bash => input.push_str("PROMPT_COMMAND+=$'\\n''echo \"saw-$?\"'\n"),
        Sh::Zsh => input.push_str("function __t { echo \"saw-$?\" }\nprecmd_functions+=(__t)\n"),
        Sh::Fish | Sh::Tcsh => {}
    }
    let lines = story(sh);
    for (line, _) in &lines {
        input.push_str(line);
        input.push('\n');
    }
    input.push_str("exit\n");
    let screen = fake.interactive(sh.cmdline(), &input);
    let what = format!("{sh:?} {options:?}");

    // The prompt after each tagged line (untagged lines are covered by the next tag's prompt).
    let mut tag = 0;
    for (line, want) in &lines {
        if let Some(t) = line.split("T''").nth(1) {
            let t: String = t.chars().take_while(char::is_ascii_digit).collect();
            assert_eq!(
                prompt_after(&screen, &format!("T{t}")),
                *want,
                "{what}: prompt after {line:?}:\n{screen}"
            );
            tag += 1;
        }
    }
    assert_eq!(tag, 14, "{what}");

    // No renewal without AWS_AS_AUTO_RENEW; one with it; none while the new session is fresh.
    assert_eq!(line_of(&screen, "T5"), "k=AKIAFAKE4", "{what}:\n{screen}");
    assert_eq!(line_of(&screen, "T7"), "k=AKIAFAKE5", "{what}:\n{screen}");
    assert_eq!(line_of(&screen, "T8"), "k=AKIAFAKE5", "{what}:\n{screen}");
    // The failed renewal left the environment as it was.
    assert_eq!(line_of(&screen, "T10"), "k=AKIAFAKE6", "{what}:\n{screen}");
    assert_eq!(line_of(&screen, "T12"), "k=AKIAFAKE7", "{what}:\n{screen}");
    let clean = if sh == Sh::Bash { "0" } else { "0 0" };
    assert_eq!(
        line_of(&screen, "T99"),
        clean,
        "{what}: left after deactivation"
    );
    assert_eq!(
        screen.matches(RENEW_FAILED).count(),
        1,
        "{what}: the failure is said once:\n{screen}"
    );
    assert!(
        between(&screen, "T9", "T10").contains(RENEW_FAILED),
        "{what}:\n{screen}"
    );
    if matches!(sh, Sh::Bash | Sh::Zsh) {
        // The renewing hook hands on the status of `! true`; except in bash under `set -e`, where
        // a hook's non-zero status would end the shell.
        let saw = if sh == Sh::Bash && options.contains("-e") {
            "saw-0"
        } else {
            "saw-1"
        };
        let after = &screen[find_tag(&screen, "T6")..];
        let prompt = after.find(MARK).unwrap();
        assert!(after[..prompt].contains(saw), "{what}: {saw}:\n{screen}");
    }
    for bad in [
        "unbound variable",
        "parameter not set",
        "not found",
        "rror",
        "Undefined variable",
        "Badly formed",
        "Unknown command",
    ] {
        assert!(!screen.contains(bad), "{what}: {bad:?}:\n{screen}");
    }

    let d = sh.dialect();
    let want = [
        format!("--shell {d} dev"),
        format!("--shell {d} dev"),
        format!("--shell {d} dev"),
        format!("--shell {d} --region eu-west-3 dev"),
        // The renewal keeps the region of the switch it renews.
        format!("--shell {d} --no-input --region eu-west-3 -- dev"),
        format!("--shell {d} dev"),
        format!("--shell {d} --no-input -- dev"),
        format!("--shell {d} dev"),
        format!("--shell {d} -"),
    ];
    assert_eq!(
        fake.calls().lines().collect::<Vec<_>>(),
        want,
        "{what}:\n{screen}"
    );
}

#[test]
fn bash_story() {
    check_story(Sh::Bash, "");
}

#[test]
fn bash_story_strict() {
    check_story(Sh::Bash, "set -euo pipefail\n");
}

#[test]
fn zsh_story() {
    check_story(Sh::Zsh, "");
}

#[test]
fn zsh_story_strict() {
    check_story(
        Sh::Zsh,
        "setopt ksh_arrays no_unset err_exit pipe_fail sh_word_split prompt_subst prompt_bang\n",
    );
}

#[test]
fn fish_story() {
    check_story(Sh::Fish, "");
}

#[test]
fn tcsh_story() {
    check_story(Sh::Tcsh, "");
}

// ---------------------------------------------------------------------------------------------
// The user's tracing is on while the hook renews: the new credentials never reach it, and the
// user's options are the same afterwards.

fn check_trace(sh: Sh) {
    if !sh.installed() {
        println!("skipped: {} is not installed", sh.dialect());
        return;
    }
    let (on, off, probe) = match sh {
        Sh::Bash | Sh::Zsh => ("set -xv", "set +xv", "echo T''1 k=$AWS_ACCESS_KEY_ID f=$-"),
        Sh::Fish => (
            "set fish_trace 1",
            "set -e fish_trace",
            "echo T''1 k=$AWS_ACCESS_KEY_ID f=$fish_trace",
        ),
        Sh::Tcsh => (
            "set echo verbose",
            "unset echo verbose",
            "echo T''1 k=$AWS_ACCESS_KEY_ID f=$?echo$?verbose",
        ),
    };
    let fake = Fake::new();
    let input = format!(
        "{}{}\necho 120 > ~/ttl; aws-as dev; echo 3600 > ~/ttl; {on}\n{probe}\n{off}\nexit\n",
        sh.setup(),
        sh.auto_renew(),
    );
    let screen = fake.interactive(sh.cmdline(), &input);
    let got = line_of(&screen, "T1");
    let (key, flags) = got.split_once(" f=").unwrap();
    assert_eq!(key, "k=AKIAFAKE2", "{sh:?}: renewed:\n{screen}");
    let want_flags = match sh {
        Sh::Bash | Sh::Zsh => flags.contains('x') && flags.contains('v'),
        Sh::Fish => flags == "1",
        Sh::Tcsh => flags == "11",
    };
    assert!(want_flags, "{sh:?}: tracing is still on: {flags:?}");
    // The trace was on around the hook: the call of the renewal is in it. fish (3.6) traces no
    // event handler, so there only the probe's own trace shows that it was on.
    let traced = if sh == Sh::Fish {
        "> echo T1 "
    } else {
        "__aws_as_renew"
    };
    assert!(screen.contains(traced), "{sh:?}:\n{screen}");
    for secret in SECRETS {
        // Not printed in the message: the screen holds the secret when this fails.
        assert!(
            !screen.contains(secret),
            "{sh:?}: {secret:?} was traced on the terminal"
        );
    }
    assert!(fake.calls().contains(" --no-input -- dev\n"), "{sh:?}");
}

#[test]
fn bash_trace_hides_renewed_credentials() {
    check_trace(Sh::Bash);
}

#[test]
fn zsh_trace_hides_renewed_credentials() {
    check_trace(Sh::Zsh);
}

#[test]
fn fish_trace_hides_renewed_credentials() {
    check_trace(Sh::Fish);
}

#[test]
fn tcsh_echo_verbose_hide_renewed_credentials() {
    check_trace(Sh::Tcsh);
}

// ---------------------------------------------------------------------------------------------
// No process at the prompt: strace -f counts every execve/clone/fork of the shell between two
// marker lines that enclose 100 prompts.

const PROMPTS: usize = 100;

/// Runs `input` (with `{BLANK}` replaced by PROMPTS empty lines) in `sh` under strace; returns
/// the screen and, for each marker pair `Bn`/`En` (written by `echo B''n`), the processes
/// started in between: the programs exec'd, and the number of clone/fork calls. Only successful
/// calls are logged (`-z`): a shell tries execve in each PATH directory in turn.
fn traced(
    sh: Sh,
    fake: &Fake,
    input: &str,
    segments: usize,
) -> (String, Vec<(Vec<String>, usize)>) {
    let log = fake.home.path().join("strace.log");
    let cmdline = format!(
        "strace -f -qq -z -o {} -e trace=execve,clone,clone3,fork,vfork,write {}",
        log.display(),
        sh.cmdline()
    );
    let input = input.replace("{BLANK}\n", &"\n".repeat(PROMPTS));
    let screen = fake.interactive(&cmdline, &format!("{}{input}exit\n", sh.setup()));
    let log = std::fs::read_to_string(&log).expect("strace wrote its log");
    let mut out = Vec::new();
    for n in 1..=segments {
        let at = |m: &str| {
            log.find(&format!("\"{m}{n}\\n\"")).unwrap_or_else(|| {
                panic!("{sh:?}: no write of {m}{n} in the strace log:\n{screen}")
            })
        };
        let part = &log[at("B")..at("E")];
        let mut execs = Vec::new();
        let mut forks = 0;
        for line in part.lines() {
            if line.contains("resumed>") {
                continue;
            }
            if let Some(i) = line.find("execve(\"") {
                let prog = &line[i + 8..];
                execs.push(prog[..prog.find('"').unwrap()].to_string());
            } else if ["clone(", "clone3(", "fork(", "vfork("]
                .iter()
                .any(|c| line.contains(c))
                // A thread (fish has a pool) is no process.
                && !line.contains("CLONE_THREAD")
            {
                forks += 1;
            }
        }
        out.push((execs, forks));
    }
    (screen, out)
}

/// The prompts drawn between the output lines `Bn` and `En` that carry `prefix`.
fn count_prompts(screen: &str, n: usize, prefix: &str) -> usize {
    between(screen, &format!("B{n}"), &format!("E{n}"))
        .matches(&format!("{prefix}{MARK}"))
        .count()
}

fn check_no_process(sh: Sh) {
    if !sh.installed() || !have("strace") {
        println!("skipped: {} or strace is not installed", sh.dialect());
        return;
    }
    let fake = Fake::new();
    // 1: valid credentials, AWS_AS_AUTO_RENEW=1. 2: expired, and the renewal has failed once.
    let input = format!(
        "{}\naws-as dev\necho B''1\n{{BLANK}}\necho E''1\n\
         echo -60 > ~/ttl; aws-as dev; echo > ~/fail\n\necho B''2\n{{BLANK}}\necho E''2\n",
        sh.auto_renew()
    );
    let (screen, segments) = traced(sh, &fake, &input, 2);
    for (n, prefix) in [(1, "(dev) "), (2, "(dev expired) ")] {
        let (execs, forks) = &segments[n - 1];
        assert!(
            execs.is_empty() && *forks == 0,
            "{sh:?} segment {n}: the prompt started processes: {execs:?}, {forks} forks"
        );
        let prompts = count_prompts(&screen, n, prefix);
        assert!(
            prompts > PROMPTS,
            "{sh:?} segment {n}: {prompts} prompts {prefix:?}:\n{screen}"
        );
    }
    assert_eq!(screen.matches(RENEW_FAILED).count(), 1, "{sh:?}:\n{screen}");
}

#[test]
fn bash_prompt_starts_no_process() {
    check_no_process(Sh::Bash);
}

#[test]
fn zsh_prompt_starts_no_process() {
    check_no_process(Sh::Zsh);
}

/// fish and tcsh have no clock builtin: one `date` per prompt while an identity is active, and
/// nothing at all while none is.
fn check_date_only_when_active(sh: Sh) {
    if !sh.installed() || !have("strace") {
        println!("skipped: {} or strace is not installed", sh.dialect());
        return;
    }
    let fake = Fake::new();
    let input = "echo B''1\n{BLANK}\necho E''1\naws-as dev\necho B''2\n{BLANK}\necho E''2\n";
    let (screen, segments) = traced(sh, &fake, input, 2);
    let (execs, forks) = &segments[0];
    assert!(
        execs.is_empty() && *forks == 0,
        "{sh:?}, no identity: the prompt started processes: {execs:?}, {forks} forks"
    );
    assert!(
        count_prompts(&screen, 1, "(-) ") > PROMPTS,
        "{sh:?}:\n{screen}"
    );
    let (execs, forks) = &segments[1];
    let prompts = count_prompts(&screen, 2, "(dev) ");
    assert!(prompts > PROMPTS, "{sh:?}:\n{screen}");
    assert!(
        execs.iter().all(|p| p.ends_with("/date")),
        "{sh:?}: only date runs: {execs:?}"
    );
    // One per new prompt (fish redraws a prompt without a new event; the markers' own prompts
    // count too).
    assert!(
        (PROMPTS..=PROMPTS + 2).contains(&execs.len()) && *forks == execs.len(),
        "{sh:?}: {} dates, {forks} forks for {prompts} prompts",
        execs.len()
    );
}

#[test]
fn fish_runs_date_only_while_an_identity_is_active() {
    check_date_only_when_active(Sh::Fish);
}

#[test]
fn tcsh_runs_date_only_while_an_identity_is_active() {
    check_date_only_when_active(Sh::Tcsh);
}

// ---------------------------------------------------------------------------------------------
// The real binary against moto: a role switched to for 15 minutes, its cache entry and the
// shell's expiry moved to 2 minutes from now; the next prompt renews it from the cached MFA
// session (one AssumeRole, no GetSessionToken). Then the MFA session expires too: the renewal
// fails without asking, says so once, and the credentials stay.

/// Sets the expiration of the cache entries of the named identities to now + seconds:
/// `doctor.py NAME SECONDS [NAME SECONDS…]`. Rewritten in place, so the file keeps its mode.
const DOCTOR: &str = r#"import datetime, json, os, sys
want = dict(zip(sys.argv[1::2], map(int, sys.argv[2::2])))
now = datetime.datetime.now(datetime.timezone.utc)
d = os.environ["AWS_AS_CACHE_DIR"]
done = set()
for name in os.listdir(d):
    if not name.endswith(".json"):
        continue
    path = os.path.join(d, name)
    with open(path) as f:
        entry = json.load(f)
    if entry.get("identity") in want:
        t = now + datetime.timedelta(seconds=want[entry["identity"]])
        entry["expiration"] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        with open(path, "w") as f:
            json.dump(entry, f)
        done.add(entry["identity"])
assert done == set(want), done
"#;

#[test]
fn real_binary_renews_a_role_from_the_cached_mfa_session() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    std::fs::write(home.path().join("doctor.py"), DOCTOR).unwrap();
    let left = "left=$((AWS_AS_EXPIRES_EPOCH - $(date +%s)))";
    let input = format!(
        "PS1='<''P>'; echo\neval \"$(aws-as-activate -s)\"\nexport AWS_AS_AUTO_RENEW=1\n\
         aws-as --mfa-code 123456 --duration 900 my-role1-dev; echo T''1 k=$AWS_ACCESS_KEY_ID {left}\n\
         \"$PY\" ~/doctor.py my-role1-dev 120; AWS_AS_EXPIRES_EPOCH=$((AWS_AS_EXPIRES_EPOCH - 780)); echo T''2\n\
         echo T''3 k=$AWS_ACCESS_KEY_ID {left}\n\
         \"$AWSCLI\" sts get-caller-identity --query Arn --output text; echo T''4\n\
         \"$PY\" ~/doctor.py my-role1-dev 120 my-user1-dev -10; AWS_AS_EXPIRES_EPOCH=$((AWS_AS_EXPIRES_EPOCH - 3540)); echo T''5\n\
         echo T''6 k=$AWS_ACCESS_KEY_ID {left}\n\
         \n\
         echo T''7\n\
         exit\n"
    );
    let mut c = home.command("script");
    c.args(["-qec", "bash --norc --noprofile -i", "/dev/null"])
        .env("PY", common::python())
        .env("AWSCLI", common::aws_cli());
    let screen = screen(&run_with_input(&mut c, input.as_bytes()));

    let field = |tag: &str, name: &str| -> String {
        let line = line_of(&screen, tag);
        line.split(' ')
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{tag}: no {name}= in {line:?}:\n{screen}"))
            .to_string()
    };
    let secs = |tag: &str| -> i64 { field(tag, "left").parse().unwrap() };
    let k1 = field("T1", "k");
    let k3 = field("T3", "k");
    assert!(k1.starts_with("ASIA"), "{screen}");
    assert!((800..=900).contains(&secs("T1")), "{screen}");
    assert_ne!(k1, k3, "the prompt renewed the credentials:\n{screen}");
    assert!(k3.starts_with("ASIA"), "{screen}");
    assert!(
        secs("T3") > 3000,
        "a new session of the role's default hour:\n{screen}"
    );
    // The renewed credentials work, as the role.
    assert!(
        screen.contains("\narn:aws:sts::111111111111:assumed-role/my-role1/my-user1@dev\r\n"),
        "{screen}"
    );
    // MFA session expired too: no prompt for a code, one line, the credentials stay.
    assert_eq!(field("T6", "k"), k3, "{screen}");
    assert!(between(&screen, "T5", "T6").contains(
        "aws-as: could not renew my-role1-dev in the background (an MFA code is needed, or STS is \
         unreachable); run: aws-as my-role1-dev"
    ), "{screen}");
    assert_eq!(screen.matches("could not renew").count(), 1, "{screen}");
    assert!(!screen.contains("Enter MFA code"), "{screen}");
    assert_eq!(prompt_after(&screen, "T7"), "(my-role1-dev) ", "{screen}");

    let calls = sts.calls();
    let actions: Vec<&str> = calls.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "GetSessionToken",
            "AssumeRole",
            "AssumeRole",
            "GetCallerIdentity"
        ],
        "{calls:?}"
    );
    assert_eq!(calls[1].duration_seconds, Some(900), "{calls:?}");
    // The renewal was signed with the cached MFA session, like the first AssumeRole.
    assert_eq!(calls[2].role_arn.as_deref(), Some(ROLE1_ARN), "{calls:?}");
    assert_eq!(calls[2].access_key_id, calls[1].access_key_id, "{calls:?}");
    assert_eq!(
        calls[3].access_key_id.as_deref(),
        Some(k3.as_str()),
        "{calls:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// AWS_AS_PROMPT=0 with AWS_AS_AUTO_RENEW=1 (a prompt of the user's own, starship…): the hook only
// renews; the prompt is never touched, and deactivation removes the hook.

fn check_renew_only(sh: Sh) {
    if !sh.installed() {
        println!("skipped: {} is not installed", sh.dialect());
        return;
    }
    let (env, hooks) = match sh {
        Sh::Bash => (
            "export AWS_AS_PROMPT=0 AWS_AS_AUTO_RENEW=1",
            "echo T''3 ${PROMPT_COMMAND-unset}",
        ),
        Sh::Zsh => (
            "export AWS_AS_PROMPT=0 AWS_AS_AUTO_RENEW=1",
            "echo T''3 ${#precmd_functions}",
        ),
        Sh::Fish => (
            "set -gx AWS_AS_PROMPT 0; set -gx AWS_AS_AUTO_RENEW 1",
            "echo T''3 (functions -a | string split , | string match '__aws_as*' | count)",
        ),
        Sh::Tcsh => unreachable!("tcsh renews only with its prompt"),
    };
    let fake = Fake::new();
    let setup = sh.setup();
    let (prompt, activate) = setup.split_once('\n').unwrap();
    let input = format!(
        "{prompt}\n{env}\n{activate}echo 120 > ~/ttl; aws-as dev; echo 3600 > ~/ttl; echo T''1\n\
         echo T''2 k=$AWS_ACCESS_KEY_ID\naws-as-deactivate\n{hooks}\nexit\n"
    );
    let screen = fake.interactive(sh.cmdline(), &input);
    assert_eq!(prompt_after(&screen, "T1"), "", "{sh:?}:\n{screen}");
    assert_eq!(line_of(&screen, "T2"), "k=AKIAFAKE2", "{sh:?}:\n{screen}");
    let none = if sh == Sh::Bash { "unset" } else { "0" };
    assert_eq!(line_of(&screen, "T3"), none, "{sh:?}:\n{screen}");
    assert!(fake.calls().contains(" --no-input -- dev\n"), "{sh:?}");
}

#[test]
fn bash_renews_without_its_prompt() {
    check_renew_only(Sh::Bash);
}

#[test]
fn zsh_renews_without_its_prompt() {
    check_renew_only(Sh::Zsh);
}

#[test]
fn fish_renews_without_its_prompt() {
    check_renew_only(Sh::Fish);
}

/// With promptvars off the mark is text in PS1, next to the name.
#[test]
fn bash_promptvars_off_shows_the_mark() {
    let fake = Fake::new();
    let script = fake.home.path().join("script");
    std::fs::write(
        &script,
        "shopt -u promptvars\nPS1='> '\neval \"$(\"$ACT\" -s)\"\n\
         echo -60 > ~/ttl; aws-as dev; printf '%s\\n' \"${PS1@P}\"\n\
         echo 60 > ~/ttl; aws-as dev; printf '%s\\n' \"${PS1@P}\"\n\
         aws-as-deactivate; printf '%s\\n' \"${PS1@P}\"\n",
    )
    .unwrap();
    let mut c = fake.home.command("bash");
    c.args(["-eu"])
        .arg(&script)
        .env("AWS_AS_BIN", &fake.bin)
        .env("ACT", common::aws_as_activate_bin());
    let out = common::run(&mut c);
    assert_eq!(stderr_str(&out), "");
    assert_eq!(stdout_str(&out), "(dev expired) > \n(dev) > \n> \n");
}
