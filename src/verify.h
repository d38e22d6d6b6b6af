// --verify: a probe that runs inside the finished sandbox in place of the daemon and checks,
// one row per property, that what the policy asked for really holds.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "loader.h"
#include "plan.h"

namespace jharden {

// What the probe compares against, recorded on the host before any namespace change.
struct HostFacts {
  ino_t mnt_ns = 0, pid_ns = 0, net_ns = 0, ipc_ns = 0, uts_ns = 0, cgroup_ns = 0, user_ns = 0;
  uid_t uid = 0;  // jharden's own ids, mapped to themselves in a user namespace
  gid_t gid = 0;
  dev_t tmp_dev = 0;
  ino_t tmp_ino = 0;
  uint64_t cap_bnd = 0, cap_prm = 0;  // the caller's bounding and permitted sets
  std::vector<std::pair<std::string, size_t>> secret_sizes;  // name -> bytes
  pid_t decoy = 0;  // a process of the daemon's ids outside the sandbox (start_decoy)
  // By index into plan.mounts, seen on the host before the mount namespace: each target (in
  // the root, for root =) and each bind's source. A fresh file system at the target must be
  // another than the one that was there; a bind must show its source's own inode.
  struct Node {
    bool present = false;
    dev_t dev = 0;
    ino_t ino = 0;
  };
  std::vector<Node> targets, sources;
};

HostFacts record_host_facts();

// --verify only: fills host.targets and host.sources for the plan's mounts.
void record_mount_facts(const Plan& plan, HostFacts& host);

// A process outside the sandbox with the daemon's uid and gid and no capabilities, which the
// probe must not reach through /proc. Records its pid in `host`; killed and reaped on
// destruction (and killed if jharden dies first).
class Decoy {
 public:
  Decoy(const Identity& identity, std::vector<Secret>& secrets, HostFacts& host);
  Decoy(const Decoy&) = delete;
  Decoy& operator=(const Decoy&) = delete;
  ~Decoy();

 private:
  pid_t pid_ = -1;
};

// The read-only row's write to a device node, a FIFO or a socket, which open for writing on a
// read-only mount too (the write is the device's): what the mount refuses is a change of the
// node itself, here its own mode set again. 0, or the errno (ESTALE: `path` no longer names
// the node `st` describes, as when it was swapped for a symlink; nothing is changed then).
int set_own_mode(const std::string& path, const struct stat& st);

// Prints the rows and a summary to stdout; returns 0 when every row passes, 1 otherwise.
int run_probe(const Plan& plan, const HostFacts& host, int listen_fds);

}  // namespace jharden
