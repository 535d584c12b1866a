//! Who a server lets in, decided once a connection's owner is known (in the accept loop, or in
//! the task that read the owner from the kernel's tables): its own user, the users
//! `--allow-user` names (each with its own limit), within the server's connection limit; every
//! refusal logged, at most a line a second.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{lock, note};

/// Connections open at once; past it new ones are closed at once (and logged).
pub const MAX_CONNECTIONS: usize = 256;
/// Connections open at once from any one other user `--allow-user` names: a quarter, so no one
/// of them can hold every connection the user's own SDKs need.
pub const MAX_CONNECTIONS_PER_OTHER_USER: usize = MAX_CONNECTIONS / 4;

/// Who is let in, decided once a connection's owner is known: in the accept loop, or in the
/// task that read the owner from the tables.
pub(super) struct Door {
    pub(super) own: u32,
    pub(super) allowed_users: Vec<u32>,
    pub(super) permits: Arc<Semaphore>,
    /// The connections of each user `--allow-user` names.
    pub(super) others: Mutex<HashMap<u32, Arc<Semaphore>>>,
    pub(super) refusals: Mutex<Refusals>,
    pub(super) last_full: Mutex<Option<Instant>>,
}

/// What an admitted connection holds until it closes.
pub(super) struct Admitted {
    _permit: OwnedSemaphorePermit,
    _other: Option<OwnedSemaphorePermit>,
}

impl Door {
    /// A place for a connection from `peer` made by `owner`, or `None` (logged) when it is
    /// refused: another user not allowed, an owner nobody can name, too many connections.
    pub(super) fn admit(&self, owner: Option<u32>, peer: SocketAddr) -> Option<Admitted> {
        let own = self.own;
        let other = match owner {
            Some(uid) if uid == own => None,
            Some(uid) if self.allowed_users.contains(&uid) => {
                let user =
                    Arc::clone(lock(&self.others).entry(uid).or_insert_with(|| {
                        Arc::new(Semaphore::new(MAX_CONNECTIONS_PER_OTHER_USER))
                    }));
                match user.try_acquire_owned() {
                    Ok(permit) => Some(permit),
                    Err(_) => {
                        lock(&self.refusals).note(&format!(
                            "{MAX_CONNECTIONS_PER_OTHER_USER} connections of uid {uid} are open: \
                             closing its new ones until some end"
                        ));
                        return None;
                    }
                }
            }
            // Off Linux nobody can be told apart: served as before (the README says so).
            None if !crate::peer::CAN_TELL => None,
            refused => {
                lock(&self.refusals).note(&match refused {
                    Some(uid) => format!(
                        "refused a connection from another user (uid {uid}), closed unread: only \
                         uid {own} is served (aws-as serve --allow-user serves another)"
                    ),
                    None => format!(
                        "refused a connection from {peer}, closed unread: the kernel does not say \
                         which user made it (another network namespace?)"
                    ),
                });
                return None;
            }
        };
        let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() else {
            let mut last_full = lock(&self.last_full);
            if last_full.is_none_or(|t| t.elapsed() > Duration::from_secs(1)) {
                note(&format!(
                    "{MAX_CONNECTIONS} connections are open: closing new ones until some end"
                ));
                *last_full = Some(Instant::now());
            }
            return None;
        };
        Some(Admitted {
            _permit: permit,
            _other: other,
        })
    }
}

/// The log of refused connections: a line for the first, then at most one a second (another
/// user could otherwise fill the log), saying how many went unlogged.
#[derive(Default)]
pub(super) struct Refusals {
    last: Option<Instant>,
    unlogged: u64,
}

impl Refusals {
    fn note(&mut self, line: &str) {
        if self
            .last
            .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            self.unlogged += 1;
            return;
        }
        match std::mem::take(&mut self.unlogged) {
            0 => note(line),
            n => note(&format!(
                "{line} ({n} more refused since the last such line)"
            )),
        }
        self.last = Some(Instant::now());
    }
}
