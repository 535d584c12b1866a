//! `aws-as exec`: credentials for one command, in its environment; the calling shell is left
//! as it is.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;

use super::command::cannot_run;
use super::env::switch_change;
use crate::error::Result;
use crate::session::{Connect, Request, resolve};

/// Replaces this process with `command`, its environment changed exactly as a switch would change
/// the shell's. Returns only on failure: the exit status and signals are then `command`'s own,
/// since it is the same process.
pub fn exec(
    name: &str,
    request: &Request,
    region: Option<&str>,
    command: &[OsString],
    connect: Option<Connect>,
) -> Result<String> {
    let (identity, credentials) = resolve(name, request, None, connect)?;
    let change = switch_change(&identity, &credentials, region);
    let (program, args) = command.split_first().expect("clap requires COMMAND");
    let mut cmd = std::process::Command::new(program);
    cmd.args(args);
    for (var, value) in &change {
        match value {
            Some(v) => cmd.env(var, v),
            None => cmd.env_remove(var),
        };
    }
    crate::session::cache::flush_warnings();
    let e = cmd.exec();
    std::process::exit(cannot_run(program, &e));
}
