//! The switch, what aws-as is for: `aws-as NAME` prints the code that gives the shell NAME's
//! credentials, `aws-as -` the code that takes back what aws-as set, and `aws-as` alone the
//! status line (the active identity and its time left). `pick.rs` is `aws-as -i`: the name
//! picked from a list on the terminal, then switched to as any other.

use chrono::{DateTime, Utc};

use crate::env_var as env;
use crate::error::{Error, Result};
use crate::identity::{Config, Identity};
use crate::output::env::{clear_change, switch_change};
use crate::output::rows::{self, SignInToken};
use crate::output::shell::Shell;
use crate::output::text::{left, printable};
use crate::session::cache::Cache;
use crate::session::{self, Connect, Request, cache_key, rfc3339};

mod pick;

/// What `aws-as [--shell D] [NAME|-]` was asked.
pub struct Options {
    /// The identity, `-`, or none for the status line.
    pub name: Option<String>,
    /// `-i`: the identity is picked from a list on the terminal (see [`pick`]).
    pub pick: bool,
    /// `--shell`: the dialect [default: sh]. Given, stdout is only ever shell code.
    pub shell: Option<Shell>,
    pub request: Request,
    /// `--region`, over the profile's.
    pub region: Option<String>,
}

/// The shell code of the switch (or of `-`), or the status line.
pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    let dialect = options.shell.unwrap_or(Shell::Sh).dialect();
    let Some(name) = &options.name else {
        let status = status();
        if options.shell.is_some() {
            eprint!("{status}");
            return Ok(String::new());
        }
        return Ok(status);
    };
    refuse_to_show(name, options.shell.is_some())?;
    if name == "-" {
        return dialect.render(&clear_change());
    }
    let (identity, credentials) = session::resolve(name, &options.request, None, connect)?;
    dialect.render(&switch_change(
        &identity,
        &credentials,
        options.region.as_deref(),
    ))
}

/// Set (exported) by the activation to the pid of the shell where its `aws-as` command is
/// defined; the deactivation removes it.
pub const ACTIVATED: &str = "AWS_AS_ACTIVATED";

/// The switch's output is shell code that holds credentials (a `-` may give back the user's
/// own): it is for an eval, and refused where a person or a log would see it. Two checks, both
/// made before any session is looked up:
/// - Without `--shell` (the activation's command always passes it), run by the very shell that
///   ran the activation (its child, or the shell itself having exec'd the last command of a
///   `-c`): that shell's `aws-as` was bypassed. sh, dash, bash --posix and tcsh read an alias
///   only on lines parsed after it was defined, so in `eval "$(aws-as-activate -s)"; aws-as X`
///   the binary runs and its stdout is wherever the line's stdout goes, a CI log. What stdout is
///   does not matter here, so no pipe gets past it; a script started from an activated shell has
///   another pid, so its `eval "$(aws-as X)"` (the form without activation) keeps working.
/// - On a terminal: nobody evaluates a terminal.
fn refuse_to_show(typed: &str, shell_given: bool) -> Result<()> {
    use std::io::IsTerminal;
    let here = |pid: u32| pid == std::process::id() || pid == std::os::unix::process::parent_id();
    let bypassed = !shell_given
        && env(ACTIVATED)
            .and_then(|pid| pid.parse().ok())
            .is_some_and(here);
    // Checked before anything is formatted: this runs on every cache hit.
    if !bypassed && !std::io::stdout().is_terminal() {
        return Ok(());
    }
    let shown = printable(typed);
    let (what, exec_name) = match typed {
        "-" => ("aws-as -'s output".to_string(), "NAME"),
        PICK => ("the picked identity's credentials".to_string(), "NAME"),
        _ => (format!("{shown}'s credentials"), shown.as_str()),
    };
    if bypassed {
        return Err(Error::new(format!(
            "not printing {what}: the activation's aws-as is not defined yet on the line that \
             activated it (sh, dash and tcsh see an alias only from the next line on), so the \
             aws-as binary ran instead; put aws-as {shown} on a line after the activation, or \
             run one command with aws-as exec {exec_name} -- COMMAND"
        )));
    }
    Err(Error::new(format!(
        "not printing {what} on a terminal: activate aws-as in this shell \
         (eval \"$(aws-as-activate -s)\", see aws-as-activate --help) and aws-as {shown} \
         switches it, or write eval \"$(aws-as {shown})\""
    )))
}

/// How `-i` is shown in messages.
const PICK: &str = "-i";

/// `aws-as -i`: the name picked on the terminal becomes the options' name. Refused first where
/// the switch would be (a terminal, the activating shell), so nobody picks for nothing.
pub fn pick(options: &mut Options) -> Result<()> {
    refuse_to_show(PICK, options.shell.is_some())?;
    // The names completion offers: only those a switch can use.
    let names = session::profile_names()?;
    let name = pick::pick(&names.iter().map(String::as_str).collect::<Vec<_>>())?;
    options.name = Some(name);
    options.pick = false;
    Ok(())
}

/// The ARN STS gave for the cached session of `identity`, if it said one (roles).
fn cached_arn(identity: &Identity) -> Option<String> {
    let cache = Cache::open(Cache::default_dir().ok()?);
    let entry = cache.read(&cache_key(identity)).ok()??;
    // Only if the cached session is the one in this shell: a renewal elsewhere may have changed it.
    (Some(&entry.credentials.access_key_id) == env("AWS_ACCESS_KEY_ID").as_ref())
        .then_some(entry.credentials.arn)
        .flatten()
}

/// For an identity whose credentials come from IAM Identity Center: how long its sign-in lasts
/// (read from the shared token file: the status line is asked for, it is not the prompt).
fn sign_in_note(identity: &Identity) -> String {
    let Some((sign_in, token)) = rows::sign_in(identity) else {
        return String::new();
    };
    let label = printable(sign_in.label());
    match token {
        SignInToken::Token { expires_at, .. } if expires_at > Utc::now() => {
            format!("; sign-in {label}: {} left", left(expires_at - Utc::now()))
        }
        SignInToken::Token {
            refreshable: true, ..
        } => format!("; sign-in {label}: expired, refreshed at next use"),
        SignInToken::Unreadable(_) => {
            format!(
                "; sign-in {label}: token file unreadable (aws-as {} says why)",
                printable(&identity.name)
            )
        }
        _ => format!("; sign-in {label}: none or expired (aws-as sso login {label})"),
    }
}

/// What `aws-as` with no argument says: the active identity, its ARN when known, and time left;
/// for an IAM Identity Center identity, its sign-in's time left.
pub fn status() -> String {
    let Some(name) = env("AWS_AS_IDENTITY") else {
        return "no identity active: run aws-as NAME to switch (aws-as list shows them)\n"
            .to_string();
    };
    let shown = printable(&name);
    let identity = Config::load().ok().and_then(|c| c.identity(&name).ok());
    let arn = identity
        .as_ref()
        .and_then(cached_arn)
        .map_or_else(String::new, |a| format!(" ({})", printable(&a)));
    let note = identity.as_ref().map_or_else(String::new, sign_in_note);
    let expiry = env("AWS_CREDENTIAL_EXPIRATION")
        .and_then(|e| DateTime::parse_from_rfc3339(&e).ok())
        .map(|e| e.with_timezone(&Utc));
    match expiry {
        None => format!("{shown}{arn}{note}\n"),
        Some(e) if e <= Utc::now() => format!(
            "{shown}{arn}: expired at {} (run aws-as {shown} to renew){note}\n",
            rfc3339(e)
        ),
        Some(e) => format!(
            "{shown}{arn}: {} left (expires {}){note}\n",
            left(e - Utc::now()),
            rfc3339(e)
        ),
    }
}
