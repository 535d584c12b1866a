//! Where credentials go: the top of the flow. Each output uses sessions (and identities), and
//! nothing below it uses an output. Each command has one entry of one shape,
//! `run(&Options, Option<Connect>) -> Result<String>`: its options, and the STS client when this
//! binary has one; the text returned is printed on stdout only if it succeeded.
//!
//! - `env.rs`: the environment change of a switch, shared by the shell switch and `exec`.
//! - `shell/`: the dialects that write that change for each shell, the activation scripts, and
//!   tab completion.
//! - `exec.rs`: one command run with an identity's credentials.
//! - `credential_process.rs`: the JSON an SDK's `credential_process` reads.
//! - `export/`: `aws-as export`, the credentials in the formats other tools take (a dialect each).
//! - `switch.rs`: the switch itself (`aws-as NAME`), `aws-as -` and the status line.
//! - `list.rs`: `aws-as list`.
//! - `pick.rs`: `aws-as -i`, the identity picked from a list on the terminal.
//! - `credentials_file/`: `aws-as write`, an identity's credentials in a section of
//!   `~/.aws/credentials`, edited in place without losing a byte of the rest.
//! - `refresh.rs`: `aws-as refresh`, the daemon that keeps such sections fresh.
//! - `login/`: `aws-as login`, the console sign-in (in `aws-as-sts` only: it talks to the network).
//! - `percent.rs`: percent-encoding for the URLs the server and the console sign-in build.
//! - `server/`: the credentials server (IMDSv2, ECS, the management API), `aws-as serve`,
//!   `exec --server` and the `aws-as server` commands that control it.

pub mod credential_process;
pub mod credentials_file;
pub mod env;
pub mod exec;
pub mod export;
pub mod list;
pub mod login;
pub mod percent;
pub mod pick;
pub mod refresh;
pub mod server;
pub mod shell;
pub mod switch;
