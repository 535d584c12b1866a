#compdef aws-as
# zsh completion for aws-as, printed by `aws-as completions zsh` (generated from
# src/output/shell/completions/zsh.zsh: edit that, not this). aws-as-activate includes it when
# compinit has run; without the activation, put it in a directory of $fpath as `_aws-as`, or
# source it after compinit.
#
# Quirks this file works around:
# - Identity names come from `aws-as list --names`, run only on TAB, split on newlines and given
#   to compadd as data: compadd quotes each for the context it is typed in, nothing evaluates it.
#   (_call_program would eval its arguments.)
# - The same text is an autoloaded function file (whose body is the function `_aws-as`: it then
#   defines the functions and completes) and a script to source (it then registers them with
#   compdef).

# @GENERATED@

function _aws-as_identities {
    local -a names expl
    names=(${(f)"$(aws-as list --names 2>/dev/null </dev/null)"})
    _wanted identities expl identity compadd -a names
}

function _aws-as {
    local curcontext=$curcontext state state_descr line ret=1
    local -A opt_args
    local -a reply specs expl all=("${words[@]}")
    local spec name
    _aws-as_spec ''
    specs=("${reply[@]}")
    # -A: aws-as's own options come before its argument; after a subcommand they are its own.
    _arguments -C -s -S -A '-*' : "${specs[@]}" '1: :->first' '*:: :->rest' && ret=0
    case $state in
    (first)
        # A subcommand only comes first: after an option or `--` the word is an identity.
        if (( CURRENT == 2 )); then
            _aws-as_subcommands
            _describe -t commands 'aws-as command' reply && ret=0
        fi
        # A lone `-` argument is where _wanted puts compadd's options: one before `--`, so that
        # the candidate `-` stays a candidate.
        _wanted clear expl 'remove the identity' compadd - -- - && ret=0
        _aws-as_identities && ret=0
        ;;
    (rest)
        # words now starts at the first argument: a subcommand if nothing came before it.
        if (( ${#all} - ${#words} == 1 )) && _aws-as_spec "$words[1]"; then
            curcontext=${curcontext%:*:*}:aws-as-$words[1]:
            specs=("${reply[@]}")
        elif [[ $words[1] == -- ]]; then
            # `aws-as -- NAME`: everything after `--` is an argument, and NAME is the last.
            return ret
        else
            # `aws-as [OPTIONS] NAME …`: only options follow, less those already given.
            _aws-as_spec ''
            specs=()
            for spec in "${reply[@]}"; do
                name=${${spec#\(*\)}%%[=\[]*}
                (( ${+opt_args[$name]} )) || specs+=("$spec")
            done
        fi
        _arguments -s -S : "${specs[@]}" && ret=0
        ;;
    esac
    return ret
}

if [[ ${funcstack[1]-} == _aws-as ]]; then
    _aws-as "$@"
else
    compdef _aws-as aws-as
fi
