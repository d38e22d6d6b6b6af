#!/usr/bin/env bash
# Builds with AddressSanitizer + UndefinedBehaviorSanitizer and runs the unit, integration
# and end-to-end tiers against that build. Any report fails the run (halt_on_error).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build-asan
# -O1 and line tables only (-g1): what the sanitizers' reports need, and half the compile
# time of the shipped -O2 -g (the largest test file: 34 s instead of 70).
cmake -S "$repo" -B "$build" -G Ninja -DJHARDEN_SANITIZE=ON -DJHARDEN_TESTS=ON -DJHARDEN_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
# The soak's start-ups, 200 instead of 1000: each sanitized start costs 0.2 s, and the
# plain build's run already does the 1000 (the fault cases run in full).
export SOAK_CYCLES=${SOAK_CYCLES:-200}
# The unit tier in parallel; the root and end-to-end tiers run alone (RUN_SERIAL).
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" -L "${JHARDEN_SANITIZE_LABELS:-unit|root|e2e}"
