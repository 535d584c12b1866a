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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

use crate::error::Cause;
use crate::identity::{Config, Identity, Summary};
use crate::session::cache::Cache;
use crate::session::credentials::RENEW_BEFORE;
use crate::session::{Connect, Credentials, Resolver, session_seconds};

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
}

/// How long the outcome of a failed resolution stands (one that needs an MFA code costs no STS
/// call and is tried again at once: a session made in a terminal serves the next request).
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// What a log line says about the server's own work (not a request).
pub fn note(line: &str) {
    super::log(&format!("{} aws-as: {line}\n", super::now()));
}

impl Sessions {
    /// `connect` is the STS client (`None`: serve only what the cache has); `duration` the
    /// length of new sessions (`--duration`).
    pub fn new(connect: Option<Connect>, duration: Option<u32>) -> Arc<Sessions> {
        Arc::new(Sessions {
            connect,
            duration,
            renew_before: renew_before(),
            memo: Mutex::new(HashMap::new()),
            flights: Mutex::new(HashMap::new()),
            failed: Mutex::new(HashMap::new()),
        })
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

    /// One resolution, on a plain thread: the cache (and STS under the cache's lock when it
    /// misses), never a prompt on the terminal. With it, whether the outcome is a failure's that
    /// stands for [`RETRY_AFTER`].
    fn resolve(&self, name: &str) -> (Outcome, bool) {
        let resolved = (|| {
            let config = Config::load()?;
            let identity = config.identity(name)?;
            let at_least = self.at_least(&identity.summary());
            let cache = Cache::open(Cache::default_dir()?);
            let mut resolver = Resolver::new(&cache, None, self.connect).without_terminal();
            let credentials = resolver.credentials_lasting(&identity, self.duration, at_least)?;
            Ok((identity, credentials, at_least))
        })();
        match resolved {
            Ok((identity, credentials, at_least)) => {
                let served = Arc::new(Served {
                    identity,
                    credentials,
                    updated: Utc::now(),
                });
                let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
                memo.insert(
                    name.to_string(),
                    Memo {
                        served: Arc::clone(&served),
                        checked: Instant::now(),
                        at_least,
                    },
                );
                (Ok(served), false)
            }
            Err(e) => {
                let e: crate::error::Error = e;
                let cause = match e.cause() {
                    // The lean binary's resolver (no STS client) serves only what the cache has.
                    Cause::NeedsSts => Cause::MfaCodeNeeded,
                    c => c,
                };
                // A renewal that failed leaves the session it was to replace: while that still
                // has more than the shell's renewal margin, it is served rather than nothing.
                if let Some(last) = self.last(name)
                    && last.credentials.expiration - Utc::now() > RENEW_BEFORE
                {
                    let left = (last.credentials.expiration - Utc::now()).num_minutes();
                    note(&format!(
                        "renewing {name} failed ({e}); serving its session, {left}m left"
                    ));
                    return (Ok(last), true);
                }
                let stands = cause != Cause::MfaCodeNeeded;
                let failure = Failure {
                    message: e.to_string(),
                    cause,
                };
                (Err(failure), stands)
            }
        }
    }
}
