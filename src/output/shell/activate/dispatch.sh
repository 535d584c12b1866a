# aws-as activation for the Bourne family, printed by `aws-as-activate -s`.
# Use:  eval "$(aws-as-activate -s)"
# bash, zsh and sh/dash all run this POSIX text; it then evaluates the script written for the
# shell that is actually running (like ssh-agent -s, it does not trust $SHELL).
if [ -n "${BASH_VERSION-}" ]; then
    eval "$(\command '@AWS_AS_ACTIVATE@' --shell bash)"
elif [ -n "${ZSH_VERSION-}" ]; then
    eval "$(\command '@AWS_AS_ACTIVATE@' --shell zsh)"
else
    eval "$(\command '@AWS_AS_ACTIVATE@' --shell sh)"
fi
