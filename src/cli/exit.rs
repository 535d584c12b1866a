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
    // clap's message spans lines ("...not provided:\n  <NAME>\n\nUsage: ..."): one
    // line of it, without the usage and tips that follow.
    let text = e.to_string();
    let line = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("tip:"))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    eprintln!(
        "aws-as: {} (see aws-as --help)",
        line.trim_start_matches("error: ")
    );
    2
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
