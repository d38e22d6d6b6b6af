// The seccomp filter as libseccomp exports it, without loading it: which syscalls get a rule,
// which fall to the default action (ENOSYS), and that every policy fits the kernel's limit.
#include "seccomp_filter.h"

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "test_support.h"

namespace jharden {
namespace {

SeccompPlan seccomp_plan_of(const std::string& text) {
  Policy policy = default_policy();
  Diagnostics diag;
  parse_policy_text("p.conf", "[service]\nexec = /bin/true\n" + text, policy, diag);
  EXPECT_TRUE(diag.ok()) << text;
  return build_plan(policy, Identity{}, {}, PlanContext{}, diag).seccomp;
}

std::string exported(const SeccompFilter& f, bool bpf) {
  int fd = memfd_create("filter", MFD_CLOEXEC);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(bpf ? seccomp_export_bpf(f.get(), fd) : seccomp_export_pfc(f.get(), fd), 0);
  std::string out(static_cast<size_t>(lseek(fd, 0, SEEK_END)), '\0');
  EXPECT_EQ(pread(fd, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  close(fd);
  return out;
}

size_t instructions(const SeccompFilter& f) { return exported(f, true).size() / 8; }

bool has_rule(const std::string& pfc, const std::string& name) {
  return pfc.find("filter for syscall \"" + name + "\"") != std::string::npos;
}

// BPF_MAXINSNS: the kernel refuses a longer classic BPF program.
constexpr size_t kKernelLimit = 4096;

TEST(SeccompFilter, BaselineFitsTheKernelLimit) {
  SeccompFilter f = build_seccomp_filter(seccomp_plan_of(""));
  ASSERT_TRUE(f);
  EXPECT_LT(instructions(f), kKernelLimit);
}

TEST(SeccompFilter, AllowListAndAllAbisFitTheKernelLimit) {
  for (const char* text : {"[seccomp]\nallow = @system-service\n", "[seccomp]\nnative_only = no\n",
                           "[seccomp]\nallow = @system-service\nnative_only = no\n"}) {
    SeccompFilter f = build_seccomp_filter(seccomp_plan_of(text));
    ASSERT_TRUE(f) << text;
    EXPECT_LT(instructions(f), kKernelLimit) << text;
  }
}

TEST(SeccompFilter, DefaultActionIsEnosysForWhatLibseccompCannotName) {
  std::string pfc = exported(build_seccomp_filter(seccomp_plan_of("")), false);
  EXPECT_NE(pfc.find("# default action\n  action ERRNO(38);"), std::string::npos) << pfc;
  // Names it knows all get a verdict of their own.
  for (const char* name : {"read", "write", "execve", "mount", "keyctl", "open_by_handle_at"})
    EXPECT_TRUE(has_rule(pfc, name)) << name;
}

TEST(SeccompFilter, CallsWithArgumentsInMemoryFallToEnosys) {
  std::string pfc = exported(build_seccomp_filter(seccomp_plan_of("")), false);
  EXPECT_FALSE(has_rule(pfc, "clone3"));
  EXPECT_FALSE(has_rule(pfc, "openat2"));
  for (const char* name : {"clone", "unshare", "setns", "chmod", "fchmodat", "openat",
                           "personality", "sched_setscheduler", "sched_setattr"})
    EXPECT_TRUE(has_rule(pfc, name)) << name;
}

TEST(SeccompFilter, LiftedRestrictionsGiveThoseCallsBack) {
  std::string pfc =
      exported(build_seccomp_filter(seccomp_plan_of(
                   "[seccomp]\nrestrict_suid_sgid = no\n[namespaces]\nallow_create = all\n")),
               false);
  EXPECT_TRUE(has_rule(pfc, "clone3"));
  EXPECT_TRUE(has_rule(pfc, "openat2"));
}

TEST(SeccompFilter, NothingToFilterBuildsNoFilter) {
  EXPECT_FALSE(build_seccomp_filter(seccomp_plan_of(
      "[seccomp]\ndeny =\nnative_only = no\nrestrict_suid_sgid = no\nlock_personality = no\n"
      "restrict_realtime = no\n[namespaces]\nallow_create = all\n")));
}

}  // namespace
}  // namespace jharden
