//! What a session needs of STS, and the request a role is assumed with. The implementation,
//! the only code that talks to AWS, is in `client.rs`, linked into `aws-as-sts` only: the lean
//! `aws-as` binary names nothing of it, so a cache hit loads no SDK code.

pub mod client;
pub mod excerpt;
pub mod iam;

use chrono::{DateTime, Utc};

use super::credentials::Credentials;
use super::keyring::KeyringApi;
use crate::error::{Error, Result};
use crate::identity::{CredentialSource, Keys, RoleSettings};

/// What an IAM or STS call is signed with: a user's long-term keys, or a session.
#[derive(Clone, Copy)]
pub enum Signer<'a> {
    Keys(&'a Keys),
    Session(&'a Credentials),
}

/// An access key of a user, as IAM lists it.
#[derive(Clone, Debug)]
pub struct AccessKey {
    pub access_key_id: String,
    pub created: Option<DateTime<Utc>>,
    pub active: bool,
}

fn not_here(what: &str) -> Error {
    Error::new(format!("{what} is not in this binary: run aws-as-sts"))
}

/// What the resolver needs of STS. The `aws-as` binary links no implementation (so a cache hit
/// loads no SDK code at all); `aws-as-sts` passes [`client::connect`].
pub trait StsApi {
    fn get_session_token(
        &self,
        profile: &str,
        region: &str,
        keys: &Keys,
        mfa: Option<(&str, &str)>,
        duration_seconds: u32,
    ) -> Result<Credentials>;

    fn assume_role(
        &self,
        region: &str,
        source: &Credentials,
        req: &RoleRequest<'_>,
    ) -> Result<Credentials>;

    /// A federated user session of the IAM user whose long-term `keys` these are (the only
    /// credentials GetFederationToken takes): what a user's console sign-in needs, since a
    /// GetSessionToken session cannot get a sign-in token.
    fn get_federation_token(
        &self,
        region: &str,
        keys: &Keys,
        req: &FederationRequest<'_>,
    ) -> Result<Credentials>;

    /// AssumeRoleWithWebIdentity: unsigned, the OIDC token is the proof.
    fn assume_role_with_web_identity(
        &self,
        region: &str,
        req: &WebIdentityRequest<'_>,
    ) -> Result<Credentials>;

    /// The credentials of the instance or container aws-as runs on (a role's `credential_source`
    /// `Ec2InstanceMetadata` or `EcsContainer`), as the SDK's own providers fetch them; `profile`
    /// is the role's, for messages.
    fn ambient(&self, profile: &str, source: CredentialSource) -> Result<Credentials>;

    /// IAM Identity Center's OIDC service and portal, beside STS in the one network binary.
    fn sso(&self) -> &dyn crate::session::sso::SsoApi;

    /// The OS keyring, opened now (called only when STS needs a user's long-term keys).
    fn keyring(&self) -> Result<Box<dyn KeyringApi>> {
        Err(not_here("the OS keyring"))
    }

    /// STS GetCallerIdentity: the ARN of whoever `signer` is.
    fn caller_arn(&self, _profile: &str, _region: &str, _signer: Signer<'_>) -> Result<String> {
        Err(not_here("GetCallerIdentity"))
    }

    /// IAM CreateAccessKey for `user`: the new keys and their creation date.
    fn create_access_key(
        &self,
        _profile: &str,
        _session: &Credentials,
        _user: &str,
    ) -> Result<(Keys, Option<DateTime<Utc>>)> {
        Err(not_here("IAM"))
    }

    /// IAM DeleteAccessKey of `user`'s key `access_key_id`.
    fn delete_access_key(
        &self,
        _profile: &str,
        _session: &Credentials,
        _user: &str,
        _access_key_id: &str,
    ) -> Result<()> {
        Err(not_here("IAM"))
    }

    /// IAM ListAccessKeys of `user`.
    fn list_access_keys(
        &self,
        _profile: &str,
        _signer: Signer<'_>,
        _user: &str,
    ) -> Result<Vec<AccessKey>> {
        Err(not_here("IAM"))
    }
}

/// Builds the STS client (and IAM Identity Center's), on the first cache miss only.
pub type Connect = fn() -> Result<Box<dyn StsApi>>;

pub struct FederationRequest<'a> {
    pub profile: &'a str,
    /// The federated user's name (2 to 32 of `\w+=,.@-`), shown in the console.
    pub name: &'a str,
    /// The session policy: the session may do what both it and the user's policies allow.
    pub policy: &'a str,
    pub duration_seconds: u32,
}

pub struct RoleRequest<'a> {
    pub profile: &'a str,
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
    pub duration_seconds: u32,
    /// Session tags, transitive tag keys and source identity.
    pub settings: &'a RoleSettings,
}

pub struct WebIdentityRequest<'a> {
    pub profile: &'a str,
    pub role_arn: &'a str,
    pub session_name: &'a str,
    /// The OIDC token, as read from the file just now.
    pub token: &'a str,
    pub duration_seconds: u32,
}
