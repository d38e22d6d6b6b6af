#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need on a fresh Debian 12 (as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  # build
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  libinih-dev libseccomp-dev libcap-dev libgtest-dev nlohmann-json3-dev
  # packaging
  debhelper devscripts dpkg-dev lintian fakeroot
  # tests and demo
  systemd systemd-container dbus nginx-light memcached curl python3 busybox-static
  util-linux procps iproute2 libcap2-bin netcat-openbsd man-db groff-base
  # peers for comparison (benchmarks)
  bubblewrap firejail hyperfine gnuplot-nox
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
