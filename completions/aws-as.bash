# bash completion for aws-as, printed by `aws-as completions bash` (generated from
# src/output/shell/completions/bash.bash: edit that, not this). aws-as-activate includes it;
# without the activation, source it from ~/.bashrc or install it as
# ~/.local/share/bash-completion/completions/aws-as.
#
# Quirks this file works around:
# - Identity names come from `aws-as list --names`, run only on TAB. A name is never evaluated:
#   never given to `compgen -W` (which expands its word list: `x$(touch F)` would run), only
#   compared as a string and quoted for the context it is typed in.
# - COMP_WORDS is split at COMP_WORDBREAKS (`=`, `:`…) and keeps the user's quotes: the words are
#   read again from COMP_LINE with the shell's quoting rules.
# - COMP_POINT counts bytes where ${s:0:n} counts characters: the line is cut under LC_ALL=C.
# - readline replaces only the text after the last word break or opening quote ($2): a reply is
#   $2 followed by the rest of the candidate, quoted as the word is (bare, '…' or "…").
# - The user's options are unknown (`set -u`): every variable is local and initialized.

# What aws-as accepts, generated from its clap definition. For command $1 ('' is aws-as
# itself): the subcommands, the long options offered, every option that takes a value,
# and what each positional argument is.
_aws_as_spec() {
    case $1 in
    '')
        _aws_as_subs=(exec credential-process write refresh export login list serve server sso keys doctor completions help)
        _aws_as_opts=(--pick --shell --mfa-code --duration --no-input --role-arn --region --help --version)
        _aws_as_vopts=(--shell --mfa-code --duration --role-arn --region)
        _aws_as_pos=(identity-or-dash)
        ;;
    exec)
        _aws_as_subs=()
        _aws_as_opts=(--server --mfa-code --duration --no-input --role-arn --region --help)
        _aws_as_vopts=(--mfa-code --duration --role-arn --region)
        _aws_as_pos=(identity command)
        ;;
    credential-process)
        _aws_as_subs=()
        _aws_as_opts=(--mfa-code --duration --no-input --role-arn --help)
        _aws_as_vopts=(--mfa-code --duration --role-arn)
        _aws_as_pos=(identity)
        ;;
    write)
        _aws_as_subs=()
        _aws_as_opts=(--profile --force --remove --mfa-code --duration --no-input --role-arn --region --help)
        _aws_as_vopts=(--profile --remove --mfa-code --duration --role-arn --region)
        _aws_as_pos=(identity)
        ;;
    refresh)
        _aws_as_subs=()
        _aws_as_opts=(--all --force --duration --help)
        _aws_as_vopts=(--duration)
        _aws_as_pos=(identity)
        ;;
    export)
        _aws_as_subs=()
        _aws_as_opts=(--format --section --mfa-code --duration --no-input --role-arn --region --help)
        _aws_as_vopts=(--format --section --mfa-code --duration --role-arn --region)
        _aws_as_pos=(identity)
        ;;
    login)
        _aws_as_subs=()
        _aws_as_opts=(--destination --print --mfa-code --duration --no-input --role-arn --region --help)
        _aws_as_vopts=(--destination --mfa-code --duration --role-arn --region)
        _aws_as_pos=(identity)
        ;;
    list)
        _aws_as_subs=()
        _aws_as_opts=(--names --help)
        _aws_as_vopts=()
        _aws_as_pos=()
        ;;
    serve)
        _aws_as_subs=()
        _aws_as_opts=(--listen --imds-v1 --token-file --resume --allow-user --duration --help)
        _aws_as_vopts=(--listen --token-file --allow-user --duration)
        _aws_as_pos=(identity)
        ;;
    server)
        _aws_as_subs=()
        _aws_as_opts=(--server --help)
        _aws_as_vopts=(--server)
        _aws_as_pos=()
        ;;
    sso)
        _aws_as_subs=()
        _aws_as_opts=(--help)
        _aws_as_vopts=()
        _aws_as_pos=()
        ;;
    keys)
        _aws_as_subs=()
        _aws_as_opts=(--help)
        _aws_as_vopts=()
        _aws_as_pos=()
        ;;
    doctor)
        _aws_as_subs=()
        _aws_as_opts=(--help)
        _aws_as_vopts=()
        _aws_as_pos=()
        ;;
    completions)
        _aws_as_subs=()
        _aws_as_opts=(--help)
        _aws_as_vopts=()
        _aws_as_pos=('choice bash zsh fish tcsh')
        ;;
    help)
        _aws_as_subs=()
        _aws_as_opts=()
        _aws_as_vopts=()
        _aws_as_pos=()
        ;;
    esac
}

# The possible values of option $2 of command $1 (none: any value).
_aws_as_choices() {
    case $1:$2 in
    :--shell) _aws_as_vals=(sh bash zsh fish csh tcsh) ;;
    export:--format) _aws_as_vals=(env env-no-export powershell windows-cmd json ini) ;;
    *) _aws_as_vals=() ;;
    esac
}

# Sets _aws_as_w to the words of the command line up to the cursor, unquoted (the last one is the
# word being completed), _aws_as_q to the quote left open in it (' or ", or empty), and _aws_as_bs
# when it ends with a lone backslash (readline may insert one: the common prefix of `a\'b` and
# `a\!b`).
_aws_as_split() {
    local LC_ALL=C
    local line=${COMP_LINE:0:COMP_POINT} c q='' w='' inword='' i
    _aws_as_w=()
    _aws_as_bs=''
    for ((i = 0; i < ${#line}; i++)); do
        c=${line:i:1}
        if [[ $q == "'" ]]; then
            if [[ $c == "'" ]]; then q=''; else w+=$c; fi
        elif [[ $q == '"' ]]; then
            if [[ $c == '"' ]]; then
                q=''
            elif [[ $c == \\ && ${line:i+1:1} == [\$\`\"\\] ]]; then
                i=$((i + 1))
                w+=${line:i:1}
            else
                w+=$c
            fi
        elif [[ $c == \\ ]]; then
            if ((i + 1 == ${#line})); then
                _aws_as_bs=1
                break
            fi
            i=$((i + 1))
            w+=${line:i:1}
            inword=1
        elif [[ $c == [\'\"] ]]; then
            q=$c
            inword=1
        elif [[ $c == [[:space:]] ]]; then
            if [[ -n $inword ]]; then
                _aws_as_w+=("$w")
                w='' inword=''
            fi
        else
            w+=$c
            inword=1
        fi
    done
    _aws_as_w+=("$w")
    _aws_as_q=$q
}

# Is $1 one of the other arguments?
_aws_as_in() {
    local x=$1
    shift
    while (($#)); do
        if [[ $1 == "$x" ]]; then return 0; fi
        shift
    done
    return 1
}

# Adds the identity names to _aws_as_c.
# Activated, the `__aws_as` function runs the binary aws-as-activate found (a POSIX-mode bash
# has no `aws-as` function, only an alias); otherwise aws-as is looked up in PATH.
_aws_as_names() {
    local out n
    if \builtin declare -F __aws_as >/dev/null; then
        out=$(__aws_as list --names 2>/dev/null </dev/null) || return 0
    else
        out=$(\command aws-as list --names 2>/dev/null </dev/null) || return 0
    fi
    while IFS= read -r n; do
        if [[ -n $n ]]; then _aws_as_c+=("$n"); fi
    done <<<"$out"
}

# COMPREPLY: the candidates in _aws_as_c that start with the word being completed ($1 is what
# readline replaces, $2 that word unquoted), quoted for the context.
_aws_as_reply() {
    local rl=$1 cur=$2 c rest q
    COMPREPLY=()
    for c in ${_aws_as_c[@]+"${_aws_as_c[@]}"}; do
        if [[ $c != "$cur"* ]]; then continue; fi
        rest=${c:${#cur}}
        case $_aws_as_q in
        "'")
            q=${rest//"'"/"'\\''"}
            ;;
        '"')
            q=${rest//\\/\\\\}
            q=${q//\$/\\\$}
            q=${q//\`/\\\`}
            q=${q//\"/\\\"}
            # `\!` keeps its backslash between double quotes: `!` goes in single quotes.
            q=${q//!/\"\'!\'\"}
            ;;
        *)
            q=''
            if [[ -n $rest ]]; then printf -v q %q "$rest"; fi
            ;;
        esac
        COMPREPLY+=("$rl$q")
    done
}

_aws_as() {
    local _aws_as_w=() _aws_as_q='' _aws_as_bs='' _aws_as_c=() _aws_as_subs=() _aws_as_opts=() \
        _aws_as_vopts=() _aws_as_pos=() _aws_as_vals=()
    local rl=${2-} cmd='' i w n cur kind value='' seen='' dd='' npos=0
    _aws_as_split
    if [[ -n $_aws_as_bs ]]; then rl=${rl%\\}; fi
    n=${#_aws_as_w[@]}
    cur=${_aws_as_w[n - 1]}
    _aws_as_spec ''
    for ((i = 1; i < n - 1; i++)); do
        w=${_aws_as_w[i]}
        if [[ -n $value ]]; then
            value=''
            continue
        fi
        if [[ -z $dd && $w == -?* ]]; then
            if [[ $w == -- ]]; then
                dd=1
            elif _aws_as_in "$w" ${_aws_as_vopts[@]+"${_aws_as_vopts[@]}"}; then
                value=$w
            fi
            seen=1
            continue
        fi
        # A subcommand only comes first: after an option or `--` the word is an identity.
        if [[ -z $cmd && $npos == 0 && -z $seen ]] &&
            _aws_as_in "$w" ${_aws_as_subs[@]+"${_aws_as_subs[@]}"}; then
            cmd=$w
            _aws_as_spec "$cmd"
            continue
        fi
        npos=$((npos + 1))
        if [[ ${_aws_as_pos[npos - 1]-} == command ]]; then
            # The words from here are a command line of their own.
            if \builtin declare -F _comp_command_offset >/dev/null; then
                _comp_command_offset $((COMP_CWORD - (n - 1 - i)))
            elif \builtin declare -F _command_offset >/dev/null; then
                _command_offset $((COMP_CWORD - (n - 1 - i)))
            else
                \builtin compopt -o default -o bashdefault 2>/dev/null
                COMPREPLY=()
            fi
            return 0
        fi
    done
    if [[ -n $value ]]; then
        _aws_as_choices "$cmd" "$value"
        _aws_as_c=(${_aws_as_vals[@]+"${_aws_as_vals[@]}"})
    elif [[ -z $dd && $cur == --*=* ]]; then
        _aws_as_choices "$cmd" "${cur%%=*}"
        for w in ${_aws_as_vals[@]+"${_aws_as_vals[@]}"}; do
            _aws_as_c+=("${cur%%=*}=$w")
        done
    elif [[ -z $dd && $cur == -* ]]; then
        _aws_as_c=(${_aws_as_opts[@]+"${_aws_as_opts[@]}"})
        if [[ ${_aws_as_pos[npos]-} == identity-or-dash ]]; then _aws_as_c+=(-); fi
    else
        kind=${_aws_as_pos[npos]-}
        case $kind in
        identity-or-dash)
            if [[ -z $seen ]]; then
                _aws_as_c=(${_aws_as_subs[@]+"${_aws_as_subs[@]}"})
            fi
            _aws_as_c+=(-)
            _aws_as_names
            ;;
        identity)
            _aws_as_names
            ;;
        command)
            if \builtin declare -F _comp_command_offset >/dev/null; then
                _comp_command_offset "$COMP_CWORD"
                return 0
            elif \builtin declare -F _command_offset >/dev/null; then
                _command_offset "$COMP_CWORD"
                return 0
            fi
            w=$(\builtin compgen -c -- "$cur" 2>/dev/null) || :
            while IFS= read -r w; do
                if [[ -n $w ]]; then _aws_as_c+=("$w"); fi
            done <<<"$w"
            ;;
        choice\ *)
            # Plain words (checked when the script is generated): split on spaces.
            read -ra _aws_as_c <<<"${kind#choice }"
            ;;
        esac
    fi
    _aws_as_reply "$rl" "$cur"
    return 0
}

\builtin complete -F _aws_as aws-as 2>/dev/null || :
