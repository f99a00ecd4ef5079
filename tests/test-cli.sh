#!/bin/bash
# Unit (CLI): every binary answers --help and --version, and every bad argument is one line on
# stderr with exit code 2; bad values and unknown things are one line with exit code 1. Uses
# libvirt's test:///default driver where a connection is needed: no daemon.
set -u
export FVM_CONNECT=test:///default
export XDG_CONFIG_HOME=$(mktemp -d)
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf "%s\n" "$@" | sed "s/^/# /"; }

# expect CODE PATTERN DESC -- CMD...: exit code CODE, exactly one line on stderr matching
# PATTERN (a grep -E regex), nothing on stdout.
expect() {
	local code=$1 pattern=$2 desc=$3
	shift 4
	local out err rc
	out=$(mktemp) err=$(mktemp)
	"$@" >"$out" 2>"$err" </dev/null
	rc=$?
	local lines
	lines=$(wc -l <"$err")
	if [ "$rc" -eq "$code" ] && [ "$lines" -eq 1 ] && grep -Eq -- "$pattern" "$err" && [ ! -s "$out" ]; then
		ok "$desc"
	else
		not_ok "$desc" "exit $rc (want $code), $lines stderr lines (want 1)" "stderr: $(head -c 400 "$err")" "stdout: $(head -c 200 "$out")"
	fi
	rm -f "$out" "$err"
}

# succeeds DESC STDOUT-PATTERN -- CMD...
succeeds() {
	local desc=$1 pattern=$2
	shift 3
	local out rc
	out=$("$@" 2>/dev/null </dev/null)
	rc=$?
	if [ "$rc" -eq 0 ] && grep -Eq -- "$pattern" <<<"$out"; then
		ok "$desc"
	else
		not_ok "$desc" "exit $rc" "stdout: ${out:0:300}"
	fi
}

for bin in fvm-build fvm-golden fvm-spawn fvm-consolidate; do
	succeeds "$bin --help" "Usage" -- $bin --help
	succeeds "$bin --version" "^$bin [0-9]+\.[0-9]+\.[0-9]+$" -- $bin --version
	expect 2 "^$bin: error: .*--no-such-option.*See '$bin.*--help'" "$bin rejects an unknown option" -- $bin --no-such-option
done
expect 2 "^fvm-golden: error: no command given" "fvm-golden without a command" -- fvm-golden
expect 2 "^fvm-spawn: error: no command given" "fvm-spawn without a command" -- fvm-spawn
expect 2 "^fvm-spawn: error: unknown command 'frob'" "fvm-spawn unknown command" -- fvm-spawn frob
expect 2 "OS and NAME must be given" "fvm-build without arguments" -- fvm-build
expect 2 "NAME must be given" "fvm-consolidate without NAME" -- fvm-consolidate
for verb in create list info ip start stop destroy setup; do
	succeeds "fvm-spawn $verb --help" "Usage" -- fvm-spawn $verb --help
done
for verb in create list info delete; do
	succeeds "fvm-golden $verb --help" "Usage" -- fvm-golden $verb --help
done
expect 2 "GOLDEN and NAME must be given" "fvm-spawn create with one argument" -- fvm-spawn create g
expect 2 "too many arguments" "fvm-spawn create with three arguments" -- fvm-spawn create g a b
expect 2 "invalid size 'lots'" "fvm-spawn create --memory lots" -- fvm-spawn create --memory lots g x
expect 2 "--wait takes none, ip or ssh" "fvm-spawn create --wait maybe" -- fvm-spawn create --wait maybe g x
expect 2 "--vcpus" "fvm-spawn create --vcpus -3" -- fvm-spawn create --vcpus -3 g x
expect 2 "ORIGINAL must be given" "fvm-golden create without ORIGINAL" -- fvm-golden create

# Invalid names: one line, before anything is touched.
long=$(printf 'a%.0s' $(seq 200))
expect 2 "invalid clone name '\.\./x'" "clone name ../x" -- fvm-spawn create g ../x
expect 2 "invalid clone name 'a b'" "clone name with a space" -- fvm-spawn create g "a b"
expect 2 "clone name must not be empty" "empty clone name" -- fvm-spawn create g ""
expect 2 "200 characters long" "200-character clone name" -- fvm-spawn create g "$long"
expect 2 "invalid golden 'g@0'" "golden version 0" -- fvm-spawn create g@0 x
expect 2 "invalid image name '\.\./g'" "golden name ../g" -- fvm-spawn create ../g x
expect 2 "invalid image name 'a b'" "golden name with a space" -- fvm-golden create orig "a b"
expect 2 "200 characters long" "200-character golden name" -- fvm-golden create orig "$long"
expect 2 "invalid image name '\.\./x'" "original name ../x" -- fvm-build debian12 ../x
expect 2 "image name must not be empty" "empty original name" -- fvm-build debian12 ""
expect 1 "unknown OS id 'plan9'" "unknown OS id" -- fvm-build plan9 x
expect 1 "no installer support for 'alpinelinux3.16'" "OS without installer support" -- fvm-build alpinelinux3.16 x
expect 1 "the bootstrap method builds Debian 11 and newer, not 'debian9'" "bootstrap of an older Debian" -- fvm-build --method bootstrap debian9 x
expect 2 "unknown key 'colour'" "fvm-build --set with an unknown key" -- fvm-build --set colour=red debian12 x
expect 2 "--method takes install or bootstrap" "fvm-build unknown method" -- fvm-build --method magic debian12 x
expect 1 "not one OpenSSH public key" "fvm-build --ssh-key that is not a key" -- fvm-build --ssh-key /etc/hostname debian12 x
expect 1 "No such file" "fvm-build --ssh-key missing" -- fvm-build --ssh-key /nonexistent debian12 x

# The installer method, as far as it goes without a daemon.
tmp=$(mktemp -d)
ssh-keygen -q -t ed25519 -N '' -f "$tmp/key"
expect 2 "--dry-run needs --output-dir" "--dry-run without --output-dir" -- fvm-build --dry-run debian12 x
expect 2 "give --iso or --location, not both" "--iso and --location together" -- fvm-build --iso a.iso --location /x debian12 x
printf 'd-i debian-installer/locale string {{nosuch}}\n' >"$tmp/bad.cfg"
expect 1 "bad.cfg:1: unknown variable 'nosuch'" "a template with an unknown variable" -- fvm-build --template "$tmp/bad.cfg" --dry-run --output-dir "$tmp/out" debian12 x
expect 2 "name it .cfg" "a template of no known kind" -- fvm-build --template "$tmp/bad.txt" debian12 x
printf 'not a password file\nsecond line\n' >"$tmp/pw"
expect 1 "root-password|password" "a root password file of two lines" -- fvm-build --root-password-file "$tmp/pw" --dry-run --output-dir "$tmp/out" debian12 x
list=$(fvm-build --list-os 2>/dev/null)
for want in "debian11 .* install " "debian12 .* install .*preseed, initrd" "debian12 .* bootstrap " \
	"debian13 .* install " "ubuntu20.04 .* install .*preseed" "ubuntu22.04 .* install .*autoinstall, cidata ISO" \
	"ubuntu24.04 .* install .*autoinstall" "centos-stream9 .* install .*kickstart, initrd" \
	"centos-stream10 .* install .*kickstart" "rocky8 .* install .*kickstart" "rocky9 .* install .*kickstart" \
	"almalinux8 .* install .*kickstart" "almalinux9 .* install .*kickstart" "rhel8\.[0-9]+ .* install .*kickstart" \
	"rhel9\.[0-9]+ .* install .*kickstart" "fedora39 .* install .*kickstart" "fedora41 .* install .*kickstart"; do
	if grep -Eq "^$want" <<<"$list"; then ok "--list-os: $want"; else not_ok "--list-os: $want"; fi
done
if fvm-build --list-os --json 2>/dev/null | python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert all(set(r) == {"id", "name", "method", "injection"} for r in rows)
assert {"install", "bootstrap"} == {r["method"] for r in rows}'; then
	ok "--list-os --json lists id, name, method and injection"
else
	not_ok "--list-os --json lists id, name, method and injection"
fi
for os in debian12 ubuntu24.04 rocky9; do
	out=$(fvm-build --dry-run --output-dir "$tmp/$os" --ssh-key "$tmp/key.pub" "$os" "dry-$os" 2>&1)
	ok_files=1
	for f in cmdline domain.xml; do [ -s "$tmp/$os/$f" ] || ok_files=; done
	if [ -n "$ok_files" ] && virt-xml-validate "$tmp/$os/domain.xml" domain >/dev/null 2>&1; then
		ok "--dry-run writes the answer file, cmdline and a valid domain XML for $os"
	else
		not_ok "--dry-run writes the answer file, cmdline and a valid domain XML for $os" "$out" "$(ls "$tmp/$os" 2>&1)"
	fi
done
if debconf-set-selections --checkonly <"$tmp/debian12/preseed.cfg" 2>&1 | grep -q . ; then
	not_ok "the dry run's preseed passes debconf-set-selections --checkonly"
else
	ok "the dry run's preseed passes debconf-set-selections --checkonly"
fi
check_cmdline() { grep -q -- "$2" "$tmp/$1/cmdline"; }
check_cmdline debian12 "preseed/file=/preseed.cfg" && ok "debian12 boots d-i with the injected preseed" || not_ok "debian12 boots d-i with the injected preseed" "$(cat "$tmp/debian12/cmdline")"
check_cmdline rocky9 "inst.ks=file:/ks.cfg" && ok "rocky9 boots anaconda with the injected kickstart" || not_ok "rocky9 boots anaconda with the injected kickstart" "$(cat "$tmp/rocky9/cmdline")"
check_cmdline ubuntu24.04 "autoinstall" && grep -q "seed.iso" "$tmp/ubuntu24.04/domain.xml" && ok "ubuntu24.04 boots subiquity with a cidata seed" || not_ok "ubuntu24.04 boots subiquity with a cidata seed"
rm -rf "$tmp"

# Against libvirt's test driver: no fvm pool, no fvm clones.
succeeds "fvm-spawn list on a connection without clones" "^NAME" -- fvm-spawn list
out=$(fvm-spawn list --json 2>/dev/null)
if [ "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$out" 2>/dev/null)" = 0 ]; then
	ok "fvm-spawn list --json is an empty JSON array"
else
	not_ok "fvm-spawn list --json is an empty JSON array" "stdout: $out"
fi
expect 1 "clone 'nosuch' not found" "info of an unknown clone" -- fvm-spawn info nosuch
expect 1 "domain 'test' is not an fvm clone" "info refuses a domain fvm did not make" -- fvm-spawn info test
expect 1 "storage pool 'fvm' not found \(run 'fvm-spawn setup'\)" "golden list without a pool" -- fvm-golden list
out=$(fvm-spawn setup --check 2>&1 >/dev/null </dev/null)
rc=$?
report=$(fvm-spawn setup --check 2>/dev/null </dev/null)
if [ $rc -eq 1 ] && grep -q "setup is incomplete" <<<"$out" && grep -Eq "^storage pool 'fvm' +missing" <<<"$report" \
	&& grep -Eq "^network 'fvm' +missing" <<<"$report"; then
	ok "setup --check reports what is missing and fails"
else
	not_ok "setup --check reports what is missing and fails" "exit $rc" "$out" "$report"
fi
expect 1 "cannot connect to qemu:///nowhere" "a URI that does not connect" -- fvm-spawn --connect qemu:///nowhere list

# Configuration errors name their source.
mkdir -p "$XDG_CONFIG_HOME/fvm"
printf '[storage]\npoool=x\n' >"$XDG_CONFIG_HOME/fvm/fvm.conf"
expect 1 "fvm.conf: unknown setting 'storage.poool'" "a typo in fvm.conf" -- fvm-spawn list
rm "$XDG_CONFIG_HOME/fvm/fvm.conf"
FVM_ACCEL=warp expect 1 "FVM_ACCEL.*expected auto, kvm or tcg" "a bad FVM_ACCEL" -- fvm-spawn list

echo "1..$n"
[ "$failed" -eq 0 ]
