//! Where things are: the repository, Cargo's target directory, the built binaries.

use std::path::PathBuf;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target directory (CARGO_TARGET_DIR if set, else `<repo>/target`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                repo_root().join(dir)
            }
        }
        _ => repo_root().join("target"),
    }
}

pub fn aws_as_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_aws-as"))
}

pub fn aws_as_activate_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_aws-as-activate"))
}
