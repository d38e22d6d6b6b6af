// The set-up: every step from the namespaces to execve, in order, in one function (contain()),
// as nsjail's containProc. The steps themselves live in their own files; the process
// topologies that run contain() (in place, jharden in front, the PID namespace's init) in
// topology.cc and pid_init.cc.
#pragma once

#include <signal.h>

#include <string>
#include <vector>

#include "error.h"
#include "loader.h"
#include "mount_apply.h"
#include "plan.h"
#include "seccomp_filter.h"
#include "startup.h"
#include "unique_fd.h"
#include "verify.h"

namespace jharden {

struct RunOptions {
  bool verify = false;    // run the built-in probe instead of the daemon
  bool complain = false;  // log refusals with their policy line instead of refusing (seccomp)
  bool force_legacy_mounts = false;
  InheritedFds inherited;  // taken at the very start of the program
  std::string learn_file;  // --learn FILE (absolute): observe the daemon, propose a drop-in
};

// Everything the set-up needs, gathered (load stage: the filter built, the facts recorded)
// before the first fork.
struct SetupContext {
  const Plan& plan;
  std::vector<Secret>& secrets;
  const RunOptions& options;
  CallerSandbox caller;
  SeccompFilter filter;
  MountSources sources;
  int listen_fds = 0;
  sigset_t signal_mask{};
  unique_fd sync;              // the exec channel's writer end (exec_channel.h)
  unique_fd tty;               // the controlling terminal of a session leader, to give it up
  HostFacts host;              // --verify only: what the probe compares against
  unique_fd complain;          // --complain: the channel to the observer, for the filter's listener
  unique_fd init_reduced;      // pid = yes, in the daemon: where the init's word comes (pid_init.h)
  bool complain_paths = true;  // the filter notifies the path calls (no BPF observer)
};

// The whole set-up, in order; ends in execve of the daemon (or of the --verify probe). With a
// PID namespace the process running it becomes the namespace's init at the fork in the middle
// and never comes back. Throws StepError with systemd's exit code for the failed step.
[[noreturn]] void contain(SetupContext& c);

// contain() in a forked child: a failure becomes its message, a failure record on the exec
// channel and the step's exit code; nothing unwinds into the parent's code.
[[noreturn]] void contain_in_child(SetupContext& c);

// A StepError's message on stderr, with a hint when the caller's own sandbox explains it.
void report_step_error(const SetupContext& c, const StepError& e);

}  // namespace jharden
