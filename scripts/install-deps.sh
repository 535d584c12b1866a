#!/usr/bin/env bash
# Install everything the test suite needs (idempotent; safe to re-run; fast when nothing is
# missing):
#   - Debian packages: the shells the activation scripts are tested in, shellcheck, Go and
#     Debian's aws-sdk-go v1 (for tests/support/goclient), hyperfine, tmux, strace (which
#     proves the prompt hooks start no process, tests/prompt_expiry.rs), and bash-completion
#     (whose command completion `aws-as exec NAME …` defers to, tests/completions.rs).
#   - A Python venv at $REPO/.venv with moto (the local STS, tests/support/sts.py), boto3 and
#     the AWS CLI v1.
# CI runs this as root on a clean Debian 12 machine, non-interactively.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
export DEBIAN_FRONTEND=noninteractive
summary=()

SUDO=()
if [ "$(id -u)" != 0 ]; then SUDO=(sudo); fi

apt_updated=0
apt_install() {
    if [ "$apt_updated" = 0 ]; then
        "${SUDO[@]}" apt-get update -q
        apt_updated=1
    fi
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "$@"
}

# --- Debian packages -------------------------------------------------------------------------
APT_PACKAGES=(zsh fish tcsh dash shellcheck golang-go golang-github-aws-aws-sdk-go-dev hyperfine tmux strace bash-completion)
missing=()
for cmd in zsh fish tcsh dash shellcheck go hyperfine tmux strace; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
[ -f /usr/share/bash-completion/bash_completion ] || missing+=(bash-completion)
# The Go SDK (and its jmespath dependency) are source trees under /usr/share/gocode.
for dir in github.com/aws/aws-sdk-go/service/sts github.com/jmespath/go-jmespath; do
    [ -d "/usr/share/gocode/src/$dir" ] || missing+=("$dir")
done
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${APT_PACKAGES[@]}"
    summary+=("apt: installed ${APT_PACKAGES[*]} (missing: ${missing[*]})")
else
    summary+=("apt: skipped, all present")
fi

# --- Python venv -----------------------------------------------------------------------------
PIP_PACKAGES=("moto[server]>=5,<6" "boto3>=1.34" "awscli>=1.32")
venv_ok() {
    [ -x "$VENV/bin/python" ] && [ -x "$VENV/bin/aws" ] &&
        "$VENV/bin/python" -c 'import moto, moto.server, boto3, werkzeug' >/dev/null 2>&1
}
if venv_ok; then
    summary+=("venv: skipped, $VENV has moto, boto3 and aws")
else
    PYTHON=python3
    if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        # A bare Debian has no python3, or ships venv/ensurepip separately.
        apt_install python3 python3-venv
        PYTHON=/usr/bin/python3
    fi
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
    if ! venv_ok; then
        echo "install-deps: $VENV is still incomplete after pip install" >&2
        exit 1
    fi
    summary+=("venv: installed ${PIP_PACKAGES[*]} into $VENV")
fi

if ! command -v cargo >/dev/null 2>&1; then
    summary+=("WARNING: cargo not found; the tests need a Rust toolchain with edition 2024 (rustup)")
fi

line="install-deps:"
for part in "${summary[@]}"; do line="$line $part;"; done
echo "${line%;}"
