//! Opening an address in the user's browser, as `aws-as login` and `aws-as sso login` both do:
//! `$BROWSER`, else the desktop's opener. Below the layers (identity ← session ← output), since
//! a session's sign-in (IAM Identity Center) and an output (the console sign-in) both open one.
//! What goes on the browser's command line is readable by every user of the machine
//! (`/proc/*/cmdline`): callers hand it only addresses that are worth nothing to another user.

use std::process::{Child, Command, Stdio};

use crate::error::{Error, Result};

/// Whether a browser can be opened here: `$BROWSER` names one, or (outside an SSH session) a
/// desktop is there to open one (`DISPLAY`, `WAYLAND_DISPLAY`; macOS always has one). Where none
/// can, a sign-in uses a code typed on another device instead.
pub fn can_open() -> bool {
    if crate::env_var("BROWSER").is_some() {
        return true;
    }
    let ssh = ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]
        .iter()
        .any(|v| crate::env_var(v).is_some());
    if ssh {
        return false;
    }
    cfg!(target_os = "macos")
        || crate::env_var("DISPLAY").is_some()
        || crate::env_var("WAYLAND_DISPLAY").is_some()
}

/// The browser command, started with the one-time address.
pub struct Browser {
    child: Child,
    program: String,
    fix: &'static str,
}

impl Browser {
    /// `$BROWSER` (a `:`-separated list of commands, the first that starts wins; `%s` in one
    /// stands for the address, else it is appended), else `xdg-open` (`open` on macOS). The
    /// command's words are split at blanks, never given to a shell. It gets no credential
    /// variable: a browser would keep them for its whole life.
    pub fn open(address: &str, fix: &'static str) -> Result<Browser> {
        let candidates: Vec<Vec<String>> = match crate::env_var("BROWSER") {
            Some(list) => list
                .split(':')
                .filter(|c| !c.trim().is_empty())
                .map(|c| words(c, address))
                .collect(),
            None if cfg!(target_os = "macos") => vec![vec!["open".into(), address.into()]],
            None => vec![vec!["xdg-open".into(), address.into()]],
        };
        for argv in &candidates {
            let (program, args) = argv.split_first().expect("words are never empty");
            let started = crate::without_credentials(&mut Command::new(program))
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn();
            if let Ok(child) = started {
                return Ok(Browser {
                    child,
                    program: program.clone(),
                    fix,
                });
            }
        }
        Err(Error::new(format!(
            "cannot start a browser (none of BROWSER, or xdg-open, could be run): set BROWSER, or {fix}"
        )))
    }

    /// An error once the command has failed; a command that handed the address on and exited
    /// 0 (xdg-open, open) is fine, and one still running is left to run.
    pub fn check(&mut self) -> Result<()> {
        match self.child.try_wait() {
            Ok(Some(status)) if !status.success() => Err(Error::new(format!(
                "the browser command {} failed ({status}): set BROWSER, or {}",
                self.program.escape_debug(),
                self.fix
            ))),
            _ => Ok(()),
        }
    }

    /// Reaps the command if it has exited (one still running is left to run).
    pub fn reap(mut self) {
        let _ = self.child.try_wait();
    }
}

/// The words of one `$BROWSER` command with the address in place of `%s` (or after the last).
fn words(command: &str, address: &str) -> Vec<String> {
    let mut placed = false;
    let mut argv: Vec<String> = command
        .split_ascii_whitespace()
        .map(|w| {
            if w.contains("%s") {
                placed = true;
                w.replace("%s", address)
            } else {
                w.to_string()
            }
            .replace("%%", "%")
        })
        .collect();
    if !placed {
        argv.push(address.to_string());
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_words() {
        let a = "http://127.0.0.1:1/x";
        assert_eq!(words("firefox", a), ["firefox", a]);
        assert_eq!(
            words("chromium --new-window %s", a),
            ["chromium", "--new-window", a]
        );
        assert_eq!(
            words("x --a=%s --b=100%%", a),
            ["x", &format!("--a={a}"), "--b=100%"]
        );
    }
}
