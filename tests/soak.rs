//! Soak: 50 terminals switching among five identities for a minute while sessions keep expiring
//! under them (entries are deleted at random, as expiry would make them misses). No switch may
//! fail or warn, no entry may be torn, and STS sees no call the locking should have saved.
//! `AWS_AS_SOAK_SECONDS` shortens or lengthens the run (default 60).

// It uses a few of the harness's helpers; tests/it.rs, which uses them all, keeps the lints that
// find one nobody uses.
#[allow(dead_code, unused_imports)]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

const WORKERS: usize = 50;

/// Two more roles above the standard fixture's three.
const MORE_ROLES: &str = "\
[profile my-role3-dev]
role_arn = arn:aws:iam::111111111111:role/my-role3
source_profile = my-user1-dev
[profile my-role4-dev]
role_arn = arn:aws:iam::333333333333:role/my-role4
source_profile = my-role1-dev
";

const IDENTITIES: [(&str, &str); 5] = [
    ("my-user1-dev", ""),
    ("my-role1-dev", "arn:aws:iam::111111111111:role/my-role1"),
    ("my-role2-dev", "arn:aws:iam::222222222222:role/my-role2"),
    ("my-role3-dev", "arn:aws:iam::111111111111:role/my-role3"),
    ("my-role4-dev", "arn:aws:iam::333333333333:role/my-role4"),
];

/// What one switch printed (POSIX dialect): variable → value.
fn exports(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("export ")?.strip_suffix(';'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect()
}

/// Deletes one cache entry, returning the identity it held. Every entry read must be whole.
fn expire_one(dir: &Path, pick: usize) -> Option<String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    entries.sort();
    let path = entries.get(pick % entries.len().max(1))?;
    let bytes = std::fs::read(path).ok()?;
    let entry: serde_json::Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("torn cache entry {}: {e}", path.display()));
    std::fs::remove_file(path).ok()?;
    Some(entry["identity"].as_str().unwrap().to_string())
}

#[test]
fn fifty_terminals_for_a_minute_lose_nothing() {
    let seconds: u64 = std::env::var("AWS_AS_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let sts = Sts::moto();
    let home = Home::new();
    home.config(&format!("{STANDARD_CONFIG}{MORE_ROLES}"))
        .credentials(STANDARD_CREDENTIALS)
        .with_sts(&sts);
    let home = Arc::new(home);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let failed = Arc::new(AtomicBool::new(false));
    // identity → the access key ids switches to it printed.
    let seen: Arc<Mutex<BTreeMap<String, BTreeSet<String>>>> = Arc::default();
    let switches = Arc::new(Mutex::new(0usize));

    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (home, failed, seen, switches) =
                (home.clone(), failed.clone(), seen.clone(), switches.clone());
            std::thread::spawn(move || {
                let mut i = w;
                while Instant::now() < deadline && !failed.load(Ordering::Relaxed) {
                    i = i.wrapping_mul(7).wrapping_add(3);
                    let (name, _) = IDENTITIES[i % IDENTITIES.len()];
                    let mut cmd = home.command(aws_as_bin());
                    cmd.args(["--mfa-code", "123456", name]);
                    let out = run(&mut cmd);
                    let err = stderr_str(&out);
                    let vars = exports(&stdout_str(&out));
                    let whole = [
                        "AWS_ACCESS_KEY_ID",
                        "AWS_SECRET_ACCESS_KEY",
                        "AWS_SESSION_TOKEN",
                        "AWS_CREDENTIAL_EXPIRATION",
                    ]
                    .iter()
                    .all(|k| vars.get(*k).is_some_and(|v| !v.is_empty()));
                    if !out.status.success()
                        || !err.is_empty()
                        || !whole
                        || vars.get("AWS_AS_IDENTITY").map(String::as_str) != Some(name)
                    {
                        failed.store(true, Ordering::Relaxed);
                        panic!("worker {w}: switch to {name} failed: {err}");
                    }
                    seen.lock()
                        .unwrap()
                        .entry(name.to_string())
                        .or_default()
                        .insert(vars["AWS_ACCESS_KEY_ID"].clone());
                    *switches.lock().unwrap() += 1;
                }
            })
        })
        .collect();

    // Expiry under the workers' feet: an entry disappears every 100 ms.
    let mut expired: BTreeMap<String, usize> = BTreeMap::new();
    let mut pick = 0usize;
    while Instant::now() < deadline && !failed.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        pick = pick.wrapping_mul(31).wrapping_add(17);
        if let Some(name) = expire_one(&home.cache_dir(), pick) {
            *expired.entry(name).or_default() += 1;
        }
    }
    let mut panicked = 0;
    for w in workers {
        if w.join().is_err() {
            panicked += 1;
        }
    }
    assert_eq!(panicked, 0, "some switches failed (see above)");

    let switches = *switches.lock().unwrap();
    let seen = seen.lock().unwrap();
    eprintln!(
        "soak: {switches} switches in {seconds} s by {WORKERS} workers; entries expired: {expired:?}"
    );
    assert!(switches >= WORKERS * 2, "the soak did run ({switches})");
    for (name, arn) in IDENTITIES {
        let deletions = expired.get(name).copied().unwrap_or(0);
        let calls = if arn.is_empty() {
            sts.count("GetSessionToken")
        } else {
            sts.calls_of("AssumeRole")
                .iter()
                .filter(|c| c.role_arn.as_deref() == Some(arn))
                .count()
        };
        // Each call follows a miss: the first switch, or an entry deleted since. Two processes
        // that miss together make one call between them, or the lock is not doing its job.
        assert!(
            calls >= 1 && calls <= deletions + 1,
            "{name}: {calls} STS calls for {deletions} expiries"
        );
        // Every credential handed out came from one of those calls (moto's role keys are
        // unique per AssumeRole; a source session may be used without being handed out).
        if !arn.is_empty() {
            assert!(seen.get(name).map_or(0, BTreeSet::len) <= calls, "{name}");
        }
    }
    // What is left is whole, and no half-written file remains.
    for entry in std::fs::read_dir(home.cache_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "leftover partial file {name}");
        if name.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("torn entry {name}: {e}"));
        }
    }
}
