#!/bin/bash
# Integration: fvm-golden import-image brings a disk image in as an original. The image is the
# cached fvm-built Debian 12 original converted to raw with qemu-img, i.e. a plain disk as a user
# would have it; real qemu-img, a real libguestfs appliance, a private libvirtd (sandbox).
#   raw image → import-image → list --originals (os debian12, method import-image) → same
#   content (qemu-img compare) → fvm-golden create accepts it; then every bad input: one line,
#   the right exit code, nothing left in the pool.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmit-ii-$$"
note "sandbox: $FVM_CONNECT"
work=$(mktemp -d /var/tmp/fvm-it-import-XXXXXX)
trap 'rm -rf "$work"; sandbox_down' EXIT

original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb of debian12 is in the store ($BUILT_BY)"

qemu-img convert -O raw "$POOL_DIR/itdeb.original.qcow2" "$work/disk.img" || bail "qemu-img convert"
note "source: raw image of $(stat -c %s "$work/disk.img") bytes, $(du -h "$work/disk.img" | cut -f1) allocated"
src_mtime=$(stat -c %Y "$work/disk.img")

# --- the good path --------------------------------------------------------------------------
start=$SECONDS
out=$(fvm-golden import-image imported "$work/disk.img" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ "$out" = imported ]; then
	ok "import-image imported disk.img prints the original's name ($((SECONDS - start)) s)"
else
	not_ok "import-image imported disk.img" "exit $rc" "$out"
fi
check "list --originals shows it with os debian12 and method import-image" \
	bash -c 'fvm-golden list --originals | grep -Eq "^imported +debian12 .* import-image$"'
json=$(fvm-golden list --originals --json)
check "its build record names the source and its format, and the facts come from libosinfo" \
	python3 - "$json" "$work/disk.img" <<'PY'
import json, sys
m = [x for x in json.loads(sys.argv[1]) if x["name"] == "imported"][0]
b = m["build"]
assert b["method"] == "import-image", b
assert b["source"] == sys.argv[2], b
assert b["source_format"] == "raw", b
assert b["osinfo"] == "debian12" and b["arch"] == "x86_64", b
assert m["os"]["id"] == "debian12" and m["os"]["name"] == "Debian 12" and m["os"]["virtio"], m
assert m["format"] == "qcow2" and m["virtual_size"] == 4294967296, m
# An MBR disk (what fvm-build makes) boots with BIOS: auto picks bios.
assert m["firmware"] == "bios", m
print(m["os"], b["product"], m["firmware"])
PY
check "the original is a qcow2 holding exactly the image's content (qemu-img compare)" \
	qemu-img compare -f raw -F qcow2 "$work/disk.img" "$POOL_DIR/imported.original.qcow2"
check "the manifest's sha256 is the stored file's" test \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$POOL_DIR/imported.original.json")" \
	= "$(sha256sum <"$POOL_DIR/imported.original.qcow2" | cut -d' ' -f1)"
check "the source image was not written" test "$(stat -c %Y "$work/disk.img")" = "$src_mtime"
check "libvirt sees the volume" bash -c 'virsh -q -c "$FVM_CONNECT" vol-list fvm | grep -q "imported.original.qcow2"'

start=$SECONDS
out=$(fvm-golden create imported impgold 2>&1)
if [ "$out" = impgold@1 ]; then
	ok "fvm-golden create accepts it: impgold@1 ($((SECONDS - start)) s)"
else
	not_ok "fvm-golden create imported impgold" "$out"
fi
check "the golden came from the imported original" \
	bash -c 'fvm-golden info impgold@1 --json | python3 -c "import json,sys; m=json.load(sys.stdin); assert m[\"built_from\"]==\"imported\" and m[\"os\"][\"id\"]==\"debian12\", m"'

# --- UEFI: --firmware efi marks the original; its golden keeps it; its clones boot OVMF ------
out=$(fvm-golden import-image --firmware efi impefi "$work/disk.img" 2>&1)
check "import-image --firmware efi" test "$out" = impefi
out=$(fvm-golden create impefi efigold 2>&1)
check "its golden efigold@1 is marked efi in its manifest" bash -c '
	[ "$1" = efigold@1 ] && fvm-golden info efigold@1 --json | python3 -c "import json,sys; m=json.load(sys.stdin); assert m[\"firmware\"]==\"efi\", m"' _ "$out"
check "a golden of a BIOS original says bios" bash -c '
	fvm-golden info impgold@1 --json | python3 -c "import json,sys; m=json.load(sys.stdin); assert m[\"firmware\"]==\"bios\", m"'
out=$(fvm-spawn create efigold@1 efi1 --no-wait 2>&1)
xml=$(virsh_ dumpxml efi1 2>&1)
# (The running domain shows what libvirt chose for <os firmware='efi'>: the loader and NVRAM.)
check "its clone's domain boots OVMF's loader and has an NVRAM of its own" \
	bash -c 'grep -q "<loader .*OVMF" <<<"$1" && grep -q "<nvram.*efi1" <<<"$1" || { echo "$2"; echo "$1"; false; }' _ "$xml" "$out"
nvram=$(sed -n 's|.*<nvram[^>]*>\(.*\)</nvram>.*|\1|p' <<<"$xml")
con=$(fvm-spawn console efi1 --timeout 60 </dev/null 2>/dev/null)
check "and boots OVMF: its UEFI boot manager shows on the console" grep -aq "BdsDxe" <<<"$con"
check "destroy removes the clone and its NVRAM file" bash -c '
	fvm-spawn destroy --yes efi1 && ! virsh -q -c "$FVM_CONNECT" dominfo efi1 >/dev/null 2>&1 && [ -n "$1" ] && [ ! -e "/proc/$(cat "$SANDBOX_DIR/libvirtd.pid")/root$1" ] && [ ! -e "$1" ]' _ "$nvram"
fvm-golden delete efigold@1 >/dev/null 2>&1
fvm-golden delete --original impefi >/dev/null 2>&1

# --- bad input: one line on stderr, exit code, nothing left ----------------------------------
pool_before=$(ls -A "$POOL_DIR" | sort)
vols_before=$(virsh_ vol-list fvm | awk '{print $1}' | sort)

# fails DESC RC PATTERN ARGS...: fvm-golden import-image ARGS exits RC with one stderr line
# matching PATTERN and nothing on stdout.
fails() {
	local desc=$1 want=$2 pattern=$3 out err rc
	shift 3
	out=$(fvm-golden import-image "$@" 2>"$work/err")
	rc=$?
	err=$(cat "$work/err")
	if [ $rc -eq "$want" ] && [ -z "$out" ] && [ "$(wc -l <"$work/err")" -eq 1 ] &&
		grep -Eq "^fvm-golden: error: .*$pattern" <<<"$err"; then
		ok "$desc: $err"
	else
		not_ok "$desc" "exit $rc (want $want)" "stdout: $out" "stderr: $err"
	fi
}

fails "an invalid name is a usage error" 2 "invalid image name" 'bad/name' "$work/disk.img"
fails "a missing argument is a usage error" 2 "DISK must be given" onlyname
fails "an unknown firmware is a usage error" 2 "--firmware must be auto, bios or efi" --firmware uefi newname "$work/disk.img"
fails "an existing name is refused before any work" 1 "original 'itdeb' already exists" itdeb "$work/disk.img"
fails "a missing file" 1 "No such file or directory" newname "$work/nonexistent.img"
fails "a directory" 1 "not a disk image" newname "$work"
qemu-img create -q -f qcow2 -b "$work/disk.img" -F raw "$work/overlay.qcow2"
fails "an image with a backing file" 1 "has a backing file" newname "$work/overlay.qcow2"
qemu-img create -q -f vmdk "$work/disk.vmdk" 64M
fails "a vmdk image" 1 "is a vmdk image: fvm imports qcow2 or raw" newname "$work/disk.vmdk"
# qemu-img times the LUKS key derivation by the thread's CPU time, which on a loaded machine can
# read 0 ms ("Unable to get accurate CPU usage"): a few tries.
for try in 1 2 3 4 5; do
	qemu-img create -q -f qcow2 --object secret,id=sec0,data=fvmtest \
		-o encrypt.format=luks,encrypt.key-secret=sec0 "$work/enc.qcow2" 64M && break
	note "qemu-img create of the encrypted image failed (try $try)"
done
fails "an encrypted image" 1 "is encrypted" newname "$work/enc.qcow2"
head -c 16M /dev/urandom >"$work/random.img"
fails "random bytes (qemu-img calls it raw; no OS inside)" 1 "no operating system found" newname "$work/random.img"
qemu-img create -q -f qcow2 "$work/blank.qcow2" 1G
fails "a blank disk" 1 "no operating system found" newname "$work/blank.qcow2"

# Ctrl-C while the appliance inspects the image, and while qemu-img copies it into the store
# (the claimed volume has appeared).
for when in inspection copy; do
	fvm-golden import-image newname "$work/disk.img" >/dev/null 2>"$work/err" &
	pid=$!
	if [ $when = inspection ]; then
		sleep 5
	else
		for _ in $(seq 1200); do
			[ -e "$POOL_DIR/newname.original.qcow2" ] && break
			sleep 0.1
		done
	fi
	kill -INT $pid
	wait $pid
	rc=$?
	sleep 1
	if [ $rc -ne 0 ] && ! pgrep -f "$work/disk.img" >/dev/null; then
		ok "Ctrl-C during the $when ends the import (exit $rc): $(tail -n 1 "$work/err")"
	else
		not_ok "Ctrl-C during the $when" "exit $rc" "$(cat "$work/err")" "$(pgrep -af "$work/disk.img")"
	fi
done

check "no bad input left anything in the pool directory" test "$(ls -A "$POOL_DIR" | sort)" = "$pool_before"
check "nor a volume in libvirt" test "$(virsh_ vol-list fvm | awk '{print $1}' | sort)" = "$vols_before"
check "list --originals shows no newname" bash -c '! fvm-golden list --originals | grep -q newname'

finish
