// The hand-over to the daemon: jharden's descriptors closed, the session and terminal left,
// the working directory resolved inside the sandbox, the environment and argv built, execve.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "setup.h"
#include "unique_fd.h"

namespace jharden {

// Closes every descriptor from `first` on, except those in `keep` (-1 keeps none) (202).
void close_from(unsigned first, std::initializer_list<int> keep);

// runc CVE-2024-21626: nothing of jharden's may survive into the daemon, nor be reachable
// through /proc/self/fd while the working directory is resolved. What stays: 0-2, the
// LISTEN_FDS range (without close-on-exec), the exec channel, which execve itself closes, and
// with pid = yes the pipe of the init's word, closed once it is read (202).
void close_jharden_fds(SetupContext& c);

// bwrap CVE-2017-5226: no controlling terminal to push input into (TIOCSTI) (220). `tty`: the
// terminal of a session leader, opened before (or -1).
void leave_caller_session(int tty);

// The working directory, resolved inside the sandbox without following any symlink (200).
// Opened before any seccomp filter (restrict_suid_sgid answers openat2 with ENOSYS), entered
// later as the daemon's user.
unique_fd open_working_directory(const std::string& path);
void enter_working_directory(unique_fd dir, const std::string& path);

// argv and envp for execve, built in place before the filter is loaded: after it, only write
// (the exec mark) and execve are sure to be allowed, not even an allocation.
struct ExecArgs {
  ExecArgs() = default;
  ExecArgs(const ExecArgs&) = delete;
  ExecArgs& operator=(const ExecArgs&) = delete;
  std::vector<std::string> argv, env;
  std::vector<char*> argv_ptrs, envp;
};

// argv and the daemon's environment (the plan's changes, socket activation's LISTEN_PID).
void build_exec_args(const Plan& plan, int listen_fds, ExecArgs& out);

// Marks the exec on the channel and executes the daemon; on failure says so and exits 203.
[[noreturn]] void exec_daemon(SetupContext& c, ExecArgs& args);

}  // namespace jharden
