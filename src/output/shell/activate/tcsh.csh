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
#   aliases (aws-as, and aws-as-deactivate, whose `-` gives back the user's own credentials)
#   unset both around the eval and set again those that were set (`$__aws_as_xv`).
# - Expiry: the prefix reads `(NAME expired) ` once AWS_AS_EXPIRES_EPOCH has passed: the constant
#   prefix also holds `%$__aws_as_m`, which precmd sets to "" or " expired". tcsh has no clock
#   builtin, so precmd runs one `date +%s` (as `\date`: no alias), and only while an identity
#   is active. `@` reads a leading 0 as octal: such an epoch (not one aws-as writes) is ignored.
# - AWS_AS_AUTO_RENEW=1: when fewer than 5 minutes remain, precmd (not the alias' own call) runs the
#   switch once with --no-input. csh cannot send stderr alone anywhere, so /bin/sh runs the binary
#   with `2>/dev/null` (`$__aws_as_sh`); echo/verbose are off around the eval, as in the alias;
#   the binary prints nothing when it fails, so an unchanged AWS_ACCESS_KEY_ID means it failed,
#   said once on stderr. One attempt per session (identity, key id, expiry), kept in
#   __aws_as_tried; after an attempt precmd recomputes the mark with renewal off (__aws_as_may).
#   With AWS_AS_PROMPT=0 there is no precmd, so no mark and no renewal.
# - precmd: an existing `precmd` alias is kept and runs first; ours is appended. Deactivation puts
#   the old alias back (or removes ours). If another tool rewrote the prompt, the hook prefixes the
#   new prompt; deactivation restores the prompt only if it is still the one aws-as set.
# - csh reads an alias only on lines parsed after it was defined: in a one-line
#   `eval "`aws-as-activate -c`"; aws-as NAME` the binary runs instead. This shell's pid is
#   exported as AWS_AS_ACTIVATED, and the binary, run by this shell without `--shell`, refuses
#   and says to put `aws-as NAME` on the next line (src/output/switch/mod.rs).

set __aws_as_bin = '@AWS_AS@' __aws_as_d = '$' ;

setenv AWS_AS_ACTIVATED $$ ;

set __aws_as_sh = 'exec "$0" --shell tcsh --no-input ${AWS_AS_REGION:+--region "$AWS_AS_REGION"} -- "$1" 2>/dev/null </dev/null' ;

alias aws-as 'set __aws_as_a = ( \!* ) ; set __aws_as_1 = ( $__aws_as_a:q "" ) ; set __aws_as_h = 0 ; if ( $#__aws_as_a == 0 ) set __aws_as_h = 1 ; if ( "$__aws_as_1[1]" == "-h" || "$__aws_as_1[1]" == "--help" || "$__aws_as_1[1]" == "-V" || "$__aws_as_1[1]" == "--version" || "$__aws_as_1[1]" == "exec" || "$__aws_as_1[1]" == "credential-process" || "$__aws_as_1[1]" == "list" || "$__aws_as_1[1]" == "completions" || "$__aws_as_1[1]" == "write" || "$__aws_as_1[1]" == "refresh" || "$__aws_as_1[1]" == "export" || "$__aws_as_1[1]" == "login" || "$__aws_as_1[1]" == "serve" || "$__aws_as_1[1]" == "server" || "$__aws_as_1[1]" == "sso" || "$__aws_as_1[1]" == "keys" || "$__aws_as_1[1]" == "doctor" || "$__aws_as_1[1]" == "help" ) set __aws_as_h = 1 ; if ( $__aws_as_h == 1 ) $__aws_as_bin:q $__aws_as_a:q ; set __aws_as_xv = ( $?echo $?verbose ) ; unset echo verbose ; if ( $__aws_as_h == 0 ) eval "`${__aws_as_d}__aws_as_bin:q --shell tcsh ${__aws_as_d}__aws_as_a:q`" ; if ( $?__aws_as_last ) eval __aws_as_prompt ; unset __aws_as_a __aws_as_1 __aws_as_h ; if ( $__aws_as_xv[2] ) set verbose ; if ( $__aws_as_xv[1] ) set echo ; unset __aws_as_xv' ;

alias aws-as-deactivate 'set __aws_as_a = ( \!* ) ; set __aws_as_h = 2 ; if ( $#__aws_as_a == 0 ) set __aws_as_h = 0 ; if ( "$__aws_as_a" == "--keep-creds" ) set __aws_as_h = 1 ; if ( $__aws_as_h == 2 ) echo "usage: aws-as-deactivate [--keep-creds]" > /dev/stderr ; set __aws_as_xv = ( $?echo $?verbose ) ; unset echo verbose ; if ( $__aws_as_h == 0 ) eval "`${__aws_as_d}__aws_as_bin:q --shell tcsh -`" ; if ( $__aws_as_xv[2] ) set verbose ; if ( $__aws_as_xv[1] ) set echo ; unset __aws_as_xv ; if ( $__aws_as_h < 2 ) eval __aws_as_remove ; unset __aws_as_a __aws_as_h' ;

alias __aws_as_remove 'if ( $?__aws_as_last ) eval __aws_as_unprompt ; unalias aws-as aws-as-deactivate __aws_as_remove __aws_as_prompt __aws_as_unprompt __aws_as_precmd __aws_as_expiry __aws_as_clock __aws_as_renew ; if ( $?tcsh ) uncomplete aws-as ; unsetenv AWS_AS_ACTIVATED ; unset __aws_as_*' ;

alias __aws_as_prompt 'set __aws_as_n = - ; if ( $?AWS_AS_IDENTITY ) eval '\''set __aws_as_n = $AWS_AS_IDENTITY:q'\'' ; if ( "$__aws_as_n" == "" ) set __aws_as_n = - ; if ( "$prompt" != "$__aws_as_last" ) set __aws_as_base = "$prompt:q" ; set prompt = "$__aws_as_prefix$__aws_as_base:q" ; set __aws_as_last = "$prompt:q"' ;

alias __aws_as_precmd '__aws_as_expiry ; __aws_as_prompt' ;

alias __aws_as_expiry 'set __aws_as_m = "" __aws_as_e = "" ; if ( $?AWS_AS_IDENTITY && $?AWS_AS_EXPIRES_EPOCH ) eval '\''set __aws_as_e = $AWS_AS_EXPIRES_EPOCH:q'\'' ; if ( "$__aws_as_e" =~ *[^0-9]* || "$__aws_as_e" =~ 0* || "$__aws_as_e" =~ ????????????????* ) set __aws_as_e = "" ; if ( "$__aws_as_e" != "" ) eval __aws_as_clock' ;

alias __aws_as_clock 'set __aws_as_now = `\date +%s` ; @ __aws_as_left = $__aws_as_e - $__aws_as_now ; set __aws_as_i = "" ; if ( $?AWS_ACCESS_KEY_ID ) eval '\''set __aws_as_i = $AWS_ACCESS_KEY_ID:q'\'' ; set __aws_as_k = ( $AWS_AS_IDENTITY:q "$__aws_as_i" $__aws_as_e ) ; set __aws_as_r = 0 ; if ( $?AWS_AS_AUTO_RENEW ) eval '\''if ( "$AWS_AS_AUTO_RENEW" == 1 ) set __aws_as_r = 1'\'' ; if ( $__aws_as_may == 0 || $__aws_as_left >= 300 || "$__aws_as_k" == "$__aws_as_tried" ) set __aws_as_r = 0 ; if ( $__aws_as_may == 0 && $__aws_as_left < 300 ) set __aws_as_tried = ( $__aws_as_k:q ) ; if ( $__aws_as_left <= 0 ) set __aws_as_m = " expired" ; if ( $__aws_as_r == 1 ) eval __aws_as_renew' ;

alias __aws_as_renew 'set __aws_as_tried = ( $__aws_as_k:q ) ; set __aws_as_o = ( $?echo $?verbose ) ; unset echo verbose ; eval "`/bin/sh -c ${__aws_as_d}__aws_as_sh:q ${__aws_as_d}__aws_as_bin:q ${__aws_as_d}AWS_AS_IDENTITY:q`" ; if ( $__aws_as_o[2] ) set verbose ; if ( $__aws_as_o[1] ) set echo ; set __aws_as_i = "" ; if ( $?AWS_ACCESS_KEY_ID ) eval '\''set __aws_as_i = $AWS_ACCESS_KEY_ID:q'\'' ; if ( "$__aws_as_i" == "$__aws_as_k[2]" ) eval '\''printf "aws-as: could not renew %s in the background (an MFA code is needed, or STS is unreachable); run: aws-as %s\n" $AWS_AS_IDENTITY:q $AWS_AS_IDENTITY:q > /dev/stderr'\'' ; set __aws_as_may = 0 ; eval __aws_as_expiry ; set __aws_as_may = 1' ;

alias __aws_as_unprompt 'if ( "$prompt" == "$__aws_as_last" ) set prompt = "$__aws_as_base:q" ; if ( $__aws_as_hadprecmd == 1 ) alias precmd "$__aws_as_oldprecmd" ; if ( $__aws_as_hadprecmd == 0 ) unalias precmd' ;

set __aws_as_on = 0 ;
if ( $?tcsh && $?prompt ) set __aws_as_on = 1 ;
if ( $?AWS_AS_PROMPT ) eval 'if ( "$AWS_AS_PROMPT" == 0 ) set __aws_as_on = 0' ;
if ( $?__aws_as_last ) set __aws_as_on = 0 ;
if ( $__aws_as_on == 1 ) set __aws_as_prefix = '(%$__aws_as_n%$__aws_as_m) ' __aws_as_last = '' __aws_as_base = '' __aws_as_m = '' __aws_as_may = 1 __aws_as_tried = '' ;
if ( $__aws_as_on == 1 ) set __aws_as_oldprecmd = "`alias precmd`" ;
if ( $__aws_as_on == 1 ) eval 'set __aws_as_hadprecmd = 0 ; if ( "$__aws_as_oldprecmd" != "" ) set __aws_as_hadprecmd = 1' ;
if ( $__aws_as_on == 1 ) eval 'if ( $__aws_as_hadprecmd == 1 ) alias precmd "$__aws_as_oldprecmd ; __aws_as_precmd"' ;
if ( $__aws_as_on == 1 ) eval 'if ( $__aws_as_hadprecmd == 0 ) alias precmd __aws_as_precmd' ;
if ( $?__aws_as_last ) eval __aws_as_prompt ;
unset __aws_as_on ;
