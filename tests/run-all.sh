#!/usr/bin/env bash
# Sets up a fresh Debian 12 (as root), builds jharden and runs every test tier:
# unit, integration (root), end-to-end (root), the libFuzzer run, the sanitizer build,
# the Debian package with lintian, and the end-to-end tests under a real systemd.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

# Each step's header says when it starts, in minutes since the start of the run.
step() { printf '\n=== %s (at %d min)\n' "$*" $((SECONDS / 60)); }
failed=()
run() {  # run NAME CMD...: records a failing step, goes on with the others
  local name=$1
  shift
  step "$name"
  if ! "$@"; then
    failed+=("$name")
    echo "*** step failed: $name"
  fi
}

step "dependencies"
bash tests/setup-deps.sh || exit 1

step "format"
if ! clang-format --dry-run --Werror src/*.cc src/*.h tests/unit/*.cc tests/integration/*.cc \
    fuzz/*.cc 2>/dev/null; then
  failed+=("clang-format")
  echo "*** clang-format reports differences"
fi

step "build"
cmake -S . -B build -G Ninja -DJHARDEN_TESTS=ON -DJHARDEN_WERROR="${JHARDEN_WERROR:-ON}" >/dev/null && cmake --build build -j"$(nproc)" || exit 1

run "man pages" bash -c 'for m in man/jharden.8 man/jharden.conf.5; do
  out=$(LC_ALL=C.UTF-8 MANROFFSEQ="" man --warnings -l "$m" 2>&1 >/dev/null); [ -z "$out" ] || { echo "$m: $out"; exit 1; }; done'
# The unit tier in parallel; the root and end-to-end tiers run alone (RUN_SERIAL).
run "unit, integration and end-to-end tests" ctest --test-dir build --output-on-failure -j"$(nproc)"
[ -x tests/sanitize.sh ] && run "sanitizers (ASan+UBSan)" bash tests/sanitize.sh
[ -x fuzz/run.sh ] && run "fuzzing (bounded)" bash fuzz/run.sh --ci
[ -x tests/package.sh ] && run "Debian package" bash tests/package.sh
# One container for the five scripts: the end-to-end tests install the package, the
# equivalence tier compares the installed jharden with systemd's own directives, the
# stop/restart tests run PostgreSQL and Redis through it under every KillMode=, --learn
# learns six daemons from their stock units, and the policy library runs every
# shipped policy with its daemon's client (docs/policies.md).
under_systemd() {
  local ct rc=0
  ct=$(mktemp -d /tmp/jharden-systemd.XXXXXX)
  # CAP_SYS_TIME for chrony in library.sh (chrony.service requires it); the container has no
  # network, so chronyd never finds a server to set the shared clock from. bpf(2), CAP_BPF and
  # CAP_PERFMON for --learn's observer (learn.sh).
  if ! NSPAWN_EXTRA_ARGS="--capability=CAP_SYS_TIME,CAP_BPF,CAP_PERFMON --system-call-filter=bpf" \
    bash tests/systemd/nspawn.sh start "$ct"; then
    bash tests/systemd/nspawn.sh stop "$ct"
    return 1
  fi
  bash tests/systemd/e2e.sh --container "$ct" "$repo/build/jharden.deb" || rc=1
  bash tests/systemd/equivalence.sh --container "$ct" || rc=1
  bash tests/systemd/killmode.sh --container "$ct" "$repo/build/src/jharden" || rc=1
  # All six daemons (docs/learning.md is written by a run of its own).
  LEARN_TABLE=none bash tests/systemd/learn.sh --container "$ct" "$repo/build/src/jharden"
  case $? in 0 | 77) ;; *) rc=1 ;; esac
  # Last: it installs the package again over killmode.sh's copy of the binary.
  bash tests/systemd/library.sh --container "$ct" "$repo/build/jharden.deb" || rc=1
  bash tests/systemd/nspawn.sh stop "$ct" || rc=1
  return "$rc"
}
[ -x tests/systemd/e2e.sh ] && [ -f build/jharden.deb ] && run "under systemd" under_systemd

step "summary"
if ((${#failed[@]})); then
  printf 'failed: %s\n' "${failed[@]}"
  exit 1
fi
echo "all steps passed in $((SECONDS / 60)) min"
