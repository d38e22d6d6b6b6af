# shellcheck shell=bash
# Shared functions of the end-to-end tests (tests/e2e/*.sh).
#
# A script sources this file, calls `e2e_init "$@"` (arguments: JHARDEN_BINARY
# REPO_ROOT), runs its cases and ends with `e2e_finish`, which adds the
# "host mount table unchanged" case, cleans up, prints the closing line
# "N passed, M failed" and exits non-zero iff a case failed.
#
# A case is a name and a verdict: `pass NAME`, `fail NAME DETAILS`, or one of
# the expect_* helpers. Names of one script are unique; escapes.sh prefixes
# them with the threat they test ("chroot-escape:...").
#
# Each case that runs jharden works in a fresh directory ($CASE, from
# new_case) below the script's own top directory ($TOP, in /var/lib: not
# below /tmp, which the sandbox replaces, and on the root file system so that
# set-user-ID test programs are not neutralised by a nosuid /run). Policies are
# written there with mode 0644, owned by root, and passed to jharden as paths.

set -u

PY=/usr/bin/python3
E2E_PASSED=0
E2E_FAILED=0
E2E_SKIPPED=0
JHARDEN=""
REPO=""
TOP=""
CASE=""
# The output of the last jh call: stdout, stderr, exit status.
OUT=""
ERR=""
RC=0
# Prepended to the jharden command line by jh (e.g. an unshare into a private
# mount namespace, or capsh); empty by default.
JH_WRAP=()
# Seconds after which a jharden run is killed (a hang is a failure, not a stall).
JH_TIMEOUT=60
E2E_MOUNTS_BEFORE=""
E2E_STAGING_BEFORE=""
E2E_CLEANUPS=()

# ------------------------------------------------------------------ set-up

e2e_init() {
  if [[ $(id -u) != 0 ]]; then
    # 77: ctest shows the script skipped (SKIP_RETURN_CODE), not passed.
    echo "SKIP: needs root (the end-to-end tests build real sandboxes)"
    exit 77
  fi
  if [[ $# -lt 2 || ! -x $1 || ! -d $2 ]]; then
    echo "usage: bash ${0##*/} JHARDEN_BINARY REPO_ROOT" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  JHARDEN=$(realpath "$1")
  # A sanitizer build (tests/sanitize.sh) with the test-only LD_PRELOAD fault shim: the shim
  # comes first in the library list, which AddressSanitizer accepts only when told so.
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
  REPO=$(realpath "$2")
  umask 022
  E2E_MOUNTS_BEFORE=$(mount_table)
  E2E_STAGING_BEFORE=$(staging_entries)
  TOP=$(mktemp -d /var/lib/jharden-e2e.XXXXXX) || {
    echo "FAIL setup: mktemp"
    echo "0 passed, 1 failed"
    exit 1
  }
  chmod 0755 "$TOP"
  install -m 0644 "$REPO/tests/e2e/lib/probe.py" "$TOP/probe.py"
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM
}

# run_cases FUNCTION...: runs each test function; $JH_E2E_ONLY (names separated by
# spaces) restricts the run to those named, for working on a few cases at a time.
run_cases() {
  local f
  for f in "$@"; do
    [[ -z ${JH_E2E_ONLY:-} || " $JH_E2E_ONLY " == *" $f "* ]] && "$f"
  done
}

# on_exit COMMAND...: run at cleanup (processes to stop, host files to remove).
on_exit() {
  E2E_CLEANUPS+=("$(printf '%q ' "$@")")
}

e2e_cleanup() {
  local c
  for c in "${E2E_CLEANUPS[@]}"; do
    eval "$c" >/dev/null 2>&1
  done
  E2E_CLEANUPS=()
  if [[ -n $TOP && -d $TOP ]]; then
    # Mount points jharden created in our directories are plain directories; a mount
    # left here would be a leak that the mount-table case reports, and rm must not
    # cross it.
    rm -rf --one-file-system "$TOP"
  fi
  TOP=""
}

# The host's mount table, as this process sees it.
mount_table() {
  cat /proc/self/mountinfo
}

# Entries that a staging directory of jharden would add to the host's shared
# directories: names mentioning jharden (our own jharden-e2e* left out). /tmp is left
# out: other programs on the machine use it too; behaviour.sh checks it exactly, in a
# namespace of its own (baseline:no-staging-in-fresh-temp-dirs).
staging_entries() {
  local d
  for d in /run /var/tmp /dev/shm /var/lib; do
    [[ -d $d ]] || continue
    find "$d" -mindepth 1 -maxdepth 1 -iname '*jharden*' ! -name 'jharden-e2e*' -printf '%p\n' 2>/dev/null
  done | sort
}

# ------------------------------------------------------------------ verdicts

pass() {
  echo "PASS $1"
  E2E_PASSED=$((E2E_PASSED + 1))
}

fail() {
  local details=${2:-}
  details=${details//$'\n'/ | }
  echo "FAIL $1: ${details:0:1500}"
  E2E_FAILED=$((E2E_FAILED + 1))
}

# skip NAME REASON: a case this machine cannot run; neither passed nor failed.
skip() {
  echo "SKIP $1: $2"
  E2E_SKIPPED=$((E2E_SKIPPED + 1))
}

# What to show when a case fails: exit status and the end of stderr.
jh_context() {
  local err=$ERR
  if ((${#err} > 400)); then err="...${err: -400}"; fi
  echo "(jharden exit $RC; stderr: ${err:-<empty>})"
}

# What `field` gives for a key the probe did not print.
E2E_MISSING='<missing>'

# field_missing NAME ACTUAL: fails NAME when ACTUAL is a probe field that was never printed
# (the probe died, or the key is misspelt): no expectation may pass on it, least of all
# "is not X" or "does not match".
field_missing() {
  [[ $2 == "$E2E_MISSING" ]] || return 1
  fail "$1" "the probe printed no such field $(jh_context)"
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
  [[ $2 != "$E2E_MISSING" ]] && field_missing "$1" "$3" && return
  if [[ $3 == "$2" ]]; then pass "$1"; else fail "$1" "expected '$2', got '$3' $(jh_context)"; fi
}

# expect_ne NAME UNEXPECTED ACTUAL
expect_ne() {
  field_missing "$1" "$3" && return
  if [[ $3 != "$2" ]]; then pass "$1"; else fail "$1" "got '$3', which it must not be $(jh_context)"; fi
}

# expect_match NAME REGEX ACTUAL
expect_match() {
  field_missing "$1" "$3" && return
  if [[ $3 =~ $2 ]]; then pass "$1"; else fail "$1" "'$3' does not match /$2/ $(jh_context)"; fi
}

# expect_no_match NAME REGEX ACTUAL
expect_no_match() {
  field_missing "$1" "$3" && return
  if [[ ! $3 =~ $2 ]]; then pass "$1"; else fail "$1" "'$3' matches /$2/ $(jh_context)"; fi
}

# expect_rc NAME CODE: the last jh call exited with CODE.
expect_rc() {
  if [[ $RC == "$2" ]]; then pass "$1"; else fail "$1" "expected exit status $2 $(jh_context)"; fi
}

# expect_true NAME DETAILS COMMAND...: passes when COMMAND succeeds.
expect_true() {
  local name=$1 details=$2
  shift 2
  if "$@"; then pass "$name"; else fail "$name" "$details"; fi
}

# expect_field NAME KEY EXPECTED: the probe printed KEY=EXPECTED.
expect_field() {
  expect_eq "$1" "$3" "$(field "$2")"
}

# ------------------------------------------------------------------ running

# new_case: a fresh, empty directory for the next case, in $CASE.
new_case() {
  CASE=$(mktemp -d "$TOP/case.XXXXXX")
  chmod 0755 "$CASE"
}

# policy [NAME] < TEXT: writes a policy file into $CASE (0644, root) and prints its path.
policy() {
  local path="$CASE/${1:-policy.conf}"
  cat >"$path"
  chown root:root "$path"
  chmod 0644 "$path"
  echo "$path"
}

# empty_policy: the path of an empty policy (the secure baseline).
empty_policy() {
  policy empty.conf </dev/null
}

# jh ARGS...: runs jharden with ARGS (behind $JH_WRAP), stdin from /dev/null, with a
# time limit. Sets OUT, ERR and RC. Extra environment: prefix the call with
# `env` inside JH_WRAP or export before.
jh() {
  "${JH_WRAP[@]}" timeout -k 5 "$JH_TIMEOUT" "$JHARDEN" "$@" </dev/null >"$CASE/.out" 2>"$CASE/.err"
  RC=$?
  OUT=$(<"$CASE/.out")
  ERR=$(<"$CASE/.err")
}

# build_fault_shim_library DEST: compiles the test-only fault shim (lib/fault_shim.c) to DEST;
# the compiler's messages go to DEST.err.
build_fault_shim_library() {
  gcc -shared -fPIC -O2 -o "$1" "$REPO/tests/e2e/lib/fault_shim.c" -ldl -lseccomp -lcap \
    2>"$1.err"
}

# prelude: the sh functions every probe script (run inside the sandbox) starts with:
#   p KEY CMD ARGS  prints KEY=<probe.py CMD ARGS>
#   r KEY CMD...    prints KEY=<exit status of CMD>
# Neither leaves an extra fd open in the probing shell (no command substitution).
prelude() {
  cat <<EOF
P="$PY $TOP/probe.py"
p() { k=\$1; shift; printf '%s=' "\$k"; \$P "\$@" || echo PROBE_FAILED; }
r() { k=\$1; shift; "\$@" >/dev/null 2>&1; echo "\$k=\$?"; }
EOF
}

# run_probe POLICY BODY: runs the sh script BODY, after the prelude, as the daemon.
run_probe() {
  jh "$1" -- /bin/sh -c "$(prelude)"$'\n'"$2"
}

# field KEY: the value of the first line KEY=VALUE in OUT.
field() {
  local line
  while IFS= read -r line; do
    if [[ $line == "$1="* ]]; then
      printf '%s' "${line#"$1="}"
      return 0
    fi
  done <<<"$OUT"
  printf '%s' "$E2E_MISSING"
}

# ns_setup SCRIPT: makes the next jh calls run in a new private mount namespace of
# this test, after SCRIPT (bash, errexit) has run there. The host is untouched.
ns_setup() {
  JH_WRAP=(unshare -m --propagation private /bin/bash -ec "$1"$'\nexec "$@"' bash)
}

# cap_bits HEX: the capability numbers set in the mask HEX, space separated.
cap_bits() {
  local value=$((16#$1)) bit out=""
  for ((bit = 0; bit < 64; bit++)); do
    if (((value >> bit) & 1)); then out+="$bit "; fi
  done
  printf '%s' "${out% }"
}

# The default [capabilities] drop list, by number (capabilities(7)).
DEFAULT_DROP_BITS=(21 19 16 17 22 25 27 33 32 30 9 39 38 34 20 40 2)

# dropped_present HEX: the default-drop capabilities still set in HEX (empty: none).
dropped_present() {
  local value=$((16#$1)) bit out=""
  for bit in "${DEFAULT_DROP_BITS[@]}"; do
    if (((value >> bit) & 1)); then out+="$bit "; fi
  done
  printf '%s' "${out% }"
}

# have_static_busybox: /bin/busybox exists and is static (ldd fails on a static program),
# so that it runs alone in a minimal root= tree (package busybox-static).
have_static_busybox() {
  [[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1
}

# make_busybox_root DIR: a minimal tree for root=: a static busybox, a few applets, and
# the directories jharden mounts on.
make_busybox_root() {
  local dir=$1 applet
  mkdir -p "$dir"/{bin,dev,proc,sys,tmp,usr,etc,run}
  install -m 0755 /bin/busybox "$dir/bin/busybox"
  for applet in sh cat ls stat touch id readlink wc grep mount umount echo mkdir hostname; do
    ln -s busybox "$dir/bin/$applet"
  done
}

# wait_for_file PATH [SECONDS]: polls until PATH exists.
wait_for_file() {
  local i
  for ((i = 0; i < ${2:-20} * 10; i++)); do
    [[ -e $1 ]] && return 0
    sleep 0.1
  done
  return 1
}

# --------------------------------------------------------------- checks at the end

# check_no_leak NAME: the host's mount table and temporary directories are as they were
# when the script started.
check_no_leak() {
  local now staging
  now=$(mount_table)
  if [[ $now == "$E2E_MOUNTS_BEFORE" ]]; then
    pass "$1:mount-table-unchanged"
  else
    fail "$1:mount-table-unchanged" "$(diff <(echo "$E2E_MOUNTS_BEFORE") <(echo "$now") | head -20)"
  fi
  staging=$(staging_entries)
  if [[ $staging == "$E2E_STAGING_BEFORE" ]]; then
    pass "$1:no-staging-left"
  else
    fail "$1:no-staging-left" "$(diff <(echo "$E2E_STAGING_BEFORE") <(echo "$staging") | head -20)"
  fi
}

e2e_finish() {
  e2e_cleanup
  check_no_leak "host-after-script"
  if ((E2E_SKIPPED > 0)); then echo "($E2E_SKIPPED skipped)"; fi
  echo "$E2E_PASSED passed, $E2E_FAILED failed"
  trap - EXIT
  ((E2E_FAILED == 0))
  exit $?
}
