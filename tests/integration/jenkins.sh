#!/bin/bash
# Integration: the Jenkins example's shell steps (docs/jenkins/steps.sh, exactly what
# docs/jenkins/Jenkinsfile runs) in a sandbox: spawn makes ci-N-1 … ci-N-COUNT with
# --count --json and reads their addresses from the JSON, run executes a command in each over
# fvm-spawn ssh, reset gives every clone its golden's disk again (a file the run wrote is gone)
# with the same name and address, teardown leaves no clone (also after a run that failed, and
# twice); spawn gives the clones a --ttl.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

steps=${FVM_SOURCE_ROOT:?}/docs/jenkins/steps.sh
sandbox_up "fvmjk-$$"
note "sandbox: $FVM_CONNECT"
original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb of debian12 is in the store ($BUILT_BY)"
golden=$(fvm-golden create itdeb jkgold 2>&1)
[ "$golden" = jkgold@1 ] || bail "fvm-golden create: $golden"
note "setup: golden jkgold@1 made"

ws=$(mktemp -d)
trap 'sandbox_down; rm -rf "$ws"' EXIT
# What the Jenkinsfile's environment block sets.
export BUILD_NUMBER=$$ FVM_GOLDEN=jkgold FVM_CI_COUNT=2 FVM_CI_STATE=$ws/fvm-ci FVM_CI_IDENTITY=$KEY
# fvm-spawn ssh runs ssh(1) as this user: its HOME gets no known_hosts entries anyway.
export HOME=$ws
name=ci-$BUILD_NUMBER

start=$SECONDS
out=$(cd "$ws" && "$steps" spawn 2>&1)
rc=$?
check "steps.sh spawn succeeds ($((SECONDS - start)) s)" test "$rc" = 0 || note "$out"
net=$(virsh_ net-dumpxml fvm | sed -n "s/.*<ip address='\([0-9.]*\)\.[0-9]*'.*/\1/p")
check "clones.json has $name-1 and $name-2 with distinct addresses in the network" python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
names = [c["name"] for c in doc["clones"]]
ips = [c["ip"] for c in doc["clones"]]
assert names == [sys.argv[2] + "-1", sys.argv[2] + "-2"], names
assert len(set(ips)) == 2 and all(ip.startswith(sys.argv[3] + ".") for ip in ips), ips
assert doc["failed"] == [], doc["failed"]
' "$FVM_CI_STATE/clones.json" "$name" "$net"
check "clones.txt lists NAME IP for each" bash -c '[ "$(awk "{print \$1}" "$1" | tr "\n" " ")" = "$2-1 $2-2 " ]' _ "$FVM_CI_STATE/clones.txt" "$name"

start=$SECONDS
out=$(cd "$ws" && "$steps" run cat /etc/machine-id 2>&1)
rc=$?
check "steps.sh run executes a command in each clone over ssh ($((SECONDS - start)) s)" test "$rc" = 0 || note "$out"
check "each clone answered with its own machine-id" bash -c '
	a=$(tail -n 1 "$1/$2-1.log"); b=$(tail -n 1 "$1/$2-2.log")
	[[ $a =~ ^[0-9a-f]{32}$ && $b =~ ^[0-9a-f]{32}$ && $a != "$b" ]]' _ "$FVM_CI_STATE" "$name"
out=$(cd "$ws" && "$steps" run false 2>&1)
rc=$?
check "steps.sh run fails when the command fails in the clones" test "$rc" -ne 0
check "spawn gave the clones a --ttl (2h)" bash -c 'fvm-spawn info "$1-1" | grep -q "^TTL: *2h"' _ "$name"

out=$(cd "$ws" && "$steps" run touch /root/dirty 2>&1)
check "steps.sh run writes a file in each clone" test $? = 0 || note "$out"
start=$SECONDS
out=$(cd "$ws" && "$steps" reset 2>"$ws/reset.err")
rc=$?
check "steps.sh reset succeeds ($((SECONDS - start)) s)" test "$rc" = 0 || note "$(cat "$ws/reset.err")"
check "reset printed each clone with an address in the network, and clones.txt says the same" \
	bash -c '[ "$(awk "{print \$1}" <<<"$1" | tr "\n" " ")" = "$2-1 $2-2 " ] &&
		[ "$(grep -c " $3\." <<<"$1")" = 2 ] && [ "$1" = "$(cat "$4")" ]' _ "$out" "$name" "$net" "$FVM_CI_STATE/clones.txt"
out=$(cd "$ws" && "$steps" run test ! -e /root/dirty 2>&1)
check "after reset the file is gone in every clone, and each answers SSH" test $? = 0 || note "$out"

out=$(cd "$ws" && "$steps" teardown 2>&1)
rc=$?
check "steps.sh teardown succeeds" test "$rc" = 0 || note "$out"
check "no clone is left (domains)" test -z "$(virsh_ list --all --name)"
check "no clone disk is left" bash -c '! ls "$1" | grep -q "clone"' _ "$POOL_DIR"
check "fvm-spawn list --names is empty" test -z "$(fvm-spawn list --names)"
out=$(cd "$ws" && "$steps" teardown 2>&1)
check "teardown again (post always after a clean build) is fine" test $? = 0

# A spawn that fails part-way still leaves nothing after teardown: a taken --number… is not
# in steps.sh; a golden that does not exist is the failure Jenkins sees most.
out=$(cd "$ws" && FVM_GOLDEN=nosuch "$steps" spawn 2>&1)
check "spawn of a missing golden fails" test $? -ne 0
out=$(cd "$ws" && "$steps" teardown 2>&1)
check "teardown after the failed spawn leaves no clone" test -z "$(virsh_ list --all --name)"
finish
