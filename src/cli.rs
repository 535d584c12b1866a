//! `aws-as`: switch the calling shell's AWS identity by printing statements for it to eval.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Parser;

use crate::cache::{Cache, Credentials};
use crate::config::{Config, DURATION_RANGE, Identity};
use crate::env_var as env;
use crate::error::{Cause, Result};
use crate::resolve::{Connect, Resolver};
use crate::shell::{Change, Shell};

#[derive(Parser, Debug)]
#[command(
    name = "aws-as",
    version,
    about = "Switch the AWS identity of the current shell: a venv for IAM identities",
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true,
    after_help = "With no NAME, shows the active identity and how long it has left.\n\
                  After `eval \"$(aws-as-activate -s)\"` the shell function evals the output for you;\n\
                  without it: eval \"$(aws-as NAME)\" (sh), aws-as --shell fish NAME | source,\n\
                  eval \"`aws-as --shell csh NAME`\" (csh).\n\
                  A profile named like a command (list, exec…) is switched to with: aws-as -- NAME"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Identity (a profile of ~/.aws/config) to switch to, or `-` to remove what aws-as set
    name: Option<String>,

    /// Dialect of the printed statements [default: sh]. Output is then only ever shell code:
    /// help, version and status text go to stderr.
    #[arg(long, value_enum)]
    shell: Option<Shell>,

    #[command(flatten)]
    session: SessionArgs,
}

/// The command line's definition, for what is generated from it (completion scripts, man page).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// How a session is obtained, shared by every command that resolves an identity.
#[derive(clap::Args, Debug, Clone)]
pub struct SessionArgs {
    /// MFA code to use instead of asking on the terminal
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,

    /// Session length in seconds, when a new session is made
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32)
        .range(i64::from(*DURATION_RANGE.start())..=i64::from(*DURATION_RANGE.end())))]
    pub duration: Option<u32>,

    /// Never ask for an MFA code on the terminal: fail instead (scripts, prompt hooks)
    #[arg(long)]
    pub no_input: bool,

    /// Region to set instead of the profile's (AWS_REGION and AWS_DEFAULT_REGION)
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Run COMMAND with NAME's credentials in its environment; the shell is left as it is
    Exec {
        /// Identity whose credentials COMMAND gets
        name: String,
        #[command(flatten)]
        session: SessionArgs,
        /// The command and its arguments (after `--` if they start with `-`)
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "COMMAND"
        )]
        command: Vec<std::ffi::OsString>,
    },
    /// Print NAME's credentials as AWS `credential_process` JSON (for SDKs and tools)
    CredentialProcess {
        /// Identity whose credentials are printed
        name: String,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// List every identity: kind, source chain, region and cached session
    List {
        /// Print only the names, one per line (for completion)
        #[arg(long)]
        names: bool,
    },
    /// Print the completion script for a shell
    Completions {
        #[arg(value_enum)]
        shell: crate::completions::CompletionShell,
    },
}

/// `--region`: checked as the profile's region is ([`crate::config::valid_region`]).
fn parse_region(s: &str) -> std::result::Result<String, String> {
    if crate::config::valid_region(s) {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?} is not an AWS region name (like eu-west-1)"))
    }
}

/// Variables aws-as sets for the credentials themselves.
const CREDENTIAL_VARS: [&str; 5] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    // The expiry in seconds since 1970, which a prompt hook can compare with the clock without
    // starting a process (bash's printf %(%s)T, zsh's EPOCHSECONDS).
    "AWS_AS_EXPIRES_EPOCH",
];
/// Variables that would compete with the credentials in SDKs.
const COMPETING_VARS: [&str; 3] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Region variables and where aws-as keeps the user's own value while an identity's is in force.
const REGION_VARS: [(&str, &str); 2] = [
    ("AWS_REGION", "AWS_AS_SAVED_REGION"),
    ("AWS_DEFAULT_REGION", "AWS_AS_SAVED_DEFAULT_REGION"),
];

/// Unsets `var` only if the shell has it, so the output says only what changes.
fn unset(change: &mut Change, var: &'static str) {
    if std::env::var_os(var).is_some() {
        change.push((var, None));
    }
}

/// Sets the identity's region, or puts back the user's own. aws-as records the region it set in
/// AWS_AS_REGION: a region variable holding that value is aws-as's, and the user's value is the
/// one saved when aws-as replaced it; any other value is the user's and stays.
fn set_region(change: &mut Change, region: Option<&str>) {
    let ours = env("AWS_AS_REGION");
    for (var, saved) in REGION_VARS {
        let users = if ours.is_some() && env(var) == ours {
            env(saved)
        } else {
            env(var)
        };
        match region {
            Some(r) => {
                change.push((var, Some(r.to_string())));
                match users {
                    Some(u) => change.push((saved, Some(u))),
                    None => unset(change, saved),
                }
            }
            None => {
                if users != env(var) {
                    change.push((var, users));
                }
                unset(change, saved);
            }
        }
    }
    match region {
        Some(r) => change.push(("AWS_AS_REGION", Some(r.to_string()))),
        None => unset(change, "AWS_AS_REGION"),
    }
}

/// What a switch to `identity` changes; `region` (from `--region`) overrides the profile's.
pub fn switch_change(
    identity: &Identity,
    credentials: &Credentials,
    region: Option<&str>,
) -> Change {
    let mut change: Change = vec![
        ("AWS_ACCESS_KEY_ID", Some(credentials.access_key_id.clone())),
        (
            "AWS_SECRET_ACCESS_KEY",
            Some(credentials.secret_access_key.clone()),
        ),
        ("AWS_SESSION_TOKEN", Some(credentials.session_token.clone())),
        (
            "AWS_CREDENTIAL_EXPIRATION",
            Some(rfc3339(credentials.expiration)),
        ),
        (
            "AWS_AS_EXPIRES_EPOCH",
            Some(credentials.expiration.timestamp().to_string()),
        ),
    ];
    set_region(&mut change, region.or(identity.region.as_deref()));
    for var in COMPETING_VARS {
        unset(&mut change, var);
    }
    change.push(("AWS_AS_IDENTITY", Some(identity.name.clone())));
    change
}

/// What `aws-as -` prints: credentials go only if aws-as put them there (an identity is active);
/// credentials the user exported by hand are theirs.
pub fn clear_change() -> Change {
    let mut change = Change::new();
    if env("AWS_AS_IDENTITY").is_some() {
        for var in CREDENTIAL_VARS {
            unset(&mut change, var);
        }
    }
    set_region(&mut change, None);
    unset(&mut change, "AWS_AS_IDENTITY");
    change
}

/// Resolves `name` to an identity and fresh credentials (the cache first, STS on a miss).
/// `at_least`, given the identity, is how long the credentials must still last.
pub fn resolve(
    name: &str,
    session: &SessionArgs,
    at_least: Option<&dyn Fn(&Identity) -> chrono::TimeDelta>,
    connect: Option<Connect>,
) -> Result<(Identity, Credentials)> {
    if session.no_input {
        crate::mfa::NO_INPUT.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let config = Config::load()?;
    let identity = config.identity(name)?;
    let cache = Cache::open(Cache::default_dir()?);
    let mut resolver = Resolver::new(&cache, session.mfa_code.clone(), connect);
    let credentials = match at_least {
        Some(d) => resolver.credentials_lasting(&identity, session.duration, d(&identity))?,
        None => resolver.credentials(&identity, session.duration)?,
    };
    Ok((identity, credentials))
}

fn run(cli: Cli, connect: Option<Connect>) -> Result<String> {
    match cli.command {
        Some(Command::Exec {
            name,
            session,
            command,
        }) => crate::exec::exec(&name, &session, &command, connect),
        Some(Command::CredentialProcess { name, session }) => {
            crate::exec::credential_process(&name, &session, connect)
        }
        Some(Command::List { names }) => crate::list::list(names),
        Some(Command::Completions { shell }) => Ok(crate::completions::script(shell)),
        None => {
            let dialect = cli.shell.unwrap_or(Shell::Sh).dialect();
            let Some(name) = cli.name else {
                let status = crate::list::status();
                if cli.shell.is_some() {
                    eprint!("{status}");
                    return Ok(String::new());
                }
                return Ok(status);
            };
            if name == "-" {
                return dialect.render(&clear_change());
            }
            let (identity, credentials) = resolve(&name, &cli.session, None, connect)?;
            dialect.render(&switch_change(
                &identity,
                &credentials,
                cli.session.region.as_deref(),
            ))
        }
    }
}

/// Writes `text` to stdout. A reader that went away (`aws-as --help | head`) is not an error
/// worth a word, let alone a panic.
fn print_out(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The binary that has the STS client, next to this one.
const FULL_BINARY: &str = "aws-as-sts";
/// Set by `aws-as` for the `aws-as-sts` it execs, which removes it at once (so that nothing it
/// runs, an `exec` command, a nested aws-as, inherits it).
const DELEGATED: &str = "AWS_AS_DELEGATED";

/// Hands the whole command line to `aws-as-sts` (same arguments, same environment): this process
/// becomes it, so its output, exit status and terminal are the user's as if they had run it.
fn delegate(args: &[std::ffi::OsString]) -> i32 {
    use std::os::unix::process::CommandExt;
    let path = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(FULL_BINARY)))
        .unwrap_or_else(|| FULL_BINARY.into());
    // aws-as-sts never delegates, so seeing the mark here means the file named aws-as-sts is a
    // copy of this lean binary: without the mark every miss would exec it again, forever.
    if std::env::var_os(DELEGATED).is_some() {
        eprintln!(
            "aws-as: {} cannot make new sessions (it is a copy of aws-as, not aws-as-sts): reinstall aws-as",
            path.display()
        );
        return 1;
    }
    let e = std::process::Command::new(&path)
        .arg0("aws-as")
        .args(args.iter().skip(1))
        .env(DELEGATED, "1")
        .exec();
    eprintln!(
        "aws-as: cannot run {} for a new session ({e}): it is installed next to aws-as; reinstall aws-as",
        path.display()
    );
    1
}

/// `connect` is `None` in the lean `aws-as` binary: whatever needs STS is then delegated to
/// `aws-as-sts`, so a cache hit never loads (nor relocates) the SDK's code.
pub fn main(connect: Option<Connect>) -> i32 {
    if connect.is_none() {
        crate::cache::defer_warnings();
    } else {
        // SAFETY: the first thing the program does, before any other thread exists.
        unsafe { std::env::remove_var(DELEGATED) };
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            // With --shell the caller evals stdout (the activation's wrapper always passes it):
            // help and version text must not become shell code there.
            let captured = args.iter().any(|a| {
                a.to_str()
                    .is_some_and(|a| a == "--shell" || a.starts_with("--shell="))
            });
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                if captured {
                    eprint!("{e}");
                } else {
                    let _ = print_out(&e.to_string());
                }
                return 0;
            }
            // clap's message spans lines ("...not provided:\n  <NAME>\n\nUsage: ..."): one
            // line of it, without the usage and tips that follow.
            let text = e.to_string();
            let line = text
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("tip:"))
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            eprintln!(
                "aws-as: {} (see aws-as --help)",
                line.trim_start_matches("error: ")
            );
            return 2;
        }
    };
    let result = run(cli, connect);
    if matches!(&result, Err(e) if e.cause() == Cause::NeedsSts) {
        // aws-as-sts reads the cache again and says whatever needs saying.
        let status = delegate(&args);
        crate::cache::flush_warnings();
        return status;
    }
    crate::cache::flush_warnings();
    match result {
        Ok(out) => {
            // Printed only once everything succeeded: on failure stdout stays empty, so an eval of
            // it changes nothing.
            match print_out(&out) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("aws-as: cannot write the output: {e}");
                    1
                }
            }
        }
        Err(e) => {
            eprintln!("aws-as: {e}");
            1
        }
    }
}
