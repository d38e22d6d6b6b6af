#!/usr/bin/env bash
# Builds the Debian package from a clean copy of the tree (so the tree stays clean), runs
# lintian on it (errors fail), and leaves the package at build/jharden.deb.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/jharden-$version
mkdir -p "$src"
git -C "$repo" ls-files -z --cached --others --exclude-standard |
  (cd "$repo" && xargs -0 cp --parents -t "$src")
# -J: as many jobs as CPUs for the build and its unit tests (dh builds with one otherwise).
(cd "$src" && dpkg-buildpackage -b -us -uc -J"$(nproc)" >"$work/build.log" 2>&1) ||
  { tail -40 "$work/build.log"; exit 1; }
deb=$(ls "$work"/jharden_*.deb)
mkdir -p "$repo/build"
cp "$deb" "$repo/build/jharden.deb"
dpkg-deb -c "$deb"
lintian --fail-on error --info "$deb"
echo "package: $repo/build/jharden.deb (lintian: no errors)"
