#!/bin/bash
# Runs one libFuzzer target for a bounded time, from seeds written by fuzz-seeds or kept in a
# directory; one TAP result: ok when the fuzzer found no crash, leak, timeout or sanitizer report.
#   run-fuzzer.sh FUZZER SEEDS-PROGRAM|SEEDS-DIR KIND WORKDIR SECONDS
set -u
fuzzer=$1 seeds=$2 kind=$3 work=$4 secs=$5
name=$(basename "$fuzzer")
. "${BASH_SOURCE[0]%/*}/../tap.sh"
# The corpus grows across runs (coverage keeps building up); seeds are fresh each time.
rm -rf "$work/seeds" "$work/artifacts"
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
if [ -d "$seeds" ]; then
  cp -r "$seeds/." "$work/seeds/"
elif ! "$seeds" "$kind" "$work/seeds"; then
  not_ok "$name: the seed corpus could not be written"
  finish
  exit
fi
"$fuzzer" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds" >"$work/log" 2>&1
rc=$?
tail -n 60 "$work/log" | sed 's/^/# /'
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
  ok "$name: no crash in ${secs}s, ${runs} inputs"
else
  repro=$(ls "$work"/artifacts/* 2>/dev/null | head -n 1)
  # not_ok's evidence also goes to stderr, which meson's --print-errorlogs shows in the CI log:
  # the report and the input.
  not_ok "$name: exit $rc; reproducer: $repro" "$(grep -v '^#[0-9]' "$work/log" | tail -n 40)" \
    ${repro:+"reproducer (base64):" "$(base64 -w 76 "$repro")"}
fi
finish
