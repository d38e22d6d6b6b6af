// The member lists are systemd v252's syscall_filter_sets (src/shared/seccomp-util.c), so that a
// group here allows or denies what the same SystemCallFilter= group does there. Names that exist
// only on other architectures (the *32 and *_time64 calls) stay in, as in systemd: one table
// serves every architecture and the filter builder skips what it cannot resolve. For the same
// reason the s390-only calls are listed unconditionally, where v252 lists them only when built
// for s390.
#include "seccomp_groups.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string_view>
#include <vector>

namespace jharden {
namespace {

// arch_prctl is here because ld.so calls it before main() runs, getrlimit so that every
// process can query its stack size.
constexpr std::string_view kDefault[] = {
    "arch_prctl",
    "brk",
    "cacheflush",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "execve",
    "exit",
    "exit_group",
    "futex",
    "futex_time64",
    "get_robust_list",
    "get_thread_area",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "getsid",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "membarrier",
    "mmap",
    "mmap2",
    "mprotect",
    "munmap",
    "nanosleep",
    "pause",
    "prlimit64",
    "restart_syscall",
    "riscv_flush_icache",
    "rseq",
    "rt_sigreturn",
    "sched_getaffinity",
    "sched_yield",
    "set_robust_list",
    "set_thread_area",
    "set_tid_address",
    "set_tls",
    "sigreturn",
    "time",
    "ugetrlimit",
};

constexpr std::string_view kAio[] = {
    "io_cancel", "io_destroy", "io_getevents",   "io_pgetevents",     "io_pgetevents_time64",
    "io_setup",  "io_submit",  "io_uring_enter", "io_uring_register", "io_uring_setup",
};

constexpr std::string_view kBasicIo[] = {
    "_llseek", "close",    "close_range", "dup",      "dup2", "dup3",  "lseek", "pread64", "preadv",
    "preadv2", "pwrite64", "pwritev",     "pwritev2", "read", "readv", "write", "writev",
};

constexpr std::string_view kChown[] = {
    "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32",
};

constexpr std::string_view kClock[] = {
    "adjtimex",      "clock_adjtime",   "clock_adjtime64",
    "clock_settime", "clock_settime64", "settimeofday",
};

constexpr std::string_view kCpuEmulation[] = {
    "modify_ldt", "subpage_prot", "switch_endian", "vm86", "vm86old",
};

constexpr std::string_view kDebug[] = {
    "lookup_dcookie", "perf_event_open",    "pidfd_getfd",          "ptrace",
    "rtas",           "s390_runtime_instr", "sys_debug_setcontext",
};

constexpr std::string_view kFileSystem[] = {
    "access",       "chdir",         "chmod",
    "close",        "creat",         "faccessat",
    "faccessat2",   "fallocate",     "fchdir",
    "fchmod",       "fchmodat",      "fcntl",
    "fcntl64",      "fgetxattr",     "flistxattr",
    "fremovexattr", "fsetxattr",     "fstat",
    "fstat64",      "fstatat64",     "fstatfs",
    "fstatfs64",    "ftruncate",     "ftruncate64",
    "futimesat",    "getcwd",        "getdents",
    "getdents64",   "getxattr",      "inotify_add_watch",
    "inotify_init", "inotify_init1", "inotify_rm_watch",
    "lgetxattr",    "link",          "linkat",
    "listxattr",    "llistxattr",    "lremovexattr",
    "lsetxattr",    "lstat",         "lstat64",
    "mkdir",        "mkdirat",       "mknod",
    "mknodat",      "newfstatat",    "oldfstat",
    "oldlstat",     "oldstat",       "open",
    "openat",       "openat2",       "readlink",
    "readlinkat",   "removexattr",   "rename",
    "renameat",     "renameat2",     "rmdir",
    "setxattr",     "stat",          "stat64",
    "statfs",       "statfs64",      "statx",
    "symlink",      "symlinkat",     "truncate",
    "truncate64",   "unlink",        "unlinkat",
    "utime",        "utimensat",     "utimensat_time64",
    "utimes",
};

constexpr std::string_view kIoEvent[] = {
    "_newselect",      "epoll_create", "epoll_create1", "epoll_ctl",      "epoll_ctl_old",
    "epoll_pwait",     "epoll_pwait2", "epoll_wait",    "epoll_wait_old", "eventfd",
    "eventfd2",        "poll",         "ppoll",         "ppoll_time64",   "pselect6",
    "pselect6_time64", "select",
};

constexpr std::string_view kIpc[] = {
    "ipc",
    "memfd_create",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "pipe",
    "pipe2",
    "process_madvise",
    "process_vm_readv",
    "process_vm_writev",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
};

constexpr std::string_view kKeyring[] = {
    "add_key",
    "keyctl",
    "request_key",
};

constexpr std::string_view kMemlock[] = {
    "mlock", "mlock2", "mlockall", "munlock", "munlockall",
};

constexpr std::string_view kModule[] = {
    "delete_module",
    "finit_module",
    "init_module",
};

constexpr std::string_view kMount[] = {
    "chroot",        "fsconfig",   "fsmount",   "fsopen",     "fspick", "mount",
    "mount_setattr", "move_mount", "open_tree", "pivot_root", "umount", "umount2",
};

constexpr std::string_view kNetworkIo[] = {
    "accept",     "accept4", "bind",       "connect",    "getpeername", "getsockname",
    "getsockopt", "listen",  "recv",       "recvfrom",   "recvmmsg",    "recvmmsg_time64",
    "recvmsg",    "send",    "sendmmsg",   "sendmsg",    "sendto",      "setsockopt",
    "shutdown",   "socket",  "socketcall", "socketpair",
};

constexpr std::string_view kObsolete[] = {
    "_sysctl",
    "afs_syscall",
    "bdflush",
    "break",
    "create_module",
    "ftime",
    "get_kernel_syms",
    "getpmsg",
    "gtty",
    "idle",
    "lock",
    "mpx",
    "prof",
    "profil",
    "putpmsg",
    "query_module",
    "security",
    "sgetmask",
    "ssetmask",
    "stime",
    "stty",
    "sysfs",
    "tuxcall",
    "ulimit",
    "uselib",
    "ustat",
    "vserver",
};

constexpr std::string_view kPkey[] = {
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
};

// Lists the uid-changing calls one by one instead of @setuid because setgid() and friends need
// no privilege.
constexpr std::string_view kPrivileged[] = {
    "@chown",     "@clock",        "@module",       "@raw-io",    "@reboot",
    "@swap",      "_sysctl",       "acct",          "bpf",        "capset",
    "chroot",     "fanotify_init", "fanotify_mark", "nfsservctl", "open_by_handle_at",
    "pivot_root", "quotactl",      "setdomainname", "setfsuid",   "setfsuid32",
    "setgroups",  "setgroups32",   "sethostname",   "setresuid",  "setresuid32",
    "setreuid",   "setreuid32",    "setuid",        "setuid32",   "vhangup",
};

// capget is here because it can query any process, not just the caller; swapcontext because
// some architectures (32-bit powerpc) switch userspace contexts with it.
constexpr std::string_view kProcess[] = {
    "capget",
    "clone",
    "clone3",
    "execveat",
    "fork",
    "getrusage",
    "kill",
    "pidfd_open",
    "pidfd_send_signal",
    "prctl",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "setns",
    "swapcontext",
    "tgkill",
    "times",
    "tkill",
    "unshare",
    "vfork",
    "wait4",
    "waitid",
    "waitpid",
};

constexpr std::string_view kRawIo[] = {
    "ioperm",
    "iopl",
    "pciconfig_iobase",
    "pciconfig_read",
    "pciconfig_write",
    "s390_pci_mmio_read",
    "s390_pci_mmio_write",
};

constexpr std::string_view kReboot[] = {
    "kexec_file_load",
    "kexec_load",
    "reboot",
};

constexpr std::string_view kResources[] = {
    "ioprio_set",        "mbind",         "migrate_pages",  "move_pages",         "nice",
    "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "set_mempolicy",
    "setpriority",       "setrlimit",
};

constexpr std::string_view kSandbox[] = {
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "seccomp",
};

constexpr std::string_view kSetuid[] = {
    "setgid",     "setgid32",   "setgroups",   "setgroups32", "setregid",
    "setregid32", "setresgid",  "setresgid32", "setresuid",   "setresuid32",
    "setreuid",   "setreuid32", "setuid",      "setuid32",
};

constexpr std::string_view kSignal[] = {
    "rt_sigaction",  "rt_sigpending",   "rt_sigprocmask",
    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
    "sigaction",     "sigaltstack",     "signal",
    "signalfd",      "signalfd4",       "sigpending",
    "sigprocmask",   "sigsuspend",
};

constexpr std::string_view kSwap[] = {
    "swapoff",
    "swapon",
};

constexpr std::string_view kSync[] = {
    "fdatasync", "fsync", "msync", "sync", "sync_file_range", "sync_file_range2", "syncfs",
};

constexpr std::string_view kSystemService[] = {
    "@aio",
    "@basic-io",
    "@chown",
    "@default",
    "@file-system",
    "@io-event",
    "@ipc",
    "@keyring",
    "@memlock",
    "@network-io",
    "@process",
    "@resources",
    "@setuid",
    "@signal",
    "@sync",
    "@timer",
    "capget",
    "capset",
    "copy_file_range",
    "fadvise64",
    "fadvise64_64",
    "flock",
    "get_mempolicy",
    "getcpu",
    "getpriority",
    "ioctl",
    "ioprio_get",
    "kcmp",
    "madvise",
    "mremap",
    "name_to_handle_at",
    "oldolduname",
    "olduname",
    "personality",
    "readahead",
    "readdir",
    "remap_file_pages",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getattr",
    "sched_getparam",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_yield",
    "sendfile",
    "sendfile64",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setpgid",
    "setsid",
    "splice",
    "sysinfo",
    "tee",
    "umask",
    "uname",
    "userfaultfd",
    "vmsplice",
};

constexpr std::string_view kTimer[] = {
    "alarm",
    "getitimer",
    "setitimer",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
};

// systemd's order: @default first, the rest alphabetical. systemd's @known (every syscall of the
// kernel it was built against) is left out: it is a generated list, not a policy choice.
constexpr SyscallGroup kGroups[] = {
    {"@default", "System calls that are always permitted", kDefault},
    {"@aio", "Asynchronous IO", kAio},
    {"@basic-io", "Basic IO", kBasicIo},
    {"@chown", "Change ownership of files and directories", kChown},
    {"@clock", "Change the system time", kClock},
    {"@cpu-emulation", "System calls for CPU emulation functionality", kCpuEmulation},
    {"@debug", "Debugging, performance monitoring and tracing functionality", kDebug},
    {"@file-system", "File system operations", kFileSystem},
    {"@io-event", "Event loop system calls", kIoEvent},
    {"@ipc", "SysV IPC, POSIX Message Queues or other IPC", kIpc},
    {"@keyring", "Kernel keyring access", kKeyring},
    {"@memlock", "Memory locking control", kMemlock},
    {"@module", "Loading and unloading of kernel modules", kModule},
    {"@mount", "Mounting and unmounting of file systems", kMount},
    {"@network-io", "Network or Unix socket IO, should not be needed if not network facing",
     kNetworkIo},
    {"@obsolete", "Unusual, obsolete or unimplemented system calls", kObsolete},
    {"@pkey", "System calls used for memory protection keys", kPkey},
    {"@privileged", "All system calls which need super-user capabilities", kPrivileged},
    {"@process", "Process control, execution, namespacing operations", kProcess},
    {"@raw-io", "Raw I/O port access", kRawIo},
    {"@reboot", "Reboot and reboot preparation/kexec", kReboot},
    {"@resources", "Alter resource settings", kResources},
    // Not in v252: systemd added it in v254. Kept so that policies written for current systemd
    // load; nothing in v252's groups refers to it.
    {"@sandbox", "Sandbox functionality", kSandbox},
    {"@setuid", "Operations for changing user/group credentials", kSetuid},
    {"@signal", "Process signal handling", kSignal},
    {"@swap", "Enable/disable swap devices", kSwap},
    {"@sync", "Synchronize files and memory to storage", kSync},
    {"@system-service", "General system service operations", kSystemService},
    {"@timer", "Schedule operations by time", kTimer},
};

constexpr const SyscallGroup* find_group(std::string_view name) {
  for (const SyscallGroup& group : kGroups) {
    if (group.name == name) return &group;
  }
  return nullptr;
}

constexpr bool is_group_reference(std::string_view member) { return member.starts_with('@'); }

// True when every group `group` refers to exists and no chain of references is longer than the
// table, which rules out cycles. Checked at compile time, so expanding a table group always
// terminates and never drops a reference.
constexpr bool references_resolve(const SyscallGroup& group, std::size_t depth) {
  if (depth > std::size(kGroups)) return false;
  for (std::string_view member : group.members) {
    if (!is_group_reference(member)) continue;
    const SyscallGroup* nested = find_group(member);
    if (nested == nullptr || !references_resolve(*nested, depth + 1)) return false;
  }
  return true;
}

constexpr bool all_references_resolve() {
  for (const SyscallGroup& group : kGroups) {
    if (!references_resolve(group, 0)) return false;
  }
  return true;
}

static_assert(all_references_resolve(), "a nested @group is missing or part of a cycle");

void expand_into(const SyscallGroup& group, std::vector<std::string_view>& names) {
  for (std::string_view member : group.members) {
    if (!is_group_reference(member)) {
      names.push_back(member);
      continue;
    }
    // Only a caller-built group can name a group that is not in the table; such a reference
    // contributes nothing rather than being passed on as if it were a syscall name.
    if (const SyscallGroup* nested = find_group(member)) expand_into(*nested, names);
  }
}

}  // namespace

std::span<const SyscallGroup> syscall_groups() { return kGroups; }

const SyscallGroup* find_syscall_group(std::string_view name) { return find_group(name); }

std::vector<std::string> expand_syscall_group(const SyscallGroup& group) {
  // Sorted and unique, as a set would give them, without a node for each name.
  std::vector<std::string_view> names;
  expand_into(group, names);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return {names.begin(), names.end()};
}

}  // namespace jharden
