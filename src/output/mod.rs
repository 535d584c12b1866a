//! Where credentials go: the top of the flow. Each output uses sessions (and identities), and
//! nothing below it uses an output. Each command has one entry of one shape,
//! `run(&Options, Option<Connect>) -> Result<String>`: its options, and the STS client when this
//! binary has one; the text returned is printed on stdout only if it succeeded. An output uses no
//! other output's internals: what several share is a small module named for what it shares
//! (tests/layout.rs holds both lists).
//!
//! Outputs, one per command (or family of commands):
//! - `shell/`: the dialects that write a switch for each shell (also used by `export` and
//!   `control` to write a POSIX word), the activation scripts, and tab completion.
//! - `exec.rs`: one command run with an identity's credentials.
//! - `credential_process.rs`: the JSON an SDK's `credential_process` reads.
//! - `export/`: `aws-as export`, the credentials in the formats other tools take (a dialect each).
//! - `switch/`: the switch itself (`aws-as NAME`), `aws-as -`, the status line, and `aws-as -i`
//!   (the name picked from a list on the terminal).
//! - `list.rs`: `aws-as list`.
//! - `credentials_file/`: `aws-as write`, an identity's credentials in a section of
//!   `~/.aws/credentials`, edited in place without losing a byte of the rest, and `aws-as
//!   refresh`, the daemon that keeps such sections fresh.
//! - `login/`: `aws-as login`, the console sign-in (in `aws-as-sts` only: it talks to the network).
//! - `server/`: the credentials server (IMDSv2, ECS, the management API), `aws-as serve` and
//!   `exec --server` (in `aws-as-sts` only).
//! - `control.rs`: `aws-as server …`, the terminal's client of a running server (lean binary).
//! - `sso/`: `aws-as sso login|logout|populate`: IAM Identity Center's sign-in, sign-out, and a
//!   profile in `~/.aws/config` for every account and role of the portal (in `aws-as-sts` only).
//! - `keys/`: `aws-as keys add|import|remove|rotate`: long-term keys in the OS keyring, and
//!   their rotation (in `aws-as-sts` only: the keyring and IAM). It edits the profile files with
//!   `credentials_file`'s line model, lock and atomic writer (`model`, `edit`, `file`).
//! - `doctor/`: `aws-as doctor`, the setup checked a line at a time (in `aws-as-sts` only: the
//!   clock is compared with STS's over HTTPS).
//!
//! Shared:
//! - `env.rs`: the environment change of a switch (the shell switch, `exec`, `export`,
//!   `exec --server`).
//! - `text.rs`: a name and a time left as a person reads them.
//! - `rows.rs`: one row per identity, as `list` and the management API show it.
//! - `handout.rs`: credentials handed to another program: how long they must last, the
//!   `credential_process` JSON.
//! - `command.rs`: a command that cannot be started, said as a shell says it.
//! - `notify.rs`: the desktop notification asking a person for an MFA code.
//! - `percent.rs`: percent-encoding for the URLs the server and the console sign-in build.
//! - `endpoint/`: what the server and its control client both know: addresses, secrets, a
//!   plain std HTTP client.
//! - `ini/`: the lossless editor of the profile files (lines, edits, the lock, atomic writes and
//!   backups), for `aws-as write` and `aws-as sso populate`.

pub mod command;
pub mod control;
pub mod credential_process;
pub mod credentials_file;
pub mod doctor;
pub mod endpoint;
pub mod env;
pub mod exec;
pub mod export;
pub mod handout;
pub mod ini;
pub mod keys;
pub mod list;
pub mod login;
pub mod notify;
pub mod percent;
pub mod rows;
pub mod server;
pub mod shell;
pub mod sso;
pub mod switch;
pub mod text;
