// Staying in front of a child: forwarding every catchable signal to it, reaping, and exiting
// with its status (128+N when it died of signal N). Used by the pid-namespace init (PID 1,
// which also reaps orphans) and by jharden itself when it must fork without systemd.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace jharden {

// Blocks every signal so that none is lost between fork and supervise(); returns the old
// mask for the child to restore.
sigset_t block_all_signals();

// Restores `mask` and the default dispositions (in the child, before exec).
void restore_signals(const sigset_t& mask);

// Forwards signals to `child` and reaps every child until `child` exits; returns the exit
// status to use (never returns before `child` is gone), and its wait status in `wait_status`.
int supervise(pid_t child, int* wait_status = nullptr);

// The shell convention for a wait status: the exit code, or 128+N for signal N.
int exit_status_of(int wait_status);

// Known daemons whose PID-file or lock interlock a PID namespace defeats (inside, the daemon
// is always PID 2 and sees no process outside): one warning per daemon found among `argv`'s
// words, for --check. Empty when none is known.
std::vector<std::string> pid_namespace_hazards(const std::vector<std::string>& argv);

}  // namespace jharden
