// The names the [seccomp] keys take besides syscalls: errno names (errno, NAME:ERRNO) and
// socket address families (address_families), spelled as systemd spells them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jharden {

// "EACCES" or a number from 1 to 4094; nullopt otherwise. 0 is refused: a refused call would
// then appear to succeed. 4095, the kernel's MAX_ERRNO, which systemd accepts, is refused too:
// libseccomp cannot build an action with it (EINVAL), so the service would fail at start.
std::optional<int> parse_errno(std::string_view text);

// "EACCES", or the number when the C library has no name for it.
std::string errno_symbol(int err);

// "AF_UNIX" (also "AF_LOCAL"; any case) -> AF_UNIX; nullopt when unknown.
std::optional<int> parse_address_family(std::string_view name);

// "AF_INET6", or "AF_<number>" for a family without a name here.
std::string address_family_name(int family);

// Every family with a name here, in numeric order (AF_UNSPEC excluded).
const std::vector<int>& known_address_families();

}  // namespace jharden
