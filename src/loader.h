// Load: find and read the policy and its drop-ins, validate them, resolve the user and
// groups, and read every secret source. Everything that can be wrong with the input fails
// here, before anything privileged happens.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "error.h"
#include "identity.h"
#include "policy.h"
#include "secrets.h"

namespace jharden {

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

inline constexpr size_t kMaxPolicySize = 1 << 20;

// The standard policy directories, in lookup order.
std::vector<std::string> standard_policy_dirs();

// Reads and validates the files, resolves ids (identity.h) and reads secrets (secrets.h). Every
// problem goes to `diag`; returns diag.ok().
bool load_policy(const LoadRequest& request, Loaded& out, Diagnostics& diag);

// Parses policy files already read (used by tests and the fuzzer): the main file then
// drop-ins, no lookup, no ownership checks, no identities or secrets.
Policy parse_policy_files(const std::vector<std::pair<std::string, std::string>>& files,
                          bool need_command, Diagnostics& diag);

}  // namespace jharden
