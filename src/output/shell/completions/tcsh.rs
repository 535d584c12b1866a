//! tcsh: one `complete` statement, its rules tried in order; `tcsh.csh` runs it.

use super::spec::{Pos, Spec, word, words};

pub(super) const TEMPLATE: &str = include_str!("tcsh.csh");

/// The lines that replace the template's `@GENERATED@` line.
pub(super) fn generate(spec: &Spec) -> String {
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
