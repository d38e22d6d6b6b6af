#!/usr/bin/env bash
# Soak, concurrency and fault injection (issue: robustness). Repeats and loads the sandbox and
# checks that nothing leaks: the host's mount table, this script's open descriptors, tmpfs
# usage, the entries of /run and /tmp, and processes (no zombie in pid = yes mode). Then
# breaks things at start-up and checks each ends with the right exit status, a message, nothing
# executed and nothing mounted.
# Usage: bash soak.sh JHARDEN_BINARY REPO_ROOT   (SOAK_CYCLES, default 1000)
#
# It runs in a mount namespace of its own, with fresh /run, /tmp, /var/tmp and /dev/shm: what
# it compares there is only what jharden (or this script) could have left, never the files of
# whatever else runs on the machine (a compiler's temporary files, a service's sockets).
# jharden and the test files are copied first, since they may lie below one of those.
if [[ -z ${SOAK_IN_NAMESPACE:-} ]]; then
  if [[ $(id -u) != 0 ]]; then
    echo "SKIP: needs root (the end-to-end tests build real sandboxes)"
    exit 77
  fi
  if [[ $# -lt 2 || ! -x $1 || ! -d $2 ]]; then
    echo "usage: bash ${0##*/} JHARDEN_BINARY REPO_ROOT" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  # Named like the e2e directories, which the other scripts' leak checks leave aside.
  soak_copy=$(mktemp -d /var/lib/jharden-e2e-soak.XXXXXX) || exit 1
  chmod 0755 "$soak_copy"
  install -m 0755 "$1" "$soak_copy/jharden"
  mkdir -p "$soak_copy/repo/tests"
  cp -r "$(realpath "$2")/tests/e2e" "$soak_copy/repo/tests/"
  SOAK_IN_NAMESPACE=1 unshare -m --propagation private /bin/bash -ec '
    mount -t tmpfs -o mode=0755,nosuid,nodev soak-run /run
    for d in /tmp /var/tmp /dev/shm; do mount -t tmpfs -o mode=1777,nosuid,nodev soak-tmp "$d"; done
    exec /bin/bash "$@"' bash "$soak_copy/repo/tests/e2e/soak.sh" "$soak_copy/jharden" \
    "$soak_copy/repo"
  soak_rc=$?
  rm -rf --one-file-system "$soak_copy"
  exit "$soak_rc"
fi
source "$(dirname "$0")/lib/common.bash"
e2e_init "$@"

CYCLES=${SOAK_CYCLES:-1000}

# expect_same NAME BEFORE AFTER: like expect_eq, showing only the difference.
expect_same() {
  if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1" "$(diff <(echo "$2") <(echo "$3"))"; fi
}

# What must be the same before and after: the mounts of this namespace (the host's own do not
# propagate into it), our fds, and everything in the fresh temporary directories, which only
# jharden and this script use. The secrets directory's mount point, which jharden creates in
# the host's /run and leaves there empty (as documented, like BindPaths=), is left aside; its
# content, or anything else, is not.
snapshot() {
  cat /proc/self/mountinfo | sort
  echo "--- fds"
  ls /proc/$$/fd | sort -n
  echo "--- files"
  find /run /tmp /var/tmp /dev/shm -mindepth 1 ! \( -path /run/secrets -type d -empty \) \
    -printf '%p %s\n' 2>/dev/null | sort
  df -k --output=target,used /run /tmp /var/tmp /dev/shm 2>/dev/null
}

secret_policy() {
  printf 'soak-secret-%s' "$RANDOM" >"$CASE/secret"
  chmod 0600 "$CASE/secret"
  policy <<P
[secrets]
key = $CASE/secret
[namespaces]
pid = $1
P
}

test_cycles() {
  new_case
  local pol before after i failures=0
  pol=$(secret_policy yes)
  before=$(snapshot)
  for ((i = 0; i < CYCLES; i++)); do
    "$JHARDEN" "$pol" -- /bin/true </dev/null >/dev/null 2>&1 || failures=$((failures + 1))
  done
  after=$(snapshot)
  expect_eq "soak:${CYCLES}-cycles-all-succeed" 0 "$failures"
  expect_same "soak:${CYCLES}-cycles-leave-host-unchanged" "$before" "$after"
}

test_concurrent() {
  new_case
  local pol before after pids=() i rc failures=0
  pol=$(secret_policy no)
  before=$(snapshot)
  for ((i = 0; i < 20; i++)); do
    "$JHARDEN" "$pol" -- /bin/sh -c 'cat /run/secrets/key >/dev/null && sleep 0.5' \
      </dev/null >/dev/null 2>&1 &
    pids+=($!)
  done
  for i in "${pids[@]}"; do
    wait "$i"
    rc=$?
    ((rc == 0)) || failures=$((failures + 1))
  done
  after=$(snapshot)
  expect_eq "soak:20-concurrent-instances-succeed" 0 "$failures"
  expect_same "soak:20-concurrent-instances-leave-host-unchanged" "$before" "$after"
}

# pid = yes: the daemon forks children and abandons them; the init reaps them, and when the
# daemon exits the namespace dies with everything in it.
test_abandoned_children() {
  new_case
  local pol marker left zombies
  marker="soak-orphan-$RANDOM$RANDOM"
  pol=$(policy <<<$'[namespaces]\npid = yes')
  jh "$pol" -- /bin/bash -c "for i in 1 2 3 4 5; do (exec -a $marker sleep 300 &); done
    (exec -a $marker-zombie true &); sleep 0.3; pgrep -fc '^$marker 300' || true
    ps -eo stat= | grep -c '^Z' || true"
  expect_rc "soak:pid-namespace-daemon-exit-status" 0
  # Five abandoned children were running, and no zombie: the init reaped the one that ended.
  expect_eq "soak:pid-namespace-children-abandoned-none-zombie" "$(printf '5\n0')" "$OUT"
  left=$(pgrep -fc "$marker" || true)
  expect_eq "soak:pid-namespace-abandoned-children-gone" 0 "$left"
  zombies=$(ps -eo stat=,args= | grep -c "^Z.*jharden" || true)
  expect_eq "soak:pid-namespace-no-zombie-left" 0 "$zombies"
}

# ---- fault injection: each must end with its exit status, a message, nothing executed.

marker_policy() {
  policy <<P
[service]
exec = /bin/sh -c "echo ran >$CASE/ran"
$1
P
}

expect_nothing_ran() {
  expect_true "$1:nothing-executed" "the daemon ran" test ! -e "$CASE/ran"
}

test_secret_deleted_after_check() {
  new_case
  echo secret >"$CASE/secret"
  local pol
  pol=$(marker_policy $'[secrets]\nkey = '"$CASE/secret")
  jh --check "$pol"
  expect_rc "fault:secret-deleted-after-check:check-passes" 0
  rm "$CASE/secret"
  jh "$pol"
  expect_rc "fault:secret-deleted-after-check:exit-243" 243
  expect_match "fault:secret-deleted-after-check:message" "secrets: cannot read $CASE/secret" "$ERR"
  expect_nothing_ran "fault:secret-deleted-after-check"
}

test_secret_replaced_by_symlink() {
  new_case
  echo secret >"$CASE/secret"
  local pol
  pol=$(marker_policy $'[secrets]\nkey = '"$CASE/secret")
  jh --check "$pol"
  rm "$CASE/secret"
  ln -s /etc/shadow "$CASE/secret"
  jh "$pol"
  expect_rc "fault:secret-replaced-by-symlink:exit-243" 243
  expect_match "fault:secret-replaced-by-symlink:message" "is a symlink" "$ERR"
  expect_nothing_ran "fault:secret-replaced-by-symlink"
}

test_tmp_full() {
  new_case
  local pol
  pol=$(marker_policy "")
  # /tmp full on the host (in a private namespace of the test): the sandbox gets its own. A
  # copy of jharden runs, since the one under test may live below /tmp.
  local saved=$JHARDEN
  install -m 0755 "$JHARDEN" "$CASE/jharden"
  JHARDEN=$CASE/jharden
  JH_WRAP=(unshare -m --propagation private sh -c
    'mount -t tmpfs -o size=64k none /tmp && dd if=/dev/zero of=/tmp/fill bs=4k 2>/dev/null; exec "$@"' sh)
  jh "$pol"
  JH_WRAP=()
  JHARDEN=$saved
  expect_rc "fault:host-tmp-full:daemon-still-starts" 0
  expect_true "fault:host-tmp-full:daemon-ran" "the daemon did not run" test -e "$CASE/ran"
}

test_policy_dir_unreadable() {
  new_case
  mkdir -m 0755 "$CASE/dir"
  local pol=$CASE/dir/unreadable.conf
  : >"$pol"
  chmod 0000 "$CASE/dir"
  # As an ordinary user the directory cannot be searched (root would pass through).
  JH_WRAP=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  jh --check --policy-dir "$CASE/dir" unreadable.conf
  JH_WRAP=()
  chmod 0755 "$CASE/dir"
  expect_rc "fault:policy-dir-unreadable:exit-78" 78
  expect_match "fault:policy-dir-unreadable:message" "not found in $CASE/dir|Permission denied" "$ERR"
}

test_user_removed_after_check() {
  new_case
  local pol
  pol=$(policy <<P
[service]
exec = /bin/sh -c "echo ran >$CASE/ran"
user = jharden-soak-user
P
)
  useradd --system --no-create-home jharden-soak-user
  jh --check "$pol"
  expect_rc "fault:user-removed-after-check:check-passes" 0
  userdel jharden-soak-user
  jh "$pol"
  expect_rc "fault:user-removed-after-check:exit-217" 217
  expect_match "fault:user-removed-after-check:message" 'unknown user "jharden-soak-user"' "$ERR"
  expect_nothing_ran "fault:user-removed-after-check"
}

test_unknown_syscall() {
  new_case
  local pol
  pol=$(marker_policy $'[seccomp]\ndeny = no_such_syscall_at_all')
  jh "$pol"
  expect_rc "fault:syscall-unknown-to-libseccomp:exit-78" 78
  expect_match "fault:syscall-unknown-to-libseccomp:message" 'unknown syscall: "no_such_syscall_at_all"' "$ERR"
  expect_nothing_ran "fault:syscall-unknown-to-libseccomp"
}

# A mount that fails half-way: inside root=, the tmpfs on /real is established first, then the
# bind onto /target fails because a symlink was planted there. The namespace dies with
# jharden, so the established mounts go with it.
test_mount_fails_half_way() {
  new_case
  local pol before after
  mkdir -p "$CASE/src" "$CASE/root/usr" "$CASE/root/etc" "$CASE/root/tmp" "$CASE/root/real"
  ln -s /etc "$CASE/root/target"
  pol=$(policy <<P
[service]
exec = /bin/sh -c "echo ran >$CASE/ran"
[filesystem]
root = $CASE/root
tmpfs = /real
bind = $CASE/src:/target
P
)
  before=$(snapshot)
  jh "$pol"
  after=$(snapshot)
  expect_rc "fault:mount-fails-half-way:exit-226" 226
  expect_match "fault:mount-fails-half-way:message" "mounts: .*/target.*symlink" "$ERR"
  expect_nothing_ran "fault:mount-fails-half-way"
  expect_same "fault:mount-fails-half-way:nothing-left-mounted" "$before" "$after"
}

test_cycles
test_concurrent
test_abandoned_children
test_secret_deleted_after_check
test_secret_replaced_by_symlink
test_tmp_full
test_policy_dir_unreadable
test_user_removed_after_check
test_unknown_syscall
test_mount_fails_half_way
e2e_finish
