// The messages to $NOTIFY_SOCKET: what arrives, credited to whom, and that a refused pid is
// never replaced by the sender's own (systemd would log and drop such a message). No root.
#include "notify.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"
#include "unique_fd.h"

namespace jharden {
namespace {

using test::TempDir;

struct Received {
  pid_t pid = 0;
  std::string text;
  int fds = 0;
};

// A stand-in for systemd's notification socket: records each message with its credentials
// and closes the descriptors it carries at once, which answers a barrier.
class Listener {
 public:
  // `address`: a path, or "@name" for the abstract namespace.
  explicit Listener(const std::string& address) : address_(address) {
    sock_.reset(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    int on = 1;
    setsockopt(sock_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, address.data(), address.size());
    if (address[0] == '@') addr.sun_path[0] = '\0';
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() +
                                           (address[0] == '@' ? 0 : 1));
    if (bind(sock_.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0)
      ADD_FAILURE() << "bind " << address << ": " << std::strerror(errno);
    setenv("NOTIFY_SOCKET", address.c_str(), 1);
    preload_libsystemd();
    thread_ = std::thread([this] { run(); });
  }
  ~Listener() {
    stop_ = true;
    thread_.join();
    unsetenv("NOTIFY_SOCKET");
  }

  std::vector<Received> messages() {
    std::lock_guard<std::mutex> lock(mutex_);
    return got_;
  }

 private:
  void run() {
    while (!stop_) {
      pollfd pfd{sock_.get(), POLLIN, 0};
      if (poll(&pfd, 1, 50) <= 0) continue;
      char buf[4096];
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(8 * sizeof(int))];
      iovec iov{buf, sizeof buf};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      ssize_t n = recvmsg(sock_.get(), &msg, MSG_CMSG_CLOEXEC);
      if (n < 0) continue;
      Received r;
      r.text.assign(buf, static_cast<size_t>(n));
      std::vector<int> to_close;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_CREDENTIALS) {
          ucred cred;
          std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
          r.pid = cred.pid;
        } else if (c->cmsg_type == SCM_RIGHTS) {
          size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
          for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
            to_close.push_back(fd);
            ++r.fds;
          }
        }
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        got_.push_back(r);
      }
      // Recorded first: closing answers a barrier, after which the sender looks.
      for (int fd : to_close) close(fd);
    }
  }

  std::string address_;
  unique_fd sock_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Received> got_;
  volatile bool stop_ = false;
};

// A pid that no process has any more (a reaped child's).
pid_t dead_pid() {
  pid_t child = fork();
  if (child == 0) _exit(0);
  int status;
  waitpid(child, &status, 0);
  return child;
}

TEST(NotifyTest, ReadyCreditedToTheMainPidThenABarrierWithItsFd) {
  TempDir dir;
  Listener l(dir.path() + "/notify.sock");
  ASSERT_TRUE(notify_ready(getpid()));
  std::vector<Received> got = l.messages();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].text, "READY=1\nMAINPID=" + std::to_string(getpid()));
  EXPECT_EQ(got[0].pid, getpid());
  EXPECT_EQ(got[0].fds, 0);
  EXPECT_EQ(got[1].text, "BARRIER=1");
  EXPECT_EQ(got[1].pid, getpid());
  EXPECT_EQ(got[1].fds, 1);
}

TEST(NotifyTest, FailureCarriesStatusAndErrno) {
  TempDir dir;
  Listener l(dir.path() + "/notify.sock");
  ASSERT_TRUE(notify_failure(getpid(), "jharden: execve /x failed", ENOENT));
  ASSERT_TRUE(notify_failure(getpid(), "jharden: set-up failed", 0));
  std::vector<Received> got = l.messages();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].text, "STATUS=jharden: execve /x failed\nERRNO=2");
  EXPECT_EQ(got[2].text, "STATUS=jharden: set-up failed");
}

TEST(NotifyTest, AbstractSocket) {
  Listener l("@jharden-unit-notify-" + std::to_string(getpid()));
  ASSERT_TRUE(notify_ready(getpid()));
  ASSERT_EQ(l.messages().size(), 2u);
  EXPECT_EQ(l.messages()[0].pid, getpid());
}

// libsystemd's sd_pid_notify() would send the message again with the sender's own
// credentials: systemd then logs "reception only permitted for main PID" and drops it. A
// gone main process is therefore never named.
TEST(NotifyTest, RefusedPidIsNeverReplacedByTheSendersOwn) {
  TempDir dir;
  Listener l(dir.path() + "/notify.sock");
  // Not alive (ESRCH), and without root not ours to name either (EPERM).
  EXPECT_FALSE(notify_failure(dead_pid(), "jharden: set-up failed", 0));
  EXPECT_FALSE(notify_ready(dead_pid()));
  usleep(200'000);
  EXPECT_TRUE(l.messages().empty());
}

TEST(NotifyTest, NothingToTellWithoutNotifySocket) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(notify_ready(getpid()));
}

TEST(NotifyTest, RelativeNotifySocketIsRefused) {
  setenv("NOTIFY_SOCKET", "notify.sock", 1);
  ASSERT_TRUE(preload_libsystemd());
  EXPECT_FALSE(notify_ready(getpid()));
  unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace jharden
