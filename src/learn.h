// --learn: the observer process beside the daemon, which writes the proposal (proposal.h) and
// the raw observations behind it (FILE.json, merged across runs).
#pragma once

#include <signal.h>

#include <string>
#include <vector>

#include "loader.h"
#include "plan.h"
#include "policy.h"

namespace jharden {

// How often FILE is rewritten while the daemon runs.
inline constexpr int kLearnIntervalSec = 60;

// Forks the observer, with every privilege and before the mount namespace (it writes FILE on
// the host), and returns once it follows this process and all it will fork: from the daemon's
// execve on, everything is recorded. The observer is double-forked, so that it is never the
// daemon's child, and ends once this process (the daemon itself, or jharden in front of a PID
// namespace) and every process it started have exited, after writing FILE a last time. Throws
// StepError when the kernel cannot observe (no BPF, no BTF) or FILE.json is not a record of
// --learn. The observer holds an exclusive flock(2) on FILE.lock for its whole life:
// `flock FILE.lock true` waits for the final FILE.
void start_learner(const std::string& file, const Policy& policy, const Plan& plan,
                   std::vector<Secret>& secrets);

}  // namespace jharden
