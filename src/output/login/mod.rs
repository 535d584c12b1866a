//! `aws-as login NAME`: the AWS console in the browser, signed in as NAME, through the AWS
//! federation endpoint (getSigninToken, then the login URL).
//!
//! - A role: its session (from the cache, or assumed as for a switch) buys the sign-in token. A
//!   role session aws-as makes is always assumed from another session (the user's MFA session),
//!   which AWS limits to one hour and whose console session cannot be asked to last longer than
//!   the credentials (the endpoint refuses SessionDuration for them): the console session ends
//!   when the role session does. So a session with less left than `--duration` (else 15
//!   minutes) is renewed first, and the user is told when the console session ends.
//! - A user: a GetSessionToken session cannot buy a sign-in token, and GetFederationToken, which
//!   can, takes only long-term keys and no MFA code. The console session is a federated user
//!   session, not MFA-authenticated, with what both the user's policies and the session policy
//!   allow: aws-as passes one that allows everything, so it is what the user may do without MFA.
//!   aws-as says so when the user has an MFA device.
//!
//! The sign-in URL is the console for 15 minutes: it is never logged, never in an error, and
//! never on a command line; the browser gets a one-time local address (`browser.rs`). Only
//! `--print` shows it, on stdout.
//!
//! Everything here is reached from `aws-as-sts` only (its [`run`], through `cli::Network`).

mod browser;
mod console;
mod federation;

use std::time::Instant;

use chrono::{TimeDelta, Utc};

use crate::error::{Error, Result};
use crate::identity::{Config, Identity, KeySource, Kind, Summary};
use crate::output::text;
use crate::session::keyring::keys_of;
use crate::session::sts::FederationRequest;
use crate::session::{self, Connect, Credentials, Request, rfc3339, session_seconds, sts_region};

/// What `aws-as login` was asked.
pub struct Options {
    pub name: String,
    pub request: Request,
    /// `--region`, over the profile's.
    pub region: Option<String>,
    /// `--destination`: a console URL or path.
    pub destination: Option<String>,
    /// `--print`: the sign-in URL on stdout instead of a browser.
    pub print: bool,
}

/// The session policy of a user's federated session: it allows what the user's own policies do.
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// AWS's limit for a role assumed from another session (role chaining).
const CHAINED_MAX_SECONDS: u32 = 3600;

/// The console session aws-as opens at the least when no `--duration` is given.
const SHORTEST: TimeDelta = TimeDelta::minutes(15);

/// Signs in to the console as `options.name`: opens the browser, or with `--print` returns the
/// sign-in URL for stdout.
pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    let connect = connect.ok_or_else(Error::needs_sts)?;
    let identity = Config::load()?.identity(&options.name)?;
    let region = options
        .region
        .as_deref()
        .or(identity.region.as_deref())
        .or(identity.sso_sign_in().map(|s| s.region.as_str()));
    let arn = match &identity.kind {
        Kind::User { mfa_serial, .. } => mfa_serial.as_deref(),
        // The partition is the portal's region's (SSO), or the region's.
        _ => identity.role_arn(),
    };
    // Everything that can be refused is refused before a session is made.
    let partition = console::partition(arn, region)?;
    let endpoint = console::federation_endpoint(partition)?;
    let destination = console::destination(partition, region, options.destination.as_deref())?;
    let credentials = match &identity.kind {
        // A role's session, from STS or from IAM Identity Center's portal: both sign in.
        Kind::User {
            keys, mfa_serial, ..
        } => user_session(&identity, keys, mfa_serial.is_some(), options, connect)?,
        // A role's session, from STS or IAM Identity Center's portal, or what a process or
        // where aws-as runs gives (a role's session, as a rule): each signs in.
        _ => role_session(&identity, options, connect)?,
    };
    let session = serde_json::json!({
        "sessionId": credentials.access_key_id,
        "sessionKey": credentials.secret_access_key,
        "sessionToken": credentials.session_token,
    })
    .to_string();
    let token = federation::signin_token(
        &console::token_request_url(&endpoint, &session),
        &endpoint,
        &identity.name,
    )?;
    let url = console::login_url(&endpoint, &destination, &token);
    let name = text::printable(&identity.name);
    let ends = format!(
        "the console session ends in {}, at {}",
        text::left(credentials.expiration - Utc::now()),
        rfc3339(credentials.expiration)
    );
    if options.print {
        eprintln!(
            "aws-as: this URL signs in to the AWS console as {name} for the next 15 minutes: keep it secret ({ends})"
        );
        return Ok(format!("{url}\n"));
    }
    let one_time = browser::OneTime::new()?;
    let deadline = Instant::now() + browser::wait();
    let mut opened = browser::Browser::open(&one_time.address()?, "use aws-as login --print")?;
    one_time.serve(&url, deadline, Some(&mut opened))?;
    eprintln!("aws-as: opened the AWS console as {name} in the browser; {ends}");
    Ok(String::new())
}

/// The role's session, renewed first when it has less left than the console session asked for.
fn role_session(identity: &Identity, options: &Options, connect: Connect) -> Result<Credentials> {
    let asked = options.request.duration;
    if asked.is_some_and(|d| d > CHAINED_MAX_SECONDS) {
        return Err(Error::new(format!(
            "--duration {}: a role session aws-as makes is assumed from another session, which AWS limits to 3600 seconds, and its console session ends with it: ask for 3600 or less",
            asked.unwrap_or_default()
        )));
    }
    let at_least = |identity: &Summary| match asked {
        // A session just made for `d` seconds has a little less than `d` left.
        Some(d) => TimeDelta::seconds(i64::from(d) - 60),
        None => SHORTEST.min(TimeDelta::seconds(
            i64::from(session_seconds(identity, None)) - 120,
        )),
    };
    session::credentials(identity, &options.request, Some(&at_least), Some(connect))
}

/// A federated session of the user (GetFederationToken with its long-term keys).
fn user_session(
    identity: &Identity,
    keys: &KeySource,
    has_mfa: bool,
    options: &Options,
    connect: Connect,
) -> Result<Credentials> {
    if has_mfa || options.request.mfa_code.is_some() {
        eprintln!(
            "aws-as: the console session of user {} is not MFA-authenticated: AWS signs a user in to the console only through GetFederationToken, which takes its long-term keys and no MFA code, so what its policies allow only with MFA is denied there (sign in to a role for an MFA console session)",
            text::printable(&identity.name)
        );
    }
    let name = console::federated_user_name(&identity.name);
    let request = FederationRequest {
        profile: &identity.name,
        name: &name,
        policy: ALLOW_ALL,
        duration_seconds: session_seconds(&identity.summary(), options.request.duration),
    };
    let sts = connect()?;
    // GetFederationToken takes the long-term keys: the keyring is opened for them here.
    let keys = keys_of(keys, || sts.keyring())?;
    sts.get_federation_token(&sts_region(identity), &keys, &request)
}
