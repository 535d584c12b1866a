//! What the management API answers, as types: docs/manage-api.yaml describes each (tests/manage_api.rs
//! checks every answer against it). None holds a secret key or a session token: only access key
//! ids and expiries.
//!
//! The fields of each are in the order of their names, the order the answers have always listed
//! them in (they were JSON maps, which sort their keys).

use chrono::Utc;
use serde::Serialize;

use super::super::sessions::Pending;
use super::super::state::State;
use crate::identity::Kind;
use crate::output::rows::{Cached, Row, chain};
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
                    token_duration: None,
                };
            }
        };
        let (role_arn, access_key) = match &identity.kind {
            Kind::User { keys, .. } => (None, Some(keys.access_key_id().to_string())),
            Kind::Role { role_arn, .. } => (Some(role_arn.clone()), None),
            Kind::Sso(_) => (None, None),
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

/// `GET /manage/profiles`.
#[derive(Serialize)]
pub struct Profiles {
    pub pending: Vec<PendingView>,
    pub profiles: Vec<ProfileView>,
    pub served: Option<String>,
}

/// `GET /manage/profiles/NAME`, and a change to NAME's session.
#[derive(Serialize)]
pub struct Profile {
    pub profile: ProfileView,
}

/// `GET /manage/session`, and a change to the served session.
#[derive(Serialize)]
pub struct Session {
    pub identity: Option<String>,
    pub listen: String,
    pub page: String,
    pub pending: Vec<PendingView>,
    pub profile: Option<ProfileView>,
    pub session: Option<SessionView>,
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
