#!/bin/bash
# notify.sh — readiness (jharden.md §6) against a real AF_UNIX datagram socket, and
# socket activation.
#
# Usage: bash notify.sh JHARDEN_BINARY REPO_ROOT   (as root)
#
# lib/notify_listener.py plays systemd: it records every message with the sender's
# pid and answers sd_notify_barrier() by closing the fd it receives.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.bash
source "$HERE/lib/common.bash"

SOCK=""
LOG=""
LISTENER=0
JPID=0
SLEEP_EXE=$(realpath /usr/bin/sleep)

# start_listener [DIR [DELAY]]: a fresh notification socket in DIR (default $CASE), read
# DELAY seconds late (default 0); sets SOCK and LOG.
start_listener() {
  local dir=${1:-$CASE}
  SOCK="$dir/notify.sock"
  LOG="$CASE/notify.log"
  $PY "$TOP/notify_listener.py" "$SOCK" "$LOG" ${2:+"$2"} </dev/null >/dev/null 2>"$CASE/listener.err" &
  LISTENER=$!
  on_exit kill "$LISTENER"
  if ! wait_for_file "$LOG" 10; then
    echo "# listener did not start: $(cat "$CASE/listener.err")"
  fi
}

stop_listener() {
  kill "$LISTENER" 2>/dev/null
  wait "$LISTENER" 2>/dev/null
  rm -f "$SOCK"
}

# start_jh ARGS...: jharden in the background with NOTIFY_SOCKET=$SOCK; sets JPID.
start_jh() {
  NOTIFY_SOCKET=$SOCK "${JH_WRAP[@]}" "$JHARDEN" "$@" </dev/null >"$CASE/.out" 2>"$CASE/.err" &
  JPID=$!
}

# wait_jh [SECONDS]: waits for the jharden started by start_jh; sets RC (124: still
# running after SECONDS, then killed), OUT and ERR.
wait_jh() {
  local i
  for ((i = 0; i < ${1:-30} * 10; i++)); do
    kill -0 "$JPID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$JPID" 2>/dev/null; then
    kill -KILL "$JPID" 2>/dev/null
    wait "$JPID" 2>/dev/null
    RC=124
  else
    wait "$JPID"
    RC=$?
  fi
  OUT=$(<"$CASE/.out")
  ERR=$(<"$CASE/.err")
}

# messages [PID]: the texts received (from PID only, when given), one per line, with
# the newlines inside a message shown as '|'.
messages() {
  $PY - "$LOG" "${1:-0}" <<'EOF'
import json, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # grep -q stops reading early
for line in open(sys.argv[1]):
    m = json.loads(line)
    if sys.argv[2] == "0" or m["pid"] == int(sys.argv[2]):
        print(m["text"].strip("\n").replace("\n", "|"))
EOF
}

# barrier_fds PID: the number of fds that came with BARRIER=1 messages of PID.
barrier_fds() {
  $PY - "$LOG" "$1" <<'EOF'
import json, sys
print(sum(m["fds"] for m in map(json.loads, open(sys.argv[1]))
          if m["pid"] == int(sys.argv[2]) and "BARRIER=1" in m["text"].split("\n")))
EOF
}

# senders_other_than PID: the credentials pid and text of every message (barriers aside:
# the helper sends those as itself, and systemd reads them before it checks any sender)
# that is not credited to PID, one per line; empty when all are.
senders_other_than() {
  $PY - "$LOG" "$1" <<'EOF'
import json, sys
for m in map(json.loads, open(sys.argv[1])):
    if m["pid"] != int(sys.argv[2]) and "BARRIER=1" not in m["text"].split("\n"):
        print(m["pid"], m["text"].strip("\n").replace("\n", "|"))
EOF
}

# barrier_sender: the pid of the first BARRIER=1 message.
barrier_sender() {
  $PY - "$LOG" <<'EOF'
import json, sys
print(next((m["pid"] for m in map(json.loads, open(sys.argv[1]))
            if "BARRIER=1" in m["text"].split("\n")), 0))
EOF
}

# message_value KEY [PID]: the value of KEY= in the first message that has it.
message_value() {
  messages "${2:-0}" | tr '|' '\n' | sed -n "s/^$1=//p" | head -1
}

# wait_for_message REGEX [SECONDS]
wait_for_message() {
  local i
  for ((i = 0; i < ${2:-10} * 10; i++)); do
    messages | grep -qE "$1" && return 0
    sleep 0.1
  done
  return 1
}

# kill_daemon PID: stops a daemon left running by a successful notify run.
kill_daemon() {
  [[ $1 =~ ^[0-9]+$ ]] && (($1 > 1)) && kill -KILL "$1" 2>/dev/null
}

# ---------------------------------------------------------------- notify = exec
# --complain (§2) changes nothing of §6: the process systemd started becomes the daemon, which
# is MAINPID and gets READY=1, while the observer lives beside it, never its child.
test_complain_main_process() {
  local pol mainpid
  new_case
  pol=$(policy <<'EOF'
[seccomp]
deny = flock
EOF
)
  start_listener
  start_jh --complain "$pol" -- /usr/bin/sleep 300
  on_exit kill -KILL "$JPID"
  wait_for_message 'READY=1' 30
  mainpid=$(message_value MAINPID)
  expect_eq complain-notify:mainpid-is-jharden-own-pid "$JPID" "$mainpid"
  expect_true complain-notify:jharden-became-the-daemon "exe: $(readlink "/proc/$JPID/exe")" \
    jharden_is "$SLEEP_EXE"
  local observer="" pid
  for pid in $(pgrep -x jharden-complai); do
    [[ $(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null) == "$JPID" ]] && observer=$pid
  done
  expect_eq complain-notify:observer-not-the-daemons-child "" "$observer"
  kill -TERM "$JPID"
  wait_jh 10
  expect_rc complain-notify:daemon-status-is-jharden-status 143
}


# jharden_is EXE: the process started as jharden ($JPID) is now EXE (exec in place, §6).
jharden_is() {
  [[ $(readlink "/proc/$JPID/exe" 2>/dev/null) == "$1" ]]
}

test_exec_mode() {
  local name=$1 pol=$2
  new_case
  start_listener
  start_jh "$pol" -- /usr/bin/sleep 300
  on_exit kill -KILL "$JPID"
  wait_for_message 'READY=1' 30
  local mainpid
  mainpid=$(message_value MAINPID)
  expect_true "$name:ready-sent" "messages: $(messages | xargs) $(jh_context)" \
    grep -qx 'READY=1' < <(messages | tr '|' '\n')
  # The process systemd started is the daemon itself: still running, now sleep.
  expect_true "$name:jharden-became-the-daemon" "exe: $(readlink "/proc/$JPID/exe")" \
    jharden_is "$SLEEP_EXE"
  expect_eq "$name:mainpid-is-jharden-own-pid" "$JPID" "$mainpid"
  # systemd's default NotifyAccess=main takes READY=1 only from the main process: the helper
  # sends it credited to that pid (SCM_CREDENTIALS), and everything else too.
  expect_true "$name:ready-credited-to-main-pid" "messages: $(messages | xargs)" \
    grep -qx 'READY=1' < <(messages "$JPID" | tr '|' '\n')
  expect_eq "$name:every-message-credited-to-main-pid" "" "$(senders_other_than "$JPID")"
  # The barrier comes from the short-lived helper itself, with its fd.
  local helper
  helper=$(barrier_sender)
  expect_true "$name:barrier-from-helper" "barrier from $helper, main $JPID" \
    test "$helper" != 0 -a "$helper" != "$JPID"
  expect_true "$name:barrier-with-fd" "messages: $(messages | xargs)" \
    test "$(barrier_fds "$helper")" -ge 1
  # READY=1 must come before the barrier that ends the helper's messages.
  expect_match "$name:ready-before-barrier" 'READY=1.*BARRIER=1' "$(messages | xargs)"
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -e /proc/$helper ]] || break
    sleep 0.1
  done
  expect_true "$name:helper-gone" "helper $helper still running" test ! -e "/proc/$helper"
  expect_eq "$name:daemon-has-no-child" "" "$(ps -o pid= --ppid "$JPID" | xargs)"
  kill -KILL "$JPID" 2>/dev/null
  wait "$JPID" 2>/dev/null
  stop_listener
}

test_exec_environment() {
  new_case
  start_listener
  local pol
  pol=$(empty_policy)
  start_jh "$pol" -- /bin/sh -c "echo \"ns=\${NOTIFY_SOCKET-unset}\" >$CASE/env.out; exec /usr/bin/sleep 300"
  on_exit kill -KILL "$JPID"
  wait_for_file "$CASE/env.out" 10
  expect_eq notify-exec:notify-socket-removed-from-daemon-env "ns=unset" "$(cat "$CASE/env.out" 2>/dev/null)"
  kill -KILL "$JPID" 2>/dev/null
  wait "$JPID" 2>/dev/null
  stop_listener
}

test_exec_failure() {
  new_case
  start_listener
  local pol
  pol=$(empty_policy)
  start_jh "$pol" -- /jh-e2e/no/such/daemon
  wait_jh 30
  wait_for_message 'STATUS=' 5
  expect_rc notify-exec:exec-failure-exit-203 203
  expect_match notify-exec:exec-failure-status-sent 'STATUS=.+' "$(messages | xargs)"
  expect_no_match notify-exec:exec-failure-never-ready 'READY=1' "$(messages | xargs)"
  expect_match notify-exec:exec-failure-status-names-program '/jh-e2e/no/such/daemon' \
    "$(message_value STATUS)"
  expect_match notify-exec:exec-failure-status-credited-to-main-pid 'STATUS=.*ERRNO=2' \
    "$(messages "$JPID" | xargs)"
  expect_eq notify-exec:exec-failure-every-message-credited-to-main-pid "" \
    "$(senders_other_than "$JPID")"
  stop_listener

  # A manager slow to read its socket: the failed main process must still be alive when
  # the message credited to it is read (it waits for the helper's barrier), else the
  # message arrives from pid 0 and systemd drops it.
  new_case
  start_listener "$CASE" 1
  start_jh "$pol" -- /jh-e2e/no/such/daemon
  wait_jh 30
  wait_for_message 'STATUS=' 10
  expect_rc notify-exec:slow-manager-exit-203 203
  expect_match notify-exec:slow-manager-status-credited-to-main-pid 'STATUS=.*no/such/daemon' \
    "$(messages "$JPID" | xargs)"
  expect_eq notify-exec:slow-manager-every-message-credited-to-main-pid "" \
    "$(senders_other_than "$JPID")"
  stop_listener

  new_case
  start_listener
  pol=$(policy <<EOF
[filesystem]
read_only = $CASE/missing
EOF
)
  start_jh "$pol" -- /usr/bin/sleep 300
  wait_jh 30
  wait_for_message 'STATUS=' 5
  expect_rc notify-exec:setup-failure-exit-226 226
  expect_no_match notify-exec:setup-failure-never-ready 'READY=1' "$(messages | xargs)"
  expect_match notify-exec:setup-failure-status-names-code 'STATUS=.*226/NAMESPACE' "$(messages | xargs)"
  expect_match notify-exec:setup-failure-status-credited-to-main-pid 'STATUS=.*226/NAMESPACE' \
    "$(messages "$JPID" | xargs)"
  expect_eq notify-exec:setup-failure-every-message-credited-to-main-pid "" \
    "$(senders_other_than "$JPID")"
  stop_listener
}

# ---------------------------------------------------------------- notify = daemon

# test_daemon_mode NAME SOCKET-DIR NOTIFIER: NOTIFIER is "python" or "systemd-notify".
test_daemon_mode() {
  local name=$1 dir=$2 notifier=$3
  new_case
  start_listener "$dir"
  local pol send
  pol=$(policy <<'EOF'
[service]
notify = daemon
EOF
)
  if [[ $notifier == systemd-notify ]]; then
    send="systemd-notify --ready --status=daemon-says-ready"
  else
    send="$PY $TOP/probe.py sd-notify 'READY=1
STATUS=daemon-says-ready'"
  fi
  start_jh "$pol" -- /bin/sh -c "
echo \"ns=\${NOTIFY_SOCKET-unset}\" >$CASE/env.out
$send >>$CASE/env.out 2>&1
exec /usr/bin/sleep 300"
  on_exit kill -KILL "$JPID"
  wait_for_message 'STATUS=daemon-says-ready' 30
  expect_true "$name:jharden-became-the-daemon" "exe: $(readlink "/proc/$JPID/exe") $(jh_context)" \
    jharden_is "$SLEEP_EXE"
  expect_no_match "$name:jharden-sends-nothing" 'MAINPID=' "$(messages | xargs)"
  expect_eq "$name:notify-socket-kept" "ns=$SOCK" "$(head -1 "$CASE/env.out" 2>/dev/null)"
  expect_match "$name:daemon-ready-reaches-socket" 'READY=1.*STATUS=daemon-says-ready|STATUS=daemon-says-ready.*READY=1' \
    "$(messages | grep daemon-says-ready | xargs) $(tail -n +2 "$CASE/env.out" 2>/dev/null)"
  kill -KILL "$JPID" 2>/dev/null
  wait "$JPID" 2>/dev/null
  stop_listener
}

# ---------------------------------------------------------------- pid = yes

# jharden stays in front of the namespace's init (§6): READY=1 from itself, signals
# forwarded to the daemon, the daemon's exit status (128+N for signal N) as its own.
test_pid_namespace() {
  new_case
  start_listener
  local pol
  pol=$(policy <<'EOF'
[namespaces]
pid = yes
EOF
)
  start_jh "$pol" -- /bin/sh -c "trap 'echo hup >>$CASE/signals' HUP
trap 'echo usr1 >>$CASE/signals' USR1
trap 'echo term >>$CASE/signals; exit 7' TERM
echo started >$CASE/signals
while :; do sleep 0.1; done"
  on_exit kill -KILL "$JPID"
  wait_for_message 'READY=1' 30
  wait_for_file "$CASE/signals" 10
  expect_true notify-pid:ready-sent-by-jharden "messages: $(messages | xargs)" \
    grep -qx 'READY=1' < <(messages "$JPID" | tr '|' '\n')
  expect_eq notify-pid:mainpid-is-jharden "$JPID" "$(message_value MAINPID "$JPID")"
  expect_true notify-pid:barrier-with-fd "messages: $(messages | xargs)" \
    test "$(barrier_fds "$JPID")" -ge 1
  local init daemon nspid
  init=$(ps -o pid= --ppid "$JPID" | xargs)
  daemon=$(ps -o pid= --ppid "${init:-0}" | head -1 | xargs)
  nspid=$(awk '/^NSpid:/ { print $NF }' "/proc/${daemon:-0}/status" 2>/dev/null)
  expect_eq notify-pid:daemon-is-pid-2-inside "2" "$nspid"
  expect_true notify-pid:jharden-stays-in-front "jharden $JPID gone" test -e "/proc/$JPID"
  kill -HUP "$JPID"
  kill -USR1 "$JPID"
  local i
  for ((i = 0; i < 50; i++)); do
    grep -q usr1 "$CASE/signals" 2>/dev/null && grep -q hup "$CASE/signals" && break
    sleep 0.1
  done
  expect_match notify-pid:hup-forwarded 'hup' "$(xargs <"$CASE/signals")"
  expect_match notify-pid:usr1-forwarded 'usr1' "$(xargs <"$CASE/signals")"
  kill -TERM "$JPID"
  wait_jh 10
  expect_match notify-pid:term-forwarded 'term' "$(xargs <"$CASE/signals")"
  expect_rc notify-pid:exit-status-is-daemons 7
  expect_true notify-pid:init-exits-with-daemon "init $init still running" \
    test -z "$init" -o ! -e "/proc/${init:-0}"
  stop_listener

  # A crash of the daemon (here: SIGSEGV sent to the main process) fails the unit: 128+11.
  new_case
  start_listener
  start_jh "$pol" -- /usr/bin/sleep 300
  on_exit kill -KILL "$JPID"
  wait_for_message 'READY=1' 30
  kill -SEGV "$JPID"
  wait_jh 10
  expect_rc notify-pid:segv-exit-139 139
  stop_listener
}

# ---------------------------------------------------------------- socket activation

socket_probe() {
  prelude
  cat <<'EOF'
echo "listen_pid=${LISTEN_PID-unset}"
echo "listen_fds=${LISTEN_FDS-unset}"
echo "listen_fdnames=${LISTEN_FDNAMES-unset}"
echo "self=$$"
p fd3 listen-fd 3
p fds fds $$
EOF
}

test_socket_activation() {
  local name=$1 pol=$2
  new_case
  cp "$HERE/lib/socket_activate.py" "$CASE/"
  jh_socket_activated() {
    "${JH_WRAP[@]}" timeout -k 5 "$JH_TIMEOUT" $PY "$CASE/socket_activate.py" "$CASE/port" \
      "$JHARDEN" "$@" </dev/null >"$CASE/.out" 2>"$CASE/.err"
    RC=$?
    OUT=$(<"$CASE/.out")
    ERR=$(<"$CASE/.err")
  }
  jh_socket_activated "$pol" -- /bin/sh -c "$(socket_probe)"
  local port
  port=$(cat "$CASE/port" 2>/dev/null)
  expect_rc "$name:exit-0" 0
  expect_field "$name:listen-fds-kept" listen_fds 1
  expect_field "$name:listen-fdnames-kept" listen_fdnames web
  expect_eq "$name:listen-pid-is-daemon" "$(field self)" "$(field listen_pid)"
  expect_field "$name:fd3-is-the-listening-socket" fd3 "listening 127.0.0.1:$port"
  expect_field "$name:no-other-fd" fds 0,1,2,3
}

test_systemd_socket_activate() {
  if ! command -v systemd-socket-activate >/dev/null; then
    skip socket-activation:systemd-socket-activate "systemd-socket-activate is not installed"
    return
  fi
  new_case
  local pol port sa i
  pol=$(empty_policy)
  port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  systemd-socket-activate -l "127.0.0.1:$port" "$JHARDEN" "$pol" -- /bin/sh -c "$(socket_probe)" \
    </dev/null >"$CASE/.out" 2>"$CASE/.err" &
  sa=$!
  on_exit kill -KILL "$sa"
  # It starts the service at the first connection.
  for ((i = 0; i < 50; i++)); do
    $PY -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null && break
    sleep 0.1
  done
  # "fds=" is printed before its value: wait for the value (the probe's last line).
  for ((i = 0; i < 300; i++)); do
    grep -q '^fds=.' "$CASE/.out" 2>/dev/null && break
    sleep 0.1
  done
  kill "$sa" 2>/dev/null
  wait "$sa" 2>/dev/null
  OUT=$(<"$CASE/.out")
  ERR=$(<"$CASE/.err")
  RC="?"
  expect_field socket-activation:systemd-socket-activate:listen-fds-kept listen_fds 1
  expect_eq socket-activation:systemd-socket-activate:listen-pid-is-daemon "$(field self)" "$(field listen_pid)"
  expect_field socket-activation:systemd-socket-activate:fd3-listening fd3 "listening 127.0.0.1:$port"
  expect_field socket-activation:systemd-socket-activate:no-other-fd fds 0,1,2,3
}

main() {
  e2e_init "$@"
  install -m 0644 "$HERE/lib/notify_listener.py" "$TOP/notify_listener.py"
  new_case
  test_exec_mode notify-exec:default "$(empty_policy)"
  new_case
  test_exec_mode notify-exec:explicit "$(policy <<'EOF'
[service]
notify = exec
EOF
)"
  test_exec_environment
  test_exec_failure
  test_complain_main_process
  test_daemon_mode notify-daemon:python "$TOP" python
  local tmpdir
  tmpdir=$(mktemp -d /tmp/jharden-e2e-notify.XXXXXX)
  chmod 0755 "$tmpdir"
  on_exit rm -rf "$tmpdir"
  test_daemon_mode notify-daemon:socket-in-host-tmp "$tmpdir" python
  if command -v systemd-notify >/dev/null; then
    test_daemon_mode notify-daemon:systemd-notify "$TOP" systemd-notify
  else
    skip notify-daemon:systemd-notify "systemd-notify is not installed"
  fi
  test_pid_namespace
  new_case
  test_socket_activation socket-activation:plain "$(empty_policy)"
  new_case
  test_socket_activation socket-activation:pid-namespace "$(policy <<'EOF'
[namespaces]
pid = yes
EOF
)"
  test_systemd_socket_activate
  e2e_finish
}

main "$@"
