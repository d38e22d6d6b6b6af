#include "print.h"

#include <cstdio>
#include <sstream>

#include "cap_names.h"
#include "seccomp_groups.h"
#include "seccomp_names.h"
#include "text.h"

namespace jharden {
namespace {

// The ioctl requests that the new_session rules refuse (seccomp_filter.cc).
const std::vector<std::string> kTerminalIoctls = {"TIOCSCTTY", "TIOCSTI", "TIOCLINUX"};

const char* notify_name(NotifyMode n) {
  switch (n) {
    case NotifyMode::kExec:
      return "exec";
    case NotifyMode::kDaemon:
      return "daemon";
    case NotifyMode::kNone:
      return "none";
  }
  return "?";
}

const char* seccomp_action_name(SeccompAction a) {
  switch (a) {
    case SeccompAction::kKill:
      return "kill";
    case SeccompAction::kLog:
      return "log";
    case SeccompAction::kErrno:
      break;
  }
  return "errno";
}

const char* write_execute_name(WriteExecute w) {
  switch (w) {
    case WriteExecute::kPrctl:
      return "PR_SET_MDWE";
    case WriteExecute::kSeccomp:
      return "seccomp";
    case WriteExecute::kAllowed:
      break;
  }
  return "no";
}

std::vector<std::string> cap_names(const std::vector<int>& caps) {
  std::vector<std::string> out;
  for (int c : caps) out.push_back(capability_name(c));
  return out;
}

std::string source_of(const MountEntry& e) {
  switch (e.kind) {
    case MountKind::kBind:
      return e.source;
    case MountKind::kMask:
      return "/dev/null (file: " + attrs_over_file(e).str() + ") or empty tmpfs (directory)";
    case MountKind::kInaccessible:
      return "mode-0000 file or directory";
    case MountKind::kProc:
      return "proc";
    case MountKind::kSysfs:
      return "sysfs";
    case MountKind::kCgroup:
      return "cgroup2 (own cgroup namespace)";
    case MountKind::kPrivateDev:
      return "tmpfs + devpts";
    case MountKind::kTmpfs:
    case MountKind::kSecrets:
      return "tmpfs";
    case MountKind::kReadOnly:
    case MountKind::kReadWrite:
      return "(itself)";
  }
  return "";
}

std::string sub_target(const MountEntry& e, const SubMount& sub) {
  return e.target + "/" + sub.name;
}

// A node: "char 1:3 (or /dev/null bound, where mknod is refused)".
std::string sub_source(const SubMount& sub) {
  const DevNode* node = sub.fs_type == "node" ? private_dev_node(sub.name) : nullptr;
  if (!node) return sub.fs_type;
  return "char " + std::to_string(node->major) + ":" + std::to_string(node->minor) + " (or /dev/" +
         sub.name + " bound, where mknod is refused)";
}

// "auto, kernel ABI 7 (applied after the last mount)" and the like.
std::string landlock_state(const LandlockPlan& l) {
  std::string out = landlock_mode_name(l.mode);
  if (l.mode == LandlockMode::kNo) return out + " (not applied)";
  out += ", kernel ABI " + (l.abi > 0 ? std::to_string(l.abi) : std::string("none"));
  if (l.active()) return out + " (applied after the last mount)";
  if (l.mode == LandlockMode::kYes) return out + " (required: start-up fails with 226)";
  return out + " (no Landlock in this kernel: not applied)";
}

// argv as it would be written back in `exec`: quoted where needed.
std::string quote_word(const std::string& w) {
  bool plain = !w.empty() && w.find_first_of(" \t\n\"'\\") == std::string::npos;
  if (plain) return w;
  std::string q = "\"";
  for (char c : w) {
    if (c == '"' || c == '\\') q += '\\';
    if (c == '\n') {
      q += "\\n";
      continue;
    }
    q += c;
  }
  return q + "\"";
}

// The namespace types of `flags`, in the documented order.
std::vector<std::string> namespace_names(unsigned long flags) {
  std::vector<std::string> out;
  for (const auto& t : namespace_types())
    if ((flags & t.flag) == t.flag) out.push_back(t.name);
  return out;
}

// A map of the user namespace on one line ("0 0 1, 4322 4322 1"), jharden running as root.
std::string id_map_line(uint32_t service) {
  std::string map = user_namespace_map(0, service);
  map.pop_back();
  for (size_t at; (at = map.find('\n')) != std::string::npos;) map.replace(at, 1, ", ");
  return map;
}

// The mounts in order, each with the attributes and options apply gives it.
nlohmann::json mounts_json(const Plan& plan) {
  using nlohmann::json;
  json out = json::array();
  for (const auto& e : plan.mounts) {
    json m = {
        {"target", e.target},           {"type", mount_kind_name(e.kind)}, {"source", source_of(e)},
        {"flags", mount_flags_text(e)}, {"read_only", e.attrs.read_only},  {"optional", e.optional},
        {"origin", e.origin.str()}};
    if (!e.options.empty()) m["options"] = e.options;
    if (attrs_over_file(e) != e.attrs) m["file_flags"] = attrs_over_file(e).str();
    if (!e.holes.empty()) {
      m["writable_holes"] = json::array();
      for (size_t h : e.holes) m["writable_holes"].push_back(plan.mounts[h].target);
    }
    if (!e.submounts.empty()) {
      m["submounts"] = json::array();
      for (const auto& sub : e.submounts) {
        json sm = {{"target", sub_target(e, sub)},
                   {"type", sub.fs_type},
                   {"source", sub_source(sub)},
                   {"flags", sub.attrs.str()}};
        if (!sub.options.empty()) sm["options"] = sub.options;
        m["submounts"].push_back(std::move(sm));
      }
    }
    out.push_back(m);
  }
  return out;
}

nlohmann::json seccomp_json(const SeccompPlan& sc) {
  using nlohmann::json;
  json groups = json::object();
  for (const auto& g : sc.groups) {
    std::string name = g[0] == '~' ? g.substr(1) : g;
    if (const SyscallGroup* sg = find_syscall_group(name)) groups[name] = expand_syscall_group(*sg);
  }
  json errors = json::object();
  for (const auto& [name, err] : sc.errors) errors[name] = errno_symbol(err);
  json families = nullptr;
  if (sc.address_families) {
    families = json::array();
    for (int f : *sc.address_families) families.push_back(address_family_name(f));
  }
  return {{"enabled", sc.enabled},
          {"mode", sc.allow_list ? "allow" : "deny"},
          {"action", seccomp_action_name(sc.action)},
          {"errno", errno_symbol(sc.error)},
          {"errors", errors},
          {"address_families", families},
          {"memory_deny_write_execute", write_execute_name(sc.write_execute)},
          {"native_only", sc.native_only},
          {"namespaces_allowed", namespace_names(sc.namespaces_allowed)},
          {"restrict_suid_sgid", sc.restrict_suid_sgid},
          {"lock_personality", sc.lock_personality},
          {"restrict_realtime", sc.restrict_realtime},
          {"terminal_ioctls_refused",
           sc.restrict_terminal() ? kTerminalIoctls : std::vector<std::string>{}},
          {"terminal_reach", sc.terminal_reach},
          {"io_uring", sc.refuses_io_uring() ? "refused" : "allowed"},
          {"unknown_syscalls", sc.enabled ? "ENOSYS" : "allowed"},
          {"groups", groups},
          {"syscalls", sc.syscalls}};
}

nlohmann::json landlock_json(const LandlockPlan& ll) {
  using nlohmann::json;
  json rules = json::array();
  for (const auto& r : ll.rules) {
    json jr = {{"path", r.path}, {"access", landlock_rule_kind_name(r.kind)}};
    if (r.kind == LandlockRule::Kind::kEntries) jr["except"] = r.except;
    jr["optional"] = r.optional;
    rules.push_back(std::move(jr));
  }
  return {{"mode", landlock_mode_name(ll.mode)},
          {"abi", ll.abi},
          {"applied", ll.active()},
          {"scope_signals", ll.scope_signals},
          {"rules", std::move(rules)}};
}

void mounts_text(std::ostringstream& o, const Plan& plan) {
  o << "\nmounts (in order):\n";
  for (const auto& e : plan.mounts) {
    o << "  " << e.target << "  " << mount_kind_name(e.kind) << "  " << source_of(e) << "  "
      << mount_flags_text(e);
    if (!e.options.empty()) o << "  " << e.options;
    if (!e.holes.empty()) {
      o << "  keeps writable:";
      for (size_t h : e.holes) o << " " << plan.mounts[h].target;
    }
    o << "\n";
    for (const auto& sub : e.submounts) {
      o << "    " << sub_target(e, sub) << "  " << sub.fs_type << "  " << sub_source(sub) << "  "
        << sub.attrs.str();
      if (!sub.options.empty()) o << "  " << sub.options;
      o << "\n";
    }
  }
}

void landlock_text(std::ostringstream& o, const LandlockPlan& ll) {
  o << "\nlandlock: " << landlock_state(ll) << "\n";
  if (ll.scope_signals)
    o << "  signals: only to processes of the sandbox, SIGIO included (pid = yes)\n";
  for (const auto& r : ll.rules) {
    o << "  " << r.path << "  ";
    switch (r.kind) {
      case LandlockRule::Kind::kBeneath:
        o << "write, create, remove, rename beneath";
        break;
      case LandlockRule::Kind::kEntries:
        o << "write, create, remove, rename beneath each entry except: " << join(r.except);
        break;
      case LandlockRule::Kind::kWriteOnly:
        o << "open files for writing (devices)";
        break;
      case LandlockRule::Kind::kDevices:
        o << "device ioctls";
        break;
    }
    o << (r.optional ? "  optional\n" : "\n");
  }
}

// The protections of the filter beside its lists, one line each.
void protections_text(std::ostringstream& o, const SeccompPlan& sc) {
  if (sc.restricts_namespaces()) {
    std::vector<std::string> allowed = namespace_names(sc.namespaces_allowed);
    o << "  namespaces: may create or join " << (allowed.empty() ? "none" : join(allowed))
      << "; refused: unshare/clone/setns of "
      << join(namespace_names(all_namespace_flags() & ~sc.namespaces_allowed))
      << (allowed.empty() ? ", setns altogether" : ", setns with nstype 0") << "; clone3 ENOSYS\n";
  }
  if (sc.restrict_suid_sgid)
    o << "  set-user-ID/set-group-ID: refused in the mode of chmod fchmod fchmodat fchmodat2 "
         "mkdir mkdirat mknod mknodat creat, and of open openat with O_CREAT or O_TMPFILE; "
         "openat2 ENOSYS\n";
  if (sc.refuses_io_uring())
    o << "  io_uring: refused (io_uring_setup io_uring_enter io_uring_register), out of reach "
         "of the argument rules\n";
  if (sc.restrict_terminal())
    o << "  terminal: ioctl " << join(kTerminalIoctls) << " refused (new_session, "
      << sc.terminal_reach << "; also with the upper 32 bits of the request set)\n";
  else if (sc.new_session)
    o << "  terminal: no ioctl rule (new_session): no terminal within the daemon's reach "
         "(Landlock keeps device ioctls to /dev)\n";
  if (sc.lock_personality) o << "  personality: locked (only the current execution domain)\n";
  if (sc.restrict_realtime)
    o << "  realtime: refused (sched_setscheduler other than SCHED_OTHER, SCHED_BATCH, "
         "SCHED_IDLE; sched_setattr)\n";
  if (sc.address_families) {
    std::vector<std::string> names;
    for (int f : *sc.address_families) names.push_back(address_family_name(f));
    o << "  address families: socket/socketpair only for " << (names.empty() ? "none" : join(names))
      << ", others EAFNOSUPPORT; io_uring_setup io_uring_enter io_uring_register refused\n";
  }
  if (sc.write_execute == WriteExecute::kSeccomp)
    o << "  write+execute memory: refused (mmap with PROT_WRITE|PROT_EXEC, mprotect and "
         "pkey_mprotect with PROT_EXEC, shmat with SHM_EXEC)\n";
}

void seccomp_text(std::ostringstream& o, const SeccompPlan& sc) {
  o << "\nseccomp: ";
  if (!sc.enabled) {
    o << "none\n";
  } else {
    o << (sc.allow_list ? "allow list" : "deny list") << ", action "
      << seccomp_action_name(sc.action)
      << (sc.action == SeccompAction::kErrno ? " (" + errno_symbol(sc.error) + ")" : "")
      << (sc.action == SeccompAction::kLog ? " (allowed, logged by the kernel's audit)" : "")
      << (sc.native_only ? ", native ABI only" : ", all ABIs") << "\n";
    for (const auto& g : sc.groups) {
      std::string name = g[0] == '~' ? g.substr(1) : g;
      if (const SyscallGroup* sg = find_syscall_group(name))
        o << "  " << g << ": " << join(expand_syscall_group(*sg)) << "\n";
    }
    protections_text(o, sc);
    o << "  syscalls libseccomp cannot name: ENOSYS\n";
    o << "  " << (sc.allow_list ? "allowed" : "denied") << " (" << sc.syscalls.size()
      << "): " << join(sc.syscalls) << "\n";
    if (!sc.errors.empty() && sc.action == SeccompAction::kErrno) {
      std::vector<std::string> own;
      for (const auto& [name, err] : sc.errors) own.push_back(name + ":" + errno_symbol(err));
      o << "  own errno: " << join(own) << "\n";
    }
  }
  if (sc.write_execute != WriteExecute::kAllowed)
    o << "memory_deny_write_execute: " << write_execute_name(sc.write_execute)
      << (sc.write_execute == WriteExecute::kPrctl ? " (the kernel's, EACCES)\n" : " (EPERM)\n");
}

void identity_text(std::ostringstream& o, const Identity& id) {
  o << "\nidentity: ";
  if (!id.change) {
    o << "unchanged\n";
  } else {
    o << "user " << id.user_name << " (" << id.uid << "), group " << id.group_name << " (" << id.gid
      << "), supplementary";
    if (id.groups.empty()) o << " none";
    for (size_t i = 0; i < id.groups.size(); ++i)
      o << " " << (i < id.group_names.size() ? id.group_names[i] : std::to_string(id.groups[i]))
        << " (" << id.groups[i] << ")";
    o << "\n";
  }
}

}  // namespace

nlohmann::json plan_to_json(const Loaded& loaded, const Plan& plan) {
  using nlohmann::json;
  json j;
  j["policy"] = loaded.files.empty() ? "" : loaded.files.front();
  j["dropins"] = json::array();
  for (size_t i = 1; i < loaded.files.size(); ++i) j["dropins"].push_back(loaded.files[i]);
  j["namespaces"] = {{"mount", true},
                     {"pid", plan.ns_pid},
                     {"net", plan.ns_net},
                     {"ipc", plan.ns_ipc},
                     {"uts", plan.ns_uts},
                     {"hostname", plan.hostname ? json(*plan.hostname) : json(nullptr)},
                     {"cgroup", plan.ns_cgroup},
                     {"user", plan.ns_user}};
  if (plan.ns_user) {
    const Identity& id = plan.identity;
    j["namespaces"]["uid_map"] = id_map_line(id.change ? id.uid : 0);
    j["namespaces"]["gid_map"] = id_map_line(id.change ? id.gid : 0);
  }
  j["root"] = plan.root;
  j["propagation"] = plan.propagation == Propagation::kSlave ? "slave" : "private";
  j["mounts"] = mounts_json(plan);
  j["secrets"] = json::array();
  for (const auto& s : loaded.secrets)
    j["secrets"].push_back({{"name", s.name},
                            {"source", s.source_display},
                            {"target", plan.secrets_directory + "/" + s.name},
                            {"mode", octal_mode(plan.secrets_mode)},
                            {"uid", plan.identity.secrets_uid},
                            {"gid", plan.identity.secrets_gid},
                            {"size", s.bytes.data().size()}});
  j["capabilities"] = {{"bounding", cap_names(plan.caps.bounding)},
                       {"dropped", cap_names(plan.caps.dropped)},
                       {"ambient", cap_names(plan.caps.ambient)},
                       {"no_new_privileges", plan.no_new_privileges}};
  j["seccomp"] = seccomp_json(plan.seccomp);
  j["landlock"] = landlock_json(plan.landlock);
  const Identity& id = plan.identity;
  j["identity"] = id.change ? json{{"user", id.user_name},
                                   {"uid", id.uid},
                                   {"group", id.group_name},
                                   {"gid", id.gid},
                                   {"supplementary_gids", id.groups},
                                   {"supplementary_groups", id.group_names}}
                            : json{{"user", "(unchanged)"}};
  json env = json::object();
  for (const auto& [k, v] : plan.env_set) env[k] = v;
  j["environment"] = {{"set", env}, {"unset", plan.env_unset}};
  j["working_directory"] = plan.working_directory;
  j["new_session"] = plan.new_session;
  j["umask"] = octal_mode(plan.umask);
  j["notify"] = notify_name(plan.notify);
  j["argv"] = plan.argv;
  return j;
}

std::string json_text(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string plan_to_text(const Loaded& loaded, const Plan& plan) {
  std::ostringstream o;
  o << "policy: " << (loaded.files.empty() ? "" : loaded.files.front()) << "\n";
  for (size_t i = 1; i < loaded.files.size(); ++i) o << "drop-in: " << loaded.files[i] << "\n";
  o << "\nnamespaces: mount";
  if (plan.ns_pid) o << " pid";
  if (plan.ns_net) o << " net";
  if (plan.ns_ipc) o << " ipc";
  if (plan.ns_uts) o << " uts";
  if (plan.hostname) o << " (hostname " << *plan.hostname << ")";
  if (plan.ns_cgroup) o << " cgroup";
  if (plan.ns_user) {
    const Identity& id = plan.identity;
    o << " user (made after the mounts; uid map " << id_map_line(id.change ? id.uid : 0)
      << "; gid map " << id_map_line(id.change ? id.gid : 0) << "; setgroups denied)";
  }
  o << "\npropagation: " << (plan.propagation == Propagation::kSlave ? "slave" : "private") << "\n";
  if (plan.root != "/") o << "root: " << plan.root << " (pivot_root, old root detached)\n";
  mounts_text(o, plan);
  o << "\nsecrets:";
  if (loaded.secrets.empty()) o << " none";
  o << "\n";
  for (const auto& s : loaded.secrets)
    o << "  " << plan.secrets_directory << "/" << s.name << "  from " << s.source_display
      << "  mode " << octal_mode(plan.secrets_mode) << "  owner " << plan.identity.secrets_uid
      << ":" << plan.identity.secrets_gid << "  (" << s.bytes.data().size() << " bytes)\n";
  landlock_text(o, plan.landlock);
  o << "\ncapabilities:\n  bounding (kept): " << join(cap_names(plan.caps.bounding))
    << "\n  dropped: " << join(cap_names(plan.caps.dropped))
    << "\n  ambient: " << (plan.caps.ambient.empty() ? "none" : join(cap_names(plan.caps.ambient)))
    << "\n  no_new_privileges: " << (plan.no_new_privileges ? "yes" : "no") << "\n";
  seccomp_text(o, plan.seccomp);
  identity_text(o, plan.identity);
  o << "\nenvironment:";
  if (plan.env_set.empty() && plan.env_unset.empty()) o << " inherited";
  o << "\n";
  for (const auto& [k, v] : plan.env_set) o << "  set " << k << "=" << v << "\n";
  for (const auto& u : plan.env_unset) o << "  unset " << u << "\n";
  o << "\nworking_directory: " << plan.working_directory
    << "\nnew_session: " << (plan.new_session ? "yes" : "no")
    << "\numask: " << octal_mode(plan.umask) << "\nnotify: " << notify_name(plan.notify)
    << "\nargv:";
  if (plan.argv.empty()) o << " (none: give COMMAND after \"--\")";
  for (const auto& a : plan.argv) o << " " << quote_word(a);
  o << "\n";
  return o.str();
}

}  // namespace jharden
