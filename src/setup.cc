#include "setup.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include "complain.h"
#include "exec.h"
#include "exec_channel.h"
#include "identity.h"
#include "landlock.h"
#include "mount_apply.h"
#include "namespaces.h"
#include "pid_init.h"
#include "privileges.h"
#include "sandbox.h"
#include "seccomp_filter.h"
#include "supervise.h"
#include "sys_ops.h"
#include "verify.h"

namespace jharden {
namespace {

// The filter, last of all, so that it need not allow the set-up: after it only write (the
// exec mark) and execve remain, which the planner makes sure it allows.
void load_filter(SetupContext& c) {
  const Plan& p = c.plan;
  if (c.complain) {
    // Built now that the descriptors of the hand-over are known (the plan's own filter was
    // built, and so checked, before anything was set up). memory_deny_write_execute becomes
    // seccomp rules, as on kernels without PR_SET_MDWE: the prctl refuses without a word.
    SeccompPlan complain_plan = p.seccomp;
    if (complain_plan.write_execute == WriteExecute::kPrctl)
      complain_plan.write_execute = WriteExecute::kSeccomp;
    ComplainFilter cf;
    cf.watch_paths = c.complain_paths;
    cf.exempt.emplace_back("sendmsg", c.complain.get());
    if (c.sync) cf.exempt.emplace_back("write", c.sync.get());
    c.filter = build_seccomp_filter(complain_plan, &cf);
  } else if (p.seccomp.write_execute == WriteExecute::kPrctl) {
    deny_write_execute();
  }
  load_seccomp_filter(c.filter);
  if (c.complain) {
    const int listener = seccomp_notify_fd(c.filter.get());
    if (listener < 0) fail(kExitSeccomp, "complain", "the filter has no listener");
    send_listener(c.complain.get(), listener);
  }
}

}  // namespace

// The order is minijail's: namespaces -> mounts -> pivot -> bounding set -> ids -> caps ->
// no_new_privs -> seccomp last. Each line is one step; a step that fails throws its StepError
// and nothing after it runs.
void contain(SetupContext& c) {
  const Plan& p = c.plan;
  unshare_namespaces(p);  // mount, network, IPC, UTS, cgroup; host name; lo up
  // Opened in the new namespace (a clone needs a mount of the caller's own namespace) but
  // before the first mount, while paths still name the host's files.
  c.sources = open_mount_sources(p);
  unique_fd proc_self = open_host_proc_self(p);  // user = yes: for the id maps, later
  {
    MountApplier mounts(p, c.sources, c.secrets, {.force_legacy = c.options.force_legacy_mounts});
    mounts.isolate();         // propagation slave/private before the first mount; the new root
    mounts.establish();       // parents first; the secrets written into their tmpfs, then wiped
    mounts.make_read_only();  // own tmpfs sealed; read-only trees, writable holes kept
    mounts.verify();          // each mount is what it must be
    mounts.pivot();           // into `root`, the old root detached
  }
  // Before Landlock, so that the helper writing the maps is outside the domain; the domain
  // itself survives the unshare. In a PID namespace the init is inside too, with the daemon.
  if (p.ns_user) enter_user_namespace(p.identity, proc_self.get());
  proc_self.reset();
  // After the last mount (a Landlock domain may mount nothing), in the final view, before the
  // init forks the daemon (both are in the domain) and before capabilities are dropped.
  apply_landlock(p.landlock);
  if (p.ns_pid) become_pid_init(c);  // the init stays there; the daemon goes on below
  // Without no_new_privs the kernel loads a filter only for a holder of CAP_SYS_ADMIN. Loading
  // it before the identity and capability changes would put setresuid, capset and the rest
  // under a filter that may refuse them (deny = @privileged): instead, CAP_SYS_ADMIN stays in
  // the permitted and effective sets until execve, which recomputes both from the bounding
  // set (where it is not, unless the policy keeps it), the file and the ambient set.
  const bool admin_for_filter = c.filter && !p.no_new_privileges;
  drop_bounding_set(p.caps);  // after the user namespace, whose creation fills it again
  if (p.new_session) leave_caller_session(c.tty.get());
  close_jharden_fds(c);
  unique_fd working_directory = open_working_directory(p.working_directory);
  change_identity(p.identity, /*groups_set=*/p.ns_user);
  set_final_capabilities(p.caps, p.identity.uid == 0, admin_for_filter);
  umask(p.umask);
  enter_working_directory(std::move(working_directory), p.working_directory);
  ExecArgs args;
  build_exec_args(p, c.listen_fds, args);
  restore_signals(c.signal_mask);  // before the filter, which may not allow rt_sigaction
  if (p.no_new_privileges) set_no_new_privileges();
  wait_for_reduced_init(c);  // nothing runs past here while PID 1 holds more than CAP_KILL
  load_filter(c);            // memory_deny_write_execute, then seccomp
  if (c.options.verify) std::_Exit(run_probe(p, c.host, c.listen_fds));
  exec_daemon(c, args);
}

void report_step_error(const SetupContext& c, const StepError& e) {
  std::fprintf(stderr, "jharden: %s\n", e.message.c_str());
  std::string hint = caller_sandbox_hint(c.caller, e);
  if (hint.empty() && c.options.verify) hint = runtime_directory_hint(e);
  if (!hint.empty()) std::fprintf(stderr, "jharden: hint: %s\n", hint.c_str());
  std::fflush(stderr);
}

void contain_in_child(SetupContext& c) {
  try {
    contain(c);
  } catch (const StepError& e) {
    report_step_error(c, e);
    send_setup_failure(c.sync.get(), e.code);
    std::_Exit(e.code);
  } catch (...) {
    // Never unwind into the parent's code, which this child is a copy of.
    const int code = exit_code_of_current_exception();
    send_setup_failure(c.sync.get(), code);
    std::_Exit(code);
  }
  std::_Exit(kExitFailure);
}

}  // namespace jharden
