//! `--format env-no-export`: `NAME=value` lines for `docker run --env-file`.
//!
//! docker's reader (docker/cli pkg/kvfile, `parseKeyValueFile`) takes each line as it is: it
//! strips the line's leading whitespace, skips `#` lines, splits at the first `=`, and keeps the
//! value byte for byte, quotes included. It has no quoting, so a value is written bare or not at
//! all. Refused: a newline (it ends the line), a carriage return (its line scanner drops one at
//! the end of a line), NUL (no environment holds one), leading or trailing whitespace (docker
//! keeps it, but other readers of env-files and editors trim it), and a line longer than its
//! scanner's 64 KiB buffer. A variable to unset has no line: a bare `NAME` would copy the
//! host's value instead, and a container starts without the host's environment anyway.

use super::{entries, refused};
use crate::error::Result;
use crate::output::env::Change;

/// bufio.MaxScanTokenSize: a longer line (its newline included) fails the whole file.
const MAX_LINE: usize = 64 * 1024 - 1;

/// Why `value` cannot be written bare, if it cannot.
pub fn check(value: &str) -> std::result::Result<(), &'static str> {
    if value.contains('\n') {
        Err("a newline")
    } else if value.contains('\r') {
        Err("a carriage return")
    } else if value.contains('\0') {
        Err("a NUL character")
    } else if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        Err("leading or trailing whitespace")
    } else {
        Ok(())
    }
}

pub fn render(change: &Change) -> Result<String> {
    let mut out = String::new();
    for (name, value) in entries(change)? {
        let Some(value) = value else { continue };
        check(value).map_err(|why| refused("env-no-export", name, why))?;
        let line = format!("{name}={value}");
        if line.len() > MAX_LINE {
            return Err(refused(
                "env-no-export",
                name,
                "a value longer than docker reads in a line (64 KiB)",
            ));
        }
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_are_written_bare() {
        let change: Change = vec![
            ("A", Some("x=y'\"$(z) #1".to_string())),
            ("B", None),
            ("C", Some(String::new())),
        ];
        assert_eq!(render(&change).unwrap(), "A=x=y'\"$(z) #1\nC=\n");
    }

    #[test]
    fn what_docker_would_mangle_is_refused() {
        for bad in ["a\nb", "a\r", "a\rb", "a\0b", " a", "a ", "\ta", "a\u{a0}"] {
            assert!(check(bad).is_err(), "{bad:?}");
            let change: Change = vec![("AWS_SESSION_TOKEN", Some(bad.to_string()))];
            let err = render(&change).unwrap_err().to_string();
            assert!(err.starts_with("AWS_SESSION_TOKEN holds "), "{err}");
            assert!(!err.contains(bad), "the value is not in the message: {err}");
        }
        let long: Change = vec![("A", Some("x".repeat(MAX_LINE)))];
        assert!(render(&long).is_err());
        let fits: Change = vec![("A", Some("x".repeat(MAX_LINE - 2)))];
        assert!(render(&fits).is_ok());
    }
}
