// The compiled seccomp filter, run without the kernel: the classic BPF program libseccomp
// exports (export_seccomp_bpf) goes through a small interpreter here, on made-up calls
// (seccomp_data), so that what the filter answers for deny, allow, errno, native_only and the
// namespace rules is checked as an ordinary user, argument by argument, for any architecture
// the filter names.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bpf_machine.h"
#include "seccomp_filter.h"
#include "test_support.h"

namespace jharden {
namespace {

// A verdict as the tests write it: "ALLOW", "ERRNO(EPERM)", "KILL_PROCESS", "LOG", ...
std::string verdict(uint32_t ret) {
  switch (ret & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_ALLOW:
      return "ALLOW";
    case SECCOMP_RET_LOG:
      return "LOG";
    case SECCOMP_RET_KILL_PROCESS:
      return "KILL_PROCESS";
    case SECCOMP_RET_KILL_THREAD:
      return "KILL_THREAD";
    case SECCOMP_RET_TRAP:
      return "TRAP";
    case SECCOMP_RET_ERRNO: {
      const int err = static_cast<int>(ret & SECCOMP_RET_DATA);
      const char* name = strerrorname_np(err);
      return std::string("ERRNO(") + (name ? name : std::to_string(err)) + ")";
    }
  }
  return "OTHER(" + std::to_string(ret) + ")";
}

// The filter of a policy's [seccomp] (and other) text, as the kernel would get it.
class Filter {
 public:
  explicit Filter(const std::string& text) {
    Policy policy = default_policy();
    Diagnostics diag;
    parse_policy_text("p.conf", "[service]\nexec = /bin/true\n" + text, policy, diag);
    EXPECT_TRUE(diag.ok()) << text;
    SeccompPlan plan = build_plan(policy, Identity{}, {}, PlanContext{}, diag).seccomp;
    program_ = export_seccomp_bpf(build_seccomp_filter(plan));
  }
  bool empty() const { return program_.empty(); }
  // The verdict on a call of `arch` numbered `nr`, with arguments `args`.
  std::string on(uint32_t arch, int nr, std::vector<uint64_t> args = {}) const {
    seccomp_data d{};
    d.nr = nr;
    d.arch = arch;
    for (size_t i = 0; i < args.size() && i < 6; ++i) d.args[i] = args[i];
    return verdict(run_filter(program_, d));
  }
  // The same for a call of the native architecture, by name.
  std::string call(const char* name, std::vector<uint64_t> args = {}) const {
    int nr = seccomp_syscall_resolve_name(name);
    EXPECT_NE(nr, __NR_SCMP_ERROR) << name;
    return on(native(), nr, std::move(args));
  }
  static uint32_t native() { return seccomp_arch_native(); }

 private:
  std::vector<sock_filter> program_;
};

bool on_x86_64() { return seccomp_arch_native() == SCMP_ARCH_X86_64; }

TEST(SeccompBpf, ExportIsAProgramTheKernelWouldTake) {
  Filter f("");
  ASSERT_FALSE(f.empty());
  // Without a filter, nothing to export.
  EXPECT_TRUE(export_seccomp_bpf(SeccompFilter{}).empty());
}

TEST(SeccompBpf, BaselineDeniesItsListAndAllowsTheRest) {
  Filter f("");
  for (const char* name : {"mount", "umount2", "init_module", "reboot", "swapon", "ioperm",
                           "settimeofday", "ptrace", "keyctl", "open_by_handle_at"})
    EXPECT_EQ(f.call(name), "ERRNO(EPERM)") << name;
  for (const char* name : {"read", "write", "execve", "getpid", "exit_group", "socket", "clone"})
    EXPECT_EQ(f.call(name), "ALLOW") << name;
}

TEST(SeccompBpf, SyscallsLibseccompCannotNameGetEnosys) {
  Filter f("");
  // Numbers no table has (yet): the default action, whatever lies behind them in the kernel.
  for (int nr : {1000, 1023, 4095}) EXPECT_EQ(f.on(Filter::native(), nr), "ERRNO(ENOSYS)") << nr;
}

TEST(SeccompBpf, ErrnoAndActionFollowThePolicy) {
  Filter f("[seccomp]\nerrno = EIO\ndeny = flock:EACCES\n");
  EXPECT_EQ(f.call("mount"), "ERRNO(EIO)");
  EXPECT_EQ(f.call("flock"), "ERRNO(EACCES)");
  EXPECT_EQ(f.call("read"), "ALLOW");
  EXPECT_EQ(Filter("[seccomp]\naction = kill\n").call("mount"), "KILL_PROCESS");
  EXPECT_EQ(Filter("[seccomp]\naction = log\n").call("mount"), "LOG");
  // An unknown call: ENOSYS with action errno, but killed or logged like the rest otherwise.
  EXPECT_EQ(Filter("[seccomp]\naction = kill\n").on(Filter::native(), 1000), "KILL_PROCESS");
}

TEST(SeccompBpf, AllowListRefusesEverythingElse) {
  Filter f("[seccomp]\nallow = read write exit_group @signal\ndeny = kill\n");
  EXPECT_EQ(f.call("read"), "ALLOW");
  EXPECT_EQ(f.call("rt_sigaction"), "ALLOW");
  // What any program needs to start (@default) is always in, as in systemd.
  EXPECT_EQ(f.call("execve"), "ALLOW");
  EXPECT_EQ(f.call("socket", {AF_UNIX}), "ERRNO(EPERM)");
  EXPECT_EQ(f.call("getcwd"), "ERRNO(EPERM)");
  EXPECT_EQ(f.call("chmod"), "ERRNO(EPERM)");
  // deny is subtracted from allow.
  EXPECT_EQ(f.call("kill"), "ERRNO(EPERM)");
  EXPECT_EQ(f.on(Filter::native(), 1000), "ERRNO(ENOSYS)");
}

TEST(SeccompBpf, NativeOnlyRefusesOtherAbis) {
  if (!on_x86_64()) GTEST_SKIP() << "the other ABIs tested are x86_64's (i386, x32)";
  constexpr int kI386Getpid = 20, kI386Mount = 21, kX32Getpid = 0x40000000 | 39;
  Filter native("");
  EXPECT_EQ(native.on(AUDIT_ARCH_I386, kI386Getpid), "ERRNO(EPERM)");
  EXPECT_EQ(native.on(AUDIT_ARCH_X86_64, kX32Getpid), "ERRNO(EPERM)");
  // The bad-architecture action is the policy's refusal too.
  EXPECT_EQ(Filter("[seccomp]\naction = kill\n").on(AUDIT_ARCH_I386, kI386Getpid), "KILL_PROCESS");
  Filter all("[seccomp]\nnative_only = no\n");
  EXPECT_EQ(all.on(AUDIT_ARCH_I386, kI386Getpid), "ALLOW");
  EXPECT_EQ(all.on(AUDIT_ARCH_X86_64, kX32Getpid), "ALLOW");
  // The deny list holds on every ABI, with its own numbers.
  EXPECT_EQ(all.on(AUDIT_ARCH_I386, kI386Mount), "ERRNO(EPERM)");
  EXPECT_EQ(all.on(AUDIT_ARCH_X86_64, 0x40000000 | 165 /* mount */), "ERRNO(EPERM)");
  // Any other architecture is refused whatever native_only says.
  EXPECT_EQ(all.on(AUDIT_ARCH_AARCH64, 172), "ERRNO(EPERM)");
}

TEST(SeccompBpf, NamespaceCreationIsRefusedUnlessAllowed) {
  Filter f("");
  EXPECT_EQ(f.call("unshare", {CLONE_NEWUSER}), "ERRNO(EPERM)");
  EXPECT_EQ(f.call("unshare", {CLONE_NEWNS}), "ERRNO(EPERM)");
  EXPECT_EQ(f.call("unshare", {CLONE_FILES | CLONE_FS}), "ALLOW");
  // The upper half of the register cannot hide a flag: the comparison takes all 64 bits.
  EXPECT_EQ(f.call("unshare", {0xffffffff00000000ULL | CLONE_NEWNET}), "ERRNO(EPERM)");
  const uint64_t thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
  EXPECT_EQ(f.call("clone", {thread}), "ALLOW");
  EXPECT_EQ(f.call("clone", {thread | CLONE_NEWPID}), "ERRNO(EPERM)");
  // clone3 keeps its flags in memory: ENOSYS, so that the C library falls back to clone.
  EXPECT_EQ(f.call("clone3"), "ERRNO(ENOSYS)");
  // setns: joining any namespace is refused, nstype 0 ("any type") included.
  EXPECT_EQ(f.call("setns", {3, 0}), "ERRNO(EPERM)");
  EXPECT_EQ(f.call("setns", {3, CLONE_NEWNS}), "ERRNO(EPERM)");
  EXPECT_EQ(f.call("setns", {3, CLONE_NEWUSER}), "ERRNO(EPERM)");
}

TEST(SeccompBpf, AllowedNamespaceTypesGoThroughAndNoOther) {
  Filter f("[namespaces]\nallow_create = net\n");
  EXPECT_EQ(f.call("unshare", {CLONE_NEWNET}), "ALLOW");
  EXPECT_EQ(f.call("unshare", {CLONE_NEWNET | CLONE_NEWUSER}), "ERRNO(EPERM)");
  EXPECT_EQ(f.call("setns", {3, CLONE_NEWNET}), "ALLOW");
  EXPECT_EQ(f.call("setns", {3, CLONE_NEWUSER}), "ERRNO(EPERM)");
  // nstype 0 would let the descriptor choose the type: refused while any type is not allowed.
  EXPECT_EQ(f.call("setns", {3, 0}), "ERRNO(EPERM)");
  Filter all("[namespaces]\nallow_create = all\n");
  EXPECT_EQ(all.call("unshare", {CLONE_NEWUSER | CLONE_NEWNS}), "ALLOW");
  EXPECT_EQ(all.call("setns", {3, 0}), "ALLOW");
  EXPECT_EQ(all.call("clone3"), "ALLOW");
}

TEST(SeccompBpf, SetUserIdModesAreRefused) {
  Filter f("");
  EXPECT_EQ(f.call("fchmod", {3, 04755}), "ERRNO(EPERM)");
  EXPECT_EQ(f.call("fchmod", {3, 02755}), "ERRNO(EPERM)");
  EXPECT_EQ(f.call("fchmod", {3, 0755}), "ALLOW");
  EXPECT_EQ(f.call("openat", {3, 0, O_CREAT | O_WRONLY, 04755}), "ERRNO(EPERM)");
  // Without O_CREAT (or O_TMPFILE) the mode argument means nothing.
  EXPECT_EQ(f.call("openat", {3, 0, O_RDONLY, 04755}), "ALLOW");
  EXPECT_EQ(Filter("[seccomp]\nrestrict_suid_sgid = no\n").call("fchmod", {3, 04755}), "ALLOW");
}

}  // namespace
}  // namespace jharden
