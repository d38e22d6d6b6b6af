#include "seccomp_names.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

namespace jharden {
namespace {

// The kernel's address families (include/linux/socket.h), numbers fixed by the ABI. Written
// out rather than taken from the C library's headers, which lag behind the kernel's.
struct Family {
  const char* name;
  int number;
};
constexpr Family kFamilies[] = {
    {"AF_UNIX", 1},       {"AF_LOCAL", 1},       {"AF_INET", 2},      {"AF_AX25", 3},
    {"AF_IPX", 4},        {"AF_APPLETALK", 5},   {"AF_NETROM", 6},    {"AF_BRIDGE", 7},
    {"AF_ATMPVC", 8},     {"AF_X25", 9},         {"AF_INET6", 10},    {"AF_ROSE", 11},
    {"AF_DECnet", 12},    {"AF_NETBEUI", 13},    {"AF_SECURITY", 14}, {"AF_KEY", 15},
    {"AF_NETLINK", 16},   {"AF_ROUTE", 16},      {"AF_PACKET", 17},   {"AF_ASH", 18},
    {"AF_ECONET", 19},    {"AF_ATMSVC", 20},     {"AF_RDS", 21},      {"AF_SNA", 22},
    {"AF_IRDA", 23},      {"AF_PPPOX", 24},      {"AF_WANPIPE", 25},  {"AF_LLC", 26},
    {"AF_IB", 27},        {"AF_MPLS", 28},       {"AF_CAN", 29},      {"AF_TIPC", 30},
    {"AF_BLUETOOTH", 31}, {"AF_IUCV", 32},       {"AF_RXRPC", 33},    {"AF_ISDN", 34},
    {"AF_PHONET", 35},    {"AF_IEEE802154", 36}, {"AF_CAIF", 37},     {"AF_ALG", 38},
    {"AF_NFC", 39},       {"AF_VSOCK", 40},      {"AF_KCM", 41},      {"AF_QIPCRTR", 42},
    {"AF_SMC", 43},       {"AF_XDP", 44},        {"AF_MCTP", 45},
};

// One below the kernel's MAX_ERRNO: the largest errno action libseccomp builds.
constexpr int kMaxErrno = 4094;

}  // namespace

std::optional<int> parse_errno(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(text.front()))) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    if (value < 1 || value > kMaxErrno) return std::nullopt;
    return value;
  }
  for (int err = 1; err <= kMaxErrno; ++err) {
    const char* name = strerrorname_np(err);
    if (name && text == name) return err;
  }
  return std::nullopt;
}

std::string errno_symbol(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : std::to_string(err);
}

std::optional<int> parse_address_family(std::string_view name) {
  for (const auto& f : kFamilies)
    if (name.size() == std::strlen(f.name) && strncasecmp(name.data(), f.name, name.size()) == 0)
      return f.number;
  return std::nullopt;
}

std::string address_family_name(int family) {
  for (const auto& f : kFamilies)
    if (f.number == family) return f.name;
  return "AF_" + std::to_string(family);
}

const std::vector<int>& known_address_families() {
  static const std::vector<int> kAll = [] {
    std::vector<int> all;
    for (const auto& f : kFamilies) all.push_back(f.number);
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
  }();
  return kAll;
}

}  // namespace jharden
