#!/bin/bash
# killmode.sh — systemctl stop waits for the daemon under every KillMode=, with jharden
# as ExecStart= (jharden.md §6; threats.md "the main process is not systemd's child").
#
# Usage (as root):  tests/systemd/killmode.sh [--container DIR] path/to/jharden
#   --container DIR  use a container another script booted with nspawn.sh start DIR (left
#                    running), instead of booting and stopping one of its own
#
# Boots this machine's own OS in a throw-away container (nspawn.sh), copies the jharden
# binary in as /usr/lib/jharden, installs PostgreSQL and Redis there if they are missing
# (apt-get, bounded in time) and checks, from outside:
#   * PostgreSQL under jharden restarts under KillMode=control-group, mixed and process
#     without "not properly shut down" or "database system was interrupted" in its log,
#     and keeps its rows;
#   * Debian's nginx.service with the shipped drop-in and policy restarts and stops under each
#     KillMode= without SIGKILL and answers again;
#   * Debian's redis-server.service, unchanged, plus a jharden drop-in keeps every key of a
#     large dataset across a restart issued during a background save, under each KillMode=;
#   * kill -SEGV of the main process fails the unit, in place and with a PID namespace, with
#     NotifyAccess= left at its default (main) although jharden reports readiness;
#   * the journal has no "not our child", no refused notification ("reception only
#     permitted") and no SIGKILL before TimeoutStopSec=.
# One PASS/FAIL line per check, then exactly "N passed, M failed".
#
# Environment:
#   KM_LOGDIR   diagnostics (journals); default: a new /tmp/jharden-killmode-logs.*
#   KM_KEYS     Redis keys to load (default 2000000: a dump of some 250 MB)
#   KM_PG_ROWS  rows PostgreSQL writes before each restart (default 2000000)

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=nspawn.sh
source "$HERE/nspawn.sh"
# shellcheck source=checks.bash
source "$HERE/checks.bash"

SHARED_CT=""
if [[ ${1:-} == --container ]]; then
    SHARED_CT=$2
    shift 2
fi
JHARDEN=${1:-}
CT=""
LOGDIR=${KM_LOGDIR:-}
KEYS=${KM_KEYS:-2000000}
PG_ROWS=${KM_PG_ROWS:-2000000}
PASSED=0
FAILED=0
WHY=""
PG_BIN=""
PG_DATA=""
PG_CONF=""

cleanup() {
    [[ -n $CT && -d $CT && -z $SHARED_CT ]] || return 0
    cp -f "$CT/console.log" "$LOGDIR/console.log" 2>/dev/null
    nspawn_stop "$CT" || echo "# warning: could not stop the container in $CT" >&2
}

# journal_since CURSOR UNIT: the unit's journal after CURSOR (systemd's messages included).
journal_since() {
    in_ct journalctl --no-pager -o short-monotonic --after-cursor="$1" -u "$2"
}

keep_journal() {
    { echo "===== $1"; journal_since "$2" "$1"; } >>"$LOGDIR/journal.log" 2>&1
}

is_active() {
    local state
    state=$(in_ct systemctl is-active "$1")
    [[ $state == active ]] || { WHY="$1 is $state ($(prop "$1" Result))"; return 1; }
}

start_unit() {
    in_ct timeout 120 systemctl start "$1" || { WHY="$(prop "$1" Result) $(prop "$1" ExecMainStatus)"; return 1; }
}

restart_unit() {
    in_ct timeout 180 systemctl restart "$1" || { WHY="$(prop "$1" Result) $(prop "$1" ExecMainStatus)"; return 1; }
}

# no_match CURSOR UNIT REGEX: the unit's journal since CURSOR has no line matching REGEX.
no_match() {
    local hits
    hits=$(journal_since "$1" "$2" | grep -E "$3" | head -3)
    [[ -z $hits ]] || { WHY=$hits; return 1; }
}

# has_match CURSOR UNIT REGEX
has_match() {
    journal_since "$1" "$2" | grep -qE "$3" || { WHY="no line matches /$3/"; return 1; }
}

equals() { [[ $1 == "$2" ]] || { WHY="expected '$2', got '$1'"; return 1; }; }

# ---------------------------------------------------------------- set-up

setup_host() {
    if [[ $EUID -ne 0 ]]; then echo "killmode.sh: must run as root" >&2; exit 2; fi
    if [[ -z $JHARDEN || ! -x $JHARDEN ]]; then
        echo "usage: $0 path/to/jharden" >&2
        exit 2
    fi
    [[ -n $LOGDIR ]] || LOGDIR=$(mktemp -d /tmp/jharden-killmode-logs.XXXXXX)
    mkdir -p "$LOGDIR"
    echo "# diagnostics in $LOGDIR"
    CT=${SHARED_CT:-$(mktemp -d /tmp/jharden-killmode.XXXXXX)}
    trap cleanup EXIT
}

boot() {
    local t0=$SECONDS
    [[ -z $SHARED_CT ]] || return 0
    if nspawn_start "$CT" 2>"$LOGDIR/boot.err"; then
        pass "container boots ($((SECONDS - t0)) s)"
    else
        fail "container boots" "$(tail -n 1 "$LOGDIR/boot.err")"
        summary
        exit 1
    fi
}

install_packages() {
    if in_ct test -x /usr/bin/redis-server && in_ct sh -c 'ls /usr/lib/postgresql/*/bin/postgres' >/dev/null 2>&1; then
        return 0
    fi
    in_ct timeout 600 env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql redis-server \
        >"$LOGDIR/apt.log" 2>&1 || { WHY="see $LOGDIR/apt.log"; return 1; }
}

install_jharden() {
    nspawn_copy "$CT" "$JHARDEN" /usr/lib/jharden || { WHY="copy failed"; return 1; }
    in_ct /usr/lib/jharden --version >/dev/null || { WHY="jharden does not run in the container"; return 1; }
}

# The copies of this machine's services that boot with the container hold the ports and
# the data directories: stopped cleanly before the tests take them over.
quiesce() {
    in_ct systemctl stop postgresql.service 'postgresql@*.service' redis-server.service 2>/dev/null
    in_ct systemctl reset-failed 2>/dev/null
    true
}

# ---------------------------------------------------------------- PostgreSQL

setup_postgres() {
    local version
    version=$(in_ct sh -c 'ls /usr/lib/postgresql | sort -n | tail -1')
    PG_BIN=/usr/lib/postgresql/$version/bin
    PG_DATA=/var/lib/postgresql/$version/main
    PG_CONF=/etc/postgresql/$version/main/postgresql.conf
    in_ct test -f "$PG_DATA/PG_VERSION" || { WHY="no cluster in $PG_DATA"; return 1; }
    put_file 0644 /etc/jharden/km-postgres.conf <<EOF
[service]
# Large shared buffers and rare checkpoints: the rows written before each restart are
# still dirty at the stop, so the shutdown checkpoint takes a while, long enough for a
# SIGKILL sent right after the stop signal to interrupt it.
exec = $PG_BIN/postgres -D $PG_DATA -c config_file=$PG_CONF -c shared_buffers=512MB -c checkpoint_timeout=1h -c max_wal_size=8GB
user = postgres
# PostgreSQL reports readiness itself (built with systemd support).
notify = daemon

[filesystem]
read_only = /
read_write = /var/lib/postgresql /run/postgresql /var/log/postgresql

# No PID namespace: postmaster.pid must keep guarding the data directory.
EOF
    put_file 0644 /etc/systemd/system/km-postgres.service <<'EOF'
[Unit]
Description=PostgreSQL under jharden (killmode.sh)

[Service]
Type=notify
ExecStartPre=+/usr/bin/install -d -o postgres -g postgres -m 2775 /run/postgresql
ExecStart=+/usr/lib/jharden km-postgres.conf
# Fast shutdown, as Debian's pg_ctlcluster does.
KillSignal=SIGINT
TimeoutStartSec=60
TimeoutStopSec=60
EOF
    in_ct systemctl daemon-reload
}

psql() { in_ct runuser -u postgres -- "$PG_BIN/psql" -h /run/postgresql -tAqX -c "$1"; }

pg_rows() { psql 'SELECT count(*) FROM km' 2>&1; }

test_postgres() {
    local mode c0 c rows
    check "PostgreSQL policy and unit installed" setup_postgres || return
    c0=$(cursor)
    check "km-postgres starts" start_unit km-postgres.service
    check "km-postgres: the main process is postgres itself" \
        equals "$(in_ct cat "/proc/$(prop km-postgres.service MainPID)/comm" 2>/dev/null)" postgres
    psql 'DROP TABLE IF EXISTS km; CREATE TABLE km AS SELECT g AS id FROM generate_series(1, 100000) g' \
        >/dev/null 2>&1
    check "km-postgres: 100000 rows written" equals "$(pg_rows)" 100000
    for mode in control-group mixed process; do
        printf '[Service]\nKillMode=%s\n' "$mode" |
            put_file 0644 /etc/systemd/system/km-postgres.service.d/killmode.conf
        in_ct systemctl daemon-reload
        c=$(cursor)
        psql "INSERT INTO km SELECT g FROM generate_series(1, $PG_ROWS) g" >/dev/null 2>&1
        check "KillMode=$mode: restart succeeds" restart_unit km-postgres.service
        check "KillMode=$mode: active again" wait_until 30 is_active km-postgres.service
        check "KillMode=$mode: postgres was shut down cleanly" \
            no_match "$c" km-postgres.service 'not properly shut down|database system was interrupted|automatic recovery'
        check "KillMode=$mode: postgres reports its clean shutdown" \
            has_match "$c" km-postgres.service 'database system is shut down'
        check "KillMode=$mode: no SIGKILL, no 'not our child'" \
            no_match "$c" km-postgres.service 'SIGKILL|not our child'
        keep_journal km-postgres.service "$c"
    done
    rows=$(wait_until 20 psql 'SELECT 1' >/dev/null 2>&1; pg_rows)
    check "km-postgres: every row kept across the restarts" equals "$rows" "$((100000 + 3 * PG_ROWS))"
    check "km-postgres stops" in_ct timeout 90 systemctl stop km-postgres.service
    keep_journal km-postgres.service "$c0"
}

# ---------------------------------------------------------------- Redis

# Debian's redis-server.service stays as it is; only this drop-in is added.
setup_redis() {
    put_file 0644 /etc/jharden/redis.conf <<'EOF'
[service]
exec = /usr/bin/redis-server /etc/redis/redis.conf --supervised systemd --daemonize no
user = redis
# Redis speaks sd_notify itself (--supervised systemd).
notify = daemon
umask = 0007

[filesystem]
read_only = /
read_write = /var/lib/redis /var/log/redis /run/redis
EOF
    put_file 0644 /etc/systemd/system/redis-server.service.d/jharden.conf <<'EOF'
[Service]
# "+": the unit's own CapabilityBoundingSet=, SystemCallFilter=, RestrictNamespaces=,
# PrivateUsers= and NoExecPaths= would refuse jharden's set-up.
ExecStart=
ExecStart=+/usr/lib/jharden redis.conf
# Not endless, for the test.
TimeoutStopSec=120
EOF
    in_ct systemctl daemon-reload
}

redis_raw() { in_ct redis-cli "$@" 2>&1; }
redis_pong() { [[ $(redis_raw PING) == PONG ]]; }

load_keys() {
    # 100-byte values: a save takes a moment.
    in_ct python3 -c '
import sys
n = int(sys.argv[1]); v = "x" * 100
out = sys.stdout
for i in range(n):
    k = "key:%d" % i
    out.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
' "$KEYS" | in_ct redis-cli --pipe >"$LOGDIR/redis-pipe.log" 2>&1
}

test_redis() {
    local mode c0 c expected=$KEYS
    check "Redis drop-in installed (stock unit unchanged)" setup_redis
    check "redis-server.service is Debian's file" in_ct dpkg -V redis-server
    c0=$(cursor)
    check "redis-server starts with the drop-in" start_unit redis-server.service
    check "redis-server: the main process is redis-server itself" \
        equals "$(in_ct cat "/proc/$(prop redis-server.service MainPID)/comm" 2>/dev/null)" redis-server
    redis_raw FLUSHALL >/dev/null
    check "redis-server: $KEYS keys loaded" load_keys
    check "redis-server: DBSIZE is $KEYS" equals "$(redis_raw DBSIZE)" "$KEYS"
    for mode in control-group mixed process; do
        printf '[Service]\nKillMode=%s\n' "$mode" |
            put_file 0644 /etc/systemd/system/redis-server.service.d/zz-killmode.conf
        in_ct systemctl daemon-reload
        c=$(cursor)
        # A change, a background save under way, and the restart right into it.
        redis_raw SET "mode:$mode" 1 >/dev/null
        expected=$((expected + 1))
        redis_raw BGSAVE >/dev/null
        check "KillMode=$mode: restart during a save succeeds" restart_unit redis-server.service
        check "KillMode=$mode: active again" wait_until 60 is_active redis-server.service
        # Redis answers once it has loaded its dump.
        wait_until 120 redis_pong
        check "KillMode=$mode: every key kept" equals "$(redis_raw DBSIZE)" "$expected"
        check "KillMode=$mode: the key set just before the restart kept" \
            equals "$(redis_raw EXISTS "mode:$mode")" 1
        check "KillMode=$mode: no SIGKILL, no 'not our child'" \
            no_match "$c" redis-server.service 'SIGKILL|not our child'
        keep_journal redis-server.service "$c"
    done
    check "redis-server stops" in_ct timeout 150 systemctl stop redis-server.service
    in_ct rm -f /etc/systemd/system/redis-server.service.d/zz-killmode.conf
    keep_journal redis-server.service "$c0"
}

# ---------------------------------------------------------------- crashes

# km-crash-NAME.service: sleep under jharden, with or without a PID namespace.
setup_crash_unit() {
    local name=$1 pid=$2
    printf '[service]\nexec = /usr/bin/sleep infinity\n[namespaces]\npid = %s\n' "$pid" |
        put_file 0644 "/etc/jharden/km-crash-$name.conf"
    put_file 0644 "/etc/systemd/system/km-crash-$name.service" <<EOF
[Service]
# NotifyAccess= stays main: READY=1 is credited to the main process (in place, jharden's
# helper sends it on the main process's behalf).
Type=notify
ExecStart=+/usr/lib/jharden km-crash-$name.conf
TimeoutStartSec=30
EOF
    in_ct systemctl daemon-reload
}

test_crash() {
    local name pid main c
    for name in in-place pid-namespace; do
        [[ $name == in-place ]] && pid=no || pid=yes
        setup_crash_unit "$name" "$pid"
        c=$(cursor)
        check "km-crash-$name starts" start_unit "km-crash-$name.service"
        main=$(prop "km-crash-$name.service" MainPID)
        # MainPID is 0 when the start failed: "kill 0" would hit this script's own
        # process group (nsenter keeps it).
        [[ $main =~ ^[1-9][0-9]*$ ]] && in_ct kill -SEGV "$main"
        check "km-crash-$name: kill -SEGV of the main process fails the unit" \
            wait_until 15 unit_failed "km-crash-$name.service"
        check "km-crash-$name: no 'not our child', no 'reception only permitted'" \
            no_match "$c" "km-crash-$name.service" 'not our child|reception only permitted'
        keep_journal "km-crash-$name.service" "$c"
        in_ct systemctl reset-failed "km-crash-$name.service" 2>/dev/null
    done
}

# In a container shared with tests/systemd/e2e.sh, whose jharden@e2e-hijack.service provokes
# a refused notification on purpose.
journal_clean() {
    local hits
    hits=$(in_ct journalctl --no-pager -q | grep -E 'not our child|reception only permitted' |
        grep -v 'jharden@e2e-hijack\.service' | head -3)
    [[ -z $hits ]] || { WHY=$hits; return 1; }
}

unit_failed() {
    local state
    state=$(prop "$1" ActiveState)
    [[ $state == failed ]] || { WHY="ActiveState=$state Result=$(prop "$1" Result)"; return 1; }
}

# ---------------------------------------------------------------- main

# ---------------------------------------------------------------- nginx

# Debian's nginx.service with the shipped drop-in (units/nginx.service.d/jharden.conf) and
# policy (conf/nginx.conf: pid = yes, so jharden stays in front of the namespace's init):
# under each KillMode= a restart lets the master finish its graceful shutdown (the drop-in's
# ExecStop= sends SIGQUIT to $MAINPID, jharden forwards it), and the unit ends cleanly.
test_nginx() {
    local mode c
    put_file 0644 /etc/jharden/nginx.conf <"$HERE/../../conf/nginx.conf"
    put_file 0644 /etc/systemd/system/nginx.service.d/jharden.conf \
        <"$HERE/../../units/nginx.service.d/jharden.conf"
    in_ct systemctl daemon-reload
    in_ct systemctl stop nginx.service 2>/dev/null
    in_ct systemctl reset-failed nginx.service 2>/dev/null
    check "nginx starts with the drop-in" start_unit nginx.service
    for mode in control-group mixed process; do
        printf '[Service]\nKillMode=%s\n' "$mode" |
            put_file 0644 /etc/systemd/system/nginx.service.d/zz-killmode.conf
        in_ct systemctl daemon-reload
        c=$(cursor)
        check "nginx KillMode=$mode: restart succeeds" restart_unit nginx.service
        check "nginx KillMode=$mode: answers 200 after the restart" \
            wait_until 20 http_ok
        check "nginx KillMode=$mode: no SIGKILL, no 'not our child'" \
            no_match "$c" nginx.service 'SIGKILL|not our child'
        keep_journal nginx.service "$c"
    done
    c=$(cursor)
    check "nginx stops" in_ct timeout 60 systemctl stop nginx.service
    check "nginx: the stop ended cleanly (Result=success)" \
        equals "$(prop nginx.service Result)" success
    check "nginx: no SIGKILL at the stop" no_match "$c" nginx.service 'SIGKILL|not our child'
    in_ct rm -rf /etc/systemd/system/nginx.service.d /etc/jharden/nginx.conf
    in_ct systemctl daemon-reload
}

http_ok() {
    [[ $(in_ct curl -s -o /dev/null -m 5 -w '%{http_code}' http://127.0.0.1/) == 200 ]] ||
        { WHY="no 200 from nginx"; return 1; }
}

main() {
    setup_host
    boot
    check "PostgreSQL and Redis installed in the container" install_packages
    check "jharden installed in the container" install_jharden
    quiesce
    test_postgres
    test_redis
    test_nginx
    test_crash
    check "the journal never says 'not our child' nor 'reception only permitted'" journal_clean
    summary
}

main "$@"
