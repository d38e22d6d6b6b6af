// Apply: the mount plan, executed inside a new mount namespace. Three rounds as in
// systemd's namespace.c: establish every mount parents-first, make the read-only trees
// read-only (keeping writable holes), then verify what was applied.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "loader.h"
#include "plan.h"
#include "unique_fd.h"

namespace jharden {

// Resources opened in the new mount namespace before its first mount, while paths still
// name the host's files: bind sources, the verified /dev/null, the devices for a private /dev.
struct MountSources {
  std::vector<unique_fd> bind;  // per plan.mounts index, -1 when not a bind or missing
  unique_fd dev_null;           // verified 1:3 character device
  std::vector<std::pair<std::string, unique_fd>> devices;  // name -> host node
  bool dev_log = false;                                    // host has /run/systemd/journal/dev-log
  unique_fd notify_socket;  // notify = daemon: $NOTIFY_SOCKET, kept reachable inside
  std::string notify_path;
  unique_fd root;  // plan.root when not "/", resolved without untrusted symlinks
};

struct MountOptions {
  bool force_legacy = false;  // tests: use mount(2) instead of mount_setattr()
};

// Opens what apply_mounts() takes from the host (226 on failure). Bind sources and the root
// are resolved once, without following a symlink a non-root user could have planted, and
// used through these descriptors only.
MountSources open_mount_sources(const Plan& plan);

// Unshares nothing: the caller has entered a new mount namespace. Makes propagation slave
// or private, establishes, makes read-only, verifies, pivots into plan.root. Throws
// StepError (226) naming the step and path.
void apply_mounts(const Plan& plan, MountSources& sources, std::vector<Secret>& secrets,
                  const MountOptions& options);

// Opens `path` below `root_fd` without following any symlink (RESOLVE_NO_SYMLINKS): a
// symlink planted at a mount target is never followed to a host path.
int open_beneath(int root_fd, const std::string& path, int flags);

}  // namespace jharden
