//! What the management API answers, as types: docs/manage-api.yaml describes each (tests/manage_api.rs
//! checks every answer against it). None holds a secret key or a session token: only access key
//! ids and expiries.
//!
//! The fields of each are in the order of their names, the order the answers have always listed
//! them in (they were JSON maps, which sort their keys).

use chrono::Utc;
use serde::Serialize;

use super::super::sessions::{Pending, SignInWait};
use super::super::state::State;
use crate::identity::Kind;
use crate::output::rows::{self, Cached, Row, SignInToken, chain, sign_in_command};
use crate::output::text::left;
use crate::session::{rfc3339, session_seconds};

/// An identity's session, without its secrets.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    access_key: String,
    arn: Option<String>,
    expiration: String,
    left: String,
    seconds_left: i64,
}

impl SessionView {
    /// What the cache holds, if it is a session.
    pub fn of(cached: &Cached) -> Option<SessionView> {
        let Cached::Session {
            access_key_id,
            expiration,
            arn,
        } = cached
        else {
            return None;
        };
        let remaining = *expiration - Utc::now();
        Some(SessionView {
            access_key: access_key_id.clone(),
            arn: arn.clone(),
            expiration: rfc3339(*expiration),
            left: left(remaining),
            seconds_left: remaining.num_seconds().max(0),
        })
    }
}

/// The IAM Identity Center sign-in an identity's credentials come from: how long its token lasts
/// (from the shared token file's expiry; never the token), and the command that signs in.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInView {
    command: String,
    expiration: Option<String>,
    left: String,
    needed: bool,
    seconds_left: i64,
    session: String,
}

impl SignInView {
    fn of(row: &Row) -> Option<SignInView> {
        let identity = row.identity.as_ref().ok()?;
        let (sign_in, token) = rows::sign_in(identity)?;
        let (expiration, remaining) = match &token {
            SignInToken::Token { expires_at, .. } => {
                (Some(rfc3339(*expires_at)), *expires_at - Utc::now())
            }
            _ => (None, chrono::TimeDelta::zero()),
        };
        Some(SignInView {
            command: sign_in_command(identity),
            expiration,
            left: left(remaining),
            needed: token.needs_sign_in(),
            seconds_left: remaining.num_seconds().max(0),
            session: sign_in.label().to_string(),
        })
    }
}

/// One identity, or the problem that makes its profile unusable.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    access_key: Option<String>,
    chain: Vec<String>,
    kind: Option<&'static str>,
    mfa_serial: Option<String>,
    name: String,
    problem: Option<String>,
    region: Option<String>,
    role_arn: Option<String>,
    served: bool,
    session: Option<SessionView>,
    sign_in: Option<SignInView>,
    token_duration: Option<u32>,
}

impl ProfileView {
    pub fn of(row: &Row, state: &State, served: Option<&str>) -> ProfileView {
        let served = served == Some(row.name.as_str());
        let identity = match &row.identity {
            Ok(identity) => identity,
            Err(problem) => {
                return ProfileView {
                    access_key: None,
                    chain: Vec::new(),
                    kind: None,
                    mfa_serial: None,
                    name: row.name.clone(),
                    problem: Some(problem.clone()),
                    region: None,
                    role_arn: None,
                    served,
                    session: None,
                    sign_in: None,
                    token_duration: None,
                };
            }
        };
        let (role_arn, access_key) = match &identity.kind {
            Kind::User { keys, .. } => (None, Some(keys.access_key_id().to_string())),
            _ => (identity.role_arn().map(str::to_string), None),
        };
        let duration = state.sessions.duration();
        ProfileView {
            access_key,
            chain: chain(identity),
            kind: Some(identity.kind_name()),
            mfa_serial: identity.root_mfa_serial().map(str::to_string),
            name: row.name.clone(),
            problem: None,
            region: identity.region.clone(),
            role_arn,
            served,
            session: SessionView::of(&row.session),
            sign_in: SignInView::of(row),
            token_duration: Some(session_seconds(&identity.summary(), duration)),
        }
    }
}

/// A request waiting for an MFA code.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingView {
    identity: String,
    last_request: String,
    mfa_serial: String,
    requests: u32,
    since: String,
    user: String,
}

impl PendingView {
    pub fn all(pending: &[Pending]) -> Vec<PendingView> {
        pending
            .iter()
            .map(|p| PendingView {
                identity: p.identity.clone(),
                last_request: rfc3339(p.last),
                mfa_serial: p.serial.clone(),
                requests: p.requests,
                since: rfc3339(p.since),
                user: p.user.clone(),
            })
            .collect()
    }
}

/// A request waiting for a person to sign in to IAM Identity Center.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInNeededView {
    command: String,
    identity: String,
    last_request: String,
    requests: u32,
    session: String,
    since: String,
}

impl SignInNeededView {
    pub fn all(waits: &[SignInWait]) -> Vec<SignInNeededView> {
        waits
            .iter()
            .map(|w| SignInNeededView {
                command: w.command.clone(),
                identity: w.identity.clone(),
                last_request: rfc3339(w.last),
                requests: w.requests,
                session: w.sign_in.label().to_string(),
                since: rfc3339(w.since),
            })
            .collect()
    }
}

/// `GET /manage/profiles`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profiles {
    pub pending: Vec<PendingView>,
    pub profiles: Vec<ProfileView>,
    pub served: Option<String>,
    pub sign_ins_needed: Vec<SignInNeededView>,
}

/// `GET /manage/profiles/NAME`, and a change to NAME's session.
#[derive(Serialize)]
pub struct Profile {
    pub profile: ProfileView,
}

/// `GET /manage/session`, and a change to the served session.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub identity: Option<String>,
    pub listen: String,
    pub page: String,
    pub pending: Vec<PendingView>,
    pub profile: Option<ProfileView>,
    pub session: Option<SessionView>,
    pub sign_ins_needed: Vec<SignInNeededView>,
}

/// `POST /manage/login`: a one-time login address for the page.
#[derive(Serialize)]
pub struct Login {
    pub expires: String,
    pub url: String,
}

/// `GET /manage/proof`: what only the holder of the management token can answer.
#[derive(Serialize)]
pub struct Proof {
    pub proof: String,
}

/// `POST /manage/stop`.
#[derive(Serialize)]
pub struct Stopping {
    pub stopping: bool,
}
