#!/bin/bash
# Integration: a CI agent's lifecycle on real components (a private libvirtd in a network
# namespace of this test's own, a real qemu guest under TCG, a golden made by fvm):
#   reset: a file written in a running clone is gone after `fvm-spawn reset`, which said it
#   powered the clone off; its name, UUID, MAC and reserved address are the same, and it answers
#   SSH again; a stray half-made reset disk is removed by gc.
#   --one-shot: `fvm-spawn watch` destroys a one-shot clone once the guest powers itself off
#   (after leaving it alone while reset held its lock), and a one-shot clone powered off while no
#   watch ran is destroyed by gc; one never started is kept.
#   --ttl: gc destroys the expired clone and keeps the younger one; watch destroys one on its own.
#   clone.max: 8 concurrent creates (--no-start) never exceed it, the others fail with one line;
#   --wait-slot waits until a clone goes, --wait-slot=TIMEOUT gives up after it.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmlc-$$"
conf=$(mktemp -d)
watch_pid=
stop_watch() { [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null && wait "$watch_pid" 2>/dev/null; watch_pid=; }
trap 'stop_watch; sandbox_down; rm -rf "$conf"' EXIT
note "sandbox: $FVM_CONNECT"
export XDG_CONFIG_HOME=$conf
mkdir -p "$conf/fvm"

original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb of debian12 is in the store ($BUILT_BY)"
start=$SECONDS
golden=$(fvm-golden create itdeb lcgold 2>&1)
[ "$golden" = lcgold@1 ] || bail "fvm-golden create: $golden"
note "setup: golden lcgold@1 made ($((SECONDS - start)) s)"
net=$(virsh_ net-dumpxml fvm | sed -n "s/.*<ip address='\([0-9.]*\)\.[0-9]*'.*/\1/p")
gone() { ! virsh_ dominfo "$1" >/dev/null 2>&1 && ! ls "$POOL_DIR" | grep -q "^$1\.clone"; }
wait_gone() { local i; for i in $(seq 1 "$2"); do gone "$1" && return 0; sleep 1; done; return 1; }

# The watch follows the whole store from here on.
fvm-spawn watch --interval 2s >"$conf/watch.log" 2>&1 &
watch_pid=$!

# --- reset ------------------------------------------------------------------------------------
start=$SECONDS
ip=$(fvm-spawn create lcgold lc1 --one-shot --number 50 --wait ssh 2>"$conf/err")
check "create --one-shot --number 50 --wait ssh ($((SECONDS - start)) s)" test "$ip" = "$net.50" ||
	note "$(cat "$conf/err")"
mac=$(virsh_ domiflist lc1 | awk '{print $5}')
uuid=$(virsh_ domuuid lc1)
check "a file written in the clone is there" ssh_ "$ip" 'echo dirty >/root/dirty && sync && cat /root/dirty'
start=$SECONDS
out=$(fvm-spawn reset lc1 --wait ssh 2>"$conf/err")
rc=$?
reset_s=$((SECONDS - start))
check "reset of the running clone succeeds and prints NAME ADDRESS ($reset_s s)" \
	test "$rc:$out" = "0:lc1 $net.50" || note "$(cat "$conf/err")"
check "reset said it powered the running clone off" grep -q "lc1 is running: powering it off" "$conf/err"
check "the file written before the reset is gone" ssh_ "$ip" 'test ! -e /root/dirty'
# (Its host name is the golden's until clones get their own without touching the disk.)
check "the clone answers SSH after the reset" ssh_ "$ip" 'cat /proc/sys/kernel/random/boot_id'
check "its MAC is the same" test "$(virsh_ domiflist lc1 | awk '{print $5}')" = "$mac"
check "its UUID is the same" test "$(virsh_ domuuid lc1)" = "$uuid"
check "its reservation is the same" bash -c \
	'virsh -q -c "$1" net-dumpxml fvm | grep -q "<host mac=.$2. name=.lc1. ip=.$3.50./>"' _ "$FVM_CONNECT" "$mac" "$net"
check "info still records it as one-shot" bash -c 'fvm-spawn info lc1 | grep -q "^One-shot: *yes"'
check "watch left it alone while reset held its lock" test -n "$(virsh_ domstate lc1 | grep running)"
check "reset of a missing clone fails with one line" bash -c \
	'out=$(fvm-spawn reset nosuch 2>&1); [ $? = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q "not found" <<<"$out"'

# --- one-shot: the guest powers itself off ------------------------------------------------------
ssh_ "$ip" 'systemctl poweroff' >/dev/null 2>&1
check "watch destroys the one-shot clone once the guest powered off" wait_gone lc1 120
check "watch printed it" grep -q "destroyed clone lc1 (a one-shot clone that ran and is off)" "$conf/watch.log"
check "its reservation went with it" bash -c '! virsh -q -c "$1" net-dumpxml fvm | grep -q "name=.lc1."' _ "$FVM_CONNECT"

# --- --ttl through watch ------------------------------------------------------------------------
fvm-spawn create lcgold lcw --ttl 3s --no-start >/dev/null 2>"$conf/err" || note "$(cat "$conf/err")"
check "watch destroys a clone older than its --ttl" wait_gone lcw 30
stop_watch

# --- one-shot and --ttl through gc --------------------------------------------------------------
for c in lc2 lc3; do fvm-spawn create lcgold $c --one-shot --no-start >/dev/null 2>"$conf/err" || note "$(cat "$conf/err")"; done
fvm-spawn create lcgold lct --ttl 4s --no-start >/dev/null 2>&1
fvm-spawn create lcgold lck --ttl 1h --no-start >/dev/null 2>&1
virsh_ start lc2 >/dev/null && virsh_ destroy lc2 >/dev/null
touch "$POOL_DIR/.lcx.clone.qcow2.reset"
sleep 5
fvm-spawn gc --yes >"$conf/gc" 2>&1
note "$(cat "$conf/gc")"
check "gc destroys the one-shot clone that ran and is off" gone lc2
check "gc keeps the one-shot clone that never ran" virsh_ dominfo lc3
check "gc destroys the clone older than its --ttl" gone lct
check "gc keeps the clone younger than its --ttl" virsh_ dominfo lck
check "gc removes what a killed reset left" test ! -e "$POOL_DIR/.lcx.clone.qcow2.reset"

# --- clone.max under 8 concurrent creates --------------------------------------------------------
printf '[clone]\nmax=5\n' >"$conf/fvm/fvm.conf"
have=$(fvm-spawn list --names | wc -l)
for i in 1 2 3 4 5 6 7 8; do
	fvm-spawn create lcgold m$i --no-start >/dev/null 2>"$conf/m$i.err" &
done
wait
made=$(fvm-spawn list --names | grep -c '^m')
check "8 concurrent creates with clone.max 5 and $have clones: $((5 - have)) made, no more" \
	test "$made" = $((5 - have))
check "the host has exactly clone.max clones" test "$(fvm-spawn list --names | wc -l)" = 5
check "each refused create failed with one line naming clone.max" bash -c '
	n=0; for f in "$1"/m*.err; do [ -s "$f" ] || continue
		[ "$(wc -l <"$f")" = 1 ] && grep -q "clone.max is 5" "$f" || exit 1; n=$((n + 1)); done
	[ "$n" = "$2" ]' _ "$conf" $((8 - (5 - have)))
out=$(fvm-spawn create lcgold w1 --no-start --wait-slot=2s 2>&1)
rc=$?
check "--wait-slot=2s gives up after it" bash -c '[ "$2" != 0 ] && grep -q "no clone went within 2s" <<<"$1"' _ "$out" "$rc"
fvm-spawn create lcgold w2 --no-start --wait-slot >/dev/null 2>"$conf/w2.err" &
w2=$!
sleep 3
check "--wait-slot waits while the host is full" bash -c 'kill -0 "$1" && ! virsh -q -c "$2" dominfo w2 >/dev/null 2>&1' _ "$w2" "$FVM_CONNECT"
fvm-spawn destroy --yes lck >/dev/null
wait "$w2"
check "--wait-slot makes the clone once one went" virsh_ dominfo w2
check "still no more than clone.max clones" test "$(fvm-spawn list --names | wc -l)" = 5

fvm-spawn destroy --yes $(fvm-spawn list --names) >/dev/null
fvm-spawn gc --yes >/dev/null
check "nothing is left" bash -c '[ -z "$(virsh -q -c "$1" list --all --name)" ] && ! ls "$2" | grep -q clone' _ "$FVM_CONNECT" "$POOL_DIR"
finish
