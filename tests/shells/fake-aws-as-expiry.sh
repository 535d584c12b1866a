#!/bin/sh
# A stand-in for the aws-as binary, for tests/prompt_expiry.rs: the switch's output contract with
# credentials whose lifetime the test chooses. No AWS.
#   fake --shell D [--no-input] [--region R] [--] NAME
#       statements for dialect D setting AWS_ACCESS_KEY_ID=AKIAFAKE<n> (n counts the switches),
#       AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_AS_IDENTITY and
#       AWS_AS_EXPIRES_EPOCH = now + the seconds in $HOME/ttl (3600 without it; may be negative),
#       and AWS_AS_REGION=R with --region R (unset without, as the binary does for an identity
#       without a region)
#   fake --shell D -    unsets of everything it sets
# With $HOME/fail present it prints one line on stderr, nothing on stdout, and exits 1, as the
# binary does when --no-input meets an expired MFA session.
# Every call is appended to $HOME/calls, one line of arguments.
printf '%s\n' "$*" >>"$HOME/calls"
[ "${1-}" = --shell ] || exit 2
dialect=$2
region=
shift 2
while :; do
    case ${1-} in
    --no-input) shift ;;
    --region)
        region=$2
        shift 2
        ;;
    --duration | --mfa-code) shift 2 ;;
    --)
        shift
        break
        ;;
    *) break ;;
    esac
done
name=${1-}
if [ -e "$HOME/fail" ]; then
    echo "aws-as: the MFA session has expired and --no-input forbids asking for a code" >&2
    exit 1
fi
set_() {
    case $dialect in
    fish) printf "set -gx %s '%s';\n" "$1" "$2" ;;
    csh | tcsh) printf "setenv %s '%s' ;\n" "$1" "$2" ;;
    *) printf "export %s='%s';\n" "$1" "$2" ;;
    esac
}
unset_() {
    case $dialect in
    fish) printf 'set -e %s;\n' "$1" ;;
    csh | tcsh) printf 'unsetenv %s ;\n' "$1" ;;
    *) printf 'unset %s;\n' "$1" ;;
    esac
}
vars="AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_AS_EXPIRES_EPOCH AWS_AS_IDENTITY AWS_AS_REGION"
if [ "$name" = - ]; then
    for v in $vars; do unset_ "$v"; done
    exit 0
fi
n=$(($(cat "$HOME/n" 2>/dev/null || echo 0) + 1))
echo "$n" >"$HOME/n"
ttl=$(cat "$HOME/ttl" 2>/dev/null || echo 3600)
epoch=$(($(date +%s) + ttl))
set_ AWS_ACCESS_KEY_ID "AKIAFAKE$n"
set_ AWS_SECRET_ACCESS_KEY "fakesecret$n"
set_ AWS_SESSION_TOKEN "faketoken$n"
set_ AWS_CREDENTIAL_EXPIRATION "$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
set_ AWS_AS_EXPIRES_EPOCH "$epoch"
if [ -n "$region" ]; then
    set_ AWS_AS_REGION "$region"
else
    unset_ AWS_AS_REGION
fi
set_ AWS_AS_IDENTITY "$name"
