# aws-as activation for tcsh (and csh, without the prompt), printed by `aws-as-activate -c`.
# Use:  eval "`aws-as-activate -c`"
#
# Quirks this file works around:
# - eval "`…`" joins all lines into ONE line: every statement ends with ` ;`, there is no
#   if/then/endif, foreach or switch, and aws-as-activate removes these comment lines (a `#` would
#   comment out the rest of the line, that is, everything).
# - Inside "`…`" the outer shell substitutes variables and the subshell then parses the result
#   again, so an argument `x$(…)` or a path with `'` would be re-parsed. The subshell is a fork and
#   has our variables: the outer shell only substitutes `${__aws_as_d}` (a `$`), and the subshell
#   itself expands `$__aws_as_a:q`, each argument one quoted word.
# - csh has no functions: `aws-as` and `aws-as-deactivate` are aliases. `\!*` is the alias'
#   arguments, with the user's quoting kept, so `set __aws_as_a = ( \!* )` gets one word per
#   argument. `:q` keeps words whole and inert afterwards.
# - A one-line `if ( C ) CMD` substitutes variables in CMD even when C is false (so `$?X` guards are
#   written `if ( $?X ) eval '…$X…'`), and does not expand aliases in CMD (so `eval ALIAS`).
# - `!` is history substitution, even inside single quotes: none appears except `\!*`.
# - csh loses exit codes through eval "`…`": the binary prints nothing on stdout when it fails, so
#   evaluating its output is always safe.
# - Prompt (tcsh only): `%$VAR` in the prompt inserts the value of VAR as text, with no `%`, `!`
#   or `\` decoding, so the prefix is the constant `(%$__aws_as_n) ` and the hook only copies
#   AWS_AS_IDENTITY (or `-`) into __aws_as_n: nothing spawned, a name never decoded or run.
# - `set echo` / `set verbose` would print the evaluated `setenv AWS_SECRET_ACCESS_KEY …`: the
#   alias unsets both around the eval and sets again those that were set (`$__aws_as_xv`).
# - precmd: an existing `precmd` alias is kept and runs first; ours is appended. Deactivation puts
#   the old alias back (or removes ours). If another tool rewrote the prompt, the hook prefixes the
#   new prompt; deactivation restores the prompt only if it is still the one aws-as set.

set __aws_as_bin = '@AWS_AS@' __aws_as_d = '$' ;

alias aws-as 'set __aws_as_a = ( \!* ) ; set __aws_as_1 = ( $__aws_as_a:q "" ) ; set __aws_as_h = 0 ; if ( $#__aws_as_a == 0 ) set __aws_as_h = 1 ; if ( "$__aws_as_1[1]" == "-h" || "$__aws_as_1[1]" == "--help" || "$__aws_as_1[1]" == "-V" || "$__aws_as_1[1]" == "--version" || "$__aws_as_1[1]" == "exec" || "$__aws_as_1[1]" == "credential-process" || "$__aws_as_1[1]" == "list" || "$__aws_as_1[1]" == "completions" ) set __aws_as_h = 1 ; if ( $__aws_as_h == 1 ) $__aws_as_bin:q $__aws_as_a:q ; set __aws_as_xv = ( $?echo $?verbose ) ; unset echo verbose ; if ( $__aws_as_h == 0 ) eval "`${__aws_as_d}__aws_as_bin:q --shell tcsh ${__aws_as_d}__aws_as_a:q`" ; if ( $?__aws_as_last ) eval __aws_as_prompt ; unset __aws_as_a __aws_as_1 __aws_as_h ; if ( $__aws_as_xv[2] ) set verbose ; if ( $__aws_as_xv[1] ) set echo ; unset __aws_as_xv' ;

alias aws-as-deactivate 'set __aws_as_a = ( \!* ) ; set __aws_as_h = 2 ; if ( $#__aws_as_a == 0 ) set __aws_as_h = 0 ; if ( "$__aws_as_a" == "--keep-creds" ) set __aws_as_h = 1 ; if ( $__aws_as_h == 2 ) echo "usage: aws-as-deactivate [--keep-creds]" > /dev/stderr ; if ( $__aws_as_h == 0 ) eval "`${__aws_as_d}__aws_as_bin:q --shell tcsh -`" ; if ( $__aws_as_h < 2 ) eval __aws_as_remove ; unset __aws_as_a __aws_as_h' ;

alias __aws_as_remove 'if ( $?__aws_as_last ) eval __aws_as_unprompt ; unalias aws-as aws-as-deactivate __aws_as_remove __aws_as_prompt __aws_as_unprompt ; unset __aws_as_*' ;

alias __aws_as_prompt 'set __aws_as_n = - ; if ( $?AWS_AS_IDENTITY ) eval '\''set __aws_as_n = $AWS_AS_IDENTITY:q'\'' ; if ( "$__aws_as_n" == "" ) set __aws_as_n = - ; if ( "$prompt" != "$__aws_as_last" ) set __aws_as_base = "$prompt:q" ; set prompt = "$__aws_as_prefix$__aws_as_base:q" ; set __aws_as_last = "$prompt:q"' ;

alias __aws_as_unprompt 'if ( "$prompt" == "$__aws_as_last" ) set prompt = "$__aws_as_base:q" ; if ( $__aws_as_hadprecmd == 1 ) alias precmd "$__aws_as_oldprecmd" ; if ( $__aws_as_hadprecmd == 0 ) unalias precmd' ;

set __aws_as_on = 0 ;
if ( $?tcsh && $?prompt ) set __aws_as_on = 1 ;
if ( $?AWS_AS_PROMPT ) eval 'if ( "$AWS_AS_PROMPT" == 0 ) set __aws_as_on = 0' ;
if ( $?__aws_as_last ) set __aws_as_on = 0 ;
if ( $__aws_as_on == 1 ) set __aws_as_prefix = '(%$__aws_as_n) ' __aws_as_last = '' __aws_as_base = '' ;
if ( $__aws_as_on == 1 ) set __aws_as_oldprecmd = "`alias precmd`" ;
if ( $__aws_as_on == 1 ) eval 'set __aws_as_hadprecmd = 0 ; if ( "$__aws_as_oldprecmd" != "" ) set __aws_as_hadprecmd = 1' ;
if ( $__aws_as_on == 1 ) eval 'if ( $__aws_as_hadprecmd == 1 ) alias precmd "$__aws_as_oldprecmd ; __aws_as_prompt"' ;
if ( $__aws_as_on == 1 ) eval 'if ( $__aws_as_hadprecmd == 0 ) alias precmd __aws_as_prompt' ;
if ( $?__aws_as_last ) eval __aws_as_prompt ;
unset __aws_as_on ;
