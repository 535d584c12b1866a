//! Signing in to IAM Identity Center: the authorization code with PKCE (a one-time listener on
//! 127.0.0.1 for the callback) by default, the device code with a flag or where no browser can
//! be opened. The token is written to the shared cache.

use super::SsoApi;
use super::token::Token;
use crate::error::{Error, Result};
use crate::identity::SsoSignIn;

/// How a sign-in is made.
#[derive(Clone, Debug, Default)]
pub struct How {
    /// The device code, even where a browser could be opened.
    pub device_code: bool,
    /// Print the address only: open no browser.
    pub no_browser: bool,
}

/// Signs in to `sign_in` and writes the token to the shared cache.
pub fn sign_in(_api: &dyn SsoApi, sign_in: &SsoSignIn, _how: &How) -> Result<Token> {
    Err(Error::new(format!(
        "signing in to {} is not built yet: sign in with the AWS CLI (aws sso login)",
        sign_in.label()
    )))
}
