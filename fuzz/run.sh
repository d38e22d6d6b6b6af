#!/usr/bin/env bash
# Builds the libFuzzer target and runs it.
#   fuzz/run.sh --ci          bounded run for CI (JHARDEN_FUZZ_SECONDS, default 150 s)
#   fuzz/run.sh SECONDS       a long run, e.g. fuzz/run.sh 3600
# Fails on any crash, leak, timeout or out-of-memory; prints executions and coverage.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=${JHARDEN_FUZZ_SECONDS:-150}
[ "${1:-}" = "--ci" ] || seconds=${1:-$seconds}
build=$repo/build-fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The build's output goes to a log, shown when the build fails.
if ! { cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DJHARDEN_FUZZ=ON \
  -DJHARDEN_TESTS=OFF && cmake --build "$build" --target policy_fuzzer; } >"$work/build.log" 2>&1; then
  tail -40 "$work/build.log"
  echo "fuzzing: the fuzzer did not build"
  exit 1
fi
mkdir -p "$work/corpus"
cp "$repo"/conf/*.conf "$repo"/fuzz/corpus/* "$work/corpus/" 2>/dev/null || true
# -timeout: one input taking over 2 s is a hang; -rss_limit_mb: a blow-up is a failure.
"$build/fuzz/policy_fuzzer" "$work/corpus" -max_total_time="$seconds" -timeout=2 \
  -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix="$work/" \
  2>"$work/log" || { tail -50 "$work/log"; echo "fuzzing found a failure"; exit 1; }
grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units|cov:' "$work/log" | tail -3
echo "fuzzing: no crash, leak or timeout in ${seconds}s"
