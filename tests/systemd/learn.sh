#!/bin/bash
# learn.sh — jharden --learn under a real systemd, with Debian's stock units (issue 12, item 4),
# and the table docs/learning.md.
#
# Usage (as root):  tests/systemd/learn.sh [--container DIR] path/to/jharden
#   --container DIR  use a container another script booted with nspawn.sh start DIR (left
#                    running), instead of booting and stopping one of its own
#
# Boots this machine's own OS in a throw-away container (nspawn.sh), installs the daemons
# missing there (Debian's packages, fetched here, installed by apt inside, as library.sh
# does), copies the jharden binary in as /usr/lib/jharden, and for nginx, PostgreSQL 15,
# Redis, memcached, haproxy (to nginx) and unbound, configured as the first proposals advised (a
# file created directly in /run cannot have a mount of its own: nginx's PID file, haproxy's
# master socket and unbound-control's socket move to a directory of each daemon's own, unbound's
# its user's so that it may run as unbound), one at a time:
#   * runs the almost empty policy (below) under `jharden --complain` with the workload, and
#     lifts in it every default deny group the journal says the daemon called;
#   * runs the stock unit and the daemon's client, alternating with the same unit under
#     `jharden --learn FILE POLICY` (stock, learn, learn, stock, stock, learn), where POLICY is
#     almost empty: the [service] section of conf/NAME.conf (what "+" takes away from the
#     unit) and the unit settings of the shipped drop-in (units/), nothing else;
#   * installs the proposal as POLICY.d/50-learned.conf (after the chown it says to run first,
#     where it proposes a user), restarts without --learn, reruns the
#     workload unchanged: it must pass; `jharden --verify` must pass; `jharden --analyze
#     --unit` (the unit with its drop-in) must score at most 2.0 (nginx 1.5); a write outside
#     the learned directories is refused;
#   * --complain with the learned policy less the read_write line of its data or log
#     directory: the journal must show the complain line naming the
#     `read_only = /` line of the proposal.
# One daemon failing does not hide the others. At the end docs/learning.md is written from the
# results (LEARN_TABLE: another path, or "none").
# One PASS/FAIL line per check, then exactly "N passed, M failed"; exits 77 when the container
# cannot load BPF programs.
#
# Environment:
#   LEARN_ONLY        daemons to test (names as below, space-separated); default: all
#   LEARN_BENCH_SECS  seconds of each timed client run (default 3)
#   LEARN_LOGDIR      diagnostics (journals, proposals, apt log); default: a new /tmp directory

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
JHARDEN=${1:-}
CT=""
PASSED=0
FAILED=0
WHY=""
RESULT=""
BENCH_SECS=${LEARN_BENCH_SECS:-3}
LOGDIR=${LEARN_LOGDIR:-}
TABLE=${LEARN_TABLE:-$REPO/docs/learning.md}
DAEMONS=(nginx postgresql redis memcached haproxy unbound)
ONLY=${LEARN_ONLY:-${DAEMONS[*]}}
LEARNDIR=/var/lib/jharden-learn

declare -A UNIT=(
    [nginx]=nginx.service [postgresql]=postgresql@15-main.service
    [redis]=redis-server.service [memcached]=memcached.service
    [haproxy]=haproxy.service [unbound]=unbound.service)
declare -A LIMIT=([nginx]=1.5 [postgresql]=2.0 [redis]=2.0 [memcached]=2.0 [haproxy]=2.0
    [unbound]=2.0)
declare -A CLIENT=(
    [nginx]="curl loop + ab" [postgresql]="pgbench -i, pgbench -T" [redis]="redis-benchmark + BGSAVE"
    [memcached]="set/get loop" [haproxy]="curl + ab through haproxy to nginx"
    [unbound]="dig + DNS query loop")
PACKAGES=(haproxy unbound apache2-utils bind9-dnsutils)

# Results, per daemon: the table's columns.
declare -A R_SCORE R_STOCK R_WORK R_TP_STOCK R_TP_LEARN R_OVERHEAD R_KEPT R_OK R_LIFTED
CUR_OK=1
on_fail() { CUR_OK=0; }

equals() { [[ $1 == "$2" ]] || { WHY="expected '$2', got '$1'"; return 1; }; }

cleanup() {
    if [[ -n $SHARED_CT ]]; then
        unconfigure_daemons
    elif [[ -n $CT ]]; then
        nspawn_stop "$CT" >/dev/null 2>&1
    fi
}

# ---------------------------------------------------------------- set-up

install_packages() { install_debs learn "${PACKAGES[@]}"; }

# haproxy forwards a port to nginx; unbound answers a local name. In a shared container what is
# added here is taken away again at the end (library.sh configures the same daemons its way).
configure_daemons() {
    in_ct sh -c 'grep -q "^frontend jh-learn" /etc/haproxy/haproxy.cfg 2>/dev/null ||
        printf "\nfrontend jh-learn\n\tbind 127.0.0.1:8081\n\tno log\n\tdefault_backend jh-learn-nginx\nbackend jh-learn-nginx\n\tserver n1 127.0.0.1:80\n" >>/etc/haproxy/haproxy.cfg'
    put_file 0644 /etc/unbound/unbound.conf.d/jh-learn.conf <<'EOF'
server:
    local-zone: "bench.test." static
    local-data: "bench.test. A 192.0.2.1"
EOF
    in_ct sh -c 'test ! -d /var/lib/unbound || test -s /var/lib/unbound/root.key ||
        install -o unbound -g unbound -m 0644 /usr/share/dns/root.key /var/lib/unbound/root.key'
    # The first proposal's advice for nginx: its PID file, which Debian puts in /run itself,
    # moves to a directory of its own that systemd makes (RuntimeDirectory=).
    in_ct sh -c 'test ! -f /etc/nginx/nginx.conf ||
        sed -i "s|^pid /run/nginx.pid;\$|pid /run/nginx/nginx.pid;|" /etc/nginx/nginx.conf'
    printf '[Service]\nRuntimeDirectory=nginx\nPIDFile=/run/nginx/nginx.pid\n' |
        put_file 0644 /etc/systemd/system/nginx.service.d/jh-learn-runtime.conf
    # The first proposal's advice for unbound: unbound-control's socket, which Debian puts in /run
    # itself, moves to a directory of its own; and the next one's: that directory is unbound's,
    # so that unbound may run as unbound from the start (tmpfiles.d: RuntimeDirectory= would be
    # root's, the unit having no User=).
    in_ct sh -c 'f=/etc/unbound/unbound.conf.d/remote-control.conf; test ! -f $f ||
        sed -i "s|^\( *control-interface: \)/run/unbound.ctl\$|\1/run/unbound/unbound.ctl|" $f'
    echo 'd /run/unbound 0755 unbound unbound -' | put_file 0644 /etc/tmpfiles.d/jh-learn-unbound.conf
    in_ct sh -c 'getent passwd unbound >/dev/null || exit 0
        systemd-tmpfiles --create /etc/tmpfiles.d/jh-learn-unbound.conf'
    in_ct systemctl daemon-reload
}

unconfigure_daemons() {
    in_ct sh -c 'test ! -f /etc/haproxy/haproxy.cfg ||
        sed -i "/^frontend jh-learn\$/,/^\tserver n1 127.0.0.1:80\$/d" /etc/haproxy/haproxy.cfg'
    in_ct rm -f /etc/unbound/unbound.conf.d/jh-learn.conf \
        /etc/tmpfiles.d/jh-learn-unbound.conf \
        /etc/systemd/system/nginx.service.d/jh-learn-runtime.conf
    in_ct sh -c 'test ! -f /etc/nginx/nginx.conf ||
        sed -i "s|^pid /run/nginx/nginx.pid;\$|pid /run/nginx.pid;|" /etc/nginx/nginx.conf'
    in_ct sh -c 'f=/etc/unbound/unbound.conf.d/remote-control.conf; test ! -f $f ||
        sed -i "s|^\( *control-interface: \)/run/unbound/unbound.ctl\$|\1/run/unbound.ctl|" $f'
    in_ct systemctl daemon-reload
}

# ---------------------------------------------------------------- workloads

# WORK_name: the daemon's client does its job (RESULT: what it saw); BENCH_name: operations
# per second over BENCH_SECS.

curl_loop() {
    local i c
    for i in $(seq 20); do
        c=$(http_code "$1")
        [[ $c == 200 ]] || { RESULT="GET $1 -> $c"; WHY=$RESULT; return 1; }
    done
    RESULT="20 x GET $1 -> 200"
}

WORK_nginx() { curl_loop http://127.0.0.1/; }
BENCH_nginx() { ab_rate -k http://127.0.0.1/; }

pg() { in_ct runuser -u postgres -- "$@"; }
WORK_postgresql() {
    local out
    pg psql -h /run/postgresql -tAqX -c 'DROP DATABASE IF EXISTS jhlearn' >/dev/null 2>&1
    pg psql -h /run/postgresql -tAqX -c 'CREATE DATABASE jhlearn' >/dev/null 2>&1 ||
        { WHY="CREATE DATABASE failed"; return 1; }
    pg /usr/lib/postgresql/15/bin/pgbench -h /run/postgresql -q -i -s 1 jhlearn \
        >>"$LOGDIR/pgbench.log" 2>&1 || { WHY="pgbench -i failed"; return 1; }
    out=$(pg /usr/lib/postgresql/15/bin/pgbench -h /run/postgresql -n -c 2 -T 5 jhlearn 2>&1)
    RESULT="pgbench -T 5: $(sed -n 's/^number of failed transactions: \(.*\)/\1 failed/p' <<<"$out")"
    [[ $out == *"number of failed transactions: 0 "* ]] || { WHY="pgbench: ${out: -200}"; return 1; }
}
BENCH_postgresql() {
    pg /usr/lib/postgresql/15/bin/pgbench -h /run/postgresql -n -c 2 -T "$BENCH_SECS" jhlearn \
        2>/dev/null | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p'
}

redis_raw() { in_ct redis-cli "$@" 2>&1; }
WORK_redis() {
    local out before
    out=$(in_ct redis-benchmark -q -n 20000 -c 10 -t set,get,lpush,incr 2>&1 | tr '\r' '\n' |
        grep -E '^(SET|GET|LPUSH|INCR): ' | grep -vc 'rps=')
    [[ $out -eq 4 ]] || { WHY="redis-benchmark: $out of 4 tests"; return 1; }
    before=$(redis_raw LASTSAVE)
    redis_raw BGSAVE >/dev/null
    wait_until 30 test_lastsave "$before" || { WHY="BGSAVE did not complete"; return 1; }
    RESULT="redis-benchmark 4 tests, BGSAVE done"
}
test_lastsave() { [[ $(redis_raw LASTSAVE) != "$1" ]]; }
BENCH_redis() {
    in_ct redis-benchmark -t get -n $((BENCH_SECS * 30000)) -c 8 --csv 2>/dev/null |
        sed -n 's/^"GET","\([0-9.]*\)".*/\1/p'
}

WORK_memcached() {
    local r
    r=$(in_ct python3 -c '
import socket
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
    RESULT="2000 set+get"
    [[ $r == mc-ok ]] || { WHY=$r; return 1; }
}
BENCH_memcached() {
    in_ct python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", 11211), timeout=10)
f = s.makefile("rwb")
n, end, t0 = 0, time.monotonic() + float(sys.argv[1]), time.monotonic()
while time.monotonic() < end:
    f.write(b"set k 0 0 1\r\nx\r\nget k\r\n"); f.flush()
    f.readline(); f.readline(); f.readline(); f.readline()
    n += 1
print("%.1f" % (n / (time.monotonic() - t0)))' "$BENCH_SECS" 2>/dev/null
}

WORK_haproxy() { curl_loop http://127.0.0.1:8081/; }
BENCH_haproxy() { ab_rate http://127.0.0.1:8081/; }

WORK_unbound() {
    local out
    out=$(in_ct dig +short +time=2 +tries=1 @127.0.0.1 bench.test A 2>&1)
    RESULT="dig bench.test -> $out"
    [[ $out == 192.0.2.1 ]] || { WHY=$RESULT; return 1; }
}
BENCH_unbound() { dns_rate; }

# ---------------------------------------------------------------- one daemon

learned_of() { echo "$LEARNDIR/$1.learned"; }
dropin_of() { echo "/etc/systemd/system/${UNIT[$1]}.d/jharden.conf"; }

# The almost empty policy: what "+" takes away from the stock unit, nothing else: the
# [service] section of conf/NAME.conf (the user pg_ctlcluster or User= switches to), less the
# user where the daemon starts as root and switches its workers itself (nginx, unbound).
declare -A SWITCHES_ITSELF=([nginx]=1 [unbound]=1)
# What an administrator changes after the first proposal's advice ("give the daemon a directory
# of its own"): haproxy's master socket and PID file go from /run itself, which is never made
# writable, to /run/haproxy (Debian's tmpfiles.d makes it, for the stats socket).
declare -A ADVICE=(
    [haproxy]='s|-p /run/haproxy.pid -S /run/haproxy-master.sock|-p /run/haproxy/haproxy.pid -S /run/haproxy/master.sock|')
write_policy() {
    sed -n '/^\[service\]/,/^\[/{/^\[service\]/p;/^\[/!p}' "$REPO/conf/$1.conf" |
        grep -vE '^#|^$' |
        { if [[ -n ${SWITCHES_ITSELF[$1]:-} ]]; then grep -vE '^(user|group) ='; else cat; fi; } |
        sed "${ADVICE[$1]:-}" |
        put_file 0644 "/etc/jharden/$1.conf"
}

# The step before learning (jharden.conf(5), "Writing a policy"): run the almost empty policy
# under --complain with the workload; every default deny group the daemon called is lifted in
# the starting policy (haproxy's chroot is in @mount), or learning would start from a daemon that
# cannot work. LIFTED: the groups.
LIFTED=""
lift_defaults() {
    local d=$1 c groups
    use "$d" complain
    c=$(cursor)
    up "$d" >/dev/null 2>&1 || { WHY="does not start under --complain: $WHY"; return 1; }
    stop_unit "${UNIT[$d]}" >/dev/null 2>&1
    groups=$(in_ct journalctl --no-pager -o cat --after-cursor="$c" 2>/dev/null |
        sed -n 's/^jharden: complain: .*: refused by (default deny \(@[a-z-]*\))$/\1/p' | sort -u |
        tr '\n' ' ')
    LIFTED=${groups% }
    [[ -z $LIFTED ]] && return 0
    printf '[seccomp]\ndeny =%s\n' "$(printf ' !%s' $LIFTED)" |
        in_ct tee -a "/etc/jharden/$d.conf" >/dev/null
}

# use stock|learn|enforce|complain: the unit as Debian ships it, or with the shipped drop-in's
# settings and jharden in ExecStart= (learning, enforcing, complaining).
use() {
    local d=$1 mode=$2 f
    f=$(dropin_of "$d")
    if [[ $mode == stock ]]; then
        in_ct rm -f "$f"
    else
        local flags=""
        [[ $mode == learn ]] && flags="--learn $(learned_of "$d") "
        [[ $mode == complain ]] && flags="--complain "
        sed "s|^ExecStart=+/usr/lib/jharden |ExecStart=+/usr/lib/jharden $flags|" \
            "$REPO/units/${UNIT[$d]}.d/jharden.conf" | put_file 0644 "$f"
        # The drop-ins' own KillMode= stays (PostgreSQL's is mixed): the observer writes its
        # file when the main process is asked to stop, before systemd kills the rest.
        printf 'TimeoutStopSec=120\n' | in_ct tee -a "$f" >/dev/null
    fi
    in_ct systemctl daemon-reload
}

start_unit() {
    in_ct timeout 120 systemctl restart "$1" ||
        { WHY="$(prop "$1" Result) $(prop "$1" ExecMainStatus)"; return 1; }
}
stop_unit() { in_ct timeout 150 systemctl stop "$1"; }

# Up and serving: the workload's first check, retried while the daemon starts.
up() {
    local d=$1
    start_unit "${UNIT[$d]}" || return 1
    wait_until 30 "WORK_$d" >/dev/null 2>&1 || "WORK_$d"
}

# After a learning run: the observer's last write (it holds FILE.lock until then).
learned_written() {
    local f
    f=$(learned_of "$1")
    in_ct timeout 30 flock "$f.lock" true && in_ct test -s "$f" || { WHY="no $f"; return 1; }
}

# One timed client run in a mode; prints ops/s.
bench_in() {
    local d=$1 mode=$2 r
    use "$d" "$mode"
    up "$d" >/dev/null 2>&1 || { echo "?"; return; }
    r=$("BENCH_$d")
    stop_unit "${UNIT[$d]}" >/dev/null 2>&1
    [[ $mode == learn ]] && learned_written "$d" >/dev/null 2>&1
    echo "${r:-?}"
}

verify_ok() {
    in_ct /usr/lib/jharden --verify "$1.conf" >"$LOGDIR/$1.verify" 2>&1 ||
        { WHY="$(grep -c '^FAIL' "$LOGDIR/$1.verify") rows fail, see $LOGDIR/$1.verify"; return 1; }
}

score_within() {
    local s=$1 max=$2
    [[ -n $s ]] || { WHY="no score"; return 1; }
    awk -v s="$s" -v m="$max" 'BEGIN { exit !(s <= m) }' || { WHY="$s > $max"; return 1; }
}

# What a proposal with a user says to do before the first start as that user: the files root made
# while learning that the user must own (haproxy's sockets and PID file in /run/haproxy). Only
# the command the proposal writes, with its words checked.
before_first_start() {
    local fix
    while IFS= read -r fix; do
        echo "#   before the first start: $fix"
        in_ct sh -c "$fix"
    done < <(sed -z 's/\n#   / /g' <<<"$1" |
        grep -oE 'chown -h [A-Za-z0-9._-]+ --( /[A-Za-z0-9/._@+,~%=-]+)+')
}

# user_of D TEXT: the user daemon D runs as under its policy with the proposal TEXT (empty: root).
user_of() {
    { in_ct cat "/etc/jharden/$1.conf"; echo "$2"; } | sed -n 's/^user = //p' | tail -1
}

# What the proposal kept: "user; capabilities; writable; families".
kept_of() {
    local text=$1 user caps rw fam
    user=$(user_of "$2" "$text")
    caps=$(sed -n 's/^keep = \(.\)/\1/p' <<<"$text" | tr '\n' ' ')
    rw=$(sed -n 's/^\(read_write\|tmpfs\) = \(.*\)/\2/p' <<<"$text" | sed 's/:.*//' |
        awk 'NR <= 4 { printf "%s ", $0 } END { if (NR > 4) printf "and %d more ", NR - 4 }')
    fam=$(sed -n 's/^address_families = \(.\)/\1/p' <<<"$text" | tr '\n' ' ')
    echo "${user:-root} | ${caps% } | ${rw% } | ${fam% }"
}

# A write outside the learned directories is refused; inside the first one, allowed. Inside,
# the probe writes as the daemon does: as the user of the policy or its proposal, or else as the
# directory's owner (a daemon that starts as root and switches to its own user keeps no
# CAP_DAC_OVERRIDE to write there as root; it keeps CAP_SETUID and CAP_SETGID to switch, which
# setpriv uses).
write_elsewhere_refused() {
    local d=$1 inside r
    inside=$(sed -n 's/^read_write = -\{0,1\}\(.*\)/\1/p' <<<"$2" | head -1)
    r=$(in_ct /usr/lib/jharden "$d.conf" -- /bin/sh -c \
        'touch /var/lib/jharden-learn-outside 2>&1; echo outside-done' 2>&1)
    [[ $r == *"Read-only file system"* ]] || { WHY="outside: $r"; return 1; }
    [[ -n $inside ]] && in_ct test -d "$inside" || return 0
    # The owner is read outside: the probe's shell must not need more than the daemon did (a
    # command substitution needs pipe(2), which is in @ipc, denied when the daemon never used it).
    local owner as="" user file probe
    owner=$(in_ct stat -c '%u %g' "$inside")
    user=$(user_of "$d" "$2")
    [[ -n $user || $owner == "0 "* ]] ||
        as="setpriv --reuid=${owner% *} --regid=${owner#* } --clear-groups"
    probe="$as touch $inside/jh-learn-probe && $as rm -f $inside/jh-learn-probe"
    # A user the proposal runs the daemon as may not create names in its log directory (root's,
    # nginx's /var/log/nginx): it opens its own file there for writing instead.
    if [[ -n $user ]] && ! in_ct runuser -u "$user" -- test -w "$inside"; then
        file=$(in_ct find "$inside" -maxdepth 1 -type f -user "$user" -print -quit)
        [[ -n $file ]] || { WHY="inside $inside: nothing of $user's to write"; return 1; }
        probe=": >>$file"
    fi
    r=$(in_ct /usr/lib/jharden "$d.conf" -- /bin/sh -c "$probe && echo inside-ok" 2>&1)
    [[ $r == *inside-ok* ]] || { WHY="inside $inside: $r"; return 1; }
}

# --complain with its data or log directory's read_write line removed: the journal names
# the read_only = / line of the proposal.
complain_names_line() {
    local d=$1 text=$2 rw conf=/etc/jharden/$d.conf.d/50-learned.conf line c
    # Its data or log directory: the first read_write line of a directory under /var, else the
    # first one.
    rw=$(grep -m1 '^read_write = /var/' <<<"$text" || grep -m1 '^read_write = ' <<<"$text")
    [[ -n $rw ]] || { WHY="the proposal has no read_write line to remove"; return 1; }
    line=$(grep -n '^read_only = /$' <<<"$text" | head -1 | cut -d: -f1)
    [[ -n $line ]] || { WHY="no read_only = / line"; return 1; }
    in_ct sed -i "\\|^${rw}\$|d" "$conf"
    use "$d" complain
    c=$(cursor)
    start_unit "${UNIT[$d]}" >/dev/null 2>&1
    "WORK_$d" >/dev/null 2>&1
    sleep 1
    stop_unit "${UNIT[$d]}" >/dev/null 2>&1
    local j
    j=$(in_ct journalctl --no-pager -o cat --after-cursor="$c" 2>/dev/null | grep 'jharden: complain:')
    echo "$j" | head -3 | sed 's/^/#   /'
    grep -qF "$conf:$line (read_only = /)" <<<"$j" ||
        { WHY="no complain line naming $conf:$line (removed: $rw)"; return 1; }
}

run_daemon() {
    local d=$1 u=${UNIT[$1]} text s i learned mode
    local -a tp_stock=() tp_learn=()
    CUR_OK=1
    learned=$(learned_of "$d")
    echo "# ---- $d ($u)"
    stop_unit "$u" 2>/dev/null
    in_ct rm -rf "$learned" "$learned.json" "/etc/jharden/$d.conf.d"
    # haproxy's backend: nginx under its stock unit.
    [[ $d != haproxy ]] || in_ct systemctl restart nginx.service
    check "$d: policy almost empty" write_policy "$d"
    R_STOCK[$d]=$(in_ct systemd-analyze security "$u" 2>&1 | score_of)
    use "$d" stock
    check "$d: stock unit runs its workload" up "$d"
    stop_unit "$u"
    check "$d: --complain names the default deny groups it needs lifted" lift_defaults "$d"
    echo "# $d: lifted before learning: ${LIFTED:-nothing}"
    R_LIFTED[$d]=${LIFTED:-}
    use "$d" learn
    check "$d: starts under --learn, workload passes" up "$d"
    stop_unit "$u"
    check "$d: the proposal is written when the service stops" learned_written "$d"
    # Learning overhead: alternating, the learning runs adding to the record.
    for mode in stock learn learn stock stock learn; do
        if [[ $mode == stock ]]; then tp_stock+=("$(bench_in "$d" stock)"); else tp_learn+=("$(bench_in "$d" learn)"); fi
    done
    R_TP_STOCK[$d]=$(median "${tp_stock[@]}")
    R_TP_LEARN[$d]=$(median "${tp_learn[@]}")
    echo "# $d: ops/s stock ${tp_stock[*]}, learning ${tp_learn[*]}"
    R_OVERHEAD[$d]=$(awk -v a="${R_TP_STOCK[$d]}" -v b="${R_TP_LEARN[$d]}" \
        'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && a > 0 && b > 0) printf "%.2fx", a / b; else print "?" }')
    text=$(in_ct cat "$learned" 2>/dev/null)
    in_ct cat "$learned" >"$LOGDIR/$d.learned" 2>/dev/null
    echo "$text" | grep -vE '^#|^$|^deny' | sed 's/^/#   /'
    check "$d: proposal: / read-only" grep -q '^read_only = /$' <<<"$text"
    in_ct install -D -m 0644 "$learned" "/etc/jharden/$d.conf.d/50-learned.conf"
    before_first_start "$text"
    use "$d" enforce
    check "$d: policy with the proposal: --check" in_ct /usr/lib/jharden --check "$d.conf"
    RESULT=""
    check "$d: workload passes unchanged under the proposal" up "$d"
    R_WORK[$d]=${RESULT:-did not run}
    check "$d: --verify passes" verify_ok "$d"
    s=$(in_ct /usr/lib/jharden --analyze --unit "$u" 2>&1 | score_of)
    R_SCORE[$d]=${s:-?}
    echo "# $d: --analyze --unit: ${s:-?} (stock unit: ${R_STOCK[$d]:-?})"
    check "$d: --analyze --unit scores at most ${LIMIT[$d]}" score_within "$s" "${LIMIT[$d]}"
    # While the unit runs: systemd removes a RuntimeDirectory= at the stop (unbound's).
    check "$d: a write outside the learned directories is refused" write_elsewhere_refused "$d" "$text"
    stop_unit "$u"
    R_KEPT[$d]=$(kept_of "$text" "$d")
    check "$d: --complain names the read_only = / line for its directory left read-only" \
        complain_names_line "$d" "$text"
    stop_unit "$u" 2>/dev/null
    in_ct rm -rf "$(dropin_of "$d")" "/etc/jharden/$d.conf" "/etc/jharden/$d.conf.d"
    in_ct systemctl daemon-reload
    in_ct systemctl reset-failed 2>/dev/null
    [[ $d != haproxy ]] || in_ct systemctl stop nginx.service
    R_OK[$d]=$CUR_OK
}

# ---------------------------------------------------------------- the table

write_table() {
    local f=$1 d sysd
    sysd=$(in_ct systemctl --version | head -1)
    {
        echo "# Learning on real daemons"
        echo
        echo "Generated by \`tests/systemd/learn.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') (do not edit by"
        echo "hand): Debian 12 in a systemd-nspawn container, $sysd, kernel $(uname -r), $(nproc)"
        echo "CPUs shared with the test itself. Each daemon runs from Debian's stock unit with the"
        echo "unit settings of jharden's drop-in (\`units/\`) and an almost empty policy (only the"
        echo "[service] section of \`conf/\`), first under \`jharden --complain\` (the default deny groups"
        echo "it calls are lifted: **lifted**), then under \`jharden --learn\`, then under the proposal."
        echo "haproxy's master socket and PID file are moved from /run itself to /run/haproxy, nginx's"
        echo "PID file to /run/nginx (RuntimeDirectory=) and unbound-control's socket to /run/unbound"
        echo "(tmpfiles.d, unbound's), as the first proposals advised (a file created directly in /run"
        echo "cannot be given a mount of its own; a daemon runs as its own user only where that user"
        echo "may write). Where a proposal names files root made while learning, they are given to the"
        echo "daemon's user before the first start under it, with the command the proposal gives."
        echo
        echo "* **learned**: \`jharden --analyze --unit UNIT\` with the proposal installed; **stock**:"
        echo "  \`systemd-analyze security UNIT\` of Debian's unit. Lower is better; 10 is unconfined."
        echo "* **workload**: the client's run, unchanged, under the proposal."
        echo "* **overhead**: the client's operations per second under the stock unit divided by"
        echo "  those under \`--learn\`, medians of 3 runs of ${BENCH_SECS} s, alternating."
        echo "* **kept**: the user, the bounding set, the writable places and the address families of"
        echo "  the proposal."
        echo
        echo "| daemon | lifted | learned | stock | workload | stock ops/s | learning ops/s | overhead | user | capabilities | writable | address families | test |"
        echo "|---|---|---:|---:|---|---:|---:|---:|---|---|---|---|---|"
        for d in "${DAEMONS[@]}"; do
            [[ " $ONLY " == *" $d "* ]] || continue
            echo "| $d | ${R_LIFTED[$d]:--} | ${R_SCORE[$d]:-?} | ${R_STOCK[$d]:-?} | ${CLIENT[$d]}: ${R_WORK[$d]:-?} | ${R_TP_STOCK[$d]:-?} | ${R_TP_LEARN[$d]:-?} | ${R_OVERHEAD[$d]:-?} | ${R_KEPT[$d]:-? | ? | ? | ?} | $([[ ${R_OK[$d]:-0} == 1 ]] && echo pass || echo FAIL) |"
        done
        echo
        echo "Why these were kept: the writable places are the directories the daemon created,"
        echo "removed or renamed entries in, or opened files for writing in, coarsened to its own"
        echo "directory under /var/lib, /var/log, /run...; the address families are those its"
        echo "socket() calls used; the capabilities are those its successful privileged calls"
        echo "needed (this kernel refuses the BPF trampoline on cap_capable, so they are inferred:"
        echo "setuid/setgid families, bind below port 1024, chown, signals to other processes),"
        echo "plus the file-access ones (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER), which no"
        echo "call reveals, where the kernel's cap_capable tracepoint saw one of their checks"
        echo "succeed. Each proposal says so line by line."
        echo "nginx, haproxy and unbound start as root and switch to their own user themselves: the"
        echo "proposal runs them as that user from the start (**user**), since that user may write"
        echo "every place they wrote, without CAP_SETUID, CAP_SETGID and the file-access capabilities"
        echo "root used on that user's files, and with the supplementary groups they had when they"
        echo "switched. What they keep is then ambient, held by all their processes: haproxy's"
        echo "proposal warns that its workers keep CAP_SYS_CHROOT, with which a process leaves the"
        echo "chroot they are confined to (the shipped haproxy.conf keeps its master root for that"
        echo "reason). memcached too switches, but Debian's wrapper script runs it, and a program"
        echo "that executes another may insist on root (this one does): its proposal keeps root and"
        echo "says why. What the daemon read as root that its user may not cannot be seen; the run"
        echo "under the proposal shows it did not need to."
        echo "The overhead depends on the daemon's system calls per operation; on a shared 2-CPU"
        echo "machine a few percent either way is noise."
    } >"$f"
}

# ---------------------------------------------------------------- main

main() {
    if [[ $EUID -ne 0 || -z $JHARDEN || ! -x $JHARDEN ]]; then
        echo "usage: $0 [--container DIR] path/to/jharden (as root)" >&2
        exit 2
    fi
    [[ -n $LOGDIR ]] || LOGDIR=$(mktemp -d /tmp/jharden-learn-logs.XXXXXX)
    mkdir -p "$LOGDIR"
    echo "# diagnostics in $LOGDIR"
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
    check "packages installed in the container" install_packages
    configure_daemons
    in_ct mkdir -p "$LEARNDIR"
    local d
    for d in "${DAEMONS[@]}"; do in_ct systemctl stop "${UNIT[$d]}" 2>/dev/null; done
    # Whether BPF works in here at all.
    printf '[service]\n' | put_file 0644 /etc/jharden/jh-learn-probe.conf
    in_ct /usr/lib/jharden --learn /tmp/jh-learn-probe.learned jh-learn-probe.conf -- /bin/true \
        >/dev/null 2>"$LOGDIR/probe.err"
    in_ct rm -f /etc/jharden/jh-learn-probe.conf
    if grep -q "cannot observe" "$LOGDIR/probe.err"; then
        echo "SKIP: the container cannot load BPF programs"
        exit 77
    fi
    for d in "${DAEMONS[@]}"; do
        [[ " $ONLY " == *" $d "* ]] || continue
        run_daemon "$d"
    done
    if [[ $TABLE != none ]]; then
        write_table "$TABLE"
        echo "# table written to $TABLE"
        cat "$TABLE" | grep '^|' | sed 's/^/# /'
    fi
    summary
}

main "$@"
