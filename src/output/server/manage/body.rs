//! What a change to a session asks for, read from its body: a form (`session=NAME&token=CODE`,
//! as the seed took it) or a JSON object with the same fields.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::super::error::{ApiError, ApiResult};
use super::super::guard::MAX_BODY;

/// How long a client has to send the body.
const BODY_TIME: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct Change {
    /// The identity to serve.
    pub session: Option<String>,
    /// An MFA code: the MFA session is made with it.
    pub token: Option<String>,
}

/// The change `request` asks for.
pub async fn change(request: Request) -> ApiResult<Change> {
    let headers = request.headers().clone();
    let body = tokio::time::timeout(
        BODY_TIME,
        axum::body::to_bytes(request.into_body(), MAX_BODY),
    )
    .await
    .map_err(|_| ApiError::bad_request("the request body took too long"))?
    .map_err(|_| ApiError::bad_request("the request body is too large"))?;
    parse(&headers, &body)
}

fn parse(headers: &HeaderMap, body: &Bytes) -> ApiResult<Change> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if json {
        let bad = |why: String| ApiError::bad_request(format!("the JSON body: {why}"));
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

/// An MFA code as typed: six digits, or two groups of three joined by a space or hyphen (as
/// authenticator apps show it), spaces around them allowed.
pub fn checked_code(code: &str) -> ApiResult<String> {
    crate::session::mfa::code_digits(code).ok_or_else(|| {
        ApiError::bad_request("an MFA code is the 6 digits the device shows (123456 or 123 456)")
    })
}
