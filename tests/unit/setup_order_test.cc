// The order of the set-up, pinned without root: contain() runs in a forked child against a
// recording fake of SysOps (sys_ops.h). The fake keeps a directory tree of its own as the
// sandbox's root (every path of the set-up is resolved through open_beneath), records each
// mount, privilege and hand-over call as one line, and can refuse one call (an injected
// failure). The tests check the order the security rests on: propagation made slave before
// the first mount, every read-only remount after the last establish, no_new_privs before the
// seccomp filter, the identity changed before the final capabilities, and that nothing runs
// after a failed step, whose exit code is systemd's for that step.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "error.h"
#include "plan.h"
#include "seccomp_filter.h"
#include "setup.h"
#include "sys_ops.h"
#include "test_support.h"

namespace jharden {
namespace {

using test::has_substr;
using test::TempDir;

// The fake's state: one per forked child, so plain globals.
struct Fake {
  int log_fd = -1;         // one line per call, written at once (the child ends in _Exit)
  int root_fd = -1;        // the sandbox's root: a directory of the test's
  std::string root;        // its path
  std::string scratch;     // where each new file system gets a directory of its own
  std::string fail_at;     // the first call whose line starts with this fails
  int fail_errno = EPERM;  // ... with this errno
  bool writable = false;   // the verify round reads every mount back as writable
  int next_fs = 0;
  struct Kind {
    dev_t dev;
    ino_t ino;
    std::string what;  // "tmpfs", "clone:/etc", ...
  };
  std::vector<Secret>* secrets = nullptr;  // the set-up's, to see them wiped at execve
  std::map<int, Kind> kinds;               // descriptors of new file systems and clones
  std::map<std::string, std::string> fs;   // mount point -> file system type attached there
};
Fake g;

// The name of what `fd` is: a file system or clone the fake made, else its path below the
// fake root ("/etc"), else "host:" and the host path.
std::string what(int fd) {
  struct stat st;
  auto k = g.kinds.find(fd);
  if (k != g.kinds.end() && fstat(fd, &st) == 0 && st.st_dev == k->second.dev &&
      st.st_ino == k->second.ino)
    return k->second.what;
  char buf[4096];
  ssize_t n = readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, sizeof buf - 1);
  if (n < 0) return "?";
  std::string path(buf, static_cast<size_t>(n));
  if (path == g.root) return "/";
  if (path.rfind(g.root + "/", 0) == 0) return path.substr(g.root.size());
  return "host:" + path;
}

void remember(int fd, const std::string& kind) {
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0) g.kinds[fd] = {st.st_dev, st.st_ino, kind};
}

// Records `line`; true when this call is the one to refuse.
bool call(const std::string& line) {
  std::string out = line + "\n";
  (void)!write(g.log_fd, out.data(), out.size());
  if (g.fail_at.empty() || line.rfind(g.fail_at, 0) != 0) return false;
  g.fail_at.clear();
  std::string failed = "FAILED\n";
  (void)!write(g.log_fd, failed.data(), failed.size());
  errno = g.fail_errno;
  return true;
}

int fake_unshare(int) { return call("unshare") ? -1 : 0; }
int fake_sethostname(const char* name, size_t len) {
  return call("sethostname " + std::string(name, len)) ? -1 : 0;
}
int fake_mount(const char*, const char* target, const char*, unsigned long flags, const void*) {
  if (flags & (MS_SLAVE | MS_PRIVATE))
    return call(std::string("propagation ") + (flags & MS_SLAVE ? "slave " : "private ") + target)
               ? -1
               : 0;
  return call(std::string("mount ") + target) ? -1 : 0;
}
int fake_umount2(const char* target, int) {
  return call(std::string("umount2 ") + target) ? -1 : 0;
}
// A new file system is a fresh directory of the scratch tree, so that what the set-up writes
// into it (secrets, device nodes) has somewhere to go.
int fake_fsopen(const char* type, unsigned int) {
  if (call(std::string("fsopen ") + type)) return -1;
  std::string dir = g.scratch + "/" + std::to_string(g.next_fs++);
  std::filesystem::create_directories(dir);
  int fd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  remember(fd, type);
  return fd;
}
int fake_fsconfig(int, unsigned int, const char*, const void*, int) { return 0; }
int fake_fsmount(int fs_fd, unsigned int, unsigned int) {
  const std::string type = what(fs_fd);
  int fd = fcntl(fs_fd, F_DUPFD_CLOEXEC, 3);
  remember(fd, type);
  return fd;
}
int fake_move_mount(int from, const char*, int to, const char*, unsigned int) {
  const std::string source = what(from), target = what(to);
  if (call("attach " + source + " on " + target)) return -1;
  g.fs[target] = source.rfind("clone:", 0) == 0 ? g.fs[source.substr(6)] : source;
  return 0;
}
int fake_open_tree(int fd, const char* path, unsigned int) {
  int out = path[0] ? openat(fd, path, O_PATH | O_CLOEXEC) : fcntl(fd, F_DUPFD_CLOEXEC, 3);
  remember(out, "clone:" + what(fd));
  return out;
}
int fake_mount_setattr(int fd, const char*, unsigned int, struct mount_attr* attr, size_t) {
  const bool ro = attr->attr_set & MOUNT_ATTR_RDONLY;
  return call(std::string("setattr ") + (ro ? "ro " : "") + what(fd)) ? -1 : 0;
}
// A device node is only recorded, by its number: the tests need not be root.
int fake_mknodat(int dir, const char* name, mode_t, dev_t dev) {
  return call("mknod " + what(dir) + " " + name + " " + std::to_string(major(dev)) + ":" +
              std::to_string(minor(dev)))
             ? -1
             : 0;
}
int fake_open_beneath(int, const char* path, int flags) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  std::string rel = std::string(path) == "/" ? "." : std::string(path + 1);
  return static_cast<int>(syscall(SYS_openat2, g.root_fd, rel.c_str(), &how, sizeof how));
}
int fake_fstatfs(int fd, struct statfs* out) {
  *out = {};
  const std::string type = g.fs[what(fd)];
  out->f_flags =
      0x0020 /* ST_VALID */ | (g.writable ? 0 : ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC);
  out->f_type = type == "tmpfs"   ? TMPFS_MAGIC
                : type == "proc"  ? PROC_SUPER_MAGIC
                : type == "sysfs" ? SYSFS_MAGIC
                                  : EXT4_SUPER_MAGIC;
  return 0;
}
int fake_pivot_root(const char*, const char*) { return call("pivot_root") ? -1 : 0; }
int fake_cap_drop_bound(cap_value_t cap) {
  return call("drop_bound " + std::to_string(cap)) ? -1 : 0;
}
int fake_cap_set_proc(cap_t) { return call("cap_set_proc") ? -1 : 0; }
int fake_cap_set_ambient(cap_value_t cap, cap_flag_value_t) {
  return call("cap_set_ambient " + std::to_string(cap)) ? -1 : 0;
}
int fake_setgroups(size_t, const gid_t*) { return call("setgroups") ? -1 : 0; }
int fake_setresgid(gid_t gid, gid_t, gid_t) {
  return call("setresgid " + std::to_string(gid)) ? -1 : 0;
}
int fake_setresuid(uid_t uid, uid_t, uid_t) {
  return call("setresuid " + std::to_string(uid)) ? -1 : 0;
}
int fake_prctl(int option, unsigned long a2, unsigned long, unsigned long, unsigned long) {
  std::string name = option == PR_SET_NO_NEW_PRIVS ? "no_new_privs"
                     : option == PR_SET_KEEPCAPS   ? "keepcaps " + std::to_string(a2)
                     : option == PR_CAP_AMBIENT && a2 == PR_CAP_AMBIENT_CLEAR_ALL
                         ? "clear_ambient"
                         : "prctl " + std::to_string(option);
  return call(name) ? -1 : 0;
}
int fake_seccomp_load(scmp_filter_ctx) { return call("seccomp_load") ? -ECANCELED : 0; }
// A program compiled at build time: the same step.
int fake_seccomp_set_filter(unsigned int, const struct sock_fprog*) {
  return call("seccomp_load") ? -ECANCELED : 0;
}
pid_t fake_setsid() { return call("setsid") ? -1 : getpid(); }
int fake_close_range(unsigned int, unsigned int, int) { return call("close_range") ? -1 : 0; }
// The end of a successful set-up: recorded, and the child ends as if the daemon had run.
int fake_execve(const char* path, char* const*, char* const*) {
  bool wiped = true;
  for (const Secret& secret : *g.secrets) wiped &= secret.bytes.data().empty();
  if (!g.secrets->empty()) call(wiped ? "secrets wiped" : "secrets still in memory");
  if (call(std::string("execve ") + path)) return -1;
  std::_Exit(0);
}

constexpr SysOps kFake = {
    .unshare = fake_unshare,
    .sethostname = fake_sethostname,
    .mount = fake_mount,
    .umount2 = fake_umount2,
    .fsopen = fake_fsopen,
    .fsconfig = fake_fsconfig,
    .fsmount = fake_fsmount,
    .move_mount = fake_move_mount,
    .open_tree = fake_open_tree,
    .mount_setattr = fake_mount_setattr,
    .mknodat = fake_mknodat,
    .open_beneath = fake_open_beneath,
    .fstatfs = fake_fstatfs,
    .pivot_root = fake_pivot_root,
    .cap_drop_bound = fake_cap_drop_bound,
    .cap_set_proc = fake_cap_set_proc,
    .cap_set_ambient = fake_cap_set_ambient,
    .setgroups = fake_setgroups,
    .setresgid = fake_setresgid,
    .setresuid = fake_setresuid,
    .prctl = fake_prctl,
    .seccomp_load = fake_seccomp_load,
    .seccomp_set_filter = fake_seccomp_set_filter,
    .setsid = fake_setsid,
    .close_range = fake_close_range,
    .execve = fake_execve,
};

struct Outcome {
  std::vector<std::string> calls;
  int exit_code = -1;
  std::string stderr_text;
  std::vector<std::string> written;                // files written into new file systems
  size_t index(const std::string& prefix) const {  // of the first call starting with it
    for (size_t i = 0; i < calls.size(); ++i)
      if (calls[i].rfind(prefix, 0) == 0) return i;
    return calls.size();
  }
  bool has(const std::string& prefix) const { return index(prefix) < calls.size(); }
};

struct Options {
  std::string policy;      // the policy's text
  std::string fail_at;     // the call to refuse (none: empty)
  int fail_errno = EPERM;  // and its errno
  bool writable = false;   // the verify round sees every mount writable
  bool change_identity = false;
  std::vector<std::pair<std::string, std::string>> secrets;  // name, content
  // As the daemon of a PID namespace: the init's word, then its end of the pipe closed at once
  // or later (kept a while by a stand-in that logs "init closed its end"), or the pipe closed
  // without the word: an init that failed first. kNone: no PID namespace.
  enum class InitWord { kNone, kGiven, kGivenEndKept, kNotGiven } init_word = InitWord::kNone;
};
using InitWord = Options::InitWord;

// The init's side of the pipe of its word (pid_init.cc), as `how` says; returns the daemon's.
int stand_in_init(InitWord how) {
  int word[2];
  if (pipe2(word, O_CLOEXEC) != 0) std::_Exit(252);
  if (how != InitWord::kNotGiven && write(word[1], "1", 1) != 1) std::_Exit(252);
  if (how == InitWord::kGivenEndKept && fork() == 0) {
    close(word[0]);
    usleep(200 * 1000);
    call("init closed its end");
    close(word[1]);
    std::_Exit(0);
  }
  close(word[1]);
  return word[0];
}

Options with_policy(std::string text) {
  Options o;
  o.policy = std::move(text);
  return o;
}

Options changing_identity(std::string fail_at = "") {
  Options o;
  o.change_identity = true;
  o.fail_at = std::move(fail_at);
  return o;
}

// Plans `options.policy`, builds its root below a temporary directory (every non-optional mount
// target a directory) and runs contain() in a child against the fake.
Outcome run_setup(const Options& options) {
  Diagnostics diag;
  Policy policy = parse_policy_files({{"/etc/jharden/test.conf", options.policy}}, false, diag);
  EXPECT_TRUE(diag.ok()) << (diag.ok() ? "" : diag.list()[0].str());
  PlanContext context;
  std::vector<Secret> secrets;
  for (const auto& [name, content] : options.secrets) {
    Secret& secret = secrets.emplace_back();
    secret.name = name;
    secret.source_display = secret.host_path = "/etc/jh-test/" + name;
    secret.bytes.data() = content;
  }
  Plan plan = build_plan(policy, Identity{}, secrets, context, diag);
  // Owned by whoever runs the test (fchown to another owner needs root).
  plan.identity.secrets_uid = getuid();
  plan.identity.secrets_gid = getgid();
  EXPECT_TRUE(diag.ok()) << (diag.ok() ? "" : diag.list()[0].str());
  // Only what the fake covers: no network or user namespace (their set-up is not recorded),
  // no PID namespace (its init forks), no Landlock (applied for real).
  plan.ns_net = plan.ns_user = plan.ns_pid = false;
  plan.landlock.mode = LandlockMode::kNo;
  plan.argv = {"/bin/true"};
  if (options.change_identity) {
    plan.identity.change = true;
    plan.identity.uid = plan.identity.gid = 65534;
  }
  TempDir dir;
  const std::string root = dir / "root";
  for (const MountEntry& e : plan.mounts)
    if (!e.optional) std::filesystem::create_directories(root + e.target);
  std::filesystem::create_directories(dir / "scratch");
  const std::string log = dir / "log", err = dir / "stderr";
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t child = fork();
  if (child == 0) {
    g.log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (g.log_fd < 0 || e < 0 || dup2(e, 2) != 2) std::_Exit(250);
    g.root = root;
    g.root_fd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    g.scratch = dir / "scratch";
    g.fail_at = options.fail_at;
    g.fail_errno = options.fail_errno;
    g.writable = options.writable;
    unsetenv("NOTIFY_SOCKET");
    set_sys_ops(&kFake);
    g.secrets = &secrets;
    RunOptions run_options;
    SetupContext c{plan, secrets, run_options, {}, nullptr, {}, 0, {}, {}, {}, {}, {}, {}};
    if (options.init_word != InitWord::kNone)
      c.init_reduced.reset(stand_in_init(options.init_word));
    try {
      c.filter = build_seccomp_filter(plan.seccomp);
    } catch (...) {
      std::_Exit(251);
    }
    contain_in_child(c);
  }
  Outcome out;
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) out.calls.push_back(line);
  std::ifstream e(err);
  out.stderr_text.assign(std::istreambuf_iterator<char>(e), {});
  // The files written into new file systems (the scratch tree), as "name=content mode".
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir / "scratch")) {
    if (!f.is_regular_file()) continue;
    std::ifstream in_file(f.path());
    std::string content((std::istreambuf_iterator<char>(in_file)), {});
    struct stat st;
    stat(f.path().c_str(), &st);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    out.written.push_back(f.path().filename().string() + "=" + content + " " + mode);
  }
  return out;
}

std::string listing(const Outcome& o) {
  std::string s = "exit " + std::to_string(o.exit_code) + ", stderr: " + o.stderr_text + "\n";
  for (const auto& c : o.calls) s += "  " + c + "\n";
  return s;
}

TEST(SetupOrder, RunsToExecWithTheFake) {
  Outcome o = run_setup({});
  ASSERT_EQ(o.exit_code, 0) << listing(o);
  ASSERT_FALSE(o.calls.empty());
  EXPECT_EQ(o.calls.front(), "unshare") << listing(o);
  EXPECT_EQ(o.calls.back(), "execve /bin/true") << listing(o);
}

TEST(SetupOrder, PropagationIsMadeSlaveBeforeTheFirstMount) {
  Outcome o = run_setup({});
  const size_t propagation = o.index("propagation slave /");
  ASSERT_LT(propagation, o.calls.size()) << listing(o);
  for (const char* mount_call : {"attach ", "setattr ", "mount ", "umount2 ", "fsopen "})
    EXPECT_LT(propagation, o.index(mount_call)) << mount_call << "\n" << listing(o);
  Outcome priv = run_setup(with_policy("[filesystem]\npropagation = private\n"));
  EXPECT_TRUE(priv.has("propagation private /")) << listing(priv);
}

// The read-only round remounts each read-only tree (a clone of it made read-only, attached
// over it) and seals jharden's own read-only tmpfs; all of that after the last mount of the
// establish round, which could not create its mount points in a read-only tree.
TEST(SetupOrder, ReadOnlyIsAppliedAfterEveryEstablish) {
  Outcome o = run_setup(with_policy("[filesystem]\nread_only = /opt\ntmpfs = /opt/cache\n"));
  ASSERT_EQ(o.exit_code, 0) << listing(o);
  size_t first_ro = o.calls.size(), last_establish = 0;
  for (size_t i = 0; i < o.calls.size(); ++i) {
    const std::string& c = o.calls[i];
    const bool read_only_round = c.rfind("setattr ro /", 0) == 0 ||
                                 c.rfind("setattr ro clone:/", 0) == 0 ||
                                 c.rfind("attach clone:/", 0) == 0;
    if (read_only_round) first_ro = std::min(first_ro, i);
    if (!read_only_round && c.rfind("attach ", 0) == 0) last_establish = i;
  }
  ASSERT_LT(first_ro, o.calls.size()) << listing(o);
  EXPECT_LT(last_establish, first_ro) << listing(o);
  for (const char* tree : {"/usr", "/etc", "/opt"})
    EXPECT_TRUE(o.has(std::string("setattr ro clone:") + tree)) << tree << "\n" << listing(o);
  EXPECT_TRUE(o.has("setattr ro /dev")) << listing(o);  // the private /dev, sealed
  // The writable hole below /opt is put back on top of the read-only /opt.
  const size_t opt_ro = o.index("attach clone:/opt on /opt");
  EXPECT_LT(opt_ro, o.index("attach clone:/opt/cache on /opt/cache")) << listing(o);
}

// The private /dev's nodes are made in its tmpfs before that is attached, by their fixed
// numbers. Where mknod is refused, the node is the host's, bound there once the tmpfs is
// attached (before it, the host's /dev was still where /dev/null is opened).
TEST(SetupOrder, DeviceNodesAreMadeBeforeTheDevTmpfsIsAttachedOrBoundWhereMknodIsRefused) {
  Outcome o = run_setup({});
  ASSERT_EQ(o.exit_code, 0) << listing(o);
  const size_t attach_dev = o.index("attach tmpfs on /dev");
  ASSERT_LT(attach_dev, o.calls.size()) << listing(o);
  for (const char* node :
       {"mknod tmpfs null 1:3", "mknod tmpfs zero 1:5", "mknod tmpfs full 1:7",
        "mknod tmpfs random 1:8", "mknod tmpfs urandom 1:9", "mknod tmpfs tty 5:0"})
    EXPECT_LT(o.index(node), attach_dev) << node << "\n" << listing(o);
  EXPECT_FALSE(o.has("attach clone:host:/dev/")) << listing(o);

  for (int refusal : {EPERM, EACCES}) {  // no CAP_MKNOD, a device cgroup; a security module
    Options refused;
    refused.fail_at = "mknod tmpfs null";
    refused.fail_errno = refusal;
    Outcome b = run_setup(refused);
    ASSERT_EQ(b.exit_code, 0) << listing(b);
    const size_t bound = b.index("attach clone:host:/dev/null on ");
    EXPECT_LT(b.index("attach tmpfs on /dev"), bound) << listing(b);
    EXPECT_LT(bound, b.calls.size()) << listing(b);
    EXPECT_TRUE(b.has("setattr ro clone:host:/dev/null")) << listing(b);
    EXPECT_FALSE(b.has("attach clone:host:/dev/zero")) << listing(b);  // made with mknod
  }

  Options failing;
  failing.fail_at = "mknod tmpfs zero";
  failing.fail_errno = ENOSPC;  // only EPERM and EACCES mean "not allowed to"
  Outcome f = run_setup(failing);
  EXPECT_EQ(f.exit_code, kExitNamespace) << listing(f);
  EXPECT_TRUE(has_substr(f.stderr_text, "create device node /dev/zero")) << f.stderr_text;
  EXPECT_FALSE(f.has("attach tmpfs on /dev")) << listing(f);
}

TEST(SetupOrder, NoNewPrivsComesBeforeTheSeccompFilter) {
  Outcome o = run_setup(changing_identity());
  ASSERT_EQ(o.exit_code, 0) << listing(o);
  const size_t nnp = o.index("no_new_privs"), filter = o.index("seccomp_load");
  ASSERT_LT(nnp, o.calls.size()) << listing(o);
  ASSERT_LT(filter, o.calls.size()) << listing(o);
  EXPECT_LT(nnp, filter) << listing(o);
  // The filter is the last step before execve: the set-up itself never runs under it.
  EXPECT_EQ(filter + 1, o.index("execve")) << listing(o);
}

TEST(SetupOrder, PrivilegesDropInMinijailsOrder) {
  Outcome o = run_setup(changing_identity());
  ASSERT_EQ(o.exit_code, 0) << listing(o);
  const size_t first_privilege_step = o.index("drop_bound");
  const std::vector<std::string> order = {
      "drop_bound",      "setsid",          "close_range", "keepcaps 1",   "setgroups",
      "setresgid 65534", "setresuid 65534", "keepcaps 0",  "cap_set_proc", "clear_ambient",
      "no_new_privs",    "seccomp_load",    "execve"};
  for (size_t i = 0; i + 1 < order.size(); ++i)
    EXPECT_LT(o.index(order[i]), o.index(order[i + 1]))
        << order[i] << " before " << order[i + 1] << "\n"
        << listing(o);
  // Every mount is done before the first privilege goes.
  size_t last_mount = 0;
  for (size_t i = 0; i < o.calls.size(); ++i)
    if (o.calls[i].rfind("attach ", 0) == 0 || o.calls[i].rfind("setattr ", 0) == 0) last_mount = i;
  EXPECT_LT(last_mount, first_privilege_step) << listing(o);
}

// An injected failure: the call is the last one made, and the exit code is the step's.
struct Injected {
  const char* call;
  int exit_code;
  const char* message;
};

class SetupFailure : public ::testing::TestWithParam<Injected> {};

TEST_P(SetupFailure, NothingRunsAfterTheFailedStep) {
  const Injected& f = GetParam();
  Outcome o = run_setup(changing_identity(f.call));
  EXPECT_EQ(o.exit_code, f.exit_code) << listing(o);
  ASSERT_GE(o.calls.size(), 2u) << listing(o);
  EXPECT_EQ(o.calls.back(), "FAILED") << listing(o);
  EXPECT_EQ(o.calls[o.calls.size() - 2].rfind(f.call, 0), 0u) << listing(o);
  EXPECT_TRUE(has_substr(o.stderr_text, f.message));
  if (std::string(f.call) != "execve") {
    EXPECT_FALSE(o.has("execve")) << listing(o);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Steps, SetupFailure,
    ::testing::Values(Injected{"unshare", kExitNamespace, "namespaces: unshare"},
                      Injected{"propagation slave", kExitNamespace, "slave/private on /"},
                      Injected{"attach tmpfs on /tmp", kExitNamespace, "/tmp"},
                      Injected{"setattr ro clone:/usr", kExitNamespace, "/usr"},
                      Injected{"drop_bound", kExitCapabilities, "bounding set"},
                      Injected{"setsid", kExitSetsid, "new_session"},
                      Injected{"close_range", kExitFds, "fds: close_range"},
                      Injected{"setgroups", kExitGroup, "setgroups"},
                      Injected{"setresgid", kExitGroup, "setresgid 65534"},
                      Injected{"setresuid", kExitUser, "setresuid 65534"},
                      Injected{"cap_set_proc", kExitCapabilities, "cap_set_proc"},
                      Injected{"clear_ambient", kExitCapabilities, "clear ambient set"},
                      Injected{"no_new_privs", kExitNoNewPrivileges, "PR_SET_NO_NEW_PRIVS"},
                      Injected{"seccomp_load", kExitSeccomp, "load filter"},
                      Injected{"execve", kExitExec, "execve /bin/true"}),
    [](const ::testing::TestParamInfo<Injected>& param_info) {
      std::string name;
      for (char ch : std::string(param_info.param.call))
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

// Secrets are written into their tmpfs while it is detached, which is made read-only before it
// is attached: no process ever sees it writable or half-written. Their bytes are gone from
// jharden's memory before execve.
TEST(SetupOrder, SecretsAreWrittenBeforeTheirTmpfsIsAttachedReadOnly) {
  Options options;
  options.secrets = {{"db.pass", "hunter2"}, {"tls.key", "-----BEGIN"}};
  Outcome o = run_setup(options);
  ASSERT_EQ(o.exit_code, 0) << listing(o);
  const size_t sealed = o.index("setattr ro tmpfs"),
               attached = o.index("attach tmpfs on /run/secrets");
  ASSERT_LT(attached, o.calls.size()) << listing(o);
  EXPECT_LT(sealed, attached) << listing(o);
  std::sort(o.written.begin(), o.written.end());
  EXPECT_EQ(o.written,
            (std::vector<std::string>{"db.pass=hunter2 0400", "tls.key=-----BEGIN 0400"}));
  EXPECT_LT(o.index("secrets wiped"), o.index("execve")) << listing(o);
}

// The verify round reads each mount back: one that is not what it must be stops the set-up
// before pivot and before any privilege is dropped.
TEST(SetupOrder, AFailedVerifyStopsBeforeAnyPrivilegeStep) {
  Options options = changing_identity();
  options.writable = true;
  Outcome o = run_setup(options);
  EXPECT_EQ(o.exit_code, kExitNamespace) << listing(o);
  EXPECT_TRUE(has_substr(o.stderr_text, "is not read-only after the read-only round"));
  for (const char* later : {"drop_bound", "setresuid", "no_new_privs", "seccomp_load", "execve"})
    EXPECT_FALSE(o.has(later)) << later << "\n" << listing(o);
}

// pid = yes: the daemon's set-up runs beside the init's reduction, but nothing of the daemon's
// (its filter, the probe, its execve) comes before the init's word that it kept only CAP_KILL.
TEST(SetupOrder, TheDaemonOfAPidNamespaceGoesOnlyOnTheInitsWord) {
  Options options = changing_identity();
  options.init_word = InitWord::kGiven;
  Outcome o = run_setup(options);
  ASSERT_EQ(o.exit_code, 0) << o.stderr_text << listing(o);
  EXPECT_TRUE(o.has("execve /bin/true")) << listing(o);
  // The word alone is not enough: the init still holds its end of the pipe until it closes it.
  options.init_word = InitWord::kGivenEndKept;
  o = run_setup(options);
  ASSERT_EQ(o.exit_code, 0) << o.stderr_text << listing(o);
  ASSERT_TRUE(o.has("init closed its end")) << listing(o);
  EXPECT_LT(o.index("init closed its end"), o.index("seccomp_load")) << listing(o);
  options.init_word = InitWord::kNotGiven;
  o = run_setup(options);
  EXPECT_EQ(o.exit_code, kExitNamespace) << listing(o);
  EXPECT_TRUE(has_substr(o.stderr_text, "pid: the init ended before it gave up its privileges"))
      << o.stderr_text;
  for (const char* later : {"seccomp_load", "execve"})
    EXPECT_FALSE(o.has(later)) << later << "\n" << listing(o);
}

}  // namespace
}  // namespace jharden
