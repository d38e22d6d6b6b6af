// Load: find and read the policy and its drop-ins, validate them, resolve the user and
// groups, and read every secret source. Everything that can be wrong with the input fails
// here, before anything privileged happens.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "error.h"
#include "policy.h"

namespace jharden {

// Secret bytes: wiped when destroyed, never copied implicitly.
class SecretBytes {
 public:
  SecretBytes() = default;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();
  std::string& data() { return data_; }
  const std::string& data() const { return data_; }
  void wipe();

 private:
  std::string data_;
};

struct Secret {
  std::string name;
  std::string source_display;  // "/etc/ssl/key.pem" or "credential:tls"
  std::string host_path;       // the path read (credential: inside $CREDENTIALS_DIRECTORY)
  SecretBytes bytes;
  Origin origin;
};

struct Identity {
  bool change = false;  // a user or group was given: switch ids
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string user_name;  // for --print, may be numeric
  std::string group_name;
  std::vector<std::string> group_names;  // of `groups`, for --print; numeric without an entry
  // The login environment systemd gives a User= service (USER, LOGNAME, HOME, SHELL), from
  // the passwd entry with systemd's rules: none for a numeric id without an entry, no HOME
  // for "/", no SHELL for a nologin shell; empty: not set.
  std::string login_name;
  std::string home;
  std::string shell;
  // Owner of the secrets directory and files: [secrets] user/group, else the above.
  uid_t secrets_uid = 0;
  gid_t secrets_gid = 0;
};

struct LoadRequest {
  std::string policy;                    // POLICY argument
  std::vector<std::string> policy_dirs;  // empty: the standard list
  std::vector<std::string> command;      // after "--"
  bool command_given = false;
  bool need_command = true;  // running needs a daemon; --check/--print/--verify do not
};

struct Loaded {
  Policy policy;
  std::vector<std::string> files;  // main file then drop-ins, in order
  Identity identity;
  std::vector<Secret> secrets;
};

inline constexpr size_t kMaxSecretSize = 1 << 20;
inline constexpr size_t kMaxPolicySize = 1 << 20;

// The standard policy directories, in lookup order.
std::vector<std::string> standard_policy_dirs();

// Reads and validates the files, resolves ids and secrets. Every problem goes to `diag`;
// returns diag.ok().
bool load_policy(const LoadRequest& request, Loaded& out, Diagnostics& diag);

// Parses policy files already read (used by tests and the fuzzer): the main file then
// drop-ins, no lookup, no ownership checks, no identities or secrets.
Policy parse_policy_files(const std::vector<std::pair<std::string, std::string>>& files,
                          bool need_command, Diagnostics& diag);

// Resolve `policy`'s user and groups, and the owner of the secrets (216/217 on failure).
bool resolve_identity(const Policy& policy, Identity& out, Diagnostics& diag);

// Resolve the user and group names of `tmpfs` uid= and gid= into ids (216/217 on failure).
bool resolve_tmpfs_owners(Policy& policy, Diagnostics& diag);

// Read every secret source of `policy` (243 on failure).
bool read_secrets(const Policy& policy, std::vector<Secret>& out, Diagnostics& diag);

}  // namespace jharden
