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

/// Arrows between the files of one folder: `file -> sibling` for every `super::sibling` a file
/// names (mod.rs, the folder's own module, and tests.rs are left out: everything may use the
/// parent, and the tests use everything).
fn sibling_arrows(dir: &Path) -> Vec<(String, String)> {
    let stem = |p: &Path| p.file_stem().unwrap().to_string_lossy().into_owned();
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter(|p| !["mod", "tests"].contains(&stem(p).as_str()))
        .collect();
    let names: Vec<String> = files.iter().map(|p| stem(p)).collect();
    let mut arrows = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for name in &names {
            let named = [
                format!("super::{name}::"),
                format!("super::{name};"),
                format!("super::{name}}}"),
            ]
            .iter()
            .any(|p| text.contains(p.as_str()));
            if *name != stem(file) && named {
                arrows.push((stem(file), name.clone()));
            }
        }
    }
    arrows
}

/// A circle among `arrows`, as the files it runs through, if there is one.
fn circle(arrows: &[(String, String)]) -> Option<Vec<String>> {
    fn walk(at: &str, arrows: &[(String, String)], path: &mut Vec<String>) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == at) {
            return Some(path[i..].to_vec());
        }
        path.push(at.to_string());
        for (_, to) in arrows.iter().filter(|(from, _)| from == at) {
            if let Some(found) = walk(to, arrows, path) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    arrows
        .iter()
        .find_map(|(from, _)| walk(from, arrows, &mut Vec::new()))
}

#[test]
fn no_folder_has_a_circle_among_its_files() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![src.clone()];
    let mut seen = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            }
        }
        let arrows = sibling_arrows(&dir);
        seen += arrows.len();
        if let Some(files) = circle(&arrows) {
            panic!("a circle in {}: {}", dir.display(), files.join(" -> "));
        }
    }
    // The check can fail: the server's files do name each other, and a planted arrow back closes
    // a circle.
    assert!(seen > 10, "{seen} arrows between sibling files");
    let mut planted = sibling_arrows(&src.join("output/server"));
    assert!(circle(&planted).is_none());
    let (from, to) = planted[0].clone();
    planted.push((to, from));
    assert!(circle(&planted).is_some());
}
