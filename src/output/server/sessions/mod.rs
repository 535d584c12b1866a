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
//! What the server knows of one identity (its memo, its flight, the failure that stands, how
//! many times it was cleared) is one [`Known`] value, and all of them sit under one lock: every
//! rule between them (a flight ends after its memo is written; a resolution that a clear
//! overtook keeps nothing) holds inside one critical section.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`Sessions`]: the memo, single flight, failures that stand, warm-up, clearing |
//! | `pending.rs` | requests waiting for an MFA code or an IAM Identity Center sign-in, their notification, the watcher, a code from the page |
//!
//! The `Resolver` is synchronous, and the STS client runs its own current-thread tokio runtime
//! with `block_on`, which panics inside a runtime context. Resolutions therefore run on plain
//! `std::thread`s: not `spawn_blocking`, whose threads carry the server's runtime context.

mod pending;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

pub use self::pending::{MFA_WAIT, Pending, SignInWait};
use super::{lock, note};
use crate::error::{Cause, Error};
use crate::identity::{Config, Identity, Summary};
use crate::output::text::printable;
use crate::session::cache::Cache;
use crate::session::credentials::RENEW_BEFORE;
use crate::session::{Ask, Connect, Credentials, Resolver, cache_key, session_seconds};

/// How long a memoized session is served without reading the cache again.
pub const REVALIDATE: Duration = Duration::from_secs(1);

/// How long a request waits for a resolution before it is answered with an error (the
/// resolution goes on, and serves the requests after it). SDKs give an endpoint 1 s (botocore's
/// IMDS) to 5 s (the Rust SDK's ECS read): past this they have long given up.
pub const WAIT: Duration = Duration::from_secs(5);

/// How long the outcome of a failed resolution stands (one that needs an MFA code costs no STS
/// call and is tried again at once: a session made in a terminal serves the next request).
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

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

/// What a request gets: a session, or one line naming the problem and the fix.
pub type Outcome = Result<Arc<Served>, Error>;

/// What [`Sessions::fetch`] gives.
type Fetched = Result<Option<Arc<Served>>, (Option<Box<Identity>>, Error)>;

struct Memo {
    served: Arc<Served>,
    checked: Instant,
    /// How long the credentials must still last for this identity.
    at_least: TimeDelta,
}

/// What the server knows of one identity.
#[derive(Default)]
struct Known {
    memo: Option<Memo>,
    /// The resolution under way, which every request for the identity waits on.
    flight: Option<watch::Receiver<Option<Outcome>>>,
    /// What the last resolution gave, when it stands for [`RETRY_AFTER`] instead of asking STS
    /// again: a throttled or broken STS is not hammered by every SDK that retries.
    stands: Option<(Instant, Outcome)>,
    /// How many times the session was cleared: a resolution under way when it was does not put
    /// it back in the memo.
    generation: u64,
}

impl Known {
    /// The memoized session if it may be served, and whether it is due to be checked against
    /// the cache again.
    fn memoized(&self) -> Option<(Arc<Served>, bool)> {
        let m = self.memo.as_ref()?;
        let fresh = m.served.credentials.expiration - Utc::now() > m.at_least;
        fresh.then(|| (Arc::clone(&m.served), m.checked.elapsed() >= REVALIDATE))
    }

    fn standing(&self) -> Option<Outcome> {
        let (when, outcome) = self.stands.as_ref()?;
        (when.elapsed() < RETRY_AFTER).then(|| outcome.clone())
    }
}

/// Where a request stands before it waits: answered now, or given the flight to wait on.
enum Start {
    Answered(Outcome),
    Wait(watch::Receiver<Option<Outcome>>),
}

pub struct Sessions {
    connect: Option<Connect>,
    duration: Option<u32>,
    /// How a code may be had for a new MFA session: never on a terminal (nobody is at one behind
    /// an SDK's request); not even an `mfa_process` under `exec --server --no-input`.
    ask: Ask,
    renew_before: TimeDelta,
    known: Mutex<HashMap<String, Known>>,
    /// Identities whose last request failed for want of an MFA code.
    pending: pending::Waiting,
}

impl Sessions {
    /// `connect` is the STS client (`None` in unit tests: serve only what the cache has); `duration` the
    /// length of new sessions (`--duration`); `ask` what the command allows ([`Ask::Process`]
    /// at most: a terminal is never asked).
    pub fn new(connect: Option<Connect>, duration: Option<u32>, ask: Ask) -> Arc<Sessions> {
        let ask = if ask == Ask::Nothing {
            Ask::Nothing
        } else {
            Ask::Process
        };
        let sessions = Arc::new(Sessions {
            connect,
            duration,
            ask,
            renew_before: renew_before(),
            known: Mutex::new(HashMap::new()),
            pending: pending::Waiting::default(),
        });
        pending::watch(&sessions);
        sessions
    }

    /// The network client the server was started with (`None` in unit tests).
    pub fn connect(&self) -> Option<Connect> {
        self.connect
    }

    /// The length of new sessions the server was started with (`--duration`).
    pub fn duration(&self) -> Option<u32> {
        self.duration
    }

    /// From now on a new pending request is a desktop notification naming `page`.
    pub fn notify_with(&self, page: String) {
        self.pending.notify_with(page);
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

    /// What the server last served for `name`, however old (for status, never for a request).
    pub fn last(&self, name: &str) -> Option<Arc<Served>> {
        let known = lock(&self.known);
        let memo = known.get(name)?.memo.as_ref()?;
        Some(Arc::clone(&memo.served))
    }

    /// Fresh credentials for `name`, waiting at most [`WAIT`].
    pub async fn get(self: &Arc<Self>, name: &str) -> Outcome {
        let outcome = self.get_uncounted(name).await;
        if let Err(e) = &outcome
            && matches!(e.cause(), Cause::MfaCodeNeeded | Cause::SsoSignInNeeded)
        {
            self.pending.asked(name);
        }
        outcome
    }

    async fn get_uncounted(self: &Arc<Self>, name: &str) -> Outcome {
        let mut rx = match self.start(name) {
            Start::Answered(outcome) => return outcome,
            Start::Wait(rx) => rx,
        };
        match tokio::time::timeout(WAIT, rx.wait_for(Option::is_some)).await {
            Ok(Ok(outcome)) => outcome.clone().expect("waited for Some"),
            Ok(Err(_)) => Err(Error::new(format!(
                "the resolution of {name} ended without an answer"
            ))),
            Err(_) => Err(Error::new(format!(
                "no session for {name} within {} s: STS is slow or not answering (the request \
                 to it goes on; it gives up after AWS_AS_STS_TIMEOUT): ask again later",
                WAIT.as_secs()
            ))),
        }
    }

    /// The memo (a due one also starts a check in the background, which this request does not
    /// wait for), else a failure that stands, else the flight to wait on.
    fn start(self: &Arc<Self>, name: &str) -> Start {
        let mut known = lock(&self.known);
        let state = known.entry(name.to_string()).or_default();
        let standing = state.standing();
        if let Some((served, due)) = state.memoized() {
            if due && standing.is_none() {
                drop(self.join(name, state));
            }
            return Start::Answered(Ok(served));
        }
        match standing {
            Some(outcome) => Start::Answered(outcome),
            None => Start::Wait(self.join(name, state)),
        }
    }

    /// The flight resolving `name`, whose state is `state` (under the lock): the one under way,
    /// else a new one on its own thread.
    fn join(self: &Arc<Self>, name: &str, state: &mut Known) -> watch::Receiver<Option<Outcome>> {
        if let Some(rx) = &state.flight {
            return rx.clone();
        }
        let (tx, rx) = watch::channel(None);
        let this = Arc::clone(self);
        let owned = name.to_string();
        let spawned = std::thread::Builder::new()
            .name("aws-as-resolve".into())
            .spawn(move || {
                let (outcome, stands) = this.resolve(&owned);
                let mut known = lock(&this.known);
                let state = known.entry(owned).or_default();
                state.stands = stands.then(|| (Instant::now(), outcome.clone()));
                // The memo was written before (fetch), so a request arriving once the flight
                // is gone finds it rather than starting a flight of its own.
                state.flight = None;
                drop(known);
                let _ = tx.send(Some(outcome));
            });
        match spawned {
            Ok(_) => {
                state.flight = Some(rx.clone());
                rx
            }
            Err(e) => {
                let (tx, rx) = watch::channel(None);
                let _ = tx.send(Some(Err(Error::new(format!(
                    "cannot start a thread to resolve {name}: {e}"
                )))));
                rx
            }
        }
    }

    /// Starts a new flight for `name`, unless one is under way, forgetting the failure that
    /// stood: something changed (an MFA session was made) that may make it succeed.
    fn retry(self: &Arc<Self>, name: &str) {
        let mut known = lock(&self.known);
        let state = known.entry(name.to_string()).or_default();
        state.stands = None;
        drop(self.join(name, state));
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
                if !this.pending.has_page() {
                    return;
                }
                let printable = printable(&name);
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
            let name = printable(name);
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
                Err(Error::new(format!(
                    "{name}'s session was cleared while it was being made"
                ))),
                false,
            ),
            Err((identity, e)) => self.failed(name, identity.as_deref(), e),
        }
    }

    /// The credentials of `name` from the cache or STS, memoized; `None` when the session was
    /// cleared (`DELETE`) while it was being made, so it is not kept; a failure with the
    /// identity, when its profile could be read.
    fn fetch(&self, name: &str) -> Fetched {
        let generation = lock(&self.known).get(name).map_or(0, |k| k.generation);
        let identity = Config::load()
            .and_then(|c| c.identity(name))
            .map_err(|e| (None, e))?;
        let at_least = self.at_least(&identity.summary());
        let resolved = Cache::default_dir().map(Cache::open).and_then(|cache| {
            let mut resolver = Resolver::new(&cache, None, self.ask, self.connect);
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
        let mut known = lock(&self.known);
        let state = known.entry(name.to_string()).or_default();
        if state.generation != generation {
            return Ok(None);
        }
        state.memo = Some(Memo {
            served: Arc::clone(&served),
            checked: Instant::now(),
            at_least,
        });
        drop(known);
        self.pending.served(name);
        Ok(Some(served))
    }

    fn failed(&self, name: &str, identity: Option<&Identity>, e: Error) -> (Outcome, bool) {
        let cause = match e.cause() {
            // Without an STS client (the router's unit tests) only what the cache has is served.
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
            let user = identity.root();
            let lasting = if user.name == identity.name {
                self.at_least(&identity.summary()).max(RENEW_BEFORE)
            } else {
                RENEW_BEFORE
            };
            self.pending.add(identity, cache_key(user), lasting);
        }
        if cause == Cause::SsoSignInNeeded
            && let Some(identity) = identity
        {
            self.pending.add_sign_in(identity);
        }
        // Waiting for a person: the request after theirs must try again, not get this answer.
        let stands = !matches!(cause, Cause::MfaCodeNeeded | Cause::SsoSignInNeeded);
        (Err(Error::with_cause(e.to_string(), cause)), stands)
    }

    /// Drops `name`'s session: its cache entry (under its lock) and what the server remembers of
    /// it. The credentials stay valid at AWS until they expire: nothing can revoke a session.
    /// Returns whether the cache held one. Blocking: call it off the runtime's threads.
    pub fn clear(&self, name: &str) -> crate::error::Result<bool> {
        let identity = Config::load()?.identity(name)?;
        let cache = Cache::open(Cache::default_dir()?);
        let removed = cache.remove(&cache_key(&identity))?;
        let mut known = lock(&self.known);
        let state = known.entry(name.to_string()).or_default();
        state.generation += 1;
        state.memo = None;
        state.stands = None;
        Ok(removed)
    }
}
