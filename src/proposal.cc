#include "proposal.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <sstream>

#include "cap_inference.h"
#include "cap_names.h"
#include "identity.h"
#include "observe_events.h"
#include "seccomp_groups.h"
#include "seccomp_names.h"
#include "text.h"

namespace jharden {
namespace {

// Directories under which each service has its own: a write in /var/lib/redis/x makes
// /var/lib/redis writable, never /var/lib. /run/user first: every user has their own there, a
// write in /run/user/1000 must not make /run/user writable.
constexpr const char* kDataRoots[] = {"/run/user",    "/var/lib",  "/var/cache", "/var/log",
                                      "/var/spool",   "/var/mail", "/var/www",   "/var/opt",
                                      "/run",         "/srv",      "/home",      "/opt",
                                      "/var/backups", "/mnt",      "/media"};
// Never writable as a whole, whatever was written directly in them.
// /root: root's home as a whole (its .ssh) for one file written in it.
constexpr const char* kNeverWhole[] = {"/",      "/var", "/usr",  "/etc",  "/boot",     "/lib",
                                       "/lib64", "/bin", "/sbin", "/root", "/usr/local"};
// Home directories: inaccessible when never touched.
constexpr const char* kHomes[] = {"/home", "/root", "/run/user"};
// What jharden itself calls after its filter is loaded (the exec report and execve): a group
// holding one of these is never denied, whatever the daemon called.
constexpr const char* kJhardenNeeds[] = {"execve", "write", "read", "exit_group", "exit"};

bool under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.starts_with(dir) && path[dir.size()] == '/');
}

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string relative_to(const std::string& path, const std::string& dir) {
  if (path == dir) return ".";
  return dir == "/" ? path.substr(1) : path.substr(dir.size() + 1);
}

uint64_t total(const std::map<std::string, uint64_t>& m) {
  uint64_t t = 0;
  for (const auto& [k, v] : m) t += v;
  return t;
}

// "dump.rdb (rename-to 3), temp-1.rdb (create 1, rename-from 1), and 12 more"
std::string evidence(const std::map<std::string, std::map<std::string, uint64_t>>& names,
                     size_t max = 5) {
  std::string out;
  size_t shown = 0;
  for (const auto& [name, ops] : names) {
    if (shown == max) {
      out += ", and " + std::to_string(names.size() - max) + " more";
      break;
    }
    if (shown++) out += ", ";
    out += name + " (";
    bool first = true;
    for (const auto& [op, n] : ops) {
      out += (first ? "" : ", ") + op + " " + std::to_string(n);
      first = false;
    }
    out += ")";
  }
  return out;
}

bool is_write_op(const std::string& op) { return op != "read" && op != "exec"; }
bool is_create_op(const std::string& op) {
  return op == "create" || op == "mkdir" || op == "rename-to" || op == "link" || op == "symlink" ||
         op == "bind";
}
bool is_remove_op(const std::string& op) {
  return op == "unlink" || op == "rmdir" || op == "rename-from";
}

// The innermost mount of the plan at `path`.
const MountEntry* mount_at(const Plan& plan, const std::string& path) {
  const MountEntry* best = nullptr;
  for (const auto& m : plan.mounts)
    if (under(path, m.target) && (!best || m.target.size() >= best->target.size())) best = &m;
  return best;
}

struct Location {
  std::map<std::string, std::map<std::string, uint64_t>> names;  // relative name -> ops
  bool object = false;  // the path itself (its directory is never writable as a whole)
  bool created = false;
  bool scratch = false;  // proposed as a private tmpfs
};

bool has_op(const Location& l, const std::string& op) {
  return std::any_of(l.names.begin(), l.names.end(),
                     [&](const auto& name) { return name.second.contains(op); });
}

// Whether the daemon made, removed or replaced the entry itself, which a mount of the file
// cannot allow (a mount point is neither removed nor renamed over, a socket's bind() needs
// the name free); creating it once is fine: it is there at the next start.
bool entries_change(const Location& l) {
  return std::any_of(l.names.begin(), l.names.end(), [](const auto& name) {
    return std::any_of(name.second.begin(), name.second.end(), [](const auto& op) {
      return is_remove_op(op.first) || op.first == "rename-to" || op.first == "bind";
    });
  });
}

// The last component of `path`, its runs of two or more digits as N: haproxy-master.sock.N.tmp
// for the one name of each start.
std::string numbers_as_n(const std::string& path) {
  const std::string name = path.substr(path.rfind('/') + 1);
  std::string out;
  for (size_t i = 0; i < name.size();) {
    size_t j = i;
    while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
    if (j - i >= 2) {
      out += 'N';
      i = j;
    } else {
      out += name[i++];
    }
  }
  return out;
}

// The policy's parser refuses a line longer than 198 bytes, comments included: a proposal
// with one would not parse at all (the daemon's long names, many capabilities or families).
constexpr size_t kMaxLine = 160;

// The daemon chooses its file names: in a comment, every byte that could end the line or
// is not plain ASCII is shown as \xNN (and \ as \\), so that no name starts a line of its own.
std::string printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Whether a path can stand as one word of a policy line as it is: no white space (a second
// word, a second path), no " ;" or "#" (a comment), no ":" (tmpfs options), nothing but
// plain ASCII. Any other path is not proposed: the policy has no quoting.
bool expressible(const std::string& path) {
  if (path.empty() || path[0] != '/' || path.size() > kMaxLine - 40) return false;
  return std::all_of(path.begin(), path.end(), [](char ch) {
    unsigned char c = static_cast<unsigned char>(ch);
    return std::isalnum(c) || std::strchr("/._-+@,~%=", c) != nullptr;
  });
}

class Writer {
 public:
  // Wrapped: a long evidence is continued on further comment lines.
  void comment(const std::string& text) {
    std::string rest = printable(text);
    const char* lead = "# ";
    do {
      size_t cut = rest.size() <= kMaxLine ? rest.size() : rest.rfind(' ', kMaxLine);
      if (cut == std::string::npos || cut == 0) cut = kMaxLine;
      out_ << lead << rest.substr(0, cut) << "\n";
      rest.erase(0, cut);
      if (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
      lead = "#   ";
    } while (!rest.empty());
  }
  // "KEY = WORD WORD ...": a long list goes on several lines of the same key (a list key adds).
  void line(const std::string& text) {
    size_t eq = text.find(" = ");
    if (text.size() <= kMaxLine || eq == std::string::npos) {
      out_ << text << "\n";
      return;
    }
    const std::string key = text.substr(0, eq + 3);
    std::string current;
    size_t i = eq + 3;
    while (i < text.size()) {
      size_t j = text.find(' ', i);
      if (j == std::string::npos) j = text.size();
      const std::string word = text.substr(i, j - i);
      if (!current.empty() && key.size() + current.size() + 1 + word.size() > kMaxLine) {
        out_ << key << current << "\n";
        current.clear();
      }
      current += (current.empty() ? "" : " ") + word;
      i = j + 1;
    }
    if (!current.empty()) out_ << key << current << "\n";
  }
  void section(const std::string& name) { out_ << "\n[" << name << "]\n"; }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

// Scratch: every name created there was removed again, and every name removed there was one it
// created. A name removed that it was never seen creating was made by other means or existed
// before; a socket bound there is for clients outside the sandbox (PostgreSQL's .s.PGSQL.5432
// in /run/postgresql): a private tmpfs would hide them from the others.
bool is_scratch(const std::string& loc, const Location& l, const ProposalContext& context) {
  std::set<std::string> created, removed;
  bool wrote_existing = false;
  for (const auto& [name, ops] : l.names) {
    bool made = false;
    for (const auto& [op, n] : ops) {
      if (is_create_op(op)) made = true;
      if (is_remove_op(op)) removed.insert(name);
    }
    if (made) created.insert(name);
    if (!made && (ops.count("write") || ops.count("truncate"))) wrote_existing = true;
  }
  if (l.object || created.empty() || wrote_existing || created != removed || has_op(l, "bind") ||
      !context.only_holds)
    return false;
  return context.only_holds(loc, std::vector<std::string>(created.begin(), created.end()));
}

// Where the daemon wrote that the starting policy does not already let it write, by coarsened
// location, none inside another.
std::map<std::string, Location> written_locations(const Policy& policy, const Plan& plan,
                                                  const Observations& obs,
                                                  const ProposalContext& context) {
  std::map<std::string, Location> locations;
  for (const auto& [path, ops] : obs.paths) {
    std::map<std::string, uint64_t> writes;
    // Writing to a device node needs no writable mount (a read-only /dev still lets one write
    // /dev/null): under /dev only what changes its entries (create, remove, rename) counts,
    // or the host's whole /dev (mknod, unlink of its nodes) would be proposed for /dev/null.
    const bool device = under(path, "/dev");
    const bool node = device && context.device && context.device(path);
    for (const auto& [op, n] : ops)
      if (is_write_op(op) && (!device || ((is_create_op(op) && !node) || is_remove_op(op))))
        writes[op] = n;
    if (writes.empty()) continue;
    // Kernel files follow protect_kernel; device nodes stay writable on a read-only mount.
    if (under(path, "/proc") || under(path, "/sys")) continue;
    if (under(path, "/dev") && (plan.mounts.empty() || policy.private_dev.value)) continue;
    std::string dir = parent_of(path);
    if (context.canonical) {
      std::string real = context.canonical(dir);
      if (!real.empty()) dir = real;
    }
    if (const MountEntry* m = mount_at(plan, dir)) {
      bool writable = m->kind == MountKind::kTmpfs || m->kind == MountKind::kReadWrite ||
                      (m->kind == MountKind::kBind && !m->read_only);
      bool unreachable = m->kind == MountKind::kProc || m->kind == MountKind::kSysfs ||
                         m->kind == MountKind::kCgroup || m->kind == MountKind::kSecrets ||
                         m->kind == MountKind::kMask || m->kind == MountKind::kInaccessible;
      if ((writable && !m->read_only) || unreachable) continue;
    }
    std::string loc = coarsen_location(dir);
    bool object = loc.empty();
    const std::string name = path.substr(path.rfind('/') + 1);
    const std::string full = dir == "/" ? "/" + name : dir + "/" + name;
    if (object) loc = full;
    Location& l = locations[loc];
    l.object = object;
    for (const auto& [op, n] : writes) {
      l.names[relative_to(full, loc)][op] += n;
      if (is_create_op(op)) l.created = true;
    }
  }
  // A location inside another is covered by it.
  std::map<std::string, Location> merged;
  for (auto& [loc, l] : locations) {
    // By its ancestors, not by a scan of `merged`: a daemon writing in tens of thousands of
    // directories must not make this quadratic (the observer runs as root on the host). At
    // most one ancestor is there: an inner one would have been merged into the outer.
    auto outer = merged.end();
    for (std::string up = loc; up != "/" && outer == merged.end();) {
      up = parent_of(up);
      auto it = merged.find(up);
      if (it != merged.end() && !it->second.object) outer = it;
    }
    if (outer == merged.end()) {
      merged[loc] = std::move(l);
      continue;
    }
    for (auto& [name, ops] : l.names)
      for (auto& [op, n] : ops)
        outer->second.names[relative_to(loc, outer->first) + "/" + name][op] += n;
  }
  for (auto& [loc, l] : merged) l.scratch = is_scratch(loc, l, context);
  return merged;
}

// Whether a location becomes a read_write line (the others are a tmpfs, or only explained).
bool proposed_read_write(const std::string& loc, const Location& l) {
  return expressible(loc) && !l.scratch && !(l.object && entries_change(l));
}

void propose_filesystem(const Policy& policy, const Plan& plan, const Observations& obs,
                        const std::map<std::string, Location>& merged, const Identity& owner,
                        Writer& w) {
  w.section("filesystem");
  bool has_root_read_only = std::any_of(policy.read_only.begin(), policy.read_only.end(),
                                        [](const PathSpec& p) { return p.path == "/"; });
  if (!has_root_read_only) {
    w.comment("Everything read-only but the places below, where writes were seen.");
    w.line("read_only = /");
  }
  // Files directly in a directory never writable as a whole whose entries the daemon changed:
  // by directory, then by name with its numbers as N (PID-named temporary files).
  std::map<std::string, std::map<std::string, std::map<std::string, uint64_t>>> unmountable;
  // The daemon chooses its names: thousands of them that no policy can write would each get
  // a comment, past the 1 MiB a policy file may have, and the proposal would not load.
  constexpr size_t kMaxInexpressible = 20;
  size_t inexpressible = 0;
  for (const auto& [loc, l] : merged) {
    std::string what = "written: " + evidence(l.names);
    if (!expressible(loc)) {
      if (inexpressible++ < kMaxInexpressible)
        w.comment(what + " (not proposed: " + loc +
                  " cannot be written in a policy; better give the daemon a directory of its "
                  "own)");
      continue;
    }
    if (l.scratch) {
      w.comment("scratch only: everything created there was removed again; " + what);
      std::string options;
      if (owner.change)
        options =
            ":mode=0700,uid=" + std::to_string(owner.uid) + ",gid=" + std::to_string(owner.gid);
      w.line("tmpfs = " + loc + options);
    } else if (l.object && entries_change(l)) {
      // Said once per directory, after the lines.
      for (const auto& [name, ops] : l.names)
        for (const auto& [op, n] : ops) unmountable[parent_of(loc)][numbers_as_n(loc)][op] += n;
    } else if (l.object) {
      w.comment(what + " (" + parent_of(loc) +
                " is never made writable as a whole: better give the daemon a directory of its "
                "own" +
                (l.created ? "; a file created there does not exist at start-up" : "") + ")");
      w.line("read_write = " + std::string(l.created ? "-" : "") + loc);
    } else {
      w.comment(what);
      w.line("read_write = " + loc);
    }
  }

  if (inexpressible > kMaxInexpressible)
    w.comment("and " + std::to_string(inexpressible - kMaxInexpressible) +
              " more places written whose names cannot be written in a policy (not proposed)");

  for (const auto& [dir, names] : unmountable)
    w.comment("entries created, removed or renamed directly in " + dir + ": " + evidence(names) +
              " (not proposed: " + dir +
              " is never made writable as a whole, and a mount of a single file lets it be "
              "written, not created, removed or renamed: give the daemon a directory of its "
              "own, such as RuntimeDirectory= makes)");

  // Home directories never touched.
  std::vector<std::string> homes;
  for (const char* home : kHomes) {
    bool touched = std::any_of(obs.paths.begin(), obs.paths.end(),
                               [&](const auto& p) { return under(p.first, home); });
    bool needed = under(plan.working_directory, home) ||
                  std::any_of(plan.mounts.begin(), plan.mounts.end(),
                              [&](const MountEntry& m) {
                                return under(m.target, home) || under(home, m.target + "/x");
                              }) ||
                  std::any_of(merged.begin(), merged.end(),
                              [&](const auto& m) { return under(m.first, home); });
    if (!touched && !needed) homes.push_back(home);
  }
  if (!homes.empty()) {
    std::string list;
    for (const auto& h : homes) list += (list.empty() ? "-" : " -") + h;
    w.comment("never opened, written or executed from: " + list);
    w.line("inaccessible = " + list);
  }

  // /dev: only the standard pseudo-devices used.
  std::set<std::string> devices;
  for (const auto& [path, ops] : obs.paths)
    if (under(path, "/dev") && path != "/dev") devices.insert(path);
  if (!policy.private_dev.value) {
    std::vector<std::string> others;
    // What the private /dev holds (plan.h), judged by the first name below /dev.
    for (const auto& d : devices) {
      std::string_view rel = std::string_view(d).substr(std::string_view("/dev/").size());
      if (!private_dev_holds(rel.substr(0, rel.find('/')))) others.push_back(d);
    }
    if (others.empty()) {
      w.comment("only standard pseudo-devices opened (" + std::to_string(devices.size()) +
                " distinct)");
      w.line("private_dev = yes");
    } else {
      std::string list;
      for (const auto& d : others) list += " " + d;
      w.comment("private_dev stays as it is: devices opened:" + list);
    }
  }

  // /proc: other processes' entries, and files that are not a process's.
  bool other_processes = false, non_pid = false;
  for (const auto& [path, ops] : obs.paths) {
    if (!under(path, "/proc")) continue;
    if (path == "/proc" || under(path, "/proc/PID")) other_processes = true;
    if (path != "/proc" && !under(path, "/proc/self") && !under(path, "/proc/PID") &&
        !under(path, "/proc/thread-self"))
      non_pid = true;
  }
  if (policy.protect_proc.value == ProtectProc::kDefault) {
    if (!other_processes) {
      w.comment("no other process's /proc entry opened");
      w.line("protect_proc = invisible");
    } else {
      w.comment("protect_proc stays: /proc entries of other processes were opened");
    }
  }
  if (policy.proc_subset.value == ProcSubset::kAll) {
    if (!non_pid) {
      w.comment("only the processes' own /proc entries opened");
      w.line("proc_subset = pid");
    } else {
      std::string list;
      int n = 0;
      for (const auto& [path, ops] : obs.paths)
        if (under(path, "/proc") && !under(path, "/proc/self") && !under(path, "/proc/PID") &&
            path != "/proc" && n++ < 4)
          list += " " + path;
      w.comment("proc_subset stays: opened" + list);
    }
  }
}

// "setuid 2, setgroups 1"
std::string counts_of(const std::map<std::string, uint64_t>& m) {
  std::string out;
  for (const auto& [k, v] : m) out += (out.empty() ? "" : ", ") + k + " " + std::to_string(v);
  return out;
}

// The ones a process of the user needs none of where everything it touches is its own: the
// switch itself, and root's access to that user's files.
constexpr const char* kSwitchCapabilities[] = {"CAP_SETUID", "CAP_SETGID"};
constexpr const char* kOwnFileCapabilities[] = {"CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
                                                "CAP_FOWNER", "CAP_CHOWN"};
// Operations that add or remove the entry itself: they need its directory writable, not the file.
bool is_entry_op(const std::string& op) {
  return op != "write" && op != "truncate" && op != "create";
}

// "/run/x (uid 0, gid 0, mode 0755)"
std::string described(const std::string& path, const struct stat& st) {
  return path + " (uid " + std::to_string(st.st_uid) + ", gid " + std::to_string(st.st_gid) +
         ", mode " + octal_mode(st.st_mode) + ")";
}

// What `id`, running the daemon from the start, would meet at `path`, where the daemon did `ops`.
struct Obstacle {
  // Why the directory refuses: a name created, removed or renamed there, or a file missing now,
  // needs it writable and searchable, and, if sticky, the user's own. Empty: it does not.
  std::string directory;
  // The file is there and not the user's, and the daemon replaces or links it, or may not write
  // it (root made it while learning; a hard link of another's file is refused too). A file
  // of the user's that the daemon opened with O_CREAT (nginx's logs) needs no more. The file's
  // stat when it is one.
  std::optional<struct stat> leftover;
};

Obstacle obstacle_at(const Identity& id, const std::string& path,
                     const std::map<std::string, uint64_t>& ops, const ProposalContext& context) {
  const bool entry =
      std::any_of(ops.begin(), ops.end(), [](const auto& o) { return is_entry_op(o.first); });
  Obstacle o;
  std::optional<struct stat> file = context.stat(path);
  if (file && file->st_uid != id.uid && (entry || !mode_permits(id, *file, W_OK)))
    o.leftover = file;
  // A file root created while learning may be gone at the next start (/run is emptied at boot):
  // the user then creates it in its directory.
  if (file && !entry && !(o.leftover && ops.contains("create"))) return o;
  const std::string dir = parent_of(path);
  std::optional<struct stat> st = context.stat(dir);
  if (!st) {
    o.directory = dir + " (missing)";
  } else {
    bool sticky_other = (st->st_mode & S_ISVTX) && st->st_uid != id.uid;
    if (!mode_permits(id, *st, W_OK | X_OK) || sticky_other) o.directory = described(dir, *st);
  }
  return o;
}

// A user or group name a policy line takes as one word as it is (what useradd and groupadd
// accept): the database may hold others ("disk adm" would be two groups).
bool plain_name(const std::string& name) {
  return !name.empty() && name[0] != '-' && std::all_of(name.begin(), name.end(), [](char ch) {
    unsigned char c = static_cast<unsigned char>(ch);
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

// "a, b, c, d, e, and 3 more"
std::string first_of(const std::vector<std::string>& items, size_t max = 5) {
  std::string list;
  for (size_t i = 0; i < items.size() && i < max; ++i) list += (i ? ", " : "") + items[i];
  if (items.size() > max) list += ", and " + std::to_string(items.size() - max) + " more";
  return list;
}

// The one user a daemon's processes switched to, as the record has it.
struct Switch {
  std::string user, group, name;           // name: "user:group"
  std::vector<std::string> supplementary;  // the groups it had then
  std::string calls;                       // the evidence, for the comments
};

// The user the record shows the daemon switched to, when running it as that user from the start
// can be proposed at all; otherwise nullopt, with a comment saying why where there is a reason.
std::optional<Switch> switched_to(const Observations& obs, Writer& w) {
  // The observer's table was full: which other users it switched to is not known.
  if (obs.identities.contains("*")) {
    w.section("service");
    w.comment(
        "user: not proposed: the daemon's processes switched to more identities than the "
        "observer keeps (" +
        std::to_string(JH_OBS_MAX_IDENTITIES) + ")");
    return std::nullopt;
  }
  // By user other than root: the group each ended with (a switch of the uid before the gid, or
  // of the gid alone, passes through root's).
  std::map<std::string, std::map<std::string, uint64_t>> switched;
  for (const auto& [name, n] : obs.identities) {
    const std::string user = name.substr(0, name.find(':'));
    if (user != "root" && user != "0") switched[user][name.substr(name.find(':') + 1)] += n;
  }
  if (switched.empty()) return std::nullopt;
  w.section("service");
  Switch s;
  s.calls = "setuid/setgid-family calls by the identity they left: " + counts_of(obs.identities);
  if (switched.size() > 1) {
    w.comment("user: not proposed: processes switched to several users (" + s.calls + ")");
    return std::nullopt;
  }
  s.user = switched.begin()->first;
  std::map<std::string, uint64_t> groups = switched.begin()->second;
  if (groups.size() > 1) groups.erase("root");
  if (groups.size() > 1) {
    w.comment("user: not proposed: processes of " + s.user + " switched to several groups (" +
              s.calls + ")");
    return std::nullopt;
  }
  s.group = groups.begin()->first;
  s.name = s.user + ":" + s.group;
  const std::string not_proposed = "user: not proposed: the daemon switched to " + s.name;
  // chronyd, among others, switches with libcap keeping what it needs (capset), and refuses to
  // start as anyone but root.
  if (auto capset = obs.syscalls.find("capset"); capset != obs.syscalls.end()) {
    w.comment(not_proposed + " (" + s.calls + ") but sets its own capabilities (capset " +
              std::to_string(capset->second) + "): it expects to start as root");
    return std::nullopt;
  }
  // A wrapper that runs the daemon may insist on root (Debian's memcached wrapper does): what a
  // program checks before it executes another cannot be seen.
  std::vector<std::string> programs;
  for (const auto& [path, ops] : obs.paths)
    if (ops.contains("exec")) programs.push_back(path);
  if (programs.size() > 1) {
    w.comment(not_proposed + " (" + s.calls + "), but it ran several programs (" +
              first_of(programs) + "): one may insist on starting as root; to try, set user = " +
              s.user + " yourself and learn again");
    return std::nullopt;
  }
  // Exactly the supplementary groups it had when it switched, not more of the user's: none
  // after setgroups([]), the user's own after initgroups(). More than 16 cannot all be named;
  // the user's own from the database may be others.
  if (auto it = obs.identity_groups.find(s.name); it != obs.identity_groups.end()) {
    if (it->second.contains("*")) {
      w.comment(not_proposed + " with more than 16 supplementary groups, which cannot all be seen");
      return std::nullopt;
    }
    s.supplementary.assign(it->second.begin(), it->second.end());
  }
  if (!plain_name(s.user) || !plain_name(s.group) ||
      !std::all_of(s.supplementary.begin(), s.supplementary.end(), plain_name)) {
    w.comment(not_proposed + " (groups: " + first_of(s.supplementary) +
              "), a name no policy line can hold as it is");
    return std::nullopt;
  }
  return s;
}

// What stands between `id` and every place proposed writable: places it may not write
// (`refused`), and files root made there that the user must be given first (`leftovers`, by
// place).
struct PlaceCheck {
  std::vector<std::string> refused;
  std::map<std::string, std::vector<std::string>> leftovers;
};

PlaceCheck check_places(const Identity& id, const std::map<std::string, Location>& merged,
                        const ProposalContext& context) {
  PlaceCheck c;
  for (const auto& [loc, l] : merged) {
    if (!proposed_read_write(loc, l)) continue;
    for (const auto& [rel, ops] : l.names) {
      const std::string path = rel == "." ? loc : loc + "/" + rel;
      Obstacle o = obstacle_at(id, path, ops, context);
      if (!o.directory.empty() &&
          std::find(c.refused.begin(), c.refused.end(), o.directory) == c.refused.end())
        c.refused.push_back(o.directory);
      if (!o.leftover) continue;
      // The chown is given for exactly these names: one a shell takes as one word, and not a
      // hard link root made of some other file (the chown would give that file away).
      const struct stat& st = *o.leftover;
      if (!expressible(path))
        c.refused.push_back(path + " (a name no command can be given for)");
      else if (!S_ISDIR(st.st_mode) && st.st_nlink > 1)
        c.refused.push_back(path + " (a file with " + std::to_string(st.st_nlink) + " names)");
      else
        c.leftovers[loc].push_back(path);
    }
  }
  return c;
}

// `user`: a daemon started as root whose processes switched themselves to one user (nginx's
// workers, memcached -u, unbound's username) is proposed to run as that user from the start,
// when that user may write every place proposed writable. Written as [service]; the identity.
std::optional<Identity> propose_user(const Plan& plan, const Observations& obs,
                                     const ProposalContext& context,
                                     const std::map<std::string, Location>& merged, Writer& w) {
  if (plan.identity.change || plan.identity.uid != 0 || !context.identity || !context.stat)
    return std::nullopt;
  std::optional<Switch> s = switched_to(obs, w);
  if (!s) return std::nullopt;
  std::optional<Identity> id = context.identity(s->user, s->group, s->supplementary);
  // A uid without a passwd entry (a number) may be given to someone else later.
  if (!id || id->login_name.empty()) {
    w.comment("user: not proposed: the daemon switched to " + s->name +
              ", which the user database does not have");
    return std::nullopt;
  }
  const std::string& user = s->user;
  PlaceCheck places = check_places(*id, merged, context);
  if (!places.refused.empty()) {
    w.comment(
        "user: not proposed: the daemon switched to " + s->name + " (" + s->calls + "), but " +
        user + " may not write where it wrote as root: " + first_of(places.refused) +
        ". Give those places to " + user +
        " (tmpfiles.d, or the daemon's own directory) to run it as " + user + " from the start.");
    return std::nullopt;
  }
  // Named one by one: not the other files of the place (a key root keeps there), and, with -h,
  // never what a symbolic link root made leads to.
  for (const auto& [loc, paths] : places.leftovers) {
    std::string all;
    for (const auto& p : paths) all += " " + p;
    w.comment("made by root while learning, and not " + user +
              "'s to write or replace: " + first_of(paths) + ". Before the first start as " + user +
              ", give them to " + user + ": chown -h " + user + " --" + all);
  }
  w.comment("the daemon started as root and switched itself to " + s->name + " (" + s->calls +
            "); " + user + " may write every place proposed writable below: it runs as " + user +
            " from the start, and the switch needs no capability. What root read that " + user +
            " may not cannot be seen here: a read refused at the next start is in the "
            "daemon's log.");
  // Always said: a group of the user's name need not be the user's primary one.
  w.line("user = " + user);
  w.line("group = " + s->group);
  std::string list;
  for (const auto& g : s->supplementary) list += (list.empty() ? "" : " ") + g;
  w.comment("supplementary_groups: those it had when it switched: " +
            (list.empty() ? std::string("none") : list));
  w.line("supplementary_groups =");
  if (!list.empty()) w.line("supplementary_groups = " + list);
  return id;
}

void propose_capabilities(const Plan& plan, const Observations& obs,
                          const std::optional<Identity>& user, Writer& w) {
  w.section("capabilities");
  // Only ever narrowed: a capability the plan's bounding set lacks is not proposed.
  std::set<std::string> bounding;
  for (int cap : plan.caps.bounding) bounding.insert(capability_name(cap));
  std::set<std::string> kept;
  for (const auto& [cap, n] : obs.capabilities) {
    w.comment(cap + ": " + std::to_string(n) + " check(s) that needed it");
    kept.insert(cap);
  }
  if (obs.runs_without_capabilities == 0) {
    w.comment("keep: exactly the capabilities exercised (checks that succeeded and were needed)");
  } else {
    w.comment(
        "inferred from calls; capability checks are not observable on this kernel (no BPF "
        "trampoline on cap_capable in " +
        std::to_string(obs.runs_without_capabilities) + " of " + std::to_string(obs.runs) +
        " run(s)): keep holds the capabilities that successful privileged calls of a "
        "process holding them needed");
    for (const auto& [cap, inferred] : infer_capabilities(obs.privileged_calls)) {
      std::string why = cap + ": " + counts_of(inferred.evidence);
      if (inferred.calls == 0)
        why +=
            " (kept: whether these needed it cannot be told, e.g. the target's uid of a "
            "signal, memory locked later)";
      w.comment(why);
      kept.insert(cap);
    }
    // Where every such run had the cap_capable tracepoint, its checks tell these apart.
    const bool checked = obs.runs_with_checks == obs.runs_without_capabilities;
    if (checked)
      w.comment(
          "the file-access capabilities, which no call reveals, from the cap_capable "
          "tracepoint: the checks that succeeded (probes included, so it can only keep more)");
    for (const auto& cap : uninferable_capabilities()) {
      if (!bounding.count(cap)) continue;
      if (checked) {
        auto it = obs.checked_capabilities.find(cap);
        if (it != obs.checked_capabilities.end()) {
          w.comment(cap + ": " + std::to_string(it->second) +
                    " successful check(s) (cap_capable tracepoint)");
          kept.insert(cap);
        } else {
          w.comment(cap + ": dropped: no check of it succeeded (cap_capable tracepoint)");
        }
      } else if (obs.held_capabilities.count(cap)) {
        w.comment(cap + ": kept as the starting policy had it: a process ran with it (as root), " +
                  "and no call tells whether it was used (any file access may)");
        kept.insert(cap);
      } else {
        w.comment(cap + ": dropped: every tracked process ran without it (not as root)");
      }
    }
    std::string dropped;
    for (const auto& cap : bounding)
      if (!kept.count(cap) &&
          std::find(uninferable_capabilities().begin(), uninferable_capabilities().end(), cap) ==
              uninferable_capabilities().end())
        dropped += (dropped.empty() ? "" : " ") + cap;
    if (!dropped.empty()) w.comment("dropped: no successful call needed " + dropped);
  }
  if (user) {
    for (const char* cap : kSwitchCapabilities)
      if (kept.erase(cap))
        w.comment(std::string(cap) + ": not kept: it served the switch to " + user->user_name +
                  ", who runs the daemon from the start");
    for (const char* cap : kOwnFileCapabilities)
      if (kept.erase(cap))
        w.comment(std::string(cap) + ": not kept: root used it on files; every place written is " +
                  user->user_name + "'s to write");
  }
  std::string list;
  for (const auto& cap : kept)
    if (bounding.count(cap)) list += (list.empty() ? "" : " ") + cap;
  w.line("keep =");
  w.line("keep = " + (list.empty() ? std::string("none") : list));
  const Identity& runs_as = user ? *user : plan.identity;
  if (runs_as.uid != 0) {
    w.comment("the daemon runs as " + runs_as.user_name +
              ": capabilities reach it only as ambient ones");
    // The switch took every capability from the processes it made; ambient ones stay with all
    // of them, and CAP_SYS_CHROOT undoes the chroot a daemon confines its workers to.
    if (user && kept.count("CAP_SYS_CHROOT") && bounding.count("CAP_SYS_CHROOT"))
      w.comment(
          "CAP_SYS_CHROOT: every process of the daemon keeps it for its whole life, where the "
          "switch took it from those that switched, and a process that holds it leaves a chroot "
          "(chroot() into a subdirectory, then \"..\"): if the daemon confines its workers to "
          "one (haproxy does) and that is a boundary you rely on, keep the daemon root: set "
          "user = root in the policy and learn again");
    w.line("ambient =");
    if (!list.empty()) w.line("ambient = " + list);
  } else if (list.empty()) {
    w.comment(
        "no capability was exercised after the start: the daemon may not need root; "
        "consider user = a dedicated user once its files are that user's");
  }
}

void propose_seccomp(const Policy& policy, const Plan& plan, const Observations& obs, Writer& w) {
  w.section("seccomp");
  std::set<std::string> denied;
  for (const auto& d : policy.seccomp_deny) denied.insert(d.value);
  std::set<std::string> allowed;
  if (policy.seccomp_allow)
    for (const auto& a : *policy.seccomp_allow) {
      if (const SyscallGroup* g = find_syscall_group(a.value))
        for (const auto& s : expand_syscall_group(*g)) allowed.insert(s);
      else
        allowed.insert(a.value);
    }
  for (const auto& g : syscall_groups()) {
    std::string name(g.name);
    if (name == "@default" || name == "@known" || denied.count(name)) continue;
    std::vector<std::string> members = expand_syscall_group(g);
    bool used = false, needed = false, clash = false;
    for (const auto& m : members) {
      if (obs.syscalls.count(m)) used = true;
      if (std::any_of(std::begin(kJhardenNeeds), std::end(kJhardenNeeds),
                      [&](const char* n) { return m == n; }))
        needed = true;
      if (allowed.count(m)) clash = true;
    }
    if (used || needed || clash) continue;
    // Already refused as a whole by the plan (a narrower default): nothing to add.
    bool all_refused = std::all_of(members.begin(), members.end(),
                                   [&](const std::string& m) { return plan.seccomp.refuses(m); });
    if (all_refused) continue;
    w.comment(name + " (" + std::string(g.description) + "): none of its " +
              std::to_string(members.size()) + " calls was made");
    w.line("deny = " + name);
  }
  // Address families.
  std::string families;
  for (const auto& [af, n] : obs.address_families) families += (families.empty() ? "" : " ") + af;
  std::string counts;
  for (const auto& [af, n] : obs.address_families)
    counts += (counts.empty() ? "" : ", ") + af + " " + std::to_string(n);
  w.comment("socket() families used: " + (counts.empty() ? std::string("none") : counts));
  w.line("address_families =");
  w.line("address_families = " + (families.empty() ? std::string("none") : families));
  if (!policy.memory_deny_write_execute.value) {
    if (obs.write_execute == 0 && obs.exec_gain == 0) {
      w.comment("no mapping writable and executable, none made executable later");
      w.line("memory_deny_write_execute = yes");
    } else {
      w.comment("memory_deny_write_execute stays off: " + std::to_string(obs.write_execute) +
                " W+X mapping(s), " + std::to_string(obs.exec_gain) +
                " mprotect(PROT_EXEC) call(s)");
    }
  }
  if (!policy.restrict_realtime.value) {
    if (obs.realtime == 0) {
      w.comment("no realtime scheduling policy set");
      w.line("restrict_realtime = yes");
    } else {
      w.comment("restrict_realtime stays off: " + std::to_string(obs.realtime) +
                " realtime policy change(s)");
    }
  }
  if (!policy.lock_personality.value) {
    if (obs.personality == 0) {
      w.comment("personality() never changed the execution domain");
      w.line("lock_personality = yes");
    } else {
      w.comment("lock_personality stays off: " + std::to_string(obs.personality) +
                " personality change(s)");
    }
  }
}

void propose_namespaces(const Policy& policy, const Observations& obs, Writer& w) {
  w.section("namespaces");
  auto called = [&](std::initializer_list<const char*> names) {
    uint64_t n = 0;
    for (const char* s : names) {
      auto it = obs.syscalls.find(s);
      if (it != obs.syscalls.end()) n += it->second;
    }
    return n;
  };
  if (!policy.ns_net.value) {
    std::string outside;
    for (const auto& [af, n] : obs.address_families)
      if (af != "AF_UNIX" && af != "AF_NETLINK") outside += " " + af;
    if (outside.empty()) {
      w.comment(
          "no socket but AF_UNIX/AF_NETLINK (a private network namespace with only "
          "loopback; abstract AF_UNIX names are per network namespace)");
      w.line("net = yes");
    } else {
      w.comment("net stays: sockets of" + outside);
    }
  }
  if (!policy.ns_ipc.value) {
    uint64_t n =
        called({"shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semctl", "semtimedop",
                "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend",
                "mq_timedreceive", "mq_notify", "mq_getsetattr"});
    if (n == 0) {
      w.comment("no SysV IPC or POSIX message queue call");
      w.line("ipc = yes");
    } else {
      w.comment("ipc stays: " + std::to_string(n) + " SysV IPC or message queue call(s)");
    }
  }
  if (!policy.ns_uts.value && !policy.hostname) {
    if (called({"sethostname", "setdomainname"}) == 0) {
      w.comment("host name never set");
      w.line("uts = yes");
    }
  }
  // allow_create: only ever narrowed to the types used.
  if (policy.ns_allow_create.value != 0) {
    std::string used;
    for (const auto& t : namespace_types())
      if ((policy.ns_allow_create.value & t.flag) && obs.namespaces.count(t.name))
        used += (used.empty() ? "" : " ") + std::string(t.name);
    std::string counts;
    for (const auto& [ns, n] : obs.namespaces)
      counts += (counts.empty() ? "" : ", ") + ns + " " + std::to_string(n);
    w.comment("namespaces created or joined: " + (counts.empty() ? std::string("none") : counts));
    w.line("allow_create =");
    if (!used.empty()) w.line("allow_create = " + used);
  }
}

}  // namespace

std::string coarsen_location(const std::string& dir) {
  // A data root itself first: /run/user is one, though it is also under /run.
  for (const char* root : kDataRoots)
    if (dir == root) return "";
  for (const char* root : kDataRoots) {
    std::string r(root);
    if (dir.size() > r.size() && under(dir, r)) {
      size_t end = dir.find('/', r.size() + 1);
      return dir.substr(0, end);
    }
  }
  for (const char* never : kNeverWhole)
    if (dir == never) return "";
  return dir;
}

std::string propose_drop_in(const Policy& policy, const Plan& plan, const Observations& obs,
                            const ProposalContext& context) {
  Writer w;
  w.comment("Proposed by jharden --learn for " + policy.file + ", from " +
            std::to_string(obs.runs) + " run(s), " + std::to_string(obs.seconds) + " s observed, " +
            std::to_string(total(obs.syscalls)) + " syscalls.");
  w.comment("Review it, install it as a drop-in of the policy (NAME.d/50-learned.conf), check it");
  w.comment("with jharden --check and --complain, then enforce it.");
  if (obs.lost > 0)
    w.comment("WARNING: " + std::to_string(obs.lost) +
              " path record(s) were lost (the ring buffer was full, a name was longer than 255 "
              "bytes or its directory could not be named, or more than 65536 distinct paths): "
              "a directory the daemon "
              "writes may be missing below.");
  const std::map<std::string, Location> merged = written_locations(policy, plan, obs, context);
  const std::optional<Identity> user = propose_user(plan, obs, context, merged, w);
  propose_filesystem(policy, plan, obs, merged, user ? *user : plan.identity, w);
  propose_capabilities(plan, obs, user, w);
  propose_seccomp(policy, plan, obs, w);
  propose_namespaces(policy, obs, w);
  return w.str();
}

}  // namespace jharden
