//! The checks every request passes before any route sees it, written once for the whole router,
//! and the log line every request leaves.
//!
//! - The peer must be this machine: loopback, or one of its own addresses (a client of
//!   169.254.169.254 on `lo` talks from that address). With 169.254.169.254 on `lo`, a host on
//!   the same network could route to it: it is refused here.
//! - `Host` must name the server itself (its address and port, or `localhost`): a web page whose
//!   DNS name was rebound to 127.0.0.1 sends its own name.
//! - No `Origin` and no `Sec-Fetch-*`: only browsers send them, and no SDK does, so no page can
//!   read a credential even where it could reach the port. No CORS header is ever sent.
//! - One exception, for the management page (when the server has one): a browser may navigate
//!   to `/manage` itself (a page with no data in it, which refuses to be framed), and the page's
//!   own script may call `/manage/…`: same origin only (`Origin`, when sent, is the server's own
//!   and `Sec-Fetch-Site`, when sent, is `same-origin`). Whether such a call may do anything is
//!   the management API's check (its cookie and CSRF token, manage/auth.rs). The credential
//!   endpoints keep refusing every request a browser marks, same-origin or not.
//! - And one for the end of an IAM Identity Center sign-in started from the page: the portal
//!   sends the browser to `/oauth/callback` (a navigation from its site), which a sign-in's
//!   random `state` authenticates.
//! - A body larger than [`MAX_BODY`] is refused before it is read.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State as Shared};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, Logged};
use super::state::State;

/// The largest request body any route takes (the management API's small forms).
pub const MAX_BODY: usize = 16 * 1024;

/// The address a request came from, put in its extensions by the listener (a request without
/// it is refused).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// Whether `ip` is this machine: loopback, or one of `local` (its interfaces' addresses).
pub fn is_local(ip: IpAddr, local: &[IpAddr]) -> bool {
    let ip = ip.to_canonical();
    ip.is_loopback() || local.contains(&ip)
}

/// Whether a browser may send this request: only to the management page and its API, and only
/// from the page itself (see the module's comment). `host` has passed the allow-list.
fn browser_refusal(state: &State, request: &Request, host: &str) -> Option<ApiError> {
    let headers = request.headers();
    let path = request.uri().path();
    let refuse = || {
        Some(ApiError::forbidden(
            "refused: a browser request (Origin or Sec-Fetch-*); credentials are for SDKs only",
        ))
    };
    let page = path == "/manage";
    // The portal sends the browser back here at the end of a sign-in started from the page: a
    // navigation from another site, whose `state` is its proof (sso_signin.rs).
    let callback = path == "/oauth/callback";
    // A path that a server normalizing dots would read as another is no page's.
    let api = path.starts_with("/manage/") && !path.contains("/.") && !path.contains('%');
    if state.manage_token.is_none() || !(page || api || callback) {
        return refuse();
    }
    let value = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("?"));
    if let Some(origin) = value("origin")
        && !origin.eq_ignore_ascii_case(&format!("http://{host}"))
    {
        return Some(ApiError::forbidden(format!(
            "refused: a request from another origin ({}); the management page's requests \
             come from the page itself",
            origin.chars().take(100).collect::<String>().escape_debug()
        )));
    }
    let navigation = (page || callback)
        && matches!(*request.method(), Method::GET | Method::HEAD)
        && value("sec-fetch-mode").is_none_or(|m| m == "navigate")
        && value("sec-fetch-dest").is_none_or(|d| d == "document");
    if navigation {
        // Any site may link to the page: it holds no data, and a login code is its own proof.
        return None;
    }
    if page || value("sec-fetch-site").is_some_and(|site| site != "same-origin") {
        return Some(ApiError::forbidden(
            "refused: a request from another site or frame; the management API answers \
             the page's own requests only",
        ));
    }
    None
}

/// Why a request is refused, if it is.
fn refusal(state: &State, peer: Option<SocketAddr>, request: &Request) -> Option<ApiError> {
    let headers = request.headers();
    match peer {
        Some(peer) if is_local(peer.ip(), &state.local) => {}
        _ => {
            return Some(ApiError::forbidden(
                "refused: the peer is not on this machine",
            ));
        }
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    let Some(host) = host.filter(|h| state.hosts.contains(h)) else {
        return Some(ApiError::forbidden(format!(
            "refused: the Host header must be the server's own address ({})",
            state.hosts.join(", ")
        )));
    };
    let browser = headers.contains_key(header::ORIGIN)
        || headers
            .keys()
            .any(|name| name.as_str().starts_with("sec-fetch-"));
    if browser && let Some(why) = browser_refusal(state, request, &host) {
        return Some(why);
    }
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|n| n > MAX_BODY as u64) {
        return Some(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("refused: a request body is at most {MAX_BODY} bytes"),
        ));
    }
    None
}

pub async fn check(Shared(state): Shared<State>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    // The path only: a query string is nobody's business in a log.
    let path: String = request.uri().path().chars().take(200).collect();
    let peer = request.extensions().get::<Peer>().map(|p| p.0);
    let refused = refusal(&state, peer, &request);
    let refused_now = refused.is_some();
    let mut response = match refused {
        Some(why) => why.into_response(),
        None => next.run(request).await,
    };
    // How `aws-as serve` knows that what holds its port is another aws-as server.
    response
        .headers_mut()
        .insert(header::SERVER, HeaderValue::from_static("aws-as"));
    let logged = response
        .extensions_mut()
        .remove::<Logged>()
        .unwrap_or_default();
    let status = response.status();
    if state.log_all || refused_now || !status.is_success() {
        let identity = logged.identity.as_deref().unwrap_or("-");
        let note = logged
            .note
            .filter(|n| !n.is_empty())
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let peer = peer.map_or("?".to_string(), |p| p.ip().to_string());
        super::log(&format!(
            "{} {peer} {method} {} {} {identity}{note}\n",
            super::now(),
            path.escape_debug(),
            status.as_u16(),
        ));
    }
    response
}
