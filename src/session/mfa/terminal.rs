//! The controlling terminal: the prompt for a typed code, the lines said to the person there,
//! and the hand-over of the terminal to an `mfa_process` while it runs. Always `/dev/tty`, never
//! stdout: the shell is capturing that to eval.

use std::io::Write;

use super::code_digits;
use crate::error::{Error, Result};

/// Says `line` on the terminal, if there is one.
pub(super) fn tell(line: &str) {
    if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        let _ = writeln!(tty, "{line}");
    }
}

/// Asks the person at the terminal for a code for `serial` until the answer is 6 digits.
pub(super) fn prompt(serial: &str) -> Result<String> {
    // rpassword reads from /dev/tty and writes the prompt there, so stdout stays clean.
    if std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_err()
    {
        bail!(
            "an MFA code is needed for {serial} and there is no terminal to ask on: pass \
             --mfa-code CODE, or set mfa_process or aws_as_mfa_totp_secret in the profile"
        );
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
            bail!(
                "no MFA code entered for {serial}: run the switch again, or pass --mfa-code CODE"
            );
        }
        if let Some(code) = code_digits(answer) {
            return Ok(code);
        }
        tell("aws-as: an MFA code is 6 digits (123456 or 123 456); try again.");
    }
}

/// While the mfa_process runs in its own process group, that group holds the terminal: a command
/// that asks for a PIN on /dev/tty (ykman for a password-protected OATH applet) would otherwise be
/// stopped by SIGTTIN as a background job, and Ctrl-C would not reach it. Given back on drop.
pub(super) struct Foreground {
    tty: std::fs::File,
    ours: libc::pid_t,
    ttou: libc::sighandler_t,
}

impl Foreground {
    pub(super) fn give(child: libc::pid_t) -> Option<Foreground> {
        use std::os::fd::AsRawFd;
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        let fd = tty.as_raw_fd();
        // SAFETY: plain syscalls on a descriptor we own; no memory is passed.
        unsafe {
            let ours = libc::getpgrp();
            if libc::tcgetpgrp(fd) != ours {
                return None; // aws-as itself runs in the background: nothing to hand over
            }
            // Taking the terminal back from the background raises SIGTTOU: ignored meanwhile.
            let ttou = libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            if libc::tcsetpgrp(fd, child) != 0 {
                libc::signal(libc::SIGTTOU, ttou);
                return None;
            }
            // It may already have been stopped for touching the terminal before it was its own.
            libc::kill(-child, libc::SIGCONT);
            Some(Foreground { tty, ours, ttou })
        }
    }
}

impl Drop for Foreground {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: as in `give`.
        unsafe {
            libc::tcsetpgrp(self.tty.as_raw_fd(), self.ours);
            libc::signal(libc::SIGTTOU, self.ttou);
        }
    }
}
