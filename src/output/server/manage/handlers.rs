//! One handler per route of the management API (the table is in mod.rs). Profile files and the
//! cache are read off the runtime's threads; every failure is a `JsonError`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State as Shared};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use chrono::Utc;

use super::body::{self, checked_code};
use super::views::{self, PendingView, ProfileView, SessionView, SignInNeededView};
use crate::error::Cause;
use crate::identity::{Config, Identity};
use crate::output::endpoint::tokens;
use crate::output::rows::{self, Cached, Row};
use crate::output::server::error::{ApiError, JsonResult};
use crate::output::server::logins;
use crate::output::server::note;
use crate::output::server::state::State;
use crate::output::text::printable;
use crate::session::cache::Cache;
use crate::session::rfc3339;

/// The profile name in the path: a 400 in JSON, like every answer here, when it is not UTF-8.
fn name_in(path: Result<Path<String>, PathRejection>) -> JsonResult<String> {
    let name = path.map(|Path(name)| name).map_err(|e| {
        ApiError::bad_request(format!("the profile name in the path: {}", e.body_text()))
    })?;
    Ok(name)
}

/// Runs blocking work (profile files, the cache) off the runtime's threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> JsonResult<T> {
    let done = tokio::task::spawn_blocking(work).await;
    Ok(done.map_err(|e| ApiError::internal(e.to_string()))?)
}

/// The profile files and the cache, read as `aws-as list` reads them.
fn load() -> JsonResult<(Config, Cache)> {
    let config = Config::load().map_err(|e| ApiError::bad_request(e.to_string()))?;
    let cache = Cache::default_dir()
        .map(Cache::open)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok((config, cache))
}

fn no_profile(name: &str, status: StatusCode) -> ApiError {
    ApiError::new(
        status,
        format!("there is no profile {name:?} (GET /manage/profiles lists them)"),
    )
}

pub async fn profiles(Shared(state): Shared<State>) -> JsonResult<Json<views::Profiles>> {
    let served = state.served();
    let answer = blocking(move || -> JsonResult<views::Profiles> {
        let (config, cache) = load()?;
        let profiles = rows::rows(&config, &cache)
            .iter()
            .map(|row| ProfileView::of(row, &state, served.as_deref()))
            .collect();
        Ok(views::Profiles {
            pending: PendingView::all(&state.sessions.pending()),
            profiles,
            served,
            sign_ins_needed: SignInNeededView::all(&state.sessions.sign_ins()),
        })
    })
    .await??;
    Ok(Json(answer))
}

/// The row of profile `name`, 404 when the files have no such identity.
fn known_row(name: &str) -> JsonResult<Row> {
    let (config, cache) = load()?;
    if !config.names().contains(&name) {
        return Err(no_profile(name, StatusCode::NOT_FOUND).into());
    }
    Ok(rows::row(&config, &cache, name))
}

pub async fn profile(
    Shared(state): Shared<State>,
    path: Result<Path<String>, PathRejection>,
) -> JsonResult<Json<views::Profile>> {
    let name = name_in(path)?;
    let served = state.served();
    let answer = blocking(move || -> JsonResult<views::Profile> {
        let row = known_row(&name)?;
        Ok(views::Profile {
            profile: ProfileView::of(&row, &state, served.as_deref()),
        })
    })
    .await??;
    Ok(Json(answer))
}

/// What `GET /manage/session` and a successful `POST` or `DELETE` answer.
async fn describe(state: &State) -> JsonResult<Json<views::Session>> {
    let served = state.served();
    let state = state.clone();
    let answer = blocking(move || -> JsonResult<views::Session> {
        let (config, cache) = load()?;
        let (profile, session) = match &served {
            Some(name) => {
                let row = rows::row(&config, &cache, name);
                // The server's own copy, when the cache has none (a cache it cannot write).
                let session = SessionView::of(&row.session).or_else(|| {
                    let last = state.sessions.last(name)?;
                    SessionView::of(&Cached::Session {
                        access_key_id: last.credentials.access_key_id.clone(),
                        expiration: last.credentials.expiration,
                        arn: last.credentials.arn.clone(),
                    })
                });
                (
                    Some(ProfileView::of(&row, &state, served.as_deref())),
                    session,
                )
            }
            None => (None, None),
        };
        Ok(views::Session {
            identity: served,
            listen: state.listen.to_string(),
            page: state.page_url(),
            pending: PendingView::all(&state.sessions.pending()),
            profile,
            session,
            sign_ins_needed: SignInNeededView::all(&state.sessions.sign_ins()),
        })
    })
    .await??;
    Ok(Json(answer))
}

pub async fn session(Shared(state): Shared<State>) -> JsonResult<Json<views::Session>> {
    describe(&state).await
}

/// The identity `name` as the profile files say it is now; `missing` is the status for a name
/// that is no profile (the seed answers 400 on `POST /manage/session`, a path with the name 404).
async fn identity(name: &str, missing: StatusCode) -> JsonResult<Identity> {
    let owned = name.to_string();
    blocking(move || {
        let config = Config::load().map_err(|e| ApiError::bad_request(e.to_string()))?;
        if !config.names().contains(&owned.as_str()) {
            return Err(no_profile(&owned, missing).into());
        }
        let identity = config
            .identity(&owned)
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        Ok(identity)
    })
    .await?
}

/// Makes the MFA session `identity` needs with `code`: 403 when STS rejects the code.
async fn mfa_session(state: &State, identity: &Identity, code: String) -> JsonResult<()> {
    if identity.root_mfa_serial().is_none() {
        return Err(ApiError::bad_request(format!(
            "{} needs no MFA code: its sessions are made from {}'s keys alone",
            printable(&identity.name),
            printable(&identity.root().name)
        ))
        .into());
    }
    match state.sessions.new_mfa_session(&identity.name, code).await {
        Ok(_) => {
            // The answer shows the session made from it (a role is assumed now, not at the next
            // SDK request); should that fail, the code still made the MFA session: 200, and
            // the log says why the role has none.
            let _ = state.sessions.get(&identity.name).await;
            Ok(())
        }
        Err(e) if e.cause() == Cause::WrongMfaCode => Err(ApiError::forbidden(format!(
            "STS rejected the MFA code (wrong, or already used): {e}"
        ))
        .for_identity(&identity.name)
        .into()),
        Err(e) => Err(ApiError::bad_gateway(format!("no MFA session: {e}"))
            .for_identity(&identity.name)
            .into()),
    }
}

pub async fn change_session(
    Shared(state): Shared<State>,
    request: Request,
) -> JsonResult<Json<views::Session>> {
    let change = body::change(request).await?;
    let code = change.token.as_deref().map(checked_code).transpose()?;
    if change.session.as_deref() == Some("") {
        return Err(ApiError::bad_request("session= names no identity: give session=NAME").into());
    }
    let name = change.session;
    if code.is_none() && name.is_none() {
        return Err(ApiError::bad_request(
            "give session=NAME (serve it), token=CODE (an MFA code), or both",
        )
        .into());
    }
    let target = match (&name, state.served()) {
        (Some(name), _) => identity(name, StatusCode::BAD_REQUEST).await?,
        (None, Some(served)) => identity(&served, StatusCode::BAD_REQUEST).await?,
        (None, None) => {
            return Err(ApiError::bad_request(
                "no identity is served: give session=NAME with the code",
            )
            .into());
        }
    };
    // The code first: a request that fails changes nothing, what is served included.
    let with_code = code.is_some();
    if let Some(code) = code {
        mfa_session(&state, &target, code).await?;
    }
    if let Some(name) = &name {
        let (listen, remembered) = (state.listen, name.clone());
        blocking(move || tokens::remember_served(listen, Some(&remembered)))
            .await?
            .map_err(|e| ApiError::bad_gateway(e.to_string()))?;
        state.serve(Some(name.clone()));
        note(&format!("now serving {} on the IMDS path", printable(name)));
        if !with_code {
            // With a code, mfa_session has just made the session.
            state.sessions.warm(name);
        }
    }
    describe(&state).await
}

async fn clear(state: &State, name: String) -> JsonResult<bool> {
    let sessions = state.sessions.clone();
    let cleared = blocking(move || sessions.clear(&name)).await?;
    Ok(cleared.map_err(|e| ApiError::bad_gateway(e.to_string()))?)
}

pub async fn clear_session(Shared(state): Shared<State>) -> JsonResult<Json<views::Session>> {
    if let Some(name) = state.served() {
        identity(&name, StatusCode::BAD_REQUEST).await?;
        if clear(&state, name.clone()).await? {
            note(&format!(
                "dropped the session of {} (DELETE /manage/session)",
                printable(&name)
            ));
        }
    }
    describe(&state).await
}

pub async fn profile_code(
    Shared(state): Shared<State>,
    path: Result<Path<String>, PathRejection>,
    request: Request,
) -> JsonResult<Json<views::Profile>> {
    let name = name_in(path)?;
    let target = identity(&name, StatusCode::NOT_FOUND).await?;
    let change = body::change(request).await?;
    let Some(code) = change.token else {
        return Err(ApiError::bad_request("give token=CODE (an MFA code)").into());
    };
    mfa_session(&state, &target, checked_code(&code)?).await?;
    profile(Shared(state), Ok(Path(name))).await
}

pub async fn profile_clear(
    Shared(state): Shared<State>,
    path: Result<Path<String>, PathRejection>,
) -> JsonResult<Json<views::Profile>> {
    let name = name_in(path)?;
    identity(&name, StatusCode::NOT_FOUND).await?;
    if clear(&state, name.clone()).await? {
        note(&format!("dropped the session of {}", printable(&name)));
    }
    profile(Shared(state), Ok(Path(name))).await
}

pub async fn login(Shared(state): Shared<State>) -> JsonResult<Json<views::Login>> {
    let code = state
        .logins
        .mint()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let expires = Utc::now()
        + chrono::TimeDelta::from_std(logins::CODE_LIFE).unwrap_or(chrono::TimeDelta::minutes(15));
    Ok(Json(views::Login {
        expires: rfc3339(expires),
        url: format!("{}?code={code}", state.page_url()),
    }))
}

pub async fn stop(Shared(state): Shared<State>) -> Json<views::Stopping> {
    note("stopping (POST /manage/stop)");
    state.stop.send_replace(true);
    Json(views::Stopping { stopping: true })
}

/// `GET /manage/proof?nonce=HEX`, the one route without the token: proves to a control command
/// that this server holds the management token before the command sends it (control.rs). The
/// `Host` is the one the guard let through, so the proof is good for this server's address only.
pub async fn proof(
    Shared(state): Shared<State>,
    headers: HeaderMap,
    uri: Uri,
) -> JsonResult<Json<views::Proof>> {
    let nonce = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "nonce")
        .map(|(_, v)| v.into_owned())
        .filter(|n| tokens::is_nonce(n))
        .ok_or_else(|| {
            ApiError::bad_request("the proof needs nonce=HEX: 32 random bytes in lowercase hex")
        })?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let token = state.manage_token.as_deref().unwrap_or_default();
    Ok(Json(views::Proof {
        proof: tokens::hex(&tokens::proof(token, &host, &nonce)),
    }))
}
