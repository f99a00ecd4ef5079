#!/bin/bash
# Benchmark: create → SSH answering for one clone, three ways, interleaved round by round in one
# run against one golden: `fvm-spawn create --wait ssh` of the golden booting cold, of the same
# golden made warm (fvm-golden warm: the clone resumes its saved state), and kvm-build's flow
# (qemu-img create -b GOLDEN + virsh define + virsh start + poll the network's leases for its
# MAC + wait for the SSH banner).
#
#   sudo flock /tmp/fvm-long.lock bench/warm-create.sh [ROUNDS]   (default 3; needs ./build)
#
# One guest runs at a time (each is destroyed before the next starts). The peer's XML is
# fvm's own cold definition (same devices), written before its clock starts. A cold fvm clone
# and the peer boot the same golden; the warm golden is a copy of it (warm2@1), so the cold
# runs never resume. Prints medians and the ratios to the peer.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
rounds=${1:-3}

sandbox_up "fvmwbench-$$"
mkdir -p "$SANDBOX_DIR/cfg/fvm"
printf '[clone]\nip-timeout=600\nssh-timeout=600\n' >"$SANDBOX_DIR/cfg/fvm/fvm.conf"
export XDG_CONFIG_HOME=$SANDBOX_DIR/cfg
original_from_cache_or_build debian12 itdeb >/dev/null || bail "no original"
fvm-golden create itdeb cold >/dev/null
fvm-golden create itdeb warm2 >/dev/null
t=$(date +%s%N)
fvm-golden warm warm2@1 >/dev/null
echo "# goldens cold@1, warm2@1 ($BUILT_BY); fvm-golden warm took $((($(date +%s%N) - t) / 1000000)) ms"
golden=$POOL_DIR/cold@1.qcow2

fvm-spawn create --no-start --wait none cold@1 tmpl >/dev/null
virsh_ dumpxml tmpl | sed -e '/<uuid>/d' -e '/<metadata>/,/<\/metadata>/d' >"$SANDBOX_DIR/peer.xml"
mac0=$(virsh_ domiflist tmpl | awk '{print $5}')
fvm-spawn destroy --yes tmpl

now() { date +%s%N; }
banner() { fvm-sandbox exec --dir "$SANDBOX_DIR" -- ssh-keyscan -T 2 "$1" 2>/dev/null | grep -q ssh-; }
peer() { # NAME: kvm-build's flow
	local name=$1 mac ip=
	mac=$(printf '52:54:00:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))
	sed -e "s/tmpl/$name/g" -e "s/$mac0/$mac/" "$SANDBOX_DIR/peer.xml" >"$SANDBOX_DIR/$name.xml"
	local t0; t0=$(now)
	qemu-img create -q -f qcow2 -F qcow2 -b "$golden" "$POOL_DIR/$name.clone.qcow2"
	virsh -q -c "$FVM_CONNECT" define "$SANDBOX_DIR/$name.xml" >/dev/null
	virsh -q -c "$FVM_CONNECT" start "$name" >/dev/null
	until [ -n "$ip" ]; do
		ip=$(virsh -q -c "$FVM_CONNECT" net-dhcp-leases fvm --mac "$mac" | awk '{print $5}' | cut -d/ -f1 | head -n 1)
		[ -n "$ip" ] || sleep 0.5
	done
	until banner "$ip"; do sleep 0.5; done
	echo $(($(now) - t0))
}
fvm_() { # GOLDEN NAME
	local t0; t0=$(now)
	fvm-spawn create "$1" "$2" --wait ssh >/dev/null
	echo $(($(now) - t0))
}
: >"$SANDBOX_DIR/cold.ns"; : >"$SANDBOX_DIR/warm.ns"; : >"$SANDBOX_DIR/peer.ns"
for i in $(seq "$rounds"); do
	fvm_ cold@1 "c$i" >>"$SANDBOX_DIR/cold.ns"; fvm-spawn destroy --yes "c$i" >/dev/null
	fvm_ warm2@1 "w$i" >>"$SANDBOX_DIR/warm.ns"; fvm-spawn destroy --yes "w$i" >/dev/null
	peer "p$i" >>"$SANDBOX_DIR/peer.ns"
	virsh_ destroy "p$i" >/dev/null; virsh_ undefine "p$i" >/dev/null; rm -f "$POOL_DIR/p$i.clone.qcow2"
	echo "# round $i: cold $(tail -n1 "$SANDBOX_DIR/cold.ns") warm $(tail -n1 "$SANDBOX_DIR/warm.ns") peer $(tail -n1 "$SANDBOX_DIR/peer.ns") ns"
done
python3 - "$SANDBOX_DIR" <<'PY'
import statistics, sys
d = sys.argv[1]
r = {k: [int(x) / 1e9 for x in open(f"{d}/{k}.ns")] for k in ("cold", "warm", "peer")}
p = statistics.median(r["peer"])
print(f"rounds: {len(r['peer'])}")
for k, label in (("peer", "peer: qemu-img -b, define, start, lease, SSH"),
                 ("cold", "fvm-spawn create --wait ssh (cold golden)"),
                 ("warm", "fvm-spawn create --wait ssh (warm golden)")):
    m = statistics.median(r[k])
    print(f"{label:46s} median {m:6.1f} s  ({', '.join(f'{x:.1f}' for x in r[k])})  ratio to peer {m / p:.2f}")
PY
