// fault_shim.c: a test-only LD_PRELOAD library that takes one protection away from jharden,
// so that the tests can see the --verify row of that protection fail. It sits in front of
// libseccomp, libcap and libc (jharden makes the Landlock calls through libc's syscall()) and
// knows nothing of jharden. jharden has libseccomp and libcap linked in, where LD_PRELOAD cannot
// reach them: the faults of those two need jharden-shared-libs, the same program with both as
// shared libraries, built with the tests (escapes.sh, build_fault_shim).
//
// JH_FAULT holds the faults, separated by spaces:
//   no-load          seccomp_load(), and seccomp(SECCOMP_SET_MODE_FILTER) of a program, return
//                    0 without loading the filter
//   allow:NAME       every rule for syscall NAME becomes one unconditional allow
//   drop:NAME        no rule for syscall NAME is added (the filter's default action answers)
//   default-allow    the filter's default action (for calls without a rule) is allow
//   badarch-allow    calls of another architecture (x32, i386) are allowed
//                    (These four change what libseccomp is given. A program compiled when
//                    jharden was built would bypass them, so with any of them the shim
//                    reports another libseccomp version, which no such program was made for:
//                    jharden then builds its filter through libseccomp, and through the shim.)
//   other-libseccomp seccomp_version() reports another version, with nothing else changed:
//                    every filter is compiled by libseccomp at start
//   no-init          seccomp_init() returns NULL, as when libseccomp cannot make a filter: a
//                    start that compiles its filter fails
//   no-landlock      landlock_restrict_self() returns 0 without restricting the process
//   landlock-grant-root  the ruleset gets one more rule: every handled right beneath /, so
//                    the domain holds (ptrace scoping) but refuses no write
//   landlock-abi-4   the kernel's Landlock ABI reads 4 (Linux 6.7), which has no device ioctl
//                    right; the ruleset is then made for that ABI
//   no-ioctl-dev     the ruleset handles no device ioctls (LANDLOCK_ACCESS_FS_IOCTL_DEV), as on
//                    a kernel before ABI 5, and rules granting them grant nothing else
//   dev-tty-ioctl    the ruleset gets one more rule: device ioctls beneath /dev, /dev/tty
//                    included, where the ruleset handles them
//   no-chown         fchown() succeeds without changing the owner (secrets stay root's)
//   unshare-drop:cgroup  jharden's unshare() makes no cgroup namespace (CLONE_NEWCGROUP is
//                    left out of the call that makes the mount namespace)
//   userns-identity  the uid_map and gid_map written for a user namespace map every id to
//                    itself ("0 0 4294967295"), instead of root and the service's ids only
//   sysfs-host-net   a sysfs is created in the host's network namespace (the one jharden
//                    started in), so it lists the host's interfaces
//   no-mdwe          prctl(PR_GET_MDWE) fails with EINVAL, as on a kernel without it, so that
//                    jharden takes the seccomp rules for memory_deny_write_execute
//   mdwe-skip        prctl(PR_SET_MDWE) returns 0 without setting anything
//   keep-bound:NAME  cap_drop_bound() of capability NAME (libcap's name, cap_setfcap) returns
//                    0 without dropping it
//   skip-mount:PATH  move_mount() onto the directory or file PATH (as the caller names it
//                    in /proc/self/fd, or its directory's path there and the name in it)
//                    returns 0 without attaching anything: what was there stays (the host's
//                    /run, /proc)
//   proc-drop:KEY    fsconfig() of the procfs option KEY (hidepid, subset) returns 0 without
//                    setting it
//   bind-from:SRC=DST  open_tree() cloning SRC clones DST instead: a bind shows another tree
//   no-bpf           bpf(2) through syscall() fails with EPERM, as where BPF is not allowed
//   attr-drop-nosuid fsmount() and mount_setattr() leave MOUNT_ATTR_NOSUID out of the
//                    attributes they set
//   attr-drop-nodev  the same with MOUNT_ATTR_NODEV
//   tty-unseen       while the process is under no seccomp filter, isatty() answers 0 and
//                    open("/dev/tty") fails with ENXIO (not with O_PATH, with which a private
//                    /dev opens the host's node to bind it): jharden, at its start, sees no
//                    terminal within reach; the --verify probe, under the filter, sees the one
//                    it has
//   mknod-refused    mknodat() of a character device fails with EPERM, as without CAP_MKNOD:
//                    the private /dev binds the host's nodes instead
//   mknod-full       mknodat() makes every character device 1:7 (/dev/full): the private
//                    /dev's nodes are not the devices their names say
//
// Built by the end-to-end scripts (lib/common.bash, build_fault_shim_library):
//   gcc -shared -fPIC -o fault_shim.so fault_shim.c -ldl -lseccomp -lcap
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

static void* next(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (!f) {
    fprintf(stderr, "fault_shim: no %s\n", name);
    abort();
  }
  return f;
}

// Whether JH_FAULT holds the word `fault` exactly.
static bool has_fault(const char* fault) {
  const char* all = getenv("JH_FAULT");
  size_t n = strlen(fault);
  for (const char* p = all; p && *p;) {
    while (*p == ' ') ++p;
    size_t len = strcspn(p, " ");
    if (len == n && strncmp(p, fault, n) == 0) return true;
    p += len;
  }
  return false;
}

// Whether JH_FAULT holds "KIND:NAME" for the syscall numbered `nr`.
static bool syscall_fault(const char* kind, int nr) {
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
  if (!name) return false;
  char word[128];
  snprintf(word, sizeof word, "%s:%s", kind, name);
  free(name);
  return has_fault(word);
}

// Whether JH_FAULT holds a fault that changes what libseccomp is given.
static bool filter_fault(void) {
  const char* all = getenv("JH_FAULT");
  return has_fault("default-allow") || has_fault("badarch-allow") ||
         has_fault("other-libseccomp") || (all && (strstr(all, "allow:") || strstr(all, "drop:")));
}

const struct scmp_version* seccomp_version(void) {
  const struct scmp_version* (*real)(void) =
      (const struct scmp_version* (*)(void))next("seccomp_version");
  static struct scmp_version other;
  const struct scmp_version* v = real();
  if (!filter_fault() || !v) return v;
  other = *v;
  other.micro += 1000;
  return &other;
}

scmp_filter_ctx seccomp_init(uint32_t def_action) {
  scmp_filter_ctx (*real)(uint32_t) = (scmp_filter_ctx(*)(uint32_t))next("seccomp_init");
  if (has_fault("no-init")) return NULL;
  return real(has_fault("default-allow") ? SCMP_ACT_ALLOW : def_action);
}

int seccomp_load(const scmp_filter_ctx ctx) {
  int (*real)(const scmp_filter_ctx) = (int (*)(const scmp_filter_ctx))next("seccomp_load");
  return has_fault("no-load") ? 0 : real(ctx);
}

int seccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value) {
  int (*real)(scmp_filter_ctx, enum scmp_filter_attr, uint32_t) =
      (int (*)(scmp_filter_ctx, enum scmp_filter_attr, uint32_t))next("seccomp_attr_set");
  if (attr == SCMP_FLTATR_ACT_BADARCH && has_fault("badarch-allow")) value = SCMP_ACT_ALLOW;
  return real(ctx, attr, value);
}

int seccomp_rule_add_array(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned int arg_cnt,
                           const struct scmp_arg_cmp* arg_array) {
  int (*real)(scmp_filter_ctx, uint32_t, int, unsigned int, const struct scmp_arg_cmp*) =
      (int (*)(scmp_filter_ctx, uint32_t, int, unsigned int, const struct scmp_arg_cmp*))next(
          "seccomp_rule_add_array");
  static bool allowed[4096];
  if (syscall_fault("drop", nr)) return 0;
  // libseccomp refuses a rule whose action is the default one; leaving the allow rules out
  // changes nothing else, since the deny rules beside them stay.
  if (action == SCMP_ACT_ALLOW && has_fault("default-allow")) return 0;
  if (syscall_fault("allow", nr)) {
    if (nr < 0 || nr >= 4096 || allowed[nr]) return 0;
    allowed[nr] = true;
    return real(ctx, SCMP_ACT_ALLOW, nr, 0, NULL);
  }
  return real(ctx, action, nr, arg_cnt, arg_array);
}

// Landlock has no library on Debian 12: jharden calls syscall() with the raw numbers.
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

// One more rule for the ruleset `fd`, as a fault adds it: `access` beneath `path`.
static void add_rule_beneath(long fd, const char* path, uint64_t access, const char* fault) {
  long (*real)(long, ...) = (long (*)(long, ...))next("syscall");
  struct landlock_path_beneath_attr pb = {.allowed_access = access};
  pb.parent_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (pb.parent_fd < 0 ||
      real(__NR_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0) {
    fprintf(stderr, "fault_shim: %s: ", fault);
    perror(path);
    abort();
  }
  close(pb.parent_fd);
}

long syscall(long nr, ...) {
  long (*real)(long, ...) = (long (*)(long, ...))next("syscall");
  va_list ap;
  va_start(ap, nr);
  long a[6];
  for (int i = 0; i < 6; ++i) a[i] = va_arg(ap, long);
  va_end(ap);
  static uint64_t handled;                // of the last ruleset created with attributes
  const uint64_t ioctl_dev = 1ULL << 15;  // LANDLOCK_ACCESS_FS_IOCTL_DEV (ABI 5)
  if (nr == __NR_landlock_create_ruleset && a[0] == 0 && (a[2] & LANDLOCK_CREATE_RULESET_VERSION) &&
      has_fault("landlock-abi-4"))
    return 4;
  if (nr == __NR_landlock_create_ruleset && a[0] != 0 && a[1] >= (long)sizeof(uint64_t)) {
    memcpy(&handled, (const void*)a[0], sizeof handled);
    if (has_fault("no-ioctl-dev")) {
      uint64_t attr[3] = {0};  // handled_access_fs, handled_access_net, scoped
      memcpy(attr, (const void*)a[0], a[1] < (long)sizeof attr ? (size_t)a[1] : sizeof attr);
      handled = attr[0] &= ~ioctl_dev;
      return real(nr, attr, a[1], a[2]);
    }
  }
  if (nr == __NR_landlock_add_rule && a[1] == LANDLOCK_RULE_PATH_BENEATH &&
      has_fault("no-ioctl-dev")) {
    struct landlock_path_beneath_attr pb;
    memcpy(&pb, (const void*)a[2], sizeof pb);
    pb.allowed_access &= ~ioctl_dev;
    return pb.allowed_access == 0 ? 0 : real(nr, a[0], a[1], &pb, a[3]);
  }
  // A program of its own (the probes of libseccomp pass none).
  if (nr == __NR_seccomp && a[0] == SECCOMP_SET_MODE_FILTER && a[2] != 0 && has_fault("no-load"))
    return 0;
  if (nr == __NR_bpf && has_fault("no-bpf")) {
    errno = EPERM;
    return -1;
  }
  if (nr == __NR_landlock_restrict_self) {
    if (has_fault("no-landlock")) return 0;
    if (has_fault("landlock-grant-root"))
      add_rule_beneath(a[0], "/", handled, "landlock-grant-root");
    if (has_fault("dev-tty-ioctl") && (handled & ioctl_dev))
      add_rule_beneath(a[0], "/dev", ioctl_dev, "dev-tty-ioctl");
  }
  return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int fchown(int fd, uid_t uid, gid_t gid) {
  int (*real)(int, uid_t, gid_t) = (int (*)(int, uid_t, gid_t))next("fchown");
  return has_fault("no-chown") ? 0 : real(fd, uid, gid);
}

int mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) {
  int (*real)(int, const char*, mode_t, dev_t) =
      (int (*)(int, const char*, mode_t, dev_t))next("mknodat");
  if (S_ISCHR(mode) && has_fault("mknod-refused")) {
    errno = EPERM;
    return -1;
  }
  if (S_ISCHR(mode) && has_fault("mknod-full")) dev = makedev(1, 7);
  return real(dirfd, path, mode, dev);
}

int unshare(int flags) {
  int (*real)(int) = (int (*)(int))next("unshare");
  // Only jharden's own set-up, which always makes a mount namespace; not the probe's calls.
  if (has_fault("unshare-drop:cgroup") && (flags & CLONE_NEWNS)) flags &= ~CLONE_NEWCGROUP;
  return real(flags);
}

// The mode argument of open() and openat(), there only when the flags create a file.
static mode_t open_mode(int flags, va_list* ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(*ap, mode_t) : 0;
}

// tty-unseen: whether the terminal is hidden now (the process is not under a filter yet).
static bool tty_hidden(void) {
  int (*real_prctl)(int, ...) = (int (*)(int, ...))next("prctl");
  return has_fault("tty-unseen") && real_prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0;
}

int isatty(int fd) {
  int (*real)(int) = (int (*)(int))next("isatty");
  if (!tty_hidden()) return real(fd);
  errno = ENOTTY;
  return 0;
}

int open(const char* path, int flags, ...) {
  int (*real)(const char*, int, ...) = (int (*)(const char*, int, ...))next("open");
  va_list ap;
  va_start(ap, flags);
  mode_t mode = open_mode(flags, &ap);
  va_end(ap);
  if (strcmp(path, "/dev/tty") == 0 && !(flags & O_PATH) && tty_hidden()) {
    errno = ENXIO;
    return -1;
  }
  return real(path, flags, mode);
}

// userns-identity: the descriptors opened on uid_map and gid_map, whose writes are replaced.
static int map_fds[2] = {-1, -1};

int openat(int dirfd, const char* path, int flags, ...) {
  int (*real)(int, const char*, int, ...) = (int (*)(int, const char*, int, ...))next("openat");
  va_list ap;
  va_start(ap, flags);
  mode_t mode = open_mode(flags, &ap);
  va_end(ap);
  int fd = real(dirfd, path, flags, mode);
  if (fd >= 0 && has_fault("userns-identity")) {
    if (strcmp(path, "uid_map") == 0) map_fds[0] = fd;
    if (strcmp(path, "gid_map") == 0) map_fds[1] = fd;
  }
  return fd;
}

ssize_t write(int fd, const void* buf, size_t count) {
  ssize_t (*real)(int, const void*, size_t) = (ssize_t(*)(int, const void*, size_t))next("write");
  if (fd >= 0 && (fd == map_fds[0] || fd == map_fds[1])) {
    static const char kAll[] = "0 0 4294967295\n";
    map_fds[fd == map_fds[0] ? 0 : 1] = -1;
    return real(fd, kAll, sizeof kAll - 1) < 0 ? -1 : (ssize_t)count;
  }
  return real(fd, buf, count);
}

// sysfs-host-net: the network namespace jharden started in, opened before it made any.
static int host_net = -1;

__attribute__((constructor)) static void open_host_net(void) {
  if (has_fault("sysfs-host-net")) host_net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

int fsopen(const char* fs_name, unsigned int flags) {
  int (*real)(const char*, unsigned int) = (int (*)(const char*, unsigned int))next("fsopen");
  if (host_net < 0 || strcmp(fs_name, "sysfs") != 0) return real(fs_name, flags);
  int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0 || setns(host_net, CLONE_NEWNET) != 0) abort();
  int fd = real(fs_name, flags);
  if (setns(own, CLONE_NEWNET) != 0) abort();
  close(own);
  return fd;
}

// PR_SET_MDWE (65) and PR_GET_MDWE (66), Linux 6.3.
int fsmount(int fs_fd, unsigned int flags, unsigned int attr_flags) {
  int (*real)(int, unsigned int, unsigned int) =
      (int (*)(int, unsigned int, unsigned int))next("fsmount");
  if (has_fault("attr-drop-nosuid")) attr_flags &= ~(unsigned int)MOUNT_ATTR_NOSUID;
  if (has_fault("attr-drop-nodev")) attr_flags &= ~(unsigned int)MOUNT_ATTR_NODEV;
  return real(fs_fd, flags, attr_flags);
}

int mount_setattr(int dirfd, const char* path, unsigned int flags, struct mount_attr* attr,
                  size_t size) {
  int (*real)(int, const char*, unsigned int, struct mount_attr*, size_t) =
      (int (*)(int, const char*, unsigned int, struct mount_attr*, size_t))next("mount_setattr");
  if (has_fault("attr-drop-nosuid") && attr) attr->attr_set &= ~(uint64_t)MOUNT_ATTR_NOSUID;
  if (has_fault("attr-drop-nodev") && attr) attr->attr_set &= ~(uint64_t)MOUNT_ATTR_NODEV;
  return real(dirfd, path, flags, attr, size);
}

int prctl(int option, ...) {
  va_list ap;
  va_start(ap, option);
  unsigned long a2 = va_arg(ap, unsigned long), a3 = va_arg(ap, unsigned long),
                a4 = va_arg(ap, unsigned long), a5 = va_arg(ap, unsigned long);
  va_end(ap);
  if (option == 66 && has_fault("no-mdwe")) {
    errno = EINVAL;
    return -1;
  }
  if (option == 65 && has_fault("mdwe-skip")) return 0;
  int (*real)(int, ...) = (int (*)(int, ...))next("prctl");
  return real(option, a2, a3, a4, a5);
}

int cap_drop_bound(cap_value_t cap) {
  int (*real)(cap_value_t) = (int (*)(cap_value_t))next("cap_drop_bound");
  char* name = cap_to_name(cap);
  char word[128];
  snprintf(word, sizeof word, "keep-bound:%s", name ? name : "?");
  cap_free(name);
  return has_fault(word) ? 0 : real(cap);
}

// The path a descriptor names, as /proc/self/fd shows it; "" when unreadable.
static void fd_path(int fd, char* out, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, size - 1);
  out[n > 0 ? n : 0] = '\0';
}

int move_mount(int from_dfd, const char* from_path, int to_dfd, const char* to_path,
               unsigned int flags) {
  int (*real)(int, const char*, int, const char*, unsigned int) =
      (int (*)(int, const char*, int, const char*, unsigned int))next("move_mount");
  if (to_path) {
    char path[4096], word[8400];
    fd_path(to_dfd, path, sizeof path);
    if ((flags & MOVE_MOUNT_T_EMPTY_PATH) && !*to_path)
      snprintf(word, sizeof word, "skip-mount:%s", path);
    else
      snprintf(word, sizeof word, "skip-mount:%s/%s", path, to_path);
    if (path[0] && has_fault(word)) return 0;
  }
  return real(from_dfd, from_path, to_dfd, to_path, flags);
}

int fsconfig(int fd, unsigned int cmd, const char* key, const void* value, int aux) {
  int (*real)(int, unsigned int, const char*, const void*, int) =
      (int (*)(int, unsigned int, const char*, const void*, int))next("fsconfig");
  if (key && (cmd == FSCONFIG_SET_STRING || cmd == FSCONFIG_SET_FLAG)) {
    char word[128];
    snprintf(word, sizeof word, "proc-drop:%s", key);
    if (has_fault(word)) return 0;
  }
  return real(fd, cmd, key, value, aux);
}

int open_tree(int dfd, const char* path, unsigned int flags) {
  int (*real)(int, const char*, unsigned int) =
      (int (*)(int, const char*, unsigned int))next("open_tree");
  const char* all = getenv("JH_FAULT");
  const char* at = all ? strstr(all, "bind-from:") : NULL;
  if (at && (flags & OPEN_TREE_CLONE) && path && !*path) {
    char spec[4096], from[4096];
    snprintf(spec, sizeof spec, "%.*s", (int)strcspn(at + 10, " "), at + 10);
    char* eq = strchr(spec, '=');
    fd_path(dfd, from, sizeof from);
    if (eq) {
      *eq = '\0';
      if (strcmp(from, spec) == 0) {
        int other = open(eq + 1, O_PATH | O_CLOEXEC);
        if (other < 0) abort();
        int fd = real(other, "", flags);
        close(other);
        return fd;
      }
    }
  }
  return real(dfd, path, flags);
}
