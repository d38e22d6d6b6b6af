// The sandbox: the plan applied for real, the daemon executed, systemd told.
#pragma once

#include "loader.h"
#include "plan.h"

namespace jharden {

struct RunOptions {
  bool verify = false;  // run the built-in probe instead of the daemon
  bool force_legacy_mounts = false;
};

// Runs the sandbox; returns jharden's exit status (it may also not return: in place, the
// daemon replaces jharden).
int run_sandbox(Loaded& loaded, const Plan& plan, const RunOptions& options);

}  // namespace jharden
