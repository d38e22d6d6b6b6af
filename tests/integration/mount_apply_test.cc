// Integration tier (root): real plans applied by jharden::apply_mounts() in a forked child
// that has entered a mount namespace of its own. The child probes what it sees (statvfs,
// statfs, stat, open) and reports KEY=VALUE lines through a pipe; the parent asserts on
// them, and asserts that its own mount table did not change (contract §5: nothing mounted
// inside ever appears on the host).
#include "mount_apply.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "error.h"
#include "loader.h"
#include "plan.h"
#include "policy.h"
#include "unique_dir.h"
#include "verify.h"

namespace jharden {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& content, mode_t mode = 0644) {
  std::ofstream(path, std::ios::binary) << content;
  chmod(path.c_str(), mode);
}

std::string errno_name(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : std::to_string(err);
}

// The first `[filesystem]` lines of the minimal policies: every default mount reset, so
// that a test applies only what it names.
constexpr const char* kNoDefaults =
    "[filesystem]\n"
    "read_only =\n"
    "mask =\n"
    "private_tmp = no\n"
    "private_dev = no\n"
    "protect_kernel = no\n";

// ---------------------------------------------------------------- in the child

// KEY=VALUE lines written to the pipe to the parent.
class Reporter {
 public:
  explicit Reporter(int fd) : fd_(fd) {}
  void put(const std::string& key, const std::string& value) {
    std::string line = key + "=" + value;
    for (char& c : line)
      if (c == '\n') c = '|';
    line += '\n';
    size_t off = 0;
    while (off < line.size()) {
      ssize_t n = write(fd_, line.data() + off, line.size() - off);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
};

// Probes, as the sandboxed daemon would see things.
std::string try_create(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_name(errno);
  close(fd);
  return "OK";
}

std::string try_chmod(const std::string& path) {
  return chmod(path.c_str(), 0600) == 0 ? "OK" : errno_name(errno);
}

// Takes `cap` out of the effective set: a call that needs it is refused with EPERM.
void drop_effective(cap_value_t cap) {
  cap_t caps = cap_get_proc();
  if (!caps || cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, CAP_CLEAR) != 0 ||
      cap_set_proc(caps) != 0)
    throw std::runtime_error("drop capability: " + errno_name(errno));
  cap_free(caps);
}

std::string vfs_flags(const std::string& path) {
  struct statvfs sv;
  if (statvfs(path.c_str(), &sv) != 0) return "ERR:" + errno_name(errno);
  std::string out = (sv.f_flag & ST_RDONLY) ? "ro" : "rw";
  if (sv.f_flag & ST_NOSUID) out += ",nosuid";
  if (sv.f_flag & ST_NODEV) out += ",nodev";
  if (sv.f_flag & ST_NOEXEC) out += ",noexec";
  return out;
}

std::string fs_type(const std::string& path) {
  struct statfs sf;
  if (statfs(path.c_str(), &sf) != 0) return "ERR:" + errno_name(errno);
  switch (sf.f_type) {
    case TMPFS_MAGIC:
      return "tmpfs";
    case PROC_SUPER_MAGIC:
      return "proc";
    case SYSFS_MAGIC:
      return "sysfs";
    default:
      return std::to_string(sf.f_type);
  }
}

std::string fs_size(const std::string& path) {
  struct statvfs sv;
  if (statvfs(path.c_str(), &sv) != 0) return "ERR:" + errno_name(errno);
  return std::to_string(static_cast<unsigned long long>(sv.f_blocks) * sv.f_frsize);
}

// "MODE UID GID KIND" (octal mode), or "ERR:ENAME".
std::string stat_of(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return "ERR:" + errno_name(errno);
  const char* kind = S_ISDIR(st.st_mode)   ? "dir"
                     : S_ISCHR(st.st_mode) ? "chr"
                     : S_ISLNK(st.st_mode) ? "lnk"
                                           : "reg";
  char buf[64];
  snprintf(buf, sizeof buf, "%o %u %u %s", st.st_mode & 07777, st.st_uid, st.st_gid, kind);
  std::string out = buf;
  if (S_ISCHR(st.st_mode))
    out += " " + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
  return out;
}

std::string content_of(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "ERR:" + errno_name(errno);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

std::string listing(const std::string& path) {
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(path, ec))
    names.push_back(e.path().filename());
  if (ec) return "ERR:" + errno_name(ec.value());
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

// The child's own set-up before the plan: a mount namespace of its own whose mounts do not
// propagate back, so that what a test prepares there (submounts, fake devices) never
// reaches the host either.
void enter_private_namespace() {
  if (unshare(CLONE_NEWNS) != 0) throw std::runtime_error("unshare: " + errno_name(errno));
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    throw std::runtime_error("make / private: " + errno_name(errno));
}

void must_mount(const char* source, const std::string& target, const char* type,
                unsigned long flags, const char* data) {
  if (mount(source, target.c_str(), type, flags, data) != 0)
    throw std::runtime_error("mount " + target + ": " + errno_name(errno));
}

// ---------------------------------------------------------------- in the parent

struct ChildResult {
  std::map<std::string, std::string> values;
  std::string raw;
  int wait_status = 0;

  std::string get(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? "<missing>" : it->second;
  }
};

std::string mount_table() { return read_file("/proc/self/mountinfo"); }

// Runs `body` in a forked child (it enters its own namespace itself); a StepError or any
// other exception is reported as step_error / exception.
ChildResult run_in_child(const std::function<void(Reporter&)>& body) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    alarm(60);
    Reporter rep(pipefd[1]);
    try {
      body(rep);
    } catch (const StepError& e) {
      rep.put("step_error_code", std::to_string(e.code));
      rep.put("step_error", e.message);
    } catch (const std::exception& e) {
      rep.put("exception", e.what());
    }
    _exit(0);
  }
  close(pipefd[1]);
  ChildResult r;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) r.raw.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  waitpid(pid, &r.wait_status, 0);
  std::istringstream lines(r.raw);
  std::string line;
  while (std::getline(lines, line)) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) r.values.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return r;
}

Plan make_plan(const std::string& text, const std::vector<Secret>& secrets = {},
               Identity identity = {}) {
  Diagnostics diag;
  Policy policy = parse_policy_files({{"t.conf", text}}, false, diag);
  Plan plan = build_plan(policy, identity, secrets, PlanContext{}, diag);
  std::string errors;
  for (const auto& d : diag.list()) errors += d.str() + "\n";
  EXPECT_TRUE(diag.ok()) << "policy:\n" << text << "errors:\n" << errors;
  return plan;
}

class MountApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: applies real mounts in a mount namespace";
    // Not below /tmp: the default plan puts a private tmpfs there.
    made_ = unique_dir::make_temporary("/var/lib/jharden-it.XXXXXX");
    ASSERT_TRUE(made_) << errno_name(errno);
    dir_ = made_.path();
    chmod(dir_.c_str(), 0755);
    mounts_before_ = mount_table();
  }

  // The tree the test made inside; `made_` removes the directory itself.
  void TearDown() override {
    if (dir_.empty()) return;
    EXPECT_EQ(mounts_before_, mount_table()) << "the host's mount table changed";
    std::error_code ec;
    std::vector<std::filesystem::path> inside;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec))
      inside.push_back(entry.path());
    for (const auto& p : inside) std::filesystem::remove_all(p, ec);
  }

  // Applies `plan` in a child (after `prepare`, in the child's private namespace), then runs
  // `probe` there.
  ChildResult apply(const Plan& plan, const std::function<void(Reporter&)>& probe,
                    const std::function<void()>& prepare = {}, MountOptions options = {},
                    std::vector<Secret>* secrets = nullptr) {
    return run_in_child([&](Reporter& rep) {
      enter_private_namespace();
      if (prepare) prepare();
      std::vector<Secret> none;
      std::vector<Secret>& s = secrets ? *secrets : none;
      MountSources sources = open_mount_sources(plan);
      apply_mounts(plan, sources, s, options);
      rep.put("applied", "yes");
      probe(rep);
    });
  }

  std::string path(const std::string& rel) const { return dir_ + "/" + rel; }
  void mkdirs(const std::string& rel) const { std::filesystem::create_directories(path(rel)); }

  unique_dir made_;
  std::string dir_;
  std::string mounts_before_;
};

// ---------------------------------------------------------------- read-only

class ReadOnlyTest : public MountApplyTest, public ::testing::WithParamInterface<bool> {};

TEST_P(ReadOnlyTest, RecursiveIncludingSubmountKeepingItsFlags) {
  mkdirs("tree/sub");
  mkdirs("tree/plain");
  MountOptions options;
  options.force_legacy = GetParam();
  Plan plan = make_plan(std::string(kNoDefaults) + "read_only = " + path("tree") + "\n");
  auto r = apply(
      plan,
      [&](Reporter& rep) {
        rep.put("tree", try_create(path("tree/x")));
        rep.put("plain", try_create(path("tree/plain/x")));
        rep.put("sub", try_create(path("tree/sub/x")));
        rep.put("tree_flags", vfs_flags(path("tree")));
        rep.put("sub_flags", vfs_flags(path("tree/sub")));
        rep.put("sub_type", fs_type(path("tree/sub")));
      },
      [&] {
        // A submount with its own flags, which the read-only round must keep.
        must_mount("jh-it-sub", path("tree/sub"), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   "size=1m");
      },
      options);
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("tree"), "EROFS");
  EXPECT_EQ(r.get("plain"), "EROFS");
  EXPECT_EQ(r.get("sub"), "EROFS");
  EXPECT_EQ(r.get("tree_flags").substr(0, 2), "ro");
  EXPECT_EQ(r.get("sub_type"), "tmpfs");
  EXPECT_EQ(r.get("sub_flags"), "ro,nosuid,nodev,noexec");
  EXPECT_FALSE(std::filesystem::exists(path("tree/x")));
}

TEST_P(ReadOnlyTest, WritableHolesStayWritable) {
  mkdirs("tree/hole");
  mkdirs("tree/other");
  mkdirs("src");
  MountOptions options;
  options.force_legacy = GetParam();
  Plan plan = make_plan(std::string(kNoDefaults) + "read_only = " + path("tree") + "\n" +
                        "read_write = " + path("tree/hole") + "\n" + "bind = " + path("src") + ":" +
                        path("tree/bound") + "\n" + "tmpfs = " + path("tree/scratch") + "\n");
  auto r = apply(
      plan,
      [&](Reporter& rep) {
        rep.put("other", try_create(path("tree/other/x")));
        rep.put("hole", try_create(path("tree/hole/x")));
        rep.put("bound", try_create(path("tree/bound/x")));
        rep.put("scratch", try_create(path("tree/scratch/x")));
        rep.put("scratch_type", fs_type(path("tree/scratch")));
      },
      {}, options);
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("other"), "EROFS");
  EXPECT_EQ(r.get("hole"), "OK");
  EXPECT_EQ(r.get("bound"), "OK");
  EXPECT_EQ(r.get("scratch"), "OK");
  EXPECT_EQ(r.get("scratch_type"), "tmpfs");
  // The hole and the bind are the host's directories.
  EXPECT_TRUE(std::filesystem::exists(path("tree/hole/x")));
  EXPECT_TRUE(std::filesystem::exists(path("src/x")));
}

TEST_P(ReadOnlyTest, RemountReadWriteRefusedFromUserNamespace) {
  mkdirs("tree");
  MountOptions options;
  options.force_legacy = GetParam();
  Plan plan = make_plan(std::string(kNoDefaults) + "read_only = " + path("tree") + "\n");
  auto r = apply(
      plan,
      [&](Reporter& rep) {
        // What a daemon with user namespaces could try: all capabilities in a new user
        // namespace, then a remount without MS_RDONLY. The flag must be locked.
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
          rep.put("userns", errno_name(errno));
          return;
        }
        rep.put("userns", "OK");
        int rc = mount(nullptr, path("tree").c_str(), nullptr, MS_REMOUNT | MS_BIND, nullptr);
        rep.put("remount", rc == 0 ? "OK" : errno_name(errno));
        rep.put("write", try_create(path("tree/x")));
      },
      {}, options);
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  if (r.get("userns") != "OK") GTEST_SKIP() << "no user namespaces here: " << r.get("userns");
  EXPECT_EQ(r.get("remount"), "EPERM");
  EXPECT_NE(r.get("write"), "OK");
  EXPECT_FALSE(std::filesystem::exists(path("tree/x")));
}

INSTANTIATE_TEST_SUITE_P(MountSetattrAndLegacy, ReadOnlyTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? std::string("Legacy") : std::string("Modern");
                         });

// ---------------------------------------------------------------- mask, inaccessible

TEST_F(MountApplyTest, MaskFileAndDirectory) {
  mkdirs("d");
  write_file(path("f"), "hidden");
  write_file(path("d/inner"), "hidden");
  Plan plan = make_plan(std::string(kNoDefaults) + "mask = " + path("f") + " " + path("d") + "\n");
  auto r = apply(plan, [&](Reporter& rep) {
    rep.put("f_content", content_of(path("f")));
    rep.put("f_stat", stat_of(path("f")));
    rep.put("d_list", listing(path("d")));
    rep.put("d_type", fs_type(path("d")));
    rep.put("d_write", try_create(path("d/x")));
  });
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("f_content"), "");
  EXPECT_EQ(r.get("f_stat").substr(r.get("f_stat").size() - 7), "chr 1:3");
  EXPECT_EQ(r.get("d_list"), "");
  EXPECT_EQ(r.get("d_type"), "tmpfs");
  EXPECT_EQ(r.get("d_write"), "EROFS");
  EXPECT_EQ(read_file(path("f")), "hidden");
}

TEST_F(MountApplyTest, InaccessibleDirectory) {
  mkdirs("d");
  write_file(path("d/inner"), "hidden");
  Plan plan = make_plan(std::string(kNoDefaults) + "inaccessible = " + path("d") + "\n");
  auto r = apply(plan, [&](Reporter& rep) {
    rep.put("stat", stat_of(path("d")));
    rep.put("list", listing(path("d")));
    rep.put("flags", vfs_flags(path("d")));
  });
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("stat"), "0 0 0 dir");
  EXPECT_EQ(r.get("list"), "");  // root, with CAP_DAC_OVERRIDE, finds it empty
  EXPECT_EQ(r.get("flags").substr(0, 2), "ro");
}

// Every empty directory of one kind is the same tmpfs (one superblock, cloned), as systemd binds
// its one inaccessible directory: still empty, read-only and full at each place, for root too.
TEST_F(MountApplyTest, EmptyDirectoriesShareOneFileSystemPerKind) {
  for (const char* d : {"i1", "i2", "m1", "m2"}) {
    mkdirs(d);
    write_file(path(std::string(d) + "/inner"), "hidden");
  }
  Plan plan = make_plan(std::string(kNoDefaults) + "inaccessible = " + path("i1") + " " +
                        path("i2") + "\nmask = " + path("m1") + " " + path("m2") + "\n");
  auto r = apply(plan, [&](Reporter& rep) {
    auto dev = [&](const char* d) {
      struct stat st;
      return stat(path(d).c_str(), &st) == 0 ? std::to_string(st.st_dev) : errno_name(errno);
    };
    rep.put("same_inaccessible", dev("i1") == dev("i2") ? "yes" : "no");
    rep.put("same_mask", dev("m1") == dev("m2") ? "yes" : "no");
    rep.put("kinds_apart", dev("i1") != dev("m1") ? "yes" : "no");
    for (const char* d : {"i1", "i2", "m1", "m2"}) {
      rep.put(std::string(d) + "_list", listing(path(d)));
      rep.put(std::string(d) + "_flags", vfs_flags(path(d)));
      rep.put(std::string(d) + "_write", try_create(path(std::string(d) + "/x")));
    }
    // Writable again at one place, the shared tmpfs still has no inode to give.
    rep.put("remount",
            mount(nullptr, path("m1").c_str(), nullptr, MS_REMOUNT | MS_BIND, nullptr) == 0
                ? "OK"
                : errno_name(errno));
    rep.put("m1_write_rw", try_create(path("m1/x")));
    rep.put("m2_after", listing(path("m2")));
  });
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("same_inaccessible"), "yes");
  EXPECT_EQ(r.get("same_mask"), "yes");
  EXPECT_EQ(r.get("kinds_apart"), "yes");
  for (const char* d : {"i1", "i2", "m1", "m2"}) {
    EXPECT_EQ(r.get(std::string(d) + "_list"), "") << d;
    EXPECT_EQ(r.get(std::string(d) + "_flags").substr(0, 2), "ro") << d;
    EXPECT_EQ(r.get(std::string(d) + "_write"), "EROFS") << d;
  }
  EXPECT_EQ(r.get("remount"), "OK");
  EXPECT_EQ(r.get("m1_write_rw"), "ENOSPC");
  EXPECT_EQ(r.get("m2_after"), "");
}

TEST_F(MountApplyTest, InaccessibleFile) {
  write_file(path("f"), "hidden");
  Plan plan = make_plan(std::string(kNoDefaults) + "inaccessible = " + path("f") + "\n");
  auto r = apply(plan, [&](Reporter& rep) {
    rep.put("stat", stat_of(path("f")));
    rep.put("content", content_of(path("f")));
    rep.put("flags", vfs_flags(path("f")));
  });
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("stat"), "0 0 0 reg");
  EXPECT_EQ(r.get("content"), "");
  EXPECT_EQ(r.get("flags").substr(0, 2), "ro");
  EXPECT_EQ(read_file(path("f")), "hidden");
}

// ---------------------------------------------------------------- tmpfs, bind

TEST_F(MountApplyTest, TmpfsOptions) {
  Plan plan = make_plan(std::string(kNoDefaults) + "tmpfs = " + path("t") +
                        ":mode=0700,size=1m,noexec,uid=65534,gid=65534\n" + "tmpfs = " + path("r") +
                        ":ro\n" + "tmpfs = " + path("plain") + "\n");
  auto r = apply(plan, [&](Reporter& rep) {
    rep.put("t_type", fs_type(path("t")));
    rep.put("t_stat", stat_of(path("t")));
    rep.put("t_size", fs_size(path("t")));
    rep.put("t_flags", vfs_flags(path("t")));
    rep.put("r_write", try_create(path("r/x")));
    rep.put("r_type", fs_type(path("r")));
    rep.put("plain_stat", stat_of(path("plain")));
    rep.put("plain_flags", vfs_flags(path("plain")));
  });
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("t_type"), "tmpfs");
  EXPECT_EQ(r.get("t_stat"), "700 65534 65534 dir");
  EXPECT_EQ(r.get("t_size"), "1048576");
  EXPECT_EQ(r.get("t_flags"), "rw,nosuid,nodev,noexec");
  EXPECT_EQ(r.get("r_write"), "EROFS");
  EXPECT_EQ(r.get("r_type"), "tmpfs");
  EXPECT_EQ(r.get("plain_stat"), "755 0 0 dir");
  EXPECT_EQ(r.get("plain_flags"), "rw,nosuid,nodev");
  // The mount points were created on the host, empty.
  EXPECT_TRUE(std::filesystem::is_empty(path("t")));
}

TEST_F(MountApplyTest, BindReadOnlyAndWritable) {
  mkdirs("src");
  write_file(path("src/file"), "bound");
  Plan plan = make_plan(std::string(kNoDefaults) + "bind = " + path("src") + ":" + path("ro") +
                        ":ro\n" + "bind = " + path("src") + ":" + path("rw") + "\n" +
                        "bind = " + path("src/file") + ":" + path("file") + ":ro\n");
  auto r = apply(plan, [&](Reporter& rep) {
    rep.put("ro_read", content_of(path("ro/file")));
    rep.put("ro_write", try_create(path("ro/new")));
    rep.put("ro_flags", vfs_flags(path("ro")));
    rep.put("rw_write", try_create(path("rw/from-rw")));
    rep.put("file", content_of(path("file")));
    rep.put("file_flags", vfs_flags(path("file")));
  });
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("ro_read"), "bound");
  EXPECT_EQ(r.get("ro_write"), "EROFS");
  EXPECT_EQ(r.get("ro_flags").substr(0, 2), "ro");
  EXPECT_EQ(r.get("rw_write"), "OK");
  EXPECT_EQ(r.get("file"), "bound");
  EXPECT_EQ(r.get("file_flags").substr(0, 2), "ro");
  EXPECT_TRUE(std::filesystem::exists(path("src/from-rw")));
  EXPECT_FALSE(std::filesystem::exists(path("src/new")));
}

// A read-only tmpfs takes mount points below it: it becomes read-only after they are made.
TEST_F(MountApplyTest, ReadOnlyTmpfsTakesMountPointsBelowIt) {
  Plan plan = make_plan(std::string(kNoDefaults) + "tmpfs = " + path("r") + ":ro\n" +
                        "tmpfs = " + path("r/sub/deeper") + "\n");
  auto r = apply(plan, [&](Reporter& rep) {
    rep.put("r_write", try_create(path("r/x")));
    rep.put("sub_type", fs_type(path("r/sub/deeper")));
    rep.put("sub_write", try_create(path("r/sub/deeper/x")));
    rep.put("sub_stat", stat_of(path("r/sub")));
  });
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("r_write"), "EROFS");
  EXPECT_EQ(r.get("sub_type"), "tmpfs");
  EXPECT_EQ(r.get("sub_write"), "OK");
  EXPECT_EQ(r.get("sub_stat"), "755 0 0 dir");
}

// --verify probes every place where a hidden path can be reached: applied without the entry
// the plan derives below a bind of the hidden file's directory, the row fails; with it, it
// passes. The bind's target sorts before the hidden path, the order that used to leak.
// The --verify probe's row that contains `property`, run where the test stands (its rows go
// to stdout: into a file of the sandbox's own).
std::string probe_row(const Plan& plan, const std::string& property) {
  int fd = memfd_create("verify", MFD_CLOEXEC);
  fflush(stdout);
  int saved = dup(1);
  dup2(fd, 1);
  run_probe(plan, record_host_facts(), 0);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  std::string text;
  char buf[4096];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  close(fd);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.find(property) != std::string::npos) return line;
  return "<no row>";
}

TEST_F(MountApplyTest, VerifyProbesHiddenPathThroughABindOfItsDirectory) {
  mkdirs("m/priv");
  write_file(path("m/priv/file"), "jh-it-hidden");
  Plan plan = make_plan(std::string(kNoDefaults) + "bind = " + path("m/priv") + ":" + path("a") +
                        "\ninaccessible = " + path("m/priv/file") + "\n");
  const std::string place = path("a/file");
  Plan without = plan;
  std::erase_if(without.mounts, [&](const MountEntry& e) { return e.target == place; });
  ASSERT_EQ(without.mounts.size() + 1, plan.mounts.size()) << "no entry derived at " << place;
  for (size_t i = 0; i < without.mounts.size(); ++i) without.mounts[i].holes.clear();
  for (bool derived : {false, true}) {
    auto r = apply(derived ? plan : without, [&](Reporter& rep) {
      rep.put("content", content_of(place));
      rep.put("row", probe_row(plan, place + " is inaccessible"));
    });
    ASSERT_EQ(r.get("applied"), "yes") << r.raw;
    if (derived) {
      EXPECT_EQ(r.get("content"), "");
      EXPECT_EQ(r.get("row").substr(0, 4), "PASS") << r.get("row");
    } else {
      EXPECT_EQ(r.get("content"), "jh-it-hidden");
      EXPECT_EQ(r.get("row").substr(0, 4), "FAIL") << r.get("row");
    }
  }
}

// A read-only device node: writing to the device works on a read-only mount, so the probe's
// row tries to change the node itself (its own mode again), which the mount refuses; made
// writable again, the row fails.
TEST_F(MountApplyTest, VerifyProbesAReadOnlyDeviceNodeByChangingIt) {
  ASSERT_EQ(mknod(path("node").c_str(), S_IFCHR, makedev(1, 3)), 0) << errno_name(errno);
  ASSERT_EQ(chmod(path("node").c_str(), 0666), 0) << errno_name(errno);
  Plan plan = make_plan(std::string(kNoDefaults) + "read_only = " + path("node") + "\n");
  for (bool undone : {false, true}) {
    auto r = apply(plan, [&](Reporter& rep) {
      if (undone && mount(nullptr, path("node").c_str(), nullptr, MS_REMOUNT | MS_BIND, nullptr))
        rep.put("undo", errno_name(errno));
      rep.put("row", probe_row(plan, path("node") + " is read-only"));
    });
    ASSERT_EQ(r.get("applied"), "yes") << r.raw;
    EXPECT_EQ(r.get("undo"), "<missing>");
    EXPECT_EQ(r.get("row").substr(0, 4), undone ? "FAIL" : "PASS") << r.get("row");
    EXPECT_NE(r.get("row").find(undone ? "write: success" : "write: Read-only file system"),
              std::string::npos)
        << r.get("row");
  }
  EXPECT_EQ(stat_of(path("node")), "666 0 0 chr 1:3");
}

// The node's name swapped for a symlink between the probe's lstat and its write (by anyone who
// can write the directory on the host, where the target is no mount point): the mode of what
// the link points to is never set.
TEST_F(MountApplyTest, ProbeSetsTheModeOfTheNodeItSawNeverOfASymlinksTarget) {
  ASSERT_EQ(mknod(path("node").c_str(), S_IFIFO | 0600, 0), 0) << errno_name(errno);
  write_file(path("victim"), "", 0700);
  ASSERT_EQ(symlink(path("victim").c_str(), path("link").c_str()), 0);
  struct stat seen {};
  ASSERT_EQ(lstat(path("node").c_str(), &seen), 0);
  EXPECT_EQ(set_own_mode(path("node"), seen), 0);
  ASSERT_EQ(
      renameat2(AT_FDCWD, path("node").c_str(), AT_FDCWD, path("link").c_str(), RENAME_EXCHANGE), 0)
      << errno_name(errno);
  EXPECT_EQ(set_own_mode(path("node"), seen), ESTALE);
  EXPECT_EQ(stat_of(path("victim")), "700 0 0 reg");
}

// ---------------------------------------------------------------- secrets

std::vector<Secret> one_secret(const std::string& name, const std::string& bytes) {
  std::vector<Secret> v(1);
  v[0].name = name;
  v[0].source_display = "(test)";
  v[0].host_path = "/jh-it-no-such-source";
  v[0].bytes.data() = bytes;
  return v;
}

TEST_F(MountApplyTest, SecretsModeOwnerReadOnlyNoexec) {
  auto secrets = one_secret("key", "s3cr3t-bytes");
  Identity owner;
  owner.secrets_uid = 65534;
  owner.secrets_gid = 65534;
  Plan plan = make_plan(
      std::string(kNoDefaults) + "[secrets]\ndirectory = " + path("secrets") + "\nmode = 0440\n",
      secrets, owner);
  auto r = apply(
      plan,
      [&](Reporter& rep) {
        rep.put("content", content_of(path("secrets/key")));
        rep.put("file", stat_of(path("secrets/key")));
        rep.put("dir", stat_of(path("secrets")));
        rep.put("flags", vfs_flags(path("secrets")));
        rep.put("type", fs_type(path("secrets")));
        rep.put("list", listing(path("secrets")));
        rep.put("write", try_create(path("secrets/new")));
        rep.put("wiped",
                secrets[0].bytes.data().find("s3cr3t") == std::string::npos ? "yes" : "no");
      },
      {}, MountOptions{}, &secrets);
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("content"), "s3cr3t-bytes");
  EXPECT_EQ(r.get("file"), "440 65534 65534 reg");
  EXPECT_EQ(r.get("dir"), "500 65534 65534 dir");
  EXPECT_EQ(r.get("flags"), "ro,nosuid,nodev,noexec");
  EXPECT_EQ(r.get("type"), "tmpfs");
  EXPECT_EQ(r.get("list"), "key");
  EXPECT_EQ(r.get("write"), "EROFS");
  EXPECT_EQ(r.get("wiped"), "yes") << "the secret bytes stay in jharden's memory";
  // Nothing of the secret reached the host's directory.
  EXPECT_TRUE(std::filesystem::is_empty(path("secrets")));
}

// kNoDefaults with the private /dev, whose node the inaccessible files are bound from.
std::string with_private_dev() {
  std::string text = kNoDefaults;
  text.replace(text.find("private_dev = no"), 16, "private_dev = yes");
  return text;
}

std::vector<Secret> secret_from(const std::string& host_path) {
  auto secrets = one_secret("key", "s3cr3t-bytes");
  secrets[0].host_path = host_path;
  return secrets;
}

// With the private /dev, an inaccessible file is bound from a node of its tmpfs that the
// devpts mount covers: the same protection, nothing of it reachable in /dev, and no scratch
// tmpfs to detach (a detach waits for an RCU grace period).
TEST_F(MountApplyTest, InaccessibleFileComesFromACoveredNodeOfThePrivateDev) {
  write_file(path("f"), "hidden");
  Plan plan = make_plan(with_private_dev() + "inaccessible = " + path("f") + "\n");
  auto r = apply(plan, [&](Reporter& rep) {
    struct stat f {};
    struct stat dev {};
    bool both = stat(path("f").c_str(), &f) == 0 && stat("/dev", &dev) == 0;
    rep.put("stat", stat_of(path("f")));
    rep.put("content", content_of(path("f")));
    rep.put("flags", vfs_flags(path("f")));
    rep.put("write", try_create(path("f")));
    rep.put("from_dev", both && f.st_dev == dev.st_dev ? "yes" : "no");
    rep.put("links", both ? std::to_string(f.st_nlink) : "ERR");
    rep.put("listed", listing("/dev") + "," + listing("/dev/pts") + "," + listing("/dev/shm"));
  });
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("stat"), "0 0 0 reg");
  EXPECT_EQ(r.get("content"), "");
  EXPECT_EQ(r.get("flags"), "ro,nosuid,nodev,noexec");
  EXPECT_EQ(r.get("write"), "EROFS");
  EXPECT_EQ(r.get("from_dev"), "yes");
  EXPECT_EQ(r.get("links"), "1");
  EXPECT_EQ(r.get("listed").find("inaccessible"), std::string::npos) << r.get("listed");
  EXPECT_EQ(read_file(path("f")), "hidden");
}

// The private /dev's nodes are made with mknod by their numbers, in the /dev tmpfs (nothing is
// mounted there). Without CAP_MKNOD, each is the host's node bound there read-only instead.
TEST_F(MountApplyTest, DevNodesAreMadeByNumberOrBoundFromTheHostWithoutCapMknod) {
  Plan plan = make_plan(with_private_dev());
  for (bool mknod : {true, false}) {
    auto r = apply(
        plan,
        [&](Reporter& rep) {
          struct stat dev {};
          stat("/dev", &dev);
          for (const DevNode& n : kPrivateDevNodes) {
            const std::string p = std::string("/dev/") + n.name;
            struct stat st {};
            const bool own = stat(p.c_str(), &st) == 0 && st.st_dev == dev.st_dev;
            rep.put(n.name, stat_of(p) + (own ? " in /dev" : " bound") + " " + vfs_flags(p) + " " +
                                try_chmod(p));
          }
        },
        [&] {
          if (!mknod) drop_effective(CAP_MKNOD);
        });
    ASSERT_EQ(r.get("applied"), "yes") << r.raw;
    const std::string how = mknod ? " in /dev" : " bound";
    for (const DevNode& n : kPrivateDevNodes)
      EXPECT_EQ(r.get(n.name), "666 0 0 chr " + std::to_string(n.major) + ":" +
                                   std::to_string(n.minor) + how + " ro,nosuid,noexec EROFS")
          << "mknod " << mknod;
  }
}

// A secret's source inside a directory bound elsewhere: the bind's copy carries the file that
// hides the source, and what the policy puts at its place in the bound view (hidden again,
// an optional file of its own) still goes on top. The hiding file must stay one the kernel
// mounts on, copies of it included.
TEST_F(MountApplyTest, HiddenSourceInsideABoundDirectoryTakesWhatThePolicyPutsOnTop) {
  mkdirs("a");
  mkdirs("z");
  write_file(path("a/key"), "hidden");
  write_file(path("dummy"), "dummy");
  for (const std::string& over : {"inaccessible = " + path("z/key"),
                                  "bind = -" + path("dummy") + ":" + path("z/key") + ":ro"}) {
    auto secrets = secret_from(path("a/key"));
    Plan plan = make_plan(
        with_private_dev() + "bind = " + path("a") + ":" + path("z") + "\n" + over + "\n", secrets);
    auto r = apply(
        plan,
        [&](Reporter& rep) {
          rep.put("a_key", stat_of(path("a/key")) + " " + content_of(path("a/key")));
          rep.put("z_key", stat_of(path("z/key")) + " " + content_of(path("z/key")));
        },
        {}, MountOptions{}, &secrets);
    ASSERT_EQ(r.get("applied"), "yes") << over << "\n" << r.raw;
    EXPECT_EQ(r.get("a_key"), "0 0 0 reg ") << over;
    EXPECT_EQ(r.get("z_key"), over.starts_with("bind") ? "644 0 0 reg dummy" : "0 0 0 reg ")
        << over;
  }
}

// A secret's source bound elsewhere as it is, at a place sorted before the source (the bind
// is made before the hiding mount exists) and after it: hidden at both.
TEST_F(MountApplyTest, HiddenSourceBoundElsewhereIsHiddenThereToo) {
  write_file(path("key"), "hidden");
  write_file(path("copy"), "");
  write_file(path("zcopy"), "");
  auto secrets = secret_from(path("key"));
  Plan plan = make_plan(with_private_dev() + "bind = " + path("key") + ":" + path("copy") + " " +
                            path("key") + ":" + path("zcopy") + "\n",
                        secrets);
  auto r = apply(
      plan,
      [&](Reporter& rep) {
        for (const char* place : {"copy", "zcopy"})
          rep.put(place, stat_of(path(place)) + " " + content_of(path(place)));
      },
      {}, MountOptions{}, &secrets);
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("copy"), "0 0 0 reg ");
  EXPECT_EQ(r.get("zcopy"), "0 0 0 reg ");
}

TEST_F(MountApplyTest, SecretsDefaultModeForRoot) {
  auto secrets = one_secret("db", "x");
  Plan plan =
      make_plan(std::string(kNoDefaults) + "[secrets]\ndirectory = " + path("s") + "\n", secrets);
  auto r = apply(
      plan,
      [&](Reporter& rep) {
        rep.put("file", stat_of(path("s/db")));
        rep.put("dir", stat_of(path("s")));
      },
      {}, MountOptions{}, &secrets);
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("file"), "400 0 0 reg");
  EXPECT_EQ(r.get("dir"), "500 0 0 dir");
}

// ---------------------------------------------------------------- root= (pivot_root)

TEST_F(MountApplyTest, RootPivotDetachesOldRoot) {
  for (const char* d : {"root/proc", "root/dev", "root/sys", "root/tmp", "root/usr"}) mkdirs(d);
  write_file(path("host-only"), "host");
  // The host's "/" mount: its device and mount root, which must not be found afterwards.
  std::string host_root;
  {
    std::istringstream in(mount_table());
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string id, parent, dev, root, point;
      f >> id >> parent >> dev >> root >> point;
      if (point == "/") host_root = dev + " " + root;
    }
  }
  Plan plan = make_plan("[filesystem]\nroot = " + path("root") + "\n");
  auto r = apply(plan, [&](Reporter& rep) {
    char cwd[4096];
    rep.put("cwd", getcwd(cwd, sizeof cwd) ? cwd : "ERR");
    rep.put("host_only", stat_of(path("host-only")));
    rep.put("proc", fs_type("/proc"));
    rep.put("sys", fs_type("/sys"));
    rep.put("sys_flags", vfs_flags("/sys"));
    rep.put("dev_null", stat_of("/dev/null"));
    rep.put("tmp", fs_type("/tmp"));
    rep.put("usr_write", try_create("/usr/x"));
    std::istringstream in(content_of("/proc/self/mountinfo"));
    std::string line, old;
    int count = 0;
    while (std::getline(in, line)) {
      ++count;
      std::istringstream f(line);
      std::string id, parent, dev, root, point;
      f >> id >> parent >> dev >> root >> point;
      if (dev + " " + root == host_root) old += point + " ";
    }
    rep.put("old_root_mounts", old);
    rep.put("mounts", std::to_string(count));
  });
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("cwd"), "/");
  EXPECT_EQ(r.get("host_only"), "ERR:ENOENT");
  EXPECT_EQ(r.get("proc"), "proc");
  EXPECT_EQ(r.get("sys"), "sysfs");
  EXPECT_EQ(r.get("sys_flags").substr(0, 2), "ro");
  EXPECT_EQ(r.get("dev_null").substr(r.get("dev_null").size() - 7), "chr 1:3");
  EXPECT_EQ(r.get("tmp"), "tmpfs");
  EXPECT_EQ(r.get("usr_write"), "EROFS");
  EXPECT_EQ(r.get("old_root_mounts"), "") << "the old root is still attached";
  EXPECT_FALSE(std::filesystem::exists(path("root/usr/x")));
}

// ---------------------------------------------------------------- refusals

TEST_F(MountApplyTest, SymlinkedTargetRefusedWith226) {
  mkdirs("victim");
  std::filesystem::create_directory_symlink(path("victim"), path("link"));
  Plan plan = make_plan(std::string(kNoDefaults) + "tmpfs = " + path("link/sub") + "\n");
  auto r = apply(plan, [](Reporter&) {});
  EXPECT_EQ(r.get("applied"), "<missing>");
  EXPECT_EQ(r.get("step_error_code"), "226") << r.raw;
  EXPECT_NE(r.get("step_error").find(path("link")), std::string::npos) << r.raw;
  EXPECT_FALSE(std::filesystem::exists(path("victim/sub"))) << "created through the symlink";
}

TEST_F(MountApplyTest, SymlinkedBindTargetRefusedWith226) {
  mkdirs("victim");
  mkdirs("src");
  std::filesystem::create_directory_symlink(path("victim"), path("link"));
  Plan plan =
      make_plan(std::string(kNoDefaults) + "bind = " + path("src") + ":" + path("link") + "\n");
  auto r = apply(plan, [](Reporter&) {});
  EXPECT_EQ(r.get("step_error_code"), "226") << r.raw;
}

TEST_F(MountApplyTest, SymlinkInsideNewRootRefusedWith226) {
  mkdirs("root/tmp");
  mkdirs("victim");
  std::filesystem::create_directory_symlink(path("victim"), path("root/data"));
  Plan plan = make_plan("[filesystem]\nroot = " + path("root") + "\ntmpfs = /data\n");
  auto r = apply(plan, [](Reporter&) {});
  EXPECT_EQ(r.get("step_error_code"), "226") << r.raw;
}

TEST_F(MountApplyTest, MissingReadOnlyPathIs226UnlessOptional) {
  Plan plan = make_plan(std::string(kNoDefaults) + "read_only = " + path("missing") + "\n");
  auto r = apply(plan, [](Reporter&) {});
  EXPECT_EQ(r.get("step_error_code"), "226") << r.raw;
  EXPECT_NE(r.get("step_error").find(path("missing")), std::string::npos) << r.raw;

  Plan optional = make_plan(std::string(kNoDefaults) + "read_only = -" + path("missing") + "\n");
  auto r2 = apply(optional, [](Reporter&) {});
  EXPECT_EQ(r2.get("applied"), "yes") << r2.raw;
}

TEST_F(MountApplyTest, FakeDevNullRefused) {
  write_file(path("fake-null"), "writable", 0666);
  Plan plan = make_plan("");
  auto r = run_in_child([&](Reporter& rep) {
    enter_private_namespace();
    must_mount(path("fake-null").c_str(), "/dev/null", nullptr, MS_BIND, nullptr);
    MountSources sources = open_mount_sources(plan);
    rep.put("opened", "yes");
  });
  EXPECT_EQ(r.get("opened"), "<missing>");
  EXPECT_EQ(r.get("step_error_code"), "226") << r.raw;
  EXPECT_EQ(read_file(path("fake-null")), "writable");
}

// ---------------------------------------------------------------- the whole default plan

TEST_F(MountApplyTest, DefaultPlanBaseline) {
  Plan plan = make_plan("");
  auto r = apply(plan, [&](Reporter& rep) {
    rep.put("usr", try_create("/usr/jh-it-probe"));
    rep.put("etc", try_create("/etc/jh-it-probe"));
    rep.put("tmp_type", fs_type("/tmp"));
    rep.put("tmp", listing("/tmp"));
    rep.put("tmp_stat", stat_of("/tmp"));
    rep.put("loadavg", content_of("/proc/loadavg"));
    rep.put("dev", listing("/dev"));
    rep.put("proc_sys", vfs_flags("/proc/sys"));
    rep.put("sys", vfs_flags("/sys"));
  });
  ASSERT_EQ(r.get("applied"), "yes") << r.raw;
  EXPECT_EQ(r.get("usr"), "EROFS");
  EXPECT_EQ(r.get("etc"), "EROFS");
  EXPECT_EQ(r.get("tmp_type"), "tmpfs");
  EXPECT_EQ(r.get("tmp"), "");
  EXPECT_EQ(r.get("tmp_stat"), "1777 0 0 dir");
  EXPECT_EQ(r.get("loadavg"), "");
  EXPECT_EQ(r.get("dev"), "fd,full,null,ptmx,pts,random,shm,stderr,stdin,stdout,tty,urandom,zero");
  EXPECT_EQ(r.get("proc_sys").substr(0, 2), "ro");
  EXPECT_EQ(r.get("sys").substr(0, 2), "ro");
  EXPECT_FALSE(std::filesystem::exists("/usr/jh-it-probe"));
}

// ---------------------------------------------------------------- propagation

// systemd makes "/" shared. In a namespace of this test whose mounts are shared (a peer group
// of its own, so the host is never at risk), a second namespace applies a plan: nothing of it
// may appear in the first (jharden makes "/" slave or private before its first mount).
TEST_F(MountApplyTest, NothingPropagatesFromASharedRoot) {
  for (const char* prop : {"slave", "private"}) {
    SCOPED_TRACE(prop);
    Plan plan = make_plan(std::string("[filesystem]\npropagation = ") + prop +
                          "\ntmpfs = " + path(std::string("t-") + prop) + "\n");
    auto r = run_in_child([&](Reporter& rep) {
      enter_private_namespace();
      must_mount(nullptr, "/", nullptr, MS_REC | MS_SHARED, nullptr);
      std::string before = mount_table();
      auto inner = run_in_child([&](Reporter& inner_rep) {
        if (unshare(CLONE_NEWNS) != 0) throw std::runtime_error("unshare");
        MountSources sources = open_mount_sources(plan);
        std::vector<Secret> none;
        apply_mounts(plan, sources, none, MountOptions{});
        inner_rep.put("applied", "yes");
      });
      rep.put("inner", inner.get("applied") + " " + inner.get("step_error"));
      rep.put("outer_unchanged", before == mount_table() ? "yes" : "no");
    });
    EXPECT_EQ(r.get("inner"), "yes <missing>") << r.raw;
    EXPECT_EQ(r.get("outer_unchanged"), "yes") << r.raw;
  }
}

}  // namespace
}  // namespace jharden
