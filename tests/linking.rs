//! How the lean `aws-as` binary is linked, held in place: it never links the SDK (or any HTTP,
//! TLS or async code) again, and it stays a static executable (build.rs), which is what makes a
//! cache hit as fast as `/bin/true` (docs/PERFORMANCE.md). `aws-as-sts` stays dynamic: it
//! resolves host names through the system's libc.
//!
//! Read with binutils' `nm` and `readelf`, which every machine that links Rust has.

use crate::common;

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
const HEAVY: [&str; 7] = [
    "aws_sdk_sts",
    "aws_sdk_iam",
    "aws_smithy_runtime",
    "aws_smithy_http_client",
    "hyper",
    "axum",
    "rustls",
];

/// The OS keyring: its common API, the Secret Service store and the D-Bus client under it. A hit,
/// `list` and completion know where keys are without it (the config file's `aws_as_keyring`).
const KEYRING: [&str; 4] = [
    "keyring_core",
    "zbus_secret_service_keyring_store",
    "secret_service",
    "zbus",
];

#[test]
fn the_lean_binary_links_no_keyring() {
    let found = symbols_from(&lean(), &KEYRING);
    assert!(
        found.is_empty(),
        "aws-as links {} symbols of the OS keyring or D-Bus, e.g. {:?}: only aws-as-sts may open the \
         keyring, when STS needs a user's long-term keys",
        found.len(),
        &found[..found.len().min(5)]
    );
    // The check can fail: the full binary does hold them.
    assert!(!symbols_from(&full(), &["keyring_core"]).is_empty());
    assert!(!symbols_from(&full(), &["zbus"]).is_empty());
}

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

/// `*` matches any run of characters: the one wildcard build/hot-text.ld's patterns use (mangled
/// names hold none of `?`, `[` or `]`).
fn glob(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

#[test]
fn glob_matches_as_the_linker_does() {
    assert!(glob(
        "_ZN6aws_as3cli4main17h*",
        "_ZN6aws_as3cli4main17h0123E"
    ));
    assert!(glob("_RNvCs*_3std*x", "_RNvCsAb1_3stdyyx"));
    assert!(!glob("_RNvCs*_3std*x", "_RNvCsAb1_3stdyyxz"));
    assert!(!glob(
        "_ZN6aws_as3cli4main17h*",
        "_ZN6aws_as3cli5main217h0E"
    ));
    assert!(glob(
        "_ZN6aws_as*5Cache4read17h*",
        "_ZN6aws_as7session5cache5Cache4read17h0123E"
    ));
    assert!(glob("exact", "exact") && !glob("exact", "exactly"));
}

/// What to do when build/hot-text.ld no longer fits the code.
const REGENERATE: &str = "run `bash bench/hot-text` to write build/hot-text.ld again (it profiles \
     two cache hits of a release build under valgrind's callgrind, installing valgrind with apt \
     when it is missing, and the local STS from scripts/install-deps.sh), then commit it";

/// Address and size of an ELF section, from `readelf --section-headers --wide`.
fn section(headers: &str, name: &str) -> Option<(u64, u64)> {
    headers.lines().find_map(|l| {
        let fields: Vec<&str> = l.split_whitespace().collect();
        let at = fields.iter().position(|f| *f == name)?;
        let address = u64::from_str_radix(fields.get(at + 2)?, 16).ok()?;
        let size = u64::from_str_radix(fields.get(at + 4)?, 16).ok()?;
        Some((address, size))
    })
}

/// The functions a cache hit runs lie together, before the rest of the code (build.rs links
/// aws-as with build/hot-text.ld): 47 page faults a hit became 35 (docs/PERFORMANCE.md). What
/// that buys is measured by `bash bench/run`; what is held here names no module of the crate, so
/// moving or renaming code does not break it: the section is there, holds the process's start
/// (glibc's) and the crate's own code, stays a small part of the code, and most of the script's
/// patterns still name functions of the binary.
#[test]
fn a_hits_code_lies_together() {
    let headers = tool("readelf", &["--section-headers", "--wide"], &lean());
    let (start, size) = section(&headers, ".text.hot").unwrap_or_else(|| {
        panic!(
            "aws-as has no .text.hot section: build.rs no longer hands the linker \
             build/hot-text.ld\n{headers}"
        )
    });
    let (_, text) = section(&headers, ".text").expect("aws-as has a .text section");
    let symbols: Vec<(u64, String)> = tool("nm", &["--defined-only"], &lean())
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let address = u64::from_str_radix(f.next()?, 16).ok()?;
            Some((address, f.nth(1)?.to_string()))
        })
        .collect();
    let inside = |needle: &str| {
        symbols
            .iter()
            .filter(|(address, name)| {
                name.contains(needle) && (start..start + size).contains(address)
            })
            .count()
    };
    assert!(
        inside("__libc_start_main") > 0,
        "glibc's start-up code is not in .text.hot: {REGENERATE}"
    );
    // Legacy mangling starts every function of the crate with its name.
    let own = inside("_ZN6aws_as");
    assert!(
        own >= 10,
        "{own} functions of aws-as itself are in .text.hot: {REGENERATE}"
    );
    // The check can fail: most of the code is code no hit runs, and it stays out.
    assert!(
        size * 4 < text,
        ".text.hot holds {size} bytes against .text's {text}: no longer only a hit's code"
    );

    let script = std::fs::read_to_string(common::repo_root().join("build/hot-text.ld")).unwrap();
    let patterns: Vec<&str> = script
        .lines()
        .filter_map(|l| l.trim().strip_prefix("*(.text.")?.split(' ').next())
        .collect();
    let stale: Vec<&&str> = patterns
        .iter()
        .filter(|p| !symbols.iter().any(|(_, name)| glob(p, name)))
        .collect();
    assert!(patterns.len() > 50, "{} patterns", patterns.len());
    assert!(
        stale.len() * 5 <= patterns.len(),
        "{} of build/hot-text.ld's {} Rust patterns match no function of aws-as, e.g. {:?}: \
         {REGENERATE}",
        stale.len(),
        patterns.len(),
        &stale[..stale.len().min(3)]
    );
}

/// build.rs compiled alone and run as cargo runs it, for a Linux glibc target, with `CC` named:
/// what it prints.
fn build_script_output(cc: &str, dir: &Path) -> String {
    let root = common::repo_root();
    let script = dir.join("build-script");
    let out = Command::new("rustc")
        .args(["--edition", "2024", "-o"])
        .arg(&script)
        .arg(root.join("build.rs"))
        .env("CARGO_MANIFEST_DIR", &root)
        .output()
        .expect("rustc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = Command::new(&script)
        .env("CARGO_CFG_TARGET_OS", "linux")
        .env("CARGO_CFG_TARGET_ENV", "gnu")
        .env("CC", cc)
        .env("OUT_DIR", &out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Where the static archives are missing (`cc -print-file-name=libc.a` answers the bare name, as
/// gcc does for a file it cannot find), the build links aws-as dynamically and says so in one
/// warning: it never fails. With the real compiler here, the static link is asked for.
#[test]
fn without_a_static_libc_the_build_falls_back_with_one_warning() {
    use std::os::unix::fs::PermissionsExt;
    let home = common::Home::new();
    let cc = home.path().join("cc-without-static");
    std::fs::write(
        &cc,
        "#!/bin/sh\ncase \"$1\" in -print-file-name=*) echo \"${1#-print-file-name=}\" ;; *) exec cc \"$@\" ;; esac\n",
    )
    .unwrap();
    std::fs::set_permissions(&cc, std::fs::Permissions::from_mode(0o755)).unwrap();
    let printed = build_script_output(cc.to_str().unwrap(), home.path());
    let warnings: Vec<&str> = printed
        .lines()
        .filter(|l| l.starts_with("cargo:warning="))
        .collect();
    assert_eq!(
        warnings,
        ["cargo:warning=no static libc here: aws-as is linked dynamically (slower start)"],
        "{printed}"
    );
    assert!(!printed.contains("rustc-link-arg"), "{printed}");

    let printed = build_script_output("cc", home.path());
    assert!(!printed.contains("cargo:warning"), "{printed}");
    for bin in ["aws-as", "aws-as-activate"] {
        assert!(
            printed.contains(&format!("cargo:rustc-link-arg-bin={bin}=-static")),
            "{printed}"
        );
    }
    assert!(!printed.contains("bin=aws-as-sts"), "{printed}");
}
