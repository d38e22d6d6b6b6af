#include "privileges.h"

#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "cap_names.h"
#include "error.h"
#include "sys_ops.h"

namespace jharden {
namespace {

using CapPtr = std::unique_ptr<struct _cap_struct, decltype(&cap_free)>;

void set_sets(const std::vector<int>& permitted, const std::vector<int>& inheritable) {
  CapPtr c(cap_init(), &cap_free);
  if (!c) fail_errno(kExitCapabilities, "capabilities", "cap_init");
  std::vector<cap_value_t> p(permitted.begin(), permitted.end());
  std::vector<cap_value_t> in(inheritable.begin(), inheritable.end());
  if ((!p.empty() &&
       (cap_set_flag(c.get(), CAP_PERMITTED, static_cast<int>(p.size()), p.data(), CAP_SET) != 0 ||
        cap_set_flag(c.get(), CAP_EFFECTIVE, static_cast<int>(p.size()), p.data(), CAP_SET) !=
            0)) ||
      (!in.empty() && cap_set_flag(c.get(), CAP_INHERITABLE, static_cast<int>(in.size()), in.data(),
                                   CAP_SET) != 0))
    fail_errno(kExitCapabilities, "capabilities", "build capability sets");
  if (sys().cap_set_proc(c.get()) != 0)
    fail_errno(kExitCapabilities, "capabilities", "cap_set_proc");
}

// cap_reset_ambient() asks the kernel about every capability first (one prctl each, 41 system
// calls when the set is empty, at every start): one PR_CAP_AMBIENT_CLEAR_ALL does the same. As
// with libcap, a kernel without ambient capabilities (EINVAL) has none to clear.
void clear_ambient_set() {
  if (sys().prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    fail_errno(kExitCapabilities, "capabilities", "clear ambient set");
}

}  // namespace

void check_kept_capabilities(const std::optional<std::vector<Located<int>>>& keep) {
  if (!keep) return;
  CapPtr own(cap_get_proc(), &cap_free);
  if (!own) fail_errno(kExitCapabilities, "capabilities", "read jharden's own capabilities");
  for (const auto& k : *keep) {
    cap_flag_value_t permitted = CAP_CLEAR;
    const bool bounding = cap_get_bound(static_cast<cap_value_t>(k.value)) == 1;
    if (cap_get_flag(own.get(), static_cast<cap_value_t>(k.value), CAP_PERMITTED, &permitted) != 0)
      permitted = CAP_CLEAR;
    if (bounding && permitted == CAP_SET) continue;
    throw StepError{kExitCapabilities,
                    k.origin.str() + ": error: keep: " + capability_name(k.value) +
                        " is not held by jharden itself (not in its " +
                        (bounding ? "permitted set" : "bounding set") +
                        "), so the daemon cannot keep it: give it to jharden (the unit's "
                        "CapabilityBoundingSet=) or remove it from keep"};
  }
}

void drop_bounding_set(const CapabilityPlan& caps) {
  // CAP_SETPCAP is what allows dropping: if it goes too, it goes last.
  bool setpcap = false;
  for (int cap : caps.dropped) {
    if (cap == CAP_SETPCAP) {
      setpcap = true;
      continue;
    }
    if (sys().cap_drop_bound(static_cast<cap_value_t>(cap)) != 0)
      fail_errno(kExitCapabilities, "capabilities",
                 "drop " + capability_name(cap) + " from the bounding set");
  }
  if (setpcap && sys().cap_drop_bound(CAP_SETPCAP) != 0)
    fail_errno(kExitCapabilities, "capabilities", "drop CAP_SETPCAP from the bounding set");
}

void set_final_capabilities(const CapabilityPlan& caps, bool root, bool keep_admin) {
  // Only what the caller itself holds can be kept (a container may lack some).
  CapPtr current(cap_get_proc(), &cap_free);
  if (!current) fail_errno(kExitCapabilities, "capabilities", "cap_get_proc");
  std::vector<int> permitted;
  std::vector<int> wanted = root ? caps.bounding : caps.ambient;
  if (keep_admin) wanted.push_back(CAP_SYS_ADMIN);
  for (int cap : wanted) {
    cap_flag_value_t v = CAP_CLEAR;
    if (cap_get_flag(current.get(), static_cast<cap_value_t>(cap), CAP_PERMITTED, &v) == 0 &&
        v == CAP_SET && std::find(permitted.begin(), permitted.end(), cap) == permitted.end())
      permitted.push_back(cap);
  }
  // Inheritable holds exactly the ambient capabilities (ambient requires them there);
  // everything else inherited from the caller is cleared (CVE-2022-29162, CVE-2022-27650).
  set_sets(permitted, caps.ambient);
  clear_ambient_set();
  for (int cap : caps.ambient)
    if (sys().cap_set_ambient(static_cast<cap_value_t>(cap), CAP_SET) != 0)
      fail_errno(kExitCapabilities, "capabilities", "raise ambient " + capability_name(cap));
}

void set_no_new_privileges() {
  if (sys().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    fail_errno(kExitNoNewPrivileges, "no_new_privileges", "PR_SET_NO_NEW_PRIVS");
}

void reduce_to(const std::vector<int>& keep) {
  CapabilityPlan c;
  for (int cap = 0; cap <= last_capability(); ++cap) {
    bool kept = false;
    for (int k : keep) kept |= k == cap;
    (kept ? c.bounding : c.dropped).push_back(cap);
  }
  drop_bounding_set(c);
  set_sets(c.bounding, {});
  clear_ambient_set();
}

}  // namespace jharden
