//! Edits of one section of a [`Document`]: every line outside it is written back as it was read,
//! and inside it only the entries of the keys being set or removed change.

use super::model::{Document, Kind, Section};

/// A line of the result: its text and its terminator, kept apart so that a line which ended the
/// file without one can be given one when something is added after it.
struct Out<'a> {
    text: std::borrow::Cow<'a, str>,
    end: std::borrow::Cow<'a, str>,
}

fn original<'a>(doc: &Document<'a>, i: usize) -> Out<'a> {
    Out {
        text: doc.content(i).into(),
        end: doc.terminator(i).into(),
    }
}

fn new_line<'a>(key: &str, value: &str, end: &str) -> Out<'a> {
    Out {
        text: format!("{key} = {value}").into(),
        end: end.to_string().into(),
    }
}

/// A file that had no final newline has none afterwards: when an edit moved or added its last
/// line, the terminator that line got is taken off again.
fn finish(doc: &Document<'_>, mut out: Vec<Out<'_>>) -> String {
    let text = doc.text();
    if !text.is_empty()
        && !text.ends_with('\n')
        && let Some(last) = out.last_mut()
    {
        last.end = "".into();
    }
    out.iter().flat_map(|o| [&*o.text, &*o.end]).collect()
}

/// `doc` with `values` set in section `name` (each key's entry replaced in place, missing keys
/// added after the section's last entry) and the entries of `remove` taken out. A missing
/// section is appended at the end, after a blank line.
pub fn set(doc: &Document<'_>, name: &str, values: &[(&str, &str)], remove: &[&str]) -> String {
    let nl = doc.newline();
    let n = doc.lines().len();
    let Some(section) = doc.section(name) else {
        return append(doc, &[(name.to_string(), values.to_vec())]);
    };
    let entries = doc.entries(section);
    let mut out: Vec<Out> = (0..section.header + 1).map(|i| original(doc, i)).collect();
    let insert_after = entries.last().map_or(section.header + 1, |(_, e)| e.end);
    let mut i = section.header + 1;
    let add = |out: &mut Vec<Out>| {
        let missing: Vec<&(&str, &str)> = values
            .iter()
            .filter(|(k, _)| !entries.iter().any(|(key, _)| key.as_deref() == Some(*k)))
            .collect();
        if missing.is_empty() {
            return;
        }
        if let Some(last) = out.last_mut()
            && last.end.is_empty()
        {
            last.end = nl.into();
        }
        out.extend(missing.into_iter().map(|(k, v)| new_line(k, v, nl)));
    };
    while i < section.end {
        if i == insert_after {
            add(&mut out);
        }
        match entries.iter().find(|(_, e)| e.start == i) {
            Some((key, entry)) => {
                let key = key.as_deref().unwrap_or("");
                if let Some((k, v)) = values.iter().find(|(k, _)| *k == key) {
                    out.push(new_line(k, v, doc.terminator(entry.end - 1)));
                } else if !remove.contains(&key) {
                    out.extend((entry.start..entry.end).map(|j| original(doc, j)));
                }
                i = entry.end;
            }
            None => {
                out.push(original(doc, i));
                i += 1;
            }
        }
    }
    if insert_after >= section.end {
        add(&mut out);
    }
    out.extend((section.end..n).map(|j| original(doc, j)));
    finish(doc, out)
}

/// `doc` without the entries of `keys` in section `name`; when nothing of the user's is left in
/// it (no other key, no comment), without the section itself. `None` when there is no such
/// section.
pub fn remove(doc: &Document<'_>, name: &str, keys: &[&str]) -> Option<String> {
    remove_from(doc, name, keys, false)
}

/// `doc` without section `name`, everything in it (comments, keys aws-as does not own): the
/// lines around it as [`remove`] leaves them. `None` when there is no such section.
pub fn remove_section(doc: &Document<'_>, name: &str) -> Option<String> {
    remove_from(doc, name, &[], true)
}

/// `doc` with `sections` (header name, values) appended at the end in order, each after a
/// blank line, as [`set`] appends a missing one: the same text as a `set` per section, in one
/// pass. The names must not be in `doc` already.
pub fn append(doc: &Document<'_>, sections: &[(String, Vec<(&str, &str)>)]) -> String {
    let nl = doc.newline();
    let n = doc.lines().len();
    let mut out: Vec<Out> = (0..n).map(|i| original(doc, i)).collect();
    let mut last_blank = n > 0 && doc.lines()[n - 1].kind == Kind::Blank;
    for (name, values) in sections {
        if let Some(last) = out.last_mut() {
            if last.end.is_empty() {
                last.end = nl.into();
            }
            if !last_blank {
                out.push(Out {
                    text: "".into(),
                    end: nl.into(),
                });
            }
        }
        out.push(Out {
            text: format!("[{name}]").into(),
            end: nl.into(),
        });
        out.extend(values.iter().map(|(k, v)| new_line(k, v, nl)));
        last_blank = false;
    }
    finish(doc, out)
}

fn remove_from(doc: &Document<'_>, name: &str, keys: &[&str], whole: bool) -> Option<String> {
    let section = doc.section(name)?;
    let n = doc.lines().len();
    let entries = doc.entries(section);
    let dropped = |i: usize| {
        entries.iter().any(|(k, e)| {
            k.as_deref().is_some_and(|k| keys.contains(&k)) && (e.start..e.end).contains(&i)
        })
    };
    let kept: Vec<usize> = (section.header + 1..section.end)
        .filter(|&i| !dropped(i))
        .collect();
    let anything_left = !whole && kept.iter().any(|&i| doc.lines()[i].kind != Kind::Blank);
    let mut out: Vec<Out> = (0..section.header).map(|i| original(doc, i)).collect();
    if anything_left {
        out.push(original(doc, section.header));
        out.extend(kept.into_iter().map(|i| original(doc, i)));
        out.extend((section.end..n).map(|i| original(doc, i)));
        return Some(finish(doc, out));
    }
    // The whole section goes, its trailing blank lines with it. A section in the middle leaves
    // the lines around it as they were. The last one takes with it what [`set`] added when it
    // appended the section: the blank line before it and, in a file with no final newline, the
    // terminator it gave the line above, so a write and a removal give back the file byte for
    // byte. (A blank line the user had at the end, which `set` wrote after, goes too.)
    if section.end < n {
        out.extend((section.end..n).map(|i| original(doc, i)));
        return Some(out.iter().flat_map(|o| [&*o.text, &*o.end]).collect());
    }
    if out.len() > 1 && out.last().is_some_and(|o| o.text.is_empty()) {
        out.pop();
    }
    if !doc.text().ends_with('\n')
        && let Some(last) = out.last_mut()
    {
        last.end = "".into();
    }
    Some(out.iter().flat_map(|o| [&*o.text, &*o.end]).collect())
}

/// The span of `section` in the text (its header to the next header), for tests and messages.
pub fn span(doc: &Document<'_>, section: Section) -> std::ops::Range<usize> {
    let lines = doc.lines();
    let start = lines[section.header].start;
    let end = lines.get(section.end).map_or(doc.text().len(), |l| l.start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::super::model::parse;
    use super::*;

    fn set_in(text: &str, name: &str) -> String {
        set(
            &parse(text),
            name,
            &[("aws_access_key_id", "ASIA1"), ("aws_as_identity", "me")],
            &["aws_security_token"],
        )
    }

    #[test]
    fn keys_are_replaced_in_place_and_missing_ones_added_after_the_last_entry() {
        assert_eq!(
            set_in(
                "# top\n[a]\nk = 1\n\n[t]\n# mine\nAWS_ACCESS_KEY_ID = old\n  cont\nregion = x\naws_security_token = stale\n\n# next\n[b]\nz=1\n",
                "t"
            ),
            "# top\n[a]\nk = 1\n\n[t]\n# mine\naws_access_key_id = ASIA1\nregion = x\naws_as_identity = me\n\n# next\n[b]\nz=1\n"
        );
    }

    #[test]
    fn a_missing_section_is_appended_as_the_file_writes_lines() {
        assert_eq!(
            set_in("[a]\r\nk = 1\r\n", "t"),
            "[a]\r\nk = 1\r\n\r\n[t]\r\naws_access_key_id = ASIA1\r\naws_as_identity = me\r\n"
        );
        assert_eq!(
            set_in("[a]\nk = 1", "t"),
            "[a]\nk = 1\n\n[t]\naws_access_key_id = ASIA1\naws_as_identity = me"
        );
        assert_eq!(
            set_in("", "t"),
            "[t]\naws_access_key_id = ASIA1\naws_as_identity = me\n"
        );
        assert_eq!(
            set_in("[a]\n\n", "t"),
            "[a]\n\n[t]\naws_access_key_id = ASIA1\naws_as_identity = me\n"
        );
    }

    #[test]
    fn the_last_section_keeps_the_missing_final_newline() {
        assert_eq!(
            set_in("[a]\nk=1\n[t]", "t"),
            "[a]\nk=1\n[t]\naws_access_key_id = ASIA1\naws_as_identity = me"
        );
        assert_eq!(
            set_in("[t]\naws_security_token = x", "t"),
            "[t]\naws_access_key_id = ASIA1\naws_as_identity = me"
        );
        assert_eq!(
            set_in("[t]\r\naws_as_identity = old\r\nx = 1", "t"),
            "[t]\r\naws_as_identity = me\r\nx = 1\r\naws_access_key_id = ASIA1"
        );
    }

    #[test]
    fn remove_takes_the_section_only_when_nothing_of_the_user_is_in_it() {
        let keys = ["aws_access_key_id", "aws_as_identity"];
        let r = |t: &str| remove(&parse(t), "t", &keys);
        assert_eq!(
            r("[a]\nk=1\n\n[t]\naws_access_key_id = A\naws_as_identity = me\n\n[b]\n").unwrap(),
            "[a]\nk=1\n\n[b]\n"
        );
        assert_eq!(
            r("[a]\nk=1\n\n[t]\naws_access_key_id = A\nregion = x\naws_as_identity = me\n")
                .unwrap(),
            "[a]\nk=1\n\n[t]\nregion = x\n"
        );
        assert_eq!(
            r("[t]\n# note\naws_access_key_id = A\n").unwrap(),
            "[t]\n# note\n"
        );
        assert_eq!(r("[a]\nk=1\n"), None);
    }

    #[test]
    fn append_writes_what_a_set_per_section_writes() {
        let values = [("k", "1"), ("l", "2")];
        for text in [
            "",
            "\n",
            "[a]\nk = 1\n",
            "[a]\r\nk = 1\r\n",
            "[a]\nk = 1",
            "[a]\n\n",
        ] {
            let mut one_by_one = text.to_string();
            for name in ["profile x", "profile y"] {
                one_by_one = set(&parse(&one_by_one), name, &values, &[]);
            }
            let sections: Vec<(String, Vec<(&str, &str)>)> = ["profile x", "profile y"]
                .iter()
                .map(|n| (n.to_string(), values.to_vec()))
                .collect();
            assert_eq!(append(&parse(text), &sections), one_by_one, "{text:?}");
        }
    }

    #[test]
    fn remove_section_takes_everything_in_it() {
        let text = "[a]\nk=1\n\n[t]\n# mine\nregion = x\nk = 2\n\n[b]\nz=1\n";
        assert_eq!(
            remove_section(&parse(text), "t").unwrap(),
            "[a]\nk=1\n\n[b]\nz=1\n"
        );
        let text = "[a]\nk=1\n\n[t]\n# mine\nk = 2\n";
        assert_eq!(remove_section(&parse(text), "t").unwrap(), "[a]\nk=1\n");
        assert_eq!(remove_section(&parse(text), "zz"), None);
    }

    #[test]
    fn a_write_then_a_removal_gives_the_file_back_byte_for_byte() {
        for text in [
            "[a]\nk = 1\n",
            "[a]\r\nk = 1\r\n",
            "[a]\nk = 1",
            "# only a comment",
            "",
            "\n",
            "[a]\nk = 1\n\n[b]\nz = 2\n",
            "[a]\nk = 1\n  cont\n",
        ] {
            let written = set_in(text, "t");
            let removed = remove(
                &parse(&written),
                "t",
                &["aws_access_key_id", "aws_as_identity"],
            );
            assert_eq!(removed.as_deref(), Some(text), "{written:?}");
        }
        // A blank line the user left at the end goes with the section: `set` wrote after it.
        let written = set_in("[a]\n\n", "t");
        let removed = remove(
            &parse(&written),
            "t",
            &["aws_access_key_id", "aws_as_identity"],
        );
        assert_eq!(removed.as_deref(), Some("[a]\n"));
        // A section in the middle leaves both neighbours' lines as they were.
        let text = "[a]\n\n[t]\naws_as_identity = me\n\n\n[b]\n";
        let removed = remove(&parse(text), "t", &["aws_as_identity"]);
        assert_eq!(removed.as_deref(), Some("[a]\n\n[b]\n"));
    }
}
