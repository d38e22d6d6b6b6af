// The seccomp filter, built with libseccomp from the plan (never hand-written BPF), compiled
// at load time so that a bad filter fails before anything privileged happens. A filter whose
// description is one of the shipped policies' takes the program libseccomp compiled for it
// when jharden was built (seccomp_programs.h).
#pragma once

#include <linux/filter.h>
#include <seccomp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "plan.h"

namespace jharden {

struct SeccompRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using SeccompContext = std::unique_ptr<void, SeccompRelease>;

// The filter to load: a libseccomp context compiled now, or the program libseccomp compiled
// for the same description when jharden was built (seccomp_programs.h).
class SeccompFilter {
 public:
  SeccompFilter() = default;
  SeccompFilter(std::nullptr_t) {}  // NOLINT: no filter, as with the context it replaces
  explicit SeccompFilter(SeccompContext ctx) : ctx_(std::move(ctx)) {}
  explicit SeccompFilter(std::span<const sock_filter> program) : program_(program) {}
  explicit SeccompFilter(std::vector<sock_filter> program) : owned_(std::move(program)) {}
  explicit operator bool() const { return ctx_ || !program().empty(); }
  // libseccomp's context; nullptr for a program loaded as it is.
  scmp_filter_ctx get() const { return ctx_.get(); }
  // The program loaded as it is: the table's, or one compiled at start and compacted.
  std::span<const sock_filter> program() const { return owned_.empty() ? program_ : owned_; }
  void reset() { *this = SeccompFilter(); }

 private:
  SeccompContext ctx_;
  std::span<const sock_filter> program_;
  std::vector<sock_filter> owned_;
};

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

// Everything handed to libseccomp to make a filter, in order, built without touching its
// database: the default action, the attributes, and one part per context (the native
// architectures, then, merged into it, i386), each with its architectures and its rules.
struct FilterSpec {
  struct Rule {
    uint32_t action;
    int nr;  // as seccomp_syscall_resolve_name() gives it (the native number)
    std::vector<scmp_arg_cmp> conditions;
    std::string name;  // for messages only: libseccomp gets the number
  };
  struct Part {
    std::vector<uint32_t> arch_add;     // to the context (made with the native architecture)
    std::vector<uint32_t> arch_remove;  // then taken away
    std::vector<Rule> rules;
  };
  uint32_t default_action = SCMP_ACT_KILL_PROCESS;
  // Set on every part's context, in order (SCMP_FLTATR_*).
  std::vector<std::pair<scmp_filter_attr, uint32_t>> attributes;
  std::vector<Part> parts;  // the first; each other one merged into it
};

// The description of the plan's filter; nullopt when the plan has none. Throws StepError (228).
std::optional<FilterSpec> seccomp_filter_spec(const SeccompPlan& plan,
                                              const ComplainFilter* complain = nullptr);

// Replays `spec` into libseccomp (228 on failure).
SeccompContext compile_seccomp_spec(const FilterSpec& spec);

// What seccomp_filter_spec() makes its description of, without --complain, in a canonical
// byte form: every field of the plan it reads, the version of the libseccomp jharden runs
// with, its native architecture, and whether its syscall table is the one of the header
// jharden was built with (known_syscall_names()). Equal keys mean the same description, so
// the same filter: the table of programs compiled at build time is looked up by it, and a
// start that finds its program never builds the description.
std::string seccomp_plan_key(const SeccompPlan& plan);

// Whether libseccomp would load `spec` as seccomp(SECCOMP_SET_MODE_FILTER,
// SECCOMP_FILTER_FLAG_SPEC_ALLOW) and nothing more (no PR_SET_NO_NEW_PRIVS, TSYNC, LOG or
// listener): the only load load_seccomp_filter() gives a program compiled at build time.
bool loads_with_spec_allow_only(const FilterSpec& spec);

// Throws StepError (228). Returns an empty filter when the plan has none. Without --complain,
// a program compiled at build time for the same plan key (and this kernel's API level as
// libseccomp sees it) is used when there is one; otherwise libseccomp compiles the filter now.
SeccompFilter build_seccomp_filter(const SeccompPlan& plan,
                                   const ComplainFilter* complain = nullptr);

// The same, always compiled by libseccomp now (the context is there for the tests' exports).
SeccompFilter compile_seccomp_filter(const SeccompPlan& plan,
                                     const ComplainFilter* complain = nullptr);

// The filter as the kernel would get it, classic BPF exported by libseccomp (or the program
// compiled at build time), without loading it: what the unit tests run on made-up calls (228
// on failure; empty without a filter).
std::vector<sock_filter> export_seccomp_bpf(const SeccompFilter& filter);

// Loads it into the kernel (228 on failure). NO_NEW_PRIVS is set by the caller, not by
// libseccomp.
void load_seccomp_filter(const SeccompFilter& filter);

// memory_deny_write_execute where the kernel has it: PR_SET_MDWE with
// PR_MDWE_REFUSE_EXEC_GAIN, inherited by children and kept across execve (228 on failure).
void deny_write_execute();

}  // namespace jharden
