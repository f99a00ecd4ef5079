#!/bin/bash
# Benchmark: one clone, from "create" to SSH answering (its banner), the ways a CI farm can get
# one, interleaved round by round in one run.
#
#   sudo bench/create-ssh.sh [ROUNDS] [COUNT]   (defaults 3 and 0; needs ./build)
#
# Flows, each on a golden of the same test original, 256 MiB per guest:
#   peer  kvm-build's flow: qemu-img create -b GOLDEN, virsh define (fvm's own domain XML for
#         the golden, minus its identity entries, written before the clock starts), virsh start,
#         poll `virsh net-dhcp-leases --mac` every 0.25 s for the lease, then poll the address
#         every 0.25 s until sshd's banner arrives (from inside the sandbox's namespace);
#   cold  `fvm-spawn create GOLDEN NAME --wait ssh` on the same golden as the peer;
#   lean  the same on a golden made with `fvm-golden create --lean`;
#   warm  (a hook for warm clones) when this fvm-golden has a `warm` verb: prepare_warm below
#         makes a warm golden of the cold one and its clones join as a fourth flow.
# Every clone gets a fresh name (and MAC); each is destroyed, outside the clock, after its run.
# The rounds rotate which flow goes first. Prints each flow's median and runs and its ratio to
# the peer's median (issue 16's goals under TCG: lean <= 0.6, warm <= 0.1).
# COUNT > 1 adds `fvm-spawn create --count COUNT --wait ssh`, cold, lean and warm, ROUNDS times
# each, the order rotating by round.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
rounds=${1:-3}
count=${2:-0}

sandbox_up "fvmbench-$$"
original_from_cache_or_build debian12 itdeb >/dev/null || bail "no original"
fvm-golden create itdeb bench >/dev/null
fvm-golden create --lean itdeb benchlean >/dev/null
golden=$POOL_DIR/bench@1.qcow2
flows="peer cold lean"

# The hook for warm clones: make a warm golden of bench@1 the way fvm-golden's warm verb does
# and print its reference; the warm flow creates clones of that reference.
prepare_warm() {
	# A golden of its own (a warm bench@1 would make the cold flow resume too), saved with the
	# memory every flow's clones get: a clone of another size would boot cold.
	fvm-golden create itdeb benchwarm >/dev/null && fvm-golden warm --memory 256M benchwarm@1 >/dev/null &&
		echo benchwarm@1
}
if fvm-golden warm --help >/dev/null 2>&1; then
	warm_ref=$(prepare_warm) || bail "fvm-golden warm failed"
	flows="$flows warm"
fi
echo "# goldens: bench@1, benchlean@1 (--lean: $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["lean"]))' "$POOL_DIR/benchlean@1.json")); original $BUILT_BY"
echo "# $rounds rounds of: $flows; TCG guests, 256 MiB each"

# The peer's XML: the devices fvm defines, from fvm's own clone of the same golden, without the
# fw_cfg identity entries kvm-build does not have.
fvm-spawn create --no-start --memory 256M bench@1 warmup >/dev/null
virsh_ dumpxml warmup | sed -e '/<uuid>/d' -e '/<mac address/d' -e '/<metadata>/,/<\/metadata>/d' \
	-e "/<sysinfo type='fwcfg'>/,/<\/sysinfo>/d" >"$SANDBOX_DIR/peer.xml"
fvm-spawn destroy --yes warmup >/dev/null

now() { date +%s%N; }
mac_for() { printf '52:54:00:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) "$1"; }
run_peer() {
	local name=p$1 mac ip=
	mac=$(mac_for "$1")
	sed -e "s/warmup/$name/g" -e "s|<interface type='network'>|&<mac address='$mac'/>|" \
		"$SANDBOX_DIR/peer.xml" >"$SANDBOX_DIR/$name.xml"
	grep -q "$mac" "$SANDBOX_DIR/$name.xml" || bail "the peer's XML has no <interface type='network'>"
	t0=$(now)
	qemu-img create -q -f qcow2 -F qcow2 -b "$golden" "$POOL_DIR/$name.clone.qcow2"
	virsh -q -c "$FVM_CONNECT" define "$SANDBOX_DIR/$name.xml" >/dev/null
	virsh -q -c "$FVM_CONNECT" start "$name" >/dev/null
	while [ -z "$ip" ]; do
		sleep 0.25
		ip=$(virsh -q -c "$FVM_CONNECT" net-dhcp-leases fvm --mac "$mac" | awk '{print $5}' | cut -d/ -f1)
	done
	fvm-sandbox exec --dir "$SANDBOX_DIR" -- python3 -c '
import socket, sys, time
while True:
    try:
        with socket.create_connection((sys.argv[1], 22), timeout=2) as s:
            s.settimeout(10)
            if s.recv(64).startswith(b"SSH-"):
                break
    except OSError:
        pass
    time.sleep(0.25)' "$ip"
	t1=$(now)
}
run_fvm() {
	t0=$(now)
	fvm-spawn create "$1" "$2" --memory 256M --wait ssh >/dev/null
	t1=$(now)
}
run_cold() { run_fvm bench@1 "c$1"; }
run_lean() { run_fvm benchlean@1 "l$1"; }
run_warm() { run_fvm "$warm_ref" "w$1"; }
clean() {
	local names
	names=$(fvm-spawn list --names)
	[ -z "$names" ] || fvm-spawn destroy --yes $names >/dev/null
	for d in $(virsh_ list --all --name | grep -x 'p[0-9]*' || true); do
		virsh_ destroy "$d" >/dev/null 2>&1 || true
		virsh_ undefine "$d" >/dev/null 2>&1 || true
	done
	rm -f "$POOL_DIR"/p*.clone.qcow2
}
for f in $flows; do : >"$SANDBOX_DIR/$f.ns"; done
set -- $flows
for r in $(seq "$rounds"); do
	# Rotate the order: round 1 peer cold lean, round 2 cold lean peer, ...
	order=$(for i in $(seq 0 $(($# - 1))); do
		eval echo "\${$(((i + r - 1) % $# + 1))}"
	done)
	for f in $order; do
		sync
		"run_$f" "$r"
		echo $((t1 - t0)) >>"$SANDBOX_DIR/$f.ns"
		clean
	done
done

if [ "$count" -gt 1 ]; then
	cflows="cold lean"
	[ -z "${warm_ref:-}" ] || cflows="$cflows warm"
	for f in $cflows; do : >"$SANDBOX_DIR/count-$f.ns"; done
	set -- $cflows
	for r in $(seq "$rounds"); do
		order=$(for i in $(seq 0 $(($# - 1))); do
			eval echo "\${$(((i + r - 1) % $# + 1))}"
		done)
		for f in $order; do
			case $f in cold) g=bench@1 ;; lean) g=benchlean@1 ;; warm) g=$warm_ref ;; esac
			t0=$(now)
			fvm-spawn create --count "$count" --memory 256M --wait ssh "$g" "n$f$r" >/dev/null
			t1=$(now)
			echo $((t1 - t0)) >>"$SANDBOX_DIR/count-$f.ns"
			clean
		done
	done
fi

python3 - "$SANDBOX_DIR" "$count" $flows <<'PY'
import os, statistics, sys
d, count, flows = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
label = {"peer": "peer: qemu-img -b, define, start, lease, banner",
         "cold": "fvm-spawn create --wait ssh (cold)",
         "lean": "fvm-spawn create --wait ssh (--lean golden)",
         "warm": "fvm-spawn create --wait ssh (warm golden)"}
runs = {f: [int(x) / 1e9 for x in open(f"{d}/{f}.ns")] for f in flows}
peer = statistics.median(runs["peer"])
for f in flows:
    m = statistics.median(runs[f])
    print(f"{label[f]:48} median {m:6.2f} s  ratio to peer {m / peer:4.2f}  runs {' '.join(f'{x:.2f}' for x in runs[f])}")
if count > 1:
    cf = [f for f in ("cold", "lean", "warm") if os.path.exists(f"{d}/count-{f}.ns")]
    c = {f: [int(x) / 1e9 for x in open(f"{d}/count-{f}.ns")] for f in cf}
    cold = statistics.median(c["cold"])
    for f in cf:
        m = statistics.median(c[f])
        print(f"fvm-spawn create --count {count} --wait ssh ({f}){'':12} median {m:6.2f} s  ratio to cold {m / cold:4.2f}  runs {' '.join(f'{x:.2f}' for x in c[f])}")
PY
