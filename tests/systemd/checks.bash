# checks.bash: the reporting and container helpers the systemd-tier scripts share.
# Source it after nspawn.sh; the script sets PASSED=0 FAILED=0 WHY="" and CT (the container
# state directory). A script that defines on_fail() has it called on every failure.

pass() { echo "PASS: $1"; PASSED=$((PASSED + 1)); }
fail() {
    echo "FAIL: $1${2:+ ($2)}"
    FAILED=$((FAILED + 1))
    if declare -F on_fail >/dev/null; then on_fail; fi
}

# check DESCRIPTION COMMAND...: run the command (a function that may set WHY),
# PASS if it succeeds, FAIL with WHY otherwise.
check() {
    local desc=$1
    shift
    WHY=""
    if "$@"; then pass "$desc"; else fail "$desc" "$WHY"; fi
}

summary() {
    echo "$PASSED passed, $FAILED failed"
    ((FAILED == 0))
}

in_ct() { nspawn_exec "$CT" "$@"; }
put_file() { in_ct install -D -m "$1" -o root -g root /dev/stdin "$2"; }
prop() { in_ct systemctl show -p "$2" --value "$1"; }

# wait_until SECONDS COMMAND...: until the command succeeds, at most SECONDS.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

cursor() { in_ct journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p'; }

# median VALUES...: the middle one (of an odd count).
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }

# The overall exposure of `systemd-analyze security` or `jharden --analyze` on stdin.
score_of() { sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' | tail -1; }

# The clients of a benchmark: on CPU CLIENT_CPU when the script pins them (library.sh).
in_client() {
    if [[ -n ${CLIENT_CPU:-} ]]; then in_ct taskset -c "$CLIENT_CPU" "$@"; else in_ct "$@"; fi
}

http_code() { in_ct curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }

# ab_rate ARGS... URL: requests per second of ApacheBench, 4 at a time, for BENCH_SECS seconds.
ab_rate() {
    in_client ab -q -t "$BENCH_SECS" -n 10000000 -c 4 "$@" 2>/dev/null |
        sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p'
}

# dns_rate: queries of bench.test (A) to 127.0.0.1:53 per second, 8 outstanding at a time, for
# BENCH_SECS seconds.
dns_rate() {
    in_client python3 -c '
import socket, struct, sys, time, select
secs = float(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", 53))
q = lambda i: struct.pack(">HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0) + b"\x05bench\x04test\x00\x00\x01\x00\x01"
n = sent = 0
end = time.monotonic() + secs
t0 = time.monotonic()
for _ in range(8):
    s.send(q(sent)); sent += 1
while time.monotonic() < end:
    r, _, _ = select.select([s], [], [], 1.0)
    if not r:
        s.send(q(sent)); sent += 1
        continue
    s.recv(512); n += 1
    s.send(q(sent)); sent += 1
print("%.1f" % (n / (time.monotonic() - t0)))' "$BENCH_SECS" 2>/dev/null
}

# install_debs TAG PACKAGES...: the packages the container lacks, installed in it. The container
# is a copy of this machine without a network: they are fetched here (only downloaded, into
# $LOGDIR/debs: nothing is installed on this machine), copied in, and installed there by apt,
# which takes the missing dependencies from them. TAG names the script's copy in the container.
install_debs() {
    local tag=$1 missing=() p debs=$LOGDIR/debs
    shift
    local cache=/var/cache/jharden-$tag-debs marker=/run/jh-$tag-policy-rc
    for p in "$@"; do
        in_ct dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    mkdir -p "$debs/partial"
    echo "# installing ${missing[*]} in the container (log: $LOGDIR/apt.log)"
    fetch() {
        timeout 600 apt-get install -y -q --download-only -o Dir::Cache::archives="$debs" \
            "${missing[@]}" >>"$LOGDIR/apt.log" 2>&1
    }
    # Stale package lists on this machine: update them once and try again.
    fetch || { apt-get update -q >>"$LOGDIR/apt.log" 2>&1 && fetch; } ||
        { WHY="download failed, see $LOGDIR/apt.log"; return 1; }
    rm -rf "$debs/partial" "$debs/lock"
    nspawn_copy "$CT" "$debs" "$cache" || { WHY="copy failed"; return 1; }
    # Installing starts nothing (policy-rc.d): each daemon is started by its test.
    in_ct sh -c "[ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d; touch $marker; }"
    # apt takes the named packages from the copy, as its cache of downloaded packages. (Given
    # the copy's files instead, apt chose the package lists' entries of the same versions,
    # tried to download them and failed: "Unable to fetch some archives".)
    in_ct timeout 600 env DEBIAN_FRONTEND=noninteractive sh -c \
        "mkdir -p $cache/partial && apt-get install -y -q --no-download -o Dir::Cache::archives=$cache ${missing[*]}" \
        >>"$LOGDIR/apt.log" 2>&1 ||
        { WHY="apt-get install failed, see $LOGDIR/apt.log"; return 1; }
    in_ct sh -c "[ ! -e $marker ] || rm -f /usr/sbin/policy-rc.d $marker"
    for p in "${missing[@]}"; do
        in_ct dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            { WHY="$p not installed, see $LOGDIR/apt.log"; return 1; }
    done
}
