//! Where an MFA code comes from: `--mfa-code`, else a prompt on the controlling terminal.
//! Never stdout: the shell is capturing it to eval.

use crate::error::{Error, Result};

fn is_code(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Set by `--no-input`: never ask on the terminal (the prompt hook renews only what needs no MFA).
pub static NO_INPUT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn code(serial: &str, given: Option<&str>) -> Result<String> {
    if let Some(code) = given {
        let code = code.trim();
        if !is_code(code) {
            return Err(Error::new(
                "--mfa-code takes the 6 digits your MFA device shows",
            ));
        }
        return Ok(code.to_string());
    }
    if NO_INPUT.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(Error::new(format!(
            "the MFA session has expired and --no-input forbids asking for a code for {serial}: run the switch without --no-input"
        )));
    }
    // rpassword reads from /dev/tty and writes the prompt there, so stdout stays clean.
    if std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_err()
    {
        return Err(Error::new(format!(
            "an MFA code is needed for {serial} and there is no terminal to ask on: pass --mfa-code CODE"
        )));
    }
    loop {
        let answer =
            rpassword::prompt_password(format!("Enter MFA code for {serial}: ")).map_err(|e| {
                Error::new(format!(
                    "could not read the MFA code for {serial} ({e}): pass --mfa-code CODE"
                ))
            })?;
        let answer = answer.trim();
        // An empty answer is also what end-of-file gives: stop rather than ask forever.
        if answer.is_empty() {
            return Err(Error::new(format!(
                "no MFA code entered for {serial}: run the switch again, or pass --mfa-code CODE"
            )));
        }
        if is_code(answer) {
            return Ok(answer.to_string());
        }
        if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
            use std::io::Write;
            let _ = writeln!(tty, "aws-as: an MFA code is 6 digits; try again.");
        }
    }
}
