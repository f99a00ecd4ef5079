#!/bin/bash
# Benchmark: a clean agent for the next CI job, two ways, to SSH answering.
#
#   sudo bench/reset.sh [ROUNDS]   (default 3; needs ./build)
#
# One clone (--number 20, 256 MiB) made once; then ROUNDS times each, alternating which goes
# first: `fvm-spawn reset NAME --wait ssh` (power off, a new disk from the golden, boot, SSH)
# against `fvm-spawn destroy --yes NAME` followed by `fvm-spawn create GOLDEN NAME --number 20
# --wait ssh`. Before each run a file is written in the clone and after it the file must be gone
# (both make a clean agent). Prints the median wall time of each and the ratio reset / destroy +
# create. Under TCG both are dominated by the guest's boot.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
rounds=${1:-3}

sandbox_up "fvmbench-$$"
original_from_cache_or_build debian12 itdeb >/dev/null || bail "no original"
fvm-golden create itdeb bench >/dev/null
echo "# golden: bench@1 ($BUILT_BY); $rounds rounds; TCG guests, 256 MiB each"
ip=$(fvm-spawn create bench@1 agent --number 20 --memory 256M --wait ssh)

now() { date +%s%N; }
dirty() { ssh_ "$ip" 'echo dirty >/root/dirty && sync'; }
clean() { ssh_ "$ip" 'test ! -e /root/dirty' || bail "the agent is not clean after $1"; }
run_reset() {
	fvm-spawn reset agent --wait ssh >/dev/null 2>&1
}
run_recreate() {
	fvm-spawn destroy --yes agent >/dev/null
	fvm-spawn create bench@1 agent --number 20 --memory 256M --wait ssh >/dev/null
}
: >"$SANDBOX_DIR/reset.ns"
: >"$SANDBOX_DIR/recreate.ns"
for r in $(seq "$rounds"); do
	for who in $([ $((r % 2)) = 1 ] && echo "reset recreate" || echo "recreate reset"); do
		dirty
		sync
		t0=$(now)
		"run_$who"
		t1=$(now)
		clean "$who"
		echo $((t1 - t0)) >>"$SANDBOX_DIR/$who.ns"
	done
done
fvm-spawn destroy --yes agent >/dev/null

python3 - "$SANDBOX_DIR/reset.ns" "$SANDBOX_DIR/recreate.ns" <<'PY'
import statistics, sys
reset = [int(x) / 1e9 for x in open(sys.argv[1])]
again = [int(x) / 1e9 for x in open(sys.argv[2])]
print(f"fvm-spawn reset --wait ssh                  median {statistics.median(reset):6.2f} s  runs {' '.join(f'{x:.2f}' for x in reset)}")
print(f"fvm-spawn destroy + create --wait ssh       median {statistics.median(again):6.2f} s  runs {' '.join(f'{x:.2f}' for x in again)}")
print(f"ratio reset / (destroy + create) (median): {statistics.median(reset) / statistics.median(again):.2f}")
PY
