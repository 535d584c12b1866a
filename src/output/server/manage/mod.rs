//! The management API under `/manage/` (docs/manage-api.yaml describes every route, status and
//! field). The shape is the seed's (aws-mock-metadata), so its users' scripts keep working, but
//! it never returns a secret key or a session token: only access key ids and expiries.
//! Credentials leave only through the credential endpoints.
//!
//! | route | what |
//! |---|---|
//! | `GET /manage/profiles` | every identity: kind, chain, region, session and time left, served, pending |
//! | `GET /manage/profiles/NAME` | one (404: no such profile) |
//! | `POST /manage/profiles/NAME/session` | `token=CODE`: NAME's MFA session, made with that code |
//! | `DELETE /manage/profiles/NAME/session` | drop NAME's session from the cache |
//! | `GET /manage/session` | the served identity, its session, the address, pending requests |
//! | `POST /manage/session` | `session=NAME` serves NAME; `token=CODE` makes the MFA session (form or JSON) |
//! | `DELETE /manage/session` | drop the served identity's session from the cache |
//! | `POST /manage/login` | a one-time login address for the page |
//! | `POST /manage/stop` | stop the server |
//! | `POST /manage/signin` | `session=NAME`: start an IAM Identity Center sign-in whose callback this server takes |
//! | `GET /manage/proof?nonce=HEX` | without the token: proof that this server holds it (control.rs asks before sending it) |
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the route table |
//! | `auth.rs` | who may call it: the bearer token, or the page's cookie with its CSRF token |
//! | `body.rs` | what a change asks for: a form or a JSON object |
//! | `views.rs` | the answers, as serde types |
//! | `handlers.rs` | one handler per route |
//!
//! Every error answers `{"message": "aws-as: …"}` (`JsonError`, error.rs).

mod auth;
pub(super) mod body;
mod handlers;
mod views;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};

use super::state::State;
use handlers::{
    change_session, clear_session, login, profile, profile_clear, profile_code, profiles, proof,
    session, stop,
};

pub fn router(state: &State) -> Router<State> {
    Router::new()
        .route("/manage/profiles", get(profiles))
        .route("/manage/profiles/{name}", get(profile))
        .route(
            "/manage/profiles/{name}/session",
            post(profile_code).delete(profile_clear),
        )
        .route(
            "/manage/session",
            get(session).post(change_session).delete(clear_session),
        )
        .route("/manage/login", post(login))
        .route("/manage/stop", post(stop))
        .route("/manage/signin", post(super::sso_signin::start))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_auth,
        ))
        // After the route layer, so outside it: asked before the token is sent.
        .route("/manage/proof", get(proof))
}
