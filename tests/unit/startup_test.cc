// The start-up checks and the hints that explain a refused set-up: what jharden inherits
// ($LISTEN_FDS, a unit's own sandbox), and the --check warnings for PID namespaces. No root.
#include "startup.h"

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "error.h"
#include "sandbox.h"
#include "supervise.h"
#include "test_support.h"

namespace jharden {
namespace {

using test::has_substr;
using test::run_jharden;
using test::TempDir;

// Sets LISTEN_PID/LISTEN_FDS for this process for one test.
class ListenEnv {
 public:
  ListenEnv(const std::string& pid, const std::string& fds) {
    setenv("LISTEN_PID", pid.c_str(), 1);
    setenv("LISTEN_FDS", fds.c_str(), 1);
  }
  ~ListenEnv() {
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
  }
};

int highest_open_fd() {
  int top = 2;
  for (int fd = 3; fd < 1024; ++fd)
    if (fcntl(fd, F_GETFD) >= 0) top = fd;
  return top;
}

TEST(InheritedFds, NoneWithoutTheVariables) {
  InheritedFds r = take_inherited_fds();
  EXPECT_EQ(r.listen_fds, 0);
  EXPECT_TRUE(r.error.empty());
}

TEST(InheritedFds, MeantForAnotherProcessAreNotCounted) {
  ListenEnv env(std::to_string(getpid() + 1), "2");
  InheritedFds r = take_inherited_fds();
  EXPECT_EQ(r.listen_fds, 0);
  EXPECT_TRUE(r.error.empty());
}

TEST(InheritedFds, OverCountIsAnError) {
  // One more than every descriptor open above 2 in this process.
  int count = highest_open_fd() - 2 + 1;
  ListenEnv env(std::to_string(getpid()), std::to_string(count));
  InheritedFds r = take_inherited_fds();
  EXPECT_EQ(r.listen_fds, 0);
  EXPECT_TRUE(has_substr(r.error, "is not open")) << r.error;
}

TEST(InheritedFds, ExactCountIsPassed) {
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 3);
  // Only a contiguous run from 3 counts; this process may have gaps, so test with one.
  if (fd != 3) GTEST_SKIP() << "descriptor 3 is taken in this process";
  ListenEnv env(std::to_string(getpid()), "1");
  InheritedFds r = take_inherited_fds();
  EXPECT_EQ(r.listen_fds, 1);
  EXPECT_TRUE(r.error.empty());
  close(fd);
}

TEST(InheritedFds, GarbageCountIsAnError) {
  ListenEnv env(std::to_string(getpid()), "3x");
  EXPECT_TRUE(has_substr(take_inherited_fds().error, "not a descriptor count"));
}

// A descriptor handed to the daemon whose SIGIO a process set before the start goes to: the
// daemon could choose the signal (F_SETSIG) and raise it (threats.md, signals).
class OwnedStdin : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = dup(0);
    ASSERT_GE(saved_, 0);
    ASSERT_EQ(pipe2(pipe_, O_CLOEXEC), 0);
    ASSERT_EQ(dup2(pipe_[0], 0), 0);
  }
  void TearDown() override {
    dup2(saved_, 0);
    close(saved_);
    close(pipe_[0]);
    close(pipe_[1]);
  }
  static f_owner_ex owner() {
    f_owner_ex o{};
    fcntl(0, F_GETOWN_EX, &o);
    return o;
  }
  int saved_ = -1;
  int pipe_[2] = {-1, -1};
};

TEST_F(OwnedStdin, WithoutAnOwnerIsHandedOver) { EXPECT_EQ(disown_descriptors(1), ""); }

TEST_F(OwnedStdin, AVisibleOwnerIsRefusedAndKept) {
  f_owner_ex group{F_OWNER_PGRP, getpgrp()};
  ASSERT_EQ(fcntl(0, F_SETOWN_EX, &group), 0);
  std::string error = disown_descriptors(1);
  EXPECT_TRUE(
      has_substr(error, "descriptor 0 sends SIGIO to process group " + std::to_string(getpgrp())))
      << error;
  EXPECT_EQ(owner().pid, getpgrp());
  f_owner_ex thread{F_OWNER_TID, static_cast<pid_t>(gettid())};
  ASSERT_EQ(fcntl(0, F_SETOWN_EX, &thread), 0);
  error = disown_descriptors(1);
  EXPECT_TRUE(has_substr(error, "sends SIGIO to thread " + std::to_string(gettid()))) << error;
}

// A thread other than the leader given as a process: F_GETOWN_EX says 0, yet the kernel
// signals the thread's process, here this one.
std::atomic<int> sigusr1_count{0};

TEST_F(OwnedStdin, AThreadGivenAsAProcessIsCleared) {
  struct sigaction count {
  }, old{};
  count.sa_handler = [](int) { sigusr1_count.fetch_add(1); };
  ASSERT_EQ(sigaction(SIGUSR1, &count, &old), 0);
  ASSERT_EQ(fcntl(0, F_SETSIG, SIGUSR1), 0);
  ASSERT_EQ(fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_ASYNC), 0);
  std::promise<pid_t> tid;
  std::promise<void> done;
  std::thread t([&] {
    tid.set_value(static_cast<pid_t>(gettid()));
    done.get_future().wait();
  });
  const f_owner_ex as_process{F_OWNER_PID, tid.get_future().get()};
  auto signals_on_write = [&] {
    sigusr1_count = 0;
    char c = 'x';
    EXPECT_EQ(write(pipe_[1], &c, 1), 1);
    EXPECT_EQ(read(0, &c, 1), 1);
    for (int i = 0; i < 100 && sigusr1_count == 0; ++i) usleep(1000);
    return sigusr1_count.load();
  };
  ASSERT_EQ(fcntl(0, F_SETOWN_EX, &as_process), 0);
  EXPECT_EQ(owner().pid, 0);
  EXPECT_GE(signals_on_write(), 1);  // the way in exists
  EXPECT_EQ(disown_descriptors(1), "");
  EXPECT_EQ(signals_on_write(), 0);
  done.set_value();
  t.join();
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) & ~O_ASYNC);
  sigaction(SIGUSR1, &old, nullptr);
}

// A process group that has no member yet (a live process's ID, before it calls setsid()):
// F_GETOWN_EX says 0, the signals start once the group forms.
TEST_F(OwnedStdin, AGroupNotYetFormedIsCleared) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  ASSERT_EQ(fcntl(0, F_SETOWN, -child), 0);
  EXPECT_EQ(owner().pid, 0);
  EXPECT_EQ(disown_descriptors(1), "");
  // The group forms: still nobody is the owner.
  ASSERT_EQ(setpgid(child, child), 0);
  EXPECT_EQ(owner().pid, 0);
  // Had the owner stayed, it would show now.
  ASSERT_EQ(fcntl(0, F_SETOWN, -child), 0);
  EXPECT_EQ(owner().pid, child);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
}

TEST(InheritedFds, PassedDescriptorWithASignalOwnerIsRefused) {
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 3);
  if (fd != 3) GTEST_SKIP() << "descriptor 3 is taken in this process";
  ASSERT_EQ(fcntl(fd, F_SETOWN, getpid()), 0);
  std::string error = disown_descriptors(4);
  EXPECT_TRUE(has_substr(error, "descriptor 3 sends SIGIO to process " + std::to_string(getpid())))
      << error;
  close(fd);
}

// read(2) of /proc/self/status, parsed by hand: the same values as the file's own lines.
TEST(CallerSandbox, ReadsSeccompAndBoundingSetOfThisProcess) {
  std::string status;
  {
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) status.append(buf, static_cast<size_t>(n));
    close(fd);
  }
  const auto field = [&](const std::string& name) {
    size_t at = status.find("\n" + name + ":");
    return at == std::string::npos ? std::string() : status.substr(at + name.size() + 2, 32);
  };
  CallerSandbox c = read_caller_sandbox();
  EXPECT_EQ(c.seccomp, std::atoi(field("Seccomp").c_str()));
  EXPECT_EQ(c.cap_bnd, std::strtoull(field("CapBnd").c_str(), nullptr, 16));
  EXPECT_NE(c.cap_bnd, 0u);  // the last line is not the only one read
}

TEST(CallerSandbox, NoHintWithoutACallerSandbox) {
  CallerSandbox c;
  EXPECT_EQ(caller_sandbox_hint(c, StepError{kExitNamespace, "namespaces: unshare: x", EPERM}), "");
  EXPECT_EQ(caller_sandbox_warning(c), "");
}

TEST(CallerSandbox, SeccompRefusalNamesTheDirectivesAndThePlusFix) {
  CallerSandbox c;
  c.seccomp = 2;
  for (int err : {EPERM, ENOSYS, EACCES}) {
    std::string hint = caller_sandbox_hint(c, StepError{kExitNamespace, "m", err});
    EXPECT_TRUE(has_substr(hint, "SystemCallFilter=")) << hint;
    EXPECT_TRUE(has_substr(hint, "RestrictNamespaces=")) << hint;
    EXPECT_TRUE(has_substr(hint, "ExecStart=+/usr/lib/jharden")) << hint;
  }
  // Not a refusal: the filter does not explain it.
  EXPECT_EQ(caller_sandbox_hint(c, StepError{kExitNamespace, "m", ENOENT}), "");
}

TEST(CallerSandbox, WarningOnlyUnderSystemdWithAFilter) {
  CallerSandbox c;
  c.seccomp = 2;
  EXPECT_EQ(caller_sandbox_warning(c), "");
  c.under_systemd = true;
  EXPECT_TRUE(has_substr(caller_sandbox_warning(c), "ExecStart=+"));
}

// In a child under a filter of its own (allow everything) and "started by systemd": a
// manager with fewer filters (the test's parent) means the filter is the unit's; a manager
// with as many (the child itself) means it is the manager's own, as in a container.
TEST(CallerSandbox, FiltersAreInheritedOnlyWhenTheManagerHasAsMany) {
  const auto inherited_with_manager = [](bool self) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
      sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
      sock_fprog prog{1, &allow};
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
          prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        _exit(2);
      setenv("INVOCATION_ID", "0123", 1);
      setenv("MANAGERPID", std::to_string(self ? getpid() : parent).c_str(), 1);
      CallerSandbox c = read_caller_sandbox();
      _exit(c.seccomp != 2 ? 3 : c.filters_inherited ? 1 : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(inherited_with_manager(false), 0);  // the unit's: warned about
  EXPECT_EQ(inherited_with_manager(true), 1);   // the manager's: not
}

TEST(CallerSandbox, NoWarningAndNoPlusFixForTheManagersOwnFilters) {
  CallerSandbox c;
  c.seccomp = 2;
  c.under_systemd = true;
  c.filters_inherited = true;
  EXPECT_EQ(caller_sandbox_warning(c), "");
  std::string hint = caller_sandbox_hint(c, StepError{kExitNamespace, "m", EPERM});
  EXPECT_TRUE(has_substr(hint, "service manager runs under too")) << hint;
  EXPECT_FALSE(has_substr(hint, "ExecStart=+")) << hint;
}

TEST(CallerSandbox, MissingBoundingCapabilityNamesCapabilityBoundingSet) {
  CallerSandbox c;
  c.cap_bnd &= ~(1ULL << CAP_SYS_ADMIN);
  EXPECT_EQ(missing_setup_capabilities(c), "CAP_SYS_ADMIN");
  std::string hint = caller_sandbox_hint(c, StepError{kExitNamespace, "m", EPERM});
  EXPECT_TRUE(has_substr(hint, "CAP_SYS_ADMIN")) << hint;
  EXPECT_TRUE(has_substr(hint, "CapabilityBoundingSet=")) << hint;
  EXPECT_TRUE(has_substr(caller_sandbox_hint(c, StepError{kExitCapabilities, "m", 0}),
                         "CapabilityBoundingSet="));
}

// terminal_within_reach() in a child of its own session (no controlling terminal), with
// `path` opened with `flags` on descriptor 0 and /dev/null on 1 and 2.
bool reach_with_stdin(const char* path, int flags) {
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    int fd = open(path, flags);
    int null = open("/dev/null", O_RDWR);
    if (fd < 0 || null < 0 || dup2(fd, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(2);
    _exit(terminal_within_reach(0) ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 2) << path;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(TerminalWithinReach, DescriptorsThatOpenATerminalCount) {
  // A terminal itself (its own pseudo-terminal, unlocked).
  EXPECT_TRUE(reach_with_stdin("/dev/ptmx", O_RDWR | O_NOCTTY));
  // A directory: the terminals beneath it open with openat().
  EXPECT_TRUE(reach_with_stdin("/dev/pts", O_RDONLY | O_DIRECTORY));
  // A character device opened with O_PATH: isatty() cannot tell, /proc/self/fd reopens it.
  EXPECT_TRUE(reach_with_stdin("/dev/ptmx", O_PATH));
  // /dev/null, as systemd gives a service: no terminal.
  EXPECT_FALSE(reach_with_stdin("/dev/null", O_RDONLY));
}

TEST(RuntimeDirectoryHint, NamesTheDirective) {
  std::string hint = runtime_directory_hint(
      StepError{kExitNamespace, "mounts: open bind source /run/memcached: No such file", ENOENT});
  EXPECT_TRUE(has_substr(hint, "/run/memcached does not exist yet")) << hint;
  EXPECT_TRUE(has_substr(hint, "RuntimeDirectory=")) << hint;
  EXPECT_TRUE(
      has_substr(runtime_directory_hint(StepError{kExitNamespace, "x /var/lib/a: y", ENOENT}),
                 "StateDirectory="));
  EXPECT_EQ(runtime_directory_hint(StepError{kExitNamespace, "x /run/a: y", EPERM}), "");
  EXPECT_EQ(runtime_directory_hint(StepError{kExitNamespace, "x /srv/a: y", ENOENT}), "");
}

TEST(PidNamespaceHazards, KnownDaemons) {
  EXPECT_EQ(pid_namespace_hazards({"/usr/sbin/chronyd", "-d"}).size(), 1u);
  EXPECT_TRUE(has_substr(pid_namespace_hazards({"/usr/sbin/chronyd"})[0], "PID file"));
  EXPECT_TRUE(
      has_substr(pid_namespace_hazards({"/usr/lib/postgresql/15/bin/postgres", "-D", "/d"})[0],
                 "postmaster.pid"));
  EXPECT_EQ(pid_namespace_hazards({"/usr/bin/pg_ctlcluster", "15", "main", "start"}).size(), 1u);
  EXPECT_TRUE(pid_namespace_hazards({"/usr/sbin/nginx"}).empty());
  EXPECT_TRUE(pid_namespace_hazards({"/usr/bin/chronyd-ish"}).empty());
}

TEST(PidNamespaceHazards, CheckWarnsButSucceeds) {
  TempDir d;
  std::string policy =
      d.write("p.conf", "[service]\nexec = /usr/sbin/chronyd -d\n[namespaces]\npid = yes\n");
  auto r = run_jharden({"--check", policy});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has_substr(r.err, policy + ":4: warning: pid = yes: chronyd")) << r.err;
  // Without the PID namespace: silent.
  std::string plain = d.write("q.conf", "[service]\nexec = /usr/sbin/chronyd -d\n");
  EXPECT_EQ(run_jharden({"--check", plain}).err, "");
}

}  // namespace
}  // namespace jharden
