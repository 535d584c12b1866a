//! The integration tests: one binary, a module per file beside this one (Cargo.toml sets
//! `autotests = false` and names this file). One binary links the library and the SDK once,
//! where a binary per file linked them 29 times. Run a file's tests with its module path:
//! `cargo test --test it shells::`, one test with `cargo test --test it shells::NAME`.
//!
//! Two files are binaries of their own: tests/server_rust.rs, whose test sets the process
//! environment, which the other tests here, running on threads beside it, may not see change;
//! and tests/soak.rs, whose 50 terminals for a minute would take both cores from the tests here
//! that time an answer to the second.
//!
//! The shared harness is [`common`]; the programs the tests run in place of real ones are in
//! tests/support/ and tests/shells/, the browser driver in tests/browser/.

mod common; // the harness: throwaway HOME, local STS, real clients, processes, the server

mod activation; // what an activation costs a new shell; functions defined at first use
mod commands; // exec, credential-process, list, the status line, --no-input
mod completions; // TAB in interactive bash, zsh, fish and tcsh under tmux
mod config_files; // profile files broken in every way a file can be
mod credentials_file; // `aws-as write` with real clients, hand-written files, concurrency
mod credentials_file_property; // the credentials-file editor over generated files
mod doctor; // aws-as doctor on a healthy setup and on broken ones, line by line
mod e2e; // the binary against moto, its output in a real shell, used by real clients
mod export; // every export format read back by its consumer
mod faults; // a switch killed holding the lock, read-only caches, sessions expired early
mod friction; // the first hour's friction: help, NAME -- CMD, typos, usage errors, the picker
mod generated; // completions/ and man/ are what the code generates (AWS_AS_BLESS=1 updates them)
mod harness; // the harness itself: the clients really reach the local STS
mod hostile; // property tests of hostile values and names in every real shell
mod include_profile; // aws-vault's include_profile, alone and with source_profile
mod keyring; // keys in a real Secret Service (gnome-keyring on a private bus), add/import/remove/rotate
mod layout; // the architecture's arrows point one way
mod linking; // the lean binary: static, no SDK, a hit's code in .text.hot
mod login; // the console sign-in against moto and the federation stand-in
mod manage_api; // the management API against moto and docs/manage-api.yaml
mod manage_page; // the management page in headless Chromium
mod mfa; // MFA codes not typed: mfa_process, TOTP, rejected codes
mod package; // the Debian package installed into a root of its own: man, TAB, a switch, the units
mod profile_index; // a cache hit opens no profile file once indexed
mod profile_kinds; // credential_process, credential_source, web identity, role settings (issue 22)
mod prompt_expiry; // the expiry mark and AWS_AS_AUTO_RENEW in interactive shells
mod refresh; // the daemon that keeps credentials-file sections fresh
mod secrets; // secrets never in stderr, other files or a command line
mod server; // `aws-as serve` with boto3, the AWS CLIs and the Go SDK
mod server_exec; // `exec --server`: the command's environment, renewals, signals
mod server_security; // attacks on the server, each refused with no credential
mod shared_machine; // another user of the machine against what aws-as holds (issue 18)
mod shell_env; // one-line activations, what a switch replaces given back, in every shell
mod shells; // the activation scripts in real shells under strict options
mod sso_outputs; // IAM Identity Center identities through every output, the server with nobody to sign in
mod sso_populate; // aws-as sso populate against the Identity Center stand-in: 300 accounts, reruns, hostile names
mod sso_signin; // aws-as sso login/logout: PKCE through a fake browser, the device code, attacks
mod sso_standin; // the IAM Identity Center stand-in against boto3 and the AWS CLI v2

/// A test file this list forgets would never be compiled, let alone run: with `autotests = false`
/// Cargo no longer finds tests/*.rs by itself.
#[test]
fn every_test_file_is_a_module_here_or_a_target_of_its_own() {
    let root = common::repo_root();
    let this = std::fs::read_to_string(root.join("tests/it.rs")).unwrap();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root.join("tests")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(module) = name.strip_suffix(".rs") else {
            continue;
        };
        let declared = this
            .lines()
            .any(|l| l.starts_with(&format!("mod {module};")));
        let target = manifest.contains(&format!("path = \"tests/{name}\""));
        if module != "it" && !declared && !target {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "tests/{missing:?} belong to no test binary: add `mod NAME;` to tests/it.rs"
    );
}
