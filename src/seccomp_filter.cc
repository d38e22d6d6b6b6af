#include "seccomp_filter.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "complain.h"
#include "error.h"
#include "policy.h"
#include "seccomp_compact.h"
#include "seccomp_programs.h"
#include "sys_ops.h"
#include "unique_fd.h"

namespace jharden {
namespace {

[[noreturn]] void seccomp_fail(const std::string& what, int rc) {
  throw StepError{kExitSeccomp, "seccomp: " + what + ": " + std::strerror(-rc)};
}

// A conjunction of argument comparisons; empty: the rule holds whatever the arguments.
using Conditions = std::vector<scmp_arg_cmp>;

// The verdict on a syscall whose arguments decide: allowed when one of `allow` holds, refused
// when one of `deny` holds. The two sides never overlap, so the order of libseccomp's checks
// cannot matter; what neither covers falls to the default action (ENOSYS). `error` is the
// errno of a refusal when the action is errno.
struct ArgumentRules {
  std::vector<Conditions> allow;
  std::vector<Conditions> deny;
  int error = EPERM;
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
// at start into the plan: the daemon inherits it); like systemd, anything else is refused,
// the 0xffffffff query included.
void personality_rules(uint64_t current, std::map<std::string, ArgumentRules>& rules) {
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

// RestrictAddressFamilies=: socket() and socketpair() only for the listed families; the others
// get EAFNOSUPPORT, as if the kernel had no such family. As in systemd, the comparisons take
// the whole 64-bit register, so a domain with any high bit set is refused as out of range.
void family_rules(const std::vector<int>& families, std::map<std::string, ArgumentRules>& rules) {
  for (const char* name : {"socket", "socketpair"}) {
    ArgumentRules& r = rules[name];
    r.error = EAFNOSUPPORT;
    if (families.empty()) {
      r.deny.push_back({});
      continue;
    }
    for (int f : families) r.allow.push_back({compare(0, SCMP_CMP_EQ, static_cast<uint64_t>(f))});
    for (int f = 0; f < families.back(); ++f)
      if (!std::binary_search(families.begin(), families.end(), f))
        r.deny.push_back({compare(0, SCMP_CMP_EQ, static_cast<uint64_t>(f))});
    r.deny.push_back({compare(0, SCMP_CMP_GT, static_cast<uint64_t>(families.back()))});
  }
}

// MemoryDenyWriteExecute= on kernels without PR_SET_MDWE, as systemd's
// seccomp_memory_deny_write_execute(): no mapping both writable and executable, no
// mprotect/pkey_mprotect to executable, no shmat with SHM_EXEC. EPERM, as there.
void write_execute_rules(std::map<std::string, ArgumentRules>& rules) {
  const uint64_t kWx = PROT_WRITE | PROT_EXEC;
  for (const char* name : {"mmap", "mmap2"}) {
    ArgumentRules& r = rules[name];
    r.allow.push_back({masked(2, PROT_WRITE, 0)});
    r.allow.push_back({masked(2, kWx, PROT_WRITE)});
    r.deny.push_back({masked(2, kWx, kWx)});
  }
  for (auto [name, arg] : {std::pair{"mprotect", 2u}, {"pkey_mprotect", 2u}}) {
    ArgumentRules& r = rules[name];
    r.allow.push_back({masked(arg, PROT_EXEC, 0)});
    r.deny.push_back({masked(arg, PROT_EXEC, PROT_EXEC)});
  }
  ArgumentRules& shmat = rules["shmat"];
  shmat.allow.push_back({masked(2, SHM_EXEC, 0)});
  shmat.deny.push_back({masked(2, SHM_EXEC, SHM_EXEC)});
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

// libseccomp's syscall names as its header lists them (__SNR_*), gathered at build time by
// src/CMakeLists.txt; empty when the header was not found.
constexpr const char* kHeaderSyscallNames[] = {
#include "seccomp_header_names.inc"
    nullptr};

// The library jharden runs with is the one whose header it was built with: then its table holds
// exactly the header's names.
bool library_matches_header() {
  const scmp_version* v = seccomp_version();
  return v && v->major == SCMP_VER_MAJOR && v->minor == SCMP_VER_MINOR &&
         v->micro == SCMP_VER_MICRO;
}

// Whether known_syscall_names() takes the header's names (else every number of the table).
bool names_from_header() { return kHeaderSyscallNames[0] && library_matches_header(); }

}  // namespace

// Every syscall libseccomp can name on the filter's architectures. The others, which the
// kernel may have (a call newer than libseccomp's table, such as open_tree_attr), get the
// default action, ENOSYS, so that no new mount or namespace call slips past a group.
// Asking the table for every number is a linear search each (some 2.5 million instructions
// per table, at every start); asking it for each name of the header is a hash lookup each and
// finds the same calls, when the library is the header's version (tests/unit compares both).
std::set<std::string> known_syscall_names(bool native_only, bool exhaustive) {
  std::vector<std::pair<uint32_t, int>> tables = {{SCMP_ARCH_NATIVE, 0}};
  if (!native_only && seccomp_arch_native() == SCMP_ARCH_X86_64)
    tables.insert(tables.end(), {{SCMP_ARCH_X86, 0}, {SCMP_ARCH_X32, 0x40000000}});
  std::set<std::string> names;
  if (!exhaustive && names_from_header()) {
    for (const char* const* name = kHeaderSyscallNames; *name; ++name) {
      for (auto [arch, base] : tables) {
        const int nr = seccomp_syscall_resolve_name_arch(arch, *name);
        if (nr >= base && nr < base + kSyscallBound) {
          names.insert(*name);
          break;
        }
      }
    }
    return names;
  }
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

std::optional<FilterSpec> seccomp_filter_spec(const SeccompPlan& plan,
                                              const ComplainFilter* complain) {
  if (!plan.enabled && !complain) return std::nullopt;
  // What a refusal does: with action = log the call goes through and the kernel logs it.
  auto refusal = [&](int error) -> uint32_t {
    if (complain) return SCMP_ACT_NOTIFY;
    switch (plan.action) {
      case SeccompAction::kKill:
        return SCMP_ACT_KILL_PROCESS;
      case SeccompAction::kLog:
        return SCMP_ACT_LOG;
      case SeccompAction::kErrno:
        break;
    }
    return SCMP_ACT_ERRNO(static_cast<uint32_t>(error));
  };
  const uint32_t deny = refusal(plan.error);
  // Every syscall libseccomp knows gets its own verdict below: the default is for the rest.
  const uint32_t fallback = refusal(ENOSYS);

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
  if (plan.lock_personality) personality_rules(plan.execution_domain, rules);
  if (plan.restrict_realtime) realtime_rules(rules);
  if (plan.address_families) family_rules(*plan.address_families, rules);
  if (plan.write_execute == WriteExecute::kSeccomp) write_execute_rules(rules);
  const std::set<std::string> names = known_syscall_names(plan.native_only);
  std::set<std::string> watched;
  if (complain && complain->watch_paths)
    for (const auto& w : watched_path_calls()) watched.insert(w.name);
  if (plan.restrict_terminal()) terminal_rules(rules);
  if (plan.refuses_io_uring())
    for (const char* name : {"io_uring_setup", "io_uring_enter", "io_uring_register"})
      rules[name].deny.push_back({});

  // The calls that get a rule, by number from the highest down: libseccomp keeps each
  // architecture's calls in a list sorted by number, walked from the lowest for every rule added,
  // so that each call is added in one step instead of after half the list. The filter is the
  // same (a call's own rules keep their order); adding the rules takes a fifth fewer
  // instructions.
  std::vector<std::pair<int, std::string>> by_number;
  for (const auto& name : names) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    by_number.emplace_back(nr, name);
  }
  std::sort(by_number.begin(), by_number.end(), std::greater<>());

  FilterSpec spec;
  spec.default_action = fallback;
  spec.attributes = {
      // jharden sets PR_SET_NO_NEW_PRIVS itself, as the policy asks; libseccomp must not.
      {SCMP_FLTATR_CTL_NNP, 0},
      // runc#2430: without spec_allow the kernel forces the SSB mitigation on the daemon.
      {SCMP_FLTATR_CTL_SSB, 1},
      // A binary search over the syscall numbers: the filter has a rule for each of a few
      // hundred.
      {SCMP_FLTATR_CTL_OPTIMIZE, 2},
      // Calls through another ABI (i386 int 0x80, x32) are refused outright: a deny list
      // written with x86_64 numbers would miss them.
      // Under --complain the kernel logs them: a notification of another ABI's numbers would
      // name the wrong call.
      {SCMP_FLTATR_ACT_BADARCH, complain ? SCMP_ACT_LOG : deny},
  };
  // One filter per group of architectures, merged: on i386, socket(), socketpair() and shmat()
  // may go through the socketcall(2) and ipc(2) multiplexers, where the family or the flags
  // sit in memory. libseccomp cannot keep an argument rule there, and, given one filter for
  // every architecture, drops the rule on all of them. On i386 those calls are refused
  // whenever the native filter has an argument rule for them: the filter cannot see what
  // they ask for.
  const bool all_abis = !plan.native_only && seccomp_arch_native() == SCMP_ARCH_X86_64;
  auto make = [&](bool i386) {
    FilterSpec::Part part;
    if (i386) {
      part.arch_add = {SCMP_ARCH_X86};
      part.arch_remove = {SCMP_ARCH_NATIVE};
    } else if (all_abis) {
      part.arch_add = {SCMP_ARCH_X32};
    }
    auto add = [&](uint32_t action, int nr, Conditions c, const std::string& name) {
      // libseccomp refuses a rule that repeats the default action (with action = log): the
      // default answers the call the same way.
      if (action == fallback) return;
      part.rules.push_back({action, nr, std::move(c), name});
    };
    for (const auto& [nr, name] : by_number) {
      if (not_implemented.contains(name)) {
        // The C library falls back to the call the rules check, which is notified in its
        // turn: this answer stays ENOSYS, not a refusal to log.
        if (complain) add(SCMP_ACT_ERRNO(ENOSYS), nr, {}, name);
        continue;
      }
      if (complain && watched.contains(name)) {
        add(SCMP_ACT_NOTIFY, nr, {}, name);
        continue;
      }
      if (complain && plan.refuses(name)) {
        bool exempted = false;
        for (const auto& [call, fd] : complain->exempt) {
          if (call != name) continue;
          add(SCMP_ACT_ALLOW, nr, {masked(0, 0xffffffff, static_cast<uint64_t>(fd))}, name);
          exempted = true;
        }
        // The other descriptors fall to the default action: notified.
        if (exempted) continue;
      }
      const bool listed = std::binary_search(plan.syscalls.begin(), plan.syscalls.end(), name);
      const bool allowed = plan.allow_list ? listed : !listed;
      auto it = rules.find(name);
      const bool multiplexed =
          i386 && (name == "socket" || name == "socketpair" || name == "shmat");
      if (!allowed) {
        add(refusal(plan.error_of(name)), nr, {}, name);
      } else if (it == rules.end()) {
        add(SCMP_ACT_ALLOW, nr, {}, name);
      } else if (multiplexed) {
        add(refusal(it->second.error), nr, {}, name);
      } else {
        for (const auto& c : it->second.allow) add(SCMP_ACT_ALLOW, nr, c, name);
        for (const auto& c : it->second.deny) add(refusal(it->second.error), nr, c, name);
      }
    }
    return part;
  };
  spec.parts.push_back(make(false));
  if (all_abis) spec.parts.push_back(make(true));
  return spec;
}

SeccompContext compile_seccomp_spec(const FilterSpec& spec) {
  int rc;
  auto make = [&](const FilterSpec::Part& part) {
    SeccompContext ctx(seccomp_init(spec.default_action));
    if (!ctx) seccomp_fail("initialise filter", -ENOMEM);
    for (auto [attr, value] : spec.attributes) {
      if ((rc = seccomp_attr_set(ctx.get(), attr, value)) == 0) continue;
      switch (attr) {
        case SCMP_FLTATR_CTL_NNP:
          seccomp_fail("clear the no_new_privs attribute", rc);
        case SCMP_FLTATR_CTL_SSB:
          seccomp_fail("set the SSB attribute", rc);
        case SCMP_FLTATR_CTL_OPTIMIZE:
          seccomp_fail("set the optimisation attribute", rc);
        case SCMP_FLTATR_ACT_BADARCH:
          seccomp_fail("set the bad-architecture action", rc);
        default:
          seccomp_fail("set attribute " + std::to_string(attr), rc);
      }
    }
    for (uint32_t arch : part.arch_add)
      if ((rc = seccomp_arch_add(ctx.get(), arch)) != 0 && rc != -EEXIST)
        seccomp_fail("add architecture", rc);
    for (uint32_t arch : part.arch_remove)
      if ((rc = seccomp_arch_remove(ctx.get(), arch)) != 0) seccomp_fail("remove architecture", rc);
    for (const auto& r : part.rules) {
      rc = seccomp_rule_add_array(ctx.get(), r.action, r.nr,
                                  static_cast<unsigned>(r.conditions.size()), r.conditions.data());
      // -EDOM: a name of another architecture's table that none of the filter's has.
      if (rc != 0 && rc != -EDOM && rc != -EEXIST) seccomp_fail("add rule for " + r.name, rc);
    }
    return ctx;
  };
  SeccompContext ctx = make(spec.parts.at(0));
  for (size_t i = 1; i < spec.parts.size(); ++i) {
    SeccompContext other = make(spec.parts[i]);
    // On success the merge takes the second filter over.
    if ((rc = seccomp_merge(ctx.get(), other.get())) != 0)
      seccomp_fail("merge the i386 filter", rc);
    (void)other.release();
  }
  return ctx;
}

std::string seccomp_plan_key(const SeccompPlan& plan) {
  // Every field of the plan, so that a field added to SeccompPlan does not compile here until
  // it is either in the key or named as one the filter does not read.
  const auto& [enabled, allow_list, action, native_only, syscalls, groups, error, errors,
               address_families, write_execute, namespaces_allowed, restrict_suid_sgid,
               lock_personality, execution_domain, restrict_realtime, new_session, terminal_reach,
               deny_blame, deny_entries, action_blame, allow_blame, namespaces_blame,
               suid_sgid_blame, personality_blame, realtime_blame, families_blame,
               write_execute_blame, terminal_blame] = plan;
  // For --print, --complain and the report of a kill: the filter never reads them (new_session
  // counts through terminal_reach, whose text is the reason only).
  (void)groups, (void)new_session, (void)deny_blame, (void)deny_entries, (void)action_blame,
      (void)allow_blame, (void)namespaces_blame, (void)suid_sgid_blame, (void)personality_blame,
      (void)realtime_blame, (void)families_blame, (void)write_execute_blame, (void)terminal_blame;
  std::string key;
  auto u64 = [&](uint64_t v) {
    for (size_t i = 0; i < 8; ++i) key.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  auto text = [&](const std::string& s) {
    u64(s.size());
    key.append(s);
  };
  key.append("jharden seccomp plan 1");
  key.push_back('\0');
  const scmp_version* v = seccomp_version();
  u64(v ? v->major : 0);
  u64(v ? v->minor : 0);
  u64(v ? v->micro : 0);
  u64(seccomp_arch_native());
  u64(names_from_header());
  u64(enabled);
  u64(allow_list);
  u64(static_cast<uint64_t>(action));
  u64(native_only);
  u64(syscalls.size());
  for (const auto& name : syscalls) text(name);
  u64(static_cast<uint64_t>(error));
  u64(errors.size());
  for (const auto& [name, e] : errors) {
    text(name);
    u64(static_cast<uint64_t>(e));
  }
  u64(address_families.has_value());
  if (address_families) {
    u64(address_families->size());
    for (int f : *address_families) u64(static_cast<uint64_t>(f));
  }
  u64(static_cast<uint64_t>(write_execute));
  u64(namespaces_allowed);
  u64(restrict_suid_sgid);
  u64(lock_personality);
  u64(execution_domain);
  u64(restrict_realtime);
  u64(!terminal_reach.empty());
  return key;
}

SeccompFilter compile_seccomp_filter(const SeccompPlan& plan, const ComplainFilter* complain) {
  std::optional<FilterSpec> spec = seccomp_filter_spec(plan, complain);
  if (!spec) return nullptr;
  return SeccompFilter(compile_seccomp_spec(*spec));
}

bool loads_with_spec_allow_only(const FilterSpec& spec) {
  bool ssb = false;
  for (auto [attr, value] : spec.attributes) {
    switch (attr) {
      case SCMP_FLTATR_CTL_NNP:
        if (value != 0) return false;  // libseccomp would set PR_SET_NO_NEW_PRIVS first
        break;
      case SCMP_FLTATR_CTL_SSB:
        if (value != 1) return false;
        ssb = true;
        break;
      case SCMP_FLTATR_CTL_OPTIMIZE:
        break;  // how the program is compiled, not how it is loaded
      case SCMP_FLTATR_ACT_BADARCH:
        if (value == SCMP_ACT_NOTIFY) return false;
        break;
      default:
        return false;  // TSYNC, LOG, a listener...: flags the direct load does not give
    }
  }
  if (!ssb || spec.default_action == SCMP_ACT_NOTIFY) return false;
  for (const auto& part : spec.parts)
    for (const auto& r : part.rules)
      if (r.action == SCMP_ACT_NOTIFY) return false;  // NEW_LISTENER
  return true;
}

SeccompFilter build_seccomp_filter(const SeccompPlan& plan, const ComplainFilter* complain) {
  // --complain's filter names descriptors of this start: never one of the table's. The table
  // holds only descriptions that libseccomp loads with the flags load_seccomp_filter() gives
  // a program (seccomp-programs-gen leaves out the others).
  if (!complain && plan.enabled)
    if (const PrebuiltSeccompProgram* p = find_prebuilt_seccomp_program(seccomp_plan_key(plan)))
      return SeccompFilter(p->program());
  std::optional<FilterSpec> spec = seccomp_filter_spec(plan, complain);
  if (!spec) return nullptr;
  SeccompFilter compiled(compile_seccomp_spec(*spec));
  // Loaded as the table's programs are wherever libseccomp would load it with the same flags:
  // its program with the search over the number compacted.
  if (!loads_with_spec_allow_only(*spec)) return compiled;
  return SeccompFilter(compact_syscall_dispatch(export_seccomp_bpf(compiled)));
}

std::vector<sock_filter> export_seccomp_bpf(const SeccompFilter& filter) {
  if (!filter) return {};
  if (!filter.get()) return {filter.program().begin(), filter.program().end()};
  // libseccomp exports only to a descriptor (seccomp_export_bpf_mem is 2.6's).
  unique_fd fd(memfd_create("jharden-seccomp", MFD_CLOEXEC));
  if (!fd) fail_errno(kExitSeccomp, "seccomp", "memfd_create for the export");
  if (int rc = seccomp_export_bpf(filter.get(), fd.get()); rc != 0)
    seccomp_fail("export filter", rc);
  struct stat st;
  if (fstat(fd.get(), &st) != 0 || st.st_size % sizeof(sock_filter) != 0)
    fail_errno(kExitSeccomp, "seccomp", "size of the exported filter");
  std::vector<sock_filter> program(static_cast<size_t>(st.st_size) / sizeof(sock_filter));
  const size_t bytes = program.size() * sizeof(sock_filter);
  if (pread(fd.get(), program.data(), bytes, 0) != static_cast<ssize_t>(bytes))
    fail_errno(kExitSeccomp, "seccomp", "read the exported filter");
  return program;
}

void load_seccomp_filter(const SeccompFilter& filter) {
  if (!filter) return;
  int rc;
  if (filter.get()) {
    rc = sys().seccomp_load(filter.get());
  } else {
    // What seccomp_load() does with the attributes every filter description sets (libseccomp
    // 2.5's sys_filter_load(), at the API levels that can set them all: 4 and up): no
    // PR_SET_NO_NEW_PRIVS (CTL_NNP 0), no TSYNC, no listener (no NOTIFY action), no LOG flag,
    // SPEC_ALLOW for CTL_SSB. The kernel's own errno, where libseccomp says ECANCELED.
    std::span<const sock_filter> program = filter.program();
    sock_fprog prog{static_cast<unsigned short>(program.size()),
                    const_cast<sock_filter*>(program.data())};
    rc = sys().seccomp_set_filter(SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog);
  }
  if (rc == -EACCES)
    seccomp_fail("load filter (with no_new_privileges = no the kernel requires CAP_SYS_ADMIN)", rc);
  if (rc != 0) seccomp_fail("load filter", rc);
}

void deny_write_execute() {
  constexpr int kSetMdwe = 65;        // PR_SET_MDWE (Linux 6.3)
  constexpr int kRefuseExecGain = 1;  // PR_MDWE_REFUSE_EXEC_GAIN
  if (sys().prctl(kSetMdwe, kRefuseExecGain, 0, 0, 0) != 0)
    fail_errno(kExitSeccomp, "memory_deny_write_execute", "PR_SET_MDWE");
}

}  // namespace jharden
