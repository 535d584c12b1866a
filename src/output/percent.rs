//! Percent-encoding for URLs the outputs build: an identity's name as one path segment of the
//! ECS endpoint, and the console sign-in's query values.

/// `s` with every byte but the unreserved ones (RFC 3986: letters, digits, `-._~`)
/// percent-encoded: safe as one path segment or one query component, so `/`, `%`, `@`, `:` and
/// `+` in a profile name survive every client's URL handling.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn only_unreserved_bytes_stay() {
        assert_eq!(encode("my-role1-dev"), "my-role1-dev");
        assert_eq!(encode("a/b%c@d:e+f g"), "a%2Fb%25c%40d%3Ae%2Bf%20g");
        assert_eq!(encode("a b/+=~"), "a%20b%2F%2B%3D~");
        assert_eq!(encode("é"), "%C3%A9");
    }
}
