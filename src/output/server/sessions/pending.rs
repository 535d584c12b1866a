//! Requests that could not be served for want of an MFA code, and what ends them: a session made
//! in a terminal (found by a watcher that reads the cache each second), or a code typed on the
//! management page. A new one is said once in the log and, when the server has a page, in a
//! desktop notification. Likewise requests that need an IAM Identity Center sign-in (the token
//! expired and cannot be refreshed, or the portal refused it): they end when a person signs in
//! (`aws-as sso login` or `aws sso login` in a terminal, found by the same watcher in the shared
//! token cache); one notification per sign-in.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::Sessions;
use crate::error::{Error, Result};
use crate::identity::{Config, Identity, SsoSignIn};
use crate::output::rows::sign_in_command;
use crate::output::server::{lock, note};
use crate::output::text::printable;
use crate::session::cache::Cache;
use crate::session::sso::{TOKEN_RENEW_BEFORE, token};
use crate::session::{Resolver, resolver};

/// How long a code typed on the page waits for STS (a person is waiting, not an SDK).
pub const MFA_WAIT: Duration = Duration::from_secs(20);

/// How often the requests waiting for an MFA code are checked against the cache.
const PENDING_CHECK: Duration = Duration::from_secs(1);

/// A waiting identity is made once its MFA session exists only if a request asked for it this
/// recently (SDKs ask again every few minutes at most while they run).
const WARM_WITHIN: Duration = Duration::from_secs(15 * 60);

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

/// A request that could not be served because its identity's IAM Identity Center sign-in needs a
/// person: it stands until the shared token cache holds a token that lasts, or a request for
/// `identity` is served.
#[derive(Clone, Debug)]
pub struct SignInWait {
    pub identity: String,
    pub sign_in: SsoSignIn,
    /// `aws-as sso login …`, what the person runs.
    pub command: String,
    /// The token the portal refused, if that is why (by its expiry: the token itself is not
    /// kept): a file still holding it is no sign-in.
    refused: Option<DateTime<Utc>>,
    pub since: DateTime<Utc>,
    pub last: DateTime<Utc>,
    pub requests: u32,
}

/// The pending requests by identity, and where a person can enter a code.
#[derive(Default)]
pub(super) struct Waiting {
    by_name: Mutex<BTreeMap<String, Pending>>,
    /// Requests waiting for an IAM Identity Center sign-in, by identity.
    sign_ins: Mutex<BTreeMap<String, SignInWait>>,
    /// The management page's address: set, a new pending request is also a desktop notification
    /// naming it (`aws-as serve`; `exec --server` has no page).
    page: OnceLock<String>,
}

impl Waiting {
    pub(super) fn notify_with(&self, page: String) {
        let _ = self.page.set(page);
    }

    pub(super) fn has_page(&self) -> bool {
        self.page.get().is_some()
    }

    /// One more request for `name` failed for want of the code or the sign-in.
    pub(super) fn asked(&self, name: &str) {
        if let Some(p) = lock(&self.by_name).get_mut(name) {
            p.requests += 1;
            p.last = Utc::now();
        }
        if let Some(p) = lock(&self.sign_ins).get_mut(name) {
            p.requests += 1;
            p.last = Utc::now();
        }
    }

    /// A request for `name` was served: nothing waits for it any more.
    pub(super) fn served(&self, name: &str) {
        lock(&self.by_name).remove(name);
        lock(&self.sign_ins).remove(name);
    }

    /// Records that `identity` waits for a person to sign in to its IAM Identity Center sign-in;
    /// the first time for that sign-in, says so in the log and, when the server has a page, in
    /// one desktop notification (names, the command and the page's address only).
    pub(super) fn add_sign_in(&self, identity: &Identity) {
        let Some(sign_in) = identity.sso_sign_in() else {
            return;
        };
        let now = Utc::now();
        // The token the file holds now is the one that failed (expired, or refused by the portal).
        let refused = token::read_token(sign_in)
            .ok()
            .flatten()
            .map(|t| t.expires_at);
        let first_for_sign_in;
        {
            let mut waits = lock(&self.sign_ins);
            if waits.contains_key(&identity.name) {
                return;
            }
            first_for_sign_in = !waits.values().any(|w| w.sign_in == *sign_in);
            waits.insert(
                identity.name.clone(),
                SignInWait {
                    identity: identity.name.clone(),
                    sign_in: sign_in.clone(),
                    command: sign_in_command(identity),
                    refused,
                    since: now,
                    last: now,
                    requests: 0,
                },
            );
        }
        if !first_for_sign_in {
            return;
        }
        let name = printable(&identity.name);
        let label = printable(sign_in.label());
        let command = sign_in_command(identity);
        let Some(page) = self.page.get() else {
            return;
        };
        note(&format!(
            "{name} waits for an IAM Identity Center sign-in ({label}): run {command} in a terminal (the page at {page} shows it)"
        ));
        let body = format!(
            "{name} needs an IAM Identity Center sign-in ({label}). Run {command} in a terminal; the requests are then served."
        );
        let spawned = std::thread::Builder::new()
            .name("aws-as-notify".into())
            .spawn(move || {
                crate::output::notify::notify("aws-as: a sign-in is needed", &body);
            });
        if let Err(e) = spawned {
            note(&format!("cannot start a thread to notify: {e}"));
        }
    }

    /// The requests waiting for a sign-in, oldest first, less those whose sign-in the token cache
    /// now holds (a token that lasts, other than the one that failed); with the names of those an
    /// SDK asked for lately, to get ready.
    fn check_sign_ins(&self) -> (Vec<SignInWait>, Vec<String>) {
        let mut waits = lock(&self.sign_ins);
        let mut ready = Vec::new();
        let recent = Utc::now() - TimeDelta::from_std(WARM_WITHIN).unwrap_or_default();
        let mut signed_in: BTreeMap<String, bool> = BTreeMap::new();
        waits.retain(|name, w| {
            let done = *signed_in
                .entry(w.sign_in.label().to_string())
                .or_insert_with(|| {
                    token::read_token(&w.sign_in)
                        .ok()
                        .flatten()
                        .is_some_and(|t| {
                            t.expires_at - Utc::now() > TOKEN_RENEW_BEFORE
                                && Some(t.expires_at) != w.refused
                        })
                });
            if done && w.last > recent {
                ready.push(name.clone());
            }
            !done
        });
        let mut out: Vec<SignInWait> = waits.values().cloned().collect();
        out.sort_by_key(|w| w.since);
        (out, ready)
    }

    /// Records that `identity` waits for a new MFA session (the user's cache entry `key`, which
    /// must last `lasting`); the first time, says so in the log and, when the server has a page,
    /// in a desktop notification (names and the page's address only: nothing secret).
    pub(super) fn add(&self, identity: &Identity, key: String, lasting: TimeDelta) {
        let user = identity.root();
        let serial = identity.root_mfa_serial().unwrap_or_default().to_string();
        let now = Utc::now();
        {
            let mut by_name = lock(&self.by_name);
            if by_name.contains_key(&identity.name) {
                return;
            }
            by_name.insert(
                identity.name.clone(),
                Pending {
                    identity: identity.name.clone(),
                    user: user.name.clone(),
                    serial: serial.clone(),
                    key,
                    lasting,
                    since: now,
                    last: now,
                    requests: 0,
                },
            );
        }
        let name = printable(&identity.name);
        let user = printable(&user.name);
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
            .spawn(move || crate::output::notify::notify("aws-as: an MFA code is needed", &body));
        if let Err(e) = spawned {
            note(&format!("cannot start a thread to notify: {e}"));
        }
    }

    /// The pending requests, oldest first, less those whose MFA session the cache now holds;
    /// with the names of those that an SDK asked for lately, to get ready.
    fn check(&self) -> (Vec<Pending>, Vec<String>) {
        let cache = Cache::default_dir().map(Cache::open).ok();
        let mut by_name = lock(&self.by_name);
        let mut ready = Vec::new();
        let recent = Utc::now() - TimeDelta::from_std(WARM_WITHIN).unwrap_or_default();
        by_name.retain(|name, p| {
            let has_session = cache.as_ref().is_some_and(|cache| {
                resolver::fresh(cache, &p.key, p.lasting, None).is_ok_and(|c| c.is_some())
            });
            // An SDK that asked long ago has given up: its identity is not made for nobody.
            if has_session && p.last > recent {
                ready.push(name.clone());
            }
            !has_session
        });
        let mut out: Vec<Pending> = by_name.values().cloned().collect();
        out.sort_by_key(|p| p.since);
        (out, ready)
    }

    /// Takes out the requests waiting for `user`'s MFA session, and gives their identities.
    fn take_user(&self, user: &str) -> Vec<String> {
        let mut by_name = lock(&self.by_name);
        let names = by_name
            .values()
            .filter(|p| p.user == user)
            .map(|p| p.identity.clone())
            .collect();
        by_name.retain(|_, p| p.user != user);
        names
    }

    fn is_empty(&self) -> bool {
        lock(&self.by_name).is_empty() && lock(&self.sign_ins).is_empty()
    }
}

/// While a request waits for an MFA code, checks every [`PENDING_CHECK`] whether the session
/// has appeared (`aws-as USER` in a terminal tells the server nothing), and gets the waiting
/// identities ready: else the SDK's next request would wait for their AssumeRole, and botocore
/// gives IMDS one second. Ends with the server's `Sessions`.
pub(super) fn watch(sessions: &Arc<Sessions>) {
    let watched = Arc::downgrade(sessions);
    let spawned = std::thread::Builder::new()
        .name("aws-as-pending".into())
        .spawn(move || watching(watched));
    if let Err(e) = spawned {
        note(&format!(
            "cannot start a thread to watch for MFA sessions: {e}; the next request finds them"
        ));
    }
}

fn watching(sessions: Weak<Sessions>) {
    loop {
        std::thread::sleep(PENDING_CHECK);
        let Some(sessions) = sessions.upgrade() else {
            return;
        };
        if !sessions.pending.is_empty() {
            sessions.pending();
            sessions.sign_ins();
        }
    }
}

impl Sessions {
    /// The requests waiting for an MFA code, oldest first. One whose MFA session now exists (a
    /// code typed on the page, `aws-as USER` in any terminal) is dropped, and its identity got
    /// ready: the next request is served at once. Reads the cache: call it off the runtime's
    /// threads.
    pub fn pending(self: &Arc<Self>) -> Vec<Pending> {
        let (pending, ready) = self.pending.check();
        for name in ready {
            self.warm(&name);
        }
        pending
    }

    /// The requests waiting for an IAM Identity Center sign-in, oldest first. One whose sign-in
    /// now has a token that lasts (`aws-as sso login`, `aws sso login`) is dropped, and its
    /// identity got ready. Reads the token files: call it off the runtime's threads.
    pub fn sign_ins(self: &Arc<Self>) -> Vec<SignInWait> {
        let (waits, ready) = self.pending.check_sign_ins();
        for name in ready {
            self.retry(&name);
        }
        waits
    }

    /// A new MFA session for the user at the root of `name`'s chain, made with `code` (typed on
    /// the page). The requests waiting for it are then resolved in the background, so the next
    /// SDK request is answered at once. Returns the user's name.
    pub async fn new_mfa_session(self: &Arc<Self>, name: &str, code: String) -> Result<String> {
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
                        let mut resolver =
                            Resolver::new(&cache, Some(code), this.ask, this.connect);
                        resolver.new_mfa_session(&identity, this.duration)
                    });
                let _ = tx.send(made.map(|(user, _)| user));
            });
        if let Err(e) = spawned {
            return Err(Error::new(format!(
                "cannot start a thread for the MFA session: {e}"
            )));
        }
        let user = match tokio::time::timeout(MFA_WAIT, rx).await {
            Ok(Ok(made)) => made,
            Ok(Err(_)) => Err(Error::new(
                "the MFA session's thread ended without an answer",
            )),
            Err(_) => Err(Error::new(format!(
                "STS did not answer within {} s: try again later (it gives up after AWS_AS_STS_TIMEOUT)",
                MFA_WAIT.as_secs()
            ))),
        }?;
        let waiting = self.pending.take_user(&user);
        note(&format!(
            "a new MFA session of {user}, with a code from the page"
        ));
        for identity in waiting.iter().chain(std::iter::once(&name.to_string())) {
            self.retry(identity);
        }
        Ok(user)
    }
}
