#include "sys_ops.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace jharden {
namespace {

int real_open_beneath(int root_fd, const char* path, int flags) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  std::string rel = std::string(path) == "/" ? "." : std::string(path + 1);
  return static_cast<int>(syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how));
}

constexpr SysOps kReal = {
    .unshare = ::unshare,
    .sethostname = ::sethostname,
    .mount = ::mount,
    .umount2 = ::umount2,
    .fsopen = ::fsopen,
    .fsconfig = ::fsconfig,
    .fsmount = ::fsmount,
    .move_mount = ::move_mount,
    .open_tree = ::open_tree,
    .mount_setattr = ::mount_setattr,
    .mknodat = ::mknodat,
    .open_beneath = real_open_beneath,
    .fstatfs = ::fstatfs,
    .pivot_root =
        [](const char* new_root, const char* put_old) {
          return static_cast<int>(syscall(SYS_pivot_root, new_root, put_old));
        },
    .cap_drop_bound = ::cap_drop_bound,
    .cap_set_proc = ::cap_set_proc,
    .cap_set_ambient = ::cap_set_ambient,
    .setgroups = ::setgroups,
    .setresgid = ::setresgid,
    .setresuid = ::setresuid,
    // prctl(2) is variadic in glibc: a function pointer needs its five arguments spelled out.
    .prctl = [](int option, unsigned long a2, unsigned long a3, unsigned long a4,
                unsigned long a5) { return ::prctl(option, a2, a3, a4, a5); },
    .seccomp_load = ::seccomp_load,
    .seccomp_set_filter =
        [](unsigned int flags, const struct sock_fprog* program) {
          return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, program) == 0 ? 0 : -errno;
        },
    .setsid = ::setsid,
    .close_range = ::close_range,
    .execve = ::execve,
};

}  // namespace

const SysOps* g_sys_ops = &kReal;

const SysOps& real_sys_ops() { return kReal; }

void set_sys_ops(const SysOps* ops) { g_sys_ops = ops ? ops : &kReal; }

}  // namespace jharden
