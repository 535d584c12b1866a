//! `aws-as-activate`: its command line (`args.rs`) to the activation script of the right dialect.

use std::ffi::OsString;

use clap::Parser;

use super::args::{ActivateCli, command};
use crate::output::shell::Shell;
use crate::output::shell::activate::{self, Target};

/// Entry point of the `aws-as-activate` binary; returns the exit code.
pub fn activate_main() -> i32 {
    run(std::env::args_os().collect())
}

fn run(args: Vec<OsString>) -> i32 {
    let cli = match ActivateCli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                print!("{e}");
                return 0;
            }
            let text = e.to_string();
            let line = text.lines().next().unwrap_or("invalid arguments");
            let line = line.strip_prefix("error: ").unwrap_or(line);
            eprintln!("aws-as-activate: {line}");
            return 2;
        }
    };
    let target = if cli.sh {
        activate::bourne_target()
    } else if cli.csh {
        Target::Dialect(Shell::Tcsh)
    } else if let Some(shell) = cli.shell {
        if cli.rest {
            Target::Rest(shell)
        } else {
            Target::Dialect(shell)
        }
    } else {
        match activate::target_from_shell_var(std::env::var_os("SHELL")) {
            Target::Bourne => activate::bourne_target(),
            target => target,
        }
    };
    match activate::render(
        target,
        &activate::aws_as_path(),
        &activate::self_path(),
        &command,
    ) {
        Ok(script) => {
            print!("{script}");
            0
        }
        Err(e) => {
            eprintln!("aws-as-activate: {e}");
            2
        }
    }
}
