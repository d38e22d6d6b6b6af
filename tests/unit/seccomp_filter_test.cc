// The seccomp filter as libseccomp exports it, without loading it: which syscalls get a rule,
// which fall to the default action (ENOSYS), and that every policy fits the kernel's limit.
#include "seccomp_filter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "test_support.h"

namespace jharden {
namespace {

SeccompPlan seccomp_plan_of(const std::string& text) {
  Policy policy = default_policy();
  Diagnostics diag;
  parse_policy_text("p.conf", "[service]\nexec = /bin/true\n" + text, policy, diag);
  EXPECT_TRUE(diag.ok()) << text;
  PlanContext context;
  // No terminal within the daemon's reach unless the policy says so.
  context.landlock_abi = kLandlockDeviceIoctlAbi;
  return build_plan(policy, Identity{}, {}, context, diag).seccomp;
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
  SeccompFilter f = compile_seccomp_filter(seccomp_plan_of(""));
  ASSERT_TRUE(f);
  EXPECT_LT(instructions(f), kKernelLimit);
}

TEST(SeccompFilter, AllowListAndAllAbisFitTheKernelLimit) {
  for (const char* text : {"[seccomp]\nallow = @system-service\n", "[seccomp]\nnative_only = no\n",
                           "[seccomp]\nallow = @system-service\nnative_only = no\n"}) {
    SeccompFilter f = compile_seccomp_filter(seccomp_plan_of(text));
    ASSERT_TRUE(f) << text;
    EXPECT_LT(instructions(f), kKernelLimit) << text;
  }
}

TEST(SeccompFilter, DefaultActionIsEnosysForWhatLibseccompCannotName) {
  std::string pfc = exported(compile_seccomp_filter(seccomp_plan_of("")), false);
  EXPECT_NE(pfc.find("# default action\n  action ERRNO(38);"), std::string::npos) << pfc;
  // Names it knows all get a verdict of their own.
  for (const char* name : {"read", "write", "execve", "mount", "keyctl", "open_by_handle_at"})
    EXPECT_TRUE(has_rule(pfc, name)) << name;
}

// The names come from libseccomp's header (a hash lookup each) instead of its table searched
// for every number: the same calls, on one ABI and on all three.
TEST(SeccompFilter, HeaderNamesAreTheCallsOfTheTable) {
  for (bool native_only : {true, false}) {
    std::set<std::string> fast = known_syscall_names(native_only);
    EXPECT_EQ(fast, known_syscall_names(native_only, /*exhaustive=*/true)) << native_only;
    EXPECT_GT(fast.size(), 300u) << native_only;
    EXPECT_TRUE(fast.contains("read") && fast.contains("open_tree")) << native_only;
  }
}

TEST(SeccompFilter, CallsWithArgumentsInMemoryFallToEnosys) {
  std::string pfc = exported(compile_seccomp_filter(seccomp_plan_of("")), false);
  EXPECT_FALSE(has_rule(pfc, "clone3"));
  EXPECT_FALSE(has_rule(pfc, "openat2"));
  for (const char* name : {"clone", "unshare", "setns", "chmod", "fchmodat", "openat",
                           "personality", "sched_setscheduler", "sched_setattr"})
    EXPECT_TRUE(has_rule(pfc, name)) << name;
}

TEST(SeccompFilter, LiftedRestrictionsGiveThoseCallsBack) {
  std::string pfc =
      exported(compile_seccomp_filter(seccomp_plan_of(
                   "[seccomp]\nrestrict_suid_sgid = no\n[namespaces]\nallow_create = all\n")),
               false);
  EXPECT_TRUE(has_rule(pfc, "clone3"));
  EXPECT_TRUE(has_rule(pfc, "openat2"));
}

TEST(SeccompFilter, NothingToFilterBuildsNoFilter) {
  EXPECT_FALSE(compile_seccomp_filter(seccomp_plan_of(
      "[service]\nnew_session = no\n"
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
      compile_seccomp_filter(seccomp_plan_of("[seccomp]\nerrno = EIO\ndeny = flock:EACCES\n")),
      false);
  EXPECT_NE(rules_of(pfc, "flock").find("ERRNO(13)"), std::string::npos) << pfc;
  EXPECT_NE(rules_of(pfc, "mount").find("ERRNO(5)"), std::string::npos);
  // The argument rules answer EPERM, as systemd's do.
  EXPECT_NE(rules_of(pfc, "personality").find("ERRNO(1)"), std::string::npos);
}

TEST(SeccompFilter, AddressFamiliesAnswerEafnosupport) {
  std::string pfc = exported(
      compile_seccomp_filter(seccomp_plan_of("[seccomp]\naddress_families = AF_UNIX AF_INET6\n")),
      false);
  for (const char* call : {"socket", "socketpair"}) {
    std::string r = rules_of(pfc, call);
    EXPECT_NE(r.find("ERRNO(97)"), std::string::npos) << call << pfc;
    EXPECT_NE(r.find("ALLOW"), std::string::npos) << call;
  }
  // none: no socket at all.
  pfc = exported(compile_seccomp_filter(seccomp_plan_of("[seccomp]\naddress_families = none\n")),
                 false);
  EXPECT_EQ(rules_of(pfc, "socket").find("ALLOW"), std::string::npos) << pfc;
  EXPECT_NE(rules_of(pfc, "socket").find("ERRNO(97)"), std::string::npos);
}

TEST(SeccompFilter, WriteExecuteRulesOnlyWithoutTheKernelsOwn) {
  const std::string text = "[seccomp]\nmemory_deny_write_execute = yes\n";
  std::string pfc = exported(compile_seccomp_filter(seccomp_plan_of(text)), false);
  for (const char* call : {"mmap", "mprotect", "pkey_mprotect", "shmat"})
    EXPECT_NE(rules_of(pfc, call).find("ERRNO(1)"), std::string::npos) << call << pfc;
  SeccompPlan prctl = seccomp_plan_of(text);
  prctl.write_execute = WriteExecute::kPrctl;
  pfc = exported(compile_seccomp_filter(prctl), false);
  EXPECT_EQ(rules_of(pfc, "mprotect").find("ERRNO"), std::string::npos) << pfc;
}

TEST(SeccompFilter, ActionLogLogsWhatItWouldRefuse) {
  SeccompFilter f = compile_seccomp_filter(seccomp_plan_of("[seccomp]\naction = log\n"));
  ASSERT_TRUE(f);
  std::string pfc = exported(f, false);
  EXPECT_NE(pfc.find("# default action\n  action LOG;"), std::string::npos) << pfc;
  EXPECT_EQ(pfc.find("ERRNO"), std::string::npos);
  EXPECT_EQ(pfc.find("KILL"), std::string::npos);
}

// Loads the filter of `text` in a child (no_new_privs, no privilege needed) and runs `probe`
// there; returns what the probe returned, -1 when the child could not get that far.
template <typename F>
int under_filter(const std::string& text, F probe) {
  SeccompPlan plan = seccomp_plan_of(text);
  SeccompFilter f = compile_seccomp_filter(plan);
  if (!f) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || seccomp_load(f.get()) != 0) _exit(255);
    _exit(probe());
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

// new_session: exactly TIOCSCTTY, TIOCSTI and TIOCLINUX are refused, whatever the upper 32
// bits of the request (the kernel ignores them); every other request of the 0x54xx range and
// of the wider neighbourhood reaches the kernel (ENOTTY on /dev/null, or EFAULT).
TEST(SeccompFilter, TerminalRequestsAreRefusedAndNoOther) {
  auto probe = [] {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 2;
    const std::set<unsigned long> refused = {TIOCSCTTY, TIOCSTI, TIOCLINUX};
    std::vector<unsigned long> requests;
    for (unsigned long r = 0x5300; r < 0x5600; ++r) requests.push_back(r);
    for (unsigned long r : {0x0UL, 0xffffffffUL, 0x8000540eUL, 0x1540eUL, 0x80045412UL})
      requests.push_back(r);
    for (unsigned long low : requests) {
      if (low == FIOCLEX || low == FIONCLEX) continue;  // they would succeed: not the question
      for (unsigned long high : {0x0UL, 0xffffffff00000000UL, 0x100000000UL}) {
        errno = 0;
        long rc = syscall(SYS_ioctl, fd, high | low, 0L);
        const bool eperm = rc == -1 && errno == EPERM;
        if (eperm != refused.contains(low)) return 1;
      }
    }
    return 0;
  };
  // The host's /dev: a terminal is within reach.
  const std::string host_dev = "[filesystem]\nprivate_dev = no\n";
  EXPECT_EQ(under_filter(host_dev, probe), 0);
  // Without new_session, or with no terminal within reach, the requests reach the kernel.
  const auto reaches_kernel = [] {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return syscall(SYS_ioctl, fd, TIOCSTI, 0L) == -1 && errno == ENOTTY ? 0 : 1;
  };
  EXPECT_EQ(under_filter(host_dev + "[service]\nnew_session = no\n", reaches_kernel), 0);
  EXPECT_EQ(under_filter("", reaches_kernel), 0);
}

// io_uring's requests carry their mode past every argument rule: refused with
// restrict_suid_sgid, given back without it.
TEST(SeccompFilter, IoUringIsRefusedWhileRestrictSuidSgidHolds) {
  auto setup = [] {
    unsigned char params[120] = {};  // struct io_uring_params
    long fd = syscall(SYS_io_uring_setup, 1, params);
    if (fd >= 0) return 0;
    return errno == EPERM ? 1 : 2;
  };
  EXPECT_EQ(under_filter("", setup), 1);
  for (const char* name : {"io_uring_setup", "io_uring_enter", "io_uring_register"})
    EXPECT_TRUE(has_rule(exported(compile_seccomp_filter(seccomp_plan_of("")), false), name));
  // Lifted, the kernel answers (unless the machine has io_uring switched off).
  int disabled = 0;
  std::ifstream("/proc/sys/kernel/io_uring_disabled") >> disabled;
  if (disabled == 0) {
    EXPECT_EQ(under_filter("[seccomp]\nrestrict_suid_sgid = no\n", setup), 0);
  }
}

}  // namespace
}  // namespace jharden
