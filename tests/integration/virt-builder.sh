#!/bin/bash
# Integration: goldens exported as a virt-builder repository, read by the real virt-builder
# (guestfs-tools) on this host: it lists the templates and builds a disk from one, which
# inspects as the same OS. A private libvirtd (sandbox), a real libguestfs appliance.
#   golden → export --format virt-builder → index checks → virt-builder --list → virt-builder
#   build (bigger disk: the expand partition grows) → inspection; a second golden added to the
#   same repository keeps the first; bad input leaves nothing half-made.
#
# virt-builder also reads the repositories configured in /etc/virt-builder/repos.d (remote
# ones): VIRT_BUILDER_DIRS and XDG_CONFIG_HOME point it at an empty directory, and it runs in a
# network namespace of its own with no interface, so it can reach nothing but the files here.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmit-vb-$$"
note "sandbox: $FVM_CONNECT"
work=$(mktemp -d /var/tmp/fvm-it-vb-XXXXXX)
trap 'chattr -i "$work/ro" 2>/dev/null; rm -rf "$work"; sandbox_down' EXIT
mkdir -p "$work/noconf/xdg" "$work/cache"
repo=$work/repo

vb() {
	VIRT_BUILDER_DIRS=$work/noconf XDG_CONFIG_HOME=$work/noconf/xdg XDG_CACHE_HOME=$work/cache \
		unshare -n virt-builder --source "file://$repo/index" --no-check-signature "$@" </dev/null
}

original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb of debian12 is in the store ($BUILT_BY)"
out=$(fvm-golden create itdeb vbgold 2>&1)
[ "$out" = vbgold@1 ] || bail "fvm-golden create: $out"
note "setup: golden vbgold@1 made"

# --- export -----------------------------------------------------------------------------------
start=$SECONDS
if out=$(fvm-golden export --format virt-builder -o "$repo" vbgold@1 2>&1); then
	ok "export --format virt-builder -o DIR vbgold@1 ($((SECONDS - start)) s)"
else
	not_ok "export --format virt-builder -o DIR vbgold@1" "$out"
fi
tmpl=$repo/vbgold-1.qcow2.xz
note "$(ls -l "$repo")" "$(cat "$repo/index")"
field() { awk -v id="[$1]" -v k="$2" '$0 == id {on = 1; next} /^\[/ {on = 0} on && index($0, k "=") == 1 {print substr($0, length(k) + 2)}' "$repo/index"; }
check "the template is an xz stream (xz -t)" xz -t "$tmpl"
blocks=$(xz --robot -l "$tmpl" | awk -F'\t' '$1 == "totals" {print $3}')
check "it has several xz blocks (libarchive's xz:threads=2 used the threaded encoder): $blocks" test "$blocks" -gt 1
check "the index's sha512 is the template's" test "$(field vbgold-1 'checksum[sha512]')" = "$(sha512sum <"$tmpl" | cut -d' ' -f1)"
check "compressed_size, size, format, osinfo, arch, expand" bash -c '
	[ "$1" = "$(stat -c %s "$2")" ] && [ "$3" = 4294967296 ] && [ "$4" = qcow2 ] &&
	[ "$5" = debian12 ] && [ "$6" = x86_64 ] && [ "$7" = /dev/sda1 ]' _ \
	"$(field vbgold-1 compressed_size)" "$tmpl" "$(field vbgold-1 size)" "$(field vbgold-1 format)" \
	"$(field vbgold-1 osinfo)" "$(field vbgold-1 arch)" "$(field vbgold-1 expand)"
check "virt-index-validate accepts the index" virt-index-validate "$repo/index"
check "the template decompresses to the golden itself" \
	bash -c 'cmp <(xz -dc "$1") "$2"' _ "$tmpl" "$POOL_DIR/vbgold@1.qcow2"

# --- the real virt-builder ---------------------------------------------------------------------
out=$(vb --list 2>&1)
check "virt-builder --list shows it" grep -Eq '^vbgold-1 +x86_64 +Debian 12 \(fvm golden vbgold@1\)' <<<"$out"
note "$out"
start=$SECONDS
out=$(vb vbgold-1 --no-cache --no-network --size 5G -o "$work/out.qcow2" --format qcow2 \
	--root-password disabled --hostname vbtest 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
	ok "virt-builder builds a 5G qcow2 from it ($((SECONDS - start)) s)"
else
	not_ok "virt-builder builds from it" "exit $rc" "$out"
fi
note "$(tail -n 8 <<<"$out")"
inside=$(guestfish --ro --format=qcow2 -a "$work/out.qcow2" -i <<'GF' 2>&1
inspect-get-osinfo /dev/sda1
cat /etc/hostname
blockdev-getsize64 /dev/sda1
GF
)
note "$inside"
check "the built disk inspects as Debian 12 with the hostname virt-builder set" \
	bash -c 'x=($1); [ "${x[0]}" = debian12 ] && [ "${x[1]}" = vbtest ]' _ "$inside"
check "virt-resize grew the root partition (expand=/dev/sda1) past 4 GiB" \
	bash -c 'x=($1); [ "${x[2]}" -gt 4294967296 ]' _ "$inside"
rm -f "$work/out.qcow2"

# --- adding a golden keeps the others ----------------------------------------------------------
out=$(fvm-golden create itdeb vbgold 2>&1)
[ "$out" = vbgold@2 ] || bail "fvm-golden create (second version): $out"
sum1=$(field vbgold-1 'checksum[sha512]')
start=$SECONDS
check "export vbgold@2 into the same repository" fvm-golden export --format virt-builder -o "$repo" vbgold@2
note "$((SECONDS - start)) s"
out=$(vb --list 2>&1)
check "virt-builder lists both versions" \
	bash -c 'grep -q "^vbgold-1 " <<<"$1" && grep -q "^vbgold-2 " <<<"$1"' _ "$out"
check "the first entry is as it was" test "$(field vbgold-1 'checksum[sha512]')" = "$sum1"
check "virt-index-validate accepts the index" virt-index-validate "$repo/index"

# --- bad input --------------------------------------------------------------------------------
state() { (cd "$1" 2>/dev/null && ls -A && sha256sum index) | sort; }
before=$(state "$repo")
fails() {
	local desc=$1 want=$2 pattern=$3 out err rc
	shift 3
	out=$(fvm-golden export "$@" 2>"$work/err")
	rc=$?
	err=$(cat "$work/err")
	if [ $rc -eq "$want" ] && [ "$(wc -l <"$work/err")" -eq 1 ] &&
		grep -Eq "^fvm-golden: error: .*$pattern" <<<"$err"; then
		ok "$desc: $err"
	else
		not_ok "$desc" "exit $rc (want $want)" "stdout: $out" "stderr: $err"
	fi
}
fails "a golden that does not exist" 1 "golden 'nosuch@1' not found" --format virt-builder -o "$repo" nosuch@1
fails "one missing golden among good ones" 1 "golden 'vbgold@9' not found" --format virt-builder -o "$repo" vbgold@1 vbgold@9
fails "a new DIR and a missing golden" 1 "not found" --format virt-builder -o "$work/newrepo" nosuch@1
check "the new DIR was not made" test ! -e "$work/newrepo"
: >"$work/afile"
fails "DIR is a file" 1 "is not a directory" --format virt-builder -o "$work/afile" vbgold@1
# An immutable directory refuses even root.
mkdir "$work/ro" && chattr +i "$work/ro"
fails "DIR cannot be written (immutable)" 1 "cannot write to $work/ro: Operation not permitted" --format virt-builder -o "$work/ro" vbgold@1
chattr -i "$work/ro"
check "nothing was left in it" test -z "$(ls -A "$work/ro")"
fails "DIR on a file system that takes no files (/proc)" 1 "cannot write to /proc" --format virt-builder -o /proc vbgold@1
fails "DIR's parent does not exist" 1 "No such file or directory" --format virt-builder -o "$work/no/such/dir" vbgold@1
fails "no golden given" 2 "" --format virt-builder -o "$repo"

# Ctrl-C while the template is being compressed.
fvm-golden export --format virt-builder -o "$repo" vbgold@1 >/dev/null 2>"$work/err" &
pid=$!
for _ in $(seq 1800); do
	compgen -G "$repo/vbgold-1.qcow2.xz.tmp-*" >/dev/null && break
	sleep 0.1
done
sleep 2
kill -INT $pid
wait $pid
rc=$?
if [ $rc -ne 0 ]; then
	ok "Ctrl-C during compression ends the export (exit $rc): $(tail -n 1 "$work/err")"
else
	not_ok "Ctrl-C during compression" "exit $rc"
fi
check "the repository is as it was: no temporary file, the same index" test "$(state "$repo")" = "$before"
out=$(vb --list 2>&1)
check "virt-builder still lists both" bash -c 'grep -q "^vbgold-1 " <<<"$1" && grep -q "^vbgold-2 " <<<"$1"' _ "$out"

finish
