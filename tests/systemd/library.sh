#!/bin/bash
# library.sh — every shipped policy with its drop-in, under a real systemd, with its daemon's
# own client as the workload (issue 13), and the scoreboard docs/policies.md.
#
# Usage (as root):  tests/systemd/library.sh [--container DIR] path/to/jharden.deb
#   --container DIR  use a container another script booted with nspawn.sh start DIR (left
#                    running), instead of booting and stopping one of its own
#
# In this machine's own OS booted in a throw-away container (nspawn.sh), it installs the
# daemons (Debian's packages, fetched on this machine into a directory of their own, since
# the container has no network, then installed by apt inside it) and jharden's package, and
# for each daemon:
#   * records the stock unit's `systemd-analyze security` score;
#   * enables the drop-in the package ships in /usr/share/doc/jharden/examples/units (the
#     policy comes from /usr/share/jharden), starts the unit, checks that MainPID is the
#     daemon (jharden in front of a PID namespace where the policy asks for one), runs the
#     daemon's own client (curl, memcached's memcaslap, pgbench, redis-benchmark, curl
#     through haproxy and squid, chronyc, dig, logger), reloads where the unit can, restarts,
#     and stops it cleanly;
#   * `jharden --verify POLICY` passes; `jharden --analyze --unit UNIT` is recorded;
#   * throughput, side by side: a second copy of the container (booted, given the daemons and
#     jharden's package while the first runs the checks above) runs the stock unit while the
#     first runs the daemon under jharden, both started and warmed up; then runs of
#     LIB_BENCH_SECS alternate between the two (stock, jharden / jharden, stock / ...), in
#     pairs, so that the two runs of a pair see the machine at the same speed; halfway, the
#     two copies swap variants, so that neither copy's own state favours a side. The change
#     is the median of the pairs' changes, with its 95 % interval (bootstrap of the pairs);
#     where that interval is wider than 6 points (too wide to tell whether the change is
#     within 3 %), the two copies take two more halves of pairs, once. The same for the CPU
#     time the unit's processes spent per operation (/proc). Both daemons on the first CPU
#     (with nginx, haproxy's and squid's backend), the clients on the last (when there are
#     two), so that a daemon and its client do not take turns on one CPU differently from
#     run to run; first, the machine's own speed;
# One daemon failing does not stop the others. The daemons are tested one at a time (2 cores).
# At the end docs/policies.md is written from the results (LIB_SCOREBOARD: another path,
# or "none").
# One PASS/FAIL line per check, then exactly "N passed, M failed".
#
# Environment:
#   LIB_LOGDIR      diagnostics (journals, --verify outputs, apt log); default: a new
#                   /tmp/jharden-library-logs.*
#   LIB_ONLY        daemons to test (names as below, space-separated); default: all
#   LIB_BENCH_SECS  seconds of each benchmark run (default 1)
#   LIB_BENCH_ROUNDS  pairs of runs before the two copies swap, and after (default 5)
#   LIB_BENCH_WARMUP  seconds of the benchmark, not measured, after each start (default 1)
#   LIB_SCOREBOARD  where to write the scoreboard (default docs/policies.md of this tree)

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=nspawn.sh
source "$HERE/nspawn.sh"
# shellcheck source=checks.bash
source "$HERE/checks.bash"

SHARED_CT=""
if [[ ${1:-} == --container ]]; then
    SHARED_CT=$2
    shift 2
fi
DEB=${1:-}
CT=""
# The second copy of the container, and its set-up running in the background.
TWIN=""
TWIN_JOB=""
LOGDIR=${LIB_LOGDIR:-}
BENCH_SECS=${LIB_BENCH_SECS:-1}
BENCH_ROUNDS=${LIB_BENCH_ROUNDS:-5}
WARMUP_SECS=${LIB_BENCH_WARMUP:-1}
# The daemon on the first CPU, its client on the last: on two CPUs they never share one.
DAEMON_CPU=0
CLIENT_CPU=$(($(nproc) - 1))
SCOREBOARD=${LIB_SCOREBOARD:-$REPO/docs/policies.md}
DAEMONS=(nginx memcached postgresql redis haproxy squid chrony dnsmasq unbound rsyslog)
ONLY=${LIB_ONLY:-${DAEMONS[*]}}
PASSED=0
FAILED=0
WHY=""
RESULT=""

# name -> unit, policy, the Debian packages, the main process's expected comm.
declare -A UNIT=(
    [nginx]=nginx.service [memcached]=memcached.service
    [postgresql]=postgresql@15-main.service [redis]=redis-server.service
    [haproxy]=haproxy.service [squid]=squid.service [chrony]=chrony.service
    [dnsmasq]=dnsmasq.service [unbound]=unbound.service [rsyslog]=rsyslog.service)
declare -A COMM=(
    [nginx]=jharden [memcached]=memcached [postgresql]=postgres [redis]=redis-server
    [haproxy]=haproxy [squid]=squid [chrony]=chronyd [dnsmasq]=dnsmasq [unbound]=unbound
    [rsyslog]=rsyslogd)
declare -A CLIENT=(
    [nginx]="ab (HTTP GET of the default page)" [memcached]="memcaslap (get/set mix)"
    [postgresql]="pgbench -S (select-only, scale 2)" [redis]="redis-benchmark -t get"
    [haproxy]="ab through haproxy to nginx" [squid]="ab through squid to nginx"
    [chrony]="chronyc tracking" [dnsmasq]="DNS queries (A, local name)"
    [unbound]="DNS queries (A, local-data)" [rsyslog]="syslog datagrams written to /var/log/syslog")
PACKAGES=(nginx-light memcached libmemcached-tools postgresql postgresql-contrib
    redis-server redis-tools haproxy squid chrony dnsmasq unbound rsyslog bind9-dnsutils
    apache2-utils curl python3)

# Results, per daemon: the scoreboard's columns.
declare -A R_STOCK R_JH R_POLICY R_WORK R_OK R_USERS
# Throughput (TP) and CPU time per operation (CPU): the medians, their change, its 95 %
# interval ("LOW HIGH").
declare -A R_TP_STOCK R_TP_JH R_TP_DELTA R_TP_INTERVAL
# The pairs behind a change measured in more than the first two halves.
declare -A R_TP_PAIRS
declare -A R_CPU_STOCK R_CPU_JH R_CPU_DELTA R_CPU_INTERVAL

# The daemon under test has failed a check.
on_fail() { CUR_OK=0; }
CUR_OK=1

cleanup() {
    if [[ -n $TWIN_JOB ]]; then kill "$TWIN_JOB" 2>/dev/null; wait "$TWIN_JOB" 2>/dev/null; fi
    if [[ -n $TWIN && -d $TWIN ]]; then
        cp -f "$TWIN/console.log" "$LOGDIR/twin-console.log" 2>/dev/null
        nspawn_stop "$TWIN" || echo "# warning: could not stop the container in $TWIN" >&2
    fi
    [[ -n $CT && -d $CT && -z $SHARED_CT ]] || return 0
    cp -f "$CT/console.log" "$LOGDIR/console.log" 2>/dev/null
    nspawn_stop "$CT" || echo "# warning: could not stop the container in $CT" >&2
}

# on DIR COMMAND...: the command, with the container in DIR as the one in_ct reaches.
on() {
    local CT=$1
    shift
    "$@"
}

keep_journal() {
    { echo "===== $1"; in_ct journalctl --no-pager -o short-monotonic --after-cursor="$2" -u "$1"; } \
        >>"$LOGDIR/journal.log" 2>&1
}

# paired "STOCK RUNS" "JHARDEN RUNS": runs taken in pairs (the k-th of each, one after the
# other). Prints "CHANGE LOW HIGH": the median of the pairs' changes from stock to jharden, in
# percent, and its 95 % interval by the bootstrap: 1000 resamplings of the pairs, with a fixed
# seed (the same runs give the same interval).
paired() {
    awk -v s="$1" -v j="$2" -v R=1000 '
        function sort(a, n,   i, k, t) {
            for (i = 2; i <= n; i++) {
                t = a[i]
                for (k = i - 1; k >= 1 && a[k] > t; k--) a[k + 1] = a[k]
                a[k + 1] = t
            }
        }
        function med(a, n) { sort(a, n); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        BEGIN {
            n = split(s, S, " "); split(j, J, " "); srand(1)
            for (i = 1; i <= n; i++) x[i] = p[i] = (J[i] / S[i] - 1) * 100
            m = med(x, n)
            for (r = 1; r <= R; r++) {
                for (i = 1; i <= n; i++) x[i] = p[int(rand() * n) + 1]
                c[r] = med(x, n)
            }
            sort(c, R)
            printf "%+.1f %+.1f %+.1f", m, c[int(R * 0.025) + 1], c[int(R * 0.975)]
        }'
}

# compare TP|CPU D "STOCK RUNS" "JHARDEN RUNS": the R_<TP|CPU>_* of daemon D from its pairs of
# runs: the medians of each side, the change (paired), its interval.
compare() {
    local m=$1 d=$2 s j change lo hi
    read -ra s <<<"$3"
    read -ra j <<<"$4"
    local -n stock=R_${m}_STOCK jh=R_${m}_JH delta=R_${m}_DELTA iv=R_${m}_INTERVAL
    stock[$d]=$(median "${s[@]}")
    jh[$d]=$(median "${j[@]}")
    read -r change lo hi <<<"$(paired "$3" "$4")"
    delta[$d]=$change
    iv[$d]="$lo $hi"
}

# too_wide "STOCK RUNS" "JHARDEN RUNS": the pairs' change has a 95 % interval wider than
# 6 points.
too_wide() {
    local lo hi
    read -r _ lo hi <<<"$(paired "$1" "$2")"
    awk -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(hi - lo > 6) }'
}

# span "LOW HIGH": an interval as the scoreboard writes it.
span() { read -r lo hi <<<"$1" && echo "$lo, $hi"; }

# The machine's own speed, which moves every measurement: a CPU loop on the daemon's CPU,
# counted in 100 ms slices for 10 s. Prints "P10 MEDIAN P90 SLOWEST FASTEST" (loop turns
# per slice).
machine_speed() {
    in_ct taskset -c "$DAEMON_CPU" python3 -c '
import time
turns = []
for _ in range(100):
    n, end = 0, time.monotonic() + 0.1
    while time.monotonic() < end:
        n += 1
    turns.append(n)
turns.sort()
print(turns[10], turns[50], turns[90], turns[0], turns[-1])'
}
MACHINE=""

# The CPU time, in ns, the processes of unit U have used and that of their children they
# reaped (utime, stime, cutime, cstime of /proc/PID/stat, for each process of its control group).
# Read from /proc rather than CPUUsageNSec: a container on a host with cgroup v1 controllers
# has no CPU accounting.
unit_cpu_ns() {
    local cg
    cg=$(prop "$1" ControlGroup)
    [[ $cg == /* ]] || return 1
    in_ct sh -c 'f=/sys/fs/cgroup/systemd$1/cgroup.procs; [ -r "$f" ] || f=/sys/fs/cgroup$1/cgroup.procs
        for p in $(cat "$f"); do sed "s/.*) //" /proc/$p/stat 2>/dev/null; done |
            awk -v hz="$(getconf CLK_TCK)" "{ t += \$12 + \$13 + \$14 + \$15 } END { printf \"%.0f\n\", t * 1e9 / hz }"' \
        sh "$cg"
}

# One benchmark run of daemon D with its unit's CPU time: prints "OPS/S CPU-µs-per-operation"
# (the unit's CPU time over the run, divided by the operations: the rate times the run's wall
# time): what the daemon itself spends, whatever the client's speed.
bench_with_cpu() {
    local d=$1 u=${UNIT[$1]} c0 c1 t0 t1 v
    c0=$(unit_cpu_ns "$u")
    t0=$(date +%s%N)
    v=$("BENCH_$d")
    t1=$(date +%s%N)
    c1=$(unit_cpu_ns "$u")
    [[ $v =~ ^[0-9.]+$ ]] || return 1
    # "?" also when the unit's processes used less than a clock tick over the run (chronyd
    # answering chronyc): no figure, rather than 0 µs.
    if [[ $c0 =~ ^[0-9]+$ && $c1 =~ ^[0-9]+$ ]] && ((c1 > c0)); then
        awk -v v="$v" -v c="$((c1 - c0))" -v t="$((t1 - t0))" \
            'BEGIN { printf "%s %.2f\n", v, (c / 1000) / (v * t / 1e9) }'
    else
        echo "$v ?"
    fi
}

# ---------------------------------------------------------------- set-up

setup_host() {
    if [[ $EUID -ne 0 ]]; then echo "library.sh: must run as root" >&2; exit 2; fi
    if [[ -z $DEB || ! -f $DEB ]]; then
        echo "usage: $0 [--container DIR] path/to/jharden.deb" >&2
        exit 2
    fi
    [[ -n $LOGDIR ]] || LOGDIR=$(mktemp -d /tmp/jharden-library-logs.XXXXXX)
    mkdir -p "$LOGDIR"
    echo "# diagnostics in $LOGDIR"
    CT=${SHARED_CT:-$(mktemp -d /tmp/jharden-library.XXXXXX)}
    trap cleanup EXIT
}

boot() {
    local t0=$SECONDS
    [[ -z $SHARED_CT ]] || return 0
    # chronyd needs CAP_SYS_TIME, which systemd-nspawn keeps from a container by default
    # (chrony.service has ConditionCapability=CAP_SYS_TIME). The container has no network:
    # chronyd finds no server and never steps or slews the clock it shares with this machine.
    if NSPAWN_EXTRA_ARGS="--capability=CAP_SYS_TIME ${NSPAWN_EXTRA_ARGS:-}" \
        nspawn_start "$CT" 2>"$LOGDIR/boot.err"; then
        pass "container boots ($((SECONDS - t0)) s)"
    else
        fail "container boots" "$(tail -n 1 "$LOGDIR/boot.err")"
        summary
        exit 1
    fi
}

install_packages() { install_debs library "${PACKAGES[@]}"; }

# The second copy of the container, for the throughput's side-by-side runs: booted, given the
# daemons and jharden's package in the background, while the first runs the checks.
start_twin() {
    TWIN=$(mktemp -d /tmp/jharden-library-twin.XXXXXX)
    (
        CT=$TWIN
        NSPAWN_EXTRA_ARGS="--capability=CAP_SYS_TIME" nspawn_start "$CT" || exit 1
        install_packages || { echo "$WHY"; exit 1; }
        install_jharden || { echo "$WHY"; exit 1; }
        quiesce
        configure_daemons
    ) >"$LOGDIR/twin.log" 2>&1 &
    TWIN_JOB=$!
}

# twin_ready: the second copy's set-up has finished, and succeeded.
twin_ready() {
    wait "$TWIN_JOB"
    local rc=$?
    TWIN_JOB=""
    ((rc == 0)) || { WHY="$(tail -n 1 "$LOGDIR/twin.log"), see $LOGDIR/twin.log"; return 1; }
}

install_jharden() {
    nspawn_copy "$CT" "$DEB" /root/jharden.deb || { WHY="copy failed"; return 1; }
    in_ct dpkg -i /root/jharden.deb >"$LOGDIR/dpkg-jharden.log" 2>&1 ||
        { WHY="dpkg -i failed, see $LOGDIR/dpkg-jharden.log"; return 1; }
    in_ct test -x /usr/lib/jharden || { WHY="no /usr/lib/jharden"; return 1; }
}

# Every daemon stopped, and nothing left of other scripts in the shared container (drop-ins,
# policies in /etc/jharden that would shadow the shipped ones, killmode.sh's Redis dump).
quiesce() {
    local d u
    for d in "${DAEMONS[@]}"; do
        u=${UNIT[$d]}
        in_ct systemctl stop "$u" 2>/dev/null
        in_ct rm -rf "/etc/systemd/system/$u.d" "/etc/jharden/$(policy_of "$d")" \
            "/etc/jharden/$(policy_of "$d").d"
    done
    in_ct systemctl stop postgresql.service km-postgres.service 2>/dev/null
    in_ct rm -f /var/lib/redis/dump.rdb
    in_ct systemctl daemon-reload
    in_ct systemctl reset-failed 2>/dev/null
    true
}

policy_of() {
    local p
    p=$(sed -n 's|^ExecStart=+/usr/lib/jharden \(.*\)$|\1|p' \
        "$REPO/units/${UNIT[$1]}.d/jharden.conf" | tail -1)
    echo "$p"
}

# Test configurations that give each client something to do: haproxy forwards a port to
# nginx (without a log line per request, which would measure the journal), dnsmasq and unbound
# answer a local name, PostgreSQL has pgbench's tables. nginx gets one worker, as many as the
# CPU its unit is pinned to: its `worker_processes auto` counts the machine's CPUs, and two
# workers taking turns on one CPU share the client's connections differently from run to run
# (stock nginx, ten runs of 1 s: 15,470-19,240 requests/s with two workers, 19,870-20,320 with
# one), which no side-by-side comparison within 3 % survives.
configure_daemons() {
    in_ct sed -i 's/^worker_processes auto;$/worker_processes 1;/' /etc/nginx/nginx.conf
    in_ct sh -c 'grep -q "^frontend jh-library" /etc/haproxy/haproxy.cfg ||
        printf "\nfrontend jh-library\n\tbind 127.0.0.1:8080\n\tno log\n\tdefault_backend jh-nginx\nbackend jh-nginx\n\tserver n1 127.0.0.1:80\n" >>/etc/haproxy/haproxy.cfg'
    put_file 0644 /etc/dnsmasq.d/jh-library.conf <<<'address=/bench.test/192.0.2.1'
    put_file 0644 /etc/unbound/unbound.conf.d/jh-library.conf <<'EOF'
server:
    local-zone: "bench.test." static
    local-data: "bench.test. A 192.0.2.1"
EOF
    # unbound's trust anchor update needs the network; the package's anchor does without.
    in_ct sh -c 'test -s /var/lib/unbound/root.key || install -o unbound -g unbound -m 0644 /usr/share/dns/root.key /var/lib/unbound/root.key'
}

# ---------------------------------------------------------------- workloads

# Each WORK_name checks that the daemon serves (RESULT: what was seen); each BENCH_name
# prints operations per second.

WORK_nginx() {
    local c
    c=$(http_code http://127.0.0.1/)
    RESULT="GET / -> $c"
    [[ $c == 200 ]] || { WHY=$RESULT; return 1; }
}
BENCH_nginx() { ab_rate -k http://127.0.0.1/; }

WORK_memcached() {
    local out
    out=$(in_client python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", 11211), timeout=5)
s.sendall(b"set jh 0 0 5\r\nhello\r\nget jh\r\n")
buf = b""
while not buf.endswith(b"END\r\n"):
    d = s.recv(4096)
    if not d: break
    buf += d
print(buf.decode().replace("\r\n", " ").strip())' 2>&1)
    RESULT="set+get: $out"
    [[ $out == "STORED VALUE jh 0 5 hello END" ]] || { WHY=$RESULT; return 1; }
}
BENCH_memcached() {
    in_client memcaslap -s 127.0.0.1:11211 -t "${BENCH_SECS}s" -T 2 -c 8 2>/dev/null |
        sed -n 's/^Run time: .* TPS: *\([0-9]*\).*/\1/p' | tail -1
}

psql_q() { in_ct runuser -u postgres -- psql -h /run/postgresql -tAqX "$@"; }
WORK_postgresql() {
    local n
    if [[ $(psql_q -c "SELECT 1 FROM pg_database WHERE datname = 'jhbench'" 2>/dev/null) != 1 ]]; then
        psql_q -c 'CREATE DATABASE jhbench' >/dev/null 2>&1
        in_ct runuser -u postgres -- /usr/lib/postgresql/15/bin/pgbench -h /run/postgresql -q \
            -i -s 2 jhbench >>"$LOGDIR/pgbench-init.log" 2>&1
    fi
    n=$(psql_q -d jhbench -c 'SELECT count(*) FROM pgbench_accounts' 2>&1)
    RESULT="pgbench_accounts: $n rows"
    [[ $n == 200000 ]] || { WHY=$RESULT; return 1; }
}
BENCH_postgresql() {
    in_client runuser -u postgres -- /usr/lib/postgresql/15/bin/pgbench -h /run/postgresql -n -S \
        -c 4 -j 2 -T "$BENCH_SECS" jhbench 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p'
}

WORK_redis() {
    local out
    in_ct redis-cli SET jh hello >/dev/null 2>&1
    out=$(in_ct redis-cli GET jh 2>&1)
    RESULT="SET+GET: $out"
    [[ $out == hello ]] || { WHY=$RESULT; return 1; }
}
BENCH_redis() {
    local n=$((BENCH_SECS * 40000))
    in_client redis-benchmark -t get -n "$n" -c 8 --csv 2>/dev/null |
        sed -n 's/^"GET","\([0-9.]*\)".*/\1/p'
}

WORK_haproxy() {
    local c
    c=$(http_code http://127.0.0.1:8080/)
    RESULT="GET / through haproxy -> $c"
    [[ $c == 200 ]] || { WHY=$RESULT; return 1; }
}
# Keep-alive connections, as for nginx: a new connection per request would leave some 10,000
# in TIME_WAIT after each run, and the client's search for a free port among them, not the
# daemon, would set the rate of the next runs.
BENCH_haproxy() { ab_rate -k http://127.0.0.1:8080/; }

WORK_squid() {
    local c
    c=$(http_code -x http://127.0.0.1:3128 http://127.0.0.1/)
    RESULT="GET / through squid -> $c"
    [[ $c == 200 ]] || { WHY=$RESULT; return 1; }
}
BENCH_squid() { ab_rate -k -X 127.0.0.1:3128 http://127.0.0.1/; }

WORK_chrony() {
    local out
    out=$(in_client chronyc -n -c tracking 2>&1)
    # Without a network, no server: reference 00000000, stratum 0.
    RESULT="chronyc tracking answers: reference ${out%%,*}, stratum $(cut -d, -f3 <<<"$out")"
    [[ $out =~ ^[0-9A-F]{8}, ]] || { WHY="chronyc tracking: ${out:0:60}"; return 1; }
}
BENCH_chrony() {
    # chronyc's commands over the daemon's command socket, 200 from each chronyc process's
    # standard input: with one command per process, chronyc's own start on the client's CPU
    # was the figure (about 100 per second), not chronyd's answers. Answers counted, not
    # commands sent.
    in_client bash -c 't0=${EPOCHREALTIME/./} n=0; end=$((t0 + $1 * 1000000))
        while ((${EPOCHREALTIME/./} < end)); do
            k=$(yes tracking | head -n 200 | chronyc -n -c | grep -c "^[0-9A-F]\{8\},")
            ((k == 200)) || exit 1
            n=$((n + k))
        done
        awk -v n="$n" -v t="$((${EPOCHREALTIME/./} - t0))" "BEGIN { printf \"%.1f\n\", n * 1e6 / t }"' \
        bench "$BENCH_SECS"
}

WORK_dns() {
    local out
    out=$(in_ct dig +short +time=2 +tries=1 @127.0.0.1 bench.test A 2>&1)
    RESULT="dig bench.test -> $out"
    [[ $out == 192.0.2.1 ]] || { WHY=$RESULT; return 1; }
}
BENCH_dns() { dns_rate; }
WORK_dnsmasq() { WORK_dns; }
BENCH_dnsmasq() { BENCH_dns; }
WORK_unbound() { WORK_dns; }
BENCH_unbound() { BENCH_dns; }

WORK_rsyslog() {
    local tag="jh-library-$RANDOM$RANDOM"
    in_client logger -u /run/systemd/journal/syslog -t jhlib "$tag" 2>/dev/null
    wait_until 10 in_client grep -q "$tag" /var/log/syslog
    RESULT="logger -> /var/log/syslog: $(in_client grep -c "$tag" /var/log/syslog 2>/dev/null || echo 0) line"
    in_client grep -q "$tag" /var/log/syslog || { WHY=$RESULT; return 1; }
}
# Datagrams to rsyslogd's socket (a full queue blocks the sender: none is lost), timed until
# the last one is in /var/log/syslog.
BENCH_rsyslog() {
    in_client python3 -c '
import socket, sys, time, os
secs = float(sys.argv[1]); tag = "jhb%d" % os.getpid()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect("/run/systemd/journal/syslog")
t0 = time.monotonic(); n = 0
while time.monotonic() - t0 < secs:
    s.send(("<14>%s: message %d" % (tag, n)).encode()); n += 1
last = ("%s: message %d" % (tag, n - 1)).encode()
def done():
    with open("/var/log/syslog", "rb") as f:
        f.seek(max(0, os.path.getsize("/var/log/syslog") - 65536))
        return last in f.read()
deadline = time.monotonic() + 60
while not done():
    if time.monotonic() > deadline: sys.exit(1)
    time.sleep(0.02)
print("%.1f" % (n / (time.monotonic() - t0)))' "$BENCH_SECS" 2>/dev/null
}

# ---------------------------------------------------------------- per daemon

DROPIN_SRC=/usr/share/doc/jharden/examples/units

use_stock() {
    in_ct rm -rf "/etc/systemd/system/${UNIT[$1]}.d" && in_ct systemctl daemon-reload
}
use_jharden() {
    local u=${UNIT[$1]}
    in_ct install -D -m 0644 "$DROPIN_SRC/$u.d/jharden.conf" "/etc/systemd/system/$u.d/jharden.conf" &&
        in_ct systemctl daemon-reload
}

# pin UNIT CPU: run UNIT on CPU only, from its next start (CPU empty: anywhere again).
pin() {
    local f="/run/systemd/system/$1.d/zz-jh-library-cpu.conf"
    if [[ -n $2 ]]; then
        in_ct mkdir -p "${f%/*}" && printf '[Service]\nCPUAffinity=%s\n' "$2" | in_ct sh -c "cat >$f"
    else
        in_ct rm -f "$f"
    fi
    in_ct systemctl daemon-reload
}

# up NAME: (re)start the unit and wait until its client gets an answer.
up() {
    local u=${UNIT[$1]}
    in_ct systemctl reset-failed "$u" 2>/dev/null
    in_ct timeout 120 systemctl restart "$u" ||
        { WHY="$(prop "$u" Result) $(prop "$u" ExecMainStatus)"; return 1; }
    wait_until 30 "WORK_$1" >/dev/null
}

active() {
    local s
    s=$(in_ct systemctl is-active "$1")
    [[ $s == active ]] || { WHY="$1 is $s ($(prop "$1" Result))"; return 1; }
}

main_is() {
    local pid comm
    pid=$(prop "$1" MainPID)
    comm=$(in_ct cat "/proc/$pid/comm" 2>/dev/null)
    [[ $comm == "$2" ]] || { WHY="MainPID $pid is '$comm'"; return 1; }
}

# nginx's policy has a PID namespace: jharden stays the main process, with nginx's master
# the child of the namespace's init.
nginx_behind() {
    local pid
    pid=$(prop nginx.service MainPID)
    in_ct sh -c "ps -o comm= --ppid \$(ps -o pid= --ppid $pid | head -1) 2>/dev/null" | grep -qx nginx ||
        { WHY="no nginx master under jharden $pid"; return 1; }
}

# caps_are UNIT MASK: the main process's effective, permitted and bounding sets are MASK.
caps_are() {
    local pid got
    pid=$(prop "$1" MainPID)
    got=$(in_ct grep -E '^Cap(Eff|Prm|Bnd):' "/proc/$pid/status" | awk '{ print $2 }' | sort -u)
    [[ $got == "$2" ]] || { WHY=${got//$'\n'/ }; return 1; }
}

# workers_capless UNIT: the main process has children, and none of them holds a capability
# (effective or permitted): haproxy's workers, which parse the network's input.
workers_capless() {
    local pid kids k
    pid=$(prop "$1" MainPID)
    kids=$(in_ct ps -o pid= --ppid "$pid")
    [[ -n ${kids// /} ]] || { WHY="no child of $pid"; return 1; }
    for k in $kids; do
        in_ct grep -E '^Cap(Eff|Prm):' "/proc/$k/status" | awk '{ print $2 }' | grep -qv '^0*$' &&
            { WHY="$k holds $(in_ct grep -E '^CapEff:' "/proc/$k/status")"; return 1; }
    done
    return 0
}

# unit_users UNIT: the users the unit's processes run as, the main process's first.
unit_users() {
    local main
    main=$(prop "$1" MainPID)
    { in_ct ps -o user= -p "$main"; in_ct ps -eo user=,unit= | awk -v u="$1" '$2 == u { print $1 }'; } |
        awk '!seen[$1]++ { printf "%s%s", (n++ ? ", " : ""), $1 }'
}

same_main() {
    [[ $(prop "$1" MainPID) == "$2" ]] || { WHY="MainPID changed from $2 to $(prop "$1" MainPID)"; return 1; }
}

workload() {
    "WORK_$1" || return 1
    R_WORK[$1]=$RESULT
}

verify_policy() {
    in_ct jharden --verify "$1" >"$LOGDIR/verify-$1.log" 2>&1 ||
        { WHY="$(grep -c '^FAIL' "$LOGDIR/verify-$1.log") failing rows, see $LOGDIR/verify-$1.log"; return 1; }
}

score_below() {
    local s=$1 stock=$2
    [[ -n $s && -n $stock ]] || { WHY="no score (jharden '$s', stock '$stock')"; return 1; }
    awk -v s="$s" -v t="$stock" 'BEGIN { exit !(s <= 2.5 && s < t) }' ||
        { WHY="$s (stock $stock)"; return 1; }
}

# What the policy keeps, from jharden --print --json inside the container (whose users the
# policy names).
policy_keeps() {
    in_ct jharden --print --json "$1" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
caps = d["capabilities"]["bounding"]
caps = " ".join(c.replace("CAP_", "") for c in caps) or "none"
private = {"/dev", "/proc", "/tmp", "/var/tmp"}
tmpfs = {m["target"] for m in d["mounts"] if m["type"] == "tmpfs"}
holes = []
for m in d["mounts"]:
    if m["type"] == "read-only" and m["target"] == "/":
        holes = [h for h in m.get("writable_holes", []) if h not in private]
w = [h + (" (private tmpfs)" if h in tmpfs else "") for h in holes]
fam = d["seccomp"].get("address_families") or ["all"]
fam = " ".join(f.replace("AF_", "") for f in fam)
print("%s | %s | %s" % (caps, ", ".join(w) or "none", fam))'
}

run_daemon() {
    local d=$1
    local u=${UNIT[$d]} policy c0 pid s
    policy=$(policy_of "$d")
    CUR_OK=1
    R_POLICY[$d]=$(policy_keeps "$policy")
    echo "# $d ($u, $policy)"
    if [[ $(prop "$u" LoadState) != loaded ]]; then
        fail "$d: $u is installed" "LoadState=$(prop "$u" LoadState)"
        R_OK[$d]=0
        R_WORK[$d]="not run: $u not installed"
        return
    fi
    c0=$(cursor)

    # The stock unit: its score, and that the workload runs without jharden.
    check "$d: stock $u runs its workload" up "$d"
    R_STOCK[$d]=$(in_ct systemd-analyze security --no-pager "$u" 2>/dev/null | score_of)

    # Under jharden.
    check "$d: drop-in $DROPIN_SRC/$u.d enabled" use_jharden "$d"
    check "$d: $u starts under jharden" up "$d"
    check "$d: active" active "$u"
    check "$d: MainPID is ${COMM[$d]}" main_is "$u" "${COMM[$d]}"
    [[ $d == nginx ]] && check "$d: the nginx master runs behind jharden's PID namespace" nginx_behind
    [[ $d == haproxy ]] && check "$d: its workers hold no capability" workers_capless "$u"
    [[ $d == unbound ]] && check "$d: unbound holds exactly CAP_NET_BIND_SERVICE" \
        caps_are "$u" 0000000000000400
    [[ $d == chrony ]] && check "$d: chronyd holds exactly CAP_SYS_TIME and CAP_NET_BIND_SERVICE" \
        caps_are "$u" 0000000002000400
    check "$d: workload (${CLIENT[$d]%% (*})" workload "$d"
    pid=$(prop "$u" MainPID)
    if [[ $(prop "$u" ExecReload) == *path=* ]]; then
        check "$d: reload" in_ct timeout 60 systemctl reload "$u"
        check "$d: same MainPID after the reload" same_main "$u" "$pid"
        check "$d: workload after the reload" wait_until 20 "WORK_$d"
    else
        echo "# $d: $u has no ExecReload="
    fi
    check "$d: restart" up "$d"
    check "$d: workload after the restart" "WORK_$d"
    R_USERS[$d]=$(unit_users "$u")
    check "$d: jharden --verify $policy" verify_policy "$policy"
    in_ct jharden --analyze --unit "$u" >"$LOGDIR/analyze-$d.log" 2>&1
    in_ct jharden --analyze "$policy" >"$LOGDIR/analyze-policy-$d.log" 2>&1
    R_JH[$d]=$(score_of <"$LOGDIR/analyze-$d.log")
    check "$d: score ${R_JH[$d]:-?} with the unit, at most 2.5 and below the stock unit's ${R_STOCK[$d]:-?}" \
        score_below "${R_JH[$d]}" "${R_STOCK[$d]}"

    # A clean stop under jharden, then the stock unit back, stopped.
    use_jharden "$d" && up "$d" >/dev/null
    c0=$(cursor)
    check "$d: stop" in_ct timeout 90 systemctl stop "$u"
    s=$(prop "$u" Result)
    check "$d: stopped cleanly (Result=$s)" test "$s" = success
    keep_journal "$u" "$c0"
    use_stock "$d"
    R_OK[$d]=$CUR_OK
    if [[ -z ${R_WORK[$d]:-} ]]; then R_WORK[$d]="failed: $WHY"; fi
}

# variant_up CONTAINER stock|jharden D: D's unit in that copy of the container, (re)started
# with that variant on DAEMON_CPU, and warmed up.
variant_up() {
    local c=$1 v=$2 d=$3
    on "$c" pin "${UNIT[$d]}" "$DAEMON_CPU" && on "$c" "use_$v" "$d" && on "$c" up "$d" ||
        { WHY="$v: $WHY"; return 1; }
    # Not measured: the first requests after a start (cold caches, workers forking).
    BENCH_SECS=$WARMUP_SECS on "$c" "BENCH_$d" >/dev/null
}

# variant_down CONTAINER D: D stopped in that copy, its stock unit back, unpinned.
variant_down() {
    on "$1" in_ct systemctl stop "${UNIT[$2]}"
    on "$1" use_stock "$2"
    on "$1" pin "${UNIT[$2]}" ""
}

# measure D: D's throughput and CPU time per operation, stock against jharden, side by side in
# the two copies of the container (see the head of this file).
measure() {
    local d=$1 half halves=2 jh st round first c v cpu n
    local tp_s=() tp_j=() cpu_s=() cpu_j=()
    local -A tp cp
    for ((half = 0; half < halves; half++)); do
        jh=$CT st=$TWIN
        ((half % 2 == 0)) || { jh=$TWIN st=$CT; }
        if ! { variant_up "$st" stock "$d" && variant_up "$jh" jharden "$d"; }; then
            fail "$d: stock and jharden up side by side" "$WHY"
            continue
        fi
        for ((round = 0; round < BENCH_ROUNDS; round++)); do
            tp=() cp=() first=$st
            ((round % 2 == 0)) || first=$jh
            for c in "$first" "$([[ $first == "$st" ]] && echo "$jh" || echo "$st")"; do
                read -r v cpu < <(on "$c" bench_with_cpu "$d") && tp[$c]=$v cp[$c]=$cpu
            done
            if [[ -z ${tp[$st]:-} || -z ${tp[$jh]:-} ]]; then
                fail "$d: a pair of benchmark runs" "no figure"
                continue
            fi
            tp_s+=("${tp[$st]}") tp_j+=("${tp[$jh]}")
            [[ ${cp[$st]} == '?' || ${cp[$jh]} == '?' ]] || cpu_s+=("${cp[$st]}") cpu_j+=("${cp[$jh]}")
        done
        # Two halves more, once, where the first two leave the change's interval wider than
        # the 6 points from -3 to +3 %: too wide to tell either way, whatever the median.
        if ((half == 1 && ${#tp_s[@]} == 2 * BENCH_ROUNDS)) && too_wide "${tp_s[*]}" "${tp_j[*]}"; then
            halves=4
        fi
    done
    variant_down "$CT" "$d"
    variant_down "$TWIN" "$d"
    n=$((halves * BENCH_ROUNDS))
    if ((${#tp_s[@]} == n)); then
        compare TP "$d" "${tp_s[*]}" "${tp_j[*]}"
        ((halves == 2)) || R_TP_PAIRS[$d]=$n
        echo "# $d throughput, in pairs: stock ${tp_s[*]}, jharden ${tp_j[*]} -> ${R_TP_DELTA[$d]} %" \
            "[$(span "${R_TP_INTERVAL[$d]}")]"
        pass "$d: throughput measured in $n pairs (${R_TP_DELTA[$d]} %)"
    fi
    if ((${#cpu_s[@]} == n)); then
        compare CPU "$d" "${cpu_s[*]}" "${cpu_j[*]}"
        echo "# $d CPU µs per operation, in pairs: stock ${cpu_s[*]}, jharden ${cpu_j[*]} ->" \
            "${R_CPU_DELTA[$d]} % [$(span "${R_CPU_INTERVAL[$d]}")]"
    fi
}

# ---------------------------------------------------------------- scoreboard

write_scoreboard() {
    local d f=$1 sysd kernel
    sysd=$(in_ct systemctl --version | head -1)
    kernel=$(uname -r)
    {
        echo "# Policy library: scoreboard"
        echo
        echo "Generated by \`tests/systemd/library.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') (do not edit"
        echo "by hand): Debian 12 in a systemd-nspawn container, $sysd, kernel $kernel, $(nproc) CPUs"
        echo "shared with the test itself. Each daemon is Debian's package with its stock unit, then"
        echo "with the drop-in from \`units/\` and the policy from \`conf/\`, installed from jharden's"
        echo "package."
        echo
        echo "* **jharden**: \`jharden --analyze --unit UNIT\` with the drop-in (the policy and what"
        echo "  the unit adds that reaches the daemon); **stock**: \`systemd-analyze security UNIT\`"
        echo "  without it. Lower is better; 10 is unconfined."
        echo "* **keeps**: the users its processes run as under jharden (the main process's"
        echo "  first), its bounding set, where it can write (besides its private /tmp and /dev),"
        echo "  the socket families it may open."
        echo "* **throughput**: the client's operations per second, medians of $((2 * BENCH_ROUNDS)) runs of ${BENCH_SECS} s"
        echo "  each, or of $((4 * BENCH_ROUNDS)) where the first $((2 * BENCH_ROUNDS)) pairs leave the change's interval"
        echo "  wider than 6 points, too wide to tell whether it is within 3 % (the change then says"
        echo "  \"$((4 * BENCH_ROUNDS)) pairs\"). Two copies of the container run side by side, one with the stock unit, the"
        echo "  other with the drop-in, both started and given ${WARMUP_SECS} s of the same workload not"
        echo "  measured; the runs alternate between the two in pairs (stock then jharden, then"
        echo "  jharden then stock, ...), so that the two runs of a pair see the machine at the same"
        echo "  speed; halfway, the copies swap variants. The daemons on CPU $DAEMON_CPU, their clients on"
        echo "  CPU $CLIENT_CPU (nginx, haproxy's and squid's backend, with the daemons); nginx with one"
        echo "  worker, as many as its CPU. **change**: the median of the"
        echo "  pairs' changes, with its 95 % interval (bootstrap: the pairs resampled 1000 times)."
        echo "* **CPU/op**: the CPU time the daemon's unit spent per operation (its processes' user"
        echo "  and system time over a run, children reaped included, divided by the rate times the"
        echo "  run's wall time), in µs, from the same pairs: what the sandbox costs the daemon"
        echo "  itself, whatever the client's speed; \"?\" where a run used less than the clock tick"
        echo "  that /proc counts in."
        echo
        echo "| daemon | jharden | stock | user | capabilities | writable | address families | workload | stock ops/s | jharden ops/s | change [95 % interval] | stock CPU/op | jharden CPU/op | change [95 % interval] | test |"
        echo "|---|---:|---:|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---|"
        for d in $(selected); do
            echo "| $d | ${R_JH[$d]:-?} | ${R_STOCK[$d]:-?} | ${R_USERS[$d]:-?} | ${R_POLICY[$d]:-? | ? | ?} | ${CLIENT[$d]}: ${R_WORK[$d]:-?} | $(rate "${R_TP_STOCK[$d]:-}") | $(rate "${R_TP_JH[$d]:-}") | $(measured "${R_TP_DELTA[$d]:-}" "${R_TP_INTERVAL[$d]:-}")${R_TP_PAIRS[$d]:+, ${R_TP_PAIRS[$d]} pairs} | ${R_CPU_STOCK[$d]:-?} | ${R_CPU_JH[$d]:-?} | $(measured "${R_CPU_DELTA[$d]:-}" "${R_CPU_INTERVAL[$d]:-}") | $([[ ${R_OK[$d]:-0} == 1 ]] && echo pass || echo FAIL) |"
        done
        echo
        echo "**Within 3 %.** Throughput: $(within_median R_TP_DELTA) daemons' median change is within"
        echo "3 % of the stock unit's; for $(within_interval R_TP_INTERVAL), the whole 95 % interval is."
        echo "CPU time per operation: $(within_median R_CPU_DELTA) by the median change, $(within_interval R_CPU_INTERVAL)"
        echo "by the whole interval."
        speed_note
        echo "The test records these figures; it does not fail on them."
    } >"$f"
}

# rate OPS: operations per second, rounded ("?" when not measured).
rate() { if [[ -n $1 ]]; then printf '%.0f' "$1"; else echo '?'; fi; }

# measured CHANGE "LOW HIGH": a change with its interval, "?" when not measured.
measured() { if [[ -n $1 ]]; then echo "$1 % [$(span "$2")]"; else echo '?'; fi; }

# within_median ARRAY, within_interval ARRAY: "N of M" daemons whose median change (R_TP_DELTA)
# or whole interval (R_TP_INTERVAL) lies within 3 % either way.
within_median() { within "$1" 'c <= 3 && c >= -3'; }
within_interval() { within "$1" '$1 >= -3 && $2 <= 3'; }
within() {
    local -n a=$1
    local d n=0 m=0
    for d in $(selected); do
        m=$((m + 1))
        [[ -n ${a[$d]:-} ]] && awk -v c="${a[$d]%% *}" "{ exit !($2) }" <<<"${a[$d]}" && n=$((n + 1))
    done
    echo "$n of $m"
}

# What the machine's own speed did (machine_speed), in words.
speed_note() {
    local p10 med p90 lo hi
    read -r p10 med p90 lo hi <<<"$MACHINE"
    [[ -n ${hi:-} ]] || return 0
    awk -v a="$p10" -v m="$med" -v b="$p90" -v lo="$lo" -v hi="$hi" -v cpu="$DAEMON_CPU" -v ncpu="$(nproc)" 'BEGIN {
        printf "The machine'"'"'s own speed moves every figure (%d CPUs, shared with the test). A CPU loop\n", ncpu
        printf "on CPU %d, counted in 100 ms slices for 10 s before the throughput runs,\n", cpu
        printf "turned %d times in the median slice, %.0f %% of that in the 10th percentile and\n", m, a / m * 100
        printf "%.0f %% in the 90th; its fastest slice turned %.1f times as often as its slowest.\n", b / m * 100, hi / lo
    }'
}

# ---------------------------------------------------------------- main

# selected: the daemons to test (LIB_ONLY), in their order.
selected() {
    local d
    for d in "${DAEMONS[@]}"; do [[ " $ONLY " != *" $d "* ]] || echo "$d"; done
}

# backend_for D CONTAINER: haproxy and squid forward to nginx there: its stock unit serves,
# on the daemons' CPU. Left to the scheduler, nginx ran on either CPU from run to run, and
# haproxy's rate went from 7,100 to 10,400 requests/s within a minute.
backend_for() {
    [[ $1 == haproxy || $1 == squid ]] || return 0
    on "$2" use_stock nginx
    on "$2" pin nginx.service "$DAEMON_CPU"
    on "$2" in_ct systemctl restart nginx.service 2>/dev/null
}

main() {
    local d
    setup_host
    boot
    check "daemons installed in the container" install_packages
    check "jharden's package installed in the container" install_jharden
    quiesce
    configure_daemons
    start_twin
    for d in $(selected); do
        backend_for "$d" "$CT"
        run_daemon "$d"
    done
    WHY=""
    if twin_ready; then
        pass "a second copy of the container, for the side-by-side runs"
        MACHINE=$(machine_speed)
        echo "# machine speed (loop turns per 100 ms: p10 median p90 slowest fastest): $MACHINE"
        for d in $(selected); do
            [[ ${R_WORK[$d]} != "not run"* ]] || continue
            backend_for "$d" "$CT"
            backend_for "$d" "$TWIN"
            measure "$d"
        done
    else
        fail "a second copy of the container, for the side-by-side runs" "$WHY"
    fi
    on "$CT" in_ct systemctl stop nginx.service 2>/dev/null
    if [[ $SCOREBOARD != none ]]; then
        write_scoreboard "$SCOREBOARD"
        echo "# scoreboard written to $SCOREBOARD"
    fi
    summary
}

main "$@"
