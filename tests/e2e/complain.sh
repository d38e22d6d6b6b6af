#!/bin/bash
# complain.sh — jharden.md §2 `--complain`, and failures that name their policy line: a
# deliberately wrong policy for a small daemon (its data directory left read-only, a call it
# needs denied, a device missing, an inaccessible path, a socket family refused). Under
# --complain the daemon keeps running, the seccomp refusals are let through, and every log
# line names the process, the call and the right file:line; without --complain the same
# policy refuses.
#
# Usage: bash complain.sh JHARDEN_BINARY REPO_ROOT   (as root)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.bash
source "$HERE/lib/common.bash"

# wrong_policy [EXTRA-LINES]: the deliberately wrong policy; its line numbers are used below.
wrong_policy() {
  mkdir -p "$CASE/data" "$CASE/private"
  echo key >"$CASE/private/s"
  : >"$CASE/lock"
  policy <<EOF
[filesystem]
read_only = /
inaccessible = $CASE/private
private_dev = yes
[seccomp]
deny = flock
address_families = AF_UNIX
memory_deny_write_execute = yes
$*
EOF
}

# The daemon: it tries each thing, says what it got, and goes on.
daemon_body() {
  cat <<EOF
p data_write write $CASE/data/db
p data_socket bind-unix $CASE/data/ctl.sock
p flock flock $CASE/lock
p inet bind 0
p device read-size /dev/jh-nodev
p private read $CASE/private/s
p tmp write /tmp/f
p suid chmod /tmp/f 4755
r wx $PY -c 'import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)'
r newns $PY -c 'import ctypes, sys; sys.exit(ctypes.CDLL(None).unshare(0x04000000) != 0)'
cd $CASE/data && p relative write rel
echo alive=yes
EOF
}

# jh_complain ARGS...: jh --complain ARGS, then waits for this run's observer to end before
# stderr is read: the observer is detached from the daemon and logs what it drains after the
# daemon's exit, which a short daemon makes a race with the read (lost once under load). A tag
# in the environment marks this run's observer (a fork of jharden, it keeps it).
jh_complain() {
  local tag="JH_CASE_TAG=complain-$$-$RANDOM" i
  local -a JH_WRAP=(env "$tag" "${JH_WRAP[@]}")
  jh --complain "$@"
  for ((i = 0; i < 200; i++)); do
    [[ -z $(observers_left "$tag") ]] && break
    sleep 0.05
  done
  ERR=$(<"$CASE/.err")
}

# observers_left TAG: the --complain observers still running (zombies aside) whose environment
# holds TAG, space separated.
observers_left() {
  local pid left=""
  for pid in $(pgrep -x jharden-complai); do
    tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "$1" || continue
    [[ $(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null) == Z ]] || left+="$pid "
  done
  printf '%s' "$left"
}

# expect_log NAME REGEX: one "jharden: complain: " line of stderr matches REGEX.
expect_log() {
  local line
  while IFS= read -r line; do
    if [[ $line == "jharden: complain: "* && ${line#jharden: complain: } =~ $2 ]]; then
      pass "$1"
      return
    fi
  done <<<"$ERR"
  fail "$1" "no complain line matches /$2/ $(jh_context)"
}

# The log lines of the wrong policy, each naming its line ($1: the policy's path).
check_log_lines() {
  local name=$1 pol=$2
  expect_log "$name:read-only-names-line" \
    "^python3\[[0-9]+\]: openat\(\"$CASE/data/db\", O_WRONLY\|O_CREAT[^)]*\): read-only by $pol:2 \(read_only = /\)$"
  expect_log "$name:socket-bind-names-line" \
    "^python3\[[0-9]+\]: bind\(\"$CASE/data/ctl.sock\"\): read-only by $pol:2 \(read_only = /\)$"
  expect_log "$name:inaccessible-names-line" \
    "^python3\[[0-9]+\]: openat\(\"$CASE/private/s\", O_RDONLY[^)]*\): inaccessible by $pol:3 \(inaccessible = $CASE/private\)$"
  expect_log "$name:missing-device-names-line" \
    "^python3\[[0-9]+\]: openat\(\"/dev/jh-nodev\", O_RDONLY[^)]*\): no such device by $pol:4 \(private_dev = yes\)$"
  expect_log "$name:denied-call-names-line" \
    "^python3\[[0-9]+\]: flock\([^)]*\): refused by $pol:6 \(deny = flock\)$"
  expect_log "$name:family-names-line" \
    "^python3\[[0-9]+\]: socket\(0x2, [^)]*\): refused by $pol:7 \(address_families = AF_UNIX\)$"
  expect_log "$name:suid-names-default" \
    "^python3\[[0-9]+\]: (fchmodat|chmod)\([^)]*\): refused by \(default restrict_suid_sgid yes\)$"
  expect_log "$name:write-execute-names-line" \
    "^python3\[[0-9]+\]: mmap\([^)]*\): refused by $pol:8 \(memory_deny_write_execute = yes\)$"
  expect_log "$name:namespace-names-default" \
    "^python3\[[0-9]+\]: unshare\(0x4000000, [^)]*\): refused by \(default allow_create none\)$"
  expect_log "$name:relative-path-resolved" \
    "^python3\[[0-9]+\]: openat\(\"$CASE/data/rel\", O_WRONLY\|O_CREAT[^)]*\): read-only by $pol:2 \(read_only = /\)$"
}

test_complain_logs_and_lets_through() {
  local pol
  new_case
  pol=$(wrong_policy)
  jh_complain "$pol" -- /bin/sh -c "$(prelude)"$'\n'"$(daemon_body)"
  expect_rc complain:exit-0 0
  expect_field complain:daemon-kept-running alive yes
  # The seccomp refusals are let through...
  expect_field complain:denied-call-let-through flock OK
  expect_field complain:family-let-through inet OK
  expect_field complain:suid-let-through suid OK
  expect_field complain:write-execute-let-through wx 0
  # The filter lets unshare through; without CAP_SYS_ADMIN the kernel still refuses it.
  expect_field complain:unshare-still-needs-a-capability newns 1
  # ...the filesystem view still holds (it is the sandbox), and is logged.
  expect_field complain:read-only-still-holds data_write EROFS
  expect_field complain:socket-bind-still-refused data_socket EROFS
  # Root gets through the mode-0000 directory to an empty file system; another user does not.
  expect_match complain:inaccessible-still-holds '^ERR:(EACCES|ENOENT)$' "$(field private)"
  expect_field complain:device-still-missing device ENOENT
  expect_field complain:tmp-writable-not-logged tmp OK
  if [[ $ERR == *"no BPF observer"* ]]; then
    skip complain:bpf-observer "no BPF observer here: the filter notified the path calls"
  else
    pass complain:bpf-observer
  fi
  check_log_lines complain "$pol"
  expect_no_match complain:tmp-not-logged 'complain: [^ ]+: openat\("/tmp/f"' "$ERR"
  # Each distinct refusal once, and nothing that the policy allows.
  expect_eq complain:no-duplicate-lines "" "$(grep '^jharden: complain:' <<<"$ERR" | sed 's/\[[0-9]*\]//' | sort | uniq -d)"
}

# Without BPF (no BTF, no CAP_BPF), the filter notifies the path calls and the observer
# predicts from the plan: the same lines. The test-only fault shim makes bpf(2) fail.
test_complain_without_bpf() {
  local pol shim="$TOP/fault_shim.so"
  new_case
  if ! build_fault_shim_library "$shim"; then
    skip complain-seccomp-paths "fault shim not built: $(head -c 200 "$shim.err")"
    return
  fi
  pol=$(wrong_policy)
  JH_WRAP=(env JH_FAULT=no-bpf LD_PRELOAD="$shim")
  jh_complain "$pol" -- /bin/sh -c "$(prelude)"$'\n'"$(daemon_body)"
  JH_WRAP=()
  expect_rc complain-seccomp-paths:exit-0 0
  expect_match complain-seccomp-paths:says-so 'jharden: complain: no BPF observer \(.*\): the filter notifies the path calls instead' "$ERR"
  expect_field complain-seccomp-paths:daemon-kept-running alive yes
  expect_field complain-seccomp-paths:denied-call-let-through flock OK
  check_log_lines complain-seccomp-paths "$pol"
}

# complain-bind-addrlen: the kernel binds only the first addrlen bytes of sun_path. A refused
# bind of "data/s" with "/../../../srv/..." after it is logged with the name the kernel took,
# by the BPF observer and by the filter's notifications alike, never with the daemon's tail.
test_complain_bind_addrlen() {
  local pol shim="$TOP/fault_shim.so" mode
  new_case
  pol=$(wrong_policy)
  local daemon="import ctypes, socket, struct
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_UNIX)
bound = b'$CASE/data/s'
addr = struct.pack('H', socket.AF_UNIX) + bound + b'/../../../srv/jh-victim/sock' + b'\0'
buf = ctypes.create_string_buffer(addr, len(addr))
print('rc=%d' % libc.bind(s.fileno(), buf, 2 + len(bound)))"
  for mode in bpf no-bpf; do
    if [[ $mode == no-bpf ]]; then
      if ! build_fault_shim_library "$shim"; then
        skip complain-bind-addrlen:no-bpf "fault shim not built"
        continue
      fi
      JH_WRAP=(env JH_FAULT=no-bpf LD_PRELOAD="$shim")
    fi
    jh_complain "$pol" -- $PY -c "$daemon"
    JH_WRAP=()
    expect_eq "complain-bind-addrlen:$mode:refused" "0 rc=-1" "$RC $OUT"
    expect_log "complain-bind-addrlen:$mode:bound-name-logged" \
      "^python3\[[0-9]+\]: bind\(\"$CASE/data/s\"\): read-only by $pol:2 \(read_only = /\)$"
    expect_no_match "complain-bind-addrlen:$mode:no-foreign-name" "jh-victim" "$ERR"
  done
}

test_without_complain_refuses() {
  local pol
  new_case
  pol=$(wrong_policy)
  jh "$pol" -- /bin/sh -c "$(prelude)"$'\n'"$(daemon_body)"
  expect_rc enforce:exit-0 0
  expect_field enforce:denied-call-refused flock EPERM
  expect_field enforce:family-refused inet EAFNOSUPPORT
  expect_field enforce:suid-refused suid EPERM
  expect_field enforce:write-execute-refused wx 1
  expect_field enforce:read-only data_write EROFS
  expect_no_match enforce:no-complain-lines 'jharden: complain:' "$ERR"
}

test_complain_pid_namespace() {
  local pol
  new_case
  pol=$(wrong_policy $'[namespaces]\npid = yes')
  jh_complain "$pol" -- /bin/sh -c "$(prelude)"$'\n'"$(daemon_body)"
  expect_rc complain-pid:exit-0 0
  expect_field complain-pid:daemon-kept-running alive yes
  expect_field complain-pid:denied-call-let-through flock OK
  check_log_lines complain-pid "$pol"
}

# The listener is handed over with sendmsg and the exec reported with write, before the
# observer listens: a policy that denies them must neither hang nor go unlogged afterwards.
test_complain_handover_calls_denied() {
  local pol
  new_case
  pol=$(policy <<'EOF'
[seccomp]
deny = sendmsg
EOF
)
  NOTIFY_SOCKET=@jharden-e2e-none jh_complain "$pol" -- /usr/bin/python3 -c '
import socket
a, b = socket.socketpair()
a.sendmsg([b"x"])
print("sent=" + b.recv(1).decode())'
  expect_rc complain-handover:exit-0 0
  expect_eq complain-handover:daemon-sendmsg-let-through "sent=x" "$OUT"
  expect_log complain-handover:daemon-sendmsg-logged \
    "^python3\[[0-9]+\]: sendmsg\([^)]*\): refused by $pol:2 \(deny = sendmsg\)$"
}

test_complain_observer_ends_with_daemon() {
  local pol tag="JH_CASE_TAG=complain-$$-$RANDOM"
  new_case
  pol=$(empty_policy)
  # The tag in the environment marks this run's observer (the observer is a fork of jharden
  # and keeps it): observers of other runs on the machine are not this case's business.
  local -a JH_WRAP=(env "$tag" "${JH_WRAP[@]}")
  jh --complain "$pol" -- /bin/true
  expect_rc complain-observer:exit-0 0
  # Gone as soon as the last process under the filter is: a zombie left to the reaper that
  # inherited it is gone too.
  sleep 0.5
  expect_eq complain-observer:gone-after-daemon "" "$(observers_left "$tag")"
}

# --complain's observer loads no program on capability checks: it has no use for them, and each
# would run on every capability check on the machine while the service runs.
test_complain_no_capability_program() {
  local pol pid f id now names="" seen="" tag="JH_CASE_TAG=complain-progs-$$-$RANDOM" deadline
  new_case
  pol=$(empty_policy)
  env "$tag" "$JHARDEN" --complain "$pol" -- /bin/sleep 3 </dev/null >/dev/null 2>&1 &
  deadline=$((SECONDS + 3))
  # The observer loads its programs one after another (slowly under the sanitizers): read them
  # until the same set, with on_sys_exit, is seen twice in a row (the last set seen counts).
  while ((SECONDS < deadline)); do
    sleep 0.2
    now=""
    for pid in $(observers_left "$tag"); do
      for f in "/proc/$pid/fdinfo/"*; do
        id=$(awk '$1 == "prog_id:" { print $2 }' "$f" 2>/dev/null)
        [[ -n $id ]] && now+=" $(bpftool prog show id "$id" | sed -n 's/.* name \([a-z_]*\) .*/\1/p')"
      done
    done
    [[ -z $now ]] || names=$now
    [[ $now == *on_sys_exit* && $now == "$seen" ]] && break
    seen=$now
  done
  wait
  expect_match complain-observer:path-programs-loaded "on_sys_exit" "$names"
  expect_no_match complain-observer:no-capability-program "on_capable" "$names"
}

test_complain_usage() {
  local pol
  new_case
  pol=$(empty_policy)
  jh --complain --verify "$pol"
  expect_rc complain-usage:with-verify-refused 2
  expect_match complain-usage:says-why '--complain' "$ERR"
}

# Failures name their line: a set-up step that fails says which policy line asked for it, and
# for a read-only file system, which entry made the place read-only.
test_setup_failure_names_line() {
  local pol
  new_case
  mkdir -p "$CASE/ro"
  # The planner refuses what it can see coming (a mount point inside a read-only bind): here
  # the file system is read-only on the host already (a private mount namespace of the test).
  ns_setup "mount --bind $CASE/ro $CASE/ro && mount -o remount,bind,ro $CASE/ro"
  pol=$(policy <<EOF
[filesystem]
read_only = $CASE/ro
tmpfs = $CASE/ro/new
EOF
)
  jh "$pol" -- /bin/true
  JH_WRAP=()
  expect_rc setup-line:under-read-only-exit-226 226
  expect_match setup-line:under-read-only-names-both \
    "^jharden: $pol:3: tmpfs = $CASE/ro/new: mounts: create mount point $CASE/ro/new: Read-only file system \(under read_only = $CASE/ro from $pol:2\)$" "$ERR"

  new_case
  pol=$(policy <<EOF
[filesystem]
read_only = /
read_only = $CASE/missing
EOF
)
  jh "$pol" -- /bin/true
  expect_rc setup-line:missing-read-only-exit-226 226
  expect_match setup-line:missing-read-only-names-line \
    "^jharden: $pol:3: read_only = $CASE/missing: mounts: resolve $CASE/missing: No such file or directory$" "$ERR"

  new_case
  pol=$(policy <<EOF
[filesystem]

bind = $CASE/nosource:$CASE/t
EOF
)
  jh "$pol" -- /bin/true
  expect_rc setup-line:missing-bind-source-exit-226 226
  expect_match setup-line:missing-bind-source-names-line \
    "^jharden: $pol:3: bind = $CASE/nosource:$CASE/t: mounts: open bind source $CASE/nosource: No such file or directory$" "$ERR"
}

# action = kill: the daemon dies of the filter; jharden's init says so and names the call and
# the rule's line (from the kernel's audit record of the kill).
test_kill_names_line() {
  local pol
  new_case
  pol=$(policy <<'EOF'
[seccomp]
action = kill
deny = uname
[namespaces]
pid = yes
EOF
)
  jh "$pol" -- /bin/uname
  expect_rc kill-line:exit-159 159
  expect_match kill-line:init-says-killed \
    "jharden: the daemon was killed by the seccomp filter \(SIGSYS, $pol:2 \(action = kill\)\)" "$ERR"
  if [[ -r /dev/kmsg ]]; then
    expect_match kill-line:names-call-and-line \
      "jharden: seccomp: uname\[[0-9]+\]: uname refused by $pol:3 \(deny = uname\), with action = kill from $pol:2" "$ERR"
  else
    skip kill-line:names-call-and-line "no /dev/kmsg to read the kernel's audit record from"
  fi
}

# kill-forged-record: with private_dev = no, a root daemon writes fake seccomp audit records to
# /dev/kmsg (for every pid it may have on the host) before its real kill: the report must name
# the call the kernel recorded, not the forged one. Records written from userspace are never
# the kernel's (their facility is not 0).
test_kill_forged_record() {
  local pol
  new_case
  [[ -w /dev/kmsg ]] || { skip kill-forged-record:names-the-real-call "no /dev/kmsg"; return; }
  pol=$(policy <<'EOF'
[seccomp]
action = kill
deny = uname
[filesystem]
private_dev = no
[namespaces]
pid = yes
EOF
)
  jh "$pol" -- $PY -c "
import os
for pid in range($BASHPID, $BASHPID + 400):
    with open('/dev/kmsg', 'w') as k:
        k.write('audit: type=1326 audit(1.0:1): auid=0 uid=0 gid=0 ses=1 pid=%d comm=\"forged\" '
                'exe=\"/x\" sig=31 arch=c000003e syscall=0 compat=0 ip=0x0 code=0x0\n' % pid)
os.uname()
"
  expect_rc kill-forged-record:exit-159 159
  expect_no_match kill-forged-record:forged-call-ignored "forged|read refused" "$ERR"
  expect_match kill-forged-record:names-the-real-call "seccomp: [^ ]+\[[0-9]+\]: uname refused" "$ERR"
}

main() {
  e2e_init "$@"
  run_cases \
    test_complain_logs_and_lets_through \
    test_complain_without_bpf \
    test_complain_bind_addrlen \
    test_without_complain_refuses \
    test_complain_pid_namespace \
    test_complain_handover_calls_denied \
    test_complain_observer_ends_with_daemon \
    test_complain_no_capability_program \
    test_complain_usage \
    test_setup_failure_names_line \
    test_kill_names_line \
    test_kill_forged_record
  e2e_finish
}

main "$@"
