// jchroot-style fstab(5) files: "SOURCE TARGET TYPE OPTIONS [DUMP PASS]" lines whose
// entries (proc, sysfs, tmpfs, bind) are applied like the policy's own keys.
#pragma once

#include <string>

#include "error.h"
#include "policy.h"

namespace jharden {

// Parses `content` (the file `file`) into `policy` (bind, tmpfs, fstab_mounts); errors name
// the fstab file and line.
void parse_fstab(const std::string& file, const std::string& content, Policy& policy,
                 Diagnostics& diag);

}  // namespace jharden
