//! One error type for every handler, mapped to a status and a body in one place. The body says
//! what went wrong and the fix, never a secret; the same line goes to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// What the log line of a request says besides method, path and status: the identity it was
/// for and, when it failed, why. Set by handlers as a response extension, read by the guard.
#[derive(Clone, Debug, Default)]
pub struct Logged {
    pub identity: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub identity: Option<String>,
    /// The management API answers in JSON; the credential endpoints in plain text, as EC2 does.
    pub json: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            identity: None,
            json: false,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn for_identity(mut self, name: &str) -> ApiError {
        self.identity = Some(name.to_string());
        self
    }

    pub fn json(mut self) -> ApiError {
        self.json = true;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let logged = Logged {
            identity: self.identity,
            note: Some(self.message.clone()),
        };
        let mut response = if self.json {
            (
                self.status,
                axum::Json(serde_json::json!({ "message": self.message })),
            )
                .into_response()
        } else {
            (self.status, format!("{}\n", self.message)).into_response()
        };
        response.extensions_mut().insert(logged);
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
