#include "exec.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "error.h"
#include "exec_channel.h"
#include "mount_apply.h"
#include "sys_ops.h"

extern char** environ;

namespace jharden {

void close_from(unsigned first, std::initializer_list<int> keep) {
  auto close_span = [](unsigned lo, unsigned hi) {
    if (lo <= hi && sys().close_range(lo, hi, 0) != 0) fail_errno(kExitFds, "fds", "close_range");
  };
  std::vector<int> kept(keep);
  std::sort(kept.begin(), kept.end());
  unsigned next = first;
  for (int k : kept) {
    if (k < static_cast<int>(next)) continue;
    if (static_cast<unsigned>(k) > next) close_span(next, static_cast<unsigned>(k) - 1);
    next = static_cast<unsigned>(k) + 1;
  }
  close_span(next, ~0U);
}

void close_jharden_fds(SetupContext& c) {
  c.sources = MountSources{};
  c.tty.reset();
  close_from(static_cast<unsigned>(3 + c.listen_fds),
             {c.sync.get(), c.complain.get(), c.init_reduced.get()});
  for (int fd = 3; fd < 3 + c.listen_fds; ++fd)
    if (fcntl(fd, F_SETFD, 0) != 0)
      fail_errno(kExitFds, "fds", "keep LISTEN_FDS descriptor " + std::to_string(fd));
}

void leave_caller_session(int tty) {
  if (sys().setsid() >= 0) return;
  if (getsid(0) != getpid())
    fail_errno(kExitSetsid, "new_session", "setsid (jharden leads a process group)");
  // Already a session leader (systemd starts every service so, TTYPath= with a terminal):
  // the session stays, its terminal goes.
  for (int fd = 0; tty < 0 && fd <= 2; ++fd)
    if (isatty(fd) && tcgetsid(fd) == getpid()) tty = fd;
  if (tty < 0) return;  // no terminal to give up
  if (ioctl(tty, TIOCNOTTY) != 0)
    fail_errno(kExitSetsid, "new_session", "give up the controlling terminal (TIOCNOTTY)");
  // The kernel has sent SIGHUP and SIGCONT to the terminal's foreground process group, ours
  // included. Blocked, they would hit the daemon once unblocked: ignoring discards them.
  signal(SIGHUP, SIG_IGN);
  signal(SIGCONT, SIG_IGN);
}

// A daemon that replaced the working directory with a link to /proc/self/cwd or
// /proc/self/fd/N (which would name jharden's own cwd or descriptors, i.e. host directories)
// is refused.
unique_fd open_working_directory(const std::string& path) {
  unique_fd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) fail_errno(kExitChdir, "working_directory", "open /");
  unique_fd dir(open_beneath(root.get(), path, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) {
    bool link = errno == ELOOP || errno == EXDEV;
    fail_errno(kExitChdir, "working_directory",
               "open " + path +
                   (link ? " (a symlink or magic link in its path; refusing to follow it)" : ""));
  }
  return dir;
}

// fchdir as the daemon's user: the search permission checked is the daemon's, as with chdir.
void enter_working_directory(unique_fd dir, const std::string& path) {
  if (fchdir(dir.get()) != 0) fail_errno(kExitChdir, "working_directory", "fchdir " + path);
}

void build_exec_args(const Plan& p, int listen_fds, ExecArgs& args) {
  args.argv = p.argv;
  auto dropped = [&](std::string_view name) {
    if (name == "NOTIFY_SOCKET") return p.notify != NotifyMode::kDaemon;
    if (name == "LISTEN_PID" || name == "LISTEN_FDS" || name == "LISTEN_FDNAMES")
      return name == "LISTEN_PID" || listen_fds == 0;
    return std::find(p.env_unset.begin(), p.env_unset.end(), name) != p.env_unset.end() ||
           std::any_of(p.env_set.begin(), p.env_set.end(),
                       [&](const auto& kv) { return kv.first == name; });
  };
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    if (!dropped(kv.substr(0, kv.find('=')))) args.env.emplace_back(kv);
  }
  // Socket activation: the fds are the daemon's now, and so is LISTEN_PID (its pid as it
  // sees it: in a PID namespace, not the host's).
  if (listen_fds > 0) args.env.push_back("LISTEN_PID=" + std::to_string(getpid()));
  for (const auto& [k, v] : p.env_set) args.env.push_back(k + "=" + v);
  for (auto& e : args.env) args.envp.push_back(e.data());
  args.envp.push_back(nullptr);
  for (auto& a : args.argv) args.argv_ptrs.push_back(a.data());
  args.argv_ptrs.push_back(nullptr);
}

void exec_daemon(SetupContext& c, ExecArgs& args) {
  char* const* argv = args.argv_ptrs.data();
  if (!send_exec_mark(c.sync.get()))
    fail_errno(kExitSeccomp, "seccomp", "report the exec to jharden (the filter must allow write)");
  sys().execve(argv[0], argv, args.envp.data());
  int err = errno;
  std::fprintf(stderr, "jharden: exec: execve %s: %s\n", argv[0], std::strerror(err));
  send_exec_failure(c.sync.get(), err);
  std::_Exit(kExitExec);
}

}  // namespace jharden
