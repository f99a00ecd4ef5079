#!/bin/bash
# Integration: a farm of three hypervisors, each reached only over qemu+ssh (issue 15).
# Three "hosts": network namespaces, each with its own libvirtd (fvm-sandbox), NAT-less clone
# network and pool, and an sshd of this test's own on the host's address; a client namespace
# joined to them by a bridge, where fvm runs and from which no clone network is routable.
#   a golden made on host 1 (locally, the only way: create refuses a remote store), then
#   `create --count 4 --hosts all --wait ssh` from the client: clones on >= 2 hosts, the golden
#   pushed exactly once to each host that lacked it (the log says so), every clone answers
#   `fvm-spawn ssh NAME -- hostname -I` (its own address) through its hypervisor while the
#   direct route is absent,
#   `list --hosts` shows four with hosts; destroy and gc leave nothing on any host. A host whose
#   libvirtd is stopped (SIGSTOP) is skipped after hosts.timeout. Then host 3's
#   libvirtd is killed in the middle of a fleet create: the other clones are made, the failure
#   names host 3, list and gc skip it with its reason in bounded time; with host 3 back, gc
#   finds what the kill left there, and nothing is left anywhere.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

. "$here/farm-lib.sh"
farm_up
note "hosts: ${URI[1]%%\?*} ${URI[2]%%\?*} ${URI[3]%%\?*}"

# The farm in fvm.conf, and time enough for four TCG guests on a shared machine.
export XDG_CONFIG_HOME=$T/conf
mkdir -p "$T/conf/fvm"
printf '[hosts]\nuris=%s,%s,%s\ntimeout=20\n[clone]\nip-timeout=900\nssh-timeout=900\nssh-identity=%s\nmemory=384M\n' \
	"${URI[1]}" "${URI[2]}" "${URI[3]}" "$KEY" >"$T/conf/fvm/fvm.conf"

check "each host answers over qemu+ssh from the client" \
	client virsh -q -c "${URI[2]}" pool-info fvm

# --- a golden on host 1: made locally (a remote store is refused in one line) ---
SANDBOX_DIR=$T/h1 POOL_DIR=$T/h1/images FVM_CONNECT=${LOCAL[1]}
export FVM_CONNECT
original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb on host 1 ($BUILT_BY)"
out=$(client fvm-golden --connect "${URI[1]}" create itdeb fmgold 2>&1)
check "golden create on a remote store is refused in one line, saying to create locally and push" \
	test "$(wc -l <<<"$out")" = 1 -a -n "$(grep 'create the golden locally' <<<"$out")"
golden=$(fvm-golden create itdeb fmgold 2>&1)
[ "$golden" = fmgold@1 ] || bail "fvm-golden create: $golden"
note "setup: golden fmgold@1 made on host 1"
out=$(client fvm-golden list --hosts all 2>&1)
check "golden list --hosts: host 1 holds fmgold@1, hosts 2 and 3 nothing yet" \
	test "$(grep -c 'fmgold@1' <<<"$out")" = 1

# --- four clones over the farm (equal hosts take turns) ---
start=$SECONDS
client fvm-spawn create fmgold fm --count 4 --hosts all --wait ssh >"$T/create.out" 2>"$T/create.log"
rc=$?
note "create --count 4 over 3 hosts: exit $rc in $((SECONDS - start)) s"
sed 's/^/# /' "$T/create.log" "$T/create.out"
check "the fleet was made" test "$rc" = 0
hosts_used=$(awk '{print $3}' "$T/create.out" | sort -u | grep -c .)
check "clones landed on at least two hosts ($hosts_used)" test "$hosts_used" -ge 2
check "the log shows each clone's placement" test "$(grep -c '^fvm-spawn: placed fm-[1-4] on ' "$T/create.log")" = 4
for i in 2 3; do
	pushes=$(grep -c "^fvm-spawn: pushing fmgold@1 to ${URI[$i]}\$" "$T/create.log")
	placed=$(grep -c "placed fm-[1-4] on ${URI[$i]}\$" "$T/create.log")
	check "host $i (lacking the golden, given $placed clones) got exactly one push" \
		test "$pushes" = "$([ "$placed" -gt 0 ] && echo 1 || echo 0)"
done
check "host 1 (holding the golden) got no push" test "$(grep -c "pushing fmgold@1 to ${URI[1]}\$" "$T/create.log")" = 0

# (tap.sh counts tests in n: the loop has a variable of its own.)
for c in 1 2 3 4; do
	ip=$(awk -v n="fm-$c" '$1 == n {print $2}' "$T/create.out")
	host=$(awk -v n="fm-$c" '$1 == n {print $3}' "$T/create.out")
	check "fm-$c: no direct route from the client to its address $ip" \
		eval "! client ip route get '$ip' >/dev/null 2>&1"
	# The golden has no cloud-init and the hosts are remote, so clones keep the golden's host
	# name: the clone's own address in `hostname -I` shows which machine answered.
	out=$(client fvm-spawn ssh --hosts all "fm-$c" -- hostname -I 2>&1)
	check "fm-$c answers 'ssh -- hostname -I' through its hypervisor (${host%%\?*}) with its own address" \
		bash -c 'grep -w -- "$1" <<<"$2" || { echo "$2"; false; }' _ "$ip" "$out"
done
out=$(client fvm-spawn list --hosts all 2>&1)
sed 's/^/# /' <<<"$out"
check "list --hosts shows the four clones, each with its host" \
	test "$(grep -c '^fm-[1-4] .*qemu+ssh://root@10.77.0.1[123]/' <<<"$out")" = 4
out=$(client fvm-golden list --hosts all 2>&1)
sed 's/^/# /' <<<"$out"
out=$(client fvm-spawn destroy --yes --hosts all fm-1 fm-2 fm-3 fm-4 2>&1)
check "destroy --hosts removes all four" test $? = 0
client fvm-spawn gc --yes --hosts all >/dev/null 2>&1
check "gc --hosts succeeds everywhere" test $? = 0
nothing_left() {
	local i
	for i in 1 2 3; do
		[ -z "$(vh "$i" list --all --name)" ] || return 1
		! ls "$T/h$i/images" | grep -q 'clone\|seed' || return 1
		! vh "$i" net-dumpxml fvm | grep -q '<host ' || return 1
	done
}
check "nothing is left on any host (domains, disks, seeds, reservations)" nothing_left

# --- a host that is silent (its libvirtd stopped, its sshd answering): skipped after hosts.timeout ---
kill -STOP "$(cat "$T/h2/libvirtd.pid")"
start=$SECONDS
out=$(client fvm-spawn list --hosts all 2>&1)
took=$((SECONDS - start))
kill -CONT "$(cat "$T/h2/libvirtd.pid")"
check "a silent host is reported and skipped after hosts.timeout (20 s; took $took s)" \
	test "$(grep -c "warning: host ${URI[2]} skipped: no answer after 20 s" <<<"$out")" = 1 -a "$took" -le 30

# --- host 3's libvirtd killed in the middle of a fleet create ---
client fvm-spawn create fmgold fk --count 3 --hosts all --wait ip >"$T/kill.out" 2>"$T/kill.log" &
fleet=$!
deadline=$((SECONDS + 300))
until [ -n "$(vh 3 list --name 2>/dev/null)" ] || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
check "host 3 was given a clone that is running" test -n "$(vh 3 list --name 2>/dev/null)"
kill -KILL "$(cat "$T/h3/libvirtd.pid")"
wait "$fleet"
rc=$?
sed 's/^/# /' "$T/kill.log" "$T/kill.out"
check "the fleet create fails" test "$rc" = 1
check "the failure names host 3" grep -q "on ${URI[3]}: " "$T/kill.log"
check "the clones on hosts 1 and 2 were made" \
	test "$(grep -c ' qemu+ssh://root@10.77.0.1[12]/' "$T/kill.out")" = 2
start=$SECONDS
out=$(client fvm-spawn list --hosts all 2>&1)
check "list --hosts with host 3 down: skipped with its reason, within bounded time ($((SECONDS - start)) s)" \
	test "$(grep -c "warning: host ${URI[3]} skipped" <<<"$out")" = 1 -a $((SECONDS - start)) -le 40
check "... and shows the other two" test "$(grep -c '^fk-' <<<"$out")" = 2

# Host 3 back: its daemon again, in the same namespaces (the sshd kept them).
host_restart_daemon 3 || bail "restarting host 3's libvirtd"
left=$(vh 3 list --all --name; ls "$T/h3/images" | grep 'clone\|seed')
note "left on host 3 by the kill: $(echo $left)"
out=$(client fvm-spawn gc --yes --hosts all 2>&1)
sed 's/^/# /' <<<"$out"
check "gc with host 3 back finds what the kill left there" grep -q "^removed .* on ${URI[3]}\$" <<<"$out"
client fvm-spawn destroy --yes --hosts all $(grep -o '^fk-[0-9]' "$T/kill.out") >/dev/null 2>&1
client fvm-spawn gc --yes --hosts all >/dev/null 2>&1
check "nothing is left on any host" nothing_left
finish
