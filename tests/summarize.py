#!/usr/bin/env python3
"""Summarises a meson test run: one line "N passed, N failed", counting TAP subtests.

A skipped test or subtest, or a test of the unit or integration suite that has no result, counts
as failed: CI must not pass on a suite that did not really run."""
import json
import re
import subprocess
import sys

build = sys.argv[1]
expected = {}
for t in json.loads(subprocess.check_output(["meson", "introspect", "--tests", build])):
    suites = {s.split(":")[-1] for s in t["suite"]}
    if suites & {"unit", "integration"}:
        expected[t["name"]] = suites

passed = failed = 0
seen = set()
problems = []
with open(f"{build}/meson-logs/testlog.json") as log:
    for line in log:
        r = json.loads(line)
        # "fvm:unit / cli" in the log, "cli" in the introspection
        name = r["name"].split(" / ", 1)[-1]
        seen.add(name)
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
for p in problems:
    print(f"# {p}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
