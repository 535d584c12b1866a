# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034 # $py comes from the caller; sts_pid and endpoint go back to it
# Sourced by bench/run and bench/hot-text: the throwaway HOME both measure in and the local STS
# both reach. Needs $py (the tests' Python, with moto) and the repository as the working
# directory.

# The shape of STANDARD_CONFIG in tests/common/fixture.rs: a user with MFA, a role from it, and a
# role in another account chained from that one.
write_standard_home() {
  local home=$1
  mkdir -p "$home/.aws"
  cat >"$home/.aws/config" <<'CONFIG'
[profile my-user1-dev]
region = eu-west-1
mfa_serial = arn:aws:iam::111111111111:mfa/my-user1
[profile my-role1-dev]
role_arn = arn:aws:iam::111111111111:role/my-role1
source_profile = my-user1-dev
mfa_serial = arn:aws:iam::111111111111:mfa/my-user1
role_session_name = my-user1@dev
[profile my-role2-dev]
role_arn = arn:aws:iam::222222222222:role/my-role2
source_profile = my-role1-dev
region = us-west-2
CONFIG
  cat >"$home/.aws/credentials" <<'CREDENTIALS'
[my-user1-dev]
aws_access_key_id = AKIAUSER1EXAMPLE0001
aws_secret_access_key = user1secret/EXAMPLEKEY+abc
CREDENTIALS
}

# Starts moto behind tests/support/sts.py on 127.0.0.1 and sets sts_pid and endpoint. sts.py
# exits when its stdin reaches EOF: the caller's shell holds the FIFO open on fd 3, so closing
# fd 3 (`exec 3>&-`) or exiting stops it.
start_local_sts() {
  local work=$1 port
  mkfifo "$work/sts.in"
  "$py" tests/support/sts.py moto <"$work/sts.in" >"$work/sts.out" 2>"$work/sts.err" &
  sts_pid=$!
  exec 3>"$work/sts.in"
  for _ in $(seq 600); do
    grep -q '^PORT ' "$work/sts.out" 2>/dev/null && break
    kill -0 "$sts_pid" 2>/dev/null || break
    sleep 0.1
  done
  port=$(sed -n 's/^PORT //p' "$work/sts.out")
  [ -n "$port" ] || { echo "bench: the local STS did not start:" >&2; cat "$work/sts.err" >&2; exit 1; }
  endpoint=http://127.0.0.1:$port
}
