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
#    time from the moment this clone's lease was recorded (the mtime of the first version of
#    libvirt's dnsmasq status file, which its lease helper rewrites when dnsmasq hands out a
#    lease, that holds this clone's MAC) to the moment fvm printed the address (the goal is at
#    most 100 ms). Negative when fvm printed first (it can learn the lease before the helper
#    has rewritten the file). The file is polled every millisecond while fvm runs: reading its
#    mtime once after fvm printed can see the previous lease's rewrite.
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

# Lease to print: fvm's stdout read line by line, stamped on arrival; a thread polls the status
# file every millisecond and notes the mtime of the first version that holds this clone's MAC
# (read from the domain once fvm has defined it).
status=/proc/$(cat "$SANDBOX_DIR/libvirtd.pid")/root/var/lib/libvirt/dnsmasq/$(virsh_ net-info fvm | awk '/^Bridge:/ {print $2}').status
: >"$SANDBOX_DIR/lease.ns"
for i in $(seq "$samples"); do
	python3 - "$status" "l$i" "$FVM_CONNECT" >>"$SANDBOX_DIR/lease.ns" <<'PY'
import json, os, re, subprocess, sys, threading, time
status, name, uri = sys.argv[1], sys.argv[2], sys.argv[3]
seen = {}
done = threading.Event()

def mac_of(name):
    r = subprocess.run(["virsh", "-q", "-c", uri, "domiflist", name], capture_output=True, text=True)
    m = re.search(r"([0-9a-f]{2}(:[0-9a-f]{2}){5})", r.stdout)
    return m.group(1) if m else None

def watch():
    mac = None
    while not done.is_set():
        if mac is None:
            mac = mac_of(name)
            if mac is None:
                time.sleep(0.05)
                continue
        try:
            before = os.stat(status).st_mtime_ns
            with open(status) as f:
                text = f.read()
            after = os.stat(status).st_mtime_ns
        except OSError:
            time.sleep(0.001)
            continue
        # The mtime belongs to what was read only when the file did not change meanwhile.
        if before == after:
            try:
                leases = json.loads(text or "[]")
            except ValueError:
                leases = []
            if any(l.get("mac-address", "").lower() == mac for l in leases):
                seen["written"] = after
                return
        time.sleep(0.001)

t = threading.Thread(target=watch)
t.start()
p = subprocess.Popen(["fvm-spawn", "create", "--memory", "256M", "--wait", "ip", "bench@1", name],
                     stdout=subprocess.PIPE, text=True)
line = p.stdout.readline()
printed = time.time_ns()
p.wait()
# The helper may rewrite the file just after fvm printed: give it a second.
t.join(timeout=1.0)
done.set()
t.join()
if p.returncode != 0 or not line.strip():
    sys.exit(f"fvm-spawn create failed ({p.returncode})")
if "written" not in seen:
    sys.exit(f"{name}'s MAC never appeared in {status}")
print(printed - seen["written"])
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
print(f"lease of this MAC recorded -> address printed: median {statistics.median(lease):.1f} ms, max {max(lease):.1f} ms over {len(lease)} clones  (goal: <= 100 ms)")
PY
