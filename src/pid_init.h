// PID 1 of a PID namespace (pid = yes): forked in the middle of contain(), once the view is
// built (procfs must be mounted from inside the namespace) and before any privilege is
// dropped; it keeps only CAP_KILL and supervises the daemon, which goes on with the set-up.
#pragma once

#include "setup.h"

namespace jharden {

// Starts the daemon's process, which runs `daemon_side` (the rest of the set-up, ending in
// execve) in the init's memory until its execve, as posix_spawn's child does; the init waits
// meanwhile, then supervises the daemon and exits with its status (128+N for a signal).
[[noreturn]] void become_pid_init(SetupContext& c, void (*daemon_side)(SetupContext&));

}  // namespace jharden
