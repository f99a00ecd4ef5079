#!/bin/bash
# Benchmark: a golden through an OCI registry against a bundle carried by hand, in one run.
#
#   sudo bench/oci-push-pull.sh            (needs a build in ./build, skopeo, docker-registry)
#
# Two goldens from one original: @1, and @2 with one package (--install tree). A registry
# (Debian's docker-registry) on loopback, two sandboxes A and B.
# 1. push @1 and @2 from A, pull @1 and @2 into B: wall time, chunks and bytes sent and fetched.
# 2. export @2 from A + cp the bundle + import it into B: wall time and bundle size.
# Prints each, the ratios push+pull of @2 / export+cp+import of @2 (time), and the bytes pushed
# for @2 / the bundle of @2 (the chunk-sharing figure).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"

sandbox_up "fvmbocia-$$"
A_DIR=$SANDBOX_DIR
work=$A_DIR/work
mkdir -p "$work"
B_DIR=$(mktemp -d /var/tmp/fvm-bench-XXXXXX)
chmod 0755 "$B_DIR"
REG_PID=
cleanup() {
	[ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null
	fvm-sandbox down --dir "$B_DIR" --purge >/dev/null 2>&1 || true
	rm -rf "$B_DIR"
	sandbox_down
}
trap cleanup EXIT
B_ENV=$(fvm-sandbox up --dir "$B_DIR" --name "fvmbocib-$$")
export XDG_CACHE_HOME=$work/cache-a
inb() { (eval "$B_ENV" && XDG_CACHE_HOME=$work/cache-b exec "$@"); }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/registry.yml" <<CONF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$PORT
CONF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/v2/" >/dev/null && break; sleep 0.2; done
REG=127.0.0.1:$PORT

original_from_cache_or_build debian12 itdeb >/dev/null || bail "no original"
fvm-golden create itdeb bench >/dev/null
fvm-golden create itdeb bench --install tree >/dev/null
echo "# goldens: bench@1 $(du -m "$POOL_DIR/bench@1.qcow2" | cut -f1) MiB, bench@2 (--install tree) $(du -m "$POOL_DIR/bench@2.qcow2" | cut -f1) MiB allocated"

now() { date +%s%N; }
results=$work/results
: >"$results"
# run LABEL JSON_OUT CMD...: times CMD (its stdout to JSON_OUT).
run() {
	local label=$1 out=$2 t0 t1
	shift 2
	sync
	t0=$(now)
	"$@" >"$out" 2>"$work/err" || { cat "$work/err" >&2; bail "$label failed"; }
	t1=$(now)
	echo "$label $(((t1 - t0) / 1000000)) $out" >>"$results"
}
run push@1 "$work/push1.json" fvm-golden push bench@1 "oci://$REG/bench/deb:1" --json
run push@2 "$work/push2.json" fvm-golden push bench@2 "oci://$REG/bench/deb:2" --json
run pull@1 "$work/pull1.json" inb fvm-golden pull "oci://$REG/bench/deb:1" --json
run pull@2 "$work/pull2.json" inb fvm-golden pull "oci://$REG/bench/deb:2" --json
run export@2 "$work/none" fvm-golden export bench@2 -o "$work/bench2.fvm"
run cp "$work/none" cp "$work/bench2.fvm" "$B_DIR/bench2.fvm"
run import@2 "$work/none" inb fvm-golden import "$B_DIR/bench2.fvm" --name imported

python3 - "$results" "$(stat -c %s "$work/bench2.fvm")" <<'PY'
import json, sys
rows, data = {}, {}
for line in open(sys.argv[1]):
    label, ms, out = line.split()
    rows[label] = int(ms) / 1000
    try:
        data[label] = json.load(open(out))
    except Exception:
        pass
bundle = int(sys.argv[2])
M = 2**20
for label, s in rows.items():
    d = data.get(label, {})
    extra = ""
    if "chunks" in d:
        moved = d.get("chunks_sent", d.get("chunks_fetched"))
        skipped = d.get("chunks_skipped", d.get("chunks_cached"))
        mb = d.get("bytes_sent", d.get("bytes_fetched"))
        extra = f"  {d['chunks']} chunks, {moved} moved ({mb / M:.1f} MiB), {skipped} skipped, {d['zero_windows']} zero windows"
    print(f"{label:10s} {s:7.1f} s{extra}")
print(f"bundle of @2: {bundle / M:.1f} MiB")
oci = rows["push@2"] + rows["pull@2"]
hand = rows["export@2"] + rows["cp"] + rows["import@2"]
print(f"push@2+pull@2 / export+cp+import of @2: time {oci / hand:.2f} ({oci:.1f} s / {hand:.1f} s)")
print(f"push@1+pull@1 / export+cp+import of @2: time {(rows['push@1'] + rows['pull@1']) / hand:.2f} (a first version, nothing shared)")
sent2 = data["push@2"]["bytes_sent"]
print(f"bytes pushed for @2 / bundle of @2: {sent2 / bundle:.3f} ({sent2 / M:.1f} MiB / {bundle / M:.1f} MiB)")
PY
