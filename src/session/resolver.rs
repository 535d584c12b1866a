//! Credentials for an identity: from the cache when fresh, else from STS under the entry's lock.
//! A role is assumed with its source's cached session, so one MFA covers every role above a user.

use chrono::{TimeDelta, Utc};

use super::cache::{Cache, warn};
use super::credentials::{Credentials, RENEW_BEFORE};
use super::keyring;
use super::mfa::{self, Ask};
use super::sources::{self, Obtained};
use super::sso;
use super::sts::{Connect, RoleRequest, StsApi, WebIdentityRequest};
use crate::error::{Cause, Error, Result};
use crate::identity::{CredentialSource, Identity, Kind, Summary};

const USER_SESSION_SECONDS: u32 = 12 * 3600;
const ROLE_SESSION_SECONDS: u32 = 3600;

/// How long a new session of `identity` lasts: `--duration`, else the profile's, else STS's
/// defaults as aws-as asks for them.
pub fn session_seconds(identity: &Summary, duration: Option<u32>) -> u32 {
    duration
        .or(identity.duration_seconds)
        .unwrap_or(if identity.role {
            ROLE_SESSION_SECONDS
        } else {
            USER_SESSION_SECONDS
        })
}

pub struct Resolver<'a> {
    cache: &'a Cache,
    /// `None` in the `aws-as` binary: a miss is then handed to `aws-as-sts` before any lock is
    /// taken or any MFA code asked for.
    connect: Option<Connect>,
    /// Built on the first miss only: a cache hit never starts the SDK or its runtime.
    sts: Option<Box<dyn StsApi>>,
    mfa_code: Option<String>,
    /// Set once the cache has failed to take a lock or an entry (and the user was warned): the
    /// rest of the chain goes straight to STS.
    uncached: bool,
    /// How far a code may be asked for when `mfa_code` is not given.
    ask: Ask,
}

/// The region STS calls are signed for: the profile's, else `AWS_REGION`, else us-east-1.
pub fn sts_region(identity: &Identity) -> String {
    identity
        .region
        .clone()
        .or_else(|| crate::env_var("AWS_REGION"))
        .or_else(|| crate::env_var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".to_string())
}

/// The cache entry of `identity`'s session. Sessions from one STS endpoint (a local test server,
/// say) are never served for another.
pub fn cache_key(identity: &Identity) -> String {
    cache_key_of(&identity.fingerprint())
}

/// [`cache_key`] from a fingerprint the profile index kept.
pub fn cache_key_of(fingerprint: &str) -> String {
    // IAM Identity Center's portal makes SSO sessions: its endpoint counts for them.
    let portal = if fingerprint.starts_with("sso\0") {
        crate::env_var("AWS_ENDPOINT_URL_SSO")
    } else {
        None
    };
    format!(
        "{fingerprint}\0endpoint={}{}",
        crate::sts_endpoint().unwrap_or_default(),
        portal.map(|p| format!("\0portal={p}")).unwrap_or_default()
    )
}

/// The cached credentials of `key` if they last more than `at_least`, and are not the session
/// `rejected` (one STS has just refused as expired).
pub fn fresh(
    cache: &Cache,
    key: &str,
    at_least: TimeDelta,
    rejected: Option<&str>,
) -> Result<Option<Credentials>> {
    Ok(cache.read(key)?.map(|entry| entry.credentials).filter(|c| {
        c.expiration - Utc::now() > at_least && Some(c.session_token.as_str()) != rejected
    }))
}

impl<'a> Resolver<'a> {
    pub fn new(
        cache: &'a Cache,
        mfa_code: Option<String>,
        ask: Ask,
        connect: Option<Connect>,
    ) -> Self {
        Resolver {
            cache,
            connect,
            sts: None,
            mfa_code,
            uncached: false,
            ask,
        }
    }

    fn sts(&mut self) -> Result<&dyn StsApi> {
        if self.sts.is_none() {
            let connect = self.connect.ok_or_else(Error::needs_sts)?;
            self.sts = Some(connect()?);
        }
        Ok(self.sts.as_deref().expect("just built"))
    }

    /// Fresh credentials for `identity`; `duration` overrides its session length if STS is called.
    pub fn credentials(
        &mut self,
        identity: &Identity,
        duration: Option<u32>,
    ) -> Result<Credentials> {
        self.resolve(identity, duration, RENEW_BEFORE, None)
    }

    /// Like [`Resolver::credentials`], renewing them unless they last `at_least` more (SDKs running
    /// a credential_process ask again, and insist on new credentials, well before expiry).
    pub fn credentials_lasting(
        &mut self,
        identity: &Identity,
        duration: Option<u32>,
        at_least: TimeDelta,
    ) -> Result<Credentials> {
        self.resolve(identity, duration, at_least.max(RENEW_BEFORE), None)
    }

    /// `rejected` is a session token STS has just refused as expired: a cached entry holding it is
    /// renewed however fresh the cache thinks it is.
    fn resolve(
        &mut self,
        identity: &Identity,
        duration: Option<u32>,
        at_least: TimeDelta,
        rejected: Option<&str>,
    ) -> Result<Credentials> {
        let key = cache_key(identity);
        if let Some(credentials) = self.cached(&key, at_least, rejected)? {
            return Ok(credentials);
        }
        if self.connect.is_none() {
            return Err(Error::needs_sts());
        }
        let _lock = match self.cache_step(|cache| cache.lock(&key))? {
            Some(lock) => {
                // Another process may have filled the entry while this one waited for the lock.
                if let Some(credentials) = self.cached(&key, at_least, rejected)? {
                    return Ok(credentials);
                }
                Some(lock)
            }
            None => None,
        };
        let credentials = self.call_sts(identity, duration)?;
        let entry = Cache::new_entry(identity, &key, credentials.clone());
        self.cache_step(|cache| cache.write(&key, &entry))?;
        Ok(credentials)
    }

    /// A new MFA session for the user at the root of `identity`'s chain, made with the code this
    /// resolver was given (a person typed it on the server's page), however fresh the cached one
    /// is: the person asked for it. Taken under the entry's lock; when another process wrote the
    /// entry while this one waited for the lock, that session stands and the code is not sent.
    /// `duration` is used when the user is `identity` itself. Returns the user's name and session.
    pub fn new_mfa_session(
        &mut self,
        identity: &Identity,
        duration: Option<u32>,
    ) -> Result<(String, Credentials)> {
        let user = identity.root();
        let Kind::User { mfa_serial, .. } = &user.kind else {
            let from = match user.kind {
                Kind::Sso(_) => "an IAM Identity Center sign-in",
                Kind::WebIdentity(_) => "a web identity token",
                Kind::Process(_) => "a credential_process",
                _ => "its credential_source",
            };
            return Err(Error::new(format!(
                "{} needs no MFA code: its sessions come from {from}",
                identity.name
            )));
        };
        if mfa_serial.is_none() {
            return Err(Error::new(format!(
                "{} needs no MFA code: its sessions are made from {}'s keys without one",
                identity.name, user.name
            )));
        }
        if self.mfa_code.is_none() {
            return Err(Error::new("no MFA code was given"));
        }
        if self.connect.is_none() {
            return Err(Error::needs_sts());
        }
        let duration = if std::ptr::eq(user, identity) {
            duration
        } else {
            None
        };
        let key = cache_key(user);
        let before = self.cache.read(&key).ok().flatten().map(|e| e.credentials);
        let _lock = self.cache_step(|cache| cache.lock(&key))?;
        let now = self.cache.read(&key).ok().flatten().map(|e| e.credentials);
        if let Some(now) = now
            && before.as_ref().map(|b| &b.session_token) != Some(&now.session_token)
            && now.expiration - Utc::now() > RENEW_BEFORE
        {
            return Ok((user.name.clone(), now));
        }
        let credentials = self.call_sts(user, duration)?;
        let entry = Cache::new_entry(user, &key, credentials.clone());
        self.cache_step(|cache| cache.write(&key, &entry))?;
        Ok((user.name.clone(), credentials))
    }

    /// Runs a cache step that writes; when the cache cannot be written the switch goes on without
    /// it, after one warning. Refusals (a directory another user controls) stay errors.
    fn cache_step<T>(&mut self, step: impl FnOnce(&Cache) -> Result<T>) -> Result<Option<T>> {
        if self.uncached {
            return Ok(None);
        }
        match step(self.cache) {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.cause() == Cause::CacheUnwritable => {
                warn(&format!(
                    "{e}; switching without caching (the next switch calls STS again, with MFA): \
                     make the directory writable or set AWS_AS_CACHE_DIR"
                ));
                self.uncached = true;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn cached(
        &self,
        key: &str,
        at_least: TimeDelta,
        rejected: Option<&str>,
    ) -> Result<Option<Credentials>> {
        fresh(self.cache, key, at_least, rejected)
    }

    fn call_sts(&mut self, identity: &Identity, duration: Option<u32>) -> Result<Credentials> {
        let region = sts_region(identity);
        match &identity.kind {
            Kind::Sso(role) => {
                let ask = self.ask;
                let cache = self.cache;
                sso::role_credentials(self.sts()?.sso(), cache, role, ask)
            }
            Kind::User {
                keys,
                mfa_serial,
                code_source,
            } => {
                let duration = session_seconds(&identity.summary(), duration);
                let name = &identity.name;
                // The keyring is opened here, and only here: STS needs the keys now.
                let keys = &keyring::keys_of(keys, || self.sts()?.keyring())?;
                let Some(serial) = mfa_serial else {
                    return self
                        .sts()?
                        .get_session_token(name, &region, keys, None, duration);
                };
                let given = self.mfa_code.clone();
                let source = mfa::Source::pick(given.as_deref(), code_source.as_ref());
                mfa::with_code(name, serial, &source, self.ask, |code| {
                    self.sts()?.get_session_token(
                        name,
                        &region,
                        keys,
                        Some((serial, code)),
                        duration,
                    )
                })
            }
            Kind::WebIdentity(w) => {
                let token = sources::web_identity_token(&identity.name, &w.token_file)?;
                let default_name = format!("aws-as-{}", Utc::now().timestamp());
                let request = WebIdentityRequest {
                    profile: &identity.name,
                    role_arn: &w.role_arn,
                    session_name: w.session_name.as_deref().unwrap_or(&default_name),
                    token: &token,
                    duration_seconds: session_seconds(&identity.summary(), duration),
                };
                self.sts()?.assume_role_with_web_identity(&region, &request)
            }
            // Switched to itself: a session that ends is handed out (and cached); keys with no
            // end make a session as a user's do, which is what is cached, never the keys.
            Kind::Process(_) | Kind::Ambient(_) => match self.obtain(&identity.name, identity)? {
                Obtained::Session(c) => Ok(c),
                Obtained::Lasting {
                    keys,
                    session_token: None,
                } => {
                    let duration = session_seconds(&identity.summary(), duration);
                    self.sts()?
                        .get_session_token(&identity.name, &region, &keys, None, duration)
                }
                Obtained::Lasting { .. } => Err(Error::new(format!(
                    "{}'s source gave a session token with no expiry: aws-as cannot tell how long it lasts, so it hands it out only as a role's source; make it print Expiration",
                    identity.name
                ))),
            },
            Kind::Role {
                role_arn,
                source,
                session_name,
                external_id,
                settings,
                ..
            } => {
                let mut source_credentials =
                    self.source_credentials(&identity.name, source, None)?;
                let default_name = format!("aws-as-{}", Utc::now().timestamp());
                let request = RoleRequest {
                    profile: &identity.name,
                    role_arn,
                    session_name: session_name.as_deref().unwrap_or(&default_name),
                    external_id: external_id.as_deref(),
                    duration_seconds: session_seconds(&identity.summary(), duration),
                    settings,
                };
                match self
                    .sts()?
                    .assume_role(&region, &source_credentials, &request)
                {
                    // The cache held the source session as valid but STS says it has expired (a
                    // skewed clock, a session cut short): renew it once rather than serve it again.
                    Err(e) if e.cause() == Cause::ExpiredCredentials => {
                        source_credentials = self.source_credentials(
                            &identity.name,
                            source,
                            Some(&source_credentials.session_token),
                        )?;
                        self.sts()?
                            .assume_role(&region, &source_credentials, &request)
                    }
                    result => result,
                }
            }
        }
    }

    /// The credentials a role is assumed with. A `credential_process` or `credential_source`
    /// gives them as the SDKs take them: a session that ends is used (a process's is cached),
    /// keys with no end sign the AssumeRole themselves and are never kept. Any other source is
    /// resolved as an identity. `rejected` is as for [`Resolver::resolve`].
    fn source_credentials(
        &mut self,
        role: &str,
        source: &Identity,
        rejected: Option<&str>,
    ) -> Result<Credentials> {
        let cached = match source.kind {
            Kind::Process(_) => true,
            Kind::Ambient(_) => false,
            _ => return self.resolve(source, None, RENEW_BEFORE, rejected),
        };
        let key = cache_key(source);
        if cached && let Some(credentials) = self.cached(&key, RENEW_BEFORE, rejected)? {
            return Ok(credentials);
        }
        if self.connect.is_none() {
            return Err(Error::needs_sts());
        }
        match self.obtain(role, source)? {
            Obtained::Session(credentials) if cached => {
                let entry = Cache::new_entry(source, &key, credentials.clone());
                self.cache_step(|cache| cache.write(&key, &entry))?;
                Ok(credentials)
            }
            obtained => Ok(obtained.for_signing()),
        }
    }

    /// What a `credential_process` or `credential_source` gives now; `profile` names the profile
    /// it is read for (a role's, for a credential_source).
    fn obtain(&mut self, profile: &str, identity: &Identity) -> Result<Obtained> {
        match &identity.kind {
            Kind::Process(process) => sources::run_process(&identity.name, process),
            Kind::Ambient(CredentialSource::Environment) => sources::environment(profile),
            Kind::Ambient(source) => Ok(Obtained::Session(self.sts()?.ambient(profile, *source)?)),
            _ => unreachable!("only a process or a credential_source is obtained"),
        }
    }
}
