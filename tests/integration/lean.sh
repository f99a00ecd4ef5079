#!/bin/bash
# Integration: fvm-golden create --lean on real components (a private libvirtd in a network
# namespace of this test's own, a real qemu guest under TCG, a golden made by fvm from the
# original fvm-build made). One lean golden (a hook first gives it a 5 s extlinux menu and a
# GRUB configuration, so the boot loader changes have something to change); its manifest and
# 'fvm-golden info' list the changes; one clone boots to SSH with them in effect: the timers and
# e2scrub_reap masked, the boot loader's wait 0, 'quiet' and 'fsck.mode=skip' on the kernel
# command line (no file system check at boot), sshd
# offering only an Ed25519 host key; and it is still its own machine (host name = clone name)
# with sshd, networking, the guest agent and fvm's identity unit running. Then the lean golden
# made warm: its warm clone resumes and still has (and serves) the Ed25519 host key only.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmlean-$$"
tmp=$(mktemp -d)
chmod 0755 "$tmp"
trap 'sandbox_down; rm -rf "$tmp"' EXIT
note "sandbox: $FVM_CONNECT"

original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb of debian12 is in the store ($BUILT_BY)"
cat >"$tmp/menus.sh" <<'HOOK'
#!/bin/sh
set -e
sed -i 's/^TIMEOUT 0$/TIMEOUT 50/' /boot/extlinux/extlinux.conf
grep -qx 'TIMEOUT 50' /boot/extlinux/extlinux.conf
mkdir -p /boot/grub
printf 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT=""\n' >/etc/default/grub
printf 'set timeout_style=menu\nset timeout=5\nmenuentry d {\n\tlinux\t/vmlinuz root=/dev/vda1 ro\n}\n' >/boot/grub/grub.cfg
HOOK
start=$SECONDS
out=$(fvm-golden create itdeb lean --lean --hook "$tmp/menus.sh" 2>&1)
[ "$out" = lean@1 ] || bail "fvm-golden create --lean: $out"
note "fvm-golden create --lean: $((SECONDS - start)) s"
check "the manifest's lean member lists every change" python3 -c '
import json, sys
lean = json.load(open(sys.argv[1]))["lean"]
want = ["ssh-hostkeys:ed25519", "mask:apt-daily.timer", "mask:apt-daily-upgrade.timer",
        "mask:dpkg-db-backup.timer", "mask:e2scrub_all.timer", "mask:e2scrub_reap.service",
        "mask:fstrim.timer", "boot-timeout:/etc/default/grub", "kernel-quiet:/etc/default/grub",
        "kernel-fsck-skip:/etc/default/grub", "boot-timeout:/boot/grub/grub.cfg",
        "kernel-quiet:/boot/grub/grub.cfg", "kernel-fsck-skip:/boot/grub/grub.cfg",
        "boot-timeout:/boot/extlinux/extlinux.conf", "kernel-quiet:/boot/extlinux/extlinux.conf",
        "kernel-fsck-skip:/boot/extlinux/extlinux.conf"]
assert lean == want, lean' "$POOL_DIR/lean@1.json"
info=$(fvm-golden info lean@1 2>&1)
check "fvm-golden info shows the lean changes" bash -c \
	'grep -q "^Lean: .*ssh-hostkeys:ed25519 mask:apt-daily.timer.* kernel-fsck-skip:/boot/extlinux/extlinux.conf$" <<<"$1"' _ "$info" ||
	note "$info"
check "fvm-golden info --json has the lean member" bash -c \
	'fvm-golden info --json lean@1 | python3 -c "import json,sys; assert \"mask:fstrim.timer\" in json.load(sys.stdin)[\"lean\"]"'

start=$SECONDS
ip=$(fvm-spawn create lean@1 leanc1 --memory 256M --wait ssh 2>"$tmp/c1.err")
rc=$?
check "a clone of the lean golden answers SSH ($((SECONDS - start)) s)" test "$rc" = 0 ||
	bail "create: $(cat "$tmp/c1.err")"
check "it is its own machine: hostname prints leanc1" test "$(ssh_ "$ip" hostname 2>&1)" = leanc1
states=$(ssh_ "$ip" 'for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do echo "$u $(systemctl is-enabled $u)"; done' 2>&1)
check "the timers and e2scrub_reap are masked in the clone" bash -c \
	'[ "$(grep -c " masked$" <<<"$1")" = 6 ]' _ "$states" || note "$states"
check "sshd, networking, the guest agent and fvm-identity are active" ssh_ "$ip" \
	'systemctl is-active ssh networking qemu-guest-agent fvm-identity'
check "the kernel command line has quiet and fsck.mode=skip" ssh_ "$ip" \
	'grep -qw quiet /proc/cmdline && grep -qw fsck.mode=skip /proc/cmdline'
fsck=$(ssh_ "$ip" 'systemctl show -p LoadState -p ActiveState systemd-fsck-root.service
	journalctl -b -o cat -t systemd-fsck | sed "s/^/fsck: /"
	journalctl -b -o cat -u ssh.service | grep -c . | sed "s/^/ssh lines: /"' 2>&1)
# systemd-fsck-root runs and returns at once; without the word it logs fsck's "root: clean, ...".
check "no file system check at boot: systemd-fsck-root ran, fsck logged nothing" \
	bash -c 'grep -qx LoadState=loaded <<<"$1" && grep -qx ActiveState=active <<<"$1" &&
		! grep -q "^fsck: " <<<"$1" && ! grep -qx "ssh lines: 0" <<<"$1"' _ "$fsck" || note "$fsck"
boot=$(ssh_ "$ip" 'cat /boot/extlinux/extlinux.conf /boot/grub/grub.cfg /etc/default/grub' 2>&1)
check "extlinux's TIMEOUT, grub.cfg's timeout and style, GRUB_TIMEOUT are 0/hidden" bash -c '
	grep -qx "TIMEOUT 0" <<<"$1" && ! grep -q "TIMEOUT 50" <<<"$1" &&
	grep -qx "set timeout=0" <<<"$1" && grep -qx "set timeout_style=hidden" <<<"$1" &&
	grep -qx "GRUB_TIMEOUT=0" <<<"$1" && grep -qx "GRUB_TIMEOUT_STYLE=hidden" <<<"$1" &&
	grep -qx "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet fsck.mode=skip\"" <<<"$1"' _ "$boot" || note "$boot"
# ed25519_only WHO IP: /etc/ssh holds the Ed25519 pair only, and sshd offers only that key.
ed25519_only() {
	local keys scan
	keys=$(ssh_ "$2" 'ls /etc/ssh | grep _host_' 2>&1)
	check "$1 has only an Ed25519 host key" test "$(echo $keys)" = \
		"ssh_host_ed25519_key ssh_host_ed25519_key.pub" || note "$keys"
	scan=$(fvm-sandbox exec --dir "$SANDBOX_DIR" -- ssh-keyscan -T 20 -t rsa,ecdsa,ed25519 "$2" 2>/dev/null)
	check "$1's sshd offers only the Ed25519 key" bash -c \
		'[ "$(awk "{print \$2}" <<<"$1" | sort -u)" = ssh-ed25519 ]' _ "$scan" || note "$scan"
}
ed25519_only "the clone" "$ip"
note "$(ssh_ "$ip" 'systemd-analyze; systemd-analyze blame | head -5' 2>&1)"
fvm-spawn destroy --yes leanc1 >/dev/null

# --- a warm clone of the lean golden keeps the lean host keys --------------------------------
# fvm makes a warm clone's host keys on the host: for a lean golden, the Ed25519 key only.
out=$(fvm-golden warm --memory 256M lean@1 2>&1)
check "fvm-golden warm of the lean golden" test "$out" = lean@1 || note "$out"
ip=$(fvm-spawn create lean@1 leanw1 --memory 256M --wait ssh 2>"$tmp/w1.err")
check "its warm clone answers SSH, resumed (-incoming), no warning" \
	sh -c "test -n '$ip' && ! test -s '$tmp/w1.err' && virsh -q -c '$FVM_CONNECT' dumpxml leanw1 | grep -q incoming" ||
	note "$(cat "$tmp/w1.err")"
check "the warm clone is its own machine: hostname prints leanw1" test "$(ssh_ "$ip" hostname 2>&1)" = leanw1
ed25519_only "the warm clone" "$ip"
fvm-spawn destroy --yes leanw1 >/dev/null
finish
