//! Faults aws-as must survive without losing anything: a process killed while it holds a lock, a
//! cache directory it cannot write, and sessions STS calls expired while the cache holds them
//! as valid. Each test asserts what the user sees and what the cache keeps.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The cache directory's files: (name, bytes), sorted.
fn cache_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().path())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

fn json_entries(dir: &Path) -> Vec<serde_json::Value> {
    cache_files(dir)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".json"))
        .map(|(name, bytes)| {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("cache entry {name} is torn or corrupt: {e}"))
        })
        .collect()
}

fn assert_no_temp_files(dir: &Path) {
    for (name, _) in cache_files(dir) {
        assert!(!name.ends_with(".tmp"), "leftover partial file {name}");
    }
}

#[test]
fn a_switch_killed_while_it_holds_the_lock_costs_nothing() {
    // Each STS answer takes 3 s, so the kill lands while the lock is held across the call.
    let sts = Sts::moto_with_delay(3.0);
    let home = Home::standard(&sts);
    let cache = home.cache_dir();

    // Killed during GetSessionToken: nothing written, not even half a file.
    let mut cmd = home.command(aws_as_bin());
    cmd.args(["--mfa-code", "123456", ROLE1_PROFILE])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    wait_for("GetSessionToken", Duration::from_secs(30), || {
        sts.count("GetSessionToken") == 1
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        json_entries(&cache).is_empty(),
        "no entry from a killed call"
    );
    assert_no_temp_files(&cache);

    // Killed during AssumeRole, after the MFA session was cached: that session survives.
    let mut child = cmd.spawn().unwrap();
    wait_for("AssumeRole", Duration::from_secs(30), || {
        sts.count("AssumeRole") == 1
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let entries = json_entries(&cache);
    assert_eq!(entries.len(), 1, "only the MFA session was cached");
    assert_eq!(entries[0]["identity"], USER_PROFILE);
    assert_no_temp_files(&cache);
    let user_entry = cache_files(&cache);

    // The next switch is not held up by the dead process' lock (the kernel dropped it) and needs
    // no new MFA code: one AssumeRole, 3 s, well inside the limit.
    sts.reset();
    let mut cmd = home.command(aws_as_bin());
    cmd.arg(ROLE1_PROFILE);
    let started = Instant::now();
    let out = run_with_timeout(&mut cmd, Duration::from_secs(20));
    ok(&out);
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(
        (sts.count("GetSessionToken"), sts.count("AssumeRole")),
        (0, 1)
    );
    let after = cache_files(&cache);
    for file in &user_entry {
        if file.0.ends_with(".json") {
            assert!(after.contains(file), "the MFA session entry is unchanged");
        }
    }
    assert_eq!(json_entries(&cache).len(), 2);
    assert_no_temp_files(&cache);
}

/// Runs `aws-as ARGS` as a user who cannot write `dir`: root ignores directory modes, so when the
/// tests run as root (CI does) the command runs as `nobody` with the directory owned by nobody.
fn unwritable_cache_command(home: &Home, dir: &Path, args: &[&str]) -> Command {
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if root {
        let mut cmd = home.command("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(aws_as_bin());
        cmd
    } else {
        home.command(aws_as_bin())
    };
    cmd.args(args);
    if root {
        // Everything aws-as reads becomes nobody's: the home, the directories down to the cache
        // (created 0700), the cache and its entries (0600).
        let mut paths: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|p| p.starts_with(home.path()))
            .map(Path::to_path_buf)
            .collect();
        paths.extend(std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()));
        paths.push(home.config_path());
        paths.push(home.credentials_path());
        paths.push(home.path().join(".aws"));
        for p in paths {
            std::os::unix::fs::lchown(&p, Some(65534), Some(65534)).unwrap();
        }
    }
    cmd
}

#[test]
fn a_read_only_cache_directory_still_switches_with_a_warning() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let cache = home.cache_dir();
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o500)).unwrap();

    let mut cmd = unwritable_cache_command(&home, &cache, &["--mfa-code", "123456", ROLE2_PROFILE]);
    let out = run(&mut cmd);
    ok(&out);
    let err = stderr_str(&out);
    assert_eq!(err.lines().count(), 1, "one warning: {err}");
    assert!(
        err.contains("warning")
            && err.contains("without caching")
            && err.contains(&cache.display().to_string()),
        "{err}"
    );
    let stdout = stdout_str(&out);
    assert!(
        stdout.contains("AWS_AS_IDENTITY=my-role2-dev")
            || stdout.contains("AWS_AS_IDENTITY='my-role2-dev'"),
        "the switch happened"
    );
    assert!(stdout.contains("AWS_SESSION_TOKEN="));
    assert_eq!(
        (sts.count("GetSessionToken"), sts.count("AssumeRole")),
        (1, 2),
        "the whole chain went to STS once, without a cache"
    );
    assert!(cache_files(&cache).is_empty(), "nothing could be written");
}

#[test]
fn a_read_only_cache_still_serves_its_entries_and_keeps_them() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let cache = home.cache_dir();
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    let before = cache_files(&cache);
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o500)).unwrap();
    sts.reset();

    // A hit needs no write: no warning at all.
    let mut cmd = unwritable_cache_command(&home, &cache, &[ROLE1_PROFILE]);
    let out = run(&mut cmd);
    ok(&out);
    assert_eq!(stderr_str(&out), "");
    assert_eq!(sts.calls().len(), 0);

    // A miss above a cached session uses it (no MFA) and warns it cannot keep the result.
    let mut cmd = unwritable_cache_command(&home, &cache, &[ROLE2_PROFILE]);
    let out = run(&mut cmd);
    ok(&out);
    assert!(stderr_str(&out).contains("without caching"));
    assert_eq!(
        (sts.count("GetSessionToken"), sts.count("AssumeRole")),
        (0, 1)
    );
    assert_eq!(
        cache_files(&cache),
        before,
        "the cache is exactly as it was"
    );
}

#[test]
fn sessions_sts_calls_expired_are_renewed_not_served_again() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let cache = home.cache_dir();
    ok(&aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]));
    let cached_before = json_entries(&cache);
    // From now on STS answers ExpiredToken for both cached sessions, which the cache still holds
    // as good for hours (a skewed clock, a session revoked early).
    sts.expire_sessions();
    sts.reset();

    // Without an MFA code the renewal cannot finish: a clear error, and nothing is lost.
    let mut cmd = home.command("setsid");
    cmd.arg("-w").arg(aws_as_bin()).arg(ROLE2_PROFILE);
    let out = run(&mut cmd);
    assert!(!out.status.success());
    assert_eq!(stdout_str(&out), "");
    let err = stderr_str(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("MFA code") && err.contains("--mfa-code"),
        "{err}"
    );
    assert_eq!(json_entries(&cache), cached_before);

    // With a code: role2's AssumeRole is refused, so role1 is renewed, whose AssumeRole is refused,
    // so the MFA session is renewed; then both roles are assumed with the new sessions.
    sts.reset();
    let out = aws_as(&home, &["--mfa-code", "123456", ROLE2_PROFILE]);
    ok(&out);
    assert_eq!(stderr_str(&out), "");
    let calls: Vec<_> = sts
        .calls()
        .iter()
        .map(|c| (c.action.clone(), c.role_arn.clone().unwrap_or_default()))
        .collect();
    let call = |a: &str, r: &str| (a.to_string(), r.to_string());
    assert_eq!(
        calls,
        vec![
            call("AssumeRole", ROLE2_ARN),
            call("AssumeRole", ROLE1_ARN),
            call("GetSessionToken", ""),
            call("AssumeRole", ROLE1_ARN),
            call("AssumeRole", ROLE2_ARN),
        ]
    );
    let entries = json_entries(&cache);
    assert_eq!(entries.len(), 3);
    // (moto issues the same token with every GetSessionToken: the user's renewal shows in the
    // calls above, the roles' in their new tokens.)
    for before in cached_before.iter().filter(|e| e["kind"] == "role") {
        let now = entries
            .iter()
            .find(|e| e["identity"] == before["identity"])
            .unwrap();
        assert_ne!(
            now["session_token"], before["session_token"],
            "{} was renewed",
            before["identity"]
        );
    }

    // And the renewed sessions are what the cache serves from now on.
    sts.reset();
    ok(&aws_as(&home, &[ROLE2_PROFILE]));
    ok(&aws_as(&home, &[ROLE1_PROFILE]));
    assert_eq!(sts.calls().len(), 0);
}
