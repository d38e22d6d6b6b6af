#include "mountinfo.h"

#include <fstream>
#include <set>
#include <sstream>

#include "paths.h"

namespace jharden {

namespace {

// The kernel escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& field) {
  std::string decoded;
  for (size_t k = 0; k < field.size(); ++k) {
    auto octal = [&](size_t at) { return field[at] >= '0' && field[at] <= '7'; };
    if (field[k] == '\\' && k + 3 < field.size() && octal(k + 1) && octal(k + 2) && octal(k + 3)) {
      decoded += static_cast<char>((field[k + 1] - '0') * 64 + (field[k + 2] - '0') * 8 +
                                   (field[k + 3] - '0'));
      k += 3;
    } else {
      decoded += field[k];
    }
  }
  return decoded;
}

}  // namespace

std::optional<MountInfo> parse_mountinfo_line(const std::string& line) {
  std::istringstream fields(line);
  std::string id, parent, devno, root, point, options;
  if (!(fields >> id >> parent >> devno >> root >> point >> options)) return std::nullopt;
  MountInfo m;
  m.point = unescape(point);
  m.root = unescape(root);
  m.id = id;
  m.parent = parent;
  std::istringstream flags(options);
  for (std::string f; std::getline(flags, f, ',');) {
    m.read_only |= f == "ro";
    m.nosuid |= f == "nosuid";
    m.nodev |= f == "nodev";
    m.noexec |= f == "noexec";
  }
  // Optional fields up to "-", then the type, the source and the super block's options.
  std::string word;
  while (fields >> word && word != "-") {
  }
  std::string source, super;
  fields >> m.fs_type >> source >> super;
  std::istringstream split(super);
  for (std::string o; std::getline(split, o, ',');) m.super_options.push_back(o);
  return m;
}

std::vector<MountInfo> parse_mountinfo(std::istream& in) {
  std::vector<MountInfo> out;
  std::string line;
  while (std::getline(in, line))
    if (auto m = parse_mountinfo_line(line)) out.push_back(std::move(*m));
  return out;
}

std::vector<MountInfo> read_mountinfo() {
  std::ifstream in("/proc/self/mountinfo");
  return parse_mountinfo(in);
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
