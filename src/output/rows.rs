//! One row per identity, as `aws-as list` shows it and the server's management API gives it:
//! the identity (or why its profile is not usable), its source chain, and what the cache holds;
//! for an identity whose credentials come from IAM Identity Center, how long its sign-in's token
//! lasts (the expiry in the shared token file: read here, in `list` and the management API, and
//! never on a cache hit or at completion, which stay off `~/.aws/sso`).

use chrono::{DateTime, Utc};

use crate::identity::{Config, Identity, Kind, SsoSignIn};
use crate::session::cache::Cache;
use crate::session::cache_key;
use crate::session::sso::token;

/// The names of the source chain above a role, nearest first (none for a user).
pub fn chain(identity: &Identity) -> Vec<String> {
    let mut names = Vec::new();
    let mut next = identity;
    while let Kind::Role { source, .. } = &next.kind {
        names.push(source.name.clone());
        next = source;
    }
    names
}

/// What the cache holds for an identity.
pub enum Cached {
    None,
    /// The session, however long it has left (none: expired).
    Session {
        access_key_id: String,
        expiration: DateTime<Utc>,
        arn: Option<String>,
    },
    /// The entry cannot be read (`aws-as NAME` says why).
    Unreadable,
}

/// One identity as `aws-as list` shows it, and as the server's management API gives it.
pub struct Row {
    pub name: String,
    /// The identity, or why the profile is not usable.
    pub identity: std::result::Result<Identity, String>,
    pub session: Cached,
}

/// What the cache holds for `identity`.
pub fn cached(cache: &Cache, identity: &Identity) -> Cached {
    match cache.read(&cache_key(identity)) {
        Ok(Some(entry)) => Cached::Session {
            access_key_id: entry.credentials.access_key_id,
            expiration: entry.credentials.expiration,
            arn: entry.credentials.arn,
        },
        Ok(None) => Cached::None,
        Err(_) => Cached::Unreadable,
    }
}

/// The row of profile `name`.
pub fn row(config: &Config, cache: &Cache, name: &str) -> Row {
    let identity = config.identity(name).map_err(|e| e.to_string());
    let session = match &identity {
        Ok(identity) => cached(cache, identity),
        Err(_) => Cached::None,
    };
    Row {
        name: name.to_string(),
        identity,
        session,
    }
}

/// Every identity's row, sorted by name.
pub fn rows(config: &Config, cache: &Cache) -> Vec<Row> {
    config
        .names()
        .into_iter()
        .map(|name| row(config, cache, name))
        .collect()
}

/// What the shared token cache holds for an IAM Identity Center sign-in (its expiry only: the
/// token itself is dropped at once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInToken {
    /// No token file, or one without a token: never signed in, or signed out.
    None,
    /// The token, however long it has left (none: expired), and whether it can be refreshed
    /// without a person (a refresh token and a client registration that lasts).
    Token {
        expires_at: DateTime<Utc>,
        refreshable: bool,
    },
    /// The file is refused (a link, readable by others) or is not a token file.
    Unreadable(String),
}

/// The sign-in `identity`'s credentials come from (at the root of its chain), if any, with what
/// the token cache holds for it.
pub fn sign_in(identity: &Identity) -> Option<(SsoSignIn, SignInToken)> {
    let sign_in = identity.sso_sign_in()?.clone();
    let state = sign_in_token(&sign_in);
    Some((sign_in, state))
}

/// What the token cache holds for `sign_in`.
pub fn sign_in_token(sign_in: &SsoSignIn) -> SignInToken {
    match token::read_token(sign_in) {
        Ok(None) => SignInToken::None,
        Ok(Some(t)) => SignInToken::Token {
            expires_at: t.expires_at,
            refreshable: t.refresh_token.is_some()
                && t.client.as_ref().is_some_and(|c| c.expires_at > Utc::now()),
        },
        Err(e) => SignInToken::Unreadable(e.to_string()),
    }
}

impl SignInToken {
    /// Whether a request now would need a person to sign in: no token, or one that no longer
    /// lasts (the AWS CLI's margin) and cannot be refreshed.
    pub fn needs_sign_in(&self) -> bool {
        match self {
            SignInToken::None | SignInToken::Unreadable(_) => true,
            SignInToken::Token {
                expires_at,
                refreshable,
            } => {
                !refreshable && *expires_at - Utc::now() <= crate::session::sso::TOKEN_RENEW_BEFORE
            }
        }
    }
}

/// The command that signs in for `identity`, for messages and the page: `aws-as sso login` with
/// the sso-session's name, or (a legacy profile, signed in to by its start URL) the name of the
/// SSO profile at the root of its chain.
pub fn sign_in_command(identity: &Identity) -> String {
    let root = identity.root();
    let name = match identity.sso_sign_in().and_then(|s| s.session.as_deref()) {
        Some(session) => session,
        None => root.name.as_str(),
    };
    format!("aws-as sso login {}", super::text::printable(name))
}
