//! Completion scripts for `aws-as`: printed by `aws-as completions SHELL`, checked in under
//! `completions/`, and appended to what aws-as-activate prints.
//!
//! Each shell's logic is a template beside the Rust that fills it (`bash.bash` beside `bash.rs`);
//! what aws-as accepts (subcommands, options, which options take a value and its possible values,
//! what each positional argument is) is read from clap's definition of the command line (passed
//! in by `cli/`) and written into the template, so a completion cannot drift from the parser.
//! Identity names are not in the scripts: they run `aws-as list --names` when TAB is pressed, so
//! they follow the config.
//!
//! - `mod.rs`: the shells, the entry point, what the activation appends (with the loaders
//!   `loader.bash` and `loader.zsh`).
//! - `spec.rs`: the reader of clap's definition, shared by the generators.
//! - `bash.rs`, `zsh.rs`, `fish.rs`, `tcsh.rs`: what each shell's template is filled with.
//!
//! clap_complete is not used: its scripts are static (they cannot ask `aws-as list --names` for
//! names) and it has no tcsh; its dynamic mode starts the binary for every TAB and is unstable.

mod bash;
mod fish;
mod spec;
mod tcsh;
mod zsh;

use super::Shell;
use spec::Spec;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Tcsh,
}

impl CompletionShell {
    pub const ALL: [CompletionShell; 4] = [
        CompletionShell::Bash,
        CompletionShell::Zsh,
        CompletionShell::Fish,
        CompletionShell::Tcsh,
    ];

    /// The file name the script is installed under (and checked in as, in `completions/`).
    pub fn file_name(self) -> &'static str {
        match self {
            CompletionShell::Bash => "aws-as.bash",
            CompletionShell::Zsh => "_aws-as",
            CompletionShell::Fish => "aws-as.fish",
            CompletionShell::Tcsh => "aws-as.tcsh",
        }
    }
}

/// What `aws-as completions` was asked.
pub struct Options {
    pub shell: CompletionShell,
    /// The command line the script completes: clap's definition of it.
    pub command: fn() -> clap::Command,
}

/// `aws-as completions SHELL`: the [`script`] for SHELL.
pub fn run(options: &Options, _: Option<crate::session::Connect>) -> crate::error::Result<String> {
    Ok(script(options.shell, &(options.command)()))
}

/// The completion script for `shell`, for the command line `command` defines.
pub fn script(shell: CompletionShell, command: &clap::Command) -> String {
    let spec = Spec::from_clap(command);
    let (template, generated) = match shell {
        CompletionShell::Bash => (bash::TEMPLATE, bash::generate(&spec)),
        CompletionShell::Zsh => (zsh::TEMPLATE, zsh::generate(&spec)),
        CompletionShell::Fish => (fish::TEMPLATE, fish::generate(&spec)),
        CompletionShell::Tcsh => (tcsh::TEMPLATE, tcsh::generate(&spec)),
    };
    fill(template, &generated)
}

/// What aws-as-activate appends for `shell`: completion where the shell has a completion system,
/// nothing for sh; csh, which has no `complete`, never. Defining completions starts no process.
/// bash and zsh get a loader that defines the real completion (what `aws-as completions SHELL`
/// prints) at the first TAB: parsing its 200 lines at every shell start was a third of what the
/// activation cost a new shell. zsh gets it only when compinit has run (compdef exists). fish and
/// tcsh get the whole script: their activation is not measured against a budget, and fish
/// autoloads nothing from a pipe.
pub fn activation(shell: Shell, command: &dyn Fn() -> clap::Command) -> String {
    match shell {
        Shell::Sh => String::new(),
        Shell::Bash => BASH_LOADER.to_string(),
        Shell::Zsh => ZSH_LOADER.to_string(),
        Shell::Fish => script(CompletionShell::Fish, &command()),
        Shell::Csh | Shell::Tcsh => script(CompletionShell::Tcsh, &command()),
    }
}

/// The loaders: `_aws_as` (bash) or `_aws-as` (zsh) that defines the real one from
/// `aws-as completions SHELL` and completes the TAB that called it.
const BASH_LOADER: &str = include_str!("loader.bash");
const ZSH_LOADER: &str = include_str!("loader.zsh");

/// Replaces the template's marker line (`@GENERATED@` in a comment) with `generated`.
fn fill(template: &str, generated: &str) -> String {
    let mut out = String::new();
    let mut filled = false;
    for line in template.lines() {
        if line.contains("@GENERATED@") {
            out.push_str(generated);
            filled = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(filled, "completion template without its @GENERATED@ line");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_have_no_marker_left() {
        for shell in CompletionShell::ALL {
            assert!(
                !script(shell, &crate::cli::command()).contains("@GENERATED@"),
                "{shell:?}"
            );
        }
    }
}
