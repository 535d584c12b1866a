//! The activation (`aws-as-activate`, whose command line is in `cli.rs`): the shell code that installs the `aws-as` and `aws-as-deactivate`
//! commands (and the prompt) in the running shell.
//!
//! ```text
//! eval "$(aws-as-activate -s)"              # bash, zsh, sh/dash
//! eval "`aws-as-activate -c`"               # csh, tcsh
//! aws-as-activate --shell fish | source     # fish
//! ```
//!
//! The scripts are real files in `shell/`, one per dialect, embedded at build time. Each holds
//! the placeholder `'@AWS_AS@'` (quotes included, so the file stays valid shell for shellcheck and
//! `fish --no-execute`), replaced by the quoted absolute path of the `aws-as` binary;
//! `shell/dispatch.sh` (what `-s` prints) holds `'@AWS_AS_ACTIVATE@'` for this program.
//!
//! The `aws-as` binary is the one next to this executable, or `aws-as` on PATH when there is none.
//! The environment variable `AWS_AS_BIN` overrides that path (for tests and for packagers who
//! install the two binaries in different directories).

use std::ffi::OsString;
use std::path::PathBuf;

use super::{Dialect, Shell, completions};

const POSIX: &str = include_str!("../../../shell/posix.sh");
const BASH: &str = include_str!("../../../shell/bash.bash");
const ZSH: &str = include_str!("../../../shell/zsh.zsh");
const FISH: &str = include_str!("../../../shell/fish.fish");
const TCSH: &str = include_str!("../../../shell/tcsh.csh");
const DISPATCH: &str = include_str!("../../../shell/dispatch.sh");

const BIN_PLACEHOLDER: &str = "'@AWS_AS@'";
const SELF_PLACEHOLDER: &str = "'@AWS_AS_ACTIVATE@'";

/// What to print: one dialect's script, or the Bourne dispatcher of `-s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Bourne,
    Dialect(Shell),
}

/// As ssh-agent: a `$SHELL` ending in `csh` gets C shell code, fish gets fish, anything else
/// (bash, zsh, dash, unknown, unset) the Bourne dispatcher, which picks by the running shell.
pub fn target_from_shell_var(shell: Option<OsString>) -> Target {
    let shell = shell.unwrap_or_default();
    let path = PathBuf::from(shell);
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if base == "fish" {
        Target::Dialect(Shell::Fish)
    } else if base.ends_with("csh") {
        Target::Dialect(Shell::Tcsh)
    } else {
        Target::Bourne
    }
}

/// The aws-as binary: `$AWS_AS_BIN`, else the `aws-as` next to this executable, else `aws-as`.
pub fn aws_as_path() -> OsString {
    if let Some(bin) = std::env::var_os("AWS_AS_BIN").filter(|b| !b.is_empty()) {
        return bin;
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        let candidate = dir.join(format!("aws-as{}", std::env::consts::EXE_SUFFIX));
        if candidate.is_file() {
            return candidate.into_os_string();
        }
    }
    OsString::from("aws-as")
}

pub fn self_path() -> OsString {
    std::env::current_exe()
        .map(PathBuf::into_os_string)
        .unwrap_or_else(|_| OsString::from("aws-as-activate"))
}

/// The script for `target`, with the binaries' paths quoted for that dialect. `command` is the
/// definition of aws-as's command line, which the completion is made from.
pub fn render(
    target: Target,
    aws_as: &OsString,
    activate: &OsString,
    command: &clap::Command,
) -> Result<String, String> {
    let utf8 = |p: &OsString| {
        p.to_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("path is not valid UTF-8: {}", p.to_string_lossy()))
    };
    let quote = |dialect: Dialect, path: &str| {
        dialect
            .quote(path)
            .map_err(|e| format!("cannot put the path {path:?} in a shell script: {e}"))
    };
    Ok(match target {
        Target::Bourne => {
            DISPATCH.replace(SELF_PLACEHOLDER, &quote(Dialect::Posix, &utf8(activate)?)?)
        }
        Target::Dialect(shell) => {
            // Tab completion comes with the activation (it starts no process until TAB).
            let completion = completions::activation(shell, command);
            let script = match shell {
                Shell::Sh => POSIX.to_string(),
                Shell::Bash => BASH.to_string() + &completion,
                Shell::Zsh => ZSH.to_string() + &completion,
                Shell::Fish => FISH.to_string() + &completion,
                Shell::Csh | Shell::Tcsh => csh_statements(&(TCSH.to_string() + &completion)),
            };
            script.replace(BIN_PLACEHOLDER, &quote(shell.dialect(), &utf8(aws_as)?)?)
        }
    })
}

/// `eval "`…`"` joins the lines of the C shell script into one line, where a comment would swallow
/// everything after it: keep only the statements (each ends with ` ;`).
fn csh_statements(script: &str) -> String {
    script
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_has_its_placeholder() {
        for t in [POSIX, BASH, ZSH, FISH, TCSH] {
            assert!(t.contains(BIN_PLACEHOLDER));
        }
        assert!(DISPATCH.contains(SELF_PLACEHOLDER));
    }

    #[test]
    fn csh_script_has_no_comment_and_statements_end_with_semicolons() {
        let s = csh_statements(
            &(TCSH.to_string() + &completions::activation(Shell::Tcsh, &crate::cli::command())),
        );
        for line in s.lines() {
            assert!(!line.trim_start().starts_with('#'), "{line}");
            assert!(line.ends_with(" ;"), "{line}");
        }
        // `!` is history substitution even in single quotes: only the alias' `\!*` and the
        // operator ` != ` (which tcsh leaves alone, checked in tests/shells.rs) may appear.
        assert!(!s.replace("\\!*", "").replace(" != ", "").contains('!'));
    }

    /// A subcommand the wrappers do not pass straight through would be run with `--shell` and
    /// its output evaluated: each wrapper names every subcommand clap knows.
    #[test]
    fn wrappers_pass_every_subcommand_through() {
        let command = crate::cli::command();
        for sub in command.get_subcommands() {
            let name = sub.get_name();
            for (shell, t) in [("sh", POSIX), ("bash", BASH), ("zsh", ZSH), ("fish", FISH)] {
                assert!(
                    t.lines().any(|l| l.contains("--version")
                        && l.split([' ', '|', ')', '(']).any(|w| w == name)),
                    "the {shell} wrapper evaluates `aws-as {name}`"
                );
            }
            assert!(
                TCSH.contains(&format!("\"$__aws_as_1[1]\" == \"{name}\"")),
                "the tcsh wrapper evaluates `aws-as {name}`"
            );
        }
    }

    #[test]
    fn shell_var() {
        let t = |s: &str| target_from_shell_var(Some(s.into()));
        assert_eq!(t("/usr/bin/fish"), Target::Dialect(Shell::Fish));
        assert_eq!(t("/bin/tcsh"), Target::Dialect(Shell::Tcsh));
        assert_eq!(t("/bin/csh"), Target::Dialect(Shell::Tcsh));
        assert_eq!(t("/bin/bash"), Target::Bourne);
        assert_eq!(t("/usr/bin/weird"), Target::Bourne);
        assert_eq!(target_from_shell_var(None), Target::Bourne);
    }
}
