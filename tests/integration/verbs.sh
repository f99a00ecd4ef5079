#!/bin/bash
# Integration: the everyday verbs fast-vm, nbsvm and qvm users look for (issue 20), on real
# components (a private libvirtd in a network namespace of this test's own, real qemu guests under
# TCG, the libguestfs appliance):
#   a disk hook (--disk-hook) writes a file into the clone's disk before its first boot, and the
#   booted clone has it, with the clone's facts; a create without disk hooks launches no appliance
#   (libguestfs pointed at an appliance that does not exist: it still succeeds, one with a disk hook
#   fails in one line and leaves nothing); list --state filters; ip and note with several names,
#   one of them missing: the others are done, one error line, exit 1; copy round-trips a file
#   (NAME:PATH both ways); keys add (guest agent, and --via ssh) lets a new key log in; compact of
#   a stopped clone; the destroy-time disk hook runs at destroy and prints what it found in the
#   disk; promote makes the stopped clone a golden whose clone boots (start --attach ssh) with the
#   disk hook's file; golden resize makes NAME@2 with the larger disk. Bad input: one line.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

sandbox_up "fvmvb-$$"
conf=$(mktemp -d)
trap 'sandbox_down; rm -rf "$conf"' EXIT
note "sandbox: $FVM_CONNECT"
chmod 0755 "$conf"
mkdir -p "$conf/fvm"
export XDG_CONFIG_HOME=$conf
# fvm's own ssh, scp and keys log in with the cache's key.
printf '[clone]\nssh-identity=%s\n' "$KEY" >"$conf/fvm/fvm.conf"

original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb of debian12 is in the store ($BUILT_BY)"
golden=$(fvm-golden create itdeb vbgold 2>&1)
[ "$golden" = vbgold@1 ] || bail "fvm-golden create: $golden"
state() { echo "$(virsh_ list --all --name | grep -c .) $(ls "$POOL_DIR" | grep -c 'clone\|seed')"; }
one_line_exit() { # RC OUT WANT_RC PATTERN
	[ "$1" = "$3" ] && [ "$(wc -l <<<"$2")" = 1 ] && grep -q -- "$4" <<<"$2" || { echo "rc $1: $2"; false; }
}

# --- disk hooks ---------------------------------------------------------------------------------
cat >"$conf/hook.sh" <<'EOF2'
echo "$FVM_EVENT $FVM_CLONE $FVM_GOLDEN $(cat /etc/debian_version | cut -c1-2)" >/root/disk-hook-ran
echo "wrote /root/disk-hook-ran for $FVM_CLONE"
EOF2
cat >"$conf/bye.sh" <<'EOF2'
echo "bye $FVM_EVENT: $(cat /root/disk-hook-ran)"
EOF2
start=$SECONDS
out=$(fvm-spawn create vbgold v1 --disk-hook "$conf/hook.sh" --destroy-disk-hook "$conf/bye.sh" --wait ssh 2>&1); rc=$?
check "create with --disk-hook answers SSH ($((SECONDS - start)) s)" test "$rc" = 0
check "the hook's output is shown, prefixed" grep -q "^fvm-spawn: v1: disk-hook hook.sh: wrote /root/disk-hook-ran for v1$" <<<"$out"
ip1=$(tail -n 1 <<<"$out")
check "the hook's file is there at first boot, with the clone's facts" \
	test "$(ssh_ "$ip1" cat /root/disk-hook-ran 2>&1)" = "create v1 vbgold@1 12"
check "info records the disk hooks" bash -c 'fvm-spawn info v1 | grep -q "clone.destroy-disk-hooks"'

before=$(state)
out=$(LIBGUESTFS_PATH=/nonexistent/fvm-no-appliance fvm-spawn create vbgold v2 --no-start 2>&1); rc=$?
check "the default create launches no appliance (libguestfs cannot launch, the create succeeds)" test "$rc" = 0
out=$(LIBGUESTFS_PATH=/nonexistent/fvm-no-appliance fvm-spawn create vbgold v3 --no-start --disk-hook "$conf/hook.sh" 2>&1); rc=$?
check "while a create with a disk hook reaches the appliance: one line, exit 1" one_line_exit "$rc" "$out" 1 "fvm-no-appliance"
check "and leaves nothing of v3" bash -c '! virsh -q -c "$FVM_CONNECT" dominfo v3 >/dev/null 2>&1 && ! ls "$1" | grep -q "^v3\."' _ "$POOL_DIR"
out=$(fvm-spawn create vbgold v3 --no-start --disk-hook "$conf/missing.sh" 2>&1); rc=$?
check "a missing disk hook is one line, exit 1" one_line_exit "$rc" "$out" 1 "missing.sh"
out=$(fvm-spawn create vbgold v3 --no-start --disk-hook "" 2>&1); rc=$?
check "an empty --disk-hook is one line, exit 1" one_line_exit "$rc" "$out" 1 "must not be empty"

# --- list --state, several names ------------------------------------------------------------------
check "list --state running shows v1, not v2" bash -c 'l=$(fvm-spawn list --state running --names); [ "$l" = v1 ]'
check "list --state shut-off shows v2, not v1" bash -c 'l=$(fvm-spawn list --state shut-off --names); [ "$l" = v2 ]'
check "list --state all shows both" bash -c '[ "$(fvm-spawn list --state all --names | tr "\n" " ")" = "v1 v2 " ]'
check "list shows a DISK column with v1's allocation" bash -c 'fvm-spawn list | grep -Eq "^v1 +vbgold@1 +running +[0-9.]+ +root +- +[0-9.]+[KMG] "'
out=$(fvm-spawn list --state paused 2>&1); rc=$?
check "list --state paused is a usage error (one line, exit 2)" one_line_exit "$rc" "$out" 2 "--state takes"
out=$(fvm-spawn ip v1 nosuch 2>/dev/null); rc=$?
err=$(fvm-spawn ip nosuch v1 2>&1 >/dev/null)
check "ip v1 nosuch prints v1's address and exits 1" bash -c '[ "$1" = 1 ] && [ "$2" = "v1 $3" ]' _ "$rc" "$out" "$ip1"
check "the missing name is one error line" one_line_exit 1 "$err" 1 "clone 'nosuch' not found"
fvm-spawn note --text "several" v1 nosuch v2 2>/dev/null; rc=$?
check "note --text v1 nosuch v2 sets both notes and exits 1" bash -c '[ "$1" = 1 ] &&
	fvm-spawn info v1 --json | grep -q "\"note\" : \"several\"" && fvm-spawn info v2 --json | grep -q "\"note\" : \"several\""' _ "$rc"

# --- copy, keys ----------------------------------------------------------------------------------
head -c 200000 /dev/urandom >"$conf/blob"
check "copy FILE v1:/root/blob" fvm-spawn copy "$conf/blob" v1:/root/blob
check "copy v1:/root/blob FILE" fvm-spawn copy v1:/root/blob "$conf/blob.back"
check "the file round-trips unchanged" cmp "$conf/blob" "$conf/blob.back"
out=$(fvm-spawn copy v1:/x 'bad name:/y' 2>&1); rc=$?
check "copy with two remote sides is a usage error" one_line_exit "$rc" "$out" 2 "must be local"
out=$(fvm-spawn copy "$conf/blob" 'Bad_Name:/y' 2>&1); rc=$?
check "copy to an invalid name is one line, exit 1" one_line_exit "$rc" "$out" 1 "invalid clone name"
ssh-keygen -q -t ed25519 -N '' -C agent-key -f "$conf/k1"
ssh-keygen -q -t ed25519 -N '' -C ssh-key -f "$conf/k2"
newkey_ssh() { # KEY: log in to v1 with that key only
	fvm-sandbox exec --dir "$SANDBOX_DIR" -- ssh -i "$1" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "root@$ip1" echo in
}
fails() { ! "$@"; }
check "k1 does not log in yet" fails newkey_ssh "$conf/k1"
out=$(fvm-spawn keys add v1 "$conf/k1.pub" 2>&1); rc=$?
check "keys add v1 (the guest agent, else SSH)" bash -c '[ "$1" = 0 ] && echo "$2"' _ "$rc" "$out"
check "k1 logs in" test "$(newkey_ssh "$conf/k1")" = in
check "keys add --via ssh" fvm-spawn keys add --via ssh v1 "$conf/k2.pub"
check "k2 logs in" test "$(newkey_ssh "$conf/k2")" = in
echo "not a key" >"$conf/bad.pub"
out=$(fvm-spawn keys add v1 "$conf/bad.pub" 2>&1); rc=$?
check "a file that is no public key is one line, exit 1" one_line_exit "$rc" "$out" 1 "bad.pub"

# --- compact, the destroy disk hook, promote, golden resize ----------------------------------------
check "stop v1" fvm-spawn stop v1
out=$(fvm-spawn compact v1 2>&1); rc=$?
check "compact v1 prints the allocation before and after" bash -c '[ "$1" = 0 ] && grep -q "^v1: .* -> " <<<"$2"' _ "$rc" "$out"
start=$SECONDS
out=$(fvm-golden promote v1 vbprom 2>&1); rc=$?
check "promote v1 vbprom makes vbprom@1 ($((SECONDS - start)) s)" bash -c '[ "$1" = 0 ] && [ "$(tail -n 1 <<<"$2")" = vbprom@1 ]' _ "$rc" "$out"
check "v1 is consolidated and stays" bash -c 'fvm-spawn info v1 --json | grep -q "\"consolidated\" : \"2"'
out=$(fvm-golden promote v1 vbprom 2>&1); rc=$?
check "a second promote of v1 is refused (original v1 exists): one line, exit 1" one_line_exit "$rc" "$out" 1 "v1"
check "create vp from vbprom@1 (not started)" fvm-spawn create vbprom vp --no-start
out=$(echo 'cat /root/disk-hook-ran' | fvm-spawn start vp --wait ssh --attach ssh 2>&1); rc=$?
check "start vp --attach ssh boots it, logs in, and v1's disk hook file is in it" \
	bash -c '[ "$1" = 0 ] && grep -qx "create v1 vbgold@1 12" <<<"$2"' _ "$rc" "$out"
out=$(fvm-spawn start vp --attach web 2>&1); rc=$?
check "--attach web is a usage error" one_line_exit "$rc" "$out" 2 "--attach takes ssh or console"
out=$(fvm-golden promote vp 2>&1); rc=$?
check "promote of a running clone is refused: one line, exit 1" one_line_exit "$rc" "$out" 1 "is running"
out=$(fvm-spawn destroy v1 2>&1); rc=$?
check "destroy runs the destroy-time disk hook, which reads the disk" \
	bash -c '[ "$1" = 0 ] && grep -q "^fvm-spawn: v1: disk-hook bye.sh: bye destroy: create v1 vbgold@1 12$" <<<"$2"' _ "$rc" "$out"
start=$SECONDS
out=$(fvm-golden resize vbprom@1 6G 2>&1); rc=$?
check "golden resize vbprom@1 6G makes vbprom@2 ($((SECONDS - start)) s)" bash -c '[ "$1" = 0 ] && [ "$(tail -n 1 <<<"$2")" = vbprom@2 ]' _ "$rc" "$out"
check "whose manifest and file say 6 GiB" bash -c 'fvm-golden info vbprom@2 --json | grep -q "\"virtual_size\" : 6442450944" &&
	qemu-img info "$1/vbprom@2.qcow2" | grep -q "virtual size: 6 GiB"' _ "$POOL_DIR"
out=$(fvm-golden resize vbprom@1 1G 2>&1); rc=$?
check "a smaller size is refused: one line, exit 1" one_line_exit "$rc" "$out" 1 "goldens only grow"

check "destroy vp v2 leaves no clone" bash -c 'fvm-spawn destroy vp v2 && [ "$(fvm-spawn list --names)" = "" ]'
finish
