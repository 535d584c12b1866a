//! IAM Identity Center (SSO) profiles as the AWS CLI writes them: a profile naming an
//! `[sso-session NAME]` (`sso_start_url`, `sso_region`, `sso_registration_scopes`) with
//! `sso_account_id` and `sso_role_name`, or the legacy form with the start URL and region in the
//! profile itself.

use super::include::View;
use super::{Config, SsoRole, SsoSignIn, valid_region};
use crate::error::{Error, Result};

/// The scope the AWS CLI registers an sso-session's client with when the session names none.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

impl Config {
    /// The sso-session sections' names, sorted.
    pub fn sso_session_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.profiles.sso_sessions().collect();
        names.sort_unstable();
        names
    }

    /// Where `name` signs in: an `[sso-session NAME]`, else a profile that names one or holds a
    /// legacy start URL. For `aws-as sso login NAME` and its kin.
    pub fn sso_sign_in(&self, name: &str) -> Result<SsoSignIn> {
        if self.profiles.sso_session(name).is_some() {
            return self.sso_session(name, None);
        }
        if self.profiles.get_profile(name).is_some() {
            let view = self.view(name)?;
            if let Some(sign_in) = self.sign_in_of(name, &view)? {
                return Ok(sign_in);
            }
            bail!(
                "profile {name:?} does not sign in through IAM Identity Center (no sso_session or sso_start_url): name an [sso-session] or an SSO profile"
            );
        }
        let known = self.sso_session_names().join(", ");
        bail!(
            "no sso-session or profile is named {name:?}{}: add [sso-session {name}] with sso_start_url and sso_region to ~/.aws/config (aws configure sso-session writes one)",
            if known.is_empty() {
                String::new()
            } else {
                format!(" (sso-sessions: {known})")
            }
        )
    }

    fn sso_session(&self, name: &str, by: Option<&str>) -> Result<SsoSignIn> {
        let Some(section) = self.profiles.sso_session(name) else {
            let by = by.unwrap_or(name);
            bail!(
                "profile {by:?}: sso_session = {name}, which does not exist: add [sso-session {name}] with sso_start_url and sso_region, or fix sso_session"
            );
        };
        let get = |key: &str| {
            section
                .get(key)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let Some(start_url) = get("sso_start_url") else {
            bail!("[sso-session {name}] has no sso_start_url: add the AWS access portal URL");
        };
        let region = sso_region(&format!("[sso-session {name}]"), get("sso_region"))?;
        let scopes = get("sso_registration_scopes")
            .map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_else(|| vec![DEFAULT_SCOPE.to_string()]);
        Ok(SsoSignIn {
            session: Some(name.to_string()),
            start_url,
            region,
            scopes,
        })
    }

    /// Where profile `name` (read with its includes as `view`) signs in, when it does.
    fn sign_in_of(&self, name: &str, view: &View<'_>) -> Result<Option<SsoSignIn>> {
        if let Some(session) = view.get("sso_session") {
            let sign_in = self.sso_session(&session, Some(name))?;
            // The AWS CLI refuses a profile whose own start URL or region disagrees with its
            // session's: which one would it sign in to?
            for (key, ours) in [
                ("sso_start_url", &sign_in.start_url),
                ("sso_region", &sign_in.region),
            ] {
                if let Some(v) = view.get(key).filter(|v| v != ours) {
                    bail!(
                        "profile {name:?}: {key} = {v} differs from [sso-session {session}]'s {ours}: remove {key} from the profile"
                    );
                }
            }
            return Ok(Some(sign_in));
        }
        let Some(start_url) = view.get("sso_start_url") else {
            return Ok(None);
        };
        let region = sso_region(&format!("profile {name:?}"), view.get("sso_region"))?;
        Ok(Some(SsoSignIn {
            session: None,
            start_url,
            region,
            scopes: Vec::new(),
        }))
    }

    /// The role profile `name` gets through IAM Identity Center, when it is an SSO profile.
    pub(super) fn sso_role(&self, name: &str, view: &View<'_>) -> Result<Option<SsoRole>> {
        let Some(sign_in) = self.sign_in_of(name, view)? else {
            if let Some(key) = ["sso_account_id", "sso_role_name"]
                .into_iter()
                .find(|k| view.get(k).is_some())
            {
                bail!(
                    "profile {name:?} has {key} but neither sso_session nor sso_start_url: add sso_session = <an [sso-session] name>"
                );
            }
            return Ok(None);
        };
        let account_id = view.get("sso_account_id");
        let role_name = view.get("sso_role_name");
        let (Some(account_id), Some(role_name)) = (account_id, role_name) else {
            bail!(
                "profile {name:?} signs in through IAM Identity Center but names no account and role: add sso_account_id and sso_role_name (aws-as sso populate writes a profile for each)"
            );
        };
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            bail!(
                "profile {name:?}: sso_account_id = {account_id:?} is not a 12-digit AWS account id: fix it in the profile"
            );
        }
        Ok(Some(SsoRole {
            sign_in,
            account_id,
            role_name,
        }))
    }
}

fn sso_region(what: &str, region: Option<String>) -> Result<String> {
    match region {
        None => Err(Error::new(format!(
            "{what} has no sso_region: add the region of IAM Identity Center (where the access portal is, like us-east-1)"
        ))),
        Some(r) if !valid_region(&r) => Err(Error::new(format!(
            "{what}: sso_region = {r:?} is not an AWS region name (like eu-west-1): fix it"
        ))),
        Some(r) => Ok(r),
    }
}
