//! Where an MFA code comes from, first that applies: `--mfa-code`, the profile's `mfa_process`,
//! its `aws_as_mfa_totp_secret`, else a prompt on the controlling terminal. How far aws-as may go
//! for one is decided once per command, as the request's [`Ask`]. Only a person at the terminal
//! gets another try when STS rejects the code: the other sources would give the same wrong answer
//! again.
//!
//! - `mod.rs`: who may be asked, the choice of source, and the retry after a rejected code.
//! - `process.rs`: running an `mfa_process` (its words as sh would split them, its output).
//! - `terminal.rs`: the prompt, and handing the terminal to an `mfa_process` while it runs.
//! - `totp.rs`: codes from a TOTP secret.

use std::time::{SystemTime, UNIX_EPOCH};

use super::credentials::rfc3339;
use crate::error::{Cause, Error, Result};
use crate::identity::{CodeSource, TotpSecret};

mod process;
mod terminal;
pub mod totp;

/// The most aws-as may do to get an MFA code that `--mfa-code` did not give; a TOTP secret is
/// always used, as it asks nobody. Decided once by the command and carried on its request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ask {
    /// Ask the person at the terminal, or run the profile's `mfa_process`.
    #[default]
    Terminal,
    /// Run the profile's `mfa_process`, but never ask on the terminal: nobody is at it behind a
    /// server's request or the refresh daemon. A session that needs a typed code fails at once
    /// with [`Cause::MfaCodeNeeded`], naming the command that makes it.
    Process,
    /// Neither (`--no-input`): an `mfa_process` may wait for a touch, and under a prompt hook
    /// renewing in the background that would be a hang nobody sees.
    Nothing,
}

/// Codes a person may type before a rejection by STS ends the switch.
pub const TERMINAL_ATTEMPTS: u32 = 3;

/// The six digits of a code as a person types or pastes it: `123456`, or two groups of three
/// joined by one space or hyphen (`123 456`, as authenticator apps show it; `123-456`), spaces
/// around it allowed. `None` for anything else.
pub fn code_digits(s: &str) -> Option<String> {
    let s = s.trim();
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let joined = match s.as_bytes() {
        [_, _, _, b' ' | b'-', _, _, _] => format!("{}{}", &s[..3], &s[4..]),
        _ => s.to_string(),
    };
    (joined.len() == 6 && digits(&joined)).then_some(joined)
}

pub enum Source<'a> {
    /// `--mfa-code`
    Given(&'a str),
    Process {
        profile: &'a str,
        command: &'a str,
    },
    Totp(&'a TotpSecret),
    Terminal,
}

impl<'a> Source<'a> {
    /// `--mfa-code` over the profile's sources over the terminal. A profile with both
    /// `mfa_process` and a TOTP secret uses `mfa_process`.
    pub fn pick(given: Option<&'a str>, profile: Option<&'a CodeSource>) -> Source<'a> {
        if let Some(code) = given {
            return Source::Given(code);
        }
        match profile {
            Some(CodeSource {
                profile,
                process: Some(command),
                ..
            }) => Source::Process { profile, command },
            Some(CodeSource {
                totp: Some(secret), ..
            }) => Source::Totp(secret),
            _ => Source::Terminal,
        }
    }

    fn attempts(&self) -> u32 {
        match self {
            Source::Terminal => TERMINAL_ATTEMPTS,
            _ => 1,
        }
    }
}

/// Runs `call` (GetSessionToken) with a code for the device `serial` of the user `user` from
/// `source`, as far as `ask` allows. When STS rejects a typed code the person is asked again, up
/// to [`TERMINAL_ATTEMPTS`] codes in all; a rejected code from anywhere else ends the switch with
/// a message saying where it came from.
pub fn with_code<T>(
    user: &str,
    serial: &str,
    source: &Source<'_>,
    ask: Ask,
    mut call: impl FnMut(&str) -> Result<T>,
) -> Result<T> {
    let mut attempt = 1;
    loop {
        let code = code(user, serial, source, ask)?;
        let err = match call(&code) {
            Err(e) if e.cause() == Cause::WrongMfaCode => e,
            other => return other,
        };
        if attempt < source.attempts() {
            attempt += 1;
            terminal::tell(&format!(
                "aws-as: STS rejected that code (wrong, or already used); attempt {attempt} of {}.",
                source.attempts()
            ));
            continue;
        }
        return Err(match source {
            Source::Given(_) => err,
            Source::Terminal => Error::with_cause(
                format!("{err}; {attempt} codes from the terminal were rejected"),
                Cause::WrongMfaCode,
            ),
            Source::Process { profile, .. } => Error::with_cause(
                format!(
                    "{err}; the code came from the mfa_process of profile {profile:?}: check that \
                     it prints the current code of {serial}"
                ),
                Cause::WrongMfaCode,
            ),
            Source::Totp(secret) => {
                let next = (unix_now() / totp::STEP + 1) * totp::STEP;
                let next = chrono::DateTime::from_timestamp(next as i64, 0)
                    .map(rfc3339)
                    .unwrap_or_default();
                Error::with_cause(
                    format!(
                        "{err}; the code came from the aws_as_mfa_totp_secret of profile {:?}: \
                         if it was already used in this 30-second window (another switch, \
                         another tool with the same secret), run the switch again after {next}; \
                         otherwise the secret is not {serial}'s or this machine's clock is off",
                        secret.profile
                    ),
                    Cause::WrongMfaCode,
                )
            }
        });
    }
}

fn code(user: &str, serial: &str, source: &Source<'_>, ask: Ask) -> Result<String> {
    match source {
        Source::Given(code) => code_digits(code).ok_or_else(|| {
            Error::new("--mfa-code takes the 6 digits your MFA device shows (123456 or 123 456)")
        }),
        Source::Process { .. } | Source::Terminal if ask == Ask::Nothing => {
            Err(needs_input(serial))
        }
        Source::Process { profile, command } => process::run(profile, command),
        Source::Totp(secret) => totp::code_at(secret, unix_now()),
        Source::Terminal if ask == Ask::Process => Err(Error::with_cause(
            format!(
                "a new MFA session of {user} needs a code for {serial} and there is nobody to \
                 ask: run `aws-as {user}` in a terminal (the session it makes is used from then \
                 on), or set mfa_process or aws_as_mfa_totp_secret in the profile"
            ),
            Cause::MfaCodeNeeded,
        )),
        Source::Terminal => terminal::prompt(serial),
    }
}

fn needs_input(serial: &str) -> Error {
    Error::with_cause(
        format!(
            "the MFA session has expired and --no-input forbids asking for a code for {serial}: run the switch without --no-input"
        ),
        Cause::MfaCodeNeeded,
    )
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_six_digits_or_two_groups_of_three() {
        for (typed, digits) in [
            ("123456", "123456"),
            (" 123456\n", "123456"),
            ("123 456", "123456"),
            ("123-456", "123456"),
            ("\t012 345 ", "012345"),
        ] {
            assert_eq!(code_digits(typed).as_deref(), Some(digits), "{typed:?}");
        }
        for typed in [
            "",
            "12345",
            "1234567",
            "123  456",
            "123 - 456",
            "12 3456",
            "1234 56",
            "123_456",
            "123 45a",
            "１２３４５６",
            "123\t456",
            "123 456 7",
        ] {
            assert_eq!(code_digits(typed), None, "{typed:?}");
        }
    }

    #[test]
    fn the_terminal_alone_is_asked_again() {
        let source = CodeSource {
            profile: "p".into(),
            process: Some("ykman".into()),
            totp: Some(TotpSecret::new("p", "JBSWY3DP".into())),
        };
        assert!(matches!(
            Source::pick(Some("123456"), Some(&source)),
            Source::Given("123456")
        ));
        let process = Source::pick(None, Some(&source));
        assert!(matches!(
            process,
            Source::Process {
                command: "ykman",
                ..
            }
        ));
        let totp_only = CodeSource {
            process: None,
            ..source.clone()
        };
        let totp = Source::pick(None, Some(&totp_only));
        assert!(matches!(totp, Source::Totp(_)));
        let terminal = Source::pick(None, None);
        assert_eq!(
            [&process, &totp, &terminal].map(|s| s.attempts()),
            [1, 1, TERMINAL_ATTEMPTS]
        );
    }

    /// What `Ask` allows, before anything is run or asked: `--mfa-code` always; under
    /// `Ask::Process` no prompt; under `Ask::Nothing` neither a prompt nor an `mfa_process`.
    #[test]
    fn ask_bounds_the_sources() {
        let process = Source::Process {
            profile: "p",
            command: "false",
        };
        for (source, ask, says) in [
            (&Source::Terminal, Ask::Process, "there is nobody to ask"),
            (&Source::Terminal, Ask::Nothing, "--no-input forbids"),
            (&process, Ask::Nothing, "--no-input forbids"),
        ] {
            let err = code("u", "s", source, ask).unwrap_err();
            assert_eq!(err.cause(), Cause::MfaCodeNeeded, "{err}");
            assert!(err.to_string().contains(says), "{err}");
        }
        let given = Source::Given(" 123456 ");
        assert_eq!(code("u", "s", &given, Ask::Nothing).unwrap(), "123456");
    }
}
