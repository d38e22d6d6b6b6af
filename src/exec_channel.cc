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

ExecOutcome read_outcome(int reader) {
  ExecOutcome o;
  bool marked_exec = false;
  char rec[1 + sizeof(int)];
  for (;;) {
    ssize_t n = read(reader, rec, sizeof rec);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    int value = 0;
    if (n == static_cast<ssize_t>(sizeof rec)) std::memcpy(&value, rec + 1, sizeof value);
    if (rec[0] == kMarkExec && n == 1) {
      marked_exec = true;
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
