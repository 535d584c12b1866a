//! aws-vault's `include_profile`: a profile takes the settings it does not set itself from the
//! profile it includes (and that one's includes), before it is resolved.

use aws_config::profile::Profile;

use super::Config;
use crate::error::Result;

/// The settings a profile takes from the profile its `include_profile` names when it does not set
/// them itself: aws-vault's list (vault/config.go, `populateFromConfigFile`) as far as aws-as reads
/// them (the SSO settings among them), and aws-as's own TOTP secret beside `mfa_process`. Keys (`aws_access_key_id`…) are not
/// included, as in aws-vault: they belong to one profile.
const INHERITED: [&str; 19] = [
    "mfa_serial",
    "role_arn",
    "external_id",
    "region",
    "role_session_name",
    "duration_seconds",
    "source_profile",
    "mfa_process",
    "aws_as_mfa_totp_secret",
    "credential_source",
    "sso_session",
    "sso_start_url",
    "sso_region",
    "sso_account_id",
    "sso_role_name",
    "sso_registration_scopes",
    "session_tags",
    "transitive_session_tags",
    "source_identity",
];

/// A profile with the profiles it includes, nearest first (itself at the head).
pub(super) struct View<'a> {
    pub(super) chain: Vec<(&'a str, &'a Profile)>,
}

impl View<'_> {
    /// The profile's own value of `key`, else (for the settings that are inherited) that of the
    /// nearest profile it includes that sets it.
    pub(super) fn get(&self, key: &str) -> Option<String> {
        self.get_from(key).map(|(v, _)| v)
    }

    /// Like [`View::get`], with the name of the profile the value was read from.
    pub(super) fn get_from(&self, key: &str) -> Option<(String, &str)> {
        let inherited = INHERITED.contains(&key);
        self.chain
            .iter()
            .take(if inherited { usize::MAX } else { 1 })
            .find_map(|(name, p)| get(p, key).map(|v| (v, *name)))
    }
}

impl Config {
    /// Profile `name` with its `include_profile` chain. An include that loops or names no
    /// profile is an error: aws-vault skips a missing one, which would silently drop the MFA
    /// device or the role a whole group of profiles takes from it.
    pub(super) fn view(&self, name: &str) -> Result<View<'_>> {
        let mut chain: Vec<(&str, &Profile)> = Vec::new();
        let mut next = name.to_string();
        loop {
            let Some(profile) = self.profiles.get_profile(&next) else {
                let by = chain.last().map_or(name, |(n, _)| n);
                bail!(
                    "profile {by:?}: include_profile = {next}, which does not exist: add [profile {next}] or fix include_profile"
                );
            };
            let key = profile.name();
            if chain.iter().any(|(n, _)| *n == key) {
                let path: Vec<&str> = chain.iter().map(|(n, _)| *n).chain([key]).collect();
                bail!(
                    "profile {name:?}: include_profile loops ({}): fix include_profile",
                    path.join(" includes ")
                );
            }
            chain.push((key, profile));
            match get(profile, "include_profile") {
                Some(included) => next = included,
                None => return Ok(View { chain }),
            }
        }
    }
}

pub(super) fn get(profile: &Profile, key: &str) -> Option<String> {
    profile
        .get(key)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}
