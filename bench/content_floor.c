// content_floor.c - the kernel work of jharden's sandbox with one secret, and nothing else.
//
// Usage: content-floor [--pid] SECRET FILTER -- COMMAND [ARG...]
//
// Makes, with the system calls jharden makes, the sandbox of bench/run.sh's secret.conf (the
// baseline and the secret SECRET), then executes COMMAND: a mount namespace whose propagation
// is slave; the private /dev (a tmpfs, its six nodes, devpts, /dev/shm, the symlinks); the
// files of /proc masked with /dev/null; /run/secrets, the secret written into it, read-only;
// /sys/kernel/debug and /sys/kernel/tracing inaccessible; /tmp and /var/tmp; SECRET's path
// covered by an inaccessible file; /dev, /etc, /usr, /sys and the read-only entries of /proc
// read-only; the Landlock ruleset (the entries of / but etc, sys and usr writable, device
// ioctls on /dev's nodes); the bounding set and the capabilities jharden drops; signals back
// to their defaults; no_new_privs; FILTER (the BPF program jharden loads for the policy,
// bench/filter_cost.cc writes it) with SPEC_ALLOW; a new session. With --pid, in a PID
// namespace: its first process makes the mounts and a procfs of its own, forks COMMAND and
// reduces itself to CAP_KILL before COMMAND may go on, as jharden's pid = yes.
//
// What it leaves out is jharden's own work: reading and checking the policy and the secret's
// path, planning, resolving every target beneath the root and checking it, the verify round.
// Its start-up against the namespace floor is what jharden's sequence of kernel operations
// costs by itself. Entries of /proc that this kernel does not have are skipped, as jharden
// skips them (an optional entry). Any other failure ends it (1).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "landlock_abi.h"

static void die(const char* what, const char* path) {
  fprintf(stderr, "content-floor: %s %s: %s\n", what, path ? path : "", strerror(errno));
  exit(1);
}

static int fsopen_(const char* type) { return (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC); }
static void fsconfig_(int fs, const char* key, const char* value) {
  if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0) != 0) die("fsconfig", key);
}
static int open_tree_(int dfd, const char* path, unsigned flags) {
  return (int)syscall(SYS_open_tree, dfd, path, flags | OPEN_TREE_CLOEXEC);
}
static void setattr_(int dfd, const char* path, unsigned at, unsigned long long set) {
  struct mount_attr a = {.attr_set = set};
  if (syscall(SYS_mount_setattr, dfd, path, at, &a, sizeof a) != 0) die("mount_setattr", path);
}
static void move_(int mnt, int dfd, const char* path) {
  if (syscall(SYS_move_mount, mnt, "", dfd, path, MOVE_MOUNT_F_EMPTY_PATH) != 0)
    die("move_mount", path);
  close(mnt);
}

// A new filesystem with options "k=v,k=v" (values without commas), its mount detached.
static int new_fs(const char* type, const char* options, unsigned attrs) {
  int fs = fsopen_(type);
  if (fs < 0) die("fsopen", type);
  char buf[256];
  snprintf(buf, sizeof buf, "%s", options);
  for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
    char* eq = strchr(kv, '=');
    if (!eq) {
      if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, kv, NULL, 0) != 0) die("fsconfig", kv);
      continue;
    }
    *eq = '\0';
    fsconfig_(fs, kv, eq + 1);
  }
  if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0) die("create", type);
  int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs);
  if (mnt < 0) die("fsmount", type);
  close(fs);
  return mnt;
}

// A clone of `fd` (a file or the root of a mount) attached at `path` with `attrs`; a missing
// `path` is skipped.
static void cover(int fd, const char* path, unsigned long long attrs) {
  if (access(path, F_OK) != 0 && errno == ENOENT) return;
  int mnt = open_tree_(fd, "", OPEN_TREE_CLONE | AT_EMPTY_PATH);
  if (mnt < 0) die("open_tree", path);
  setattr_(mnt, "", AT_EMPTY_PATH, attrs);
  move_(mnt, AT_FDCWD, path);
}

// `path` bound onto itself, recursively read-only; a missing path is skipped.
static void read_only(const char* path) {
  int mnt = open_tree_(AT_FDCWD, path, OPEN_TREE_CLONE | AT_RECURSIVE);
  if (mnt < 0 && errno == ENOENT) return;
  if (mnt < 0) die("open_tree", path);
  setattr_(mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, MOUNT_ATTR_RDONLY);
  move_(mnt, AT_FDCWD, path);
}

// The private /dev; returns the inaccessible file made in it (mode 0, under devpts).
static int private_dev(void) {
  int dev = new_fs("tmpfs", "mode=0755,size=4m", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  static const struct {
    const char* name;
    unsigned major, minor;
  } nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
               {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; ++i)
    if (mknodat(dev, nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)))
      die("mknod", nodes[i].name);
  move_(dev, AT_FDCWD, "/dev");
  int dir = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || mkdirat(dir, "pts", 0755) != 0) die("mkdir", "/dev/pts");
  int hidden = openat(dir, "pts/.jharden-inaccessible", O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, 0);
  if (hidden < 0) die("create", "inaccessible file");
  int pts = new_fs("devpts", "newinstance,ptmxmode=0666,mode=0620,gid=5",
                   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  move_(pts, dir, "pts");
  if (mkdirat(dir, "shm", 0755) != 0) die("mkdir", "/dev/shm");
  move_(new_fs("tmpfs", "mode=1777", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV), dir, "shm");
  static const char* links[][2] = {{"pts/ptmx", "ptmx"},
                                   {"/proc/self/fd", "fd"},
                                   {"/proc/self/fd/0", "stdin"},
                                   {"/proc/self/fd/1", "stdout"},
                                   {"/proc/self/fd/2", "stderr"}};
  for (size_t i = 0; i < sizeof links / sizeof links[0]; ++i)
    if (symlinkat(links[i][0], dir, links[i][1]) != 0) die("symlink", links[i][1]);
  close(dir);
  return hidden;
}

static void secrets(const char* bytes, size_t size) {
  int mnt = new_fs("tmpfs", "mode=0500,uid=0,gid=0,size=69696,nr_inodes=17",
                   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  int fd = openat(mnt, "bench.key", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || write(fd, bytes, size) != (ssize_t)size || fchown(fd, 0, 0) != 0 ||
      fchmod(fd, 0400) != 0)
    die("write", "/run/secrets/bench.key");
  close(fd);
  setattr_(mnt, "", AT_EMPTY_PATH,
           MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  move_(mnt, AT_FDCWD, "/run/secrets");
}

static void mounts(int dev_null, const char* secret_path, const char* secret, size_t size,
                   int pid) {
  const unsigned long long file_mask = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC;
  const unsigned long long hidden_attrs =
      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  int hidden = private_dev();
  if (pid)
    move_(new_fs("proc", "", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC), AT_FDCWD,
          "/proc");
  static const char* masked[] = {"/proc/kallsyms", "/proc/kcore", "/proc/kmsg", "/proc/loadavg"};
  for (size_t i = 0; i < sizeof masked / sizeof masked[0]; ++i)
    cover(dev_null, masked[i], file_mask);
  secrets(secret, size);
  int debug = new_fs("tmpfs", "mode=0000,size=4k,nr_inodes=1", (unsigned)hidden_attrs);
  int tracing = open_tree_(debug, "", OPEN_TREE_CLONE | AT_EMPTY_PATH);
  if (tracing < 0) die("open_tree", "/sys/kernel/debug");
  move_(debug, AT_FDCWD, "/sys/kernel/debug");
  move_(tracing, AT_FDCWD, "/sys/kernel/tracing");
  move_(new_fs("tmpfs", "mode=1777", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV), AT_FDCWD, "/tmp");
  move_(new_fs("tmpfs", "mode=1777", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV), AT_FDCWD, "/var/tmp");
  cover(hidden, secret_path, hidden_attrs);
  close(hidden);
  // The read-only round: /dev's own tmpfs, then binds of the paths onto themselves (/sys, a
  // mount of its own, made read-only where it is).
  setattr_(AT_FDCWD, "/dev", 0, MOUNT_ATTR_RDONLY);
  static const char* ro[] = {"/etc",         "/proc/acpi",          "/proc/apm",
                             "/proc/asound", "/proc/bus",           "/proc/fs",
                             "/proc/irq",    "/proc/latency_stats", "/proc/mtrr",
                             "/proc/sys",    "/proc/sysrq-trigger", "/proc/timer_stats",
                             "/usr"};
  for (size_t i = 0; i < sizeof ro / sizeof ro[0]; ++i) read_only(ro[i]);
  setattr_(AT_FDCWD, "/sys", AT_RECURSIVE, MOUNT_ATTR_RDONLY);
}

static void landlock_rule(int ruleset, int fd, unsigned long long access) {
  struct landlock_path_beneath_attr rule = {.allowed_access = access, .parent_fd = fd};
  if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0)
    die("landlock_add_rule", NULL);
  close(fd);
}

// Writable beneath every entry of / but etc, sys and usr (a symlink gets no rule); device
// ioctls on /dev's nodes; with a PID namespace, signals scoped to the domain. Nothing where
// the kernel has no Landlock.
static void landlock(int abi, int pid) {
  if (abi < 1) return;
  const unsigned long long handled = jharden_landlock_handled_access(abi);
  const unsigned long long beneath = handled & ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
  const unsigned long long file =
      handled & (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE);
  struct {
    unsigned long long handled_access_fs, handled_access_net, scoped;
  } attr = {handled, 0,
            pid && abi >= JHARDEN_LANDLOCK_SIGNAL_SCOPE_ABI ? LANDLOCK_SCOPE_SIGNAL : 0};
  const size_t size = attr.scoped ? sizeof attr : sizeof attr.handled_access_fs;
  int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (ruleset < 0) die("landlock_create_ruleset", NULL);
  DIR* root = opendir("/");
  if (!root) die("opendir", "/");
  errno = 0;
  for (struct dirent* e; (e = readdir(root)); errno = 0) {
    const char* name = e->d_name;
    if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "etc") || !strcmp(name, "sys") ||
        !strcmp(name, "usr") || e->d_type == DT_LNK)
      continue;
    int fd = openat(dirfd(root), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) die("open", name);
    struct stat st = {.st_mode = DTTOIF(e->d_type)};
    if (e->d_type == DT_UNKNOWN && fstat(fd, &st) != 0) die("stat", name);
    if (S_ISLNK(st.st_mode)) {
      close(fd);
      continue;
    }
    landlock_rule(ruleset, fd, S_ISDIR(st.st_mode) ? beneath : file);
  }
  if (errno != 0) die("readdir", "/");
  closedir(root);
  static const char* devices[] = {"/dev/null",   "/dev/zero",    "/dev/full",
                                  "/dev/random", "/dev/urandom", "/dev/pts"};
  for (size_t i = 0; i < sizeof devices / sizeof devices[0]; ++i) {
    if (!(handled & LANDLOCK_ACCESS_FS_IOCTL_DEV)) break;
    int fd = open(devices[i], O_PATH | O_CLOEXEC);
    if (fd < 0) die("open", devices[i]);
    landlock_rule(ruleset, fd, LANDLOCK_ACCESS_FS_IOCTL_DEV);
  }
  if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) die("landlock_restrict_self", NULL);
  close(ruleset);
}

static void set_capabilities(struct __user_cap_data_struct data[2]) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  if (syscall(SYS_capset, &header, data) != 0) die("capset", NULL);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) die("ambient", NULL);
}

// The daemon's: the capabilities jharden's baseline drops, from the bounding set and its own
// sets, in a new session.
static void capabilities(void) {
  static const int drop[] = {CAP_DAC_READ_SEARCH,
                             CAP_FSETID,
                             CAP_LINUX_IMMUTABLE,
                             CAP_SYS_MODULE,
                             CAP_SYS_RAWIO,
                             CAP_SYS_PTRACE,
                             CAP_SYS_PACCT,
                             CAP_SYS_ADMIN,
                             CAP_SYS_BOOT,
                             CAP_SYS_TIME,
                             CAP_MKNOD,
                             CAP_AUDIT_CONTROL,
                             CAP_SETFCAP,
                             CAP_MAC_OVERRIDE,
                             CAP_MAC_ADMIN,
                             CAP_SYSLOG,
                             CAP_PERFMON,
                             CAP_BPF,
                             CAP_CHECKPOINT_RESTORE};
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &header, data) != 0) die("capget", NULL);
  for (size_t i = 0; i < sizeof drop / sizeof drop[0]; ++i) {
    if (prctl(PR_CAPBSET_DROP, drop[i], 0, 0, 0) != 0) die("PR_CAPBSET_DROP", NULL);
    const unsigned bit = 1u << (drop[i] % 32);
    data[drop[i] / 32].effective &= ~bit;
    data[drop[i] / 32].permitted &= ~bit;
    data[drop[i] / 32].inheritable &= ~bit;
  }
  if (setsid() < 0) die("setsid", NULL);
  set_capabilities(data);
}

// The highest capability the kernel knows, found as jharden finds it: a binary search.
static int last_capability(void) {
  int lo = CAP_CHECKPOINT_RESTORE, hi = 63;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (prctl(PR_CAPBSET_READ, mid, 0, 0, 0) >= 0)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

// The init of a PID namespace: CAP_KILL alone, in every set (jharden's reduce_to()).
static void reduce_to_kill(int last_cap) {
  for (int cap = 0; cap <= last_cap; ++cap)
    if (cap != CAP_KILL && cap != CAP_SETPCAP && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
      die("PR_CAPBSET_DROP", NULL);
  if (prctl(PR_CAPBSET_DROP, CAP_SETPCAP, 0, 0, 0) != 0) die("PR_CAPBSET_DROP", NULL);
  struct __user_cap_data_struct data[2] = {{1u << CAP_KILL, 1u << CAP_KILL, 0}, {0, 0, 0}};
  set_capabilities(data);
}

// Every signal to its default action and none blocked, as the command gets them.
static void default_signals(void) {
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

// fork() (or clone() with `flags`), held to this CPU when the caller may run on every online
// CPU, as jharden forks: the child starts here as soon as the parent waits, not on a halted
// vCPU that takes milliseconds to wake. Both get every CPU back.
static int online_cpus;  // read once, before the first fork

static pid_t fork_here(unsigned long flags) {
  cpu_set_t given, here, every;
  const int cpu = sched_getcpu();
  int held = 0;
  if (cpu >= 0 && sched_getaffinity(0, sizeof given, &given) == 0 &&
      CPU_COUNT(&given) == online_cpus) {
    CPU_ZERO(&here);
    CPU_SET(cpu, &here);
    held = sched_setaffinity(0, sizeof here, &here) == 0;
  }
  pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) die("clone", NULL);
  memset(&every, 0xff, sizeof every);
  if (held && sched_setaffinity(0, sizeof every, &every) != 0) die("sched_setaffinity", NULL);
  return pid;
}

static int wait_for(pid_t child) {
  int status;
  return waitpid(child, &status, 0) == child && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static size_t read_file(const char* path, char* buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, size);
  if (n < 0 || (size_t)n == size) die("read", path);
  close(fd);
  return (size_t)n;
}

// The command: its capabilities, signals, no_new_privs (once the init, if any, has reduced
// itself: `reduced` is the pipe it says so on, or -1), its filter, its execve.
static void confine_and_exec(const struct sock_fprog* filter, int reduced, char** command) {
  capabilities();
  if (chdir("/") != 0) die("chdir", "/");
  default_signals();
  char word;
  if (reduced >= 0 && read(reduced, &word, 1) != 1) die("read", "the init's word");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("no_new_privs", NULL);
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, filter) != 0)
    die("seccomp", NULL);
  setenv("CREDENTIALS_DIRECTORY", "/run/secrets", 1);
  execv(command[0], command);
  die("execv", command[0]);
}

// The init of the PID namespace, once the command is forked: it keeps nothing but its end of
// the pipe and CAP_KILL, says so, and waits.
static int reduced_init(pid_t command, int word, int last_cap) {
  if (chdir("/") != 0) die("chdir", "/");
  if (word > 3) syscall(SYS_close_range, 3, word - 1, 0);
  syscall(SYS_close_range, word + 1, ~0U, 0);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  reduce_to_kill(last_cap);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("no_new_privs", NULL);
  // EPIPE: the command failed first, and its status says so.
  if (write(word, "1", 1) != 1 && errno != EPIPE) die("write", "the init's word");
  close(word);
  return wait_for(command);
}

int main(int argc, char** argv) {
  int pid = argc > 1 && !strcmp(argv[1], "--pid");
  if (argc < 5 + pid || strcmp(argv[3 + pid], "--") != 0) {
    fprintf(stderr, "usage: content-floor [--pid] SECRET FILTER -- COMMAND [ARG...]\n");
    return 2;
  }
  // As jharden begins: no inherited descriptor reaches the command, and every signal is held
  // until the command's execve.
  syscall(SYS_close_range, 3, ~0U, 0);
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  const int last_cap = last_capability();
  online_cpus = get_nprocs();
  const int abi =
      (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  const char* secret_path = argv[1 + pid];
  static char secret[4096];
  static struct sock_filter program[BPF_MAXINSNS + 1];
  size_t secret_size = read_file(secret_path, secret, sizeof secret);
  size_t program_size = read_file(argv[2 + pid], (char*)program, sizeof program);
  struct sock_fprog filter = {(unsigned short)(program_size / sizeof program[0]), program};
  if (pid) {
    pid_t init = fork_here(CLONE_NEWPID);
    if (init > 0) return wait_for(init);
  }
  umask(0);
  if (unshare(CLONE_NEWNS) != 0) die("unshare", "CLONE_NEWNS");
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) die("mount", "/");
  // In the new namespace: open_tree() clones only a mount of the caller's namespace.
  int dev_null = open("/dev/null", O_PATH | O_CLOEXEC);
  if (dev_null < 0) die("open", "/dev/null");
  mounts(dev_null, secret_path, secret, secret_size, pid);
  close(dev_null);
  umask(022);
  landlock(abi, pid);
  int reduced = -1;
  if (pid) {
    int word[2];
    if (pipe2(word, O_CLOEXEC) != 0) die("pipe", NULL);
    pid_t command = fork_here(0);
    if (command > 0) {
      close(word[0]);
      return reduced_init(command, word[1], last_cap);
    }
    close(word[1]);
    reduced = word[0];
  }
  confine_and_exec(&filter, reduced, argv + 4 + pid);
}
