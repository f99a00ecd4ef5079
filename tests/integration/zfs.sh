#!/bin/bash
# Integration: the zfs backend on real ZFS. This host's kernel cannot load ZFS, so the scenario
# runs inside a Debian 12 guest whose original carries the ZFS module, compiled by DKMS for the
# guest's kernel while images.sh built that original on the host (zfs-guest.sh), booted under
# TCG in this test's sandbox with a second disk for the pool; the fvm binaries just built are
# copied in. There: fvm-spawn setup makes the dataset (compression on); a tiny golden imported
# into a zvol (from its file, and through a bundle's disk map as it streams) and snapshotted;
# two clones as zfs clones (--no-start), one running; a write into one is invisible in the other;
# consolidate offline and live; SIGKILLed import, create and consolidates put right by gc; delete
# refused while clones use the golden; destroy waiting for a zvol held open a moment; names outside the dataset refused; `zfs list -t all`
# before and after. Where the guest cannot boot or ZFS cannot run in it, the test fails saying
# so: ZFS is never faked.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"
. "$here/lvm-guest.sh"
. "$here/zfs-guest.sh"

sandbox_up "fvmzf-$$"
note "sandbox: $FVM_CONNECT"
start=$SECONDS
if ! zfs_guest_up; then
	not_ok "a guest with real ZFS is up" "$ZFS_WHY"
	finish
	exit 1
fi
ok "a Debian 12 guest with real ZFS is up ($((SECONDS - start)) s), fvm copied in"

work=$SANDBOX_DIR/work
mkdir -p "$work"
check "a tiny golden bundle (64 MiB, 12 MiB of data) is made" lvm_tiny_bundle "$work"
want16=$(head -c 16M "$work/tiny.raw" | sha256sum | cut -c1-64)
want64=$(head -c 64M "$work/tiny.raw" | sha256sum | cut -c1-64)
check "the bundle goes into the guest" scp_ "$work/tiny.fvm" "root@$LVM_IP:/root/tiny.fvm"

D=fvmtank/fvm
Z="FVM_BACKEND=zfs FVM_DATASET=$D"
zlist() { gssh 'zfs list -t all -o name,type,used,refer,volsize,origin,compression,org.fvm:kind,org.fvm:state -r fvmtank' 2>&1; }
check "zpool create fvmtank on the guest's second disk" gssh 'zpool create -f fvmtank /dev/vdb && zpool list -H -o name fvmtank'
out=$(gssh "$Z fvm-spawn setup --check" 2>&1)
check "fvm-spawn setup --check with zfs says the dataset is missing ($out)" \
	grep -Eq "^ZFS dataset '$D' +missing" <<<"$out"
out=$(gssh "$Z fvm-spawn setup" 2>&1)
check "fvm-spawn setup creates it with compression on ($out)" \
	bash -c 'grep -Eq "^ZFS dataset .fvmtank/fvm. +created" <<<"$1"' _ "$out"
check "the dataset is a file system with compression=on" \
	gssh "test \"\$(zfs get -H -o value type,compression $D | paste -sd ' ')\" = 'filesystem on'"
out=$(gssh "FVM_BACKEND=zfs FVM_DATASET=fvmtank/../etc fvm-spawn list" 2>&1)
check "a dataset name that is no plain POOL/NAME is refused in one line ($out)" \
	bash -c '[ "$(grep -c . <<<"$1")" = 1 ] && grep -q "invalid ZFS dataset" <<<"$1"' _ "$out"

# --- goldens -----------------------------------------------------------------------------------
out=$(gssh "$Z fvm-golden import -v /root/tiny.fvm" 2>&1)
check "fvm-golden import with zfs makes tiny@1, its zvol written from its file ($out)" \
	bash -c 'grep -qx "tiny@1" <<<"$1" && grep -q "writing golden tiny@1 into fvmtank/fvm/golden-tiny-1 from" <<<"$1"' _ "$out"
check "the golden's zvol is read-only, complete, and snapshotted @golden" \
	gssh "test \"\$(zfs get -H -o value readonly,org.fvm:kind,org.fvm:state,org.fvm:golden $D/golden-tiny-1 | paste -sd ' ')\" = 'on golden complete tiny@1' && zfs list -H $D/golden-tiny-1@golden >/dev/null"
check "the snapshot holds the bundle's disk" \
	test "$(gssh "head -c 16M /dev/zvol/$D/golden-tiny-1 | sha256sum" | cut -c1-64)" = "$want16"
# A killed import leaves a zvol still org.fvm:state=partial; gc removes it.
out=$(gssh "$Z fvm-golden import --name killed /root/tiny.fvm >/dev/null 2>&1 & p=\$!
	for i in \$(seq 1200); do test -e /dev/zvol/$D/golden-killed-1 && break; sleep 0.05; done
	kill -9 \$p; wait \$p; zfs get -H -o value org.fvm:state $D/golden-killed-1; fvm-golden list --names" 2>&1)
check "an import killed mid-way leaves its zvol marked partial and no golden ($out)" \
	bash -c 'grep -qx "partial" <<<"$1" && ! grep -q "^killed@" <<<"$1"' _ "$out"
out=$(gssh "$Z fvm-spawn gc --dry-run" 2>&1)
check "fvm-spawn gc --dry-run finds that golden zvol ($out)" grep -q "golden zvol $D/golden-killed-1" <<<"$out"
out=$(gssh "$Z fvm-spawn gc --yes" 2>&1)
check "fvm-spawn gc --yes destroys it and keeps the registered golden's ($out)" \
	gssh "! zfs list $D/golden-killed-1 >/dev/null 2>&1 && zfs list $D/golden-tiny-1 >/dev/null"
check "fvm-golden export tiny@1 writes a bundle with a disk map" gssh "$Z fvm-golden export tiny@1 -o /root/tiny-map.fvm"
out=$(gssh "$Z fvm-golden import -v --name streamed /root/tiny-map.fvm" 2>&1)
check "importing it writes the zvol as the bundle streams ($out)" \
	bash -c 'grep -qx "streamed@1" <<<"$1" && grep -q "writing golden streamed@1 into fvmtank/fvm/golden-streamed-1 as the bundle streams" <<<"$1"' _ "$out"
check "that zvol holds the whole 64 MiB disk and is snapshotted" \
	gssh "test \"\$(head -c 64M /dev/zvol/$D/golden-streamed-1 | sha256sum | cut -c1-64)\" = $want64 && zfs list $D/golden-streamed-1@golden >/dev/null"
check "fvm-golden delete streamed@1 destroys its zvol and snapshot" \
	gssh "$Z fvm-golden delete streamed@1 </dev/null >/dev/null && ! zfs list $D/golden-streamed-1 >/dev/null 2>&1"

note "zfs list -t all before the clones:" "$(zlist)"
# --- clones ------------------------------------------------------------------------------------
start=$SECONDS
out=$(gssh "$Z fvm-spawn create tiny z --count 2 --no-start" 2>&1)
check "fvm-spawn create --count 2 --no-start with zfs ($((SECONDS - start)) s)" \
	gssh 'virsh -q list --all --name | sort | tr "\n" " " | grep -qx "z-1 z-2 "'
note "$out"
check "each clone is a zfs clone of tiny@1's snapshot, marked org.fvm:kind=clone" \
	gssh "for i in 1 2; do test \"\$(zfs get -H -o value origin,org.fvm:kind $D/clone-z-\$i | paste -sd ' ')\" = '$D/golden-tiny-1@golden clone' || exit 1; done"
check "the domain has a block disk on the clone's zvol" \
	gssh "virsh dumpxml z-1 | grep -q \"<source dev='/dev/zvol/$D/clone-z-1'/>\" && virsh dumpxml z-1 | grep -q \"<disk type='block'\""
sums() { gssh "for v in golden-tiny-1 clone-z-1 clone-z-2; do head -c 16M /dev/zvol/$D/\$v | sha256sum | cut -c1-64; done" | tr '\n' ' '; }
check "golden and clones read the same 16 MiB" test "$(sums)" = "$want16 $want16 $want16 "
check "writing 4 MiB into z-1's disk" gssh "dd if=/dev/urandom of=/dev/zvol/$D/clone-z-1 bs=1M count=4 seek=2 oflag=direct conv=fsync status=none"
read -r g1 c1 c2 <<<"$(sums)"
check "after the write: the golden and z-2 are unchanged, z-1 differs" \
	test "$g1 $c2" = "$want16 $want16" -a "$c1" != "$want16"
out=$(gssh "$Z fvm-golden delete tiny@1 </dev/null; echo rc=\$?" 2>&1)
check "fvm-golden delete tiny@1 is refused while clones use it, in fvm's words ($out)" \
	bash -c 'grep -q "is in use by 2 clones: z-1, z-2" <<<"$1" && grep -qx "rc=1" <<<"$1"' _ "$out"
check "(zfs would refuse too: the snapshot has dependent clones)" \
	gssh "zfs destroy $D/golden-tiny-1@golden 2>&1 | grep -q 'dependent clones'"

# Live: qemu runs z-1 (its tiny disk holds no OS: the firmware idles, the block copy is qemu's).
check "z-1 is started" gssh 'virsh -q start z-1 && test "$(virsh domstate z-1)" = running'
pid=$(gssh 'pgrep -f "[g]uest=z-1,"')
out=$(gssh "$Z fvm-consolidate --live z-1 </dev/null" 2>&1)
check "fvm-consolidate --live z-1 (block copy into a new zvol, pivot) leaves no origin ($out)" \
	gssh "test \"\$(zfs get -H -o value origin,org.fvm:state $D/clone-z-1 | paste -sd ' ')\" = '- complete'"
check "z-1 ran on in the same qemu process ($pid)" \
	test -n "$pid" -a "$(gssh 'pgrep -f "[g]uest=z-1,"; virsh domstate z-1')" = "$pid
running"
check "z-1's data (with the write) is unchanged by the live copy" \
	test "$(gssh "head -c 16M /dev/zvol/$D/clone-z-1 | sha256sum" | cut -c1-64)" = "$c1"
check "the old zvol is gone" gssh "! zfs list $D/clone-z-1:old >/dev/null 2>&1"
out=$(gssh "$Z fvm-consolidate z-2" 2>&1)
check "fvm-consolidate z-2 (offline: full copy into a new zvol, renames) leaves no origin ($out)" \
	gssh "test \"\$(zfs get -H -o value origin $D/clone-z-2)\" = -"
check "z-2's data survived the consolidation" \
	test "$(gssh "head -c 16M /dev/zvol/$D/clone-z-2 | sha256sum" | cut -c1-64)" = "$want16"

# Killed consolidates (live once the zvol is renamed aside; offline once the copy exists): gc
# puts the clone right.
check "clone zk is made and started" gssh "$Z fvm-spawn create tiny zk --no-start >/dev/null && virsh -q start zk"
zk_sum=$(gssh "head -c 16M /dev/zvol/$D/clone-zk | sha256sum" | cut -c1-64)
kill_when() {
	gssh "$Z $2 </dev/null >/root/killed.out 2>&1 & p=\$!
	for i in \$(seq 1200); do $1 && break; sleep 0.05; done
	kill -9 \$p; wait \$p; cat /root/killed.out; zfs list -H -o name,origin,org.fvm:state -r $D | grep clone-"
}
zk_ok() {
	gssh "test \"\$(head -c 16M /dev/zvol/$D/clone-zk | sha256sum | cut -c1-64)\" = $zk_sum &&
		! zfs list -H -o name -r $D | grep -E 'clone-zk:(old|flat)' &&
		test \"\$(zfs get -H -o value org.fvm:state $D/clone-zk)\" = complete &&
		test \"\$(virsh domstate zk)\" = '$1' &&
		{ test '$1' != running || virsh blockjob zk vda 2>&1 | grep -q 'No current block job'; }"
}
left=$(kill_when "zfs list $D/clone-zk:old >/dev/null 2>&1" 'fvm-consolidate --live zk')
note "a live consolidate killed once zk's zvol was renamed aside left:" "$left"
out=$(gssh "$Z fvm-spawn gc --yes" 2>&1)
check "gc puts it right: zk's zvol back (or the copy complete), the guest runs on ($out)" zk_ok running
check "zk is stopped" gssh 'virsh -q destroy zk'
left=$(kill_when "zfs list $D/clone-zk:flat >/dev/null 2>&1" 'fvm-consolidate zk')
note "an offline consolidate killed once its copy existed left:" "$left"
out=$(gssh "$Z fvm-spawn gc --yes" 2>&1)
check "gc removes the unfinished copy and zk is intact ($out)" zk_ok 'shut off'

out=$(gssh "$Z fvm-spawn resize zk 128M" 2>&1)
check "fvm-spawn resize zk 128M sets its volsize ($out)" \
	test "$(gssh "zfs get -H -p -o value volsize $D/clone-zk")" = $((128 << 20))
out=$(gssh "$Z fvm-spawn info zk" 2>&1)
check "fvm-spawn info shows the zfs backend and the dataset's usage" \
	grep -Eq "^ZFS dataset: +$D: used .*, available " <<<"$out"
check "and the clone's own space (zfs used and referenced)" \
	grep -Eq "^Disk usage: +used .*, referenced .* \($D/clone-zk\)" <<<"$out"
note "$out"
out=$(gssh "$Z fvm-spawn list" 2>&1)
check "fvm-spawn list shows the dataset's usage" grep -Eq "^ZFS dataset $D: used" <<<"$out"
note "$out"

# A create SIGKILLed as soon as its zvol exists (before its domain is defined, or just after):
# after gc the clone is whole (domain and zvol) or gone (neither), never one without the other,
# and the name can be made again.
left=$(kill_when "zfs list $D/clone-zc >/dev/null 2>&1" 'fvm-spawn create tiny zc --no-start')
note "a create killed once its zvol existed left:" "$left"
out=$(gssh "$Z fvm-spawn gc --yes" 2>&1)
zc=$(gssh "zfs list $D/clone-zc >/dev/null 2>&1 && echo zvol; virsh dominfo zc >/dev/null 2>&1 && echo domain" | paste -sd ' ')
check "after gc, the killed create's clone zc is whole or gone (${zc:-neither}; gc: $out)" \
	test "$zc" = "zvol domain" -o -z "$zc"
check "zc can be made again (destroyed first if it was whole)" \
	gssh "$Z fvm-spawn destroy --yes zc >/dev/null 2>&1; $Z fvm-spawn create tiny zc --no-start >/dev/null && $Z fvm-spawn destroy --yes zc >/dev/null && ! zfs list $D/clone-zc >/dev/null 2>&1"

# gc after a killed create: a clone zvol with no domain; and volumes fvm did not make.
check "an orphan clone zvol (no domain) and an unmarked one are made by hand" \
	gssh "zfs clone -o org.fvm:kind=clone $D/golden-tiny-1@golden $D/clone-orphan && zfs clone $D/golden-tiny-1@golden $D/clone-notours"
sleep 1
out=$(gssh "$Z fvm-spawn gc --yes" 2>&1)
check "fvm-spawn gc destroys the orphan and leaves the unmarked zvol ($out)" \
	gssh "! zfs list $D/clone-orphan >/dev/null 2>&1 && zfs list $D/clone-notours >/dev/null"
out=$(gssh "$Z fvm-spawn destroy --yes notours" 2>&1)
check "destroy refuses a zvol fvm did not mark ($out)" grep -q "is not fvm's" <<<"$out"
gssh "zfs destroy $D/clone-notours" >/dev/null 2>&1
note "zfs list -t all with the clones:" "$(zlist)"

# A zvol still open when destroy runs (udev's probe holds one its last user just closed, for a
# moment) is waited for; one held open longer is refused in one line, and a second destroy once
# it is closed finishes the job.
check "clones zh and zheld are made (--no-start)" \
	gssh "$Z fvm-spawn create tiny zh --no-start >/dev/null && $Z fvm-spawn create tiny zheld --no-start >/dev/null"
out=$(gssh "exec 3</dev/zvol/$D/clone-zh; sleep 2 & exec 3<&-; $Z fvm-spawn destroy --yes zh 2>&1; echo rc=\$?" 2>&1)
check "destroy waits for a zvol held open for 2 s ($out)" grep -qx rc=0 <<<"$out"
check "and destroys it" gssh "! zfs list $D/clone-zh >/dev/null 2>&1"
out=$(gssh "exec 3</dev/zvol/$D/clone-zheld; sleep 60 & s=\$!; exec 3<&-
	$Z fvm-spawn destroy --yes zheld >/root/held.out 2>&1; echo rc=\$? >>/root/held.out
	{ kill \$s; wait \$s; } 2>/dev/null; cat /root/held.out" 2>&1)
check "a zvol held open longer is refused in one line ($out)" \
	bash -c '[ "$(grep -c . <<<"$1")" = 2 ] && grep -q "dataset is busy" <<<"$1" && grep -qx rc=1 <<<"$1"' _ "$out"
check "and kept" gssh "zfs list $D/clone-zheld >/dev/null"
check "a second destroy once it is closed removes it" \
	gssh "$Z fvm-spawn destroy --yes zheld >/dev/null 2>&1; ! zfs list $D/clone-zheld >/dev/null 2>&1"
check "fvm-spawn destroy --yes z-1 z-2 zk" gssh "$Z fvm-spawn destroy --yes z-1 z-2 zk"
check "the clones' zvols are gone" gssh "! zfs list -H -o name -r $D | grep -q clone-"
check "fvm-golden delete tiny@1 now destroys its zvol and snapshot" \
	gssh "$Z fvm-golden delete tiny@1 </dev/null >/dev/null && ! zfs list $D/golden-tiny-1 >/dev/null 2>&1"
out=$(gssh "$Z fvm-spawn gc --yes" 2>&1)
check "fvm-spawn gc with zfs finds nothing more ($out)" gssh '! virsh -q list --all --name | grep -q .'
note "zfs list -t all after:" "$(zlist)"
check "nothing of fvm is left in the dataset" gssh "test \"\$(zfs list -H -o name -t all -r $D)\" = $D"

finish
