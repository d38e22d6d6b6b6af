// The process topologies that run the set-up (contain(), setup.cc):
//   in place     jharden becomes the daemon (execve in the process systemd started); with
//                notify = exec a readiness helper reports the exec (start_ready_helper);
//   in front     jharden forks the sandbox and stays as the main process: it reads the exec
//                channel, tells systemd, forwards signals and exits with the daemon's status
//                (run_in_front; pid = yes, --verify, or setsid() impossible in place);
//   PID init     with pid = yes the forked child is PID 1 of a new PID namespace and forks the
//                daemon in the middle of the set-up (pid_init.cc);
//   supervisor   the forwarding and reaping loop of the last two (supervise.cc).
// And the side processes forked before the sandbox: the readiness helper and the --complain
// observer, double-forked so that they are never the daemon's children.
#pragma once

#include "plan.h"
#include "setup.h"

namespace jharden {

// fork(), or with `clone_flags` (CLONE_NEWPID) a fork-like clone, whose child starts on the
// caller's CPU. The kernel puts a new process on the idlest CPU, and in a virtual machine an
// idle vCPU is halted and takes milliseconds to wake (docs/performance.md): a caller that may
// run on every online CPU is held to its own across the fork, and both processes are given
// every CPU back at once, so that the daemon's CPU set is still its cpuset's, as without the
// hold. A process that cannot get it back says so and exits with 226. Every fork of a start
// goes through here.
pid_t fork_here(unsigned long clone_flags = 0);

// Reads how many CPUs are online (from /sys, on the host, before the sandbox's view), for
// fork_here(): without it, no fork holds its caller.
void note_online_cpus();

// The side processes' fork: a process that is never the caller's child, so that it never
// shows in the daemon's wait() calls (a double fork: the middle process exits at once and is
// reaped here). True in that process; false in the caller. A failed fork is `step`'s error
// ("fork WHAT") with exit code `code`.
bool fork_detached(int code, const std::string& step, const std::string& what);

// notify = exec in place: a helper, forked before the mount namespace can hide
// $NOTIFY_SOCKET's path, that waits on the exec channel and tells systemd on behalf of the
// main process (this one), so that NotifyAccess=main suffices.
void start_ready_helper(SetupContext& c);

// --complain: the observer, forked before the mount namespace so that it sees the daemon's
// /proc from the host; it gets the filter's listener once the filter is loaded.
void start_complain_observer(SetupContext& c);

// jharden in front: forks the sandbox (into a new PID namespace with pid = yes), reports the
// exec to systemd, supervises, and returns the daemon's exit status.
int run_in_front(SetupContext& c, NotifyMode notify);

// The daemon died of SIGSYS: with action = kill, the filter killed it; says so.
void report_sigsys(const SeccompPlan& seccomp);

}  // namespace jharden
