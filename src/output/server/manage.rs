//! The management API under `/manage/`, every route behind `Authorization: Bearer <token>` (the
//! token file, 0600, in the state directory). The shape is the seed's (aws-mock-metadata), so its
//! users' scripts keep working, but it never returns a secret key or a session token: only the
//! access key id and the expiry. Credentials leave only through the credential endpoints.
//!
//! | route | what |
//! |---|---|
//! | `GET /manage/session` | the served identity, its session (access key id, expiry), the address |
//! | `POST /manage/session` | `session=NAME` (form or JSON): serve NAME on the IMDS path |
//! | `POST /manage/stop` | stop the server |

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State as Shared};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use super::state::State;
use super::tokens;
use crate::identity::Config;
use crate::session::rfc3339;

pub fn router(state: &State) -> Router<State> {
    Router::new()
        .route("/session", get(session).post(change_session))
        .route("/stop", post(stop))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_bearer,
        ))
}

async fn require_bearer(Shared(state): Shared<State>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let expected = state.manage_token.as_deref().unwrap_or_default();
    match given {
        Some(token)
            if !expected.is_empty() && tokens::same(token.as_bytes(), expected.as_bytes()) => {}
        _ => {
            return ApiError::unauthorized(
                "aws-as: the management API needs Authorization: Bearer <the token file's token>",
            )
            .json()
            .into_response();
        }
    }
    next.run(request).await
}

/// What `GET /manage/session` and a successful `POST` answer.
async fn describe(state: &State) -> Value {
    let served = state.served();
    let profile = match &served {
        Some(name) => {
            let name = name.clone();
            let identity =
                tokio::task::spawn_blocking(move || Config::load().and_then(|c| c.identity(&name)))
                    .await
                    .ok()
                    .and_then(Result::ok);
            identity.map(|i| {
                json!({
                    "name": i.name,
                    "kind": i.kind_name(),
                    "region": i.region,
                })
            })
        }
        None => None,
    };
    let session = served
        .as_deref()
        .and_then(|name| state.sessions.last(name))
        .map(|s| {
            json!({
                "accessKey": s.credentials.access_key_id,
                "expiration": rfc3339(s.credentials.expiration),
            })
        });
    json!({
        "identity": served,
        "profile": profile,
        "session": session,
        "listen": state.listen.to_string(),
    })
}

async fn session(Shared(state): Shared<State>) -> Response {
    axum::Json(describe(&state).await).into_response()
}

#[derive(Deserialize, Default)]
struct Change {
    /// The identity to serve.
    session: Option<String>,
    /// An MFA code (issue 10 adds what it does).
    token: Option<String>,
}

async fn change_session(
    Shared(state): Shared<State>,
    headers: HeaderMap,
    request: Request,
) -> ApiResult<Response> {
    let body = tokio::time::timeout(
        Duration::from_secs(5),
        axum::body::to_bytes(request.into_body(), super::guard::MAX_BODY),
    )
    .await
    .map_err(|_| ApiError::bad_request("aws-as: the request body took too long").json())?
    .map_err(|_| ApiError::bad_request("aws-as: the request body is too large").json())?;
    let change = parse(&headers, &body)?;
    if change.token.is_some() {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "aws-as: MFA codes through the API are not supported yet: run aws-as NAME in a terminal",
        )
        .json());
    }
    let Some(name) = change.session.filter(|n| !n.is_empty()) else {
        return Err(ApiError::bad_request("aws-as: give session=NAME").json());
    };
    let checked = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || Config::load().and_then(|c| c.identity(&name))).await
    };
    match checked {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(ApiError::bad_request(format!("aws-as: {e}")).json()),
        Err(e) => {
            return Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).json());
        }
    }
    state.serve(Some(name.clone()));
    super::sessions::note(&format!("now serving {name} on the IMDS path"));
    Ok(axum::Json(describe(&state).await).into_response())
}

fn parse(headers: &HeaderMap, body: &Bytes) -> ApiResult<Change> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if json {
        return serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("aws-as: the JSON body: {e}")).json());
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

async fn stop(Shared(state): Shared<State>) -> Response {
    super::sessions::note("stopping (POST /manage/stop)");
    state.stop.send_replace(true);
    axum::Json(json!({ "stopping": true })).into_response()
}
