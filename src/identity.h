// The daemon's identity, in one place: resolved from the policy's user, group and groups at load
// time (the user database is read before anything privileged happens), and changed during the
// set-up (groups, then gid, then uid, keeping the capabilities the plan keeps).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "error.h"
#include "policy.h"

namespace jharden {

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

// Resolve `policy`'s user and groups, and the owner of the secrets (216/217 on failure).
bool resolve_identity(const Policy& policy, Identity& out, Diagnostics& diag);

// A group's name where the group database has it, its number otherwise.
std::string group_name_of(gid_t gid);

// "www-data:www-data": a user and a group by name where the user database has them and the
// name looks up to the same id again, as numbers otherwise (root is "root" whatever the
// database says, as for `user`).
std::string identity_name(uid_t uid, gid_t gid);

// A group's name as identity_name() gives it: the number where the name names another gid.
std::string recorded_group_name(gid_t gid);

// The identity `user = USER` with `group = GROUP` (empty: the user's own) and
// `supplementary_groups = GROUPS` (nullopt: the user's own) would give, resolved
// as the loader resolves a policy's; nullopt when either is unknown.
// `groups`: supplementary_groups, when given.
std::optional<Identity> identity_of(const std::string& user, const std::string& group,
                                    const std::optional<std::vector<std::string>>& groups);

// Whether `id` may do `want` (R_OK, W_OK, X_OK bits of access(2)) on a file of `st`, by its
// mode bits alone (no capability), as the kernel's permission check without ACLs.
bool mode_permits(const Identity& id, const struct stat& st, int want);

// Resolve the user and group names of `tmpfs` uid= and gid= into ids (216/217 on failure).
bool resolve_tmpfs_owners(Policy& policy, Diagnostics& diag);

// setgroups (216), alone: before a user namespace, in which setgroups is denied for good.
void set_supplementary_groups(const Identity& id);

// setgroups -> setresgid -> setresuid (216 / 217), keeping permitted capabilities across;
// without setgroups when `groups_set` (set_supplementary_groups() did it already).
void change_identity(const Identity& id, bool groups_set = false);

}  // namespace jharden
