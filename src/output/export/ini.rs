//! `--format ini`: a section of a shared credentials file (`~/.aws/credentials`), as the SDKs,
//! botocore and Python's configparser read it.
//!
//! The expiry is written as `x_security_token_expires` (RFC 3339): SDKs ignore the key, and it
//! is the one saml2aws and others write and starship's `aws` module reads (starship also reads
//! `expiration`; it tries that first). A value is one line with no whitespace, `#`, `;` or `%`:
//! every reader strips the blanks around a value, some take ` #` or ` ;` as the start of a
//! comment, and configparser's default interpolation reads `%`. Credentials never hold these;
//! a value that does is refused.

use super::refused;
use crate::error::{Error, Result};
use crate::session::{Credentials, rfc3339};

/// A section name the AWS profile parser keeps (it skips any other): as the profile names
/// aws-as reads.
pub fn check_section(section: &str) -> Result<()> {
    if !section.is_empty()
        && section
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
    {
        Ok(())
    } else {
        Err(Error::new(format!(
            "--section {:?} is not a profile name: use only letters, digits and _ - / . % @ : +",
            section.escape_debug().to_string()
        )))
    }
}

/// Why `value` cannot be an ini value as it is, if it cannot.
pub fn check(value: &str) -> std::result::Result<(), &'static str> {
    if value.is_empty() {
        Err("nothing")
    } else if value.chars().any(|c| c.is_control()) {
        Err("a control character")
    } else if value.chars().any(char::is_whitespace) {
        Err("whitespace")
    } else if value.contains(['#', ';', '%']) {
        Err("a # ; or % (comment and interpolation characters in ini readers)")
    } else {
        Ok(())
    }
}

pub fn render(section: &str, credentials: &Credentials) -> Result<String> {
    check_section(section)?;
    let expiration = rfc3339(credentials.expiration);
    let pairs = [
        ("aws_access_key_id", credentials.access_key_id.as_str()),
        (
            "aws_secret_access_key",
            credentials.secret_access_key.as_str(),
        ),
        ("aws_session_token", credentials.session_token.as_str()),
        ("x_security_token_expires", expiration.as_str()),
    ];
    let mut out = format!("[{section}]\n");
    for (key, value) in pairs {
        check(value).map_err(|why| refused("ini", key, why))?;
        out.push_str(&format!("{key} = {value}\n"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(token: &str) -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLE".to_string(),
            secret_access_key: "s/e+c=".to_string(),
            session_token: token.to_string(),
            expiration: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            arn: None,
        }
    }

    #[test]
    fn a_section() {
        assert_eq!(
            render("dev", &credentials("tok/+=")).unwrap(),
            "[dev]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = s/e+c=\n\
             aws_session_token = tok/+=\nx_security_token_expires = 2027-01-15T08:00:00Z\n"
        );
    }

    #[test]
    fn what_readers_would_change_is_refused() {
        for bad in ["", "a b", "a\nb", " a", "a#b", "a;b", "a%b", "a\u{85}"] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
        assert!(render("dev", &credentials("a\n[evil]")).is_err());
        for bad in ["", "a]b", "a b", "a\nb", "[x"] {
            assert!(check_section(bad).is_err(), "{bad:?}");
        }
        assert!(check_section("my-role1-dev@x:y/z.%+").is_ok());
    }
}
