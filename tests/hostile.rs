//! Hostile input, in the real bash, zsh, dash, fish and tcsh.
//!
//! 1. Property tests: generated values (every ASCII character from U+0001, controls, quotes, `$`,
//!    backquotes, `!`, `\`, globs and braces, multi-byte, combining, fish's private-use and
//!    noncharacter code points, tens of KB long) are rendered by the library's dialects and
//!    evaluated the way the activation does it (captured, then `eval` / `source` /
//!    ``eval "`…`"``); a child process must then see exactly the value. csh/tcsh must refuse a
//!    value with a control character, and carry every other one through an *interactive* tcsh,
//!    where `!` is history substitution. Values are generated, not secrets: a failure prints them.
//!
//!    Cases are batched (one shell process evaluates a whole batch), so a proptest "case" is a
//!    batch of values and shrinking narrows a failure down to one small value. Deterministic by
//!    default; `PROPTEST_CASES` (batches per shell) and `PROPTEST_RNG_SEED` (a u64) override.
//!
//! 2. Profile names that are code in some shell or prompt, through the real binary, a local moto
//!    and the real activation in every shell.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_as::output::shell::{Change, Shell};
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

// ---------------------------------------------------------------------------------------------
// 1. Generated values through each dialect's renderer and the real shells.

/// Batches per shell when PROPTEST_CASES is not set; up to BATCH values each.
const DEFAULT_BATCHES: u32 = 24;
const BATCH: usize = 48;
/// The seed when PROPTEST_RNG_SEED is not set: CI runs the same cases every time.
const DEFAULT_SEED: u64 = 0x5eed_a5a5_0003;

/// Code points some shell treats specially, besides ASCII: C1 controls (U+009B is a one-byte
/// CSI), NEL, no-break and zero-width spaces, combining marks, bidi overrides, line and paragraph
/// separators, a BOM, fish's private-use range for undecodable bytes (U+F600–U+F6FF) and its
/// internal noncharacters (U+FDD0…), U+FFFE/U+FFFF, the last code point, and plain multi-byte text.
const UNICODE_SPECIALS: &str = "\u{80}\u{85}\u{9b}\u{9f}\u{a0}\u{ad}\u{301}\u{327}\u{200b}\u{200d}\
    \u{202e}\u{2028}\u{2029}\u{feff}\u{f600}\u{f61b}\u{f6ff}\u{f8ff}\u{fdd0}\u{fdd7}\u{fdef}\u{fffd}\
    \u{fffe}\u{ffff}\u{10ffff}\u{1f600}éÿ€中ß";

/// Characters that mean something to at least one of the shells.
const SHELL_SPECIALS: &str = "'\"`$!\\{},*?[]~%;&|<>()#=^@ \t\n\r-:+./";

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => (1u8..=0x7f).prop_map(char::from),
        4 => proptest::sample::select(SHELL_SPECIALS.chars().collect::<Vec<_>>()),
        2 => proptest::sample::select(UNICODE_SPECIALS.chars().collect::<Vec<_>>()),
        1 => any::<char>().prop_filter("an environment variable holds no NUL", |c| *c != '\0'),
    ]
}

fn short_value() -> impl Strategy<Value = String> {
    proptest::collection::vec(hostile_char(), 0..40).prop_map(String::from_iter)
}

/// Tens of KB: a repeated pattern between two short values, so shrinking can drop the repeats.
/// At most 15 × 4 × 1200 bytes ≈ 72 KB, under Linux's 128 KiB limit for one variable.
fn long_value() -> impl Strategy<Value = String> {
    (
        short_value(),
        proptest::collection::vec(hostile_char(), 1..16),
        0usize..1200,
        short_value(),
    )
        .prop_map(|(head, pattern, n, tail)| {
            let pattern = String::from_iter(pattern);
            format!("{head}{}{tail}", pattern.repeat(n))
        })
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![8 => short_value(), 1 => long_value()]
}

/// Most values without control characters, so that tcsh evaluates many of them; the rest must be
/// refused.
fn csh_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => value().prop_map(|v| v.chars().filter(|c| !c.is_control()).collect()),
        1 => value(),
    ]
}

/// A switch's shape: the value set twice around an unset, so a value that swallowed the next
/// statement shows.
fn change_for(value: &str) -> Change {
    vec![
        ("AWS_AS_IDENTITY", Some(value.to_string())),
        ("AWS_PROFILE", None),
        ("AWS_SESSION_TOKEN", Some(value.to_string())),
    ]
}
const CHANGED: &[&str] = &[
    "AWS_AS_IDENTITY",
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_AS_CANARY",
    "_",
];

/// One way of running a shell over a batch script.
struct Invocation {
    argv: &'static [&'static str],
    lang: &'static str,
    /// Lines run first (the user's settings).
    prelude: &'static str,
    /// Whether this invocation can carry a rendered text at all (see [`tcsh_single_byte`]).
    carries: fn(&str) -> bool,
    /// POSIX shells: `eval "$(…)"` as typed by a user without the activation, instead of the
    /// wrapper's capture into a variable first.
    direct: bool,
}

const fn inv(
    argv: &'static [&'static str],
    lang: &'static str,
    prelude: &'static str,
) -> Invocation {
    Invocation {
        argv,
        lang,
        prelude,
        carries: |_| true,
        direct: false,
    }
}

/// tcsh 6.24 in a single-byte locale (LANG=C) drops bytes of a non-ASCII character that straddles
/// a 4 KiB boundary of backquote output: `eval "`…`"` sets a shorter value, or fails with
/// "Unmatched '''". Not aws-as's quoting, and nothing it prints is non-ASCII in practice: that
/// invocation is given only what tcsh can read.
fn tcsh_single_byte(rendered: &str) -> bool {
    rendered.is_ascii() || rendered.len() < 4000
}

/// tcsh prints this on stderr when `-i` is forced without a terminal.
const TCSH_NO_TTY: &str = "Warning: no access to tty (Inappropriate ioctl for device).\nThus no job control in this shell.\n";

fn config(shell: Shell) -> Config {
    // Config::default() reads the PROPTEST_* variables; ours apply only where they are unset.
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = DEFAULT_BATCHES;
    }
    let seed = match config.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => DEFAULT_SEED,
    };
    // Each shell gets values of its own.
    config.rng_seed = RngSeed::Fixed(seed.wrapping_add(shell as u64));
    if std::env::var_os("PROPTEST_MAX_SHRINK_ITERS").is_none() {
        config.max_shrink_iters = 4000;
    }
    // Regressions go into KNOWN, not into files proptest would write next to the sources.
    config.failure_persistence = None;
    config
}

/// A value for a failure message: escaped, and cut in the middle when it is long.
fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 400 {
        return format!("{text:?}");
    }
    let head: String = chars[..150].iter().collect();
    let tail: String = chars[chars.len() - 150..].iter().collect();
    format!(
        "{head:?} … {tail:?} ({} chars, {} bytes)",
        chars.len(),
        bytes.len()
    )
}

/// `env -0` output as a map.
fn parse_env(raw: &[u8]) -> BTreeMap<Vec<u8>, Vec<u8>> {
    raw.split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .map(|e| match e.iter().position(|b| *b == b'=') {
            Some(i) => (e[..i].to_vec(), e[i + 1..].to_vec()),
            None => (e.to_vec(), Vec::new()),
        })
        .collect()
}

/// The batch script: for each case, the rendered text is captured from a file and evaluated as
/// the activation's wrapper does, then `env -0` shows what a child process receives.
fn batch_script(shell: Shell, direct: bool, dir: &Path, cases: &[usize]) -> String {
    let d = dir.display();
    let mut s = String::new();
    match shell {
        Shell::Fish => {
            s.push_str(&format!("set -gx AWS_PROFILE before\nenv -0 > {d}/base\n"));
            for i in cases {
                s.push_str(&format!(
                    "set -gx AWS_PROFILE before\n\
                     set -l out (cat {d}/in.{i}); and string join \\n -- $out | source\n\
                     env -0 > {d}/out.{i}\n"
                ));
            }
        }
        Shell::Tcsh | Shell::Csh => {
            // The canary proves history substitution is on for evaluated text: an unescaped `!!`
            // becomes the line being run (already in the history list).
            s.push_str(&format!(
                "setenv AWS_PROFILE before\nenv -0 > {d}/base\n\
                 eval \"`cat {d}/canary`\"\nenv -0 > {d}/canary.out\n"
            ));
            for i in cases {
                s.push_str(&format!(
                    "setenv AWS_PROFILE before\neval \"`cat {d}/in.{i}`\"\nenv -0 > {d}/out.{i}\n"
                ));
            }
            s.push_str("exit\n");
        }
        Shell::Sh | Shell::Bash | Shell::Zsh => {
            s.push_str(&format!("export AWS_PROFILE=before\nenv -0 > {d}/base\n"));
            for i in cases {
                let eval = if direct {
                    format!("eval \"$(cat {d}/in.{i})\"")
                } else {
                    format!("out=$(cat {d}/in.{i}) && eval \"$out\"")
                };
                s.push_str(&format!(
                    "export AWS_PROFILE=before\n{eval}\nenv -0 > {d}/out.{i}\n"
                ));
            }
        }
    }
    s
}

/// Renders every value for `shell`, evaluates the batch in each invocation, and checks what a
/// child saw.
fn check_batch(
    shell: Shell,
    invocations: &[Invocation],
    values: &[String],
) -> Result<(), TestCaseError> {
    let home = Home::new();
    let dir = home.path();
    let dialect = shell.dialect();
    let mut cases = Vec::new();
    let mut rendered = vec![String::new(); values.len()];
    for (i, value) in values.iter().enumerate() {
        let text = dialect.render(&change_for(value));
        let refuse =
            matches!(shell, Shell::Csh | Shell::Tcsh) && value.chars().any(char::is_control);
        match (text, refuse) {
            (Ok(text), false) => {
                std::fs::write(dir.join(format!("in.{i}")), &text).unwrap();
                rendered[i] = text;
                cases.push(i);
            }
            (Err(e), true) => {
                let msg = e.to_string();
                if msg.chars().any(char::is_control) || !msg.contains("control character") {
                    return Err(TestCaseError::fail(format!(
                        "{shell:?}: the refusal of {} is not one clean line: {msg:?}",
                        show(value.as_bytes())
                    )));
                }
            }
            (Ok(text), true) => {
                return Err(TestCaseError::fail(format!(
                    "{shell:?}: {} holds a control character but was rendered as {}",
                    show(value.as_bytes()),
                    show(text.as_bytes())
                )));
            }
            (Err(e), false) => {
                return Err(TestCaseError::fail(format!(
                    "{shell:?}: {} was refused: {e}",
                    show(value.as_bytes())
                )));
            }
        }
    }
    if cases.is_empty() {
        return Ok(());
    }
    std::fs::write(dir.join("canary"), "setenv AWS_AS_CANARY 'a!!b' ;\n").unwrap();
    for invocation in invocations {
        let cases: Vec<usize> = cases
            .iter()
            .copied()
            .filter(|i| (invocation.carries)(&rendered[*i]))
            .collect();
        for i in &cases {
            let _ = std::fs::remove_file(dir.join(format!("out.{i}")));
        }
        let script = format!(
            "{}{}",
            invocation.prelude,
            batch_script(shell, invocation.direct, dir, &cases)
        );
        let mut cmd = home.command(invocation.argv[0]);
        cmd.args(&invocation.argv[1..]).env("LANG", invocation.lang);
        let out = if matches!(shell, Shell::Tcsh | Shell::Csh) {
            // `tcsh -i` reads its commands from stdin, as typed.
            run_with_input(&mut cmd, script.as_bytes())
        } else {
            let file = dir.join("script");
            std::fs::write(&file, &script).unwrap();
            cmd.arg(file);
            run(&mut cmd)
        };
        let what = format!("{} (LANG={})", invocation.argv.join(" "), invocation.lang);
        // tcsh shows a line it history-substituted: the canary's.
        let canary_echo = format!(
            "setenv AWS_AS_CANARY 'aeval \"`cat {}/canary`\"b' ;\n",
            dir.display()
        );
        let stderr = stderr_str(&out)
            .replace(TCSH_NO_TTY, "")
            .replace(&canary_echo, "");
        let read = |name: String| {
            std::fs::read(dir.join(name))
                .ok()
                .map(|raw| parse_env(&raw))
        };
        let base = read("base".into()).ok_or_else(|| {
            TestCaseError::fail(format!("{what}: the batch did not start; stderr: {stderr}"))
        })?;
        if matches!(shell, Shell::Tcsh | Shell::Csh) {
            let canary = read("canary.out".into()).unwrap_or_default();
            let canary = canary
                .get(b"AWS_AS_CANARY".as_slice())
                .cloned()
                .unwrap_or_default();
            // Not a property of aws-as: a harness whose tcsh did not substitute history would
            // prove nothing about `!`.
            assert!(
                canary.starts_with(b"aeval ") && canary.ends_with(b"b"),
                "{what}: `!!` in evaluated text was not history-substituted ({}): the harness is wrong",
                show(&canary)
            );
        }
        for i in &cases {
            let value = values[*i].as_bytes();
            let Some(env) = read(format!("out.{i}")) else {
                return Err(TestCaseError::fail(format!(
                    "{what}: the shell stopped at {}; stderr: {stderr}",
                    show(value)
                )));
            };
            for var in ["AWS_AS_IDENTITY", "AWS_SESSION_TOKEN"] {
                let got = env.get(var.as_bytes());
                if got.map(Vec::as_slice) != Some(value) {
                    let first_difference =
                        got.map(|g| g.iter().zip(value).take_while(|(a, b)| a == b).count());
                    return Err(TestCaseError::fail(format!(
                        "{what}: the value {} came back in {var} as {} (first difference at byte \
                         {first_difference:?}); evaluated text {}; stderr: {stderr}",
                        show(value),
                        got.map_or("<unset>".to_string(), |g| show(g)),
                        show(rendered[*i].as_bytes())
                    )));
                }
            }
            if env.contains_key(b"AWS_PROFILE".as_slice()) {
                return Err(TestCaseError::fail(format!(
                    "{what}: after {}, AWS_PROFILE is still set: the unset was swallowed",
                    show(value)
                )));
            }
            for (name, before) in &base {
                if CHANGED.contains(&String::from_utf8_lossy(name).as_ref()) {
                    continue;
                }
                if env.get(name) != Some(before) {
                    return Err(TestCaseError::fail(format!(
                        "{what}: evaluating {} changed {} from {} to {}",
                        show(value),
                        show(name),
                        show(before),
                        env.get(name).map_or("<unset>".to_string(), |v| show(v))
                    )));
                }
            }
            if let Some(extra) = env.keys().find(|k| {
                !base.contains_key(*k) && !CHANGED.contains(&String::from_utf8_lossy(k).as_ref())
            }) {
                return Err(TestCaseError::fail(format!(
                    "{what}: evaluating {} set {}",
                    show(value),
                    show(extra)
                )));
            }
        }
        if !stderr.is_empty() {
            return Err(TestCaseError::fail(format!(
                "{what}: the batch printed on stderr: {stderr}"
            )));
        }
    }
    Ok(())
}

/// Values known to break one quoting rule or another, run before the generated ones.
const KNOWN: &[&str] = &[
    "",
    "'",
    "''",
    "\\",
    "\\'",
    "'\\''",
    "!",
    "!!",
    "\\!",
    "!$",
    "!#",
    "$HOME",
    "${HOME}",
    "$(touch F)",
    "`touch F`",
    "~",
    "~root",
    "*",
    "{a,b}",
    "%n",
    "\\w",
    ":=",
    "=ls",
    "a b",
    " lead",
    "trail ",
    "\n",
    "a\nb\n",
    "\t",
    "\r",
    "\x1b[31m",
    "\x7f",
    "-",
    "--",
    "-n",
    "#x",
    ";",
    "&",
    "|",
    "\u{85}",
    "\u{9b}",
    "\u{f600}",
    "\u{fdd0}",
    "e\u{301}",
];

fn property(shell: Shell, strategy: impl Strategy<Value = String>, invocations: &[Invocation]) {
    let known: Vec<String> = KNOWN.iter().map(|v| v.to_string()).collect();
    if let Err(e) = check_batch(shell, invocations, &known) {
        panic!("{shell:?}: {e}");
    }
    let mut runner = TestRunner::new(config(shell));
    let batches = proptest::collection::vec(strategy, 1..=BATCH);
    let (values, bytes) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let result = runner.run(&batches, |batch| {
        values.fetch_add(batch.len(), Ordering::Relaxed);
        bytes.fetch_add(batch.iter().map(String::len).sum(), Ordering::Relaxed);
        check_batch(shell, invocations, &batch)
    });
    match result {
        Ok(()) => println!(
            "{shell:?}: {} values ({} bytes) in {} batches",
            values.into_inner(),
            bytes.into_inner(),
            runner.config().cases
        ),
        Err(TestError::Fail(why, values)) => {
            let shown: Vec<String> = values.iter().map(|v| show(v.as_bytes())).collect();
            panic!(
                "{shell:?}: {why}\nminimal failing batch ({} values): [{}]",
                values.len(),
                shown.join(", ")
            );
        }
        Err(e) => panic!("{shell:?}: {e}"),
    }
}

#[test]
fn generated_values_survive_bash() {
    property(
        Shell::Bash,
        value(),
        &[
            inv(&["bash"], "C.UTF-8", "shopt -s extglob\n"),
            inv(&["bash", "--posix", "-e"], "C", ""),
        ],
    );
}

/// zsh options that change how a word is read.
const ZSH_USER_OPTIONS: &[&str] = &[
    "zsh",
    "-f",
    "-e",
    "--rcquotes",
    "--braceccl",
    "--extendedglob",
    "--globsubst",
    "--shwordsplit",
    "--magicequalsubst",
    "--ksharrays",
];

#[test]
fn generated_values_survive_zsh() {
    // The activation evaluates under `emulate -L zsh`; `eval "$(aws-as NAME)"` typed by a user
    // runs under their options. (Not the wrapper's capture `out=$(…)` there: with glob_subst an
    // assignment =-expands a `:=` in the captured text, which is why the wrapper captures under
    // `emulate -L zsh`.)
    property(
        Shell::Zsh,
        value(),
        &[
            inv(&["zsh", "-f"], "C.UTF-8", ""),
            Invocation {
                direct: true,
                ..inv(ZSH_USER_OPTIONS, "C", "")
            },
        ],
    );
}

#[test]
fn generated_values_survive_dash() {
    property(
        Shell::Sh,
        value(),
        &[inv(&["dash"], "C.UTF-8", ""), inv(&["dash", "-e"], "C", "")],
    );
}

#[test]
fn generated_values_survive_fish() {
    property(
        Shell::Fish,
        value(),
        &[
            inv(&["fish", "--no-config"], "C.UTF-8", ""),
            inv(&["fish", "--no-config"], "C", ""),
        ],
    );
}

#[test]
fn generated_values_survive_interactive_tcsh_or_are_refused() {
    property(
        Shell::Tcsh,
        csh_value(),
        &[
            inv(&["tcsh", "-f", "-i"], "C.UTF-8", ""),
            // backslash_quote makes `\` an escape inside quotes too.
            Invocation {
                carries: tcsh_single_byte,
                ..inv(&["tcsh", "-f", "-i"], "C", "set backslash_quote\n")
            },
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Profile names that are code somewhere, through the real binary and activation.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Name {
    /// A profile aws-config reads: the name must reach AWS_AS_IDENTITY and the prompt as text.
    Usable,
    /// aws-config takes only `[A-Za-z0-9_/.%@:+-]` in a profile name and silently drops a section
    /// with anything else: no identity can have it. The user must get a one-line error, and
    /// nothing may change.
    Dropped,
    /// Cannot even be written: `;` (and `#`) start a comment anywhere in a section header, so
    /// `[profile ;touch F]` makes the whole file unreadable (see
    /// `a_header_that_cannot_be_written_is_one_clean_line`). Kept out of the files; asking for it
    /// is the same one-line error.
    Unwritable,
}

/// Names that are code in some shell or prompt. The usable ones hold zsh's and tcsh's prompt
/// escapes (`%n` user, `%/` directory, `%@` time, `%.`, `%%`), or look like options.
const ATTACK_NAMES: &[(&str, Name)] = &[
    ("%n", Name::Usable),
    ("x$(touch F)", Name::Dropped),
    ("`touch F`", Name::Dropped),
    ("a:b+c@d/e.f_g-h", Name::Usable),
    ("a'b", Name::Dropped),
    ("a\"b", Name::Dropped),
    (";touch F", Name::Unwritable),
    ("%/%@%.%%", Name::Usable),
    ("$(id)", Name::Dropped),
    ("with space", Name::Dropped),
    ("%~", Name::Dropped),
    ("\\w", Name::Dropped),
    ("\\u", Name::Dropped),
    // Options to `echo` and to aws-as itself: typed after `--`.
    ("-n", Name::Usable),
    ("--version", Name::Usable),
];

/// A usable 1000-character name, full of prompt escapes.
fn long_name() -> String {
    "a%n/%@.%%:+_-".repeat(80)[..1000].to_string()
}

fn attack_names() -> Vec<(String, Name)> {
    let mut names: Vec<(String, Name)> = ATTACK_NAMES
        .iter()
        .map(|(n, kind)| (n.to_string(), *kind))
        .collect();
    names.insert(names.len() - 4, (long_name(), Name::Usable));
    names
}

/// Every name as a user profile without MFA (a section the parser drops is still written: that
/// is what the user has).
fn attack_home(sts: &Sts) -> Home {
    let home = Home::new();
    let (mut config, mut credentials) = (String::new(), String::new());
    for (i, (name, kind)) in attack_names().iter().enumerate() {
        if *kind == Name::Unwritable {
            continue;
        }
        config.push_str(&format!("[profile {name}]\nregion = eu-west-1\n"));
        credentials.push_str(&format!(
            "[{name}]\naws_access_key_id = AKIAHOSTILE{i:09}\naws_secret_access_key = hostile{i}\n"
        ));
    }
    home.config(&config).credentials(&credentials).with_sts(sts);
    // `$(id)` run anywhere would leave this mark; so would `touch F` (in the empty cwd).
    let bin = home.path().join("fakebin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::write(
        bin.join("id"),
        format!("#!/bin/sh\ntouch '{}/ID-RAN'\n", home.path().display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("id"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir(home.path().join("cwd")).unwrap();
    home
}

/// A command for `program` in the attack home: fake `id` first on PATH, cwd = the empty `cwd`.
fn attack_command(home: &Home, program: &str) -> std::process::Command {
    let mut cmd = home.command(program);
    let mut path = std::ffi::OsString::from(home.path().join("fakebin"));
    path.push(":");
    path.push(test_path());
    cmd.env("PATH", path).current_dir(home.path().join("cwd"));
    cmd
}

fn assert_nothing_ran(home: &Home, what: &str) {
    assert!(
        !home.path().join("ID-RAN").exists(),
        "{what}: `id` ran: a name was evaluated"
    );
    let left: Vec<_> = std::fs::read_dir(home.path().join("cwd"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{what}: a name created {left:?}");
    assert!(!home.path().join("F").exists(), "{what}: a name created F");
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Family {
    Posix,
    Fish,
    Tcsh,
}

/// How a user types a name as one word.
fn typed(family: Family, name: &str) -> String {
    match family {
        Family::Posix => format!("'{}'", name.replace('\'', r"'\''")),
        Family::Fish => format!("'{}'", name.replace('\\', r"\\").replace('\'', r"\'")),
        Family::Tcsh => format!("'{}'", name.replace('\'', r"'\''").replace('!', r"\!")),
    }
}

/// The steps in a script: activation, a switch to every name (recording AWS_AS_IDENTITY after
/// each), `aws-as -`, `aws-as-deactivate`.
fn attack_script(family: Family, home: &Home, names: &[(String, Name)]) -> String {
    let h = home.path().display();
    let mut s = String::from(match family {
        Family::Posix => "eval \"$(aws-as-activate -s)\"\n",
        Family::Fish => "aws-as-activate --shell fish | source\n",
        Family::Tcsh => "eval \"`aws-as-activate -c`\"\n",
    });
    for (i, (name, _)) in names.iter().enumerate() {
        let end_of_options = if name.starts_with('-') { "-- " } else { "" };
        s.push_str(&format!(
            "aws-as {end_of_options}{}\nprintenv AWS_AS_IDENTITY > {h}/id.{i}\n",
            typed(family, name)
        ));
    }
    s.push_str(&format!(
        "aws-as -\nprintenv AWS_AS_IDENTITY > {h}/id.clear\nenv > {h}/env.clear\naws-as-deactivate\n"
    ));
    s
}

/// What the interactive shell is typed: a prompt that is only the marker, then the steps.
fn attack_input(family: Family, home: &Home, names: &[(String, Name)]) -> String {
    let setup = match family {
        Family::Posix => "PS1='<''P>'; echo\n",
        Family::Fish => "function fish_prompt; echo -n '<''P>'; end\n",
        Family::Tcsh => "set prompt = '<''P>' ; echo\n",
    };
    format!("{setup}{}exit\n", attack_script(family, home, names))
}

/// The text in front of each `<P>` marker (from the previous marker or line break), consecutive
/// repeats and zsh's PROMPT_SP filler (spaces only) dropped: line editors redraw.
fn prompts(screen: &str) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for line in screen.split(['\r', '\n']) {
        let pieces: Vec<&str> = line.split("<P>").collect();
        for p in &pieces[..pieces.len() - 1] {
            let p = p.to_string();
            if (p.is_empty() || !p.trim().is_empty()) && all.last() != Some(&p) {
                all.push(p);
            }
        }
    }
    all
}

/// `argv` runs a script file, `interactive` is the shell a terminal would start.
fn check_attack_names(family: Family, argv: &[&str], interactive: &str) {
    let sts = Sts::moto();
    let home = attack_home(&sts);
    let names = attack_names();
    let what = argv.join(" ");

    // 1. A script: what each switch leaves in the environment, and what it says on stderr.
    let file = home.path().join("steps");
    std::fs::write(&file, attack_script(family, &home, &names)).unwrap();
    let mut cmd = attack_command(&home, argv[0]);
    cmd.args(&argv[1..]).arg(&file);
    let out = run(&mut cmd);
    let stderr = stderr_str(&out);
    let mut active: Option<&str> = None;
    let mut expected_errors = Vec::new();
    for (i, (name, kind)) in names.iter().enumerate() {
        if *kind == Name::Usable {
            active = Some(name);
        } else {
            expected_errors.push(format!("{name:?}"));
        }
        let got = std::fs::read_to_string(home.path().join(format!("id.{i}"))).unwrap_or_default();
        let want = active.map(|a| format!("{a}\n")).unwrap_or_default();
        assert_eq!(
            got, want,
            "{what}: AWS_AS_IDENTITY after `aws-as {name}`; stderr:\n{stderr}"
        );
    }
    let errors: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        errors.len(),
        expected_errors.len(),
        "{what}: one line for each unusable name, nothing else:\n{stderr}"
    );
    for (line, name) in errors.iter().zip(&expected_errors) {
        assert!(
            line.starts_with("aws-as: unknown identity ") && line.contains(name.as_str()),
            "{what}: the refusal of {name} is {line:?}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(home.path().join("id.clear")).unwrap(),
        "",
        "{what}: `aws-as -` left AWS_AS_IDENTITY"
    );
    let env_clear = std::fs::read_to_string(home.path().join("env.clear")).unwrap();
    assert!(
        !env_clear.contains("AWS_SESSION_TOKEN=") && !env_clear.contains("AWS_ACCESS_KEY_ID="),
        "{what}: `aws-as -` left credentials (not shown)"
    );
    assert!(!stdout_str(&out).contains("uid="), "{what}: `id` ran");
    assert_nothing_ran(&home, &what);

    // 2. The same steps typed into the interactive shell: the prompt shows each name as text.
    let mut cmd = attack_command(&home, "script");
    // A wide terminal, so that line editors show the 1000-character prompt whole.
    cmd.args([
        "-qec",
        &format!("stty cols 4000 rows 50; {interactive}"),
        "/dev/null",
    ]);
    let out = run_with_input(&mut cmd, attack_input(family, &home, &names).as_bytes());
    let screen = strip_escapes(&stdout_str(&out));
    let mut want: Vec<String> = vec!["".into(), "(-) ".into()];
    for (name, kind) in &names {
        if *kind == Name::Usable {
            want.push(format!("({name}) "));
        }
    }
    want.push("(-) ".into());
    want.push("".into());
    want.dedup();
    assert_eq!(prompts(&screen), want, "{what}: prompts; screen:\n{screen}");
    assert!(!screen.contains("uid="), "{what}: `id` ran:\n{screen}");
    assert_nothing_ran(&home, &what);
    // One GetSessionToken per usable name: the interactive run switched from the cache.
    let usable = names.iter().filter(|(_, k)| *k == Name::Usable).count();
    assert_eq!(sts.count("GetSessionToken"), usable, "{what}");
}

#[test]
fn attack_names_bash() {
    check_attack_names(Family::Posix, &["bash"], "bash --norc --noprofile -i");
}

#[test]
fn attack_names_bash_posix_mode() {
    check_attack_names(
        Family::Posix,
        &["bash", "--posix"],
        "bash --posix --norc --noprofile -i",
    );
}

#[test]
fn attack_names_zsh() {
    check_attack_names(Family::Posix, &["zsh", "-f"], "zsh -f -i");
}

#[test]
fn attack_names_zsh_prompt_subst() {
    check_attack_names(
        Family::Posix,
        &["zsh", "-f", "-o", "prompt_subst", "-o", "prompt_bang"],
        "zsh -f -o prompt_subst -o prompt_bang -i",
    );
}

#[test]
fn attack_names_dash() {
    check_attack_names(Family::Posix, &["dash"], "dash -i");
}

#[test]
fn attack_names_fish() {
    check_attack_names(
        Family::Fish,
        &["fish", "--no-config"],
        "fish --no-config -i",
    );
}

#[test]
fn attack_names_tcsh() {
    check_attack_names(Family::Tcsh, &["tcsh", "-f"], "tcsh -f -i");
}

/// `;` and `#` start a comment anywhere in a section header, for aws-config: `[profile ;touch F]`
/// is an unterminated header and the whole file is refused. The user gets one line naming the
/// file and the line, in every dialect, and nothing to evaluate.
#[test]
fn a_header_that_cannot_be_written_is_one_clean_line() {
    for header in ["[profile ;touch F]", "[profile a#b]"] {
        let home = Home::new();
        home.with_endpoint(&closed_port_endpoint());
        home.config(&format!(
            "[profile fine]\nregion = eu-west-1\n{header}\nregion = eu-west-1\n"
        ))
        .credentials("[fine]\naws_access_key_id = AKIAFINE\naws_secret_access_key = fine\n");
        for shell in ["sh", "bash", "zsh", "fish", "csh", "tcsh"] {
            for name in ["fine", &header[9..header.len() - 1]] {
                let out = run(home
                    .command(aws_as_bin())
                    .args(["--shell", shell, "--", name]));
                let err = stderr_str(&out);
                assert!(!out.status.success(), "{header} {shell} {name}");
                assert_eq!(
                    out.stdout, b"",
                    "{header} {shell} {name}: printed something to eval"
                );
                assert_eq!(err.lines().count(), 1, "{header} {shell} {name}: {err}");
                assert!(
                    err.starts_with("aws-as: cannot read the AWS config files: ")
                        && err.contains(".aws/config on line 3"),
                    "{header} {shell} {name}: {err}"
                );
            }
        }
        assert!(!home.path().join("F").exists());
    }
}

/// The user's own AWS_REGION / AWS_DEFAULT_REGION are echoed back by aws-as (kept aside while an
/// identity's region is active, given back by `aws-as -`): hostile values from the environment go
/// through the real binary and activation, and come back byte for byte. csh/tcsh refuse one with
/// a control character: one line, and nothing changes.
#[test]
fn the_users_hostile_region_comes_back_exactly() {
    let sts = Sts::moto();
    let home = Home::new();
    home.config("[profile reg]\nregion = eu-west-1\n")
        .credentials("[reg]\naws_access_key_id = AKIAREGION\naws_secret_access_key = region\n")
        .with_sts(&sts);
    let plain = format!(
        "x'$(touch F)`touch F`!!\\\"%n\\w {{a,b}} * ~ é\u{f600}{}",
        "!$'\\".repeat(3000)
    );
    let control = "a\nb\tc\u{1b}[31m'!".to_string();
    let h = home.path().display();
    let posix = format!(
        "eval \"$(aws-as-activate -s)\"\naws-as reg\nprintenv AWS_REGION > {h}/r1\n\
         printenv AWS_AS_IDENTITY > {h}/id\naws-as -\nprintenv AWS_REGION > {h}/r2\n\
         printenv AWS_DEFAULT_REGION > {h}/d2\n"
    );
    let fish = posix.replace(
        "eval \"$(aws-as-activate -s)\"",
        "aws-as-activate --shell fish | source",
    );
    let tcsh = posix.replace(
        "eval \"$(aws-as-activate -s)\"",
        "eval \"`aws-as-activate -c`\"",
    );
    for (argv, script, csh) in [
        (vec!["bash"], &posix, false),
        (vec!["zsh", "-f"], &posix, false),
        (vec!["dash"], &posix, false),
        (vec!["fish", "--no-config"], &fish, false),
        (vec!["tcsh", "-f"], &tcsh, true),
    ] {
        for users in [&plain, &control] {
            let what = format!("{argv:?} with AWS_REGION={}", show(users.as_bytes()));
            let file = home.path().join("steps");
            std::fs::write(&file, script).unwrap();
            for f in ["r1", "id", "r2", "d2"] {
                let _ = std::fs::remove_file(home.path().join(f));
            }
            let mut cmd = home.command(argv[0]);
            cmd.args(&argv[1..])
                .arg(&file)
                .env("AWS_REGION", users)
                .env("AWS_DEFAULT_REGION", users);
            let out = run(&mut cmd);
            let err = stderr_str(&out);
            let read = |f: &str| std::fs::read(home.path().join(f)).unwrap_or_default();
            let line = |v: &str| format!("{v}\n").into_bytes();
            if csh && users.chars().any(char::is_control) {
                // The switch is refused: nothing was set, nothing taken away (so `aws-as -`
                // has nothing to give back).
                assert_eq!(err.lines().count(), 1, "{what}: {err}");
                assert!(
                    err.lines()
                        .all(|l| l.starts_with("aws-as: ") && l.contains("control character")),
                    "{what}: {err}"
                );
                assert_eq!(read("r1"), line(users), "{what}");
                assert_eq!(read("id"), b"", "{what}");
            } else {
                assert_eq!(err, "", "{what}");
                assert_eq!(read("r1"), b"eu-west-1\n", "{what}");
                assert_eq!(read("id"), b"reg\n", "{what}");
            }
            assert_eq!(
                read("r2"),
                line(users),
                "{what}: AWS_REGION after `aws-as -`"
            );
            assert_eq!(
                read("d2"),
                line(users),
                "{what}: AWS_DEFAULT_REGION after `aws-as -`"
            );
            assert!(!home.path().join("F").exists(), "{what}");
        }
    }
}
