#!/bin/bash
# Benchmark: how long defining a clone takes with fvm-spawn, against what kvm-build's spawn.sh
# does (qemu-img create -b GOLDEN OVERLAY && virsh define XML), side by side in one run.
#
#   sudo bench/spawn-create.sh [ROUNDS]      (default 30; needs a build in ./build)
#
# Both run in one private sandbox (tools/fvm-sandbox) against the same golden, interleaved
# round by round so that machine noise hits both alike; neither starts the guest. The peer's
# domain XML is written before its clock starts (in its favour). Prints the median and mean of
# each and the ratio fvm / peer.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
rounds=${1:-30}

sandbox_up "fvmbench-$$"
original_from_cache_or_build debian12 itdeb >/dev/null || bail "no original"
fvm-golden create itdeb bench >/dev/null
golden=$POOL_DIR/bench@1.qcow2
echo "# golden: bench@1 ($BUILT_BY)"

# The peer's XML: the same devices fvm defines, from fvm's own first clone.
fvm-spawn create --no-start --wait none bench@1 warmup >/dev/null
virsh_ dumpxml warmup | sed -e '/<uuid>/d' -e '/<mac address/d' -e '/<metadata>/,/<\/metadata>/d' >"$SANDBOX_DIR/peer.xml"
fvm-spawn destroy --yes warmup

now() { date +%s%N; }
: >"$SANDBOX_DIR/fvm.ns"
: >"$SANDBOX_DIR/peer.ns"
for i in $(seq "$rounds"); do
	sed -e "s/warmup/p$i/g" "$SANDBOX_DIR/peer.xml" >"$SANDBOX_DIR/p$i.xml"
	t0=$(now)
	fvm-spawn create --no-start --wait none bench@1 "f$i" >/dev/null
	t1=$(now)
	qemu-img create -q -f qcow2 -F qcow2 -b "$golden" "$POOL_DIR/p$i.clone.qcow2" &&
		virsh -q -c "$FVM_CONNECT" define "$SANDBOX_DIR/p$i.xml" >/dev/null
	t2=$(now)
	echo $((t1 - t0)) >>"$SANDBOX_DIR/fvm.ns"
	echo $((t2 - t1)) >>"$SANDBOX_DIR/peer.ns"
done
python3 - "$SANDBOX_DIR/fvm.ns" "$SANDBOX_DIR/peer.ns" <<'PY'
import statistics, sys
fvm = [int(x) / 1e6 for x in open(sys.argv[1])]
peer = [int(x) / 1e6 for x in open(sys.argv[2])]
print(f"rounds: {len(fvm)}")
print(f"fvm-spawn create --no-start        median {statistics.median(fvm):7.1f} ms  mean {statistics.mean(fvm):7.1f} ms")
print(f"qemu-img create -b && virsh define median {statistics.median(peer):7.1f} ms  mean {statistics.mean(peer):7.1f} ms")
print(f"ratio fvm/peer (median): {statistics.median(fvm) / statistics.median(peer):.2f}")
PY
