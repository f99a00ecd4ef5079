# Sourced after lib.sh and lvm-guest.sh by tests and benches that need real ZFS (this host's
# kernel cannot load it): the storage guest of lvm-guest.sh, whose original carries zfs-dkms
# (compiled for the guest's kernel while the image was made) and zfsutils-linux.
#
# zfs_guest_up: sets LVM_IP (gssh runs there), or returns 1 with ZFS_WHY saying what failed.
ZFS_GUEST=zfshost1

zfs_guest_up() {
	storage_guest_up "$ZFS_GUEST" ZFS \
		"modprobe zfs && zfs version | head -n 2 | paste -sd ' ' && test -b /dev/vdb" ||
		{ ZFS_WHY=$GUEST_WHY; return 1; }
	LVM_IP=$GUEST_IP
}
