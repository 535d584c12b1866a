# fish completion for aws-as, printed by `aws-as completions fish` (generated from
# src/output/shell/completions/fish.fish: edit that, not this). aws-as-activate includes it;
# without the activation, save it as ~/.config/fish/completions/aws-as.fish.
#
# Quirks this file works around:
# - Identity names come from `aws-as list --names`, run only on TAB. Each output line is one
#   candidate, data to fish: it escapes a candidate when inserting it and never evaluates it.
# - One function prints every candidate for where the cursor is (fish's per-option rules cannot
#   tell `aws-as NAME` from `aws-as exec NAME`); what follows `exec NAME` is completed as a
#   command line of its own, with `complete -C`.

# @GENERATED@

function __aws_as_names --description 'aws-as: identity names'
    aws-as list --names 2>/dev/null </dev/null
end

function __aws_as_complete --description 'aws-as: candidates for the token at the cursor'
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmd ''
    set -l value ''
    set -l seen 0
    set -l dd 0
    set -l npos 0
    set -l subs (__aws_as_spec '' subs | string replace -r '\t.*' '')
    set -l vopts (__aws_as_spec '' vopts)
    set -l pos (__aws_as_spec '' pos)
    set -l i 1
    for w in $tokens[2..-1]
        set i (math $i + 1)
        if test -n "$value"
            set value ''
            continue
        end
        if test $dd = 0; and string match -qr -- '^-.' $w
            if test "$w" = --
                set dd 1
            else if contains -- $w $vopts
                set value $w
            end
            set seen 1
            continue
        end
        # A subcommand only comes first: after an option or `--` the word is an identity.
        if test -z "$cmd" -a $npos = 0 -a $seen = 0; and contains -- $w $subs
            set cmd $w
            set vopts (__aws_as_spec $cmd vopts)
            set pos (__aws_as_spec $cmd pos)
            continue
        end
        set npos (math $npos + 1)
        if test "$pos[$npos]" = command
            # The words from here are a command line of its own.
            complete -C (string join ' ' -- (string escape -- $tokens[$i..-1]) $cur)
            return
        end
    end
    set -l next (math $npos + 1)
    set -l kind "$pos[$next]"
    if test -n "$value"
        __aws_as_choices "$cmd" $value
    else if test $dd = 0; and string match -q -- '--*=*' $cur
        set -l opt (string split -m1 = -- $cur)[1]
        for v in (__aws_as_choices "$cmd" $opt)
            printf '%s=%s\n' $opt $v
        end
    else if test $dd = 0; and string match -q -- '-*' $cur
        __aws_as_spec "$cmd" opts
        if test "$kind" = identity-or-dash
            printf '%s\t%s\n' - 'remove the identity'
        end
    else
        switch $kind
            case identity-or-dash
                if test $seen = 0
                    __aws_as_spec '' subs
                end
                printf '%s\t%s\n' - 'remove the identity'
                __aws_as_names
            case identity
                __aws_as_names
            case 'choice *'
                string split ' ' -- (string replace 'choice ' '' -- $kind)
            case command
                complete -C $cur
        end
    end
end

# Erased first: activating again, or fish autoloading this file when the activation already
# defined it, must not add the rule twice.
complete -c aws-as -e
complete -c aws-as -f -a '(__aws_as_complete)'
