#include "supervise.h"

#include <sys/wait.h>

#include <cerrno>
#include <string_view>

namespace jharden {

sigset_t block_all_signals() {
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  return old;
}

void restore_signals(const sigset_t& mask) {
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  sigprocmask(SIG_SETMASK, &mask, nullptr);
}

int exit_status_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

int supervise(pid_t child, int* wait_status) {
  sigset_t all;
  sigfillset(&all);
  while (true) {
    // Reap first: SIGCHLD may have arrived before we started waiting.
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid != child) continue;
      if (wait_status) *wait_status = status;
      return exit_status_of(status);
    }
    if (pid < 0 && errno == ECHILD) return 1;
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0 || sig == SIGCHLD) continue;
    // SIGKILL and SIGSTOP never reach us; everything else is the daemon's.
    kill(child, sig);
  }
}

std::vector<std::string> pid_namespace_hazards(const std::vector<std::string>& argv) {
  struct Hazard {
    std::string_view names[4];
    const char* why;
  };
  static const Hazard kHazards[] = {
      {{"postgres", "postmaster", "pg_ctl", "pg_ctlcluster"},
       "PostgreSQL guards its data directory with the PID in postmaster.pid; inside a PID "
       "namespace it cannot see a second server started outside it on the same data directory, "
       "so neither refuses and both write to it"},
      {{"chronyd"},
       "chronyd refuses to start while its PID file names a live process; after an unclean "
       "exit the file says 2, which inside the namespace is chronyd itself, so it never starts "
       "again until the file is removed"},
  };
  std::vector<std::string> out;
  for (const auto& h : kHazards) {
    bool found = false;
    for (const auto& word : argv) {
      std::string_view base(word);
      base = base.substr(base.rfind('/') + 1);
      for (std::string_view name : h.names) found |= !name.empty() && base == name;
    }
    if (found) out.emplace_back(h.why);
  }
  return out;
}

}  // namespace jharden
