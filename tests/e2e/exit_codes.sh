#!/bin/bash
# exit_codes.sh — jharden.md §3: before the daemon runs, every failure exits with
# systemd's code for the failing step, names the step (or file:line) and the path, and
# executes nothing.
#
# Usage: bash exit_codes.sh JHARDEN_BINARY REPO_ROOT   (as root)
#
# The "daemon" of every case touches a marker file; a case passes only if the exit
# status is the expected one, the marker is absent and the message says where.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.bash
source "$HERE/lib/common.bash"

# run_marked POLICY [JHARDEN OPTIONS...]: runs jharden with a daemon that creates
# $CASE/marker.
run_marked() {
  local pol=$1
  shift
  jh "$@" "$pol" -- /usr/bin/touch "$CASE/marker"
}

# expect_refused NAME CODE [MESSAGE-REGEX...]: the last run exited with CODE, executed
# nothing, and its stderr matches every regex. A C++ exception text or a bare errno
# number in the message is a failure too.
expect_refused() {
  local name=$1 code=$2 re n=0
  shift 2
  expect_rc "$name:exit-$code" "$code"
  expect_true "$name:nothing-executed" "the daemon ran" test ! -e "$CASE/marker"
  for re in "$@"; do
    n=$((n + 1))
    expect_match "$name:message-$n" "$re" "$ERR"
  done
  expect_no_match "$name:no-exception-text" 'terminate called|what\(\)|std::|errno [0-9]|Unknown error' "$ERR"
}

# expect_ran NAME: the last run exited 0 and the daemon ran.
expect_ran() {
  expect_rc "$1:exit-0" 0
  expect_true "$1:daemon-ran" "no marker" test -e "$CASE/marker"
}

# ---------------------------------------------------------------- 78 CONFIG

test_config() {
  local pol

  new_case
  pol=$(policy <<'EOF'
[service]
bogus_key = 1
EOF
)
  run_marked "$pol"
  expect_refused config:unknown-key 78 "policy\.conf:2: error: .*bogus_key"

  new_case
  pol=$(policy <<'EOF'
[servic]
user = nobody
EOF
)
  run_marked "$pol"
  expect_refused config:unknown-section 78 "policy\.conf:1: error: "

  new_case
  pol=$(policy <<'EOF'
[service]
new_session = maybe
EOF
)
  run_marked "$pol"
  expect_refused config:bad-boolean 78 "policy\.conf:2: error: "

  new_case
  pol=$(policy <<'EOF'
[filesystem]
read_only = usr
EOF
)
  run_marked "$pol"
  expect_refused config:relative-path 78 "policy\.conf:2: error: .*read_only.*usr"

  new_case
  pol=$(policy <<'EOF'
[filesystem]
read_only = /usr/../etc
EOF
)
  run_marked "$pol"
  expect_refused config:non-normalized-path 78 "policy\.conf:2: error: "

  new_case
  pol=$(policy <<'EOF'
[service]
umask = 0022
umask = 0077
EOF
)
  run_marked "$pol"
  expect_refused config:scalar-key-twice 78 "policy\.conf:3: error: "

  new_case
  pol=$(policy <<'EOF'
[capabilities]
drop = CAP_NOT_A_CAPABILITY
EOF
)
  run_marked "$pol"
  expect_refused config:unknown-capability 78 "policy\.conf:2: error: .*CAP_NOT_A_CAPABILITY"

  new_case
  pol=$(policy <<'EOF'
[capabilities]
drop = CAP_NET_RAW
ambient = CAP_NET_RAW
EOF
)
  run_marked "$pol"
  expect_refused config:ambient-capability-also-dropped 78 \
    "policy\.conf:3: error: ambient: CAP_NET_RAW is also dropped \(.*policy\.conf:2\)"

  new_case
  pol=$(policy <<'EOF'
[seccomp]
deny = not_a_syscall
EOF
)
  run_marked "$pol"
  expect_refused config:unknown-syscall 78 "policy\.conf:2: error: .*not_a_syscall"

  new_case
  pol=$(policy <<'EOF'
[seccomp]
deny = @not-a-group
EOF
)
  run_marked "$pol"
  expect_refused config:unknown-syscall-group 78 "policy\.conf:2: error: .*@not-a-group"

  new_case
  pol=$(policy <<'EOF'
[service]
exec = bin/touch /tmp/x
EOF
)
  jh "$pol"
  expect_refused config:exec-relative-program 78 "policy\.conf:2: error: "

  new_case
  pol=$(empty_policy)
  jh "$pol"
  expect_refused config:no-exec-no-command 78

  new_case
  pol=$(policy <<'EOF'
[service]
user = nobody
bogus_key = 1
[filesystem]
read_only = relative/path
EOF
)
  jh --check "$pol"
  expect_refused config:check-reports-every-error 78 \
    "policy\.conf:3: error: " "policy\.conf:5: error: "

  new_case
  pol=$(policy <<'EOF'
[service]
exec = /bin/true
EOF
)
  jh --check "$pol"
  expect_rc config:check-valid-exit-0 0
  expect_eq config:check-valid-prints-nothing "" "$OUT$ERR"
}

# ---------------------------------------------------------------- 200 CHDIR

test_chdir() {
  local pol

  new_case
  pol=$(policy <<'EOF'
[service]
working_directory = /jh-e2e-no-such-directory
EOF
)
  run_marked "$pol"
  expect_refused chdir:missing-directory 200 "working_directory" "/jh-e2e-no-such-directory"

  new_case
  mkdir -m 0700 "$CASE/private"
  pol=$(policy <<EOF
[service]
user = nobody
working_directory = $CASE/private
EOF
)
  run_marked "$pol"
  expect_refused chdir:not-enterable-by-user 200 "working_directory" "$CASE/private"

  new_case
  pol=$(policy <<'EOF'
[service]
working_directory = /jh-e2e-no-such-directory
[namespaces]
pid = yes
EOF
)
  run_marked "$pol"
  expect_refused chdir:missing-directory-pid-namespace 200 "/jh-e2e-no-such-directory"

  # The same with the init slowed down (its chdir / delayed by strace) so that the daemon's set-up
  # fails before the init has given its word: still the step's code and message, not the
  # init's failure to write to a daemon that is gone.
  if command -v strace >/dev/null; then
    new_case
    local JH_WRAP=(strace -f -qq -o /dev/null -e trace=chdir -e inject=chdir:delay_enter=300000)
    run_marked "$pol"
    expect_refused chdir:missing-directory-pid-namespace-init-slow 200 \
      "/jh-e2e-no-such-directory"
    expect_no_match chdir:missing-directory-pid-namespace-init-slow:no-init-error \
      "let the daemon go on" "$ERR"
  else
    skip chdir:missing-directory-pid-namespace-init-slow "strace is not installed"
  fi
}

# ---------------------------------------------------------------- 203 EXEC

test_exec() {
  local pol
  new_case
  pol=$(empty_policy)
  jh "$pol" -- /jh-e2e/no/such/program arg
  expect_refused exec:missing-program 203 "/jh-e2e/no/such/program"

  new_case
  jh "$pol" -- /etc/hostname
  expect_refused exec:not-executable 203 "/etc/hostname"

  new_case
  pol=$(policy <<'EOF'
[namespaces]
pid = yes
EOF
)
  jh "$pol" -- /jh-e2e/no/such/program
  expect_refused exec:missing-program-pid-namespace 203 "/jh-e2e/no/such/program"
}

# ---------------------------------------------------------------- 216 GROUP, 217 USER

test_identity() {
  local pol
  new_case
  pol=$(policy <<'EOF'
[service]
user = nobody
group = jh-e2e-no-such-group
EOF
)
  run_marked "$pol"
  expect_refused group:unknown-group 216 "jh-e2e-no-such-group"
  run_marked "$pol" --check
  expect_refused group:unknown-group-check 216 "jh-e2e-no-such-group"

  new_case
  pol=$(policy <<'EOF'
[service]
user = nobody
supplementary_groups = jh-e2e-no-such-group
EOF
)
  run_marked "$pol"
  expect_refused group:unknown-supplementary-group 216 "jh-e2e-no-such-group"

  new_case
  pol=$(policy <<'EOF'
[service]
user = jh-e2e-no-such-user
EOF
)
  run_marked "$pol"
  expect_refused user:unknown-user 217 "jh-e2e-no-such-user"
  run_marked "$pol" --check
  expect_refused user:unknown-user-check 217 "jh-e2e-no-such-user"
}

# ---------------------------------------------------------------- 226 NAMESPACE

test_namespace() {
  local pol
  new_case
  pol=$(policy <<EOF
[filesystem]
read_only = $CASE/missing
EOF
)
  run_marked "$pol"
  expect_refused namespace:missing-read-only-path 226 "$CASE/missing"

  new_case
  pol=$(policy <<EOF
[filesystem]
read_only = -$CASE/missing
EOF
)
  run_marked "$pol"
  expect_ran namespace:optional-missing-read-only-path

  new_case
  pol=$(policy <<EOF
[filesystem]
read_only = $CASE/missing
[namespaces]
pid = yes
EOF
)
  run_marked "$pol"
  expect_refused namespace:missing-read-only-path-pid-namespace 226 "$CASE/missing"

  for key in read_write mask inaccessible; do
    new_case
    pol=$(policy <<EOF
[filesystem]
$key = $CASE/missing
EOF
)
    run_marked "$pol"
    expect_refused "namespace:missing-$key-path" 226 "$CASE/missing"
  done

  new_case
  pol=$(policy <<EOF
[filesystem]
bind = $CASE/missing-source:$CASE/target
EOF
)
  run_marked "$pol"
  expect_refused namespace:missing-bind-source 226 "$CASE/missing-source"

  new_case
  mkdir "$CASE/src" "$CASE/victim"
  ln -s "$CASE/victim" "$CASE/link"
  pol=$(policy <<EOF
[filesystem]
bind = $CASE/src:$CASE/link
EOF
)
  run_marked "$pol"
  expect_refused namespace:bind-target-is-symlink 226 "$CASE/link"
  expect_true namespace:bind-target-is-symlink:victim-untouched "something was mounted on the victim" \
    test -z "$(awk -v p="$CASE/victim" '$5 == p' /proc/self/mountinfo)"
}

# A kernel without Landlock, as jharden sees it: landlock_create_ruleset refused with ENOSYS
# by a filter loaded before jharden starts.
without_landlock_wrapper() {
  cat >"$CASE/no-landlock.py" <<'EOF'
import ctypes, errno, os, sys
lib = ctypes.CDLL("libseccomp.so.2")
lib.seccomp_init.restype = ctypes.c_void_p
lib.seccomp_init.argtypes = [ctypes.c_uint32]
lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
lib.seccomp_load.argtypes = [ctypes.c_void_p]
ctx = lib.seccomp_init(0x7FFF0000)  # SCMP_ACT_ALLOW
nr = lib.seccomp_syscall_resolve_name(b"landlock_create_ruleset")
if lib.seccomp_rule_add(ctx, 0x00050000 | errno.ENOSYS, nr, 0) or lib.seccomp_load(ctx):
    sys.exit("cannot load the filter")
os.execvp(sys.argv[1], sys.argv[1:])
EOF
  JH_WRAP=("$PY" "$CASE/no-landlock.py")
}

test_landlock_absent() {
  local JH_WRAP
  new_case
  without_landlock_wrapper
  local pol
  pol=$(policy <<'EOF'
[filesystem]
landlock = yes
EOF
)
  run_marked "$pol"
  expect_refused namespace:landlock-yes-without-landlock 226 '^jharden: landlock: ' 'no Landlock'
  pol=$(policy auto.conf </dev/null)
  run_marked "$pol"
  expect_ran namespace:landlock-auto-without-landlock-runs
  jh --print "$pol" -- /bin/true
  expect_match namespace:landlock-auto-without-landlock-print \
    'landlock: auto, kernel ABI none \(no Landlock in this kernel: not applied\)' "$OUT"
  jh --print --json "$pol" -- /bin/true
  expect_match namespace:landlock-auto-without-landlock-print-json '"applied": false' "$OUT"
  jh --analyze "$pol" -- /bin/true
  expect_match namespace:landlock-auto-without-landlock-analyze 'no Landlock in this kernel' "$OUT"
  jh --verify "$pol" -- /bin/true
  expect_match namespace:landlock-auto-without-landlock-verify \
    '^PASS +Landlock domain +asked: auto: not applied \(no Landlock in this kernel\) +observed: no domain' \
    "$(grep 'Landlock domain' <<<"$OUT")"
  expect_match namespace:landlock-auto-without-landlock-verify-decoy-reachable \
    '^PASS +/proc/PID/root of a host process.*asked: reachable \(no Landlock in this kernel\)' \
    "$(grep 'host process' <<<"$OUT")"
}

# ---------------------------------------------------------------- 243 CREDENTIALS

test_credentials() {
  local pol
  new_case
  pol=$(policy <<EOF
[secrets]
key = $CASE/missing.key
EOF
)
  run_marked "$pol"
  expect_refused credentials:missing-source 243 "secrets" "$CASE/missing.key"
  run_marked "$pol" --check
  expect_refused credentials:missing-source-check 243 "$CASE/missing.key"

  new_case
  echo jh-e2e-symlinked-secret >"$CASE/real.key"
  ln -s "$CASE/real.key" "$CASE/link.key"
  pol=$(policy <<EOF
[secrets]
key = $CASE/link.key
EOF
)
  run_marked "$pol"
  expect_refused credentials:symlink-source 243 "$CASE/link.key"
  expect_no_match credentials:symlink-source:content-not-printed "jh-e2e-symlinked-secret" "$OUT$ERR"

  new_case
  head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' 'x' >"$CASE/big.key"
  pol=$(policy <<EOF
[secrets]
key = $CASE/big.key
EOF
)
  run_marked "$pol"
  expect_refused credentials:source-over-1mib 243 "$CASE/big.key"

  new_case
  head -c $((1024 * 1024)) /dev/zero | tr '\0' 'x' >"$CASE/max.key"
  pol=$(policy <<EOF
[secrets]
key = $CASE/max.key
hide_sources = no
EOF
)
  jh "$pol" -- /usr/bin/stat -c %s /run/secrets/key
  expect_rc credentials:source-of-exactly-1mib-accepted 0
  expect_eq credentials:source-of-exactly-1mib-projected 1048576 "$OUT"

  new_case
  mkdir "$CASE/dir.key"
  pol=$(policy <<EOF
[secrets]
key = $CASE/dir.key
EOF
)
  run_marked "$pol"
  expect_refused credentials:directory-source 243 "$CASE/dir.key"

  new_case
  pol=$(policy <<'EOF'
[secrets]
key = credential:tls
EOF
)
  env -u CREDENTIALS_DIRECTORY "$JHARDEN" "$pol" -- /usr/bin/touch "$CASE/marker" \
    </dev/null >/dev/null 2>"$CASE/.err"
  RC=$?
  ERR=$(<"$CASE/.err")
  expect_refused credentials:credential-without-credentials-directory 243 "tls"

  mkdir -m 0700 "$CASE/creds"
  local JH_WRAP=(env CREDENTIALS_DIRECTORY="$CASE/creds")
  run_marked "$pol"
  expect_refused credentials:credential-missing-in-directory 243 "tls"
}

# --verify before a service's first start: a directory that the unit's RuntimeDirectory=
# would create is missing; the failure says so instead of a bare "No such file".
test_verify_before_first_start() {
  new_case
  local dir pol
  dir=/run/jh-e2e-missing-$RANDOM$RANDOM
  pol=$(policy <<EOF
[filesystem]
read_write = $dir
EOF
)
  jh --verify "$pol"
  expect_rc verify-first-start:exit-226 226
  expect_match verify-first-start:names-runtime-directory "hint: $dir does not exist yet.*RuntimeDirectory=" "$ERR"
}

# --check: valid, but pid = yes with a daemon whose PID-file or lock interlock a PID
# namespace defeats is worth a warning (exit status still 0).
test_check_pid_hazards() {
  new_case
  local pol
  pol=$(policy <<'EOF'
[service]
exec = /usr/sbin/chronyd -d
[namespaces]
pid = yes
EOF
)
  jh --check "$pol"
  expect_rc check-pid-hazard:chronyd-exit-0 0
  expect_match check-pid-hazard:chronyd-warns "$pol:4: warning: pid = yes: chronyd" "$ERR"
  pol=$(policy pg.conf <<'EOF'
[service]
exec = /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main
[namespaces]
pid = yes
EOF
)
  jh --check "$pol"
  expect_rc check-pid-hazard:postgres-exit-0 0
  expect_match check-pid-hazard:postgres-warns 'postmaster.pid' "$ERR"
  pol=$(policy plain.conf <<'EOF'
[service]
exec = /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main
EOF
)
  jh --check "$pol"
  expect_eq check-pid-hazard:no-pid-namespace-silent "" "$ERR"
}

main() {
  e2e_init "$@"
  run_cases \
    test_config \
    test_chdir \
    test_exec \
    test_identity \
    test_namespace \
    test_landlock_absent \
    test_credentials \
    test_verify_before_first_start \
    test_check_pid_hazards
  e2e_finish
}

main "$@"
