#include "paths.h"

#include <algorithm>

namespace jharden {

std::string path_problem(std::string_view path) {
  if (path.empty()) return "path is empty";
  if (path.front() != '/') return "path must be absolute";
  if (path == "/") return "";
  if (path.back() == '/') return "path must not end with \"/\"";
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view component = path.substr(start, end - start);
    if (component.empty()) return "path must not contain \"//\"";
    if (component == "." || component == "..")
      return "path must not contain \".\" or \"..\" components";
    start = end + 1;
  }
  return "";
}

bool path_is_under(std::string_view child, std::string_view parent) {
  if (parent == "/") return true;
  if (child.size() < parent.size() || child.substr(0, parent.size()) != parent) return false;
  return child.size() == parent.size() || child[parent.size()] == '/';
}

int path_depth(std::string_view path) {
  if (path == "/") return 0;
  return static_cast<int>(std::count(path.begin(), path.end(), '/'));
}

std::string join_root(std::string_view root, std::string_view path) {
  if (root == "/") return std::string(path);
  if (path == "/") return std::string(root);
  return std::string(root) + std::string(path);
}

bool is_plain_file_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

}  // namespace jharden
