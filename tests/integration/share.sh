#!/bin/bash
# Integration: sharing a golden between two stores, each a private libvirtd in a network
# namespace of this test's own (sandbox A through lib.sh, sandbox B started here).
#   golden in A → export → import into B from a file, stdin and an http:// URL (a loopback
#   python3 http.server) → identical disks and manifests; bad bundles (truncated, a flipped byte,
#   "../x", an unknown manifest version, a virtual_size the disk does not have) are refused and
#   leave nothing; a bundle whose manifest names "lv": "vg0" and "volume": "../x" imports and
#   deletes without any LVM command (a MOCK lvremove/lvchange/lvcreate logs them); delete is
#   refused while an export holds the golden's lock; an import killed with
#   SIGKILL leaves nothing visible; concurrent imports; push A → B over libvirt, then a clone of
#   the pushed golden boots in B and answers SSH. A bundle's cost is bounded by its bytes: a
#   1 TiB sparse disk in a bundle of under 1 KiB is refused at once, SIGTERM ends an import
#   mid-stream or in a hole within seconds, leaving nothing; export -o never writes through a
#   symlink at PATH.partial.
#   Signed goldens: export --sign (keys made by gpg in a GNUPGHOME of the test's own), import
#   with the trusted keys; a bundle whose disk or manifest was altered after signing, one signed
#   by another key, and an unsigned one under golden.require-signature are refused and leave
#   nothing; a --sha256 pin takes the right digest and refuses a wrong one; an unsigned bundle
#   over http:// needs --allow-unsigned; an https:// URL may not redirect to http://.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmsha-$$"
A_POOL=$POOL_DIR
A_CONNECT=$FVM_CONNECT
note "sandbox A: $A_CONNECT"

WORK=$(mktemp -d /var/tmp/fvm-share-XXXXXX)
B_DIR=$(mktemp -d /var/tmp/fvm-it-XXXXXX)
chmod 0755 "$B_DIR"
HTTP_PID= HTTPS_PID=
cleanup() {
	[ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null
	[ -n "$HTTPS_PID" ] && kill "$HTTPS_PID" 2>/dev/null
	[ -d "$WORK/gnupg" ] && gpgconf --homedir "$WORK/gnupg" --kill all 2>/dev/null
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
note "setup: fvm-golden create makes shgold@1 in A ($((SECONDS - start)) s)"
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

# export -o PATH makes PATH.partial itself: a symlink there (to someone else's file) is refused.
echo "not the exporter's" >"$WORK/victim"
ln -s "$WORK/victim" "$WORK/sym.fvm.partial"
out=$(fvm-golden export shgold@1 -o "$WORK/sym.fvm" 2>&1)
rc=$?
check "export -o with a symlink at PATH.partial: exit 1, one line, its target unchanged, no PATH" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-golden: error: .*/sym.fvm.partial already exists" <<<"$2" && [ "$(cat "$3/victim")" = "not the exporter'"'"'s" ] && [ -L "$3/sym.fvm.partial" ] && [ ! -e "$3/sym.fvm" ]' _ "$rc" "$out" "$WORK"
rm -f "$WORK/sym.fvm.partial" "$WORK/victim"

# --- a signed bundle -----------------------------------------------------------------------------
# Two signing keys in a GnuPG home of the test's own; B trusts only the first.
export GNUPGHOME=$WORK/gnupg
mkdir -m 0700 "$GNUPGHOME"
for who in a b; do
	gpg --batch --passphrase '' --quick-gen-key "fvm share $who <$who@fvm.invalid>" ed25519 sign never \
		>/dev/null 2>&1 || bail "gpg --quick-gen-key failed"
done
fpr_of() { gpg --batch --with-colons --list-keys "$1" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'; }
KEY_A=$(fpr_of a@fvm.invalid) KEY_B=$(fpr_of b@fvm.invalid)
gpg --batch --armor --export "$KEY_A" >"$WORK/trusted.asc"
SIGNED=$WORK/signed.fvm
out=$(fvm-golden export shgold@1 -o "$SIGNED" --sign "$KEY_A" 2>&1)
rc=$?
check "export --sign KEY writes a signed bundle" test "$rc" = 0 -a -s "$SIGNED"
listing=$(tar --zstd -tf "$SIGNED" 2>&1 | tr '\n' ' ')
check "it holds manifest.json, disk.map.json, signature.asc, then the disk" \
	test "$listing" = "manifest.json disk.map.json signature.asc disk.qcow2 "
verify_by_hand() {
	mkdir -p "$WORK/by-hand" && tar --zstd -xf "$SIGNED" -C "$WORK/by-hand" manifest.json disk.map.json signature.asc &&
		(cd "$WORK/by-hand" && sha256sum manifest.json disk.map.json) |
		gpg --batch --status-fd 1 --verify "$WORK/by-hand/signature.asc" - 2>/dev/null | grep -q "VALIDSIG $KEY_A"
}
check "gpg --verify accepts signature.asc over 'sha256sum manifest.json disk.map.json', by key A" verify_by_hand
out=$(fvm-golden export shgold@1 -o "$WORK/nokey.fvm" --sign nobody@fvm.invalid 2>&1)
rc=$?
check "export --sign with an unknown key: one line, exit 1, no file" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "no usable secret signing key" <<<"$2" && [ ! -e "$3" ] && [ ! -e "$3.partial" ]' _ "$rc" "$out" "$WORK/nokey.fvm"
fvm-golden export shgold@1 -o "$WORK/by-b.fvm" --sign "$KEY_B" >/dev/null 2>&1 || bail "export --sign KEY_B failed"

# Delete under an export: the export holds the golden's lock (its name's, shared, and its
# version's) while it writes; delete is refused, one line, and the golden stays. The export's
# stdout is a FIFO that a descriptor of ours keeps open and never reads, so it blocks holding
# the locks for as long as the test needs.
mkfifo "$WORK/hold.fifo"
exec 8<>"$WORK/hold.fifo"
fvm-golden export -vv shgold@1 -o - >"$WORK/hold.fifo" 2>"$WORK/hold.err" &
pid=$!
for _ in $(seq 100); do grep -q 'locked .*shgold@1\.lock (shared)' "$WORK/hold.err" && break; sleep 0.1; done
if grep -q 'locked .*shgold@1\.lock (shared)' "$WORK/hold.err"; then
	out=$(fvm-golden delete shgold@1 2>&1)
	rc=$?
	check "delete while an export holds the golden: exit 1, one line (busy), the golden stays" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-golden: error: golden .shgold.* is being made, imported or exported" <<<"$2" && [ -e "$3" ] && fvm-golden info shgold@1 >/dev/null' \
		_ "$rc" "$out" "$A_FILE"
else
	not_ok "delete while an export holds the golden is refused" "the export never took its lock" "$(tail -n 3 "$WORK/hold.err")"
fi
# Blocked in write(2), the export is ended with SIGKILL: the kernel drops its locks.
kill -9 "$pid"
wait "$pid" 2>/dev/null
exec 8>&-
rm -f "$WORK/hold.fifo"

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
before=$(b_state)
out=$(inb fvm-golden import "http://127.0.0.1:$port/shgold.fvm" 2>&1)
rc=$?
check "an unsigned bundle from http:// is refused without --allow-unsigned: one line, exit 1" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-golden: error: refusing an unverified bundle from http://" <<<"$2"' _ "$rc" "$out"
check "and nothing changed in B" test "$(b_state)" = "$before"
out=$(inb fvm-golden import --allow-unsigned "http://127.0.0.1:$port/shgold.fvm" 2>/dev/null)
check "with --allow-unsigned, import from http://127.0.0.1:$port/shgold.fvm gives shgold@3" test "$out" = "shgold@3"
check "and it is identical too" qemu-img compare "$A_FILE" "$B_POOL/shgold@3.qcow2"
out=$(inb fvm-golden import --trusted-keys "$WORK/trusted.asc" --name sgold "http://127.0.0.1:$port/signed.fvm" 2>/dev/null)
check "a signed bundle from http:// with its key trusted is imported (sgold@N)" \
	bash -c '[[ $1 =~ ^sgold@[0-9]+$ ]] && qemu-img compare "$2" "$3/$1.qcow2"' _ "$out" "$A_FILE" "$B_POOL"
# An https URL that redirects to http:// (a loopback TLS server of the test's own, its
# certificate given to curl through CURL_CA_BUNDLE): refused even with --allow-unsigned.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tls.pem" -out "$WORK/tls.crt" -days 1 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
cat "$WORK/tls.crt" >>"$WORK/tls.pem"
python3 -u - "$WORK/tls.pem" "http://127.0.0.1:$port/shgold.fvm" >"$WORK/https.port" 2>/dev/null <<'PY' &
import http.server, ssl, sys
class Redirect(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", sys.argv[2])
        self.end_headers()
    do_HEAD = do_GET
srv = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1])
srv.serve_forever()
PY
HTTPS_PID=$!
for _ in $(seq 50); do [ -s "$WORK/https.port" ] && break; sleep 0.2; done
tls_port=$(cat "$WORK/https.port")
check "the loopback https server redirects to http:// (curl sees a 302 to it)" \
	bash -c 'curl -sI --cacert "$1" "https://127.0.0.1:$2/shgold.fvm" | grep -qi "^location: http://127.0.0.1:$3/"' _ "$WORK/tls.crt" "$tls_port" "$port"
before=$(b_state)
out=$(inb env CURL_CA_BUNDLE="$WORK/tls.crt" fvm-golden import --allow-unsigned "https://127.0.0.1:$tls_port/shgold.fvm" 2>&1)
rc=$?
check "an https:// URL redirecting to http:// is refused, even with --allow-unsigned: one line, exit 1" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-golden: error: downloading https://.*curl: (1) .*http" <<<"$2"' _ "$rc" "$out"
check "and nothing changed in B" test "$(b_state)" = "$before"
kill "$HTTPS_PID"
wait "$HTTPS_PID" 2>/dev/null
HTTPS_PID=
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
qemu-img create -q -f qcow2 "$WORK/small.qcow2" 1M
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
# A plain 1 MiB qcow2 whose manifest says 2 MiB: thin LVs and clones are sized from it.
disk = open(work + "/small.qcow2", "rb").read()
m.update(file_size=len(disk), sha256=hashlib.sha256(disk).hexdigest(), virtual_size=2 << 20)
with tarfile.open(work + "/vsize.tar", "w", format=tarfile.PAX_FORMAT) as tar:
    add(tar, "manifest.json", json.dumps(m).encode())
    add(tar, "disk.qcow2", disk)
EOF
zstd -q -c "$WORK/dotdot.tar" >"$WORK/dotdot.fvm"
zstd -q -c "$WORK/version.tar" >"$WORK/version.fvm"
zstd -q -c "$WORK/datafile.tar" >"$WORK/datafile.fvm"
zstd -q -c "$WORK/vsize.tar" >"$WORK/vsize.fvm"

before=$(b_state)
for bad in truncated flipped dotdot version datafile vsize; do
	case $bad in
	truncated) desc="a truncated bundle" want="truncated" ;;
	flipped) desc="a bundle with a flipped byte in the disk" want="sha256" ;;
	dotdot) desc="a tar with ../x" want="'../x' contains '..'" ;;
	version) desc="an unknown manifest version" want="version" ;;
	datafile) desc="a qcow2 disk with an external data file" want="the disk is not self-contained: it keeps its data in an external file ($WORK/secret.raw)" ;;
	vsize) desc="a manifest whose virtual_size is not the disk's" want="the manifest's virtual_size is 2097152 but the disk's is 1048576" ;;
	esac
	out=$(inb fvm-golden import "$WORK/$bad.fvm" 2>&1)
	rc=$?
	check "$desc: exit 1, one line: invalid bundle (… $want …)" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-golden: error: invalid bundle: " <<<"$2" && grep -qF -- "$3" <<<"$2"' _ "$rc" "$out" "$want"
	check "$desc: no new golden in B and no stray file in B's pool" test "$(b_state)" = "$before"
done

# --- a bundle's cost is bounded by its bytes ----------------------------------------------------
# holey_bundle NAME SIZE: the golden's manifest around a qcow2 whose file is SIZE bytes, a real
# qcow2 header and then one hole, packed by GNU tar -S and zstd (a digest that is never reached).
holey_bundle() {
	local name=$1 size=$2 dir=$WORK/$1
	mkdir "$dir" &&
		qemu-img create -q -f qcow2 "$dir/disk.qcow2" "$size" &&
		truncate -s "$size" "$dir/disk.qcow2" &&
		python3 - "$WORK/manifest.json" "$dir/manifest.json" "$name" "$(stat -c %s "$dir/disk.qcow2")" <<'EOF' &&
import json, sys
m = json.load(open(sys.argv[1]))
size = int(sys.argv[4])
m.update(name=sys.argv[3], version=2, volume=sys.argv[3] + "@2.qcow2", virtual_size=size,
         file_size=size, sha256="0" * 64)
json.dump(m, open(sys.argv[2], "w"))
EOF
		tar -S --zstd -cf "$WORK/$name.fvm" -C "$dir" manifest.json disk.qcow2 &&
		rm -rf "$dir"
}
# Issue 13's bundle: a 1 TiB sparse disk kept an import hashing zeros at 100 % of a core for
# hours, deaf to SIGTERM, and left a 1 TiB .partial in the pool. timeout 20 is only a bound.
holey_bundle huge 1T || bail "could not make the 1 TiB bundle"
before=$(b_state)
t0=$(date +%s%N)
out=$( (eval "$B_ENV" && exec timeout 20 fvm-golden import "$WORK/huge.fvm") 2>&1)
rc=$?
note "the $(stat -c %s "$WORK/huge.fvm")-byte bundle of a 1 TiB disk: import ended in $((($(date +%s%N) - t0) / 1000000)) ms, exit $rc"
check "a 1 TiB sparse disk in a tiny bundle: exit 1, one line: invalid bundle (… of holes around … of data …)" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-golden: error: invalid bundle: the disk declares .* of holes around .* of data" <<<"$2"' _ "$rc" "$out"
check "and nothing of it in B: no golden, no .partial" test "$(b_state)" = "$before"

# sigterm_import DESC FILE: SIGTERM to an import of FILE once its .partial is in B's pool; it
# must end within seconds (timeout(1), systemd and CI runners stop jobs this way), leaving nothing.
sigterm_import() {
	local desc=$1 file=$2 pid t0 ms rc
	before=$(b_state)
	(eval "$B_ENV" && exec fvm-golden import "$file" >/dev/null 2>"$WORK/term.err") &
	pid=$!
	for _ in $(seq 100); do
		ls -A "$B_POOL" | grep -q '\.partial$' && break
		sleep 0.1
	done
	t0=$(date +%s%N)
	kill -TERM "$pid"
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	ms=$((($(date +%s%N) - t0) / 1000000))
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid"
		wait "$pid" 2>/dev/null
		not_ok "SIGTERM $desc ends it" "still running 10 s after SIGTERM"
		return
	fi
	wait "$pid"
	rc=$?
	note "SIGTERM $desc: it ended $ms ms later, exit $rc"
	check "SIGTERM $desc: exit 130, 'cancelled', no .partial and nothing new in B" \
		bash -c '[ "$1" = 130 ] && [ "$(cat "$2")" = "fvm-golden: error: cancelled" ] && [ "$3" = "$4" ]' _ "$rc" "$WORK/term.err" "$(b_state)" "$before"
}
sigterm_import "to an import mid-stream" "$BUNDLE"
# Within the rule (1 GiB of holes around a qcow2 header), so hashed: seconds of zeros.
holey_bundle holey 1G || bail "could not make the 1 GiB bundle"
sigterm_import "to an import hashing a 1 GiB hole" "$WORK/holey.fvm"

# --- signed bundles ------------------------------------------------------------------------------
# import_b DESC WANT-RC WANT-TEXT [ENV=VALUE...] -- ARGS...: fvm-golden import ARGS in B; exit
# WANT-RC, and for a refusal one line holding WANT-TEXT and B unchanged; for success sgold@N,
# identical to A's golden.
import_b() {
	local desc=$1 want_rc=$2 want=$3 envs=() out rc before
	shift 3
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	before=$(b_state)
	# stdout alone: a taken version adds "sgold@1 exists here: imported as sgold@2" on stderr.
	out=$(inb env "${envs[@]}" fvm-golden import --name sgold "$@" 2>"$WORK/import.err")
	rc=$?
	[ "$want_rc" = 0 ] || out=$(cat "$WORK/import.err")
	if [ "$want_rc" = 0 ]; then
		check "$desc: imported (${out:0:80})" \
			bash -c '[[ $1 =~ ^sgold@[0-9]+$ ]] && qemu-img compare "$2" "$3/$1.qcow2"' _ "$out" "$A_FILE" "$B_POOL"
	else
		check "$desc: exit $want_rc, one line (… $want …)" \
			bash -c '[ "$1" = "$2" ] && [ "$(wc -l <<<"$3")" = 1 ] && grep -q "^fvm-golden: error: " <<<"$3" && grep -qF -- "$4" <<<"$3"' _ "$rc" "$want_rc" "$out" "$want"
		check "$desc: no new golden in B and no stray file in B's pool" test "$(b_state)" = "$before"
	fi
}
# Altered after signing: a byte of the disk (the manifest and signature intact), and one hex
# digit of the manifest's sha256 (as a swapped disk would need).
zstd -q -d -c "$SIGNED" >"$WORK/signed.tar"
python3 - "$WORK/signed.tar" "$WORK/disk-altered.tar" "$WORK/manifest-altered.tar" <<'PY'
import os, shutil, sys, tarfile
src, disk_out, man_out = sys.argv[1:]
with tarfile.open(src) as tar:
    man = tar.getmember("manifest.json")
data = bytearray(open(src, "rb").read())
disk = bytearray(data)
off = len(disk) * 6 // 10
disk[off] ^= 0xFF
open(disk_out, "wb").write(disk)
body = data[man.offset_data:man.offset_data + man.size]
at = body.index(b'"sha256"')
at = body.index(b'"', at + len(b'"sha256"') + 1) + 1
i = man.offset_data + at
data[i] = ord("0") if data[i] != ord("0") else ord("1")
open(man_out, "wb").write(data)
PY
zstd -q -c "$WORK/disk-altered.tar" >"$WORK/disk-altered.fvm"
zstd -q -c "$WORK/manifest-altered.tar" >"$WORK/manifest-altered.fvm"
rm -f "$WORK/signed.tar" "$WORK/disk-altered.tar" "$WORK/manifest-altered.tar"
mkdir -p "$WORK/cfg/fvm"
printf '[golden]\ntrusted-keys=%s\nrequire-signature=true\n' "$WORK/trusted.asc" >"$WORK/cfg/fvm/fvm.conf"
STRICT=XDG_CONFIG_HOME=$WORK/cfg

import_b "a signed bundle, --trusted-keys with its key" 0 "" -- --trusted-keys "$WORK/trusted.asc" "$SIGNED"
import_b "a signed bundle, golden.trusted-keys and require-signature set" 0 "" "$STRICT" -- "$SIGNED"
import_b "the disk altered after signing" 1 "sha256" "$STRICT" -- "$WORK/disk-altered.fvm"
import_b "the manifest altered after signing" 1 "bad signature" "$STRICT" -- "$WORK/manifest-altered.fvm"
import_b "the manifest altered after signing, even with --allow-unsigned" 1 "bad signature" "$STRICT" -- \
	--allow-unsigned "$WORK/manifest-altered.fvm"
import_b "a bundle signed by a key B does not trust" 1 "not among the trusted keys" "$STRICT" -- "$WORK/by-b.fvm"
import_b "an unsigned bundle with golden.require-signature" 1 "not signed" "$STRICT" -- "$BUNDLE"
import_b "an unsigned bundle with require-signature and --sha256 pinning its digest" 0 "" "$STRICT" -- \
	--sha256 "$A_SHA" "$BUNDLE"
wrong=$(printf '%s' "$A_SHA" | tr '0-9a-f' '1-9a-f0')
import_b "an unsigned bundle with a wrong --sha256" 1 "not the pinned $wrong" "$STRICT" -- --sha256 "$wrong" "$BUNDLE"
import_b "a signed bundle with a wrong --sha256" 1 "not the pinned" -- --sha256 "$wrong" "$SIGNED"
check "verifying left no temporary GnuPG home behind" bash -c '! ls -d "${TMPDIR:-/tmp}"/fvm-gpg-* 2>/dev/null'
# What the next checks compare with: B has the signed imports now.
before=$(b_state)

# --- a bundle names host-local things: "lv": "vg0", "volume": "../x" --------------------------
# The attack of issue 13: re-packed with GNU tar + zstd, imported, then deleted. B's store is
# qcow2 and this host has no device-mapper, so MOCK lvremove/lvchange/lvcreate/lvs/lvrename (they
# log their arguments and change nothing) come first in PATH: the log shows whether fvm ran any.
MOCK=$WORK/mock-lvm
mkdir "$MOCK" "$WORK/lvb"
for tool in lvremove lvchange lvcreate lvs lvrename lvextend; do
	printf '#!/bin/sh\n# MOCK %s: logs its arguments, changes nothing\necho "%s $*" >>"%s"\n' \
		"$tool" "$tool" "$WORK/lvm.log" >"$MOCK/$tool"
	chmod +x "$MOCK/$tool"
done
tar --zstd -xf "$BUNDLE" -C "$WORK/lvb"
python3 - "$WORK/lvb/manifest.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m.update(lv="vg0", volume="../x")
json.dump(m, open(sys.argv[1], "w"))
EOF
tar --zstd -cf "$WORK/lv.fvm" -C "$WORK/lvb" manifest.json disk.map.json disk.qcow2
rm -rf "$WORK/lvb"
before=$(b_state)
out=$(PATH="$MOCK:$PATH" inb fvm-golden import "$WORK/lv.fvm" 2>"$WORK/lv.err")
rc=$?
if [ $rc -eq 0 ] && [[ $out == shgold@* ]]; then
	ok "a bundle with \"lv\": \"vg0\" and \"volume\": \"../x\" imports as $out (both ignored)"
	info=$(inb fvm-golden info "$out" --json)
	check "its manifest in B has no lv and B's own volume name; nothing was written at ../x" \
		python3 -c 'import json, os, sys; m = json.loads(sys.argv[1]); sys.exit(0 if "lv" not in m and m["volume"] == sys.argv[2] + ".qcow2" and not os.path.exists(sys.argv[3] + "/../x") else 1)' \
		"$info" "$out" "$B_POOL"
	del=$(PATH="$MOCK:$PATH" inb fvm-golden delete "$out" 2>&1)
	check "fvm-golden delete $out succeeds and leaves B as it was" \
		bash -c '[ -z "$1" ] && [ "$2" = "$3" ]' _ "$del" "$(b_state)" "$before"
else
	not_ok "a bundle with \"lv\": \"vg0\" and \"volume\": \"../x\" imports (both ignored)" "exit $rc: $out" "$(cat "$WORK/lv.err")"
fi
check "no LVM command ran during that import and delete (the MOCK's log is empty), none on vg0" \
	bash -c '[ ! -s "$1" ] && ! grep -qs vg0 "$1"' _ "$WORK/lvm.log"
rm -f "$WORK/lv.fvm"

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
# The push is stopped the moment its volume appears on B, then sent SIGINT and continued, so
# the signal lands mid-upload however fast the machine is (an unloaded one uploads the golden in
# about a second). Should it still finish first, it is undone and tried again.
for attempt in 1 2 3; do
	fvm-golden push shgold@1 --connect "$B_CONNECT" >/dev/null 2>"$WORK/int.err" &
	pid=$!
	for _ in $(seq 400); do
		[ -e "$B_POOL/shgold@1.qcow2" ] && break
		sleep 0.02
	done
	kill -STOP "$pid" 2>/dev/null
	kill -INT "$pid" 2>/dev/null
	kill -CONT "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || break
	note "attempt $attempt: the push finished before SIGINT reached it; undone, again"
	inb fvm-golden delete shgold@1 >/dev/null 2>&1
done
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
