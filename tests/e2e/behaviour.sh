#!/bin/bash
# behaviour.sh — what the daemon observes (jharden.md §5), for the empty policy and for
# every policy key's non-default value, probed from inside the sandbox.
#
# Usage: bash behaviour.sh JHARDEN_BINARY REPO_ROOT   (as root)
#
# Each jharden run executes a /bin/sh probe that prints KEY=VALUE lines on stdout
# (probe.py does the system calls that need an exact errno); every line checked is a
# named case. Prints PASS/FAIL per case and ends with "N passed, M failed".

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.bash
source "$HERE/lib/common.bash"

# ---------------------------------------------------------------- the baseline

baseline_probe_body() {
  cat <<'EOF'
p usr_write write /usr/jh-e2e-probe
p etc_write write /etc/jh-e2e-probe
p usr_mkdir mkdir /usr/lib/jh-e2e-probe
p tmp_list ls /tmp
p vartmp_list ls /var/tmp
echo "tmp_type=$(stat -f -c %T /tmp)"
echo "vartmp_type=$(stat -f -c %T /var/tmp)"
echo "tmp_mode=$(stat -c %a /tmp)"
echo "vartmp_mode=$(stat -c %a /var/tmp)"
p tmp_flags vfsflags /tmp
p vartmp_flags vfsflags /var/tmp
p tmp_write write "/tmp/$INSIDE_NAME"
p vartmp_write write "/var/tmp/$INSIDE_NAME"
p loadavg_size read-size /proc/loadavg
p caps caps
r mount_cmd mount -t tmpfs none /mnt
p mount_syscall mount none /mnt tmpfs
r umount_loadavg umount /proc/loadavg
p umount_syscall umount /proc/loadavg
p loadavg_after_umount read-size /proc/loadavg
r remount_usr mount -o remount,rw /usr
r remount_bind_usr mount -o remount,bind,rw /usr
p usr_write_after_remount write /usr/jh-e2e-probe
p dev_list ls /dev
p dev_devices devices /dev
p proc1_root ls /proc/1/root
p proc1_root_file read /proc/1/root/etc/hostname
r nsenter nsenter -t 1 -m /bin/true
p setns_mnt setns /proc/1/ns/mnt
p procsys_ro ro /proc/sys
p procsys_open_w open-w /proc/sys/kernel/domainname
p sys_ro ro /sys
p sys_cgroup_ro ro /sys/fs/cgroup
p nnp status NoNewPrivs
p seccomp status Seccomp
p fds fds $$
if [ -e /proc/$$/fd/7 ]; then echo fd7=open; else echo fd7=closed; fi
echo "pwd=$(pwd)"
echo "cwd_link=$(readlink /proc/$$/cwd)"
echo "sid=$(ps -o sid= -p $$ | tr -d ' ')"
echo "pid=$$"
p flock flock /etc/hostname
p mincore mincore
EOF
}

test_baseline() {
  new_case
  local pol marker inside
  pol=$(empty_policy)
  marker=$(mktemp /tmp/jharden-e2e-marker.XXXXXX)
  on_exit rm -f "$marker"
  inside="jharden-e2e-inside.$$.$RANDOM"
  on_exit rm -f /usr/jh-e2e-probe /etc/jh-e2e-probe "/tmp/$inside" "/var/tmp/$inside"
  on_exit rmdir /usr/lib/jh-e2e-probe
  local body
  body="INSIDE_NAME=$inside"$'\n'"$(baseline_probe_body)"

  # A host file and a host directory left open, and a host working directory:
  # none may reach the daemon (runc CVE-2024-21626).
  exec 7</etc/hostname 9<"$CASE"
  cd "$CASE" || return
  run_probe "$pol" "$body"
  cd / || return
  exec 7<&- 9<&-

  expect_rc baseline:exit-status-0 0
  expect_field baseline:usr-write-erofs usr_write EROFS
  expect_field baseline:etc-write-erofs etc_write EROFS
  expect_field baseline:usr-mkdir-erofs usr_mkdir EROFS
  expect_true baseline:host-usr-etc-untouched "a probe file reached the host" \
    test ! -e /usr/jh-e2e-probe -a ! -e /etc/jh-e2e-probe -a ! -e /usr/lib/jh-e2e-probe

  expect_field baseline:tmp-empty tmp_list ""
  expect_field baseline:var-tmp-empty vartmp_list ""
  expect_field baseline:tmp-is-tmpfs tmp_type tmpfs
  expect_field baseline:var-tmp-is-tmpfs vartmp_type tmpfs
  expect_field baseline:tmp-mode-1777 tmp_mode 1777
  expect_field baseline:var-tmp-mode-1777 vartmp_mode 1777
  expect_field baseline:tmp-nosuid-nodev tmp_flags rw,nosuid,nodev
  expect_field baseline:var-tmp-nosuid-nodev vartmp_flags rw,nosuid,nodev
  expect_field baseline:tmp-writable tmp_write OK
  expect_field baseline:var-tmp-writable vartmp_write OK
  expect_true baseline:tmp-private-to-host "the file written in the sandbox's /tmp is on the host" \
    test ! -e "/tmp/$inside" -a ! -e "/var/tmp/$inside"

  expect_field baseline:loadavg-empty loadavg_size 0

  local caps set hex
  caps=$(field caps)
  for set in CapInh CapPrm CapEff CapBnd CapAmb; do
    hex=$(sed -n "s/.*$set=\([0-9a-f]*\).*/\1/p" <<<"$caps")
    if [[ -z $hex ]]; then
      fail "baseline:$set-without-default-drop" "no $set in '$caps' $(jh_context)"
    else
      expect_eq "baseline:$set-without-default-drop" "" "$(dropped_present "$hex")"
    fi
  done
  local prm bnd
  prm=$(sed -n 's/.*CapPrm=\([0-9a-f]*\).*/\1/p' <<<"$caps")
  bnd=$(sed -n 's/.*CapBnd=\([0-9a-f]*\).*/\1/p' <<<"$caps")
  expect_eq baseline:root-keeps-the-rest-permitted "$bnd" "$prm"
  expect_true baseline:cap-sys-admin-bit-21-absent "CapBnd=$bnd" \
    test -n "$bnd" -a $(((16#${bnd:-0} >> 21) & 1)) -eq 0

  expect_ne baseline:mount-tmpfs-fails 0 "$(field mount_cmd)"
  expect_field baseline:mount-syscall-eperm mount_syscall EPERM
  expect_ne baseline:umount-loadavg-fails 0 "$(field umount_loadavg)"
  expect_field baseline:umount-syscall-eperm umount_syscall EPERM
  expect_field baseline:loadavg-still-masked-after-umount loadavg_after_umount 0
  expect_ne baseline:remount-usr-rw-fails 0 "$(field remount_usr)"
  expect_ne baseline:remount-bind-usr-rw-fails 0 "$(field remount_bind_usr)"
  expect_field baseline:usr-still-erofs-after-remount usr_write_after_remount EROFS

  expect_field baseline:dev-standard-nodes-only dev_list \
    "fd,full,null,ptmx,pts,random,shm,stderr,stdin,stdout,tty,urandom,zero"
  expect_field baseline:dev-no-disk-only-pseudo-devices dev_devices \
    "c:full:1:7 c:null:1:3 c:pts/ptmx:5:2 c:random:1:8 c:tty:5:0 c:urandom:1:9 c:zero:1:5"

  expect_match baseline:proc1-root-unreadable '^ERR:E(ACCES|PERM)$' "$(field proc1_root)"
  expect_match baseline:proc1-root-file-unreadable '^ERR:E(ACCES|PERM)$' "$(field proc1_root_file)"
  expect_ne baseline:nsenter-host-mount-ns-fails 0 "$(field nsenter)"
  expect_match baseline:setns-host-mount-ns-fails '^E(ACCES|PERM)$' "$(field setns_mnt)"

  expect_field baseline:proc-sys-read-only procsys_ro ro
  expect_field baseline:proc-sys-write-erofs procsys_open_w EROFS
  expect_field baseline:sys-read-only sys_ro ro
  if mountpoint -q /sys/fs/cgroup; then
    expect_field baseline:sys-submount-read-only sys_cgroup_ro ro
  else
    skip baseline:sys-submount-read-only "no submount at /sys/fs/cgroup on this host"
  fi

  expect_field baseline:no-new-privs-1 nnp 1
  expect_field baseline:seccomp-2 seccomp 2
  expect_field baseline:flock-allowed-by-default flock OK
  expect_field baseline:mincore-allowed-by-default mincore OK

  expect_field baseline:fds-only-0-1-2 fds 0,1,2
  expect_field baseline:fd7-of-caller-closed fd7 closed
  expect_field baseline:cwd-is-working-directory pwd /
  expect_field baseline:cwd-not-host-directory cwd_link /
  expect_eq baseline:new-session "$(field pid)" "$(field sid)"

  check_no_leak baseline:after-exit
}

# No staging directory, file or mount is left after the daemon exits. Checked exactly in a
# mount namespace of this test where /tmp, /var/tmp, /run and /dev/shm are fresh, empty
# tmpfs (on the host other programs use them too), with a secret to project.
test_no_staging() {
  new_case
  printf 'jh-e2e-staging-secret' >"$CASE/s.key"
  chmod 0600 "$CASE/s.key"
  local pol
  pol=$(policy <<EOF
[secrets]
directory = $CASE/secrets
hide_sources = no
s = $CASE/s.key
EOF
)
  local dirs="/tmp /var/tmp /run /dev/shm"
  # The binary may live below /tmp (a build directory): run a copy.
  install -m 0755 "$JHARDEN" "$CASE/jharden"
  OUT=$(unshare -m --propagation private /bin/bash -c '
dirs=$1; shift
for d in $dirs; do mount -n -t tmpfs jh-e2e-fresh "$d" || exit 1; done
before=$(cat /proc/self/mountinfo)
"$@" </dev/null >/dev/null 2>&1
echo "rc=$?"
for d in $dirs; do echo "left:$d=$(ls -A "$d" | tr "\n" ,)"; done
if [ "$before" = "$(cat /proc/self/mountinfo)" ]; then echo mounts=same; else echo mounts=changed; fi
' bash "$dirs" timeout -k 5 "$JH_TIMEOUT" "$CASE/jharden" "$pol" -- /bin/cat "$CASE/secrets/s" 2>&1)
  RC=$(field rc)
  ERR=""
  expect_field baseline:no-staging:exit-status-0 rc 0
  local d
  for d in $dirs; do
    expect_field "baseline:no-staging:nothing-left-in-$d" "left:$d" ""
  done
  expect_field baseline:no-staging:no-mount-left mounts same
}

# Writes below a submount of a read-only tree fail too. The submount (a tmpfs on
# /usr/local) exists only in a private mount namespace of this test.
test_baseline_submount() {
  new_case
  local pol
  pol=$(empty_policy)
  local JH_WRAP
  ns_setup "mount -t tmpfs -o size=1m,nosuid,nodev jh-e2e-sub /usr/local"
  run_probe "$pol" '
p sub_write write /usr/local/jh-e2e-probe
p sub_flags vfsflags /usr/local
echo "sub_type=$(stat -f -c %T /usr/local)"
'
  expect_rc baseline:submount-exit-status-0 0
  expect_field baseline:usr-submount-is-the-tmpfs sub_type tmpfs
  expect_field baseline:usr-submount-write-erofs sub_write EROFS
  expect_field baseline:usr-submount-keeps-nosuid-nodev sub_flags ro,nosuid,nodev
}

# ---------------------------------------------------------------- [service]

test_service_user() {
  new_case
  local pol
  pol=$(policy <<'EOF'
[service]
user = nobody
EOF
)
  run_probe "$pol" '
echo "uid=$(id -u)"
echo "gid=$(id -g)"
p groups status Groups
p caps caps
'
  expect_rc service:user-exit-status-0 0
  expect_field service:user-nobody-uid uid 65534
  expect_field service:user-primary-group gid "$(id -g nobody)"
  # As initgroups(3) under systemd: the list keeps the user's own primary gid.
  expect_field service:user-supplementary-from-database groups "$(id -G nobody | tr ' ' '\n' | sort -n | xargs)"
  expect_match service:user-non-root-caps-empty 'CapPrm=0000000000000000 CapEff=0000000000000000' \
    "$(field caps)"

  new_case
  pol=$(policy <<'EOF'
[service]
user = nobody
group = daemon
supplementary_groups = sys adm
EOF
)
  run_probe "$pol" '
echo "uid=$(id -u)"
echo "gid=$(id -g)"
p groups status Groups
'
  expect_field service:group-explicit gid "$(getent group daemon | cut -d: -f3)"
  expect_field service:supplementary-groups-explicit groups \
    "$( (getent group sys | cut -d: -f3; getent group adm | cut -d: -f3) | sort -n | xargs)"

  new_case
  pol=$(policy <<'EOF'
[service]
user = 4242
group = 4343
EOF
)
  run_probe "$pol" '
echo "uid=$(id -u)"
echo "gid=$(id -g)"
p groups status Groups
'
  expect_rc service:numeric-ids-exit-status-0 0
  expect_field service:numeric-uid uid 4242
  expect_field service:numeric-gid gid 4343
  expect_field service:numeric-user-no-supplementary groups ""

  new_case
  pol=$(policy <<'EOF'
[service]
user = nobody
supplementary_groups =
EOF
)
  run_probe "$pol" 'p groups status Groups'
  expect_field service:supplementary-groups-empty-assignment groups ""
}

test_service_misc() {
  new_case
  local pol
  pol=$(policy <<'EOF'
[service]
working_directory = /usr/share
EOF
)
  run_probe "$pol" 'echo "pwd=$(pwd)"; echo "cwd_link=$(readlink /proc/$$/cwd)"'
  expect_field service:working-directory pwd /usr/share
  expect_field service:working-directory-cwd-link cwd_link /usr/share

  new_case
  pol=$(policy <<'EOF'
[service]
new_session = no
EOF
)
  run_probe "$pol" 'echo "sid=$(ps -o sid= -p $$ | tr -d " ")"; echo "pid=$$"'
  expect_rc service:new-session-no-exit-status-0 0
  expect_ne service:new-session-no-keeps-session "$(field pid)" "$(field sid)"
  expect_eq service:new-session-no-caller-session "$(ps -o sid= -p $$ | tr -d ' ')" "$(field sid)"

  new_case
  pol=$(policy <<'EOF'
[service]
environment = GREETING=hello  world
environment = GONE=1
environment = OVERRIDDEN=first
environment = OVERRIDDEN=second
unset_environment = HOME GONE
EOF
)
  HOME=/root run_probe "$pol" '
echo "greeting=${GREETING-unset}"
echo "home=${HOME-unset}"
echo "gone=${GONE-unset}"
echo "overridden=${OVERRIDDEN-unset}"
echo "inherited=${JH_E2E_INHERITED-unset}"
'
  expect_field service:environment-set greeting "hello  world"
  expect_field service:environment-later-wins overridden second
  expect_field service:unset-environment-removes-inherited home unset
  expect_field service:unset-environment-wins-over-environment gone unset
  JH_E2E_INHERITED=kept run_probe "$pol" 'echo "inherited=${JH_E2E_INHERITED-unset}"'
  expect_field service:environment-inherited-otherwise inherited kept

  new_case
  pol=$(policy <<'EOF'
[service]
umask = 0077
EOF
)
  run_probe "$pol" 'echo "umask=$(umask)"; touch /tmp/f; echo "mode=$(stat -c %a /tmp/f)"'
  expect_field service:umask umask 0077
  expect_field service:umask-applies-to-new-files mode 600

  new_case
  pol=$(empty_policy)
  run_probe "$pol" 'echo "umask=$(umask)"'
  expect_field service:umask-default-0022 umask 0022

  new_case
  pol=$(policy <<'EOF'
[service]
exec = /bin/echo "two  words" 'single "q"' a\x41b
EOF
)
  jh "$pol"
  expect_rc service:exec-from-policy-exit-status-0 0
  expect_eq service:exec-from-policy-split-like-execstart 'two  words single "q" aAb' "$OUT"
}

# ---------------------------------------------------------------- [filesystem]

test_root() {
  if ! have_static_busybox; then
    skip root:busybox-root "needs a static /bin/busybox (apt-get install busybox-static)"
    return
  fi
  new_case
  make_busybox_root "$CASE/root"
  touch "$TOP/host-only-marker"
  local pol
  pol=$(policy <<EOF
[filesystem]
root = $CASE/root
EOF
)
  cd "$CASE" || return
  jh "$pol" -- /bin/sh -c "
echo \"pwd=\$(pwd)\"
if [ -e $TOP/host-only-marker ]; then echo marker=visible; else echo marker=absent; fi
if [ -e /bin/busybox ]; then echo busybox=present; fi
echo \"proc_type=\$(stat -f -c %T /proc)\"
echo \"sys_type=\$(stat -f -c %T /sys)\"
echo \"tmp_type=\$(stat -f -c %T /tmp)\"
echo \"dev_list=\$(ls /dev | tr '\n' ',')\"
if [ -e /proc/1/status ]; then echo proc_pid1=present; fi
touch /usr/x 2>/dev/null; echo \"usr_touch=\$?\"
touch /etc/x 2>/dev/null; echo \"etc_touch=\$?\"
touch /sys/x 2>/dev/null; echo \"sys_touch=\$?\"
touch /bin/jh-x 2>/dev/null; echo \"root_touch=\$?\"; rm -f /bin/jh-x
touch /x 2>/dev/null; echo \"root_new=\$?\"; rm -f /x
while read -r line; do echo \"mi=\$line\"; done < /proc/self/mountinfo
"
  cd / || return
  expect_rc root:exit-status-0 0
  expect_field root:busybox-root-is-root busybox present
  expect_field root:host-tree-unreachable marker absent
  expect_field root:cwd-is-new-root pwd /
  expect_field root:fresh-procfs proc_type proc
  expect_field root:proc-shows-processes proc_pid1 present
  expect_field root:sysfs-mounted sys_type sysfs
  expect_field root:private-tmp tmp_type tmpfs
  expect_field root:private-dev dev_list "fd,full,null,ptmx,pts,random,shm,stderr,stdin,stdout,tty,urandom,zero,"
  expect_ne root:usr-read-only 0 "$(field usr_touch)"
  expect_ne root:etc-read-only 0 "$(field etc_touch)"
  expect_ne root:sys-read-only 0 "$(field sys_touch)"
  expect_field root:rest-of-root-writable root_touch 0
  # Landlock grants / entry by entry (it holds the read-only /usr and /etc): nothing new
  # directly in / (jharden.conf(5), "Landlock").
  expect_ne root:new-entry-directly-in-root-refused 0 "$(field root_new)"
  # The old root: the host's "/" mount (same device and mount root "/") must be gone.
  local host_root inside
  host_root=$(awk '$5 == "/" { print $3, $4 }' /proc/self/mountinfo | tail -1)
  inside=$(grep '^mi=' <<<"$OUT" | sed 's/^mi=//' | awk -v hr="$host_root" '($3 " " $4) == hr')
  if ! grep -q '^mi=' <<<"$OUT"; then
    fail root:old-root-absent-from-mountinfo "no mountinfo read $(jh_context)"
  else
    expect_eq root:old-root-absent-from-mountinfo "" "$inside"
  fi
  local outside
  outside=$(grep '^mi=' <<<"$OUT" | awk '{ print $5 }' | grep -v -E '^/(proc|dev|sys|tmp|usr|etc)?(/|$)')
  expect_eq root:only-sandbox-mounts-in-mountinfo "" "$outside"
}

test_propagation() {
  new_case
  local pol_slave pol_private
  pol_slave=$(empty_policy)
  pol_private=$(policy private.conf <<'EOF'
[filesystem]
propagation = private
EOF
)
  local JH_WRAP
  # In a namespace of this test whose mounts are shared, as systemd makes them.
  ns_setup "mount --make-rshared /"
  run_probe "$pol_slave" 'p prop propagation /'
  expect_field filesystem:propagation-slave-by-default prop master
  run_probe "$pol_private" 'p prop propagation /'
  expect_field filesystem:propagation-private prop private
}

test_read_only_read_write() {
  new_case
  mkdir -p "$CASE/tree/hole" "$CASE/tree/sub"
  local pol
  pol=$(policy <<EOF
[filesystem]
read_only = $CASE/tree -$CASE/does-not-exist
read_write = $CASE/tree/hole
EOF
)
  run_probe "$pol" "
p tree_write write $CASE/tree/x
p sub_write write $CASE/tree/sub/x
p hole_write write $CASE/tree/hole/x
p usr_write write /usr/jh-e2e-probe
"
  on_exit rm -f /usr/jh-e2e-probe
  expect_rc filesystem:read-only-exit-status-0 0
  expect_field filesystem:read-only-path-erofs tree_write EROFS
  expect_field filesystem:read-only-recursive sub_write EROFS
  expect_field filesystem:read-write-hole-writable hole_write OK
  expect_true filesystem:read-write-hole-is-host-directory "$CASE/tree/hole/x missing on host" \
    test -e "$CASE/tree/hole/x"
  expect_field filesystem:read-only-list-replaces-nothing-of-default usr_write EROFS

  new_case
  pol=$(policy <<'EOF'
[filesystem]
read_only = /
EOF
)
  run_probe "$pol" "
p root_write write /jh-e2e-probe
p var_write write /var/lib/jh-e2e-probe
p tmp_write write /tmp/x
"
  on_exit rm -f /jh-e2e-probe /var/lib/jh-e2e-probe
  expect_field filesystem:read-only-slash root_write EROFS
  expect_field filesystem:read-only-slash-recursive var_write EROFS
  expect_field filesystem:read-only-slash-private-tmp-writable tmp_write OK
}

test_tmpfs() {
  new_case
  local pol
  pol=$(policy <<EOF
[filesystem]
tmpfs = $CASE/t1:mode=0700,size=1m,noexec
tmpfs = $CASE/t2:ro
tmpfs = $CASE/t3
tmpfs = $CASE/t4:uid=65534,gid=65534,mode=0750
EOF
)
  run_probe "$pol" "
p t1_stat stat $CASE/t1
p t1_size size-bytes $CASE/t1
p t1_flags vfsflags $CASE/t1
echo \"t1_type=\$(stat -f -c %T $CASE/t1)\"
cp /bin/true $CASE/t1/true && { $CASE/t1/true 2>/dev/null; echo \"t1_exec=\$?\"; }
p t2_write write $CASE/t2/x
echo \"t2_type=\$(stat -f -c %T $CASE/t2)\"
p t3_stat stat $CASE/t3
p t3_flags vfsflags $CASE/t3
p t3_write write $CASE/t3/x
p t4_stat stat $CASE/t4
"
  expect_rc filesystem:tmpfs-exit-status-0 0
  expect_field filesystem:tmpfs-is-tmpfs t1_type tmpfs
  expect_field filesystem:tmpfs-mode t1_stat "700 0 0 dir"
  expect_field filesystem:tmpfs-size t1_size 1048576
  expect_field filesystem:tmpfs-noexec-nosuid-nodev t1_flags rw,nosuid,nodev,noexec
  expect_field filesystem:tmpfs-noexec-refuses-exec t1_exec 126
  expect_field filesystem:tmpfs-ro t2_write EROFS
  expect_field filesystem:tmpfs-ro-is-tmpfs t2_type tmpfs
  expect_field filesystem:tmpfs-default-mode-0755 t3_stat "755 0 0 dir"
  expect_field filesystem:tmpfs-default-nosuid-nodev t3_flags rw,nosuid,nodev
  expect_field filesystem:tmpfs-writable t3_write OK
  expect_field filesystem:tmpfs-uid-gid t4_stat "750 65534 65534 dir"
  expect_true filesystem:tmpfs-content-not-on-host "files written in the tmpfs are on the host" \
    test ! -e "$CASE/t3/x" -a ! -e "$CASE/t1/true"
}

test_bind() {
  new_case
  mkdir -p "$CASE/src"
  echo bound >"$CASE/src/file"
  local pol
  pol=$(policy <<EOF
[filesystem]
bind = $CASE/src:$CASE/b-ro:ro
bind = $CASE/src:$CASE/b-rw:rw
bind = $CASE/src:$CASE/b-default
bind = -$CASE/missing:$CASE/b-optional
bind = $CASE/src/file:$CASE/b-file:ro
EOF
)
  run_probe "$pol" "
p ro_read read $CASE/b-ro/file
p ro_write write $CASE/b-ro/new
p ro_flags vfsflags $CASE/b-ro
p rw_write write $CASE/b-rw/from-rw
p default_write write $CASE/b-default/from-default
p optional mountopts $CASE/b-optional
p file_read read $CASE/b-file
p file_write open-w $CASE/b-file
"
  expect_rc filesystem:bind-exit-status-0 0
  expect_field filesystem:bind-ro-readable ro_read bound
  expect_field filesystem:bind-ro-write-erofs ro_write EROFS
  expect_field filesystem:bind-rw-writable rw_write OK
  expect_true filesystem:bind-rw-reaches-source "from-rw missing in the source" test -e "$CASE/src/from-rw"
  expect_field filesystem:bind-writable-by-default default_write OK
  expect_field filesystem:bind-optional-missing-source-skipped optional none
  expect_field filesystem:bind-file-source file_read bound
  expect_field filesystem:bind-file-ro file_write EROFS
}

test_mask_inaccessible() {
  new_case
  mkdir -p "$CASE/mdir" "$CASE/idir"
  echo hidden >"$CASE/mfile"
  echo hidden >"$CASE/mdir/inner"
  echo hidden >"$CASE/ifile"
  echo hidden >"$CASE/idir/inner"
  chmod 0644 "$CASE/mfile" "$CASE/ifile"
  chmod 0755 "$CASE/mdir" "$CASE/idir"
  local pol
  pol=$(policy mask.conf <<EOF
[filesystem]
mask = $CASE/mfile $CASE/mdir
EOF
)
  run_probe "$pol" "
p mfile_size read-size $CASE/mfile
p mfile_stat stat $CASE/mfile
echo overwritten 2>/dev/null >$CASE/mfile
p mdir_list ls $CASE/mdir
p mdir_write write $CASE/mdir/x
p loadavg_size read-size /proc/loadavg
"
  expect_rc filesystem:mask-exit-status-0 0
  expect_field filesystem:mask-file-reads-empty mfile_size 0
  expect_field filesystem:mask-file-is-null-device mfile_stat "666 0 0 chr"
  expect_eq filesystem:mask-file-writes-never-reach-it hidden "$(cat "$CASE/mfile")"
  expect_field filesystem:mask-directory-empty mdir_list ""
  expect_field filesystem:mask-directory-read-only mdir_write EROFS
  expect_field filesystem:mask-list-keeps-default-loadavg loadavg_size 0

  # Files and directories are covered differently: one run each.
  pol=$(policy inaccessible-file.conf <<EOF
[filesystem]
inaccessible = $CASE/ifile
EOF
)
  run_probe "$pol" "
p ifile_read read $CASE/ifile
p ifile_stat stat $CASE/ifile
"
  expect_rc filesystem:inaccessible-file-exit-status-0 0
  expect_field filesystem:inaccessible-file-root-sees-empty ifile_read ""
  expect_field filesystem:inaccessible-file-mode-0000 ifile_stat "0 0 0 reg"
  expect_eq filesystem:inaccessible-file-host-untouched hidden "$(cat "$CASE/ifile")"

  pol=$(policy inaccessible-dir.conf <<EOF
[filesystem]
inaccessible = $CASE/idir
EOF
)
  run_probe "$pol" "
p idir_list ls $CASE/idir
p idir_stat stat $CASE/idir
p idir_write write $CASE/idir/x
"
  expect_rc filesystem:inaccessible-dir-exit-status-0 0
  expect_field filesystem:inaccessible-dir-root-sees-empty idir_list ""
  expect_field filesystem:inaccessible-dir-mode-0000 idir_stat "0 0 0 dir"
  expect_field filesystem:inaccessible-dir-read-only idir_write EROFS

  new_case
  mkdir -p "$CASE/idir"
  echo hidden >"$CASE/ifile"
  echo hidden >"$CASE/idir/inner"
  chmod 0644 "$CASE/ifile"
  chmod 0755 "$CASE/idir"
  pol=$(policy file.conf <<EOF
[service]
user = nobody
[filesystem]
inaccessible = $CASE/ifile
EOF
)
  run_probe "$pol" "p ifile_read read $CASE/ifile"
  expect_field filesystem:inaccessible-file-user-eacces ifile_read ERR:EACCES
  pol=$(policy dir.conf <<EOF
[service]
user = nobody
[filesystem]
inaccessible = $CASE/idir
EOF
)
  run_probe "$pol" "p idir_list ls $CASE/idir"
  expect_field filesystem:inaccessible-dir-user-eacces idir_list ERR:EACCES
}

test_private_tmp_dev() {
  new_case
  local marker pol
  marker=$(mktemp /tmp/jharden-e2e-marker.XXXXXX)
  on_exit rm -f "$marker"
  echo host-tmp >"$marker"
  pol=$(policy <<'EOF'
[filesystem]
private_tmp = no
EOF
)
  run_probe "$pol" "p marker read $marker; echo \"tmp_type=\$(stat -f -c %T /tmp)\""
  expect_field filesystem:private-tmp-no-host-tmp-visible marker host-tmp
  expect_eq filesystem:private-tmp-no-host-tmp-fstype "$(stat -f -c %T /tmp)" "$(field tmp_type)"

  new_case
  local blk
  blk=$(find /dev -maxdepth 1 -type b -print -quit)
  pol=$(policy <<'EOF'
[filesystem]
private_dev = no
EOF
)
  run_probe "$pol" "p blk stat ${blk:-/dev/jh-no-block-device}; p dev_type ro /dev"
  if [[ -z $blk ]]; then
    skip filesystem:private-dev-no-host-devices "the host has no block device in /dev"
  else
    expect_match filesystem:private-dev-no-host-devices ' blk$' "$(field blk)"
  fi
}

test_proc_options() {
  # A process of root on the host, so that there is something to hide.
  local host_pid
  sleep 300 &
  host_pid=$!
  on_exit kill "$host_pid"

  new_case
  local pol
  pol=$(policy <<'EOF'
[service]
user = nobody
EOF
)
  run_probe "$pol" "p host_proc stat /proc/$host_pid; p opts mountopts /proc"
  expect_match filesystem:protect-proc-default-shows-all "^555 0 0 dir$" "$(field host_proc)"

  new_case
  pol=$(policy <<'EOF'
[service]
user = nobody
[filesystem]
protect_proc = invisible
EOF
)
  run_probe "$pol" "p host_proc stat /proc/$host_pid; p self stat /proc/self/status; p opts mountopts /proc"
  expect_rc filesystem:protect-proc-invisible-exit-status-0 0
  expect_field filesystem:protect-proc-invisible-hides-other-users host_proc ERR:ENOENT
  expect_match filesystem:protect-proc-invisible-own-visible '^444 65534 65534 reg$' "$(field self)"
  expect_match filesystem:protect-proc-invisible-mount-option 'hidepid=invisible' "$(field opts)"

  new_case
  pol=$(policy <<'EOF'
[filesystem]
proc_subset = pid
EOF
)
  run_probe "$pol" "p sys stat /proc/sys; p kcore stat /proc/kcore; p self stat /proc/self/status; p opts mountopts /proc"
  expect_rc filesystem:proc-subset-pid-exit-status-0 0
  expect_field filesystem:proc-subset-pid-no-sys sys ERR:ENOENT
  expect_field filesystem:proc-subset-pid-no-kcore kcore ERR:ENOENT
  expect_match filesystem:proc-subset-pid-self-visible 'reg$' "$(field self)"
  expect_match filesystem:proc-subset-pid-mount-option 'subset=pid' "$(field opts)"
}

test_protect_kernel() {
  new_case
  local pol body
  body='p procsys ro /proc/sys; p sys ro /sys; p kcore stat /proc/kcore; p loadavg read-size /proc/loadavg'
  pol=$(empty_policy)
  run_probe "$pol" "$body"
  local masked_kcore
  masked_kcore=$(field kcore)
  pol=$(policy pk.conf <<'EOF'
[filesystem]
protect_kernel = no
EOF
)
  run_probe "$pol" "$body"
  expect_rc filesystem:protect-kernel-no-exit-status-0 0
  expect_field filesystem:protect-kernel-no-proc-sys-writable procsys rw
  expect_field filesystem:protect-kernel-no-sys-writable sys rw
  if [[ -e /proc/kcore ]]; then
    expect_match filesystem:protect-kernel-default-masks-kcore ' chr$' "$masked_kcore"
    expect_match filesystem:protect-kernel-no-kcore-unmasked ' reg$' "$(field kcore)"
  else
    skip filesystem:protect-kernel-kcore "this kernel has no /proc/kcore"
  fi
  expect_field filesystem:protect-kernel-no-keeps-mask-list loadavg 0
}

test_fstab() {
  new_case
  mkdir -p "$CASE/src"
  echo bound >"$CASE/src/file"
  cat >"$CASE/fstab" <<EOF
# SOURCE TARGET TYPE OPTIONS DUMP PASS
tmpfs $CASE/ft tmpfs mode=0700,size=2m 0 0
$CASE/src $CASE/fb none bind,ro
proc $CASE/fp proc subset=pid
EOF
  chmod 0644 "$CASE/fstab"
  mkdir -p "$CASE/fp"
  local pol
  pol=$(policy <<EOF
[filesystem]
fstab = $CASE/fstab
EOF
)
  run_probe "$pol" "
p ft_stat stat $CASE/ft
p ft_size size-bytes $CASE/ft
echo \"ft_type=\$(stat -f -c %T $CASE/ft)\"
p fb_read read $CASE/fb/file
p fb_write write $CASE/fb/x
echo \"fp_type=\$(stat -f -c %T $CASE/fp)\"
p fp_sys stat $CASE/fp/sys
"
  expect_rc filesystem:fstab-exit-status-0 0
  expect_field filesystem:fstab-tmpfs ft_type tmpfs
  expect_field filesystem:fstab-tmpfs-mode ft_stat "700 0 0 dir"
  expect_field filesystem:fstab-tmpfs-size ft_size 2097152
  expect_field filesystem:fstab-bind-readable fb_read bound
  expect_field filesystem:fstab-bind-ro fb_write EROFS
  expect_field filesystem:fstab-proc fp_type proc
  expect_field filesystem:fstab-proc-options fp_sys ERR:ENOENT
}

# ---------------------------------------------------------------- [secrets]

test_secrets() {
  # The default secrets directory is created on the host's /run when missing; make
  # sure it exists beforehand so that the staging check stays exact.
  if [[ ! -e /run/secrets ]]; then
    mkdir -m 0755 /run/secrets
    on_exit rmdir /run/secrets
  fi
  new_case
  local secret="jh-e2e-secret-$RANDOM$RANDOM"
  printf '%s' "$secret" >"$CASE/db.key"
  chmod 0600 "$CASE/db.key"
  local pol
  pol=$(policy <<EOF
[secrets]
db = $CASE/db.key
EOF
)
  run_probe "$pol" "
p content read /run/secrets/db
p file_stat stat /run/secrets/db
p dir_stat stat /run/secrets
p flags vfsflags /run/secrets
echo \"type=\$(stat -f -c %T /run/secrets)\"
p source read $CASE/db.key
p write write /run/secrets/new
p list ls /run/secrets
"
  expect_rc secrets:exit-status-0 0
  expect_field secrets:file-projected content "$secret"
  expect_field secrets:file-mode-0400-root file_stat "400 0 0 reg"
  expect_field secrets:directory-mode-0500 dir_stat "500 0 0 dir"
  expect_field secrets:directory-ro-nosuid-nodev-noexec flags ro,nosuid,nodev,noexec
  expect_field secrets:directory-is-tmpfs type tmpfs
  expect_field secrets:read-only write EROFS
  expect_field secrets:only-the-secrets list db
  expect_field secrets:hide-sources-default source ""
  expect_no_match secrets:not-in-output "$secret" "${OUT//content=$secret/}$ERR"

  new_case
  printf '%s' "$secret" >"$CASE/api.token"
  chmod 0600 "$CASE/api.token"
  # hide_sources = no keeps this case about ownership and modes only.
  pol=$(policy <<EOF
[service]
user = nobody
[secrets]
directory = $CASE/secrets
mode = 0440
hide_sources = no
api = $CASE/api.token
EOF
)
  run_probe "$pol" "
p content read $CASE/secrets/api
p file_stat stat $CASE/secrets/api
p dir_stat stat $CASE/secrets
"
  expect_rc secrets:user-exit-status-0 0
  expect_field secrets:readable-by-service-user content "$secret"
  expect_field secrets:mode-and-owner-service-user file_stat "440 65534 65534 reg"
  expect_field secrets:directory-owned-by-service-user dir_stat "500 65534 65534 dir"

  pol=$(policy hidden.conf <<EOF
[service]
user = nobody
[secrets]
api = $CASE/api.token
EOF
)
  chmod 0644 "$CASE/api.token"
  run_probe "$pol" "p content read /run/secrets/api; p source read $CASE/api.token"
  expect_field secrets:user-default-directory content "$secret"
  expect_field secrets:hidden-source-eacces-for-user source ERR:EACCES

  new_case
  mkdir -m 0700 "$CASE/creds"
  printf '%s' "$secret" >"$CASE/creds/tls"
  chmod 0400 "$CASE/creds/tls"
  pol=$(policy <<'EOF'
[secrets]
tls = credential:tls
EOF
)
  CREDENTIALS_DIRECTORY="$CASE/creds" run_probe "$pol" "
p content read /run/secrets/tls
p source read $CASE/creds/tls
"
  expect_rc secrets:credential-exit-status-0 0
  expect_field secrets:credential-projected content "$secret"
  expect_field secrets:credential-source-hidden source ""

  new_case
  printf '%s' "$secret" >"$CASE/visible.key"
  chmod 0600 "$CASE/visible.key"
  pol=$(policy <<EOF
[secrets]
hide_sources = no
k = $CASE/visible.key
EOF
)
  run_probe "$pol" "p content read /run/secrets/k; p source read $CASE/visible.key"
  expect_field secrets:hide-sources-no-projected content "$secret"
  expect_field secrets:hide-sources-no-source-readable source "$secret"
}

# ---------------------------------------------------------------- [capabilities]

cap_field() { # SET: the hex value of SET from the caps probe
  sed -n "s/.*$1=\([0-9a-f]*\).*/\1/p" <<<"$(field caps)"
}

test_capabilities() {
  new_case
  local pol
  pol=$(policy <<'EOF'
[capabilities]
drop = CAP_NET_RAW
EOF
)
  run_probe "$pol" 'p caps caps'
  local bnd
  bnd=$(cap_field CapBnd)
  expect_eq capabilities:drop-adds-to-default "0" "$(((16#${bnd:-0} >> 13) & 1))"
  expect_eq capabilities:drop-keeps-default-list "" "$(dropped_present "${bnd:-ffffffffff}")"

  new_case
  # restrict_suid_sgid (default yes) takes CAP_SETFCAP and CAP_FSETID on its own account.
  pol=$(policy <<'EOF'
[capabilities]
drop =
[seccomp]
restrict_suid_sgid = no
EOF
)
  run_probe "$pol" 'p caps caps'
  bnd=$(cap_field CapBnd)
  expect_eq capabilities:drop-empty-drops-nothing "$(awk '/^CapBnd/ {print $2}' /proc/self/status)" "$bnd"

  new_case
  pol=$(policy <<'EOF'
[capabilities]
keep = CAP_CHOWN cap_net_bind_service
EOF
)
  run_probe "$pol" 'p caps caps'
  expect_field capabilities:keep-is-exact-bounding-set caps \
    "CapInh=0000000000000000 CapPrm=0000000000000401 CapEff=0000000000000401 CapBnd=0000000000000401 CapAmb=0000000000000000"

  # Port 80 as nobody: only with the ambient capability. In a new network namespace,
  # so that the port is free whatever runs on the host.
  new_case
  pol=$(policy <<'EOF'
[service]
user = nobody
[capabilities]
ambient = net_bind_service
[namespaces]
net = yes
EOF
)
  run_probe "$pol" 'echo "uid=$(id -u)"; p bind80 bind 80; p caps caps'
  expect_rc capabilities:ambient-exit-status-0 0
  expect_field capabilities:ambient-user-nobody uid 65534
  expect_field capabilities:ambient-bind-port-80 bind80 OK
  expect_eq capabilities:ambient-set 0000000000000400 "$(cap_field CapAmb)"
  expect_eq capabilities:ambient-effective 0000000000000400 "$(cap_field CapEff)"

  new_case
  pol=$(policy <<'EOF'
[service]
user = nobody
[namespaces]
net = yes
EOF
)
  run_probe "$pol" 'p bind80 bind 80'
  expect_field capabilities:no-ambient-port-80-refused bind80 EACCES

  # The ambient capability works with nc(1) too (a real daemon binary, not python).
  if command -v nc >/dev/null; then
    new_case
    pol=$(policy <<'EOF'
[service]
user = nobody
[capabilities]
ambient = CAP_NET_BIND_SERVICE
[namespaces]
net = yes
EOF
)
    run_probe "$pol" '
nc -l -p 80 -s 127.0.0.1 >/dev/null 2>&1 </dev/null & 
sleep 0.5
if kill -0 $! 2>/dev/null; then echo nc80=listening; kill $!; else echo nc80=failed; fi
'
    expect_field capabilities:ambient-nc-listens-on-80 nc80 listening
  fi

  new_case
  pol=$(policy <<'EOF'
[capabilities]
no_new_privileges = no
EOF
)
  run_probe "$pol" 'p nnp status NoNewPrivs; p seccomp status Seccomp'
  expect_rc capabilities:no-new-privileges-no-exit-status-0 0
  expect_field capabilities:no-new-privileges-no nnp 0
  expect_field capabilities:no-new-privileges-no-seccomp-still-loaded seccomp 2
}

# ---------------------------------------------------------------- [seccomp]

test_seccomp() {
  new_case
  local pol
  pol=$(policy <<'EOF'
[seccomp]
deny = flock
EOF
)
  run_probe "$pol" 'p flock flock /etc/hostname; p mount mount none /mnt tmpfs'
  expect_rc seccomp:deny-exit-status-0 0
  expect_field seccomp:deny-call-eperm flock EPERM
  expect_field seccomp:deny-adds-to-default-list mount EPERM

  new_case
  pol=$(policy <<'EOF'
[seccomp]
deny = flock
action = kill
EOF
)
  run_probe "$pol" "$PY $TOP/probe.py flock /etc/hostname >/dev/null 2>&1; echo \"rc=\$?\"; echo after=alive"
  expect_field seccomp:action-kill-sigsys rc 159
  expect_field seccomp:action-kill-only-the-caller after alive

  new_case
  pol=$(policy <<'EOF'
[seccomp]
allow = @system-service
deny = flock
EOF
)
  if "$JHARDEN" --print "$pol" -- /bin/true 2>/dev/null | grep -E '^ *allowed' | grep -qw mincore; then
    skip seccomp:allow-list-refuses-the-rest "mincore is in @system-service here; pick another call"
  else
    run_probe "$pol" 'p mincore mincore; p flock flock /etc/hostname; echo "shell=works"'
    expect_rc seccomp:allow-list-exit-status-0 0
    expect_field seccomp:allow-list-runs-a-shell shell works
    expect_field seccomp:allow-list-refuses-the-rest mincore EPERM
    expect_field seccomp:allow-list-minus-deny flock EPERM
  fi

  new_case
  pol=$(policy <<'EOF'
[seccomp]
deny =
native_only = no
EOF
)
  run_probe "$pol" 'p flock flock /etc/hostname; p mount mount none /mnt tmpfs'
  expect_rc seccomp:empty-deny-exit-status-0 0
  expect_field seccomp:empty-deny-flock-allowed flock OK
  # mount(2) is still refused, by the missing CAP_SYS_ADMIN instead of the filter.
  expect_field seccomp:empty-deny-mount-still-refused mount EPERM
}

# ---------------------------------------------------------------- [namespaces]

# Every fork of a start holds jharden to its CPU (fork_here, docs/performance.md): the daemon,
# and with pid = yes the init, must run with the CPU set jharden was given, whether that is
# every CPU or a single one that is not the first.
test_cpu_affinity() {
  new_case
  local all last body pol_pid pol_empty
  all=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
  last=$(($(nproc) - 1))
  pol_empty=$(empty_policy)
  pol_pid=$(policy pid.conf <<'EOF'
[namespaces]
pid = yes
EOF
)
  # shellcheck disable=SC2016 # expanded by the shell in the sandbox
  body='echo "cpus=$(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status)"
echo "init_cpus=$(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/1/status)"'
  local name pol
  for name in empty pid; do
    [[ $name == pid ]] && pol=$pol_pid || pol=$pol_empty
    run_probe "$pol" "$body"
    expect_field "affinity:$name-daemon-keeps-every-cpu" cpus "$all"
    [[ $name == pid ]] && expect_field "affinity:$name-init-keeps-every-cpu" init_cpus "$all"
    JH_WRAP=(taskset -c "$last")
    run_probe "$pol" "$body"
    JH_WRAP=()
    expect_field "affinity:$name-daemon-keeps-cpu-$last" cpus "$last"
    [[ $name == pid ]] && expect_field "affinity:$name-init-keeps-cpu-$last" init_cpus "$last"
  done
  affinity_follows_cpuset "$pol_pid"
}

# The daemon's CPU set follows its cpuset, as a process that never set one does (since Linux
# 6.2 an affinity set once is kept as a request and intersected with every later cpuset): a
# daemon started in a cpuset of the first CPU alone must run on every CPU once the cpuset
# grows to all of them.
affinity_follows_cpuset() {
  local cg="" tasks="" d daemon cpus i job
  if [[ -f /sys/fs/cgroup/cpuset/cpuset.cpus ]]; then
    cg=/sys/fs/cgroup/cpuset/jh-e2e-$$
    mkdir "$cg" && echo 0 >"$cg/cpuset.cpus" && echo 0 >"$cg/cpuset.mems" && tasks=$cg/tasks
  elif [[ -f /sys/fs/cgroup/cgroup.subtree_control ]] &&
    grep -qw cpuset /sys/fs/cgroup/cgroup.controllers; then
    cg=/sys/fs/cgroup/jh-e2e-$$
    echo +cpuset >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
    mkdir "$cg" && echo 0 >"$cg/cpuset.cpus" && tasks=$cg/cgroup.procs
  fi
  if [[ -z $tasks ]] || (($(nproc) < 2)); then
    [[ -n $cg ]] && rmdir "$cg" 2>/dev/null
    skip affinity:daemon-follows-its-cpuset "no cpuset controller to use, or a single CPU"
    return
  fi
  sh -c "echo \$\$ >$tasks; exec \"\$0\" \"\$@\"" "$JHARDEN" "$1" -- /bin/sleep 30 \
    </dev/null >/dev/null 2>&1 &
  job=$!
  daemon=""
  for ((i = 0; i < 100; i++)); do
    while read -r d; do
      [[ $(cat "/proc/$d/comm" 2>/dev/null) == sleep ]] && daemon=$d
    done <"$tasks"
    [[ -n $daemon ]] && break
    sleep 0.1
  done
  cat /sys/devices/system/cpu/online >"$cg/cpuset.cpus"
  cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$daemon/status" 2>/dev/null)
  while read -r d; do kill -KILL "$d" 2>/dev/null; done <"$tasks"
  wait "$job" 2>/dev/null
  for ((i = 0; i < 50; i++)); do rmdir "$cg" 2>/dev/null && break; sleep 0.1; done
  expect_eq affinity:daemon-follows-its-cpuset "$(cat /sys/devices/system/cpu/online)" "$cpus"
}

test_pid_namespace() {
  # A host process with a recognisable command line.
  local host_pid
  bash -c 'exec -a jh-e2e-host-marker sleep 300' &
  host_pid=$!
  on_exit kill "$host_pid"

  new_case
  local pol
  pol=$(policy <<'EOF'
[namespaces]
pid = yes
EOF
)
  local body='
echo "self=$$"
p comm1 read /proc/1/comm
# The pattern is put together here so that no command line of the sandbox holds it.
m=jh-e2e-host; m="$m-marker"
found=no
for d in /proc/[0-9]*; do
  if grep -q -- "$m" "$d/cmdline" 2>/dev/null; then found=yes; fi
done
echo "host_marker=$found"
echo "pids=$(ls -d /proc/[0-9]* | wc -l)"
'
  run_probe "$pol" "$body"
  expect_rc namespaces:pid-exit-status-0 0
  expect_field namespaces:pid-init-is-jharden comm1 jharden
  expect_ne namespaces:pid-daemon-not-pid-1 1 "$(field self)"
  expect_field namespaces:pid-host-processes-invisible host_marker no
  expect_true namespaces:pid-only-sandbox-processes "pids=$(field pids)" \
    test "$(field pids)" -le 6 2>/dev/null

  local pol_nopid
  pol_nopid=$(empty_policy)
  run_probe "$pol_nopid" "$body"
  expect_field namespaces:pid-control-without-pid-ns-sees-host host_marker yes

  jh "$pol" -- /bin/sh -c 'exit 7'
  expect_rc namespaces:pid-exit-status-propagates 7
  jh "$pol" -- /bin/sh -c 'kill -TERM $$'
  expect_rc namespaces:pid-death-by-signal-128-plus-n 143

  # Signals to jharden (in front, notify = none) reach the daemon.
  local jpid i rc
  "$JHARDEN" "$pol" -- /bin/sh -c \
    "trap 'echo got-term; exit 42' TERM; touch $CASE/ready; while :; do sleep 0.1; done" \
    </dev/null >"$CASE/sig.out" 2>"$CASE/sig.err" &
  jpid=$!
  if wait_for_file "$CASE/ready" 20; then
    kill -TERM "$jpid"
    for ((i = 0; i < 100; i++)); do kill -0 "$jpid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$jpid" 2>/dev/null
    wait "$jpid"
    rc=$?
    expect_eq namespaces:pid-forwards-sigterm-to-daemon "got-term rc=42" \
      "$(tr -d '\n' <"$CASE/sig.out") rc=$rc"
  else
    kill -KILL "$jpid" 2>/dev/null
    wait "$jpid"
    fail namespaces:pid-forwards-sigterm-to-daemon "the daemon never started: $(head -c 300 "$CASE/sig.err")"
  fi
}

test_other_namespaces() {
  new_case
  local pol
  pol=$(policy <<'EOF'
[namespaces]
net = yes
EOF
)
  run_probe "$pol" 'p ifs netifs; echo "ns=$(readlink /proc/self/ns/net)"'
  expect_rc namespaces:net-exit-status-0 0
  expect_field namespaces:net-only-loopback-up ifs lo:up
  expect_ne namespaces:net-new-namespace "$(readlink /proc/self/ns/net)" "$(field ns)"

  new_case
  local qid
  qid=$(ipcmk -Q 2>/dev/null | awk '{print $NF}')
  [[ -n $qid ]] && on_exit ipcrm -q "$qid"
  pol=$(policy <<'EOF'
[namespaces]
ipc = yes
EOF
)
  local body='echo "queues=$(tail -n +2 /proc/sysvipc/msg | wc -l)"; echo "ns=$(readlink /proc/self/ns/ipc)"'
  run_probe "$pol" "$body"
  expect_rc namespaces:ipc-exit-status-0 0
  expect_field namespaces:ipc-host-queues-invisible queues 0
  expect_ne namespaces:ipc-new-namespace "$(readlink /proc/self/ns/ipc)" "$(field ns)"
  if [[ -n $qid ]]; then
    run_probe "$(empty_policy)" "$body"
    expect_ne namespaces:ipc-control-host-queue-visible 0 "$(field queues)"
  fi

  new_case
  local host_name
  host_name=$(hostname)
  pol=$(policy <<'EOF'
[namespaces]
hostname = jh-e2e-sandbox
EOF
)
  run_probe "$pol" 'echo "name=$(cat /proc/sys/kernel/hostname)"; echo "ns=$(readlink /proc/self/ns/uts)"'
  expect_rc namespaces:hostname-exit-status-0 0
  expect_field namespaces:hostname-set name jh-e2e-sandbox
  expect_ne namespaces:hostname-implies-uts "$(readlink /proc/self/ns/uts)" "$(field ns)"
  expect_eq namespaces:hostname-host-unchanged "$host_name" "$(hostname)"

  pol=$(policy uts.conf <<'EOF'
[namespaces]
uts = yes
EOF
)
  run_probe "$pol" 'echo "name=$(cat /proc/sys/kernel/hostname)"; echo "ns=$(readlink /proc/self/ns/uts)"'
  expect_ne namespaces:uts-new-namespace "$(readlink /proc/self/ns/uts)" "$(field ns)"
  expect_field namespaces:uts-keeps-host-name name "$host_name"
}

# ---------------------------------------------------------------- systemd's semantics
#
# Where jharden mirrors a systemd.exec(5) directive, the daemon sees what systemd would
# give it (the equivalence tier, tests/systemd/equivalence.sh, compares with the real one).

# env_probe: prints the login variables and $CREDENTIALS_DIRECTORY, "<unset>" when unset.
env_probe() {
  echo '
for v in USER LOGNAME HOME SHELL CREDENTIALS_DIRECTORY; do
  eval "x=\${$v-<unset>}"; echo "$v=$x"
done
p groups status Groups
echo "gid=$(id -g)"'
}

test_semantics_identity() {
  new_case
  local pol user=postgres
  if ! getent passwd $user >/dev/null; then user=nobody; fi
  local home shell gid
  home=$(getent passwd $user | cut -d: -f6)
  shell=$(getent passwd $user | cut -d: -f7)
  gid=$(id -g $user)
  pol=$(policy <<EOF
[service]
user = $user
EOF
)
  run_probe "$pol" "$(env_probe)"
  expect_rc semantics:user-exit-status-0 0
  expect_field semantics:user-sets-USER USER $user
  expect_field semantics:user-sets-LOGNAME LOGNAME $user
  if [[ $home == / ]]; then home="<unset>"; fi
  case $shell in /usr/sbin/nologin | /sbin/nologin | /bin/false | /usr/bin/false) shell="<unset>" ;; esac
  expect_field semantics:user-sets-HOME HOME "$home"
  expect_field semantics:user-sets-SHELL SHELL "$shell"
  expect_field semantics:user-groups-keep-primary-gid groups "$(id -G $user | tr ' ' '\n' | sort -n | xargs)"
  expect_match semantics:user-primary-gid-in-groups "(^| )$gid( |$)" "$(field groups)"

  # nobody: a nologin shell gives no $SHELL (systemd's USER_CREDS_CLEAN).
  pol=$(policy nobody.conf <<'EOF'
[service]
user = nobody
EOF
)
  # (Not the caller's either: under systemd jharden's own environment has none.)
  SHELL=/bin/bash run_probe "$pol" "$(env_probe)"
  expect_field semantics:user-nologin-shell-not-set SHELL "<unset>"
  expect_field semantics:user-nobody-home HOME "$(getent passwd nobody | cut -d: -f6)"

  # root's record is built in, as in systemd: /root, systemd's default shell (/bin/bash, or
  # /bin/sh where there is none), no supplementary groups.
  local root_shell=/bin/sh
  [[ -x /bin/bash ]] && root_shell=/bin/bash
  pol=$(policy root.conf <<'EOF'
[service]
user = root
EOF
)
  run_probe "$pol" "$(env_probe)"
  expect_eq semantics:user-root-environment "USER=root HOME=/root SHELL=$root_shell" \
    "USER=$(field USER) HOME=$(field HOME) SHELL=$(field SHELL)"
  expect_field semantics:user-root-no-supplementary-groups groups ""

  # environment overrides, unset_environment removes.
  pol=$(policy override.conf <<EOF
[service]
user = $user
environment = HOME=/srv/elsewhere
environment = USER=someone
unset_environment = SHELL LOGNAME
EOF
)
  run_probe "$pol" "$(env_probe)"
  expect_field semantics:environment-overrides-HOME HOME /srv/elsewhere
  expect_field semantics:environment-overrides-USER USER someone
  expect_field semantics:unset-environment-removes-SHELL SHELL "<unset>"
  expect_field semantics:unset-environment-removes-LOGNAME LOGNAME "<unset>"

  # Without user, the caller's variables pass through untouched.
  pol=$(policy nouser.conf </dev/null)
  HOME=/caller-home USER=caller run_probe "$pol" "$(env_probe)"
  expect_field semantics:no-user-keeps-callers-HOME HOME /caller-home
  expect_field semantics:no-user-keeps-callers-USER USER caller
}

test_semantics_secrets() {
  if [[ ! -e /run/secrets ]]; then
    mkdir -m 0755 /run/secrets
    on_exit rmdir /run/secrets
  fi
  new_case
  local pol secret="jh-e2e-secret-$RANDOM$RANDOM"
  printf '%s' "$secret" >"$CASE/k"
  chmod 0600 "$CASE/k"
  mkdir -m 0700 "$CASE/creds"
  printf '%s' "$secret" >"$CASE/creds/tls"
  chmod 0400 "$CASE/creds/tls"

  # $CREDENTIALS_DIRECTORY names the projected secrets, not the unit's directory.
  pol=$(policy <<EOF
[secrets]
tls = credential:tls
EOF
)
  CREDENTIALS_DIRECTORY="$CASE/creds" run_probe "$pol" "$(env_probe)
p via_env read \$CREDENTIALS_DIRECTORY/tls"
  expect_rc semantics:credentials-directory-exit-status-0 0
  expect_field semantics:credentials-directory-is-secrets-directory CREDENTIALS_DIRECTORY /run/secrets
  expect_field semantics:credentials-directory-reads-the-secret via_env "$secret"

  # Without secrets, an inherited one is removed.
  pol=$(policy none.conf </dev/null)
  CREDENTIALS_DIRECTORY="$CASE/creds" run_probe "$pol" "$(env_probe)"
  expect_field semantics:credentials-directory-removed-without-secrets CREDENTIALS_DIRECTORY "<unset>"

  # Optional secrets: a missing source is skipped, a present one projected.
  pol=$(policy optional.conf <<EOF
[secrets]
present = -$CASE/k
missing = -$CASE/nope
missing_cred = -credential:nope
tls = -credential:tls
EOF
)
  CREDENTIALS_DIRECTORY="$CASE/creds" run_probe "$pol" "p list ls /run/secrets; p k read /run/secrets/present"
  expect_rc semantics:optional-secrets-exit-status-0 0
  expect_field semantics:optional-secrets-missing-skipped list "present,tls"
  expect_field semantics:optional-secret-present-projected k "$secret"
  run_probe "$pol" "p list ls /run/secrets"
  expect_field semantics:optional-credential-without-credentials-directory list present
  pol=$(policy optional-dir.conf <<EOF
[secrets]
d = -$CASE/creds
EOF
)
  jh --check "$pol"
  expect_rc semantics:optional-secret-not-a-file-still-243 243
  pol=$(policy required.conf <<EOF
[secrets]
missing = $CASE/nope
EOF
)
  jh --check "$pol"
  expect_rc semantics:required-secret-missing-243 243

  # [secrets] user/group: owned by the user the daemon drops to.
  pol=$(policy owner.conf <<EOF
[secrets]
user = nobody
group = daemon
k = $CASE/k
EOF
)
  run_probe "$pol" "
p file_stat stat /run/secrets/k
p dir_stat stat /run/secrets
p as_nobody as 65534 65534 read /run/secrets/k
"
  local daemon_gid
  daemon_gid=$(getent group daemon | cut -d: -f3)
  expect_rc semantics:secrets-owner-exit-status-0 0
  expect_field semantics:secrets-owner-file file_stat "400 65534 $daemon_gid reg"
  expect_field semantics:secrets-owner-directory dir_stat "500 65534 $daemon_gid dir"
  expect_field semantics:secrets-owner-readable-after-dropping as_nobody "$secret"
  jh --print --json "$pol"
  expect_match semantics:secrets-owner-in-print-json '"uid": ?65534' "$OUT"
  jh --verify "$pol"
  expect_rc semantics:secrets-owner-verify-passes 0
  expect_match semantics:secrets-owner-verify-row "projected.*owner 65534:$daemon_gid" "$OUT"
  pol=$(policy owner-user-only.conf <<EOF
[secrets]
user = nobody
k = $CASE/k
EOF
)
  run_probe "$pol" "p file_stat stat /run/secrets/k"
  expect_field semantics:secrets-owner-group-defaults-to-users file_stat "400 65534 $(id -g nobody) reg"
  pol=$(policy owner-unknown.conf <<EOF
[secrets]
user = jh-no-such-user
k = $CASE/k
EOF
)
  jh --check "$pol"
  expect_rc semantics:secrets-owner-unknown-user-217 217
  expect_match semantics:secrets-owner-unknown-user-names-line "owner-unknown.conf:2:" "$ERR"
  pol=$(policy owner-unknown-group.conf <<EOF
[secrets]
group = jh-no-such-group
k = $CASE/k
EOF
)
  jh --check "$pol"
  expect_rc semantics:secrets-owner-unknown-group-216 216
}

test_semantics_mounts() {
  new_case
  local pol
  mkdir -p "$CASE/src/sub" "$CASE/ro" "$CASE/t"
  echo data >"$CASE/src/f"
  local user=redis
  getent passwd $user >/dev/null || user=nobody
  # tmpfs uid=/gid= by name.
  pol=$(policy <<EOF
[filesystem]
tmpfs = $CASE/t:uid=$user,gid=$(id -gn $user),mode=0750
EOF
)
  run_probe "$pol" "p t stat $CASE/t"
  expect_rc semantics:tmpfs-owner-by-name-exit-status-0 0
  expect_field semantics:tmpfs-owner-by-name t "750 $(id -u $user) $(id -g $user) dir"
  pol=$(policy unknown-uid.conf <<EOF
[filesystem]
tmpfs = $CASE/t:uid=jh-no-such-user
EOF
)
  jh --check "$pol"
  expect_rc semantics:tmpfs-unknown-user-217 217
  expect_match semantics:tmpfs-unknown-user-names-line "unknown-uid.conf:2:" "$ERR"
  pol=$(policy unknown-gid.conf <<EOF
[filesystem]
tmpfs = $CASE/t:gid=jh-no-such-group
EOF
)
  jh --check "$pol"
  expect_rc semantics:tmpfs-unknown-group-216 216
  pol=$(policy bad-uid.conf <<EOF
[filesystem]
tmpfs = $CASE/t:uid=4294967295
EOF
)
  jh --check "$pol"
  expect_rc semantics:tmpfs-uid-out-of-range-78 78

  # Mount points below a read-only tmpfs and below a read-only tree are created first;
  # "-" makes only the source optional.
  pol=$(policy mount-points.conf <<EOF
[filesystem]
read_only = $CASE/ro
tmpfs = $CASE/t:ro
bind = $CASE/src:$CASE/t/a/b:ro
bind = -$CASE/src:$CASE/t/optional
bind = -$CASE/nope:$CASE/t/skipped
bind = $CASE/src:$CASE/ro/new
EOF
)
  run_probe "$pol" "
p below_ro_tmpfs read $CASE/t/a/b/f
p optional_target_created read $CASE/t/optional/f
p skipped ls $CASE/t
p tmpfs_ro write $CASE/t/x
p below_ro_tree read $CASE/ro/new/f
p ro_tree write $CASE/ro/x
p bind_rw_under_ro_tree write $CASE/ro/new/w
"
  expect_rc semantics:mount-points-exit-status-0 0
  expect_field semantics:mount-point-below-ro-tmpfs below_ro_tmpfs data
  expect_field semantics:optional-bind-target-created optional_target_created data
  expect_field semantics:optional-bind-missing-source-skipped skipped "a,optional"
  expect_field semantics:ro-tmpfs-still-read-only tmpfs_ro EROFS
  expect_field semantics:mount-point-below-ro-tree below_ro_tree data
  expect_field semantics:ro-tree-still-read-only ro_tree EROFS
  expect_field semantics:rw-bind-below-ro-tree-writable bind_rw_under_ro_tree OK
  jh --check "$pol"
  expect_rc semantics:mount-points-check-0 0

  # Devices bound into the private /dev, also where a directory must be made.
  if [[ -c /dev/kmsg && -c /dev/net/tun ]]; then
    pol=$(policy dev.conf <<'EOF'
[filesystem]
bind = /dev/kmsg:/dev/kmsg
bind = /dev/net/tun:/dev/net/tun
bind = /dev/net/tun:/dev/tun
EOF
)
    run_probe "$pol" "
p kmsg stat /dev/kmsg
p tun stat /dev/net/tun
p tun_top stat /dev/tun
p devdir write /dev/new
"
    expect_rc semantics:bind-into-private-dev-exit-status-0 0
    expect_match semantics:bind-kmsg-into-private-dev ' chr$' "$(field kmsg)"
    expect_match semantics:bind-tun-into-private-dev-subdir ' chr$' "$(field tun)"
    expect_match semantics:bind-tun-at-dev-top ' chr$' "$(field tun_top)"
    expect_field semantics:private-dev-still-read-only devdir EROFS
  else
    skip semantics:bind-into-private-dev "no /dev/kmsg or /dev/net/tun here"
  fi

  # read_only = /dev with private_dev: /dev/shm read-only too (as ReadOnlyPaths=/dev).
  pol=$(policy dev-ro.conf <<'EOF'
[filesystem]
read_only = /dev
EOF
)
  run_probe "$pol" "
p shm write /dev/shm/jh-e2e
p pts vfsflags /dev/pts
p null open-w /dev/null
"
  expect_rc semantics:read-only-dev-exit-status-0 0
  expect_field semantics:read-only-dev-shm shm EROFS
  expect_match semantics:read-only-dev-pts '^ro' "$(field pts)"
  expect_field semantics:read-only-dev-null-still-writable null OK

  # inaccessible files directly under /proc, as InaccessiblePaths=.
  pol=$(policy proc.conf <<'EOF'
[filesystem]
inaccessible = /proc/kallsyms /proc/cmdline
EOF
)
  run_probe "$pol" "
p kallsyms stat /proc/kallsyms
p cmdline_nobody as 65534 65534 read /proc/cmdline
p version read-size /proc/version
"
  expect_rc semantics:inaccessible-proc-file-exit-status-0 0
  expect_match semantics:inaccessible-proc-file-mode-0000 '^0 ' "$(field kallsyms)"
  expect_field semantics:inaccessible-proc-file-refused cmdline_nobody ERR:EACCES
  expect_ne semantics:inaccessible-proc-file-rest-of-proc-readable ERR:ENOENT "$(field version)"
}

# The facts --verify compares against (namespace inodes, /tmp, the caller's capability sets)
# are --verify's alone: a plain start reads none of them (record_host_facts), --verify does.
test_host_facts_verify_only() {
  new_case
  if ! command -v strace >/dev/null; then
    skip startup:host-facts-verify-only "strace is not installed"
    return
  fi
  local pol count
  pol=$(policy </dev/null)
  # count_ns_reads ARGS...: runs jharden under strace; RC, and the reads in $count. In the
  # sanitizer build LeakSanitizer cannot run under ptrace and would fail the exit: it is off.
  count_ns_reads() {
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
      strace -f -qq -e trace=stat,newfstatat,statx -o "$CASE/trace" \
      timeout -k 5 "$JH_TIMEOUT" "$JHARDEN" "$@" </dev/null >/dev/null 2>&1
    RC=$?
    count=$(grep -c '"/proc/self/ns/' "$CASE/trace")
  }
  count_ns_reads "$pol" -- /bin/true
  expect_rc startup:plain-start-exit-status-0 0
  expect_eq startup:plain-start-reads-no-host-facts 0 "$count"
  count_ns_reads --verify "$pol"
  expect_rc startup:verify-exit-status-0 0
  expect_ne startup:verify-reads-host-facts 0 "$count"
}

main() {
  e2e_init "$@"
  run_cases \
    test_baseline \
    test_baseline_submount \
    test_no_staging \
    test_host_facts_verify_only \
    test_service_user \
    test_service_misc \
    test_root \
    test_propagation \
    test_read_only_read_write \
    test_tmpfs \
    test_bind \
    test_mask_inaccessible \
    test_private_tmp_dev \
    test_proc_options \
    test_protect_kernel \
    test_fstab \
    test_secrets \
    test_capabilities \
    test_seccomp \
    test_pid_namespace \
    test_cpu_affinity \
    test_other_namespaces \
    test_semantics_identity \
    test_semantics_secrets \
    test_semantics_mounts
  e2e_finish
}

main "$@"
