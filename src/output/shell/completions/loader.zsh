# Tab completion for aws-as, defined at the first TAB (only when compinit has run): this function
# replaces itself with the real `_aws-as` (what `aws-as completions zsh` prints) and completes
# that TAB with it. (Inside eval, `funcstack[1]` is `(eval)`, so the script only registers itself
# with compdef again, as when sourced, and leaves the completing to this loader.)
if (( ${+functions[compdef]} )); then
    function _aws-as {
        \builtin unfunction _aws-as
        \builtin eval "$(\command '@AWS_AS@' completions zsh)" && _aws-as "$@"
    }
    compdef _aws-as aws-as
fi
