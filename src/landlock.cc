#include "landlock.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "error.h"
#include "mount_apply.h"
#include "paths.h"
#include "plan.h"
#include "unique_fd.h"

namespace jharden {
namespace {

// Opening a file for writing: what a kWriteOnly rule grants.
constexpr uint64_t kWriteRights = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
// The rights a rule on a file (not a directory) may carry.
constexpr uint64_t kFileRights = kWriteRights | LANDLOCK_ACCESS_FS_IOCTL_DEV;

// What a mount entry means for the writable locations.
enum class Role {
  kWritable,  // writes allowed beneath it (unless a read-only tree lies below)
  kExcluded,  // a read-only tree of existing files: Landlock must not grant it
  kNeutral,   // a fresh read-only file system (or /dev/null): read-only by its own mount,
              // which no file handle or host mount can get around (an inaccessible file of
              // the private /dev's tmpfs has only the read-only /dev besides); grants above it
              // are harmless
};

Role role_of(const MountEntry& e) {
  switch (e.kind) {
    case MountKind::kReadOnly:
      return Role::kExcluded;
    case MountKind::kBind:
      return e.read_only ? Role::kExcluded : Role::kWritable;
    case MountKind::kReadWrite:
      return Role::kWritable;
    case MountKind::kTmpfs:
    case MountKind::kProc:
      return e.read_only ? Role::kNeutral : Role::kWritable;
    case MountKind::kPrivateDev:
      // A fresh, read-only tmpfs with writable /dev/shm and /dev/pts: granted whole, its mounts
      // decide, and opening a device for writing works as on any read-only mount.
      return Role::kWritable;
    default:
      return Role::kNeutral;
  }
}

std::string child_path(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

// The name of the entry of `dir` on the way to `path`, which lies strictly below it.
std::string first_component(const std::string& path, const std::string& dir) {
  std::string rel = path.substr(dir == "/" ? 1 : dir.size() + 1);
  return rel.substr(0, rel.find('/'));
}

// The rules so far, by path, so that a lookup costs the depth of the path, not the number of
// rules (a policy may hold thousands of entries).
class RuleIndex {
 public:
  explicit RuleIndex(std::vector<LandlockRule>& rules) : rules_(rules) {}

  void add(LandlockRule rule) {
    at_.emplace(rule.path, rules_.size());
    rules_.push_back(std::move(rule));
  }

  // Whether `path` lies beneath a rule that grants every handled right there.
  bool covered(const std::string& path) const {
    for (std::string a = path;;) {
      if (auto it = at_.find(a); it != at_.end()) {
        const LandlockRule& r = rules_[it->second];
        if (r.kind == LandlockRule::Kind::kBeneath) return true;
        if (r.kind == LandlockRule::Kind::kEntries && a != path &&
            !std::binary_search(r.except.begin(), r.except.end(), first_component(path, a)))
          return true;
      }
      if (a == "/") return false;
      size_t slash = a.rfind('/');
      a = slash == 0 ? "/" : a.substr(0, slash);
    }
  }

 private:
  std::vector<LandlockRule>& rules_;
  std::map<std::string, size_t> at_;
};

long landlock_create_ruleset(const void* attr, size_t size, uint32_t flags) {
  return syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

class RulesetBuilder {
 public:
  RulesetBuilder(uint64_t handled, uint64_t scoped) : handled_(handled) {
    // Without scopes only handled_access_fs: a shorter attribute is accepted by every ABI.
    struct {
      uint64_t handled_access_fs;
      uint64_t handled_access_net;
      uint64_t scoped;
    } attr{handled, 0, scoped};
    const size_t size = scoped ? sizeof attr : sizeof attr.handled_access_fs;
    fd_.reset(static_cast<int>(landlock_create_ruleset(&attr, size, 0)));
    if (!fd_) fail_errno(kExitNamespace, "landlock", "create the ruleset");
  }

  // `listed`: the S_IFMT bits of fd's file as its directory listed it (d_type), or 0. The rule
  // is made from them; only a rule the kernel refuses (directory rights on what is no longer
  // a directory: the entry was swapped since) looks at fd itself. A swap can only leave an
  // entry fewer rights (a directory taken for a file or a symlink), never more.
  void add(int fd, uint64_t access, const std::string& path, mode_t listed = 0) {
    if (listed != 0 && try_add(fd, access, listed)) return;
    struct stat st;
    if (fstat(fd, &st) != 0) fail_errno(kExitNamespace, "landlock", "stat " + path);
    if (!try_add(fd, access, st.st_mode & S_IFMT))
      fail_errno(kExitNamespace, "landlock", "add a rule for " + path);
  }

  void restrict_self() {
    if (syscall(__NR_landlock_restrict_self, fd_.get(), 0) != 0)
      fail_errno(kExitNamespace, "landlock", "restrict_self");
  }

 private:
  bool try_add(int fd, uint64_t access, mode_t type) {
    if (S_ISLNK(type)) return true;  // access is checked on the target, never on a symlink
    access &= handled_;
    if (!S_ISDIR(type)) access &= kFileRights;
    if (access == 0) return true;
    struct landlock_path_beneath_attr pb {};
    pb.allowed_access = access;
    pb.parent_fd = fd;
    return syscall(__NR_landlock_add_rule, fd_.get(), LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == 0;
  }

  uint64_t handled_;
  unique_fd fd_;
};

}  // namespace

bool landlock_refuses_tty_ioctls(const LandlockPlan& plan) {
  return plan.keeps_device_ioctls() &&
         std::none_of(plan.rules.begin(), plan.rules.end(), [](const LandlockRule& r) {
           return r.kind == LandlockRule::Kind::kDevices && path_is_under("/dev/tty", r.path);
         });
}

const char* landlock_mode_name(LandlockMode mode) {
  switch (mode) {
    case LandlockMode::kAuto:
      return "auto";
    case LandlockMode::kYes:
      return "yes";
    case LandlockMode::kNo:
      return "no";
  }
  return "?";
}

const char* landlock_rule_kind_name(LandlockRule::Kind kind) {
  switch (kind) {
    case LandlockRule::Kind::kBeneath:
      return "beneath";
    case LandlockRule::Kind::kEntries:
      return "entries";
    case LandlockRule::Kind::kWriteOnly:
      return "write-only";
    case LandlockRule::Kind::kDevices:
      return "device";
  }
  return "?";
}

std::vector<std::string> landlock_access_names(uint64_t access) {
  static const std::pair<uint64_t, const char*> kNames[] = {
      {LANDLOCK_ACCESS_FS_WRITE_FILE, "write_file"},
      {LANDLOCK_ACCESS_FS_TRUNCATE, "truncate"},
      {LANDLOCK_ACCESS_FS_REMOVE_DIR, "remove_dir"},
      {LANDLOCK_ACCESS_FS_REMOVE_FILE, "remove_file"},
      {LANDLOCK_ACCESS_FS_MAKE_CHAR, "make_char"},
      {LANDLOCK_ACCESS_FS_MAKE_DIR, "make_dir"},
      {LANDLOCK_ACCESS_FS_MAKE_REG, "make_reg"},
      {LANDLOCK_ACCESS_FS_MAKE_SOCK, "make_sock"},
      {LANDLOCK_ACCESS_FS_MAKE_FIFO, "make_fifo"},
      {LANDLOCK_ACCESS_FS_MAKE_BLOCK, "make_block"},
      {LANDLOCK_ACCESS_FS_MAKE_SYM, "make_sym"},
      {LANDLOCK_ACCESS_FS_REFER, "refer"},
      {LANDLOCK_ACCESS_FS_IOCTL_DEV, "ioctl_dev"},
  };
  std::vector<std::string> out;
  for (const auto& [bit, name] : kNames)
    if (access & bit) out.emplace_back(name);
  return out;
}

namespace {

// The device ioctl rules (ABI 5). A session leader without a controlling terminal makes any
// terminal it opens (without O_NOCTTY) its controlling one, and /dev/tty then reaches that
// terminal under /dev's own path: with new_session, /dev/tty keeps no ioctl, so that a host
// terminal's node elsewhere, refused its ioctls, is not driven through it instead.
void add_device_rules(const std::vector<MountEntry>& mounts, bool tty_ioctls,
                      std::vector<LandlockRule>& rules) {
  auto add = [&rules](const std::string& path, bool optional) {
    rules.push_back({LandlockRule::Kind::kDevices, path, {}, optional, {}});
  };
  const auto dev = std::find_if(mounts.begin(), mounts.end(), [](const MountEntry& e) {
    return e.kind == MountKind::kPrivateDev && e.target == "/dev";
  });
  if (dev == mounts.end()) {
    add("/dev", true);  // the host's (or the new root's own)
  } else {
    for (const auto& sub : dev->submounts)
      if (sub.fs_type != "tmpfs" && (tty_ioctls || sub.name != "tty"))
        add(child_path("/dev", sub.name), true);
  }
  for (const auto& e : mounts) {
    const bool under_dev = e.target != "/dev" && path_is_under(e.target, "/dev");
    const bool placed = e.kind == MountKind::kBind || e.kind == MountKind::kReadWrite ||
                        e.kind == MountKind::kReadOnly;
    if (dev != mounts.end() && under_dev && placed)
      add(e.target, true);  // the mount says whether it must exist
    else if (!under_dev && e.kind == MountKind::kBind && e.device)
      add(e.target, e.optional);
  }
}

}  // namespace

std::vector<LandlockRule> landlock_rules(const std::vector<MountEntry>& mounts, uint64_t handled,
                                         bool tty_ioctls) {
  struct Node {
    std::string path;
    Role role;
    bool optional;
  };
  std::vector<Node> nodes;
  // The tree the daemon sees (the host's, or the new root) is writable where nothing else
  // says otherwise.
  if (std::none_of(mounts.begin(), mounts.end(),
                   [](const MountEntry& e) { return e.target == "/"; }))
    nodes.push_back({"/", Role::kWritable, false});
  // procfs and sysfs make their entries as processes come and go: they cannot be listed once
  // and granted entry by entry (the daemon's later children would lose their own /proc/self),
  // so read-only trees inside them (/proc/sys ...) are left to their mounts. No file handle
  // opens a procfs or sysfs file; a host mount arriving there later (binfmt_misc) is kept out
  // by propagation = private or a PID namespace's fresh procfs, as jharden.conf(5) says.
  std::vector<std::string> api = {"/proc", "/sys"};
  for (const auto& e : mounts) {
    nodes.push_back({e.target, role_of(e), e.optional});
    if (e.kind == MountKind::kProc || e.kind == MountKind::kSysfs) api.push_back(e.target);
  }
  std::vector<std::string> excluded;  // in path order, as the nodes are
  std::map<std::string, Role> roles;
  for (const auto& n : nodes) {
    roles.emplace(n.path, n.role);
    if (n.role != Role::kExcluded) continue;
    bool in_api = std::any_of(api.begin(), api.end(), [&](const std::string& a) {
      return n.path != a && path_is_under(n.path, a);
    });
    if (!in_api) excluded.push_back(n.path);
  }
  std::sort(excluded.begin(), excluded.end(), path_less);

  std::vector<LandlockRule> rules;
  RuleIndex index(rules);
  std::set<std::string> expanded;
  // Landlock only adds rights beneath a directory: a writable directory with a read-only tree
  // somewhere below is granted entry by entry, down the way to that tree.
  std::function<void(const std::string&, bool)> grant = [&](const std::string& dir, bool optional) {
    std::vector<std::string> names;  // sorted: the run below `dir` is in path order
    std::vector<std::string> below;
    for (auto it = std::upper_bound(excluded.begin(), excluded.end(), dir, path_less);
         it != excluded.end() && path_is_under(*it, dir); ++it) {
      std::string name = first_component(*it, dir);
      if (names.empty() || names.back() != name) names.push_back(name);
      below.push_back(*it);
    }
    if (names.empty()) {
      index.add({LandlockRule::Kind::kBeneath, dir, {}, optional, {}});
      return;
    }
    if (!expanded.insert(dir).second) return;
    std::vector<std::string> sorted_names = names;
    std::sort(sorted_names.begin(), sorted_names.end());
    index.add({LandlockRule::Kind::kEntries, dir, sorted_names, optional, below});
    for (const auto& name : names) {
      std::string child = child_path(dir, name);
      // A read-only tree is not granted; a writable mount is granted on its own below. What
      // lies between is expanded further (it exists when the tree below it does).
      auto role = roles.find(child);
      if (role != roles.end() && role->second != Role::kNeutral) continue;
      grant(child, true);
    }
  };
  for (const auto& n : nodes)
    if (n.role == Role::kWritable && !index.covered(n.path)) grant(n.path, n.optional);

  // Opening a device for writing works on a read-only mount: keep it working in /dev, and on
  // masked files (/dev/null bound over them), wherever no rule above grants it already.
  if (!index.covered("/dev")) index.add({LandlockRule::Kind::kWriteOnly, "/dev", {}, true, {}});
  for (const auto& e : mounts)
    if (e.kind == MountKind::kMask && !index.covered(e.target))
      index.add({LandlockRule::Kind::kWriteOnly, e.target, {}, true, {}});
  if (handled & LANDLOCK_ACCESS_FS_IOCTL_DEV) add_device_rules(mounts, tty_ioctls, rules);
  return rules;
}

int landlock_kernel_abi() {
  long v = landlock_create_ruleset(nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return v > 0 ? static_cast<int>(v) : 0;
}

void apply_landlock(const LandlockPlan& plan) {
  if (plan.mode == LandlockMode::kNo) return;
  if (!plan.active()) {
    if (plan.mode == LandlockMode::kYes)
      fail(kExitNamespace, "landlock",
           "landlock = yes, but this kernel has no Landlock (or it is disabled at boot)");
    return;
  }
  RulesetBuilder ruleset(plan.handled, plan.scope_signals ? LANDLOCK_SCOPE_SIGNAL : 0);
  // What a writable location grants: everything handled but device ioctls (kDevices).
  const uint64_t beneath = plan.handled & ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
  unique_fd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) fail_errno(kExitNamespace, "landlock", "open /");
  for (const auto& rule : plan.rules) {
    // The final view, without following a symlink: the paths are mount targets and the
    // directories above them, which the mounts were made on without symlinks either.
    unique_fd fd(open_beneath(root.get(), rule.path, O_PATH | O_CLOEXEC));
    if (!fd) {
      if (errno == ENOENT && rule.optional) continue;
      fail_errno(kExitNamespace, "landlock", "open " + rule.path);
    }
    switch (rule.kind) {
      case LandlockRule::Kind::kBeneath:
        ruleset.add(fd.get(), beneath, rule.path);
        break;
      case LandlockRule::Kind::kWriteOnly:
        ruleset.add(fd.get(), kWriteRights, rule.path);
        break;
      case LandlockRule::Kind::kDevices:
        ruleset.add(fd.get(), LANDLOCK_ACCESS_FS_IOCTL_DEV, rule.path);
        break;
      case LandlockRule::Kind::kEntries: {
        // Only the read-only trees that exist (optional ones may not) keep entries back.
        std::set<std::string> held;
        for (const auto& x : rule.excluded) {
          struct stat st;
          if (lstat(x.c_str(), &st) == 0) held.insert(first_component(x, rule.path));
        }
        if (held.empty()) {
          ruleset.add(fd.get(), beneath, rule.path);
          break;
        }
        int dfd = openat(fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR* d = dfd >= 0 ? fdopendir(dfd) : nullptr;
        if (!d) {
          if (dfd >= 0) close(dfd);
          fail_errno(kExitNamespace, "landlock", "list " + rule.path);
        }
        std::unique_ptr<DIR, int (*)(DIR*)> dir(d, closedir);
        while (dirent* de = readdir(d)) {
          std::string name = de->d_name;
          if (name == "." || name == ".." || held.contains(name)) continue;
          if (de->d_type == DT_LNK) continue;  // no rule on a symlink (add())
          unique_fd entry(openat(dfd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
          if (!entry) {
            if (errno == ENOENT) continue;  // gone since it was listed
            fail_errno(kExitNamespace, "landlock", "open " + child_path(rule.path, name));
          }
          const mode_t type = de->d_type == DT_UNKNOWN ? 0 : DTTOIF(de->d_type);
          ruleset.add(entry.get(), beneath, child_path(rule.path, name), type);
        }
        break;
      }
    }
  }
  // Needs no_new_privs or CAP_SYS_ADMIN: jharden still holds the latter here, so the policy's
  // no_new_privileges stays the administrator's choice.
  ruleset.restrict_self();
}

}  // namespace jharden
