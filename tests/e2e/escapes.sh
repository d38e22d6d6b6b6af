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
#   terminal-injection:*   TIOCSTI into the caller's terminal (bwrap CVE-2017-5226)
#   seccomp-abi:*          x32 and i386 system calls
#   seccomp-ssb:*          speculative store bypass mitigation forced by the filter
#   argv-injection:*       options and shell syntax after "--" (firejail CVE-2020-17367)
#   hostile-policy:*       insecure, huge, binary or out-of-range policy files
#   secrets-left:*         secret content left in mounts, env, output or on disk
#   concurrency:*          20 instances of one policy at once
#   mount-table-size:*     start-up with 1000 extra mounts (systemd#42375; no timing)
#   file-handles:*         open_by_handle_at around read-only trees, /tmp, secrets, root= (Shocker)
#   joining-namespaces:*   setns into a host user namespace, unshare/clone, syscalls unknown
#                          to libseccomp
#   setuid-planting:*      set-user-ID/set-group-ID files left on the host's writable tree
#   personality:*, realtime:*  personality(2) and realtime scheduling as root
#   keyrings:*             uid 0's user keyring shared with the host
#   verify-rows:*          --verify of these protections (each row fails once lifted)
#   working-directory:*    working_directory replaced by a magic link (runc CVE-2024-21626)
#   session-terminal:*     started as a session leader holding a terminal (TTYPath=, setsid -c)
#   inherited-environment:* an over-counted $LISTEN_FDS, a $NOTIFY_SOCKET that is no socket
#   self-hardening-unit:*  jharden started inside a unit's own sandbox (here: jharden's)
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
  expect_field joining-namespaces:setns-host-user-namespace setns_user EPERM
  expect_field joining-namespaces:setns-host-user-namespace-any-type setns_any EPERM
  expect_field joining-namespaces:setns-passed-fd setns_passed EPERM
  expect_field joining-namespaces:unshare-user-refused unshare_user EPERM
  expect_field joining-namespaces:clone-newuser-refused clone_user EPERM
  expect_field joining-namespaces:unshare-mnt-refused unshare_mnt EPERM
  expect_field joining-namespaces:clone3-enosys clone3 ENOSYS
  expect_field joining-namespaces:plain-clone-works plain_clone OK
  expect_field joining-namespaces:fork-still-works shell_fork forked
  expect_field joining-namespaces:open_tree_attr-unknown open_tree_attr ENOSYS

  pol=$(policy user.conf <<'EOF'
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

  # With no_new_privileges = no the filter is loaded before the change of identity: the
  # set-up must still get through it, and the rules must hold for the daemon.
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

# verify_row NAME ROW-TEXT PASS|FAIL: the last --verify output has ROW-TEXT as a PASS or FAIL.
verify_row() {
  local line
  line=$(grep -F -- "$2" <<<"$OUT" | head -1)
  expect_match "$1" "^$3 " "${line:-<no row \"$2\">}"
}

test_verify_rows() {
  new_case
  local pol
  pol=$(empty_policy)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:baseline-exit-0 0
  verify_row file-handles:verify-row-baseline "file handles refused" PASS
  verify_row keyrings:verify-row-baseline "kernel keyrings refused" PASS
  verify_row setuid-planting:verify-row-baseline "set-user-ID/set-group-ID files refused" PASS
  verify_row personality:verify-row-baseline "personality locked" PASS
  verify_row realtime:verify-row-baseline "realtime scheduling refused" PASS
  verify_row joining-namespaces:verify-row-unshare-baseline "new namespaces refused" PASS
  verify_row joining-namespaces:verify-row-setns-baseline "setns refused" PASS
  verify_row joining-namespaces:verify-row-unknown-baseline "(unknown to libseccomp)" PASS

  # Each protection lifted: its row fails.
  pol=$(policy lifted.conf <<'EOF'
[capabilities]
drop = !CAP_DAC_READ_SEARCH
[seccomp]
deny = !@keyring !open_by_handle_at
restrict_suid_sgid = no
lock_personality = no
restrict_realtime = no
[namespaces]
allow_create = all
EOF
)
  jh --verify "$pol" -- /bin/true
  expect_rc verify-rows:lifted-exit-1 1
  verify_row file-handles:verify-row-fails-when-lifted "file handles refused" FAIL
  verify_row keyrings:verify-row-fails-when-lifted "kernel keyrings refused" FAIL
  verify_row setuid-planting:verify-row-fails-when-lifted "set-user-ID/set-group-ID files refused" FAIL
  verify_row personality:verify-row-fails-when-lifted "personality locked" FAIL
  verify_row realtime:verify-row-fails-when-lifted "realtime scheduling refused" FAIL
  verify_row joining-namespaces:verify-row-unshare-fails-when-lifted "new namespaces refused" FAIL
  verify_row joining-namespaces:verify-row-setns-fails-when-lifted "setns refused" FAIL
  verify_row joining-namespaces:verify-row-unknown-still-passes "(unknown to libseccomp)" PASS

  # No filter at all: unknown syscalls reach the kernel. CAP_DAC_READ_SEARCH is still dropped,
  # and the kernel alone refuses file handles then.
  pol=$(policy no-filter.conf <<'EOF'
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
  verify_row joining-namespaces:verify-row-unknown-fails-without-filter "(unknown to libseccomp)" FAIL
  verify_row file-handles:verify-row-capability-alone-holds "file handles refused" PASS
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
    test_seccomp_abi \
    test_seccomp_ssb \
    test_argv_injection \
    test_hostile_policy \
    test_secrets_left \
    test_concurrency \
    test_mount_table_size \
    test_file_handles \
    test_joining_namespaces \
    test_setuid_planting \
    test_personality_realtime \
    test_keyrings \
    test_verify_rows \
    test_working_directory \
    test_session_terminal \
    test_inherited_environment \
    test_self_hardening_unit
  e2e_finish
}

main "$@"
