#!/bin/bash
# Benchmark: `fvm-spawn create --no-start` with the thinlv backend against qcow2, for the same
# golden, inside a guest with real LVM (this host has no device-mapper; the guest is the one
# tests/integration/thinlv.sh uses, built by fvm-build and booted under TCG in a sandbox).
#
#   sudo bench/thinlv-spawn.sh [ROUNDS]      (default 10; needs a build in ./build)
#
# The same bundle is imported twice in the guest (tinyq on qcow2, tiny on thinlv); rounds are
# interleaved so that noise hits both alike. Prints each backend's median and mean, and the ratio.
# Numbers are from a TCG guest (every instruction emulated): compare them with each other only.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
rounds=${1:-10}
. "$root/tests/integration/lvm-guest.sh"
set +e

sandbox_up "fvmbtl-$$"
lvm_guest_up >/dev/null || bail "$LVM_WHY"
lvm_tiny_bundle "$SANDBOX_DIR/work" || bail "bundle"
scp_ "$SANDBOX_DIR/work/tiny.fvm" "root@$LVM_IP:/root/tiny.fvm" || bail "scp"
lvm_guest_thin_pool || bail "thin pool"
gssh 'fvm-spawn setup >/dev/null && fvm-golden import --name tinyq /root/tiny.fvm >/dev/null &&
	FVM_BACKEND=thinlv FVM_VG=fvmvg FVM_THINPOOL=pool fvm-golden import /root/tiny.fvm >/dev/null' ||
	bail "import"

# One shell in the guest runs all rounds, so SSH's own time is outside the clocks.
gssh "rounds=$rounds"'
now() { date +%s%N; }
for i in $(seq 1 $rounds); do
	t0=$(now); fvm-spawn create --no-start --wait none tinyq q$i >/dev/null || exit 1; t1=$(now)
	FVM_BACKEND=thinlv FVM_VG=fvmvg FVM_THINPOOL=pool fvm-spawn create --no-start --wait none tiny l$i >/dev/null || exit 1
	t2=$(now)
	echo "qcow2 $(( (t1 - t0) / 1000000 ))"
	echo "thinlv $(( (t2 - t1) / 1000000 ))"
done
' >"$SANDBOX_DIR/times" || bail "a create failed in the guest"
gssh "fvm-spawn destroy --yes \$(seq -f q%g 1 $rounds) >/dev/null;
	FVM_BACKEND=thinlv FVM_VG=fvmvg FVM_THINPOOL=pool fvm-spawn destroy --yes \$(seq -f l%g 1 $rounds) >/dev/null" ||
	echo "# warning: cleanup in the guest failed"
python3 - "$SANDBOX_DIR/times" "$rounds" <<'EOF'
import statistics, sys
t = {"qcow2": [], "thinlv": []}
for line in open(sys.argv[1]):
    k, v = line.split()
    t[k].append(int(v))
print(f"# fvm-spawn create --no-start, {sys.argv[2]} rounds each, inside a TCG guest with real LVM")
for k in ("qcow2", "thinlv"):
    print(f"{k:7} median {statistics.median(t[k]):7.0f} ms   mean {statistics.mean(t[k]):7.0f} ms")
print(f"thinlv / qcow2 (median): {statistics.median(t['thinlv']) / statistics.median(t['qcow2']):.2f}")
EOF
