//! Where credentials go: the top of the flow. Each output uses sessions (and identities), and
//! nothing below it uses an output.
//!
//! - `env.rs`: the environment change of a switch, shared by the shell switch and `exec`.
//! - `shell/`: the dialects that write that change for each shell, the activation scripts, and
//!   tab completion.
//! - `exec.rs`: one command run with an identity's credentials.
//! - `credential_process.rs`: the JSON an SDK's `credential_process` reads.
//! - `list.rs`: `aws-as list` and the status line.
//! - `server/`: the credentials server (IMDSv2, ECS, the management API), `aws-as serve`,
//!   `exec --server` and the `aws-as server` commands that control it.

pub mod credential_process;
pub mod env;
pub mod exec;
pub mod list;
pub mod server;
pub mod shell;
