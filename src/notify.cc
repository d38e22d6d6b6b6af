#include "notify.h"

#include <dlfcn.h>
#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace jharden {
namespace {

constexpr uint64_t kBarrierTimeoutUsec = 5'000'000;

// libsystemd's sd_notify() and sd_notify_barrier(), loaded when there is something to tell
// systemd. Linked in, libsystemd and its dependencies (libgcrypt, liblzma, libzstd, liblz4)
// made the dynamic loader the largest cost of every start, systemd or not (docs/
// performance.md). Loaded by its absolute path, configured at build time: a name would be
// searched for in $LD_LIBRARY_PATH, which the unit sets for its daemon and where that daemon
// may write (a library planted there would run outside the sandbox with every privilege).
static_assert(JHARDEN_LIBSYSTEMD[0] == '/', "JHARDEN_LIBSYSTEMD must be an absolute path");

struct Libsystemd {
  decltype(&sd_notify) notify = nullptr;
  decltype(&sd_notify_barrier) barrier = nullptr;
  std::string error;  // dlerror() of the load, which may be long before the first message
};

const Libsystemd& loaded() {
  static const Libsystemd lib = [] {
    Libsystemd l;
    void* handle = dlopen(JHARDEN_LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* e = dlerror();
      l.error = e ? e : "unknown error";
      return l;
    }
    l.notify = reinterpret_cast<decltype(&sd_notify)>(dlsym(handle, "sd_notify"));
    l.barrier = reinterpret_cast<decltype(&sd_notify_barrier)>(dlsym(handle, "sd_notify_barrier"));
    return l;
  }();
  return lib;
}

const Libsystemd* libsystemd() {
  const Libsystemd& lib = loaded();
  return lib.notify && lib.barrier ? &lib : nullptr;
}

bool send(const std::string& message) {
  if (!getenv("NOTIFY_SOCKET")) return true;  // nobody to tell, as with sd_notify()
  const Libsystemd* sd = libsystemd();
  if (!sd) {
    std::fprintf(stderr, "jharden: notify: cannot load " JHARDEN_LIBSYSTEMD ": %s\n",
                 loaded().error.empty() ? "no sd_notify in it" : loaded().error.c_str());
    return false;
  }
  int rc = sd->notify(0, message.c_str());
  if (rc < 0) {
    std::fprintf(stderr, "jharden: notify: cannot send to $NOTIFY_SOCKET: %s\n",
                 std::strerror(-rc));
    return false;
  }
  if (rc > 0) {
    rc = sd->barrier(0, kBarrierTimeoutUsec);
    if (rc < 0) {
      std::fprintf(stderr, "jharden: notify: barrier failed: %s\n", std::strerror(-rc));
      return false;
    }
  }
  return true;
}

}  // namespace

void notify_load() {
  if (getenv("NOTIFY_SOCKET")) (void)libsystemd();
}

bool notify_ready(pid_t main_pid) { return send("READY=1\nMAINPID=" + std::to_string(main_pid)); }

void notify_failure(const std::string& status, int err) {
  std::string msg = "STATUS=" + status;
  if (err != 0) msg += "\nERRNO=" + std::to_string(err);
  send(msg);
}

}  // namespace jharden
