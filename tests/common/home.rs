//! A throwaway HOME with its own AWS config files and cache, and commands that run in it with a
//! scrubbed environment (never the caller's AWS_* variables).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{STANDARD_CONFIG, STANDARD_CREDENTIALS, Sts, aws_as_bin};

/// A temporary home directory with `.aws/config`, `.aws/credentials` and an STS endpoint.
/// Methods take `&self`, so both `home.with_sts(&sts);` and chaining work.
pub struct Home {
    dir: PathBuf,
    endpoint: Mutex<Option<String>>,
}

impl Home {
    pub fn new() -> Home {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir();
        loop {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let dir = base.join(format!(
                "aws-as-test-{}-{}-{nanos:08x}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    std::fs::create_dir(dir.join(".aws")).expect("create .aws");
                    return Home {
                        dir,
                        endpoint: Mutex::new(None),
                    };
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!("create {}: {e}", dir.display()),
            }
        }
    }

    /// The standard fixture (see [`STANDARD_CONFIG`], [`STANDARD_CREDENTIALS`]) talking to `sts`.
    pub fn standard(sts: &Sts) -> Home {
        let home = Home::new();
        home.config(STANDARD_CONFIG)
            .credentials(STANDARD_CREDENTIALS)
            .with_sts(sts);
        home
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join(".aws/config")
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.dir.join(".aws/credentials")
    }

    /// Writes `.aws/config`.
    pub fn config(&self, text: &str) -> &Self {
        std::fs::write(self.config_path(), text).expect("write .aws/config");
        self
    }

    /// Writes `.aws/credentials`.
    pub fn credentials(&self, text: &str) -> &Self {
        std::fs::write(self.credentials_path(), text).expect("write .aws/credentials");
        self
    }

    /// `<home>/cache/aws-as` (AWS_AS_CACHE_DIR). Not created here: aws-as must create it.
    pub fn cache_dir(&self) -> PathBuf {
        self.dir.join("cache/aws-as")
    }

    /// How many session entries the cache holds (its `.json` files: not its locks or the
    /// profile index).
    pub fn cached_sessions(&self) -> usize {
        std::fs::read_dir(self.cache_dir())
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Commands will get AWS_ENDPOINT_URL_STS = `sts.endpoint()`.
    pub fn with_sts(&self, sts: &Sts) -> &Self {
        self.with_endpoint(&sts.endpoint())
    }

    /// Commands will get AWS_ENDPOINT_URL_STS = `url`.
    pub fn with_endpoint(&self, url: &str) -> &Self {
        *self.endpoint.lock().unwrap() = Some(url.to_string());
        self
    }

    pub fn endpoint(&self) -> Option<String> {
        self.endpoint.lock().unwrap().clone()
    }

    /// The environment [`Home::command`] sets (besides PATH).
    pub fn env(&self) -> HashMap<String, String> {
        let mut env = HashMap::new();
        let s = |p: PathBuf| p.to_string_lossy().into_owned();
        env.insert("HOME".into(), s(self.dir.clone()));
        env.insert("AWS_CONFIG_FILE".into(), s(self.config_path()));
        env.insert(
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            s(self.credentials_path()),
        );
        env.insert("AWS_AS_CACHE_DIR".into(), s(self.cache_dir()));
        env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
        env.insert("TERM".into(), "dumb".into());
        env.insert("LANG".into(), "C.UTF-8".into());
        if let Some(url) = self.endpoint() {
            env.insert("AWS_ENDPOINT_URL_STS".into(), url);
        }
        env
    }

    /// `program` with a scrubbed environment: only PATH (with the aws-as binaries' directory
    /// first) and [`Home::env`]; current directory = home. Add more with `.env(..)`.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear();
        cmd.env("PATH", test_path());
        cmd.envs(self.env());
        cmd.current_dir(&self.dir);
        cmd
    }
}

impl Default for Home {
    fn default() -> Self {
        Home::new()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        if std::env::var_os("AWS_AS_KEEP_TEST_DIRS").is_some() {
            eprintln!("AWS_AS_KEEP_TEST_DIRS: keeping {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// PATH for test commands: the directory holding aws-as / aws-as-activate, then the caller's PATH.
pub fn test_path() -> std::ffi::OsString {
    let bin_dir = aws_as_bin()
        .parent()
        .expect("binary has a parent dir")
        .to_path_buf();
    let mut dirs = vec![bin_dir];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("join PATH")
}
