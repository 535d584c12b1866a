//! Signing in to IAM Identity Center: the authorization code with PKCE (a one-time listener on
//! 127.0.0.1 for the callback, `callback.rs`) by default, the device code with a flag, for a
//! legacy profile (as the AWS CLI does), or where no browser can be opened. The token is written
//! to the shared cache; the caller holds the sign-in's lock.
//!
//! Secrets stay out of every command line: the browser gets the authorize address, which holds
//! the client id, the redirect address, the `state` and the code *challenge* (a hash of the
//! verifier), none of which signs anyone in. The code comes back to the listener, which takes
//! it from this user's processes only; the verifier, the code and the token never leave this
//! process but to the OIDC service, and the token to the cache file (0600).

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use sha2::{Digest, Sha256};

use super::callback::{self, Listener};
use super::token::{self, Client, Token};
use super::{DeviceAuthorization, Grant, NewToken, Registration, SsoApi};
use crate::browser::Browser;
use crate::error::{Cause, Result};
use crate::identity::SsoSignIn;
use crate::random;
use crate::session::cache::Cache;

/// How a sign-in is made.
#[derive(Clone, Debug, Default)]
pub struct How {
    /// The device code, even where a browser could be opened.
    pub device_code: bool,
    /// Print the address only: open no browser.
    pub no_browser: bool,
}

/// The redirect address registered (no port: the service accepts any port of it).
const REDIRECT: &str = "http://127.0.0.1/oauth/callback";
const PKCE_GRANTS: [&str; 2] = ["authorization_code", "refresh_token"];

/// What the device code waits between polls when the service names no interval, and adds at
/// each `slow_down`.
const POLL: i64 = 5;

/// Signs in to `sign_in` and writes the token to the shared cache. A cached client registration
/// the service no longer knows is replaced, once.
pub fn sign_in(api: &dyn SsoApi, sign_in: &SsoSignIn, how: &How) -> Result<Token> {
    // The AWS CLI signs legacy profiles in with the device code only.
    let pkce = !how.device_code && sign_in.session.is_some() && crate::browser::can_open();
    let (mut client, mut cached) = match token::read_registration(sign_in, pkce)? {
        Some(client) => (client, true),
        None => (register(api, sign_in, pkce)?, false),
    };
    loop {
        let result = if pkce {
            authorization_code(api, sign_in, &client, how)
        } else {
            device_code(api, sign_in, &client, how)
        };
        match result {
            Err(e) if e.cause() == Cause::InvalidClient && cached => {
                eprintln!(
                    "aws-as: IAM Identity Center no longer knows the cached client registration; registering again"
                );
                client = register(api, sign_in, pkce)?;
                cached = false;
            }
            Err(e) => return Err(e),
            Ok(token) => return Ok(token),
        }
    }
}

/// RegisterClient, named as the AWS CLI names its own, and the registration cached as it does.
fn register(api: &dyn SsoApi, sign_in: &SsoSignIn, pkce: bool) -> Result<Client> {
    let client_name = match &sign_in.session {
        Some(session) => format!("botocore-client-{session}"),
        None => format!("botocore-client-{}", Utc::now().timestamp()),
    };
    let redirect = [REDIRECT];
    let registration = Registration {
        client_name,
        grant_types: if pkce { &PKCE_GRANTS } else { &[] },
        redirect_uris: if pkce { &redirect } else { &[] },
    };
    let client = api.register_client(sign_in, &registration)?;
    token::write_registration(sign_in, pkce, &client)?;
    Ok(client)
}

/// The token as the cache keeps it: with what refreshes it for an sso-session, without for a
/// legacy profile (the CLI writes none there, and the SDKs never refresh one).
fn keep(sign_in: &SsoSignIn, client: &Client, new: NewToken) -> Result<Token> {
    let session = sign_in.session.is_some();
    let token = Token {
        access_token: new.access_token,
        expires_at: Utc::now() + TimeDelta::seconds(new.expires_in),
        refresh_token: new.refresh_token.filter(|_| session),
        client: session.then(|| client.clone()),
    };
    token::write_token(sign_in, &token)?;
    Ok(token)
}

/// Base64url without padding (RFC 4648 §5), as PKCE writes the verifier and the challenge.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

/// The S256 challenge of `verifier`.
pub fn challenge(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}

/// The OIDC service's address, as the SDK's endpoint variables choose it.
fn oidc_endpoint(region: &str) -> String {
    crate::env_var("AWS_ENDPOINT_URL_SSO_OIDC")
        .or_else(|| crate::env_var("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|| format!("https://oidc.{region}.amazonaws.com"))
}

/// The authorize page's address (not in the service's model: built as the AWS CLI builds it).
pub fn authorize_url(
    sign_in: &SsoSignIn,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    challenge: &str,
) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", state)
        .append_pair("code_challenge_method", "S256")
        .append_pair("scopes", &sign_in.scopes.join(" "))
        .append_pair("code_challenge", challenge)
        .finish();
    format!(
        "{}/authorize?{query}",
        oidc_endpoint(&sign_in.region).trim_end_matches('/')
    )
}

/// What the person is told to open, and the browser opened on it unless `--no-browser`.
fn show(address: &str, how: &How, intro: &str) -> Option<Browser> {
    eprintln!("aws-as: {intro}\n  {address}");
    if how.no_browser || !crate::browser::can_open() {
        return None;
    }
    match Browser::open(address, "open the address above yourself") {
        Ok(browser) => Some(browser),
        Err(e) => {
            eprintln!("aws-as: {e}");
            None
        }
    }
}

fn authorization_code(
    api: &dyn SsoApi,
    sign_in: &SsoSignIn,
    client: &Client,
    how: &How,
) -> Result<Token> {
    let verifier = base64url(&random::<48>()?);
    let state = base64url(&random::<24>()?);
    let listener = Listener::new(state.clone())?;
    let redirect_uri = listener.redirect_uri()?;
    let address = authorize_url(
        sign_in,
        &client.client_id,
        &redirect_uri,
        &state,
        &challenge(&verifier),
    );
    let deadline = Instant::now() + callback::wait();
    let mut browser = show(
        &address,
        how,
        &format!(
            "signing in to {} in the browser; if none opens, open this address on this machine:",
            sign_in.label()
        ),
    );
    let waited = listener.wait(deadline, browser.as_mut());
    if let Some(b) = browser {
        b.reap();
    }
    let (code, side) = waited?;
    let grant = Grant::AuthorizationCode {
        code: &code,
        code_verifier: &verifier,
        redirect_uri: &redirect_uri,
    };
    let token = api
        .create_token(sign_in, client, &grant)
        .and_then(|new| keep(sign_in, client, new));
    match &token {
        Ok(_) => side.finish(Ok(sign_in.label())),
        Err(e) => side.finish(Err(&e.to_string())),
    }
    token
}

/// A browser sign-in whose callback another listener takes (the credentials server's own
/// `/oauth/callback`, for a sign-in started from its page): the authorize address to open, and
/// what turns the code the callback brings into a token. Never `Debug`: it holds the verifier.
pub struct Started {
    pub sign_in: SsoSignIn,
    /// The authorize page to open (no secret in it: the challenge, not the verifier).
    pub address: String,
    state: String,
    verifier: String,
    redirect_uri: String,
    client: Client,
}

impl Started {
    /// Whether `state` is this sign-in's (compared in constant time).
    pub fn has_state(&self, state: &str) -> bool {
        subtle::ConstantTimeEq::ct_eq(self.state.as_bytes(), state.as_bytes()).into()
    }

    /// CreateToken with the code the callback brought, and the token written to the shared
    /// cache under the sign-in's lock.
    pub fn finish(self, api: &dyn SsoApi, cache: &Cache, code: &str) -> Result<Token> {
        let _lock = super::lock(cache, &self.sign_in)?;
        let grant = Grant::AuthorizationCode {
            code,
            code_verifier: &self.verifier,
            redirect_uri: &self.redirect_uri,
        };
        let new = api
            .create_token(&self.sign_in, &self.client, &grant)
            .inspect_err(|e| {
                if e.cause() == Cause::InvalidClient {
                    // The registration is gone: the next start registers anew.
                    let _ = token::forget_registration(&self.sign_in, true);
                }
            })?;
        keep(&self.sign_in, &self.client, new)
    }
}

/// Starts a browser sign-in to `sign_in` whose callback comes to `redirect_uri` (a
/// `http://127.0.0.1:PORT/oauth/callback` another listener takes): the registration (cached, or
/// made and cached), a fresh `state` and verifier, and the authorize address.
pub fn start_in_browser(
    api: &dyn SsoApi,
    sign_in: &SsoSignIn,
    redirect_uri: &str,
) -> Result<Started> {
    if sign_in.session.is_none() {
        bail!(
            "{} is a legacy profile (sso_start_url without an [sso-session]), which signs in with a device code only: run aws-as sso login {} in a terminal",
            sign_in.label(),
            sign_in.label()
        );
    }
    let client = match token::read_registration(sign_in, true)? {
        Some(client) => client,
        None => register(api, sign_in, true)?,
    };
    let verifier = base64url(&random::<48>()?);
    let state = base64url(&random::<24>()?);
    let address = authorize_url(
        sign_in,
        &client.client_id,
        redirect_uri,
        &state,
        &challenge(&verifier),
    );
    Ok(Started {
        sign_in: sign_in.clone(),
        address,
        state,
        verifier,
        redirect_uri: redirect_uri.to_string(),
        client,
    })
}

fn device_code(api: &dyn SsoApi, sign_in: &SsoSignIn, client: &Client, how: &How) -> Result<Token> {
    let auth: DeviceAuthorization = api.start_device_authorization(sign_in, client)?;
    let started = Instant::now();
    let expires_in = if auth.expires_in > 0 {
        auth.expires_in
    } else {
        600
    };
    let deadline = started + Duration::from_secs(expires_in as u64);
    let address = auth
        .verification_uri_complete
        .as_deref()
        .unwrap_or(&auth.verification_uri);
    eprintln!(
        "aws-as: to sign in to {}, open {} on any device and enter the code {}",
        sign_in.label(),
        auth.verification_uri,
        auth.user_code
    );
    let browser = if auth.verification_uri_complete.is_some() {
        show(address, how, "or open this address, which holds the code:")
    } else {
        None
    };
    if let Some(b) = browser {
        b.reap();
    }
    let mut interval = if auth.interval > 0 {
        auth.interval
    } else {
        POLL
    };
    loop {
        let now = Instant::now();
        if now >= deadline {
            bail!(
                "the device code for {} expired before the sign-in was approved: run aws-as sso login {} again",
                sign_in.label(),
                sign_in.label()
            );
        }
        std::thread::sleep(Duration::from_secs(interval as u64).min(deadline - now));
        match api.create_token(sign_in, client, &Grant::DeviceCode(&auth.device_code)) {
            Ok(new) => return keep(sign_in, client, new),
            Err(e) if e.cause() == Cause::AuthorizationPending => {}
            Err(e) if e.cause() == Cause::SlowDown => interval += POLL,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_as_rfc_4648_writes_it() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn the_challenge_as_python_computes_it() {
        // base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"=")
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWXoWdWs"),
            "nbUjiqTmfC6YRchzKrIoox2bkLTk25FmdsjnmBdGC6A"
        );
        assert_eq!(
            base64url(&[
                250, 251, 252, 253, 254, 255, b'a', b'b', b'c', b'd', b'e', b'f', b'g'
            ]),
            "-vv8_f7_YWJjZGVmZw"
        );
    }

    #[test]
    fn the_authorize_address_as_the_cli_builds_it() {
        let sign_in = SsoSignIn {
            session: Some("s".into()),
            start_url: "https://d-1.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: vec!["sso:account:access".into()],
        };
        let url = authorize_url(
            &sign_in,
            "id+/",
            "http://127.0.0.1:4242/oauth/callback",
            "st",
            "ch",
        );
        let expected_host = oidc_endpoint("eu-west-1");
        assert_eq!(
            url,
            format!(
                "{expected_host}/authorize?response_type=code&client_id=id%2B%2F&redirect_uri=http%3A%2F%2F127.0.0.1%3A4242%2Foauth%2Fcallback&state=st&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=ch"
            )
        );
    }
}
