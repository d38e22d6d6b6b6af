// The proposal of --learn: a drop-in for the starting policy that tightens it to what the
// daemon was observed to use, every line preceded by a comment with its evidence and counts.
// A pure function of the policy, its plan and the observations (the tests run it as is).
#pragma once

#include <sys/stat.h>

#include <functional>
#include <optional>
#include <string>

#include "identity.h"
#include "observer.h"
#include "plan.h"
#include "policy.h"

namespace jharden {

struct ProposalContext {
  // Whether a directory (inside the sandbox's root) holds nothing but the names given: a place
  // used only as scratch becomes a tmpfs only when covering it hides nothing. Unset: never.
  std::function<bool(const std::string& dir, const std::vector<std::string>& own)> only_holds;
  // A directory as it is without symlinks (/var/run/x -> /run/x): the daemon names paths as it
  // likes, a policy path may not go through a symlink. Unset, or empty result: as written.
  std::function<std::string(const std::string& dir)> canonical;
  // Whether a path (inside the sandbox's root) is a device node now: open(O_CREAT) of
  // /dev/null creates nothing. Unset: never.
  std::function<bool(const std::string& path)> device;
  // A path's stat (inside the sandbox's root, symlinks followed); nullopt when it is missing.
  // With `identity`, whether the user a daemon switched to may write where it wrote. Unset:
  // no user is proposed.
  std::function<std::optional<struct stat>(const std::string& path)> stat;
  // The identity `user = USER`, `group = GROUP` and `supplementary_groups = GROUPS` (nullopt:
  // not given) would give; nullopt when one is unknown.
  std::function<std::optional<Identity>(const std::string& user, const std::string& group,
                                        const std::optional<std::vector<std::string>>& groups)>
      identity;
};

// The drop-in's text. It only tightens: no line grants what the starting policy refused, and
// it parses together with the policy (list keys it narrows are reset first).
std::string propose_drop_in(const Policy& policy, const Plan& plan, const Observations& obs,
                            const ProposalContext& context = {});

// The directory a written location is coarsened to: the service's own directory under a data
// root (/var/lib/NAME, /run/NAME, ...), otherwise the directory itself; empty when the
// directory is one never made writable as a whole (/, /var, /var/lib, /etc, ...).
std::string coarsen_location(const std::string& dir);

}  // namespace jharden
