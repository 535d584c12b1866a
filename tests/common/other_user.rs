//! A second user of the machine, for attacks from another account: `OtherUser::new()` makes a
//! throwaway system user (`useradd`, no home, no login shell) and removes it on drop, a failed
//! test included; `command(program)` runs a program as that user (`setpriv` from util-linux:
//! real and effective uid and gid, no supplementary groups, an empty environment but PATH, in
//! `/`); `wrap(&cmd)` runs a prepared command as them (its environment and directory kept);
//! `own(path)` gives them a tree (a `Home`). Only root can make users: `None` elsewhere (CI runs
//! as root).

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct OtherUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

impl OtherUser {
    pub fn new() -> Option<OtherUser> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("skipped: needs root to add a second user");
            return None;
        }
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "awsas-t{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        // useradd takes a lock on /etc/passwd and fails at once when another test holds it.
        let mut added = false;
        for _ in 0..50 {
            let out = Command::new("useradd")
                .args([
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                ])
                .arg(&name)
                .output()
                .expect("useradd (passwd) is installed: run scripts/install-deps.sh");
            if out.status.success() {
                added = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(added, "useradd {name} failed");
        let id = |flag: &str| -> u32 {
            let out = Command::new("id").arg(flag).arg(&name).output().unwrap();
            String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
        };
        let (uid, gid) = (id("-u"), id("-g"));
        Some(OtherUser { name, uid, gid })
    }

    /// `program` run as this user.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new("setpriv");
        cmd.arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.gid))
            .arg("--clear-groups")
            .arg("--")
            .arg(program)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .current_dir("/");
        cmd
    }
}

impl OtherUser {
    /// `cmd` (program, arguments, environment, directory) run as this user.
    pub fn wrap(&self, cmd: &Command) -> Command {
        let mut wrapped = self.command(cmd.get_program());
        wrapped.args(cmd.get_args()).env_clear();
        for (key, value) in cmd.get_envs() {
            if let Some(value) = value {
                wrapped.env(key, value);
            }
        }
        if let Some(dir) = cmd.get_current_dir() {
            wrapped.current_dir(dir);
        }
        wrapped
    }

    /// Gives `path` and everything under it to this user.
    pub fn own(&self, path: &std::path::Path) {
        let out = Command::new("chown")
            .arg("-R")
            .arg(format!("{}:{}", self.uid, self.gid))
            .arg(path)
            .output()
            .unwrap();
        assert!(out.status.success(), "chown {}", path.display());
    }
}

impl Drop for OtherUser {
    fn drop(&mut self) {
        for _ in 0..50 {
            let done = Command::new("userdel")
                .arg(&self.name)
                .output()
                .is_ok_and(|o| o.status.success());
            if done {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        eprintln!("could not remove the test user {}", self.name);
    }
}
