// The seccomp filter, built with libseccomp from the plan (never hand-written BPF), compiled
// at load time so that a bad filter fails before anything privileged happens.
#pragma once

#include <linux/filter.h>
#include <seccomp.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "plan.h"

namespace jharden {

struct SeccompRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using SeccompFilter = std::unique_ptr<void, SeccompRelease>;

// --complain: every refusal becomes a user notification (SCMP_ACT_NOTIFY), answered by
// jharden's observer, which logs it with the policy line and lets the call go on.
struct ComplainFilter {
  // The path calls of watched_path_calls() are notified too, whatever their arguments, so
  // that the observer can tell which of them the filesystem view refuses.
  bool watch_paths = true;
  // Calls allowed on one descriptor whatever the policy: the hand-over of the listener to
  // the observer (sendmsg) and the exec report (write) happen before the observer listens.
  std::vector<std::pair<std::string, int>> exempt;
};

// The syscalls libseccomp can name on the filter's architectures (the native one, or with
// native_only = no all three of x86_64): each gets a rule, the rest the default action.
// `exhaustive` asks the library's table for every number instead of every name of its header
// (the tests compare both).
std::set<std::string> known_syscall_names(bool native_only, bool exhaustive = false);

// Throws StepError (228). Returns an empty filter when the plan has none.
SeccompFilter build_seccomp_filter(const SeccompPlan& plan,
                                   const ComplainFilter* complain = nullptr);

// The filter as the kernel would get it, classic BPF exported by libseccomp, without loading
// it: what the unit tests run on made-up calls (228 on failure; empty without a filter).
std::vector<sock_filter> export_seccomp_bpf(const SeccompFilter& filter);

// Loads it into the kernel (228 on failure). NO_NEW_PRIVS is set by the caller, not by
// libseccomp.
void load_seccomp_filter(const SeccompFilter& filter);

// memory_deny_write_execute where the kernel has it: PR_SET_MDWE with
// PR_MDWE_REFUSE_EXEC_GAIN, inherited by children and kept across execve (228 on failure).
void deny_write_execute();

}  // namespace jharden
