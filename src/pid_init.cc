#include "pid_init.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "error.h"
#include "privileges.h"
#include "secrets.h"
#include "supervise.h"
#include "sys_ops.h"
#include "topology.h"

namespace jharden {

void become_pid_init(SetupContext& c) {
  // The daemon's set-up goes on while the init gives up everything it does not need (its
  // descriptors, every capability but CAP_KILL, dumpability; no_new_privs set); the daemon
  // waits for the init's word before its filter and execve (wait_for_reduced_init), so that
  // what it runs, whatever it keeps, never finds PID 1 stronger than that.
  int reduced[2];
  if (pipe2(reduced, O_CLOEXEC) != 0) fail_errno(kExitNamespace, "pid", "pipe");
  pid_t daemon = fork_here();
  if (daemon < 0) fail_errno(kExitNamespace, "pid", "fork");
  if (daemon == 0) {
    close(reduced[1]);
    c.init_reduced.reset(reduced[0]);
    return;
  }
  // The init holds nothing of the daemon's: not the exec channel (its end of file must come
  // from the daemon's execve), not the filter, not the secrets.
  c.sync.reset();
  c.filter.reset();
  wipe_secrets(c.secrets);
  if (chdir("/") != 0) fail_errno(kExitNamespace, "pid", "chdir /");
  const int word = reduced[1];
  if (word > 3) sys().close_range(3, word - 1, 0);
  sys().close_range(word + 1, ~0U, 0);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  reduce_to({CAP_KILL});
  set_no_new_privileges();
  // EPIPE: the daemon's set-up failed first; supervise() reports its own code.
  if (write(word, "1", 1) != 1 && errno != EPIPE)
    fail_errno(kExitNamespace, "pid", "let the daemon go on");
  close(word);
  int wait_status = 0;
  const int status = supervise(daemon, &wait_status);
  // A failure is never silent (§3): killed by the filter, the daemon cannot say so itself.
  if (WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGSYS) report_sigsys(c.plan.seccomp);
  std::_Exit(status);
}

void wait_for_reduced_init(SetupContext& c) {
  if (!c.init_reduced) return;
  // The word, then the end of file: the init has closed its end of the pipe too, its last
  // descriptor but 0-2. An end of file without the word is an init that failed first (the
  // daemon dies with it).
  char bytes[2];
  size_t got = 0;
  ssize_t n;
  while ((n = read(c.init_reduced.get(), bytes, sizeof bytes)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(kExitNamespace, "pid", "wait for the init's word");
    got += static_cast<size_t>(n);
  }
  c.init_reduced.reset();
  if (got != 1) fail(kExitNamespace, "pid", "the init ended before it gave up its privileges");
}

}  // namespace jharden
