#!/bin/bash
# The example hooks shipped in hooks/, run the way fvm-spawn runs them (event as argument, the
# clone's facts in the environment), on files in a temporary directory. TAP.
set -u
hooks=${FVM_SOURCE_ROOT:?}/hooks
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "${BASH_SOURCE[0]%/*}/tap.sh"

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

# What a guest agent could say, or a host name with a line break: never a new line in the file.
cp "$work/hosts" "$work/hosts-before"
nl='
'
for bad in "10.0.0.7${nl}10.6.6.6 bank.example" "10.0.0.7 bank.example" "10.0.0.300" "::1"; do
	out=$(env FVM_HOSTS_FILE="$work/hosts" FVM_CLONE=ag-1 FVM_IP="$bad" "$hooks/hosts" create 2>&1); rc=$?
	check "hosts: the address '$(printf %s "$bad" | tr '\n' ' ')' is refused and the file unchanged" \
		bash -c '[ "$1" != 0 ] && cmp -s "$2" "$3" && ! ls "$2".?????? 2>/dev/null' _ "$rc" "$work/hosts" "$work/hosts-before"
done
out=$(env FVM_HOSTS_FILE="$work/hosts" FVM_CLONE=ag-1 FVM_IP=10.0.0.7 FVM_HOSTNAME="x${nl}10.6.6.6 bank" "$hooks/hosts" create 2>&1); rc=$?
check "hosts: a host name with a line break is refused, the file unchanged" \
	bash -c '[ "$1" != 0 ] && cmp -s "$2" "$3"' _ "$rc" "$work/hosts" "$work/hosts-before"
printf 'secret\n' >"$work/target"
ln -s "$work/target" "$work/hosts-link"
out=$(env FVM_HOSTS_FILE="$work/hosts-link" FVM_CLONE=ag-1 FVM_IP=10.0.0.7 "$hooks/hosts" create 2>&1); rc=$?
check "hosts: a symlinked hosts file is refused; what it points to is untouched" \
	bash -c '[ "$1" != 0 ] && [ "$(cat "$2")" = secret ] && [ -L "$3" ]' _ "$rc" "$work/target" "$work/hosts-link"

env FVM_SSH_CONFIG_DIR="$work/ssh" FVM_CLONE=ci-1 FVM_IP=10.0.0.1 "$hooks/ssh-config" create >/dev/null
check "ssh-config: create writes a Host block with the address" \
	bash -c 'grep -qx "Host ci-1" "$0" && grep -q "HostName 10.0.0.1" "$0"' "$work/ssh/ci-1"
check "ssh: the block is valid ssh_config (ssh -G reads it)" \
	bash -c 'ssh -F "$0" -G ci-1 | grep -qx "hostname 10.0.0.1"' "$work/ssh/ci-1"
env FVM_SSH_CONFIG_DIR="$work/ssh" FVM_CLONE=ci-9 FVM_IP=10.213.0.9 \
	FVM_SSH_PROXY="'ssh' '-i' '/k/my key' '-W' %h:%p '--' 'hv2'" "$hooks/ssh-config" create >/dev/null
check "ssh-config: a remote clone's route becomes the block's ProxyCommand, as ssh reads it" \
	bash -c 'ssh -F "$0" -G ci-9 | grep -qxF "proxycommand '"'ssh' '-i' '/k/my key' '-W' %h:%p '--' 'hv2'"'"' "$work/ssh/ci-9"
out=$(env FVM_SSH_CONFIG_DIR="$work/ssh" FVM_CLONE=ci-8 FVM_IP=10.0.0.8 FVM_SSH_PROXY="x${nl}	LocalCommand touch $work/pwned" \
	"$hooks/ssh-config" create 2>&1); rc=$?
check "ssh-config: a route with a line break is refused; no block" \
	bash -c '[ "$1" != 0 ] && [ ! -e "$2/ssh/ci-8" ] && [ ! -e "$2/pwned" ]' _ "$rc" "$work"
env FVM_SSH_CONFIG_DIR="$work/ssh" FVM_CLONE=ci-1 "$hooks/ssh-config" destroy
check "ssh-config: destroy removes it" test ! -e "$work/ssh/ci-1"
out=$(env FVM_SSH_CONFIG_DIR="$work/ssh" FVM_CLONE=ci-2 FVM_IP="10.0.0.1${nl}	ProxyCommand touch $work/pwned" \
	"$hooks/ssh-config" create 2>&1); rc=$?
check "ssh-config: an address with a line break is refused; no block, no directive" \
	bash -c '[ "$1" != 0 ] && [ ! -e "$2/ssh/ci-2" ] && [ ! -e "$2/pwned" ]' _ "$rc" "$work"
ln -s "$work/target" "$work/ssh/ci-3"
out=$(env FVM_SSH_CONFIG_DIR="$work/ssh" FVM_CLONE=ci-3 FVM_IP=10.0.0.3 "$hooks/ssh-config" create 2>&1); rc=$?
check "ssh-config: a symlink where the block goes is refused; its target untouched" \
	bash -c '[ "$1" != 0 ] && [ "$(cat "$2")" = secret ]' _ "$rc" "$work/target"
out=$(env FVM_SSH_CONFIG_DIR="$work/ssh" FVM_CLONE=ci-3 "$hooks/ssh-config" destroy 2>&1); rc=$?
check "ssh-config: and destroy does not remove through it either" \
	bash -c '[ "$1" != 0 ] && [ -L "$2/ssh/ci-3" ] && [ "$(cat "$2/target")" = secret ]' _ "$rc" "$work"
ln -s "$work/elsewhere" "$work/ssh-link"
out=$(env FVM_SSH_CONFIG_DIR="$work/ssh-link" FVM_CLONE=ci-4 FVM_IP=10.0.0.4 "$hooks/ssh-config" create 2>&1); rc=$?
check "ssh-config: a symlinked directory is refused" \
	bash -c '[ "$1" != 0 ] && [ ! -e "$2/elsewhere" ]' _ "$rc" "$work"
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
	# As root (a destroy by root, a create through sudo) the hook writes as the owner.
	chmod 0755 "$work"
	mkdir "$work/nobody-ssh" "$work/root-only"
	chown nobody "$work/nobody-ssh"
	env FVM_OWNER=nobody FVM_SSH_CONFIG_DIR="$work/nobody-ssh" FVM_CLONE=ci-5 FVM_IP=10.0.0.5 \
		"$hooks/ssh-config" create >/dev/null 2>&1
	check "ssh-config: run by root, it writes as the owner (the file is theirs)" \
		test "$(stat -c %U "$work/nobody-ssh/ci-5" 2>&1)" = nobody
	out=$(env FVM_OWNER=nobody FVM_SSH_CONFIG_DIR="$work/root-only" FVM_CLONE=ci-5 FVM_IP=10.0.0.5 \
		"$hooks/ssh-config" create 2>&1); rc=$?
	check "ssh-config: run by root, it cannot write where the owner cannot" \
		bash -c '[ "$1" != 0 ] && [ ! -e "$2/root-only/ci-5" ]' _ "$rc" "$work"
else
	skip "ssh-config as the owner: needs root and a 'nobody' user"
fi

env FVM_INVENTORY="$work/inv/log.jsonl" FVM_CLONE='we"ird' FVM_IP=10.0.0.1 "$hooks/inventory" create
env FVM_INVENTORY="$work/inv/log.jsonl" FVM_CLONE=ci-1 "$hooks/inventory" destroy
check "inventory: one JSON line per event, quotes escaped" python3 - "$work/inv/log.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["event"] for l in lines] == ["create", "destroy"], lines
assert lines[0]["clone"] == 'we"ird' and lines[0]["ip"] == "10.0.0.1" and lines[0]["golden"] == "deb@1", lines
PY
finish
