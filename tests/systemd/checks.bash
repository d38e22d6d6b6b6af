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
