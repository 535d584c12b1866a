# aws-as activation for zsh, printed by `aws-as-activate --shell zsh`.
# Use:  eval "$(aws-as-activate -s)"
#
# Quirks this file works around:
# - The user's options are unknown (ksh_arrays, no_unset, err_exit, sh_word_split, …): every
#   function starts with `emulate -L zsh`, and the few top-level lines only read `${VAR-}`.
# - zsh's eval parses the whole text before running any of it, so `unalias` cannot protect a later
#   `name() {…}` in the same text from alias expansion: functions are defined with the `function`
#   keyword, whose name is never alias-expanded; commands are written `\builtin`/`\command`.
# - `eval "$(cmd)"` succeeds when cmd fails: the output is captured first and evaluated only when
#   the binary succeeded (it prints nothing on stdout when it fails).
# - Prompt: `%` is always an escape, `!` is one with prompt_bang, and `$…`/`` `…` `` are expanded
#   with prompt_subst (and then `%` is decoded in the result). The name has `%` (and `!`) doubled;
#   without prompt_subst it is inserted as text, with it PS1 references a variable holding it, since
#   an expansion's result is never expanded again. Those options are read *before* `emulate -L zsh`.
# - The hook is one entry of precmd_functions, added and removed as add-zsh-hook does it (never
#   replacing another precmd hook) but without autoloading add-zsh-hook, whose file was a fifth
#   of what the activation cost a new zsh. It spawns nothing, only rewrites PS1 when the name or
#   another tool changed it, and returns the `$?` it found.
# - Expiry: the prefix reads `(NAME expired) ` once AWS_AS_EXPIRES_EPOCH has passed (a word: names
#   may hold any sign, and a word needs no legend). The clock is the prompt escape `%D{%s}`
#   expanded with the `(%)` flag: core zsh, no process, and no module loaded (zsh/datetime's
#   EPOCHSECONDS would be a module the user may not have had, to unload exactly on deactivation).
#   The epoch is checked to be digits before arithmetic sees it (zsh evaluates a value as an
#   expression).
# - AWS_AS_AUTO_RENEW=1: when fewer than 5 minutes remain, the hook (not the wrapper's own call,
#   which has just asked the binary) runs the switch once with `--no-input`, evaluated only on
#   success, traces off as in the wrapper. One attempt per session (identity, key id, expiry): a
#   renewal that needs an MFA code fails, says so once on stderr, and is not retried at every
#   prompt. With AWS_AS_PROMPT=0 the hook is installed for this alone when AWS_AS_AUTO_RENEW=1 at
#   activation.
# - AWS_AS_ACTIVATED (exported): this shell's pid. The binary, run by this shell without
#   `--shell`, bypassed the function (`command aws-as NAME`) and refuses (src/output/switch/mod.rs).

\builtin unalias aws-as aws-as-deactivate __aws_as_prompt __aws_as_expiry __aws_as_renew \
    >/dev/null 2>&1 || :

# __aws_as_prompt [SUBST BANG]: put "(NAME) " in front of PS1. As a precmd hook it reads the
# prompt options itself, and may renew; the wrapper passes them, as it runs under
# `emulate -L zsh`, and has just asked the binary.
function __aws_as_prompt {
    \builtin local -i __aws_as_s=$? __aws_as_subst=0 __aws_as_bang=0 __aws_as_hook=1
    if (( $# == 2 )); then
        __aws_as_subst=$1 __aws_as_bang=$2 __aws_as_hook=0
    else
        if [[ -o promptsubst ]]; then __aws_as_subst=1; fi
        if [[ -o promptbang ]]; then __aws_as_bang=1; fi
    fi
    \builtin emulate -L zsh
    __aws_as_expiry $__aws_as_hook
    if [[ -n ${__aws_as_renew_only-} ]]; then
        return $__aws_as_s
    fi
    \builtin local n=${AWS_AS_IDENTITY:--}$__aws_as_mark p
    n=${n//\%/%%}
    if (( __aws_as_bang )); then n=${n//\!/!!}; fi
    if (( __aws_as_subst )); then
        \builtin typeset -g __aws_as_psname=$n
        p='(${__aws_as_psname}) '
    else
        p="($n) "
    fi
    if [[ -n ${__aws_as_prefix-} && $PS1 == "$__aws_as_prefix"* ]]; then
        PS1=$p${PS1#"$__aws_as_prefix"}
    elif [[ $PS1 != "$p"* ]]; then
        PS1=$p$PS1
    fi
    \builtin typeset -g __aws_as_prefix=$p
    return $__aws_as_s
}

# __aws_as_expiry MAY_RENEW: sets __aws_as_mark; with MAY_RENEW 1 and AWS_AS_AUTO_RENEW=1, renews
# first when fewer than 5 minutes (300 s) remain.
function __aws_as_expiry {
    \builtin emulate -L zsh
    \builtin local e=${AWS_AS_EXPIRES_EPOCH-} now session
    \builtin typeset -g __aws_as_mark=
    if [[ -z ${AWS_AS_IDENTITY-} || $e != <-> || ${#e} -gt 15 ]]; then
        return 0
    fi
    now=${(%):-%D{%s}}
    session=$AWS_AS_IDENTITY:${AWS_ACCESS_KEY_ID-}:$e
    if (( $1 )) && [[ ${AWS_AS_AUTO_RENEW-} == 1 && ${__aws_as_tried-} != "$session" ]] &&
        (( e - now < 300 )); then
        \builtin typeset -g __aws_as_tried=$session
        __aws_as_renew
        e=${AWS_AS_EXPIRES_EPOCH-}
        if [[ $e != <-> || ${#e} -gt 15 ]]; then
            return 0
        fi
        # Still short (STS gave a short session): do not run the binary again at every prompt.
        if (( e - now < 300 )); then
            __aws_as_tried=$AWS_AS_IDENTITY:${AWS_ACCESS_KEY_ID-}:$e
        fi
    fi
    if (( e <= now )); then
        __aws_as_mark=' expired'
    fi
}

# Adds the prompt hook to precmd_functions, once.
function __aws_as_hook {
    \builtin emulate -L zsh
    (( ${precmd_functions[(I)__aws_as_prompt]} )) || precmd_functions+=(__aws_as_prompt)
}

\builtin export AWS_AS_ACTIVATED=$$
if [[ ${AWS_AS_PROMPT-} != 0 ]]; then
    \builtin unset __aws_as_renew_only
    __aws_as_hook
    __aws_as_prompt
elif [[ ${AWS_AS_AUTO_RENEW-} == 1 && -z ${__aws_as_prefix-} ]]; then
    __aws_as_renew_only=1
    __aws_as_hook
fi

# @AWS_AS_LAZY@ What follows is defined at first use, not at activation: the activation prints a
# stub for each function below that loads them all (`aws-as-activate --shell zsh --rest`) and
# then runs the real one. Parsing them at every shell start was half of what the activation cost.

function aws-as {
    \builtin local -i __aws_as_subst=0 __aws_as_bang=0
    if [[ -o promptsubst ]]; then __aws_as_subst=1; fi
    if [[ -o promptbang ]]; then __aws_as_bang=1; fi
    \builtin emulate -L zsh
    # The user's `set -x` / `set -v` would print the credentials, and `emulate -L zsh` leaves
    # xtrace on: both off in here, the user's options come back on return (localoptions).
    \builtin setopt localoptions noxtrace noverbose
    if (( $# == 0 )); then
        \command '@AWS_AS@'
        return
    fi
    case $1 in
    (-h | --help | -V | --version | exec | credential-process | write | refresh | export | login | serve | server | sso | keys | doctor | list | completions | help)
        # Human text, or a command that owns the terminal (exec): never captured, never evaluated.
        \command '@AWS_AS@' "$@"
        return
        ;;
    esac
    \builtin local __aws_as_out
    __aws_as_out=$(\command '@AWS_AS@' --shell zsh "$@") || return
    \builtin eval "$__aws_as_out"
    if [[ -n ${__aws_as_prefix-} ]]; then
        __aws_as_prompt $__aws_as_subst $__aws_as_bang
    fi
}

# The wrapper's switch for the active identity (and the region aws-as set, which may come from
# --region), without a terminal prompt; says once why it could not.
function __aws_as_renew {
    \builtin emulate -L zsh
    \builtin setopt localoptions noxtrace noverbose
    \builtin local __aws_as_out
    \builtin local -a __aws_as_args
    __aws_as_args=(--shell zsh --no-input)
    if [[ -n ${AWS_AS_REGION-} ]]; then
        __aws_as_args+=(--region $AWS_AS_REGION)
    fi
    if __aws_as_out=$(\command '@AWS_AS@' $__aws_as_args -- "$AWS_AS_IDENTITY" 2>/dev/null </dev/null)
    then
        \builtin eval "$__aws_as_out"
    else
        \builtin printf 'aws-as: could not renew %s in the background (an MFA code is needed, or STS is unreachable); run: aws-as %s\n' \
            "$AWS_AS_IDENTITY" "$AWS_AS_IDENTITY" >&2
    fi
    return 0
}

function aws-as-deactivate {
    \builtin emulate -L zsh
    # `-` gives back the user's own credentials: traces off, as in aws-as.
    \builtin setopt localoptions noxtrace noverbose
    \builtin local __aws_as_out
    case $#:${1-} in
    (0:) ;;
    (1:--keep-creds) ;;
    (*)
        \builtin print -ru2 -- 'usage: aws-as-deactivate [--keep-creds]'
        return 2
        ;;
    esac
    if (( $# == 0 )); then
        if ! __aws_as_out=$(\command '@AWS_AS@' --shell zsh -); then
            \builtin print -ru2 -- 'aws-as-deactivate: could not clear the credentials (aws-as-deactivate --keep-creds removes aws-as and keeps them)'
            return 1
        fi
        \builtin eval "$__aws_as_out"
    fi
    if [[ -n ${__aws_as_prefix-}${__aws_as_renew_only-} ]]; then
        precmd_functions=(${precmd_functions:#__aws_as_prompt})
    fi
    if [[ -n ${__aws_as_prefix-} ]]; then
        if [[ $PS1 == "$__aws_as_prefix"* ]]; then
            PS1=${PS1#"$__aws_as_prefix"}
        fi
    fi
    \builtin unset __aws_as_prefix __aws_as_psname __aws_as_mark __aws_as_tried __aws_as_renew_only \
        AWS_AS_ACTIVATED
    \builtin unfunction aws-as aws-as-deactivate __aws_as_prompt __aws_as_expiry __aws_as_renew \
        __aws_as_hook __aws_as_load
    # The completion the activation appended when compinit was loaded
    # (src/output/shell/completions/zsh.zsh).
    if (( ${+functions[_aws-as]} )); then
        (( ${+functions[compdef]} )) && compdef -d aws-as
        \builtin unfunction -m '_aws-as*'
    fi
}
