//! Shared harness for the integration tests: a throwaway HOME with AWS config files, a local
//! STS on loopback (moto, or the fault-injecting stub), and commands with a scrubbed environment.
//! API contract (filled in by the test-infrastructure work):
//!
//! - `Sts::moto()`            start tests/support/sts.py in moto mode on 127.0.0.1:<free port>
//! - `Sts::fault(mode)`       start it in fault mode (wrong-mfa, access-denied, ...)
//! - `sts.endpoint()`         "http://127.0.0.1:PORT"
//! - `sts.calls()`            every STS request the server saw, in order (`Call`)
//! - `Home::new()`            temp dir with .aws/config, .aws/credentials, cache dir
//! - `home.config(text)` / `home.credentials(text)` write the files
//! - `home.command(program)`  a `std::process::Command` with env cleared except PATH, with HOME,
//!   AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_AS_CACHE_DIR set, and
//!   AWS_ENDPOINT_URL_STS set when `home.with_sts(&sts)` was called.
//! - `aws_as_bin()` / `aws_as_activate_bin()` paths of the built binaries.
#![allow(dead_code)]
