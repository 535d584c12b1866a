//! `~/.aws/config` and `~/.aws/credentials` broken in every way a file can be: malformed INI,
//! binary garbage, huge, unreadable, links, a FIFO. Each must give one line on stderr naming the
//! file and the fix (or work, where the AWS CLI works), exit 1 with nothing on stdout, never panic
//! or hang, and leave the credential cache as it was.
//!
//! CI runs as root, for whom mode 000 hides nothing: unreadable files are also made as a directory,
//! a dangling link, a link loop and a path through a regular file; mode 000 only when not root.

use crate::common;

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Which of the two files a case breaks, and the variable its fix must name.
#[derive(Clone, Copy, Debug)]
enum Which {
    Config,
    Credentials,
}

impl Which {
    fn path(self, home: &Home) -> PathBuf {
        match self {
            Which::Config => home.config_path(),
            Which::Credentials => home.credentials_path(),
        }
    }
    fn var(self) -> &'static str {
        match self {
            Which::Config => "AWS_CONFIG_FILE",
            Which::Credentials => "AWS_SHARED_CREDENTIALS_FILE",
        }
    }
    fn good_text(self) -> &'static str {
        match self {
            Which::Config => STANDARD_CONFIG,
            Which::Credentials => STANDARD_CREDENTIALS,
        }
    }
}

/// The standard fixture with a primed cache: the user's MFA session and my-role1-dev's.
fn primed_home(sts: &Sts) -> Home {
    let home = Home::standard(sts);
    let out = aws_as(&home, &["--mfa-code", "123456", ROLE1_PROFILE]);
    assert!(
        out.status.success(),
        "priming: {}",
        redact(&stderr_str(&out))
    );
    home
}

fn aws_as(home: &Home, args: &[&str]) -> Output {
    let mut cmd = home.command(aws_as_bin());
    cmd.env("RUST_BACKTRACE", "1").args(args);
    run_with_timeout(&mut cmd, Duration::from_secs(60))
}

/// Every file of the cache with its bytes and modification time.
fn cache_snapshot(home: &Home) -> BTreeMap<PathBuf, (Vec<u8>, i64, i64)> {
    std::fs::read_dir(home.cache_dir())
        .map(|dir| {
            dir.map(|e| {
                let path = e.unwrap().path();
                let meta = std::fs::symlink_metadata(&path).unwrap();
                let bytes = std::fs::read(&path).unwrap();
                (path, (bytes, meta.mtime(), meta.mtime_nsec()))
            })
            .collect()
        })
        .unwrap_or_default()
}

/// A refusal as the user must see it: exit 1, empty stdout, one line on stderr that names the file
/// and the variable that moves it, no panic, no secret, and the cache as it was.
fn assert_refused(what: &str, out: &Output, file: &Path, var: &str, expect: &[&str]) {
    let err = stderr_str(out);
    // First, so that the messages below can show stderr.
    assert!(
        !err.contains(USER_SECRET_ACCESS_KEY),
        "{what}: the long-term secret reached stderr"
    );
    assert!(!err.contains("panicked"), "{what}: a panic: {err}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{what}: exit status; stderr: {err}"
    );
    assert!(out.stdout.is_empty(), "{what}: stdout must stay empty");
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
    assert!(err.starts_with("aws-as: "), "{what}: {err}");
    assert!(
        err.contains(&file.display().to_string()),
        "{what}: the message must name {}: {err}",
        file.display()
    );
    assert!(err.contains(var), "{what}: the fix must name {var}: {err}");
    for e in expect {
        assert!(err.contains(e), "{what}: {e:?} not in: {err}");
    }
}

fn assert_switched(what: &str, out: &Output, identity: &str) {
    // A switch's session secrets are not known here: never show what could hold one.
    let err = redact(&stderr_str(out));
    assert!(out.status.success(), "{what}: {err}");
    assert!(err.is_empty(), "{what}: stderr must stay empty: {err}");
    assert!(
        stdout_str(out).contains(&format!("AWS_AS_IDENTITY='{identity}'")),
        "{what}: no switch to {identity} in the output"
    );
}

/// Deterministic bytes that hold NUL, invalid UTF-8 and every other byte value (xorshift64).
fn garbage(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 56) as u8
        })
        .collect();
    assert!(bytes.contains(&0) && std::str::from_utf8(&bytes).is_err());
    bytes
}

/// The 1-based number of `text`'s last line: where a line appended to the good text lands.
fn last_line(text: &str) -> usize {
    text.lines().count()
}

#[test]
fn malformed_text_names_the_file_and_the_line() {
    let sts = Sts::moto();
    let home = primed_home(&sts);
    let before = cache_snapshot(&home);
    for which in [Which::Config, Which::Credentials] {
        let good = which.good_text();
        let path = which.path(&home);
        // (what, file text, words the message must hold)
        let cases: Vec<(&str, String, Vec<String>)> = vec![
            (
                "unterminated section header",
                format!("{good}[profile broken\nregion = eu-west-1\n"),
                vec![format!("line {}", last_line(good) + 1)],
            ),
            (
                "a property before any section",
                format!("# a comment\n\nregion = eu-west-1\n{good}"),
                vec!["line 3".to_string()],
            ),
            (
                "duplicate section",
                format!("{good}{}", good.lines().next().unwrap()),
                vec![
                    format!("on line 1 and again on line {}", last_line(good) + 1),
                    good.lines().next().unwrap().to_string(),
                ],
            ),
            (
                "`=` without a key",
                format!("{good}= value\n"),
                vec![format!("line {}", last_line(good) + 1)],
            ),
            (
                "a key without `=`",
                format!("{good}justakey\n"),
                vec![format!("line {}", last_line(good) + 1)],
            ),
            (
                "NUL and control characters (valid UTF-8)",
                format!("{good}\0\u{1}\u{7f}[\0]\n"),
                vec![format!("line {}", last_line(good) + 1)],
            ),
        ];
        for (what, text, expect) in cases {
            std::fs::write(&path, &text).unwrap();
            let expect: Vec<&str> = expect.iter().map(String::as_str).collect();
            for identity in [USER_PROFILE, ROLE1_PROFILE] {
                let out = aws_as(&home, &[identity]);
                assert_refused(
                    &format!("{which:?}: {what}"),
                    &out,
                    &path,
                    which.var(),
                    &expect,
                );
            }
            assert_eq!(
                cache_snapshot(&home),
                before,
                "{which:?}: {what}: cache changed"
            );
        }

        // Binary garbage, alone and after good text: the line where the text stops being UTF-8.
        let mut after_good = good.as_bytes().to_vec();
        after_good.extend(garbage(4096));
        for (what, bytes, line) in [
            ("random bytes", garbage(4096), 1),
            (
                "random bytes after good text",
                after_good,
                last_line(good) + 1,
            ),
        ] {
            std::fs::write(&path, bytes).unwrap();
            let out = aws_as(&home, &[ROLE1_PROFILE]);
            assert_refused(
                &format!("{which:?}: {what}"),
                &out,
                &path,
                which.var(),
                &[&format!("line {line} is not UTF-8")],
            );
            assert_eq!(
                cache_snapshot(&home),
                before,
                "{which:?}: {what}: cache changed"
            );
        }
        std::fs::write(&path, good).unwrap();
    }
    // The same files, repaired: the cache is still there to be hit.
    sts.reset();
    assert_switched("repaired", &aws_as(&home, &[ROLE1_PROFILE]), ROLE1_PROFILE);
    assert_eq!(sts.calls(), vec![], "a cache hit after the repair");
}

/// Puts something that is not a readable file where `path` should be.
fn break_file(path: &Path, how: &str) {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_dir_all(path);
    match how {
        "directory" => std::fs::create_dir(path).unwrap(),
        "dangling symlink" => symlink(path.with_extension("missing"), path).unwrap(),
        "symlink loop" => {
            let other = path.with_extension("loop");
            let _ = std::fs::remove_file(&other);
            symlink(&other, path).unwrap();
            symlink(path, &other).unwrap();
        }
        "FIFO" => {
            let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
            // SAFETY: a valid NUL-terminated path; mkfifo has no other preconditions.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
        }
        "socket" => {
            let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
            // The socket file outlives the listener.
            drop(listener);
        }
        "mode 000" => {
            std::fs::write(path, "[profile x]\n").unwrap();
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o000)).unwrap();
        }
        _ => unreachable!("{how}"),
    }
}

#[test]
fn files_that_cannot_be_read_are_refused_without_hanging() {
    let sts = Sts::moto();
    let home = primed_home(&sts);
    let before = cache_snapshot(&home);
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    for which in [Which::Config, Which::Credentials] {
        let path = which.path(&home);
        let mut cases: Vec<(&str, &str)> = vec![
            ("directory", "directory"),
            ("dangling symlink", "does not exist"),
            ("symlink loop", "loops"),
            ("FIFO", "FIFO"),
            ("socket", "socket"),
        ];
        if !root {
            cases.push(("mode 000", "Permission denied"));
        }
        for (how, expect) in cases {
            break_file(&path, how);
            let mut cmd = home.command(aws_as_bin());
            cmd.env("RUST_BACKTRACE", "1").arg(ROLE1_PROFILE);
            let started = Instant::now();
            let out = try_run_with_timeout(&mut cmd, Duration::from_secs(20))
                .unwrap_or_else(|| panic!("{which:?} as a {how}: aws-as hung (killed after 20 s)"));
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{which:?} as a {how}: took {:?}",
                started.elapsed()
            );
            assert_refused(
                &format!("{which:?} as a {how}"),
                &out,
                &path,
                which.var(),
                &[expect],
            );
            assert_eq!(
                cache_snapshot(&home),
                before,
                "{which:?} as a {how}: cache changed"
            );
            let _ = std::fs::remove_file(path.with_extension("loop"));
        }

        // A path through a regular file (ENOTDIR): unreadable for root too.
        let through = home.path().join("a-file");
        std::fs::write(&through, "").unwrap();
        let inside = through.join(".aws-file");
        let mut cmd = home.command(aws_as_bin());
        cmd.env(which.var(), &inside).arg(ROLE1_PROFILE);
        assert_refused(
            &format!("{which:?} under a regular file"),
            &run(&mut cmd),
            &inside,
            which.var(),
            &["Not a directory"],
        );

        // An endless device is refused, not read.
        let mut cmd = home.command(aws_as_bin());
        cmd.env(which.var(), "/dev/zero").arg(ROLE1_PROFILE);
        let out = try_run_with_timeout(&mut cmd, Duration::from_secs(20))
            .unwrap_or_else(|| panic!("{which:?} = /dev/zero: aws-as read without end"));
        assert_refused(
            &format!("{which:?} = /dev/zero"),
            &out,
            Path::new("/dev/zero"),
            which.var(),
            &["device"],
        );

        let _ = std::fs::remove_dir_all(&path);
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, which.good_text()).unwrap();
    }
    assert_eq!(cache_snapshot(&home), before);
}

#[test]
fn links_and_special_paths_that_the_aws_cli_accepts_work() {
    let sts = Sts::moto();
    let home = primed_home(&sts);
    sts.reset();
    let real = home.path().join("dotfiles");
    std::fs::create_dir(&real).unwrap();
    for which in [Which::Config, Which::Credentials] {
        let path = which.path(&home);
        let name = path.file_name().unwrap();
        // A dotfiles checkout linked in, relatively and absolutely, and through a chain of links.
        std::fs::rename(&path, real.join(name)).unwrap();
        symlink(Path::new("../dotfiles").join(name), &path).unwrap();
        assert_switched(
            &format!("{which:?}: relative link"),
            &aws_as(&home, &[ROLE1_PROFILE]),
            ROLE1_PROFILE,
        );
        std::fs::remove_file(&path).unwrap();
        let hop = home.path().join("hop");
        symlink(real.join(name), &hop).unwrap();
        symlink(&hop, &path).unwrap();
        assert_switched(
            &format!("{which:?}: chain of links"),
            &aws_as(&home, &[ROLE1_PROFILE]),
            ROLE1_PROFILE,
        );
        std::fs::remove_file(&path).unwrap();
        std::fs::remove_file(&hop).unwrap();
        std::fs::rename(real.join(name), &path).unwrap();

        // `~/` in the variable is the home directory, as for the AWS CLI.
        let mut cmd = home.command(aws_as_bin());
        cmd.env(
            which.var(),
            Path::new("~").join(path.strip_prefix(home.path()).unwrap()),
        )
        .arg(ROLE1_PROFILE);
        assert_switched(
            &format!("{which:?}: ~/ path"),
            &run(&mut cmd),
            ROLE1_PROFILE,
        );

        // Without the variable: ~/.aws/<file>, which is where the fixture lives.
        let mut cmd = home.command(aws_as_bin());
        cmd.env_remove(which.var()).arg(ROLE1_PROFILE);
        assert_switched(
            &format!("{which:?}: default path"),
            &run(&mut cmd),
            ROLE1_PROFILE,
        );
    }
    assert_eq!(sts.calls(), vec![], "every switch above was a cache hit");

    // No config at all (/dev/null, or a file that does not exist): the credentials alone make a
    // user without MFA, as for the AWS CLI. That is a new session (one GetSessionToken without
    // an MFA device), which the second switch then finds in the cache.
    for config in [
        PathBuf::from("/dev/null"),
        home.path().join("no-such-config"),
    ] {
        let mut cmd = home.command(aws_as_bin());
        cmd.env("AWS_CONFIG_FILE", &config).arg(USER_PROFILE);
        assert_switched(
            &format!("config {}", config.display()),
            &run(&mut cmd),
            USER_PROFILE,
        );
    }
    let calls = sts.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].action, "GetSessionToken");
    assert_eq!(calls[0].access_key_id.as_deref(), Some(USER_ACCESS_KEY_ID));
    assert_eq!(calls[0].serial_number, None);
    // A credentials file that is /dev/null leaves the user without keys: a clear error.
    let mut cmd = home.command(aws_as_bin());
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .arg(USER_PROFILE);
    let out = run(&mut cmd);
    assert!(!out.status.success() && out.stdout.is_empty());
    assert!(
        stderr_str(&out).contains("neither a user"),
        "{}",
        stderr_str(&out)
    );
}

/// Runs `cmd` to completion (killed after `limit`) and returns its output, wall time and peak
/// resident memory in KiB, from the kernel's accounting of that one child (wait4).
/// Runs the command under a small Python parent that forks and execs it and reports the child's
/// peak RSS. The quirk this works around: a process's peak RSS counts the memory of what it was
/// before its exec, and std spawns with vfork from the test binary, whose hundreds of MiB of
/// other tests' pages would be this command's "peak" (a forked Python is about 10 MiB).
const MEASURED: &str = r#"
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{usage.ru_maxrss}\n")
code = os.waitstatus_to_exitcode(status)
if code < 0:
    os.kill(os.getpid(), -code)
os._exit(code)
"#;

fn run_measured(measured: &mut Command, limit: Duration) -> (Output, Duration, i64) {
    let rss_file = std::env::temp_dir().join(format!(
        "aws-as-rss-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut cmd = Command::new(python());
    cmd.env_clear()
        .arg("-c")
        .arg(MEASURED)
        .arg(&rss_file)
        .arg(measured.get_program())
        .args(measured.get_args());
    for (key, value) in measured.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    if let Some(dir) = measured.get_current_dir() {
        cmd.current_dir(dir);
    }
    let started = Instant::now();
    // The child is reaped by wait4 below (std's wait would not give its rusage), which clippy
    // cannot see.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn aws-as");
    let mut pipes = [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ]
    .map(|mut pipe| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    })
    .into_iter();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data; zeroes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our own unwaited child; status and usage are valid for writes.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(r >= 0, "wait4: {}", std::io::Error::last_os_error());
        if r == pid {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("aws-as took longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = started.elapsed();
    let stdout = pipes.next().unwrap().join().unwrap();
    let stderr = pipes.next().unwrap().join().unwrap();
    let status = std::process::ExitStatus::from_raw(status);
    let rss = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .expect("the measuring parent wrote the peak RSS");
    let _ = std::fs::remove_file(&rss_file);
    (
        Output {
            status,
            stdout,
            stderr,
        },
        elapsed,
        rss,
    )
}

/// aws-config's parser needs about ten times a file's size in memory: a 50 MB file is refused
/// from its size alone, a file under the limit is read, and thousands of profiles keep the
/// "unknown identity" message one short line.
#[test]
fn huge_files_are_refused_fast_or_read_in_bounded_time_and_memory() {
    let sts = Sts::moto();
    let home = primed_home(&sts);
    let before = cache_snapshot(&home);
    let mut block = String::new();
    let mut n = 0;
    while block.len() < 1 << 20 {
        block.push_str(&format!(
            "[profile bulk{n}]\nrole_arn = arn:aws:iam::111111111111:role/bulk{n}\nsource_profile = my-user1-dev\n"
        ));
        n += 1;
    }

    // 50 MB of well-formed profiles (the same megabyte 50 times, so duplicates are not what is
    // refused: the size is checked first).
    let huge = home.path().join("huge");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&huge).unwrap());
        f.write_all(STANDARD_CONFIG.as_bytes()).unwrap();
        for _ in 0..50 {
            f.write_all(block.as_bytes()).unwrap();
        }
    }
    for which in [Which::Config, Which::Credentials] {
        let mut cmd = home.command(aws_as_bin());
        cmd.env(which.var(), &huge).arg(ROLE1_PROFILE);
        let (out, took, rss_kib) = run_measured(&mut cmd, Duration::from_secs(120));
        eprintln!("{which:?}: 50 MB file refused in {took:?}, peak RSS {rss_kib} KiB");
        assert_refused(
            &format!("{which:?}: 50 MB"),
            &out,
            &huge,
            which.var(),
            &["MB"],
        );
        assert!(took < Duration::from_secs(5), "{which:?}: took {took:?}");
        assert!(
            rss_kib < 100 * 1024,
            "{which:?}: {rss_kib} KiB for a file it refuses"
        );
    }
    assert_eq!(cache_snapshot(&home), before);

    // Just under 16 MB, mostly comments: read, and the switch is a cache hit.
    let under = home.path().join("under");
    {
        use std::io::Write;
        let comment = format!("# {}\n", "x".repeat(97));
        let mut f = std::io::BufWriter::new(std::fs::File::create(&under).unwrap());
        f.write_all(STANDARD_CONFIG.as_bytes()).unwrap();
        let room = (16 << 20) - STANDARD_CONFIG.len();
        for _ in 0..room / comment.len() {
            f.write_all(comment.as_bytes()).unwrap();
        }
    }
    let mut cmd = home.command(aws_as_bin());
    cmd.env("AWS_CONFIG_FILE", &under).arg(ROLE1_PROFILE);
    let (out, took, rss_kib) = run_measured(&mut cmd, Duration::from_secs(120));
    eprintln!("16 MB of comments read in {took:?}, peak RSS {rss_kib} KiB");
    assert_switched("16 MB of comments", &out, ROLE1_PROFILE);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert!(rss_kib < 400 * 1024, "{rss_kib} KiB");
    assert_eq!(cache_snapshot(&home), before, "a cache hit writes nothing");

    // Two megabytes of distinct profiles (tens of thousands): one of them can be switched to,
    // and a name that is not there gets one readable line, not a list of every profile.
    let many = home.path().join("many");
    std::fs::write(
        &many,
        format!(
            "{STANDARD_CONFIG}{block}{}",
            block.replace("[profile bulk", "[profile more")
        ),
    )
    .unwrap();
    let mut cmd = home.command(aws_as_bin());
    cmd.env("AWS_CONFIG_FILE", &many).arg("nope");
    let (out, took, rss_kib) = run_measured(&mut cmd, Duration::from_secs(120));
    eprintln!(
        "{} profiles read in {took:?}, peak RSS {rss_kib} KiB",
        2 * n + 3
    );
    let err = redact(&stderr_str(&out));
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("unknown identity \"nope\""), "{err}");
    assert!(err.len() < 2048, "{} bytes of message", err.len());
    assert!(
        err.contains(&format!("aws-as list shows all {}", 2 * n + 3)),
        "{err}"
    );
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert!(rss_kib < 400 * 1024, "{rss_kib} KiB");

    let mut cmd = home.command(aws_as_bin());
    cmd.env("AWS_CONFIG_FILE", &many)
        .args(["--mfa-code", "123456", &format!("more{}", n - 1)]);
    let out = run(&mut cmd);
    assert_switched("a profile among thousands", &out, &format!("more{}", n - 1));
    let call = sts.calls_of("AssumeRole").pop().unwrap();
    assert_eq!(
        call.role_arn.as_deref(),
        Some(format!("arn:aws:iam::111111111111:role/bulk{}", n - 1).as_str())
    );
}
