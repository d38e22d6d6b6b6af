#include "mount_apply.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

#include "complain.h"
#include "error.h"
#include "mountinfo.h"
#include "paths.h"
#include "secrets.h"
#include "sys_ops.h"

namespace jharden {
namespace {

constexpr const char* kStep = "mounts";

[[noreturn]] void mount_fail(const std::string& what, const std::string& path) {
  fail_errno(kExitNamespace, kStep, what + " " + path);
}

std::string self_fd(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// Runs the step of entry `i`: a failure names the policy line that asked for the entry (and
// the entry that made its place read-only, for an EROFS), not only the step and the path.
template <typename F>
void for_entry(const Plan& plan, size_t i, F step) {
  try {
    step();
  } catch (StepError& e) {
    e.message = entry_failure(plan, plan.mounts[i], e.message, e.err);
    throw;
  }
}

bool is_mount_root(int fd) {
  struct statx stx;
  if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, 0, &stx) != 0) return false;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
         (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

// A fresh file system instance (tmpfs, proc, sysfs, devpts), detached until attached.
unique_fd new_fs(const char* type, const std::string& options, unsigned attrs,
                 const std::string& path) {
  unique_fd fs(sys().fsopen(type, FSOPEN_CLOEXEC));
  if (!fs) mount_fail(std::string("fsopen ") + type + " for", path);
  // Split by hand, not with a stream: the first stream of a run builds the C++ locale (every
  // facet, some 100 KiB of code), and this is the start path (docs/performance.md).
  for (size_t start = 0, comma; start < options.size(); start = comma + 1) {
    comma = options.find(',', start);
    if (comma == std::string::npos) comma = options.size();
    const std::string opt = options.substr(start, comma - start);
    if (opt.empty()) continue;
    size_t eq = opt.find('=');
    int rc = eq == std::string::npos
                 ? sys().fsconfig(fs.get(), FSCONFIG_SET_FLAG, opt.c_str(), nullptr, 0)
                 : sys().fsconfig(fs.get(), FSCONFIG_SET_STRING, opt.substr(0, eq).c_str(),
                                  opt.substr(eq + 1).c_str(), 0);
    if (rc != 0) mount_fail(std::string(type) + " option " + opt + " for", path);
  }
  if (sys().fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    mount_fail(std::string("create ") + type + " for", path);
  unique_fd mnt(sys().fsmount(fs.get(), FSMOUNT_CLOEXEC, attrs));
  if (!mnt) mount_fail(std::string("fsmount ") + type + " for", path);
  return mnt;
}

// The planned attributes as MOUNT_ATTR_* bits; `read_only` false leaves MOUNT_ATTR_RDONLY out
// (a mount made read-only later, once the mount points below it exist).
unsigned mount_attr(const MountAttrs& a, bool read_only = true) {
  return (a.read_only && read_only ? MOUNT_ATTR_RDONLY : 0u) | (a.nosuid ? MOUNT_ATTR_NOSUID : 0u) |
         (a.nodev ? MOUNT_ATTR_NODEV : 0u) | (a.noexec ? MOUNT_ATTR_NOEXEC : 0u);
}

void set_attrs(int mnt_fd, uint64_t set, bool recursive, const std::string& path) {
  struct mount_attr attr {};
  attr.attr_set = set;
  if (sys().mount_setattr(mnt_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                          sizeof attr) != 0)
    mount_fail("set mount attributes on", path);
}

void attach(int mnt_fd, int target_fd, const std::string& path) {
  if (sys().move_mount(mnt_fd, "", target_fd, "",
                       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    mount_fail("attach mount on", path);
}

// The same onto `name` in `dir_fd`, a directory of a tmpfs jharden made in its own namespace
// (nothing else writes there), without a descriptor of the mount point: move_mount() follows
// no symlink in the last component.
void attach_at(int mnt_fd, int dir_fd, const std::string& name, const std::string& path) {
  if (sys().move_mount(mnt_fd, "", dir_fd, name.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    mount_fail("attach mount on", path);
}

unique_fd clone_tree(int fd, bool recursive, const std::string& path) {
  unique_fd clone(sys().open_tree(
      fd, "",
      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0)));
  if (!clone) mount_fail("clone mount tree of", path);
  return clone;
}

constexpr int kTargetFlags = O_PATH | O_CLOEXEC | O_NOFOLLOW;

// ST_VALID (Linux 2.6.36, not in the C library's headers): statfs() filled in f_flags, with the
// ST_* bits of statvfs().
constexpr unsigned long kStatfsFlagsValid = 0x0020;

// The host's /dev/NAME, which must be the character device `node` names (not a symlink, not
// a file or another device put in its place); `use` says what it was wanted for.
unique_fd open_host_device(const DevNode& node, const std::string& use) {
  const std::string path = std::string("/dev/") + node.name;
  unique_fd fd(open(path.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW));
  struct stat st;
  if (!fd || fstat(fd.get(), &st) != 0) mount_fail("open", path);
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != node.major || minor(st.st_rdev) != node.minor)
    fail(kExitNamespace, kStep,
         path + " is not the character device " + std::to_string(node.major) + ":" +
             std::to_string(node.minor) + "; refusing to " + use);
  return fd;
}

// The private /dev's device nodes, made in its tmpfs `dev` before that is attached, as
// systemd's PrivateDevices= makes them. Where mknod is refused (EPERM: no CAP_MKNOD, a device
// cgroup without "m", a user namespace; EACCES: a security module), the node is the host's of
// the same number, bound read-only over an empty file: opened here, while /dev is still the
// host's, and returned with its entry, to be bound once the tmpfs is attached.
std::vector<std::pair<const SubMount*, unique_fd>> make_device_nodes(const MountEntry& e, int dev,
                                                                     const std::string& path) {
  std::vector<std::pair<const SubMount*, unique_fd>> hosts;
  for (const SubMount& sub : e.submounts) {
    if (sub.fs_type != "node") continue;
    const DevNode& node = *private_dev_node(sub.name);
    const char* name = node.name;
    if (sys().mknodat(dev, name, S_IFCHR | 0666, makedev(node.major, node.minor)) == 0) continue;
    if (errno != EPERM && errno != EACCES) mount_fail("create device node", path + "/" + name);
    hosts.emplace_back(&sub, open_host_device(node, "bind it into " + path));
    if (mknodat(dev, name, S_IFREG | 0666, 0) != 0) mount_fail("create", path + "/" + name);
  }
  return hosts;
}

}  // namespace

int open_beneath(int root_fd, const std::string& path, int flags) {
  return sys().open_beneath(root_fd, path.c_str(), flags);
}

MountSources open_mount_sources(const Plan& plan) {
  MountSources s;
  s.bind.resize(plan.mounts.size());
  for (size_t i = 0; i < plan.mounts.size(); ++i) {
    const MountEntry& e = plan.mounts[i];
    if (e.kind != MountKind::kBind) continue;
    // Bind sources are host paths chosen by the administrator, resolved once without a
    // symlink a user could have planted (a swapped directory), and bound through that very
    // descriptor. Magic links (/proc/*/fd) are refused by the same walk: it follows no
    // symlink on procfs.
    for_entry(plan, i, [&] {
      Resolved r = resolve_trusted(e.source, {.flags = O_PATH});
      if (!r.refusal.empty()) fail(kExitNamespace, kStep, "bind source " + r.message(e.source));
      if (!r && !(r.error == ENOENT && e.optional)) {
        errno = r.error;
        mount_fail("open bind source", e.source);
      }
      s.bind[i] = std::move(r.fd);
    });
  }
  if (plan.root != "/") {
    // The new root, resolved once the same way; pivot_root goes into this descriptor. Every
    // directory on its path, and the root itself, must be root's: its programs run as the
    // daemon's user, so a user who could swap any of them (even for a tree of her own, which
    // CHASE_SAFE would accept) would choose what runs as root.
    Resolved r = resolve_trusted(plan.root, {.flags = O_PATH | O_DIRECTORY, .policy = true});
    if (!r.refusal.empty()) fail(kExitNamespace, kStep, "root " + r.message(plan.root));
    if (!r) {
      errno = r.error;
      mount_fail("open root", plan.root);
    }
    s.root = std::move(r.fd);
  }
  // CVE-2025-31133: the "null" used for masking must really be the null device, not a
  // symlink or a file someone put in its place.
  s.dev_null = open_host_device(*private_dev_node("null"), "mask with it");
  struct stat st;
  const char* notify = getenv("NOTIFY_SOCKET");
  if (plan.notify == NotifyMode::kDaemon && notify && notify[0] == '/') {
    // Bound into the sandbox for the daemon: it must be the socket it claims to be, never a
    // file the sandbox hides (threats.md, "inherited environment").
    std::string problem = path_problem(notify);
    if (!problem.empty()) fail(kExitNamespace, "notify", "$NOTIFY_SOCKET " + problem);
    s.notify_path = notify;
    s.notify_socket.reset(open(notify, O_PATH | O_CLOEXEC | O_NOFOLLOW));
    if (!s.notify_socket) mount_fail("open $NOTIFY_SOCKET", notify);
    if (fstat(s.notify_socket.get(), &st) != 0) mount_fail("stat $NOTIFY_SOCKET", notify);
    if (!S_ISSOCK(st.st_mode))
      fail(kExitNamespace, "notify",
           "$NOTIFY_SOCKET " + std::string(notify) + " is not a socket; refusing to bind it");
  }
  for (const auto& e : plan.mounts)
    if (e.kind == MountKind::kPrivateDev)
      s.dev_log = access("/run/systemd/journal/dev-log", F_OK) == 0;
  return s;
}

// Creates `path` below the sandbox root, each step resolved without following symlinks:
// directories (0755) and, when `file_mode` is given, an empty file as the last component.
bool MountApplier::make_path(const std::string& path, std::optional<mode_t> file_mode) {
  std::string sofar;
  size_t start = 1;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    unique_fd parent(open_beneath(root_fd_.get(), sofar.empty() ? "/" : sofar,
                                  O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!parent) return false;
    std::string name = path.substr(start, end - start);
    sofar += "/" + name;
    bool last = end == path.size();
    int rc = last && file_mode ? mknodat(parent.get(), name.c_str(), S_IFREG | *file_mode, 0)
                               : mkdirat(parent.get(), name.c_str(), 0755);
    if (rc != 0 && errno != EEXIST) return false;
    start = end + 1;
  }
  return true;
}

// Creates a missing mount point for a new mount, as systemd does: directories, and an empty
// file when a non-directory is bound.
bool MountApplier::create_mount_point(size_t i) {
  const MountEntry& e = plan_.mounts[i];
  struct stat st;
  bool file = e.kind == MountKind::kBind && sources_.bind[i] &&
              fstat(sources_.bind[i].get(), &st) == 0 && !S_ISDIR(st.st_mode);
  return make_path(e.target, file ? std::optional<mode_t>(0644) : std::nullopt);
}

unique_fd MountApplier::open_target(size_t i, struct stat* st) {
  const MountEntry& e = plan_.mounts[i];
  struct stat own;
  if (!st) st = &own;
  unique_fd fd(open_beneath(root_fd_.get(), e.target, kTargetFlags));
  if (fd && fstat(fd.get(), st) != 0) mount_fail("stat", host_path(e.target));
  // O_PATH|O_NOFOLLOW hands back a final symlink itself: never mount on one.
  if (fd && S_ISLNK(st->st_mode))
    fail(kExitNamespace, kStep,
         host_path(e.target) + ": the mount target is a symlink; refusing to follow it");
  if (fd) return fd;
  // The "-" of a bind makes its source optional, never its mount point (as with systemd's
  // BindPaths=-): a bind whose source is there gets its mount point like any other.
  bool creatable =
      e.kind == MountKind::kBind
          ? static_cast<bool>(sources_.bind[i])
          : (e.kind == MountKind::kTmpfs || e.kind == MountKind::kSecrets) && !e.optional;
  if (errno == ENOENT && creatable) {
    if (!create_mount_point(i)) mount_fail("create mount point", host_path(e.target));
    fd.reset(open_beneath(root_fd_.get(), e.target, kTargetFlags));
    if (fd && fstat(fd.get(), st) != 0) mount_fail("stat", host_path(e.target));
    if (fd) return fd;
  }
  if (errno == ENOENT && e.optional) return unique_fd();
  if (errno == ELOOP || errno == EXDEV)
    fail(kExitNamespace, kStep,
         host_path(e.target) + ": a path component is a symlink; refusing to follow it");
  mount_fail("resolve", host_path(e.target));
}

MountApplier::MountApplier(const Plan& plan, MountSources& sources, std::vector<Secret>& secrets,
                           const MountOptions& options)
    : plan_(plan),
      sources_(sources),
      secrets_(secrets),
      options_(options),
      present_(plan.mounts.size(), true),
      old_umask_(umask(0)) {}

MountApplier::~MountApplier() { umask(old_umask_); }

std::string MountApplier::host_path(const std::string& target) const {
  return join_root(plan_.root, target);
}

void MountApplier::isolate() {
  // Before the first mount: nothing done from here on may propagate back to the host.
  unsigned long prop = plan_.propagation == Propagation::kPrivate ? MS_PRIVATE : MS_SLAVE;
  if (sys().mount(nullptr, "/", nullptr, MS_REC | prop, nullptr) != 0)
    mount_fail("make propagation slave/private on", "/");
  if (plan_.root != "/") {
    // pivot_root needs the new root to be a mount point: the tree resolved by
    // open_mount_sources() is bound onto itself, and that mount is the root from here on.
    unique_fd clone = clone_tree(sources_.root.get(), true, plan_.root);
    attach(clone.get(), sources_.root.get(), plan_.root);
    root_fd_ = std::move(clone);
  } else {
    root_fd_.reset(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd_) mount_fail("open root", plan_.root);
  }
}

void MountApplier::establish() {
  for (size_t i = 0; i < plan_.mounts.size(); ++i) for_entry(plan_, i, [&] { establish_entry(i); });
  if (sources_.notify_socket) keep_notify_socket_reachable();
}

// After the whole establish round: a read-only mount could not get mount points below it.
void MountApplier::make_read_only() {
  seal_own_tmpfs();
  for (size_t i = 0; i < plan_.mounts.size(); ++i)
    if (plan_.mounts[i].kind == MountKind::kReadOnly && present_[i])
      for_entry(plan_, i, [&] { make_entry_read_only(i); });
}

void MountApplier::verify() {
  for (size_t i = 0; i < plan_.mounts.size(); ++i)
    if (present_[i]) for_entry(plan_, i, [&] { verify_entry(i); });
}

void MountApplier::establish_entry(size_t i) {
  const MountEntry& e = plan_.mounts[i];
  if (e.kind == MountKind::kReadOnly || e.kind == MountKind::kReadWrite) {
    unique_fd fd = open_target(i);  // checked now: a missing read-only path is an error
    present_[i] = static_cast<bool>(fd);
    return;
  }
  if (e.target == "/")
    fail(kExitNamespace, kStep, "cannot mount over \"/\"; use [filesystem] root");
  struct stat st;
  unique_fd fd = open_target(i, &st);
  present_[i] = static_cast<bool>(fd);
  if (!fd) return;
  if (st.st_nlink == 0) {
    // A deleted file bound over the target (systemd-nspawn binds a FIFO of its own over
    // /proc/kmsg) cannot be mounted on, and it is not out of reach: the daemon could read
    // it. A mask takes that bind away first, then covers what was under it.
    const std::string path = host_path(e.target);
    if (e.kind == MountKind::kMask &&
        sys().umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
      fd = open_target(i, &st);
    if (fd && st.st_nlink == 0) fd.reset();
    if (!fd && e.optional) {
      present_[i] = false;
      return;
    }
    if (!fd) fail(kExitNamespace, kStep, path + ": the mount target has been deleted");
  }
  if (e.kind == MountKind::kBind && !sources_.bind[i]) {
    present_[i] = false;  // optional source missing
    return;
  }
  establish(i, fd.get(), st);
}

void MountApplier::establish(size_t i, int target_fd, const struct stat& target) {
  const MountEntry& e = plan_.mounts[i];
  const std::string path = host_path(e.target);
  // Attributes and options are the plan's (decide_mount_attributes), never worked out here.
  const unsigned attrs = mount_attr(e.attrs);
  switch (e.kind) {
    case MountKind::kTmpfs:
      // A read-only tmpfs becomes read-only after the establish round (seal_own_tmpfs), so
      // that mount points below it can still be created in it.
      attach(new_fs("tmpfs", e.options, mount_attr(e.attrs, false), path).get(), target_fd, path);
      break;
    case MountKind::kProc:
      attach(new_fs("proc", e.options, attrs, path).get(), target_fd, path);
      break;
    case MountKind::kSysfs:
      // Made in the sandbox's network namespace (unshared before the mounts): the kernel ties
      // a sysfs instance to the namespace that mounts it, so /sys/class/net shows its own.
      attach(new_fs("sysfs", e.options, attrs, path).get(), target_fd, path);
      break;
    case MountKind::kCgroup:
      // Made in the sandbox's cgroup namespace: its root is the cgroup jharden started in.
      attach(new_fs("cgroup2", e.options, attrs, path).get(), target_fd, path);
      break;
    case MountKind::kBind: {
      // The plan's nodev exception holds for a source it saw as a device node; the source
      // opened now must still be one, or the bind is nodev after all (fail closed).
      struct stat src;
      if (fstat(sources_.bind[i].get(), &src) != 0) mount_fail("stat bind source", e.source);
      bool device = S_ISCHR(src.st_mode) || S_ISBLK(src.st_mode);
      unique_fd clone = clone_tree(sources_.bind[i].get(), true, e.source);
      set_attrs(clone.get(), attrs | (device ? 0u : MOUNT_ATTR_NODEV), true, path);
      attach(clone.get(), target_fd, path);
      break;
    }
    case MountKind::kMask:
      if (S_ISDIR(target.st_mode)) {
        empty_directory(i, target_fd, path);
      } else {
        unique_fd clone = clone_tree(sources_.dev_null.get(), false, "/dev/null");
        set_attrs(clone.get(), mount_attr(attrs_over_file(e)), false, path);
        attach(clone.get(), target_fd, path);
      }
      break;
    case MountKind::kInaccessible:
      if (S_ISDIR(target.st_mode))
        empty_directory(i, target_fd, path);
      else
        inaccessible_file(i, target_fd, path);
      break;
    case MountKind::kPrivateDev:
      dev_target_ = e.target;
      private_dev(i, target_fd, path);
      break;
    case MountKind::kSecrets:
      secrets(i, target_fd, path);
      break;
    case MountKind::kReadOnly:
    case MountKind::kReadWrite:
      break;
  }
}

// An empty read-only directory over a directory (a mask, an inaccessible path): one tmpfs for
// every entry with the same options and attributes, made for the first and cloned for the
// others, as systemd binds its one inaccessible directory. It takes nothing in: it is sealed
// read-only and its one inode is its root. The clone is of the mount attached at the first
// target, in this namespace, which every kernel with open_tree() clones.
void MountApplier::empty_directory(size_t i, int target_fd, const std::string& path) {
  const MountEntry& e = plan_.mounts[i];
  const unsigned attrs = mount_attr(e.attrs);
  auto [shared, first] = empty_directories_.try_emplace({e.options, attrs});
  if (first) {
    shared->second = new_fs("tmpfs", e.options, attrs, path);
    attach(shared->second.get(), target_fd, path);
    return;
  }
  attach(clone_tree(shared->second.get(), false, path).get(), target_fd, path);
}

// A mode-0000 file over a non-directory, bound read-only from the private /dev's node
// (private_dev), or, before the private /dev is mounted or without one, from a scratch tmpfs.
void MountApplier::inaccessible_file(size_t i, int target_fd, const std::string& path) {
  unique_fd clone = inaccessible_node_ ? clone_tree(inaccessible_node_.get(), false, path)
                                       : scratch_inaccessible_file(i, path);
  set_attrs(clone.get(), mount_attr(plan_.mounts[i].attrs), false, path);
  attach(clone.get(), target_fd, path);
}

// The file is made in a fresh tmpfs that is briefly attached over the target's parent (a clone
// needs an attached source on older kernels) and detached again at once, so no directory is
// ever created anywhere. The detach waits for an RCU grace period, which the private /dev's
// node does without.
unique_fd MountApplier::scratch_inaccessible_file(size_t i, const std::string& path) {
  const std::string& target = plan_.mounts[i].target;
  unique_fd parent(open_beneath(root_fd_.get(),
                                target.substr(0, std::max<size_t>(target.rfind('/'), 1)),
                                O_PATH | O_CLOEXEC | O_DIRECTORY));
  if (!parent) mount_fail("open parent of", path);
  unique_fd scratch = new_fs("tmpfs", "mode=0755,size=4k,nr_inodes=2",
                             MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, path);
  unique_fd file(openat(scratch.get(), "inaccessible", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0));
  if (!file || fchmod(file.get(), 0) != 0) mount_fail("create inaccessible file for", path);
  file.reset();
  attach(scratch.get(), parent.get(), path + "/..");
  unique_fd clone(
      sys().open_tree(scratch.get(), "inaccessible", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  int clone_errno = errno;
  // Detached through the working directory, not /proc/self/fd: when the target lies directly
  // under /proc (/proc/kallsyms), the scratch tmpfs covers /proc itself for this moment.
  unique_fd cwd(open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cwd || fchdir(scratch.get()) != 0 || sys().umount2(".", MNT_DETACH) != 0 ||
      fchdir(cwd.get()) != 0)
    mount_fail("detach scratch tmpfs above", path);
  if (!clone) {
    errno = clone_errno;
    mount_fail("clone inaccessible file for", path);
  }
  return clone;
}

// Every inaccessible file is bound from this one node of the private /dev's tmpfs (one inode,
// as systemd binds its one inaccessible file), made in the mount point of the /dev's first
// file system of its own (devpts) before that is mounted over it: covered, so that no path
// name reaches it, and linked, because the kernel mounts nothing on a copy of a mount rooted
// at a file without a link, and a bind of a directory holding a hidden file copies the mount
// that hides it. Mode 0000 and empty; the binds of it are read-only.
void MountApplier::make_inaccessible_node(int dev_dir, const std::string& sub,
                                          const std::string& at_path) {
  const std::string name = sub + "/.jharden-inaccessible";
  inaccessible_node_.reset(
      openat(dev_dir, name.c_str(), O_CREAT | O_EXCL | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0));
  if (!inaccessible_node_) mount_fail("create", at_path + "/.jharden-inaccessible");
}

// A fresh /dev: the standard pseudo-devices, a private devpts instance, /dev/shm, the usual
// symlinks; the tmpfs itself read-only.
void MountApplier::private_dev(size_t i, int target_fd, const std::string& path) {
  const MountEntry& e = plan_.mounts[i];
  unique_fd dev = new_fs("tmpfs", e.options, mount_attr(e.attrs, false), path);
  auto hosts = make_device_nodes(e, dev.get(), path);
  attach(dev.get(), target_fd, path);
  unique_fd dir(open_beneath(root_fd_.get(), dev_target_, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) mount_fail("open", path);
  for (const auto& [sub, host] : hosts) {
    const std::string at_path = path + "/" + sub->name;
    unique_fd clone = clone_tree(host.get(), false, "/dev/" + sub->name);
    set_attrs(clone.get(), mount_attr(sub->attrs), false, at_path);
    attach_at(clone.get(), dir.get(), sub->name, at_path);
  }
  for (const SubMount& sub : e.submounts) {
    if (sub.fs_type == "node") continue;
    const std::string at_path = path + "/" + sub.name;
    // devpts and /dev/shm: read-only, when planned so, with the /dev tmpfs (seal_own_tmpfs).
    if (mkdirat(dir.get(), sub.name.c_str(), 0755) != 0) mount_fail("create", at_path);
    if (!inaccessible_node_) make_inaccessible_node(dir.get(), sub.name, at_path);
    attach_at(new_fs(sub.fs_type.c_str(), sub.options, mount_attr(sub.attrs, false), at_path).get(),
              dir.get(), sub.name, at_path);
  }
  std::vector<std::pair<const char*, const char*>> links = {{"ptmx", "pts/ptmx"},
                                                            {"fd", "/proc/self/fd"},
                                                            {"stdin", "/proc/self/fd/0"},
                                                            {"stdout", "/proc/self/fd/1"},
                                                            {"stderr", "/proc/self/fd/2"}};
  if (sources_.dev_log) links.emplace_back("log", "/run/systemd/journal/dev-log");
  for (auto [name, to] : links)
    if (symlinkat(to, dir.get(), name) != 0) mount_fail("create symlink", path + "/" + name);
  // Read-only once the establish round is over (seal_own_tmpfs): `bind = /dev/kmsg:/dev/kmsg`
  // needs its mount point created here first.
}

// Secrets: written into a tmpfs that no other process can see yet, then made read-only and
// attached. The bytes read at load time are wiped as soon as they are written.
void MountApplier::secrets(size_t i, int target_fd, const std::string& path) {
  const MountEntry& e = plan_.mounts[i];
  unique_fd mnt = new_fs("tmpfs", e.options, mount_attr(e.attrs, false), path);
  write_secrets(mnt.get(), path, secrets_, plan_.identity.secrets_uid, plan_.identity.secrets_gid,
                plan_.secrets_mode);
  set_attrs(mnt.get(), mount_attr(e.attrs), false, path);
  attach(mnt.get(), target_fd, path);
}

// The read-only round for entry `i`: clone each writable hole below it first (a detached copy
// keeps its own flags), make the tree read-only recursively, then put the holes back on top.
void MountApplier::make_entry_read_only(size_t i) {
  const MountEntry& e = plan_.mounts[i];
  const std::string path = host_path(e.target);
  std::vector<std::pair<size_t, unique_fd>> holes;
  unique_fd target = open_target(i);
  if (!target) return;
  if (options_.force_legacy) return make_read_only_legacy(i, target.get());
  for (size_t h : e.holes) {
    if (!present_[h]) continue;
    unique_fd hfd = open_target(h);
    if (!hfd) continue;
    unique_fd clone(sys().open_tree(
        hfd.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE));
    if (!clone && errno == ENOSYS) return make_read_only_legacy(i, target.get());
    if (!clone) mount_fail("clone writable path", host_path(plan_.mounts[h].target));
    holes.emplace_back(h, std::move(clone));
  }
  if (is_mount_root(target.get())) {
    // In place: the namespace's copies of these mounts are ours; nothing is stacked, so "/"
    // works too.
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (sys().mount_setattr(target.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) !=
        0) {
      if (errno == ENOSYS) return make_read_only_legacy(i, target.get());
      mount_fail("make read-only", path);
    }
  } else {
    unique_fd clone(sys().open_tree(
        target.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE));
    if (!clone && errno == ENOSYS) return make_read_only_legacy(i, target.get());
    if (!clone) mount_fail("clone", path);
    set_attrs(clone.get(), MOUNT_ATTR_RDONLY, true, path);
    attach(clone.get(), target.get(), path);
  }
  for (auto& [h, clone] : holes) {
    unique_fd hfd = open_target(h);
    if (!hfd) mount_fail("reopen writable path", host_path(plan_.mounts[h].target));
    attach(clone.get(), hfd.get(), host_path(plan_.mounts[h].target));
  }
}

// /proc/self/mountinfo, read once: the mount points.
const std::vector<std::string>& MountApplier::mountinfo_points() {
  if (mount_points_) return *mount_points_;
  mount_points_.emplace();
  for (auto& m : read_mountinfo()) mount_points_->push_back(std::move(m.point));
  return *mount_points_;
}

// For kernels without mount_setattr(): bind the tree onto itself, then remount the bind and
// each submount read-only one by one, keeping each mount's own nosuid/nodev/noexec flags.
void MountApplier::make_read_only_legacy(size_t i, int target_fd) {
  const MountEntry& e = plan_.mounts[i];
  const std::string path = host_path(e.target);
  const auto& points = mountinfo_points();  // before our bind: the host's submounts
  // A hole that is a plain directory becomes a mount of its own first, so that the copy the
  // recursive bind below makes of it keeps its own (writable) flags.
  for (size_t h : e.holes) {
    if (!present_[h]) continue;
    unique_fd hfd = open_target(h);
    std::string hpath = host_path(plan_.mounts[h].target);
    // Source and target through the descriptor: no host path is looked up again.
    if (hfd && !is_mount_root(hfd.get()) &&
        sys().mount(self_fd(hfd.get()).c_str(), self_fd(hfd.get()).c_str(), nullptr,
                    MS_BIND | MS_REC, nullptr) != 0)
      mount_fail("bind writable path onto itself", hpath);
  }
  if (sys().mount(self_fd(target_fd).c_str(), self_fd(target_fd).c_str(), nullptr, MS_BIND | MS_REC,
                  nullptr) != 0)
    mount_fail("bind onto itself", path);
  // `at` is looked up, `p` named in messages.
  auto remount_ro = [&](const std::string& at, const std::string& p) {
    struct statvfs sv;
    if (statvfs(at.c_str(), &sv) != 0) {
      if (errno == ENOENT) return;  // hidden below a mount of ours
      mount_fail("statvfs", p);
    }
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
    if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    if (sys().mount(nullptr, at.c_str(), nullptr, flags, nullptr) != 0)
      mount_fail("remount read-only", p);
  };
  // The bind just made, reopened below the sandbox root.
  unique_fd top = open_target(i);
  if (!top) mount_fail("reopen", path);
  remount_ro(self_fd(top.get()), path);
  for (const auto& p : points) {
    if (p == path || !path_is_under(p, path)) continue;
    bool in_hole = false;
    for (size_t h : e.holes)
      in_hole |= present_[h] && path_is_under(p, host_path(plan_.mounts[h].target));
    if (!in_hole) remount_ro(p, p);
  }
}

void MountApplier::verify_entry(size_t i) {
  const MountEntry& e = plan_.mounts[i];
  const std::string path = host_path(e.target);
  auto bad = [&](const std::string& what) { fail(kExitNamespace, "verify", path + ": " + what); };
  struct statfs sf;
  struct stat st;
  // Through the sandbox root's descriptor, never through a host path. The mount's flags come
  // with its type, in f_flags (statvfs() reads them there too).
  unique_fd fd(open_beneath(root_fd_.get(), e.target, O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd || sys().fstatfs(fd.get(), &sf) != 0 || !(sf.f_flags & kStatfsFlagsValid) ||
      fstat(fd.get(), &st) != 0)
    mount_fail("verify: stat", path);
  const bool ro = sf.f_flags & ST_RDONLY;
  switch (e.kind) {
    case MountKind::kReadOnly:
      if (!ro) bad("is not read-only after the read-only round");
      break;
    case MountKind::kTmpfs:
    case MountKind::kPrivateDev:
    case MountKind::kSecrets:
      if (sf.f_type != TMPFS_MAGIC) bad("is not a tmpfs");
      if (e.kind == MountKind::kSecrets && (!ro || !(sf.f_flags & ST_NOEXEC)))
        bad("secrets are not read-only and noexec");
      if (e.read_only && !ro) bad("is not read-only");
      break;
    case MountKind::kProc:
      if (sf.f_type != PROC_SUPER_MAGIC) bad("is not a procfs");
      break;
    case MountKind::kSysfs:
      if (sf.f_type != SYSFS_MAGIC || !ro) bad("is not a read-only sysfs");
      break;
    case MountKind::kCgroup:
      if (sf.f_type != CGROUP2_SUPER_MAGIC || !ro) bad("is not a read-only cgroup2");
      break;
    case MountKind::kMask:
      if (S_ISDIR(st.st_mode) ? (sf.f_type != TMPFS_MAGIC || !ro)
                              : (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)))
        bad("is not masked");
      break;
    case MountKind::kInaccessible:
      if ((st.st_mode & 07777) != 0 || !ro) bad("is not inaccessible");
      break;
    case MountKind::kBind:
      if (e.read_only && !ro) bad("is not read-only");
      break;
    case MountKind::kReadWrite:
      break;
  }
}

// The sandbox's own tmpfs that end up read-only (the private /dev, `tmpfs = PATH:ro`) are
// made so once every mount point below them has been created (the top mount only: what is
// mounted below keeps its own flags).
void MountApplier::seal_own_tmpfs() {
  for (size_t i = 0; i < plan_.mounts.size(); ++i) {
    const MountEntry& e = plan_.mounts[i];
    bool seal =
        (e.kind == MountKind::kPrivateDev || e.kind == MountKind::kTmpfs) && e.attrs.read_only;
    if (!seal || !present_[i]) continue;
    unique_fd fd(open_beneath(root_fd_.get(), e.target, kTargetFlags | O_DIRECTORY));
    if (!fd) mount_fail("reopen", host_path(e.target));
    set_attrs(fd.get(), MOUNT_ATTR_RDONLY, false, host_path(e.target));
    // `read_only = /dev`: the private /dev's own submounts too, as ReadOnlyPaths=/dev does
    // with PrivateDevices=; what the policy mounts over them (tmpfs = /dev/shm), and binds
    // into /dev, keep their own flags.
    for (const SubMount& sub : e.submounts) {
      if (sub.fs_type == "node" || !sub.attrs.read_only) continue;
      const std::string target = e.target + "/" + sub.name;
      if (entries_at(plan_, target,
                     [&](size_t j) { return present_[j] && establishes(plan_.mounts[j].kind); }))
        continue;
      unique_fd at(openat(fd.get(), sub.name.c_str(), kTargetFlags | O_DIRECTORY));
      if (!at) mount_fail("reopen", host_path(target));
      set_attrs(at.get(), MOUNT_ATTR_RDONLY, false, host_path(target));
    }
  }
}

// notify = daemon: the daemon must reach $NOTIFY_SOCKET. When a mount of the sandbox hides
// it (e.g. the private /tmp), the socket is bound back at the same path, inside a tmpfs of
// the sandbox's own so that nothing is created on the host.
void MountApplier::keep_notify_socket_reachable() {
  const std::string& path = sources_.notify_path;
  struct stat host, here;
  if (fstat(sources_.notify_socket.get(), &host) != 0) mount_fail("stat", path);
  unique_fd fd(open_beneath(root_fd_.get(), path, O_PATH | O_CLOEXEC | O_NOFOLLOW));
  if (fd && fstat(fd.get(), &here) == 0 && here.st_dev == host.st_dev && here.st_ino == host.st_ino)
    return;
  bool in_own_tmpfs = false;
  for (size_t i = 0; i < plan_.mounts.size(); ++i) {
    const MountEntry& e = plan_.mounts[i];
    in_own_tmpfs |= present_[i] && e.kind == MountKind::kTmpfs && !e.read_only &&
                    path_is_under(path, e.target) && path != e.target;
  }
  if (!in_own_tmpfs)
    fail(kExitNamespace, "notify",
         "$NOTIFY_SOCKET " + path + " is hidden inside the sandbox and cannot be bound back");
  if (!make_path(path, 0600)) mount_fail("create mount point for $NOTIFY_SOCKET", path);
  unique_fd target(open_beneath(root_fd_.get(), path, O_PATH | O_CLOEXEC | O_NOFOLLOW));
  if (!target) mount_fail("open", path);
  attach(clone_tree(sources_.notify_socket.get(), false, path).get(), target.get(), path);
}

// jchroot's heritage, made safe: pivot_root instead of chroot, then the old root is detached
// entirely, so no nested-chroot trick can climb back out.
void MountApplier::pivot() {
  if (plan_.root == "/") return;
  if (fchdir(root_fd_.get()) != 0) mount_fail("chdir", plan_.root);
  if (sys().pivot_root(".", ".") != 0) mount_fail("pivot_root into", plan_.root);
  if (sys().umount2(".", MNT_DETACH) != 0) mount_fail("detach old root below", plan_.root);
  if (chdir("/") != 0) mount_fail("chdir", "/");
}

void apply_mounts(const Plan& plan, MountSources& sources, std::vector<Secret>& secrets,
                  const MountOptions& options) {
  MountApplier mounts(plan, sources, secrets, options);
  mounts.isolate();
  mounts.establish();
  mounts.make_read_only();
  mounts.verify();
  mounts.pivot();
}

}  // namespace jharden
