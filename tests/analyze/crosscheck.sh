#!/bin/bash
# Cross-checks `jharden --analyze` against systemd's own scoring.
#
#   crosscheck.sh JHARDEN [POLICY | --unit UNIT[,DROPIN...] POLICY]...
#
# For each policy, jharden prints its assessment and the [Service] properties of a unit asking
# systemd for the same protections. That unit is scored with
# `systemd-analyze security --offline=yes`, which needs no running systemd. Two checks:
#   - jharden's score is within 0.2 of systemd's. They differ only where a systemd setting
#     implies more than jharden enforces (PrivateDevices= also closes the device cgroup);
#   - jharden's prediction of systemd's score for that unit ("equivalent_unit_exposure") is
#     exact, which checks the weights, ranges and formula item by item.
# With --unit, UNIT (a unit file; the DROPINs are placed in its UNIT.d/) is scored together
# with POLICY by `jharden --analyze --unit`, and the unit jharden prints carries the union of
# both as directives (only the unit's settings that reach the daemon: see the "+" rule in
# jharden(8)). The same two checks hold for that unit, and a third: jharden's score of the unit
# alone ("unit_alone_exposure") equals systemd's score of UNIT and its drop-ins, exactly.
# Exit status: 0 when every policy passes, 1 otherwise, 77 (skipped) without systemd-analyze.
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 JHARDEN [POLICY | --unit UNIT[,DROPIN...] POLICY]..." >&2
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

# systemd-analyze's overall score of a unit file.
systemd_score() {
  systemd-analyze security --offline=yes --no-pager "$1" 2>"$work/err" |
    sed -n 's/.*Overall exposure level for .*: \([0-9][0-9]*\.[0-9]\).*/\1/p'
}

passed=0
failed=0
while [ $# -gt 0 ]; do
  given_unit=
  if [ "$1" = --unit ]; then
    if [ $# -lt 3 ]; then
      echo "usage: --unit UNIT[,DROPIN...] POLICY" >&2
      exit 2
    fi
    # The unit and its drop-ins side by side in a directory of our own, where both jharden
    # and systemd-analyze look for them.
    IFS=, read -r -a parts <<<"$2"
    rm -rf "$work/units" && mkdir -p "$work/units"
    given_unit=$work/units/$(basename "${parts[0]}")
    cp "${parts[0]}" "$given_unit"
    if [ ${#parts[@]} -gt 1 ]; then
      mkdir -p "$given_unit.d"
      cp "${parts[@]:1}" "$given_unit.d/"
    fi
    label="$2 + $3"
    policy=$3
    shift 3
    if ! json=$("$jharden" --analyze --json --unit "$given_unit" "$policy" -- /bin/true 2>"$work/err"); then
      echo "FAIL $label: jharden --analyze --unit failed: $(cat "$work/err")"
      failed=$((failed + 1))
      continue
    fi
  else
    policy=$1
    label=$1
    shift
    json=$("$jharden" --analyze --json "$policy" -- /bin/true 2>"$work/err")
    rc=$?
    # 216/217: the policy's group or user is created by its daemon's package, which this
    # machine does not have (the library's policies are tested with their daemons under
    # systemd, tests/systemd/library.sh).
    if [ "$rc" = 216 ] || [ "$rc" = 217 ]; then
      echo "SKIP $label: $(cat "$work/err")"
      continue
    fi
    if [ "$rc" != 0 ]; then
      echo "FAIL $label: jharden --analyze failed: $(cat "$work/err")"
      failed=$((failed + 1))
      continue
    fi
  fi
  ours=$(printf "%.1f" "$(field exposure "$json")")
  predicted=$(printf "%.1f" "$(field equivalent_unit_exposure "$json")")
  if [ -n "$given_unit" ]; then
    # The union unit is a whole file ([Unit] first when it has DefaultDependencies=no).
    field equivalent_unit "$json" | sed 's/^\[Service\]$/[Service]\nExecStart=\/bin\/true/' >"$unit"
  else
    { printf '[Service]\nExecStart=/bin/true\n'; field equivalent_unit "$json"; } >"$unit"
  fi
  theirs=$(systemd_score "$unit")
  if [ -z "$theirs" ]; then
    echo "FAIL $label: systemd-analyze gave no score: $(cat "$work/err")"
    failed=$((failed + 1))
    continue
  fi
  line="$label: jharden $ours, systemd $theirs (predicted $predicted)"
  alone_ok=true
  if [ -n "$given_unit" ]; then
    alone=$(printf "%.1f" "$(field unit_alone_exposure "$json")")
    theirs_alone=$(systemd_score "$given_unit")
    line="$line; the unit alone: jharden $alone, systemd ${theirs_alone:-none}"
    within "$alone" "${theirs_alone:-99}" 0 || alone_ok=false
  fi
  if within "$ours" "$theirs" 0.2 && within "$predicted" "$theirs" 0 && $alone_ok; then
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
