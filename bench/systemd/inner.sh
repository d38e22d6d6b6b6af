#!/bin/bash
# inner.sh - runs inside the benchmark's systemd container (bench/run.sh copies
# it in and starts it with tests/systemd/nspawn.sh exec).
#
# Usage: inner.sh ROUNDS PER_ROUND WARMUP UNIT...
#
# Times `systemctl start UNIT` for each UNIT: WARMUP untimed starts first, then
# ROUNDS rounds in which every unit (in an order rotated every round) is
# started PER_ROUND times. Each start is
#   systemctl stop (all units); systemctl reset-failed UNIT; t0; systemctl start UNIT; t1
# (reset-failed also resets the unit's start rate limit). Output, one line each:
#   check UNIT STATE MAIN_COMM PROBE        after the warm-up starts
#   time UNIT EXIT_STATUS MICROSECONDS      per timed start
# PROBE: the HTTP status of http://127.0.0.1/ for nginx units, the answer of
# "SELECT 1" over PostgreSQL's socket for postgresql units. A unit whose warm-up
# starts fail is not timed (its check line says so): a failing start may take
# up to its start timeout.
set -u
rounds=$1 per=$2 warm=$3
shift 3
units=("$@")
n=${#units[@]}

stop_all() { systemctl stop "${units[@]}" >/dev/null 2>&1; }

start_once() {
    local u=$1 t0 t1 rc
    stop_all
    systemctl reset-failed "$u" >/dev/null 2>&1
    t0=$EPOCHREALTIME
    systemctl start "$u" >/dev/null 2>&1
    rc=$?
    t1=$EPOCHREALTIME
    echo "time $u $rc $((10#${t1/./} - 10#${t0/./}))"
}

probe() {
    case $1 in
        postgresql*)
            local bins=(/usr/lib/postgresql/*/bin)
            runuser -u postgres -- timeout 10 "${bins[-1]}/psql" -h /run/postgresql -tAqX \
                -c 'SELECT 1' 2>/dev/null | tr -d '[:space:]' ;;
        *) curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1/ ;;
    esac
}

timed=()
for u in "${units[@]}"; do
    ok=1
    for ((w = 0; w < warm; w++)); do start_once "$u" | grep -q '^time [^ ]* 0 ' || ok=0; done
    start_once "$u" | grep -q '^time [^ ]* 0 ' || ok=0
    state=$(systemctl is-active "$u")
    pid=$(systemctl show -P MainPID "$u")
    comm=$(cat "/proc/$pid/comm" 2>/dev/null || echo none)
    code=$(probe "$u" || true)
    if ((ok)); then
        timed+=("$u")
        echo "check $u $state $comm ${code:-none}"
    else
        echo "check $u $state $comm ${code:-none} (a warm-up start failed: not timed)"
    fi
done
n=${#timed[@]}
for ((r = 0; r < rounds && n > 0; r++)); do
    for ((k = 0; k < n; k++)); do
        u=${timed[(k + r) % n]}
        for ((i = 0; i < per; i++)); do start_once "$u"; done
    done
done
stop_all
