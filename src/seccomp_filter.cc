#include "seccomp_filter.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "error.h"
#include "policy.h"

namespace jharden {
namespace {

[[noreturn]] void seccomp_fail(const std::string& what, int rc) {
  throw StepError{kExitSeccomp, "seccomp: " + what + ": " + std::strerror(-rc)};
}

// A conjunction of argument comparisons; empty: the rule holds whatever the arguments.
using Conditions = std::vector<scmp_arg_cmp>;

// The verdict on a syscall whose arguments decide: allowed when one of `allow` holds, refused
// when one of `deny` holds. The two sides never overlap, so the order of libseccomp's checks
// cannot matter; what neither covers falls to the default action (ENOSYS).
struct ArgumentRules {
  std::vector<Conditions> allow;
  std::vector<Conditions> deny;
};

// SCMP_A0() and friends are C compound literals, which clang refuses in C++.
scmp_arg_cmp masked(unsigned arg, uint64_t mask, uint64_t value) {
  return scmp_arg_cmp{arg, SCMP_CMP_MASKED_EQ, mask, value};
}
scmp_arg_cmp compare(unsigned arg, scmp_compare op, uint64_t value) {
  return scmp_arg_cmp{arg, op, value, 0};
}

// clone's flags: the first argument, except on s390, where the first two are swapped.
#if defined(__s390__) || defined(__s390x__)
constexpr unsigned kCloneFlagsArg = 1;
#else
constexpr unsigned kCloneFlagsArg = 0;
#endif

// A bound above every syscall number of every architecture's table (x86_64 is in the 400s).
constexpr int kSyscallBound = 1024;

// RestrictNamespaces=: unshare and clone may not ask for a type that is not allowed; setns may
// join only an allowed type, and nstype 0 ("any") only when every type is allowed.
void namespace_rules(const SeccompPlan& plan, std::map<std::string, ArgumentRules>& rules) {
  unsigned long forbidden = all_namespace_flags() & ~plan.namespaces_allowed;
  for (const char* name : {"unshare", "clone"}) {
    const bool clone = std::strcmp(name, "clone") == 0;
    const unsigned arg = clone ? kCloneFlagsArg : 0;
    // In clone's flags, CLONE_NEWTIME's bit is part of the exit signal: clone cannot create a
    // time namespace (only unshare and clone3 can).
    const unsigned long checked =
        clone ? forbidden & ~static_cast<unsigned long>(CLONE_NEWTIME) : forbidden;
    ArgumentRules& r = rules[name];
    r.allow.push_back({masked(arg, checked, 0)});
    for (const auto& t : namespace_types())
      if (checked & t.flag) r.deny.push_back({masked(arg, t.flag, t.flag)});
  }
  ArgumentRules& setns = rules["setns"];
  if (plan.namespaces_allowed == 0) {
    setns.deny.push_back({});
    return;
  }
  setns.deny.push_back({compare(1, SCMP_CMP_EQ, 0)});
  for (const auto& t : namespace_types()) {
    if (plan.namespace_allowed(t.flag))
      setns.allow.push_back({compare(1, SCMP_CMP_EQ, t.flag)});
    else
      setns.deny.push_back({masked(1, t.flag, t.flag)});
  }
}

// RestrictSUIDSGID=: no mode argument may carry S_ISUID or S_ISGID, in whatever position the
// call has it, and open/openat only matter when they create (O_CREAT, or O_TMPFILE, whose
// nameless file can be linked in later).
void suid_sgid_rules(std::map<std::string, ArgumentRules>& rules) {
  constexpr uint64_t kSetId = S_ISUID | S_ISGID;
  const std::pair<const char*, unsigned> mode_calls[] = {
      {"chmod", 1},   {"fchmod", 1}, {"fchmodat", 2}, {"fchmodat2", 2}, {"mkdir", 1},
      {"mkdirat", 2}, {"mknod", 1},  {"mknodat", 2},  {"creat", 1}};
  for (auto [name, arg] : mode_calls) {
    ArgumentRules& r = rules[name];
    r.allow.push_back({masked(arg, kSetId, 0)});
    for (uint64_t bit : {uint64_t{S_ISUID}, uint64_t{S_ISGID}})
      r.deny.push_back({masked(arg, bit, bit)});
  }
  constexpr uint64_t kCreate = O_CREAT | __O_TMPFILE;
  for (auto [name, flags, mode] : {std::tuple{"open", 1u, 2u}, {"openat", 2u, 3u}}) {
    ArgumentRules& r = rules[name];
    r.allow.push_back({masked(flags, kCreate, 0)});
    r.allow.push_back({masked(mode, kSetId, 0)});
    for (uint64_t create : {uint64_t{O_CREAT}, uint64_t{__O_TMPFILE}})
      for (uint64_t bit : {uint64_t{S_ISUID}, uint64_t{S_ISGID}})
        r.deny.push_back({masked(flags, create, create), masked(mode, bit, bit)});
  }
}

// LockPersonality=: personality(2) may only set the execution domain jharden runs with (read
// here, in the process the daemon inherits it from); like systemd, anything else is refused,
// the 0xffffffff query included.
void personality_rules(std::map<std::string, ArgumentRules>& rules) {
  const uint64_t current = static_cast<unsigned>(personality(0xffffffff));
  ArgumentRules& r = rules["personality"];
  r.allow.push_back({compare(0, SCMP_CMP_EQ, current)});
  r.deny.push_back({compare(0, SCMP_CMP_NE, current)});
}

// RestrictRealtime=: sched_setscheduler only with SCHED_OTHER, SCHED_BATCH or SCHED_IDLE (a
// policy with SCHED_RESET_ON_FORK is above them all, as in systemd). sched_setattr keeps its
// policy in memory, out of the filter's reach: refused, where systemd lets it through.
void realtime_rules(std::map<std::string, ArgumentRules>& rules) {
  ArgumentRules& r = rules["sched_setscheduler"];
  const uint64_t allowed[] = {SCHED_OTHER, SCHED_BATCH, SCHED_IDLE};
  uint64_t highest = 0;
  for (uint64_t p : allowed) {
    r.allow.push_back({compare(1, SCMP_CMP_EQ, p)});
    highest = std::max(highest, p);
  }
  for (uint64_t p = 0; p < highest; ++p)
    if (std::find(std::begin(allowed), std::end(allowed), p) == std::end(allowed))
      r.deny.push_back({compare(1, SCMP_CMP_EQ, p)});
  r.deny.push_back({compare(1, SCMP_CMP_GT, highest)});
  rules["sched_setattr"].deny.push_back({});
}

// Refuses the 32-bit values `refused` of argument `arg` and allows every other one. The kernel
// reads some arguments as 32 bits (ioctl's request is an unsigned int): the upper half is
// ignored, else 0xffffffff00005412 would pass a rule for TIOCSTI (CVE-2019-10063). A rule
// may compare an argument only once, so "none of these" is spelt as its complement: for each
// prefix of a refused value, the prefix with the next bit flipped (a few dozen rules).
void refuse_values(ArgumentRules& r, unsigned arg, const std::vector<uint32_t>& refused) {
  constexpr uint64_t kLow = 0xffffffff;
  for (uint32_t v : refused) r.deny.push_back({masked(arg, kLow, v)});
  auto cover = [&](auto& self, int bit, uint64_t prefix, std::vector<uint32_t> values) -> void {
    const uint64_t mask = (kLow << bit) & kLow;
    for (uint64_t b : {uint64_t{0}, uint64_t{1}}) {
      std::vector<uint32_t> same;
      for (uint32_t v : values)
        if (((v >> bit) & 1) == b) same.push_back(v);
      const uint64_t next = prefix | (b << bit);
      if (same.empty())
        r.allow.push_back({masked(arg, mask, next)});
      else if (bit > 0)
        self(self, bit - 1, next, same);
      // bit 0 with a value left: that value itself, refused above.
    }
  };
  cover(cover, 31, 0, refused);
}

// new_session: the daemon still leads its session, and the terminal jharden gave up
// (TIOCNOTTY) belongs to no session, so TIOCSCTTY would make it the daemon's again and
// TIOCSTI push input into the caller's shell. TIOCLINUX too: its subcode lies in memory, and
// TIOCL_SETSEL/TIOCL_PASTESEL paste into a virtual console (CVE-2023-1523). systemd-nspawn
// refuses TIOCSTI and TIOCLINUX as well.
void terminal_rules(std::map<std::string, ArgumentRules>& rules) {
  refuse_values(rules["ioctl"], 1, {TIOCSCTTY, TIOCSTI, TIOCLINUX});
}

// Every syscall libseccomp can name on the filter's architectures. The others, which the
// kernel may have (a call newer than libseccomp's table, such as open_tree_attr), get the
// default action, ENOSYS, so that no new mount or namespace call slips past a group.
std::set<std::string> known_syscalls(const SeccompPlan& plan) {
  std::vector<std::pair<uint32_t, int>> tables = {{SCMP_ARCH_NATIVE, 0}};
  if (!plan.native_only && seccomp_arch_native() == SCMP_ARCH_X86_64)
    tables.insert(tables.end(), {{SCMP_ARCH_X86, 0}, {SCMP_ARCH_X32, 0x40000000}});
  std::set<std::string> names;
  for (auto [arch, base] : tables) {
    for (int nr = 0; nr < kSyscallBound; ++nr) {
      char* name = seccomp_syscall_resolve_num_arch(arch, base + nr);
      if (!name) continue;
      names.insert(name);
      free(name);
    }
  }
  return names;
}

}  // namespace

SeccompFilter build_seccomp_filter(const SeccompPlan& plan) {
  if (!plan.enabled) return nullptr;
  const uint32_t deny =
      plan.action == SeccompAction::kKill ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
  // Every syscall libseccomp knows gets its own verdict below: the default is for the rest.
  SeccompFilter ctx(seccomp_init(SCMP_ACT_ERRNO(ENOSYS)));
  if (!ctx) seccomp_fail("initialise filter", -ENOMEM);
  int rc;
  // jharden sets PR_SET_NO_NEW_PRIVS itself, as the policy asks; libseccomp must not.
  if ((rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0)) != 0)
    seccomp_fail("clear the no_new_privs attribute", rc);
  // runc#2430: without spec_allow the kernel forces the SSB mitigation on the daemon.
  if ((rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_SSB, 1)) != 0)
    seccomp_fail("set the SSB attribute", rc);
  // A binary search over the syscall numbers: the filter has a rule for each of a few hundred.
  if ((rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2)) != 0)
    seccomp_fail("set the optimisation attribute", rc);
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

  std::map<std::string, ArgumentRules> rules;
  // Calls whose arguments sit in memory, out of the filter's reach, fail with ENOSYS (the
  // default action: no rule) so that the C library falls back to the older call that the
  // rules above can check, as systemd does.
  std::set<std::string> not_implemented;
  if (plan.restricts_namespaces()) {
    namespace_rules(plan, rules);
    not_implemented.insert("clone3");
  }
  if (plan.restrict_suid_sgid) {
    suid_sgid_rules(rules);
    not_implemented.insert("openat2");
  }
  if (plan.lock_personality) personality_rules(rules);
  if (plan.restrict_realtime) realtime_rules(rules);
  if (plan.restrict_terminal) terminal_rules(rules);
  if (plan.refuses_io_uring())
    for (const char* name : {"io_uring_setup", "io_uring_enter", "io_uring_register"})
      rules[name].deny.push_back({});

  auto add = [&](uint32_t action, int nr, const Conditions& c, const std::string& name) {
    rc = seccomp_rule_add_array(ctx.get(), action, nr, static_cast<unsigned>(c.size()), c.data());
    // -EDOM: a name of another architecture's table that none of the filter's has.
    if (rc != 0 && rc != -EDOM && rc != -EEXIST) seccomp_fail("add rule for " + name, rc);
  };
  for (const auto& name : known_syscalls(plan)) {
    if (not_implemented.contains(name)) continue;
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    const bool listed = std::binary_search(plan.syscalls.begin(), plan.syscalls.end(), name);
    const bool allowed = plan.allow_list ? listed : !listed;
    auto it = rules.find(name);
    if (!allowed) {
      add(deny, nr, {}, name);
    } else if (it == rules.end()) {
      add(SCMP_ACT_ALLOW, nr, {}, name);
    } else {
      for (const auto& c : it->second.allow) add(SCMP_ACT_ALLOW, nr, c, name);
      for (const auto& c : it->second.deny) add(deny, nr, c, name);
    }
  }
  return ctx;
}

void load_seccomp_filter(const SeccompFilter& filter) {
  if (!filter) return;
  int rc = seccomp_load(filter.get());
  if (rc != 0) seccomp_fail("load filter", rc);
}

}  // namespace jharden
