#!/bin/bash
# Integration: the whole pipeline on real components. A private libvirtd in a network namespace
# of this test's own, real qemu guests under TCG, the real libguestfs appliance, and a Debian 12
# original built by fvm-build itself (cached outside the repo by the inputs that made it).
#   build → golden → two clones at once → IPs → SSH → consolidate one and boot it again →
#   destroy both → nothing left; plus the failures users hit on the way.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmit-$$"
note "sandbox: $FVM_CONNECT"

# --- setup makes what is missing, once --------------------------------------------------------
conf=$(mktemp -d)
mkdir -p "$conf/fvm"
printf '[storage]\npool=itpool\npool-path=%s/itpool\n[network]\nname=itnet\nsubnet=10.250.7.0/24\n' \
	"$SANDBOX_DIR" >"$conf/fvm/fvm.conf"
out=$(XDG_CONFIG_HOME=$conf fvm-spawn setup 2>&1)
check "fvm-spawn setup creates a pool and a network" \
	bash -c 'grep -Eq "^storage pool .itpool. +created +$2/itpool$" <<<"$1" && grep -Eq "^network .itnet. +created +10.250.7.0/24$" <<<"$1"' _ "$out" "$SANDBOX_DIR"
out=$(XDG_CONFIG_HOME=$conf fvm-spawn setup 2>&1)
check "running it again changes nothing" \
	bash -c '[ "$(grep -c " ok " <<<"$1")" = 2 ] && ! grep -q created <<<"$1"' _ "$out"
check "setup --check passes" env XDG_CONFIG_HOME="$conf" fvm-spawn setup --check
qgid=$(qemu_gid)
check "the pool directory is 0750 in qemu's group ($qgid)" \
	test "$(stat -c '%a %g' "$SANDBOX_DIR/itpool")" = "750 $qgid"
check "the network is NAT on 10.250.7.1 with DHCP from .128" \
	bash -c 'x=$(virsh -q -c "$FVM_CONNECT" net-dumpxml itnet) && grep -q "<forward mode=.nat." <<<"$x" && grep -q "address=.10.250.7.1." <<<"$x" && grep -q "start=.10.250.7.128." <<<"$x"'
# A new port forwards at once and a new lease is offered without dnsmasq's echo wait (docs/design.md,
# Warm clones): the running bridge has STP off, the network gives dnsmasq no-ping.
check "its bridge runs without STP and its dnsmasq without the ping before an offer" \
	bash -c 'x=$(virsh -q -c "$FVM_CONNECT" net-dumpxml itnet) && br=$(sed -n "s/.*<bridge name=.\([^\x27]*\).*/\1/p" <<<"$x") && [ -n "$br" ] && grep -q "<dnsmasq:option value=.no-ping./>" <<<"$x" && [ "$(fvm-sandbox exec --dir "$1" -- cat "/sys/class/net/$br/bridge/stp_state")" = 0 ]' _ "$SANDBOX_DIR"
virsh_ net-destroy itnet >/dev/null; virsh_ net-undefine itnet >/dev/null
virsh_ pool-destroy itpool >/dev/null; virsh_ pool-undefine itpool >/dev/null
rm -rf "$conf" "$SANDBOX_DIR/itpool"
# The sandbox's pool as an older fvm left it (0755: every user could read the originals'
# /etc/shadow); setup fixes it, and every clone below boots from a pool with fvm's modes.
chmod 0755 "$POOL_DIR"
out=$(fvm-spawn setup --check 2>&1); rc=$?
check "setup --check reports a 0755 pool directory and fails" \
	bash -c '[ "$1" = 1 ] && grep -Eq "^storage pool .fvm. +unsafe mode .*mode 0755, should be 0750" <<<"$2"' _ "$rc" "$out"
out=$(fvm-spawn setup 2>&1)
check "setup makes it 0750 in qemu's group" \
	bash -c 'grep -Eq "^storage pool .fvm. +mode fixed" <<<"$1" && [ "$(stat -c "%a %g" "$2")" = "750 $3" ]' _ "$out" "$POOL_DIR" "$qgid"

# --- build ---------------------------------------------------------------------------------
if original_from_cache_or_build debian12 itdeb; then
	ok "original itdeb of debian12 is in the store ($BUILT_BY)"
else
	bail "could not build the debian12 original"
fi
check "fvm-golden list --originals shows it" sh -c 'fvm-golden list --originals | grep -q "^itdeb "'

# --- golden --------------------------------------------------------------------------------
start=$SECONDS
golden=$(fvm-golden create itdeb itgold 2>&1)
if [ "$golden" = "itgold@1" ]; then
	ok "fvm-golden create makes itgold@1 ($((SECONDS - start)) s)"
else
	bail "fvm-golden create: $golden"
fi
gfile=$POOL_DIR/itgold@1.qcow2
check "the golden is read-only, for qemu's group only (0440, group $qgid)" \
	test "$(stat -c '%a %g' "$gfile")" = "440 $qgid"
# Every operation on by default ran, and nothing else (golden.sh checks what each one did).
ops=$(fvm-golden info itgold@1 --json | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["sysprep"])))')
want=$(fvm-golden --list-operations --json |
	python3 -c 'import json,sys; print(" ".join(sorted(o["name"] for o in json.load(sys.stdin) if o["default"])))')
check "info lists every sysprep operation applied" test "$ops" = "$want"
sha=$(fvm-golden info itgold@1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"])')
check "the manifest's sha256 is the golden file's" test "$sha" = "$(sha256sum <"$gfile" | cut -d' ' -f1)"

# What the golden holds, read through a real libguestfs appliance. guestfish stops at the
# first failing command, so every section must be there before its content counts.
inside=$(guestfish --ro --format=qcow2 -a "$gfile" -i <<'GF' 2>&1
echo [hostkeys]
ls /etc/ssh
echo [machine-id]
cat /etc/machine-id
echo [leases]
ls /var/lib/dhcp
echo [logs]
find /var/log
echo [dropin]
cat /etc/systemd/system/ssh.service.d/fvm-hostkeys.conf
echo [end]
GF
)
# Sections end at the next marker (the drop-in's own "[Service]" is content).
section() {
	awk -v s="[$1]" '$0 == s {on = 1; next} /^\[(hostkeys|machine-id|leases|logs|dropin|end)\]$/ {on = 0} on' <<<"$inside"
}
if ! grep -qx '\[end\]' <<<"$inside"; then
	not_ok "guestfish read the golden" "$inside"
fi
check "the golden has no SSH host keys (but its sshd_config)" \
	bash -c '! grep -q ssh_host <<<"$1" && grep -qx sshd_config <<<"$1"' _ "$(section hostkeys)"
check "the golden's machine-id is empty" test -z "$(section machine-id | tr -d '[:space:]')"
check "the golden has no DHCP leases" test -z "$(section leases)"
logs=$(section logs | grep -E '\.log$|/journal/.|wtmp|btmp|lastlog')
check "the golden has no log files" test -z "$logs"
check "the golden makes host keys at first boot" grep -q "ssh-keygen -A" <<<"$(section dropin)"

# --- bad input that needs a store ------------------------------------------------------------
count_state() { echo "$(virsh_ list --all --name | grep -c .) $(ls "$POOL_DIR" | wc -l)"; }
before=$(count_state)
out=$(fvm-spawn create nosuch@1 c9 2>&1); rc=$?
check "an unknown golden is one line, exit 1" test "$rc" = 1 -a "$out" = "fvm-spawn: error: golden 'nosuch@1' not found"
out=$(fvm-golden create nosuch 2>&1); rc=$?
check "an unknown original is one line, exit 1" test "$rc" = 1 -a "$out" = "fvm-golden: error: original 'nosuch' not found"
out=$(fvm-build --method bootstrap debian12 itdeb 2>&1); rc=$?
check "building over an existing original is refused" test "$rc" = 1 -a "$out" = "fvm-build: error: original 'itdeb' already exists"
check "and nothing was created" test "$(count_state)" = "$before"

# Ctrl-C in the middle of a build and of a golden: nothing of either is left.
# Its temporary directory goes under a TMPDIR of this test's own, so suites running beside this
# one (their builds, their appliances) are not counted.
int_tmp=$SANDBOX_DIR/int-tmp
mkdir -p "$int_tmp"
TMPDIR=$int_tmp fvm-build --method bootstrap debian12 itint >/dev/null 2>"$SANDBOX_DIR/int.err" &
pb=$!
for _ in $(seq 150); do grep -q "I: " "$POOL_DIR/itint.original.log" 2>/dev/null && break; sleep 0.2; done
sleep 3
# While it runs: its disk holds the guest's /etc/shadow, its directory the answer file.
modes=$(stat -c %a "$POOL_DIR/itint.original.qcow2" 2>&1; stat -c '%a %g' "$int_tmp"/fvm-build-* 2>&1)
check "a new original is 0600 and the build directory 0750 in qemu's group" \
	test "$modes" = "600"$'\n'"750 $qgid"
kill -INT $pb
wait $pb; rc=$?
check "Ctrl-C during fvm-build exits 130" test "$rc" = 130
check "and leaves no volume, log or manifest" test -z "$(ls "$POOL_DIR" | grep '^itint')"
check "and no temporary directory or mmdebstrap" bash -c \
	'[ -z "$(ls -A "$1")" ] && ! pgrep -f "[m]mdebstrap.*$1" >/dev/null && ! mount | grep -qF "$1"' _ "$int_tmp"
TMPDIR=$int_tmp fvm-golden create itdeb itint >/dev/null 2>&1 &
pg=$!
sleep 8
kill -INT $pg
wait $pg; rc=$?
check "Ctrl-C during fvm-golden create exits 130" test "$rc" = 130
check "and leaves no golden volume, template or manifest" test -z "$(ls "$POOL_DIR" | grep '^itint')"
# The appliance's command line names its disks (in this sandbox's pool, or overlays under the
# TMPDIR given) ([q] so that pgrep does not find this very command line).
check "and no appliance" bash -c '! pgrep -f "[q]emu-system.*($1|$2)" >/dev/null' _ "$POOL_DIR" "$int_tmp"

# --- two clones at once ----------------------------------------------------------------------
start=$SECONDS
fvm-spawn create itgold c1 --wait ssh --note "first" >"$SANDBOX_DIR/c1.out" 2>&1 &
p1=$!
fvm-spawn create itgold@1 c2 --wait ssh >"$SANDBOX_DIR/c2.out" 2>&1 &
p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
ip1=$(cat "$SANDBOX_DIR/c1.out") ip2=$(cat "$SANDBOX_DIR/c2.out")
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]; then
	ok "two clones spawned concurrently and answered SSH in $((SECONDS - start)) s"
else
	bail "concurrent spawn: c1 exit $rc1 ($ip1), c2 exit $rc2 ($ip2)"
fi
note "c1 has $ip1" "c2 has $ip2"
net=$(virsh_ net-dumpxml fvm | sed -n "s/.*<ip address='\([0-9.]*\)\.[0-9]*'.*/\1/p")
check "the two IPs differ and are in the sandbox's network ($net.0/24)" \
	bash -c '[ "$1" != "$2" ] && [ "${1%.*}" = "$3" ] && [ "${2%.*}" = "$3" ]' _ "$ip1" "$ip2" "$net"
check "fvm-spawn ip agrees" test "$(fvm-spawn ip c1)" = "$ip1"
uname=$(ssh_ "$ip1" uname -a 2>&1)
check "a command runs over SSH in c1" grep -q "^Linux " <<<"$uname"
note "c1: $uname"
ids=$(ssh_ "$ip1" cat /etc/machine-id; ssh_ "$ip2" cat /etc/machine-id)
check "each clone made its own machine-id" test "$(sort -u <<<"$ids" | grep -c '^[0-9a-f]\{32\}$')" = 2
keys=$(for ip in "$ip1" "$ip2"; do fvm-sandbox exec --dir "$SANDBOX_DIR" -- ssh-keyscan -t ed25519 "$ip" 2>/dev/null | cut -d' ' -f3; done)
check "each clone made its own SSH host key" test "$(sort -u <<<"$keys" | grep -c .)" = 2
list=$(fvm-spawn list --json)
check "list --json shows both running from itgold@1" python3 -c '
import json, sys
clones = {c["name"]: c for c in json.loads(sys.argv[1])}
assert clones["c1"]["state"] == "running" and clones["c2"]["state"] == "running", clones
assert clones["c1"]["golden"] == clones["c2"]["golden"] == "itgold@1"
assert clones["c1"]["note"] == "first"
assert clones["c1"]["ip"] == sys.argv[2]' "$list" "$ip1"

before=$(count_state)
out=$(fvm-spawn create itgold c1 2>&1); rc=$?
check "spawning an existing name is one line, exit 1" test "$rc" = 1 -a "$out" = "fvm-spawn: error: clone 'c1' already exists"
check "and changed nothing" test "$(count_state)" = "$before"
check "c1 still runs" test "$(virsh_ domstate c1)" = running
out=$(fvm-golden delete itgold@1 2>&1); rc=$?
check "deleting a golden in use is refused" test "$rc" = 1 -a "$out" = "fvm-golden: error: golden 'itgold@1' is in use by 2 clones: c1, c2"

# --- consolidate c2 and boot it again ----------------------------------------------------------
out=$(fvm-consolidate c2 2>&1); rc=$?
check "consolidating a running clone is refused" test "$rc" = 1 -a "$out" = "fvm-consolidate: error: clone 'c2' is running: stop it first ('fvm-spawn stop c2') or give --live"
check "fvm-spawn stop --graceful shuts c2 down" fvm-spawn stop --graceful --timeout 120 c2
disk=$POOL_DIR/c2.clone.qcow2
cp --sparse=always "$disk" "$SANDBOX_DIR/c2-before.qcow2"
check "fvm-consolidate c2" fvm-consolidate c2
check "c2's disk has no backing file any more" sh -c "! qemu-img info -U '$disk' | grep -q '^backing file'"
check "qemu-img compare finds the content identical" qemu-img compare -U "$SANDBOX_DIR/c2-before.qcow2" "$disk"
rm -f "$SANDBOX_DIR/c2-before.qcow2"
ip2b=$(fvm-spawn start c2 --wait ssh 2>&1)
check "the consolidated c2 boots again and answers SSH" grep -q "^Linux " <<<"$(ssh_ "$ip2b" uname -a 2>&1)"
note "c2 came back with $ip2b"
out=$(fvm-golden delete itgold@1 2>&1); rc=$?
check "the golden is now in use by c1 only" test "$out" = "fvm-golden: error: golden 'itgold@1' is in use by 1 clone: c1"

# --- Ctrl-C and kill -9 in the middle of a spawn ---------------------------------------------------
fvm-spawn create itgold c3 --wait ssh >/dev/null 2>"$SANDBOX_DIR/c3.err" &
p3=$!
for _ in $(seq 100); do [ "$(virsh_ domstate c3 2>/dev/null)" = running ] && break; sleep 0.2; done
kill -INT $p3
wait $p3; rc=$?
check "Ctrl-C during a spawn exits 130" test "$rc" = 130
check "and removes the half-made clone" sh -c "! virsh -q -c '$FVM_CONNECT' dominfo c3 >/dev/null 2>&1 && ! test -e '$POOL_DIR/c3.clone.qcow2'"
fvm-spawn create itgold c4 --wait ssh >/dev/null 2>&1 &
p4=$!
for _ in $(seq 100); do [ "$(virsh_ domstate c4 2>/dev/null)" = running ] && break; sleep 0.2; done
kill -KILL $p4
wait $p4
check "after kill -9, destroy removes what the spawn left" fvm-spawn destroy --yes c4

# --- destroy both: nothing left -------------------------------------------------------------------
check "fvm-spawn destroy c1 c2" fvm-spawn destroy --yes c1 c2
check "no domain is left" test -z "$(virsh_ list --all --name | grep .)"
check "no clone volume is left" test -z "$(ls "$POOL_DIR" | grep clone)"
sleep 1
leases=$(virsh_ net-dhcp-leases fvm)
check "no DHCP lease is left" test -z "$leases"
[ -n "$leases" ] && note "$leases"
check "with no clones the golden can be deleted" fvm-golden delete itgold@1
check "and its files are gone" test ! -e "$gfile" -a ! -e "$POOL_DIR/itgold@1.json"

finish
