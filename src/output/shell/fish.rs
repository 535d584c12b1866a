//! fish: inside `'…'` only `\\` and `\'` are escapes, so POSIX quoting breaks on a backslash.
//! Control characters cannot be written inside quotes; they go outside as `\xHH` escapes.

pub fn quote(value: &str) -> String {
    let mut out = String::from("'");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                out.push_str(&format!("'\\x{:02x}'", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes() {
        assert_eq!(super::quote(r"a\b"), r"'a\\b'");
        assert_eq!(super::quote("a'b"), r"'a\'b'");
        assert_eq!(super::quote("a\nb"), r"'a'\x0a'b'");
    }
}
