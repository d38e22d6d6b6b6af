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

std::string join(const std::vector<std::string>& words, const char* sep = " ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

// ---------------------------------------------------------------------------------------------
// What the sandbox sees at a path.

bool establishes(MountKind k) { return k != MountKind::kReadOnly && k != MountKind::kReadWrite; }

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

// The first syscall of `group` that the filter lets through, as systemd's assessor finds it:
// calls this architecture does not have are skipped.
std::string first_allowed(const Facts& f, const char* group) {
  for (const auto& name : expand_syscall_group(*find_syscall_group(group))) {
    if (seccomp_syscall_resolve_name(name.c_str()) < 0) continue;
    if (!f.filters || f.rules.contains(name) == f.allow_list) return name;
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

Facts gather(const Policy& policy, const Plan& plan, const PathPresent& present) {
  Facts f;
  const std::string user = policy.user ? policy.user->value : "";
  // systemd judges User= by name; the resolved uid catches "root" under another name.
  f.root = user.empty() || user == "root" || user == "0" ||
           (plan.identity.change && plan.identity.uid == 0);
  // 65534, the kernel's overflow uid, is nobody's on Debian and most other distributions.
  f.nobody = !f.root && (user == "nobody" || (plan.identity.change && plan.identity.uid == 65534));
  if (policy.supplementary_groups) {
    f.supplementary = policy.supplementary_groups->value;
  } else {
    for (gid_t g : plan.identity.groups) f.supplementary.push_back(std::to_string(g));
  }

  f.bounding = 0;
  for (int c : plan.caps.bounding)
    if (c < 64) f.bounding |= bit(c);
  // Keeping every capability the kernel knows is keeping them all, future ones included.
  if (plan.caps.dropped.empty()) f.bounding = ~uint64_t{0};
  auto dropped = [&](int cap) { return (f.bounding & bit(cap)) == 0; };

  // With action = log nothing is refused: the filter only reports.
  const bool enforcing = plan.seccomp.enabled && plan.seccomp.action != SeccompAction::kLog;
  f.filters = enforcing && (plan.seccomp.allow_list || !plan.seccomp.syscalls.empty());
  f.allow_list = plan.seccomp.allow_list;
  f.rules.insert(plan.seccomp.syscalls.begin(), plan.seccomp.syscalls.end());
  for (const auto& g : kScoredGroups) f.offender[g.name] = first_allowed(f, g.name);
  f.native_only = plan.seccomp.native_only;

  const MountEntry* dev = covering(plan, "/dev", true);
  if (!dev || dev->kind != MountKind::kPrivateDev)
    f.private_devices_missing.push_back("no private /dev");
  // Without these the daemon could create a disk's device node, or reach the hardware
  // through I/O ports, whatever /dev holds.
  if (!dropped(CAP_MKNOD)) f.private_devices_missing.push_back("CAP_MKNOD kept");
  if (!dropped(CAP_SYS_RAWIO)) f.private_devices_missing.push_back("CAP_SYS_RAWIO kept");
  f.private_devices = f.private_devices_missing.empty();

  auto hidden = [&](const std::string& p) { return view(plan, p).source != Source::kHost; };
  auto read_only = [&](const std::string& p) { return !view(plan, p).writable; };
  f.private_tmp = hidden("/tmp") && hidden("/var/tmp");
  f.private_network = plan.ns_net;
  f.private_users = plan.ns_user;
  // A cgroup namespace's own read-only hierarchy, or the host's made read-only.
  f.protect_control_groups = read_only("/sys/fs/cgroup");
  f.protect_kernel_tunables =
      read_only("/proc/sys") && read_only("/proc/sysrq-trigger") && read_only("/sys");

  if (!dropped(CAP_SYS_MODULE)) f.protect_kernel_modules_missing.push_back("CAP_SYS_MODULE kept");
  if (!f.offender["@module"].empty())
    f.protect_kernel_modules_missing.push_back("@module not denied");
  f.protect_kernel_modules = f.protect_kernel_modules_missing.empty();

  // A fresh procfs has a live /proc/kmsg: only a mask or no access hides it.
  Source kmsg = view(plan, "/proc/kmsg").source;
  if (kmsg != Source::kMasked && kmsg != Source::kInaccessible)
    f.protect_kernel_logs_missing.push_back("/proc/kmsg readable");
  if (!hidden("/dev/kmsg")) f.protect_kernel_logs_missing.push_back("/dev/kmsg reachable");
  if (!dropped(CAP_SYSLOG)) f.protect_kernel_logs_missing.push_back("CAP_SYSLOG kept");
  f.protect_kernel_logs = f.protect_kernel_logs_missing.empty();

  // Setting the RTC (RTC_SET_TIME) needs CAP_SYS_TIME too, so /dev/rtc is covered as well.
  if (!dropped(CAP_SYS_TIME)) f.protect_clock_missing.push_back("CAP_SYS_TIME kept");
  if (!f.offender["@clock"].empty()) f.protect_clock_missing.push_back("@clock not denied");
  f.protect_clock = f.protect_clock_missing.empty();

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
  if (read_only("/")) {
    f.protect_system = 0;
  } else {
    f.protect_system_writable = os_writable({"/usr", "/boot", "/efi"});
    if (f.protect_system_writable.empty()) {
      f.protect_system_writable = os_writable({"/etc"});
      f.protect_system = f.protect_system_writable.empty() ? 3 : 5;
    }
  }

  f.protect_hostname = plan.ns_uts;
  f.root_directory = plan.root != "/";
  // Denying personality() altogether is stronger than LockPersonality=.
  f.lock_personality = (enforcing && plan.seccomp.lock_personality) || f.denied("personality");
  // PR_SET_MDWE is the kernel's and holds whatever the filter's action.
  f.memory_deny_write_execute = plan.seccomp.write_execute == WriteExecute::kPrctl ||
                                (enforcing && plan.seccomp.write_execute == WriteExecute::kSeccomp);
  // As systemd's get_security_info() for an allow list: a class is restricted unless one of
  // its families is listed.
  if (enforcing && plan.seccomp.address_families) {
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
  f.restrict_realtime = (enforcing && plan.seccomp.restrict_realtime) ||
                        (f.denied("sched_setscheduler") && f.denied("sched_setattr"));
  f.restrict_suid_sgid = enforcing && plan.seccomp.restrict_suid_sgid;
  if (enforcing) f.namespaces_restricted = all_namespace_flags() & ~plan.seccomp.namespaces_allowed;
  f.ambient = !plan.caps.ambient.empty();
  return f;
}

// ---------------------------------------------------------------------------------------------
// A unit's own settings, scored by systemd's assessors (analyze-security.c), item for item.

// The capability items, with systemd's parameters (security_assessor_table).
struct CapabilityItem {
  const char* id;
  unsigned weight;
  uint64_t caps;
  const char* good;
  const char* bad;
};
const CapabilityItem kCapabilityItems[] = {
    {"CapabilityBoundingSet=~CAP_SYS_ADMIN", 1500, bit(CAP_SYS_ADMIN),
     "Service has no administrator privileges", "Service has administrator privileges"},
    {"CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)", 1500,
     bit(CAP_SETUID) | bit(CAP_SETGID) | bit(CAP_SETPCAP),
     "Service cannot change UID/GID identities/capabilities",
     "Service may change UID/GID identities/capabilities"},
    {"CapabilityBoundingSet=~CAP_SYS_PTRACE", 1500, bit(CAP_SYS_PTRACE),
     "Service has no ptrace() debugging abilities", "Service has ptrace() debugging abilities"},
    {"CapabilityBoundingSet=~CAP_SYS_TIME", 1000, bit(CAP_SYS_TIME),
     "Service processes cannot change the system clock",
     "Service processes may change the system clock"},
    {"CapabilityBoundingSet=~CAP_NET_ADMIN", 1000, bit(CAP_NET_ADMIN),
     "Service has no network configuration privileges",
     "Service has network configuration privileges"},
    {"CapabilityBoundingSet=~CAP_SYS_RAWIO", 1000, bit(CAP_SYS_RAWIO),
     "Service has no raw I/O access", "Service has raw I/O access"},
    {"CapabilityBoundingSet=~CAP_SYS_MODULE", 1000, bit(CAP_SYS_MODULE),
     "Service cannot load kernel modules", "Service may load kernel modules"},
    {"CapabilityBoundingSet=~CAP_AUDIT_*", 500,
     bit(CAP_AUDIT_CONTROL) | bit(CAP_AUDIT_READ) | bit(CAP_AUDIT_WRITE),
     "Service has no audit subsystem access", "Service has audit subsystem access"},
    {"CapabilityBoundingSet=~CAP_SYSLOG", 500, bit(CAP_SYSLOG),
     "Service has no access to kernel logging", "Service has access to kernel logging"},
    {"CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)", 500,
     bit(CAP_SYS_NICE) | bit(CAP_SYS_RESOURCE),
     "Service has no privileges to change resource use parameters",
     "Service has privileges to change resource use parameters"},
    {"CapabilityBoundingSet=~CAP_MKNOD", 500, bit(CAP_MKNOD), "Service cannot create device nodes",
     "Service may create device nodes"},
    {"CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)", 1000,
     bit(CAP_CHOWN) | bit(CAP_FSETID) | bit(CAP_SETFCAP),
     "Service cannot change file ownership/access mode/capabilities",
     "Service may change file ownership/access mode/capabilities unrestricted"},
    {"CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)", 1000,
     bit(CAP_DAC_OVERRIDE) | bit(CAP_DAC_READ_SEARCH) | bit(CAP_FOWNER) | bit(CAP_IPC_OWNER),
     "Service cannot override UNIX file/IPC permission checks",
     "Service may override UNIX file/IPC permission checks"},
    {"CapabilityBoundingSet=~CAP_KILL", 500, bit(CAP_KILL),
     "Service cannot send UNIX signals to arbitrary processes",
     "Service may send UNIX signals to arbitrary processes"},
    {"CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", 500,
     bit(CAP_NET_BIND_SERVICE) | bit(CAP_NET_BROADCAST) | bit(CAP_NET_RAW),
     "Service has no elevated networking privileges", "Service has elevated networking privileges"},
    {"CapabilityBoundingSet=~CAP_SYS_BOOT", 100, bit(CAP_SYS_BOOT), "Service cannot issue reboot()",
     "Service may issue reboot()"},
    {"CapabilityBoundingSet=~CAP_MAC_*", 100, bit(CAP_MAC_ADMIN) | bit(CAP_MAC_OVERRIDE),
     "Service cannot adjust SMACK MAC", "Service may adjust SMACK MAC"},
    {"CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE", 75, bit(CAP_LINUX_IMMUTABLE),
     "Service cannot mark files immutable", "Service may mark files immutable"},
    {"CapabilityBoundingSet=~CAP_IPC_LOCK", 50, bit(CAP_IPC_LOCK),
     "Service cannot lock memory into RAM", "Service may lock memory into RAM"},
    {"CapabilityBoundingSet=~CAP_SYS_CHROOT", 50, bit(CAP_SYS_CHROOT),
     "Service cannot issue chroot()", "Service may issue chroot()"},
    {"CapabilityBoundingSet=~CAP_BLOCK_SUSPEND", 25, bit(CAP_BLOCK_SUSPEND),
     "Service cannot establish wake locks", "Service may establish wake locks"},
    {"CapabilityBoundingSet=~CAP_WAKE_ALARM", 25, bit(CAP_WAKE_ALARM),
     "Service cannot program timers that wake up the system",
     "Service may program timers that wake up the system"},
    {"CapabilityBoundingSet=~CAP_LEASE", 25, bit(CAP_LEASE), "Service cannot create file leases",
     "Service may create file leases"},
    {"CapabilityBoundingSet=~CAP_SYS_TTY_CONFIG", 25, bit(CAP_SYS_TTY_CONFIG),
     "Service cannot issue vhangup()", "Service may issue vhangup()"},
    {"CapabilityBoundingSet=~CAP_SYS_PACCT", 25, bit(CAP_SYS_PACCT), "Service cannot use acct()",
     "Service may use acct()"},
    {"CapabilityBoundingSet=~CAP_BPF", 25, bit(CAP_BPF), "Service cannot load BPF programs",
     "Service may load BPF programs"},
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

std::vector<UnitItem> systemd_items(const UnitSettings& unit) {
  const UnitSettings u = patched(unit);
  std::vector<UnitItem> out;
  auto add = [&](std::string id, unsigned weight, unsigned range, unsigned badness,
                 std::string description) {
    out.push_back({std::move(id), weight, range, true, badness, std::move(description)});
  };
  auto flag = [&](std::string id, unsigned weight, bool good, const char* good_text,
                  const char* bad_text) {
    add(std::move(id), weight, 1, good ? 0 : 1, good ? good_text : bad_text);
  };
  auto not_applicable = [&](std::string id, unsigned weight, std::string why) {
    out.push_back({std::move(id), weight, 1, false, 0, std::move(why)});
  };
  const bool privileged = u.user == "root" || u.user == "0" || (!u.dynamic_user && u.user.empty());
  const char* boot_phase = "Service runs in special boot phase, option is not appropriate";
  // Items systemd skips for units without default dependencies (early-boot services).
  auto boot_item = [&](std::string id, unsigned weight, unsigned range, unsigned badness,
                       std::string description) {
    if (!u.default_dependencies)
      not_applicable(std::move(id), weight, boot_phase);
    else
      add(std::move(id), weight, range, badness, std::move(description));
  };

  if (u.user == "nobody")
    add("User=/DynamicUser=", 2000, 10, 9,
        "Service runs as the 'nobody' user, which should not be used for services");
  else if (u.dynamic_user && u.user != "0" && u.user != "root")
    add("User=/DynamicUser=", 2000, 10, 0, "Service runs under a transient non-root user identity");
  else if (!privileged)
    add("User=/DynamicUser=", 2000, 10, 0, "Service runs under a static non-root user identity");
  else
    add("User=/DynamicUser=", 2000, 10, 10, "Service runs as root user");
  if (privileged)
    not_applicable("SupplementaryGroups=", 200, "Service runs as root, option does not matter");
  else
    flag("SupplementaryGroups=", 200, u.supplementary_groups.empty(),
         "Service has no supplementary groups", "Service runs with supplementary groups");
  flag("PrivateDevices=", 1000, u.private_devices, "Service has no access to hardware devices",
       "Service potentially has access to hardware devices");
  flag("PrivateMounts=", 1000, u.private_mounts, "Service cannot install system mounts",
       "Service may install system mounts");
  flag("PrivateNetwork=", 2500, u.private_network, "Service has no access to the host's network",
       "Service has access to the host's network");
  boot_item("PrivateTmp=", 1000, 1, u.private_tmp ? 0 : 1,
            u.private_tmp ? "Service has no access to other software's temporary files"
                          : "Service has access to other software's temporary files");
  flag("PrivateUsers=", 1000, u.private_users, "Service does not have access to other users",
       "Service has access to other users");
  flag("ProtectControlGroups=", 1000, u.protect_control_groups,
       "Service cannot modify the control group file system",
       "Service may modify the control group file system");
  flag("ProtectKernelModules=", 1000, u.protect_kernel_modules,
       "Service cannot load or read kernel modules", "Service may load or read kernel modules");
  flag("ProtectKernelTunables=", 1000, u.protect_kernel_tunables,
       "Service cannot alter kernel tunables (/proc/sys, …)", "Service may alter kernel tunables");
  flag("ProtectKernelLogs=", 1000, u.protect_kernel_logs,
       "Service cannot read from or write to the kernel log ring buffer",
       "Service may read from or write to the kernel log ring buffer");
  flag("ProtectClock=", 1000, u.protect_clock,
       "Service cannot write to the hardware clock or system clock",
       "Service may write to the hardware clock or system clock");
  {
    auto [b, d] = u.protect_home == "yes"
                      ? std::pair{0u, "Service has no access to home directories"}
                  : u.protect_home == "tmpfs"
                      ? std::pair{1u, "Service has access to fake empty home directories"}
                  : u.protect_home == "read-only"
                      ? std::pair{5u, "Service has read-only access to home directories"}
                      : std::pair{10u, "Service has full access to home directories"};
    boot_item("ProtectHome=", 1000, 10, b, d);
  }
  flag("ProtectHostname=", 50, u.protect_hostname, "Service cannot change system host/domainname",
       "Service may change system host/domainname");
  {
    auto [b, d] =
        u.protect_system == "strict"
            ? std::pair{0u, "Service has strict read-only access to the OS file hierarchy"}
        : u.protect_system == "full"
            ? std::pair{3u, "Service has very limited write access to the OS file hierarchy"}
        : u.protect_system == "yes"
            ? std::pair{5u, "Service has limited write access to the OS file hierarchy"}
            : std::pair{10u, "Service has full access to the OS file hierarchy"};
    boot_item("ProtectSystem=", 1000, 10, b, d);
  }
  bool own_root = (!u.root_directory.empty() && u.root_directory != "/") ||
                  (!u.root_image.empty() && u.root_image != "/");
  boot_item("RootDirectory=/RootImage=", 200, 1, own_root ? 0 : 1,
            own_root ? "Service has its own root directory/image"
                     : "Service runs within the host's root directory");
  flag("LockPersonality=", 100, u.lock_personality, "Service cannot change ABI personality",
       "Service may change ABI personality");
  flag("MemoryDenyWriteExecute=", 100, u.memory_deny_write_execute,
       "Service cannot create writable executable memory mappings",
       "Service may create writable executable memory mappings");
  flag("NoNewPrivileges=", 1000, u.no_new_privileges,
       "Service processes cannot acquire new privileges",
       "Service processes may acquire new privileges");
  for (const auto& c : kCapabilityItems)
    flag(c.id, c.weight, (u.bounding & c.caps) == 0, c.good, c.bad);

  auto [umask_badness, umask_text] = umask_grade(u.umask);
  add("UMask=", 100, 10, umask_badness, umask_text);
  flag("KeyringMode=", 1000, u.keyring_mode == "private",
       "Service doesn't share key material with other services",
       "Service shares key material with other service");
  unsigned proc = u.protect_proc == "noaccess"                                      ? 1
                  : u.protect_proc == "invisible" || u.protect_proc == "ptraceable" ? 0
                                                                                    : 3;
  add("ProtectProc=", 1000, 3, proc,
      proc == 3 ? "Service has full access to process tree (/proc hidepid=)"
                : "Service has restricted access to process tree (/proc hidepid=)");
  flag("ProcSubset=", 10, u.proc_subset == "pid",
       "Service has no access to non-process /proc files (/proc subset=)",
       "Service has full access to non-process /proc files (/proc subset=)");
  flag("NotifyAccess=", 1000, u.notify_access != "all",
       "Service child processes cannot alter service state",
       "Service child processes may alter service state");
  if (privileged)
    not_applicable("RemoveIPC=", 100, "Service runs as root, option does not apply");
  else
    flag("RemoveIPC=", 100, u.remove_ipc, "Service user cannot leave SysV IPC objects around",
         "Service user may leave SysV IPC objects around");
  flag("Delegate=", 100, !u.delegate,
       "Service does not maintain its own delegated control group subtree",
       "Service maintains its own delegated control group subtree");
  flag("RestrictRealtime=", 500, u.restrict_realtime,
       "Service realtime scheduling access is restricted",
       "Service may acquire realtime scheduling");
  flag("RestrictSUIDSGID=", 1000, u.restrict_suid_sgid,
       "SUID/SGID file creation by service is restricted", "Service may create SUID/SGID files");
  for (auto [ns, flag_bit, weight, what] : {std::tuple{"user", CLONE_NEWUSER, 1500u, "user"},
                                            {"mnt", CLONE_NEWNS, 500u, "file system"},
                                            {"ipc", CLONE_NEWIPC, 500u, "IPC"},
                                            {"pid", CLONE_NEWPID, 500u, "process"},
                                            {"cgroup", CLONE_NEWCGROUP, 500u, "cgroup"},
                                            {"net", CLONE_NEWNET, 500u, "network"},
                                            {"uts", CLONE_NEWUTS, 100u, "hostname"}}) {
    bool good = (u.namespaces_allowed & static_cast<uint64_t>(flag_bit)) == 0;
    add(std::string("RestrictNamespaces=~") + ns, weight, 1, good ? 0 : 1,
        std::string(good ? "Service cannot create " : "Service may create ") + what +
            " namespaces");
  }
  // get_security_info(): with an allow list every family starts restricted, and a listed one
  // is not; with a deny list the other way round.
  bool inet = u.address_families_allow_list, unix_ = inet, netlink = inet, packet = inet,
       other = inet;
  for (const auto& af : u.address_families) {
    bool restricted = !u.address_families_allow_list;
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
  flag("RestrictAddressFamilies=~AF_(INET|INET6)", 1500, inet,
       "Service cannot allocate Internet sockets", "Service may allocate Internet sockets");
  flag("RestrictAddressFamilies=~AF_UNIX", 25, unix_, "Service cannot allocate local sockets",
       "Service may allocate local sockets");
  flag("RestrictAddressFamilies=~AF_NETLINK", 200, netlink,
       "Service cannot allocate netlink sockets", "Service may allocate netlink sockets");
  flag("RestrictAddressFamilies=~AF_PACKET", 1000, packet, "Service cannot allocate packet sockets",
       "Service may allocate packet sockets");
  flag("RestrictAddressFamilies=~…", 1250, other, "Service cannot allocate exotic sockets",
       "Service may allocate exotic sockets");
  if (u.syscall_archs.empty())
    add("SystemCallArchitectures=", 1000, 10, 10, "Service may execute system calls with all ABIs");
  else if (u.syscall_archs == std::set<std::string>{"native"})
    add("SystemCallArchitectures=", 1000, 10, 0,
        "Service may execute system calls only with native ABI");
  else
    add("SystemCallArchitectures=", 1000, 10, 8,
        "Service may execute system calls with multiple ABIs");
  const bool filters = u.syscall_allow_list || !u.syscall_filter.empty();
  for (const auto& group : kScoredGroups) {
    const std::string g = group.name;
    std::string offender =
        first_passing(group.name, filters, u.syscall_allow_list, u.syscall_filter);
    auto [b, d] = filter_item(g, filters, u.syscall_allow_list, offender);
    add("SystemCallFilter=~" + g, group.weight, 10, b, d);
  }
  {
    bool deny_v4 = false, deny_v6 = false, localhost = false, others = false;
    for (const auto& p : u.ip_address_deny) {
      if (p == "any" || p == "0.0.0.0/0") deny_v4 = true;
      if (p == "any" || p == "::/0") deny_v6 = true;
    }
    for (const auto& p : u.ip_address_allow) (is_localhost(p) ? localhost : others) = true;
    auto [b, d] =
        !u.ip_ingress_filter.empty() || !u.ip_egress_filter.empty()
            ? std::pair{0u, "Service defines custom ingress/egress IP filters with BPF programs"}
        : !(deny_v4 && deny_v6) ? std::pair{10u, "Service does not define an IP address allow list"}
        : others ? std::pair{5u, "Service defines IP address allow list with non-localhost entries"}
        : localhost
            ? std::pair{2u, "Service defines IP address allow list with only localhost entries"}
            : std::pair{0u, "Service blocks all IP address ranges"};
    add("IPAddressDeny=", 1000, 10, b, d);
  }
  if (u.device_policy == "closed" || u.device_policy == "strict") {
    if (u.device_allow.empty()) {
      add("DeviceAllow=", 1000, 10, 0, "Service has a minimal device ACL");
    } else {
      std::string list;
      for (const auto& d : u.device_allow) list += (list.empty() ? "" : ", ") + d;
      add("DeviceAllow=", 1000, 10, 5,
          "Service has a device ACL with some special devices: " + list);
    }
  } else {
    add("DeviceAllow=", 1000, 10, 10, "Service has no device ACL");
  }
  flag("AmbientCapabilities=", 500, u.ambient == 0,
       "Service process does not receive ambient capabilities",
       "Service process receives ambient capabilities");
  return out;
}

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
  void capability(std::string id, unsigned weight, uint64_t caps, std::string good_text,
                  std::string bad_text) {
    bool kept = (f_.bounding & caps) != 0;
    flag(std::move(id), "[capabilities] drop, keep", weight, !kept, std::move(good_text),
         std::move(bad_text));
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
      if (i.id != c.id) continue;
      bc = (f_.bounding & u.bounding & c.caps) ? 1 : 0;
      if (bc == 0) i.description = c.good;
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

std::vector<AssessmentItem> build_items(const Facts& f, const UnitSide* unit = nullptr) {
  Items it(f, unit);
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
    it.flag("SupplementaryGroups=", "[service] supplementary_groups", 200, f.supplementary.empty(),
            "Service has no supplementary groups", "Service runs with supplementary groups");

  it.flag("PrivateDevices=", "[filesystem] private_dev, [capabilities] drop", 1000,
          f.private_devices, "Service has no access to hardware devices",
          "Service potentially has access to hardware devices", f.private_devices_missing);
  it.add("PrivateMounts=", "(always: own mount namespace)", 1000, 1, 0,
         "Service cannot install system mounts");
  it.flag("PrivateNetwork=", "[namespaces] net", 2500, f.private_network,
          "Service has no access to the host's network",
          "Service has access to the host's network");
  it.flag("PrivateTmp=", "[filesystem] private_tmp", 1000, f.private_tmp,
          "Service has no access to other software's temporary files",
          "Service has access to other software's temporary files");
  it.flag("PrivateUsers=", "[namespaces] user", 1000, f.private_users,
          "Service does not have access to other users", "Service has access to other users");
  it.flag("ProtectControlGroups=", "[filesystem] protect_kernel, [namespaces] cgroup", 1000,
          f.protect_control_groups, "Service cannot modify the control group file system",
          "Service may modify the control group file system");
  it.flag("ProtectKernelModules=", "[capabilities] drop, [seccomp] deny", 1000,
          f.protect_kernel_modules, "Service cannot load or read kernel modules",
          "Service may load or read kernel modules", f.protect_kernel_modules_missing);
  it.flag("ProtectKernelTunables=", "[filesystem] protect_kernel", 1000, f.protect_kernel_tunables,
          "Service cannot alter kernel tunables (/proc/sys, …)",
          "Service may alter kernel tunables");
  it.flag("ProtectKernelLogs=", "[filesystem] protect_kernel, [capabilities] drop", 1000,
          f.protect_kernel_logs, "Service cannot read from or write to the kernel log ring buffer",
          "Service may read from or write to the kernel log ring buffer",
          f.protect_kernel_logs_missing);
  it.flag("ProtectClock=", "[capabilities] drop, [seccomp] deny", 1000, f.protect_clock,
          "Service cannot write to the hardware clock or system clock",
          "Service may write to the hardware clock or system clock", f.protect_clock_missing);

  const char* home = f.protect_home == 0   ? "Service has no access to home directories"
                     : f.protect_home == 1 ? "Service has access to fake empty home directories"
                     : f.protect_home == 5 ? "Service has read-only access to home directories"
                                           : "Service has full access to home directories";
  std::string home_text = home;
  if (!f.protect_home_worst.empty()) home_text += " (" + join(f.protect_home_worst) + ")";
  it.add("ProtectHome=", "[filesystem] inaccessible, read_only", 1000, 10, f.protect_home,
         home_text);
  it.flag("ProtectHostname=", "[namespaces] uts", 50, f.protect_hostname,
          "Service cannot change system host/domainname",
          "Service may change system host/domainname");
  const char* system =
      f.protect_system == 0   ? "Service has strict read-only access to the OS file hierarchy"
      : f.protect_system == 3 ? "Service has very limited write access to the OS file hierarchy"
      : f.protect_system == 5 ? "Service has limited write access to the OS file hierarchy"
                              : "Service has full access to the OS file hierarchy";
  std::string system_text = system;
  if (!f.protect_system_writable.empty())
    system_text += " (" + join(f.protect_system_writable) + " writable)";
  it.add("ProtectSystem=", "[filesystem] read_only", 1000, 10, f.protect_system, system_text);
  it.flag("RootDirectory=/RootImage=", "[filesystem] root", 200, f.root_directory,
          "Service has its own root directory/image",
          "Service runs within the host's root directory");
  it.flag("LockPersonality=", "[seccomp] lock_personality", 100, f.lock_personality,
          "Service cannot change ABI personality", "Service may change ABI personality");
  it.flag("MemoryDenyWriteExecute=", "[seccomp] memory_deny_write_execute", 100,
          f.memory_deny_write_execute, "Service cannot create writable executable memory mappings",
          "Service may create writable executable memory mappings");
  it.flag("NoNewPrivileges=", "[capabilities] no_new_privileges", 1000, f.no_new_privileges,
          "Service processes cannot acquire new privileges",
          "Service processes may acquire new privileges");

  it.capability("CapabilityBoundingSet=~CAP_SYS_ADMIN", 1500, bit(CAP_SYS_ADMIN),
                "Service has no administrator privileges", "Service has administrator privileges");
  it.capability("CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)", 1500,
                bit(CAP_SETUID) | bit(CAP_SETGID) | bit(CAP_SETPCAP),
                "Service cannot change UID/GID identities/capabilities",
                "Service may change UID/GID identities/capabilities");
  it.capability("CapabilityBoundingSet=~CAP_SYS_PTRACE", 1500, bit(CAP_SYS_PTRACE),
                "Service has no ptrace() debugging abilities",
                "Service has ptrace() debugging abilities");
  it.capability("CapabilityBoundingSet=~CAP_SYS_TIME", 1000, bit(CAP_SYS_TIME),
                "Service processes cannot change the system clock",
                "Service processes may change the system clock");
  it.capability("CapabilityBoundingSet=~CAP_NET_ADMIN", 1000, bit(CAP_NET_ADMIN),
                "Service has no network configuration privileges",
                "Service has network configuration privileges");
  it.capability("CapabilityBoundingSet=~CAP_SYS_RAWIO", 1000, bit(CAP_SYS_RAWIO),
                "Service has no raw I/O access", "Service has raw I/O access");
  it.capability("CapabilityBoundingSet=~CAP_SYS_MODULE", 1000, bit(CAP_SYS_MODULE),
                "Service cannot load kernel modules", "Service may load kernel modules");
  it.capability("CapabilityBoundingSet=~CAP_AUDIT_*", 500,
                bit(CAP_AUDIT_CONTROL) | bit(CAP_AUDIT_READ) | bit(CAP_AUDIT_WRITE),
                "Service has no audit subsystem access", "Service has audit subsystem access");
  it.capability("CapabilityBoundingSet=~CAP_SYSLOG", 500, bit(CAP_SYSLOG),
                "Service has no access to kernel logging", "Service has access to kernel logging");
  it.capability("CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)", 500,
                bit(CAP_SYS_NICE) | bit(CAP_SYS_RESOURCE),
                "Service has no privileges to change resource use parameters",
                "Service has privileges to change resource use parameters");
  it.capability("CapabilityBoundingSet=~CAP_MKNOD", 500, bit(CAP_MKNOD),
                "Service cannot create device nodes", "Service may create device nodes");
  it.capability("CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)", 1000,
                bit(CAP_CHOWN) | bit(CAP_FSETID) | bit(CAP_SETFCAP),
                "Service cannot change file ownership/access mode/capabilities",
                "Service may change file ownership/access mode/capabilities unrestricted");
  it.capability(
      "CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)", 1000,
      bit(CAP_DAC_OVERRIDE) | bit(CAP_DAC_READ_SEARCH) | bit(CAP_FOWNER) | bit(CAP_IPC_OWNER),
      "Service cannot override UNIX file/IPC permission checks",
      "Service may override UNIX file/IPC permission checks");
  it.capability("CapabilityBoundingSet=~CAP_KILL", 500, bit(CAP_KILL),
                "Service cannot send UNIX signals to arbitrary processes",
                "Service may send UNIX signals to arbitrary processes");
  it.capability("CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", 500,
                bit(CAP_NET_BIND_SERVICE) | bit(CAP_NET_BROADCAST) | bit(CAP_NET_RAW),
                "Service has no elevated networking privileges",
                "Service has elevated networking privileges");
  it.capability("CapabilityBoundingSet=~CAP_SYS_BOOT", 100, bit(CAP_SYS_BOOT),
                "Service cannot issue reboot()", "Service may issue reboot()");
  it.capability("CapabilityBoundingSet=~CAP_MAC_*", 100, bit(CAP_MAC_ADMIN) | bit(CAP_MAC_OVERRIDE),
                "Service cannot adjust SMACK MAC", "Service may adjust SMACK MAC");
  it.capability("CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE", 75, bit(CAP_LINUX_IMMUTABLE),
                "Service cannot mark files immutable", "Service may mark files immutable");
  it.capability("CapabilityBoundingSet=~CAP_IPC_LOCK", 50, bit(CAP_IPC_LOCK),
                "Service cannot lock memory into RAM", "Service may lock memory into RAM");
  it.capability("CapabilityBoundingSet=~CAP_SYS_CHROOT", 50, bit(CAP_SYS_CHROOT),
                "Service cannot issue chroot()", "Service may issue chroot()");
  it.capability("CapabilityBoundingSet=~CAP_BLOCK_SUSPEND", 25, bit(CAP_BLOCK_SUSPEND),
                "Service cannot establish wake locks", "Service may establish wake locks");
  it.capability("CapabilityBoundingSet=~CAP_WAKE_ALARM", 25, bit(CAP_WAKE_ALARM),
                "Service cannot program timers that wake up the system",
                "Service may program timers that wake up the system");
  it.capability("CapabilityBoundingSet=~CAP_LEASE", 25, bit(CAP_LEASE),
                "Service cannot create file leases", "Service may create file leases");
  it.capability("CapabilityBoundingSet=~CAP_SYS_TTY_CONFIG", 25, bit(CAP_SYS_TTY_CONFIG),
                "Service cannot issue vhangup()", "Service may issue vhangup()");
  it.capability("CapabilityBoundingSet=~CAP_SYS_PACCT", 25, bit(CAP_SYS_PACCT),
                "Service cannot use acct()", "Service may use acct()");
  it.capability("CapabilityBoundingSet=~CAP_BPF", 25, bit(CAP_BPF),
                "Service cannot load BPF programs", "Service may load BPF programs");

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
  it.flag("ProcSubset=", "[filesystem] proc_subset", 10, f.proc_subset_pid,
          "Service has no access to non-process /proc files (/proc subset=)",
          "Service has full access to non-process /proc files (/proc subset=)");
  // Scored as the unit's default (main for Type=notify): jharden's messages, also those of its
  // readiness helper, are credited to the main process, so the shipped units keep it. A unit
  // that sets NotifyAccess=all is exposed whatever the policy says.
  it.unit_default("NotifyAccess=", 1000, "Service child processes cannot alter service state");
  if (f.root)
    it.not_applicable("RemoveIPC=", "[namespaces] ipc", 100,
                      "Service runs as root, option does not apply");
  else
    it.flag("RemoveIPC=", "[namespaces] ipc, [filesystem] private_dev", 100, f.remove_ipc,
            "Service user cannot leave SysV IPC objects around",
            "Service user may leave SysV IPC objects around");
  it.unit_default("Delegate=", 100,
                  "Service does not maintain its own delegated control group subtree");
  it.flag("RestrictRealtime=", "[seccomp] restrict_realtime", 500, f.restrict_realtime,
          "Service realtime scheduling access is restricted",
          "Service may acquire realtime scheduling");
  it.flag("RestrictSUIDSGID=", "[seccomp] restrict_suid_sgid", 1000, f.restrict_suid_sgid,
          "SUID/SGID file creation by service is restricted", "Service may create SUID/SGID files");
  // Per type, as the filter refuses unshare, clone and setns of the types not allowed.
  for (auto [ns, weight, what, flag] : {std::tuple{"user", 1500u, "user", CLONE_NEWUSER},
                                        {"mnt", 500u, "file system", CLONE_NEWNS},
                                        {"ipc", 500u, "IPC", CLONE_NEWIPC},
                                        {"pid", 500u, "process", CLONE_NEWPID},
                                        {"cgroup", 500u, "cgroup", CLONE_NEWCGROUP},
                                        {"net", 500u, "network", CLONE_NEWNET},
                                        {"uts", 100u, "hostname", CLONE_NEWUTS}})
    it.flag(std::string("RestrictNamespaces=~") + ns, "[namespaces] allow_create", weight,
            (f.namespaces_restricted & static_cast<unsigned long>(flag)) != 0,
            std::string("Service cannot create ") + what + " namespaces",
            std::string("Service may create ") + what + " namespaces");
  const char* af_key = "[seccomp] address_families";
  it.flag("RestrictAddressFamilies=~AF_(INET|INET6)", af_key, 1500, f.af_inet,
          "Service cannot allocate Internet sockets", "Service may allocate Internet sockets");
  it.flag("RestrictAddressFamilies=~AF_UNIX", af_key, 25, f.af_unix,
          "Service cannot allocate local sockets", "Service may allocate local sockets");
  it.flag("RestrictAddressFamilies=~AF_NETLINK", af_key, 200, f.af_netlink,
          "Service cannot allocate netlink sockets", "Service may allocate netlink sockets");
  it.flag("RestrictAddressFamilies=~AF_PACKET", af_key, 1000, f.af_packet,
          "Service cannot allocate packet sockets", "Service may allocate packet sockets");
  it.flag("RestrictAddressFamilies=~…", af_key, 1250, f.af_other,
          "Service cannot allocate exotic sockets", "Service may allocate exotic sockets");
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

  // A private network namespace is PrivateNetwork=, not an address filter: sockets handed over
  // by socket activation still reach the host's network.
  it.add("IPAddressDeny=", kNoEquivalent, 1000, 10, 10,
         "Service does not define an IP address allow list");
  // jharden's private /dev is not a device cgroup: device nodes elsewhere stay usable. systemd
  // closes the device cgroup with PrivateDevices=yes and then allows the RTC for ProtectClock=.
  it.add("DeviceAllow=", kNoEquivalent, 1000, 10, 10, "Service has no device ACL");
  it.back().unit_badness = f.private_devices ? (f.protect_clock ? 5 : 0) : 10;
  it.flag("AmbientCapabilities=", "[capabilities] ambient", 500, !f.ambient,
          "Service process does not receive ambient capabilities",
          "Service process receives ambient capabilities");
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
        " (tmpfs ro,nosuid,nodev,noexec, mode 0500, files " + octal_mode(plan.secrets_mode) +
        "), sources " +
        (policy.hide_sources.value && plan.root == "/" ? "made inaccessible" : "left in place"));
  }
  out.push_back(
      "every mount is verified once set up: read-only ones with statvfs (ST_RDONLY), tmpfs, "
      "procfs and sysfs by their statfs type, masks and inaccessible paths by type and mode");
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
        "new session (setsid): no TIOCSTI into the terminal jharden was started from; ioctl "
        "TIOCSCTTY, TIOCSTI and TIOCLINUX refused by the filter, so the terminal cannot be "
        "taken back");
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

std::string unit_properties(const Policy& policy, const Plan& plan, const Facts& f) {
  std::vector<std::string> lines;
  auto line = [&](const std::string& key, const std::vector<std::string>& words) {
    if (!words.empty()) lines.push_back(key + "=" + join(words));
  };
  if (!f.root) {
    lines.push_back("User=" + unit_value(f.nobody ? "nobody" : policy.user->value));
  }
  if (policy.group) lines.push_back("Group=" + unit_value(policy.group->value));
  if (!f.root && !f.supplementary.empty()) {
    std::vector<std::string> groups;
    for (const auto& g : f.supplementary) groups.push_back(unit_word(g));
    line("SupplementaryGroups", groups);
  }
  if (f.root_directory) lines.push_back("RootDirectory=" + unit_value(plan.root));
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
  line("ReadOnlyPaths", ro);
  line("ReadWritePaths", rw);
  line("InaccessiblePaths", inaccessible);
  line("TemporaryFileSystem", tmpfs);
  line("BindPaths", bind);
  line("BindReadOnlyPaths", bind_ro);

  if (!plan.caps.dropped.empty()) {
    std::vector<std::string> names;
    for (int c : plan.caps.bounding) names.push_back(capability_name(c));
    // An empty assignment empties the bounding set.
    lines.push_back("CapabilityBoundingSet=" + join(names));
  }
  std::vector<std::string> ambient;
  for (int c : plan.caps.ambient) ambient.push_back(capability_name(c));
  line("AmbientCapabilities", ambient);
  if (f.no_new_privileges) lines.push_back("NoNewPrivileges=yes");

  if (f.native_only) lines.push_back("SystemCallArchitectures=native");
  // The names as written: jharden's groups are systemd's, and systemd adds @default to an
  // allow list by itself, as jharden does.
  auto names = [](const auto& list) {
    std::vector<std::string> out;
    for (const auto& n : list) {
      std::string name = n.value;
      if constexpr (std::is_same_v<std::decay_t<decltype(n)>, SyscallEntry>)
        if (n.error != 0) name += ":" + errno_symbol(n.error);
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
    return out;
  };
  if (f.filters) {
    if (policy.seccomp_allow) line("SystemCallFilter", names(*policy.seccomp_allow));
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
  long t = std::lround(value * 10);
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
    i.description = "Landlock (" + abi +
                    "): writes only where the mounts allow them; no /proc root, cwd or mem "
                    "of processes outside (not scored by systemd)";
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
    if (std::find(lost.begin(), lost.end(), setting) == lost.end()) lost.push_back(setting);
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
