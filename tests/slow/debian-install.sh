#!/bin/bash
# Slow suite (not in CI; about an hour under TCG): a whole Debian 13 install through the real
# debian-installer with fvm-build --method install, served by the fixture tests/di-mirror.py
# (lib.sh: di_mirror_up): the host's mirror, with the installer's index pinned to what its pool
# has and the netboot build whose kernel's modules it has. The installer runs under the host's
# libvirtd with user-mode networking, its only traffic the fixture's on loopback; the original
# it makes then goes into a private sandbox, where fvm-golden create accepts it and a clone of
# it boots to SSH and says it is Debian 13.
#   flock /tmp/fvm-long.lock nice -n 10 meson test -C build --suite slow --timeout-multiplier 4
here=$(dirname "$(readlink -f "$0")")
. "$here/../integration/lib.sh"

host_uri=qemu:///system
virsh -q -c "$host_uri" version >/dev/null 2>&1 || bail "the host's libvirtd is not running (virtlogd -d; libvirtd -d)"
work=$(mktemp -d /var/tmp/fvm-slow-XXXXXX)
chmod 0755 "$work"
pool=fvmslow$$
cleanup() {
	virsh -q -c "$host_uri" pool-destroy "$pool" >/dev/null 2>&1
	rm -rf "$work"
	di_mirror_down
	sandbox_down
}
trap cleanup EXIT
virsh -q -c "$host_uri" pool-create-as "$pool" dir --target "$work" >/dev/null || bail "cannot make a pool"
di_mirror_up host || bail "the installer mirror fixture did not start"
note "fixture: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["netboot"])' "$DI_STATE/report.json")"

start=$SECONDS
FVM_CONNECT=$host_uri FVM_POOL=$pool fvm-build --method install --ssh-key "$KEY.pub" \
	--location "$DI_TREE" --mirror "$DI_MIRROR" \
	--console-log "$work/console.log" debian13 slowdeb >"$work/build.out" 2>&1
rc=$?
minutes=$(((SECONDS - start) / 60))
if [ $rc -eq 0 ]; then
	ok "fvm-build --method install debian13 finished in $minutes min ($((SECONDS - start)) s)"
else
	not_ok "fvm-build --method install debian13 ($minutes min)" "$(cat "$work/build.out")" \
		"$(tail -c 3000 "$work/console.log" 2>/dev/null | tr -cd '[:print:]\n' | tail -n 20)"
	note "fetched through the fixture: $(di_mirror_stats | tr '\n' ';')"
	bail "no original"
fi
note "fetched through the fixture (count, suite, source, status): $(di_mirror_stats | tr '\n' ';')"
check "the installer printed the preseed's marker, then powered off" \
	grep -aq "FVM-PRESEED-LOADED" "$work/console.log"
size=$(stat -c %s "$work/slowdeb.original.qcow2")
note "original: $((size / 1048576)) MiB on disk, $(qemu-img info "$work/slowdeb.original.qcow2" | sed -n 's/^virtual size: //p')"
check "its build record says install, preseed, tree" python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))["build"]
assert b["method"] == "install" and b["format"] == "preseed" and b["media"] == "tree", b' \
	"$work/slowdeb.original.json"

sandbox_up "fvmslow-$$"
trap cleanup EXIT # sandbox_up set its own
cp --sparse=always "$work"/slowdeb.original.{qcow2,json,log} "$POOL_DIR/"
virsh_ pool-refresh fvm >/dev/null
golden=$(fvm-golden create slowdeb 2>&1)
check "fvm-golden create accepts the installed original" test "$golden" = "slowdeb@1"
note "golden: $golden"
ip=$(fvm-spawn create slowdeb@1 slow1 --wait ssh 2>&1)
check "a clone of it boots to SSH" grep -Eq '^[0-9.]+$' <<<"$ip"
version=$(ssh_ "$ip" cat /etc/debian_version 2>&1)
check "and it is Debian 13 (/etc/debian_version: $version)" grep -Eq '^13(\.|$)' <<<"$version"
note "$(ssh_ "$ip" uname -a 2>&1)"
check "fvm-spawn destroy" fvm-spawn destroy --yes slow1
finish
