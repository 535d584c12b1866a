//! A profile file's text as aws-config's loader alone reads it: what a writer checks an edit
//! against (the credentials file for `write`, the config file for `sso populate` and `keys`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::OsString;

use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};

use super::profiles::complete_now;
use crate::error::{Error, Result};

/// The credentials file's text as aws-config reads it, for checking what an edit did to it.
pub struct CredentialsText {
    profiles: ProfileSet,
}

/// `text` read by aws-config's loader alone as one file of `kind` at `path`.
fn parse_one(
    kind: aws_runtime::env_config::file::EnvConfigFileKind,
    what: &str,
    path: &std::path::Path,
    text: &str,
) -> Result<ProfileSet> {
    let mut texts: HashMap<OsString, Vec<u8>> = HashMap::new();
    texts.insert(path.as_os_str().to_owned(), text.as_bytes().to_vec());
    let files = EnvConfigFiles::builder().with_file(kind, path).build();
    complete_now(aws_config::profile::load(
        &Fs::from_raw_map(texts),
        &Env::from_slice(&[]),
        &files,
        Some(Cow::Borrowed("default")),
    ))
    .map_err(|e| {
        let detail =
            std::error::Error::source(&e).map_or_else(|| e.to_string(), ToString::to_string);
        Error::new(format!(
            "the AWS {what} file cannot be read: {detail} (fix that line)"
        ))
    })
}

impl CredentialsText {
    /// Parses `text` as the credentials file at `path` (named in errors).
    pub fn parse(path: &std::path::Path, text: &str) -> Result<CredentialsText> {
        let profiles = parse_one(
            aws_runtime::env_config::file::EnvConfigFileKind::Credentials,
            "credentials",
            path,
            text,
        )?;
        Ok(CredentialsText { profiles })
    }

    /// The value of `key` in section `section`, as the SDK reads it.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.profiles.get_profile(section)?.get(key)
    }

    /// The sections aws-config takes as profiles.
    pub fn sections(&self) -> Vec<&str> {
        self.profiles.profiles().collect()
    }
}

/// The config file's text as aws-config reads it, for checking what an edit did to it: its
/// profiles (`[profile NAME]`, `[default]`), sso-sessions and other sections (`[services …]`).
pub struct ConfigText {
    profiles: ProfileSet,
}

impl ConfigText {
    /// Parses `text` as the config file at `path` (named in errors).
    pub fn parse(path: &std::path::Path, text: &str) -> Result<ConfigText> {
        let profiles = parse_one(
            aws_runtime::env_config::file::EnvConfigFileKind::Config,
            "config",
            path,
            text,
        )?;
        Ok(ConfigText { profiles })
    }

    /// The profiles, sorted.
    pub fn profiles(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.profiles.profiles().collect();
        names.sort_unstable();
        names
    }

    /// The sso-sessions, sorted.
    pub fn sso_sessions(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.profiles.sso_sessions().collect();
        names.sort_unstable();
        names
    }

    /// Setting `key` of profile `name`.
    pub fn get(&self, name: &str, key: &str) -> Option<&str> {
        self.profiles.get_profile(name)?.get(key)
    }

    /// Whether profile `name` reads the same (every key and value) in both.
    pub fn same_profile(&self, other: &ConfigText, name: &str) -> bool {
        self.profiles.get_profile(name) == other.profiles.get_profile(name)
    }

    /// Whether sso-session `name` reads the same in both.
    pub fn same_sso_session(&self, other: &ConfigText, name: &str) -> bool {
        self.profiles.sso_session(name) == other.profiles.sso_session(name)
    }

    /// Whether the other sections (`[services …]` and the like) read the same in both.
    pub fn same_other_sections(&self, other: &ConfigText) -> bool {
        self.profiles.other_sections() == other.profiles.other_sections()
    }
}
