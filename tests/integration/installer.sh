#!/bin/bash
# Integration: fvm-build's installer method with a real debian-installer (Debian's netboot
# package) under TCG, in a private sandbox: the preseed injected into the initrd is loaded
# (its early command prints a marker on the serial console); the installer's error (the mirror
# is out of reach in the sandbox) is recognised on the console; Ctrl-C and --timeout end an
# install with a clear result; nothing is left behind but what --keep-failed keeps. (Those short
# runs go beside the first boot: each is bounded by the clock, not by the installer.)
# Then Debian 13 through the installer fixture (tests/di-mirror.py, relayed into the sandbox):
# from --location DIR it fetches its udebs and reaches partitioning, where the template's
# partman early command powers it off (an answer file without the marker completes by that
# power-off); from a netinst-like ISO made with xorriso, --iso boots it to the preseed.
# libosinfo's own preseed (debian10, no fvm template) drives the same installer past its last
# question, partman's "write the changes to disks?", until partman formats the disk; the guest
# is then suspended and the inactivity guard (a 75 s window) ends that run in one line, while
# the --iso run and another libosinfo run past --timeout go beside its wait. The whole installs
# (fvm's template and libosinfo's) need ~35 min of TCG each: the slow suite.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

netboot=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
[ -f "$netboot/linux" ] || bail "debian-installer-12-netboot-amd64 is not installed"
sandbox_up "fvminst-$$"
nothing_of() { test -z "$(ls "$POOL_DIR" | grep "^$1\.")" && ! virsh_ dominfo "fvm-build-$1" >/dev/null 2>&1; }

# --- the real installer loads the preseed, and its error is recognised -------------------------
# The sandbox has no way out, so d-i, after loading the preseed, finds the mirror unreachable
# and stops on "Bad archive mirror": fvm must see that on the console and fail at once.
start=$SECONDS
fvm-build --method install --ssh-key "$KEY.pub" debian12 itinst >/dev/null 2>"$SANDBOX_DIR/inst.err" &
pid=$!
# The short runs below (--timeout, --keep-failed, Ctrl-C) are wall-clock bounded: they run beside
# this boot rather than after it.
fvm-build --method install --timeout 20 debian12 itslow >"$SANDBOX_DIR/slow.out" 2>&1 &
slow_pid=$!
# --keep-failed wants a console log with something in it: 40 s (still inside the first boot's
# time) so that four guests starting at once on a loaded host do not leave it empty.
fvm-build --method install --timeout 40 --keep-failed debian12 itkeep >"$SANDBOX_DIR/keep.out" 2>&1 &
keep_pid=$!

# --- Ctrl-C while the installer boots --------------------------------------------------------------
fvm-build --method install debian12 itint >/dev/null 2>&1 &
int_pid=$!
for _ in $(seq 100); do [ "$(virsh_ domstate fvm-build-itint 2>/dev/null)" = running ] && break; sleep 0.3; done
sleep 5
# Its own scratch directory (other builds on the machine have theirs): where its kernel is.
tmpdir=$(virsh_ dumpxml fvm-build-itint 2>/dev/null | sed -n 's|.*<kernel>\(.*\)/vmlinuz</kernel>.*|\1|p')
kill -INT $int_pid
wait $int_pid; rc=$?
check "Ctrl-C during the install exits 130" test "$rc" = 130
check "and leaves no domain, volume or log" nothing_of itint
check "and no temporary directory ($tmpdir)" bash -c '[ -n "$1" ] && [ ! -e "$1" ]' _ "$tmpdir"

# --- back to the first boot: the preseed, then the installer's error ------------------------
log=$POOL_DIR/itinst.original.log
seen=
for _ in $(seq 400); do
	grep -aq "FVM-PRESEED-LOADED" "$log" 2>/dev/null && { seen=1; break; }
	kill -0 $pid 2>/dev/null || break
	sleep 1
done
if [ -n "$seen" ]; then
	ok "debian-installer loaded the injected preseed ($((SECONDS - start)) s after the start)"
else
	not_ok "debian-installer loaded the injected preseed" "$(tail -c 2000 "$log" 2>/dev/null | tr -cd '[:print:]\n' | tail -n 15)" "$(cat "$SANDBOX_DIR/inst.err")"
fi
check "the installer runs as a transient domain with direct kernel boot" \
	bash -c 'x=$(virsh -q -c "$FVM_CONNECT" dumpxml fvm-build-itinst) && grep -q "<kernel>" <<<"$x" && grep -q "preseed/file=/preseed.cfg" <<<"$x" && ! virsh -q -c "$FVM_CONNECT" list --all --persistent --name | grep -q fvm-build'
wait $pid; rc=$?
err=$(cat "$SANDBOX_DIR/inst.err")
note "after $((SECONDS - start)) s: $err"
check "an installer error on the console ends the build: one line, exit 1" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-build: error: install failed: debian-installer stopped on an error (console: .*Bad archive mirror" <<<"$2"' _ "$rc" "$err"
check "and leaves no domain, volume or log" nothing_of itinst

# --- a timeout is a clear error (the two runs started beside the first boot) -------------------
wait $slow_pid; rc=$?
out=$(cat "$SANDBOX_DIR/slow.out")
check "--timeout ends the install with one line, exit 1" \
	test "$rc" = 1 -a "$out" = "fvm-build: error: install did not finish within --timeout 20 s"
check "and leaves nothing" nothing_of itslow
wait $keep_pid; rc=$?
out=$(cat "$SANDBOX_DIR/keep.out")
check "--keep-failed keeps the disk and the console log, and says where" \
	bash -c '[ "$1" = 1 ] && grep -q "kept .*itkeep.original.qcow2 and the console log .*itkeep.original.log" <<<"$2" && test -s "$3/itkeep.original.log" && test -f "$3/itkeep.original.qcow2" || { echo "$2"; ls -l "$3"/itkeep.original.*; exit 1; }' _ "$rc" "$out" "$POOL_DIR"
rm -f "$POOL_DIR"/itkeep.original.*

# --- libosinfo's script: what it cannot take is refused before anything is made -------------
# debian10 has no template of fvm's; osinfo-db's jeos preseed takes no key, package or proxy.
refused() {
	local name=$1 want=$2 out rc
	shift 2
	out=$(fvm-build --method install "$@" debian10 "$name" 2>&1 </dev/null); rc=$?
	[ "$rc" = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q "^fvm-build: error: fvm has no template for 'debian10' and libosinfo's install script for it cannot take $want" <<<"$out" && nothing_of "$name" || { echo "exit $rc: $out"; return 1; }
}
check "libosinfo's script: --ssh-key refused in one line, exit 1, nothing made" refused itref1 "--ssh-key: leave it out" --ssh-key "$KEY.pub"
check "libosinfo's script: --set packages and --set proxy refused in one line, exit 1, nothing made" \
	refused itref2 "--set packages, --set proxy: leave them out" --set packages=tree --set proxy=http://127.0.0.1:3128

# --- Debian 13 through the mirror fixture: --location DIR reaches partitioning ------------------
# tests/di-mirror.py (lib.sh: di_mirror_up) serves the host's mirror with the installer index
# pinned to what its pool has, relayed into the sandbox; its tree holds the netboot build whose
# kernel's modules exist. d-i loads the preseed, fetches its udebs through the fixture (the
# re-signed Release checked against the key the tree's initrd trusts) and starts partman.
# watch_install LOG PID PATTERN SECONDS: waits for PATTERN in LOG; 0 when seen.
watch_install() {
	local log=$1 pid=$2 pattern=$3 limit=$4
	for _ in $(seq "$limit"); do
		tr -cd '[:print:]\n' <"$log" 2>/dev/null | grep -Eq "$pattern" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 1
	done
	return 1
}
# preseed_loaded WHAT LOG PID ERR START: ok when the installer of fvm-build PID printed the
# preseed's marker to LOG; otherwise not ok with LOG's end and fvm-build's errors (ERR).
preseed_loaded() {
	if watch_install "$2" "$3" "FVM-PRESEED-LOADED" 400; then
		ok "$1 ($((SECONDS - $5)) s)"
	else
		not_ok "$1" "$(tr -cd '[:print:]\n' <"$2" 2>/dev/null | tail -n 15)" "$(cat "$4")"
	fi
}
if di_mirror_up sandbox; then
	note "fixture: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["netboot"])' "$DI_STATE/report.json")"
	# The shipped preseed without its marker, ending in partman's early command instead: it
	# says so on the console, writes to the disk and powers the guest off. An answer file that
	# cannot print the marker is complete when the guest powers itself off.
	tmpl=$SANDBOX_DIR/partman.cfg
	grep -v '^d-i preseed/late_command' "$FVM_SOURCE_ROOT/preseeds/debian.cfg" >"$tmpl"
	echo 'd-i partman/early_command string echo FVM-PARTMAN-REACHED > /dev/ttyS0 && dd if=/dev/zero of=/dev/vda bs=1M count=4 conv=fsync && poweroff -f' >>"$tmpl"
	start=$SECONDS
	fvm-build --method install --template "$tmpl" --location "$DI_TREE" --mirror "$DI_MIRROR" \
		debian13 ittree >/dev/null 2>"$SANDBOX_DIR/tree.err" &
	pid=$!
	log=$POOL_DIR/ittree.original.log
	preseed_loaded "--location DIR: debian13's installer from a tree loaded the injected preseed" \
		"$log" $pid "$SANDBOX_DIR/tree.err" $start
	wait $pid; rc=$?
	note "fetched through the fixture (count, suite, source, status): $(di_mirror_stats | tr '\n' ';')"
	log=$POOL_DIR/ittree.original.log
	if [ $rc = 0 ] && grep -aq FVM-PARTMAN-REACHED "$log"; then
		ok "it fetched its udebs through the fixture and reached partitioning ($((SECONDS - start)) s)"
	else
		not_ok "it fetched its udebs through the fixture and reached partitioning (exit $rc)" \
			"$(cat "$SANDBOX_DIR/tree.err")" "$(tail -c 3000 "$SANDBOX_DIR/tree.err" "$log" 2>/dev/null | tr -cd '[:print:]\n' | tail -n 15)"
	fi
	check "the installer read the fixture's Release and its signature" \
		grep -Eq '^200 local dists/[a-z]+/Release.gpg$' "$DI_LOG"
	check "an answer file without the marker: the guest's power-off completed the build (record: completion power-off)" \
		python3 -c 'import json, sys; b = json.load(open(sys.argv[1]))["build"]; assert b["completion"] == "power-off" and b["media"] == "tree", b' \
		"$POOL_DIR/ittree.original.json"
	rm -f "$POOL_DIR"/ittree.original.*
	virsh_ pool-refresh fvm >/dev/null

	# --- --iso: a netinst-like ISO made here from the same kernel and initrd ---------------------
	# Run below, while the inactivity guard waits on a suspended guest (an idle core otherwise).
	iso_checks() {
		mkdir -p "$SANDBOX_DIR/iso/install.amd"
		cp "$DI_TREE/current/images/netboot/debian-installer/amd64/linux" "$SANDBOX_DIR/iso/install.amd/vmlinuz"
		cp "$DI_TREE/current/images/netboot/debian-installer/amd64/initrd.gz" "$SANDBOX_DIR/iso/install.amd/initrd.gz"
		xorriso -as mkisofs -quiet -R -J -V "Debian 13.0.0 amd64 n" -o "$SANDBOX_DIR/netinst.iso" \
			"$SANDBOX_DIR/iso" 2>"$SANDBOX_DIR/xorriso.err" || bail "xorriso: $(cat "$SANDBOX_DIR/xorriso.err")"
		chmod 0644 "$SANDBOX_DIR/netinst.iso"
		local start=$SECONDS pid log rc err
		fvm-build --method install --template "$tmpl" --iso "$SANDBOX_DIR/netinst.iso" \
			--mirror "$DI_MIRROR" debian13 itiso >/dev/null 2>"$SANDBOX_DIR/iso.err" &
		pid=$!
		log=$POOL_DIR/itiso.original.log
		preseed_loaded "--iso: libosinfo found the kernel and initrd in a netinst-like ISO and its installer loaded the preseed" \
			"$log" $pid "$SANDBOX_DIR/iso.err" $start
		check "the ISO is attached as a CD-ROM" \
			bash -c 'virsh -q -c "$FVM_CONNECT" dumpxml fvm-build-itiso | grep -q "netinst.iso"'
		# Without a marker, a stop that is not the guest's own power-off is a failure.
		virsh_ destroy fvm-build-itiso >/dev/null 2>&1
		wait $pid; rc=$?
		err=$(cat "$SANDBOX_DIR/iso.err")
		check "without a marker, an installer ended from outside is a failure: one line, exit 1 ($err)" \
			bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "stopped without powering off" <<<"$2"' _ "$rc" "$err"
		check "and leaves nothing" nothing_of itiso
	}

	# --- libosinfo's own install script drives the real installer ------------------------------
	# debian10: osinfo-db has its jeos preseed and fvm no template for it, so fvm-build has
	# libosinfo generate it and adds only its answers (the mirror: the fixture; make-user false),
	# libosinfo's boot arguments and its completion marker; the preseed is otherwise libosinfo's,
	# unedited by the test. The tree's Debian 13 installer reads it (osinfo-db's Debian 10 tree is
	# laid out like it; the installer installs its own suite). The run goes as far as proves the
	# script asks nothing: every question d-i stops on before the disk is written (locale,
	# keyboard, network, mirror, root password and user, time zone, partman's recipe and its
	# "write the changes to disks?") comes before partman's "Partitions formatting", the first
	# thing the installer prints once that last question was answered; an unanswered one would
	# sit there as a prompt. Its udebs come through the fixture and partman writes the disk. Then
	# the guest is suspended (a hung installer: no console output, no disk writes) and the
	# inactivity guard ends the build in one line, leaving nothing; meanwhile the --iso run and a
	# second libosinfo run, ended at --timeout, use the idle core. The whole install, to the marker, takes ~35 min: the slow suite's osinfo-install.
	# The window: a live installer is never silent for a minute (its screen redraws the clock in
	# the status line every minute; progress bars more often), so 75 s cannot end it early.
	: >"$DI_LOG"
	idle=75
	start=$SECONDS
	# The subshell notes when fvm-build ended: the guard's time, whatever runs beside its wait.
	(
		fvm-build --method install --location "$DI_TREE" --mirror "$DI_MIRROR" --inactivity $idle \
			debian10 itosi >/dev/null 2>"$SANDBOX_DIR/osi.err"
		rc=$?
		date +%s >"$SANDBOX_DIR/osi.end"
		exit $rc
	) &
	pid=$!
	log=$POOL_DIR/itosi.original.log
	if watch_install "$log" $pid "Partitions formatting" 900; then
		ok "libosinfo's debian10 preseed answered every question up to partman's write to the disk ($((SECONDS - start)) s)"
	else
		not_ok "libosinfo's debian10 preseed answered every question up to partman's write to the disk" \
			"$(cat "$SANDBOX_DIR/osi.err")" "$(tr -cd '[:print:]\n' <"$log" 2>/dev/null | tail -n 20)"
	fi
	# A new disk is under 1 MiB (qcow2 metadata); the label and lazily initialised ext4 ~4.5 MiB.
	disk=$(virsh_ domblklist fvm-build-itosi 2>/dev/null | awk '$1 == "vda" { print $2 }')
	used=
	for _ in $(seq 120); do
		used=$(du -k "$disk" 2>/dev/null | cut -f1)
		[ "${used:-0}" -gt 2048 ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 1
	done
	virsh_ suspend fvm-build-itosi >/dev/null 2>&1
	t0=$(date +%s)
	note "libosinfo run: $((SECONDS - start)) s; fetched through the fixture: $(di_mirror_stats | tr '\n' ';')"
	check "its udebs came through the fixture, the preseed's mirror" \
		grep -Eq '^200 [a-z]+ pool/main/.*\.udeb$' "$DI_LOG"
	check "partman wrote the disk (${used:-?} KiB allocated)" test "${used:-0}" -gt 2048
	# While the guard waits on the suspended guest: --iso (above), then libosinfo's script past
	# --timeout.
	iso_checks
	out=$(fvm-build --method install --location "$DI_TREE" --mirror "$DI_MIRROR" --timeout 20 debian10 itosi2 2>&1); rc=$?
	check "libosinfo's script past --timeout: one line, exit 1, nothing left" \
		bash -c '[ "$1" = 1 ] && [ "$2" = "fvm-build: error: install did not finish within --timeout 20 s" ]' _ "$rc" "$out"
	check "and leaves nothing (--timeout)" nothing_of itosi2
	wait $pid; rc=$?
	err=$(cat "$SANDBOX_DIR/osi.err")
	took=$(($(cat "$SANDBOX_DIR/osi.end" 2>/dev/null || echo 0) - t0))
	check "a hung installer: the inactivity guard ends it after $idle s in one line, exit 1 ($took s: $err)" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && [ "$2" = "fvm-build: error: install stalled: no console output and no disk writes for $4 s" ] && [ "$3" -ge $(($4 - 10)) ] && [ "$3" -le $(($4 + 60)) ]' _ "$rc" "$err" "$took" "$idle"
	check "and leaves nothing" nothing_of itosi
	di_mirror_down
else
	not_ok "the Debian 13 installer fixture (tests/di-mirror.py) starts"
fi

finish
