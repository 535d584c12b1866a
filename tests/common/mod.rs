//! The harness of the integration tests, a file per concern. Standard library only (plus
//! `serde`/`serde_json`, which the crate already depends on); everything listens on and talks to
//! 127.0.0.1 only. Prerequisites come from `scripts/install-deps.sh` (the `.venv` with moto,
//! boto3 and the AWS CLI; Go and Debian's aws-sdk-go for the Go clients).
//!
//! - `paths`: `repo_root()`, `target_dir()`, `aws_as_bin()`, `aws_as_activate_bin()`
//! - `fixture`: the standard profiles (`STANDARD_CONFIG`, `STANDARD_CREDENTIALS`: my-user1-dev
//!   with MFA, my-role1-dev assumed from it with MFA, my-role2-dev chained from that), their
//!   names and accounts; `terminal_session(&home)`, the user's MFA session made in a terminal
//! - `sts`: `Sts::moto()` (`moto_with_delay`, `moto_with_lifetimes`, `set_fault`) and
//!   `Sts::fault(mode)`, tests/support/sts.py on a free port; `endpoint()`, what it saw
//!   (`calls()`, `count`, `calls_of`, `reset`), `expire_sessions()`, the console sign-in stand-in
//!   (`federation_endpoint()`, `federation_calls()`, `federation_refuse()`, `federation_answer()`);
//!   `closed_port_endpoint()`, where nothing listens
//! - `sso`: `Sso::start(&sts)`, tests/support/sso.py: the IAM Identity Center stand-in (OIDC
//!   and portal on one port, role credentials from `sts`'s AssumeRole); `env()` /
//!   `command(&home, program)` for the endpoint variables, `cli_v2_data_path` for Debian's CLI
//!   v2, the directory (`set_directory`, `generate_accounts`), `settings`, `set_faults`,
//!   `approve`/`deny` a device code, `revoke_all`, `expire_access_tokens`, `token_status`,
//!   `calls()` (`SsoCall`, tokens as `token_hash` only); `sso_session_config`,
//!   `legacy_sso_config`, `write_sso_config`, `sso_cache_file`
//! - `home`: `Home::new()` (removed on drop unless AWS_AS_KEEP_TEST_DIRS is set),
//!   `Home::standard(&sts)`, `config`/`credentials` to write the files, `with_sts` and
//!   `with_endpoint`, and `command(program)`: a `Command` whose environment holds only PATH
//!   (the binaries' directory first), HOME, the AWS file variables, AWS_AS_CACHE_DIR,
//!   AWS_EC2_METADATA_DISABLED, TERM=dumb, LANG and the STS endpoint
//! - `clients`: `python()`, `aws_cli()` (v1), `aws_cli_v2()`, `go_client()`,
//!   `go_endpoint_client()`, the arguments that make each print the caller's ARN, and
//!   `caller_arn_clients` (all of them in one environment)
//! - `process`: `run`, `run_with_timeout`, `run_with_input`, `try_run_with_timeout` (stdin
//!   closed unless fed, killed at the limit), `aws_as(&home, args)`, `ok(&out)`,
//!   `stdout_str`/`stderr_str`, `wait_for(what, limit, done)`
//! - `server`: `home.serve(args)`, `aws-as serve` on a free port once it printed its export line
//!   (`Server`: `addr`, `url`, `log`, `get`, `raw`, `imds_token`, `manage_token`, `manage`;
//!   SIGTERM on drop), `free_port()`, `http(addr, bytes)` and its parsed answer (`Http`)
//! - `notify`: `fake_notify_send(bin, file)` and the `notifications(file)` it recorded
//! - `other_user`: `OtherUser::new()`, a throwaway second user (root only; removed on drop),
//!   and `command(program)` to run a program as them (`setpriv`)
//! - `text`: `strip_escapes` (what a terminal showed) and `redact` (panic messages)
//!
//! Secrets: `Call`'s `Debug` redacts the session token, and nothing here prints a child's stdout
//! (which may hold `export AWS_SECRET_ACCESS_KEY=...`) in a panic message.
//!
//! Everything is re-exported here, so a test file reads `use common::*;`.

mod clients;
mod fixture;
mod home;
mod notify;
mod other_user;
mod paths;
mod process;
mod server;
mod sso;
mod sts;
mod text;

pub use clients::*;
pub use fixture::*;
pub use home::*;
pub use notify::*;
pub use other_user::*;
pub use paths::*;
pub use process::*;
pub use server::*;
pub use sso::*;
pub use sts::*;
pub use text::*;
