#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need on a fresh Debian 12 (as root).
# apt's output goes to a log file ($JHARDEN_SETUP_LOG, default /var/log/jharden-setup.log);
# the screen gets a few progress lines, and the log's tail when something fails.
set -euo pipefail
log=${JHARDEN_SETUP_LOG:-/var/log/jharden-setup.log}
export DEBIAN_FRONTEND=noninteractive
packages=(
  # build
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  libinih-dev libseccomp-dev libsystemd-dev libcap-dev libgtest-dev nlohmann-json3-dev
  # the --learn observer: a BPF program built with clang, its skeleton made by bpftool
  llvm bpftool libbpf-dev
  # packaging
  debhelper devscripts dpkg-dev lintian fakeroot
  # tests and demo
  systemd systemd-container dbus nginx-light memcached curl python3 busybox-static
  util-linux procps iproute2 libcap2-bin netcat-openbsd man-db groff-base
  # strace: behaviour.sh counts the reads a plain start makes (none of --verify's host facts)
  strace
  # the stop/restart tests under systemd (tests/systemd/killmode.sh): the container is a copy
  # of this machine without a network, so its daemons are installed here
  postgresql postgresql-contrib redis-server
  # peers for comparison (benchmarks)
  bubblewrap firejail hyperfine gnuplot-nox
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "setup: installing ${#missing[@]} packages (log: $log)"
fail() {
  echo "setup: $1 failed; the last lines of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
}
{ echo "== $(date -u '+%F %T') apt-get install ${missing[*]}"; } >>"$log"
apt-get update -qq >>"$log" 2>&1 || fail "apt-get update"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1 ||
  fail "apt-get install"
echo "setup: done"
