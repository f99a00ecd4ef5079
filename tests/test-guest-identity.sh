#!/bin/bash
# Unit: guest/fvm-identity, fvm's first-boot reader, run against a fake root (FVM_ROOT) and a fake
# fw_cfg tree (FVM_FWCFG, laid out as /sys/firmware/qemu_fw_cfg/by_name/opt/org.fvm/NAME/raw):
# what it sets, once per identity, what it refuses, and that no data changes nothing. The real
# guest's run is in tests/integration/identity.sh. TAP.
set -u
reader=${FVM_SOURCE_ROOT:?}/guest/fvm-identity
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "${BASH_SOURCE[0]%/*}/tap.sh"

KEY1="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk/1W8Vdmy4HxrXKfV/JtabDeIQkuywkd9sRMhSpDWf one@h"
KEY2="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ7i6OOl1nXjEO+kTXl3m3AArHn0bHFGbS8JYzZ0X9p2 two@h"
ID1=6b0f7a43-5a42-4f19-9c8d-1d2a3b4c5d6e
ID2=0e1d2c3b-4a59-4687-9a1b-2c3d4e5f6a7b

# fresh: a root like a golden's, an empty fw_cfg tree.
fresh() {
	rm -rf "$work/root" "$work/fw"
	mkdir -p "$work/root/etc" "$work/root/root" "$work/root/var/lib/fvm" "$work/root/var/log" "$work/fw"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tgolden\n::1\tlocalhost\n' >"$work/root/etc/hosts"
	echo golden >"$work/root/etc/hostname"
	echo 0123456789abcdef0123456789abcdef >"$work/root/etc/machine-id"
	echo 0123456789abcdef0123456789abcdef >"$work/root/var/lib/fvm/golden-machine-id"
}
# put NAME VALUE: an fw_cfg entry, with the size attribute the kernel puts beside raw.
put() {
	mkdir -p "$work/fw/$1" && printf '%s' "$2" >"$work/fw/$1/raw" &&
		printf '%s\n' "$(wc -c <"$work/fw/$1/raw")" >"$work/fw/$1/size"
}
run() { FVM_ROOT=$work/root FVM_FWCFG=$work/fw "$reader" "$@" 2>"$work/log"; }

fresh
run apply
check "no fw_cfg data: exit 0" test $? = 0
check "no fw_cfg data: nothing changed" bash -c '[ "$(cat "$1/etc/hostname")" = golden ] &&
	[ ! -e "$1/root/.ssh" ] && [ ! -e "$1/var/lib/fvm/instance-id" ]' _ "$work/root"

fresh
put instance-id "$ID1"
put hostname web1
put ssh-keys "$KEY1"$'\n'"$KEY2"$'\n'
put user-data $'#!/bin/sh\necho "ran $(id -u)" >>"$OUT"\n'
run apply
check "apply: exit 0" test $? = 0
check "the host name is in /etc/hostname" test "$(cat "$work/root/etc/hostname")" = web1
check "/etc/hosts: the 127.0.1.1 line names it, the rest kept" test "$(cat "$work/root/etc/hosts")" = \
	"$(printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\tweb1')"
check "the golden's machine-id is replaced by one from the instance-id" \
	test "$(cat "$work/root/etc/machine-id")" = "${ID1//-/}"
check "both keys in root's authorized_keys, modes 700/600" bash -c '
	[ "$(cat "$1/root/.ssh/authorized_keys")" = "$(printf "%s\n%s" "$2" "$3")" ] &&
	[ "$(stat -c %a "$1/root/.ssh") $(stat -c %a "$1/root/.ssh/authorized_keys")" = "700 600" ]' _ \
	"$work/root" "$KEY1" "$KEY2"
check "the user-data is queued for fvm-first-boot.service, 0700" \
	test "$(stat -c %a "$work/root/var/lib/fvm/user-data")" = 700
check "the identity is recorded" test "$(cat "$work/root/var/lib/fvm/instance-id")" = "$ID1"
OUT=$work/out run user-data
check "user-data: the script ran" test "$(cat "$work/out")" = "ran $(id -u)"
OUT=$work/out run user-data
check "user-data: and not a second time" test "$(wc -l <"$work/out")" = 1

echo edited >"$work/root/etc/hostname"
run apply
check "apply again, same identity: nothing done (the host name stays as edited)" \
	test "$(cat "$work/root/etc/hostname")" = edited
check "and no user-data queued again" test ! -e "$work/root/var/lib/fvm/user-data"

put instance-id "$ID2"
put hostname db2
run apply
check "a new identity is applied: host name db2" test "$(cat "$work/root/etc/hostname")" = db2
check "its keys are not written twice" test "$(grep -c . "$work/root/root/.ssh/authorized_keys")" = 2
check "a machine-id of the clone's own is kept" test "$(cat "$work/root/etc/machine-id")" = "${ID1//-/}"

fresh
: >"$work/root/etc/machine-id"
rm "$work/root/etc/hosts"
put instance-id "$ID1"
run apply
check "no hostname entry: the host name stays" test "$(cat "$work/root/etc/hostname")" = golden
check "an empty machine-id gets one" test "$(cat "$work/root/etc/machine-id")" = "${ID1//-/}"

fresh
put instance-id "$ID1"
put hostname 'x;reboot'
put ssh-keys $'command="rm -rf /" ssh-ed25519 AAAA x\nnot a key\n'"$KEY1"
run apply
check "a hostile host name is not set" test "$(cat "$work/root/etc/hostname")" = golden
check "and says why" grep -q "hostname is not a DNS label" "$work/log"
check "key lines that are no plain public key are skipped, the good one added" \
	test "$(cat "$work/root/root/.ssh/authorized_keys")" = "$KEY1"

fresh
put instance-id '../../etc; reboot'
put hostname web1
run apply
check "an instance-id that is no UUID: nothing applied" bash -c '
	[ "$(cat "$1/etc/hostname")" = golden ] && [ ! -e "$1/var/lib/fvm/instance-id" ]' _ "$work/root"

fresh
put instance-id "$ID1"
put user-data "$(printf '#!/bin/sh\n'; head -c 300000 /dev/zero | tr '\0' '#')"
put ssh-keys "$(for i in $(seq 800); do echo "$KEY1"; done)"
run apply
check "oversize user-data is not queued" test ! -e "$work/root/var/lib/fvm/user-data"
check "oversize keys are not written" test ! -s "$work/root/root/.ssh/authorized_keys"
check "both logged" bash -c 'grep -q "user-data: .* more than 262144" "$1" && grep -q "ssh-keys: .* more than 65536" "$1"' _ "$work/log"

fresh
put instance-id "${ID1^^}"
put hostname $'web1\nx;reboot'
put ssh-keys "$KEY1 a"$'\t'"tab"$'\n'"$KEY2"
printf '127.0.0.1\tlocalhost\n127.0.1.1 golden' >"$work/root/etc/hosts"
run apply
check "an upper-case instance-id is a UUID: the machine-id is its lower-case hex" \
	test "$(cat "$work/root/etc/machine-id")" = "${ID1//-/}"
check "a host name entry of two lines is not set" test "$(cat "$work/root/etc/hostname")" = golden
check "and says why" grep -q "hostname: more than one line" "$work/log"
check "a key whose comment has a control character is skipped" \
	test "$(cat "$work/root/root/.ssh/authorized_keys")" = "$KEY2"

fresh
printf '127.0.0.1\tlocalhost\n127.0.1.1 golden' >"$work/root/etc/hosts"
put instance-id "$ID1"
put hostname web1
rm "$work/fw/hostname/size"
run apply
check "no size attribute (counted instead), and /etc/hosts whose last line has no newline" \
	test "$(cat "$work/root/etc/hosts")" = "$(printf '127.0.0.1\tlocalhost\n127.0.1.1\tweb1')"
mkdir -p "$work/fw/ssh-keys" && : >"$work/fw/ssh-keys/raw" && echo 99999 >"$work/fw/ssh-keys/size"
put instance-id "$ID2"
run apply
check "the size attribute bounds an entry: 99999 bytes of keys are refused" \
	grep -q "ssh-keys: 99999 bytes, more than 65536" "$work/log"

out=$("$reader" 2>&1)
check "no verb: usage, exit 2" test "$?:$out" = "2:usage: fvm-identity apply|user-data"
check "the units name the installed script" bash -c '
	grep -qx "ExecStart=/usr/lib/fvm/fvm-identity apply" "$1/fvm-identity.service" &&
	grep -qx "ExecStart=/usr/lib/fvm/fvm-identity user-data" "$1/fvm-first-boot.service"' _ "${reader%/*}"
finish
