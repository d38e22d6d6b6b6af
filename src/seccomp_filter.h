// The seccomp filter, built with libseccomp from the plan (never hand-written BPF), compiled
// at load time so that a bad filter fails before anything privileged happens.
#pragma once

#include <linux/filter.h>
#include <seccomp.h>

#include <memory>
#include <vector>

#include "plan.h"

namespace jharden {

struct SeccompRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using SeccompFilter = std::unique_ptr<void, SeccompRelease>;

// Throws StepError (228). Returns an empty filter when the plan has none.
SeccompFilter build_seccomp_filter(const SeccompPlan& plan);

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
