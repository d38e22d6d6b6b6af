// The kernel calls of the set-up that change the process or the mount table, behind one table
// of function pointers. The real table hands each call straight to libc (one indirect call, no
// other work); the unit tier installs a recording fake that pins the order of the set-up
// without root (tests/unit/setup_order_test.cc): propagation before the first mount,
// read-only after every establish, no_new_privs before seccomp, nothing after a failure.
// Reads (stat, cap_get_proc, /proc) stay direct calls: they change nothing.
#pragma once

#include <seccomp.h>
#include <sys/capability.h>
#include <sys/types.h>

struct mount_attr;
struct sock_fprog;
struct statfs;

namespace jharden {

struct SysOps {
  // Namespaces.
  int (*unshare)(int flags);
  int (*sethostname)(const char* name, size_t len);
  // Mounts.
  int (*mount)(const char* source, const char* target, const char* type, unsigned long flags,
               const void* data);
  int (*umount2)(const char* target, int flags);
  int (*fsopen)(const char* type, unsigned int flags);
  int (*fsconfig)(int fd, unsigned int cmd, const char* key, const void* value, int aux);
  int (*fsmount)(int fd, unsigned int flags, unsigned int attrs);
  int (*move_mount)(int from_fd, const char* from, int to_fd, const char* to, unsigned int flags);
  int (*open_tree)(int fd, const char* path, unsigned int flags);
  int (*mount_setattr)(int fd, const char* path, unsigned int flags, struct mount_attr* attr,
                       size_t size);
  // The private /dev's device nodes (the fake refuses it to take the fallback to binds).
  int (*mknodat)(int dir_fd, const char* name, mode_t mode, dev_t dev);
  // openat2 with RESOLVE_IN_ROOT: every path of the sandbox is resolved through it.
  int (*open_beneath)(int root_fd, const char* path, int flags);
  // What the verify round reads back: the fake answers from the mounts it recorded.
  int (*fstatfs)(int fd, struct statfs* out);
  int (*pivot_root)(const char* new_root, const char* put_old);
  // Privileges.
  int (*cap_drop_bound)(cap_value_t cap);
  int (*cap_set_proc)(cap_t caps);
  int (*cap_set_ambient)(cap_value_t cap, cap_flag_value_t value);
  int (*setgroups)(size_t n, const gid_t* groups);
  int (*setresgid)(gid_t r, gid_t e, gid_t s);
  int (*setresuid)(uid_t r, uid_t e, uid_t s);
  int (*prctl)(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
  int (*seccomp_load)(scmp_filter_ctx filter);
  // seccomp(SECCOMP_SET_MODE_FILTER) of a program compiled at build time: 0, or -errno.
  int (*seccomp_set_filter)(unsigned int flags, const struct sock_fprog* program);
  // The hand-over to the daemon.
  pid_t (*setsid)();
  int (*close_range)(unsigned int first, unsigned int last, int flags);
  int (*execve)(const char* path, char* const argv[], char* const envp[]);
};

// The table in use: the real one unless a test installed another.
extern const SysOps* g_sys_ops;
inline const SysOps& sys() { return *g_sys_ops; }

// The pass-through table.
const SysOps& real_sys_ops();

// Tests: installs `ops` (nullptr: the real table again).
void set_sys_ops(const SysOps* ops);

}  // namespace jharden
