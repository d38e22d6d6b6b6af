// The policy as written: every section and key of jharden.conf(5), validated, with the
// origin (file:line) of each value so that later stages can still name it.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.h"

namespace jharden {

template <typename T>
struct Located {
  T value{};
  Origin origin;
};

// A path from a list key; `optional` is the "-" prefix (ignore when missing).
struct PathSpec {
  std::string path;
  bool optional = false;
  Origin origin;
};

struct BindSpec {
  std::string source;  // host path
  std::string target;  // sandbox path
  bool optional = false;
  bool read_only = false;
  Origin origin;
};

struct TmpfsSpec {
  std::string path;
  mode_t mode = 0755;
  std::optional<uint64_t> size_bytes;    // size=
  std::optional<std::string> size_text;  // size= as written, for percentages
  std::optional<uint64_t> nr_inodes;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  // uid= and gid= given as a user or group name: resolved by the loader into uid and gid
  // (Debian assigns service ids at install time, so a policy can only name them).
  std::string uid_name;
  std::string gid_name;
  bool noexec = false;
  bool read_only = false;
  Origin origin;
};

struct SecretSpec {
  std::string name;
  std::string source;       // host path, or the credential id
  bool credential = false;  // source is credential:ID
  bool optional = false;    // "-SOURCE": a missing source is skipped
  Origin origin;
};

// A proc or sysfs line of the fstab file (tmpfs and bind lines become `tmpfs` and `bind`).
struct FstabMount {
  std::string type;  // "proc" or "sysfs"
  std::string target;
  std::string options;  // passed to the kernel, e.g. "hidepid=invisible"
  bool read_only = false;
  Origin origin;
};

// A [seccomp] deny entry: a syscall or @group, with the errno its calls get when the entry is
// written NAME:ERRNO (0: the policy's `errno`).
struct SyscallEntry : Located<std::string> {
  int error = 0;
};

struct EnvAssignment {
  std::string name;
  std::string value;
  Origin origin;
};

enum class NotifyMode { kExec, kDaemon, kNone };
enum class Propagation { kSlave, kPrivate };
enum class ProtectProc { kDefault, kInvisible };
enum class ProcSubset { kAll, kPid };
enum class SeccompAction { kErrno, kKill, kLog };
enum class LandlockMode { kAuto, kYes, kNo };

struct Policy {
  std::string file;  // the main policy file, as found

  // [service]
  Located<std::vector<std::string>> exec;
  std::optional<Located<std::string>> user;
  std::optional<Located<std::string>> group;
  std::optional<Located<std::vector<std::string>>> supplementary_groups;
  Located<std::string> working_directory{"/", {}};
  Located<bool> new_session{true, {}};
  std::vector<EnvAssignment> environment;
  std::vector<Located<std::string>> unset_environment;
  Located<mode_t> umask{0022, {}};
  std::optional<Located<NotifyMode>> notify;  // unset: exec with $NOTIFY_SOCKET, else none

  // [filesystem]
  Located<std::string> root{"/", {}};
  Located<Propagation> propagation{Propagation::kSlave, {}};
  std::vector<PathSpec> read_only;
  std::vector<PathSpec> read_write;
  Located<bool> private_tmp{true, {}};
  std::vector<TmpfsSpec> tmpfs;
  std::vector<BindSpec> bind;
  std::vector<PathSpec> mask;
  std::vector<PathSpec> inaccessible;
  Located<bool> private_dev{true, {}};
  Located<ProtectProc> protect_proc{ProtectProc::kDefault, {}};
  Located<ProcSubset> proc_subset{ProcSubset::kAll, {}};
  Located<bool> protect_kernel{true, {}};
  std::optional<Located<std::string>> fstab;
  Located<LandlockMode> landlock{LandlockMode::kAuto, {}};
  std::vector<FstabMount> fstab_mounts;  // filled by the loader from the fstab file

  // [secrets]
  Located<std::string> secrets_directory{"/run/secrets", {}};
  Located<mode_t> secrets_mode{0400, {}};
  Located<bool> hide_sources{true, {}};
  // Owner of the secrets directory and files when not the service's user and group.
  std::optional<Located<std::string>> secrets_user;
  std::optional<Located<std::string>> secrets_group;
  std::vector<SecretSpec> secrets;

  // [capabilities] (capability numbers, as libcap knows them)
  std::vector<Located<int>> cap_drop;
  std::optional<std::vector<Located<int>>> cap_keep;  // `keep = none`: given, and empty
  std::vector<Located<int>> cap_ambient;
  Located<bool> no_new_privileges{true, {}};

  // [seccomp] (syscall names and @groups, validated)
  std::vector<SyscallEntry> seccomp_deny;
  std::optional<std::vector<Located<std::string>>> seccomp_allow;
  Located<SeccompAction> seccomp_action{SeccompAction::kErrno, {}};
  Located<int> seccomp_errno{EPERM, {}};
  // AF_* numbers allowed for socket(); unset: every family; `none`: given, and empty.
  std::optional<std::vector<Located<int>>> address_families;
  Located<bool> memory_deny_write_execute{false, {}};
  Located<bool> native_only{true, {}};
  Located<bool> restrict_suid_sgid{true, {}};
  Located<bool> lock_personality{true, {}};
  Located<bool> restrict_realtime{true, {}};

  // [namespaces]
  Located<bool> ns_pid{false, {}};
  Located<bool> ns_net{false, {}};
  Located<bool> ns_ipc{false, {}};
  Located<bool> ns_uts{false, {}};
  Located<bool> ns_cgroup{false, {}};
  Located<bool> ns_user{false, {}};
  std::optional<Located<std::string>> hostname;
  // allow_create: CLONE_NEW* flags the daemon may create or join (namespace_flags()).
  Located<unsigned long> ns_allow_create{0, {}};
};

// The namespace types of `allow_create`, in their documented order: name and CLONE_NEW* flag.
struct NamespaceType {
  const char* name;
  unsigned long flag;
};
const std::vector<NamespaceType>& namespace_types();
unsigned long all_namespace_flags();

// One key of jharden.conf(5), as the key table in policy.cc describes it. The table drives
// parsing, duplicate detection (a scalar at most once per file), `key =` resets, the key list
// of --help and the test that walks every key.
enum class KeyKind {
  kScalar,  // one value; given twice in one file is an error; `key =` restores the default
  kList,    // words that add up over lines and files; `key =` empties it (or unsets it)
};
struct PolicyKey {
  std::string_view section;
  std::string_view name;
  KeyKind kind;
  std::string_view syntax;  // the value as jharden.conf(5) writes it: "path", "boolean"
  std::string_view sample;  // a valid value other than the default (for the tests)
};
std::vector<PolicyKey> policy_keys();
// The keys by section, one per line ("    exec = PATH ARG..."), for --help.
std::string policy_key_list();

// The built-in defaults of the list keys (jharden.conf(5)).
Policy default_policy();

// Parses one policy file or drop-in over `policy` (list keys append, scalar keys override,
// an empty list assignment resets). `content` is the whole file; errors go to `diag` with
// `file` and the line. Performs no system call.
void parse_policy_text(const std::string& file, const std::string& content, Policy& policy,
                       Diagnostics& diag);

// Parses tmpfs options ("mode=0700,size=64m,noexec") into `spec`; returns the errors.
std::vector<std::string> parse_tmpfs_options(std::string_view options, TmpfsSpec& spec);

// Checks that only make sense once every file is read (`exec` present when `need_command`).
void finish_policy(Policy& policy, bool need_command, Diagnostics& diag);

}  // namespace jharden
