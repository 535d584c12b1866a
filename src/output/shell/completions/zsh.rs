//! zsh: `_aws-as_spec CMD` sets reply to CMD's _arguments specs, `_aws-as_subcommands` to the
//! subcommands with what they do; `zsh.zsh` completes with them.

use super::spec::{Cmd, Opt, Pos, Spec, sh_quote, word, words};

pub(super) const TEMPLATE: &str = include_str!("zsh.zsh");

/// `text` inside an _arguments description (`[…]`) or message (`:…:`).
fn text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if matches!(c, '\\' | '[' | ']' | ':') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn option_specs(opt: &Opt) -> Vec<String> {
    let spellings = opt.spellings();
    let exclusion = if spellings.len() > 1 {
        format!("({})", spellings.join(" "))
    } else {
        String::new()
    };
    let argument = match &opt.value {
        None => String::new(),
        Some((name, choices)) if choices.is_empty() => format!(":{}:", text(name)),
        Some((name, choices)) => format!(":{}:({})", text(name), words(choices)),
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
                text(&opt.help)
            ))
        })
        .collect()
}

fn positional_specs(cmd: &Cmd) -> Vec<String> {
    cmd.positionals
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let n = i + 1;
            sh_quote(&match p {
                Pos::Identity { .. } => format!("{n}:identity:_aws-as_identities"),
                Pos::Choice(name, choices) => {
                    format!("{n}:{}:({})", text(name), words(choices))
                }
                // `*:::` gives _normal the words from the command on (`*::` would start at NAME).
                Pos::Command => "*:::command:_normal".to_string(),
                Pos::Unknown(id) => format!("{n}:{}: ", text(id)),
            })
        })
        .collect()
}

/// The lines that replace the template's `@GENERATED@` line.
pub(super) fn generate(spec: &Spec) -> String {
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
        let mut specs: Vec<String> = cmd.options.iter().flat_map(option_specs).collect();
        if !cmd.name.is_empty() {
            specs.extend(positional_specs(cmd));
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
