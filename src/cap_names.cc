#include "cap_names.h"

#include <sys/capability.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace jharden {

std::optional<int> parse_capability(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.empty() || std::isdigit(static_cast<unsigned char>(lower.front()))) return std::nullopt;
  if (lower.rfind("cap_", 0) != 0) lower = "cap_" + lower;
  cap_value_t value;
  if (cap_from_name(lower.c_str(), &value) != 0) return std::nullopt;
  return value;
}

std::string capability_name(int cap) {
  std::unique_ptr<char, decltype(&cap_free)> text(cap_to_name(static_cast<cap_value_t>(cap)),
                                                  &cap_free);
  std::string name = text ? text.get() : std::to_string(cap);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return name;
}

int last_capability() { return static_cast<int>(cap_max_bits()) - 1; }

}  // namespace jharden
