#!/bin/sh
# A stand-in for the aws-as binary, for the activation tests: same output contract, no AWS.
#   fake-aws-as --shell D NAME   statements for dialect D setting AWS_ACCESS_KEY_ID=AKIAFAKE,
#                                AWS_SECRET_ACCESS_KEY, AWS_AS_IDENTITY=NAME, unsetting AWS_PROFILE
#   fake-aws-as --shell D -      unsets of everything it sets
#   NAME "bad"                   one line on stderr, exit 1, nothing on stdout
#   anything else (no --shell)   human text that would be harmful if evaluated
# Every call is appended to $HOME/calls.
printf '%s\n' "$*" >>"$HOME/calls"
if [ "${1-}" != --shell ]; then
    printf '%s\n' "fake aws-as status; export AWS_AS_EVALED=1; touch $HOME/evaled"
    exit 0
fi
dialect=$2
shift 2
while :; do
    case ${1-} in
    --mfa-code | --duration) shift 2 ;;
    --)
        shift
        break
        ;;
    *) break ;;
    esac
done
name=${1-}
if [ -z "$name" ] || [ "$name" = bad ]; then
    echo "aws-as: no such identity: '$name'" >&2
    exit 1
fi
q() {
    case $dialect in
    fish) printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")" ;;
    csh | tcsh) printf "'%s'" "$(printf '%s' "$1" | tr '\\' '\001' | sed -e "s/'/'\\\\''/g" -e "s/!/'\\\\!'/g" -e "s/$(printf '\001')/'\\\\\\\\'/g")" ;;
    *) printf "'%s'" "$(printf '%s' "$1" | sed -e "s/'/'\\\\''/g")" ;;
    esac
}
set_() {
    case $dialect in
    fish) printf 'set -gx %s %s;\n' "$1" "$(q "$2")" ;;
    csh | tcsh) printf 'setenv %s %s ;\n' "$1" "$(q "$2")" ;;
    *) printf 'export %s=%s;\n' "$1" "$(q "$2")" ;;
    esac
}
unset_() {
    case $dialect in
    fish) printf 'set -e %s;\n' "$1" ;;
    csh | tcsh) printf 'unsetenv %s ;\n' "$1" ;;
    *) printf 'unset %s;\n' "$1" ;;
    esac
}
if [ "$name" = - ]; then
    for v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_AS_IDENTITY; do
        unset_ "$v"
    done
    exit 0
fi
set_ AWS_ACCESS_KEY_ID AKIAFAKE
set_ AWS_SECRET_ACCESS_KEY "secret with spaces and 'quotes'"
set_ AWS_SESSION_TOKEN "token-$name"
set_ AWS_AS_IDENTITY "$name"
unset_ AWS_PROFILE
