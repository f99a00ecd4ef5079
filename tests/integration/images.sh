#!/bin/bash
# Integration, run first and alone: the originals the other suites share (itdeb for most,
# itci with cloud-init for identity, the storage guest's for thinlv and zfs, whose ZFS module
# DKMS compiles here, natively, while the image is made), built by fvm-build into the test cache
# (lib.sh) two at a time, each in a sandbox of its own, or found there already. The
# suites after it then run side by side without building the same image twice at once. A suite
# run on its own builds what it needs itself, through the same cache.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"
. "$here/lvm-guest.sh"
. "$here/zfs-guest.sh"

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# build_mirror MANIFEST: the mirror its build record names.
build_mirror() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["build"]["mirror"])' "$1"
}

# build_into_cache TAG OS NAME [PACKAGES] [SIZE] [COMPONENTS]: in a sandbox of its own; writes
# TAG.out.
build_into_cache() {
	local tag=$1
	shift
	(
		sandbox_up "fvmim$tag$$" >/dev/null
		start=$SECONDS
		if original_from_cache_or_build "$@" 2>"$results/$tag.err"; then
			echo "$BUILT_BY, $((SECONDS - start)) s" >"$results/$tag.out"
			build_mirror "$POOL_DIR/$2.original.json" >"$results/$tag.mirror"
		fi
	)
}

# The storage original (zfs-dkms compiles on both cores) is the longest: it goes first, itdeb
# and itci one after the other beside it.
build_into_cache storage debian12 "$STORAGE_ORIGINAL" "$STORAGE_PACKAGES" "$STORAGE_DISK" \
	"$STORAGE_COMPONENTS" &
{
	build_into_cache deb debian12 itdeb
	build_into_cache ci debian12 itci cloud-init
} &
wait
for tag in deb ci storage; do
	case $tag in
		deb) what="original itdeb of debian12" ;;
		ci) what="original itci of debian12 with cloud-init" ;;
		storage) what="the LVM and ZFS guests' original $STORAGE_ORIGINAL (zfs-dkms built for its kernel)" ;;
	esac
	if [ -s "$results/$tag.out" ]; then
		ok "$what is in the test cache ($(cat "$results/$tag.out"))"
	else
		not_ok "$what is in the test cache" "$(tail -n 5 "$results/$tag.err" 2>/dev/null)"
	fi
done
# fvm-build --mirror URL: the build record names URL, not the host's own spelling of it.
mirror=$(cat "$results/deb.mirror" 2>/dev/null)
if [ "$mirror" = "$TEST_MIRROR" ]; then
	ok "fvm-build --mirror: itdeb's build record names the mirror given"
else
	not_ok "fvm-build --mirror: itdeb's build record names the mirror given" \
		"the record names another mirror, or none"
fi
finish
