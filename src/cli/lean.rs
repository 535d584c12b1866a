//! The lean `aws-as`'s hand-off: the switch read without clap ([`quick_parse`]), and the whole
//! command line handed to `aws-as-sts` ([`delegate`]) when the command needs it
//! ([`crate::error::Error::needs_sts`]).

use std::ffi::OsString;

use super::args::{Cli, RegionArg, SessionArgs};
use crate::output::shell::Shell;

/// The subcommands' names (clap's `help` among them): a word that is one of them is never read
/// as a NAME by [`quick_parse`]. A unit test holds this to clap's definition.
const SUBCOMMANDS: [&str; 14] = [
    "exec",
    "credential-process",
    "write",
    "refresh",
    "export",
    "login",
    "serve",
    "server",
    "sso",
    "keys",
    "list",
    "completions",
    "doctor",
    "help",
];

/// The invocation of every switch, `aws-as [--shell D] NAME` (the shell function always runs it
/// so), read without clap: building clap's definition of the whole command line was about a third
/// of a cache hit's instructions. Anything else, or anything unusual in these words (an option, a
/// name that starts with `-` or is a subcommand's), is `None` and goes to clap; a unit test
/// checks that the two read every such command line alike.
pub fn quick_parse(args: &[OsString]) -> Option<Cli> {
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(|a| a.to_str())
        .collect::<Option<_>>()?;
    let (shell, name) = match words.as_slice() {
        [name] => (None, *name),
        ["--shell", dialect, name] => (Some(*dialect), *name),
        [option, name] => (Some(option.strip_prefix("--shell=")?), *name),
        _ => return None,
    };
    if (name.starts_with('-') && name != "-") || SUBCOMMANDS.contains(&name) {
        return None;
    }
    let shell = match shell {
        Some(dialect) => Some(<Shell as clap::ValueEnum>::from_str(dialect, false).ok()?),
        None => None,
    };
    Some(Cli {
        command: None,
        name: Some(name.to_string()),
        pick: false,
        shell,
        session: SessionArgs::default(),
        region: RegionArg::default(),
    })
}

/// The binary that has the STS client, next to this one.
const FULL_BINARY: &str = "aws-as-sts";
/// Set by `aws-as` for the `aws-as-sts` it execs, which removes it at once (so that nothing it
/// runs, an `exec` command, a nested aws-as, inherits it).
pub const DELEGATED: &str = "AWS_AS_DELEGATED";

/// Hands the whole command line to `aws-as-sts` (same arguments, same environment): this process
/// becomes it, so its output, exit status and terminal are the user's as if they had run it.
pub fn delegate(args: &[OsString]) -> i32 {
    use std::os::unix::process::CommandExt;
    let path = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(FULL_BINARY)))
        .unwrap_or_else(|| FULL_BINARY.into());
    // aws-as-sts never delegates, so seeing the mark here means the file named aws-as-sts is a
    // copy of this lean binary: without the mark every miss would exec it again, forever.
    if std::env::var_os(DELEGATED).is_some() {
        eprintln!(
            "aws-as: {} cannot make new sessions (it is a copy of aws-as, not aws-as-sts): reinstall aws-as",
            path.display()
        );
        return 1;
    }
    let e = std::process::Command::new(&path)
        .arg0("aws-as")
        .args(args.iter().skip(1))
        .env(DELEGATED, "1")
        .exec();
    eprintln!(
        "aws-as: cannot run {} for a new session ({e}): it is installed next to aws-as; reinstall aws-as",
        path.display()
    );
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    use crate::cli::args::command;

    #[test]
    fn the_quick_reading_is_clap_s() {
        // Built, so that clap's own `help` subcommand is there.
        let mut built = command();
        built.build();
        let subcommands: Vec<String> = built
            .get_subcommands()
            .flat_map(|c| std::iter::once(c.get_name()).chain(c.get_all_aliases()))
            .map(str::to_string)
            .collect();
        let mut mine: Vec<String> = SUBCOMMANDS.iter().map(|s| s.to_string()).collect();
        let mut theirs = subcommands.clone();
        mine.sort();
        theirs.sort();
        assert_eq!(mine, theirs, "SUBCOMMANDS must list clap's subcommands");

        let mut words: Vec<&str> = vec![
            "my-role1-dev",
            "-",
            "--",
            "",
            " ",
            "-x",
            "--shell",
            "--shell=",
            "--shell=fish",
            "--shell=pwsh",
            "fish",
            "tcsh",
            "Bash",
            "--region",
            "eu-west-1",
            "-h",
            "--help",
            "-V",
            "a b",
            "a=b",
            "--mfa-code",
            "123456",
            "x$(y)",
            "'",
            "--no-input",
            "-s",
        ];
        words.extend(subcommands.iter().map(String::as_str));
        let mut lines: Vec<Vec<&str>> = Vec::new();
        for a in &words {
            lines.push(vec![a]);
            for b in &words {
                lines.push(vec![a, b]);
                for c in &words {
                    lines.push(vec![a, b, c]);
                }
            }
        }
        let mut quick = 0;
        for line in lines {
            let args: Vec<OsString> = std::iter::once("aws-as")
                .chain(line.iter().copied())
                .map(OsString::from)
                .collect();
            if let Some(cli) = quick_parse(&args) {
                quick += 1;
                let by_clap = Cli::try_parse_from(&args).unwrap_or_else(|e| {
                    panic!("{line:?}: clap refuses what quick_parse took: {e}")
                });
                assert_eq!(format!("{cli:?}"), format!("{by_clap:?}"), "{line:?}");
            }
        }
        assert!(quick > 40, "quick_parse took only {quick} command lines");
    }
}
