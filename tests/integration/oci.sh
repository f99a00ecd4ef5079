#!/bin/bash
# Integration: goldens through an OCI registry (Debian's docker-registry, the distribution
# registry, started here on loopback with a config and storage of its own; skopeo as the
# independent client). push @1, push @2 (the same original with one --install): the registry's
# blob count grows by exactly the chunks @2 does not share with @1; skopeo inspect reads both;
# sandbox B pulls @1, then @2 fetching only @2's new chunks (counted in the registry's access
# log), the pulled disk equals A's (qemu-img compare) and a clone of it answers SSH; push
# --containerdisk gives a layer with /disk/disk.qcow2 (107:107, 0440, the golden's bytes). Bad input:
# a wrong layer media type, a 401, a registry answering 500 mid-pull (then the same pull resumes,
# fetching only the chunks the failed one lacked), a manifest naming a missing blob, a tampered
# chunk: one line, exit 1, nothing registered. Signatures (keys made by gpg in a GNUPGHOME of the
# test's own): push --sign writes the tag sha256-HEX.fvmsig, which gpg verifies by hand; under
# golden.require-signature an unsigned golden, one signed by an untrusted key and a signature of
# another manifest are refused before any chunk is fetched. A signed pull through a slow fault
# injector is SIGKILLed (with its skopeo) after a few chunks: nothing registered; a chunk in the
# cache is then changed on disk; the next pull fetches exactly the chunks the cache lacks plus
# the changed one, checks the signature and gives the same disk.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

command -v skopeo >/dev/null && command -v docker-registry >/dev/null ||
	bail "skopeo and docker-registry are needed (tools/install-deps)"

sandbox_up "fvmoca-$$"
A_POOL=$POOL_DIR
WORK=$(mktemp -d /var/tmp/fvm-oci-XXXXXX)
B_DIR=$(mktemp -d /var/tmp/fvm-it-XXXXXX)
chmod 0755 "$B_DIR"
REG_PID= PROXY_PID=
cleanup() {
	[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
	[ -d "$WORK/gnupg" ] && gpgconf --homedir "$WORK/gnupg" --kill all 2>/dev/null
	[ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null
	fvm-sandbox down --dir "$B_DIR" --purge >/dev/null 2>&1
	rm -rf "$WORK"
	sandbox_down
}
trap cleanup EXIT
B_ENV=$(fvm-sandbox up --dir "$B_DIR" --name "fvmocb-$$" 2>"$WORK/b.err") ||
	bail "fvm-sandbox up (B): $(tail -n 1 "$WORK/b.err")"
B_POOL=$B_DIR/images
# Each store's chunk cache lives under XDG_CACHE_HOME: A's and B's apart, inside WORK.
export XDG_CACHE_HOME=$WORK/cache-a
inb() { (eval "$B_ENV" && XDG_CACHE_HOME=$WORK/cache-b exec "$@"); }
# inb_cache NAME CMD: CMD against B with the chunk cache $WORK/cache-NAME.
inb_cache() {
	local name=$1
	shift
	(eval "$B_ENV" && XDG_CACHE_HOME=$WORK/cache-$name exec "$@")
}
# cache_without NAME DIGEST...: a copy of B's chunk cache (hard links) lacking those blobs, so a
# pull through it fetches exactly them.
cache_without() {
	local name=$1
	shift
	cp -al "$WORK/cache-b" "$WORK/cache-$name"
	for d in "$@"; do rm -f "$WORK/cache-$name"/fvm/oci/*/layout/blobs/sha256/"${d#sha256:}"; done
}
ssh_b() {
	local ip=$1
	shift
	fvm-sandbox exec --dir "$B_DIR" -- ssh -i "$KEY" -o BatchMode=yes -o ConnectTimeout=20 \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		"root@$ip" "$@"
}
b_state() { inb fvm-golden list; ls -A "$B_POOL"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# --- the registry -----------------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/registry"
cat >"$WORK/registry.yml" <<CONF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $WORK/registry
http:
  addr: 127.0.0.1:$PORT
CONF
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 50); do
	curl -sf "http://127.0.0.1:$PORT/v2/" >/dev/null && break
	sleep 0.2
done
curl -sf "http://127.0.0.1:$PORT/v2/" >/dev/null || bail "docker-registry did not answer: $(tail -n 3 "$WORK/registry.log")"
ok "docker-registry serves on 127.0.0.1:$PORT (pid $REG_PID)"
REG=127.0.0.1:$PORT
blobs() { find "$WORK/registry/docker/registry/v2/blobs" -name data 2>/dev/null | wc -l; }
blob_gets() { grep -a -c "\"GET /v2/$1/blobs/sha256:" "$WORK/registry.log"; }

# --- two versions of a golden in A ------------------------------------------------------------
original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
ok "original itdeb of debian12 is in A ($BUILT_BY)"
start=$SECONDS
out=$(fvm-golden create itdeb ocig 2>&1)
[ "$out" = ocig@1 ] || bail "fvm-golden create: $out"
out=$(fvm-golden create itdeb ocig --install tree 2>&1)
[ "$out" = ocig@2 ] || bail "fvm-golden create --install tree: $out"
note "setup: ocig@1 and ocig@2 (--install tree) in A ($((SECONDS - start)) s)"

# --- push -------------------------------------------------------------------------------------
out=$(fvm-golden push ocig@1 "oci://$REG/fvm/Ocig:1" 2>&1)
check "an invalid repository is a usage error (exit 2)" test $? -eq 2
out=$(fvm-golden push ocig@1 "oci://$REG/fvm/ocig:1" --connect qemu:///system 2>&1)
check "oci:// with --connect is a usage error" test $? -eq 2
before=$(blobs)
start=$SECONDS
fvm-golden push ocig@1 "oci://$REG/fvm/ocig:1" --json >"$WORK/push1.json" 2>"$WORK/push1.err"
rc=$?
[ $rc -eq 0 ] || bail "push @1: exit $rc: $(cat "$WORK/push1.err")"
t_push1=$((SECONDS - start))
n1=$(blobs)
c1=$(json 'd["chunks"]' <"$WORK/push1.json")
ok "push ocig@1: $c1 chunks, $(json 'd["zero_windows"]' <"$WORK/push1.json") zero windows omitted, $(json 'd["bytes_sent"]//1048576' <"$WORK/push1.json") MiB sent ($t_push1 s); registry blobs $before -> $n1"

start=$SECONDS
fvm-golden push ocig@2 "oci://$REG/fvm/ocig:2" --json >"$WORK/push2.json" 2>"$WORK/push2.err"
rc=$?
[ $rc -eq 0 ] || bail "push @2: exit $rc: $(cat "$WORK/push2.err")"
t_push2=$((SECONDS - start))
n2=$(blobs)
skopeo inspect --tls-verify=false --raw "docker://$REG/fvm/ocig:1" >"$WORK/m1.json" &&
	skopeo inspect --tls-verify=false --raw "docker://$REG/fvm/ocig:2" >"$WORK/m2.json"
check "skopeo inspect reads both: fvm's artifact type and chunk media type" python3 - "$WORK/m1.json" "$WORK/m2.json" <<'PY'
import json, sys
for p in sys.argv[1:]:
    m = json.load(open(p))
    assert m["artifactType"] == "application/vnd.fvm.golden.v1", m.get("artifactType")
    assert m["config"]["mediaType"] == "application/vnd.fvm.golden.config.v1+json"
    assert m["layers"] and all(l["mediaType"] == "application/vnd.fvm.golden.chunk.v1.raw+zstd" for l in m["layers"])
PY
# The blobs @2 adds: its layers not among @1's, its config, its manifest.
new=$(python3 -c '
import json, sys
a = {l["digest"] for l in json.load(open(sys.argv[1]))["layers"]}
b = {l["digest"] for l in json.load(open(sys.argv[2]))["layers"]}
print(len(b - a), sum(l["size"] for l in json.load(open(sys.argv[2]))["layers"] if l["digest"] not in a), len(b))' "$WORK/m1.json" "$WORK/m2.json")
read -r new_chunks new_bytes all2 <<<"$new"
check "push @2 adds only the chunks @1 lacks: registry blobs $n1 -> $n2 = $new_chunks new chunks + config + manifest" \
	test $((n2 - n1)) -eq $((new_chunks + 2))
check "push @2 reports the shared chunks as skipped ($(json 'd["chunks_skipped"]' <"$WORK/push2.json") of $(json 'd["chunks"]' <"$WORK/push2.json"))" \
	test "$(json 'd["chunks_skipped"] > 0 and d["chunks_sent"] < d["chunks"]' <"$WORK/push2.json")" = True
fvm-golden export ocig@2 -o "$WORK/ocig2.fvm" >/dev/null 2>&1
bundle=$(stat -c %s "$WORK/ocig2.fvm")
rm -f "$WORK/ocig2.fvm"
note "chunk sharing: push @2 sent $new_chunks of $all2 chunks, $((new_bytes / 1048576)) MiB, against a $((bundle / 1048576)) MiB bundle of @2 ($t_push2 s)"

# --- pull into B ------------------------------------------------------------------------------
out=$(inb fvm-golden pull "oci://$REG/fvm/ocig" 2>&1)
check "pull without a tag is a usage error (exit 2)" test $? -eq 2
start=$SECONDS
inb fvm-golden pull "oci://$REG/fvm/ocig:1" --json >"$WORK/pull1.json" 2>"$WORK/pull1.err"
rc=$?
check "B pulls ocig@1 ($((SECONDS - start)) s)" test $rc -eq 0 -a "$(json 'd["golden"]' <"$WORK/pull1.json" 2>/dev/null)" = ocig@1
g0=$(blob_gets fvm/ocig)
start=$SECONDS
inb fvm-golden pull "oci://$REG/fvm/ocig:2" --json >"$WORK/pull2.json" 2>"$WORK/pull2.err"
rc=$?
t_pull2=$((SECONDS - start))
g1=$(blob_gets fvm/ocig)
check "B pulls ocig@2 ($t_pull2 s)" test $rc -eq 0 -a "$(json 'd["golden"]' <"$WORK/pull2.json" 2>/dev/null)" = ocig@2
check "the pull of @2 fetched only @2's new chunks: $((g1 - g0)) blob GETs = $new_chunks chunks + config" \
	test $((g1 - g0)) -eq $((new_chunks + 1))
check "pull reports them: chunks_fetched = $new_chunks" test "$(json 'd["chunks_fetched"]' <"$WORK/pull2.json")" = "$new_chunks"
check "the pulled @2 is the same disk as A's (qemu-img compare)" \
	qemu-img compare "$A_POOL/ocig@2.qcow2" "$B_POOL/ocig@2.qcow2"
check "the pulled golden is read-only (0440) with its template" \
	bash -c '[ "$(stat -c %a "$1")" = 440 ] && [ -e "$2" ]' _ "$B_POOL/ocig@2.qcow2" "$B_POOL/ocig@2.template.qcow2"
check "fvm-golden verify accepts the pulled golden" inb fvm-golden verify ocig@2
# Pinned by digest (what push printed): that manifest, whatever the tags say; a tag beside it
# only names.
d1=$(json 'd["digest"]' <"$WORK/push1.json")
d2=$(json 'd["digest"]' <"$WORK/push2.json")
inb fvm-golden pull "oci://$REG/fvm/ocig:2@$d1" --name ocipin --json >"$WORK/pin.json" 2>"$WORK/pin.err"
rc=$?
check "pull by digest (@1's, beside tag 2) registers ocipin@1 ($(cat "$WORK/pin.err"))" \
	test $rc -eq 0 -a "$(json 'd["golden"]' <"$WORK/pin.json" 2>/dev/null)" = ocipin@1
check "it is @1's disk (qemu-img compare with A's ocig@1)" \
	qemu-img compare "$A_POOL/ocig@1.qcow2" "$B_POOL/ocipin@1.qcow2"
inb fvm-golden delete ocipin@1 >/dev/null 2>&1
start=$SECONDS
ip=$(inb fvm-spawn create ocig@2 c1 --wait ssh 2>"$WORK/spawn.err")
rc=$?
if [ $rc -eq 0 ]; then
	ok "on B, a clone of the pulled ocig@2 reaches SSH ($((SECONDS - start)) s)"
	check "tree (@2's --install) runs in the clone" ssh_b "$ip" tree --version
else
	not_ok "on B, a clone of the pulled ocig@2 reaches SSH" "exit $rc" "$(cat "$WORK/spawn.err")"
fi
check "fvm-spawn destroy c1 on B" inb fvm-spawn destroy --yes c1

# --- a KubeVirt containerDisk ----------------------------------------------------------------
start=$SECONDS
out=$(fvm-golden push ocig@2 "oci://$REG/fvm/ocig-disk:2" --containerdisk 2>&1)
check "push --containerdisk ($((SECONDS - start)) s)" test $? -eq 0
A_SHA=$(fvm-golden info ocig@2 --json | json 'd["sha256"]')
check "skopeo copies the containerDisk into an OCI layout" \
	skopeo copy -q --src-tls-verify=false "docker://$REG/fvm/ocig-disk:2" "oci:$WORK/cd:2"
check "its one layer holds /disk/disk.qcow2: a regular file, 107:107, 0440, the golden's bytes" \
	python3 - "$WORK/cd" "$A_SHA" <<'PY'
import hashlib, json, sys, tarfile
d, sha = sys.argv[1], sys.argv[2]
blob = lambda dg: d + "/blobs/sha256/" + dg.split(":")[1]
m = json.load(open(blob(json.load(open(d + "/index.json"))["manifests"][0]["digest"])))
c = json.load(open(blob(m["config"]["digest"])))
assert c["os"] == "linux" and c["architecture"] == "amd64", c
assert len(m["layers"]) == 1 and m["layers"][0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
with tarfile.open(blob(m["layers"][0]["digest"]), "r:gz") as t:
    members = {i.name.rstrip("/"): i for i in t.getmembers()}
    assert set(members) == {"disk", "disk/disk.qcow2"}, members
    f = members["disk/disk.qcow2"]
    assert f.isreg() and f.uid == 107 and f.gid == 107 and f.mode == 0o440, (f.type, f.uid, f.gid, oct(f.mode))
    assert members["disk"].isdir() and members["disk"].uid == 107
    h = hashlib.sha256()
    r = t.extractfile(f)
    for b in iter(lambda: r.read(1 << 20), b""):
        h.update(b)
    assert h.hexdigest() == sha, "the layer's disk is not the golden's"
PY
rm -rf "$WORK/cd"

# --- signatures --------------------------------------------------------------------------------
export GNUPGHOME=$WORK/gnupg
mkdir -m 0700 "$GNUPGHOME"
for who in a b; do
	gpg --batch --passphrase '' --quick-gen-key "fvm oci $who <$who@fvm.invalid>" ed25519 sign never \
		>/dev/null 2>&1 || bail "gpg --quick-gen-key failed"
done
fpr_of() { gpg --batch --with-colons --list-keys "$1" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'; }
KEY_A=$(fpr_of a@fvm.invalid)
KEY_B=$(fpr_of b@fvm.invalid)
gpg --batch --armor --export "$KEY_A" >"$WORK/trusted.asc"
mkdir -p "$WORK/cfg/fvm"
printf '[golden]\ntrusted-keys=%s\nrequire-signature=true\n' "$WORK/trusted.asc" >"$WORK/cfg/fvm/fvm.conf"
out=$(fvm-golden push ocig@1 "oci://$REG/fvm/signed:1" --sign nobody@fvm.invalid 2>&1)
rc=$?
check "push --sign with an unknown key: exit 1, one line" test $rc -eq 1 -a "$(printf '%s\n' "$out" | wc -l)" -eq 1
check "push --sign with an unknown key: nothing pushed" \
	bash -c '! skopeo inspect --tls-verify=false --raw "docker://$1/fvm/signed:1" >/dev/null 2>&1' _ "$REG"
note "push --sign nobody: $out"
fvm-golden push ocig@2 "oci://$REG/fvm/signed:2" --sign "$KEY_A" --json >"$WORK/sign2.json" 2>"$WORK/sign2.err"
rc=$?
sig_digest=$(json 'd["digest"]' <"$WORK/sign2.json" 2>/dev/null)
sig_ref=$(json 'd["signature"]' <"$WORK/sign2.json" 2>/dev/null)
check "push ocig@2 --sign KEY_A: the signature is the tag ${sig_ref##*:}" \
	test $rc -eq 0 -a "$sig_ref" = "oci://$REG/fvm/signed:sha256-${sig_digest#sha256:}.fvmsig"
skopeo copy -q --src-tls-verify=false "docker://${sig_ref#oci://}" "oci:$WORK/sig:s" >/dev/null 2>&1
check "the signature tag: fvm's artifact type, the golden's manifest as subject, a payload naming it" \
	python3 - "$WORK/sig" "$sig_digest" <<'PY'
import json, shutil, sys
d, want = sys.argv[1], sys.argv[2]
blob = lambda dg: d + "/blobs/sha256/" + dg.split(":")[1]
m = json.load(open(blob(json.load(open(d + "/index.json"))["manifests"][0]["digest"])))
assert m["artifactType"] == "application/vnd.fvm.golden.signature.v1", m
assert m["subject"]["digest"] == want, m["subject"]
assert [l["mediaType"] for l in m["layers"]] == ["application/pgp-signature"], m["layers"]
p = json.load(open(blob(m["config"]["digest"])))
assert p["manifest"] == want and p["golden"] == "ocig@2", p
shutil.copy(blob(m["config"]["digest"]), d + "/payload")
shutil.copy(blob(m["layers"][0]["digest"]), d + "/payload.asc")
PY
check "gpg --verify (by hand) accepts the pushed signature of the payload, by key A" \
	bash -c 'gpg --batch --status-fd 1 --verify "$1/payload.asc" "$1/payload" 2>/dev/null | grep -q "VALIDSIG $2"' _ "$WORK/sig" "$KEY_A"
fvm-golden push ocig@1 "oci://$REG/fvm/byb:1" --sign "$KEY_B" >/dev/null 2>&1 || not_ok "push ocig@1 --sign KEY_B"
# @1 unsigned beside the signed @2, then @2's signature copied to @1's signature tag.
fvm-golden push ocig@1 "oci://$REG/fvm/signed:1" >/dev/null 2>&1 &&
	skopeo copy -q --preserve-digests --src-tls-verify=false --dest-tls-verify=false "docker://${sig_ref#oci://}" \
		"docker://$REG/fvm/signed:sha256-${d1#sha256:}.fvmsig" >/dev/null 2>&1 ||
	not_ok "set up @1 with @2's signature"

# --- bad input: one line, exit 1, nothing registered -----------------------------------------
state=$(b_state)
# bad_pull WHAT CACHE REF PATTERN: a pull through chunk cache CACHE that must fail with one line
# matching PATTERN.
# With pull_env set (VAR=VALUE...), the pull runs with it.
pull_env=()
bad_pull() {
	local what=$1 cache=$2 ref=$3 pattern=$4 out rc
	out=$(inb_cache "$cache" env "${pull_env[@]}" fvm-golden pull "$ref" --name ocibad 2>&1)
	rc=$?
	check "$what: exit 1, one line" test $rc -eq 1 -a "$(printf '%s\n' "$out" | wc -l)" -eq 1
	check "$what: the error says so" grep -Eq "$pattern" <<<"$out"
	check "$what: nothing registered in B" test "$(b_state)" = "$state"
	note "$what: $out"
}
# A manifest with a layer of another media type, written as an OCI layout and copied there.
python3 - "$WORK/m1.json" "$WORK/bad-layout" "$WORK/registry" <<'PY'
import hashlib, json, os, sys
m = json.load(open(sys.argv[1]))
out = sys.argv[2]
os.makedirs(out + "/blobs/sha256")
def put(b):
    d = hashlib.sha256(b).hexdigest()
    open(out + "/blobs/sha256/" + d, "wb").write(b)
    return "sha256:" + d, len(b)
layer = b"not a chunk"
ld, ls = put(layer)
cfg = b'{"fvm_oci": 1}'
cd, cs = put(cfg)
bad = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
       "artifactType": m["artifactType"],
       "config": {"mediaType": m["config"]["mediaType"], "digest": cd, "size": cs},
       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": ls}]}
md, ms = put(json.dumps(bad).encode())
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": bad["mediaType"], "digest": md, "size": ms,
           "annotations": {"org.opencontainers.image.ref.name": "bad"}}]}, open(out + "/index.json", "w"))
PY
skopeo copy -q --dest-tls-verify=false "oci:$WORK/bad-layout:bad" "docker://$REG/fvm/bad:mediatype" >/dev/null 2>&1 ||
	not_ok "skopeo copies the wrong-media-type image to the registry"
g0=$(blob_gets fvm/bad)
bad_pull "a layer of another media type" empty "oci://$REG/fvm/bad:mediatype" "media type application/vnd.oci.image.layer.v1.tar"
check "a layer of another media type: refused before any blob was fetched" test "$(blob_gets fvm/bad)" -eq "$g0"

start_proxy() {
	rm -f "$WORK/proxy.port"
	python3 "$here/oci-proxy.py" "$WORK/proxy.port" "http://$REG" "$@" &
	PROXY_PID=$!
	for _ in $(seq 50); do [ -s "$WORK/proxy.port" ] && break; sleep 0.1; done
	PROXY=127.0.0.1:$(cat "$WORK/proxy.port")
}
stop_proxy() { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=; }
# The registry (or whatever is on the way to it) answers the pin with another manifest: refused
# before any blob.
start_proxy swap "$d1" "$d2"
g0=$(blob_gets fvm/ocig)
bad_pull "a pinned pull answered with another manifest" empty "oci://$PROXY/fvm/ocig@$d1" \
	"sent manifest sha256:[0-9a-f]{64}, not the one pinned"
check "a pinned pull answered with another manifest: no blob fetched" test "$(blob_gets fvm/ocig)" -eq "$g0"
stop_proxy
bad_pull "a pin to a manifest the registry lacks" empty "oci://$REG/fvm/ocig@sha256:$(printf '%064d' 0)" \
	"manifest unknown|not found|404"
start_proxy 401
bad_pull "a registry answering 401" empty "oci://$PROXY/fvm/ocig:2" "unauthorized|authentication|401"
stop_proxy
# Three chunks to fetch; the registry fails after two blob GETs. Then the same pull straight
# from the registry resumes: it fetches only what the failed one did not.
read -r -a three < <(python3 -c 'import json,sys; print(" ".join(list(dict.fromkeys(l["digest"] for l in json.load(open(sys.argv[1]))["layers"]))[:3]))' "$WORK/m2.json")
cache_without resume "${three[@]}"
start_proxy 500
bad_pull "a registry answering 500 after two blobs" resume "oci://$PROXY/fvm/ocig:2" "500|Internal Server Error"
stop_proxy
inb_cache resume fvm-golden pull "oci://$REG/fvm/ocig:2" --name ociresume --json >"$WORK/resume.json" 2>"$WORK/resume.err"
rc=$?
check "the pull resumed after the 500 fetches $(json 'd["chunks_fetched"]' <"$WORK/resume.json" 2>/dev/null) of the 3 chunks it lacked and registers" \
	test $rc -eq 0 -a "$(json 'd["chunks_fetched"] < 3' <"$WORK/resume.json" 2>/dev/null)" = True
check "the resumed pull is the same disk" qemu-img compare "$A_POOL/ocig@2.qcow2" "$B_POOL/ociresume@2.qcow2"
inb fvm-golden delete ociresume@2 >/dev/null 2>&1
state=$(b_state)

# A blob the manifest names is gone from the registry's storage (put back afterwards).
missing=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"][7:])' "$WORK/m1.json")
mdir=$WORK/registry/docker/registry/v2/blobs/sha256/${missing:0:2}/$missing
mv "$mdir/data" "$WORK/missing.data"
cache_without missing "sha256:$missing"
bad_pull "a manifest naming a missing blob" missing "oci://$REG/fvm/ocig:1" "blob unknown|not found|404|unknown|500|${missing:0:12}"
mv "$WORK/missing.data" "$mdir/data"
# A chunk changed in the registry's storage: its bytes no longer hash to its name.
tampered=$(python3 -c '
import json, sys
a = {l["digest"] for l in json.load(open(sys.argv[1]))["layers"]}
print([l["digest"][7:] for l in json.load(open(sys.argv[2]))["layers"] if l["digest"] not in a][0])' "$WORK/m1.json" "$WORK/m2.json")
tfile=$WORK/registry/docker/registry/v2/blobs/sha256/${tampered:0:2}/$tampered/data
cp "$tfile" "$WORK/tampered.orig"
printf '\xff' | dd of="$tfile" bs=1 seek=100 conv=notrunc status=none
cache_without tampered "sha256:$tampered"
bad_pull "a tampered chunk" tampered "oci://$REG/fvm/ocig:2" "digest|did not match|does not match"
cp "$WORK/tampered.orig" "$tfile"

# Signatures refused, each before any GET of the golden's blobs (the signature's own are read).
golden_gets() {
	python3 -c '
import json, re, sys
ds = set()
for p in sys.argv[2:]:
    m = json.load(open(p))
    ds |= {l["digest"] for l in m["layers"]} | {m["config"]["digest"]}
print(sum(1 for l in open(sys.argv[1], errors="replace")
          for d in re.findall(r"\"GET /v2/[a-z/]*/blobs/(sha256:[0-9a-f]+)", l) if d in ds))' \
		"$WORK/registry.log" "$WORK/m1.json" "$WORK/m2.json"
}
pull_env=(XDG_CONFIG_HOME="$WORK/cfg")
g0=$(golden_gets)
bad_pull "an unsigned golden under golden.require-signature" empty "oci://$REG/fvm/ocig:2" "golden is not signed"
bad_pull "a golden signed by an untrusted key" empty "oci://$REG/fvm/byb:1" "signature"
bad_pull "a signature of another manifest copied to this one's tag" empty "oci://$REG/fvm/signed:1" "another manifest"
check "the refused signatures: none of the golden's chunks or config fetched" test "$(golden_gets)" -eq "$g0"
pull_env=()

# --- a pull killed half-way, then resumed -------------------------------------------------------
# Twelve chunks to fetch through the slow fault injector; SIGKILL to fvm-golden and its skopeo
# after four of them.
read -r -a lack < <(python3 -c 'import json,sys; print(" ".join(list(dict.fromkeys(l["digest"] for l in json.load(open(sys.argv[1]))["layers"]))[3:15]))' "$WORK/m2.json")
cache_without kill "${lack[@]}"
layout_kill=$(echo "$WORK"/cache-kill/fvm/oci/*/layout)
fetched() {
	local n=0 d
	for d in "${lack[@]}"; do [ -e "$layout_kill/blobs/sha256/${d#sha256:}" ] && n=$((n + 1)); done
	echo $n
}
start_proxy slow
inb_cache kill env XDG_CONFIG_HOME="$WORK/cfg" fvm-golden pull "oci://$PROXY/fvm/signed:2" --name ocisigned \
	>"$WORK/kill.out" 2>&1 &
kpid=$!
for _ in $(seq 600); do [ "$(fetched)" -ge 4 ] && break; sleep 0.1; done
# fvm-golden and every process under it (skopeo, and whatever runs it in the sandbox's
# namespace), all at once, as a crash or an OOM kill of the whole job would.
descendants() {
	local p
	for p in $(pgrep -P "$1"); do
		echo "$p"
		descendants "$p"
	done
}
victims="$kpid $(descendants "$kpid")"
kill -9 $victims 2>/dev/null
wait "$kpid" 2>/dev/null
alive() {
	local p
	for p in $victims; do
		[ -r "/proc/$p/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$p/stat" 2>/dev/null && echo "$p"
	done
}
for _ in $(seq 50); do [ -z "$(alive)" ] && break; sleep 0.1; done
check "fvm-golden and its $(($(wc -w <<<"$victims") - 1)) subprocesses are gone after SIGKILL" test -z "$(alive)" -a "$(wc -w <<<"$victims")" -ge 2
stop_proxy
k=$(fetched)
check "a pull SIGKILLed after $k of ${#lack[@]} chunks (some, not all): nothing registered in B" \
	test "$k" -ge 4 -a "$k" -lt "${#lack[@]}" -a "$(b_state)" = "$state"
# A chunk the cache holds, changed on disk (a new file: the cache's blobs are hard links).
tc=$(python3 -c 'import json,sys; print(list(dict.fromkeys(l["digest"] for l in json.load(open(sys.argv[1]))["layers"]))[20])' "$WORK/m2.json")
tpath=$layout_kill/blobs/sha256/${tc#sha256:}
cp "$tpath" "$tpath.new" && printf '\xff' | dd of="$tpath.new" bs=1 seek=50 conv=notrunc status=none && mv "$tpath.new" "$tpath"
# What the next pull must fetch: @2's chunks the cache lacks, and the changed one (skopeo also
# reads the config, cached or not, which is not counted here).
absent=$(python3 -c '
import json, os, sys
m = json.load(open(sys.argv[1]))
ds = dict.fromkeys(l["digest"] for l in m["layers"])
print(sum(1 for d in ds if not os.path.exists(sys.argv[2] + "/blobs/sha256/" + d[7:])))' "$WORK/m2.json" "$layout_kill")
logline=$(wc -l <"$WORK/registry.log")
inb_cache kill env XDG_CONFIG_HOME="$WORK/cfg" fvm-golden pull "oci://$REG/fvm/signed:2" --name ocisigned --json \
	>"$WORK/signed.json" 2>"$WORK/signed.err"
rc=$?
tail -n +$((logline + 1)) "$WORK/registry.log" | grep -a -o '"GET /v2/fvm/signed/blobs/sha256:[0-9a-f]*' | sed 's/.*blobs.//' | sort -u >"$WORK/resume.gets"
gets=$(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
ds = set(l["digest"] for l in m["layers"])
print(sum(1 for l in open(sys.argv[2]) if l.strip() in ds))' "$WORK/m2.json" "$WORK/resume.gets")
check "the pull after the kill, under golden.require-signature, registers ocisigned@2" \
	test $rc -eq 0 -a "$(json 'd["golden"]' <"$WORK/signed.json" 2>/dev/null)" = ocisigned@2
check "it fetched exactly the $absent chunks the killed pull left missing + the changed one: $gets chunk GETs" \
	test "$gets" -eq $((absent + 1))
check "the changed chunk was among them" grep -qx "$tc" "$WORK/resume.gets"
check "it reports chunks_fetched $(json 'd["chunks_fetched"]' <"$WORK/signed.json" 2>/dev/null) = $gets" \
	test "$(json 'd["chunks_fetched"]' <"$WORK/signed.json" 2>/dev/null)" = "$gets"
check "it checked the signature: signed_by is key A" \
	test "$(json 'd["signed_by"]' <"$WORK/signed.json" 2>/dev/null)" = "$KEY_A"
check "the resumed, signed pull is the same disk as A's @2" \
	qemu-img compare "$A_POOL/ocig@2.qcow2" "$B_POOL/ocisigned@2.qcow2"
check "no partial blob of the killed skopeo is left in the cache" \
	bash -c '! ls "$1"/oci-put-blob* >/dev/null 2>&1' _ "$layout_kill"
note "the killed pull: $k of ${#lack[@]} chunks before SIGKILL; the next one: $gets chunk GETs ($absent missing + 1 changed)"

finish
