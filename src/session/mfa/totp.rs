//! MFA codes from a TOTP secret kept in the profile (`aws_as_mfa_totp_secret`): RFC 6238 with
//! HMAC-SHA-1, 30-second steps and 6 digits, the only kind an AWS virtual MFA device issues.
//!
//! The secret is as sensitive as the long-term keys it sits next to: it never reaches `Debug`, a
//! message or a log, and aws-as refuses it from a file that other users can read.

use std::os::unix::fs::MetadataExt;

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::error::{Error, Result};
use crate::identity::{TotpSecret, profile_file_paths};

/// Seconds one code is valid for (RFC 6238's default, and AWS's).
pub const STEP: u64 = 30;
pub const DIGITS: u32 = 6;

/// The code for the step `unix_time` falls in, after checking that no other user can read the
/// file the secret is kept in.
pub fn code_at(secret: &TotpSecret, unix_time: u64) -> Result<String> {
    check_files(secret)?;
    let key = base32_decode(secret.text())
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            Error::new(format!(
                "profile {:?}: aws_as_mfa_totp_secret is not base32 (letters A-Z, digits 2-7): \
                 copy the secret your MFA device was set up with",
                secret.profile
            ))
        })?;
    Ok(format!(
        "{:0width$}",
        totp(&key, unix_time, DIGITS),
        width = DIGITS as usize
    ))
}

/// Refuses the secret when a file that holds it can be read by others: a TOTP secret there
/// hands the second factor to every account on the machine. The files are the ones aws-config
/// read; the one holding the secret is the one its text appears in, so no second parser
/// decides which profile lives where.
fn check_files(secret: &TotpSecret) -> Result<()> {
    for path in profile_file_paths() {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let holds_it = std::fs::read_to_string(&path)
            .map(|text| text.contains(secret.text()))
            .unwrap_or(false);
        if holds_it && meta.mode() & 0o044 != 0 {
            bail!(
                "refusing the aws_as_mfa_totp_secret of profile {:?}: other users can read {} \
                     (mode {:o}); run chmod 600 {}",
                secret.profile,
                path.display(),
                meta.mode() & 0o7777,
                path.display()
            );
        }
    }
    Ok(())
}

/// RFC 6238: the HOTP value of the step `unix_time` falls in.
pub fn totp(key: &[u8], unix_time: u64, digits: u32) -> u32 {
    hotp(key, unix_time / STEP, digits)
}

/// RFC 4226: HMAC-SHA-1 of the big-endian counter, dynamically truncated to `digits` digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let word = u32::from_be_bytes(hash[offset..offset + 4].try_into().expect("4 bytes"));
    (word & 0x7fff_ffff) % 10u32.pow(digits)
}

/// RFC 4648 base32, as authenticator apps show secrets: case-insensitive, spaces ignored, `=`
/// padding optional. `None` for any other character, or a length no encoding produces.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut bits, mut count, mut chars) = (0u64, 0u32, 0usize);
    let mut padding = false;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if c == '=' {
            padding = true;
            continue;
        }
        if padding {
            return None; // data after padding
        }
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u64 - 'A' as u64,
            c @ '2'..='7' => c as u64 - '2' as u64 + 26,
            _ => return None,
        };
        bits = (bits << 5) | value;
        count += 5;
        chars += 1;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    // 1, 3 or 6 characters past a multiple of 8 leave bits that make no whole byte.
    matches!(chars % 8, 0 | 2 | 4 | 5 | 7).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, the SHA-1 rows.
    #[test]
    fn rfc6238_sha1_vectors() {
        let key = b"12345678901234567890";
        for (time, code) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(totp(key, time, 8), code, "T = {time}");
        }
    }

    /// The 6-digit code is the same truncation, taken modulo 10^6 (RFC 4226 appendix D).
    #[test]
    fn rfc4226_six_digit_vectors() {
        let key = b"12345678901234567890";
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.into_iter().enumerate() {
            assert_eq!(hotp(key, counter as u64, 6), code, "counter {counter}");
        }
    }

    /// RFC 4648 section 10.
    #[test]
    fn rfc4648_base32_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ] {
            assert_eq!(
                base32_decode(encoded).as_deref(),
                Some(plain.as_bytes()),
                "{encoded}"
            );
        }
    }

    #[test]
    fn base32_as_people_paste_it() {
        let foobar = Some(b"foobar".to_vec());
        assert_eq!(base32_decode("mzxw6ytboi"), foobar);
        assert_eq!(base32_decode("MZXW 6YTB OI== ===="), foobar);
        assert_eq!(base32_decode(" mzxw\t6ytb oi "), foobar);
        for bad in ["MZXW6YTB1", "MZXW6YTB0I", "MZ=XW", "MZXW6YTBO", "M", "MZX"] {
            assert_eq!(base32_decode(bad), None, "{bad}");
        }
    }
}
