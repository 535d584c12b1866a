//! `aws-as doctor`: the setup checked, one line a check, what is right (`✓`), worth knowing (`!`)
//! or wrong (`✗`, with the fix). It exits non-zero when a line is `✗`, and prints no secret: token
//! files and the management token are read for their expiry and never shown, and nothing is sent
//! to a server but an unauthenticated GET that any local program could send.
//!
//! It runs in `aws-as-sts` (the lean `aws-as` hands it over, as `login`): the clock is compared
//! with STS's `Date` header over HTTPS (`clock.rs`, the SDK's own HTTP client), which the lean
//! binary cannot do. Everything else reads files and the environment.
//!
//! The keyring is opened only when an identity keeps its keys there (the config's
//! `aws_as_keyring`): a person runs doctor, so a locked collection's prompt is theirs to answer.

mod activation;
mod binaries;
mod clock;

use std::io::Write;
use std::path::PathBuf;

use chrono::Utc;

use super::endpoint::address::{self, Listener};
use super::endpoint::client;
use super::endpoint::tokens::{self, STATE_ENV};
use crate::error::{Error, Result};
use crate::identity::{Config, KeySource, Kind, SsoSignIn};
use crate::private;
use crate::session::Connect;
use crate::session::cache::Cache;
use crate::session::sso::token;

/// `aws-as doctor` takes no option.
pub struct Options {}

/// What a line says of its check.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Ok,
    /// Worth knowing, not wrong: the exit status stays 0.
    Note,
    Wrong,
}

/// The lines printed so far, and how many were wrong.
struct Report {
    wrong: usize,
}

impl Report {
    fn line(&mut self, state: State, text: impl AsRef<str>) {
        let mark = match state {
            State::Ok => "✓",
            State::Note => "!",
            State::Wrong => {
                self.wrong += 1;
                "✗"
            }
        };
        // One line each, whatever a path or a message holds.
        let text = text.as_ref().replace(['\n', '\r'], " ");
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{mark} {text}");
        let _ = out.flush();
    }
}

/// The variable the activation exports: the pid of the shell that ran it (`switch::ACTIVATED`).
const ACTIVATED: &str = "AWS_AS_ACTIVATED";

/// The three binaries of an installation: `aws-as` runs `aws-as-sts` from its own directory.
const BINARIES: [&str; 3] = ["aws-as", "aws-as-sts", "aws-as-activate"];

/// `aws-as doctor`.
pub fn run(_: &Options, connect: Option<Connect>) -> Result<String> {
    let mut report = Report { wrong: 0 };
    binaries::binaries(&mut report);
    activation::activation(&mut report);
    let config = profiles(&mut report);
    private_dir(
        &mut report,
        Cache::default_dir(),
        "cache directory",
        "AWS_AS_CACHE_DIR",
        "the first switch makes it",
    );
    private_dir(
        &mut report,
        tokens::state_dir(),
        "state directory",
        STATE_ENV,
        "aws-as serve makes it",
    );
    if let Some(config) = &config {
        sso(&mut report, config);
        keyring(&mut report, config, connect);
        default_profile(&mut report, config);
    }
    server(&mut report);
    clock(&mut report);
    match report.wrong {
        0 => Ok(String::new()),
        n => Err(Error::new(format!(
            "{n} check{} failed: each ✗ line above says what to do",
            if n == 1 { "" } else { "s" }
        ))),
    }
}

/// The profile files parse; the config, when they do.
fn profiles(report: &mut Report) -> Option<Config> {
    let paths: Vec<String> = crate::identity::profile_file_paths()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    match Config::load() {
        Ok(config) => {
            let n = config.names().len();
            if n == 0 {
                report.line(
                    State::Note,
                    format!(
                        "profile files: no profile in {}: add one (README, The config it reads)",
                        paths.join(" or ")
                    ),
                );
            } else {
                report.line(
                    State::Ok,
                    format!(
                        "profile files: {n} profile{} in {}",
                        if n == 1 { "" } else { "s" },
                        paths.join(" and ")
                    ),
                );
            }
            Some(config)
        }
        Err(e) => {
            report.line(State::Wrong, e.to_string());
            None
        }
    }
}

/// A directory only the user may write (and its files only the user may read).
fn private_dir(report: &mut Report, dir: Result<PathBuf>, what: &str, env: &str, made: &str) {
    let dir = match dir {
        Ok(dir) => dir,
        Err(e) => return report.line(State::Wrong, e.to_string()),
    };
    match private::check_dir(&dir, what, env) {
        Ok(false) => report.line(
            State::Ok,
            format!("{what} {}: not there yet ({made}, 0700)", dir.display()),
        ),
        Err(e) => report.line(State::Wrong, e.to_string()),
        Ok(true) => {
            let mut bad = None;
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for entry in entries.flatten() {
                    let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
                        continue;
                    };
                    if meta.is_file()
                        && let Err(e) =
                            private::check_owner(&entry.path(), &meta, "file", 0o077, env)
                    {
                        bad = Some(e);
                        break;
                    }
                }
            }
            match bad {
                Some(e) => report.line(State::Wrong, format!("in the {what}: {e}")),
                None => report.line(
                    State::Ok,
                    format!("{what} {}: yours, others cannot write it", dir.display()),
                ),
            }
        }
    }
}

/// Each IAM Identity Center sign-in the profiles use or declare: signed in, and for how long.
fn sso(report: &mut Report, config: &Config) {
    // (the sign-in, the name `aws-as sso login` takes for it)
    let mut sign_ins: Vec<(SsoSignIn, String)> = Vec::new();
    let mut add = |sign_in: SsoSignIn, name: &str| {
        if !sign_ins.iter().any(|(s, _)| s.label() == sign_in.label()) {
            sign_ins.push((sign_in, name.to_string()));
        }
    };
    for name in config.sso_session_names() {
        if let Ok(sign_in) = config.sso_sign_in(name) {
            add(sign_in, name);
        }
    }
    for name in config.names() {
        if let Some(sign_in) = config
            .identity(name)
            .ok()
            .and_then(|i| i.sso_sign_in().cloned())
        {
            let login = sign_in.session.clone().unwrap_or_else(|| name.to_string());
            add(sign_in, &login);
        }
    }
    let now = Utc::now();
    for (sign_in, login) in sign_ins {
        let label = sign_in.label();
        let what = match &sign_in.session {
            Some(name) => format!("IAM Identity Center sso-session {name}"),
            None => format!("IAM Identity Center {label}"),
        };
        match token::read_token(&sign_in) {
            Err(e) => report.line(State::Wrong, format!("{what}: {e}")),
            Ok(None) => report.line(
                State::Wrong,
                format!("{what}: not signed in: run aws-as sso login {login}"),
            ),
            Ok(Some(t)) if t.expires_at > now => {
                let left = t.expires_at - now;
                report.line(
                    State::Ok,
                    format!(
                        "{what}: signed in, {}h{:02}m left (until {})",
                        left.num_hours(),
                        left.num_minutes() % 60,
                        crate::session::rfc3339(t.expires_at)
                    ),
                );
            }
            Ok(Some(t))
                if t.refresh_token.is_some()
                    && t.client.as_ref().is_some_and(|c| c.expires_at > now) =>
            {
                report.line(
                    State::Ok,
                    format!(
                        "{what}: the access token expired at {}; the next use renews it (refresh token)",
                        crate::session::rfc3339(t.expires_at)
                    ),
                );
            }
            Ok(Some(t)) => report.line(
                State::Wrong,
                format!(
                    "{what}: the sign-in expired at {}: run aws-as sso login {login}",
                    crate::session::rfc3339(t.expires_at)
                ),
            ),
        }
    }
}

/// A `[default]` with credentials: every SDK and tool run without `AWS_PROFILE` takes it, before
/// the server's endpoint and outside any switch.
/// Each identity whose keys the config says are in the OS keyring: its item is there, with the
/// key id the config records. The keyring is not opened when no identity keeps keys there.
fn keyring(report: &mut Report, config: &Config, connect: Option<Connect>) {
    let held: Vec<(String, String)> = config
        .names()
        .into_iter()
        .filter_map(|name| match config.identity(name).ok()?.kind {
            Kind::User {
                keys:
                    KeySource::Keyring {
                        profile,
                        access_key_id,
                    },
                ..
            } if profile == name => Some((profile, access_key_id)),
            _ => None,
        })
        .collect();
    if held.is_empty() {
        return;
    }
    let opened = connect
        .ok_or_else(Error::needs_sts)
        .and_then(|connect| connect()?.keyring());
    let store = match opened {
        Ok(store) => store,
        Err(e) => {
            let names: Vec<&str> = held.iter().map(|(n, _)| n.as_str()).collect();
            return report.line(
                State::Wrong,
                format!(
                    "the OS keyring, where {} keep their keys: {e}",
                    names.join(", ")
                ),
            );
        }
    };
    for (name, key_id) in held {
        match store.get(&name) {
            Ok(Some(stored)) if stored.keys.access_key_id == key_id => report.line(
                State::Ok,
                format!("{name}: its keys are in the OS keyring (key id {key_id})"),
            ),
            Ok(Some(stored)) => report.line(
                State::Wrong,
                format!(
                    "{name}: the OS keyring holds key {}, the config records {key_id}: finish the rotation with aws-as keys rotate {name}",
                    stored.keys.access_key_id
                ),
            ),
            Ok(None) => report.line(
                State::Wrong,
                format!("{name}: the config says its keys are in the OS keyring, which has none for it: aws-as keys add {name}"),
            ),
            Err(e) => report.line(State::Wrong, format!("{name}: {e}")),
        }
    }
}

fn default_profile(report: &mut Report, config: &Config) {
    match config.credential_key("default") {
        Some(key) => report.line(
            State::Wrong,
            format!("the default profile has {key}: SDKs started without AWS_PROFILE take it before the aws-as server's endpoint, and any command outside a switch runs as it: rename [default] (e.g. to [me]) and use aws-as me"),
        ),
        None => report.line(
            State::Ok,
            "no [default] profile with credentials: nothing comes before the aws-as server",
        ),
    }
}

fn this_user() -> u32 {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}

/// The servers the state directory records as running, and whether each still does.
fn server(report: &mut Report) {
    let running = match tokens::recorded_running() {
        Ok(running) => running,
        Err(e) => return report.line(State::Wrong, e.to_string()),
    };
    if running.is_empty() {
        return report.line(
            State::Ok,
            "server: none running (aws-as serve starts one; switches need none)",
        );
    }
    for (addr, _) in running {
        match address::listener(addr) {
            Listener::Owner(uid) if uid == this_user() => {
                if client::is_aws_as(addr) {
                    report.line(State::Ok, format!("server: aws-as serve runs on {addr}"));
                } else {
                    report.line(
                        State::Wrong,
                        format!("server: a process of yours listens on {addr}, where aws-as serve ran, and it is not aws-as: stop it, then aws-as serve"),
                    );
                }
            }
            Listener::Owner(uid) => report.line(
                State::Wrong,
                format!("server: another user (uid {uid}) listens on {addr}, where your aws-as serve ran: control commands will refuse it; serve on another address (aws-as serve --listen)"),
            ),
            Listener::Nobody => report.line(
                State::Note,
                format!("server: the one recorded on {addr} is gone (killed?); aws-as serve starts it again"),
            ),
            Listener::Unknown => {
                if client::is_aws_as(addr) {
                    report.line(State::Ok, format!("server: aws-as serve answers on {addr}"));
                } else {
                    report.line(
                        State::Note,
                        format!("server: nothing answers as aws-as on {addr}, where it was recorded: aws-as serve starts it again"),
                    );
                }
            }
        }
    }
}

/// Signatures older than 5 minutes are refused (SigV4), so a clock that far off fails every call.
const SKEW_LIMIT: i64 = 5 * 60;

fn clock(report: &mut Report) {
    let url = crate::sts_endpoint().unwrap_or_else(|| clock::DEFAULT_URL.to_string());
    let shown = clock::without_query(&url);
    match clock::skew(&url) {
        Err(e) => report.line(State::Note, format!("clock: not compared with STS's, {e}")),
        Ok(skew) => {
            let seconds = skew.num_seconds();
            let (ahead, by) = (seconds < 0, seconds.unsigned_abs());
            let words = format!(
                "{}m{:02}s {} STS's ({shown})",
                by / 60,
                by % 60,
                if ahead { "ahead of" } else { "behind" }
            );
            if seconds.abs() >= SKEW_LIMIT {
                report.line(
                    State::Wrong,
                    format!("clock: {words}: STS refuses requests signed more than 5 minutes off; set the clock (timedatectl set-ntp true)"),
                );
            } else if seconds.abs() >= 60 {
                report.line(
                    State::Note,
                    format!("clock: {words}: signing fails at 5 minutes; set the clock (timedatectl set-ntp true)"),
                );
            } else {
                report.line(
                    State::Ok,
                    format!("clock: within a minute of STS's ({shown})"),
                );
            }
        }
    }
}
