#!/bin/bash
# learn.sh — jharden --learn under a real systemd, with Debian's stock units (issue 12, item 4).
#
# Usage (as root):  tests/systemd/learn.sh [--container DIR] path/to/jharden
#   --container DIR  use a container another script booted with nspawn.sh start DIR (left
#                    running), instead of booting and stopping one of its own
#
# Boots this machine's own OS in a throw-away container (nspawn.sh), copies the jharden binary
# in as /usr/lib/jharden, and for Redis and memcached (Debian's units, unchanged, plus a
# drop-in): learns from the stock unit and an almost empty policy (only what "+" takes away
# from the unit: Redis's user and its own sd_notify) under the daemon's workload
# (redis-benchmark and a BGSAVE; a set/get loop), installs the proposal, restarts, reruns the
# workload, and checks that --verify passes, that writes outside the learned directories are
# refused, and prints the --analyze score beside systemd-analyze's for the stock unit.
# One PASS/FAIL line per check, then exactly "N passed, M failed"; exits 77 when the container
# cannot load BPF programs.

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
PASSED=0
FAILED=0
WHY=""
LEARNED=/var/lib/jharden-learn/redis.learned

equals() { [[ $1 == "$2" ]] || { WHY="expected '$2', got '$1'"; return 1; }; }
contains() { grep -qE "$2" <<<"$1" || { WHY="no line matches /$2/"; return 1; }; }

cleanup() {
    [[ -n $SHARED_CT || -z $CT ]] || nspawn_stop "$CT" >/dev/null 2>&1
}

start_unit() {
    in_ct timeout 120 systemctl restart "$1" ||
        { WHY="$(prop "$1" Result) $(prop "$1" ExecMainStatus)"; return 1; }
}

redis_raw() { in_ct redis-cli "$@" 2>&1; }

wait_pong() {
    local deadline=$((SECONDS + 30))
    until [[ $(redis_raw PING) == PONG ]]; do
        ((SECONDS < deadline)) || { WHY="no PONG"; return 1; }
        sleep 0.2
    done
}

# The workload: redis-benchmark, then a save (a temporary file renamed over dump.rdb).
workload() {
    local out before
    out=$(in_ct redis-benchmark -q -n 20000 -c 10 -t set,get,lpush,incr 2>&1 | tr '\r' '\n' |
        grep -E '^(SET|GET|LPUSH|INCR): ' | grep -v 'rps=')
    echo "$out" | sed 's/^/# /'
    [[ $(wc -l <<<"$out") -eq 4 ]] || { WHY="redis-benchmark: $out"; return 1; }
    before=$(redis_raw LASTSAVE)
    redis_raw BGSAVE >/dev/null
    local deadline=$((SECONDS + 30))
    until [[ $(redis_raw LASTSAVE) != "$before" ]]; do
        ((SECONDS < deadline)) || { WHY="BGSAVE did not complete"; return 1; }
        sleep 0.2
    done
}

setup() {
    put_file 0644 /etc/jharden/redis.conf <<'EOF'
# What "+" takes away from the unit, nothing more: its user, and Redis's own sd_notify.
[service]
exec = /usr/bin/redis-server /etc/redis/redis.conf --supervised systemd --daemonize no
user = redis
notify = daemon
umask = 0007
EOF
    put_file 0644 /etc/systemd/system/redis-server.service.d/jharden.conf <<EOF
[Service]
ExecStart=
ExecStart=+/usr/lib/jharden --learn $LEARNED redis.conf
TimeoutStopSec=120
EOF
    in_ct mkdir -p "${LEARNED%/*}" && in_ct rm -f "$LEARNED" "$LEARNED.json" &&
        in_ct rm -rf /etc/jharden/redis.conf.d && in_ct systemctl daemon-reload
}

learned_file() { in_ct cat "$LEARNED" 2>/dev/null; }

stop_learning() {
    in_ct timeout 150 systemctl stop redis-server.service || { WHY="stop failed"; return 1; }
    in_ct timeout 30 flock "$LEARNED.lock" true && in_ct test -s "$LEARNED"
}

enforce() {
    in_ct install -D -m 0644 "$LEARNED" /etc/jharden/redis.conf.d/50-learned.conf &&
        in_ct sed -i 's|--learn [^ ]* ||' /etc/systemd/system/redis-server.service.d/jharden.conf &&
        in_ct systemctl daemon-reload
}

# Under the learned policy (as the daemon: user redis), nothing outside what Redis wrote is
# writable. (Redis 7 refuses CONFIG SET dir, so the daemon itself cannot be asked to try.)
write_elsewhere_refused() {
    local r
    r=$(in_ct /usr/lib/jharden redis.conf -- /bin/sh -c \
        'touch /var/lib/jharden-learn/x 2>&1; touch /var/lib/redis/x && rm /var/lib/redis/x && echo data-ok')
    [[ $r == *"Read-only file system"* && $r == *data-ok* ]] || { WHY=$r; return 1; }
}

# ---------------------------------------------------------------- memcached

MC_LEARNED=/var/lib/jharden-learn/memcached.learned

# The workload: a set/get loop over the text protocol.
mc_workload() {
    local r
    r=$(in_ct python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", 11211), timeout=10)
f = s.makefile("rwb")
for i in range(2000):
    v = b"v%d" % i
    f.write(b"set k%d 0 0 %d\r\n%s\r\n" % (i, len(v), v)); f.flush()
    assert f.readline() == b"STORED\r\n"
    f.write(b"get k%d\r\n" % i); f.flush()
    assert f.readline().startswith(b"VALUE"), "get"
    assert f.readline() == v + b"\r\n"
    assert f.readline() == b"END\r\n"
print("mc-ok")
' 2>&1)
    [[ $r == mc-ok ]] || { WHY=$r; return 1; }
}

mc_ready() {
    local deadline=$((SECONDS + 30))
    until mc_workload 2>/dev/null; do
        ((SECONDS < deadline)) || { WHY="memcached does not answer"; return 1; }
        sleep 0.3
    done
}

mc_stop_learning() {
    in_ct timeout 60 systemctl stop memcached.service || { WHY="stop failed"; return 1; }
    in_ct timeout 30 flock "$MC_LEARNED.lock" true && in_ct test -s "$MC_LEARNED"
}

test_memcached() {
    in_ct systemctl stop memcached.service 2>/dev/null
    check "memcached.service is Debian's file" in_ct dpkg -V memcached
    # "+" leaves the unit's settings aside; Debian's wrapper switches to memcache itself.
    put_file 0644 /etc/jharden/memcached.conf <<'EOF'
[service]
exec = /usr/share/memcached/scripts/systemd-memcached-wrapper /etc/memcached.conf
EOF
    put_file 0644 /etc/systemd/system/memcached.service.d/jharden.conf <<EOF
[Service]
ExecStart=
ExecStart=+/usr/lib/jharden --learn $MC_LEARNED memcached.conf
EOF
    in_ct rm -f "$MC_LEARNED" "$MC_LEARNED.json"
    in_ct rm -rf /etc/jharden/memcached.conf.d
    in_ct systemctl daemon-reload
    check "memcached starts under --learn" start_unit memcached.service
    check "memcached: workload passes under --learn" mc_ready
    check "memcached: the proposal is written when the service stops" mc_stop_learning
    local text
    text=$(in_ct cat "$MC_LEARNED" 2>/dev/null)
    echo "$text" | grep -vE '^#|^$|^deny' | sed 's/^/#   /'
    check "memcached proposal: families as used" contains "$text" '^address_families = AF_INET AF_UNIX$|^address_families = AF_INET$'
    check "memcached proposal: net kept" equals "$(grep -c '^net = yes' <<<"$text")" 0
    in_ct install -D -m 0644 "$MC_LEARNED" /etc/jharden/memcached.conf.d/50-learned.conf
    in_ct sed -i 's|--learn [^ ]* ||' /etc/systemd/system/memcached.service.d/jharden.conf
    in_ct systemctl daemon-reload
    check "memcached: policy with the proposal: --check" in_ct /usr/lib/jharden --check memcached.conf
    check "memcached starts under the proposal" start_unit memcached.service
    check "memcached: workload passes under the proposal" mc_ready
    check "memcached: --verify passes" in_ct /usr/lib/jharden --verify memcached.conf
    echo "# --analyze: $(in_ct /usr/lib/jharden --analyze --unit memcached.service 2>&1 | grep -i 'overall' | tail -n 1)"
    echo "# stock unit: $(in_ct systemd-analyze security memcached.service 2>&1 | tail -n 1)"
    in_ct systemctl stop memcached.service
    in_ct rm -rf /etc/systemd/system/memcached.service.d/jharden.conf /etc/jharden/memcached.conf \
        /etc/jharden/memcached.conf.d
    in_ct systemctl daemon-reload
}

main() {
    if [[ $EUID -ne 0 || -z $JHARDEN || ! -x $JHARDEN ]]; then
        echo "usage: $0 [--container DIR] path/to/jharden (as root)" >&2
        exit 2
    fi
    CT=${SHARED_CT:-$(mktemp -d /tmp/jharden-learn.XXXXXX)}
    # nspawn's own filter refuses bpf(2), and its bounding set lacks CAP_BPF and CAP_PERFMON.
    NSPAWN_EXTRA_ARGS="${NSPAWN_EXTRA_ARGS:-} --system-call-filter=bpf --capability=CAP_BPF,CAP_PERFMON"
    trap cleanup EXIT
    if [[ -z $SHARED_CT ]] && ! nspawn_start "$CT" 2>/dev/null; then
        fail "container boots"
        summary
        exit 1
    fi
    check "jharden installed in the container" nspawn_copy "$CT" "$JHARDEN" /usr/lib/jharden
    in_ct systemctl stop redis-server.service 2>/dev/null
    check "redis-server.service is Debian's file" in_ct dpkg -V redis-server
    check "learning drop-in installed" setup
    check "redis-server starts under --learn" start_unit redis-server.service
    if [[ $(in_ct journalctl -u redis-server.service -n 20 --no-pager 2>/dev/null) == *"cannot observe"* ]]; then
        echo "SKIP: the container cannot load BPF programs"
        exit 77
    fi
    check "redis answers under --learn" wait_pong
    check "workload passes under --learn" workload
    check "the proposal is written when the service stops" stop_learning
    local text
    text=$(learned_file)
    echo "$text" | grep -vE '^#|^$' | sed 's/^/#   /'
    check "proposal: / read-only" contains "$text" '^read_only = /$'
    check "proposal: Redis's data directory writable" contains "$text" '^read_write = /var/lib/redis$'
    check "proposal: families as used" contains "$text" '^address_families = AF_INET AF_INET6 AF_UNIX$|^address_families = AF_INET AF_INET6$'
    check "proposal installed, the learning flag removed" enforce
    check "policy with the proposal: --check" in_ct /usr/lib/jharden --check redis.conf
    check "redis-server starts under the proposal" start_unit redis-server.service
    check "redis answers under the proposal" wait_pong
    check "workload passes under the proposal" workload
    check "a write outside the learned directories is refused, inside allowed" write_elsewhere_refused
    check "--verify passes" in_ct /usr/lib/jharden --verify redis.conf
    echo "# --analyze: $(in_ct /usr/lib/jharden --analyze --unit redis-server.service 2>&1 | grep -i 'overall\|exposure' | tail -n 1)"
    echo "# stock unit: $(in_ct systemd-analyze security redis-server.service 2>&1 | tail -n 1)"
    in_ct systemctl stop redis-server.service
    in_ct rm -rf /etc/systemd/system/redis-server.service.d/jharden.conf /etc/jharden/redis.conf \
        /etc/jharden/redis.conf.d
    in_ct systemctl daemon-reload
    if in_ct test -x /usr/bin/memcached; then test_memcached; fi
    summary
}

main "$@"
