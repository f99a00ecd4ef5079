#!/bin/bash
# Integration: sharing a golden between two stores, each a private libvirtd in a network
# namespace of this test's own (sandbox A through lib.sh, sandbox B started here).
#   golden in A → export → import into B from a file, stdin and an http:// URL (a loopback
#   python3 http.server) → identical disks and manifests; bad bundles (truncated, a flipped byte,
#   "../x", an unknown manifest version) are refused and leave nothing; an import killed with
#   SIGKILL leaves nothing visible; concurrent imports; push A → B over libvirt, then a clone of
#   the pushed golden boots in B and answers SSH.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmsha-$$"
A_POOL=$POOL_DIR
A_CONNECT=$FVM_CONNECT
note "sandbox A: $A_CONNECT"

WORK=$(mktemp -d /var/tmp/fvm-share-XXXXXX)
B_DIR=$(mktemp -d /var/tmp/fvm-it-XXXXXX)
chmod 0755 "$B_DIR"
HTTP_PID=
cleanup() {
	[ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null
	fvm-sandbox down --dir "$B_DIR" --purge >/dev/null 2>&1
	rm -rf "$WORK"
	sandbox_down
}
trap cleanup EXIT
B_ENV=$(fvm-sandbox up --dir "$B_DIR" --name "fvmshb-$$" 2>"$WORK/b.err") ||
	bail "fvm-sandbox up (B): $(tail -n 1 "$WORK/b.err")"
B_POOL=$B_DIR/images
B_CONNECT=$(eval "$B_ENV" && echo "$FVM_CONNECT")
note "sandbox B: $B_CONNECT"
# inb CMD...: CMD against sandbox B.
inb() { (eval "$B_ENV" && exec "$@"); }
ssh_b() {
	local ip=$1
	shift
	fvm-sandbox exec --dir "$B_DIR" -- ssh -i "$KEY" -o BatchMode=yes -o ConnectTimeout=20 \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		"root@$ip" "$@"
}
sha_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"])'; }
# What a failed import must not change: B's goldens and B's pool directory.
b_state() { inb fvm-golden list; ls -A "$B_POOL"; }

# --- a golden in A ---------------------------------------------------------------------------
if original_from_cache_or_build debian12 itdeb; then
	ok "original itdeb of debian12 is in A ($BUILT_BY)"
else
	bail "could not build the debian12 original"
fi
start=$SECONDS
out=$(fvm-golden create itdeb shgold 2>&1)
[ "$out" = "shgold@1" ] || bail "fvm-golden create: $out"
ok "fvm-golden create makes shgold@1 in A ($((SECONDS - start)) s)"
A_FILE=$A_POOL/shgold@1.qcow2
A_SHA=$(fvm-golden info shgold@1 --json | sha_of)

# --- export ----------------------------------------------------------------------------------
BUNDLE=$WORK/shgold.fvm
start=$SECONDS
out=$(fvm-golden export shgold@1 -o "$BUNDLE" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -s "$BUNDLE" ]; then
	ok "export writes a bundle ($((SECONDS - start)) s, $(du -m "$BUNDLE" | cut -f1) MiB from a $(du -m "$A_FILE" | cut -f1) MiB golden)"
else
	bail "fvm-golden export: exit $rc: $out"
fi
check "no .partial file is left beside it" test ! -e "$BUNDLE.partial"
check "the bundle is its owner's alone (0600)" test "$(stat -c %a "$BUNDLE")" = 600
listing=$(tar --zstd -tvf "$BUNDLE" 2>&1)
note "$listing"
check "GNU tar lists manifest.json first, then the disk's map, then the disk" \
	bash -c '[ "$(awk "{print \$NF}" <<<"$1" | tr "\n" " ")" = "manifest.json disk.map.json disk.qcow2 " ]' _ "$listing"
# The map is qemu-img map's data extents of the golden's file, [guest start, length, file offset].
map_matches() {
	tar --zstd -xOf "$BUNDLE" disk.map.json >"$WORK/map.json" &&
		qemu-img map --output=json -f qcow2 "$A_FILE" >"$WORK/qemu-map.json" &&
		python3 - "$WORK/map.json" "$WORK/qemu-map.json" <<'EOF'
import json, sys
ours = json.load(open(sys.argv[1]))
qemu = [[e["start"], e["length"], e["offset"]] for e in json.load(open(sys.argv[2]))
        if e["data"] and not e["zero"]]
sys.exit(0 if ours == {"fvm_disk_map": 1, "extents": qemu} and qemu else 1)
EOF
}
check "the bundle's disk map is qemu-img map's data extents of the golden's file" map_matches
check "zstd -t accepts the bundle" zstd -q -t "$BUNDLE"
out=$(fvm-golden export nosuch@1 -o "$WORK/nosuch.fvm" 2>&1)
rc=$?
check "exporting an unknown golden is one line, exit 1, no file" \
	test "$rc" = 1 -a "$out" = "fvm-golden: error: golden 'nosuch@1' not found" -a ! -e "$WORK/nosuch.fvm" -a ! -e "$WORK/nosuch.fvm.partial"

# Ctrl-C midway: exit 130, neither FILE nor FILE.partial.
fvm-golden export shgold@1 -o "$WORK/int.fvm" >/dev/null 2>"$WORK/int.err" &
pid=$!
for _ in $(seq 50); do [ -s "$WORK/int.fvm.partial" ] && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
rc=$?
check "Ctrl-C during export: exit 130, 'cancelled', no file and no .partial left" \
	bash -c '[ "$1" = 130 ] && [ "$(cat "$2.err")" = "fvm-golden: error: cancelled" ] && [ ! -e "$2.fvm" ] && [ ! -e "$2.fvm.partial" ]' _ "$rc" "$WORK/int"

# --- import into B: file, stdin, URL -----------------------------------------------------------
start=$SECONDS
out=$(inb fvm-golden import "$BUNDLE" 2>&1)
check "import from a file gives shgold@1 in B ($((SECONDS - start)) s)" test "$out" = "shgold@1"
check "qemu-img compare: B's shgold@1 is identical to A's" qemu-img compare "$A_FILE" "$B_POOL/shgold@1.qcow2"
check "B's manifest has A's sha256" test "$(inb fvm-golden info shgold@1 --json | sha_of)" = "$A_SHA"
check "B's golden is read-only (0440) and has its template" \
	test "$(stat -c %a "$B_POOL/shgold@1.qcow2")" = 440 -a -e "$B_POOL/shgold@1.template.qcow2"
check "B's golden file is sparse like A's (allocated MiB within 5%)" \
	bash -c 'a=$(du -m "$1" | cut -f1) b=$(du -m "$2" | cut -f1); [ $((b * 100)) -le $((a * 105)) ]' _ "$A_FILE" "$B_POOL/shgold@1.qcow2"

# A pipe all the way: export to stdout, import from stdin.
out=$(fvm-golden export shgold@1 -o - | inb fvm-golden import - 2>"$WORK/err")
err=$(cat "$WORK/err")
check "export -o - | import - (in B): version 1 is taken, so shgold@2, said on stderr" \
	test "$out" = "shgold@2" -a "$err" = "fvm-golden: shgold@1 exists here: imported as shgold@2"
check "and it is identical too" qemu-img compare "$A_FILE" "$B_POOL/shgold@2.qcow2"

python3 -u -m http.server --bind 127.0.0.1 --directory "$WORK" 0 >"$WORK/http.log" 2>&1 &
HTTP_PID=$!
port=
for _ in $(seq 50); do
	port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$WORK/http.log" | head -n 1)
	[ -n "$port" ] && break
	sleep 0.2
done
[ -n "$port" ] || bail "python3 -m http.server did not start: $(cat "$WORK/http.log")"
out=$(inb fvm-golden import "http://127.0.0.1:$port/shgold.fvm" 2>/dev/null)
check "import from http://127.0.0.1:$port/shgold.fvm gives shgold@3" test "$out" = "shgold@3"
check "and it is identical too" qemu-img compare "$A_FILE" "$B_POOL/shgold@3.qcow2"
before=$(b_state)
out=$(inb fvm-golden import "http://127.0.0.1:$port/nosuch.fvm" 2>&1)
rc=$?
check "a 404 is one line naming the URL and curl's reason, exit 1" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-golden: error: downloading http://127.0.0.1:$3/nosuch.fvm: curl: (22) .*404" <<<"$2"' _ "$rc" "$out" "$port"
check "and nothing changed in B" test "$(b_state)" = "$before"
kill "$HTTP_PID"
wait "$HTTP_PID" 2>/dev/null
HTTP_PID=

# --- bad bundles ------------------------------------------------------------------------------
size=$(stat -c %s "$BUNDLE")
head -c $((size / 2)) "$BUNDLE" >"$WORK/truncated.fvm"
# One byte of the disk's data flipped (60% into the uncompressed tar is well inside the disk).
zstd -q -d -c "$BUNDLE" >"$WORK/plain.tar"
python3 - "$WORK/plain.tar" <<'EOF'
import os, sys
with open(sys.argv[1], "r+b") as f:
    off = os.path.getsize(sys.argv[1]) * 6 // 10
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0xFF]))
EOF
zstd -q -T2 -c "$WORK/plain.tar" >"$WORK/flipped.fvm"
tar -xOf "$WORK/plain.tar" manifest.json >"$WORK/manifest.json"
rm -f "$WORK/plain.tar"
# A qcow2 whose data lie in another file of the host: libvirt does not report it.
qemu-img create -q -f raw "$WORK/secret.raw" 1M
qemu-img create -q -f qcow2 -o data_file="$WORK/secret.raw" "$WORK/datafile.qcow2" 1M
python3 - "$WORK" <<'EOF'
import hashlib, io, json, sys, tarfile
work = sys.argv[1]
def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
with tarfile.open(work + "/dotdot.tar", "w", format=tarfile.PAX_FORMAT) as tar:
    add(tar, "../x", b"x\n")
m = json.load(open(work + "/manifest.json"))
m["fvm_manifest"] = 99
with tarfile.open(work + "/version.tar", "w", format=tarfile.PAX_FORMAT) as tar:
    add(tar, "manifest.json", json.dumps(m).encode())
    add(tar, "disk.qcow2", b"\0" * 512)
disk = open(work + "/datafile.qcow2", "rb").read()
m["fvm_manifest"] = 1
m.update(file_size=len(disk), sha256=hashlib.sha256(disk).hexdigest(), virtual_size=1 << 20)
with tarfile.open(work + "/datafile.tar", "w", format=tarfile.PAX_FORMAT) as tar:
    add(tar, "manifest.json", json.dumps(m).encode())
    add(tar, "disk.qcow2", disk)
EOF
zstd -q -c "$WORK/dotdot.tar" >"$WORK/dotdot.fvm"
zstd -q -c "$WORK/version.tar" >"$WORK/version.fvm"
zstd -q -c "$WORK/datafile.tar" >"$WORK/datafile.fvm"

before=$(b_state)
for bad in truncated flipped dotdot version datafile; do
	case $bad in
	truncated) desc="a truncated bundle" want="truncated" ;;
	flipped) desc="a bundle with a flipped byte in the disk" want="sha256" ;;
	dotdot) desc="a tar with ../x" want="'../x' contains '..'" ;;
	version) desc="an unknown manifest version" want="version" ;;
	datafile) desc="a qcow2 disk with an external data file" want="the disk is not self-contained: it keeps its data in an external file ($WORK/secret.raw)" ;;
	esac
	out=$(inb fvm-golden import "$WORK/$bad.fvm" 2>&1)
	rc=$?
	check "$desc: exit 1, one line: invalid bundle (… $want …)" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-golden: error: invalid bundle: " <<<"$2" && grep -qF -- "$3" <<<"$2"' _ "$rc" "$out" "$want"
	check "$desc: no new golden in B and no stray file in B's pool" test "$(b_state)" = "$before"
done

# --- Ctrl-C midway ------------------------------------------------------------------------------
(eval "$B_ENV" && exec fvm-golden import "$BUNDLE" >/dev/null 2>"$WORK/int.err") &
pid=$!
for _ in $(seq 100); do
	ls -A "$B_POOL" | grep -q '^\.shgold@.*\.partial$' && break
	sleep 0.1
done
kill -INT "$pid"
wait "$pid"
rc=$?
check "Ctrl-C during import: exit 130, 'cancelled', and B is as it was" \
	bash -c '[ "$1" = 130 ] && [ "$(cat "$2")" = "fvm-golden: error: cancelled" ] && [ "$3" = "$4" ]' _ "$rc" "$WORK/int.err" "$(b_state)" "$before"

# --- SIGKILL midway ----------------------------------------------------------------------------
goldens=$(inb fvm-golden list)
# Not through inb: as a background job a function runs in a subshell of its own, and $! would be
# that subshell's pid, not fvm-golden's.
(eval "$B_ENV" && exec fvm-golden import "$BUNDLE" >/dev/null 2>&1) &
pid=$!
for _ in $(seq 100); do
	ls -A "$B_POOL" | grep -q '^\.shgold@.*\.partial$' && break
	sleep 0.2
done
sleep 1
if kill -0 "$pid" 2>/dev/null && ls -A "$B_POOL" | grep -q '\.partial$'; then
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	ok "an import was killed with SIGKILL while writing its disk"
	check "no fvm-golden process is left" bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid"
else
	wait "$pid"
	not_ok "an import was killed with SIGKILL while writing its disk" "it ended before it could be killed"
fi
check "the killed import left no golden in B" test "$(inb fvm-golden list)" = "$goldens"
out=$(inb fvm-golden import "$BUNDLE" 2>/dev/null)
check "the next import succeeds (shgold@4) and leaves no .partial in B's pool" \
	bash -c '[ "$1" = shgold@4 ] && ! ls -A "$2" | grep -q partial' _ "$out" "$B_POOL"

# --- two imports at once ------------------------------------------------------------------------
inb fvm-golden import "$BUNDLE" >"$WORK/c1.out" 2>&1 &
p1=$!
inb fvm-golden import "$BUNDLE" >"$WORK/c2.out" 2>&1 &
p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
o1=$(tail -n 1 "$WORK/c1.out") o2=$(tail -n 1 "$WORK/c2.out")
note "first: exit $rc1: $o1" "second: exit $rc2: $o2"
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]; then
	check "two concurrent imports end as two distinct versions" test "$o1" != "$o2"
	for v in "$o1" "$o2"; do
		check "$v is identical to A's golden" qemu-img compare "$A_FILE" "$B_POOL/$v.qcow2"
	done
else
	check "two concurrent imports: one succeeds, the other is one BUSY/EXISTS line" \
		bash -c 'grep -Eq "^fvm-golden: error: .*(busy|exists)" <<<"$1$2"' _ "$o1" "$o2"
fi

# --- push A → B -----------------------------------------------------------------------------------
out=$(fvm-golden push shgold@1 2>&1)
rc=$?
check "push without --connect is a usage error (exit 2)" \
	bash -c '[ "$1" = 2 ] && grep -q "^fvm-golden: error: --connect DEST_URI must be given" <<<"$2"' _ "$rc" "$out"
out=$(fvm-golden push shgold@1 --connect "$B_CONNECT" 2>&1)
rc=$?
check "push refuses a version the destination has: one line, exit 1" \
	test "$rc" = 1 -a "$out" = "fvm-golden: error: golden 'shgold@1' already exists at the destination"
out=$(fvm-golden push nosuch@1 --connect "$B_CONNECT" 2>&1)
rc=$?
check "pushing an unknown golden is one line, exit 1" \
	test "$rc" = 1 -a "$out" = "fvm-golden: error: golden 'nosuch@1' not found"
check "B's shgold@1 can be deleted (no clone uses it)" inb fvm-golden delete shgold@1
before=$(b_state)
fvm-golden push shgold@1 --connect "$B_CONNECT" >/dev/null 2>"$WORK/int.err" &
pid=$!
for _ in $(seq 100); do
	[ -e "$B_POOL/shgold@1.qcow2" ] && break
	sleep 0.05
done
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
check "Ctrl-C during push: exit 130, 'cancelled', and nothing of it on B" \
	bash -c '[ "$1" = 130 ] && [ "$(cat "$2")" = "fvm-golden: error: cancelled" ] && [ "$3" = "$4" ]' _ "$rc" "$WORK/int.err" "$(b_state)" "$before"
start=$SECONDS
out=$(fvm-golden push shgold@1 --connect "$B_CONNECT" 2>&1)
check "fvm-golden push shgold@1 --connect B ($((SECONDS - start)) s)" test "$out" = "shgold@1"
check "the pushed golden is identical to A's" qemu-img compare "$A_FILE" "$B_POOL/shgold@1.qcow2"
check "B lists it, with A's sha256" test "$(inb fvm-golden info shgold@1 --json | sha_of)" = "$A_SHA"
check "the pushed golden is read-only (0440), sparse, with its template" \
	bash -c '[ "$(stat -c %a "$1")" = 440 ] && [ $(du -m "$1" | cut -f1) -le $(( $(du -m "$2" | cut -f1) * 105 / 100 )) ] && [ -e "$3" ]' \
	_ "$B_POOL/shgold@1.qcow2" "$A_FILE" "$B_POOL/shgold@1.template.qcow2"
start=$SECONDS
ip=$(inb fvm-spawn create shgold@1 c1 --wait ssh 2>"$WORK/spawn.err")
rc=$?
if [ $rc -eq 0 ]; then
	ok "on B, fvm-spawn create shgold@1 c1 reaches SSH ($((SECONDS - start)) s, $ip)"
	uname=$(ssh_b "$ip" uname -a 2>&1)
	check "a command runs over SSH in B's clone" grep -q "^Linux " <<<"$uname"
else
	not_ok "on B, fvm-spawn create shgold@1 c1 reaches SSH" "exit $rc" "$(cat "$WORK/spawn.err")"
fi
check "fvm-spawn destroy c1 on B" inb fvm-spawn destroy --yes c1

finish
