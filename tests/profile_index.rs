//! The profile index (src/session/index.rs): a cache hit reads no profile file once the index
//! knows the name, and an edit to either file, of any size and however soon after the cache was
//! written, is never answered with the old identity's credentials.

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::*;

/// Long enough that the files count as settled (`RACY` in src/session/index.rs is 2 s).
const SETTLE: Duration = Duration::from_millis(2300);

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr_str(out));
    stdout_str(out)
}

fn switch(home: &Home, args: &[&str]) -> String {
    let mut cmd = home.command(aws_as_bin());
    cmd.args(args);
    ok(&run(&mut cmd))
}

fn var<'a>(out: &'a str, name: &str) -> &'a str {
    let prefix = format!("export {name}='");
    out.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.strip_suffix("';"))
        .unwrap_or_else(|| panic!("no {name} in the output"))
}

/// The files a switch opens, as strace saw them.
fn files_opened(home: &Home, args: &[&str]) -> Vec<String> {
    let log = home.path().join("strace.log");
    let mut cmd = home.command("strace");
    cmd.args(["-f", "-e", "trace=open,openat", "-o"])
        .arg(&log)
        .arg(aws_as_bin())
        .args(args);
    ok(&run(&mut cmd));
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("ENOENT"))
        .filter_map(|l| l.split('"').nth(1).map(str::to_string))
        .collect()
}

fn index_files(home: &Home) -> usize {
    std::fs::read_dir(home.cache_dir())
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "profile")
            })
            .count()
        })
        .unwrap_or(0)
}

/// Rewrites `path` with `from` replaced by `to` (same length), then puts its old modification
/// time back, as an editor that preserves times or a `touch -r` would: only the change time,
/// which no user can set, shows the edit.
fn edit_keeping_size_and_mtime(path: &Path, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let before = std::fs::metadata(path).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from));
    std::fs::write(path, text.replace(from, to)).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(before.modified().unwrap()).unwrap();
    let after = std::fs::metadata(path).unwrap();
    assert_eq!(after.len(), before.len());
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
}

#[test]
fn a_hit_reads_no_profile_file_once_indexed() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    std::thread::sleep(SETTLE);
    switch(&home, &["--mfa-code", "123456", ROLE2_PROFILE]);
    assert_eq!(index_files(&home), 1, "the switch recorded the name");
    let opened = files_opened(&home, &[ROLE2_PROFILE]);
    let config = home.config_path().display().to_string();
    let credentials = home.credentials_path().display().to_string();
    assert!(
        !opened.iter().any(|f| *f == config || *f == credentials),
        "a hit opened a profile file: {opened:?}"
    );
    assert!(opened.iter().any(|f| f.ends_with(".profile")), "{opened:?}");
    assert_eq!(
        sts.calls().len(),
        3,
        "GetSessionToken and two AssumeRole for the first switch; the hit made no call"
    );
}

#[test]
fn files_changed_just_now_are_not_indexed() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    switch(&home, &["--mfa-code", "123456", USER_PROFILE]);
    assert_eq!(
        index_files(&home),
        0,
        "the config was written under 2 s ago"
    );
    // And the hit still answers, from a parse.
    let opened = files_opened(&home, &[USER_PROFILE]);
    assert!(opened.contains(&home.config_path().display().to_string()));
}

#[test]
fn an_edit_within_the_same_second_as_the_cache_write_is_seen() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    std::thread::sleep(SETTLE);
    let first = switch(&home, &["--mfa-code", "123456", ROLE1_PROFILE]);
    assert_eq!(index_files(&home), 1);
    let hit = switch(&home, &[ROLE1_PROFILE]);
    assert_eq!(
        var(&first, "AWS_ACCESS_KEY_ID"),
        var(&hit, "AWS_ACCESS_KEY_ID")
    );

    // At once (well within the second the cache entry and the index were written in), the role
    // is changed in place: same size, the old modification time put back.
    sts.reset();
    edit_keeping_size_and_mtime(&home.config_path(), "role/my-role1", "role/my-roleX");
    let after = switch(&home, &[ROLE1_PROFILE]);
    let calls = sts.calls_of("AssumeRole");
    assert_eq!(calls.len(), 1, "the edited role is assumed anew");
    assert_eq!(
        calls[0].role_arn.as_deref(),
        Some("arn:aws:iam::111111111111:role/my-roleX")
    );
    assert_ne!(
        var(&first, "AWS_ACCESS_KEY_ID"),
        var(&after, "AWS_ACCESS_KEY_ID"),
        "the old role's credentials were served for the edited profile"
    );
}

#[test]
fn an_edit_of_the_credentials_file_is_seen_too() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    std::thread::sleep(SETTLE);
    switch(&home, &["--mfa-code", "123456", USER_PROFILE]);
    assert_eq!(index_files(&home), 1);
    // New long-term keys (same length) are a new identity: a new MFA session is needed, and
    // without a code or a terminal the switch fails rather than serve the old keys' session.
    edit_keeping_size_and_mtime(
        &home.credentials_path(),
        USER_ACCESS_KEY_ID,
        "AKIAUSER1EXAMPLE0002",
    );
    let mut cmd = home.command("setsid");
    cmd.arg("-w").arg(aws_as_bin()).arg(USER_PROFILE);
    let out = run(&mut cmd);
    assert!(!out.status.success(), "the old session was served");
    assert!(stdout_str(&out).is_empty());
    assert!(
        stderr_str(&out).contains("MFA code"),
        "{}",
        stderr_str(&out)
    );
}

#[test]
fn ten_thousand_profiles_names_and_a_hit_after_one_changes() {
    let sts = Sts::moto();
    let home = Home::standard(&sts);
    let mut config = STANDARD_CONFIG.to_string();
    for i in 0..10_000 {
        config.push_str(&format!(
            "[profile acct{i:05}]\nrole_arn = arn:aws:iam::{:012}:role/admin\nsource_profile = my-user1-dev\n",
            100_000_000_000u64 + i
        ));
    }
    home.config(&config);
    std::thread::sleep(SETTLE);
    let mut list = home.command(aws_as_bin());
    list.args(["list", "--names"]);
    let names = ok(&run(&mut list));
    assert_eq!(names.lines().count(), 10_003);
    assert!(names.lines().any(|n| n == "acct09999"));
    // Twice: the second from the index, the same answer.
    assert_eq!(ok(&run(&mut list)), names);

    switch(&home, &["--mfa-code", "123456", "acct04242"]);
    let opened = files_opened(&home, &["acct04242"]);
    assert!(!opened.contains(&home.config_path().display().to_string()));

    sts.reset();
    edit_keeping_size_and_mtime(
        &home.config_path(),
        "arn:aws:iam::100000004242:role/admin",
        "arn:aws:iam::100000004242:role/other",
    );
    switch(&home, &["acct04242"]);
    let calls = sts.calls_of("AssumeRole");
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].role_arn.as_deref(),
        Some("arn:aws:iam::100000004242:role/other")
    );
    // The names index follows the file too: a profile added in place of another is listed.
    edit_keeping_size_and_mtime(
        &home.config_path(),
        "[profile acct00007]",
        "[profile acctXXXXX]",
    );
    let names = ok(&run(&mut list));
    assert!(names.lines().any(|n| n == "acctXXXXX"));
    assert!(!names.lines().any(|n| n == "acct00007"));
}
