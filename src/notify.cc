#include "notify.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "unique_fd.h"

namespace jharden {
namespace {

constexpr int kBarrierTimeoutMs = 5000;

// systemd accepts a message only from the unit's main process unless the unit relaxes
// NotifyAccess=, which would let every process of the service (any worker of a compromised
// daemon) alter its state. jharden's readiness helper is not the main process, so it names
// the main process in SCM_CREDENTIALS: the kernel allows that to a sender with CAP_SYS_ADMIN
// (the helper is forked before any privilege drop) as long as that process lives, and refuses
// it with ESRCH otherwise. The datagram is built here rather than by libsystemd's
// sd_pid_notify(), which retries with the sender's own credentials when the named ones are
// refused: systemd would then log "reception only permitted for main PID" and ignore it.

// $NOTIFY_SOCKET as an address: a path, or "@name" in the abstract namespace (as systemd).
bool notify_address(const char* value, sockaddr_un& addr, socklen_t& len) {
  size_t n = std::strlen(value);
  if ((value[0] != '/' && value[0] != '@') || n < 2 || n >= sizeof addr.sun_path) return false;
  addr = {};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, value, n);
  if (value[0] == '@') addr.sun_path[0] = '\0';
  len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n + (value[0] == '/' ? 1 : 0));
  return true;
}

// Sends `text` as one datagram, credited to `as_pid` (0: the sender itself, which the kernel
// fills in) and carrying `pass_fd` (-1: none). Returns 0 or an errno.
int send_datagram(const std::string& text, pid_t as_pid, int pass_fd) {
  sockaddr_un addr;
  socklen_t addr_len = 0;
  if (!notify_address(std::getenv("NOTIFY_SOCKET"), addr, addr_len)) return EAFNOSUPPORT;
  unique_fd s(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) return errno;
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr msg{};
  msg.msg_name = &addr;
  msg.msg_namelen = addr_len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int))] = {};
  size_t space =
      (as_pid > 0 ? CMSG_SPACE(sizeof(ucred)) : 0) + (pass_fd >= 0 ? CMSG_SPACE(sizeof(int)) : 0);
  if (space > 0) {
    msg.msg_control = control;
    msg.msg_controllen = space;
  }
  cmsghdr* c = space > 0 ? CMSG_FIRSTHDR(&msg) : nullptr;
  if (as_pid > 0) {
    ucred cred{as_pid, getuid(), getgid()};
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof cred);
    std::memcpy(CMSG_DATA(c), &cred, sizeof cred);
    c = CMSG_NXTHDR(&msg, c);
  }
  if (pass_fd >= 0) {
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof pass_fd);
    std::memcpy(CMSG_DATA(c), &pass_fd, sizeof pass_fd);
  }
  return sendmsg(s.get(), &msg, MSG_NOSIGNAL) < 0 ? errno : 0;
}

// sd_notify_barrier(3): BARRIER=1 with the write end of a pipe, which systemd closes once it
// has read every earlier message on the socket. systemd handles it before it looks for the
// sender's unit (manager_process_barrier_fd), so the helper sends it as itself: it needs no
// NotifyAccess= and stays valid after the main process has gone. Returns 0 or an errno.
int barrier() {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return errno;
  unique_fd read_end(p[0]), write_end(p[1]);
  if (int err = send_datagram("BARRIER=1", 0, write_end.get())) return err;
  write_end.reset();
  pollfd pfd{read_end.get(), 0, 0};  // POLLHUP is always reported
  int n;
  while ((n = poll(&pfd, 1, kBarrierTimeoutMs)) < 0 && errno == EINTR) {
  }
  if (n < 0) return errno;
  return n == 0 ? ETIMEDOUT : 0;
}

bool send(pid_t main_pid, const std::string& message) {
  if (!std::getenv("NOTIFY_SOCKET")) return true;  // nobody to tell, as with sd_notify()
  if (int err = send_datagram(message, main_pid, -1)) {
    std::fprintf(stderr, "jharden: notify: cannot send to $NOTIFY_SOCKET as PID %d: %s%s\n",
                 static_cast<int>(main_pid), std::strerror(err),
                 err == ESRCH ? " (the main process has exited)" : "");
    return false;
  }
  if (int err = barrier()) {
    std::fprintf(stderr, "jharden: notify: barrier failed: %s\n", std::strerror(err));
    return false;
  }
  return true;
}

}  // namespace

bool notify_ready(pid_t main_pid) {
  return send(main_pid, "READY=1\nMAINPID=" + std::to_string(main_pid));
}

bool notify_failure(pid_t main_pid, const std::string& status, int err) {
  std::string msg = "STATUS=" + status;
  if (err != 0) msg += "\nERRNO=" + std::to_string(err);
  return send(main_pid, msg);
}

}  // namespace jharden
