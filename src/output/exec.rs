//! `aws-as exec`: credentials for one command, in its environment; the calling shell is left
//! as it is.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;

use super::command::cannot_run;
use super::env::child_change;
use crate::error::Result;
use crate::session::{Connect, Request, resolve};

/// What `aws-as exec` was asked (`exec --server` takes the same).
pub struct Options {
    pub name: String,
    pub request: Request,
    /// `--region`, over the profile's.
    pub region: Option<String>,
    /// The command and its arguments: never empty.
    pub command: Vec<OsString>,
}

/// Replaces this process with `command`, its environment changed as a switch would change the
/// shell's, less what such a switch keeps of the user's (see `env::child_change`). Returns only
/// on failure: the exit status and signals are then `command`'s own, since it is the same process.
pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    let Options {
        name,
        request,
        region,
        command,
    } = options;
    let (identity, credentials) = resolve(name, request, None, connect)?;
    let change = child_change(&identity, &credentials, region.as_deref());
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
