#!/bin/bash
# Integration: bash completion offers the names a real store holds. In a sandbox (a private
# libvirtd in a network namespace of this test's own): a golden made by fvm-golden from an
# original fvm-build made, a clone of it (defined, not started), then `fvm-spawn create <TAB>`
# offers the golden, `fvm-spawn destroy <TAB>` the clone, `fvm-golden export <TAB>` the golden
# and `fvm-golden create <TAB>` the original, through FVM_CONNECT and through --connect. Also:
# the sandbox's daemon keeps none of the starting shell's descriptors.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || bail "bash-completion is not installed"
comp=${FVM_SOURCE_ROOT:?}/completions/fvm
# The host is busy under TCG: give the binaries time, this is not the no-hang test.
export FVM_COMPLETION_TIMEOUT=30

# A descriptor this shell holds while the sandbox starts (as "flock LOCK" gives its command):
# the daemon, which outlives fvm-sandbox, must not keep it.
held=$(mktemp /var/tmp/fvm-co-held-XXXXXX)
exec 9>"$held"
sandbox_up "fvmco-$$"
exec 9>&-
note "sandbox: $FVM_CONNECT"
check "the sandbox's libvirtd keeps none of the descriptors of the shell that started it" \
	bash -c 'p=$(cat "$1/libvirtd.pid") && fds=$(ls -l "/proc/$p/fd") && [ -n "$fds" ] && ! grep -qF "$2" <<<"$fds"' \
	_ "$SANDBOX_DIR" "$held"
rm -f "$held"
original_from_cache_or_build debian12 itdeb || bail "could not build the debian12 original"
note "setup: original itdeb of debian12 is in the store ($BUILT_BY)"
golden=$(fvm-golden create itdeb cogold 2>&1)
[ "$golden" = cogold@1 ] || bail "fvm-golden create: $golden"
note "setup: golden cogold@1 made"
out=$(fvm-spawn create cogold coclone --no-start 2>&1) || bail "fvm-spawn create --no-start: $out"
note "setup: clone coclone defined (--no-start)"

complete_() {
	bash --norc --noprofile -c '
		. "$1"; . "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
		spec=$(complete -p "$1") || exit 3
		f=${spec#*-F }; f=${f%% *}
		"$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$bc" "$comp" "$@"
}
offers() { # DESC WANT -- WORD...
	local desc=$1 want=$2 got start=$SECONDS
	shift 3
	got=$(complete_ "$@" | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] && ok "$desc ($((SECONDS - start)) s)" || not_ok "$desc" "want: $want" "got:  $got"
}

offers "fvm-spawn create <TAB> offers the golden" "cogold cogold@1" -- fvm-spawn create ""
offers "fvm-spawn create co<TAB>" "cogold cogold@1" -- fvm-spawn create co
offers "fvm-spawn destroy <TAB> offers the clone" "coclone" -- fvm-spawn destroy ""
offers "fvm-spawn destroy coclone <TAB> still offers clones" "coclone" -- fvm-spawn destroy coclone ""
offers "fvm-spawn ssh <TAB> offers the clone" "coclone" -- fvm-spawn ssh ""
offers "fvm-consolidate <TAB> offers the clone" "coclone" -- fvm-consolidate ""
offers "fvm-golden export <TAB> offers the golden" "cogold@1" -- fvm-golden export ""
offers "fvm-golden create <TAB> offers the original" "itdeb" -- fvm-golden create ""
uri=$FVM_CONNECT
( unset FVM_CONNECT
  offers "no FVM_CONNECT: fvm-spawn --connect URI destroy <TAB>" "coclone" -- fvm-spawn --connect "$uri" destroy ""
  offers "no FVM_CONNECT: fvm-golden export -c URI <TAB>" "cogold@1" -- fvm-golden export -c "$uri" ""
  echo "$n $failed" >"$SANDBOX_DIR/sub") 
read -r n failed <"$SANDBOX_DIR/sub"

check "fvm-spawn destroy --yes coclone" fvm-spawn destroy --yes coclone
offers "after destroy, fvm-spawn destroy <TAB> offers nothing" "" -- fvm-spawn destroy ""
check "fvm-golden delete cogold@1" fvm-golden delete cogold@1
offers "after delete, fvm-spawn create <TAB> offers nothing" "" -- fvm-spawn create ""
finish
