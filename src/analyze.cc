// The score is systemd v252's `systemd-analyze security` (src/analyze/analyze-security.c):
// the same 81 items in the same order, with systemd's weights, ranges and badness levels,
// summed the same way, so that a policy and a unit with the same protections score the same.
// Each item is decided from what the plan enforces, never from what a key merely suggests:
// where jharden has no equivalent, the item counts as in a stock unit.
#include "analyze.h"

#include <dirent.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <type_traits>

#include "cap_names.h"
#include "paths.h"
#include "seccomp_groups.h"
#include "seccomp_names.h"
#include "text.h"
#include "unit_file.h"

namespace jharden {
namespace {

constexpr uint64_t bit(int cap) { return uint64_t{1} << cap; }

uint64_t div_round_up(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// ---------------------------------------------------------------------------------------------
// What the sandbox sees at a path.

// The deepest plan entry at or above `path` (optionally only one that mounts something).
const MountEntry* covering(const Plan& plan, const std::string& path, bool establishing_only) {
  const MountEntry* best = nullptr;
  for (const auto& e : plan.mounts) {
    if (establishing_only && !establishes(e.kind)) continue;
    if (!path_is_under(path, e.target)) continue;
    if (!best || path_depth(e.target) > path_depth(best->target)) best = &e;
  }
  return best;
}

enum class Source {
  kHost,          // the host's tree, directly or through a bind mount
  kFresh,         // a file system of jharden's own (tmpfs, procfs, sysfs, private /dev)
  kMasked,        // empty and read-only
  kInaccessible,  // no access at all
};

struct View {
  Source source = Source::kHost;
  bool writable = true;
};

View view(const Plan& plan, const std::string& path) {
  const MountEntry* e = covering(plan, path, false);
  if (!e) return {};
  switch (e->kind) {
    case MountKind::kMask:
      return {Source::kMasked, false};
    case MountKind::kInaccessible:
      return {Source::kInaccessible, false};
    case MountKind::kBind:
      return {Source::kHost, !e->attrs.read_only};
    case MountKind::kReadOnly:
    case MountKind::kReadWrite: {
      // These change only writability: what lies below comes from the mount under them.
      const MountEntry* base = covering(plan, path, true);
      bool fresh = base && base->kind != MountKind::kBind;
      return {fresh ? Source::kFresh : Source::kHost, e->kind == MountKind::kReadWrite};
    }
    default:
      return {Source::kFresh, !e->attrs.read_only};
  }
}

// ---------------------------------------------------------------------------------------------
// The facts the items are decided from, shared by the score and the equivalent unit so that
// the two can never disagree.

// The groups systemd scores, in its order, with its weights.
struct FilterGroup {
  const char* name;
  unsigned weight;
};
constexpr FilterGroup kScoredGroups[] = {
    {"@swap", 1000},   {"@obsolete", 250},   {"@clock", 1000},    {"@cpu-emulation", 250},
    {"@debug", 1000},  {"@mount", 1000},     {"@module", 1000},   {"@raw-io", 1000},
    {"@reboot", 1000}, {"@privileged", 700}, {"@resources", 700},
};

struct Facts {
  bool root = true;     // runs as root: systemd skips SupplementaryGroups= and RemoveIPC=
  bool nobody = false;  // runs as "nobody", which systemd marks down
  std::vector<std::string> supplementary;  // names as written, or the resolved gids
  bool private_devices = false;
  std::vector<std::string> private_devices_missing;
  bool private_tmp = false;
  bool private_network = false;
  bool private_users = false;
  bool protect_control_groups = false;
  bool protect_kernel_modules = false;
  std::vector<std::string> protect_kernel_modules_missing;
  bool protect_kernel_tunables = false;
  bool protect_kernel_logs = false;
  std::vector<std::string> protect_kernel_logs_missing;
  bool protect_clock = false;
  std::vector<std::string> protect_clock_missing;
  unsigned protect_home = 10;  // ProtectHome= badness: 0 yes, 1 tmpfs, 5 read-only, 10 no
  std::vector<std::string> protect_home_worst;  // the directories that decide it
  unsigned protect_system = 10;  // ProtectSystem= badness: 0 strict, 3 full, 5 yes, 10 no
  std::vector<std::string> protect_system_writable;  // what keeps it from the next level
  bool protect_hostname = false;
  bool root_directory = false;
  bool lock_personality = false;
  bool memory_deny_write_execute = false;
  // RestrictAddressFamilies=: which of systemd's five classes socket() refuses.
  bool af_inet = false, af_unix = false, af_netlink = false, af_packet = false, af_other = false;
  bool no_new_privileges = false;
  uint64_t bounding = ~uint64_t{0};
  mode_t umask = 0022;
  std::string protect_proc = "default";  // hidepid= of the sandbox's procfs
  bool proc_subset_pid = false;
  bool remove_ipc = false;
  bool restrict_realtime = false;
  bool restrict_suid_sgid = false;
  unsigned long namespaces_restricted = 0;  // CLONE_NEW* flags the filter refuses
  bool native_only = false;
  bool filters = false;     // a seccomp filter with rules is loaded
  bool allow_list = false;  // ... and it is an allow list
  std::set<std::string> rules;
  // For each scored group, a syscall of it that the filter lets through ("" when none).
  std::map<std::string, std::string> offender;
  bool ambient = false;

  bool denied(const std::string& syscall) const {
    return filters && rules.contains(syscall) != allow_list;
  }
};

// The first syscall of `group` that a filter (allow list or deny list of `names`) lets
// through, skipping calls this architecture does not have, as systemd does.
std::string first_passing(const char* group, bool filters, bool allow_list,
                          const std::set<std::string>& names) {
  for (const auto& name : expand_syscall_group(*find_syscall_group(group))) {
    if (seccomp_syscall_resolve_name(name.c_str()) < 0) continue;
    if (!filters || names.contains(name) == allow_list) return name;
  }
  return "";
}

std::string hidepid(const std::string& options) {
  size_t start = 0;
  while (start <= options.size()) {
    size_t end = options.find(',', start);
    if (end == std::string::npos) end = options.size();
    std::string_view opt(options.data() + start, end - start);
    if (opt.starts_with("hidepid=")) {
      std::string_view v = opt.substr(8);
      if (v == "invisible" || v == "4") return "invisible";
      if (v == "ptraceable") return "ptraceable";
      if (v == "noaccess" || v == "2") return "noaccess";
      return "default";
    }
    start = end + 1;
  }
  return "default";
}

// With action = log nothing is refused: the filter only reports.
bool enforcing(const Plan& plan) {
  return plan.seccomp.enabled && plan.seccomp.action != SeccompAction::kLog;
}
bool dropped(const Facts& f, int cap) { return (f.bounding & bit(cap)) == 0; }
bool hidden(const Plan& plan, const std::string& p) {
  return view(plan, p).source != Source::kHost;
}
bool read_only(const Plan& plan, const std::string& p) { return !view(plan, p).writable; }

// Who the daemon runs as, and its capability bounding set.
void gather_identity(Facts& f, const Policy& policy, const Plan& plan) {
  const std::string user = policy.user ? policy.user->value : "";
  // systemd judges User= by name; the resolved uid catches "root" under another name.
  f.root = user.empty() || user == "root" || user == "0" ||
           (plan.identity.change && plan.identity.uid == 0);
  // 65534, the kernel's overflow uid, is nobody's on Debian and most other distributions.
  f.nobody = !f.root && (user == "nobody" || (plan.identity.change && plan.identity.uid == 65534));
  if (policy.supplementary_groups) {
    f.supplementary = policy.supplementary_groups->value;
  } else {
    // initgroups(3) keeps the primary gid in the list; only the groups beyond it add rights.
    for (gid_t g : plan.identity.groups)
      if (g != plan.identity.gid) f.supplementary.push_back(std::to_string(g));
  }

  f.bounding = 0;
  for (int c : plan.caps.bounding)
    if (c < 64) f.bounding |= bit(c);
  // Keeping every capability the kernel knows is keeping them all, future ones included.
  if (plan.caps.dropped.empty()) f.bounding = ~uint64_t{0};
}

// What the seccomp filter refuses, by name and by group.
void gather_filter(Facts& f, const Plan& plan) {
  f.filters = enforcing(plan) && (plan.seccomp.allow_list || !plan.seccomp.syscalls.empty());
  f.allow_list = plan.seccomp.allow_list;
  f.rules.insert(plan.seccomp.syscalls.begin(), plan.seccomp.syscalls.end());
  for (const auto& g : kScoredGroups)
    f.offender[g.name] = first_passing(g.name, f.filters, f.allow_list, f.rules);
  f.native_only = plan.seccomp.native_only;
}

// Devices, namespaces and the kernel's interfaces: PrivateDevices= to ProtectClock=.
void gather_kernel(Facts& f, const Plan& plan) {
  const MountEntry* dev = covering(plan, "/dev", true);
  if (!dev || dev->kind != MountKind::kPrivateDev)
    f.private_devices_missing.push_back("no private /dev");
  // Without these the daemon could create a disk's device node, or reach the hardware
  // through I/O ports, whatever /dev holds.
  if (!dropped(f, CAP_MKNOD)) f.private_devices_missing.push_back("CAP_MKNOD kept");
  if (!dropped(f, CAP_SYS_RAWIO)) f.private_devices_missing.push_back("CAP_SYS_RAWIO kept");
  f.private_devices = f.private_devices_missing.empty();

  f.private_tmp = hidden(plan, "/tmp") && hidden(plan, "/var/tmp");
  f.private_network = plan.ns_net;
  f.private_users = plan.ns_user;
  // A cgroup namespace's own read-only hierarchy, or the host's made read-only.
  f.protect_control_groups = read_only(plan, "/sys/fs/cgroup");
  f.protect_kernel_tunables = read_only(plan, "/proc/sys") &&
                              read_only(plan, "/proc/sysrq-trigger") && read_only(plan, "/sys");

  if (!dropped(f, CAP_SYS_MODULE))
    f.protect_kernel_modules_missing.push_back("CAP_SYS_MODULE kept");
  if (!f.offender["@module"].empty())
    f.protect_kernel_modules_missing.push_back("@module not denied");
  f.protect_kernel_modules = f.protect_kernel_modules_missing.empty();

  // A fresh procfs has a live /proc/kmsg: only a mask or no access hides it.
  Source kmsg = view(plan, "/proc/kmsg").source;
  if (kmsg != Source::kMasked && kmsg != Source::kInaccessible)
    f.protect_kernel_logs_missing.push_back("/proc/kmsg readable");
  if (!hidden(plan, "/dev/kmsg")) f.protect_kernel_logs_missing.push_back("/dev/kmsg reachable");
  if (!dropped(f, CAP_SYSLOG)) f.protect_kernel_logs_missing.push_back("CAP_SYSLOG kept");
  f.protect_kernel_logs = f.protect_kernel_logs_missing.empty();

  // Setting the RTC (RTC_SET_TIME) needs CAP_SYS_TIME too, so /dev/rtc is covered as well.
  if (!dropped(f, CAP_SYS_TIME)) f.protect_clock_missing.push_back("CAP_SYS_TIME kept");
  if (!f.offender["@clock"].empty()) f.protect_clock_missing.push_back("@clock not denied");
  f.protect_clock = f.protect_clock_missing.empty();
}

// Home directories and the OS tree (ProtectHome=, ProtectSystem=), /boot and /efi where present.
void gather_files(Facts& f, const Plan& plan, const PathPresent& present) {
  f.protect_home = 0;
  for (const char* p : {"/home", "/root", "/run/user"}) {
    View v = view(plan, p);
    unsigned b = v.source == Source::kInaccessible ? 0
                 : v.source != Source::kHost       ? 1
                 : !v.writable                     ? 5
                                                   : 10;
    if (b > f.protect_home) f.protect_home_worst.clear();
    if (b >= f.protect_home && b > 0) f.protect_home_worst.push_back(p);
    f.protect_home = std::max(f.protect_home, b);
  }

  // /boot and /efi count only where they hold something: see PathPresent.
  auto os_writable = [&](std::initializer_list<const char*> paths) {
    std::vector<std::string> out;
    for (const char* p : paths) {
      View v = view(plan, p);
      bool optional = std::string_view(p) == "/boot" || std::string_view(p) == "/efi";
      if (v.source == Source::kHost && v.writable &&
          (!optional || present(join_root(plan.root, p))))
        out.push_back(p);
    }
    return out;
  };
  if (read_only(plan, "/")) {
    f.protect_system = 0;
  } else {
    f.protect_system_writable = os_writable({"/usr", "/boot", "/efi"});
    if (f.protect_system_writable.empty()) {
      f.protect_system_writable = os_writable({"/etc"});
      f.protect_system = f.protect_system_writable.empty() ? 3 : 5;
    }
  }
}

// The filter's argument rules, /proc, IPC and what else the process keeps.
void gather_restrictions(Facts& f, const Plan& plan) {
  f.protect_hostname = plan.ns_uts;
  f.root_directory = plan.root != "/";
  // Denying personality() altogether is stronger than LockPersonality=.
  f.lock_personality =
      (enforcing(plan) && plan.seccomp.lock_personality) || f.denied("personality");
  // PR_SET_MDWE is the kernel's and holds whatever the filter's action.
  f.memory_deny_write_execute =
      plan.seccomp.write_execute == WriteExecute::kPrctl ||
      (enforcing(plan) && plan.seccomp.write_execute == WriteExecute::kSeccomp);
  // As systemd's get_security_info() for an allow list: a class is restricted unless one of
  // its families is listed.
  if (enforcing(plan) && plan.seccomp.address_families) {
    f.af_inet = f.af_unix = f.af_netlink = f.af_packet = f.af_other = true;
    for (int af : *plan.seccomp.address_families) {
      if (af == AF_INET || af == AF_INET6)
        f.af_inet = false;
      else if (af == AF_UNIX)
        f.af_unix = false;
      else if (af == AF_NETLINK)
        f.af_netlink = false;
      else if (af == AF_PACKET)
        f.af_packet = false;
      else
        f.af_other = false;
    }
  }
  f.no_new_privileges = plan.no_new_privileges;
  f.umask = plan.umask;
  if (const MountEntry* proc = covering(plan, "/proc", true);
      proc && proc->kind == MountKind::kProc) {
    f.protect_proc = hidepid(proc->options);
    f.proc_subset_pid = proc->options.find("subset=pid") != std::string::npos;
  }
  // A private IPC namespace dies with the service, and its SysV objects and message queues
  // with it; POSIX shared memory lives in /dev/shm, which must not be the host's.
  View shm = view(plan, "/dev/shm");
  f.remove_ipc = plan.ns_ipc && !(shm.source == Source::kHost && shm.writable);
  // Only these two can switch a thread to SCHED_FIFO/SCHED_RR.
  f.restrict_realtime = (enforcing(plan) && plan.seccomp.restrict_realtime) ||
                        (f.denied("sched_setscheduler") && f.denied("sched_setattr"));
  f.restrict_suid_sgid = enforcing(plan) && plan.seccomp.restrict_suid_sgid;
  if (enforcing(plan))
    f.namespaces_restricted = all_namespace_flags() & ~plan.seccomp.namespaces_allowed;
  f.ambient = !plan.caps.ambient.empty();
}

Facts gather(const Policy& policy, const Plan& plan, const PathPresent& present) {
  Facts f;
  gather_identity(f, policy, plan);
  gather_filter(f, plan);
  gather_kernel(f, plan);
  gather_files(f, plan, present);
  gather_restrictions(f, plan);
  return f;
}

// ---------------------------------------------------------------------------------------------
// A unit's own settings, scored by systemd's assessors (analyze-security.c), item for item.

// An item graded good or bad, with systemd's weight and texts: one entry serves jharden's side
// and the unit's.
struct FlagItem {
  const char* id;
  unsigned weight;
  const char* good;
  const char* bad;
};

// The capability items, with systemd's parameters (security_assessor_table).
struct CapabilityItem {
  FlagItem item;
  uint64_t caps;
};
const CapabilityItem kCapabilityItems[] = {
    {{"CapabilityBoundingSet=~CAP_SYS_ADMIN", 1500, "Service has no administrator privileges",
      "Service has administrator privileges"},
     bit(CAP_SYS_ADMIN)},
    {{"CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)", 1500,
      "Service cannot change UID/GID identities/capabilities",
      "Service may change UID/GID identities/capabilities"},
     bit(CAP_SETUID) | bit(CAP_SETGID) | bit(CAP_SETPCAP)},
    {{"CapabilityBoundingSet=~CAP_SYS_PTRACE", 1500, "Service has no ptrace() debugging abilities",
      "Service has ptrace() debugging abilities"},
     bit(CAP_SYS_PTRACE)},
    {{"CapabilityBoundingSet=~CAP_SYS_TIME", 1000,
      "Service processes cannot change the system clock",
      "Service processes may change the system clock"},
     bit(CAP_SYS_TIME)},
    {{"CapabilityBoundingSet=~CAP_NET_ADMIN", 1000,
      "Service has no network configuration privileges",
      "Service has network configuration privileges"},
     bit(CAP_NET_ADMIN)},
    {{"CapabilityBoundingSet=~CAP_SYS_RAWIO", 1000, "Service has no raw I/O access",
      "Service has raw I/O access"},
     bit(CAP_SYS_RAWIO)},
    {{"CapabilityBoundingSet=~CAP_SYS_MODULE", 1000, "Service cannot load kernel modules",
      "Service may load kernel modules"},
     bit(CAP_SYS_MODULE)},
    {{"CapabilityBoundingSet=~CAP_AUDIT_*", 500, "Service has no audit subsystem access",
      "Service has audit subsystem access"},
     bit(CAP_AUDIT_CONTROL) | bit(CAP_AUDIT_READ) | bit(CAP_AUDIT_WRITE)},
    {{"CapabilityBoundingSet=~CAP_SYSLOG", 500, "Service has no access to kernel logging",
      "Service has access to kernel logging"},
     bit(CAP_SYSLOG)},
    {{"CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)", 500,
      "Service has no privileges to change resource use parameters",
      "Service has privileges to change resource use parameters"},
     bit(CAP_SYS_NICE) | bit(CAP_SYS_RESOURCE)},
    {{"CapabilityBoundingSet=~CAP_MKNOD", 500, "Service cannot create device nodes",
      "Service may create device nodes"},
     bit(CAP_MKNOD)},
    {{"CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)", 1000,
      "Service cannot change file ownership/access mode/capabilities",
      "Service may change file ownership/access mode/capabilities unrestricted"},
     bit(CAP_CHOWN) | bit(CAP_FSETID) | bit(CAP_SETFCAP)},
    {{"CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)", 1000,
      "Service cannot override UNIX file/IPC permission checks",
      "Service may override UNIX file/IPC permission checks"},
     bit(CAP_DAC_OVERRIDE) | bit(CAP_DAC_READ_SEARCH) | bit(CAP_FOWNER) | bit(CAP_IPC_OWNER)},
    {{"CapabilityBoundingSet=~CAP_KILL", 500,
      "Service cannot send UNIX signals to arbitrary processes",
      "Service may send UNIX signals to arbitrary processes"},
     bit(CAP_KILL)},
    {{"CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", 500,
      "Service has no elevated networking privileges",
      "Service has elevated networking privileges"},
     bit(CAP_NET_BIND_SERVICE) | bit(CAP_NET_BROADCAST) | bit(CAP_NET_RAW)},
    {{"CapabilityBoundingSet=~CAP_SYS_BOOT", 100, "Service cannot issue reboot()",
      "Service may issue reboot()"},
     bit(CAP_SYS_BOOT)},
    {{"CapabilityBoundingSet=~CAP_MAC_*", 100, "Service cannot adjust SMACK MAC",
      "Service may adjust SMACK MAC"},
     bit(CAP_MAC_ADMIN) | bit(CAP_MAC_OVERRIDE)},
    {{"CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE", 75, "Service cannot mark files immutable",
      "Service may mark files immutable"},
     bit(CAP_LINUX_IMMUTABLE)},
    {{"CapabilityBoundingSet=~CAP_IPC_LOCK", 50, "Service cannot lock memory into RAM",
      "Service may lock memory into RAM"},
     bit(CAP_IPC_LOCK)},
    {{"CapabilityBoundingSet=~CAP_SYS_CHROOT", 50, "Service cannot issue chroot()",
      "Service may issue chroot()"},
     bit(CAP_SYS_CHROOT)},
    {{"CapabilityBoundingSet=~CAP_BLOCK_SUSPEND", 25, "Service cannot establish wake locks",
      "Service may establish wake locks"},
     bit(CAP_BLOCK_SUSPEND)},
    {{"CapabilityBoundingSet=~CAP_WAKE_ALARM", 25,
      "Service cannot program timers that wake up the system",
      "Service may program timers that wake up the system"},
     bit(CAP_WAKE_ALARM)},
    {{"CapabilityBoundingSet=~CAP_LEASE", 25, "Service cannot create file leases",
      "Service may create file leases"},
     bit(CAP_LEASE)},
    {{"CapabilityBoundingSet=~CAP_SYS_TTY_CONFIG", 25, "Service cannot issue vhangup()",
      "Service may issue vhangup()"},
     bit(CAP_SYS_TTY_CONFIG)},
    {{"CapabilityBoundingSet=~CAP_SYS_PACCT", 25, "Service cannot use acct()",
      "Service may use acct()"},
     bit(CAP_SYS_PACCT)},
    {{"CapabilityBoundingSet=~CAP_BPF", 25, "Service cannot load BPF programs",
      "Service may load BPF programs"},
     bit(CAP_BPF)},
};

// systemd's SystemCallFilter=~@GROUP item, given the first call of the group that passes.
std::pair<unsigned, std::string> filter_item(const std::string& g, bool filters, bool allow_list,
                                             const std::string& offender) {
  if (!filters) return {10, "Service does not filter system calls"};
  if (allow_list)
    return offender.empty() ? std::pair{0u, "System call allow list defined for service, and " + g +
                                                " is not included"}
                            : std::pair{9u, "System call allow list defined for service, and " + g +
                                                " is included (e.g. " + offender + " is allowed)"};
  return offender.empty()
             ? std::pair{0u, "System call deny list defined for service, and " + g + " is included"}
             : std::pair{10u, "System call deny list defined for service, and " + g +
                                  " is not included (e.g. " + offender + " is allowed)"};
}

struct UnitItem {
  std::string id;
  unsigned weight = 0;
  unsigned range = 1;
  bool applicable = true;
  unsigned badness = 0;
  std::string description;
};

bool is_localhost(const std::string& prefix) {
  return prefix == "localhost" || prefix.starts_with("127.") || prefix == "::1" ||
         prefix.starts_with("::1/");
}

constexpr FlagItem kSupplementaryGroups{"SupplementaryGroups=", 200,
                                        "Service has no supplementary groups",
                                        "Service runs with supplementary groups"};
constexpr FlagItem kPrivateDevices{"PrivateDevices=", 1000,
                                   "Service has no access to hardware devices",
                                   "Service potentially has access to hardware devices"};
constexpr FlagItem kPrivateMounts{"PrivateMounts=", 1000, "Service cannot install system mounts",
                                  "Service may install system mounts"};
constexpr FlagItem kPrivateNetwork{"PrivateNetwork=", 2500,
                                   "Service has no access to the host's network",
                                   "Service has access to the host's network"};
constexpr FlagItem kPrivateUsers{"PrivateUsers=", 1000,
                                 "Service does not have access to other users",
                                 "Service has access to other users"};
constexpr FlagItem kProtectControlGroups{"ProtectControlGroups=", 1000,
                                         "Service cannot modify the control group file system",
                                         "Service may modify the control group file system"};
constexpr FlagItem kProtectKernelModules{"ProtectKernelModules=", 1000,
                                         "Service cannot load or read kernel modules",
                                         "Service may load or read kernel modules"};
constexpr FlagItem kProtectKernelTunables{"ProtectKernelTunables=", 1000,
                                          "Service cannot alter kernel tunables (/proc/sys, …)",
                                          "Service may alter kernel tunables"};
constexpr FlagItem kProtectKernelLogs{
    "ProtectKernelLogs=", 1000, "Service cannot read from or write to the kernel log ring buffer",
    "Service may read from or write to the kernel log ring buffer"};
constexpr FlagItem kProtectClock{"ProtectClock=", 1000,
                                 "Service cannot write to the hardware clock or system clock",
                                 "Service may write to the hardware clock or system clock"};
constexpr FlagItem kProtectHostname{"ProtectHostname=", 50,
                                    "Service cannot change system host/domainname",
                                    "Service may change system host/domainname"};
constexpr FlagItem kLockPersonality{"LockPersonality=", 100,
                                    "Service cannot change ABI personality",
                                    "Service may change ABI personality"};
constexpr FlagItem kMemoryDenyWriteExecute{
    "MemoryDenyWriteExecute=", 100, "Service cannot create writable executable memory mappings",
    "Service may create writable executable memory mappings"};
constexpr FlagItem kNoNewPrivileges{"NoNewPrivileges=", 1000,
                                    "Service processes cannot acquire new privileges",
                                    "Service processes may acquire new privileges"};
constexpr FlagItem kKeyringMode{"KeyringMode=", 1000,
                                "Service doesn't share key material with other services",
                                "Service shares key material with other service"};
constexpr FlagItem kProcSubset{
    "ProcSubset=", 10, "Service has no access to non-process /proc files (/proc subset=)",
    "Service has full access to non-process /proc files (/proc subset=)"};
constexpr FlagItem kNotifyAccess{"NotifyAccess=", 1000,
                                 "Service child processes cannot alter service state",
                                 "Service child processes may alter service state"};
constexpr FlagItem kRemoveIPC{"RemoveIPC=", 100,
                              "Service user cannot leave SysV IPC objects around",
                              "Service user may leave SysV IPC objects around"};
constexpr FlagItem kDelegate{"Delegate=", 100,
                             "Service does not maintain its own delegated control group subtree",
                             "Service maintains its own delegated control group subtree"};
constexpr FlagItem kRestrictRealtime{"RestrictRealtime=", 500,
                                     "Service realtime scheduling access is restricted",
                                     "Service may acquire realtime scheduling"};
constexpr FlagItem kRestrictSUIDSGID{"RestrictSUIDSGID=", 1000,
                                     "SUID/SGID file creation by service is restricted",
                                     "Service may create SUID/SGID files"};
constexpr FlagItem kAfInet{"RestrictAddressFamilies=~AF_(INET|INET6)", 1500,
                           "Service cannot allocate Internet sockets",
                           "Service may allocate Internet sockets"};
constexpr FlagItem kAfUnix{"RestrictAddressFamilies=~AF_UNIX", 25,
                           "Service cannot allocate local sockets",
                           "Service may allocate local sockets"};
constexpr FlagItem kAfNetlink{"RestrictAddressFamilies=~AF_NETLINK", 200,
                              "Service cannot allocate netlink sockets",
                              "Service may allocate netlink sockets"};
constexpr FlagItem kAfPacket{"RestrictAddressFamilies=~AF_PACKET", 1000,
                             "Service cannot allocate packet sockets",
                             "Service may allocate packet sockets"};
constexpr FlagItem kAfOther{"RestrictAddressFamilies=~…", 1250,
                            "Service cannot allocate exotic sockets",
                            "Service may allocate exotic sockets"};
constexpr FlagItem kAmbientCapabilities{"AmbientCapabilities=", 500,
                                        "Service process does not receive ambient capabilities",
                                        "Service process receives ambient capabilities"};
constexpr FlagItem kPrivateTmp{"PrivateTmp=", 1000,
                               "Service has no access to other software's temporary files",
                               "Service has access to other software's temporary files"};
constexpr FlagItem kRootDirectory{"RootDirectory=/RootImage=", 200,
                                  "Service has its own root directory/image",
                                  "Service runs within the host's root directory"};

// ProtectHome= and ProtectSystem= grades: the description of a badness.
const char* home_grade(unsigned badness) {
  return badness == 0   ? "Service has no access to home directories"
         : badness == 1 ? "Service has access to fake empty home directories"
         : badness == 5 ? "Service has read-only access to home directories"
                        : "Service has full access to home directories";
}
const char* system_grade(unsigned badness) {
  return badness == 0   ? "Service has strict read-only access to the OS file hierarchy"
         : badness == 3 ? "Service has very limited write access to the OS file hierarchy"
         : badness == 5 ? "Service has limited write access to the OS file hierarchy"
                        : "Service has full access to the OS file hierarchy";
}

// The RestrictNamespaces=~ items, one per namespace type.
struct NamespaceItem {
  const char* type;
  unsigned long flag;
  unsigned weight;
  const char* what;
};
constexpr NamespaceItem kNamespaceItems[] = {
    {"user", CLONE_NEWUSER, 1500, "user"},      {"mnt", CLONE_NEWNS, 500, "file system"},
    {"ipc", CLONE_NEWIPC, 500, "IPC"},          {"pid", CLONE_NEWPID, 500, "process"},
    {"cgroup", CLONE_NEWCGROUP, 500, "cgroup"}, {"net", CLONE_NEWNET, 500, "network"},
    {"uts", CLONE_NEWUTS, 100, "hostname"}};
std::string namespace_text(const NamespaceItem& n, bool good) {
  return std::string(good ? "Service cannot create " : "Service may create ") + n.what +
         " namespaces";
}

// systemd-analyze's UMask= grades: the badness and the description of a umask.
std::pair<unsigned, const char*> umask_grade(mode_t m) {
  return !(m & 0002)   ? std::pair{10u, "Files created by service are world-writable by default"}
         : !(m & 0004) ? std::pair{5u, "Files created by service are world-readable by default"}
         : !(m & 0020) ? std::pair{2u, "Files created by service are group-writable by default"}
         : !(m & 0040)
             ? std::pair{1u, "Files created by service are group-readable by default"}
             : std::pair{0u,
                         "Files created by service are accessible only by service's own user "
                         "by default"};
}

// systemd's assessors applied to a unit's settings, in its table's order, step by step.
class UnitItems {
 public:
  explicit UnitItems(const UnitSettings& unit)
      : u_(patched(unit)),
        privileged_(u_.user == "root" || u_.user == "0" || (!u_.dynamic_user && u_.user.empty())) {}

  std::vector<UnitItem> take() {
    identity();
    view();
    privileges();
    process();
    restrictions();
    filter();
    network_devices();
    return std::move(out_);
  }

 private:
  void add(std::string id, unsigned weight, unsigned range, unsigned badness,
           std::string description) {
    out_.push_back({std::move(id), weight, range, true, badness, std::move(description)});
  }
  void flag(const FlagItem& i, bool good) {
    add(i.id, i.weight, 1, good ? 0 : 1, good ? i.good : i.bad);
  }
  void not_applicable(std::string id, unsigned weight, std::string why) {
    out_.push_back({std::move(id), weight, 1, false, 0, std::move(why)});
  }
  // Items systemd skips for units without default dependencies (early-boot services).
  void boot_item(std::string id, unsigned weight, unsigned range, unsigned badness,
                 std::string description) {
    if (!u_.default_dependencies)
      not_applicable(std::move(id), weight,
                     "Service runs in special boot phase, option is not appropriate");
    else
      add(std::move(id), weight, range, badness, std::move(description));
  }
  void boot_flag(const FlagItem& i, bool good) {
    boot_item(i.id, i.weight, 1, good ? 0 : 1, good ? i.good : i.bad);
  }

  void identity();
  void view();
  void privileges();
  void process();
  void restrictions();
  void filter();
  void network_devices();

  const UnitSettings u_;
  const bool privileged_;
  std::vector<UnitItem> out_;
};

void UnitItems::identity() {
  if (u_.user == "nobody")
    add("User=/DynamicUser=", 2000, 10, 9,
        "Service runs as the 'nobody' user, which should not be used for services");
  else if (u_.dynamic_user && u_.user != "0" && u_.user != "root")
    add("User=/DynamicUser=", 2000, 10, 0, "Service runs under a transient non-root user identity");
  else if (!privileged_)
    add("User=/DynamicUser=", 2000, 10, 0, "Service runs under a static non-root user identity");
  else
    add("User=/DynamicUser=", 2000, 10, 10, "Service runs as root user");
  if (privileged_)
    not_applicable("SupplementaryGroups=", 200, "Service runs as root, option does not matter");
  else
    flag(kSupplementaryGroups, u_.supplementary_groups.empty());
}

void UnitItems::view() {
  flag(kPrivateDevices, u_.private_devices);
  flag(kPrivateMounts, u_.private_mounts);
  flag(kPrivateNetwork, u_.private_network);
  boot_flag(kPrivateTmp, u_.private_tmp);
  flag(kPrivateUsers, u_.private_users);
  flag(kProtectControlGroups, u_.protect_control_groups);
  flag(kProtectKernelModules, u_.protect_kernel_modules);
  flag(kProtectKernelTunables, u_.protect_kernel_tunables);
  flag(kProtectKernelLogs, u_.protect_kernel_logs);
  flag(kProtectClock, u_.protect_clock);
  const unsigned home = u_.protect_home == "yes"         ? 0
                        : u_.protect_home == "tmpfs"     ? 1
                        : u_.protect_home == "read-only" ? 5
                                                         : 10;
  boot_item("ProtectHome=", 1000, 10, home, home_grade(home));
  flag(kProtectHostname, u_.protect_hostname);
  const unsigned system = u_.protect_system == "strict" ? 0
                          : u_.protect_system == "full" ? 3
                          : u_.protect_system == "yes"  ? 5
                                                        : 10;
  boot_item("ProtectSystem=", 1000, 10, system, system_grade(system));
  bool own_root = (!u_.root_directory.empty() && u_.root_directory != "/") ||
                  (!u_.root_image.empty() && u_.root_image != "/");
  boot_flag(kRootDirectory, own_root);
}

void UnitItems::privileges() {
  flag(kLockPersonality, u_.lock_personality);
  flag(kMemoryDenyWriteExecute, u_.memory_deny_write_execute);
  flag(kNoNewPrivileges, u_.no_new_privileges);
  for (const auto& c : kCapabilityItems) flag(c.item, (u_.bounding & c.caps) == 0);
}

void UnitItems::process() {
  auto [umask_badness, umask_text] = umask_grade(u_.umask);
  add("UMask=", 100, 10, umask_badness, umask_text);
  flag(kKeyringMode, u_.keyring_mode == "private");
  unsigned proc = u_.protect_proc == "noaccess"                                       ? 1
                  : u_.protect_proc == "invisible" || u_.protect_proc == "ptraceable" ? 0
                                                                                      : 3;
  add("ProtectProc=", 1000, 3, proc,
      proc == 3 ? "Service has full access to process tree (/proc hidepid=)"
                : "Service has restricted access to process tree (/proc hidepid=)");
  flag(kProcSubset, u_.proc_subset == "pid");
  flag(kNotifyAccess, u_.notify_access != "all");
  if (privileged_)
    not_applicable("RemoveIPC=", 100, "Service runs as root, option does not apply");
  else
    flag(kRemoveIPC, u_.remove_ipc);
  flag(kDelegate, !u_.delegate);
}

void UnitItems::restrictions() {
  flag(kRestrictRealtime, u_.restrict_realtime);
  flag(kRestrictSUIDSGID, u_.restrict_suid_sgid);
  for (const auto& n : kNamespaceItems) {
    bool good = (u_.namespaces_allowed & n.flag) == 0;
    add(std::string("RestrictNamespaces=~") + n.type, n.weight, 1, good ? 0 : 1,
        namespace_text(n, good));
  }
  // get_security_info(): with an allow list every family starts restricted, and a listed one
  // is not; with a deny list the other way round.
  bool inet = u_.address_families_allow_list, unix_ = inet, netlink = inet, packet = inet,
       other = inet;
  for (const auto& af : u_.address_families) {
    bool restricted = !u_.address_families_allow_list;
    if (af == "AF_INET" || af == "AF_INET6")
      inet = restricted;
    else if (af == "AF_UNIX")
      unix_ = restricted;
    else if (af == "AF_NETLINK")
      netlink = restricted;
    else if (af == "AF_PACKET")
      packet = restricted;
    else
      other = restricted;
  }
  flag(kAfInet, inet);
  flag(kAfUnix, unix_);
  flag(kAfNetlink, netlink);
  flag(kAfPacket, packet);
  flag(kAfOther, other);
}

void UnitItems::filter() {
  if (u_.syscall_archs.empty())
    add("SystemCallArchitectures=", 1000, 10, 10, "Service may execute system calls with all ABIs");
  else if (u_.syscall_archs == std::set<std::string>{"native"})
    add("SystemCallArchitectures=", 1000, 10, 0,
        "Service may execute system calls only with native ABI");
  else
    add("SystemCallArchitectures=", 1000, 10, 8,
        "Service may execute system calls with multiple ABIs");
  const bool filters = u_.syscall_allow_list || !u_.syscall_filter.empty();
  for (const auto& group : kScoredGroups) {
    const std::string g = group.name;
    std::string offender =
        first_passing(group.name, filters, u_.syscall_allow_list, u_.syscall_filter);
    auto [b, d] = filter_item(g, filters, u_.syscall_allow_list, offender);
    add("SystemCallFilter=~" + g, group.weight, 10, b, d);
  }
}

void UnitItems::network_devices() {
  {
    bool deny_v4 = false, deny_v6 = false, localhost = false, others = false;
    for (const auto& p : u_.ip_address_deny) {
      if (p == "any" || p == "0.0.0.0/0") deny_v4 = true;
      if (p == "any" || p == "::/0") deny_v6 = true;
    }
    for (const auto& p : u_.ip_address_allow) (is_localhost(p) ? localhost : others) = true;
    auto [b, d] =
        !u_.ip_ingress_filter.empty() || !u_.ip_egress_filter.empty()
            ? std::pair{0u, "Service defines custom ingress/egress IP filters with BPF programs"}
        : !(deny_v4 && deny_v6) ? std::pair{10u, "Service does not define an IP address allow list"}
        : others ? std::pair{5u, "Service defines IP address allow list with non-localhost entries"}
        : localhost
            ? std::pair{2u, "Service defines IP address allow list with only localhost entries"}
            : std::pair{0u, "Service blocks all IP address ranges"};
    add("IPAddressDeny=", 1000, 10, b, d);
  }
  if (u_.device_policy == "closed" || u_.device_policy == "strict") {
    if (u_.device_allow.empty()) {
      add("DeviceAllow=", 1000, 10, 0, "Service has a minimal device ACL");
    } else {
      std::string list;
      for (const auto& d : u_.device_allow) list += (list.empty() ? "" : ", ") + d;
      add("DeviceAllow=", 1000, 10, 5,
          "Service has a device ACL with some special devices: " + list);
    }
  } else {
    add("DeviceAllow=", 1000, 10, 10, "Service has no device ACL");
  }
  flag(kAmbientCapabilities, u_.ambient == 0);
}

std::vector<UnitItem> systemd_items(const UnitSettings& unit) { return UnitItems(unit).take(); }

unsigned unit_tenths(const std::vector<UnitItem>& items) {
  uint64_t badness_sum = 0, weight_sum = 0;
  for (const auto& i : items) {
    if (!i.applicable) continue;
    badness_sum += div_round_up(uint64_t{i.badness} * i.weight, i.range);
    weight_sum += i.weight;
  }
  return static_cast<unsigned>(div_round_up(badness_sum * 100, weight_sum));
}

// What the unit contributes to the items of the daemon that jharden executes.
struct UnitSide {
  std::map<std::string, UnitItem> items;  // the unit's settings that reach the daemon, scored
  std::set<std::string> overridden;       // items jharden sets whatever the unit says
  bool identity = false;                  // the daemon runs with the unit's User=
  uint64_t bounding = ~uint64_t{0};
  bool filters = false, allow_list = false;
  std::set<std::string> syscalls;
};

// ---------------------------------------------------------------------------------------------
// The items, in the order of systemd's security_assessor_table.

constexpr const char* kNoEquivalent = "(no jharden equivalent)";
constexpr const char* kUnitDefault = "(the unit's default)";

class Items {
 public:
  explicit Items(const Facts& f, const UnitSide* unit = nullptr) : f_(f), u_(unit) {}

  void add(std::string id, std::string key, unsigned weight, unsigned range, unsigned badness,
           std::string description) {
    AssessmentItem i;
    i.id = std::move(id);
    i.key = std::move(key);
    i.weight = weight;
    i.range = range;
    i.badness = badness;
    i.unit_badness = badness;
    i.secure = badness == 0;
    i.description = std::move(description);
    items_.push_back(std::move(i));
  }

  void flag(std::string id, std::string key, unsigned weight, bool good, std::string good_text,
            std::string bad_text, const std::vector<std::string>& reasons = {}) {
    if (!good && !reasons.empty()) bad_text += " (" + join(reasons, ", ") + ")";
    add(std::move(id), std::move(key), weight, 1, good ? 0 : 1, good ? good_text : bad_text);
  }

  void flag(const FlagItem& i, std::string key, bool good,
            const std::vector<std::string>& reasons = {}) {
    flag(i.id, std::move(key), i.weight, good, i.good, i.bad, reasons);
  }

  // An item jharden has no equivalent for: exposed, as in a stock unit.
  void exposed(std::string id, unsigned weight, std::string description) {
    add(std::move(id), kNoEquivalent, weight, 1, 1, std::move(description));
  }

  // An item a stock system service already gets right, and jharden leaves as it is.
  void unit_default(std::string id, unsigned weight, std::string description) {
    add(std::move(id), kUnitDefault, weight, 1, 0, std::move(description));
  }

  void not_applicable(std::string id, std::string key, unsigned weight, std::string description) {
    add(std::move(id), std::move(key), weight, 1, 0, std::move(description));
    items_.back().applicable = false;
    items_.back().secure = false;
  }

  // systemd applies some settings to the capability bounding set when it loads a unit
  // (unit_patch_contexts()); the equivalent unit's capability items follow from that.
  void capability(const FlagItem& item, uint64_t caps) {
    bool kept = (f_.bounding & caps) != 0;
    flag(item, "[capabilities] drop, keep", !kept);
    uint64_t implied = 0;
    if (f_.private_devices) implied |= bit(CAP_MKNOD) | bit(CAP_SYS_RAWIO);
    if (f_.protect_kernel_modules) implied |= bit(CAP_SYS_MODULE);
    if (f_.protect_kernel_logs) implied |= bit(CAP_SYSLOG);
    if (f_.protect_clock) implied |= bit(CAP_SYS_TIME) | bit(CAP_WAKE_ALARM);
    items_.back().unit_badness = (f_.bounding & ~implied & caps) != 0 ? 1 : 0;
  }

  std::vector<AssessmentItem> take() {
    if (u_)
      for (auto& i : items_) combine(i);
    return std::move(items_);
  }
  AssessmentItem& back() { return items_.back(); }

 private:
  // With a unit: the item as the daemon has it, from jharden's sandbox and the unit's settings
  // that reach it, and which of the two provides it.
  void combine(AssessmentItem& i) const {
    const UnitSide& u = *u_;
    auto found = u.items.find(i.id);
    if (found == u.items.end()) {
      i.provider = !i.applicable ? "" : i.badness == 0 ? "jharden" : "neither";
      return;
    }
    const UnitItem& ui = found->second;
    auto finish = [&](bool applicable, unsigned bj, unsigned bu, unsigned bc) {
      i.applicable = applicable;
      i.badness = applicable ? bc : 0;
      i.secure = applicable && bc == 0;
      i.unit_badness = i.badness;
      i.provider = !applicable            ? ""
                   : bj == bc && bu == bc ? (bc < i.range ? "both" : "neither")
                   : bj == bc             ? "jharden"
                   : bu == bc             ? "unit"
                                          : "both";
    };
    // The daemon has one identity: the policy's, or else the unit's.
    if (i.id == "User=/DynamicUser=" || i.id == "SupplementaryGroups=") {
      if (!u.identity) return finish(i.applicable, i.badness, i.range, i.badness);
      i.description = ui.description;
      return finish(ui.applicable, i.range, ui.badness, ui.badness);
    }
    if (i.id == "RemoveIPC=") {
      unsigned bj = f_.remove_ipc ? 0 : 1, bu = u.identity && ui.badness == 0 ? 0 : 1;
      bool applicable = u.identity ? ui.applicable : i.applicable;
      if (u.identity && (!applicable || bu < bj)) i.description = ui.description;
      return finish(applicable, bj, bu, std::min(bj, bu));
    }
    // systemd does not score it for this unit (no default dependencies).
    if (!ui.applicable) {
      i.description = ui.description;
      return finish(false, 0, 0, 0);
    }
    const unsigned bj = i.key == kUnitDefault ? i.range : i.badness;
    const unsigned bu = u.overridden.contains(i.id) ? i.range : ui.badness;
    unsigned bc = std::min(bj, bu);
    if (bu < bj) i.description = ui.description;
    // Both filters and both bounding sets hold at once: a call or a capability is gone when
    // either refuses it, which can cover an item neither covers alone.
    for (const auto& c : kCapabilityItems) {
      if (i.id != c.item.id) continue;
      bc = (f_.bounding & u.bounding & c.caps) ? 1 : 0;
      if (bc == 0) i.description = c.item.good;
    }
    if (i.id.starts_with("SystemCallFilter=~")) {
      const std::string g = i.id.substr(18);
      std::string offender;
      for (const auto& name : expand_syscall_group(*find_syscall_group(g))) {
        if (seccomp_syscall_resolve_name(name.c_str()) < 0) continue;
        bool by_jharden = !f_.filters || f_.rules.contains(name) == f_.allow_list;
        bool by_unit = !u.filters || u.syscalls.contains(name) == u.allow_list;
        if (by_jharden && by_unit) {
          offender = name;
          break;
        }
      }
      auto [b, d] =
          filter_item(g, f_.filters || u.filters, f_.allow_list || u.allow_list, offender);
      bc = std::min(bc, b);
      if (bc == b) i.description = d;
    }
    finish(true, bj, bu, bc);
  }

  const Facts& f_;
  const UnitSide* u_;
  std::vector<AssessmentItem> items_;
};

// Who the daemon runs as.
void identity_items(Items& it, const Facts& f) {
  if (f.root)
    it.add("User=/DynamicUser=", "[service] user", 2000, 10, 10, "Service runs as root user");
  else if (f.nobody)
    it.add("User=/DynamicUser=", "[service] user", 2000, 10, 9,
           "Service runs as the 'nobody' user, which should not be used for services");
  else
    it.add("User=/DynamicUser=", "[service] user", 2000, 10, 0,
           "Service runs under a static non-root user identity");

  if (f.root)
    it.not_applicable("SupplementaryGroups=", "[service] supplementary_groups", 200,
                      "Service runs as root, option does not matter");
  else
    it.flag(kSupplementaryGroups, "[service] supplementary_groups", f.supplementary.empty());
}

// What of the host the daemon sees: its devices, mounts, network, users, kernel and files.
void view_items(Items& it, const Facts& f) {
  it.flag(kPrivateDevices, "[filesystem] private_dev, [capabilities] drop", f.private_devices,
          f.private_devices_missing);
  it.add("PrivateMounts=", "(always: own mount namespace)", 1000, 1, 0,
         "Service cannot install system mounts");
  it.flag(kPrivateNetwork, "[namespaces] net", f.private_network);
  it.flag(kPrivateTmp, "[filesystem] private_tmp", f.private_tmp);
  it.flag(kPrivateUsers, "[namespaces] user", f.private_users);
  it.flag(kProtectControlGroups, "[filesystem] protect_kernel, [namespaces] cgroup",
          f.protect_control_groups);
  it.flag(kProtectKernelModules, "[capabilities] drop, [seccomp] deny", f.protect_kernel_modules,
          f.protect_kernel_modules_missing);
  it.flag(kProtectKernelTunables, "[filesystem] protect_kernel", f.protect_kernel_tunables);
  it.flag(kProtectKernelLogs, "[filesystem] protect_kernel, [capabilities] drop",
          f.protect_kernel_logs, f.protect_kernel_logs_missing);
  it.flag(kProtectClock, "[capabilities] drop, [seccomp] deny", f.protect_clock,
          f.protect_clock_missing);

  std::string home_text = home_grade(f.protect_home);
  if (!f.protect_home_worst.empty()) home_text += " (" + join(f.protect_home_worst) + ")";
  it.add("ProtectHome=", "[filesystem] inaccessible, read_only", 1000, 10, f.protect_home,
         home_text);
  it.flag(kProtectHostname, "[namespaces] uts", f.protect_hostname);
  std::string system_text = system_grade(f.protect_system);
  if (!f.protect_system_writable.empty())
    system_text += " (" + join(f.protect_system_writable) + " writable)";
  it.add("ProtectSystem=", "[filesystem] read_only", 1000, 10, f.protect_system, system_text);
  it.flag(kRootDirectory, "[filesystem] root", f.root_directory);
}

// What the daemon may still become or do: personality, W^X, new privileges, capabilities.
void privilege_items(Items& it, const Facts& f) {
  it.flag(kLockPersonality, "[seccomp] lock_personality", f.lock_personality);
  it.flag(kMemoryDenyWriteExecute, "[seccomp] memory_deny_write_execute",
          f.memory_deny_write_execute);
  it.flag(kNoNewPrivileges, "[capabilities] no_new_privileges", f.no_new_privileges);

  for (const auto& c : kCapabilityItems) it.capability(c.item, c.caps);
}

// How its files, keys, processes and IPC objects are shared with others.
void process_items(Items& it, const Facts& f) {
  auto [umask_badness, umask_text] = umask_grade(f.umask);
  it.add("UMask=", "[service] umask", 100, 10, umask_badness, umask_text);
  // A system service's KeyringMode= defaults to private, and jharden keeps the keyring it is
  // given.
  it.unit_default("KeyringMode=", 1000, "Service doesn't share key material with other services");
  unsigned proc_badness = f.protect_proc == "noaccess" ? 1 : f.protect_proc == "default" ? 3 : 0;
  it.add(
      "ProtectProc=", "[filesystem] protect_proc", 1000, 3, proc_badness,
      proc_badness == 3
          ? "Service has full access to process tree (/proc hidepid=)"
          : "Service has restricted access to process tree (/proc hidepid=" + f.protect_proc + ")");
  it.flag(kProcSubset, "[filesystem] proc_subset", f.proc_subset_pid);
  // Scored as the unit's default (main for Type=notify): jharden's messages, also those of its
  // readiness helper, are credited to the main process, so the shipped units keep it. A unit
  // that sets NotifyAccess=all is exposed whatever the policy says.
  it.unit_default("NotifyAccess=", 1000, "Service child processes cannot alter service state");
  if (f.root)
    it.not_applicable("RemoveIPC=", "[namespaces] ipc", 100,
                      "Service runs as root, option does not apply");
  else
    it.flag(kRemoveIPC, "[namespaces] ipc, [filesystem] private_dev", f.remove_ipc);
  it.unit_default("Delegate=", 100,
                  "Service does not maintain its own delegated control group subtree");
}

// The filter's argument rules: realtime, set-user-ID files, namespaces, socket families.
void restriction_items(Items& it, const Facts& f) {
  it.flag(kRestrictRealtime, "[seccomp] restrict_realtime", f.restrict_realtime);
  it.flag(kRestrictSUIDSGID, "[seccomp] restrict_suid_sgid", f.restrict_suid_sgid);
  // Per type, as the filter refuses unshare, clone and setns of the types not allowed.
  for (const auto& n : kNamespaceItems)
    it.flag(std::string("RestrictNamespaces=~") + n.type, "[namespaces] allow_create", n.weight,
            (f.namespaces_restricted & n.flag) != 0, namespace_text(n, true),
            namespace_text(n, false));
  const char* af_key = "[seccomp] address_families";
  it.flag(kAfInet, af_key, f.af_inet);
  it.flag(kAfUnix, af_key, f.af_unix);
  it.flag(kAfNetlink, af_key, f.af_netlink);
  it.flag(kAfPacket, af_key, f.af_packet);
  it.flag(kAfOther, af_key, f.af_other);
}

// The system call groups systemd scores.
void filter_items(Items& it, const Facts& f) {
  it.add("SystemCallArchitectures=", "[seccomp] native_only", 1000, 10, f.native_only ? 0 : 10,
         f.native_only ? "Service may execute system calls only with native ABI"
                       : "Service may execute system calls with all ABIs");

  const char* filter_key = f.allow_list ? "[seccomp] allow, deny" : "[seccomp] deny";
  for (const auto& group : kScoredGroups) {
    const std::string g = group.name;
    const std::string& offender = f.offender.at(g);
    unsigned b;
    std::string d;
    if (!f.filters) {
      b = 10;
      d = "Service does not filter system calls";
    } else if (f.allow_list) {
      b = offender.empty() ? 0 : 9;
      d = offender.empty()
              ? "System call allow list defined for service, and " + g + " is not included"
              : "System call allow list defined for service, and " + g + " is included (e.g. " +
                    offender + " is allowed)";
    } else {
      b = offender.empty() ? 0 : 10;
      d = offender.empty() ? "System call deny list defined for service, and " + g + " is included"
                           : "System call deny list defined for service, and " + g +
                                 " is not included (e.g. " + offender + " is allowed)";
    }
    it.add("SystemCallFilter=~" + g, filter_key, group.weight, 10, b, d);
  }
}

// What jharden has no cgroup-based equivalent for, and ambient capabilities.
void network_device_items(Items& it, const Facts& f) {
  // A private network namespace is PrivateNetwork=, not an address filter: sockets handed over
  // by socket activation still reach the host's network.
  it.add("IPAddressDeny=", kNoEquivalent, 1000, 10, 10,
         "Service does not define an IP address allow list");
  // jharden's private /dev is not a device cgroup: device nodes elsewhere stay usable. systemd
  // closes the device cgroup with PrivateDevices=yes and then allows the RTC for ProtectClock=.
  it.add("DeviceAllow=", kNoEquivalent, 1000, 10, 10, "Service has no device ACL");
  it.back().unit_badness = f.private_devices ? (f.protect_clock ? 5 : 0) : 10;
  it.flag(kAmbientCapabilities, "[capabilities] ambient", !f.ambient);
}

std::vector<AssessmentItem> build_items(const Facts& f, const UnitSide* unit = nullptr) {
  Items it(f, unit);
  identity_items(it, f);
  view_items(it, f);
  privilege_items(it, f);
  process_items(it, f);
  restriction_items(it, f);
  filter_items(it, f);
  network_device_items(it, f);
  return it.take();
}

// systemd's sum: each item adds ceil(badness * weight / range); the total is scaled to
// 0..100 tenths, rounding up, over the weights of the items that apply.
unsigned exposure_tenths(const std::vector<AssessmentItem>& items, bool unit) {
  uint64_t badness_sum = 0, weight_sum = 0;
  for (const auto& i : items) {
    if (!i.applicable) continue;
    badness_sum += div_round_up(uint64_t{unit ? i.unit_badness : i.badness} * i.weight, i.range);
    weight_sum += i.weight;
  }
  return static_cast<unsigned>(div_round_up(badness_sum * 100, weight_sum));
}

std::vector<std::string> extras(const Policy& policy, const Plan& plan) {
  std::vector<std::string> out;
  std::vector<std::string> masked;
  for (const auto& e : plan.mounts)
    if (e.kind == MountKind::kMask) masked.push_back(e.target);
  if (!masked.empty())
    out.push_back("masked (reading yields nothing): " + join(masked) +
                  "; the /dev/null bound over files is checked to be the 1:3 character device");
  for (const auto& e : plan.mounts) {
    if (e.kind != MountKind::kSecrets) continue;
    out.push_back(
        std::to_string(policy.secrets.size()) + " secret(s) projected into " + e.target +
        " (tmpfs " + e.attrs.str() + ", mode " + octal_mode(kSecretsDirectoryMode) + ", files " +
        octal_mode(plan.secrets_mode) + "), sources " +
        (policy.hide_sources.value && plan.root == "/" ? "made inaccessible" : "left in place"));
  }
  out.push_back(
      "every mount is verified once set up: read-only ones by their statfs flags (ST_RDONLY), "
      "tmpfs, procfs and sysfs by their statfs type, masks and inaccessible paths by type and "
      "mode");
  if (plan.root != "/")
    out.push_back("pivot_root into " + plan.root +
                  ": the host's tree is detached, fresh /proc, /dev and read-only /sys");
  if (plan.ns_pid)
    out.push_back(
        "PID namespace: a jharden init is PID 1, forwards signals to the daemon and reaps "
        "orphans; /proc shows only the sandbox's processes");
  if (plan.ns_ipc)
    out.push_back("IPC namespace: no SysV IPC object or POSIX message queue of the host");
  if (plan.ns_net)
    out.push_back(
        "network namespace: a fresh read-only sysfs of its own on /sys, so "
        "/sys/class/net lists only the sandbox's interfaces");
  if (plan.ns_cgroup)
    out.push_back(
        "cgroup namespace: /sys/fs/cgroup shows only the service's own cgroup, "
        "read-only");
  if (plan.ns_user)
    out.push_back(
        "user namespace, made after the mounts: only root and the service's ids are "
        "mapped, capabilities count on no namespace, file or process of the host's");
  if (plan.new_session)
    out.push_back(
        "new session (setsid): no TIOCSTI into the terminal jharden was started from; " +
        std::string(plan.seccomp.restrict_terminal()
                        ? "ioctl TIOCSCTTY, TIOCSTI and TIOCLINUX refused by the filter, so the "
                          "terminal cannot be taken back"
                        : "no terminal within reach, and Landlock refuses device ioctls but on "
                          "/dev's own devices (a terminal's node elsewhere, /dev/tty)"));
  if (plan.seccomp.enabled && plan.seccomp.refuses_io_uring())
    out.push_back(
        "io_uring refused: its requests would pass the argument rules (restrict_suid_sgid) "
        "unseen");
  if (plan.seccomp.enabled)
    out.push_back(
        "syscalls newer than libseccomp's table (e.g. open_tree_attr) fail with ENOSYS, so none "
        "slips past a group");
  return out;
}

// ---------------------------------------------------------------------------------------------
// The equivalent unit.

// A unit-file value: "%" starts a specifier there.
std::string unit_value(const std::string& s) {
  std::string escaped;
  for (char c : s) escaped += c == '%' ? "%%" : std::string(1, c);
  return escaped;
}

// A word of a unit-file list: specifiers escaped, quoted where it would otherwise split.
std::string unit_word(const std::string& s) {
  std::string escaped;
  bool quote = false;
  for (char c : s) {
    if (c == '%') escaped += '%';
    if (c == '"' || c == '\\') escaped += '\\';
    if (c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\\') quote = true;
    escaped += c;
  }
  return quote ? "\"" + escaped + "\"" : escaped;
}

bool is_directory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// KEY=WORDS..., when there are words.
void add_line(std::vector<std::string>& lines, const std::string& key,
              const std::vector<std::string>& words) {
  if (!words.empty()) lines.push_back(key + "=" + join(words));
}

// User=, Group=, SupplementaryGroups=, RootDirectory=.
void identity_lines(std::vector<std::string>& lines, const Policy& policy, const Plan& plan,
                    const Facts& f) {
  if (!f.root) {
    lines.push_back("User=" + unit_value(f.nobody ? "nobody" : policy.user->value));
  }
  if (policy.group) lines.push_back("Group=" + unit_value(policy.group->value));
  if (!f.root && !f.supplementary.empty()) {
    std::vector<std::string> groups;
    for (const auto& g : f.supplementary) groups.push_back(unit_word(g));
    add_line(lines, "SupplementaryGroups", groups);
  }
  if (f.root_directory) lines.push_back("RootDirectory=" + unit_value(plan.root));
}

// The Private*= and Protect*= switches.
void namespace_lines(std::vector<std::string>& lines, const Plan& plan, const Facts& f) {
  lines.push_back("PrivateMounts=yes");
  if (f.private_devices) lines.push_back("PrivateDevices=yes");
  if (f.private_tmp) lines.push_back("PrivateTmp=yes");
  if (f.private_network) lines.push_back("PrivateNetwork=yes");
  if (f.private_users) lines.push_back("PrivateUsers=yes");
  if (plan.ns_ipc) lines.push_back("PrivateIPC=yes");
  if (f.protect_hostname) lines.push_back("ProtectHostname=yes");
  const char* system = f.protect_system == 0   ? "strict"
                       : f.protect_system == 3 ? "full"
                       : f.protect_system == 5 ? "yes"
                                               : nullptr;
  if (system) lines.push_back(std::string("ProtectSystem=") + system);
  const char* home = f.protect_home == 0   ? "yes"
                     : f.protect_home == 1 ? "tmpfs"
                     : f.protect_home == 5 ? "read-only"
                                           : nullptr;
  if (home) lines.push_back(std::string("ProtectHome=") + home);
  if (f.protect_kernel_tunables) lines.push_back("ProtectKernelTunables=yes");
  if (f.protect_kernel_modules) lines.push_back("ProtectKernelModules=yes");
  if (f.protect_kernel_logs) lines.push_back("ProtectKernelLogs=yes");
  if (f.protect_control_groups) lines.push_back("ProtectControlGroups=yes");
  if (f.protect_clock) lines.push_back("ProtectClock=yes");
  if (f.protect_proc != "default") lines.push_back("ProtectProc=" + f.protect_proc);
  if (f.proc_subset_pid) lines.push_back("ProcSubset=pid");
}

// ReadOnlyPaths= and the other path lists, from the mount plan.
void path_lines(std::vector<std::string>& lines, const Plan& plan, const Facts& f) {
  // The paths ProtectSystem= already makes read-only need no ReadOnlyPaths= of their own.
  std::vector<std::string> covered_by_system;
  if (f.protect_system == 0) covered_by_system = {"/"};
  if (f.protect_system == 3) covered_by_system = {"/usr", "/etc", "/boot", "/efi"};
  if (f.protect_system == 5) covered_by_system = {"/usr", "/boot", "/efi"};
  std::vector<std::string> ro, rw, inaccessible, tmpfs, bind, bind_ro;
  for (const auto& e : plan.mounts) {
    const std::string opt = e.optional ? "-" : "";
    switch (e.kind) {
      case MountKind::kReadOnly:
        if (std::find(covered_by_system.begin(), covered_by_system.end(), e.target) ==
            covered_by_system.end())
          ro.push_back(unit_word(opt + e.target));
        break;
      case MountKind::kReadWrite:
        // The implicit ones keep /dev, /proc and /sys writable under a read-only "/", as
        // ProtectSystem=strict does by itself.
        if (!e.implicit) rw.push_back(unit_word(opt + e.target));
        break;
      case MountKind::kInaccessible:
        inaccessible.push_back(unit_word(opt + e.target));
        break;
      case MountKind::kMask:
        if (is_directory(join_root(plan.root, e.target)))
          tmpfs.push_back(unit_word(e.target + ":ro"));
        else
          bind_ro.push_back(unit_word("/dev/null:" + e.target));
        break;
      case MountKind::kTmpfs: {
        // private_tmp's are PrivateTmp=yes.
        if (e.implicit) break;
        std::string options = e.options;
        if (e.attrs.read_only) options += ",ro";
        if (e.attrs.noexec) options += ",noexec";
        tmpfs.push_back(unit_word(e.target + ":" + options));
        break;
      }
      case MountKind::kBind:
        // The implicit one keeps the host's cgroup tree in the sysfs of net = yes.
        if (e.implicit) break;
        (e.attrs.read_only ? bind_ro : bind).push_back(unit_word(opt + e.source + ":" + e.target));
        break;
      // Expressed by PrivateDevices=, ProtectProc=, ProcSubset= and RootDirectory=, or, for
      // the secrets, with no systemd setting that projects a file read-only.
      case MountKind::kProc:
      case MountKind::kSysfs:
      case MountKind::kCgroup:
      case MountKind::kPrivateDev:
      case MountKind::kSecrets:
        break;
    }
  }
  add_line(lines, "ReadOnlyPaths", ro);
  add_line(lines, "ReadWritePaths", rw);
  add_line(lines, "InaccessiblePaths", inaccessible);
  add_line(lines, "TemporaryFileSystem", tmpfs);
  add_line(lines, "BindPaths", bind);
  add_line(lines, "BindReadOnlyPaths", bind_ro);
}

// The capability sets and NoNewPrivileges=.
void capability_lines(std::vector<std::string>& lines, const Plan& plan, const Facts& f) {
  if (!plan.caps.dropped.empty()) {
    std::vector<std::string> names;
    for (int c : plan.caps.bounding) names.push_back(capability_name(c));
    // An empty assignment empties the bounding set.
    lines.push_back("CapabilityBoundingSet=" + join(names));
  }
  std::vector<std::string> ambient;
  for (int c : plan.caps.ambient) ambient.push_back(capability_name(c));
  add_line(lines, "AmbientCapabilities", ambient);
  if (f.no_new_privileges) lines.push_back("NoNewPrivileges=yes");
}

// SystemCallArchitectures=, SystemCallFilter= and SystemCallErrorNumber=.
void filter_lines(std::vector<std::string>& lines, const Policy& policy, const Plan& plan,
                  const Facts& f) {
  if (f.native_only) lines.push_back("SystemCallArchitectures=native");
  // The names as written: jharden's groups are systemd's, and systemd adds @default to an
  // allow list by itself, as jharden does.
  auto names = [](const auto& list) {
    std::vector<std::string> out;
    for (const auto& n : list) {
      std::string name = n.value;
      if constexpr (std::is_same_v<std::decay_t<decltype(n)>, SyscallEntry>)
        if (n.error != 0) name += ":" + errno_symbol(n.error);
      add_once(out, name);
    }
    return out;
  };
  if (f.filters) {
    if (policy.seccomp_allow) add_line(lines, "SystemCallFilter", names(*policy.seccomp_allow));
    // What the allow list names lifts a built-in deny entry (plan.cc): the same name goes, and
    // a built-in group loses the calls named in the allow list.
    std::vector<SyscallEntry> written;
    std::set<std::string> allowed_names;
    if (policy.seccomp_allow)
      for (const auto& a : *policy.seccomp_allow) allowed_names.insert(a.value);
    for (const auto& d : policy.seccomp_deny) {
      if (!policy.seccomp_allow || !d.origin.is_default()) {
        written.push_back(d);
        continue;
      }
      if (allowed_names.contains(d.value)) continue;
      const SyscallGroup* g = find_syscall_group(d.value);
      std::vector<std::string> members;
      if (g) members = expand_syscall_group(*g);
      if (std::none_of(members.begin(), members.end(),
                       [&](const std::string& m) { return allowed_names.contains(m); })) {
        written.push_back(d);
        continue;
      }
      for (const auto& m : members)
        if (!allowed_names.contains(m)) written.push_back({{m, d.origin}, d.error});
    }
    std::vector<std::string> deny = names(written);
    if (!deny.empty()) lines.push_back("SystemCallFilter=~" + join(deny));
    if (plan.seccomp.action == SeccompAction::kErrno)
      lines.push_back("SystemCallErrorNumber=" + errno_symbol(plan.seccomp.error));
  }
}

// The filter's argument rules, RemoveIPC= and UMask=.
void restriction_lines(std::vector<std::string>& lines, const Plan& plan, const Facts& f) {
  if (f.memory_deny_write_execute) lines.push_back("MemoryDenyWriteExecute=yes");
  if (plan.seccomp.address_families && plan.seccomp.action != SeccompAction::kLog) {
    std::vector<std::string> families;
    for (int af : *plan.seccomp.address_families) families.push_back(address_family_name(af));
    lines.push_back("RestrictAddressFamilies=" + (families.empty() ? "none" : join(families)));
  }
  if (f.lock_personality) lines.push_back("LockPersonality=yes");
  if (f.restrict_realtime) lines.push_back("RestrictRealtime=yes");
  if (f.restrict_suid_sgid) lines.push_back("RestrictSUIDSGID=yes");
  if (f.namespaces_restricted == all_namespace_flags()) {
    lines.push_back("RestrictNamespaces=yes");
  } else if (f.namespaces_restricted != 0) {
    std::vector<std::string> allowed;
    for (const auto& t : namespace_types())
      if (!(f.namespaces_restricted & t.flag)) allowed.push_back(t.name);
    lines.push_back("RestrictNamespaces=" + join(allowed));
  }
  if (!f.root && f.remove_ipc) lines.push_back("RemoveIPC=yes");
  lines.push_back("UMask=" + octal_mode(plan.umask));
}

std::string unit_properties(const Policy& policy, const Plan& plan, const Facts& f) {
  std::vector<std::string> lines;
  identity_lines(lines, policy, plan, f);
  namespace_lines(lines, plan, f);
  path_lines(lines, plan, f);
  capability_lines(lines, plan, f);
  filter_lines(lines, policy, plan, f);
  restriction_lines(lines, plan, f);
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// A unit and the policy together.

// The unit's settings that reach the daemon. systemd v252 (exec_child(), apply_mount_namespace())
// skips, for a command with the "+" prefix, everything that needs sandboxing: the mount
// namespace options, credentials, capabilities, NoNewPrivileges= and every seccomp-based
// setting. What holds for the whole control group or is set up by the manager stays: the device
// and IP access lists (also the device list that PrivateDevices= and ProtectClock= imply),
// Delegate=, NotifyAccess=, KeyringMode=, the network and IPC namespaces, RootDirectory=.
// jharden itself then sets the umask and the ambient set, and an identity when the policy
// names one; its own procfs replaces the unit's ProtectProc= and ProcSubset=.
UnitSettings reaching(const UnitSettings& unit_patched, const ExecCommand* command, bool identity,
                      bool own_proc, mode_t umask) {
  const UnitSettings& u = unit_patched;
  if (command && command->fully_privileged) {
    UnitSettings r;
    r.name = u.name;
    r.files = u.files;
    r.default_dependencies = u.default_dependencies;
    r.type = u.type;
    r.notify_access = u.notify_access;
    r.exec_start = u.exec_start;
    r.ip_address_deny = u.ip_address_deny;
    r.ip_address_allow = u.ip_address_allow;
    r.ip_ingress_filter = u.ip_ingress_filter;
    r.ip_egress_filter = u.ip_egress_filter;
    r.delegate = u.delegate;
    r.device_policy = u.device_policy;
    r.device_allow = u.device_allow;
    r.keyring_mode = u.keyring_mode;
    r.private_network = u.private_network;
    r.private_ipc = u.private_ipc;
    r.root_directory = u.root_directory;
    r.root_image = u.root_image;
    r.umask = umask;
    return r;
  }
  UnitSettings r = u;
  if (!identity) {
    r.user.clear();
    r.dynamic_user = false;
    r.supplementary_groups.clear();
    r.remove_ipc = false;
  }
  r.ambient = 0;
  r.umask = umask;
  if (own_proc) {
    r.protect_proc = "default";
    r.proc_subset = "all";
  }
  return r;
}

// A unit with the protections of both: whatever either refuses stays refused.
UnitSettings merge(const UnitSettings& unit, const UnitSettings& policy, bool identity) {
  UnitSettings m = unit;
  const UnitSettings& j = policy;
  if (!identity) {
    m.user = j.user;
    m.dynamic_user = false;
    m.supplementary_groups = j.supplementary_groups;
    m.remove_ipc = j.remove_ipc;
  } else {
    m.remove_ipc = m.remove_ipc || j.remove_ipc;
  }
  m.ambient = j.ambient;
  m.umask = j.umask;
  m.bounding &= j.bounding;
  for (bool UnitSettings::*b :
       {&UnitSettings::lock_personality, &UnitSettings::memory_deny_write_execute,
        &UnitSettings::no_new_privileges, &UnitSettings::protect_hostname,
        &UnitSettings::private_devices, &UnitSettings::private_mounts,
        &UnitSettings::private_network, &UnitSettings::private_tmp, &UnitSettings::private_users,
        &UnitSettings::private_ipc, &UnitSettings::protect_control_groups,
        &UnitSettings::protect_kernel_modules, &UnitSettings::protect_kernel_tunables,
        &UnitSettings::protect_kernel_logs, &UnitSettings::protect_clock,
        &UnitSettings::restrict_realtime, &UnitSettings::restrict_suid_sgid})
    m.*b = m.*b || j.*b;
  // The better of two levels, best first.
  auto better = [](const std::string& a, const std::string& b,
                   std::initializer_list<const char*> order) {
    for (const char* level : order)
      if (a == level || b == level) return std::string(level);
    return a;
  };
  m.protect_home = better(m.protect_home, j.protect_home, {"yes", "tmpfs", "read-only", "no"});
  m.protect_system = better(m.protect_system, j.protect_system, {"strict", "full", "yes", "no"});
  m.protect_proc =
      better(m.protect_proc, j.protect_proc, {"invisible", "ptraceable", "noaccess", "default"});
  m.proc_subset = better(m.proc_subset, j.proc_subset, {"pid", "all"});
  m.device_policy = better(m.device_policy, j.device_policy, {"strict", "closed", "auto"});
  if (!j.root_directory.empty()) m.root_directory = j.root_directory;
  m.namespaces_allowed &= j.namespaces_allowed;

  // Address families: a family passes when both let it.
  auto af_passes = [](const UnitSettings& s, const std::string& af) {
    if (!s.address_families_allow_list && s.address_families.empty()) return true;
    return s.address_families.contains(af) == s.address_families_allow_list;
  };
  if (j.address_families_allow_list || !j.address_families.empty()) {
    if (!m.address_families_allow_list && !j.address_families_allow_list) {
      m.address_families.insert(j.address_families.begin(), j.address_families.end());
    } else {
      std::set<std::string> candidates =
          m.address_families_allow_list ? m.address_families : j.address_families;
      std::set<std::string> allowed;
      for (const auto& af : candidates)
        if (af_passes(m, af) && af_passes(j, af)) allowed.insert(af);
      m.address_families_allow_list = true;
      m.address_families = allowed;
    }
  }

  if (m.syscall_archs.contains("native") && m.syscall_archs.size() == 1) {
  } else if (j.syscall_archs == std::set<std::string>{"native"} || m.syscall_archs.empty()) {
    m.syscall_archs = j.syscall_archs;
  } else if (!j.syscall_archs.empty()) {
    std::set<std::string> both;
    for (const auto& a : m.syscall_archs)
      if (j.syscall_archs.contains(a)) both.insert(a);
    m.syscall_archs = both;
  }

  // System calls: one passes when both filters let it.
  const bool m_filters = m.syscall_allow_list || !m.syscall_filter.empty();
  const bool j_filters = j.syscall_allow_list || !j.syscall_filter.empty();
  if (!m_filters) {
    m.syscall_allow_list = j.syscall_allow_list;
    m.syscall_filter = j.syscall_filter;
  } else if (j_filters) {
    if (!m.syscall_allow_list && !j.syscall_allow_list) {
      m.syscall_filter.insert(j.syscall_filter.begin(), j.syscall_filter.end());
    } else {
      const std::set<std::string>& candidates =
          m.syscall_allow_list ? m.syscall_filter : j.syscall_filter;
      std::set<std::string> allowed;
      for (const auto& n : candidates)
        if (m.syscall_filter.contains(n) == m.syscall_allow_list &&
            j.syscall_filter.contains(n) == j.syscall_allow_list)
          allowed.insert(n);
      m.syscall_allow_list = true;
      m.syscall_filter = std::move(allowed);
    }
  }
  return m;
}

// Settings of the unit that keep jharden from building its sandbox when they apply to it.
std::vector<std::string> setup_refusals(const UnitSettings& r) {
  std::vector<std::string> out;
  const bool privileged = r.user.empty() || r.user == "root" || r.user == "0";
  if (!privileged || r.dynamic_user)
    out.push_back("User=/DynamicUser= (jharden needs root to set up)");
  if (r.private_users) out.push_back("PrivateUsers=");
  std::string caps;
  for (int cap : {CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID, CAP_SETPCAP})
    if (!(r.bounding & bit(cap))) caps += " " + capability_name(cap);
  if (!caps.empty()) out.push_back("CapabilityBoundingSet= without" + caps);
  if (!(r.namespaces_allowed & CLONE_NEWNS)) out.push_back("RestrictNamespaces= without mnt");
  const bool filters = r.syscall_allow_list || !r.syscall_filter.empty();
  std::string calls;
  for (const char* call : {"mount", "unshare", "pivot_root", "umount2", "setns"})
    if (filters && r.syscall_filter.contains(call) != r.syscall_allow_list)
      calls += std::string(calls.empty() ? " " : ", ") + call + "()";
  if (!calls.empty()) out.push_back("SystemCallFilter= refusing" + calls);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Output.

std::string tenths_text(double value) {
  // std::lround(value * 10) for the scores (0 to 10), without it: lround is jharden's only call
  // into libm, which every start would otherwise load (docs/performance.md).
  const double scaled = value * 10;
  long t = static_cast<long>(scaled);
  if (scaled - static_cast<double>(t) >= 0.5) ++t;
  return std::to_string(t / 10) + "." + std::to_string(t % 10);
}

// Terminal columns of a UTF-8 string: one per code point is right for everything printed here.
size_t columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

std::string pad(const std::string& s, size_t width) {
  size_t n = columns(s);
  return n >= width ? s : s + std::string(width - n, ' ');
}

// systemd-analyze has no Landlock item: informational, weight 0, so the score stays systemd's.
AssessmentItem landlock_item(const LandlockPlan& l) {
  AssessmentItem i;
  i.id = "Landlock";
  i.key = "[filesystem] landlock";
  i.weight = 0;
  i.badness = i.unit_badness = l.active() ? 0 : 1;
  i.secure = l.active();
  const std::string abi = "kernel ABI " + (l.abi > 0 ? std::to_string(l.abi) : "none");
  if (l.active())
    i.description = "Landlock (" + abi + "): writes only where the mounts allow them; " +
                    (l.keeps_device_ioctls() ? "device ioctls only on the devices of /dev; " : "") +
                    (l.scope_signals ? "signals only within the sandbox; " : "") +
                    "no /proc root, cwd or mem of processes outside (not scored by systemd)";
  else if (l.mode == LandlockMode::kNo)
    i.description = "landlock = no (" + abi + "): the mounts and capabilities alone";
  else
    i.description = "no Landlock in this kernel: the mounts and capabilities alone";
  return i;
}

}  // namespace

const char* exposure_rating(unsigned tenths) {
  if (tenths >= 100) return "DANGEROUS";
  if (tenths >= 90) return "UNSAFE";
  if (tenths >= 75) return "EXPOSED";
  if (tenths >= 50) return "MEDIUM";
  if (tenths >= 10) return "OK";
  if (tenths >= 1) return "SAFE";
  return "PERFECT";
}

bool host_path_present(const std::string& host_path) {
  struct stat st;
  if (lstat(host_path.c_str(), &st) != 0) return false;
  if (!S_ISDIR(st.st_mode)) return true;
  std::unique_ptr<DIR, DirCloser> dir(opendir(host_path.c_str()));
  // A directory that cannot be listed may hold anything.
  if (!dir) return true;
  while (const dirent* d = readdir(dir.get())) {
    std::string_view name = d->d_name;
    if (name != "." && name != "..") return true;
  }
  return false;
}

namespace {

// systemd's per-row figures, rounded up twice (so the rows may add up to more than the
// total), then the overall exposure in tenths.
unsigned score_rows(std::vector<AssessmentItem>& items) {
  uint64_t weight_sum = 0;
  for (const auto& i : items)
    if (i.applicable) weight_sum += i.weight;
  for (auto& i : items) {
    if (!i.applicable || i.badness == 0) continue;
    uint64_t x =
        div_round_up(div_round_up(uint64_t{i.badness} * i.weight * 100, i.range), weight_sum);
    i.exposure = static_cast<double>(x) / 10.0;
  }
  return exposure_tenths(items, false);
}

}  // namespace

Assessment assess(const Policy& policy, const Plan& plan) {
  return assess(policy, plan, host_path_present);
}

Assessment assess(const Policy& policy, const Plan& plan, const PathPresent& present) {
  const Facts f = gather(policy, plan, present);
  Assessment a;
  a.policy = policy.file;
  a.items = build_items(f);
  a.items.push_back(landlock_item(plan.landlock));
  const unsigned tenths = score_rows(a.items);
  a.exposure = tenths / 10.0;
  a.rating = exposure_rating(tenths);
  a.extras = extras(policy, plan);
  a.equivalent_unit = unit_properties(policy, plan, f);
  a.unit_exposure = exposure_tenths(a.items, true) / 10.0;
  return a;
}

Assessment assess(const Policy& policy, const Plan& plan, const UnitSettings& unit,
                  const ExecCommand* command, const PathPresent& present) {
  const Assessment alone = assess(policy, plan, present);
  const Facts f = gather(policy, plan, present);
  const UnitSettings unit_p = patched(unit);
  const bool privileged = command && command->fully_privileged;
  const bool no_setuid = privileged || (command && command->no_setuid);
  const bool policy_identity = policy.user || policy.group;
  const MountEntry* proc = covering(plan, "/proc", true);
  const bool own_proc = proc && proc->kind == MountKind::kProc;
  const UnitSettings reach =
      reaching(unit_p, command, !no_setuid && !policy_identity, own_proc, plan.umask);
  const bool unit_user = !reach.user.empty() && reach.user != "root" && reach.user != "0";

  UnitSide side;
  for (auto& i : systemd_items(reach)) side.items.emplace(i.id, std::move(i));
  side.overridden = {"UMask=", "AmbientCapabilities="};
  if (own_proc) side.overridden.insert({"ProtectProc=", "ProcSubset="});
  side.identity = unit_user || reach.dynamic_user;
  const UnitSettings reach_p = patched(reach);
  side.bounding = reach_p.bounding;
  side.filters = reach_p.syscall_allow_list || !reach_p.syscall_filter.empty();
  side.allow_list = reach_p.syscall_allow_list;
  side.syscalls = reach_p.syscall_filter;

  Assessment a;
  a.policy = policy.file;
  a.unit = unit.name;
  a.unit_files = unit.files;
  a.items = build_items(f, &side);
  const unsigned tenths = score_rows(a.items);
  a.exposure = tenths / 10.0;
  a.rating = exposure_rating(tenths);
  a.extras = alone.extras;
  a.policy_alone_exposure = alone.exposure;
  a.unit_alone_exposure = unit_tenths(systemd_items(unit)) / 10.0;

  // The unit carrying both as directives: what systemd-analyze would say of it.
  Diagnostics ignored;
  UnitSettings equivalent = parse_unit_files(
      unit.name, {{"(equivalent unit)", "[Service]\n" + unit_properties(policy, plan, f)}},
      ignored);
  UnitSettings both = merge(reach, equivalent, side.identity);
  a.equivalent_unit = unit_settings_text(both);
  std::vector<UnitItem> predicted = systemd_items(both);
  a.unit_exposure = unit_tenths(predicted) / 10.0;
  for (auto& i : a.items)
    for (const auto& p : predicted)
      if (p.id == i.id) i.unit_badness = p.applicable ? p.badness : 0;

  if (command) {
    a.exec_start = "ExecStart=" + command->line + " (" + command->origin.str() + ")";
    a.fully_privileged = privileged;
  } else {
    a.notes.push_back("no ExecStart= of " + unit.name +
                      " runs jharden: scored as if jharden replaced its command, without prefix");
  }
  // What the unit asks for that does not reach the daemon.
  std::vector<std::string> lost;
  std::map<std::string, unsigned> stock;
  for (const auto& s : systemd_items(UnitSettings{})) stock[s.id] = s.badness;
  for (const auto& w : systemd_items(unit)) {
    auto r = side.items.find(w.id);
    unsigned reached = side.overridden.contains(w.id) ? w.range : r->second.badness;
    if (!w.applicable || w.badness >= reached || w.badness >= stock[w.id]) continue;
    // The setting, not each of its items: "CapabilityBoundingSet=~CAP_KILL" is
    // CapabilityBoundingSet=.
    std::string setting = w.id.substr(0, w.id.find('=') + 1);
    add_once(lost, setting);
  }
  if (privileged)
    a.notes.push_back(
        "ExecStart=+: systemd applies none of the unit's sandboxing, credentials or system call "
        "filters to jharden and the daemon; only control-group settings (DevicePolicy=, "
        "DeviceAllow=, IPAddressDeny=, IPAddressAllow=, Delegate=), NotifyAccess=, KeyringMode=, "
        "PrivateNetwork=, PrivateIPC= and RootDirectory= hold");
  else if (no_setuid)
    a.notes.push_back(
        "ExecStart=!: the unit's User=, Group= and SupplementaryGroups= do not apply");
  if (policy_identity && !no_setuid && !unit_p.user.empty())
    a.notes.push_back("the daemon runs as the policy's user, not as the unit's User=" +
                      unit_p.user);
  if (!lost.empty()) {
    std::string l;
    for (const auto& id : lost) l += (l.empty() ? "" : " ") + id;
    a.notes.push_back(
        "set in the unit but not reaching the daemon (jharden sets its own, or the "
        "prefix skips them): " +
        l);
  }
  if (command && !privileged) {
    std::vector<std::string> refusals = setup_refusals(reach_p);
    if (no_setuid) std::erase_if(refusals, [](const auto& r) { return r.starts_with("User="); });
    if (!refusals.empty()) {
      std::string l;
      for (const auto& r : refusals) l += (l.empty() ? "" : ", ") + r;
      a.notes.push_back("these settings of the unit keep jharden from building its sandbox: " + l +
                        "; start it with ExecStart=+ (jharden then applies its own policy)");
    }
  }
  return a;
}

std::string equivalent_unit_properties(const Policy& policy, const Plan& plan) {
  return equivalent_unit_properties(policy, plan, host_path_present);
}

std::string equivalent_unit_properties(const Policy& policy, const Plan& plan,
                                       const PathPresent& present) {
  return unit_properties(policy, plan, gather(policy, plan, present));
}

nlohmann::json assessment_to_json(const Assessment& a) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : a.items) {
    nlohmann::json j = {{"id", i.id},
                        {"key", i.key},
                        {"description", i.description},
                        {"applicable", i.applicable},
                        {"secure", i.secure},
                        {"weight", i.weight},
                        {"range", i.range},
                        {"badness", i.applicable ? nlohmann::json(i.badness) : nullptr},
                        {"exposure", i.exposure}};
    if (i.unit_badness != i.badness) j["unit_badness"] = i.unit_badness;
    if (!a.unit.empty()) j["provider"] = i.provider.empty() ? nullptr : nlohmann::json(i.provider);
    items.push_back(std::move(j));
  }
  nlohmann::json out = {{"policy", a.policy},
                        {"items", std::move(items)},
                        {"exposure", a.exposure},
                        {"rating", a.rating},
                        {"extras", a.extras},
                        {"equivalent_unit", a.equivalent_unit},
                        {"equivalent_unit_exposure", a.unit_exposure}};
  if (!a.unit.empty()) {
    out["unit"] = {{"name", a.unit},
                   {"files", a.unit_files},
                   {"exec_start", a.exec_start.empty() ? nullptr : nlohmann::json(a.exec_start)},
                   {"fully_privileged", a.fully_privileged}};
    out["policy_alone_exposure"] = a.policy_alone_exposure;
    out["unit_alone_exposure"] = a.unit_alone_exposure;
    out["notes"] = a.notes;
  }
  return out;
}

std::string assessment_to_text(const Assessment& a) {
  const bool unit = !a.unit.empty();
  size_t w_id = columns("NAME"), w_key = columns("JHARDEN KEY"), w_desc = columns("DESCRIPTION");
  size_t w_by = columns("PROVIDED BY");
  for (const auto& i : a.items) {
    w_id = std::max(w_id, columns(i.id));
    w_key = std::max(w_key, columns(i.key));
    w_desc = std::max(w_desc, columns(i.description));
  }
  std::string out = "  " + pad("NAME", w_id) + "  " + pad("JHARDEN KEY", w_key) + "  " +
                    (unit ? pad("PROVIDED BY", w_by) + "  " : "") + pad("DESCRIPTION", w_desc) +
                    "  EXPOSURE\n";
  for (const auto& i : a.items) {
    const char* mark = !i.applicable ? " " : i.secure ? "✓" : "✗";
    std::string row = std::string(mark) + " " + pad(i.id, w_id) + "  " + pad(i.key, w_key) + "  " +
                      (unit ? pad(i.provider, w_by) + "  " : "") + pad(i.description, w_desc);
    if (i.applicable && i.badness != 0) {
      std::string x = tenths_text(i.exposure);
      row += "  " + std::string(columns("EXPOSURE") - x.size(), ' ') + x;
    }
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out += row + "\n";
  }
  if (unit) {
    out += "\n→ Overall exposure level for " + a.unit + " with " + a.policy + ": " +
           tenths_text(a.exposure) + " " + a.rating + "\n";
    out += "  (the policy alone: " + tenths_text(a.policy_alone_exposure) + ", " + a.unit +
           " alone as systemd-analyze security scores it: " + tenths_text(a.unit_alone_exposure) +
           ")\n";
    out += "  unit files: ";
    for (size_t k = 0; k < a.unit_files.size(); ++k) out += (k ? ", " : "") + a.unit_files[k];
    out += "\n";
    if (!a.exec_start.empty()) out += "  jharden runs from " + a.exec_start + "\n";
    for (const auto& n : a.notes) out += "  note: " + n + "\n";
  } else {
    out += "\n→ Overall exposure level for " + a.policy + ": " + tenths_text(a.exposure) + " " +
           a.rating + "\n";
  }
  if (!unit && a.unit_exposure != a.exposure) {
    std::vector<std::string> differing;
    for (const auto& i : a.items)
      if (i.unit_badness != i.badness) differing.push_back(i.id);
    out += "  (systemd-analyze security gives the equivalent unit " + tenths_text(a.unit_exposure) +
           ": there the settings also cover " + join(differing, ", ") + ")\n";
  }
  out += "\njharden-only protections (not counted by systemd's score):\n";
  for (const auto& e : a.extras) out += "  - " + e + "\n";
  return out;
}

}  // namespace jharden
