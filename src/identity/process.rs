//! `credential_process` command lines: split into words as the AWS CLI (botocore) splits them,
//! and the one aws-as recognises as itself (`aws-as credential-process NAME`), which it never
//! runs: it uses NAME directly.
//!
//! Why botocore's way and not the Rust or Go SDK's (`sh -c LINE`): the config file is the AWS
//! CLI's, and a line written for it is the line people test; splitting runs no shell, so what
//! runs is exactly the words written, and aws-as can see that a line names aws-as itself. A line
//! that needs a shell (a pipeline, `$VAR`) does not work in the AWS CLI either; wrap it in
//! `sh -c '…'`.

use crate::error::Result;

/// The profiles whose credential_process is running, in the environment of a process aws-as
/// started for one: a process that runs aws-as for one of them again (through a wrapper aws-as
/// cannot see through) would wait for the lock its parent holds, for ever.
pub const RUNNING_PROCESSES: &str = "AWS_AS_CREDENTIAL_PROCESS_OF";

/// Whether profile `name`'s credential_process is running already, aws-as being run by it.
pub(super) fn running(name: &str) -> bool {
    crate::env_var(RUNNING_PROCESSES).is_some_and(|r| r.split('\n').any(|n| n == name))
}

/// Splits `line` as Python's `shlex.split` does on POSIX (botocore's `compat_shell_split`):
/// blanks between words, `'…'` literal, `"…"` with `\` escaping only `"` and `\`, `\` outside
/// quotes escaping any character, no comments.
pub fn split_command(line: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\\' => match chars.next() {
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => bail!("it ends in a lone \\"),
            },
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => bail!("a ' quote is not closed"),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => bail!("a \" quote is not closed"),
                        },
                        Some(c) => w.push(c),
                        None => bail!("a \" quote is not closed"),
                    }
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// Whether a command line is aws-as's own credential_process (`aws-as credential-process NAME`,
/// by any path, or `aws-as-sts`), and then the profile it asks for: `Some(None)` when the line
/// is aws-as's but no one name can be read from it (aws-as would then run itself forever).
pub(super) fn aws_as_target(words: &[String]) -> Option<Option<&str>> {
    let program = words.first()?.rsplit('/').next()?;
    if !matches!(program, "aws-as" | "aws-as-sts") || words.get(1)? != "credential-process" {
        return None;
    }
    let mut names = Vec::new();
    let mut rest = words[2..].iter();
    while let Some(w) = rest.next() {
        match w.as_str() {
            // credential-process's options that take a value.
            "--mfa-code" | "--duration" => {
                rest.next();
            }
            "--" => names.extend(rest.by_ref()),
            w if w.starts_with('-') => {}
            _ => names.push(w),
        }
    }
    Some(match names.as_slice() {
        [name] => Some(name.as_str()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_command(s).unwrap()
    }

    #[test]
    fn splits_as_python_shlex_split() {
        assert_eq!(split("a  b\tc"), ["a", "b", "c"]);
        assert_eq!(split(r#"a 'b c' "d e""#), ["a", "b c", "d e"]);
        assert_eq!(split(r#"x"y"'z'"#), ["xyz"]);
        assert_eq!(split(r#""a\"b\\c\d""#), [r#"a"b\c\d"#]);
        assert_eq!(split(r"a\ b \$HOME"), ["a b", "$HOME"]);
        assert_eq!(split("'' b"), ["", "b"]);
        // No comments, no expansion: the words as written.
        assert_eq!(split("a #b $X"), ["a", "#b", "$X"]);
        for bad in ["'a", "\"a", "a\\"] {
            assert!(split_command(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aws_as_itself_is_recognised() {
        let t = |s: &str| aws_as_target(&split(s)).map(|n| n.map(str::to_string));
        let name = |n: &str| Some(Some(n.to_string()));
        assert_eq!(t("aws-as credential-process dev"), name("dev"));
        assert_eq!(
            t("/usr/local/bin/aws-as credential-process --no-input dev"),
            name("dev")
        );
        assert_eq!(t("aws-as-sts credential-process dev"), name("dev"));
        assert_eq!(
            t("aws-as credential-process --duration 3600 dev"),
            name("dev")
        );
        assert_eq!(t("aws-as credential-process -- dev"), name("dev"));
        assert_eq!(t("aws-vault export dev"), None);
        assert_eq!(t("aws-as exec dev"), None);
        assert_eq!(t("my-aws-as credential-process dev"), None);
        assert_eq!(t("aws-as credential-process a b"), Some(None));
    }
}
