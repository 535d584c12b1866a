//! Profiles into identities: aws-config's own profile loader reads the files' text, so the
//! semantics are the AWS CLI's; each profile then becomes an [`Identity`] with its source chain.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};

use super::files::profile_files;
use super::{CodeSource, DURATION_RANGE, Identity, Keys, Kind, TotpSecret, valid_region};
use crate::error::{Error, Result};

pub struct Config {
    profiles: ProfileSet,
}

/// How many known identities an "unknown identity" error lists: the message stays one line a
/// person can read, however many profiles the files hold.
const KNOWN_SHOWN: usize = 20;

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
    /// Reads both files itself (see [`ProfileFile::read`]) and hands their text to aws-config's
    /// loader under their real paths, so its parse errors name the file and the line.
    pub fn load() -> Result<Config> {
        let files = profile_files();
        let mut texts: HashMap<OsString, Vec<u8>> = HashMap::new();
        let mut builder = EnvConfigFiles::builder();
        for file in &files {
            let text = file.read()?.unwrap_or_default();
            texts.insert(file.path.clone().into_os_string(), text.into_bytes());
            builder = builder.with_file(file.kind, &file.path);
        }
        let profiles = complete_now(aws_config::profile::load(
            &Fs::from_raw_map(texts),
            &Env::real(),
            &builder.build(),
            Some(Cow::Borrowed("default")),
        ))
        .map_err(|e| {
            // The top error says only "could not parse profile file"; its source names the file,
            // the line and what is wrong there (never the line's text, which may be a key).
            let detail = std::error::Error::source(&e)
                .map_or_else(|| e.to_string(), ToString::to_string);
            Error::new(format!(
                "cannot read the AWS config files: {detail} (fix that line, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere)"
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
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
            {
                bail!(
                    "unknown identity {name:?}: a profile name can hold only letters, digits and _ - / . % @ : + (the AWS profile parser skips any other section): rename the profile"
                );
            }
            let known = self.names();
            let known = if known.is_empty() {
                "none: add profiles to ~/.aws/config and ~/.aws/credentials".to_string()
            } else {
                let mut list = known
                    .iter()
                    .take(KNOWN_SHOWN)
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                if known.len() > KNOWN_SHOWN {
                    list.push_str(&format!(" and {} more", known.len() - KNOWN_SHOWN));
                }
                list
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
        if let Some(r) = region.as_deref().filter(|r| !valid_region(r)) {
            bail!(
                "profile {name:?}: region = {:?} is not an AWS region name (like eu-west-1): fix it in the profile",
                r
            );
        }
        let code_source = match (get("mfa_process"), get("aws_as_mfa_totp_secret")) {
            (None, None) => None,
            (process, secret) => Some(CodeSource {
                profile: name.to_string(),
                process,
                totp: secret.map(|s| TotpSecret::new(name, s)),
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
