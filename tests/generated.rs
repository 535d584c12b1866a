//! Generated files are checked in, so that packagers and users get them without building:
//! `completions/` holds what `aws-as completions SHELL` prints, `man/` the manual pages clap_mangen
//! makes from the command-line definitions (aws-as, one page per subcommand, aws-as-activate).
//! This test fails when a checked-in file differs from what the current code generates, or when
//! one is missing or left over. To update them:
//!
//! ```text
//! AWS_AS_BLESS=1 cargo test --test it generated::
//! ```

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use aws_as::output::shell::completions::CompletionShell;
use common::{Home, repo_root, run, stderr_str};

const BLESS: &str = "AWS_AS_BLESS=1 cargo test --test it generated::";

/// `(file name, contents)` of what should be in a directory.
type Files = BTreeMap<String, Vec<u8>>;

fn read_dir(dir: &Path) -> Files {
    let mut files = Files::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            files.insert(name, std::fs::read(entry.path()).unwrap());
        }
    }
    files
}

/// Compares `dir` (relative to the repository) with `want`; with AWS_AS_BLESS=1 makes it so.
fn check(dir: &str, want: &Files) {
    let path = repo_root().join(dir);
    let have = read_dir(&path);
    let mut wrong: Vec<String> = Vec::new();
    for (name, contents) in want {
        match have.get(name) {
            None => wrong.push(format!("{dir}/{name} is missing")),
            Some(c) if c != contents => wrong.push(format!("{dir}/{name} is out of date")),
            Some(_) => {}
        }
    }
    for name in have.keys().filter(|n| !want.contains_key(*n)) {
        wrong.push(format!("{dir}/{name} is not generated any more"));
    }
    if wrong.is_empty() {
        return;
    }
    if std::env::var_os("AWS_AS_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(&path).unwrap();
        for name in have.keys().filter(|n| !want.contains_key(*n)) {
            std::fs::remove_file(path.join(name)).unwrap();
        }
        for (name, contents) in want {
            std::fs::write(path.join(name), contents).unwrap();
        }
        eprintln!("blessed: {}", wrong.join("; "));
        return;
    }
    panic!(
        "{}\nThe checked-in files must be what the code generates. Update them with:\n    {BLESS}",
        wrong.join("\n")
    );
}

#[test]
fn completion_scripts_are_what_the_binary_prints() {
    let home = Home::new();
    let mut want = Files::new();
    for shell in CompletionShell::ALL {
        let file = shell.file_name();
        let value = clap::ValueEnum::to_possible_value(&shell).unwrap();
        let shell = value.get_name();
        let out = run(home
            .command(common::aws_as_bin())
            .args(["completions", shell]));
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "aws-as completions {shell}: {}",
            stderr_str(&out)
        );
        assert!(!out.stdout.is_empty(), "aws-as completions {shell}");
        want.insert(file.to_string(), out.stdout);
    }
    check("completions", &want);
}

#[test]
fn man_pages_are_what_clap_mangen_makes() {
    let dir = Home::new();
    clap_mangen::generate_to(aws_as::cli::command(), dir.path()).unwrap();
    for command in [
        aws_as::cli::activate_command(),
        aws_as::cli::manual::deactivate_command(),
    ] {
        clap_mangen::Man::new(command)
            .generate_to(dir.path())
            .unwrap();
    }
    let mut want: Files = read_dir(dir.path())
        .into_iter()
        .filter(|(name, _)| name.ends_with(".1"))
        .collect();
    // aws-as(1) ends with what the command line does not say: the variables and the files.
    want.get_mut("aws-as.1")
        .unwrap()
        .extend_from_slice(aws_as::cli::manual::sections().as_bytes());
    // One page per command, and the subcommands are described on aws-as's own page too.
    let names: Vec<&str> = want.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "aws-as-activate.1",
            "aws-as-completions.1",
            "aws-as-credential-process.1",
            "aws-as-deactivate.1",
            "aws-as-doctor.1",
            "aws-as-exec.1",
            "aws-as-export.1",
            "aws-as-keys-add.1",
            "aws-as-keys-import.1",
            "aws-as-keys-remove.1",
            "aws-as-keys-rotate.1",
            "aws-as-keys.1",
            "aws-as-list.1",
            "aws-as-login.1",
            "aws-as-refresh.1",
            "aws-as-serve.1",
            "aws-as-server-env.1",
            "aws-as-server-page.1",
            "aws-as-server-status.1",
            "aws-as-server-stop.1",
            "aws-as-server-switch.1",
            "aws-as-server.1",
            "aws-as-sso-login.1",
            "aws-as-sso-logout.1",
            "aws-as-sso-populate.1",
            "aws-as-sso.1",
            "aws-as-write.1",
            "aws-as.1",
        ]
    );
    let page = String::from_utf8_lossy(&want["aws-as.1"]);
    for sub in [
        "exec",
        "credential\\-process",
        "list",
        "completions",
        "write",
        "refresh",
        "export",
        "login",
        "serve",
        "server",
        "doctor",
    ] {
        assert!(page.contains(&format!("aws\\-as\\-{sub}(1)")), "{sub}");
    }
    check("man", &want);
}

/// The names in the ENVIRONMENT section: each entry's comma-separated names.
fn documented() -> Vec<String> {
    aws_as::cli::manual::ENVIRONMENT
        .iter()
        .flat_map(|(names, _)| names.split(", "))
        .map(str::to_string)
        .collect()
}

fn is_documented(name: &str, documented: &[String]) -> bool {
    documented.iter().any(|d| match d.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => d == name,
    })
}

/// Every file under `dir` whose name ends with one of `exts`.
fn files_under(dir: &Path, exts: &[&str], out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, exts, out);
        } else if exts.iter().any(|e| path.to_string_lossy().ends_with(e)) {
            out.push(path);
        }
    }
}

/// The variables `text` names: every `"AWS_…"` string of the Rust code (what it sets, reads or
/// removes), every variable read by name (`env_var("X")`, `var_os("X")`, `var("X")`,
/// `env_seconds("X"`), and in the shell scripts every `AWS_AS_…` but the `@…@` placeholders.
fn variables(text: &str, rust: bool) -> Vec<String> {
    let mut found = Vec::new();
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect()
    };
    if rust {
        for (i, _) in text.match_indices("\"AWS_") {
            let name = word(&text[i + 1..]);
            // A whole string: `"AWS_AS_SAVED_"` is a prefix, documented as `AWS_AS_SAVED_*`.
            if text[i + 1 + name.len()..].starts_with('"') {
                found.push(name);
            }
        }
        for call in ["env_var(\"", "var_os(\"", "var(\"", "env_seconds(\""] {
            for (i, _) in text.match_indices(call) {
                let name = word(&text[i + call.len()..]);
                if !name.is_empty() && text[i + call.len() + name.len()..].starts_with('"') {
                    found.push(name);
                }
            }
        }
    } else {
        for (i, _) in text.match_indices("AWS_AS_") {
            if i > 0 && text[..i].ends_with('@') {
                continue;
            }
            found.push(word(&text[i..]));
        }
    }
    found
}

/// aws-as(1)'s ENVIRONMENT lists every variable the code names: a new one fails here until the
/// manual says what it does (src/cli/manual.rs).
#[test]
fn the_man_page_lists_every_variable_the_code_names() {
    let documented = documented();
    let mut files = Vec::new();
    files_under(
        &repo_root().join("src"),
        &[".rs", ".sh", ".bash", ".zsh", ".fish", ".csh"],
        &mut files,
    );
    let mut missing = std::collections::BTreeSet::new();
    let mut seen = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let rust = file.extension().is_some_and(|e| e == "rs");
        for name in variables(&text, rust) {
            seen += 1;
            if !is_documented(&name, &documented) {
                missing.insert(format!("{name} ({})", file.display()));
            }
        }
    }
    assert!(seen > 100, "the scan found only {seen} names");
    assert!(
        missing.is_empty(),
        "variables the code names that aws-as(1) does not list (add them to ENVIRONMENT in src/cli/manual.rs, then {BLESS}):\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
    // The page holds them.
    let page = std::fs::read_to_string(repo_root().join("man/aws-as.1")).unwrap();
    for section in [".SH ENVIRONMENT", ".SH FILES"] {
        assert!(
            page.contains(section),
            "man/aws-as.1 has no {section}: {BLESS}"
        );
    }
}
