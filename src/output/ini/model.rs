//! A profile file (the credentials or the config file) as lines: each line's span in the original text and what it is, so an
//! edit replaces only the lines it targets and every other byte is written back as it was read
//! (the idea of toml_edit, for a much smaller grammar).
//!
//! Lines are classified as aws-config's parser (aws-runtime `env_config/parse.rs`) reads them:
//! a blank line has only spaces and tabs; a comment starts with `#` or `;` in column 0; a header
//! starts with `[`; a line starting with a space or tab continues the entry above (botocore reads
//! an indented comment as a comment, aws-config as part of the value: either way it goes with the
//! entry); anything else is a key line. [`parse`] accepts any text; [`Document::check`] says
//! whether it is one aws-as may edit.

use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Blank,
    Comment,
    /// `[name]`: `name` as aws-config reads it (trimmed, a trailing comment cut), and whether
    /// botocore reads the same name (configparser takes everything between the first `[` and
    /// the last `]`, spaces included: `[ a ]` is " a " there).
    Header {
        name: String,
        plain: bool,
    },
    /// `key = value`: the key trimmed and lowercased, as both parsers match keys; `None` when
    /// the line has no `=` or no key (aws-config rejects such a file).
    Key(Option<String>),
    Continuation,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Byte offsets of the whole line in the text, its terminator included.
    pub start: usize,
    pub end: usize,
    /// Where the terminator (`\n` or `\r\n`) starts; `end` for a last line without one.
    pub content_end: usize,
    pub kind: Kind,
}

#[derive(Debug)]
pub struct Document<'a> {
    text: &'a str,
    lines: Vec<Line>,
}

/// A section: its header's line index and the end of its lines (the next header, or the end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    pub header: usize,
    pub end: usize,
}

/// One `key = value` with the lines that belong to it: `start` is its key line, `end` is past
/// its last continuation line (comments and blank lines between continuations included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub start: usize,
    pub end: usize,
}

const WHITESPACE: [char; 2] = [' ', '\t'];

/// Splits `text` into lines and classifies each. Never fails: `render` gives `text` back.
pub fn parse(text: &str) -> Document<'_> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let (end, content_end) = match text[start..].find('\n') {
            Some(i) => {
                let nl = start + i;
                let content_end = if nl > start && text.as_bytes()[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                (nl + 1, content_end)
            }
            None => (text.len(), text.len()),
        };
        let kind = classify(&text[start..content_end]);
        lines.push(Line {
            start,
            end,
            content_end,
            kind,
        });
        start = end;
    }
    Document { text, lines }
}

fn classify(content: &str) -> Kind {
    if content.trim_matches(WHITESPACE).is_empty() {
        Kind::Blank
    } else if content.starts_with(['#', ';']) {
        Kind::Comment
    } else if content.starts_with('[') {
        let name = header_name(content);
        let line = content.trim();
        let plain = line
            .strip_prefix('[')
            .and_then(|r| r.rfind(']').map(|i| &r[..i]))
            .is_some_and(|inner| inner == name);
        Kind::Header { name, plain }
    } else if content.starts_with(WHITESPACE) {
        Kind::Continuation
    } else {
        Kind::Key(
            content
                .split_once('=')
                .map(|(k, _)| k.trim_matches(WHITESPACE).to_ascii_lowercase())
                .filter(|k| !k.is_empty()),
        )
    }
}

/// The name between the brackets as aws-config takes it: the line trimmed, cut at its first
/// `#` or `;`, trimmed again, the brackets removed and the rest trimmed.
fn header_name(content: &str) -> String {
    let line = content.trim_matches(WHITESPACE);
    let line = match line.find(['#', ';']) {
        Some(i) => &line[..i],
        None => line,
    }
    .trim_matches(WHITESPACE);
    let inner = line.strip_prefix('[').unwrap_or(line);
    let inner = inner.strip_suffix(']').unwrap_or(inner);
    inner.trim_matches(WHITESPACE).to_string()
}

/// The header name of profile `name` in the config file: `default` for the default profile (as
/// the AWS CLI writes it), else `profile NAME`.
pub fn config_header(name: &str) -> String {
    if name == "default" {
        name.to_string()
    } else {
        format!("profile {name}")
    }
}

/// The profile a config-file header names, as aws-config reads it: `default`, or `profile NAME`
/// (blanks between the two words as aws-config allows them); `None` for other sections
/// (`sso-session NAME`, `services NAME`, a bare `NAME`, which aws-config skips in the config
/// file).
pub fn config_profile(header: &str) -> Option<&str> {
    if header == "default" {
        return Some(header);
    }
    let rest = header.strip_prefix("profile")?;
    let name = rest.trim_start_matches(WHITESPACE);
    (name.len() < rest.len() && !name.is_empty()).then_some(name)
}

/// Why a file is not one aws-as edits: the 1-based line, and what is wrong there.
#[derive(Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub what: String,
}

impl<'a> Document<'a> {
    pub fn text(&self) -> &'a str {
        self.text
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The text of line `i` without its terminator.
    pub fn content(&self, i: usize) -> &'a str {
        let l = &self.lines[i];
        &self.text[l.start..l.content_end]
    }

    /// Line `i` as it is in the text, terminator included.
    pub fn raw(&self, i: usize) -> &'a str {
        let l = &self.lines[i];
        &self.text[l.start..l.end]
    }

    /// The terminator of line `i` (`""` for a last line without one).
    pub fn terminator(&self, i: usize) -> &'a str {
        let l = &self.lines[i];
        &self.text[l.content_end..l.end]
    }

    /// The text again, byte for byte: the lines cover it without gap or overlap.
    pub fn render(&self) -> String {
        self.lines
            .iter()
            .map(|l| &self.text[l.start..l.end])
            .collect()
    }

    /// The line ending new lines get: that of the first line that has one, else `\n`.
    pub fn newline(&self) -> &'static str {
        match self.lines.iter().find(|l| l.end > l.content_end) {
            Some(l) if self.text[l.content_end..l.end].starts_with('\r') => "\r\n",
            _ => "\n",
        }
    }

    /// Every section, in order.
    pub fn sections(&self) -> Vec<(String, Section)> {
        let headers: Vec<(usize, String)> = self
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match &l.kind {
                Kind::Header { name, .. } => Some((i, name.clone())),
                _ => None,
            })
            .collect();
        headers
            .iter()
            .enumerate()
            .map(|(n, (i, name))| {
                let end = headers.get(n + 1).map_or(self.lines.len(), |(j, _)| *j);
                (name.clone(), Section { header: *i, end })
            })
            .collect()
    }

    pub fn section(&self, name: &str) -> Option<Section> {
        self.sections()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
    }

    /// The entries of `section`, each with its key (lowercased).
    pub fn entries(&self, section: Section) -> Vec<(Option<String>, Entry)> {
        let mut out = Vec::new();
        let mut i = section.header + 1;
        while i < section.end {
            let Kind::Key(key) = &self.lines[i].kind else {
                i += 1;
                continue;
            };
            let start = i;
            let mut end = i + 1;
            // Continuations, and the comments and blank lines between them, go with the key.
            let mut j = end;
            while j < section.end {
                match self.lines[j].kind {
                    Kind::Continuation => {
                        j += 1;
                        end = j;
                    }
                    Kind::Blank | Kind::Comment => j += 1,
                    _ => break,
                }
            }
            out.push((key.clone(), Entry { start, end }));
            i = end;
        }
        out
    }

    /// The value of `key` in `section` as aws-config reads a one-line value (`None` if absent).
    pub fn value(&self, section: Section, key: &str) -> Option<&'a str> {
        let (_, entry) = self
            .entries(section)
            .into_iter()
            .find(|(k, _)| k.as_deref() == Some(key))?;
        let line = self.content(entry.start);
        let (_, v) = line.split_once('=')?;
        // aws-config cuts a comment that follows whitespace; aws-as writes no such values.
        let v = v.trim_matches(WHITESPACE);
        let mut prev_blank = false;
        for (i, c) in v.char_indices() {
            if (c == '#' || c == ';') && prev_blank {
                return Some(v[..i].trim_matches(WHITESPACE));
            }
            prev_blank = c.is_whitespace();
        }
        Some(v)
    }

    /// What keeps aws-as from editing this text, if anything: a section or a key twice (botocore
    /// refuses the file, aws-config merges: the two would read different credentials), a line
    /// neither reads (a key without `=`, an indented line right after a header, text before the
    /// first section).
    pub fn check(&self) -> Result<(), Problem> {
        let mut sections: HashMap<String, usize> = HashMap::new();
        let mut keys: HashMap<String, usize> = HashMap::new();
        let mut in_section = false;
        let mut after_key = false;
        for (i, line) in self.lines.iter().enumerate() {
            let n = i + 1;
            match &line.kind {
                Kind::Blank | Kind::Comment => {}
                Kind::Header { .. } => {
                    // Compared as files.rs compares them: runs of blanks as one.
                    let name = self.content(i);
                    let name = name.trim_start_matches('[');
                    let name = name.split_once(']').map_or(name, |(n, _)| n);
                    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
                    if let Some(first) = sections.insert(name.clone(), n) {
                        return Err(Problem {
                            line: n,
                            what: format!("[{name}] is also on line {first}"),
                        });
                    }
                    keys.clear();
                    in_section = true;
                    after_key = false;
                }
                Kind::Key(key) => {
                    if !in_section {
                        return Err(Problem {
                            line: n,
                            what: "a key before the first [section]".to_string(),
                        });
                    }
                    let Some(key) = key else {
                        return Err(Problem {
                            line: n,
                            what: "a line that is not key = value".to_string(),
                        });
                    };
                    if let Some(first) = keys.insert(key.clone(), n) {
                        return Err(Problem {
                            line: n,
                            what: format!(
                                "{key} is set twice in its section (also on line {first})"
                            ),
                        });
                    }
                    after_key = true;
                }
                Kind::Continuation => {
                    if !after_key {
                        return Err(Problem {
                            line: n,
                            what: "an indented line that continues no key".to_string(),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_gives_the_text_back() {
        for text in [
            "",
            "\n",
            "\r\n",
            "[a]",
            "[a]\n",
            "[a]\r\nk = v\r\n",
            "[a]\nk = v\n  cont\n# c\n; c\n\n\t\n[b]\nx=y",
            "no newline at all",
            "\r",
            "a\rb\n",
            "é\n[ü]\nk = ☃",
        ] {
            let doc = parse(text);
            assert_eq!(doc.render(), text);
            let mut at = 0;
            for l in doc.lines() {
                assert_eq!(l.start, at, "{text:?}");
                assert!(l.content_end <= l.end);
                at = l.end;
            }
            assert_eq!(at, text.len());
        }
    }

    #[test]
    fn lines_are_classified_as_aws_config_reads_them() {
        let doc = parse("[a] # c\n[ b ]\nK = v\n  more\n#c\n ;c\n\nbad\n[c] # x]\n");
        let kinds: Vec<Kind> = doc.lines().iter().map(|l| l.kind.clone()).collect();
        assert_eq!(
            kinds,
            [
                Kind::Header {
                    name: "a".into(),
                    plain: true
                },
                Kind::Header {
                    name: "b".into(),
                    plain: false
                },
                Kind::Key(Some("k".into())),
                Kind::Continuation,
                Kind::Comment,
                Kind::Continuation,
                Kind::Blank,
                Kind::Key(None),
                Kind::Header {
                    name: "c".into(),
                    plain: false
                },
            ]
        );
    }

    #[test]
    fn an_entry_takes_its_continuations_and_what_lies_between_them() {
        let doc = parse("[s]\na = 1\n  x\n\n# c\n  y\n# after\nb = 2\n\n[t]\n");
        let s = doc.section("s").unwrap();
        let entries = doc.entries(s);
        assert_eq!(
            entries,
            [
                (Some("a".into()), Entry { start: 1, end: 6 }),
                (Some("b".into()), Entry { start: 7, end: 8 }),
            ]
        );
        assert_eq!(doc.value(s, "b"), Some("2"));
        assert_eq!(s, Section { header: 0, end: 9 });
    }

    #[test]
    fn what_cannot_be_edited_is_named_by_line() {
        let problem = |t: &str| parse(t).check().unwrap_err();
        assert_eq!(problem("[a]\n[b]\n[ a ]\n").line, 3);
        assert_eq!(problem("[a]\nk=1\nK = 2\n").line, 3);
        assert_eq!(problem("[a]\nk\n").line, 2);
        assert_eq!(problem("[a]\n  k=1\n").line, 2);
        assert_eq!(problem("k=1\n[a]\n").line, 1);
        assert!(parse("[a]\nk=1\n[b]\nk=2\n").check().is_ok());
        assert!(parse("").check().is_ok());
    }

    #[test]
    fn config_headers_name_profiles_as_aws_config_reads_them() {
        assert_eq!(config_header("default"), "default");
        assert_eq!(config_header("a.b"), "profile a.b");
        assert_eq!(config_profile("profile a.b"), Some("a.b"));
        assert_eq!(config_profile("profile \ta"), Some("a"));
        assert_eq!(config_profile("default"), Some("default"));
        assert_eq!(config_profile("profilea"), None);
        assert_eq!(config_profile("profile"), None);
        assert_eq!(config_profile("sso-session x"), None);
        assert_eq!(config_profile("a"), None);
    }

    #[test]
    fn new_lines_end_as_the_file_does() {
        assert_eq!(parse("[a]\r\nk=v\n").newline(), "\r\n");
        assert_eq!(parse("[a]\nk=v\r\n").newline(), "\n");
        assert_eq!(parse("[a]").newline(), "\n");
    }
}
