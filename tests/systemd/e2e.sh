#!/bin/bash
# e2e.sh — end-to-end test of jharden under a real systemd.
#
# Usage (as root):  tests/systemd/e2e.sh [--container DIR] path/to/jharden_VERSION_ARCH.deb
#
# Boots this machine's own OS in a throw-away container (nspawn.sh), or with
# --container uses the one another script booted in DIR (nspawn.sh start DIR;
# it is left running for that script to stop), installs
# the package there, and checks the contract (jharden(8), jharden.conf(5))
# from outside: Debian's nginx.service turned into a jharden service by the
# shipped drop-in, the jharden@.service template with the shipped
# python-http and memcached policies, services of the template that fail
# (daemon missing, invalid policy, failing mount), a "notify = daemon" service
# and a socket-activated one. Units leave NotifyAccess= at its default (main)
# wherever jharden reports readiness, and the journal must never say that a
# notification was refused ("reception only permitted") nor name a main
# process that is "not our child". One PASS/FAIL line per check, then exactly
# "N passed, M failed"; the exit status is 1 if anything failed.
#
# Prerequisites on the host (the container is a copy of it, so whatever the
# tests run must be installed here; this script installs nothing):
#   apt-get install -y systemd-container nginx-light memcached curl \
#       netcat-openbsd python3
#
# Environment:
#   E2E_LOGDIR   where diagnostics go (journal of failed units, the
#                container's console); default: a new /tmp/jharden-e2e-logs.*
#   E2E_KEEP=1   leave the container running at the end (for debugging;
#                stop it with: nspawn.sh stop DIR)

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
# shellcheck source=nspawn.sh
source "$HERE/nspawn.sh"
# shellcheck source=checks.bash
source "$HERE/checks.bash"

SHARED_CT=""                            # --container DIR: booted by the caller
if [[ ${1:-} == --container ]]; then
    SHARED_CT=${2:-}
    shift 2 || shift $#
fi
DEB=${1:-}
DROPIN=$TOP/units/nginx.service.d/jharden.conf
CT=""                                   # container state directory
LOGDIR=${E2E_LOGDIR:-}
PASSED=0
FAILED=0
WHY=""                                  # reason given by the last check

# ---------------------------------------------------------------- reporting
# pass, fail, check, summary: checks.bash.

# diag UNIT: keep the unit's status and journal in the log directory.
diag() {
    {
        echo "===== $1"
        in_ct systemctl status --no-pager --full "$1"
        in_ct journalctl --no-pager -o short-monotonic -n 60 -u "$1"
    } >>"$LOGDIR/units.log" 2>&1
}

# ---------------------------------------------------------------- container
# in_ct, put_file, prop, wait_until, http_code: checks.bash.

cleanup() {
    [[ -n $CT && -d $CT ]] || return 0
    cp -f "$CT/console.log" "$LOGDIR/console.log" 2>/dev/null
    [[ -z $SHARED_CT ]] || return 0    # the caller's container: the caller stops it
    if [[ ${E2E_KEEP:-0} == 1 ]]; then
        echo "# container kept: $CT (stop with: $HERE/nspawn.sh stop $CT)"
    else
        nspawn_stop "$CT" || echo "# warning: could not stop the container in $CT" >&2
    fi
}

# ---------------------------------------------------------------- helpers

# running PID: PID names a live process in the container (a unit that failed
# to start has MainPID 0: its checks then fail with that reason, quietly).
running() {
    if [[ $1 =~ ^[1-9][0-9]*$ ]] && in_ct test -d "/proc/$1"; then return 0; fi
    WHY="no main process (PID '${1:-}')"
    return 1
}

main_pid() { prop "$1" MainPID; }

# sandboxed_pid PID: the daemon behind main process PID. Without a PID namespace the main
# process is the daemon itself (exec in place); with one, it is jharden, in front of the
# namespace's init, whose first child is the daemon.
sandboxed_pid() {
    local pid=$1 init
    if [[ $(in_ct cat "/proc/$pid/comm" 2>/dev/null) == jharden ]]; then
        init=$(in_ct ps -o pid= --ppid "$pid" | head -1 | tr -d ' ')
        pid=$(in_ct ps -o pid= --ppid "${init:-0}" | head -1 | tr -d ' ')
    fi
    echo "${pid:-0}"
}

# unit_state UNIT: a short description for failure messages.
unit_state() {
    in_ct systemctl show -p ActiveState -p Result -p ExecMainStatus -p NRestarts "$1" | paste -sd' '
}

# jharden_error UNIT: the last error jharden logged for the unit, if any.
jharden_error() {
    in_ct journalctl --no-pager -o cat -u "$1" | grep '^jharden: ' | tail -n 1
}

# start_unit UNIT: systemctl start, bounded in time.
start_unit() {
    local err
    if ! in_ct timeout 60 systemctl start "$1" 2>/dev/null; then
        err=$(jharden_error "$1")
        WHY="$(unit_state "$1")${err:+; $err}"
        diag "$1"
        return 1
    fi
}

stop_unit() { in_ct timeout 60 systemctl stop "$1"; }

# start_must_fail UNIT: systemctl start fails (after a reset-failed).
start_must_fail() {
    in_ct systemctl reset-failed "$1" 2>/dev/null
    if in_ct timeout 60 systemctl start "$1" 2>/dev/null; then
        WHY="it started: $(unit_state "$1")"
        return 1
    fi
}

is_active() {
    local state err
    state=$(in_ct systemctl is-active "$1")
    [[ $state == active ]] && return 0
    err=$(jharden_error "$1")
    WHY="$1 is $state${err:+; $err}"
    diag "$1"
    return 1
}

# prop_is UNIT PROPERTY VALUE
prop_is() {
    local value
    value=$(prop "$1" "$2")
    [[ $value == "$3" ]] || { WHY="$2=$value"; return 1; }
}

# no_restart UNIT: NRestarts stays 0 (given a moment for a restart to happen).
no_restart() {
    sleep 1.5
    prop_is "$1" NRestarts 0
}

# restarted UNIT OLD_PID: the unit was restarted and runs a new main process.
restarted() {
    local n state pid
    n=$(prop "$1" NRestarts)
    state=$(in_ct systemctl is-active "$1")
    pid=$(main_pid "$1")
    if [[ $n =~ ^[0-9]+$ ]] && ((n >= 1)) && [[ $state == active && $pid != 0 && $pid != "$2" ]]; then
        return 0
    fi
    WHY="NRestarts=$n, $state, MainPID=$pid, Result=$(prop "$1" Result)"
    return 1
}

# comm_is PID NAME: the command name of PID inside the container.
comm_is() {
    local comm
    running "$1" || return 1
    comm=$(in_ct cat "/proc/$1/comm" 2>/dev/null)
    [[ $comm == "$2" ]] || { WHY="PID $1 is '${comm:-gone}'"; return 1; }
}

http_200() { [[ $(http_code "$1") == 200 ]]; }

# http_ok URL: 200 within 10 s (the daemon may still be binding its socket:
# READY=1 is sent once it has been exec'd, not once it listens).
http_ok() {
    if ! wait_until 10 http_200 "$1"; then
        WHY="HTTP $(http_code "$1")"
        return 1
    fi
}

# in_ns PID COMMAND...: run COMMAND in PID's mount namespace, with its root.
in_ns() { in_ct nsenter -t "$1" -m -r "${@:2}"; }

# read_only PID PATH: creating a file under PATH fails with EROFS.
read_only() {
    local err
    running "$1" || return 1
    if err=$(in_ns "$1" touch "$2/.jharden-e2e" 2>&1); then
        in_ns "$1" rm -f "$2/.jharden-e2e"
        WHY="touch $2/.jharden-e2e succeeded"
        return 1
    fi
    [[ $err == *"Read-only file system"* ]] || { WHY="touch: $err"; return 1; }
}

# private_tmp PID: /tmp is an empty tmpfs, not the container's own /tmp.
private_tmp() {
    local fstype content dev_in dev_out
    running "$1" || return 1
    fstype=$(in_ns "$1" stat -f -c %T /tmp)
    content=$(in_ns "$1" ls -A /tmp)
    dev_in=$(in_ns "$1" stat -c %d /tmp)
    dev_out=$(in_ct stat -c %d /tmp)
    if [[ $fstype != tmpfs ]]; then WHY="/tmp is $fstype"; return 1; fi
    if [[ -n $content ]]; then WHY="/tmp holds: $(echo "$content" | paste -sd" ")"; return 1; fi
    if [[ $dev_in == "$dev_out" ]]; then WHY="same device as the container's /tmp"; return 1; fi
}

# loadavg_masked PID: /proc/loadavg reads empty.
loadavg_masked() {
    local content
    running "$1" || return 1
    content=$(in_ns "$1" cat /proc/loadavg 2>&1)
    [[ -z $content ]] || { WHY="read: $content"; return 1; }
}

# status_field PID FIELD: a field of /proc/PID/status inside the container.
# shellcheck disable=SC2016 # $1 and $2 are awk's
status_field() { in_ct awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# no_cap PID CAP_NUMBER SETS...: the capability is in none of the sets
# (CapBnd, CapEff, ...; hexadecimal masks in /proc/PID/status).
no_cap() {
    local pid=$1 bit=$2 set mask
    running "$1" || return 1
    shift 2
    for set in "$@"; do
        mask=$(status_field "$pid" "$set")
        [[ $mask =~ ^[0-9a-f]+$ ]] || { WHY="no $set for PID $pid"; return 1; }
        if (( (16#$mask >> bit) & 1 )); then WHY="$set=$mask"; return 1; fi
    done
}

# more_seccomp_filters PID: PID has more seccomp filters than the container's
# init (systemd-nspawn puts one on every process of the container, so
# "Seccomp: 2" alone proves nothing here).
more_seccomp_filters() {
    local own base
    running "$1" || return 1
    own=$(status_field "$1" Seccomp_filters)
    base=$(status_field 1 Seccomp_filters)
    [[ $own =~ ^[0-9]+$ && $base =~ ^[0-9]+$ ]] || { WHY="no Seccomp_filters in /proc/PID/status"; return 1; }
    ((own > base)) || { WHY="Seccomp_filters: $own, the container's init has $base"; return 1; }
}

# env_has PID VAR: VAR is in the environment of PID.
env_has() {
    running "$1" || return 1
    in_ct cat "/proc/$1/environ" | tr '\0' '\n' | grep -q "^$2=" ||
        { WHY="$2 not in the environment of PID $1"; return 1; }
}

# field_is PID FIELD VALUE
field_is() {
    local value
    running "$1" || return 1
    value=$(status_field "$1" "$2")
    [[ $value == "$3" ]] || { WHY="$2: ${value:-missing}"; return 1; }
}

# The mounts of the container's PID 1 (mount point, type, source), sorted;
# mount IDs are left out so that the lists compare across time.
mount_list() {
    in_ct cat /proc/1/mountinfo |
        awk '{ for (i = 7; i <= NF && $i != "-"; i++) ; print $5, $(i + 1), $(i + 2) }' | sort
}

# same_mounts FILE: the container's mounts are those recorded in FILE.
same_mounts() {
    local diff
    diff=$(diff "$1" <(mount_list) | grep '^[<>]')
    [[ -z $diff ]] || { WHY="changed: $(echo "$diff" | head -n 3 | paste -sd';')"; return 1; }
}

no_process() {
    local left
    left=$(in_ct pgrep -a -x "$1")
    [[ -z $left ]] || { WHY="left: $(echo "$left" | paste -sd';')"; return 1; }
}

pid_gone() { ! in_ct kill -0 "$1" 2>/dev/null || { WHY="PID $1 still runs"; return 1; }; }

workers_of() { in_ct pgrep -P "$1" | sort | paste -sd' '; }

# workers_changed PID OLD: PID's children are no longer (all) the ones in OLD.
workers_changed() {
    local now
    now=$(workers_of "$1")
    [[ -n $now && $now != "$2" ]] || { WHY="workers: $now"; return 1; }
}

# tcp_reply HOST PORT REQUEST EXPECTED: the reply to REQUEST contains EXPECTED.
tcp_reply() {
    local reply
    reply=$(printf '%b' "$3" | in_ct timeout 10 nc -q1 "$1" "$2" 2>&1)
    [[ $reply == *"$4"* ]] || { WHY="reply: $(echo "$reply" | head -c 80)"; return 1; }
}

# ---------------------------------------------------------------- set-up

setup_host() {
    local cmd missing=""
    if [[ $EUID -ne 0 ]]; then echo "e2e.sh: must run as root" >&2; exit 2; fi
    if [[ -z $DEB || ! -f $DEB ]]; then
        echo "usage: $0 [--container DIR] path/to/jharden_VERSION_ARCH.deb" >&2
        exit 2
    fi
    for cmd in systemd-nspawn nsenter unshare /usr/sbin/nginx /usr/bin/memcached curl nc \
               /usr/bin/python3; do
        command -v "$cmd" >/dev/null || missing+=" $cmd"
    done
    if [[ -n $missing ]]; then
        fail "host prerequisites installed" "missing:$missing"
        summary
        exit 1
    fi
    [[ -n $LOGDIR ]] || LOGDIR=$(mktemp -d /tmp/jharden-e2e-logs.XXXXXX)
    mkdir -p "$LOGDIR"
    echo "# diagnostics in $LOGDIR"
    if [[ -n $SHARED_CT ]]; then
        CT=$(realpath -m -- "$SHARED_CT")
    else
        CT=$(mktemp -d /tmp/jharden-e2e.XXXXXX)
    fi
    trap cleanup EXIT
}

boot() {
    local t0=$SECONDS
    if [[ -n $SHARED_CT ]]; then
        if nspawn_pid1 "$CT" >/dev/null 2>"$LOGDIR/boot.err"; then
            pass "the container in $CT is up"
        else
            fail "the container in $CT is up" "$(tail -n 1 "$LOGDIR/boot.err")"
            summary
            exit 1
        fi
        return
    fi
    if nspawn_start "$CT" 2>"$LOGDIR/boot.err"; then
        pass "container boots ($((SECONDS - t0)) s)"
    else
        fail "container boots" "$(tail -n 1 "$LOGDIR/boot.err")"
        summary
        exit 1
    fi
}

# The container is a copy of this machine, where nginx and memcached may be
# enabled: stop them so that their ports are free.
quiesce() {
    in_ct systemctl stop nginx.service memcached.service 2>/dev/null
    in_ct systemctl reset-failed 2>/dev/null
    true
}

install_deb() {
    nspawn_copy "$CT" "$DEB" /root/jharden.deb || { WHY="copy failed"; return 1; }
    if ! in_ct dpkg -i /root/jharden.deb >"$LOGDIR/dpkg.log" 2>&1; then
        WHY="see $LOGDIR/dpkg.log"
        return 1
    fi
}

executable() { in_ct test -x "$1" || { WHY="$1 missing"; return 1; }; }
exists() { in_ct test -e "$1" || { WHY="$1 missing"; return 1; }; }

# Tests must not wait 90 s for a service that never gets ready.
write_test_dropins() {
    local unit
    for unit in nginx.service jharden@.service; do
        printf '[Service]\nTimeoutStartSec=20\nTimeoutStopSec=20\n' |
            put_file 0644 "/etc/systemd/system/$unit.d/zz-e2e-timeouts.conf"
    done
}

install_dropin() {
    nspawn_copy "$CT" "$DROPIN" /etc/systemd/system/nginx.service.d/jharden.conf &&
        write_test_dropins &&
        in_ct systemctl daemon-reload
}

# ---------------------------------------------------------------- nginx

test_nginx() {
    local main pid workers new_pid
    check "systemctl start nginx succeeds" start_unit nginx.service
    check "nginx.service is active" is_active nginx.service
    # nginx.conf asks for a PID namespace: jharden stays the main process, in front.
    main=$(main_pid nginx.service)
    check "MainPID ($main) is jharden, in front of the PID namespace" comm_is "$main" jharden
    pid=$(sandboxed_pid "$main")
    check "the daemon behind it ($pid) is the nginx master" comm_is "$pid" nginx
    check "nginx answers 200 on http://127.0.0.1/" http_ok http://127.0.0.1/
    check "nginx: /usr is read-only" read_only "$pid" /usr
    check "nginx: /etc is read-only" read_only "$pid" /etc
    check "nginx: /tmp is an empty private tmpfs" private_tmp "$pid"
    check "nginx: /proc/loadavg reads empty" loadavg_masked "$pid"
    check "nginx: CAP_SYS_ADMIN not in CapBnd/CapEff" no_cap "$pid" 21 CapBnd CapEff

    workers=$(workers_of "$pid")
    check "systemctl reload nginx succeeds" in_ct timeout 30 systemctl reload nginx.service
    check "reload keeps the main PID" prop_is nginx.service MainPID "$main"
    check "reload reached the master (new workers)" \
        wait_until 10 workers_changed "$pid" "$workers"
    check "nginx still answers 200 after reload" http_ok http://127.0.0.1/

    # A crash must be seen as one: Restart=on-failure (drop-in) restarts it.
    # jharden exits with 128+9 when the master dies of SIGKILL.
    # Never "kill 0" (no daemon found): that would hit this script's own process group.
    [[ $pid =~ ^[1-9][0-9]*$ ]] && in_ct kill -KILL "$pid"
    check "nginx killed by SIGKILL: systemd restarts it" \
        wait_until 15 restarted nginx.service "$main"
    check "nginx answers 200 after the restart" http_ok http://127.0.0.1/
    new_pid=$(sandboxed_pid "$(main_pid nginx.service)")
    [[ $new_pid == 0 ]] || pid=$new_pid

    check "systemctl stop nginx succeeds" stop_unit nginx.service
    check "no nginx process left" wait_until 10 no_process nginx
    check "the former master is gone" pid_gone "$pid"
    check "no jharden process left" no_process jharden
    check "no mount left in the container after stop" same_mounts "$LOGDIR/mounts.before"
}

# nginx_policy TEXT: the administrator's /etc/jharden/nginx.conf.
nginx_policy() { put_file 0644 /etc/jharden/nginx.conf; }

test_nginx_bad_policies() {
    nginx_policy <<'EOF'
[service]
exec = /usr/sbin/nginx -g "daemon off; master_process on;"
no_such_key = yes
EOF
    check "unknown policy key: systemctl start nginx fails" start_must_fail nginx.service
    check "unknown policy key: ExecMainStatus is 78" prop_is nginx.service ExecMainStatus 78
    check "unknown policy key: unit is failed" prop_is nginx.service ActiveState failed
    check "unknown policy key: no restart" no_restart nginx.service

    nginx_policy <<'EOF'
[service]
exec = /usr/sbin/nginx -g "daemon off; master_process on;"

[secrets]
tls_key = /etc/jharden/e2e-no-such-secret.key
EOF
    check "missing secret: systemctl start nginx fails" start_must_fail nginx.service
    check "missing secret: ExecMainStatus is 243" prop_is nginx.service ExecMainStatus 243
    check "missing secret: unit is failed" prop_is nginx.service ActiveState failed
    check "missing secret: no restart" no_restart nginx.service

    in_ct rm -f /etc/jharden/nginx.conf
    in_ct systemctl reset-failed nginx.service
}

# ---------------------------------------------------------------- template

test_python_http() {
    local unit=jharden@python-http.service
    printf '<h1>jharden e2e</h1>\n' | put_file 0644 /srv/www/index.html
    check "$unit starts" start_unit "$unit"
    check "$unit is active" is_active "$unit"
    check "$unit: the daemon is python3" comm_is "$(sandboxed_pid "$(main_pid "$unit")")" python3
    check "$unit answers 200 on 127.0.0.1:8080" http_ok http://127.0.0.1:8080/
    check "$unit stops" stop_unit "$unit"
}

test_memcached() {
    local unit=jharden@memcached.service
    check "$unit starts" start_unit "$unit"
    check "$unit is active" is_active "$unit"
    check "$unit: MainPID is memcached (exec in place)" comm_is "$(main_pid "$unit")" memcached
    check "$unit answers stats on 127.0.0.1:11211" \
        wait_until 10 tcp_reply 127.0.0.1 11211 'stats\r\nquit\r\n' 'STAT pid'
    check "$unit stops" stop_unit "$unit"
}

# ---------------------------------------------------------------- failures in place

# status_text_has UNIT TEXT: the unit's StatusText= (what "systemctl status" shows as
# "Status:") contains TEXT.
status_text_has() {
    local text
    text=$(prop "$1" StatusText)
    [[ $text == *"$2"* ]] || { WHY="StatusText=${text:-<empty>}"; return 1; }
}

# status_shows UNIT TEXT: "systemctl status UNIT" prints TEXT.
status_shows() {
    local out
    out=$(in_ct systemctl status --no-pager --full "$1" 2>&1)
    [[ $out == *"$2"* ]] || { WHY="not in: $(echo "$out" | head -n 4 | paste -sd';')"; return 1; }
}

# journal_lacks UNIT REGEX: no journal line of UNIT (nor of systemd about it) matches.
journal_lacks() {
    local hits
    hits=$(in_ct journalctl --no-pager -q -o cat -u "$1" | grep -E "$2" | head -n 3)
    [[ -z $hits ]] || { WHY=$(echo "$hits" | paste -sd';'); return 1; }
}

# Without a PID namespace the process systemd tracks becomes the daemon; when it cannot,
# jharden's readiness helper reports why, credited to that process, which waits for the
# report before it exits: with NotifyAccess=main, the reason reaches "systemctl status".
test_failures_in_place() {
    local unit
    put_file 0644 /etc/jharden/e2e-no-daemon.conf <<'EOF'
[service]
exec = /usr/local/bin/jharden-e2e-no-such-daemon --flag
EOF
    unit=jharden@e2e-no-daemon.service
    # 203 is not in RestartPreventExitStatus= (a missing binary may be an upgrade under
    # way): no restarts here, which would only repeat the failure and clear StatusText.
    printf '[Service]\nRestart=no\n' |
        put_file 0644 "/etc/systemd/system/$unit.d/zz-e2e-no-restart.conf"
    in_ct systemctl daemon-reload
    check "$unit (daemon missing): start fails" start_must_fail "$unit"
    check "$unit: ExecMainStatus is 203" prop_is "$unit" ExecMainStatus 203
    check "$unit: StatusText names the failed execve" \
        status_text_has "$unit" "execve /usr/local/bin/jharden-e2e-no-such-daemon failed"
    check "$unit: StatusErrno is 2 (ENOENT)" prop_is "$unit" StatusErrno 2
    check "$unit: systemctl status shows the reason" \
        status_shows "$unit" "Status: \"jharden: execve /usr/local/bin/jharden-e2e-no-such-daemon"
    check "$unit: no notification refused" journal_lacks "$unit" 'reception only permitted|not our child'

    put_file 0644 /etc/jharden/e2e-bad-key.conf <<'EOF'
[service]
exec = /usr/bin/sleep infinity
no_such_key = yes
EOF
    unit=jharden@e2e-bad-key.service
    check "$unit (invalid policy): start fails" start_must_fail "$unit"
    check "$unit: ExecMainStatus is 78" prop_is "$unit" ExecMainStatus 78
    check "$unit: no restart" no_restart "$unit"
    check "$unit: no notification refused" journal_lacks "$unit" 'reception only permitted|not our child'

    put_file 0644 /etc/jharden/e2e-bad-mount.conf <<'EOF'
[service]
exec = /usr/bin/sleep infinity

[filesystem]
read_only = /jharden-e2e/missing
EOF
    unit=jharden@e2e-bad-mount.service
    check "$unit (failing mount): start fails" start_must_fail "$unit"
    check "$unit: ExecMainStatus is 226" prop_is "$unit" ExecMainStatus 226
    check "$unit: StatusText names the exit status" \
        status_text_has "$unit" "set-up failed with exit status 226/NAMESPACE"
    check "$unit: no restart" no_restart "$unit"
    check "$unit: no notification refused" journal_lacks "$unit" 'reception only permitted|not our child'

    in_ct systemctl reset-failed 'jharden@e2e-*' 2>/dev/null
    in_ct rm -rf /etc/jharden/e2e-no-daemon.conf /etc/jharden/e2e-bad-key.conf \
        /etc/jharden/e2e-bad-mount.conf /etc/systemd/system/jharden@e2e-no-daemon.service.d
    in_ct systemctl daemon-reload
}

# The whole journal of the container: no notification was refused (but the attack's of
# test_worker_cannot_alter_state) or came from a process already gone ("Cannot find unit"),
# no main process was "not our child".
journal_clean() {
    local hits
    hits=$(in_ct journalctl --no-pager -q -o cat |
        grep -E 'reception only permitted|Cannot find unit for notify|not our child' |
        grep -v 'jharden@e2e-hijack\.service' | head -n 3)
    [[ -z $hits ]] || { WHY=$(echo "$hits" | paste -sd';'); return 1; }
}

# ---------------------------------------------------------------- NotifyAccess=main

# A worker of the daemon (any process but the main one) tries to alter the unit's state
# over systemd's notification socket. Two layers stop it: with notify = exec the socket is
# inaccessible in the sandbox; with notify = daemon (the daemon speaks sd_notify itself, so
# the socket is reachable) the shipped NotifyAccess=main makes systemd refuse it. The control
# run with NotifyAccess=all shows that the attack reaches systemd.
test_worker_cannot_alter_state() {
    local unit=jharden@e2e-hijack.service
    put_file 0755 /usr/local/lib/jharden-e2e/hijack.py <<'EOF'
#!/usr/bin/python3
"""A daemon whose worker tells systemd a status of its own, then idles."""
import os
import socket
import time

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if os.environ.get("NOTIFY_SOCKET"):  # notify = daemon: the main process is ready itself
    s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
time.sleep(1)  # after the READY=1
worker = os.fork()
if worker == 0:
    try:
        s.sendto(b"STATUS=hijacked by a worker", "/run/systemd/notify")
        print("hijack: worker sent its STATUS=", flush=True)
        time.sleep(2)  # alive while systemd looks up its unit (by its cgroup)
    except OSError as e:
        print(f"hijack: worker could not send: {e}", flush=True)
    os._exit(0)
os.waitpid(worker, 0)
while True:
    time.sleep(3600)
EOF
    put_file 0644 /etc/jharden/e2e-hijack.conf <<'EOF'
[service]
exec = /usr/bin/python3 /usr/local/lib/jharden-e2e/hijack.py
EOF
    check "$unit (notify = exec) starts" start_unit "$unit"
    check "$unit (notify = exec): the worker cannot reach the notify socket" \
        wait_until 10 journal_has "$unit" 'hijack: worker could not send'
    check "$unit (notify = exec): StatusText is not the worker's" not_status_text "$unit" hijacked
    check "$unit (notify = exec) stops" stop_unit "$unit"

    put_file 0644 /etc/jharden/e2e-hijack.conf <<'EOF'
[service]
exec = /usr/bin/python3 /usr/local/lib/jharden-e2e/hijack.py
notify = daemon
EOF
    check "$unit (notify = daemon) starts" start_unit "$unit"
    check "$unit (notify = daemon): the worker sent its message" \
        wait_until 10 journal_has "$unit" 'hijack: worker sent'
    check "$unit (notify = daemon): systemd refused the worker's message" \
        wait_until 5 journal_has "$unit" 'reception only permitted for main PID'
    check "$unit (notify = daemon): StatusText is not the worker's" not_status_text "$unit" hijacked
    check "$unit (notify = daemon) stops" stop_unit "$unit"

    # Control: the same attack succeeds when the unit relaxes NotifyAccess=.
    printf '[Service]\nNotifyAccess=all\n' |
        put_file 0644 "/etc/systemd/system/$unit.d/zz-e2e-notify-all.conf"
    in_ct systemctl daemon-reload
    check "$unit with NotifyAccess=all (control) starts" start_unit "$unit"
    check "$unit with NotifyAccess=all (control): the worker's StatusText is taken" \
        wait_until 10 status_text_has "$unit" "hijacked by a worker"
    check "$unit with NotifyAccess=all (control) stops" stop_unit "$unit"
    in_ct rm -rf "/etc/systemd/system/$unit.d" /etc/jharden/e2e-hijack.conf
    in_ct systemctl daemon-reload
}

# journal_has UNIT REGEX: a journal line of UNIT matches.
journal_has() {
    in_ct journalctl --no-pager -q -o cat -u "$1" | grep -qE "$2" ||
        { WHY="no line matches /$2/"; return 1; }
}

not_status_text() {
    local text
    text=$(prop "$1" StatusText)
    [[ $text != *"$2"* ]] || { WHY="StatusText=$text"; return 1; }
}

# ---------------------------------------------------------------- notify = daemon

# The policy sets nothing but exec and notify: the rest is the baseline of
# the contract (§5), checked here too.
test_notify_daemon() {
    local unit=jharden-e2e-notify.service pid
    put_file 0644 /etc/jharden/e2e-notify.conf <<'EOF'
[service]
exec = /bin/sh -c 'systemd-notify --ready; exec sleep infinity'
notify = daemon
EOF
    put_file 0644 /etc/systemd/system/$unit <<'EOF'
[Unit]
Description=jharden e2e: the daemon reports readiness itself

[Service]
Type=notify
# systemd-notify runs as a child of the daemon, not as the main process.
NotifyAccess=all
ExecStart=/usr/lib/jharden e2e-notify.conf
TimeoutStartSec=20
EOF
    in_ct systemctl daemon-reload
    check "$unit (notify = daemon) starts" start_unit "$unit"
    check "$unit is active" is_active "$unit"
    pid=$(main_pid "$unit")
    check "$unit: MainPID is the daemon (sleep)" comm_is "$pid" sleep
    check "$unit: the daemon kept NOTIFY_SOCKET" env_has "$pid" NOTIFY_SOCKET
    check "baseline: /usr is read-only" read_only "$pid" /usr
    check "baseline: /etc is read-only" read_only "$pid" /etc
    check "baseline: /tmp is an empty private tmpfs" private_tmp "$pid"
    check "baseline: /proc/loadavg reads empty" loadavg_masked "$pid"
    check "baseline: CAP_SYS_ADMIN in no capability set" \
        no_cap "$pid" 21 CapBnd CapPrm CapEff CapInh CapAmb
    check "baseline: NoNewPrivs is 1" field_is "$pid" NoNewPrivs 1
    check "baseline: Seccomp is 2 (filter)" field_is "$pid" Seccomp 2
    check "baseline: jharden added a seccomp filter" more_seccomp_filters "$pid"
    check "$unit stops" stop_unit "$unit"
}

# ---------------------------------------------------------------- socket activation

test_socket_activation() {
    local sock=jharden-e2e-sock.socket svc=jharden-e2e-sock.service
    put_file 0755 /usr/local/lib/jharden-e2e/sockdemo.py <<'EOF'
#!/usr/bin/python3
"""Socket-activated demo: answer "ok" on the listening socket fd 3."""
import os
import socket
import sys

fds = os.environ.get("LISTEN_FDS")
pid = os.environ.get("LISTEN_PID")
if fds != "1" or pid != str(os.getpid()):
    sys.exit(f"sockdemo: LISTEN_FDS={fds} LISTEN_PID={pid} getpid={os.getpid()}")
server = socket.socket(fileno=3)
while True:
    conn, _ = server.accept()
    with conn:
        conn.sendall(b"ok\n")
EOF
    put_file 0644 /etc/jharden/sockdemo.conf <<'EOF'
[service]
exec = /usr/bin/python3 /usr/local/lib/jharden-e2e/sockdemo.py
EOF
    put_file 0644 /etc/systemd/system/$sock <<'EOF'
[Unit]
Description=jharden e2e: socket activation

[Socket]
ListenStream=127.0.0.1:9999
EOF
    put_file 0644 /etc/systemd/system/$svc <<'EOF'
[Unit]
Description=jharden e2e: socket-activated daemon

[Service]
# READY=1 comes from jharden's short-lived helper once the daemon is exec'd in place,
# credited to the main process: NotifyAccess= stays main.
Type=notify
ExecStart=/usr/lib/jharden sockdemo.conf
TimeoutStartSec=20
EOF
    in_ct systemctl daemon-reload
    check "$sock starts" start_unit "$sock"
    check "connecting to 127.0.0.1:9999 yields \"ok\"" tcp_reply 127.0.0.1 9999 '' ok
    check "$svc was activated" is_active "$svc"
    check "$svc: MainPID is python3" comm_is "$(main_pid "$svc")" python3
    check "$sock stops" stop_unit "$sock"
    check "$svc stops" stop_unit "$svc"
}

# ---------------------------------------------------------------- main

# --verify of a policy as a transient service of the container's systemd (the context a unit
# gives jharden): every row PASS, exit 0, and the rows of the baseline's newer protections
# present.
verify_under_systemd() {
    local policy=$1 out
    out=$(in_ct timeout 120 systemd-run --wait --pipe --quiet --collect \
        /usr/lib/jharden --verify "$policy" 2>&1 </dev/null)
    local rc=$?
    printf '%s\n' "$out" >"$LOGDIR/verify-${policy##*/}.txt"
    [[ $rc -eq 0 ]] || { WHY="exit $rc: $(grep -m3 '^FAIL' <<<"$out" | tr '\n' ' ')"; return 1; }
    local row
    for row in "Landlock domain" "/proc/PID/root of a host process" "no controlling terminal" \
        "file handles" "kernel keyrings" "set-user-ID" "personality" "realtime"; do
        grep -q "^PASS .*$row" <<<"$out" || { WHY="no PASS row for '$row'"; return 1; }
    done
    ! grep -q '^FAIL' <<<"$out" || { WHY="$(grep -m3 '^FAIL' <<<"$out" | tr '\n' ' ')"; return 1; }
}

test_verify_shipped() {
    put_file 0644 /etc/jharden/empty.conf </dev/null
    check "--verify of the empty policy passes under systemd" verify_under_systemd empty.conf
    local conf
    local daemon
    for conf in "$TOP"/conf/*.conf; do
        # A daemon's policy needs its package (its user, the directories it writes):
        # tests/systemd/library.sh installs them and verifies those policies.
        daemon=$(sed -n 's/^exec = \([^ ]*\).*/\1/p' "$conf" | head -1)
        if [[ -n $daemon ]] && ! in_ct test -x "$daemon"; then
            echo "# ${conf##*/}: $daemon is not installed here (library.sh verifies it)"
            continue
        fi
        check "--verify of the shipped ${conf##*/} passes under systemd" \
            verify_under_systemd "${conf##*/}"
    done
}

main() {
    setup_host
    boot
    quiesce
    check "the package installs (dpkg -i)" install_deb
    check "/usr/lib/jharden is installed" executable /usr/lib/jharden
    check "jharden@.service is installed" exists /lib/systemd/system/jharden@.service
    check "the nginx drop-in is installed" install_dropin
    mount_list >"$LOGDIR/mounts.before"

    test_nginx
    test_nginx_bad_policies
    test_python_http
    test_memcached
    test_failures_in_place
    test_worker_cannot_alter_state
    test_notify_daemon
    test_socket_activation
    test_verify_shipped

    check "no mount left in the container at the end" same_mounts "$LOGDIR/mounts.before"
    check "the journal: no notification refused or unattributed, no 'not our child'" journal_clean
    summary
}

main "$@"
