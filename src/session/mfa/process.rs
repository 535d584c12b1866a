//! The profile's `mfa_process`: how its line is started (plain words directly, anything else
//! by `/bin/sh -c`), its output read without blocking on it, and the code found in what it
//! printed. It holds the terminal while it runs, so it can ask for a PIN there.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::code_digits;
use super::terminal::Foreground;
use crate::error::{Error, Result};

/// Seconds `mfa_process` may take (`AWS_AS_MFA_PROCESS_TIMEOUT`): long enough to find and touch
/// a hardware key.
fn process_timeout() -> Duration {
    crate::env_seconds("AWS_AS_MFA_PROCESS_TIMEOUT", Duration::from_secs(60))
}

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

/// The code in `mfa_process`'s output: its last word that is 6 digits, or two groups of three
/// joined by a hyphen or standing as two words, as an authenticator shows them (ykman prints
/// `ACCOUNT  123456`; oathtool and most scripts print just the code).
fn code_in(output: &str) -> Option<String> {
    let words: Vec<&str> = output.split_whitespace().collect();
    let three = |w: &str| w.len() == 3 && w.bytes().all(|b| b.is_ascii_digit());
    (0..words.len()).rev().find_map(|i| {
        code_digits(words[i]).or_else(|| {
            (i > 0 && three(words[i - 1]) && three(words[i]))
                .then(|| format!("{}{}", words[i - 1], words[i]))
        })
    })
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

/// Runs `command`, the mfa_process of `profile`, and returns the code it printed.
pub(super) fn run(profile: &str, command: &str) -> Result<String> {
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
    // The credentials of whatever identity the shell has now are not the code command's business.
    crate::without_credentials(&mut cmd);
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
        Some(code) => Ok(code),
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
        assert_eq!(code_in("123456\n").as_deref(), Some("123456"));
        assert_eq!(
            code_in("Amazon Web Services:user@111111111111  654321\n").as_deref(),
            Some("654321")
        );
        assert_eq!(code_in("111111 then 222222").as_deref(), Some("222222"));
        assert_eq!(code_in("code: 123-456").as_deref(), Some("123456"));
        assert_eq!(code_in("ACCOUNT  123 456\n").as_deref(), Some("123456"));
        assert_eq!(code_in("12 3456"), None);
        assert_eq!(code_in("1234567 12345 12345a"), None);
        assert_eq!(code_in(""), None);
    }
}
