//! `--format windows-cmd`: `@set "NAME=value"` statements for cmd.exe (a batch file, or pasted
//! at its prompt), CRLF line ends.
//!
//! In `set "NAME=value"` the quotes make `& | < > ^ ( )` literal, and `set` takes the text up to
//! the last quote. `@` keeps a batch file from echoing the line, and with it the secret. What cmd
//! does before the quotes count, it does inside them too, and has no escape for there:
//! - `%`: `%NAME%` expands inside quotes; a batch file reads `%%` as `%` but the prompt does not,
//!   so no spelling means the same in both;
//! - `!`: with delayed expansion on (`cmd /V:ON`, `setlocal EnableDelayedExpansion`, a registry
//!   default) `!NAME!` expands, inside quotes too, and a lone `!` vanishes;
//! - `"`: a quote in the value ends the quoted part, and a `&` after it runs a command;
//! - a newline or any other control character: a line is a command;
//! - a character outside ASCII: cmd reads a batch file in the console's code page, not UTF-8;
//! - nothing: `set "NAME="` removes the variable;
//! - more than 8191 characters: cmd's longest command line.
//!
//! Such values are refused. A variable to unset is `@set "NAME="`, which removes it quietly.

use super::{entries, refused};
use crate::error::Result;
use crate::output::env::Change;

/// The longest command line cmd.exe reads.
const MAX_LINE: usize = 8191;

/// Why `value` cannot stand in `set "NAME=value"`, if it cannot.
pub fn check(value: &str) -> std::result::Result<(), &'static str> {
    if value.is_empty() {
        Err("nothing (cmd removes a variable set to nothing)")
    } else if value.contains('%') {
        Err("a % (cmd expands %NAME% inside quotes)")
    } else if value.contains('!') {
        Err("a ! (cmd's delayed expansion reads !NAME! inside quotes)")
    } else if value.contains('"') {
        Err("a double quote (it would end the quoted value)")
    } else if value.chars().any(|c| c.is_ascii_control()) {
        Err("a control character")
    } else if !value.is_ascii() {
        Err("a character outside ASCII (cmd reads a batch file in the console's code page)")
    } else {
        Ok(())
    }
}

pub fn render(change: &Change) -> Result<String> {
    let mut out = String::new();
    for (name, value) in entries(change)? {
        let line = match value {
            Some(v) => {
                check(v).map_err(|why| refused("windows-cmd", name, why))?;
                format!("@set \"{name}={v}\"")
            }
            None => format!("@set \"{name}=\""),
        };
        if line.len() > MAX_LINE {
            return Err(refused(
                "windows-cmd",
                name,
                "a value longer than cmd reads in a line (8191 characters)",
            ));
        }
        out.push_str(&line);
        out.push_str("\r\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements() {
        let change: Change = vec![("A", Some("x&y|z<>^()".to_string())), ("B", None)];
        assert_eq!(
            render(&change).unwrap(),
            "@set \"A=x&y|z<>^()\"\r\n@set \"B=\"\r\n"
        );
    }

    #[test]
    fn what_cmd_would_expand_or_split_is_refused() {
        for bad in [
            "",
            "a%b",
            "%PATH%",
            "a!b",
            "a\"&calc&\"",
            "a\nb",
            "a\rb",
            "a\tb",
            "\u{7f}",
            "é",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
        let long: Change = vec![("A", Some("x".repeat(MAX_LINE)))];
        assert!(render(&long).is_err());
        let fits: Change = vec![("A", Some("x".repeat(MAX_LINE - "@set \"A=\"".len())))];
        assert!(render(&fits).is_ok());
    }
}
