//! POSIX sh, bash, zsh: single quotes, with `'` written as `'\''`. Never `$'…'`: dash rejects it.

pub fn quote(value: &str) -> String {
    if value.is_empty() {
        return "''".to_string();
    }
    // shell-escape leaves "safe" words bare; we always quote so `{a,b}`, `*` and `~` stay inert
    // under every option a user may have (zsh's brace_ccl, extended_glob…).
    let escaped = shell_escape::unix::escape(value.into());
    if escaped.starts_with('\'') {
        escaped.into_owned()
    } else {
        format!("'{escaped}'")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes() {
        assert_eq!(super::quote("abc"), "'abc'");
        assert_eq!(super::quote(""), "''");
        assert_eq!(super::quote("a'b"), r"'a'\''b'");
        assert_eq!(super::quote("$(x)"), "'$(x)'");
    }
}
