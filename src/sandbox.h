// The sandbox: the plan applied for real (setup.h), in the process topology the plan asks for
// (topology.h), the daemon executed, systemd told.
#pragma once

#include <string>

#include "loader.h"
#include "plan.h"
#include "setup.h"

namespace jharden {

// Runs the sandbox; returns jharden's exit status. Without a PID namespace it does not return
// once the set-up has succeeded: the daemon replaces jharden in the same process, so that the
// process systemd started and tracks is the daemon. With one, jharden stays in front of the
// namespace's init and returns the daemon's status.
int run_sandbox(Loaded& loaded, const Plan& plan, const RunOptions& options);

// For a set-up step that failed on a missing path that systemd creates at the service's start
// (RuntimeDirectory= and its siblings): a hint for --verify run before the first start.
std::string runtime_directory_hint(const StepError& error);

}  // namespace jharden
