//! `aws-as sso login` and `aws-as sso logout`: what is said on stderr (stdout stays empty: the
//! shell wrapper evaluates it). The sign-in and sign-out themselves are the session layer's.

use chrono::Utc;

use crate::error::Result;
use crate::identity::SsoSignIn;
use crate::session::Connect;
use crate::session::cache::Cache;
use crate::session::sso::{self, signin::How};

/// How a sign-in is named for a person: the sso-session, or the legacy profile's start URL.
fn named(sign_in: &SsoSignIn) -> String {
    match &sign_in.session {
        Some(session) => format!("sso-session {session} ({})", sign_in.start_url),
        None => sign_in.start_url.clone(),
    }
}

pub fn login(sign_in: &SsoSignIn, how: &How, connect: Connect) -> Result<String> {
    let cache = Cache::open(Cache::default_dir()?);
    let sts = connect()?;
    let token = sso::login(sts.sso(), &cache, sign_in, how)?;
    let left = token.expires_at - Utc::now();
    eprintln!(
        "aws-as: signed in to {} in {}, until {} ({}h{:02}m); the AWS CLI and the SDKs use this sign-in too",
        named(sign_in),
        sign_in.region,
        token.expires_at.format("%Y-%m-%d %H:%M UTC"),
        left.num_hours(),
        left.num_minutes() % 60
    );
    Ok(String::new())
}

pub fn logout(sign_in: &SsoSignIn, connect: Connect) -> Result<String> {
    let cache = Cache::open(Cache::default_dir()?);
    let sts = connect()?;
    let out = sso::logout(sts.sso(), &cache, sign_in)?;
    if let Some(e) = &out.portal {
        eprintln!("aws-as: warning: {e}; the sign-in is removed here all the same");
    }
    let sessions = match out.sessions {
        1 => "1 cached session".to_string(),
        n => format!("{n} cached sessions"),
    };
    eprintln!(
        "aws-as: {}",
        match (out.token, out.sessions) {
            (false, 0) => format!("not signed in to {}: nothing to remove", named(sign_in)),
            (true, _) => format!(
                "signed out of {}: removed its token and {sessions}",
                named(sign_in)
            ),
            (false, _) => format!(
                "not signed in to {}; removed {sessions} made with it",
                named(sign_in)
            ),
        }
    );
    Ok(String::new())
}
