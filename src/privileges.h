// Privileges, in the order that keeps each step possible: bounding set (needs
// CAP_SETPCAP), then groups and ids (identity.h: keep-caps so that ambient capabilities
// survive for a non-root user), then the final capability sets and the ambient set.
#pragma once

#include <optional>
#include <vector>

#include "plan.h"

namespace jharden {

// A capability in `keep` must be one jharden itself holds (bounding and permitted sets, as
// execve gives root): one it lacks would be missing from the daemon's without a word, so it
// is an error (218) naming the policy line. Capabilities kept by default (no `keep`) are not
// asked for, and stay only where held.
void check_kept_capabilities(const std::optional<std::vector<Located<int>>>& keep);

// Drops the bounding set (218).
void drop_bounding_set(const CapabilityPlan& caps);

// Sets permitted/effective/inheritable/ambient to their final values (218): for root, the
// bounding set; for another user, only the ambient capabilities. `keep_admin`: CAP_SYS_ADMIN
// stays permitted and effective where held, for loading the filter without no_new_privs;
// execve drops it unless the bounding set has it.
void set_final_capabilities(const CapabilityPlan& caps, bool root, bool keep_admin = false);

// PR_SET_NO_NEW_PRIVS (227).
void set_no_new_privileges();

// Keeps only `keep` in every set, including the bounding set (used by the pid-namespace
// init, which needs nothing but CAP_KILL).
void reduce_to(const std::vector<int>& keep);

}  // namespace jharden
