//! Reading what a terminal showed (escape sequences removed) and panic messages with anything
//! that looks like a secret masked.

/// Removes CSI (`ESC [ … letter`), OSC (`ESC ] … BEL`) and two-character escape sequences.
pub fn strip_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('[') => {
                for c in it.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                for c in it.by_ref() {
                    if c == '\x07' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `text` with every run of 20 or more base64 characters masked, for panic messages: those runs
/// are what secret keys and session tokens look like, and what this test does not know yet (the
/// sessions are read back at the end) it cannot mask by value. Paths, ARNs and messages survive.
pub fn redact(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once('\n')) {
        if c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=') {
            run.push(c);
            continue;
        }
        if run.len() >= 20 {
            out.push_str(&format!("<{} chars redacted>", run.len()));
        } else {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}
