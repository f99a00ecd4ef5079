# Sourced after lib.sh by tests and benches that need real LVM or ZFS (this host's kernel has
# neither device-mapper nor ZFS): a Debian 12 guest built by fvm-build (bootstrap, with lvm2,
# libvirt, fvm's runtime libraries and ZFS), booted under TCG in the sandbox with a second disk
# for a volume group or a pool, the fvm binaries just built copied in over the sandbox's namespace.
#
# lvm_guest_up: sets LVM_IP, or returns 1 with LVM_WHY saying what failed. (storage_guest_up
# below does the work; zfs-guest.sh brings its guest up with it too.)

# What the scenario runs (LVM, libvirtd with qemu, qemu-img), then the packages of the shared
# libraries the fvm binaries just built need (read from them, so a new dependency of fvm makes a
# new guest rather than a failing ldd in the old one).
lvm_runtime_packages() {
	local build=${FVM_BUILD_ROOT:-$FVM_SOURCE_ROOT/build} b lib path
	for b in "$build/spawn/fvm-spawn" "$build/consolidate/fvm-consolidate" "$build/golden/fvm-golden"; do
		readelf -d "$b" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'
	done | sort -u | while read -r lib; do
		path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}')
		[ -n "$path" ] || continue
		{ dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null; } | head -n 1 | cut -d: -f1
	done | sort -u | paste -sd, -
}
LVM_PACKAGES=lvm2,thin-provisioning-tools,qemu-utils,libvirt-daemon-system,libvirt-daemon-driver-qemu,libvirt-clients,qemu-system-x86,dnsmasq-base,iptables,osinfo-db,curl,$(lvm_runtime_packages)
LVM_GUEST=lvmhost1
# One original serves the LVM guest and the ZFS guest: LVM's packages plus zfs-dkms,
# zfsutils-linux and the kernel's headers from contrib, so a fresh machine builds one storage
# image, not two. mmdebstrap installs them on the host, natively, so DKMS compiles the module for
# the guest's kernel while the image is made, not under TCG; it is cached like every original
# (images.sh builds it).
STORAGE_PACKAGES=$LVM_PACKAGES,linux-headers-amd64,zfs-dkms,zfsutils-linux
STORAGE_COMPONENTS=main,contrib
STORAGE_ORIGINAL=storagehost
STORAGE_DISK=8G
# zfsutils-linux's boot units import pools after systemd-udev-settle, which under TCG can hold
# local-fs.target (and so libvirtd's start) for minutes; the guest has no pool to import at boot
# (the zfs test makes one), so their queued start jobs are stopped before libvirtd starts.
STORAGE_BOOT_UNITS="zfs-import-cache.service zfs-import-scan.service zfs-mount.service systemd-udev-settle.service"

scp_() {
	fvm-sandbox exec --dir "$SANDBOX_DIR" -- scp -q -i "$KEY" -o BatchMode=yes -o ConnectTimeout=20 \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$@"
}

lvm_guest_up() {
	storage_guest_up "$LVM_GUEST" LVM \
		'modprobe dm-thin-pool && lvm version | head -n 1 && test -b /dev/vdb' ||
		{ LVM_WHY=$GUEST_WHY; return 1; }
	LVM_IP=$GUEST_IP
}

# storage_guest_up GUEST WHAT CHECK: the storage original (built or from the cache) as clone
# GUEST with a second disk (vdb), booted to SSH; the ZFS boot units' queued jobs stopped, CHECK
# (a shell string run in it) proves WHAT storage can run there; fvm's binaries copied in and
# libvirtd started. Sets GUEST_IP, or returns 1 with GUEST_WHY saying what failed. Shared with
# zfs-guest.sh.
#
# The guest is the scenario's host, not what it tests: when it fails once it has booted (CI saw
# its SSH session end, once, while libvirtd probed qemu), the failure is noted with the guest's
# state and console, and the guest is made once more from the golden.
storage_guest_up() {
	local original=$STORAGE_ORIGINAL guest=$1 what=$2 check=$3 out
	GUEST_WHY=
	original_from_cache_or_build debian12 "$original" "$STORAGE_PACKAGES" "$STORAGE_DISK" \
		"$STORAGE_COMPONENTS" >"$SANDBOX_DIR/$original-original.out" 2>&1 ||
		{ GUEST_WHY="fvm-build of the $what guest failed: $(tail -n 3 "$SANDBOX_DIR/$original-original.out")"; return 1; }
	note "$what guest original: $BUILT_BY"
	out=$(fvm-golden create "$original" "${original}gold" 2>&1) || { GUEST_WHY="fvm-golden create ${original}gold: $out"; return 1; }
	GUEST_BOOTED=
	storage_clone_up "$guest" "$what" "$check" && return 0
	[ -n "$GUEST_BOOTED" ] || return 1
	note "the $what guest failed once booted, so it is made again: $GUEST_WHY"
	out=$(fvm-spawn destroy --yes "$guest" 2>&1) || { GUEST_WHY="fvm-spawn destroy $guest: $out"; return 1; }
	storage_clone_up "$guest" "$what" "$check"
}

# storage_clone_up GUEST WHAT CHECK: storage_guest_up's clone of the golden; sets GUEST_BOOTED
# once it answers SSH.
storage_clone_up() {
	local original=$STORAGE_ORIGINAL guest=$1 what=$2 check=$3
	local out build=${FVM_BUILD_ROOT:-$FVM_SOURCE_ROOT/build}
	out=$(fvm-spawn create "${original}gold" "$guest" --memory 1536M --vcpus 2 --no-start 2>&1) ||
		{ GUEST_WHY="fvm-spawn create $guest: $out"; return 1; }
	# The storage's disk: a plain qcow2 in the sandbox, a second virtio disk.
	qemu-img create -q -f qcow2 "$SANDBOX_DIR/vg.qcow2" 4G || { GUEST_WHY="qemu-img create"; return 1; }
	out=$(virsh_ attach-disk "$guest" "$SANDBOX_DIR/vg.qcow2" vdb --subdriver qcow2 --config 2>&1) ||
		{ GUEST_WHY="attach-disk: $out"; return 1; }
	# Its serial console also goes to a file, so a guest that hangs or dies says why.
	GUEST_CONSOLE=$SANDBOX_DIR/$guest-console.log
	virsh_ dumpxml --inactive "$guest" | sed "s|<serial type='pty'>|&<log file='$GUEST_CONSOLE'/>|" \
		>"$SANDBOX_DIR/$guest.xml" && out=$(virsh_ define "$SANDBOX_DIR/$guest.xml" 2>&1) ||
		{ GUEST_WHY="logging $guest's console: $out"; return 1; }
	local start=$SECONDS
	GUEST_IP=$(fvm-spawn start "$guest" --wait ssh 2>&1) ||
		{ GUEST_WHY="the $what guest did not boot to SSH under TCG: $GUEST_IP$(guest_state "$guest")"; return 1; }
	GUEST_BOOTED=1
	note "$what guest $guest at $GUEST_IP answered SSH after $((SECONDS - start)) s"
	out=$(ssh_ "$GUEST_IP" "systemctl stop --no-block $STORAGE_BOOT_UNITS; $check" 2>&1) ||
		{ GUEST_WHY="$what cannot run in the guest: $out$(guest_state "$guest")"; return 1; }
	note "$out"
	# The binaries just built (same Debian release: the same libraries) and the data they read.
	local stage=$SANDBOX_DIR/fvm-stage
	mkdir -p "$stage/bin" "$stage/share"
	cp "$build/spawn/fvm-spawn" "$build/consolidate/fvm-consolidate" "$build/golden/fvm-golden" "$stage/bin/" ||
		{ GUEST_WHY="fvm binaries not found under $build"; return 1; }
	(cd "$FVM_SOURCE_ROOT" && tar cf - osinfo hooks preseeds kickstarts guest) | tar xf - -C "$stage/share"
	out=$(scp_ -r "$stage" "root@$GUEST_IP:/opt/fvm" 2>&1) || { GUEST_WHY="scp into the guest: $out"; return 1; }
	out=$(ssh_ "$GUEST_IP" 'ldd /opt/fvm/bin/fvm-spawn /opt/fvm/bin/fvm-golden | grep "not found"' 2>&1)
	[ -z "$out" ] || { GUEST_WHY="fvm's libraries are missing in the guest: $out"; return 1; }
	# Bounded: a start job queued behind a boot job that hangs would otherwise never return; the
	# pending jobs then say which. (ssh's exit 255: the connection to the guest was lost.)
	local rc=0
	out=$(ssh_ "$GUEST_IP" 'timeout 600 systemctl start libvirtd && virsh -q -c qemu:///system version ||
		{ systemctl list-jobs --no-pager | head -n 15; exit 1; }' 2>&1) || rc=$?
	[ $rc -eq 0 ] ||
		{ GUEST_WHY="libvirtd does not start in the guest (exit $rc): $out$(guest_state "$guest")"; return 1; }
	return 0
}

# guest_state GUEST: what a failure message adds about GUEST: its domain's state and reason, and
# the last lines of its console (GUEST_CONSOLE), each on a line of its own.
guest_state() {
	printf '\n%s state: %s' "$1" "$(virsh_ domstate --reason "$1" 2>&1)"
	[ -s "$GUEST_CONSOLE" ] && printf '\n%s console: %s' "$1" "$(tail -n 25 "$GUEST_CONSOLE" | sed 's/\x1b\[[0-9;]*m//g' | tr -d '\r')"
}

# gssh CMD: runs CMD (a shell string, on the guest) with fvm's binaries first in PATH.
gssh() {
	ssh_ "$LVM_IP" "export PATH=/opt/fvm/bin:\$PATH FVM_DATADIR=/opt/fvm/share FVM_ACCEL=tcg FVM_CONNECT=qemu:///system; $1"
}

# lvm_tiny_bundle DIR [MIB]: DIR/tiny.raw (MIB MiB, default 64; random data in its first eighth
# and a sixteenth at five eighths) and DIR/tiny.fvm, a golden bundle of it (golden tiny@1) made
# with GNU tar, as fvm-golden export writes one but without a disk map.
lvm_tiny_bundle() {
	local work=$1 mib=${2:-64}
	mkdir -p "$work/b"
	qemu-img create -q -f raw "$work/tiny.raw" "${mib}M" &&
		dd if=/dev/urandom of="$work/tiny.raw" bs=1M count=$((mib / 8)) conv=notrunc status=none &&
		dd if=/dev/urandom of="$work/tiny.raw" bs=1M count=$((mib / 16)) seek=$((mib * 5 / 8)) \
			conv=notrunc status=none &&
		qemu-img convert -q -f raw -O qcow2 "$work/tiny.raw" "$work/b/disk.qcow2" &&
		python3 - "$work/b/disk.qcow2" "$work/b/manifest.json" "$mib" <<'EOF' &&
import hashlib, json, os, sys
disk, out, mib = sys.argv[1:]
h = hashlib.sha256(open(disk, "rb").read()).hexdigest()
json.dump({"fvm_manifest": 1, "kind": "golden", "name": "tiny", "version": 1,
           "volume": "tiny@1.qcow2", "format": "qcow2", "virtual_size": int(mib) << 20,
           "file_size": os.path.getsize(disk), "sha256": h, "created": "2026-01-01T00:00:00Z",
           "fvm_version": "0.1.0",
           "os": {"id": "debian12", "name": "Debian 12", "distro": "debian", "version": "12",
                  "codename": "bookworm", "ram_mib": 256, "vcpus": 1, "virtio": True}},
          open(out, "w"), indent=2)
EOF
		tar -C "$work/b" --zstd -cf "$work/tiny.fvm" manifest.json disk.qcow2
}

# lvm_bad_map_bundle DIR: DIR/tiny-badmap.fvm, the bundle lvm_tiny_bundle made (its files in
# DIR/b) with a disk map that is well-formed but wrong: qemu-img map's extents with the last one
# moved 1 MiB further into the disk. Only an import that checks the map against qemu's reading of
# the disk can tell.
lvm_bad_map_bundle() {
	local work=$1
	qemu-img map --output=json -f qcow2 "$work/b/disk.qcow2" >"$work/b/qemu-map.json" &&
		python3 - "$work/b/qemu-map.json" "$work/b/disk.map.json" <<'EOF' &&
import json, sys
qemu, out = sys.argv[1:]
ext = [[e["start"], e["length"], e["offset"]] for e in json.load(open(qemu))
       if e["data"] and not e["zero"]]
ext[-1][0] += 1 << 20
json.dump({"fvm_disk_map": 1, "extents": ext}, open(out, "w"))
EOF
		tar -C "$work/b" --zstd -cf "$work/tiny-badmap.fvm" manifest.json disk.map.json disk.qcow2
}

# lvm_guest_thin_pool: the benches' volume group fvmvg on the guest's second disk and its 3 GiB
# thin pool fvmvg/pool, made by hand (thinlv.sh makes the pool with fvm-spawn setup, as a test).
lvm_guest_thin_pool() {
	gssh 'pvcreate -q /dev/vdb && vgcreate -q fvmvg /dev/vdb && lvcreate -q --type thin-pool -L 3G -n pool fvmvg' >/dev/null
}
