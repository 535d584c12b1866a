//! `aws-as refresh`: a daemon that keeps sections of the credentials file fresh, for tools that
//! read only that file and run for hours (GUI clients, services started by systemd).
//!
//! - Each section is renewed when a quarter hour of its credentials is left (half of what is
//!   left, for shorter sessions), as a credential_process would be: a tool that reads the file
//!   never finds credentials about to expire. A role is renewed from the cached MFA session,
//!   silently; a new MFA session takes its code from `mfa_process` or the TOTP secret. Nothing is
//!   ever asked on a terminal.
//! - With no way to get a code, it says so once (a log line, and a desktop notification through
//!   `notify-send` when that is installed) and waits for someone to make the session in a
//!   terminal (`aws-as NAME`): it looks at the cache directory's modification time every few
//!   seconds, a `stat` each, and tries again when it changes.
//! - It sleeps in steps of at most [`STEP`] and compares the wall clock after each: a laptop
//!   that wakes from sleep renews at once (the monotonic clock a plain sleep counts stops while
//!   the machine sleeps).
//! - STS failures are retried after 2, 4, 8… seconds, up to [`MAX_BACKOFF`].
//! - SIGTERM, SIGINT and SIGHUP are blocked and taken only while it waits, so it never stops
//!   in the middle of a write; it exits 0 after one line.
//! - One line on stderr per renewal (the journal keeps it under systemd), never a secret.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, TimeDelta, Utc};

use super::owner::{marked_long_term_keys, precheck};
use super::verify::check_section_name;
use super::write::{write, written_identity, written_sections};
use crate::error::{Cause, Error, Result};
use crate::identity::{Config, Summary, credentials_file_path, fnv1a};
use crate::output::handout::{MIN_LEFT, min_left};
use crate::output::notify::notify;
use crate::session::cache::Cache;
use crate::session::{Connect, Request, resolve, rfc3339};

/// The longest sleep between two looks at the wall clock.
pub const STEP: Duration = Duration::from_secs(10);
/// How often the cache directory is looked at while a section waits for a session made in a
/// terminal.
pub const POLL: Duration = Duration::from_secs(2);
/// The longest wait before an STS failure is retried.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// While waiting for a session from a terminal, the cache is read again at least this often
/// even if its directory looks unchanged (a file system with coarse timestamps).
const RECHECK: Duration = Duration::from_secs(300);

/// One section to keep fresh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub section: String,
    /// `None`: the identity the section's marker names (`aws-as refresh SECTION`).
    pub name: Option<String>,
}

/// `NAME=SECTION` or `SECTION`.
pub fn parse_target(arg: &str) -> Result<Target> {
    let (name, section) = match arg.split_once('=') {
        Some((name, section)) if !name.is_empty() => (Some(name.to_string()), section),
        Some(_) => {
            bail!("{arg:?}: give NAME=SECTION (an identity, then the section to keep fresh)")
        }
        None => (None, arg),
    };
    check_section_name(section)?;
    Ok(Target {
        section: section.to_string(),
        name,
    })
}

/// When to renew credentials that expire at `expiration`, seen at `now`: [`MIN_LEFT`] before,
/// or halfway for credentials that have less than twice that left.
pub fn renewal_time(expiration: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let left = expiration - now;
    let margin = MIN_LEFT.min(left / 2);
    (expiration - margin).max(now + TimeDelta::seconds(1))
}

/// The wait before retry `failures` (1 is the first failure): 2 s, doubling, at most
/// [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(failures.clamp(1, 16))).min(MAX_BACKOFF)
}

/// How long to sleep before looking at the clock again, given when the next thing is due.
pub fn sleep_for(now: SystemTime, due: SystemTime, waiting: bool) -> Duration {
    let until = due.duration_since(now).unwrap_or(Duration::ZERO);
    let cap = if waiting { POLL } else { STEP };
    until.min(cap)
}

struct Job {
    target: Target,
    /// When to renew next (wall clock).
    due: SystemTime,
    failures: u32,
    /// `--force` holds for the first write only: after it the section is aws-as's.
    force: bool,
    /// Set while waiting for a session made in a terminal: the cache directory's modification
    /// time when the wait began (or at the last look).
    waiting: Option<Option<SystemTime>>,
    /// Left alone for good: the section holds long-term keys now (owner.rs), which are the
    /// user's; the daemon goes on with its other sections.
    left: bool,
}

fn log(line: &str) {
    eprintln!("aws-as refresh: {line}");
}

fn cache_mtime(dir: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(dir).and_then(|m| m.modified()).ok()
}

/// The signals that end the daemon, blocked in every thread (threads inherit the mask) and
/// taken only by [`wait`]; a child process starts with an empty mask (std resets it).
fn stop_signals() -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset initialise and fill a local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

fn block(set: &libc::sigset_t) {
    // SAFETY: a valid set; the old mask is not needed.
    unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, set, std::ptr::null_mut());
    }
}

/// Sleeps up to `d`; returns the signal that ended the sleep, if one did.
#[cfg(not(target_os = "macos"))]
fn wait(set: &libc::sigset_t, d: Duration) -> Option<i32> {
    let ts = libc::timespec {
        tv_sec: d.as_secs() as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    };
    // SAFETY: a valid set and timespec; no siginfo is asked for.
    let sig = unsafe { libc::sigtimedwait(set, std::ptr::null_mut(), &ts) };
    (sig > 0).then_some(sig)
}

/// macOS has no `sigtimedwait`: the blocked signals are polled (`sigpending`) every 100 ms and one
/// that is pending is taken with `sigwait`, which then returns at once. Still only between
/// renewals, never in a write. Not built here (no macOS target): written to the manual pages.
#[cfg(target_os = "macos")]
fn wait(set: &libc::sigset_t, d: Duration) -> Option<i32> {
    let until = std::time::Instant::now() + d;
    loop {
        // SAFETY: valid sets; sigwait is given only a signal that is pending and blocked.
        unsafe {
            let mut pending: libc::sigset_t = std::mem::zeroed();
            libc::sigpending(&mut pending);
            for s in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
                if libc::sigismember(set, s) == 1 && libc::sigismember(&pending, s) == 1 {
                    let mut sig = 0;
                    if libc::sigwait(set, &mut sig) == 0 {
                        return Some(sig);
                    }
                }
            }
        }
        let now = std::time::Instant::now();
        if now >= until {
            return None;
        }
        std::thread::sleep((until - now).min(Duration::from_millis(100)));
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// One `aws-as refresh` per section: a second one would renew it twice. Held for the daemon's
/// life in the cache directory (the kernel drops it when the process ends).
fn claim(cache_dir: &std::path::Path, section: &str) -> Result<std::fs::File> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(cache_dir)
        .map_err(|e| {
            Error::new(format!(
                "cannot create the cache directory {}: {e} (set AWS_AS_CACHE_DIR)",
                cache_dir.display()
            ))
        })?;
    let key = format!("{}\0{section}", credentials_file_path().display());
    let path: PathBuf = cache_dir.join(format!("refresh-{:016x}.lock", fnv1a(key.as_bytes())));
    let file = crate::private::lock_file(&path)
        .map_err(|e| Error::new(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another aws-as refresh keeps [{section}] fresh already: stop it first (one daemon per section)"
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            bail!("cannot lock {}: {e}", path.display())
        }
    }
}

/// What `aws-as refresh` was asked.
pub struct Options {
    /// `NAME=SECTION`, or a `SECTION` aws-as wrote.
    pub targets: Vec<String>,
    /// `--all`: every section aws-as wrote.
    pub all: bool,
    /// `--force`: take the sections over on the first write.
    pub force: bool,
    /// `--duration`.
    pub duration: Option<u32>,
}

/// The daemon. Returns when a stop signal arrives; an error only for bad arguments, before it
/// starts. It renews sessions, so it runs in `aws-as-sts` from the start (`cli::Network`) rather
/// than hand over at its first miss.
pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    let Options {
        targets: args,
        all,
        force,
        duration,
    } = options;
    let (all, force, duration) = (*all, *force, *duration);
    let signals = stop_signals();
    block(&signals);

    let mut targets: Vec<Target> = if all {
        let written = written_sections()?;
        if written.is_empty() {
            bail!(
                "no section of {} was written by aws-as: run aws-as write NAME --profile SECTION first, or give NAME=SECTION",
                credentials_file_path().display()
            );
        }
        written
            .into_iter()
            .map(|section| Target {
                section,
                name: None,
            })
            .collect()
    } else {
        args.iter()
            .map(|a| parse_target(a))
            .collect::<Result<_>>()?
    };
    targets.dedup();
    for (i, t) in targets.iter().enumerate() {
        if targets[..i].iter().any(|o| o.section == t.section) {
            bail!("[{}] is named twice: one identity per section", t.section);
        }
    }
    // Bad arguments fail now, before anything is written: unknown identities, sections that are
    // no one's to keep.
    let config = Config::load()?;
    let written = written_sections()?;
    for t in &targets {
        match &t.name {
            Some(name) => {
                let identity = config.identity(name)?;
                precheck(&t.section, &config.chain_of(&identity), name, force)?;
            }
            None => {
                if !written.contains(&t.section) {
                    bail!(
                        "[{0}] of {1} was not written by aws-as: give the identity to keep there, aws-as refresh NAME={0}",
                        t.section,
                        credentials_file_path().display()
                    );
                }
            }
        }
    }
    let cache_dir = Cache::default_dir()?;
    let _claims: Vec<std::fs::File> = targets
        .iter()
        .map(|t| claim(&cache_dir, &t.section))
        .collect::<Result<_>>()?;

    let request = Request {
        duration,
        ask: crate::session::Ask::Process,
        ..Request::default()
    };
    let now = SystemTime::now();
    let mut jobs: Vec<Job> = targets
        .into_iter()
        .map(|target| Job {
            target,
            due: now,
            failures: 0,
            force,
            waiting: None,
            left: false,
        })
        .collect();
    let shown: Vec<String> = jobs
        .iter()
        .map(|j| match &j.target.name {
            Some(n) => format!("[{}] ({n})", j.target.section),
            None => format!("[{}]", j.target.section),
        })
        .collect();
    log(&format!(
        "keeping {} of {} fresh",
        shown.join(", "),
        credentials_file_path().display()
    ));

    loop {
        let now = SystemTime::now();
        let mtime = cache_mtime(&cache_dir);
        for job in jobs.iter_mut() {
            let changed = matches!(job.waiting, Some(seen) if seen != mtime);
            if !job.left && (job.due <= now || changed) {
                renew(job, &request, connect, &cache_dir);
            }
        }
        let now = SystemTime::now();
        let due = (jobs.iter().filter(|j| !j.left).map(|j| j.due))
            .min()
            .unwrap_or(now + STEP);
        let waiting = jobs.iter().any(|j| j.waiting.is_some());
        if let Some(sig) = wait(&signals, sleep_for(now, due, waiting)) {
            log(&format!("stopped ({})", signal_name(sig)));
            return Ok(String::new());
        }
    }
}

fn renew(job: &mut Job, request: &Request, connect: Option<Connect>, cache_dir: &std::path::Path) {
    let section = job.target.section.clone();
    // Checked before STS is asked: a write into it must fail, and retrying it would log the
    // refusal again at every back-off. `--force` (first write only) replaces the keys, as
    // `write --force` does; the backup keeps them.
    if !job.force
        && let Ok(Some(found)) = marked_long_term_keys(&section)
    {
        job.left = true;
        return log(&format!(
            "[{section}] left alone: it holds long-term keys now ({found}), though it has {}; aws-as did not write them. To keep them delete that line; to have aws-as write there again, aws-as write NAME --profile {section} --force, then restart aws-as refresh",
            crate::identity::MARKER
        ));
    }
    let name = match job.target.name.clone() {
        Some(name) => name,
        None => match written_identity(&section) {
            Ok(Some(name)) => name,
            Ok(None) => {
                return fail(
                    job,
                    &format!(
                        "[{section}] is no longer a section aws-as wrote; give NAME={section} to write it again"
                    ),
                );
            }
            Err(e) => return fail(job, &e.to_string()),
        },
    };
    let at_least = |identity: &Summary| min_left(identity, request.duration);
    let result = resolve(&name, request, Some(&at_least), connect).and_then(|(identity, creds)| {
        let config = Config::load()?;
        let protected = config.chain_of(&config.identity(&name)?);
        let region = super::Region::Keep(identity.region.as_deref());
        let written = write(&identity, &creds, &section, &protected, job.force, region)?;
        Ok((creds, written))
    });
    match result {
        Ok((creds, _)) => {
            let now = Utc::now();
            let next = renewal_time(creds.expiration, now);
            log(&format!(
                "[{section}] holds {name}'s credentials, valid until {}; next renewal at {}",
                rfc3339(creds.expiration),
                rfc3339(next)
            ));
            job.due = SystemTime::from(next);
            job.failures = 0;
            job.force = false;
            job.waiting = None;
        }
        Err(e) if e.cause() == Cause::MfaCodeNeeded => {
            if job.waiting.is_none() {
                log(&format!(
                    "[{section}] waits for a new MFA session of {name}: {e}; run aws-as {name} in a terminal and it carries on"
                ));
                notify(
                    "aws-as: an MFA code is needed",
                    &format!(
                        "Run aws-as {name} in a terminal to keep [{section}] of the AWS credentials file fresh."
                    ),
                );
            }
            job.waiting = Some(cache_mtime(cache_dir));
            job.due = SystemTime::now() + RECHECK;
        }
        Err(e) => fail(job, &e.to_string()),
    }
}

fn fail(job: &mut Job, why: &str) {
    job.failures += 1;
    let wait = backoff(job.failures);
    log(&format!(
        "[{}] not renewed: {why}; trying again in {}s",
        job.target.section,
        wait.as_secs()
    ));
    job.due = SystemTime::now() + wait;
    job.waiting = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("my-role1-dev=dbeaver").unwrap(),
            Target {
                section: "dbeaver".into(),
                name: Some("my-role1-dev".into())
            }
        );
        assert_eq!(parse_target("dbeaver").unwrap().name, None);
        assert!(parse_target("=dbeaver").is_err());
        assert!(parse_target("a=b c").is_err());
        assert!(parse_target("a=").is_err());
    }

    #[test]
    fn renewal_comes_a_quarter_hour_early_or_halfway() {
        let now = Utc::now();
        let t = |mins: i64| now + TimeDelta::minutes(mins);
        assert_eq!(renewal_time(t(60), now), t(45));
        assert_eq!(renewal_time(t(720), now), t(705));
        assert_eq!(renewal_time(t(20), now), t(10));
        assert_eq!(
            renewal_time(now + TimeDelta::seconds(6), now),
            now + TimeDelta::seconds(3)
        );
        assert_eq!(
            renewal_time(now - TimeDelta::seconds(6), now),
            now + TimeDelta::seconds(1)
        );
    }

    #[test]
    fn failures_back_off_to_a_cap() {
        let b: Vec<u64> = (1..=10).map(|f| backoff(f).as_secs()).collect();
        assert_eq!(b, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(backoff(1000), MAX_BACKOFF);
    }

    #[test]
    fn the_wall_clock_is_looked_at_every_step() {
        let now = SystemTime::now();
        // Due in an hour: the sleep is one step, so a jump of the wall clock (a laptop waking)
        // is seen within a step.
        assert_eq!(sleep_for(now, now + Duration::from_secs(3600), false), STEP);
        assert_eq!(sleep_for(now, now + Duration::from_secs(3600), true), POLL);
        assert_eq!(
            sleep_for(now, now + Duration::from_millis(300), false),
            Duration::from_millis(300)
        );
        // Overdue (the clock jumped past it): no sleep at all.
        assert_eq!(
            sleep_for(now, now - Duration::from_secs(60), false),
            Duration::ZERO
        );
    }
}
