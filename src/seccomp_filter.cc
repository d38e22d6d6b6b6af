#include "seccomp_filter.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "error.h"

namespace jharden {
namespace {

[[noreturn]] void seccomp_fail(const std::string& what, int rc) {
  throw StepError{kExitSeccomp, "seccomp: " + what + ": " + std::strerror(-rc)};
}

bool listed(const SeccompPlan& plan, const char* name) {
  return std::binary_search(plan.syscalls.begin(), plan.syscalls.end(), name);
}

// RestrictNamespaces= the way systemd does it: clone and unshare may not ask for a new user
// namespace, and clone3 (whose flags sit in memory, out of the filter's reach) fails with
// ENOSYS so that the C library falls back to clone.
void add_namespace_rules(scmp_filter_ctx ctx, const SeccompPlan& plan, uint32_t deny) {
  const scmp_datum_t flag = CLONE_NEWUSER;
  for (const char* name : {"clone", "unshare"}) {
    int nr = seccomp_syscall_resolve_name(name);
    // Allow-list mode: allowed without the flag; deny-list mode: denied with it. (Built by
    // hand: SCMP_A0() is a C compound literal.)
    if (listed(plan, name) != plan.allow_list) continue;  // refused or denied altogether
    const scmp_arg_cmp without_or_with{0, SCMP_CMP_MASKED_EQ, flag, plan.allow_list ? 0 : flag};
    int rc = seccomp_rule_add_array(ctx, plan.allow_list ? SCMP_ACT_ALLOW : deny, nr, 1,
                                    &without_or_with);
    if (rc != 0) seccomp_fail(std::string("add namespace rule for ") + name, rc);
  }
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc != 0 && rc != -EEXIST) seccomp_fail("add rule for clone3", rc);
}

}  // namespace

SeccompFilter build_seccomp_filter(const SeccompPlan& plan) {
  if (!plan.enabled) return nullptr;
  const uint32_t deny =
      plan.action == SeccompAction::kKill ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
  const uint32_t default_action = plan.allow_list ? deny : SCMP_ACT_ALLOW;
  const uint32_t rule_action = plan.allow_list ? SCMP_ACT_ALLOW : deny;
  SeccompFilter ctx(seccomp_init(default_action));
  if (!ctx) seccomp_fail("initialise filter", -ENOMEM);
  int rc;
  // jharden sets PR_SET_NO_NEW_PRIVS itself, as the policy asks; libseccomp must not.
  if ((rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0)) != 0)
    seccomp_fail("clear the no_new_privs attribute", rc);
  // runc#2430: without spec_allow the kernel forces the SSB mitigation on the daemon.
  if ((rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_SSB, 1)) != 0)
    seccomp_fail("set the SSB attribute", rc);
  // Calls through another ABI (i386 int 0x80, x32) are refused outright: a deny list written
  // with x86_64 numbers would miss them.
  if ((rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, deny)) != 0)
    seccomp_fail("set the bad-architecture action", rc);
  if (!plan.native_only) {
    for (uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) {
      if (seccomp_arch_native() != SCMP_ARCH_X86_64) break;
      if ((rc = seccomp_arch_add(ctx.get(), arch)) != 0 && rc != -EEXIST)
        seccomp_fail("add architecture", rc);
    }
  }
  // clone and unshare get argument rules below; an unconditional rule would override them.
  auto conditional = [&](const std::string& name) {
    return plan.restrict_namespaces && (name == "clone" || name == "unshare" || name == "clone3");
  };
  for (const auto& name : plan.syscalls) {
    if (conditional(name) && plan.allow_list) continue;
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) seccomp_fail("unknown syscall " + name, -EINVAL);
    // A name that does not exist on this architecture (e.g. setuid32 on x86_64) resolves
    // to a negative pseudo number: nothing to filter.
    rc = seccomp_rule_add(ctx.get(), rule_action, nr, 0);
    if (rc != 0 && rc != -EDOM && rc != -EEXIST) seccomp_fail("add rule for " + name, rc);
  }
  if (plan.restrict_namespaces) add_namespace_rules(ctx.get(), plan, deny);
  return ctx;
}

void load_seccomp_filter(const SeccompFilter& filter) {
  if (!filter) return;
  int rc = seccomp_load(filter.get());
  if (rc != 0) seccomp_fail("load filter", rc);
}

}  // namespace jharden
