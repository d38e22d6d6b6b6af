#include "mountinfo.h"

#include <fstream>
#include <sstream>

namespace jharden {

std::vector<MountInfo> read_mountinfo() {
  std::vector<MountInfo> out;
  std::ifstream in("/proc/self/mountinfo");
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
    out.push_back({decoded, options == "ro" || options.rfind("ro,", 0) == 0});
  }
  return out;
}

}  // namespace jharden
