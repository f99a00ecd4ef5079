#!/bin/bash
# Integration: fvm-golden create's sysprep operations and customize steps, on a real Debian 12
# original (built by fvm-build, cached outside the repo) in a sandbox of this test's own, read
# back through a real libguestfs appliance (guestfish).
#   leftovers planted in the original → create with --hook, --ssh-inject, --root-password-file →
#   the golden holds none of them, holds what the customize steps made, and its manifest names
#   every step; --operations leaves one out; bad input fails before anything is made.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmgs-$$"
note "sandbox: $FVM_CONNECT"
work=$SANDBOX_DIR/work
mkdir -p "$work"

# --- the operation list --------------------------------------------------------------------
ours=$(fvm-golden --list-operations 2>&1)
theirs=$(virt-sysprep --list-operations 2>&1)
missing=$(awk '$2 == "*" && $1 != "customize" && $1 != "script" {print $1}' <<<"$theirs" |
	while read -r op; do grep -Eq "^$op \* " <<<"$ours" || echo "$op"; done)
if [ -n "$theirs" ] && [ -z "$missing" ]; then
	ok "fvm-golden --list-operations has every Linux default of virt-sysprep, on by default ($(grep -c ' \* ' <<<"$ours") operations)"
else
	not_ok "fvm-golden --list-operations has every Linux default of virt-sysprep" "missing: $missing" "$ours"
fi
check "--list-operations --json is an array of name/default/description" python3 -c '
import json, sys
ops = json.loads(sys.argv[1])
assert isinstance(ops, list) and len(ops) >= 35
assert all(set(o) == {"name", "default", "description"} for o in ops)
assert {"name": "machine-id", "default": True} .items() <= next(o for o in ops if o["name"] == "machine-id").items()
' "$(fvm-golden --list-operations --json)"

# --- the original, with leftovers planted -----------------------------------------------------
if original_from_cache_or_build debian12 itdeb; then
	ok "original itdeb of debian12 is in the store ($BUILT_BY)"
else
	bail "could not build the debian12 original"
fi
orig=$POOL_DIR/itdeb.original.qcow2
start=$SECONDS
planted=$(guestfish --format=qcow2 -a "$orig" -i <<'GF' 2>&1
write /var/log/fvm-planted.log "a log line that must not reach a clone\n"
mkdir-p /var/lib/dhcp
write /var/lib/dhcp/dhclient.eth0.leases "lease { interface \"eth0\"; fixed-address 10.0.0.9; }\n"
write /root/.bash_history "echo secret\n"
mkdir-p /var/spool/cron/crontabs
write /var/spool/cron/crontabs/root "* * * * * /bin/true\n"
write /tmp/fvm-planted "tmp\n"
write /var/tmp/.fvm-planted-dot "tmp\n"
mkdir-p /home/fvmuser/.ssh
write /home/fvmuser/.ssh/id_ed25519 "PRIVATE KEY\n"
write /home/fvmuser/.ssh/known_hosts "host ssh-ed25519 AAAA\n"
mkdir-p /root/.ssh
write /root/.ssh/known_hosts "host ssh-ed25519 AAAA\n"
write /etc/ssh/ssh_host_fvmtest_key "HOST KEY\n"
write /etc/passwd- "old passwd\n"
write /etc/fvm-planted.conf.bak "backup\n"
mkdir-p /var/mail
write /var/mail/root "From: someone\n"
write /etc/machine-id "0123456789abcdef0123456789abcdef\n"
echo planted
GF
)
if [ "$planted" = planted ]; then
	ok "leftovers planted in the original with guestfish ($((SECONDS - start)) s)"
else
	bail "planting leftovers: $planted"
fi

# --- create with the customize steps -----------------------------------------------------------
cat >"$work/hook.sh" <<'EOF'
#!/bin/sh
set -e
echo "made by the hook on $(uname -m)" >/etc/fvm-hook-marker
echo "the hook logged this" >/var/log/fvm-hook.log
EOF
ssh-keygen -q -t ed25519 -N '' -C fvm-golden-test -f "$work/inject"
printf 'not-the-password-in-clear\n' >"$work/rootpw"
start=$SECONDS
# --install reaches the Debian mirror the guest's apt sources name, through the appliance's
# user-mode network (the same mirror the original was bootstrapped from).
out=$(fvm-golden create itdeb gsgold --hook "$work/hook.sh" --install tree \
	--ssh-inject "root:$work/inject.pub" --root-password-file "$work/rootpw" 2>&1)
if [ "$out" = "gsgold@1" ]; then
	ok "fvm-golden create with --hook, --install, --ssh-inject and --root-password-file makes gsgold@1 ($((SECONDS - start)) s)"
else
	bail "fvm-golden create: $out"
fi
gfile=$POOL_DIR/gsgold@1.qcow2

inside=$(guestfish --ro --format=qcow2 -a "$gfile" -i <<'GF' 2>&1
echo [hostkeys]
ls /etc/ssh
echo [machine-id]
cat /etc/machine-id
echo [var-log]
find /var/log
echo [leases]
ls /var/lib/dhcp
echo [root-home]
ls /root
echo [crontabs]
ls /var/spool/cron/crontabs
echo [crontabs-dir]
is-dir /var/spool/cron/crontabs
echo [tmp]
ls /tmp
echo [var-tmp]
ls /var/tmp
echo [user-ssh]
ls /home/fvmuser/.ssh
echo [root-ssh]
ls /root/.ssh
echo [authorized]
cat /root/.ssh/authorized_keys
echo [authorized-stat]
lstatns /root/.ssh/authorized_keys
echo [etc]
ls /etc
echo [mail]
ls /var/mail
echo [marker]
cat /etc/fvm-hook-marker
echo [shadow]
cat /etc/shadow
echo [installed]
is-file /usr/bin/tree
exists /etc/resolv.conf
echo [end]
GF
)
sections='hostkeys|machine-id|var-log|leases|root-home|crontabs|crontabs-dir|tmp|var-tmp|user-ssh|root-ssh|authorized|authorized-stat|etc|mail|marker|shadow|installed|end'
section() {
	awk -v s="[$1]" -v re="^\\\\[($sections)\\\\]$" '$0 == s {on = 1; next} $0 ~ re {on = 0} on' <<<"$inside"
}
if grep -qx '\[end\]' <<<"$inside"; then
	ok "guestfish reads the golden"
else
	not_ok "guestfish reads the golden" "$inside"
fi
check "no SSH host keys in the golden (planted or built)" \
	bash -c '! grep -q ssh_host <<<"$1" && grep -qx sshd_config <<<"$1"' _ "$(section hostkeys)"
check "/etc/machine-id is empty" test -z "$(section machine-id | tr -d '[:space:]')"
check "the planted log and the log the hook wrote are gone" \
	bash -c '! grep -q "fvm-planted\|fvm-hook" <<<"$1" && grep -qx /apt <<<"$1"' _ "$(section var-log)"
check "no DHCP leases" test -z "$(section leases)"
check "no root bash history" bash -c '! grep -qx .bash_history <<<"$1"' _ "$(section root-home)"
check "the crontab is gone, its spool directory stays" \
	bash -c '[ -z "$1" ] && [ "$2" = true ]' _ "$(section crontabs)" "$(section crontabs-dir)"
check "/tmp and /var/tmp are empty" bash -c '[ -z "$1" ] && [ -z "$2" ]' _ "$(section tmp)" "$(section var-tmp)"
check "a user's ~/.ssh keeps nothing (private key, known_hosts)" test -z "$(section user-ssh)"
check "root's ~/.ssh keeps only authorized_keys" test "$(section root-ssh)" = authorized_keys
check "authorized_keys holds the build key and the injected key" \
	bash -c 'grep -qF "$(cut -d" " -f2 "$2")" <<<"$1" && grep -qF "$(cut -d" " -f2 "$3")" <<<"$1"' _ \
	"$(section authorized)" "$KEY.pub" "$work/inject.pub"
check "authorized_keys is root's, mode 0600" \
	bash -c 'grep -q "^st_mode: 33152$" <<<"$1" && grep -q "^st_uid: 0$" <<<"$1"' _ "$(section authorized-stat)"
check "passwd- and *.bak backups are gone" \
	bash -c '! grep -qx "passwd-\|fvm-planted.conf.bak" <<<"$1" && grep -qx passwd <<<"$1"' _ "$(section etc)"
check "the mail spool is empty" test -z "$(section mail)"
check "the hook's marker file is in the golden" grep -q "^made by the hook on x86_64$" <<<"$(section marker)"
check "root's password is a SHA-512 crypt hash, not the clear text" \
	bash -c 'grep -q "^root:[$]6[$]" <<<"$1" && ! grep -q not-the-password <<<"$1"' _ "$(section shadow)"

check "--install put tree in the golden, and left the guest without the appliance's resolv.conf" \
	test "$(section installed | tr '\n' ' ')" = "true false "

info=$(fvm-golden info gsgold@1 --json 2>&1)
check "the manifest lists every default operation that ran" python3 -c '
import json, sys
m = json.loads(sys.argv[1]); ops = json.loads(sys.argv[2])
want = [o["name"] for o in ops if o["default"]]
# lvm-uuids runs last, once the file systems are unmounted: the order is the order they ran.
assert sorted(m["sysprep"]) == want and m["sysprep"][-1] == "lvm-uuids", (m["sysprep"], want)
' "$info" "$(fvm-golden --list-operations --json)"
check "the manifest lists the customize steps, without the password" python3 -c '
import json, sys
m = json.loads(sys.argv[1])
assert m["customize"] == ["hook:hook.sh", "install:tree", "root-password", "ssh-inject:root"], m["customize"]
assert "not-the-password" not in sys.argv[1]
' "$info"

# --- --operations leaves one out ---------------------------------------------------------------
start=$SECONDS
out=$(fvm-golden create itdeb gsgold --operations -logfiles 2>&1)
if [ "$out" = "gsgold@2" ]; then
	ok "fvm-golden create --operations -logfiles makes gsgold@2 ($((SECONDS - start)) s)"
else
	not_ok "fvm-golden create --operations -logfiles makes gsgold@2" "$out"
fi
kept=$(guestfish --ro --format=qcow2 -a "$POOL_DIR/gsgold@2.qcow2" -i <<'GF' 2>&1
cat /var/log/fvm-planted.log
echo [history]
exists /root/.bash_history
GF
)
check "without logfiles the planted log is kept, and the other defaults still ran" \
	bash -c 'grep -q "^a log line that must not reach a clone$" <<<"$1" && grep -qx false <<<"$1"' _ "$kept"
check "the manifest of gsgold@2 lists the defaults but logfiles" python3 -c '
import json, sys
m = json.loads(sys.argv[1]); ops = json.loads(sys.argv[2])
want = [o["name"] for o in ops if o["default"] and o["name"] != "logfiles"]
assert sorted(m["sysprep"]) == want and "customize" not in m, m
' "$(fvm-golden info gsgold@2 --json 2>&1)" "$(fvm-golden --list-operations --json)"

# --- the appliance launch watchdog -------------------------------------------------------------
# A stall is made for real: SIGSTOP on the appliance's qemu (what CI once saw: no CPU, no
# console output). With a 15 s limit the watchdog kills it and launches once more.
appliance_qemu() { pgrep -P "$1" -f 'qemu-system.*-kernel'; }
wait_for_appliance() {
	local i q
	for i in $(seq 600); do
		q=$(appliance_qemu "$1") && { echo "$q"; return 0; }
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
pool_before=$(ls "$POOL_DIR" | sort)
# The stalled launches' TMPDIR, a directory of this test's own: QEMU makes its temporary overlay
# for the appliance's root (snapshot=on, vl.XXXXXX) there and unlinks it once open (7.2); a qemu
# stopped and killed in between leaves it, so fvm removes such files a qemu it killed held open.
# Only some runs stop qemu in that window (two leftover files in /var/tmp from a day of runs
# here before the fix): the check below can fail only then.
# (libguestfs keeps its appliance cache under TMPDIR unless told: the usual one is kept.)
wdtmp=$work/wdtmp
mkdir -p "$wdtmp"
export LIBGUESTFS_CACHEDIR=${LIBGUESTFS_CACHEDIR:-${TMPDIR:-/var/tmp}}
start=$SECONDS
TMPDIR=$wdtmp FVM_APPLIANCE_STALL_TIMEOUT=15 fvm-golden -v create itdeb gswd >"$work/wd.out" 2>"$work/wd.err" &
pid=$!
first=$(wait_for_appliance "$pid") && kill -STOP "$first"
wait "$pid"
rc=$?
check "an appliance stopped during its launch is killed and launched once more: the create succeeds ($((SECONDS - start)) s)" \
	bash -c '[ "$1" = 0 ] && [ -n "$2" ] && [ "$(cat "$3")" = gswd@1 ] && ! kill -0 "$2" 2>/dev/null && grep -q "^fvm-golden: warning: the libguestfs appliance stalled while launching .*launching it once more" "$4"' \
	_ "$rc" "$first" "$work/wd.out" "$work/wd.err"
note "stderr: $(grep -E '^fvm-golden: (warning|error):' "$work/wd.err")"
# The socket a launch killed before qemu connected leaves made the next launch's bind() fail in
# CI: fvm finds it on the killed qemu's command line and removes it (or finds it gone).
check "the killed launch's socket, read from its qemu's command line, is removed before the next" \
	grep -Eq "the killed launch's socket /tmp/libguestfs[^/]+/guestfsd\.sock: (removed|gone already)" "$work/wd.err"
start=$SECONDS
TMPDIR=$wdtmp FVM_APPLIANCE_STALL_TIMEOUT=15 fvm-golden -v create itdeb gswdbad >"$work/wd.out" 2>"$work/wd.err" &
pid=$!
# Each appliance is stopped 8 s after it started, once its kernel has printed something (the
# second launch is verbose), as CI saw it stop 11 s in.
stopped=0
declare -A seen=()
while kill -0 "$pid" 2>/dev/null; do
	for q in $(appliance_qemu "$pid"); do
		[ -n "${seen[$q]:-}" ] || seen[$q]=$SECONDS
		if [ "${seen[$q]}" != done ] && [ $((SECONDS - seen[$q])) -ge 8 ]; then
			kill -STOP "$q" 2>/dev/null && stopped=$((stopped + 1))
			seen[$q]=done
		fi
	done
	sleep 0.2
done
wait "$pid"
rc=$?
check "a second stall fails the create (exit 1, the error says the appliance stalled, -v shows its console) ($((SECONDS - start)) s)" \
	bash -c '[ "$1" = 1 ] && [ "$(grep -c "^fvm-golden: error:" "$2")" = 1 ] && tail -n 1 "$2" | grep -q "^fvm-golden: error: .*appliance stalled twice while launching" && grep -q "launch 2: the appliance console.s last [0-9]* lines before it stalled" "$2"' \
	_ "$rc" "$work/wd.err"
note "appliances stopped: $stopped; console lines shown: $(grep -c '^fvm-golden: fvm:   | ' "$work/wd.err"); temporary overlays removed: $(grep -c "the killed appliance's temporary overlay .*: removed" "$work/wd.err")"
check "both launches were stopped, and the second one's console lines are shown" \
	bash -c '[ "$1" = 2 ] && grep -A1 "launch 2: the appliance console" "$2" | grep -q "^fvm-golden: fvm:   | "' _ "$stopped" "$work/wd.err"
start=$SECONDS
TMPDIR=$wdtmp FVM_APPLIANCE_STALL_TIMEOUT=300 fvm-golden create itdeb gswdbad >"$work/wd.out" 2>&1 &
pid=$!
q=$(wait_for_appliance "$pid") && kill -STOP "$q"
sleep 2
kill -INT "$pid"
wait "$pid"
rc=$?
check "Ctrl-C during a stalled launch ends it at once (exit 130, 'cancelled', qemu gone) ($((SECONDS - start)) s)" \
	bash -c '[ "$1" = 130 ] && grep -q "^fvm-golden: error: cancelled$" "$2" && [ -n "$3" ] && ! kill -0 "$3" 2>/dev/null' _ "$rc" "$work/wd.out" "$q"
check "the failed and cancelled creates left nothing but gswd@1" \
	test "$(ls "$POOL_DIR" | grep -v '^gswd@1\.' | sort)" = "$pool_before"
check "the killed appliances left no QEMU temporary overlay (vl.*) in their TMPDIR" \
	bash -c '! ls -A "$1" | grep "^vl\."' _ "$wdtmp"

# --- bad input ---------------------------------------------------------------------------------
pool_before=$(ls "$POOL_DIR" | sort)
out=$(fvm-golden create itdeb gsbad --operations defaults,no-such-op 2>&1)
rc=$?
check "an unknown operation is a usage error (exit 2, one line, names it)" \
	bash -c '[ "$1" = 2 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-golden: error: .*no-such-op" <<<"$2"' _ "$rc" "$out"
out=$(fvm-golden create itdeb gsbad --hook "$work/no-such-hook.sh" 2>&1)
rc=$?
check "a missing hook file fails at once (exit 1, one line, names the file)" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "^fvm-golden: error: --hook: .*no-such-hook.sh" <<<"$2"' _ "$rc" "$out"
out=$(fvm-golden create itdeb gsbad --ssh-inject root 2>&1)
rc=$?
check "a malformed --ssh-inject is a usage error (exit 2, one line)" \
	bash -c '[ "$1" = 2 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "USER:FILE" <<<"$2"' _ "$rc" "$out"
printf '#!/bin/sh\necho "preparing"\necho "hook broke: disk on fire" >&2\nexit 1\n' >"$work/failing.sh"
start=$SECONDS
out=$(fvm-golden create itdeb gsbad --hook "$work/failing.sh" 2>&1)
rc=$?
check "a hook that exits 1 fails the create (exit 1, one line naming the hook and its output) ($((SECONDS - start)) s)" \
	bash -c '[ "$1" = 1 ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q "hook .failing.sh. exited with status 1: .*disk on fire" <<<"$2"' _ "$rc" "$out"
printf '#!/bin/sh\nsleep 600\n' >"$work/slow.sh"
fvm-golden create itdeb gsbad --hook "$work/slow.sh" >"$work/int.out" 2>&1 &
pid=$!
sleep 45
kill -INT "$pid"
wait "$pid"
rc=$?
check "Ctrl-C during the create ends it (exit 130, 'cancelled')" \
	bash -c '[ "$1" = 130 ] && grep -q "^fvm-golden: error: cancelled$" "$2"' _ "$rc" "$work/int.out"
check "nothing of the failed or cancelled creates is left in the pool" test "$(ls "$POOL_DIR" | sort)" = "$pool_before"
check "and no golden gsbad is listed" bash -c '! fvm-golden list | grep -q gsbad'

finish
