//! csh / tcsh: single quotes, but `!` expands history even inside them in an interactive shell, so
//! it is written outside as `\!`. A newline cannot survive backquote substitution, so control
//! characters are refused. A backslash is literal inside single quotes.

use crate::error::{Error, Result};

pub fn quote(value: &str) -> Result<String> {
    if value.chars().any(|c| c.is_control()) {
        return Err(Error::new(
            "a value holds a control character, which csh/tcsh cannot receive: use another shell for this identity",
        ));
    }
    let mut out = String::from("'");
    for c in value.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            '!' => out.push_str("'\\!'"),
            // tcsh reads `\'` inside quotes as an escape when it ends the word: keep `\` outside.
            '\\' => out.push_str("'\\\\'"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes() {
        assert_eq!(super::quote("a!b").unwrap(), r"'a'\!'b'");
        assert_eq!(super::quote("a'b").unwrap(), r"'a'\''b'");
        assert_eq!(super::quote("a\\").unwrap(), r"'a'\\''");
        assert!(super::quote("a\nb").is_err());
    }
}
