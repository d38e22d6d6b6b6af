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

// The rules of one syscall in libseccomp's pfc output.
std::string rules_of(const std::string& pfc, const std::string& name) {
  size_t start = pfc.find("filter for syscall \"" + name + "\"");
  if (start == std::string::npos) return "";
  size_t end = pfc.find("filter for syscall", start + 1);
  return pfc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(SeccompFilter, EachRefusedCallGetsItsErrno) {
  std::string pfc = exported(
      build_seccomp_filter(seccomp_plan_of("[seccomp]\nerrno = EIO\ndeny = flock:EACCES\n")),
      false);
  EXPECT_NE(rules_of(pfc, "flock").find("ERRNO(13)"), std::string::npos) << pfc;
  EXPECT_NE(rules_of(pfc, "mount").find("ERRNO(5)"), std::string::npos);
  // The argument rules answer EPERM, as systemd's do.
  EXPECT_NE(rules_of(pfc, "personality").find("ERRNO(1)"), std::string::npos);
}

TEST(SeccompFilter, AddressFamiliesAnswerEafnosupport) {
  std::string pfc = exported(
      build_seccomp_filter(seccomp_plan_of("[seccomp]\naddress_families = AF_UNIX AF_INET6\n")),
      false);
  for (const char* call : {"socket", "socketpair"}) {
    std::string r = rules_of(pfc, call);
    EXPECT_NE(r.find("ERRNO(97)"), std::string::npos) << call << pfc;
    EXPECT_NE(r.find("ALLOW"), std::string::npos) << call;
  }
  // none: no socket at all.
  pfc = exported(build_seccomp_filter(seccomp_plan_of("[seccomp]\naddress_families = none\n")),
                 false);
  EXPECT_EQ(rules_of(pfc, "socket").find("ALLOW"), std::string::npos) << pfc;
  EXPECT_NE(rules_of(pfc, "socket").find("ERRNO(97)"), std::string::npos);
}

TEST(SeccompFilter, WriteExecuteRulesOnlyWithoutTheKernelsOwn) {
  const std::string text = "[seccomp]\nmemory_deny_write_execute = yes\n";
  std::string pfc = exported(build_seccomp_filter(seccomp_plan_of(text)), false);
  for (const char* call : {"mmap", "mprotect", "pkey_mprotect", "shmat"})
    EXPECT_NE(rules_of(pfc, call).find("ERRNO(1)"), std::string::npos) << call << pfc;
  SeccompPlan prctl = seccomp_plan_of(text);
  prctl.write_execute = WriteExecute::kPrctl;
  pfc = exported(build_seccomp_filter(prctl), false);
  EXPECT_EQ(rules_of(pfc, "mprotect").find("ERRNO"), std::string::npos) << pfc;
}

TEST(SeccompFilter, ActionLogLogsWhatItWouldRefuse) {
  SeccompFilter f = build_seccomp_filter(seccomp_plan_of("[seccomp]\naction = log\n"));
  ASSERT_TRUE(f);
  std::string pfc = exported(f, false);
  EXPECT_NE(pfc.find("# default action\n  action LOG;"), std::string::npos) << pfc;
  EXPECT_EQ(pfc.find("ERRNO"), std::string::npos);
  EXPECT_EQ(pfc.find("KILL"), std::string::npos);
}

}  // namespace
}  // namespace jharden
