# Shared by the integration tests: TAP output, a private sandbox (a libvirtd in a network
# namespace of the test's own, see tools/fvm-sandbox), SSH into clones from that namespace, and
# the cache of fvm-built originals.
set -u

# TAP output: ok, not_ok, skip, note, check, bail, skip_all, finish.
. "${BASH_SOURCE[0]%/*}/../tap.sh"

# Guests run under TCG on this kind of host; libguestfs too.
export FVM_ACCEL=tcg LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
[ "$(id -u)" -eq 0 ] || bail "integration tests need root (libvirtd, network namespaces)"

SANDBOX_DIR=
# sandbox_up NAME [GROUP]: GROUP's members may use its daemon too (tests of several users).
sandbox_up() {
	local name=$1 group=${2:-}
	SANDBOX_DIR=$(mktemp -d /var/tmp/fvm-it-XXXXXX)
	chmod 0755 "$SANDBOX_DIR"
	local env
	env=$(fvm-sandbox up --dir "$SANDBOX_DIR" --name "$name" ${group:+--group "$group"} 2>"$SANDBOX_DIR.err") ||
		bail "fvm-sandbox up: $(tail -n 1 "$SANDBOX_DIR.err")"
	rm -f "$SANDBOX_DIR.err"
	eval "$env"
	POOL_DIR=$SANDBOX_DIR/images
	trap sandbox_down EXIT
}
sandbox_down() {
	[ -n "$SANDBOX_DIR" ] && fvm-sandbox down --dir "$SANDBOX_DIR" --purge >/dev/null 2>&1
	SANDBOX_DIR=
}
virsh_() { virsh -q -c "$FVM_CONNECT" "$@"; }
# The gid the sandbox's qemu runs as (libvirt's DAC base label +UID:+GID): fvm's "qemu's group".
qemu_gid() { virsh_ capabilities | sed -n "s/.*<baselabel type='[a-z]*'>+[0-9]*:+\([0-9]*\)<.*/\1/p" | head -n 1; }

# The cache of originals lives outside the repo, keyed by what makes the image.
CACHE=${FVM_TEST_CACHE:-/var/cache/fvm-tests}
KEY=$CACHE/id_ed25519
mkdir -p "$CACHE"
[ -f "$KEY" ] || ssh-keygen -q -t ed25519 -N '' -C fvm-tests -f "$KEY"

ssh_() {
	local ip=$1
	shift
	fvm-sandbox exec --dir "$SANDBOX_DIR" -- ssh -i "$KEY" -o BatchMode=yes -o ConnectTimeout=20 \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		"root@$ip" "$@"
}

# The Debian mirror of the host's apt sources, written with the trailing slash toggled: the
# same archive under another spelling, so an original's build record shows whether fvm-build
# used --mirror or found its default itself.
host_mirror=$( {
	sed -nE 's/^deb +(\[[^]]*\] +)?([^ ]+) .*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list
	sed -nE 's/^URIs: *([^ ]+).*/\1/p' /etc/apt/sources.list.d/*.sources
} 2>/dev/null | grep -v -- '-security' | head -n 1)
case $host_mirror in
	*/) TEST_MIRROR=${host_mirror%/} ;;
	?*) TEST_MIRROR=$host_mirror/ ;;
	*) bail "no Debian mirror in the host's apt sources" ;;
esac

# original_from_cache_or_build OS NAME [PACKAGES] [DISK_SIZE] [COMPONENTS]: puts original NAME of
# OS into the sandbox's pool, built by fvm-build --mirror TEST_MIRROR (or restored from a cache
# entry an earlier fvm-build made with the same inputs); PACKAGES (A,B) are installed besides the
# bootstrap's own; DISK_SIZE defaults to 4G; COMPONENTS (main,contrib) are the archive areas of
# its apt sources (main when not given). fvm-build's output goes to the sandbox's build-NAME.log, the last lines of
# which are printed when it fails.
original_from_cache_or_build() {
	local os=$1 name=$2 pkgs=${3:-} size=${4:-4G} areas=${5:-} src=${FVM_SOURCE_ROOT:?} key entry
	key=$( (cat "$src/core/fvm-bootstrap.c" "$src/core/fvm-sysprep.c" "$KEY.pub"
		echo "$os $name $size${pkgs:+ $pkgs} $TEST_MIRROR${areas:+ components=$areas}") |
		sha256sum | cut -c1-16)
	entry=$CACHE/original-$os-$key
	if [ -f "$entry/$name.original.json" ]; then
		cp --sparse=always "$entry/$name.original.qcow2" "$entry/$name.original.json" \
			"$entry/$name.original.log" "$POOL_DIR/" || return 1
		virsh_ pool-refresh fvm >/dev/null || return 1
		BUILT_BY="cache $entry (made by fvm-build)"
		return 0
	fi
	local start=$SECONDS log=$SANDBOX_DIR/build-$name.log
	fvm-build --method bootstrap --ssh-key "$KEY.pub" --disk-size "$size" --mirror "$TEST_MIRROR" \
		${pkgs:+--set "packages=$pkgs"} ${areas:+--set "components=$areas"} "$os" "$name" >"$log" 2>&1 || {
		tail -n 5 "$log" >&2
		return 1
	}
	BUILT_BY="fvm-build in $((SECONDS - start)) s"
	# Concurrent runs may build the same entry: each fills a directory of its own and the
	# last rename wins.
	local tmp
	tmp=$(mktemp -d "$entry.tmp.XXXXXX") || return 1
	cp --sparse=always "$POOL_DIR/$name.original."{qcow2,json,log} "$tmp/" || { rm -rf "$tmp"; return 1; }
	[ -f "$entry/$name.original.json" ] || rm -rf "$entry"
	mv -T "$tmp" "$entry" 2>/dev/null || rm -rf "$tmp"
}
