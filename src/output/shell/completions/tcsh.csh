# tcsh completion for aws-as, printed by `aws-as completions tcsh` (generated from
# src/output/shell/completions/tcsh.csh: edit that, not this). aws-as-activate includes it;
# without the activation: source it from ~/.tcshrc.
#
# Quirks this file works around:
# - One `complete` statement ending with ` ;`, no `!`: aws-as-activate's output is evaluated as
#   one line (its comment lines are dropped), where `!` would be a history reference.
# - csh has no `complete`: the statement is skipped there.
# - Identity names come from `aws-as list --names`, run only on TAB. tcsh splits the output of
#   a completion's command at blanks: a name holding a space is offered as two words (tcsh has
#   no way to keep it whole). tcsh quotes what it inserts and evaluates none of it.
# - A rule sees the current word, the word before it or the one before that, not the whole line:
#   options are offered from one list for every subcommand, and after `exec --no-input NAME` come
#   file names where `exec NAME` gets a command.
# @GENERATED@
