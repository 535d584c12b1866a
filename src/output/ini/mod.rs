//! Shared: the lossless editor of the two profile files, used by `aws-as write` (a section of
//! `~/.aws/credentials`) and `aws-as sso populate` (profiles in `~/.aws/config`).
//!
//! - `model.rs`: the file as lines with their spans; `render(parse(s)) == s` for every text. A
//!   section is named as its header reads: `NAME` in the credentials file, `profile NAME`,
//!   `default` or `sso-session NAME` in the config file ([`model::config_header`] and
//!   [`model::config_profile`] go between a profile's name and its header).
//! - `edit.rs`: set or remove keys of one section, take out a whole section, append sections;
//!   every other line written back as it was.
//! - `file.rs`: the lock beside the file, the atomic replacement (link kept, 0600), the backups.
//!
//! What a write must pass before it is written (whose section it is, what both parsers read) is
//! each output's own: `credentials_file/verify.rs`, `sso/verify.rs`.

pub mod edit;
pub mod file;
pub mod model;
