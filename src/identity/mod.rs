//! Where identities come from: the profile files people already have (`~/.aws/config` and
//! `~/.aws/credentials`, or `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`), each profile
//! resolved into an [`Identity`] with its whole source chain, and the fingerprint that says
//! which session belongs to it.
//!
//! The bottom of the flow: nothing here knows of sessions, the cache or any output.
//!
//! - `files.rs`: finding and reading the two files (one line naming the file for anything that
//!   cannot be a profile file).
//! - `profiles.rs`: aws-config's own profile loader, and profile → identity chain (its loops, the
//!   MFA device and code source a role lends its user, the sections aws-as wrote); the
//!   credentials file's text as aws-config reads it.
//! - `include.rs`: aws-vault's `include_profile`: a profile read with the profiles it includes.
//! - `kinds.rs`: the key by which a profile gets credentials, and the kinds of profile aws-as does
//!   not support yet (web identity, credential_process, credential_source, login_session).
//! - `sso.rs`: IAM Identity Center profiles: an `[sso-session]` or a legacy start URL, the
//!   account and role.
//! - `texts.rs`: a profile file's text as aws-config alone reads it, to check an edit against.
//! - `unknown.rs`: the "unknown identity" message, with the nearest names.
//! - `fingerprint.rs`: what shapes an identity's credentials, hashed (the cache keys on it).

mod files;
mod fingerprint;
mod include;
mod kinds;
mod process;
mod profiles;
mod sso;
mod texts;
mod unknown;

pub use files::{
    MAX_FILE_BYTES, config_file_path, credentials_file_path, profile_file_paths, read_config_file,
    read_credentials_file,
};
pub use fingerprint::fnv1a;
pub use kinds::Unsupported;
pub use process::{RUNNING_PROCESSES, split_command};
pub use profiles::{MARKER, ROLE_BY_ARN};
pub use sso::DEFAULT_SCOPE;
pub use texts::{ConfigText, CredentialsText};

use aws_config::profile::ProfileSet;

/// The profiles of both files, as aws-config read them. Declared here rather than in profiles.rs
/// because three files add to it (profiles.rs loads and resolves, include.rs reads a profile with
/// its includes, kinds.rs judges what a profile is), and each needs its field: here every file of
/// the folder sees it, and no file has to name another's to get at it.
pub struct Config {
    profiles: ProfileSet,
}

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
    pub totp: Option<TotpSecret>,
}

/// `aws_as_mfa_totp_secret` as written in the profile (base32), with the profile it was read from.
/// As sensitive as the long-term keys beside it: it never reaches `Debug`, a message or a log.
/// The session layer makes the codes from it (RFC 6238).
#[derive(Clone)]
pub struct TotpSecret {
    pub profile: String,
    text: String,
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TotpSecret({}, <secret>)", self.profile)
    }
}

impl TotpSecret {
    pub fn new(profile: &str, text: String) -> TotpSecret {
        TotpSecret {
            profile: profile.to_string(),
            text,
        }
    }

    /// The base32 text as the profile has it.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The key in a profile of the config file that says its user's long-term keys are in the OS
/// keyring (service [`KEYRING_SERVICE`], account the profile's name), with the access key id
/// stored there as its value: `aws_as_keyring = AKIA…`. Written by `aws-as keys add|import|rotate`;
/// SDKs ignore keys they do not know. It is how everything but a new session knows where the keys
/// are without opening the keyring: the fingerprint (and so the cache key) is made from it, and
/// `list` shows it.
pub const KEYRING_MARKER: &str = "aws_as_keyring";

/// When the access key of a user was created, as aws-as learnt it (CreateAccessKey at a rotation,
/// ListAccessKeys at `keys add`): `aws_as_key_created = AKIA… 2026-12-01T10:00:00Z` in the
/// profile of the config file. The key id says which key the date is of: a key replaced by hand
/// has no age shown rather than another key's.
pub const KEY_CREATED: &str = "aws_as_key_created";

/// The service name of the keyring items aws-as keeps; the account is the profile's name.
pub const KEYRING_SERVICE: &str = "aws-as";

/// Where a user's long-term keys are.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// In the profile files (`~/.aws/credentials`, usually), read with the profile.
    File(Keys),
    /// In the OS keyring (item: service `aws-as`, account `profile`), read by the session layer
    /// only when STS needs the keys. `access_key_id` is the one the config file records
    /// ([`KEYRING_MARKER`]).
    Keyring {
        profile: String,
        access_key_id: String,
    },
}

impl KeySource {
    pub fn access_key_id(&self) -> &str {
        match self {
            KeySource::File(keys) => &keys.access_key_id,
            KeySource::Keyring { access_key_id, .. } => access_key_id,
        }
    }

    /// Where the keys are, as `list` shows it: `file` or `keyring`.
    pub fn place(&self) -> &'static str {
        match self {
            KeySource::File(_) => "file",
            KeySource::Keyring { .. } => "keyring",
        }
    }
}

#[derive(Clone, Debug)]
pub enum Kind {
    /// Long-term keys: aws-as calls GetSessionToken (with MFA when `mfa_serial` is set).
    User {
        keys: KeySource,
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
        /// aws-vault's `session_tags`, `transitive_session_tags` and `source_identity`.
        settings: RoleSettings,
    },
    /// A role's credentials from IAM Identity Center's portal (GetRoleCredentials), with the
    /// token of a sign-in shared with the AWS CLI and the SDKs.
    Sso(SsoRole),
    /// `role_arn` with `web_identity_token_file`: AssumeRoleWithWebIdentity (unsigned), the
    /// token read from the file at each call (it rotates).
    WebIdentity(WebIdentity),
    /// `credential_process`: credentials a program prints.
    Process(Process),
    /// A role's `credential_source`: credentials from where aws-as runs. Only ever a role's source.
    Ambient(CredentialSource),
}

/// aws-vault's settings of a role, passed to AssumeRole; all of them shape the session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleSettings {
    /// `session_tags = key1=value1,key2=value2`, in the profile's order.
    pub tags: Vec<(String, String)>,
    /// `transitive_session_tags = key1,key2`.
    pub transitive_tags: Vec<String>,
    /// `source_identity`.
    pub source_identity: Option<String>,
}

/// A web identity role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebIdentity {
    pub role_arn: String,
    /// `web_identity_token_file`, as written (read at each call, never kept).
    pub token_file: String,
    pub session_name: Option<String>,
}

/// A `credential_process` profile: the command line, and its words as botocore splits them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    pub command: String,
    pub words: Vec<String>,
}

/// A `credential_source`, with the SDKs' meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` of aws-as's environment
    /// (the user's own: those a switch saved, in a switched shell).
    Environment,
    /// The EC2 instance's metadata service (IMDSv2).
    Ec2InstanceMetadata,
    /// The ECS container credentials endpoint.
    EcsContainer,
}

impl CredentialSource {
    /// The value `credential_source` names it by.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialSource::Environment => "Environment",
            CredentialSource::Ec2InstanceMetadata => "Ec2InstanceMetadata",
            CredentialSource::EcsContainer => "EcsContainer",
        }
    }
}

/// Where an IAM Identity Center identity signs in: an `[sso-session NAME]`, or (the legacy form)
/// the start URL and region in the profile itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoSignIn {
    /// The sso-session's name; `None` for a legacy profile. The shared token cache names the
    /// token's file by it (else by the start URL).
    pub session: Option<String>,
    /// The AWS access portal's URL (`https://d-….awsapps.com/start`).
    pub start_url: String,
    /// Where IAM Identity Center is: the OIDC service and the portal are called there.
    pub region: String,
    /// `sso_registration_scopes` (the AWS CLI's default when unset); none for a legacy profile.
    pub scopes: Vec<String>,
}

impl SsoSignIn {
    /// The name a person knows the sign-in by: the sso-session's, else the start URL.
    pub fn label(&self) -> &str {
        self.session.as_deref().unwrap_or(&self.start_url)
    }
}

/// An account's role reached through IAM Identity Center.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoRole {
    pub sign_in: SsoSignIn,
    pub account_id: String,
    pub role_name: String,
}

#[derive(Clone, Debug)]
pub struct Identity {
    pub name: String,
    pub kind: Kind,
    /// The profile's region, else the nearest one down its source chain.
    pub region: Option<String>,
    pub duration_seconds: Option<u32>,
}

/// What the outputs need of an identity once its credentials are in hand. The profile index
/// (in the session layer) keeps it beside the fingerprint, so a cache hit parses no profile.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub name: String,
    pub role: bool,
    /// The profile's region, else the nearest one down its source chain.
    pub region: Option<String>,
    pub duration_seconds: Option<u32>,
}

impl Identity {
    /// The identity at the root of this chain (itself, for a user or an SSO role): whose session
    /// is the MFA session, or the sign-in's.
    pub fn root(&self) -> &Identity {
        match &self.kind {
            Kind::Role { source, .. } => source.root(),
            _ => self,
        }
    }

    /// The IAM Identity Center sign-in this chain's credentials come from, if they do.
    pub fn sso_sign_in(&self) -> Option<&SsoSignIn> {
        match &self.root().kind {
            Kind::Sso(role) => Some(&role.sign_in),
            _ => None,
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
            // Identity Center did whatever MFA the sign-in needed; the others take no code.
            _ => None,
        }
    }

    /// Gives the user at the root the MFA device a role above it names, when the user names none,
    /// so the user's session is the MFA session the role needs (and is cached under that device).
    pub(super) fn lend_mfa_serial(&mut self, serial: String) {
        match &mut self.kind {
            Kind::User { mfa_serial, .. } => {
                mfa_serial.get_or_insert(serial);
            }
            Kind::Role { source, .. } => source.lend_mfa_serial(serial),
            _ => {}
        }
    }

    /// Where the user at the root of this chain gets MFA codes: its own `mfa_process` or TOTP
    /// secret, else those of the nearest role above it that has one, as for `mfa_serial`.
    pub(super) fn root_code_source(&self) -> Option<&CodeSource> {
        match &self.kind {
            Kind::User { code_source, .. } => code_source.as_ref(),
            Kind::Role {
                source,
                code_source,
                ..
            } => source.root_code_source().or(code_source.as_ref()),
            _ => None,
        }
    }

    pub(super) fn lend_code_source(&mut self, lent: CodeSource) {
        match &mut self.kind {
            Kind::User { code_source, .. } => {
                code_source.get_or_insert(lent);
            }
            Kind::Role { source, .. } => source.lend_code_source(lent),
            _ => {}
        }
    }

    pub fn summary(&self) -> Summary {
        Summary {
            name: self.name.clone(),
            role: matches!(self.kind, Kind::Role { .. } | Kind::WebIdentity(_)),
            region: self.region.clone(),
            duration_seconds: self.duration_seconds,
        }
    }

    /// The role this identity's sessions are of, when its profile names one.
    pub fn role_arn(&self) -> Option<&str> {
        match &self.kind {
            Kind::Role { role_arn, .. } => Some(role_arn),
            Kind::WebIdentity(w) => Some(&w.role_arn),
            _ => None,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::User { .. } => "user",
            Kind::Role { .. } => "role",
            Kind::Sso(_) => "sso",
            Kind::WebIdentity(_) => "web-identity",
            Kind::Process(_) => "credential-process",
            Kind::Ambient(_) => "credential-source",
        }
    }
}

/// A region is a few words of lowercase letters and digits joined by `-` (eu-west-1,
/// us-gov-east-1, cn-north-1): anything else is a typo, and would go into every SDK's endpoint.
pub fn valid_region(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Session lengths STS accepts (GetSessionToken's range; AssumeRole's is narrower and STS says so).
pub const DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=129_600;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_totp_secret() {
        let secret = TotpSecret::new("dev", "JBSWY3DPEHPK3PXP".to_string());
        let shown = format!("{secret:?}");
        assert!(!shown.contains("JBSWY3DPEHPK3PXP"), "{shown}");
        assert!(shown.contains("dev"), "{shown}");
    }
}
