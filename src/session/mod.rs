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
//! - `mfa.rs`, `totp.rs`: where a code comes from.

pub mod cache;
pub mod credentials;
pub mod mfa;
pub mod resolver;
pub mod sts;
pub mod totp;

pub use credentials::{Credentials, rfc3339};
pub use resolver::{Resolver, cache_key, session_seconds, sts_region};
pub use sts::Connect;

use cache::Cache;
use chrono::TimeDelta;

use crate::error::Result;
use crate::identity::{Config, Identity};

/// How a new session is made, as the command line asked for it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// An MFA code to use instead of the profile's sources or the terminal.
    pub mfa_code: Option<String>,
    /// Seconds a new session lasts, over the profile's `duration_seconds`.
    pub duration: Option<u32>,
    /// Never ask on the terminal nor run an `mfa_process`: fail instead.
    pub no_input: bool,
}

/// Resolves `name` to an identity and fresh credentials (the cache first, STS on a miss).
/// `at_least`, given the identity, is how long the credentials must still last.
pub fn resolve(
    name: &str,
    request: &Request,
    at_least: Option<&dyn Fn(&Identity) -> TimeDelta>,
    connect: Option<Connect>,
) -> Result<(Identity, Credentials)> {
    let identity = Config::load()?.identity(name)?;
    let credentials = credentials(&identity, request, at_least, connect)?;
    Ok((identity, credentials))
}

/// Fresh credentials for an identity already read (the cache first, STS on a miss).
pub fn credentials(
    identity: &Identity,
    request: &Request,
    at_least: Option<&dyn Fn(&Identity) -> TimeDelta>,
    connect: Option<Connect>,
) -> Result<Credentials> {
    if request.no_input {
        mfa::NO_INPUT.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let cache = Cache::open(Cache::default_dir()?);
    let mut resolver = Resolver::new(&cache, request.mfa_code.clone(), connect);
    match at_least {
        Some(d) => resolver.credentials_lasting(identity, request.duration, d(identity)),
        None => resolver.credentials(identity, request.duration),
    }
}
