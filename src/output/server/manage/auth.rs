//! Who may use the management API, checked as one route layer on every route: `Authorization:
//! Bearer <the token file's token>` (programs, `aws-as server …`), or the page's login cookie
//! together with its CSRF token in `X-CSRF-Token`, and for a change a same-origin `Origin`
//! (page.rs says why both; the guard has checked that an `Origin` sent is the server's own).

use axum::extract::{Request, State as Shared};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::super::error::{ApiError, JsonError};
use super::super::page;
use super::super::state::State;
use crate::output::endpoint::tokens;

const NEEDS_TOKEN: &str = "the management API needs Authorization: Bearer <the token file's token>";

pub async fn require_auth(Shared(state): Shared<State>, request: Request, next: Next) -> Response {
    match refusal(&state, &request) {
        Some(why) => JsonError(why).into_response(),
        None => next.run(request).await,
    }
}

fn refusal(state: &State, request: &Request) -> Option<ApiError> {
    let headers = request.headers();
    if let Some(given) = headers.get(header::AUTHORIZATION) {
        let given = given.to_str().ok().and_then(|v| v.strip_prefix("Bearer "));
        let expected = state.manage_token.as_deref().unwrap_or_default();
        return match given {
            Some(token)
                if !expected.is_empty() && tokens::same(token.as_bytes(), expected.as_bytes()) =>
            {
                None
            }
            _ => Some(ApiError::unauthorized(NEEDS_TOKEN)),
        };
    }
    let cookies = page::cookies(headers, &page::cookie_name(state));
    if cookies.is_empty() {
        return Some(ApiError::unauthorized(NEEDS_TOKEN));
    }
    let csrf = headers
        .get(page::CSRF_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let change = !matches!(*request.method(), Method::GET | Method::HEAD);
    // Any of them: a page on another port may have set one of the same name, sent first
    // (page.rs). Each is compared in constant time; one that is no login counts for nothing.
    let login = cookies
        .iter()
        .find_map(|cookie| state.logins.session(cookie));
    match login {
        None => Some(ApiError::unauthorized(
            "this browser is not logged in (or the server restarted since): run aws-as server \
             page and open the address it prints",
        )),
        Some(login) if !tokens::same(csrf, login.csrf.as_bytes()) => Some(ApiError::forbidden(
            "refused: a request with the page's cookie but without its CSRF token",
        )),
        Some(_) if change && !headers.contains_key(header::ORIGIN) => Some(ApiError::forbidden(
            "refused: a change from the page must carry its Origin",
        )),
        Some(_) => None,
    }
}
