//! The command lines of `aws-as` and `aws-as-activate`: parsed here, and handed to the layer
//! that does the work (an output, which asks the session layer for credentials). Nothing else
//! lives here.
//!
//! - `args.rs`: both command lines as clap defines them (`--duration` once, in `SessionLength`).
//! - `options.rs`: the arguments as each command's options.
//! - `mod.rs`: [`main`] and the dispatch, one line a command to its entry
//!   (`run(&Options, Option<Connect>)`, the same shape for all).
//! - `network.rs`: [`Network`], the commands that need `aws-as-sts`, and the lean binary's
//!   stand-ins that hand them over.
//! - `lean.rs`: the lean binary's hand-off: the switch read without clap, the exec of
//!   `aws-as-sts`.
//! - `exit.rs`: what is printed, and the exit status.
//! - `activate.rs`: `aws-as-activate`.
//! - `manual.rs`: what the man pages say beyond the command lines (ENVIRONMENT, FILES,
//!   `aws-as-deactivate`).

mod activate;
mod args;
mod exit;
mod lean;
pub mod manual;
mod network;
mod options;

use std::ffi::OsString;

use clap::Parser;

use crate::error::{Cause, Result};
use crate::output::shell::completions;
use crate::output::{control, credential_process, credentials_file, exec, export, list, switch};
use crate::session::cache;

pub use activate::activate_main;
pub use args::{activate_command, command};
pub use network::{Entry, Network};
use options::Options;

/// Runs `aws-as`; returns the exit status. The lean binary passes [`Network::LEAN`]: whatever
/// needs STS or the network is then delegated to `aws-as-sts`, so a cache hit never loads (nor
/// relocates) the SDK's code.
pub fn main(network: Network) -> i32 {
    if network.is_lean() {
        cache::defer_warnings();
    } else {
        // SAFETY: the first thing the program does, before any other thread exists.
        unsafe { std::env::remove_var(lean::DELEGATED) };
    }
    let args: Vec<OsString> = std::env::args_os().collect();
    let parsed = match lean::quick_parse(&args) {
        Some(cli) => Ok(cli),
        None => args::Cli::try_parse_from(&args),
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => return exit::clap_error(&e, &args),
    };
    let mut options = Options::from(cli);
    let mut args = args;
    if let Options::Switch(o) = &mut options
        && o.pick
    {
        if let Err(e) = switch::pick(o) {
            return exit::report(Err(e));
        }
        // A new session is made by aws-as-sts with this command line: the name, not another pick.
        args = picked(&args, o.name.as_deref().unwrap_or_default());
    }
    let result = run(options, &network);
    if matches!(&result, Err(e) if e.cause() == Cause::NeedsSts) {
        // aws-as-sts reads the cache again and says whatever needs saying.
        let status = lean::delegate(&args);
        cache::flush_warnings();
        return status;
    }
    cache::flush_warnings();
    exit::report(result)
}

/// The command line of `aws-as -i` with the picked `name` in place of the pick.
fn picked(args: &[OsString], name: &str) -> Vec<OsString> {
    let mut picked: Vec<OsString> = args
        .iter()
        .filter(|a| !matches!(a.to_str(), Some("-i" | "--pick" | "--")))
        .cloned()
        .collect();
    picked.push("--".into());
    picked.push(name.into());
    picked
}

/// Each command to its entry.
fn run(options: Options, network: &Network) -> Result<String> {
    let connect = network.connect;
    match options {
        Options::Switch(o) => switch::run(&o, connect),
        Options::Exec(o) => exec::run(&o, connect),
        Options::ExecServer(o) => (network.exec_server)(&o, connect),
        Options::CredentialProcess(o) => credential_process::run(&o, connect),
        Options::Write(o) => credentials_file::run(&o, connect),
        Options::Refresh(o) => (network.refresh)(&o, connect),
        Options::Export(o) => export::run(&o, connect),
        Options::Login(o) => (network.login)(&o, connect),
        Options::List(o) => list::run(&o, connect),
        Options::Serve(o) => (network.serve)(&o, connect),
        Options::Server(o) => control::run(&o, connect),
        Options::Sso(o) => (network.sso)(&o, connect),
        Options::Keys(o) => (network.keys)(&o, connect),
        Options::Doctor(o) => (network.doctor)(&o, connect),
        Options::Completions(o) => completions::run(&o, connect),
    }
}
