//! The shells: how an environment change ([`Change`]) is written for each family of shells
//! (names checked, never escaped; values quoted by the dialect's own rule), the activation
//! scripts that install `aws-as` in a shell, and tab completion.
//!
//! Every line of shell aws-as prints is kept here, as real files beside the Rust that embeds
//! them (so shellcheck, `zsh -n` and `fish --no-execute` can read them, and whoever edits a
//! generator sees its template):
//! - `mod.rs`, `posix.rs`, `fish.rs`, `csh.rs`: the statements of a switch, per dialect.
//! - `activate/`: `aws-as-activate` and its scripts, one per dialect.
//! - `completions/`: `aws-as completions SHELL`, a generator beside each shell's template, and
//!   the loaders the activation appends.

pub mod activate;
pub mod completions;
mod csh;
mod fish;
mod posix;

use crate::error::{Error, Result};
pub use crate::output::env::Change;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Sh,
    Bash,
    Zsh,
    Fish,
    Csh,
    Tcsh,
}

/// The quoting families: bash and zsh read POSIX statements; tcsh reads csh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Posix,
    Fish,
    Csh,
}

impl Shell {
    pub fn dialect(self) -> Dialect {
        match self {
            Shell::Sh | Shell::Bash | Shell::Zsh => Dialect::Posix,
            Shell::Fish => Dialect::Fish,
            Shell::Csh | Shell::Tcsh => Dialect::Csh,
        }
    }

    /// The shell named by a path or program name such as `$SHELL` (`/usr/bin/zsh`, `-bash`).
    pub fn from_program(program: &str) -> Option<Shell> {
        let base = program.rsplit('/').next().unwrap_or(program);
        match base.trim_start_matches('-') {
            "bash" => Some(Shell::Bash),
            "zsh" => Some(Shell::Zsh),
            "sh" | "dash" | "ash" | "ksh" | "mksh" | "yash" | "posh" => Some(Shell::Sh),
            "fish" => Some(Shell::Fish),
            "csh" => Some(Shell::Csh),
            "tcsh" => Some(Shell::Tcsh),
            _ => None,
        }
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl Dialect {
    /// A value as one word of this dialect, or an error when the dialect cannot carry it.
    pub fn quote(self, value: &str) -> Result<String> {
        match self {
            Dialect::Posix => Ok(posix::quote(value)),
            Dialect::Fish => Ok(fish::quote(value)),
            Dialect::Csh => csh::quote(value),
        }
    }

    /// Statements that apply `change`, each ending with a separator so they survive being joined
    /// onto one line (csh's backquote substitution does that).
    pub fn render(self, change: &Change) -> Result<String> {
        let mut out = String::new();
        for (name, value) in change {
            if !valid_name(name) {
                return Err(Error::new(format!(
                    "internal: invalid variable name {name:?}"
                )));
            }
            let line = match (self, value) {
                (Dialect::Posix, Some(v)) => format!("export {name}={};\n", posix::quote(v)),
                (Dialect::Posix, None) => format!("unset {name};\n"),
                (Dialect::Fish, Some(v)) => format!("set -gx {name} {};\n", fish::quote(v)),
                (Dialect::Fish, None) => format!("set -e {name};\n"),
                (Dialect::Csh, Some(v)) => {
                    let v = csh::quote(v).map_err(|_| {
                        Error::new(format!(
                            "{name} holds a control character, which csh/tcsh cannot receive: remove it from {name} (or the profile), or use another shell"
                        ))
                    })?;
                    format!("setenv {name} {v} ;\n")
                }
                (Dialect::Csh, None) => format!("unsetenv {name} ;\n"),
            };
            out.push_str(&line);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_not_escaped() {
        for bad in ["", "1A", "A-B", "A B", "A;B", "$A"] {
            let change: Change = vec![(Box::leak(bad.to_string().into_boxed_str()), None)];
            assert!(Dialect::Posix.render(&change).is_err(), "{bad:?}");
        }
        assert!(valid_name("AWS_AS_IDENTITY"));
    }

    #[test]
    fn csh_refusal_names_the_variable() {
        let change: Change = vec![("AWS_REGION", Some("eu\nwest".to_string()))];
        let err = Dialect::Csh.render(&change).unwrap_err().to_string();
        assert!(
            err.starts_with("AWS_REGION holds a control character"),
            "{err}"
        );
        assert!(Dialect::Posix.render(&change).is_ok());
    }

    #[test]
    fn shells_from_programs() {
        assert_eq!(Shell::from_program("/usr/bin/zsh"), Some(Shell::Zsh));
        assert_eq!(Shell::from_program("-bash"), Some(Shell::Bash));
        assert_eq!(Shell::from_program("/bin/dash"), Some(Shell::Sh));
        assert_eq!(Shell::from_program("/usr/bin/tcsh"), Some(Shell::Tcsh));
        assert_eq!(Shell::from_program("/usr/bin/nu"), None);
    }
}
