#!/bin/bash
# Unit (CLI): every binary answers --help and --version, and every bad argument is one line on
# stderr with exit code 2; bad values and unknown things are one line with exit code 1. Uses
# libvirt's test:///default driver where a connection is needed: no daemon.
set -u
export FVM_CONNECT=test:///default
export XDG_CONFIG_HOME=$(mktemp -d)
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT
. "${BASH_SOURCE[0]%/*}/tap.sh"


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
for verb in create list info ip ssh console vnc monitor note resize start stop destroy gc profiles setup; do
	succeeds "fvm-spawn $verb --help names the verb in its usage line" "^  fvm-spawn $verb \[OPTION" -- fvm-spawn $verb --help
done
for verb in create list info delete verify; do
	succeeds "fvm-golden $verb --help names the verb in its usage line" "^  fvm-golden $verb \[OPTION" -- fvm-golden $verb --help
done
expect 2 "GOLDEN must be given" "fvm-spawn create with only NAME and no clone.golden" -- fvm-spawn create g
expect 2 "NAME must be given" "fvm-spawn create without arguments" -- fvm-spawn create
expect 2 "too many arguments" "fvm-spawn create with three arguments" -- fvm-spawn create g a b
expect 2 "invalid size 'lots'" "fvm-spawn create --memory lots" -- fvm-spawn create --memory lots g x
expect 2 "--wait takes none, ip or ssh" "fvm-spawn create --wait maybe" -- fvm-spawn create --wait maybe g x
expect 2 "--vcpus" "fvm-spawn create --vcpus -3" -- fvm-spawn create --vcpus -3 g x
expect 2 "ORIGINAL must be given" "fvm-golden create without ORIGINAL" -- fvm-golden create
# issue-5 options: every mistake is one line, exit 2, before libvirt is touched.
expect 2 "--count must be between 1 and 1000" "create --count -1" -- fvm-spawn create --count -1 g x
expect 2 "--count must be between 1 and 1000" "create --count 5000" -- fvm-spawn create --count 5000 g x
expect 2 "--count.*invalid|Cannot parse integer" "create --count lots" -- fvm-spawn create --count lots g x
expect 2 "too long for --count" "create --count with a 60-character name" -- fvm-spawn create --count 2 g "$(printf 'b%.0s' $(seq 60))"
expect 2 "--ip and --number exclude each other" "create --ip and --number" -- fvm-spawn create --ip 10.0.0.5 --number 5 g x
expect 2 "with --count use --number" "create --ip with --count" -- fvm-spawn create --ip 10.0.0.5 --count 2 g x
expect 2 "--number must be between" "create --number -2" -- fvm-spawn create --number -2 g x
expect 2 "--hostname names one clone" "create --hostname with --count" -- fvm-spawn create --hostname h --count 2 g x
expect 2 "--hostname must be a DNS label" "create --hostname with a space" -- fvm-spawn create --hostname "a b" g x
expect 2 "--wait and --no-wait exclude each other" "create --wait ip --no-wait" -- fvm-spawn create --wait ip --no-wait g x
expect 2 "disk-size.*invalid size 'huge'" "create --disk-size huge" -- fvm-spawn create --disk-size huge g x
# Extra devices (fvm-devices): hostile or mistyped values refused in one line before anything.
expect 2 "--graphics: clone.graphics: invalid graphics 'vga' \\(expected none, vnc or spice\\)" "create --graphics vga" -- fvm-spawn create --graphics vga g x
expect 2 "--graphics-listen: clone.graphics-listen: invalid listen address 'localhost'" "create --graphics-listen localhost" -- fvm-spawn create --graphics vnc --graphics-listen localhost g x
expect 2 "--graphics-listen: clone.graphics-listen: invalid listen address" "create --graphics-listen with a quote" -- fvm-spawn create --graphics-listen "127.0.0.1' autoport='no" g x
expect 2 "--disk: invalid disk size '10X'" "create --disk 10X" -- fvm-spawn create --disk 10X g x
expect 2 "--disk: invalid disk size '0'" "create --disk 0" -- fvm-spawn create --disk 0 g x
expect 2 "--disk: invalid disk bus 'ide' \\(expected virtio, sata or scsi\\)" "create --disk 1G,bus=ide" -- fvm-spawn create --disk 1G,bus=ide g x
expect 2 "--disk: invalid disk '1G,cache=none'" "create --disk with an unknown option" -- fvm-spawn create --disk 1G,cache=none g x
expect 2 "--disk: invalid disk " "create --disk with a line break" -- fvm-spawn create --disk "$(printf '1G,bus=sata\nx')" g x
expect 2 "--nic: invalid network name 'a'b'" "create --nic with a quote" -- fvm-spawn create --nic "a'b" g x
expect 2 "--nic: bridge name is 20 characters long" "create --nic with a long bridge" -- fvm-spawn create --nic bridge=abcdefghijklmnopqrst g x
expect 2 "--nic: invalid NIC 'vlan=3'" "create --nic vlan=3" -- fvm-spawn create --nic vlan=3 g x
expect 2 "--nic: invalid network name 'a,b'" "create --nic with a comma" -- fvm-spawn create --nic a,b g x
expect 2 "--qemu-arg: clone.qemu-args: qemu argument 1 holds a control character" "create --qemu-arg with a tab" -- fvm-spawn create --qemu-arg "$(printf 'a\tb')" g x
expect 1 "CD-ROM image '/nonexistent/x.iso': No such file" "create --cdrom of a missing file" -- fvm-spawn create --cdrom /nonexistent/x.iso g x
expect 1 "CD-ROM image '/tmp': not a regular file" "create --cdrom of a directory" -- fvm-spawn create --cdrom /tmp g x
expect 1 "CD-ROM image '/tmp': not a regular file" "start --cdrom of a directory" -- fvm-spawn start --cdrom /tmp x
expect 2 "NAME must be given" "vnc without NAME" -- fvm-spawn vnc
expect 2 "NAME must be given" "monitor without NAME" -- fvm-spawn monitor
expect 1 "profile 'nosuch' not found \\(looked in .*/fvm/profiles and .*/profiles\\)" "create --profile nosuch" -- fvm-spawn create --profile nosuch g x
expect 1 "invalid image name" "create --profile ../x" -- fvm-spawn create --profile ../x g x
mkdir -p "$XDG_CONFIG_HOME/fvm/profiles"
printf '[clone]\nmemroy=1G\n' >"$XDG_CONFIG_HOME/fvm/profiles/typo.conf"
expect 1 "typo.conf: unknown setting 'clone.memroy'" "a profile with a typo names its file" -- fvm-spawn create --profile typo g x
printf '[libvirt]\nuri=qemu:///session\n' >"$XDG_CONFIG_HOME/fvm/profiles/uri.conf"
expect 1 "'libvirt.uri' cannot be set in a profile" "a profile may not move the store" -- fvm-spawn create --profile uri g x
printf '[clone]\nhooks=/nonexistent/hook\n' >"$XDG_CONFIG_HOME/fvm/profiles/nohook.conf"
succeeds "fvm-spawn profiles lists them" "^nohook$" -- fvm-spawn profiles
rm -f "$XDG_CONFIG_HOME/fvm/profiles/"*.conf
expect 2 "--settings takes no NAME" "info --settings NAME" -- fvm-spawn info --settings x
expect 2 "--profile goes with --settings" "info NAME --profile" -- fvm-spawn info x --profile p
succeeds "info --settings shows every key with its source" "^clone.memory +\\(empty\\) +default$" -- fvm-spawn info --settings
expect 2 "--sort takes name, age or golden" "list --sort size" -- fvm-spawn list --sort size
expect 2 "NAME and SIZE must be given" "resize without SIZE" -- fvm-spawn resize x
expect 2 "invalid size 'big'" "resize to a bad size" -- fvm-spawn resize x big
expect 2 "too many arguments" "note with two texts" -- fvm-spawn note x a b
expect 2 "NAME must be given" "ssh without NAME" -- fvm-spawn ssh
expect 2 "several names take a COMMAND after --" "ssh with several names and no command" -- fvm-spawn ssh a b --
expect 2 "--hosts finds one NAME" "ssh --hosts with several names" -- fvm-spawn ssh --hosts all a b -- true
expect 2 "NAME must be given" "console without NAME" -- fvm-spawn console
expect 2 "--timeout must not be negative" "console --timeout -1" -- fvm-spawn console --timeout -1 x
expect 2 "too many arguments" "gc with an argument" -- fvm-spawn gc x
expect 1 "clone 'nosuch' not found" "note on an unknown clone" -- fvm-spawn note nosuch hello
# The verbs of issue 20: usage errors are one line, exit 2, before any connection.
expect 2 "--state takes running, shut-off or all" "list --state paused" -- fvm-spawn list --state paused
expect 2 "--attach takes ssh or console" "start --attach web" -- fvm-spawn start --attach web x
expect 2 "--attach takes one NAME" "start --attach with two names" -- fvm-spawn start --attach ssh x y
expect 2 "one of SRC and DST must be NAME:PATH" "copy between two local paths" -- fvm-spawn copy a b
expect 2 "one of SRC and DST must be local" "copy between two clones" -- fvm-spawn copy a:/x b:/y
expect 2 "SRC and DST must be given" "copy with one argument" -- fvm-spawn copy a:/x
expect 1 "invalid clone name 'a_b'" "copy to an invalid clone name" -- fvm-spawn copy /etc/hostname a_b:/tmp
expect 2 "the only action is 'add'" "keys del" -- fvm-spawn keys del x f
expect 2 "--via takes agent, ssh or auto" "keys add --via mail" -- fvm-spawn keys add --via mail x f
expect 2 "--text and --clear exclude each other" "note --text --clear" -- fvm-spawn note --text a --clear x
expect 2 "NAME must be given" "compact without NAME" -- fvm-spawn compact
expect 1 "a hook's name or path must not be empty or hold a comma" "create --disk-hook a,b" -- fvm-spawn create --disk-hook a,b g x
expect 2 "say which version to resize: NAME@N" "golden resize without a version" -- fvm-golden resize g 2G
expect 2 "invalid size 'big'" "golden resize to a bad size" -- fvm-golden resize g@1 big
expect 2 "invalid clone name 'a b'" "promote a bad name" -- fvm-golden promote "a b"
expect 2 "too many arguments" "promote with three names" -- fvm-golden promote a b c
expect 1 "clone 'nosuch' not found" "ssh to an unknown clone" -- fvm-spawn ssh nosuch
expect 1 "clone 'nosuch' not found" "console of an unknown clone" -- fvm-spawn console nosuch

# Several hosts (--hosts): argument mistakes before any host is dialled; an empty farm is one line.
expect 2 "--hosts places a fleet: give --count" "create --hosts without --count" -- fvm-spawn create --hosts all g x
expect 2 "--connect and --hosts exclude each other" "push --connect with --hosts" -- fvm-golden push g@1 --connect test:///default --hosts all
expect 2 "--hosts prints lines: no --json" "gc --hosts --json" -- fvm-spawn gc --json --yes --hosts all
expect 2 "--sort is for one host" "list --hosts --sort" -- fvm-spawn list --hosts all --sort age
expect 2 "--hosts finds one NAME" "info --hosts with two names" -- fvm-spawn info --hosts all a b
expect 1 "hosts.uris names no hosts" "list --hosts all without a farm" -- fvm-spawn list --hosts all
expect 1 "'nouri' in --hosts is not a libvirt URI" "list --hosts with a word" -- fvm-spawn list --hosts nouri
proxy_conf=$(mktemp -d)
mkdir -p "$proxy_conf/fvm" && printf '[clone]\nssh-proxy=-oProxyCommand=x\n' >"$proxy_conf/fvm/fvm.conf"
expect 1 "invalid SSH jump '-oProxyCommand=x'" "clone.ssh-proxy that is an option" -- env XDG_CONFIG_HOME="$proxy_conf" fvm-spawn ssh a
rm -rf "$proxy_conf"
expect 1 "no clone 'nosuch' on any host" "ssh --hosts to an unknown clone" -- fvm-spawn ssh --hosts test:///default nosuch

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
expect 2 "--set components: the list must hold main" "fvm-build --set components without main" -- fvm-build --set components=contrib debian12 x
expect 2 "--set components: invalid archive area 'con trib'" "fvm-build --set components with a bad area" -- fvm-build --set "components=main,con trib" debian12 x
expect 2 "--set components belongs to --method bootstrap" "fvm-build --set components with the installer" -- fvm-build --method install --set components=main,contrib debian11 x
expect 1 "not one OpenSSH public key" "fvm-build --ssh-key that is not a key" -- fvm-build --ssh-key /etc/hostname debian12 x
expect 1 "No such file" "fvm-build --ssh-key missing" -- fvm-build --ssh-key /nonexistent debian12 x
# Options that are settings go into the invocation's one configuration: a bad value is a usage
# error naming the option, and a good one reaches what the build writes.
expect 2 "^fvm-build: error: --mirror: .*invalid mirror 'not a url'.*See 'fvm-build --help'" "fvm-build --mirror that is not a URL" -- fvm-build --mirror "not a url" debian12 x
expect 2 "^fvm-build: error: --disk-size: .*invalid size 'huge'" "fvm-build --disk-size huge" -- fvm-build --disk-size huge --method bootstrap debian12 x
mirror_out=$(mktemp -d)
if fvm-build --dry-run --output-dir "$mirror_out/o" --mirror http://127.0.0.1:9/fvm-test-mirror debian12 x >/dev/null 2>&1 &&
	grep -q "^d-i mirror/http/hostname string 127.0.0.1:9$" "$mirror_out/o/preseed.cfg" &&
	grep -q "^d-i mirror/http/directory string /fvm-test-mirror$" "$mirror_out/o/preseed.cfg"; then
	ok "fvm-build --mirror URL: the answer file names URL"
else
	not_ok "fvm-build --mirror URL: the answer file names URL" "preseed.cfg names another mirror, or none"
fi
rm -rf "$mirror_out"

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
# An empty or missing preseed must not pass: debconf says nothing about no input.
preseed=$tmp/debian12/preseed.cfg
if [ -s "$preseed" ] && grep -q '^d-i ' "$preseed" &&
	out=$(debconf-set-selections --checkonly <"$preseed" 2>&1) && [ -z "$out" ]; then
	ok "the dry run's preseed passes debconf-set-selections --checkonly"
else
	not_ok "the dry run's preseed passes debconf-set-selections --checkonly" "$(ls -l "$preseed" 2>&1)" "${out:-}"
fi
check_cmdline() { grep -q -- "$2" "$tmp/$1/cmdline"; }
check_cmdline debian12 "preseed/file=/preseed.cfg" && ok "debian12 boots d-i with the injected preseed" || not_ok "debian12 boots d-i with the injected preseed" "$(cat "$tmp/debian12/cmdline")"
check_cmdline rocky9 "inst.ks=file:/ks.cfg" && ok "rocky9 boots anaconda with the injected kickstart" || not_ok "rocky9 boots anaconda with the injected kickstart" "$(cat "$tmp/rocky9/cmdline")"
check_cmdline ubuntu24.04 "autoinstall" && grep -q "seed.iso" "$tmp/ubuntu24.04/domain.xml" && ok "ubuntu24.04 boots subiquity with a cidata seed" || not_ok "ubuntu24.04 boots subiquity with a cidata seed"
# An OS fvm has no template for goes to libosinfo's own script: what it cannot take is refused in
# one line, and it prints fvm's completion marker.
expect 1 "libosinfo's install script for it cannot take --ssh-key: leave it out" "libosinfo fallback refuses --ssh-key" -- fvm-build --ssh-key "$tmp/key.pub" --dry-run --output-dir "$tmp/out" debian10 x
expect 1 "cannot take --set packages, --set proxy: leave them out" "libosinfo fallback refuses packages and a proxy" -- fvm-build --set packages=vim --set proxy=http://127.0.0.1:3128 --dry-run --output-dir "$tmp/out" fedora37 x
for os in debian10 fedora37; do
	out=$(fvm-build --dry-run --output-dir "$tmp/$os" "$os" "dry-$os" 2>&1)
	answer=$(ls "$tmp/$os"/preseed.cfg "$tmp/$os"/ks.cfg 2>/dev/null)
	if [ -n "$answer" ] && grep -q "osinfo-install-successful" "$answer" &&
		tail -n 4 "$answer" | grep -q "printf '%s.n' 'FVM-INSTALL-DONE-[0-9a-f]*' .*> /dev/ttyS0"; then
		ok "the libosinfo fallback's script for $os ends by printing fvm's marker"
	else
		not_ok "the libosinfo fallback's script for $os ends by printing fvm's marker" "$out" "$(tail -n 6 "$answer" 2>&1)"
	fi
done
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
# thin LVs: the backend is checked, and a thinlv store without a VG says what is missing.
FVM_BACKEND=btrfs expect 1 "FVM_BACKEND.*invalid storage backend 'btrfs'" "an unknown FVM_BACKEND" -- fvm-spawn list
out=$(FVM_BACKEND=thinlv fvm-spawn list 2>&1 >/dev/null)
if grep -q "needs storage.vg and storage.thinpool" <<<"$out"; then
	ok "list with FVM_BACKEND=thinlv and no VG warns what is missing"
else
	not_ok "list with FVM_BACKEND=thinlv and no VG warns what is missing" "$out"
fi

expect 1 "--backend: .*invalid storage backend 'btrfs' \(expected qcow2, thinlv or zfs\)" "an unknown --backend" -- \
	fvm-spawn create --backend btrfs gold c1
expect 1 "--backend: .*invalid storage backend 'lvm'" "an unknown --backend for fvm-golden import" -- \
	fvm-golden import --backend lvm /nonexistent.fvm
# signed bundles: the options' values are checked before anything is read.
expect 2 "a sha256 digest is 64 hex digits" "import --sha256 with a short digest" -- \
	fvm-golden import --sha256 abc /nonexistent.fvm
expect 2 "a sha256 digest is 64 hex digits" "import --sha256 with a non-hex digit" -- \
	fvm-golden import --sha256 "$(printf 'g%.0s' {1..64})" /nonexistent.fvm
expect 2 "--sign apply to --format fvm" "export --sign with --format virt-builder" -- \
	fvm-golden export --format virt-builder --sign ops -o /nonexistent gold@1
expect 1 "trusted keys /nonexistent/keys.asc: no such file" "import --trusted-keys that does not exist" -- \
	fvm-golden import --trusted-keys /nonexistent/keys.asc /nonexistent.fvm
mkdir -p "$XDG_CONFIG_HOME/fvm"
printf '[golden]\nrequire-signature=maybe\n' >"$XDG_CONFIG_HOME/fvm/fvm.conf"
# goldens through OCI registries: references checked before anything runs
expect 2 "oci://REGISTRY/REPOSITORY:TAG \\(or @sha256:HEX\\) must be given" "fvm-golden pull without a reference" -- fvm-golden pull
expect 2 "has no tag" "fvm-golden pull of a reference without a tag" -- fvm-golden pull oci://127.0.0.1:5000/fvm/deb
expect 2 "invalid repository 'Fvm/deb'" "an upper-case repository" -- fvm-golden pull oci://127.0.0.1:5000/Fvm/deb:1
expect 2 "not an OCI reference" "pull of a docker:// reference" -- fvm-golden pull docker://host/x:1
expect 2 "invalid digest 'sha256:00'" "pull by a digest that is not sha256 and 64 hex digits" -- fvm-golden pull oci://host/x@sha256:00
expect 2 "a push names a tag .* not a digest" "push to a digest" -- \
	fvm-golden push deb@1 "oci://host/x@sha256:$(printf '%064d' 0)"
expect 2 "invalid image name 'a b'" "pull --name with a space" -- fvm-golden pull --name "a b" oci://host/x:1
expect 2 "invalid registry" "push to a registry with a bad port" -- fvm-golden push deb@1 oci://host:99999/x:1
expect 2 "not with oci://" "push with --connect and oci://" -- fvm-golden push deb@1 oci://host/x:1 --connect test:///default
expect 2 "are for oci:// destinations" "push --containerdisk over libvirt" -- fvm-golden push deb@1 --connect test:///default --containerdisk
expect 2 "are for oci:// destinations" "push --sign over libvirt" -- fvm-golden push deb@1 --connect test:///default --sign KEY
expect 2 "--sign needs a key" "push --sign with an empty key" -- fvm-golden push deb@1 oci://host/x:1 --sign ""
expect 1 "trusted keys /nonexistent/keys.asc: no such file" "pull --trusted-keys of a missing file" -- fvm-golden pull oci://host/x:1 --trusted-keys /nonexistent/keys.asc
expect 1 "golden.require-signature.*invalid boolean 'maybe'" "a bad golden.require-signature" -- fvm-golden list
rm "$XDG_CONFIG_HOME/fvm/fvm.conf"
expect 2 "Unknown option --backend" "--backend is not taken where clones carry their own backend" -- \
	fvm-spawn destroy --backend thinlv c1
expect 1 "--thin-pool-size: " "a malformed --thin-pool-size" -- fvm-spawn setup --thin-pool-size lots
expect 1 "--thin-pool-size: .*must not be zero" "--thin-pool-size 0" -- fvm-spawn setup --thin-pool-size 0
out=$(fvm-spawn setup --backend thinlv 2>&1 >/dev/null </dev/null)
if grep -q "needs storage.vg and storage.thinpool" <<<"$out"; then
	ok "setup --backend thinlv without a VG says what is missing"
else
	not_ok "setup --backend thinlv without a VG says what is missing" "$out"
fi

# list --names against a test-driver node whose dir pool 'fvm' holds two goldens and an original
# (manifests only: listing reads nothing else), as shell completion calls it.
store=$(mktemp -d)
mkdir "$store/images"
cat >"$store/node.xml" <<EOF
<node>
  <pool type='dir'>
    <name>fvm</name>
    <uuid>4f0a5b8e-6c1d-4e2f-9a3b-7c8d9e0f1a2b</uuid>
    <target><path>$store/images</path></target>
  </pool>
</node>
EOF
manifest() { # KIND NAME VERSION VOLUME
	cat <<EOF
{ "fvm_manifest" : 1, "fvm_version" : "0.1.0", "kind" : "$1", "name" : "$2", "version" : $3,
  "volume" : "$4", "format" : "qcow2", "virtual_size" : 4294967296, "file_size" : 1,
  "sha256" : "00ff", "created" : "2026-12-02T00:00:00Z", "built_from" : "$2",
  "os" : { "id" : "debian12", "name" : "Debian 12", "distro" : "debian", "version" : "12",
           "codename" : "bookworm", "ram_mib" : 1024, "vcpus" : 1, "virtio" : true },
  "sysprep" : [] }
EOF
}
manifest golden deb 1 deb@1.qcow2 >"$store/images/deb@1.json"
manifest golden deb 2 deb@2.qcow2 >"$store/images/deb@2.json"
manifest original orig 0 orig.original.qcow2 >"$store/images/orig.original.json"
check_names() { [ "$(sort <<<"$out" | tr '\n' ' ')" = "$1" ]; }
out=$(FVM_CONNECT=test://$store/node.xml fvm-golden list --names 2>&1)
check_names "deb@1 deb@2 " && ok "fvm-golden list --names prints only the golden refs" ||
	not_ok "fvm-golden list --names prints only the golden refs" "output: $out"
out=$(FVM_CONNECT=test://$store/node.xml fvm-golden list --originals --names 2>&1)
check_names "orig " && ok "fvm-golden list --originals --names prints only the original names" ||
	not_ok "fvm-golden list --originals --names prints only the original names" "output: $out"
expect 2 "too many arguments" "list --names takes no argument" -- fvm-golden list --names x
# Manifest strings reach the terminal without their escape sequences and line breaks: a golden
# whose OS name clears the screen, retitles the terminal and fakes a line of output.
manifest golden esc 1 esc@1.qcow2 |
	sed 's/"name" : "Debian 12"/"name" : "\\u001b[2J\\u001b]0;owned\\u0007Debian\\nSHA-256:       fake"/; s/"built_from" : "esc"/"built_from" : "x\\u009b31m"/' \
		>"$store/images/esc@1.json"
for case in "fvm-golden info esc@1|\x1B[2J\x1B]0;owned\x07Debian\x0ASHA-256:       fake" \
	"fvm-golden list|x\u{009B}31m"; do
	cmd=${case%%|*} want=${case#*|}
	out=$(FVM_CONNECT=test://$store/node.xml $cmd 2>&1)
	if ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$out" && ! grep -q $'\u009b' <<<"$out" &&
		! grep -q "^SHA-256: *fake" <<<"$out" && grep -qF -- "$want" <<<"$out"; then
		ok "$cmd shows a manifest's control characters escaped: $want"
	else
		not_ok "$cmd shows a manifest's control characters escaped" "output: $(cat -v <<<"$out")"
	fi
done
# verify NAME...: golden ver@1's file has its manifest's digest, ver@2's does not (its manifest
# was written for other bytes), ver@3 has no file: each is reported, and the exit status is 1.
printf 'golden one' >"$store/images/ver@1.qcow2"
printf 'golden two, changed' >"$store/images/ver@2.qcow2"
sum1=$(sha256sum <"$store/images/ver@1.qcow2" | cut -d' ' -f1)
sum2=$(printf 'golden two' | sha256sum | cut -d' ' -f1)
now2=$(sha256sum <"$store/images/ver@2.qcow2" | cut -d' ' -f1)
manifest golden ver 1 ver@1.qcow2 | sed "s/\"00ff\"/\"$sum1\"/" >"$store/images/ver@1.json"
manifest golden ver 2 ver@2.qcow2 | sed "s/\"00ff\"/\"$sum2\"/" >"$store/images/ver@2.json"
manifest golden ver 3 ver@3.qcow2 >"$store/images/ver@3.json"
expect 2 "NAME must be given" "fvm-golden verify without NAME" -- fvm-golden verify
out=$(FVM_CONNECT=test://$store/node.xml fvm-golden verify ver@1 2>&1) && rc=0 || rc=$?
[ "$rc" = 0 ] && [ "$out" = "ver@1: ok" ] && ok "verify of an unchanged golden prints 'ver@1: ok'" ||
	not_ok "verify of an unchanged golden prints 'ver@1: ok'" "exit $rc, output: $out"
out=$(FVM_CONNECT=test://$store/node.xml fvm-golden verify ver@2 ver@3 ver@1 2>&1) && rc=0 || rc=$?
if [ "$rc" = 1 ] && grep -qx "ver@2: changed (expected $sum2, got $now2)" <<<"$out" &&
	grep -q "^fvm-golden: error: .*ver@3" <<<"$out" && grep -qx "ver@1: ok" <<<"$out" &&
	grep -q "^fvm-golden: error: 2 of 3 goldens failed verification" <<<"$out"; then
	ok "verify reports every golden (changed, unreadable, ok) and exits 1"
else
	not_ok "verify reports every golden (changed, unreadable, ok) and exits 1" "exit $rc, output: $out"
fi
out=$(FVM_CONNECT=test://$store/node.xml fvm-golden verify --json ver ver@1 2>/dev/null) && rc=0 || rc=$?
if [ "$rc" = 1 ] && python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert [x["golden"] for x in r] == ["ver", "ver@1"], r
assert r[0]["status"] == "error" and "ver@3" in r[0]["error"], r
assert r[1]["status"] == "ok" and r[1]["expected"] == r[1]["actual"] == sys.argv[2], r
' "$out" "$sum1"; then
	ok "verify --json: one object per golden, as named, with its status; NAME is its newest version"
else
	not_ok "verify --json: one object per golden, as named, with its status; NAME is its newest version" "exit $rc, output: $out"
fi
# import-image from a URL: the bundle's rule. Port 9 on loopback (discard) has no server here.
expect 2 "a sha256 digest is 64 hex digits" "import-image --sha256 abc is a usage error" -- \
	fvm-golden import-image --sha256 abc newimg /nonexistent.qcow2
out=$(FVM_CONNECT=test://$store/node.xml fvm-golden import-image newimg http://127.0.0.1:9/d.qcow2.xz 2>&1) && rc=0 || rc=$?
[ "$rc" = 1 ] && grep -qx "fvm-golden: error: refusing an unverified image from http://: .*--allow-unsigned)" <<<"$out" &&
	ok "import-image of an http:// URL without --sha256 or --allow-unsigned is refused before fetching" ||
	not_ok "import-image of an http:// URL without --sha256 or --allow-unsigned is refused before fetching" "exit $rc, output: $out"
printf '[golden]\nrequire-signature=true\n' >"$XDG_CONFIG_HOME/fvm/fvm.conf"
out=$(FVM_CONNECT=test://$store/node.xml fvm-golden import-image newimg https://127.0.0.1:9/d.qcow2 2>&1) && rc=0 || rc=$?
rm "$XDG_CONFIG_HOME/fvm/fvm.conf"
[ "$rc" = 1 ] && grep -q "the image is not signed and golden.require-signature is set" <<<"$out" &&
	ok "import-image of an https:// URL under golden.require-signature is refused" ||
	not_ok "import-image of an https:// URL under golden.require-signature is refused" "exit $rc, output: $out"
out=$(FVM_CONNECT=test://$store/node.xml fvm-golden import-image --allow-unsigned newimg http://127.0.0.1:9/d.qcow2.xz 2>&1) && rc=0 || rc=$?
if [ "$rc" = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q "^fvm-golden: error: downloading http://127.0.0.1:9/d.qcow2.xz: .*" <<<"$out" &&
	[ -z "$(ls -A "$store/images" | grep -v -e '^ver@' -e '^deb@' -e '^esc@' -e '^orig\.')" ]; then
	ok "import-image --allow-unsigned of a URL nobody serves: one line naming it, no scratch left in the pool"
else
	not_ok "import-image --allow-unsigned of a URL nobody serves" "exit $rc, output: $out" "$(ls -A "$store/images")"
fi
rm -rf "$store"

# destroy NAME...: a name that fails does not stop the others; each failure is one line, exit 1.
# Two fvm clones (domains with fvm's metadata, disks in the pool's directory) on a test-driver node.
store=$(mktemp -d)
mkdir "$store/images"
clone_xml() { # NAME
	cat <<EOF
  <domain type='test'>
    <name>$1</name>
    <memory>65536</memory>
    <os><type>hvm</type></os>
    <metadata><fvm:clone xmlns:fvm='urn:fvm:clone:1'><fvm:golden>deb@1</fvm:golden><fvm:backend>qcow2</fvm:backend><fvm:owner uid='$(id -u)'>tester</fvm:owner><fvm:created>2026-12-02T00:00:00Z</fvm:created></fvm:clone></metadata>
    <devices><disk type='file' device='disk'><source file='$store/images/$1.clone.qcow2'/><target dev='vda' bus='virtio'/></disk></devices>
  </domain>
EOF
}
cat >"$store/node.xml" <<EOF
<node>
  <pool type='dir'>
    <name>fvm</name>
    <uuid>5e1b6c9f-7d2e-4f30-8a4c-8d9eaf102b3c</uuid>
    <target><path>$store/images</path></target>
  </pool>
$(clone_xml da)
$(clone_xml db)
</node>
EOF
touch "$store/images/da.clone.qcow2" "$store/images/db.clone.qcow2"
out=$(FVM_CONNECT=test://$store/node.xml fvm-spawn destroy --yes --json da missing db 2>"$store/err" </dev/null)
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$store/err")" -eq 1 ] && grep -q "^fvm-spawn: error: clone 'missing' not found$" "$store/err" &&
	[ ! -e "$store/images/da.clone.qcow2" ] && [ ! -e "$store/images/db.clone.qcow2" ] &&
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["destroyed"] == ["da", "db"] and [f["name"] for f in d["failed"]] == ["missing"], d' "$out"; then
	ok "destroy da missing db: destroys da and db, one line for missing, exit 1"
else
	not_ok "destroy da missing db: destroys da and db, one line for missing, exit 1" "exit $rc" "stderr: $(cat "$store/err")" "stdout: $out" "$(ls "$store/images")"
fi
FVM_CONNECT=test://$store/node.xml fvm-spawn destroy --yes gone1 da gone2 >/dev/null 2>"$store/err" </dev/null
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$store/err")" -eq 2 ] && grep -q "^fvm-spawn: error: clone 'gone1' not found$" "$store/err" &&
	grep -q "^fvm-spawn: error: clone 'gone2' not found$" "$store/err"; then
	ok "destroy gone1 da gone2: one line for each failure, exit 1"
else
	not_ok "destroy gone1 da gone2: one line for each failure, exit 1" "exit $rc" "stderr: $(cat "$store/err")"
fi

# info, start and stop take several names alike: each is tried, each failure is one line, exit 1.
# (The test driver reloads node.xml for each process, so da and db are back.)
out=$(FVM_CONNECT=test://$store/node.xml fvm-spawn info da missing db 2>"$store/err" </dev/null)
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$store/err")" -eq 1 ] && grep -q "^fvm-spawn: error: clone 'missing' not found$" "$store/err" &&
	grep -q '^Name: *da$' <<<"$out" && grep -q '^Name: *db$' <<<"$out"; then
	ok "info da missing db: shows da and db, one line for missing, exit 1"
else
	not_ok "info da missing db: shows da and db, one line for missing, exit 1" "exit $rc" "stderr: $(cat "$store/err")" "stdout: $out"
fi
out=$(FVM_CONNECT=test://$store/node.xml fvm-spawn info --json da db 2>"$store/err" </dev/null)
if python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert [c["name"] for c in d] == ["da", "db"], d' "$out" 2>/dev/null &&
	out1=$(FVM_CONNECT=test://$store/node.xml fvm-spawn info --json db 2>/dev/null </dev/null) &&
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["name"] == "db", d' "$out1" 2>/dev/null; then
	ok "info --json: an array for several names, the clone's object for one"
else
	not_ok "info --json: an array for several names, the clone's object for one" "stdout: $out" "stderr: $(cat "$store/err")"
fi
for verb in stop start; do
	FVM_CONNECT=test://$store/node.xml fvm-spawn $verb gone1 da gone2 >/dev/null 2>"$store/err" </dev/null
	rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <"$store/err")" -eq 2 ] && grep -q "^fvm-spawn: error: clone 'gone1' not found$" "$store/err" &&
		grep -q "^fvm-spawn: error: clone 'gone2' not found$" "$store/err"; then
		ok "$verb gone1 da gone2: da is done, one line for each failure, exit 1"
	else
		not_ok "$verb gone1 da gone2: da is done, one line for each failure, exit 1" "exit $rc" "stderr: $(cat "$store/err")"
	fi
done
FVM_CONNECT=test://$store/node.xml fvm-spawn note --text hello gone1 da gone2 >/dev/null 2>"$store/err" </dev/null
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$store/err")" -eq 2 ] && grep -q "^fvm-spawn: error: clone 'gone1' not found$" "$store/err" &&
	grep -q "^fvm-spawn: error: clone 'gone2' not found$" "$store/err"; then
	ok "note --text hello gone1 da gone2: one line for each failure, exit 1"
else
	not_ok "note --text hello gone1 da gone2: one line for each failure, exit 1" "exit $rc" "stderr: $(cat "$store/err")"
fi
# The test driver's domains run: list --state sorts them.
running=$(FVM_CONNECT=test://$store/node.xml fvm-spawn list --state running --names 2>&1 </dev/null | tr '\n' ' ')
off=$(FVM_CONNECT=test://$store/node.xml fvm-spawn list --state shut-off --names 2>&1 </dev/null)
if [ "$running" = "da db " ] && [ -z "$off" ]; then
	ok "list --state running lists da and db, --state shut-off none"
else
	not_ok "list --state running lists da and db, --state shut-off none" "running: $running" "shut-off: $off"
fi
rm -rf "$store"

# A libvirt that accepts the connection and never answers: SIGTERM ends the wait for it (one
# line, exit 130) instead of being held until the connection gives up.
silent=$(mktemp -d)
python3 "$(dirname "$0")/silent-listener.py" "$silent" &
silent_pid=$!
for _ in $(seq 50); do [ -s "$silent/port" ] && break; sleep 0.1; done
for cmd in "fvm-spawn list" "fvm-golden list" "fvm-spawn create deb@1 x"; do
	start=$(date +%s%N)
	$cmd --connect "qemu+tcp://127.0.0.1:$(cat "$silent/port")/system" >"$silent/out" 2>"$silent/err" </dev/null &
	pid=$!
	sleep 1
	kill -TERM $pid
	wait $pid
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	if [ $rc -eq 130 ] && [ "$(wc -l <"$silent/err")" -eq 1 ] && [ $ms -lt 6000 ]; then
		ok "$cmd on a libvirtd that never answers: SIGTERM ends it (exit 130 after $ms ms): $(cat "$silent/err")"
	else
		not_ok "$cmd on a libvirtd that never answers: SIGTERM ends it" "exit $rc after $ms ms" "stderr: $(cat "$silent/err")"
	fi
done
kill $silent_pid 2>/dev/null
wait $silent_pid 2>/dev/null
rm -rf "$silent"

finish
