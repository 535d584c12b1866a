//! `aws-as write`: an identity's temporary credentials in a section of the shared credentials
//! file, for tools that read nothing else; `aws-as write --remove` takes such a section out again.
//!
//! The file holds the user's long-term keys, so nothing in it changes but the target section's
//! credential keys and region (see ../../../docs/ARCHITECTURE.md):
//! - `../ini/`: the lossless editor it shares with `aws-as sso populate`: the file as lines
//!   (`model.rs`), set or remove keys of one section (`edit.rs`), the lock, the atomic
//!   replacement and the backups (`file.rs`).
//! - `verify.rs`: section names and values both parsers read alike, and the check of every edit.
//! - `owner.rs`: whose section it is (aws-as's, long-term keys, another tool's; `--force`), and
//!   the profiles an identity is made from, which are never written.
//! - `write.rs`: a section written or removed under the lock; the sections aws-as wrote.
//! - `refresh.rs`: `aws-as refresh`, the daemon that keeps such sections fresh.
//! - this file: the command (`Options`, `run`), the keys aws-as writes, and its messages.
//!
//! Every edit is checked before it is written: the new text must read, with aws-config's own
//! parser, exactly as the old one for every other section and with the new values in the target;
//! the bytes outside the target must be the old ones. A file aws-as cannot edit that way (a
//! section or key twice, a line no parser reads) is refused and left as it is.

mod owner;
pub mod refresh;
mod verify;
mod write;

use chrono::Utc;

// What the folder offers the rest of aws-as, at the paths it had before it was split (the editor
// itself is crate::output::ini now).
pub use owner::precheck;
pub use verify::{check_section_name, edit_text};
pub use write::{
    Region, Written, remove, strip_written, write, written_identity, written_sections,
};

use crate::error::Result;
use crate::identity::{Config, MARKER, Summary};
use crate::output::handout::min_left;
use crate::session::{Connect, Request, resolve, rfc3339};

/// The key the expiry is written in: the one starship's `aws` module reads from the credentials
/// file (src/modules/aws.rs tries `expiration`, then saml2aws's `x_security_token_expires`), as
/// RFC 3339. The SDKs ignore it.
pub const EXPIRY: &str = "expiration";

/// Keys that would hold stale values next to fresh credentials: botocore reads
/// `aws_security_token` before `aws_session_token`, so an old one would win; and an old
/// `x_security_token_expires` would show a prompt the wrong time.
pub const STALE: [&str; 2] = ["aws_security_token", "x_security_token_expires"];

/// The key the identity's region is written in. botocore, the AWS CLI and the Go SDK (with
/// AWS_SDK_LOAD_CONFIG) read `region` from a section of the credentials file as from the config
/// file: without it a client given only `AWS_PROFILE=SECTION` has no region.
pub const REGION: &str = "region";

/// Every key aws-as writes or clears in its sections: what `--remove` and the backups take out.
pub const WRITTEN: [&str; 8] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    EXPIRY,
    MARKER,
    REGION,
    STALE[0],
    STALE[1],
];

/// What `aws-as write` was asked.
pub enum Options {
    /// `aws-as write NAME --profile SECTION [--force]`.
    Write {
        name: String,
        section: String,
        force: bool,
        request: Request,
        /// `--region`: written instead of the identity's region.
        region: Option<String>,
    },
    /// `aws-as write --remove SECTION`.
    Remove { section: String },
}

/// `aws-as write`: NAME's credentials into a section, or (`--remove`) a section aws-as wrote out.
pub fn run(options: &Options, connect: Option<Connect>) -> Result<String> {
    match options {
        Options::Write {
            name,
            section,
            force,
            request,
            region,
        } => write_command(name, section, *force, request, region.as_deref(), connect),
        Options::Remove { section } => remove_command(section),
    }
}

/// `aws-as write NAME --profile SECTION`: NAME's credentials (from the cache, else a new session)
/// into SECTION, with at least as long left as a credential_process gets.
fn write_command(
    name: &str,
    section: &str,
    force: bool,
    request: &Request,
    region: Option<&str>,
    connect: Option<Connect>,
) -> Result<String> {
    let config = Config::load()?;
    let identity = config.identity(name)?;
    let protected = config.chain_of(&identity);
    precheck(section, &protected, name, force)?;
    let at_least = |identity: &Summary| min_left(identity, request.duration);
    let (identity, credentials) = resolve(name, request, Some(&at_least), connect)?;
    let region = region.or(identity.region.as_deref());
    let written = write(
        &identity,
        &credentials,
        section,
        &protected,
        force,
        Region::Set(region),
    )?;
    Ok(written_message(name, section, &written))
}

/// `aws-as write --remove SECTION`.
fn remove_command(section: &str) -> Result<String> {
    let path = remove(section)?;
    Ok(format!(
        "aws-as: removed aws-as's [{section}] from {}\n",
        path.display()
    ))
}

/// The message of a successful write, for the person who ran it.
pub fn written_message(name: &str, section: &str, w: &Written) -> String {
    let left = w.expiration - Utc::now();
    let region = match &w.region {
        Some(r) => format!(" and region {r}"),
        None => String::new(),
    };
    // Without a region the CLI v2, boto3 and the Go SDK refuse to call AWS at all.
    let no_region = match &w.region {
        Some(_) => String::new(),
        None => format!(" (no region: {name} has none; pass --region, or clients need AWS_REGION)"),
    };
    format!(
        "aws-as: {} [{section}] in {} with {name}'s credentials{region}, valid until {} ({}m left): AWS_PROFILE={section} uses them{no_region}\n",
        if w.appended { "added" } else { "updated" },
        w.path.display(),
        rfc3339(w.expiration),
        left.num_minutes().max(0)
    )
}
