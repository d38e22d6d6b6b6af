#include "mountinfo.h"

#include <fstream>
#include <set>
#include <sstream>

#include "paths.h"

namespace jharden {

std::vector<MountInfo> read_mountinfo() {
  std::ifstream in("/proc/self/mountinfo");
  return parse_mountinfo(in);
}

std::vector<MountInfo> parse_mountinfo(std::istream& in) {
  std::vector<MountInfo> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, point, options;
    fields >> id >> parent >> devno >> root >> point >> options;
    // The kernel escapes space, tab, newline and backslash as \ooo.
    std::string decoded;
    for (size_t k = 0; k < point.size(); ++k) {
      if (point[k] == '\\' && k + 3 < point.size()) {
        decoded += static_cast<char>(std::stoi(point.substr(k + 1, 3), nullptr, 8));
        k += 3;
      } else {
        decoded += point[k];
      }
    }
    // Optional fields (shared:N, master:N) up to "-", then type, source and super options.
    std::string word, fs_type, source, super;
    while (fields >> word && word != "-") {
    }
    fields >> fs_type >> source >> super;
    std::vector<std::string> super_options;
    std::istringstream split(super);
    while (std::getline(split, word, ',')) super_options.push_back(word);
    out.push_back({decoded, options == "ro" || options.rfind("ro,", 0) == 0, id, parent, fs_type,
                   std::move(super_options)});
  }
  return out;
}

std::vector<MountInfo> reachable_mounts(const std::vector<MountInfo>& all) {
  std::set<std::string> hidden;
  // Parents are listed before their children, so one pass in order sees a parent's verdict
  // before the child's.
  for (const auto& m : all) {
    bool covered = hidden.contains(m.parent);
    for (const auto& s : all)
      covered = covered || (&s != &m && s.parent == m.parent && s.point != m.point &&
                            path_is_under(m.point, s.point));
    if (covered) hidden.insert(m.id);
  }
  std::vector<MountInfo> out;
  for (const auto& m : all)
    if (!hidden.contains(m.id)) out.push_back(m);
  return out;
}

}  // namespace jharden
