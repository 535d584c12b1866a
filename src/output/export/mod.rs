//! `aws-as export NAME --format F`: an identity's credentials written for a tool that takes
//! neither this shell nor a profile. One file per format, each with its own quoting rule and the
//! values it refuses (one line naming the variable and why) rather than write them mangled:
//!
//! - `env`: what the switch prints for sh (`shell/posix.rs`), so its eval is a switch, less the
//!   user's own values a switch keeps for `aws-as -` (never printed for a person);
//! - `env-no-export` (`docker.rs`): `NAME=value` lines for `docker run --env-file`;
//! - `powershell` (`powershell.rs`), `windows-cmd` (`cmd.rs`);
//! - `json`: what `credential-process` prints (`../handout.rs`);
//! - `ini` (`ini.rs`): a section of a shared credentials file.
//!
//! Every format but `env` is for another environment (a container, a PowerShell or cmd session,
//! a file): it gets [`export_change`], without aws-as's bookkeeping of this shell.

pub mod cmd;
pub mod docker;
pub mod ini;
pub mod powershell;

use crate::error::{Error, Result};
use crate::identity::Summary;
use crate::output::env::{Change, export_change, identity_change};
use crate::output::handout;
use crate::output::shell::Dialect;
use crate::session::{Connect, Request, resolve};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// sh statements, as the switch prints them: `eval "$(aws-as export NAME)"`
    Env,
    /// NAME=value lines for `docker run --env-file` (no quotes: values that need them are refused)
    EnvNoExport,
    /// PowerShell statements: `aws-as export NAME --format powershell | Invoke-Expression`
    Powershell,
    /// cmd.exe statements (`set "NAME=value"`), for a batch file
    WindowsCmd,
    /// credential_process JSON, as `aws-as credential-process` prints it
    Json,
    /// a shared credentials file section (`[NAME]`, or `--section`)
    Ini,
}

/// What `aws-as export` was asked.
pub struct Options {
    pub name: String,
    pub request: Request,
    /// `--region`, over the profile's (refused by the formats that hold no region).
    pub region: Option<String>,
    pub format: Format,
    /// `--section`: the ini section's name (NAME by default).
    pub section: Option<String>,
}

/// The credentials of `name` in `format`. `section` names the ini section (NAME by default).
/// Nothing is resolved when the options are refused, and the text is whole or there is none.
pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    let Options { name, request, .. } = options;
    let (region, format, section) = (
        options.region.as_deref(),
        options.format,
        options.section.as_deref(),
    );
    if section.is_some() && format != Format::Ini {
        return Err(Error::new(
            "--section names the section of --format ini: drop it, or add --format ini",
        ));
    }
    if region.is_some() && matches!(format, Format::Json | Format::Ini) {
        return Err(Error::new(
            "--region has no place in --format json or ini (neither holds a region): drop it, and set the region where the credentials are used",
        ));
    }
    if let Some(section) = section {
        ini::check_section(section)?;
    }
    // The consumer cannot renew what it is given: never hand out credentials about to expire.
    let at_least = |identity: &Summary| handout::min_left(identity, request.duration);
    let (identity, credentials) = resolve(name, request, Some(&at_least), connect)?;
    let elsewhere = || export_change(&identity, &credentials, region);
    match format {
        Format::Env => Dialect::Posix.render(&identity_change(&identity, &credentials, region)),
        Format::EnvNoExport => docker::render(&elsewhere()),
        Format::Powershell => powershell::render(&elsewhere()),
        Format::WindowsCmd => cmd::render(&elsewhere()),
        Format::Json => Ok(handout::render(&credentials)),
        Format::Ini => ini::render(section.unwrap_or(&identity.name), &credentials),
    }
}

/// A value a format cannot carry: one line naming the variable, why, and what to use instead.
fn refused(format: &str, var: &str, why: &str) -> Error {
    Error::new(format!(
        "{var} holds {why}, which --format {format} cannot carry: use --format env or json"
    ))
}

/// Names are checked, never escaped (the change only holds aws-as's own names).
fn check_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    if matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
    {
        Ok(())
    } else {
        Err(Error::new(format!(
            "internal: invalid variable name {name:?}"
        )))
    }
}

/// The `(name, Some(value) | None)` pairs of `change`, names checked.
fn entries(change: &Change) -> Result<impl Iterator<Item = (&'static str, Option<&str>)>> {
    for (name, _) in change {
        check_name(name)?;
    }
    Ok(change.iter().map(|(n, v)| (*n, v.as_deref())))
}
