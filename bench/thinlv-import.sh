#!/bin/bash
# Benchmark: `fvm-golden import` into a thin-LV store, from a bundle with a disk map (the LV is
# written as the bundle streams, in the same pass as the golden's file) against one without
# (the LV is written from the imported file afterwards), beside the peer steps a user would run:
# the import into a qcow2 store alone (the file, no LV) and `lvcreate` + `qemu-img convert` of
# that file into a new thin LV. Inside a guest with real LVM (this host has no device-mapper;
# the guest is the one tests/integration/thinlv.sh uses, built by fvm-build, booted under TCG).
#
#   sudo bench/thinlv-import.sh [ROUNDS] [MIB]   (default 5 rounds of a 512 MiB golden with
#                                                  96 MiB of data; needs a build in ./build)
#
# Rounds are interleaved so that noise hits all alike. Prints each one's median and the ratios.
# Numbers are from a TCG guest (every instruction emulated): compare them with each other only.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
rounds=${1:-5}
mib=${2:-512}
. "$root/tests/integration/lvm-guest.sh"
set +e

sandbox_up "fvmbti-$$"
lvm_guest_up >/dev/null || bail "$LVM_WHY"
lvm_tiny_bundle "$SANDBOX_DIR/work" "$mib" || bail "bundle"
scp_ "$SANDBOX_DIR/work/tiny.fvm" "root@$LVM_IP:/root/plain.fvm" || bail "scp"
lvm_guest_thin_pool || bail "thin pool"
# The bundle with a map is fvm-golden export's, of the same golden.
gssh 'fvm-spawn setup >/dev/null && fvm-golden import --name base /root/plain.fvm >/dev/null &&
	fvm-golden export base@1 -o /root/mapped.fvm' >/dev/null || bail "export"

# One shell in the guest runs all rounds, so SSH's own time is outside the clocks. Each golden is
# deleted after its round, with the page cache dropped, so every round starts alike.
gssh "rounds=$rounds"'
TL="env FVM_BACKEND=thinlv FVM_VG=fvmvg FVM_THINPOOL=pool"
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
fresh() { sync; echo 3 >/proc/sys/vm/drop_caches; }
for i in $(seq 1 $rounds); do
	fresh; t0=$(now); fvm-golden import --name q$i /root/plain.fvm >/dev/null || exit 1; t1=$(now)
	echo "qcow2-store $(ms $t0 $t1)"
	file=/var/lib/fvm/images/q$i@1.qcow2
	virt=$(qemu-img info --output=json "$file" | sed -n "s/.*\"virtual-size\": \([0-9]*\).*/\1/p")
	fresh; t0=$(now)
	lvcreate -q -T fvmvg/pool -V ${virt}b -n byhand$i >/dev/null &&
		qemu-img convert -q -n --target-is-zero -f qcow2 -O raw "$file" /dev/fvmvg/byhand$i || exit 1
	t1=$(now); echo "lvcreate+convert $(ms $t0 $t1)"
	lvremove -qy fvmvg/byhand$i >/dev/null; fvm-golden delete q$i@1 >/dev/null
	fresh; t0=$(now); $TL fvm-golden import --name s$i /root/mapped.fvm >/dev/null || exit 1; t1=$(now)
	echo "thinlv-streamed $(ms $t0 $t1)"
	$TL fvm-golden delete s$i@1 >/dev/null
	fresh; t0=$(now); $TL fvm-golden import --name f$i /root/plain.fvm >/dev/null || exit 1; t1=$(now)
	echo "thinlv-from-file $(ms $t0 $t1)"
	$TL fvm-golden delete f$i@1 >/dev/null
done
' >"$SANDBOX_DIR/times" || bail "an import failed in the guest"
python3 - "$SANDBOX_DIR/times" "$rounds" "$mib" <<'PY'
import statistics, sys
t = {}
for line in open(sys.argv[1]):
    k, v = line.split()
    t.setdefault(k, []).append(int(v))
m = {k: statistics.median(v) for k, v in t.items()}
print(f"# fvm-golden import of a {sys.argv[3]} MiB golden ({int(sys.argv[3]) * 3 // 16} MiB of data), "
      f"{sys.argv[2]} rounds each, inside a TCG guest with real LVM")
for k in ("qcow2-store", "lvcreate+convert", "thinlv-streamed", "thinlv-from-file"):
    print(f"{k:17} median {m[k]:7.0f} ms")
print(f"thinlv-from-file / thinlv-streamed (median): {m['thinlv-from-file'] / m['thinlv-streamed']:.2f}")
print(f"thinlv-streamed / (qcow2-store + lvcreate+convert): "
      f"{m['thinlv-streamed'] / (m['qcow2-store'] + m['lvcreate+convert']):.2f}")
PY
