//! `aws-as credential-process`: credentials as an SDK's `credential_process` reads them, from the
//! same cache and MFA session as the shell.

use super::handout::{min_left, render};
use crate::error::{Error, Result};
use crate::identity::Summary;
use crate::session::{Connect, Request, resolve};

pub fn json(
    name: &str,
    request: &Request,
    region: Option<&str>,
    connect: Option<Connect>,
) -> Result<String> {
    if region.is_some() {
        return Err(Error::new(
            "credential-process takes no --region: set the region in the SDK's profile",
        ));
    }
    let at_least = |identity: &Summary| min_left(identity, request.duration);
    let (_, credentials) = resolve(name, request, Some(&at_least), connect)?;
    Ok(render(&credentials))
}
