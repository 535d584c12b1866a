//! The credentials-file editor over generated files: random sections and keys, both comment
//! styles, indentation and continuation lines, blank lines, LF, CRLF and mixed line endings,
//! UTF-8, with and without a final newline, the target section first, in the middle, last or
//! missing. For each file:
//! - the line model gives the text back byte for byte;
//! - every byte outside the target section is the old one;
//! - botocore's parser (`botocore.configloader.raw_config_parse`, what its shared-credentials
//!   provider reads the file with) reads every other section exactly as before and the new values
//!   in the target;
//! - aws-config's parser (the Rust SDK's, through aws-as's `CredentialsText`) does the same.
//!
//! Also: every input of aws-config's cross-SDK parser tests (aws-runtime's
//! test-data/profile-parser-tests.json, read from where cargo keeps the crate) round-trips, and
//! those aws-as may edit are edited without changing another section.
//! `PROPTEST_CASES` (default 300) and `PROPTEST_RNG_SEED` (a u64) override the run.

use crate::common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use aws_as::identity::CredentialsText;
use aws_as::output::credentials_file::{STALE, edit_text};
use aws_as::output::ini::{edit, model};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::Value;

use common::*;

const DEFAULT_CASES: u32 = 300;
const DEFAULT_SEED: u64 = 0x00c7_ed5f_11e0;

/// What a write sets: values shaped like STS's.
const VALUES: [(&str, &str); 5] = [
    ("aws_access_key_id", "ASIAQNEWEXAMPLE00001"),
    ("aws_secret_access_key", "n3w/Secret+Key=EXAMPLE"),
    ("aws_session_token", "FQoGZXIvYXdzEBYaD+new/token=="),
    ("expiration", "2031-05-06T07:08:09Z"),
    ("aws_as_identity", "my-role1-dev"),
];

// ---------------------------------------------------------------------------------------------
// botocore, as one long-running Python process.

struct Botocore {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

const BOTOCORE_SCRIPT: &str = r#"
import json, sys
from botocore.configloader import raw_config_parse
for line in sys.stdin:
    path = line.rstrip("\n")
    try:
        out = {"ok": raw_config_parse(path)}
    except Exception as e:
        out = {"error": type(e).__name__}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
"#;

impl Botocore {
    fn start() -> Botocore {
        let mut child = Command::new(python())
            .args(["-c", BOTOCORE_SCRIPT])
            // configparser reads with the locale's encoding: the files are UTF-8.
            .env("PYTHONUTF8", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Botocore {
            child,
            stdin,
            stdout,
        }
    }

    /// The sections botocore reads from the file at `path`, or the error's name.
    fn read(&mut self, path: &Path) -> Result<BTreeMap<String, Value>, String> {
        writeln!(self.stdin, "{}", path.display()).unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        match v.get("ok") {
            Some(Value::Object(m)) => Ok(m.clone().into_iter().collect()),
            _ => Err(v["error"].as_str().unwrap_or("?").to_string()),
        }
    }
}

impl Drop for Botocore {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Generated files.

#[derive(Clone, Debug)]
enum Cont {
    /// `  sub = word` (read as text, or as a sub-property after an empty value).
    Sub(String),
    /// An indented comment: a comment to botocore, part of the value to aws-config.
    Comment(String),
    Blank,
}

#[derive(Clone, Debug)]
enum Item {
    Entry {
        key: String,
        sep: &'static str,
        value: String,
        /// ` # c`: part of the value to botocore, a comment to aws-config.
        inline: Option<String>,
        cont: Vec<Cont>,
    },
    Comment(char, String),
    Blank(&'static str),
}

#[derive(Clone, Debug)]
struct Section {
    name: String,
    /// What follows `]` on the header line.
    after: &'static str,
    /// `[ name ]`: a name botocore keeps the spaces of.
    spaced: bool,
    items: Vec<Item>,
}

#[derive(Clone, Debug)]
struct File {
    preamble: Vec<Item>,
    sections: Vec<Section>,
    /// 0: LF, 1: CRLF, 2: mixed (chosen by line).
    endings: u8,
    final_newline: bool,
    /// Where the target is: an index into `sections`, or `None` for a missing one.
    target: Option<usize>,
}

fn word() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".chars().collect::<Vec<_>>()
            ),
            3 => prop::sample::select("/+=:-._@%".chars().collect::<Vec<_>>()),
            1 => prop::sample::select("é☃ü中€".chars().collect::<Vec<_>>()),
        ],
        1..14,
    )
    .prop_map(String::from_iter)
}

/// A value: words, sometimes with blanks or a `#` glued to a word (neither parser cuts that).
fn value() -> impl Strategy<Value = String> {
    prop::collection::vec((word(), prop::bool::weighted(0.1)), 0..3).prop_map(|ws| {
        ws.iter()
            .map(|(w, hash)| if *hash { format!("{w}#x") } else { w.clone() })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token",
            "region", "expiration", "aws_as_identity", "x_security_token_expires", "output",
            "AWS_ACCESS_KEY_ID", "Region", "s3",
        ])
        .prop_map(str::to_string),
        2 => "[a-z][a-z0-9_]{0,9}",
    ]
}

fn comment_text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), value().prop_map(|v| format!(" {v}"))]
}

fn entry() -> impl Strategy<Value = Item> {
    (
        key(),
        prop::sample::select(vec![" = ", "=", " =", "= ", "\t=\t", "  =  "]),
        value(),
        prop::option::weighted(0.1, comment_text()),
        prop::collection::vec(
            prop_oneof![
                3 => word().prop_map(Cont::Sub),
                1 => comment_text().prop_map(Cont::Comment),
                1 => Just(Cont::Blank),
            ],
            0..3,
        ),
    )
        .prop_map(|(key, sep, value, inline, mut cont)| {
            // After an empty value the indented lines are sub-properties, which both parsers
            // require to be `k = v` (a comment there is an error in both): none are generated.
            if value.is_empty() {
                cont.retain(|c| matches!(c, Cont::Sub(_)));
            }
            // A blank line must be followed by an indented line to be part of the entry.
            while matches!(cont.last(), Some(Cont::Blank)) {
                cont.pop();
            }
            Item::Entry {
                key,
                sep,
                value,
                inline,
                cont,
            }
        })
}

fn filler() -> impl Strategy<Value = Item> {
    prop_oneof![
        (prop::sample::select(vec!['#', ';']), comment_text())
            .prop_map(|(c, t)| Item::Comment(c, t)),
        prop::sample::select(vec!["", " ", "\t", "  \t "]).prop_map(Item::Blank),
    ]
}

fn section() -> impl Strategy<Value = Section> {
    (
        prop_oneof![
            4 => prop::sample::select(vec![
                "default", "dev", "prod", "my-role1-dev", "a.b", "x@y", "team/app", "k:1", "p+q",
                "ci_1", "legacy",
            ])
            .prop_map(str::to_string),
            2 => "[a-z][a-z0-9-]{0,8}",
            1 => Just("é-ü".to_string()),
        ],
        prop::sample::select(vec!["", "", "", " # c", "; c", "\t#x"]),
        prop::bool::weighted(0.1),
        prop::collection::vec(prop_oneof![3 => entry(), 1 => filler()], 0..7),
    )
        .prop_map(|(name, after, spaced, items)| Section {
            name,
            after,
            spaced,
            items,
        })
}

fn file() -> impl Strategy<Value = File> {
    (
        prop::collection::vec(filler(), 0..3),
        prop::collection::vec(section(), 0..6),
        0u8..3,
        prop::bool::weighted(0.7),
        prop::option::weighted(0.8, any::<prop::sample::Index>()),
    )
        .prop_map(|(preamble, mut sections, endings, final_newline, target)| {
            // One section per name, one entry per key in a section: a file with either twice
            // is refused (tested on its own below).
            let mut names = Vec::new();
            sections.retain(|s| {
                let fresh = !names.contains(&s.name);
                names.push(s.name.clone());
                fresh && s.name != "aws-as-target"
            });
            for s in &mut sections {
                let mut keys = Vec::new();
                s.items.retain(|i| match i {
                    Item::Entry { key, .. } => {
                        let k = key.to_ascii_lowercase();
                        let fresh = !keys.contains(&k);
                        keys.push(k);
                        fresh
                    }
                    _ => true,
                });
            }
            let target = match target {
                Some(i) if !sections.is_empty() => Some(i.index(sections.len())),
                _ => None,
            }
            // A name the AWS profile parser skips is no section aws-as writes (refused).
            .filter(|&t| sections[t].name.is_ascii());
            // The target's header is one both parsers read as its name (a spaced one is refused,
            // tested on its own below).
            if let Some(t) = target {
                sections[t].spaced = false;
            }
            File {
                preamble,
                sections,
                endings,
                final_newline,
                target,
            }
        })
}

impl File {
    fn target_name(&self) -> String {
        match self.target {
            Some(i) => self.sections[i].name.clone(),
            None => "aws-as-target".to_string(),
        }
    }

    fn render(&self) -> String {
        let mut lines: Vec<String> = Vec::new();
        let item = |lines: &mut Vec<String>, i: &Item| match i {
            Item::Comment(c, t) => lines.push(format!("{c}{t}")),
            Item::Blank(b) => lines.push(b.to_string()),
            Item::Entry {
                key,
                sep,
                value,
                inline,
                cont,
            } => {
                let inline = inline.as_ref().map_or(String::new(), |c| format!(" #{c}"));
                lines.push(format!("{key}{sep}{value}{inline}").trim_end().to_string());
                for (n, c) in cont.iter().enumerate() {
                    lines.push(match c {
                        Cont::Sub(w) => {
                            format!("{}sub{n} = {w}", if n % 2 == 0 { "  " } else { "\t" })
                        }
                        Cont::Comment(t) => format!("  #{t}"),
                        Cont::Blank => String::new(),
                    });
                }
            }
        };
        for i in &self.preamble {
            item(&mut lines, i);
        }
        for s in &self.sections {
            if s.spaced {
                lines.push(format!("[ {} ]{}", s.name, s.after));
            } else {
                lines.push(format!("[{}]{}", s.name, s.after));
            }
            for i in &s.items {
                item(&mut lines, i);
            }
        }
        let mut text = String::new();
        for (n, l) in lines.iter().enumerate() {
            text.push_str(l);
            let crlf = match self.endings {
                0 => false,
                1 => true,
                _ => (n * 7 + l.len()) % 3 == 0,
            };
            text.push_str(if crlf { "\r\n" } else { "\n" });
        }
        if !self.final_newline && text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        text
    }
}

// ---------------------------------------------------------------------------------------------

fn config() -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = DEFAULT_CASES;
    }
    if matches!(config.rng_seed, RngSeed::Random) {
        config.rng_seed = RngSeed::Fixed(DEFAULT_SEED);
    }
    config.failure_persistence = None;
    config
}

/// The keys the line model sees in each section of `text` (lowercased), by section name.
fn keys_by_section(text: &str) -> Vec<(String, Vec<String>)> {
    let doc = model::parse(text);
    doc.sections()
        .into_iter()
        .map(|(name, s)| {
            let keys = doc.entries(s).into_iter().filter_map(|(k, _)| k).collect();
            (name, keys)
        })
        .collect()
}

struct Case<'a> {
    dir: &'a Path,
    botocore: &'a mut Botocore,
    n: usize,
}

impl Case<'_> {
    fn write(&mut self, name: &str, text: &str) -> PathBuf {
        self.n += 1;
        let path = self.dir.join(format!("{}-{name}", self.n));
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// The checks of one generated file; `Err` says what broke.
fn check(case: &mut Case<'_>, file: &File) -> Result<(), TestCaseError> {
    let old = file.render();
    let doc = model::parse(&old);
    prop_assert_eq!(doc.render(), old.clone(), "render(parse(s)) != s");
    let target = file.target_name();
    let path = Path::new("/generated/credentials");
    let new = edit_text(path, &old, &target, &VALUES)
        .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;

    // Bytes outside the target.
    match doc.section(&target) {
        Some(s) => {
            let span = edit::span(&doc, s);
            prop_assert!(
                new.starts_with(&old[..span.start]),
                "bytes before the section changed"
            );
            prop_assert!(
                new.ends_with(&old[span.end..]),
                "bytes after the section changed"
            );
        }
        None => {
            prop_assert!(
                new.starts_with(&old),
                "an append changed the bytes before it"
            );
            // `write --remove` of the appended section gives the file back byte for byte (a
            // blank line the file ended with aside: the section was appended after it).
            let keys: Vec<&str> = VALUES.iter().map(|(k, _)| *k).collect();
            let removed = edit::remove(&model::parse(&new), &target, &keys);
            if doc
                .lines()
                .last()
                .is_none_or(|l| l.kind != model::Kind::Blank)
            {
                prop_assert_eq!(removed, Some(old.clone()), "a removal left bytes behind");
            }
        }
    }
    prop_assert_eq!(
        old.is_empty() || old.ends_with('\n'),
        new.ends_with('\n'),
        "the final newline changed"
    );

    // aws-config.
    let before =
        CredentialsText::parse(path, &old).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let after =
        CredentialsText::parse(path, &new).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let old_keys = keys_by_section(&old);
    for (name, keys) in &old_keys {
        for key in keys {
            if *name == target
                && (VALUES.iter().any(|(k, _)| k == key) || STALE.contains(&key.as_str()))
            {
                continue;
            }
            prop_assert_eq!(
                before.get(name, key),
                after.get(name, key),
                "aws-config reads [{}] {} differently",
                name,
                key
            );
        }
    }
    for (k, v) in VALUES {
        prop_assert_eq!(
            after.get(&target, k),
            Some(v),
            "aws-config: [{}] {}",
            target,
            k
        );
    }
    for k in STALE {
        prop_assert_eq!(after.get(&target, k), None, "aws-config: stale {} left", k);
    }
    let mut before_names = before.sections();
    let mut after_names = after.sections();
    before_names.retain(|n| *n != target);
    after_names.retain(|n| *n != target);
    before_names.sort_unstable();
    after_names.sort_unstable();
    prop_assert_eq!(
        before_names,
        after_names,
        "aws-config sees other sections come or go"
    );

    // botocore.
    let old_path = case.write("old", &old);
    let new_path = case.write("new", &new);
    let b_old = case.botocore.read(&old_path);
    let b_new = case.botocore.read(&new_path);
    let _ = std::fs::remove_file(&old_path);
    let _ = std::fs::remove_file(&new_path);
    let b_old =
        b_old.map_err(|e| TestCaseError::fail(format!("botocore refused the input: {e}")))?;
    let b_new =
        b_new.map_err(|e| TestCaseError::fail(format!("botocore refused the output: {e}")))?;
    for (name, section) in &b_old {
        if *name == target {
            continue;
        }
        prop_assert_eq!(
            Some(section),
            b_new.get(name),
            "botocore reads [{}] differently",
            name
        );
    }
    prop_assert_eq!(
        b_old.keys().filter(|n| **n != target).count(),
        b_new.keys().filter(|n| **n != target).count(),
        "botocore sees another section come or go"
    );
    let mut want = match b_old.get(&target) {
        Some(Value::Object(m)) => m.clone(),
        _ => serde_json::Map::new(),
    };
    for k in STALE {
        want.remove(k);
    }
    for (k, v) in VALUES {
        want.insert(k.to_string(), Value::String(v.to_string()));
    }
    prop_assert_eq!(
        b_new.get(&target),
        Some(&Value::Object(want)),
        "botocore: the target"
    );
    Ok(())
}

#[test]
fn edits_keep_every_other_byte_and_both_parsers_agree_with_themselves() {
    let home = Home::new();
    let mut botocore = Botocore::start();
    let mut runner = TestRunner::new(config());
    let case = std::cell::RefCell::new(Case {
        dir: home.path(),
        botocore: &mut botocore,
        n: 0,
    });
    // Target first, middle, last, missing.
    let seen = std::cell::RefCell::new([0usize; 4]);
    let result = runner.run(&file(), |f| {
        let at = match f.target {
            None => 3,
            Some(0) => 0,
            Some(i) if i + 1 == f.sections.len() => 2,
            Some(_) => 1,
        };
        seen.borrow_mut()[at] += 1;
        check(&mut case.borrow_mut(), &f)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The generator reaches every position of the target, or the property says little.
    let seen = seen.into_inner();
    assert!(
        seen.iter().all(|n| *n > 5),
        "targets first/middle/last/missing: {seen:?}"
    );
}

#[test]
fn render_of_parse_is_the_text_for_any_text() {
    let mut runner = TestRunner::new(config());
    let text = prop::collection::vec(
        prop_oneof![prop::sample::select(vec![
            "[", "]", "=", "#", ";", " ", "\t", "\r", "\n", "\r\n", "é", "a", "k"
        ]),],
        0..80,
    )
    .prop_map(|v| v.concat());
    runner
        .run(&text, |t| {
            prop_assert_eq!(model::parse(&t).render(), t);
            Ok(())
        })
        .unwrap();
}

/// What each parser refuses or reads differently is refused, and the text is left alone.
#[test]
fn files_aws_as_cannot_edit_without_loss_are_refused() {
    let path = Path::new("/generated/credentials");
    for (text, why) in [
        ("[t]\nk = 1\n[t]\nj = 2\n", "also on line 1"),
        ("[t]\nk = 1\nK = 2\n", "set twice"),
        ("[t]\nnot a key\n", "not key = value"),
        ("[t]\n  indented = 1\n", "continues no key"),
        ("k = 1\n[t]\n", "before the first"),
        ("[ t ]\nk = 1\n", "botocore reads another section name"),
        ("[t\nk = 1\n", "cannot be read"),
    ] {
        let err = edit_text(path, text, "t", &VALUES).unwrap_err().to_string();
        assert!(err.contains(why), "{text:?}: {err}");
        assert!(!err.contains('\n'));
    }
}

/// The directory cargo unpacked aws-runtime into (what the test data is read from): the
/// version Cargo.lock names, under `$CARGO_HOME/registry/src/*/`.
fn aws_runtime_dir() -> PathBuf {
    let lock = std::fs::read_to_string(repo_root().join("Cargo.lock")).unwrap();
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"aws-runtime\"\n"))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"').to_string())
        .expect("aws-runtime in Cargo.lock");
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    let registries = cargo_home.join("registry/src");
    std::fs::read_dir(&registries)
        .unwrap_or_else(|e| panic!("{}: {e}", registries.display()))
        .filter_map(Result::ok)
        .map(|r| r.path().join(format!("aws-runtime-{version}")))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "aws-runtime {version} is not under {}",
                registries.display()
            )
        })
}

#[test]
fn aws_configs_own_parser_tests_round_trip_and_edit_cleanly() {
    let data = aws_runtime_dir().join("test-data/profile-parser-tests.json");
    let tests: Value = serde_json::from_str(&std::fs::read_to_string(&data).unwrap()).unwrap();
    let tests = tests["tests"].as_array().unwrap();
    assert!(tests.len() >= 60, "{} cases", tests.len());
    let path = Path::new("/fixture/credentials");
    let (mut round_trips, mut edited) = (0, 0);
    for t in tests {
        for text in ["configFile", "credentialsFile"]
            .iter()
            .filter_map(|k| t["input"][k].as_str())
        {
            let doc = model::parse(text);
            assert_eq!(doc.render(), text, "{}", t["name"]);
            round_trips += 1;
            // Each of its sections as the target, and a new one.
            let mut targets: Vec<String> = doc.sections().into_iter().map(|(n, _)| n).collect();
            targets.push("aws-as-target".to_string());
            for target in targets {
                let Ok(new) = edit_text(path, text, &target, &VALUES) else {
                    continue;
                };
                edited += 1;
                let before = CredentialsText::parse(path, text).unwrap();
                let after = CredentialsText::parse(path, &new).unwrap();
                for (name, keys) in keys_by_section(text) {
                    if name == target {
                        continue;
                    }
                    for key in keys {
                        assert_eq!(
                            before.get(&name, &key),
                            after.get(&name, &key),
                            "{}",
                            t["name"]
                        );
                    }
                }
            }
        }
    }
    assert!(
        round_trips >= 65 && edited >= 40,
        "{round_trips} round trips, {edited} edits"
    );
}
