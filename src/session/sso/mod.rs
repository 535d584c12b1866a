//! IAM Identity Center: an SSO role's credentials from the portal (GetRoleCredentials) with the
//! access token of a sign-in the AWS CLI and the SDKs share (`token.rs`), refreshed with its
//! refresh token before it expires, and a new sign-in (`signin.rs`) only where a person is there.
//!
//! - `token.rs`: the shared token cache (`~/.aws/sso/cache`), and the client registrations.
//! - `signin.rs`: the sign-ins: authorization code with PKCE, and the device code.
//! - `callback.rs`: the authorization code's one-time listener on 127.0.0.1.
//! - `client.rs`: the SDK's `sso` and `sso-oidc` clients (aws-as-sts only, like `sts/client.rs`).

pub mod callback;
pub mod client;
pub mod signin;
pub mod token;

use chrono::{TimeDelta, Utc};

use super::cache::Cache;
use super::credentials::Credentials;
use super::mfa::Ask;
use crate::error::{Cause, Error, Result};
use crate::identity::{SsoRole, SsoSignIn};
use token::{Client, Token};

/// A token is refreshed (or a sign-in started) when it has less than this left: the AWS CLI's
/// margin, so a token aws-as hands on lasts the CLI too.
pub const TOKEN_RENEW_BEFORE: TimeDelta = TimeDelta::minutes(15);

/// What aws-as asks of the OIDC service and the portal. The implementation (`client.rs`) is
/// linked into `aws-as-sts` only; tests may give their own.
pub trait SsoApi {
    fn register_client(
        &self,
        sign_in: &SsoSignIn,
        registration: &Registration<'_>,
    ) -> Result<Client>;
    fn start_device_authorization(
        &self,
        sign_in: &SsoSignIn,
        client: &Client,
    ) -> Result<DeviceAuthorization>;
    /// CreateToken. Waiting device codes come back as [`Cause::AuthorizationPending`] and
    /// [`Cause::SlowDown`]; a registration refused as [`Cause::InvalidClient`].
    fn create_token(
        &self,
        sign_in: &SsoSignIn,
        client: &Client,
        grant: &Grant<'_>,
    ) -> Result<NewToken>;
    /// A 401 comes back as [`Cause::SsoTokenRejected`].
    fn get_role_credentials(&self, role: &SsoRole, access_token: &str) -> Result<Credentials>;
    /// Every account the token may see (all pages).
    fn list_accounts(&self, sign_in: &SsoSignIn, access_token: &str) -> Result<Vec<Account>>;
    /// Every role of `account_id` the token may use (all pages).
    fn list_account_roles(
        &self,
        sign_in: &SsoSignIn,
        access_token: &str,
        account_id: &str,
    ) -> Result<Vec<String>>;
    fn logout(&self, sign_in: &SsoSignIn, access_token: &str) -> Result<()>;
}

/// RegisterClient's request: a public client, named as the AWS CLI names its own.
pub struct Registration<'a> {
    pub client_name: String,
    /// For the authorization-code flow: `authorization_code`, `refresh_token`.
    pub grant_types: &'a [&'a str],
    /// For the authorization-code flow: `http://127.0.0.1/oauth/callback` (no port).
    pub redirect_uris: &'a [&'a str],
}

pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: i64,
    pub interval: i64,
}

impl std::fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DeviceAuthorization(<secret>, {})",
            self.verification_uri
        )
    }
}

/// A grant CreateToken is asked for.
pub enum Grant<'a> {
    DeviceCode(&'a str),
    AuthorizationCode {
        code: &'a str,
        code_verifier: &'a str,
        redirect_uri: &'a str,
    },
    RefreshToken(&'a str),
}

/// CreateToken's answer.
pub struct NewToken {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: Option<String>,
}

/// An account in the portal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

/// A lock per sign-in in aws-as's own cache directory, so two terminals that both need a token
/// refresh it once or sign in once (the second finds the first's token).
fn lock(cache: &Cache, sign_in: &SsoSignIn) -> Result<Option<super::cache::Lock>> {
    match cache.lock(&format!("sso-token\0{}", sign_in.label())) {
        Ok(lock) => Ok(Some(lock)),
        Err(e) if e.cause() == Cause::CacheUnwritable => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `token` lasts long enough to be used as it is.
fn lasting(token: &Token) -> bool {
    token.expires_at - Utc::now() > TOKEN_RENEW_BEFORE
}

/// A token of `sign_in` that lasts: the shared cache's, else refreshed with its refresh token,
/// else a new sign-in as far as `ask` allows. `rejected` is a token the portal has just refused:
/// never returned again.
pub fn valid_token(
    api: &dyn SsoApi,
    cache: &Cache,
    sign_in: &SsoSignIn,
    ask: Ask,
    rejected: Option<&str>,
) -> Result<Token> {
    let usable = |t: &Token| lasting(t) && Some(t.access_token.as_str()) != rejected;
    if let Some(token) = token::read_token(sign_in)?.filter(usable) {
        return Ok(token);
    }
    let _lock = lock(cache, sign_in)?;
    let held = token::read_token(sign_in)?;
    match held {
        Some(token) if usable(&token) => return Ok(token),
        Some(token) if Some(token.access_token.as_str()) != rejected => {
            if let Some(fresh) = refresh(api, sign_in, &token)? {
                return Ok(fresh);
            }
        }
        _ => {}
    }
    // A sign-in needs a person: never a browser nobody watches (no terminal: a server's
    // request, a daemon, credential-process under an SDK).
    if ask != Ask::Terminal || !has_terminal() {
        return Err(sign_in_needed(sign_in));
    }
    signin::sign_in(api, sign_in, &signin::How::default())
}

/// Whether a person may be at this process's controlling terminal.
fn has_terminal() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_ok()
}

/// `aws-as sso login`: a new sign-in, whatever token there is (as `aws sso login` does), under
/// the sign-in's lock. One made by another aws-as while this one waited for the lock is taken
/// instead: two terminals open one browser, not two.
pub fn login(
    api: &dyn SsoApi,
    cache: &Cache,
    sign_in: &SsoSignIn,
    how: &signin::How,
) -> Result<Token> {
    let before = token::read_token(sign_in)?.map(|t| t.access_token);
    let _lock = lock(cache, sign_in)?;
    if let Some(token) = token::read_token(sign_in)?
        && lasting(&token)
        && Some(&token.access_token) != before.as_ref()
    {
        eprintln!(
            "aws-as: {} was signed in meanwhile by another aws-as: using that sign-in",
            sign_in.label()
        );
        return Ok(token);
    }
    signin::sign_in(api, sign_in, how)
}

/// What a sign-out removed.
pub struct SignedOut {
    /// Whether there was a token file.
    pub token: bool,
    /// Role sessions in aws-as's cache made with the sign-in.
    pub sessions: usize,
    /// The portal's Logout, when it failed for another reason than a token it no longer knows.
    pub portal: Option<Error>,
}

/// `aws-as sso logout`: the portal's Logout with the token (a 401 means it is gone already),
/// the token file removed, and every session aws-as cached from the sign-in (the SSO roles and
/// the roles above them) dropped, each under its lock.
pub fn logout(api: &dyn SsoApi, cache: &Cache, sign_in: &SsoSignIn) -> Result<SignedOut> {
    let _lock = lock(cache, sign_in)?;
    let mut portal = None;
    if let Some(token) = token::read_token(sign_in)? {
        match api.logout(sign_in, &token.access_token) {
            Err(e) if e.cause() != Cause::SsoTokenRejected => portal = Some(e),
            _ => {}
        }
    }
    let token = token::remove_token(sign_in)?;
    let part = sign_in.fingerprint();
    let sessions = cache.remove_where(|key| key.contains(&part))?;
    Ok(SignedOut {
        token,
        sessions,
        portal,
    })
}

/// The token refreshed and written back, when it has what a refresh needs (a refresh token and a
/// registration that lasts) and the service agrees; `None` when a sign-in is needed instead.
fn refresh(api: &dyn SsoApi, sign_in: &SsoSignIn, token: &Token) -> Result<Option<Token>> {
    let (Some(refresh_token), Some(client)) = (&token.refresh_token, &token.client) else {
        return Ok(None);
    };
    if client.expires_at <= Utc::now() {
        return Ok(None);
    }
    match api.create_token(sign_in, client, &Grant::RefreshToken(refresh_token)) {
        Ok(new) => {
            let token = Token {
                access_token: new.access_token,
                expires_at: Utc::now() + TimeDelta::seconds(new.expires_in),
                refresh_token: new.refresh_token.or_else(|| token.refresh_token.clone()),
                client: Some(client.clone()),
            };
            token::write_token(sign_in, &token)?;
            Ok(Some(token))
        }
        // A refresh token revoked or expired, a registration the service forgot: sign in.
        Err(e) if e.cause() == Cause::InvalidClient || e.cause() == Cause::SsoTokenRejected => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The error when a sign-in is needed and nobody may be asked.
pub fn sign_in_needed(sign_in: &SsoSignIn) -> Error {
    Error::with_cause(
        format!(
            "the IAM Identity Center sign-in {} has expired or was never made: sign in with aws-as sso login {}",
            sign_in.label(),
            sign_in.label()
        ),
        Cause::SsoSignInNeeded,
    )
}

/// The credentials of an SSO role: GetRoleCredentials with a token that lasts. A token the portal
/// refuses (revoked, expired early) is dropped, and the sign-in made again once where a person is
/// there.
pub fn role_credentials(
    api: &dyn SsoApi,
    cache: &Cache,
    role: &SsoRole,
    ask: Ask,
) -> Result<Credentials> {
    let token = valid_token(api, cache, &role.sign_in, ask, None)?;
    match api.get_role_credentials(role, &token.access_token) {
        Err(e) if e.cause() == Cause::SsoTokenRejected => {
            // Only the token that was refused: another terminal may have written a new one.
            if token::read_token(&role.sign_in)?
                .is_some_and(|t| t.access_token == token.access_token)
            {
                token::remove_token(&role.sign_in)?;
            }
            if ask != Ask::Terminal {
                return Err(sign_in_needed(&role.sign_in));
            }
            let token = valid_token(api, cache, &role.sign_in, ask, Some(&token.access_token))?;
            api.get_role_credentials(role, &token.access_token)
        }
        result => result,
    }
}
