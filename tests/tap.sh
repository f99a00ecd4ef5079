# The one TAP library of fvm's shell tests (sourced by tests/test-*.sh and, through
# tests/integration/lib.sh, by every integration and slow suite; as ostree's tests/libtest.sh).
# meson reads the output (protocol: 'tap'): numbered "ok N - DESC" / "not ok N - DESC" lines,
# "# " comments, the plan "1..N" last (finish), or "1..0 # SKIP why" alone (skip_all), or
# "Bail out! why" (bail, exit 1). tests/run counts a skip or a bail as a failure, so a suite CI
# expects cannot pass by not running.
#   ok DESC                 a passed check
#   not_ok DESC [LINE...]   a failed one; the LINEs (the evidence) follow as comments, and all of
#                           it also goes to stderr, which meson's --print-errorlogs shows
#   skip DESC               a check that cannot run here ("ok N - # SKIP DESC")
#   note LINE...            comments
#   check DESC CMD...       ok when CMD succeeds; its output goes into the log either way;
#                           returns CMD's status
#   bail WHY                stop the whole test: "Bail out! WHY", exit 1
#   skip_all WHY            the whole test cannot run here: "1..0 # SKIP WHY", exit 0
#   finish                  the plan; the test's status (fails if any check failed)
# With FVM_TAP_TIMES set, each result is followed by "# t=S", the script's seconds so far: where
# a suite's time goes, check by check.
n=0
failed=0
# A description is one TAP line: output quoted in it has its newlines folded.
ok() { n=$((n + 1)); echo "ok $n - ${1//$'\n'/ | }"; tap_time; }
tap_time() { [ -z "${FVM_TAP_TIMES:-}" ] || echo "# t=$SECONDS"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	local desc=${1//$'\n'/ | }
	echo "not ok $n - $desc"; echo "not ok $n - $desc" >&2; shift
	[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/# /' | tee /dev/stderr
	tap_time
}
skip() { ok "# SKIP $1"; }
note() { printf '%s\n' "$@" | sed 's/^/# /'; }
check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then ok "$desc"; [ -n "$out" ] && note "$out"; else not_ok "$desc" "exit $rc" "$out"; fi
	return $rc
}
bail() { echo "Bail out! $*"; exit 1; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
finish() { echo "1..$n"; [ "$failed" -eq 0 ]; }
