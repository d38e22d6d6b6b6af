#include "notify.h"

#include <dlfcn.h>
#include <signal.h>
#include <systemd/sd-daemon.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace jharden {
namespace {

constexpr uint64_t kBarrierTimeoutUsec = 5'000'000;

// libsystemd's sd_pid_notify() and sd_notify_barrier(), loaded only when there is a manager
// to talk to: linked in, libsystemd and its dependencies made the dynamic loader the largest
// cost of every start (docs/performance.md). Loaded by absolute path, and before the daemon
// exists (preload_libsystemd): the readiness helper keeps full privileges, so it must never
// search $LD_LIBRARY_PATH once a daemon could have planted a library there.
struct Libsystemd {
  decltype(&sd_pid_notify) pid_notify = nullptr;
  decltype(&sd_notify_barrier) barrier = nullptr;
  std::string error;  // dlerror() of the load, which may be long before the first message
};

Libsystemd& libsystemd() {
  static Libsystemd lib;
  return lib;
}

// systemd accepts a message only from the unit's main process unless the unit relaxes
// NotifyAccess=, which would let every process of the service (any worker of a compromised
// daemon) alter its state. jharden's readiness helper is not the main process, so it names
// the main process in SCM_CREDENTIALS (sd_pid_notify): the kernel allows that to a sender
// with CAP_SYS_ADMIN (the helper is forked before any privilege drop) while that process
// lives. A gone main process is never named: libsystemd would then resend with the helper's
// own pid, which systemd logs as "reception only permitted for main PID" and drops.
bool send(pid_t main_pid, const std::string& message) {
  if (!std::getenv("NOTIFY_SOCKET")) return true;  // nobody to tell, as with sd_notify()
  const Libsystemd& sd = libsystemd();
  if (!sd.pid_notify) {
    std::fprintf(stderr, "jharden: notify: libsystemd is not loaded\n");
    return false;
  }
  if (kill(main_pid, 0) != 0) {
    std::fprintf(stderr,
                 "jharden: notify: cannot send as PID %d: %s (the main process has exited)\n",
                 static_cast<int>(main_pid), std::strerror(errno));
    return false;
  }
  int rc = sd.pid_notify(main_pid, 0, message.c_str());
  if (rc <= 0) {
    std::fprintf(stderr, "jharden: notify: cannot send to $NOTIFY_SOCKET as PID %d: %s\n",
                 static_cast<int>(main_pid), rc == 0 ? "no socket" : std::strerror(-rc));
    return false;
  }
  // The barrier goes out as the helper itself: systemd handles BARRIER=1 before it looks for
  // the sender's unit (manager_process_barrier_fd), so it needs no NotifyAccess=.
  rc = sd.barrier(0, kBarrierTimeoutUsec);
  if (rc < 0) {
    std::fprintf(stderr, "jharden: notify: barrier failed: %s\n", std::strerror(-rc));
    return false;
  }
  return true;
}

}  // namespace

bool preload_libsystemd() {
  Libsystemd& sd = libsystemd();
  if (sd.pid_notify || !std::getenv("NOTIFY_SOCKET")) return true;
  void* handle = dlopen(JHARDEN_LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::fprintf(stderr, "jharden: notify: cannot load %s: %s\n", JHARDEN_LIBSYSTEMD, dlerror());
    return false;
  }
  sd.pid_notify = reinterpret_cast<decltype(&sd_pid_notify)>(dlsym(handle, "sd_pid_notify"));
  sd.barrier = reinterpret_cast<decltype(&sd_notify_barrier)>(dlsym(handle, "sd_notify_barrier"));
  if (sd.pid_notify && sd.barrier) return true;
  sd = Libsystemd{};
  std::fprintf(stderr, "jharden: notify: %s lacks sd_pid_notify or sd_notify_barrier\n",
               JHARDEN_LIBSYSTEMD);
  return false;
}

bool notify_ready(pid_t main_pid) {
  return send(main_pid, "READY=1\nMAINPID=" + std::to_string(main_pid));
}

bool notify_failure(pid_t main_pid, const std::string& status, int err) {
  std::string msg = "STATUS=" + status;
  if (err != 0) msg += "\nERRNO=" + std::to_string(err);
  return send(main_pid, msg);
}

}  // namespace jharden
