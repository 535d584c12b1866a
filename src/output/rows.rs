//! One row per identity, as `aws-as list` shows it and the server's management API gives it:
//! the identity (or why its profile is not usable), its source chain, and what the cache holds.

use chrono::{DateTime, Utc};

use crate::identity::{Config, Identity, Kind};
use crate::session::cache::Cache;
use crate::session::cache_key;

/// The names of the source chain above a role, nearest first (none for a user).
pub fn chain(identity: &Identity) -> Vec<String> {
    let mut names = Vec::new();
    let mut next = identity;
    while let Kind::Role { source, .. } = &next.kind {
        names.push(source.name.clone());
        next = source;
    }
    names
}

/// What the cache holds for an identity.
pub enum Cached {
    None,
    /// The session, however long it has left (none: expired).
    Session {
        access_key_id: String,
        expiration: DateTime<Utc>,
        arn: Option<String>,
    },
    /// The entry cannot be read (`aws-as NAME` says why).
    Unreadable,
}

/// One identity as `aws-as list` shows it, and as the server's management API gives it.
pub struct Row {
    pub name: String,
    /// The identity, or why the profile is not usable.
    pub identity: std::result::Result<Identity, String>,
    pub session: Cached,
}

/// What the cache holds for `identity`.
pub fn cached(cache: &Cache, identity: &Identity) -> Cached {
    match cache.read(&cache_key(identity)) {
        Ok(Some(entry)) => Cached::Session {
            access_key_id: entry.credentials.access_key_id,
            expiration: entry.credentials.expiration,
            arn: entry.credentials.arn,
        },
        Ok(None) => Cached::None,
        Err(_) => Cached::Unreadable,
    }
}

/// The row of profile `name`.
pub fn row(config: &Config, cache: &Cache, name: &str) -> Row {
    let identity = config.identity(name).map_err(|e| e.to_string());
    let session = match &identity {
        Ok(identity) => cached(cache, identity),
        Err(_) => Cached::None,
    };
    Row {
        name: name.to_string(),
        identity,
        session,
    }
}

/// Every identity's row, sorted by name.
pub fn rows(config: &Config, cache: &Cache) -> Vec<Row> {
    config
        .names()
        .into_iter()
        .map(|name| row(config, cache, name))
        .collect()
}
