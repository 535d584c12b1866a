//! Credentials for the server's requests: the same cache and locks as the shell, through the
//! session layer's `Resolver`, with two things a server needs on top.
//!
//! - **Single flight.** Concurrent requests for one identity share one resolution, so 100 cold
//!   requests make one STS call per identity in the chain (the cache's file locks then order
//!   the flights of different identities that share a source, as they order processes).
//! - **A short memo.** Fresh credentials are kept in memory and served without touching the
//!   disk. Once the memo is [`REVALIDATE`] old, the next request is still answered from it at
//!   once and starts a resolution in the background, which reads the cache (and the profiles)
//!   again: a session made in a terminal, or an edited profile, is picked up within a second, and
//!   no request waits for the disk while the memo is fresh (measured: waiting for that once a
//!   second put the ECS path's p99 at 1.8 ms at 1,000 requests/s).
//!
//! The `Resolver` is synchronous, and the STS client runs its own current-thread tokio runtime
//! with `block_on`, which panics inside a runtime context. Resolutions therefore run on plain
//! `std::thread`s: not `spawn_blocking`, whose threads carry the server's runtime context.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

use crate::error::Cause;
use crate::identity::{Config, Identity, Summary};
use crate::session::cache::Cache;
use crate::session::credentials::RENEW_BEFORE;
use crate::session::{Connect, Credentials, Resolver, cache_key, resolver, session_seconds};

/// How long a memoized session is served without reading the cache again.
pub const REVALIDATE: Duration = Duration::from_secs(1);

/// How long a request waits for a resolution before it is answered with an error (the
/// resolution goes on, and serves the requests after it). SDKs give an endpoint 1 s (botocore's
/// IMDS) to 5 s (the Rust SDK's ECS read): past this they have long given up.
pub const WAIT: Duration = Duration::from_secs(5);

/// botocore treats IMDS and container credentials that expire within 15 minutes as due for
/// refresh (and within 10 as expired): the server never hands out a session that close to its
/// end. `AWS_AS_SERVER_RENEW_BEFORE` (seconds) changes it, for SDKs with other windows and for
/// tests that cannot wait a quarter of an hour.
pub fn renew_before() -> TimeDelta {
    let default = Duration::from_secs(15 * 60);
    let d = crate::env_seconds("AWS_AS_SERVER_RENEW_BEFORE", default);
    TimeDelta::from_std(d).unwrap_or(TimeDelta::minutes(15))
}

/// A session being served, with the identity it belongs to.
pub struct Served {
    pub identity: Identity,
    pub credentials: Credentials,
    /// When the server last had it from the cache or STS (IMDS's `LastUpdated`).
    pub updated: DateTime<Utc>,
}

/// Why no credentials could be given: one line naming the problem and the fix.
#[derive(Clone, Debug)]
pub struct Failure {
    pub message: String,
    pub cause: Cause,
}

type Outcome = Result<Arc<Served>, Failure>;

/// What [`Sessions::fetch`] gives.
type Fetched = Result<Option<Arc<Served>>, (Option<Box<Identity>>, crate::error::Error)>;

struct Memo {
    served: Arc<Served>,
    checked: Instant,
    /// How long the credentials must still last for this identity.
    at_least: TimeDelta,
}

pub struct Sessions {
    connect: Option<Connect>,
    duration: Option<u32>,
    renew_before: TimeDelta,
    memo: Mutex<HashMap<String, Memo>>,
    flights: Mutex<HashMap<String, watch::Receiver<Option<Outcome>>>>,
    /// What a failed resolution gave, served for [`RETRY_AFTER`] instead of asking STS again:
    /// a throttled or broken STS is not hammered by every SDK that retries.
    failed: Mutex<HashMap<String, (Instant, Outcome)>>,
    /// Identities whose last request failed for want of an MFA code, by name.
    pending: Mutex<BTreeMap<String, Pending>>,
    /// The management page's address: set, a new pending request is also a desktop notification
    /// naming it (`aws-as serve`; `exec --server` has no page).
    page: OnceLock<String>,
    /// How many times each identity's session was cleared: a resolution under way when it was
    /// does not put it back in the memo.
    cleared: Mutex<HashMap<String, u64>>,
}

/// A request that could not be served for want of an MFA code: an SDK asked for `identity`,
/// which needs a new MFA session of `user`, and no `mfa_process` or TOTP secret gives a code.
/// It stands until that session exists (a code typed on the page, `aws-as USER` in a terminal)
/// or a request for `identity` is served.
#[derive(Clone, Debug)]
pub struct Pending {
    pub identity: String,
    pub user: String,
    pub serial: String,
    /// The user's cache entry, where the MFA session will be.
    key: String,
    /// How long that session must last to serve `identity`: the server's window when the user
    /// is what is served (as `resolve` asks), else what a role's source needs.
    lasting: TimeDelta,
    pub since: DateTime<Utc>,
    pub last: DateTime<Utc>,
    /// Requests that failed for want of the code.
    pub requests: u32,
}

/// How long the outcome of a failed resolution stands (one that needs an MFA code costs no STS
/// call and is tried again at once: a session made in a terminal serves the next request).
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// How long a code typed on the page waits for STS (a person is waiting, not an SDK).
pub const MFA_WAIT: Duration = Duration::from_secs(20);

/// How often the requests waiting for an MFA code are checked against the cache.
const PENDING_CHECK: Duration = Duration::from_secs(1);

/// A waiting identity is made once its MFA session exists only if a request asked for it this
/// recently (SDKs ask again every few minutes at most while they run).
const WARM_WITHIN: Duration = Duration::from_secs(15 * 60);

/// While a request waits for an MFA code, checks every [`PENDING_CHECK`] whether the session
/// has appeared (`aws-as USER` in a terminal tells the server nothing), and gets the waiting
/// identities ready: else the SDK's next request would wait for their AssumeRole, and botocore
/// gives IMDS one second. Ends with the server's `Sessions`.
fn watch_pending(sessions: Weak<Sessions>) {
    loop {
        std::thread::sleep(PENDING_CHECK);
        let Some(sessions) = sessions.upgrade() else {
            return;
        };
        let waiting = !sessions
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty();
        if waiting {
            sessions.pending();
        }
    }
}

/// What a log line says about the server's own work (not a request).
pub fn note(line: &str) {
    super::log(&format!("{} aws-as: {line}\n", super::now()));
}

impl Sessions {
    /// `connect` is the STS client (`None`: serve only what the cache has); `duration` the
    /// length of new sessions (`--duration`).
    pub fn new(connect: Option<Connect>, duration: Option<u32>) -> Arc<Sessions> {
        let sessions = Arc::new(Sessions {
            connect,
            duration,
            renew_before: renew_before(),
            memo: Mutex::new(HashMap::new()),
            flights: Mutex::new(HashMap::new()),
            failed: Mutex::new(HashMap::new()),
            pending: Mutex::new(BTreeMap::new()),
            page: OnceLock::new(),
            cleared: Mutex::new(HashMap::new()),
        });
        let watched = Arc::downgrade(&sessions);
        let spawned = std::thread::Builder::new()
            .name("aws-as-pending".into())
            .spawn(move || watch_pending(watched));
        if let Err(e) = spawned {
            note(&format!(
                "cannot start a thread to watch for MFA sessions: {e}; the next request finds them"
            ));
        }
        sessions
    }

    /// The length of new sessions the server was started with (`--duration`).
    pub fn duration(&self) -> Option<u32> {
        self.duration
    }

    /// From now on a new pending request is a desktop notification naming `page`.
    pub fn notify_with(&self, page: String) {
        let _ = self.page.set(page);
    }

    /// The remaining time `identity`'s credentials must have to be served: the renewal window,
    /// but a session shorter than it keeps two minutes of use (else it would be renewed at every
    /// request), as credential-process does.
    pub fn at_least(&self, identity: &Summary) -> TimeDelta {
        let seconds = session_seconds(identity, self.duration);
        self.renew_before
            .min(TimeDelta::seconds(i64::from(seconds) - 120))
            .max(RENEW_BEFORE)
    }

    /// The memoized session of `name` if it may be served, and whether it is due to be checked
    /// against the cache again.
    fn memoized(&self, name: &str) -> Option<(Arc<Served>, bool)> {
        let memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        let m = memo.get(name)?;
        let fresh = m.served.credentials.expiration - Utc::now() > m.at_least;
        fresh.then(|| (Arc::clone(&m.served), m.checked.elapsed() >= REVALIDATE))
    }

    fn recent_failure(&self, name: &str) -> Option<Outcome> {
        let failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        let (when, outcome) = failed.get(name)?;
        (when.elapsed() < RETRY_AFTER).then(|| outcome.clone())
    }

    /// What the server last served for `name`, however old (for status, never for a request).
    pub fn last(&self, name: &str) -> Option<Arc<Served>> {
        let memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        memo.get(name).map(|m| Arc::clone(&m.served))
    }

    /// Fresh credentials for `name`, waiting at most [`WAIT`].
    pub async fn get(self: &Arc<Self>, name: &str) -> Outcome {
        let outcome = self.get_uncounted(name).await;
        if let Err(f) = &outcome
            && f.cause == Cause::MfaCodeNeeded
        {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(p) = pending.get_mut(name) {
                p.requests += 1;
                p.last = Utc::now();
            }
        }
        outcome
    }

    async fn get_uncounted(self: &Arc<Self>, name: &str) -> Outcome {
        if let Some((served, due)) = self.memoized(name) {
            if due && self.recent_failure(name).is_none() {
                // Checked in the background; this request does not wait for it.
                drop(self.join(name));
            }
            return Ok(served);
        }
        if let Some(outcome) = self.recent_failure(name) {
            return outcome;
        }
        let mut rx = self.join(name);
        match tokio::time::timeout(WAIT, rx.wait_for(Option::is_some)).await {
            Ok(Ok(outcome)) => outcome.clone().expect("waited for Some"),
            Ok(Err(_)) => Err(Failure {
                message: format!("the resolution of {name} ended without an answer"),
                cause: Cause::Other,
            }),
            Err(_) => Err(Failure {
                message: format!(
                    "no session for {name} within {} s: STS is slow or not answering (the \
                     request to it goes on; it gives up after AWS_AS_STS_TIMEOUT): ask again later",
                    WAIT.as_secs()
                ),
                cause: Cause::Other,
            }),
        }
    }

    /// The flight resolving `name`: the one under way, else a new one on its own thread.
    fn join(self: &Arc<Self>, name: &str) -> watch::Receiver<Option<Outcome>> {
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(rx) = flights.get(name) {
            return rx.clone();
        }
        let (tx, rx) = watch::channel(None);
        flights.insert(name.to_string(), rx.clone());
        drop(flights);
        let this = Arc::clone(self);
        let name = name.to_string();
        let spawned = std::thread::Builder::new()
            .name("aws-as-resolve".into())
            .spawn({
                let name = name.clone();
                move || {
                    let (outcome, stands) = this.resolve(&name);
                    let mut failed = this.failed.lock().unwrap_or_else(|e| e.into_inner());
                    if stands {
                        failed.insert(name.clone(), (Instant::now(), outcome.clone()));
                    } else {
                        failed.remove(&name);
                    }
                    drop(failed);
                    // The memo first, then the flight goes: a request arriving in between
                    // finds the memo rather than starting a flight of its own.
                    this.flights
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&name);
                    let _ = tx.send(Some(outcome));
                }
            });
        if let Err(e) = spawned {
            self.flights
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&name);
            let (tx, rx) = watch::channel(None);
            let _ = tx.send(Some(Err(Failure {
                message: format!("cannot start a thread to resolve {name}: {e}"),
                cause: Cause::Other,
            })));
            return rx;
        }
        rx
    }

    /// Gets the session of `name` ready before any SDK asks for it, on a thread of its own: the
    /// identity served at start, or switched to. An SDK then waits for nothing: botocore gives
    /// IMDS one second, and a role chain of cold STS calls can take longer than that. A failure
    /// is only logged; it is not a request, so it makes nothing pending, notifies nobody and
    /// does not stand in the way of the first real request (which tries again, and reports).
    pub fn warm(self: &Arc<Self>, name: &str) {
        let this = Arc::clone(self);
        let owned = name.to_string();
        let spawned = std::thread::Builder::new()
            .name("aws-as-warm".into())
            .spawn(move || {
                let name = owned;
                let fetched = this.fetch(&name);
                // `exec --server` (no page) shares its stderr with the command: it stays quiet.
                if this.page.get().is_none() {
                    return;
                }
                let printable = crate::output::list::printable(&name);
                match fetched {
                    Ok(Some(served)) => {
                        let left = served.credentials.expiration - Utc::now();
                        note(&format!(
                            "{printable} is ready: a session until {} ({}m left)",
                            crate::session::credentials::rfc3339(served.credentials.expiration),
                            left.num_minutes()
                        ));
                    }
                    Ok(None) => note(&format!(
                        "{printable}'s session was cleared while it was being made: not kept"
                    )),
                    Err((_, e)) => note(&format!("{printable} has no session yet: {e}")),
                }
            });
        if let Err(e) = spawned {
            let name = crate::output::list::printable(name);
            note(&format!("cannot start a thread to get {name} ready: {e}"));
        }
    }

    /// One resolution, on a plain thread: the cache (and STS under the cache's lock when it
    /// misses), never a prompt on the terminal. With it, whether the outcome is a failure's that
    /// stands for [`RETRY_AFTER`].
    fn resolve(&self, name: &str) -> (Outcome, bool) {
        match self.fetch(name) {
            Ok(Some(served)) => (Ok(served), false),
            Ok(None) => (
                Err(Failure {
                    message: format!("{name}'s session was cleared while it was being made"),
                    cause: Cause::Other,
                }),
                false,
            ),
            Err((identity, e)) => self.failed(name, identity.as_deref(), e),
        }
    }

    /// The credentials of `name` from the cache or STS, memoized; `None` when the session was
    /// cleared (`DELETE`) while it was being made, so it is not kept; a failure with the
    /// identity, when its profile could be read.
    fn fetch(&self, name: &str) -> Fetched {
        let generation = self.generation(name);
        let identity = Config::load()
            .and_then(|c| c.identity(name))
            .map_err(|e| (None, e))?;
        let at_least = self.at_least(&identity.summary());
        let resolved = Cache::default_dir().map(Cache::open).and_then(|cache| {
            let mut resolver =
                Resolver::new(&cache, None, crate::session::Ask::Process, self.connect);
            resolver.credentials_lasting(&identity, self.duration, at_least)
        });
        let credentials = match resolved {
            Ok(credentials) => credentials,
            Err(e) => return Err((Some(Box::new(identity)), e)),
        };
        let served = Arc::new(Served {
            identity,
            credentials,
            updated: Utc::now(),
        });
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        // Checked under the memo's lock, which `clear` bumps the generation under.
        if self.generation(name) != generation {
            return Ok(None);
        }
        memo.insert(
            name.to_string(),
            Memo {
                served: Arc::clone(&served),
                checked: Instant::now(),
                at_least,
            },
        );
        drop(memo);
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
        Ok(Some(served))
    }

    /// How many times `name`'s session has been cleared.
    fn generation(&self, name: &str) -> u64 {
        let cleared = self.cleared.lock().unwrap_or_else(|e| e.into_inner());
        cleared.get(name).copied().unwrap_or(0)
    }

    fn failed(
        &self,
        name: &str,
        identity: Option<&Identity>,
        e: crate::error::Error,
    ) -> (Outcome, bool) {
        let cause = match e.cause() {
            // The lean binary's resolver (no STS client) serves only what the cache has.
            Cause::NeedsSts => Cause::MfaCodeNeeded,
            c => c,
        };
        // A renewal that failed leaves the session it was to replace: while that still has more
        // than the shell's renewal margin, it is served rather than nothing.
        if let Some(last) = self.last(name)
            && last.credentials.expiration - Utc::now() > RENEW_BEFORE
        {
            let left = (last.credentials.expiration - Utc::now()).num_minutes();
            note(&format!(
                "renewing {name} failed ({e}); serving its session, {left}m left"
            ));
            return (Ok(last), true);
        }
        if cause == Cause::MfaCodeNeeded
            && let Some(identity) = identity
        {
            self.now_pending(identity);
        }
        let stands = cause != Cause::MfaCodeNeeded;
        let failure = Failure {
            message: e.to_string(),
            cause,
        };
        (Err(failure), stands)
    }

    /// Records that `identity` waits for a new MFA session; the first time, says so in the log
    /// and, when the server has a page, in a desktop notification (names and the page's address
    /// only: nothing secret).
    fn now_pending(&self, identity: &Identity) {
        let user = identity.root();
        let serial = identity.root_mfa_serial().unwrap_or_default().to_string();
        let now = Utc::now();
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.contains_key(&identity.name) {
            return;
        }
        pending.insert(
            identity.name.clone(),
            Pending {
                identity: identity.name.clone(),
                user: user.name.clone(),
                serial: serial.clone(),
                key: cache_key(user),
                lasting: if user.name == identity.name {
                    self.at_least(&identity.summary()).max(RENEW_BEFORE)
                } else {
                    RENEW_BEFORE
                },
                since: now,
                last: now,
                requests: 0,
            },
        );
        drop(pending);
        let name = crate::output::list::printable(&identity.name);
        let user = crate::output::list::printable(&user.name);
        let Some(page) = self.page.get() else {
            return;
        };
        note(&format!(
            "{name} waits for a new MFA session of {user}: enter a code at {page}, or run \
             aws-as {user} in a terminal"
        ));
        let body = format!(
            "{name} needs a new MFA session of {user} ({serial}). Enter a code at {page}, or run \
             aws-as {user} in a terminal."
        );
        let spawned = std::thread::Builder::new()
            .name("aws-as-notify".into())
            .spawn(move || crate::output::refresh::notify("aws-as: an MFA code is needed", &body));
        if let Err(e) = spawned {
            note(&format!("cannot start a thread to notify: {e}"));
        }
    }

    /// The requests waiting for an MFA code, oldest first. One whose MFA session now exists (a
    /// code typed on the page, `aws-as USER` in any terminal) is dropped, and its identity got
    /// ready: the next request is served at once. Reads the cache: call it off the runtime's
    /// threads.
    pub fn pending(self: &Arc<Self>) -> Vec<Pending> {
        let cache = Cache::default_dir().map(Cache::open).ok();
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let mut ready = Vec::new();
        let recent = Utc::now() - TimeDelta::from_std(WARM_WITHIN).unwrap_or_default();
        pending.retain(|name, p| {
            let has_session = cache.as_ref().is_some_and(|cache| {
                resolver::fresh(cache, &p.key, p.lasting, None).is_ok_and(|c| c.is_some())
            });
            // An SDK that asked long ago has given up: its identity is not made for nobody.
            if has_session && p.last > recent {
                ready.push(name.clone());
            }
            !has_session
        });
        let mut out: Vec<Pending> = pending.values().cloned().collect();
        drop(pending);
        for name in ready {
            self.warm(&name);
        }
        out.sort_by_key(|p| p.since);
        out
    }

    /// A new MFA session for the user at the root of `name`'s chain, made with `code` (typed on
    /// the page). The requests waiting for it are then resolved in the background, so the next
    /// SDK request is answered at once. Returns the user's name.
    pub async fn new_mfa_session(
        self: &Arc<Self>,
        name: &str,
        code: String,
    ) -> Result<String, Failure> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let this = Arc::clone(self);
        let owned = name.to_string();
        let spawned = std::thread::Builder::new()
            .name("aws-as-mfa".into())
            .spawn(move || {
                let made = Config::load()
                    .and_then(|c| c.identity(&owned))
                    .and_then(|identity| {
                        let cache = Cache::open(Cache::default_dir()?);
                        let mut resolver = Resolver::new(
                            &cache,
                            Some(code),
                            crate::session::Ask::Process,
                            this.connect,
                        );
                        resolver.new_mfa_session(&identity, this.duration)
                    });
                let _ = tx.send(made.map(|(user, _)| user));
            });
        if let Err(e) = spawned {
            return Err(Failure {
                message: format!("cannot start a thread for the MFA session: {e}"),
                cause: Cause::Other,
            });
        }
        let made = match tokio::time::timeout(MFA_WAIT, rx).await {
            Ok(Ok(made)) => made,
            Ok(Err(_)) => Err(crate::error::Error::new(
                "the MFA session's thread ended without an answer",
            )),
            Err(_) => Err(crate::error::Error::with_cause(
                format!(
                    "STS did not answer within {} s: try again later (it gives up after AWS_AS_STS_TIMEOUT)",
                    MFA_WAIT.as_secs()
                ),
                Cause::Other,
            )),
        };
        let user = made.map_err(|e| Failure {
            message: e.to_string(),
            cause: e.cause(),
        })?;
        let waiting: Vec<String> = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            let names = pending
                .values()
                .filter(|p| p.user == user)
                .map(|p| p.identity.clone())
                .collect();
            pending.retain(|_, p| p.user != user);
            names
        };
        note(&format!(
            "a new MFA session of {user}, with a code from the page"
        ));
        for identity in waiting.iter().chain(std::iter::once(&name.to_string())) {
            self.failed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(identity);
            drop(self.join(identity));
        }
        Ok(user)
    }

    /// Drops `name`'s session: its cache entry (under its lock) and what the server remembers of
    /// it. The credentials stay valid at AWS until they expire: nothing can revoke a session.
    /// Returns whether the cache held one. Blocking: call it off the runtime's threads.
    pub fn clear(&self, name: &str) -> crate::error::Result<bool> {
        let identity = Config::load()?.identity(name)?;
        let cache = Cache::open(Cache::default_dir()?);
        let removed = cache.remove(&cache_key(&identity))?;
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        *self
            .cleared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_default() += 1;
        memo.remove(name);
        drop(memo);
        self.failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
        Ok(removed)
    }
}
