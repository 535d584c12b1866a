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
# - Expiry: the prefix reads `(NAME expired) ` once AWS_AS_EXPIRES_EPOCH has passed. fish has no
#   clock builtin, so this costs one `date +%s` per prompt, and only while an identity is active.
#   It runs in a `fish_prompt` event handler, which fires once per new prompt; fish_prompt itself
#   also runs on every repaint, and only prints the mark the handler left.
# - AWS_AS_AUTO_RENEW=1: the same handler, when fewer than 5 minutes remain, runs the switch once
#   with `--no-input` (captured, sourced only on success, fish_trace hidden as in `aws-as`). One
#   attempt per session (identity, key id, expiry): a renewal that needs an MFA code fails, says
#   so once on stderr, and is not retried at every prompt. With AWS_AS_PROMPT=0 the handler is
#   installed for this alone when AWS_AS_AUTO_RENEW=1 at activation.
# - AWS_AS_ACTIVATED (exported): this shell's pid. The binary, run by this shell without
#   `--shell`, bypassed the function (`command aws-as NAME`) and refuses (src/output/switch/mod.rs).

set -gx AWS_AS_ACTIVATED $fish_pid

function aws-as --description 'Switch this shell to an AWS identity (aws-as -h)'
    if test (count $argv) -eq 0
        command '@AWS_AS@'
        return
    end
    switch $argv[1]
        case -h --help -V --version exec credential-process write refresh export login serve server sso keys doctor list completions help
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

function __aws_as_renew --description 'Renew the active identity without a prompt (aws-as)'
    set -l fish_trace
    set -l __aws_as_args --shell fish --no-input
    if test -n "$AWS_AS_REGION"
        set -a __aws_as_args --region $AWS_AS_REGION
    end
    set -l __aws_as_out
    if set __aws_as_out (command '@AWS_AS@' $__aws_as_args -- $AWS_AS_IDENTITY 2>/dev/null </dev/null)
        string join \n -- $__aws_as_out | source
    else
        printf 'aws-as: could not renew %s in the background (an MFA code is needed, or STS is unreachable); run: aws-as %s\n' \
            $AWS_AS_IDENTITY $AWS_AS_IDENTITY >&2
    end
    return 0
end

set -g __aws_as_mark
if test "$AWS_AS_PROMPT" != 0; or test "$AWS_AS_AUTO_RENEW" = 1
    function __aws_as_expiry --on-event fish_prompt --description 'aws-as: expiry mark, renewal'
        set -g __aws_as_mark
        if not set -q AWS_AS_IDENTITY[1]; or test -z "$AWS_AS_IDENTITY"
            or not string match -qr '^[0-9]{1,15}$' -- "$AWS_AS_EXPIRES_EPOCH"
            return 0
        end
        set -l e $AWS_AS_EXPIRES_EPOCH
        set -l now (command date +%s)
        or return 0
        set -l session "$AWS_AS_IDENTITY:$AWS_ACCESS_KEY_ID:$e"
        if test "$AWS_AS_AUTO_RENEW" = 1; and test "$__aws_as_tried" != "$session"
            and test $e -lt (math $now + 300)
            set -g __aws_as_tried $session
            __aws_as_renew
            set e $AWS_AS_EXPIRES_EPOCH
            string match -qr '^[0-9]{1,15}$' -- "$e"
            or return 0
            # Still short (STS gave a short session): do not run the binary again at every prompt.
            if test $e -lt (math $now + 300)
                set -g __aws_as_tried "$AWS_AS_IDENTITY:$AWS_ACCESS_KEY_ID:$e"
            end
        end
        if test $e -le $now
            set -g __aws_as_mark ' expired'
        end
    end
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
        printf '(%s%s) ' "$__aws_as_name" "$__aws_as_mark"
        __aws_as_status $__aws_as_s
        __aws_as_orig_fish_prompt
    end
end

function aws-as-deactivate --description 'Remove aws-as from this shell'
    # `-` gives back the user's own credentials: fish_trace hidden, as in aws-as.
    set -l fish_trace
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
    set -e __aws_as_no_prompt __aws_as_mark __aws_as_tried AWS_AS_ACTIVATED
    functions -e aws-as aws-as-deactivate __aws_as_status __aws_as_expiry __aws_as_renew
    # The completion the activation appended (src/output/shell/completions/fish.fish).
    complete -c aws-as -e
    functions -e __aws_as_spec __aws_as_choices __aws_as_names __aws_as_complete
end
