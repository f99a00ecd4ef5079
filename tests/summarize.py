#!/usr/bin/env python3
"""Summarises meson test runs: one line "N passed, N failed", counting TAP subtests.

Arguments: BUILD_DIR:SUITE[,SUITE...] for each run (tests/run passes build:unit,integration and
build-fuzz:fuzz). A skipped test or subtest, or an expected test that has no result, counts as
failed; a run whose build directory or log is missing counts each of its suites as one failure:
CI must not pass on a suite that did not really run."""
import json
import os
import re
import subprocess
import sys


def expected_tests(build, suites):
    """name -> suites of the tests of SUITES in BUILD, or None when meson cannot tell."""
    try:
        out = subprocess.check_output(["meson", "introspect", "--tests", build],
                                      stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        return None
    expected = {}
    for t in json.loads(out):
        found = {s.split(":")[-1] for s in t["suite"]}
        if found & suites:
            expected[t["name"]] = found
    return expected


def summarize(build, suites, problems, times):
    passed = failed = 0
    expected = expected_tests(build, suites)
    log_path = f"{build}/meson-logs/testlog.json"
    if expected is None or not os.path.exists(log_path):
        for suite in sorted(suites):
            problems.append(f"{build}: suite {suite} did not run")
        return 0, len(suites)
    if not expected:
        for suite in sorted(suites):
            problems.append(f"{build}: suite {suite} has no tests")
        return 0, len(suites)
    seen = set()
    with open(log_path) as log:
        for line in log:
            r = json.loads(line)
            # "fvm:unit / cli" in the log, "cli" in the introspection
            name = r["name"].split(" / ", 1)[-1]
            if name not in expected:
                continue
            seen.add(name)
            times.append((r.get("duration") or 0.0, name, r["result"]))
            out = r.get("stdout") or ""
            oks = len(re.findall(r"^ok \d+", out, re.M))
            skips = re.findall(r"^ok \d+.*# ?SKIP.*$", out, re.M | re.I)
            not_oks = len(re.findall(r"^not ok \d+", out, re.M))
            passed += oks - len(skips)
            failed += not_oks + len(skips)
            for s in skips:
                problems.append(f"{name}: skipped: {s}")
            if r["result"] not in ("OK", "EXPECTEDFAIL"):
                problems.append(f"{name}: {r['result']}")
                if not_oks == 0 and not skips:
                    failed += 1
    for name in sorted(set(expected) - seen):
        problems.append(f"{name}: did not run")
        failed += 1
    return passed, failed


def main(args):
    # No argument: the unit and integration suites of build/, as before.
    runs = args or ["build:unit,integration"]
    passed = failed = 0
    problems = []
    times = []
    for run in runs:
        build, _, suites = run.partition(":")
        p, f = summarize(build, set((suites or "unit,integration").split(",")), problems, times)
        passed += p
        failed += f
    # Where the time goes: each test's wall time, longest first (suites run side by side, so
    # these add up to more than the run took).
    print("# wall time per test (s):")
    for duration, name, result in sorted(times, reverse=True):
        print(f"#   {duration:7.1f}  {name}{'' if result == 'OK' else '  (' + result + ')'}")
    for p in problems:
        print(f"# {p}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


sys.exit(main(sys.argv[1:]))
