//! `aws-as sso login|logout|populate`: IAM Identity Center's sign-in and sign-out, and a profile
//! in `~/.aws/config` for every account and role of the portal. In `aws-as-sts` only: each talks
//! to the network.

mod login;

use crate::error::{Error, Result};
use crate::identity::{Config, SsoSignIn};
use crate::session::Connect;
use crate::session::sso::signin::How;

mod naming;
mod populate;
mod verify;

pub enum Options {
    Login {
        name: Option<String>,
        how: How,
    },
    Logout {
        name: Option<String>,
    },
    Populate {
        name: Option<String>,
        region: Option<String>,
        dry_run: bool,
    },
}

pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    let connect = connect.ok_or_else(Error::needs_sts)?;
    let config = Config::load()?;
    let name = match options {
        Options::Login { name, .. } | Options::Logout { name } | Options::Populate { name, .. } => {
            name.as_deref()
        }
    };
    let sign_in = sign_in(&config, name)?;
    match options {
        Options::Login { how, .. } => login::login(&sign_in, how, connect),
        Options::Logout { .. } => login::logout(&sign_in, connect),
        Options::Populate {
            region, dry_run, ..
        } => populate::run(&config, &sign_in, region.as_ref(), *dry_run, connect),
    }
}

/// The sign-in `name` names, else the only sso-session of the config.
fn sign_in(config: &Config, name: Option<&str>) -> Result<SsoSignIn> {
    if let Some(name) = name {
        return config.sso_sign_in(name);
    }
    match config.sso_session_names().as_slice() {
        [only] => config.sso_sign_in(only),
        [] => Err(Error::new(
            "no [sso-session] in ~/.aws/config: add one with sso_start_url and sso_region (aws configure sso-session writes one), or name an SSO profile",
        )),
        many => Err(Error::new(format!(
            "several sso-sessions ({}): name one, as in aws-as sso login {}",
            many.join(", "),
            many[0]
        ))),
    }
}
