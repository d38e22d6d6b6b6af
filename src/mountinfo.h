// /proc/self/mountinfo, parsed: each mount's mount point (escapes decoded), whether the mount
// itself is read-only, and its file system's type and options.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace jharden {

struct MountInfo {
  std::string point;
  bool read_only = false;
  std::string id, parent;  // mount ids, as the kernel lists them
  // After the " - " separator: what --verify reads back (procfs's hidepid= and subset=).
  std::string fs_type;
  std::vector<std::string> super_options;
};

std::vector<MountInfo> read_mountinfo();
// The same from text in mountinfo's format (proc(5)); exposed for the tests.
std::vector<MountInfo> parse_mountinfo(std::istream& in);

// Drops the mounts no path reaches: those below a sibling mounted on one of their ancestors
// (container managers leave such shadowed mounts under /proc/sys), and everything on them.
std::vector<MountInfo> reachable_mounts(const std::vector<MountInfo>& all);

}  // namespace jharden
