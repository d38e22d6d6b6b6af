#!/usr/bin/env bash
# Builds with AddressSanitizer + UndefinedBehaviorSanitizer and runs the unit, integration
# and end-to-end tiers against that build. Any report fails the run (halt_on_error).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build-asan
cmake -S "$repo" -B "$build" -G Ninja -DJHARDEN_SANITIZE=ON -DJHARDEN_TESTS=ON -DJHARDEN_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
ctest --test-dir "$build" --output-on-failure -j1 -L "${JHARDEN_SANITIZE_LABELS:-unit|root|e2e}"
