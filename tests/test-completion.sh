#!/bin/bash
# Unit (completion): completions/fvm under bash-completion, driven as bash drives it
# (COMP_WORDS, COMP_CWORD, the function `complete -p` names), with the real binaries just built:
# verbs and options per verb, option values, OS ids, golden and original names from a
# test-driver pool (libvirt's test:// driver: no daemon), and no hang when libvirt does not
# answer. Clone names need a real libvirtd: tests/integration/completion.sh.
set -u
. "${BASH_SOURCE[0]%/*}/tap.sh"

bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || skip_all "bash-completion is not installed (apt-get install bash-completion)"
export XDG_CONFIG_HOME=$(mktemp -d) FVM_CONNECT=test:///default
# The binaries answer in well under the default 5 s, but not on a host loaded with TCG guests;
# the bound itself is tested below, with a libvirt that never answers.
export FVM_COMPLETION_TIMEOUT=60
tmp=$XDG_CONFIG_HOME
listener=
trap 'rm -rf "$tmp"; [ -n "$listener" ] && kill "$listener" 2>/dev/null' EXIT

# complete WORD...: what TAB offers after the words (the last one is the word being completed),
# one candidate a line, sorted. Runs in a fresh interactive-like bash with the completion loaded.
complete_() {
	bash --norc --noprofile -c '
		. "$1"; . "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_LINE=${COMP_LINE// = /=}; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
		spec=$(complete -p "$1") || exit 3
		f=${spec#*-F }; f=${f%% *}
		"$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$bc" "${G_TEST_SRCDIR:?}/../completions/fvm" "$@"
}
# offers DESC WANT-WORDS -- WORD...: the candidates are exactly WANT-WORDS (space-separated).
offers() {
	local desc=$1 want=$2 got
	shift 3
	got=$(complete_ "$@" | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$(tr ' ' '\n' <<<"$want" | sort | tr '\n' ' ' | sed 's/ $//')" ] && ok "$desc" ||
		not_ok "$desc" "want: $want" "got:  $got"
}
# includes DESC WORDS -- WORD...: the candidates include WORDS (and perhaps more).
includes() {
	local desc=$1 want=$2 got missing=
	shift 3
	got=$(complete_ "$@")
	for w in $want; do grep -qxF -- "$w" <<<"$got" || missing="$missing $w"; done
	[ -z "$missing" ] && ok "$desc" || not_ok "$desc" "missing:$missing" "got: $(tr '\n' ' ' <<<"$got")"
}

offers "fvm-spawn TAB offers its verbs" \
	"create list info ip start stop ssh console vnc monitor copy keys note resize reset compact destroy gc watch profiles setup" -- fvm-spawn ""
offers "fvm-spawn de TAB" "destroy" -- fvm-spawn de
offers "fvm-golden TAB offers its verbs" "create list info warm delete export import import-image verify promote resize push pull" -- fvm-golden ""
offers "fvm-golden import TAB-prefix" "import import-image" -- fvm-golden import
offers "fvm-spawn create --co" "--connect --count" -- fvm-spawn create --co
includes "fvm-spawn create -- offers create's options" \
	"--profile --spec --count --memory --vcpus --disk-size --network --template --hostname --ssh-key --user-data --number --ip --hook --disk-hook --destroy-disk-hook --note --no-start --wait --no-wait --json --connect --verbose --help" \
	-- fvm-spawn create --
offers "fvm-spawn stop - offers only stop's options" "--connect --graceful --help --timeout --verbose" -- fvm-spawn stop -
offers "fvm-spawn list --n" "--names" -- fvm-spawn list --n
offers "fvm-golden list --n (the new option)" "--names" -- fvm-golden list --n
offers "fvm-golden export --format TAB" "fvm virt-builder" -- fvm-golden export --format ""
offers "fvm-golden export --format=v (split at =)" "virt-builder" -- fvm-golden export --format = v
offers "fvm-spawn create --wait TAB" "none ip ssh" -- fvm-spawn create --wait ""
offers "fvm-spawn list --state TAB" "running shut-off all" -- fvm-spawn list --state ""
offers "fvm-spawn start --attach TAB" "ssh console" -- fvm-spawn start x --attach ""
offers "fvm-spawn keys TAB" "add" -- fvm-spawn keys ""
offers "fvm-spawn start --wait TAB" "ip ssh" -- fvm-spawn start --wait ""
offers "fvm-spawn list --sort TAB" "name age golden" -- fvm-spawn list --sort ""
offers "fvm-spawn list --hosts TAB" "all" -- fvm-spawn list --hosts ""
offers "fvm-golden push --hosts TAB" "all" -- fvm-golden push --hosts ""
offers "fvm-build --method TAB" "install bootstrap" -- fvm-build --method ""
includes "fvm-build -- offers its options" "--method --list-os --iso --location --set --dry-run --output-dir --mirror --keep-failed" -- fvm-build --
offers "fvm-consolidate - offers its options" "--connect --help --live --verbose --version" -- fvm-consolidate -
includes "fvm-build debian1 TAB offers OS ids from --list-os" "debian11 debian12" -- fvm-build debian1
includes "fvm-build --method bootstrap deb TAB (after an option's value)" "debian12" -- fvm-build --method bootstrap deb
offers "fvm-build OS TAB offers nothing for NAME" "" -- fvm-build debian12 ""
offers "fvm-spawn --connect TAB offers URIs" "qemu:///session qemu:///system" -- fvm-spawn --connect ""

# Profiles from fvm-spawn profiles.
mkdir -p "$XDG_CONFIG_HOME/fvm/profiles"
printf '[clone]\nmemory=1G\n' >"$XDG_CONFIG_HOME/fvm/profiles/ci.conf"
printf '[clone]\nmemory=2G\n' >"$XDG_CONFIG_HOME/fvm/profiles/web.conf"
offers "fvm-spawn create --profile TAB offers the profiles" "ci web" -- fvm-spawn create --profile ""
offers "fvm-spawn info --settings -p TAB" "ci web" -- fvm-spawn info --settings -p ""

# Goldens and originals from a test-driver node with a dir pool 'fvm' holding manifests.
mkdir "$tmp/images"
cat >"$tmp/node.xml" <<XML
<node>
  <pool type='dir'>
    <name>fvm</name>
    <uuid>7e1c2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f</uuid>
    <target><path>$tmp/images</path></target>
  </pool>
</node>
XML
manifest() { # KIND NAME VERSION VOLUME
	cat <<JSON
{ "fvm_manifest" : 1, "fvm_version" : "0.1.0", "kind" : "$1", "name" : "$2", "version" : $3,
  "volume" : "$4", "format" : "qcow2", "virtual_size" : 4294967296, "file_size" : 1,
  "sha256" : "00ff", "created" : "2026-12-02T00:00:00Z", "built_from" : "$2",
  "os" : { "id" : "debian12", "name" : "Debian 12", "distro" : "debian", "version" : "12",
           "codename" : "bookworm", "ram_mib" : 1024, "vcpus" : 1, "virtio" : true },
  "sysprep" : [] }
JSON
}
manifest golden web 1 web@1.qcow2 >"$tmp/images/web@1.json"
manifest golden web 2 web@2.qcow2 >"$tmp/images/web@2.json"
manifest golden db 1 db@1.qcow2 >"$tmp/images/db@1.json"
manifest original deb12 0 deb12.original.qcow2 >"$tmp/images/deb12.original.json"
export FVM_CONNECT=test://$tmp/node.xml
offers "fvm-spawn create TAB offers goldens, with and without a version" "db db@1 web web@1 web@2" -- fvm-spawn create ""
offers "fvm-spawn create w TAB" "web web@1 web@2" -- fvm-spawn create w
offers "fvm-spawn create GOLDEN TAB offers nothing for the new NAME" "" -- fvm-spawn create web ""
offers "fvm-spawn create -n 3 -p ci TAB skips option values" "db db@1 web web@1 web@2" -- fvm-spawn create -n 3 -p ci ""
offers "fvm-golden export TAB offers golden refs" "db@1 web@1 web@2" -- fvm-golden export ""
offers "fvm-golden export web@1 TAB offers more refs" "db@1 web@1 web@2" -- fvm-golden export web@1 ""
offers "fvm-golden export -o f.fvm TAB" "db@1 web@1 web@2" -- fvm-golden export -o f.fvm ""
offers "fvm-golden delete TAB" "db@1 web@1 web@2" -- fvm-golden delete ""
offers "fvm-golden create TAB offers originals" "deb12" -- fvm-golden create ""
offers "fvm-golden info --original TAB offers originals" "deb12" -- fvm-golden info --original ""
offers "fvm-golden push TAB offers golden refs" "db@1 web@1 web@2" -- fvm-golden push ""
unset FVM_CONNECT
offers "--connect on the command line is what completion lists through" "db@1 web@1 web@2" -- fvm-golden --connect "test://$tmp/node.xml" export ""
offers "-c URI after the verb too" "db db@1 web web@1 web@2" -- fvm-spawn create -c "test://$tmp/node.xml" ""
export FVM_CONNECT=test:///default
offers "no pool: no goldens, no noise" "" -- fvm-spawn create ""
offers "fvm-spawn destroy TAB on a connection without clones" "" -- fvm-spawn destroy ""
out=$(complete_ fvm-spawn create "" 2>&1)
[ -z "$out" ] && ok "completion writes nothing to the terminal (binaries' stderr is discarded)" ||
	not_ok "completion writes nothing to the terminal (binaries' stderr is discarded)" "$out"

# A libvirt that accepts the connection and never answers: completion gives up, it does not hang.
python3 "$(dirname "$0")/silent-listener.py" "$tmp" &
listener=$!
port_file=$tmp/port
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.1; done
# Without the listener the connection is refused at once and completion is quiet anyway: the
# check below would prove nothing.
[ -s "$port_file" ] || { echo "Bail out! the silent listener did not start"; exit 1; }
start=$(date +%s)
out=$(FVM_COMPLETION_TIMEOUT=2 complete_ fvm-spawn --connect "qemu+tcp://127.0.0.1:$(cat "$port_file")/system" destroy "" 2>&1)
took=$(($(date +%s) - start))
[ "$took" -le 15 ] && [ -z "$out" ] && ok "a libvirtd that never answers: completion returns in ${took} s with nothing" ||
	not_ok "a libvirtd that never answers: completion returns" "took $took s" "output: $out"

finish
