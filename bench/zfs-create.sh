#!/bin/bash
# Benchmark: `fvm-spawn create --no-start` with the zfs backend against qcow2 and thinlv, for the
# same golden, inside one guest with real ZFS and LVM (this host can load neither; the guest is
# the one tests/integration/zfs.sh uses, built by fvm-build with zfs-dkms and booted under TCG in
# a sandbox), and `zfs clone` alone as the floor (what a ZFS clone costs without fvm).
#
#   sudo bench/zfs-create.sh [ROUNDS]      (default 10; needs a build in ./build)
#
# The guest's second disk is one volume group: a plain LV carries the ZFS pool, beside the LVM
# thin pool. The same bundle is imported three times (tinyq on qcow2, tinyl on thinlv, tinyz on
# zfs); rounds are interleaved so that noise hits all alike. Prints each one's median and mean,
# and the ratios. Numbers are from a TCG guest: compare them with each other only.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
rounds=${1:-10}
. "$root/tests/integration/lvm-guest.sh"
. "$root/tests/integration/zfs-guest.sh"
set +e

sandbox_up "fvmbzf-$$"
zfs_guest_up >/dev/null || bail "$ZFS_WHY"
lvm_tiny_bundle "$SANDBOX_DIR/work" || bail "bundle"
scp_ "$SANDBOX_DIR/work/tiny.fvm" "root@$LVM_IP:/root/tiny.fvm" || bail "scp"
L="FVM_BACKEND=thinlv FVM_VG=fvmvg FVM_THINPOOL=pool"
Z="FVM_BACKEND=zfs FVM_DATASET=fvmbench/fvm"
gssh "pvcreate -q /dev/vdb && vgcreate -q fvmvg /dev/vdb && lvcreate -q -L 1500M -n zfs fvmvg &&
	lvcreate -q --type thin-pool -L 1500M -n pool fvmvg && zpool create -f fvmbench /dev/fvmvg/zfs" >/dev/null || bail "pools"
gssh "fvm-spawn setup >/dev/null && $Z fvm-spawn setup >/dev/null &&
	fvm-golden import --name tinyq /root/tiny.fvm >/dev/null &&
	$L fvm-golden import --name tinyl /root/tiny.fvm >/dev/null &&
	$Z fvm-golden import --name tinyz /root/tiny.fvm >/dev/null" || bail "import"

# One shell in the guest runs all rounds, so SSH's own time is outside the clocks.
gssh "rounds=$rounds"'
now() { date +%s%N; }
for i in $(seq 1 $rounds); do
	t0=$(now); fvm-spawn create --no-start --wait none tinyq q$i >/dev/null || exit 1
	t1=$(now); '"$L"' fvm-spawn create --no-start --wait none tinyl l$i >/dev/null || exit 1
	t2=$(now); '"$Z"' fvm-spawn create --no-start --wait none tinyz z$i >/dev/null || exit 1
	t3=$(now); zfs clone fvmbench/fvm/golden-tinyz-1@golden fvmbench/floor$i || exit 1
	t4=$(now)
	echo "qcow2 $(( (t1 - t0) / 1000000 ))"
	echo "thinlv $(( (t2 - t1) / 1000000 ))"
	echo "zfs $(( (t3 - t2) / 1000000 ))"
	echo "zfs-clone $(( (t4 - t3) / 1000000 ))"
done
' >"$SANDBOX_DIR/times" || bail "a create failed in the guest"
gssh "fvm-spawn destroy --yes \$(seq -f q%g 1 $rounds) >/dev/null;
	$L fvm-spawn destroy --yes \$(seq -f l%g 1 $rounds) >/dev/null;
	$Z fvm-spawn destroy --yes \$(seq -f z%g 1 $rounds) >/dev/null;
	for i in \$(seq 1 $rounds); do zfs destroy fvmbench/floor\$i; done" ||
	echo "# warning: cleanup in the guest failed"
python3 - "$SANDBOX_DIR/times" "$rounds" <<'PY'
import statistics, sys
t = {"qcow2": [], "thinlv": [], "zfs": [], "zfs-clone": []}
for line in open(sys.argv[1]):
    k, v = line.split()
    t[k].append(int(v))
print(f"# fvm-spawn create --no-start, {sys.argv[2]} rounds each, inside a TCG guest with real ZFS and LVM")
for k in t:
    label = k if k != "zfs-clone" else "zfs clone alone"
    print(f"{label:16} median {statistics.median(t[k]):7.0f} ms   mean {statistics.mean(t[k]):7.0f} ms")
m = {k: statistics.median(v) for k, v in t.items()}
print(f"zfs / qcow2 (median): {m['zfs'] / m['qcow2']:.2f}")
print(f"zfs / thinlv (median): {m['zfs'] / m['thinlv']:.2f}")
print(f"zfs / zfs clone alone (median): {m['zfs'] / m['zfs-clone']:.2f}")
PY
