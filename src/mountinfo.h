// /proc/self/mountinfo, parsed: each mount's mount point (escapes decoded) and whether the
// mount itself is read-only.
#pragma once

#include <string>
#include <vector>

namespace jharden {

struct MountInfo {
  std::string point;
  bool read_only = false;
};

std::vector<MountInfo> read_mountinfo();

}  // namespace jharden
