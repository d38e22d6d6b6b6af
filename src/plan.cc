#include "plan.h"

#include <linux/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <numeric>
#include <set>
#include <span>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "cap_names.h"
#include "paths.h"
#include "seccomp_groups.h"
#include "seccomp_names.h"
#include "text.h"

namespace jharden {
namespace {

// How restrictive an entry is, for merging entries at the same path.
int rank(MountKind k) {
  switch (k) {
    case MountKind::kInaccessible:
      return 5;
    case MountKind::kMask:
      return 4;
    case MountKind::kReadOnly:
      return 2;
    case MountKind::kReadWrite:
      return 1;
    default:
      return 3;
  }
}

// A writable entry keeps its writability when a read-only tree above it is made read-only.
bool writable(const MountEntry& e) {
  if (e.read_only) return false;
  switch (e.kind) {
    case MountKind::kReadWrite:
    case MountKind::kTmpfs:
    case MountKind::kBind:
    case MountKind::kPrivateDev:
    case MountKind::kProc:
      return true;
    default:
      return false;
  }
}

bool same_mount(const MountEntry& a, const MountEntry& b) {
  return a.kind == b.kind && a.source == b.source && a.options == b.options &&
         a.read_only == b.read_only && a.noexec == b.noexec;
}

// Merges the entries of one path into one.
std::optional<MountEntry> merge_group(std::vector<MountEntry> group, Diagnostics& diag) {
  // An explicit entry replaces a built-in default at the same path (e.g. `tmpfs = /tmp:..`
  // replaces private_tmp's /tmp), unless the default is the protection its own bind carried.
  bool explicit_establishing = std::any_of(group.begin(), group.end(), [](const MountEntry& e) {
    return establishes(e.kind) && !e.implicit;
  });
  if (explicit_establishing)
    std::erase_if(
        group, [](const MountEntry& e) { return establishes(e.kind) && e.implicit && !e.carried; });
  std::stable_sort(group.begin(), group.end(), [](const MountEntry& a, const MountEntry& b) {
    return rank(a.kind) > rank(b.kind);
  });
  MountEntry winner = group.front();
  bool ok = true;
  for (size_t i = 1; i < group.size(); ++i) {
    const MountEntry& other = group[i];
    if (winner.kind == other.kind && !establishes(winner.kind)) {
      winner.optional = winner.optional && other.optional;
      continue;
    }
    if (rank(other.kind) == 3 && rank(winner.kind) == 3 && !same_mount(winner, other)) {
      diag.error(other.origin, std::string(mount_kind_name(other.kind)) + " on " + other.target +
                                   " conflicts with " + mount_kind_name(winner.kind) + " at " +
                                   winner.origin.str());
      ok = false;
      continue;
    }
    if (establishes(winner.kind) && other.kind == MountKind::kReadOnly) winner.read_only = true;
    if (winner.kind == other.kind) winner.optional = winner.optional && other.optional;
  }
  if (!ok) return std::nullopt;
  return winner;
}

// What protect_kernel covers in a procfs and in a sysfs, relative to its mount point
// (ProtectKernelTunables=, ProtectKernelLogs=); each optional, as kernels differ.
constexpr const char* kProcReadOnly[] = {
    "/sys",         "/sysrq-trigger", "/latency_stats", "/mtrr", "/apm", "/acpi",
    "/timer_stats", "/asound",        "/bus",           "/fs",   "/irq"};
constexpr const char* kProcMasked[] = {"/kcore", "/kallsyms", "/kmsg"};
constexpr const char* kSysInaccessible[] = {"/kernel/debug", "/kernel/tracing"};

// Calls f on `path` (when `self`) and on each directory above it, up to "/".
template <typename F>
void for_each_ancestor(std::string_view path, bool self, F f) {
  if (self) f(path);
  while (path != "/") {
    size_t slash = path.rfind('/');
    path = slash == 0 ? std::string_view("/") : path.substr(0, slash);
    f(path);
  }
}

// `path` (below or at `base`) seen from `to`: rebase("/a/b/c", "/a", "/x") is "/x/b/c".
std::string rebase(std::string_view path, std::string_view base, std::string_view to) {
  std::string_view rest = base == "/" ? path : path.substr(base.size());
  if (rest == "/") rest = "";
  if (to == "/") return rest.empty() ? "/" : std::string(rest);
  return std::string(to) + std::string(rest);
}

// A path whose protection must hold wherever the sandbox can reach it: a hidden secret source,
// an inaccessible or masked path, a kernel tunable. `host` is where it lies on the host.
struct Protected {
  std::string host;
  MountKind kind;
  Origin origin;
  bool implicit;
};

// A bind makes host paths reachable at a second place. For every protected path inside a
// bind's source, the same protection goes at its place below the bind's target; a bind whose
// source lies inside a protected path gets the protection itself. Without this, a secret
// source stays readable through a bind of its parent directory whose target happens to sort
// before it (the bind's recursive clone is made before the hiding mount exists), and a bind of
// /proc or /sys leaves the kernel's tunables writable. Ancestor look-ups in sorted tables:
// O((n + m) depth log n) plus the entries made, never n * m comparisons.
void protect_through_binds(std::vector<MountEntry>& m, const std::vector<Protected>& prot,
                           Diagnostics& diag) {
  struct Bind {
    std::string source;
    std::string target;
    Origin origin;
  };
  std::vector<Bind> binds;
  for (const auto& e : m)
    if (e.kind == MountKind::kBind) binds.push_back({e.source, e.target, e.origin});
  if (binds.empty() || prot.empty()) return;
  std::sort(binds.begin(), binds.end(),
            [](const Bind& a, const Bind& b) { return a.source < b.source; });
  std::vector<const Protected*> by_host;
  for (const auto& p : prot) by_host.push_back(&p);
  std::sort(by_host.begin(), by_host.end(),
            [](const Protected* a, const Protected* b) { return a->host < b->host; });
  bool full = false;
  auto add = [&](const Protected& p, std::string target, const Origin& why, bool carried) {
    if (full) return;
    if (m.size() >= kMaxMounts) {
      diag.error(why, "the binds and the paths they must keep hidden or read-only make more than " +
                          std::to_string(kMaxMounts) + " mounts");
      full = true;
      return;
    }
    MountEntry e;
    e.kind = p.kind;
    e.target = std::move(target);
    e.origin = p.origin;
    e.optional = true;  // what is not in the bind's source needs no protection there
    e.implicit = p.implicit;
    e.carried = carried;
    e.read_only = p.kind != MountKind::kReadOnly;
    m.push_back(std::move(e));
  };
  for (const auto& p : prot) {
    for_each_ancestor(p.host, true, [&](std::string_view a) {
      auto lo = std::lower_bound(binds.begin(), binds.end(), a,
                                 [](const Bind& b, std::string_view v) { return b.source < v; });
      for (; lo != binds.end() && lo->source == a; ++lo)
        add(p, rebase(p.host, a, lo->target), lo->origin, a == p.host);
    });
  }
  for (const auto& b : binds) {
    for_each_ancestor(b.source, false, [&](std::string_view a) {
      auto lo =
          std::lower_bound(by_host.begin(), by_host.end(), a,
                           [](const Protected* p, std::string_view v) { return p->host < v; });
      for (; lo != by_host.end() && (*lo)->host == a; ++lo) add(**lo, b.target, b.origin, true);
    });
  }
}

// What --check must refuse because it cannot be built, rather than fail with 226 at start-up:
// a mount over "/", over or below /proc (the sandbox's procfs), in place of the private /dev,
// and a mount point that would have to be created where nothing can be created (a procfs or
// sysfs, the read-only secrets tmpfs, a read-only bind whose source lacks it).
void refuse_unbuildable(const std::vector<MountEntry>& m, bool private_dev,
                        const PlanContext& context, Diagnostics& diag) {
  auto creatable = [](MountKind k) {
    return k == MountKind::kTmpfs || k == MountKind::kBind || k == MountKind::kSecrets;
  };
  // Targets below which no mount point can be created, and the read-only binds.
  std::map<std::string, const MountEntry*, std::less<>> closed;
  std::map<std::string, const MountEntry*, std::less<>> ro_binds;
  for (const auto& e : m) {
    if (e.kind == MountKind::kProc || e.kind == MountKind::kSysfs || e.kind == MountKind::kSecrets)
      closed.emplace(e.target, &e);
    if (e.kind == MountKind::kBind && e.read_only) ro_binds.emplace(e.target, &e);
  }
  for (const auto& e : m) {
    if (e.implicit || !establishes(e.kind)) continue;
    const std::string what = std::string(mount_kind_name(e.kind)) + " on " + e.target;
    if (e.target == "/") {
      diag.error(e.origin, what + ": cannot mount over \"/\"; use [filesystem] root");
      continue;
    }
    if (path_is_under(e.target, "/proc") && e.kind != MountKind::kProc &&
        e.kind != MountKind::kMask && e.kind != MountKind::kInaccessible) {
      diag.error(e.origin, what + ": cannot mount over /proc or below it (the sandbox's procfs)");
      continue;
    }
    if (private_dev && e.target == "/dev" && e.kind != MountKind::kPrivateDev) {
      diag.error(e.origin, what + ": would replace the private /dev (private_dev = yes)");
      continue;
    }
    // An optional entry is skipped rather than given a mount point; the "-" of a bind only
    // makes its source optional, its mount point is created like any other.
    if (!creatable(e.kind) || (e.optional && e.kind != MountKind::kBind)) continue;
    if (e.optional && context.look_up && !context.look_up(e.source)) continue;
    bool refused = false;
    for_each_ancestor(e.target, false, [&](std::string_view a) {
      if (refused) return;
      if (auto it = closed.find(a); it != closed.end()) {
        diag.error(e.origin,
                   what + ": no mount point can be created inside the " +
                       mount_kind_name(it->second->kind) + " on " + it->first +
                       (it->second->origin.is_default() ? std::string()
                                                        : " (" + it->second->origin.str() + ")"));
        refused = true;
        return;
      }
      auto rb = ro_binds.find(a);
      if (rb == ro_binds.end() || !context.look_up) return;
      // (A missing source is reported at start-up, or skipped when optional.)
      std::string in_source = rebase(e.target, a, rb->second->source);
      if (context.look_up(rb->second->source) && !context.look_up(in_source)) {
        diag.error(e.origin, what + ": the mount point would have to be created as " + in_source +
                                 ", inside the read-only bind at " + rb->first + " (" +
                                 rb->second->origin.str() + ")");
        refused = true;
      }
    });
  }
}

}  // namespace

const char* mount_kind_name(MountKind kind) {
  switch (kind) {
    case MountKind::kProc:
      return "proc";
    case MountKind::kSysfs:
      return "sysfs";
    case MountKind::kCgroup:
      return "cgroup2";
    case MountKind::kPrivateDev:
      return "private-dev";
    case MountKind::kTmpfs:
      return "tmpfs";
    case MountKind::kBind:
      return "bind";
    case MountKind::kSecrets:
      return "secrets";
    case MountKind::kMask:
      return "mask";
    case MountKind::kInaccessible:
      return "inaccessible";
    case MountKind::kReadOnly:
      return "read-only";
    case MountKind::kReadWrite:
      return "read-write";
  }
  return "?";
}

std::string MountAttrs::str() const {
  std::string f = read_only ? "ro" : "rw";
  if (nosuid) f += ",nosuid";
  if (nodev) f += ",nodev";
  if (noexec) f += ",noexec";
  return f;
}

const DevNode* private_dev_node(std::string_view name) {
  for (const DevNode& node : kPrivateDevNodes)
    if (name == node.name) return &node;
  return nullptr;
}

bool private_dev_holds(std::string_view name) {
  auto is = [&](const char* n) { return name == n; };
  return private_dev_node(name) ||
         std::any_of(std::begin(kPrivateDevOthers), std::end(kPrivateDevOthers), is);
}

std::string mount_flags_text(const MountEntry& e) {
  std::string f;
  if (e.kind == MountKind::kReadOnly)
    f = "ro,recursive";
  else if (e.kind == MountKind::kReadWrite)
    f = "rw";
  else
    f = e.attrs.str();
  return e.optional ? f + ",optional" : f;
}

void decide_mount_attributes(std::vector<MountEntry>& mounts, uid_t secrets_uid, gid_t secrets_gid,
                             size_t secrets_count, size_t secrets_bytes) {
  // Every mount the sandbox makes is nosuid; nodev and noexec wherever the mount's content
  // needs neither (devices are the /dev null-like nodes and device binds; programs are only on
  // the trees the administrator leaves executable: binds and tmpfs without noexec).
  constexpr MountAttrs kSealed{.read_only = true, .nosuid = true, .nodev = true, .noexec = true};
  for (MountEntry& e : mounts) {
    MountAttrs& a = e.attrs;
    switch (e.kind) {
      case MountKind::kProc:
        a = {.read_only = e.read_only, .nosuid = true, .nodev = true, .noexec = true};
        break;
      case MountKind::kSysfs:
      case MountKind::kCgroup:
        a = kSealed;
        break;
      case MountKind::kTmpfs:
        a = {.read_only = e.read_only, .nosuid = true, .nodev = true, .noexec = e.noexec};
        break;
      case MountKind::kBind:
        // nodev unless the source itself is a device node: binding a host directory must not
        // make a device below it usable. Recursive: the bind's submounts get the same.
        a = {.read_only = e.read_only, .nosuid = true, .nodev = !e.device, .noexec = false};
        break;
      case MountKind::kSecrets: {
        a = kSealed;
        // Room for every file (a page each at least) and a few inodes more than needed, so
        // that a write never fails half way; no room for anything else.
        size_t size = secrets_bytes + 4096 * secrets_count + 65536;
        e.options = "mode=" + octal_mode(kSecretsDirectoryMode) +
                    ",uid=" + std::to_string(secrets_uid) + ",gid=" + std::to_string(secrets_gid) +
                    ",size=" + std::to_string(size) +
                    ",nr_inodes=" + std::to_string(secrets_count + 16);
        break;
      }
      case MountKind::kMask:
        // An empty read-only tmpfs of one inode over a directory, sealed like every other
        // mount of the sandbox's own; /dev/null over a file keeps its device
        // (attrs_over_file).
        a = kSealed;
        e.options = "mode=0755,size=4k,nr_inodes=1";
        break;
      case MountKind::kInaccessible:
        a = kSealed;
        e.options = "mode=0000,size=4k,nr_inodes=1";
        break;
      case MountKind::kPrivateDev: {
        // The tmpfs is read-only once its mount points exist (mount_apply.cc, seal_own_tmpfs);
        // `read_only = /dev` makes pts and shm read-only too, as ReadOnlyPaths=/dev does with
        // PrivateDevices=.
        a = {.read_only = true, .nosuid = true, .nodev = false, .noexec = true};
        e.options = "mode=0755,size=4m";
        e.submounts.clear();
        // A node bound from the host (mknod refused) is read-only: root inside could otherwise
        // chmod or chown the host's device node.
        for (const DevNode& node : kPrivateDevNodes)
          e.submounts.push_back(
              {node.name, "node", {.read_only = true, .nosuid = true, .noexec = true}, ""});
        // So does a read-only entry at one of them (read_only = /dev/shm); a read-write one
        // keeps it writable under read_only = /dev.
        auto read_only = [&](const char* name) {
          const std::string path = e.target + "/" + name;
          auto at = [&](MountKind kind) {
            return std::any_of(mounts.begin(), mounts.end(), [&](const MountEntry& x) {
              return x.kind == kind && x.target == path;
            });
          };
          return (e.read_only && !at(MountKind::kReadWrite)) || at(MountKind::kReadOnly);
        };
        e.submounts.push_back({"pts",
                               "devpts",
                               {.read_only = read_only("pts"), .nosuid = true, .noexec = true},
                               "newinstance,ptmxmode=0666,mode=0620,gid=5"});
        e.submounts.push_back({"shm",
                               "tmpfs",
                               {.read_only = read_only("shm"), .nosuid = true, .nodev = true},
                               "mode=1777"});
        break;
      }
      case MountKind::kReadOnly:
        a = {.read_only = true};
        break;
      case MountKind::kReadWrite:
        a = {};
        break;
    }
  }
}

std::vector<MountEntry> order_mounts(std::vector<MountEntry> entries, Diagnostics& diag) {
  // Sorted through their indices: each entry is moved once, into its group.
  std::vector<size_t> order(entries.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return path_less(entries[a].target, entries[b].target);
  });
  std::vector<MountEntry> merged;
  merged.reserve(entries.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && entries[order[j]].target == entries[order[i]].target) ++j;
    std::vector<MountEntry> group;
    group.reserve(j - i);
    for (size_t k = i; k < j; ++k) group.push_back(std::move(entries[order[k]]));
    if (auto m = merge_group(std::move(group), diag)) merged.push_back(std::move(*m));
    i = j;
  }
  // Nothing can be mounted below a masked or inaccessible path: it is empty and read-only.
  // In this order a subtree is contiguous and follows its root, so one "covering" entry at a
  // time is enough (linear, not quadratic: threats.md, hostile policy size).
  std::vector<MountEntry> out;
  out.reserve(merged.size());
  std::optional<std::string> cover;
  for (auto& e : merged) {
    if (cover && e.target != *cover && path_is_under(e.target, *cover)) continue;
    cover.reset();
    if (e.kind == MountKind::kMask || e.kind == MountKind::kInaccessible) cover = e.target;
    out.push_back(std::move(e));
  }
  // The holes of a read-only entry: the outermost writable entries of its (contiguous)
  // subtree; one nested in an earlier hole lies in the latest hole, which is all we compare.
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].kind != MountKind::kReadOnly) continue;
    std::optional<size_t> last_hole;
    for (size_t j = i + 1; j < out.size() && path_is_under(out[j].target, out[i].target); ++j) {
      if (!writable(out[j])) continue;
      if (last_hole && path_is_under(out[j].target, out[*last_hole].target)) continue;
      out[i].holes.push_back(j);
      last_hole = j;
    }
  }
  return out;
}

bool SeccompPlan::restricts_namespaces() const {
  return namespaces_allowed != all_namespace_flags();
}

const Blame* SeccompPlan::deny_blame_of(const std::string& syscall) const {
  auto it = std::lower_bound(deny_blame.begin(), deny_blame.end(), syscall,
                             [](const auto& d, const std::string& name) { return d.first < name; });
  if (it == deny_blame.end() || it->first != syscall) return nullptr;
  return &deny_entries[it->second];
}

bool SeccompPlan::refuses(const std::string& syscall) const {
  if (!enabled) return false;
  if (refuses_io_uring() && syscall.starts_with("io_uring_")) return true;
  bool listed = std::binary_search(syscalls.begin(), syscalls.end(), syscall);
  return allow_list ? !listed : listed;
}

PlanContext plan_context_from_environment() {
  PlanContext c;
  c.notify_socket = getenv("NOTIFY_SOCKET") != nullptr;
  if (const char* n = getenv("NOTIFY_SOCKET"); n && n[0] == '/' && path_problem(n).empty())
    c.notify_socket_path = n;
  if (const char* d = getenv("CREDENTIALS_DIRECTORY")) c.credentials_directory = d;
  c.look_up = [](const std::string& path) -> std::optional<HostPath> {
    Resolved r = resolve_trusted(path, {.flags = O_PATH});
    if (!r) return std::nullopt;
    return HostPath{r.path, S_ISCHR(r.st.st_mode) || S_ISBLK(r.st.st_mode)};
  };
  c.landlock_abi = landlock_kernel_abi();
  // PR_GET_MDWE answers EINVAL where the kernel does not know the option (before Linux 6.3).
  c.mdwe = prctl(66 /* PR_GET_MDWE */, 0, 0, 0, 0) >= 0;
  c.personality = static_cast<unsigned>(personality(0xffffffff));
  return c;
}

std::string user_namespace_map(uint32_t own, uint32_t service) {
  std::string map = std::to_string(own) + " " + std::to_string(own) + " 1\n";
  if (service != own) map += std::to_string(service) + " " + std::to_string(service) + " 1\n";
  return map;
}

namespace {

bool under_dev(const std::string& path) { return path == "/dev" || path.starts_with("/dev/"); }

// Why the daemon could reach a terminal, for new_session's ioctl rules; "" when it cannot: it
// holds none, its /dev is the private one (a devpts of its own, /dev/tty without a
// controlling terminal) with nothing of the host's /dev or devices put into it, and Landlock
// keeps device ioctls to that /dev's devices (a terminal's node elsewhere on the host's file
// systems, such as a devpts mounted a second time, takes none, nor /dev/tty once the node's
// open made it the controlling terminal) and ptrace access, /proc/PID/fd with it, inside its
// domain. (A terminal a host process hands it over a socket stays possible:
// jharden.conf(5).)
std::string terminal_reach(const Policy& policy, const PlanContext& context,
                           std::span<const MountEntry> mounts) {
  if (context.terminal) return "jharden holds a terminal";
  if (!policy.private_dev.value) return "private_dev = no: the host's terminals are in /dev";
  for (const auto* list : {&policy.read_only, &policy.read_write})
    for (const auto& s : *list)
      if (under_dev(s.path)) return s.path + " is in the sandbox";
  for (const auto& b : policy.bind)
    if (under_dev(b.target)) return b.target + " is bound into the sandbox";
  for (const auto& e : mounts)
    if (e.kind == MountKind::kBind && e.device)
      return e.source + " is a device bound into the sandbox";
  if (policy.landlock.value == LandlockMode::kNo)
    return "landlock = no: device ioctls are not kept to /dev";
  if (context.landlock_abi < 1) return "no Landlock in this kernel to keep device ioctls to /dev";
  if (context.landlock_abi < kLandlockDeviceIoctlAbi)
    return "Landlock ABI " + std::to_string(context.landlock_abi) +
           " does not keep device ioctls to /dev (ABI " + std::to_string(kLandlockDeviceIoctlAbi) +
           " does)";
  return "";
}

// The seccomp part of the plan: the lists with their groups expanded, each refused call's
// errno, the argument rules asked for, and how W^X memory holds. mounts: the planned mounts,
// for the devices bound (none for the precompiled programs, which have no host to look at).
void plan_seccomp(const Policy& policy, const PlanContext& context,
                  std::span<const MountEntry> mounts, SeccompPlan& sc, Diagnostics& diag) {
  const Origin builtin{"(built-in)", 0};
  sc.action = policy.seccomp_action.value;
  sc.error = policy.seccomp_errno.value;
  sc.native_only = policy.native_only.value;
  // What an allow list names explicitly lifts a default deny entry of the same name, and a
  // syscall allowed by name is lifted from the default deny groups.
  std::set<std::string> allowed_names;
  if (policy.seccomp_allow)
    for (const auto& a : *policy.seccomp_allow) allowed_names.insert(a.value);
  // Each denied syscall with the deny entry that reaches it last (its errno and line): every
  // name an entry reaches, in the entries' order, then sorted by name (through their indices:
  // stable, so that the last entry of a name comes last) and each name kept once.
  std::vector<std::pair<std::string, const SyscallEntry*>> reached;
  std::vector<std::string> deny_groups;
  for (const auto& d : policy.seccomp_deny) {
    const bool lift = d.origin.is_default() && policy.seccomp_allow;
    if (lift && allowed_names.contains(d.value)) continue;
    if (const SyscallGroup* g = find_syscall_group(d.value)) {
      add_once(deny_groups, d.value);
      for (auto& name : expand_syscall_group(*g))
        if (!lift || !allowed_names.contains(name)) reached.emplace_back(std::move(name), &d);
    } else {
      reached.emplace_back(d.value, &d);
    }
  }
  std::vector<size_t> order(reached.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return reached[a].first < reached[b].first; });
  std::vector<std::pair<std::string, const SyscallEntry*>> deny;
  deny.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i)
    if (i + 1 == order.size() || reached[order[i + 1]].first != reached[order[i]].first)
      deny.push_back(std::move(reached[order[i]]));
  // One blame for each entry, shared by the calls it reaches.
  std::vector<const SyscallEntry*> blamed;
  for (const auto& [name, entry] : deny) {
    if (entry->error != 0) sc.errors[name] = entry->error;
    auto at = std::find(blamed.begin(), blamed.end(), entry);
    if (at == blamed.end()) {
      std::string value = entry->value;
      if (entry->error != 0) value += ":" + errno_symbol(entry->error);
      sc.deny_entries.push_back(Blame{entry->origin, "deny", std::move(value)});
      at = blamed.insert(blamed.end(), entry);
    }
    sc.deny_blame.emplace_back(name, static_cast<uint32_t>(at - blamed.begin()));
  }
  auto blame = [](const auto& located, const char* key, std::string value) {
    return Blame{located.origin, key, std::move(value)};
  };
  sc.action_blame = blame(policy.seccomp_action, "action",
                          policy.seccomp_action.value == SeccompAction::kKill  ? "kill"
                          : policy.seccomp_action.value == SeccompAction::kLog ? "log"
                                                                               : "errno");
  if (policy.seccomp_allow) {
    std::string names;
    for (const auto& a : *policy.seccomp_allow) names += (names.empty() ? "" : " ") + a.value;
    sc.allow_blame =
        Blame{policy.seccomp_allow->empty() ? Origin{} : policy.seccomp_allow->front().origin,
              "allow", names};
  }
  std::string types;
  for (const auto& t : namespace_types())
    if ((policy.ns_allow_create.value & t.flag) == t.flag)
      types += (types.empty() ? "" : " ") + std::string(t.name);
  sc.namespaces_blame =
      blame(policy.ns_allow_create, "allow_create", types.empty() ? "none" : types);
  sc.suid_sgid_blame = blame(policy.restrict_suid_sgid, "restrict_suid_sgid", "yes");
  sc.personality_blame = blame(policy.lock_personality, "lock_personality", "yes");
  sc.realtime_blame = blame(policy.restrict_realtime, "restrict_realtime", "yes");
  sc.write_execute_blame =
      blame(policy.memory_deny_write_execute, "memory_deny_write_execute", "yes");
  sc.terminal_blame = blame(policy.new_session, "new_session", "yes");
  if (policy.address_families) {
    std::string names;
    Origin origin;
    for (const auto& f : *policy.address_families) {
      names += (names.empty() ? "" : " ") + address_family_name(f.value);
      origin = f.origin;
    }
    sc.families_blame = Blame{origin, "address_families", names.empty() ? "none" : names};
  }
  if (policy.address_families) {
    std::vector<int> families;
    for (const auto& f : *policy.address_families) families.push_back(f.value);
    std::sort(families.begin(), families.end());
    families.erase(std::unique(families.begin(), families.end()), families.end());
    sc.address_families = std::move(families);
  }
  if (policy.seccomp_allow) {
    sc.allow_list = true;
    // Like systemd, an allow list always includes what any program needs to start (@default,
    // with execve), and write(2), with which jharden reports the exec.
    std::set<std::string> allow;
    std::vector<Located<std::string>> allowed = *policy.seccomp_allow;
    allowed.push_back({"@default", builtin});
    allowed.push_back({"write", builtin});
    for (const auto& a : allowed) {
      if (const SyscallGroup* g = find_syscall_group(a.value)) {
        add_once(sc.groups, a.value);
        for (auto& name : expand_syscall_group(*g)) allow.insert(name);
      } else {
        allow.insert(a.value);
      }
    }
    for (const auto& [name, entry] : deny) allow.erase(name);
    sc.syscalls.assign(allow.begin(), allow.end());
    for (auto& g : deny_groups) sc.groups.push_back("~" + g);
  } else {
    for (const auto& [name, entry] : deny) sc.syscalls.push_back(name);
    sc.groups = deny_groups;
  }
  sc.namespaces_allowed = policy.ns_allow_create.value;
  sc.restrict_suid_sgid = policy.restrict_suid_sgid.value;
  sc.lock_personality = policy.lock_personality.value;
  if (sc.lock_personality) sc.execution_domain = context.personality;
  sc.restrict_realtime = policy.restrict_realtime.value;
  sc.new_session = policy.new_session.value;
  if (sc.new_session) sc.terminal_reach = terminal_reach(policy, context, mounts);
  if (policy.memory_deny_write_execute.value)
    sc.write_execute = context.mdwe ? WriteExecute::kPrctl : WriteExecute::kSeccomp;
  sc.enabled = sc.allow_list || !sc.syscalls.empty() || sc.native_only ||
               sc.restricts_namespaces() || sc.restrict_suid_sgid || sc.lock_personality ||
               sc.restrict_realtime || sc.restrict_terminal() || sc.address_families ||
               sc.write_execute == WriteExecute::kSeccomp;
  // After the filter is loaded jharden still reports the exec with write(2) and then calls
  // execve(2): a filter that refuses either cannot start anything.
  if (sc.action == SeccompAction::kLog) return;
  for (const char* needed : {"write", "execve"}) {
    if (!sc.refuses(needed)) continue;
    auto it =
        std::find_if(deny.begin(), deny.end(), [&](const auto& d) { return d.first == needed; });
    diag.error(it != deny.end() ? it->second->origin : policy.seccomp_action.origin,
               std::string("deny: refuses ") + needed +
                   ", which jharden needs after the filter is in force (to report the exec and "
                   "to start the daemon)");
  }
}

}  // namespace

Plan build_plan(const Policy& policy, const Identity& identity, const std::vector<Secret>& secrets,
                const PlanContext& context, Diagnostics& diag) {
  Plan plan;
  plan.root = policy.root.value;
  plan.propagation = policy.propagation.value;
  plan.ns_pid = policy.ns_pid.value;
  plan.ns_net = policy.ns_net.value;
  plan.ns_ipc = policy.ns_ipc.value;
  plan.ns_uts = policy.ns_uts.value || policy.hostname.has_value();
  plan.ns_cgroup = policy.ns_cgroup.value;
  plan.ns_user = policy.ns_user.value;
  if (policy.hostname) plan.hostname = policy.hostname->value;
  const bool chroot_mode = plan.root != "/";

  std::vector<MountEntry> m;
  auto add = [&](MountKind kind, const std::string& target, const Origin& origin,
                 bool optional = false) -> MountEntry& {
    MountEntry e;
    e.kind = kind;
    e.target = target;
    e.origin = origin;
    e.optional = optional;
    e.implicit = origin.is_default();
    e.read_only = kind == MountKind::kMask || kind == MountKind::kInaccessible ||
                  kind == MountKind::kSysfs || kind == MountKind::kSecrets ||
                  kind == MountKind::kCgroup;
    m.push_back(e);
    return m.back();
  };
  const Origin builtin{"(built-in)", 0};

  // A fresh procfs is needed for a PID namespace (so that /proc shows the sandbox's
  // processes) and for the procfs-instance options, and always inside a new root.
  std::vector<std::string> proc_opts;
  if (policy.protect_proc.value == ProtectProc::kInvisible)
    proc_opts.push_back("hidepid=invisible");
  if (policy.proc_subset.value == ProcSubset::kPid) proc_opts.push_back("subset=pid");
  if (chroot_mode || plan.ns_pid || !proc_opts.empty()) {
    Origin o = !proc_opts.empty() ? (policy.protect_proc.value == ProtectProc::kInvisible
                                         ? policy.protect_proc.origin
                                         : policy.proc_subset.origin)
                                  : builtin;
    auto& e = add(MountKind::kProc, "/proc", o, chroot_mode);
    e.implicit = true;
    for (const auto& opt : proc_opts) e.options += (e.options.empty() ? "" : ",") + opt;
  }
  if (chroot_mode || policy.private_dev.value) {
    add(MountKind::kPrivateDev, "/dev", policy.private_dev.origin, chroot_mode).implicit = true;
  }
  if (chroot_mode) add(MountKind::kSysfs, "/sys", builtin, true);
  // The host's sysfs shows the host's interfaces (/sys/class/net) whatever the network
  // namespace: a sysfs made from inside the new one shows only its own. The host's cgroup
  // tree is bound back into it (read-only, as the sysfs around it), unless the sandbox has a
  // cgroup namespace of its own.
  if (!chroot_mode && plan.ns_net) {
    add(MountKind::kSysfs, "/sys", policy.ns_net.origin).implicit = true;
    if (!plan.ns_cgroup) {
      auto& e = add(MountKind::kBind, "/sys/fs/cgroup", policy.ns_net.origin, true);
      e.source = "/sys/fs/cgroup";
      e.read_only = true;
      e.implicit = true;
    }
  }
  // The cgroup namespace's own hierarchy, which shows only the cgroup jharden started in. As
  // written by the administrator: another mount there is a conflict, never a silent override.
  if (plan.ns_cgroup)
    add(MountKind::kCgroup, "/sys/fs/cgroup", policy.ns_cgroup.origin, chroot_mode);
  if (policy.private_tmp.value) {
    for (const char* t : {"/tmp", "/var/tmp"}) {
      auto& e = add(MountKind::kTmpfs, t, policy.private_tmp.origin,
                    chroot_mode || std::string(t) == "/var/tmp");
      e.implicit = true;
      e.options = "mode=1777";
    }
  }
  for (const auto& t : policy.tmpfs) {
    auto& e = add(MountKind::kTmpfs, t.path, t.origin);
    e.options = "mode=" + octal_mode(t.mode);
    if (t.size_bytes) e.options += ",size=" + std::to_string(*t.size_bytes);
    if (t.size_text) e.options += ",size=" + *t.size_text;
    if (t.nr_inodes) e.options += ",nr_inodes=" + std::to_string(*t.nr_inodes);
    if (t.uid) e.options += ",uid=" + std::to_string(*t.uid);
    if (t.gid) e.options += ",gid=" + std::to_string(*t.gid);
    e.noexec = t.noexec;
    e.read_only = t.read_only;
  }
  for (const auto& fm : policy.fstab_mounts) {
    auto& e = add(fm.type == "proc" ? MountKind::kProc : MountKind::kSysfs, fm.target, fm.origin);
    e.options = fm.options;
    e.read_only = e.read_only || fm.read_only;
  }
  for (const auto& b : policy.bind) {
    auto& e = add(MountKind::kBind, b.target, b.origin, b.optional);
    e.source = b.source;
    e.read_only = b.read_only;
    // As it will be opened: trusted symlinks followed, so that hiding compares real paths.
    if (context.look_up) {
      if (auto h = context.look_up(b.source)) {
        e.source = h->resolved;
        e.device = h->device;
      }
    }
  }
  // In a new root the defaults may be absent from a minimal tree: they become optional there.
  for (const auto& p : policy.read_only)
    add(MountKind::kReadOnly, p.path, p.origin,
        p.optional || (chroot_mode && p.origin.is_default()));
  for (const auto& p : policy.read_write) add(MountKind::kReadWrite, p.path, p.origin, p.optional);
  for (const auto& p : policy.mask)
    add(MountKind::kMask, p.path, p.origin, p.optional || (chroot_mode && p.origin.is_default()));
  for (const auto& p : policy.inaccessible)
    add(MountKind::kInaccessible, p.path, p.origin, p.optional);
  std::vector<Protected> protect;
  if (policy.protect_kernel.value) {
    // What ProtectKernelTunables=/ProtectKernelLogs= cover, each optional because kernels
    // differ in what they expose.
    // The same for every procfs and sysfs of the plan, wherever mounted (an fstab proc
    // entry); binds of the host's /proc and /sys follow below.
    const Origin& o = policy.protect_kernel.origin;
    std::vector<std::pair<std::string, bool>> views = {{"/proc", true}, {"/sys", false}};
    for (const auto& fm : policy.fstab_mounts)
      if (fm.target != "/proc" && fm.target != "/sys")
        views.emplace_back(fm.target, fm.type == "proc");
    for (const auto& view : views) {
      // Named, not a structured binding: lambdas below capture it (clang 14 refuses those).
      const std::string& at = view.first;
      const bool proc = view.second;
      auto under = [&](const char* rel) { return at == "/" ? std::string(rel) : at + rel; };
      // The host's own /proc and /sys, as bind sources see them.
      const bool host_view = at == "/proc" || at == "/sys";
      auto kernel = [&](MountKind kind, const std::string& path) {
        add(kind, path, o, true).implicit = true;
        if (host_view) protect.push_back({path, kind, o, true});
      };
      if (proc) {
        for (const char* p : kProcReadOnly) kernel(MountKind::kReadOnly, under(p));
        for (const char* p : kProcMasked) kernel(MountKind::kMask, under(p));
      } else {
        if (at == "/sys") kernel(MountKind::kReadOnly, at);
        for (const char* p : kSysInaccessible) kernel(MountKind::kInaccessible, under(p));
      }
    }
  }
  // Where protected paths lie on the host, for binds that make them reachable elsewhere.
  for (const auto* list : {&policy.mask, &policy.inaccessible})
    for (const auto& p : *list)
      protect.push_back({join_root(plan.root, p.path),
                         list == &policy.mask ? MountKind::kMask : MountKind::kInaccessible,
                         p.origin, p.origin.is_default()});
  if (!secrets.empty()) {
    add(MountKind::kSecrets, policy.secrets_directory.value, policy.secrets_directory.origin);
    if (policy.hide_sources.value) {
      for (const auto& s : secrets) {
        // The sources live on the host: inside a new root they are out of reach, except
        // through a bind. Optional: a source already out of sight (e.g. under the private
        // /tmp) is hidden.
        if (!chroot_mode)
          add(MountKind::kInaccessible, s.host_path, s.origin, true).implicit = true;
        protect.push_back({s.host_path, MountKind::kInaccessible, s.origin, true});
      }
    }
  }
  plan.notify = policy.notify ? policy.notify->value
                              : (context.notify_socket ? NotifyMode::kExec : NotifyMode::kNone);
  if (plan.notify != NotifyMode::kDaemon && !context.notify_socket_path.empty()) {
    // Unless the daemon speaks sd_notify itself, systemd's socket is no business of its:
    // reachable, it could send READY=1 too early, STOPPING=1 or MAINPID= any process.
    // Optional: a sandbox that does not show the host's /run has nothing to hide.
    const Origin o{"$NOTIFY_SOCKET", 0};
    const std::string& path = context.notify_socket_path;
    if (!chroot_mode) add(MountKind::kInaccessible, path, o, true).implicit = true;
    protect.push_back({path, MountKind::kInaccessible, o, true});
  }
  refuse_unbuildable(m, policy.private_dev.value || chroot_mode, context, diag);
  protect_through_binds(m, protect, diag);
  // API file systems under a read-only tree keep their own rules (like ProtectSystem=strict).
  for (const char* api : {"/dev", "/proc", "/sys"}) {
    bool covered = std::any_of(m.begin(), m.end(), [&](const MountEntry& e) {
      return e.kind == MountKind::kReadOnly && e.target != api && path_is_under(api, e.target);
    });
    if (covered) add(MountKind::kReadWrite, api, builtin, true);
  }
  // A procfs with subset=pid has only the process directories: what lies outside them is
  // already out of reach, so entries there are optional.
  if (policy.proc_subset.value == ProcSubset::kPid)
    for (auto& e : m)
      if (e.target != "/proc" && path_is_under(e.target, "/proc")) e.optional = true;
  plan.mounts = order_mounts(std::move(m), diag);
  size_t secret_bytes = 0;
  for (const auto& s : secrets) secret_bytes += s.bytes.data().size();
  decide_mount_attributes(plan.mounts, identity.secrets_uid, identity.secrets_gid, secrets.size(),
                          secret_bytes);
  plan.landlock.mode = policy.landlock.value;
  plan.landlock.origin = policy.landlock.origin;
  plan.landlock.abi = context.landlock_abi;
  plan.landlock.handled = jharden_landlock_handled_access(context.landlock_abi);
  plan.landlock.scope_signals = plan.landlock.mode != LandlockMode::kNo &&
                                context.landlock_abi >= kLandlockSignalScopeAbi &&
                                policy.ns_pid.value;
  if (plan.landlock.mode != LandlockMode::kNo)
    plan.landlock.rules =
        landlock_rules(plan.mounts, plan.landlock.handled, !policy.new_session.value);
  plan.secrets_directory = policy.secrets_directory.value;
  plan.secrets_mode = policy.secrets_mode.value;

  plan.identity = identity;

  // A default drop entry is lifted by an explicit keep or ambient entry of the same capability
  // (explicit lines that contradict each other were refused by finish_policy).
  std::set<int> drop, lifted;
  if (policy.cap_keep)
    for (const auto& k : *policy.cap_keep) lifted.insert(k.value);
  for (const auto& a : policy.cap_ambient) lifted.insert(a.value);
  for (const auto& d : policy.cap_drop)
    if (!d.origin.is_default() || !lifted.contains(d.value)) drop.insert(d.value);
  // restrict_suid_sgid: the filter stops the set-user-ID bits, the bounding set their two
  // equivalents that no syscall argument shows: file capabilities (CAP_SETFCAP writes
  // security.capability, cap_setuid+ep on a copy of python is root for every host user) and a
  // set-user-ID bit kept through a write by root (CAP_FSETID). finish_policy() refuses a
  // policy that keeps either.
  if (policy.restrict_suid_sgid.value) drop.insert({CAP_SETFCAP, CAP_FSETID});
  std::set<int> base;
  if (policy.cap_keep) {
    for (const auto& k : *policy.cap_keep) base.insert(k.value);
  } else {
    for (int c = 0; c <= last_capability(); ++c) base.insert(c);
  }
  for (int c = 0; c <= last_capability(); ++c) {
    if (base.contains(c) && !drop.contains(c))
      plan.caps.bounding.push_back(c);
    else
      plan.caps.dropped.push_back(c);
  }
  for (const auto& a : policy.cap_ambient) plan.caps.ambient.push_back(a.value);
  std::sort(plan.caps.ambient.begin(), plan.caps.ambient.end());
  plan.caps.ambient.erase(std::unique(plan.caps.ambient.begin(), plan.caps.ambient.end()),
                          plan.caps.ambient.end());
  plan.no_new_privileges = policy.no_new_privileges.value;

  plan_seccomp(policy, context, plan.mounts, plan.seccomp, diag);

  plan.argv = policy.exec.value;
  // The last assignment of a name wins, in the order of its last assignment (a map instead of
  // a search per line: a large policy must not plan in quadratic time).
  std::unordered_map<std::string_view, size_t> last;
  for (size_t i = 0; i < policy.environment.size(); ++i) last[policy.environment[i].name] = i;
  for (const auto& u : policy.unset_environment) plan.env_unset.push_back(u.value);
  // unset_environment wins over environment, as UnsetEnvironment= over Environment=.
  // (Views into the policy's strings: plan.env_unset may still grow.)
  std::unordered_set<std::string_view> unset;
  for (const auto& u : policy.unset_environment) unset.insert(u.value);
  // What systemd itself gives the service, which Environment= overrides: the login
  // variables of User= and $CREDENTIALS_DIRECTORY, pointing at the projected secrets. Without
  // secrets, one that jharden inherited (from the unit's LoadCredential=) is removed: it
  // names files that hide_sources hides, and the daemon would read those instead.
  // A variable the user's entry does not give is removed: one jharden inherited (a root
  // shell's HOME or SHELL) would describe another user.
  std::vector<std::pair<std::string, std::string>> implicit;
  std::vector<std::string> implicit_unset;
  if (policy.user) {
    for (const auto& [k, v] :
         {std::pair<const char*, const std::string&>{"USER", identity.login_name},
          {"LOGNAME", identity.login_name},
          {"HOME", identity.home},
          {"SHELL", identity.shell}}) {
      if (!v.empty())
        implicit.emplace_back(k, v);
      else
        implicit_unset.emplace_back(k);
    }
  }
  if (!secrets.empty())
    implicit.emplace_back("CREDENTIALS_DIRECTORY", policy.secrets_directory.value);
  else if (!context.credentials_directory.empty() && !last.contains("CREDENTIALS_DIRECTORY") &&
           !unset.contains("CREDENTIALS_DIRECTORY"))
    plan.env_unset.push_back("CREDENTIALS_DIRECTORY");
  for (const auto& [k, v] : implicit)
    if (!last.contains(k) && !unset.contains(k)) plan.env_set.emplace_back(k, v);
  for (const auto& k : implicit_unset)
    if (!last.contains(k) && !unset.contains(k)) plan.env_unset.push_back(k);
  for (size_t i = 0; i < policy.environment.size(); ++i) {
    const auto& e = policy.environment[i];
    if (last[e.name] == i && !unset.contains(e.name)) plan.env_set.emplace_back(e.name, e.value);
  }
  plan.working_directory = policy.working_directory.value;
  plan.new_session = policy.new_session.value;
  plan.umask = policy.umask.value;
  return plan;
}

SeccompPlan build_seccomp_plan(const Policy& policy, const PlanContext& context,
                               Diagnostics& diag) {
  SeccompPlan sc;
  plan_seccomp(policy, context, {}, sc, diag);
  return sc;
}

}  // namespace jharden
