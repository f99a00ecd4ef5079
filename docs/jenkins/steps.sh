#!/bin/bash
# The shell steps of docs/jenkins/Jenkinsfile: a fleet of fvm clones for one build, a command
# run in each over SSH, and a teardown that leaves no clone behind. The Jenkinsfile calls
# exactly these, and tests/integration/jenkins.sh runs them in a sandbox.
#
#   steps.sh spawn      fvm-spawn create GOLDEN NAME --count N --json; writes STATE/clones.json
#                       and STATE/clones.txt ("NAME IP" per line)
#   steps.sh run CMD... runs CMD in every clone over fvm-spawn ssh (output in STATE/NAME.log);
#                       fails when it fails in any clone
#   steps.sh reset      fvm-spawn reset of every clone: each is its golden again (what the last
#                       stage wrote is gone) with the same name and MAC, and answers SSH;
#                       rewrites STATE/clones.txt (an unreserved address may change); a clean
#                       agent for the next stage without a destroy and create
#   steps.sh teardown   destroys every clone NAME-1 … NAME-N of this build, also those a
#                       killed or half-failed spawn left; safe to run twice
#
# Settings (environment):
#   FVM_GOLDEN          golden to clone: NAME@N, or NAME for its newest version (required)
#   FVM_CI_NAME         clone name prefix (default: ci-$BUILD_NUMBER)
#   FVM_CI_COUNT        how many clones (default: 2)
#   FVM_CI_WAIT         what create waits for: ip or ssh (default: ssh)
#   FVM_CI_STATE        where the JSON, the address list and logs go (default: ./fvm-ci)
#   FVM_CI_IDENTITY     private key for fvm-spawn ssh (default: clone.ssh-identity, ssh's own)
#   FVM_CI_TTL          gc (and fvm-spawn watch) destroy the clones once they are older than
#                       this, should teardown never run (a killed agent): default 2h
#   FVM_CONNECT         libvirt URI (fvm's own setting; default qemu:///system)
set -euo pipefail

name=${FVM_CI_NAME:-ci-${BUILD_NUMBER:?set FVM_CI_NAME or BUILD_NUMBER}}
count=${FVM_CI_COUNT:-2}
state=${FVM_CI_STATE:-$PWD/fvm-ci}

spawn() {
	mkdir -p "$state"
	local rc=0
	# With --count the JSON is {"clones": [...], "failed": [{"name", "error"}]}; the exit
	# status is 1 when any clone failed, and the ones made are kept (teardown removes them).
	# --ttl: a backstop for a build whose teardown never ran; fvm-spawn gc (fvm-gc.timer) or
	# fvm-spawn watch (fvm-watch.service) removes the clones once they are older than that.
	fvm-spawn create "${FVM_GOLDEN:?set FVM_GOLDEN}" "$name" --count "$count" \
		--wait "${FVM_CI_WAIT:-ssh}" --ttl "${FVM_CI_TTL:-2h}" --json >"$state/clones.json" || rc=$?
	python3 - "$state/clones.json" >"$state/clones.txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for c in doc["clones"]:
    print(c["name"], c["ip"])
for f in doc["failed"]:
    print("failed: %s: %s" % (f["name"], f["error"]), file=sys.stderr)
PY
	echo "spawned $(wc -l <"$state/clones.txt") of $count clones:"
	cat "$state/clones.txt"
	return "$rc"
}

run() {
	[ $# -gt 0 ] || { echo "steps.sh run: no command given" >&2; return 2; }
	[ -s "$state/clones.txt" ] || { echo "steps.sh run: no clones (did spawn run?)" >&2; return 1; }
	local clone ip failed=0
	while read -r clone ip; do
		echo "== $clone ($ip): $*"
		# stdin from /dev/null: ssh must not eat the rest of clones.txt
		if fvm-spawn ssh ${FVM_CI_IDENTITY:+-i "$FVM_CI_IDENTITY"} "$clone" -- "$@" \
			</dev/null 2>&1 | tee "$state/$clone.log"; then
			:
		else
			echo "== $clone: failed" >&2
			failed=$((failed + 1))
		fi
	done <"$state/clones.txt"
	[ "$failed" -eq 0 ]
}

reset() {
	[ -s "$state/clones.txt" ] || { echo "steps.sh reset: no clones (did spawn run?)" >&2; return 1; }
	local clones
	clones=$(awk '{print $1}' "$state/clones.txt")
	# Each clone gets a new disk from the golden and boots again with the same name and MAC;
	# its fresh machine-id may get it a new DHCP address (a reserved one stays), so clones.txt
	# is written anew from what reset prints: "NAME IP" for each once it answers SSH.
	# shellcheck disable=SC2086 # one clone name per word
	fvm-spawn reset --wait "${FVM_CI_WAIT:-ssh}" $clones >"$state/clones.txt.new"
	mv "$state/clones.txt.new" "$state/clones.txt"
	cat "$state/clones.txt"
}

teardown() {
	# From fvm itself, not from clones.json: a spawn killed before it wrote the JSON leaves
	# clones too. Only this build's names: NAME-<number>.
	local names
	names=$(fvm-spawn list --names | grep -E "^${name}-[0-9]+\$" || true)
	if [ -n "$names" ]; then
		# shellcheck disable=SC2086 # one clone name per word
		fvm-spawn destroy --yes $names
	fi
	fvm-spawn gc --yes >/dev/null || true
	echo "teardown: removed ${names:-nothing}" | tr '\n' ' '
	echo
}

case ${1:-} in
spawn | reset | teardown)
	"$1"
	;;
run)
	shift
	run "$@"
	;;
*)
	echo "usage: steps.sh spawn | run COMMAND... | reset | teardown" >&2
	exit 2
	;;
esac
