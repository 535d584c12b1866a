//! How the lean `aws-as` binary is linked, held in place: it never links the SDK (or any HTTP,
//! TLS or async code) again, and it stays a static executable (build.rs), which is what makes a
//! cache hit as fast as `/bin/true` (docs/PERFORMANCE.md). `aws-as-sts` stays dynamic: it
//! resolves host names through the system's libc.
//!
//! Read with binutils' `nm` and `readelf`, which every machine that links Rust has.

mod common;

use std::path::Path;
use std::process::Command;

fn tool(program: &str, args: &[&str], binary: &Path) -> String {
    let out = Command::new(program)
        .args(args)
        .arg(binary)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (binutils): {e}"));
    assert!(out.status.success(), "{program} {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn lean() -> std::path::PathBuf {
    common::aws_as_bin()
}

fn full() -> std::path::PathBuf {
    lean().with_file_name("aws-as-sts")
}

/// Defined symbols whose names hold one of `crates` (mangled names carry the crate name).
fn symbols_from(binary: &Path, crates: &[&str]) -> Vec<String> {
    tool("nm", &["--defined-only"], binary)
        .lines()
        .filter(|l| crates.iter().any(|c| l.contains(c)))
        .map(str::to_string)
        .collect()
}

/// Crates of the SDK and its network stack. Not aws-lc: a few of its C objects (CPU feature
/// detection, referenced from its own archive) come into every binary of the crate, and none of
/// them runs on a cache hit (a profile of one shows none).
const HEAVY: [&str; 6] = [
    "aws_sdk_sts",
    "aws_smithy_runtime",
    "aws_smithy_http_client",
    "hyper",
    "axum",
    "rustls",
];

#[test]
fn the_lean_binary_links_no_sdk_and_no_network_code() {
    let found = symbols_from(&lean(), &HEAVY);
    assert!(
        found.is_empty(),
        "aws-as links {} symbols of the SDK or its network stack, e.g. {:?}: something on the \
         cache-hit path names code that only aws-as-sts may hold",
        found.len(),
        &found[..found.len().min(5)]
    );
    // The check can fail: the full binary does hold them.
    assert!(!symbols_from(&full(), &["aws_sdk_sts"]).is_empty());
}

#[test]
fn the_lean_binary_is_static_and_the_full_one_is_not() {
    let headers = tool("readelf", &["--program-headers", "--wide"], &lean());
    assert!(
        !headers.contains("INTERP") && !headers.contains("DYNAMIC"),
        "aws-as is dynamically linked again (build.rs links it static): {headers}"
    );
    let dynamic = tool("readelf", &["--dynamic"], &lean());
    assert!(!dynamic.contains("NEEDED"), "{dynamic}");
    let full = tool("readelf", &["--program-headers", "--wide"], &full());
    assert!(
        full.contains("INTERP"),
        "aws-as-sts must stay dynamic (NSS, TLS): {full}"
    );
}

#[test]
fn the_static_binary_runs() {
    let out = Command::new(lean()).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("aws-as "));
}
