//! `aws-as credential-process`: credentials as an SDK's `credential_process` reads them, from the
//! same cache and MFA session as the shell.

use chrono::TimeDelta;

use crate::error::Result;
use crate::identity::Summary;
use crate::session::{Connect, Credentials, Request, resolve, rfc3339, session_seconds};

/// SDKs ask a credential_process again well before expiry (botocore from 15 minutes before,
/// and it refuses credentials with less than 10 left): hand out nothing that close to the end.
pub const MIN_LEFT: TimeDelta = TimeDelta::minutes(15);

/// How long credentials handed to another program must still last: [`MIN_LEFT`], but a session
/// shorter than that margin would be renewed at every call, so such a session gets two minutes
/// of use. (Also what `aws-as export`, `aws-as write` and `aws-as refresh` ask for.)
pub fn min_left(identity: &Summary, duration: Option<u32>) -> TimeDelta {
    let seconds = session_seconds(identity, duration);
    MIN_LEFT.min(TimeDelta::seconds(i64::from(seconds) - 120))
}

/// The `credential_process` JSON: https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
pub fn render(credentials: &Credentials) -> String {
    let json = serde_json::json!({
        "Version": 1,
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        "SessionToken": credentials.session_token,
        "Expiration": rfc3339(credentials.expiration),
    });
    format!("{json}\n")
}

/// What `aws-as credential-process` was asked.
pub struct Options {
    pub name: String,
    pub request: Request,
}

/// The `credential_process` JSON of `options.name`, with at least [`min_left`] left.
pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    let Options { name, request } = options;
    let at_least = |identity: &Summary| min_left(identity, request.duration);
    let (_, credentials) = resolve(name, request, Some(&at_least), connect)?;
    Ok(render(&credentials))
}
