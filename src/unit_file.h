// A systemd unit file and its drop-ins, read with systemd's syntax (systemd.syntax(7)), for
// `jharden --analyze --unit`: the settings of [Unit] and [Service] that
// `systemd-analyze security` scores, and the ExecStart= lines. Settings the score does not use
// are skipped like unknown ones; a value systemd would log and ignore is an error here, named
// by file and line, so that a protection the administrator believes in is never silently
// missing from the score.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "error.h"

namespace jharden {

// An ExecStart= command with its prefixes (systemd.service(5), "Table 1").
struct ExecCommand {
  std::string path;               // the executable
  std::vector<std::string> argv;  // argv[0] included
  bool ignore_failure = false;    // "-"
  bool fully_privileged = false;  // "+": none of the unit's sandboxing or credentials apply
  bool no_setuid = false;         // "!" or "!!": User=, Group=, SupplementaryGroups= do not apply
  std::string line;               // the value as written, for messages
  Origin origin;
};

// What systemd-analyze's SecurityInfo holds, plus what it is derived from. Defaults are a system
// service's (KeyringMode=private, UMask=0022, every capability, no filter).
struct UnitSettings {
  std::string name;                // "nginx.service"
  std::vector<std::string> files;  // the fragment, then the drop-ins in systemd's order

  // [Unit]
  bool default_dependencies = true;

  // [Service]
  std::string type;           // "" when not set
  std::string notify_access;  // "" when not set
  std::vector<ExecCommand> exec_start;

  std::string user;  // "" when not set
  bool dynamic_user = false;
  std::vector<std::string> supplementary_groups;
  uint64_t ambient = 0;
  uint64_t bounding = ~uint64_t{0};
  std::vector<std::string> ip_address_deny, ip_address_allow;
  std::vector<std::string> ip_ingress_filter, ip_egress_filter;
  std::string keyring_mode = "private";
  std::string protect_proc = "default";
  std::string proc_subset = "all";
  bool lock_personality = false;
  bool memory_deny_write_execute = false;
  bool no_new_privileges = false;
  bool protect_hostname = false;
  bool private_devices = false;
  bool private_mounts = false;
  bool private_network = false;
  bool private_tmp = false;
  bool private_users = false;
  bool private_ipc = false;
  bool protect_control_groups = false;
  bool protect_kernel_modules = false;
  bool protect_kernel_tunables = false;
  bool protect_kernel_logs = false;
  bool protect_clock = false;
  std::string protect_home = "no";    // no yes read-only tmpfs
  std::string protect_system = "no";  // no yes full strict
  bool remove_ipc = false;
  bool restrict_realtime = false;
  bool restrict_suid_sgid = false;
  bool delegate = false;
  // RestrictAddressFamilies=: an allow list, or a deny list (empty: no restriction).
  bool address_families_allow_list = false;
  std::set<std::string> address_families;
  // RestrictNamespaces=: the CLONE_NEW* types that may be created.
  uint64_t namespaces_allowed = ~uint64_t{0};
  std::string root_directory, root_image;
  std::string device_policy = "auto";  // auto closed strict
  std::vector<std::string> device_allow;
  std::set<std::string> syscall_archs;
  // SystemCallFilter=: in an allow list the allowed syscalls, else the refused ones; names
  // with every @group expanded.
  bool syscall_allow_list = false;
  std::set<std::string> syscall_filter;
  mode_t umask = 0022;
};

// A file's name and text, for the parser.
using UnitSource = std::pair<std::string, std::string>;

// The unit directories a system manager reads, in order of precedence.
std::vector<std::string> standard_unit_dirs();

// The fragment and drop-ins of `unit`: a name looked up in `dirs` (the first directory holding
// the fragment wins; templates and their instances as systemd finds them), or a path (one with
// a "/") whose drop-ins are the NAME.d/*.conf beside it. Drop-ins come from every directory, a
// file name in an earlier directory hiding the same name in a later one, sorted by file name.
bool find_unit_files(const std::string& unit, const std::vector<std::string>& dirs,
                     std::string& name, std::vector<std::string>& files, Diagnostics& diag);

// Reads and parses `files` (see find_unit_files). Errors go to `diag` with file and line.
bool load_unit(const std::string& name, const std::vector<std::string>& files, UnitSettings& out,
               Diagnostics& diag);

// Parses files already read, the fragment first: no lookup, no system call.
UnitSettings parse_unit_files(const std::string& name, const std::vector<UnitSource>& sources,
                              Diagnostics& diag);

// What systemd derives when it loads a unit (unit_patch_contexts(), service_add_extras()):
// PrivateDevices= closes the device cgroup and drops CAP_MKNOD, DynamicUser= implies a strict
// sandbox, Type=notify implies NotifyAccess=main, and so on. Idempotent.
UnitSettings patched(const UnitSettings& unit);

// The [Service] lines of a unit asking for `unit`'s settings (and DefaultDependencies=no in
// [Unit] when it is off), for systemd-analyze.
std::string unit_settings_text(const UnitSettings& unit);

// Whether `command` runs jharden (its executable is named "jharden").
bool runs_jharden(const ExecCommand& command);

}  // namespace jharden
