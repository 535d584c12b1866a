#!/usr/bin/env bash
# Install everything the test suite needs (idempotent; safe to re-run; fast when nothing is
# missing):
#   - Debian packages: the shells the activation scripts are tested in, shellcheck, Go and
#     Debian's aws-sdk-go v1 (for tests/support/goclient; its aws/ec2metadata,
#     aws/credentials/ec2rolecreds and aws/credentials/endpointcreds are there too), hyperfine,
#     tmux, lintian (which checks the Debian package, scripts/package), man-db (man, for the
#     installed pages: tests/package.rs), strace (which proves the prompt hooks start no process, tests/prompt_expiry.rs),
#     bash-completion (whose command completion `aws-as exec NAME …` defers to,
#     tests/completions.rs), the AWS CLI v2 (Debian's awscli 2.9.x, at /usr/bin/aws: a Python
#     program on /usr/bin/python3 with its own bundled botocore), Chromium (/usr/bin/chromium,
#     for the browser tests), systemd (for `systemd-analyze verify` on unit files; see below),
#     iproute2 (`ip netns`), util-linux (`unshare`; `setpriv`, which runs a test's attacker as a
#     second user) and passwd (`useradd`, `userdel`: that user, made and removed by the test), curl
#     (the fake browser of the IAM Identity Center sign-in tests); gnome-keyring, dbus-daemon and
#     libsecret-tools (the Secret Service tests/keyring.rs starts headless in a private D-Bus
#     session, and `secret-tool`, which reads its items); and
#     Node.js and npm, only when the machine has none (Debian's are Node 18, which the pinned
#     playwright-core still supports).
#   - tests/browser/node_modules: playwright-core from tests/browser/package-lock.json (npm ci),
#     which drives /usr/bin/chromium and never downloads a browser of its own.
#   - A Python venv at $REPO/.venv with moto (the local STS, tests/support/sts.py), boto3, the
#     AWS CLI v1 ($REPO/.venv/bin/aws, beside the v2 at /usr/bin/aws: tests name each by its
#     absolute path, since PATH may hold another `aws`), schemathesis (OpenAPI fuzzing), and
#     jsonschema and openapi-spec-validator (the management API against its OpenAPI document).
# The benchmark's own tools (wrk, nginx, awsume) are not here: bench/run installs them.
# CI runs this as root on a clean Debian 12 machine, non-interactively.
#
# systemd-analyze without systemd as PID 1 (a container, CI; checked with systemd 252):
#   XDG_RUNTIME_DIR=$(mktemp -d) systemd-analyze --user verify --man=no UNIT_FILE...
# for user units (`systemd-analyze verify --man=no UNIT_FILE...` for system units needs no
# XDG_RUNTIME_DIR). Without XDG_RUNTIME_DIR, --user fails for every unit, good or bad ("Failed to
# initialize manager"); without --man=no, a Documentation=man:… page that is not installed fails.
# %h is $HOME. It exits 1 on a fatal error (no ExecStart=, an ExecStart= neither absolute nor a
# bare name, a command that does not exist, a timer with no valid trigger) but only warns and
# exits 0 on an unknown key or section (`ExecStrat=`) or a bad value it can ignore
# (`Restart=sometimes`): a test must also require an empty stderr.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
export DEBIAN_FRONTEND=noninteractive
summary=()

SUDO=()
if [ "$(id -u)" != 0 ]; then SUDO=(sudo); fi

apt_updated=0
# Waits (up to 10 minutes) for another apt or dpkg on the machine instead of failing at once.
APT_OPTS=(-q -o DPkg::Lock::Timeout=600)
apt_install() {
    if [ "$apt_updated" = 0 ]; then
        "${SUDO[@]}" apt-get update "${APT_OPTS[@]}"
        apt_updated=1
    fi
    "${SUDO[@]}" apt-get install -y "${APT_OPTS[@]}" --no-install-recommends --no-upgrade "$@"
}

# --- Debian packages -------------------------------------------------------------------------
APT_PACKAGES=(zsh fish tcsh dash shellcheck golang-go golang-github-aws-aws-sdk-go-dev hyperfine tmux strace bash-completion
    awscli chromium systemd iproute2 util-linux passwd curl gnome-keyring dbus-daemon libsecret-tools
    lintian man-db)
missing=()
for cmd in zsh fish tcsh dash shellcheck go hyperfine tmux strace systemd-analyze ip unshare setpriv curl \
    gnome-keyring-daemon dbus-daemon secret-tool lintian man; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
[ -f /usr/share/bash-completion/bash_completion ] || missing+=(bash-completion)
# By path: /usr/sbin is not on a user's PATH on Debian.
[ -x /usr/sbin/useradd ] || missing+=(/usr/sbin/useradd)
# By path, not by PATH: another `aws` (the venv's v1, a pyenv shim) may come first there.
[ -x /usr/bin/aws ] || missing+=(/usr/bin/aws)
[ -x /usr/bin/chromium ] || missing+=(/usr/bin/chromium)
# Node.js and npm only when absent: a machine may have another Node.js (NodeSource's, which
# bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || { missing+=(node); APT_PACKAGES+=(nodejs); }
command -v npm >/dev/null 2>&1 || { missing+=(npm); APT_PACKAGES+=(npm); }
# The Go SDK (and its jmespath dependency) are source trees under /usr/share/gocode.
for dir in github.com/aws/aws-sdk-go/service/sts github.com/aws/aws-sdk-go/aws/ec2metadata github.com/jmespath/go-jmespath; do
    [ -d "/usr/share/gocode/src/$dir" ] || missing+=("$dir")
done
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${APT_PACKAGES[@]}"
    summary+=("apt: installed ${APT_PACKAGES[*]} (missing: ${missing[*]})")
else
    summary+=("apt: skipped, all present")
fi

# --- playwright-core (tests/browser) ---------------------------------------------------------
BROWSER_DIR="$REPO/tests/browser"
playwright_ok() {
    # Installed, and the version the lock file pins.
    node -e '
        const dir = process.argv[1];
        const want = require(dir + "/package-lock.json").packages["node_modules/playwright-core"].version;
        const have = require(dir + "/node_modules/playwright-core/package.json").version;
        process.exit(want === have ? 0 : 1);
    ' "$BROWSER_DIR" >/dev/null 2>&1
}
if playwright_ok; then
    summary+=("npm: skipped, $BROWSER_DIR/node_modules has playwright-core")
else
    # playwright-core downloads no browser, but say so: it must never try.
    (cd "$BROWSER_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    if ! playwright_ok; then
        echo "install-deps: $BROWSER_DIR/node_modules has no playwright-core after npm ci" >&2
        exit 1
    fi
    summary+=("npm: installed playwright-core into $BROWSER_DIR/node_modules")
fi

# --- Python venv -----------------------------------------------------------------------------
# jsonschema (with referencing) and openapi-spec-validator check the management API's answers
# and its OpenAPI document (tests/support/openapi_check.py); moto[server] brings both today, but
# the tests use them directly.
PIP_PACKAGES=("moto[server]>=5,<6" "boto3>=1.34" "awscli>=1.32" "schemathesis>=4,<5" "jsonschema>=4.18" "openapi-spec-validator>=0.7")
# Prints the requirements the venv lacks (checked by the imports and scripts that prove each is
# there), or "python" when there is no working venv at all; nothing when it is complete.
venv_missing() {
    if ! [ -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
        echo python
        return
    fi
    "$VENV/bin/python" - "$VENV/bin" <<'PY' 2>/dev/null || echo python
import importlib, os, sys
bindir = sys.argv[1]
need = {
    "moto": (["moto", "moto.server", "werkzeug"], []),
    "boto3": (["boto3"], []),
    "awscli": (["awscli"], ["aws"]),
    "schemathesis": (["schemathesis"], ["schemathesis", "st"]),
    "jsonschema": (["jsonschema", "referencing", "yaml"], []),
    "openapi-spec-validator": (["openapi_spec_validator"], []),
}
for name, (modules, scripts) in need.items():
    try:
        for module in modules:
            importlib.import_module(module)
        ok = all(os.access(os.path.join(bindir, s), os.X_OK) for s in scripts)
    except Exception:
        ok = False
    if not ok:
        print(name)
PY
}
new_venv() {
    local python=python3
    if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        # A bare Debian has no python3, or ships venv/ensurepip separately.
        apt_install python3 python3-venv
        python=/usr/bin/python3
    fi
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
}
# The whole list, not only what is missing: pip keeps what already satisfies its requirement and
# resolves the newcomers together with the rest, so adding one cannot break another.
pip_install() {
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
}
venv_lacks="$(venv_missing | tr '\n' ' ')"
venv_lacks="${venv_lacks% }"
if [ -z "$venv_lacks" ]; then
    summary+=("venv: skipped, $VENV has moto, boto3, aws, schemathesis, jsonschema and openapi-spec-validator")
else
    if [ "$venv_lacks" = python ]; then
        new_venv
        pip_install
    else
        pip_install
        # What pip took as installed can still be broken (a deleted file): start afresh, once.
        if [ -n "$(venv_missing)" ]; then
            new_venv
            pip_install
        fi
    fi
    still="$(venv_missing | tr '\n' ' ')"
    if [ -n "$still" ]; then
        echo "install-deps: $VENV still lacks ${still% } after pip install" >&2
        exit 1
    fi
    summary+=("venv: installed ${PIP_PACKAGES[*]} into $VENV (missing: $venv_lacks)")
fi

if ! command -v cargo >/dev/null 2>&1; then
    summary+=("WARNING: cargo not found; the tests need a Rust toolchain with edition 2024 (rustup)")
fi

line="install-deps:"
for part in "${summary[@]}"; do line="$line $part;"; done
echo "${line%;}"
