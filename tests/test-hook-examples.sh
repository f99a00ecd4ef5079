#!/bin/bash
# The example hooks shipped in hooks/, run the way fvm-spawn runs them (event as argument, the
# clone's facts in the environment), on files in a temporary directory. TAP.
set -u
hooks=${FVM_SOURCE_ROOT:?}/hooks
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '# %s\n' "$@"; }
check() { local d=$1; shift; if out=$("$@" 2>&1); then ok "$d"; else not_ok "$d" "$out"; fi; }

export FVM_GOLDEN=deb@1 FVM_MAC=52:54:00:00:00:01 FVM_OWNER=$(id -un) FVM_NETWORK=fvm

printf '127.0.0.1 localhost\n' >"$work/hosts"
check "hosts: create adds the clone's line" bash -c '"$@" && grep -qx "10.0.0.1 ci-1 # fvm:ci-1" "$0"' "$work/hosts" \
	env FVM_HOSTS_FILE="$work/hosts" FVM_CLONE=ci-1 FVM_IP=10.0.0.1 "$hooks/hosts" create
env FVM_HOSTS_FILE="$work/hosts" FVM_CLONE=ci-10 FVM_IP=10.0.0.10 FVM_HOSTNAME=web10 "$hooks/hosts" create >/dev/null
check "hosts: a second clone's line uses its host name" grep -qx "10.0.0.10 web10 # fvm:ci-10" "$work/hosts"
env FVM_HOSTS_FILE="$work/hosts" FVM_CLONE=ci-1 FVM_IP=10.0.0.2 "$hooks/hosts" create >/dev/null
check "hosts: create again replaces the line, never duplicates it" \
	test "$(grep -c 'fvm:ci-1$' "$work/hosts")" = 1 -a "$(grep 'fvm:ci-1$' "$work/hosts")" = "10.0.0.2 ci-1 # fvm:ci-1"
env FVM_HOSTS_FILE="$work/hosts" FVM_CLONE=ci-1 "$hooks/hosts" destroy
check "hosts: destroy removes exactly that clone's line (not ci-10's)" \
	test "$(cat "$work/hosts")" = "$(printf '127.0.0.1 localhost\n10.0.0.10 web10 # fvm:ci-10')"
for i in $(seq 1 12); do
	env FVM_HOSTS_FILE="$work/hosts" FVM_CLONE=p-$i FVM_IP=10.0.1.$i "$hooks/hosts" create >/dev/null &
done
wait
check "hosts: 12 concurrent creates keep all 12 lines (the lock)" test "$(grep -c 'fvm:p-' "$work/hosts")" = 12
out=$(env FVM_HOSTS_FILE="$work/hosts" FVM_CLONE=x "$hooks/hosts" rename 2>&1); rc=$?
check "hosts: an unknown event fails with one line" test "$rc" != 0 -a "$(wc -l <<<"$out")" = 1

env FVM_SSH_CONFIG_DIR="$work/ssh" FVM_CLONE=ci-1 FVM_IP=10.0.0.1 "$hooks/ssh-config" create >/dev/null
check "ssh-config: create writes a Host block with the address" \
	bash -c 'grep -qx "Host ci-1" "$0" && grep -q "HostName 10.0.0.1" "$0"' "$work/ssh/ci-1"
check "ssh: the block is valid ssh_config (ssh -G reads it)" \
	bash -c 'ssh -F "$0" -G ci-1 | grep -qx "hostname 10.0.0.1"' "$work/ssh/ci-1"
env FVM_SSH_CONFIG_DIR="$work/ssh" FVM_CLONE=ci-1 "$hooks/ssh-config" destroy
check "ssh-config: destroy removes it" test ! -e "$work/ssh/ci-1"

env FVM_INVENTORY="$work/inv/log.jsonl" FVM_CLONE='we"ird' FVM_IP=10.0.0.1 "$hooks/inventory" create
env FVM_INVENTORY="$work/inv/log.jsonl" FVM_CLONE=ci-1 "$hooks/inventory" destroy
check "inventory: one JSON line per event, quotes escaped" python3 - "$work/inv/log.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["event"] for l in lines] == ["create", "destroy"], lines
assert lines[0]["clone"] == 'we"ird' and lines[0]["ip"] == "10.0.0.1" and lines[0]["golden"] == "deb@1", lines
PY
echo "1..$n"
[ "$failed" -eq 0 ]
