#!/usr/bin/env bash
# bench/policy_size.sh - how long `jharden --check` takes on a hostile-sized policy
# (threats.md, "hostile policy size"). Run on demand, not part of the tests.
#
#   bash bench/policy_size.sh [JHARDEN_BINARY] [BYTES]
#
# Generates a valid policy of about BYTES (default 1 MiB, the largest policy file jharden
# accepts) made of bind, tmpfs, read_only, read_write, inaccessible and mask lines on a
# tree of distinct paths, nested so that read-only trees have writable holes, hidden paths
# lie below binds and binds below read-only trees; then times `--check` and `--print` on
# it (best of 3). The policy is written to a private temporary directory owned by root
# (policy files must be), removed afterwards. Planning is meant to stay O(n log n): the
# times grow about linearly with BYTES (try 262144, 524288, 1048576).
set -euo pipefail

JH=${1:-build/src/jharden}
BYTES=${2:-1048576}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
chmod 0755 "$DIR"

python3 - "$BYTES" >"$DIR/big.conf" <<'PY'
import sys
limit = int(sys.argv[1])
out = ["[filesystem]", "read_only = /srv"]
size = sum(len(l) + 1 for l in out)
i = 0
# Short paths, several per line (lines stay well below the 200-byte limit): the most
# entries a 1 MiB policy can hold.
while True:
    kind = i % 6
    base = "/srv/t%d/d%d" % (i % 97, i)
    if kind == 0:
        line = "read_only = " + " ".join("%s/%d" % (base, k) for k in range(6))
    elif kind == 1:
        line = "read_write = " + " ".join("/srv/t%d/d%d/%d/w" % (i % 97, i - 1, k) for k in range(6))
    elif kind == 2:
        line = "tmpfs = %s/c:mode=0700" % base
    elif kind == 3:
        line = "bind = /var/lib/b/%d:%s/data:ro" % (i, base)
    elif kind == 4:
        line = "inaccessible = " + " ".join("-%s/s%d" % (base, k) for k in range(6)) + \
            " /var/lib/b/%d/key" % (i - 1)
    else:
        line = "mask = " + " ".join("-%s/m%d" % (base, k) for k in range(6))
    if size + len(line) + 1 > limit:
        break
    out.append(line)
    size += len(line) + 1
    i += 1
print("\n".join(out))
PY
chown root:root "$DIR/big.conf" 2>/dev/null || true
chmod 0644 "$DIR/big.conf"
lines=$(wc -l <"$DIR/big.conf")
bytes=$(wc -c <"$DIR/big.conf")

best() {  # best wall-clock seconds of 3 runs of "$@" (stdout discarded)
  local b="" t s e
  for _ in 1 2 3; do
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [[ -z $b ]] || (($(echo "$t < $b" | bc))); then b=$t; fi
  done
  printf '%.3f' "$b"
}

check=$(best "$JH" --check "$DIR/big.conf")
print=$(best "$JH" --print "$DIR/big.conf" -- /bin/true)
echo "policy: $bytes bytes, $lines lines"
echo "--check: ${check} s (best of 3)"
echo "--print: ${print} s (best of 3)"
