#include "cap_inference.h"

namespace jharden {

const std::vector<PrivilegedCall>& privileged_calls() {
  using enum PrivilegeCheck;
  static const std::vector<PrivilegedCall> kCalls = {
      {"setuid", "CAP_SETUID", kAlways, -1, -1},
      {"setreuid", "CAP_SETUID", kAlways, -1, -1},
      {"setresuid", "CAP_SETUID", kAlways, -1, -1},
      {"setfsuid", "CAP_SETUID", kAlways, -1, -1},
      {"setgid", "CAP_SETGID", kAlways, -1, -1},
      {"setregid", "CAP_SETGID", kAlways, -1, -1},
      {"setresgid", "CAP_SETGID", kAlways, -1, -1},
      {"setgroups", "CAP_SETGID", kAlways, -1, -1},
      {"setfsgid", "CAP_SETGID", kAlways, -1, -1},
      {"bind", "CAP_NET_BIND_SERVICE", kBindPort, 1, -1},
      {"chroot", "CAP_SYS_CHROOT", kAlways, -1, -1},
      {"chown", "CAP_CHOWN", kAlways, -1, -1},
      {"fchown", "CAP_CHOWN", kAlways, -1, -1},
      {"lchown", "CAP_CHOWN", kAlways, -1, -1},
      {"fchownat", "CAP_CHOWN", kAlways, -1, -1},
      {"settimeofday", "CAP_SYS_TIME", kSetTime, 0, 1},
      {"clock_settime", "CAP_SYS_TIME", kAlways, -1, -1},
      {"adjtimex", "CAP_SYS_TIME", kTimex, 0, -1},
      {"clock_adjtime", "CAP_SYS_TIME", kTimex, 1, -1},
      {"mlock", "CAP_IPC_LOCK", kMlock, 1, -1},
      {"mlock2", "CAP_IPC_LOCK", kMlock, 1, -1},
      {"mlockall", "CAP_IPC_LOCK", kMlockall, 0, -1},
      {"setpriority", "CAP_SYS_NICE", kNice, 2, -1},
      {"sched_setscheduler", "CAP_SYS_NICE", kRealtime, 1, -1},
      {"sched_setattr", "CAP_SYS_NICE", kRealtimeAttr, 1, -1},
      {"setrlimit", "CAP_SYS_RESOURCE", kRlimit, 0, 1},
      // The pid first: another process's limits (pid not 0) cannot be compared.
      {"prlimit64", "CAP_SYS_RESOURCE", kRlimit, 1, 2},
      {"kill", "CAP_KILL", kKill, 0, -1},
      {"tkill", "CAP_KILL", kKill, 0, -1},
      {"tgkill", "CAP_KILL", kKill, 0, -1},
      {"rt_sigqueueinfo", "CAP_KILL", kKill, 0, -1},
      {"rt_tgsigqueueinfo", "CAP_KILL", kKill, 0, -1},
      {"pidfd_send_signal", "CAP_KILL", kKill, -1, -1},  // a descriptor: target never known
      {"socket", "CAP_NET_RAW", kRawSocket, 0, 1},
  };
  return kCalls;
}

std::string privileged_call_key(const std::string& syscall, bool uncertain) {
  return uncertain ? syscall + " (uncertain)" : syscall;
}

std::map<std::string, InferredCapability> infer_capabilities(
    const std::map<std::string, uint64_t>& calls) {
  std::map<std::string, InferredCapability> out;
  for (const auto& c : privileged_calls()) {
    for (bool uncertain : {false, true}) {
      auto it = calls.find(privileged_call_key(c.syscall, uncertain));
      if (it == calls.end() || it->second == 0) continue;
      InferredCapability& cap = out[c.capability];
      (uncertain ? cap.uncertain : cap.calls) += it->second;
      cap.evidence[it->first] += it->second;
    }
  }
  return out;
}

const std::vector<std::string>& uninferable_capabilities() {
  // Used by permission checks on any file operation (open, stat, unlink, chmod, utimes ...):
  // a successful call does not say whether the capability or the file's mode allowed it.
  static const std::vector<std::string> kCaps = {"CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
                                                 "CAP_FOWNER"};
  return kCaps;
}

}  // namespace jharden
