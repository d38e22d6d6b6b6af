#include "pid_init.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "error.h"
#include "privileges.h"
#include "secrets.h"
#include "supervise.h"
#include "sys_ops.h"
#include "topology.h"

namespace jharden {

void become_pid_init(SetupContext& c, void (*daemon_side)(SetupContext&)) {
  // Until its execve the daemon's side runs in the init's memory, while the init waits: no
  // copy of the page tables and no page faulted again or copied on write, as after a fork.
  // `daemon_side` catches its own failures (run_steps_in_child).
  const pid_t daemon = spawn_sharing_memory([&] { daemon_side(c); });
  if (daemon < 0) fail_errno(kExitNamespace, "pid", "fork");
  // The init holds nothing of the daemon's: not the exec channel (its end of file must come
  // from the daemon's execve), not the filter, not the secrets. (The daemon's side may have
  // changed them in the memory they share: each is released or wiped as it is now.)
  c.sync.reset();
  c.filter.reset();
  wipe_secrets(c.secrets);
  if (chdir("/") != 0) fail_errno(kExitNamespace, "pid", "chdir /");
  sys().close_range(3, ~0U, 0);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  reduce_to({CAP_KILL});
  set_no_new_privileges();
  int wait_status = 0;
  const int status = supervise(daemon, &wait_status);
  // A failure is never silent (§3): killed by the filter, the daemon cannot say so itself.
  if (WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGSYS) report_sigsys(c.plan.seccomp);
  std::_Exit(status);
}

}  // namespace jharden
