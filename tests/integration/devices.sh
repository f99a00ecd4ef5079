#!/bin/bash
# Integration: a clone's extra devices on real components (a private libvirtd in a network
# namespace of this test's own, one real qemu guest under TCG, a golden made by fvm from the
# cached Debian original). One booted clone made with --graphics vnc, two --disk, a --nic on a
# second libvirt network, a --qemu-arg and a --cdrom:
#   its VNC port (shown by info, text and --json, and by `fvm-spawn vnc`) answers the RFB banner
#   on loopback; `monitor -- info status` prints "running" and the qemu argument's device is in
#   QEMU's device tree; the guest has two addresses (one on each network) and the blank virtio
#   disk as /dev/vdb of the asked size, the SATA one too; start --cdrom changes the ISO of a
#   stopped clone and refuses a directory; destroy removes the extra disk volumes; gc removes an
#   orphaned extra disk and leaves a foreign volume and a live clone's extra disk alone.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmdv-$$"
work=$(mktemp -d)
trap 'sandbox_down; rm -rf "$work"' EXIT
note "sandbox: $FVM_CONNECT"
suite_start=$SECONDS

original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb of debian12 is in the store ($BUILT_BY)"
golden=$(fvm-golden create itdeb dvgold 2>&1)
[ "$golden" = dvgold@1 ] || bail "fvm-golden create: $golden"
note "setup: golden dvgold@1 made ($((SECONDS - suite_start)) s so far)"

# A second isolated network with DHCP, inside the sandbox's namespace.
cat >"$work/lab.xml" <<'EOF'
<network>
  <name>lab</name>
  <bridge name='fvmlab0'/>
  <ip address='192.168.251.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.251.10' end='192.168.251.99'/></dhcp>
  </ip>
</network>
EOF
virsh_ net-define "$work/lab.xml" >/dev/null && virsh_ net-start lab >/dev/null || bail "network lab"
net=$(virsh_ net-dumpxml fvm | sed -n "s/.*<ip address='\([0-9.]*\)\.[0-9]*'.*/\1/p")

# Two "ISOs": CD-ROM media need not hold a file system for qemu to attach them.
iso1=$SANDBOX_DIR/one.iso iso2=$SANDBOX_DIR/two.iso
head -c 1048576 /dev/zero >"$iso1" && head -c 2097152 /dev/zero >"$iso2" && chmod 0644 "$iso1" "$iso2"

# --- one clone with every kind of extra device ----------------------------------------------------
start=$SECONDS
out=$(fvm-spawn create dvgold dv --graphics vnc --disk 1G --disk 512M,bus=sata --nic lab \
	--qemu-arg -device --qemu-arg pvpanic,id=fvmextra --cdrom "$iso1" --wait ssh 2>&1)
rc=$?
check "create with --graphics vnc, two --disk, --nic, --qemu-arg and --cdrom boots to SSH ($((SECONDS - start)) s)" \
	bash -c '[ "$1" = 0 ] && grep -Eqx "$2\.[0-9]+" <<<"$3" || { echo "$3"; false; }' _ "$rc" "$net" "$out"
ip=$out
xml=$(virsh_ dumpxml dv)
check "the domain listens for VNC on 127.0.0.1 with autoport" \
	grep -q "<graphics type='vnc' port='[0-9]*' autoport='yes' listen='127.0.0.1'" <<<"$xml"

json=$(fvm-spawn info dv --json)
port=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["graphics_port"] or "")' <<<"$json")
check "info --json gives the VNC port libvirt chose ($port)" bash -c '[ "$1" -ge 5900 ] 2>/dev/null' _ "$port"
check "and the extra disks and NIC" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["graphics"] == "vnc" and d["graphics_listen"] == "127.0.0.1", d
assert [p.rsplit("/", 1)[1] for p in d["extra_disks"]] == ["dv.disk1.qcow2", "dv.disk2.qcow2"], d
assert d["extra_nics"] == ["lab"], d' "$json"
check "info's text shows vnc://127.0.0.1:$port" bash -c 'fvm-spawn info dv | grep -Eq "^Graphics: +vnc://127.0.0.1:$1$"' _ "$port"
out=$(fvm-spawn vnc dv --print 2>&1)
check "fvm-spawn vnc prints vnc://127.0.0.1:$port" test "$out" = "vnc://127.0.0.1:$port"
out=$(DISPLAY= WAYLAND_DISPLAY= fvm-spawn vnc dv 2>&1)
check "and prints it without a display, even where a viewer is installed" test "$out" = "vnc://127.0.0.1:$port"
banner=$(fvm-sandbox exec --dir "$SANDBOX_DIR" -- python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
print(s.recv(12).decode("ascii", "replace").strip())' "$port" 2>&1)
check "the port answers the RFB banner on loopback ($banner)" grep -Eqx "RFB 003\.00[0-9]" <<<"$banner"

out=$(fvm-spawn monitor dv -- info status 2>&1)
check "monitor -- info status prints running" bash -c 'grep -q "running" <<<"$1" || { echo "$1"; false; }' _ "$out"
out=$(printf 'info name\n' | fvm-spawn monitor dv 2>&1)
check "monitor reads commands from standard input" bash -c 'grep -q "dv" <<<"$1" || { echo "$1"; false; }' _ "$out"
out=$(fvm-spawn monitor dv -- info qtree 2>&1)
check "the --qemu-arg device is in QEMU's device tree" grep -q 'id "fvmextra"' <<<"$out"
check "libvirt recorded the taints in the domain's log" bash -c '
	log=$(find "$1" -name dv.log -path "*qemu*" 2>/dev/null | head -n 1)
	[ -n "$log" ] && grep -q "tainted: custom-argv" "$log" && grep -q "tainted: custom-monitor" "$log" || {
		echo "log: ${log:-none}"; [ -n "$log" ] && grep -i taint "$log"; false; }' _ "$SANDBOX_DIR"
out=$(fvm-spawn monitor nosuch -- info status 2>&1); rc=$?
check "monitor of a missing clone: one line, exit 1" bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ]' _ "$rc" "$out"

# The guest's ifupdown configures eth0 only: the test asks for a lease on the second NIC.
ssh_ "$ip" dhclient -1 eth1 >/dev/null 2>&1
addrs=$(ssh_ "$ip" ip -4 -o addr show scope global 2>&1)
check "the guest has two addresses, one on each network" bash -c '
	grep -q "eth0 .* $2\." <<<"$1" && grep -q "eth1 .* 192\.168\.251\." <<<"$1" || { echo "$1"; false; }' _ "$addrs" "$net"
size=$(ssh_ "$ip" lsblk -bdno SIZE /dev/vdb 2>&1)
check "the blank disk is /dev/vdb in the guest, 1 GiB" test "$size" = 1073741824
sizes=$(ssh_ "$ip" lsblk -bdno SIZE,TYPE 2>&1)
check "the SATA disk (512 MiB) and the CD-ROM are there too" bash -c '
	grep -Eq "^ *536870912 +disk" <<<"$1" && grep -Eq "^ *1048576 +rom" <<<"$1" || { echo "$1"; false; }' _ "$sizes"

# --- start --cdrom ------------------------------------------------------------------------------
out=$(fvm-spawn start dv --cdrom "$iso2" 2>&1); rc=$?
check "start --cdrom of a running clone is refused (one line, exit 1)" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "is running" <<<"$2"' _ "$rc" "$out"
fvm-spawn stop dv
out=$(fvm-spawn start dv --cdrom "$SANDBOX_DIR" 2>&1); rc=$?
check "start --cdrom of a directory is refused in one line" \
	bash -c '[ "$1" != 0 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "not a regular file" <<<"$2"' _ "$rc" "$out"
check "start --cdrom puts the other ISO into the same drive" bash -c '
	fvm-spawn start dv --cdrom "$1" &&
	blk=$(virsh -q -c "$FVM_CONNECT" domblklist dv) && grep -q "$1" <<<"$blk" && ! grep -q "$2" <<<"$blk" &&
	[ "$(grep -c "\.iso" <<<"$blk")" = 1 ] || { echo "$blk"; false; }' _ "$iso2" "$iso1"

# --- gc and destroy ------------------------------------------------------------------------------
check "a clone that is not started gets its extra disk at once" \
	fvm-spawn create dvgold keep --no-start --disk 8M
check "start --cdrom of a clone without a CD-ROM adds a drive with the ISO" bash -c '
	fvm-spawn start keep --cdrom "$1" && blk=$(virsh -q -c "$FVM_CONNECT" domblklist keep --details) &&
	grep -Eq "cdrom +sd[a-z] +$1" <<<"$blk" || { echo "$blk"; false; }' _ "$iso1"
fvm-spawn stop keep
virsh_ vol-create-as fvm gone.disk1.qcow2 1M --format qcow2 >/dev/null
virsh_ vol-create-as fvm foreign.qcow2 1M --format qcow2 >/dev/null
virsh_ vol-create-as fvm other.diskette.qcow2 1M --format qcow2 >/dev/null
sleep 1
out=$(fvm-spawn gc --yes 2>&1)
note "$out"
check "gc removes the orphaned extra disk" test ! -e "$POOL_DIR/gone.disk1.qcow2"
check "and leaves foreign volumes alone" test -e "$POOL_DIR/foreign.qcow2" -a -e "$POOL_DIR/other.diskette.qcow2"
check "and the extra disks of clones that exist" \
	test -e "$POOL_DIR/keep.disk1.qcow2" -a -e "$POOL_DIR/dv.disk1.qcow2" -a -e "$POOL_DIR/dv.disk2.qcow2"
check "destroy removes the clone's extra disk volumes" bash -c '
	fvm-spawn destroy --yes dv keep && ! ls "$1" | grep -q "^dv\.\|^keep\." || { ls "$1"; false; }' _ "$POOL_DIR"
check "and nothing of them is known to libvirt" bash -c '! virsh -q -c "$FVM_CONNECT" vol-list fvm | grep -q "dv\.disk\|keep\.disk"'
check "the foreign volume is still there" test -e "$POOL_DIR/foreign.qcow2"

note "suite time: $((SECONDS - suite_start)) s"
finish
