#!/bin/bash
# Integration: clone identity on real components (a private libvirtd in a network namespace of
# this test's own, real qemu guests under TCG, goldens made by fvm from originals fvm-build made).
#   bad inputs (a missing key file, #cloud-config for a golden without cloud-init, a malformed
#   spec, oversize user-data, hostile names): one error line, nothing left; a golden without
#   cloud-init gets fvm's fw_cfg reader: a clone is called by its own name, an extra --ssh-key
#   logs in and a #! user-data script runs once, all with no libguestfs appliance launched (the
#   create runs with a libguestfs that cannot launch one), the keys and script in files only
#   root and qemu's group read; a golden with cloud-init: clones named 123, true and null are
#   called exactly that; --hostname web1 over the user-data's own hostname, --ssh-key and
#   #cloud-config user-data through a NoCloud seed volume, which lives as long as the clone;
#   fvm's host name and keys win over the user's, whose keys log in too.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmid-$$"
tmp=$(mktemp -d)
chmod 0755 "$tmp"
trap 'sandbox_down; rm -rf "$tmp"' EXIT
note "sandbox: $FVM_CONNECT"
# cloud-init under TCG is slow: allow a first boot many minutes.
mkdir -p "$tmp/fvm"
printf '[clone]\nip-timeout=900\nssh-timeout=900\n' >"$tmp/fvm/fvm.conf"
export XDG_CONFIG_HOME=$tmp

original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb of debian12 is in the store ($BUILT_BY)"
golden=$(fvm-golden create itdeb idgold 2>&1)
[ "$golden" = idgold@1 ] || bail "fvm-golden create: $golden"
check "golden idgold@1 made; its manifest says no cloud-init, fvm's fw_cfg reader" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert not m.get("cloud_init", False) and m.get("fwcfg_identity") is True, m' "$POOL_DIR/idgold@1.json"

state() { echo "$(virsh_ list --all --name | grep -c .) $(ls "$POOL_DIR" | grep -c 'clone\|seed\|fwcfg')"; }
# refused DESC PATTERN CMD...: exit 1 (2 for a usage error), one line matching PATTERN, no
# domain or volume left.
refused() {
	local desc=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if { [ "$rc" = 1 ] || [ "$rc" = 2 ]; } && [ "$(wc -l <<<"$out")" = 1 ] && grep -Eq -- "$pattern" <<<"$out" &&
		[ "$(state)" = "0 0" ]; then
		ok "$desc"
		note "$out"
	else
		not_ok "$desc" "exit $rc, state $(state)" "$out"
	fi
}

# --- bad inputs ------------------------------------------------------------------------------------
refused "a missing key file: one line naming it, nothing made" \
	"^fvm-spawn: .*SSH key file $tmp/missing.pub: No such file or directory$" \
	fvm-spawn create idgold bad1 --ssh-key "$tmp/missing.pub"
printf 'not a key\n' >"$tmp/junk.pub"
refused "a key file that holds no key: one line naming it and the line" \
	"SSH key file $tmp/junk.pub: line 1 is not an SSH public key" \
	fvm-spawn create idgold bad2 --ssh-key "$tmp/junk.pub"
printf '#cloud-config\nwrite_files:\n  - path: /root/x\n    content: x\n' >"$tmp/cc.yaml"
refused "#cloud-config user-data for a golden without cloud-init is refused before anything is made" \
	"golden idgold@1 has no cloud-init: #cloud-config user-data needs it; give a #! script instead" \
	fvm-spawn create idgold bad3 --user-data "$tmp/cc.yaml"
printf 'golden: idgold\nmemory: 512M\n  vcpus: 1\n' >"$tmp/bad.yaml"
refused "a malformed spec: one line with file and line" \
	"$tmp/bad.yaml:3: malformed YAML" fvm-spawn create bad4 --spec "$tmp/bad.yaml"
printf 'golden: idgold\ncolour: blue\n' >"$tmp/unknown.yaml"
refused "an unknown key in a spec: one line with file and line" \
	"$tmp/unknown.yaml:2: unknown key 'colour'" fvm-spawn create bad5 --spec "$tmp/unknown.yaml"
{ printf '#!/bin/sh\n'; head -c 300000 /dev/zero | tr '\0' '#'; printf '\n'; } >"$tmp/big.sh"
refused "user-data over the bound a guest is given: one line naming the file" \
	"user-data file $tmp/big.sh is 300011 bytes, more than the 262144 fvm passes to a guest" \
	fvm-spawn create idgold bad6 --user-data "$tmp/big.sh"
refused "a hostile --hostname: one line" "--hostname must be a DNS label" \
	fvm-spawn create idgold bad7 --hostname 'x;reboot'
refused "a hostile clone name: one line" "invalid clone name '../x'" \
	fvm-spawn create idgold ../x
refused "a host name with a newline: one line" "--hostname must be a DNS label" \
	fvm-spawn create idgold bad8 --hostname "$(printf 'a\nb')"

# --- a golden without cloud-init: fw_cfg, read by fvm's reader, no appliance -----------------------
# A libguestfs that cannot launch an appliance: a create that launched one fails. First shown to
# fail fvm's own launch (fvm-golden create stops at it and leaves nothing).
mkdir -p "$tmp/no-appliance"
noguestfs() { LIBGUESTFS_PATH=$tmp/no-appliance LIBGUESTFS_HV=/bin/false "$@"; }
out=$(noguestfs fvm-golden create itdeb trapgold 2>&1)
rc=$?
check "the trap works: fvm-golden create under a libguestfs that cannot launch fails" \
	bash -c '[ "$1" != 0 ] && [ ! -e "$2/trapgold@1.json" ]' _ "$rc" "$POOL_DIR" || note "$out"
ssh-keygen -q -t ed25519 -N '' -C extra -f "$tmp/extra"
printf '#!/bin/sh\necho "ran as $(id -un) on $(hostname)" >>/root/user-data-ran\n# secret-%s\n' $$ >"$tmp/first.sh"
start=$SECONDS
ip=$(noguestfs fvm-spawn create idgold c1 --ssh-key "$tmp/extra.pub" \
	--user-data "$tmp/first.sh" --wait ssh 2>"$tmp/c1.err")
rc=$?
check "create c1 --ssh-key --user-data script --wait ssh, no appliance possible ($((SECONDS - start)) s)" \
	test "$rc" = 0 || note "$(cat "$tmp/c1.err")"
check "the domain carries the identity as fw_cfg entries" bash -c '
	x=$(virsh -q -c "$1" dumpxml c1)
	grep -q "<sysinfo type=.fwcfg.>" <<<"$x" && grep -q "name=.opt/org.fvm/hostname.>c1<" <<<"$x" &&
	grep -q "name=.opt/org.fvm/ssh-keys. file=.$2/c1.keys.fwcfg." <<<"$x" &&
	grep -q "name=.opt/org.fvm/user-data. file=.$2/c1.user-data.fwcfg." <<<"$x"' _ "$FVM_CONNECT" "$POOL_DIR"
# While the domain runs libvirt's DAC driver lends them to qemu's user (and gives them back to
# root when it stops): the mode and the group are fvm's.
check "the keys and user-data files are 0640, qemu's group" bash -c '
	[ "$(stat -c "%a %g" "$2/c1.keys.fwcfg" "$2/c1.user-data.fwcfg" | sort -u)" = "640 $1" ]' _ \
	"$(qemu_gid)" "$POOL_DIR"
check "another user of the host cannot read the user-data, nor find it on QEMU's command line" bash -c '
	! setpriv --reuid=65534 --regid=65534 --clear-groups cat "$1/c1.user-data.fwcfg" 2>/dev/null &&
	! grep -qa "secre[t]-$2" /proc/[0-9]*/cmdline' _ "$POOL_DIR" $$
check "ssh: hostname prints c1, the clone's own name" test "$(ssh_ "$ip" hostname 2>&1)" = c1
check "/etc/hosts names c1 on 127.0.1.1" bash -c '[ "$(grep "^127.0.1.1" <<<"$1")" = "$(printf "127.0.1.1\tc1")" ]' _ \
	"$(ssh_ "$ip" cat /etc/hosts 2>&1)"
keys=$(ssh_ "$ip" 'stat -c "%a %U" /root/.ssh /root/.ssh/authorized_keys; cat /root/.ssh/authorized_keys' 2>&1)
check "authorized_keys keeps the golden's key, has the extra one, modes 700/600" bash -c '
	grep -qF "$(cut -d" " -f2 "$2")" <<<"$1" && grep -qF "$(cut -d" " -f2 "$3")" <<<"$1" &&
	grep -qx "700 root" <<<"$1" && grep -qx "600 root" <<<"$1"' _ "$keys" "$KEY.pub" "$tmp/extra.pub"
check "the extra key logs in" fvm-sandbox exec --dir "$SANDBOX_DIR" -- ssh -i "$tmp/extra" \
	-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
	"root@$ip" true
ran=""
for _ in $(seq 30); do
	ran=$(ssh_ "$ip" cat /root/user-data-ran 2>/dev/null) && [ -n "$ran" ] && break
	sleep 2
done
check "the #! user-data ran at first boot, as root, after the host name was set" test "$ran" = "ran as root on c1"
check "machine-id is the clone's own (not empty, not the golden's)" bash -c '
	[ -n "$1" ] && [ "$1" != uninitialized ] && [ "$1" != "$2" ]' _ \
	"$(ssh_ "$ip" cat /etc/machine-id 2>&1)" "$(ssh_ "$ip" cat /var/lib/fvm/golden-machine-id 2>/dev/null)"
check "fvm-spawn info shows the host name" bash -c 'fvm-spawn info c1 --json | python3 -c "import json,sys; c=json.load(sys.stdin); assert c[\"hostname\"] == \"c1\", c"'
check "no seed for a golden without cloud-init" test ! -e "$POOL_DIR/c1.seed.iso"
check "destroy c1" fvm-spawn destroy --yes c1
check "nothing left (domain, disk, fw_cfg files)" test "$(state)" = "0 0"

# --- a golden with cloud-init: a NoCloud seed ------------------------------------------------------
if ! original_from_cache_or_build debian12 itci cloud-init; then
	not_ok "original itci of debian12 with cloud-init is in the store"
	finish
	exit
fi
ok "original itci of debian12 with cloud-init is in the store ($BUILT_BY)"
golden=$(fvm-golden create itci cigold 2>&1)
check "golden cigold@1 made" test "$golden" = cigold@1
check "its manifest says cloud-init" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m.get("cloud_init") is True, m' "$POOL_DIR/cigold@1.json"
# Clones whose names YAML would read as a number, a boolean and null unquoted (issue 16), booted
# together in the background while c2 boots.
# (not $n: tap.sh counts checks in it)
for name in 123 true null; do
	fvm-spawn create cigold "$name" --wait ssh >"$tmp/$name.ip" 2>"$tmp/$name.err" &
done
# The user's #cloud-config sets a host name, disable_root and a key of its own; --hostname and
# --ssh-key must win for what fvm sets (issue 16: its Merge-Type let the user's values stay), and
# both keys must log in.
ssh-keygen -q -t ed25519 -N '' -C user -f "$tmp/user"
cat >"$tmp/ud.yaml" <<EOF2
#cloud-config
hostname: other
disable_root: true
ssh_authorized_keys:
  - $(cat "$tmp/user.pub")
write_files:
  - path: /root/from-cloud-init
    content: |
      written by cloud-init
EOF2
start=$SECONDS
ip=$(fvm-spawn create cigold c2 --hostname web1 --ssh-key "$tmp/extra.pub" --user-data "$tmp/ud.yaml" \
	--wait ssh 2>"$tmp/c2.err")
rc=$?
check "create c2 --hostname web1 --ssh-key --user-data #cloud-config --wait ssh ($((SECONDS - start)) s)" \
	test "$rc" = 0 || note "$(cat "$tmp/c2.err")"
check "the seed volume c2.seed.iso exists while the clone lives" bash -c 'virsh -q -c "$1" vol-list fvm | grep -q "c2.seed.iso"' _ "$FVM_CONNECT"
check "the domain has it as a CD-ROM" bash -c 'virsh -q -c "$1" dumpxml c2 | grep -q "c2.seed.iso"' _ "$FVM_CONNECT"
check "the seed (user-data) is 0640, readable by qemu's group only" \
	test "$(stat -c '%a %g' "$POOL_DIR/c2.seed.iso")" = "640 $(qemu_gid)"
host=""
for _ in $(seq 60); do
	host=$(ssh_ "$ip" hostname 2>/dev/null) && [ "$host" = web1 ] && break
	sleep 5
done
check "ssh: hostname prints web1 (--hostname over the user-data's hostname: other)" \
	test "$host" = web1
file=""
for _ in $(seq 60); do
	file=$(ssh_ "$ip" cat /root/from-cloud-init 2>/dev/null) && [ -n "$file" ] && break
	sleep 5
done
check "the file the #cloud-config writes exists" test "$file" = "written by cloud-init"
for who in extra user; do
	check "the $who key logs in as root (disable_root: false from fvm wins)" \
		fvm-sandbox exec --dir "$SANDBOX_DIR" -- ssh -i "$tmp/$who" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ConnectTimeout=20 "root@$ip" true
done
note "cloud-init: $(ssh_ "$ip" 'cloud-init status --long 2>&1 | head -5' 2>&1)"
wait
for name in 123 true null; do
	nip=$(cat "$tmp/$name.ip")
	host=""
	for _ in $(seq 60); do
		host=$(ssh_ "$nip" hostname 2>/dev/null) && [ "$host" = "$name" ] && break
		sleep 5
	done
	check "clone $name: hostname prints exactly $name" test "$host" = "$name" || note "$(cat "$tmp/$name.err")"
done
check "destroy 123 true null" fvm-spawn destroy --yes 123 true null
check "destroy c2" fvm-spawn destroy --yes c2
check "the seed volume is gone after destroy" bash -c '! virsh -q -c "$1" vol-list fvm | grep -q seed && ! ls "$2" | grep -q seed' _ "$FVM_CONNECT" "$POOL_DIR"
check "nothing left" test "$(state)" = "0 0"

finish
