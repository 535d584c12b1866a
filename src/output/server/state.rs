//! What every handler shares: one `Clone` handle, given to the router with `.with_state()`.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use super::imds_token::ImdsTokens;
use super::sessions::Sessions;
use crate::output::endpoint::tokens::EcsKey;

#[derive(Clone)]
pub struct State(Arc<Inner>);

pub struct Inner {
    pub sessions: Arc<Sessions>,
    /// The identity served on the IMDS path (`None`: an instance without a role). Changed by
    /// `POST /manage/session` (`aws-as server switch`).
    pub served: Mutex<Option<String>>,
    pub imds: ImdsTokens,
    /// `--imds-v1`: GETs without a session token are answered too.
    pub imds_v1: bool,
    pub ecs: EcsKey,
    /// The management API's bearer token; `None` serves no `/manage/` (`exec --server`).
    pub manage_token: Option<String>,
    /// The `Host` values a request may carry: the server's own addresses (DNS rebinding).
    pub hosts: Vec<String>,
    /// Peers allowed besides loopback: this machine's own addresses.
    pub local: Vec<IpAddr>,
    pub listen: SocketAddr,
    /// Whether every request is logged, or only refusals and failures (`exec --server`, whose
    /// stderr is the command's).
    pub log_all: bool,
    /// Users served besides the one running the server (`--allow-user`): every other user's
    /// connection is closed at accept.
    pub allowed_users: Vec<u32>,
    /// Told to stop (`POST /manage/stop`).
    pub stop: tokio::sync::watch::Sender<bool>,
    /// The management page's login codes and logged-in browsers.
    pub logins: super::logins::Logins,
    /// IAM Identity Center sign-ins started from the page, waiting for their callback
    /// (sso_signin.rs).
    pub sso_sign_ins: SignIns,
}

/// IAM Identity Center sign-ins started from the page, with when each was started.
#[derive(Default)]
pub struct SignIns {
    pub started: Mutex<Vec<(std::time::Instant, crate::session::sso::signin::Started)>>,
}

impl State {
    pub fn new(inner: Inner) -> State {
        State(Arc::new(inner))
    }

    pub fn served(&self) -> Option<String> {
        super::lock(&self.served).clone()
    }

    pub fn serve(&self, name: Option<String>) {
        *super::lock(&self.served) = name;
    }

    /// The management page's address: `http://ADDR:PORT/manage`.
    pub fn page_url(&self) -> String {
        format!(
            "{}manage",
            crate::output::endpoint::address::url(self.listen)
        )
    }
}

impl std::ops::Deref for State {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
