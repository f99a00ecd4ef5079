#!/bin/bash
# Benchmark: a fleet over three hosts against the same fleet on one host.
#
#   sudo bench/farm-spawn.sh [COUNT] [ROUNDS] [MODE]   (defaults 20 2 no-wait; needs ./build)
#
# The three hosts of the farm integration suite (tests/integration/farm-lib.sh: namespaces with
# their own libvirtd and sshd, reached only over qemu+ssh from a client namespace). The golden is
# pushed to every host first, so both runs only make clones: `fvm-spawn create --count COUNT
# --MODE --memory 256M --hosts all` against `--hosts URI1` (the same code path, one host). MODE
# no-wait starts the guests (TCG: heavy on a shared machine); no-start only defines them, which
# measures fvm's own part (placement, disks, reservations, defines over qemu+ssh).
# The rounds alternate which goes first; every clone is destroyed between runs. Prints each run's
# wall time, the medians and the ratio farm / one host. On one machine the hosts share its CPUs
# and disk, so the ratio measures what fvm does in parallel per host (clone.parallel each), not
# three machines' hardware.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
. "$root/tests/integration/farm-lib.sh"
count=${1:-20}
rounds=${2:-2}
mode=${3:-no-wait}
case $mode in no-wait | no-start) ;; *) bail "MODE is no-wait or no-start" ;; esac

farm_up
SANDBOX_DIR=$T/h1 POOL_DIR=$T/h1/images FVM_CONNECT=${LOCAL[1]}
export FVM_CONNECT
export XDG_CONFIG_HOME=$T/conf
mkdir -p "$T/conf/fvm"
printf '[hosts]\nuris=%s,%s,%s\n' "${URI[1]}" "${URI[2]}" "${URI[3]}" >"$T/conf/fvm/fvm.conf"
original_from_cache_or_build debian12 itdeb >/dev/null || bail "no original"
fvm-golden create itdeb bench >/dev/null
client fvm-golden push bench@1 --hosts all 2>/dev/null || bail "push"
echo "# golden: bench@1 ($BUILT_BY) on all three hosts; $count clones --$mode, $rounds rounds; TCG, 256 MiB each"

now() { date +%s%N; }
run() { # run HOSTS
	client fvm-spawn create --count "$count" "--$mode" --memory 256M --hosts "$1" bench@1 b \
		>/dev/null 2>"$T/run.log" || { tail -n 3 "$T/run.log" >&2; bail "create --hosts $1"; }
}
clean() {
	local names
	names=$(client fvm-spawn list --names --hosts all 2>/dev/null)
	# shellcheck disable=SC2086 # one name per word
	[ -z "$names" ] || client fvm-spawn destroy --yes --hosts all $names >/dev/null
}
: >"$T/farm.ns"
: >"$T/one.ns"
for r in $(seq "$rounds"); do
	for who in $([ $((r % 2)) = 1 ] && echo "farm one" || echo "one farm"); do
		hosts=all
		[ "$who" = one ] && hosts=${URI[1]}
		t0=$(now)
		run "$hosts"
		t1=$(now)
		echo $((t1 - t0)) >>"$T/$who.ns"
		echo "# round $r, $who: $(((t1 - t0) / 1000000)) ms ($(grep -c '^fvm-spawn: placed' "$T/run.log") placed)"
		clean
	done
done
median() { sort -n "$1" | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
farm=$(median "$T/farm.ns")
one=$(median "$T/one.ns")
echo "$count clones over 3 hosts: $((farm / 1000000)) ms; on one host: $((one / 1000000)) ms"
awk -v f="$farm" -v o="$one" 'BEGIN {printf "ratio farm / one host: %.2f\n", f / o}'
