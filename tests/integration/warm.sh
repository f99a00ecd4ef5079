#!/bin/bash
# Integration: warm goldens and warm clones (issue 16) on real components (a private libvirtd in
# a network namespace of this test's own, real qemu guests under TCG).
#   fvm-golden warm saves a booted golden's state (read-only files, a record with its SHA-256);
#   two warm clones of it, created at once, resume it and are each their own machine: different
#   MACs, addresses, host names, machine-ids, SSH host keys and /dev/urandom output, the kernel
#   reseeded its RNG on the VM generation ID change, both answer SSH, and the network's lease
#   file holds only their two MACs; /proc/sys/kernel/random/boot_id differs in both (the saved
#   kernel's was cleared, so each clone's kernel made its own after the RNG reseed) and journald
#   stamps the clone's entries with it (`journalctl -b` shows them); warmed by a root without
#   CAP_SYS_PTRACE the golden is warm all the same, with one warning line and the record saying
#   its clones share its boot_id; a tampered state file
#   makes create warn in one line and boot cold, and destroy leaves nothing. Each clone's ifupdown
#   unit is active with its DHCP client after fvm's address request; --count 2 with --ssh-key
#   resumes both, and the user's key and the one the golden had both log in.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmwarm-$$"
tmp=$(mktemp -d)
chmod 0755 "$tmp"
trap 'sandbox_down; rm -rf "$tmp"' EXIT
note "sandbox: $FVM_CONNECT"
mkdir -p "$tmp/fvm"
printf '[clone]\nip-timeout=600\nssh-timeout=600\n' >"$tmp/fvm/fvm.conf"
export XDG_CONFIG_HOME=$tmp

original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb of debian12 is in the store ($BUILT_BY)"
golden=$(fvm-golden create itdeb wgold 2>&1)
[ "$golden" = wgold@1 ] || bail "fvm-golden create: $golden"

start=$SECONDS
out=$(fvm-golden warm wgold@1 2>&1)
rc=$?
note "fvm-golden warm: exit $rc: $out"
check "fvm-golden warm wgold@1 ($((SECONDS - start)) s)" test "$out" = wgold@1 || note "$out"
check "the warm files are read-only and the record names the state's SHA-256 and size" python3 -c '
import json, os, sys, hashlib
d = sys.argv[1]
r = json.load(open(d + "/wgold@1.warm.json"))
st = d + "/wgold@1.warm.state"
assert r["state_size"] == os.path.getsize(st), r
assert r["state_sha256"] == hashlib.sha256(open(st, "rb").read()).hexdigest(), r
for f in ("state", "disk"):
    assert os.stat(d + "/wgold@1.warm." + f).st_mode & 0o222 == 0, f
assert r["boot_id_per_clone"] is True, r
print(r["abi"])' "$POOL_DIR"
check "no domain is left of the warm run" test -z "$(virsh_ list --all --name)"
check "fvm-golden list still shows just the golden, no warning" \
	test "$(fvm-golden list --names 2>&1)" = wgold@1

# --- two warm clones at once ---------------------------------------------------------------------
start=$SECONDS
for c in w1 w2; do
	(s=$(date +%s.%N); fvm-spawn create wgold $c --wait ssh >"$tmp/$c.ip" 2>"$tmp/$c.err"
		echo $? "$(echo "$(date +%s.%N) - $s" | bc)" >"$tmp/$c.rc") &
done
wait
for c in w1 w2; do
	read -r rc secs <"$tmp/$c.rc"
	check "warm create $c --wait ssh: exit 0, no warning ($secs s)" test "$rc" = 0 -a ! -s "$tmp/$c.err" ||
		note "$(cat "$tmp/$c.err")"
done
note "two warm clones at once: $((SECONDS - start)) s"
ip1=$(cat "$tmp/w1.ip") ip2=$(cat "$tmp/w2.ip")
check "the live definitions resumed a stream (-incoming), the persistent ones boot normally" \
	sh -c "virsh -q -c '$FVM_CONNECT' dumpxml w1 | grep -q incoming && ! virsh -q -c '$FVM_CONNECT' dumpxml --inactive w1 | grep -q incoming"
check "the persistent definition keeps the clone's fw_cfg identity for later cold boots" \
	sh -c "virsh -q -c '$FVM_CONNECT' dumpxml --inactive w1 | grep -q '<sysinfo' && ! virsh -q -c '$FVM_CONNECT' dumpxml w1 | grep -q '<sysinfo'"
facts() {
	ssh_ "$1" 'hostname; cat /etc/machine-id; cut -d" " -f2 /etc/ssh/ssh_host_ed25519_key.pub
		cat /proc/sys/kernel/random/boot_id; head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n"; echo
		dmesg | grep -c "crng reseeded due to virtual machine fork"
		systemctl is-active ifup@eth0; ps -C dhclient -o pid= | wc -l
		journalctl -q --no-pager --list-boots | tail -n 1 | tr -s " " "\n" | grep -Ex "[0-9a-f]{32}"
		journalctl -q --no-pager -b -o cat | grep -c "Journal started"'
}
facts "$ip1" >"$tmp/f1"
facts "$ip2" >"$tmp/f2"
note "w1: $(tr '\n' ' ' <"$tmp/f1")"
note "w2: $(tr '\n' ' ' <"$tmp/f2")"
line() { sed -n "${2}p" "$tmp/f$1"; }
check "both answer SSH" test -s "$tmp/f1" -a -s "$tmp/f2"
check "different addresses ($ip1, $ip2)" test -n "$ip1" -a -n "$ip2" -a "$ip1" != "$ip2"
mac1=$(virsh_ domiflist w1 | awk '{print $5}') mac2=$(virsh_ domiflist w2 | awk '{print $5}')
check "different MACs ($mac1, $mac2)" test -n "$mac1" -a "$mac1" != "$mac2"
check "host names are the clones' names" test "$(line 1 1)" = w1 -a "$(line 2 1)" = w2
check "different machine-ids" test -n "$(line 1 2)" -a "$(line 1 2)" != "$(line 2 2)"
check "different SSH host keys" test -n "$(line 1 3)" -a "$(line 1 3)" != "$(line 2 3)"
# What sshd serves, not only what is on disk: the running sshd took the new keys.
served() { fvm-sandbox exec --dir "$SANDBOX_DIR" -- ssh-keyscan -T 20 -t ed25519 "$1" 2>/dev/null | awk '{print $3}'; }
check "each sshd serves its clone's new host key" test "$(served "$ip1") $(served "$ip2")" = "$(line 1 3) $(line 2 3)"
check "different 32 bytes of /dev/urandom" test -n "$(line 1 5)" -a "$(line 1 5)" != "$(line 2 5)"
check "each kernel reseeded its RNG on the new VM generation ID" test "$(line 1 6)" -ge 1 -a "$(line 2 6)" -ge 1
# fvm restarts ifupdown's unit when its first DHCP request went out before the carrier: the
# clone's networking must be left as a boot leaves it (the unit active, one dhclient to renew).
check "each clone's ifup@eth0 is active with one DHCP client running (renewals)" \
	test "$(line 1 7) $(line 1 8) $(line 2 7) $(line 2 8)" = "active 1 active 1"
# The saved kernel's boot_id was cleared (fvm-warm-boot-id): each clone's kernel made its own.
check "different boot_ids" \
	test -n "$(line 1 4)" -a -n "$(line 2 4)" -a "$(line 1 4)" != "$(line 2 4)"
# journald, restarted, stamps the clone's entries with its boot_id: `journalctl -b` shows them.
check "each clone's journal is on its own boot_id, and journalctl -b shows its entries" \
	test "$(line 1 9) $(line 2 9)" = "$(line 1 4 | tr -d -) $(line 2 4 | tr -d -)" -a "$(line 1 10)" -ge 1 -a "$(line 2 10)" -ge 1
status=$(cat "$SANDBOX_DIR"/lib/libvirt/dnsmasq/*.status 2>/dev/null || cat "$SANDBOX_DIR"/lib/dnsmasq/*.status)
macs=$(grep -o '"mac-address": *"[^"]*"' <<<"$status" | cut -d'"' -f4 | sort | tr '\n' ' ')
want=$(printf '%s\n' "$mac1" "$mac2" | sort | tr '\n' ' ')
check "the lease file holds exactly the two clones' MACs ($macs)" test "$macs" = "$want"
# Their disks are backed by wgold@1.warm.disk: warming the golden again, or removing its warm
# state, must not take it from under them.
before=$(ls -l --time-style=+%s.%N "$POOL_DIR" | grep warm)
for args in "wgold@1" "--remove wgold@1"; do
	# shellcheck disable=SC2086 # two words on purpose
	out=$(fvm-golden warm $args 2>&1)
	rc=$?
	check "fvm-golden warm $args while w1 and w2 run on its warm disk: refused in one line (exit $rc: $out)" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-golden: error: the warm state of wgold@1 may be in use by 2 clones: " <<<"$2"' _ "$rc" "$out"
done
check "and its warm files are untouched" test "$(ls -l --time-style=+%s.%N "$POOL_DIR" | grep warm)" = "$before"
fvm-spawn destroy w1 w2 >/dev/null 2>&1 || fvm-spawn destroy w1 >/dev/null 2>&1

# --- --count and --ssh-key on a warm golden ------------------------------------------------------
# The fleet path (one process, clone.parallel at a time) and a user's key given through the agent.
ssh-keygen -q -t ed25519 -N '' -C warm-user -f "$tmp/k2"
start=$SECONDS
fvm-spawn create wgold wk --count 2 --ssh-key "$tmp/k2.pub" --wait ssh --json >"$tmp/wk.json" 2>"$tmp/wk.err"
rc=$?
check "create wgold wk --count 2 --ssh-key --wait ssh: exit 0, no warning ($((SECONDS - start)) s)" \
	test "$rc" = 0 -a ! -s "$tmp/wk.err" || note "$(cat "$tmp/wk.err")"
for i in 1 2; do
	ip=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clones"][int(sys.argv[2])]["ip"])' "$tmp/wk.json" $((i - 1)) 2>/dev/null)
	check "wk-$i resumed the warm state (-incoming)" sh -c "virsh -q -c '$FVM_CONNECT' dumpxml wk-$i | grep -q incoming"
	check "wk-$i: the --ssh-key key logs in, and the host name is wk-$i ($ip)" test "$(fvm-sandbox exec --dir "$SANDBOX_DIR" -- \
		ssh -i "$tmp/k2" -o BatchMode=yes -o ConnectTimeout=20 -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "root@$ip" hostname)" = "wk-$i"
	check "wk-$i: the key it had already logs in too" test "$(ssh_ "$ip" hostname)" = "wk-$i"
	modes=$(ssh_ "$ip" 'stat -c "%a %n" /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub /root/.ssh/authorized_keys
		grep "^127\.0\.1\.1[[:space:]]" /etc/hosts' 2>&1)
	check "wk-$i: private host keys and authorized_keys 600, public keys 644, /etc/hosts names only wk-$i" \
		bash -c '[ "$(grep -c "^600 /etc/ssh/ssh_host_.*_key$" <<<"$1")" = 3 ] &&
			[ "$(grep -c "^644 /etc/ssh/ssh_host_.*_key.pub$" <<<"$1")" = 3 ] &&
			grep -qx "600 /root/.ssh/authorized_keys" <<<"$1" &&
			! grep "^127\.0\.1\.1" <<<"$1" | grep -vq "[[:space:]]$2$"' _ "$modes" "wk-$i" || note "$modes"
	# The saved kernel's clock stood still from the save (over 20 s ago by now, so a clock not
	# stepped would be that far behind) to the resume.
	guest=$(ssh_ "$ip" 'date +%s') now=$(date +%s) saved=$(stat -c %Y "$POOL_DIR/wgold@1.warm.state")
	check "wk-$i: its clock was stepped to the host's (guest $guest, host $now, state saved at $saved)" \
		test $((now - saved)) -gt 20 -a $((now - guest)) -le 10 -a $((guest - now)) -le 10
done
fvm-spawn destroy wk-1 wk-2 >/dev/null 2>&1

# --- a tampered state ----------------------------------------------------------------------------
state=$POOL_DIR/wgold@1.warm.state
chmod u+w "$state"
printf 'X' | dd of="$state" bs=1 seek=$(($(stat -c %s "$state") / 2)) conv=notrunc status=none
chmod 0444 "$state"
fvm-spawn create wgold w3 --no-wait >/dev/null 2>"$tmp/w3.err"
rc=$?
check "a tampered state: create warns in one line and boots cold (exit $rc)" \
	sh -c "test $rc = 0 && test \$(wc -l <'$tmp/w3.err') = 1 && grep -q 'does not match its recorded SHA-256); booting cold' '$tmp/w3.err'" ||
	note "$(cat "$tmp/w3.err")"
note "$(cat "$tmp/w3.err")"
check "the cold clone is a normal boot (no -incoming)" sh -c "! virsh -q -c '$FVM_CONNECT' dumpxml w3 | grep -q incoming"
fvm-spawn destroy w3 >/dev/null 2>&1
check "nothing is left after destroy" test -z "$(virsh_ list --all --name)" -a -z "$(ls "$POOL_DIR" | grep 'clone')"
# --- without the right to write QEMU's memory: warm all the same, one warning, record says so ----
# QEMU runs as another user (libvirt-qemu): root without CAP_SYS_PTRACE cannot open its memory.
fvm-golden warm --remove wgold@1 >/dev/null 2>&1
out=$(setpriv --bounding-set -sys_ptrace --inh-caps -sys_ptrace fvm-golden warm wgold@1 2>"$tmp/np.err")
rc=$?
check "warm without CAP_SYS_PTRACE: exit 0 and one warning that its clones will share its boot_id ($(cat "$tmp/np.err"))" \
	bash -c '[ "$1" = 0 ] && [ "$2" = wgold@1 ] && [ "$(wc -l <"$3")" = 1 ] && grep -q "^fvm-golden: warning: the clones of wgold@1 will share its boot_id: /proc/[0-9]*/mem" "$3"' _ "$rc" "$out" "$tmp/np.err"
check "and its record says boot_id_per_clone false" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["boot_id_per_clone"] is False' "$POOL_DIR/wgold@1.warm.json"
out=$(fvm-golden delete wgold@1 2>&1)
check "deleting the golden removes its warm files" test -z "$(ls "$POOL_DIR" | grep warm)" || note "$out"
finish
