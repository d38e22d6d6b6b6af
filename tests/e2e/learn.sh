#!/bin/bash
# learn.sh — jharden --learn FILE (jharden.md §2): small daemons run under --learn, the
# proposal lists exactly what they used, it parses with the policy, the daemon passes under
# it, and what it did not do is refused afterwards.
#
# Usage: bash learn.sh JHARDEN_BINARY REPO_ROOT   (as root)
# Exits 77 (skipped) when this kernel cannot run the observer (no BPF, no BTF).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.bash
source "$HERE/lib/common.bash"

# learn POLICY FILE [-- CMD...]: jharden --learn FILE, then waits for the observer's last write
# (it holds FILE.lock until then).
learn() {
  local pol=$1 file=$2
  shift 2
  jh --learn "$file" "$pol" "$@"
  flock "$file.lock" true
}

# install_proposal POLICY FILE: the proposal as the policy's drop-in.
install_proposal() {
  mkdir -p "$1.d"
  install -m 0644 "$2" "$1.d/50-learned.conf"
}

# json_get FILE PYTHON-EXPR: evaluates EXPR with `j` the record in FILE.
json_get() {
  $PY -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}

# The daemon of most cases: keeps its state in DATA (a temporary file renamed over the
# state, a lock file created and removed), opens an AF_INET socket and an AF_UNIX pair.
write_daemon() {
  cat >"$CASE/daemon.py" <<'EOF'
import os, socket, sys
data = sys.argv[1]
os.makedirs(data, exist_ok=True)
with open(os.path.join(data, "lock"), "w") as f:
    f.write("1")
with open(os.path.join(data, "state.tmp"), "w") as f:
    f.write("state")
os.rename(os.path.join(data, "state.tmp"), os.path.join(data, "state"))
os.unlink(os.path.join(data, "lock"))
socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
a, b = socket.socketpair()
if len(sys.argv) > 2:  # what the learned run never did
    for name, attempt in (("write", lambda: open("/var/lib/jharden-learn-outside", "w")),
                          ("inet6", lambda: socket.socket(socket.AF_INET6))):
        try:
            attempt()
            print(name + "=allowed")
        except OSError as e:
            print(name + "=" + (e.strerror or str(e)))
print("daemon-ok")
EOF
  chmod 0644 "$CASE/daemon.py"
}

check_observer() {
  new_case
  local pol out
  pol=$(empty_policy)
  out="$CASE/probe.conf"
  jh --learn "$out" "$pol" -- /bin/true
  flock "$out.lock" true
  if [[ $ERR == *"cannot observe"* ]]; then
    echo "SKIP: the observer cannot run here: $ERR"
    e2e_cleanup
    trap - EXIT
    exit 77
  fi
}

test_learn_basic() {
  new_case
  write_daemon
  local pol file data="$CASE/data"
  pol=$(policy svc.conf <<EOF
[service]
exec = $PY $CASE/daemon.py $data
EOF
)
  file="$CASE/learned.conf"
  learn "$pol" "$file"
  expect_rc "learn:daemon-runs-unchanged" 0
  expect_eq "learn:daemon-output-unchanged" "daemon-ok" "$OUT"
  local text
  text=$(<"$file")
  # The data directory is under /var/lib: coarsened to the service's directory there.
  expect_match "learn:read-only-root" $'\nread_only = /\n' "$text"
  expect_match "learn:read-write-coarsened" $'\nread_write = '"$TOP"$'\n' "$text"
  expect_eq "learn:only-written-places-writable" "1" "$(grep -c '^read_write = ' "$file")"
  expect_match "learn:evidence-comment" "# written: .*data/state \\(rename-to 1\\)" "$text"
  expect_match "learn:families-as-used" $'\naddress_families = AF_INET AF_UNIX\n' "$text"
  expect_no_match "learn:unused-family-absent" "AF_INET6|AF_NETLINK|AF_PACKET" \
    "$(grep '^address_families = ' "$file")"
  expect_no_match "learn:net-kept-for-inet" $'\nnet = yes' "$text"
  expect_match "learn:ipc-namespace" $'\nipc = yes\n' "$text"
  expect_match "learn:unused-group-denied" $'\ndeny = @chown\n' "$text"
  expect_no_match "learn:used-group-kept" $'\ndeny = @(network-io|file-system|basic-io)\n' "$text"
  expect_match "learn:mdwe" $'\nmemory_deny_write_execute = yes\n' "$text"
  # jharden's own set-up (unshare, mount, capset, seccomp) happens before the daemon's
  # execve: none of it may be taken for the daemon's.
  expect_eq "learn:setup-not-recorded" "[]" \
    "$(json_get "$file.json" "[s for s in ('mount','unshare','capset','mount_setattr','open_tree','landlock_restrict_self','seccomp') if s in j['syscalls']]")"
  # The proposal parses with the policy, and the daemon passes under it.
  install_proposal "$pol" "$file"
  jh --check "$pol"
  expect_rc "learn:proposal-parses" 0
  rm -rf "$data"
  jh "$pol"
  expect_eq "learn:rerun-under-proposal" "0 daemon-ok" "$RC $OUT"
  # Outside what was observed: a write elsewhere, another family.
  jh "$pol" -- $PY "$CASE/daemon.py" "$data" outside
  expect_eq "learn:outside-write-refused" "write=Read-only file system" "$(grep '^write=' <<<"$OUT")"
  expect_eq "learn:outside-family-refused" "inet6=Address family not supported by protocol" \
    "$(grep '^inet6=' <<<"$OUT")"
  rm -f /var/lib/jharden-learn-outside
}

# A second run adds up with the first (FILE.json).
test_learn_merge() {
  new_case
  write_daemon
  local pol file
  pol=$(policy svc.conf <<EOF
[service]
exec = $PY $CASE/daemon.py $CASE/data
EOF
)
  file="$CASE/learned.conf"
  learn "$pol" "$file"
  learn "$pol" "$file" -- /bin/sh -c "$PY -c 'import socket; socket.socket(socket.AF_INET6)'"
  expect_eq "learn:merge-runs" "2" "$(json_get "$file.json" "j['runs']")"
  expect_eq "learn:merge-families" "['AF_INET', 'AF_INET6', 'AF_UNIX']" \
    "$(json_get "$file.json" "sorted(j['address_families'])")"
  expect_match "learn:merge-proposal" $'\naddress_families = AF_INET AF_INET6 AF_UNIX\n' \
    "$(<"$file")"
  expect_match "learn:merge-keeps-first-run-writes" $'\nread_write = '"$TOP"$'\n' "$(<"$file")"
  echo '{"format": "something else"}' >"$CASE/bad.conf.json"
  jh --learn "$CASE/bad.conf" "$pol"
  expect_rc "learn:foreign-record-refused" 1
  jh --learn "$CASE/x.conf" --check "$pol"
  expect_rc "learn:not-with-check" 2
}

# Every process of the daemon counts (children, grandchildren); a write the starting policy
# refused is not proposed.
test_learn_tree_and_refusals() {
  new_case
  local pol file
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  learn "$pol" "$file" -- /bin/sh -c "(/bin/sh -c \"$PY -c 'import socket; socket.socket(socket.AF_INET6)'\");
    echo x > /etc/jharden-learn-refused 2>/dev/null; cd /run && mkdir -p jharden-learn-e2e/x &&
    rmdir jharden-learn-e2e/x jharden-learn-e2e"
  expect_match "learn:grandchild-observed" $'\naddress_families = AF_INET6\n' "$(<"$file")"
  expect_no_match "learn:refused-write-not-proposed" "/etc" "$(grep -E '^(read_write|tmpfs)' "$file")"
  # Relative names of a short-lived process, resolved against its working directory.
  expect_match "learn:relative-paths-resolved" $'\n(read_write|tmpfs) = -?/run/jharden-learn-e2e' \
    "$(<"$file")"
  # A daemon that forks into the background: what the child does after the process jharden
  # became has exited is observed too (the observer stays while any process of it lives).
  learn "$pol" "$CASE/bg.conf" -- /bin/sh -c '(sleep 1; cd /run && mkdir jharden-learn-bg) & exit 0'
  rmdir /run/jharden-learn-bg 2>/dev/null
  expect_match "learn:background-child-followed" $'\nread_write = -?/run/jharden-learn-bg\n' \
    "$(<"$CASE/bg.conf")"
  learn "$pol" "$CASE/n.conf" -- /bin/true
  expect_match "learn:net-proposed-without-sockets" $'\nnet = yes\n' "$(<"$CASE/n.conf")"
}

# Capabilities: exactly those exercised, not those merely probed (generic_permission() asks for
# CAP_DAC_READ_SEARCH before CAP_DAC_OVERRIDE; the default policy drops the former).
test_learn_capabilities() {
  new_case
  local pol file
  mkdir -m 0700 "$CASE/private"
  chown nobody "$CASE/private"
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  learn "$pol" "$file" -- /bin/sh -c "echo x > $CASE/private/f; cat $CASE/private/f"
  if grep -q "inferred from calls; capability checks are not observable" "$file"; then
    # No BPF trampolines: DAC_OVERRIDE cannot be inferred from calls; the process ran as root,
    # so it is kept as the starting policy kept it. DAC_READ_SEARCH is dropped by default.
    expect_match "learn:capability-exercised" $'\nkeep = (.* )?CAP_DAC_OVERRIDE( |\n)' "$(<"$file")"
    expect_no_match "learn:capability-probed-absent" "DAC_READ_SEARCH" "$(grep '^keep' "$file")"
    return
  fi
  expect_match "learn:capability-exercised" $'\nkeep = CAP_DAC_OVERRIDE\n' "$(<"$file")"
  expect_no_match "learn:capability-probed-absent" "DAC_READ_SEARCH" "$(grep '^keep' "$file")"
}

# learn-file-caps: where the fexit program is refused but the kernel has the cap_capable
# tracepoint (6.15), the file-access capabilities no call reveals come from its checks: a root
# daemon writing into a directory it does not own keeps CAP_DAC_OVERRIDE (a check succeeded);
# one writing only where root's own mode bits allow keeps neither it nor CAP_FOWNER.
test_learn_file_capabilities() {
  new_case
  local pol own other
  if ! bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q 'btf_trace_cap_capable'; then
    skip "learn-file-caps:*" "the kernel has no cap_capable tracepoint (Linux 6.15)"
    return
  fi
  mkdir -m 0700 "$CASE/private" "$CASE/own"
  chown nobody "$CASE/private"
  pol=$(empty_policy)
  own="$CASE/own.conf"
  other="$CASE/other.conf"
  learn "$pol" "$own" -- /bin/sh -c "echo x > $CASE/own/f; cat $CASE/own/f"
  learn "$pol" "$other" -- /bin/sh -c "echo x > $CASE/private/f; cat $CASE/private/f"
  if ! grep -q "inferred from calls" "$own"; then
    skip "learn-file-caps:*" "capability checks are observed exactly here (fexit)"
    return
  fi
  expect_match "learn-file-caps:tracepoint-used" "from the cap_capable tracepoint" "$(<"$own")"
  expect_match "learn-file-caps:own-files-keep-none" $'\nkeep = none\n' "$(<"$own")"
  expect_match "learn-file-caps:override-evidence" \
    "# CAP_DAC_OVERRIDE: [0-9]+ successful check\\(s\\) \\(cap_capable tracepoint\\)" "$(<"$other")"
  expect_match "learn-file-caps:override-kept" $'\nkeep = CAP_DAC_OVERRIDE\n' "$(<"$other")"
}

# learn-overlay-creds: overlayfs checks access to its upper layer with its mounter's
# credentials (root's, every capability), not the daemon's. A daemon running as nobody that
# writes its own files through an overlay mounted by root needs no capability: the mounter's
# checks are not the daemon's (PostgreSQL in a container whose root is an overlay seemed to use
# CAP_DAC_OVERRIDE thousands of times, and kept it).
test_learn_overlay_mounter_checks() {
  new_case
  local pol file o="$CASE/ovl"
  if ! bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q 'btf_trace_cap_capable'; then
    skip "learn-overlay-creds:*" "the kernel has no cap_capable tracepoint (Linux 6.15)"
    return
  fi
  mkdir -p "$o/lower/data" "$o/upper" "$o/work" "$o/merged"
  # The daemon's own directory, which root may enter only with CAP_DAC_OVERRIDE.
  chown nobody:nogroup "$o/lower/data"
  chmod 0700 "$o/lower/data"
  if ! mount -t overlay overlay -o "lowerdir=$o/lower,upperdir=$o/upper,workdir=$o/work" \
    "$o/merged"; then
    skip "learn-overlay-creds:*" "no overlayfs here"
    return
  fi
  pol=$(policy svc.conf <<EOF
[service]
user = nobody
[filesystem]
read_write = $o/merged
EOF
)
  file="$CASE/learned.conf"
  learn "$pol" "$file" -- /bin/sh -c "echo x > $o/merged/data/f && mkdir $o/merged/data/d &&
    cat $o/merged/data/f"
  umount "$o/merged"
  expect_eq "learn-overlay-creds:daemon-writes" "0 x" "$RC $OUT"
  expect_eq "learn-overlay-creds:mounter-checks-not-counted" "{}" \
    "$(json_get "$file.json" "j['checked_capabilities']")"
  expect_match "learn-overlay-creds:keeps-none" $'\nkeep = none\n' "$(<"$file")"
  expect_no_match "learn-overlay-creds:no-ambient" $'\nambient = CAP_' "$(<"$file")"
}

# learn-stop-signal: like systemd under KillMode=mixed, SIGTERM to the main process only, and
# SIGKILL to the observer as soon as the main process has exited. What the daemon did before the
# stop is in FILE: the observer writes it when the main process is asked to stop.
test_learn_stop_signal_writes() {
  new_case
  local pol file main observer data="$CASE/data"
  mkdir -p "$data"
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  "$JHARDEN" --learn "$file" "$pol" -- /bin/sh -c \
    "trap 'sleep 0.3; exit 0' TERM; echo 1 > $data/before; while :; do sleep 0.05; done" \
    </dev/null >"$CASE/.out" 2>"$CASE/.err" &
  main=$!
  observer=""
  for _ in $(seq 50); do
    [[ -e $data/before ]] && observer=$(pgrep -f -- "--learn $file") && break
    sleep 0.1
  done
  kill -TERM "$main"
  wait "$main"
  [[ -n $observer ]] && kill -KILL $observer 2>/dev/null
  expect_eq "learn-stop-signal:before-stop-recorded" "1" \
    "$(json_get "$file.json" "j['paths'].get('$data/before', {}).get('create')")"
}

# learn-stop-signal-flood: the stop-signal write is the daemon's to trigger (any SIGTERM to the
# main process, its own included). A daemon ignoring SIGTERM and sending it to itself in a loop
# must not make the observer rewrite FILE (and its proposal) at every signal: at most once a
# second. The writes are counted as the renames onto FILE (inotify IN_MOVED_TO).
test_learn_stop_signal_flood() {
  new_case
  local pol file counter writes
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  cat >"$CASE/flood.py" <<'EOF'
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(0.5)
end = time.monotonic() + 2
n = 0
while time.monotonic() < end:
    os.kill(os.getpid(), signal.SIGTERM)
    n += 1
    time.sleep(0.002)
print(n)
EOF
  chmod 0644 "$CASE/flood.py"
  cat >"$CASE/count.py" <<'EOF'
import ctypes, os, select, struct, sys, time
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
libc.inotify_add_watch(fd, os.path.dirname(sys.argv[1]).encode(), 0x80)  # IN_MOVED_TO
name, n, end = os.path.basename(sys.argv[1]).encode(), 0, time.monotonic() + 4
while time.monotonic() < end:
    select.select([fd], [], [], 0.1)
    try:
        data = os.read(fd, 65536)
    except BlockingIOError:
        continue
    i = 0
    while i < len(data):
        _, _, _, size = struct.unpack_from("iIII", data, i)
        n += data[i + 16:i + 16 + size].rstrip(b"\0") == name
        i += 16 + size
print(n)
EOF
  $PY "$CASE/count.py" "$file" >"$CASE/writes" &
  counter=$!
  learn "$pol" "$file" -- $PY "$CASE/flood.py"
  wait "$counter"
  writes=$(<"$CASE/writes")
  expect_rc "learn-stop-signal:flood-daemon-runs" 0
  echo "learn-stop-signal:flood: $OUT signals, $writes writes of FILE"
  expect_eq "learn-stop-signal:flood-writes-bounded" "yes" \
    "$( ((writes <= 6)) && echo yes || echo "no: $writes writes")"
}

# learn-caps-inferred: where cap_capable() cannot be watched, the capabilities come from the
# privileged calls that succeeded: a root daemon binding port 80 and switching to nobody keeps
# NET_BIND_SERVICE, SETUID and SETGID, and nothing it never used (CHOWN, KILL, SYS_CHROOT...);
# a port above the unprivileged start needs nothing; a daemon that is not root keeps none.
test_learn_capabilities_inferred() {
  new_case
  local pol file
  cat >"$CASE/d.py" <<'EOF'
import os, socket, sys
port = int(sys.argv[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(); s.close()
os.kill(os.getpid(), 0)  # a signal to itself: no capability
if len(sys.argv) > 2:  # as root still: what the learned run never did, a signal to nobody's
    try:
        os.kill(int(sys.argv[2]), 0)
        print("kill=allowed")
    except OSError as e:
        print("kill=" + e.strerror)
if os.getuid() == 0:  # as daemons do: only root switches
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
print("daemon-ok")
EOF
  chmod 0644 "$CASE/d.py"
  pol=$(policy svc.conf <<EOF
[service]
exec = $PY $CASE/d.py 80
EOF
)
  file="$CASE/learned.conf"
  learn "$pol" "$file"
  expect_eq "learn-caps-inferred:daemon-runs" "0 daemon-ok" "$RC $OUT"
  if grep -q "^keep = CAP_NET_BIND_SERVICE CAP_SETGID CAP_SETUID$" "$file" &&
    ! grep -q "inferred from calls" "$file"; then
    skip "learn-caps-inferred:calls" "cap_capable is observed on this kernel"
    return
  fi
  expect_match "learn-caps-inferred:comment-says-so" \
    "# inferred from calls; capability checks are not observable on this kernel" "$(<"$file")"
  # The file-access capabilities: from the cap_capable tracepoint where the kernel has it (no
  # check of them succeeded: dropped), else kept because the daemon ran as root.
  local file_caps="CAP_DAC_OVERRIDE CAP_FOWNER "
  grep -q "from the cap_capable tracepoint" "$file" && file_caps=""
  # It switched to nobody, who may write everywhere it wrote (nowhere): it runs as nobody from
  # the start, without the switch's capabilities nor root's file access.
  expect_match "learn-caps-inferred:user-proposed" $'\nuser = nobody\ngroup = nogroup\n' \
    "$(<"$file")"
  expect_match "learn-caps-inferred:keep-from-calls" $'\nkeep = CAP_NET_BIND_SERVICE\n' \
    "$(<"$file")"
  expect_match "learn-caps-inferred:switch-not-kept" \
    "# CAP_SETUID: not kept: it served the switch to nobody" "$(<"$file")"
  [[ -z $file_caps ]] || expect_match "learn-caps-inferred:file-caps-not-kept" \
    "# CAP_DAC_OVERRIDE: not kept: root used it on files" "$(<"$file")"
  expect_match "learn-caps-inferred:evidence" "# CAP_SETGID: setgid 1, setgroups 1" "$(<"$file")"
  # The proposal holds: the daemon passes under it, and a capability it never used is gone.
  install_proposal "$pol" "$file"
  local other
  setpriv --reuid=65533 --regid=65533 --clear-groups sleep 30 &
  other=$!
  on_exit kill "$other"
  jh "$pol" -- $PY "$CASE/d.py" 80 "$other"
  kill "$other" 2>/dev/null
  expect_eq "learn-caps-inferred:rerun-under-proposal" "0 daemon-ok" "$RC $(grep daemon-ok <<<"$OUT")"
  expect_eq "learn-caps-inferred:unused-capability-dropped" "kill=Operation not permitted" \
    "$(grep '^kill=' <<<"$OUT")"
  # A port at or above net.ipv4.ip_unprivileged_port_start needs no capability.
  pol=$(policy high.conf <<EOF
[service]
exec = $PY $CASE/d.py 18080
EOF
)
  learn "$pol" "$CASE/high.conf"
  expect_no_match "learn-caps-inferred:high-port-needs-nothing" "NET_BIND_SERVICE" \
    "$(grep '^keep' "$CASE/high.conf")"
  # Not root, no ambient capabilities: nothing is held, nothing is kept (not even the file
  # access capabilities that no call reveals).
  pol=$(policy user.conf <<EOF
[service]
user = nobody
EOF
)
  learn "$pol" "$CASE/user.conf" -- /bin/sh -c 'kill -0 $$; cat /etc/hostname >/dev/null'
  expect_match "learn-caps-inferred:non-root-keeps-none" $'\nkeep = none\n' "$(<"$CASE/user.conf")"
}

# learn-user: a daemon started as root that switches itself to nobody is proposed to run as
# nobody from the start, when nobody may write every place it wrote (as root too); it then runs
# as nobody under the proposal. Not when root wrote where nobody may not (a directory of root's).
test_learn_user() {
  new_case
  local pol file own="$CASE/own" roots="$CASE/roots"
  mkdir -p "$own" "$roots"
  touch "$own/log"
  chown nobody:nogroup "$own" "$own/log"
  chmod 0755 "$own" "$roots"
  # What nginx does, in one program: the master, as root, appends to its log (nobody's); its
  # worker switches to nobody and makes its files. Only root switches. With an argument, root
  # also writes in a directory of its own first.
  cat >"$CASE/d.py" <<EOF
import os, sys
if "roots-too" in sys.argv and os.getuid() == 0:
    open("$roots/pid", "w").write("1")
if "leftover" in sys.argv and os.getuid() == 0:
    open("$own/rootfile", "w").write("1")
open("$own/log", "a").write("started\\n")
pid = os.fork()
if pid == 0:
    if os.getuid() == 0:
        if "chroot" in sys.argv:
            os.chroot("/")
        os.setgroups([]); os.setgid(65534); os.setuid(65534)
    tmp = "$own/data.%d" % os.getpid()
    open(tmp, "w").write("x")
    os.unlink(tmp)
    open("$own/state", "w").write("state")
    os._exit(0)
os.waitpid(pid, 0)
print(open("$own/state").read(), os.stat("$own/state").st_uid)
EOF
  chmod 0644 "$CASE/d.py"
  pol=$(policy svc.conf <<EOF
[service]
exec = $PY $CASE/d.py
EOF
)
  file="$CASE/learned.conf"
  learn "$pol" "$file"
  expect_eq "learn-user:daemon-switches" "0 state 65534" "$RC $OUT"
  expect_match "learn-user:identity-recorded" "nobody:nogroup" \
    "$(json_get "$file.json" "' '.join(j['identities'])")"
  expect_match "learn-user:proposed" $'\nuser = nobody\ngroup = nogroup\n' "$(<"$file")"
  expect_match "learn-user:keeps-none" $'\nkeep = none\n' "$(<"$file")"
  # It dropped every supplementary group before the switch: none, not nobody's from the database.
  expect_match "learn-user:supplementary-groups-as-seen" $'\nsupplementary_groups =\n\n' \
    "$(<"$file")"
  install_proposal "$pol" "$file"
  rm -f "$own/state"
  jh "$pol"
  expect_eq "learn-user:runs-as-nobody-under-proposal" "0 state 65534" "$RC $OUT"
  # Root also writes in a directory of root's before the switch: nobody could not.
  pol=$(policy root.conf <<EOF
[service]
exec = $PY $CASE/d.py roots-too
EOF
)
  learn "$pol" "$CASE/root.learned"
  expect_no_match "learn-user:not-where-root-wrote-its-own" $'\nuser = ' "$(<"$CASE/root.learned")"
  expect_match "learn-user:says-why" "nobody may not write where it wrote as root: $roots" \
    "$(sed -z 's/\n#   / /g' "$CASE/root.learned")"
  # A daemon that sets its own capabilities as it switches (setpriv, chronyd) expects root.
  learn "$pol" "$CASE/capset.learned" -- /usr/bin/setpriv --reuid=nobody --regid=nogroup \
    --init-groups $PY -c "open('$own/state', 'w').write('x')"
  expect_no_match "learn-user:not-for-capset" $'\nuser = ' "$(<"$CASE/capset.learned")"
  expect_match "learn-user:capset-says-why" "sets its own capabilities \\(capset" \
    "$(sed -z 's/\n#   / /g' "$CASE/capset.learned")"
  # Its worker, as root, confines itself to a chroot before it switches (haproxy's do): as nobody
  # from the start, it keeps CAP_SYS_CHROOT, and could leave the chroot with it; the proposal
  # says so where it keeps the capability.
  pol=$(policy chroot.conf <<EOF
[service]
exec = $PY $CASE/d.py chroot
[seccomp]
deny = !@mount
EOF
)
  learn "$pol" "$CASE/chroot.learned"
  expect_eq "learn-user:chroot-daemon-switches" "0 state 65534" "$RC $OUT"
  expect_match "learn-user:chroot-ambient" $'\nambient = CAP_SYS_CHROOT\n' \
    "$(<"$CASE/chroot.learned")"
  expect_match "learn-user:chroot-warned" \
    "CAP_SYS_CHROOT: every process of the daemon keeps it .* leaves a chroot .* set user = root" \
    "$(sed -z 's/\n#   / /g' "$CASE/chroot.learned")"
  # Without a chroot, no such warning.
  expect_no_match "learn-user:no-chroot-no-warning" "leaves a chroot" "$(<"$file")"
  # A wrapper that runs the daemon may insist on root (Debian's memcached wrapper does).
  printf '#!/bin/sh\nexec %s %s\n' "$PY" "$CASE/d.py" >"$CASE/wrapper"
  chmod 0755 "$CASE/wrapper"
  learn "$pol" "$CASE/wrapped.learned" -- "$CASE/wrapper"
  expect_no_match "learn-user:not-behind-a-wrapper" $'\nuser = ' "$(<"$CASE/wrapped.learned")"
  expect_match "learn-user:wrapper-says-why" "it ran several programs \\($PY, $CASE/wrapper\\)" \
    "$(sed -z 's/\n#   / /g' "$CASE/wrapped.learned")"
  # A file root made while learning, in nobody's directory: proposed, with what to do first.
  pol=$(policy left.conf <<EOF
[service]
exec = $PY $CASE/d.py leftover
EOF
)
  learn "$pol" "$CASE/left.learned"
  expect_match "learn-user:leftover-named" \
    "not nobody's to write or replace: $own/rootfile\\. Before the first start as nobody" \
    "$(sed -z 's/\n#   / /g' "$CASE/left.learned")"
}

# The observer writes as root on the host: a daemon that may write where FILE lives plants
# symlinks at the temporary names; nothing may be written through them.
test_learn_planted_symlinks() {
  new_case
  local pol file victim=/etc/jharden-learn-victim
  rm -f "$victim" "$victim.json"
  pol=$(policy svc.conf <<EOF
[filesystem]
read_write = $CASE
EOF
)
  file="$CASE/learned.conf"
  learn "$pol" "$file" -- /bin/sh -c "ln -sf $victim $file.tmp; ln -sf $victim.json $file.json.tmp"
  expect_true "learn:symlink-planted-at-temporary-file" "$victim was written through a link" \
    test ! -e "$victim" -a ! -e "$victim.json"
  rm -f "$victim" "$victim.json"
}

# §6 holds while learning: READY=1 with MAINPID= the daemon (the process jharden became), and
# the observer is nobody's concern but its own (the daemon sees no extra child).
test_learn_notify() {
  new_case
  local pol file sock="$CASE/notify.sock" log="$CASE/notify.log" listener
  install -m 0644 "$REPO/tests/e2e/lib/notify_listener.py" "$CASE/notify_listener.py"
  $PY "$CASE/notify_listener.py" "$sock" "$log" </dev/null >/dev/null 2>&1 &
  listener=$!
  on_exit kill "$listener"
  wait_for_file "$log" 10
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  # setsid: jharden leads its own session, so it becomes the daemon in place (§6).
  JH_WRAP=(env NOTIFY_SOCKET="$sock" setsid --wait)
  learn "$pol" "$file" -- /bin/sh -c 'echo pid=$$; sleep 0.3; c=; read -r c < /proc/$$/task/$$/children;
    echo children=$c'
  JH_WRAP=()
  kill "$listener" 2>/dev/null
  local pid
  pid=$(grep '^pid=' <<<"$OUT")
  pid=${pid#pid=}
  expect_match "learn:ready-sent" 'READY=1' "$(<"$log")"
  expect_match "learn:mainpid-is-the-daemon" "MAINPID=$pid[^0-9]" "$(<"$log")"
  expect_eq "learn:observer-not-the-daemons-child" "children=" "$(grep '^children=' <<<"$OUT")"
}

# learn-injection: the daemon chooses the names the proposal quotes. A newline in a file name
# must not start a line of its own (a section, a key), a path with a space or " ;" must not
# become two paths, and a name that is not UTF-8 must not stop the observer's writes.
test_learn_injection() {
  new_case
  local pol file sp="/var/lib/jh-learn-victim ;x"
  rm -rf "$sp"
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  learn "$pol" "$file" -- $PY -c "
import os
d = '$CASE/data'
os.makedirs(d)
open(os.path.join(d, 'x\n[capabilities]\nkeep = CAP_SYS_ADMIN ;'), 'w').close()
os.makedirs(os.path.join(d, 'y\nread_write = '))
open(os.path.join(d, 'y\nread_write = ', 'usr ;'), 'w').close()
os.makedirs('$sp')
open('$sp/f', 'w').close()
"
  rm -rf "$sp"
  local lines
  lines=$(grep -v '^#' "$file")
  expect_eq "learn-injection:newline-in-name" "1" "$(grep -c '^\[capabilities\]' "$file")"
  expect_no_match "learn-injection:newline-key" "CAP_SYS_ADMIN|= /usr" "$lines"
  expect_no_match "learn-injection:space-in-path" "jh-learn-victim" "$lines"
  install_proposal "$pol" "$file"
  jh --check "$pol"
  expect_rc "learn-injection:proposal-parses" 0
  # The final write happens: this run's socket family is in the proposal.
  learn "$(policy u.conf </dev/null)" "$CASE/u.conf" -- $PY -c "
open(b'$CASE/data/z\\xff\\xfe', 'w').close()
import socket; socket.socket(socket.AF_INET6).close()
"
  expect_match "learn-injection:non-utf8-name" $'\naddress_families = AF_INET6\n' "$(<"$CASE/u.conf")"
}

# learn-truncated-path: the observer copies at most 255 bytes of a path; a longer name whose
# first 255 bytes name another place ("/usr/bin/./././...", then back to where the daemon may
# write) must not make that place writable.
test_learn_truncated_path() {
  new_case
  local pol file
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  learn "$pol" "$file" -- $PY -c "
open('/usr/bin' + '/.' * 150 + '/../..' + '$CASE/f', 'w').close()
"
  expect_true "learn-truncated-path:write-happened" "no $CASE/f" test -e "$CASE/f"
  expect_no_match "learn-truncated-path:long-name" "/usr" "$(grep -v '^#' "$file")"
}

# learn-symlink: the daemon writes in a directory of its own, then replaces it by a symlink to
# a tree it never wrote; the proposal must not follow that symlink on the host.
test_learn_symlink_swap() {
  new_case
  local pol file d=/run/jh-learn-swap
  rm -rf "$d"
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  learn "$pol" "$file" -- /bin/sh -c "mkdir -p $d/x && echo 1 > $d/x/f && rm -r $d/x &&
    ln -s /usr/share $d/x"
  rm -rf "$d"
  expect_no_match "learn-symlink:swapped-after-write" "/usr" "$(grep -v '^#' "$file")"
  expect_match "learn-symlink:lexical-location" $'\n(read_write|tmpfs) = -?/run/jh-learn-swap' \
    "$(<"$file")"
}

# learn-planted-record: whoever may write where FILE lives plants a FIFO at FILE.json: the
# observer must refuse it, not hang (and the daemon with it).
test_learn_planted_fifo() {
  new_case
  local pol file
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  mkfifo "$file.json"
  JH_TIMEOUT=10 jh --learn "$file" "$pol" -- /bin/true
  expect_rc "learn-planted-record:fifo-refused" 1
}

# learn-coarsen: one file written in /run/user/UID, or directly in /root, must not make every
# user's runtime directory, or root's whole home (its .ssh), writable.
test_learn_coarsen() {
  new_case
  local pol file
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  rm -rf /run/user/4242 /root/jh-learn-f
  learn "$pol" "$file" -- /bin/sh -c "mkdir -p /run/user/4242 && echo 1 > /run/user/4242/f &&
    echo 1 > /root/jh-learn-f"
  rm -rf /run/user/4242 /root/jh-learn-f
  expect_no_match "learn-coarsen:run-user" $'\nread_write = /run/user\n' "$(<"$file")"
  expect_match "learn-coarsen:run-user-own" $'\nread_write = /run/user/4242\n' "$(<"$file")"
  expect_no_match "learn-coarsen:root-home" $'\nread_write = /root\n' "$(<"$file")"
}

# learn-bind: a socket bound in the filesystem is a name the daemon created (an absolute name,
# one relative to its working directory), an abstract one is not a path; the place holding a
# bound socket stays shared (clients outside reach it), and a socket bound directly in /run is
# not proposed as a mount of its own.
test_learn_bound_socket() {
  new_case
  local pol file dir=/run/jh-learn-bind text
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  rm -rf "$dir" /run/jh-learn-bind.sock
  mkdir -p "$dir"
  learn "$pol" "$file" -- $PY -c "
import os, socket
def bound(name):
    s = socket.socket(socket.AF_UNIX)
    s.bind(name)
    return s
a = bound('$dir/abs.sock')
os.chdir('$dir')
r = bound('rel.sock')
b = bound('\0jh-learn-abstract')
t = bound('/run/jh-learn-bind.sock')
for n in ('$dir/abs.sock', '$dir/rel.sock', '/run/jh-learn-bind.sock'):
    os.unlink(n)
print('bound')"
  expect_eq "learn-bind:daemon-runs" "0 bound" "$RC $OUT"
  expect_eq "learn-bind:names-recorded" "[1, 1, 1]" "$(json_get "$file.json" \
    "[j['paths'].get(p, {}).get('bind') for p in ('$dir/abs.sock', '$dir/rel.sock', '/run/jh-learn-bind.sock')]")"
  expect_eq "learn-bind:abstract-not-a-path" "[]" \
    "$(json_get "$file.json" "[p for p in j['paths'] if 'abstract' in p]")"
  text=$(<"$file")
  expect_match "learn-bind:shared-place" $'\nread_write = '"$dir"$'\n' "$text"
  expect_no_match "learn-bind:not-scratch" "tmpfs = $dir" "$text"
  expect_no_match "learn-bind:no-mount-for-a-socket" "read_write = -?/run/jh-learn-bind.sock" "$text"
  expect_match "learn-bind:said-why" "directly in /run: jh-learn-bind.sock \\(bind 1, unlink 1\\)" "$text"
  rm -rf "$dir"
}

# learn-bind-addrlen: the kernel binds only the first addrlen bytes of sun_path; the daemon
# may put anything after them. A name cut short by addrlen, followed by "/../../..", must not
# be recorded as a socket bound somewhere the daemon never wrote (a read_write line for it).
test_learn_bind_addrlen() {
  new_case
  local pol file dir=/run/jh-learn-bindlen
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  rm -rf "$dir"
  mkdir -p "$dir"
  learn "$pol" "$file" -- $PY -c "
import ctypes, os, socket, struct
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_UNIX)
bound = b'$dir/s'
name = bound + b'/../../../srv/jh-learn-victim/sock'
addr = struct.pack('H', socket.AF_UNIX) + name + b'\0'
buf = ctypes.create_string_buffer(addr, len(addr))
rc = libc.bind(s.fileno(), buf, 2 + len(bound))
print('bound' if rc == 0 and os.path.exists(bound) else 'bind failed %d' % ctypes.get_errno())"
  expect_eq "learn-bind-addrlen:daemon-runs" "0 bound" "$RC $OUT"
  expect_eq "learn-bind-addrlen:bound-name-recorded" "1" \
    "$(json_get "$file.json" "j['paths'].get('$dir/s', {}).get('bind')")"
  expect_eq "learn-bind-addrlen:no-foreign-name" "[]" \
    "$(json_get "$file.json" "[p for p in j['paths'] if 'victim' in p]")"
  expect_no_match "learn-bind-addrlen:no-foreign-place" "jh-learn-victim" "$(<"$file")"
  rm -rf "$dir"
}

# learn-run-names: the names a daemon makes and removes directly in /run are explained in one
# comment, not proposed. They are the daemon's choice: a newline and a key in a name, bytes
# shown four times as long (\xNN), long names, thousands of them. The comment stays a
# comment, no line is over the parser's limit, and the proposal parses.
test_learn_run_names() {
  new_case
  local pol file
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  learn "$pol" "$file" -- $PY -c "
import os
names = [b'jh-x\n[capabilities]\nkeep = CAP_SYS_ADMIN ;', b'jh-' + b'\xff' * 252,
         b'jh-' + b' ' * 240] + [b'jh-%02d' % i + b'y' * 240 for i in range(8)] + \
        [b'jh- %04d' % i + b'z' * 200 for i in range(3000)]
for n in names:
    p = b'/run/' + n
    open(p, 'w').close()
    os.unlink(p)
print('made')"
  expect_eq "learn-run-names:daemon-runs" "0 made" "$RC $OUT"
  echo "learn-run-names: proposal of $(wc -c <"$file") bytes"
  expect_eq "learn-run-names:no-injected-key" "0" \
    "$(grep -v '^#' "$file" | grep -c 'CAP_SYS_ADMIN')"
  expect_eq "learn-run-names:lines-within-limit" "0" "$(awk 'length($0) > 198' "$file" | wc -l)"
  install_proposal "$pol" "$file"
  jh --check "$pol"
  expect_rc "learn-run-names:proposal-parses" 0
}

# learn-devices: writing to a device node needs no writable mount; with private_dev = no (a
# device that is not a pseudo-device opened), a write to /dev/null must not propose the
# host's whole /dev writable (mknod, unlink of its nodes).
test_learn_device_writes() {
  new_case
  local pol file
  pol=$(policy svc.conf <<'EOF'
[filesystem]
private_dev = no
EOF
)
  file="$CASE/learned.conf"
  learn "$pol" "$file" -- /bin/sh -c "cat /dev/net/tun; echo x > /dev/null"
  expect_match "learn-devices:private-dev-stays" "private_dev stays as it is: devices opened: /dev/net/tun" \
    "$(<"$file")"
  expect_no_match "learn-devices:dev-not-writable" $'\n(read_write|tmpfs) = -?/dev' "$(<"$file")"
}

# learn-planted-record: a FILE.json that another user (the daemon's, say) owns or may write is
# not evidence: its paths would become the proposal's read_write lines.
test_learn_foreign_record() {
  new_case
  local pol file
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  learn "$pol" "$file" -- /bin/true
  $PY -c "import json,sys; j=json.load(open(sys.argv[1])); j['paths']['/usr/share/x']={'create':1}
json.dump(j, open(sys.argv[1], 'w'))" "$file.json"
  chown nobody "$file.json"
  jh --learn "$file" "$pol" -- /bin/true
  flock "$file.lock" true
  expect_rc "learn-planted-record:foreign-owner-refused" 1
  expect_no_match "learn-planted-record:foreign-paths-not-proposed" "/usr/share" \
    "$(grep -v '^#' "$file")"
  chown root "$file.json"
  chmod 0666 "$file.json"
  jh --learn "$file" "$pol" -- /bin/true
  expect_rc "learn-planted-record:writable-by-others-refused" 1
}

# learn-relative-base: a relative name whose directory the program could not name (a path
# longer than it copies) was resolved later from /proc/PID/cwd: the daemon writes "f" in a
# deep directory of its own, then moves to /usr/share before the observer reads its records.
test_learn_relative_base() {
  new_case
  local pol file
  pol=$(empty_policy)
  file="$CASE/learned.conf"
  learn "$pol" "$file" -- $PY -c "
import os, time
deep = '$CASE/' + 'a' * 200 + '/' + 'b' * 100
os.makedirs(deep)
os.chdir(deep)
open('f', 'w').close()
os.chdir('/usr/share')
time.sleep(1)
"
  expect_true "learn-relative-base:write-happened" "no f" test -e "$CASE/$(printf 'a%.0s' {1..200})/$(printf 'b%.0s' {1..100})/f"
  expect_no_match "learn-relative-base:moved-cwd" "/usr" "$(grep -v '^#' "$file")"
}

# The `user` proposal attacked: a daemon, root while learning, that would make it grant more
# than it used. user_rt_db PASSWD GROUP: jharden sees these as the user database (a private
# mount namespace; the host's files are untouched).
user_rt_db() {
  ns_setup "mount --bind $1 /etc/passwd; mount --bind $2 /etc/group"
}

# user_rt_learn_with_db POLICY FILE: --learn with $CASE/passwd and $CASE/group as the database.
user_rt_learn_with_db() {
  user_rt_db "$CASE/passwd" "$CASE/group"
  learn "$1" "$2"
  JH_WRAP=()
}

# user_rt_own OWNER: $CASE/own, the daemon's directory, OWNER's (mode 0755).
user_rt_own() {
  mkdir -p "$CASE/own"
  chown "$1" "$CASE/own"
  chmod 0755 "$CASE/own"
}

# user_rt_daemon OWN SWITCH [PRELUDE]: writes $CASE/d.py, a daemon that runs PRELUDE (python,
# as root), then forks a child that runs SWITCH (its groups, gid and uid) and writes OWN/state
# (its groups); prints the policy svc.conf that runs it.
user_rt_daemon() {
  cat >"$CASE/d.py" <<EOF
import os, sys
${3:-}
pid = os.fork()
if pid == 0:
    $2
    open("$1/state", "w").write(" ".join(str(g) for g in os.getgroups()))
    os._exit(0)
os.waitpid(pid, 0)
EOF
  policy svc.conf <<EOF
[service]
exec = $PY $CASE/d.py
EOF
}

# Names that do not name the ids they came from: a group called "0" (gid 4243), a user name
# with two entries, the first uid 0. Proposed as names, they would be root's group and root.
test_learn_user_rt_names() {
  new_case
  local pol own="$CASE/own"
  mkdir -p "$own"
  chown nobody:nogroup "$own"
  chmod 0777 "$own"
  { echo "jhsvc:x:0:0::/:/usr/sbin/nologin"; cat /etc/passwd
    echo "jhsvc:x:4245:4245::/:/usr/sbin/nologin"; } >"$CASE/passwd"
  { cat /etc/group; echo "0:x:4243:"; echo "disk nogroup:x:4270:"; } >"$CASE/group"
  cat >"$CASE/d.py" <<EOF
import os, sys
pid = os.fork()
if pid == 0:
    if sys.argv[1] == "primary":
        os.setgroups([]); os.setgid(4243); os.setuid(65534)
    elif sys.argv[1] == "supplementary":
        os.setgroups([4243]); os.setgid(65534); os.setuid(65534)
    elif sys.argv[1] == "spaced":
        os.setgroups([4270]); os.setgid(65534); os.setuid(65534)
    else:
        os.setgroups([]); os.setgid(65534); os.setuid(4245)
    open("$own/state." + sys.argv[1], "w").write("x")
    os._exit(0)
os.waitpid(pid, 0)
EOF
  pol=$(policy svc.conf <<EOF
[service]
exec = $PY $CASE/d.py
EOF
)
  user_rt_db "$CASE/passwd" "$CASE/group"
  learn "$pol" "$CASE/primary.learned" -- $PY "$CASE/d.py" primary
  learn "$pol" "$CASE/supplementary.learned" -- $PY "$CASE/d.py" supplementary
  learn "$pol" "$CASE/user.learned" -- $PY "$CASE/d.py" user
  learn "$pol" "$CASE/spaced.learned" -- $PY "$CASE/d.py" spaced
  JH_WRAP=()
  expect_true "learn-user-rt:names-daemon-switched" "no state files" \
    test -e "$own/state.primary" -a -e "$own/state.supplementary" -a -e "$own/state.user"
  expect_no_match "learn-user-rt:group-named-0-is-not-root-group" $'\ngroup = 0\n' \
    "$(<"$CASE/primary.learned")"
  expect_no_match "learn-user-rt:supplementary-named-0-is-not-root-group" \
    $'\nsupplementary_groups = 0\n' "$(<"$CASE/supplementary.learned")"
  expect_no_match "learn-user-rt:user-name-of-uid-0-twice" $'\nuser = jhsvc\n' \
    "$(<"$CASE/user.learned")"
  # A group called "disk nogroup": one line of two names, disk's among them.
  expect_no_match "learn-user-rt:group-name-with-a-space" "supplementary_groups = disk" \
    "$(<"$CASE/spaced.learned")"
}

# The group it switched to has the user's name, but the user's primary group is another (a
# privileged one): left out, `group` would be that one.
test_learn_user_rt_primary_group() {
  new_case
  local pol own="$CASE/own"
  user_rt_own 4260:4260
  { cat /etc/passwd; echo "jhsvc:x:4260:4261::/:/usr/sbin/nologin"; } >"$CASE/passwd"
  { cat /etc/group; echo "jhsvc:x:4260:"; echo "jhpriv:x:4261:"; } >"$CASE/group"
  pol=$(user_rt_daemon "$own" "os.setgroups([]); os.setgid(4260); os.setuid(4260)")
  user_rt_learn_with_db "$pol" "$CASE/learned.conf"
  expect_true "learn-user-rt:primary-group-switched" "no state" test -e "$own/state"
  expect_match "learn-user-rt:group-named-as-the-user-is-said" $'\nuser = jhsvc\ngroup = jhsvc\n' \
    "$(<"$CASE/learned.conf")"
}

# More than 16 supplementary groups when it switched (not all seen): never the user's own from
# the database instead, where the user is a member of a group the daemon did not have.
test_learn_user_rt_many_groups() {
  new_case
  local pol own="$CASE/own"
  user_rt_own nobody:nogroup
  cp /etc/passwd "$CASE/passwd"
  { cat /etc/group; echo "jhsecret:x:4250:nobody"; } >"$CASE/group"
  pol=$(user_rt_daemon "$own" "os.setgroups(list(range(4300, 4317))); os.setgid(65534); os.setuid(65534)")
  user_rt_learn_with_db "$pol" "$CASE/learned.conf"
  expect_match "learn-user-rt:many-groups-daemon-switched" "4316" "$(cat "$own/state" 2>&1)"
  # Not proposed at all: the groups it had cannot all be named.
  expect_no_match "learn-user-rt:many-groups-not-the-users-own" $'\nuser = ' \
    "$(<"$CASE/learned.conf")"
}

# The identities map full: a daemon switching its gid through 61 groups as root (ignored),
# having one process become nobody, then another become uid 4444: the last is lost, and the
# proposal would make the whole daemon nobody.
test_learn_user_rt_identities_full() {
  new_case
  local pol own="$CASE/own"
  user_rt_own nobody:nogroup
  cat >"$CASE/d.py" <<EOF
import os
def child(f):
    pid = os.fork()
    if pid == 0:
        f(); os._exit(0)
    return os.waitpid(pid, 0)[1]
def nobody():
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
    open("$own/state", "w").write("x")
def cycle():
    for g in range(5000, 5061): os.setegid(g)
def other():
    os.setgroups([]); os.setgid(4444); os.setuid(4444)
    os._exit(0 if os.getuid() == 4444 else 1)
child(nobody); child(cycle); print(child(other))
EOF
  pol=$(policy svc.conf <<EOF
[service]
exec = $PY $CASE/d.py
EOF
)
  learn "$pol" "$CASE/learned.conf"
  expect_eq "learn-user-rt:identities-full-switched" "0 0" "$RC $OUT"
  expect_no_match "learn-user-rt:identities-full-not-proposed" $'\nuser = ' \
    "$(<"$CASE/learned.conf")"
}

# A uid and gid the user database does not have: not proposed (the number may be given to
# someone else later).
test_learn_user_rt_numeric() {
  new_case
  local pol own="$CASE/own"
  user_rt_own 4242:4242
  pol=$(user_rt_daemon "$own" "os.setgroups([]); os.setgid(4242); os.setuid(4242)")
  learn "$pol" "$CASE/learned.conf"
  expect_true "learn-user-rt:numeric-switched" "no state" test -e "$own/state"
  expect_no_match "learn-user-rt:numeric-uid-not-proposed" $'\nuser = ' "$(<"$CASE/learned.conf")"
}

# The command the proposal gives for the files root made while learning, run as told: it gives
# the user nothing but those files; not a file of root's it never touched, not what a symbolic
# or hard link root planted there leads to (the victims lie outside the places written).
test_learn_user_rt_chown() {
  new_case
  local pol own="$CASE/own" cmd victims
  victims=$(mktemp -d /var/lib/jharden-rt-victims.XXXXXX)
  user_rt_own nobody:nogroup
  echo key >"$own/untouched.key"
  echo secret >"$victims/victim"
  echo secret >"$victims/victim2"
  chmod 0600 "$own/untouched.key" "$victims/victim" "$victims/victim2"
  pol=$(user_rt_daemon "$own" "os.setgroups([]); os.setgid(65534); os.setuid(65534)" "if os.getuid() == 0:
    open('$own/rootfile', 'w').write('1')
    if 'links' in sys.argv:
        os.symlink('$victims/victim', '$own/link')
        os.link('$victims/victim2', '$own/hard')")
  learn "$pol" "$CASE/plain.learned"
  cmd=$(sed -z 's/\n#   / /g' "$CASE/plain.learned" | sed -n 's/.*give them to nobody: //p')
  expect_match "learn-user-rt:chown-command-given" "chown" "$cmd"
  bash -c "$cmd" >/dev/null 2>&1
  expect_eq "learn-user-rt:chown-gives-the-file-root-made" "nobody" \
    "$(stat -c %U "$own/rootfile")"
  expect_eq "learn-user-rt:chown-not-an-untouched-file" "root" "$(stat -c %U "$own/untouched.key")"
  # What a command too broad gave away, taken back for the next run.
  chown root:root "$TOP"
  find "$CASE" -path "$own" -prune -o -exec chown -h root:root {} +
  rm -f "$own/rootfile" "$own/state"
  chown root "$own/untouched.key"
  learn "$pol" "$CASE/links.learned" -- $PY "$CASE/d.py" links
  cmd=$(sed -z 's/\n#   / /g' "$CASE/links.learned" | sed -n 's/.*give them to nobody: //p')
  [[ -n $cmd ]] && bash -c "$cmd" >/dev/null 2>&1
  expect_eq "learn-user-rt:chown-not-through-a-symlink" "root" "$(stat -c %U "$victims/victim")"
  expect_eq "learn-user-rt:chown-not-a-hard-link" "root" "$(stat -c %U "$victims/victim2")"
  chown root:root "$TOP"
  find "$CASE" -path "$own" -prune -o -exec chown -h root:root {} +
  rm -rf "$victims"
}

main() {
  e2e_init "$@"
  check_observer
  run_cases test_learn_basic test_learn_merge test_learn_tree_and_refusals test_learn_capabilities \
    test_learn_file_capabilities test_learn_capabilities_inferred \
    test_learn_planted_symlinks test_learn_notify test_learn_injection test_learn_truncated_path \
    test_learn_symlink_swap test_learn_planted_fifo test_learn_coarsen \
    test_learn_device_writes test_learn_foreign_record test_learn_relative_base \
    test_learn_bound_socket test_learn_overlay_mounter_checks test_learn_stop_signal_writes \
    test_learn_bind_addrlen test_learn_stop_signal_flood \
    test_learn_run_names test_learn_user test_learn_user_rt_names test_learn_user_rt_primary_group \
    test_learn_user_rt_many_groups \
    test_learn_user_rt_identities_full test_learn_user_rt_numeric test_learn_user_rt_chown
  e2e_finish
}

main "$@"
