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

void become_pid_init(SetupContext& c) {
  pid_t daemon = fork_here();
  if (daemon < 0) fail_errno(kExitNamespace, "pid", "fork");
  if (daemon == 0) return;
  // The init holds nothing of the daemon's: not the exec channel (its end of file must come
  // from the daemon's execve), not the filter, not the secrets.
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
