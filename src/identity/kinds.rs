//! What kind of profile a profile is, as far as aws-as cares: which key gets it credentials other
//! than from aws-as, and the kinds aws-as does not support yet (web identity,
//! `credential_process`, `credential_source`, `login_session`), each read with its includes.

use super::Config;
use super::include::View;

/// Keys by which a profile gets credentials without aws-as (or as an aws-as identity).
const CREDENTIAL_KEYS: [&str; 10] = [
    "aws_access_key_id",
    super::KEYRING_MARKER,
    "role_arn",
    "source_profile",
    "credential_source",
    "credential_process",
    "sso_start_url",
    "sso_session",
    "sso_account_id",
    "web_identity_token_file",
];

/// A kind of profile that gets credentials in a way aws-as cannot use yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsupported {
    /// As `aws-as list` shows it in the KIND column.
    pub kind: &'static str,
    /// What the profile is, for a sentence.
    pub what: &'static str,
    /// The key that makes it one.
    pub key: &'static str,
}

/// What profile `view` is when it is a kind aws-as does not support yet, judged in botocore's
/// order (a role with `source_profile` first, then web identity, SSO, keys, `credential_process`):
/// keys next to an SSO setting do not make a user, since the SDKs would use SSO.
pub(super) fn unsupported(view: &View<'_>) -> Option<Unsupported> {
    let has = |k: &str| view.get(k).is_some();
    let kind = |kind, what, key| Some(Unsupported { kind, what, key });
    if has("role_arn") && has("source_profile") {
        return None;
    }
    if has("web_identity_token_file") {
        return kind(
            "web-identity",
            "a web identity profile",
            "web_identity_token_file",
        );
    }
    if has("role_arn") && has("credential_source") {
        return kind(
            "credential-source",
            "a role whose source is the environment or an instance's metadata",
            "credential_source",
        );
    }
    if has("role_arn") {
        return None;
    }
    // SSO profiles are identities (sso.rs); keys beside them make no user, as the SDKs use SSO.
    if [
        "sso_session",
        "sso_start_url",
        "sso_account_id",
        "sso_role_name",
    ]
    .into_iter()
    .any(&has)
    {
        return None;
    }
    if has("aws_access_key_id") || has("aws_secret_access_key") {
        return None;
    }
    if has("credential_process") {
        return kind(
            "credential-process",
            "a credential_process profile",
            "credential_process",
        );
    }
    if has("login_session") {
        return kind(
            "login",
            "a console sign-in (aws login) profile",
            "login_session",
        );
    }
    None
}

impl Config {
    /// The key by which profile `name` gets credentials other than from aws-as (`role_arn`,
    /// `aws_access_key_id`, `credential_process`, `sso_session`…), read with its includes.
    pub fn credential_key(&self, name: &str) -> Option<&'static str> {
        let view = self.view(name).ok()?;
        CREDENTIAL_KEYS.into_iter().find(|k| view.get(k).is_some())
    }

    /// What profile `name` is, when it is a kind aws-as does not support yet.
    pub fn unsupported(&self, name: &str) -> Option<Unsupported> {
        unsupported(&self.view(name).ok()?)
    }
}
