//! Completion scripts for `aws-as`: printed by `aws-as completions SHELL`, checked in under
//! `completions/`, and appended to what aws-as-activate prints.
//!
//! Each shell's logic is a template in `src/completions/`; what aws-as accepts (subcommands,
//! options, which options take a value and its possible values, what each positional argument
//! is) is read from clap's definition of the command line (passed in by `cli/`) and written
//! into the template, so a completion cannot drift from the parser. Identity names are not in
//! the scripts: they run `aws-as list --names` when TAB is pressed, so they follow the config.
//!
//! clap_complete is not used: its scripts are static (they cannot ask `aws-as list --names` for
//! names) and it has no tcsh; its dynamic mode starts the binary for every TAB and is unstable.

use clap::builder::PossibleValue;

use super::Shell;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Tcsh,
}

impl CompletionShell {
    pub const ALL: [CompletionShell; 4] = [
        CompletionShell::Bash,
        CompletionShell::Zsh,
        CompletionShell::Fish,
        CompletionShell::Tcsh,
    ];

    /// The file name the script is installed under (and checked in as, in `completions/`).
    pub fn file_name(self) -> &'static str {
        match self {
            CompletionShell::Bash => "aws-as.bash",
            CompletionShell::Zsh => "_aws-as",
            CompletionShell::Fish => "aws-as.fish",
            CompletionShell::Tcsh => "aws-as.tcsh",
        }
    }
}

const BASH: &str = include_str!("completions/bash.bash");
const ZSH: &str = include_str!("completions/zsh.zsh");
const FISH: &str = include_str!("completions/fish.fish");
const TCSH: &str = include_str!("completions/tcsh.csh");

/// What `aws-as completions` was asked.
pub struct Options {
    pub shell: CompletionShell,
    /// The command line the script completes: clap's definition of it.
    pub command: fn() -> clap::Command,
}

/// `aws-as completions SHELL`: the [`script`] for SHELL.
pub fn run(options: &Options, _: Option<crate::session::Connect>) -> crate::error::Result<String> {
    Ok(script(options.shell, &(options.command)()))
}

/// The completion script for `shell`, for the command line `command` defines.
pub fn script(shell: CompletionShell, command: &clap::Command) -> String {
    let spec = Spec::from_clap(command);
    let (template, generated) = match shell {
        CompletionShell::Bash => (BASH, bash(&spec)),
        CompletionShell::Zsh => (ZSH, zsh(&spec)),
        CompletionShell::Fish => (FISH, fish(&spec)),
        CompletionShell::Tcsh => (TCSH, tcsh(&spec)),
    };
    fill(template, &generated)
}

/// What aws-as-activate appends for `shell`: completion where the shell has a completion system,
/// nothing for sh; csh, which has no `complete`, never. Defining completions starts no process.
/// bash and zsh get a loader that defines the real completion (what `aws-as completions SHELL`
/// prints) at the first TAB: parsing its 200 lines at every shell start was a third of what the
/// activation cost a new shell. zsh gets it only when compinit has run (compdef exists). fish and
/// tcsh get the whole script: their activation is not measured against a budget, and fish
/// autoloads nothing from a pipe.
pub fn activation(shell: Shell, command: &dyn Fn() -> clap::Command) -> String {
    match shell {
        Shell::Sh => String::new(),
        Shell::Bash => BASH_LOADER.to_string(),
        Shell::Zsh => ZSH_LOADER.to_string(),
        Shell::Fish => script(CompletionShell::Fish, &command()),
        Shell::Csh | Shell::Tcsh => script(CompletionShell::Tcsh, &command()),
    }
}

/// The loaders: `_aws_as` (bash) or `_aws-as` (zsh) that defines the real one from
/// `aws-as completions SHELL` and completes the TAB that called it.
const BASH_LOADER: &str = include_str!("completions/loader.bash");
const ZSH_LOADER: &str = include_str!("completions/loader.zsh");

/// Replaces the template's marker line (`@GENERATED@` in a comment) with `generated`.
fn fill(template: &str, generated: &str) -> String {
    let mut out = String::new();
    let mut filled = false;
    for line in template.lines() {
        if line.contains("@GENERATED@") {
            out.push_str(generated);
            filled = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(filled, "completion template without its @GENERATED@ line");
    out
}

// ---------------------------------------------------------------------------------------------
// What the command line accepts, read from clap.

/// The top level (`aws-as [NAME|-]`, `name` empty) and each subcommand.
struct Spec {
    commands: Vec<Cmd>,
}

struct Cmd {
    /// `""` for aws-as itself.
    name: String,
    about: String,
    options: Vec<Opt>,
    positionals: Vec<Pos>,
}

struct Opt {
    long: Option<String>,
    short: Option<char>,
    help: String,
    /// `Some` when the option takes a value: its name (`SECONDS`) and possible values.
    value: Option<(String, Vec<String>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Pos {
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
    fn from_clap(command: &clap::Command) -> Spec {
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

    fn subcommands(&self) -> impl Iterator<Item = &Cmd> {
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
    fn value_options(&self) -> Vec<String> {
        self.options
            .iter()
            .filter(|o| o.value.is_some())
            .flat_map(Opt::spellings)
            .collect()
    }

    fn longs(&self) -> Vec<String> {
        self.options
            .iter()
            .filter_map(|o| o.long.as_ref().map(|l| format!("--{l}")))
            .collect()
    }
}

impl Opt {
    fn spellings(&self) -> Vec<String> {
        let mut s: Vec<String> = self.long.iter().map(|l| format!("--{l}")).collect();
        s.extend(self.short.map(|c| format!("-{c}")));
        s
    }

    fn choices(&self) -> &[String] {
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
fn word(s: &str) -> String {
    assert!(
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "completions: {s:?} is not a plain word"
    );
    s.to_string()
}

/// The first sentence of a help text, for a one-line description.
fn first_line(text: Option<String>) -> String {
    let text = text.unwrap_or_default();
    let line = text.lines().next().unwrap_or("").trim();
    let sentence = line.split_once(". ").map_or(line, |(first, _)| first);
    sentence.strip_suffix('.').unwrap_or(sentence).to_string()
}

/// Words joined with spaces, each checked by [`word`] (options keep their dashes).
fn words<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| word(s.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `s` in single quotes, for sh, bash and zsh.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

// ---------------------------------------------------------------------------------------------
// bash: `_aws_as_spec CMD` sets the arrays the template's walker reads.

fn pos_word(p: &Pos) -> String {
    match p {
        Pos::Identity { dash: true } => "identity-or-dash".to_string(),
        Pos::Identity { dash: false } => "identity".to_string(),
        Pos::Command => "command".to_string(),
        Pos::Choice(_, c) => sh_quote(&format!("choice {}", words(c))),
        Pos::Unknown(_) => "unknown".to_string(),
    }
}

fn bash(spec: &Spec) -> String {
    let mut s = String::new();
    s.push_str(
        "# What aws-as accepts, generated from its clap definition. For command $1 ('' is aws-as\n\
         # itself): the subcommands, the long options offered, every option that takes a value,\n\
         # and what each positional argument is.\n",
    );
    s.push_str("_aws_as_spec() {\n    case $1 in\n");
    for cmd in &spec.commands {
        let label = if cmd.name.is_empty() {
            "''".to_string()
        } else {
            word(&cmd.name)
        };
        s.push_str(&format!("    {label})\n"));
        let subs: Vec<&str> = if cmd.name.is_empty() {
            spec.subcommands().map(|c| c.name.as_str()).collect()
        } else {
            Vec::new()
        };
        s.push_str(&format!("        _aws_as_subs=({})\n", words(&subs)));
        s.push_str(&format!("        _aws_as_opts=({})\n", words(&cmd.longs())));
        s.push_str(&format!(
            "        _aws_as_vopts=({})\n",
            words(&cmd.value_options())
        ));
        let pos: Vec<String> = cmd.positionals.iter().map(pos_word).collect();
        s.push_str(&format!("        _aws_as_pos=({})\n", pos.join(" ")));
        s.push_str("        ;;\n");
    }
    s.push_str("    esac\n}\n\n");
    s.push_str(
        "# The possible values of option $2 of command $1 (none: any value).\n\
         _aws_as_choices() {\n    case $1:$2 in\n",
    );
    for cmd in &spec.commands {
        for opt in cmd.options.iter().filter(|o| !o.choices().is_empty()) {
            let pattern = opt
                .spellings()
                .iter()
                .map(|o| format!("{}:{o}", word_or_empty(&cmd.name)))
                .collect::<Vec<_>>()
                .join(" | ");
            s.push_str(&format!(
                "    {pattern}) _aws_as_vals=({}) ;;\n",
                words(opt.choices())
            ));
        }
    }
    s.push_str("    *) _aws_as_vals=() ;;\n    esac\n}\n");
    s
}

fn word_or_empty(s: &str) -> String {
    if s.is_empty() { String::new() } else { word(s) }
}

// ---------------------------------------------------------------------------------------------
// zsh: `_aws-as_spec CMD` sets reply to CMD's _arguments specs; `_aws-as_subcommands` to the
// subcommands with what they do.

/// `text` inside an _arguments description (`[…]`) or message (`:…:`).
fn zsh_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if matches!(c, '\\' | '[' | ']' | ':') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn zsh_option_specs(opt: &Opt) -> Vec<String> {
    let spellings = opt.spellings();
    let exclusion = if spellings.len() > 1 {
        format!("({})", spellings.join(" "))
    } else {
        String::new()
    };
    let argument = match &opt.value {
        None => String::new(),
        Some((name, choices)) if choices.is_empty() => format!(":{}:", zsh_text(name)),
        Some((name, choices)) => format!(":{}:({})", zsh_text(name), words(choices)),
    };
    spellings
        .iter()
        .map(|o| {
            // `--opt=` takes the value as `--opt=V` or as the next word, like clap.
            let eq = if opt.value.is_some() && o.starts_with("--") {
                "="
            } else {
                ""
            };
            sh_quote(&format!(
                "{exclusion}{o}{eq}[{}]{argument}",
                zsh_text(&opt.help)
            ))
        })
        .collect()
}

fn zsh_positional_specs(cmd: &Cmd) -> Vec<String> {
    cmd.positionals
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let n = i + 1;
            sh_quote(&match p {
                Pos::Identity { .. } => format!("{n}:identity:_aws-as_identities"),
                Pos::Choice(name, choices) => {
                    format!("{n}:{}:({})", zsh_text(name), words(choices))
                }
                // `*:::` gives _normal the words from the command on (`*::` would start at NAME).
                Pos::Command => "*:::command:_normal".to_string(),
                Pos::Unknown(id) => format!("{n}:{}: ", zsh_text(id)),
            })
        })
        .collect()
}

fn zsh(spec: &Spec) -> String {
    // The template completes aws-as's own argument as [SUBCOMMAND|NAME|-] (checked by a unit
    // test): only the subcommands' positionals are generated.
    let mut s = String::new();
    s.push_str(
        "# What aws-as accepts, generated from its clap definition: `_aws-as_spec CMD` sets reply\n\
         # to the _arguments specs of CMD ('' is aws-as itself, without its argument) and fails for\n\
         # an unknown CMD; `_aws-as_subcommands` sets reply to the subcommands and what they do.\n",
    );
    s.push_str("function _aws-as_spec {\n    case $1 in\n");
    for cmd in &spec.commands {
        let label = if cmd.name.is_empty() {
            "''".to_string()
        } else {
            word(&cmd.name)
        };
        s.push_str(&format!("    ({label})\n        reply=(\n"));
        let mut specs: Vec<String> = cmd.options.iter().flat_map(zsh_option_specs).collect();
        if !cmd.name.is_empty() {
            specs.extend(zsh_positional_specs(cmd));
        }
        for spec in specs {
            s.push_str(&format!("            {spec}\n"));
        }
        s.push_str("        )\n        ;;\n");
    }
    s.push_str("    (*) return 1 ;;\n    esac\n}\n\n");
    s.push_str("function _aws-as_subcommands {\n    reply=(\n");
    for cmd in spec.subcommands() {
        s.push_str(&format!(
            "        {}\n",
            sh_quote(&format!("{}:{}", word(&cmd.name), cmd.about))
        ));
    }
    s.push_str("    )\n}\n");
    s
}

// ---------------------------------------------------------------------------------------------
// fish: `__aws_as_spec CMD WHAT` prints CMD's subcommands, options, value-taking options or
// positional arguments; `__aws_as_choices CMD OPTION` an option's possible values.

/// `s` in fish single quotes (where `\` and `'` are escaped).
fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

fn fish(spec: &Spec) -> String {
    let mut s = String::new();
    s.push_str(
        "# What aws-as accepts, generated from its clap definition. `__aws_as_spec CMD WHAT` prints,\n\
         # one per line, for CMD ('' is aws-as itself): its subcommands (subs) or long options (opts)\n\
         # with what they do, the options that take a value (vopts), what each positional argument\n\
         # is (pos). `__aws_as_choices CMD OPTION` prints the possible values of OPTION.\n",
    );
    s.push_str(
        "function __aws_as_spec --argument-names cmd what --description 'aws-as: what it accepts'\n    switch $cmd:$what\n",
    );
    for cmd in &spec.commands {
        let name = word_or_empty(&cmd.name);
        // (what, printf format, arguments)
        let mut cases: Vec<(&str, &str, Vec<String>)> = Vec::new();
        if cmd.name.is_empty() {
            let subs = spec
                .subcommands()
                .flat_map(|c| [word(&c.name), c.about.clone()]);
            cases.push(("subs", r"%s\t%s\n", subs.collect()));
        }
        let opts = cmd.options.iter().filter_map(|o| {
            o.long
                .as_ref()
                .map(|l| [format!("--{}", word(l)), o.help.clone()])
        });
        cases.push(("opts", r"%s\t%s\n", opts.flatten().collect()));
        cases.push(("vopts", r"%s\n", cmd.value_options()));
        let pos = cmd.positionals.iter().map(|p| match p {
            Pos::Choice(_, c) => format!("choice {}", words(c)),
            p => pos_kind(p).to_string(),
        });
        cases.push(("pos", r"%s\n", pos.collect()));
        for (what, format, args) in cases {
            if args.is_empty() {
                continue;
            }
            s.push_str(&format!(
                "        case {}\n            printf '{format}'",
                fish_quote(&format!("{name}:{what}"))
            ));
            // One line per candidate (the name, then its description).
            for line in args.chunks(format.matches("%s").count()) {
                let line: Vec<String> = line.iter().map(|a| fish_quote(a)).collect();
                s.push_str(&format!(" \\\n                {}", line.join(" ")));
            }
            s.push('\n');
        }
    }
    s.push_str("    end\nend\n\n");
    s.push_str(
        "function __aws_as_choices --argument-names cmd opt --description 'aws-as: values of an option'\n    switch $cmd:$opt\n",
    );
    for cmd in &spec.commands {
        for opt in cmd.options.iter().filter(|o| !o.choices().is_empty()) {
            let cases: Vec<String> = opt
                .spellings()
                .iter()
                .map(|o| fish_quote(&format!("{}:{o}", word_or_empty(&cmd.name))))
                .collect();
            s.push_str(&format!("        case {}\n", cases.join(" ")));
            s.push_str(&format!(
                "            printf '%s\\n' {}\n",
                words(opt.choices())
            ));
        }
    }
    s.push_str("    end\nend\n");
    s
}

// ---------------------------------------------------------------------------------------------
// tcsh: one `complete` statement, its rules tried in order.

fn tcsh(spec: &Spec) -> String {
    const NAMES: &str = "`aws-as list --names`";
    let mut rules: Vec<String> = Vec::new();
    let all = || spec.commands.iter().flat_map(|c| c.options.iter());
    // An option's value: its possible values, or what it is.
    let mut seen = Vec::new();
    for opt in all().filter(|o| o.value.is_some()) {
        for o in opt.spellings() {
            if seen.contains(&o) {
                continue;
            }
            seen.push(o.clone());
            let (name, choices) = opt.value.as_ref().expect("filtered");
            let list = if choices.is_empty() {
                format!("x:<{}>", word(name))
            } else {
                format!("({})", words(choices))
            };
            rules.push(format!("n/{o}/{list}/"));
            if !choices.is_empty() && o.starts_with("--") {
                rules.push(format!("c/{o}=/{list}/"));
            }
        }
    }
    // Options, in one list for all commands (a rule cannot tell which command it is in).
    let mut options: Vec<String> = Vec::new();
    for o in all().filter_map(|o| o.long.as_ref()) {
        let o = format!("--{}", word(o));
        if !options.contains(&o) {
            options.push(o);
        }
    }
    options.push("-".to_string());
    rules.push(format!("C/-*/({})/", options.join(" ")));
    // Before the subcommands' rules (`N/exec/` would take `exec --no-input NAME`): an identity
    // after the options of a command that takes one (`aws-as --shell fish NAME`,
    // `aws-as exec --no-input NAME`).
    let mut after: Vec<String> = Vec::new();
    for cmd in &spec.commands {
        if !cmd
            .positionals
            .iter()
            .any(|p| matches!(p, Pos::Identity { .. }))
        {
            continue;
        }
        for opt in &cmd.options {
            // --help and --version end the command line.
            if matches!(opt.long.as_deref(), Some("help" | "version")) {
                continue;
            }
            let letter = if opt.value.is_some() { 'N' } else { 'n' };
            for o in opt.spellings() {
                let rule = format!("{letter}/{o}/{NAMES}/");
                if !after.contains(&rule) {
                    after.push(rule);
                }
            }
        }
    }
    rules.extend(after);
    // What follows each subcommand.
    for cmd in spec.subcommands() {
        let name = word(&cmd.name);
        match cmd.positionals.as_slice() {
            [] => {}
            [Pos::Choice(_, choices)] => rules.push(format!("n/{name}/({})/", words(choices))),
            [Pos::Identity { .. }] => rules.push(format!("n/{name}/{NAMES}/")),
            [Pos::Identity { .. }, Pos::Command] => {
                rules.push(format!("n/{name}/{NAMES}/"));
                rules.push(format!("N/{name}/c/"));
            }
            // Anything else gets no rule (a unit test fails).
            _ => {}
        }
    }
    // aws-as's own argument: after `--` an identity only, first a subcommand or an identity.
    rules.push(format!("n/--/{NAMES}/"));
    let subs: Vec<&str> = spec.subcommands().map(|c| c.name.as_str()).collect();
    rules.push(format!(
        "p/1/`aws-as list --names ; echo - {}`/",
        words(&subs)
    ));
    let rules: Vec<String> = rules
        .iter()
        .map(|r| {
            assert!(!r.contains(['\'', '!', '\n']), "{r}");
            format!("'{r}'")
        })
        .collect();
    format!("if ( $?tcsh ) complete aws-as {} ;\n", rules.join(" "))
}

fn pos_kind(p: &Pos) -> &'static str {
    match p {
        Pos::Identity { dash: true } => "identity-or-dash",
        Pos::Identity { dash: false } => "identity",
        Pos::Command => "command",
        Pos::Choice(..) => "choice",
        Pos::Unknown(_) => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A positional argument added to the CLI needs a rule here, and the templates assume
    /// these shapes (the tcsh rules know only these).
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

    #[test]
    fn scripts_have_no_marker_left() {
        for shell in CompletionShell::ALL {
            assert!(
                !script(shell, &crate::cli::command()).contains("@GENERATED@"),
                "{shell:?}"
            );
        }
    }
}
