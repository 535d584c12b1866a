//! Links the lean binaries statically: `aws-as` and `aws-as-activate`, never `aws-as-sts`.
//!
//! Why: a cache hit is a whole process, and in a dynamically linked one the loader's work
//! (mapping libc and libgcc_s, relocating and binding their symbols) was about 45% of the
//! instructions a hit ran. `aws-as-sts` stays dynamic: it resolves host names (getaddrinfo and NSS
//! want the system's shared libc) and does TLS.
//!
//! The quirk this works around: cargo can make a build static only through
//! `-C target-feature=+crt-static`, which applies to every binary of the build, and without it
//! rustc always asks for the shared libraries (`-Wl,-Bdynamic -lgcc_s … -lm … -lc`). So for
//! those binaries alone this script writes linker scripts named `libc.so`, `libgcc_s.so` and `libm.so`
//! into a directory searched first, each pointing at the static archives, and asks for `-static
//! -no-pie`. Where the static archives are missing, or the target is not Linux with glibc,
//! nothing is changed and they stay dynamic; tests/linking.rs then fails on Linux, so the
//! regression is seen.
//!
//! Not position independent: a static-pie binary relocates itself at every start (3,700
//! relocations, 50,000 instructions, a copy-on-write fault per page it writes), which kept a hit
//! at 1.0-1.1x `/bin/true` against 0.9x without (docs/PERFORMANCE.md). What that gives up is ASLR
//! for this binary's own code and data (its heap, stack and mappings stay randomised). It reads
//! only files its user owns (the profile files, a 0600 cache in a 0700 directory) and never the
//! network, so no one who could feed it hostile input does not already hold the account;
//! `aws-as-sts`, which talks to the network, stays a PIE with full ASLR.
use std::path::{Path, PathBuf};
use std::process::Command;

/// The path `cc` would link for `name`, if it has one (it prints the bare name otherwise).
fn archive(cc: &str, name: &str) -> Option<PathBuf> {
    let out = Command::new(cc)
        .arg(format!("-print-file-name={name}"))
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    (path.is_absolute() && path.is_file()).then_some(path)
}

/// The binaries that never touch the network: `aws-as` (every cache hit) and `aws-as-activate`
/// (every shell start).
const STATIC: [&str; 2] = ["aws-as", "aws-as-activate"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if target_os != "linux" || target_env != "gnu" {
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let (Some(libc), Some(gcc_eh), Some(gcc), Some(libm)) = (
        archive(&cc, "libc.a"),
        archive(&cc, "libgcc_eh.a"),
        archive(&cc, "libgcc.a"),
        archive(&cc, "libm.a"),
    ) else {
        println!("cargo:warning=no static libc here: aws-as is linked dynamically (slower start)");
        return;
    };
    let dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("static");
    std::fs::create_dir_all(&dir).expect("OUT_DIR is writable");
    let script = |name: &str, inputs: &[&Path]| {
        let list: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        std::fs::write(dir.join(name), format!("GROUP ( {} )\n", list.join(" ")))
            .expect("OUT_DIR is writable");
    };
    script("libc.so", &[&libc, &gcc_eh, &gcc]);
    script("libgcc_s.so", &[&gcc_eh, &gcc]);
    script("libm.so", &[&libm]);
    // -L applies to every -l on the line, wherever it stands; this one comes before the
    // compiler's own directories.
    for bin in STATIC {
        println!("cargo:rustc-link-arg-bin={bin}=-L{}", dir.display());
        println!("cargo:rustc-link-arg-bin={bin}=-static");
        println!("cargo:rustc-link-arg-bin={bin}=-no-pie");
    }
    // The functions a cache hit runs, side by side before the rest of the code (bench/hot-text
    // writes the list): a hit then faults in a few 64 KiB windows of code instead of one for
    // every corner of .text it visits. The script only adds a section (INSERT), so the rest of
    // the linker's layout stays its default; patterns that match nothing change nothing.
    let hot = Path::new(env!("CARGO_MANIFEST_DIR")).join("build/hot-text.ld");
    println!("cargo:rerun-if-changed={}", hot.display());
    println!("cargo:rustc-link-arg-bin=aws-as=-T{}", hot.display());
}
