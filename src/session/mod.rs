//! How a session is obtained for an identity: the cache first (one file read, no lock), else,
//! under the entry's lock, STS with an MFA code from the first source that gives one. A role is
//! assumed from its source's cached session, so one MFA covers every role above a user.
//!
//! Uses the identity layer, never an output.
//!
//! - `resolver.rs`: the chain, renewal, the cache key.
//! - `cache.rs`: the entries on disk, their locks, and the warnings a command prints once.
//! - `credentials.rs`: what a session is.
//! - `sts/`: what is asked of STS (`mod.rs`) and the SDK client that asks it (`client.rs`,
//!   linked into `aws-as-sts` only).
//! - `sources.rs`: credentials from outside STS: a `credential_process`, the environment, a web
//!   identity token.
//! - `mfa/`: where a code comes from.
//! - `keyring/`: long-term keys in the OS keyring, read only when STS needs them (the store
//!   itself linked into `aws-as-sts` only).
//! - `sso/`: IAM Identity Center: the shared token, the sign-ins, GetRoleCredentials.

pub mod cache;
pub mod credentials;
pub mod index;
pub mod keyring;
pub mod mfa;
pub mod resolver;
pub mod sdk;
pub mod sources;
pub mod sso;
pub mod sts;

pub use credentials::{Credentials, rfc3339};
pub use mfa::Ask;
pub use resolver::{Resolver, cache_key, session_seconds, sts_region};
pub use sts::Connect;

use cache::Cache;
use chrono::TimeDelta;
use credentials::RENEW_BEFORE;

use crate::error::Result;
use crate::identity::{Config, Identity, Summary};

/// How a new session is made, as the command line asked for it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// An MFA code to use instead of the profile's sources or the terminal.
    pub mfa_code: Option<String>,
    /// Seconds a new session lasts, over the profile's `duration_seconds`.
    pub duration: Option<u32>,
    /// How far aws-as may go for an MFA code: the terminal, an `mfa_process`, or neither.
    pub ask: Ask,
}

/// Resolves `name` to its identity's summary and fresh credentials (the cache first, STS on a
/// miss). `at_least`, given the identity, is how long the credentials must still last.
///
/// A hit needs no parse of the profile files when the profile index knows `name` as the files
/// are now ([`index`]); anything else (a miss, an edited file) takes the whole path.
pub fn resolve(
    name: &str,
    request: &Request,
    at_least: Option<&dyn Fn(&Summary) -> TimeDelta>,
    connect: Option<Connect>,
) -> Result<(Summary, Credentials)> {
    let cache = Cache::open(Cache::default_dir()?);
    let stamps = index::Stamps::now();
    if let Some((summary, fingerprint)) = index::lookup(&cache, &stamps, name)? {
        let wanted = at_least.map_or(RENEW_BEFORE, |d| d(&summary).max(RENEW_BEFORE));
        let key = resolver::cache_key_of(&fingerprint);
        if let Some(credentials) = resolver::fresh(&cache, &key, wanted, None)? {
            return Ok((summary, credentials));
        }
    }
    let config = Config::load()?;
    let identity = config.identity(name)?;
    let credentials = credentials(&identity, request, at_least, connect)?;
    // After the session, whose first write made the cache directory; with the stamps taken
    // before the parse.
    index::record(&cache, &stamps, &identity);
    Ok((identity.summary(), credentials))
}

/// Fresh credentials for an identity already read (the cache first, STS on a miss).
pub fn credentials(
    identity: &Identity,
    request: &Request,
    at_least: Option<&dyn Fn(&Summary) -> TimeDelta>,
    connect: Option<Connect>,
) -> Result<Credentials> {
    let cache = Cache::open(Cache::default_dir()?);
    let mut resolver = Resolver::new(&cache, request.mfa_code.clone(), request.ask, connect);
    match at_least {
        Some(d) => resolver.credentials_lasting(identity, request.duration, d(&identity.summary())),
        None => resolver.credentials(identity, request.duration),
    }
}

/// Every usable profile name (one a switch can use), sorted: from the profile index when it knows
/// the files as they are now, else from a parse (which the index then keeps). For completion, at
/// every TAB, and the picker.
pub fn profile_names() -> Result<Vec<String>> {
    let stamps = index::Stamps::now();
    let cache = Cache::default_dir().ok().map(Cache::open);
    if let Some(cache) = &cache
        && let Some(names) = index::names(cache, &stamps)?
    {
        return Ok(names);
    }
    let config = Config::load()?;
    // Only the profiles that make an identity: a name completion offers should switch. Worked
    // out once per change of the files (the index keeps the result), never on a switch.
    let names: Vec<&str> = config
        .names()
        .into_iter()
        .filter(|n| config.identity(n).is_ok())
        .collect();
    if let Some(cache) = &cache {
        index::record_names(cache, &stamps, &names);
    }
    Ok(names.into_iter().map(str::to_string).collect())
}
