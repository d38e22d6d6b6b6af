#include "text.h"

#include <algorithm>

namespace jharden {

std::string octal_mode(mode_t mode) {
  // By hand, not snprintf("%04o"): planning a start calls this, and printf's code is three
  // 64 KiB windows of libc that the start would otherwise not touch (docs/performance.md).
  std::string out(4, '0');
  for (int i = 3; i >= 0; --i, mode >>= 3)
    out[static_cast<size_t>(i)] = static_cast<char>('0' + (mode & 7));
  return out;
}

std::string join(const std::vector<std::string>& words, const char* sep) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

void add_once(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

}  // namespace jharden
