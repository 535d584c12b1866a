//! Credentials for an identity: from the cache when fresh, else from STS under the entry's lock.
//! A role is assumed with its source's cached session, so one MFA covers every role above a user.

use chrono::Utc;

use crate::cache::{Cache, Credentials};
use crate::config::{Identity, Kind};
use crate::error::Result;
use crate::mfa;
use crate::sts::{RoleRequest, Sts};

const USER_SESSION_SECONDS: u32 = 12 * 3600;
const ROLE_SESSION_SECONDS: u32 = 3600;

pub struct Resolver<'a> {
    cache: &'a Cache,
    /// Built on the first miss only: a cache hit never starts the SDK or its runtime.
    sts: Option<Sts>,
    mfa_code: Option<String>,
}

/// The region STS calls are signed for: the profile's, else `AWS_REGION`, else us-east-1.
fn sts_region(identity: &Identity) -> String {
    identity
        .region
        .clone()
        .or_else(|| crate::env_var("AWS_REGION"))
        .or_else(|| crate::env_var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".to_string())
}

impl<'a> Resolver<'a> {
    pub fn new(cache: &'a Cache, mfa_code: Option<String>) -> Self {
        Resolver {
            cache,
            sts: None,
            mfa_code,
        }
    }

    fn sts(&mut self) -> Result<&Sts> {
        if self.sts.is_none() {
            self.sts = Some(Sts::new()?);
        }
        Ok(self.sts.as_ref().expect("just built"))
    }

    /// Fresh credentials for `identity`; `duration` overrides its session length if STS is called.
    pub fn credentials(
        &mut self,
        identity: &Identity,
        duration: Option<u32>,
    ) -> Result<Credentials> {
        // Sessions from one STS endpoint (a local test server, say) are never served for another.
        let key = format!(
            "{}\0endpoint={}",
            identity.fingerprint(),
            crate::sts_endpoint().unwrap_or_default()
        );
        if let Some(credentials) = self.cached(&key)? {
            return Ok(credentials);
        }
        let _lock = self.cache.lock(&key)?;
        // Another process may have filled the entry while this one waited for the lock.
        if let Some(credentials) = self.cached(&key)? {
            return Ok(credentials);
        }
        let credentials = self.call_sts(identity, duration)?;
        self.cache
            .write(&key, &Cache::new_entry(identity, &key, credentials.clone()))?;
        Ok(credentials)
    }

    fn cached(&self, key: &str) -> Result<Option<Credentials>> {
        Ok(self
            .cache
            .read(key)?
            .map(|entry| entry.credentials)
            .filter(|c| c.fresh(Utc::now())))
    }

    fn call_sts(&mut self, identity: &Identity, duration: Option<u32>) -> Result<Credentials> {
        let region = sts_region(identity);
        match &identity.kind {
            Kind::User { keys, mfa_serial } => {
                let code = match mfa_serial {
                    Some(serial) => Some((
                        serial.as_str(),
                        mfa::code(serial, self.mfa_code.as_deref())?,
                    )),
                    None => None,
                };
                let duration = duration
                    .or(identity.duration_seconds)
                    .unwrap_or(USER_SESSION_SECONDS);
                self.sts()?.get_session_token(
                    &identity.name,
                    &region,
                    keys,
                    code.as_ref().map(|(s, c)| (*s, c.as_str())),
                    duration,
                )
            }
            Kind::Role {
                role_arn,
                source,
                session_name,
                external_id,
                ..
            } => {
                let source_credentials = self.credentials(source, None)?;
                let default_name = format!("aws-as-{}", Utc::now().timestamp());
                let request = RoleRequest {
                    profile: &identity.name,
                    role_arn,
                    session_name: session_name.as_deref().unwrap_or(&default_name),
                    external_id: external_id.as_deref(),
                    duration_seconds: duration
                        .or(identity.duration_seconds)
                        .unwrap_or(ROLE_SESSION_SECONDS),
                };
                self.sts()?
                    .assume_role(&region, &source_credentials, &request)
            }
        }
    }
}
