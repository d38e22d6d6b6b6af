// Apply: the mount plan, executed inside a new mount namespace. Three rounds as in
// systemd's namespace.c: establish every mount parents-first, make the read-only trees
// read-only (keeping writable holes), then verify what was applied.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "loader.h"
#include "plan.h"
#include "unique_fd.h"

namespace jharden {

// Resources opened in the new mount namespace before its first mount, while paths still
// name the host's files: bind sources, the verified /dev/null, whether the journal's socket is
// there for a private /dev's log link.
struct MountSources {
  std::vector<unique_fd> bind;  // per plan.mounts index, -1 when not a bind or missing
  unique_fd dev_null;           // verified 1:3 character device
  bool dev_log = false;         // host has /run/systemd/journal/dev-log
  unique_fd notify_socket;      // notify = daemon: $NOTIFY_SOCKET, kept reachable inside
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

// The mount plan applied in rounds, each one step of the set-up (contain(), setup.cc). Unshares
// nothing: the caller has entered a new mount namespace. Each round throws StepError (226; 243
// for the secrets) naming the step, the path and the policy line of the entry. While it lives
// the umask is 0: mount points are created 0755 (files 0644) whatever umask jharden was
// started with (the daemon's own is set later, before exec).
class MountApplier {
 public:
  MountApplier(const Plan& plan, MountSources& sources, std::vector<Secret>& secrets,
               const MountOptions& options);
  ~MountApplier();
  MountApplier(const MountApplier&) = delete;
  MountApplier& operator=(const MountApplier&) = delete;

  // Propagation slave (or private) on the whole tree, before anything is mounted; then the
  // new root (plan.root) bound onto itself.
  void isolate();
  // Every entry, parents first: fresh file systems, binds, masks, the private /dev, the
  // secrets written into their tmpfs (secrets.h); $NOTIFY_SOCKET kept reachable.
  void establish();
  // Once every mount point exists: jharden's own read-only tmpfs sealed, then each read-only
  // tree made read-only with its writable holes put back on top.
  void make_read_only();
  // Each entry checked for what it must be (read-only, a tmpfs, masked, ...).
  void verify();
  // Into plan.root (pivot_root, the old root detached); nothing when it is "/".
  void pivot();

 private:
  // The target of entry `i`, resolved below the sandbox root; -1 when optional and missing.
  // `st`, when given, gets the target's status (with the fd only).
  unique_fd open_target(size_t i, struct stat* st = nullptr);
  bool make_path(const std::string& path, std::optional<mode_t> file_mode);
  bool create_mount_point(size_t i);
  std::string host_path(const std::string& target) const;
  // The establish round for entry `i`: its target resolved (created where missing), then
  // establish(i, fd).
  void establish_entry(size_t i);
  void establish(size_t i, int target_fd, const struct stat& target);
  void make_entry_read_only(size_t i);
  void make_read_only_legacy(size_t i, int target_fd);
  void private_dev(size_t i, int target_fd, const std::string& path);
  void secrets(size_t i, int target_fd, const std::string& path);
  void inaccessible_file(size_t i, int target_fd, const std::string& path);
  unique_fd scratch_inaccessible_file(size_t i, const std::string& path);
  void make_inaccessible_node(int dev_dir, const std::string& sub, const std::string& at_path);
  void empty_directory(size_t i, int target_fd, const std::string& path);
  void verify_entry(size_t i);
  void keep_notify_socket_reachable();
  void seal_own_tmpfs();
  const std::vector<std::string>& mountinfo_points();

  const Plan& plan_;
  MountSources& sources_;
  std::vector<Secret>& secrets_;
  const MountOptions options_;  // a copy: callers pass a temporary
  std::vector<bool> present_;
  mode_t old_umask_;
  unique_fd root_fd_;
  std::optional<std::vector<std::string>> mount_points_;
  std::string dev_target_;
  // The file every inaccessible file is bound from, once the private /dev made it (private_dev).
  unique_fd inaccessible_node_;
  // The empty directories' tmpfs (empty_directory), by options and attributes: the mount
  // attached first.
  std::map<std::pair<std::string, unsigned>, unique_fd> empty_directories_;
};

// Every round in order (the integration tests): isolate, establish, make read-only, verify,
// pivot.
void apply_mounts(const Plan& plan, MountSources& sources, std::vector<Secret>& secrets,
                  const MountOptions& options);

// Opens `path` below `root_fd` without following any symlink (RESOLVE_NO_SYMLINKS): a
// symlink planted at a mount target is never followed to a host path.
int open_beneath(int root_fd, const std::string& path, int flags);

}  // namespace jharden
