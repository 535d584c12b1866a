//! What kind of profile a profile is, as far as aws-as cares: which key gets it credentials other
//! than from aws-as, and the kinds aws-as does not support (`login_session`, SAML tools' own
//! keys), each read with its includes.

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

/// Keys by which SAML tools mark a profile as theirs when they keep the sign-in in the config
/// file itself (a SAML tool that prints credentials through `credential_process`, like
/// saml2aws's, makes a credential_process profile, which aws-as supports).
const SAML_KEYS: [&str; 4] = ["saml.idp_arn", "saml.role_arn", "saml_provider", "saml_url"];

/// What profile `view` is when it is a kind aws-as does not support, judged after every kind it
/// does (a role, web identity, SSO, keys, `credential_process`): a profile with any of those is
/// one of them, as the SDKs would take it.
pub(super) fn unsupported(view: &View<'_>) -> Option<Unsupported> {
    let has = |k: &str| view.get(k).is_some();
    let kind = |kind, what, key| Some(Unsupported { kind, what, key });
    if CREDENTIAL_KEYS.into_iter().any(&has)
        || ["aws_secret_access_key", "sso_role_name"]
            .into_iter()
            .any(&has)
    {
        return None;
    }
    if has("login_session") {
        return kind(
            "login",
            "a console sign-in (aws login) profile",
            "login_session",
        );
    }
    if let Some(key) = SAML_KEYS.into_iter().find(|k| has(k)) {
        return kind("saml", "a SAML sign-in profile", key);
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
