// Capability names, through libcap so that jharden knows exactly what the system's libcap
// knows (with or without "CAP_", any case; numbers are refused to keep policies readable).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace jharden {

std::optional<int> parse_capability(std::string_view name);

// "CAP_SYS_ADMIN".
std::string capability_name(int cap);

// Highest capability number the running kernel knows (cap_max_bits() - 1).
int last_capability();

}  // namespace jharden
