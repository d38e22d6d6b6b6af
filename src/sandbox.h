// The sandbox: the plan applied for real, the daemon executed, systemd told.
#pragma once

#include <string>

#include "loader.h"
#include "plan.h"
#include "startup.h"

namespace jharden {

struct RunOptions {
  bool verify = false;    // run the built-in probe instead of the daemon
  bool complain = false;  // log refusals with their policy line instead of refusing (seccomp)
  bool force_legacy_mounts = false;
  InheritedFds inherited;  // taken at the very start of the program
  std::string learn_file;  // --learn FILE (absolute): observe the daemon, propose a drop-in
};

// Runs the sandbox; returns jharden's exit status. Without a PID namespace it does not return
// once the set-up has succeeded: the daemon replaces jharden in the same process, so that the
// process systemd started and tracks is the daemon. With one, jharden stays in front of the
// namespace's init and returns the daemon's status.
int run_sandbox(Loaded& loaded, const Plan& plan, const RunOptions& options);

// For a set-up step that failed on a missing path that systemd creates at the service's start
// (RuntimeDirectory= and its siblings): a hint for --verify run before the first start.
std::string runtime_directory_hint(const StepError& error);

}  // namespace jharden
