# Sourced after lib.sh and lvm-guest.sh by tests and benches that need real ZFS (this host's
# kernel cannot load it): the LVM guest's packages (so one guest can compare the three backends)
# plus zfs-dkms, zfsutils-linux and the kernel's headers from contrib. mmdebstrap installs them on
# the host, natively, so DKMS compiles the module for the guest's kernel while the image is made,
# not under TCG; the result is cached like every original (images.sh builds it).
#
# zfs_guest_up: sets LVM_IP (gssh runs there), or returns 1 with ZFS_WHY saying what failed.
ZFS_PACKAGES=$LVM_PACKAGES,linux-headers-amd64,zfs-dkms,zfsutils-linux
ZFS_COMPONENTS=main,contrib
ZFS_ORIGINAL=zfshost
ZFS_GUEST=zfshost1
ZFS_DISK=8G

# zfsutils-linux's boot units import pools after systemd-udev-settle, which under TCG can hold
# local-fs.target (and so libvirtd's start) for minutes; the guest has no pool to import at boot
# (the test makes one), so their queued start jobs are stopped before libvirtd starts.
ZFS_BOOT_UNITS="zfs-import-cache.service zfs-import-scan.service zfs-mount.service systemd-udev-settle.service"

zfs_guest_up() {
	storage_guest_up "$ZFS_ORIGINAL" "$ZFS_PACKAGES" "$ZFS_DISK" "$ZFS_COMPONENTS" "$ZFS_GUEST" ZFS \
		"systemctl stop --no-block $ZFS_BOOT_UNITS; modprobe zfs && zfs version | head -n 2 | paste -sd ' ' && test -b /dev/vdb" ||
		{ ZFS_WHY=$GUEST_WHY; return 1; }
	LVM_IP=$GUEST_IP
}
