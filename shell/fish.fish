# aws-as activation for fish, printed by `aws-as-activate --shell fish`.
# Use:  aws-as-activate --shell fish | source
#
# Quirks this file works around:
# - `set -x` inside a function is local to it: the binary prints `set -gx`, evaluated with
#   `source` in the function, and so lands in the global scope.
# - `cmd | source` succeeds when cmd fails: the output is captured into a list first (`set` takes
#   the command substitution's status) and sourced only when the binary succeeded.
# - `command` is used for the binary, so the `aws-as` function never calls itself even when the
#   binary is found on PATH under the same name.
# - Prompt: an event handler cannot print into the prompt, so `fish_prompt` is wrapped: the old one
#   is copied to `__aws_as_orig_fish_prompt` (once: activating twice must not wrap the wrapper) and
#   called after "(NAME) ". The name is printed with printf '%s', never evaluated, and nothing is
#   spawned. `$status` is handed back to the old prompt, which usually shows it. On deactivation
#   the old prompt is put back, unless another tool has replaced fish_prompt since.

function aws-as --description 'Switch this shell to an AWS identity (aws-as -h)'
    if test (count $argv) -eq 0
        command '@AWS_AS@'
        return
    end
    switch $argv[1]
        case -h --help -V --version exec credential-process list completions
            # Human text, or a command that owns the terminal (exec): never captured, never evaluated.
            command '@AWS_AS@' $argv
            return
    end
    # The user's `set fish_trace 1` would print the credentials: an empty local fish_trace hides
    # the global one in this function and in what it sources, and is gone on return.
    set -l fish_trace
    set -l __aws_as_out (command '@AWS_AS@' --shell fish $argv)
    or return
    string join \n -- $__aws_as_out | source
    # The last statement may be `set -e` of a variable that was not set (status 4).
    return 0
end

function __aws_as_status --description 'Return the given status (aws-as)'
    return $argv[1]
end

if test "$AWS_AS_PROMPT" != 0
    and not functions -q __aws_as_orig_fish_prompt
    if functions -q fish_prompt
        functions -c fish_prompt __aws_as_orig_fish_prompt
    else
        function __aws_as_orig_fish_prompt
        end
        set -g __aws_as_no_prompt 1
    end
    function fish_prompt --description 'aws-as: (identity) before the prompt'
        set -l __aws_as_s $status
        set -l __aws_as_name -
        if set -q AWS_AS_IDENTITY[1]; and test -n "$AWS_AS_IDENTITY"
            set __aws_as_name $AWS_AS_IDENTITY
        end
        printf '(%s) ' "$__aws_as_name"
        __aws_as_status $__aws_as_s
        __aws_as_orig_fish_prompt
    end
end

function aws-as-deactivate --description 'Remove aws-as from this shell'
    switch (count $argv):"$argv[1]"
        case 0:
            set -l __aws_as_out (command '@AWS_AS@' --shell fish -)
            or begin
                echo 'aws-as-deactivate: could not clear the credentials (aws-as-deactivate --keep-creds removes aws-as and keeps them)' >&2
                return 1
            end
            string join \n -- $__aws_as_out | source
        case 1:--keep-creds
        case '*'
            echo 'usage: aws-as-deactivate [--keep-creds]' >&2
            return 2
    end
    if functions -q __aws_as_orig_fish_prompt
        if functions fish_prompt | string match -q '*__aws_as_orig_fish_prompt*'
            functions -e fish_prompt
            if not set -q __aws_as_no_prompt
                functions -c __aws_as_orig_fish_prompt fish_prompt
            end
        end
        functions -e __aws_as_orig_fish_prompt
    end
    set -e __aws_as_no_prompt
    functions -e aws-as aws-as-deactivate __aws_as_status
end
