//! The one place that says which commands need `aws-as-sts` (the binary with the STS client and
//! the network): the fields of [`Network`]. The lean `aws-as` has [`Network::LEAN`], whose every
//! entry hands the whole command line over, so none of their code is linked into it.

use crate::error::{Error, Result};
use crate::output::credentials_file::refresh;
use crate::output::{doctor, exec, keys, login, server, sso};
use crate::session::Connect;

/// Every command's entry has this shape: its options, and the STS client when the binary has one.
pub type Entry<O> = fn(&O, Option<Connect>) -> Result<String>;

/// What only `aws-as-sts` links, handed in by its entry.
#[derive(Clone, Copy)]
pub struct Network {
    /// The STS client: `None` in the lean `aws-as`, whose resolver then hands a miss over.
    pub connect: Option<Connect>,
    /// `aws-as login`: the HTTPS sign-in request and the one-time local address.
    pub login: Entry<login::Options>,
    /// `aws-as serve`: the credentials server.
    pub serve: Entry<server::Options>,
    /// `aws-as exec --server`.
    pub exec_server: Entry<exec::Options>,
    /// `aws-as refresh`: a daemon renews sessions, so it runs in `aws-as-sts` from the start
    /// rather than hand over at its first miss.
    pub refresh: Entry<refresh::Options>,
    /// `aws-as sso …`: IAM Identity Center's sign-in, sign-out and portal.
    pub sso: Entry<sso::Options>,
    /// `aws-as keys …`: the OS keyring and IAM.
    pub keys: Entry<keys::Options>,
    /// `aws-as doctor`: its clock check asks STS over HTTPS.
    pub doctor: Entry<doctor::Options>,
}

impl Network {
    /// The lean `aws-as`: no STS client, and every command above handed over.
    pub const LEAN: Network = Network {
        connect: None,
        login: handed_over,
        serve: handed_over,
        exec_server: handed_over,
        refresh: handed_over,
        sso: handed_over,
        keys: handed_over,
        doctor: handed_over,
    };

    /// Whether this is the lean `aws-as`.
    pub fn is_lean(&self) -> bool {
        self.connect.is_none()
    }
}

fn handed_over<O>(_: &O, _: Option<Connect>) -> Result<String> {
    Err(Error::needs_sts())
}
