#!/bin/bash
# escapes.sh — every row of threats.md, attacked from inside (or set up from outside)
# and observed from outside. Case names start with the threat:
#
#   chroot-escape:*        nested chroot + "cd .." in root= mode
#   host-namespaces:*      nsenter/setns, /proc/1/root, /proc/PID/root of a host process
#   leaked-fds:*           fds and cwd of the caller (runc CVE-2024-21626), jharden's own
#                          exec channel with notify = exec
#   symlink-target:*       a symlink planted at a mount target (runc CVE-2021-30465)
#   fake-dev-null:*        a fake /dev/null for masking (runc CVE-2025-31133)
#   read-only:*            read-only that isn't (submounts, remount, user namespaces)
#   mounts-leak:*          mounts propagating to the host
#   uid0-no-sys-admin:*    /proc/sys, sysrq, /sys, raw disks, mknod as root
#   cap-leftovers:*        inheritable/ambient caps, setuid and file caps after NNP
#   terminal-injection:*   TIOCSTI into the caller's terminal (bwrap CVE-2017-5226), and
#                          host-fd-*: into a host process's terminal through /proc/PID/fd
#   terminal-outside-dev:* into a host process's terminal through a devpts mounted again
#                          outside /dev (Landlock's device ioctl right, or the filter's rule)
#   pid-signals:*          SIGIO of a terminal (FIOASYNC) to its foreground process group on
#                          the host, from a PID namespace (Landlock's signal scope)
#   seccomp-abi:*          x32 and i386 system calls
#   seccomp-program:*      the compiled filter at its edges: other ABIs, -1, numbers past the
#                          table, argument registers with their upper half set; a shipped
#                          policy's program compiled at build time, the same as compiled now
#   seccomp-ssb:*          speculative store bypass mitigation forced by the filter
#   argv-injection:*       options and shell syntax after "--" (firejail CVE-2020-17367)
#   hostile-policy:*       insecure, huge, binary or out-of-range policy files; bytes that are
#                          not UTF-8 in --print --json and --analyze --json
#   secrets-left:*         secret content left in mounts, env, output or on disk
#   concurrency:*          20 instances of one policy at once
#   mount-table-size:*     start-up with 1000 extra mounts (systemd#42375; no timing)
#   file-handles:*         open_by_handle_at around read-only trees, /tmp, secrets, root= (Shocker)
#   joining-namespaces:*   setns into a host user namespace, unshare/clone, syscalls unknown
#                          to libseccomp
#   setuid-planting:*      set-user-ID/set-group-ID files left on the host's writable tree,
#                          also through io_uring, which no seccomp argument rule sees
#   file-capabilities:*    file capabilities (cap_setuid+ep) planted on the host's writable
#                          tree, a set-user-ID bit kept through a write by root
#   personality:*, realtime:*  personality(2) and realtime scheduling as root
#   complain-log:*         a daemon under --complain forging or splitting jharden's log
#                          lines through the names it chooses (a path, its comm)
#   keyrings:*             uid 0's user keyring shared with the host
#   verify-rows:*          --verify rows follow the policy; each fails when its protection is
#                          missing (a test-only LD_PRELOAD shim takes it out, lib/fault_shim.c);
#                          mount-*: a mount skipped (what was there stays), a bind of another
#                          tree, procfs without hidepid=/subset=
#   working-directory:*    working_directory replaced by a magic link (runc CVE-2024-21626)
#   session-terminal:*     started as a session leader holding a terminal (TTYPath=, setsid -c);
#                          reacquire-*: the daemon takes it back (TIOCSCTTY) and pushes input
#   inherited-environment:* an over-counted $LISTEN_FDS, a $NOTIFY_SOCKET that is no socket
#   self-hardening-unit:*  jharden started inside a unit's own sandbox (here: jharden's)
#   swapped-paths:*        a user swaps a directory of root=, a secret, a bind source, a drop-in dir
#                          (user-owned-*: a directory she owns, swapped without any symlink)
#   readiness-helper:*     a library planted in the unit's $LD_LIBRARY_PATH by the daemon, loaded
#                          by the readiness helper outside the sandbox
#   notify-socket:*        the daemon speaking to $NOTIFY_SOCKET itself unless notify = daemon
#   hiding:*               hidden sources and inaccessible paths through binds of their parents
#   kernel-views:*         procfs and sysfs reached at other mount points
#   bind-flags:*           device nodes and set-user-ID programs under a bind source; --print
#                          --json of every shipped policy against mountinfo inside
#   mask-flags:*           a masked directory (an empty tmpfs) mounted without nodev, unlike
#                          every other mask; its --verify row, failing without nodev
#   mount-point-modes:*    mount points jharden creates, under umask 077
#   proc-entries:*         /proc/PID/root, cwd, mem of a host process or another sandbox,
#                          as root switched to its uid (Landlock's ptrace scoping); the
#                          --verify rows of Landlock, each failing without it (fault shim)
#   landlock:*             writes that get around a mount: a file handle, a late host mount
#                          (also inside procfs, left to propagation = private); and what an
#                          ordinary daemon must still be able to write
#   (also read-only:dev-shm-*, kernel-views:inaccessible-proc-*, secrets-left:*credentials*:
#   where jharden's semantics differed from systemd's, test_semantics_attacks)
#   private-users:*        root's capabilities inside a user namespace (user = yes) used on the
#                          host's files and processes of other users, on the mount table
#   cgroup-namespace:*     the host's cgroup tree seen and changed from inside (cgroup = yes)
#   net-sysfs:*            the host's interfaces in /sys/class/net with net = yes
#   address-families:*     sockets of families the policy leaves out, io_uring around them
#   capabilities:*         a capability in keep that jharden itself does not hold (218, not
#                          silently dropped)
#   write-execute:*        memory writable and executable at once, or made executable later
#   seccomp-errno:*        the errno of each refused call, and action = log
#   setup-under-filter:*   a filter that refuses set-up calls (deny = @privileged without
#                          no_new_privs), and one that refuses what jharden needs after it
#   policy-conflicts:*     capabilities and syscalls cancelled silently between lines
#
# Usage: bash escapes.sh JHARDEN_BINARY REPO_ROOT   (as root)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.bash
source "$HERE/lib/common.bash"

HELPER=""  # the static escape helper, when it could be built

build_helper() {
  if gcc -static -O2 -o "$TOP/escape_helper" "$HERE/lib/escape_helper.c" 2>"$TOP/helper.err"; then
    HELPER="$TOP/escape_helper"
  else
    echo "# escape_helper not built (gcc -static, libc6-dev): $(head -c 300 "$TOP/helper.err")"
  fi
}

# need_helper NAME: skips NAME when the helper is missing.
need_helper() {
  [[ -n $HELPER ]] && return 0
  skip "$1" "needs gcc -static (apt-get install gcc libc6-dev)"
  return 1
}

# helper_root DIR: a minimal root= tree with the escape helper in /bin.
helper_root() {
  make_busybox_root "$1"
  [[ -n $HELPER ]] && install -m 0755 "$HELPER" "$1/bin/escape_helper"
}

# ---------------------------------------------------------------- chroot escape

test_chroot_escape() {
  if ! have_static_busybox; then
    skip chroot-escape:nested-chroot-in-root-mode "needs busybox-static"
    return
  fi
  need_helper chroot-escape:nested-chroot-in-root-mode || return
  new_case
  helper_root "$CASE/root"
  local marker="$TOP/host-only-marker"
  touch "$marker"

  # Control: in a plain chroot(8), the attack climbs out (so the probe works).
  local control
  control=$(chroot "$CASE/root" /bin/escape_helper chroot-escape "$marker" 2>&1)
  rm -rf "$CASE/root/tmp/jh-escape"
  expect_eq chroot-escape:control-plain-chroot-escapes escaped "$control"

  # In root mode, with chroot(2) allowed (no seccomp deny list, CAP_SYS_CHROOT kept).
  local pol
  pol=$(policy <<EOF
[filesystem]
root = $CASE/root
[seccomp]
deny =
EOF
)
  jh "$pol" -- /bin/escape_helper chroot-escape "$marker"
  expect_rc chroot-escape:nested-chroot-in-root-mode:exit-0 0
  expect_eq chroot-escape:nested-chroot-in-root-mode contained "$OUT"

  jh "$pol" -- /bin/cat /proc/self/mountinfo
  local host_root
  host_root=$(awk '$5 == "/" { print $3, $4 }' /proc/self/mountinfo | tail -1)
  expect_eq chroot-escape:old-root-not-in-mountinfo "" "$(awk -v hr="$host_root" '($3 " " $4) == hr' <<<"$OUT")"
  expect_no_match chroot-escape:no-old-root-mount-point ' /(old|\.old|oldroot|\.pivot)' "$OUT"

  # With the default deny list, chroot(2) itself is refused.
  pol=$(policy default.conf <<EOF
[filesystem]
root = $CASE/root
EOF
)
  jh "$pol" -- /bin/escape_helper chroot-escape "$marker"
  expect_eq chroot-escape:chroot-refused-by-default-filter chroot:EPERM "$OUT"
}

# ---------------------------------------------------------------- host namespaces

test_host_namespaces() {
  local host_pid
  sleep 300 &
  host_pid=$!
  on_exit kill "$host_pid"
  new_case
  local pol body
  pol=$(empty_policy)
  body="
r nsenter_mnt nsenter --mount=/proc/1/ns/mnt /bin/true
r nsenter_all nsenter -t 1 -a /bin/true
p setns_mnt setns /proc/1/ns/mnt
p setns_pid setns /proc/1/ns/pid
p proc1_root ls /proc/1/root
p host_root ls /proc/$host_pid/root
p host_root_file read /proc/$host_pid/root/etc/hostname
p host_cwd ls /proc/$host_pid/cwd
"
  run_probe "$pol" "$body"
  expect_ne host-namespaces:nsenter-mount-ns-of-pid1 0 "$(field nsenter_mnt)"
  expect_ne host-namespaces:nsenter-all-ns-of-pid1 0 "$(field nsenter_all)"
  expect_match host-namespaces:setns-mnt-refused '^E(PERM|ACCES)$' "$(field setns_mnt)"
  expect_match host-namespaces:setns-pid-refused '^E(PERM|ACCES)$' "$(field setns_pid)"
  expect_match host-namespaces:proc1-root-refused '^ERR:E(PERM|ACCES)$' "$(field proc1_root)"
  expect_match host-namespaces:host-process-root-refused '^ERR:E(PERM|ACCES)$' "$(field host_root)"
  expect_match host-namespaces:host-process-root-file-refused '^ERR:E(PERM|ACCES)$' "$(field host_root_file)"
  expect_match host-namespaces:host-process-cwd-refused '^ERR:E(PERM|ACCES)$' "$(field host_cwd)"

  pol=$(policy pid.conf <<'EOF'
[namespaces]
pid = yes
EOF
)
  run_probe "$pol" "
p host_root ls /proc/$host_pid/root
r nsenter_mnt nsenter --mount=/proc/1/ns/mnt /bin/true
echo \"pid1=\$(cat /proc/1/comm)\"
"
  expect_match host-namespaces:pid-ns-host-process-invisible '^ERR:E(NOENT|PERM|ACCES)$' "$(field host_root)"
  expect_ne host-namespaces:pid-ns-nsenter-init-refused 0 "$(field nsenter_mnt)"
  expect_field host-namespaces:pid-ns-pid1-is-sandbox-init pid1 jharden
}

# ---------------------------------------------------------------- leaked fds / cwd

test_leaked_fds() {
  new_case
  local pol body
  pol=$(empty_policy)
  body='
p fds fds $$
echo "cwd=$(readlink /proc/$$/cwd)"
echo "pwd=$(pwd)"
echo "parent_listing=$(ls .. | tr "\n" ,)"
'
  local hostdir
  hostdir=$(mktemp -d /tmp/jharden-e2e-cwd.XXXXXX)
  on_exit rm -rf "$hostdir"
  touch "$hostdir/host-cwd-marker"
  exec 7</etc/hostname 9<"$hostdir" 200<"$CASE"
  cd "$hostdir" || return
  run_probe "$pol" "$body"
  local plain_out=$OUT
  pol=$(policy pid.conf <<'EOF'
[namespaces]
pid = yes
EOF
)
  run_probe "$pol" "$body"
  local pid_out=$OUT
  cd / || return
  exec 7<&- 9<&- 200<&-

  OUT=$plain_out
  expect_field leaked-fds:only-stdio fds 0,1,2
  expect_field leaked-fds:cwd-not-host-directory cwd /
  expect_field leaked-fds:pwd-is-working-directory pwd /
  expect_no_match leaked-fds:cwd-dotdot-not-host 'host-cwd-marker' "$(field parent_listing)"
  OUT=$pid_out
  expect_field leaked-fds:pid-ns-only-stdio fds 0,1,2
  expect_field leaked-fds:pid-ns-cwd-not-host-directory cwd /

  # Root mode, started from a host directory.
  if have_static_busybox; then
    new_case
    helper_root "$CASE/root"
    pol=$(policy <<EOF
[filesystem]
root = $CASE/root
EOF
)
    exec 9<"$TOP"
    cd "$TOP" || return
    # Only builtins look at the fds: a command substitution or a redirection would make
    # the shell itself hold an extra fd.
    jh "$pol" -- /bin/sh -c '
echo "cwd=$(readlink /proc/$$/cwd)"
echo "up=$(ls ../../.. | tr "\n" ,)"
for fd in 0 1 2 3 4 5 6 7 8 9 11 12 13 200; do
  if [ -e /proc/$$/fd/$fd ]; then echo "fd=$fd"; fi
done'
    cd / || return
    exec 9<&-
    expect_field leaked-fds:root-mode-cwd-is-new-root cwd /
    expect_eq leaked-fds:root-mode-only-stdio "fd=0 fd=1 fd=2" "$(grep '^fd=' <<<"$OUT" | xargs)"
    expect_no_match leaked-fds:root-mode-dotdot-stays-inside 'probe.py|case\.' "$(field up)"
  fi

  # LISTEN_FDS meant for another process: not passed on.
  new_case
  cp "$HERE/lib/socket_activate.py" "$CASE/"
  pol=$(empty_policy)
  timeout -k 5 "$JH_TIMEOUT" $PY "$CASE/socket_activate.py" --pid-offset 1 "$CASE/port" "$JHARDEN" "$pol" -- \
    /bin/sh -c "$(prelude)"$'\np fd3 listen-fd 3\np fds fds $$' </dev/null >"$CASE/.out" 2>"$CASE/.err"
  RC=$?
  OUT=$(<"$CASE/.out")
  ERR=$(<"$CASE/.err")
  expect_field leaked-fds:listen-fds-for-other-pid-closed fd3 closed
  expect_field leaked-fds:listen-fds-for-other-pid-only-stdio fds 0,1,2

  # Started with 0-2 closed: /dev/null takes their place, as systemd's StandardInput=null,
  # not the first descriptors jharden opens for itself (a pipe of its own was the daemon's
  # standard input). --complain's listener too.
  new_case
  local name args
  for name in plain pid complain; do
    case $name in
      plain) args=("$(empty_policy)") ;;
      pid) args=("$(printf '[namespaces]\npid = yes\n' | policy pid.conf)") ;;
      complain) args=(--complain "$(empty_policy)") ;;
    esac
    rm -f "$CASE/fds.out"
    timeout -k 5 "$JH_TIMEOUT" "$JHARDEN" "${args[@]}" -- /bin/sh -c \
      'exec 9>"$1"; for f in 0 1 2; do echo "fd$f=$(readlink /proc/$$/fd/$f)" >&9; done' \
      sh "$CASE/fds.out" 0<&- 1>&- 2>&-
    RC=$?
    OUT=$(cat "$CASE/fds.out" 2>/dev/null)
    expect_rc "leaked-fds:closed-stdio-$name-runs" 0
    expect_eq "leaked-fds:closed-stdio-$name-get-dev-null" "fd0=/dev/null fd1=/dev/null fd2=/dev/null" \
      "$(xargs <<<"$OUT")"
  done
}

# With notify = exec, jharden's end of the exec channel (a socket to the readiness helper,
# or to jharden in front) is open until execve: the daemon must not inherit it, in place or
# in a PID namespace. The READY=1 seen by the listener shows that the channel existed.
test_leaked_fds_notify() {
  new_case
  local sock=$CASE/notify.sock log=$CASE/notify.log listener pol saved_wrap
  $PY "$HERE/lib/notify_listener.py" "$sock" "$log" </dev/null >/dev/null 2>&1 &
  listener=$!
  on_exit kill "$listener"
  wait_for_file "$log" 10
  saved_wrap=("${JH_WRAP[@]}")
  JH_WRAP=(env NOTIFY_SOCKET="$sock")
  # The daemon lives on a little: READY=1 is credited to it, which needs it alive.
  run_probe "$(empty_policy)" 'p fds fds $$
sleep 0.5'
  expect_field leaked-fds:notify-exec-only-stdio fds 0,1,2
  pol=$(policy pid.conf <<'EOF'
[namespaces]
pid = yes
EOF
)
  run_probe "$pol" 'p fds fds $$'
  expect_field leaked-fds:notify-exec-pid-ns-only-stdio fds 0,1,2
  JH_WRAP=("${saved_wrap[@]}")
  local ready
  ready=$(grep -c 'READY=1' "$log")
  expect_eq leaked-fds:notify-exec-channel-was-used 2 "$ready"
  kill "$listener" 2>/dev/null
}

# ---------------------------------------------------------------- symlinked targets

test_symlink_targets() {
  local pol
  new_case
  mkdir "$CASE/src" "$CASE/victim"
  echo victim >"$CASE/victim/file"
  ln -s "$CASE/victim" "$CASE/link"
  pol=$(policy <<EOF
[filesystem]
bind = $CASE/src:$CASE/link
EOF
)
  jh "$pol" -- /usr/bin/touch "$CASE/ran"
  expect_rc symlink-target:bind-target-refused 226
  expect_true symlink-target:bind-target-nothing-ran "the daemon ran" test ! -e "$CASE/ran"

  new_case
  mkdir "$CASE/victim"
  ln -s "$CASE/victim" "$CASE/lnkdir"
  pol=$(policy <<EOF
[filesystem]
tmpfs = $CASE/lnkdir/sub
EOF
)
  jh "$pol" -- /bin/true
  expect_rc symlink-target:intermediate-component-refused 226
  expect_true symlink-target:intermediate-component-no-dir-created-on-victim "$CASE/victim/sub created" \
    test ! -e "$CASE/victim/sub"

  new_case
  mkdir "$CASE/victim"
  ln -s "$CASE/victim" "$CASE/seclink"
  printf 'jh-e2e-symlink-secret' >"$CASE/s.key"
  pol=$(policy <<EOF
[secrets]
directory = $CASE/seclink
hide_sources = no
s = $CASE/s.key
EOF
)
  jh "$pol" -- /bin/true
  expect_rc symlink-target:secrets-directory-refused 226
  expect_eq symlink-target:secrets-directory-victim-untouched "" "$(ls -A "$CASE/victim")"

  new_case
  echo victim >"$CASE/victim-file"
  ln -s "$CASE/victim-file" "$CASE/masklink"
  pol=$(policy <<EOF
[filesystem]
mask = $CASE/masklink
EOF
)
  jh "$pol" -- /bin/cat "$CASE/victim-file"
  expect_rc symlink-target:mask-target-refused 226
  expect_true symlink-target:mask-target-not-followed "the link's target was masked: exit $RC, read '$OUT'" \
    test "$RC" = 226 -o "$OUT" = victim

  # Inside a new root: directories of the tree replaced by symlinks to host paths.
  if have_static_busybox; then
    new_case
    helper_root "$CASE/root"
    mkdir "$CASE/victim"
    echo victim >"$CASE/victim/file"
    ln -s "$CASE/victim" "$CASE/root/data"
    pol=$(policy <<EOF
[filesystem]
root = $CASE/root
tmpfs = /data
EOF
)
    jh "$pol" -- /bin/true
    expect_rc symlink-target:root-mode-tmpfs-target-refused 226
    expect_eq symlink-target:root-mode-victim-untouched file "$(ls -A "$CASE/victim")"

    new_case
    helper_root "$CASE/root"
    mkdir "$CASE/victim"
    rmdir "$CASE/root/usr"
    ln -s "$CASE/victim" "$CASE/root/usr"
    pol=$(policy <<EOF
[filesystem]
root = $CASE/root
EOF
)
    jh "$pol" -- /bin/touch /usr/written-through-symlink
    expect_true symlink-target:root-mode-default-read-only-usr-not-followed \
      "exit $RC; the host path was written or mounted" \
      test "$RC" = 226 -o ! -e "$CASE/victim/written-through-symlink"
    expect_rc symlink-target:root-mode-default-read-only-usr-refused 226
  fi
}

# ---------------------------------------------------------------- fake /dev/null

test_fake_dev_null() {
  local pol JH_WRAP
  new_case
  echo writable >"$CASE/fake-null"
  pol=$(empty_policy)
  ns_setup "mount --bind $CASE/fake-null /dev/null"
  jh "$pol" -- /usr/bin/touch "$CASE/ran"
  expect_rc fake-dev-null:regular-file-refused 226
  expect_match fake-dev-null:regular-file-message '/dev/null' "$ERR"
  expect_true fake-dev-null:regular-file-nothing-ran "the daemon ran" test ! -e "$CASE/ran"

  pol=$(policy nodev.conf <<'EOF'
[filesystem]
private_dev = no
EOF
)
  jh "$pol" -- /usr/bin/touch "$CASE/ran"
  expect_rc fake-dev-null:regular-file-refused-without-private-dev 226

  ns_setup "mount --bind /dev/zero /dev/null"
  pol=$(empty_policy)
  jh "$pol" -- /usr/bin/touch "$CASE/ran"
  expect_rc fake-dev-null:other-char-device-refused 226

  # /dev/null a symlink to a writable file, every other node genuine.
  ns_setup "
mount -t tmpfs -o mode=0755 jh-e2e-dev /dev
mknod -m 0666 /dev/zero c 1 5
mknod -m 0666 /dev/full c 1 7
mknod -m 0666 /dev/random c 1 8
mknod -m 0666 /dev/urandom c 1 9
mknod -m 0666 /dev/tty c 5 0
ln -s $CASE/fake-null /dev/null"
  jh "$pol" -- /usr/bin/touch "$CASE/ran"
  expect_rc fake-dev-null:symlink-refused 226
  expect_eq fake-dev-null:symlink-target-untouched writable "$(cat "$CASE/fake-null")"
  expect_true fake-dev-null:symlink-nothing-ran "the daemon ran" test ! -e "$CASE/ran"

  # The private /dev's nodes are made by their numbers: a host /dev/tty that is a file changes
  # nothing inside. Where mknod is refused they are the host's, bound, and each must be the
  # device of its number.
  echo writable >"$CASE/fake-tty"
  ns_setup "mount --bind $CASE/fake-tty /dev/tty"
  jh "$pol" -- /usr/bin/stat -c '%F %t:%T' /dev/tty
  expect_rc fake-dev-null:private-dev-nodes-by-number-exit-0 0
  expect_eq fake-dev-null:private-dev-tty-is-5-0 "character special file 5:0" "$OUT"
  if build_fault_shim; then
    with_fault_shim mknod-refused jh "$pol" -- /usr/bin/touch "$CASE/ran"
    expect_rc fake-dev-null:bound-tty-file-refused 226
    expect_match fake-dev-null:bound-tty-file-message '/dev/tty is not the character device 5:0' \
      "$ERR"
    expect_true fake-dev-null:bound-tty-nothing-ran "the daemon ran" test ! -e "$CASE/ran"
    ns_setup "mount --bind /dev/zero /dev/urandom"
    with_fault_shim mknod-refused jh "$pol" -- /usr/bin/touch "$CASE/ran"
    expect_rc fake-dev-null:bound-urandom-other-device-refused 226
  else
    skip fake-dev-null:bound-tty-file-refused "needs gcc and libseccomp-dev to build the fault shim"
  fi
}

# ---------------------------------------------------------------- read-only that isn't

test_read_only() {
  local pol JH_WRAP
  new_case
  mkdir -p "$CASE/bindsrc"
  pol=$(empty_policy)
  # Submounts under /usr with their own flags, in a namespace of this test.
  ns_setup "
mount -t tmpfs -o size=1m,nosuid,nodev,noexec jh-e2e-sub /usr/local
mkdir -p /usr/local/lib
mount --bind $CASE/bindsrc /usr/local/lib"
  run_probe "$pol" '
p tmpfs_sub write /usr/local/x
p tmpfs_flags vfsflags /usr/local
p bind_sub write /usr/local/lib/x
r remount mount -o remount,rw /usr
r remount_sub mount -o remount,rw /usr/local
r remount_bind mount -o remount,bind,rw /usr/local/lib
p remount_syscall mount none /usr/local/lib none 0x20
p after tmpfs_sub write /usr/local/x
r umount_mask umount /proc/loadavg
p umount_mask_syscall umount /proc/loadavg
p umount_mask_detach umount2-detach /proc/loadavg
p loadavg read-size /proc/loadavg
r userns unshare -Urm /bin/sh -c "mount -o remount,rw /usr 2>/dev/null || mount -o remount,bind,rw /usr; touch /usr/jh-e2e-userns"
'
  on_exit rm -f /usr/jh-e2e-userns
  expect_rc read-only:exit-0 0
  expect_field read-only:tmpfs-submount-erofs tmpfs_sub EROFS
  expect_field read-only:submount-keeps-nosuid-nodev-noexec tmpfs_flags ro,nosuid,nodev,noexec
  expect_field read-only:bind-submount-erofs bind_sub EROFS
  expect_true read-only:bind-submount-source-untouched "written to the bind source" test ! -e "$CASE/bindsrc/x"
  expect_ne read-only:remount-usr-rw-refused 0 "$(field remount)"
  expect_ne read-only:remount-submount-rw-refused 0 "$(field remount_sub)"
  expect_ne read-only:remount-bind-rw-refused 0 "$(field remount_bind)"
  expect_field read-only:remount-syscall-refused remount_syscall EPERM
  expect_ne read-only:umount-of-mask-refused 0 "$(field umount_mask)"
  expect_field read-only:umount-syscall-of-mask-refused umount_mask_syscall EPERM
  expect_field read-only:lazy-umount-of-mask-refused umount_mask_detach EPERM
  expect_field read-only:mask-still-in-place loadavg 0
  expect_ne read-only:user-namespace-remount-refused 0 "$(field userns)"
  expect_true read-only:user-namespace-host-usr-untouched "/usr/jh-e2e-userns exists on the host" \
    test ! -e /usr/jh-e2e-userns

  # Without the seccomp filter a user namespace can be made inside, with every
  # capability in it: the kernel's lock on the read-only flag must still hold.
  new_case
  mkdir -p "$CASE/tree"
  pol=$(policy <<EOF
[filesystem]
read_only = $CASE/tree
[seccomp]
deny =
EOF
)
  run_probe "$pol" "
r userns unshare -Urm /bin/sh -c 'mount -o remount,bind,rw $CASE/tree; touch $CASE/tree/x'
p direct write $CASE/tree/y
p umount_mask umount /proc/loadavg
p loadavg read-size /proc/loadavg
"
  expect_field read-only:policy-path-erofs-without-filter direct EROFS
  expect_field read-only:umount-of-mask-refused-without-filter umount_mask EPERM
  expect_field read-only:mask-still-in-place-without-filter loadavg 0
  expect_true read-only:policy-path-user-namespace-cannot-unlock "files written to the read-only tree" \
    test ! -e "$CASE/tree/x" -a ! -e "$CASE/tree/y"
}

# ---------------------------------------------------------------- mounts leaking

# While the daemon runs, the mount table of the namespace jharden was started from (made
# shared, as systemd makes "/") must not change.
test_mounts_leak() {
  local name pol
  for name in slave private; do
    new_case
    pol=$(policy <<EOF
[filesystem]
propagation = $name
tmpfs = $CASE/inside-tmpfs
EOF
)
    OUT=$(unshare -m --propagation private /bin/bash -c '
ready=$1; shift
mount --make-rshared /
before=$(cat /proc/self/mountinfo)
"$@" </dev/null >/dev/null 2>&1 &
jp=$!
for i in $(seq 100); do [ -e "$ready" ] && break; sleep 0.1; done
[ -e "$ready" ] && echo started=yes || echo started=no
if [ "$before" = "$(cat /proc/self/mountinfo)" ]; then echo during=same; else echo during=changed; fi
kill $jp; wait $jp
if [ "$before" = "$(cat /proc/self/mountinfo)" ]; then echo after=same; else echo after=changed; fi
' bash "$CASE/ready" "$JHARDEN" "$pol" -- /bin/sh -c "touch $CASE/ready; exec sleep 60" 2>&1)
    RC="?"
    ERR=""
    expect_field "mounts-leak:$name-daemon-started" started yes
    expect_field "mounts-leak:$name-nothing-propagates-while-running" during same
    expect_field "mounts-leak:$name-nothing-left-after-stop" after same
    expect_true "mounts-leak:$name-tmpfs-target-empty-on-host" "files under the tmpfs target" \
      test -z "$(ls -A "$CASE/inside-tmpfs" 2>/dev/null)"
  done
}

# ---------------------------------------------------------------- uid 0 without CAP_SYS_ADMIN

test_uid0() {
  new_case
  local pol sysfile blk
  pol=$(empty_policy)
  sysfile=$(find /sys/kernel /sys/power /sys/module -maxdepth 3 -type f -perm -200 2>/dev/null | head -1)
  blk=$(find /dev -maxdepth 1 -type b -print -quit)
  run_probe "$pol" "
p procsys open-w /proc/sys/kernel/domainname
p sysrq open-w /proc/sysrq-trigger
p sysfile open-w ${sysfile:-/sys/kernel/jh-none}
p blk read-size ${blk:-/dev/vda}
p mem read-size /dev/mem
p mknod_blk_tmp mknod /tmp/jh-disk b 8 0
p mknod_blk_host mknod $CASE/jh-disk b 8 0
p mknod_mem_host mknod $CASE/jh-mem c 1 1
p kmsg read-size /proc/kmsg
"
  expect_field uid0-no-sys-admin:proc-sys-write-erofs procsys EROFS
  if [[ -e /proc/sysrq-trigger ]]; then
    expect_field uid0-no-sys-admin:sysrq-trigger-erofs sysrq EROFS
  else
    skip uid0-no-sys-admin:sysrq-trigger-erofs "this kernel has no /proc/sysrq-trigger"
  fi
  if [[ -n $sysfile ]]; then
    expect_field uid0-no-sys-admin:sysfs-write-erofs sysfile EROFS
  else
    skip uid0-no-sys-admin:sysfs-write-erofs "no writable sysfs attribute found"
  fi
  expect_field uid0-no-sys-admin:host-disk-absent blk ENOENT
  expect_field uid0-no-sys-admin:dev-mem-absent mem ENOENT
  expect_match uid0-no-sys-admin:mknod-block-in-tmp-refused '^E(PERM|ACCES)$' "$(field mknod_blk_tmp)"
  expect_field uid0-no-sys-admin:mknod-block-on-host-fs-refused mknod_blk_host EPERM
  expect_field uid0-no-sys-admin:mknod-mem-on-host-fs-refused mknod_mem_host EPERM
  expect_true uid0-no-sys-admin:no-device-node-on-host "a device node was created" \
    test ! -e "$CASE/jh-disk" -a ! -e "$CASE/jh-mem"
  if [[ -e /proc/kmsg ]]; then
    expect_field uid0-no-sys-admin:kmsg-masked kmsg 0
  fi
}

# ---------------------------------------------------------------- capability leftovers

test_cap_leftovers() {
  new_case
  local pol
  pol=$(empty_policy)
  local control
  control=$(capsh --inh=cap_net_raw --addamb=cap_net_raw -- -c 'grep -E "^Cap(Inh|Amb)" /proc/self/status' 2>&1)
  if [[ $control != *CapInh:*0000000000002000*CapAmb:*0000000000002000* ]]; then
    skip cap-leftovers:inheritable-ambient-cleared "capsh could not set inheritable/ambient caps: $control"
  else
    local JH_WRAP=(capsh --inh=cap_net_raw --addamb=cap_net_raw --)
    # capsh -- ARGS runs /bin/bash ARGS: -c 'exec "$@"' passes jharden and its arguments.
    JH_WRAP+=(-c 'exec "$@"' capsh-shell)
    run_probe "$pol" 'p caps caps'
    expect_match cap-leftovers:inheritable-cleared 'CapInh=0000000000000000' "$(field caps)"
    expect_match cap-leftovers:ambient-cleared 'CapAmb=0000000000000000' "$(field caps)"
    pol=$(policy nobody.conf <<'EOF'
[service]
user = nobody
EOF
)
    run_probe "$pol" 'p caps caps'
    expect_match cap-leftovers:user-ambient-not-inherited \
      'CapInh=0000000000000000 CapPrm=0000000000000000 CapEff=0000000000000000 .*CapAmb=0000000000000000' \
      "$(field caps)"
  fi

  # Set-user-ID root and file capabilities give user nobody nothing under NNP. The
  # programs live in $CASE, on the root file system (not nosuid).
  new_case
  install -m 4755 -o root -g root /usr/bin/id "$CASE/suid-id"
  install -m 0755 /bin/cat "$CASE/fcap-cat"
  local have_fcaps=yes
  # A capability the default drop list keeps: for one it drops, execve itself fails.
  setcap cap_dac_override+ep "$CASE/fcap-cat" 2>/dev/null || have_fcaps=no
  local body="
echo \"suid_euid=\$($CASE/suid-id -u)\"
echo \"fcap_eff=\$($CASE/fcap-cat /proc/self/status | sed -n 's/^CapEff:\t//p')\"
"
  pol=$(policy <<'EOF'
[service]
user = nobody
EOF
)
  run_probe "$pol" "$body"
  expect_field cap-leftovers:setuid-root-gives-nothing-with-nnp suid_euid 65534
  if [[ $have_fcaps == yes ]]; then
    expect_field cap-leftovers:file-caps-give-nothing-with-nnp fcap_eff 0000000000000000
  else
    skip cap-leftovers:file-caps-give-nothing-with-nnp "setcap failed (libcap2-bin, file system xattrs)"
  fi
  # Control: without no_new_privileges the same programs do raise privileges, so the
  # two cases above test something.
  pol=$(policy nnp-no.conf <<'EOF'
[service]
user = nobody
[capabilities]
no_new_privileges = no
EOF
)
  run_probe "$pol" "$body"
  expect_field cap-leftovers:control-setuid-works-without-nnp suid_euid 0
  if [[ $have_fcaps == yes ]]; then
    expect_ne cap-leftovers:control-file-caps-work-without-nnp 0000000000000000 "$(field fcap_eff)"
  fi
}

# ---------------------------------------------------------------- terminal injection

# tiocsti_in_pty POLICY: runs jharden in a pseudo-terminal (script(1)); the daemon pushes
# "echo INJECTED" into the terminal; the shell that started jharden then reads the
# terminal for two seconds. Sets OUT to everything the terminal showed.
tiocsti_in_pty() {
  local cmd
  cmd="$(printf '%q ' timeout -k 5 "$JH_TIMEOUT" "$JHARDEN" "$1" -- $PY "$TOP/probe.py" tiocsti 'echo INJECTED')"
  cmd+="; read -r -t 2 line; echo \"GOT=[\$line]\""
  # script(1) passes an EOF into the terminal when its own input ends, which would end
  # the shell's read before the injected line: keep its input open while it runs.
  local feeder sleeper
  exec {feeder}< <(exec sleep 60)
  sleeper=$!
  OUT=$(SHELL=/bin/bash timeout -k 5 60 script -qec "$cmd" /dev/null <&"$feeder" 2>&1 | tr -d '\r')
  exec {feeder}<&-
  kill "$sleeper" 2>/dev/null
}

test_terminal_injection() {
  if ! command -v script >/dev/null; then
    skip terminal-injection:tiocsti-refused "script(1) is not installed (bsdutils)"
    return
  fi
  new_case
  local pol
  pol=$(empty_policy)
  tiocsti_in_pty "$pol"
  RC="?"
  ERR=""
  expect_match terminal-injection:tiocsti-on-stdin-refused 'fd0=E[A-Z]+' "$OUT"
  expect_match terminal-injection:dev-tty-unavailable 'tty=E[A-Z]+' "$OUT"
  expect_match terminal-injection:nothing-reaches-caller 'GOT=\[\]' "$OUT"

  local legacy
  legacy=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)
  if [[ $legacy == 0 ]]; then
    skip terminal-injection:control-new-session-no-injects "TIOCSTI is disabled on this kernel (dev.tty.legacy_tiocsti=0)"
  else
    pol=$(policy nosession.conf <<'EOF'
[service]
new_session = no
EOF
)
    tiocsti_in_pty "$pol"
    expect_match terminal-injection:control-new-session-no-injects 'GOT=\[echo INJECTED\]' "$OUT"
  fi
}

# terminal-injection:host-fd-*: no PID namespace and no Landlock, so the host's processes'
# descriptors are in /proc. A host process (uid 1) holds a pseudo-terminal that no session
# holds and reads it; the daemon, uid 1 too and started without any terminal, opens it through
# /proc/PID/fd, makes it its controlling terminal and pushes a line into it. The terminal rules
# were once left out here, where jharden itself held no terminal.
test_terminal_host_fd() {
  new_case
  write_terminal_attack
  local pol
  pol=$(policy host-fd.conf <<'EOF'
[service]
user = daemon
[filesystem]
landlock = no
EOF
)
  attack_terminal proc-fd
  expect_match terminal-injection:host-fd-opened 'open=OK' "$OUT"
  expect_match terminal-injection:host-fd-tiocsctty-refused 'sctty=EPERM' "$OUT"
  expect_match terminal-injection:host-fd-tiocsti-refused 'sti=EPERM' "$OUT"
  expect_match terminal-injection:host-fd-nothing-reaches-host 'GOT=\[\]' "$OUT"
  # Control: the rule taken out of the filter (fault shim), the line reaches the host.
  if can_inject terminal-injection:host-fd-control-injects; then
    attack_terminal proc-fd allow:ioctl
    expect_match terminal-injection:host-fd-control-injects 'GOT=\[echo INJECTED\]' "$OUT"
  fi
}

# terminal-outside-dev:*: the host's devpts mounted a second time outside /dev, as a chroot's
# /dev/pts is. The daemon, with the defaults (as root, and as uid 1) and no terminal of its
# own, opens the host process's pseudo-terminal there. Where Landlock keeps device ioctls to
# /dev (ABI 5), jharden adds no terminal rule to the filter and Landlock refuses the ioctls
# (EACCES); before ABI 5, or with landlock = no, the filter's rule refuses them (EPERM). The
# terminal rules were once left out here while Landlock restricted only writes.
test_terminal_outside_dev() {
  new_case
  write_terminal_attack
  mkdir "$CASE/pts"
  if ! mount --bind /dev/pts "$CASE/pts"; then
    fail terminal-outside-dev:setup "mount --bind /dev/pts $CASE/pts failed"
    return
  fi
  local pol abi who
  pol=$(empty_policy)
  jh --print "$pol"
  abi=$(grep -oE 'kernel ABI [0-9]+' <<<"$OUT" | grep -oE '[0-9]+$')
  if ((${abi:-0} >= 5)); then
    expect_match terminal-outside-dev:print-no-rule-landlock-keeps-ioctls \
      'terminal: no ioctl rule .*Landlock keeps device ioctls to /dev' "$OUT"
  else
    skip terminal-outside-dev:print-no-rule-landlock-keeps-ioctls "Landlock ABI ${abi:-none} < 5"
  fi
  for who in root daemon; do
    [[ $who == daemon ]] && pol=$(printf '[service]\nuser = daemon\n' | policy user.conf)
    attack_terminal "$CASE/pts"
    expect_match "terminal-outside-dev:$who-opened" 'open=OK' "$OUT"
    if ((${abi:-0} >= 5)); then
      expect_match "terminal-outside-dev:$who-tiocsctty-refused-by-landlock" 'sctty=EACCES' "$OUT"
      expect_match "terminal-outside-dev:$who-tiocsti-refused-by-landlock" 'sti=EACCES' "$OUT"
    else
      expect_match "terminal-outside-dev:$who-tiocsctty-refused-by-filter" 'sctty=EPERM' "$OUT"
      expect_match "terminal-outside-dev:$who-tiocsti-refused-by-filter" 'sti=EPERM' "$OUT"
    fi
    expect_match "terminal-outside-dev:$who-nothing-reaches-host" 'GOT=\[\]' "$OUT"
  done
  # The terminal taken by open() (the daemon leads its session and has none), then driven
  # through the private /dev's /dev/tty, where Landlock keeps no ioctl with new_session.
  ATTACK_MODE=ctty
  for who in root daemon; do
    pol=$(empty_policy)
    [[ $who == daemon ]] && pol=$(printf '[service]\nuser = daemon\n' | policy user.conf)
    attack_terminal "$CASE/pts"
    expect_match "terminal-outside-dev:$who-ctty-by-open-dev-tty" 'devtty=OK' "$OUT"
    if ((${abi:-0} >= 5)); then
      expect_match "terminal-outside-dev:$who-ctty-tiocsti-refused-by-landlock" 'sti=EACCES' "$OUT"
    else
      expect_match "terminal-outside-dev:$who-ctty-tiocsti-refused-by-filter" 'sti=EPERM' "$OUT"
    fi
    expect_match "terminal-outside-dev:$who-ctty-nothing-reaches-host" 'GOT=\[\]' "$OUT"
  done
  if build_fault_shim && ((${abi:-0} >= 5)); then
    # Control: /dev/tty granted its ioctls behind jharden's back.
    pol=$(empty_policy)
    attack_terminal "$CASE/pts" dev-tty-ioctl
    expect_match terminal-outside-dev:ctty-control-tiocsti-through-dev-tty 'sti=OK' "$OUT"
  fi
  ATTACK_MODE=""
  # landlock = no: the filter's rule.
  pol=$(printf '[filesystem]\nlandlock = no\n' | policy nolandlock.conf)
  attack_terminal "$CASE/pts"
  expect_match terminal-outside-dev:landlock-no-refused-by-filter 'sctty=EPERM.sti=EPERM' \
    "$(tr '\n' ' ' <<<"$OUT")"
  if ! build_fault_shim; then
    skip terminal-outside-dev:abi-4 "needs the fault shim"
  elif ((${abi:-0} < 5)); then
    skip terminal-outside-dev:abi-4 "the kernel's Landlock ABI (${abi:-none}) is below 5 already"
  else
    # A kernel before ABI 5 (the shim says 4): the rule is back in the filter.
    pol=$(empty_policy)
    jh_fault landlock-abi-4 --print "$pol"
    expect_match terminal-outside-dev:abi-4-print-rule \
      'terminal: ioctl .* refused .*Landlock ABI 4 does not keep device ioctls' "$OUT"
    attack_terminal "$CASE/pts" landlock-abi-4
    expect_match terminal-outside-dev:abi-4-refused-by-filter 'sctty=EPERM.sti=EPERM' \
      "$(tr '\n' ' ' <<<"$OUT")"
    # Control: Landlock without the device ioctl right behind jharden's back, and so no rule
    # either: the daemon takes the terminal and pushes its line.
    attack_terminal "$CASE/pts" no-ioctl-dev
    expect_match terminal-outside-dev:control-takes-terminal 'sctty=OK' "$OUT"
    if can_inject terminal-outside-dev:control-injects; then
      expect_match terminal-outside-dev:control-injects 'GOT=\[echo INJECTED\]' "$OUT"
    fi
  fi
  umount -l "$CASE/pts"
}

# pid-init-reduced:*: with pid = yes the daemon's first instructions must find PID 1 (jharden's
# init, outside the daemon's filter) already down to CAP_KILL, with no_new_privs and none of
# jharden's descriptors: a daemon that keeps CAP_SYS_PTRACE could otherwise write into an
# unfiltered process with every capability through /proc/1/mem. A static helper looks at once,
# twenty times: the race, where there is one, shows (a daemon started before the init had
# given them up saw its capabilities in two runs of five).
test_pid_init_reduced() {
  need_helper pid-init-reduced:first-look || return
  new_case
  local pol i out seen=""
  pol=$(printf '[namespaces]\npid = yes\n' | policy pid.conf)
  for ((i = 0; i < 20; i++)); do
    out=$("$JHARDEN" "$pol" -- "$HELPER" pid1-look 2>&1)
    [[ $out == "caps=0000000000000020 nnp=1 fds=3" ]] || seen+="run $i: $out; "
  done
  expect_eq pid-init-reduced:first-look "" "$seen"
}

# pid-signals:*: a terminal's SIGIO owner is its foreground process group, a host process
# group even from a PID namespace. jharden runs in the background of a terminal (descriptor 0)
# whose session leader on the host (uid 1) is in the foreground and reads it; the daemon,
# with pid = yes, arms FIOASYNC with F_SETSIG = SIGUSR1 on descriptor 0, and the host then
# types into the terminal. Landlock's signal scope (ABI 6), asked for with pid = yes, keeps
# the signal in the sandbox. The filter's terminal rules (a terminal is on 0-2 here) do not
# cover FIOASYNC.
test_pid_signals() {
  new_case
  cat >"$CASE/victim.py" <<'EOF'
import os, pty, select, signal, sys, time, fcntl, termios
m, s = pty.openpty()
child = os.fork()
if child == 0:
    os.close(m)
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    got = []
    signal.signal(signal.SIGUSR1, lambda *a: got.append(1))
    os.set_blocking(s, False)
    while not os.path.exists(sys.argv[1]):
        time.sleep(0.05)
        try:
            os.read(s, 1000)
        except OSError:
            pass
    print("SIGUSR1=%d" % len(got), flush=True)
    os._exit(0)
print(os.ttyname(s), flush=True)
while not os.path.exists(sys.argv[1]):
    os.write(m, b"x\n")
    time.sleep(0.1)
    while select.select([m], [], [], 0)[0]:
        os.read(m, 65536)
os.waitpid(child, 0)
EOF
  cat >"$CASE/sigio.py" <<'EOF'
import fcntl, os, signal, struct, time
fcntl.fcntl(0, 10, signal.SIGUSR1)  # F_SETSIG
fcntl.ioctl(0, 0x5452, struct.pack("i", 1))  # FIOASYNC
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
print("armed", flush=True)
time.sleep(1.5)
EOF
  chmod 0644 "$CASE/victim.py" "$CASE/sigio.py"
  local pol abi
  pol=$(printf '[namespaces]\npid = yes\n' | policy pid.conf)
  jh --print "$pol"
  abi=$(grep -oE 'kernel ABI [0-9]+' <<<"$OUT" | grep -oE '[0-9]+$')
  if ((${abi:-0} < 6)); then
    skip pid-signals:sigio-kept-in-sandbox "Landlock ABI ${abi:-none} < 6: no signal scope (jharden.conf(5))"
    return
  fi
  expect_match pid-signals:print-says-scoped 'signals: only to processes of the sandbox' "$OUT"
  sigio_attack
  expect_match pid-signals:daemon-armed 'armed' "$OUT"
  expect_match pid-signals:sigio-kept-in-sandbox 'SIGUSR1=0' "$OUT"
  # Control: a kernel without the signal scope (the shim says ABI 4), the host's foreground
  # process gets the signal.
  if build_fault_shim; then
    sigio_attack landlock-abi-4
    expect_match pid-signals:control-without-scope-reaches-host 'SIGUSR1=[1-9]' "$OUT"
  fi
}

# A descriptor whose SIGIO owner a host process set before the start (threats.md, signals):
# the daemon would choose the signal with F_SETSIG and raise it by I/O, with the credentials of
# whoever set the owner, past its user, its PID namespace and Landlock's signal scope (which
# covers owners set inside). jharden refuses such a descriptor on 0-2 and among $LISTEN_FDS
# (202) and runs nothing; an owner it cannot name (outside its PID namespace) it clears.
test_signal_owner() {
  new_case
  cat >"$CASE/victim.py" <<'EOF2'
import os, signal, sys, time
got = []
signal.signal(signal.SIGUSR1, lambda *a: got.append(1))
print(os.getpid(), flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
print("SIGUSR1=%d" % len(got), flush=True)
EOF2
  # arm.py OWNER FD CMD...: descriptor FD becomes the read end of a pipe whose SIGIO goes to
  # OWNER (a PID; negative: a process group; 0: none), passed as $LISTEN_FDS when FD is 3.
  cat >"$CASE/arm.py" <<'EOF2'
import fcntl, os, sys
owner, fd = int(sys.argv[1]), int(sys.argv[2])
r, w = os.pipe()
end = fcntl.fcntl(r, fcntl.F_DUPFD_CLOEXEC, 20)
os.close(r)
os.close(w)
os.fchmod(end, 0o666)  # for a daemon of any user to reopen it for writing
if owner:
    fcntl.fcntl(end, fcntl.F_SETOWN, owner)
os.dup2(end, fd)
if fd == 3:
    os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1")
os.execvp(sys.argv[3], sys.argv[3:])
EOF2
  # attack.py FD: picks SIGUSR1 for FD's SIGIO and makes I/O happen on it (a write end of the
  # pipe, reopened through /proc).
  cat >"$CASE/attack.py" <<'EOF2'
import fcntl, os, signal, sys, time
fd = int(sys.argv[1])
fcntl.fcntl(fd, 10, signal.SIGUSR1)  # F_SETSIG
fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_ASYNC)
for _ in range(3):
    w = os.open("/proc/self/fd/%d" % fd, os.O_WRONLY)
    os.write(w, b"x")
    os.close(w)
    os.read(fd, 1)
print("armed", flush=True)
time.sleep(0.3)
EOF2
  chmod 0644 "$CASE/victim.py" "$CASE/arm.py" "$CASE/attack.py"
  local plain pid
  plain=$(empty_policy)
  pid=$(printf '[namespaces]\npid = yes\n' | policy pid.conf)
  # Control: without jharden, the owner a root process set carries a signal from an
  # unprivileged process to the victim (another user).
  owner_attack pid 0 setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$CASE/attack.py" 0
  expect_match signal-owner:control-reaches-victim-without-jharden 'armed.*SIGUSR1=[1-9]' "$OUT"
  local pol name
  for pol in "$plain" "$pid"; do
    name=$(basename "$pol" .conf)
    owner_attack pid 0 "$JHARDEN" "$pol" -- "$PY" "$CASE/attack.py" 0
    expect_rc "signal-owner:$name-stdin-refused-202" 202
    expect_match "signal-owner:$name-stdin-error-names-it" "descriptor 0 sends SIGIO to process $VICTIM " "$ERR"
    expect_no_match "signal-owner:$name-stdin-nothing-executed" 'armed' "$OUT"
    expect_match "signal-owner:$name-stdin-victim-untouched" 'SIGUSR1=0' "$OUT"
  done
  owner_attack pid 3 "$JHARDEN" "$pid" -- "$PY" "$CASE/attack.py" 3
  expect_rc signal-owner:listen-fd-refused-202 202
  expect_match signal-owner:listen-fd-error-names-it "descriptor 3 sends SIGIO to process $VICTIM " "$ERR"
  expect_match signal-owner:listen-fd-victim-untouched 'SIGUSR1=0' "$OUT"
  owner_attack group 0 "$JHARDEN" "$pid" -- "$PY" "$CASE/attack.py" 0
  expect_match signal-owner:group-refused "descriptor 0 sends SIGIO to process group $VICTIM " "$ERR"
  # jharden in a PID namespace of its own, the owner outside it: jharden cannot name the
  # owner, so it clears it, and the daemon runs without a way to the victim.
  owner_attack pid 0 unshare -p -f -m --mount-proc "$JHARDEN" "$pid" -- "$PY" "$CASE/attack.py" 0
  expect_rc signal-owner:unseen-owner-runs 0
  expect_match signal-owner:unseen-owner-daemon-ran 'armed' "$OUT"
  expect_match signal-owner:unseen-owner-cleared-victim-untouched 'SIGUSR1=0' "$OUT"
  # The same descriptor without an owner is handed over: the daemon runs.
  owner_attack none 0 "$JHARDEN" "$pid" -- "$PY" "$CASE/attack.py" 0
  expect_rc signal-owner:without-owner-runs 0
  expect_match signal-owner:without-owner-daemon-ran 'armed' "$OUT"
}

# owner_attack pid|group|none FD CMD...: starts the victim of test_signal_owner (uid 1, a
# session of its own), runs CMD through arm.py with FD's SIGIO owned by the victim's process or
# process group, or by nobody; sets RC, ERR, VICTIM, and OUT to CMD's output and the victim's
# count.
owner_attack() {
  local mode=$1 fd=$2 owner
  shift 2
  start_victim
  VICTIM=$VICTIM_LINE
  case $mode in pid) owner=$VICTIM ;; group) owner=-$VICTIM ;; none) owner=0 ;; esac
  timeout -k 5 "$JH_TIMEOUT" "$PY" "$CASE/arm.py" "$owner" "$fd" "$@" </dev/null \
    >"$CASE/.out" 2>"$CASE/.err"
  RC=$?
  ERR=$(<"$CASE/.err")
  sleep 0.3
  end_victim
  OUT="$(<"$CASE/.out")
$(grep '^SIGUSR1=' "$CASE/victim.out")"
}

# start_victim: runs $CASE/victim.py as uid 1 in a session of its own until $CASE/done exists,
# its output in $CASE/victim.out; VICTIM_LINE gets its first line (waited for up to 10 s).
start_victim() {
  local i
  rm -f "$CASE/done" "$CASE/victim.out"
  setpriv --reuid=1 --regid=1 --clear-groups setsid "$PY" "$CASE/victim.py" "$CASE/done" \
    >"$CASE/victim.out" 2>&1 </dev/null &
  VICTIM_JOB=$!
  VICTIM_LINE=""
  for ((i = 0; i < 100; i++)); do
    read -r VICTIM_LINE 2>/dev/null <"$CASE/victim.out"
    [[ -n $VICTIM_LINE ]] && break
    sleep 0.1
  done
}

# end_victim: tells start_victim's victim to finish and waits for it.
end_victim() {
  : >"$CASE/done"
  wait "$VICTIM_JOB"
}

# sigio_attack [FAULT]: starts the victim of test_pid_signals, runs sigio.py under $pol with
# the victim's terminal on descriptor 0; OUT gets the daemon's output and the victim's count.
sigio_attack() {
  start_victim
  local tty=$VICTIM_LINE env=()
  local jharden=$JHARDEN
  [[ -n ${1:-} ]] && env=(env LD_PRELOAD="$FAULT_SHIM" JH_FAULT="$1") && jharden=$FAULT_JHARDEN
  OUT=$("${env[@]}" timeout -k 5 30 "$jharden" "$pol" -- "$PY" "$CASE/sigio.py" <"$tty" 2>&1)
  sleep 0.5
  end_victim
  OUT="$OUT $(grep '^SIGUSR1=' "$CASE/victim.out")"
}

# can_inject NAME: whether TIOCSTI works on this kernel (dev.tty.legacy_tiocsti) and the fault
# shim is built; skips NAME otherwise.
can_inject() {
  local legacy
  legacy=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)
  if [[ $legacy == 0 ]]; then
    skip "$1" "TIOCSTI is disabled on this kernel (dev.tty.legacy_tiocsti=0)"
  elif ! build_fault_shim; then
    skip "$1" "needs the fault shim"
  else
    return 0
  fi
  return 1
}

# write_terminal_attack: $CASE/victim.py, a host process holding a pseudo-terminal that no
# session holds and reading it (it prints its PID, the descriptor and the terminal's name),
# and $CASE/attack.py, run inside: opens the terminal at the path given, TIOCSCTTY, TIOCSTI.
write_terminal_attack() {
  cat >"$CASE/victim.py" <<'EOF'
import os, pty, select, sys, time
m, s = pty.openpty()
print(os.getpid(), s, os.ttyname(s), flush=True)
got, end = b"", time.time() + 30
while time.time() < end and not os.path.exists(sys.argv[1]):
    if select.select([s], [], [], 0.2)[0]:
        got += os.read(s, 1000)
print("GOT=[%s]" % got.decode(errors="replace").strip(), flush=True)
EOF
  cat >"$CASE/attack.py" <<'EOF'
import errno, fcntl, os, sys
def res(f):
    try:
        f()
        return "OK"
    except OSError as e:
        return errno.errorcode[e.errno]
# "ctty": opened without O_NOCTTY, which makes it the controlling terminal of a session
# leader that has none, then driven through /dev/tty.
ctty = sys.argv[2:] == ["ctty"]
try:
    fd = os.open(sys.argv[1], os.O_RDONLY if ctty else os.O_RDWR | os.O_NOCTTY)
except OSError as e:
    sys.exit(print("open=" + errno.errorcode[e.errno]))
print("open=OK")
if ctty:
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
        print("devtty=OK")
    except OSError as e:
        sys.exit(print("devtty=" + errno.errorcode[e.errno]))
else:
    print("sctty=" + res(lambda: fcntl.ioctl(fd, 0x540E, 0)))
print("sti=" + res(lambda: [fcntl.ioctl(fd, 0x5412, bytes([c])) for c in b"echo INJECTED\n"]))
EOF
  chmod 0644 "$CASE/victim.py" "$CASE/attack.py"
}

# attack_terminal WHERE [FAULT]: starts the victim of write_terminal_attack as uid 1, runs the
# attack under $pol (through the fault shim with FAULT) on the victim's terminal, reached
# through /proc/PID/fd (WHERE = proc-fd) or in the directory WHERE where a devpts shows it;
# ends the victim. OUT gets the attack's output and the victim's GOT= line. $ATTACK_MODE is
# passed to attack.py ("ctty").
ATTACK_MODE=""
attack_terminal() {
  local where=$1 vpid="" slave name="" target
  start_victim
  read -r vpid slave name <<<"$VICTIM_LINE"
  if [[ $where == proc-fd ]]; then
    target=/proc/$vpid/fd/$slave
  else
    target=$where/${name#/dev/pts/}
  fi
  if [[ -n ${2:-} ]]; then
    jh_fault "$2" "$pol" -- "$PY" "$CASE/attack.py" "$target" $ATTACK_MODE
  else
    jh "$pol" -- "$PY" "$CASE/attack.py" "$target" $ATTACK_MODE
  fi
  end_victim
  OUT="$OUT$(grep '^GOT=' "$CASE/victim.out")"
}

# ---------------------------------------------------------------- seccomp and other ABIs

test_seccomp_abi() {
  need_helper seccomp-abi:x32 || return
  new_case
  local host_x32 host_i386 pol
  host_x32=$("$HELPER" x32 getpid 2>&1)
  host_i386=$("$HELPER" i386 getpid 2>&1)
  echo "# on the host: x32 getpid -> $host_x32, i386 getpid -> ${host_i386:-crashed}"

  pol=$(empty_policy)
  jh "$pol" -- /bin/sh -c "
echo \"x32_getpid=\$($HELPER x32 getpid)\"
echo \"x32_flock=\$($HELPER x32 flock /etc/hostname)\"
echo \"native_getpid=\$($HELPER native getpid)\"
echo \"i386_getpid=\$($HELPER i386 getpid 2>/dev/null; echo rc=\$?)\""
  expect_field seccomp-abi:native-calls-work native_getpid OK
  # On the host the kernel answers ENOSYS (x32 disabled) or runs the call; EPERM is the filter.
  expect_field seccomp-abi:x32-refused-by-native-only x32_getpid EPERM
  expect_field seccomp-abi:x32-flock-refused x32_flock EPERM
  if [[ $host_i386 == OK ]]; then
    expect_match seccomp-abi:i386-refused-by-native-only '^EPERM' "$(field i386_getpid)"
  else
    skip seccomp-abi:i386-refused-by-native-only "int \$0x80 does not work on this kernel (host: ${host_i386:-SIGSEGV})"
  fi

  pol=$(policy kill.conf <<'EOF'
[seccomp]
action = kill
EOF
)
  jh "$pol" -- /bin/sh -c "$HELPER x32 getpid; echo rc=\$?"
  expect_match seccomp-abi:x32-killed-with-action-kill 'rc=159' "$OUT"

  # native_only = no: the other ABIs get the same rules.
  pol=$(policy other-abis.conf <<'EOF'
[seccomp]
deny = flock
native_only = no
EOF
)
  jh "$pol" -- /bin/sh -c "
echo \"native_flock=\$($HELPER native flock /etc/hostname)\"
echo \"x32_flock=\$($HELPER x32 flock /etc/hostname)\"
echo \"i386_flock=\$($HELPER i386 flock /etc/hostname 2>/dev/null; echo rc=\$?)\"
echo \"i386_getpid=\$($HELPER i386 getpid 2>/dev/null; echo rc=\$?)\""
  expect_field seccomp-abi:native-only-no-native-rule native_flock EPERM
  expect_field seccomp-abi:native-only-no-x32-same-rule x32_flock EPERM
  if [[ $host_i386 == OK ]]; then
    expect_match seccomp-abi:native-only-no-i386-same-rule '^EPERM' "$(field i386_flock)"
    expect_match seccomp-abi:native-only-no-i386-allowed-call-works '^OK' "$(field i386_getpid)"
  else
    skip seccomp-abi:native-only-no-i386-same-rule "int \$0x80 does not work on this kernel"
  fi
}

# seccomp-program:*: the usual filter (native_only = yes on x86_64) attacked through the
# numbers and register halves a compiled program could get wrong: x32's bit on a denied call,
# numbers above every table, -1, int $0x80, and argument rules with the upper 32 bits of a
# register set (the kernel reads socket's family, personality's domain and
# sched_setscheduler's policy as 32 bits, clone's flags as their low half).
test_seccomp_program() {
  need_helper seccomp-program:x32-denied-call || return
  new_case
  local pol h=$HELPER host_i386
  host_i386=$("$HELPER" i386 getpid 2>&1)
  # private_dev = no: the host's terminals within reach, so the terminal rules are in the
  # filter whether or not these tests run from a terminal.
  pol=$(policy program.conf <<'EOF'
[service]
new_session = yes
[filesystem]
private_dev = no
[seccomp]
errno = EIO
deny = flock:EACCES
address_families = AF_UNIX AF_INET
restrict_realtime = yes
EOF
)
  jh "$pol" -- /bin/sh -c "
: >/tmp/f; exec 3</tmp/f
echo \"native_getpid=\$($h sys 39)\"
echo \"x32_mount=\$($h sys 0x400000a5)\"
echo \"x32_flock=\$($h sys 0x40000049 3 1)\"
echo \"x32_compat=\$($h sys 0x40000200)\"
echo \"x32_top=\$($h sys 0x7fffffff)\"
echo \"negative=\$($h sys 0x80000027)\"
echo \"minus_one=\$($h sys -1)\"
echo \"past_table=\$($h sys 1000)\"
echo \"below_x32=\$($h sys 0x3fffffff)\"
echo \"i386_getpid=\$($h i386sys 20)\"
echo \"i386_socketcall=\$($h i386sys 102 1 0)\"
echo \"i386_unshare=\$($h i386sys 310 0x10000000)\"
echo \"unshare_high_user=\$($h sys 272 0x110000000)\"
echo \"unshare_high_only=\$($h sys 272 0x100000000)\"
echo \"clone_high_net=\$($h sys 56 0x140000000)\"
echo \"setns_high_any=\$($h sys 308 3 0x100000000)\"
echo \"socket_high_netlink=\$($h sys 41 0x100000010 3 0)\"
echo \"socket_high_unix=\$($h sys 41 0x100000001 1 0)\"
echo \"socket_unix=\$($h sys 41 1 1 0)\"
echo \"socket_inet6=\$($h sys 41 10 1 0)\"
echo \"socket_minus_one=\$($h sys 41 0xffffffffffffffff 1 0)\"
echo \"personality_high_linux32=\$($h sys 135 0x100000008)\"
echo \"personality_high_zero=\$($h sys 135 0x100000000)\"
echo \"personality_query=\$($h sys 135 0xffffffff)\"
echo \"sched_high_fifo=\$($h sys 144 0 0x100000001 0)\"
echo \"sched_high_other=\$($h sys 144 0 0x100000000 0)\"
echo \"fchmod_high_setuid=\$($h sys 91 3 0x1000009ed)\"
echo \"fchmod_high_plain=\$($h sys 91 3 0x1000001a4)\"
echo \"fchmodat_high_setgid=\$($h sys 268 -100 0 0xffffffff000005ed 0)\"
echo \"ioctl_high_tiocsti=\$($h sys 16 0 0x100005412 0)\"
echo \"ioctl_all_high_tiocsctty=\$($h sys 16 0 0xffffffff0000540e 0)\"
"
  expect_field seccomp-program:native-call-works native_getpid OK
  # Another ABI's number: the bad-architecture action (the policy's errno), not the default.
  expect_field seccomp-program:x32-denied-call x32_mount EIO
  expect_field seccomp-program:x32-call-with-own-errno x32_flock EIO
  expect_field seccomp-program:x32-compat-number x32_compat EIO
  expect_field seccomp-program:x32-highest-number x32_top EIO
  expect_field seccomp-program:negative-number negative EIO
  # -1 is no call of any table (what a tracer leaves): the default, ENOSYS.
  expect_field seccomp-program:minus-one-default minus_one ENOSYS
  expect_field seccomp-program:past-the-table-default past_table ENOSYS
  expect_field seccomp-program:below-x32-default below_x32 ENOSYS
  if [[ $host_i386 == OK ]]; then
    expect_field seccomp-program:i386-call i386_getpid EIO
    expect_field seccomp-program:i386-socketcall i386_socketcall EIO
    expect_field seccomp-program:i386-unshare i386_unshare EIO
  else
    skip seccomp-program:i386-call "int \$0x80 does not work on this kernel"
  fi
  expect_field seccomp-program:unshare-flag-with-high-bits unshare_high_user EPERM
  # Through the filter: the kernel itself refuses the unknown flag.
  expect_field seccomp-program:unshare-high-bits-alone unshare_high_only EINVAL
  expect_field seccomp-program:clone-flag-with-high-bits clone_high_net EPERM
  expect_field seccomp-program:setns-any-type-with-high-bits setns_high_any EPERM
  expect_field seccomp-program:socket-family-high-bits socket_high_netlink EAFNOSUPPORT
  expect_field seccomp-program:socket-allowed-family-high-bits socket_high_unix EAFNOSUPPORT
  expect_field seccomp-program:socket-allowed-family socket_unix OK
  expect_field seccomp-program:socket-other-family socket_inet6 EAFNOSUPPORT
  expect_field seccomp-program:socket-family-minus-one socket_minus_one EAFNOSUPPORT
  expect_field seccomp-program:personality-high-bits personality_high_linux32 EPERM
  expect_field seccomp-program:personality-own-domain-high-bits personality_high_zero EPERM
  expect_field seccomp-program:personality-query personality_query EPERM
  expect_field seccomp-program:realtime-high-bits sched_high_fifo EPERM
  expect_field seccomp-program:sched-other-high-bits sched_high_other EPERM
  expect_field seccomp-program:setuid-mode-high-bits fchmod_high_setuid EPERM
  expect_field seccomp-program:plain-mode-high-bits fchmod_high_plain OK
  expect_field seccomp-program:setgid-mode-all-high-bits fchmodat_high_setgid EPERM
  expect_field seccomp-program:tiocsti-high-bits ioctl_high_tiocsti EPERM
  expect_field seccomp-program:tiocsctty-high-bits ioctl_all_high_tiocsctty EPERM

  # action = kill: another ABI, -1 and numbers past the table all kill (SIGSYS: 128 + 31).
  pol=$(policy program-kill.conf <<'EOF'
[seccomp]
action = kill
EOF
)
  jh "$pol" -- /bin/sh -c "
$h sys 39 >/dev/null; echo \"native=\$?\"
$h sys 0x40000027 >/dev/null; echo \"x32=\$?\"
$h sys -1 >/dev/null; echo \"minus_one=\$?\"
$h sys 1000 >/dev/null; echo \"past_table=\$?\"
$h sys 135 0x100000008 >/dev/null; echo \"personality_high=\$?\"
$h i386sys 20 >/dev/null; echo \"i386=\$?\""
  expect_field seccomp-program:kill-native-call-works native 0
  expect_field seccomp-program:kill-x32 x32 159
  expect_field seccomp-program:kill-minus-one minus_one 159
  expect_field seccomp-program:kill-past-the-table past_table 159
  expect_field seccomp-program:kill-personality-high-bits personality_high 159
  if [[ $host_i386 == OK ]]; then
    expect_field seccomp-program:kill-i386 i386 159
  fi

  # action = log: everything goes through and is logged, another ABI's calls too.
  pol=$(policy program-log.conf <<'EOF'
[seccomp]
action = log
deny = flock
EOF
)
  jh "$pol" -- /bin/sh -c "echo \"x32=\$($h sys 0x40000027)\"; echo \"flock=\$($h sys 73 99 1)\""
  expect_field seccomp-program:log-x32-goes-to-the-kernel x32 ENOSYS
  expect_field seccomp-program:log-denied-call-goes-to-the-kernel flock EBADF
}

test_seccomp_ssb() {
  new_case
  local host pol
  host=$(awk -F':\t*' '/^Speculation_Store_Bypass/ { print $2 }' /proc/self/status)
  pol=$(empty_policy)
  run_probe "$pol" 'p ssb status Speculation_Store_Bypass; p seccomp status Seccomp'
  expect_field seccomp-ssb:filter-loaded seccomp 2
  expect_field seccomp-ssb:speculation-store-bypass-unchanged ssb "$host"
  if [[ $host == "not vulnerable" || -z $host ]]; then
    echo "# seccomp-ssb: the CPU is not affected ($host); the case cannot tell spec_allow apart"
  fi
}

# filter_dump FAULTS POLICY: starts a sleeping daemon under POLICY (with the fault shim and
# JH_FAULT=FAULTS unless FAULTS is empty) and prints, from outside, the sha256 and length of
# the filter the kernel holds for it (PTRACE_SECCOMP_GET_FILTER) and its seccomp, no_new_privs
# and speculation lines of /proc/PID/status.
filter_dump() {
  local faults=$1 pol=$2 pid i wrap=() jharden=$JHARDEN
  [[ -n $faults ]] && wrap=(env LD_PRELOAD="$FAULT_SHIM" JH_FAULT="$faults") &&
    jharden=$FAULT_JHARDEN
  "${wrap[@]}" "$jharden" "$pol" -- /bin/sleep 30 </dev/null >/dev/null 2>"$CASE/dump.err" &
  pid=$!
  for ((i = 0; i < 100; i++)); do
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == sleep ]] && break
    sleep 0.05
  done
  "$PY" - "$pid" <<'PYEOF'
import ctypes, hashlib, os, sys
pid = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long
PTRACE_ATTACH, PTRACE_DETACH, PTRACE_SECCOMP_GET_FILTER = 16, 17, 0x420C
if libc.ptrace(PTRACE_ATTACH, pid, None, None) != 0:
    print("attach:", os.strerror(ctypes.get_errno()))
    sys.exit(0)
os.waitpid(pid, 0x40000000)  # __WALL
n = libc.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, None)
buf = ctypes.create_string_buffer(max(n, 0) * 8)
got = libc.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, buf) if n > 0 else n
err = os.strerror(ctypes.get_errno())
libc.ptrace(PTRACE_DETACH, pid, None, None)
status = [l.strip().replace("\t", " ") for l in open(f"/proc/{pid}/status")
          if l.split(":")[0] in ("Seccomp", "Seccomp_filters", "NoNewPrivs", "Speculation_Store_Bypass")]
print(hashlib.sha256(buf.raw).hexdigest() if got == n and n > 0 else "get-filter: " + err, n, *status)
PYEOF
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# seccomp-program:shipped-*: a shipped policy (or the built-in defaults) loads the program
# libseccomp compiled for it when jharden was built (seccomp_programs.h), without compiling at
# start; the daemon must get exactly the filter, and the flags, of a start that compiles it
# (the shim's other-libseccomp: no program matches). An edited policy compiles at start.
test_seccomp_prebuilt() {
  need_helper seccomp-program:shipped-policy-denied-call || return
  if ! build_fault_shim; then
    skip seccomp-program:shipped-policy-needs-no-compile "fault_shim not built"
    return
  fi
  new_case
  local pol edited hit miss
  pol=$(policy empty.conf <"$REPO/conf/empty.conf")
  edited=$(policy edited.conf <<<$'[seccomp]\ndeny = flock\n')
  # With no libseccomp filter to be had, only a start that compiles fails.
  jh_fault no-init "$pol" -- /bin/true
  expect_rc seccomp-program:shipped-policy-needs-no-compile 0
  # The shim reaches the libseccomp of the jharden it is preloaded into: told of another
  # version, the shipped policy compiles too, and finds no filter to be had.
  jh_fault "other-libseccomp no-init" "$pol" -- /bin/true
  expect_rc seccomp-program:shim-reaches-libseccomp 228
  jh_fault no-init "$edited" -- /bin/true
  expect_rc seccomp-program:edited-policy-compiles-at-start 228
  with_fault_shim no-init run_probe "$pol" "p filters status Seccomp_filters; echo mount=\$($HELPER sys 165); echo getpid=\$($HELPER sys 39)"
  expect_field seccomp-program:shipped-policy-one-filter filters 1
  expect_field seccomp-program:shipped-policy-denied-call mount EPERM
  expect_field seccomp-program:shipped-policy-allowed-call getpid OK
  hit=$(filter_dump "" "$pol")
  miss=$(filter_dump other-libseccomp "$pol")
  expect_match seccomp-program:shipped-program-read-back '^[0-9a-f]{64} [0-9]+ NoNewPrivs: 1 Seccomp: 2 Seccomp_filters: 1 ' "$hit"
  expect_eq seccomp-program:shipped-program-same-as-compiled "$miss" "$hit"
}

# ---------------------------------------------------------------- file handles (Shocker)

# fh_attack NAME POLICY MOUNTDIR: inside, each handle is reopened through MOUNTDIR, a writable
# directory on the same file system; the host /etc file is opened for writing.
fh_attack() {
  local name=$1 pol=$2 dir=$3
  jh "$pol" -- /bin/sh -c "
echo \"etc_inside=\$($HELPER handle-open @$FH_ETC $dir rw)\"
echo \"etc_outside=\$($HELPER handle-open $FH_DIR/h-etc $dir rw)\"
echo \"tmp=\$($HELPER handle-open $FH_DIR/h-tmp $dir ro)\"
echo \"secret=\$($HELPER handle-open $FH_DIR/h-secret $dir ro)\""
  expect_field "file-handles:$name:host-etc-file-handle-taken-inside" etc_inside EPERM
  expect_field "file-handles:$name:host-etc-file-handle-from-outside" etc_outside EPERM
  expect_field "file-handles:$name:host-tmp-file" tmp EPERM
  expect_field "file-handles:$name:hidden-secret-source" secret EPERM
  expect_eq "file-handles:$name:host-etc-file-unchanged" host-etc "$(cat "$FH_ETC")"
}

test_file_handles() {
  need_helper file-handles:baseline || return
  new_case
  FH_DIR=$CASE
  FH_ETC=/etc/jh-e2e-handle.$$
  local tmpfile=/tmp/jh-e2e-handle.$$ pol
  echo host-etc >"$FH_ETC"
  echo host-tmp >"$tmpfile"
  on_exit rm -f "$FH_ETC" "$tmpfile"
  mkdir -p "$CASE/src" "$CASE/rw"
  echo secret-content >"$CASE/src/key"
  chmod 0600 "$CASE/src/key"
  "$HELPER" handle-save "$FH_ETC" "$CASE/h-etc" >/dev/null
  "$HELPER" handle-save "$tmpfile" "$CASE/h-tmp" >/dev/null
  "$HELPER" handle-save "$CASE/src/key" "$CASE/h-secret" >/dev/null
  # Control: on the host, root reopens the file through any directory of the file system.
  expect_eq file-handles:control-host-reopens "OK:host-tmp" \
    "$("$HELPER" handle-open "$CASE/h-tmp" "$CASE/rw" ro)"

  pol=$(policy <<EOF
[secrets]
key = $CASE/src/key
EOF
)
  fh_attack baseline "$pol" "$CASE/rw"

  pol=$(policy read-only-root.conf <<EOF
[filesystem]
read_only = /
read_write = $CASE/rw
[secrets]
key = $CASE/src/key
EOF
)
  fh_attack read-only-root "$pol" "$CASE/rw"

  # root= on the same file system: the handles name files outside the new root.
  mkdir -p "$CASE/root/bin" "$CASE/root/h"
  install -m 0755 "$HELPER" "$CASE/root/bin/escape_helper"
  cp "$CASE"/h-* "$CASE/root/h/"
  chmod 0644 "$CASE"/root/h/*
  pol=$(policy root.conf <<EOF
[filesystem]
root = $CASE/root
read_only =
EOF
)
  jh "$pol" -- /bin/escape_helper handle-open /h/h-etc / rw
  expect_eq file-handles:root-mode:host-etc-file EPERM "$OUT"
  jh "$pol" -- /bin/escape_helper handle-open /h/h-secret / ro
  expect_eq file-handles:root-mode:secret-source EPERM "$OUT"
  expect_eq file-handles:root-mode:host-etc-file-unchanged host-etc "$(cat "$FH_ETC")"
}

# ---------------------------------------------------------------- joining namespaces

test_joining_namespaces() {
  need_helper joining-namespaces:host-user-namespace || return
  new_case
  local userns_pid pol
  # A host process in a user namespace of its own, owned by root: root outside it holds every
  # capability inside it.
  unshare -U --map-root-user sleep 300 &
  userns_pid=$!
  on_exit kill "$userns_pid"
  sleep 0.3
  # A colluding host process hands the same namespace over a socket the sandbox can reach.
  local server_pid
  "$HELPER" fd-serve "$CASE/ns.sock" "/proc/$userns_pid/ns/user" &
  server_pid=$!
  on_exit kill "$server_pid"
  wait_for_file "$CASE/ns.sock" 5
  expect_eq joining-namespaces:control-passed-fd-joins-outside OK \
    "$(unshare -m "$HELPER" setns-recv "$CASE/ns.sock" user)"
  pol=$(empty_policy)
  jh "$pol" -- /bin/sh -c "
echo \"setns_user=\$($HELPER setns /proc/$userns_pid/ns/user user)\"
echo \"setns_any=\$($HELPER setns /proc/$userns_pid/ns/user 0)\"
echo \"setns_passed=\$($HELPER setns-recv $CASE/ns.sock user)\"
echo \"unshare_user=\$($HELPER unshare user)\"
echo \"clone_user=\$($HELPER clone user)\"
echo \"unshare_mnt=\$($HELPER unshare mnt)\"
echo \"clone3=\$($HELPER clone3)\"
echo \"plain_clone=\$($HELPER clone 0)\"
echo \"open_tree_attr=\$($HELPER raw 467)\"
echo \"shell_fork=\$(/bin/sh -c 'echo forked')\""
  # Opening another process's /proc/PID/ns/* is Landlock's to refuse (EACCES) where the kernel
  # has it; the filter's setns rule is tested alone below, and through a passed descriptor here.
  expect_match joining-namespaces:setns-host-user-namespace '^(EACCES|EPERM)$' "$(field setns_user)"
  expect_match joining-namespaces:setns-host-user-namespace-any-type '^(EACCES|EPERM)$' \
    "$(field setns_any)"
  expect_field joining-namespaces:setns-passed-fd setns_passed EPERM
  expect_field joining-namespaces:unshare-user-refused unshare_user EPERM
  expect_field joining-namespaces:clone-newuser-refused clone_user EPERM
  expect_field joining-namespaces:unshare-mnt-refused unshare_mnt EPERM
  expect_field joining-namespaces:clone3-enosys clone3 ENOSYS
  expect_field joining-namespaces:plain-clone-works plain_clone OK
  expect_field joining-namespaces:fork-still-works shell_fork forked
  expect_field joining-namespaces:open_tree_attr-unknown open_tree_attr ENOSYS

  # The filter alone: without Landlock the namespace files of a host process open.
  pol=$(policy no-landlock.conf <<'EOF'
[filesystem]
landlock = no
EOF
)
  jh "$pol" -- /bin/sh -c "
echo \"setns_user=\$($HELPER setns /proc/$userns_pid/ns/user user)\"
echo \"setns_any=\$($HELPER setns /proc/$userns_pid/ns/user 0)\""
  expect_field joining-namespaces:filter-alone-setns-host-user-namespace setns_user EPERM
  expect_field joining-namespaces:filter-alone-setns-any-type setns_any EPERM

  pol=$(policy user.conf <<'EOF'
[filesystem]
landlock = no
[namespaces]
allow_create = user
EOF
)
  jh "$pol" -- /bin/sh -c "
echo \"unshare_user=\$($HELPER unshare user)\"
echo \"unshare_net=\$($HELPER unshare net)\"
echo \"setns_any=\$($HELPER setns /proc/$userns_pid/ns/user 0)\"
echo \"setns_net=\$($HELPER setns /proc/$userns_pid/ns/net net)\""
  expect_field joining-namespaces:allow-create-user-unshare-works unshare_user OK
  expect_field joining-namespaces:allow-create-user-net-still-refused unshare_net EPERM
  expect_field joining-namespaces:allow-create-user-setns-any-refused setns_any EPERM
  expect_field joining-namespaces:allow-create-user-setns-net-refused setns_net EPERM

  pol=$(policy allow-list.conf <<'EOF'
[seccomp]
allow = @system-service
EOF
)
  jh "$pol" -- /bin/sh -c "
echo \"open_tree_attr=\$($HELPER raw 467)\"
echo \"unshare_user=\$($HELPER unshare user)\"
echo \"clone3=\$($HELPER clone3)\""
  expect_field joining-namespaces:open_tree_attr-unknown-in-allow-list open_tree_attr ENOSYS
  expect_field joining-namespaces:unshare-user-refused-in-allow-list unshare_user EPERM
  expect_field joining-namespaces:clone3-enosys-in-allow-list clone3 ENOSYS
}

# ---------------------------------------------------------------- set-user-ID planting

test_setuid_planting() {
  need_helper setuid-planting:baseline || return
  new_case
  mkdir -p "$CASE/plant"
  local pol how body="" mode
  pol=$(empty_policy)
  for how in chmod fchmod fchmodat fchmodat2 creat open openat openat2 mkdir mknod tmpfile; do
    for mode in 4755 2755; do
      body+="echo \"$how-$mode=\$($HELPER suid $how $CASE/plant/$how-$mode $mode)\""$'\n'
    done
  done
  jh "$pol" -- /bin/sh -c "$body"
  for how in chmod fchmod fchmodat fchmodat2 creat open openat mkdir mknod tmpfile; do
    expect_field "setuid-planting:$how-setuid-refused" "$how-4755" EPERM
    expect_field "setuid-planting:$how-setgid-refused" "$how-2755" EPERM
  done
  expect_field setuid-planting:openat2-enosys openat2-4755 ENOSYS
  expect_eq setuid-planting:no-set-id-file-on-host "" \
    "$(find "$CASE/plant" -perm /6000 -printf '%P ')"
  # Without the bits, the same calls work.
  jh "$pol" -- "$HELPER" suid chmod "$CASE/plant/plain" 0755
  expect_eq setuid-planting:plain-chmod-works OK "$OUT"

  # With no_new_privileges = no the filter is loaded with CAP_SYS_ADMIN, after the change of
  # identity: the set-up must get through, and the rules must hold for the daemon.
  pol=$(policy nnp-off.conf <<'EOF'
[service]
user = nobody
[capabilities]
no_new_privileges = no
EOF
)
  chmod 0777 "$CASE/plant"
  jh "$pol" -- /bin/sh -c "id -u; $HELPER suid chmod $CASE/plant/nnp-off 2755; exit 0"
  expect_rc setuid-planting:nnp-off-set-up-passes-the-filter 0
  expect_eq setuid-planting:nnp-off-setgid-refused "65534"$'\n'"EPERM" "$OUT"

  # With a PID namespace, the daemon is a child of jharden's init: the same filter.
  pol=$(policy pid.conf <<'EOF'
[namespaces]
pid = yes
EOF
)
  jh "$pol" -- "$HELPER" suid chmod "$CASE/plant/pid-ns" 4755
  expect_eq setuid-planting:pid-namespace-setuid-refused EPERM "$OUT"
  expect_eq setuid-planting:no-set-id-file-on-host-at-all "" \
    "$(find "$CASE/plant" -perm /6000 -printf '%P ')"
}

# io_uring makes the call in the kernel's own workers: IORING_OP_OPENAT and IORING_OP_MKDIRAT
# carry their mode in the ring, where no argument rule of the filter sees it.
test_io_uring_planting() {
  need_helper setuid-planting:io-uring-openat-setuid-refused || return
  new_case
  mkdir -p "$CASE/plant"
  local pol out
  pol=$(empty_policy)
  jh "$pol" -- /bin/sh -c "
echo \"openat=\$($HELPER uring openat $CASE/plant/uring-open 4755)\"
echo \"mkdirat=\$($HELPER uring mkdirat $CASE/plant/uring-dir 2755)\""
  expect_field setuid-planting:io-uring-openat-setuid-refused openat setup:EPERM
  expect_field setuid-planting:io-uring-mkdirat-setgid-refused mkdirat setup:EPERM
  expect_eq setuid-planting:io-uring-no-set-id-file-on-host "" \
    "$(find "$CASE/plant" -perm /6000 -printf '%P ')"
  [[ -e $CASE/plant/uring-open ]] && cat /usr/bin/id >"$CASE/plant/uring-open"
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CASE/plant/uring-open" 2>&1)
  expect_no_match setuid-planting:io-uring-nobody-gets-no-root 'euid=0' "$out"
  # Control: without an argument rule io_uring stays usable.
  pol=$(policy suid-off.conf <<'EOF'
[seccomp]
restrict_suid_sgid = no
EOF
)
  jh "$pol" -- "$HELPER" uring openat "$CASE/plant/lifted" 0644
  expect_eq setuid-planting:io-uring-control-allowed-when-lifted OK "$OUT"
}

# ---------------------------------------------------------------- file capabilities

# Root inside writes a program with cap_setuid+ep to the host's writable tree: any host user
# who runs it becomes root (CAP_SETFCAP); or a set-user-ID program keeps its bit through a
# write by root (CAP_FSETID). restrict_suid_sgid = yes takes both out of the bounding set.
test_file_capabilities() {
  if ! command -v setcap >/dev/null || ! command -v getcap >/dev/null; then
    skip file-capabilities:setcap-refused "setcap(8) is not installed (libcap2-bin)"
    return
  fi
  new_case
  local pol py out attack
  py=$(readlink -f "$PY")
  attack="cp $py $CASE/py && setcap cap_setuid+ep $CASE/py; echo setcap=\$?
echo '#' >>$CASE/suid-id"
  pol=$(empty_policy)
  install -m 4755 -o root -g root /usr/bin/id "$CASE/suid-id"
  jh "$pol" -- /bin/sh -c "$attack"
  expect_ne file-capabilities:setcap-refused 0 "$(field setcap)"
  expect_eq file-capabilities:no-file-capability-on-host "" "$(getcap "$CASE/py" 2>/dev/null)"
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$CASE/py" -c 'import os; os.setuid(0); print("uid", os.getuid())' 2>&1)
  expect_ne file-capabilities:nobody-gets-no-root "uid 0" "$out"
  expect_eq file-capabilities:write-clears-set-user-id 755 "$(stat -c %a "$CASE/suid-id")"
  jh --print "$pol"
  expect_match file-capabilities:print-lists-them-dropped 'dropped:.*CAP_FSETID.*CAP_SETFCAP' \
    "$(grep -F '  dropped:' <<<"$OUT")"
  jh --print --json "$pol"
  expect_match file-capabilities:print-json-lists-them-dropped \
    '"dropped":\[[^]]*"CAP_FSETID"[^]]*"CAP_SETFCAP"' "$(tr -d ' \n' <<<"$OUT")"

  # Kept explicitly while restrict_suid_sgid holds: an error naming both lines.
  pol=$(policy keep.conf <<'EOF'
[capabilities]
keep = CAP_NET_BIND_SERVICE CAP_SETFCAP
[seccomp]
restrict_suid_sgid = yes
EOF
)
  jh --check "$pol"
  expect_rc file-capabilities:keep-setfcap-exit-78 78
  expect_match file-capabilities:keep-setfcap-names-both-lines \
    'keep.conf:2: .*CAP_SETFCAP.*keep.conf:4' "$ERR"
  pol=$(policy ambient.conf <<'EOF'
[service]
user = nobody
[capabilities]
ambient = CAP_FSETID
EOF
)
  jh --check "$pol"
  expect_rc file-capabilities:ambient-fsetid-exit-78 78
  expect_match file-capabilities:ambient-fsetid-names-the-default \
    'ambient.conf:4: .*CAP_FSETID.*restrict_suid_sgid' "$ERR"

  # Control: lifted, the same attack works, so the cases above test something.
  pol=$(policy lifted.conf <<'EOF'
[seccomp]
restrict_suid_sgid = no
EOF
)
  rm -f "$CASE/py"
  install -m 4755 -o root -g root /usr/bin/id "$CASE/suid-id"
  jh "$pol" -- /bin/sh -c "$attack"
  expect_eq file-capabilities:control-setcap-works-when-lifted 0 "$(field setcap)"
  expect_eq file-capabilities:control-write-keeps-set-user-id-when-lifted 4755 \
    "$(stat -c %a "$CASE/suid-id")"
  rm -f "$CASE/py" "$CASE/suid-id"
}

# ---------------------------------------------------------------- personality, realtime

test_personality_realtime() {
  need_helper personality:linux32-refused || return
  new_case
  local pol
  pol=$(empty_policy)
  jh "$pol" -- /bin/sh -c "
echo \"linux32=\$($HELPER personality 0x0008)\"
echo \"same=\$($HELPER personality 0)\"
echo \"fifo=\$($HELPER sched fifo)\"
echo \"rr=\$($HELPER sched rr)\"
echo \"other=\$($HELPER sched other)\"
echo \"batch=\$($HELPER sched batch)\"
echo \"idle=\$($HELPER sched idle)\""
  expect_field personality:linux32-refused linux32 EPERM
  expect_field personality:current-domain-kept same OK
  expect_field realtime:sched-fifo-refused fifo EPERM
  expect_field realtime:sched-rr-refused rr EPERM
  expect_field realtime:sched-other-allowed other OK
  expect_field realtime:sched-batch-allowed batch OK
  expect_field realtime:sched-idle-allowed idle OK
}

# ---------------------------------------------------------------- keyrings

test_keyrings() {
  need_helper keyrings:host-key-unreadable || return
  new_case
  local serial pol
  serial=$("$HELPER" key-add "jh-e2e-key.$$" host-key-secret)
  if [[ ! $serial =~ ^[0-9]+$ ]]; then
    skip keyrings:host-key-unreadable "add_key on the host: $serial"
    return
  fi
  on_exit "$HELPER" key-unlink "$serial"
  expect_eq keyrings:control-host-reads-key OK:host-key-secret \
    "$("$HELPER" key-read "jh-e2e-key.$$")"
  pol=$(empty_policy)
  jh "$pol" -- "$HELPER" key-read "jh-e2e-key.$$"
  expect_eq keyrings:host-key-unreadable EPERM "$OUT"
  jh "$pol" -- "$HELPER" key-add "jh-e2e-inside.$$" planted
  expect_eq keyrings:add-key-refused EPERM "$OUT"
}

# ---------------------------------------------------------------- --verify rows

# verify_row NAME ROW-TEXT PASS|FAIL [ASKED-REGEX]: the last --verify output has ROW-TEXT as a
# PASS or FAIL, and its "asked:" column matches ASKED-REGEX.
verify_row() {
  local line
  line=$(grep -F -- "$2" <<<"$OUT" | head -1)
  expect_match "$1" "^$3 .* asked: ${4:-}" "${line:-<no row \"$2\">}"
}

# verify_failing NAME ROW-TEXT...: the failing rows of the last --verify output are exactly
# those naming one of ROW-TEXT, and it exited 1.
verify_failing() {
  local name=$1 want got row
  shift
  want=$(printf '%s\n' "$@" | sort)
  got=$(grep '^FAIL  ' <<<"$OUT" | while IFS= read -r row; do
    for w in "$@"; do [[ $row == *"$w"* ]] && echo "$w"; done
  done | sort)
  local others
  others=$(grep '^FAIL  ' <<<"$OUT" | grep -vF -f <(printf '%s\n' "$@"))
  if [[ $got == "$want" && -z $others && $RC == 1 ]]; then
    pass "$name"
  else
    fail "$name" "exit $RC, failing rows: $(grep '^FAIL  ' <<<"$OUT" | cut -c7-52 | tr -s ' ' | paste -sd '|')"
  fi
}

FAULT_SHIM=""     # the fault-injection library, when it could be built
FAULT_JHARDEN=""  # the program it is preloaded into (see build_fault_shim)

# build_fault_shim: builds lib/fault_shim.c, and finds the jharden to preload it into. LD_PRELOAD
# reaches no function linked into a program, and jharden has libseccomp and libcap linked in
# (JHARDEN_STATIC_LIBS): the shim goes into jharden-shared-libs, the same program with both as
# shared libraries, built with the tests ($JHARDEN_FAULT_BINARY under ctest; beside jharden,
# and not older, when this script is run by hand); or into jharden itself where it loads both
# as shared libraries.
build_fault_shim() {
  [[ -n $FAULT_SHIM ]] && return 0
  # Named by ctest, the twin is of the same build; found beside jharden, it must not be older.
  local twin=${JHARDEN_FAULT_BINARY:-${JHARDEN%/*}/jharden-shared-libs} libs
  libs=$(ldd "$JHARDEN")
  if [[ -x $twin && (-n ${JHARDEN_FAULT_BINARY:-} || ! $JHARDEN -nt $twin) ]]; then
    FAULT_JHARDEN=$twin
  elif [[ $libs == *libseccomp.so* && $libs == *libcap.so* ]]; then
    FAULT_JHARDEN=$JHARDEN
  else
    echo "# fault_shim: jharden has libseccomp or libcap linked in, and $twin is missing or older"
    return 1
  fi
  if build_fault_shim_library "$TOP/fault_shim.so"; then
    FAULT_SHIM="$TOP/fault_shim.so"
  else
    echo "# fault_shim not built (gcc, libseccomp-dev): $(head -c 300 "$TOP/fault_shim.so.err")"
    return 1
  fi
}

# with_fault_shim FAULTS COMMAND ARGS...: COMMAND (jh, or a function that calls it) with the
# fault shim preloaded and JH_FAULT=FAULTS after JH_WRAP's prefix (see lib/fault_shim.c), and
# FAULT_JHARDEN in jharden's place: one protection is missing although the policy asks for it.
with_fault_shim() {
  [[ -n $FAULT_SHIM && -n $FAULT_JHARDEN ]] || {
    echo "with_fault_shim: no fault shim (build_fault_shim first)" >&2
    return 1
  }
  local faults=$1 JHARDEN=$FAULT_JHARDEN
  shift
  local -a JH_WRAP=("${JH_WRAP[@]}" env LD_PRELOAD="$FAULT_SHIM" JH_FAULT="$faults")
  "$@"
}

# jh_fault FAULTS ARGS...: jh with the fault shim (with_fault_shim).
jh_fault() {
  with_fault_shim "$1" jh "${@:2}"
}

# The rows of the kernel interfaces and of the filter.
VR_HANDLES="file handles (open_by_handle_at)"
VR_KEYRINGS="kernel keyrings (keyctl)"
VR_SUID="set-user-ID/set-group-ID files"
VR_PERSONALITY="personality changes (PER_LINUX32)"
VR_REALTIME="realtime scheduling (SCHED_FIFO)"
VR_UNSHARE="new namespaces (unshare)"
VR_SETNS="setns (own user namespace)"
VR_UNKNOWN="(unknown to libseccomp)"
VR_MODE="seccomp mode"
VR_CLOCK="syscall adjtimex (@clock)"
VR_X32="x32 ABI getpid"
VR_I386="i386 ABI getpid"
VR_URING="io_uring (io_uring_setup)"
VR_SETFCAP="CAP_SETFCAP in no set"
VR_FSETID="CAP_FSETID in no set"
VR_BOUNDING="bounding set"
VR_TERMINAL="no controlling terminal"

test_verify_rows() {
  new_case
  local pol
  # (a) The baseline: every row asks for the protection and passes.
  pol=$(empty_policy)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:baseline-exit-0 0
  verify_row file-handles:verify-row-baseline "$VR_HANDLES" PASS "EPERM \(filter, no CAP_DAC_READ"
  verify_row keyrings:verify-row-baseline "$VR_KEYRINGS" PASS "EPERM \(filter"
  verify_row setuid-planting:verify-row-baseline "$VR_SUID" PASS "EPERM \(filter"
  verify_row personality:verify-row-baseline "$VR_PERSONALITY" PASS "EPERM \(filter"
  verify_row realtime:verify-row-baseline "$VR_REALTIME" PASS "EPERM \(filter"
  verify_row joining-namespaces:verify-row-unshare-baseline "$VR_UNSHARE" PASS \
    "refused: mnt pid net ipc uts user cgroup time +observed"
  verify_row joining-namespaces:verify-row-setns-baseline "$VR_SETNS" PASS \
    "any type: EPERM, user: EPERM"
  verify_row joining-namespaces:verify-row-unknown-baseline "$VR_UNKNOWN" PASS "ENOSYS"
  verify_row seccomp-abi:verify-row-mode-baseline "$VR_MODE" PASS "2"
  verify_row seccomp-abi:verify-row-clock-baseline "$VR_CLOCK" PASS "EPERM \(filter"
  verify_row seccomp-abi:verify-row-x32-baseline "$VR_X32" PASS "EPERM \(filter"
  verify_row seccomp-abi:verify-row-i386-baseline "$VR_I386" PASS "EPERM \(filter"
  verify_row setuid-planting:verify-row-io-uring-baseline "$VR_URING" PASS "EPERM \(filter"
  verify_row file-capabilities:verify-row-setfcap-baseline "$VR_SETFCAP" PASS "absent"
  verify_row file-capabilities:verify-row-fsetid-baseline "$VR_FSETID" PASS "absent"
  # A new root without /dev: the private /dev is optional there, and is not made; no row
  # expects its mounts, nor /dev/null for the terminal rules.
  if have_static_busybox; then
    make_busybox_root "$CASE/nodev-root"
    rmdir "$CASE/nodev-root/dev"
    pol=$(printf '[filesystem]\nroot = %s\n' "$CASE/nodev-root" | policy nodev-root.conf)
    jh --verify "$pol"
    expect_rc verify-rows:root-without-dev-exit-0 0
    pol=$(empty_policy)
  else
    skip verify-rows:root-without-dev-exit-0 "needs busybox-static"
  fi
  # Entries over the private /dev's own mounts: the covering entry's row checks the mount on
  # top (the mask's flags), no row expects the devpts or shm flags it hides.
  pol=$(printf '[filesystem]\nread_only = /dev\nmask = /dev/shm\ninaccessible = /dev/pts\n' |
    policy dev-covered.conf)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:covered-dev-mounts-exit-0 0
  verify_row verify-rows:covered-dev-shm-masked "/dev/shm mount flags" PASS \
    "ro,nosuid,nodev,noexec"
  verify_row verify-rows:covered-dev-pts-inaccessible "/dev/pts mount flags" PASS \
    "ro,nosuid,nodev,noexec"
  # Made read-only, /dev/shm is still the private /dev's, with its row.
  pol=$(printf '[filesystem]\nread_only = /dev/shm\n' | policy dev-shm-ro.conf)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:read-only-dev-shm-exit-0 0
  verify_row verify-rows:read-only-dev-shm-row "/dev/shm mount flags" PASS "ro,nosuid,nodev"
  # A device node of the private /dev is made with mknod, not mounted: a bind over it has the
  # bind's row alone (writable, as the policy asks), and the node under it is still 1:3.
  mknod -m 0666 "$CASE/null" c 1 3
  pol=$(printf '[filesystem]\nbind = %s:/dev/null\n' "$CASE/null" | policy dev-null-bound.conf)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:bound-dev-null-exit-0 0
  verify_row verify-rows:bound-dev-null-row "/dev/null mount flags" PASS "rw,nosuid"
  # The same for an entry that hides one (the device bind below an inaccessible /dev/tty was
  # once checked through the mount on top, and failed).
  local dev_tty
  dev_tty=$(printf '[filesystem]\ninaccessible = /dev/tty\n' | policy dev-tty-hidden.conf)
  jh --verify "$dev_tty" -- /bin/true
  expect_rc verify-rows:inaccessible-dev-tty-exit-0 0
  verify_row verify-rows:inaccessible-dev-tty-row "/dev/tty mount flags" PASS \
    "ro,nosuid,nodev,noexec"
  # A device the policy binds into /dev (its contract's own example) is the policy's, not an
  # extra name; one bound over a standard name must be that name's device.
  pol=$(printf '[filesystem]\nbind = /dev/kmsg:/dev/kmsg\n' | policy dev-kmsg.conf)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:dev-kmsg-bound-exit-0 0
  verify_row verify-rows:dev-kmsg-bound-row "/dev holds only pseudo-devices" PASS \
    ".* \+ the policy's: kmsg"
  # A disk the policy binds there is still a disk.
  mknod -m 0600 "$CASE/blk" b 7 0
  pol=$(printf '[filesystem]\nbind = %s:/dev/disk0:ro\n' "$CASE/blk" | policy dev-disk.conf)
  jh --verify "$pol" -- /bin/true
  verify_failing verify-rows:dev-disk-bound-fails "/dev holds only pseudo-devices"
  verify_observed verify-rows:dev-disk-bound-observed "/dev holds only pseudo-devices" \
    "1 block device\(s\); the policy's: disk0"
  pol=$(printf '[filesystem]\nbind = %s:/dev/disks/sda:ro\n' "$CASE/blk" | policy dev-disks.conf)
  jh --verify "$pol" -- /bin/true
  verify_failing verify-rows:dev-disk-below-fails "/dev holds only pseudo-devices"
  verify_observed verify-rows:dev-disk-below-observed "/dev holds only pseudo-devices" \
    "1 block device\(s\); the policy's: disks/sda"
  # ... but not one in a bound directory, which is nodev: it does not open.
  mkdir "$CASE/blkdir"
  mknod -m 0600 "$CASE/blkdir/sda" b 7 0
  pol=$(printf '[filesystem]\nbind = %s:/dev/disks\n' "$CASE/blkdir" | policy dev-dir.conf)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:dev-disk-in-bound-directory-exit-0 0
  pol=$(printf '[filesystem]\ntmpfs = /dev/a/b\n' | policy dev-a-b.conf)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:dev-tmpfs-below-exit-0 0
  # What the policy mounts over /dev/shm keeps its own flags under read_only = /dev, and a
  # read_write = /dev/shm keeps the private one writable.
  pol=$(printf '[filesystem]\nread_only = /dev\ntmpfs = /dev/shm\n' | policy dev-ro-shm-tmpfs.conf)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:read-only-dev-own-shm-exit-0 0
  verify_row verify-rows:read-only-dev-own-shm-row "/dev/shm mount flags" PASS "rw,nosuid,nodev"
  pol=$(printf '[filesystem]\nread_only = /dev\nread_write = /dev/shm\n' |
    policy dev-ro-shm-rw.conf)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:read-only-dev-shm-writable-exit-0 0
  verify_row verify-rows:read-only-dev-shm-writable-row "/dev/shm mount flags" PASS "rw,nosuid,nodev"
  pol=$(printf '[filesystem]\nbind = /dev/kmsg:/dev/zero\n' | policy dev-zero-kmsg.conf)
  jh --verify "$pol" -- /bin/true
  verify_failing verify-rows:dev-zero-not-its-device "/dev holds only pseudo-devices"
  verify_observed verify-rows:dev-zero-not-its-device-observed "/dev holds only pseudo-devices" \
    "not their device: zero"
  # A read-only device node: writing to the device works on a read-only mount, changing the
  # node is what the mount refuses.
  pol=$(printf '[filesystem]\nread_only = /dev/null\n' | policy dev-null-ro.conf)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:read-only-dev-null-exit-0 0
  verify_observed verify-rows:read-only-dev-null-row "/dev/null is read-only" \
    "read-only, 1/1 mounts ro, write: Read-only file system"
  # Where mknod is refused (CAP_MKNOD out of the bounding set, as a unit's
  # CapabilityBoundingSet= may leave it), the nodes are the host's, each bound read-only, with
  # a row of its own that looks at that bind, whatever is mounted over it.
  local no_mknod=(setpriv --bounding-set -mknod --inh-caps=-mknod)
  JH_WRAP=("${no_mknod[@]}")
  jh --verify "$dev_tty" -- /bin/true
  JH_WRAP=()
  expect_rc verify-rows:no-mknod-exit-0 0
  verify_row verify-rows:no-mknod-dev-null-bound "/dev/null mount flags" PASS "ro,nosuid,noexec"
  verify_row verify-rows:no-mknod-dev-tty-bound "/dev/tty mount flags" PASS "ro,nosuid,noexec"
  verify_observed verify-rows:no-mknod-standard-set "/dev holds only pseudo-devices" \
    "standard set, no block device"
  # An optional bind whose source is missing mounts nothing: /dev/pts keeps its own row.
  pol=$(printf '[filesystem]\nbind = -%s:/dev/pts\n' "$CASE/missing" | policy dev-pts-skipped.conf)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:skipped-bind-over-dev-pts-exit-0 0
  verify_row verify-rows:skipped-bind-over-dev-pts-row "/dev/pts mount flags" PASS \
    "rw,nosuid,noexec"

  # (b) A policy lifting each protection (chrony's needs @clock, for one): each row says what
  # the policy lifted, checks that the daemon observes exactly that, and passes.
  pol=$(policy lifted.conf <<'EOF'
[capabilities]
drop = !CAP_DAC_READ_SEARCH
[seccomp]
deny = !@keyring !open_by_handle_at !@clock
native_only = no
restrict_suid_sgid = no
lock_personality = no
restrict_realtime = no
[namespaces]
allow_create = user
EOF
)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:lifted-exit-0 0
  verify_row file-handles:verify-row-lifted "$VR_HANDLES" PASS "allowed \(policy:"
  verify_row keyrings:verify-row-lifted "$VR_KEYRINGS" PASS "allowed \(policy:"
  verify_row setuid-planting:verify-row-lifted "$VR_SUID" PASS \
    "allowed \(policy: restrict_suid_sgid = no"
  verify_row setuid-planting:verify-row-io-uring-lifted "$VR_URING" PASS \
    "allowed \(policy: restrict_suid_sgid = no"
  verify_row personality:verify-row-lifted "$VR_PERSONALITY" PASS \
    "allowed \(policy: lock_personality = no"
  verify_row realtime:verify-row-lifted "$VR_REALTIME" PASS \
    "allowed \(policy: restrict_realtime = no"
  verify_row joining-namespaces:verify-row-unshare-lifted "$VR_UNSHARE" PASS \
    "refused: mnt pid net ipc uts cgroup time; reach the kernel: user \(policy: allow_create"
  verify_row joining-namespaces:verify-row-setns-lifted "$VR_SETNS" PASS \
    "any type: EPERM, user: EINVAL"
  verify_row joining-namespaces:verify-row-unknown-lifted "$VR_UNKNOWN" PASS "ENOSYS"
  verify_row seccomp-abi:verify-row-clock-lifted "$VR_CLOCK" PASS "allowed \(policy:"
  verify_row seccomp-abi:verify-row-x32-lifted "$VR_X32" PASS "the kernel.s answer \(policy: native_only = no"
  verify_row seccomp-abi:verify-row-i386-lifted "$VR_I386" PASS "the kernel.s answer \(policy: native_only = no"

  # An allow list that lets the keyrings in: the row names the list.
  pol=$(policy allow-list.conf <<'EOF'
[seccomp]
allow = @system-service @keyring
deny = !@keyring
EOF
)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:allow-list-exit-0 0
  verify_row keyrings:verify-row-allow-list "$VR_KEYRINGS" PASS "allowed \(policy: keyctl allowed"
  verify_row personality:verify-row-allow-list "$VR_PERSONALITY" PASS "EPERM \(filter"

  # No filter at all: the calls reach the kernel, and CAP_DAC_READ_SEARCH, still dropped, is
  # what refuses file handles.
  # new_session = no as well: its terminal rules would need a filter of their own.
  pol=$(policy no-filter.conf <<'EOF'
[service]
new_session = no
[seccomp]
deny =
native_only = no
restrict_suid_sgid = no
lock_personality = no
restrict_realtime = no
[namespaces]
allow_create = all
EOF
)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:no-filter-exit-0 0
  verify_row seccomp-abi:verify-row-mode-no-filter "$VR_MODE" PASS "0"
  verify_row joining-namespaces:verify-row-unknown-no-filter "$VR_UNKNOWN" PASS \
    "the kernel's answer"
  verify_row file-handles:verify-row-capability-alone "$VR_HANDLES" PASS \
    "EPERM \(no CAP_DAC_READ_SEARCH"
  verify_row joining-namespaces:verify-row-unshare-no-filter "$VR_UNSHARE" PASS \
    "reach the kernel: mnt pid net ipc uts user cgroup time"

  # (c) The protection missing although the policy asks for it (the fault shim takes it out of
  # the filter jharden builds): exactly its row fails, and --verify exits 1.
  if ! build_fault_shim; then
    skip verify-rows:faults "needs gcc and libseccomp-dev to build the fault shim"
    return
  fi
  pol=$(empty_policy)
  local fault f row threat
  for fault in "allow:keyctl|$VR_KEYRINGS|keyrings" \
    "allow:openat|$VR_SUID|setuid-planting" \
    "allow:personality|$VR_PERSONALITY|personality" \
    "allow:sched_setscheduler|$VR_REALTIME|realtime" \
    "allow:unshare|$VR_UNSHARE|joining-namespaces" \
    "allow:setns|$VR_SETNS|joining-namespaces" \
    "default-allow|$VR_UNKNOWN|joining-namespaces" \
    "allow:adjtimex|$VR_CLOCK|seccomp-abi" \
    "drop:keyctl|$VR_KEYRINGS|keyrings"; do
    IFS='|' read -r f row threat <<<"$fault"
    jh_fault "$f" --verify "$pol" -- /bin/true
    verify_failing "$threat:verify-row-fails-${f/:/-}" "$row"
  done
  # A kernel without the i386 ABI kills those calls itself: their row holds without the filter,
  # and cannot fail.
  local abi_rows=("$VR_X32" "$VR_I386")
  jh --verify "$pol" -- /bin/true
  if grep -q "^PASS  $VR_I386 .*no i386 ABI in this kernel" <<<"$OUT"; then
    abi_rows=("$VR_X32")
    skip seccomp-abi:verify-row-fails-i386 "this kernel has no i386 ABI: the row holds without the filter"
  fi
  jh_fault badarch-allow --verify "$pol" -- /bin/true
  verify_failing seccomp-abi:verify-row-fails-badarch-allow "${abi_rows[@]}"
  # The terminal rules only where a terminal is within reach: the host's /dev here (and below).
  local host_dev
  host_dev=$(policy host-dev.conf <<<$'[filesystem]\nprivate_dev = no')
  jh_fault allow:ioctl --verify "$host_dev" -- /bin/true
  verify_failing session-terminal:verify-row-fails-ioctl-allowed "$VR_TERMINAL"
  jh_fault allow:io_uring_setup --verify "$pol" -- /bin/true
  verify_failing setuid-planting:verify-row-fails-io-uring-allowed "$VR_URING"
  # CAP_SETFCAP and CAP_FSETID left in the bounding set (the shim skips their drop).
  jh_fault "keep-bound:cap_setfcap keep-bound:cap_fsetid" --verify "$pol" -- /bin/true
  verify_failing file-capabilities:verify-row-fails-kept-in-bounding-set \
    "$VR_BOUNDING" "$VR_SETFCAP" "$VR_FSETID"

  # File handles: with CAP_DAC_READ_SEARCH kept, the filter alone refuses them.
  pol=$(policy keep-dac-read-search.conf <<'EOF'
[capabilities]
drop = !CAP_DAC_READ_SEARCH
EOF
)
  jh --verify "$pol" -- /bin/true
  verify_row file-handles:verify-row-filter-alone "$VR_HANDLES" PASS "EPERM \(filter\)"
  jh_fault allow:open_by_handle_at --verify "$pol" -- /bin/true
  verify_failing file-handles:verify-row-fails-filter-alone "$VR_HANDLES"

  # In the baseline the capability refuses them too; the row still sees the rule missing where
  # the kernel checks a handle before the capability (Linux 6.10 and later): a made-up handle
  # then gets EINVAL from the kernel instead of the filter's EPERM.
  pol=$(policy kernel-order.conf <<'EOF'
[seccomp]
deny = !open_by_handle_at
EOF
)
  run_probe "$pol" "$PY -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(\"/\", os.O_RDONLY)
handle = (ctypes.c_ubyte * 16)()
r = libc.open_by_handle_at(fd, handle, 0)
print(\"made_up=\" + (os.strerror(ctypes.get_errno()) if r < 0 else \"opened\"))
'"
  local kernel_first
  kernel_first=$(field made_up)
  pol=$(empty_policy)
  jh_fault allow:open_by_handle_at --verify "$pol" -- /bin/true
  if [[ $kernel_first == "Invalid argument" ]]; then
    verify_failing file-handles:verify-row-fails-rule-missing "$VR_HANDLES"
  else
    skip file-handles:verify-row-fails-rule-missing \
      "this kernel checks CAP_DAC_READ_SEARCH before the handle ($kernel_first)"
  fi

  # No filter loaded at all: the mode row and every row that the filter alone holds fail.
  local rows=("$VR_MODE" "$VR_CLOCK" "${abi_rows[@]}" "$VR_KEYRINGS" "$VR_SUID" "$VR_URING" \
    "$VR_TERMINAL" \
    "$VR_PERSONALITY" "$VR_REALTIME" "$VR_UNSHARE" "$VR_SETNS" "$VR_UNKNOWN")
  [[ $kernel_first == "Invalid argument" ]] && rows+=("$VR_HANDLES")
  jh_fault no-load --verify "$host_dev" -- /bin/true
  verify_failing seccomp-abi:verify-row-fails-no-load "${rows[@]}"
}

# ---------------------------------------------------------------- argv injection

test_argv_injection() {
  new_case
  local pol
  pol=$(empty_policy)
  jh "$pol" -- /bin/echo --check --print ';' '$(id)' '`id`' '&&' '--' '--help'
  expect_rc argv-injection:options-after-dashdash-exit-0 0
  expect_eq argv-injection:options-after-dashdash-literal '--check --print ; $(id) `id` && -- --help' "$OUT"

  jh "$pol" -- /bin/echo --help --version
  expect_eq argv-injection:help-after-dashdash-literal '--help --version' "$OUT"

  jh "$pol" -- --print
  expect_ne argv-injection:option-as-program-refused 0 "$RC"
  expect_no_match argv-injection:option-as-program-prints-no-plan 'mounts|namespaces' "$OUT"

  jh "$pol" -- echo not-from-path
  expect_ne argv-injection:relative-program-refused 0 "$RC"
  expect_no_match argv-injection:relative-program-not-searched 'not-from-path' "$OUT"

  pol=$(policy exec.conf <<'EOF'
[service]
exec = /bin/echo $(id) $HOME * `id` |
EOF
)
  jh "$pol"
  expect_eq argv-injection:exec-key-no-shell '$(id) $HOME * `id` |' "$OUT"
}

# ---------------------------------------------------------------- hostile policy files

# refused NAME POLICY-PATH [JHARDEN OPTIONS]: jharden refuses the policy with 78 and runs
# nothing (within the time limit: a FIFO must not block it).
expect_policy_refused() {
  local name=$1 path=$2
  shift 2
  JH_TIMEOUT=20 jh "$@" "$path" -- /usr/bin/touch "$CASE/ran"
  expect_rc "hostile-policy:$name" 78
  expect_true "hostile-policy:$name:nothing-ran" "the daemon ran" test ! -e "$CASE/ran"
  rm -f "$CASE/ran"
}

test_hostile_policy() {
  new_case
  local pol
  pol=$(policy world.conf <<<'[service]')
  chmod 0646 "$pol"
  expect_policy_refused world-writable "$pol"

  pol=$(policy group.conf <<<'[service]')
  chmod 0664 "$pol"
  expect_policy_refused group-writable "$pol"

  pol=$(policy owner.conf <<<'[service]')
  chown nobody "$pol"
  expect_policy_refused not-owned-by-root "$pol"

  pol=$(policy target.conf <<<'[service]')
  ln -s "$pol" "$CASE/symlinked.conf"
  expect_policy_refused symlinked "$CASE/symlinked.conf"

  mkfifo -m 0644 "$CASE/fifo.conf"
  expect_policy_refused fifo-not-regular "$CASE/fifo.conf"

  mkdir -m 0755 "$CASE/dir.conf"
  expect_policy_refused directory-not-regular "$CASE/dir.conf"

  pol=$(printf '[service]\numask = 00\0\n' | policy nul.conf)
  expect_policy_refused nul-byte "$pol"

  pol=$( { printf '[service]\n# '; head -c 102400 /dev/zero | tr '\0' 'x'; printf '\n'; } | policy huge.conf)
  expect_policy_refused 100kb-line "$pol"

  # Just over the limit, as a value that would be harmless if split or cut.
  pol=$( { printf '[service]\nenvironment = LONG='; head -c 190 /dev/zero | tr '\0' 'x'; printf '\n'; } | policy long.conf)
  expect_policy_refused 200-byte-line "$pol"

  # Exactly 199 bytes is fine and arrives whole.
  local value
  value=$(head -c $((199 - 20)) /dev/zero | tr '\0' 'y')
  pol=$(printf '[service]\nenvironment = LONG=%s\n' "$value" | policy max.conf)
  jh "$pol" -- /bin/sh -c 'echo "LONG=$LONG"'
  expect_rc hostile-policy:199-byte-line-accepted 0
  expect_field hostile-policy:199-byte-line-whole LONG "$value"

  pol=$(printf '\xef\xbb\xbf[service]\nenvironment = FROM_BOM=yes\n' | policy bom.conf)
  jh "$pol" -- /bin/sh -c 'echo "FROM_BOM=${FROM_BOM-unset}"'
  expect_rc hostile-policy:bom-accepted 0
  expect_field hostile-policy:bom-parsed FROM_BOM yes

  pol=$(printf '[service]\r\numask = 0077\r\nenvironment = CRLF=yes\r\n[namespaces]\r\nuts = yes\r\n' | policy crlf.conf)
  jh "$pol" -- /bin/sh -c 'echo "CRLF=${CRLF-unset}|"; echo "umask=$(umask)"'
  expect_rc hostile-policy:crlf-accepted 0
  expect_field hostile-policy:crlf-value-without-cr CRLF "yes|"
  expect_field hostile-policy:crlf-parsed umask 0077

  local id
  for id in -1 4294967295 99999999999; do
    pol=$(printf '[service]\nuser = %s\ngroup = 0\n' "$id" | policy "user$id.conf")
    expect_policy_refused "user=$id" "$pol"
    pol=$(printf '[service]\ngroup = %s\n' "$id" | policy "group$id.conf")
    expect_policy_refused "group=$id" "$pol"
  done

  pol=$(printf '[filesystem]\ntmpfs = %s/t:size=99999999999999999999k\n' "$CASE" | policy size.conf)
  expect_policy_refused tmpfs-size-overflow "$pol"

  pol=$(printf '[filesystem]\ntmpfs = %s/t:uid=4294967295\n' "$CASE" | policy tmpfsuid.conf)
  expect_policy_refused tmpfs-uid-out-of-range "$pol"

  # Drop-ins are held to the same rules.
  mkdir -p "$CASE/dir/svc.conf.d"
  printf '[service]\n' >"$CASE/dir/svc.conf"
  chmod 0644 "$CASE/dir/svc.conf"
  printf '[service]\numask = 0077\n' >"$CASE/dir/svc.conf.d/50-evil.conf"
  chmod 0666 "$CASE/dir/svc.conf.d/50-evil.conf"
  JH_TIMEOUT=20 jh --policy-dir "$CASE/dir" svc.conf -- /usr/bin/touch "$CASE/ran"
  expect_rc hostile-policy:world-writable-drop-in 78
  expect_true hostile-policy:world-writable-drop-in:nothing-ran "the daemon ran" test ! -e "$CASE/ran"

  printf 'tmpfs %s/f tmpfs mode=0700 0 0\n' "$CASE" >"$CASE/fstab"
  chmod 0666 "$CASE/fstab"
  pol=$(printf '[filesystem]\nfstab = %s/fstab\n' "$CASE" | policy fstab.conf)
  expect_policy_refused world-writable-fstab "$pol"
}

# ---------------------------------------------------------------- secrets left behind

test_secrets_left() {
  new_case
  touch "$CASE/start"
  local secret="jh-e2e-leak-$RANDOM$RANDOM$RANDOM"
  printf '%s' "$secret" >"$CASE/s.key"
  chmod 0600 "$CASE/s.key"
  local mounts_before pol
  mounts_before=$(mount_table)
  pol=$(policy <<EOF
[secrets]
directory = /run/jh-e2e-secrets
# The source stays visible: this case is about leaks out of the sandbox.
hide_sources = no
s = $CASE/s.key
[namespaces]
pid = yes
EOF
)
  # /run/jh-e2e-secrets is created as a mount point on the host, as documented.
  on_exit rmdir /run/jh-e2e-secrets

  # While the daemon runs: nowhere in any process's environment or command line.
  "$JHARDEN" "$pol" -- /bin/sh -c "cat /run/jh-e2e-secrets/s >/dev/null && touch $CASE/ready; exec sleep 60" \
    </dev/null >"$CASE/run.out" 2>"$CASE/run.err" &
  local jpid=$!
  on_exit kill -KILL "$jpid"
  if wait_for_file "$CASE/ready" 20; then
    # The pattern comes from a file: grep's own command line must not hold it.
    local found
    printf '%s\n' "$secret" >"$CASE/pattern"
    found=$(grep -l -a -F -f "$CASE/pattern" /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | xargs)
    expect_eq secrets-left:not-in-any-environ-or-cmdline "" "$found"
    pass secrets-left:daemon-read-the-secret
  else
    fail secrets-left:daemon-read-the-secret "the daemon did not start: $(head -c 300 "$CASE/run.err")"
  fi
  kill -TERM "$jpid" 2>/dev/null
  wait "$jpid" 2>/dev/null
  expect_no_match secrets-left:not-in-jharden-output "$secret" "$(cat "$CASE/run.out" "$CASE/run.err")"

  local now
  now=$(mount_table)
  expect_eq secrets-left:no-mount-after-stop "$mounts_before" "$now"
  expect_no_match secrets-left:no-tmpfs-at-directory-after-stop '/run/jh-e2e-secrets ' "$now"

  # Never printed by --print, --check or --verify.
  jh --print "$pol" -- /bin/true
  expect_no_match secrets-left:not-in-print "$secret" "$OUT$ERR"
  jh --print --json "$pol" -- /bin/true
  expect_no_match secrets-left:not-in-print-json "$secret" "$OUT$ERR"
  jh --check "$pol"
  expect_no_match secrets-left:not-in-check "$secret" "$OUT$ERR"
  jh --verify "$pol"
  expect_no_match secrets-left:not-in-verify "$secret" "$OUT$ERR"

  # Not on disk: no file written since the start holds it (the source aside).
  local on_disk
  on_disk=$(find /tmp /var/tmp /run /dev/shm -xdev -type f -newer "$CASE/start" -size -2M \
    ! -path "$CASE/*" -print0 2>/dev/null | xargs -0 -r grep -l -a -F -- "$secret" 2>/dev/null | xargs)
  expect_eq secrets-left:not-on-disk "" "$on_disk"

  # Inside, only at its projected path: the source is hidden.
  pol=$(policy hidden.conf <<EOF
[secrets]
directory = $CASE/projected
s = $CASE/s.key
EOF
)
  jh "$pol" -- /bin/sh -c "echo \"projected=\$(cat $CASE/projected/s)\"; echo \"source=\$(cat $CASE/s.key)\""
  expect_field secrets-left:projected-inside projected "$secret"
  expect_field secrets-left:source-hidden-inside source ""
}

# ---------------------------------------------------------------- concurrency

test_concurrency() {
  new_case
  printf 'jh-e2e-concurrent' >"$CASE/s.key"
  chmod 0600 "$CASE/s.key"
  local pol i ok=0 bad=""
  pol=$(policy <<EOF
[filesystem]
tmpfs = $CASE/scratch:size=1m
[secrets]
directory = $CASE/secrets
hide_sources = no
s = $CASE/s.key
EOF
)
  local mounts_before
  mounts_before=$(mount_table)
  local pids=()
  for ((i = 0; i < 20; i++)); do
    timeout -k 5 "$JH_TIMEOUT" "$JHARDEN" "$pol" -- /bin/sh -c \
      "echo $i >$CASE/scratch/me; sleep 0.2; echo \"\$(cat $CASE/secrets/s) \$(cat $CASE/scratch/me) \$(ls /tmp | wc -l)\"" \
      </dev/null >"$CASE/out.$i" 2>"$CASE/err.$i" &
    pids+=($!)
  done
  for ((i = 0; i < 20; i++)); do
    wait "${pids[$i]}"
    local rc=$?
    if [[ $rc == 0 && $(cat "$CASE/out.$i") == "jh-e2e-concurrent $i 0" ]]; then
      ok=$((ok + 1))
    else
      bad+="#$i exit $rc: $(head -c 200 "$CASE/out.$i" "$CASE/err.$i" | tr '\n' ' ') "
    fi
  done
  expect_eq concurrency:20-instances-all-succeed-isolated 20 "$ok"
  [[ -n $bad ]] && echo "# $bad"
  expect_eq concurrency:no-mount-leaked "$mounts_before" "$(mount_table)"
}

# ---------------------------------------------------------------- mount-table size

test_mount_table_size() {
  new_case
  mkdir -p "$CASE/many"
  local pol JH_WRAP
  pol=$(policy <<EOF
[filesystem]
read_only = $CASE/many
EOF
)
  # 1000 tmpfs mounts under $CASE/many, in a namespace of this test only.
  ns_setup "
mount -n -t tmpfs -o size=4m jh-e2e-many $CASE/many
for i in \$(seq 1000); do mkdir $CASE/many/m\$i; done
$PY -c '
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
for i in range(1, 1001):
    path = (\"$CASE/many/m%d\" % i).encode()
    if libc.mount(b\"jh-e2e-many\", path, b\"tmpfs\", 0, b\"size=64k\") != 0:
        sys.exit(\"mount %s: errno %d\" % (path, ctypes.get_errno()))
'"
  run_probe "$pol" "
echo \"mounts=\$(wc -l < /proc/self/mountinfo)\"
p first write $CASE/many/m1/x
p last write $CASE/many/m1000/x
p usr write /usr/jh-e2e-probe
"
  on_exit rm -f /usr/jh-e2e-probe
  expect_rc mount-table-size:1000-mounts-start-up 0
  expect_true mount-table-size:1000-mounts-visible "mounts=$(field mounts)" \
    test "$(field mounts)" -gt 1000 2>/dev/null
  expect_field mount-table-size:read-only-first-submount first EROFS
  expect_field mount-table-size:read-only-last-submount last EROFS
  expect_field mount-table-size:defaults-still-applied usr EROFS
}

# ---------------------------------------------------------------- working directory

# A root daemon replaces its own working directory with a symlink to a magic link; at the
# next start jharden must not follow it to whatever jharden itself holds open (its cwd, an
# inherited fd): runc CVE-2024-21626 with jharden's descriptors.
test_working_directory() {
  local target name hostdir pol
  hostdir=$(mktemp -d /tmp/jharden-e2e-wd.XXXXXX)
  on_exit rm -rf "$hostdir"
  touch "$hostdir/host-wd-marker"
  for target in /proc/self/fd/9 /proc/self/cwd; do
    name=working-directory:${target//\//-}
    name=${name/:-/:}
    new_case
    mkdir "$CASE/wd"
    pol=$(policy <<EOF
[service]
working_directory = $CASE/wd
EOF
)
    # First start: the daemon swaps its working directory for the link.
    run_probe "$pol" "cd /; rm -rf $CASE/wd; ln -s $target $CASE/wd; echo swapped=\$?"
    expect_field "$name:daemon-swapped-it" swapped 0
    # Restart from a host directory, holding it open as fd 9 too.
    exec 9<"$hostdir"
    cd "$hostdir" || return
    run_probe "$pol" 'echo "cwd=$(readlink /proc/$$/cwd)"; echo "listing=$(ls | tr "\n" ,)"'
    cd / || return
    exec 9<&-
    expect_rc "$name:refused-200" 200
    expect_match "$name:error-names-path" "$CASE/wd" "$ERR"
    expect_no_match "$name:never-on-host-directory" 'host-wd-marker|jharden-e2e-wd' "$OUT"
  done
}

# ---------------------------------------------------------------- session leader with a terminal

# session_leader_in_pty COMMAND: runs COMMAND (words already quoted) as the leader of a new
# session that holds the pseudo-terminal of script(1) as its controlling terminal
# (setsid -c, like TTYPath= or "ssh -t host exec ..."); the shell that started it then reads
# the terminal for two seconds. Sets OUT to everything the terminal showed.
session_leader_in_pty() {
  local cmd="setsid -c $1; read -r -t 2 line; echo \"GOT=[\$line]\""
  local feeder sleeper
  exec {feeder}< <(exec sleep 60)
  sleeper=$!
  OUT=$(SHELL=/bin/bash timeout -k 5 60 script -qec "$cmd" /dev/null <&"$feeder" 2>&1 | tr -d '\r')
  exec {feeder}<&-
  kill "$sleeper" 2>/dev/null
}

test_session_terminal() {
  if ! command -v script >/dev/null || ! command -v setsid >/dev/null; then
    skip session-terminal:tiocsti "script(1) and setsid(1) are not installed (bsdutils, util-linux)"
    return
  fi
  new_case
  local pol daemon
  pol=$(empty_policy)
  daemon='$P tiocsti "echo INJECTED"; echo "ttynr=$(cut -d" " -f7 /proc/$$/stat)"'
  # jharden itself must be the session leader: no timeout(1) in between (script's own
  # timeout bounds the run).
  session_leader_in_pty "$(printf '%q ' "$JHARDEN" "$pol" -- /bin/sh -c \
    "$(prelude)"$'\n'"$daemon")"
  RC="?"
  ERR=""
  expect_match session-terminal:tiocsti-on-stdin-refused 'fd0=E[A-Z]+' "$OUT"
  expect_match session-terminal:dev-tty-unavailable 'tty=E[A-Z]+' "$OUT"
  expect_match session-terminal:no-controlling-terminal 'ttynr=0([^0-9]|$)' "$OUT"
  expect_match session-terminal:nothing-reaches-caller 'GOT=\[\]' "$OUT"
  # The daemon is not killed by the SIGHUP that giving up the terminal sends.
  expect_match session-terminal:daemon-survives-hangup 'ttynr=' "$OUT"
  session_leader_in_pty "$(printf '%q ' "$JHARDEN" --verify "$pol")"
  expect_match session-terminal:verify-row-no-terminal 'PASS +no controlling terminal' "$OUT"
  expect_match session-terminal:verify-all-pass ' 0 failed' "$OUT"

  # The daemon, still the leader of jharden's session, takes the terminal that jharden gave
  # up back (TIOCSCTTY: no capability needed for a terminal no session holds) and pushes a
  # line into it. Both requests also with the upper 32 bits set, which the kernel ignores.
  cat >"$CASE/reacquire.py" <<'EOF'
import ctypes, errno, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def ioctl(request, arg):
    r = libc.syscall(ctypes.c_long(16), ctypes.c_long(0), ctypes.c_ulong(request), arg)
    return "OK" if r == 0 else errno.errorcode[ctypes.get_errno()]
def push(request, text):
    for ch in text.encode():
        out = ioctl(request, ctypes.byref(ctypes.c_char(ch)))
        if out != "OK":
            return out
    return "OK"
HIGH = 0xFFFFFFFF00000000
print("sctty_high=" + ioctl(HIGH | 0x540E, ctypes.c_long(0)))
print("sctty=" + ioctl(0x540E, ctypes.c_long(0)))
print("sti_high=" + push(HIGH | 0x5412, "#"))
print("sti=" + push(0x5412, "echo INJECTED\n"))
print("linux=" + ioctl(0x541C, ctypes.byref(ctypes.c_char(6))))
print("ttynr=" + open("/proc/self/stat").read().rsplit(")", 1)[1].split()[4])
sys.stdout.flush()
EOF
  chmod 0644 "$CASE/reacquire.py"
  session_leader_in_pty "$(printf '%q ' "$JHARDEN" "$pol" -- "$PY" "$CASE/reacquire.py")"
  expect_match session-terminal:reacquire-tiocsctty-refused 'sctty=EPERM' "$OUT"
  expect_match session-terminal:reacquire-tiocsctty-upper-bits-refused 'sctty_high=EPERM' "$OUT"
  expect_match session-terminal:reacquire-tiocsti-refused 'sti=EPERM' "$OUT"
  expect_match session-terminal:reacquire-tiocsti-upper-bits-refused 'sti_high=EPERM' "$OUT"
  expect_match session-terminal:reacquire-tioclinux-refused 'linux=EPERM' "$OUT"
  expect_match session-terminal:reacquire-no-controlling-terminal 'ttynr=0([^0-9]|$)' "$OUT"
  expect_match session-terminal:reacquire-nothing-reaches-caller 'GOT=\[\]' "$OUT"
  # Control: with new_session = no there is no rule, the request reaches the kernel (the daemon
  # keeps the terminal it was started with, so TIOCSCTTY succeeds).
  pol=$(policy nosession.conf <<'EOF'
[service]
new_session = no
EOF
)
  session_leader_in_pty "$(printf '%q ' "$JHARDEN" "$pol" -- "$PY" "$CASE/reacquire.py")"
  expect_no_match session-terminal:reacquire-control-kernel-answers-without-rule 'sctty=EPERM' \
    "$OUT"
  # --verify tries TIOCSCTTY on 0-2: with the rule taken out of the filter, the row fails.
  pol=$(empty_policy)
  if build_fault_shim; then
    session_leader_in_pty "$(printf '%q ' env LD_PRELOAD="$FAULT_SHIM" JH_FAULT=allow:ioctl \
      "$FAULT_JHARDEN" --verify "$pol")"
    expect_match session-terminal:verify-row-fails-tiocsctty-allowed \
      'FAIL +no controlling terminal.*TIOCSCTTY' "$OUT"
    # jharden blind to the terminal on 0-2 (so no rule), started by the terminal's session
    # leader: the terminal stays that session's, the kernel refuses the probe's TIOCSCTTY
    # itself, and only the terminal on 0-2 without the rule makes the row fail.
    OUT=$(SHELL=/bin/bash timeout -k 5 60 script -qec "$(printf '%q ' env \
      LD_PRELOAD="$FAULT_SHIM" JH_FAULT=tty-unseen "$FAULT_JHARDEN" --verify "$pol")" /dev/null \
      </dev/null 2>&1 | tr -d '\r')
    expect_match session-terminal:verify-row-fails-terminal-unseen \
      'FAIL +no controlling terminal +asked: none, no terminal on 0-2 .*TIOCSCTTY on 0: Operation not permitted' \
      "$OUT"
  else
    skip session-terminal:verify-row-fails-tiocsctty-allowed "needs the fault shim"
  fi
}

# ---------------------------------------------------------------- inherited environment

test_inherited_environment() {
  new_case
  local pol
  pol=$(empty_policy)
  # $LISTEN_FDS=3 for jharden's own pid with only fd 3 open: fds 4 and 5 would be
  # whatever jharden opens itself.
  timeout -k 5 "$JH_TIMEOUT" /bin/bash -c 'exec 3</dev/null 4<&- 5<&-; export LISTEN_PID=$$ LISTEN_FDS=3
exec "$@"' bash "$JHARDEN" "$pol" -- /bin/sh -c "$(prelude)"$'\np fds fds $$\np fd4 listen-fd 4' \
    </dev/null >"$CASE/.out" 2>"$CASE/.err"
  RC=$?
  OUT=$(<"$CASE/.out")
  ERR=$(<"$CASE/.err")
  expect_rc inherited-environment:listen-fds-over-count-202 202
  expect_match inherited-environment:listen-fds-over-count-says-so 'LISTEN_FDS' "$ERR"
  expect_no_match inherited-environment:listen-fds-over-count-no-daemon 'fds=' "$OUT"

  # The count that is really there still works, and LISTEN_PID follows the daemon.
  timeout -k 5 "$JH_TIMEOUT" /bin/bash -c 'exec 3</dev/null 4</dev/null 5<&-; export LISTEN_PID=$$ LISTEN_FDS=2
exec "$@"' bash "$JHARDEN" "$pol" -- /bin/sh -c "$(prelude)"$'\np fds fds $$\necho "lp=$LISTEN_PID self=$$"' \
    </dev/null >"$CASE/.out" 2>"$CASE/.err"
  RC=$?
  OUT=$(<"$CASE/.out")
  ERR=$(<"$CASE/.err")
  expect_rc inherited-environment:listen-fds-exact-0 0
  expect_field inherited-environment:listen-fds-exact-passed fds 0,1,2,3,4
  expect_match inherited-environment:listen-pid-is-daemon '^lp=([0-9]+) self=\1$' "$(grep '^lp=' <<<"$OUT")"

  # notify = daemon with a $NOTIFY_SOCKET that names a host file hidden by the private /tmp:
  # it must not be bound into the sandbox.
  local hostdir
  hostdir=$(mktemp -d /tmp/jharden-e2e-ns.XXXXXX)
  on_exit rm -rf "$hostdir"
  echo "host-only-$RANDOM$RANDOM" >"$hostdir/private"
  pol=$(policy daemon.conf <<'EOF'
[service]
notify = daemon
EOF
)
  NOTIFY_SOCKET=$hostdir/private run_probe "$pol" "echo \"read=\$(cat $hostdir/private 2>&1)\""
  expect_rc inherited-environment:notify-socket-not-a-socket-refused 226
  expect_match inherited-environment:notify-socket-error-names-it "$hostdir/private.*not a socket" "$ERR"
  expect_no_match inherited-environment:notify-socket-file-not-reachable 'host-only-' "$OUT"
}

# ---------------------------------------------------------------- units that harden themselves

# A unit's own SystemCallFilter= or CapabilityBoundingSet= refuses jharden's set-up: the
# error must say which directive explains it and how to fix it, never only "Operation not
# permitted" or "Function not implemented". jharden inside jharden plays the unit.
test_self_hardening_unit() {
  new_case
  local inner outer
  inner=$(empty_policy)
  # The inner jharden from a place the outer sandbox shows (a checkout under /tmp or /var/tmp
  # would be behind its private tmpfs).
  install -m 0755 "$JHARDEN" "$CASE/jharden"
  local JHARDEN=$CASE/jharden
  # In a sanitizer build the inner jharden's leak check needs ptrace, which the outer
  # sandbox refuses: the check would fail, not jharden.
  local ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
  export ASAN_OPTIONS
  # Like CapabilityBoundingSet= without CAP_SYS_ADMIN (jharden's default drop list).
  outer=$(policy outer-caps.conf </dev/null)
  jh "$outer" -- "$JHARDEN" "$inner" -- /bin/true
  expect_rc self-hardening-unit:bounding-set-exit-226 226
  expect_match self-hardening-unit:bounding-set-names-directive 'CAP_SYS_ADMIN.*CapabilityBoundingSet=' "$ERR"
  expect_match self-hardening-unit:bounding-set-names-plus-fix 'ExecStart=\+' "$ERR"
  # Like SystemCallFilter=~unshare with every capability kept.
  outer=$(policy outer-seccomp.conf <<'EOF'
[capabilities]
drop =
[seccomp]
deny = unshare
EOF
)
  INVOCATION_ID=jh-e2e jh "$outer" -- "$JHARDEN" "$inner" -- /bin/true
  expect_rc self-hardening-unit:seccomp-exit-226 226
  expect_match self-hardening-unit:seccomp-names-directive 'unshare: Operation not permitted.*SystemCallFilter=.*ExecStart=\+' "$ERR"
  expect_match self-hardening-unit:seccomp-warned-at-start 'warning: started under a seccomp filter' "$ERR"
  # The same set-up without the outer sandbox gives no hint.
  jh "$inner" -- /bin/true
  expect_rc self-hardening-unit:control-exit-0 0
  expect_no_match self-hardening-unit:control-no-hint 'hint|warning' "$ERR"
}

# ---------------------------------------------------------------- swapped paths

# as_nobody CMD...: runs CMD as the unprivileged user nobody (the attacker).
as_nobody() {
  setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

# An unprivileged user owns a directory on the path of `root =`, a secret, a bind source or
# a policy drop-in directory, and swaps the next component for a symlink between two starts.
# The second start is refused, naming the path; nothing runs with the wrong tree or secret.
test_swapped_paths() {
  local pol
  # Secret source.
  new_case
  mkdir -p "$CASE/u/keys" "$CASE/evil"
  printf 'jh-e2e-right-secret' >"$CASE/u/keys/key"
  printf 'jh-e2e-root-only-secret' >"$CASE/evil/key"
  chmod 0600 "$CASE/u/keys/key" "$CASE/evil/key"
  chown -R nobody "$CASE/u"
  pol=$(policy <<EOF
[secrets]
s = $CASE/u/keys/key
EOF
)
  run_probe "$pol" 'p s read /run/secrets/s'
  expect_field swapped-paths:secret-first-start-reads-the-secret s jh-e2e-right-secret
  as_nobody sh -c "mv '$CASE/u/keys' '$CASE/u/keys.old' && ln -s '$CASE/evil' '$CASE/u/keys'"
  run_probe "$pol" 'p s read /run/secrets/s'
  expect_rc swapped-paths:secret-directory-swapped-refused-243 243
  expect_match swapped-paths:secret-message-names-path-and-component "$CASE/u/keys/key.*keys" "$ERR"
  expect_no_match swapped-paths:secret-other-file-not-projected 'root-only' "$OUT"

  # Bind source.
  new_case
  mkdir -p "$CASE/u/data" "$CASE/evil" "$CASE/dst"
  echo right >"$CASE/u/data/marker"
  echo evil >"$CASE/evil/marker"
  chown -R nobody "$CASE/u"
  pol=$(policy <<EOF
[filesystem]
bind = $CASE/u/data:$CASE/dst:ro
EOF
)
  run_probe "$pol" "p m read $CASE/dst/marker"
  expect_field swapped-paths:bind-first-start-sees-source m right
  as_nobody sh -c "mv '$CASE/u/data' '$CASE/u/data.old' && ln -s '$CASE/evil' '$CASE/u/data'"
  run_probe "$pol" "p m read $CASE/dst/marker"
  expect_rc swapped-paths:bind-source-swapped-refused-226 226
  expect_match swapped-paths:bind-message-names-path-and-component "$CASE/u/data.*data" "$ERR"
  expect_no_match swapped-paths:bind-wrong-tree-not-bound 'evil' "$OUT"

  # A root-owned symlink in a root-owned directory (like Debian's /lib -> usr/lib) works.
  new_case
  mkdir -p "$CASE/real" "$CASE/dst"
  echo real >"$CASE/real/marker"
  ln -s real "$CASE/link"
  pol=$(policy <<EOF
[filesystem]
bind = $CASE/link:$CASE/dst:ro
EOF
)
  run_probe "$pol" "p m read $CASE/dst/marker"
  expect_field swapped-paths:root-owned-symlink-still-followed m real

  # Policy drop-in directory.
  new_case
  mkdir -p "$CASE/pd/web.conf.d" "$CASE/evil.d"
  chown nobody "$CASE/pd"
  printf '[service]\nenvironment = JH_DROPIN=right\n' >"$CASE/pd/web.conf.d/50.conf"
  printf '[service]\nenvironment = JH_DROPIN=evil\n' >"$CASE/evil.d/50.conf"
  : >"$CASE/pd/web.conf"
  chmod 0644 "$CASE/pd/web.conf" "$CASE/pd/web.conf.d/50.conf" "$CASE/evil.d/50.conf"
  chown root "$CASE/pd"
  jh "$CASE/pd/web.conf" -- /bin/sh -c 'echo "d=$JH_DROPIN"'
  expect_eq swapped-paths:dropin-first-start-reads-drop-in "d=right" "$OUT"
  chown nobody "$CASE/pd"
  as_nobody sh -c "mv '$CASE/pd/web.conf.d' '$CASE/pd/old.d' && ln -s '$CASE/evil.d' '$CASE/pd/web.conf.d'"
  jh "$CASE/pd/web.conf" -- /bin/sh -c 'echo "d=$JH_DROPIN"'
  expect_rc swapped-paths:dropin-directory-swapped-refused-78 78
  expect_match swapped-paths:dropin-message-names-path "$CASE/pd" "$ERR"
  expect_no_match swapped-paths:dropin-evil-not-applied 'evil' "$OUT"

  # A group- or world-writable policy directory is refused.
  new_case
  mkdir "$CASE/gw"
  : >"$CASE/gw/web.conf"
  chmod 0644 "$CASE/gw/web.conf"
  chmod 0777 "$CASE/gw"
  jh --check "$CASE/gw/web.conf"
  expect_rc swapped-paths:world-writable-policy-directory-refused-78 78
  expect_match swapped-paths:world-writable-policy-directory-named "$CASE/gw" "$ERR"

  # root =: the directory holding the new root belongs to the user.
  if ! have_static_busybox; then
    skip swapped-paths:root-swapped-refused-226 "needs busybox-static"
    return
  fi
  new_case
  mkdir "$CASE/u"
  helper_root "$CASE/u/r"
  helper_root "$CASE/evil"
  echo right >"$CASE/u/r/etc/which"
  echo evil >"$CASE/evil/etc/which"
  pol=$(policy <<EOF
[filesystem]
root = $CASE/u/r
EOF
)
  jh "$pol" -- /bin/cat /etc/which
  expect_eq swapped-paths:root-first-start-uses-root right "$OUT"
  chown nobody "$CASE/u"
  as_nobody sh -c "mv '$CASE/u/r' '$CASE/u/r.old' && ln -s '$CASE/evil' '$CASE/u/r'"
  jh "$pol" -- /bin/cat /etc/which
  expect_rc swapped-paths:root-swapped-refused-226 226
  expect_match swapped-paths:root-message-names-path-and-component "$CASE/u/r" "$ERR"
  expect_no_match swapped-paths:root-wrong-tree-not-used 'evil' "$OUT"
}

# A directory that a user owns on one of those paths, swapped without any symlink: a policy
# directory loses its drop-in (which made the daemon run as nobody), a new root becomes her
# tree. Policy paths and root = need root's directories all the way; bind and secret sources
# follow systemd's CHASE_SAFE (her own files under her own directory are fine, root's are not).
test_swapped_paths_user_owned() {
  local pol
  # A policy directory of the user's, its drop-in directory renamed away.
  new_case
  mkdir -p "$CASE/pd/svc.conf.d"
  printf '[service]\nuser = nobody\n' >"$CASE/pd/svc.conf.d/10-user.conf"
  : >"$CASE/pd/svc.conf"
  chmod 0644 "$CASE/pd/svc.conf" "$CASE/pd/svc.conf.d/10-user.conf"
  jh "$CASE/pd/svc.conf" -- /usr/bin/id -u
  expect_eq swapped-paths:user-owned-control-root-directory-runs-as-nobody 65534 "$OUT"
  chown nobody "$CASE/pd"
  jh "$CASE/pd/svc.conf" -- /usr/bin/id -u
  expect_rc swapped-paths:user-owned-policy-directory-refused-78 78
  expect_match swapped-paths:user-owned-policy-directory-names-component "$CASE/pd is a directory owned by user id 65534" "$ERR"
  as_nobody mv "$CASE/pd/svc.conf.d" "$CASE/pd/svc.conf.d.away"
  jh "$CASE/pd/svc.conf" -- /usr/bin/id -u
  expect_rc swapped-paths:user-owned-dropin-renamed-away-refused-78 78
  expect_no_match swapped-paths:user-owned-dropin-renamed-away-not-root '^0$' "$OUT"
  # A missing policy directory under a user's directory is not "absent".
  new_case
  mkdir -p "$CASE/h"
  chown nobody "$CASE/h"
  mkdir "$CASE/etc"
  : >"$CASE/etc/svc.conf"
  chmod 0644 "$CASE/etc/svc.conf"
  jh --check --policy-dir "$CASE/h/missing" --policy-dir "$CASE/etc" svc.conf
  expect_rc swapped-paths:user-owned-missing-policy-directory-refused-78 78
  expect_match swapped-paths:user-owned-missing-policy-directory-named "$CASE/h/missing.*$CASE/h is a directory" "$ERR"

  # Bind sources: her own data under her own directory works, root's tree there does not.
  new_case
  mkdir -p "$CASE/home/www" "$CASE/home/rootdata" "$CASE/dst"
  echo hers >"$CASE/home/www/marker"
  echo roots >"$CASE/home/rootdata/marker"
  chown nobody "$CASE/home" "$CASE/home/www" "$CASE/home/www/marker"
  pol=$(policy <<EOF
[filesystem]
bind = $CASE/home/www:$CASE/dst:ro
EOF
)
  run_probe "$pol" "p m read $CASE/dst/marker"
  expect_field swapped-paths:user-owned-bind-her-own-data-works m hers
  pol=$(policy root-bind.conf <<EOF
[filesystem]
bind = $CASE/home/rootdata:$CASE/dst:ro
EOF
)
  run_probe "$pol" "p m read $CASE/dst/marker"
  expect_rc swapped-paths:user-owned-bind-root-tree-refused-226 226
  expect_match swapped-paths:user-owned-bind-names-component "$CASE/home/rootdata belongs to user id 0 but lies in $CASE/home" "$ERR"
  # The same source named in an fstab file.
  printf '%s %s none bind,ro\n' "$CASE/home/rootdata" "$CASE/dst" >"$CASE/fstab"
  chmod 0644 "$CASE/fstab"
  pol=$(policy fstab.conf <<EOF
[filesystem]
fstab = $CASE/fstab
EOF
)
  run_probe "$pol" "p m read $CASE/dst/marker"
  expect_rc swapped-paths:user-owned-fstab-bind-root-tree-refused-226 226
  expect_no_match swapped-paths:user-owned-fstab-bind-not-bound 'm=roots' "$OUT"

  # Secret sources: root's file under her directory is refused; her own is hers to give.
  new_case
  mkdir "$CASE/home"
  printf 'jh-e2e-root-secret' >"$CASE/home/root-key"
  printf 'jh-e2e-her-secret' >"$CASE/home/her-key"
  chmod 0600 "$CASE/home/root-key" "$CASE/home/her-key"
  chown nobody "$CASE/home" "$CASE/home/her-key"
  pol=$(policy <<EOF
[secrets]
s = $CASE/home/root-key
EOF
)
  run_probe "$pol" 'p s read /run/secrets/s'
  expect_rc swapped-paths:user-owned-secret-root-file-refused-243 243
  expect_match swapped-paths:user-owned-secret-names-component "$CASE/home/root-key belongs to user id 0" "$ERR"
  pol=$(policy hers.conf <<EOF
[secrets]
s = $CASE/home/her-key
EOF
)
  run_probe "$pol" 'p s read /run/secrets/s'
  expect_field swapped-paths:user-owned-secret-her-own-file-works s jh-e2e-her-secret

  # root =: root's tree in her directory, then her own tree put in its place (no symlink).
  if ! have_static_busybox; then
    skip swapped-paths:user-owned-root-refused-226 "needs busybox-static"
    return
  fi
  new_case
  mkdir "$CASE/u"
  make_busybox_root "$CASE/u/jail"
  chown nobody "$CASE/u"
  pol=$(policy <<EOF
[filesystem]
root = $CASE/u/jail
EOF
)
  jh "$pol" -- /bin/id -u
  expect_rc swapped-paths:user-owned-root-tree-refused-226 226
  expect_match swapped-paths:user-owned-root-names-component "$CASE/u is a directory owned by user id 65534" "$ERR"
  as_nobody sh -c "mv '$CASE/u/jail' '$CASE/u/jail.old' && mkdir -p '$CASE/u/jail/bin' '$CASE/u/jail/proc' '$CASE/u/jail/dev' '$CASE/u/jail/sys' '$CASE/u/jail/tmp' && cp /bin/busybox '$CASE/u/jail/bin/busybox' && printf '#!/bin/busybox sh\necho her-tree-as-uid=\$(/bin/busybox id -u)\n' >'$CASE/u/jail/bin/id' && chmod 755 '$CASE/u/jail/bin/id'"
  jh "$pol" -- /bin/id -u
  expect_rc swapped-paths:user-owned-root-her-tree-refused-226 226
  expect_no_match swapped-paths:user-owned-root-her-tree-not-run 'her-tree-as-uid' "$OUT"
  # Her tree in a directory of root's is refused too: its programs would run as root.
  new_case
  make_busybox_root "$CASE/jail"
  chown nobody "$CASE/jail"
  pol=$(policy <<EOF
[filesystem]
root = $CASE/jail
EOF
)
  jh "$pol" -- /bin/id -u
  expect_rc swapped-paths:user-owned-root-itself-refused-226 226
}

# ---------------------------------------------------------------- readiness helper

# The unit's Environment=LD_LIBRARY_PATH=DIR is meant for the daemon, and DIR is writable by
# the baseline's root daemon. A libsystemd.so.0 it plants there must never be loaded by the
# readiness helper (host mount namespace, every capability, no filter) at the next start.
test_readiness_helper() {
  new_case
  if ! gcc -shared -fPIC -o "$CASE/libsystemd.so.0" -x c - 2>"$CASE/gcc.err" <<'C'
#include <stdio.h>
#include <stdlib.h>
__attribute__((constructor)) static void planted(void) {
  const char* out = getenv("JH_E2E_PLANTED");
  FILE* f = out ? fopen(out, "w") : NULL;
  if (f) { fputs("planted library ran\n", f); fclose(f); }
}
C
  then
    skip readiness-helper:planted-libsystemd-not-loaded "needs gcc: $(head -c 200 "$CASE/gcc.err")"
    return
  fi
  install -m 0644 "$HERE/lib/notify_listener.py" "$TOP/notify_listener.py"
  mkdir "$CASE/lib"
  $PY "$TOP/notify_listener.py" "$CASE/notify.sock" "$CASE/notify.log" </dev/null >/dev/null 2>&1 &
  local listener=$! pol i
  on_exit kill "$listener"
  wait_for_file "$CASE/notify.log" 10
  pol=$(empty_policy)
  # Start 1: the daemon plants the library in the directory of the unit's LD_LIBRARY_PATH.
  LD_LIBRARY_PATH=$CASE/lib NOTIFY_SOCKET=$CASE/notify.sock JH_E2E_PLANTED=$CASE/outside \
    jh "$pol" -- /bin/cp "$CASE/libsystemd.so.0" "$CASE/lib/libsystemd.so.0"
  expect_rc readiness-helper:daemon-plants-library 0
  # Start 2: the helper reports the exec.
  LD_LIBRARY_PATH=$CASE/lib NOTIFY_SOCKET=$CASE/notify.sock JH_E2E_PLANTED=$CASE/outside \
    jh "$pol" -- /bin/true
  # The second READY=1 comes from the helper after the exec: under the sanitizers on a busy
  # machine it has taken over 5 s.
  for ((i = 0; i < 300; i++)); do
    (($(grep -c 'READY=1' "$CASE/notify.log") >= 2)) && break
    sleep 0.1
  done
  expect_true readiness-helper:planted-libsystemd-not-loaded \
    "$(cat "$CASE/outside" 2>/dev/null)" test ! -e "$CASE/outside"
  expect_eq readiness-helper:ready-still-sent-both-starts 2 "$(grep -c 'READY=1' "$CASE/notify.log")"
  kill "$listener" 2>/dev/null
}

# ---------------------------------------------------------------- notify socket

# notify = exec or none: the daemon must not reach $NOTIFY_SOCKET (READY=1 too early,
# STOPPING=1, MAINPID= any process); notify = daemon: it must.
test_notify_socket() {
  new_case
  install -m 0644 "$HERE/lib/notify_listener.py" "$TOP/notify_listener.py"
  cat >"$CASE/send.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    s.sendto(b"READY=1\nMAINPID=1\nSTATUS=spoofed-" + sys.argv[1].encode(), sys.argv[2])
    print("sent=yes")
except OSError as e:
    print("sent=" + e.__class__.__name__)
PY
  chmod 0644 "$CASE/send.py"
  $PY "$TOP/notify_listener.py" "$CASE/notify.sock" "$CASE/notify.log" </dev/null >/dev/null 2>&1 &
  local listener=$! pol mode
  on_exit kill "$listener"
  wait_for_file "$CASE/notify.log" 10
  for mode in exec none daemon; do
    pol=$(policy "$mode.conf" <<EOF
[service]
notify = $mode
EOF
)
    NOTIFY_SOCKET=$CASE/notify.sock run_probe "$pol" "$PY $CASE/send.py $mode $CASE/notify.sock"
    sleep 0.3
    if [[ $mode == daemon ]]; then
      expect_field notify-socket:daemon-mode-reaches-socket sent yes
      expect_match notify-socket:daemon-mode-message-arrives 'spoofed-daemon' "$(cat "$CASE/notify.log")"
    else
      expect_rc "notify-socket:$mode-daemon-runs-0" 0
      expect_ne "notify-socket:$mode-daemon-cannot-send" yes "$(field sent)"
      expect_no_match "notify-socket:$mode-no-message-from-daemon" "spoofed-$mode" "$(cat "$CASE/notify.log")"
    fi
  done
  # --print shows what is hidden, and why.
  pol=$(empty_policy)
  NOTIFY_SOCKET=$CASE/notify.sock jh --print "$pol"
  expect_match notify-socket:print-shows-inaccessible "$CASE/notify.sock +inaccessible" "$OUT"
  NOTIFY_SOCKET=$CASE/notify.sock jh --verify "$pol"
  expect_match notify-socket:verify-row-passes "PASS +$CASE/notify.sock is inaccessible" "$OUT$ERR"
  # Nor through a bind of its directory elsewhere.
  pol=$(policy bind.conf <<EOF
[filesystem]
bind = $CASE:/srv/jh-e2e-notify-dir
EOF
)
  NOTIFY_SOCKET=$CASE/notify.sock run_probe "$pol" "$PY /srv/jh-e2e-notify-dir/send.py bound /srv/jh-e2e-notify-dir/notify.sock"
  sleep 0.3
  expect_ne notify-socket:exec-bind-of-directory-cannot-send yes "$(field sent)"
  expect_no_match notify-socket:exec-bind-no-message 'spoofed-bound' "$(cat "$CASE/notify.log")"
  kill "$listener" 2>/dev/null
}

# ---------------------------------------------------------------- order-dependent hiding

# A hidden secret source and an inaccessible path stay out of reach through binds of their
# parent directories, whether the bind targets sort before or after them.
test_hiding() {
  local pol k
  new_case
  mkdir -p "$CASE/m/sec/dir" "$CASE/m/priv"
  printf 'jh-e2e-hidden-secret' >"$CASE/m/sec/dir/key"
  printf 'jh-e2e-inaccessible' >"$CASE/m/priv/file"
  chmod 0644 "$CASE/m/sec/dir/key" "$CASE/m/priv/file"
  # Mount points of binds of the source file itself, before and after it in the plan's order.
  touch "$CASE/a-file" "$CASE/zz-file"
  pol=$(policy <<EOF
[filesystem]
bind = $CASE/m/sec/dir/key:$CASE/a-file
bind = $CASE/m/sec/dir/key:$CASE/zz-file
bind = $CASE/m/sec:$CASE/a-before
bind = $CASE/m/sec:$CASE/z-after
bind = $CASE/m/sec/dir:$CASE/m/0
bind = $CASE/m:$CASE/b-whole
bind = $CASE/m/priv:$CASE/a-priv
bind = $CASE/m/priv:$CASE/zz-priv
inaccessible = $CASE/m/priv/file
[secrets]
s = $CASE/m/sec/dir/key
EOF
)
  run_probe "$pol" "
p own read /run/secrets/s
p src read $CASE/m/sec/dir/key
p before read $CASE/a-before/dir/key
p after read $CASE/z-after/dir/key
p dir read $CASE/m/0/key
p whole read $CASE/b-whole/sec/dir/key
p file_before read $CASE/a-file
p file_after read $CASE/zz-file
p ina read $CASE/m/priv/file
p ina_before read $CASE/a-priv/file
p ina_after read $CASE/zz-priv/file
p ina_whole read $CASE/b-whole/priv/file
"
  expect_field hiding:secret-projected own jh-e2e-hidden-secret
  for k in src before after dir whole file_before file_after; do
    expect_no_match "hiding:secret-source-hidden-${k//_/-}" 'jh-e2e-hidden-secret' "$(field $k)"
  done
  for k in ina ina_before ina_after ina_whole; do
    expect_no_match "hiding:inaccessible-hidden-${k//_/-}" 'jh-e2e-inaccessible' "$(field $k)"
  done
  jh --verify "$pol"
  expect_rc hiding:verify-passes 0
  expect_match hiding:verify-tests-place-before "PASS +$CASE/a-before/dir/key" "$OUT"
  expect_match hiding:verify-tests-place-after "PASS +$CASE/z-after/dir/key" "$OUT"
}

# ---------------------------------------------------------------- kernel views elsewhere

# protect_kernel holds for every procfs and sysfs in the sandbox: an fstab proc entry and
# binds of /proc/sys, /sys and /proc. open-w opens for writing and writes nothing.
test_kernel_views() {
  local pol sysattr
  new_case
  mkdir -p "$CASE/p"
  printf 'proc %s proc defaults\n' "$CASE/p" >"$CASE/fstab"
  chmod 0644 "$CASE/fstab"
  sysattr=$(cd /sys && find kernel power module -maxdepth 3 -type f -perm -200 2>/dev/null | head -1)
  pol=$(policy <<EOF
[filesystem]
fstab = $CASE/fstab
bind = /proc/sys:$CASE/x /sys:$CASE/y /proc:$CASE/z
EOF
)
  run_probe "$pol" "
p fstab_sysctl open-w $CASE/p/sys/kernel/domainname
p fstab_sysrq open-w $CASE/p/sysrq-trigger
p fstab_kcore stat $CASE/p/kcore
p x_sysctl open-w $CASE/x/kernel/domainname
p y_attr open-w $CASE/y/${sysattr:-kernel/jh-none}
p z_sysctl open-w $CASE/z/sys/kernel/domainname
p z_sysrq open-w $CASE/z/sysrq-trigger
p z_kcore stat $CASE/z/kcore
p fstab_kallsyms stat $CASE/p/kallsyms
p z_kallsyms stat $CASE/z/kallsyms
"
  expect_field kernel-views:fstab-proc-sysctl-read-only fstab_sysctl EROFS
  if [[ -e /proc/sysrq-trigger ]]; then
    expect_field kernel-views:fstab-proc-sysrq-read-only fstab_sysrq EROFS
    expect_field kernel-views:bind-proc-sysrq-read-only z_sysrq EROFS
  fi
  if [[ -e /proc/kcore ]]; then
    expect_field kernel-views:fstab-proc-kcore-masked fstab_kcore '666 0 0 chr'
    expect_field kernel-views:bind-proc-kcore-masked z_kcore '666 0 0 chr'
  fi
  if [[ -e /proc/kallsyms ]]; then
    expect_field kernel-views:fstab-proc-kallsyms-masked fstab_kallsyms '666 0 0 chr'
    expect_field kernel-views:bind-proc-kallsyms-masked z_kallsyms '666 0 0 chr'
  fi
  expect_field kernel-views:bind-proc-sys-read-only x_sysctl EROFS
  if [[ -n $sysattr ]]; then
    expect_field kernel-views:bind-sys-read-only y_attr EROFS
  else
    skip kernel-views:bind-sys-read-only "no writable sysfs attribute found"
  fi
  expect_field kernel-views:bind-proc-sysctl-read-only z_sysctl EROFS
}

# ---------------------------------------------------------------- private users

# The ids of the private-users cases: a host user the sandbox must not map, and a service user.
PU_OTHER=4321
PU_SERVICE=4322

# The attacks of root (or the service user) inside on host objects of another user: a file
# it may not write by its mode, one it may not read, chmod, chown, a signal, setgroups.
private_users_body() {
  echo "
echo \"uid_map=\$(echo \$(cat /proc/self/uid_map))\"
echo \"gid_map=\$(echo \$(cat /proc/self/gid_map))\"
echo setgroups_file=\$(cat /proc/self/setgroups)
p other_stat stat $1/other
p other_write open-w $1/other
p secret_read read $1/secret
p other_chmod chmod $1/other 666
p other_chown chown $1/other 0 0
p own_write open-w $1/own
p kill_other kill $2
p setgroups setgroups 0
"
}

# private_users_files DIR [OWN-UID]: the host files of the cases (made again before each run,
# since the control run changes them).
private_users_files() {
  rm -rf "$1"
  mkdir -m 0755 "$1"
  echo other >"$1/other"
  chmod 0644 "$1/other"
  echo secret >"$1/secret"
  chmod 0600 "$1/secret"
  chown "$PU_OTHER:$PU_OTHER" "$1/other" "$1/secret"
  echo own >"$1/own"
  chmod 0600 "$1/own"
  chown "${2:-0}:${2:-0}" "$1/own"
}

test_private_users() {
  new_case
  local w=$CASE/w pol victim
  # A host process of another user: root may signal it with CAP_KILL, on the host.
  setpriv --reuid=$PU_OTHER --regid=$PU_OTHER --clear-groups --inh-caps=-all sleep 300 \
    </dev/null >/dev/null 2>&1 &
  victim=$!
  on_exit kill "$victim"
  # Control: without a user namespace, root's capabilities work on all of it.
  private_users_files "$w"
  pol=$(empty_policy)
  run_probe "$pol" "$(private_users_body "$w" "$victim")"
  expect_field private-users:control-root-writes-other-users-file other_write OK
  expect_field private-users:control-root-reads-other-users-secret secret_read secret
  expect_field private-users:control-root-signals-other-user kill_other OK

  private_users_files "$w"
  pol=$(policy user.conf <<'EOF'
[namespaces]
user = yes
EOF
)
  run_probe "$pol" "$(private_users_body "$w" "$victim")"
  expect_rc private-users:root-starts 0
  expect_field private-users:root-uid-map uid_map "0 0 1"
  expect_field private-users:root-gid-map gid_map "0 0 1"
  expect_field private-users:setgroups-denied-for-good setgroups_file deny
  expect_field private-users:other-users-file-shows-nobody other_stat "644 65534 65534 reg"
  expect_field private-users:cap-dac-override-cannot-write other_write EACCES
  expect_field private-users:cap-dac-override-cannot-read secret_read ERR:EACCES
  expect_field private-users:cap-fowner-cannot-chmod other_chmod EPERM
  expect_field private-users:cap-chown-cannot-chown other_chown EPERM
  expect_field private-users:cap-kill-cannot-signal-host-process kill_other EPERM
  expect_field private-users:setgroups-refused setgroups EPERM
  expect_field private-users:root-still-writes-own-files own_write OK
  expect_eq private-users:host-file-unchanged "$PU_OTHER:$PU_OTHER 644" \
    "$(stat -c '%u:%g %a' "$w/other")"

  # A service user: mapped to itself beside root; its own files work, others' do not.
  private_users_files "$w" $PU_SERVICE
  pol=$(policy user-service.conf <<EOF
[service]
user = $PU_SERVICE
group = $PU_SERVICE
[namespaces]
user = yes
EOF
)
  run_probe "$pol" "$(private_users_body "$w" "$victim")
echo id=\$(id -u):\$(id -g)"
  expect_field private-users:service-uid-map uid_map "0 0 1 $PU_SERVICE $PU_SERVICE 1"
  expect_field private-users:service-gid-map gid_map "0 0 1 $PU_SERVICE $PU_SERVICE 1"
  expect_field private-users:service-ids id "$PU_SERVICE:$PU_SERVICE"
  expect_field private-users:service-writes-own-file own_write OK
  expect_field private-users:service-other-file-nobody other_stat "644 65534 65534 reg"

  # CAP_SYS_ADMIN kept and @mount allowed: the mount namespace was made before the user
  # namespace and belongs to the host's, so root inside still cannot undo a read-only tree.
  # Landlock (which refuses mounts too) is off here, so that only the namespace acts.
  local lift='[capabilities]
drop = !CAP_SYS_ADMIN
[seccomp]
deny = !@mount
[filesystem]
landlock = no'
  pol=$(policy admin-control.conf <<<"$lift")
  run_probe "$pol" "p umount umount2-detach /usr"
  expect_field private-users:control-cap-sys-admin-unmounts umount OK
  pol=$(policy admin.conf <<<"$lift
[namespaces]
user = yes")
  run_probe "$pol" "p umount umount2-detach /usr
p usr_write write /usr/jh-private-users"
  expect_field private-users:cap-sys-admin-cannot-unmount-read-only umount EPERM
  expect_field private-users:usr-stays-read-only usr_write EROFS

  # With the whole tree read-only: the maps are still written (through a procfs of jharden's
  # own, not the sandbox's, which the read-only round has changed).
  pol=$(policy user-ro.conf <<'EOF'
[filesystem]
read_only = /
[namespaces]
user = yes
EOF
)
  run_probe "$pol" "$(private_users_body "$w" "$victim")"
  expect_rc private-users:read-only-root-starts 0
  expect_field private-users:read-only-root-uid-map uid_map "0 0 1"

  # With a PID namespace, and in a new root.
  private_users_files "$w"
  pol=$(policy user-pid.conf <<'EOF'
[namespaces]
user = yes
pid = yes
EOF
)
  run_probe "$pol" "$(private_users_body "$w" "$victim")"
  expect_field private-users:pid-uid-map uid_map "0 0 1"
  expect_field private-users:pid-cap-dac-override-cannot-write other_write EACCES
  if have_static_busybox; then
    make_busybox_root "$CASE/root"
    pol=$(policy user-root.conf <<EOF
[filesystem]
root = $CASE/root
[namespaces]
user = yes
EOF
)
    jh "$pol" -- /bin/sh -c 'echo "uid_map=$(echo $(cat /proc/self/uid_map))"'
    expect_field private-users:root-mode-uid-map uid_map "0 0 1"
  else
    skip private-users:root-mode-uid-map "needs busybox-static"
  fi
}

# ---------------------------------------------------------------- cgroup namespace

# The mount of the unified (v2) cgroup hierarchy on the host, if any.
cgroup2_root() {
  local d
  for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
    if [[ $(stat -f -c %T "$d" 2>/dev/null) == cgroup2fs ]]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

cgroup_body() {
  echo "
echo cgroup=\$(grep '^0::' /proc/self/cgroup)
p fs mountopts /sys/fs/cgroup
p ls ls /sys/fs/cgroup
p mkdir mkdir /sys/fs/cgroup/jh-escape
p procs open-w /sys/fs/cgroup/cgroup.procs
p host_mkdir mkdir $1/jh-escape
"
}

test_cgroup_namespace() {
  new_case
  local cg pol svc
  if ! cg=$(cgroup2_root); then
    skip cgroup-namespace:all "no cgroup2 hierarchy on this host"
    return
  fi
  # jharden runs in a cgroup of its own, as under systemd, beside a sibling it must not see.
  svc="$cg/jh-e2e-$$-svc"
  mkdir -p "$svc" "$cg/jh-e2e-$$-sibling"
  on_exit rmdir "$svc/jh-escape" "$svc" "$cg/jh-e2e-$$-sibling"
  JH_WRAP=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$svc")
  # Control: root inside (protect_kernel = no) sees the host's hierarchy and writes to it.
  pol=$(policy control.conf <<'EOF'
[filesystem]
protect_kernel = no
EOF
)
  run_probe "$pol" "
echo cgroup=\$(grep '^0::' /proc/self/cgroup)
p host_mkdir mkdir $svc/jh-escape
"
  expect_field cgroup-namespace:control-sees-host-path cgroup "0::/jh-e2e-$$-svc"
  expect_field cgroup-namespace:control-creates-host-cgroup host_mkdir OK
  rmdir "$svc/jh-escape" 2>/dev/null

  pol=$(policy cgroup.conf <<'EOF'
[filesystem]
protect_kernel = no
[namespaces]
cgroup = yes
EOF
)
  run_probe "$pol" "$(cgroup_body "$svc")"
  JH_WRAP=()
  expect_rc cgroup-namespace:starts 0
  expect_field cgroup-namespace:own-cgroup-is-root cgroup "0::/"
  expect_match cgroup-namespace:fresh-read-only-cgroup2 '^cgroup2 ro,nosuid,nodev,noexec' \
    "$(field fs)"
  expect_no_match cgroup-namespace:sibling-invisible "jh-e2e-$$-sibling" "$(field ls)"
  expect_match cgroup-namespace:own-files-visible 'cgroup.procs' "$(field ls)"
  expect_field cgroup-namespace:mkdir-refused mkdir EROFS
  expect_field cgroup-namespace:move-process-refused procs EROFS
  expect_field cgroup-namespace:host-path-gone host_mkdir ENOENT
  expect_eq cgroup-namespace:nothing-created-on-host no \
    "$([[ -e $svc/jh-escape ]] && echo yes || echo no)"
  rmdir "$svc/jh-escape" 2>/dev/null
}

# ---------------------------------------------------------------- sysfs of a private network

test_net_sysfs() {
  new_case
  local pol host_cg body
  host_cg=$(echo $(ls /sys/fs/cgroup))
  body="
echo class_net=\$(ls /sys/class/net | tr '\n' ' ')
p links netifs
p sys_ro ro /sys
echo cgroup_ls=\$(ls /sys/fs/cgroup | tr '\n' ' ')
"
  pol=$(policy net.conf <<'EOF'
[namespaces]
net = yes
EOF
)
  run_probe "$pol" "$body"
  expect_rc net-sysfs:starts 0
  expect_field net-sysfs:ip-link-only-lo links "lo:up"
  expect_field net-sysfs:class-net-only-lo class_net lo
  expect_field net-sysfs:sys-read-only sys_ro ro
  expect_field net-sysfs:host-cgroup-tree-kept cgroup_ls "$host_cg"
  pol=$(policy net-unprotected.conf <<'EOF'
[filesystem]
protect_kernel = no
[namespaces]
net = yes
EOF
)
  run_probe "$pol" "$body"
  expect_field net-sysfs:unprotected-class-net-only-lo class_net lo
  expect_field net-sysfs:unprotected-sys-still-read-only sys_ro ro
}

# ---------------------------------------------------------------- --verify rows of the namespaces

# The rows of user, cgroup and net = yes pass; each fails when the fault shim takes its
# protection away while the policy still asks for it.
test_namespace_verify_rows() {
  new_case
  local pol cg svc=""
  pol=$(policy ns.conf <<'EOF'
[namespaces]
user = yes
cgroup = yes
net = yes
EOF
)
  # In a cgroup of its own, as under systemd, so that a missing cgroup namespace shows.
  if cg=$(cgroup2_root); then
    svc="$cg/jh-e2e-$$-verify"
    mkdir -p "$svc"
    on_exit rmdir "$svc"
  fi
  local into=()
  [[ -n $svc ]] && into=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$svc")
  JH_WRAP=("${into[@]}")
  jh --verify "$pol" -- /bin/true
  JH_WRAP=()
  expect_rc private-users:verify-exit-0 0
  verify_row private-users:verify-row-user-namespace "user namespace  " PASS new
  verify_row private-users:verify-row-uid-map "user namespace uid_map" PASS "0 0 1"
  verify_row private-users:verify-row-gid-map "user namespace gid_map" PASS "0 0 1"
  verify_row private-users:verify-row-setgroups "user namespace setgroups" PASS deny
  verify_row private-users:verify-row-mount-namespace-owner "mount namespace owned by" PASS \
    "the host's"
  verify_row cgroup-namespace:verify-row-namespace "cgroup namespace" PASS new
  verify_row cgroup-namespace:verify-row-own-root "own cgroup seen as the root" PASS "0::/"
  verify_row cgroup-namespace:verify-row-mount "/sys/fs/cgroup is a read-only cgroup2" PASS \
    "read-only cgroup2"
  verify_row net-sysfs:verify-row-class-net "/sys/class/net lists" PASS lo
  if ! build_fault_shim; then
    skip private-users:verify-rows-fail-when-missing "fault shim not built"
    return
  fi
  JH_WRAP=("${into[@]}")
  jh_fault userns-identity --verify "$pol" -- /bin/true
  verify_failing private-users:verify-rows-fail-with-full-id-map "user namespace uid_map" \
    "user namespace gid_map"
  jh_fault unshare-drop:cgroup --verify "$pol" -- /bin/true
  if [[ -n $svc ]]; then
    verify_failing cgroup-namespace:verify-rows-fail-without-namespace "cgroup namespace" \
      "own cgroup seen as the root"
  else
    verify_failing cgroup-namespace:verify-rows-fail-without-namespace "cgroup namespace"
  fi
  jh_fault sysfs-host-net --verify "$pol" -- /bin/true
  JH_WRAP=()
  # The sysfs of the host's network namespace is the host's own superblock: its mount row
  # fails whatever the interfaces.
  if [[ $(ls /sys/class/net) != lo ]]; then
    verify_failing net-sysfs:verify-row-fails-with-host-sysfs "/sys/class/net lists" \
      "/sys is a read-only sysfs"
  else
    verify_failing net-sysfs:verify-row-fails-with-host-sysfs "/sys is a read-only sysfs"
  fi
  verify_observed net-sysfs:verify-mount-row-says-host "/sys is a read-only sysfs" \
    "HOST'S FILE SYSTEM"
}

# ---------------------------------------------------------------- bind flags

# Every bind is nosuid and nodev, submounts of its source too (run as nobody without
# no_new_privileges, so that a set-user-ID program would otherwise work).
test_bind_flags() {
  local pol JH_WRAP
  new_case
  mkdir -p "$CASE/src/sub" "$CASE/dst"
  mknod -m 0666 "$CASE/src/null" c 1 3
  install -m 4755 -o root -g root /usr/bin/id "$CASE/src/suid-id"
  pol=$(policy <<EOF
[service]
user = nobody
[capabilities]
no_new_privileges = no
[filesystem]
bind = $CASE/src:$CASE/dst
EOF
)
  # The bind source has a submount of its own with devices and set-user-ID allowed.
  ns_setup "mount -t tmpfs -o dev,suid,mode=0755 jh-e2e-sub $CASE/src/sub
mknod -m 0666 $CASE/src/sub/null c 1 3
install -m 4755 -o root -g root /usr/bin/id $CASE/src/sub/suid-id"
  run_probe "$pol" "
p dev read-size $CASE/dst/null
p subdev read-size $CASE/dst/sub/null
p flags vfsflags $CASE/dst
p subflags vfsflags $CASE/dst/sub
echo \"suid=\$($CASE/dst/suid-id -u)\"
echo \"subsuid=\$($CASE/dst/sub/suid-id -u)\"
"
  expect_field bind-flags:device-node-under-bind-refused dev EACCES
  expect_field bind-flags:device-node-in-submount-refused subdev EACCES
  expect_field bind-flags:bind-is-nosuid-nodev flags rw,nosuid,nodev
  expect_field bind-flags:submount-is-nosuid-nodev subflags rw,nosuid,nodev
  expect_field bind-flags:setuid-root-under-bind-gives-nothing suid 65534
  expect_field bind-flags:setuid-root-in-submount-gives-nothing subsuid 65534
  JH_WRAP=()
  jh --print "$pol"
  expect_match bind-flags:print-says-nosuid-nodev "$CASE/dst  bind  $CASE/src  rw,nosuid,nodev" "$OUT"

  # A device node bound on its own keeps working (nosuid only), and --print says so.
  new_case
  pol=$(policy <<EOF
[filesystem]
bind = /dev/null:$CASE/devnull
EOF
)
  run_probe "$pol" "p dev read-size $CASE/devnull"
  expect_field bind-flags:device-source-still-usable dev 0
  jh --print "$pol"
  expect_match bind-flags:print-device-source-nosuid-only "bind  /dev/null  rw,nosuid\$" \
    "$(grep -F "$CASE/devnull  bind" <<<"$OUT")"
}

# --print shows what is applied: for every shipped policy, and for one with every kind of
# mount, the mounts of --print --json are compared with /proc/self/mountinfo read inside the
# sandbox (flags and file system options); and the --verify rows of the planned flags fail
# when a flag is taken away at mount time.
test_print_matches_mounts() {
  local conf name pol
  for conf in "$REPO"/conf/*.conf all; do
    new_case
    if [[ $conf == all ]]; then
      name=all-kinds
      mkdir -p "$CASE/dir" "$CASE/src"
      : >"$CASE/file"
      printf 'token' >"$CASE/secret"
      conf=$(policy <<EOF
[filesystem]
read_only = /
read_write = $CASE/dir
tmpfs = /srv:mode=0700,size=64m,nr_inodes=4k,noexec /opt:ro,mode=0755
bind = $CASE/src:/mnt:ro /dev/null:/media/null
mask = $CASE/file $CASE/dir
inaccessible = -/var/mail -/etc/shadow
protect_proc = invisible
[secrets]
token = $CASE/secret
EOF
)
    else
      name=$(basename "$conf" .conf)
      # A library policy needs its daemon's package (its user, its directories); each is run
      # with its daemon under systemd by tests/systemd/library.sh.
      local program
      program=$(sed -n 's/^exec = \([^ ]*\).*/\1/p' "$conf" | head -1)
      if [[ -n $program && ! -x $program ]]; then
        skip "bind-flags:print-matches-mountinfo-$name" "$program is not installed"
        continue
      fi
      conf=$(policy "$name.conf" <"$conf")
    fi
    jh --print --json "$conf"
    printf '%s\n' "$OUT" >"$CASE/plan.json"
    jh "$conf" -- /bin/cat /proc/self/mountinfo
    printf '%s\n' "$OUT" >"$CASE/mountinfo"
    # Which planned targets exist inside: an optional read-only entry can be absent there.
    local targets
    targets=$($PY -c 'import json, sys
print(" ".join(m["target"] for m in json.load(open(sys.argv[1]))["mounts"]))' "$CASE/plan.json")
    # shellcheck disable=SC2016
    jh "$conf" -- /bin/sh -c 'for t in "$@"; do [ -e "$t" ] && echo "$t"; done; true' sh $targets
    printf '%s\n' "$OUT" >"$CASE/present"
    expect_eq "bind-flags:print-matches-mountinfo-$name" same \
      "$($PY "$REPO/tests/e2e/lib/mount_compare.py" "$CASE/plan.json" "$CASE/mountinfo" \
        "$CASE/present" 2>&1)"
  done
  build_fault_shim || {
    skip bind-flags:verify-rows-fail-without-nosuid "fault_shim not built"
    return
  }
  new_case
  pol=$(policy <<EOF
[filesystem]
tmpfs = /srv
EOF
)
  jh_fault attr-drop-nosuid --verify "$pol" -- /bin/true
  if grep -q '^FAIL  /srv mount flags .*observed: rw,nodev$' <<<"$OUT" &&
    ! grep -q '^PASS  /srv mount flags' <<<"$OUT" && [[ $RC == 1 ]]; then
    pass bind-flags:verify-rows-fail-without-nosuid
  else
    fail bind-flags:verify-rows-fail-without-nosuid "exit $RC: $(grep 'mount flags' <<<"$OUT" | head -3)"
  fi
}

# A masked directory is an empty tmpfs of its own: nodev like every other mask and every
# tmpfs of the sandbox (a device node there, made by a later writable mount or a shared
# inode, must not open). A masked file is /dev/null and must stay a usable device.
test_mask_flags() {
  local pol
  new_case
  mkdir -p "$CASE/dir"
  : >"$CASE/file"
  pol=$(policy <<EOF
[filesystem]
mask = $CASE/dir $CASE/file
EOF
)
  run_probe "$pol" "
p dir mountopts $CASE/dir
p file read-size $CASE/file
"
  expect_match mask-flags:masked-directory-nodev '^tmpfs ro,nosuid,nodev,noexec[, ]' "$(field dir)"
  expect_field mask-flags:masked-file-reads-empty file 0
  jh --verify "$pol" -- /bin/true
  expect_match mask-flags:verify-row-masked-directory \
    "^PASS .* asked: ro,nosuid,nodev,noexec +observed: ro,nosuid,nodev,noexec\$" \
    "$(grep -F " $CASE/dir mount flags" <<<"$OUT")"
  expect_match mask-flags:verify-row-masked-file \
    "^PASS .* asked: ro,nosuid,noexec +observed: ro,nosuid,noexec\$" \
    "$(grep -F " $CASE/file mount flags" <<<"$OUT")"
  build_fault_shim || {
    skip mask-flags:verify-row-fails-without-nodev "fault_shim not built"
    return
  }
  jh_fault attr-drop-nodev --verify "$pol" -- /bin/true
  if grep -F " $CASE/dir mount flags" <<<"$OUT" | grep -q '^FAIL .*observed: ro,nosuid,noexec$' &&
    [[ $RC == 1 ]]; then
    pass mask-flags:verify-row-fails-without-nodev
  else
    fail mask-flags:verify-row-fails-without-nodev "exit $RC: $(grep 'mount flags' <<<"$OUT" | head -3)"
  fi
}

# No failure without its exit code and message: bytes that are not UTF-8 in a policy's paths
# and command line (valid to the kernel) once ended --print --json and --analyze --json in
# nlohmann's uncaught exception (exit 134, "terminate called ...").
test_hostile_policy_output() {
  local pol
  new_case
  pol=$(printf '[service]\nexec = /bin/echo \377\n[filesystem]\nread_only = -/srv/\351t\351\n' | policy)
  jh --print --json "$pol"
  expect_eq hostile-policy:print-json-of-non-utf8-bytes "0 " "$RC $(grep -c 'terminate called' <<<"$ERR" | sed 's/^0$//')"
  jh --analyze --json "$pol"
  expect_eq hostile-policy:analyze-json-of-non-utf8-bytes "0 " "$RC $(grep -c 'terminate called' <<<"$ERR" | sed 's/^0$//')"
}

# ---------------------------------------------------------------- mount point modes

# Mount points jharden creates are 0755 (files 0644), whatever the umask it started with.
test_mount_point_modes() {
  local pol
  new_case
  : >"$CASE/file"
  pol=$(policy <<EOF
[filesystem]
tmpfs = $CASE/new/deep/t
bind = $CASE/file:$CASE/nf/sub/file
EOF
)
  umask 077
  jh "$pol" -- /bin/true
  umask 022
  expect_rc mount-point-modes:started-under-umask-077 0
  expect_eq mount-point-modes:parent-0755 755 "$(stat -c %a "$CASE/new")"
  expect_eq mount-point-modes:nested-parent-0755 755 "$(stat -c %a "$CASE/new/deep")"
  expect_eq mount-point-modes:tmpfs-mount-point-0755 755 "$(stat -c %a "$CASE/new/deep/t")"
  expect_eq mount-point-modes:file-parent-0755 755 "$(stat -c %a "$CASE/nf/sub")"
  expect_eq mount-point-modes:file-mount-point-0644 644 "$(stat -c %a "$CASE/nf/sub/file")"
}

# ---------------------------------------------------------------- another process's /proc entries

# start_host_decoy DIR: a host process as nobody with no capabilities, working in DIR (made
# writable for nobody), the kind root inside can become with CAP_SETUID. Sets DECOY.
DECOY=""
start_host_decoy() {
  chmod 0777 "$1"
  (cd "$1" && exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all sleep 300) \
    </dev/null >/dev/null 2>&1 &
  DECOY=$!
  on_exit kill "$DECOY"
  local i
  for ((i = 0; i < 50; i++)); do
    [[ $(stat -c %u "/proc/$DECOY" 2>/dev/null) == 65534 && $(cat "/proc/$DECOY/comm" 2>/dev/null) == sleep ]] && return 0
    sleep 0.1
  done
}

# The probe switches to the decoy's ids (root inside keeps CAP_SETUID) and reaches for it.
proc_entries_body() {
  echo "
p root_ls as 65534 65534 ls /proc/$DECOY/root$1
p root_write as 65534 65534 write /proc/$DECOY/root$1/written-through-proc-root
p cwd_ls as 65534 65534 ls /proc/$DECOY/cwd
p mem as 65534 65534 open-r /proc/$DECOY/mem
p fd_open as 65534 65534 open-r /proc/$DECOY/fd/1
"
}

test_proc_entries() {
  new_case
  mkdir "$CASE/host"
  touch "$CASE/host/host-marker"
  start_host_decoy "$CASE/host"
  local pol
  pol=$(empty_policy)
  run_probe "$pol" "$(proc_entries_body "$CASE/host")"
  expect_rc proc-entries:exit-0 0
  expect_field proc-entries:host-root-refused-same-uid root_ls ERR:EACCES
  expect_field proc-entries:host-write-through-root-refused root_write EACCES
  expect_true proc-entries:host-file-not-written "a file was written on the host" \
    test ! -e "$CASE/host/written-through-proc-root"
  expect_field proc-entries:host-cwd-refused-same-uid cwd_ls ERR:EACCES
  expect_field proc-entries:host-mem-refused-same-uid mem EACCES
  expect_field proc-entries:host-fd-refused-same-uid fd_open EACCES

  # Control: without Landlock, the mounts and capabilities alone let root inside reach the
  # host's tree through the decoy (what the baseline did).
  pol=$(policy nolandlock.conf <<'EOF'
[filesystem]
landlock = no
EOF
)
  run_probe "$pol" "$(proc_entries_body "$CASE/host")"
  expect_match proc-entries:control-without-landlock-host-root-reached 'host-marker' "$(field root_ls)"
  expect_field proc-entries:control-without-landlock-host-write root_write OK
  expect_true proc-entries:control-without-landlock-host-file-written "no file on the host" \
    test -e "$CASE/host/written-through-proc-root"
  expect_match proc-entries:control-without-landlock-cwd-reached 'host-marker' "$(field cwd_ls)"
  expect_field proc-entries:control-without-landlock-mem-opened mem OK
  expect_field proc-entries:control-without-landlock-fd-opened fd_open OK
  rm -f "$CASE/host/written-through-proc-root"

  # With a PID namespace too, the decoy is not even visible.
  pol=$(policy pid.conf <<'EOF'
[namespaces]
pid = yes
EOF
)
  run_probe "$pol" "$(proc_entries_body "$CASE/host")"
  expect_match proc-entries:pid-ns-host-root-unreachable '^ERR:E(NOENT|ACCES)$' "$(field root_ls)"
  expect_true proc-entries:pid-ns-host-file-not-written "a file was written on the host" \
    test ! -e "$CASE/host/written-through-proc-root"

  # --verify: the Landlock rows expect what the plan asks for. Applied: the decoy refused (or
  # out of sight in a PID namespace), no new entry in /.
  jh --verify "$pol"
  verify_row proc-entries:verify-decoy-row-pid-ns "$VR_DECOY" PASS "not visible \(PID namespace"
  verify_row proc-entries:verify-domain-row-pid-ns "$VR_DOMAIN" PASS "auto: applied"
  # protect_proc = invisible (what --learn proposes): hidepid hides every process the daemon
  # may not ptrace, and the Landlock domain makes that every process outside the sandbox.
  pol=$(policy invisible.conf <<'EOF'
[service]
user = nobody
[filesystem]
protect_proc = invisible
EOF
)
  jh --verify "$pol"
  verify_row proc-entries:verify-decoy-row-invisible "$VR_DECOY" PASS \
    "not visible \(protect_proc = invisible, Landlock refuses ptrace access\)"
  expect_rc proc-entries:verify-invisible-exit-0 0
  pol=$(empty_policy)
  jh --verify "$pol"
  verify_row proc-entries:verify-decoy-row-baseline "$VR_DECOY" PASS "refused \(Landlock"
  expect_match proc-entries:verify-decoy-row-baseline-refused 'observed: Permission denied' \
    "$(grep -F "$VR_DECOY" <<<"$OUT")"
  verify_row proc-entries:verify-entry-row-baseline "$VR_ENTRY /" PASS "refused \(Landlock"
  verify_row proc-entries:verify-domain-row-baseline "$VR_DOMAIN" PASS "auto: applied, ABI [0-9]"
  expect_rc proc-entries:verify-baseline-exit-0 0
  # landlock = no: each row says what the policy chose and checks that the daemon observes
  # exactly that: the decoy reached, the entry made (and removed again).
  pol=$(policy nolandlock.conf <<'EOF'
[filesystem]
landlock = no
EOF
)
  jh --verify "$pol"
  verify_row proc-entries:verify-decoy-row-without-landlock "$VR_DECOY" PASS \
    "reachable \(policy: landlock = no"
  expect_match proc-entries:verify-decoy-row-without-landlock-opened 'observed: OPENED' \
    "$(grep -F "$VR_DECOY" <<<"$OUT")"
  verify_row proc-entries:verify-entry-row-without-landlock "$VR_ENTRY / " PASS \
    "created \(policy: landlock = no"
  verify_row proc-entries:verify-domain-row-without-landlock "$VR_DOMAIN" PASS \
    "no: not applied \(policy: landlock = no"
  expect_rc proc-entries:verify-without-landlock-exit-0 0
  expect_true proc-entries:verify-left-nothing-in-root "/.jharden-verify-landlock left behind" \
    test ! -e /.jharden-verify-landlock
  verify_decoy_gone proc-entries:verify-decoy-gone
  # A daemon user of its own: the decoy switches to it, which clears its parent-death signal;
  # it must not outlive the probe all the same (a pipe it held kept callers waiting).
  pol=$(policy nobody.conf <<'EOF'
[service]
user = nobody
EOF
)
  jh --verify "$pol"
  verify_row proc-entries:verify-decoy-row-other-user "$VR_DECOY" PASS "refused \(Landlock"
  verify_row proc-entries:verify-entry-row-other-user "$VR_ENTRY /" PASS \
    "refused \(no write permission"
  verify_decoy_gone proc-entries:verify-decoy-gone-other-user
  # protect_proc = invisible without a PID namespace (the shipped redis, postgresql and chrony
  # policies): hidepid hides every process the daemon may not read with ptrace, so under
  # Landlock the decoy is out of sight and the row expects exactly that; the whole report
  # passes.
  pol=$(policy nobody-hidepid.conf <<'EOF'
[service]
user = nobody
[filesystem]
protect_proc = invisible
EOF
)
  jh --verify "$pol"
  verify_row proc-entries:verify-decoy-row-hidepid "$VR_DECOY" PASS \
    "not visible \(protect_proc = invisible"
  expect_match proc-entries:verify-decoy-row-hidepid-hidden 'observed: not visible \(hidepid\)' \
    "$(grep -F "$VR_DECOY" <<<"$OUT")"
  verify_row proc-entries:verify-domain-row-hidepid "$VR_DOMAIN" PASS "auto: applied"
  expect_rc proc-entries:verify-hidepid-exit-0 0
  verify_decoy_gone proc-entries:verify-decoy-gone-hidepid
  # Without Landlock the same decoy is visible to the daemon again and reached: the row
  # says so.
  pol=$(policy nobody-hidepid-nolandlock.conf <<'EOF'
[service]
user = nobody
[filesystem]
protect_proc = invisible
landlock = no
EOF
)
  jh --verify "$pol"
  verify_row proc-entries:verify-decoy-row-hidepid-without-landlock "$VR_DECOY" PASS \
    "reachable \(policy: landlock = no"
  expect_match proc-entries:verify-decoy-row-hidepid-without-landlock-opened 'observed: OPENED' \
    "$(grep -F "$VR_DECOY" <<<"$OUT")"
  # A user namespace of its own (the shipped redis policy) hides the decoy as well, Landlock
  # or not: ptrace access from inside wants CAP_SYS_PTRACE in the decoy's namespace.
  pol=$(policy nobody-hidepid-userns.conf <<'EOF'
[service]
user = nobody
[filesystem]
protect_proc = invisible
landlock = no
[namespaces]
user = yes
EOF
)
  jh --verify "$pol"
  verify_row proc-entries:verify-decoy-row-hidepid-userns "$VR_DECOY" PASS \
    "not visible \(protect_proc = invisible, outside the user namespace"
  expect_rc proc-entries:verify-hidepid-userns-exit-0 0
}

# verify_decoy_gone NAME: the decoy named in the last --verify output is gone (within 2 s:
# killed with the probe, reaped by init).
verify_decoy_gone() {
  local decoy i
  decoy=$(grep -o 'decoy [0-9][0-9]*' <<<"$OUT" | head -1 | cut -d' ' -f2)
  for ((i = 0; i < 20; i++)); do
    [[ -n $decoy && ! -e /proc/$decoy ]] && break
    sleep 0.1
  done
  [[ -n $decoy && -e /proc/$decoy ]] && on_exit kill -KILL "$decoy"
  expect_true "$1" "decoy '$decoy' still there" test -n "$decoy" -a ! -e "/proc/$decoy"
}

# Two root sandboxes: one must not read the other's secrets through /proc.
test_proc_entries_between_sandboxes() {
  new_case
  local secret="jh-e2e-other-$RANDOM$RANDOM"
  printf '%s' "$secret" >"$CASE/a.key"
  chmod 0600 "$CASE/a.key"
  local pol_a pol_b
  pol_a=$(policy a.conf <<EOF
[secrets]
key = $CASE/a.key
EOF
)
  "$JHARDEN" "$pol_a" -- /bin/sleep 300 </dev/null >"$CASE/a.out" 2>"$CASE/a.err" &
  local a=$!
  on_exit kill -KILL "$a"
  local i
  for ((i = 0; i < 50; i++)); do
    [[ $(cat "/proc/$a/comm" 2>/dev/null) == sleep ]] && break
    sleep 0.1
  done
  local body="
p secret read /proc/$a/root/run/secrets/key
p cwd ls /proc/$a/cwd
p environ read-size /proc/$a/environ
"
  pol_b=$(empty_policy)
  run_probe "$pol_b" "$body"
  expect_field proc-entries:other-sandbox-secret-refused secret ERR:EACCES
  expect_field proc-entries:other-sandbox-cwd-refused cwd ERR:EACCES
  expect_field proc-entries:other-sandbox-environ-refused environ EACCES
  pol_b=$(policy b-nolandlock.conf <<'EOF'
[filesystem]
landlock = no
EOF
)
  run_probe "$pol_b" "$body"
  expect_field proc-entries:control-without-landlock-other-sandbox-secret-read secret "$secret"
  kill -KILL "$a" 2>/dev/null
  wait "$a" 2>/dev/null
}

# The Landlock rows of --verify, each failing when Landlock is missing although the policy
# asks for it (the fault shim, lib/fault_shim.c, takes it away behind jharden's back).
VR_DOMAIN="Landlock domain"
VR_DECOY="/proc/PID/root of a host process"
VR_ENTRY="new entry directly in"
VR_DEVIOCTL="/dev/tty ioctl, terminal taken by open"

test_proc_entries_verify_faults() {
  new_case
  if ! build_fault_shim; then
    skip proc-entries:verify-faults "needs gcc and libseccomp-dev to build the fault shim"
    return
  fi
  local pol
  pol=$(empty_policy)
  # No domain at all: every Landlock row fails, and nothing else.
  jh_fault no-landlock --verify "$pol"
  verify_failing proc-entries:verify-rows-fail-no-landlock "$VR_DOMAIN" "$VR_DECOY" "$VR_ENTRY" \
    "$VR_DEVIOCTL"
  expect_true proc-entries:verify-no-landlock-left-nothing-in-root \
    "/.jharden-verify-landlock left behind" test ! -e /.jharden-verify-landlock
  pol=$(policy yes.conf <<'EOF'
[filesystem]
landlock = yes
EOF
)
  jh_fault no-landlock --verify "$pol"
  verify_failing proc-entries:verify-rows-fail-no-landlock-mode-yes "$VR_DOMAIN" "$VR_DECOY" \
    "$VR_ENTRY" "$VR_DEVIOCTL"
  # In a PID namespace the decoy is out of sight whatever Landlock does: its row passes, the
  # domain and entry rows still see the domain missing.
  pol=$(policy pid.conf <<'EOF'
[namespaces]
pid = yes
EOF
)
  jh_fault no-landlock --verify "$pol"
  verify_failing proc-entries:verify-rows-fail-no-landlock-pid-ns "$VR_DOMAIN" "$VR_ENTRY" \
    "$VR_DEVIOCTL"
  # A domain whose rules grant everything: ptrace is still scoped, but / takes new entries and
  # a device outside /dev its ioctls.
  pol=$(empty_policy)
  jh_fault landlock-grant-root --verify "$pol"
  verify_failing landlock:verify-entry-row-fails-rules-grant-root "$VR_ENTRY" "$VR_DEVIOCTL"
  verify_row landlock:verify-domain-row-grant-root "$VR_DOMAIN" PASS "auto: applied"
  # A domain without the device ioctl right (as before ABI 5), which the plan counted on, or
  # one that grants it on /dev/tty: only the /dev/tty row fails. On a kernel before ABI 5 the
  # plan expects neither, and the row passes.
  local fault
  for fault in no-ioctl-dev dev-tty-ioctl; do
    jh_fault $fault --verify "$pol"
    if grep -qE 'Landlock domain +asked: auto: applied, ABI ([5-9]|[1-9][0-9])' <<<"$OUT"; then
      verify_failing landlock:verify-tty-row-fails-$fault "$VR_DEVIOCTL"
    else
      expect_rc landlock:verify-tty-row-without-abi-5-passes-$fault 0
    fi
  done
  # new_session = no: /dev/tty keeps its ioctls, and the row expects them.
  pol=$(printf '[service]\nnew_session = no\n' | policy nosession.conf)
  jh --verify "$pol"
  verify_row landlock:verify-tty-row-new-session-no "$VR_DEVIOCTL" PASS "allowed"
  # With landlock = no the shim has nothing to take away: every row passes.
  pol=$(policy nolandlock.conf <<'EOF'
[filesystem]
landlock = no
EOF
)
  jh_fault no-landlock --verify "$pol"
  expect_rc proc-entries:verify-no-landlock-asked-none-exit-0 0
}

# The mount rows of --verify: a row must fail when its mount is not there, even where what
# was there before has the same type (a host's /run is a tmpfs, its /proc a procfs), when a
# bind shows another tree than its source, and when procfs lacks the options asked for. The
# fault shim takes each mount or option away behind jharden's back.
VR_PROC="/proc is a fresh procfs"

# verify_observed NAME ROW-TEXT REGEX: the "observed:" column of that row matches REGEX.
verify_observed() {
  local line
  line=$(grep -F -- "$2" <<<"$OUT" | head -1)
  expect_match "$1" "observed: .*$3" "${line:-<no row \"$2\">}"
}

test_verify_mount_faults() {
  new_case
  if ! build_fault_shim; then
    skip verify-rows:mount-faults "needs gcc and libseccomp-dev to build the fault shim"
    return
  fi
  local pol
  # A tmpfs the host has at the target (here: made in a private mount namespace of the test,
  # around jharden), which a skipped mount leaves in place.
  mkdir "$CASE/t"
  pol=$(policy tmpfs.conf <<EOF
[filesystem]
tmpfs = $CASE/t
EOF
)
  local around=(unshare -m --propagation private /bin/bash -ec
    "mount -t tmpfs -o mode=0755 host-tmpfs $CASE/t"$'\nexec "$@"' bash)
  local row="$CASE/t is a private tmpfs"
  JH_WRAP=("${around[@]}")
  jh --verify "$pol"
  expect_rc verify-rows:mount-tmpfs-control-exit-0 0
  JH_WRAP=("${around[@]}")
  jh_fault "skip-mount:$CASE/t" --verify "$pol"
  JH_WRAP=()
  verify_failing verify-rows:mount-tmpfs-skipped-fails "$row" "$CASE/t mount flags"
  verify_observed verify-rows:mount-tmpfs-skipped-says-host "$row" "HOST'S FILE SYSTEM"

  pol=$(policy proc.conf <<'EOF'
[filesystem]
protect_proc = invisible
proc_subset = pid
EOF
)
  jh --verify "$pol"
  expect_rc verify-rows:mount-proc-control-exit-0 0
  verify_observed verify-rows:mount-proc-options-read-back "$VR_PROC" \
    "procfs, hidepid=invisible,subset=pid$"
  jh_fault skip-mount:/proc --verify "$pol"
  verify_failing verify-rows:mount-proc-skipped-fails "$VR_PROC" "/proc mount flags"
  jh_fault proc-drop:hidepid --verify "$pol"
  verify_failing verify-rows:mount-proc-no-hidepid-fails "$VR_PROC"
  verify_observed verify-rows:mount-proc-no-hidepid-observed "$VR_PROC" "MISSING: hidepid=invisible"
  jh_fault proc-drop:subset --verify "$pol"
  verify_failing verify-rows:mount-proc-no-subset-fails "$VR_PROC"

  mkdir "$CASE/src" "$CASE/dst" "$CASE/other"
  pol=$(policy bind.conf <<EOF
[filesystem]
bind = $CASE/src:$CASE/dst
EOF
)
  local row="$CASE/dst is bound from $CASE/src"
  jh --verify "$pol"
  expect_rc verify-rows:mount-bind-control-exit-0 0
  jh_fault "skip-mount:$CASE/dst" --verify "$pol"
  verify_failing verify-rows:mount-bind-skipped-fails "$row" "$CASE/dst mount flags"
  verify_observed verify-rows:mount-bind-skipped-observed "$row" "NOT A MOUNT"
  jh_fault "bind-from:$CASE/src=$CASE/other" --verify "$pol"
  verify_failing verify-rows:mount-bind-other-source-fails "$row"
  verify_observed verify-rows:mount-bind-other-source-observed "$row" "NOT THE SOURCE"
  # An optional bind whose source is missing is skipped: no row, nothing failing.
  pol=$(policy optional.conf <<EOF
[filesystem]
bind = -$CASE/absent:$CASE/dst
EOF
)
  jh --verify "$pol"
  expect_rc verify-rows:mount-bind-optional-source-missing-exit-0 0

  # The private /dev's nodes made as other devices than their names say; or, where mknod is
  # refused, the host's node not bound at all (the empty file under it stays).
  pol=$(empty_policy)
  jh_fault mknod-full --verify "$pol"
  verify_failing verify-rows:dev-nodes-other-devices-fail "/dev holds only pseudo-devices"
  verify_observed verify-rows:dev-nodes-other-devices-observed "/dev holds only pseudo-devices" \
    "not their device: null zero random urandom tty"
  jh_fault "mknod-refused skip-mount:/dev/null" --verify "$pol"
  verify_failing verify-rows:dev-node-bind-skipped-fails "/dev holds only pseudo-devices"
  verify_observed verify-rows:dev-node-bind-skipped-observed "/dev holds only pseudo-devices" \
    "not their device: null"
}

# ---------------------------------------------------------------- Landlock under the mounts

# A write through a file handle ("Shocker"): the handle of a file under a read-only tree,
# reopened through the writable mount of the same file system. The seccomp default and the
# capability drop that refuse open_by_handle_at are lifted, so Landlock is the layer tested.
test_landlock_file_handle() {
  need_helper landlock:file-handle-write-refused || return
  new_case
  mkdir "$CASE/ro"
  echo original >"$CASE/ro/target"
  local body="p handle exec $HELPER handle-write $CASE/ro/target $CASE
p direct open-w $CASE/ro/target"
  local pol
  pol=$(policy <<EOF
[filesystem]
read_only = $CASE/ro
[capabilities]
drop =
drop = CAP_SYS_ADMIN CAP_SYS_PTRACE CAP_SYS_MODULE CAP_SYS_RAWIO CAP_MKNOD
[seccomp]
deny =
EOF
)
  run_probe "$pol" "$body"
  expect_rc landlock:file-handle-exit-0 0
  expect_field landlock:file-handle-direct-write-erofs direct EROFS
  expect_field landlock:file-handle-write-refused handle open_by_handle_at:EACCES
  expect_eq landlock:file-handle-target-untouched original "$(cat "$CASE/ro/target")"

  pol=$(policy nolandlock.conf <<EOF
[filesystem]
read_only = $CASE/ro
landlock = no
[capabilities]
drop =
drop = CAP_SYS_ADMIN CAP_SYS_PTRACE CAP_SYS_MODULE CAP_SYS_RAWIO CAP_MKNOD
[seccomp]
deny =
EOF
)
  run_probe "$pol" "$body"
  expect_field landlock:control-without-landlock-file-handle-writes handle OK
  expect_match landlock:control-without-landlock-target-written 'file handle' "$(cat "$CASE/ro/target")"
}

# A mount the host makes after the start, below a read-only tree: with slave propagation it
# appears inside, writable by its own flags. The "host" here is a mount namespace of this
# test whose $CASE is shared, as systemd makes "/".
late_mount_run() {
  local pol=$1 holder=$2 name=$3
  : >"$CASE/started"
  chmod 0666 "$CASE/started"
  nsenter -t "$holder" -m -- timeout -k 5 60 "$JHARDEN" "$pol" -- /bin/sh -c "$(prelude)
echo up >$CASE/started
i=0
while [ ! -e $CASE/ro/late/ready ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i + 1)); done
p late write $CASE/ro/late/x
p tree write $CASE/ro/y
" </dev/null >"$CASE/$name.out" 2>"$CASE/$name.err" &
  local j=$! i
  for ((i = 0; i < 100; i++)); do
    [[ -s $CASE/started ]] && break
    sleep 0.1
  done
  nsenter -t "$holder" -m -- /bin/sh -ec "mount -t tmpfs -o size=1m jh-e2e-late $CASE/ro/late; touch $CASE/ro/late/ready"
  wait "$j"
  RC=$?
  OUT=$(<"$CASE/$name.out")
  ERR=$(<"$CASE/$name.err")
  nsenter -t "$holder" -m -- umount "$CASE/ro/late"
}

test_landlock_late_mount() {
  new_case
  mkdir -p "$CASE/ro/late"
  unshare -m --propagation private sleep 300 &
  local holder=$!
  on_exit kill "$holder"
  sleep 0.2
  nsenter -t "$holder" -m -- /bin/sh -ec "mount --bind $CASE $CASE; mount --make-shared $CASE"
  local pol
  pol=$(policy <<EOF
[filesystem]
read_only = $CASE/ro
EOF
)
  late_mount_run "$pol" "$holder" landlock
  expect_rc landlock:late-mount-exit-0 0
  expect_field landlock:late-mount-tree-erofs tree EROFS
  expect_field landlock:late-mount-write-refused late EACCES
  pol=$(policy nolandlock.conf <<EOF
[filesystem]
read_only = $CASE/ro
landlock = no
EOF
)
  late_mount_run "$pol" "$holder" nolandlock
  expect_field landlock:control-without-landlock-late-mount-writable late OK
  kill "$holder"
  wait "$holder" 2>/dev/null
}

# The same inside procfs, which Landlock grants whole (jharden.conf(5), "Landlock"): the host
# mounts binfmt_misc on /proc/sys/fs/binfmt_misc when it is first used (an automount), after
# the service started. Here a tmpfs stands in for it. With slave propagation it appears inside
# the read-only /proc/sys with its own flags; propagation = private (or a PID namespace, whose
# fresh procfs receives no host mount) keeps it out.
late_proc_mount_run() {
  local pol=$1 holder=$2 name=$3 at=/proc/sys/fs/binfmt_misc
  : >"$CASE/started"
  nsenter -t "$holder" -m -- timeout -k 5 60 "$JHARDEN" "$pol" -- /bin/sh -c "$(prelude)
echo up >$CASE/started
i=0
while [ ! -e $CASE/ready ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i + 1)); done
p late write $at/jh-e2e-x
p sysctl write /proc/sys/kernel/domainname
" </dev/null >"$CASE/$name.out" 2>"$CASE/$name.err" &
  local j=$! i
  for ((i = 0; i < 100; i++)); do
    [[ -s $CASE/started ]] && break
    sleep 0.1
  done
  nsenter -t "$holder" -m -- mount -t tmpfs -o size=1m jh-e2e-late-proc "$at"
  touch "$CASE/ready"
  wait "$j"
  RC=$?
  OUT=$(<"$CASE/$name.out")
  ERR=$(<"$CASE/$name.err")
  nsenter -t "$holder" -m -- umount "$at"
  rm -f "$CASE/ready"
}

test_landlock_late_proc_mount() {
  new_case
  if [[ ! -d /proc/sys/fs/binfmt_misc ]]; then
    skip landlock:late-proc-mount "no /proc/sys/fs/binfmt_misc in this kernel"
    return
  fi
  # The "host": a mount namespace of this test whose /proc is shared, as systemd makes it.
  unshare -m --propagation private sleep 300 &
  local holder=$!
  on_exit kill "$holder"
  sleep 0.2
  nsenter -t "$holder" -m -- mount --make-shared /proc
  local pol
  pol=$(empty_policy)
  late_proc_mount_run "$pol" "$holder" slave
  expect_rc landlock:late-proc-mount-slave-exit-0 0
  expect_field landlock:late-proc-mount-slave-sysctl-erofs sysctl EROFS
  # The documented limit: Landlock cannot hold it, the mount arrives writable.
  expect_field landlock:late-proc-mount-slave-writable-as-documented late OK
  pol=$(policy private.conf <<'EOF'
[filesystem]
propagation = private
EOF
)
  late_proc_mount_run "$pol" "$holder" private
  expect_rc landlock:late-proc-mount-private-exit-0 0
  expect_match landlock:late-proc-mount-private-not-written '^E(NOENT|ROFS)$' "$(field late)"
  expect_field landlock:late-proc-mount-private-sysctl-erofs sysctl EROFS
  pol=$(policy pid.conf <<'EOF'
[namespaces]
pid = yes
EOF
)
  late_proc_mount_run "$pol" "$holder" pid
  expect_rc landlock:late-proc-mount-pid-ns-exit-0 0
  expect_match landlock:late-proc-mount-pid-ns-not-written '^E(NOENT|ROFS)$' "$(field late)"
  kill "$holder"
  wait "$holder" 2>/dev/null
}

# Landlock grants a directory that holds a read-only tree entry by entry, each entry's rights
# from its type as listed. A host process that swaps a listed directory with a symlink to /etc
# (renameat2 RENAME_EXCHANGE, in a loop) while jharden starts must not make the start fail,
# nor give the symlink's target anything.
test_landlock_swapped_entries() {
  new_case
  mkdir -p "$CASE/ro" "$CASE/x"
  ln -s /etc "$CASE/xalt"
  local pol runs=150 failed=0 i
  pol=$(policy <<EOF
[filesystem]
read_only = /usr /etc $CASE/ro
landlock = yes
EOF
)
  cat >"$CASE/swap.py" <<'PY'
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
d = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    libc.renameat2(d, b"x", d, b"xalt", 2)  # RENAME_EXCHANGE
PY
  "$PY" "$CASE/swap.py" "$CASE" 60 &
  local swapper=$!
  for ((i = 0; i < runs; i++)); do
    jh "$pol" -- /bin/true
    ((RC == 0)) || { failed=$((failed + 1)); echo "$ERR" >>"$CASE/errors"; }
  done
  kill "$swapper" 2>/dev/null
  wait "$swapper" 2>/dev/null
  expect_eq landlock:swapped-entry-never-fails-start "0 of $runs failed" "$failed of $runs failed"
  on_exit rm -f /etc/jh-e2e-landlock-swap
  jh "$pol" -- /bin/sh -c "echo x > $CASE/xalt/jh-e2e-landlock-swap"
  expect_true landlock:swapped-entry-target-untouched "written through the symlink" \
    test ! -e /etc/jh-e2e-landlock-swap
}

# An ordinary daemon still writes where the mounts let it: Landlock refuses nothing more,
# except new entries directly in a directory granted entry by entry (jharden.conf(5)).
test_landlock_daemon_writes() {
  new_case
  mkdir -p "$CASE/app/data" "$CASE/rw"
  : >"$CASE/existing"
  echo s3cr3t >"$CASE/s.key"
  chmod 0600 "$CASE/s.key"
  local pol
  pol=$(policy <<EOF
[filesystem]
read_only = $CASE/app
read_write = $CASE/app/data
[secrets]
k = $CASE/s.key
EOF
)
  run_probe "$pol" "
p tmp write /tmp/x
p tmp_mkdir mkdir /tmp/d
r tmp_rename mv /tmp/x /tmp/d/y
p var_tmp write /var/tmp/x
p shm write /dev/shm/x
p hole write $CASE/app/data/x
p hole_mkdir mkdir $CASE/app/data/d
r hole_rename mv $CASE/app/data/x $CASE/app/data/d/y
r hole_rm rm -r $CASE/app/data/d
r truncate sh -c ': > /tmp/d/y'
p devnull open-w /dev/null
r devnull_sh sh -c 'echo x > /dev/null'
p oom open-w /proc/self/oom_score_adj
r oom_sh sh -c 'echo 0 > /proc/self/oom_score_adj'
p sibling_existing open-w $CASE/existing
p sibling_dir write $CASE/rw/x
p secret_write open-w /run/secrets/k
p secret_create write /run/secrets/new
p app write $CASE/app/x
p usr write /usr/jh-e2e-landlock
p new_in_granted_entrywise write $CASE/new
"
  on_exit rm -f /usr/jh-e2e-landlock
  expect_rc landlock:daemon-exit-0 0
  for k in tmp tmp_mkdir var_tmp shm hole hole_mkdir devnull oom sibling_existing sibling_dir; do
    expect_field "landlock:daemon-writes-$k" "$k" OK
  done
  for k in tmp_rename hole_rename hole_rm truncate devnull_sh oom_sh; do
    expect_field "landlock:daemon-writes-$k" "$k" 0
  done
  # The mounts answer first, as before: EROFS.
  expect_field landlock:daemon-secret-write-erofs secret_write EROFS
  expect_field landlock:daemon-secret-create-erofs secret_create EROFS
  expect_field landlock:daemon-read-only-tree-erofs app EROFS
  expect_field landlock:daemon-usr-erofs usr EROFS
  # The documented difference: $CASE holds a read-only tree, so it is granted entry by entry.
  expect_field landlock:daemon-new-entry-beside-read-only-tree-refused new_in_granted_entrywise EACCES

  # root = mode: the same, in the new root.
  if ! have_static_busybox; then
    skip landlock:root-mode-daemon-writes "needs busybox-static"
    return
  fi
  new_case
  make_busybox_root "$CASE/root"
  mkdir -p "$CASE/root/data"
  pol=$(policy <<EOF
[filesystem]
root = $CASE/root
EOF
)
  jh "$pol" -- /bin/sh -c '
touch /tmp/x && echo tmp=OK
touch /data/x && echo data=OK
echo x > /dev/null && echo devnull=OK
touch /usr/x 2>/dev/null || echo usr=refused
mkdir /newdir 2>/dev/null || echo newdir=refused
'
  expect_rc landlock:root-mode-exit-0 0
  expect_field landlock:root-mode-tmp tmp OK
  expect_field landlock:root-mode-data data OK
  expect_field landlock:root-mode-devnull devnull OK
  expect_field landlock:root-mode-usr-refused usr refused
  expect_field landlock:root-mode-new-entry-in-root-refused newdir refused
  expect_true landlock:root-mode-data-written "/data/x missing in the tree" test -e "$CASE/root/data/x"
}

# ---------------------------------------------------------------- small truths
#
# What jharden said or did not say about itself: a capability in `keep` that jharden does not
# hold was dropped without a word (the daemon ran without it); a secret source that could not
# be read was reported without its policy line; a $CREDENTIALS_DIRECTORY inherited from the
# unit stayed for the daemon when every secret was optional and missing.

test_small_truths() {
  new_case
  local pol
  pol=$(policy keep.conf <<EOF
[service]
exec = /bin/sh -c "grep ^CapBnd /proc/self/status >$CASE/ran"
[capabilities]
keep = CAP_CHOWN CAP_NET_ADMIN
EOF
)
  # Control: held, both are kept.
  jh "$pol"
  expect_rc capabilities:keep-held-exit-0 0
  # jharden started without CAP_NET_ADMIN in its bounding set (a unit's
  # CapabilityBoundingSet=): root's permitted set after execve lacks it too.
  rm -f "$CASE/ran"
  JH_WRAP=(setpriv --bounding-set=-net_admin)
  jh "$pol"
  JH_WRAP=()
  expect_rc capabilities:keep-not-held-exit-218 218
  expect_match capabilities:keep-not-held-names-line-and-cap \
    "$pol:[0-9]+: error: keep: CAP_NET_ADMIN is not held by jharden itself" "$ERR"
  expect_true capabilities:keep-not-held-nothing-executed "the daemon ran: $(cat "$CASE/ran" 2>&1)" \
    test ! -e "$CASE/ran"
  # Lifted from keep, the same start goes through.
  pol=$(policy keep2.conf <<'EOF'
[capabilities]
keep = CAP_CHOWN
EOF
)
  JH_WRAP=(setpriv --bounding-set=-net_admin)
  jh "$pol" -- /bin/true
  JH_WRAP=()
  expect_rc capabilities:keep-only-held-exit-0 0

  # A secret source that cannot be read: the message names the policy line.
  pol=$(policy secret.conf <<EOF
[service]
exec = /bin/true
[secrets]
key = $CASE/no-such-secret
EOF
)
  jh "$pol"
  expect_rc secrets-left:source-missing-exit-243 243
  expect_match secrets-left:source-missing-names-policy-line \
    "$pol:4: error: secrets: cannot read $CASE/no-such-secret" "$ERR"
  jh --check "$pol"
  expect_match secrets-left:source-missing-check-names-policy-line \
    "$pol:4: error: secrets: cannot read" "$ERR"
  pol=$(policy credential.conf <<'EOF'
[secrets]
tls = credential:tls
EOF
)
  JH_WRAP=(env -u CREDENTIALS_DIRECTORY)
  jh --check "$pol"
  JH_WRAP=()
  expect_match secrets-left:credential-without-directory-names-policy-line \
    "$pol:2: error: secrets: tls: credential:tls: .CREDENTIALS_DIRECTORY is not set" "$ERR"

  # Every secret optional and missing: no projection, so the unit's directory is removed.
  mkdir -m 0700 "$CASE/creds"
  printf 'unit-credential' >"$CASE/creds/tls"
  pol=$(policy optional.conf <<EOF
[secrets]
key = -$CASE/absent
EOF
)
  CREDENTIALS_DIRECTORY="$CASE/creds" run_probe "$pol" 'echo "cd=${CREDENTIALS_DIRECTORY-<unset>}"'
  expect_field secrets-left:credentials-directory-removed-optional-secrets-missing cd "<unset>"
}

# ---------------------------------------------------------------- systemd's semantics, attacked
#
# Where jharden's semantics differed from systemd's, a protection was missing or a daemon
# was pointed at the wrong files: /dev/shm stayed writable under read_only = /dev, an
# inaccessible file under /proc stopped the service (226) so the policy had to leave it
# readable, and $CREDENTIALS_DIRECTORY kept naming the unit's own (hidden) directory.

test_semantics_attacks() {
  # The default secrets directory is created on the host's /run when missing.
  if [[ ! -e /run/secrets ]]; then
    mkdir -m 0755 /run/secrets
    on_exit rmdir /run/secrets
  fi
  new_case
  local pol
  pol=$(policy dev.conf <<'EOF'
[filesystem]
read_only = /dev
EOF
)
  run_probe "$pol" "p shm write /dev/shm/jh-e2e-planted"
  expect_field read-only:dev-shm-under-read-only-dev shm EROFS

  pol=$(policy proc.conf <<'EOF'
[filesystem]
protect_kernel = no
inaccessible = /proc/kallsyms /proc/cmdline
EOF
)
  run_probe "$pol" "
p kallsyms as 65534 65534 read-size /proc/kallsyms
p cmdline read-size /proc/cmdline
"
  expect_rc kernel-views:inaccessible-proc-file-starts 0
  expect_field kernel-views:inaccessible-proc-file-refused kallsyms EACCES
  expect_field kernel-views:inaccessible-proc-file-empty-for-root cmdline 0

  mkdir -m 0700 "$CASE/creds"
  printf 'unit-credential' >"$CASE/creds/other"
  chmod 0400 "$CASE/creds/other"
  pol=$(policy none.conf </dev/null)
  CREDENTIALS_DIRECTORY="$CASE/creds" run_probe "$pol" 'echo "cd=${CREDENTIALS_DIRECTORY-<unset>}"'
  expect_field secrets-left:inherited-credentials-directory-removed cd "<unset>"
  printf 'projected' >"$CASE/creds/tls"
  chmod 0400 "$CASE/creds/tls"
  pol=$(policy cred.conf <<'EOF'
[secrets]
tls = credential:tls
EOF
)
  CREDENTIALS_DIRECTORY="$CASE/creds" run_probe "$pol" '
echo "cd=${CREDENTIALS_DIRECTORY-<unset>}"
p tls read "$CREDENTIALS_DIRECTORY/tls"
p other read "$CREDENTIALS_DIRECTORY/other"'
  expect_field secrets-left:credentials-directory-is-the-projection cd /run/secrets
  expect_field secrets-left:credentials-directory-reads-the-secret tls projected
  expect_field secrets-left:credentials-directory-only-projected other ERR:ENOENT

  # [secrets] user: the --verify row checks the owner, and fails when the files stay root's.
  printf 'owned' >"$CASE/k"
  chmod 0600 "$CASE/k"
  pol=$(policy owner.conf <<EOF
[secrets]
user = nobody
k = $CASE/k
EOF
)
  jh --verify "$pol" -- /bin/true
  expect_rc secrets-left:verify-secrets-owner-exit-0 0
  verify_row secrets-left:verify-row-secrets-owner "/run/secrets/k projected" PASS \
    "mode 0400, 5 B, owner 65534:$(id -g nobody)"
  if build_fault_shim; then
    jh_fault no-chown --verify "$pol" -- /bin/true
    verify_failing secrets-left:verify-row-secrets-owner-fails-when-root-owns "/run/secrets/k projected"
  else
    skip secrets-left:verify-row-secrets-owner-fails-when-root-owns "fault shim not built"
  fi
}

# ---------------------------------------------------------------- seccomp keys

# A Python probe: each line KEY=errno name (or "ok") of one call.
SOCKET_PROBE='
import ctypes, errno, os, socket
def run(key, f):
    try:
        f()
        print(key + "=ok")
    except OSError as e:
        print(key + "=" + errno.errorcode.get(e.errno, str(e.errno)))
run("unix", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close())
run("pair", lambda: [s.close() for s in socket.socketpair(socket.AF_UNIX)])
run("inet", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close())
run("inet6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close())
run("netlink", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).close())
run("packet", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0).close())
libc = ctypes.CDLL(None, use_errno=True)
params = (ctypes.c_ubyte * 120)()
r = libc.syscall(425, 1, params)
print("io_uring=" + ("ok" if r >= 0 else errno.errorcode[ctypes.get_errno()]))
'

test_address_families() {
  new_case
  local pol
  pol=$(policy af.conf <<'EOF'
[seccomp]
address_families = AF_UNIX AF_INET6
EOF
)
  jh "$pol" -- "$PY" -c "$SOCKET_PROBE"
  expect_rc address-families:runs 0
  expect_field address-families:unix-allowed unix ok
  expect_field address-families:socketpair-allowed pair ok
  expect_field address-families:inet6-allowed inet6 ok
  expect_field address-families:inet-refused inet EAFNOSUPPORT
  expect_field address-families:netlink-refused netlink EAFNOSUPPORT
  expect_field address-families:packet-refused packet EAFNOSUPPORT
  expect_field address-families:io-uring-refused io_uring EPERM

  pol=$(policy af-none.conf <<'EOF'
[seccomp]
address_families = none
EOF
)
  jh "$pol" -- "$PY" -c "$SOCKET_PROBE"
  expect_field address-families:none-unix-refused unix EAFNOSUPPORT
  expect_field address-families:none-socketpair-refused pair EAFNOSUPPORT

  # With the other ABIs in the filter too (libseccomp used to drop the family rules on every
  # architecture, leaving socket() to the default ENOSYS).
  pol=$(policy af-all-abis.conf <<'EOF'
[seccomp]
address_families = AF_UNIX
native_only = no
EOF
)
  jh "$pol" -- "$PY" -c "$SOCKET_PROBE"
  expect_field address-families:all-abis-unix-allowed unix ok
  expect_field address-families:all-abis-inet-refused inet EAFNOSUPPORT
  expect_field address-families:all-abis-netlink-refused netlink EAFNOSUPPORT

  # A drop-in takes one family away from every family.
  pol=$(policy af-minus.conf <<'EOF'
[seccomp]
address_families = !AF_NETLINK
EOF
)
  jh "$pol" -- "$PY" -c "$SOCKET_PROBE"
  expect_field address-families:minus-netlink-refused netlink EAFNOSUPPORT
  expect_field address-families:minus-inet-allowed inet ok

  # --verify: the row expects the refusal, and fails without the rule.
  pol=$(policy af-verify.conf <<'EOF'
[seccomp]
address_families = AF_UNIX
EOF
)
  jh --verify "$pol" -- /bin/true
  expect_rc address-families:verify-exit-0 0
  verify_row address-families:verify-row "socket(AF_NETLINK)" PASS \
    "EAFNOSUPPORT \(filter: address_families"
  verify_row address-families:verify-row-io-uring "io_uring_setup" PASS "EPERM \(filter"
  if build_fault_shim; then
    jh_fault allow:socket --verify "$pol" -- /bin/true
    verify_failing address-families:verify-row-fails-without-rule "socket(AF_NETLINK)"
  else
    skip address-families:verify-row-fails-without-rule "no fault shim"
  fi
}

WX_PROBE='
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
FAILED = ctypes.c_void_p(-1).value
def name(ok):
    return "ok" if ok else errno.errorcode[ctypes.get_errno()]
p = libc.mmap(None, 4096, 7, 0x22, -1, 0)
print("wx=" + name(p != FAILED))
p = libc.mmap(None, 4096, 3, 0x22, -1, 0)
print("rw=" + name(p != FAILED))
print("mprotect_x=" + name(libc.mprotect(p, 4096, 5) == 0))
'

test_write_execute() {
  new_case
  local pol mdwe
  pol=$(empty_policy)
  jh "$pol" -- "$PY" -c "$WX_PROBE"
  expect_field write-execute:control-wx-allowed-by-default wx ok
  pol=$(policy wx.conf <<'EOF'
[seccomp]
memory_deny_write_execute = yes
EOF
)
  jh --print "$pol" -- /bin/true
  mdwe=$(grep -o '^memory_deny_write_execute: [A-Za-z_]*' <<<"$OUT")
  jh "$pol" -- "$PY" -c "$WX_PROBE"
  expect_field write-execute:rw-allowed rw ok
  if [[ $mdwe == *PR_SET_MDWE ]]; then
    expect_field write-execute:wx-refused-by-kernel wx EACCES
    expect_field write-execute:mprotect-refused-by-kernel mprotect_x EACCES
  else
    expect_field write-execute:wx-refused-by-filter wx EPERM
    expect_field write-execute:mprotect-refused-by-filter mprotect_x EPERM
  fi
  jh --verify "$pol" -- /bin/true
  expect_rc write-execute:verify-exit-0 0
  verify_row write-execute:verify-row "write+execute memory" PASS "E(ACCES|PERM)"
  if ! build_fault_shim; then
    skip write-execute:fallback "no fault shim"
    return
  fi
  # A kernel without PR_SET_MDWE: the seccomp rules, with systemd's EPERM.
  jh_fault no-mdwe --print "$pol" -- /bin/true
  expect_match write-execute:fallback-printed '(^|
)memory_deny_write_execute: seccomp' "$OUT"
  jh_fault no-mdwe "$pol" -- "$PY" -c "$WX_PROBE"
  expect_field write-execute:fallback-wx-refused wx EPERM
  expect_field write-execute:fallback-mprotect-refused mprotect_x EPERM
  expect_field write-execute:fallback-rw-allowed rw ok
  jh_fault no-mdwe --verify "$pol" -- /bin/true
  verify_row write-execute:verify-row-fallback "write+execute memory" PASS "EPERM \(filter"
  # Either mechanism missing: the row fails.
  if [[ $mdwe == *PR_SET_MDWE ]]; then
    jh_fault mdwe-skip --verify "$pol" -- /bin/true
    verify_failing write-execute:verify-row-fails-without-prctl "write+execute memory"
  fi
  jh_fault "no-mdwe allow:mmap allow:mprotect" --verify "$pol" -- /bin/true
  verify_failing write-execute:verify-row-fails-without-rules "write+execute memory"
}

ERRNO_PROBE='
import ctypes, errno, fcntl, os
def run(key, f):
    try:
        f()
        print(key + "=ok")
    except OSError as e:
        print(key + "=" + errno.errorcode.get(e.errno, str(e.errno)))
fd = os.open("/", os.O_RDONLY)
run("flock", lambda: fcntl.flock(fd, fcntl.LOCK_SH))
run("fsync", lambda: os.fsync(fd))
run("chroot", lambda: os.chroot("/"))
libc = ctypes.CDLL(None, use_errno=True)
r = libc.personality(8)
print("personality=" + ("ok" if r != -1 else errno.errorcode[ctypes.get_errno()]))
print("pid=%d" % os.getpid())
'

test_seccomp_errno() {
  new_case
  local pol pid
  pol=$(policy errno.conf <<'EOF'
[seccomp]
errno = EIO
deny = flock:EACCES @sync
deny = chroot:ENOSYS
EOF
)
  jh "$pol" -- "$PY" -c "$ERRNO_PROBE"
  expect_rc seccomp-errno:runs 0
  expect_field seccomp-errno:own-errno flock EACCES
  expect_field seccomp-errno:policy-errno fsync EIO
  expect_field seccomp-errno:own-errno-over-group chroot ENOSYS
  expect_field seccomp-errno:argument-rule-stays-eperm personality EPERM

  pol=$(policy log.conf <<'EOF'
[seccomp]
deny = flock
action = log
EOF
)
  jh "$pol" -- "$PY" -c "$ERRNO_PROBE"
  expect_field seccomp-errno:log-lets-it-through flock ok
  pid=$(field pid)
  # SECCOMP_RET_LOG: an audit record (type 1326) in the kernel log; flock is 73 on x86_64.
  if dmesg >/dev/null 2>&1; then
    expect_true seccomp-errno:log-recorded "no audit record for pid $pid" \
      bash -c "dmesg | grep 'type=1326' | grep -q ' pid=$pid .*syscall=73 '"
  else
    skip seccomp-errno:log-recorded "dmesg unreadable"
  fi
}

# has_cap HEX BIT: whether capability BIT is set in the mask HEX.
has_cap() { (((16#$1 >> $2) & 1)); }

test_setup_under_filter() {
  new_case
  local pol
  # Without no_new_privs the filter needs CAP_SYS_ADMIN to load; @privileged refuses setuid,
  # setgroups and capset, which the identity change and the capability sets need.
  pol=$(policy privileged.conf <<'EOF'
[capabilities]
no_new_privileges = no
[seccomp]
deny = @privileged
EOF
)
  run_probe "$pol" 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t" | tr : =
r chown chown 1 /tmp'
  expect_rc setup-under-filter:privileged-starts 0
  expect_field setup-under-filter:privileged-filter-on Seccomp 2
  expect_field setup-under-filter:privileged-nnp-off NoNewPrivs 0
  expect_true setup-under-filter:privileged-no-sys-admin-after-exec "CapEff $(field CapEff)" \
    bash -c "! (( (16#$(field CapEff) >> 21) & 1 ))"
  expect_field setup-under-filter:privileged-chown-refused chown 1

  pol=$(policy privileged-user.conf <<'EOF'
[service]
user = nobody
[capabilities]
no_new_privileges = no
ambient = CAP_NET_BIND_SERVICE
[seccomp]
deny = @privileged
EOF
)
  run_probe "$pol" 'echo uid=$(id -u)
grep -E "^(CapEff|CapAmb):" /proc/self/status | tr -d "\t" | tr : ='
  expect_rc setup-under-filter:privileged-user-starts 0
  expect_field setup-under-filter:privileged-user-uid uid 65534
  expect_field setup-under-filter:privileged-user-ambient CapAmb 0000000000000400
  expect_field setup-under-filter:privileged-user-effective CapEff 0000000000000400

  # A filter that refuses what jharden needs once it is loaded: refused by --check, with
  # the line.
  pol=$(policy no-write.conf <<'EOF'
[seccomp]
deny = write
EOF
)
  jh --check "$pol"
  expect_rc setup-under-filter:deny-write-refused-by-check 78
  expect_match setup-under-filter:deny-write-names-the-line "no-write.conf:2: .*refuses write" \
    "$ERR"
  pol=$(policy no-execve.conf <<'EOF'
[seccomp]
allow = @system-service
deny = execve
EOF
)
  jh --check "$pol"
  expect_rc setup-under-filter:deny-execve-refused-by-check 78
}

test_policy_conflicts() {
  new_case
  local pol
  pol=$(policy keep-time.conf <<'EOF'
[capabilities]
keep = CAP_SYS_TIME CAP_NET_BIND_SERVICE
EOF
)
  run_probe "$pol" 'grep -E "^CapBnd:" /proc/self/status | tr -d "\t" | tr : ='
  expect_rc policy-conflicts:keep-of-default-drop-starts 0
  expect_field policy-conflicts:keep-of-default-drop-kept CapBnd 0000000002000400

  pol=$(policy keep-none.conf <<'EOF'
[capabilities]
keep = none
EOF
)
  run_probe "$pol" 'grep -E "^(CapBnd|CapEff):" /proc/self/status | tr -d "\t" | tr : ='
  expect_rc policy-conflicts:keep-none-starts 0
  expect_field policy-conflicts:keep-none-empty-bounding CapBnd 0000000000000000
  expect_field policy-conflicts:keep-none-empty-effective CapEff 0000000000000000

  pol=$(policy keep-drop.conf <<'EOF'
[capabilities]
keep = CAP_CHOWN
drop = CAP_CHOWN
EOF
)
  jh --check "$pol"
  expect_rc policy-conflicts:keep-and-drop-refused 78
  expect_match policy-conflicts:keep-and-drop-names-both \
    "keep-drop.conf:2: .*CAP_CHOWN is also dropped \(.*keep-drop.conf:3\)" "$ERR"

  pol=$(policy allow-deny.conf <<'EOF'
[seccomp]
allow = @system-service setuid
deny = @privileged
EOF
)
  jh --check "$pol"
  expect_rc policy-conflicts:allow-and-deny-refused 78
  expect_match policy-conflicts:allow-and-deny-names-both \
    "allow-deny.conf:2: .*setuid is also denied by @privileged \(.*allow-deny.conf:3\)" "$ERR"
}

# --complain logs paths and process names that the daemon chooses: a newline in either must
# not start a line of its own that looks like jharden's (in the journal, a forged refusal
# or a forged policy line).
test_complain_log() {
  local pol
  new_case
  pol=$(empty_policy)
  jh --complain "$pol" -- /usr/bin/python3 -c '
import ctypes
def attempt(path):
    try:
        open(path, "w")
    except OSError:
        pass
attempt("/usr/x\njharden: complain: forged[1]: mount(): refused by nothing")
ctypes.CDLL(None).prctl(15, b"ev\njharden: c", 0, 0, 0)
attempt("/usr/y")
print("done")'
  expect_eq complain-log:daemon-ran done "$OUT"
  expect_no_match complain-log:path-cannot-forge-a-line $'(^|\n)jharden: complain: forged' "$ERR"
  expect_match complain-log:path-escaped 'openat\("/usr/x\\njharden: complain: forged' "$ERR"
  expect_no_match complain-log:comm-cannot-split-a-line $'(^|\n)jharden: c\\[' "$ERR"
  expect_match complain-log:comm-escaped 'ev\\njharden: c\[[0-9]+\]: openat\("/usr/y"' "$ERR"
}

main() {
  e2e_init "$@"
  build_helper
  run_cases \
    test_chroot_escape \
    test_host_namespaces \
    test_leaked_fds \
    test_leaked_fds_notify \
    test_symlink_targets \
    test_fake_dev_null \
    test_read_only \
    test_mounts_leak \
    test_uid0 \
    test_cap_leftovers \
    test_terminal_injection \
    test_terminal_host_fd \
    test_terminal_outside_dev \
    test_pid_signals \
    test_pid_init_reduced \
    test_signal_owner \
    test_seccomp_abi \
    test_seccomp_program \
    test_seccomp_ssb \
    test_seccomp_prebuilt \
    test_argv_injection \
    test_hostile_policy \
    test_secrets_left \
    test_concurrency \
    test_mount_table_size \
    test_file_handles \
    test_joining_namespaces \
    test_setuid_planting \
    test_io_uring_planting \
    test_file_capabilities \
    test_personality_realtime \
    test_keyrings \
    test_verify_rows \
    test_address_families \
    test_write_execute \
    test_seccomp_errno \
    test_setup_under_filter \
    test_policy_conflicts \
    test_complain_log \
    test_working_directory \
    test_session_terminal \
    test_inherited_environment \
    test_self_hardening_unit \
    test_swapped_paths \
    test_swapped_paths_user_owned \
    test_readiness_helper \
    test_notify_socket \
    test_hiding \
    test_kernel_views \
    test_bind_flags \
    test_print_matches_mounts \
    test_mask_flags \
    test_hostile_policy_output \
    test_mount_point_modes \
    test_proc_entries \
    test_proc_entries_between_sandboxes \
    test_proc_entries_verify_faults \
    test_verify_mount_faults \
    test_landlock_file_handle \
    test_landlock_late_mount \
    test_landlock_late_proc_mount \
    test_landlock_swapped_entries \
    test_landlock_daemon_writes \
    test_semantics_attacks \
    test_small_truths \
    test_private_users \
    test_cgroup_namespace \
    test_net_sysfs \
    test_namespace_verify_rows
  e2e_finish
}

main "$@"
