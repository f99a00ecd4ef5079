#!/bin/bash
# Unit (docs): the man pages and the completions install (`meson install --destdir`, as a
# package would), the pages render with man(1), and they cannot drift from the code: every long
# option each binary's --help (and each verb's --help) prints appears in that binary's man page,
# a verb's own options in that verb's section, and every setting of core/fvm-settings.h in fvm(5).
set -u
. "${BASH_SOURCE[0]%/*}/tap.sh"

build=${G_TEST_BUILDDIR:?}/..
if [ ! -f "$build/docs/fvm-spawn.1" ]; then
	skip_all "the man pages were not built (scdoc missing: apt-get install scdoc)"
fi
command -v man >/dev/null || skip_all "man(1) is not installed (apt-get install man-db)"

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
if out=$(meson install -C "$build" --destdir "$dest" --no-rebuild 2>&1); then
	ok "meson install --destdir"
else
	not_ok "meson install --destdir" "$(tail -n 5 <<<"$out")"
fi
mandir=$(find "$dest" -type d -name man1 -path '*/man/man1' | head -n 1)
mandir=${mandir%/man1}
[ -n "$mandir" ] && ok "man pages installed under $(sed "s|^$dest||" <<<"$mandir")" || not_ok "man pages installed" "$(find "$dest" | head)"

# The completion file is installed under each command's name (bash-completion loads by name).
missing=
for bin in fvm-build fvm-golden fvm-spawn fvm-consolidate; do
	f=$(find "$dest" -path "*/bash-completion/completions/$bin" | head -n 1)
	[ -n "$f" ] && grep -q "complete -F _fvm_.* $bin\$" "$f" || missing="$missing $bin"
done
[ -z "$missing" ] && ok "bash completions installed for all four commands" ||
	not_ok "bash completions installed for all four commands" "missing:$missing"

# render PAGE [SECTION]: the page as man shows it, one paragraph a line, plain ASCII hyphens.
render() {
	MANPATH=$mandir MANWIDTH=1000 MAN_KEEP_FORMATTING= man -P cat ${2:+"$2"} "$1" 2>/dev/null |
		sed 's/\xe2\x80\x90/-/g; s/\xe2\x88\x92/-/g'
}

check_page() { # PAGE SECTION NAME-LINE-PATTERN OPTION...
	local page=$1 section=$2 pattern=$3 text missing=
	shift 3
	text=$(render "$page" "$section")
	if grep -A1 -x 'NAME' <<<"$text" | grep -Eq -- "$pattern"; then
		ok "man $section $page shows its NAME"
	else
		not_ok "man $section $page shows its NAME" "$(head -n 5 <<<"$text")"
	fi
	for opt in "$@"; do
		grep -q -- "$opt" <<<"$text" || missing="$missing $opt"
	done
	[ -z "$missing" ] && ok "man $page shows $*" || not_ok "man $page shows $*" "missing:$missing"
}
check_page fvm-spawn 1 "fvm-spawn - spawn clones" --count --json --no-start --wait FVM_CONNECT "EXIT STATUS"
check_page fvm-golden 1 "fvm-golden - turn originals" --list-operations --operations --best --from
check_page fvm-build 1 "fvm-build - build an original" --method --list-os --dry-run FVM_MIRROR
check_page fvm-consolidate 1 "fvm-consolidate - detach" --live --connect
check_page fvm-sandbox 1 "fvm-sandbox - a private libvirtd" --dir --name --group --purge FVM_CONNECT
check_page fvm 5 "fvm - configuration" "ip-timeout" "owner-only" FVM_ACCEL "\[clone\]"

# long_options HELP-TEXT: the long options an --help lists.
long_options() { sed -nE 's/^ +(-[a-zA-Z], )?(--[a-z][a-z-]*).*/\2/p' <<<"$1"; }
verbs() { sed -n '/^Commands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}' <<<"$1"; }

# check_drift BIN [VERB...]: every long option of BIN --help and BIN VERB --help is in man BIN.
check_drift() {
	local bin=$1 text help missing= v section
	shift
	text=$(render "$bin" 1)
	help=$("$bin" --help 2>&1)
	for opt in $(long_options "$help"); do
		grep -Eq -- "(^|[^a-z-])$opt([^a-z-]|$)" <<<"$text" || missing="$missing $opt"
	done
	for v in "$@"; do
		help=$("$bin" "$v" --help 2>&1) || { missing="$missing ($v --help failed)"; continue; }
		grep -Eq "(^|[^a-z-])$v([^a-z-]|$)" <<<"$text" || missing="$missing verb:$v"
		# A verb's own options belong in its section (up to the next subsection); the
		# global ones are in GLOBAL OPTIONS.
		section=$(sed -n "/^   $v\( \|\$\)/,/^   [a-z]/p" <<<"$text")
		for opt in $(long_options "$help"); do
			case $opt in
				--help | --verbose | --json | --connect) continue ;;
				--backend)
					grep -Eq -- "(^|[^a-z-])--backend([^a-z-]|$)" <<<"$text" || missing="$missing $v:$opt"
					continue
					;;
			esac
			grep -Eq -- "(^|[^a-z-])$opt([^a-z-]|$)" <<<"$section" || missing="$missing $v:$opt"
		done
	done
	[ -z "$missing" ] && ok "every option of $bin${1:+ and its verbs} is in its man page" ||
		not_ok "every option of $bin${1:+ and its verbs} is in its man page" "missing:$missing"
}
check_drift fvm-spawn $(verbs "$(fvm-spawn --help)")
check_drift fvm-golden $(verbs "$(fvm-golden --help)")
check_drift fvm-build
check_drift fvm-consolidate

# Every verb has a section of its own ("  create [OPTION...]"), not only a mention.
for bin in fvm-spawn fvm-golden; do
	text=$(render "$bin" 1)
	missing=
	for v in $(verbs "$("$bin" --help)"); do
		grep -Eq "^   $v( |$)" <<<"$text" || missing="$missing $v"
	done
	[ -z "$missing" ] && ok "man $bin has a section for each verb" || not_ok "man $bin has a section for each verb" "missing:$missing"
done

# Every setting of the configuration table (core/fvm-settings.h) is documented in fvm(5): the
# keys come from the table compiled into fvm-spawn, as `info --settings` lists them.
text=$(render fvm 5)
missing=
if ! settings=$(fvm-spawn info --settings 2>&1) || [ "$(wc -l <<<"$settings")" -lt 20 ]; then
	not_ok "fvm-spawn info --settings lists the settings table" "$(head -n 5 <<<"$settings")"
	settings=
fi
for key in $(awk '{ print $1 }' <<<"$settings"); do
	section=${key%%.*} k=${key#*.}
	sed -n "/^   \[$section\]/,/^   \[/p" <<<"$text" | grep -Eq "^       $k = " || missing="$missing $key"
done
[ -z "$missing" ] && ok "fvm(5) documents every setting of core/fvm-settings.h under its section" ||
	not_ok "fvm(5) documents every setting of core/fvm-settings.h under its section" "missing:$missing"

finish
