//! What the command line accepts, read from clap's definition: the top level and each
//! subcommand, with their options (which take a value, and its possible values) and what each
//! positional argument is. Names from clap go into the scripts unquoted, so each is checked to
//! be a plain word here.

use clap::builder::PossibleValue;

/// The top level (`aws-as [NAME|-]`, `name` empty) and each subcommand.
pub(super) struct Spec {
    pub(super) commands: Vec<Cmd>,
}

pub(super) struct Cmd {
    /// `""` for aws-as itself.
    pub(super) name: String,
    pub(super) about: String,
    pub(super) options: Vec<Opt>,
    pub(super) positionals: Vec<Pos>,
}

pub(super) struct Opt {
    pub(super) long: Option<String>,
    pub(super) short: Option<char>,
    pub(super) help: String,
    /// `Some` when the option takes a value: its name (`SECONDS`) and possible values.
    pub(super) value: Option<(String, Vec<String>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Pos {
    /// An identity name (from `aws-as list --names`), and `-` where that clears (aws-as itself).
    Identity { dash: bool },
    /// One of these words (the argument's value name, the words).
    Choice(String, Vec<String>),
    /// A command and its arguments: the shell's own command completion.
    Command,
    /// An argument the scripts have no rule for: nothing is offered (a unit test fails).
    Unknown(String),
}

impl Spec {
    pub(super) fn from_clap(command: &clap::Command) -> Spec {
        let mut top = command.clone();
        // Adds the --help and --version flags clap makes, here and in every subcommand.
        top.build();
        let mut commands = vec![Cmd::from_clap("", &top)];
        for sub in top.get_subcommands().filter(|s| !s.is_hide_set()) {
            commands.push(Cmd::from_clap(sub.get_name(), sub));
        }
        Spec { commands }
    }

    #[cfg(test)]
    fn top(&self) -> &Cmd {
        &self.commands[0]
    }

    pub(super) fn subcommands(&self) -> impl Iterator<Item = &Cmd> {
        self.commands[1..].iter()
    }
}

impl Cmd {
    fn from_clap(name: &str, command: &clap::Command) -> Cmd {
        let mut options = Vec::new();
        let mut positionals = Vec::new();
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            let choices = choices(&arg.get_possible_values());
            if arg.is_positional() {
                let id = arg.get_id().as_str();
                positionals.push(if !choices.is_empty() {
                    Pos::Choice(value_name(arg), choices)
                } else if arg.is_trailing_var_arg_set() {
                    Pos::Command
                } else if id == "name" {
                    Pos::Identity {
                        dash: name.is_empty(),
                    }
                } else {
                    Pos::Unknown(id.to_string())
                });
                continue;
            }
            let value = arg
                .get_action()
                .takes_values()
                .then(|| (value_name(arg), choices));
            options.push(Opt {
                long: arg.get_long().map(str::to_string),
                short: arg.get_short(),
                help: first_line(arg.get_help().map(ToString::to_string)),
                value,
            });
        }
        Cmd {
            name: name.to_string(),
            about: first_line(command.get_about().map(ToString::to_string)),
            options,
            positionals,
        }
    }

    /// Every spelling of every option that takes a value (`--shell`, `-x`).
    pub(super) fn value_options(&self) -> Vec<String> {
        self.options
            .iter()
            .filter(|o| o.value.is_some())
            .flat_map(Opt::spellings)
            .collect()
    }

    pub(super) fn longs(&self) -> Vec<String> {
        self.options
            .iter()
            .filter_map(|o| o.long.as_ref().map(|l| format!("--{l}")))
            .collect()
    }
}

impl Opt {
    pub(super) fn spellings(&self) -> Vec<String> {
        let mut s: Vec<String> = self.long.iter().map(|l| format!("--{l}")).collect();
        s.extend(self.short.map(|c| format!("-{c}")));
        s
    }

    pub(super) fn choices(&self) -> &[String] {
        self.value.as_ref().map_or(&[], |(_, c)| c.as_slice())
    }
}

/// `SECONDS` for `--duration SECONDS`: clap's value name, else the argument's id in capitals.
fn value_name(arg: &clap::Arg) -> String {
    arg.get_value_names().and_then(|n| n.first()).map_or_else(
        || arg.get_id().to_string().to_uppercase(),
        |n| n.to_string(),
    )
}

/// Possible values are written into the scripts unquoted: only plain words are allowed.
fn choices(values: &[PossibleValue]) -> Vec<String> {
    values
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| word(v.get_name()))
        .collect()
}

/// `s`, checked to be a plain word (letters, digits, `-`, `_`), which every shell reads as
/// itself: names from clap go into the scripts without quoting.
pub(super) fn word(s: &str) -> String {
    assert!(
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "completions: {s:?} is not a plain word"
    );
    s.to_string()
}

/// The first sentence of a help text, for a one-line description.
pub(super) fn first_line(text: Option<String>) -> String {
    let text = text.unwrap_or_default();
    let line = text.lines().next().unwrap_or("").trim();
    let sentence = line.split_once(". ").map_or(line, |(first, _)| first);
    sentence.strip_suffix('.').unwrap_or(sentence).to_string()
}

/// Words joined with spaces, each checked by [`word`] (options keep their dashes).
pub(super) fn words<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| word(s.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `s` in single quotes, for sh, bash and zsh.
pub(super) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` checked by [`word`], or empty as it is for aws-as itself.
pub(super) fn word_or_empty(s: &str) -> String {
    if s.is_empty() { String::new() } else { word(s) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A positional argument added to the CLI needs a rule in each generator, and the templates
    /// assume these shapes (the tcsh rules know only these).
    #[test]
    fn every_argument_has_a_rule() {
        let spec = Spec::from_clap(&crate::cli::command());
        assert_eq!(
            spec.top().positionals,
            vec![Pos::Identity { dash: true }],
            "aws-as [NAME|-]"
        );
        for cmd in spec.subcommands() {
            let known = matches!(
                cmd.positionals.as_slice(),
                [] | [Pos::Choice(..)]
                    | [Pos::Identity { dash: false }]
                    | [Pos::Identity { dash: false }, Pos::Command]
            );
            assert!(
                known,
                "aws-as {}: no completion rule for {:?}",
                cmd.name, cmd.positionals
            );
        }
    }
}
