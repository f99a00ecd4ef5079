#!/bin/bash
# Integration: the thinlv backend on real LVM. This host's kernel has no device-mapper, so the
# scenario runs inside a Debian 12 guest built by fvm-build (lvm2, thin-provisioning-tools,
# libvirtd, fvm's runtime libraries; ZFS too: the zfs test's original), booted under TCG in this test's sandbox with a second disk
# for the volume group; the fvm binaries just built are copied in (same Debian release, same
# libraries). There: a thin pool, a tiny golden imported into a read-only thin LV, 3 clones as
# thin snapshots (--no-start), a write into one clone leaves the golden and the others untouched,
# consolidate (offline, and live by block copy on a running domain), resize, destroy all; lvs
# before and after. Where the guest cannot boot or LVM
# cannot run in it, the test fails saying so: LVM is never faked.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"
. "$here/lvm-guest.sh"

sandbox_up "fvmtl-$$"
note "sandbox: $FVM_CONNECT"
start=$SECONDS
if ! lvm_guest_up; then
	not_ok "a guest with real LVM is up" "$LVM_WHY"
	finish
	exit 1
fi
ok "a Debian 12 guest with real LVM is up ($((SECONDS - start)) s), fvm copied in"

# --- a tiny golden as a bundle (made here; importing it is what is tested) -------------------
work=$SANDBOX_DIR/work
mkdir -p "$work"
check "a tiny golden bundle (64 MiB, 12 MiB of data) is made" lvm_tiny_bundle "$work"
want16=$(head -c 16M "$work/tiny.raw" | sha256sum | cut -c1-64)
check "the bundle goes into the guest" scp_ "$work/tiny.fvm" "root@$LVM_IP:/root/tiny.fvm"
want64=$(head -c 64M "$work/tiny.raw" | sha256sum | cut -c1-64)
badmap_to_guest() { lvm_bad_map_bundle "$work" && scp_ "$work/tiny-badmap.fvm" "root@$LVM_IP:/root/tiny-badmap.fvm"; }
check "a copy of it with a wrong disk map is made and goes into the guest" badmap_to_guest

# --- in the guest ------------------------------------------------------------------------------
TL="FVM_BACKEND=thinlv FVM_VG=fvmvg FVM_THINPOOL=pool"
check "pvcreate and vgcreate on the guest's second disk" \
	gssh 'pvcreate -q /dev/vdb && vgcreate -q fvmvg /dev/vdb && vgs fvmvg'
out=$(gssh "$TL fvm-spawn setup </dev/null" 2>&1)
check "fvm-spawn setup with thinlv and no pool says it is missing and how to make it ($out)" \
	grep -q "thin pool 'fvmvg/pool' does not exist (give --thin-pool-size SIZE" <<<"$out"
out=$(gssh "$TL fvm-spawn setup --thin-pool-size 3G </dev/null" 2>&1)
check "without a terminal and without --yes it refuses to make the pool ($out)" \
	bash -c 'grep -q "was not created (answer yes on a terminal, or give --yes)" <<<"$1" && ! lvs fvmvg/pool' _ "$out"
out=$(gssh "$TL fvm-spawn setup --thin-pool-size 3G --yes" 2>&1)
check "fvm-spawn setup --thin-pool-size 3G --yes makes the pool and the guest's libvirt pool and network ($out)" \
	bash -c 'grep -Eq "^thin pool .fvmvg/pool. +created +3.0" <<<"$1"' _ "$out"
check "the pool is a 3 GiB thin pool tagged @fvm" \
	gssh 'lvs --noheadings --units b --nosuffix -o lv_attr,lv_size,lv_tags fvmvg/pool | grep -Eq "^ *t[^ ]* +3221225472 +fvm *\$"'
out=$(gssh "$TL fvm-spawn setup --check" 2>&1)
check "setup --check then reports the pool ok with its usage ($out)" \
	grep -Eq "^thin pool .fvmvg/pool. +ok +data [0-9.]+ %, metadata [0-9.]+ %" <<<"$out"
# (GNU tar made this bundle: it has no disk map, so the LV is written from the imported file)
out=$(gssh "$TL fvm-golden import -v /root/tiny.fvm" 2>&1)
check "fvm-golden import with FVM_BACKEND=thinlv makes tiny@1, its LV written from its file (output: $out)" \
	bash -c 'grep -qx "tiny@1" <<<"$1" && grep -q "writing golden tiny@1 into fvmvg/fvm-golden-tiny-1 from /var/lib/fvm/images/tiny@1.qcow2" <<<"$1"' _ "$out"
check "the golden is a read-only thin LV tagged @fvm @fvm-golden-tiny @fvm-version-1 (no @fvm-writing once registered)" \
	gssh 'lvs --noheadings -o lv_attr,lv_tags fvmvg/fvm-golden-tiny-1 | grep -E "^ *Vri.* fvm,fvm-golden-tiny,fvm-version-1 *\$"'
check "fvm-golden info shows the golden's thin LV" gssh 'fvm-golden info tiny@1 | grep -q "^Thin LV: *fvmvg/fvm-golden-tiny-1"'
check "the manifest records the LV" gssh 'grep -q "\"lv\" : \"fvmvg/fvm-golden-tiny-1\"" /var/lib/fvm/images/tiny@1.json'
check "the golden LV holds the bundle's disk" \
	test "$(gssh 'head -c 16M /dev/fvmvg/fvm-golden-tiny-1 | sha256sum' | cut -c1-64)" = "$want16"

# An import killed with SIGKILL once its golden LV exists (the device node is there at once;
# the copy into it and the registration take seconds here) leaves the LV, still @fvm-writing.
out=$(gssh "$TL fvm-golden import --name killed /root/tiny.fvm >/dev/null 2>&1 & p=\$!
	for i in \$(seq 1200); do test -e /dev/fvmvg/fvm-golden-killed-1 && break; sleep 0.05; done
	kill -9 \$p; wait \$p; lvs --noheadings -o lv_tags fvmvg/fvm-golden-killed-1; fvm-golden list --names" 2>&1)
check "an import killed mid-way leaves its golden LV tagged @fvm-writing and no golden ($out)" \
	bash -c 'grep -q "fvm-writing" <<<"$1" && ! grep -q "^killed@" <<<"$1"' _ "$out"
out=$(gssh "$TL fvm-spawn gc --dry-run" 2>&1)
check "fvm-spawn gc --dry-run finds that golden LV ($out)" \
	grep -q "would remove golden LV fvmvg/fvm-golden-killed-1 (its golden was never registered)" <<<"$out"
out=$(gssh "$TL fvm-spawn gc --yes" 2>&1)
check "fvm-spawn gc --yes removes it and leaves the registered golden's LV ($out)" \
	gssh '! lvs fvmvg/fvm-golden-killed-1 >/dev/null 2>&1 && lvs fvmvg/fvm-golden-tiny-1 >/dev/null'

# fvm-golden export's bundles carry the disk's map: the import writes the golden's LV through it
# as the bundle streams, in the same pass as the file.
check "fvm-golden export tiny@1 (in the guest) writes a bundle" \
	gssh "$TL fvm-golden export tiny@1 -o /root/tiny-map.fvm"
out=$(gssh "$TL fvm-golden import -v --name streamed /root/tiny-map.fvm" 2>&1)
check "importing it writes the LV as the bundle streams ($out)" \
	bash -c 'grep -qx "streamed@1" <<<"$1" && grep -q "writing golden streamed@1 into fvmvg/fvm-golden-streamed-1 as the bundle streams" <<<"$1"' _ "$out"
check "that LV is read-only, registered, and holds the whole 64 MiB disk" \
	gssh "lvs --noheadings -o lv_attr,lv_tags fvmvg/fvm-golden-streamed-1 | grep -Eq '^ *Vri.* fvm,fvm-golden-streamed,fvm-version-1 *\$' &&
		test \"\$(head -c 64M /dev/fvmvg/fvm-golden-streamed-1 | sha256sum | cut -c1-64)\" = $want64"
out=$(gssh "$TL fvm-golden import --name badmap /root/tiny-badmap.fvm </dev/null; echo rc=\$?" 2>&1)
check "a bundle whose disk map disagrees with its disk is refused in one line, exit 1 ($out)" \
	bash -c '[ "$(grep -c . <<<"$1")" = 2 ] && grep -q "^fvm-golden: error: invalid bundle: its disk map does not match its disk" <<<"$1" && grep -qx "rc=1" <<<"$1"' _ "$out"
check "and leaves no LV, no golden and no file of it" \
	gssh '! lvs fvmvg/fvm-golden-badmap-1 >/dev/null 2>&1 && ! ls -a /var/lib/fvm/images | grep -q badmap && ! fvm-golden list --names | grep -q badmap'
check "fvm-golden delete streamed@1 removes its LV" \
	gssh "$TL fvm-golden delete streamed@1 </dev/null >/dev/null && ! lvs fvmvg/fvm-golden-streamed-1 >/dev/null 2>&1"

note "lvs before the clones:" "$(gssh 'lvs -a -o lv_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,lv_tags fvmvg' 2>&1)"
start=$SECONDS
out=$(gssh "$TL fvm-spawn create tiny t --count 3 --no-start" 2>&1)
check "fvm-spawn create --count 3 --no-start with thinlv ($((SECONDS - start)) s)" \
	gssh 'virsh -q list --all --name | sort | tr "\n" " " | grep -qx "t-1 t-2 t-3 "'
note "$out"
check "each clone is a thin snapshot of the golden, active, tagged @fvm-clone" \
	gssh 'for i in 1 2 3; do lvs --noheadings -o lv_attr,origin,lv_tags fvmvg/fvm-clone-t-$i | grep -Eq "^ *Vwi-a.* fvm-golden-tiny-1 +fvm,fvm-clone" || exit 1; done'
check "the domain has a block disk on the clone's LV" \
	gssh "virsh dumpxml t-1 | grep -q \"<source dev='/dev/fvmvg/fvm-clone-t-1'/>\" && virsh dumpxml t-1 | grep -q \"<disk type='block'\""
sums() { gssh 'for lv in fvm-golden-tiny-1 fvm-clone-t-1 fvm-clone-t-2 fvm-clone-t-3; do head -c 16M /dev/fvmvg/$lv | sha256sum | cut -c1-64; done' | tr '\n' ' '; }
before=$(sums)
check "golden and clones read the same 16 MiB" test "$before" = "$want16 $want16 $want16 $want16 "
check "writing 4 MiB into t-1's disk" gssh 'dd if=/dev/urandom of=/dev/fvmvg/fvm-clone-t-1 bs=1M count=4 seek=2 oflag=direct conv=fsync status=none'
after=$(sums)
read -r g1 c1 c2 c3 <<<"$after"
check "after the write: the golden and t-2, t-3 are unchanged, t-1 differs" \
	test "$g1 $c2 $c3" = "$want16 $want16 $want16" -a "$c1" != "$want16"

# Live: qemu runs t-1 (its tiny disk holds no OS, so the firmware idles: the block copy is
# qemu's block layer and does not need a booted guest).
check "t-1 is started" gssh 'virsh -q start t-1 && test "$(virsh domstate t-1)" = running'
# ([g] so that pgrep does not find the shell running it)
pid=$(gssh 'pgrep -f "[g]uest=t-1,"')
out=$(gssh "$TL fvm-consolidate --live t-1 </dev/null" 2>&1)
check "fvm-consolidate --live t-1 (block copy into a new thin LV, pivot) leaves no origin ($out)" \
	gssh 'lvs --noheadings -o origin,lv_tags fvmvg/fvm-clone-t-1 | grep -Eq "^ +fvm,fvm-clone"'
check "t-1 ran on in the same qemu process ($pid)" \
	test -n "$pid" -a "$(gssh 'pgrep -f "[g]uest=t-1,"; virsh domstate t-1')" = "$pid
running"
check "t-1's data (with the write) is unchanged by the live copy" \
	test "$(gssh 'head -c 16M /dev/fvmvg/fvm-clone-t-1 | sha256sum' | cut -c1-64)" = "$c1"
check "the old LV is gone, so qemu let go of it" gssh '! lvs fvmvg/fvm-clone-t-1-old >/dev/null 2>&1'
check "fvm-spawn info records the consolidation" gssh "$TL fvm-spawn info t-1 | grep -q '^Consolidated:'"
check "t-1 starts again on its new LV" gssh 'virsh -q destroy t-1 && virsh -q start t-1 && virsh -q destroy t-1'
# A consolidate killed with SIGKILL half-way, live (twice: once the LV is renamed aside, once
# the copy's LV exists too) and offline (once the copy's LV exists): gc puts the clone right.
check "clone tk is made and started" gssh "$TL fvm-spawn create tiny tk --no-start >/dev/null && virsh -q start tk"
tk_sum=$(gssh 'head -c 16M /dev/fvmvg/fvm-clone-tk | sha256sum' | cut -c1-64)
# kill_when TEST CMD: runs CMD in the guest and kills it (SIGKILL) once TEST holds; prints what
# CMD said and tk's LVs
kill_when() {
	gssh "$TL $2 </dev/null >/root/killed.out 2>&1 & p=\$!
	for i in \$(seq 1200); do $1 && break; sleep 0.05; done
	kill -9 \$p; wait \$p; cat /root/killed.out; lvs --noheadings -o lv_name,lv_attr,lv_tags fvmvg | grep -- -tk"
}
tk_ok() { # STATE: tk's LV holds its data, nothing half-done is left, the domain is in STATE
	gssh "test \"\$(head -c 16M /dev/fvmvg/fvm-clone-tk | sha256sum | cut -c1-64)\" = $tk_sum &&
		! lvs --noheadings -o lv_name fvmvg | grep -E -- '-tk-(old|flat)' &&
		! lvs --noheadings -o lv_tags fvmvg/fvm-clone-tk | grep -q fvm-writing &&
		test \"\$(virsh domstate tk)\" = '$1' &&
		{ test '$1' != running || virsh blockjob tk vda 2>&1 | grep -q 'No current block job'; }"
}
left=$(kill_when 'test -e /dev/fvmvg/fvm-clone-tk-old' 'fvm-consolidate --live tk')
note "a live consolidate killed once tk's LV was renamed aside left:" "$left"
out=$(gssh "$TL fvm-spawn gc --yes" 2>&1)
# (Under TCG in TCG a kill can come late, after the consolidate finished: then there is
# nothing to put right, and gc must not say there was.)
if grep -q -- "-tk-old" <<<"$left"; then
	check "gc finds the half-done consolidation ($out)" grep -q "consolidation tk" <<<"$out"
else
	check "the kill came after the consolidate ended, and gc finds nothing of tk ($out)" \
		bash -c '! grep -q "consolidation tk" <<<"$1"' _ "$out"
fi
check "and puts it right: tk's LV is back with its data, the guest runs on, no block job" tk_ok running
out=$(kill_when 'test -e /dev/fvmvg/fvm-clone-tk-old -a -e /dev/fvmvg/fvm-clone-tk' 'fvm-consolidate --live tk')
note "a live consolidate killed once the copy's LV existed left:" "$out"
out=$(gssh "$TL fvm-spawn gc --yes" 2>&1)
check "gc puts that right too, whether the pivot had happened or not ($out)" tk_ok running
check "tk is stopped" gssh 'virsh -q destroy tk'
out=$(kill_when 'test -e /dev/fvmvg/fvm-clone-tk-flat' 'fvm-consolidate tk')
note "an offline consolidate killed once its copy's LV existed left:" "$out"
out=$(gssh "$TL fvm-spawn gc --yes" 2>&1)
check "gc removes the unfinished copy and tk is intact ($out)" tk_ok 'shut off'
check "fvm-spawn destroy --yes tk" gssh "$TL fvm-spawn destroy --yes tk"

out=$(gssh "$TL fvm-consolidate --live t-3 </dev/null" 2>&1)
check "--live on a clone that is not running is refused, nothing renamed ($out)" \
	bash -c 'grep -q "is not running: consolidate it offline" <<<"$1"' _ "$out"
check "t-3 is still the golden's snapshot" \
	gssh 'lvs --noheadings -o origin fvmvg/fvm-clone-t-3 | grep -q fvm-golden-tiny-1'

out=$(gssh "$TL fvm-consolidate t-2" 2>&1)
check "fvm-consolidate t-2 (offline: new thin LV, full copy, swap) ($out)" \
	gssh 'lvs --noheadings -o origin,lv_tags fvmvg/fvm-clone-t-2 | grep -Eq "^ +fvm,fvm-clone"'
check "t-2's data survived the consolidation" \
	test "$(gssh 'head -c 16M /dev/fvmvg/fvm-clone-t-2 | sha256sum' | cut -c1-64)" = "$want16"
check "no -flat or -old LV is left" gssh '! lvs --noheadings -o lv_name fvmvg | grep -E -- "-(flat|old)\$"'

out=$(gssh "$TL fvm-spawn resize t-3 128M" 2>&1)
check "fvm-spawn resize t-3 128M grows its LV ($out)" \
	test "$(gssh 'lvs --noheadings --units b --nosuffix -o lv_size fvmvg/fvm-clone-t-3' | tr -d ' ')" = $((128 << 20))
# reset: t-3 (grown, then written) is a new snapshot of the golden again, as large as it was.
check "writing 4 MiB into t-3's disk" gssh 'dd if=/dev/urandom of=/dev/fvmvg/fvm-clone-t-3 bs=1M count=4 seek=2 oflag=direct conv=fsync status=none'
out=$(gssh "$TL fvm-spawn reset t-3" 2>&1)
check "fvm-spawn reset t-3 makes it a new snapshot of the golden ($out)" \
	gssh 'lvs --noheadings -o origin,lv_tags fvmvg/fvm-clone-t-3 | grep -Eq "^ *fvm-golden-tiny-1 +fvm,fvm-clone"'
check "after the reset t-3 reads the golden's 16 MiB again" \
	test "$(gssh 'head -c 16M /dev/fvmvg/fvm-clone-t-3 | sha256sum' | cut -c1-64)" = "$want16"
check "and keeps its 128 MiB, its domain on the same LV, no -flat or -old left" \
	gssh 'test "$(lvs --noheadings --units b --nosuffix -o lv_size fvmvg/fvm-clone-t-3 | tr -d " ")" = $((128 << 20)) && virsh dumpxml t-3 | grep -q "<source dev=.\/dev\/fvmvg\/fvm-clone-t-3./>" && ! lvs --noheadings -o lv_name fvmvg | grep -E -- "-(flat|old)\$"'
out=$(gssh "$TL fvm-spawn info t-3" 2>&1)
check "fvm-spawn info shows the thinlv backend and the pool's usage" \
	grep -Eq "^Thin pool: +fvmvg/pool: data [0-9.]+ %, metadata [0-9.]+ %" <<<"$out"
note "$out"
out=$(gssh "$TL fvm-spawn list" 2>&1)
check "fvm-spawn list shows the pool's usage" grep -Eq "^Thin pool fvmvg/pool: data" <<<"$out"
note "$out"
out=$(gssh "$TL fvm-spawn create tiny t-1 --no-start" 2>&1)
check "spawning an existing name is refused" grep -q "already exists" <<<"$out"
note "lvs --reportformat json (the shape fvm parses):" "$(gssh 'lvs --reportformat json --units b --nosuffix -o vg_name,lv_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,lv_tags fvmvg' 2>&1)"
note "lvs with three clones:" "$(gssh 'lvs -a -o lv_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,lv_tags fvmvg' 2>&1)"

check "fvm-spawn destroy --yes t-1 t-2 t-3" gssh "$TL fvm-spawn destroy --yes t-1 t-2 t-3"
# What a killed create leaves: a clone LV without a domain; and an LV fvm did not make.
check "an orphan clone LV (no domain) and an untagged LV are made by hand" \
	gssh 'lvcreate -q -s fvmvg/fvm-golden-tiny-1 -n fvm-clone-orphan -kn --addtag fvm --addtag fvm-clone && lvcreate -q -s fvmvg/fvm-golden-tiny-1 -n fvm-clone-notours -kn'
# gc keeps an LV made in the second it starts in (lv_time has whole seconds: it may be newer).
sleep 1
out=$(gssh "$TL fvm-spawn gc --yes" 2>&1)
check "fvm-spawn gc removes the orphan clone LV and leaves the untagged one ($out)" \
	gssh '! lvs fvmvg/fvm-clone-orphan >/dev/null 2>&1 && lvs fvmvg/fvm-clone-notours >/dev/null 2>&1'
out=$(gssh "$TL fvm-spawn destroy --yes notours" 2>&1)
check "destroy refuses an LV fvm did not tag ($out)" grep -q "not tagged @fvm-clone" <<<"$out"
gssh 'lvremove -q -y fvmvg/fvm-clone-notours' >/dev/null 2>&1
check "fvm-golden delete tiny@1 removes the golden's LV" gssh "$TL fvm-golden delete tiny@1"
out=$(gssh "$TL fvm-spawn gc --yes" 2>&1)
check "fvm-spawn gc with thinlv finds nothing ($out)" gssh '! virsh -q list --all --name | grep -q .'
lvs_after=$(gssh 'lvs -a -o lv_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,lv_tags fvmvg' 2>&1)
note "lvs after:" "$lvs_after"
check "lvs shows nothing fvm left (only the pool)" \
	gssh '! lvs --noheadings -o lv_name,lv_tags fvmvg | grep -v "^ *pool " | grep -E "fvm"'

finish
