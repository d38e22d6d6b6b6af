#!/bin/bash
# level.sh - one point of the start-up curve: grow the mount table by N, then
# time every command of the benchmark and measure its peak RSS.
#
# Run by bench/run.sh, never directly on the host's namespace:
#   unshare -m --propagation private -- bash bench/level.sh N
# The extra mounts are made in that private namespace (bench/mkmounts.py), so
# the host never sees them and they vanish when this script exits.
#
# Environment (set by run.sh): BENCH_DIR (bench/), BENCH_WORK (work dir with
# commands.tsv), BENCH_RESULTS (raw results), BENCH_ROUNDS, BENCH_RUNS (per
# round; BENCH_RUNS_BIG from 5000 mounts on), BENCH_WARMUP (per round),
# BENCH_RSS_RUNS, BENCH_OUTER_MNTNS, PY.
#
# Writes, in BENCH_RESULTS:
#   mounts-N.txt            lines of /proc/self/mountinfo seen by the commands
#   startup-N-rR.json       hyperfine --export-json of round R
#   rss-N.jsonl             one maxrss.py JSON object per command
#   hyperfine-N.log         hyperfine's own output
#   skipped-N.txt           commands left out because they failed (id and error)
set -euo pipefail

n=${1:?usage: level.sh N}
: "${BENCH_DIR:?}" "${BENCH_WORK:?}" "${BENCH_RESULTS:?}" "${BENCH_OUTER_MNTNS:?}"
rounds=${BENCH_ROUNDS:-3} runs=${BENCH_RUNS:-10} warmup=${BENCH_WARMUP:-2}
((n < 5000)) || runs=${BENCH_RUNS_BIG:-$runs}
rss_runs=${BENCH_RSS_RUNS:-10}
PY=${PY:-/usr/bin/python3}
res=$BENCH_RESULTS

if [[ $(readlink /proc/self/ns/mnt) == "$BENCH_OUTER_MNTNS" ]]; then
    echo "level.sh: must run in a private mount namespace (unshare -m)" >&2
    exit 1
fi
# Private all the way down: nothing mounted here may propagate to the host.
mount --make-rprivate /

"$PY" "$BENCH_DIR/mkmounts.py" "$BENCH_WORK/mnt" "$n"
mounts=$(wc -l </proc/self/mountinfo)
echo "$mounts" >"$res/mounts-$n.txt"

# The commands: id <TAB> label <TAB> command line (split on blanks by hyperfine -N).
ids=() labels=() cmds=()
: >"$res/skipped-$n.txt"
while IFS=$'\t' read -r id label cmd; do
    [[ -z $id || $id == \#* ]] && continue
    # Each command must work before it is timed: hyperfine would abort the whole
    # level on a failure, and a failing sandbox is no measurement.
    # shellcheck disable=SC2086 # the command line is split on purpose
    if ! err=$($cmd 2>&1 >/dev/null </dev/null); then
        printf '%s\t%s\n' "$id" "$(echo "$err" | tr '\n' ' ' | cut -c1-300)" >>"$res/skipped-$n.txt"
        echo "  +$n: $id fails, left out: $err" >&2
        continue
    fi
    ids+=("$id") labels+=("$label") cmds+=("$cmd")
done <"$BENCH_WORK/commands.tsv"
count=${#ids[@]}
((count > 0)) || { echo "level.sh: no command works" >&2; exit 1; }

echo "  +$n extra mounts ($mounts in the table): $count commands," \
     "$rounds round(s) x $runs runs, $warmup warm-up run(s) per round" >&2
: >"$res/hyperfine-$n.log"
for ((r = 0; r < rounds; r++)); do
    # Rotate the order every round, so that a slow drift of the machine's load
    # does not always fall on the same command.
    args=()
    for ((k = 0; k < count; k++)); do
        i=$(((k + r) % count))
        args+=(-n "${ids[i]}" "${cmds[i]}")
    done
    hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
        --export-json "$res/startup-$n-r$r.json" "${args[@]}" \
        >>"$res/hyperfine-$n.log" 2>&1 ||
        { echo "level.sh: hyperfine failed, see $res/hyperfine-$n.log" >&2; exit 1; }
done

# Peak RSS, same commands, same mount table.
: >"$res/rss-$n.jsonl"
for ((i = 0; i < count; i++)); do
    # shellcheck disable=SC2086
    "$PY" "$BENCH_DIR/maxrss.py" --json --runs "$rss_runs" -- ${cmds[i]} |
        "$PY" -c 'import json,sys; d=json.load(sys.stdin); d["id"]=sys.argv[1]; print(json.dumps(d))' \
            "${ids[i]}" >>"$res/rss-$n.jsonl"
done
