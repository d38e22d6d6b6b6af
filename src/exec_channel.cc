#include "exec_channel.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "error.h"
#include "notify.h"

namespace jharden {
namespace {

constexpr char kMarkExec = 'R';         // written right before execve
constexpr char kMarkExecFailed = 'E';   // + errno: execve failed
constexpr char kMarkSetupFailed = 'S';  // + exit code: a set-up step failed
constexpr char kMarkReported = 'A';     // reader -> writer: the failure has been reported
// How long a failed writer waits for kMarkReported: longer than a send and its barrier.
constexpr time_t kReportTimeoutSec = 10;

bool send_mark(int writer, char mark, int value = 0, bool with_value = false) {
  if (writer < 0) return true;
  char msg[1 + sizeof value];
  msg[0] = mark;
  std::memcpy(msg + 1, &value, sizeof value);
  size_t len = with_value ? sizeof msg : 1;
  return write(writer, msg, len) == static_cast<ssize_t>(len);
}

// The wait keeps the process systemd tracks alive until the reader's message credited to it
// has arrived.
void send_failure(int writer, char mark, int value) {
  if (writer < 0 || !send_mark(writer, mark, value, true)) return;
  char ack;
  while (read(writer, &ack, 1) < 0 && errno == EINTR) {
  }
}

}  // namespace

unique_fd open_exec_channel(unique_fd& writer) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    fail_errno(kExitNamespace, "notify", "socketpair");
  unique_fd reader(fds[0]);
  writer.reset(fds[1]);
  // Each record comes with its writer's pid as the reader sees it (SCM_CREDENTIALS): the
  // daemon's pid on the host, from its exec mark, even inside a PID namespace.
  const int on = 1;
  if (setsockopt(reader.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
    fail_errno(kExitNamespace, "notify", "ask for the exec channel's credentials");
  timeval timeout{kReportTimeoutSec, 0};
  if (setsockopt(writer.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0)
    fail_errno(kExitNamespace, "notify", "set the exec channel's timeout");
  return reader;
}

bool send_exec_mark(int writer) { return send_mark(writer, kMarkExec); }

void send_exec_failure(int writer, int exec_errno) {
  send_failure(writer, kMarkExecFailed, exec_errno);
}

void send_setup_failure(int writer, int exit_code) {
  send_failure(writer, kMarkSetupFailed, exit_code);
}

namespace {

// One record, and the pid of its writer (0 when the kernel gave none).
ssize_t read_record(int reader, char (&rec)[1 + sizeof(int)], pid_t& writer) {
  iovec iov{rec, sizeof rec};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = recvmsg(reader, &msg, MSG_CMSG_CLOEXEC);
  writer = 0;
  for (cmsghdr* c = n > 0 ? CMSG_FIRSTHDR(&msg) : nullptr; c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS) continue;
    ucred cred;
    std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
    writer = cred.pid;
  }
  return n;
}

}  // namespace

ExecOutcome read_outcome(int reader) {
  ExecOutcome o;
  bool marked_exec = false;
  char rec[1 + sizeof(int)];
  for (;;) {
    pid_t writer = 0;
    ssize_t n = read_record(reader, rec, writer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    int value = 0;
    if (n == static_cast<ssize_t>(sizeof rec)) std::memcpy(&value, rec + 1, sizeof value);
    if (rec[0] == kMarkExec && n == 1) {
      marked_exec = true;
      o.daemon_pid = writer;
      continue;
    }
    if (rec[0] == kMarkExecFailed) o.exec_errno = value;
    if (rec[0] == kMarkSetupFailed) o.setup_code = value;
    return o;
  }
  o.executed = marked_exec;
  return o;
}

void report_done(int reader) { (void)send(reader, &kMarkReported, 1, MSG_NOSIGNAL); }

void tell_systemd(const ExecOutcome& o, pid_t main_pid, const std::string& program) {
  if (o.executed) {
    notify_ready(main_pid);
  } else if (o.exec_errno != 0) {
    notify_failure(main_pid,
                   "jharden: execve " + program + " failed: " + std::strerror(o.exec_errno),
                   o.exec_errno);
  } else if (o.setup_code != 0) {
    const char* name = exit_code_name(o.setup_code);
    notify_failure(main_pid,
                   "jharden: set-up failed with exit status " + std::to_string(o.setup_code) +
                       (name[0] ? std::string("/") + name : ""),
                   0);
  }
}

}  // namespace jharden
