//! The shell's activation: whether this shell is activated, and whether its startup file (by
//! `$SHELL`) holds the activation line.

use std::path::{Path, PathBuf};

use super::{ACTIVATED, Report, State};

/// The shell's startup files where its activation line goes, and the line, by `$SHELL`.
fn startup(shell: &str, home: &Path) -> Option<(Vec<PathBuf>, &'static str)> {
    let posix = r#"eval "$(aws-as-activate -s)""#;
    let csh = r#"eval "`aws-as-activate -c`""#;
    let env_dir = |var: &str, default: PathBuf| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or(default)
    };
    Some(match shell {
        "bash" => (vec![home.join(".bashrc")], posix),
        "zsh" => (
            vec![env_dir("ZDOTDIR", home.to_path_buf()).join(".zshrc")],
            posix,
        ),
        "sh" | "dash" | "ksh" => {
            let mut files = vec![home.join(".profile")];
            if let Some(env) = std::env::var_os("ENV").filter(|v| !v.is_empty()) {
                files.insert(0, PathBuf::from(env));
            }
            (files, posix)
        }
        "fish" => {
            let dir = env_dir("XDG_CONFIG_HOME", home.join(".config")).join("fish");
            let mut files = vec![dir.join("config.fish")];
            if let Ok(entries) = std::fs::read_dir(dir.join("conf.d")) {
                let mut more: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
                more.sort();
                files.extend(more);
            }
            (files, "aws-as-activate --shell fish | source")
        }
        "tcsh" => (vec![home.join(".tcshrc"), home.join(".cshrc")], csh),
        "csh" => (vec![home.join(".cshrc")], csh),
        _ => return None,
    })
}

/// A line of `text` that runs aws-as-activate (not a comment).
fn activates(text: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .any(|l| !l.starts_with('#') && l.contains("aws-as-activate"))
}

/// This shell's activation, and the line in the startup file of `$SHELL`.
pub(super) fn activation(report: &mut Report) {
    let shell_var = crate::env_var("SHELL").unwrap_or_default();
    let shell = Path::new(&shell_var)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    let found = home.as_deref().and_then(|h| startup(&shell, h));
    let mut line_to_add = r#"eval "$(aws-as-activate -s)""#;
    match &found {
        None if shell.is_empty() => report.line(
            State::Note,
            "SHELL is not set, so no startup file was checked for the activation line",
        ),
        None => report.line(
            State::Note,
            format!("SHELL is {shell_var}: aws-as activates bash, zsh, sh, fish, csh and tcsh, so no startup file was checked"),
        ),
        Some((files, line)) => {
            line_to_add = line;
            let hit = files.iter().find(|f| {
                std::fs::read(f).is_ok_and(|t| activates(&String::from_utf8_lossy(&t)))
            });
            match hit {
                Some(file) => report.line(
                    State::Ok,
                    format!("{} activates aws-as in new {shell} shells", file.display()),
                ),
                None => report.line(
                    State::Wrong,
                    format!(
                        "{} has no activation line, so new {shell} shells have no aws-as function: add {line} to it",
                        files[0].display()
                    ),
                ),
            }
        }
    }
    match crate::env_var(ACTIVATED) {
        Some(pid) => report.line(
            State::Ok,
            format!("this shell is activated (the shell with pid {pid} ran aws-as-activate)"),
        ),
        None => report.line(
            State::Wrong,
            format!("this shell is not activated ({ACTIVATED} is not set), so aws-as NAME cannot change it: run {line_to_add}"),
        ),
    }
}
