//! bash: `_aws_as_spec CMD` sets the arrays that the walker in `bash.bash` reads, and
//! `_aws_as_choices CMD OPTION` an option's possible values.

use super::spec::{Pos, Spec, sh_quote, word, word_or_empty, words};

pub(super) const TEMPLATE: &str = include_str!("bash.bash");

fn pos_word(p: &Pos) -> String {
    match p {
        Pos::Identity { dash: true } => "identity-or-dash".to_string(),
        Pos::Identity { dash: false } => "identity".to_string(),
        Pos::Command => "command".to_string(),
        Pos::Choice(_, c) => sh_quote(&format!("choice {}", words(c))),
        Pos::Unknown(_) => "unknown".to_string(),
    }
}

/// The lines that replace the template's `@GENERATED@` line.
pub(super) fn generate(spec: &Spec) -> String {
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
