//! The management API under `/manage/` (docs/manage-api.yaml describes every route, status and
//! field). The shape is the seed's (aws-mock-metadata), so its users' scripts keep working, but
//! it never returns a secret key or a session token: only access key ids and expiries.
//! Credentials leave only through the credential endpoints.
//!
//! | route | what |
//! |---|---|
//! | `GET /manage/profiles` | every identity: kind, chain, region, session and time left, served, pending |
//! | `GET /manage/profiles/NAME` | one (404: no such profile) |
//! | `POST /manage/profiles/NAME/session` | `token=CODE`: NAME's MFA session, made with that code |
//! | `DELETE /manage/profiles/NAME/session` | drop NAME's session from the cache |
//! | `GET /manage/session` | the served identity, its session, the address, pending requests |
//! | `POST /manage/session` | `session=NAME` serves NAME; `token=CODE` makes the MFA session (form or JSON) |
//! | `DELETE /manage/session` | drop the served identity's session from the cache |
//! | `POST /manage/login` | a one-time login address for the page |
//! | `POST /manage/stop` | stop the server |
//!
//! Two ways in, checked by [`require_auth`] on every route: `Authorization: Bearer <the token
//! file's token>` (programs, `aws-as server …`), or the page's login cookie together with its
//! CSRF token in `X-CSRF-Token`, and for a change a same-origin `Origin` (page.rs says why both).

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State as Shared};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use super::logins;
use super::page;
use super::sessions::Pending;
use super::state::State;
use super::tokens;
use crate::error::Cause;
use crate::identity::{Config, Identity, Kind};
use crate::output::list::{self, Cached, Row};
use crate::session::cache::Cache;
use crate::session::{rfc3339, session_seconds};

pub fn router(state: &State) -> Router<State> {
    Router::new()
        .route("/manage/profiles", get(profiles))
        .route("/manage/profiles/{name}", get(profile))
        .route(
            "/manage/profiles/{name}/session",
            post(profile_code).delete(profile_clear),
        )
        .route(
            "/manage/session",
            get(session).post(change_session).delete(clear_session),
        )
        .route("/manage/login", post(login))
        .route("/manage/stop", post(stop))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_auth))
}

/// The bearer token, or the page's cookie with its CSRF token (and, for a change, a same-origin
/// `Origin`: the guard has checked that one sent is the server's own).
pub async fn require_auth(Shared(state): Shared<State>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let refused = if let Some(given) = headers.get(header::AUTHORIZATION) {
        let given = given.to_str().ok().and_then(|v| v.strip_prefix("Bearer "));
        let expected = state.manage_token.as_deref().unwrap_or_default();
        match given {
            Some(token)
                if !expected.is_empty() && tokens::same(token.as_bytes(), expected.as_bytes()) =>
            {
                None
            }
            _ => Some(ApiError::unauthorized(
                "aws-as: the management API needs Authorization: Bearer <the token file's token>",
            )),
        }
    } else if let Some(cookie) = page::cookie(headers, &page::cookie_name(&state)) {
        let csrf = headers
            .get(page::CSRF_HEADER)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        let change = !matches!(*request.method(), Method::GET | Method::HEAD);
        match state.logins.session(&cookie) {
            None => Some(ApiError::unauthorized(
                "aws-as: this browser is not logged in (or the server restarted since): run aws-as \
                 server page and open the address it prints",
            )),
            Some(login) if !tokens::same(csrf, login.csrf.as_bytes()) => Some(ApiError::forbidden(
                "aws-as: refused: a request with the page's cookie but without its CSRF token",
            )),
            Some(_) if change && !headers.contains_key(header::ORIGIN) => {
                Some(ApiError::forbidden(
                    "aws-as: refused: a change from the page must carry its Origin",
                ))
            }
            Some(_) => None,
        }
    } else {
        Some(ApiError::unauthorized(
            "aws-as: the management API needs Authorization: Bearer <the token file's token>",
        ))
    };
    match refused {
        Some(why) => why.json().into_response(),
        None => next.run(request).await,
    }
}

/// The profile name in the path: a 400 in JSON, like every answer here, when it is not UTF-8.
fn name_in(path: Result<Path<String>, PathRejection>) -> ApiResult<String> {
    path.map(|Path(name)| name).map_err(|e| {
        ApiError::bad_request(format!(
            "aws-as: the profile name in the path: {}",
            e.body_text()
        ))
        .json()
    })
}

/// Runs blocking work (profile files, the cache) off the runtime's threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).json())
}

fn session_json(cached: &Cached) -> Value {
    match cached {
        Cached::Session {
            access_key_id,
            expiration,
            arn,
        } => {
            let left = *expiration - Utc::now();
            json!({
                "accessKey": access_key_id,
                "expiration": rfc3339(*expiration),
                "secondsLeft": left.num_seconds().max(0),
                "left": list::left(left),
                "arn": arn,
            })
        }
        Cached::None | Cached::Unreadable => Value::Null,
    }
}

fn profile_json(row: &Row, state: &State, served: Option<&str>) -> Value {
    let is_served = served == Some(row.name.as_str());
    match &row.identity {
        Ok(identity) => {
            let (role_arn, access_key) = match &identity.kind {
                Kind::User { keys, .. } => (None, Some(keys.access_key_id.as_str())),
                Kind::Role { role_arn, .. } => (Some(role_arn.as_str()), None),
            };
            json!({
                "name": row.name,
                "kind": identity.kind_name(),
                "chain": list::chain(identity),
                "region": identity.region,
                "roleArn": role_arn,
                "mfaSerial": identity.root_mfa_serial(),
                "accessKey": access_key,
                "tokenDuration": session_seconds(&identity.summary(), state.sessions.duration()),
                "served": is_served,
                "session": session_json(&row.session),
                "problem": null,
            })
        }
        Err(problem) => json!({
            "name": row.name,
            "kind": null,
            "chain": [],
            "region": null,
            "roleArn": null,
            "mfaSerial": null,
            "accessKey": null,
            "tokenDuration": null,
            "served": is_served,
            "session": null,
            "problem": problem,
        }),
    }
}

fn pending_json(pending: &[Pending]) -> Value {
    pending
        .iter()
        .map(|p| {
            json!({
                "identity": p.identity,
                "user": p.user,
                "mfaSerial": p.serial,
                "since": rfc3339(p.since),
                "lastRequest": rfc3339(p.last),
                "requests": p.requests,
            })
        })
        .collect()
}

/// The profile files and the cache, read as `aws-as list` reads them.
fn load() -> Result<(Config, Cache), ApiError> {
    let config =
        Config::load().map_err(|e| ApiError::bad_request(format!("aws-as: {e}")).json())?;
    let cache = Cache::default_dir()
        .map(Cache::open)
        .map_err(|e| ApiError::bad_request(format!("aws-as: {e}")).json())?;
    Ok((config, cache))
}

async fn profiles(Shared(state): Shared<State>) -> ApiResult<Response> {
    let served = state.served();
    let body = blocking(move || -> ApiResult<Value> {
        let (config, cache) = load()?;
        let profiles: Vec<Value> = list::rows(&config, &cache)
            .iter()
            .map(|row| profile_json(row, &state, served.as_deref()))
            .collect();
        Ok(json!({
            "profiles": profiles,
            "served": served,
            "pending": pending_json(&state.sessions.pending()),
        }))
    })
    .await??;
    Ok(axum::Json(body).into_response())
}

/// The row of profile `name`, 404 when the files have no such identity.
fn known_row(name: &str) -> ApiResult<Row> {
    let (config, cache) = load()?;
    if !config.names().contains(&name) {
        return Err(ApiError::not_found(format!(
            "aws-as: there is no profile {name:?} (GET /manage/profiles lists them)"
        ))
        .json());
    }
    Ok(list::row(&config, &cache, name))
}

async fn profile(
    Shared(state): Shared<State>,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<Response> {
    let name = name_in(path)?;
    let served = state.served();
    let body = blocking(move || -> ApiResult<Value> {
        let row = known_row(&name)?;
        Ok(json!({ "profile": profile_json(&row, &state, served.as_deref()) }))
    })
    .await??;
    Ok(axum::Json(body).into_response())
}

/// What `GET /manage/session` and a successful `POST` or `DELETE` answer.
async fn describe(state: &State) -> ApiResult<Value> {
    let served = state.served();
    let state = state.clone();
    blocking(move || -> ApiResult<Value> {
        let (config, cache) = load()?;
        let (profile, session) = match &served {
            Some(name) => {
                let row = list::row(&config, &cache, name);
                let mut session = session_json(&row.session);
                // The server's own copy, when the cache has none (a cache it cannot write).
                if session.is_null()
                    && let Some(last) = state.sessions.last(name)
                {
                    session = session_json(&Cached::Session {
                        access_key_id: last.credentials.access_key_id.clone(),
                        expiration: last.credentials.expiration,
                        arn: last.credentials.arn.clone(),
                    });
                }
                (profile_json(&row, &state, served.as_deref()), session)
            }
            None => (Value::Null, Value::Null),
        };
        Ok(json!({
            "identity": served,
            "profile": profile,
            "session": session,
            "listen": state.listen.to_string(),
            "page": state.page_url(),
            "pending": pending_json(&state.sessions.pending()),
        }))
    })
    .await?
}

async fn session(Shared(state): Shared<State>) -> ApiResult<Response> {
    Ok(axum::Json(describe(&state).await?).into_response())
}

#[derive(Default)]
struct Change {
    /// The identity to serve.
    session: Option<String>,
    /// An MFA code: the MFA session is made with it.
    token: Option<String>,
}

async fn body(request: Request) -> ApiResult<(HeaderMap, Bytes)> {
    let headers = request.headers().clone();
    let body = tokio::time::timeout(
        Duration::from_secs(5),
        axum::body::to_bytes(request.into_body(), super::guard::MAX_BODY),
    )
    .await
    .map_err(|_| ApiError::bad_request("aws-as: the request body took too long").json())?
    .map_err(|_| ApiError::bad_request("aws-as: the request body is too large").json())?;
    Ok((headers, body))
}

fn parse(headers: &HeaderMap, body: &Bytes) -> ApiResult<Change> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if json {
        let bad =
            |why: String| ApiError::bad_request(format!("aws-as: the JSON body: {why}")).json();
        let value: Value = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
        let Value::Object(fields) = value else {
            return Err(bad("not an object".into()));
        };
        // A field is a string or absent: null is neither (serde would take it for absent).
        let text = |key: &str| match fields.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(format!("{key} must be a string"))),
        };
        return Ok(Change {
            session: text("session")?,
            token: text("token")?,
        });
    }
    let mut change = Change::default();
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "session" => change.session = Some(value.into_owned()),
            "token" => change.token = Some(value.into_owned()),
            _ => {}
        }
    }
    Ok(change)
}

fn checked_code(code: &str) -> ApiResult<String> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            ApiError::bad_request("aws-as: an MFA code is the 6 digits the device shows").json(),
        );
    }
    Ok(code.to_string())
}

/// The identity `name` as the profile files say it is now; `missing` is the status for a name
/// that is no profile (the seed answers 400 on `POST /manage/session`, a path with the name 404).
async fn identity(name: &str, missing: StatusCode) -> ApiResult<Identity> {
    let owned = name.to_string();
    blocking(move || {
        let config = Config::load().map_err(|e| ApiError::bad_request(format!("aws-as: {e}")))?;
        if !config.names().contains(&owned.as_str()) {
            return Err(ApiError::new(
                missing,
                format!("aws-as: there is no profile {owned:?} (GET /manage/profiles lists them)"),
            ));
        }
        config
            .identity(&owned)
            .map_err(|e| ApiError::bad_request(format!("aws-as: {e}")))
    })
    .await?
    .map_err(ApiError::json)
}

/// Makes the MFA session `identity` needs with `code`: 403 when STS rejects the code.
async fn mfa_session(state: &State, identity: &Identity, code: String) -> ApiResult<()> {
    if identity.root_mfa_serial().is_none() {
        return Err(ApiError::bad_request(format!(
            "aws-as: {} needs no MFA code: its sessions are made from {}'s keys alone",
            list::printable(&identity.name),
            list::printable(&identity.root().name)
        ))
        .json());
    }
    match state.sessions.new_mfa_session(&identity.name, code).await {
        Ok(_) => {
            // The answer shows the session made from it (a role is assumed now, not at the next
            // SDK request); should that fail, the code still made the MFA session: 200, and
            // the log says why the role has none.
            let _ = state.sessions.get(&identity.name).await;
            Ok(())
        }
        Err(f) if f.cause == Cause::WrongMfaCode => Err(ApiError::forbidden(format!(
            "aws-as: STS rejected the MFA code (wrong, or already used): {}",
            f.message
        ))
        .for_identity(&identity.name)
        .json()),
        Err(f) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("aws-as: no MFA session: {}", f.message),
        )
        .for_identity(&identity.name)
        .json()),
    }
}

async fn change_session(Shared(state): Shared<State>, request: Request) -> ApiResult<Response> {
    let (headers, body) = body(request).await?;
    let change = parse(&headers, &body)?;
    let code = change.token.as_deref().map(checked_code).transpose()?;
    if change.session.as_deref() == Some("") {
        return Err(
            ApiError::bad_request("aws-as: session= names no identity: give session=NAME").json(),
        );
    }
    let name = change.session;
    if code.is_none() && name.is_none() {
        return Err(ApiError::bad_request(
            "aws-as: give session=NAME (serve it), token=CODE (an MFA code), or both",
        )
        .json());
    }
    let target = match (&name, state.served()) {
        (Some(name), _) => identity(name, StatusCode::BAD_REQUEST).await?,
        (None, Some(served)) => identity(&served, StatusCode::BAD_REQUEST).await?,
        (None, None) => {
            return Err(ApiError::bad_request(
                "aws-as: no identity is served: give session=NAME with the code",
            )
            .json());
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
            .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, format!("aws-as: {e}")).json())?;
        state.serve(Some(name.clone()));
        super::sessions::note(&format!(
            "now serving {} on the IMDS path",
            list::printable(name)
        ));
        if !with_code {
            // With a code, mfa_session has just made the session.
            state.sessions.warm(name);
        }
    }
    Ok(axum::Json(describe(&state).await?).into_response())
}

async fn clear(state: &State, name: String) -> ApiResult<bool> {
    let sessions = state.sessions.clone();
    let cleared = blocking(move || sessions.clear(&name)).await?;
    cleared.map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, format!("aws-as: {e}")).json())
}

async fn clear_session(Shared(state): Shared<State>) -> ApiResult<Response> {
    if let Some(name) = state.served() {
        identity(&name, StatusCode::BAD_REQUEST).await?;
        if clear(&state, name.clone()).await? {
            super::sessions::note(&format!(
                "dropped the session of {} (DELETE /manage/session)",
                list::printable(&name)
            ));
        }
    }
    Ok(axum::Json(describe(&state).await?).into_response())
}

async fn profile_code(
    Shared(state): Shared<State>,
    path: Result<Path<String>, PathRejection>,
    request: Request,
) -> ApiResult<Response> {
    let name = name_in(path)?;
    let target = identity(&name, StatusCode::NOT_FOUND).await?;
    let (headers, body) = body(request).await?;
    let change = parse(&headers, &body)?;
    let Some(code) = change.token else {
        return Err(ApiError::bad_request("aws-as: give token=CODE (an MFA code)").json());
    };
    mfa_session(&state, &target, checked_code(&code)?).await?;
    profile(Shared(state), Ok(Path(name))).await
}

async fn profile_clear(
    Shared(state): Shared<State>,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<Response> {
    let name = name_in(path)?;
    identity(&name, StatusCode::NOT_FOUND).await?;
    if clear(&state, name.clone()).await? {
        super::sessions::note(&format!(
            "dropped the session of {}",
            list::printable(&name)
        ));
    }
    profile(Shared(state), Ok(Path(name))).await
}

async fn login(Shared(state): Shared<State>) -> ApiResult<Response> {
    let code = state
        .logins
        .mint()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).json())?;
    let expires = Utc::now()
        + chrono::TimeDelta::from_std(logins::CODE_LIFE).unwrap_or(chrono::TimeDelta::minutes(15));
    Ok(axum::Json(json!({
        "url": format!("{}?code={code}", state.page_url()),
        "expires": rfc3339(expires),
    }))
    .into_response())
}

async fn stop(Shared(state): Shared<State>) -> Response {
    super::sessions::note("stopping (POST /manage/stop)");
    state.stop.send_replace(true);
    axum::Json(json!({ "stopping": true })).into_response()
}
