// The seccomp programs compiled at build time (seccomp_programs.h): each entry is what
// libseccomp compiles now for its key, at the API levels it claims and at no other; the
// shipped policies and the built-in defaults find theirs, an edited policy and --complain do
// not; the key changes with everything of the plan the filter is made of.
#include "seccomp_programs.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bpf_machine.h"
#include "loader.h"
#include "plan.h"
#include "seccomp_compact.h"
#include "seccomp_filter.h"

namespace jharden {
namespace {

std::vector<std::string> shipped_files() {
  std::vector<std::string> files;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(JHARDEN_SOURCE_DIR) + "/conf"))
    if (e.path().extension() == ".conf") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// The built-in defaults ("empty") and every shipped policy, by name and text.
std::vector<std::pair<std::string, std::string>> policy_texts() {
  std::vector<std::pair<std::string, std::string>> policies = {{"empty", ""}};
  for (const auto& f : shipped_files()) {
    std::ifstream in(f);
    std::ostringstream text;
    text << in.rdbuf();
    policies.emplace_back(f, text.str());
  }
  return policies;
}

// Restores libseccomp's API level (the kernel's) when a test has set another.
class ApiLevel {
 public:
  ApiLevel() : saved_(seccomp_api_get()) {}
  ~ApiLevel() { seccomp_api_set(saved_); }
  unsigned saved() const { return saved_; }

 private:
  unsigned saved_;
};

// A program as the table holds it: libseccomp's, its search over the number compacted (once:
// compacting the table's program again gives it back).
std::vector<sock_filter> table_form(const SeccompFilter& filter) {
  return compact_syscall_dispatch(export_seccomp_bpf(filter));
}

// Whether a start loads one of the table's programs (not one compiled at start).
bool from_table(const SeccompFilter& filter) {
  for (const PrebuiltSeccompProgram& p : prebuilt_seccomp_programs())
    if (filter.program().data() == p.instructions) return true;
  return false;
}

TEST(SeccompPrograms, EveryEntryIsWhatLibseccompCompilesNow) {
  ASSERT_FALSE(prebuilt_seccomp_programs().empty()) << "built with JHARDEN_SECCOMP_PROGRAMS=OFF?";
  Diagnostics diag;
  std::vector<ShippedSeccompSpec> specs = shipped_seccomp_specs(shipped_files(), diag);
  ASSERT_TRUE(diag.ok());
  ApiLevel restore;
  std::vector<bool> seen(prebuilt_seccomp_programs().size());
  for (const auto& s : specs) {
    for (unsigned level = 1; level < 32; ++level) {
      if (seccomp_api_set(level) != 0) continue;
      const PrebuiltSeccompProgram* p = find_prebuilt_seccomp_program(s.key);
      if (!loads_with_spec_allow_only(s.spec)) {
        EXPECT_EQ(p, nullptr) << s.source << ": loaded with other flags than SPEC_ALLOW";
        continue;
      }
      std::vector<sock_filter> now;
      try {
        now = table_form(SeccompFilter(compile_seccomp_spec(s.spec)));
      } catch (const StepError& e) {
        // libseccomp refuses the filter at this level: no program may stand in for it.
        EXPECT_EQ(p, nullptr) << s.source << " at API level " << level << ": " << e.message;
        continue;
      }
      ASSERT_NE(p, nullptr) << s.source << " at API level " << level << ": no entry (stale table)";
      EXPECT_TRUE(same_program(now, p->program())) << s.source << " at API level " << level;
      seen[static_cast<size_t>(p - prebuilt_seccomp_programs().data())] = true;
    }
  }
  // Nothing in the table that no shipped policy makes.
  for (size_t i = 0; i < seen.size(); ++i)
    EXPECT_TRUE(seen[i]) << "entry " << i << " (" << prebuilt_seccomp_programs()[i].source
                         << ") matches no shipped policy";
}

// The table's programs are libseccomp's with a shorter search over the number: each answers
// every call as libseccomp's program does, at every level, and is some half its length.
TEST(SeccompPrograms, EveryCompactedProgramAnswersAsLibseccompsDoes) {
  Diagnostics diag;
  std::vector<ShippedSeccompSpec> specs = shipped_seccomp_specs(shipped_files(), diag);
  ASSERT_TRUE(diag.ok());
  ApiLevel restore;
  size_t compared = 0;
  for (const auto& s : specs) {
    for (unsigned level = 1; level < 32; ++level) {
      if (seccomp_api_set(level) != 0 || !loads_with_spec_allow_only(s.spec)) continue;
      std::vector<sock_filter> original;
      try {
        original = export_seccomp_bpf(SeccompFilter(compile_seccomp_spec(s.spec)));
      } catch (const StepError&) {
        continue;
      }
      const std::vector<sock_filter> compact = compact_syscall_dispatch(original);
      std::string difference;
      EXPECT_TRUE(same_answers(original, compact, difference))
          << s.source << " at API level " << level << ": " << difference;
      EXPECT_LT(compact.size() * 3, original.size() * 2)
          << s.source << ": " << original.size() << " instructions, compacted " << compact.size();
      ++compared;
    }
  }
  EXPECT_GT(compared, 0u);
}

Plan plan_of(const std::string& file, const std::string& text, bool mdwe) {
  Diagnostics diag;
  Policy policy = parse_policy_files({{file, text}}, false, diag);
  EXPECT_TRUE(diag.ok()) << file;
  PlanContext context;
  context.mdwe = mdwe;
  return build_plan(policy, Identity{}, {}, context, diag);
}

TEST(SeccompPrograms, ShippedPoliciesAndTheDefaultsLoadTheirProgram) {
  if (seccomp_api_get() < 4) GTEST_SKIP() << "libseccomp cannot set the SSB attribute here";
  const std::vector<std::pair<std::string, std::string>> policies = policy_texts();
  for (const auto& [file, text] : policies) {
    for (bool mdwe : {true, false}) {
      Plan plan = plan_of(file, text, mdwe);
      SeccompFilter f = build_seccomp_filter(plan.seccomp);
      ASSERT_TRUE(f) << file;
      EXPECT_TRUE(from_table(f)) << file << ": compiled at start";
      EXPECT_FALSE(f.program().empty()) << file;
      EXPECT_TRUE(same_program(table_form(compile_seccomp_filter(plan.seccomp)), f.program()))
          << file;
    }
  }
}

TEST(SeccompPrograms, AnEditedPolicyCompilesAtStart) {
  for (const char* text : {"[seccomp]\ndeny = flock\n", "[seccomp]\nnative_only = no\n",
                           "[seccomp]\naction = kill\n", "[seccomp]\nerrno = EIO\n"}) {
    const SeccompPlan plan = plan_of("p.conf", text, true).seccomp;
    SeccompFilter f = build_seccomp_filter(plan);
    ASSERT_TRUE(f) << text;
    // Not one of the table's programs: libseccomp's, compacted as the table's are.
    EXPECT_FALSE(from_table(f)) << text;
    EXPECT_TRUE(same_program(f.program(), table_form(compile_seccomp_filter(plan)))) << text;
  }
}

TEST(SeccompPrograms, ComplainAlwaysCompiles) {
  ComplainFilter cf;
  cf.exempt.emplace_back("sendmsg", 5);
  SeccompFilter f = build_seccomp_filter(plan_of("empty", "", true).seccomp, &cf);
  ASSERT_TRUE(f);
  EXPECT_NE(f.get(), nullptr);
}

TEST(SeccompPrograms, AnotherApiLevelFindsNoProgram) {
  const std::string key = seccomp_plan_key(plan_of("empty", "", true).seccomp);
  ApiLevel restore;
  if (restore.saved() >= 4) {
    EXPECT_NE(find_prebuilt_seccomp_program(key), nullptr);
  }
  ASSERT_EQ(seccomp_api_set(3), 0);
  EXPECT_EQ(find_prebuilt_seccomp_program(key), nullptr);
}

// The key changes with every field of the plan that the filter's description reads, and
// with none of those it does not (the blame and the group names, for messages only).
TEST(SeccompPrograms, TheKeyChangesWithEverythingTheFilterIsMadeOf) {
  const SeccompPlan plan = plan_of("empty", "", true).seccomp;
  const std::string key = seccomp_plan_key(plan);
  EXPECT_EQ(seccomp_plan_key(plan), key);
  ASSERT_FALSE(plan.syscalls.empty());
  std::vector<std::function<void(SeccompPlan&)>> edits = {
      [](SeccompPlan& p) { p.enabled = !p.enabled; },
      [](SeccompPlan& p) { p.allow_list = !p.allow_list; },
      [](SeccompPlan& p) { p.action = SeccompAction::kKill; },
      [](SeccompPlan& p) { p.native_only = !p.native_only; },
      [](SeccompPlan& p) { p.syscalls.pop_back(); },
      [](SeccompPlan& p) { p.syscalls.back() += "x"; },
      // One name split in two must not read as the same bytes.
      [](SeccompPlan& p) {
        p.syscalls[0] += p.syscalls[1];
        p.syscalls.erase(p.syscalls.begin() + 1);
      },
      [](SeccompPlan& p) { p.error = EIO; },
      [](SeccompPlan& p) { p.errors[p.syscalls[0]] = EACCES; },
      [](SeccompPlan& p) { p.address_families = std::vector<int>{}; },
      [](SeccompPlan& p) { p.address_families = std::vector<int>{AF_UNIX}; },
      [](SeccompPlan& p) { p.write_execute = WriteExecute::kSeccomp; },
      [](SeccompPlan& p) { p.namespaces_allowed ^= CLONE_NEWNET; },
      [](SeccompPlan& p) { p.restrict_suid_sgid = !p.restrict_suid_sgid; },
      [](SeccompPlan& p) { p.lock_personality = !p.lock_personality; },
      [](SeccompPlan& p) { p.execution_domain = ADDR_NO_RANDOMIZE; },
      [](SeccompPlan& p) { p.restrict_realtime = !p.restrict_realtime; },
      [](SeccompPlan& p) {
        p.terminal_reach = p.terminal_reach.empty() ? "jharden holds a terminal" : "";
      },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    SeccompPlan edited = plan;
    edits[i](edited);
    EXPECT_NE(seccomp_plan_key(edited), key) << "edit " << i;
  }
  SeccompPlan messages = plan;
  messages.groups.push_back("@other");
  messages.new_session = !messages.new_session;
  messages.deny_blame.clear();
  messages.deny_entries.clear();
  messages.action_blame.value = "other";
  EXPECT_EQ(seccomp_plan_key(messages), key);
}

// Attack on the table: whatever drop-in a shipped policy gets (pid = yes, an allow-list, kill
// or log, per-call errnos, other families, native_only = no, the personality and realtime
// rules), with or without PR_SET_MDWE, the start path loads exactly what libseccomp compiles
// for that plan now: a key that matched with a differing filter would show here.
TEST(SeccompPrograms, EveryDropInLoadsWhatLibseccompCompilesNow) {
  const std::vector<std::pair<std::string, std::string>> policies = policy_texts();
  const char* drop_ins[] = {
      "",
      "[namespaces]\npid = yes\n",
      "[seccomp]\naction = kill\n",
      "[seccomp]\naction = log\n",
      "[seccomp]\nerrno = EIO\n",
      "[seccomp]\ndeny = sethostname:EACCES\n",
      "[seccomp]\nallow = @system-service\n",
      "[seccomp]\naddress_families = AF_UNIX\n",
      "[seccomp]\nnative_only = no\n",
      "[seccomp]\nlock_personality = no\nrestrict_realtime = no\n",
      "[seccomp]\nmemory_deny_write_execute = no\n",
  };
  for (const auto& [file, text] : policies) {
    for (const char* drop_in : drop_ins) {
      for (bool mdwe : {true, false}) {
        Diagnostics diag;
        std::vector<std::pair<std::string, std::string>> files = {{file, text}};
        if (*drop_in) files.emplace_back(file + ".d/50-x.conf", drop_in);
        Policy policy = parse_policy_files(files, false, diag);
        PlanContext context;
        context.mdwe = mdwe;
        Plan plan = build_plan(policy, Identity{}, {}, context, diag);
        if (!diag.ok()) continue;  // a drop-in this policy refuses (an allow-list with deny)
        SeccompFilter start = build_seccomp_filter(plan.seccomp);
        SeccompFilter now = compile_seccomp_filter(plan.seccomp);
        ASSERT_EQ(static_cast<bool>(start), static_cast<bool>(now)) << file << " + " << drop_in;
        if (!now) continue;
        EXPECT_TRUE(same_program(table_form(now), table_form(start)))
            << file << " + " << drop_in << (mdwe ? " (PR_SET_MDWE)" : "");
      }
    }
  }
}

// The direct load of a table's program gives SPEC_ALLOW and nothing else: a description that
// libseccomp would load with another flag (TSYNC, LOG, a listener for NOTIFY) or with
// PR_SET_NO_NEW_PRIVS never takes a program, whatever the table holds.
TEST(SeccompPrograms, OnlyDescriptionsLoadedWithSpecAllowAloneTakeAProgram) {
  std::optional<FilterSpec> spec = seccomp_filter_spec(plan_of("empty", "", true).seccomp);
  ASSERT_TRUE(spec);
  EXPECT_TRUE(loads_with_spec_allow_only(*spec));
  std::vector<std::function<void(FilterSpec&)>> edits = {
      [](FilterSpec& s) {
        s.attributes.push_back({SCMP_FLTATR_CTL_TSYNC, 1});
      },
      [](FilterSpec& s) {
        s.attributes.push_back({SCMP_FLTATR_CTL_LOG, 1});
      },
      [](FilterSpec& s) { s.attributes[0].second = 1; },  // CTL_NNP
      [](FilterSpec& s) { s.attributes[1].second = 0; },  // CTL_SSB
      [](FilterSpec& s) { s.attributes.erase(s.attributes.begin() + 1); },
      [](FilterSpec& s) { s.default_action = SCMP_ACT_NOTIFY; },
      [](FilterSpec& s) { s.parts[0].rules[0].action = SCMP_ACT_NOTIFY; },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    FilterSpec edited = *spec;
    edits[i](edited);
    EXPECT_FALSE(loads_with_spec_allow_only(edited)) << "edit " << i;
  }
  Diagnostics diag;
  for (const auto& s : shipped_seccomp_specs(shipped_files(), diag))
    EXPECT_TRUE(loads_with_spec_allow_only(s.spec)) << s.source;
}

// Restores the execution domain (personality(2)) when a test has set another.
class SavedPersonality {
 public:
  SavedPersonality() : saved_(static_cast<unsigned>(personality(0xffffffff))) {}
  ~SavedPersonality() { personality(saved_); }
  unsigned saved() const { return saved_; }

 private:
  unsigned saved_;
};

// lock_personality (a default) allows personality(2) only for the execution domain jharden
// runs with: a start under another one (setarch -R, a unit's Personality=, a debugger's
// ADDR_NO_RANDOMIZE) must load a filter that keeps the daemon to that one, what libseccomp
// compiles for its plan now, not the table's program compiled under the build's domain (which
// would let the daemon switch to the build's domain and refuse its own).
TEST(SeccompPrograms, AnotherPersonalityLoadsWhatLibseccompCompilesNow) {
  if (seccomp_api_get() < 4) GTEST_SKIP() << "libseccomp cannot set the SSB attribute here";
  SavedPersonality restore;
  for (const auto& [file, text] : policy_texts()) {
    for (unsigned domain : {restore.saved() | ADDR_NO_RANDOMIZE,
                            restore.saved() | static_cast<unsigned>(READ_IMPLIES_EXEC)}) {
      ASSERT_NE(personality(domain), -1);
      ASSERT_EQ(static_cast<unsigned>(personality(0xffffffff)), domain);
      // As a start plans, but with the policy's paths taken as written.
      PlanContext context = plan_context_from_environment();
      context.look_up = nullptr;
      Diagnostics diag;
      Policy policy = parse_policy_files({{file, text}}, false, diag);
      const SeccompPlan plan = build_plan(policy, Identity{}, {}, context, diag).seccomp;
      ASSERT_TRUE(diag.ok()) << file;
      std::optional<FilterSpec> spec = seccomp_filter_spec(plan);
      std::vector<sock_filter> start = export_seccomp_bpf(build_seccomp_filter(plan));
      std::vector<sock_filter> now = table_form(compile_seccomp_filter(plan));
      personality(restore.saved());
      if (!plan.lock_personality || plan.refuses("personality")) continue;
      ASSERT_TRUE(spec) << file;
      // The description keeps the daemon to its own domain...
      std::vector<uint64_t> allowed;
      for (const auto& r : spec->parts.at(0).rules)
        if (r.name == "personality" && r.action == SCMP_ACT_ALLOW && r.conditions.size() == 1)
          allowed.push_back(r.conditions[0].datum_a);
      EXPECT_EQ(allowed, std::vector<uint64_t>{domain}) << file;
      // ...and the start loads what libseccomp compiles for it.
      EXPECT_TRUE(same_program(now, start))
          << file << " under personality 0x" << std::hex << domain
          << ": the start loaded the table's program, which allows personality(0x" << std::hex
          << restore.saved() << ") and refuses personality(0x" << domain << ")";
    }
  }
}

// Whether libseccomp is given the same calls for both descriptions (the rules' names aside:
// messages only).
bool same_spec(const FilterSpec& a, const FilterSpec& b) {
  auto same_rule = [](const FilterSpec::Rule& x, const FilterSpec::Rule& y) {
    return x.action == y.action && x.nr == y.nr &&
           std::equal(x.conditions.begin(), x.conditions.end(), y.conditions.begin(),
                      y.conditions.end(), [](const scmp_arg_cmp& c, const scmp_arg_cmp& d) {
                        return c.arg == d.arg && c.op == d.op && c.datum_a == d.datum_a &&
                               c.datum_b == d.datum_b;
                      });
  };
  auto same_part = [&](const FilterSpec::Part& x, const FilterSpec::Part& y) {
    return x.arch_add == y.arch_add && x.arch_remove == y.arch_remove &&
           std::equal(x.rules.begin(), x.rules.end(), y.rules.begin(), y.rules.end(), same_rule);
  };
  return a.default_action == b.default_action && a.attributes == b.attributes &&
         std::equal(a.parts.begin(), a.parts.end(), b.parts.begin(), b.parts.end(), same_part);
}

// Attack on the plan key, wider than the drop-ins above and cheap enough to be: every shipped
// policy and the defaults, with drop-ins that a user may write (each alone), on every kernel
// the table is made for (PR_SET_MDWE or not, a terminal within reach or not, Landlock's
// device ioctls or not). Two plans with one key must have one description (what libseccomp
// is given), and a plan that finds a program of the table must find what libseccomp compiles
// for it now; a start with --complain never takes one.
TEST(SeccompPrograms, EqualPlanKeysMeanEqualDescriptions) {
  const char* drop_ins[] = {
      "",
      "[service]\nnew_session = no\n",
      "[service]\nnew_session = yes\n",
      "[filesystem]\nlandlock = no\n",
      "[filesystem]\nlandlock = yes\n",
      "[filesystem]\nprivate_dev = no\n",
      "[filesystem]\nread_only = /dev/tty\n",
      "[filesystem]\nbind = /dev/ttyS0:/dev/ttyS0\n",
      "[namespaces]\npid = yes\n",
      "[namespaces]\nallow_create =\n",
      "[namespaces]\nallow_create = all\n",
      "[namespaces]\nallow_create = user\n",
      "[namespaces]\nallow_create = net ipc\n",
      "[namespaces]\nallow_create = ipc net\n",
      "[seccomp]\nrestrict_suid_sgid = no\n",
      "[seccomp]\nlock_personality = no\n",
      "[seccomp]\nlock_personality = yes\n",
      "[seccomp]\nrestrict_realtime = no\n",
      "[seccomp]\nmemory_deny_write_execute = no\n",
      "[seccomp]\nmemory_deny_write_execute = yes\n",
      "[seccomp]\nnative_only = no\n",
      "[seccomp]\nnative_only = yes\n",
      "[seccomp]\naction = kill\n",
      "[seccomp]\naction = log\n",
      "[seccomp]\naction = errno\n",
      "[seccomp]\naction = log\nerrno = EIO\n",
      "[seccomp]\nerrno = EIO\n",
      "[seccomp]\nerrno = EPERM\n",
      "[seccomp]\nerrno = 1\n",
      "[seccomp]\ndeny =\n",
      "[seccomp]\ndeny = personality\n",
      "[seccomp]\ndeny = personality:EPERM\n",
      "[seccomp]\ndeny = personality:EIO\n",
      "[seccomp]\ndeny = !personality\n",
      "[seccomp]\ndeny = flock\n",
      "[seccomp]\ndeny = flock:EACCES\n",
      "[seccomp]\ndeny = @mount:EACCES\n",
      "[seccomp]\ndeny = sched_setattr sched_setscheduler\n",
      "[seccomp]\ndeny = io_uring_setup\n",
      "[seccomp]\nallow = @system-service\n",
      "[seccomp]\nallow = @system-service\ndeny = flock:EIO\n",
      "[seccomp]\naddress_families = none\n",
      "[seccomp]\naddress_families = AF_UNIX\n",
      "[seccomp]\naddress_families = AF_INET6 AF_UNIX AF_INET\n",
      "[seccomp]\naddress_families = AF_UNIX AF_INET AF_INET6 AF_NETLINK\n",
      "[seccomp]\naddress_families = !AF_PACKET\n",
      "[seccomp]\naddress_families = AF_UNIX\nrestrict_suid_sgid = no\n",
      "[seccomp]\nrestrict_suid_sgid = no\nlock_personality = no\nrestrict_realtime = no\n"
      "[namespaces]\nallow_create = all\n",
  };
  std::map<std::string, std::pair<FilterSpec, std::string>> by_key;
  std::set<std::string> compared;
  size_t plans = 0;
  for (const auto& [file, text] : policy_texts()) {
    for (const char* drop_in : drop_ins) {
      Diagnostics diag;
      std::vector<std::pair<std::string, std::string>> files = {{file, text}};
      if (*drop_in) files.emplace_back(file + ".d/50-x.conf", drop_in);
      Policy policy = parse_policy_files(files, false, diag);
      if (!diag.ok()) continue;
      for (int kernel = 0; kernel < 8; ++kernel) {
        PlanContext context;
        context.mdwe = kernel & 1;
        context.terminal = kernel & 2;
        context.landlock_abi = kernel & 4 ? kLandlockDeviceIoctlAbi : 0;
        Plan plan = build_plan(policy, Identity{}, {}, context, diag);
        if (!diag.ok()) break;  // a drop-in this policy refuses (an allow-list with deny)
        ++plans;
        const std::string what =
            file + " + " + drop_in + " (kernel " + std::to_string(kernel) + ")";
        std::optional<FilterSpec> spec = seccomp_filter_spec(plan.seccomp);
        if (!spec) {
          EXPECT_FALSE(build_seccomp_filter(plan.seccomp)) << what;
          continue;
        }
        const std::string key = seccomp_plan_key(plan.seccomp);
        auto [it, first] = by_key.try_emplace(key, *spec, what);
        EXPECT_TRUE(first || same_spec(it->second.first, *spec))
            << what << " has the key of " << it->second.second << ", not its description";
        if (!find_prebuilt_seccomp_program(key) || !compared.insert(key).second) continue;
        EXPECT_TRUE(loads_with_spec_allow_only(*spec)) << what;
        SeccompFilter start = build_seccomp_filter(plan.seccomp);
        EXPECT_TRUE(from_table(start)) << what;
        EXPECT_TRUE(
            same_program(table_form(SeccompFilter(compile_seccomp_spec(*spec))), start.program()))
            << what;
      }
    }
  }
  EXPECT_GT(plans, 2000u);
  EXPECT_GE(compared.size(), prebuilt_seccomp_programs().size() / 2);
  // --complain, on every shipped policy and kernel: never a program of the table.
  for (const auto& [file, text] : policy_texts()) {
    for (bool watch : {true, false}) {
      ComplainFilter cf;
      cf.watch_paths = watch;
      SeccompFilter f = build_seccomp_filter(plan_of(file, text, watch).seccomp, &cf);
      ASSERT_TRUE(f) << file;
      EXPECT_NE(f.get(), nullptr) << file;
      EXPECT_TRUE(f.program().empty()) << file;
    }
  }
}

}  // namespace
}  // namespace jharden
