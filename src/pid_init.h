// PID 1 of a PID namespace (pid = yes): forked in the middle of contain(), once the view is
// built (procfs must be mounted from inside the namespace) and before any privilege is
// dropped; it keeps only CAP_KILL and supervises the daemon, which goes on with the set-up.
#pragma once

#include "setup.h"

namespace jharden {

// Forks the daemon. Returns in the daemon's process; in the init, supervises it and exits with
// its status (128+N for a signal), never returning.
void become_pid_init(SetupContext& c);

// The daemon's side, before its filter is loaded: waits for the init's word that it kept only
// CAP_KILL (nothing to wait for without a PID namespace).
void wait_for_reduced_init(SetupContext& c);

}  // namespace jharden
