#include "verify.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "cap_names.h"
#include "landlock.h"
#include "mountinfo.h"
#include "paths.h"
#include "seccomp_names.h"
#include "text.h"
#include "unique_dir.h"
#include "unique_fd.h"

namespace jharden {
namespace {

ino_t ns_inode(const char* name) {
  struct stat st;
  std::string p = std::string("/proc/self/ns/") + name;
  return stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

class Report {
 public:
  void row(bool pass, const std::string& property, const std::string& asked,
           const std::string& observed) {
    (pass ? passed_ : failed_)++;
    std::printf("%s  %-46s asked: %-18s observed: %s\n", pass ? "PASS" : "FAIL", property.c_str(),
                asked.c_str(), observed.c_str());
  }
  int finish() {
    std::printf("\n%d passed, %d failed\n", passed_, failed_);
    std::fflush(stdout);
    return failed_ == 0 ? 0 : 1;
  }

 private:
  int passed_ = 0, failed_ = 0;
};

std::string errno_name(int err) { return err == 0 ? "success" : std::strerror(err); }

std::map<std::string, std::string> proc_status() {
  std::map<std::string, std::string> out;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string v = line.substr(colon + 1);
    v.erase(0, v.find_first_not_of(" \t"));
    out[line.substr(0, colon)] = v;
  }
  return out;
}

uint64_t mask_of(const std::vector<int>& caps) {
  uint64_t m = 0;
  for (int c : caps) m |= 1ULL << c;
  return m;
}

std::string hex(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

bool statvfs_ro(const std::string& path) {
  struct statvfs sv;
  return statvfs(path.c_str(), &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

bool is_tmpfs(const std::string& path) {
  struct statfs sf;
  return statfs(path.c_str(), &sf) == 0 && sf.f_type == TMPFS_MAGIC;
}

bool dir_empty(const std::string& path) {
  DIR* d = opendir(path.c_str());
  if (!d) return false;
  bool empty = true;
  while (dirent* e = readdir(d))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
  closedir(d);
  return empty;
}

// Runs `call` in a child (a refused call may kill it, an absent ABI may fault) and describes
// the outcome: "allowed", an errno name such as "EPERM", or "killed by SIGSYS".
template <typename F>
std::string in_child(F call) {
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) run_child(call);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) return "probe failed";
  if (WIFSIGNALED(status)) {
    const char* sig = sigabbrev_np(WTERMSIG(status));
    return std::string("killed by SIG") + (sig ? sig : "?");
  }
  int err = WEXITSTATUS(status);
  if (err == 0) return "allowed";
  const char* name = strerrorname_np(err);
  return name ? name : std::to_string(err);
}

// With no_new_privileges = no, CAP_SYS_ADMIN loads the filter and stays permitted and
// effective until execve, which drops it for the daemon; the probe, which runs in its place
// without an execve, still holds it.
bool admin_until_exec(const Plan& plan, const HostFacts& host) {
  return !plan.no_new_privileges && plan.seccomp.enabled &&
         (host.cap_prm & (1ULL << CAP_SYS_ADMIN)) != 0;
}

// The capabilities the probe holds in its effective set: for root, the bounding set minus
// what the caller did not hold; for another user, the ambient ones.
uint64_t effective_caps(const Plan& plan, const HostFacts& host) {
  uint64_t caps = plan.identity.uid != 0
                      ? mask_of(plan.caps.ambient)
                      : mask_of(plan.caps.bounding) & host.cap_bnd & host.cap_prm;
  if (admin_until_exec(plan, host)) caps |= 1ULL << CAP_SYS_ADMIN;
  return caps;
}

// What the plan's filter does with a call, as seen from inside: the rows below compare what a
// call observes with this, so that a policy that lifts a protection gets a row that says so
// and checks the lifted state, and a filter that lacks a rule the plan has fails its row.
struct FilterView {
  const SeccompPlan& sc;
  // What a call the filter refuses observes. `call`: the syscall, whose list entry (if the
  // lists refuse it) gives the errno, its own or `errno`; the argument rules answer EPERM, as
  // systemd's do. Without a call: a call of another ABI, which gets `errno`. With action = log
  // the call goes through (and the kernel logs it).
  std::string refusal(const char* call = nullptr) const {
    if (sc.action == SeccompAction::kKill) return "killed by SIGSYS";
    if (sc.action == SeccompAction::kLog) return "allowed";
    if (!call) return errno_symbol(sc.error);
    return errno_symbol(denies(call) ? sc.error_of(call) : EPERM);
  }
  // The whole call is refused by the deny or allow list.
  bool denies(const char* name) const { return sc.refuses(name); }
  bool refused(const std::string& got, const char* call = nullptr) const {
    return got == refusal(call);
  }
  // "EPERM (filter)", or "EPERM (filter, no CAP_X)" when the kernel would refuse it too.
  std::string refused_by_filter(const char* call = nullptr, const std::string& also = "") const {
    if (sc.action == SeccompAction::kLog) return "allowed (filter: action = log, logged)";
    return refusal(call) + " (filter" + (also.empty() ? "" : ", " + also) + ")";
  }
};

// Why a call reaches the kernel: the policy key that lifted the protection, or the list
// that leaves the call out.
std::string lifted(const FilterView& f, const std::string& key, const char* syscall) {
  if (!f.sc.enabled) return "policy: no seccomp filter";
  if (!key.empty()) return "policy: " + key;
  return std::string("policy: ") + syscall + (f.sc.allow_list ? " allowed" : " not denied");
}

// A map of /proc/self/uid_map or gid_map on one line: "0 0 1, 4322 4322 1".
std::string id_map_line(std::istream& in) {
  std::string out;
  unsigned long inside, outside, count;
  while (in >> inside >> outside >> count)
    out += (out.empty() ? "" : ", ") + std::to_string(inside) + " " + std::to_string(outside) +
           " " + std::to_string(count);
  return out;
}

// The user namespace: its id maps, setgroups, and who owns the mount namespace.
void probe_user_namespace(const Plan& plan, const HostFacts& host, Report& r) {
  const Identity& id = plan.identity;
  for (const char* which : {"uid_map", "gid_map"}) {
    const bool uid = which[0] == 'u';
    std::istringstream want_text(
        user_namespace_map(uid ? host.uid : host.gid, uid ? (id.change ? id.uid : host.uid)
                                                          : (id.change ? id.gid : host.gid)));
    std::string want = id_map_line(want_text);
    std::ifstream in(std::string("/proc/self/") + which);
    std::string got = id_map_line(in);
    r.row(got == want, std::string("user namespace ") + which + " (others are nobody)", want,
          got.empty() ? "unreadable" : got);
  }
  std::ifstream sg("/proc/self/setgroups");
  std::string setgroups;
  sg >> setgroups;
  r.row(setgroups == "deny", "user namespace setgroups", "deny", setgroups);
  // Made after the mounts, the user namespace owns no other namespace of the sandbox: the
  // mount namespace belongs to the host's user namespace, out of reach from inside, so no
  // capability held here can change a mount.
  unique_fd mnt(open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
  int owner = mnt ? ioctl(mnt.get(), NS_GET_USERNS) : -1;
  int err = errno;
  std::string got;
  if (owner >= 0) {
    unique_fd owner_fd(owner);
    struct stat st;
    got = fstat(owner, &st) == 0 && st.st_ino == ns_inode("user") ? "the sandbox's user namespace"
                                                                  : "another user namespace";
  } else {
    got = err == EPERM ? "the host's (out of reach)" : errno_name(err);
  }
  r.row(got == "the host's (out of reach)", "mount namespace owned by", "the host's (out of reach)",
        got);
}

void probe_network_view(Report& r) {
  // The namespace's interfaces as the kernel lists them for this process (/proc/self/net is
  // the reader's network namespace), against sysfs, which shows those of the namespace that
  // mounted it.
  std::set<std::string> proc_net, sys_net;
  std::ifstream dev("/proc/self/net/dev");
  std::string line;
  for (int n = 0; std::getline(dev, line); ++n) {
    size_t colon = line.find(':');
    if (n < 2 || colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    proc_net.insert(name);
  }
  if (DIR* d = opendir("/sys/class/net")) {
    while (struct dirent* de = readdir(d))
      if (de->d_name[0] != '.') sys_net.insert(de->d_name);
    closedir(d);
  }
  auto words = [](const std::set<std::string>& s) {
    std::string out;
    for (const auto& w : s) out += (out.empty() ? "" : " ") + w;
    return out.empty() ? std::string("none") : out;
  };
  r.row(sys_net == proc_net, "/sys/class/net lists the namespace's interfaces", words(proc_net),
        words(sys_net));
}

// What the namespaces of the policy must hide, seen from inside: the ids of the user namespace
// and who owns the other namespaces, the cgroup the service is in, the network interfaces in
// sysfs.
void probe_private_views(const Plan& plan, const HostFacts& host, Report& r) {
  if (plan.ns_user) probe_user_namespace(plan, host, r);
  if (plan.ns_cgroup) {
    std::ifstream in("/proc/self/cgroup");
    std::string line, got = "none";
    while (std::getline(in, line))
      if (line.starts_with("0::")) got = line;
    r.row(got == "0::/", "own cgroup seen as the root (/proc/self/cgroup)", "0::/", got);
  }
  if (plan.ns_net) probe_network_view(r);
}

// A new file system at its target, so its device differs from whatever the host had there.
// cgroup2 is left out, and sysfs outside a network namespace of its own: the kernel gives one
// superblock per hierarchy and per network namespace, so a fresh one shows the host's device.
bool fresh_file_system(const Plan& plan, const MountEntry& e, const struct stat& st) {
  switch (e.kind) {
    case MountKind::kSysfs:
      return plan.ns_net;
    case MountKind::kProc:  // a superblock of its own per mount since Linux 5.8
    case MountKind::kTmpfs:
    case MountKind::kPrivateDev:
    case MountKind::kSecrets:
    case MountKind::kInaccessible:  // cloned from a scratch tmpfs
      return true;
    case MountKind::kMask:
      return S_ISDIR(st.st_mode);  // an empty tmpfs; a file gets /dev/null, checked as such
    default:
      return false;
  }
}

// Whether `path` is the root of a mount: statx's STATX_ATTR_MOUNT_ROOT (Linux 5.8), else a
// mount point of that name among the reachable mounts.
bool mount_root(const std::string& path, const std::vector<MountInfo>& lines) {
  struct statx sx;
  if (statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) == 0 &&
      (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
    return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  return std::any_of(lines.begin(), lines.end(),
                     [&](const MountInfo& m) { return m.point == path; });
}

std::string dev_ino(dev_t dev, ino_t ino) {
  return std::to_string(major(dev)) + ":" + std::to_string(minor(dev)) + " inode " +
         std::to_string(ino);
}

// Why the mount at an establishing entry's target is not the entry's own, or "" when it is.
// A type check alone passes on what was there before: the host's /run is a tmpfs and its
// /proc a procfs, so a mount that never happened would look done. The target must be a mount
// root; a fresh file system must be another than the host had there; a bind must show its
// source's own inode.
std::string not_own_mount(const Plan& plan, size_t i, const struct stat& st, const HostFacts& host,
                          const std::vector<MountInfo>& lines) {
  const MountEntry& e = plan.mounts[i];
  if (!establishes(e.kind)) return "";
  if (!mount_root(e.target, lines)) return "NOT A MOUNT of its own";
  if (i < host.targets.size() && host.targets[i].present && fresh_file_system(plan, e, st) &&
      host.targets[i].dev == st.st_dev)
    return "THE HOST'S FILE SYSTEM (device " + dev_ino(st.st_dev, st.st_ino) + " as before)";
  if (e.kind == MountKind::kBind && i < host.sources.size()) {
    const HostFacts::Node& source = host.sources[i];
    if (!source.present) return "SOURCE NOT FOUND on the host";
    if (source.dev != st.st_dev || source.ino != st.st_ino)
      return "NOT THE SOURCE (" + dev_ino(st.st_dev, st.st_ino) + ", the source's " +
             dev_ino(source.dev, source.ino) + ")";
  }
  return "";
}

// The rows of one entry of the plan: each holds only if the mount at the target is the
// entry's own (`problem` says why not, "" when it is).
struct EntryRows {
  Report& r;
  std::string problem;
  void row(bool pass, const std::string& property, const std::string& asked,
           const std::string& observed) {
    r.row(pass && problem.empty(), property, asked,
          problem.empty() ? observed : observed + "; " + problem);
  }
};

// Every mount at or below the path, except the writable holes, must be read-only, and a write
// there must be refused.
void check_read_only(const Plan& plan, const MountEntry& e, const struct stat& st,
                     const std::vector<MountInfo>& lines, EntryRows& rows) {
  int rw = 0, total = 0;
  for (const auto& m : lines) {
    if (!path_is_under(m.point, e.target)) continue;
    bool hole = false;
    for (size_t h : e.holes) hole |= path_is_under(m.point, plan.mounts[h].target);
    if (hole) continue;
    ++total;
    if (!m.read_only) ++rw;
  }
  bool ro = statvfs_ro(e.target);
  errno = 0;
  int write_errno = 0;
  if (S_ISDIR(st.st_mode)) {
    unique_dir probe =
        unique_dir::make(e.target + (e.target == "/" ? "" : "/") + ".jharden-verify", 0700);
    if (!probe) write_errno = errno;
  } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode) ||
             S_ISSOCK(st.st_mode)) {
    write_errno = set_own_mode(e.target, st);
  } else {
    unique_fd fd(open(e.target.c_str(), O_WRONLY | O_APPEND | O_NOCTTY | O_NONBLOCK));
    write_errno = fd ? 0 : errno;
  }
  bool refused = write_errno == EROFS || (write_errno != 0 && ro);
  rows.row(ro && rw == 0 && refused, e.target + " is read-only (with submounts)", "read-only",
           std::string(ro ? "read-only" : "WRITABLE") + ", " + std::to_string(total - rw) + "/" +
               std::to_string(total) + " mounts ro, write: " + errno_name(write_errno));
}

void check_tmpfs(const MountEntry& e, const struct stat& st, const HostFacts& host,
                 EntryRows& rows) {
  bool t = is_tmpfs(e.target);
  std::string obs = t ? "tmpfs" : "not tmpfs";
  bool pass = t;
  if (e.target == "/tmp") {
    bool priv = st.st_dev != host.tmp_dev || st.st_ino != host.tmp_ino;
    bool empty = dir_empty("/tmp");
    pass = pass && priv && empty;
    obs += std::string(priv ? ", private" : ", HOST /tmp") + (empty ? ", empty" : ", not empty");
  }
  rows.row(pass, e.target + " is a private tmpfs", "tmpfs", obs);
}

void check_mask(const MountEntry& e, const struct stat& st, EntryRows& rows) {
  if (S_ISDIR(st.st_mode)) {
    bool ok = dir_empty(e.target) && statvfs_ro(e.target);
    rows.row(ok, e.target + " is masked", "empty, read-only", ok ? "empty, read-only" : "visible");
    return;
  }
  bool null_dev = S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
  char buf[64];
  unique_fd fd(open(e.target.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK));
  ssize_t n = fd ? read(fd.get(), buf, sizeof buf) : -1;
  rows.row(null_dev && n == 0, e.target + " reads as empty", "masked (1:3)",
           std::string(null_dev ? "char 1:3" : "NOT /dev/null") + ", read " + std::to_string(n) +
               " bytes");
}

// What the daemon can actually read there (root may hold CAP_DAC_OVERRIDE): a file read must
// yield nothing, a directory listing no entry. The plan holds one such entry for every place
// a hidden path can be reached (binds of its parents).
void check_inaccessible(const MountEntry& e, const struct stat& st, EntryRows& rows) {
  std::string got;
  bool nothing;
  if (S_ISDIR(st.st_mode)) {
    nothing = dir_empty(e.target) || access(e.target.c_str(), R_OK) != 0;
    got = nothing ? "nothing listed" : "ENTRIES LISTED";
  } else {
    char buf[64];
    unique_fd fd(open(e.target.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) got = errno_name(errno);
    ssize_t n = fd ? read(fd.get(), buf, sizeof buf) : -1;
    nothing = n <= 0;
    if (n >= 0) got = n == 0 ? "read 0 bytes" : "READ " + std::to_string(n) + " BYTES";
  }
  bool ok = (st.st_mode & 07777) == 0 && nothing;
  rows.row(ok, e.target + " is inaccessible", "mode 0000, empty",
           "mode " + octal_mode(st.st_mode) + ", " + got);
}

// hidepid= and subset= as the kernel reads them back from the mount at the target (the last
// one listed there is on top), not as asked.
void check_proc(const MountEntry& e, const std::vector<MountInfo>& lines, EntryRows& rows) {
  struct statfs sf;
  const bool procfs = statfs(e.target.c_str(), &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
  const MountInfo* top = nullptr;
  for (const auto& m : lines)
    if (m.point == e.target) top = &m;
  std::string shown, missing;
  if (top)
    for (const auto& o : top->super_options)
      if (o.starts_with("hidepid=") || o.starts_with("subset="))
        shown += (shown.empty() ? "" : ",") + o;
  std::istringstream asked(e.options);
  for (std::string o; std::getline(asked, o, ',');)
    if (!top || std::find(top->super_options.begin(), top->super_options.end(), o) ==
                    top->super_options.end())
      missing += " " + o;
  rows.row(procfs && missing.empty(), e.target + " is a fresh procfs",
           e.options.empty() ? "procfs" : e.options,
           std::string(procfs ? "procfs" : "not procfs") + (shown.empty() ? "" : ", " + shown) +
               (missing.empty() ? "" : "; MISSING:" + missing));
}

void check_cgroup(const MountEntry& e, EntryRows& rows) {
  struct statfs sf;
  bool cgroup2 = statfs(e.target.c_str(), &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
  bool ro = statvfs_ro(e.target);
  rows.row(cgroup2 && ro, e.target + " is a read-only cgroup2", "read-only cgroup2",
           std::string(cgroup2 ? "cgroup2" : "not cgroup2") + (ro ? ", read-only" : ", WRITABLE"));
}

// "null 1:3 zero 1:5 ... tty 5:0 pts shm": what a private /dev holds besides the links.
std::string standard_dev_set() {
  std::string out;
  for (const DevNode& n : kPrivateDevNodes)
    out +=
        std::string(n.name) + " " + std::to_string(n.major) + ":" + std::to_string(n.minor) + " ";
  return out + "pts shm";
}

// The device nodes that are not the character device of their number, but for one that a mask
// or an inaccessible entry covers (inaccessible = /dev/tty). A bind there must bind that
// device.
std::string wrong_dev_nodes(const Plan& plan, const MountEntry& dev) {
  std::string wrong;
  for (const DevNode& n : kPrivateDevNodes) {
    const std::string path = dev.target + "/" + n.name;
    if (entries_at(plan, path, [&](size_t i) {
          return plan.mounts[i].kind == MountKind::kMask ||
                 plan.mounts[i].kind == MountKind::kInaccessible;
        }))
      continue;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != n.major ||
        minor(st.st_rdev) != n.minor)
      wrong += std::string(" ") + n.name;
  }
  return wrong;
}

// The paths below /dev that entries of the policy mount (bind = /dev/kmsg:/dev/kmsg,
// tmpfs = /dev/a/b), but for the standard device nodes, checked by their numbers.
std::vector<std::string> placed_in_dev(const Plan& plan, const MountEntry& dev) {
  std::vector<std::string> paths;
  for (const auto& x : plan.mounts)
    if (establishes(x.kind) && x.target != dev.target && path_is_under(x.target, dev.target) &&
        !private_dev_node(x.target.substr(dev.target.size() + 1)))
      paths.push_back(x.target);
  return paths;
}

// What /dev holds, walked without following a symlink: the names directly in it that are not
// the standard ones, the block devices anywhere below it (no disk is reachable, whoever put
// it there), and the character devices other than the standard nodes and devpts's terminals
// (pts), but for those the policy put there. A device counts where it opens: not on a nodev
// mount (such as the bind of a directory holding devices).
struct DevContents {
  std::string extra, others;
  int blocks = 0;
};

void walk_dev(const std::string& dir, const std::vector<std::string>& placed, DevContents& out) {
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  std::unique_ptr<DIR, int (*)(DIR*)> closer(d, closedir);
  while (dirent* de = readdir(d)) {
    const std::string n = de->d_name;
    if (n == "." || n == "..") continue;
    const std::string path = dir + "/" + n;
    const bool theirs = std::any_of(placed.begin(), placed.end(),
                                    [&](const std::string& p) { return path_is_under(path, p); });
    const bool on_their_way = std::any_of(
        placed.begin(), placed.end(), [&](const std::string& p) { return path_is_under(p, path); });
    if (dir == "/dev" && !private_dev_holds(n) && !on_their_way) out.extra += " " + n;
    struct stat st;
    if (fstatat(dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    struct statvfs on;
    const bool opens = (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) &&
                       statvfs(path.c_str(), &on) == 0 && !(on.f_flag & ST_NODEV);
    if (S_ISBLK(st.st_mode) && opens) ++out.blocks;
    const bool standard = dir == "/dev" && private_dev_node(n);
    if (S_ISCHR(st.st_mode) && opens && !standard && !theirs && !path_is_under(path, "/dev/pts"))
      out.others += " " + path.substr(5);
    if (S_ISDIR(st.st_mode)) walk_dev(path, placed, out);
  }
}

void check_private_dev(const Plan& plan, const MountEntry& e, EntryRows& rows) {
  const std::vector<std::string> placed = placed_in_dev(plan, e);
  DevContents in;
  walk_dev("/dev", placed, in);
  std::string theirs;
  for (const auto& p : placed) theirs += " " + p.substr(e.target.size() + 1);
  const std::string wrong = wrong_dev_nodes(plan, e);
  std::string seen;
  auto note = [&](const std::string& what) { seen += (seen.empty() ? "" : "; ") + what; };
  if (!in.extra.empty()) note("extra:" + in.extra);
  if (!wrong.empty()) note("not their device:" + wrong);
  if (!in.others.empty()) note("other devices:" + in.others);
  if (in.blocks > 0) note(std::to_string(in.blocks) + " block device(s)");
  const bool standard = seen.empty();
  if (standard) seen = "standard set, no block device";
  if (!theirs.empty()) seen += "; the policy's:" + theirs;
  rows.row(standard && is_tmpfs("/dev"), "/dev holds only pseudo-devices",
           standard_dev_set() + (theirs.empty() ? "" : " + the policy's:" + theirs), seen);
}

// The secrets tmpfs, then a row of its own for each projected file (those hold whether or not
// the mount is the entry's own: the file's mode, owner and size are checked directly).
void check_secrets(const Plan& plan, const MountEntry& e, const struct stat& st,
                   const HostFacts& host, EntryRows& rows) {
  const Identity& id = plan.identity;
  struct statvfs sv;
  statvfs(e.target.c_str(), &sv);
  bool ok = is_tmpfs(e.target) && (sv.f_flag & ST_RDONLY) && (sv.f_flag & ST_NOEXEC) &&
            (sv.f_flag & ST_NOSUID) && (st.st_mode & 07777) == kSecretsDirectoryMode &&
            st.st_uid == id.secrets_uid;
  rows.row(
      ok, e.target + " is a read-only secrets tmpfs",
      "ro,noexec," + octal_mode(kSecretsDirectoryMode) + ", uid " + std::to_string(id.secrets_uid),
      std::string((sv.f_flag & ST_RDONLY) ? "ro" : "rw") +
          ((sv.f_flag & ST_NOEXEC) ? ",noexec" : "") + ", mode " + octal_mode(st.st_mode) +
          ", uid " + std::to_string(st.st_uid));
  for (const auto& [name, size] : host.secret_sizes) {
    std::string p = e.target + "/" + name;
    struct stat fs;
    bool present = stat(p.c_str(), &fs) == 0;
    bool fok = present && (fs.st_mode & 07777) == plan.secrets_mode &&
               fs.st_uid == id.secrets_uid && fs.st_gid == id.secrets_gid &&
               static_cast<size_t>(fs.st_size) == size;
    const std::string want = octal_mode(plan.secrets_mode);
    const std::string got = octal_mode(present ? fs.st_mode : 0);
    rows.r.row(fok, p + " projected",
               std::string("mode ") + want + ", " + std::to_string(size) + " B, owner " +
                   std::to_string(id.secrets_uid) + ":" + std::to_string(id.secrets_gid),
               present
                   ? std::string("mode ") + got + ", " + std::to_string(fs.st_size) + " B, owner " +
                         std::to_string(fs.st_uid) + ":" + std::to_string(fs.st_gid)
                   : "missing");
  }
}

// The rows of entry `i`, by its kind.
void check_entry(const Plan& plan, size_t i, const struct stat& st, const HostFacts& host,
                 const std::vector<MountInfo>& lines, EntryRows& rows) {
  const MountEntry& e = plan.mounts[i];
  switch (e.kind) {
    case MountKind::kReadOnly:
      check_read_only(plan, e, st, lines, rows);
      break;
    case MountKind::kReadWrite:
      if (!e.implicit)
        rows.row(!statvfs_ro(e.target), e.target + " stays writable", "writable",
                 statvfs_ro(e.target) ? "read-only" : "writable");
      break;
    case MountKind::kTmpfs:
      check_tmpfs(e, st, host, rows);
      break;
    case MountKind::kMask:
      check_mask(e, st, rows);
      break;
    case MountKind::kInaccessible:
      check_inaccessible(e, st, rows);
      break;
    case MountKind::kProc:
      check_proc(e, lines, rows);
      break;
    case MountKind::kSysfs:
      rows.row(statvfs_ro(e.target), e.target + " is a read-only sysfs", "read-only",
               statvfs_ro(e.target) ? "read-only" : "WRITABLE");
      break;
    case MountKind::kCgroup:
      check_cgroup(e, rows);
      break;
    case MountKind::kBind:
      rows.row(statvfs_ro(e.target) == e.attrs.read_only, e.target + " is bound from " + e.source,
               e.attrs.read_only ? "read-only" : "writable",
               statvfs_ro(e.target) ? "read-only" : "writable");
      break;
    case MountKind::kPrivateDev:
      check_private_dev(plan, e, rows);
      break;
    case MountKind::kSecrets:
      check_secrets(plan, e, st, host, rows);
      break;
  }
}

// "-SOURCE" missing on the host: jharden skipped the bind, and the target is a plain directory
// or file.
bool skipped_bind(const Plan& plan, size_t i, const HostFacts& host) {
  const MountEntry& e = plan.mounts[i];
  return e.kind == MountKind::kBind && e.optional && i < host.sources.size() &&
         !host.sources[i].present;
}

void probe_mounts(const Plan& plan, const HostFacts& host, Report& r) {
  // Only what a path reaches: a shadowed mount can be neither written nor made read-only.
  std::vector<MountInfo> lines = reachable_mounts(read_mountinfo());
  for (size_t i = 0; i < plan.mounts.size(); ++i) {
    const MountEntry& e = plan.mounts[i];
    struct stat st;
    if (lstat(e.target.c_str(), &st) != 0) {
      if (!e.optional) r.row(false, e.target + " exists", "present", errno_name(errno));
      continue;  // optional and absent on this system: nothing to test
    }
    if (skipped_bind(plan, i, host)) continue;
    EntryRows rows{r, not_own_mount(plan, i, st, host, lines)};
    check_entry(plan, i, st, host, lines, rows);
  }
}

// A hexadecimal field of /proc/self/status (CapBnd, SigBlk); nullopt when it is absent or not
// a number (a /proc of a container manager, a kernel that names it otherwise).
std::optional<uint64_t> hex_field(const std::string& v) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), value, 16);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) return std::nullopt;
  return value;
}

// The five capability sets, and the capabilities that must be in none of them.
void probe_capabilities(const Plan& plan, const HostFacts& host,
                        std::map<std::string, std::string>& status, Report& r) {
  // A field that cannot be read counts as every bit set: the rows that use it fail.
  auto parse = [&](const char* key) { return hex_field(status[key]).value_or(~0ULL); };
  // Only what the caller held can be kept.
  uint64_t bnd = mask_of(plan.caps.bounding) & host.cap_bnd, amb = mask_of(plan.caps.ambient);
  uint64_t prm_want = effective_caps(plan, host);
  const bool admin = admin_until_exec(plan, host);
  const std::string until_exec = admin ? " (+CAP_SYS_ADMIN until execve)" : "";
  r.row(parse("CapBnd") == bnd, "bounding set", hex(bnd), hex(parse("CapBnd")));
  r.row(parse("CapPrm") == prm_want, "permitted set", hex(prm_want) + until_exec,
        hex(parse("CapPrm")));
  r.row(parse("CapEff") == prm_want, "effective set", hex(prm_want) + until_exec,
        hex(parse("CapEff")));
  r.row(parse("CapInh") == amb, "inheritable set", hex(amb), hex(parse("CapInh")));
  r.row(parse("CapAmb") == amb, "ambient set", hex(amb), hex(parse("CapAmb")));
  uint64_t all =
      parse("CapBnd") | parse("CapPrm") | parse("CapEff") | parse("CapInh") | parse("CapAmb");
  // What execve keeps: the bounding, inheritable and ambient sets decide the daemon's.
  uint64_t after_exec = parse("CapBnd") | parse("CapInh") | parse("CapAmb");
  for (int cap : plan.caps.dropped)
    // CAP_SETFCAP and CAP_FSETID: what restrict_suid_sgid drops besides its filter rules.
    if (cap == CAP_SYS_ADMIN || cap == CAP_SYS_PTRACE || cap == CAP_SYS_MODULE ||
        cap == CAP_SETFCAP || cap == CAP_FSETID) {
      const bool held = ((cap == CAP_SYS_ADMIN && admin ? after_exec : all) & (1ULL << cap)) != 0;
      r.row(!held, capability_name(cap) + " in no set",
            cap == CAP_SYS_ADMIN && admin ? "absent after execve" : "absent",
            held ? "PRESENT" : "absent");
    }
}

void probe_identity(const Plan& plan, std::map<std::string, std::string>& status, Report& r) {
  r.row(status["NoNewPrivs"] == (plan.no_new_privileges ? "1" : "0"), "NoNewPrivs",
        plan.no_new_privileges ? "1" : "0", status["NoNewPrivs"]);
  r.row(getuid() == plan.identity.uid && geteuid() == plan.identity.uid, "user id",
        std::to_string(plan.identity.uid), std::to_string(geteuid()));
  r.row(getgid() == plan.identity.gid && getegid() == plan.identity.gid, "group id",
        std::to_string(plan.identity.gid), std::to_string(getegid()));
  if (plan.identity.change) {
    std::vector<gid_t> groups(static_cast<size_t>(std::max(getgroups(0, nullptr), 0)));
    groups.resize(static_cast<size_t>(
        std::max(getgroups(static_cast<int>(groups.size()), groups.data()), 0)));
    std::vector<gid_t> want = plan.identity.groups;
    std::sort(groups.begin(), groups.end());
    std::sort(want.begin(), want.end());
    r.row(groups == want, "supplementary groups", std::to_string(want.size()) + " groups",
          std::to_string(groups.size()) + " groups");
  }
}

// The seccomp mode, and what the filter answers for the clock (adjtimex) and for calls of the
// other ABIs (x32, i386).
void probe_seccomp_mode(const Plan& plan, std::map<std::string, std::string>& status, Report& r) {
  const SeccompPlan& sc = plan.seccomp;
  const FilterView f{sc};
  r.row(status["Seccomp"] == (sc.enabled ? "2" : "0"), "seccomp mode",
        sc.enabled ? "2 (filter)" : "0 (policy: no seccomp filter)", status["Seccomp"]);
  {
    // adjtimex with modes 0 only reads the clock state and needs no privilege: a refusal can
    // only come from the filter. A policy for a time daemon (chrony) allows @clock.
    std::string got = in_child([] {
      struct timex tx {};
      return syscall(SYS_adjtimex, &tx) == -1 ? errno : 0;
    });
    const bool denied = f.denies("adjtimex");
    r.row(denied ? f.refused(got, "adjtimex") : got == "allowed", "syscall adjtimex (@clock)",
          denied ? f.refused_by_filter("adjtimex") : "allowed (" + lifted(f, "", "adjtimex") + ")",
          got);
  }
  // x32: the x86_64 entry with bit 30 set, which the filter of the native architecture sees
  // (and refuses) even where the kernel has no x32 ABI. i386: int 0x80 (getpid is 20 there),
  // which a kernel without IA32 emulation answers with SIGSEGV before any filter runs.
  // Without native_only, the filter lets both through and the kernel answers.
  const bool native = sc.enabled && sc.native_only;
  const std::string why = sc.enabled ? "policy: native_only = no" : "policy: no seccomp filter";
  std::string x32 = in_child([] { return syscall(0x40000000 | SYS_getpid) == -1 ? errno : 0; });
  bool x32_kernel = x32 == "allowed" || x32 == "ENOSYS";
  r.row(native ? f.refused(x32) : x32_kernel, "x32 ABI getpid",
        native ? f.refused_by_filter() : "the kernel's answer (" + why + ")",
        x32 == "ENOSYS" ? x32 + " (no x32 ABI in this kernel)" : x32);
  std::string i386 = in_child([] {
    long ret;
    asm volatile("int $0x80" : "=a"(ret) : "0"(20L) : "memory");
    return ret < 0 ? static_cast<int>(-ret) : 0;
  });
  const bool no_ia32 = i386 == "killed by SIGSEGV";
  r.row(no_ia32 || (native ? f.refused(i386) : i386 == "allowed"), "i386 ABI getpid",
        native ? f.refused_by_filter() : "the kernel's answer (" + why + ")",
        no_ia32 ? i386 + " (no i386 ABI in this kernel)" : i386);
}

void probe_privileges(const Plan& plan, const HostFacts& host, Report& r) {
  auto status = proc_status();
  probe_capabilities(plan, host, status, r);
  probe_identity(plan, status, r);
  probe_seccomp_mode(plan, status, r);
}

// What the probes of the kernel interfaces share: the filter as seen from inside, the
// capabilities the probe holds, and the namespace types the policy lets it create.
struct KernelView {
  KernelView(const Plan& plan, const HostFacts& host, Report& report)
      : sc(plan.seccomp), f{plan.seccomp}, caps(effective_caps(plan, host)), r(report) {
    std::string allowed;
    for (const auto& t : namespace_types())
      if (sc.namespace_allowed(t.flag)) allowed += std::string(" ") + t.name;
    allow_create = "allow_create =" + (sc.restricts_namespaces() ? allowed : " all");
  }
  bool holds(int cap) const { return (caps & (1ULL << cap)) != 0; }
  std::string kernel_refusal(int cap) const { return "EPERM (no " + capability_name(cap) + ")"; }

  const SeccompPlan& sc;
  const FilterView f;
  const uint64_t caps;
  Report& r;
  std::string allow_create;
};

// Shocker: a handle of "/" reopened through a descriptor of the same mount. Since Linux
// 6.10 the kernel rejects a handle of no bytes (EINVAL) before it checks
// CAP_DAC_READ_SEARCH; older kernels check the capability first, and there only the filter
// and the capability together can be seen.
void probe_file_handles(const KernelView& k) {
  const FilterView& f = k.f;
  auto open_handle = [](bool made_up) {
    alignas(file_handle) unsigned char buf[sizeof(file_handle) + MAX_HANDLE_SZ] = {};
    auto* fh = reinterpret_cast<file_handle*>(buf);
    fh->handle_bytes = MAX_HANDLE_SZ;
    int mount_id = 0;
    if (made_up) {
      fh->handle_bytes = 0;
    } else if (name_to_handle_at(AT_FDCWD, "/", fh, &mount_id, 0) != 0) {
      fh->handle_bytes = 8;  // a made-up handle still meets the capability check
      fh->handle_type = 1;
    }
    int mount_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return open_by_handle_at(mount_fd, fh, O_RDONLY | O_CLOEXEC) == -1 ? errno : 0;
  };
  std::string got = in_child([&] { return open_handle(false); });
  std::string early = in_child([&] { return open_handle(true); });
  const bool dac = k.holds(CAP_DAC_READ_SEARCH);
  std::string asked;
  bool pass;
  if (f.denies("open_by_handle_at")) {
    asked = f.refused_by_filter("open_by_handle_at", dac ? "" : "no CAP_DAC_READ_SEARCH");
    pass = f.refused(got, "open_by_handle_at") && f.refused(early, "open_by_handle_at");
  } else if (!dac) {
    asked = k.kernel_refusal(CAP_DAC_READ_SEARCH) + "; " + lifted(f, "", "open_by_handle_at");
    pass = got == "EPERM" && (early == "EINVAL" || early == "EPERM");
  } else {
    asked = "allowed (" + lifted(f, "", "open_by_handle_at") + ", CAP_DAC_READ_SEARCH kept)";
    // A root whose file system gives no handle meets a kernel error, never EPERM.
    pass = got != "EPERM" && !f.refused(got, "open_by_handle_at") && early == "EINVAL";
  }
  k.r.row(pass, "file handles (open_by_handle_at)", asked, got + "; a handle of 0 bytes: " + early);
}

void probe_keyrings(const KernelView& k) {
  const FilterView& f = k.f;
  std::string got = in_child([] {
    return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0) == -1 ? errno : 0;
  });
  bool filter = f.denies("keyctl");
  k.r.row(filter ? f.refused(got, "keyctl") : got == "allowed", "kernel keyrings (keyctl)",
          filter ? f.refused_by_filter("keyctl") : "allowed (" + lifted(f, "", "keyctl") + ")",
          got);
}

// A nameless file (O_TMPFILE) leaves nothing behind whatever the outcome.
void probe_suid_files(const KernelView& k) {
  const SeccompPlan& sc = k.sc;
  const FilterView& f = k.f;
  std::string got = in_child([] {
    int err = EROFS;
    for (const char* dir : {"/tmp", "/var/tmp", "/dev/shm"}) {
      int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 04755);
      if (fd >= 0) return 0;
      if (errno == EPERM) {
        fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) return EPERM;
        return fchmod(fd, 02755) == 0 || fchmod(fd, 04755) == 0 ? 0 : errno;
      }
      err = errno;
    }
    return err;
  });
  bool filter = (sc.enabled && sc.restrict_suid_sgid) || f.denies("openat");
  // Lifted, only a file system that takes no file (read-only, no O_TMPFILE) can say no.
  const bool nowhere = got == "EROFS" || got == "EACCES" || got == "EOPNOTSUPP" || got == "ENOENT";
  k.r.row(filter ? f.refused(got, "openat") : got == "allowed" || nowhere,
          "set-user-ID/set-group-ID files",
          filter ? f.refused_by_filter("openat")
                 : "allowed (" + lifted(f, "restrict_suid_sgid = no", "openat") + ")",
          nowhere && !filter ? got + " (nowhere to create a file)" : got);
}

// io_uring: its requests carry their arguments past the filter's rules (IORING_OP_OPENAT
// with mode 04755). A ring of one entry, closed at once.
void probe_io_uring(const KernelView& k) {
  const SeccompPlan& sc = k.sc;
  const FilterView& f = k.f;
  std::string got = in_child([] {
    io_uring_params p{};
    long fd = syscall(SYS_io_uring_setup, 1, &p);
    if (fd < 0) return errno;
    close(static_cast<int>(fd));
    return 0;
  });
  bool filter = sc.refuses_io_uring() || f.denies("io_uring_setup");
  k.r.row(filter ? f.refused(got) : got == "allowed" || got == "EPERM" || got == "ENOSYS",
          "io_uring (io_uring_setup)",
          filter ? f.refused_by_filter()
                 : "allowed (" + lifted(f, "restrict_suid_sgid = no", "io_uring_setup") + ")",
          got);
}

void probe_personality(const KernelView& k) {
  const SeccompPlan& sc = k.sc;
  const FilterView& f = k.f;
  std::string got = in_child([] { return personality(PER_LINUX32) == -1 ? errno : 0; });
  bool filter = (sc.enabled && sc.lock_personality) || f.denies("personality");
  k.r.row(filter ? f.refused(got, "personality") : got == "allowed",
          "personality changes (PER_LINUX32)",
          filter ? f.refused_by_filter("personality")
                 : "allowed (" + lifted(f, "lock_personality = no", "personality") + ")",
          got);
}

// Priority 0 is invalid for SCHED_FIFO: the kernel answers EINVAL before it checks
// CAP_SYS_NICE, the filter refuses on the policy alone.
void probe_realtime(const KernelView& k) {
  const SeccompPlan& sc = k.sc;
  const FilterView& f = k.f;
  auto fifo = [](int priority) {
    return [priority] {
      sched_param sp{};
      sp.sched_priority = priority;
      return sched_setscheduler(0, SCHED_FIFO, &sp) == -1 ? errno : 0;
    };
  };
  std::string got = in_child(fifo(1));
  std::string early = in_child(fifo(0));
  bool filter = (sc.enabled && sc.restrict_realtime) || f.denies("sched_setscheduler");
  struct rlimit rt {};
  const bool nice =
      k.holds(CAP_SYS_NICE) || (getrlimit(RLIMIT_RTPRIO, &rt) == 0 && rt.rlim_cur > 0);
  std::string asked;
  bool pass;
  const std::string why = lifted(f, "restrict_realtime = no", "sched_setscheduler");
  if (filter) {
    asked = f.refused_by_filter("sched_setscheduler", nice ? "" : "no CAP_SYS_NICE");
    pass = f.refused(got, "sched_setscheduler") && f.refused(early, "sched_setscheduler");
  } else {
    asked = nice ? "allowed (" + why + ")" : k.kernel_refusal(CAP_SYS_NICE) + "; " + why;
    pass = got == (nice ? "allowed" : "EPERM") && early == "EINVAL";
  }
  k.r.row(pass, "realtime scheduling (SCHED_FIFO)", asked, got + "; priority 0: " + early);
}

// Every type, with CLONE_PARENT added: unshare(2) takes no such flag, so the kernel answers
// EINVAL before it creates anything, while the filter refuses on the namespace flag alone.
// A type the policy allows must reach the kernel; the user namespace is created for real,
// since in one root holds every capability again.
void probe_unshare(const KernelView& k) {
  const SeccompPlan& sc = k.sc;
  const FilterView& f = k.f;
  std::string refused_want, reach_want, refused_got, reach_got;
  for (const auto& t : namespace_types()) {
    const bool allowed = !sc.enabled || (sc.namespace_allowed(t.flag) && !f.denies("unshare"));
    (allowed ? reach_want : refused_want) += std::string(" ") + t.name;
    unsigned long flag = t.flag;
    std::string probe = in_child(
        [flag] { return unshare(static_cast<int>(flag | CLONE_PARENT)) == -1 ? errno : 0; });
    std::string real = "";
    if (flag == CLONE_NEWUSER || probe != "EINVAL")
      real = in_child([flag] { return unshare(static_cast<int>(flag)) == -1 ? errno : 0; });
    if (f.refused(probe, "unshare") && (real.empty() || f.refused(real, "unshare")))
      refused_got += std::string(" ") + t.name;
    else
      reach_got += std::string(" ") + t.name + (real.empty() ? "" : " (" + real + ")");
  }
  auto describe = [](const std::string& refused, const std::string& reach) {
    std::string out;
    if (!refused.empty()) out = "refused:" + refused;
    if (!reach.empty()) out += (out.empty() ? "" : "; ") + std::string("reach the kernel:") + reach;
    return out;
  };
  const std::string ns_want = describe(refused_want, reach_want);
  const std::string ns_got = describe(refused_got, reach_got);
  // The created user namespace is reported, not judged: the kernel may refuse it for reasons
  // of its own (user.max_user_namespaces).
  std::string ns_got_bare = ns_got;
  for (size_t open; (open = ns_got_bare.find(" (")) != std::string::npos;)
    ns_got_bare.erase(open, ns_got_bare.find(')', open) - open + 1);
  k.r.row(
      ns_got_bare == ns_want, "new namespaces (unshare)",
      reach_want.empty() ? ns_want : ns_want + " (" + lifted(f, k.allow_create, "unshare") + ")",
      ns_got);
}

// Joining the user namespace it is already in: the kernel says EINVAL, only the filter
// EPERM. With nstype 0 (any type), which only a policy allowing every type lets through,
// and with CLONE_NEWUSER.
void probe_setns(const KernelView& k) {
  const SeccompPlan& sc = k.sc;
  const FilterView& f = k.f;
  auto join = [](int nstype) {
    return [nstype] {
      int fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
      if (fd < 0) return errno;
      return setns(fd, nstype) == -1 ? errno : 0;
    };
  };
  const bool any_refused = sc.enabled && (sc.restricts_namespaces() || f.denies("setns"));
  const bool user_refused =
      sc.enabled && (!sc.namespace_allowed(CLONE_NEWUSER) || f.denies("setns"));
  const std::string want = std::string("any type: ") +
                           (any_refused ? f.refusal("setns") : "EINVAL") +
                           ", user: " + (user_refused ? f.refusal("setns") : "EINVAL");
  std::string got = "any type: " + in_child(join(0)) + ", user: " + in_child(join(CLONE_NEWUSER));
  k.r.row(
      got == want, "setns (own user namespace)",
      any_refused && user_refused ? want : want + " (" + lifted(f, k.allow_create, "setns") + ")",
      got);
}

// The first number above libseccomp's table: the kernel may have a call there, the filter
// answers ENOSYS (its default action) whatever the policy. Without a filter, the call
// reaches the kernel, which the seccomp mode row checks.
void probe_unknown_syscall(const KernelView& k) {
  const SeccompPlan& sc = k.sc;
  int unknown = 0;
  for (int nr = 0; nr < 1024; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (name) unknown = nr + 1;
    free(name);
  }
  std::string got =
      in_child([unknown] { return syscall(unknown, 0, 0, 0, 0, 0) == -1 ? errno : 0; });
  const std::string unknown_row = "syscall " + std::to_string(unknown) + " (unknown to libseccomp)";
  if (sc.enabled)
    k.r.row(got == "ENOSYS", unknown_row, "ENOSYS (filter)", got);
  else
    k.r.row(proc_status()["Seccomp"] == "0", unknown_row,
            "the kernel's answer (policy: no seccomp filter)", got);
}

// The kernel interfaces that let root reach around the sandbox. Each row expects what the plan
// asks for: refused by the filter (or by the kernel, for lack of a capability the plan
// drops), or, where the policy lifts the protection, the kernel's own answer, which the row
// checks too. Where the kernel would refuse a call as well, a second call that the kernel
// answers differently (EINVAL) tells the filter's refusal from the kernel's.
void probe_kernel_interfaces(const Plan& plan, const HostFacts& host, Report& r) {
  const KernelView k(plan, host, r);
  probe_file_handles(k);
  probe_keyrings(k);
  probe_suid_files(k);
  probe_io_uring(k);
  probe_personality(k);
  probe_realtime(k);
  probe_unshare(k);
  probe_setns(k);
  probe_unknown_syscall(k);
}

void probe_address_families(const Plan& plan, Report& r) {
  const SeccompPlan& sc = plan.seccomp;
  const FilterView f{sc};
  auto socket_of = [](int family) {
    return [family] {
      int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      return fd < 0 ? errno : 0;
    };
  };
  auto listed = [&](int family) {
    return !sc.address_families ||
           std::binary_search(sc.address_families->begin(), sc.address_families->end(), family);
  };
  // A family every kernel has, and one the policy leaves out (AF_NETLINK, unless listed).
  int outside = AF_NETLINK;
  for (int family : {AF_NETLINK, AF_PACKET, AF_INET6, AF_INET, AF_UNIX})
    if (!listed(family)) {
      outside = family;
      break;
    }
  std::string got = in_child(socket_of(outside));
  const bool restricted = sc.enabled && !listed(outside) && !f.denies("socket");
  const std::string name = address_family_name(outside);
  if (restricted) {
    const std::string want = sc.action == SeccompAction::kErrno ? "EAFNOSUPPORT" : f.refusal();
    r.row(got == want, "socket(" + name + ")", want + " (filter: address_families)", got);
  } else if (f.denies("socket")) {
    r.row(f.refused(got, "socket"), "socket(" + name + ")", f.refused_by_filter("socket"), got);
  } else {
    // A raw family may need a capability: only the filter's EAFNOSUPPORT is wrong here.
    r.row(got != "EAFNOSUPPORT", "socket(" + name + ")",
          std::string("the kernel's answer (policy: ") +
              (sc.address_families ? name + " listed" : "address_families unset") + ")",
          got);
  }
  if (sc.address_families && !sc.address_families->empty() && !f.denies("socket")) {
    // SOCK_DGRAM suits every family a daemon lists; a kernel error is not the filter's.
    const int first = sc.address_families->front();
    got = in_child(socket_of(first));
    r.row(got != "EAFNOSUPPORT" || !sc.enabled, "socket(" + address_family_name(first) + ")",
          "the kernel's answer (listed)", got);
  }
}

void probe_write_execute(const Plan& plan, Report& r) {
  const SeccompPlan& sc = plan.seccomp;
  const FilterView f{sc};
  // W^X: an anonymous mapping asked writable and executable, and one made executable after
  // being writable. PR_GET_MDWE says whether the kernel's own refusal is in force.
  auto wx = [](bool later) {
    return [later] {
      void* p =
          mmap(nullptr, 4096, later ? PROT_READ | PROT_WRITE : PROT_READ | PROT_WRITE | PROT_EXEC,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return errno;
      if (later && mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0) return errno;
      return 0;
    };
  };
  const std::string at_once = in_child(wx(false)), later = in_child(wx(true));
  const int mdwe = prctl(66 /* PR_GET_MDWE */, 0, 0, 0, 0);
  const std::string mechanism =
      mdwe < 0 ? "PR_GET_MDWE: " + errno_symbol(errno) : "PR_GET_MDWE = " + std::to_string(mdwe);
  const std::string observed = at_once + "; mprotect to executable: " + later + "; " + mechanism;
  switch (sc.write_execute) {
    case WriteExecute::kPrctl:
      r.row(at_once == "EACCES" && later == "EACCES" && mdwe == 1, "write+execute memory",
            "EACCES (PR_SET_MDWE)", observed);
      break;
    case WriteExecute::kSeccomp:
      r.row(f.refused(at_once, "mmap") && f.refused(later, "mprotect"), "write+execute memory",
            f.refused_by_filter("mprotect") + " (no PR_SET_MDWE in this kernel)", observed);
      break;
    case WriteExecute::kAllowed:
      r.row(at_once == "allowed" && later == "allowed", "write+execute memory",
            "allowed (policy: memory_deny_write_execute = no)", observed);
      break;
  }
}

// RestrictAddressFamilies= and MemoryDenyWriteExecute=: socket() of a family the policy does
// not list, io_uring, and memory that is writable and executable at once or becomes
// executable later. Each row expects what the plan asks for, naming the mechanism.
void probe_families_and_memory(const Plan& plan, Report& r) {
  probe_address_families(plan, r);
  probe_write_execute(plan, r);
}

// Landlock: its domain scopes ptrace (a process of the daemon's own uid outside the sandbox
// stays out of reach), and a write the mounts would allow is refused where the plan grants
// a directory entry by entry. Each row expects what the plan asks for: applied, the decoy and
// the new entry are refused; not applied (landlock = no, or auto without Landlock), both go
// through, so that a domain where none was asked is seen too. Whether the process is in a
// domain has no flag of its own to read: the domain row judges the other two observations.
// Whether the sandbox's procfs hides the decoy by itself: hidepid=invisible hides every
// process the viewer may not read with ptrace, which under Landlock is every process outside
// the domain, same uid or not, and from a user namespace of its own every process outside it
// (the capability check wants CAP_SYS_PTRACE in the decoy's namespace). The kernel exempts
// the members of the procfs's group from hiding, and jharden mounts it without gid=, so a
// daemon in group 0 still sees the decoy.
bool hidepid_hides_decoy(const Plan& plan) {
  const bool hidepid = std::any_of(plan.mounts.begin(), plan.mounts.end(), [](const auto& m) {
    return m.kind == MountKind::kProc && m.options.find("hidepid=invisible") != std::string::npos;
  });
  if (!hidepid || getegid() == 0) return false;
  const int n = getgroups(0, nullptr);
  std::vector<gid_t> groups(n > 0 ? n : 0);
  if (n > 0 && getgroups(n, groups.data()) < 0) return false;
  return std::find(groups.begin(), groups.end(), 0) == groups.end();
}

// One Landlock probe: what it saw of a domain, refused (+1), went through (-1), cannot tell
// (0), and its own row.
struct LandlockProbe {
  int seen = 0;
  bool probed = false;
  bool pass = true;
  std::string path, asked, obs;
};

// The decoy has the daemon's uid and gid and no capability: without a domain of its own, the
// daemon passes every ptrace access check against it.
LandlockProbe probe_decoy(const Plan& plan, const HostFacts& host, bool applied,
                          const std::string& why) {
  LandlockProbe p;
  p.probed = true;
  // The decoy has the daemon's uid and gid and no capability: without a domain of its own,
  // the daemon passes every ptrace access check against it.
  std::string path = "/proc/" + std::to_string(host.decoy) + "/root/";
  errno = 0;
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int err = errno;
  if (fd >= 0) close(fd);
  const bool hidden = !plan.ns_pid && (applied || plan.ns_user) && hidepid_hides_decoy(plan);
  p.obs = fd >= 0         ? "OPENED (the host's /)"
          : err == ENOENT ? (plan.ns_pid ? "not visible (PID namespace)" : "not visible (hidepid)")
                          : errno_name(err);
  p.obs += " (decoy " + std::to_string(host.decoy) + ")";
  // Hidden by hidepid only because Landlock refuses ptrace access: without a domain, the
  // decoy of the same uid would be visible and reachable (a user namespace hides it too,
  // and then says nothing of a domain).
  if (!plan.ns_pid && !(hidden && plan.ns_user))
    p.seen = fd >= 0 ? -1 : err == EACCES || (hidden && err == ENOENT) ? 1 : 0;
  if (plan.ns_pid) {
    // Out of sight whatever Landlock does: the row cannot tell, and says so.
    p.asked = "not visible (PID namespace" + (applied ? "" : "; " + why) + ")";
    p.pass = fd < 0 && err == ENOENT;
  } else if (hidden) {
    p.asked = std::string("not visible (protect_proc = invisible, ") +
              (plan.ns_user ? "outside the user namespace" : "Landlock refuses ptrace access") +
              ")";
    p.pass = fd < 0 && err == ENOENT;
  } else if (applied) {
    p.asked = "refused (Landlock)";
    p.pass = fd < 0 && err == EACCES;
  } else {
    p.asked = "reachable (" + why + ")";
    p.pass = fd >= 0;
  }
  return p;
}

// A new entry directly in a directory the plan grants entry by entry.
LandlockProbe probe_new_entry(const Plan& plan, bool applied, const std::string& why) {
  LandlockProbe p;
  for (const auto& rule : landlock_rules(plan.mounts, plan.landlock.handled, !plan.new_session)) {
    if (rule.kind != LandlockRule::Kind::kEntries) continue;
    struct stat st;
    if (stat(rule.path.c_str(), &st) != 0) continue;
    // As apply_landlock decides: where no read-only tree below exists, the directory is
    // granted whole.
    bool held = std::any_of(rule.excluded.begin(), rule.excluded.end(), [](const std::string& x) {
      struct stat xs;
      return lstat(x.c_str(), &xs) == 0;
    });
    if (!held) continue;
    p.probed = true;
    p.path = rule.path;
    // access(2) answers for the mounts and the file permissions, not for Landlock: where they
    // refuse already, the row cannot tell whether Landlock holds.
    const bool may = access(rule.path.c_str(), W_OK) == 0;
    errno = 0;
    const unique_dir probe = unique_dir::make(
        rule.path + (rule.path == "/" ? "" : "/") + ".jharden-verify-landlock", 0700);
    const int rc = probe ? 0 : -1;
    const int err = errno;
    p.obs = rc == 0 ? "CREATED" : errno_name(err);
    if (may) p.seen = rc == 0 ? -1 : err == EACCES ? 1 : 0;
    if (!may) {
      p.asked = "refused (no write permission)";
      p.pass = rc != 0;
      p.obs += " (not writable without Landlock either)";
    } else if (applied) {
      p.asked = "refused (Landlock)";
      p.pass = rc != 0 && err == EACCES;
    } else {
      p.asked = "created (" + why + ")";
      p.pass = rc == 0;
    }
    break;
  }
  return p;
}

// Device ioctls, seen through /dev/tty: a child leading a session of its own opens a
// pseudo-terminal without O_NOCTTY, which makes it its controlling terminal, as a host
// terminal's node outside /dev would become; /dev/tty then reaches it under /dev's own path.
// Where Landlock keeps device ioctls and new_session is set, TCGETS there must be refused
// (EACCES); elsewhere the terminal answers. Exit codes above 200: a step before the ioctl
// failed, and the row cannot tell.
LandlockProbe probe_tty_ioctl(const Plan& plan, const std::string& why) {
  const std::string got = in_child([] {
    if (setsid() < 0) return 201;
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    int unlock = 0, n = 0;
    if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) != 0 || ioctl(master, TIOCGPTN, &n) != 0)
      return 202;
    if (open(("/dev/pts/" + std::to_string(n)).c_str(), O_RDWR | O_CLOEXEC) < 0) return 203;
    int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0) return 204;
    char termios[256];
    return ioctl(tty, TCGETS, termios) == 0 ? 0 : errno;
  });
  static const std::map<std::string, std::string> kSteps = {{"201", "setsid failed"},
                                                            {"202", "no pseudo-terminal"},
                                                            {"203", "its terminal not opened"},
                                                            {"204", "no controlling terminal"}};
  LandlockProbe p;
  p.probed = true;
  const auto step = kSteps.find(got);
  p.obs = step != kSteps.end() ? "not observable (" + step->second + ")" : got;
  if (got == "EACCES") p.seen = 1;
  if (landlock_refuses_tty_ioctls(plan.landlock)) {
    p.asked = "refused (Landlock)";
    p.pass = step != kSteps.end() || got == "EACCES";
    if (got == "allowed") p.obs = "ALLOWED";
  } else {
    p.asked = "allowed (" + why + ")";
    p.pass = got != "EACCES";
  }
  return p;
}

void probe_landlock(const Plan& plan, const HostFacts& host, Report& r) {
  const LandlockPlan& ll = plan.landlock;
  const bool applied = ll.active();
  const std::string why =
      ll.mode == LandlockMode::kNo ? "policy: landlock = no" : "no Landlock in this kernel";
  const LandlockProbe decoy =
      host.decoy > 0 ? probe_decoy(plan, host, applied, why) : LandlockProbe{};
  const LandlockProbe entry = probe_new_entry(plan, applied, why);
  const LandlockProbe device = probe_tty_ioctl(
      plan, !applied ? why
            : !ll.keeps_device_ioctls()
                ? "Landlock ABI " + std::to_string(ll.abi) + " has no device ioctl right"
            : !plan.new_session ? "policy: new_session = no"
                                : "the host's /dev: private_dev = no");
  std::string asked =
      std::string(landlock_mode_name(ll.mode)) + ": " +
      (applied ? "applied, ABI " + std::to_string(ll.abi) : "not applied (" + why + ")");
  std::string evidence;
  auto note = [&evidence](int seen, const char* in, const char* out) {
    if (seen == 0) return;
    evidence += (evidence.empty() ? "" : ", ") + std::string(seen > 0 ? in : out);
  };
  note(decoy.seen, "decoy refused", "decoy reached");
  note(entry.seen, "entry refused", "entry created");
  note(device.seen, "/dev/tty ioctl refused", "");
  const bool in_domain = decoy.seen > 0 || entry.seen > 0 || device.seen > 0;
  const bool outside = !in_domain && (decoy.seen < 0 || entry.seen < 0);
  std::string obs = in_domain ? "domain (" + evidence + ")"
                    : outside ? "NO DOMAIN (" + evidence + ")"
                              : "not observable here";
  if (!applied && in_domain) obs = "DOMAIN (" + evidence + ")";
  if (!applied && outside) obs = "no domain (" + evidence + ")";
  r.row(applied ? !outside : !in_domain && ll.mode != LandlockMode::kYes, "Landlock domain", asked,
        obs);
  if (host.decoy > 0)
    r.row(decoy.pass, "/proc/PID/root of a host process (same uid)", decoy.asked, decoy.obs);
  if (entry.probed)
    r.row(entry.pass, "new entry directly in " + entry.path, entry.asked, entry.obs);
  r.row(device.pass, "/dev/tty ioctl, terminal taken by open", device.asked, device.obs);
}

// Changing the mounts from inside: a new mount, a read-only tree made writable again, a mask
// taken away. Each is tried on the first entry of its kind.
void probe_mount_changes(const Plan& plan, Report& r) {
  errno = 0;
  int rc = mount("none", "/tmp", "tmpfs", 0, nullptr);
  r.row(rc != 0, "mount(2) refused", "EPERM", rc == 0 ? "MOUNTED" : errno_name(errno));
  if (rc == 0) umount2("/tmp", MNT_DETACH);
  for (const auto& e : plan.mounts) {
    if (e.kind != MountKind::kReadOnly) continue;
    rc = mount(nullptr, e.target.c_str(), nullptr, MS_REMOUNT | MS_BIND, nullptr);
    r.row(rc != 0, "remount " + e.target + " read-write refused", "refused",
          rc == 0 ? "REMOUNTED" : errno_name(errno));
    break;
  }
  for (const auto& e : plan.mounts) {
    if (e.kind != MountKind::kMask) continue;
    struct stat st;
    if (lstat(e.target.c_str(), &st) != 0) continue;
    rc = umount2(e.target.c_str(), MNT_DETACH);
    r.row(rc != 0, "umount of mask " + e.target + " refused", "refused",
          rc == 0 ? "UNMOUNTED" : errno_name(errno));
    break;
  }
}

void probe_host_root(Report& r) {
  int fd = open("/proc/1/root/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  bool reached = false;
  std::string obs = fd < 0 ? errno_name(errno) : "opened";
  if (fd >= 0) {
    // Reaching the root of a process in the sandbox itself is harmless.
    struct stat mine;
    reached = fstat(fd, &st) == 0 && stat("/", &mine) == 0 &&
              (st.st_dev != mine.st_dev || st.st_ino != mine.st_ino);
    if (!reached) obs = "only the sandbox's own root";
    close(fd);
  }
  r.row(!reached, "/proc/1/root does not reach the host", "unreachable", obs);
}

void probe_host_mount_namespace(Report& r) {
  int ns = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
  bool entered = ns >= 0 && setns(ns, CLONE_NEWNS) == 0;
  std::string obs = ns < 0 ? errno_name(errno) : entered ? "ENTERED" : errno_name(errno);
  if (ns >= 0) close(ns);
  r.row(!entered, "setns into PID 1's mount namespace", "refused", obs);
}

void probe_leaked_fds(int listen_fds, Report& r) {
  // Descriptors that would survive execve: none but 0-2 and the LISTEN_FDS range.
  std::string leaked;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* de = readdir(d)) {
      if (de->d_name[0] == '.') continue;
      int n = std::atoi(de->d_name);
      if (n <= 2 || n == dirfd(d) || n < 3 + listen_fds) continue;
      int flags = fcntl(n, F_GETFD);
      if (flags >= 0 && !(flags & FD_CLOEXEC)) leaked += " " + std::to_string(n);
    }
    closedir(d);
  }
  r.row(leaked.empty(), "file descriptors passed to the daemon",
        "0-2" + (listen_fds ? " + " + std::to_string(listen_fds) + " LISTEN_FDS" : std::string()),
        leaked.empty() ? "none other" : "LEAKED:" + leaked);
}

// new_session: no controlling terminal, and none to be taken back.
void probe_terminal(const Plan& plan, Report& r) {
  r.row(getsid(0) == getpid(), "new session (no TIOCSTI into the caller's tty)", "session leader",
        getsid(0) == getpid() ? "session leader" : "caller's session");
  // Leading a session is not enough: a session leader can still hold a terminal (jharden
  // started with TTYPath= or "setsid -c"). tty_nr, the 7th field of /proc/self/stat.
  std::ifstream stat_file("/proc/self/stat");
  std::string stat_line;
  std::getline(stat_file, stat_line);
  std::istringstream fields(stat_line.substr(stat_line.rfind(')') + 1));
  std::string state, ppid, pgrp, session, tty_nr = "?";
  fields >> state >> ppid >> pgrp >> session >> tty_nr;
  // Nor can it take a terminal back: as the session leader, TIOCSCTTY on a terminal that no
  // session holds (the one jharden gave up) would make it the controlling one again. Tried
  // here in the probe itself, which leads the session (given up at once if it worked); the
  // kernel refuses it too where the terminal is still the session's in front, so the rule
  // itself is seen on /dev/null (or a pipe where there is none), where the kernel says
  // ENOTTY and only the filter EPERM.
  std::string sctty;
  bool taken = false;
  for (int t = 0; t <= 2; ++t) {
    if (!isatty(t)) continue;
    errno = 0;
    const bool ok = ioctl(t, TIOCSCTTY, 0) == 0;
    sctty += " " + std::to_string(t) + ": " + (ok ? "TAKEN" : errno_name(errno));
    if (ok) ioctl(t, TIOCNOTTY);
    taken |= ok;
  }
  const FilterView f{plan.seccomp};
  const bool rule = plan.seccomp.enabled && plan.seccomp.restrict_terminal();
  const std::string want = rule ? f.refusal() : "ENOTTY";
  std::string rules_got;
  bool rules_ok = true;
  for (unsigned long request :
       {static_cast<unsigned long>(TIOCSCTTY), static_cast<unsigned long>(TIOCSTI),
        0xffffffff00000000UL | TIOCSCTTY}) {
    std::string got = in_child([request] {
      // /dev/null, or a pipe in a new root without /dev (an allow list may refuse pipe2).
      int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      int ends[2];
      if (fd < 0 && pipe2(ends, O_CLOEXEC) == 0) fd = ends[0];
      if (fd < 0) return errno;
      return syscall(SYS_ioctl, fd, request, 0L) == -1 ? errno : 0;
    });
    rules_ok &= got == want;
    rules_got += (rules_got.empty() ? "" : " ") + got;
  }
  // Without the rule (no terminal within reach, says the plan), none may be on 0-2 either.
  const bool unreached = rule || sctty.empty();
  r.row(tty_nr == "0" && !taken && rules_ok && unreached, "no controlling terminal",
        rule ? "none, TIOCSCTTY/TIOCSTI " + f.refused_by_filter() : "none, no terminal on 0-2",
        (tty_nr == "0" ? "none" : "tty_nr " + tty_nr) +
            (sctty.empty() ? "; no terminal on 0-2" : "; TIOCSCTTY on" + sctty) +
            "; TIOCSCTTY, TIOCSTI, TIOCSCTTY|2^32 on /dev/null or a pipe: " + rules_got);
}

// The namespaces asked for are new, the others the host's; what the new ones must hide.
void probe_namespaces(const Plan& plan, const HostFacts& host, Report& r) {
  r.row(ns_inode("mnt") != host.mnt_ns, "mount namespace", "new",
        ns_inode("mnt") != host.mnt_ns ? "new" : "HOST");
  auto ns_row = [&](const char* name, bool asked, ino_t hostino) {
    bool fresh = ns_inode(name) != hostino;
    r.row(fresh == asked, std::string(name) + " namespace", asked ? "new" : "host",
          fresh ? "new" : "host");
  };
  ns_row("pid", plan.ns_pid, host.pid_ns);
  ns_row("net", plan.ns_net, host.net_ns);
  ns_row("ipc", plan.ns_ipc, host.ipc_ns);
  ns_row("uts", plan.ns_uts, host.uts_ns);
  ns_row("cgroup", plan.ns_cgroup, host.cgroup_ns);
  ns_row("user", plan.ns_user, host.user_ns);
  probe_private_views(plan, host, r);
  if (plan.hostname) {
    char name[256] = {};
    gethostname(name, sizeof name - 1);
    r.row(*plan.hostname == name, "hostname", *plan.hostname, name);
  }
}

void probe_escapes(const Plan& plan, const HostFacts& host, int listen_fds, Report& r) {
  probe_mount_changes(plan, r);
  probe_host_root(r);
  probe_landlock(plan, host, r);
  probe_host_mount_namespace(r);
  probe_leaked_fds(listen_fds, r);
  char cwd[4096];
  bool cwd_ok = getcwd(cwd, sizeof cwd) != nullptr && plan.working_directory == cwd;
  r.row(cwd_ok, "current directory", plan.working_directory, cwd_ok ? cwd : "elsewhere");
  if (plan.new_session) probe_terminal(plan, r);
  probe_namespaces(plan, host, r);
  // jharden blocks every signal while it sets up; the daemon must get none of that.
  auto status = proc_status();
  std::string blocked = status["SigBlk"];
  r.row(hex_field(blocked) == 0ULL, "no signal blocked", "none", blocked);
  // Read from /proc rather than with umask(2), which an allow-list filter may refuse.
  std::string got = status["Umask"];
  r.row(got == octal_mode(plan.umask), "umask", octal_mode(plan.umask), got);
}

}  // namespace

void record_mount_facts(const Plan& plan, HostFacts& host) {
  auto node = [](const std::string& path, bool follow) {
    struct stat st;
    HostFacts::Node n;
    if ((follow ? stat(path.c_str(), &st) : lstat(path.c_str(), &st)) == 0)
      n = {true, st.st_dev, st.st_ino};
    return n;
  };
  host.targets.clear();
  host.sources.clear();
  for (const auto& e : plan.mounts) {
    host.targets.push_back(node(plan.root == "/" ? e.target : plan.root + e.target, false));
    // The source as bound: the plan resolved it, trusted symlinks followed.
    host.sources.push_back(e.kind == MountKind::kBind ? node(e.source, true) : HostFacts::Node{});
  }
}

HostFacts record_host_facts() {
  HostFacts h;
  h.mnt_ns = ns_inode("mnt");
  h.pid_ns = ns_inode("pid");
  h.net_ns = ns_inode("net");
  h.ipc_ns = ns_inode("ipc");
  h.uts_ns = ns_inode("uts");
  h.cgroup_ns = ns_inode("cgroup");
  h.user_ns = ns_inode("user");
  h.uid = geteuid();
  h.gid = getegid();
  auto status = proc_status();
  for (auto [key, out] : {std::pair{"CapBnd", &h.cap_bnd}, std::pair{"CapPrm", &h.cap_prm}}) {
    auto value = hex_field(status[key]);
    if (!value) fail(kExitFailure, "verify", std::string("/proc/self/status: no valid ") + key);
    *out = *value;
  }
  struct stat st;
  if (stat("/tmp", &st) == 0) {
    h.tmp_dev = st.st_dev;
    h.tmp_ino = st.st_ino;
  }
  return h;
}

Decoy::~Decoy() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

Decoy::Decoy(const Identity& identity, std::vector<Secret>& secrets, HostFacts& host) {
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) {
    pid_ = pid;
    if (pid > 0) host.decoy = pid;
    return;
  }
  // Readable by its own uid: nothing of jharden's worth having stays in it.
  wipe_secrets(secrets);
  close_range(3, ~0U, 0);
  if (chdir("/") != 0) std::_Exit(1);
  gid_t gid = identity.gid;
  if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 ||
      setresuid(identity.uid, identity.uid, identity.uid) != 0)
    std::_Exit(1);
  cap_t none = cap_init();
  if (!none || cap_set_proc(none) != 0) std::_Exit(1);
  cap_free(none);
  // After the credential changes, which clear it: the decoy ends with jharden even when no
  // destructor runs (jharden killed).
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != parent) std::_Exit(0);
  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  while (true) pause();
}

namespace {

// Every mount the plan establishes carries the attributes the plan decided for it (the same
// field that apply set and --print shows): the top mount at its target, as mountinfo lists it.
void probe_mount_attributes(const Plan& plan, const HostFacts& host, Report& r) {
  const std::vector<MountInfo> lines = reachable_mounts(read_mountinfo());
  // Whether the target is a mount point (its row, if any, says whether that is right).
  // `lowest`: the first mount at the target, not the one on top.
  auto check = [&](const std::string& target, const MountAttrs& want, bool optional,
                   bool lowest = false) {
    const MountInfo* top = nullptr;
    for (const auto& m : lines)
      if (m.point == target && !(lowest && top)) top = &m;
    if (!top) {
      struct stat st;
      if (!optional || lstat(target.c_str(), &st) == 0)
        r.row(optional, target + " mount flags", want.str(), "not a mount point");
      return false;
    }
    MountAttrs got{top->read_only, top->nosuid, top->nodev, top->noexec};
    r.row(got == want, target + " mount flags", want.str(), got.str());
    return true;
  };
  // The entries jharden mounts itself (read-only and read-write entries are made so in place).
  auto mounted = [&](size_t i) {
    const MountKind kind = plan.mounts[i].kind;
    return kind != MountKind::kReadOnly && kind != MountKind::kReadWrite &&
           !skipped_bind(plan, i, host);
  };
  for (size_t i = 0; i < plan.mounts.size(); ++i) {
    if (!mounted(i)) continue;
    const MountEntry& e = plan.mounts[i];
    // An optional target that is absent: nothing was mounted, and the other rows say whether
    // that is right.
    struct stat st;
    const bool file = lstat(e.target.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
    // The submounts of an entry not made (a new root without /dev) were not made either.
    if (!check(e.target, file ? attrs_over_file(e) : e.attrs, e.optional)) continue;
    for (const auto& sub : e.submounts) {
      const std::string path = e.target + "/" + sub.name;
      const size_t over = entries_at(plan, path, mounted);
      // A device node is a mount only where mknod was refused: then the host's node is bound
      // there, and that bind, under whatever an entry puts over it, must stay read-only.
      // It is, when the mounts there outnumber the entries mounted there.
      if (sub.fs_type == "node") {
        const auto mounts_here = static_cast<size_t>(std::count_if(
            lines.begin(), lines.end(), [&](const MountInfo& m) { return m.point == path; }));
        if (mounts_here > over) check(path, sub.attrs, false, true);
        continue;
      }
      // A file system of the private /dev that an entry mounts over (mask = /dev/shm) is that
      // entry's row; one that an entry makes read-only (read_only = /dev/shm) keeps its own.
      if (over == 0) check(path, sub.attrs, false);
    }
  }
}

}  // namespace

int set_own_mode(const std::string& path, const struct stat& st) {
  unique_fd fd(open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  struct stat now;
  if (!fd || fstat(fd.get(), &now) != 0) return errno;
  if (now.st_dev != st.st_dev || now.st_ino != st.st_ino) return ESTALE;
  const std::string self = "/proc/self/fd/" + std::to_string(fd.get());
  return chmod(self.c_str(), now.st_mode & 07777) == 0 ? 0 : errno;
}

int run_probe(const Plan& plan, const HostFacts& host, int listen_fds) {
  Report r;
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("jharden --verify: probing the sandbox from inside (pid %d, uid %d)\n\n",
              static_cast<int>(getpid()), static_cast<int>(getuid()));
  probe_mounts(plan, host, r);
  probe_mount_attributes(plan, host, r);
  probe_privileges(plan, host, r);
  probe_kernel_interfaces(plan, host, r);
  probe_families_and_memory(plan, r);
  probe_escapes(plan, host, listen_fds, r);
  return r.finish();
}

}  // namespace jharden
