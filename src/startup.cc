#include "startup.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
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

// The count of $LISTEN_FDS when $LISTEN_PID is this process and they are open, else 0 (and
// r.error when the count is wrong).
void count_listen_fds(InheritedFds& r) {
  const char* pid = getenv("LISTEN_PID");
  const char* fds = getenv("LISTEN_FDS");
  if (!pid || !fds || std::to_string(getpid()) != pid) return;
  char* end;
  errno = 0;
  long n = std::strtol(fds, &end, 10);
  if (*fds == '\0' || *end != '\0' || errno != 0 || n < 0 || n > 65536) {
    r.error = "$LISTEN_FDS is not a descriptor count: \"" + std::string(fds) + "\"";
    return;
  }
  for (long fd = 3; fd < 3 + n; ++fd) {
    if (fcntl(static_cast<int>(fd), F_GETFD) < 0) {
      r.error = "$LISTEN_FDS=" + std::to_string(n) + " but descriptor " + std::to_string(fd) +
                " is not open (only " + std::to_string(fd - 3) +
                " passed); refusing to hand descriptors of jharden's own to the daemon";
      return;
    }
  }
  r.listen_fds = static_cast<int>(n);
}

}  // namespace

InheritedFds take_inherited_fds() {
  InheritedFds r;
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    if (open("/dev/null", O_RDWR | O_NOCTTY) != fd) {
      r.error = "descriptor " + std::to_string(fd) +
                " is closed and /dev/null could not take its place: " + std::strerror(errno);
      return r;
    }
  }
  count_listen_fds(r);
  return r;
}

std::string disown_descriptors(int count) {
  for (int fd = 0; fd < count; ++fd) {
    f_owner_ex owner{};
    if (fcntl(fd, F_GETOWN_EX, &owner) != 0 || owner.pid == 0) continue;
    return "descriptor " + std::to_string(fd) + " sends SIGIO to " +
           (owner.type == F_OWNER_PGRP  ? "process group "
            : owner.type == F_OWNER_TID ? "thread "
                                        : "process ") +
           std::to_string(owner.pid) +
           " (an owner set with F_SETOWN before jharden started): the daemon could make that "
           "any signal (F_SETSIG) and send it there from inside its sandbox; refusing to hand "
           "it over";
  }
  // F_GETOWN_EX says 0 also for an owner it cannot name: a thread given as a process, a
  // process group with no member yet, a process outside this PID namespace. Cleared.
  for (int fd = 0; fd < count; ++fd)
    if (fcntl(fd, F_SETOWN, 0) != 0 && errno != EBADF)
      return "descriptor " + std::to_string(fd) +
             ": clear its SIGIO owner (F_SETOWN): " + std::strerror(errno);
  return "";
}

namespace {

// The text of /proc/PID/status ("self" or a number), empty when unreadable. read(2), not a
// stream: the first stream of a run builds the C++ locale (every facet, some 100 KiB of
// code), and this is on the start path (docs/performance.md).
std::string read_status(const std::string& pid) {
  std::string status;
  if (int fd = open(("/proc/" + pid + "/status").c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    if (!read_limited(fd, 64 * 1024, status)) status.clear();
    close(fd);
  }
  return status;
}

// The text after "KEY:" on its line of a status file, or null.
const char* status_field(const std::string& status, const std::string& key) {
  for (size_t start = 0; start < status.size();) {
    size_t end = status.find('\n', start);
    if (end == std::string::npos) end = status.size();
    if (status.compare(start, key.size() + 1, key + ":") == 0)
      return status.c_str() + start + key.size() + 1;
    start = end + 1;
  }
  return nullptr;
}

}  // namespace

namespace {

// A descriptor the daemon can reach a terminal through: a terminal; a directory (/dev/pts, or
// any other holding device nodes: openat() beneath it); a character device opened with
// O_PATH, which isatty() cannot ask but /proc/self/fd reopens as what it names.
bool reaches_terminal(int fd) {
  if (isatty(fd)) return true;
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  if (S_ISDIR(st.st_mode)) return true;
  const int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && (flags & O_PATH) != 0 && S_ISCHR(st.st_mode);
}

}  // namespace

bool terminal_within_reach(int listen_fds) {
  for (int fd = 0; fd < 3 + listen_fds; ++fd)
    if (reaches_terminal(fd)) return true;
  int tty = open("/dev/tty", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (tty < 0) return false;
  close(tty);
  return true;
}

CallerSandbox read_caller_sandbox() {
  CallerSandbox c;
  std::string status = read_status("self");
  if (const char* v = status_field(status, "Seccomp")) c.seccomp = std::atoi(v);
  if (const char* v = status_field(status, "CapBnd")) c.cap_bnd = std::strtoull(v, nullptr, 16);
  c.under_systemd = getenv("INVOCATION_ID") != nullptr;
  if (c.seccomp != 2 || !c.under_systemd) return c;
  // The manager: the user manager ($MANAGERPID) or the system's, PID 1 (in a container, the
  // container's).
  const char* manager = getenv("MANAGERPID");
  const std::string manager_status = read_status(manager ? manager : "1");
  const char* own = status_field(status, "Seccomp_filters");
  const char* its = status_field(manager_status, "Seccomp_filters");
  c.filters_inherited = own && its && std::atoi(own) <= std::atoi(its);
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
  if (caller.seccomp == 2 && refused && caller.filters_inherited)
    return "jharden started under the seccomp filters its service manager runs under too (a "
           "container's, such as systemd-nspawn's), which may refuse this step: run the "
           "service where that filter allows unshare(2) and mount(2)";
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
  if (caller.seccomp != 2 || !caller.under_systemd || caller.filters_inherited) return "";
  return std::string(
             "warning: started under a seccomp filter of the unit's own (SystemCallFilter=, "
             "RestrictNamespaces=, RestrictSUIDSGID=, ...); if it refuses or kills a set-up "
             "step, ") +
         kPlusFix;
}

}  // namespace jharden
