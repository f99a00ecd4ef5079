#!/bin/bash
# Benchmark: many clones at once, and how soon fvm reports an address.
#
#   sudo bench/spawn-many.sh [COUNT] [ROUNDS] [SAMPLES]   (defaults 20 3 5; needs ./build)
#
# 1. COUNT clones started without waiting: `fvm-spawn create --count COUNT --no-wait` against a
#    shell loop doing what a script without fvm does per clone: `qemu-img create -b GOLDEN`,
#    `virsh define`, `virsh start`. Same sandbox, same golden, same domain XML (the peer's is
#    fvm's own, written before its clock starts) and 256 MiB per guest for both; the rounds
#    alternate which goes first, and every clone is destroyed between runs. Prints the median
#    wall time of each and the ratio fvm / loop (the goal is at most 0.2).
# 2. Lease to print: SAMPLES clones made one at a time with `fvm-spawn create --wait ip`; the
#    time from the moment the network's lease record was written (the mtime of libvirt's
#    dnsmasq status file, which its lease helper rewrites when dnsmasq hands out the lease) to
#    the moment fvm printed the address (the goal is at most 100 ms).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
count=${1:-20}
rounds=${2:-3}
samples=${3:-5}

sandbox_up "fvmbench-$$"
original_from_cache_or_build debian12 itdeb >/dev/null || bail "no original"
fvm-golden create itdeb bench >/dev/null
golden=$POOL_DIR/bench@1.qcow2
echo "# golden: bench@1 ($BUILT_BY); $count clones, $rounds rounds; TCG guests, 256 MiB each"

fvm-spawn create --no-start --memory 256M bench@1 warmup >/dev/null
virsh_ dumpxml warmup | sed -e '/<uuid>/d' -e '/<mac address/d' -e '/<metadata>/,/<\/metadata>/d' >"$SANDBOX_DIR/peer.xml"
fvm-spawn destroy --yes warmup
for i in $(seq "$count"); do
	sed -e "s/warmup/p$i/g" "$SANDBOX_DIR/peer.xml" >"$SANDBOX_DIR/p$i.xml"
done

now() { date +%s%N; }
run_fvm() {
	fvm-spawn create --count "$count" --no-wait --memory 256M bench@1 f >/dev/null
}
run_loop() {
	for i in $(seq "$count"); do
		qemu-img create -q -f qcow2 -F qcow2 -b "$golden" "$POOL_DIR/p$i.clone.qcow2"
		virsh -q -c "$FVM_CONNECT" define "$SANDBOX_DIR/p$i.xml" >/dev/null
		virsh -q -c "$FVM_CONNECT" start "p$i" >/dev/null
	done
}
clean() {
	local names
	names=$(fvm-spawn list --names)
	[ -z "$names" ] || fvm-spawn destroy --yes $names
	for i in $(seq "$count"); do
		virsh_ destroy "p$i" >/dev/null 2>&1 || true
		virsh_ undefine "p$i" >/dev/null 2>&1 || true
		rm -f "$POOL_DIR/p$i.clone.qcow2"
	done
}
: >"$SANDBOX_DIR/fvm.ns"
: >"$SANDBOX_DIR/loop.ns"
for r in $(seq "$rounds"); do
	for who in $([ $((r % 2)) = 1 ] && echo "fvm loop" || echo "loop fvm"); do
		sync
		t0=$(now)
		"run_$who"
		t1=$(now)
		echo $((t1 - t0)) >>"$SANDBOX_DIR/$who.ns"
		clean
	done
done

# Lease to print: fvm's stdout read line by line, stamped on arrival; the status file's mtime
# read right after, when nothing else has written it (one clone at a time).
status=/proc/$(cat "$SANDBOX_DIR/libvirtd.pid")/root/var/lib/libvirt/dnsmasq/$(virsh_ net-info fvm | awk '/^Bridge:/ {print $2}').status
: >"$SANDBOX_DIR/lease.ns"
for i in $(seq "$samples"); do
	python3 - "$status" "l$i" >>"$SANDBOX_DIR/lease.ns" <<'PY'
import os, subprocess, sys, time
status, name = sys.argv[1], sys.argv[2]
p = subprocess.Popen(["fvm-spawn", "create", "--memory", "256M", "--wait", "ip", "bench@1", name],
                     stdout=subprocess.PIPE, text=True)
line = p.stdout.readline()
printed = time.time_ns()
written = os.stat(status).st_mtime_ns
p.wait()
if p.returncode != 0 or not line.strip():
    sys.exit(f"fvm-spawn create failed ({p.returncode})")
print(printed - written)
PY
	fvm-spawn destroy --yes "l$i"
done

python3 - "$SANDBOX_DIR/fvm.ns" "$SANDBOX_DIR/loop.ns" "$SANDBOX_DIR/lease.ns" "$count" <<'PY'
import statistics, sys
fvm = [int(x) / 1e9 for x in open(sys.argv[1])]
loop = [int(x) / 1e9 for x in open(sys.argv[2])]
lease = [int(x) / 1e6 for x in open(sys.argv[3])]
n = sys.argv[4]
print(f"fvm-spawn create --count {n} --no-wait       median {statistics.median(fvm):6.2f} s  runs {' '.join(f'{x:.2f}' for x in fvm)}")
print(f"loop: qemu-img create -b, virsh define, start median {statistics.median(loop):6.2f} s  runs {' '.join(f'{x:.2f}' for x in loop)}")
print(f"ratio fvm/loop (median): {statistics.median(fvm) / statistics.median(loop):.2f}  (goal: <= 0.2)")
print(f"lease written -> address printed: median {statistics.median(lease):.1f} ms, max {max(lease):.1f} ms over {len(lease)} clones  (goal: <= 100 ms)")
PY
