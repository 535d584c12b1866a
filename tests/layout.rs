//! The rule of docs/ARCHITECTURE.md, checked: arrows point one way. An output may use sessions
//! and identities, a session identities, an identity neither; no layer reaches up into `cli`.
//! Among the outputs, one uses another only through a shared module named for what it shares
//! ([`OUTPUTS`] and [`SHARED`] say which is which), never through the other's internals.
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

/// The outputs: one per command (or family of commands). None uses another's internals. A new
/// module in src/output/ goes in this list or in [`SHARED`] (src/output/mod.rs lists both).
const OUTPUTS: [&str; 13] = [
    "switch",
    "shell",
    "exec",
    "credential_process",
    "export",
    "list",
    "credentials_file",
    "login",
    "server",
    "control",
    "sso",
    "keys",
    "doctor",
];

/// What several outputs share, each module named for what it shares.
const SHARED: [&str; 9] = [
    "env",      // the environment change of a switch
    "text",     // a name and a time left as a person reads them
    "rows",     // one row per identity (list, the management API)
    "handout",  // credentials handed to another program: time left, the credential_process JSON
    "command",  // a command that cannot be started, as a shell says it
    "notify",   // the desktop notification
    "percent",  // percent-encoding of URL pieces
    "endpoint", // what the server and its control client both know
    "ini",      // the lossless editor of the profile files (write, sso populate)
];

/// Pieces of an output that others may use: the dialects and their names, which write a switch
/// for a shell (`aws-as NAME --shell D` picks one; `export --format env` is the sh switch; `aws-as
/// server env` writes POSIX words); and `exec::Options`, the one set of arguments `exec` takes
/// with or without `--server`.
///
/// The credentials file's line model, editor and writer are open to `keys`, which edits the
/// config and credentials files by the same rules.
const SHARED_PIECES: [&str; 6] = [
    "shell::Dialect",
    "shell::Shell",
    "exec::Options",
    "credentials_file::model",
    "credentials_file::edit",
    "credentials_file::file",
];

/// The module a file is, as path segments from `src/`: `output/server/mod.rs` is
/// `["output", "server"]`.
fn module_of(file: &Path) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut segments: Vec<String> = file
        .strip_prefix(&src)
        .unwrap()
        .with_extension("")
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if segments.last().is_some_and(|s| s == "mod") {
        segments.pop();
    }
    segments
}

/// The identifier at the start of `text`.
fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The paths `rest` names after a `…::`: one, or each of a `{…}` group (first level only).
fn named(rest: &str) -> Vec<String> {
    let Some(group) = rest.strip_prefix('{') else {
        let head = ident(rest);
        let tail = rest[head.len()..].strip_prefix("::").map(ident);
        return vec![match tail {
            Some(t) if !t.is_empty() => format!("{head}::{t}"),
            _ => head.to_string(),
        }];
    };
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                out.push(group[start..i].trim().to_string());
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(group[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.into_iter().filter(|p| !p.is_empty()).collect()
}

/// The modules of `src/output/` that a file of `module` names in `text`, each with the item
/// after it (`list::printable`), through `crate::output::…` or `super::…` paths.
fn output_arrows(module: &[String], text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("crate::output::") {
        found.extend(named(&text[at + "crate::output::".len()..]));
    }
    let mut rest = text;
    while let Some(at) = rest.find("super::") {
        let before = &rest[..at];
        let mut after = &rest[at..];
        let mut ups = 0;
        while let Some(next) = after.strip_prefix("super::") {
            ups += 1;
            after = next;
        }
        rest = after;
        // `self::super::` or `a::super::` are not paths from this file's module.
        if before.ends_with("::") || ups >= module.len() {
            continue;
        }
        let base = &module[..module.len() - ups];
        if base == ["output"] {
            found.extend(named(after));
        }
    }
    found
}

/// Arrows from one output into another output's internals: `file: from -> to::item`.
fn crossings() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/output");
    let mut found = Vec::new();
    for file in sources(&root) {
        let module = module_of(&file);
        let Some(own) = module.get(1) else { continue };
        let text = std::fs::read_to_string(&file).unwrap();
        // A unit-test module at the end is one level down: its `super::` is this file.
        let (code, tests) = text.split_once("mod tests {").unwrap_or((&text, ""));
        let mut inner = module.clone();
        inner.push("tests".into());
        let paths = output_arrows(&module, code)
            .into_iter()
            .chain(output_arrows(&inner, tests));
        for path in paths {
            let target = path.split("::").next().unwrap_or_default();
            let piece = SHARED_PIECES.iter().any(|p| path.starts_with(p));
            let elsewhere = !["", "self", own.as_str()].contains(&target);
            if elsewhere && !SHARED.contains(&target) && !piece {
                found.push(format!("{}: {own} -> {path}", file.display()));
            }
        }
    }
    found
}

#[test]
fn every_output_module_is_an_output_or_shared() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/output");
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "mod" || path.extension().is_some_and(|e| e != "rs") {
            continue;
        }
        assert!(
            OUTPUTS.contains(&name.as_str()) || SHARED.contains(&name.as_str()),
            "src/output/{name} is neither in OUTPUTS nor in SHARED (tests/layout.rs): say which"
        );
    }
}

#[test]
fn no_output_uses_another_outputs_internals() {
    let v = crossings();
    assert!(
        v.is_empty(),
        "an output reaches into another (share the piece in a module named for it, listed in \
         SHARED):\n{}",
        v.join("\n")
    );
    // The check can fail: planted arrows, both ways of writing them, are seen.
    let handlers: Vec<String> = ["output", "server", "manage", "handlers"]
        .map(String::from)
        .to_vec();
    let planted = "use crate::output::list::printable;\nuse super::super::super::{refresh, text};";
    let arrows = output_arrows(&handlers, planted);
    assert_eq!(arrows, ["list::printable", "refresh", "text"]);
    let exec = ["output", "exec"].map(String::from).to_vec();
    assert_eq!(output_arrows(&exec, "use super::list::row;"), ["list::row"]);
    assert!(output_arrows(&exec, "use super::super::cli;").is_empty());
}
