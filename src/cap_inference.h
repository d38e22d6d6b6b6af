// Capabilities inferred from the privileged calls a daemon made, for kernels where --learn
// cannot watch the capability checks themselves (no BPF trampolines for the fexit on
// cap_capable). A call counts only when it succeeded, was made by a process holding the
// capability in its effective set, and (where its arguments tell) asked for what needs it:
// bind() below the first unprivileged port, a hard limit raised, a clock changed. The table
// is shared by the observer (which calls to watch, and how) and the proposal (what they mean).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace jharden {

// How the observer decides whether a call of the table asked for the capability (see
// observe_events.h, enum jh_obs_priv, for the argument checks made in the kernel).
enum class PrivilegeCheck : uint8_t {
  kAlways = 1,    // any successful call (setuid, chroot, chown ...)
  kBindPort,      // bind(): an AF_INET/AF_INET6 port below ip_unprivileged_port_start
  kSetTime,       // settimeofday(): a time or a time zone given
  kTimex,         // adjtimex()/clock_adjtime(): struct timex modes not 0 (a change)
  kNice,          // setpriority(): a nice value below the caller's own
  kRealtime,      // sched_setscheduler(): a realtime policy
  kRealtimeAttr,  // sched_setattr(): a realtime policy in its struct sched_attr
  kRlimit,        // setrlimit()/prlimit64(): a hard limit raised above the current one
  kMlock,         // mlock()/mlock2(): more locked than RLIMIT_MEMLOCK allows
  kMlockall,      // mlockall(): MCL_CURRENT beyond RLIMIT_MEMLOCK; MCL_FUTURE cannot tell
  kKill,          // kill()/tgkill()/tkill()/rt_sigqueueinfo(): another process (its uid unknown)
  kRawSocket,     // socket(): AF_PACKET, or SOCK_RAW of AF_INET/AF_INET6
};

struct PrivilegedCall {
  const char* syscall;     // as libseccomp names it
  const char* capability;  // "CAP_SETUID"
  PrivilegeCheck check;
  int8_t arg;   // the argument the check reads (the sockaddr, the timex, the resource ...)
  int8_t arg2;  // a second one (rlimit's new value, kill's signal target), -1: none
};

// Every call whose success reveals a capability.
const std::vector<PrivilegedCall>& privileged_calls();

// The key under which Observations::privileged_calls counts a call: its name, or its name with
// " (uncertain)" when the arguments could not tell whether it needed the capability (a signal
// to a process of unknown uid, mlockall(MCL_FUTURE), prlimit64 on another process).
std::string privileged_call_key(const std::string& syscall, bool uncertain);

struct InferredCapability {
  uint64_t calls = 0;                        // successful calls that needed it
  uint64_t uncertain = 0;                    // calls that may have needed it (kept: cannot tell)
  std::map<std::string, uint64_t> evidence;  // key of privileged_calls -> count
};

// CAP_NAME -> what the calls show. Pure: keys it does not know are ignored.
std::map<std::string, InferredCapability> infer_capabilities(
    const std::map<std::string, uint64_t>& privileged_calls);

// The capabilities no call reveals (every open, stat, chmod may use them): kept when a process
// held them, dropped only when none did; where the cap_capable tracepoint reports the checks,
// kept when one of them succeeded.
const std::vector<std::string>& uninferable_capabilities();

}  // namespace jharden
