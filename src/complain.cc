#include "complain.h"

#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "paths.h"

namespace jharden {

std::string Blame::str() const {
  if (origin.is_default()) return "(default " + key + (value.empty() ? "" : " " + value) + ")";
  return origin.str() + " (" + key + " = " + value + ")";
}

Blame mount_blame(const MountEntry& e) {
  auto blame = [&](const char* key, std::string value) {
    return Blame{e.origin, key, std::move(value)};
  };
  const std::string target = (e.optional && !e.implicit ? "-" : "") + e.target;
  // Entries jharden adds for a key that names no path: the key itself is the line to blame.
  const bool kernel_view =
      e.implicit && (path_is_under(e.target, "/proc") || path_is_under(e.target, "/sys"));
  switch (e.kind) {
    case MountKind::kReadOnly:
      if (kernel_view) return blame("protect_kernel", "yes");
      return blame("read_only", target);
    case MountKind::kReadWrite:
      return blame("read_write", target);
    case MountKind::kTmpfs:
      if (e.implicit) return blame("private_tmp", "yes");
      return blame("tmpfs", target);
    case MountKind::kBind:
      if (e.implicit) return blame("net", "yes");
      return blame(
          "bind", (e.optional ? "-" : "") + e.source + ":" + e.target + (e.read_only ? ":ro" : ""));
    case MountKind::kMask:
      if (kernel_view && e.target != "/proc/loadavg") return blame("protect_kernel", "yes");
      return blame("mask", target);
    case MountKind::kInaccessible:
      if (kernel_view) return blame("protect_kernel", "yes");
      if (e.implicit && e.origin.file == "$NOTIFY_SOCKET") return blame("notify", "exec");
      if (e.implicit) return blame("hide_sources", "yes (" + e.target + ")");
      return blame("inaccessible", target);
    case MountKind::kPrivateDev:
      return blame("private_dev", "yes");
    case MountKind::kSecrets:
      return blame("directory", e.target);
    case MountKind::kProc:
      return blame(e.implicit ? "protect_proc" : "proc", e.target);
    case MountKind::kSysfs:
      return blame(e.implicit ? "net" : "sysfs", e.implicit ? "yes" : e.target);
    case MountKind::kCgroup:
      return blame("cgroup", "yes");
  }
  return blame("", e.target);
}

namespace {

std::string_view first_component(std::string_view path, std::string_view dir) {
  std::string_view rel = path.substr(dir == "/" ? 1 : dir.size() + 1);
  return rel.substr(0, rel.find('/'));
}

// Whether a Landlock rule of the plan grants writing at `path`.
bool landlock_grants(const LandlockPlan& plan, std::string_view path) {
  for (const auto& r : plan.rules) {
    switch (r.kind) {
      case LandlockRule::Kind::kBeneath:
        if (path_is_under(path, r.path)) return true;
        break;
      case LandlockRule::Kind::kEntries:
        if (path != r.path && path_is_under(path, r.path) &&
            std::find(r.except.begin(), r.except.end(), first_component(path, r.path)) ==
                r.except.end())
          return true;
        break;
      case LandlockRule::Kind::kWriteOnly:
        if (path == r.path) return true;
        break;
      case LandlockRule::Kind::kDevices:  // ioctls, not writes
        break;
    }
  }
  return false;
}

}  // namespace

std::optional<FsRefusal> attribute_path(const Plan& plan, std::string_view path, FsAccess access) {
  // The deepest entry over the path decides: a writable hole in a read-only tree is an entry
  // of its own below it, and the planner dropped whatever lay below a mask or an inaccessible
  // path. Among equal targets (none after order_mounts()), the later one.
  const MountEntry* best = nullptr;
  int best_depth = -1;
  for (const auto& e : plan.mounts) {
    if (!path_is_under(path, e.target)) continue;
    int depth = path_depth(e.target);
    if (depth >= best_depth) {
      best = &e;
      best_depth = depth;
    }
  }
  const bool write = access == FsAccess::kWrite;
  auto refuse = [&](int error, const char* reason) {
    return std::optional<FsRefusal>(FsRefusal{error, reason, mount_blame(*best)});
  };
  if (best) {
    switch (best->kind) {
      case MountKind::kInaccessible:
        return refuse(EACCES, "inaccessible");
      case MountKind::kMask:
        // A masked file reads as empty; a masked directory is empty and read-only.
        if (write) return refuse(EROFS, "masked");
        if (path != best->target) return refuse(ENOENT, "masked");
        break;
      case MountKind::kPrivateDev: {
        if (path == best->target) {
          if (write) return refuse(EROFS, "read-only");
          break;
        }
        // The private /dev's own tmpfs is sealed read-only; its devpts and shm are writable.
        std::string_view name = first_component(path, best->target);
        if (!private_dev_holds(name)) return refuse(write ? EROFS : ENOENT, "no such device");
        break;
      }
      case MountKind::kReadOnly:
        if (write) return refuse(EROFS, "read-only");
        break;
      case MountKind::kBind:
      case MountKind::kTmpfs:
      case MountKind::kSecrets:
      case MountKind::kSysfs:
      case MountKind::kCgroup:
      case MountKind::kProc:
        if (write && best->read_only) return refuse(EROFS, "read-only");
        break;
      case MountKind::kReadWrite:
        break;
    }
  }
  // The mounts let a write through: Landlock, the second layer, may still refuse it.
  if (write && plan.landlock.active() && !landlock_grants(plan.landlock, path))
    return FsRefusal{EACCES, "refused by Landlock",
                     Blame{plan.landlock.origin, "landlock",
                           std::string(landlock_mode_name(plan.landlock.mode))}};
  return std::nullopt;
}

Blame seccomp_blame(const SeccompPlan& plan, const std::string& syscall) {
  if (const Blame* b = plan.deny_blame_of(syscall)) return *b;
  if (plan.allow_list && !std::binary_search(plan.syscalls.begin(), plan.syscalls.end(), syscall))
    return plan.allow_blame;
  if (syscall.starts_with("io_uring_") && plan.refuses_io_uring())
    return plan.restrict_suid_sgid ? plan.suid_sgid_blame : plan.families_blame;
  // The argument rules of seccomp_filter.cc, by call (no call has rules of two keys).
  using Member = Blame SeccompPlan::*;
  static const std::map<std::string, Member> kKeyed = {
      {"socket", &SeccompPlan::families_blame},
      {"socketpair", &SeccompPlan::families_blame},
      {"mmap", &SeccompPlan::write_execute_blame},
      {"mmap2", &SeccompPlan::write_execute_blame},
      {"mprotect", &SeccompPlan::write_execute_blame},
      {"pkey_mprotect", &SeccompPlan::write_execute_blame},
      {"shmat", &SeccompPlan::write_execute_blame},
      {"personality", &SeccompPlan::personality_blame},
      {"sched_setscheduler", &SeccompPlan::realtime_blame},
      {"sched_setattr", &SeccompPlan::realtime_blame},
      {"ioctl", &SeccompPlan::terminal_blame},
      {"unshare", &SeccompPlan::namespaces_blame},
      {"clone", &SeccompPlan::namespaces_blame},
      {"clone3", &SeccompPlan::namespaces_blame},
      {"setns", &SeccompPlan::namespaces_blame},
      {"chmod", &SeccompPlan::suid_sgid_blame},
      {"fchmod", &SeccompPlan::suid_sgid_blame},
      {"fchmodat", &SeccompPlan::suid_sgid_blame},
      {"fchmodat2", &SeccompPlan::suid_sgid_blame},
      {"mkdir", &SeccompPlan::suid_sgid_blame},
      {"mkdirat", &SeccompPlan::suid_sgid_blame},
      {"mknod", &SeccompPlan::suid_sgid_blame},
      {"mknodat", &SeccompPlan::suid_sgid_blame},
      {"creat", &SeccompPlan::suid_sgid_blame},
      {"open", &SeccompPlan::suid_sgid_blame},
      {"openat", &SeccompPlan::suid_sgid_blame},
      {"openat2", &SeccompPlan::suid_sgid_blame},
  };
  if (auto it = kKeyed.find(syscall); it != kKeyed.end()) return plan.*(it->second);
  return Blame{Origin{}, "seccomp", "refuses system calls unknown to libseccomp"};
}

bool suid_sgid_refuses(const SeccompPlan& plan, const std::string& syscall,
                       const uint64_t args[6]) {
  if (!plan.restrict_suid_sgid) return false;
  constexpr uint64_t kSetId = S_ISUID | S_ISGID;
  static const std::map<std::string, int> kModeArg = {
      {"chmod", 1},   {"fchmod", 1}, {"fchmodat", 2}, {"fchmodat2", 2}, {"mkdir", 1},
      {"mkdirat", 2}, {"mknod", 1},  {"mknodat", 2},  {"creat", 1}};
  if (auto it = kModeArg.find(syscall); it != kModeArg.end())
    return (args[it->second] & kSetId) != 0;
  auto creates = [](uint64_t flags) {
    return (flags & O_CREAT) != 0 || (flags & __O_TMPFILE) == __O_TMPFILE;
  };
  if (syscall == "open") return creates(args[1]) && (args[2] & kSetId) != 0;
  if (syscall == "openat") return creates(args[2]) && (args[3] & kSetId) != 0;
  return false;
}

const std::vector<WatchedPathCall>& watched_path_calls() {
  using A = FsAccess;
  static const std::vector<WatchedPathCall> kCalls = {
      {"open", -1, 0, A::kRead},
      {"openat", 0, 1, A::kRead},
      {"creat", -1, 0, A::kWrite},
      {"mkdir", -1, 0, A::kWrite},
      {"mkdirat", 0, 1, A::kWrite},
      {"rmdir", -1, 0, A::kWrite},
      {"unlink", -1, 0, A::kWrite},
      {"unlinkat", 0, 1, A::kWrite},
      {"rename", -1, 0, A::kWrite, -1, 1},
      {"renameat", 0, 1, A::kWrite, 2, 3},
      {"renameat2", 0, 1, A::kWrite, 2, 3},
      {"link", -1, 1, A::kWrite},
      {"linkat", 2, 3, A::kWrite},
      {"symlink", -1, 1, A::kWrite},
      {"symlinkat", 1, 2, A::kWrite},
      {"mknod", -1, 0, A::kWrite},
      {"mknodat", 0, 1, A::kWrite},
      {"truncate", -1, 0, A::kWrite},
      {"chmod", -1, 0, A::kWrite},
      {"fchmodat", 0, 1, A::kWrite},
      {"chown", -1, 0, A::kWrite},
      {"lchown", -1, 0, A::kWrite},
      {"fchownat", 0, 1, A::kWrite},
      {"bind", -1, 1, A::kWrite, -1, -1, true},
  };
  return kCalls;
}

namespace {
// glibc's __O_TMPFILE includes O_DIRECTORY: only both bits together mean O_TMPFILE.
bool tmpfile(uint64_t flags) { return (flags & __O_TMPFILE) == __O_TMPFILE; }
}  // namespace

bool open_flags_write(uint64_t flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) != 0 || tmpfile(flags);
}

std::string open_flags_text(uint64_t flags) {
  std::string text;
  switch (flags & O_ACCMODE) {
    case O_WRONLY:
      text = "O_WRONLY";
      break;
    case O_RDWR:
      text = "O_RDWR";
      break;
    default:
      text = "O_RDONLY";
  }
  // The flags that say what the call asks of the path (not O_CLOEXEC and the like).
  static const std::pair<uint64_t, const char*> kFlags[] = {
      {O_CREAT, "O_CREAT"},       {O_EXCL, "O_EXCL"},         {O_TRUNC, "O_TRUNC"},
      {O_APPEND, "O_APPEND"},     {__O_TMPFILE, "O_TMPFILE"}, {O_DIRECTORY, "O_DIRECTORY"},
      {O_NOFOLLOW, "O_NOFOLLOW"},
  };
  for (auto [bit, name] : kFlags)
    if ((flags & bit) == bit && !(bit == O_DIRECTORY && tmpfile(flags)))
      text += std::string("|") + name;
  return text;
}

std::string entry_failure(const Plan& plan, const MountEntry& e, const std::string& message,
                          int err) {
  const Blame blame = mount_blame(e);
  std::string out = blame.origin.is_default()
                        ? blame.text() + " (built-in default): " + message
                        : blame.origin.str() + ": " + blame.text() + ": " + message;
  if (err == EROFS && e.target != "/") {
    const std::string parent = e.target.substr(0, std::max<size_t>(e.target.rfind('/'), 1));
    if (auto r = attribute_path(plan, parent, FsAccess::kWrite); r && r->error == EROFS) {
      out += " (under " + r->blame.text() +
             (r->blame.origin.is_default() ? ", a built-in default"
                                           : " from " + r->blame.origin.str()) +
             ")";
    }
  }
  return out;
}

std::string escape_text(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '"':
      case '\\':
        out += '\\';
        out += static_cast<char>(c);
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char hex[5];
          std::snprintf(hex, sizeof hex, "\\x%02x", c);
          out += hex;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::optional<SeccompAudit> parse_seccomp_audit(std::string_view record) {
  // A /dev/kmsg record starts with "PRIORITY,SEQUENCE,...;". The kernel's own have facility 0
  // (priority below 8); whatever a process writes to /dev/kmsg gets another facility (LOG_USER
  // at least), so that a daemon with private_dev = no cannot forge the record of its kill.
  size_t comma = record.find(',');
  if (comma == 0 || comma > 3 || comma == std::string_view::npos ||
      record.substr(0, comma).find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoi(std::string(record.substr(0, comma))) >= 8)
    return std::nullopt;
  if (record.find("type=1326") == std::string_view::npos) return std::nullopt;
  auto field = [&](std::string_view key) -> std::optional<std::string_view> {
    std::string needle = " " + std::string(key) + "=";
    size_t at = record.find(needle);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view v = record.substr(at + needle.size());
    if (v.starts_with("\"")) {
      v.remove_prefix(1);
      return v.substr(0, v.find('"'));
    }
    return v.substr(0, v.find_first_of(" \n"));
  };
  auto number = [&](std::string_view key, int base) -> std::optional<unsigned long long> {
    auto v = field(key);
    if (!v || v->empty()) return std::nullopt;
    std::string text(*v);
    char* end = nullptr;
    errno = 0;
    unsigned long long n = std::strtoull(text.c_str(), &end, base);
    if (errno != 0 || *end != '\0') return std::nullopt;
    return n;
  };
  auto sig = number("sig", 10);
  auto pid = number("pid", 10);
  auto arch = number("arch", 16);
  auto nr = number("syscall", 10);
  if (!sig || *sig != SIGSYS || !pid || !arch || !nr) return std::nullopt;
  SeccompAudit a;
  a.pid = static_cast<int>(*pid);
  a.arch = static_cast<uint32_t>(*arch);
  a.nr = static_cast<int>(*nr);
  if (auto comm = field("comm")) a.comm = std::string(*comm);
  return a;
}

std::string kill_report(const SeccompPlan& plan, const SeccompAudit& audit) {
  char* resolved = seccomp_syscall_resolve_num_arch(audit.arch, audit.nr);
  std::string name = resolved ? resolved : "system call " + std::to_string(audit.nr);
  std::free(resolved);
  std::string action = plan.action_blame.origin.is_default()
                           ? "action = kill"
                           : "action = kill from " + plan.action_blame.origin.str();
  return escape_text(audit.comm) + "[" + std::to_string(audit.pid) + "]: " + name + " refused by " +
         seccomp_blame(plan, name).str() + ", with " + action;
}

std::string complain_line(const std::string& comm, int pid, const std::string& call,
                          const std::string& verdict, const Blame& blame) {
  return comm + "[" + std::to_string(pid) + "]: " + call + ": " + verdict + " by " + blame.str();
}

}  // namespace jharden
