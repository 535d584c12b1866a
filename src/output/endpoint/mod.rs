//! What the credentials server (`server/`, network code in `aws-as-sts` only) and its terminal
//! client (`control.rs`, in the lean `aws-as`) both know of a server: plain std and hashing, no
//! HTTP library, so the lean binary can use all of it.
//!
//! - `address.rs`: the default address, where a server may listen, the `Host` values it
//!   accepts, its URL and the ECS path.
//! - `tokens.rs`: the state directory and the secrets in it (the ECS key, the management
//!   token), and the identity each address served last.
//! - `client.rs`: one HTTP/1.1 request over a std `TcpStream`.
//! - `competing.rs`: what a client finds before the endpoint, hidden from `exec --server`'s
//!   command and warned about by `serve` and `server env`.

pub mod address;
pub mod client;
pub mod competing;
pub mod tokens;
