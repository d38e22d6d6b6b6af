// Splitting `exec` into argv the way systemd splits ExecStart=: white space separates
// words, "double" and 'single' quotes group, C-style backslash escapes. No shell, no
// variable expansion: what is written is what execve() receives.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace jharden {

// Splits `line` into `words`; returns an empty string on success or why it failed.
std::string split_command_line(std::string_view line, std::vector<std::string>& words);

}  // namespace jharden
