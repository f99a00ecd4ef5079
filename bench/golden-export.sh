#!/bin/bash
# Benchmark: making and sharing a golden with fvm against the peer tools, in one run on the same
# original.
#
#   sudo bench/golden-export.sh            (needs a build in ./build)
#
# 1. Golden + bundle: `fvm-golden create` + `fvm-golden export` against `virt-sysprep` +
#    `virt-sparsify --compress` on a copy of the same original (what a virt-sysprep user does to
#    get a small, shareable, sysprepped image).
# 2. Export alone, on the golden just made: `fvm-golden export` (default and --best) against
#    `qemu-img convert -c -O qcow2` and `xz -T2` of the same image file.
# Prints wall time and size of each, and the ratios the project's goals are stated in:
# default export vs qemu-img -c (size and time both below 1), --best vs xz -T2 (size within
# 1.10, time below 1). All guests and appliances run under TCG on this kind of host.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"

sandbox_up "fvmbench-$$"
original_from_cache_or_build debian12 itdeb >/dev/null || bail "no original"
orig=$POOL_DIR/itdeb.original.qcow2
work=$SANDBOX_DIR/work
mkdir -p "$work"
echo "# original: itdeb ($BUILT_BY), $(du -m "$orig" | cut -f1) MiB allocated"

now() { date +%s%N; }
results=$work/results
: >"$results"
# run LABEL OUTPUT CMD...: times CMD, records label, seconds and OUTPUT's size in bytes.
run() {
	local label=$1 out=$2 t0 t1
	shift 2
	t0=$(now)
	"$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; bail "$label failed"; }
	t1=$(now)
	echo "$label $(((t1 - t0) / 1000000)) $(stat -c %s "$out")" >>"$results"
}
create_and_export() {
	fvm-golden create itdeb bench && fvm-golden export bench@1 -o "$work/bench.fvm"
}
peer_sysprep_sparsify() {
	cp --sparse=always "$orig" "$work/peer.qcow2" &&
		virt-sysprep -q -a "$work/peer.qcow2" &&
		virt-sparsify -q --compress --tmp "$work" "$work/peer.qcow2" "$work/peer-sparse.qcow2"
}
sync
run fvm-create+export "$work/bench.fvm" create_and_export
run virt-sysprep+virt-sparsify "$work/peer-sparse.qcow2" peer_sysprep_sparsify
golden=$POOL_DIR/bench@1.qcow2
run fvm-export "$work/e1.fvm" fvm-golden export bench@1 -o "$work/e1.fvm"
run qemu-img-convert-c "$work/c.qcow2" qemu-img convert -c -O qcow2 "$golden" "$work/c.qcow2"
run fvm-export-best "$work/best.fvm" fvm-golden export --best bench@1 -o "$work/best.fvm"
run xz-T2 "$work/g.xz" sh -c 'xz -T2 -c "$1" >"$2"' xz "$golden" "$work/g.xz"

python3 - "$results" "$(stat -c %s "$golden")" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    label, ms, size = line.split()
    rows[label] = (int(ms) / 1000, int(size))
print(f"golden image file: {int(sys.argv[2]) / 2**20:.0f} MiB (allocated extents are what is read)")
for label, (s, size) in rows.items():
    print(f"{label:28s} {s:8.1f} s {size / 2**20:9.1f} MiB")
def ratio(a, b, what):
    ta, sa = rows[a]
    tb, sb = rows[b]
    print(f"{a} / {b}: time {ta / tb:.2f}  size {sa / sb:.2f}  ({what})")
ratio("fvm-create+export", "virt-sysprep+virt-sparsify", "pipeline")
ratio("fvm-export", "qemu-img-convert-c", "goal: both < 1")
ratio("fvm-export-best", "xz-T2", "goal: size <= 1.10, time < 1")
PY
