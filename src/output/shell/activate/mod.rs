//! The activation (`aws-as-activate`, whose command line is in `cli/args.rs`): the shell code that installs the `aws-as` and `aws-as-deactivate`
//! commands (and the prompt) in the running shell.
//!
//! ```text
//! eval "$(aws-as-activate -s)"              # bash, zsh, sh/dash
//! eval "`aws-as-activate -c`"               # csh, tcsh
//! aws-as-activate --shell fish | source     # fish
//! ```
//!
//! The scripts are real files beside this one, one per dialect (`posix.sh`, `bash.bash`,
//! `zsh.zsh`, `fish.fish`, `tcsh.csh`), embedded at build time. Each holds the placeholder
//! `'@AWS_AS@'` (quotes included, so the file stays valid shell for shellcheck and
//! `fish --no-execute`), replaced by the quoted absolute path of the `aws-as` binary;
//! `dispatch.sh` (what `-s` prints) holds `'@AWS_AS_ACTIVATE@'` for this program.
//!
//! The `aws-as` binary is the one next to this executable, or `aws-as` on PATH when there is none.
//! The environment variable `AWS_AS_BIN` overrides that path (for tests and for packagers who
//! install the two binaries in different directories).

use std::ffi::OsString;
use std::path::PathBuf;

use super::{Dialect, Shell, completions};

const POSIX: &str = include_str!("posix.sh");
const BASH: &str = include_str!("bash.bash");
const ZSH: &str = include_str!("zsh.zsh");
const FISH: &str = include_str!("fish.fish");
const TCSH: &str = include_str!("tcsh.csh");
const DISPATCH: &str = include_str!("dispatch.sh");

const BIN_PLACEHOLDER: &str = "'@AWS_AS@'";
/// In bash's and zsh's scripts, the line after which functions are defined at first use.
const LAZY_MARKER: &str = "# @AWS_AS_LAZY@";
const SELF_PLACEHOLDER: &str = "'@AWS_AS_ACTIVATE@'";

/// What to print: one dialect's script, or the Bourne dispatcher of `-s`, or the functions of
/// bash's or zsh's script that are defined at first use (`--rest`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Bourne,
    Dialect(Shell),
    Rest(Shell),
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

/// What `-s` prints. The shell that will evaluate it is the parent of this process: in
/// `eval "$(aws-as-activate -s)"` the shell forks for the substitution and the fork becomes this
/// program. Its script is printed directly when /proc names it bash, zsh or a POSIX sh, sparing
/// the dispatcher's second process (half of what the activation cost a new shell). Anything
/// else (no /proc, as on macOS; a parent that is not a shell) gets the dispatcher, which asks the
/// shell itself.
pub fn bourne_target() -> Target {
    let parent = std::os::unix::process::parent_id();
    let shell = cfg!(target_os = "linux")
        .then(|| std::fs::read_link(format!("/proc/{parent}/exe")).ok())
        .flatten()
        .and_then(|exe| Shell::from_program(exe.to_str()?));
    match shell {
        Some(shell @ (Shell::Bash | Shell::Zsh | Shell::Sh)) => Target::Dialect(shell),
        _ => Target::Bourne,
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

/// The script for `target`, with the binaries' paths quoted for that dialect. `command` gives
/// the definition of aws-as's command line, which fish's and tcsh's completion are made from.
pub fn render(
    target: Target,
    aws_as: &OsString,
    activate: &OsString,
    command: &dyn Fn() -> clap::Command,
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
                Shell::Sh => code_only(POSIX),
                Shell::Bash | Shell::Zsh => {
                    let (now, later) = split_lazy(shell);
                    let stubs = stubs(shell, later, &quote(Dialect::Posix, &utf8(activate)?)?);
                    code_only(&(now.to_string() + &stubs + &completion))
                }
                Shell::Fish => FISH.to_string() + &completion,
                Shell::Csh | Shell::Tcsh => csh_statements(&(TCSH.to_string() + &completion)),
            };
            script.replace(BIN_PLACEHOLDER, &quote(shell.dialect(), &utf8(aws_as)?)?)
        }
        Target::Rest(shell) => {
            let rest = match shell {
                Shell::Bash | Shell::Zsh => split_lazy(shell).1,
                _ => return Err(format!("--rest is for bash and zsh, not {shell:?}")),
            };
            code_only(rest).replace(BIN_PLACEHOLDER, &quote(Dialect::Posix, &utf8(aws_as)?)?)
        }
    })
}

/// bash's or zsh's script cut at [`LAZY_MARKER`]: what the activation defines, and what is
/// defined at first use.
fn split_lazy(shell: Shell) -> (&'static str, &'static str) {
    let script = if shell == Shell::Zsh { ZSH } else { BASH };
    let (now, marked) = script
        .split_once(LAZY_MARKER)
        .expect("bash's and zsh's scripts have the lazy marker");
    // The rest of the marker's line is its comment.
    (now, marked.split_once('\n').map_or("", |(_, later)| later))
}

/// A stub for each function `later` defines: the first one called has the whole of `later`
/// defined (by `aws-as-activate --shell SHELL --rest`, which prints it) and then runs the real
/// function it stood for. Only the parsing moves: what the functions do is what they did.
fn stubs(shell: Shell, later: &str, activate: &str) -> String {
    // zsh parses a whole eval'd text before running it, so only `function NAME` keeps a name
    // from alias expansion there (see zsh.zsh).
    let zsh = shell == Shell::Zsh;
    let name = if zsh { "zsh" } else { "bash" };
    let define = |f: &str, body: &str| {
        if zsh {
            format!("function {f} {{ {body} }}\n")
        } else {
            format!("{f}() {{ {body}; }}\n")
        }
    };
    let load = format!("\\builtin eval \"$(\\command {activate} --shell {name} --rest)\"");
    // `\NAME`: an alias of the user's named like the function is not expanded (zsh expands
    // aliases in the whole eval'd text before the activation's unalias runs).
    let mut out = define("__aws_as_load", &load);
    for line in later.lines() {
        let defined = match shell {
            Shell::Zsh => line
                .strip_prefix("function ")
                .and_then(|l| l.strip_suffix(" {")),
            _ => line.strip_suffix("() {"),
        };
        if let Some(f) = defined {
            out.push_str(&define(f, &format!("\\__aws_as_load && \\{f} \"$@\"")));
        }
    }
    out
}

/// The script without its comment lines, blank lines and indentation: they are for readers of
/// the files, and bash lexes an `eval`'d string slowly enough (about 300 instructions a byte)
/// that they were a fifth of what the activation cost a new shell. The scripts hold no
/// here-document nor a quoted string that spans lines, where either would be text (the
/// real-shell tests run what is printed).
/// The first line, which says what the script is, stays.
fn code_only(script: &str) -> String {
    let mut lines = script.lines();
    let first = lines.next().map(|l| format!("{l}\n")).unwrap_or_default();
    first
        + &lines
            .map(str::trim_start)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
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

    /// A subcommand's output is text for a person (or a command of its own): each wrapper must
    /// run it directly, never capture and eval it as it does a switch's statements.
    #[test]
    fn every_subcommand_passes_through_every_wrapper() {
        let command = crate::cli::command();
        for (shell, script) in [
            ("sh", POSIX),
            ("bash", BASH),
            ("zsh", ZSH),
            ("fish", FISH),
            ("tcsh", TCSH),
        ] {
            for sub in command.get_subcommands() {
                let name = sub.get_name();
                let listed = match shell {
                    "fish" => script.lines().any(|l| {
                        l.trim_start().starts_with("case -h")
                            && l.split_whitespace().any(|w| w == name)
                    }),
                    "tcsh" => script.contains(&format!("\"$__aws_as_1[1]\" == \"{name}\"")),
                    _ => script.lines().any(|l| {
                        l.contains("--version |")
                            && l.split([' ', '|', ')', '(']).any(|w| w == name)
                    }),
                };
                assert!(listed, "{shell}: `aws-as {name}` is not passed through");
            }
        }
    }

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
            &(TCSH.to_string() + &completions::activation(Shell::Tcsh, &crate::cli::command)),
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
