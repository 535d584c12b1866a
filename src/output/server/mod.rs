//! The credentials server: an EC2 metadata (IMDSv2) endpoint and an ECS container credentials
//! endpoint on loopback, for programs that never see the shell's variables (an IDE, a GUI, a
//! long `terraform apply`), and the management API under `/manage/` that controls it.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`router`]: the whole route table |
//! | `listen.rs` | `aws-as serve`: the address checked, the listener and its limits, shutdown |
//! | `exec.rs` | `aws-as exec --server`: a server that lives as long as one command |
//! | `guard.rs` | the checks every request passes (peer, `Host`, no browser), the log line |
//! | `imds.rs`, `ecs.rs`, `manage/` | one surface each, with its own token check |
//! | `imds_token.rs` | the IMDSv2 session tokens |
//! | `page.rs`, `page.html` | the management page (one file, embedded) and its one-time login |
//! | `logins.rs` | the page's one-time codes and logged-in browsers |
//! | `sessions/` | credentials through the session layer: single flight, a short memo; requests waiting for an MFA code |
//! | `state.rs`, `error.rs` | shared state; the error types, each mapped to a status and a body |
//!
//! All of it is network code, reachable only from the `aws-as-sts` binary's entry (passed to
//! `cli::main` in `cli::Network`): the lean `aws-as` hands `serve` and `exec --server` to it
//! before doing anything. What the lean binary's `aws-as server …` shares with it (addresses,
//! secrets' files, a plain std client) is in `../endpoint/`; those commands are `../control.rs`.

mod door;
pub mod ecs;
mod error;
pub mod exec;
mod guard;
mod imds;
mod imds_token;
pub mod listen;
mod logins;
mod manage;
mod page;
pub mod sessions;
mod sso_signin;
pub mod state;

use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::IntoResponse;

pub use crate::output::endpoint::address::DEFAULT_LISTEN;
// `serve` under the name every command's entry has (`cli` calls each `run`).
pub use listen::{Options, serve as run};
use state::State;

/// The route table. One sub-router per surface, each with its own check as a route layer (so an
/// unknown path stays a 404, as SDKs expect); the checks every request passes wrap it all.
///
/// | path | surface |
/// |---|---|
/// | `PUT /latest/api/token`, `GET /latest/meta-data/…`, `GET /latest/dynamic/…` | IMDSv2 (`imds.rs`) |
/// | `GET /ecs/NAME` | ECS container credentials (`ecs.rs`) |
/// | `GET /manage` | the management page and its login (`page.rs`), when the server has a management token |
/// | `/manage/…` | the management API (`manage/`), with it |
/// | `GET /oauth/callback` | the end of an IAM Identity Center sign-in started from the page (`sso_signin.rs`), with it |
pub fn router(state: State) -> Router {
    let mut router = Router::new()
        .merge(imds::router(&state))
        .merge(ecs::router());
    if state.manage_token.is_some() {
        router = router
            .merge(page::router())
            .merge(manage::router(&state))
            .route("/oauth/callback", axum::routing::get(sso_signin::callback));
    }
    router
        .fallback(|uri: axum::http::Uri| async move {
            let missing = error::ApiError::not_found("no such path");
            // The management API answers in JSON, its unknown paths too.
            if uri.path().starts_with("/manage/") {
                error::JsonError(missing).into_response()
            } else {
                missing.into_response()
            }
        })
        .layer(DefaultBodyLimit::max(guard::MAX_BODY))
        .layer(middleware::from_fn_with_state(state.clone(), guard::check))
        .with_state(state)
}

/// A line in the log about the server's own work (not a request), after the time and the
/// program's name.
pub fn note(line: &str) {
    log(&format!("{} aws-as: {line}\n", now()));
}

/// The data behind `mutex`, even when a thread panicked while it held it. A panic there is a
/// bug in that one piece of work; what these locks keep is whole between statements (a value is
/// replaced, never left half-edited across a call that may panic), so the server goes on serving
/// rather than failing every request after it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Writes one log line to stderr in one write: stderr is unbuffered, so `eprintln!` would make a
/// system call of every piece of the format (measured: most of the server's time under load).
fn log(line: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// The time at the start of a log line.
fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests;
