#!/bin/bash
# Integration: the Debian package, as a user gets it. The source tree's tracked files (what a
# clean clone holds, with this checkout's edits) are copied to a temporary directory, where
# `dpkg-buildpackage -us -uc -b` builds fvm_*.deb in a clean environment (nothing of the
# test's PATH or FVM_DATADIR); lintian reports no error on it; `apt-get install ./fvm_*.deb`
# installs it on this machine; the installed commands run from /usr/bin with their data under
# /usr/share/fvm, the man pages, completions and systemd units are where Debian looks, the gc
# timer is not enabled; `apt-get purge fvm` leaves no file of it behind.
# The suites beside it run the build directory's binaries (tests/meson.build puts them first in
# PATH and FVM_DATADIR at the source tree), so the install cannot change what they run. The
# unit suite is not run again inside the package build (nocheck): tests/run runs it.
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

src=${FVM_SOURCE_ROOT:?}
# A machine that has fvm from a package (or a copy in /usr) keeps it: this test would replace
# and then purge it.
if dpkg-query -W -f '${Status}' fvm 2>/dev/null | grep -q 'installed'; then
	bail "the package fvm is installed on this machine already; this test installs and purges it"
fi
for f in /usr/bin/fvm-spawn /usr/share/fvm; do
	[ -e "$f" ] && bail "$f exists outside any package; the package would overwrite it"
done
for tool in dpkg-buildpackage dh lintian apt-get; do
	command -v "$tool" >/dev/null || bail "$tool is missing (tools/install-deps installs it)"
done

work=$(mktemp -d /var/tmp/fvm-package-XXXXXX)
# apt's _apt user reads the .deb from here.
chmod 0755 "$work"
installed=
cleanup() {
	[ -n "$installed" ] && DEBIAN_FRONTEND=noninteractive apt-get purge -y -q fvm >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

# The tracked files, as they are in this checkout (a deleted one is left out).
mkdir "$work/fvm"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z | while IFS= read -r -d '' f; do
		[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
	done | tar --null -T - -cf -) | tar -x -C "$work/fvm"
else
	tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -x -C "$work/fvm"
fi
check "the source tree is copied ($(find "$work/fvm" -type f | wc -l) files)" test -x "$work/fvm/debian/rules"

start=$SECONDS
(cd "$work/fvm" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work" LC_ALL=C.UTF-8 \
	DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	ok "dpkg-buildpackage -us -uc -b succeeds ($((SECONDS - start)) s)"
else
	not_ok "dpkg-buildpackage -us -uc -b succeeds" "exit $rc" "$(tail -n 30 "$work/build.log")"
fi
debs=("$work"/fvm_*_amd64.deb)
changes=("$work"/fvm_*_amd64.changes)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] && [ -f "${changes[0]}" ] ||
	bail "no fvm_*_amd64.deb and .changes: $(ls "$work")"
version=$(dpkg-deb -f "${debs[0]}" Version)
check "the package's version is the project's ($version)" \
	grep -q "^  version: '$version',\$" "$work/fvm/meson.build"

# lintian: no error (E:); its warnings are counted in the log.
start=$SECONDS
lintian "${changes[0]}" >"$work/lintian.log" 2>&1
lint_rc=$?
lint=$(grep -v 'running with root privileges' "$work/lintian.log")
errors=$(grep -c '^E: ' <<<"$lint")
warnings=$(grep -c '^W: ' <<<"$lint")
if [ "$errors" -eq 0 ] && [ "$lint_rc" -eq 0 ]; then
	ok "lintian reports no errors ($warnings warnings, $((SECONDS - start)) s)"
	[ -n "$lint" ] && note "$lint"
else
	not_ok "lintian reports no errors" "exit $lint_rc, $errors errors" "$lint"
fi

start=$SECONDS
out=$(cd "$work" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$(basename "${debs[0]}")" </dev/null 2>&1)
rc=$?
installed=1
if [ $rc -eq 0 ] && dpkg-query -W -f '${Status}' fvm | grep -qx 'install ok installed'; then
	ok "apt-get install ./$(basename "${debs[0]}") installs it ($((SECONDS - start)) s)"
else
	not_ok "apt-get install ./$(basename "${debs[0]}") installs it" "exit $rc" "$(tail -n 20 <<<"$out")"
fi

# tools/install-deps installs every package fvm depends on or recommends, so apt adds fvm alone
# and the purge below leaves the machine as it found it.
summary=$(grep -E '^[0-9]+ upgraded, [0-9]+ newly installed' <<<"$out")
check "apt-get installs fvm alone: its dependencies and recommendations are in tools/install-deps" \
	grep -Eq '^0 upgraded, 1 newly installed' <<<"$summary" ||
	note "$summary" "$(sed -n '/^The following NEW packages/,/^[0-9]/p' <<<"$out")"

# What a user's shell has: no build directory in PATH, no FVM_DATADIR.
as_user() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work" LC_ALL=C.UTF-8 "$@"; }
out=$(as_user fvm-spawn --version 2>&1)
check "fvm-spawn --version prints $version (from $(as_user sh -c 'command -v fvm-spawn'))" \
	test "$out" = "fvm-spawn $version" -a "$(as_user sh -c 'command -v fvm-spawn')" = /usr/bin/fvm-spawn ||
	note "$out"
for bin in fvm-golden fvm-build fvm-consolidate; do
	check "/usr/bin/$bin --help" as_user sh -c 'exec "$0" --help >/dev/null' "/usr/bin/$bin"
done
# fvm's own OS definitions are found in /usr/share/fvm (libosinfo here has no debian12).
out=$(as_user fvm-build --list-os 2>&1)
check "fvm-build --list-os offers debian12 from /usr/share/fvm/osinfo" grep -Eq '^debian12 +Debian 12 +bootstrap' <<<"$out" ||
	note "$(head -n 5 <<<"$out")"
check "the hooks are installed in /usr/share/fvm/hooks" test -x /usr/share/fvm/hooks/ssh-config
pages=
for page in fvm-build.1 fvm-golden.1 fvm-spawn.1 fvm-consolidate.1 fvm-sandbox.1 fvm.5; do
	p=$(as_user man -w "${page##*.}" "${page%.*}" 2>/dev/null)
	[ "$p" = "/usr/share/man/man${page##*.}/$page.gz" ] || pages="$pages $page($p)"
done
check "man finds the six pages under /usr/share/man" test -z "$pages" || note "wrong:$pages"
check "bash completion for fvm-spawn is installed" \
	grep -q 'complete -F _fvm_.* fvm-spawn$' /usr/share/bash-completion/completions/fvm-spawn

# The gc timer and its service, where this release's systemd reads units.
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
check "fvm-gc.service runs /usr/bin/fvm-spawn gc --yes" \
	grep -qx 'ExecStart=/usr/bin/fvm-spawn gc --yes' "$unitdir/fvm-gc.service"
check "fvm-watch.service runs /usr/bin/fvm-spawn watch" \
	grep -qx 'ExecStart=/usr/bin/fvm-spawn watch' "$unitdir/fvm-watch.service"
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify accepts fvm-gc.timer, fvm-gc.service and fvm-watch.service" \
		as_user systemd-analyze verify "$unitdir/fvm-gc.timer" "$unitdir/fvm-gc.service" \
		"$unitdir/fvm-watch.service"
fi
check "the timer is not enabled by the install" \
	test ! -e /etc/systemd/system/timers.target.wants/fvm-gc.timer
check "the watch is not enabled by the install" \
	test ! -e /etc/systemd/system/multi-user.target.wants/fvm-watch.service

files=$(dpkg-query -L fvm)
out=$(DEBIAN_FRONTEND=noninteractive apt-get purge -y -q fvm </dev/null 2>&1)
rc=$?
left=$(while IFS= read -r f; do [ -f "$f" ] && echo "$f"; done <<<"$files")
if [ $rc -eq 0 ] && ! dpkg-query -W -f '${Status}' fvm 2>/dev/null | grep -q installed && [ -z "$left" ]; then
	installed=
	ok "apt-get purge fvm removes it and every file it installed"
else
	not_ok "apt-get purge fvm removes it and every file it installed" "exit $rc" "left: $left" "$(tail -n 5 <<<"$out")"
fi

finish
