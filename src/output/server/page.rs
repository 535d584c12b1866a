//! The management page at `/manage`: one small page (page.html, its CSS and script inside it)
//! embedded in the binary, and how a browser logs in to it.
//!
//! - **Login.** `aws-as serve` prints `http://ADDR/manage?code=CODE`, and `aws-as server page`
//!   asks the API for another. A code works once, within [`CODE_LIFE`]. Opening it sets the
//!   session cookie (HttpOnly, SameSite=Strict, Path=/manage) and answers 303 to
//!   `/manage#csrf=TOKEN`: the code leaves the address bar, and the page's script moves the CSRF
//!   token from the fragment (which no browser sends to a server) into its origin's storage and
//!   out of the address bar.
//! - **Why a CSRF token beside the cookie.** A browser sends a cookie of 127.0.0.1 to every port
//!   of 127.0.0.1, and SameSite takes them all for one site: a server on another loopback port
//!   (another user's) that the browser visits receives the cookie. The token lives only in this
//!   origin's storage (an origin has a port), and every API request of the page carries it in
//!   `X-CSRF-Token`: the cookie alone reads nothing and changes nothing. The cookie's name has
//!   the port in it, so that two servers on two ports keep their own; a page on another port
//!   can still set a cookie of that name, which the browser may send before the real one, so
//!   a request is logged in when any cookie of the name is a login ([`cookies`]).
//! - **The page holds no data**: its script fetches it with the cookie and the token. It is
//!   therefore served to any top-level navigation; framing is refused (CSP `frame-ancestors`,
//!   `X-Frame-Options`), and only the script and style carrying this response's nonce run.

use axum::Router;
use axum::extract::State as Shared;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::logins::LOGIN_LIFE;
use super::state::State;
use crate::output::endpoint::tokens::{hex, random};

/// The header the page's requests carry the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

const PAGE: &str = include_str!("page.html");

/// The session cookie's name: with the port, since a browser sends a cookie of a host to all
/// its ports.
pub fn cookie_name(state: &State) -> String {
    format!("aws-as-manage-{}", state.listen.port())
}

/// Every value of cookie `name` in a request's `Cookie` headers, in their order. A browser sends
/// one per (path, domain) it holds: a page on another port of 127.0.0.1 can set one of the same
/// name (cookies are per host, not per port), and the browser may send it first. So none is
/// chosen by its place: the caller takes any that is a login (manage/auth.rs).
pub fn cookies(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
        .collect()
}

pub fn router() -> Router<State> {
    Router::new().route("/manage", get(page))
}

/// Headers every answer of the page carries.
fn secured(mut response: Response, csp: &str) -> Response {
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(header::CACHE_CONTROL, "no-store");
    set(header::CONTENT_SECURITY_POLICY, csp);
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    response
}

const BARE_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

async fn page(Shared(state): Shared<State>, uri: Uri) -> Response {
    let code = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned());
    if let Some(code) = code {
        return match state.logins.redeem(&code) {
            Some((cookie, csrf)) => {
                super::note("a browser logged in to the management page");
                let set_cookie = format!(
                    "{}={cookie}; HttpOnly; SameSite=Strict; Path=/manage; Max-Age={}",
                    cookie_name(&state),
                    LOGIN_LIFE.as_secs()
                );
                let mut response = (
                    StatusCode::SEE_OTHER,
                    [(header::LOCATION, format!("/manage#csrf={csrf}"))],
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&set_cookie) {
                    response.headers_mut().insert(header::SET_COOKIE, v);
                }
                secured(response, BARE_CSP)
            }
            None => {
                let body = "<!doctype html><html lang=en><meta charset=utf-8>\
                    <title>aws-as: login refused</title>\
                    <p>This login address was used already, has expired, or is not this \
                    server's: each works once, within 15 minutes. For a new one, run \
                    <code>aws-as server page</code> in a terminal.</p></html>\n";
                let response = (
                    StatusCode::FORBIDDEN,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    body,
                )
                    .into_response();
                let mut response = secured(response, BARE_CSP);
                response.extensions_mut().insert(super::error::Logged {
                    identity: None,
                    note: Some(
                        "a login code that was used already, has expired, or is unknown".into(),
                    ),
                });
                response
            }
        };
    }
    let nonce = match random::<16>() {
        Ok(bytes) => hex(&bytes),
        Err(e) => {
            return super::error::ApiError::internal(e.to_string()).into_response();
        }
    };
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
         connect-src 'self'; img-src data:; form-action 'none'; frame-ancestors 'none'; \
         base-uri 'none'"
    );
    let body = PAGE.replace("{{NONCE}}", &nonce);
    let response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response();
    secured(response, &csp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name_all_of_them() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            "aws-as-manage-9254=shadow; a=1; aws-as-manage-9254=xyz"
                .parse()
                .unwrap(),
        );
        headers.append(header::COOKIE, "aws-as-manage-80=other".parse().unwrap());
        assert_eq!(cookies(&headers, "aws-as-manage-9254"), ["shadow", "xyz"]);
        assert_eq!(cookies(&headers, "aws-as-manage-80"), ["other"]);
        assert!(cookies(&headers, "aws-as-manage").is_empty());
    }
}
