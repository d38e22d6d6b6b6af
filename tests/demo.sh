#!/usr/bin/env bash
# The demo: Debian's stock nginx hardened by jharden.
#
# Sets up a fresh Debian 12 (as root), builds jharden and its Debian package, then runs
# nginx through the shipped drop-in (units/nginx.service.d/jharden.conf) under a real
# systemd: this machine's own OS booted in a throw-away systemd-nspawn container. Where no
# container can be booted, jharden runs nginx directly. Either way it shows that nginx
# serves, what the sandbox looks like from outside, `jharden --verify nginx.conf` and
# `jharden --analyze nginx.conf`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Setting up and building"
# A few progress lines on the screen; apt's, the compiler's and the packaging's output goes
# to log files, whose tail is shown if a step fails.
log=${JHARDEN_DEMO_LOG:-/var/log/jharden-demo.log}
: >"$log"
quiet() {  # quiet WHAT CMD...: run CMD with its output in $log
  echo "$1 (log: $log)"
  "${@:2}" >>"$log" 2>&1 || { echo "failed; the last lines of $log:" >&2; tail -n 20 "$log" >&2; exit 1; }
}
bash tests/setup-deps.sh
quiet "configuring" cmake -S . -B build-demo -G Ninja -DJHARDEN_TESTS=OFF
quiet "building jharden" cmake --build build-demo
# The package's own build runs the unit tests; the demo skips them (tests/run-all.sh runs them).
quiet "building the Debian package" env DEB_BUILD_OPTIONS=nocheck bash tests/package.sh
echo "built build-demo/src/jharden and build/jharden.deb"

demo_systemd() {
  # shellcheck source=systemd/nspawn.sh
  source tests/systemd/nspawn.sh
  ct=$(mktemp -d -u /tmp/jharden-demo.XXXXXX)
  nspawn_start "$ct" >/dev/null || return 1
  trap 'nspawn_stop "$ct" >/dev/null 2>&1 || true' EXIT
  in_ct() { nspawn_exec "$ct" "$@"; }
  nspawn_copy "$ct" build/jharden.deb /root/jharden.deb
  in_ct dpkg -i /root/jharden.deb >/dev/null
  in_ct install -D -m 0644 /usr/share/doc/jharden/examples/units/nginx.service.d/jharden.conf \
    /etc/systemd/system/nginx.service.d/jharden.conf
  in_ct systemctl daemon-reload
  in_ct systemctl stop nginx 2>/dev/null || true
  in_ct systemctl reset-failed nginx 2>/dev/null || true

  say "systemctl start nginx (Type=notify, ExecStart=/usr/lib/jharden nginx.conf)"
  in_ct systemctl start nginx
  in_ct systemctl --no-pager status nginx | head -12
  pid=$(in_ct systemctl show -p MainPID --value nginx)
  echo "MainPID=$pid: $(in_ct cat /proc/"$pid"/comm) running as $(in_ct ps -o user= -p "$pid")"
  echo "curl http://127.0.0.1/ -> $(in_ct curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/)"

  say "The sandbox, seen from outside (nsenter into nginx's namespaces)"
  in_ct nsenter -t "$pid" -m sh -c 'touch /usr/x 2>&1 | sed "s/^/  /"; touch /etc/x 2>&1 | sed "s/^/  /"
    echo "  /tmp: $(ls -A /tmp | wc -l) entries; /proc/loadavg: \"$(cat /proc/loadavg)\""'
  echo "  $(in_ct grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/"$pid"/status | tr '\n\t' '  ')"

  say "systemctl reload nginx"
  in_ct systemctl reload nginx && echo "reloaded; MainPID still $(in_ct systemctl show -p MainPID --value nginx)"

  say "jharden --verify nginx.conf"
  in_ct jharden --verify nginx.conf || true
  say "jharden --analyze nginx.conf"
  in_ct jharden --analyze nginx.conf
  say "jharden --analyze --unit nginx.service (the unit with its drop-ins, and the policy it runs)"
  in_ct jharden --analyze --unit nginx.service | grep "Overall exposure" || true
  say "For comparison: systemd-analyze security of the stock nginx.service"
  in_ct systemd-analyze security --offline=yes --no-pager /lib/systemd/system/nginx.service | tail -1
  in_ct systemctl stop nginx
}

demo_direct() {
  say "No systemd container here: running nginx through jharden directly"
  jharden=build-demo/src/jharden
  $jharden conf/nginx.conf &
  front=$!
  trap 'kill -TERM "$front" 2>/dev/null || true' EXIT
  sleep 1
  echo "curl http://127.0.0.1/ -> $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/)"
  say "jharden --verify conf/nginx.conf"
  $jharden --verify conf/nginx.conf || true
  say "jharden --analyze conf/nginx.conf"
  $jharden --analyze conf/nginx.conf
  kill -TERM "$front"
  wait "$front" || true
}

if command -v systemd-nspawn >/dev/null && demo_systemd; then
  say "Done: nginx ran hardened under systemd, and the container is gone"
else
  demo_direct
fi
