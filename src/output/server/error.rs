//! The error types of every handler, mapped to a status and a body in one place. The body says
//! what went wrong and the fix, never a secret, after the program's name; the same line, without
//! the name, goes to the log.
//!
//! - [`ApiError`]: the credential endpoints answer in plain text, as EC2 does.
//! - [`JsonError`]: the management API answers `{"message": "aws-as: …"}`, always
//!   (docs/manage-api.yaml's `Error`); a handler's `?` turns an `ApiError` into one.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// What begins every error's body, so a person reading it knows which program speaks.
const NAME: &str = "aws-as: ";

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
    /// One line, without the program's name (added in the body).
    pub message: String,
    pub identity: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            identity: None,
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
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
    pub fn bad_gateway(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_GATEWAY, message)
    }

    pub fn for_identity(mut self, name: &str) -> ApiError {
        self.identity = Some(name.to_string());
        self
    }

    /// The message as the body says it: after the program's name (an IMDS 401 says nothing).
    fn said(&self) -> String {
        if self.message.is_empty() {
            String::new()
        } else {
            format!("{NAME}{}", self.message)
        }
    }

    /// `body` with the status, and the log's note in its extensions.
    fn respond(self, body: impl IntoResponse) -> Response {
        let mut response = (self.status, body).into_response();
        response.extensions_mut().insert(Logged {
            identity: self.identity,
            note: Some(self.message),
        });
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = format!("{}\n", self.said());
        self.respond(body)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// An error of the management API: always a JSON body with its `message`.
#[derive(Debug)]
pub struct JsonError(pub ApiError);

impl From<ApiError> for JsonError {
    fn from(e: ApiError) -> JsonError {
        JsonError(e)
    }
}

#[derive(serde::Serialize)]
struct Body {
    message: String,
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let body = axum::Json(Body {
            message: self.0.said(),
        });
        self.0.respond(body)
    }
}

pub type JsonResult<T> = Result<T, JsonError>;
