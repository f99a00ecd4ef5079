#!/bin/bash
# Unit (tests): tests/tap.sh, the TAP library every shell test sources, keeps the output meson
# parses and the exits CI relies on: a failed check makes finish fail; bail stops with
# "Bail out!" and exit 1; skip_all is "1..0 # SKIP" alone; descriptions stay one line; check
# returns its command's status; with FVM_TAP_TIMES set, each result is followed by "# t=S". Each
# case runs in a bash of its own, without FVM_TAP_TIMES unless the case sets it.
set -u
here=${BASH_SOURCE[0]%/*}
. "$here/tap.sh"

# run_case SCRIPT: stdout, then "rc=N", of SCRIPT run after sourcing tap.sh (stderr dropped).
run_case() { env -u FVM_TAP_TIMES bash -c ". '$here/tap.sh'; $1" 2>/dev/null; echo "rc=$?"; }

expect() { # DESC WANT SCRIPT
	local got
	got=$(run_case "$3")
	[ "$got" = "$2" ] && ok "$1" || not_ok "$1" "want:" "$2" "got:" "$got"
}

expect "two passes: numbered lines, the plan last, exit 0" \
	"$(printf 'ok 1 - a\nok 2 - b\n1..2\nrc=0')" 'ok a; ok b; finish'
expect "a failure: 'not ok', its evidence as comments, finish exits 1" \
	"$(printf 'ok 1 - a\nnot ok 2 - b\n# why\n1..2\nrc=1')" 'ok a; not_ok b why; finish'
expect "bail: 'Bail out!' and exit 1, nothing after it" \
	"$(printf 'ok 1 - a\nBail out! no daemon\nrc=1')" 'ok a; bail no daemon; ok never; finish'
expect "skip_all: the empty plan with the SKIP directive alone, exit 0" \
	"$(printf '1..0 # SKIP no tool\nrc=0')" 'skip_all no tool; ok never; finish'
expect "skip: an ok line with the SKIP directive" \
	"$(printf 'ok 1 - # SKIP needs root\n1..1\nrc=0')" 'skip "needs root"; finish'
expect "a description with a newline stays one TAP line" \
	"$(printf 'ok 1 - one | two\n1..1\nrc=0')" 'ok "one
two"; finish'
expect "check: ok with the output as a comment, returns 0" \
	"$(printf 'ok 1 - c\n# said\nstatus 0\n1..1\nrc=0')" 'check c echo said; echo "status $?"; finish'
expect "check: a failing command is 'not ok' with its exit code, returns it" \
	"$(printf 'not ok 1 - c\n# exit 3\n# \nstatus 3\n1..1\nrc=1')" 'check c sh -c "exit 3"; echo "status $?"; finish'
expect "FVM_TAP_TIMES: each result is followed by the script's seconds so far" \
	"$(printf 'ok 1 - a\n# t=0\nnot ok 2 - b\n# why\n# t=2\n1..2\nrc=1')" \
	'export FVM_TAP_TIMES=1; ok a; SECONDS=2; not_ok b why; finish'
out=$(env -u FVM_TAP_TIMES bash -c ". '$here/tap.sh'; not_ok bad evidence" 2>&1 >/dev/null)
[ "$out" = "$(printf 'not ok 1 - bad\n# evidence')" ] && ok "not_ok also goes to stderr (meson's --print-errorlogs)" ||
	not_ok "not_ok also goes to stderr" "got: $out"

finish
