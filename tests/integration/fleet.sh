#!/bin/bash
# Integration: fvm-spawn for fleets and people, on real components (a private libvirtd in a
# network namespace of this test's own, real qemu guests under TCG, a golden made by fvm from
# an original fvm-build made).
#   --count 4 through a profile (hooks, template, disk size, memory) → all four get addresses,
#   the hooks see them; a --number clone gets exactly its reserved address, a taken number is
#   refused, a fleet with one taken number keeps the others; live consolidate of a running clone,
#   which then reboots fine; ssh, console, note, resize, list; several users (real users made
#   by useradd, run through setpriv): another user's destroy, start, stop, note, resize and
#   consolidate of a clone are refused with one line and leave it unchanged; a hook path edited
#   into a domain's metadata is not run at destroy (only hooks found by name in clone.hooks-dir
#   are); destroy removes reservations: nothing left. (A guest-agent address with a newline is
#   covered by the unit tests ipaddr and hook-examples.)
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

# Two users of the sandbox's daemon besides root: the owner of a clone and someone else.
group=fvmit$$
owner=fvmito$$ other=fvmitx$$
groupadd "$group" || bail "groupadd"
useradd -M -N -g "$group" -s /bin/sh "$owner" && useradd -M -N -g "$group" -s /bin/sh "$other" ||
	bail "useradd"
users_down() { userdel "$owner" 2>/dev/null; userdel "$other" 2>/dev/null; groupdel "$group" 2>/dev/null; }
sandbox_up "fvmfl-$$" "$group"
trap 'sandbox_down; users_down; rm -rf "$conf"' EXIT
note "sandbox: $FVM_CONNECT"

original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb of debian12 is in the store ($BUILT_BY)"
golden=$(fvm-golden create itdeb flgold 2>&1)
[ "$golden" = flgold@1 ] || bail "fvm-golden create: $golden"
note "setup: golden flgold@1 made"

net=$(virsh_ net-dumpxml fvm | sed -n "s/.*<ip address='\([0-9.]*\)\.[0-9]*'.*/\1/p")
count_state() {
	echo "$(virsh_ list --all --name | grep -c .) $(ls "$POOL_DIR" | grep -c 'clone\|seed') $(virsh_ net-dumpxml fvm | grep -c '<host ')"
}

# --- a profile: golden, memory, disk size, a template, a hook (by name, from clone.hooks-dir) ---
conf=$(mktemp -d)
chmod 0755 "$conf"
mkdir -p "$conf/fvm/profiles" "$conf/fvm/hooks"
export XDG_CONFIG_HOME=$conf
printf '[clone]\nhooks-dir=%s\n' "$conf/fvm/hooks" >"$conf/fvm/fvm.conf"
log=$conf/hook.log
cat >"$conf/fvm/hooks/record" <<EOF
#!/bin/sh
echo "saw \$1 of \$FVM_CLONE at \${FVM_IP:-none} from \$FVM_GOLDEN"
echo "\$1 \$FVM_CLONE \$FVM_IP \$FVM_MAC" >>"$log"
EOF
chmod 0755 "$conf/fvm/hooks/record"
# fvm's own layout with one addition, to see the template is the one used.
cat >"$conf/fvm/profiles/ci.xml" <<'EOF'
<domain type='{{domain_type}}'>
  <name>{{name}}</name>
  <uuid>{{uuid}}</uuid>
  <title>{{title}}</title>
  <description>from the ci template</description>
{{metadata}}  <memory unit='MiB'>{{memory_mib}}</memory>
  <vcpu>{{vcpus}}</vcpu>
{{os}}  <features><acpi/><apic/></features>
{{cpu}}  <devices>
{{disks}}{{interface}}{{devices}}  </devices>
</domain>
EOF
printf '[clone]\ngolden=flgold\nmemory=384M\ndisk-size=5G\nhooks=record\ntemplate=ci.xml\n' \
	>"$conf/fvm/profiles/ci.conf"
check "fvm-spawn profiles lists it" test "$(fvm-spawn profiles)" = ci
settings=$(fvm-spawn info --settings --profile ci)
check "info --settings names the profile as the source of its values" \
	grep -Eq "^clone.memory +384M +profile 'ci' \\($conf/fvm/profiles/ci.conf\\)" <<<"$settings"

# --- four at once ------------------------------------------------------------------------------
start=$SECONDS
fvm-spawn create ci --profile ci --count 4 --json >"$conf/fleet.json" 2>"$conf/fleet.err"
rc=$?
check "create --count 4 succeeds ($((SECONDS - start)) s)" test "$rc" = 0
note "$(cat "$conf/fleet.err")"
check "the JSON has four clones with distinct addresses in the network, none failed" python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
clones = doc["clones"]
assert [c["name"] for c in clones] == ["ci-1", "ci-2", "ci-3", "ci-4"], clones
ips = [c["ip"] for c in clones]
assert len(set(ips)) == 4 and all(ip.startswith(sys.argv[2] + ".") for ip in ips), ips
assert all(c["mac"] and c["golden"] == "flgold@1" for c in clones), clones
assert doc["failed"] == []' "$conf/fleet.json" "$net"
ip1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clones"][0]["ip"])' "$conf/fleet.json")
check "each clone's create hook ran once the clone had its address, and its output was shown" bash -c '
	for i in 1 2 3 4; do
		grep -q "^create ci-$i $2\.[0-9]* " "$1" || exit 1
		grep -q "ci-$i: record: saw create of ci-$i at $2\." "$3" || exit 1
	done' _ "$log" "$net" "$conf/fleet.err"
info=$(fvm-spawn info ci-2)
check "info tells where each setting came from" bash -c '
	grep -Eq "clone.memory +384 MiB +profile .ci." <<<"$1" && grep -Eq "clone.golden +flgold@1 +profile .ci." <<<"$1" &&
	grep -Eq "clone.vcpus +1 +libosinfo \(debian12\)" <<<"$1"' _ "$info"
xml=$(virsh -q -c "$FVM_CONNECT" dumpxml ci-3 2>&1)
check "the template was used" bash -c 'grep -q "from the ci template" <<<"$1" || { echo "$1"; exit 1; }' _ "$xml"
check "with the profile's memory" bash -c 'grep "<memory" <<<"$1" && grep -q "<memory unit=.KiB.>393216<" <<<"$1"' _ "$xml"
blk=$(virsh -q -c "$FVM_CONNECT" domblkinfo ci-3 vda 2>&1)
check "and the profile's disk size" bash -c \
	'echo "$1"; [ "$(awk "/Capacity/ {print \$2}" <<<"$1")" = 5368709120 ]' _ "$blk"
out=$(HOME=$conf fvm-spawn ssh -i "$KEY" ci-1 -- cat /etc/machine-id 2>&1); rc=$?
check "fvm-spawn ssh runs a command in ci-1" bash -c '[ "$1" = 0 ] && grep -Eqx "[0-9a-f]{32}" <<<"$2"' _ "$rc" "$out"
check "and writes no known_hosts" test ! -e "$conf/.ssh/known_hosts"
HOME=$conf fvm-spawn ssh -i "$KEY" ci-1 nosuch ci-2 ci-3 -- cat /etc/machine-id >"$conf/several.out" 2>"$conf/several.err"
rc=$?
check "ssh with several names runs the command in each, one heading per clone, the missing name reported and the others run (exit 1)" python3 -c '
import re, sys
rc, out, err = sys.argv[1], open(sys.argv[2]).read().splitlines(), open(sys.argv[3]).read().splitlines()
assert rc == "1", rc
assert [l for l in out if l.startswith("== ")] == ["== ci-1", "== ci-2", "== ci-3"], out
ids = [out[i + 1] for i, l in enumerate(out) if l.startswith("== ")]
assert all(re.fullmatch("[0-9a-f]{32}", i) for i in ids) and len(set(ids)) == 3, ids
assert err == ["fvm-spawn: error: clone \x27nosuch\x27 not found"], err
' "$rc" "$conf/several.out" "$conf/several.err"
con=$( (sleep 2; printf '\n') | fvm-spawn console ci-1 --timeout 20 2>/dev/null)
check "fvm-spawn console shows the login prompt" grep -aq "login:" <<<"$con"

# --- people: note, list, resize -----------------------------------------------------------------
check "note sets a note" fvm-spawn note ci-2 "for the demo"
check "list shows it with the owner, its profile, its disk usage and an age" bash -c '
	fvm-spawn list | grep -Eq "^ci-2 +flgold@1 +running +[0-9.]+ +root +ci +[0-9.]+[BKMGTP] +[0-9]+[smhd] +for the demo$"'
check "and virsh shows it in the description" bash -c 'virsh -q -c "$FVM_CONNECT" desc ci-2 | grep -q "for the demo"'
fvm-spawn note ci-2
check "note without text clears it" test "$(fvm-spawn info ci-2 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["note"])')" = ""
check "resize grows a running clone's disk" bash -c '
	fvm-spawn resize ci-4 6G && [ "$(virsh -q -c "$FVM_CONNECT" domblkinfo ci-4 vda | awk "/Capacity/ {print \$2}")" = 6442450944 ]'
out=$(fvm-spawn resize ci-4 5G 2>&1); rc=$?
# (GLib puts a no-break space between number and unit.)
check "resize refuses to shrink without --force (one line, exit 1)" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "smaller than the disk of .ci-4. (6.0.GiB)" <<<"$2" || { echo "$2"; false; }' _ "$rc" "$out"
out=$(fvm-spawn resize ci-4 5G --force 2>&1); rc=$?
check "and refuses to shrink a running clone even with --force" bash -c '[ "$1" = 1 ] && grep -q "only shrinks offline" <<<"$2"' _ "$rc" "$out"

# --- predictable addresses --------------------------------------------------------------------
out=$(fvm-spawn create flgold num --number 42 --wait ssh 2>&1); rc=$?
check "a --number 42 clone answers SSH at $net.42" test "$rc" = 0 -a "$out" = "$net.42"
addr=$(ssh_ "$net.42" ip -4 -o addr show eth0 2>&1)
check "and sees that address inside" grep -q " $net.42/" <<<"$addr"
check "list --sort age puts it first, the newest" test "$(fvm-spawn list --sort age --names | head -n 1)" = num
check "the network holds its reservation" bash -c 'virsh -q -c "$FVM_CONNECT" net-dumpxml fvm | grep -q "name=.num. ip=.$1.42."' _ "$net"
before=$(count_state)
out=$(fvm-spawn create flgold num2 --number 42 --no-start 2>&1); rc=$?
check "a number already reserved is refused (one line, exit 1)" \
	test "$rc" = 1 -a "$out" = "fvm-spawn: error: address $net.42 is already reserved for 'num'"
check "and nothing of it is left" test "$(count_state)" = "$before"
out=$(fvm-spawn create flgold bad --number 1 --no-start 2>&1); rc=$?
check "the network's own address is refused" bash -c '[ "$1" = 1 ] && grep -q "own address" <<<"$2"' _ "$rc" "$out"
out=$(fvm-spawn create flgold bad --ip 10.1.2.3 --no-start 2>&1); rc=$?
check "an address outside the subnet is refused" bash -c '[ "$1" = 1 ] && grep -q "not in the network.s subnet" <<<"$2"' _ "$rc" "$out"
check "and left nothing" test "$(count_state)" = "$before"
out=$(fvm-spawn create flgold part --count 3 --number 41 --no-start --json 2>"$conf/part.err"); rc=$?
check "a fleet where one number is taken: exit 1, the failed one named, the others kept" bash -c '
	[ "$1" = 1 ] && python3 -c "
import json, sys
d = json.loads(sys.argv[1])
assert [c[\"name\"] for c in d[\"clones\"]] == [\"part-1\", \"part-3\"], d
assert [f[\"name\"] for f in d[\"failed\"]] == [\"part-2\"] and \"already reserved\" in d[\"failed\"][0][\"error\"], d
" "$2" && grep -q "1 of 3 clones failed (part-2)" "$3"' _ "$rc" "$out" "$conf/part.err"
check "fvm-spawn destroy part-1 part-3" fvm-spawn destroy --yes part-1 part-3
check "destroy num" fvm-spawn destroy --yes num
check "removes its reservation" bash -c '! virsh -q -c "$FVM_CONNECT" net-dumpxml fvm | grep -q "<host "'

# --- live consolidate ---------------------------------------------------------------------------
ssh_ "$ip1" 'echo before-pull >/root/marker && sync' || not_ok "writing a marker into ci-1"
gfile=$POOL_DIR/flgold@1.qcow2
out=$(fvm-consolidate --live ci-1 2>&1); rc=$?
check "fvm-consolidate --live on the running ci-1" test "$rc" = 0
[ -n "$out" ] && note "$out"
check "ci-1 kept running" test "$(virsh_ domstate ci-1)" = running
check "its disk no longer has a backing file" sh -c "! qemu-img info -U '$POOL_DIR/ci-1.clone.qcow2' | grep -q '^backing file'"
check "its live definition no longer reads the golden" bash -c '! virsh -q -c "$FVM_CONNECT" dumpxml ci-1 | grep -q "<source file=.*flgold@1.qcow2"'
check "fvm-golden no longer counts it as a user" bash -c 'fvm-golden delete flgold@1 2>&1 | grep -q "in use by 3 clones: ci-2, ci-3, ci-4"'
check "the guest still works after the pull" test "$(ssh_ "$ip1" cat /root/marker 2>&1)" = before-pull
fvm-spawn stop --graceful --timeout 120 ci-1 >/dev/null
ipb=$(fvm-spawn start ci-1 --wait ssh 2>&1)
check "ci-1 reboots fine and answers SSH ($ipb), its data kept" test "$(ssh_ "$ipb" cat /root/marker 2>&1)" = before-pull
out=$(fvm-consolidate --live ci-1 2>&1); rc=$?
check "consolidating it again is refused" bash -c '[ "$1" = 1 ] && grep -q "consolidated already" <<<"$2"' _ "$rc" "$out"
out=$(fvm-consolidate --live nosuch 2>&1); rc=$?
check "an unknown clone is one line, exit 1" test "$rc" = 1 -a "$out" = "fvm-consolidate: error: clone 'nosuch' not found"

# --- several users: owners, with real users ---------------------------------------------------
# clone.owner-only is on by default: no configuration needed.
as() {
	local user=$1 home=$conf/home-$1
	shift
	mkdir -p "$home" && chown "$user" "$home"
	setpriv --reuid="$user" --regid="$group" --init-groups env -u SUDO_USER -u SUDO_UID \
		HOME="$home" XDG_RUNTIME_DIR="$home" XDG_CONFIG_HOME="$conf" "$@"
}
out=$(as "$owner" fvm-spawn create flgold mine --no-start --note "the owner's" 2>&1); rc=$?
check "a user of the daemon's group makes a clone (exit $rc)" test "$rc" = 0
check "the clone records that user as its owner" bash -c '
	fvm-spawn info mine --json | python3 -c "import json,sys,pwd; c=json.load(sys.stdin); assert c[\"owner\"] == sys.argv[1] and c[\"owner_uid\"] == pwd.getpwnam(sys.argv[1]).pw_uid, c" "$1"' _ "$owner"
out=$(as "$owner" env SUDO_USER=root SUDO_UID=0 fvm-spawn create flgold mine-sudo --no-start 2>&1)
check "SUDO_USER set by a user who is not root is not believed" bash -c '
	fvm-spawn info mine-sudo --json | python3 -c "import json,sys; c=json.load(sys.stdin); assert c[\"owner\"] == sys.argv[1], c" "$1"' _ "$owner"
state_of_mine() {
	virsh_ dumpxml --inactive mine
	qemu-img info -U --output=json "$POOL_DIR/mine.clone.qcow2" | grep -v '"actual-size"'
}
before=$(state_of_mine)
refused() { # refused VERB RC OUT
	[ "$2" = 1 ] && [ "$(wc -l <<<"$3")" = 1 ] &&
		grep -q "^fvm-[a-z]*: error: clone 'mine' belongs to $owner (uid [0-9]*): only its owner or root may $1 it" <<<"$3" ||
		{ echo "exit $2: $3"; false; }
}
out=$(as "$other" fvm-spawn destroy --yes mine 2>&1); rc=$?
check "another user may not destroy it (one line, exit 1)" refused destroy "$rc" "$out"
out=$(as "$other" fvm-spawn start mine 2>&1); rc=$?
check "nor start it" refused start "$rc" "$out"
out=$(as "$other" fvm-spawn stop mine 2>&1); rc=$?
check "nor stop it" refused stop "$rc" "$out"
out=$(as "$other" fvm-spawn note mine "taken over" 2>&1); rc=$?
check "nor set its note" refused note "$rc" "$out"
out=$(as "$other" fvm-spawn resize mine 6G 2>&1); rc=$?
check "nor resize it" refused resize "$rc" "$out"
out=$(as "$other" fvm-spawn resize mine 1G --force 2>&1); rc=$?
check "nor shrink it with --force" refused resize "$rc" "$out"
out=$(as "$other" fvm-consolidate mine 2>&1); rc=$?
check "nor consolidate it" refused consolidate "$rc" "$out"
out=$(as "$other" env SUDO_USER="$owner" SUDO_UID="$(id -u "$owner")" fvm-spawn destroy --yes mine 2>&1); rc=$?
check "nor destroy it by claiming to be the owner through SUDO_USER/SUDO_UID" refused destroy "$rc" "$out"
check "the clone is unchanged: definition, metadata, note and disk" bash -c '
	[ "$1" = "$2" ] || { diff <(echo "$1") <(echo "$2"); false; }' _ "$before" "$(state_of_mine)"
check "its owner may set its note" as "$owner" fvm-spawn note mine "still the owner's"
out=$(as "$owner" fvm-spawn note mine "$(printf 'two\nlines')" 2>&1); rc=$?
check "a note of two lines is refused (one line, exit 1)" bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ]' _ "$rc" "$out"
check "its owner may destroy it" as "$owner" fvm-spawn destroy --yes mine
check "root always may" fvm-spawn destroy --yes mine-sudo

# --- a hook path edited into a domain's metadata is never run ----------------------------------
printf '#!/bin/sh\ntouch "%s"\n' "$conf/evil-ran" >"$conf/evil"
chmod 0755 "$conf/evil"
out=$(fvm-spawn create flgold meta1 --no-start --hook record 2>&1); rc=$?
check "a clone made with hook 'record' (exit $rc)" test "$rc" = 0
check "records the hook by name, not by path" bash -c 'virsh -q -c "$FVM_CONNECT" dumpxml meta1 | grep -q "<fvm:hook>record</fvm:hook>"'
virsh_ dumpxml --inactive meta1 >"$conf/meta1.xml"
python3 -c '
import re, sys
path, evil = sys.argv[1], sys.argv[2]
xml = open(path).read()
hooks = "".join("<fvm:hook>%s</fvm:hook>" % h for h in ["record", evil, "evil", "../../evil"])
xml, n = re.subn(r"<fvm:hooks>.*?</fvm:hooks>", "<fvm:hooks>%s</fvm:hooks>" % hooks, xml, flags=re.S)
assert n == 1, xml
open(path, "w").write(xml)' "$conf/meta1.xml" "$conf/evil"
check "someone with libvirt write access edits hook paths into its metadata (virsh define)" \
	bash -c 'virsh -q -c "$FVM_CONNECT" define "$1" >/dev/null && virsh -q -c "$FVM_CONNECT" dumpxml meta1 | grep -q "<fvm:hook>$2</fvm:hook>"' _ "$conf/meta1.xml" "$conf/evil"
out=$(fvm-spawn destroy --yes meta1 2>&1); rc=$?
check "destroy (run by root) still removes the clone" bash -c '[ "$1" = 0 ] && ! virsh -q -c "$FVM_CONNECT" dominfo meta1 >/dev/null 2>&1' _ "$rc"
check "the edited-in paths and names did not run" test ! -e "$conf/evil-ran"
check "and destroy said so for each" bash -c '[ "$(grep -c "destroy hook not run" <<<"$1")" = 3 ] || { echo "$1"; false; }' _ "$out"
check "the hook found by name in clone.hooks-dir ran" grep -q "^destroy meta1 " "$log"

# --- destroy the fleet: hooks see it, nothing is left ----------------------------------------------
out=$(fvm-spawn destroy --yes ci-1 ci-2 ci-3 ci-4 2>&1); rc=$?
check "destroy the fleet" test "$rc" = 0
check "each destroy hook ran" bash -c 'for i in 1 2 3 4; do grep -q "^destroy ci-$i " "$1" || exit 1; done' _ "$log"
check "no domain, clone volume, seed or reservation is left" test "$(count_state)" = "0 0 0"
sleep 1
check "no DHCP lease is left" test -z "$(virsh_ net-dhcp-leases fvm)"
check "gc finds nothing" test -z "$(fvm-spawn gc --dry-run)"

finish
