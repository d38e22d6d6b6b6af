// What jharden inherits from whoever started it, examined before jharden changes anything:
// the socket-activation descriptors ($LISTEN_FDS), and the sandbox of a unit that hardens
// itself (a seccomp filter, a reduced bounding set), which can refuse jharden's own set-up.
#pragma once

#include <cstdint>
#include <string>

#include "error.h"

namespace jharden {

struct InheritedFds {
  int listen_fds = 0;  // descriptors 3 .. 3+listen_fds-1 are passed to the daemon
  std::string error;   // non-empty: $LISTEN_FDS names descriptors that are not open (202)
};

// Must run first in the program, before jharden opens any descriptor of its own: only then
// is every descriptor open above 2 really the caller's. $LISTEN_FDS counts only when
// $LISTEN_PID is jharden's pid (otherwise the descriptors were meant for another process and
// are closed like any other). A closed descriptor 0, 1 or 2 gets /dev/null, as systemd gives
// a service without input or output: else the first descriptor jharden opened would take its
// number and reach the daemon as its standard input or output.
InheritedFds take_inherited_fds();

// Descriptors 0 .. count-1, which the daemon gets, lose the SIGIO owner a host process may
// have set before the start (F_SETOWN): with it the daemon could choose any signal
// (F_SETSIG) and raise it there by I/O, with the credentials of whoever set the owner, past
// its user, its PID namespace and Landlock's signal scope (which covers owners set inside).
// An owner this process can see is an error, naming the descriptor, and nothing is changed;
// others (a thread given as a process, a process group not yet formed, a process outside
// this PID namespace, which F_GETOWN_EX cannot name) are cleared. "" when done.
std::string disown_descriptors(int count);

// Whether jharden holds a terminal the daemon could reach: one of descriptors 0-2, or of the
// `listen_fds` passed after them, is a terminal, a directory, or a character device opened
// with O_PATH; or jharden has a controlling terminal.
bool terminal_within_reach(int listen_fds);

// The caller's own sandbox, as /proc/self/status shows it at start.
struct CallerSandbox {
  int seccomp = 0;             // 2: a seccomp filter is already loaded
  uint64_t cap_bnd = ~0ULL;    // the bounding set jharden starts with
  bool under_systemd = false;  // $INVOCATION_ID: started by systemd as a unit's process
  // Under systemd with a filter: whether the service manager runs under as many filters
  // (Seccomp_filters:) as jharden, so that they are the manager's own (a container's), not
  // the unit's. Unknown (unreadable, or a kernel without the line) counts as not inherited.
  bool filters_inherited = false;
};

CallerSandbox read_caller_sandbox();

// Capabilities the set-up needs that the bounding set lacks, e.g. "CAP_SYS_ADMIN CAP_SETPCAP".
std::string missing_setup_capabilities(const CallerSandbox& caller);

// When the caller's sandbox explains `error` (a refusal under an inherited seccomp filter, a
// capability the unit's bounding set removed), a hint naming the likely unit directive and
// the fix; empty otherwise.
std::string caller_sandbox_hint(const CallerSandbox& caller, const StepError& error);

// A warning for the start of a run under a seccomp filter: if that filter kills instead of
// refusing (SystemCallFilter= without SystemCallErrorNumber=), no later message could say why.
std::string caller_sandbox_warning(const CallerSandbox& caller);

}  // namespace jharden
