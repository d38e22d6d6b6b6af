// /proc/self/mountinfo, parsed: each mount's mount point (escapes decoded), its per-mount
// flags and its file system's type and options.
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace jharden {

struct MountInfo {
  std::string point;
  bool read_only = false;
  std::string id, parent;  // mount ids, as the kernel lists them
  bool nosuid = false, nodev = false, noexec = false;
  std::string root;     // the file system's directory mounted here ("/": its root)
  std::string fs_type;  // "tmpfs", "proc", ...
  // After the " - " separator, one by one: what --verify reads back (procfs's hidepid=,
  // subset=).
  std::vector<std::string> super_options;
};

// One line of mountinfo; nullopt when it is not one (never throws: the text is the kernel's,
// but a test or a container manager may hand anything).
std::optional<MountInfo> parse_mountinfo_line(const std::string& line);

std::vector<MountInfo> read_mountinfo();
// The same from text in mountinfo's format (proc(5)), skipping what is not a mount's line.
std::vector<MountInfo> parse_mountinfo(std::istream& in);

// Drops the mounts no path reaches: those below a sibling mounted on one of their ancestors
// (container managers leave such shadowed mounts under /proc/sys), and everything on them.
std::vector<MountInfo> reachable_mounts(const std::vector<MountInfo>& all);

}  // namespace jharden
