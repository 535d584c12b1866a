//! The ECS container credentials endpoint: every identity at its own path, each behind its own
//! token.
//!
//! `GET /ecs/<identity, percent-encoded>` with `Authorization: <token>` (the identity's token,
//! see `../endpoint/tokens.rs`) answers `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`, and for a
//! role `RoleArn`. No token: 401. Another identity's token, or none of ours: 403, before the name
//! is even looked up, so a prober learns nothing about which names exist.

use axum::Router;
use axum::extract::{Path, State as Shared};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::error::{ApiError, ApiResult, Logged};
use super::state::State;
use crate::error::Cause;
use crate::identity::Kind;
use crate::session::rfc3339;

pub fn router() -> Router<State> {
    Router::new().route("/ecs/{name}", get(credentials))
}

async fn credentials(
    Shared(state): Shared<State>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Some(token) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            "no Authorization token: set AWS_CONTAINER_AUTHORIZATION_TOKEN (aws-as server env NAME)",
        ));
    };
    if !state.ecs.accepts(&name, token.as_bytes()) {
        return Err(ApiError::forbidden(
            "this token is not the one for this path: aws-as server env NAME prints the right one",
        ));
    }
    let served = state.sessions.get(&name).await.map_err(|e| {
        // SDKs retry a 5xx (STS may be back a moment later); a missing MFA code or sign-in needs a person,
        // and retrying it only delays the message.
        let status = match e.cause() {
            Cause::MfaCodeNeeded | Cause::WrongMfaCode | Cause::SsoSignInNeeded => {
                StatusCode::BAD_REQUEST
            }
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError::new(status, format!("no credentials for {name}: {e}")).for_identity(&name)
    })?;
    let c = &served.credentials;
    let mut body = serde_json::json!({
        "AccessKeyId": c.access_key_id,
        "SecretAccessKey": c.secret_access_key,
        "Token": c.session_token,
        "Expiration": rfc3339(c.expiration),
    });
    if let Kind::Role { role_arn, .. } = &served.identity.kind {
        body["RoleArn"] = role_arn.clone().into();
    }
    let mut response = axum::Json(body).into_response();
    response.extensions_mut().insert(Logged {
        identity: Some(name),
        note: None,
    });
    Ok(response)
}
