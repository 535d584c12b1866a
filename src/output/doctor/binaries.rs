//! The three binaries of an installation on PATH, at one version, `aws-as-sts` beside `aws-as`.

use std::path::{Path, PathBuf};

use super::{BINARIES, Report, State};

/// The first executable `name` on PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The version `path --version` prints (its last word), if it prints one.
fn version_of(path: &Path) -> Option<String> {
    let out = std::process::Command::new(path)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let word = text.split_whitespace().last()?;
    (out.status.success() && !word.is_empty()).then(|| word.to_string())
}

/// The three binaries on PATH, of this version, `aws-as-sts` beside `aws-as`.
pub(super) fn binaries(report: &mut Report) {
    let mine = env!("CARGO_PKG_VERSION");
    let mut found = Vec::new();
    let mut fine = true;
    for name in BINARIES {
        let Some(path) = on_path(name) else {
            fine = false;
            report.line(
                State::Wrong,
                format!("{name} is not on PATH: add the directory aws-as is installed in to PATH, or reinstall aws-as (README, Install)"),
            );
            continue;
        };
        match version_of(&path) {
            Some(v) if v == mine => found.push(path),
            Some(v) => {
                fine = false;
                report.line(
                    State::Wrong,
                    format!("{} is version {v}, this aws-as-sts {mine}: install all three binaries of one version (README, Install)", path.display()),
                );
            }
            None => {
                fine = false;
                report.line(
                    State::Wrong,
                    format!("{} --version failed: reinstall aws-as", path.display()),
                );
            }
        }
    }
    if let [lean, sts, _] = found.as_slice()
        && lean.parent() != sts.parent()
    {
        let dir = lean.parent().unwrap_or(Path::new("/"));
        fine = false;
        report.line(
            State::Wrong,
            format!(
                "aws-as-sts on PATH is {}, but aws-as runs {} for every new session: install the three binaries in one directory",
                sts.display(),
                dir.join("aws-as-sts").display()
            ),
        );
    }
    if fine {
        let dir = found[0].parent().unwrap_or(Path::new("/"));
        report.line(
            State::Ok,
            format!(
                "binaries: aws-as, aws-as-sts and aws-as-activate {mine} in {}",
                dir.display()
            ),
        );
    }
}
