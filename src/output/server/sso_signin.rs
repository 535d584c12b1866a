//! IAM Identity Center sign-ins started from the management page, when nobody is at a terminal:
//! the server is on loopback already, so it takes the sign-in's callback itself
//! (`GET /oauth/callback`, the one path the service redirects to). `POST /manage/signin`
//! (`session=NAME`: an sso-session, or a profile that signs in through one) answers the authorize
//! address the page then opens; the callback's `state` says which sign-in it ends, and the token
//! goes to the shared cache, where the waiting requests' watcher finds it (sessions/pending.rs).
//!
//! The callback carries no token of the API (the service's redirect cannot): its `state`, 32
//! random characters known to this server and the browser it sent there, is what authenticates
//! it, as in every OAuth client. The guard lets it through as a navigation (guard.rs), and the
//! listener serves only this user's processes.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Request, State as Shared};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, JsonResult};
use super::manage::body;
use super::state::State;
use super::{lock, note};
use crate::identity::Config;
use crate::output::text::printable;
use crate::session::cache::Cache;
use crate::session::sso::signin;

/// Sign-ins started and not yet called back; the oldest goes when there are more.
const MOST: usize = 8;

/// How long a started sign-in waits for its callback (as `aws-as sso login`'s listener).
fn life() -> Duration {
    crate::session::sso::callback::wait()
}

#[derive(serde::Serialize)]
pub struct StartedView {
    /// The address to open in the browser: the portal's sign-in page.
    address: String,
    /// The sign-in it is (the sso-session's name).
    session: String,
}

/// `POST /manage/signin`: starts the sign-in `session=NAME` names.
pub async fn start(
    Shared(state): Shared<State>,
    request: Request,
) -> JsonResult<Json<StartedView>> {
    let change = body::change(request).await?;
    let Some(name) = change.session.filter(|n| !n.is_empty()) else {
        return Err(ApiError::bad_request(
            "give session=NAME: the sso-session (or an SSO profile) to sign in to",
        )
        .into());
    };
    let Some(connect) = state.sessions.connect() else {
        return Err(ApiError::internal("this server has no network client").into());
    };
    if !state.listen.ip().is_loopback() || !state.listen.is_ipv4() {
        return Err(ApiError::bad_request(format!(
            "IAM Identity Center sends the browser back to 127.0.0.1 only, and this server listens on {}: run aws-as sso login {} in a terminal",
            state.listen,
            printable(&name)
        ))
        .into());
    }
    let redirect_uri = format!("http://127.0.0.1:{}/oauth/callback", state.listen.port());
    let started = tokio::task::spawn_blocking(move || {
        let config = Config::load()?;
        let sign_in = config.sso_sign_in(&name)?;
        let api = connect()?;
        signin::start_in_browser(api.sso(), &sign_in, &redirect_uri)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let view = StartedView {
        address: started.address.clone(),
        session: started.sign_in.label().to_string(),
    };
    note(&format!(
        "an IAM Identity Center sign-in to {} was started from the page",
        printable(&view.session)
    ));
    let mut all = lock(&state.sso_sign_ins.started);
    all.retain(|(at, _)| at.elapsed() < life());
    if all.len() >= MOST {
        all.remove(0);
    }
    all.push((Instant::now(), started));
    Ok(Json(view))
}

/// The page a browser is shown at the end of a sign-in.
fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let html = format!(
        "<!doctype html><meta charset=utf-8><title>{t}</title>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
         <h1>{t}</h1><p>{x}</p><p><a href=\"/manage\">Back to the aws-as page</a></p>",
        t = escape(title),
        x = escape(text)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response()
}

/// `GET /oauth/callback?code=…&state=…` (or `error=…&state=…`): ends the sign-in the state names.
pub async fn callback(Shared(state): Shared<State>, uri: Uri) -> Response {
    let mut code = None;
    let mut given_state = None;
    let mut error = None;
    for (k, v) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        match &*k {
            "code" => code = Some(v.into_owned()),
            "state" => given_state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            _ => {}
        }
    }
    let started = given_state.as_deref().and_then(|s| {
        let mut all = lock(&state.sso_sign_ins.started);
        all.retain(|(at, _)| at.elapsed() < life());
        let i = all.iter().position(|(_, st)| st.has_state(s))?;
        Some(all.remove(i).1)
    });
    let Some(started) = started else {
        return page(
            StatusCode::BAD_REQUEST,
            "No sign-in is waiting for this",
            "This address ends a sign-in started from the aws-as page, and no such sign-in is waiting (it ended, timed out, or was never started here). Start it again from the page.",
        );
    };
    let label = printable(started.sign_in.label());
    if let Some(error) = error {
        note(&format!(
            "the IAM Identity Center sign-in to {label} was refused at the portal"
        ));
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in refused",
            &format!(
                "IAM Identity Center answered {}: nothing was signed in. Start it again from the page.",
                printable(&error.chars().take(100).collect::<String>())
            ),
        );
    }
    let Some(code) = code.filter(|c| !c.is_empty()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in incomplete",
            "The portal sent no code: start the sign-in again from the page.",
        );
    };
    let Some(connect) = state.sessions.connect() else {
        return page(StatusCode::INTERNAL_SERVER_ERROR, "No network client", "");
    };
    let done = tokio::task::spawn_blocking(move || {
        let api = connect()?;
        let cache = Cache::open(Cache::default_dir()?);
        started.finish(api.sso(), &cache, &code)
    })
    .await;
    match done {
        Ok(Ok(token)) => {
            note(&format!(
                "signed in to IAM Identity Center ({label}) from the page"
            ));
            page(
                StatusCode::OK,
                "Signed in",
                &format!(
                    "aws-as is signed in to {label} until {} (the AWS CLI and the SDKs use this sign-in too). You can close this tab.",
                    crate::session::rfc3339(token.expires_at)
                ),
            )
        }
        Ok(Err(e)) => page(
            StatusCode::BAD_GATEWAY,
            "Sign-in failed",
            &format!("{e}. Start it again from the page."),
        ),
        Err(e) => page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sign-in failed",
            &e.to_string(),
        ),
    }
}
