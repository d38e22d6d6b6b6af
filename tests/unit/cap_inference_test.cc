// Capabilities inferred from privileged calls (src/cap_inference.cc), for kernels where
// --learn cannot watch cap_capable().
#include "cap_inference.h"

#include <gtest/gtest.h>
#include <seccomp.h>

#include <algorithm>
#include <set>

#include "cap_names.h"

namespace jharden {
namespace {

TEST(CapInference, EachFamilyMapsToItsCapability) {
  auto caps = infer_capabilities({{"setresuid", 1},
                                  {"setfsgid", 2},
                                  {"bind", 3},
                                  {"chroot", 1},
                                  {"fchownat", 4},
                                  {"clock_settime", 1},
                                  {"mlock", 1},
                                  {"sched_setscheduler", 1},
                                  {"prlimit64", 1},
                                  {"tgkill", 1},
                                  {"socket", 1}});
  std::set<std::string> names;
  for (const auto& [cap, inferred] : caps) names.insert(cap);
  EXPECT_EQ(names,
            (std::set<std::string>{"CAP_SETUID", "CAP_SETGID", "CAP_NET_BIND_SERVICE",
                                   "CAP_SYS_CHROOT", "CAP_CHOWN", "CAP_SYS_TIME", "CAP_IPC_LOCK",
                                   "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_KILL", "CAP_NET_RAW"}));
  EXPECT_EQ(caps["CAP_NET_BIND_SERVICE"].calls, 3u);
  EXPECT_EQ(caps["CAP_CHOWN"].evidence.at("fchownat"), 4u);
}

TEST(CapInference, CountsAddUpAndUncertainCallsAreApart) {
  auto caps = infer_capabilities({{"setuid", 1},
                                  {"setreuid", 2},
                                  {"kill (uncertain)", 5},
                                  {privileged_call_key("mlockall", true), 1}});
  EXPECT_EQ(caps["CAP_SETUID"].calls, 3u);
  EXPECT_EQ(caps["CAP_SETUID"].uncertain, 0u);
  EXPECT_EQ(caps["CAP_KILL"].calls, 0u);
  EXPECT_EQ(caps["CAP_KILL"].uncertain, 5u);
  EXPECT_EQ(caps["CAP_IPC_LOCK"].uncertain, 1u);
}

TEST(CapInference, UnknownAndZeroCountsAreIgnored) {
  EXPECT_TRUE(infer_capabilities({{"openat", 100}, {"setuid", 0}, {"nosuchcall", 1}}).empty());
  EXPECT_TRUE(infer_capabilities({}).empty());
}

TEST(CapInference, FileAccessCapabilitiesAreNotInferable) {
  const auto& caps = uninferable_capabilities();
  EXPECT_EQ(std::set<std::string>(caps.begin(), caps.end()),
            (std::set<std::string>{"CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER"}));
  for (const auto& c : privileged_calls())
    EXPECT_TRUE(std::find(caps.begin(), caps.end(), c.capability) == caps.end()) << c.syscall;
}

// The observer resolves every name of the table with libseccomp and every capability with
// libcap: a typo would silently watch nothing.
TEST(CapInference, TableNamesRealCallsAndCapabilities) {
  for (const auto& c : privileged_calls()) {
    EXPECT_TRUE(parse_capability(c.capability).has_value()) << c.capability;
    EXPECT_GE(seccomp_syscall_resolve_name(c.syscall), 0) << c.syscall;
    EXPECT_GE(c.arg, -1);
    EXPECT_LE(c.arg, 5);
    EXPECT_LE(c.arg2, 5);
  }
}

}  // namespace
}  // namespace jharden
