// Named syscall groups ("@mount", "@system-service", ...), modelled on systemd's
// SystemCallFilter= sets so that administrators find the names they know.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace jharden {

struct SyscallGroup {
  std::string_view name;                      // "@mount"
  std::string_view description;               // one line
  std::span<const std::string_view> members;  // syscall names and other "@groups"
};

// Every group, in a fixed order.
std::span<const SyscallGroup> syscall_groups();

// The group named `name` ("@mount"), or nullptr.
const SyscallGroup* find_syscall_group(std::string_view name);

// The syscall names of a group, with nested groups expanded, sorted and without
// duplicates. Names libseccomp does not know on this architecture are kept: the filter
// builder skips them.
std::vector<std::string> expand_syscall_group(const SyscallGroup& group);

}  // namespace jharden
