#!/bin/bash
# Integration: fvm-build's installer method with a real debian-installer (Debian's netboot
# package) under TCG, in a private sandbox: the preseed injected into the initrd is loaded
# (its early command prints a marker on the serial console); the installer's error (the mirror
# is out of reach in the sandbox) is recognised on the console; Ctrl-C and --timeout end an
# install with a clear result; nothing is left behind but what --keep-failed keeps.
# The whole install needs the mirror and an hour of TCG: that is the slow suite.
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

# --- Ctrl-C while the installer boots --------------------------------------------------------------
fvm-build --method install debian12 itint >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [ "$(virsh_ domstate fvm-build-itint 2>/dev/null)" = running ] && break; sleep 0.3; done
sleep 5
kill -INT $pid
wait $pid; rc=$?
check "Ctrl-C during the install exits 130" test "$rc" = 130
check "and leaves no domain, volume or log" nothing_of itint
check "and no temporary directory" bash -c '! ls -d /var/tmp/fvm-build-* >/dev/null 2>&1'

# --- a timeout is a clear error ------------------------------------------------------------------
out=$(fvm-build --method install --timeout 20 debian12 itslow 2>&1); rc=$?
check "--timeout ends the install with one line, exit 1" \
	test "$rc" = 1 -a "$out" = "fvm-build: error: install did not finish within --timeout 20 s"
check "and leaves nothing" nothing_of itslow
out=$(fvm-build --method install --timeout 20 --keep-failed debian12 itkeep 2>&1); rc=$?
check "--keep-failed keeps the disk and the console log, and says where" \
	bash -c '[ "$1" = 1 ] && grep -q "kept .*itkeep.original.qcow2 and the console log .*itkeep.original.log" <<<"$2" && test -s "$3/itkeep.original.log" && test -f "$3/itkeep.original.qcow2"' _ "$rc" "$out" "$POOL_DIR"
rm -f "$POOL_DIR"/itkeep.original.*

finish
