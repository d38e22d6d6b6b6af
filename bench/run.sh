#!/usr/bin/env bash
# bench/run.sh - jharden's benchmark harness (run on demand, not part of the tests).
#
# On a fresh Debian 12, as root, from the repository:
#   bash bench/run.sh
#
# Installs what it needs (tests/setup-deps.sh, plus valgrind and perf), builds jharden in
# build-bench/, then measures on this machine, in one run:
#   1. start-up time (hyperfine, medians and spreads) and peak RSS (bench/maxrss.py)
#      of /bin/true, the namespace floors (`unshare -m`; with a PID namespace; with
#      nginx.conf's namespaces), jharden with five policies, an equivalent bwrap
#      (with and without a PID namespace) and an equivalent firejail, with the mount
#      table grown by 0, 100, 1000 and 5000 mounts (in a private mount namespace: the
#      host never sees them);
#   2. the cost of jharden's seccomp filter on a getppid() loop, against no filter and
#      against the smallest filter there is;
#   3. instruction counts (perf stat when the CPU counters are available,
#      callgrind otherwise), and where a start's CPU time goes, by kind of kernel work
#      (perf's software clock, bench/profile_start.py);
#   4. `systemctl start` latency of nginx (and of PostgreSQL when it is installed):
#      stock, with systemd's own sandboxing, and through jharden's drop-in, under a
#      real systemd (this machine's OS booted in systemd-nspawn by
#      tests/systemd/nspawn.sh);
#   5. what `jharden --learn` costs PostgreSQL under pgbench (bench/learn_pgbench.sh), against
#      postgres alone and under jharden without --learn;
# and writes docs/performance.md (tables, machine, commands) with gnuplot plots in
# bench/results/, then prints a headline table.
#
# Environment:
#   BENCH_QUICK=1          short mode for developing the harness (few runs; the
#                          report says QUICK and its numbers mean little)
#   BENCH_LEVELS           extra mount counts ("0 100 1000 5000")
#   BENCH_ROUNDS, BENCH_RUNS, BENCH_WARMUP
#                          hyperfine rounds, runs per round, warm-up runs per round
#                          (5, 8, 1; quick: 1, 5, 1)
#   BENCH_RUNS_BIG         runs per round from 5000 extra mounts on (5; quick: 5)
#   BENCH_RSS_RUNS         runs of maxrss.py per command and level (10; quick: 3)
#   BENCH_LOOP_CALLS, BENCH_LOOP_ROUNDS
#                          getppid() calls per run and rounds of the seccomp test
#                          (300000, 25; quick: 200000, 3)
#   BENCH_PROFILE_RUNS     starts of each command profiled with perf (300; quick: 50)
#   BENCH_SYSTEMD_ROUNDS, BENCH_SYSTEMD_PER_ROUND, BENCH_SYSTEMD_WARMUP
#                          (5, 5, 2: 25 timed starts per unit; quick: 1, 3, 1)
#   BENCH_PG_ROUNDS, BENCH_PG_PER_ROUND, BENCH_PG_WARMUP, BENCH_PG_TIMEOUT
#                          the same for PostgreSQL (3, 3, 1; quick: 1, 3, 1), and
#                          the seconds its part may take at most (300)
#   BENCH_LEARN_ROUNDS, BENCH_LEARN_SECS
#                          rounds of the --learn benchmark and seconds of each pgbench
#                          run (5, 3; quick: 1, 2)
#   BENCH_SKIP_DEPS=1      do not run tests/setup-deps.sh
#   BENCH_SKIP_SYSTEMD=1   leave out the systemd part
#   BENCH_BUILD_DIR        build directory (build-bench/ in the repository)
#   BENCH_DOC              the report (docs/performance.md)
# Raw results stay in BUILD/bench-results; the work files in BUILD/bench-work.
set -euo pipefail

REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=$REPO/bench
BUILD=${BENCH_BUILD_DIR:-$REPO/build-bench}
WORK=$BUILD/bench-work
RESULTS=$BUILD/bench-results
PLOTS=$BENCH_DIR/results
DOC=${BENCH_DOC:-$REPO/docs/performance.md}
PY=/usr/bin/python3
QUICK=${BENCH_QUICK:-0}
[[ $QUICK == 0 || $QUICK == 1 ]] || { echo "run.sh: BENCH_QUICK must be 0 or 1" >&2; exit 2; }

if ((QUICK)); then d_rounds=1 d_runs=5 d_big=5 d_warm=1 d_rss=3 d_calls=200000 d_lrounds=3 d_sr=1 d_sp=3 d_sw=1
else d_rounds=5 d_runs=8 d_big=5 d_warm=1 d_rss=10 d_calls=300000 d_lrounds=25 d_sr=5 d_sp=5 d_sw=2; fi
LEVELS=${BENCH_LEVELS:-0 100 1000 5000}
export BENCH_ROUNDS=${BENCH_ROUNDS:-$d_rounds} BENCH_RUNS=${BENCH_RUNS:-$d_runs}
export BENCH_WARMUP=${BENCH_WARMUP:-$d_warm} BENCH_RSS_RUNS=${BENCH_RSS_RUNS:-$d_rss}
# At 5000 extra mounts and more, bwrap takes seconds per run: fewer runs per round there.
export BENCH_RUNS_BIG=${BENCH_RUNS_BIG:-$d_big}
LOOP_CALLS=${BENCH_LOOP_CALLS:-$d_calls} LOOP_ROUNDS=${BENCH_LOOP_ROUNDS:-$d_lrounds}
PROFILE_RUNS=${BENCH_PROFILE_RUNS:-$((QUICK ? 50 : 300))}
SD_ROUNDS=${BENCH_SYSTEMD_ROUNDS:-$d_sr} SD_PER=${BENCH_SYSTEMD_PER_ROUND:-$d_sp}
SD_WARM=${BENCH_SYSTEMD_WARMUP:-$d_sw}
# PostgreSQL starts take longer: fewer of them, and the whole part bounded.
PG_ROUNDS=${BENCH_PG_ROUNDS:-$((d_sr < 3 ? d_sr : 3))} PG_PER=${BENCH_PG_PER_ROUND:-3}
PG_WARM=${BENCH_PG_WARMUP:-1} PG_TIMEOUT=${BENCH_PG_TIMEOUT:-300}
LEARN_ROUNDS=${BENCH_LEARN_ROUNDS:-$((QUICK ? 1 : 5))} LEARN_SECS=${BENCH_LEARN_SECS:-$((QUICK ? 2 : 3))}

say() { printf '\n== %s\n' "$*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }

[[ $EUID -eq 0 ]] || die "must run as root (namespaces, mounts, systemd-nspawn)"
started=$(date -u +%s)

# ---------------------------------------------------------------- dependencies
if [[ ${BENCH_SKIP_DEPS:-0} != 1 ]]; then
    say "dependencies (tests/setup-deps.sh)"
    bash "$REPO/tests/setup-deps.sh"
    # Instruction counts: valgrind (callgrind) when perf has no CPU counters.
    if ! command -v valgrind >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind ||
            echo "run.sh: valgrind not installed; no instruction counts" >&2
    fi
    # Where a start's CPU time goes: perf's software clock (bench/profile_start.py).
    if ! command -v perf >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-perf ||
            echo "run.sh: linux-perf not installed; no profile of a start" >&2
    fi
fi
for t in hyperfine bwrap firejail gnuplot cmake ninja gcc unshare "$PY"; do
    command -v "$t" >/dev/null || die "$t not found (run tests/setup-deps.sh)"
done

# ---------------------------------------------------------------- build
say "build (jharden in $BUILD, helpers in $BUILD/bench-bin)"
cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJHARDEN_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target jharden
J=$BUILD/src/jharden
B=$BUILD/bench-bin
mkdir -p "$B"
gcc -O2 -Wall -Wextra -o "$B/getppid-loop" "$BENCH_DIR/getppid_loop.c"
gcc -O2 -Wall -Wextra -static -o "$B/with-fd" "$BENCH_DIR/with_fd.c"
gcc -O2 -Wall -Wextra -o "$B/seccomp-bpf" "$BENCH_DIR/seccomp_bpf.c" -lseccomp
gcc -O2 -Wall -Wextra -shared -fPIC -o "$B/execve-smaps.so" "$BENCH_DIR/execve_smaps.c" -ldl
gcc -O2 -Wall -Wextra -I"$REPO/src" -o "$B/content-floor" "$BENCH_DIR/content_floor.c"
# The seccomp filter alone, as jharden makes it at every start (bench/filter_cost.cc).
# shellcheck disable=SC2046 # the libraries' flags are split on purpose
g++ -std=c++20 -O2 -g -Wall -Wextra -D_GNU_SOURCE -I"$REPO/src" -o "$B/filter-cost" \
    "$BENCH_DIR/filter_cost.cc" "$BUILD/src/libjharden_core.a" \
    "$BUILD/src/libjharden_seccomp_programs.a" \
    $(pkg-config --libs inih libseccomp libcap) -ldl ||
    echo "run.sh: bench/filter_cost.cc did not build: no instruction counts of the filter" >&2

# ---------------------------------------------------------------- work files
say "work files ($WORK)"
rm -rf --one-file-system -- "$WORK" "$RESULTS"
mkdir -p "$WORK/policies" "$WORK/mnt" "$RESULTS" "$PLOTS"
chmod 0755 "$WORK" "$WORK/policies"
P=$WORK/policies
# Policies must be root-owned and not group/other-writable (jharden refuses others).
install -m 0644 "$REPO/conf/empty.conf" "$P/empty.conf"
install -m 0644 "$REPO/conf/nginx.conf" "$P/nginx.conf"
head -c 64 /dev/urandom >"$WORK/secret.key"
chmod 0600 "$WORK/secret.key"
printf '# baseline plus one secret\n[secrets]\nbench.key = %s\n' "$WORK/secret.key" >"$P/secret.conf"
printf '# the same secret, its source left visible\n[secrets]\nhide_sources = no\nbench.key = %s\n' \
    "$WORK/secret.key" >"$P/secret-nohide.conf"
printf '# the secret plus a PID namespace\n[secrets]\nbench.key = %s\n[namespaces]\npid = yes\n' \
    "$WORK/secret.key" >"$P/pid.conf"
printf '# baseline with an empty deny list for every ABI\n[seccomp]\ndeny =\nnative_only = no\n' \
    >"$P/noseccomp.conf"
chmod 0644 "$P"/*.conf
for pol in empty secret secret-nohide pid nginx noseccomp; do
    "$J" --check "$P/$pol.conf" || die "policy $pol.conf does not pass jharden --check"
done
# Does a secret work with the default hide_sources = yes? (When it does not, the report
# falls back to the hide_sources = no row for the targets, and the systemd unit too.)
if "$J" "$P/secret.conf" -- /bin/true 2>"$WORK/secret-error.txt"; then
    SECRET_HIDE=yes
else
    SECRET_HIDE=no
    echo "run.sh: warning: jharden fails with a secret and hide_sources = yes:" \
        "$(cat "$WORK/secret-error.txt")" >&2
fi

# The sandbox of secret.conf (and pid.conf) made by bench/content_floor.c with jharden's
# system calls and nothing else: it loads the program jharden loads for the policy
# (filter-cost writes it), and it is measured only when its command sees what jharden's does:
# the mount table (each mount's root, point, options, propagation, type, source and
# filesystem options), its own and PID 1's capabilities, no_new_privs and seccomp mode, PID
# 1's descriptors and environment, where Landlock lets it create a directory, its own
# descriptors, session, umask, signals and CPUs. Both run with a descriptor to leave behind
# and signals ignored, for them to reset.
# shellcheck disable=SC2016 # the probe's and awk's expansions are theirs, not this shell's
CONTENT_PROBE='cat /proc/self/mountinfo || echo no mount table
grep -E "^(Cap|NoNewPrivs|Seccomp)" /proc/1/status /proc/self/status
ls /proc/1/fd 2>&1 | wc -l
cat /proc/1/environ >/dev/null 2>&1 && echo PID 1 environment readable
for d in / /etc /usr /tmp /var/tmp "$0"; do
    mkdir "$d/.content-probe" 2>/dev/null && rmdir "$d/.content-probe" && echo "$d writable"
done
ls /proc/self/fd | wc -l
awk "{ print \"session leader:\", \$6 == \$1 }" /proc/$$/stat
umask
grep -E "^(SigIgn|SigBlk|Cpus_allowed_list)" /proc/self/status'
content_check() {  # content_check POLICY [--pid]: "" when both sandboxes look the same
    # shellcheck disable=SC2016
    local mounts='/^[0-9]+ [0-9]+ [0-9]+:[0-9]+ / { $1 = $2 = $3 = ""; print; next } { print }'
    local jh cf
    jh=$(trap '' USR1 PIPE && "$J" "$P/$1.conf" -- /bin/sh -c "$CONTENT_PROBE" "$WORK" 7</dev/null |
        awk "$mounts") &&
        cf=$(trap '' USR1 PIPE && "$B/content-floor" "${@:2}" "$WORK/secret.key" "$WORK/$1.bpf" -- \
            /bin/sh -c "$CONTENT_PROBE" "$WORK" 7</dev/null | awk "$mounts") &&
        [[ $jh == *" /proc "* && $jh == "$cf" ]] || echo "its $1.conf sandbox differs from jharden's"
}
CONTENT_ERROR="bench/filter_cost.cc did not build"
if [[ $SECRET_HIDE != yes ]]; then
    CONTENT_ERROR="jharden cannot hide the secret's source here"
elif [[ -x $B/filter-cost ]]; then
    api=$("$B/filter-cost" --api)
    CONTENT_ERROR=""
    for pol in secret pid; do
        "$B/filter-cost" "$api" "$P/$pol.conf" "$WORK/$pol.bpf" 2>/dev/null ||
            CONTENT_ERROR="filter-cost could not write the program of $pol.conf"
    done
    [[ -z $CONTENT_ERROR ]] && CONTENT_ERROR=$(content_check secret)
    [[ -z $CONTENT_ERROR ]] && CONTENT_ERROR=$(content_check pid --pid)
fi
[[ -z $CONTENT_ERROR ]] || echo "run.sh: warning: no kernel-work-alone rows: $CONTENT_ERROR" >&2

# bwrap's seccomp filter: the syscalls jharden's baseline denies, compiled by libseccomp.
"$J" --print --json "$P/empty.conf" -- /bin/true |
    "$PY" -c 'import json,sys; print("\n".join(json.load(sys.stdin)["seccomp"]["syscalls"]))' \
    >"$WORK/denied.txt"
# shellcheck disable=SC2046
"$B/seccomp-bpf" "$WORK/filter.bpf" $(cat "$WORK/denied.txt")

# The capabilities jharden's baseline drops (same list for bwrap and firejail).
DROP_CAPS=(CAP_SYS_ADMIN CAP_SYS_PTRACE CAP_SYS_MODULE CAP_SYS_RAWIO CAP_SYS_BOOT CAP_SYS_TIME
    CAP_MKNOD CAP_MAC_ADMIN CAP_MAC_OVERRIDE CAP_AUDIT_CONTROL CAP_LINUX_IMMUTABLE CAP_BPF
    CAP_PERFMON CAP_SYSLOG CAP_SYS_PACCT CAP_CHECKPOINT_RESTORE)

# bwrap, equivalent to jharden's baseline with the one secret: the host's tree, /usr and /etc
# read-only (recursively), private /tmp and /var/tmp, a private /dev, /proc/sys, /sys
# read-only, /proc/loadavg (and kcore, kallsyms, kmsg when present) masked with /dev/null, the
# secret copied (mode 0400) onto a tmpfs at /run/secrets made read-only, its source masked,
# a new session, the same capabilities dropped, no_new_privs (bwrap always sets it) and the
# same seccomp deny list. bwrap always makes a new mount namespace, and only that here; the
# PID variant adds a PID namespace and a fresh /proc (as jharden's pid = yes), before the
# masks under /proc.
bwrap_args() {  # bwrap_args pid|nopid
    local a=(/usr/bin/bwrap --bind / / --ro-bind /usr /usr --ro-bind /etc /etc
        --tmpfs /tmp --tmpfs /var/tmp --dev /dev --ro-bind /sys /sys)
    [[ $1 == pid ]] && a+=(--unshare-pid --proc /proc)
    for p in /proc/sys /proc/sysrq-trigger; do [[ -e $p ]] && a+=(--ro-bind "$p" "$p"); done
    a+=(--ro-bind /dev/null /proc/loadavg)
    for p in /proc/kcore /proc/kallsyms /proc/kmsg; do [[ -e $p ]] && a+=(--ro-bind /dev/null "$p"); done
    a+=(--tmpfs /run/secrets --file 8 /run/secrets/bench.key --chmod 0400 /run/secrets/bench.key
        --remount-ro /run/secrets --ro-bind /dev/null "$WORK/secret.key"
        --setenv CREDENTIALS_DIRECTORY /run/secrets)
    a+=(--new-session)
    for c in "${DROP_CAPS[@]}"; do a+=(--cap-drop "$c"); done
    echo "${a[*]}"
}
# The secret's mount point, as jharden's own secrets make it (bwrap would create it too).
mkdir -p /run/secrets
BWRAP=$(bwrap_args nopid)
BWRAP_PID=$(bwrap_args pid)
# Opens the filter on fd 9 and the secret on fd 8 for every run.
WITH_FDS="$B/with-fd $WORK/filter.bpf 9 $WORK/secret.key 8 --"

# firejail, as close as it gets: it always adds a PID and a UTS namespace (so it
# compares best with jharden's pid = yes), and mounts a fresh /proc.
fj_caps=$(printf '%s\n' "${DROP_CAPS[@]#CAP_}" | tr '[:upper:]' '[:lower:]' | paste -sd,)
FIREJAIL=(/usr/bin/firejail --noprofile --quiet --read-only=/usr --read-only=/etc
    --private-tmp --private-dev --blacklist=/proc/loadavg "--caps.drop=$fj_caps" --nonewprivs
    "--seccomp.drop=@mount,@module,@reboot,@swap,@raw-io,@clock,@debug,@obsolete,@cpu-emulation"
    --seccomp.block-secondary)

# id <TAB> label <TAB> command (no argument may contain blanks: hyperfine -N splits).
# The floors: what the kernel needs for the namespaces alone. `unshare -m` for the baseline;
# with -p -f --mount-proc for pid = yes (a PID namespace, its init forking the program and a
# procfs of its own); and with the namespaces nginx.conf asks for (mount, PID, UTS, IPC,
# cgroup) for nginx.conf.
{
    printf '# id\tlabel\tcommand\n'
    printf 'exec\t/bin/true (exec floor)\t/bin/true\n'
    printf 'jh-version\tjharden --version (exec + loading)\t%s --version\n' "$J"
    printf 'unshare\tunshare -m (namespace floor)\t/usr/bin/unshare -m --propagation slave /bin/true\n'
    printf 'unshare-pid\tunshare -m -p -f --mount-proc (PID floor)\t/usr/bin/unshare -m -p -f --mount-proc --propagation slave /bin/true\n'
    printf 'unshare-nginx\tunshare -m -p -f -u -i -C --mount-proc (nginx.conf floor)\t/usr/bin/unshare -m -p -f -u -i -C --mount-proc --propagation slave /bin/true\n'
    if [[ -z $CONTENT_ERROR ]]; then
        printf 'content\tthe same sandbox, kernel work alone (content_floor.c)\t%s %s %s -- /bin/true\n' \
            "$B/content-floor" "$WORK/secret.key" "$WORK/secret.bpf"
        printf 'content-pid\tthe same + pid = yes, kernel work alone (content_floor.c --pid)\t%s --pid %s %s -- /bin/true\n' \
            "$B/content-floor" "$WORK/secret.key" "$WORK/pid.bpf"
    fi
    printf 'jh-empty\tjharden empty.conf\t%s %s -- /bin/true\n' "$J" "$P/empty.conf"
    printf 'jh-secret\tjharden + 1 secret\t%s %s -- /bin/true\n' "$J" "$P/secret.conf"
    printf 'jh-secret-nohide\tjharden + 1 secret, hide_sources = no\t%s %s -- /bin/true\n' \
        "$J" "$P/secret-nohide.conf"
    printf 'jh-pid\tjharden + 1 secret + pid = yes\t%s %s -- /bin/true\n' "$J" "$P/pid.conf"
    printf 'jh-nginx\tjharden nginx.conf\t%s %s -- /bin/true\n' "$J" "$P/nginx.conf"
    printf 'bwrap\tbwrap (equivalent)\t%s %s --seccomp 9 /bin/true\n' "$WITH_FDS" "$BWRAP"
    printf 'bwrap-pid\tbwrap (equivalent) + PID namespace\t%s %s --seccomp 9 /bin/true\n' \
        "$WITH_FDS" "$BWRAP_PID"
    printf 'bwrap-nosc\tbwrap without seccomp\t%s %s /bin/true\n' "$B/with-fd $WORK/secret.key 8 --" "$BWRAP"
    printf 'withfd\twith-fd helper alone\t%s /bin/true\n' "$WITH_FDS"
    printf 'firejail\tfirejail (equivalent)\t%s /bin/true\n' "${FIREJAIL[*]}"
} >"$WORK/commands.tsv"

# ---------------------------------------------------------------- metadata
host_mounts_before=$(wc -l </proc/self/mountinfo)
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "quick=$QUICK"
    echo "levels=$LEVELS"
    echo "rounds=$BENCH_ROUNDS"
    echo "runs=$BENCH_RUNS"
    echo "runs_big=$BENCH_RUNS_BIG"
    echo "warmup=$BENCH_WARMUP"
    echo "rss_runs=$BENCH_RSS_RUNS"
    echo "loop_calls=$LOOP_CALLS"
    echo "loop_rounds=$LOOP_ROUNDS"
    echo "sd_rounds=$SD_ROUNDS"
    echo "sd_per=$SD_PER"
    echo "sd_warm=$SD_WARM"
    echo "pg_rounds=$PG_ROUNDS"
    echo "pg_per=$PG_PER"
    echo "pg_warm=$PG_WARM"
    echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "host_mounts=$host_mounts_before"
    echo "secret_hide_works=$SECRET_HIDE"
    echo "content_error=$CONTENT_ERROR"
    echo "secret_hide_error=$(tr '\n' ' ' <"$WORK/secret-error.txt")"
    echo "jharden_version=$("$J" --version 2>&1 | head -1)"
    echo "bwrap_version=$(bwrap --version 2>&1 | head -1)"
    echo "firejail_version=$(firejail --version 2>&1 | head -1)"
    echo "hyperfine_version=$(hyperfine --version 2>&1 | head -1)"
    echo "systemd_version=$(dpkg-query -W -f='${Version}' systemd 2>/dev/null || echo unknown)"
    echo "build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")"
    # The optimisation flags main.cc was compiled with, in order (the last -O wins).
    echo "cxx_flags=$(grep -o '"command": "[^"]*/src/main\.cc"' "$BUILD/compile_commands.json" |
        grep -oP '(?<= )-(O[0-9s]?|g[0-9]?|DNDEBUG)(?= )' | paste -sd' ')"
    # The commit, read from .git without running git (the tree may hold uncommitted edits).
    head=$(cat "$REPO/.git/HEAD" 2>/dev/null || true)
    if [[ $head == ref:* ]]; then
        ref=${head#ref: }
        commit=$(cat "$REPO/.git/$ref" 2>/dev/null ||
            awk -v r="$ref" '$2 == r { print $1 }' "$REPO/.git/packed-refs" 2>/dev/null || true)
        echo "commit=${commit:-unknown} (${ref#refs/heads/})"
    else
        echo "commit=${head:-unknown}"
    fi
    echo "jharden_sha256=$(sha256sum "$J" | cut -c1-16)"
} >"$RESULTS/meta.env"
cp "$WORK/commands.tsv" "$RESULTS/commands.tsv"

export BENCH_DIR BENCH_WORK=$WORK BENCH_RESULTS=$RESULTS PY
BENCH_OUTER_MNTNS=$(readlink /proc/self/ns/mnt)
export BENCH_OUTER_MNTNS

# ---------------------------------------------------------------- 1. start-up curve
say "start-up time and peak RSS against the host's mount count (levels: $LEVELS)"
for n in $LEVELS; do
    unshare -m --propagation private -- bash "$BENCH_DIR/level.sh" "$n"
done
host_mounts_after=$(wc -l </proc/self/mountinfo)
echo "host_mounts_after=$host_mounts_after" >>"$RESULTS/meta.env"
[[ $host_mounts_after == "$host_mounts_before" ]] ||
    echo "run.sh: warning: the host's mount table changed ($host_mounts_before -> $host_mounts_after lines)" >&2

# ---------------------------------------------------------------- 2. seccomp loop
say "seccomp filter cost: $LOOP_ROUNDS rounds of $LOOP_CALLS getppid() calls"
declare -A LOOP=(
    [none]="/usr/bin/unshare -m --propagation slave $B/getppid-loop $LOOP_CALLS"
    [jh-default]="$J $P/empty.conf -- $B/getppid-loop $LOOP_CALLS"
    [jh-empty-filter]="$J $P/noseccomp.conf -- $B/getppid-loop $LOOP_CALLS"
    [allow-one]="/usr/bin/unshare -m --propagation slave $B/getppid-loop --allow-filter $LOOP_CALLS"
)
loop_ids=(none jh-default jh-empty-filter allow-one)
{
    printf '# id\tcommand\n'
    for id in "${loop_ids[@]}"; do printf '%s\t%s\n' "$id" "${LOOP[$id]}"; done
} >"$RESULTS/seccomp-commands.tsv"
printf '# id\tround\tns_per_call\tseconds\tcalls\tseccomp_mode\n' >"$RESULTS/seccomp.tsv"
for ((r = 0; r < LOOP_ROUNDS; r++)); do
    for ((k = 0; k < ${#loop_ids[@]}; k++)); do
        id=${loop_ids[(k + r) % ${#loop_ids[@]}]}
        # shellcheck disable=SC2086
        out=$(${LOOP[$id]}) || die "seccomp loop $id failed"
        printf '%s\t%s\t%s\n' "$id" "$r" "$(tr ' ' '\t' <<<"$out")" >>"$RESULTS/seccomp.tsv"
    done
done

# ---------------------------------------------------------------- 2b. profile of a start
# At the host's own mount count: jharden's three policies of the targets and their floors.
say "profile of a start: $PROFILE_RUNS runs each under perf's software clock"
if command -v perf >/dev/null; then
    "$PY" "$BENCH_DIR/profile_start.py" "$WORK/commands.tsv" "$RESULTS/profile.tsv" \
        "$PROFILE_RUNS" unshare jh-secret unshare-pid jh-pid unshare-nginx jh-nginx ||
        echo "run.sh: the profile of a start failed; the report leaves it out" >&2
else
    echo "run.sh: perf not found; no profile of a start" >&2
fi

# ---------------------------------------------------------------- 5. --learn under load
say "--learn on a daemon benchmark: $LEARN_ROUNDS rounds of pgbench -S, ${LEARN_SECS} s each"
bash "$BENCH_DIR/learn_pgbench.sh" "$J" "$P" "$LEARN_ROUNDS" "$LEARN_SECS" "$RESULTS/learn-pgbench.txt"

# ---------------------------------------------------------------- 3. instructions
say "instruction counts"
printf '# id\ttool\tinstructions\texit\tnote\n' >"$RESULTS/instructions.tsv"
# (not unshare: under valgrind its profile comes out empty)
instr_ids=(exec jh-version jh-empty jh-secret jh-secret-nohide jh-pid jh-nginx bwrap-nosc)
perf_ok=0
if command -v perf >/dev/null &&
    perf stat -x, -e instructions:u /bin/true 2>&1 >/dev/null | grep -qE '^[0-9]+,'; then
    perf_ok=1
fi
while IFS=$'\t' read -r id _ cmd; do
    [[ " ${instr_ids[*]} " == *" $id "* ]] || continue
    if ((perf_ok)); then
        # User-space instructions of the command and everything it runs (the final
        # /bin/true included: subtract the exec row). Median of 5.
        vals=()
        for _ in 1 2 3 4 5; do
            # shellcheck disable=SC2086
            v=$(perf stat -x, -e instructions:u $cmd 2>&1 >/dev/null | awk -F, '/instructions/ { print $1 }')
            vals+=("$v")
        done
        med=$(printf '%s\n' "${vals[@]}" | sort -n | sed -n 3p)
        printf '%s\tperf\t%s\t0\tuser-space, all processes, median of 5\n' "$id" "$med" >>"$RESULTS/instructions.tsv"
    fi
    if command -v valgrind >/dev/null; then
        # callgrind follows forks but not execs (--trace-children=no): it counts the
        # program itself up to its execve of /bin/true (or its exit).
        rm -f "$RESULTS/callgrind.$id".*
        set +e
        # shellcheck disable=SC2086
        (cd "$RESULTS" && valgrind --tool=callgrind --trace-children=no \
            --callgrind-out-file="$RESULTS/callgrind.$id.%p" $cmd) \
            >"$RESULTS/callgrind.$id.log" 2>&1
        rc=$?
        set -e
        total=0
        for f in "$RESULTS/callgrind.$id".[0-9]*; do
            [[ -e $f ]] || continue
            v=$(sed -n 's/^summary: //p' "$f")
            total=$((total + ${v:-0}))
        done
        note=""
        grep -q 'unhandled amd64-linux syscall' "$RESULTS/callgrind.$id.log" &&
            note="valgrind lacks a syscall: $(grep -m1 '^jharden:' "$RESULTS/callgrind.$id.log" || true)"
        printf '%s\tcallgrind\t%s\t%s\t%s\n' "$id" "$total" "$rc" "$note" >>"$RESULTS/instructions.tsv"
    fi
done <"$WORK/commands.tsv"
# Where jharden's instructions go: the dynamic loader before main() against main().
cg_files=("$RESULTS"/callgrind.jh-empty.[0-9]*)
if [[ -e ${cg_files[0]} ]]; then
    f=${cg_files[0]}
    callgrind_annotate --inclusive=yes "$f" >"$RESULTS/callgrind.jh-empty.inclusive.txt" 2>/dev/null || true
    callgrind_annotate --inclusive=no "$f" >"$RESULTS/callgrind.jh-empty.self.txt" 2>/dev/null || true
fi
# The seccomp filter's share, which the counts above miss (jharden stops under valgrind when
# libseccomp sets its first attribute): bench/filter_cost.cc makes it as jharden does (the
# program compiled at build time for a shipped policy), and with --compile builds and compiles
# it with libseccomp as every start did before, libseccomp answering at this kernel's API level.
if [[ -x $B/filter-cost ]] && command -v valgrind >/dev/null; then
    api=$("$B/filter-cost" --api)
    for pol in empty secret nginx; do
        for mode in start compile; do
            id=filter-$pol
            args=("$api" "$P/$pol.conf")
            if [[ $mode == compile ]]; then
                id=filter-$pol-compile
                args=(--compile "${args[@]}")
            fi
            rm -f "$RESULTS/callgrind.$id".*
            valgrind --tool=callgrind --trace-children=no \
                --callgrind-out-file="$RESULTS/callgrind.$id.%p" \
                "$B/filter-cost" "${args[@]}" >/dev/null 2>&1 || continue
            callgrind_annotate --inclusive=yes --threshold=100 "$RESULTS/callgrind.$id".[0-9]* \
                >"$RESULTS/$id.inclusive.txt" 2>/dev/null || true
        done
    done
fi
LD_DEBUG=statistics "$J" --version 2>&1 >/dev/null | sed 's/^ *[0-9]*: *//' >"$RESULTS/ld-statistics.txt" || true
LD_DEBUG=statistics /usr/bin/bwrap --version 2>&1 >/dev/null | sed 's/^ *[0-9]*: *//' >"$RESULTS/ld-statistics-bwrap.txt" || true
ldd "$J" >"$RESULTS/ldd.txt" 2>&1 || true
# What jharden's peak RSS is made of: its mappings right before it executes /bin/true.
for id in jh-secret jh-secret-nohide; do
    cmd=$(awk -F'\t' -v i="$id" '$1 == i { print $3 }' "$WORK/commands.tsv")
    rm -f "$RESULTS/smaps.$id.txt"
    # shellcheck disable=SC2086
    BENCH_SMAPS_OUT=$RESULTS/smaps.$id.txt LD_PRELOAD=$B/execve-smaps.so $cmd 2>/dev/null || true
done

# ---------------------------------------------------------------- 4. systemd
NSPAWN=$REPO/tests/systemd/nspawn.sh
CT=$WORK/nspawn
ct_started=0
cleanup() {
    if ((ct_started)); then
        bash "$NSPAWN" stop "$CT" >/dev/null 2>&1 || echo "run.sh: could not stop the container in $CT" >&2
    fi
}
trap cleanup EXIT
# PostgreSQL, when installed (and so in the container, a copy of this machine) with a cluster:
# Debian's stock postgresql@VERSION-main.service (pg_ctlcluster, Type=forking), a copy with
# systemd's own sandboxing (bench/systemd/postgresql-native.conf) and a copy with the drop-in
# bench/systemd/postgresql-jharden.conf, which runs postgres under jharden with the policy
# written here. Bounded in time: a unit whose warm-up start fails is not timed, and the whole
# part stops after PG_TIMEOUT seconds.
measure_postgresql() {
    local v
    v=$(ns exec "$CT" sh -c 'ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1') || v=""
    if [[ -z $v ]] || ! ns exec "$CT" test -f "/var/lib/postgresql/$v/main/PG_VERSION"; then
        echo "PostgreSQL is not installed here (or has no cluster $v/main)" >"$RESULTS/systemd-pg.skipped"
        return 0
    fi
    {
        printf '# PostgreSQL %s under jharden for the benchmark (bench/run.sh)\n[service]\n' "$v"
        printf 'exec = /usr/lib/postgresql/%s/bin/postgres -D /var/lib/postgresql/%s/main' "$v" "$v"
        printf ' -c config_file=/etc/postgresql/%s/main/postgresql.conf\n' "$v"
        printf 'user = postgres\n# postgres reports its readiness itself\nnotify = daemon\n'
        printf '[filesystem]\nread_only = /\n'
        printf 'read_write = /var/lib/postgresql /var/log/postgresql /run/postgresql\n'
    } >"$WORK/bench-postgres.conf"
    ns copy "$CT" "$WORK/bench-postgres.conf" /etc/jharden/bench-postgres.conf || return 1
    ns exec "$CT" /usr/lib/jharden --check bench-postgres.conf >"$RESULTS/systemd-pg-check.txt" 2>&1 ||
        { echo "jharden --check bench-postgres.conf failed" >"$RESULTS/systemd-pg.skipped"; return 0; }
    # shellcheck disable=SC2016 # expanded by the shell in the container
    ns exec "$CT" sh -c '
        systemctl stop postgresql.service "postgresql@*.service"
        for u in native jharden; do
            cp /lib/systemd/system/postgresql@.service /etc/systemd/system/postgresql-$u@.service &&
            mkdir -p /etc/systemd/system/postgresql-$u@.service.d || exit 1
        done' || return 1
    ns copy "$CT" "$BENCH_DIR/systemd/postgresql-native.conf" \
        /etc/systemd/system/postgresql-native@.service.d/bench-native.conf || return 1
    ns copy "$CT" "$BENCH_DIR/systemd/postgresql-jharden.conf" \
        /etc/systemd/system/postgresql-jharden@.service.d/jharden.conf || return 1
    ns exec "$CT" systemctl daemon-reload || return 1
    echo "$v" >"$RESULTS/systemd-pg-version.txt"
    timeout "$PG_TIMEOUT" bash "$NSPAWN" exec "$CT" bash /root/bench-inner.sh \
        "$PG_ROUNDS" "$PG_PER" "$PG_WARM" "postgresql@$v-main.service" \
        "postgresql-native@$v-main.service" "postgresql-jharden@$v-main.service" \
        >"$RESULTS/systemd-pg.txt" || return 1
    for u in postgresql postgresql-native postgresql-jharden; do
        ns exec "$CT" systemd-analyze security --no-pager "$u@$v-main.service" 2>/dev/null |
            tail -1 >"$RESULTS/systemd-security-$u.txt" || true
    done
}

if [[ ${BENCH_SKIP_SYSTEMD:-0} == 1 ]]; then
    echo "skipped" >"$RESULTS/systemd.skipped"
elif ! command -v systemd-nspawn >/dev/null; then
    echo "systemd-nspawn not installed" >"$RESULTS/systemd.skipped"
else
    say "systemctl start latency under systemd (container in $CT)"
    if bash "$NSPAWN" start "$CT"; then
        ct_started=1
        ns() { bash "$NSPAWN" "$@"; }
        ns exec "$CT" systemctl --version | head -1 >"$RESULTS/systemd-version.txt"
        # jharden as the package installs it, the shipped policy, the shipped drop-in.
        ns copy "$CT" "$J" /usr/lib/jharden
        ns copy "$CT" "$REPO/conf/nginx.conf" /usr/share/jharden/nginx.conf
        # The secret both sandboxed units get (jharden: [secrets]; systemd: LoadCredential=).
        ns copy "$CT" "$WORK/secret.key" /etc/jharden-bench/secret.key
        # (hide_sources = no when the default fails on the host, see SECRET_HIDE above)
        {
            printf '[secrets]\n'
            [[ $SECRET_HIDE == yes ]] || printf 'hide_sources = no\n'
            printf 'bench.key = /etc/jharden-bench/secret.key\n'
        } >"$WORK/50-bench-secret.conf"
        ns copy "$CT" "$WORK/50-bench-secret.conf" /etc/jharden/nginx.conf.d/50-bench-secret.conf
        # Three units, so that they can be interleaved without daemon-reload: the stock
        # one, and two copies of it with a drop-in each.
        ns exec "$CT" sh -c '
            cp /lib/systemd/system/nginx.service /etc/systemd/system/nginx-native.service &&
            cp /lib/systemd/system/nginx.service /etc/systemd/system/nginx-jharden.service &&
            mkdir -p /etc/systemd/system/nginx-native.service.d /etc/systemd/system/nginx-jharden.service.d'
        ns copy "$CT" "$BENCH_DIR/systemd/native.conf" /etc/systemd/system/nginx-native.service.d/bench-native.conf
        ns copy "$CT" "$REPO/units/nginx.service.d/jharden.conf" /etc/systemd/system/nginx-jharden.service.d/jharden.conf
        ns copy "$CT" "$BENCH_DIR/systemd/inner.sh" /root/bench-inner.sh
        ns exec "$CT" systemctl daemon-reload
        ns exec "$CT" /usr/lib/jharden --print --json nginx.conf >"$RESULTS/systemd-jharden-plan.json" 2>&1 || true
        ns exec "$CT" bash /root/bench-inner.sh "$SD_ROUNDS" "$SD_PER" "$SD_WARM" \
            nginx.service nginx-native.service nginx-jharden.service >"$RESULTS/systemd.txt" ||
            echo "run.sh: the systemd measurement failed" >&2
        for u in nginx-native nginx-jharden; do
            ns exec "$CT" systemd-analyze security --no-pager "$u.service" 2>/dev/null |
                tail -1 >"$RESULTS/systemd-security-$u.txt" || true
        done
        ns exec "$CT" systemd-analyze security --no-pager nginx.service 2>/dev/null |
            tail -1 >"$RESULTS/systemd-security-nginx.txt" || true
        ns exec "$CT" systemctl stop nginx.service nginx-native.service nginx-jharden.service || true
        measure_postgresql || echo "run.sh: the PostgreSQL measurement failed" >&2
        bash "$NSPAWN" stop "$CT" || echo "run.sh: could not stop the container cleanly" >&2
        ct_started=0
    else
        echo "the container did not boot (tests/systemd/nspawn.sh start failed)" >"$RESULTS/systemd.skipped"
        bash "$NSPAWN" stop "$CT" >/dev/null 2>&1 || true
    fi
fi

# ---------------------------------------------------------------- report
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/meta.env"
echo "duration_s=$(($(date -u +%s) - started))" >>"$RESULTS/meta.env"
say "report"
"$PY" "$BENCH_DIR/report.py" --results "$RESULTS" --plots "$PLOTS" --doc "$DOC" --repo "$REPO"
