#!/bin/bash
# Cross-checks `jharden --analyze` against systemd's own scoring.
#
#   systemd_analyze_crosscheck.sh JHARDEN POLICY...
#
# For each policy, jharden prints its assessment and the [Service] properties of a unit asking
# systemd for the same protections. That unit is scored with
# `systemd-analyze security --offline=yes`, which needs no running systemd. Two checks:
#   - jharden's score is within 0.2 of systemd's. They differ only where a systemd setting
#     implies more than jharden enforces (PrivateDevices= also closes the device cgroup);
#   - jharden's prediction of systemd's score for that unit ("equivalent_unit_exposure") is
#     exact, which checks the weights, ranges and formula item by item.
# Exit status: 0 when every policy passes, 1 otherwise, 77 (skipped) without systemd-analyze.
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 JHARDEN POLICY..." >&2
  exit 2
fi
jharden=$1
shift

if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is not installed"
  exit 77
fi
if command -v jq >/dev/null; then
  field() { jq -r ".$1" <<<"$2"; }
elif command -v python3 >/dev/null; then
  field() { python3 -c 'import json, sys; print(json.loads(sys.argv[2])[sys.argv[1]], end="")' "$1" "$2"; }
else
  echo "SKIP: neither jq nor python3 is installed to read jharden's JSON"
  exit 77
fi

work=$(mktemp -d /tmp/jharden-crosscheck.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
# The unit name only shows in systemd's summary line; the directory is ours alone.
unit=$work/jharden-crosscheck.service

# |a - b| <= limit, on one-decimal scores.
within() { awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= l + 1e-9) }'; }

passed=0
failed=0
for policy in "$@"; do
  if ! json=$("$jharden" --analyze --json "$policy" -- /bin/true 2>"$work/err"); then
    echo "FAIL $policy: jharden --analyze failed: $(cat "$work/err")"
    failed=$((failed + 1))
    continue
  fi
  ours=$(printf "%.1f" "$(field exposure "$json")")
  predicted=$(printf "%.1f" "$(field equivalent_unit_exposure "$json")")
  { printf '[Service]\nExecStart=/bin/true\n'; field equivalent_unit "$json"; } >"$unit"
  theirs=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>"$work/err" |
    sed -n 's/.*Overall exposure level for .*: \([0-9][0-9]*\.[0-9]\).*/\1/p')
  if [ -z "$theirs" ]; then
    echo "FAIL $policy: systemd-analyze gave no score: $(cat "$work/err")"
    failed=$((failed + 1))
    continue
  fi
  line="$policy: jharden $ours, systemd $theirs (predicted $predicted)"
  if within "$ours" "$theirs" 0.2 && within "$predicted" "$theirs" 0; then
    echo "ok   $line"
    passed=$((passed + 1))
  else
    echo "FAIL $line"
    echo "     unit scored:"
    sed 's/^/       /' "$unit"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
