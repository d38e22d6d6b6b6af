#include "supervise.h"

#include <sys/wait.h>

#include <cerrno>

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

int supervise(pid_t child) {
  sigset_t all;
  sigfillset(&all);
  while (true) {
    // Reap first: SIGCHLD may have arrived before we started waiting.
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      if (pid == child) return exit_status_of(status);
    if (pid < 0 && errno == ECHILD) return 1;
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0 || sig == SIGCHLD) continue;
    // SIGKILL and SIGSTOP never reach us; everything else is the daemon's.
    kill(child, sig);
  }
}

}  // namespace jharden
