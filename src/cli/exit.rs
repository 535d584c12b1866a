//! How `aws-as` ends: what reaches stdout and stderr, and the exit status, for a command line
//! clap refused (or that asked for help) and for a command's result.

use std::ffi::OsString;
use std::io::Write;

use crate::error::Result;

/// Help and version text (status 0), or a refused command line in one line on stderr (status 2).
pub fn clap_error(e: &clap::Error, args: &[OsString]) -> i32 {
    use clap::error::ErrorKind;
    // With --shell the caller evals stdout (the activation's wrapper always passes it):
    // help and version text must not become shell code there.
    let captured = args.iter().any(|a| {
        a.to_str()
            .is_some_and(|a| a == "--shell" || a.starts_with("--shell="))
    });
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        if captured {
            eprint!("{e}");
        } else {
            let _ = print_out(&e.to_string());
        }
        return 0;
    }
    let text = e.to_string();
    if let Some(line) = run_habit(args) {
        eprintln!("aws-as: {line}");
        return 2;
    }
    // clap's message spans lines ("...not provided:\n  <NAME>\n\nUsage: ..."): one
    // line of it, without the usage, the tips and clap's own pointer to --help that follow.
    let line = text
        .lines()
        .map(str::trim)
        .take_while(|l| {
            !l.starts_with("Usage:")
                && !l.starts_with("tip:")
                && !l.starts_with("For more information")
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    eprintln!(
        "aws-as: {} (see {} --help)",
        line.trim_start_matches("error: "),
        refused_command(&text, args)
    );
    2
}

/// The (sub)command whose help tells how to write what was refused: from clap's usage line
/// ("Usage: aws-as server switch [OPTIONS] <NAME>"), else the first subcommand named on the
/// command line, else aws-as itself.
fn refused_command(text: &str, args: &[OsString]) -> String {
    let from_usage = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage:"))
        .map(|usage| {
            usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| !c.is_empty());
    from_usage.unwrap_or_else(|| {
        let subcommands = super::command();
        let named = args
            .iter()
            .skip(1)
            .filter_map(|a| a.to_str())
            .find(|a| subcommands.find_subcommand(a).is_some());
        match named {
            Some(sub) => format!("aws-as {sub}"),
            None => "aws-as".to_string(),
        }
    })
}

/// aws-vault's habit, `aws-as NAME -- COMMAND…`: the line to type instead. Not run as it
/// stands: through the activation a switch's stdout is evaluated, so a command's output would be.
fn run_habit(args: &[OsString]) -> Option<String> {
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(|a| a.to_str())
        .collect::<Option<_>>()?;
    let dashes = words.iter().position(|w| *w == "--")?;
    let (before, after) = (&words[..dashes], &words[dashes + 1..]);
    // The NAME: the last word before `--` that is neither an option nor an option's value.
    let mut name = None;
    let mut options = Vec::new();
    let mut i = 0;
    while i < before.len() {
        let w = before[i];
        if w == "--shell" {
            i += 2;
            continue;
        }
        if w.starts_with("--shell=") {
            i += 1;
            continue;
        }
        // An MFA code is a secret for its minute: the line to type says CODE, never the code.
        if w == "--mfa-code" || w.starts_with("--mfa-code=") {
            options.extend(["--mfa-code", "CODE"]);
            i += if w.contains('=') { 1 } else { 2 };
            continue;
        }
        if w.starts_with('-') {
            options.push(w);
            if !w.contains('=') && matches!(w, "--duration" | "--region") {
                options.extend(before.get(i + 1));
                i += 1;
            }
        } else if name.is_some() || super::command().find_subcommand(w).is_some() {
            return None;
        } else {
            name = Some(w);
        }
        i += 1;
    }
    let name = name?;
    if after.is_empty() {
        return None;
    }
    let typed: Vec<String> = options
        .iter()
        .chain([&name])
        .chain([&"--"])
        .chain(after)
        .map(|w| word(w))
        .collect();
    Some(format!(
        "a switch takes one NAME and runs no command: to run a command as {}, type: aws-as exec {}",
        crate::output::text::printable(name),
        typed.join(" "),
    ))
}

/// A word as it is typed in sh: bare when nothing in it is special, else single-quoted.
fn word(w: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c);
    if !w.is_empty() && w.chars().all(plain) {
        w.to_string()
    } else {
        crate::output::shell::Dialect::Posix
            .quote(w)
            .unwrap_or_default()
    }
}

/// A command's text on stdout (status 0), or its error on stderr (status 1).
pub fn report(result: Result<String>) -> i32 {
    match result {
        Ok(out) => {
            // Printed only once everything succeeded: on failure stdout stays empty, so an eval of
            // it changes nothing.
            match print_out(&out) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("aws-as: cannot write the output: {e}");
                    1
                }
            }
        }
        Err(e) => {
            eprintln!("aws-as: {e}");
            1
        }
    }
}

/// Writes `text` to stdout. A reader that went away (`aws-as --help | head`) is not an error
/// worth a word, let alone a panic.
fn print_out(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
