//! `aws-as -i`: the identity picked from a list on the terminal, for people with too many
//! profiles to remember their names. Plain line input on /dev/tty (no raw mode, no third-party
//! tool): the list, numbered; a line narrows it to the names holding what was typed, a number
//! or a whole name picks, an empty line gives up. stdout is left alone: through the activation
//! it is the switch's code, captured and evaluated. Nothing of this runs on the cache-hit path
//! of `aws-as NAME`.

use std::io::{BufRead, BufReader, Write};

use crate::error::{Error, Result};
use crate::output::text::printable;

/// How many names a list shows at once: more would scroll the first ones away.
const SHOWN: usize = 30;

/// The name picked from `names` on the terminal.
pub fn pick(names: &[&str]) -> Result<String> {
    if names.is_empty() {
        return Err(Error::new(
            "no identity to pick: add profiles to ~/.aws/config and ~/.aws/credentials",
        ));
    }
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            Error::new("aws-as -i picks on a terminal, and there is none: name the identity (aws-as list --names shows them)")
        })?;
    let mut out = tty
        .try_clone()
        .map_err(|e| Error::new(format!("cannot use the terminal: {e}")))?;
    let mut input = BufReader::new(tty);
    let mut shown: Vec<&str> = names.iter().copied().take(SHOWN).collect();
    let mut note = format!(
        "Pick an identity: its number, or part of its name to narrow the list ({} in all); an empty line gives up",
        names.len()
    );
    let write_err = |e: std::io::Error| Error::new(format!("cannot write to the terminal: {e}"));
    loop {
        let mut text = format!("{note}\n");
        for (i, name) in shown.iter().enumerate() {
            text.push_str(&format!("{:>4}  {}\n", i + 1, printable(name)));
        }
        text.push_str("> ");
        out.write_all(text.as_bytes()).map_err(write_err)?;
        out.flush().map_err(write_err)?;
        let mut line = String::new();
        input
            .read_line(&mut line)
            .map_err(|e| Error::new(format!("cannot read the terminal: {e}")))?;
        let typed = line.trim();
        if typed.is_empty() {
            return Err(Error::new("no identity picked: nothing changed"));
        }
        if let Ok(n) = typed.parse::<usize>()
            && (1..=shown.len()).contains(&n)
        {
            return Ok(shown[n - 1].to_string());
        }
        if let Some(name) = names.iter().find(|n| **n == typed) {
            return Ok(name.to_string());
        }
        let lower = typed.to_lowercase();
        let holding: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| n.to_lowercase().contains(&lower))
            .collect();
        match holding.as_slice() {
            [one] => return Ok(one.to_string()),
            [] => {
                note = format!(
                    "No identity holds {:?}: a number, or another part of a name",
                    printable(typed)
                );
            }
            many => {
                note = if many.len() > SHOWN {
                    format!(
                        "{} hold {:?} (the first {SHOWN} shown: type more of the name):",
                        many.len(),
                        printable(typed)
                    )
                } else {
                    format!("{} hold {:?}:", many.len(), printable(typed))
                };
                shown = many.iter().copied().take(SHOWN).collect();
            }
        }
    }
}
