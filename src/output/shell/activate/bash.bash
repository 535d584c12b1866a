# aws-as activation for bash, printed by `aws-as-activate --shell bash`.
# Use:  eval "$(aws-as-activate -s)"
#
# Quirks this file works around:
# - Aliases do not expand in a non-interactive bash, so outside POSIX mode the command is a
#   function literally named `aws-as`. In POSIX mode (`bash --posix`, `set -o posix`, bash run as
#   sh) that name is invalid, but aliases do expand there: `__aws_as` plus an alias.
# - `\builtin unalias` first, so an alias named like one of ours cannot hijack the definitions;
#   `\builtin` and `\command` are never alias-expanded.
# - `eval "$(cmd)"` succeeds when cmd fails: the output is captured first and evaluated only when
#   the binary succeeded (it prints nothing on stdout when it fails).
# - Prompt: with `promptvars` on (the default) PS1 holds the *reference* `${AWS_AS_IDENTITY:--}`.
#   Backslash escapes are decoded before expansion and the result of an expansion is never
#   expanded again, so a name is shown as text, never run, and no process is spawned. With
#   promptvars off, the name is inserted as text with `\` doubled (and `!` doubled in POSIX mode,
#   where `!` is the history number).
# - The hook only re-adds the prefix when another tool rewrote PS1. It never replaces another
#   tool's hook: PROMPT_COMMAND may be a string or (bash >= 5.1) an array, and bash-preexec wants
#   its `precmd_functions`. We add one entry to whichever is in use and remove exactly that entry
#   on deactivation. The hook returns the `$?` it found, for the hooks and the prompt after it,
#   except under `set -e`, where that would end the shell (the status is then 0).
# - Expiry: the prefix reads `(NAME expired) ` once AWS_AS_EXPIRES_EPOCH has passed. A word, not
#   a sign like `!`: names may hold any sign, and a word needs no legend. The clock is
#   `printf '%(%s)T' -1` (bash >= 4.2), a builtin: the hook starts no process. Older bash (macOS'
#   3.2) has no clock builtin and shows no mark. PS1 references `${__aws_as_mark-}` next to the
#   name (with promptvars off the mark is text, like the name).
# - AWS_AS_AUTO_RENEW=1: when fewer than 5 minutes remain, the hook (never the wrapper's own call,
#   which has just asked the binary) runs the switch once with `--no-input`, evaluated only on
#   success, traces off as in the wrapper. One attempt per session (identity, key id, expiry): a renewal that needs
#   an MFA code fails, says so once on stderr, and is not retried at every prompt. With
#   AWS_AS_PROMPT=0 the hook is installed for this alone when AWS_AS_AUTO_RENEW=1 at activation.
# - Environment values are data: AWS_AS_EXPIRES_EPOCH is checked to be digits before arithmetic
#   sees it (bash evaluates a variable's value as an expression, `a[$(cmd)]` included), and read
#   as `10#` (a leading 0 would be octal).
# - `set -euo pipefail` safe: every variable is read as `${VAR-}`, every failure is guarded.
# - In POSIX mode an alias is read only on lines parsed after it was defined: in a one-line
#   `eval "$(aws-as-activate -s)"; aws-as NAME` the binary runs instead. This shell's pid is
#   exported as AWS_AS_ACTIVATED, and the binary, run by this shell without `--shell`, refuses
#   and says to put `aws-as NAME` on the next line (src/output/switch/mod.rs).

\builtin unalias aws-as aws-as-deactivate __aws_as __aws_as_deactivate __aws_as_prompt \
    __aws_as_expiry __aws_as_renew __aws_as_status >/dev/null 2>&1 || :

# __aws_as_prompt [switched]: as the hook (no argument) it may renew; the wrapper passes an
# argument, as it has just run the binary.
__aws_as_prompt() {
    \builtin local __aws_as_s=$? __aws_as_p
    __aws_as_expiry $#
    if [[ -n ${__aws_as_renew_only-} ]]; then
        __aws_as_status "$__aws_as_s"
        return
    fi
    if \builtin shopt -q promptvars; then
        # shellcheck disable=SC2016 # expanded by bash at each prompt, on purpose
        __aws_as_p='(${AWS_AS_IDENTITY:--}${__aws_as_mark-}) '
    else
        __aws_as_p=${AWS_AS_IDENTITY:--}$__aws_as_mark
        __aws_as_p=${__aws_as_p//\\/\\\\}
        if [[ -o posix ]]; then
            __aws_as_p=${__aws_as_p//!/!!}
        fi
        __aws_as_p="($__aws_as_p) "
    fi
    if [[ -n ${__aws_as_prefix-} && ${PS1-} == "$__aws_as_prefix"* ]]; then
        PS1=$__aws_as_p${PS1#"$__aws_as_prefix"}
    elif [[ ${PS1-} != "$__aws_as_p"* ]]; then
        PS1=$__aws_as_p${PS1-}
    fi
    __aws_as_prefix=$__aws_as_p
    __aws_as_status "$__aws_as_s"
}

# Returns the status the hook found, for the hooks and the prompt after it; but 0 under errexit
# (`set -e` in an interactive shell), where a hook's non-zero status ends the shell, after a
# command that did not (`! cmd`, `test && cmd`).
__aws_as_status() {
    if [[ $- == *e* ]]; then
        return 0
    fi
    return "$1"
}

# __aws_as_expiry ARGC: sets __aws_as_mark; with ARGC 0 (the hook) and AWS_AS_AUTO_RENEW=1,
# renews first when fewer than 5 minutes (300 s) remain.
__aws_as_expiry() {
    \builtin local e=${AWS_AS_EXPIRES_EPOCH-} now session
    __aws_as_mark=
    case $e in '' | *[!0-9]*) return 0 ;; esac
    if [[ -z ${AWS_AS_IDENTITY-} ]] || ((${#e} > 15)) ||
        ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] < 402)); then
        return 0
    fi
    \builtin printf -v now '%(%s)T' -1
    session=$AWS_AS_IDENTITY:${AWS_ACCESS_KEY_ID-}:$e
    if [[ $1 == 0 && ${AWS_AS_AUTO_RENEW-} == 1 && ${__aws_as_tried-} != "$session" ]] &&
        ((10#$e - now < 300)); then
        __aws_as_tried=$session
        __aws_as_renew
        e=${AWS_AS_EXPIRES_EPOCH-}
        case $e in '' | *[!0-9]*) return 0 ;; esac
        if ((${#e} > 15)); then
            return 0
        fi
        # Still short (STS gave a short session): do not run the binary again at every prompt.
        if ((10#$e - now < 300)); then
            __aws_as_tried=$AWS_AS_IDENTITY:${AWS_ACCESS_KEY_ID-}:$e
        fi
    fi
    if ((10#$e <= now)); then
        __aws_as_mark=' expired'
    fi
}

# Whether PROMPT_COMMAND is an array (bash >= 5.1 runs each element). bash >= 4.4 tells with
# `${PROMPT_COMMAND@a}`, which starts no subshell: the activation runs this at every shell start,
# and the subshells of `$(declare -p …)` were two thirds of what it cost. Older bash only
# through `declare -p`, in a subshell.
__aws_as_pc_is_array() {
    if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)); then
        [[ -n ${PROMPT_COMMAND[*]+x} && ${PROMPT_COMMAND@a} == *a* ]]
        return
    fi
    \builtin local d
    d=$(\builtin declare -p PROMPT_COMMAND 2>/dev/null) || return 1
    d=${d#declare -}
    [[ ${d%% *} == *a* ]]
}

__aws_as_hook() {
    \builtin local nl=$'\n'
    if [[ -n ${__bp_imported-}${bash_preexec_imported-} ]]; then
        # bash-preexec owns PROMPT_COMMAND and runs precmd_functions.
        if [[ " ${precmd_functions[*]-} " != *" __aws_as_prompt "* ]]; then
            precmd_functions+=(__aws_as_prompt)
        fi
    elif __aws_as_pc_is_array; then
        if [[ " ${PROMPT_COMMAND[*]-} " != *" __aws_as_prompt "* ]]; then
            PROMPT_COMMAND+=(__aws_as_prompt)
        fi
    elif [[ -z ${PROMPT_COMMAND-} ]]; then
        if [[ -z ${PROMPT_COMMAND+x} ]]; then
            __aws_as_pc_unset=1
        fi
        PROMPT_COMMAND=__aws_as_prompt
    elif [[ $nl$PROMPT_COMMAND$nl != *"${nl}__aws_as_prompt$nl"* ]]; then
        # A newline, not `;`: the string may end in a comment or a `;` of its own.
        PROMPT_COMMAND+=${nl}__aws_as_prompt
    fi
}

# shellcheck disable=SC2034 # exported (shellcheck misses `\builtin export`), read by the binary
\builtin export AWS_AS_ACTIVATED=$$
if [[ -o posix ]]; then
    \builtin alias aws-as=__aws_as aws-as-deactivate=__aws_as_deactivate
else
    function aws-as { __aws_as "$@"; }
    function aws-as-deactivate { __aws_as_deactivate "$@"; }
fi

if [[ ${AWS_AS_PROMPT-} != 0 ]]; then
    if [[ -z ${__aws_as_prefix-} && -z ${PS1+x} ]]; then
        __aws_as_ps1_unset=1
    fi
    \builtin unset -v __aws_as_renew_only
    __aws_as_hook
    __aws_as_prompt
elif [[ ${AWS_AS_AUTO_RENEW-} == 1 && -z ${__aws_as_prefix-} ]]; then
    __aws_as_renew_only=1
    __aws_as_hook
fi

# @AWS_AS_LAZY@ What follows is defined at first use, not at activation: the activation prints a
# stub for each function below that loads them all (`aws-as-activate --shell bash --rest`) and
# then runs the real one. Parsing them at every shell start was half of what the activation cost.

__aws_as() {
    if (($# == 0)); then
        \command '@AWS_AS@'
        return
    fi
    case $1 in
    -h | --help | -V | --version | exec | credential-process | write | refresh | export | login | serve | server | sso | keys | doctor | list | completions | help)
        # Human text, or a command that owns the terminal (exec): never captured, never evaluated.
        \command '@AWS_AS@' "$@"
        return
        ;;
    esac
    # The user's `set -x` / `set -v` would print the credentials: both off in here (the group's
    # 2>/dev/null hides the trace of switching them off). `local -` (bash >= 4.4) gives the
    # user's options back on return; older bash restores them from __aws_as_xv.
    {
        \builtin local __aws_as_out __aws_as_s=0 __aws_as_xv=${-//[^xv]/}
        if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)); then
            \builtin local -
            __aws_as_xv=
        fi
        \builtin set +xv
    } 2>/dev/null
    if __aws_as_out=$(\command '@AWS_AS@' --shell bash "$@"); then
        \builtin eval "$__aws_as_out"
        if [[ -n ${__aws_as_prefix-} ]]; then
            __aws_as_prompt switched
        fi
    else
        __aws_as_s=$?
    fi
    if [[ -n $__aws_as_xv ]]; then
        \builtin set -"$__aws_as_xv"
    fi
    return "$__aws_as_s"
}

# The wrapper's switch for the active identity (and the region aws-as set, which may come from
# --region), without a terminal prompt; says once why it could not.
__aws_as_renew() {
    {
        \builtin local __aws_as_out __aws_as_xv=${-//[^xv]/}
        if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)); then
            \builtin local -
            __aws_as_xv=
        fi
        \builtin set +xv
    } 2>/dev/null
    \builtin set -- --shell bash --no-input
    if [[ -n ${AWS_AS_REGION-} ]]; then
        \builtin set -- "$@" --region "$AWS_AS_REGION"
    fi
    if __aws_as_out=$(\command '@AWS_AS@' "$@" -- "$AWS_AS_IDENTITY" 2>/dev/null </dev/null); then
        \builtin eval "$__aws_as_out"
    else
        \builtin printf 'aws-as: could not renew %s in the background (an MFA code is needed, or STS is unreachable); run: aws-as %s\n' \
            "$AWS_AS_IDENTITY" "$AWS_AS_IDENTITY" >&2
    fi
    if [[ -n $__aws_as_xv ]]; then
        \builtin set -"$__aws_as_xv"
    fi
    return 0
}

__aws_as_unhook() {
    \builtin local nl=$'\n' i
    for i in "${!precmd_functions[@]}"; do
        if [[ ${precmd_functions[i]} == __aws_as_prompt ]]; then
            \builtin unset -v 'precmd_functions[i]'
        fi
    done
    if __aws_as_pc_is_array; then
        for i in "${!PROMPT_COMMAND[@]}"; do
            if [[ ${PROMPT_COMMAND[i]} == __aws_as_prompt ]]; then
                \builtin unset -v 'PROMPT_COMMAND[i]'
            fi
        done
    elif [[ ${PROMPT_COMMAND-} == __aws_as_prompt ]]; then
        if [[ -n ${__aws_as_pc_unset-} ]]; then
            \builtin unset -v PROMPT_COMMAND
        else
            PROMPT_COMMAND=
        fi
    elif [[ $nl${PROMPT_COMMAND-}$nl == *"${nl}__aws_as_prompt$nl"* ]]; then
        i=$nl$PROMPT_COMMAND$nl
        i=${i/"${nl}__aws_as_prompt$nl"/$nl}
        i=${i#"$nl"}
        PROMPT_COMMAND=${i%"$nl"}
    fi
}

__aws_as_deactivate() {
    \builtin local __aws_as_out __aws_as_s=0
    case $#:${1-} in
    0:) ;;
    1:--keep-creds) ;;
    *)
        \builtin printf '%s\n' 'usage: aws-as-deactivate [--keep-creds]' >&2
        return 2
        ;;
    esac
    if (($# == 0)); then
        # `-` gives back the user's own credentials: traces off around it, as in __aws_as.
        {
            \builtin local __aws_as_xv=${-//[^xv]/}
            if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)); then
                \builtin local -
                __aws_as_xv=
            fi
            \builtin set +xv
        } 2>/dev/null
        if __aws_as_out=$(\command '@AWS_AS@' --shell bash -); then
            \builtin eval "$__aws_as_out"
        else
            __aws_as_s=1
        fi
        if [[ -n $__aws_as_xv ]]; then
            \builtin set -"$__aws_as_xv"
        fi
        if ((__aws_as_s)); then
            \builtin printf '%s\n' 'aws-as-deactivate: could not clear the credentials (aws-as-deactivate --keep-creds removes aws-as and keeps them)' >&2
            return 1
        fi
    fi
    if [[ -n ${__aws_as_renew_only-} ]]; then
        __aws_as_unhook
    fi
    if [[ -n ${__aws_as_prefix-} ]]; then
        __aws_as_unhook
        if [[ ${PS1-} == "$__aws_as_prefix"* ]]; then
            PS1=${PS1#"$__aws_as_prefix"}
        fi
        if [[ -n ${__aws_as_ps1_unset-} && -z ${PS1-} ]]; then
            \builtin unset -v PS1
        fi
    fi
    \builtin unset -v __aws_as_prefix __aws_as_ps1_unset __aws_as_pc_unset __aws_as_mark \
        __aws_as_tried __aws_as_renew_only AWS_AS_ACTIVATED
    \builtin unalias aws-as aws-as-deactivate >/dev/null 2>&1 || :
    if [[ ! -o posix ]]; then
        \builtin unset -f aws-as aws-as-deactivate
    fi
    \builtin unset -f __aws_as __aws_as_deactivate __aws_as_prompt __aws_as_hook \
        __aws_as_unhook __aws_as_pc_is_array __aws_as_expiry __aws_as_renew __aws_as_status \
        __aws_as_load
    # The completion the activation appended (src/output/shell/completions/bash.bash).
    \builtin complete -r aws-as >/dev/null 2>&1 || :
    \builtin unset -f _aws_as _aws_as_spec _aws_as_choices _aws_as_split _aws_as_in \
        _aws_as_names _aws_as_reply
}
