#!/usr/bin/env bash
# bench/learn_pgbench.sh - what `jharden --learn` costs a daemon under load (bench/run.sh, 5).
#
# Usage (as root): learn_pgbench.sh JHARDEN POLICY_DIR ROUNDS SECONDS OUT
#
# A PostgreSQL cluster of its own (initdb in a fresh directory under /var/lib, a Unix socket
# only, port 5499), pgbench's tables (scale 2), then ROUNDS rounds of `pgbench -S` (select
# only, 4 clients, 2 threads, SECONDS s each) against postgres started three ways, the order
# rotated every round:
#   plain    postgres as the postgres user (setpriv), no sandbox;
#   jharden  postgres under jharden with POLICY_DIR/bench-pg.conf (the baseline, the
#            cluster's directory writable, user = postgres), notify = none;
#   learn    the same under `jharden --learn FILE`: the observer (BPF) records every call.
# Writes "VARIANT ROUND TPS" lines to OUT and the learned drop-in's header to OUT.learned;
# without PostgreSQL 15's server and pgbench, only OUT.skipped with the reason.
set -uo pipefail

J=$1 POL=$2 ROUNDS=$3 SECS=$4 OUT=$5
PGBIN=/usr/lib/postgresql/15/bin
PORT=5499
if [[ ! -x $PGBIN/postgres || ! -x $PGBIN/initdb ]] || ! command -v pgbench >/dev/null ||
    ! id postgres >/dev/null 2>&1; then
    echo "PostgreSQL 15 (postgresql-15, its pgbench and the postgres user) is not installed" \
        >"$OUT.skipped"
    exit 0
fi

D=$(mktemp -d /var/lib/jharden-bench-learn.XXXXXX)
PID=""
stop() {
    [[ -n $PID ]] || return 0
    kill -INT "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    PID=""
}
trap 'stop; rm -rf --one-file-system -- "$D"' EXIT
chmod 0755 "$D"
mkdir -p "$D/data" "$D/run"
chown postgres:postgres "$D/data" "$D/run"
AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups)
as_postgres() { "${AS_POSTGRES[@]}" "$@"; }
as_postgres "$PGBIN/initdb" -D "$D/data" -A trust >"$D/initdb.log" 2>&1 ||
    { echo "initdb failed: $(tail -1 "$D/initdb.log")" >"$OUT.skipped"; exit 0; }
printf '# PostgreSQL for bench/learn_pgbench.sh\n[service]\nuser = postgres\n' >"$POL/bench-pg.conf"
printf '[filesystem]\nread_only = /\nread_write = %s\n' "$D" >>"$POL/bench-pg.conf"
chmod 0644 "$POL/bench-pg.conf"
PG=("$PGBIN/postgres" -D "$D/data" -k "$D/run" -p "$PORT" -c "listen_addresses=")

# start VARIANT: postgres in the background, once it accepts connections.
start() {
    case $1 in
        # Not the function, which would run in a subshell: PID must be the process that
        # execs postgres.
        plain) "${AS_POSTGRES[@]}" "${PG[@]}" >>"$D/postgres.log" 2>&1 & ;;
        jharden) "$J" "$POL/bench-pg.conf" -- "${PG[@]}" >>"$D/postgres.log" 2>&1 & ;;
        learn) "$J" --learn "$D/learned.conf" "$POL/bench-pg.conf" -- "${PG[@]}" \
            >>"$D/postgres.log" 2>&1 & ;;
    esac
    PID=$!
    local i
    for ((i = 0; i < 300; i++)); do
        as_postgres "$PGBIN/pg_isready" -q -h "$D/run" -p "$PORT" && return 0
        sleep 0.1
    done
    echo "run.sh: postgres ($1) did not start: $(tail -1 "$D/postgres.log")" >&2
    stop
    return 1
}

start plain || exit 1
as_postgres pgbench -h "$D/run" -p "$PORT" -i -s 2 -q postgres >"$D/pgbench-init.log" 2>&1
stop
variants=(plain jharden learn)
: >"$OUT"
for ((r = 0; r < ROUNDS; r++)); do
    for ((k = 0; k < ${#variants[@]}; k++)); do
        v=${variants[(k + r) % ${#variants[@]}]}
        start "$v" || continue
        tps=$(as_postgres pgbench -h "$D/run" -p "$PORT" -n -S -c 4 -j 2 -T "$SECS" postgres \
            2>/dev/null | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p')
        stop
        [[ -n $tps ]] && echo "$v $r $tps" >>"$OUT"
    done
done
head -1 "$D/learned.conf" >"$OUT.learned" 2>/dev/null
exit 0
