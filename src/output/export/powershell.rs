//! `--format powershell`: `$Env:NAME = '…'` statements, one a line.
//!
//! PowerShell's verbatim string (language specification, §2.3.5.2 `verbatim-string-literal`)
//! expands nothing; its only special characters are the single quotes, and it counts five as
//! single quotes: `'` (U+0027) and the typographic U+2018, U+2019, U+201A and U+201B. Inside the
//! string a quote is written twice (`single-quote-character single-quote-character`); each is
//! doubled as itself. A newline is allowed inside a verbatim string, but PowerShell hands a
//! native command's output to `Invoke-Expression` line by line, so CR and LF are written outside
//! the quotes as `[char]13` / `[char]10`, joined with `+` to a string on the left (which makes
//! `+` a concatenation). NUL is refused (no environment holds one), and so is an empty value
//! (assigning '' to an environment variable removes it).

use super::{entries, refused};
use crate::error::Result;
use crate::output::env::Change;

/// The characters PowerShell ends a single-quoted string at.
const SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// `value` as a PowerShell expression on one line, or why it cannot be one.
pub fn quote(value: &str) -> std::result::Result<String, &'static str> {
    if value.is_empty() {
        return Err("nothing (PowerShell removes a variable set to '')");
    }
    if value.contains('\0') {
        return Err("a NUL character");
    }
    let mut out = String::from("'");
    for c in value.chars() {
        match c {
            '\r' | '\n' => {
                out.push_str(&format!("' + [char]{} + '", c as u32));
            }
            c if SINGLE_QUOTES.contains(&c) => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

pub fn render(change: &Change) -> Result<String> {
    let mut out = String::new();
    for (name, value) in entries(change)? {
        match value {
            Some(v) => {
                let v = quote(v).map_err(|why| refused("powershell", name, why))?;
                out.push_str(&format!("$Env:{name} = {v}\n"));
            }
            None => out.push_str(&format!(
                "Remove-Item -LiteralPath Env:{name} -ErrorAction Ignore\n"
            )),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes() {
        assert_eq!(quote("abc").unwrap(), "'abc'");
        assert_eq!(quote("a'b").unwrap(), "'a''b'");
        assert_eq!(quote("$x `y \"z\"").unwrap(), "'$x `y \"z\"'");
        assert_eq!(
            quote("\u{2018}\u{2019}").unwrap(),
            "'\u{2018}\u{2018}\u{2019}\u{2019}'"
        );
        assert_eq!(
            quote("\u{201A}\u{201B}").unwrap(),
            "'\u{201A}\u{201A}\u{201B}\u{201B}'"
        );
        assert_eq!(quote("a\nb").unwrap(), "'a' + [char]10 + 'b'");
        assert_eq!(quote("\r\n").unwrap(), "'' + [char]13 + '' + [char]10 + ''");
        assert!(quote("").is_err());
        assert!(quote("a\0").is_err());
    }

    #[test]
    fn statements() {
        let change: Change = vec![("A", Some("x".to_string())), ("B", None)];
        assert_eq!(
            render(&change).unwrap(),
            "$Env:A = 'x'\nRemove-Item -LiteralPath Env:B -ErrorAction Ignore\n"
        );
    }

    /// The reader of the written definition: a sequence of verbatim strings and `[char]N` joined
    /// by ` + `, read as the specification's grammar says (the property test is in
    /// tests/export.rs; this one checks every quote character on its own).
    #[test]
    fn every_single_quote_is_doubled_as_itself() {
        for q in SINGLE_QUOTES {
            let s = format!("x{q}y");
            let quoted = quote(&s).unwrap();
            let inner = &quoted[1..quoted.len() - 1];
            assert_eq!(inner, format!("x{q}{q}y"));
        }
    }
}
