# Shared by the integration tests: TAP output, a private sandbox (a libvirtd in a network
# namespace of the test's own, see tools/fvm-sandbox), SSH into clones from that namespace, and
# the cache of fvm-built originals.
set -u

# TAP output: ok, not_ok, skip, note, check, bail, skip_all, finish.
. "${BASH_SOURCE[0]%/*}/../tap.sh"

# Guests run under TCG on this kind of host; libguestfs too.
export FVM_ACCEL=tcg LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
[ "$(id -u)" -eq 0 ] || bail "integration tests need root (libvirtd, network namespaces)"

# meson ends a test it times out (and every test on Ctrl-C) with SIGTERM to the test's process
# group, then SIGKILL 0.5 s later unless the script has exited by then. So on those signals the
# EXIT trap's cleanup (sandbox_down and the suite's own) runs in a background subshell that
# ignores them, and the script exits at once: the sandbox's guests, daemons and namespace go.
on_signal() {
	local code=$1 cmd
	eval "set -- $(trap -p EXIT)"
	cmd=${3:-}
	trap - EXIT
	[ -n "$cmd" ] && (
		trap '' TERM INT HUP
		eval "$cmd"
	) </dev/null >/dev/null 2>&1 &
	exit "$code"
}
trap 'on_signal 143' TERM
trap 'on_signal 130' INT

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
	di_mirror_down
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
	# A guest that stops answering ends the command (exit 255) within 3 minutes, not after TCP's.
	fvm-sandbox exec --dir "$SANDBOX_DIR" -- ssh -i "$KEY" -o BatchMode=yes -o ConnectTimeout=20 \
		-o ServerAliveInterval=30 -o ServerAliveCountMax=6 \
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

# di_mirror_up host|sandbox: the debian-installer fixture (tests/di-mirror.py) for Debian 13:
# prepared from the host's mirror (cached under $CACHE/di-mirror), served on loopback. "host":
# on the host's 127.0.0.1, for an installer under the host's libvirtd; "sandbox": on a unix
# socket, relayed to 127.0.0.1 inside the sandbox's namespace. Either way the installer's
# user-mode networking reaches it as 10.0.2.2. Sets DI_MIRROR (the URL for --mirror), DI_TREE
# (a netboot tree for --location, its initrd trusting the fixture's key), DI_STATE, DI_LOG
# (one line per request); di_mirror_down stops it.
DI_PIDS=
di_mirror_up() {
	local where=$1 src=${FVM_SOURCE_ROOT:?} work port= sock prefix
	work=$(mktemp -d /var/tmp/fvm-di-XXXXXX) || return 1
	chmod 0755 "$work"
	DI_WORK=$work
	DI_LOG=$work/requests.log
	prefix=/${host_mirror#*://*/}
	DI_STATE=$(python3 "$src/tests/di-mirror.py" prepare --upstream "$host_mirror" --suite trixie \
		--cache "$CACHE/di-mirror" 2>"$work/prepare.err") || { tail -n 3 "$work/prepare.err" >&2; return 1; }
	DI_TREE=$DI_STATE/tree
	if [ "$where" = host ]; then
		python3 -u "$src/tests/di-mirror.py" serve --upstream "$host_mirror" --state "$DI_STATE" \
			--cache "$CACHE/di-mirror" --log "$DI_LOG" --prefix "$prefix" --listen 127.0.0.1:0 \
			>"$work/serve.out" 2>&1 &
		DI_PIDS="$DI_PIDS $!"
		for _ in $(seq 100); do
			port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$work/serve.out")
			[ -n "$port" ] && break
			sleep 0.1
		done
	else
		sock=$work/mirror.sock
		python3 -u "$src/tests/di-mirror.py" serve --upstream "$host_mirror" --state "$DI_STATE" \
			--cache "$CACHE/di-mirror" --log "$DI_LOG" --prefix "$prefix" --unix "$sock" \
			>"$work/serve.out" 2>&1 &
		DI_PIDS="$DI_PIDS $!"
		for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
		fvm-sandbox exec --dir "$SANDBOX_DIR" -- python3 -u "$src/tests/di-mirror.py" relay \
			--listen 127.0.0.1:0 --unix "$sock" >"$work/relay.out" 2>&1 &
		DI_PIDS="$DI_PIDS $!"
		for _ in $(seq 100); do
			port=$(sed -n 's/^relaying port \([0-9]*\) .*/\1/p' "$work/relay.out")
			[ -n "$port" ] && break
			sleep 0.1
		done
	fi
	[ -n "$port" ] || { cat "$work"/*.out >&2; return 1; }
	DI_MIRROR=http://10.0.2.2:$port$prefix
}
di_mirror_down() {
	local pid
	for pid in $DI_PIDS; do kill "$pid" 2>/dev/null; done
	DI_PIDS=
	[ -n "${DI_WORK:-}" ] && rm -rf "$DI_WORK"
	DI_WORK=
}
# di_mirror_stats: what the installer fetched through the fixture, by suite and source.
di_mirror_stats() {
	python3 "${FVM_SOURCE_ROOT:?}/tests/di-mirror.py" stats --log "$DI_LOG"
}
