# aws-as activation for POSIX sh (dash, ash, ksh, …), printed by `aws-as-activate --shell sh`.
# Use:  eval "$(aws-as-activate -s)"
#
# Quirks this file works around:
# - `aws-as` is not a valid function name in POSIX sh: the function is `__aws_as` and an alias
#   `aws-as` names it (unlike bash, sh expands aliases in scripts too).
# - `\unalias` first, so an alias named like one of ours cannot hijack the definitions below; a
#   quoted `\command` is never alias-expanded.
# - `eval "$(cmd)"` succeeds when cmd fails: the output is captured first and evaluated only when
#   the binary succeeded (it prints nothing on stdout when it fails).
# - No `local`, arrays, `[[`, `$'…'`: dash has none of them. Helper variables are `__aws_as_*`
#   and are unset again.
# - sh has no prompt hook, but PS1 is subjected to parameter expansion before each prompt (POSIX;
#   Debian's dash does so). The prompt therefore holds the *reference* `${AWS_AS_IDENTITY:--}`: it
#   follows every switch at no cost, and since the result of an expansion is never expanded again,
#   an identity name is shown as text and never run.
# - No expiry mark and no AWS_AS_AUTO_RENEW: sh has no clock builtin and no hook, and PS1 can only
#   expand variables, so knowing the time at each prompt would cost a process (`$(date)` in PS1)
#   that dash users chose not to pay. `aws-as` with no argument tells the time left.
# - `set -eu` safe: every variable is read as `${VAR-}`, every command that may fail is guarded.
# - sh reads an alias only on lines parsed after it was defined: in a one-line
#   `eval "$(aws-as-activate -s)"; aws-as NAME` the binary runs instead of the alias. This shell's
#   pid is exported as AWS_AS_ACTIVATED, and the binary, run by this shell without `--shell`,
#   refuses and says to put `aws-as NAME` on the next line (src/output/switch/mod.rs).

\unalias aws-as >/dev/null 2>&1 || :
\unalias aws-as-deactivate >/dev/null 2>&1 || :
\unalias __aws_as >/dev/null 2>&1 || :
\unalias __aws_as_deactivate >/dev/null 2>&1 || :

__aws_as() {
    if [ "$#" -eq 0 ]; then
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
    # 2>/dev/null hides the trace of switching them off), back on before every return.
    {
        __aws_as_xv=
        case $- in *x*) __aws_as_xv=x ;; esac
        case $- in *v*) __aws_as_xv=${__aws_as_xv}v ;; esac
        set +xv
    } 2>/dev/null
    if __aws_as_out=$(\command '@AWS_AS@' --shell sh "$@"); then
        eval "$__aws_as_out"
        set -- 0 "$__aws_as_xv"
    else
        set -- "$?" "$__aws_as_xv"
    fi
    unset __aws_as_out __aws_as_xv
    if [ -n "$2" ]; then
        set -"$2"
    fi
    return "$1"
}

__aws_as_deactivate() {
    case $#:${1-} in
    0:) ;;
    1:--keep-creds) ;;
    *)
        printf '%s\n' 'usage: aws-as-deactivate [--keep-creds]' >&2
        return 2
        ;;
    esac
    if [ "$#" -eq 0 ]; then
        # `-` gives back the user's own credentials: traces off around it, as in __aws_as.
        {
            __aws_as_xv=
            case $- in *x*) __aws_as_xv=x ;; esac
            case $- in *v*) __aws_as_xv=${__aws_as_xv}v ;; esac
            set +xv
        } 2>/dev/null
        if __aws_as_out=$(\command '@AWS_AS@' --shell sh -); then
            eval "$__aws_as_out"
            __aws_as_out=
        else
            __aws_as_out=failed
        fi
        if [ -n "$__aws_as_xv" ]; then
            set -"$__aws_as_xv"
        fi
        if [ -n "$__aws_as_out" ]; then
            unset __aws_as_out __aws_as_xv
            printf '%s\n' 'aws-as-deactivate: could not clear the credentials (aws-as-deactivate --keep-creds removes aws-as and keeps them)' >&2
            return 1
        fi
        unset __aws_as_out __aws_as_xv
    fi
    if [ -n "${__aws_as_prefix-}" ]; then
        case ${PS1-} in
        "$__aws_as_prefix"*) PS1=${PS1#"$__aws_as_prefix"} ;;
        esac
        if [ -n "${__aws_as_ps1_unset-}" ] && [ -z "${PS1-}" ]; then
            unset PS1
        fi
    fi
    unset __aws_as_prefix __aws_as_ps1_unset AWS_AS_ACTIVATED
    \unalias aws-as >/dev/null 2>&1 || :
    \unalias aws-as-deactivate >/dev/null 2>&1 || :
    unset -f __aws_as __aws_as_deactivate
}

alias aws-as=__aws_as
alias aws-as-deactivate=__aws_as_deactivate
AWS_AS_ACTIVATED=$$
export AWS_AS_ACTIVATED

if [ "${AWS_AS_PROMPT-}" != 0 ]; then
    if [ -z "${__aws_as_prefix-}" ] && [ -z "${PS1+x}" ]; then
        __aws_as_ps1_unset=1
    fi
    # shellcheck disable=SC2016 # expanded by the shell at each prompt, on purpose
    __aws_as_prefix='(${AWS_AS_IDENTITY:--}) '
    case ${PS1-} in
    "$__aws_as_prefix"*) ;;
    *) PS1=$__aws_as_prefix${PS1-} ;;
    esac
fi
