//! Credentials for programs rather than the shell: `aws-as exec` hands them to one command's
//! environment; `aws-as credential-process` prints them for an SDK's `credential_process`.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;

use chrono::TimeDelta;

use crate::cli::{SessionArgs, resolve, rfc3339, switch_change};
use crate::error::{Error, Result};
use crate::resolve::Connect;

/// SDKs ask a credential_process again well before expiry (botocore from 15 minutes before,
/// and it refuses credentials with less than 10 left): hand out nothing that close to the end.
const CREDENTIAL_PROCESS_MIN_LEFT: TimeDelta = TimeDelta::minutes(15);

/// Replaces this process with `command`, its environment changed exactly as a switch would change
/// the shell's. Returns only on failure: the exit status and signals are then `command`'s own,
/// since it is the same process.
pub fn exec(
    name: &str,
    session: &SessionArgs,
    command: &[OsString],
    connect: Option<Connect>,
) -> Result<String> {
    let (identity, credentials) = resolve(name, session, None, connect)?;
    let change = switch_change(&identity, &credentials, session.region.as_deref());
    let (program, args) = command.split_first().expect("clap requires COMMAND");
    let mut cmd = std::process::Command::new(program);
    cmd.args(args);
    for (var, value) in &change {
        match value {
            Some(v) => cmd.env(var, v),
            None => cmd.env_remove(var),
        };
    }
    crate::cache::flush_warnings();
    let e = cmd.exec();
    // Exit codes as a shell gives them: 127 for a command not found, 126 for one not runnable.
    let (status, fix) = match e.kind() {
        std::io::ErrorKind::NotFound => (127, "check its name and PATH"),
        _ => (126, "check that it is an executable file"),
    };
    eprintln!(
        "aws-as: cannot run {}: {e} ({fix})",
        // A newline in the name would make this two lines.
        program.to_string_lossy().escape_debug()
    );
    std::process::exit(status);
}

/// The `credential_process` JSON: https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
pub fn credential_process(
    name: &str,
    session: &SessionArgs,
    connect: Option<Connect>,
) -> Result<String> {
    if session.region.is_some() {
        return Err(Error::new(
            "credential-process takes no --region: set the region in the SDK's profile",
        ));
    }
    // A session shorter than that margin would be renewed at every call: leave such a session
    // two minutes of use.
    let at_least = |identity: &crate::config::Identity| {
        let seconds = crate::resolve::session_seconds(identity, session.duration);
        CREDENTIAL_PROCESS_MIN_LEFT.min(TimeDelta::seconds(i64::from(seconds) - 120))
    };
    let (_, credentials) = resolve(name, session, Some(&at_least), connect)?;
    let json = serde_json::json!({
        "Version": 1,
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        "SessionToken": credentials.session_token,
        "Expiration": rfc3339(credentials.expiration),
    });
    Ok(format!("{json}\n"))
}
