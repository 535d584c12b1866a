//! A short part of what an endpoint answered, fit for an error message: one line, bounded, no
//! control character (a body could hold terminal escapes), and no secret.
//!
//! What may come back in a body that is not a plain STS error: STS's own answer cut short or
//! mangled by a proxy (with the new `SecretAccessKey` and `SessionToken` in it), a proxy's or a
//! test server's page echoing the request (the `X-Amz-Security-Token` header aws-as signed with,
//! or a form body), a captive portal's HTML. So: the secrets the call used are cut out by value;
//! the content of an element named for a secret (`<SessionToken>`, `<SecretAccessKey>`…) goes;
//! and any long run of key-like characters (base64, percent-encoded) that no message of words
//! and ARNs holds goes too. Tags are dropped: the text of an HTML page is what a person reads.

/// The most characters an excerpt has: room for an AccessDenied naming two long ARNs.
pub const MAX_CHARS: usize = 300;

const HIDDEN: &str = "[hidden]";

/// Element names whose content is a secret (matched case-insensitively, in part).
const SECRET_ELEMENTS: [&str; 4] = ["secret", "token", "password", "credential"];

/// `body`, made safe to show: see the module's comment. `secrets` are the values the call used.
pub fn excerpt(body: &[u8], secrets: &[&str]) -> String {
    let mut text = String::from_utf8_lossy(body).into_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 6) {
        text = text.replace(secret, HIDDEN);
    }
    let text = without_tags(&text);
    let text = without_long_runs(&text);
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    if line.chars().count() <= MAX_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// The text between tags, the content of secret-named elements hidden, control characters
/// turned into spaces. A tag is `<` and a name (or `/`, `!`, `?`) up to the next `>`; any other
/// `<` is text.
fn without_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut hide = false;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        let tag = after
            .find('>')
            .map(|j| &after[..j])
            .filter(|t| !t.contains('<'))
            .filter(|t| t.starts_with(|c: char| c.is_ascii_alphabetic() || "/!?".contains(c)));
        let Some(tag) = tag else {
            push_text(&mut out, &rest[..=i], hide);
            rest = after;
            continue;
        };
        push_text(&mut out, &rest[..i], hide);
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let opening = !tag.starts_with('/') && !tag.ends_with('/');
        hide = opening && SECRET_ELEMENTS.iter().any(|s| name.contains(s));
        out.push(' ');
        rest = &after[tag.len() + 1..];
    }
    push_text(&mut out, rest, hide);
    out
}

fn push_text(out: &mut String, text: &str, hide: bool) {
    if hide && !text.trim().is_empty() {
        out.push_str(HIDDEN);
        return;
    }
    out.extend(text.chars().map(|c| if c.is_control() { ' ' } else { c }));
}

/// Runs of characters a key, a token or its percent-encoding is made of, long enough to be
/// one: 20 or more with both letters and digits (an access key id, a secret key, a token), or 48
/// or more of any of them. Words, ARNs (cut by `:`, `-`, `@`) and request ids are shorter.
fn without_long_runs(text: &str) -> String {
    let key_like = |c: char| c.is_ascii_alphanumeric() || "+/=%".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let n = run.chars().count();
        let letters = run.chars().any(|c| c.is_ascii_alphabetic());
        let digits = run.chars().any(|c| c.is_ascii_digit());
        if (n >= 20 && letters && digits) || n >= 48 {
            out.push_str(HIDDEN);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if key_like(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_short_line_without_control_characters() {
        assert_eq!(excerpt(b"InternalFailure", &[]), "InternalFailure");
        assert_eq!(
            excerpt(b"line one\r\n\x1b[31mred\x1b[0m\tand\x07 more", &[]),
            "line one [31mred [0m and more"
        );
        assert_eq!(excerpt(b"", &[]), "");
        assert_eq!(excerpt(b"\xff\xfe bytes", &[]), "\u{fffd}\u{fffd} bytes");
        let long = "word ".repeat(100);
        let cut = excerpt(long.as_bytes(), &[]);
        assert_eq!(cut.chars().count(), MAX_CHARS);
        assert!(cut.ends_with('…'));
        assert!(!cut.contains('\n'));
    }

    #[test]
    fn pages_show_their_text() {
        assert_eq!(
            excerpt(
                b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>",
                &[]
            ),
            "502 Bad Gateway 502 Bad Gateway nginx"
        );
        assert_eq!(excerpt(b"<<<not xml", &[]), "<<<not xml");
        assert_eq!(excerpt(b"a < b > c", &[]), "a < b > c");
    }

    #[test]
    fn secrets_never_show() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let token = "FwoGZXIvYXdzEBYaDHqa0AP1/ZIu2X3ErSKwAVDiUd+2Lq5/eXAMPLEtoken==";
        // STS's answer, cut short by a proxy.
        let body = format!(
            "<GetSessionTokenResponse><GetSessionTokenResult><Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{token}</Sess"
        );
        let shown = excerpt(body.as_bytes(), &[]);
        assert!(
            !shown.contains("wJalr") && !shown.contains("FwoG"),
            "{shown}"
        );
        // A page echoing the request: headers, the form, percent-encoded.
        let encoded = token
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D");
        let body = format!(
            "echo: X-Amz-Security-Token: {token}\nbody: Action=AssumeRole&Token={encoded}&Secret=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
        );
        let shown = excerpt(body.as_bytes(), &[]);
        for part in token.split(['/', '+', '=']).filter(|p| p.len() > 4) {
            assert!(!shown.contains(part), "{part} in {shown}");
        }
        assert!(!shown.contains("abcdefghijklmnop"), "{shown}");
        // A short secret the call used, whatever it looks like.
        let shown = excerpt(
            b"you sent user1secret/EXAMPLEKEY+abc",
            &["user1secret/EXAMPLEKEY+abc"],
        );
        assert_eq!(shown, "you sent [hidden]");
    }

    #[test]
    fn messages_of_words_and_arns_are_kept() {
        for message in [
            "User: arn:aws:sts::111111111111:assumed-role/my-role1/my-user1@dev is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/my-role2",
            "MultiFactorAuthentication failed with invalid MFA one time pass code.",
            "Request ID: c6104cbe-af31-11e0-8154-cbc7ccf896c7",
            "STS is not activated in this region for account:111111111111.",
        ] {
            assert_eq!(excerpt(message.as_bytes(), &[]), message);
        }
    }
}
