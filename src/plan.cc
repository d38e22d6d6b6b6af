#include "plan.h"

#include <linux/capability.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "cap_names.h"
#include "paths.h"
#include "seccomp_groups.h"
#include "text.h"

namespace jharden {
namespace {

bool establishes(MountKind k) { return k != MountKind::kReadOnly && k != MountKind::kReadWrite; }

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

// Component-wise path order: "/a" < "/a/b" < "/a-b", so parents come right before their
// children.
bool path_less(const std::string& a, const std::string& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) continue;
    if (a[i] == '/') return true;
    if (b[i] == '/') return false;
    return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

bool same_mount(const MountEntry& a, const MountEntry& b) {
  return a.kind == b.kind && a.source == b.source && a.options == b.options &&
         a.read_only == b.read_only && a.noexec == b.noexec;
}

// Merges the entries of one path into one.
std::optional<MountEntry> merge_group(std::vector<MountEntry> group, Diagnostics& diag) {
  // An explicit entry replaces a built-in default at the same path (e.g. `tmpfs = /tmp:..`
  // replaces private_tmp's /tmp).
  bool explicit_establishing = std::any_of(group.begin(), group.end(), [](const MountEntry& e) {
    return establishes(e.kind) && !e.implicit;
  });
  if (explicit_establishing)
    std::erase_if(group, [](const MountEntry& e) { return establishes(e.kind) && e.implicit; });
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

}  // namespace

const char* mount_kind_name(MountKind kind) {
  switch (kind) {
    case MountKind::kProc:
      return "proc";
    case MountKind::kSysfs:
      return "sysfs";
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

std::vector<MountEntry> order_mounts(std::vector<MountEntry> entries, Diagnostics& diag) {
  std::stable_sort(entries.begin(), entries.end(), [](const MountEntry& a, const MountEntry& b) {
    return path_less(a.target, b.target);
  });
  std::vector<MountEntry> merged;
  for (size_t i = 0; i < entries.size();) {
    size_t j = i;
    while (j < entries.size() && entries[j].target == entries[i].target) ++j;
    std::vector<MountEntry> group(entries.begin() + static_cast<long>(i),
                                  entries.begin() + static_cast<long>(j));
    if (auto m = merge_group(std::move(group), diag)) merged.push_back(std::move(*m));
    i = j;
  }
  // Nothing can be mounted below a masked or inaccessible path: it is empty and read-only.
  std::vector<MountEntry> out;
  for (auto& e : merged) {
    bool covered = std::any_of(out.begin(), out.end(), [&](const MountEntry& p) {
      return (p.kind == MountKind::kMask || p.kind == MountKind::kInaccessible) &&
             p.target != e.target && path_is_under(e.target, p.target);
    });
    if (!covered) out.push_back(std::move(e));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].kind != MountKind::kReadOnly) continue;
    for (size_t j = i + 1; j < out.size() && path_is_under(out[j].target, out[i].target); ++j) {
      if (!writable(out[j])) continue;
      bool nested = std::any_of(out[i].holes.begin(), out[i].holes.end(), [&](size_t h) {
        return path_is_under(out[j].target, out[h].target);
      });
      if (!nested) out[i].holes.push_back(j);
    }
  }
  return out;
}

PlanContext plan_context_from_environment() {
  PlanContext c;
  c.notify_socket = getenv("NOTIFY_SOCKET") != nullptr;
  if (const char* d = getenv("CREDENTIALS_DIRECTORY")) c.credentials_directory = d;
  c.landlock_abi = landlock_kernel_abi();
  return c;
}

Plan build_plan(const Policy& policy, const Identity& identity, const std::vector<Secret>& secrets,
                const PlanContext& context, Diagnostics& diag) {
  Plan plan;
  plan.root = policy.root.value;
  plan.propagation = policy.propagation.value;
  plan.ns_pid = policy.ns_pid.value;
  plan.ns_net = policy.ns_net.value;
  plan.ns_ipc = policy.ns_ipc.value;
  plan.ns_uts = policy.ns_uts.value || policy.hostname.has_value();
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
                  kind == MountKind::kSysfs || kind == MountKind::kSecrets;
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
  if (policy.protect_kernel.value) {
    // What ProtectKernelTunables=/ProtectKernelLogs= cover, each optional because kernels
    // differ in what they expose.
    const Origin& o = policy.protect_kernel.origin;
    for (const char* p : {"/proc/sys", "/proc/sysrq-trigger", "/proc/latency_stats", "/proc/mtrr",
                          "/proc/apm", "/proc/acpi", "/proc/timer_stats", "/proc/asound",
                          "/proc/bus", "/proc/fs", "/proc/irq", "/sys"})
      add(MountKind::kReadOnly, p, o, true).implicit = true;
    for (const char* p : {"/proc/kcore", "/proc/kallsyms", "/proc/kmsg"})
      add(MountKind::kMask, p, o, true).implicit = true;
    for (const char* p : {"/sys/kernel/debug", "/sys/kernel/tracing"})
      add(MountKind::kInaccessible, p, o, true).implicit = true;
  }
  if (!secrets.empty()) {
    add(MountKind::kSecrets, policy.secrets_directory.value, policy.secrets_directory.origin);
    // The sources live on the host: inside a new root they are out of reach anyway.
    if (policy.hide_sources.value && !chroot_mode) {
      // Optional: a source already out of sight (e.g. under the private /tmp) is hidden.
      for (const auto& s : secrets)
        add(MountKind::kInaccessible, s.host_path, s.origin, true).implicit = true;
    }
  }
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
  plan.landlock.mode = policy.landlock.value;
  plan.landlock.abi = context.landlock_abi;
  plan.landlock.handled = landlock_handled_access(context.landlock_abi);
  if (plan.landlock.mode != LandlockMode::kNo) plan.landlock.rules = landlock_rules(plan.mounts);
  plan.secrets_directory = policy.secrets_directory.value;
  plan.secrets_mode = policy.secrets_mode.value;

  plan.identity = identity;

  std::set<int> drop;
  for (const auto& d : policy.cap_drop) drop.insert(d.value);
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

  auto expand = [](const std::vector<Located<std::string>>& names, std::set<std::string>& out,
                   std::vector<std::string>& groups) {
    for (const auto& n : names) {
      if (const SyscallGroup* g = find_syscall_group(n.value)) {
        groups.push_back(n.value);
        for (auto& s : expand_syscall_group(*g)) out.insert(s);
      } else {
        out.insert(n.value);
      }
    }
  };
  SeccompPlan& sc = plan.seccomp;
  sc.action = policy.seccomp_action.value;
  sc.native_only = policy.native_only.value;
  std::set<std::string> deny, allow;
  std::vector<std::string> deny_groups;
  expand(policy.seccomp_deny, deny, deny_groups);
  if (policy.seccomp_allow) {
    sc.allow_list = true;
    // Like systemd, an allow list always includes what any program needs to start (@default,
    // with execve), and write(2), with which jharden reports the exec.
    std::vector<Located<std::string>> allowed = *policy.seccomp_allow;
    allowed.push_back({"@default", builtin});
    allowed.push_back({"write", builtin});
    expand(allowed, allow, sc.groups);
    for (const auto& d : deny) allow.erase(d);
    sc.syscalls.assign(allow.begin(), allow.end());
    for (auto& g : deny_groups) sc.groups.push_back("~" + g);
  } else {
    sc.syscalls.assign(deny.begin(), deny.end());
    sc.groups = deny_groups;
  }
  sc.restrict_namespaces =
      !std::binary_search(plan.caps.bounding.begin(), plan.caps.bounding.end(), CAP_SYS_ADMIN);
  sc.enabled = sc.allow_list || !sc.syscalls.empty() || sc.native_only || sc.restrict_namespaces;

  plan.argv = policy.exec.value;
  for (const auto& e : policy.environment) {
    std::erase_if(plan.env_set, [&](const auto& kv) { return kv.first == e.name; });
    plan.env_set.emplace_back(e.name, e.value);
  }
  for (const auto& u : policy.unset_environment) plan.env_unset.push_back(u.value);
  // unset_environment wins over environment, as UnsetEnvironment= over Environment=.
  std::erase_if(plan.env_set, [&](const auto& kv) {
    return std::find(plan.env_unset.begin(), plan.env_unset.end(), kv.first) !=
           plan.env_unset.end();
  });
  plan.working_directory = policy.working_directory.value;
  plan.new_session = policy.new_session.value;
  plan.umask = policy.umask.value;
  plan.notify = policy.notify ? policy.notify->value
                              : (context.notify_socket ? NotifyMode::kExec : NotifyMode::kNone);
  return plan;
}

}  // namespace jharden
