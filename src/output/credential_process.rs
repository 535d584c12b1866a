//! `aws-as credential-process`: credentials as an SDK's `credential_process` reads them, from the
//! same cache and MFA session as the shell.

use super::handout::{min_left, render};
use crate::error::Result;
use crate::identity::Summary;
use crate::session::{Connect, Request, resolve};

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
