//! POSIX sh, bash, zsh: single quotes, with `'` written as `'\''`. Never `$'…'`: dash rejects it.

/// Always quoted, even a "safe" word, so `{a,b}`, `*` and `~` stay inert under every option a
/// user may have (zsh's brace_ccl, extended_glob…). Inside single quotes every byte but `'` is
/// itself, so this is the whole rule. Written here rather than with shell-escape, which scans
/// each value for its safe set first and was a sixth of a cache hit's instructions.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for (i, part) in value.split('\'').enumerate() {
        if i > 0 {
            out.push_str(r"'\''");
        }
        out.push_str(part);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes() {
        assert_eq!(super::quote("abc"), "'abc'");
        assert_eq!(super::quote(""), "''");
        assert_eq!(super::quote("a'b"), r"'a'\''b'");
        assert_eq!(super::quote("$(x)"), "'$(x)'");
        assert_eq!(super::quote("'"), r"''\'''");
        assert_eq!(super::quote("''a"), r"''\'''\''a'");
    }
}
