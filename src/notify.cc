#include "notify.h"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace jharden {
namespace {

constexpr uint64_t kBarrierTimeoutUsec = 5'000'000;

bool send(const std::string& message) {
  int rc = sd_notify(0, message.c_str());
  if (rc < 0) {
    std::fprintf(stderr, "jharden: notify: cannot send to $NOTIFY_SOCKET: %s\n",
                 std::strerror(-rc));
    return false;
  }
  if (rc > 0) {
    rc = sd_notify_barrier(0, kBarrierTimeoutUsec);
    if (rc < 0) {
      std::fprintf(stderr, "jharden: notify: barrier failed: %s\n", std::strerror(-rc));
      return false;
    }
  }
  return true;
}

}  // namespace

bool notify_main_pid(pid_t pid, bool ready) {
  std::string msg = "MAINPID=" + std::to_string(pid);
  if (ready) msg += "\nREADY=1";
  return send(msg);
}

void notify_failure(const std::string& status, int err) {
  std::string msg = "STATUS=" + status;
  if (err != 0) msg += "\nERRNO=" + std::to_string(err);
  send(msg);
}

}  // namespace jharden
