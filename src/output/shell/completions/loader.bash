# shellcheck shell=bash
# Tab completion for aws-as, defined at the first TAB: this function replaces itself with the
# real `_aws_as` (what `aws-as completions bash` prints) and completes that TAB with it. Parsing
# the real script at every shell start was a third of what the activation cost a new shell.
_aws_as() {
    \builtin unset -f _aws_as
    \builtin eval "$(\command '@AWS_AS@' completions bash)" || return 0
    _aws_as "$@"
}
\builtin complete -F _aws_as aws-as 2>/dev/null || :
