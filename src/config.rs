//! Identities from the files people already have: `~/.aws/config` and `~/.aws/credentials`
//! (or `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`), read by aws-config's own profile loader
//! so that the semantics are the AWS CLI's.

use std::borrow::Cow;
use std::collections::HashSet;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};

use crate::error::{Error, Result};

/// Long-term keys of an IAM user. The secret never reaches `Debug`, a message or a log.
#[derive(Clone)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({}, <secret>)", self.access_key_id)
    }
}

/// How to get an MFA code without asking: the profile's `mfa_process`, or its
/// `aws_as_mfa_totp_secret`. Not in the fingerprint: it says how to get a code, not who you are.
#[derive(Clone, Debug)]
pub struct CodeSource {
    /// The profile the keys were read from (a role's, when lent to its user).
    pub profile: String,
    pub process: Option<String>,
    pub totp: Option<crate::totp::Secret>,
}

#[derive(Clone, Debug)]
pub enum Kind {
    /// Long-term keys: aws-as calls GetSessionToken (with MFA when `mfa_serial` is set).
    User {
        keys: Keys,
        mfa_serial: Option<String>,
        code_source: Option<CodeSource>,
    },
    /// AssumeRole signed with the source identity's session.
    Role {
        role_arn: String,
        source: Box<Identity>,
        session_name: Option<String>,
        external_id: Option<String>,
        mfa_serial: Option<String>,
        code_source: Option<CodeSource>,
    },
}

#[derive(Clone, Debug)]
pub struct Identity {
    pub name: String,
    pub kind: Kind,
    /// The profile's region, else the nearest one down its source chain.
    pub region: Option<String>,
    pub duration_seconds: Option<u32>,
}

impl Identity {
    /// A string that changes whenever anything that shapes this identity's credentials changes:
    /// the cache key is derived from it, so an edited profile never returns the old credentials.
    pub fn fingerprint(&self) -> String {
        match &self.kind {
            Kind::User {
                keys, mfa_serial, ..
            } => format!(
                "user\0{}\0{}\0{:016x}",
                keys.access_key_id,
                mfa_serial.as_deref().unwrap_or(""),
                crate::cache::fnv1a(keys.secret_access_key.as_bytes())
            ),
            Kind::Role {
                role_arn,
                source,
                session_name,
                external_id,
                ..
            } => format!(
                "role\0{}\0{}\0{}\0{}\0[{}]",
                role_arn,
                session_name.as_deref().unwrap_or(""),
                external_id.as_deref().unwrap_or(""),
                self.name,
                source.fingerprint()
            ),
        }
    }

    /// The MFA device the user at the root of this chain signs in with: its own `mfa_serial`, else
    /// one named by a role above it (a role profile written for the AWS CLI carries it there).
    pub fn root_mfa_serial(&self) -> Option<&str> {
        match &self.kind {
            Kind::User { mfa_serial, .. } => mfa_serial.as_deref(),
            Kind::Role {
                source, mfa_serial, ..
            } => source.root_mfa_serial().or(mfa_serial.as_deref()),
        }
    }

    /// Gives the user at the root the MFA device a role above it names, when the user names none,
    /// so the user's session is the MFA session the role needs (and is cached under that device).
    fn lend_mfa_serial(&mut self, serial: String) {
        match &mut self.kind {
            Kind::User { mfa_serial, .. } => {
                mfa_serial.get_or_insert(serial);
            }
            Kind::Role { source, .. } => source.lend_mfa_serial(serial),
        }
    }

    /// Where the user at the root of this chain gets MFA codes: its own `mfa_process` or TOTP
    /// secret, else those of the nearest role above it that has one, as for `mfa_serial`.
    fn root_code_source(&self) -> Option<&CodeSource> {
        match &self.kind {
            Kind::User { code_source, .. } => code_source.as_ref(),
            Kind::Role {
                source,
                code_source,
                ..
            } => source.root_code_source().or(code_source.as_ref()),
        }
    }

    fn lend_code_source(&mut self, lent: CodeSource) {
        match &mut self.kind {
            Kind::User { code_source, .. } => {
                code_source.get_or_insert(lent);
            }
            Kind::Role { source, .. } => source.lend_code_source(lent),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::User { .. } => "user",
            Kind::Role { .. } => "role",
        }
    }
}

/// Session lengths STS accepts (GetSessionToken's range; AssumeRole's is narrower and STS says so).
pub const DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=129_600;

pub struct Config {
    profiles: ProfileSet,
}

/// aws-config's loader is `async` only in signature: its real file system reads with std::fs, so
/// the future completes on its first poll. Polling it here keeps the cache-hit path free of any
/// async runtime.
fn complete_now<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("aws-config's profile loader awaited real I/O"),
    }
}

impl Config {
    pub fn load() -> Result<Config> {
        let files = EnvConfigFiles::default();
        let profiles = complete_now(aws_config::profile::load(
            &Fs::real(),
            &Env::real(),
            &files,
            Some(Cow::Borrowed("default")),
        ))
        .map_err(|e| {
            Error::new(format!(
                "cannot read the AWS config files: {e} (fix the file, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere)"
            ))
        })?;
        Ok(Config { profiles })
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.profiles.profiles().collect();
        names.sort_unstable();
        names
    }

    /// The identity `name` with its whole source chain.
    pub fn identity(&self, name: &str) -> Result<Identity> {
        let Some(_) = self.profiles.get_profile(name) else {
            let known = self.names();
            let known = if known.is_empty() {
                "none: add profiles to ~/.aws/config and ~/.aws/credentials".to_string()
            } else {
                known
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(Error::new(format!(
                "unknown identity {name:?}: known identities are {known}"
            )));
        };
        let mut identity = self.resolve(name, &mut HashSet::new(), false)?;
        if let Some(serial) = identity.root_mfa_serial().map(str::to_string) {
            identity.lend_mfa_serial(serial);
        }
        if let Some(code_source) = identity.root_code_source().cloned() {
            identity.lend_code_source(code_source);
        }
        Ok(identity)
    }

    fn resolve(&self, name: &str, seen: &mut HashSet<String>, as_user: bool) -> Result<Identity> {
        let profile = self.profiles.get_profile(name).ok_or_else(|| {
            Error::new(format!(
                "source_profile {name:?} does not exist: add it or fix source_profile"
            ))
        })?;
        let get = |key: &str| get(profile, key);
        let duration_seconds = match get("duration_seconds") {
            None => None,
            Some(v) => Some(
                v.parse::<u32>()
                    .ok()
                    .filter(|d| DURATION_RANGE.contains(d))
                    .ok_or_else(|| {
                        Error::new(format!(
                            "profile {name:?}: duration_seconds = {v:?} is not a number of seconds from 900 to 129600: fix it in the profile"
                        ))
                    })?,
            ),
        };
        let region = get("region");
        let code_source = match (get("mfa_process"), get("aws_as_mfa_totp_secret")) {
            (None, None) => None,
            (process, secret) => Some(CodeSource {
                profile: name.to_string(),
                process,
                totp: secret.map(|s| crate::totp::Secret::new(name, s)),
            }),
        };

        if let (Some(role_arn), false) = (get("role_arn"), as_user) {
            if !seen.insert(name.to_string()) {
                bail!("profile {name:?}: source_profile loops back to itself: fix source_profile");
            }
            if get("credential_source").is_some() && get("source_profile").is_none() {
                bail!(
                    "profile {name:?}: credential_source is not supported by aws-as: use source_profile"
                );
            }
            let Some(source_name) = get("source_profile") else {
                bail!(
                    "profile {name:?} has role_arn but no source_profile: add source_profile = <a user or role profile>"
                );
            };
            // A role whose source_profile is itself uses its own static keys as the source (AWS CLI semantics).
            let source = if source_name == name {
                self.resolve(&source_name, seen, true)?
            } else {
                self.resolve(&source_name, seen, false)?
            };
            let region = region.or_else(|| source.region.clone());
            return Ok(Identity {
                name: name.to_string(),
                kind: Kind::Role {
                    role_arn,
                    source: Box::new(source),
                    session_name: get("role_session_name"),
                    external_id: get("external_id"),
                    mfa_serial: get("mfa_serial"),
                    code_source,
                },
                region,
                duration_seconds,
            });
        }

        match (get("aws_access_key_id"), get("aws_secret_access_key")) {
            (Some(access_key_id), Some(secret_access_key)) => Ok(Identity {
                name: name.to_string(),
                kind: Kind::User {
                    keys: Keys {
                        access_key_id,
                        secret_access_key,
                    },
                    mfa_serial: get("mfa_serial"),
                    code_source,
                },
                region,
                duration_seconds,
            }),
            (Some(_), None) | (None, Some(_)) => Err(Error::new(format!(
                "profile {name:?} has only half of its keys: set both aws_access_key_id and aws_secret_access_key in ~/.aws/credentials"
            ))),
            (None, None) => Err(Error::new(format!(
                "profile {name:?} is neither a user (aws_access_key_id + aws_secret_access_key) nor a role (role_arn + source_profile): add one of them"
            ))),
        }
    }
}

fn get(profile: &Profile, key: &str) -> Option<String> {
    profile
        .get(key)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}
