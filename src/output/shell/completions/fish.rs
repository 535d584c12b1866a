//! fish: `__aws_as_spec CMD WHAT` prints CMD's subcommands, options, value-taking options or
//! positional arguments, `__aws_as_choices CMD OPTION` an option's possible values; `fish.fish`
//! completes with them.

use super::spec::{Pos, Spec, word, word_or_empty, words};

pub(super) const TEMPLATE: &str = include_str!("fish.fish");

/// `s` in fish single quotes (where `\` and `'` are escaped).
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

/// The lines that replace the template's `@GENERATED@` line.
pub(super) fn generate(spec: &Spec) -> String {
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
                quote(&format!("{name}:{what}"))
            ));
            // One line per candidate (the name, then its description).
            for line in args.chunks(format.matches("%s").count()) {
                let line: Vec<String> = line.iter().map(|a| quote(a)).collect();
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
                .map(|o| quote(&format!("{}:{o}", word_or_empty(&cmd.name))))
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

fn pos_kind(p: &Pos) -> &'static str {
    match p {
        Pos::Identity { dash: true } => "identity-or-dash",
        Pos::Identity { dash: false } => "identity",
        Pos::Command => "command",
        Pos::Choice(..) => "choice",
        Pos::Unknown(_) => "unknown",
    }
}
