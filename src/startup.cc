#include "startup.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "cap_names.h"
#include "paths.h"

namespace jharden {
namespace {

// What jharden's set-up cannot do without: namespaces and mounts, the bounding-set drop, and
// the identity change.
constexpr int kSetupCaps[] = {CAP_SYS_ADMIN, CAP_SETPCAP, CAP_SETUID, CAP_SETGID};

constexpr const char* kPlusFix =
    "start jharden with full privileges, ExecStart=+/usr/lib/jharden ... (the \"+\" "
    "prefix; jharden then applies the policy's own restrictions to the daemon)";

}  // namespace

InheritedFds take_inherited_fds() {
  InheritedFds r;
  const char* pid = getenv("LISTEN_PID");
  const char* fds = getenv("LISTEN_FDS");
  if (!pid || !fds || std::to_string(getpid()) != pid) return r;
  char* end;
  errno = 0;
  long n = std::strtol(fds, &end, 10);
  if (*fds == '\0' || *end != '\0' || errno != 0 || n < 0 || n > 65536) {
    r.error = "$LISTEN_FDS is not a descriptor count: \"" + std::string(fds) + "\"";
    return r;
  }
  for (long fd = 3; fd < 3 + n; ++fd) {
    if (fcntl(static_cast<int>(fd), F_GETFD) < 0) {
      r.error = "$LISTEN_FDS=" + std::to_string(n) + " but descriptor " + std::to_string(fd) +
                " is not open (only " + std::to_string(fd - 3) +
                " passed); refusing to hand descriptors of jharden's own to the daemon";
      return r;
    }
  }
  r.listen_fds = static_cast<int>(n);
  return r;
}

CallerSandbox read_caller_sandbox() {
  CallerSandbox c;
  // read(2), not a stream: the first stream of a run builds the C++ locale (every facet, some
  // 100 KiB of code), and this is the only one on the start path (docs/performance.md).
  std::string status;
  if (int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC); fd >= 0) {
    if (!read_limited(fd, 64 * 1024, status)) status.clear();
    close(fd);
  }
  for (size_t start = 0; start < status.size();) {
    size_t end = status.find('\n', start);
    if (end == std::string::npos) end = status.size();
    const char* line = status.c_str() + start;
    if (status.compare(start, 8, "Seccomp:") == 0) c.seccomp = std::atoi(line + 8);
    if (status.compare(start, 7, "CapBnd:") == 0) c.cap_bnd = std::strtoull(line + 7, nullptr, 16);
    start = end + 1;
  }
  c.under_systemd = getenv("INVOCATION_ID") != nullptr;
  return c;
}

std::string missing_setup_capabilities(const CallerSandbox& caller) {
  std::string out;
  for (int cap : kSetupCaps)
    if (!(caller.cap_bnd & (1ULL << cap))) out += (out.empty() ? "" : " ") + capability_name(cap);
  return out;
}

std::string caller_sandbox_hint(const CallerSandbox& caller, const StepError& error) {
  const bool refused = error.err == EPERM || error.err == EACCES || error.err == ENOSYS;
  std::string missing = missing_setup_capabilities(caller);
  if (!missing.empty() && (refused || error.code == kExitCapabilities))
    return "jharden started without " + missing +
           " in its bounding set, which only its caller's sandbox explains (the unit's "
           "CapabilityBoundingSet=, or User= without AmbientCapabilities=): " +
           kPlusFix;
  if (caller.seccomp == 2 && refused)
    return std::string(
               "jharden started under a seccomp filter (Seccomp: 2 in /proc/self/status), "
               "so this refusal most likely comes from the unit's own "
               "SystemCallFilter=, RestrictNamespaces=, RestrictSUIDSGID=, "
               "LockPersonality= or MemoryDenyWriteExecute=: ") +
           kPlusFix;
  return "";
}

std::string caller_sandbox_warning(const CallerSandbox& caller) {
  if (caller.seccomp != 2 || !caller.under_systemd) return "";
  return std::string(
             "warning: started under a seccomp filter of the unit's own (SystemCallFilter=, "
             "RestrictNamespaces=, RestrictSUIDSGID=, ...); if it refuses or kills a set-up "
             "step, ") +
         kPlusFix;
}

}  // namespace jharden
