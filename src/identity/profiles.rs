//! Profiles into identities: aws-config's own profile loader reads the files' text, so the
//! semantics are the AWS CLI's; each profile then becomes an [`Identity`] with its source chain
//! (the profiles it includes are read in include.rs, the kinds aws-as cannot use yet judged in
//! kinds.rs).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};

use super::files::{ProfileFile, profile_files};
use super::include::get;
use super::kinds::unsupported;
use super::process::{aws_as_target, running};
use super::unknown::unknown;
use super::{
    CodeSource, Config, CredentialSource, DURATION_RANGE, Identity, KEYRING_MARKER, KeySource,
    Keys, Kind, Process, RoleSettings, TotpSecret, WebIdentity, split_command, valid_region,
};
use crate::error::{Error, Result};

/// The key aws-as writes into a section of the credentials file it fills (`aws-as write`), naming
/// the identity whose credentials it holds. Such a section is an output of aws-as, not an
/// identity: it is neither listed nor switched to, and no profile can use it as a source. SDKs
/// ignore keys they do not know.
pub const MARKER: &str = "aws_as_identity";

/// What joins a source and a role's ARN in the name of a role no profile names (`dev>arn:…`):
/// no profile name can hold it, so such a name is never a profile's.
pub const ROLE_BY_ARN: char = '>';

/// aws-config's loader is `async` only in signature: its real file system reads with std::fs, so
/// the future completes on its first poll. Polling it here keeps the cache-hit path free of any
/// async runtime.
pub(super) fn complete_now<F: Future>(fut: F) -> F::Output {
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
        Config::load_files(&profile_files())
    }

    /// The config file alone (`~/.aws/config` or `AWS_CONFIG_FILE`), without the credentials
    /// file: what a profile is apart from the keys a credentials file gives it.
    pub fn load_config_file() -> Result<Config> {
        let [config, _] = profile_files();
        Config::load_files(&[config])
    }

    fn load_files(files: &[ProfileFile]) -> Result<Config> {
        let mut texts: HashMap<OsString, Vec<u8>> = HashMap::new();
        let mut builder = EnvConfigFiles::builder();
        for file in files {
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

    /// Every identity's name: the profiles, less the sections aws-as writes.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .profiles
            .profiles()
            .filter(|n| self.written_for(n).is_none())
            .collect();
        names.sort_unstable();
        names
    }

    /// Every profile of the files read, the sections aws-as writes included, sorted: the names a
    /// new profile must not take.
    pub fn profile_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.profiles.profiles().collect();
        names.sort_unstable();
        names
    }

    /// The identity whose credentials aws-as wrote into section `name` of the credentials file,
    /// when it did (its [`MARKER`]).
    pub fn written_for(&self, name: &str) -> Option<String> {
        self.profiles.get_profile(name).and_then(|p| get(p, MARKER))
    }

    /// Whether a profile `name` exists in the files read.
    pub fn has_profile(&self, name: &str) -> bool {
        self.profiles.get_profile(name).is_some()
    }

    /// Setting `key` of profile `name` as SDKs read it (they do not follow `include_profile`).
    pub fn setting(&self, name: &str, key: &str) -> Option<String> {
        self.profiles.get_profile(name).and_then(|p| get(p, key))
    }

    /// The names of the profiles `name`'s identity is made from: itself, its source chain, and
    /// every profile those include (a write into any of them would change the identity itself).
    pub fn chain_of(&self, identity: &Identity) -> Vec<String> {
        let mut out = Vec::new();
        let mut next = Some(identity);
        while let Some(id) = next {
            out.push(id.name.clone());
            if let Ok(view) = self.view(&id.name) {
                out.extend(view.chain.iter().skip(1).map(|(n, _)| n.to_string()));
            }
            next = match &id.kind {
                Kind::Role { source, .. } => Some(source),
                _ => None,
            };
        }
        out.sort();
        out.dedup();
        out
    }

    /// The identity `name` with its whole source chain.
    pub fn identity(&self, name: &str) -> Result<Identity> {
        if let Some((source, role_arn)) = name.rsplit_once(ROLE_BY_ARN) {
            return self.role_by_arn(name, source, role_arn);
        }
        let Some(_) = self.profiles.get_profile(name) else {
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
            {
                bail!(
                    "unknown identity {name:?}: a profile name can hold only letters, digits and _ - / . % @ : + (the AWS profile parser skips any other section): rename the profile"
                );
            }
            return Err(Error::new(unknown(name, &self.names())));
        };
        if let Some(holder) = self.written_for(name) {
            bail!(
                "{name:?} is a section of the credentials file that aws-as keeps with the credentials of {holder:?}, not an identity: switch to {holder:?} (aws-as write --remove {name} removes the section)"
            );
        }
        let mut identity = self.resolve(name, &mut HashSet::new(), false)?;
        if let Some(serial) = identity.root_mfa_serial().map(str::to_string) {
            identity.lend_mfa_serial(serial);
        }
        if let Some(code_source) = identity.root_code_source().cloned() {
            identity.lend_code_source(code_source);
        }
        Ok(identity)
    }

    /// A role no profile names, assumed from identity `source` (`aws-as --role-arn ARN SOURCE`,
    /// or the name `SOURCE>ARN` itself, which no profile can have): cached like a profile, under
    /// that name. `SOURCE` may itself be such a name (a chain).
    fn role_by_arn(&self, name: &str, source: &str, role_arn: &str) -> Result<Identity> {
        let valid = role_arn
            .strip_prefix("arn:")
            .and_then(|rest| rest.split_once(":iam::"))
            .and_then(|(_, rest)| rest.split_once(":role/"))
            .is_some_and(|(account, role)| {
                account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && !role.is_empty()
            });
        if !valid {
            bail!(
                "{role_arn:?} is not a role's ARN (like arn:aws:iam::123456789012:role/NAME): fix --role-arn"
            );
        }
        let source = self.identity(source)?;
        Ok(Identity {
            name: name.to_string(),
            region: source.region.clone(),
            kind: Kind::Role {
                role_arn: role_arn.to_string(),
                source: Box::new(source),
                session_name: None,
                external_id: None,
                mfa_serial: None,
                code_source: None,
                settings: RoleSettings::default(),
            },
            duration_seconds: None,
        })
    }

    fn resolve(&self, name: &str, seen: &mut HashSet<String>, as_user: bool) -> Result<Identity> {
        if self.profiles.get_profile(name).is_none() {
            bail!("source_profile {name:?} does not exist: add it or fix source_profile");
        }
        if let Some(holder) = self.written_for(name) {
            bail!(
                "source_profile {name:?} is a section aws-as writes with the credentials of {holder:?}, not an identity: use source_profile = {holder}"
            );
        }
        let view = self.view(name)?;
        if let Some(u) = unsupported(&view) {
            bail!(
                "profile {name:?} is {} ({} in it): aws-as does not support such profiles yet; the AWS CLI and SDKs use it with AWS_PROFILE={name}",
                u.what,
                u.key
            );
        }
        let get = |key: &str| view.get(key);
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
        let code_source = match (
            view.get_from("mfa_process"),
            view.get_from("aws_as_mfa_totp_secret"),
        ) {
            (None, None) => None,
            (process, secret) => Some(CodeSource {
                // The profile the command or secret is written in (an included one, maybe), so
                // a message about it points where it can be fixed.
                profile: process
                    .as_ref()
                    .or(secret.as_ref())
                    .map_or(name, |(_, p)| p)
                    .to_string(),
                process: process.map(|(v, _)| v),
                totp: secret.map(|(s, p)| TotpSecret::new(p, s)),
            }),
        };

        if let (Some(role_arn), false) = (get("role_arn"), as_user) {
            if !seen.insert(name.to_string()) {
                bail!("profile {name:?}: source_profile loops back to itself: fix source_profile");
            }
            let settings = role_settings(name, &get)?;
            let source = match (get("source_profile"), get("credential_source")) {
                (Some(_), Some(_)) => bail!(
                    "profile {name:?} has both source_profile and credential_source: keep the one its source credentials come from"
                ),
                // A role whose source_profile is itself uses its own static keys as the source
                // (AWS CLI semantics).
                (Some(source_name), None) => {
                    self.resolve(&source_name, seen, source_name == name)?
                }
                (None, Some(source)) => Identity {
                    name: source.clone(),
                    kind: Kind::Ambient(credential_source(name, &source)?),
                    region: None,
                    duration_seconds: None,
                },
                (None, None) => {
                    // botocore's order: a role with a source first, then web identity.
                    if let Some(token_file) = get("web_identity_token_file") {
                        return Ok(Identity {
                            name: name.to_string(),
                            kind: Kind::WebIdentity(WebIdentity {
                                role_arn,
                                token_file,
                                session_name: get("role_session_name"),
                            }),
                            region,
                            duration_seconds,
                        });
                    }
                    bail!(
                        "profile {name:?} has role_arn but no source_profile: add source_profile = <a user or role profile>"
                    );
                }
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
                    settings,
                },
                region,
                duration_seconds,
            });
        }
        for (key, needs) in [
            ("web_identity_token_file", "role_arn"),
            ("credential_source", "role_arn"),
        ] {
            if get(key).is_some() && !as_user {
                bail!(
                    "profile {name:?} has {key} but no {needs}: add {needs} = <the role to assume>"
                );
            }
        }

        // botocore's order: a role first, then SSO; keys beside SSO settings do not make a user.
        if let Some(role) = self.sso_role(name, &view)? {
            return Ok(Identity {
                name: name.to_string(),
                kind: Kind::Sso(role),
                region,
                duration_seconds,
            });
        }

        // Keys in the files win over the keyring, as they do for the SDKs (which know nothing of
        // it): an import stopped between its keyring write and its edit of the file still works.
        let keys = match (get("aws_access_key_id"), get("aws_secret_access_key")) {
            (Some(access_key_id), Some(secret_access_key)) => Some(KeySource::File(Keys {
                access_key_id,
                secret_access_key,
            })),
            (None, None) => get(KEYRING_MARKER).map(|access_key_id| KeySource::Keyring {
                profile: name.to_string(),
                access_key_id,
            }),
            _ => None,
        };
        match (keys, get("aws_access_key_id"), get("aws_secret_access_key")) {
            (Some(keys), _, _) => Ok(Identity {
                name: name.to_string(),
                kind: Kind::User {
                    keys,
                    mfa_serial: get("mfa_serial"),
                    code_source,
                },
                region,
                duration_seconds,
            }),
            (None, Some(_), None) | (None, None, Some(_)) => Err(Error::new(format!(
                "profile {name:?} has only half of its keys: set both aws_access_key_id and aws_secret_access_key in ~/.aws/credentials"
            ))),
            (None, None, None) => match get("credential_process") {
                Some(command) => self.process(name, command, region, duration_seconds, seen),
                None => Err(Error::new(format!(
                    "profile {name:?} is neither a user (aws_access_key_id + aws_secret_access_key, or keys in the keyring: aws-as keys add {name}), a role (role_arn + source_profile) nor an IAM Identity Center role (sso_session + sso_account_id + sso_role_name): add one of them"
                ))),
            },
            (None, _, _) => unreachable!("both keys make a user; one of them is refused above"),
        }
    }

    /// A `credential_process` profile; one whose process is aws-as itself is the profile it names.
    fn process(
        &self,
        name: &str,
        command: String,
        region: Option<String>,
        duration_seconds: Option<u32>,
        seen: &mut HashSet<String>,
    ) -> Result<Identity> {
        let words = split_command(&command).map_err(|e| {
            Error::new(format!(
                "profile {name:?}: credential_process cannot be split into words as the AWS CLI splits it ({e}): fix its quoting"
            ))
        })?;
        match aws_as_target(&words) {
            None if running(name) => bail!(
                "profile {name:?}: its credential_process runs aws-as for {name:?} again, which would never end: fix credential_process (aws-as credential-process NAME itself is read directly, not run)"
            ),
            None => Ok(Identity {
                name: name.to_string(),
                kind: Kind::Process(Process { command, words }),
                region,
                duration_seconds,
            }),
            Some(None) => bail!(
                "profile {name:?}: credential_process runs aws-as credential-process, but which profile it asks for cannot be read from it: write credential_process = aws-as credential-process <NAME>"
            ),
            // aws-as would run itself: the profile it asks for is used directly, under this name.
            Some(Some(target)) => {
                if !seen.insert(name.to_string()) {
                    bail!(
                        "profile {name:?}: credential_process = aws-as credential-process … loops back to itself: fix credential_process"
                    );
                }
                let mut identity = self.resolve(target, seen, false)?;
                identity.name = name.to_string();
                if identity.region.is_none() {
                    identity.region = region;
                }
                Ok(identity)
            }
        }
    }
}

/// aws-vault's `session_tags` (`key1=value1,key2=value2`), `transitive_session_tags`
/// (`key1,key2`) and `source_identity`.
fn role_settings(name: &str, get: &dyn Fn(&str) -> Option<String>) -> Result<RoleSettings> {
    let mut tags = Vec::new();
    if let Some(text) = get("session_tags") {
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    tags.push((k.trim().to_string(), v.trim().to_string()));
                }
                _ => bail!(
                    "profile {name:?}: session_tags = {text:?} is not key1=value1,key2=value2: fix it in the profile"
                ),
            }
        }
    }
    let transitive_tags = get("transitive_session_tags")
        .map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(RoleSettings {
        tags,
        transitive_tags,
        source_identity: get("source_identity"),
    })
}

/// `credential_source`'s value, spelt as the SDKs spell it.
fn credential_source(name: &str, value: &str) -> Result<CredentialSource> {
    Ok(match value {
        "Environment" => CredentialSource::Environment,
        "Ec2InstanceMetadata" => CredentialSource::Ec2InstanceMetadata,
        "EcsContainer" => CredentialSource::EcsContainer,
        _ => bail!(
            "profile {name:?}: credential_source = {value:?} is none of Environment, Ec2InstanceMetadata, EcsContainer: fix it in the profile"
        ),
    })
}
