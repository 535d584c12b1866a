//! The rule of docs/ARCHITECTURE.md, checked: arrows point one way. An output may use sessions
//! and identities, a session identities, an identity neither; no layer reaches up into `cli`.
//! The check reads the sources as text (every `crate::…` path), so it catches a doc link as well
//! as an import: both are arrows a reader follows.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Lines of the files under `src/<layer>/` that name one of `forbidden` (as `crate::X`).
fn violations(layer: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    let mut found = Vec::new();
    for file in sources(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            for f in forbidden {
                if line.contains(&format!("crate::{f}")) {
                    found.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn identities_use_no_session_and_no_output() {
    let v = violations("identity", &["session", "output", "cli"]);
    assert!(
        v.is_empty(),
        "arrows back up from identity/:\n{}",
        v.join("\n")
    );
}

#[test]
fn sessions_use_no_output() {
    let v = violations("session", &["output", "cli"]);
    assert!(
        v.is_empty(),
        "arrows back up from session/:\n{}",
        v.join("\n")
    );
}

#[test]
fn outputs_do_not_reach_into_the_command_line() {
    // Unit tests may build the real command line to test what is generated from it; the code
    // itself gets it as an argument.
    let v: Vec<String> = violations("output", &["cli"])
        .into_iter()
        .filter(|l| !l.contains("crate::cli::command"))
        .collect();
    assert!(
        v.is_empty(),
        "arrows back up from output/:\n{}",
        v.join("\n")
    );
}

#[test]
fn the_checks_see_the_tree() {
    // A check over an empty or moved tree passes for nothing: make sure each layer has sources
    // and that a planted violation would be seen.
    for layer in ["identity", "session", "output"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(layer);
        assert!(!sources(&root).is_empty(), "src/{layer}/ has no sources");
    }
    assert!(!violations("output", &["session"]).is_empty());
}
