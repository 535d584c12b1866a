//! Where an MFA code comes from, first that applies: `--mfa-code`, the profile's `mfa_process`,
//! its `aws_as_mfa_totp_secret`, else a prompt on the controlling terminal (never stdout: the
//! shell is capturing it to eval). Only a person at the terminal gets another try when STS
//! rejects the code: the other sources would give the same wrong answer again.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::credentials::rfc3339;
use crate::error::{Cause, Error, Result};
use crate::identity::{CodeSource, TotpSecret};

pub mod totp;

/// Set by `--no-input`: never ask on the terminal nor run an `mfa_process`, which may wait for a
/// touch (the prompt hook renews only what needs neither).
pub static NO_INPUT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Codes a person may type before a rejection by STS ends the switch.
pub const TERMINAL_ATTEMPTS: u32 = 3;

fn is_code(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

pub enum Source<'a> {
    /// `--mfa-code`
    Given(&'a str),
    Process {
        profile: &'a str,
        command: &'a str,
    },
    Totp(&'a TotpSecret),
    Terminal,
}

impl<'a> Source<'a> {
    /// `--mfa-code` over the profile's sources over the terminal. A profile with both
    /// `mfa_process` and a TOTP secret uses `mfa_process`.
    pub fn pick(given: Option<&'a str>, profile: Option<&'a CodeSource>) -> Source<'a> {
        if let Some(code) = given {
            return Source::Given(code);
        }
        match profile {
            Some(CodeSource {
                profile,
                process: Some(command),
                ..
            }) => Source::Process { profile, command },
            Some(CodeSource {
                totp: Some(secret), ..
            }) => Source::Totp(secret),
            _ => Source::Terminal,
        }
    }

    fn attempts(&self) -> u32 {
        match self {
            Source::Terminal => TERMINAL_ATTEMPTS,
            _ => 1,
        }
    }
}

/// Runs `call` (GetSessionToken) with a code for the device `serial` from `source`. When STS
/// rejects a typed code the person is asked again, up to [`TERMINAL_ATTEMPTS`] codes in all; a
/// rejected code from anywhere else ends the switch with a message saying where it came from.
pub fn with_code<T>(
    serial: &str,
    source: &Source<'_>,
    mut call: impl FnMut(&str) -> Result<T>,
) -> Result<T> {
    let mut attempt = 1;
    loop {
        let code = code(serial, source)?;
        let err = match call(&code) {
            Err(e) if e.cause() == Cause::WrongMfaCode => e,
            other => return other,
        };
        if attempt < source.attempts() {
            attempt += 1;
            tell_terminal(&format!(
                "aws-as: STS rejected that code (wrong, or already used); attempt {attempt} of {}.",
                source.attempts()
            ));
            continue;
        }
        return Err(match source {
            Source::Given(_) => err,
            Source::Terminal => Error::with_cause(
                format!("{err}; {attempt} codes from the terminal were rejected"),
                Cause::WrongMfaCode,
            ),
            Source::Process { profile, .. } => Error::with_cause(
                format!(
                    "{err}; the code came from the mfa_process of profile {profile:?}: check that \
                     it prints the current code of {serial}"
                ),
                Cause::WrongMfaCode,
            ),
            Source::Totp(secret) => {
                let next = (unix_now() / totp::STEP + 1) * totp::STEP;
                let next = chrono::DateTime::from_timestamp(next as i64, 0)
                    .map(rfc3339)
                    .unwrap_or_default();
                Error::with_cause(
                    format!(
                        "{err}; the code came from the aws_as_mfa_totp_secret of profile {:?}: \
                         if it was already used in this 30-second window (another switch, \
                         another tool with the same secret), run the switch again after {next}; \
                         otherwise the secret is not {serial}'s or this machine's clock is off",
                        secret.profile
                    ),
                    Cause::WrongMfaCode,
                )
            }
        });
    }
}

fn code(serial: &str, source: &Source<'_>) -> Result<String> {
    match source {
        Source::Given(code) => {
            let code = code.trim();
            if !is_code(code) {
                bail!("--mfa-code takes the 6 digits your MFA device shows");
            }
            Ok(code.to_string())
        }
        // A hardware key waits for a touch: under --no-input (a prompt hook renewing in the
        // background) that would be a hang nobody sees.
        Source::Process { .. } if no_input() => Err(needs_input(serial)),
        Source::Process { profile, command } => run_process(profile, command),
        Source::Totp(secret) => totp::code_at(secret, unix_now()),
        Source::Terminal => prompt(serial),
    }
}

fn no_input() -> bool {
    NO_INPUT.load(std::sync::atomic::Ordering::Relaxed)
}

fn needs_input(serial: &str) -> Error {
    Error::with_cause(
        format!(
            "the MFA session has expired and --no-input forbids asking for a code for {serial}: run the switch without --no-input"
        ),
        Cause::MfaCodeNeeded,
    )
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn tell_terminal(line: &str) {
    if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        let _ = writeln!(tty, "{line}");
    }
}

fn prompt(serial: &str) -> Result<String> {
    if no_input() {
        return Err(needs_input(serial));
    }
    // rpassword reads from /dev/tty and writes the prompt there, so stdout stays clean.
    if std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_err()
    {
        bail!(
            "an MFA code is needed for {serial} and there is no terminal to ask on: pass \
             --mfa-code CODE, or set mfa_process or aws_as_mfa_totp_secret in the profile"
        );
    }
    loop {
        let answer =
            rpassword::prompt_password(format!("Enter MFA code for {serial}: ")).map_err(|e| {
                Error::new(format!(
                    "could not read the MFA code for {serial} ({e}): pass --mfa-code CODE"
                ))
            })?;
        let answer = answer.trim();
        // An empty answer is also what end-of-file gives: stop rather than ask forever.
        if answer.is_empty() {
            bail!(
                "no MFA code entered for {serial}: run the switch again, or pass --mfa-code CODE"
            );
        }
        if is_code(answer) {
            return Ok(answer.to_string());
        }
        tell_terminal("aws-as: an MFA code is 6 digits; try again.");
    }
}

// ---------------------------------------------------------------------------------------------
// mfa_process
// ---------------------------------------------------------------------------------------------

/// Seconds `mfa_process` may take (`AWS_AS_MFA_PROCESS_TIMEOUT`): long enough to find and touch
/// a hardware key.
fn process_timeout() -> Duration {
    crate::env_seconds("AWS_AS_MFA_PROCESS_TIMEOUT", Duration::from_secs(60))
}

/// Variables holding the credentials of whatever identity the shell has now: not the code
/// command's business.
const CREDENTIAL_VARS: [&str; 5] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// How `mfa_process` is started: its words when it is plain words (quoted as in sh), else the
/// whole line for `/bin/sh -c`.
#[derive(Debug, PartialEq, Eq)]
enum Invocation {
    Words(Vec<String>),
    Shell,
}

/// Splits `command` into words as sh would, for the part of sh's grammar that needs no shell:
/// blanks between words, '…' literal, "…" with `\` escaping `\ " $` and newline, and `\` outside
/// quotes. Anything that would make sh do more than that (operators, expansions, globs, comments,
/// a variable assignment) is `Shell`, so both ways run the same command.
fn invocation(command: &str) -> Result<Invocation> {
    const SHELL_SYNTAX: &str = "|&;<>()$`*?[]~#{}!\n";
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => bail!("unterminated ' quote"),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('$' | '`') => return Ok(Invocation::Shell),
                        Some('\\') => match chars.next() {
                            Some('\n') => {}
                            Some(c @ ('\\' | '"' | '$' | '`')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => bail!("unterminated \" quote"),
                        },
                        Some(c) => w.push(c),
                        None => bail!("unterminated \" quote"),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => bail!("a trailing \\ escapes nothing"),
            },
            '=' if words.is_empty() => return Ok(Invocation::Shell),
            c if SHELL_SYNTAX.contains(c) => return Ok(Invocation::Shell),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    // A first word that is a shell keyword or builtin (`exec ykman …`, `. script`) means
    // something only to sh: run by itself it would be a program of that name.
    const SHELL_WORDS: [&str; 16] = [
        "exec", "command", "eval", ".", "source", "builtin", "if", "for", "while", "until", "case",
        "time", "set", "export", "cd", "!",
    ];
    if words
        .first()
        .is_some_and(|w| SHELL_WORDS.contains(&w.as_str()))
    {
        return Ok(Invocation::Shell);
    }
    Ok(Invocation::Words(words))
}

/// A pipe read to its end on a thread, so a command that writes much cannot block on it, and
/// what it has read is there even if the pipe never closes (a grandchild may keep it open).
struct Drain {
    data: Arc<Mutex<Vec<u8>>>,
    done: std::sync::mpsc::Receiver<()>,
}

/// More than any code tool prints; past it the rest is read and dropped.
const OUTPUT_LIMIT: usize = 64 * 1024;

fn drain(mut pipe: impl Read + Send + 'static, mut tee: Option<std::fs::File>) -> Drain {
    let data = Arc::new(Mutex::new(Vec::new()));
    let (tx, done) = std::sync::mpsc::channel();
    let shared = Arc::clone(&data);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Some(tee) = tee.as_mut() {
                let _ = tee.write_all(&buf[..n]);
            }
            let mut data = shared.lock().unwrap_or_else(|e| e.into_inner());
            let room = OUTPUT_LIMIT.saturating_sub(data.len());
            data.extend_from_slice(&buf[..n.min(room)]);
        }
        let _ = tx.send(());
    });
    Drain { data, done }
}

impl Drain {
    fn take(self, until: Instant) -> String {
        let _ = self
            .done
            .recv_timeout(until.saturating_duration_since(Instant::now()));
        let data = self.data.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&data).into_owned()
    }
}

/// The code in `mfa_process`'s output: its last word that is exactly 6 digits (ykman prints
/// `ACCOUNT  123456`; oathtool and most scripts print just the code).
fn code_in(output: &str) -> Option<&str> {
    output.split_whitespace().rev().find(|w| is_code(w))
}

/// The first line of what the command said on stderr, for a one-line error; printable only.
fn first_line(stderr: &str) -> String {
    let line = stderr.lines().map(str::trim).find(|l| !l.is_empty());
    let line: String = line
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if line.is_empty() {
        "it wrote nothing on stderr".to_string()
    } else {
        format!("it said {line:?}")
    }
}

/// While the mfa_process runs in its own process group, that group holds the terminal: a command
/// that asks for a PIN on /dev/tty (ykman for a password-protected OATH applet) would otherwise be
/// stopped by SIGTTIN as a background job, and Ctrl-C would not reach it. Given back on drop.
struct Foreground {
    tty: std::fs::File,
    ours: libc::pid_t,
    ttou: libc::sighandler_t,
}

impl Foreground {
    fn give(child: libc::pid_t) -> Option<Foreground> {
        use std::os::fd::AsRawFd;
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        let fd = tty.as_raw_fd();
        // SAFETY: plain syscalls on a descriptor we own; no memory is passed.
        unsafe {
            let ours = libc::getpgrp();
            if libc::tcgetpgrp(fd) != ours {
                return None; // aws-as itself runs in the background: nothing to hand over
            }
            // Taking the terminal back from the background raises SIGTTOU: ignored meanwhile.
            let ttou = libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            if libc::tcsetpgrp(fd, child) != 0 {
                libc::signal(libc::SIGTTOU, ttou);
                return None;
            }
            // It may already have been stopped for touching the terminal before it was its own.
            libc::kill(-child, libc::SIGCONT);
            Some(Foreground { tty, ours, ttou })
        }
    }
}

impl Drop for Foreground {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: as in `give`.
        unsafe {
            libc::tcsetpgrp(self.tty.as_raw_fd(), self.ours);
            libc::signal(libc::SIGTTOU, self.ttou);
        }
    }
}

fn run_process(profile: &str, command: &str) -> Result<String> {
    let invocation = invocation(command).map_err(|e| {
        Error::new(format!(
            "profile {profile:?}: mfa_process cannot be read ({e}): fix its quoting"
        ))
    })?;
    let (mut cmd, program) = match &invocation {
        Invocation::Words(words) if !words.is_empty() => {
            let mut cmd = Command::new(&words[0]);
            cmd.args(&words[1..]);
            (cmd, words[0].clone())
        }
        _ => {
            let mut cmd = Command::new("/bin/sh");
            cmd.arg("-c").arg(command);
            (cmd, "/bin/sh".to_string())
        }
    };
    for var in CREDENTIAL_VARS {
        cmd.env_remove(var);
    }
    // Its own process group, so a timeout kills a pipeline's every process, not only its shell.
    cmd.process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        Error::new(format!(
            "the mfa_process of profile {profile:?} could not be started: {program}: {e}: \
             install it or fix mfa_process"
        ))
    })?;
    let _foreground = Foreground::give(child.id() as libc::pid_t);
    let stdout = drain(child.stdout.take().expect("piped"), None);
    // Its messages ("Touch your YubiKey...") reach the person as they are written, on the
    // terminal like the prompt: aws-as's own stderr stays one line when the switch fails.
    let terminal = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .ok();
    let stderr = drain(child.stderr.take().expect("piped"), terminal);
    let timeout = process_timeout();
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => break None,
        }
    };
    let Some(status) = status else {
        // SAFETY: kill has no memory preconditions; the group is the child's own (pgid = pid).
        unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = child.wait();
        bail!(
            "the mfa_process of profile {profile:?} did not finish within {:?} and was killed \
             (a hardware key waits for a touch): try again, or raise AWS_AS_MFA_PROCESS_TIMEOUT",
            timeout
        );
    };
    // Pipes a leftover grandchild keeps open are not waited for long.
    let grace = Instant::now() + Duration::from_millis(500);
    let (out, err) = (stdout.take(grace), stderr.take(grace));
    if !status.success() {
        let how = match (status.code(), status.signal()) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(signal)) => format!("signal {signal}"),
            _ => status.to_string(),
        };
        bail!(
            "the mfa_process of profile {profile:?} failed ({how}): {}: fix the command, or \
             pass --mfa-code CODE",
            first_line(&err)
        );
    }
    match code_in(&out) {
        Some(code) => Ok(code.to_string()),
        None => bail!(
            "the mfa_process of profile {profile:?} printed no 6-digit code on stdout ({}): \
             fix the command so that it prints the code",
            first_line(&err)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(command: &str) -> Vec<String> {
        match invocation(command).unwrap() {
            Invocation::Words(w) => w,
            Invocation::Shell => panic!("{command:?} went to the shell"),
        }
    }

    #[test]
    fn plain_commands_are_split_as_sh_would() {
        assert_eq!(
            words(r#"ykman oath accounts code --single "Amazon Web Services:user@111111111111""#),
            [
                "ykman",
                "oath",
                "accounts",
                "code",
                "--single",
                "Amazon Web Services:user@111111111111"
            ]
        );
        assert_eq!(words("  a\t 'b c'  "), ["a", "b c"]);
        assert_eq!(words(r#"a'b'"c"\ d"#), ["abc d"]);
        assert_eq!(words(r#"a "x\"y\\z\n" '\"'"#), ["a", r#"x"y\z\n"#, r#"\""#]);
        assert_eq!(words("a '' \"\""), ["a", "", ""]);
        assert_eq!(
            words(r"a \| \$HOME 'x|y' 'a*'"),
            ["a", "|", "$HOME", "x|y", "a*"]
        );
        assert_eq!(words("tool --opt=value"), ["tool", "--opt=value"]);
    }

    #[test]
    fn shell_syntax_goes_to_the_shell() {
        for command in [
            "ykman oath accounts code | tail -n1",
            "a; b",
            "a && b",
            "a > f",
            "a < f",
            "echo $HOME",
            "echo \"$HOME\"",
            "echo `date`",
            "echo \"`date`\"",
            "ls *.txt",
            "ls ?",
            "cat ~/code",
            "echo $(date)",
            "a # comment",
            "FOO=bar tool",
            "a\nb",
            "{ a; }",
        ] {
            assert_eq!(
                invocation(command).unwrap(),
                Invocation::Shell,
                "{command:?}"
            );
        }
    }

    #[test]
    fn unterminated_quoting_is_an_error() {
        for command in ["a 'b", "a \"b", "a \\", "a \"b\\"] {
            assert!(invocation(command).is_err(), "{command:?}");
        }
    }

    #[test]
    fn the_code_is_the_last_six_digit_word() {
        assert_eq!(code_in("123456\n"), Some("123456"));
        assert_eq!(
            code_in("Amazon Web Services:user@111111111111  654321\n"),
            Some("654321")
        );
        assert_eq!(code_in("111111 then 222222"), Some("222222"));
        assert_eq!(code_in("1234567 12345 12345a"), None);
        assert_eq!(code_in(""), None);
    }

    #[test]
    fn the_terminal_alone_is_asked_again() {
        let source = CodeSource {
            profile: "p".into(),
            process: Some("ykman".into()),
            totp: Some(TotpSecret::new("p", "JBSWY3DP".into())),
        };
        assert!(matches!(
            Source::pick(Some("123456"), Some(&source)),
            Source::Given("123456")
        ));
        let process = Source::pick(None, Some(&source));
        assert!(matches!(
            process,
            Source::Process {
                command: "ykman",
                ..
            }
        ));
        let totp_only = CodeSource {
            process: None,
            ..source.clone()
        };
        let totp = Source::pick(None, Some(&totp_only));
        assert!(matches!(totp, Source::Totp(_)));
        let terminal = Source::pick(None, None);
        assert_eq!(
            [&process, &totp, &terminal].map(|s| s.attempts()),
            [1, 1, TERMINAL_ATTEMPTS]
        );
    }
}
