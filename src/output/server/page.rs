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
//!   the port in it, so that two servers on two ports keep their own.
//! - **The page holds no data**: its script fetches it with the cookie and the token. It is
//!   therefore served to any top-level navigation; framing is refused (CSP `frame-ancestors`,
//!   `X-Frame-Options`), and only the script and style carrying this response's nonce run.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State as Shared;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::state::State;
use super::tokens::{self, hex, random};
use crate::error::Result;

/// How long a login code may wait for its one use.
pub const CODE_LIFE: Duration = Duration::from_secs(15 * 60);
/// How long a browser stays logged in (the server forgets every login when it stops).
pub const LOGIN_LIFE: Duration = Duration::from_secs(24 * 3600);
/// Codes and logins kept at once; past it the oldest goes (each is a few dozen bytes).
const MAX_CODES: usize = 32;
const MAX_LOGINS: usize = 64;

/// The header the page's requests carry the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

const PAGE: &str = include_str!("page.html");

/// The login codes not used yet and the browsers logged in, in memory only. Codes and cookies
/// are kept as their SHA-256 and compared in constant time.
#[derive(Default)]
pub struct Logins {
    codes: Mutex<Vec<([u8; 32], Instant)>>,
    logins: Mutex<Vec<Login>>,
}

struct Login {
    cookie: [u8; 32],
    csrf: String,
    until: Instant,
}

/// A browser logged in: what its requests must carry besides the cookie.
pub struct Session {
    pub csrf: String,
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

impl Logins {
    /// A new one-time login code.
    pub fn mint(&self) -> Result<String> {
        let code = hex(&random::<32>()?);
        let mut codes = self.codes.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        codes.retain(|(_, until)| *until > now);
        if codes.len() >= MAX_CODES {
            codes.remove(0);
        }
        codes.push((digest(&code), now + CODE_LIFE));
        Ok(code)
    }

    /// Uses up `code`: a new login (its cookie and CSRF token), or `None` for a code that was
    /// used already, has expired, or was never this server's.
    fn redeem(&self, code: &str) -> Option<(String, String)> {
        let given = digest(code);
        let now = Instant::now();
        let mut codes = self.codes.lock().unwrap_or_else(|e| e.into_inner());
        let at = codes
            .iter()
            .position(|(c, until)| tokens::same(c, &given) && *until > now)?;
        codes.remove(at);
        drop(codes);
        let cookie = hex(&random::<32>().ok()?);
        let csrf = hex(&random::<32>().ok()?);
        let mut logins = self.logins.lock().unwrap_or_else(|e| e.into_inner());
        logins.retain(|l| l.until > now);
        if logins.len() >= MAX_LOGINS {
            logins.remove(0);
        }
        logins.push(Login {
            cookie: digest(&cookie),
            csrf: csrf.clone(),
            until: now + LOGIN_LIFE,
        });
        Some((cookie, csrf))
    }

    /// The login whose cookie this is, if it is one and has not expired.
    pub fn session(&self, cookie: &str) -> Option<Session> {
        let given = digest(cookie);
        let now = Instant::now();
        let logins = self.logins.lock().unwrap_or_else(|e| e.into_inner());
        logins
            .iter()
            .find(|l| tokens::same(&l.cookie, &given) && l.until > now)
            .map(|l| Session {
                csrf: l.csrf.clone(),
            })
    }
}

/// The session cookie's name: with the port, since a browser sends a cookie of a host to all
/// its ports.
pub fn cookie_name(state: &State) -> String {
    format!("aws-as-manage-{}", state.listen.port())
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
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
                super::sessions::note("a browser logged in to the management page");
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
            return super::error::ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
                .into_response();
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
    fn a_code_works_once_and_a_login_is_its_cookie() {
        let logins = Logins::default();
        let code = logins.mint().unwrap();
        assert_eq!(code.len(), 64);
        assert!(logins.redeem("nope").is_none());
        let (cookie, csrf) = logins.redeem(&code).expect("the first use");
        assert!(logins.redeem(&code).is_none(), "a code works once");
        assert_eq!(logins.session(&cookie).unwrap().csrf, csrf);
        assert!(logins.session(&csrf).is_none());
        assert!(logins.session("").is_none());
        // Old codes go first when too many are waiting.
        let first = logins.mint().unwrap();
        for _ in 0..MAX_CODES {
            logins.mint().unwrap();
        }
        assert!(logins.redeem(&first).is_none());
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            "a=1; aws-as-manage-9254=xyz".parse().unwrap(),
        );
        headers.append(header::COOKIE, "aws-as-manage-80=other".parse().unwrap());
        assert_eq!(
            cookie(&headers, "aws-as-manage-9254").as_deref(),
            Some("xyz")
        );
        assert_eq!(
            cookie(&headers, "aws-as-manage-80").as_deref(),
            Some("other")
        );
        assert_eq!(cookie(&headers, "aws-as-manage"), None);
    }
}
