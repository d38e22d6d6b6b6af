#!/bin/bash
# nspawn.sh — boot this machine's own OS as a throw-away systemd container.
#
# For end-to-end tests that need a real systemd as PID 1 (the machine the tests
# run on may have none). The container's root is an overlay whose lower layer
# is the host's / and whose upper layer is a tmpfs, so the container starts as
# a copy of this machine (whatever is installed here is installed there) and
# everything it writes disappears with it. The overlay and the tmpfs are
# mounted in a private mount namespace that only systemd-nspawn lives in:
# nothing is ever mounted on the host.
#
# Usage (as root; systemd-container must be installed by the caller):
#   nspawn.sh start DIR          boot a container whose state lives in DIR
#                                (on failure the container is halted and DIR
#                                kept, with console.log: remove it with stop)
#   nspawn.sh exec DIR CMD...    run CMD inside (exit status is CMD's)
#   nspawn.sh copy DIR SRC DEST  copy a host file (or directory) into it
#   nspawn.sh pid1 DIR           print the host PID of the container's init
#   nspawn.sh stop DIR           power it off, wait, remove DIR
#
# Or as a library: `source nspawn.sh` and call nspawn_start, nspawn_exec,
# nspawn_copy, nspawn_pid1, nspawn_stop with the same arguments (they return
# a status instead of exiting).
#
# DIR (created by start, must not exist or be empty) holds, on the host:
#   console.log   the container's console (boot messages) and nspawn's output
#   nspawn.pid    "PID STARTTIME" of systemd-nspawn
#   pid1          "PID STARTTIME" of the container's init, as seen on the host
#   ovl/          mount point of the tmpfs holding the overlay's upper/work
#   merged/       mount point of the overlay (the container's root)
# (The mounts on ovl/ and merged/ exist only in nspawn's mount namespace; the
# host sees two empty directories.)
#
# Environment:
#   NSPAWN_BOOT_TIMEOUT   seconds to wait for "running"/"degraded" (60)
#   NSPAWN_STOP_TIMEOUT   seconds to wait for power-off before killing (30)
#   NSPAWN_CONSOLE        systemd-nspawn --console= mode (read-only: the
#                         console goes to console.log and no tty is needed;
#                         "passive" works too but logs nothing)
#   NSPAWN_EXTRA_ARGS     more systemd-nspawn options, split on white space

NSPAWN_BOOT_TIMEOUT=${NSPAWN_BOOT_TIMEOUT:-60}
NSPAWN_STOP_TIMEOUT=${NSPAWN_STOP_TIMEOUT:-30}
NSPAWN_CONSOLE=${NSPAWN_CONSOLE:-read-only}

# The environment commands get inside the container: a clean one, so that
# nothing of the caller's (NOTIFY_SOCKET, LISTEN_*, CI variables...) leaks in.
NSPAWN_ENV=(env -i
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    HOME=/root LANG=C.UTF-8 TERM=dumb SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat)

_nspawn_err() { echo "nspawn.sh: $*" >&2; }

# _nspawn_starttime PID: field 22 of /proc/PID/stat (start time in clock
# ticks), used with the PID so that a recycled PID is never mistaken for ours.
_nspawn_starttime() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }               # drop "PID (comm) ", comm may hold spaces
    # shellcheck disable=SC2086 # split into fields on purpose
    set -- $stat
    echo "${20}"                    # field 22 overall = 20th after comm
}

# _nspawn_read_pid FILE: print the PID recorded in FILE if that process is
# still the one recorded; fail otherwise.
_nspawn_read_pid() {
    local pid start
    [[ -r $1 ]] || return 1
    read -r pid start <"$1" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(_nspawn_starttime "$pid") == "$start" ]] || return 1
    echo "$pid"
}

_nspawn_record_pid() { echo "$1 $(_nspawn_starttime "$1")" >"$2"; }

_nspawn_dir() {
    [[ -n $1 ]] || { _nspawn_err "missing DIR"; return 2; }
    realpath -m -- "$1"
}

# Machine name (also the container's hostname): from DIR's base name, made a
# valid host name, plus a short hash of the full path so that two containers
# started from same-named directories do not collide in /run/systemd/nspawn.
_nspawn_machine_name() {
    local base hash
    base=$(basename -- "$1" | tr -c 'A-Za-z0-9-\n' '-' | cut -c1-40)
    hash=$(printf '%s' "$1" | md5sum | cut -c1-8)
    echo "jh-${base#-}-$hash"
}

# nspawn_pid1 DIR: print the host PID of the container's PID 1.
nspawn_pid1() {
    local dir
    dir=$(_nspawn_dir "${1:-}") || return 2
    _nspawn_read_pid "$dir/pid1" || { _nspawn_err "no running container in $dir"; return 1; }
}

# _nspawn_find_pid1 NSPAWN_PID: the container's init is the child of
# systemd-nspawn that lives in another PID namespace.
_nspawn_find_pid1() {
    local nspid=$1 child own_ns
    own_ns=$(readlink "/proc/$nspid/ns/pid" 2>/dev/null) || return 1
    # shellcheck disable=SC2013 # the file is a list of words
    for child in $(cat /proc/"$nspid"/task/*/children 2>/dev/null); do
        if [[ $(readlink "/proc/$child/ns/pid" 2>/dev/null) != "$own_ns" ]] &&
           [[ -e /proc/$child/ns/pid ]]; then
            echo "$child"
            return 0
        fi
    done
    return 1
}

_nspawn_console_tail() {
    _nspawn_err "last lines of $1/console.log:"
    tail -n 25 "$1/console.log" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/^/    /' >&2
}

# nspawn_start DIR
nspawn_start() {
    local dir name nspid bgpid pid1="" state="" deadline cmd
    dir=$(_nspawn_dir "${1:-}") || return 2
    if [[ $EUID -ne 0 ]]; then _nspawn_err "start: must run as root"; return 1; fi
    for cmd in systemd-nspawn unshare nsenter mount; do
        command -v "$cmd" >/dev/null ||
            { _nspawn_err "start: $cmd not found (install systemd-container / util-linux)"; return 1; }
    done
    if [[ -e $dir ]] && [[ -n $(ls -A -- "$dir") ]]; then
        _nspawn_err "start: $dir exists and is not empty"
        return 1
    fi
    mkdir -p -- "$dir/ovl" "$dir/merged" || return 1
    name=$(_nspawn_machine_name "$dir")

    # One process: a shell in a private mount namespace records its PID,
    # mounts the tmpfs and the overlay, then becomes systemd-nspawn (exec), so
    # the mounts live exactly as long as nspawn's namespace. setsid: no
    # controlling terminal and its own process group, so a ^C or a hang-up
    # sent to the caller does not reach it.
    # --keep-unit --register=no: do not ask a host systemd/machined for a
    #   scope or a registration (there may be no systemd on the host).
    # --private-network: the container has only its own loopback, so its
    #   services (port 80...) never clash with the host's.
    # --console=read-only: works without a tty; output goes to console.log.
    # --system-call-filter=landlock_*: nspawn's own filter refuses Landlock's calls to the
    #   container's processes; a host whose kernel has Landlock gives them to its services, and
    #   jharden's defaults depend on it (without it a daemon keeps more of the host in reach).
    # systemd.firstboot=0: never prompt for locale/time zone/root password.
    # shellcheck disable=SC2086,SC2016 # EXTRA_ARGS split on purpose; $ for the inner shell
    setsid unshare --mount --propagation private -- bash -c '
        set -e
        dir=$1; shift
        echo "$$ $(cut -d" " -f22 /proc/$$/stat)" >"$dir/nspawn.pid"
        mount -t tmpfs -o mode=0755 jharden-nspawn "$dir/ovl"
        mkdir "$dir/ovl/upper" "$dir/ovl/work"
        mount -t overlay overlay \
            -o "lowerdir=/,upperdir=$dir/ovl/upper,workdir=$dir/ovl/work" "$dir/merged"
        exec systemd-nspawn "$@"' \
        nspawn-start "$dir" \
        --quiet --console="$NSPAWN_CONSOLE" --private-network \
        --directory="$dir/merged" --machine="$name" \
        --boot --register=no --keep-unit \
        --setenv=SYSTEMD_COLORS=0 \
        --system-call-filter='landlock_create_ruleset landlock_add_rule landlock_restrict_self' \
        ${NSPAWN_EXTRA_ARGS:-} \
        -- systemd.firstboot=0 systemd.log_color=0 \
        </dev/null >"$dir/console.log" 2>&1 &
    bgpid=$!

    deadline=$((SECONDS + NSPAWN_BOOT_TIMEOUT))
    # 1. systemd-nspawn's PID (written by the shell before it execs nspawn)
    until nspid=$(_nspawn_read_pid "$dir/nspawn.pid"); do
        if ((SECONDS >= deadline)) || ! kill -0 "$bgpid" 2>/dev/null; then
            _nspawn_err "start: systemd-nspawn did not start"
            _nspawn_console_tail "$dir"
            _nspawn_halt "$dir"
            return 1
        fi
        sleep 0.1
    done
    # 2. the container's PID 1, and 3. its state
    while ((SECONDS < deadline)); do
        if ! kill -0 "$nspid" 2>/dev/null; then
            _nspawn_err "start: systemd-nspawn exited before the container was up"
            _nspawn_console_tail "$dir"
            return 1
        fi
        if [[ -z $pid1 ]] && pid1=$(_nspawn_find_pid1 "$nspid"); then
            _nspawn_record_pid "$pid1" "$dir/pid1"
        fi
        if [[ -n $pid1 ]]; then
            state=$(nsenter -t "$pid1" -a "${NSPAWN_ENV[@]}" \
                    systemctl is-system-running 2>/dev/null)
            case $state in
                running | degraded) return 0 ;;
            esac
        fi
        sleep 0.2
    done
    _nspawn_err "start: container not up after ${NSPAWN_BOOT_TIMEOUT}s (state: ${state:-unknown})"
    _nspawn_console_tail "$dir"
    _nspawn_halt "$dir"
    return 1
}

# nspawn_exec DIR CMD [ARG...]: run CMD in all the container's namespaces
# (mount, pid, net, ipc, uts, cgroup), with its root, a clean environment
# (use `env VAR=VALUE CMD` for more) and the caller's stdin/stdout/stderr.
nspawn_exec() {
    local dir pid1
    dir=$(_nspawn_dir "${1:-}") || return 2
    shift
    (($# > 0)) || { _nspawn_err "exec: missing command"; return 2; }
    pid1=$(nspawn_pid1 "$dir") || return 1
    nsenter --target "$pid1" --all --root --wd "${NSPAWN_ENV[@]}" "$@"
}

# nspawn_copy DIR SRC DEST: copy host file SRC to DEST inside the container
# (parent directories created, mode kept, owned by root). The data is streamed
# through a process inside the container, so DEST and its parents are resolved
# in the container's tree (a symlink there never points back to the host).
# A directory SRC is copied recursively (DEST is created and receives SRC's
# contents).
nspawn_copy() {
    local dir src=${2:-} dest=${3:-} mode
    dir=$(_nspawn_dir "${1:-}") || return 2
    if [[ -z $src || -z $dest ]]; then _nspawn_err "copy: usage: copy DIR SRC DEST"; return 2; fi
    if [[ -d $src ]]; then
        # shellcheck disable=SC2016 # $1 of the inner shell
        tar -C "$src" --numeric-owner -cf - . |
            nspawn_exec "$dir" sh -c 'mkdir -p -- "$1" && tar -C "$1" -xf -' sh "$dest"
    elif [[ -f $src ]]; then
        mode=$(stat -c %a -- "$src") || return 1
        nspawn_exec "$dir" install -D -m "$mode" -o root -g root /dev/stdin "$dest" <"$src"
    else
        _nspawn_err "copy: $src: not a regular file or directory"
        return 1
    fi
}

# _nspawn_wait_gone PID SECONDS
_nspawn_wait_gone() {
    local deadline=$((SECONDS + $2))
    while kill -0 "$1" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# _nspawn_halt DIR: power the container off; kill it after
# NSPAWN_STOP_TIMEOUT seconds. Fails if it had to be killed.
_nspawn_halt() {
    local dir=$1 nspid pid1 rc=0
    nspid=$(_nspawn_read_pid "$dir/nspawn.pid") || nspid=""
    pid1=$(_nspawn_read_pid "$dir/pid1") || pid1=""
    if [[ -n $pid1 ]]; then
        # --no-block: only queue the job; waiting would see the bus go away.
        nsenter -t "$pid1" -a "${NSPAWN_ENV[@]}" systemctl poweroff --no-block 2>/dev/null ||
            kill -s SIGRTMIN+4 "$pid1" 2>/dev/null # systemd: poweroff
    elif [[ -n $nspid ]]; then
        kill -TERM "$nspid" 2>/dev/null # nspawn: shut the container down
    fi
    if [[ -n $nspid ]] && ! _nspawn_wait_gone "$nspid" "$NSPAWN_STOP_TIMEOUT"; then
        _nspawn_err "stop: no power-off after ${NSPAWN_STOP_TIMEOUT}s, killing the container"
        rc=1
        # Killing a PID namespace's init kills everything in it; nspawn then
        # notices and exits. It is killed too if it does not within 5 s.
        [[ -n $pid1 ]] && kill -KILL "$pid1" 2>/dev/null
        _nspawn_wait_gone "$nspid" 5 || { kill -KILL "$nspid" 2>/dev/null; _nspawn_wait_gone "$nspid" 5; }
    fi
    if [[ -n $pid1 ]] && [[ $(_nspawn_read_pid "$dir/pid1") == "$pid1" ]]; then
        kill -KILL "$pid1" 2>/dev/null
        _nspawn_wait_gone "$pid1" 5
    fi
    return "$rc"
}

# nspawn_stop DIR: power the container off (killing it after
# NSPAWN_STOP_TIMEOUT seconds) and remove DIR. Also cleans up after a
# container that is already gone, or whose start failed.
nspawn_stop() {
    local dir rc=0
    dir=$(_nspawn_dir "${1:-}") || return 2
    [[ -d $dir ]] || { _nspawn_err "stop: $dir: no such directory"; return 1; }
    _nspawn_halt "$dir" || rc=1
    # The mounts were only ever in nspawn's namespace, which is gone now; on
    # the host DIR holds plain files. Refuse to delete anything mounted.
    if awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' \
           /proc/self/mountinfo; then
        _nspawn_err "stop: something is mounted under $dir on the host; not removing it"
        return 1
    fi
    rm -rf --one-file-system -- "$dir" || rc=1
    return "$rc"
}

_nspawn_main() {
    local cmd=${1:-}
    shift || true
    case $cmd in
        start) (($# == 1)) || { _nspawn_err "usage: start DIR"; return 2; }; nspawn_start "$1" ;;
        exec) nspawn_exec "$@" ;;
        copy) (($# == 3)) || { _nspawn_err "usage: copy DIR SRC DEST"; return 2; }; nspawn_copy "$@" ;;
        pid1) (($# == 1)) || { _nspawn_err "usage: pid1 DIR"; return 2; }; nspawn_pid1 "$1" ;;
        stop) (($# == 1)) || { _nspawn_err "usage: stop DIR"; return 2; }; nspawn_stop "$1" ;;
        -h | --help | help) sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" ;;
        *) _nspawn_err "usage: nspawn.sh start|exec|copy|pid1|stop DIR ..."; return 2 ;;
    esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -u
    _nspawn_main "$@"
    exit $?
fi
